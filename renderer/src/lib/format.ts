// Small display helpers: wall-clock times from the session base, byte counts, protocol names.

const DAY_NS = 86_400_000_000_000;
let cachedBase = '';
let cachedBaseInDay = 0;

/** The base's offset within its UTC day, in ns (< 2^53, so plain number arithmetic is exact from here on). */
function baseInDay(baseNs: string): number {
  if (baseNs !== cachedBase) {
    cachedBase = baseNs;
    try {
      cachedBaseInDay = Number(BigInt(baseNs) % BigInt(DAY_NS));
    } catch {
      cachedBaseInDay = 0;
    }
  }
  return cachedBaseInDay;
}

/** HH:MM:SS.nnnnnnnnn (UTC) of base + rel, like tcpdump's -tttt time column but with nanoseconds. */
export function wallClock(baseNs: string, relNs: number): string {
  let inDay = (baseInDay(baseNs) + Math.round(relNs)) % DAY_NS;
  if (inDay < 0) inDay += DAY_NS;
  const ns = inDay % 1_000_000_000;
  const secs = Math.floor(inDay / 1_000_000_000);
  const hh = Math.floor(secs / 3600);
  const mm = Math.floor((secs % 3600) / 60);
  const ss = secs % 60;
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${p2(hh)}:${p2(mm)}:${p2(ss)}.${String(ns).padStart(9, '0')}`;
}

/** YYYY-MM-DD (UTC) of base + rel. */
export function utcDate(baseNs: string, relNs: number): string {
  let ms: number;
  try {
    ms = Number(BigInt(baseNs) / 1_000_000n) + Math.floor(relNs / 1e6);
  } catch {
    ms = 0;
  }
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * What the panes' and timeline's times are, as the CLI's "times: UTC from 2026-11-26" says it: 'times UTC,
 * 2026-11-26', or both dates when the packets (from…to, ns relative to the base) span midnight. Times stay UTC (the
 * lab's nodes are), unlike tcpdump's local time: the label is what tells them apart.
 */
export function timesLabel(baseNs: string, fromNs: number, toNs: number): string {
  return timesLabels(baseNs, fromNs, toNs)[0];
}

/** timesLabel and what a narrow timeline shows instead, longest first: 'UTC, 2026-11-26', then 'UTC'. */
export function timesLabels(baseNs: string, fromNs: number, toNs: number): string[] {
  const a = utcDate(baseNs, fromNs);
  const b = utcDate(baseNs, toNs);
  const dates = a === b ? a : `${a} – ${b}`;
  return [`times UTC, ${dates}`, `UTC, ${dates}`, 'UTC'];
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** `1 hop`, `8 hops`, `1,000,000 packets`. */
export function plural(n: number, what: string): string {
  return `${n.toLocaleString()} ${what}${n === 1 ? '' : 's'}`;
}

/** `2026-11-26T03:23:53.287776332Z` from ns since the epoch as a decimal string (a TIME the back end reads). */
export function utcNs(ns: string): string {
  const sec = ns.length > 9 ? ns.slice(0, -9) : '0';
  const frac = ns.padStart(9, '0').slice(-9);
  return `${new Date(Number(sec) * 1000).toISOString().slice(0, 19)}.${frac}Z`;
}

/** A session's time range for its header: `time range 2026-11-26 03:23:53.287776332 – 03:23:53.488464076 UTC`. */
export function rangeLabel(r: { afterNs: string | null; beforeNs: string | null }): string {
  const from = r.afterNs === null ? null : utcNs(r.afterNs).replace('T', ' ').slice(0, -1);
  let to = r.beforeNs === null ? null : utcNs(r.beforeNs).replace('T', ' ').slice(0, -1);
  // The same day: the end's time alone.
  if (from !== null && to !== null && from.slice(0, 10) === to.slice(0, 10)) to = to.slice(11);
  if (from === null) return `time range before ${to} UTC`;
  if (to === null) return `time range from ${from} UTC`;
  return `time range ${from} – ${to} UTC`;
}
