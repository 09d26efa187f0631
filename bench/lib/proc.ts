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

/** Kinds of mapping residentByMapping sorts a process's resident memory into. */
export const MAPPING_KINDS = [
  'anonymous ≥ 32 MiB', // typed-array columns (their reservations), SharedArrayBuffers, glibc's thread arenas
  'malloc heap', // [heap]: the main thread's malloc arena (smaller typed arrays, freed blocks glibc keeps)
  'anonymous < 32 MiB', // V8's heap pages and other small mappings
  'files', // the node binary and shared libraries
  'other', // [stack], [vdso]…
] as const;

/**
 * Resident KiB of `pid` per kind of mapping (/proc/PID/smaps): where a process's memory is, not what put it
 * there. Null once the process is gone.
 */
export function residentByMapping(pid: number): Record<(typeof MAPPING_KINDS)[number], number> | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return null;
  }
  const out = Object.fromEntries(MAPPING_KINDS.map((k) => [k, 0])) as Record<
    (typeof MAPPING_KINDS)[number],
    number
  >;
  let kind: (typeof MAPPING_KINDS)[number] = 'other';
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      const size = parseInt(m[2], 16) - parseInt(m[1], 16);
      const name = m[3];
      kind =
        name === ''
          ? size >= 32 << 20
            ? 'anonymous ≥ 32 MiB'
            : 'anonymous < 32 MiB'
          : name === '[heap]'
            ? 'malloc heap'
            : name.startsWith('/')
              ? 'files'
              : 'other';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] += Number(rss[1]);
  }
  return out;
}
