// A time range of the captures (`--after`/`--before`, editcap's -A/-B): which records become rows. Bounds are on
// each record's own timestamp as captured, before any clock correction; `after` is kept, `before` is not.

import { HopscopeError } from '../common/errors.ts';
import { readCaptureFileSync } from '../pcap/file.ts';

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
 * A TIME as given: a moment, or a time of day (the ladder's "03:24:03.437931068", or "00:10") still to be put on
 * a date (timeOn), with the precision it was given to (`unitNs`: a minute for "00:10", a second for
 * "00:10:00", a millisecond for "00:10:00.250").
 */
export type TimeArg = { sec: number; nsec: number } | { dayNs: number; unitNs: number };

/** The earliest and the latest packet of the captures, across every file (captureSpan). */
export interface CaptureSpan {
  firstSec: number;
  firstNsec: number;
  lastSec: number;
  lastNsec: number;
}

const DAY_NS = 86_400_000_000_000n;
/** 9999-12-31T23:59:59Z: the last second a date-time TIME (four-digit years) can name. */
const LAST_SEC = 253_402_300_799;
const EPOCH = /^(\d+)(?:\.(\d{1,9}))?$/;
// Seconds may be left out (`2026-11-27 00:10`, `00:10`), as one says a time.
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const TIME_OF_DAY = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

/** Up to nine fraction digits as nanoseconds ("437931" → 437931000). */
function nanos(frac: string | undefined): number {
  return frac ? Number(frac.padEnd(9, '0')) : 0;
}

/** A clock time's seconds into the day, or null when a field is out of range. */
function daySeconds(h: string, m: string, s: string | undefined): number | null {
  const [hh, mm, ss] = [Number(h), Number(m), Number(s ?? 0)];
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
        "such as 03:24:03.437931068 or 00:10, on the date that puts it among the captures' packets)",
    );
  const s = v.trim();
  let m = EPOCH.exec(s);
  if (m) {
    const sec = Number(m[1]);
    // Past the date-time form's last year, a moment cannot be said again (rangeText) nor shown.
    if (sec > LAST_SEC) throw bad('after the year 9999');
    return { sec, nsec: nanos(m[2]) };
  }
  m = TIME_OF_DAY.exec(s);
  if (m) {
    const day = daySeconds(m[1], m[2], m[3]);
    if (day === null) throw bad('not a time of day');
    const unitNs = m[3] === undefined ? 60e9 : m[4] === undefined ? 1e9 : 10 ** (9 - m[4].length);
    return { dayNs: day * 1e9 + nanos(m[4]), unitNs };
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
    if (sec > LAST_SEC) throw bad('after the year 9999');
    return { sec, nsec: nanos(m[7]) };
  }
  throw bad('not a time');
}

const ns = (sec: number, nsec: number) => BigInt(sec) * 1_000_000_000n + BigInt(nsec);
const moment = (t: bigint) => ({ sec: Number(t / 1_000_000_000n), nsec: Number(t % 1_000_000_000n) });

/**
 * A time of day's moment over the captures' `span`: on the date that puts it among their packets (from the first
 * packet, compared to the precision it was given to, to the last: `00:10` is the first packet's own minute when
 * that is 00:10:42, so a time read off the ladder and cut short still starts at the first packet). A capture from
 * 23:50 to 00:20 has `00:10` on its second date. A time of day no date puts among the packets is on the date that
 * puts it nearest to them: over a capture from 10:00:30 to 10:05, `10:00:20` is that day's, 10 s before the first
 * packet (not the next day's, 23 h 55 min after the last), so `--after 10:00:20` keeps every packet and
 * `--before 10:00:20` none. Where the captures run on to the same time of day a day later, it names two moments:
 * a USAGE error (`flag` says whose) asking for the date. A moment is returned as it is; a time of day over no
 * packet at all goes on 1970-01-01 (it keeps nothing, which is what there is).
 */
