// The observation table: one row per captured frame (every capture, every record), stored as typed-array
// columns grown together. Rows are appended from the reused PacketFields; nothing per packet is an object.

import type { PacketFields } from '../decode/fields.ts';
import type { Identity } from './identity.ts';
import { TupleInterner } from './interner.ts';

/** Fields of an interned encapsulation tuple, for ObservationTable.encap(). */
export const E_TYPE = 0;
export const E_SRC = 1;
export const E_DST = 2;
export const E_VNI = 3;
export const E_SPORT = 4;
export const E_DPORT = 5;
export const E_TTL = 6;
export const E_INNER_SRC = 7;
export const E_INNER_DST = 8;
const ENCAP_FIELDS = 9;
// fields.ts STATUS_TRUNCATED / STATUS_MALFORMED, local for the per-packet path.
const STATUS_TRUNCATED = 1;
const STATUS_MALFORMED = 2;

/** Row flags. */
export const F_KEYED = 1; // has an identity key: belongs to a journey
export const F_TAIL = 2; // tail hash known
export const F_DUP = 4; // an exact duplicate of an earlier row on the same capture (not a hop)
export const F_ARP = 8;
export const F_TRUNCATED = 16;
export const F_MALFORMED = 32;
export const F_ETH = 64; // the outer frame has Ethernet MACs
export const F_IP = 128; // an inner IP packet was decoded

/**
 * Bits of ObservationTable.missing: the field is absent (-1 in PacketFields). Narrow unsigned columns cannot
 * hold -1, so an absent value is stored as 0 with its bit set; read through the accessors, never the raw columns.
 */
export const M_TTL = 1;
export const M_PROTO = 2;
export const M_SRC_PORT = 4;
export const M_DST_PORT = 8;
export const M_IP_ID = 16;
export const M_IP_LEN = 32;
export const M_ICMP_TYPE = 64;
export const M_ICMP_ID = 128;
export const M_ICMP_SEQ = 256;
export const M_TCP_FLAGS = 512;
/** Raw ipLen value meaning "too big for 16 bits: see the overflow map" (IPv6 jumbo-sized lengths). */
const WIDE16 = 0xffff;
/** Largest byte offset a Uint32 fileOffset column holds before it is widened to Float64. */
const U32_MAX = 0xffffffff;

export class ObservationTable {
  length = 0;
  private cap = 0;
  capture!: Uint16Array;
  record!: Uint32Array; // record index within its capture file
  /** Byte offset of the record in its file: Uint32 until an offset past 4 GiB arrives, then Float64. */
  fileOffset!: Uint32Array | Float64Array;
  /** Captured and original lengths: Uint16 until a frame over 65,535 bytes (GRO/TSO) arrives, then Uint32. */
  caplen!: Uint16Array | Uint32Array;
  origLen!: Uint16Array | Uint32Array;
  /** Timestamp in ns relative to the table's base second (exact in float64 for ±104 days). */
  t!: Float64Array;
  flags!: Uint8Array;
  /** M_* bits: which narrow fields are absent (their raw column holds 0). */
  missing!: Uint16Array;
  keyHi!: Int32Array;
  keyLo!: Int32Array;
  tail!: Int32Array;
  src!: Uint32Array;
  dst!: Uint32Array;
  /** Raw narrow columns: read with srcPort(r), ttl(r)… (which give -1 when absent). */
  srcPortCol!: Uint16Array;
  dstPortCol!: Uint16Array;
  ttlCol!: Uint8Array;
  protoCol!: Uint8Array;
  ipIdCol!: Uint16Array;
  ipLenCol!: Uint16Array;
  /** ARP: opcode in icmpType, sender/target IPv4 in src/dst (ARP rows are per lane, never journeys). */
  icmpTypeCol!: Uint16Array;
  icmpIdCol!: Uint16Array;
  icmpSeqCol!: Uint16Array;
  tcpFlagsCol!: Uint16Array;
  /** ipLen values >= 0xffff (raw column holds WIDE16): rare, so a map instead of a wider column. */
  private readonly wideIpLen = new Map<number, number>();
  /** Interned (src MAC, dst MAC) of the outer frame as id + 1, 0 without Ethernet. Read with ethSrc()/ethDst(). */
  private ethPair!: Uint16Array | Int32Array;
  encapCount!: Uint8Array;
  /** Interned outermost encapsulation (type, outer src/dst, VNI, ports, TTL, inner MACs) as id + 1, 0 none. */
  private encapId!: Uint16Array | Int32Array;
  private readonly macPairs = new TupleInterner(2);
  private readonly encaps = new TupleInterner(ENCAP_FIELDS);
  private readonly scratch = new Float64Array(ENCAP_FIELDS);
  /** Node-local segment the row joined (-1 none). Filled by the grouper. */
  segment!: Int32Array;
  /** Next row of the same segment in path order (-1 end). */
  nextInSegment!: Int32Array;

