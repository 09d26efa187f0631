// A buffered byte sink over a file descriptor (a file or stdout): exporters stream into it instead of building
// one giant string or buffer. Synchronous by default; `Sink.file(path, { async: true })` hands each full buffer
// to libuv's thread pool (positioned writes) and fills the next meanwhile, so the kernel's copy into the page
// cache (and any writeback stall) runs beside the exporter instead of inside it.

import { close, closeSync, openSync, write, writeSync } from 'node:fs';

const FLUSH_AT = 1 << 20;
/** Async mode: bytes per buffer handed to one write() (fewer, larger writes), and buffers in flight at most. */
const ASYNC_FLUSH_AT = 4 << 20;
const ASYNC_IN_FLIGHT = 4;

export interface SinkOptions {
  /** Write full buffers in the background (regular files only); finish with `await end()`. */
  async?: boolean;
}

export class Sink {
  private buf: Uint8Array;
  private dv: DataView;
  private len = 0;
  private readonly enc = new TextEncoder();
  private readonly flushAt: number;
  /** Bytes written so far (flushed or not). */
  bytes = 0;
  /** Async mode: file position of `buf`'s first byte, spare buffers, writes in flight, the first error. */
  private position = 0;
  private readonly spare: Uint8Array[] = [];
  private inFlight = 0;
  private failed: Error | null = null;
  private wake: (() => void) | null = null;
  private closing = false;
  private closed = false;

  private constructor(
    private readonly fd: number,
    private readonly owned: boolean,
    private readonly async: boolean,
  ) {
    this.flushAt = async ? ASYNC_FLUSH_AT : FLUSH_AT;
    this.buf = new Uint8Array(this.flushAt * 2);
    this.dv = new DataView(this.buf.buffer);
  }

  static file(path: string, opts: SinkOptions = {}): Sink {
    return new Sink(openSync(path, 'w'), true, opts.async === true);
  }

  static stdout(): Sink {
    return new Sink(1, false, false);
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

  /** The buffer `reserve` returned (valid until the next reserve). */
  get buffer(): Uint8Array {
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
    if (this.len >= this.flushAt) this.flush();
  }

  write(s: string): void {
    // Worst case 3 bytes per UTF-16 unit.
    const max = s.length * 3;
    if (max > this.flushAt) {
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

  /**
   * Async mode: true while as many buffers are in flight as the sink allows; a producer that checks it now
   * and then and awaits ready() keeps memory bounded (reserve never blocks: it takes a new buffer instead).
   */
  get busy(): boolean {
    return this.inFlight >= ASYNC_IN_FLIGHT;
  }

  /** Async mode: resolves once fewer than the allowed buffers are in flight; rejects with a write error. */
  async ready(): Promise<void> {
    while (this.inFlight >= ASYNC_IN_FLIGHT && !this.failed) await new Promise<void>((r) => (this.wake = r));
    if (this.failed) throw this.failed;
  }

  flush(): void {
    if (this.failed) throw this.failed;
    if (this.len === 0) return;
    if (this.async) {
      this.submit(this.buf, 0, this.len, this.position);
      this.position += this.len;
      const next = this.spare.pop() ?? new Uint8Array(this.flushAt * 2);
      this.buf = next;
      this.dv = new DataView(next.buffer);
      this.len = 0;
      return;
    }
    let off = 0;
    while (off < this.len) {
      try {
        off += writeSync(this.fd, this.buf, off, this.len - off);
      } catch (e) {
        // A non-blocking stdout pipe: wait for the reader.
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
    }
    this.len = 0;
  }

  /** One positioned background write of b[off, off + n), resubmitting the rest after a short write. */
  private submit(b: Uint8Array, off: number, n: number, position: number): void {
    this.inFlight++;
    write(this.fd, b, off, n, position, (err, written) => {
      this.inFlight--;
      if (err) this.failed ??= err;
      else if (written < n) {
        this.submit(b, off + written, n - written, position + written);
      } else if (b.length === this.flushAt * 2 && this.spare.length < ASYNC_IN_FLIGHT) this.spare.push(b);
      if (this.inFlight === 0 && this.closing) this.closeNow();
      const w = this.wake;
      this.wake = null;
      w?.();
    });
  }

  private closeNow(): void {
    this.closing = false;
    if (this.owned) close(this.fd, () => {});
  }

  /**
   * Lets another writer (a worker) continue the output: writes what is buffered and waits for the writes in
   * flight; returns the descriptor and the file position to write at next (null: the descriptor's own offset,
   * as for stdout). Report what it wrote with advance().
   */
  async handOff(): Promise<{ fd: number; position: number | null }> {
    this.flush();
    if (!this.async) return { fd: this.fd, position: null };
    while (this.inFlight > 0) await new Promise<void>((r) => (this.wake = r));
    if (this.failed) throw this.failed;
    return { fd: this.fd, position: this.position };
  }

  /** `n` bytes were written past the sink by the writer handOff() let in. */
  advance(n: number): void {
    this.bytes += n;
    this.position += n;
  }

  /** Writes what is buffered, waits for every write, closes the file; rejects with the first write error. */
  async end(): Promise<void> {
    if (!this.async || this.closed) {
      this.close();
      return;
    }
    try {
      this.flush();
    } finally {
      while (this.inFlight > 0) await new Promise<void>((r) => (this.wake = r));
      this.closed = true;
      if (this.owned) closeSync(this.fd);
    }
    if (this.failed) throw this.failed;
  }

  /**
   * Sync mode: writes what is buffered and closes. Async mode (an exporter that failed half-way; normally
   * end()): drops the unwritten buffer and closes once the writes already in flight are done.
   */
  close(): void {
    if (this.closed) return;
    if (!this.async) {
      this.closed = true;
      try {
        this.flush();
      } finally {
        if (this.owned) closeSync(this.fd);
      }
      return;
    }
    this.closed = true;
    this.len = 0;
    if (this.inFlight > 0) this.closing = true;
    else this.closeNow();
  }
}
