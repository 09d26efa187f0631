// The correlator on every lab scenario's real captures: the cross-node ping's request and reply hop
// sequences, TTLs, MACs equal to the owning interface's MAC, encapsulation, and kube-proxy's NAT journeys.

import { describe, expect, it } from 'vitest';

import type { Hop } from '../../main/correlate/hops.ts';
import { DEFAULT_DECODE_OPTIONS } from '../../main/decode/fields.ts';
import { FrameSource } from '../../main/session/frames.ts';
import type { CorrelationResult } from '../../main/correlate/result.ts';
import {
  correlate,
  crossNodePings,
  fixtureFiles,
  fixtureMac,
  FLANNEL_VXLAN_PATH,
  path,
} from './correlate-helpers.ts';

function only<T>(xs: T[]): T {
  expect(xs.length).toBeGreaterThan(0);
  return xs[0];
}

function check(res: CorrelationResult, type: 8 | 0, lanes: string[], ttls: number[]): Hop[][] {
  const ks = crossNodePings(res, type);
  expect(ks.length).toBe(3); // the lab pings 3 times
  for (const k of ks) {
    expect(path(res, k)).toEqual(lanes);
    expect(res.hops(k).map((h) => h.ttl)).toEqual(ttls);
  }
  return ks.map((k) => res.hops(k));
}

const at = (hops: Hop[], lane: string): Hop => only(hops.filter((h) => `${h.node}/${h.iface}` === lane));

describe('flannel-vxlan', () => {
  const res = correlate(fixtureFiles('flannel-vxlan'));
  const mac = (n: string, i: string): string => fixtureMac('flannel-vxlan', n, i);
  const req = FLANNEL_VXLAN_PATH;

  it('request: veth → cni0 → flannel.1 → ens33 (+vxlan) → node-2 ens33 → flannel.1 → cni0 → veth, TTL 64 → 63 → 62', () => {
    for (const hops of check(res, 8, req, [64, 64, 63, 63, 63, 63, 62, 62])) {
      const e = at(hops, 'node-1/ens33');
      expect(e.changes).toContain('encap+vxlan');
      expect(e.encap).toMatchObject([
        { type: 'vxlan', vni: 1, outerSrc: '10.1.10.9', outerDst: '10.1.10.10', dstPort: 8472 },
      ]);
      expect(at(hops, 'node-2/ens33').changes).toEqual([]);
      expect(at(hops, 'node-2/flannel.1').changes).toContain('encap-vxlan');
      expect(at(hops, 'node-1/flannel.1').changes).toEqual(['mac', 'ttl']);
      // MACs are the owning interfaces' MACs, and named after them.
      expect(at(hops, 'node-1/flannel.1').eth).toMatchObject({
        src: mac('node-1', 'flannel.1'),
        dst: mac('node-2', 'flannel.1'),
        srcOwner: 'node-1/flannel.1',
        dstOwner: 'node-2/flannel.1',
      });
      expect(e.eth).toMatchObject({
        src: mac('node-1', 'ens33'),
        dst: mac('node-2', 'ens33'),
        srcOwner: 'node-1/ens33',
      });
      expect(e.encap[0].innerEth).toMatchObject({
        src: mac('node-1', 'flannel.1'),
        dst: mac('node-2', 'flannel.1'),
      });
      expect(at(hops, 'node-2/cni0').eth).toMatchObject({
        src: mac('node-2', 'cni0'),
        srcOwner: 'node-2/cni0',
      });
      expect(at(hops, 'node-1/cni0').eth).toMatchObject({
        dst: mac('node-1', 'cni0'),
        dstOwner: 'node-1/cni0',
      });
      expect(hops[0].eth?.srcOwner).toBe('pod behind node-1/veth2053e67d');
      // Latencies are corrected-time differences and never negative on one clock.
      for (const h of hops.slice(1)) expect(h.latencyNs).toBeGreaterThanOrEqual(0);
    }
  });

  it('reply: the same path backwards, paired with its request in one flow', () => {
    check(res, 0, [...req].reverse(), [64, 64, 63, 63, 63, 63, 62, 62]);
    const reqs = crossNodePings(res, 8);
    const reps = crossNodePings(res, 0);
    for (let i = 0; i < 3; i++) {
      expect(res.flowOf[reqs[i]]).toBe(res.flowOf[reps[i]]);
      expect(res.flowRole(reqs[i])).toBe('request');
      expect(res.flowRole(reps[i])).toBe('reply');
    }
    expect(new Set(reqs.map((k) => res.flowOf[k])).size).toBe(3);
  });

  it('ARP stays per lane: no journey contains ARP', () => {
    let arp = 0;
    for (let r = 0; r < res.rowCount; r++) {
      if (res.isArp(r)) {
        arp++;
        expect(res.journeyOfRow(r)).toBe(-1);
      }
    }
    expect(arp).toBeGreaterThan(0);
  });
});