  constructor(initial = 4096) {
    this.grow(initial);
  }

  private grow(n: number): void {
    const g = <T extends { length: number; set(a: ArrayLike<number>): void }>(
      old: T | undefined,
      make: (n: number) => T,
    ): T => {
      const a = make(n);
      if (old) a.set(old as unknown as ArrayLike<number>);
      return a;
    };
    this.capture = g(this.capture, (n) => new Uint16Array(n));
    this.record = g(this.record, (n) => new Uint32Array(n));
    this.fileOffset = g(this.fileOffset, (n) =>
      this.fileOffset instanceof Float64Array ? new Float64Array(n) : new Uint32Array(n),
    );
    this.caplen = g(this.caplen, (n) =>
      this.caplen instanceof Uint32Array ? new Uint32Array(n) : new Uint16Array(n),
    );
    this.origLen = g(this.origLen, (n) =>
      this.origLen instanceof Uint32Array ? new Uint32Array(n) : new Uint16Array(n),
    );
    this.t = g(this.t, (n) => new Float64Array(n));
    this.flags = g(this.flags, (n) => new Uint8Array(n));
    this.missing = g(this.missing, (n) => new Uint16Array(n));
    this.keyHi = g(this.keyHi, (n) => new Int32Array(n));
    this.keyLo = g(this.keyLo, (n) => new Int32Array(n));
    this.tail = g(this.tail, (n) => new Int32Array(n));
    this.src = g(this.src, (n) => new Uint32Array(n));
    this.dst = g(this.dst, (n) => new Uint32Array(n));
    this.srcPortCol = g(this.srcPortCol, (n) => new Uint16Array(n));
    this.dstPortCol = g(this.dstPortCol, (n) => new Uint16Array(n));
    this.ttlCol = g(this.ttlCol, (n) => new Uint8Array(n));
    this.protoCol = g(this.protoCol, (n) => new Uint8Array(n));
    this.ipIdCol = g(this.ipIdCol, (n) => new Uint16Array(n));
    this.ipLenCol = g(this.ipLenCol, (n) => new Uint16Array(n));
    this.icmpTypeCol = g(this.icmpTypeCol, (n) => new Uint16Array(n));
    this.icmpIdCol = g(this.icmpIdCol, (n) => new Uint16Array(n));
    this.icmpSeqCol = g(this.icmpSeqCol, (n) => new Uint16Array(n));
    this.tcpFlagsCol = g(this.tcpFlagsCol, (n) => new Uint16Array(n));
    this.ethPair = g(this.ethPair, (n) =>
      this.ethPair instanceof Int32Array ? new Int32Array(n) : new Uint16Array(n),
    );
    this.encapCount = g(this.encapCount, (n) => new Uint8Array(n));
    this.encapId = g(this.encapId, (n) =>
      this.encapId instanceof Int32Array ? new Int32Array(n) : new Uint16Array(n),
    );
    this.segment = g(this.segment, (n) => new Int32Array(n));
    this.nextInSegment = g(this.nextInSegment, (n) => new Int32Array(n));
    this.cap = n;
  }

