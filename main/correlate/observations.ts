// The observation table: one row per captured frame (every capture, every record), stored as typed-array
// columns grown together. Rows are appended from the reused PacketFields; nothing per packet is an object.

import { ENCAP_VXLAN, type PacketFields } from '../decode/fields.ts';
import { WG_DATA_OVERHEAD } from '../decode/wireguard.ts';
import { FLOW_KEY, fragmentFlowKey, packetFlowKey, type Identity } from './identity.ts';
import { allocGrown } from './columns.ts';
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

/** Grouped rows' keys are dropped (compactKeys) in steps of at least this many rows. */
export const KEY_COMPACT_MIN = 1 << 14;

/** Row flags. */
export const F_KEYED = 1; // has an identity key: belongs to a journey
export const F_TAIL = 2; // tail hash known
export const F_DUP = 4; // an exact duplicate of an earlier row on the same capture (not a hop)
export const F_ARP = 8;
export const F_TRUNCATED = 16;
export const F_MALFORMED = 32;
export const F_ETH = 64; // the outer frame has Ethernet MACs
export const F_IP = 128; // an inner IP packet was decoded

/** A row's decode status as the UI shows it (PacketBatch.status): 0 ok, 1 truncated, 2 malformed, 3 not IP. */
export function statusOfFlags(fl: number): number {
  return fl & F_MALFORMED ? 2 : fl & F_TRUNCATED ? 1 : fl & F_IP ? 0 : 3;
}

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
/**
 * The TCP flags (9 bits with NS) or the ICMP type in typeOrFlagsCol; the bits above hold the length of the
 * headers that tcpdump's "length" leaves out (headersLen).
 */
const TYPE_OR_FLAG_BITS = 0x1ff;
/** On UDP rows (no type or flags there): the first fragment of a datagram the IP layer fragmented. */
const UDP_FIRST_FRAGMENT = 0x100;
const IPPROTO_UDP = 17;
/**
 * The row has no flow tuple (flows.ts: neither ports nor an ICMP echo, nor an ICMP error quoting a packet with
 * one), or the table keeps none (flowTuples).
 */
export const M_FLOW = 1024;
/**
 * Not an absent field: the row is an IP fragment (an offset, or more to come). flows.ts joins a datagram's
 * fragments by (protocol, addresses, id): ipIdCol holds the IPv4 id, or the low 16 bits of an IPv6 fragment
 * header's id (the row still reads as having no IP id).
 */
export const M_FRAGMENT = 2048;
/** The outer frame carries no 802.1Q/802.1ad tag (the decoder reads through tags; the journey filter's `vlan`). */
export const M_VLAN = 4096;
/**
 * Not an absent field: the row is a WireGuard transport data message carrying a packet (Identity.wgCounter), its
 * counter's low 32 bits in tcpSeqCol (a UDP row has no TCP sequence number).
 */
export const M_WIREGUARD = 8192;
/** Raw ipLen value meaning "too big for 16 bits: see the overflow map" (IPv6 jumbo-sized lengths). */
const WIDE16 = 0xffff;
/** Largest byte offset a Uint32 fileOffset column holds before it is widened to Float64. */
const U32_MAX = 0xffffffff;
/**
 * Nanoseconds per second, read from a Float64Array so that `sec * NS_PER_SEC[0]` is a float multiply: with the
 * literal, V8 speculates a small-integer product from the first packets (second 0) and deoptimizes append at
 * second 3, when the product leaves 31 bits.
 */
const NS_PER_SEC = new Float64Array([1e9]);

export class ObservationTable {
  length = 0;
  private cap = 0;
  capture!: Uint16Array;
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
  /**
   * The identity key and payload tail, read only while a row waits to be grouped: row r's are at r − keyBase.
   * Read them with keyHiOf(r), keyLoOf(r), tailOf(r). A live correlation moves the rows still waiting to the front
   * (compactKeys), so these columns hold the grouping lag's rows, not the capture's.
   */
  keyHi!: Int32Array;
  keyLo!: Int32Array;
  tail!: Int32Array;
  keyBase = 0;
  src!: Uint32Array;
  dst!: Uint32Array;
  /**
   * Raw narrow columns: read with srcPort(r), ttl(r)… (which give -1 when absent). Fields no row has together
   * share a column: the source port or, in a row without ports, the ICMP id (portOrIdCol); the destination port
   * or the ICMP seq (portOrSeqCol); the ICMP type (the ARP opcode on ARP rows) or the TCP flags (typeOrFlagsCol).
   * The decoders never give one row both (a packet is TCP, UDP or ICMP); a row that had both would keep the
   * second in `displaced`.
   */
  portOrIdCol!: Uint16Array;
  portOrSeqCol!: Uint16Array;
  typeOrFlagsCol!: Uint16Array;
  ttlCol!: Uint8Array;
  protoCol!: Uint8Array;
  ipIdCol!: Uint16Array;
  ipLenCol!: Uint16Array;
  /** A TCP row's sequence number (0 on other rows): what tells the wire's pieces of a large segment (TSO/GSO). */
  tcpSeqCol!: Uint32Array;
  /** ipLen values >= 0xffff (raw column holds WIDE16): rare, so a map instead of a wider column. */
  private readonly wideIpLen = new Map<number, number>();
  /** Per row that has both fields of a shared column: [ICMP id, ICMP seq, TCP flags], -1 where not displaced. */
  private readonly displaced = new Map<number, [number, number, number]>();
  /** Per ICMP error row whose quoted packet has a flow tuple: that tuple's hash (Identity.quoted). */
  private readonly quotedFlows = new Map<number, [number, number]>();
  /** Per TCP SYN row (no ACK): its initial sequence number (flows.ts tells a SYN sent again from a new one). */
  private readonly synSeqs = new Map<number, number>();
  /** Interned (src MAC, dst MAC) of the outer frame as id + 1, 0 without Ethernet. Read with ethSrc()/ethDst(). */
  private ethPair!: Uint16Array | Int32Array;
  encapCount!: Uint8Array;
  /** Interned outermost encapsulation (type, outer src/dst, VNI, ports, TTL, inner MACs) as id + 1, 0 none. */
  private encapId!: Uint16Array | Int32Array;
  /** Interned (source, destination) MAC pairs: ethPair holds id + 1 (0: none). Read-only outside this class. */
  readonly macPairs = new TupleInterner(2);
  /** Interned outermost tunnels (E_* fields): encapId holds id + 1 (0: none). Read-only outside this class. */
  readonly encaps = new TupleInterner(ENCAP_FIELDS);
  private readonly scratch = new Float64Array(ENCAP_FIELDS);
  /**
   * The row's flow tuple hash (identity.ts packetFlowKey), computed as rows are read (on the reading threads) so
   * that flows only compare it; valid unless the row's M_FLOW bit is set. Empty in a table without flowTuples.
   */
  flowHi!: Int32Array;
  flowLo!: Int32Array;
  private keepFlows = true;
  /** Node-local segment the row joined (-1 none). Filled by the grouper. */
  segment!: Int32Array;
  /** Next row of the same segment in path order (-1 end). */
  nextInSegment!: Int32Array;

