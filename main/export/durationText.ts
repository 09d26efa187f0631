// Durations as people read them ("420 ns", "12.3 µs", "4.56 ms", "2.013 s"), as text and written straight as
// UTF-8 bytes (the export's packet comments, the hop ladder's latencies: a million of them, without a string each).
import { ONES, TENS, upTo999Into, utf8Into } from './textBytes.ts';

const MICRO = [0xc2, 0xb5]; // 'µ' in UTF-8

/**
 * A duration for people: 420 ns, 12.3 µs, 4.56 ms, 2.013 s; with `withinNs` (how far off it may be), more digits
 * when that many are known (at most to the ns).
 */
export function duration(ns: number, withinNs = Infinity): string {
  const a = Math.abs(ns);
  const sign = ns < 0 ? '-' : '';
  if (a === Infinity) return '∞';
  if (a < 1e3) return `${sign}${Math.round(a)} ns`;
  const [unit, name, decimals] = a < 1e6 ? [1e3, 'µs', 1] : a < 1e9 ? [1e6, 'ms', 2] : [1e9, 's', 3];
  // Digits down to what `withinNs` (an uncertainty) leaves known: "+9.9601 ms ± 907 ns", not "+9.96 ms".
  const known =
    withinNs > 0 ? Math.min(unit === 1e9 ? 9 : 6, Math.ceil(Math.log10(unit / withinNs))) : decimals;
  return `${sign}${(a / unit).toFixed(Math.max(decimals, known))} ${name}`;
}

/** A hop's latency: "+12.3 µs", or "-4.0 µs" when the clocks put it before the previous hop (never "+-"). */
export function latency(ns: number): string {
  return ns < 0 ? duration(ns) : `+${duration(ns)}`;
}

/** Bytes durationInto may write. */
export const DURATION_ROOM = 40;

/**
 * duration(ns) of ladder.ts as UTF-8 into buf at `at` (room for DURATION_ROOM bytes), byte for byte; returns the
 * position after it. toFixed(k) rounds the double ns/10^u to k decimals; away from a decimal tie that is
 * Math.round(ns/10^(u-k)), computed here without a string. Within 1e-6 of a tie (where the two roundings may
 * differ), beyond 1000 s (where the doubles get too coarse for the tie test) and for non-finite values it writes
 * duration()'s own text.
 */
export function durationInto(ns: number, buf: Uint8Array, at: number): number {
  const a = Math.abs(ns);
  if (!(a < 1e12)) return utf8Into(duration(ns), buf, at);
  let unit: number;
  let decimals: number;
  let scaled: number;
  if (a < 1e3) {
    unit = 0;
    decimals = 0;
    scaled = Math.round(a);
  } else {
    let x: number;
    if (a < 1e6) {
      unit = 1;
      decimals = 1;
      x = a / 1e2;
    } else if (a < 1e9) {
      unit = 2;
      decimals = 2;
      x = a / 1e4;
    } else {
      unit = 3;
      decimals = 3;
      x = a / 1e6;
    }
    const frac = x - Math.floor(x);
    if (Math.abs(frac - 0.5) < 1e-6) return utf8Into(duration(ns), buf, at);
    scaled = Math.round(x);
  }
  let p = at;
  if (ns < 0) buf[p++] = 45; // '-'
  // Below 2^31: under 1000 s, `scaled` is at most 10^6.
  if (decimals === 0) p = upTo999Into(scaled, buf, p);
  else {
    const q = decimals === 1 ? 10 : decimals === 2 ? 100 : 1000;
    const whole = (scaled / q) | 0;
    p = upTo999Into(whole, buf, p);
    buf[p++] = 46; // '.'
    const f = scaled - whole * q;
    if (decimals === 1) buf[p++] = 48 + f;
    else if (decimals === 2) {
      buf[p++] = TENS[f];
      buf[p++] = ONES[f];
    } else {
      const h = (f / 100) | 0;
      const rest = f - h * 100;
      buf[p++] = 48 + h;
      buf[p++] = TENS[rest];
      buf[p++] = ONES[rest];
    }
  }
  buf[p++] = 32; // ' '
  if (unit === 0) {
    buf[p++] = 110; // n
    buf[p++] = 115; // s
  } else if (unit === 1) {
    buf[p++] = MICRO[0];
    buf[p++] = MICRO[1];
    buf[p++] = 115;
  } else if (unit === 2) {
    buf[p++] = 109; // m
    buf[p++] = 115;
  } else buf[p++] = 115;
  return p;
}
