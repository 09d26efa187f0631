// ipv4.ts — IPv4 (RFC 791 §3.1). IP-in-IP (protocol 4, RFC 2003) is dispatched by the caller on `proto`.
//  0 |Version|  IHL  |  DSCP   |ECN|          Total Length         |
//  4 |         Identification        |Flags|    Fragment Offset      |
//  8 |  Time to Live |    Protocol   |        Header Checksum        |
// 12 |                       Source Address                         |
// 16 |                    Destination Address                       |
// 20 |                    Options (IHL > 5)  …                      |
import { IPPROTO_IGMP } from './igmp.ts';
import {
  IPPROTO_AH,
  IPPROTO_ESP,
  IPPROTO_GRE,
  IPPROTO_OSPF,
  IPPROTO_PIM,
  IPPROTO_SCTP,
  IPPROTO_VRRP,
} from './ipProtocols.ts';
import { malformed, need, ok, truncated, u16, u32, type Step } from './result.ts';

export const IPV4_MIN_HEADER_LEN = 20;
const VERSION_IHL = 0;
const TOS = 1;
const TOTAL_LEN = 2;
const ID = 4;
const FLAGS_FRAG = 6;
const TTL = 8;
const PROTOCOL = 9;
const CHECKSUM = 10;
const SRC = 12;
const DST = 16;
const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const FRAG_MASK = 0x1fff;

export const IPPROTO_ICMP = 1;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ICMPV6 = 58;

export interface Ipv4Header {
  headerLen: number;
  dscp: number;
  ecn: number;
  /** As on the wire (0 for a TSO/GSO super-packet captured on the sender). */
  totalLen: number;
  id: number;
  dontFragment: boolean;
  moreFragments: boolean;
  /** In bytes. */
  fragOffset: number;
  ttl: number;
  proto: number;
  checksum: number;
  src: number;
  dst: number;
}

export function newIpv4Header(): Ipv4Header {
  return {
    headerLen: 0,
    dscp: 0,
    ecn: 0,
    totalLen: 0,
    id: 0,
    dontFragment: false,
    moreFragments: false,
    fragOffset: 0,
    ttl: 0,
    proto: 0,
    checksum: 0,
    src: 0,
    dst: 0,
  };
}

/** On success `s.end` is where the packet ends per Total Length; `s.proto` is the protocol number. */
export function decodeIpv4(b: Uint8Array, at: number, lim: number, h: Ipv4Header, s: Step): boolean {
  if (!need(b, at, 1, lim, s, 'ipv4')) return false;
  const vi = b[at + VERSION_IHL];
  if (vi >> 4 !== 4) return malformed(s, 'ipv4', at, `version ${vi >> 4} in an IPv4 header`);
  const hl = (vi & 0x0f) * 4;
  if (hl < IPV4_MIN_HEADER_LEN) return malformed(s, 'ipv4', at, `header length ${hl} < 20`);
  if (!need(b, at, IPV4_MIN_HEADER_LEN, lim, s, 'ipv4')) return false;
  let total = u16(b, at + TOTAL_LEN);
  h.totalLen = total;
  if (total === 0) {
    // Wireshark's reading too: a sender-side capture of a TSO/GSO packet; it ends where the bytes end.
    total = Math.min(s.cap, lim) - at;
  }
  if (total < hl) return malformed(s, 'ipv4', at, `total length ${total} < header length ${hl}`);
  if (at + total > lim) return malformed(s, 'ipv4', at, `total length ${total} exceeds the enclosing frame`);
  if (at + hl > s.cap) return truncated(s, 'ipv4', at, hl);
  const tos = b[at + TOS];
  const ff = u16(b, at + FLAGS_FRAG);
  h.headerLen = hl;
  h.dscp = tos >> 2;
  h.ecn = tos & 3;
  h.id = u16(b, at + ID);
  h.dontFragment = (ff & FLAG_DF) !== 0;
  h.moreFragments = (ff & FLAG_MF) !== 0;
  h.fragOffset = (ff & FRAG_MASK) * 8;
  h.ttl = b[at + TTL];
  h.proto = b[at + PROTOCOL];
  h.checksum = u16(b, at + CHECKSUM);
  h.src = u32(b, at + SRC);
  h.dst = u32(b, at + DST);
  return ok(s, at + hl, at + total, h.proto);
}

export const IPV4_OFFSETS = {
  VERSION_IHL,
  TOS,
  TOTAL_LEN,
  ID,
  FLAGS_FRAG,
  TTL,
  PROTOCOL,
  CHECKSUM,
  SRC,
  DST,
};

/** The protocol's name in the IPv4 and IPv6 layers' protocol field (Wireshark's short names). */
export function ipProtoName(p: number): string {
  switch (p) {
    case IPPROTO_ICMP:
      return 'ICMP';
    case IPPROTO_IGMP:
      return 'IGMP';
    case IPPROTO_IPIP:
      return 'IPIP';
    case IPPROTO_TCP:
      return 'TCP';
    case IPPROTO_UDP:
      return 'UDP';
    case IPPROTO_IPV6:
      return 'IPv6';
    case IPPROTO_GRE:
      return 'GRE';
    case IPPROTO_ESP:
      return 'ESP';
    case IPPROTO_AH:
      return 'AH';
    case IPPROTO_ICMPV6:
      return 'ICMPv6';
    case IPPROTO_OSPF:
      return 'OSPF';
    case IPPROTO_PIM:
      return 'PIM';
    case IPPROTO_VRRP:
      return 'VRRP';
    case IPPROTO_SCTP:
      return 'SCTP';
    default:
      return `proto ${p}`;
  }
}
