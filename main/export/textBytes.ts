// Text written as bytes straight into a Sink's buffer: digits, dotted quads, MACs and plain ASCII strings
// without a JavaScript string per value, and without encoding one afterwards. The journeys JSON writes ~440
// bytes per packet and the CSV ~260, so building strings and encoding them was most of `correlate --json` and
// `export --csv` (docs/performance.md). JSON strings that need escaping or are not ASCII go through
// JSON.stringify and the encoder, so the text is always exactly what JSON.stringify would write.

import type { ObservationTable } from '../correlate/observations.ts';
import type { Sink } from './sink.ts';

const encoder = new TextEncoder();
const Q = 0x22; // "
const BACKSLASH = 0x5c;
/** Room every fixed-size run of writes may take (numbers are at most 24 characters). */
export const RUN_ROOM = 512;

/** A constant piece of text, encoded once. */
export function lit(s: string): Uint8Array {
  return encoder.encode(s);
}

const HEX = lit('0123456789abcdef');

/**
 * `s` as UTF-8 into `buf` at `at` (room for 3 bytes per UTF-16 unit): a byte loop while it is ASCII, the
 * encoder from the first other character on. Returns the position after it.
 */
export function utf8Into(s: string, buf: Uint8Array, at: number): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return at + encoder.encodeInto(s.slice(i), buf.subarray(at)).written;
    buf[at++] = c;
  }
  return at;
}

/** How many decimal digits 0 <= n < 2^31 has. */
export function decimalDigits(n: number): number {
  let digits = 1;
  for (let x = n; x >= 10; x = (x / 10) | 0) digits++;
  return digits;
}

/**
 * The tens and ones digit of 0…99, as ASCII: numbers below 1000 (latencies, octets) are written a pair a lookup.
 * (digitsInto itself stays a division per digit: a pair a division measured slower inside the pcapng fill.)
 */
export const TENS = Uint8Array.from({ length: 100 }, (_, i) => 0x30 + ((i / 10) | 0));
export const ONES = Uint8Array.from({ length: 100 }, (_, i) => 0x30 + (i % 10));

/**
 * 0 <= n < 2^31 as exactly `width` decimal digits (leading zeros) into buf at `at`, in small-integer arithmetic (a
 * double's % is a call into C); returns the position after them.
 */
export function digitsInto(n: number, width: number, buf: Uint8Array, at: number): number {
  let p = at + width;
  for (let i = 0; i < width; i++) {
    const q = (n / 10) | 0;
    buf[--p] = 0x30 + n - q * 10;
    n = q;
  }
  return at + width;
}

/**
 * 0 <= n < 2^31 in decimal into buf at `at` (a digit by one store: hop numbers mostly have one); returns the position
 * after it. Kept this small beside upTo999Into on purpose: with upTo999Into's table branches in it (one function for
 * both), the pcapng fill, which calls it five times a row, took 2.24 → 2.38 ms a 16,384-row batch (10 alternating
 * runs), even with the branch for large numbers tested first.
 */
export function intInto(n: number, buf: Uint8Array, at: number): number {
  if (n < 10) {
    buf[at] = 0x30 + n;
    return at + 1;
  }
  return digitsInto(n, decimalDigits(n), buf, at);
}

/**
 * 0 <= n < 2^31 in decimal into buf at `at`; the position after it. Below 1000 (a latency's whole part, an address's
 * octet) without a loop: digitsInto after decimalDigits, a division per digit, was ~20 ns of each durationInto.
 */
export function upTo999Into(n: number, buf: Uint8Array, at: number): number {
  if (n < 10) {
    buf[at] = 48 + n;
    return at + 1;
  }
  if (n < 100) {
    buf[at] = TENS[n];
    buf[at + 1] = ONES[n];
    return at + 2;
  }
  if (n < 1000) {
    const h = (n / 100) | 0;
    const rest = n - h * 100;
    buf[at] = 48 + h;
    buf[at + 1] = TENS[rest];
    buf[at + 2] = ONES[rest];
    return at + 3;
  }
  return digitsInto(n, decimalDigits(n), buf, at);
}

/** The dotted quad of an IPv4 address into buf at `at` (room for 15 bytes); the position after it. */
export function dottedInto(ip: number, buf: Uint8Array, at: number): number {
  let p = upTo999Into(ip >>> 24, buf, at);
  for (let shift = 16; shift >= 0; shift -= 8) {
    buf[p++] = 0x2e;
    p = upTo999Into((ip >>> shift) & 255, buf, p);
  }
  return p;
}

export class TextBytes {
  private buf: Uint8Array;
  private pos: number;
  private start: number;
  /** Strings seen again and again (node, interface, owner names), quoted and encoded once. */
  private readonly quoted = new Map<string, Uint8Array>();
  /** The last epoch second written, and its digits. */
  private sec = -1;
  private secText: Uint8Array = new Uint8Array(0);

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

  /** `n` spaces, none for n <= 0 (takes its own room). */
  spaces(n: number): void {
    if (n <= 0) return;
    this.room(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = 0x20;
    this.pos = p;
  }

  /**
   * The first `n` bytes of `b`, UTF-8 text of characters one UTF-16 unit each (no astral plane), after as many spaces
   * as String.padStart(width) puts before it (takes its own room).
   */
  rightAligned(b: Uint8Array, n: number, width: number): void {
    let units = 0;
    for (let i = 0; i < n; i++) if ((b[i] & 0xc0) !== 0x80) units++;
    this.spaces(width - units);
    this.prefix(b, n);
  }

  /** The first `n` bytes of `b` (takes its own room): a reused scratch buffer's text. */
  prefix(b: Uint8Array, n: number): void {
    this.room(n);
    if (n > 64) {
      this.buf.set(n === b.length ? b : b.subarray(0, n), this.pos);
      this.pos += n;
    } else {
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) buf[p++] = b[i];
      this.pos = p;
    }
  }

