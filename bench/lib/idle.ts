// The benchmark machine is often shared (other builds, tests): before each timed command, wait until the
// CPUs are mostly idle, and record how busy they were, so a noisy number can be recognised as such.

import fs from 'node:fs';

function cpuTimes(): { busy: number; total: number } {
  // First line of /proc/stat: cpu user nice system idle iowait irq softirq steal …
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3] + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/** Fraction (0..1) of all CPUs busy over the next `ms` milliseconds. */
export async function busyFraction(ms = 250): Promise<number> {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTimes();
  const total = b.total - a.total;
  return total > 0 ? (b.busy - a.busy) / total : 0;
}

/** Waits (up to maxWaitMs) until the machine is below `threshold` busy; returns the last busy fraction seen. */
export async function waitForIdle(threshold: number, maxWaitMs: number): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let busy = await busyFraction();
  while (busy > threshold && Date.now() < deadline) busy = await busyFraction(500);
  return busy;
}
