// Our commands are timed as users run them, through bin/hopscope.mjs, which uses the esbuild bundle out/cli/
// when it is at least as new as its sources and tsx otherwise. Others edit main/ while benchmarks run, so
// before each of our commands the bundle is rebuilt (untimed) when stale, and the table says which path ran.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { bundleIsFresh } from '../../bin/bundleFresh.mjs';

export { bundleIsFresh };

/** Rebuilds the bundle if there is a builder and it is stale; returns which path the CLI will take. */
export function ensureCliBundle(root: string): 'bundle' | 'tsx' {
  if (bundleIsFresh(root)) return 'bundle';
  const builder = path.join(root, 'bin/build-cli.mjs');
  if (!fs.existsSync(builder)) return 'tsx';
  spawnSync(process.execPath, [builder], { cwd: root, stdio: 'ignore' });
  return bundleIsFresh(root) ? 'bundle' : 'tsx';
}
