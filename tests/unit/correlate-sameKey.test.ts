// Two packets that share a key (IP id, length, ICMP seq, payload) are not one journey because a TTL says they
// cannot be, and a packet looping between two nodes does not spoil the clock estimate: recorded lab captures,
// edited (tests/unit/correlate-helpers.ts), with ground truth known from the edit.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { F_DUP } from '../../main/correlate/observations.ts';
import {
  correlate,
  filesIn,
  fixtureCopy,
  readPcap,
  shiftRecord,
  writePcap,
  type PcapRecord,
} from './correlate-helpers.ts';

/** Offset of the innermost IPv4 header of an Ethernet frame (through VXLAN on 8472), or -1. */
function innerIpv4(d: Uint8Array): number {
  let at = 14;
  if (((d[12] << 8) | d[13]) !== 0x0800) return -1;
  for (;;) {
    const ihl = (d[at] & 15) * 4;
    const udp = at + ihl;
    if (d[at + 9] === 17 && ((d[udp + 2] << 8) | d[udp + 3]) === 8472) at = udp + 8 + 8 + 14;
    else return at;
  }
}

function ipChecksum(d: Uint8Array, at: number): void {
  d[at + 10] = d[at + 11] = 0;
  let s = 0;
  for (let i = 0; i < (d[at] & 15) * 4; i += 2) s += (d[at + i] << 8) | d[at + i + 1];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  s = ~s & 0xffff;
  d[at + 10] = s >> 8;
  d[at + 11] = s & 0xff;
}

/** The ICMP type and seq of a record's inner packet, or null. */
function echo(r: PcapRecord): { type: number; seq: number; ip: number; icmp: number } | null {
  const ip = innerIpv4(r.data);
  if (ip < 0 || r.data[ip + 9] !== 1) return null;
  const icmp = ip + (r.data[ip] & 15) * 4;
  return { type: r.data[icmp], seq: (r.data[icmp + 6] << 8) | r.data[icmp + 7], ip, icmp };
}