  /** A constant of any length (takes its own room). */
  bytes(b: Uint8Array): void {
    this.prefix(b, b.length);
  }

  /** A number as JSON.stringify writes it (within the current room()). */
  num(n: number): void {
    if ((n | 0) === n && n >= 0) this.int(n);
    else if ((n | 0) === n && n >= -0x7fffffff) {
      this.buf[this.pos++] = 0x2d;
      this.int(-n | 0);
    } else if (Number.isSafeInteger(n)) this.text(String(n));
    else this.text(JSON.stringify(n));
  }

  /** 0 <= n < 2^31, in small-integer arithmetic (a double's % is a call into C; within the current room()). */
  int(n: number): void {
    this.pos = digitsInto(n, decimalDigits(n), this.buf, this.pos);
  }

  /** 0 <= n < 2^31 as exactly `width` digits, with leading zeros (within the current room()). */
  padded(n: number, width: number): void {
    this.pos = digitsInto(n | 0, width, this.buf, this.pos);
  }

  /** An IPv4 address in dotted-quad form (within the current room()). */
  dotted(ip: number): void {
    this.pos = dottedInto(ip, this.buf, this.pos);
  }

  /**
   * Epoch ns as decimal digits from (base second, ns since it) as the exact decimal of
   * BigInt(baseSec) * 10^9 + BigInt(t), without BigInt for times after 1970. Takes its own room and leaves
   * at least half a RUN_ROOM of it for the writes that follow.
   */
  epoch(baseSec: number, t: number): void {
    const s = Math.floor(t / 1e9);
    const ns = t - s * 1e9;
    const sec = baseSec + s;
    if (sec > 0 && sec <= 0x7fffffff && Number.isInteger(ns)) {
      // Consecutive times mostly share their second: its digits are kept.
      if (sec !== this.sec) {
        this.sec = sec;
        this.secText = lit(String(sec));
      }
      this.room(RUN_ROOM);
      this.raw(this.secText);
      this.padded(ns, 9);
    } else {
      const text =
        sec > 0 ? `${sec}${String(ns).padStart(9, '0')}` : String(BigInt(sec) * 1_000_000_000n + BigInt(ns));
      this.room(text.length * 3 + RUN_ROOM);
      this.text(text);
    }
  }

  /** A quoted IPv4 address in dotted-quad form (within the current room()). */
  ipv4(ip: number): void {
    this.buf[this.pos++] = Q;
    this.dotted(ip);
    this.buf[this.pos++] = Q;
  }

  /** A MAC as aa:bb:cc:dd:ee:ff, nothing for a negative (absent) one (within the current room()). */
  macText(mac: number): void {
    if (mac < 0) return;
    const buf = this.buf;
    let p = this.pos;
    const hi = Math.floor(mac / 4294967296);
    const lo = mac >>> 0;
    for (let i = 0; i < 6; i++) {
      const octet = i === 0 ? (hi >>> 8) & 255 : i === 1 ? hi & 255 : (lo >>> (8 * (5 - i))) & 255;
      if (i) buf[p++] = 0x3a;
      buf[p++] = HEX[octet >>> 4];
      buf[p++] = HEX[octet & 15];
    }
    this.pos = p;
  }

  /** A quoted MAC as aa:bb:cc:dd:ee:ff; "" for a negative (absent) one (within the current room()). */
  mac(mac: number): void {
    this.buf[this.pos++] = Q;
    this.macText(mac);
    this.buf[this.pos++] = Q;
  }

  /** Any string as UTF-8 (takes its own room). */
  text(s: string): void {
    this.room(s.length * 3);
    this.pos = utf8Into(s, this.buf, this.pos);
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
      b = lit(JSON.stringify(s));
      // Names come from a capture's interfaces and owners: few. The cap guards against hostile input.
      if (this.quoted.size < 4096) this.quoted.set(s, b);
    }
    this.bytes(b);
  }

  /** A string that needs JSON's escapes or UTF-8 (rare): JSON.stringify, encoded. */
  private escaped(s: string): void {
    this.text(JSON.stringify(s));
  }
}

/** A capture has few MAC pairs and tunnels; the cap only bounds memory on hostile input. */
const INTERNED_TEXT_CACHE = 65536;

/**
 * Text that depends only on a row's interned outer MAC pair or encapsulation (both interned by the observation
 * table) and its capture (whose node names the MACs' owners): made once per distinct pair, encoded, and reused
 * for every hop that repeats it.
 */
export class InternedText {
  private readonly cache = new Map<number, Uint8Array>();

  constructor(
    private readonly rows: ObservationTable,
    private readonly of: 'eth' | 'encap',
    private readonly make: (row: number) => string,
  ) {}

  /** The text of row r's MAC pair / encapsulation; null when it has none (no Ethernet, not encapsulated). */
  get(r: number): Uint8Array | null {
    const rows = this.rows;
    let id: number;
    if (this.of === 'eth')
      id = rows.ethPairId(r); // 0 without a link-layer address
    else id = rows.encapCount[r] ? rows.encapIdOf(r) : 0;
    if (id === 0) return null;
    const key = id * 65536 + rows.capture[r];
    let b = this.cache.get(key);
    if (b === undefined) {
      b = lit(this.make(r));
      if (this.cache.size < INTERNED_TEXT_CACHE) this.cache.set(key, b);
    }
    return b;
  }
}
