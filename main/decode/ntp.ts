// ntp.ts — NTP (RFC 5905 §7.3) on UDP 123, as every node's time daemon (chrony, systemd-timesyncd) sends it: what
// tcpdump -n says of a packet, from its first byte, and its fields for the detail view as tshark names them. Never
// on the decodeFields hot path.
//  0 |LI | VN  |Mode |    Stratum    |     Poll      |   Precision   |  … root delay, dispersion, reference id, timestamps
import { ipv4ToString } from './format.ts';
import { u32 } from './result.ts';

export const NTP_PORT = 123;
const LI_VN_MODE = 0;
/**
 * The ports tcpdump 4.99's udp_print tries before NTP's: DNS, mDNS, timed, TFTP, BOOTP, RIP, AODV, ISAKMP (500, 4500
 * and its two user ports), SNMP and its traps (read from tcpdump itself: every port against 123).
 */
const UDP_PORTS_BEFORE_NTP = [53, 5353, 525, 69, 67, 68, 520, 654, 500, 4500, 7500, 8500, 161, 162];
const MODES = [
  'unspecified',
  'symmetric active',
  'symmetric passive',
  'Client',
  'Server',
  'Broadcast',
  'Control Message',
  'Reserved',
];

/** Is this datagram NTP to tshark (the detail view's test): port 123, neither TFTP's nor Kerberos' lower port. */
export function isNtpToTshark(srcPort: number, dstPort: number): boolean {
  const port = (p: number) => srcPort === p || dstPort === p;
  return port(NTP_PORT) && !port(69) && !port(88);
}

/** Is this datagram NTP to tcpdump (either port 123, neither one it tries first). */
export function isNtp(srcPort: number, dstPort: number): boolean {
  const port = (p: number) => srcPort === p || dstPort === p;
  return port(NTP_PORT) && !UDP_PORTS_BEFORE_NTP.some(port);
}

/** "NTPv4, Client, length 48" (print-ntp.c without -v) for `len` bytes at `at`; " [|ntp]" when none was captured. */
export function ntpSummary(b: Uint8Array, at: number, len: number): string {
  if (at >= Math.min(b.length, at + len)) return ' [|ntp]';
  const first = b[at + LI_VN_MODE];
  return `NTPv${(first >> 3) & 7}, ${MODES[first & 7]}, length ${len}`;
}

// The detail view's fields (RFC 5905 §7.3), from the message's start, as tshark names them.
const STRATUM = 1;
const POLL = 2;
const PRECISION = 3;
const ROOT_DELAY = 4;
const ROOT_DISPERSION = 8;
const REFERENCE_ID = 12;
const TIMESTAMPS = 16;
export const NTP_HEADER_LEN = 48;
/** A MAC after the header (RFC 5905 §7.3): a key id and an MD5 (16 bytes) or SHA-1 (20 bytes) digest. */
const KEY_ID_LEN = 4;
const MAC_LENS = [16, 20];
const MODE_CONTROL = 6;
const MIN_POLL = 4;
const MAX_POLL = 17;
/** NTP's era 0 starts in 1900: seconds before the Unix epoch. */
const NTP_UNIX_OFFSET = 2208988800;
const ERA = 2 ** 32;
const WS_LEAP = [
  'no warning',
  'last minute of the day has 61 seconds',
  'last minute of the day has 59 seconds',
  'unknown (clock unsynchronized)',
];
const WS_VERSIONS = ['reserved', 'NTP Version 1', 'NTP Version 2', 'NTP Version 3', 'NTP Version 4'];
const WS_MODES = [
  'reserved',
  'symmetric active',
  'symmetric passive',
  'client',
  'server',
  'broadcast',
  'reserved for NTP control message',
  'reserved for private use',
];
/** Wireshark's reference ids of primary (stratum 0 and 1) sources (RFC 5905 §7.3, and common unofficial ones). */
const PRIMARY_SOURCES: Record<string, string> = {
  GOES: 'Geostationary Orbit Environment Satellite',
  'GPS\0': 'Global Position System',
  'GAL\0': 'Galileo Positioning System',
  'PPS\0': 'Generic pulse-per-second',
  IRIG: 'Inter-Range Instrumentation Group',
  WWVB: 'LF Radio WWVB Ft. Collins, CO 60 kHz',
  'DCF\0': 'LF Radio DCF77 Mainflingen, DE 77.5 kHz',
  'HBG\0': 'LF Radio HBG Prangins, HB 75 kHz',
  'MSF\0': 'LF Radio MSF Anthorn, UK 60 kHz',
  'JJY\0': 'LF Radio JJY Fukushima, JP 40 kHz, Saga, JP 60 kHz',
  LORC: 'MF Radio LORAN C station, 100 kHz',
  'TDF\0': 'MF Radio Allouis, FR 162 kHz',
  'CHU\0': 'HF Radio CHU Ottawa, Ontario',
  'WWV\0': 'HF Radio WWV Ft. Collins, CO',
  WWVH: 'HF Radio WWVH Kauai, HI',
  NIST: 'NIST telephone modem',
  ACTS: 'NIST telephone modem',
  USNO: 'USNO telephone modem',
  'PTB\0': 'European telephone modem',
  LOCL: 'uncalibrated local clock',
  '\0\0\0\0': 'NULL',
};
const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');