describe('antrea-geneve', () => {
  // Recorded from the lab's antrea-geneve scenario: real Geneve (UDP 6081, VNI 7) between the nodes' ens33 by a
  // user-space encapsulator on antrea-tun0 (a TAP); node-1's packets carry one OVN option, node-2's none.
  const res = correlate(fixtureFiles('antrea-geneve'));
  const mac = (n: string, i: string): string => fixtureMac('antrea-geneve', n, i);
  const req = [
    'node-1/test-799-0aeda2',
    'node-1/antrea-gw0',
    'node-1/antrea-tun0',
    'node-1/ens33',
    'node-2/ens33',
    'node-2/antrea-tun0',
    'node-2/antrea-gw0',
    'node-2/test-799-4bf554',
  ];

  it('request: pod → antrea-gw0 → antrea-tun0 → ens33 (+geneve, VNI 7) → node-2 ens33 → antrea-tun0 (−geneve) → antrea-gw0 → pod', () => {
    for (const hops of check(res, 8, req, [64, 64, 63, 63, 63, 63, 62, 62])) {
      const e = at(hops, 'node-1/ens33');
      expect(e.changes).toEqual(['mac', 'encap+geneve']);
      expect(e.encap).toMatchObject([
        { type: 'geneve', vni: 7, outerSrc: '10.1.10.9', outerDst: '10.1.10.10', dstPort: 6081 },
      ]);
      expect(e.encap[0].innerEth).toMatchObject({
        src: mac('node-1', 'antrea-tun0'),
        dst: mac('node-2', 'antrea-tun0'),
        srcOwner: 'node-1/antrea-tun0',
        dstOwner: 'node-2/antrea-tun0',
      });
      expect(e.eth).toMatchObject({ src: mac('node-1', 'ens33'), dst: mac('node-2', 'ens33') });
      expect(at(hops, 'node-2/ens33').changes).toEqual([]);
      expect(at(hops, 'node-2/ens33').encap).toEqual(
        e.encap.map((x) => ({ ...x, innerEth: expect.anything() })),
      );
      expect(at(hops, 'node-2/antrea-tun0').changes).toEqual(['mac', 'encap-geneve']);
      expect(at(hops, 'node-2/antrea-tun0').encap).toEqual([]);
      expect(at(hops, 'node-1/antrea-tun0').changes).toEqual(['mac', 'ttl']);
      expect(at(hops, 'node-2/antrea-gw0').eth).toMatchObject({
        src: mac('node-2', 'antrea-gw0'),
        srcOwner: 'node-2/antrea-gw0',
      });
      for (const h of hops.slice(1)) expect(h.latencyNs).toBeGreaterThanOrEqual(0);
    }
  });

  it('reply: the same path backwards, its Geneve from node-2 to node-1, paired with its request', () => {
    for (const hops of check(res, 0, [...req].reverse(), [64, 64, 63, 63, 63, 63, 62, 62])) {
      expect(at(hops, 'node-2/ens33').changes).toEqual(['mac', 'encap+geneve']);
      expect(at(hops, 'node-2/ens33').encap).toMatchObject([
        { type: 'geneve', vni: 7, outerSrc: '10.1.10.10', outerDst: '10.1.10.9', dstPort: 6081 },
      ]);
      expect(at(hops, 'node-1/antrea-tun0').changes).toEqual(['mac', 'encap-geneve']);
    }
    const reqs = crossNodePings(res, 8);
    const reps = crossNodePings(res, 0);
    for (let i = 0; i < 3; i++) expect(res.flowOf[reqs[i]]).toBe(res.flowOf[reps[i]]);
    // Every row of the capture is in a journey but the ARP exchanges.
    for (let r = 0; r < res.rowCount; r++)
      if (!res.isArp(r)) expect(res.journeyOfRow(r)).toBeGreaterThanOrEqual(0);
  });

  it('a row read back from its frame says the packet as the decode options took it: UDP 6081 where it is not Geneve', () => {
    // The underlay's rows, correlated with Geneve on its port (the inner ping) and with no Geneve port at all (the
    // outer UDP datagram): the line read from the frame (IPv6, ICMP errors and the like get theirs that way) is
    // the one the row's columns give.
    for (const genevePorts of [DEFAULT_DECODE_OPTIONS.genevePorts!, []]) {
      const r2 = correlate(fixtureFiles('antrea-geneve'), {
        decode: { ...DEFAULT_DECODE_OPTIONS, genevePorts },
      });
      const frames = new FrameSource(r2);
      try {
        const lines: string[] = [];
        for (let r = 0; r < r2.rowCount; r++) {
          const lane = r2.captures[r2.rows.capture[r]];
          if (lane.node !== 'node-1' || lane.iface !== 'ens33' || r2.isArp(r)) continue;
          const fromFrame = r2.rowDetail!.innerSummary(r)!;
          expect(fromFrame.replace(/^IP /, '')).toBe(r2.rowSummary(r));
          lines.push(fromFrame);
        }
        expect(lines).toHaveLength(6);
        for (const l of lines)
          expect(l).toMatch(genevePorts.length ? /: ICMP echo (request|reply)/ : /\.6081: UDP, length \d+$/);
      } finally {
        frames.close();
      }
    }
  });
});

