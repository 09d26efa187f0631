// bgp.ts — BGP-4 messages (RFC 4271 §4) on TCP 179, as Calico's BIRD exchanges them between nodes: the header of
// each message a segment carries, and an OPEN's fields, for the detail view. Never on the decodeFields hot path.
//  0 |                          Marker (16 bytes, all ones)                          |
// 16 |            Length             |      Type     |  OPEN: Version | My AS (2) | Hold Time (2) |
//    |  BGP Identifier (4)  | Opt Parm Len |  UPDATE: Withdrawn Routes Length (2) | … | Total Path Attribute Length (2)
import { ipv4ToString } from './format.ts';
import { u16, u32 } from './result.ts';

export const BGP_PORT = 179;
export const BGP_HEADER_LEN = 19;
const MARKER = 0;
const MARKER_LEN = 16;
const LENGTH = 16;
const TYPE = 18;
const BGP_OPEN = 1;
const BGP_UPDATE = 2;
// OPEN (§4.2), from the message's start.
const OPEN_VERSION = 19;
const OPEN_MY_AS = 20;
const OPEN_HOLD_TIME = 22;
const OPEN_IDENTIFIER = 24;
const OPEN_OPT_LEN = 28;
// UPDATE (§4.3): the withdrawn routes' length, then (after them) the path attributes' length.
const UPDATE_WITHDRAWN_LEN = 19;
export const BGP_OFFSETS = { MARKER, MARKER_LEN, LENGTH, TYPE };

/** Wireshark's names for the message types ("Type: KEEPALIVE Message (4)"). */
const BGP_TYPES: Record<number, string> = {
  1: 'OPEN Message',
  2: 'UPDATE Message',
  3: 'NOTIFICATION Message',
  4: 'KEEPALIVE Message',
  5: 'ROUTE-REFRESH Message',
};

export function bgpTypeName(type: number): string {
  return BGP_TYPES[type] ?? `Unknown Message`;
}

export interface BgpField {
  name: string;
  value: string;
  offset: number;
  length: number;
}

export interface BgpMessage {
  offset: number;
  /** The message's length field (its header included). */
  length: number;
  type: number;
  /** The body's fields that were captured, after Marker, Length and Type. */
  body: BgpField[];
}

/**
 * The messages in a TCP payload b[at, end) (captured up to b.length) whose 19-byte header was captured and whose
 * marker is all ones; the walk stops at the first one that is not (a segment that starts mid-message, which
 * only the stream says), and at a length shorter than the header.
 */
export function bgpMessages(b: Uint8Array, at: number, end: number): BgpMessage[] {
  const out: BgpMessage[] = [];
  const cap = Math.min(end, b.length);
  let p = at;
  while (p + BGP_HEADER_LEN <= cap) {
    for (let i = 0; i < MARKER_LEN; i++) if (b[p + MARKER + i] !== 0xff) return out;
    const length = u16(b, p + LENGTH);
    if (length < BGP_HEADER_LEN) return out;
    const type = b[p + TYPE];
    const stop = Math.min(p + length, cap);
    const body: BgpField[] = [];
    const add = (name: string, o: number, len: number, value: () => string | number) => {
      if (p + o + len <= stop) body.push({ name, value: String(value()), offset: p + o, length: len });
    };
    if (type === BGP_OPEN) {
      add('Version', OPEN_VERSION, 1, () => b[p + OPEN_VERSION]);
      add('My AS', OPEN_MY_AS, 2, () => u16(b, p + OPEN_MY_AS));
      add('Hold Time', OPEN_HOLD_TIME, 2, () => u16(b, p + OPEN_HOLD_TIME));
      add('BGP Identifier', OPEN_IDENTIFIER, 4, () => ipv4ToString(u32(b, p + OPEN_IDENTIFIER)));
      add('Optional Parameters Length', OPEN_OPT_LEN, 1, () => b[p + OPEN_OPT_LEN]);
    } else if (type === BGP_UPDATE) {
      add('Withdrawn Routes Length', UPDATE_WITHDRAWN_LEN, 2, () => u16(b, p + UPDATE_WITHDRAWN_LEN));
      if (p + UPDATE_WITHDRAWN_LEN + 2 <= stop) {
        const attrLen = UPDATE_WITHDRAWN_LEN + 2 + u16(b, p + UPDATE_WITHDRAWN_LEN);
        add('Total Path Attribute Length', attrLen, 2, () => u16(b, p + attrLen));
      }
    }
    out.push({ offset: p, length, type, body });
    p += length;
  }
  return out;
}
