// IPv6 extension headers in journeys, on a recorded path (tests/fixtures/ipv6-ext: a client, node-1 routing into a
// VXLAN overlay of MTU 1280, node-2): fragments, destination options, hop-by-hop and SCTP after destination options
// are each one journey over every lane they crossed, VXLAN-encapsulated ones too; the ICMPv6 errors that quote
// them (packet too big, time exceeded, port unreachable, parameter problem), which come in pairs of one type, size
// and sender within a millisecond whose quotes differ only past the quoted extension headers, are each their own
// journey (not a duplicated frame of the other) in the flow of the packet they quote. Recorded again with a
// conntrack rule on node-1 (as on every Kubernetes node), which reassembles forwarded fragments and fragments them
// again under ids of its own: each fragment is still one journey through node-1.

import { describe, expect, it } from 'vitest';

import { ObservationTable } from '../../main/correlate/observations.ts';
import type { CorrelationResult } from '../../main/correlate/result.ts';
import { createPacketFields, decodeFields } from '../../main/decode/index.ts';
import { FrameSource } from '../../main/session/frames.ts';
import {
  correlate,
  filesIn,
  fixtureCopy,
  fixtureFiles,
  loadLanes,
  pushedLanes,
} from './correlate-helpers.ts';

const FILES = fixtureFiles('ipv6-ext');
const CONNTRACK = fixtureFiles('ipv6-ext/conntrack');
const OUT = 'client/eth0 node-1/eth0 node-1/vxlan0 node-1/ens33 node-2/ens33 node-2/vxlan0';
const BACK = 'node-2/vxlan0 node-2/ens33 node-1/ens33 node-1/vxlan0 node-1/eth0 client/eth0';
const STOPPED = 'client/eth0 node-1/eth0';
const FROM_NODE_1 = 'node-1/eth0 client/eth0';

/** The fixture pushed lane by lane into a Correlator over `obs` (pushedLanes). */
function pushed(obs?: ObservationTable, files = FILES): CorrelationResult {
  return pushedLanes(files, obs);
}

