// A time range of the captures (--after/--before, main/session/timeRange.ts): the records kept are exactly those
// editcap -A/-B keeps for the same bounds, on one thread and on two, in the app's scan as in the correlation;
// records outside are no rows and do not count toward the packet limit. Recorded lab captures (flannel-vxlan:
// 64 packets on 8 interfaces, tests/fixtures/README.md).

import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { scanInputs } from '../../main/app/sessionScan.ts';
import { sessionComment } from '../../main/export/exportPcapng.ts';
import { documentHead } from '../../main/export/journeysJson.ts';
import { rangeLine } from '../../main/export/ladder.ts';
import { HopscopeError } from '../../main/common/errors.ts';
import { readCaptureFileSync } from '../../main/pcap/file.ts';
import { correlateInputs, type Correlated } from '../../main/session/ingest.ts';
import { loadInputs, type Inputs } from '../../main/session/inputs.ts';
import {
  captureSpan,
  parseTimeArg,
  timeRange,
  type CaptureSpan,
  type TimeRange,
} from '../../main/session/timeRange.ts';
import { fixtureFiles } from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FILES = fixtureFiles('flannel-vxlan');

function inputs(): Inputs {
  const r = loadInputs(FILES);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function usage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof HopscopeError && e.code === 'USAGE') return e.message;
    throw e;
  }
  throw new Error('no error');
}

/** Every record's timestamp in a file, as epoch ns. */
function stamps(file: string): bigint[] {
  const out: bigint[] = [];
  const r = readCaptureFileSync(file, (rec) => {
    out.push(BigInt(rec.tsSec) * 1_000_000_000n + BigInt(rec.tsNsec));
  });
  if (!r.ok) throw new Error(r.error.message);
  return out;
}

/** "2026-11-26T03:23:53.488464076Z" from epoch ns. */
function isoNs(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  return `${new Date(Number(sec) * 1000).toISOString().slice(0, 19)}.${String(ns % 1_000_000_000n).padStart(9, '0')}Z`;
}

