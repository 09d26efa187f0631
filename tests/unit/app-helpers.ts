// Shared by the app back end's tests: the value of a Result, or a thrown error naming its code.

import path from 'node:path';

import type { Result } from '../../preload/api.ts';

export async function ok<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

/**
 * Live journeys against a batch correlation of the same rows, row by row. A live window numbers journeys in
 * time order as the clocks were estimated when they froze; the batch uses the final estimate, so journeys that
 * start within a few µs of each other on different nodes can swap numbers. So ids are matched one to one (the
 * first row of each pair decides), and the hops must be equal.
 */
export class JourneyMatch {
  readonly liveToBatch = new Map<number, number>();
  private readonly batchToLive = new Map<number, number>();
  /** Rows whose journey or hop disagrees. */
  mismatches = 0;

  row(liveJourney: number, liveHop: number, batchJourney: number, batchHop: number): boolean {
    let ok = liveHop === batchHop && liveJourney < 0 === batchJourney < 0;
    if (ok && liveJourney >= 0) {
      const b = this.liveToBatch.get(liveJourney);
      const l = this.batchToLive.get(batchJourney);
      if (b === undefined && l === undefined) {
        this.liveToBatch.set(liveJourney, batchJourney);
        this.batchToLive.set(batchJourney, liveJourney);
      } else ok = b === batchJourney && l === liveJourney;
    }
    if (!ok) this.mismatches++;
    return ok;
  }

  /** Journeys whose live number differs from the batch's. */
  get renumbered(): number {
    let n = 0;
    for (const [l, b] of this.liveToBatch) if (l !== b) n++;
    return n;
  }
}

/** Live lanes for capture files named NODE__IFACE.pcap, followed in `dir`. */
export function lanesFor(names: string[], dir: string): { node: string; iface: string; file: string }[] {
  return names.map((f) => {
    const [node, iface] = f.replace(/\.pcap$/, '').split('__');
    return { node, iface, file: path.join(dir, f) };
  });
}
