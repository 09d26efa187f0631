// Our commands are timed as users run them, through bin/hopscope.mjs, which uses the esbuild bundle out/cli/
// when it is at least as new as its sources and tsx otherwise. Others edit main/ while benchmarks run, so
// before each of our commands the bundle is rebuilt (untimed) when stale, and the table says which path ran.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function newest(dir: string): number {
  let max = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return Infinity;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) max = Math.max(max, newest(p));
    else if (e.isFile()) max = Math.max(max, fs.statSync(p).mtimeMs);
  }
  return max;
}

/** The same freshness rule as bin/hopscope.mjs. */
export function bundleIsFresh(root: string): boolean {
  try {
    const built = fs.statSync(path.join(root, 'out/cli/hopscope.mjs')).mtimeMs;
    const dirs = JSON.parse(fs.readFileSync(path.join(root, 'out/cli/sources.json'), 'utf8')) as unknown;
    if (!Array.isArray(dirs) || !dirs.includes('main')) return false;
    return dirs.every((d) => newest(path.join(root, String(d))) <= built);
  } catch {
    return false;
  }
}

/** Rebuilds the bundle if there is a builder and it is stale; returns which path the CLI will take. */
export function ensureCliBundle(root: string): 'bundle' | 'tsx' {
  if (bundleIsFresh(root)) return 'bundle';
  const builder = path.join(root, 'bin/build-cli.mjs');
  if (!fs.existsSync(builder)) return 'tsx';
  spawnSync(process.execPath, [builder], { cwd: root, stdio: 'ignore' });
  return bundleIsFresh(root) ? 'bundle' : 'tsx';
}