  /**
   * Appends one row; returns its index. Its time is `sec` seconds (relative to the caller's base second) plus
   * `nsec`: two integers, as the float64 sum passed between functions would be boxed on the heap per row.
   */
  append(
    capture: number,
    record: number,
    fileOffset: number,
    caplen: number,
    origLen: number,
    sec: number,
    nsec: number,
    f: PacketFields,
    id: Identity,
  ): number {
    const i = this.length;
    if (i === this.cap) this.grow(this.cap * 2);
    this.length = i + 1;
    this.capture[i] = capture;
    this.record[i] = record;
    if (fileOffset > U32_MAX && this.fileOffset instanceof Uint32Array) {
      const w = new Float64Array(this.cap);
      w.set(this.fileOffset);
      this.fileOffset = w;
    }
    this.fileOffset[i] = fileOffset;
    if ((caplen > 0xffff || origLen > 0xffff) && this.caplen instanceof Uint16Array) {
      this.caplen = widenLengths(this.caplen);
      this.origLen = widenLengths(this.origLen);
    }
    this.caplen[i] = caplen;
    this.origLen[i] = origLen;
    this.t[i] = sec * 1e9 + nsec;
    let fl = 0;
    if (id.keyed) fl |= F_KEYED;
    if (id.tailKnown) fl |= F_TAIL;
    const arp = f.arpOp >= 0;
    if (arp) fl |= F_ARP;
    const st = f.status;
    if (st === STATUS_TRUNCATED) fl |= F_TRUNCATED;
    else if (st === STATUS_MALFORMED) fl |= F_MALFORMED;
    if (f.hasEth) fl |= F_ETH;
    if (f.ipVersion !== 0) fl |= F_IP;
    this.flags[i] = fl;
    this.keyHi[i] = id.keyHi;
    this.keyLo[i] = id.keyLo;
    this.tail[i] = id.tail;
    this.src[i] = arp ? f.arpSenderIp >>> 0 : f.src >= 0 ? f.src >>> 0 : 0;
    this.dst[i] = arp ? f.arpTargetIp >>> 0 : f.dst >= 0 ? f.dst >>> 0 : 0;
    // Narrow columns: an absent (-1) value is stored as 0 with its `missing` bit.
    let m = 0;
    const sp = f.srcPort;
    if (sp < 0) m |= M_SRC_PORT;
    this.srcPortCol[i] = sp < 0 ? 0 : sp;
    const dp = f.dstPort;
    if (dp < 0) m |= M_DST_PORT;
    this.dstPortCol[i] = dp < 0 ? 0 : dp;
    const ttl = f.ttl;
    if (ttl < 0) m |= M_TTL;
    this.ttlCol[i] = ttl < 0 ? 0 : ttl;
    const proto = f.proto;
    if (proto < 0) m |= M_PROTO;
    this.protoCol[i] = proto < 0 ? 0 : proto;
    const ipId = f.ipId;
    if (ipId < 0) m |= M_IP_ID;
    this.ipIdCol[i] = ipId < 0 ? 0 : ipId;
    const ipLen = f.ipTotalLen;
    if (ipLen < 0) {
      m |= M_IP_LEN;
      this.ipLenCol[i] = 0;
    } else if (ipLen >= WIDE16) {
      this.ipLenCol[i] = WIDE16;
      this.wideIpLen.set(i, ipLen);
    } else this.ipLenCol[i] = ipLen;
    const it = arp ? f.arpOp : f.icmpType;
    if (it < 0) m |= M_ICMP_TYPE;
    this.icmpTypeCol[i] = it < 0 ? 0 : it;
    const iid = f.icmpId;
    if (iid < 0) m |= M_ICMP_ID;
    this.icmpIdCol[i] = iid < 0 ? 0 : iid;
    const iseq = f.icmpSeq;
    if (iseq < 0) m |= M_ICMP_SEQ;
    this.icmpSeqCol[i] = iseq < 0 ? 0 : iseq;
    const tf = f.tcpFlags;
    if (tf < 0) m |= M_TCP_FLAGS;
    this.tcpFlagsCol[i] = tf < 0 ? 0 : tf;
    this.missing[i] = m;
    const eth = f.hasEth ? this.macPairOf(f.ethSrc, f.ethDst) + 1 : 0;
    if (eth > 0xffff && this.ethPair instanceof Uint16Array) this.ethPair = widenIds(this.ethPair);
    this.ethPair[i] = eth;
    const ec = f.encapCount;
    this.encapCount[i] = ec;
    const enc = ec > 0 ? this.encapOf(f) + 1 : 0;
    if (enc > 0xffff && this.encapId instanceof Uint16Array) this.encapId = widenIds(this.encapId);
    this.encapId[i] = enc;
    this.segment[i] = -1;
    this.nextInSegment[i] = -1;
    return i;
  }

