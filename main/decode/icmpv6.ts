// icmpv6.ts — ICMPv6 basics (RFC 4443 §2.1; echo §4; neighbour discovery RFC 4861 §4.3–4.4; MLD below).
//  0 |     Type      |     Code      |          Checksum             |
//  4 |   Identifier (echo)           |   Sequence (echo)             |   NS/NA: 4 reserved/flags,
//  8 | NS/NA target address (16) …                                                     8 target (16)
import { need, ok, u16, NEXT_NONE, type Step } from './result.ts';

export const ICMPV6_MIN_LEN = 4;
export const ICMPV6_ECHO_LEN = 8;
const TYPE = 0;
const CODE = 1;
const CHECKSUM = 2;
const IDENT = 4;
const SEQ = 6;
export const ICMPV6_ND_TARGET = 8;
const ND_LEN = 24;

export const ICMPV6_UNREACH = 1;
export const ICMPV6_PACKET_TOO_BIG = 2;
export const ICMPV6_TIME_EXCEEDED = 3;
export const ICMPV6_PARAM_PROBLEM = 4;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;
export const ICMPV6_MLD_QUERY = 130;
export const ICMPV6_MLD_REPORT = 131;
export const ICMPV6_MLD_DONE = 132;
export const ICMPV6_MLD_REPORT_V2 = 143;
export const ICMPV6_ROUTER_SOLICIT = 133;
export const ICMPV6_ROUTER_ADVERT = 134;
export const ICMPV6_NEIGHBOR_SOLICIT = 135;
export const ICMPV6_NEIGHBOR_ADVERT = 136;

export interface Icmpv6Header {
  type: number;
  code: number;
  checksum: number;
  id: number;
  seq: number;
  /** Neighbour solicitation/advertisement: frame offset of the target address, else -1. */
  targetOffset: number;
}

export function newIcmpv6Header(): Icmpv6Header {
  return { type: -1, code: -1, checksum: 0, id: -1, seq: -1, targetOffset: -1 };
}

export function decodeIcmpv6(b: Uint8Array, at: number, lim: number, h: Icmpv6Header, s: Step): boolean {
  if (!need(b, at, ICMPV6_MIN_LEN, lim, s, 'icmpv6')) return false;
  h.type = b[at + TYPE];
  h.code = b[at + CODE];
  h.checksum = u16(b, at + CHECKSUM);
  h.id = h.seq = h.targetOffset = -1;
  let len = ICMPV6_MIN_LEN;
  if (h.type === ICMPV6_ECHO_REQUEST || h.type === ICMPV6_ECHO_REPLY) {
    if (!need(b, at, ICMPV6_ECHO_LEN, lim, s, 'icmpv6')) return false;
    h.id = u16(b, at + IDENT);
    h.seq = u16(b, at + SEQ);
    len = ICMPV6_ECHO_LEN;
  } else if (h.type === ICMPV6_NEIGHBOR_SOLICIT || h.type === ICMPV6_NEIGHBOR_ADVERT) {
    if (!need(b, at, ND_LEN, lim, s, 'icmpv6')) return false;
    h.targetOffset = at + ICMPV6_ND_TARGET;
    len = ND_LEN;
  } else if (lim - at >= ICMPV6_ECHO_LEN && s.cap - at >= ICMPV6_ECHO_LEN) {
    len = ICMPV6_ECHO_LEN; // every other message has 4 more header bytes (unused, MTU, pointer, …)
  }
  return ok(s, at + len, lim, NEXT_NONE);
}

export const ICMPV6_OFFSETS = { TYPE, CODE, CHECKSUM, IDENT, SEQ };

