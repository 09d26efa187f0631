// The pcapng export's write half on its own: the batch writer's windows and output buffer at their limits
// (frames larger than a read window, a block larger than the output buffer), a failing input in the writer
// thread reported instead of hanging, and Sink.file replacing an existing file (its permissions and owner kept) instead of truncating it.

import {
  chmodSync,
  chownSync,
  linkSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  closeSync,
} from 'node:fs';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  BATCH_PACKETS,
  BATCH_TEXT,
  BatchSink,
  createBatchWriter,
  META_WORDS,
  type Batch,
} from '../../main/export/epbBatch.ts';
import { mergeByKey } from '../../main/export/order.ts';
import { exportPcapng } from '../../main/export/exportPcapng.ts';
import { HopscopeError } from '../../main/common/errors.ts';
import { asWriteError, Sink } from '../../main/export/sink.ts';
import { correlate, filesIn, fixtureCopy, fixtureFiles } from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

const tmp = tempDir('hs-export-writer-');
const ROOT = resolve(import.meta.dirname, '../..');

/** A classic pcap (nanosecond, little-endian) with one record per frame; returns each record's offset. */
function pcapWith(path: string, frames: Uint8Array[]): number[] {
  const parts: Uint8Array[] = [];
  const head = new DataView(new ArrayBuffer(24));
  head.setUint32(0, 0xa1b23c4d, true);
  head.setUint16(4, 2, true);
  head.setUint16(6, 4, true);
  head.setUint32(16, 0x7fffffff, true);
  head.setUint32(20, 1, true);
  parts.push(new Uint8Array(head.buffer));
  const offsets: number[] = [];
  let at = 24;
  frames.forEach((f, i) => {
    const h = new DataView(new ArrayBuffer(16));
    h.setUint32(0, 1_700_000_000 + i, true);
    h.setUint32(8, f.length, true);
    h.setUint32(12, f.length, true);
    offsets.push(at);
    parts.push(new Uint8Array(h.buffer), f);
    at += 16 + f.length;
  });
  writeFileSync(path, Buffer.concat(parts));
  return offsets;
}

function pattern(n: number, seed: number): Uint8Array {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = (i * 31 + seed) & 255;
  return a;
}

