// A time range of the captures (`--after`/`--before`, editcap's -A/-B): which records become rows. Bounds are on
// each record's own timestamp as captured, before any clock correction; `after` is kept, `before` is not.

import { closeSync, openSync, readSync } from 'node:fs';

import { HopscopeError } from '../common/errors.ts';
import { createCaptureReader } from '../pcap/reader.ts';

/**
 * Records with after <= timestamp < before are kept. A timestamp is seconds since the epoch and nanoseconds
 * within the second, as the readers give it (a nanosecond count since the epoch does not fit a double).
 * An open side is -Infinity / Infinity seconds.
 */
export interface TimeRange {
  afterSec: number;
  afterNsec: number;
  beforeSec: number;
  beforeNsec: number;
}

/**
 * A TIME as given: a moment, or a time of day (the ladder's "03:24:03.437931068") still to be put on the date
 * of the captures' first packet.
 */
export type TimeArg = { sec: number; nsec: number } | { dayNs: number };

const DAY_S = 86_400;
const EPOCH = /^(\d+)(?:\.(\d{1,9}))?$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/i;
const TIME_OF_DAY = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** Up to nine fraction digits as nanoseconds ("437931" → 437931000). */
function nanos(frac: string | undefined): number {
  return frac ? Number(frac.padEnd(9, '0')) : 0;
}

/** A clock time's seconds into the day, or null when a field is out of range. */
function daySeconds(h: string, m: string, s: string): number | null {
  const [hh, mm, ss] = [Number(h), Number(m), Number(s)];
  return hh < 24 && mm < 60 && ss < 60 ? hh * 3600 + mm * 60 + ss : null;
}

/**
 * Reads a TIME given to `flag`: seconds since the epoch with up to nine decimals (`1764127443.437931`), a UTC
 * date-time, ISO 8601 or tcpdump -tttt style (`2026-11-26T03:24:03.437931068Z`, `2026-11-26 03:24:03.437931`;
 * an explicit offset such as `+01:00` is honoured), or a bare time of day (`03:24:03.437931068`). Anything else
 * is a USAGE error naming the flag.
 */
export function parseTimeArg(flag: string, v: string): TimeArg {
  const bad = (why: string) =>
    new HopscopeError(
      'USAGE',
      `${flag} ${JSON.stringify(v)}: ${why} (give seconds since the epoch such as 1764127443.437931, a UTC ` +
        'date-time such as 2026-11-26T03:24:03.437931068Z or "2026-11-26 03:24:03.437931", or a time of day ' +
        'such as 03:24:03.437931068 on the date of the first packet)',
    );
  const s = v.trim();
  let m = EPOCH.exec(s);
  if (m) {
    const sec = Number(m[1]);
    if (!Number.isSafeInteger(sec)) throw bad('too far in the future');
    return { sec, nsec: nanos(m[2]) };
  }
  m = TIME_OF_DAY.exec(s);
  if (m) {
    const day = daySeconds(m[1], m[2], m[3]);
    if (day === null) throw bad('not a time of day');
    return { dayNs: day * 1e9 + nanos(m[4]) };
  }
  m = DATE_TIME.exec(s);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const day = daySeconds(m[4], m[5], m[6]);
    const ms = Date.UTC(y, mo - 1, d);
    const date = new Date(ms);
    // Date.UTC rolls 2026-02-30 over to March: a date that does not come back as given does not exist.
    if (
      day === null ||
      date.getUTCFullYear() !== y ||
      date.getUTCMonth() !== mo - 1 ||
      date.getUTCDate() !== d
    )
      throw bad('not a date and time');
    let sec = ms / 1000 + day;
    const zone = m[8];
    if (zone && zone.toUpperCase() !== 'Z') {
      const digits = zone.replace(':', '');
      const offH = Number(digits.slice(1, 3));
      const offM = Number(digits.slice(3, 5));
      if (offH > 23 || offM > 59) throw bad('not a UTC offset');
      sec -= (zone[0] === '-' ? -1 : 1) * (offH * 3600 + offM * 60);
    }
    if (sec < 0) throw bad('before 1970');
    return { sec, nsec: nanos(m[7]) };
  }
  throw bad('not a time');
}

/** A time of day on the UTC date of `firstSec` (seconds since the epoch); a moment as it is. */
export function timeOn(t: TimeArg, firstSec: number): { sec: number; nsec: number } {
  if (!('dayNs' in t)) return t;
  const daySec = Math.floor(t.dayNs / 1e9);
  return { sec: Math.floor(firstSec / DAY_S) * DAY_S + daySec, nsec: t.dayNs - daySec * 1e9 };
}

