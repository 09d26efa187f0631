// udp.ts — UDP (RFC 768).
//  0 |          Source Port          |       Destination Port        |
//  4 |            Length             |           Checksum            |
//  8 | data …
import { malformed, need, ok, u16, NEXT_NONE, type Step } from './result.ts';

export const UDP_HEADER_LEN = 8;
const SRC_PORT = 0;
const DST_PORT = 2;
const LENGTH = 4;
const CHECKSUM = 6;

export interface UdpHeader {
  srcPort: number;
  dstPort: number;
  length: number;
  checksum: number;
}

export function newUdpHeader(): UdpHeader {
  return { srcPort: -1, dstPort: -1, length: 0, checksum: 0 };
}

/**
 * `whole` is false for the first fragment of a fragmented datagram: its Length describes the reassembled
 * datagram, so it is not checked against this fragment's end.
 */
export function decodeUdp(
  b: Uint8Array,
  at: number,
  lim: number,
  h: UdpHeader,
  s: Step,
  whole = true,
): boolean {
  if (!need(b, at, UDP_HEADER_LEN, lim, s, 'udp')) return false;
  h.srcPort = u16(b, at + SRC_PORT);
  h.dstPort = u16(b, at + DST_PORT);
  h.length = u16(b, at + LENGTH);
  h.checksum = u16(b, at + CHECKSUM);
  if (!whole) return ok(s, at + UDP_HEADER_LEN, lim, NEXT_NONE);
  if (h.length < UDP_HEADER_LEN) return malformed(s, 'udp', at, `length ${h.length} < 8`);
  if (at + h.length > lim) return malformed(s, 'udp', at, `length ${h.length} exceeds the IP payload`);
  return ok(s, at + UDP_HEADER_LEN, at + h.length, NEXT_NONE);
}

export const UDP_OFFSETS = { SRC_PORT, DST_PORT, LENGTH, CHECKSUM };