export function timeOn(
  t: TimeArg,
  span: CaptureSpan | null,
  flag = '--after',
  given = '',
): { sec: number; nsec: number } {
  if (!('dayNs' in t)) return t;
  if (span === null) return moment(BigInt(t.dayNs));
  const first = ns(span.firstSec, span.firstNsec);
  const unit = BigInt(t.unitNs);
  const from = first - (first % unit);
  let at = first - (first % DAY_NS) + BigInt(t.dayNs);
  if (at < from) at += DAY_NS;
  const last = ns(span.lastSec, span.lastNsec);
  // Past the last packet: the day before (before the first one) when that is as near or nearer.
  if (at > last) return moment(from - (at - DAY_NS) <= at - last ? at - DAY_NS : at);
  if (at + DAY_NS <= last) {
    const dates: string[] = [];
    for (let d = at; d <= last && dates.length < 3; d += DAY_NS)
      dates.push(isoNs(moment(d).sec, moment(d).nsec));
    throw new HopscopeError(
      'USAGE',
      `${flag} ${given}: a time of day the captures hold more than once (their packets run from ` +
        `${isoNs(span.firstSec, span.firstNsec)} to ${isoNs(span.lastSec, span.lastNsec)}, more than a day): ` +
        `give its date, one of ${dates.join(', ')}${at + 3n * DAY_NS <= last ? ', …' : ''}`,
    );
  }
  return moment(at);
}

/**
 * The range `--after`/`--before` give (either may be absent; null when both are), a time of day put on a date by
 * the captures' span (timeOn; `span()`: only asked when needed, it reads every file). after >= before is a USAGE
 * error.
 */
export function timeRange(
  after: string | undefined,
  before: string | undefined,
  span: () => CaptureSpan | null,
  names: { after: string; before: string } = { after: '--after', before: '--before' },
): TimeRange | null {
  if (after === undefined && before === undefined) return null;
  const a = after === undefined ? null : parseTimeArg(names.after, after);
  const b = before === undefined ? null : parseTimeArg(names.before, before);
  let got: CaptureSpan | null | undefined;
  const on = (t: TimeArg, flag: string, given: string) => {
    if (!('dayNs' in t)) return t;
    got ??= span();
    return timeOn(t, got, flag, given);
  };
  const lo = a ? on(a, names.after, after!) : { sec: -Infinity, nsec: 0 };
  const hi = b ? on(b, names.before, before!) : { sec: Infinity, nsec: 0 };
  if (a && b && (lo.sec > hi.sec || (lo.sec === hi.sec && lo.nsec >= hi.nsec))) {
    // A time of day is said with the moment it was taken for: its date may not be the one the user thought.
    const said = (t: TimeArg, m: { sec: number; nsec: number }) =>
      'dayNs' in t ? ` (${isoNs(m.sec, m.nsec)})` : '';
    throw new HopscopeError(
      'USAGE',
      `${names.after} ${after}${said(a, lo)} is not before ${names.before} ${before}${said(b, hi)}: the range ` +
        'would keep nothing',
    );
  }
  return { afterSec: lo.sec, afterNsec: lo.nsec, beforeSec: hi.sec, beforeNsec: hi.nsec };
}

/** Whether a record's timestamp lies in the range (after <= t < before). */
export function inRange(r: TimeRange, tsSec: number, tsNsec: number): boolean {
  return (
    (tsSec > r.afterSec || (tsSec === r.afterSec && tsNsec >= r.afterNsec)) &&
    (tsSec < r.beforeSec || (tsSec === r.beforeSec && tsNsec < r.beforeNsec))
  );
}

/**
 * The captures' earliest and latest packet across every record of every file, whatever the order of the files
 * (or of the records in one), or null when no file has a record: what a time of day is put on a date by. A read
 * of every file's record headers; what cannot be read is the correlation's to report, here it ends that file.
 */
export function captureSpan(paths: readonly string[]): CaptureSpan | null {
  let span: CaptureSpan | null = null;
  for (const path of paths)
    readCaptureFileSync(
      path,
      (rec) => {
        const { tsSec: s, tsNsec: n } = rec;
        if (span === null) span = { firstSec: s, firstNsec: n, lastSec: s, lastNsec: n };
        else if (s < span.firstSec || (s === span.firstSec && n < span.firstNsec)) {
          span.firstSec = s;
          span.firstNsec = n;
        } else if (s > span.lastSec || (s === span.lastSec && n > span.lastNsec)) {
          span.lastSec = s;
          span.lastNsec = n;
        }
      },
      { reuseBuffer: true },
    );
  return span;
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
