// The packet identity hash (see PacketFields.keyHi/keyLo): two independent 32-bit lanes (murmur3- and
// xxhash32-style rounds) over the NAT- and hop-invariant fields and a bounded payload prefix. Never hashes
// addresses, ports, TTL, checksums, MACs or outer headers, which change along the path.
import {
  KEY_PAYLOAD_MAX,
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_SCTP,
  PROTO_TCP,
  PROTO_UDP,
  type PacketFields,
} from './fields.ts';

/** SCTP's verification tag (sctp.ts's VTAG): the one common-header field no NAT rewrites. */
const SCTP_VTAG = 4;
const SCTP_VTAG_END = 8;
const SEED1 = 0x3c6ef372;
const SEED2 = 0x9e3779b9;
/** Header words of the packet being keyed (filled, then hashed in one tight loop). */
const words = new Int32Array(8);

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Fills out.keyHi/keyLo/keyHdr/keyPayloadLen from the already decoded innermost packet. */
export function computeKey(b: Uint8Array, out: PacketFields): void {
  let nw = 0;
  words[nw++] = (out.ipVersion << 24) | ((out.proto & 0xff) << 16) | (out.ipId & 0xffff);
  words[nw++] = out.ipTotalLen;
  words[nw++] = out.fragOffset | (out.moreFragments ? 0x80000000 : 0);
  if (out.l4Offset >= 0) {
    const p = out.proto;
    if (p === PROTO_ICMP || p === PROTO_ICMPV6) {
      words[nw++] = (out.icmpType << 24) | (out.icmpCode << 16);
      words[nw++] = ((out.icmpId & 0xffff) << 16) | (out.icmpSeq & 0xffff);
    } else if (p === PROTO_TCP) {
      words[nw++] = out.tcpSeq;
      words[nw++] = out.tcpAck;
      words[nw++] = out.tcpFlags;
    } else if (p === PROTO_UDP) {
      words[nw++] = out.payloadLen;
    } else if (p === PROTO_SCTP && out.l4Offset + SCTP_VTAG_END <= b.length) {
      const v = out.l4Offset + SCTP_VTAG;
      words[nw++] = (b[v] << 24) | (b[v + 1] << 16) | (b[v + 2] << 8) | b[v + 3];
    }
  }
  // Header words: a murmur3 lane and an xxhash32-style lane.
  let h1 = SEED1;
  let h2 = SEED2;
  for (let i = 0; i < nw; i++) {
    const k = words[i];
    let a = Math.imul(k, 0xcc9e2d51);
    a = (a << 15) | (a >>> 17);
    h1 ^= Math.imul(a, 0x1b873593);
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 = (h2 + Math.imul(k, 0x85ebca77)) | 0;
    h2 = (h2 << 13) | (h2 >>> 19);
    h2 = Math.imul(h2, 0x9e3779b1);
  }
  out.keyHdr = fmix(h1 ^ Math.imul(h2, 0x27d4eb2f));
  let n = out.capturedPayloadLen;
  if (n > KEY_PAYLOAD_MAX) n = KEY_PAYLOAD_MAX;
  if (n < 0) n = 0;
  const at = out.payloadOffset;
  let i = 0;
  // Payload words: the murmur lane, plus a cheaper FNV-1a-style second lane (this loop is most of the cost).
  for (; i + 4 <= n; i += 4) {
    const k = (b[at + i] << 24) | (b[at + i + 1] << 16) | (b[at + i + 2] << 8) | b[at + i + 3];
    let a = Math.imul(k, 0xcc9e2d51);
    a = (a << 15) | (a >>> 17);
    h1 ^= Math.imul(a, 0x1b873593);
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 = Math.imul(h2 ^ k, 0x01000193);
  }
  // The last 1–3 bytes, with the length, into both lanes.
  let t = n;
  for (; i < n; i++) t = (t << 8) ^ b[at + i];
  let a = Math.imul(t, 0xcc9e2d51);
  a = (a << 15) | (a >>> 17);
  h1 ^= Math.imul(a, 0x1b873593);
  h2 = Math.imul(h2 ^ t, 0x01000193);
  out.keyPayloadLen = n;
  out.keyHi = fmix(h1);
  out.keyLo = fmix(h2 ^ h1);
  if (out.keyHi === 0 && out.keyLo === 0) out.keyLo = 1; // 0/0 is reserved for "no packet"
}
