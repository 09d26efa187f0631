// Text forms of addresses, as tcpdump prints them (used by summaries, the detail view and exports).

export function ipv4ToString(n: number): string {
  if (n < 0) return '';
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** A byte as two hex digits (`0a`). */
export function hex2(x: number): string {
  return (x < 16 ? '0' : '') + x.toString(16);
}

/** `len` bytes from b[at] as hex digits, no separator (`0a1b2c`): tshark's bytes fields. */
export function hexRun(b: Uint8Array, at: number, len: number): string {
  let s = '';
  for (let i = at; i < at + len; i++) s += hex2(b[i]);
  return s;
}

export function macToString(n: number): string {
  if (n < 0) return '';
  const hi = Math.floor(n / 4294967296);
  const lo = n >>> 0;
  return [hi >>> 8, hi & 255, lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255].map(hex2).join(':');
}

export function macBytesToString(b: Uint8Array, at: number, len: number): string {
  const parts: string[] = [];
  for (let i = 0; i < len && at + i < b.length; i++) parts.push(hex2(b[at + i]));
  return parts.join(':');
}

/** RFC 5952 text form of the 16-byte IPv6 address at `at` (longest zero run compressed, lower case). */
export function ipv6ToString(b: Uint8Array, at: number): string {
  if (at < 0 || at + 16 > b.length) return '';
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[at + 2 * i] << 8) | b[at + 2 * i + 1]);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(w);
  const head = hex(w.slice(0, bestAt));
  const tail = w.slice(bestAt + bestLen);
  // IPv4-mapped addresses keep the dotted tail, as tcpdump prints them.
  if (bestAt === 0 && bestLen === 5 && w[5] === 0xffff) {
    return `::ffff:${b[at + 12]}.${b[at + 13]}.${b[at + 14]}.${b[at + 15]}`;
  }
  return `${head}::${hex(tail)}`;
}

/** nd_printn's text of `n` bytes: printable ASCII as is, a byte with its top bit set "M-" and the rest, controls "^X". */
export function printable(b: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let i = at; i < at + n; i++) {
    let c = b[i];
    if (c & 0x80) {
      s += 'M-';
      c &= 0x7f;
    }
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `^${String.fromCharCode(c ^ 0x40)}`;
  }
  return s;
}

const WS_ESCAPES: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r' };

/**
 * An ASCII string of `n` bytes as Wireshark's format_text shows it: controls as C escapes ("\n", "\001"), a byte
 * past ASCII as U+FFFD.
 */
export function wiresharkText(b: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let i = at; i < at + n; i++) {
    const c = b[i];
    if (c >= 0x80) s += '\ufffd';
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += `\\${WS_ESCAPES[c] ?? c.toString(8).padStart(3, '0')}`;
  }
  return s;
}

/**
 * The hex dump tcpdump prints where it cannot decode (print-ascii.c: hex_print, or with `ascii`
 * hex_and_ascii_print), of `len` bytes at `at` (no more than were captured), its lines joined with a space where
 * tcpdump starts each on a new line after a tab: " 0x0000:  0105 0000 … 1140 0x0010:  fd00 …"; with `ascii`, each
 * line's 16 bytes as 8 words padded to 40 characters, two spaces, then the printable ones (others as ".").
 */
export function hexDump(b: Uint8Array, at: number, len: number, ascii: boolean): string {
  const n = Math.max(0, Math.min(len, b.length - at));
  let s = '';
  for (let line = 0; line < n; line += 16) {
    let hex = '';
    let text = '';
    for (let i = line; i < Math.min(n, line + 16); i += 2) {
      hex += ` ${hex2(b[at + i])}${i + 1 < n ? hex2(b[at + i + 1]) : ''}`;
      if (ascii) text += graph(b[at + i]) + (i + 1 < n ? graph(b[at + i + 1]) : '');
    }
    s += ` 0x${line.toString(16).padStart(4, '0')}: ${ascii ? `${hex.padEnd(40)}  ${text}` : hex}`;
  }
  return s;
}

/** tcpdump's ND_ASCII_ISGRAPH: a visible ASCII character, or "." for anything else (a space too). */
function graph(c: number): string {
  return c > 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
}