  /** A shared row store (see shared()) cannot grow or widen a column: append throws RowStoreFull instead. */
  private fixed = false;
  /** Rows it takes at most (setRowLimit): append throws RowLimitReached past them. */
  private rowLimit = MAX_TABLE_ROWS;
  /** min(cap, rowLimit): append's one test per row. */
  private room = 0;
  /** PUBLISHED_COLUMNS live in SharedArrayBuffers, replaced by shared ones when they grow or widen (published()). */
  private publish = false;

  constructor(initial = 4096) {
    this.allocate(initial, (name, ctor) => new ctor(initial));
  }

  /**
   * A table that grows like any other, but whose PUBLISHED_COLUMNS are always in SharedArrayBuffers (a grown or
   * widened column is a new shared one): another thread reads the rows written so far through them while this
   * one appends (the live worker's rows, read by the main thread: app/liveCorrelator.ts). Rows are never
   * rewritten in those columns once appended, but for flag bits set by grouping.
   */
  static published(initial = 4096): ObservationTable {
    const t = new ObservationTable(1);
    t.publish = true;
    t.keepFlows = false; // live flows are computed a window at a time (FlowWindow), from the journeys' paths
    t.allocate(initial, (name, ctor) => t.column(name, ctor, initial));
    return t;
  }

  /** Whether rows get their flow tuple hash (flowHi, flowLo): not in a published() table. */
  get flowTuples(): boolean {
    return this.keepFlows;
  }

  /** The published columns as they are now (a column may be replaced by a larger or wider one as rows come). */
  publishedColumns(): PublishedColumns {
    const self = this as unknown as Record<string, TypedArray>;
    return Object.fromEntries(PUBLISHED_COLUMNS.map((name) => [name, self[name]])) as PublishedColumns;
  }

  /** A new column of n entries: shared when it is published, empty when it is a flow column not kept. */
  private column(name: ColumnName, ctor: IntCtor, n: number): TypedArray {
    if (!this.keepFlows && (name === 'flowHi' || name === 'flowLo')) return new ctor(0);
    return this.publish && PUBLISHED.has(name)
      ? new ctor(new SharedArrayBuffer(n * ctor.BYTES_PER_ELEMENT))
      : new ctor(n);
  }

  /**
   * A table whose columns live in SharedArrayBuffers of `capacity` rows, so ingest workers
   * (session/parallelIngest.ts) can each append their run of rows into it; it cannot grow until release().
   */
  static shared(capacity: number): ObservationTable {
    const t = new ObservationTable(1);
    t.allocate(capacity, (name, ctor) => new ctor(new SharedArrayBuffer(capacity * ctor.BYTES_PER_ELEMENT)));
    t.fixed = true;
    return t;
  }

  /**
   * A worker's view of a shared table of `capacity` rows: it appends from row `base` on; the interners are the
   * worker's (their ids are mapped when the main thread adopts the rows).
   */
  static view(columns: SharedColumns, base: number, capacity: number): ObservationTable {
    const t = new ObservationTable(1);
    t.allocate(capacity, (name, ctor) => new ctor(columns[name]));
    t.length = base;
    t.fixed = true;
    return t;
  }

  /** The shared buffers of a shared() table, to post to ingest workers. */
  sharedColumns(): SharedColumns {
    const out: Partial<SharedColumns> = {};
    for (const [name] of COLUMNS) {
      const buf = (this as unknown as Record<string, Uint8Array>)[name].buffer;
      if (!(buf instanceof SharedArrayBuffer)) throw new Error(`column ${name} is not shared`);
      out[name] = buf;
    }
    return out as SharedColumns;
  }

  /** Ends the fixed phase of a shared table: it may grow and widen again (by copying into plain arrays). */
  release(): void {
    this.fixed = false;
  }

  private allocate(n: number, make: (name: ColumnName, ctor: IntCtor) => TypedArray): void {
    const self = this as unknown as Record<string, TypedArray>;
    for (const [name, ctor] of COLUMNS) self[name] = make(name, ctor);
    this.cap = n;
    this.room = Math.min(n, this.rowLimit);
  }

