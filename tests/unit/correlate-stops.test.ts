// Where a packet stopped (main/correlate/stops.ts) on pings that iptables dropped in the lab
// (tests/fixtures/drops-flannel-vxlan): the dropped requests are said stopped after the last interface that saw
// them, with the evidence; the delivered ones and every reply say nothing; with captures left out or cut short,
// nothing is claimed beyond what was captured.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { findStops, journeyStops, stopText, type JourneyStop } from '../../main/correlate/stops.ts';
import type { CorrelationResult } from '../../main/correlate/result.ts';
import { exportPcapng } from '../../main/export/exportPcapng.ts';
import { journeyJson, writeJourneysJson } from '../../main/export/journeysJson.ts';
import { journeyBlock } from '../../main/export/ladder.ts';
import { Sink } from '../../main/export/sink.ts';
import { FrameSource } from '../../main/session/frames.ts';
import { correlateInputs } from '../../main/session/ingest.ts';
import { loadInputs } from '../../main/session/inputs.ts';
import { correlate, filesIn, fixtureCopy, fixtureFiles, type PcapRecord } from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

const FILES = fixtureFiles('drops-flannel-vxlan');
const name = (res: CorrelationResult, c: number) => `${res.captures[c].node}/${res.captures[c].iface}`;
const journeys = (res: CorrelationResult) => Array.from({ length: res.journeyCount }, (_, k) => k);
/** The journeys whose summary starts with `head` (an echo's addresses, type and id are unknown: re-recordings). */
const matching = (res: CorrelationResult, re: RegExp) =>
  journeys(res).filter((k) => re.test(res.journeySummary(k)));
const seq = (res: CorrelationResult, k: number) => Number(/seq (\d+)/.exec(res.journeySummary(k))?.[1]);
/** The 6-ping (the one with seq 6) of 10.244.0.12 > 10.244.1.34: its id. */
function sixPing(res: CorrelationResult): number[] {
  const all = matching(res, /^10\.244\.0\.12 > 10\.244\.1\.34: ICMP echo request/);
  const id = /id (\d+)/.exec(res.journeySummary(all.find((k) => seq(res, k) === 6)!))![1];
  return all.filter((k) => res.journeySummary(k).includes(`id ${id},`));
}
const TO_35 = /^10\.244\.0\.12 > 10\.244\.1\.35: ICMP echo request/;
const REJECTED = /^10\.244\.1\.34 > 10\.244\.0\.12: ICMP echo request/;
function claims(res: CorrelationResult): Map<number, JourneyStop> {
  const s = journeyStops(res);
  return new Map(s.journeys().map((k) => [k, s.of(k)!]));
}

