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
import { fixtureFiles, readPcap, writePcap, type PcapRecord } from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

const FILES = fixtureFiles('flannel-vxlan');
const NS = 1_000_000_000n;

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
 * Where the limit is reached, from every record's time: the first, and the first past `limit` in time order
 * (the records before it are at most `limit`), none when more than `limit` share the first time.
 */
function answer(files: string[], range: TimeRange | null, limit: number): TooManyPacketsDetail {
  const s = sorted(stamps(files, range));
  return s[limit] > s[0]
    ? { limit, firstNs: String(s[0]), limitNs: String(s[limit]) }
    : { limit, firstNs: String(s[0]) };
}

describe('the first scan past the packet limit', () => {
  const { after, before } = (() => {
    const s = sorted(stamps(FILES, null));
    return { after: s[5], before: s[60] };
  })();
  const epoch = (t: bigint) => `${t / NS}.${String(t % NS).padStart(9, '0')}`;
  const range = timeRange(epoch(after), epoch(before), () => null)!;

  it('says where the limit is reached, to the nanosecond, with files in any order and a range', () => {
    const reversed = [...FILES].reverse();
    // The limits fall inside a file (10: the second's, 40: the fifth's) and at a file's end (23: the third's),
    // and the files overlap in time: the first file's last packet comes after the second file's first.
    const counts = FILES.map((f) => stamps([f], null).length);
    const upTo = (k: number) => counts.slice(0, k).reduce((a, b) => a + b, 0);
    expect([upTo(1) < 10 && 10 < upTo(2), upTo(3) === 23, upTo(4) < 40 && 40 < upTo(5)]).toEqual([
      true,
      true,
      true,
    ]);
    expect(stamps([FILES[0]], null).at(-1)!).toBeGreaterThan(stamps([FILES[1]], null)[0]);
    for (const files of [FILES, reversed])
      for (const limit of [1, 10, 23, 40, 63]) {
        const got = detailOf(() => scanInputs(inputs(files), () => undefined, limit));
        expect(got, `${limit}`).toEqual(answer(files, null, limit));
      }
    for (const limit of [10, 33, 54]) {
      const got = detailOf(() => scanInputs(inputs(), () => undefined, limit, range));
      expect(got, `${limit} in range`).toEqual(answer(FILES, range, limit));
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

  it('offers a range that is never empty when more packets than the limit fall in one millisecond', () => {
    // No recorded capture has such a burst: node-1's ens33 packets (real frames) written again by the test's
    // pcap writer 1 µs apart (a microsecond pcap, as tcpdump writes without -nano) and, in a second file, the
    // first of them five times at one nanosecond time; the limit falls inside the burst.
    const src = readPcap(FILES[1]);
    const t0 = src.records[0];
    const dir = tempDir('hs-burst-');
    const at = (i: number): PcapRecord => ({
      ...src.records[i % src.records.length],
      sec: t0.sec,
      nsec: i * 1000,
    });
    const micro = new Uint8Array(src.header);
    new DataView(micro.buffer).setUint32(0, 0xa1b2c3d4, true);
    const burst = `${dir}/node-1__ens33.pcap`;
    writePcap(burst, { header: micro, nano: false, records: Array.from({ length: 30 }, (_, i) => at(i)) });
    const same = `${dir}/node-2__ens33.pcap`;
    const five = Array.from({ length: 5 }, () => ({ ...t0, nsec: 7_000_123 }));
    writePcap(same, { header: src.header, nano: true, records: five });
    const files = [burst, same];
    for (const limit of [1, 10, 29, 33]) {
      const got = detailOf(() => scanInputs(inputs(files), () => undefined, limit));
      expect(got, `${limit}`).toEqual(answer(files, null, limit));
      expect(BigInt(got.limitNs!), `${limit}`).toBeGreaterThan(BigInt(got.firstNs!));
    }
    // The ten-packet range it offers holds ten packets: the first ten of the burst, a microsecond each.
    const ten = detailOf(() => scanInputs(inputs(files), () => undefined, 10));
    expect(BigInt(ten.limitNs!) - BigInt(ten.firstNs!)).toBe(10_000n);
    // Five at one time where the limit falls: the range leaves them all out and holds the one packet before
    // them; alone, no range from the first packet holds only three, and none is offered.
    writePcap(burst, { header: micro, nano: false, records: [at(7_000), at(7_001)] });
    expect(detailOf(() => scanInputs(inputs(files), () => undefined, 3))).toEqual({
      limit: 3,
      firstNs: String(BigInt(t0.sec) * NS + 7_000_000n),
      limitNs: String(BigInt(t0.sec) * NS + 7_000_123n),
    });
    expect(detailOf(() => scanInputs(inputs([same]), () => undefined, 3))).toEqual({
      limit: 3,
      firstNs: String(BigInt(t0.sec) * NS + 7_000_123n),
    });
  });
});