  /** The most rows the table takes: appending past them throws RowLimitReached (the rows held stay). */
  setRowLimit(n: number): void {
    this.rowLimit = Math.min(n, MAX_TABLE_ROWS);
    this.room = Math.min(this.cap, this.rowLimit);
  }

  /** Row i does not fit: past the row limit (RowLimitReached), or a full shared table (RowStoreFull), else grow. */
  private full(i: number): void {
    if (i >= this.rowLimit) throw new RowLimitReached(this.rowLimit);
    this.grow(i + 1);
  }

  /** Room for `need` rows (grownCapacity: doubling, or a reservation), the rows kept. */
  private grow(need: number): void {
    if (this.fixed) throw new RowStoreFull('rows');
    const self = this as unknown as Record<string, TypedArray>;
    // Every column is allocated before any is replaced, so that a reservation that fails changes nothing. A
    // widened column keeps its wider type.
    const { n, next } = allocGrown(this.cap, need, (n) => ({
      n,
      next: new Map(COLUMNS.map(([name]) => [name, this.column(name, self[name].constructor as IntCtor, n)])),
    }));
    this.allocate(n, (name) => {
      const a = next.get(name)!;
      a.set(self[name]);
      return a;
    });
  }

  /** Row r's identity key halves and payload tail (r not grouped yet: see keyBase). */
  keyHiOf(r: number): number {
    return this.keyHi[r - this.keyBase];
  }
  keyLoOf(r: number): number {
    return this.keyLo[r - this.keyBase];
  }
  tailOf(r: number): number {
    return this.tail[r - this.keyBase];
  }

  /**
   * Rows below `row` are grouped (Correlator.firstPendingRow), so their keys are never read again: once they are
   * at least half of the key columns' rows (and KEY_COMPACT_MIN), the keys of rows from `row` on move to the
   * front. The key columns' pages then stay those of the grouping lag (a few seconds of rows), where every row
   * of a live capture used to keep 12 bytes. A shared table (its workers write at fixed places) never compacts.
   */
  compactKeys(row: number): void {
    const drop = row - this.keyBase;
    const held = this.length - this.keyBase;
    if (this.fixed || drop < KEY_COMPACT_MIN || drop * 2 < held) return;
    this.keyHi.copyWithin(0, drop, held);
    this.keyLo.copyWithin(0, drop, held);
    this.tail.copyWithin(0, drop, held);
    this.keyBase = row;
  }

  /** Replaces a column by a wider copy (a shared table cannot: its workers hold the narrow one). */
  private widen<T extends TypedArray>(
    name: ColumnName,
    col: T,
    ctor: IntCtor,
    rows = this.length,
  ): TypedArray {
    if (this.fixed) throw new RowStoreFull('width');
    const w = this.column(name, ctor, this.cap);
    // Rows [0, rows) only: past them a reserved column's pages were never written (columns.ts grownCapacity).
    w.set(col.subarray(0, rows));
    return w;
  }

  /**
   * Takes in rows [from, to) written by an ingest worker into this table's shared columns (through a view):
   * its capture numbers start at `captureBase` here, its times are relative to a base second `shiftNs`
   * earlier than this table's (added), and its interned MAC pairs and tunnels are re-interned here. Call after
   * release(), once every worker is done (a remapped id may need a wider column).
   */
  adoptRows(part: RowsPart, captureBase: number, shiftNs: number): void {
    const { from, to } = part;
    if (to > this.cap) throw new RowStoreFull('rows');
    if (captureBase !== 0) for (let i = from; i < to; i++) this.capture[i] += captureBase;
    if (shiftNs !== 0) for (let i = from; i < to; i++) this.t[i] += shiftNs;
    const ethMap = this.macPairs.internAll(part.macPairs);
    if (ethMap && this.macPairs.count >= 0xffff && this.ethPair instanceof Uint16Array)
      this.ethPair = this.widen('ethPair', this.ethPair, Int32Array, Math.max(to, this.length)) as Int32Array;
    if (ethMap) remapIds(this.ethPair, ethMap, from, to);
    const encMap = this.encaps.internAll(part.encaps);
    if (encMap && this.encaps.count >= 0xffff && this.encapId instanceof Uint16Array)
      this.encapId = this.widen('encapId', this.encapId, Int32Array, Math.max(to, this.length)) as Int32Array;
    if (encMap) remapIds(this.encapId, encMap, from, to);
    for (const [r, v] of part.wideIpLen) this.wideIpLen.set(r, v);
    for (const [r, v] of part.displaced) this.displaced.set(r, v);
    for (const [r, v] of part.quotedFlows) this.quotedFlows.set(r, v);
    for (const [r, v] of part.synSeqs) this.synSeqs.set(r, v);
    if (to > this.length) this.length = to;
  }

  /** What adoptRows needs of a worker's view besides the shared columns. */
  rowsPart(from: number): RowsPart {
    return {
      from,
      to: this.length,
      macPairs: this.macPairs.valuesCopy(),
      encaps: this.encaps.valuesCopy(),
      wideIpLen: [...this.wideIpLen],
      displaced: [...this.displaced],
      quotedFlows: [...this.quotedFlows],
      synSeqs: [...this.synSeqs],
    };
  }

