// JSON text written as bytes straight into a Sink's buffer: digits, dotted quads, MACs and plain ASCII strings
// without a JavaScript string per value, and without encoding one afterwards. The journeys JSON writes ~440
// bytes per packet, so building strings and encoding them was most of `correlate --json` (docs/formats.md).
// Strings that need escaping or are not ASCII go through JSON.stringify and the encoder, so the text is always
// exactly what JSON.stringify would write.

import type { Sink } from './sink.ts';

const HEX = new TextEncoder().encode('0123456789abcdef');
const Q = 0x22; // "
const BACKSLASH = 0x5c;
/** Room every fixed-size run of writes may take (numbers are at most 24 characters). */
export const JSON_RUN = 512;

/** A constant piece of JSON, encoded once. */
export function lit(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export class JsonBytes {
  private buf: Uint8Array;
  private pos: number;
  private start: number;
  private readonly enc = new TextEncoder();
  /** Strings seen again and again (node, interface, owner names), quoted and encoded once. */
  private readonly quoted = new Map<string, Uint8Array>();

  constructor(private readonly sink: Sink) {
    this.buf = sink.reserve(0);
    this.pos = this.start = sink.offset;
  }

  /** Room for `n` more bytes (hands what is written so far to the sink when the buffer is full). */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.done();
    this.buf = this.sink.reserve(n);
    this.pos = this.start = this.sink.offset;
  }

  /** Commits what was written to the sink; call before writing to the sink by other means. */
  done(): void {
    this.sink.commit(this.pos - this.start);
    this.buf = this.sink.reserve(0);
    this.pos = this.start = this.sink.offset;
  }

  /** A constant (within the current room()). */
  raw(b: Uint8Array): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < b.length; i++) buf[p++] = b[i];
    this.pos = p;
  }

  /** A constant of any length (takes its own room). */
  bytes(b: Uint8Array): void {
    this.room(b.length);
    if (b.length > 64) {
      this.buf.set(b, this.pos);
      this.pos += b.length;
    } else this.raw(b);
  }

  /** A number as JSON.stringify writes it (within the current room()). */
  num(n: number): void {
    if ((n | 0) === n && n >= 0) this.int(n);
    else if ((n | 0) === n && n >= -0x7fffffff) {
      this.buf[this.pos++] = 0x2d;
      this.int(-n | 0);
    } else if (Number.isSafeInteger(n)) this.ascii(String(n));
    else this.ascii(JSON.stringify(n));
  }

  /** 0 <= n < 2^31, in small-integer arithmetic (a double's % is a call into C). */
  private int(n: number): void {
    let digits = 1;
    for (let x = n; x >= 10; x = (x / 10) | 0) digits++;
    this.digits(n, digits);
  }

  /** 0 <= n < 2^31 as exactly `width` digits, with leading zeros (within the current room()). */
  padded(n: number, width: number): void {
    this.digits(n | 0, width);
  }

  private digits(n: number, width: number): void {
    const buf = this.buf;
    let p = this.pos + width;
    this.pos = p;
    for (let i = 0; i < width; i++) {
      const q = (n / 10) | 0;
      buf[--p] = 0x30 + n - q * 10;
      n = q;
    }
  }

  /** A quoted IPv4 address in dotted-quad form (within the current room()). */
  ipv4(ip: number): void {
    const buf = this.buf;
    buf[this.pos++] = Q;
    for (let shift = 24; shift >= 0; shift -= 8) {
      this.num((ip >>> shift) & 255);
      if (shift) buf[this.pos++] = 0x2e;
    }
    buf[this.pos++] = Q;
  }

  /** A quoted MAC as aa:bb:cc:dd:ee:ff; "" for a negative (absent) one (within the current room()). */
  mac(mac: number): void {
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = Q;
    if (mac >= 0) {
      const hi = Math.floor(mac / 4294967296);
      const lo = mac >>> 0;
      const octets = [(hi >>> 8) & 255, hi & 255, lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255];
      for (let i = 0; i < 6; i++) {
        if (i) buf[p++] = 0x3a;
        buf[p++] = HEX[octets[i] >>> 4];
        buf[p++] = HEX[octets[i] & 15];
      }
    }
    buf[p++] = Q;
    this.pos = p;
  }

  /** A quoted string, exactly as JSON.stringify quotes it (takes its own room). */
  str(s: string): void {
    const n = s.length;
    this.room(n + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = Q;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === Q || c === BACKSLASH) {
        this.escaped(s);
        return;
      }
      buf[p++] = c;
    }
    buf[p++] = Q;
    this.pos = p;
  }

  /** A quoted string kept encoded for the next time (for the few strings every hop repeats). */
  name(s: string): void {
    let b = this.quoted.get(s);
    if (b === undefined) {
      b = this.enc.encode(JSON.stringify(s));
      // Names come from a capture's interfaces and owners: few. The cap guards against hostile input.
      if (this.quoted.size < 4096) this.quoted.set(s, b);
    }
    this.bytes(b);
  }

  /** A string that needs JSON's escapes or UTF-8 (rare): JSON.stringify, encoded. */
  private escaped(s: string): void {
    this.ascii(JSON.stringify(s));
  }

  /** Text written through the encoder (any string; takes its own room). */
  private ascii(text: string): void {
    this.room(text.length * 3);
    this.pos += this.enc.encodeInto(text, this.buf.subarray(this.pos)).written;
  }
}
