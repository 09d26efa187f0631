// The identity of a packet as the correlator sees it: a 64-bit key over what survives MAC rewrites, TTL
// decrements, checksum updates, encapsulation and NAT, plus a "tail" hash that may be unknown under snaplen.
//
// Key  = hash(IP version, IP id, protocol, IP total length, fragment offset/MF (IPv6 later fragments: addresses),
//             L4 invariants: ICMP type/code/seq (not the id: SNAT may remap it), TCP seq+ack, UDP length,
//             SCTP verification tag (NAT rewrites SCTP's ports and checksum, never the tag);
//             ICMPv6 NDP/MLD: checksum and addresses; IPv6 from or to fe80::/10: addresses).
// Tail = hash(TCP flags, first min(16, payload length) payload bytes; SCTP's payload is its chunks, the first
//        one's type, flags, length and TSN or tag): only known when those bytes were
//        captured, so a snaplen-64 copy still matches a full copy (unknown tail is compatible with any tail).
//        An ICMP error's tail is what no NAT rewrites in the packet it quotes (quotedTail; IPv6: past the quoted
//        extension headers, with a quoted fragment header's offset and id), and the tuple of that packet is kept
//        for flows (quotedFlow).
// Fragments after the first carry no L4 header: their key is the IP part alone (id + offset identify them; IPv6:
// addresses + offset, and the first fragment's identity as the tail where the lane saw it, Fragments6).
// We do not use PacketFields.keyHi/keyLo: it hashes all captured payload bytes, which differ per interface
// when snaplen cuts packets at different depths (a VXLAN copy loses 50 more bytes than the veth copy).
// Flows (flows.ts) hash a row's conversation instead, both directions alike: packetFlowKey and flowTupleKey,
// beside fmix here.

import { GENEVE_HEADER_LEN, GENEVE_PORT } from '../decode/geneve.ts';
import type { PacketFields } from '../decode/fields.ts';
import { isWireGuardPort, transportDataCounter } from '../decode/wireguard.ts';

// Local copies of fields.ts's PROTO_* (module-local constants keep this per-packet path free of
// cross-module binding lookups, which showed in profiles under the tsx loader).
const PROTO_ICMP = 1;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_ICMPV6 = 58;
const PROTO_SCTP = 132;
const PROTO_IPIP = 4;
const PROTO_IPV6_IN_IP = 41;

/** How many payload bytes the tail hash covers: enough to tell apart id-0 packets of equal length. */
export const TAIL_PAYLOAD_BYTES = 16;

const ICMP_CHECKSUM = 2;
const ICMP_SEQ = 6;
const ICMP_MIN = 8;
const TCP_SEQ = 4;
const TCP_ACK_END = 12;
const TCP_FLAGS = 13;
const UDP_LEN = 4;
const UDP_MIN = 6;
const SCTP_VTAG = 4;
const SCTP_VTAG_END = 8;

/** Output of computeIdentity, reused (module-level scratch semantics: copy the numbers out). */
export interface Identity {
  /** False when the inner packet is missing or its L4 invariants were cut by snaplen: no journey. */
  keyed: boolean;
  keyHi: number;
  keyLo: number;
  tailKnown: boolean;
  tail: number;
  /**
   * An IPv6 packet's source and destination addresses hashed to 32 bits (0 for IPv4, or when not captured): the
   * row store keeps them where an IPv4 row keeps its addresses, so that flows and NAT tell IPv6 endpoints apart.
   */
  src6: number;
  dst6: number;
  /**
   * An ICMP error (unreachable, time exceeded, …; ICMPv6 too big too) whose quoted packet has a flow tuple: its
   * hash (packetFlowKey of the quoted addresses, ports or echo id/seq), so the error joins that packet's flow.
   */
  quoted: boolean;
  quotedHi: number;
  quotedLo: number;
  /**
   * A WireGuard transport data message carrying a packet (UDP to or from 51820/51871, not a keepalive), with its
   * counter captured: its counter (exact up to 2^53); -1 for any other packet. The packet inside is encrypted, so
   * the linker pairs this journey with the clear one it carries (wireguardJoin.ts).
   */
  wgCounter: number;
}

export function createIdentity(): Identity {
  return {
    keyed: false,
    keyHi: 0,
    keyLo: 0,
    tailKnown: false,
    tail: 0,
    src6: 0,
    dst6: 0,
    quoted: false,
    quotedHi: 0,
    quotedLo: 0,
    wgCounter: -1,
  };
}