  /**
   * Appends one row; returns its index. Its time is `sec` seconds (relative to the caller's base second) plus
   * `nsec`: two integers, as the float64 sum passed between functions would be boxed on the heap per row.
   */
  append(
    capture: number,
    fileOffset: number,
    caplen: number,
    origLen: number,
    sec: number,
    nsec: number,
    f: PacketFields,
    id: Identity,
  ): number {
    const i = this.length;
    if (i >= this.room) this.full(i);
    this.length = i + 1;
    this.capture[i] = capture;
    if (fileOffset > U32_MAX && this.fileOffset instanceof Uint32Array)
      this.fileOffset = this.widen('fileOffset', this.fileOffset, Float64Array) as Float64Array;
    this.fileOffset[i] = fileOffset;
    if ((caplen > 0xffff || origLen > 0xffff) && this.caplen instanceof Uint16Array) {
      this.caplen = this.widen('caplen', this.caplen, Uint32Array) as Uint32Array;
      this.origLen = this.widen('origLen', this.origLen, Uint32Array) as Uint32Array;
    }
    this.caplen[i] = caplen;
    this.origLen[i] = origLen;
    this.t[i] = sec * NS_PER_SEC[0] + nsec;
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
    const k = i - this.keyBase;
    this.keyHi[k] = id.keyHi;
    this.keyLo[k] = id.keyLo;
    this.tail[k] = id.tail;
    // IPv6 rows keep their addresses' hashes (Identity.src6/dst6): enough to compare, never shown.
    const v6 = f.ipVersion === 6;
    this.src[i] = arp ? f.arpSenderIp >>> 0 : v6 ? id.src6 >>> 0 : f.src >= 0 ? f.src >>> 0 : 0;
    this.dst[i] = arp ? f.arpTargetIp >>> 0 : v6 ? id.dst6 >>> 0 : f.dst >= 0 ? f.dst >>> 0 : 0;
    // Narrow columns: an absent (-1) value is stored as 0 with its `missing` bit.
    let m = 0;
    const sp = f.srcPort;
    if (sp < 0) m |= M_SRC_PORT;
    const dp = f.dstPort;
    if (dp < 0) m |= M_DST_PORT;
    const ttl = f.ttl;
    if (ttl < 0) m |= M_TTL;
    this.ttlCol[i] = ttl < 0 ? 0 : ttl;
    const proto = f.proto;
    if (proto < 0) m |= M_PROTO;
    this.protoCol[i] = proto < 0 ? 0 : proto;
    const ipId = f.ipId;
    if (ipId < 0) m |= M_IP_ID;
    this.ipIdCol[i] = ipId < 0 ? 0 : ipId;
    if (f.vlan < 0) m |= M_VLAN;
    if (f.fragOffset !== 0 || f.moreFragments) {
      m |= M_FRAGMENT;
      if (v6) this.ipIdCol[i] = f.fragId6 & 0xffff;
    }
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
    const iid = f.icmpId;
    if (iid < 0) m |= M_ICMP_ID;
    const iseq = f.icmpSeq;
    if (iseq < 0) m |= M_ICMP_SEQ;
    const tf = f.tcpFlags;
    if (tf < 0) m |= M_TCP_FLAGS;
    else if ((tf & 0x12) === 0x02 && f.tcpSeq >= 0) this.synSeqs.set(i, f.tcpSeq);
    this.tcpSeqCol[i] = tf >= 0 && f.tcpSeq >= 0 ? f.tcpSeq : 0;
    if (id.wgCounter >= 0) {
      m |= M_WIREGUARD;
      this.tcpSeqCol[i] = id.wgCounter % 0x1_0000_0000;
    }
    // The shared columns: the first field when present, else the second, else 0.
    this.portOrIdCol[i] = sp >= 0 ? sp : iid >= 0 ? iid : 0;
    this.portOrSeqCol[i] = dp >= 0 ? dp : iseq >= 0 ? iseq : 0;
    // Rows keep the length of the headers that tcpdump's "length" leaves out (in 4-byte words, bits 9-15; 0 when
    // not known): IP + TCP and IP + UDP before the payload, the IP header (options, IPv6 extensions) before ICMP.
    const end = tf >= 0 || proto === IPPROTO_UDP ? f.payloadOffset : it >= 0 && !arp ? f.l4Offset : -1;
    const words = end >= 0 && f.ipOffset >= 0 ? (end - f.ipOffset) >> 2 : 0;
    const hw = words > 127 ? 0 : words << 9;
    const firstFragment =
      proto === IPPROTO_UDP && f.moreFragments && f.fragOffset === 0 ? UDP_FIRST_FRAGMENT : 0;
    this.typeOrFlagsCol[i] = it >= 0 ? (arp ? it : it | hw) : tf >= 0 ? tf | hw : hw | firstFragment;
    if ((sp >= 0 && iid >= 0) || (dp >= 0 && iseq >= 0) || (it >= 0 && tf >= 0))
      this.displaced.set(i, [sp >= 0 ? iid : -1, dp >= 0 ? iseq : -1, it >= 0 ? tf : -1]);
    // The row's flow tuple, as flows.ts takes it (journeyTuples: the same function on the same values).
    // A WireGuard data message has none: its ports and addresses are the tunnel's, shared by every packet it
    // carries (the flow is the packet inside's, joined in by wireguardJoin.ts).
    let known =
      this.keepFlows &&
      id.wgCounter < 0 &&
      packetFlowKey(proto, it, iid, iseq, this.src[i], sp, this.dst[i], dp);
    // An ICMP error (no tuple of its own) takes the tuple of the packet it quotes: it joins that packet's flow.
    if (id.quoted) {
      this.quotedFlows.set(i, [id.quotedHi, id.quotedLo]);
      if (this.keepFlows && !known) {
        FLOW_KEY[0] = id.quotedHi;
        FLOW_KEY[1] = id.quotedLo;
        known = true;
      }
    }
    if (known) {
      this.flowHi[i] = FLOW_KEY[0];
      this.flowLo[i] = FLOW_KEY[1];
    } else {
      m |= M_FLOW;
      if (this.keepFlows) this.flowHi[i] = this.flowLo[i] = 0;
    }
    this.missing[i] = m;
    // Ethernet: both MACs (F_ETH). A Linux cooked capture (`-i any`) gives the source's link-layer address
    // only: its pair has no destination (-1), and F_ETH stays clear.
    const eth = f.hasEth
      ? this.macPairOf(f.ethSrc, f.ethDst) + 1
      : f.linkPktType >= 0 && f.ethSrc >= 0
        ? this.macPairOf(f.ethSrc, -1) + 1
        : 0;
    if (eth > 0xffff && this.ethPair instanceof Uint16Array)
      this.ethPair = this.widen('ethPair', this.ethPair, Int32Array) as Int32Array;
    this.ethPair[i] = eth;
    const ec = f.encapCount;
    this.encapCount[i] = ec;
    const enc = ec > 0 ? this.encapOf(f) + 1 : 0;
    if (enc > 0xffff && this.encapId instanceof Uint16Array)
      this.encapId = this.widen('encapId', this.encapId, Int32Array) as Int32Array;
    this.encapId[i] = enc;
    this.segment[i] = -1;
    this.nextInSegment[i] = -1;
    return i;
  }