describe('batch writer', () => {
  for (const position of [0, null]) {
    it(`frames larger than a read window and a block larger than the output buffer come out whole (${position === null ? 'sequential writes' : 'positioned writes in flight'})`, async () => {
      const input = join(tmp, 'big.pcap');
      // 60 B, 3 MiB (past the 256 KiB window), 61 B, 9 MiB (past the 1 MiB output buffer), 62 B, then enough
      // 100 KiB frames to fill every output buffer a few times over (several to a buffer, a few to a window).
      const frames = [
        pattern(60, 1),
        pattern(3 << 20, 2),
        pattern(61, 3),
        pattern(9 << 20, 4),
        pattern(62, 5),
      ];
      for (let i = 0; i < 60; i++) frames.push(pattern((100 << 10) + i, 6 + i));
      const offsets = pcapWith(input, frames);
      const out = join(tmp, 'big.out');
      const fd = openSync(out, 'w');
      const w = createBatchWriter(fs, { paths: [input], fd, position });
      const b: Batch = {
        meta: new Uint32Array(BATCH_PACKETS * META_WORDS),
        text: new Uint8Array(BATCH_TEXT),
        count: frames.length,
        slot: 0,
      };
      // 31 bytes: each at a multiple of 4 in the batch, then a zero (Batch.text).
      const comment = new TextEncoder().encode('journey 7 hop 2/3 +1.5 µs: ttl');
      b.text.fill(0xff);
      frames.forEach((f, i) => {
        b.meta.set(
          [0, 0, 1000 + i, f.length, f.length + 4, offsets[i], 0, i + 1, comment.length],
          i * META_WORDS,
        );
        b.text.set(comment, i * 32);
        b.text[i * 32 + 31] = 0;
      });
      w.write(b);
      const total = await w.finish();
      closeSync(fd);
      const bytes = readFileSync(out);
      expect(bytes.length).toBe(total);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let at = 0;
      frames.forEach((f, i) => {
        const size = dv.getUint32(at + 4, true);
        expect(dv.getUint32(at, true)).toBe(6);
        expect(dv.getUint32(at + size - 4, true)).toBe(size);
        expect(dv.getUint32(at + 16, true)).toBe(1000 + i);
        expect(dv.getUint32(at + 20, true)).toBe(f.length);
        expect(dv.getUint32(at + 24, true)).toBe(f.length + 4);
        expect(Buffer.compare(bytes.subarray(at + 28, at + 28 + f.length), f)).toBe(0);
        const opt = at + 28 + ((f.length + 3) & ~3);
        expect(dv.getUint16(opt, true)).toBe(1);
        expect(dv.getUint16(opt + 2, true)).toBe(comment.length);
        expect(Buffer.compare(bytes.subarray(opt + 4, opt + 4 + comment.length), comment)).toBe(0);
        expect(bytes[opt + 4 + comment.length]).toBe(0); // the option's padding
        // The packet id option, then the end of options.
        expect([dv.getUint32(opt + 36, true), dv.getUint32(opt + 40, true)]).toEqual([5 | (8 << 16), i + 1]);
        expect(dv.getUint32(opt + 48, true)).toBe(0);
        at += size;
      });
      expect(at).toBe(bytes.length);
    });
  }

  for (const worker of [true, false]) {
    it(`a capture file gone before the export fails it with the file's error (${worker ? 'writer thread' : 'in thread'})`, async () => {
      const dir = fixtureCopy('flannel-vxlan');
      try {
        const res = correlate(filesIn(dir));
        rmSync(filesIn(dir)[0]);
        const out = join(tmp, `gone-${worker}.pcapng`);
        const sink = Sink.file(out);
        const failed = exportPcapng(res, sink, { worker });
        await expect(failed).rejects.toThrow(/ENOENT/);
        // Not a write failure: the error stays the capture file's.
        expect(asWriteError(out, await failed.catch((e: unknown) => e))).not.toBeInstanceOf(HopscopeError);
        sink.discard();
        expect(fs.existsSync(out)).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe("the writer thread's time orders", () => {
  /** n rows over `lanes` captures (row r on lane r % lanes: not contiguous), their times in shared memory. */
  function shared(n: number, lanes: number, time: (r: number) => number) {
    const key = new Float64Array(new SharedArrayBuffer(8 * n));
    const capture = new Uint16Array(new SharedArrayBuffer(2 * n));
    for (let r = 0; r < n; r++) {
      key[r] = time(r);
      capture[r] = r % lanes;
    }
    return { key, capture };
  }

  it('merges each order asked as this thread does, answers the same order once, and fails what is pending', async () => {
    const n = 50_000;
    // Ties across lanes, and lane 2 out of order for a while (a late delivery).
    const a = shared(n, 3, (r) => Math.floor(r / 3) * 10 + (r % 3 === 2 && r < 3000 ? 30000 - r : 0));
    const b = shared(n, 5, (r) => (r * 7919) % 1000);
    const sink = new BatchSink(true);
    try {
      const first = sink.orderInThread(a.key, a.capture, 3, n);
      expect(first).toBeInstanceOf(Promise);
      // The same order asked again (the CLI early, then the export): the same promise, merged once.
      expect(sink.orderInThread(a.key, a.capture, 3, n)).toBe(first);
      // Another asked while the first is merging: each settles with its own answer.
      const second = sink.orderInThread(b.key, b.capture, 5, n);
      const want = (x: typeof a, lanes: number) => mergeByKey(x.key, x.capture, lanes, new Int32Array(n));
      expect(Array.from(await second!)).toEqual(Array.from(want(b, 5)));
      expect(Array.from(await first!)).toEqual(Array.from(want(a, 3)));
      // Not in shared memory: the caller merges.
      expect(sink.orderInThread(new Float64Array(n), a.capture, 3, n)).toBeNull();
      const pending = sink.orderInThread(b.key, b.capture, 5, n - 1)!;
      await sink.abort();
      await expect(pending).rejects.toThrow();
    } finally {
      await sink.abort();
    }
  });
});

describe('an output that cannot take the export', () => {
  for (const worker of [true, false]) {
    it(`a full device fails the pcapng export with WRITE_FAILED naming it (${worker ? 'writer thread' : 'in thread'})`, async () => {
      const res = correlate(fixtureFiles('flannel-vxlan'));
      const sink = Sink.file('/dev/full');
      const e = await exportPcapng(res, sink, { worker }).catch((err: unknown) =>
        asWriteError('/dev/full', err),
      );
      sink.discard();
      expect(e).toBeInstanceOf(HopscopeError);
      expect(e).toMatchObject({
        code: 'WRITE_FAILED',
        message: 'cannot write /dev/full: ENOSPC: no space left on device',
      });
    });
  }

  it('`hopscope export` says WRITE_FAILED and exits 1 for a missing folder, a folder and a full device', () => {
    const files = fixtureFiles('flannel-vxlan');
    for (const [out, reason] of [
      [join(tmp, 'no/such/dir/x.json'), 'ENOENT: no such file or directory'],
      [tmp, 'EISDIR: illegal operation on a directory'],
      ['/dev/full', 'ENOSPC: no space left on device'],
    ]) {
      const r = spawnSync(
        process.execPath,
        [join(ROOT, 'bin/hopscope.mjs'), 'export', '--json', out, ...files],
        {
          encoding: 'utf8',
        },
      );
      expect(r.status, out).toBe(1);
      expect(r.stderr).toBe(`hopscope export: WRITE_FAILED: cannot write ${out}: ${reason}\n`);
    }
  });
});

describe('Sink.file', () => {
  it('writes under a temporary name beside the file: the file appears or changes only at close', () => {
    const p = join(tmp, 'late.bin');
    const s = Sink.file(p);
    s.write('x'.repeat(3 << 20)); // past the sink's buffer: bytes are on disk already
    expect(fs.existsSync(p)).toBe(false);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('.late.bin.') && f.endsWith('.part'))).toHaveLength(
      1,
    );
    s.close();
    expect(statSync(p).size).toBe(3 << 20);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('.late.bin.'))).toEqual([]);
  });

  it('discard() (a failed export) leaves neither a partial file nor the old one at the path', () => {
    const p = join(tmp, 'kept.bin');
    writeFileSync(p, 'the last good export');
    const s = Sink.file(p);
    s.write('y'.repeat(3 << 20));
    s.discard();
    s.close(); // after discard: nothing more happens
    expect(fs.existsSync(p)).toBe(false);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('.kept.bin.'))).toEqual([]);
  });

  it('a folder that does not exist is WRITE_FAILED naming the file', () => {
    const p = join(tmp, 'nope', 'x.pcapng');
    expect(() => Sink.file(p)).toThrow(
      expect.objectContaining({
        code: 'WRITE_FAILED',
        message: `cannot write ${p}: ENOENT: no such file or directory`,
      }),
    );
  });

  it('replaces an existing file, keeping its permissions, and writes through a symlink', () => {
    const p = join(tmp, 'out.bin');
    writeFileSync(p, 'old contents');
    chmodSync(p, 0o640);
    // A reader holding the old file keeps its bytes: it was replaced, not truncated.
    const reader = openSync(p, 'r');
    const s = Sink.file(p);
    s.write('new');
    s.close();
    expect(readFileSync(p, 'utf8')).toBe('new');
    expect(readFileSync(reader, 'utf8')).toBe('old contents');
    closeSync(reader);
    expect(statSync(p).mode & 0o7777).toBe(0o640);

    const target = join(tmp, 'target.bin');
    writeFileSync(target, 'old target');
    symlinkSync(target, join(tmp, 'via-link.bin'));
    const t = Sink.file(join(tmp, 'via-link.bin'));
    t.write('through');
    t.close();
    expect(readFileSync(target, 'utf8')).toBe('through');
  });

  it('fill: the older file leaves its name at once and is gone when fill returns, no name left behind', async () => {
    const p = join(tmp, 'again.bin');
    writeFileSync(p, 'the last export');
    const reader = openSync(p, 'r');
    const s = Sink.file(p);
    const during = await s.fill(() => {
      s.write('this export');
      return fs.readdirSync(tmp).filter((f) => f.includes('again.bin'));
    });
    // While writing: no file at the path (removed first, as mergecap truncates), the new one under `.part`.
    expect(during).not.toContain('again.bin');
    expect(during.filter((f) => f.endsWith('.part'))).toHaveLength(1);
    expect(readFileSync(p, 'utf8')).toBe('this export');
    expect(fs.readdirSync(tmp).filter((f) => f.includes('again.bin'))).toEqual(['again.bin']);
    expect(readFileSync(reader, 'utf8')).toBe('the last export');
    closeSync(reader);
    // A failed export: the older file is gone all the same, and nothing is left under any name.
    const t = Sink.file(p);
    await expect(
      t.fill(() => {
        throw new Error('the write failed');
      }),
    ).rejects.toThrow('the write failed');
    expect(fs.readdirSync(tmp).filter((f) => f.includes('again.bin'))).toEqual([]);
  });

  it('keep (the app, not told to replace): an existing file, or one made while writing, is left as it is', () => {
    const p = join(tmp, 'keep.bin');
    writeFileSync(p, 'there before');
    symlinkSync(p, join(tmp, 'keep-link.bin'));
    for (const at of [p, join(tmp, 'keep-link.bin')])
      expect(() => Sink.file(at, { keep: true })).toThrow(
        expect.objectContaining({ code: 'USAGE', detail: { exists: true } }),
      );
    const q = join(tmp, 'raced.bin');
    const s = Sink.file(q, { keep: true });
    s.write('z'.repeat(3 << 20));
    writeFileSync(q, 'made meanwhile'); // after the app's check, before the export's end
    expect(() => s.close()).toThrow(
      expect.objectContaining({
        code: 'USAGE',
        message: `${q} was made while exporting: not replaced`,
        detail: { exists: true },
      }),
    );
    expect(readFileSync(q, 'utf8')).toBe('made meanwhile');
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('.raced.bin.'))).toEqual([]);
    // Nothing there: written as any export, under its name only.
    const r = join(tmp, 'fresh.bin');
    const t = Sink.file(r, { keep: true });
    t.write('fresh');
    t.close();
    expect([readFileSync(r, 'utf8'), statSync(r).nlink]).toEqual(['fresh', 1]);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('.fresh.bin.'))).toEqual([]);
    // /dev/null is no file to keep.
    const n = Sink.file('/dev/null', { keep: true });
    n.write('gone');
    n.close();
  });

  it('writes a hard-linked file in place, as tcpdump -w and mergecap do: every name shows the export', () => {
    const p = join(tmp, 'linked.bin');
    writeFileSync(p, 'old contents');
    linkSync(p, join(tmp, 'other-name.bin'));
    const before = statSync(p).ino;
    const s = Sink.file(p);
    s.write('new');
    s.close();
    expect(statSync(p).ino).toBe(before);
    expect(readFileSync(join(tmp, 'other-name.bin'), 'utf8')).toBe('new');
  });

  it.runIf(process.getuid?.() === 0)('as root, a replaced file keeps its owner', () => {
    const p = join(tmp, 'owned.bin');
    writeFileSync(p, 'a user file');
    chownSync(p, 4321, 4322);
    const s = Sink.file(p);
    s.write('exported by root');
    s.close();
    expect(statSync(p)).toMatchObject({ uid: 4321, gid: 4322 });
  });

  it('handOff lets another writer continue at the descriptor; advance counts its bytes', () => {
    const p = join(tmp, 'handoff.bin');
    const s = Sink.file(p);
    s.write('head;');
    const { fd, position } = s.handOff();
    expect(position).toBe(5);
    fs.writeSync(fd, 'body;', position);
    s.advance(5);
    s.write('tail');
    expect(s.bytes).toBe(14);
    s.close();
    expect(readFileSync(p, 'utf8')).toBe('head;body;tail');
  });
});
