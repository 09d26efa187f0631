// tftp.ts — TFTP (RFC 1350 §5, options RFC 2347) on UDP 69, as a node booting over PXE or fetching a
// configuration speaks it: what tcpdump -n says of a message, and its fields for the detail view as tshark names
// them. Never on the decodeFields hot path.
//  0 | Opcode (2) | RRQ, WRQ: Filename … 0 | Mode … 0 | [option … 0 | value … 0]…   OACK: [option 0 value 0]…
//    |            | DATA: Block # (2) | data …    ACK: Block # (2)    ERROR: ErrorCode (2) | ErrMsg … 0
import { printable, wiresharkText } from './format.ts';
import { u16 } from './result.ts';

export const TFTP_PORT = 69;
const OPCODE = 0;
const BLOCK = 2;
const TFTP_RRQ = 1;
const TFTP_WRQ = 2;
const TFTP_DATA = 3;
const TFTP_ACK = 4;
const TFTP_ERROR = 5;
const TFTP_OACK = 6;
const OPCODE_LEN = 2;
/** The bytes of a byte field tshark shows before "…". */
const HEX_MAX = 36;
const BLOCK_LEN = 2;
/** tcpdump's names (print-tftp.c's op2str and err2str). */
const OPCODES = ['', 'RRQ', 'WRQ', 'DATA', 'ACK', 'ERROR', 'OACK'];
const ERRORS = ['EUNDEF', 'ENOTFOUND', 'EACCESS', 'ENOSPACE', 'EBADOP', 'EBADID', 'EEXISTS', 'ENOUSER'];
/** Wireshark's names ("Opcode: Read Request (1)", "Error code: File not found (1)"). */
const WS_OPCODES = [
  '',
  'Read Request',
  'Write Request',
  'Data Packet',
  'Acknowledgement',
  'Error Code',
  'Option Acknowledgement',
];
const WS_ERRORS = [
  'Not defined',
  'File not found',
  'Access violation',
  'Disk full or allocation exceeded',
  'Illegal TFTP Operation',
  'Unknown transfer ID',
  'File already exists',
  'No such user',
  'Option negotiation failed',
];

/** mDNS's and timed's ports: tcpdump 4.99's udp_print tries them before TFTP's (after DNS's, and before BOOTP's). */
const UDP_PORTS_BEFORE_TFTP = [5353, 525];

/** Is this datagram TFTP to tcpdump (either port 69, neither one it tries first; DNS's is the caller's). */
export function isTftp(srcPort: number, dstPort: number): boolean {
  const port = (p: number) => srcPort === p || dstPort === p;
  return port(TFTP_PORT) && !UDP_PORTS_BEFORE_TFTP.some(port);
}

/**
 * What tcpdump -n prints of a TFTP message of `len` bytes at `at`, captured up to `cap` (print-tftp.c):
 * 'TFTP, length 39, RRQ "pxelinux.0" octet blksize 400 tsize 0', "TFTP, length 4, ACK block 1",
 * 'TFTP, length 19, ERROR ENOTFOUND "File not found"', "TFTP, length 24, OACK blksize 400 tsize 600", "tftp-#7"
 * for an opcode it does not know. A string runs to its NUL; one that the message or the capture ends in first
 * ends the line with " [|tftp]", after what was printed of it (and its closing quote).
 */
export function tftpSummary(b: Uint8Array, at: number, len: number, cap: number): string {
  let s = `TFTP, length ${len}`;
  const cut = () => `${s} [|tftp]`;
  if (len < OPCODE_LEN || at + OPCODE_LEN > cap) return cut();
  const op = u16(b, at + OPCODE);
  const name = OPCODES[op];
  if (!name) return `${s}, tftp-#${op}`;
  s += `, ${name}`;
  let p = at + OPCODE_LEN;
  let left = len - OPCODE_LEN;
  /** nd_printztn: the string at p up to its NUL (counted in the bytes used), 0 when it ends before one. */
  const string = (): number => {
    let n = 0;
    while (n < left && p + n < cap && b[p + n] !== 0) n++;
    s += printable(b, p, n);
    if (n === left || p + n >= cap) return 0;
    return n + 1;
  };
  const advance = (used: number) => {
    p += used;
    left -= used;
  };
  /** Options, each string after a space unless it is empty (print-tftp.c's loop). */
  const options = (): string => {
    while (left !== 0) {
      if (p >= cap) return cut();
      if (b[p] !== 0) s += ' ';
      const used = string();
      if (!used) return cut();
      advance(used);
    }
    return s;
  };
  switch (op) {
    case TFTP_RRQ:
    case TFTP_WRQ: {
      if (left === 0) return cut();
      s += ' "';
      let used = string();
      s += '"';
      if (!used) return cut();
      advance(used);
      if (left === 0) return cut();
      s += ' ';
      used = string();
      if (!used) return cut();
      advance(used);
      return options();
    }
    case TFTP_OACK:
      return options();
    case TFTP_DATA:
    case TFTP_ACK:
      if (left < BLOCK_LEN || p + BLOCK_LEN > cap) return cut();
      return `${s} block ${u16(b, p)}`;
    default: {
      // ERROR; tcpdump's text for a code it does not know opens a quote of its own.
      if (left < BLOCK_LEN || p + BLOCK_LEN > cap) return cut();
      const code = u16(b, p);
      s += ` ${ERRORS[code] ?? `tftp-err-#${code} "`}`;
      advance(BLOCK_LEN);
      if (left === 0) return cut();
      s += ' "';
      const used = string();
      s += '"';
      return used ? s : cut();
    }
  }
}

