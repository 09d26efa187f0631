// The live-replay benches' copier (bench/lib/pcapIndex.ts): a finished capture copied up to a moment is the
// file's header and exactly the records before it, whole, and copied to the end it is the file byte for byte;
// and the /proc reader that says where a process's memory is (bench/lib/proc.ts).

import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { CaptureCopier, pcapIndex } from '../../bench/lib/pcapIndex.ts';
import { MAPPING_KINDS, procSample, residentByMapping } from '../../bench/lib/proc.ts';
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

describe('residentByMapping', () => {
  it.runIf(process.platform === 'linux')(
    'sorts a process’s resident memory by mapping: a large written buffer shows as large anonymous memory',
    () => {
      const before = residentByMapping(process.pid)!;
      // 64 MiB of address space (its own mapping, as glibc gives any block of 32 MiB or more), 24 MiB written.
      const big = new Uint8Array(64 << 20);
      big.fill(1, 0, 24 << 20);
      const after = residentByMapping(process.pid)!;
      expect(after['anonymous ≥ 32 MiB'] - before['anonymous ≥ 32 MiB']).toBeGreaterThan(22 << 10);
      expect(after['anonymous ≥ 32 MiB'] - before['anonymous ≥ 32 MiB']).toBeLessThan(40 << 10);
      expect(after.files).toBeGreaterThan(1024); // the node binary's code
      // The kinds add up to the process's resident size (/proc/PID/status, read within a few KiB of activity).
      const total = MAPPING_KINDS.reduce((n, k) => n + after[k], 0);
      expect(Math.abs(total - procSample(process.pid)!.rssKiB)).toBeLessThan(4096);
      expect(big[0] + big[(24 << 20) - 1]).toBe(2);
      expect(residentByMapping(2 ** 22 + 7)).toBeNull(); // no such process
    },
  );
});
