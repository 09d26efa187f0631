// Runs the lab's programs (ip, iptables-restore, sysctl, ssh-keygen, …) from argv arrays, never through a shell,
// and starts its daemons detached inside a namespace with their pid recorded.

import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

import { HopscopeError } from '../common/errors.ts';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  /** Resolve with the exit code instead of throwing LAB_FAILED when the program fails. */
  allowFail?: boolean;
  timeoutMs?: number;
}

export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new HopscopeError('LAB_FAILED', `cannot run ${file}: ${e.message}`, { argv }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const rc = code ?? (signal ? 128 : 1);
      if (rc !== 0 && !opts.allowFail) {
        reject(
          new HopscopeError('LAB_FAILED', `${argv.join(' ')} failed (${signal ?? rc}): ${stderr.trim()}`, {
            argv,
          }),
        );
      } else resolve({ code: rc, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** argv to run a program inside a namespace; `ip` itself uses `-n` (one exec less). */
export function inNs(ns: string | null, argv: string[]): string[] {
  if (ns === null) return argv;
  if (argv[0] === 'ip') return ['ip', '-n', ns, ...argv.slice(1)];
  return ['ip', 'netns', 'exec', ns, ...argv];
}

export function runIn(ns: string | null, argv: string[], opts?: RunOptions): Promise<RunResult> {
  return run(inNs(ns, argv), opts);
}

/**
 * Start a long-running program in a namespace, detached (own process group) with output to a log file.
 * `ip netns exec` execs the program, so the returned pid is the daemon's own.
 */
export function startDaemon(
  ns: string,
  argv: string[],
  logFile: string,
  extraEnv: Record<string, string> = {},
): number {
  const fd = openSync(logFile, 'a', 0o600);
  try {
    const full = inNs(ns, argv);
    // ELECTRON_RUN_AS_NODE: when the app itself is the "node" (process.execPath), run it as plain Node.
    const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...extraEnv };
    const child = spawn(full[0], full.slice(1), { detached: true, stdio: ['ignore', fd, fd], env });
    if (child.pid === undefined) throw new HopscopeError('LAB_FAILED', `cannot start ${argv[0]} in ${ns}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new HopscopeError('LAB_FAILED', `timed out waiting for ${what}`);
    await sleep(25);
  }
}