export interface TftpField {
  name: string;
  value: string;
  offset: number;
  length: number;
}

export interface TftpOption {
  /** "Option: blksize = 400" */
  title: string;
  offset: number;
  length: number;
  fields: TftpField[];
}

/**
 * A TFTP message in b[at, end) as tshark shows it (its layer, "Trivial File Transfer Protocol"): the opcode, then
 * a request's file ("Source File" for a read, "Destination File" for a write) and transfer type, a DATA's or an
 * ACK's block, an ERROR's code and message, and the options of a request or an OACK, each "Option: blksize = 400"
 * with its name and value; an unknown opcode's bytes as "Data". A string is a field once its NUL was captured;
 * `length` is the message's captured bytes (a DATA's header only: its payload follows). Null short of the opcode.
 */
export function tftpFields(
  b: Uint8Array,
  at: number,
  end: number,
): { fields: TftpField[]; options: TftpOption[]; length: number } | null {
  const cap = Math.min(end, b.length);
  if (at + OPCODE_LEN > cap) return null;
  const fields: TftpField[] = [];
  const options: TftpOption[] = [];
  const op = u16(b, at + OPCODE);
  const add = (name: string, offset: number, length: number, value: string | number) =>
    fields.push({ name, value: String(value), offset, length });
  add('Opcode', at, OPCODE_LEN, `${WS_OPCODES[op] || 'Unknown'} (${op})`);
  let p = at + OPCODE_LEN;
  /** The length of the string at `q` with its NUL; 0 when the capture ends first. */
  const size = (q: number) => {
    for (let i = q; i < cap; i++) if (b[i] === 0) return i - q + 1;
    return 0;
  };
  const str = (name: string): boolean => {
    const n = size(p);
    if (!n) return false;
    add(name, p, n, wiresharkText(b, p, n - 1));
    p += n;
    return true;
  };
  const opts = () => {
    while (p < cap) {
      const n = size(p);
      const v = n ? size(p + n) : 0;
      if (!v) break;
      const name = wiresharkText(b, p, n - 1);
      const value = wiresharkText(b, p + n, v - 1);
      options.push({
        title: `Option: ${name} = ${value}`,
        offset: p,
        length: n + v,
        fields: [
          { name: 'Option name', value: name, offset: p, length: n },
          { name: 'Option value', value, offset: p + n, length: v },
        ],
      });
      p += n + v;
    }
  };
  if (op === TFTP_RRQ || op === TFTP_WRQ) {
    if (str(op === TFTP_RRQ ? 'Source File' : 'Destination File') && str('Type')) opts();
  } else if (op === TFTP_OACK) opts();
  else if (op === TFTP_DATA || op === TFTP_ACK) {
    if (at + BLOCK + BLOCK_LEN <= cap) {
      add('Block', at + BLOCK, BLOCK_LEN, u16(b, at + BLOCK));
      p += BLOCK_LEN;
    }
  } else if (op === TFTP_ERROR) {
    if (p + BLOCK_LEN <= cap) {
      const code = u16(b, p);
      add('Error code', p, BLOCK_LEN, `${WS_ERRORS[code] ?? 'Unknown'} (${code})`);
      p += BLOCK_LEN;
      str('Error message');
    }
  } else if (p < cap) {
    // As tshark prints a byte field: its first 36 bytes in hex, then "…".
    let hex = '';
    for (let i = p; i < Math.min(cap, p + HEX_MAX); i++) hex += b[i].toString(16).padStart(2, '0');
    add('Data', p, cap - p, cap - p > HEX_MAX ? `${hex}…` : hex);
    p = cap;
  }
  // tshark's layer spans the whole message but a DATA's payload (which it hands on as data).
  return { fields, options, length: op === TFTP_DATA ? p - at : cap - at };
}
