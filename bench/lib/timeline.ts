// One traced run of a command (HOPSCOPE_TRACE=1, main/common/trace.ts) as a table: when each phase ended on
// each thread, and how long it took since that thread's previous line. `npm run bench` prints it under its
// table, so every run records where the wall time of `correlate --summary` went, not only how much there was.

import { spawnSync } from 'node:child_process';

export interface TracePoint {
  ms: number;
  thread: string;
  phase: string;
}

const LINE = /^\[hopscope trace (\d+(?:\.\d+)?) ms (main|thread \d+)\] (.+)$/;

/** The trace lines of a stderr text, in the order written (other lines are skipped). */
export function parseTrace(stderr: string): TracePoint[] {
  const out: TracePoint[] = [];
  for (const line of stderr.split('\n')) {
    const m = LINE.exec(line);
    if (m) out.push({ ms: Number(m[1]), thread: m[2], phase: m[3] });
  }
  return out;
}

/**
 * Markdown rows, by time: phase, thread ("main" or "worker N" in order of appearance), ms since the process
 * started, and ms since the same thread's previous line (its first line: since the process started).
 */
export function timelineRows(points: readonly TracePoint[]): string[] {
  const names = new Map<string, string>([['main', 'main']]);
  const last = new Map<string, number>();
  const rows = [
    '| phase ended | thread | at ms | ms since the thread’s previous line |',
    '|---|---|---|---|',
  ];
  for (const p of [...points].sort((a, b) => a.ms - b.ms)) {
    if (!names.has(p.thread)) names.set(p.thread, `worker ${names.size}`);
    const since = p.ms - (last.get(p.thread) ?? 0);
    last.set(p.thread, p.ms);
    rows.push(`| ${p.phase} | ${names.get(p.thread)} | ${p.ms.toFixed(0)} | ${since.toFixed(0)} |`);
  }
  return rows;
}

/** Runs `cmd` once with tracing on; its trace points, or null when it failed or printed none. */
export function traceRun(
  cmd: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): TracePoint[] | null {
  const r = spawnSync(cmd[0], cmd.slice(1), {
    cwd,
    encoding: 'utf8',
    env: { ...env, HOPSCOPE_TRACE: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0) return null;
  const points = parseTrace(r.stderr);
  return points.length ? points : null;
}