export interface NtpField {
  name: string;
  value: string;
  offset: number;
  length: number;
}

/**
 * An NTP message (modes 0-5: the time exchange; a control or private message, ntpq's and ntpdc's, is null) in
 * b[at, end) as tshark shows it: its title ("Network Time Protocol (NTP Version 4, client)") and the fields whose
 * bytes were captured, flags, stratum, poll, precision, root delay and dispersion, reference id (a primary
 * source's name, else an IPv4 address), the four timestamps ("NULL" when zero), then a MAC's key id and digest.
 */
export function ntpFields(
  b: Uint8Array,
  at: number,
  end: number,
): { title: string; fields: NtpField[]; length: number } | null {
  const cap = Math.min(end, b.length);
  if (at >= cap) return null;
  const first = b[at + LI_VN_MODE];
  const li = first >> 6;
  const version = (first >> 3) & 7;
  const mode = first & 7;
  if (mode >= MODE_CONTROL) return null;
  const fields: NtpField[] = [];
  const add = (name: string, o: number, length: number, value: () => string | number) => {
    if (at + o + length <= cap) fields.push({ name, value: String(value()), offset: at + o, length });
  };
  const vn = WS_VERSIONS[version] ?? 'reserved';
  add('Flags', LI_VN_MODE, 1, () => {
    const hex = `0x${first.toString(16).padStart(2, '0')}`;
    return `${hex}, Leap Indicator: ${WS_LEAP[li]}, Version number: ${vn}, Mode: ${WS_MODES[mode]}`;
  });
  const stratum = b[at + STRATUM];
  add('Peer Clock Stratum', STRATUM, 1, () => `${stratumName(stratum)} (${stratum})`);
  add('Peer Polling Interval', POLL, 1, () => {
    const poll = b[at + POLL];
    return poll >= MIN_POLL && poll <= MAX_POLL ? `${poll} (${2 ** poll} seconds)` : `invalid (${poll})`;
  });
  add('Peer Clock Precision', PRECISION, 1, () => {
    const p = (b[at + PRECISION] << 24) >> 24;
    return `${p >= 0 ? fixed6(1n << BigInt(p), 0) : fixed6(1n, -p)} seconds`;
  });
  add('Root Delay', ROOT_DELAY, 4, () => `${fixed6(BigInt(u32(b, at + ROOT_DELAY)), 16)} seconds`);
  add(
    'Root Dispersion',
    ROOT_DISPERSION,
    4,
    () => `${fixed6(BigInt(u32(b, at + ROOT_DISPERSION)), 16)} seconds`,
  );
  add('Reference ID', REFERENCE_ID, 4, () => referenceId(b, at + REFERENCE_ID, stratum));
  const names = ['Reference Timestamp', 'Origin Timestamp', 'Receive Timestamp', 'Transmit Timestamp'];
  names.forEach((name, i) => add(name, TIMESTAMPS + 8 * i, 8, () => ntpTime(b, at + TIMESTAMPS + 8 * i)));
  // Cut by the snaplen, the layer spans what was captured of the header (as tshark's does).
  let length = Math.min(cap - at, NTP_HEADER_LEN);
  const mac = end - at - NTP_HEADER_LEN - KEY_ID_LEN;
  if (MAC_LENS.includes(mac)) {
    add('Key ID', NTP_HEADER_LEN, KEY_ID_LEN, () => hexOf(b, at + NTP_HEADER_LEN, KEY_ID_LEN));
    const o = NTP_HEADER_LEN + KEY_ID_LEN;
    add('Message Authentication Code', o, mac, () => hexOf(b, at + o, mac));
    length = Math.min(cap - at, o + mac);
  }
  return { title: `Network Time Protocol (${vn}, ${WS_MODES[mode]})`, fields, length };
}

