// Small display helpers: wall-clock times from the session base, byte counts, protocol names.

/** HH:MM:SS.nnnnnnnnn (UTC) of base + rel, like tcpdump's -tttt time column but with nanoseconds. */
export function wallClock(baseNs: string, relNs: number): string {
  let total: bigint;
  try {
    total = BigInt(baseNs) + BigInt(Math.round(relNs));
  } catch {
    return '';
  }
  const day = 86_400_000_000_000n;
  let inDay = total % day;
  if (inDay < 0n) inDay += day;
  const ns = Number(inDay % 1_000_000_000n);
  const secs = Number(inDay / 1_000_000_000n);
  const hh = Math.floor(secs / 3600);
  const mm = Math.floor((secs % 3600) / 60);
  const ss = secs % 60;
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${p2(hh)}:${p2(mm)}:${p2(ss)}.${String(ns).padStart(9, '0')}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function protoName(p: number): string {
  return p === 1 ? 'ICMP' : p === 6 ? 'TCP' : p === 17 ? 'UDP' : p === 58 ? 'ICMPv6' : p === 0 ? '' : `proto ${p}`;
}
