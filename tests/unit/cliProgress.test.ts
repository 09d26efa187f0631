// The CLI's progress line (main/cli/progress.ts): quiet on a terminal for the first second, then one line
// rewritten in place and cleared at the end; with --progress a line per update (throttled, every stage change).

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { cliProgress, describe as describeStep } from '../../main/cli/progress.ts';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (s: string) => chunks.push(s) };
}

const reading = (done: number) => ({ stage: 'reading' as const, done, total: 200e6 });

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});
afterEach(() => vi.useRealTimers());

describe('cli progress', () => {
  it('describes each stage', () => {
    expect(describeStep(reading(50e6))).toBe('reading 50/200 MB (25 %)');
    expect(describeStep({ stage: 'grouping', done: 0, total: 1 })).toBe('grouping…');
    expect(describeStep({ stage: 'reading', done: 0, total: 0 })).toBe('reading 0/0 KB (100 %)');
    // Small inputs are not "0/0 MB".
    expect(describeStep({ stage: 'reading', done: 6_000, total: 50_000 })).toBe('reading 6/50 KB (12 %)');
    expect(describeStep({ stage: 'reading', done: 1.25e6, total: 5e6 })).toBe('reading 1.3/5.0 MB (25 %)');
  });

  it('on a terminal: nothing in the first second, then one line rewritten, cleared at the end', () => {
    const out = sink(true);
    const p = cliProgress('hopscope correlate', false, out);
    p.onProgress(reading(10e6));
    vi.setSystemTime(900);
    p.onProgress(reading(90e6));
    expect(out.chunks).toEqual([]);
    vi.setSystemTime(1200);
    p.onProgress(reading(150e6));
    p.onProgress({ stage: 'linking', done: 0, total: 1 });
    expect(out.chunks).toEqual([
      '\rhopscope correlate: reading 150/200 MB (75 %)',
      '\rhopscope correlate: linking…                 ',
    ]);
    p.end();
    expect(out.chunks.at(-1)).toBe(
      `\r${' '.repeat('hopscope correlate: reading 150/200 MB (75 %)'.length)}\r`,
    );
  });

  it('a quick run on a terminal prints nothing at all', () => {
    const out = sink(true);
    const p = cliProgress('hopscope export', false, out);
    p.onProgress(reading(200e6));
    p.stage('writing pcapng…');
    p.end();
    expect(out.chunks).toEqual([]);
  });

  it('with --progress: a line per update at most every half second, and at every stage change', () => {
    const out = sink(false);
    const p = cliProgress('hopscope export', true, out);
    p.onProgress(reading(0));
    vi.setSystemTime(100);
    p.onProgress(reading(20e6));
    vi.setSystemTime(600);
    p.onProgress(reading(100e6));
    p.onProgress({ stage: 'grouping', done: 0, total: 1 });
    p.stage('writing pcapng…');
    p.end();
    expect(out.chunks).toEqual([
      'hopscope export: reading 0/200 MB (0 %)\n',
      'hopscope export: reading 100/200 MB (50 %)\n',
      'hopscope export: grouping…\n',
      'hopscope export: writing pcapng…\n',
    ]);
  });

  it('without --progress and not on a terminal (a pipe, a log): silent', () => {
    const out = sink(false);
    const p = cliProgress('hopscope correlate', false, out);
    vi.setSystemTime(5000);
    p.onProgress(reading(10e6));
    p.end();
    expect(out.chunks).toEqual([]);
  });
});