function stratumName(s: number): string {
  if (s === 0) return 'unspecified or invalid';
  if (s === 1) return 'primary reference';
  if (s <= 15) return 'secondary reference';
  return s === 16 ? 'unsynchronized' : 'reserved';
}

/** A primary source's name (stratum 0 and 1) or "Unidentified reference source 'RATE'"; else an IPv4 address. */
function referenceId(b: Uint8Array, at: number, stratum: number): string {
  if (stratum > 1) return ipv4ToString(u32(b, at));
  const key = String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
  const known = PRIMARY_SOURCES[key];
  if (known) return known;
  let n = 0;
  while (n < 4 && b[at + n] !== 0) n++;
  // Escaped as tshark escapes it here: a control byte as "\x1" (hex, unpadded), a byte past ASCII as U+FFFD, a
  // tab as it is; unlike tshark, a line feed or carriage return too, so that no packet breaks the detail's lines.
  let text = '';
  for (let i = at; i < at + n; i++) {
    const c = b[i];
    if (c >= 0x80) text += '\ufffd';
    else if ((c >= 0x20 && c < 0x7f) || c === 9) text += String.fromCharCode(c);
    else text += `\\x${c.toString(16)}`;
  }
  return `Unidentified reference source '${text}'`;
}

/**
 * An NTP timestamp as tshark shows it, "Nov 27, 2026 23:55:43.888705606 UTC" (RFC 4330 §3: seconds with the top
 * bit clear are in the era from 2036), "NULL" when zero.
 */
function ntpTime(b: Uint8Array, at: number): string {
  const sec = u32(b, at);
  const ns = Math.floor((u32(b, at + 4) * 1e9) / ERA);
  if (sec === 0 && ns === 0) return 'NULL';
  const d = new Date((sec + (sec < 0x80000000 ? ERA : 0) - NTP_UNIX_OFFSET) * 1000);
  const two = (v: number) => String(v).padStart(2, '0');
  const date = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)}, ${d.getUTCFullYear()}`;
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${date} ${time}.${String(ns).padStart(9, '0')} UTC`;
}

/** num / 2^shift with six decimals, rounded half to even on the exact value, as C's "%f" prints a double. */
function fixed6(num: bigint, shift: number): string {
  const scaled = num * 1_000_000n;
  let q = scaled >> BigInt(shift);
  if (shift > 0) {
    const r = scaled - (q << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    if (r > half || (r === half && q % 2n === 1n)) q++;
  }
  const s = q.toString().padStart(7, '0');
  return `${s.slice(0, -6)}.${s.slice(-6)}`;
}

function hexOf(b: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let i = at; i < at + n; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}
