// The anchors' tools (tcpdump, tshark with mergecap/editcap, GNU time) installed from Debian when missing, so
// `npm run bench` runs on a fresh clone: as root directly, else through passwordless sudo, else it says how.

import { spawnSync } from 'node:child_process';

/** Command → the Debian package that provides it. */
export const TOOL_PACKAGES: Record<string, string> = {
  tcpdump: 'tcpdump',
  tshark: 'tshark',
  mergecap: 'wireshark-common',
  editcap: 'wireshark-common',
};

/**
 * How to install the packages of the missing tools: the argv prefix to run apt-get with (none for root,
 * `sudo -n` when it works without a password), or null when neither is possible.
 */
export function installPlan(
  missing: string[],
  isRoot: boolean,
  sudoWorks: boolean,
): { prefix: string[]; packages: string[] } | null {
  const packages = [...new Set(missing.map((t) => TOOL_PACKAGES[t] ?? t))].sort();
  if (packages.length === 0) return { prefix: [], packages };
  if (isRoot) return { prefix: [], packages };
  if (sudoWorks) return { prefix: ['sudo', '-n'], packages };
  return null;
}

export function which(tool: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Installs what is missing of `tools` (apt-get update, then install); returns what is still missing. */
export function ensureDebianTools(tools: string[], log: (s: string) => void): string[] {
  const missing = tools.filter((t) => !which(t));
  if (missing.length === 0) return [];
  const isRoot = process.getuid?.() === 0;
  const sudoWorks = !isRoot && spawnSync('sudo', ['-n', 'true']).status === 0;
  const plan = installPlan(missing, isRoot, sudoWorks);
  if (!plan || !which('apt-get')) return missing;
  log(`bench: installing ${plan.packages.join(', ')} from Debian (apt-get) for ${missing.join(', ')}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args: string[]): boolean => {
    const argv = [...plan.prefix, ...args];
    return spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env }).status === 0;
  };
  if (run(['apt-get', 'update', '-q']))
    run(['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...plan.packages]);
  return tools.filter((t) => !which(t));
}