  /** Rows append() takes before the table grows, widens nothing or refuses (RowStoreFull, RowLimitReached). */
  get roomLeft(): number {
    return this.room - this.length;
  }

  /**
   * Appends `n` rows (n <= roomLeft) staged by the WebAssembly ingest (session/wasmIngest.ts), every one on capture
   * lane `capture` (or row i on capture[i]), as append() would have written them one by one: only rows append()
   * writes nothing for beside the columns but SYNs (no wideIpLen, displaced or quoted flow) and widens no column for
   * (offsets, lengths and interned ids within 16 or 32 bits), with MAC pairs and tunnels interned here before.
   * The batch's SYNs (no ACK) are its rows syn[0, syns), in increasing order: their sequence numbers go to synSeqs.
   * Returns the first row's index.
   */
  appendStaged(
    capture: number | Uint16Array,
    s: StagedRows,
    n: number,
    syn: Uint16Array | null = null,
    syns = 0,
  ): number {
    const i = this.length;
    if (n > this.room - i) throw new Error(`appendStaged: ${n} rows, room for ${this.room - i}`);
    this.length = i + n;
    if (n < FEW_ROWS) this.appendFew(i, capture, s, n);
    else this.appendMany(i, capture, s, n);
    for (let j = 0; j < syns; j++) this.synSeqs.set(i + syn![j], s.tcpSeqCol[syn![j]]);
    return i;
  }

  /**
   * A few staged rows (between records the JavaScript path takes), row by row: one call and a store per column a
   * row, where 25 copies and 3 fills cost ~1.3 µs a batch of a dozen rows (drops-flannel-vxlan, one record in
   * fifteen JavaScript's). Each store sees its own column's type, or its widened one: monomorphic (FEW_ROWS).
   */
  private appendFew(i: number, capture: number | Uint16Array, s: StagedRows, n: number): void {
    const k0 = i - this.keyBase;
    const flows = this.keepFlows;
    for (let j = 0; j < n; j++) {
      const r = i + j;
      const k = k0 + j;
      this.capture[r] = typeof capture === 'number' ? capture : capture[j];
      this.fileOffset[r] = s.fileOffset[j];
      this.caplen[r] = s.caplen[j];
      this.origLen[r] = s.origLen[j];
      this.t[r] = s.t[j];
      this.flags[r] = s.flags[j];
      this.keyHi[k] = s.keyHi[j];
      this.keyLo[k] = s.keyLo[j];
      this.tail[k] = s.tail[j];
      this.src[r] = s.src[j];
      this.dst[r] = s.dst[j];
      this.ttlCol[r] = s.ttlCol[j];
      this.protoCol[r] = s.protoCol[j];
      this.ipIdCol[r] = s.ipIdCol[j];
      this.ipLenCol[r] = s.ipLenCol[j];
      this.tcpSeqCol[r] = s.tcpSeqCol[j];
      this.portOrIdCol[r] = s.portOrIdCol[j];
      this.portOrSeqCol[r] = s.portOrSeqCol[j];
      this.typeOrFlagsCol[r] = s.typeOrFlagsCol[j];
      if (flows) {
        this.flowHi[r] = s.flowHi[j];
        this.flowLo[r] = s.flowLo[j];
      }
      this.missing[r] = s.missing[j];
      this.ethPair[r] = s.ethPair[j];
      this.encapCount[r] = s.encapCount[j];
      this.encapId[r] = s.encapId[j];
      this.segment[r] = -1;
      this.nextInSegment[r] = -1;
    }
  }

