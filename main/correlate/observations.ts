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

export class ObservationTable {
  length = 0;
  private cap = 0;
  capture!: Uint16Array;
  record!: Uint32Array; // record index within its capture file
  fileOffset!: Float64Array; // byte offset of the record in its file
  caplen!: Uint32Array;
  origLen!: Uint32Array;
  /** Timestamp in ns relative to the table's base second (exact in float64 for ±104 days). */
  t!: Float64Array;
  flags!: Uint8Array;
  keyHi!: Int32Array;
  keyLo!: Int32Array;
  tail!: Int32Array;
  src!: Uint32Array;
  dst!: Uint32Array;
  srcPort!: Int32Array;
  dstPort!: Int32Array;
  ttl!: Int16Array;
  proto!: Int16Array;
  ipId!: Int32Array;
  ipLen!: Int32Array;
  icmpType!: Int16Array;
  icmpId!: Int32Array;
  icmpSeq!: Int32Array;
  tcpFlags!: Int16Array;
  /** Interned (src MAC, dst MAC) of the outer frame, -1 without Ethernet. Read with ethSrc()/ethDst(). */
  ethPair!: Int32Array;
  /** ARP: opcode in icmpType, sender/target IPv4 in src/dst (ARP rows are per lane, never journeys). */
  encapCount!: Uint8Array;
  /** Interned outermost encapsulation (type, outer src/dst, VNI, ports, TTL, inner MACs), -1 none. */
  encapId!: Int32Array;
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
    this.fileOffset = g(this.fileOffset, (n) => new Float64Array(n));
    this.caplen = g(this.caplen, (n) => new Uint32Array(n));
    this.origLen = g(this.origLen, (n) => new Uint32Array(n));
    this.t = g(this.t, (n) => new Float64Array(n));
    this.flags = g(this.flags, (n) => new Uint8Array(n));
    this.keyHi = g(this.keyHi, (n) => new Int32Array(n));
    this.keyLo = g(this.keyLo, (n) => new Int32Array(n));
    this.tail = g(this.tail, (n) => new Int32Array(n));
    this.src = g(this.src, (n) => new Uint32Array(n));
    this.dst = g(this.dst, (n) => new Uint32Array(n));
    this.srcPort = g(this.srcPort, (n) => new Int32Array(n));
    this.dstPort = g(this.dstPort, (n) => new Int32Array(n));
    this.ttl = g(this.ttl, (n) => new Int16Array(n));
    this.proto = g(this.proto, (n) => new Int16Array(n));
    this.ipId = g(this.ipId, (n) => new Int32Array(n));
    this.ipLen = g(this.ipLen, (n) => new Int32Array(n));
    this.icmpType = g(this.icmpType, (n) => new Int16Array(n));
    this.icmpId = g(this.icmpId, (n) => new Int32Array(n));
    this.icmpSeq = g(this.icmpSeq, (n) => new Int32Array(n));
    this.tcpFlags = g(this.tcpFlags, (n) => new Int16Array(n));
    this.ethPair = g(this.ethPair, (n) => new Int32Array(n));
    this.encapCount = g(this.encapCount, (n) => new Uint8Array(n));
    this.encapId = g(this.encapId, (n) => new Int32Array(n));
    this.segment = g(this.segment, (n) => new Int32Array(n));
    this.nextInSegment = g(this.nextInSegment, (n) => new Int32Array(n));
    this.cap = n;
  }

  /** Appends one row; returns its index. `t` is ns relative to the caller's base second. */
  append(
    capture: number,
    record: number,
    fileOffset: number,
    caplen: number,
    origLen: number,
    t: number,
    f: PacketFields,
    id: Identity,
  ): number {
    const i = this.length;
    if (i === this.cap) this.grow(this.cap * 2);
    this.length = i + 1;
    this.capture[i] = capture;
    this.record[i] = record;
    this.fileOffset[i] = fileOffset;
    this.caplen[i] = caplen;
    this.origLen[i] = origLen;
    this.t[i] = t;
    let fl = 0;
    if (id.keyed) fl |= F_KEYED;
    if (id.tailKnown) fl |= F_TAIL;
    if (f.arpOp >= 0) fl |= F_ARP;
    if (f.status === STATUS_TRUNCATED) fl |= F_TRUNCATED;
    else if (f.status === STATUS_MALFORMED) fl |= F_MALFORMED;
    if (f.hasEth) fl |= F_ETH;
    if (f.ipVersion !== 0) fl |= F_IP;
    this.flags[i] = fl;
    this.keyHi[i] = id.keyHi;
    this.keyLo[i] = id.keyLo;
    this.tail[i] = id.tail;
    const arp = f.arpOp >= 0;
    this.src[i] = arp ? f.arpSenderIp >>> 0 : f.src >= 0 ? f.src >>> 0 : 0;
    this.dst[i] = arp ? f.arpTargetIp >>> 0 : f.dst >= 0 ? f.dst >>> 0 : 0;
    this.srcPort[i] = f.srcPort;
    this.dstPort[i] = f.dstPort;
    this.ttl[i] = f.ttl;
    this.proto[i] = f.proto;
    this.ipId[i] = f.ipId;
    this.ipLen[i] = f.ipTotalLen;
    this.icmpType[i] = arp ? f.arpOp : f.icmpType;
    this.icmpId[i] = f.icmpId;
    this.icmpSeq[i] = f.icmpSeq;
    this.tcpFlags[i] = f.tcpFlags;
    const sc = this.scratch;
    if (f.hasEth) {
      sc[0] = f.ethSrc;
      sc[1] = f.ethDst;
      this.ethPair[i] = this.macPairs.intern(sc);
    } else this.ethPair[i] = -1;
    const ec = f.encapCount;
    this.encapCount[i] = ec;
    if (ec > 0) {
      sc[E_TYPE] = f.encapType[0];
      sc[E_SRC] = f.encapOuterSrc[0];
      sc[E_DST] = f.encapOuterDst[0];
      sc[E_VNI] = f.encapVni[0];
      sc[E_SPORT] = f.encapSrcPort[0];
      sc[E_DPORT] = f.encapDstPort[0];
      sc[E_TTL] = f.encapOuterTtl[0];
      sc[E_INNER_SRC] = f.innerEthSrc;
      sc[E_INNER_DST] = f.innerEthDst;
      this.encapId[i] = this.encaps.intern(sc);
    } else this.encapId[i] = -1;
    this.segment[i] = -1;
    this.nextInSegment[i] = -1;
    return i;
  }

  /** Same headers as seen on the wire at this point (what an exact duplicate frame would share). */
  sameHeaders(a: number, b: number): boolean {
    return (
      this.ttl[a] === this.ttl[b] &&
      this.src[a] === this.src[b] &&
      this.dst[a] === this.dst[b] &&
      this.srcPort[a] === this.srcPort[b] &&
      this.dstPort[a] === this.dstPort[b] &&
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
      this.ttl[a] === this.ttl[b] &&
      this.src[a] === this.src[b] &&
      this.dst[a] === this.dst[b] &&
      this.srcPort[a] === this.srcPort[b] &&
      this.dstPort[a] === this.dstPort[b]
    );
  }

  /** An IPv6 inner packet (IPv4 rows carry an IP id 0..65535, IPv6 ones -1): addresses live in the frame. */
  isIpv6(r: number): boolean {
    return (this.flags[r] & F_IP) !== 0 && (this.flags[r] & F_ARP) === 0 && this.ipId[r] < 0;
  }

  /** Outer frame MACs (-1 without Ethernet). */
  ethSrc(r: number): number {
    const p = this.ethPair[r];
    return p < 0 ? -1 : this.macPairs.get(p, 0);
  }
  ethDst(r: number): number {
    const p = this.ethPair[r];
    return p < 0 ? -1 : this.macPairs.get(p, 1);
  }
  /** A field of the outermost encapsulation (E_*), or -1 when the row has none. */
  encap(r: number, field: number): number {
    const e = this.encapId[r];
    return e < 0 ? -1 : this.encaps.get(e, field);
  }

  /** Bytes held by the columns (for memory reports). */
  bytes(): number {
    return this.cap * 104;
  }
}
