// The benchmark harness's measuring pieces: whole-process wall/peak RSS/exit status through GNU time (or
// /proc polling), medians, and the profile summary that names the hot functions.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { median, measure } from '../../bench/lib/measure.ts';
import { hotAllocations, hotFunctions, type AllocProfile } from '../../bench/profile.ts';
import { fixtureFiles } from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('bench measure', () => {
  it('reports the exit status, captured stdout and a wall time that covers the run', async () => {
    const m = await measure(['sh', '-c', 'echo hello; sleep 0.2; exit 3'], { stdout: 'capture' });
    expect(m.exitCode).toBe(3);
    expect(m.stdout.trim()).toBe('hello');
    expect(m.wallS).toBeGreaterThanOrEqual(0.2);
  });

  it('sees a child’s peak RSS (a 200 MiB buffer touched page by page)', async () => {
    const script = 'const b = Buffer.alloc(200 * 1024 * 1024, 1); console.log(b[12345]);';
    const m = await measure([process.execPath, '-e', script], { stdout: 'capture' });
    expect(m.exitCode).toBe(0);
    expect(m.stdout.trim()).toBe('1');
    expect(m.peakRssMiB).toBeGreaterThan(200);
    expect(m.peakRssMiB).toBeLessThan(400);
  });

  it('takes medians of odd and even counts and ignores NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });
});

describe('bench profile summary', () => {
  it('sums self time per function across call paths, largest first', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9 });
    const prof = {
      nodes: [
        { id: 1, callFrame: frame('(root)', '') },
        { id: 2, callFrame: frame('decodeFields', 'file:///x/main/decode/fast.ts') },
        { id: 3, callFrame: frame('computeKey', 'file:///x/main/decode/key.ts') },
        { id: 4, callFrame: frame('decodeFields', 'file:///x/main/decode/fast.ts') }, // another call path
      ],
      samples: [2, 3, 4, 2, 1],
      timeDeltas: [100, 300, 100, 100, 400],
    };
    const hot = hotFunctions(prof);
    expect(hot.map((h) => [h.name, h.selfMs])).toEqual([
      ['(root)', 0.4],
      ['decodeFields', 0.3],
      ['computeKey', 0.3],
    ]);
    expect(hot[1].where).toMatch(/main\/decode\/fast\.ts:10$/);
    expect(hot.reduce((s, h) => s + h.share, 0)).toBeCloseTo(1);
  });
});

describe('bench allocation summary (profile.ts --alloc)', () => {
  it('sums sampled bytes per function across call paths, largest first', () => {
    const node = (
      functionName: string,
      url: string,
      selfSize: number,
      children: AllocProfile['head'][] = [],
    ) => ({
      callFrame: { functionName, url, lineNumber: 4 },
      selfSize,
      children,
    });
    const prof: AllocProfile = {
      head: node('(root)', '', 0, [
        node('linkSegments', 'file:///x/main/correlate/linker.ts', 300, [
          node('append', 'file:///x/main/correlate/observations.ts', 100),
        ]),
        node('append', 'file:///x/main/correlate/observations.ts', 250), // another call path
      ]),
    };
    const hot = hotAllocations(prof);
    expect(hot.map((h) => [h.name, h.bytes])).toEqual([
      ['append', 350],
      ['linkSegments', 300],
    ]);
    expect(hot[0].where).toMatch(/main\/correlate\/observations\.ts:5$/);
    expect(hot.reduce((s, h) => s + h.share, 0)).toBeCloseTo(1);
  });

  it('profiles a real correlation in-process, freed objects included', () => {
    const out = path.join(tempDir('hs-alloc-'), 'correlate.heapprofile');
    const r = spawnSync(
      process.execPath,
      ['bench/lib/allocRun.mjs', 'correlate', '--summary', ...fixtureFiles('flannel-vxlan')],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, HS_ALLOC_OUT: out }, timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/journeys \d+/);
    const hot = hotAllocations(JSON.parse(fs.readFileSync(out, 'utf8')) as AllocProfile);
    expect(hot.length).toBeGreaterThan(10);
    expect(hot.reduce((s, h) => s + h.bytes, 0)).toBeGreaterThan(100_000);
  });
});