  /** Many staged rows: a copy per column (set() past a few rows). */
  private appendMany(i: number, capture: number | Uint16Array, s: StagedRows, n: number): void {
    if (typeof capture === 'number') this.capture.fill(capture, i, i + n);
    else copyRows(this.capture, i, capture, n);
    copyRows(this.fileOffset, i, s.fileOffset, n);
    copyRows(this.caplen, i, s.caplen, n);
    copyRows(this.origLen, i, s.origLen, n);
    copyRows(this.t, i, s.t, n);
    copyRows(this.flags, i, s.flags, n);
    const k = i - this.keyBase;
    copyRows(this.keyHi, k, s.keyHi, n);
    copyRows(this.keyLo, k, s.keyLo, n);
    copyRows(this.tail, k, s.tail, n);
    copyRows(this.src, i, s.src, n);
    copyRows(this.dst, i, s.dst, n);
    copyRows(this.ttlCol, i, s.ttlCol, n);
    copyRows(this.protoCol, i, s.protoCol, n);
    copyRows(this.ipIdCol, i, s.ipIdCol, n);
    copyRows(this.ipLenCol, i, s.ipLenCol, n);
    copyRows(this.tcpSeqCol, i, s.tcpSeqCol, n);
    copyRows(this.portOrIdCol, i, s.portOrIdCol, n);
    copyRows(this.portOrSeqCol, i, s.portOrSeqCol, n);
    copyRows(this.typeOrFlagsCol, i, s.typeOrFlagsCol, n);
    if (this.keepFlows) {
      copyRows(this.flowHi, i, s.flowHi, n);
      copyRows(this.flowLo, i, s.flowLo, n);
    }
    copyRows(this.missing, i, s.missing, n);
    copyRows(this.ethPair, i, s.ethPair, n);
    copyRows(this.encapCount, i, s.encapCount, n);
    copyRows(this.encapId, i, s.encapId, n);
    this.segment.fill(-1, i, i + n);
    this.nextInSegment.fill(-1, i, i + n);
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
    return (this.missing[r] & M_SRC_PORT) !== 0 ? -1 : this.portOrIdCol[r];
  }
  dstPort(r: number): number {
    return (this.missing[r] & M_DST_PORT) !== 0 ? -1 : this.portOrSeqCol[r];
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
    const m = this.missing[r];
    if ((m & M_ICMP_TYPE) !== 0) return -1;
    // An ARP row keeps its whole 16-bit opcode there.
    return (this.flags[r] & F_ARP) !== 0
      ? this.typeOrFlagsCol[r]
      : this.typeOrFlagsCol[r] & TYPE_OR_FLAG_BITS;
  }
  icmpId(r: number): number {
    const m = this.missing[r];
    if ((m & M_ICMP_ID) !== 0) return -1;
    return (m & M_SRC_PORT) === 0 ? this.displaced.get(r)![0] : this.portOrIdCol[r];
  }
  icmpSeq(r: number): number {
    const m = this.missing[r];
    if ((m & M_ICMP_SEQ) !== 0) return -1;
    return (m & M_DST_PORT) === 0 ? this.displaced.get(r)![1] : this.portOrSeqCol[r];
  }
  tcpFlags(r: number): number {
    const m = this.missing[r];
    if ((m & M_TCP_FLAGS) !== 0) return -1;
    return (m & M_ICMP_TYPE) === 0 ? this.displaced.get(r)![2] : this.typeOrFlagsCol[r] & TYPE_OR_FLAG_BITS;
  }
  /** A TCP row's sequence number, -1 on other rows. */
  tcpSeq(r: number): number {
    return (this.missing[r] & M_TCP_FLAGS) !== 0 ? -1 : this.tcpSeqCol[r];
  }
  /** Whether row r is a WireGuard transport data message carrying a packet (the packet inside is encrypted). */
  wireguardData(r: number): boolean {
    return (this.missing[r] & M_WIREGUARD) !== 0;
  }
  /** A WireGuard data row's counter (its low 32 bits), -1 on other rows. */
  wireguardCounter(r: number): number {
    return (this.missing[r] & M_WIREGUARD) !== 0 ? this.tcpSeqCol[r] : -1;
  }
  /**
   * A WireGuard data row's encrypted packet length, padding included (its UDP payload less the 16-byte header and
   * the 16-byte tag: tshark's datalen), -1 on other rows.
   */
  wireguardDataLength(r: number): number {
    if ((this.missing[r] & M_WIREGUARD) === 0) return -1;
    const h = this.headersLen(r);
    return h === 0 ? -1 : this.ipLen(r) - h - WG_DATA_OVERHEAD;
  }
  /** A TCP row's payload length (tcpdump's "length"), -1 on other rows or when its headers' length is not known. */
  tcpPayloadLen(r: number): number {
    const h = this.headersLen(r);
    const len = this.ipLen(r);
    return (this.missing[r] & M_TCP_FLAGS) !== 0 || h === 0 || len < 0 ? -1 : Math.max(0, len - h);
  }
  /**
   * The header bytes tcpdump's "length" leaves out of ipLen: IP + TCP or IP + UDP (the payload is the rest), the
   * IP header with its options or extensions on ICMP rows; 0 when not known (ARP, other protocols, cut headers).
   */
  headersLen(r: number): number {
    if ((this.flags[r] & F_ARP) !== 0 || (this.missing[r] & (M_TCP_FLAGS | M_ICMP_TYPE)) === 0) return 0;
    return (this.typeOrFlagsCol[r] >> 9) << 2;
  }

  /**
   * A UDP row that is the first fragment of its datagram: the UDP length (what tcpdump prints) is in the frame's
   * UDP header, not in the IP length.
   */
  udpFirstFragment(r: number): boolean {
    return (
      this.protoCol[r] === IPPROTO_UDP &&
      (this.missing[r] & (M_TCP_FLAGS | M_ICMP_TYPE)) === (M_TCP_FLAGS | M_ICMP_TYPE) &&
      (this.typeOrFlagsCol[r] & UDP_FIRST_FRAGMENT) !== 0
    );
  }

