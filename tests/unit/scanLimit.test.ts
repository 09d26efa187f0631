// The app's first scan past the packet limit (main/app/sessionScan.ts): the TOO_MANY_PACKETS detail says where in
// time the limit is reached (firstNs, limitNs: the app's offer of a time range), from one read of each file, the
// rows' times and the record headers after them. Recorded lab captures (flannel-vxlan: 64 packets on 8
// interfaces whose times interleave, about 8 a file, so most limits fall inside a file; tests/fixtures/README.md).

import * as fs from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

// The bytes read from each file, by path: the scan's and any other read of the same files.
const bytesRead = vi.hoisted(() => new Map<string, number>());
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  const paths = new Map<number, string>();
  const openSync = (path: fs.PathLike, ...rest: unknown[]) => {
    const fd = (real.openSync as (...a: unknown[]) => number)(path, ...rest);
    paths.set(fd, String(path));
    return fd;
  };
  const readSync = (fd: number, ...rest: unknown[]) => {
    const n = (real.readSync as (...a: unknown[]) => number)(fd, ...rest);
    const path = paths.get(fd);
    if (path !== undefined) bytesRead.set(path, (bytesRead.get(path) ?? 0) + n);
    return n;
  };
  return { ...real, default: { ...real, openSync, readSync }, openSync, readSync };
});

import { scanInputs } from '../../main/app/sessionScan.ts';
import { HopscopeError } from '../../main/common/errors.ts';
import { readCaptureFileSync } from '../../main/pcap/file.ts';
import { loadInputs, type Inputs } from '../../main/session/inputs.ts';
import { inRange, timeRange, type TimeRange } from '../../main/session/timeRange.ts';
import type { TooManyPacketsDetail } from '../../preload/api.ts';
import { fixtureFiles } from './correlate-helpers.ts';

const FILES = fixtureFiles('flannel-vxlan');
const NS = 1_000_000_000n;
const MS = 1_000_000n;

function inputs(files = FILES): Inputs {
  const r = loadInputs(files);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Every record's time (epoch ns) of each file in `range`, read by the pcap reader, in file order. */
function stamps(files: string[], range: TimeRange | null): bigint[] {
  const out: bigint[] = [];
  for (const f of files)
    readCaptureFileSync(f, (rec) => {
      if (range === null || inRange(range, rec.tsSec, rec.tsNsec))
        out.push(BigInt(rec.tsSec) * NS + BigInt(rec.tsNsec));
    });
  return out;
}

function detailOf(f: () => unknown): TooManyPacketsDetail {
  try {
    f();
  } catch (e) {
    if (e instanceof HopscopeError && e.code === 'TOO_MANY_PACKETS')
      return e.detail as unknown as TooManyPacketsDetail;
    throw e;
  }
  throw new Error('no TOO_MANY_PACKETS');
}

const sorted = (a: bigint[]) => [...a].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));

/**
 * The answer of the whole-file second read the scan used to make: 1 ms buckets counted from the second of the
 * first record read, the start of the bucket in which the records (in time order) pass `limit`.
 */
function bucketAnswer(files: string[], range: TimeRange | null, limit: number): TooManyPacketsDetail {
  const all = stamps(files, range);
  const base = (all[0] / NS) * NS;
  const s = sorted(all);
  const end = base + ((s[limit] - base) / MS) * MS;
  return { limit, firstNs: String(s[0]), limitNs: String(end > s[0] ? end : s[0]) };
}

describe('the first scan past the packet limit', () => {
  const { after, before } = (() => {
    const s = sorted(stamps(FILES, null));
    return { after: s[5], before: s[60] };
  })();
  const epoch = (t: bigint) => `${t / NS}.${String(t % NS).padStart(9, '0')}`;
  const range = timeRange(epoch(after), epoch(before), () => null)!;

  it('says where the limit is reached as the whole-file read did, with files in any order and a range', () => {
    const reversed = [...FILES].reverse();
    for (const files of [FILES, reversed])
      for (const limit of [1, 10, 23, 40, 63]) {
        const got = detailOf(() => scanInputs(inputs(files), () => undefined, limit));
        expect(got, `${limit}`).toEqual(bucketAnswer(files, null, limit));
      }
    for (const limit of [10, 33, 54]) {
      const got = detailOf(() => scanInputs(inputs(), () => undefined, limit, range));
      expect(got, `${limit} in range`).toEqual(bucketAnswer(FILES, range, limit));
    }
  });

  it('reads each file once', () => {
    bytesRead.clear();
    let done = 0;
    detailOf(() => scanInputs(inputs(), (n) => (done = n), 10));
    expect(bytesRead).toEqual(new Map(FILES.map((f) => [f, fs.statSync(f).size])));
    // Every byte went through the scan's own reading (its progress reached the end).
    expect(done).toBe(FILES.reduce((n, f) => n + fs.statSync(f).size, 0));
  });
});
