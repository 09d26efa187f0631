// Algorithm details on frames built from a real lab frame (the flannel-vxlan pod's echo request, bytes edited
// where a router or NAT would edit them): revisits of one lane, duplicate vs retransmission windows, ties.

import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { Correlator } from '../../main/correlate/correlator.ts';
import { decodeFields } from '../../main/decode/index.ts';
import { FIXTURES, readPcap } from './correlate-helpers.ts';

const ETH = 14;
const IP_TTL = ETH + 8;
const IP_DST = ETH + 16;
const ETH_SRC = 6;

// The first echo request on node-1's pod veth (after the two ARP frames).
const request = readPcap(join(FIXTURES, 'flannel-vxlan', 'node-1__veth2053e67d.pcap')).records[2];

function edit(f: { ttl?: number; dst?: number[]; srcMacLast?: number }): Uint8Array {
  const b = request.data.slice();
  if (f.ttl !== undefined) b[IP_TTL] = f.ttl;
  if (f.dst) b.set(f.dst, IP_DST);
  if (f.srcMacLast !== undefined) b[ETH_SRC + 5] = f.srcMacLast;
  return b;
}

function run(frames: { lane: number; dt: number; data: Uint8Array }[], lanes: string[]) {
  const c = new Correlator({}, decodeFields);
  const caps = lanes.map((l) => c.addCapture({ node: l.split('/')[0], iface: l.split('/')[1], linkType: 1 }));
  frames.forEach((f) => {
    const t = request.nsec + f.dt;
    c.pushFrame(caps[f.lane], 0, request.sec + Math.floor(t / 1e9), t % 1e9, f.data.length, f.data);
  });
  return c.result();
}

describe('one lane twice', () => {
  it('DNAT back out the same bridge: both cbr0 rows are hops (ttl, nat-dst, mac changed)', () => {
    const vip = edit({ dst: [10, 106, 23, 233] });
    const pod = edit({ ttl: 63, srcMacLast: 0x99 });
    const res = run(
      [
        { lane: 0, dt: 0, data: vip },
        { lane: 1, dt: 0, data: vip },
        { lane: 1, dt: 20_000, data: pod },
        { lane: 2, dt: 21_000, data: pod },
      ],
      ['node-1/vethA', 'node-1/cbr0', 'node-1/vethB'],
    );
    expect(res.journeyCount).toBe(1);
    const hops = res.hops(0);
    expect(hops.map((h) => `${h.iface}:${h.ttl}:${h.dst}`)).toEqual([
      'vethA:64:10.106.23.233',
      'cbr0:64:10.106.23.233',
      'cbr0:63:10.244.1.34',
      'vethB:63:10.244.1.34',
    ]);
    expect(hops[2].changes).toEqual(['mac', 'ttl', 'nat-dst']);
  });
});

describe('same bytes on one lane', () => {
  for (const [dt, dup] of [
    [500_000, true],
    [5_000_000, false],
  ] as const) {
    it(`${dt / 1e6} ms apart: ${dup ? 'a duplicated frame (one journey, flagged)' : 'a retransmission (two journeys)'}`, () => {
      const res = run(
        [
          { lane: 0, dt: 0, data: request.data },
          { lane: 0, dt, data: request.data },
        ],
        ['node-1/veth'],
      );
      expect(res.journeyCount).toBe(dup ? 1 : 2);
      expect(res.isDuplicate(1)).toBe(dup);
      expect(res.journeyOfRow(1)).toBe(dup ? 0 : 1);
    });
  }
});

describe('equal timestamps on one node', () => {
  it('bridge port before its bridge, higher TTL before lower, whatever the capture order', () => {
    const routed = edit({ ttl: 63, srcMacLast: 0x42 });
    const res = run(
      [
        { lane: 0, dt: 0, data: request.data },
        { lane: 1, dt: 0, data: request.data },
        { lane: 2, dt: 0, data: routed },
      ],
      ['node-1/ens33', 'node-1/cni0', 'node-1/veth1'],
    );
    // TTL 64 rows first (the veth1 copy was routed: TTL 63); of those, the bridge (cni0) after the other lane.
    expect(res.hops(0).map((h) => h.iface)).toEqual(['ens33', 'cni0', 'veth1']);
  });
});

describe('identity', () => {
  it('a different payload with the same headers is a different packet (tail hash)', () => {
    const other = request.data.slice();
    other[other.length - 1] ^= 0xff;
    other[ETH + 20 + 8] ^= 0xff; // first payload byte
    const res = run(
      [
        { lane: 0, dt: 0, data: request.data },
        { lane: 1, dt: 1_000, data: other },
      ],
      ['node-1/veth', 'node-1/cni0'],
    );
    expect(res.journeyCount).toBe(2);
  });
});

describe('late rows', () => {
  it('a row delivered after its segment was grouped is inserted in time order', () => {
    const c = new Correlator({}, decodeFields);
    const lanes = ['vethA', 'cni0', 'ens33'].map((i) =>
      c.addCapture({ node: 'node-1', iface: i, linkType: 1 }),
    );
    const routed = edit({ ttl: 63 });
    const push = (lane: number, dt: number, data: Uint8Array): void => {
      c.pushFrame(lanes[lane], 0, request.sec, request.nsec + dt, data.length, data);
    };
    push(0, 0, request.data);
    push(2, 30_000, routed);
    c.advance(Infinity); // forced: the cni0 lane has not delivered yet
    push(1, 10_000, request.data);
    const res = c.result();
    expect(res.journeyCount).toBe(1);
    expect(res.hops(0).map((h) => h.iface)).toEqual(['vethA', 'cni0', 'ens33']);
    expect(res.hops(0).map((h) => h.latencyNs)).toEqual([null, 10_000, 20_000]);
  });
});
