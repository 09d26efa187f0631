// Frame builders for the benchmark generator: write Ethernet/IPv4/ICMP/TCP/UDP/VXLAN headers in place, with
// correct checksums, so tcpdump and tshark read the generated captures exactly as they read real lab traffic.

export const ETH_HEADER_LEN = 14;
export const IPV4_HEADER_LEN = 20;
export const UDP_HEADER_LEN = 8;
export const VXLAN_HEADER_LEN = 8;
/** Outer Ethernet + IPv4 + UDP + VXLAN: what flannel.1 → ens33 adds to an inner frame. */
export const VXLAN_OVERHEAD = ETH_HEADER_LEN + IPV4_HEADER_LEN + UDP_HEADER_LEN + VXLAN_HEADER_LEN;
export const TCP_HEADER_LEN = 32; // 20 + NOP NOP TIMESTAMP (what Linux sends on an established connection)
export const ICMP_ECHO_HEADER_LEN = 8;

export const ETHERTYPE_IPV4 = 0x0800;
export const PROTO_IPIP = 4;
export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

// IPv4 header field offsets (RFC 791 §3.1).
const IP_VER_IHL = 0,
  IP_TOS = 1,
  IP_TOTAL_LEN = 2,
  IP_ID = 4,
  IP_FLAGS_FRAG = 6,
  IP_TTL = 8,
  IP_PROTO = 9,
  IP_CHECKSUM = 10,
  IP_SRC = 12,
  IP_DST = 16;
const IP_FLAG_DF = 0x4000;

export function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

export function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/** A 48-bit MAC given as a number (the same representation PacketFields uses). */
export function putMac(b: Uint8Array, at: number, mac: number): void {
  const hi = Math.floor(mac / 0x100000000);
  put16(b, at, hi);
  put32(b, at + 2, mac >>> 0);
}

export function writeEth(b: Uint8Array, at: number, dst: number, src: number, etherType: number): number {
  putMac(b, at, dst);
  putMac(b, at + 6, src);
  put16(b, at + 12, etherType);
  return at + ETH_HEADER_LEN;
}

/** Ones'-complement sum of 16-bit words (RFC 1071), not yet folded or inverted. */
export function sum16(b: Uint8Array, at: number, len: number, initial = 0): number {
  let s = initial;
  const end = at + (len & ~1);
  for (let i = at; i < end; i += 2) s += (b[i] << 8) | b[i + 1];
  if (len & 1) s += b[at + len - 1] << 8;
  return s;
}

export function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

export interface Ipv4Spec {
  totalLen: number;
  id: number;
  dontFragment: boolean;
  ttl: number;
  proto: number;
  src: number;
  dst: number;
}

export function writeIpv4(b: Uint8Array, at: number, ip: Ipv4Spec): number {
  b[at + IP_VER_IHL] = 0x45;
  b[at + IP_TOS] = 0;
  put16(b, at + IP_TOTAL_LEN, ip.totalLen);
  put16(b, at + IP_ID, ip.id & 0xffff);
  put16(b, at + IP_FLAGS_FRAG, ip.dontFragment ? IP_FLAG_DF : 0);
  b[at + IP_TTL] = ip.ttl;
  b[at + IP_PROTO] = ip.proto;
  put32(b, at + IP_SRC, ip.src);
  put32(b, at + IP_DST, ip.dst);
  setIpv4Ttl(b, at, ip.ttl);
  return at + IPV4_HEADER_LEN;
}

/** Rewrites the TTL and the header checksum, as a router does when it forwards. */
export function setIpv4Ttl(b: Uint8Array, at: number, ttl: number): void {
  b[at + IP_TTL] = ttl;
  put16(b, at + IP_CHECKSUM, 0);
  put16(b, at + IP_CHECKSUM, fold(sum16(b, at, IPV4_HEADER_LEN)));
}

function pseudoHeaderSum(b: Uint8Array, ipAt: number, proto: number, l4Len: number): number {
  return sum16(b, ipAt + IP_SRC, 8) + proto + l4Len;
}

/** ICMP echo request/reply with Linux ping's payload: 8-byte timeval, then bytes 0x10, 0x11, … */
export function writeIcmpEcho(
  b: Uint8Array,
  at: number,
  type: number,
  id: number,
  seq: number,
  payloadLen: number,
  tsSec: number,
  tsUsec: number,
): number {
  b[at] = type;
  b[at + 1] = 0;
  put16(b, at + 2, 0);
  put16(b, at + 4, id);
  put16(b, at + 6, seq & 0xffff);
  const p = at + ICMP_ECHO_HEADER_LEN;
  // ping's timeval is host-endian (little on x86): seconds then microseconds, 4 bytes each here.
  for (let i = 0; i < 4; i++) b[p + i] = (tsSec >>> (8 * i)) & 0xff;
  for (let i = 0; i < 4; i++) b[p + 4 + i] = (tsUsec >>> (8 * i)) & 0xff;
  for (let i = 8; i < payloadLen; i++) b[p + i] = (0x10 + i - 8) & 0xff;
  const len = ICMP_ECHO_HEADER_LEN + payloadLen;
  put16(b, at + 2, fold(sum16(b, at, len)));
  return at + len;
}

export interface TcpSpec {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  tsVal: number;
  tsEcr: number;
}

export const TCP_ACK = 0x10;
export const TCP_PSH = 0x08;

/** TCP header with NOP NOP TIMESTAMP; the payload must already sit right after it. ipAt is for the checksum. */
export function writeTcp(b: Uint8Array, ipAt: number, at: number, t: TcpSpec, payloadLen: number): number {
  put16(b, at, t.srcPort);
  put16(b, at + 2, t.dstPort);
  put32(b, at + 4, t.seq >>> 0);
  put32(b, at + 8, t.ack >>> 0);
  b[at + 12] = (TCP_HEADER_LEN / 4) << 4;
  b[at + 13] = t.flags;
  put16(b, at + 14, t.window);
  put16(b, at + 16, 0); // checksum, below
  put16(b, at + 18, 0); // urgent pointer
  b[at + 20] = 1; // NOP
  b[at + 21] = 1; // NOP
  b[at + 22] = 8; // TIMESTAMP
  b[at + 23] = 10;
  put32(b, at + 24, t.tsVal >>> 0);
  put32(b, at + 28, t.tsEcr >>> 0);
  const len = TCP_HEADER_LEN + payloadLen;
  put16(b, at + 16, fold(sum16(b, at, len, pseudoHeaderSum(b, ipAt, PROTO_TCP, len))));
  return at + len;
}

/** UDP header with checksum 0, which is what the Linux VXLAN driver sends by default over IPv4. */
export function writeUdpNoChecksum(
  b: Uint8Array,
  at: number,
  srcPort: number,
  dstPort: number,
  len: number,
): number {
  put16(b, at, srcPort);
  put16(b, at + 2, dstPort);
  put16(b, at + 4, len);
  put16(b, at + 6, 0);
  return at + UDP_HEADER_LEN;
}

// VXLAN (RFC 7348 §5): flags byte with the I bit, 3 reserved, 24-bit VNI, 1 reserved.
const VXLAN_FLAG_I = 0x08;
export function writeVxlan(b: Uint8Array, at: number, vni: number): number {
  b[at] = VXLAN_FLAG_I;
  b[at + 1] = 0;
  b[at + 2] = 0;
  b[at + 3] = 0;
  b[at + 4] = (vni >>> 16) & 0xff;
  b[at + 5] = (vni >>> 8) & 0xff;
  b[at + 6] = vni & 0xff;
  b[at + 7] = 0;
  return at + VXLAN_HEADER_LEN;
}
