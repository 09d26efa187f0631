// The journey filter's index as LoadedSession builds it (typed-array columns on the first query, the words only
// for a filter that has words) against the eager build it replaced (a summary object per journey, the words of
// every journey on the first query, whatever the filter), kept here as the reference: on every recorded fixture,
// the same columns, the same words and the same journeys for each filter.

import { existsSync, readdirSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { compileJourneyFilter, parseJourneyFilter } from '../../main/app/journeyFilter.ts';
import {
  FAMILY_IP,
  FAMILY_IP6,
  filterText,
  filterWord,
  HOP_IP_BCAST,
  HOP_IPIP,
  HOP_VLAN,
  HOP_VXLAN,
  HOP_GENEVE,
  JourneyIndex,
  PORT_SCTP,
  PORT_TCP,
  PORT_UDP,
  ROLE_DST,
  ROLE_SRC,
} from '../../main/app/journeyIndex.ts';
import { LoadedSession } from '../../main/app/loadedSession.ts';
import { openInputs } from '../../main/app/sessionBuild.ts';
import {
  E_DPORT,
  E_DST,
  E_INNER_DST,
  E_INNER_SRC,
  E_SPORT,
  E_SRC,
  E_TYPE,
  E_VNI,
  F_ETH,
} from '../../main/correlate/observations.ts';
import { ipv4ToString } from '../../main/correlate/ownership.ts';
import { ENCAP_GENEVE, ENCAP_IPIP } from '../../main/decode/fields.ts';
import { summarize } from '../../main/decode/index.ts';
import { correlateInputs } from '../../main/session/ingest.ts';

const PORT_KINDS: Record<number, number> = { 6: PORT_TCP, 17: PORT_UDP, 132: PORT_SCTP };

/** The capture interface's subnets (network, mask) of /30 or wider, as `ip broadcast` reads them. */
function subnetsOf(s: LoadedSession, node: string, iface: string): [number, number][] {
  const i = s.result.interfaces.find((x) => x.node === node && x.name === iface);
  return (i?.addresses ?? []).flatMap((a, n) => {
    const len = i?.prefixLens?.[n] ?? 32;
    if (len > 30) return [];
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    return [[(a & mask) >>> 0, mask] as [number, number]];
  });
}

function broadcastOn(dst: number, nets: [number, number][]): boolean {
  return nets.some(([net, mask]) => {
    if ((dst & mask) >>> 0 !== net) return false;
    const host = (dst & ~mask) >>> 0;
    return host === 0 || host === ~mask >>> 0;
  });
}

/** The eager build: per journey its summary object, then its hops' words and columns in one pass. */
function referenceIndex(s: LoadedSession): JourneyIndex {
  const res = s.result;
  const rows = res.rows;
  const ix = new JourneyIndex();
  ix.captureNames = res.captures.map((cap) => ({
    node: cap.node.toLowerCase(),
    iface: cap.iface.toLowerCase(),
  }));
  const capWords = res.captures.map((cap) => filterText(`${cap.node}/${cap.iface} ${cap.iface}`));
  const subnets = res.captures.map((cap) => subnetsOf(s, cap.node, cap.iface));
  for (let k = 0; k < res.journeyCount; k++) {
    const j = s.journeySummary(k);
    const proto = j.proto === 'ICMP6' ? 'ICMP6 ICMPv6' : j.proto;
    const out: string[] = [];
    const caps = new Set<number>();
    let [ps, pd, psp, pdp, pe] = [-1, -1, -2, -2, -1];
    let wireguard = false;
    for (let r = res.firstRow(k); r >= 0; r = res.nextRow(r)) {
      const c = rows.capture[r];
      // A hop seen encrypted in WireGuard: the journey's word `wireguard`, once.
      if (!wireguard && rows.wireguardData(r)) {
        wireguard = true;
        out.push('wireguard');
      }
      if (!caps.has(c)) {
        caps.add(c);
        out.push(capWords[c]);
        ix.addCapture(c);
      }
      const pair = rows.ethPairId(r);
      if (pair !== 0 && pair !== pe) {
        ix.addMac(rows.ethSrc(r), ROLE_SRC);
        if ((rows.flags[r] & F_ETH) !== 0) ix.addMac(rows.ethDst(r), ROLE_DST);
      }
      pe = pair;
      let bits = rows.vlanTagged(r) ? HOP_VLAN : 0;
      const outer = rows.encapCount[r] > 0 ? rows.encap(r, E_DST) >>> 0 : -1;
      if (
        (!rows.isIpv6(r) && broadcastOn(rows.dst[r] >>> 0, subnets[c])) ||
        (outer >= 0 && broadcastOn(outer, subnets[c]))
      )
        bits |= HOP_IP_BCAST;
      if (rows.encapCount[r] > 0) {
        const os = ipv4ToString(rows.encap(r, E_SRC) >>> 0);
        const od = ipv4ToString(rows.encap(r, E_DST) >>> 0);
        ix.addIpv4(rows.encap(r, E_SRC) >>> 0, ROLE_SRC);
        ix.addIpv4(rows.encap(r, E_DST) >>> 0, ROLE_DST);
        out.push(`${os} ${od} ${os}>${od}`);
        if (rows.encap(r, E_TYPE) === ENCAP_IPIP) {
          out.push('ipip');
          bits |= HOP_IPIP;
        } else {
          const osp = rows.encap(r, E_SPORT);
          const odp = rows.encap(r, E_DPORT);
          const vni = rows.encap(r, E_VNI);
          if (rows.encap(r, E_TYPE) === ENCAP_GENEVE) {
            out.push(`geneve udp ${osp} ${odp} vni=${vni} geneve-vni=${vni}`);
            bits |= HOP_GENEVE;
          } else {
            out.push(`vxlan udp ${osp} ${odp} vni=${vni}`);
            bits |= HOP_VXLAN;
          }
          ix.addPort(osp, PORT_UDP, ROLE_SRC);
          ix.addPort(odp, PORT_UDP, ROLE_DST);
          ix.addMac(rows.encap(r, E_INNER_SRC), ROLE_SRC);
          ix.addMac(rows.encap(r, E_INNER_DST), ROLE_DST);
        }
      }
      ix.addHop(rows.origLen[r], bits);
      const sp = rows.srcPort(r);
      const dp = rows.dstPort(r);
      if (rows.src[r] === ps && rows.dst[r] === pd && sp === psp && dp === pdp) continue;
      [ps, pd, psp, pdp] = [rows.src[r], rows.dst[r], sp, dp];
      const src = res.rowSrc(r).toLowerCase();
      const dst = res.rowDst(r).toLowerCase();
      const v6 = rows.isIpv6(r);
      if (v6) {
        ix.addIpv6(src, ROLE_SRC);
        ix.addIpv6(dst, ROLE_DST);
      } else {
        ix.addIpv4(rows.src[r] >>> 0, ROLE_SRC);
        ix.addIpv4(rows.dst[r] >>> 0, ROLE_DST);
      }
      const kind = PORT_KINDS[rows.proto(r)] ?? 0;
      if (kind) {
        ix.addPort(sp, kind, ROLE_SRC);
        ix.addPort(dp, kind, ROLE_DST);
      }
      const fw = v6 ? filterWord : (w: string) => w;
      for (const [ip, port] of [
        [src, sp],
        [dst, dp],
      ] as const)
        out.push(
          port >= 0 ? `${fw(ip)} ${ip}:${port} ${ip}.${port} ${port}${v6 ? ` [${ip}]:${port}` : ''}` : fw(ip),
        );
      // An ICMP error on a hop past its first (a NAT rewrote what it quotes): that hop's line.
      if (r !== res.firstRow(k) && rows.quotesFlow(r))
        out.push(
          filterText(summarize(s.frames.frame(r), res.captures[c].linkType, { origLen: rows.origLen[r] })),
        );
      out.push(fw(`${src}>${dst}`));
      if (sp >= 0 && dp >= 0) out.push(`${src}.${sp}>${dst}.${dp}`);
    }
    // A journey said stopped (the summary's `stop`, the list's ✗ badge): the word `stopped`.
    if (j.stop) out.push('stopped');
    const first = res.firstRow(k);
    // The summary's nodes are in path order, a node passed twice named twice (node-1 → node-2 → node-1); the
    // eager build's words named each node once, as the index's do.
    ix.finish(
      `${j.summary} ${proto} ${[...new Set(j.nodes)].join(' ')} ${j.direction} #${k + 1}`,
      res.rows.isIpv6(first) ? FAMILY_IP6 : FAMILY_IP,
      res.rows.proto(first),
      out.join(' '),
    );
  }
  return ix;
}

const COLUMNS = [
  'family',
  'proto',
  'hops',
  'minLen',
  'maxLen',
  'v4Start',
  'v4',
  'v4Role',
  'v6Start',
  'v6',
  'v6Role',
  'macStart',
  'mac',
  'macRole',
  'portStart',
  'port',
  'portRole',
  'capStart',
  'cap',
] as const;

function columns(ix: JourneyIndex): Record<string, number[]> {
  return Object.fromEntries(COLUMNS.map((c) => [c, Array.from(ix[c].data.subarray(0, ix[c].length))]));
}

const FIXTURES = readdirSync('tests/fixtures', { withFileTypes: true })
  .filter(
    (d) => d.isDirectory() && readdirSync(`tests/fixtures/${d.name}`).some((f) => /\.pcap(ng)?$/.test(f)),
  )
  .map((d) => d.name);

/** Filters of every kind: words, addresses, ports, protocols, MACs, globs, tags, lengths, casts. */
const FILTERS = [
  'icmp',
  'tcp or udp',
  'host 10.1.10.8',
  'net 10.244.0.0/16 and not port 8472',
  'dst port 8877 or src portrange 9000-9999',
  'ip6 and net fd00::/8',
  'ether broadcast or ether multicast',
  'ip broadcast',
  'ip proto 4 or ip proto \\ipencap',
  'less 100 or greater 1000',
  'vlan',
  'cali* or veth*',
  'node-1:ens* and not node-2/cni0',
  'ens33',
  'node-1/cni0 and icmp',
  'request',
  'reply and udp',
  'vxlan or ipip',
  'vni 1',
  '10.244.0.12 > 10.244.1.34',
  '#3 or #12',
  'echo and not icmp6',
  'vlan 10',
];

describe('the journey index built on the first query (columns at once, words when a filter has some)', () => {
  it.each(FIXTURES)('%s: the same columns, words and journeys as the eager build', (name) => {
    const c = correlateInputs(openInputs([`tests/fixtures/${name}`]), { threads: 1 });
    const s = new LoadedSession(name, name, null, c.correlator, c.result, [], undefined, false);
    const n = c.result.journeyCount;
    const ref = referenceIndex(s);
    // A first query without words builds the columns alone.
    s.matchingJourneys('host 10.1.10.8 or udp');
    const ix = Reflect.get(s, 'summaryIndex') as JourneyIndex;
    expect(ix.count).toBe(n);
    expect(ix.texts.length).toBe(0);
    expect(columns(ix)).toEqual(columns(ref));
    // The first word builds the words, the same as the eager build's.
    s.matchingJourneys('nosuchword');
    expect(ix.texts).toEqual(ref.texts);
    // `vlan N` reads the tags' ids for both alike.
    Reflect.get(s, 'vlanIds').call(s, ref, n);
    for (const f of FILTERS) {
      const test = compileJourneyFilter(parseJourneyFilter(f)!, ref);
      const want = Array.from({ length: n }, (_, k) => k).filter(test);
      expect({ name, f, got: s.matchingJourneys(f) }).toEqual({ name, f, got: want });
    }
    s.close();
  });

  it('covers the fixtures with tunnels, NAT, IPv6, tags and broadcasts', () => {
    for (const f of ['flannel-vxlan', 'calico-ipip', 'kube-proxy', 'nat6', 'vlan-trunk', 'broadcast'])
      expect(FIXTURES).toContain(f);
    expect(existsSync('tests/fixtures/vlan-trunk/a__fxv-a.pcap')).toBe(true);
  });
});
