// How the app writes a duration (850 ns, 12.5 µs, 1.234 ms, 2.5 s): the renderer's times, latencies and clock
// badges, and the Clocks tab's notes main words for it (main/export/ladder.ts APP_WORDS), so one quantity reads the
// same wherever the app shows it. Pure code: used by main and renderer. The CLI writes its own (ladder.ts duration).

/**
 * A duration in the largest unit that keeps it readable: 850 ns, 12.5 µs, 1.234 ms, 2.5 s. With `withinNs` (how
 * far off it may be: a clock estimate's uncertainty), to the digit of the uncertainty's first one, zeros kept:
 * "7.0000 ms" ± 814 ns, "7.00 ms" ± 50 µs (it read "7 ms" for both).
 */
export function formatDuration(ns: number, withinNs = Infinity): string {
  const a = Math.abs(ns);
  const sign = ns < 0 ? '−' : '';
  if (a < 1e3) return `${sign}${trim(a, 0)} ns`;
  const [unit, name, decimals] = a < 1e6 ? [1e3, 'µs', 1] : a < 1e9 ? [1e6, 'ms', 3] : [1e9, 's', 3];
  if (!(withinNs > 0 && withinNs < Infinity)) return `${sign}${trim(a / unit, decimals)} ${name}`;
  const known = Math.max(0, Math.min(unit === 1e9 ? 9 : 6, Math.ceil(Math.log10(unit / withinNs))));
  return `${sign}${(a / unit).toFixed(known)} ${name}`;
}

function trim(v: number, decimals: number): string {
  const t = v.toFixed(decimals);
  // Only zeros after a decimal point are noise ("12.50" → "12.5"); "850" stays.
  return t.includes('.') ? t.replace(/\.?0+$/, '') : t;
}
