// WindowedKeyTable (correlate/keyTable.ts): the newest item per key, with the items out of the window dropped as it
// rehashes. Checked against a plain map on random workloads that grow the table, keep it at one size (the window
// drops as much as arrives) and let it shrink its live part, with keys that collide in their slots.

import { describe, expect, it } from 'vitest';

import { KeyColumns, WindowedKeyTable } from '../../main/correlate/keyTable.ts';
import { rng } from '../fuzz/harness.ts';

function workload(seed: number, n: number, keys: number, windowNs: number, stepNs: () => number, every = 97) {
  const items = new KeyColumns(new Int32Array(n), new Int32Array(n), new Float64Array(n));
  const table = new WindowedKeyTable(items, windowNs, 16);
  const newest = new Map<number, number>();
  const order: number[] = []; // keys in the order they were last set (with repeats)
  const random = rng(seed);
  const wrong: string[] = [];
  let t = 0;
  let checked = 0;
  const check = (k: number) => {
    const item = newest.get(k)!;
    const got = table.get(k & 0xff, k >> 8);
    const fresh = t - items.lastT[item] <= windowNs;
    if (fresh ? got !== item : got !== -1 && got !== item)
      wrong.push(`key ${k}: got ${got}, newest ${item} (${fresh ? 'in' : 'out of'} the window)`);
    checked++;
  };
  for (let i = 0; i < n; i++) {
    t += stepNs();
    const key = Math.floor(random() * keys);
    // Halves that share bits, so that slots collide and probe.
    items.keyHi[i] = key & 0xff;
    items.keyLo[i] = key >> 8;
    items.lastT[i] = t;
    table.set(i);
    newest.set(key, i);
    order.push(key);
    // Every key: its newest item when that is within the window; never an older item of the key, nor another key's.
    // The latest 300 keys set and 300 drawn from all of them, every `every` items (and all of them at the end).
    if (i % every === 0) {
      for (let k = Math.max(0, order.length - 300); k < order.length; k++) check(order[k]);
      for (let k = 0; k < 300; k++) check(order[Math.floor(random() * order.length)]);
      if (table.get(keys + 5, 0x7fffff) !== -1) wrong.push('a key never set was found');
    }
  }
  for (const k of newest.keys()) check(k);
  expect(wrong.slice(0, 5)).toEqual([]);
  return { table, checked };
}

describe('WindowedKeyTable', () => {
  it('keeps the newest item of every key within the window while it grows', () => {
    const { table, checked } = workload(1, 20_000, 50_000, 1e12, () => 1000);
    // Nothing left the window: every distinct key is held.
    expect(table.size).toBeGreaterThan(15_000);
    expect(checked).toBeGreaterThan(100_000);
  });

  it('drops what left the window, holding about a window of items (many rehashes at one size)', () => {
    const random = rng(7);
    const { table } = workload(2, 60_000, 1_000_000, 500_000, () => 500 + Math.floor(random() * 1000));
    // ~500 items a window; the table holds what arrived since its last rehash (at most half of a table sized for 16
    // windows), never the whole run.
    expect(table.size).toBeLessThan(6_000);
  });

  it('keeps an item exactly a window old (the rehash at that very time)', () => {
    // Times in whole microseconds, the window 100 of them: a rehash's cutoff falls on an item's time; checked after
    // every item, while that item is still in the window.
    workload(4, 6_000, 1_000_000, 100_000, () => 1000, 1);
  });

  it('with a few keys seen again and again (one entry each) and bursts followed by quiet', () => {
    let i = 0;
    workload(3, 30_000, 300, 1e6, () => (++i % 2000 < 1500 ? 10 : 5e6));
  });
});