/**
 * The range `--after`/`--before` give (either may be absent; null when both are), a time of day on the date of
 * the captures' first packet (`firstSec()`: only asked when needed). after >= before is a USAGE error.
 */
export function timeRange(
  after: string | undefined,
  before: string | undefined,
  firstSec: () => number | null,
  names: { after: string; before: string } = { after: '--after', before: '--before' },
): TimeRange | null {
  if (after === undefined && before === undefined) return null;
  const a = after === undefined ? null : parseTimeArg(names.after, after);
  const b = before === undefined ? null : parseTimeArg(names.before, before);
  let first: number | null | undefined;
  const on = (t: TimeArg) => {
    if (!('dayNs' in t)) return t;
    first ??= firstSec();
    // No packet at all: a time of day on any date keeps nothing, which is what there is.
    return timeOn(t, first ?? 0);
  };
  const lo = a ? on(a) : { sec: -Infinity, nsec: 0 };
  const hi = b ? on(b) : { sec: Infinity, nsec: 0 };
  if (a && b && (lo.sec > hi.sec || (lo.sec === hi.sec && lo.nsec >= hi.nsec)))
    throw new HopscopeError(
      'USAGE',
      `${names.after} ${after} is not before ${names.before} ${before}: the range would keep nothing`,
    );
  return { afterSec: lo.sec, afterNsec: lo.nsec, beforeSec: hi.sec, beforeNsec: hi.nsec };
}

/** Whether a record's timestamp lies in the range (after <= t < before). */
export function inRange(r: TimeRange, tsSec: number, tsNsec: number): boolean {
  return (
    (tsSec > r.afterSec || (tsSec === r.afterSec && tsNsec >= r.afterNsec)) &&
    (tsSec < r.beforeSec || (tsSec === r.beforeSec && tsNsec < r.beforeNsec))
  );
}

/** Stops a read at its first record. */
const FIRST = Symbol('first record');

/**
 * Seconds since the epoch of the captures' first packet: the first record of the first file that has one (the
 * one the correlation counts its times from), or null when no file has a record. Reads only up to it.
 */
export function firstPacketSec(paths: readonly string[]): number | null {
  const buf = new Uint8Array(1 << 16);
  for (const path of paths) {
    let sec: number | null = null;
    const reader = createCaptureReader((rec) => {
      sec = rec.tsSec;
      throw FIRST;
    });
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      continue;
    }
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0 || reader.push(n === buf.length ? buf : buf.subarray(0, n))) break;
      }
    } catch (e) {
      if (e !== FIRST) continue; // unreadable: the correlation reports it
    } finally {
      closeSync(fd);
    }
    if (sec !== null) return sec;
  }
  return null;
}

/** Epoch ns as a decimal string (more than 2^53). */
export function epochNs(sec: number, nsec: number): string {
  return (BigInt(sec) * 1_000_000_000n + BigInt(nsec)).toString();
}

/** The range's sides as epoch ns strings, null when open (the app's SessionInfo.range). */
export function rangeNs(r: TimeRange): { afterNs: string | null; beforeNs: string | null } {
  return {
    afterNs: r.afterSec === -Infinity ? null : epochNs(r.afterSec, r.afterNsec),
    beforeNs: r.beforeSec === Infinity ? null : epochNs(r.beforeSec, r.beforeNsec),
  };
}

/** A moment as --after/--before take it again: UTC, ISO 8601, to the nanosecond (`2026-11-26T03:24:03.437931068Z`). */
export function isoNs(sec: number, nsec: number): string {
  return `${new Date(sec * 1000).toISOString().slice(0, 19)}.${String(nsec).padStart(9, '0')}Z`;
}

/**
 * The range in words the user may give again (`from 2026-11-26T03:24:03.437931068Z before …Z`): the ladder's
 * and the summary's `range` line, the pcapng export's section comment.
 */
export function rangeText(r: TimeRange): string {
  const at = isoNs;
  const parts: string[] = [];
  if (r.afterSec !== -Infinity) parts.push(`from ${at(r.afterSec, r.afterNsec)}`);
  if (r.beforeSec !== Infinity) parts.push(`before ${at(r.beforeSec, r.beforeNsec)}`);
  return parts.join(' ');
}
