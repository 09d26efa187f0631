// Whole-process measurement of one command: wall time (hrtime around spawn → exit), peak RSS and CPU time.
// GNU time (`/usr/bin/time -f`) reports the peak RSS of the largest process in the tree; without it we poll
// /proc/PID/status (VmHWM), which only sees the direct child.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export interface Measurement {
  wallS: number;
  peakRssMiB: number;
  userS: number;
  sysS: number;
  exitCode: number | null;
  /** Captured stdout when requested (`stdout: 'capture'`), else ''. */
  stdout: string;
  stderrTail: string;
}

export interface MeasureOptions {
  /** Where the command's stdout goes: /dev/null (default), captured, or a file path. */
  stdout?: 'null' | 'capture' | { file: string };
  cwd?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export function haveGnuTime(): boolean {
  try {
    fs.accessSync(GNU_TIME, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const useGnuTime = haveGnuTime();

export function measure(cmd: string[], opts: MeasureOptions = {}): Promise<Measurement> {
  const timeFile = path.join(
    os.tmpdir(),
    `hs-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`,
  );
  const argv = useGnuTime ? [GNU_TIME, '-f', '%M %U %S', '-o', timeFile, ...cmd] : cmd;
  const out = opts.stdout ?? 'null';
  let outFd: number | undefined;
  if (typeof out === 'object') outFd = fs.openSync(out.file, 'w');
  const stdio: ('ignore' | 'pipe' | number)[] = [
    'ignore',
    out === 'capture' ? 'pipe' : (outFd ?? 'ignore'),
    'pipe',
  ];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, stdio, env: opts.env ?? process.env });
    let stdoutText = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdoutText += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    let polledKiB = 0;
    const poll = useGnuTime
      ? undefined
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) polledKiB = Math.max(polledKiB, Number(m[1]));
          } catch {
            // the process may have exited between ticks
          }
        }, 5);
    const timer = opts.timeoutMs
      ? setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), opts.timeoutMs)
      : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      if (poll) clearInterval(poll);
      if (timer) clearTimeout(timer);
      if (outFd !== undefined) fs.closeSync(outFd);
      let peakKiB = polledKiB;
      let userS = NaN;
      let sysS = NaN;
      let exitCode = code;
      if (useGnuTime) {
        try {
          const text = fs.readFileSync(timeFile, 'utf8');
          fs.rmSync(timeFile, { force: true });
          // GNU time writes "Command exited with non-zero status N" before the format line on failure.
          const exit = /non-zero status (\d+)/.exec(text);
          if (exit) exitCode = Number(exit[1]);
          const last = text.trim().split('\n').at(-1) ?? '';
          const [m, u, s] = last.split(' ').map(Number);
          peakKiB = m;
          userS = u;
          sysS = s;
        } catch {
          // killed by the timeout before time wrote its report
        }
      }
      resolve({
        wallS,
        peakRssMiB: peakKiB / 1024,
        userS,
        sysS,
        exitCode,
        stdout: stdoutText,
        stderrTail: stderr
          .split('\n')
          .filter((l) => !/^Running as user "root"/.test(l))
          .join('\n')
          .trim(),
      });
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