describe('calico-ipip', () => {
  const res = correlate(fixtureFiles('calico-ipip'));
  const lanes = [
    'node-1/cali14de3927136',
    'node-1/tunl0',
    'node-1/ens33',
    'node-2/ens33',
    'node-2/tunl0',
    'node-2/cali813929a4a7b',
  ];
  it('request: cali → tunl0 (no Ethernet) → ens33 (+ipip) → node-2 ens33 → tunl0 (−ipip) → cali', () => {
    for (const hops of check(res, 8, lanes, [64, 63, 63, 63, 63, 62])) {
      expect(at(hops, 'node-1/tunl0').eth).toBeNull();
      expect(at(hops, 'node-2/tunl0').eth).toBeNull();
      expect(at(hops, 'node-1/ens33').changes).toContain('encap+ipip');
      expect(at(hops, 'node-1/ens33').encap).toMatchObject([
        { type: 'ipip', outerSrc: '10.1.10.9', outerDst: '10.1.10.10' },
      ]);
      expect(at(hops, 'node-2/tunl0').changes).toContain('encap-ipip');
      expect(hops[0].eth).toMatchObject({
        dst: 'ee:ee:ee:ee:ee:ee',
        dstOwner: 'proxy-ARP gateway ee:ee:ee:ee:ee:ee',
      });
      expect(at(hops, 'node-1/ens33').eth).toMatchObject({
        src: fixtureMac('calico-ipip', 'node-1', 'ens33'),
      });
    }
  });
  it('reply: the reverse path', () => {
    check(res, 0, [...lanes].reverse(), [64, 63, 63, 63, 63, 62]);
  });
});

describe('calico-bgp', () => {
  const res = correlate(fixtureFiles('calico-bgp'));
  const lanes = ['node-1/calida8798d2ad7', 'node-1/ens33', 'node-2/ens33', 'node-2/cali79d4f06640e'];
  it('request cali → ens33 → node-2 ens33 → cali with node MACs on the wire; reply reversed', () => {
    for (const hops of check(res, 8, lanes, [64, 63, 63, 62])) {
      expect(at(hops, 'node-1/ens33').eth).toMatchObject({
        src: fixtureMac('calico-bgp', 'node-1', 'ens33'),
        dst: fixtureMac('calico-bgp', 'node-2', 'ens33'),
      });
      expect(at(hops, 'node-2/cali79d4f06640e').eth?.srcOwner).toBe('proxy-ARP gateway ee:ee:ee:ee:ee:ee');
    }
    check(res, 0, [...lanes].reverse(), [64, 63, 63, 62]);
  });
});

describe('flannel-hostgw', () => {
  const res = correlate(fixtureFiles('flannel-hostgw'));
  const lanes = [
    'node-1/veth38645991',
    'node-1/cni0',
    'node-1/ens33',
    'node-2/ens33',
    'node-2/cni0',
    'node-2/veth1695e55f',
  ];
  it('request veth → cni0 → ens33 (node MACs, TTL 63) → node-2 ens33 → cni0 → veth (TTL 62); reply reversed', () => {
    for (const hops of check(res, 8, lanes, [64, 64, 63, 63, 62, 62])) {
      expect(at(hops, 'node-1/ens33').encap).toEqual([]);
      expect(at(hops, 'node-1/ens33').eth).toMatchObject({
        srcOwner: 'node-1/ens33',
        dstOwner: 'node-2/ens33',
      });
    }
    check(res, 0, [...lanes].reverse(), [64, 64, 63, 63, 62, 62]);
  });
});

