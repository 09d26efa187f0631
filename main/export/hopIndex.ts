// Every row's hop on its journey's path, for the exports that write every row (the pcapng export, the app's): a
// walk of each journey's path (walkHops) that takes each hop as timed from the hop before it, and HopSources again
// for the few journeys where that may not hold (a broadcast or multicast frame's copies, pieces of a TCP segment).
// walkHops reads plain columns only, so the pcapng writer's thread can run it (epbBatch.ts) on the row table's
// shared columns while this thread computes the flows (`IngestOptions.onLinked`).

import type { CorrelationResult } from '../correlate/result.ts';
import { M_TCP_FLAGS } from '../correlate/observations.ts';
import { isGroupMac } from '../correlate/ownership.ts';

/** Per row: its hop, the row it is timed from, its journey; per journey: its hop count (hopIndex). */
export interface HopIndex {
  hop: Int32Array;
  prev: Int32Array;
  count: Int32Array;
  journey: Int32Array;
}

/** What walkHops reads: the paths' chains and the row columns that tell where HopSources may differ. */
export interface HopWalkInput {
  /** Per journey (public order): its first row on its path. */
  first: Int32Array;
  /** Row columns: the next row of a row's segment (-1 at its end), and its segment. */
  nextInSegment: Int32Array;
  segment: Int32Array;
  /** Per segment: the next segment on its journey's path (-1 at the end), and its first row. */
  segNext: Int32Array;
  segFirst: Int32Array;
  /** Row columns: the missing-field bits, the IP length column, the interned MAC pair (id + 1, 0: none). */
  missing: Uint16Array;
  ipLen: Uint16Array;
  ethPair: Uint16Array | Int32Array;
  /** Per MAC pair (ethPair's value): 1 when its destination is a group (broadcast, multicast) address. */
  groupPair: Uint8Array;
  /** The missing bit of a row that is no TCP segment (M_TCP_FLAGS: passed in, walkHops names nothing outside). */
  noTcp: number;
}

/** What walkHops writes: HopIndex's arrays, and per journey 1 where HopSources must say which hop each is timed from. */
export interface HopWalkOutput extends HopIndex {
  irregular: Uint8Array;
}

/**
 * Walks every journey's path: hop[r] = its place on the path, journey[r] = k, prev[r] = the row before it (-1 for the
 * first), count[k] = its hops; -1 in hop, prev and journey for rows on no path. HopSources.next times a hop from the
 * one before it unless the hop is a TCP segment whose IP length differs from the previous hop's (a piece of it, or
 * pieces merged: pieceOf compares those lengths first) or a frame to a group MAC address (a copy of a broadcast):
 * journeys with such a hop are marked in `irregular`, for HopSources to say (hopIndex). Self-contained (no names
 * from outside its body): the pcapng writer's thread runs its source (epbBatch.ts).
 */
export function walkHops(i: HopWalkInput, o: HopWalkOutput): void {
  const { first, nextInSegment, segment, segNext, segFirst, missing, ipLen, ethPair, groupPair, noTcp } = i;
  const { hop, prev, journey, count, irregular } = o;
  hop.fill(-1);
  prev.fill(-1);
  journey.fill(-1);
  for (let k = 0; k < first.length; k++) {
    let h = 0;
    let odd = 0;
    let p = -1;
    for (let r = first[k]; r >= 0;) {
      hop[r] = h++;
      journey[r] = k;
      prev[r] = p;
      if (p >= 0 && (((missing[r] & noTcp) === 0 && ipLen[r] !== ipLen[p]) || groupPair[ethPair[r]] !== 0))
        odd = 1;
      p = r;
      const n = nextInSegment[r];
      if (n >= 0) r = n;
      else {
        const s = segNext[segment[r]];
        r = s >= 0 ? segFirst[s] : -1;
      }
    }
    count[k] = h;
    irregular[k] = odd;
  }
}

/** Whether a typed array's memory is shared (another thread can read or fill it). */
const shared = (a: ArrayBufferView): boolean => a.buffer instanceof SharedArrayBuffer;