  /** The interned id of the MAC pair (src, dst). */
  private macPairOf(src: number, dst: number): number {
    const sc = this.scratch;
    sc[0] = src;
    sc[1] = dst;
    return this.macPairs.intern(sc);
  }

  /** The interned id of f's outermost encapsulation. */
  private encapOf(f: PacketFields): number {
    const sc = this.scratch;
    sc[E_TYPE] = f.encapType[0];
    sc[E_SRC] = f.encapOuterSrc[0];
    sc[E_DST] = f.encapOuterDst[0];
    sc[E_VNI] = f.encapVni[0];
    sc[E_SPORT] = f.encapSrcPort[0];
    sc[E_DPORT] = f.encapDstPort[0];
    sc[E_TTL] = f.encapOuterTtl[0];
    sc[E_INNER_SRC] = f.innerEthSrc;
    sc[E_INNER_DST] = f.innerEthDst;
    return this.encaps.intern(sc);
  }

  // Semantic values of the narrow columns (-1 when absent).
  srcPort(r: number): number {
    return (this.missing[r] & M_SRC_PORT) !== 0 ? -1 : this.srcPortCol[r];
  }
  dstPort(r: number): number {
    return (this.missing[r] & M_DST_PORT) !== 0 ? -1 : this.dstPortCol[r];
  }
  ttl(r: number): number {
    return (this.missing[r] & M_TTL) !== 0 ? -1 : this.ttlCol[r];
  }
  proto(r: number): number {
    return (this.missing[r] & M_PROTO) !== 0 ? -1 : this.protoCol[r];
  }
  /** IPv4 identification, -1 for IPv6 and non-IP rows. */
  ipId(r: number): number {
    return (this.missing[r] & M_IP_ID) !== 0 ? -1 : this.ipIdCol[r];
  }
  ipLen(r: number): number {
    if ((this.missing[r] & M_IP_LEN) !== 0) return -1;
    const v = this.ipLenCol[r];
    return v === WIDE16 ? (this.wideIpLen.get(r) ?? v) : v;
  }
  /** ICMP/ICMPv6 type, or the ARP opcode on ARP rows; -1 when absent. */
  icmpType(r: number): number {
    return (this.missing[r] & M_ICMP_TYPE) !== 0 ? -1 : this.icmpTypeCol[r];
  }
  icmpId(r: number): number {
    return (this.missing[r] & M_ICMP_ID) !== 0 ? -1 : this.icmpIdCol[r];
  }
  icmpSeq(r: number): number {
    return (this.missing[r] & M_ICMP_SEQ) !== 0 ? -1 : this.icmpSeqCol[r];
  }
  tcpFlags(r: number): number {
    return (this.missing[r] & M_TCP_FLAGS) !== 0 ? -1 : this.tcpFlagsCol[r];
  }

