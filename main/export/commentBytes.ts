// Builds a packet comment's UTF-8 bytes in one reused buffer, so the pcapng export writes a million comments
// without a string, a template or a TextEncoder call per packet. Same text as the string forms it replaces
// (`duration()` of ladder.ts and the template in exportPcapng.ts); tests/unit/export-comment.test.ts compares.
import { DURATION_ROOM, durationInto } from './durationText.ts';
import { dottedInto, intInto, utf8Into } from './textBytes.ts';

export class CommentBytes {
  private own: Uint8Array = new Uint8Array(1024);
  buf: Uint8Array = this.own;
  len = 0;

  /** Whether the buffer belongs to someone else (attach): it may not be replaced by a larger one. */
  private borrowed = false;

  /** Back to the class's own buffer, empty. */
  reset(): this {
    if (this.borrowed) {
      this.buf = this.own;
      this.borrowed = false;
    }
    this.len = 0;
    return this;
  }

  /**
   * Writes from now on go straight into `buf` at `at` (the export builds each comment inside its output
   * buffer, so the bytes are never copied); the caller has made room. `len` is then an index into `buf`.
   */
  attach(buf: Uint8Array, at: number): this {
    this.buf = buf;
    this.len = at;
    this.borrowed = true;
    return this;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    if (this.borrowed) throw new RangeError('CommentBytes: no room left in an attached buffer');
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = this.own = next;
  }

  /** Any string: a byte loop while it is ASCII (our comments almost always are), TextEncoder otherwise. */
  str(s: string): this {
    this.room(s.length * 3);
    this.len = utf8Into(s, this.buf, this.len);
    return this;
  }

  /** Bytes as they are (a pre-encoded constant): no per-character test. */
  bytes(a: Uint8Array): this {
    const n = a.length;
    this.room(n);
    const b = this.buf;
    let at = this.len;
    for (let i = 0; i < n; i++) b[at++] = a[i];
    this.len = at;
    return this;
  }

  /** A non-negative safe integer in decimal. */
  int(v: number): this {
    this.room(16);
    const b = this.buf;
    if (v < 0x80000000) {
      // Small integers (journey ids, hop numbers): 32-bit division.
      this.len = intInto(v, b, this.len);
      return this;
    }
    let digits = 0;
    for (let x = v; x >= 1; x = Math.floor(x / 10)) digits++;
    let at = this.len + digits;
    this.len = at;
    for (let x = v; digits > 0; digits--) {
      const q = Math.floor(x / 10);
      b[--at] = 48 + (x - q * 10);
      x = q;
    }
    return this;
  }

  /** An IPv4 address as a dotted quad. */
  dotted(ip: number): this {
    this.room(15);
    this.len = dottedInto(ip, this.buf, this.len);
    return this;
  }

  /** duration(ns) of ladder.ts, byte for byte (durationInto). */
  duration(ns: number): this {
    this.room(DURATION_ROOM);
    this.len = durationInto(ns, this.buf, this.len);
    return this;
  }

  /** The bytes built so far (a view, valid until the next reset; own buffer only, not after attach). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
