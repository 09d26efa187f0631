// Edge cases on real lab bytes: a retransmission (the same packet replayed later on every lane), duplicated
// frames on one lane, snaplen-64 copies (editcap -s 64), and a retransmission under a multi-second skew.

import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { F_KEYED } from '../../main/correlate/observations.ts';
import type { CorrelationResult } from '../../main/correlate/result.ts';
import {
  correlate,
  crossNodePings,
  filesIn,
  fixtureCopy,
  fixtureFiles,
  laneOrdinals,
  path,
  shiftRecord,
  type PcapRecord,
} from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

const base = correlate(fixtureFiles('flannel-vxlan'));
const seq2 = crossNodePings(base, 8)[1];

/** Per lane file name: the record numbers of journey k there. */
function recordsOf(res: CorrelationResult, k: number): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const record = laneOrdinals(res);
  for (const r of res.journeyRows(k)) {
    const c = res.captures[res.rows.capture[r]];
    const f = `${c.node}__${c.iface}.pcap`;
    m.set(f, [...(m.get(f) ?? []), record[r]]);
  }
  return m;
}

/** Inserts copies of the chosen records `delayNs` later, keeping each file in time order. */
function replay(chosen: Map<string, number[]>, delayNs: number) {
  return (file: string, records: PcapRecord[]): PcapRecord[] => {
    const extra = (chosen.get(file) ?? []).map((i) => shiftRecord(records[i], delayNs));
    const all = [...records, ...extra];
    const key = (r: PcapRecord): bigint => BigInt(r.sec) * 1_000_000_000n + BigInt(r.nsec);
    return all.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  };
}

function journeysWithSeq(res: CorrelationResult, seq: number): number[] {
  const out = [];
  for (let k = 0; k < res.journeyCount; k++) {
    const r0 = res.journeyRows(k)[0];
    if (res.rows.proto(r0) === 1 && res.rows.icmpType(r0) === 8 && res.rows.icmpSeq(r0) === seq) out.push(k);
  }
  return out;
}

describe('retransmission', () => {
  for (const [label, delay, shift] of [
    ['250 ms later', 250_000_000, 0],
    ['20 ms later (inside the cross-node window)', 20_000_000, 0],
    ['250 ms later with node-2 2 s ahead', 250_000_000, 2_000_000_000],
  ] as const) {
    it(`the same bytes again ${label} on every lane are a second journey, each with its own 8 hops`, () => {
      const dir = fixtureCopy('flannel-vxlan', {
        shift: shift ? { 'node-2': shift } : undefined,
        transform: replay(recordsOf(base, seq2), delay),
      });
      try {
        const res = correlate(filesIn(dir));
        const ks = journeysWithSeq(res, 2);
        expect(ks).toHaveLength(2);
        const [a, b] = ks.map((k) => res.hops(k));
        expect(path(res, ks[0])).toEqual(path(base, seq2));
        expect(path(res, ks[1])).toEqual(path(base, seq2));
        // Each journey is internally consistent in time: the replay's hops all come later.
        const lastA = a[a.length - 1].tNs;
        expect(b[0].tNs > lastA).toBe(true);
        for (let i = 0; i < 8; i++) expect(Number(b[i].tNs - a[i].tNs)).toBeCloseTo(delay, -5);
        const c = res.clocks.find((x) => x.node === 'node-2')!;
        expect(Math.abs(c.offsetNs - shift)).toBeLessThanOrEqual(c.uncertaintyNs);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('duplicated frames', () => {
  it('every frame of node-1/cni0 twice (+1 µs): flagged duplicates, journeys unchanged', () => {
    const dir = fixtureCopy('flannel-vxlan', {
      transform: (file, records) =>
        file === 'node-1__cni0.pcap' ? records.flatMap((r) => [r, shiftRecord(r, 1_000)]) : records,
    });
    try {
      const res = correlate(filesIn(dir));
      expect(res.journeyCount).toBe(base.journeyCount);
      for (let k = 0; k < res.journeyCount; k++) expect(path(res, k)).toEqual(path(base, k));
      let dups = 0;
      for (let r = 0; r < res.rowCount; r++) {
        if (!res.isDuplicate(r)) continue;
        dups++;
        const c = res.captures[res.rows.capture[r]];
        expect(`${c.node}/${c.iface}`).toBe('node-1/cni0');
        // A duplicate belongs to its original's journey (the export gives it that packet id).
        expect(res.journeyOfRow(r)).toBe(res.journeyOfRow(r - 1));
      }
      const keyedOnCni0 = base.captures.findIndex((c) => c.iface === 'cni0' && c.node === 'node-1');
      let expected = 0;
      for (let r = 0; r < base.rowCount; r++) {
        if (base.rows.capture[r] === keyedOnCni0 && base.rows.flags[r] & F_KEYED && !base.isArp(r))
          expected++;
      }
      expect(dups).toBe(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('truncated captures (editcap -s 64)', () => {
  function cut(scenario: string): string {
    const dir = tempDir(`hs-s64-${scenario}-`);
    for (const f of fixtureFiles(scenario)) {
      execFileSync('editcap', ['-s', '64', '-F', 'nsecpcap', f, join(dir, basename(f))]);
    }
    return dir;
  }

  it('flannel-vxlan: the VXLAN copies lose the inner packet; the rest still correlates across nodes', () => {
    const dir = cut('flannel-vxlan');
    try {
      const res = correlate(filesIn(dir));
      const ks = crossNodePings(res, 8);
      expect(ks).toHaveLength(3);
      for (const k of ks) {
        expect(path(res, k)).toEqual([
          'node-1/veth2053e67d',
          'node-1/cni0',
          'node-1/flannel.1',
          'node-2/flannel.1',
          'node-2/cni0',
          'node-2/veth470beb22',
        ]);
        expect(res.hops(k).map((h) => h.ttl)).toEqual([64, 64, 63, 63, 62, 62]);
        expect(res.hops(k).every((h) => h.truncated)).toBe(true);
      }
      expect(crossNodePings(res, 0)).toHaveLength(3);
      // Clocks still come from the traffic.
      expect(res.clocks[1].method).toBe('traffic');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('calico-ipip: 64 bytes still hold the inner ICMP header on ens33, so all six hops remain', () => {
    const dir = cut('calico-ipip');
    try {
      const res = correlate(filesIn(dir));
      const full = correlate(fixtureFiles('calico-ipip'));
      const ks = crossNodePings(res, 8);
      expect(ks).toHaveLength(3);
      for (let i = 0; i < 3; i++) expect(path(res, ks[i])).toEqual(path(full, crossNodePings(full, 8)[i]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