// Multicast Listener Discovery: MLDv1 (RFC 2710 §3) and MLDv2 (RFC 3810 §5.1 query, §5.2 report). The detail
// view reads them (layers.ts); the walk stops at the ICMPv6 header.
//  4 | Maximum Response Delay (v1) / Code (v2) |  Reserved    |   v2 report: 4 Reserved, 6 Nr of Records
//  8 | Multicast Address (16)                                 |   v2 report: 8 first Multicast Address Record
// 24 | Resv|S|QRV | QQIC | Number of Sources (N) | 28 Source Address [1..N] (16 each)   (v2 query only)
//  Record: | Record Type | Aux Data Len (words) | Number of Sources (N) | Multicast Address (16) | Sources | Aux |
/** An MLDv1 message; a query of MLDV2_QUERY_LEN bytes or more is MLDv2 (RFC 3810 §8.1). */
export const MLD_LEN = 24;
export const MLDV2_QUERY_LEN = 28;
export const MLD_RECORD_LEN = 20;
export const MLD_OFFSETS = {
  MAX_RESP: 4,
  RESERVED: 6,
  GROUP: 8,
  V2_FLAGS: 24,
  V2_QQIC: 25,
  V2_NSOURCES: 26,
  V2_SOURCES: 28,
  REPORT_RESERVED: 4,
  REPORT_NRECORDS: 6,
  REPORT_RECORDS: 8,
  REC_TYPE: 0,
  REC_AUX_LEN: 1,
  REC_NSOURCES: 2,
  REC_GROUP: 4,
  REC_SOURCES: 20,
};

export function isMld(type: number): boolean {
  return (type >= ICMPV6_MLD_QUERY && type <= ICMPV6_MLD_DONE) || type === ICMPV6_MLD_REPORT_V2;
}

export function icmpv6TypeName(type: number): string {
  switch (type) {
    case ICMPV6_UNREACH:
      return 'destination unreachable';
    case ICMPV6_PACKET_TOO_BIG:
      return 'packet too big';
    case ICMPV6_TIME_EXCEEDED:
      return 'time exceeded in-transit';
    case ICMPV6_ECHO_REQUEST:
      return 'echo request';
    case ICMPV6_ECHO_REPLY:
      return 'echo reply';
    case ICMPV6_ROUTER_SOLICIT:
      return 'router solicitation';
    case ICMPV6_ROUTER_ADVERT:
      return 'router advertisement';
    case ICMPV6_NEIGHBOR_SOLICIT:
      return 'neighbor solicitation';
    case ICMPV6_NEIGHBOR_ADVERT:
      return 'neighbor advertisement';
    case ICMPV6_MLD_QUERY:
      return 'multicast listener query';
    case ICMPV6_MLD_REPORT:
      return 'multicast listener report';
    case ICMPV6_MLD_DONE:
      return 'multicast listener done';
    case ICMPV6_MLD_REPORT_V2:
      return 'multicast listener report v2';
    default:
      return `type ${type}`;
  }
}

/**
 * The codes of the error messages (RFC 4443 §3.1, 3.3, 3.4; RFC 7112 §5 for parameter problem 3), in
 * Wireshark's words ("Code: 4 (Port unreachable)"); the detail view reads them, tcpdump's summaries have their
 * own. The others have no name here.
 */
const ICMPV6_CODE_NAMES: Record<number, readonly string[]> = {
  [ICMPV6_UNREACH]: [
    'no route to destination',
    'Administratively prohibited',
    'Beyond scope of source address',
    'Address unreachable',
    'Port unreachable',
    'Source address failed ingress/egress policy',
    'Reject route to destination',
    'Error in Source Routing Header',
  ],
  [ICMPV6_TIME_EXCEEDED]: ['hop limit exceeded in transit', 'fragment reassembly time exceeded'],
  [ICMPV6_PARAM_PROBLEM]: [
    'erroneous header field encountered',
    'unrecognized Next Header type encountered',
    'unrecognized IPv6 option encountered',
    'IPv6 First Fragment has incomplete IPv6 Header Chain',
  ],
};

/** The name of an error message's code, '' when it has none. */
export function icmpv6CodeName(type: number, code: number): string {
  return ICMPV6_CODE_NAMES[type]?.[code] ?? '';
}
