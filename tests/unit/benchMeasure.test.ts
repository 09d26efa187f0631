// The benchmark harness's measuring pieces: whole-process wall/peak RSS/exit status through GNU time (or
// /proc polling), medians, and the profile summary that names the hot functions.

import { describe, expect, it } from 'vitest';

import { median, measure } from '../../bench/lib/measure.ts';
import { hotFunctions } from '../../bench/profile.ts';

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