  /** Same headers as seen on the wire at this point (what an exact duplicate frame would share). */
  sameHeaders(a: number, b: number): boolean {
    return (
      this.sameInner(a, b) &&
      this.ethPair[a] === this.ethPair[b] &&
      this.encapCount[a] === this.encapCount[b] &&
      this.encapId[a] === this.encapId[b] &&
      this.origLen[a] === this.origLen[b]
    );
  }

  /**
   * Same inner packet state (TTL, addresses, ports): nothing routed or NAT'ed it between the two rows, only
   * outer headers (MACs, encapsulation) may differ. IPv6 addresses are not in the columns (0 here).
   */
  sameInner(a: number, b: number): boolean {
    return (
      this.ttlCol[a] === this.ttlCol[b] &&
      this.src[a] === this.src[b] &&
      this.dst[a] === this.dst[b] &&
      this.srcPortCol[a] === this.srcPortCol[b] &&
      this.dstPortCol[a] === this.dstPortCol[b] &&
      ((this.missing[a] ^ this.missing[b]) & INNER_BITS) === 0
    );
  }

  /**
   * Same flow tuple columns (protocol, addresses, ports, ICMP type/id/seq): compared raw with their `missing`
   * bits, which is what the accessors' values amount to, without a call and a branch per field.
   */
  sameTuple(a: number, b: number): boolean {
    return (
      this.protoCol[a] === this.protoCol[b] &&
      this.src[a] === this.src[b] &&
      this.dst[a] === this.dst[b] &&
      this.srcPortCol[a] === this.srcPortCol[b] &&
      this.dstPortCol[a] === this.dstPortCol[b] &&
      this.icmpTypeCol[a] === this.icmpTypeCol[b] &&
      this.icmpIdCol[a] === this.icmpIdCol[b] &&
      this.icmpSeqCol[a] === this.icmpSeqCol[b] &&
      ((this.missing[a] ^ this.missing[b]) & TUPLE_BITS) === 0
    );
  }

  /** An IPv6 inner packet (IPv4 rows carry an IP id 0..65535, IPv6 ones -1): addresses live in the frame. */
  isIpv6(r: number): boolean {
    return (this.flags[r] & F_IP) !== 0 && (this.flags[r] & F_ARP) === 0 && (this.missing[r] & M_IP_ID) !== 0;
  }

  /** Outer frame MACs (-1 without Ethernet). */
  ethSrc(r: number): number {
    const p = this.ethPair[r];
    return p === 0 ? -1 : this.macPairs.get(p - 1, 0);
  }
  ethDst(r: number): number {
    const p = this.ethPair[r];
    return p === 0 ? -1 : this.macPairs.get(p - 1, 1);
  }
  /** A field of the outermost encapsulation (E_*), or -1 when the row has none. */
  encap(r: number, field: number): number {
    const e = this.encapId[r];
    return e === 0 ? -1 : this.encaps.get(e - 1, field);
  }

  /** Bytes held by the columns (for memory reports). */
  bytes(): number {
    let n = 0;
    for (const v of Object.values(this) as unknown[])
      if (ArrayBuffer.isView(v) && (v as Uint8Array).length === this.cap) n += v.byteLength;
    return n;
  }
}

/** Fields sameInner compares besides addresses: their `missing` bits must agree too. */
const INNER_BITS = M_TTL | M_SRC_PORT | M_DST_PORT;
/** The same for sameTuple. */
const TUPLE_BITS = M_PROTO | M_SRC_PORT | M_DST_PORT | M_ICMP_TYPE | M_ICMP_ID | M_ICMP_SEQ;
/** Widens a Uint16 length column to Uint32. */
function widenLengths(a: Uint16Array | Uint32Array): Uint32Array {
  const w = new Uint32Array(a.length);
  w.set(a);
  return w;
}

/** Widens a Uint16 id column to Int32 (more than 65,534 distinct MAC pairs or tunnels in one table). */
function widenIds(a: Uint16Array): Int32Array {
  const w = new Int32Array(a.length);
  w.set(a);
  return w;
}
