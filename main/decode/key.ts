// The packet identity hash (see PacketFields.keyHi/keyLo): two independent 32-bit lanes (murmur3- and
// xxhash32-style rounds) over the NAT- and hop-invariant fields and a bounded payload prefix. Never hashes
// addresses, ports, TTL, checksums, MACs or outer headers, which change along the path.
import {
  KEY_PAYLOAD_MAX,
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_TCP,
  PROTO_UDP,
  type PacketFields,
} from './fields.ts';

const SEED1 = 0x3c6ef372;
const SEED2 = 0x9e3779b9;
let h1 = 0;
let h2 = 0;

function word(k: number): void {
  let a = Math.imul(k, 0xcc9e2d51);
  a = (a << 15) | (a >>> 17);
  a = Math.imul(a, 0x1b873593);
  h1 ^= a;
  h1 = (h1 << 13) | (h1 >>> 19);
  h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
  h2 = (h2 + Math.imul(k, 0x85ebca77)) | 0;
  h2 = (h2 << 13) | (h2 >>> 19);
  h2 = Math.imul(h2, 0x9e3779b1);
}

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
  h1 = SEED1;
  h2 = SEED2;
  word((out.ipVersion << 24) | ((out.proto & 0xff) << 16) | (out.ipId & 0xffff));
  word(out.ipTotalLen);
  word(out.fragOffset | (out.moreFragments ? 0x80000000 : 0));
  if (out.l4Offset >= 0) {
    const p = out.proto;
    if (p === PROTO_ICMP || p === PROTO_ICMPV6) {
      word((out.icmpType << 24) | (out.icmpCode << 16));
      word(((out.icmpId & 0xffff) << 16) | (out.icmpSeq & 0xffff));
    } else if (p === PROTO_TCP) {
      word(out.tcpSeq);
      word(out.tcpAck);
      word(out.tcpFlags);
    } else if (p === PROTO_UDP) {
      word(out.payloadLen);
    }
  }
  out.keyHdr = fmix(h1 ^ Math.imul(h2, 0x27d4eb2f));
  let n = out.capturedPayloadLen;
  if (n > KEY_PAYLOAD_MAX) n = KEY_PAYLOAD_MAX;
  if (n < 0) n = 0;
  const at = out.payloadOffset;
  let i = 0;
  // Payload words: the murmur lane, plus a cheaper FNV-1a-style second lane (this loop is most of the cost).
  let a1 = h1;
  let a2 = h2;
  for (; i + 4 <= n; i += 4) {
    const k = (b[at + i] << 24) | (b[at + i + 1] << 16) | (b[at + i + 2] << 8) | b[at + i + 3];
    let a = Math.imul(k, 0xcc9e2d51);
    a = (a << 15) | (a >>> 17);
    a1 ^= Math.imul(a, 0x1b873593);
    a1 = (a1 << 13) | (a1 >>> 19);
    a1 = (Math.imul(a1, 5) + 0xe6546b64) | 0;
    a2 = Math.imul(a2 ^ k, 0x01000193);
  }
  h1 = a1;
  h2 = a2;
  if (i < n) {
    let t = 0;
    for (; i < n; i++) t = (t << 8) | b[at + i];
    word(t);
  }
  word(n);
  out.keyPayloadLen = n;
  out.keyHi = fmix(h1);
  out.keyLo = fmix(h2 ^ h1);
  if (out.keyHi === 0 && out.keyLo === 0) out.keyLo = 1; // 0/0 is reserved for "no packet"
}
