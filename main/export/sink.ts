// A buffered synchronous byte sink over a file descriptor (a file or stdout): exporters stream into it
// instead of building one giant string or buffer. The pcapng export writes its headers here, then hands the
// descriptor to its writer thread (handOff/advance).

import {
  closeSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  lstatSync,
  openSync,
  unlinkSync,
  writeSync,
} from 'node:fs';

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

  private constructor(
    private readonly fd: number,
    private readonly owned: boolean,
  ) {}

  /**
   * A new file at `path`. An existing regular file there is replaced (unlinked first) rather than truncated in
   * place: truncating a large file and rewriting it makes ext4 free its blocks in open() and flush the new
   * data in close() (auto_da_alloc), ~0.25 s for a 370 MB export here; a reader still holding the old file
   * keeps a whole copy. The new file gets the old one's permissions (and, when we may, its owner: a `sudo`
   * export over a user's file stays the user's). A file with other hard links, symlinks and anything that
   * cannot be unlinked are written through (truncated in place) as before, so every name shows the export.
   */
  static file(path: string): Sink {
    let old: { mode: number; uid: number; gid: number } | null = null;
    try {
      const st = lstatSync(path);
      if (st.isFile() && st.nlink === 1) {
        unlinkSync(path);
        old = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
      }
    } catch {
      // Missing, or not ours to unlink: open() below truncates or reports it.
    }
    const fd = openSync(path, 'w');
    if (old) {
      try {
        fchmodSync(fd, old.mode);
        if (process.getuid?.() === 0) fchownSync(fd, old.uid, old.gid);
      } catch {
        // A filesystem without modes or owners (vfat, some mounts): the file is written all the same.
      }
    }
    return new Sink(fd, true);
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

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.flush();
    } finally {
      if (this.owned) closeSync(this.fd);
    }
  }
}
