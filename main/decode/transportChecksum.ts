// The checksum a TCP segment or UDP datagram should carry: the Internet checksum (RFC 1071) over its pseudo-header
// (IPv4: RFC 793 §3.1, RFC 768; IPv6: RFC 8200 §8.1) and itself, its own checksum field left out. What tcpdump -v
// prints after `->` when the packet's is wrong (`[bad udp cksum 0xfb3f -> 0x7efd!]`, `cksum 0x1af5 (incorrect ->
// 0xe5ff)`): a checksum offloaded to the NIC is still the pseudo-header's partial sum on the sender's own capture.

import type { PacketFields } from './fields.ts';
import { IPPROTO_TCP, IPPROTO_UDP } from './ipv4.ts';

const TCP_CKSUM = 16;
const UDP_CKSUM = 6;
const IPV4_SRC = 12;
const IPV6_NEXT_HEADER = 6;
const IPV6_SRC = 8;
const IPV6_HEADER_LEN = 40;

/**
 * The checksum the innermost TCP or UDP header of `b` (decoded into `f`) should carry; -1 when it cannot be computed
 * from the frame: another protocol, a fragment, a segment the capture cut short, or IPv6 extension headers (a
 * routing header would change the pseudo-header's destination).
 */
export function transportChecksum(b: Uint8Array, f: PacketFields): number {
  const field = f.proto === IPPROTO_TCP ? TCP_CKSUM : f.proto === IPPROTO_UDP ? UDP_CKSUM : -1;
  if (field < 0 || f.l4Offset < 0 || f.fragOffset > 0 || f.moreFragments) return -1;
  const ip = f.ipOffset;
  const end = ip + f.ipTotalLen;
  const len = end - f.l4Offset;
  if (len < field + 2 || end > b.length) return -1;
  let sum = f.proto + len;
  if (f.ipVersion === 4) sum += words(b, ip + IPV4_SRC, ip + IPV4_SRC + 8);
  else if (f.ipVersion === 6 && f.ipHeaderLen === IPV6_HEADER_LEN && b[ip + IPV6_NEXT_HEADER] === f.proto)
    sum += words(b, ip + IPV6_SRC, ip + IPV6_SRC + 32);
  else return -1;
  const at = f.l4Offset;
  sum += words(b, at, at + field) + words(b, at + field + 2, end);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  const c = ~sum & 0xffff;
  // UDP sends a computed zero as all ones (zero means no checksum).
  return c === 0 && f.proto === IPPROTO_UDP ? 0xffff : c;
}

/** The sum of b[from, to) as big-endian 16-bit words, an odd last byte padded with zero. */
function words(b: Uint8Array, from: number, to: number): number {
  let s = 0;
  let i = from;
  for (; i + 1 < to; i += 2) s += (b[i] << 8) | b[i + 1];
  if (i < to) s += b[i] << 8;
  return s;
}
