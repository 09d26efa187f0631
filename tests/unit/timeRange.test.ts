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
import { firstPacketSec, parseTimeArg, timeRange, type TimeRange } from '../../main/session/timeRange.ts';
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
    expect(parseTimeArg('--after', '03:24:03.437931068')).toEqual({ dayNs: 12243437931068 });
    // A time of day goes on the UTC date of the first packet, whatever its time of day.
    const first = 1795663433; // 2026-11-26T03:23:53Z
    expect(timeRange('03:24:03.437931068', undefined, () => first)).toEqual({
      afterSec: at.sec,
      afterNsec: at.nsec,
      beforeSec: Infinity,
      beforeNsec: 0,
    });
    expect(timeRange(undefined, '00:00:00', () => first)?.beforeSec).toBe(1795651200);
    expect(timeRange(undefined, undefined, () => first)).toBeNull();
  });

  it('refuses a bad value naming its flag, and an empty range', () => {
    for (const bad of ['', 'soon', '1e9', '-5', '24:00:00', '03:60:00', '3:24:03', '2026-02-30T00:00:00Z'])
      expect(
        usage(() => parseTimeArg('--before', bad)),
        bad,
      ).toMatch(/^--before ".*": not a/);
    expect(usage(() => parseTimeArg('--after', '1764127443.1234567891'))).toMatch(/^--after /);
    expect(usage(() => parseTimeArg('--after', '2026-11-26T03:24:03+25:00'))).toMatch(/not a UTC offset/);
    expect(usage(() => timeRange('10', '10', () => 0))).toMatch(/^--after 10 is not before --before 10/);
    expect(usage(() => timeRange('03:24:04', '03:24:03.999999999', () => 0))).toMatch(/not before/);
    expect(usage(() => timeRange('1795663443.5', '03:24:03', () => 1795663433))).toMatch(/not before/);
  });

  it("puts a time of day on the date of the captures' first packet", () => {
    expect(firstPacketSec(FILES)).toBe(Number(stamps(FILES[0])[0] / 1_000_000_000n));
    expect(firstPacketSec(['/nonexistent', ...FILES.slice(1)])).toBe(
      Number(stamps(FILES[1])[0] / 1_000_000_000n),
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