/** Journey k as its summary (the ping's id and ephemeral ports as `N`) and its lanes in path order. */
function line(res: CorrelationResult, k: number): string {
  const summary = res
    .journeySummary(k)
    .replace(/^IP6 /, '')
    .replace(/id \d+/, 'id N')
    .replace(/\b\d{5}\b/g, 'N')
    .replace(/ \[rwnd.*$/, '');
  return `${summary} | ${res
    .hops(k)
    .map((h) => `${h.node}/${h.iface}`)
    .join(' ')}`;
}

const journeys = (res: CorrelationResult) => [...Array(res.journeyCount).keys()];

const PTB = 'fd61::1 > fd61::10: ICMP6, packet too big, mtu 1280, length 1240';
const DSTOPT = 'fd61::10 > fd62::2: DSTOPT N > 9: UDP, length 15';
const UNREACH =
  'fd62::2 > fd61::10: ICMP6, destination unreachable, unreachable port, fd62::2 udp port 9, length 79';
const EXCEEDED = 'fd61::1 > fd61::10: ICMP6, time exceeded in-transit for fd62::2, length 79';
const ERROR = /ICMP6, (packet too big|time exceeded|destination unreachable|parameter problem)/;
const PARAM = 'fd62::2 > fd61::10: ICMP6, parameter problem, next header - octet 40, length 88';
const echo = (seq: number) => [
  `fd61::10 > fd62::2: frag (0|1232) ICMP6, echo request, id N, seq ${seq}, length 1232 | ${OUT}`,
  `fd61::10 > fd62::2: frag (1232|1232) | ${OUT}`,
  `fd61::10 > fd62::2: frag (2464|544) | ${OUT}`,
  `fd62::2 > fd61::10: frag (0|1232) ICMP6, echo reply, id N, seq ${seq}, length 1232 | ${BACK}`,
  `fd62::2 > fd61::10: frag (1232|1232) | ${BACK}`,
  `fd62::2 > fd61::10: frag (2464|544) | ${BACK}`,
];
const sctp = (tag: number) =>
  `fd61::10 > fd62::2: DSTOPT fd61::10.N > fd62::2.5000: sctp (1) [INIT] [init tag: ${tag}] | ${OUT}`;

const EXPECTED = [
  // The first echo request, too big for vxlan0: node-1 answers its first two fragments, the third goes on.
  `fd61::10 > fd62::2: frag (0|1448) ICMP6, echo request, id N, seq 1, length 1448 | ${STOPPED}`,
  `${PTB} | ${FROM_NODE_1}`,
  `fd61::10 > fd62::2: frag (1448|1448) | ${STOPPED}`,
  `${PTB} | ${FROM_NODE_1}`,
  `fd61::10 > fd62::2: frag (2896|112) | ${OUT}`,
  ...echo(2),
  ...echo(3),
  ...[1, 2].flatMap(() => [`${DSTOPT} | ${OUT}`, `${UNREACH} | ${BACK}`]),
  ...[1, 2].flatMap(() => [
    `fd61::10 > fd62::2: DSTOPT N > 9: UDP, length 15 | ${STOPPED}`,
    `${EXCEEDED} | ${FROM_NODE_1}`,
  ]),
  `fd61::10 > fd62::3: HBH frag (0|1440) N > 9: UDP, length 4000 | ${STOPPED}`,
  `${PTB} | ${FROM_NODE_1}`,
  `fd61::10 > fd62::3: HBH frag (1440|1440) | ${STOPPED}`,
  `${PTB} | ${FROM_NODE_1}`,
  `fd61::10 > fd62::3: HBH frag (2880|1128) | ${OUT}`,
  `fd61::10 > fd62::3: HBH frag (0|1224) N > 9: UDP, length 4000 | ${OUT}`,
  `fd61::10 > fd62::3: HBH frag (1224|1224) | ${OUT}`,
  `fd61::10 > fd62::3: HBH frag (2448|1224) | ${OUT}`,
  `fd61::10 > fd62::3: HBH frag (3672|336) | ${OUT}`,
  `fd62::3 > fd61::10: ICMP6, destination unreachable, unreachable port, fd62::3 udp port 9, length 1240 | ${BACK}`,
  sctp(0x61616161),
  `${PARAM} | ${BACK}`,
  sctp(0x62626262),
  `${PARAM} | ${BACK}`,
  // A burst of four datagrams of 4000 bytes: their later fragments differ in nothing kept along the path but the
  // datagram's first fragment (its UDP payload's first bytes) seen before them on each lane.
  ...[1, 2, 3, 4].flatMap(() => [
    `fd61::10 > fd62::3: frag (0|1232) N > 9: UDP, length 4000 | ${OUT}`,
    `fd61::10 > fd62::3: frag (1232|1232) | ${OUT}`,
    `fd61::10 > fd62::3: frag (2464|1232) | ${OUT}`,
    `fd61::10 > fd62::3: frag (3696|312) | ${OUT}`,
    `fd62::3 > fd61::10: ICMP6, destination unreachable, unreachable port, fd62::3 udp port 9, length 1240 | ${BACK}`,
  ]),
];

describe('IPv6 extension headers across a router and a VXLAN overlay (ipv6-ext)', () => {
  it('every packet is one journey over the lanes it crossed; no error is taken for another’s duplicate', () => {
    const res = correlate(FILES);
    const frames = new FrameSource(res);
    try {
      expect(journeys(res).map((k) => line(res, k))).toEqual(EXPECTED);
      expect(journeys(res).reduce((n, k) => n + res.journeyRows(k).length, 0)).toBe(res.rowCount);
      for (let r = 0; r < res.rowCount; r++) expect(res.isDuplicate(r)).toBe(false);
      for (const k of journeys(res)) expect(res.journeyAmbiguous(k)).toBe(false);
    } finally {
      frames.close();
    }
  });

  it('each error is a reply in the flow of the packet it quotes, a later fragment’s too', () => {
    const res = correlate(FILES);
    const frames = new FrameSource(res);
    try {
      const lines = journeys(res).map((k) => line(res, k));
      const errors = journeys(res).filter((k) => ERROR.test(lines[k]));
      expect(errors).toHaveLength(15);
      for (const k of errors) {
        // The packet it quotes is the one just before it (the datagram, or the fragment too big for vxlan0); a
        // later fragment's flow is its datagram's.
        expect({ k, flow: res.flowOf[k], role: res.flowRole(k) }).toEqual({
          k,
          flow: res.flowOf[k - 1],
          role: 'reply',
        });
        expect(res.flowRole(k - 1)).toBe('request');
      }
      // One flow per echo (its request and reply), per socket (the UDP pairs, the SCTP INITs): the first echo and
      // its two errors, echo 2, echo 3, the destination options pair, the hop-limit-1 pair, the 4000-byte
      // datagram twice with its three errors, the INITs, the burst.
      const flowOfLine = (i: number) => res.flowOf[i];
      expect(new Set(journeys(res).map(flowOfLine)).size).toBe(8);
      expect(res.flowOf[errors[0]]).toBe(res.flowOf[0]);
      expect(res.flowOf[errors[1]]).toBe(res.flowOf[0]);
    } finally {
      frames.close();
    }
  });

  it('the same with node-2’s clock 3 ms ahead, and with node-2/vxlan0 cut inside the errors’ quoted extension headers', () => {
    const skewed = correlate(filesIn(fixtureCopy('ipv6-ext', { shift: { 'node-2': 3_000_000 } })));
    const frames = new FrameSource(skewed);
    try {
      expect(journeys(skewed).map((k) => line(skewed, k))).toEqual(EXPECTED);
    } finally {
      frames.close();
    }
    // 103 bytes: Ethernet, the error's IPv6 and ICMPv6 headers, the quoted IPv6 header and one byte of the hop-by-hop
    // header after it: the error's tail is unknown there (compatible with the whole copies'), not the fixed header's.
    const cut = correlate(
      filesIn(
        fixtureCopy('ipv6-ext', {
          transform: (f, records) =>
            f === 'node-2__vxlan0.pcap'
              ? records.map((r) => ({ ...r, data: r.data.subarray(0, 103) }))
              : records,
        }),
      ),
    );
    const cutFrames = new FrameSource(cut);
    try {
      const hbh = journeys(cut).find((k) =>
        cut.journeySummary(k).startsWith('IP6 fd62::3 > fd61::10: ICMP6'),
      );
      // Its summary is the cut first hop's (`[|icmp6]`); its path the whole one.
      expect(line(cut, hbh!).split(' | ')[1]).toBe(BACK);
    } finally {
      cutFrames.close();
    }
  });

  it('the same journeys and flows pushed frame by frame, from the rows’ tuples and from the published row store', () => {
    const batch = correlate(FILES);
    const fast = pushed();
    const walked = pushed(ObservationTable.published());
    for (const res of [fast, walked]) {
      expect(res.journeyCount).toBe(EXPECTED.length);
      expect(journeys(res).map((k) => res.journeyRows(k).length)).toEqual(
        journeys(batch).map((k) => batch.journeyRows(k).length),
      );
    }
    expect(Array.from(fast.flowOf)).toEqual(Array.from(batch.flowOf));
    expect(Array.from(walked.flowOf)).toEqual(Array.from(batch.flowOf));
  });
});

/** The fragment ids on one lane (node/iface) of a recording, in order. */
function fragmentIds(files: string[], lane: string): number[] {
  const f = createPacketFields();
  const ids: number[] = [];
  for (const l of loadLanes(files).lanes) {
    if (`${l.node}/${l.iface}` !== lane) continue;
    for (const r of l.records) {
      decodeFields(r.data, l.linkType, f);
      if (f.fragOffset !== 0 || f.moreFragments) ids.push(f.fragId6);
    }
  }
  return ids;
}

describe('the same through conntrack on node-1, which gives forwarded fragments ids of its own (ipv6-ext/conntrack)', () => {
  // Reassembled by conntrack, the first request (and the first 4000-byte datagram) is too big as a whole: one
  // packet too big quoting it reassembled, where node-1 without conntrack answered each fragment.
  const EXPECTED_CT = [
    `fd61::10 > fd62::2: frag (0|1448) ICMP6, echo request, id N, seq 1, length 1448 | ${STOPPED}`,
    `fd61::10 > fd62::2: frag (1448|1448) | ${STOPPED}`,
    `fd61::10 > fd62::2: frag (2896|112) | ${STOPPED}`,
    `${PTB} | ${FROM_NODE_1}`,
    ...echo(2),
    ...echo(3),
    ...EXPECTED.slice(17, 25),
    `fd61::10 > fd62::3: HBH frag (0|1440) N > 9: UDP, length 4000 | ${STOPPED}`,
    `fd61::10 > fd62::3: HBH frag (1440|1440) | ${STOPPED}`,
    `fd61::10 > fd62::3: HBH frag (2880|1128) | ${STOPPED}`,
    `${PTB} | ${FROM_NODE_1}`,
    ...EXPECTED.slice(30),
  ];

  it('the fragments node-1 forwards carry other ids than those it received', () => {
    const before = fragmentIds(CONNTRACK, 'client/eth0');
    const after = fragmentIds(CONNTRACK, 'node-1/vxlan0');
    expect(before.length).toBe(38);
    expect(after.length).toBe(32);
    expect(after.filter((id) => before.includes(id))).toEqual([]);
    // Without conntrack node-1 forwards them as they came.
    const plain = fragmentIds(FILES, 'client/eth0');
    expect(fragmentIds(FILES, 'node-1/vxlan0').every((id) => plain.includes(id))).toBe(true);
  });

  it('every fragment is still one journey over the lanes it crossed, each error in its packet’s flow', () => {
    const res = correlate(CONNTRACK);
    const frames = new FrameSource(res);
    try {
      const lines = journeys(res).map((k) => line(res, k));
      expect(lines).toEqual(EXPECTED_CT);
      expect(journeys(res).reduce((n, k) => n + res.journeyRows(k).length, 0)).toBe(res.rowCount);
      for (let r = 0; r < res.rowCount; r++) expect(res.isDuplicate(r)).toBe(false);
      const errors = journeys(res).filter((k) => ERROR.test(lines[k]));
      expect(errors).toHaveLength(13);
      for (const k of errors) {
        expect(res.flowOf[k]).toBe(res.flowOf[k - 1]);
        expect(res.flowRole(k)).toBe('reply');
      }
    } finally {
      frames.close();
    }
    const fast = pushed(undefined, CONNTRACK);
    expect(Array.from(fast.flowOf)).toEqual(Array.from(res.flowOf));
  });
});
