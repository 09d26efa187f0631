// icmp.ts — ICMP for IPv4 (RFC 792). Echo and timestamp messages carry an identifier and sequence number;
// error messages (unreachable, time exceeded, …) carry the original IP header in their payload.
//  0 |     Type      |     Code      |          Checksum             |
//  4 |          Identifier           |        Sequence Number        |   (echo; else "rest of header")
//  8 | data …
import { need, ok, u16, NEXT_NONE, type Step } from './result.ts';

export const ICMP_HEADER_LEN = 8;
const TYPE = 0;
const CODE = 1;
const CHECKSUM = 2;
const IDENT = 4;
const SEQ = 6;

export const ICMP_ECHO_REPLY = 0;
export const ICMP_UNREACH = 3;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO = 8;
export const ICMP_ROUTERADVERT = 9;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_PARAMPROB = 12;
export const ICMP_TSTAMP = 13;
export const ICMP_TSTAMP_REPLY = 14;
export const ICMP_MASKREPLY = 18;

export interface IcmpHeader {
  type: number;
  code: number;
  checksum: number;
  /** Echo/timestamp identifier and sequence, -1 for other types. */
  id: number;
  seq: number;
}

export function newIcmpHeader(): IcmpHeader {
  return { type: -1, code: -1, checksum: 0, id: -1, seq: -1 };
}

export function hasIdSeq(type: number): boolean {
  // Echo, timestamp (13, 14), information (15, 16) and address mask (17, 18) messages carry an id and a seq.
  return type === ICMP_ECHO || type === ICMP_ECHO_REPLY || (type >= ICMP_TSTAMP && type <= ICMP_MASKREPLY);
}

export function decodeIcmp(b: Uint8Array, at: number, lim: number, h: IcmpHeader, s: Step): boolean {
  if (!need(b, at, ICMP_HEADER_LEN, lim, s, 'icmp')) return false;
  h.type = b[at + TYPE];
  h.code = b[at + CODE];
  h.checksum = u16(b, at + CHECKSUM);
  if (hasIdSeq(h.type)) {
    h.id = u16(b, at + IDENT);
    h.seq = u16(b, at + SEQ);
  } else {
    h.id = -1;
    h.seq = -1;
  }
  return ok(s, at + ICMP_HEADER_LEN, lim, NEXT_NONE);
}

export const ICMP_OFFSETS = { TYPE, CODE, CHECKSUM, IDENT, SEQ };

const UNREACH_CODES = [
  'net unreachable',
  'host unreachable',
  'protocol unreachable',
  'port unreachable',
  'fragmentation needed',
  'source route failed',
];

export function icmpTypeName(type: number, code: number): string {
  switch (type) {
    case ICMP_ECHO_REPLY:
      return 'echo reply';
    case ICMP_ECHO:
      return 'echo request';
    case ICMP_UNREACH:
      return `destination unreachable (${UNREACH_CODES[code] ?? `code ${code}`})`;
    case ICMP_REDIRECT:
      return 'redirect';
    case ICMP_TIME_EXCEEDED:
      return code === 0 ? 'time exceeded in-transit' : 'ip reassembly time exceeded';
    case ICMP_TSTAMP:
      return 'time stamp request';
    case ICMP_TSTAMP_REPLY:
      return 'time stamp reply';
    default:
      return `type-#${type}`;
  }
}