/** "1795663433.488464076" from epoch ns. */
function epoch(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`;
}

/** The rows' capture-clock times, per file, in row order. */
function rowsByFile(c: Correlated): Map<string, bigint[]> {
  const res = c.result;
  const out = new Map<string, bigint[]>(FILES.map((f) => [f, []]));
  for (let r = 0; r < res.rowCount; r++) out.get(res.captures[res.rows.capture[r]].path!)!.push(res.tsNs(r));
  return out;
}

/** The span of captures whose packets run from second `first` to second `last`. */
function span(first: number, last = first): CaptureSpan {
  return { firstSec: first, firstNsec: 0, lastSec: last, lastNsec: 0 };
}

/** Bounds on two records' own timestamps: the 11th and the 51st of all 64 in time order. */
function bounds(): { after: bigint; before: bigint } {
  const all = FILES.flatMap(stamps).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { after: all[10], before: all[50] };
}

describe('TIME values', () => {
  it('reads epoch seconds, UTC date-times and times of day, to the nanosecond', () => {
    expect(parseTimeArg('--after', '1764127443.437931')).toEqual({ sec: 1764127443, nsec: 437931000 });
    expect(parseTimeArg('--after', '1764127443')).toEqual({ sec: 1764127443, nsec: 0 });
    const at = { sec: 1795663443, nsec: 437931068 };
    expect(parseTimeArg('--after', '2026-11-26T03:24:03.437931068Z')).toEqual(at);
    expect(parseTimeArg('--after', '2026-11-26 03:24:03.437931068')).toEqual(at);
    expect(parseTimeArg('--after', '2026-11-26T04:24:03.437931068+01:00')).toEqual(at);
    expect(parseTimeArg('--after', '2026-11-26 03:24:03.437931')).toEqual({ ...at, nsec: 437931000 });
    expect(parseTimeArg('--after', '03:24:03.437931068')).toEqual({ dayNs: 12243437931068, unitNs: 1 });
    expect(parseTimeArg('--after', '03:24:03.4')).toEqual({ dayNs: 12243400000000, unitNs: 1e8 });
    expect(parseTimeArg('--after', '03:24:03')).toEqual({ dayNs: 12243e9, unitNs: 1e9 });
    expect(parseTimeArg('--after', '03:24')).toEqual({ dayNs: 12240e9, unitNs: 60e9 });
    expect(parseTimeArg('--after', '2026-11-26 03:24')).toEqual({ sec: 1795663440, nsec: 0 });
    // A time of day goes on the first packet's UTC date when it is not earlier there than the first packet.
    const first = span(1795663433); // 2026-11-26T03:23:53Z
    expect(timeRange('03:24:03.437931068', undefined, () => first)).toEqual({
      afterSec: at.sec,
      afterNsec: at.nsec,
      beforeSec: Infinity,
      beforeNsec: 0,
    });
    // Among no packet: on the date that puts it nearest them. 00:00:00 is 3 h 24 min before the first packet on
    // its date (20 h 36 min after it on the next), 23:00:00 is 4 h 24 min before it on the date before (19 h 36
    // min after it on its own).
    expect(timeRange(undefined, '00:00:00', () => first)?.beforeSec).toBe(1795651200);
    expect(timeRange('23:00:00', undefined, () => first)?.afterSec).toBe(1795651200 - 3600);
    // Half a day either way: the earlier date.
    expect(timeRange('15:23:53', undefined, () => first)?.afterSec).toBe(1795663433 - 43200);
    expect(timeRange(undefined, undefined, () => first)).toBeNull();
  });

  it('refuses a bad value naming its flag, and an empty range', () => {
    for (const bad of ['', 'soon', '1e9', '-5', '24:00:00', '03:60:00', '3:24:03', '2026-02-30T00:00:00Z'])
      expect(
        usage(() => parseTimeArg('--before', bad)),
        bad,
      ).toMatch(/^--before ".*": not a/);
    expect(usage(() => parseTimeArg('--after', '1764127443.1234567891'))).toMatch(/^--after /);
    // Epoch seconds go as far as a date-time can (the range is said again as one: 9999-12-31T23:59:59Z).
    expect(parseTimeArg('--before', '253402300799.999999999')).toEqual({
      sec: 253402300799,
      nsec: 999999999,
    });
    for (const far of ['253402300800', '99999999999999', '99999999999999999999'])
      expect(usage(() => parseTimeArg('--before', far))).toMatch(/^--before "\d+": after the year 9999 /);
    expect(usage(() => parseTimeArg('--before', '9999-12-31T23:59:59-01:00'))).toMatch(/after the year 9999/);
    expect(usage(() => parseTimeArg('--after', '2026-11-26T03:24:03+25:00'))).toMatch(/not a UTC offset/);
    expect(usage(() => timeRange('10', '10', () => null))).toMatch(/^--after 10 is not before --before 10/);
    expect(usage(() => timeRange('03:24:04', '03:24:03.999999999', () => span(0)))).toMatch(/not before/);
    expect(usage(() => timeRange('1795663443.5', '03:24:03', () => span(1795663433)))).toMatch(/not before/);
  });

  it("spans the captures' packets across every file, whatever their order", () => {
    const all = FILES.flatMap(stamps).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const want = {
      firstSec: Number(all[0] / 1_000_000_000n),
      firstNsec: Number(all[0] % 1_000_000_000n),
      lastSec: Number(all.at(-1)! / 1_000_000_000n),
      lastNsec: Number(all.at(-1)! % 1_000_000_000n),
    };
    expect(captureSpan(FILES)).toEqual(want);
    expect(captureSpan(['/nonexistent', ...[...FILES].reverse()])).toEqual(want);
    expect(captureSpan(['/nonexistent'])).toBeNull();
  });
});

describe('a time of day over captures that cross midnight UTC', () => {
  // The flannel-vxlan captures moved by editcap -t so that 2026-11-27T00:00:00Z falls between node-1's first
  // records (23:59:59.999841532, .999904596, .999976332) and node-2's (00:00:00.000022651 on): the first packet
  // is on 2026-11-26, node-2's files start on the 27th.
  const MIDNIGHT = 1795737600n * 1_000_000_000n;
  const SHIFT = '74166.712200000'; // 1795737600 - 1795663433.2878
  const dir = tempDir('hs-midnight-');
  const files = FILES.map((f) => {
    const out = path.join(dir, path.basename(f));
    execFileSync('editcap', ['-t', SHIFT, f, out]);
    return out;
  });
  const all = files.flatMap(stamps);
  const from = (t: bigint) => all.filter((s) => s >= t).length;
  const kept = (paths: string[], range: TimeRange | null) => {
    const r = loadInputs(paths);
    if (!r.ok) throw new Error(r.error.message);
    return correlateInputs(r.value, { range }).result.rowCount;
  };

  it('puts it on the next date where the first packet’s date has it earlier (00:00 is the crossing)', () => {
    expect(from(MIDNIGHT)).toBeGreaterThan(0);
    expect(from(MIDNIGHT)).toBeLessThan(all.length);
    const span = () => captureSpan(files);
    const midnight = timeRange('00:00', undefined, span)!;
    expect(midnight.afterSec).toBe(Number(MIDNIGHT / 1_000_000_000n));
    expect(kept(files, midnight)).toBe(from(MIDNIGHT));
    expect(kept(files, timeRange(undefined, '00:00:00', span))).toBe(all.length - from(MIDNIGHT));
  });

  it('takes the first packet from every file, not the first file’s, and compares to the precision given', () => {
    // A node-2 file first: its first record is on the 27th, the captures' first packet is not.
    const order = [files[5], ...files.slice(0, 5), ...files.slice(6)];
    expect(stamps(files[5])[0]).toBeGreaterThan(MIDNIGHT);
    const span = () => captureSpan(order);
    // 23:59, 23:59:59 and 23:59:59.9998 are the first packet's own minute, second and 100 µs: every packet.
    for (const t of ['23:59', '23:59:59', '23:59:59.9998'])
      expect(kept(order, timeRange(t, undefined, span)), t).toBe(all.length);
    // 23:59:59.99985 is past its 10 µs (.999841532), on its date: the two records of .999841532 are out.
    const at = MIDNIGHT - 150_000n;
    expect(from(at)).toBe(all.length - 2);
    expect(kept(order, timeRange('23:59:59.99985', undefined, span))).toBe(from(at));
  });

  it('says the moment a time of day was taken for where the range keeps nothing', () => {
    // Not before: a time of day is said with the moment it was taken for (00:10 is the 27th's).
    expect(usage(() => timeRange('00:10', '23:59:59.99999', () => captureSpan(files)))).toBe(
      '--after 00:10 (2026-11-27T00:10:00.000000000Z) is not before --before 23:59:59.99999 ' +
        '(2026-11-26T23:59:59.999990000Z): the range would keep nothing',
    );
  });

  it('asks for the date where the captures hold the time of day on two dates', () => {
    // node-2's ens33 again, a day later: the captures run from the 26th to the 28th.
    const later = path.join(dir, 'later.pcap');
    execFileSync('editcap', ['-t', '86400', files[5], later]);
    const last = stamps(later).at(-1)!;
    const two = () => captureSpan([...files, later]);
    expect(usage(() => timeRange('00:00', undefined, two))).toBe(
      '--after 00:00: a time of day the captures hold more than once (their packets run from ' +
        `2026-11-26T23:59:59.999841532Z to 2026-11-28T00:00:00.${String(last % 1_000_000_000n).padStart(9, '0')}Z, ` +
        'more than a day): give its date, one of 2026-11-27T00:00:00.000000000Z, 2026-11-28T00:00:00.000000000Z',
    );
    // A time of day the captures hold once is not asked about; a date-time never is.
    expect(timeRange(undefined, '12:00', two)?.beforeSec).toBe(1795737600 + 12 * 3600);
    expect(timeRange('2026-11-28T00:00', undefined, two)?.afterSec).toBe(1795737600 + 86400);
  });
});

describe('a time of day among none of the packets', () => {
  const all = FILES.flatMap(stamps).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const [first, last] = [all[0], all.at(-1)!];
  const S = 1_000_000_000n;
  /** The time of day of epoch ns `t`, to the second ("03:23:43"). */
  const tod = (t: bigint) => isoNs(t).slice(11, 19);
  const kept = (range: TimeRange | null) => {
    const r = loadInputs(FILES);
    if (!r.ok) throw new Error(r.error.message);
    return correlateInputs(r.value, { range }).result.rowCount;
  };
  const spanOf = () => captureSpan(FILES);

  it("is on the date that puts it nearest the packets: 10 s before the first is that day's, not the next", () => {
    // The captures run 3 s (03:23:53 to 03:23:56): 10 s before the first packet is 23 h 59 min before the next
    // day's first.
    expect(last - first).toBeLessThan(60n * S);
    const early = tod(first - 10n * S);
    expect(kept(timeRange(early, undefined, spanOf))).toBe(all.length);
    expect(kept(timeRange(undefined, early, spanOf))).toBe(0);
    expect(kept(timeRange(tod(first - 20n * S), early, spanOf))).toBe(0);
    // 10 s after the last packet: that day's too.
    const late = tod(last + 10n * S);
    expect(kept(timeRange(late, undefined, spanOf))).toBe(0);
    expect(kept(timeRange(undefined, late, spanOf))).toBe(all.length);
    // Said with the moments taken, where the range keeps nothing.
    expect(usage(() => timeRange(late, early, spanOf))).toBe(
      `--after ${late} (${isoNs(((last + 10n * S) / S) * S)}) is not before --before ${early} ` +
        `(${isoNs(((first - 10n * S) / S) * S)}): the range would keep nothing`,
    );
  });
});

describe('a time range of the flannel-vxlan captures', () => {
  const { after, before } = bounds();
  const range: TimeRange = timeRange(epoch(after), epoch(before), () => null)!;

  it('keeps exactly the records editcap -A/-B keeps, on one thread and on two', () => {
    const dir = tempDir('hs-range-');
    const cut = new Map<string, bigint[]>();
    for (const f of FILES) {
      const out = path.join(dir, path.basename(f));
      execFileSync('editcap', ['-A', epoch(after), '-B', epoch(before), f, out]);
      cut.set(f, stamps(out));
    }
    const kept = [...cut.values()].reduce((n, s) => n + s.length, 0);
    expect(kept).toBe(40); // the 11th record is kept, the 51st is not
    const one = correlateInputs(inputs(), { threads: 1, range });
    expect(rowsByFile(one)).toEqual(cut);
    expect(one.result.rowCount).toBe(kept);
    expect(one.outside).toBe(64 - kept);
    // Two threads: the worker counts the main thread's run's kept records to know its first row; had it counted
    // every record, the runs would not meet and one thread would read again (threads 1).
    const two = correlateInputs(inputs(), { threads: 2, parallelMinBytes: 0, range });
    expect(two.threads).toBe(2);
    expect(two.outside).toBe(one.outside);
    expect(two.result.captures).toEqual(one.result.captures);
    expect(Array.from(two.result.rows.t.subarray(0, kept))).toEqual(
      Array.from(one.result.rows.t.subarray(0, kept)),
    );
    expect(Array.from(two.result.rows.capture.subarray(0, kept))).toEqual(
      Array.from(one.result.rows.capture.subarray(0, kept)),
    );
    expect(two.result.journeyCount).toBe(one.result.journeyCount);
  });

  it('keeps what editcap keeps of microsecond pcap and pcapng files (if_tsresol 6 and 9), bounds in ns', () => {
    // The captures converted by editcap: -F pcap writes microseconds, -F pcapng keeps the resolution it reads.
    // The bounds (the 11th and 51st records' ns) fall between microseconds, so a bound rounded to the file's
    // resolution, or a record's time taken at another, keeps another set.
    const dir = tempDir('hs-range-res-');
    const sets: Record<string, string[]> = { us: [], ngus: [], ngns: [] };
    for (const f of FILES) {
      const name = path.basename(f, '.pcap');
      const [us, ngus, ngns] = ['us.pcap', 'us.pcapng', 'ns.pcapng'].map((e) =>
        path.join(dir, `${name}.${e}`),
      );
      execFileSync('editcap', ['-F', 'pcap', f, us]);
      execFileSync('editcap', ['-F', 'pcapng', us, ngus]);
      execFileSync('editcap', ['-F', 'pcapng', f, ngns]);
      sets.us.push(`${name.replace('__', ':')}=${us}`);
      sets.ngus.push(`${name.replace('__', ':')}=${ngus}`);
      sets.ngns.push(`${name.replace('__', ':')}=${ngns}`);
    }
    for (const [what, labelled] of Object.entries(sets)) {
      const r = loadInputs(labelled);
      if (!r.ok) throw new Error(r.error.message);
      const want = labelled.map((l) => {
        const file = l.slice(l.indexOf('=') + 1);
        const out = `${file}.cut`;
        execFileSync('editcap', ['-A', epoch(after), '-B', epoch(before), file, out]);
        return stamps(out).length;
      });
      const res = correlateInputs(r.value, { range }).result;
      const got = labelled.map(
        (_, i) => res.captures.filter((c) => c.path === r.value.files[i].path)[0].packets,
      );
      expect(got, what).toEqual(want);
    }
  });

  it('counts only the kept records toward the packet limit', () => {
    const kept = 40;
    for (const threads of [1, 2]) {
      const opts = { threads, parallelMinBytes: 0, range };
      expect(correlateInputs(inputs(), { ...opts, maxPackets: kept }).result.rowCount).toBe(kept);
      let e: unknown;
      try {
        correlateInputs(inputs(), { ...opts, maxPackets: kept - 1 });
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(HopscopeError);
      expect((e as HopscopeError).code).toBe('TOO_MANY_PACKETS');
      expect((e as HopscopeError).message).toMatch(/^the time range of the captures .* shorter time range/);
    }
    expect(() => correlateInputs(inputs(), { maxPackets: kept })).toThrow(/--after\/--before TIME.*editcap/);
  });

  it('is said in the JSON, the ladder and summary line and the pcapng section comment; nothing is said without one', () => {
    const res = correlateInputs(inputs(), { range }).result;
    const half = { ...range, beforeSec: Infinity, beforeNsec: 0 };
    expect(documentHead(res).range).toEqual({ afterNs: after.toString(), beforeNs: before.toString() });
    expect(documentHead(correlateInputs(inputs(), { range: half }).result).range).toEqual({
      afterNs: after.toString(),
      beforeNs: null,
    });
    const words = `from ${isoNs(after)} before ${isoNs(before)}`;
    expect(rangeLine(res)).toBe(`range: packets captured ${words} (each by its own clock, uncorrected)`);
    expect(sessionComment(res, false)).toContain(`; a time range of the captures: ${words}; `);
    // The words are TIMEs --after/--before take again: the same rows.
    const [a, b] = words.slice('from '.length).split(' before ');
    const again = timeRange(a, b, () => null)!;
    expect(correlateInputs(inputs(), { range: again }).result.rowCount).toBe(res.rowCount);
    const all = correlateInputs(inputs()).result;
    expect(documentHead(all)).not.toHaveProperty('range');
    expect(rangeLine(all)).toBeNull();
    expect(sessionComment(all, false)).not.toContain('time range');
  });

  it("the app's first scan numbers the same rows as the correlation", () => {
    const c = correlateInputs(inputs(), { threads: 1, range });
    const scan = scanInputs(inputs(), () => undefined, 40, range);
    expect(scan.count).toBe(c.result.rowCount);
    expect(scan.outside).toBe(c.outside);
    expect(scan.captures.map((s) => `${s.node}/${s.iface}:${s.packets}`)).toEqual(
      c.result.captures.map((s) => `${s.node}/${s.iface}:${s.packets}`),
    );
    const n = scan.count;
    expect(Array.from(scan.rows.capture)).toEqual(Array.from(c.result.rows.capture.subarray(0, n)));
    const shift = (scan.baseSec - c.result.baseSec) * 1e9;
    expect(Array.from(scan.rows.t, (t) => t + shift)).toEqual(Array.from(c.result.rows.t.subarray(0, n)));
  });

  const run = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(ROOT, 'bin/hopscope.mjs'), ...args, ...FILES], {
      encoding: 'utf8',
    });
  // The same bounds as a UTC date-time and as the ladder's time of day.
  const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19);
  const frac = (ns: bigint) => String(ns % 1_000_000_000n).padStart(9, '0');

  it('`hopscope correlate --summary` counts the rows kept and says how many were left out', () => {
    const sum = run(
      'correlate',
      '--summary',
      '--after',
      `${iso(after)}.${frac(after)}Z`,
      '--before',
      `${iso(before).slice(11)}.${frac(before)}`,
    );
    expect(sum.stderr).toBe('hopscope correlate: 24 packets outside --after/--before left out\n');
    expect(sum.stdout).toMatch(/^captures 8\npackets 40\n/);
    expect(sum.stdout).toContain(`\nrange: packets captured from ${isoNs(after)} before ${isoNs(before)} (`);
    expect(sum.status).toBe(0);
  });

  it('`hopscope export` takes them too, and writes nothing when no packet is in the range', () => {
    const out = path.join(tempDir('hs-range-'), 'x.json');
    const exp = run('export', '--json', out, `--after=${iso(after).replace('T', ' ')}.${frac(after)}`);
    expect(exp.stderr).toBe('hopscope export: 10 packets outside --after/--before left out\n');
    expect(exp.status).toBe(0);
    const none = run('export', '--json', out, '--before', '1000000000');
    expect(none.stderr).toMatch(
      /NO_MATCH: no packet of the inputs lies in --after\/--before; \S+ not written/,
    );
    expect(none.status).toBe(1);
  });

  it('a bad TIME is a usage error naming its flag, before any file is read', () => {
    const bad = run('correlate', '--before', 'noon');
    expect(bad.stderr).toMatch(/^hopscope correlate: USAGE: --before "noon": not a time/);
    expect(bad.status).toBe(2);
  });
});
