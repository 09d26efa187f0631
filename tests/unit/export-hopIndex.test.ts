// The exports' hop index (export/hopIndex.ts) against each journey's hops as the ladder and the JSON have them
// (CorrelationResult.hops: HopSources), on recorded labs with copies of broadcast frames and pieces of TCP segments,
// in this thread and walked on the pcapng writer's thread from a table read on two threads.

import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { CorrelationResult } from '../../main/correlate/result.ts';
import { BatchSink } from '../../main/export/epbBatch.ts';
import {
  hopIndex,
  hopWalkInput,
  hopWalkOutput,
  walkHops,
  type HopIndex,
} from '../../main/export/hopIndex.ts';
import { mergeByKey, timeOrder } from '../../main/export/order.ts';
import { correlateInputs } from '../../main/session/ingest.ts';
import { loadInputs } from '../../main/session/inputs.ts';
import { generate } from '../../bench/generate.ts';
import { correlate, FIXTURES, fixtureFiles } from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

const tmp = tempDir('hs-hopindex-');

/** Every row's hop, source row and journey, and each journey's hop count, from res.hops(k). */
function reference(res: CorrelationResult): HopIndex {
  const n = res.rowCount;
  const hop = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n).fill(-1);
  const journey = new Int32Array(n).fill(-1);
  const count = new Int32Array(res.journeyCount);
  for (let k = 0; k < res.journeyCount; k++) {
    const hops = res.hops(k);
    count[k] = hops.length;
    for (const h of hops) {
      hop[h.row] = h.index;
      journey[h.row] = k;
      prev[h.row] = h.fromHop === null ? -1 : hops[h.fromHop].row;
    }
  }
  return { hop, prev, count, journey };
}

function expectIndex(got: HopIndex, want: HopIndex, what: string): void {
  for (const a of ['hop', 'prev', 'journey', 'count'] as const) {
    const at = got[a].findIndex((x, i) => x !== want[a][i]);
    expect(at, `${what}: first ${a} differing`).toBe(-1);
    expect(got[a].length, `${what}: ${a} length`).toBe(want[a].length);
  }
}

/** The rows whose source the plain walk (every hop timed from the one before) gets wrong. */
function walkedWrong(res: CorrelationResult, want: HopIndex): { rows: number; marked: boolean } {
  const o = hopWalkOutput(res);
  walkHops(hopWalkInput(res)!, o);
  let rows = 0;
  let marked = true;
  for (let r = 0; r < res.rowCount; r++)
    if (o.prev[r] !== want.prev[r]) {
      rows++;
      marked &&= o.irregular[o.journey[r]] === 1;
    }
  return { rows, marked };
}

