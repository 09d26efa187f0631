// ntp.ts — NTP (RFC 5905 §7.3) on UDP 123, as every node's time daemon (chrony, systemd-timesyncd) sends it: what
// tcpdump -n says of a packet, from its first byte, and its fields for the detail view as tshark names them. Never
// on the decodeFields hot path.
//  0 |LI | VN  |Mode |    Stratum    |     Poll      |   Precision   |  … root delay, dispersion, reference id, timestamps
import { hexRun, ipv4ToString, wiresharkText } from './format.ts';
import { u16, u32 } from './result.ts';

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
const MODE_PRIVATE = 7;
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
 * An NTP message in b[at, end) as tshark shows it: its title ("Network Time Protocol (NTP Version 4, client)") and
 * the fields whose bytes were captured, flags, stratum, poll, precision, root delay and dispersion, reference id (a
 * primary source's name, else an IPv4 address), the four timestamps ("NULL" when zero), then a MAC's key id and
 * digest; ntpq's control messages (mode 6) and ntpdc's private ones (mode 7) with their own headers (controlFields,
 * privateFields).
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
  const vn = WS_VERSIONS[version] ?? 'reserved';
  if (mode === MODE_CONTROL) return controlFields(b, at, cap, vn);
  if (mode === MODE_PRIVATE) return privateFields(b, at, cap, vn);
  const fields: NtpField[] = [];
  const add = (name: string, o: number, length: number, value: () => string | number) => {
    if (at + o + length <= cap) fields.push({ name, value: String(value()), offset: at + o, length });
  };
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
    add('Key ID', NTP_HEADER_LEN, KEY_ID_LEN, () => hexRun(b, at + NTP_HEADER_LEN, KEY_ID_LEN));
    const o = NTP_HEADER_LEN + KEY_ID_LEN;
    add('Message Authentication Code', o, mac, () => hexRun(b, at + o, mac));
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

// RFC 9327 (mode 6, ntpq) and ntpd's mode 7 (ntpdc): the names tshark 4.0 gives their fields' values.
const CTRL_OPCODES: Record<number, string> = {
  0: 'reserved',
  1: 'read status',
  2: 'read variables',
  3: 'write variables',
  4: 'read clock variables',
  5: 'write clock variables',
  6: 'set trap address/port',
  7: 'asynchronous message',
  8: 'runtime configuration',
  9: 'save config to file',
  10: 'retrieve MRU (mrulist)',
  11: 'retrieve ordered list',
  12: 'request a client nonce',
  31: 'unset trap address/port',
};
const CLOCK_SOURCES = [
  'unspecified or unknown',
  'Calibrated atomic clock (e.g. HP 5061)',
  'VLF (band 4) or LF (band 5) radio (e.g. OMEGA, WWVB)',
  'HF (band 7) radio (e.g. CHU, MSF, WWV/H)',
  'UHF (band 9) satellite (e.g. GOES, GPS)',
  'local net (e.g. DCN, TSP, DTS)',
  'UDP/NTP',
  'UDP/TIME',
  'eyeball-and-wristwatch',
  'telephone modem (e.g. NIST)',
];
const SYSTEM_EVENTS = [
  'unspecified',
  'frequency correction (drift) file not available',
  'frequency correction started (frequency stepped)',
  'spike detected and ignored, starting stepout timer',
  'frequency training started',
  'clock synchronized',
  'system restart',
  'panic stop (required step greater than panic threshold)',
  'no system peer',
  'leap second insertion/deletion armed',
  'leap second disarmed',
  'leap second inserted or deleted',
  'clock stepped (stepout timer expired)',
  'kernel loop discipline status changed',
  'leapseconds table loaded from file',
  'leapseconds table outdated, updated file needed',
];
const PEER_SELECTIONS = [
  'rejected',
  'passed sanity checks (tests 1 through 8 in Section 3.4.3)',
  'passed correctness checks (intersection algorithm in Section 4.2.1)',
  'passed candidate checks (if limit check implemented)',
  'passed outlier checks (clustering algorithm in Section 4.2.2)',
  'current synchronization source; max distance exceeded (if limit check implemented)',
  'current synchronization source; max distance okay',
  'reserved',
];
const PEER_EVENTS = [
  'unspecified',
  'association mobilized',
  'association demobilized',
  'peer unreachable (peer.reach was nonzero now zero)',
  'peer reachable (peer.reach was zero now nonzero)',
  'association restarted or timed out',
  'no server found (ntpdate mode)',
  'rate exceeded (kiss code RATE)',
  'access denied (kiss code DENY)',
  'leap armed from server LI code',
  'become system peer',
  'reference clock event (see clock status word)',
  'authentication failure',
  'popcorn spike suppressor',
  'entering interleave mode',
  'interleave error (recovered)',
];
const CTRL_ERRORS = [
  'unspecified',
  'authentication failure',
  'invalid message length or format',
  'invalid opcode',
  'unknown association identifier',
  'unknown variable name',
  'invalid variable value',
  'administratively prohibited',
];
const CLOCK_STATUS = [
  'clock operating within nominals',
  'reply timeout',
  'bad reply format',
  'hardware or software fault',
  'propagation failure',
  'bad date format or value',
  'bad time format or value',
];
const PRIV_IMPLEMENTATIONS: Record<number, string> = { 0: 'UNIV', 2: 'XNTPD_OLD (pre-IPv6)', 3: 'XNTPD' };
const PRIV_REQUESTS = (
  'PEER_LIST PEER_LIST_SUM PEER_INFO PEER_STATS SYS_INFO SYS_STATS IO_STATS MEM_STATS LOOP_INFO TIMER_STATS ' +
  'CONFIG UNCONFIG SET_SYS_FLAG CLR_SYS_FLAG MONITOR NOMONITOR GET_RESTRICT RESADDFLAGS RESSUBFLAGS UNRESTRICT ' +
  'MON_GETLIST RESET_STATS RESET_PEER REREAD_KEYS DO_DIRTY_HACK DONT_DIRTY_HACK TRUSTKEY UNTRUSTKEY AUTHINFO TRAPS ' +
  'ADD_TRAP CLR_TRAP REQUEST_KEY CONTROL_KEY GET_CTLSTATS GET_LEAPINFO GET_CLOCKINFO SET_CLKFUDGE GET_KERNEL ' +
  'GET_CLKBUGINFO - SET_PRECISION MON_GETLIST_1 HOSTNAME_ASSOCID IF_STATS IF_RELOAD'
).split(' ');
const PRIV_ERRORS = [
  'No error',
  'incompatible implementation number',
  'unimplemented request code',
  'format error',
  'no data available',
  'unknown',
  'unknown',
  'authentication failure',
];
const XNTPD = 3;
const CTRL_HEADER_LEN = 12;
const CTRL_RESPONSE = 0x80;
const CTRL_ERROR = 0x40;
const CTRL_READ_CLOCK = 4;
const CTRL_WRITE_CLOCK = 5;
const CTRL_STATUS_OPCODES = [1, 2, 3, 7];

/** Bits of `width` (8 or 16) as tshark draws a bit field: the field's bits as 0/1, the others "."; bytes apart. */
function bitPattern(value: number, mask: number, width: number): string {
  let s = '';
  for (let i = width - 1; i >= 0; i--) {
    s += mask & (1 << i) ? String((value >> i) & 1) : '.';
    if (i % 4 === 0 && i > 0) s += i % 8 === 0 ? '  ' : ' ';
  }
  return s;
}

/**
 * A mode 6 message (ntpq's, RFC 9327 §2) as tshark shows it: flags, the second flags byte (response bit and
 * opcode), sequence, status (a response's system, peer, clock or error status word), association id, offset, count,
 * then the data as text.
 */
function controlFields(b: Uint8Array, at: number, cap: number, vn: string) {
  const fields: NtpField[] = [];
  const add = (name: string, o: number, length: number, value: () => string | number) => {
    if (at + o + length <= cap) fields.push({ name, value: String(value()), offset: at + o, length });
  };
  const first = b[at];
  const hex2 = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;
  add('Flags', 0, 1, () => {
    const mode = WS_MODES[MODE_CONTROL];
    return `${hex2(first)}, Leap Indicator: ${WS_LEAP[first >> 6]}, Version number: ${vn}, Mode: ${mode}`;
  });
  const flags2 = b[at + 1];
  const opcode = flags2 & 0x1f;
  add('Flags 2', 1, 1, () => {
    const r = flags2 & CTRL_RESPONSE ? 'Response' : 'Request';
    return `${hex2(flags2)}, Response bit: ${r}, Opcode: ${CTRL_OPCODES[opcode] ?? 'Unknown'}`;
  });
  add('Sequence', 2, 2, () => u16(b, at + 2));
  const assoc = at + 8 <= cap ? u16(b, at + 6) : 0;
  add('Status', 4, 2, () => {
    const status = u16(b, at + 4);
    const word = `0x${status.toString(16).padStart(4, '0')}`;
    if (!(flags2 & CTRL_RESPONSE)) return word;
    if (flags2 & CTRL_ERROR) return `${word}, Error Status Word: ${CTRL_ERRORS[status >> 8] ?? 'Unknown'}`;
    if (opcode === CTRL_READ_CLOCK || opcode === CTRL_WRITE_CLOCK)
      return `${word}, Clock Status: ${CLOCK_STATUS[status >> 8] ?? 'Unknown'}`;
    // Read status, read and write variables, an asynchronous message: the system's word, or an association's.
    if (!CTRL_STATUS_OPCODES.includes(opcode)) return word;
    if (assoc) {
      const set = [0x8000, 0x4000, 0x2000, 0x1000].filter((m) => status & m).map(() => ', Peer Status');
      const selection = PEER_SELECTIONS[(status >> 8) & 7];
      const event = PEER_EVENTS[status & 0xf];
      return `${word}${set.join('')}, Peer Selection: ${selection}, Peer Event Code: ${event}`;
    }
    const li = WS_LEAP[status >> 14];
    const source = CLOCK_SOURCES[(status >> 8) & 0x3f] ?? 'Unknown';
    return `${word}, Leap Indicator: ${li}, Clock Source: ${source}, System Event Code: ${SYSTEM_EVENTS[status & 0xf]}`;
  });
  add('AssociationID', 6, 2, () => assoc);
  add('Offset', 8, 2, () => u16(b, at + 8));
  add('Count', 10, 2, () => u16(b, at + 10));
  const count = at + CTRL_HEADER_LEN <= cap ? u16(b, at + 10) : 0;
  const data = Math.min(count, cap - at - CTRL_HEADER_LEN);
  if (data > 0) add('Data', CTRL_HEADER_LEN, data, () => wiresharkText(b, at + CTRL_HEADER_LEN, data));
  return { title: `Network Time Protocol (${vn}, control)`, fields, length: cap - at };
}

/**
 * A mode 7 message (ntpdc's, ntpd's ntp_request.h) as tshark shows it: flags (response and more bits), the
 * authentication bit and sequence, implementation, request code, and for ntpd's own implementation the error,
 * item count and item size (each drawn with its bits, as tshark names them); the items are left in its span.
 */
function privateFields(b: Uint8Array, at: number, cap: number, vn: string) {
  const fields: NtpField[] = [];
  const add = (name: string, o: number, length: number, value: () => string | number) => {
    if (at + o + length <= cap) fields.push({ name, value: String(value()), offset: at + o, length });
  };
  const first = b[at];
  add('Flags', 0, 1, () => {
    const r = first & 0x80 ? 'Response' : 'Request';
    const hex = `0x${first.toString(16).padStart(2, '0')}`;
    return `${hex}, Response bit: ${r}, Version number: ${vn}, Mode: ${WS_MODES[MODE_PRIVATE]}`;
  });
  add('Auth, sequence', 1, 1, () => b[at + 1]);
  const impl = b[at + 2];
  add('Implementation', 2, 1, () => `${PRIV_IMPLEMENTATIONS[impl] ?? 'Unknown'} (${impl})`);
  add('Request code', 3, 1, () => {
    const code = b[at + 3];
    const name = PRIV_REQUESTS[code];
    return `${name && name !== '-' ? name : 'Unknown'} (${code})`;
  });
  if (impl === XNTPD) {
    const word = (o: number) => u16(b, at + o);
    add(`${bitPattern(b[at + 4] >> 4, 0xf, 4)} .... = Err`, 4, 1, () => {
      const err = b[at + 4] >> 4;
      return `${PRIV_ERRORS[err] ?? 'Unknown'} (0x${err.toString(16).padStart(2, '0')})`;
    });
    add(`${bitPattern(word(4), 0x0fff, 16)} = Number of data items`, 4, 2, () => word(4) & 0x0fff);
    add(`${bitPattern(b[at + 6] >> 4, 0xf, 4)} .... = Reserved`, 6, 1, () => {
      return `0x${(b[at + 6] >> 4).toString(16).padStart(2, '0')}`;
    });
    add(`${bitPattern(word(6), 0x0fff, 16)} = Size of data item`, 6, 2, () => word(6) & 0x0fff);
  }
  return { title: `Network Time Protocol (${vn}, private)`, fields, length: cap - at };
}
