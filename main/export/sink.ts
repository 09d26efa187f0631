// A buffered synchronous byte sink over a file descriptor (a file or stdout): exporters stream into it
// instead of building one giant string or buffer. The pcapng export writes its headers here, then hands the
// descriptor to its writer thread (handOff/advance).

import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  linkSync,
  lstatSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  unlink,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { HopscopeError } from '../common/errors.ts';

const FLUSH_AT = 1 << 20;

export class Sink {
  private buf = new Uint8Array(FLUSH_AT * 2);
  private dv = new DataView(this.buf.buffer);
  private len = 0;
  private readonly enc = new TextEncoder();
  private closed = false;
  /** After a positional handOff: where this sink's next byte goes in the file (else the fd's own offset). */
  private position: number | null = null;
  /** Bytes written so far (flushed or not). */
  bytes = 0;
  /** A file sink's path, and the temporary name it is written under until close() (null: written in place). */
  private target: { path: string; tmp: string | null; keep: boolean } | null = null;
  /** The older file's removal on the thread pool (file()), settled when it is gone; fill() waits for it. */
  private removing: Promise<void> | null = null;

  private constructor(
    private readonly fd: number,
    private readonly owned: boolean,
  ) {}

  /**
   * A new file at `path`, written under a temporary name beside it and renamed to `path` by close(), so that
   * `path` never holds a partial export: a failed export (discard(), or close() failing) leaves no file there.
   * An existing regular file at `path` is removed first (tcpdump -w and mergecap truncate theirs at once):
   * its page-cache pages are then reused for the new one. It is renamed aside at once (no data touched) and
   * unlinked on libuv's thread pool: the kernel's freeing of its pages took this thread ~28 ms for a 300 MB
   * file (the bench's export over its last one), now spent beside it; fill() returns once it is gone. Kept
   * until the rename instead, they made a 370 MB export over an older one ~0.3 s slower on the bench machine
   * (1.3 → 1.7 s), whose memory is slow to touch for the first time; truncating in place made ext4 free the
   * blocks in open() and flush the new data in close() (auto_da_alloc), ~0.25 s. A reader still holding the old
   * file keeps a whole copy. The new file gets the old one's permissions (and, when we may, its owner: a `sudo`
   * export over a user's file stays the user's). A file with other hard links, a symlink and anything not a
   * regular file (/dev/null) are written through (opened and truncated in place) so that every name shows the
   * export. Errors are WRITE_FAILED naming `path`.
   */
  static file(path: string, opts: { keep?: boolean } = {}): Sink {
    let st: Stats | null = null;
    try {
      st = lstatSync(path);
    } catch {
      // Missing: made below.
    }
    // `keep`: an existing file is never replaced, not even one made while this export was being written (the
    // app asks before replacing: its check and the write are apart). The temporary file is then linked to `path`,
    // which fails if anything is there by then, instead of renamed over it.
    if (opts.keep && st !== null && isFileAt(path))
      throw new HopscopeError('USAGE', `${path} exists: replace it, or choose another name`, {
        exists: true,
      });
    const replace = st === null || (st.isFile() && st.nlink === 1);
    const stem = replace
      ? join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}`)
      : null;
    const tmp = stem && `${stem}.part`;
    let fd: number;
    try {
      fd = openSync(tmp ?? path, tmp ? 'wx' : 'w');
    } catch (e) {
      throw writeFailed(path, e);
    }
    let removing: Promise<void> | null = null;
    if (tmp && st) {
      const aside = `${stem}.old`;
      try {
        renameSync(path, aside);
        removing = new Promise((gone) => unlink(aside, () => gone()));
      } catch {
        // Not ours to move (a sticky folder): the rename replaces it, or says why it cannot.
      }
      try {
        fchmodSync(fd, st.mode & 0o7777);
        if (process.getuid?.() === 0) fchownSync(fd, st.uid, st.gid);
      } catch {
        // A filesystem without modes or owners (vfat, some mounts): the file is written all the same.
      }
    }
    const sink = new Sink(fd, true);
    sink.target = { path, tmp, keep: opts.keep === true };
    sink.removing = removing;
    return sink;
  }

  static stdout(): Sink {
    return new Sink(1, false);
  }

  /** Room for `n` more bytes at `this.len`; returns the buffer to write into. */
  reserve(n: number): Uint8Array {
    if (this.len + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) {
        this.buf = new Uint8Array(n * 2);
        this.dv = new DataView(this.buf.buffer);
      }
    }
    return this.buf;
  }

  /** A DataView on the buffer `reserve` returned (valid until the next reserve). */
  get view(): DataView {
    return this.dv;
  }

  /** Encodes a string at `at` in the reserved buffer (reserve 3 bytes per UTF-16 unit); returns its length. */
  encodeAt(s: string, at: number): number {
    return this.enc.encodeInto(s, this.buf.subarray(at)).written;
  }

  get offset(): number {
    return this.len;
  }

  commit(n: number): void {
    this.len += n;
    this.bytes += n;
    if (this.len >= FLUSH_AT) this.flush();
  }

  write(s: string): void {
    // Worst case 3 bytes per UTF-16 unit.
    const max = s.length * 3;
    if (max > FLUSH_AT) {
      const b = this.enc.encode(s);
      this.writeBytes(b);
      return;
    }
    const buf = this.reserve(max);
    const r = this.enc.encodeInto(s, buf.subarray(this.len));
    this.commit(r.written);
  }

  writeBytes(b: Uint8Array): void {
    const buf = this.reserve(b.length);
    buf.set(b, this.len);
    this.commit(b.length);
  }

  flush(): void {
    let off = 0;
    while (off < this.len) {
      try {
        const n = writeSync(this.fd, this.buf, off, this.len - off, this.position);
        off += n;
        if (this.position !== null) this.position += n;
      } catch (e) {
        // A non-blocking stdout pipe: wait for the reader.
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
    }
    this.len = 0;
  }

  /**
   * Lets another writer (a thread) continue the output: writes what is buffered and returns the descriptor
   * and, for a regular file, the position to write at (positioned writes may run several at once); null: a
   * pipe, written at its own offset. Report what it wrote with advance() before writing here again.
   */
  handOff(): { fd: number; position: number | null } {
    this.flush();
    if (this.position === null && fstatSync(this.fd).isFile()) this.position = this.bytes;
    return { fd: this.fd, position: this.position };
  }

  /** `n` bytes were written past the sink by the writer handOff() let in. */
  advance(n: number): void {
    this.bytes += n;
    if (this.position !== null) this.position += n;
  }

  /**
   * Writes what is buffered and closes; a file sink's file then takes its path (rename). On any error the
   * partial file is removed and the error is WRITE_FAILED naming the path.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const t = this.target;
    try {
      try {
        this.flush();
      } finally {
        if (this.owned) closeSync(this.fd);
      }
      if (t?.tmp && t.keep) linkInPlace(t.tmp, t.path);
      else if (t?.tmp) renameSync(t.tmp, t.path);
    } catch (e) {
      if (t?.tmp) rmSync(t.tmp, { force: true });
      if (t?.keep && (e as NodeJS.ErrnoException).code === 'EEXIST')
        throw new HopscopeError('USAGE', `${t.path} was made while exporting: not replaced`, {
          exists: true,
        });
      throw t ? writeFailed(t.path, e) : e;
    }
  }

  /**
   * Runs `write` into this sink and close()s it (a file sink's file then takes its path); when `write` throws,
   * discard()s it instead, so that no partial export is left, a failed write system call becoming WRITE_FAILED
   * naming the file (asWriteError). The one way exports end a sink (the CLI's and the app's).
   */
  async fill<T>(write: () => T | Promise<T>): Promise<T> {
    try {
      let value: T;
      try {
        value = await write();
      } catch (e) {
        this.discard();
        throw this.target ? asWriteError(this.target.path, e) : e;
      }
      this.close();
      return value;
    } finally {
      // The older file's removal (file()), long over by now: no `.old` name outlives the export.
      await this.removing;
    }
  }

  /** Abandons the output (an export that failed): closes, and a file sink's partial file goes. */
  discard(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.owned) closeSync(this.fd);
    if (this.target?.tmp) rmSync(this.target.tmp, { force: true });
  }
}

/** A regular file at `path`, through a symlink too (not a device such as /dev/null, nor a folder). */
function isFileAt(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false; // a dangling symlink: writing through it makes the file
  }
}

/**
 * `tmp` takes the name `path` only if nothing has it (link(2) fails with EEXIST otherwise); on a filesystem
 * without hard links (vfat), a rename after a last check.
 */
function linkInPlace(tmp: string, path: string): void {
  try {
    linkSync(tmp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
    if (isFileAt(path)) throw Object.assign(new Error(`${path} exists`), { code: 'EEXIST' });
    renameSync(tmp, path);
    return;
  }
  unlinkSync(tmp);
}

/**
 * Refuses an output that is one of `inputs` (the same file under any name: a hard link, a symlink, a relative
 * path): Sink.file removes the file at its path before writing, so the capture would be lost, and the pcapng
 * writer reads its frames from it. mergecap and editcap refuse this too. USAGE naming both.
 */
export function refuseInputAsOutput(out: string, inputs: Iterable<string>): void {
  let o: Stats;
  try {
    o = statSync(out);
  } catch {
    return; // nothing there yet
  }
  for (const p of inputs) {
    let st: Stats;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.dev === o.dev && st.ino === o.ino)
      throw new HopscopeError(
        'USAGE',
        `${out} is an input (${p}): exporting into it would destroy it; choose another output file`,
      );
  }
}

/**
 * An error met while exporting to `path`: a failed write system call becomes WRITE_FAILED naming the path;
 * anything else (a capture file that could not be read, a bug) stays what it is.
 */
export function asWriteError(path: string, e: unknown): unknown {
  const err = e as NodeJS.ErrnoException | null;
  return err && err.syscall === 'write' && typeof err.code === 'string' ? writeFailed(path, e) : e;
}

/** WRITE_FAILED for an output that could not be written (already one: unchanged). */
export function writeFailed(path: string, e: unknown): HopscopeError {
  if (e instanceof HopscopeError) return e;
  const err = e as NodeJS.ErrnoException;
  return new HopscopeError(
    'WRITE_FAILED',
    `cannot write ${path}: ${err.code ? `${err.code}: ` : ''}${stripPrefix(err.message ?? String(e))}`,
  );
}

/** Node's messages start with "CODE: " and end with the syscall and path: the reason alone. */
function stripPrefix(m: string): string {
  return m.replace(/^[A-Z]+: /, '').replace(/, \w+( '[^']*')?$/, '');
}
