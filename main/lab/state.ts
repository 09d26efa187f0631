// The lab's state folder (/run/hopscope-lab, 0700): which scenario is up and every daemon it started, with
// the pid and the kernel start time that prove a pid is still ours before `lab down` signals it.

import { mkdirSync, readFileSync, writeFileSync, existsSync, chmodSync } from 'node:fs';

import type { ScenarioName } from './scenarios.ts';
import { labPaths, type LabPaths } from './sshFiles.ts';

export const DEFAULT_STATE_DIR = '/run/hopscope-lab';

export function stateDir(): string {
  return process.env.HOPSCOPE_LAB_DIR || DEFAULT_STATE_DIR;
}

export function paths(): LabPaths {
  return labPaths(stateDir());
}

export interface DaemonRecord {
  label: string;
  ns: string;
  pid: number;
  /** /proc/PID/stat field 22; a recycled pid has a different one. */
  startTicks: number;
  argv: string[];
}

export interface LabState {
  scenario: ScenarioName;
  /** `building` until `lab up` finished; a crashed up leaves it so. */
  phase: 'building' | 'up';
  startedAt: string;
  daemons: DaemonRecord[];
}

export function ensureStateDir(p: LabPaths): void {
  for (const d of [p.dir, `${p.dir}/pids`, `${p.dir}/logs`]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    chmodSync(d, 0o700);
  }
}

export function readState(p: LabPaths): LabState | null {
  if (!existsSync(p.state)) return null;
  try {
    return JSON.parse(readFileSync(p.state, 'utf8')) as LabState;
  } catch {
    return null;
  }
}

export function writeState(p: LabPaths, s: LabState): void {
  writeFileSync(p.state, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
}

export function writePrivate(file: string, text: string, mode = 0o600): void {
  writeFileSync(file, text, { mode });
  chmodSync(file, mode);
}

/** Kernel start time of a process in clock ticks, or null when it is gone. */
export function startTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; starttime is field 22 overall, index 19 after ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(rest[19]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

export function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Alive and still the process we started (same start time, not a zombie). */
export function daemonAlive(d: DaemonRecord): boolean {
  const t = startTicks(d.pid);
  return t !== null && t === d.startTicks && !isZombie(d.pid);
}