describe('packets that share a key', () => {
  for (const delayNs of [2_000_000, 200_000]) {
    it(`a second pod's echo with the same IP id, seq and payload ${delayNs / 1e3} µs later is its own journey`, () => {
      // flannel-vxlan: pod 10.244.0.12 pings 10.244.1.34. Every copy of its seq-1 request is repeated later as
      // if sent by a second pod, 10.244.0.13 (ICMP id 999, its own veth lane): same key, same tail.
      const dir = fixtureCopy('flannel-vxlan');
      try {
        const veth = filesIn(dir).find((f) => f.includes('node-1__veth'))!;
        const extra: PcapRecord[] = [];
        for (const f of filesIn(dir)) {
          const pcap = readPcap(f);
          const added: PcapRecord[] = [];
          for (const r of pcap.records) {
            const e = echo(r);
            if (!e || e.type !== 8 || e.seq !== 1) continue;
            const data = r.data.slice();
            data[e.ip + 15] = 13;
            ipChecksum(data, e.ip);
            data[e.icmp + 4] = 999 >> 8;
            data[e.icmp + 5] = 999 & 0xff;
            (f === veth ? extra : added).push(shiftRecord({ ...r, data }, delayNs));
          }
          writePcap(f, { ...pcap, records: [...pcap.records, ...added] });
        }
        const pcap = readPcap(veth);
        writePcap(join(dir, 'node-1__vethX.pcap'), { ...pcap, records: extra });

        const res = correlate(filesIn(dir));
        const bySource = new Map<string, number>();
        for (let k = 0; k < res.journeyCount; k++) {
          const hops = res.hops(k);
          const first = hops[0];
          if (res.rows.icmpType(first.row) !== 8 || res.rows.icmpSeq(first.row) !== 1) continue;
          // One source per journey, and a TTL that never grows along it.
          expect(new Set(hops.map((h) => h.src))).toEqual(new Set([first.src]));
          for (let i = 1; i < hops.length; i++) expect(hops[i].ttl).toBeLessThanOrEqual(hops[i - 1].ttl!);
          expect(hops.flatMap((h) => h.changes)).not.toContain('nat-src');
          bySource.set(first.src, hops.length);
        }
        expect(Object.fromEntries(bySource)).toEqual({ '10.244.0.12': 8, '10.244.0.13': 8 });
        // The clock is what the unedited capture gives (one kernel clock: 0 within a few µs).
        const c = res.clocks.find((x) => x.node === 'node-2')!;
        expect(c.method).toBe('traffic');
        expect(c.uncertaintyNs).toBeLessThan(10_000);
        expect(Math.abs(c.offsetNs)).toBeLessThanOrEqual(c.uncertaintyNs);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('two pings differing only in their ICMP id, 100 µs apart, are two journeys each way, no duplicate', () => {
    // flannel-vxlan's seq-1 request and reply, every copy repeated 100 µs later with ICMP id 4242 (another ping
    // process of the same pod): same IP id, seq and payload. Neither a duplicated frame nor one journey.
    const dir = fixtureCopy('flannel-vxlan', {
      transform: (_file, records) => {
        const added: PcapRecord[] = [];
        for (const r of records) {
          const e = echo(r);
          if (!e || e.seq !== 1) continue;
          const data = r.data.slice();
          data[e.icmp + 4] = 4242 >> 8;
          data[e.icmp + 5] = 4242 & 0xff;
          added.push(shiftRecord({ ...r, data }, 100_000));
        }
        return [...records, ...added].sort((a, b) => a.sec - b.sec || a.nsec - b.nsec);
      },
    });
    try {
      const res = correlate(filesIn(dir));
      let dups = 0;
      for (let r = 0; r < res.rowCount; r++) if (res.rows.flags[r] & F_DUP) dups++;
      expect(dups).toBe(0);
      const seq1 = new Map<string, string[]>();
      for (let k = 0; k < res.journeyCount; k++) {
        const hops = res.hops(k);
        const r0 = hops[0].row;
        if (res.rows.icmpSeq(r0) !== 1) continue;
        const name = `${res.rows.icmpType(r0) === 8 ? 'request' : 'reply'} ${res.rows.icmpId(r0) === 4242 ? 'copy' : 'original'}`;
        // Every hop carries the journey's own ICMP id, each lane once.
        for (const h of hops) expect(res.rows.icmpId(h.row), name).toBe(res.rows.icmpId(r0));
        seq1.set(
          name,
          hops.map((h) => `${h.node}/${h.iface}`),
        );
      }
      expect([...seq1.keys()].sort()).toEqual([
        'reply copy',
        'reply original',
        'request copy',
        'request original',
      ]);
      for (const [name, lanes] of seq1)
        expect({ name, lanes: new Set(lanes).size }).toEqual({ name, lanes: 8 });
      // One flow per ping process.
      const flowOf = (name: string) => {
        for (let k = 0; k < res.journeyCount; k++) {
          const r0 = res.hops(k)[0].row;
          const n = `${res.rows.icmpType(r0) === 8 ? 'request' : 'reply'} ${res.rows.icmpId(r0) === 4242 ? 'copy' : 'original'}`;
          if (res.rows.icmpSeq(r0) === 1 && n === name) return res.flowOf[k];
        }
        return -1;
      };
      expect(flowOf('request copy')).toBe(flowOf('reply copy'));
      expect(flowOf('request original')).toBe(flowOf('reply original'));
      expect(flowOf('request copy')).not.toBe(flowOf('request original'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an ICMP id remapped on the way (conntrack takes it as the port), addresses kept, is nat-src', () => {
    // flannel-vxlan with node-2's cni0 and pod veth seeing every echo with ICMP id 5555.
    const dir = fixtureCopy('flannel-vxlan', {
      transform: (file, records) =>
        !/node-2__(cni0|veth)/.test(file)
          ? records
          : records.map((r) => {
              const e = echo(r);
              if (!e) return r;
              const data = r.data.slice();
              data[e.icmp + 4] = 5555 >> 8;
              data[e.icmp + 5] = 5555 & 0xff;
              return { ...r, data };
            }),
    });
    try {
      const res = correlate(filesIn(dir));
      let requests = 0;
      for (let k = 0; k < res.journeyCount; k++) {
        const hops = res.hops(k);
        if (res.rows.icmpType(hops[0].row) !== 8 || hops.length !== 8) continue;
        requests++;
        // Into node-2's bridge: the id changes (mac ttl nat-src); nowhere else a NAT.
        const cni0 = hops.findIndex((h) => h.node === 'node-2' && h.iface === 'cni0');
        expect(hops[cni0].changes).toEqual(['mac', 'ttl', 'nat-src']);
        hops.forEach((h, i) => {
          if (i !== cni0) expect(h.changes.filter((c) => c.startsWith('nat'))).toEqual([]);
        });
      }
      expect(requests).toBeGreaterThanOrEqual(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a packet looping between two nodes (TTL 62 → 1) leaves the clock estimate of the capture alone', () => {
    // flannel-hostgw: node-1's seq-1 request is bounced between the two nodes' ens33 every 20 µs (3.7 µs each
    // way), its reply and its node-2 pod-side hops dropped. Both nodes' clocks are one (offset 0).
    const dir = fixtureCopy('flannel-hostgw');
    try {
      const isSeq1 = (r: PcapRecord, type: number) => {
        const e = echo(r);
        return e !== null && e.seq === 1 && e.type === type;
      };
      const files = filesIn(dir);
      const f1 = files.find((f) => f.endsWith('node-1__ens33.pcap'))!;
      const f2 = files.find((f) => f.endsWith('node-2__ens33.pcap'))!;
      const pcaps = new Map(files.map((f) => [f, readPcap(f)]));
      for (const [f, p] of pcaps) {
        p.records = p.records.filter(
          (r) => !isSeq1(r, 0) && !(isSeq1(r, 8) && f.includes('node-2__') && !f.endsWith('ens33.pcap')),
        );
      }
      const base = pcaps.get(f1)!.records.find((r) => isSeq1(r, 8))!;
      const n1 = base.data.slice(6, 12);
      const n2 = base.data.slice(0, 6);
      let t = 0;
      for (let ttl = 62; ttl >= 1; ttl--) {
        const data = base.data.slice();
        data[14 + 8] = ttl;
        ipChecksum(data, 14);
        const fromNode2 = ttl % 2 === 0;
        data.set(fromNode2 ? n1 : n2, 0);
        data.set(fromNode2 ? n2 : n1, 6);
        t += 20_000;
        pcaps.get(fromNode2 ? f2 : f1)!.records.push(shiftRecord({ ...base, data }, t));
        pcaps.get(fromNode2 ? f1 : f2)!.records.push(shiftRecord({ ...base, data: data.slice() }, t + 3_700));
      }
      for (const [f, p] of pcaps) {
        p.records.sort((a, b) => a.sec - b.sec || a.nsec - b.nsec);
        writePcap(f, p);
      }

      const res = correlate(filesIn(dir));
      const c = res.clocks.find((x) => x.node === 'node-2')!;
      expect(c.method).toBe('traffic');
      expect(c.uncertaintyNs).toBeLessThan(20_000);
      expect(Math.abs(c.offsetNs)).toBeLessThanOrEqual(c.uncertaintyNs);
      // Every other cross-node hop keeps a latency of microseconds, not the loop's span.
      for (let k = 0; k < res.journeyCount; k++) {
        const hops = res.hops(k);
        if (hops.length > 10) continue;
        for (let i = 1; i < hops.length; i++)
          if (hops[i].node !== hops[i - 1].node) expect(Math.abs(hops[i].latencyNs!)).toBeLessThan(100_000);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