// Two 32-bit murmur3-style lanes with different seeds give the 64-bit key. The words are collected first and
// mixed in one loop with local state: no call and no module-variable store per word on this per-packet path.
const words = new Int32Array(32);
let nw = 0;
function mixWords(out: Identity): void {
  let h1 = 0x9747b28c;
  let h2 = 0x2f3a1b5d;
  for (let i = 0; i < nw; i++) {
    let k = Math.imul(words[i], 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 ^= Math.imul(k, 0x85ebca6b);
    h2 = (h2 << 17) | (h2 >>> 15);
    h2 = (Math.imul(h2, 9) + 0x7feb352d) | 0;
  }
  out.keyHi = fmix(h1 ^ h2);
  out.keyLo = fmix(h2 + Math.imul(h1, 3));
}

/** The two 32-bit halves of the last flowTupleKey (scratch: no allocation per row). */
export const FLOW_KEY = new Int32Array(2);

/**
 * The orientation-free hash of a flow tuple (proto, endpoint a, port a, endpoint b, port b) into FLOW_KEY: the
 * same for both directions of a conversation. ICMP echo passes its id·65536 + seq as both ports.
 */
function flowTupleKey(proto: number, a: number, ap: number, b: number, bp: number): void {
  if (a > b || (a === b && ap > bp)) {
    const x = a;
    a = b;
    b = x;
    const y = ap;
    ap = bp;
    bp = y;
  }
  let h = fmix(proto * 0x3c6ef372 + a);
  h = fmix(h ^ Math.imul(ap + 1, 0x27d4eb2d));
  let g = fmix(h ^ b);
  g = fmix(g ^ Math.imul(bp + 1, 0x165667b1));
  FLOW_KEY[0] = h;
  FLOW_KEY[1] = g;
}

/**
 * The flow tuple of one packet into FLOW_KEY, as flows.ts joins journeys: an ICMP query or its answer (echo,
 * timestamp, information, address mask; ICMPv6 echo: icmpQueryRole) by its addresses, id and seq; any other packet with ports by its addresses and ports (IPv6 addresses as
 * the row store's hashes). False, FLOW_KEY untouched, for a packet with neither. Fields are -1 where absent; for
 * ARP, pass its opcode as the ICMP type (proto is absent).
 */
export function packetFlowKey(
  proto: number,
  icmpType: number,
  icmpId: number,
  icmpSeq: number,
  src: number,
  srcPort: number,
  dst: number,
  dstPort: number,
): boolean {
  if (proto === PROTO_ICMP || proto === PROTO_ICMPV6) {
    if (icmpQueryRole(proto, icmpType) === null) return false;
    const idSeq = icmpId * 65536 + icmpSeq;
    // Each kind of query its own (an echo and a timestamp query may share an id and seq): echo 0 (as before),
    // timestamp 1, information 2, address mask 3, in the protocol's place.
    const kind = proto === PROTO_ICMP && icmpType > 8 ? (icmpType - 11) >> 1 : 0;
    flowTupleKey(proto + 256 * kind, src, idSeq, dst, idSeq);
    return true;
  }
  if (srcPort < 0) return false;
  flowTupleKey(proto, src, srcPort, dst, dstPort);
  return true;
}

/**
 * The flow tuple of an IP fragment into FLOW_KEY: its datagram's (protocol, addresses, IP id), which the first
 * fragment shares with its ports' tuple and the later ones (no ports) with nothing else, so that flows.ts puts
 * every fragment in its datagram's flow. Apart from every packetFlowKey tuple (its own protocol space).
 */
export function fragmentFlowKey(proto: number, src: number, dst: number, ipId: number): void {
  flowTupleKey(proto + FRAGMENT_KIND, src, ipId, dst, ipId);
}
/** Above packetFlowKey's protocol + 256 × ICMP query kind (3 at most). */
const FRAGMENT_KIND = 4096;

/**
 * An ICMP message that asks (echo 8, timestamp 13, information 15, address mask 17; ICMPv6 echo 128) or answers
 * (0, 14, 16, 18; 129) by id and seq: a flow of its own with its answer. Null for any other type.
 */
export function icmpQueryRole(proto: number, type: number): 'request' | 'reply' | null {
  if (proto === PROTO_ICMPV6) return type === 128 ? 'request' : type === 129 ? 'reply' : null;
  if (proto !== PROTO_ICMP) return null;
  if (type === 8 || type === 13 || type === 15 || type === 17) return 'request';
  if (type === 0 || type === 14 || type === 16 || type === 18) return 'reply';
  return null;
}

export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

function u16(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}
/** A big-endian 32-bit word as int32 (the hash takes int32 words: no unsigned double to box). */
function i32(b: Uint8Array, at: number): number {
  return (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
}

const ICMPV6_ECHO_REQUEST = 128;
const ICMPV6_ECHO_REPLY = 129;
const IPV6_ADDR = 16;

/** Mixes the inner IPv6 source and destination addresses (when captured) into the key. */
function mixIpv6(f: PacketFields, frame: Uint8Array, base: number, n: number): void {
  const s = f.src6Offset;
  const d = f.dst6Offset;
  if (s < 0 || d < 0 || s + IPV6_ADDR > n || d + IPV6_ADDR > n) return;
  for (let i = 0; i < IPV6_ADDR; i += 4) {
    words[nw++] = i32(frame, base + s + i);
    words[nw++] = i32(frame, base + d + i);
  }
}

/** The inner IPv6 addresses (when captured) as 32-bit hashes into out.src6 / out.dst6 (never 0 then). */
function hashIpv6(f: PacketFields, frame: Uint8Array, out: Identity, base: number, n: number): void {
  const s = f.src6Offset;
  const d = f.dst6Offset;
  if (s < 0 || d < 0 || s + IPV6_ADDR > n || d + IPV6_ADDR > n) return;
  out.src6 = address6(frame, base + s);
  out.dst6 = address6(frame, base + d);
}

/** An IPv6 address at frame[at] hashed to 32 bits, never 0 (the row store's IPv6 address). */
function address6(frame: Uint8Array, at: number): number {
  let h = 0x6a09e667;
  for (let i = 0; i < IPV6_ADDR; i += 4) h = fmix(h ^ i32(frame, at + i));
  return h || 1;
}

/** An ICMP error (RFC 792: unreachable, source quench, redirect, time exceeded, parameter problem). */
function icmpError(proto: number, type: number): boolean {
  if (proto === PROTO_ICMPV6) return type >= 1 && type <= 4; // unreachable, too big, time exceeded, parameter
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

// IPv6 extension headers walked past in a quoted packet (RFC 8200 §4, as decode/ipv6.ts walks a packet's):
// hop-by-hop, routing, destination options (length in 8-byte units past the first 8), fragment (8 bytes), AH
// (RFC 4302: in 4-byte units past the first 8).
const IPV6_HBH = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_AH = 51;
const IPV6_DSTOPT = 60;
const IPV6_HEADER_LEN = 40;
const IPV6_NEXT_HEADER = 6;
const EXT_LEN = 1;
const FRAG_OFFSET = 2;
const FRAG_ID = 4;
const FRAG_HEADER_LEN = 8;
const MAX_EXT = 8;

// What walkExt6 found (module scratch: no object per packet).
/** The protocol after the extension headers (for a later fragment: its fragment header's next header). */
let ext6Next = 0;
/** The fragment header's offset field (byte offset | M), -1 without a fragment header. */
let ext6Frag = -1;
/** The fragment header's Identification as an int32. */
let ext6FragId = 0;

/**
 * Walks the extension headers of the IPv6 packet whose fixed header is at frame[q] (bytes up to `end`) into
 * ext6Next/ext6Frag/ext6FragId, and returns where the upper-layer header (or a later fragment's data) starts; -1
 * when `end` comes inside an extension header. An ICMPv6 error quotes the packet as sent, its extension headers
 * with it (a fragment header in a too big for a fragment, destination options): its L4 invariants lie past them.
 */
function walkExt6(frame: Uint8Array, q: number, end: number): number {
  let nh = frame[q + IPV6_NEXT_HEADER];
  let at = q + IPV6_HEADER_LEN;
  ext6Frag = -1;
  ext6FragId = 0;
  for (let i = 0; i < MAX_EXT; i++) {
    let len: number;
    if (nh === IPV6_HBH || nh === IPV6_ROUTING || nh === IPV6_DSTOPT) {
      if (at + 2 > end) return -1;
      len = (frame[at + EXT_LEN] + 1) * 8;
    } else if (nh === IPV6_AH) {
      if (at + 2 > end) return -1;
      len = (frame[at + EXT_LEN] + 2) * 4;
    } else if (nh === IPV6_FRAGMENT) {
      if (at + FRAG_HEADER_LEN > end) return -1;
      len = FRAG_HEADER_LEN;
      ext6Frag = u16(frame, at + FRAG_OFFSET) & 0xfff9;
      ext6FragId = i32(frame, at + FRAG_ID);
    } else break;
    nh = frame[at];
    at += len;
    // A later fragment: what follows is data, not the next header.
    if (ext6Frag > 1) break;
  }
  ext6Next = nh;
  return at;
}

/**
 * The flow tuple of the packet an ICMP error quotes (its IP header at frame[q], the error's bytes ending at
 * `end`) into out.quoted/quotedHi/quotedLo, as packetFlowKey takes the quoted packet's own row: addresses and
 * ports, or an echo's addresses, id and seq; through one VXLAN (4789, 8472), Geneve (6081) or IP-in-IP tunnel to the
 * packet inside
 * when the quote holds it; an IPv6 later fragment's datagram (fragmentFlowKey). Nothing when the quote is cut before
 * them or is an IPv4 later fragment.
 */
function quotedFlow(v6: boolean, frame: Uint8Array, q: number, end: number, out: Identity, depth = 0): void {
  let nh: number;
  let at: number;
  let src: number;
  let dst: number;
  if (!v6) {
    if (q + 20 > end || frame[q] >> 4 !== 4) return;
    const ihl = (frame[q] & 15) * 4;
    if (ihl < 20 || (u16(frame, q + 6) & 0x1fff) !== 0) return;
    nh = frame[q + 9];
    at = q + ihl;
    src = i32(frame, q + 12) >>> 0;
    dst = i32(frame, q + 16) >>> 0;
  } else {
    if (q + 40 > end || frame[q] >> 4 !== 6) return;
    src = address6(frame, q + 8) >>> 0;
    dst = address6(frame, q + 24) >>> 0;
    at = walkExt6(frame, q, end);
    if (at < 0) return;
    nh = ext6Next;
    // A later fragment quoted (a too big for each fragment of a datagram larger than the next link's MTU): no
    // ports, but its datagram's tuple, as the row store keys fragments (fragmentFlowKey, the id's low 16 bits):
    // the error joins the flow of the datagram's first fragment.
    if (ext6Frag > 1) {
      fragmentFlowKey(nh, src, dst, ext6FragId & 0xffff);
      out.quoted = true;
      out.quotedHi = FLOW_KEY[0];
      out.quotedLo = FLOW_KEY[1];
      return;
    }
  }
  // A tunnel's outer packet quoted (an underlay router's need-to-frag for a VXLAN or IPIP packet): the packet
  // inside it, when the quote holds it, is the one whose flow the error concerns (the pod's connection; the outer
  // tuple is shared by unrelated pods' traffic). Else the outer tuple, as for any packet.
  if (depth === 0 && nh === PROTO_UDP && at + 8 + 8 <= end && u16(frame, at + 2) === GENEVE_PORT) {
    // Geneve: past its options, an Ethernet frame (0x6558) or the IP packet itself.
    const g = at + 8;
    const inner = g + GENEVE_HEADER_LEN + (frame[g] & 0x3f) * 4;
    const proto = u16(frame, g + 2);
    const eth = proto === 0x6558 && inner + 14 <= end;
    const type = eth ? u16(frame, inner + 12) : proto;
    if (frame[g] >> 6 === 0 && (type === 0x0800 || type === 0x86dd)) {
      quotedFlow(type === 0x86dd, frame, eth ? inner + 14 : inner, end, out, 1);
      if (out.quoted) return;
    }
  } else if (depth === 0 && nh === PROTO_UDP && at + 8 + 8 + 14 <= end) {
    const port = u16(frame, at + 2);
    if (port === 4789 || port === 8472) {
      const eth = at + 16;
      const type = u16(frame, eth + 12);
      if (type === 0x0800 || type === 0x86dd) {
        quotedFlow(type === 0x86dd, frame, eth + 14, end, out, 1);
        if (out.quoted) return;
      }
    }
  } else if (depth === 0 && (nh === PROTO_IPIP || nh === PROTO_IPV6_IN_IP)) {
    quotedFlow(nh === PROTO_IPV6_IN_IP, frame, at, end, out, 1);
    if (out.quoted) return;
  }
  let known = false;
  if (nh === PROTO_TCP || nh === PROTO_UDP || nh === PROTO_SCTP) {
    if (at + 4 > end) return;
    known = packetFlowKey(nh, -1, -1, -1, src, u16(frame, at), dst, u16(frame, at + 2));
  } else if (nh === PROTO_ICMP || nh === PROTO_ICMPV6) {
    if (at + 8 > end) return;
    known = packetFlowKey(nh, frame[at], u16(frame, at + 4), u16(frame, at + 6), src, -1, dst, -1);
  }
  if (!known) return;
  out.quoted = true;
  out.quotedHi = FLOW_KEY[0];
  out.quotedLo = FLOW_KEY[1];
}

/** Where the innermost L4 header starts, even when the decoder stopped inside it (snaplen). */
function l4Start(f: PacketFields): number {
  if (f.l4Offset >= 0) return f.l4Offset;
  if (f.ipVersion === 4 && f.ipOffset >= 0 && f.ipHeaderLen > 0) return f.ipOffset + f.ipHeaderLen;
  if (f.ipVersion === 6 && f.ipOffset >= 0 && f.ipHeaderLen > 0) return f.ipOffset + f.ipHeaderLen;
  return -1;
}

/** Slots of a Fragments6 table (a power of two): datagrams in flight on one lane at once, and then some. */
const FRAG6_SLOTS = 256;

/**
 * One capture lane's IPv6 datagrams whose first fragment it saw: (fragment id, addresses) → that fragment's
 * identity, which becomes the tail of the datagram's later fragments on the lane. Those carry data only, and their
 * fragment id is the lane's own (conntrack gives forwarded fragments new ids), so without it two datagrams' later
 * fragments of one size between the same two addresses (a burst of large datagrams) were one packet and its
 * duplicates. The first fragment's identity is the same on every lane: so is the tail, where the lane saw it; a
 * lane that did not (the first fragment dropped by a router) leaves the tail unknown, compatible with any.
 * Fixed arrays, a slot overwritten by a newer datagram: no allocation per packet.
 */
export class Fragments6 {
  private readonly id = new Int32Array(FRAG6_SLOTS);
  private readonly src = new Int32Array(FRAG6_SLOTS);
  private readonly dst = new Int32Array(FRAG6_SLOTS);
  private readonly tail = new Int32Array(FRAG6_SLOTS);
  private readonly used = new Uint8Array(FRAG6_SLOTS);

  private slot(id: number, src: number, dst: number): number {
    return fmix(id ^ Math.imul(src, 0x2c1b3c6d) ^ Math.imul(dst, 0x297a2d39)) & (FRAG6_SLOTS - 1);
  }

  /** A first fragment's identity (key and tail, known) for its datagram's later fragments. */
  first(id: number, src: number, dst: number, value: number): void {
    const i = this.slot(id, src, dst);
    this.id[i] = id;
    this.src[i] = src;
    this.dst[i] = dst;
    this.tail[i] = value;
    this.used[i] = 1;
  }

  /** A first fragment whose identity is not known (its tail cut): its later fragments' tails stay unknown. */
  forget(id: number, src: number, dst: number): void {
    const i = this.slot(id, src, dst);
    if (this.used[i] === 1 && this.id[i] === id && this.src[i] === src && this.dst[i] === dst)
      this.used[i] = 0;
  }

  /** Into out.tail/tailKnown: the datagram's first fragment's identity, when this lane saw it. */
  later(id: number, src: number, dst: number, out: Identity): void {
    const i = this.slot(id, src, dst);
    if (this.used[i] !== 1 || this.id[i] !== id || this.src[i] !== src || this.dst[i] !== dst) return;
    out.tailKnown = true;
    out.tail = this.tail[i];
  }
}

/**
 * Fills `out` from the decoded fields and the frame bytes: frame[base, base + n) (the whole array by default,
 * or a record inside a read chunk, so the hot path needs no subarray). Never throws, never allocates. `frags6`:
 * the lane's IPv6 first fragments (rows pushed in capture order), which give its later fragments a tail.
 */
export function computeIdentity(
  f: PacketFields,
  frame: Uint8Array,
  out: Identity,
  base = 0,
  n = frame.length - base,
  frags6: Fragments6 | null = null,
): void {
  out.keyed = false;
  out.tailKnown = false;
  out.keyHi = 0;
  out.keyLo = 0;
  out.tail = 0;
  out.src6 = 0;
  out.dst6 = 0;
  out.quoted = false;
  out.wgCounter = -1;
  if (f.ipVersion === 6) hashIpv6(f, frame, out, base, n);
  if (f.ipVersion === 0 || f.ipTotalLen < 0) return;
  const w = words;
  w[0] = f.ipVersion;
  w[1] = f.ipId;
  w[2] = f.proto;
  w[3] = f.ipTotalLen;
  w[4] = f.fragOffset | (f.moreFragments ? 0x10000 : 0);
  nw = 5;
  // IPv6 has no IP id, and a fragment header's is not kept along the path: conntrack (loaded on every Kubernetes
  // node) reassembles a forwarded datagram and fragments it again under an id of its own, so the fragments seen
  // before and after a node differ only there. The first fragment is told apart by its L4 invariants and tail, as
  // an unfragmented packet is; a later fragment (data only: an echo's reply carries the request's bytes at the
  // same offsets) adds its addresses, which nothing on the way rewrites but a NAT (conntrack's too).
  const laterFragment6 = f.ipVersion === 6 && f.fragOffset !== 0;
  if (laterFragment6) mixIpv6(f, frame, base, n);
  // An ICMP error: its tail and its flow tuple are the quoted packet's.
  let quotes = false;
  let mixed6 = false;
  if (f.fragOffset === 0) {
    const l4 = l4Start(f);
    const proto = f.proto;
    if (proto === PROTO_ICMP || proto === PROTO_ICMPV6) {
      if (l4 < 0 || l4 + ICMP_MIN > n) return;
      w[nw++] = frame[base + l4];
      w[nw++] = frame[base + l4 + 1];
      w[nw++] = u16(frame, base + l4 + ICMP_SEQ);
      const t6 = frame[base + l4];
      quotes = icmpError(proto, t6);
      // ICMPv6 other than echo and errors (NDP, MLD, router solicitations) has no per-packet id at all, and the
      // same report comes from every host: add the addresses (link-local, never NAT'ed), as for IGMP below, and
      // the checksum, which covers the whole message (never rewritten either: these never leave the link). Hosts
      // doing duplicate address detection at once all report from :: to ff02::16, their groups (each its own
      // solicited-node address) past the tail's first bytes: only the checksum tells their reports apart. Not an
      // error's: conntrack rewrites them (with its quote) on the way back through a NAT; its quote tells it apart
      // (quotedTail), as an echo's payload does.
      if (proto === PROTO_ICMPV6 && !quotes && t6 !== ICMPV6_ECHO_REQUEST && t6 !== ICMPV6_ECHO_REPLY) {
        w[nw++] = u16(frame, base + l4 + ICMP_CHECKSUM);
        mixIpv6(f, frame, base, n);
        mixed6 = true;
      }
      if (quotes) quotedFlow(proto === PROTO_ICMPV6, frame, base + l4 + ICMP_MIN, base + n, out);
    } else if (proto === PROTO_TCP) {
      if (l4 < 0 || l4 + TCP_ACK_END > n) return;
      w[nw++] = i32(frame, base + l4 + TCP_SEQ);
      w[nw++] = i32(frame, base + l4 + TCP_SEQ + 4);
    } else if (proto === PROTO_UDP) {
      if (l4 < 0 || l4 + UDP_MIN > n) return;
      const udpLen = u16(frame, base + l4 + UDP_LEN);
      w[nw++] = udpLen;
      // Four compares on every UDP row; the message is parsed only on WireGuard's ports. A datagram the outer IP
      // layer fragmented is left alone (its IP length is not the message's).
      if ((isWireGuardPort(f.srcPort) || isWireGuardPort(f.dstPort)) && !f.moreFragments)
        out.wgCounter = transportDataCounter(
          frame,
          base + l4 + UDP_HEADER_LEN,
          base + n,
          udpLen - UDP_HEADER_LEN,
        );
    } else if (proto === PROTO_SCTP) {
      // Not the addresses (as for the protocols below): a ClusterIP's DNAT rewrites them, and SCTP's ports.
      if (l4 < 0 || l4 + SCTP_VTAG_END > n) return;
      w[nw++] = i32(frame, base + l4 + SCTP_VTAG);
    } else if (f.ipVersion === 4) {
      // Other protocols (IGMP, GRE, OSPF…) carry nothing per-packet we can hash without the payload, and
      // identical ones come from different hosts (IGMP reports): add the addresses, which NAT leaves alone.
      w[nw++] = f.src;
      w[nw++] = f.dst;
    }
  }
  // A link-local source or destination (fe80::/10) never leaves its link: nothing routes, NATs or rewrites the
  // packet. Its addresses then tell apart what nothing else does: every host's echo reply to one ping of ff02::1
  // is the request's bytes back, with no IP id (without them, one reply looked like another NAT'ed).
  if (f.ipVersion === 6 && !mixed6 && !laterFragment6 && linkLocal6(f, frame, base, n))
    mixIpv6(f, frame, base, n);
  out.keyed = true;
  mixWords(out);
  tail(f, frame, out, base, n, quotes);
  // An IPv6 fragment on a lane with its table: a first one records its identity, a later one takes it as its tail.
  if (frags6 !== null && f.ipVersion === 6 && out.src6 !== 0 && (laterFragment6 || f.moreFragments)) {
    if (laterFragment6) frags6.later(f.fragId6, out.src6, out.dst6, out);
    else if (out.tailKnown)
      frags6.first(f.fragId6, out.src6, out.dst6, fmix(out.keyHi ^ fmix(out.keyLo ^ out.tail)));
    else frags6.forget(f.fragId6, out.src6, out.dst6);
  }
}

/** The inner IPv6 packet's source or destination is link-local (fe80::/10), when captured. */
function linkLocal6(f: PacketFields, frame: Uint8Array, base: number, n: number): boolean {
  const s = f.src6Offset;
  const d = f.dst6Offset;
  if (s < 0 || d < 0 || s + IPV6_ADDR > n || d + IPV6_ADDR > n) return false;
  const ll = (at: number) => frame[at] === 0xfe && (frame[at + 1] & 0xc0) === 0x80;
  return ll(base + s) || ll(base + d);
}

/** `quotes`: an ICMP error (computeIdentity found it), whose tail is its quote's (quotedTail). */
function tail(
  f: PacketFields,
  frame: Uint8Array,
  out: Identity,
  base: number,
  n: number,
  quotes: boolean,
): void {
  const p = f.payloadOffset;
  if (p < 0 || f.payloadLen < 0 || f.fragOffset !== 0) return;
  if (quotes) {
    quotedTail(f.proto === PROTO_ICMPV6, frame, base + p, base + n, base + p + f.payloadLen, out);
    return;
  }
  const want = Math.min(TAIL_PAYLOAD_BYTES, f.payloadLen);
  if (p + want > n) return;
  let h = 0x3c6ef372;
  if (f.proto === PROTO_TCP) {
    const l4 = l4Start(f);
    if (l4 < 0 || l4 + TCP_FLAGS >= n) return;
    h = Math.imul(h ^ frame[base + l4 + TCP_FLAGS], 0x01000193);
  }
  for (let i = 0; i < want; i++) h = Math.imul(h ^ frame[base + p + i], 0x01000193);
  out.tailKnown = true;
  out.tail = fmix(h ^ want);
}

/**
 * An ICMP error's tail: of the packet it quotes at frame[q], what no NAT on the way rewrites (conntrack translates
 * the quote's addresses, ports, ICMP id and checksums as it translates the error, so the raw bytes differ per side):
 * IPv4's id, protocol and total length, IPv6's payload length, next header and flow label (and past its extension
 * headers, a fragment header's offset, M and id), and a quoted TCP segment's sequence number, UDP length or SCTP
 * verification tag. Unknown when the quote is cut before them. IPv6 has no IP id, in the error
 * or in its quote, and an error's key has no addresses (NAT rewrites them): the quoted packet's first payload bytes
 * (quotedPayload6) keep two hosts' errors for two datagrams of one size apart. `end`: the captured bytes';
 * `quoteEnd`: the error's, as its headers say.
 */
function quotedTail(
  v6: boolean,
  frame: Uint8Array,
  q: number,
  end: number,
  quoteEnd: number,
  out: Identity,
): void {
  let h = 0x3c6ef372;
  let at: number;
  let proto: number;
  if (!v6) {
    if (q + 20 > end || frame[q] >> 4 !== 4) return;
    h = fmix(h ^ u16(frame, q + 4));
    h = fmix(h ^ (frame[q + 9] << 16) ^ u16(frame, q + 2));
    proto = frame[q + 9];
    at = (u16(frame, q + 6) & 0x1fff) === 0 ? q + (frame[q] & 15) * 4 : -1;
  } else {
    if (q + 40 > end || frame[q] >> 4 !== 6) return;
    h = fmix(h ^ u16(frame, q + 4) ^ (frame[q + 6] << 16));
    h = fmix(h ^ (i32(frame, q) & 0xfffff));
    // Past its extension headers (quoted as sent: a fragment header, destination options): the L4 invariants
    // below, and a fragment's offset, M and id (two too bigs for two fragments of one datagram differ only there;
    // no NAT rewrites them). A later fragment has no L4 header: its first data bytes are its payload.
    at = walkExt6(frame, q, end < quoteEnd ? end : quoteEnd);
    if (at < 0) {
      if (end < quoteEnd) return; // the capture cut the quote's extension headers: unknown
      at = -1;
    } else if (ext6Frag >= 0) {
      h = fmix(h ^ ext6Frag ^ (ext6Next << 16));
      h = fmix(h ^ ext6FragId);
    }
    proto = at < 0 ? -1 : ext6Frag > 1 ? FRAGMENT_DATA : ext6Next;
  }
  // The quoted TCP sequence number, UDP length or SCTP verification tag: unknown (not left out) when the error holds it and the capture
  // cut it, so that a copy cut by the snaplen still joins the whole one on another lane.
  const l4 = proto === PROTO_TCP ? 8 : proto === PROTO_UDP ? 6 : proto === PROTO_SCTP ? SCTP_VTAG_END : 0;
  if (at >= 0 && l4 && at + l4 > end && at + l4 <= quoteEnd) return;
  if (at >= 0 && proto === PROTO_TCP && at + 8 <= end) h = fmix(h ^ i32(frame, at + 4));
  else if (at >= 0 && proto === PROTO_UDP && at + 6 <= end) h = fmix(h ^ u16(frame, at + 4));
  else if (at >= 0 && proto === PROTO_SCTP && at + SCTP_VTAG_END <= end)
    h = fmix(h ^ i32(frame, at + SCTP_VTAG));
  if (v6) {
    const pay = quotedPayload6(frame, proto, at, end, quoteEnd);
    if (pay === PAYLOAD_CUT) return;
    if (pay >= 0) {
      // As many bytes as the error holds, up to TAIL_PAYLOAD_BYTES: the same on every copy of it, else unknown.
      const want = Math.max(0, Math.min(TAIL_PAYLOAD_BYTES, quoteEnd - pay));
      if (pay + want > end) return;
      if (proto === PROTO_ICMPV6) h = fmix(h ^ u16(frame, at + ICMP_SEQ));
      for (let i = 0; i < want; i++) h = Math.imul(h ^ frame[pay + i], 0x01000193);
      h = fmix(h ^ want);
    }
  }
  out.tailKnown = true;
  out.tail = h;
}

/** quotedPayload6: the quote holds the quoted packet's L4 header but the capture cut it (the tail is unknown). */
const PAYLOAD_CUT = -2;
/** quotedTail's protocol for a later fragment's data (no L4 header; outside 0..255). */
const FRAGMENT_DATA = 256;
const TCP_DATA_OFFSET = 12;
const UDP_HEADER_LEN = 8;
/** SCTP's common header: ports, verification tag, CRC32c; its chunks follow (the first one's is the payload). */
const SCTP_HEADER_LEN = 12;

/**
 * Where the payload of a quoted IPv6 TCP segment, UDP datagram, SCTP packet (its first chunk: an INIT's tag, a DATA
 * chunk's TSN; its verification tag is 0 in an INIT) or ICMPv6 echo (whose seq NAT leaves alone, unlike its id)
 * starts (its L4 header at frame[at], past the extension headers), or a later fragment's data (FRAGMENT_DATA, at
 * frame[at]); -1 for any other packet or when the quote ends inside that header; PAYLOAD_CUT when the quote holds
 * the header and the capture does not.
 */
function quotedPayload6(frame: Uint8Array, proto: number, at: number, end: number, quoteEnd: number): number {
  let header: number;
  if (proto === PROTO_UDP) header = UDP_HEADER_LEN;
  else if (proto === PROTO_TCP) header = TCP_DATA_OFFSET + 1;
  else if (proto === PROTO_ICMPV6) header = ICMP_MIN;
  else if (proto === PROTO_SCTP) header = SCTP_HEADER_LEN;
  else if (proto === FRAGMENT_DATA) return at;
  else return -1;
  if (at + header > quoteEnd) return -1;
  if (at + header > end) return PAYLOAD_CUT;
  if (proto === PROTO_TCP) return at + (frame[at + TCP_DATA_OFFSET] >> 4) * 4;
  if (proto === PROTO_ICMPV6) {
    const type = frame[at];
    return type === ICMPV6_ECHO_REQUEST || type === ICMPV6_ECHO_REPLY ? at + ICMP_MIN : -1;
  }
  return at + UDP_HEADER_LEN;
}