describe('hop index', () => {
  // Copies of broadcast frames (timed from the node's first copy or the sender's), a third host's broadcast seen
  // in parallel, pieces of TCP segments (timed from the whole segment), WireGuard, and plain paths.
  const cases: [string, () => string[]][] = [
    ['broadcast', () => fixtureFiles('broadcast')],
    ['parallel', () => fixtureFiles('broadcast').filter((f) => !f.includes('client__'))],
    ['gso-vxlan', () => fixtureFiles('gso-vxlan')],
    ['calico-wireguard', () => fixtureFiles('calico-wireguard')],
    ['flannel-vxlan', () => fixtureFiles('flannel-vxlan')],
    ['multi', () => [join(FIXTURES, 'synthetic', 'multi.pcapng')]],
  ];
  for (const [name, files] of cases)
    it(`${name}: each row's hop and the hop it is timed from, as the journey's hops say`, () => {
      const res = correlate(files());
      const want = reference(res);
      expectIndex(hopIndex(res), want, name);
      // Where the plain walk alone is wrong, its journey was marked for HopSources (and the labs with copies and
      // pieces have such rows: the second step is what makes them right).
      const wrong = walkedWrong(res, want);
      expect(wrong.marked, name).toBe(true);
      if (name === 'broadcast' || name === 'parallel' || name === 'gso-vxlan')
        expect(wrong.rows).toBeGreaterThan(0);
    });

  const writers: BatchSink[] = [];
  afterAll(async () => {
    for (const w of writers) await w.abort();
  });

  /**
   * Read on two threads (the row table's columns shared), the writer asked to walk as soon as it is linked (and with
   * `early`, to merge the captured time order as soon as the rows are read, as the CLI's export does).
   */
  async function inThread(
    files: string[],
    early = false,
  ): Promise<{ res: CorrelationResult; got: HopIndex; writer: BatchSink }> {
    const inputs = loadInputs(files);
    if (!inputs.ok) throw new Error(inputs.error.message);
    const writer = new BatchSink(true);
    writers.push(writer);
    let asked: Promise<HopIndex> | null = null;
    let linked: CorrelationResult | null = null;
    let flowsThen = -1;
    const res = correlateInputs(inputs.value, {
      threads: 2,
      parallelMinBytes: 0,
      onRows: early
        ? (rows, captures) => void writer.orderInThread(rows.t, rows.capture, captures, rows.length)
        : undefined,
      onLinked: (r) => {
        linked = r;
        flowsThen = r.flowOf.length;
        asked = writer.hopsInThread(r);
      },
    }).result;
    expect(res.rows.segment.buffer).toBeInstanceOf(SharedArrayBuffer);
    // Given the result itself, before its flows were computed.
    expect(linked).toBe(res);
    expect(flowsThen).toBe(0);
    expect(asked).toBeInstanceOf(Promise);
    expect(writer.hopsAsked(res)).toBe(asked);
    return { res, got: await asked!, writer };
  }

  it('walked on the writer thread from a table read on two threads: the same index', async () => {
    for (const scenario of ['broadcast', 'gso-vxlan', 'flannel-vxlan']) {
      const { res, got } = await inThread(fixtureFiles(scenario));
      expectIndex(got, reference(res), `${scenario} (thread)`);
    }
    const dir = join(tmp, 'gen');
    const m = generate({ outDir: dir, journeys: 3000, seed: 7, extras: false });
    const { res, got } = await inThread(m.path.map((f) => join(dir, f.path)));
    expect(res.rowCount).toBe(24_000);
    expectIndex(got, reference(res), 'generated (thread)');
  }, 60_000);

  it('with the time order merged there first, the thread puts its ties in path order after the walk', async () => {
    // The pod's veth and its bridge stamp a packet in the same nanosecond in these labs: ties the merge alone leaves
    // in row order (a reader would see the packet go backwards).
    let tied = 0;
    for (const scenario of ['flannel-vxlan', 'broadcast', 'gso-vxlan']) {
      for (const early of [true, false]) {
        const { res, got, writer } = await inThread(fixtureFiles(scenario), early);
        const order = await writer.orderInThread(
          res.rows.t,
          res.rows.capture,
          res.captures.length,
          res.rowCount,
        )!;
        const want = timeOrder(res, false, reference(res));
        // Not merged before the walk: the ties are the caller's to order (pathOrderInTies), not the thread's.
        expect(writer.tiesOrdered(res, order), `${scenario} early=${early}`).toBe(early);
        if (!early) continue;
        expect(Array.from(order), scenario).toEqual(Array.from(want));
        const merged = mergeByKey(
          res.rows.t,
          res.rows.capture,
          res.captures.length,
          new Int32Array(res.rowCount),
        );
        if (merged.some((r, i) => r !== want[i])) tied++;
        expectIndex(got, reference(res), `${scenario} (thread, early order)`);
      }
    }
    expect(tied).toBeGreaterThan(0);
  }, 60_000);

  it('not walked on a thread when the columns are not shared or the sink has none', async () => {
    const res = correlate(fixtureFiles('flannel-vxlan'));
    expect(res.rows.segment.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    const writer = new BatchSink(true);
    writers.push(writer);
    expect(writer.hopsInThread(res)).toBeNull();
    expect(writer.hopsAsked(res)).toBeNull();
    expect(new BatchSink(false).hopsInThread(res)).toBeNull();
  });
});