describe('where a packet stopped (recorded: tests/fixtures/drops-flannel-vxlan)', () => {
  it('says where each dropped request stopped and why, and nothing of the others', () => {
    const res = correlate(FILES);
    // Frames back the ICMP errors' summaries (the columns do not hold what they quote).
    const frames = new FrameSource(res);
    const six = sixPing(res);
    const dropped = six.filter((k) => [2, 5].includes(seq(res, k)));
    const to35 = matching(res, TO_35);
    const rejected = matching(res, REJECTED);
    expect([dropped.length, to35.length, rejected.length]).toEqual([2, 3, 2]);
    const stops = claims(res);
    expect([...stops.keys()]).toEqual([...dropped, ...to35, ...rejected].sort((a, b) => a - b));

    // Every third: the other packets of the ping went on (4 of 5), and the destination pod's veth says it too.
    for (const k of dropped) {
      const s = stops.get(k)!;
      expect(name(res, s.after)).toBe('node-2/flannel.1');
      expect(s.expected.map((c) => name(res, c))).toEqual(['node-2/cni0', 'node-2/veth470beb22']);
      expect(s.siblings && { ...s.siblings, next: name(res, s.siblings.next) }).toEqual({
        wentOn: 4,
        of: 5,
        next: 'node-2/cni0',
      });
      expect(s.destination && [s.destination.address, name(res, s.destination.capture)]).toEqual([
        '10.244.1.34',
        'node-2/veth470beb22',
      ]);
      expect(s.icmpError).toBeNull();
    }
    // Every request dropped: no packet of the ping went on; the destination pod's own traffic shows its veth.
    for (const k of to35) {
      const s = stops.get(k)!;
      expect(name(res, s.after)).toBe('node-2/flannel.1');
      expect(s.expected.map((c) => name(res, c))).toEqual(['node-2/cni0', 'node-2/veth5c0de7a1']);
      expect(s.siblings).toBeNull();
      expect(s.destination && name(res, s.destination.capture)).toBe('node-2/veth5c0de7a1');
    }
    // Rejected on node-1: the admin-prohibited error in its flow names the reason.
    for (const k of rejected) {
      const s = stops.get(k)!;
      expect(name(res, s.after)).toBe('node-1/flannel.1');
      expect(s.expected.map((c) => name(res, c))).toEqual(['node-1/cni0', 'node-1/veth2053e67d']);
      expect(s.icmpError).not.toBeNull();
      expect(res.flowOf[s.icmpError!]).toBe(res.flowOf[k]);
      expect(res.journeySummary(s.icmpError!)).toBe(
        '10.244.0.0 > 10.244.1.34: ICMP host 10.244.0.12 unreachable - admin prohibited filter, length 92',
      );
    }

    // Where it shows: the ladder's last lines, the JSON's `stop` (both writers), nothing on the others.
    const k = dropped[0];
    const block = journeyBlock(res, k).split('\n');
    expect(block.slice(-3)).toEqual([
      '  ✗ not seen after node-2/flannel.1, though node-2/cni0 and node-2/veth470beb22 were capturing',
      `      4 of the 5 other packets 10.244.0.12 > 10.244.1.34 id ${/id (\d+)/.exec(res.journeySummary(k))![1]} from node-1/veth2053e67d went on to node-2/cni0`,
      '      10.244.1.34 is the pod behind node-2/veth470beb22 as its other traffic shows; this packet never got there',
    ]);
    expect(stopText(res, rejected[0], stops.get(rejected[0])!).evidence[1]).toMatch(
      /^ICMP error in its flow, journey \d+: 10\.244\.0\.0 > 10\.244\.1\.34: ICMP host 10\.244\.0\.12 unreachable - admin prohibited filter/,
    );
    const out = tempDir('hs-stops-');
    const file = join(out, 'j.json');
    const sink = Sink.file(file);
    writeJourneysJson(res, sink);
    sink.close();
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { journeys: Record<string, unknown>[] };
    for (const j of journeys(res)) {
      expect(doc.journeys[j].stop, `journey ${j + 1}`).toEqual(journeyJson(res, j).stop);
      expect(journeyBlock(res, j).includes('✗'), `journey ${j + 1}`).toBe(stops.has(j));
    }
    expect(journeyJson(res, k).stop).toEqual({
      after: { node: 'node-2', iface: 'flannel.1' },
      expected: [
        { node: 'node-2', iface: 'cni0' },
        { node: 'node-2', iface: 'veth470beb22' },
      ],
      siblings: { wentOn: 4, of: 5, next: { node: 'node-2', iface: 'cni0' } },
      destination: { address: '10.244.1.34', node: 'node-2', iface: 'veth470beb22' },
      icmpError: null,
    });
    expect(doc.journeys.filter((j) => 'stop' in j)).toHaveLength(7);
    frames.close();
  });

  it("says it in the pcapng export's comment on the last hop", async () => {
    const res = correlate(FILES);
    const frames = new FrameSource(res);
    const file = join(tempDir('hs-stops-'), 'drops.pcapng');
    const sink = Sink.file(file);
    try {
      await exportPcapng(res, sink, {});
    } finally {
      sink.close();
    }
    const comments = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.comment'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\n')
      .filter((c) => c.includes('✗'));
    const stops = journeyStops(res);
    const ks = stops.journeys();
    expect(comments).toHaveLength(ks.length);
    ks.forEach((k) => {
      const n = res.journeyRows(k).length;
      const { head, evidence } = stopText(res, k, stops.of(k)!);
      const mine = comments.filter((c) => c.startsWith(`journey ${k + 1} hop ${n}/${n} `));
      expect(mine, `journey ${k + 1}`).toHaveLength(1);
      expect(mine[0].endsWith(`; ✗ ${head} (${evidence.join('; ')})`), mine[0]).toBe(true);
    });
    expect(comments[0]).toContain(
      '; ✗ not seen after node-2/flannel.1, though node-2/cni0 and node-2/veth470beb22 were capturing (4 of the 5 other packets',
    );
    frames.close();
  });

  it('claims nothing past a capture that was not there', () => {
    // node-2's cni0 and the 10.244.1.34 pod's veth left out: the six-ping's requests all end at node-2's
    // flannel.1, none went on, its destination is no captured veth. The .35 pod's veth is still there.
    const res = correlate(FILES.filter((f) => !/node-2__(cni0|veth470beb22)\.pcap$/.test(f)));
    const stops = claims(res);
    expect(sixPing(res).filter((k) => stops.has(k))).toEqual([]);
    const to35 = matching(res, TO_35);
    expect(
      [...stops.keys()].filter((k) => !to35.includes(k) && !matching(res, REJECTED).includes(k)),
    ).toEqual([]);
    for (const k of to35)
      expect(stops.get(k)!.expected.map((c) => name(res, c))).toEqual(['node-2/veth5c0de7a1']);
  });

  it('takes the other packets for evidence only when most of them went on', () => {
    // seq 4 and 6 also removed from node-2's cni0 and the pod's veth (their replies stay): 2 of the 5 others went on.
    const full = correlate(FILES);
    const gone = new Set(
      sixPing(full)
        .filter((k) => [4, 6].includes(seq(full, k)))
        .flatMap((k) => full.journeyRows(k).map((r) => full.tsNs(r))),
    );
    const at = (r: PcapRecord) => BigInt(r.sec) * 1_000_000_000n + BigInt(r.nsec);
    const res = correlate(
      filesIn(
        fixtureCopy('drops-flannel-vxlan', {
          transform: (f, records) =>
            /^node-2__(cni0|veth470beb22)\.pcap$/.test(f) ? records.filter((r) => !gone.has(at(r))) : records,
        }),
      ),
    );
    const stopped = sixPing(res).filter((k) => res.journeyRows(k).length === 6);
    expect(stopped.map((k) => seq(res, k))).toEqual([2, 4, 5, 6]);
    // The destination's veth still says each stopped; the ping's other packets no longer do.
    for (const k of stopped) {
      const s = journeyStops(res).of(k)!;
      expect(s.siblings).toBeNull();
      expect(s.destination && name(res, s.destination.capture)).toBe('node-2/veth470beb22');
    }
  });

  it("takes no capture whose kernel dropped packets (session.json's kernelDrops) for a witness", () => {
    // As if session.json said node-2's cni0 and the .34 pod's veth lost packets (and the .35 pod's none).
    const inputs = loadInputs(FILES);
    if (!inputs.ok) throw new Error(inputs.error.message);
    const captures = [
      { node: 'node-2', iface: 'cni0', kernelDrops: 3 },
      { node: 'node-2', iface: 'veth470beb22', kernelDrops: 1 },
      { node: 'node-2', iface: 'veth5c0de7a1', kernelDrops: 0 },
    ];
    inputs.value.sessions.push({ dir: 'session', doc: { captures } });
    const res = correlateInputs(inputs.value).result;
    expect(res.kernelDrops.get('node-2/cni0')).toBe(3);
    const stops = claims(res);
    expect(sixPing(res).filter((k) => stops.has(k))).toEqual([]);
    const to35 = matching(res, TO_35);
    expect(to35.filter((k) => stops.has(k))).toEqual(to35);
    for (const k of to35)
      expect(stops.get(k)!.expected.map((c) => name(res, c))).toEqual(['node-2/veth5c0de7a1']);
  });

  it("an address two nodes hold (a shared VIP) is neither one's: no local delivery is assumed", () => {
    // 10.244.1.34 listed on node-1, on node-2, and on another of node-2's interfaces: still no one's, so the
    // requests to it that stopped on node-2 are not taken for delivered to node-2 itself.
    const inputs = loadInputs(FILES);
    if (!inputs.ok) throw new Error(inputs.error.message);
    const vip = ((10 << 24) | (244 << 16) | (1 << 8) | 34) >>> 0;
    for (const [node, name] of [
      ['node-1', 'vip0'],
      ['node-2', 'vip0'],
      ['node-2', 'vip1'],
    ])
      inputs.value.interfaces.push({ node, name, mac: -1, kind: 'dummy', addresses: [vip] });
    const res = correlateInputs(inputs.value).result;
    const dropped = sixPing(res).filter((k) => [2, 5].includes(seq(res, k)));
    expect(dropped.filter((k) => journeyStops(res).of(k) !== null)).toEqual(dropped);
  });

  it('claims nothing beyond a node that was not captured', () => {
    // node-1 only: what it sent to node-2 leaves through node-1's ens33 and nothing tells what became of it.
    // What it rejected itself still stopped at its own flannel.1, with its own cni0 and the pod's veth capturing.
    const res = correlate(FILES.filter((f) => f.includes('/node-1__')));
    const stops = claims(res);
    expect([...stops.keys()]).toEqual(matching(res, REJECTED));
    for (const s of stops.values()) {
      expect(name(res, s.after)).toBe('node-1/flannel.1');
      expect(s.expected.every((c) => res.captures[c].node === 'node-1')).toBe(true);
    }
  });

  it('claims nothing where the capture it was expected on ended (or began) within a second of it', () => {
    // node-2's cni0 and the pod's veth cut 0.5 s after the first dropped request: that one and every later
    // request of the ping now end at node-2's flannel.1, and none is claimed (the captures had stopped).
    const full = correlate(FILES);
    const first = sixPing(full).find((k) => seq(full, k) === 2)!;
    const lastRow = full.journeyRows(first).at(-1)!;
    const cut = full.tNs(lastRow) + 500_000_000n;
    const at = (r: PcapRecord) => BigInt(r.sec) * 1_000_000_000n + BigInt(r.nsec);
    const dir = fixtureCopy('drops-flannel-vxlan', {
      transform: (f, records) =>
        /^node-2__(cni0|veth470beb22)\.pcap$/.test(f) ? records.filter((r) => at(r) <= cut) : records,
    });
    const res = correlate(filesIn(dir));
    const stops = claims(res);
    const six = sixPing(res);
    expect(six.filter((k) => res.journeyRows(k).length === 6).map((k) => seq(res, k))).toEqual([2, 5, 6]);
    expect(six.filter((k) => stops.has(k))).toEqual([]);
    // The same with a margin of 0.1 s instead of 1: the first drop is claimed again, the later ones still not.
    const narrow = findStops(res, { edgeNs: 100e6 });
    expect(six.filter((k) => narrow.of(k) !== null).map((k) => seq(res, k))).toEqual([2]);

    // The same two captures starting 0.5 s before the first dropped request: both drops fall in their first second.
    const late = correlate(
      filesIn(
        fixtureCopy('drops-flannel-vxlan', {
          transform: (f, records) =>
            /^node-2__(cni0|veth470beb22)\.pcap$/.test(f)
              ? records.filter((r) => at(r) >= cut - 1_000_000_000n)
              : records,
        }),
      ),
    );
    const lateSix = sixPing(late);
    expect(lateSix.filter((k) => late.journeyRows(k).length === 6).map((k) => seq(late, k))).toEqual([2, 5]);
    expect(lateSix.filter((k) => journeyStops(late).of(k) !== null)).toEqual([]);
    const lateNarrow = findStops(late, { edgeNs: 100e6 });
    expect(lateSix.filter((k) => lateNarrow.of(k) !== null).map((k) => seq(late, k))).toEqual([2, 5]);
  });

  it('says nothing of a TCP segment longer than its interface carries (TSO/GSO: its pieces go on)', () => {
    // calico-wireguard: the pod's 4000-byte POST is one segment on its cali (MTU 1440), cut into pieces into
    // wireguard.cali; the pieces' journeys go on encrypted, the segment's ends on cali. With the capture edges
    // taken away (its captures last 0.8 s), the segment would be said stopped, the other packets of its
    // connection having gone on; with interface lists or without (then Ethernet's 1500 is taken), it is not.
    for (const files of [
      fixtureFiles('calico-wireguard'),
      fixtureFiles('calico-wireguard').filter((f) => f.endsWith('.pcap')),
    ]) {
      const res = correlate(files);
      const post = [...Array(res.journeyCount).keys()].filter(
        (k) => res.rows.tcpPayloadLen(res.journeyRows(k)[0]) > 1440,
      );
      expect(post.length).toBeGreaterThan(0);
      expect(post.every((k) => res.journeyRows(k).length === 1)).toBe(true);
      const stops = findStops(res, { edgeNs: 0 });
      expect(post.filter((k) => stops.of(k) !== null)).toEqual([]);
    }
  });

  it("learns an IPv6 pod's address as it does an IPv4 one: pings that never reached it are said stopped", () => {
    // tests/fixtures/nat6 (real ip6tables NAT: client fd77::10 → node-1 → pod fd44::5 behind node-1's veth1), given
    // node-1's interface list (its two interfaces and MACs, as `ip -j link` prints them), with every echo request
    // taken out of veth1's capture: no other ping went on (no conversation says so), but the pod's address shows
    // behind veth1 in its other traffic (its echo replies, the TCP connection DNAT'ed to it), so each ping is said
    // stopped at node-1/ens33 for its destination. The capture is 1.2 s long: the edge is taken away.
    const link = (ifindex: number, ifname: string, address: string) => ({
      ifindex,
      ifname,
      flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
      mtu: 1500,
      operstate: 'UP',
      link_type: 'ether',
      address,
      linkinfo: { info_kind: 'veth' },
    });
    const dir = fixtureCopy('nat6', {
      transform: (f, records) =>
        f === 'node-1__veth1.pcap'
          ? records.filter((r) => !(r.data[12] === 0x86 && r.data[13] === 0xdd && r.data[54] === 128))
          : records,
    });
    writeFileSync(
      join(dir, 'node-1.ip-link.json'),
      JSON.stringify([link(2, 'ens33', '2e:41:37:6b:8c:e0'), link(3, 'veth1', 'c2:c0:4c:9f:a5:b4')]),
    );
    const res = correlate(filesIn(dir));
    const pings = [...Array(res.journeyCount).keys()].filter((k) => {
      const r0 = res.journeyRows(k)[0];
      return res.rows.isIpv6(r0) && res.rows.icmpType(r0) === 128;
    });
    expect(pings).toHaveLength(3);
    // The evidence names the address read from the frame (the rows keep an IPv6 address's hash only).
    const frames = new FrameSource(res);
    const stops = findStops(res, { edgeNs: 0 });
    // The first ping came before veth1's first packet (the reply to it): veth1 was not yet capturing.
    expect(stops.of(pings[0])).toBeNull();
    for (const k of pings.slice(1)) {
      const s = stops.of(k);
      expect(s, `journey ${k + 1}`).not.toBeNull();
      expect(name(res, s!.after)).toBe('node-1/ens33');
      expect(s!.siblings).toBeNull();
      expect(s!.destination?.address).toBe('fd44::5');
      expect(name(res, s!.destination!.capture)).toBe('node-1/veth1');
    }
    frames.close();
  });
});