/** `bytes` of memory, shared with other threads when `forThread`. */
const memory = (bytes: number, forThread: boolean): ArrayBufferLike =>
  forThread ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);

/** A copy of `a` in shared memory. */
function sharedCopy(a: Int32Array): Int32Array {
  const c = new Int32Array(memory(a.byteLength, true));
  c.set(a);
  return c;
}

/**
 * walkHops' input for `res`; with `forThread`, every array in shared memory (the chains copied into it), or null
 * when a row column it reads is not shared (a table read on one thread, or a column widened since).
 */
export function hopWalkInput(res: CorrelationResult, forThread = false): HopWalkInput | null {
  const rows = res.rows;
  const n = rows.length;
  const { nextInSegment, segment, missing, ipLenCol } = rows;
  const ethPair = rows.ethPairColumn();
  // The thread's job names the columns' types: a widened one (32-bit MAC pair ids) is not shared either.
  const cols = [nextInSegment, segment, missing, ipLenCol, ethPair];
  if (forThread && !(ethPair instanceof Uint16Array && cols.every(shared))) return null;
  const first = new Int32Array(memory(4 * res.journeyCount, forThread));
  for (let k = 0; k < first.length; k++) first[k] = res.firstRow(k);
  const pairs = rows.macPairs;
  const groupPair = new Uint8Array(memory(pairs.count + 1, forThread));
  for (let p = 0; p < pairs.count; p++) groupPair[p + 1] = isGroupMac(pairs.get(p, 1)) ? 1 : 0;
  const chains = res.pathChains();
  return {
    first,
    nextInSegment: nextInSegment.subarray(0, n),
    segment: segment.subarray(0, n),
    segNext: forThread ? sharedCopy(chains.segNext) : chains.segNext,
    segFirst: forThread ? sharedCopy(chains.segFirst) : chains.segFirst,
    missing: missing.subarray(0, n),
    ipLen: ipLenCol.subarray(0, n),
    ethPair: ethPair.subarray(0, n),
    groupPair,
    noTcp: M_TCP_FLAGS,
  };
}

/** walkHops' output arrays for `res` (in shared memory for another thread). */
export function hopWalkOutput(res: CorrelationResult, forThread = false): HopWalkOutput {
  const n = res.rowCount;
  const j = res.journeyCount;
  return {
    hop: new Int32Array(memory(4 * n, forThread)),
    prev: new Int32Array(memory(4 * n, forThread)),
    journey: new Int32Array(memory(4 * n, forThread)),
    count: new Int32Array(memory(4 * j, forThread)),
    irregular: new Uint8Array(memory(j, forThread)),
  };
}

/** The hops HopSources times from another hop than the one before: the irregular journeys walked again with it. */
export function timeIrregular(res: CorrelationResult, o: HopWalkOutput): HopIndex {
  const { hop, prev, count, journey, irregular } = o;
  const sources = res.hopSources();
  const seen: number[] = []; // seen[i]: the journey's hop i (its first i entries; no length set per journey)
  for (let k = 0; k < irregular.length; k++) {
    if (irregular[k] === 0) continue;
    let i = 0;
    sources.reset();
    for (let r = res.firstRow(k); r >= 0; r = res.nextRow(r)) {
      const from = sources.next(r);
      prev[r] = from < 0 ? -1 : seen[from];
      seen[i++] = r;
    }
  }
  return { hop, prev, count, journey };
}

/**
 * Per row: hop number within its journey (0-based, -1 none), the row of the hop it is timed from (the previous
 * hop's, but for the copies of a broadcast or multicast frame and pieces of a TCP segment: HopSources; -1 for
 * none), and the journey (-1 for rows that are no hop: duplicates and rows without a journey; journeyOfRow tells
 * those apart); per journey its hop count.
 */
export function hopIndex(res: CorrelationResult): HopIndex {
  const o = hopWalkOutput(res);
  walkHops(hopWalkInput(res)!, o);
  return timeIrregular(res, o);
}
