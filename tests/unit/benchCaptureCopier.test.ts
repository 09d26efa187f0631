// The live-replay benches' copier (bench/lib/pcapIndex.ts): a finished capture copied up to a moment is the
// file's header and exactly the records before it, whole, and copied to the end it is the file byte for byte.

import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { CaptureCopier, pcapIndex } from '../../bench/lib/pcapIndex.ts';
import { tempDir } from '../tempDir.ts';
import { FIXTURES } from './correlate-helpers.ts';

const FILES = [
  path.join(FIXTURES, 'flannel-vxlan', 'node-1__ens33.pcap'),
  path.join(FIXTURES, 'flannel-vxlan', 'node-2__cni0.pcap'),
];

describe('CaptureCopier', () => {
  it('copies the header and the records before each moment, then the whole file', () => {
    const out = tempDir('hs-copier-');
    const copier = new CaptureCopier(FILES, out);
    const idx = FILES.map(pcapIndex);
    expect(idx.every((x) => x.t.length >= 4)).toBe(true);
    copier.advance(-Infinity);
    for (const c of copier.copies) expect(fs.statSync(c).size).toBe(24);
    // Halfway through the first file's records (by time): each copy ends exactly after its last earlier record.
    const cut = idx[0].t[idx[0].t.length >> 1];
    copier.advance(cut);
    FILES.forEach((f, i) => {
      const before = idx[i].t.filter((t) => t < cut).length;
      const size = before ? idx[i].end[before - 1] : 24;
      const copy = fs.readFileSync(copier.copies[i]);
      expect(copy.length).toBe(size);
      expect(copy.equals(fs.readFileSync(f).subarray(0, size))).toBe(true);
      expect(pcapIndex(copier.copies[i]).t.length).toBe(before);
    });
    expect(copier.t0).toBe(Math.min(idx[0].t[0], idx[1].t[0]));
    const sizes = copier.copies.map((c) => fs.statSync(c).size);
    expect(sizes[0]).toBeGreaterThan(24);
    expect(sizes[0]).toBeLessThan(fs.statSync(FILES[0]).size);
    copier.advance(cut); // the same moment again: nothing new
    expect(copier.copies.map((c) => fs.statSync(c).size)).toEqual(sizes);
    copier.advance(copier.t1, true);
    copier.close();
    FILES.forEach((f, i) => expect(fs.readFileSync(copier.copies[i]).equals(fs.readFileSync(f))).toBe(true));
  });
});