describe('kubenet', () => {
  const res = correlate(fixtureFiles('kubenet'));
  it('one node: pod veth → cbr0 → other pod veth, bridged (TTL and MACs unchanged)', () => {
    const pings = [];
    for (let k = 0; k < res.journeyCount; k++) {
      const r0 = res.journeyRows(k)[0];
      if (res.rows.proto(r0) === 1 && res.rows.icmpType(r0) === 8) pings.push(k);
    }
    expect(pings.length).toBe(3);
    for (const k of pings) {
      expect(path(res, k)).toEqual(['node-1/vethe3d49bdf', 'node-1/cbr0', 'node-1/veth437f1591']);
      expect(res.hops(k).map((h) => h.ttl)).toEqual([64, 64, 64]);
      expect(
        res
          .hops(k)
          .slice(1)
          .map((h) => h.changes),
      ).toEqual([[], []]);
    }
  });
});

describe('kube-proxy', () => {
  const res = correlate(fixtureFiles('kube-proxy'));
  /** Journeys whose first hop is a client SYN to this destination. */
  function syns(dst: string, dport: number): number[] {
    const out = [];
    for (let k = 0; k < res.journeyCount; k++) {
      const h = res.hops(k)[0];
      if (h.node === 'client' && h.dst === dst && h.dstPort === dport && res.rows.tcpFlags(h.row) === 0x02)
        out.push(k);
    }
    return out;
  }
  /** The pod's own address on its veth: the source of what it sends there. */
  function podAddress(lane: string): Set<string> {
    const s = new Set<string>();
    for (let k = 0; k < res.journeyCount; k++) {
      const h = res.hops(k)[0];
      if (`${h.node}/${h.iface}` === lane) s.add(h.src);
    }
    return s;
  }

  for (const [label, dst, dport, podPort] of [
    ['NodePort 10.1.10.9:32228', '10.1.10.9', 32228, 9376],
    ['ClusterIP 10.106.23.233:8877', '10.106.23.233', 8877, 8877],
  ] as const) {
    it(`${label}: client → node-1 ens33 → cbr0 [nat-dst nat-src] → the chosen pod's veth, one flow with the reply`, () => {
      const ks = syns(dst, dport);
      expect(ks.length).toBe(2); // two curls each
      for (const k of ks) {
        const hops = res.hops(k);
        expect(path(res, k).slice(0, 3)).toEqual(['client/ens33', 'node-1/ens33', 'node-1/cbr0']);
        expect(hops).toHaveLength(4);
        expect(hops[3].iface).toMatch(/^veth/);
        const cbr = hops[2];
        expect(cbr.changes).toEqual(expect.arrayContaining(['nat-dst', 'nat-src', 'ttl', 'mac']));
        expect(cbr.dstPort).toBe(podPort);
        expect(cbr.dst).toMatch(/^192\.168\.0\./);
        // The right pod: the DNAT target is the address the pod behind that veth sends from.
        expect(podAddress(`node-1/${hops[3].iface}`)).toContain(hops[3].dst);
        // Its SYN-ACK (IP id 0) comes back through the NAT and is the same flow.
        const synack = [];
        for (let j = 0; j < res.journeyCount; j++) {
          const h = res.hops(j);
          if (res.flowOf[j] === res.flowOf[k] && res.rows.tcpFlags(h[0].row) === 0x12) synack.push(j);
        }
        expect(synack).toHaveLength(1);
        const back = res.hops(synack[0]);
        expect(back.map((h) => h.ipId)).toEqual([0, 0, 0, 0]);
        expect(back[back.length - 1]).toMatchObject({ node: 'client', src: dst, srcPort: dport });
        expect(res.flowRole(synack[0])).toBe('reply');
      }
    });
  }

  it('every journey uses each lane at most once unless headers changed (no merged IP-id-0 packets)', () => {
    for (let k = 0; k < res.journeyCount; k++) {
      const seen = new Map<string, Hop>();
      for (const h of res.hops(k)) {
        const lane = `${h.node}/${h.iface}`;
        const prev = seen.get(lane);
        if (prev) expect(prev.ttl !== h.ttl || prev.dst !== h.dst || prev.src !== h.src).toBe(true);
        seen.set(lane, h);
      }
    }
  });
});
