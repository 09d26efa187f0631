// Folders for a test file's captures, sessions and keys: made under the OS temp folder by tempDir() and removed
// when the test file ends (tempDir.setup.ts, a setup file of every vitest project), whether its tests passed or
// not. HOPSCOPE_KEEP_TEST_DIRS=1 keeps them, to look at after a failure. A lab test's captures reach hundreds
// of MiB: a suite that left its folders behind filled /tmp by ~0.5 GiB a run.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const made: string[] = [];

/** A new empty folder `<tmp>/<prefix>XXXXXX`, removed when the test file ends. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every folder tempDir() made in this test file (unless HOPSCOPE_KEEP_TEST_DIRS=1); returns them. */
export function removeTempDirs(): string[] {
  const dirs = made.splice(0);
  if (process.env.HOPSCOPE_KEEP_TEST_DIRS === '1') {
    if (dirs.length) console.error(`kept test folders (HOPSCOPE_KEEP_TEST_DIRS=1):\n  ${dirs.join('\n  ')}`);
    return dirs;
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  return dirs;
}