  /** A fragment's datagram as flows.ts joins them (fragmentFlowKey into FLOW_KEY); false for other rows. */
  fragmentFlowKey(r: number): boolean {
    if ((this.missing[r] & M_FRAGMENT) === 0) return false;
    fragmentFlowKey(this.protoCol[r], this.src[r], this.dst[r], this.ipIdCol[r]);
    return true;
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

  /** Rows with ports whose addresses and ports are each other's swapped: a packet and one going back. */
  reversedTuple(a: number, b: number): boolean {
    const m = this.missing[a] | this.missing[b];
    return (
      (m & (M_SRC_PORT | M_DST_PORT)) === 0 &&
      this.src[a] === this.dst[b] &&
      this.dst[a] === this.src[b] &&
      this.portOrIdCol[a] === this.portOrSeqCol[b] &&
      this.portOrSeqCol[a] === this.portOrIdCol[b] &&
      (this.src[a] !== this.dst[a] || this.portOrIdCol[a] !== this.portOrSeqCol[a])
    );
  }

  /**
   * Same inner packet state (TTL, addresses, ports): nothing routed or NAT'ed it between the two rows, only
   * outer headers (MACs, encapsulation) may differ. IPv6 addresses are compared by their hashes.
   */
  sameInner(a: number, b: number): boolean {
    return this.ttlCol[a] === this.ttlCol[b] && this.sameEnds(a, b);
  }

  /** Same addresses, ports or ICMP id (what NAT rewrites), whatever the TTL: sameInner without the TTL. */
  sameEnds(a: number, b: number): boolean {
    return (
      this.src[a] === this.src[b] &&
      this.dst[a] === this.dst[b] &&
      ((this.missing[a] ^ this.missing[b]) & INNER_BITS) === 0 &&
      // The source port, else the ICMP id (SNAT remaps it as a port), else 0 on both: their bits agree. The
      // destination port only where the rows have one (the ICMP seq is part of the key).
      this.portOrIdCol[a] === this.portOrIdCol[b] &&
      ((this.missing[a] & M_DST_PORT) !== 0 || this.portOrSeqCol[a] === this.portOrSeqCol[b])
    );
  }

  /**
   * Same flow tuple columns (protocol, addresses, ports, ICMP type/id/seq): compared raw with their `missing`
   * bits, which is what the accessors' values amount to, without a call and a branch per field.
   */
  /**
   * Row r's quoted packet's flow tuple into FLOW_KEY (an ICMP error: Identity.quoted); false, FLOW_KEY untouched,
   * for any other row.
   */
  /** A TCP SYN row's (no ACK) initial sequence number, -1 for any other row. */
  synSeq(r: number): number {
    return this.synSeqs.get(r) ?? -1;
  }

  /** Whether row r is an ICMP error whose quoted packet has a flow tuple (quotedFlowKey). */
  quotesFlow(r: number): boolean {
    return this.quotedFlows.size !== 0 && this.quotedFlows.has(r);
  }

  quotedFlowKey(r: number): boolean {
    if (this.quotedFlows.size === 0) return false;
    const q = this.quotedFlows.get(r);
    if (!q) return false;
    FLOW_KEY[0] = q[0];
    FLOW_KEY[1] = q[1];
    return true;
  }

  sameTuple(a: number, b: number): boolean {
    const m = this.missing[a];
    if (!(
      this.protoCol[a] === this.protoCol[b] &&
      this.src[a] === this.src[b] &&
      this.dst[a] === this.dst[b] &&
      ((m ^ this.missing[b]) & TUPLE_BITS) === 0 &&
      // Ports, else ICMP id/seq (the bits agree, so both rows hold the same field there).
      this.portOrIdCol[a] === this.portOrIdCol[b] &&
      this.portOrSeqCol[a] === this.portOrSeqCol[b] &&
      // The ICMP type where the rows have one (else the column holds TCP flags, not part of the tuple).
      ((m & M_ICMP_TYPE) !== 0 || this.typeOrFlagsCol[a] === this.typeOrFlagsCol[b])
    ))
      return false;
    // Rows with both ports and ICMP id/seq (never from the decoders) keep the ICMP ones aside.
    if ((m & (M_SRC_PORT | M_ICMP_ID)) === 0 || (m & (M_DST_PORT | M_ICMP_SEQ)) === 0)
      return this.icmpId(a) === this.icmpId(b) && this.icmpSeq(a) === this.icmpSeq(b);
    return true;
  }

  /** The outer frame had an 802.1Q/802.1ad tag. */
  vlanTagged(r: number): boolean {
    return (this.missing[r] & M_VLAN) === 0;
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
  /** The row's interned outer MAC pair: the same id for the same (src, dst) on any row; 0 without Ethernet. */
  ethPairId(r: number): number {
    return this.ethPair[r];
  }
  /** The column ethPairId reads, for a pass over every row (export/hopIndex.ts; 32-bit once widened). */
  ethPairColumn(): Uint16Array | Int32Array {
    return this.ethPair;
  }
  /** The row's interned outermost encapsulation (every E_* field alike): 0 when it has none. */
  encapIdOf(r: number): number {
    return this.encapId[r];
  }
  /** A field of the outermost encapsulation (E_*), or -1 when the row has none. */
  encap(r: number, field: number): number {
    const e = this.encapId[r];
    return e === 0 ? -1 : this.encaps.get(e - 1, field);
  }

  /** The UDP destination ports of the VXLAN tunnels rows were seen in (outermost encapsulations), ascending. */
  vxlanPorts(): number[] {
    return this.tunnelPorts(ENCAP_VXLAN);
  }

  /** The UDP destination ports of the tunnels of one ENCAP_* type rows were seen in, ascending. */
  tunnelPorts(type: number): number[] {
    const ports = new Set<number>();
    for (let e = 0; e < this.encaps.count; e++)
      if (this.encaps.get(e, E_TYPE) === type) ports.add(this.encaps.get(e, E_DPORT));
    return [...ports].sort((a, b) => a - b);
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
const INNER_BITS = M_TTL | M_SRC_PORT | M_DST_PORT | M_ICMP_ID;
// (sameEnds compares the TTL's bit too: rows of one key are IP packets, which all have a TTL.)
/** The same for sameTuple. */
const TUPLE_BITS = M_PROTO | M_SRC_PORT | M_DST_PORT | M_ICMP_TYPE | M_ICMP_ID | M_ICMP_SEQ;
/** Rewrites interned ids (stored + 1, 0 = none) of rows [from, to) through `map`. */
function remapIds(col: Uint16Array | Int32Array, map: Int32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) if (col[i] !== 0) col[i] = map[col[i] - 1] + 1;
}

type TypedArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;
type IntCtor = (new (n: number | SharedArrayBuffer) => TypedArray) & { BYTES_PER_ELEMENT: number };

/** Every row column and the type it starts with (fileOffset, lengths and interned ids may widen later). */
const COLUMNS = [
  ['capture', Uint16Array],
  ['fileOffset', Uint32Array],
  ['caplen', Uint16Array],
  ['origLen', Uint16Array],
  ['t', Float64Array],
  ['flags', Uint8Array],
  ['missing', Uint16Array],
  ['keyHi', Int32Array],
  ['keyLo', Int32Array],
  ['tail', Int32Array],
  ['src', Uint32Array],
  ['dst', Uint32Array],
  ['portOrIdCol', Uint16Array],
  ['portOrSeqCol', Uint16Array],
  ['typeOrFlagsCol', Uint16Array],
  ['ttlCol', Uint8Array],
  ['protoCol', Uint8Array],
  ['ipIdCol', Uint16Array],
  ['ipLenCol', Uint16Array],
  ['tcpSeqCol', Uint32Array],
  ['ethPair', Uint16Array],
  ['encapCount', Uint8Array],
  ['encapId', Uint16Array],
  ['flowHi', Int32Array],
  ['flowLo', Int32Array],
  ['segment', Int32Array],
  ['nextInSegment', Int32Array],
] as const satisfies readonly (readonly [string, IntCtor])[];

type ColumnName = (typeof COLUMNS)[number][0];
/** The names of the row columns (every one a typed array property of ObservationTable). */
export const ROW_COLUMNS: readonly ColumnName[] = COLUMNS.map(([name]) => name);
/**
 * The columns a published() table keeps shared: what the live main thread shows of each packet (its lane, time,
 * lengths, protocol, decode status from the flags, and where its frame is in the file).
 */
export const PUBLISHED_COLUMNS = [
  'capture',
  't',
  'caplen',
  'origLen',
  'protoCol',
  'flags',
  'fileOffset',
] as const satisfies readonly ColumnName[];
const PUBLISHED: ReadonlySet<ColumnName> = new Set(PUBLISHED_COLUMNS);
export type PublishedColumns = Pick<ObservationTable, (typeof PUBLISHED_COLUMNS)[number]>;
/** A shared table's column buffers by name, as posted to ingest workers. */
export type SharedColumns = Record<ColumnName, SharedArrayBuffer>;

/**
 * Rows staged outside the table (session/wasmIngest.ts: views on the WebAssembly ingest's memory), as
 * appendStaged takes them: the row columns append() computes, row i of the batch at index i of each.
 */
export interface StagedRows {
  t: Float64Array;
  fileOffset: Uint32Array;
  caplen: Uint16Array;
  origLen: Uint16Array;
  flags: Uint8Array;
  missing: Uint16Array;
  keyHi: Int32Array;
  keyLo: Int32Array;
  tail: Int32Array;
  src: Uint32Array;
  dst: Uint32Array;
  portOrIdCol: Uint16Array;
  portOrSeqCol: Uint16Array;
  typeOrFlagsCol: Uint16Array;
  ttlCol: Uint8Array;
  protoCol: Uint8Array;
  ipIdCol: Uint16Array;
  ipLenCol: Uint16Array;
  tcpSeqCol: Uint32Array;
  ethPair: Uint16Array;
  encapCount: Uint8Array;
  encapId: Uint16Array;
  flowHi: Int32Array;
  flowLo: Int32Array;
}

/**
 * Below this many staged rows appendStaged stores row by row (appendFew); from it on, a set() per column
 * (copyRows). A copy function looping over a few rows for every column once saw ten kinds of typed array, and its
 * element accesses went megamorphic (2 µs a batch between records left to JavaScript); per-type copies then
 * cost ~1.3 µs a batch in calls and fills.
 */
const FEW_ROWS = 32;

/** dst[at, at + n) = src[0, n). */
function copyRows(dst: TypedArray, at: number, src: TypedArray, n: number): void {
  dst.set(src.subarray(0, n), at);
}

/** A worker's rows of a shared table and the table state that is not in the shared columns. */
export interface RowsPart {
  from: number;
  to: number;
  /** The worker's interned MAC pairs and tunnels, in id order (TupleInterner.valuesCopy). */
  macPairs: Float64Array;
  encaps: Float64Array;
  wideIpLen: [number, number][];
  displaced: [number, [number, number, number]][];
  quotedFlows: [number, [number, number]][];
  synSeqs: [number, number][];
}

/** Row indices are int32. */
const MAX_TABLE_ROWS = 2 ** 31 - 1;

/** A table given a row limit (setRowLimit) was asked to take one row more. */
export class RowLimitReached extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} rows`);
    this.name = 'RowLimitReached';
  }
}

/** A shared row store has no room for a row, or a column would have to widen: ingest on one thread instead. */
export class RowStoreFull extends Error {
  constructor(readonly what: 'rows' | 'width') {
    super(what === 'rows' ? 'the shared row store is full' : 'a shared row column would have to widen');
    this.name = 'RowStoreFull';
  }
}
