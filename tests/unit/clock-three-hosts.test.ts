// Clocks of three capturing hosts (tests/fixtures/three-hosts: node-1, node-2 and the outside client, pings between
// every pair, one kernel clock so every true offset is 0): every pair's bounds hold, not only the tree's links, and
// a set no steady offsets fit says so.

import { describe, expect, it } from 'vitest';

import type { CorrelationResult } from '../../main/correlate/result.ts';
import { documentHead } from '../../main/export/journeysJson.ts';
import { clockLine } from '../../main/export/ladder.ts';
import {
  correlate,
  filesIn,
  fixtureCopy,
  negativeHops,
  shiftRecord,
  type PcapRecord,
} from './correlate-helpers.ts';

const MAC = { client: '000c293a5e08', 'node-1': '000c2910a96c', 'node-2': '000c292f3385' };
const hex = (r: PcapRecord, from: number, to: number): string =>
  Buffer.from(r.data.subarray(from, to)).toString('hex');
/** The frames of a file sent by `mac` (Ethernet source) moved by ns: they arrived that much later. */
const later = (records: PcapRecord[], pick: (r: PcapRecord) => boolean, ns: number): PcapRecord[] =>
  records.map((r) => (pick(r) ? shiftRecord(r, ns) : r));
/** Steady clocks: node-2 3 ms ahead of the recording's, the client 7 ms behind. */
const SHIFT = { 'node-2': 3e6, client: -7e6 };
const truth = (node: string): number => (SHIFT[node as keyof typeof SHIFT] ?? 0) - SHIFT.client;

function clocksOf(res: CorrelationResult): Record<string, (typeof res.clocks)[number]> {
  return Object.fromEntries(res.clocks.map((c) => [c.node, c]));
}

describe('three hosts', () => {
  it('the recording: 400 journeys, no negative hop, every offset 0 within its uncertainty, no conflict', () => {
    const res = correlate(filesIn(fixtureCopy('three-hosts', { shift: SHIFT })));
    expect(res.journeyCount).toBe(400);
    expect(negativeHops(res)).toEqual([]);
    const c = clocksOf(res);
    expect(c.client.method).toBe('reference');
    for (const node of ['node-1', 'node-2']) {
      expect(c[node].method).toBe('traffic');
      expect(Math.abs(c[node].offsetNs - truth(node))).toBeLessThanOrEqual(c[node].uncertaintyNs);
      expect(c[node].uncertaintyNs).toBeLessThan(1_000);
      expect(c[node].conflict).toBeUndefined();
    }
  });

  it('one-way delays on two links (node-1 → client, client → node-2): every pair holds, no negative hop', () => {
    // The packets really took 40 µs longer on those links (the times stay causal), so the bounds client–node-1 and
    // client–node-2 are wide on one side; node-1–node-2's are tight. Chained to the client by its tightest links
    // alone, node-1 went through node-2 to 2.8 µs off, and 19 hops client → node-1 were up to −2 µs.
    const dir = fixtureCopy('three-hosts', {
      shift: SHIFT,
      transform: (f, records) =>
        f === 'client__ens33.pcap'
          ? later(records, (r) => hex(r, 6, 12) === MAC['node-1'], 40_000)
          : f === 'node-2__ens33.pcap'
            ? later(records, (r) => hex(r, 6, 12) === MAC.client, 40_000)
            : records,
    });
    const res = correlate(filesIn(dir));
    expect(res.journeyCount).toBe(400);
    expect(negativeHops(res)).toEqual([]);
    const c = clocksOf(res);
    for (const node of ['node-1', 'node-2']) {
      expect(c[node].method).toBe('traffic');
      expect(Math.abs(c[node].offsetNs - truth(node))).toBeLessThanOrEqual(c[node].uncertaintyNs);
      // What every path's bounds leave together (±1.24 µs each), not the chain's sum (±4.5 µs).
      expect(c[node].uncertaintyNs).toBeLessThan(2_000);
      expect(c[node].conflict).toBeUndefined();
    }
  });

  it("overriding one node's clock against its traffic moves that node alone, blaming no packets", () => {
    // node-2 set 50 µs off what its packets say: node-1, whose packets with the client bound it to ±0.8 µs, chained
    // through node-2 (a manual offset anchors what is behind it) and was said to contradict the client's packets.
    const dir = fixtureCopy('three-hosts', { shift: SHIFT });
    for (const off of [truth('node-2') + 50_000, 1_500_000]) {
      const res = correlate(filesIn(dir), { clock: { mode: 'auto', manual: { 'node-2': off } } });
      const c = clocksOf(res);
      expect(c['node-2']).toMatchObject({ method: 'manual', offsetNs: off });
      expect(c['node-1'].method).toBe('traffic');
      expect(Math.abs(c['node-1'].offsetNs - truth('node-1'))).toBeLessThanOrEqual(c['node-1'].uncertaintyNs);
      expect(c['node-1'].uncertaintyNs).toBeLessThan(1_000);
      expect(c['node-1'].conflict).toBeUndefined();
      // Negative hops only to and from node-2, the override's.
      for (let k = 0; k < res.journeyCount; k++) {
        const hops = res.hops(k);
        for (let i = 1; i < hops.length; i++)
          if (hops[i].latencyNs! < 0) expect([hops[i - 1].node, hops[i].node]).toContain('node-2');
      }
    }
  });

  it("timestamps no steady offsets fit (the client's 40 µs late for node-2's frames): the clocks say so", () => {
    const dir = fixtureCopy('three-hosts', {
      shift: SHIFT,
      transform: (f, records) =>
        f === 'client__ens33.pcap'
          ? later(records, (r) => hex(r, 6, 12) === MAC['node-2'] || hex(r, 0, 6) === MAC['node-2'], 40_000)
          : records,
    });
    const res = correlate(filesIn(dir));
    expect(res.journeyCount).toBe(400);
    // Some pair is off by the 40 µs whatever the offsets: node-1 and node-2 each chain to the client, whose link
    // to node-2 is moved, so the hops node-2 → node-1 are ~−39 µs.
    const negative = negativeHops(res);
    expect(negative.length).toBeGreaterThan(0);
    expect(Math.min(...negative)).toBeLessThan(-38_000);
    const c = clocksOf(res);
    expect(c['node-1'].conflict).toMatchObject({ against: 'node-2' });
    expect(c['node-2'].conflict).toMatchObject({ against: 'node-1' });
    expect(c['node-2'].conflict!.byNs).toBeGreaterThan(38_000);
    expect(c['node-2'].conflict!.byNs).toBeLessThan(40_000);
    expect(c.client.conflict).toBeUndefined();
    expect(clockLine(c['node-2'])).toMatch(
      /^clock node-2: \+9\.96\d* ms ± \d+ ns vs client \(traffic, \d+ packets: the packets between node-2 and node-1 contradict these clocks by 39\.\d µs, so hops between them may show latencies off by as much \(no estimate fits every pair of nodes: .*\); --clock node-2=OFFSET sets it\)$/,
    );
    const json = documentHead(res) as { clocks: { node: string; conflict: unknown }[] };
    expect(json.clocks.map((k) => k.conflict)).toEqual([
      null,
      { against: 'node-2', byNs: Math.round(c['node-1'].conflict!.byNs) },
      { against: 'node-1', byNs: Math.round(c['node-2'].conflict!.byNs) },
    ]);
  });
});
