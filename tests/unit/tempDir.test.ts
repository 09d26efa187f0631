// The test folders' helper (tests/tempDir.ts): what it makes goes at removeTempDirs(), which the setup file of
// every vitest project calls when a test file ends; HOPSCOPE_KEEP_TEST_DIRS=1 keeps them.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { removeTempDirs, tempDir } from '../tempDir.ts';

const keep = process.env.HOPSCOPE_KEEP_TEST_DIRS;
afterEach(() => {
  if (keep === undefined) delete process.env.HOPSCOPE_KEEP_TEST_DIRS;
  else process.env.HOPSCOPE_KEEP_TEST_DIRS = keep;
});

describe('tempDir', () => {
  it('makes distinct empty folders that removeTempDirs removes with their contents', () => {
    delete process.env.HOPSCOPE_KEEP_TEST_DIRS;
    const a = tempDir('hs-tempdir-');
    const b = tempDir('hs-tempdir-');
    expect(a).not.toBe(b);
    expect(path.basename(a)).toMatch(/^hs-tempdir-/);
    mkdirSync(path.join(a, 'sub'));
    writeFileSync(path.join(a, 'sub', 'capture.pcap'), 'x');
    expect(removeTempDirs().sort()).toEqual([a, b].sort());
    expect(existsSync(a)).toBe(false);
    expect(existsSync(b)).toBe(false);
    // Each folder is removed once: the list is empty afterwards.
    expect(removeTempDirs()).toEqual([]);
  });

  it('keeps them with HOPSCOPE_KEEP_TEST_DIRS=1', () => {
    process.env.HOPSCOPE_KEEP_TEST_DIRS = '1';
    const a = tempDir('hs-tempdir-keep-');
    try {
      expect(removeTempDirs()).toEqual([a]);
      expect(existsSync(a)).toBe(true);
    } finally {
      rmSync(a, { recursive: true, force: true });
    }
  });
});
