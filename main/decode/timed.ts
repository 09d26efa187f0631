// BSD timed's TSP messages (UDP 525) as tcpdump 4.99 prints them (print-timed.c), for the one-line summaries:
// "TSP_ADJTIME vers 1 seq 7 time 5.000012 name host". The detail view does not decode them.
//
//   | type (1) | version (1) | sequence (2) | time: seconds (4), microseconds (4); or LOOP's hop count (1) |
//   | name (256, NUL-terminated) |
export const TIMED_PORT = 525;

const TYPE = 0;
const VERSION = 1;
const SEQ = 2;
const TIME = 4;
const HOPCNT = 4;
const NAME = 12;
const NAME_LEN = 256;

const TSP_ADJTIME = 1;
const TSP_SETTIME = 5;
const TSP_SETDATE = 22;
const TSP_SETDATEREQ = 23;
const TSP_LOOP = 24;
const TSP_TYPES = [
  'ANY',
  'ADJTIME',
  'ACK',
  'MASTERREQ',
  'MASTERACK',
  'SETTIME',
  'MASTERUP',
  'SLAVEUP',
  'ELECTION',
  'ACCEPT',
  'REFUSE',
  'CONFLICT',
  'RESOLVE',
  'QUIT',
  'DATE',
  'DATEREQ',
  'DATEACK',
  'TRACEON',
  'TRACEOFF',
  'MSITE',
  'MSITEREQ',
  'TEST',
  'SETDATE',
  'SETDATEREQ',
  'LOOP',
];
const TIMED_TRUNC = ' [|timed]';

function i32(b: Uint8Array, at: number): number {
  return (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3] | 0;
}

/** A byte as util-print.c's fn_print_char shows it: "M-" for the high bit, "^" and the letter for a control. */
export function tcpdumpChar(c: number): string {
  let s = '';
  if (c > 0x7f) {
    c &= 0x7f;
    s += 'M-';
  }
  if (c < 0x20 || c === 0x7f) {
    c ^= 0x40;
    s += '^';
  }
  return s + String.fromCharCode(c);
}

/**
 * What tcpdump -n prints of a TSP message at `at` whose bytes end (the capture's or the IP packet's end) at `cap`:
 * its type, version and sequence, the time or hop count some types carry, the sender's name; where a field it reads
 * was not captured, what it printed before, then " [|timed]".
 */
export function timedSummary(b: Uint8Array, at: number, cap: number): string {
  const has = (n: number) => at + n <= cap;
  if (!has(TYPE + 1)) return TIMED_TRUNC;
  const type = b[at + TYPE];
  let s = type < TSP_TYPES.length ? `TSP_${TSP_TYPES[type]}` : `(tsp_type 0x${type.toString(16)})`;
  if (!has(VERSION + 1)) return s + TIMED_TRUNC;
  s += ` vers ${b[at + VERSION]}`;
  if (!has(SEQ + 2)) return s + TIMED_TRUNC;
  s += ` seq ${(b[at + SEQ] << 8) | b[at + SEQ + 1]}`;
  if (type === TSP_LOOP) {
    if (!has(HOPCNT + 1)) return s + TIMED_TRUNC;
    s += ` hopcnt ${b[at + HOPCNT]}`;
  } else if (
    type === TSP_SETTIME ||
    type === TSP_ADJTIME ||
    type === TSP_SETDATE ||
    type === TSP_SETDATEREQ
  ) {
    if (!has(TIME + 8)) return s + TIMED_TRUNC;
    let sec = i32(b, at + TIME);
    let usec = i32(b, at + TIME + 4);
    // A negative microsecond count: tcpdump skips the rest.
    if (usec < 0) return s;
    s += ' time ';
    if (sec < 0 && usec !== 0) {
      sec++;
      if (sec === 0) s += '-';
      usec = 1000000 - usec;
    }
    s += `${sec}.${String(usec).padStart(6, '0')}`;
  }
  s += ' name ';
  for (let i = 0; i < NAME_LEN; i++) {
    if (!has(NAME + i + 1)) return s + TIMED_TRUNC;
    const c = b[at + NAME + i];
    if (c === 0) break;
    s += tcpdumpChar(c);
  }
  return s;
}
