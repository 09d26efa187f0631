// A process's CPU ticks and memory from /proc (Linux), for the live benches.

import fs from 'node:fs';

export const CLK_TCK = 100; // /proc/PID/stat ticks per second on Linux x86-64

/** CPU ticks (utime + stime, all threads), resident and peak resident KiB of `pid`; null once it is gone. */
export function procSample(pid: number): { ticks: number; rssKiB: number; hwmKiB: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return { ticks, rssKiB: rss, hwmKiB: hwm };
  } catch {
    return null;
  }
}
