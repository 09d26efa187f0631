// ipv6.ts — IPv6 fixed header (RFC 8200 §3) and the extension-header chain (§4): hop-by-hop, routing,
// fragment, destination options and AH are walked to the upper-layer protocol.
//  0 |Version| Traffic Class |           Flow Label                  |
//  4 |         Payload Length        |  Next Header  |   Hop Limit   |
//  8 |                 Source Address (16)                           |
// 24 |              Destination Address (16)                         |
// 40 | extension headers / upper layer …
//  Fragment header: | Next Header | Reserved | Fragment Offset:13 |Res|M| | Identification (32) |
import { malformed, need, ok, truncated, u16, u32, type Step } from './result.ts';

export const IPV6_HEADER_LEN = 40;
const VTF = 0;
const PAYLOAD_LEN = 4;
const NEXT_HEADER = 6;
const HOP_LIMIT = 7;
export const IPV6_SRC = 8;
export const IPV6_DST = 24;
const EXT_NEXT = 0;
const EXT_LEN = 1;
const FRAG_OFFSET = 2;
const FRAG_ID = 4;
const FRAG_HEADER_LEN = 8;
const MAX_EXT = 8;

export const IP6_HOPOPTS = 0;
export const IP6_ROUTING = 43;
export const IP6_FRAGMENT = 44;
export const IP6_AH = 51;
export const IP6_DSTOPTS = 60;
export const IP6_NONE = 59;

export interface Ipv6Header {
  trafficClass: number;
  flowLabel: number;
  payloadLen: number;
  nextHeader: number;
  hopLimit: number;
  /** Frame offsets of the addresses. */
  srcOffset: number;
  dstOffset: number;
  /** Upper-layer protocol after the extension headers. */
  proto: number;
  extCount: number;
  /** Bytes of extension headers. */
  extLen: number;
  hasFragment: boolean;
  fragOffset: number;
  moreFragments: boolean;
  fragId: number;
}

export function newIpv6Header(): Ipv6Header {
  return {
    trafficClass: 0,
    flowLabel: 0,
    payloadLen: 0,
    nextHeader: 0,
    hopLimit: 0,
    srcOffset: -1,
    dstOffset: -1,
    proto: 0,
    extCount: 0,
    extLen: 0,
    hasFragment: false,
    fragOffset: 0,
    moreFragments: false,
    fragId: -1,
  };
}

/** On success `s.next` is the upper-layer header, `s.end` the end per Payload Length, `s.proto` its protocol. */
export function decodeIpv6(b: Uint8Array, at: number, lim: number, h: Ipv6Header, s: Step): boolean {
  if (!need(b, at, 1, lim, s, 'ipv6')) return false;
  if (b[at] >> 4 !== 6) return malformed(s, 'ipv6', at, `version ${b[at] >> 4} in an IPv6 header`);
  if (!need(b, at, IPV6_HEADER_LEN, lim, s, 'ipv6')) return false;
  const vtf = u32(b, at + VTF);
  h.trafficClass = (vtf >>> 20) & 0xff;
  h.flowLabel = vtf & 0xfffff;
  h.payloadLen = u16(b, at + PAYLOAD_LEN);
  h.nextHeader = b[at + NEXT_HEADER];
  h.hopLimit = b[at + HOP_LIMIT];
  h.srcOffset = at + IPV6_SRC;
  h.dstOffset = at + IPV6_DST;
  h.extCount = 0;
  h.extLen = 0;
  h.hasFragment = false;
  h.fragOffset = 0;
  h.moreFragments = false;
  h.fragId = -1;
  // Payload length 0 with a jumbo option, or a GSO capture: take the captured end, as Wireshark does.
  const end = h.payloadLen === 0 ? Math.min(s.cap, lim) : at + IPV6_HEADER_LEN + h.payloadLen;
  if (end > lim)
    return malformed(s, 'ipv6', at, `payload length ${h.payloadLen} exceeds the enclosing frame`);
  let nh = h.nextHeader;
  let p = at + IPV6_HEADER_LEN;
  while (h.extCount < MAX_EXT) {
    let len: number;
    if (nh === IP6_HOPOPTS || nh === IP6_ROUTING || nh === IP6_DSTOPTS) {
      if (!need(b, p, 2, end, s, 'ipv6')) return false;
      len = (b[p + EXT_LEN] + 1) * 8;
    } else if (nh === IP6_AH) {
      if (!need(b, p, 2, end, s, 'ipv6')) return false;
      len = (b[p + EXT_LEN] + 2) * 4;
    } else if (nh === IP6_FRAGMENT) {
      if (!need(b, p, FRAG_HEADER_LEN, end, s, 'ipv6')) return false;
      len = FRAG_HEADER_LEN;
      const fo = u16(b, p + FRAG_OFFSET);
      h.hasFragment = true;
      h.fragOffset = fo & 0xfff8;
      h.moreFragments = (fo & 1) !== 0;
      h.fragId = u32(b, p + FRAG_ID);
    } else break;
    if (p + len > end)
      return malformed(s, 'ipv6', p, `extension header of ${len} bytes overruns the payload`);
    if (p + len > s.cap) return truncated(s, 'ipv6', p, len);
    nh = b[p + EXT_NEXT];
    p += len;
    h.extCount++;
    h.extLen += len;
    if (h.hasFragment && h.fragOffset > 0) break;
  }
  h.proto = nh;
  return ok(s, p, end, nh);
}

export const IPV6_OFFSETS = { VTF, PAYLOAD_LEN, NEXT_HEADER, HOP_LIMIT, IPV6_SRC, IPV6_DST };
