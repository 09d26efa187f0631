// Streaming reader for pcapng (draft-ietf-opsawg-pcapng): sections in either byte order, many interfaces,
// Enhanced/Simple/obsolete Packet Blocks; other blocks are skipped without buffering them.
//
//  Every block                                    Enhanced Packet Block body (type 6)
//   0 |          Block Type                |        8 |        Interface ID             |
//   4 |      Block Total Length            |       12 | Timestamp (High) | 16 | (Low)   |
//   8 /          Block Body ...            /       20 | Captured Len | 24 | Original Len |
//     |      Block Total Length            |       28 /  Packet Data (padded to 32 bits) / Options
//  SHB body: 8 Byte-Order Magic 0x1A2B3C4D | 12 Major | 14 Minor | 16 Section Length (64) | 24 Options
//  IDB body: 8 LinkType (16) | 10 Reserved | 12 SnapLen | 16 Options (if_name 2, if_description 3,
//            if_MACaddr 6, if_tsresol 9, if_tsoffset 14)
import type { ReaderOptions } from './classic.ts';
import {
  MAX_CAPLEN,
  newRecord,
  type CaptureInterface,
  type CaptureReader,
  type EpbInterface,
  type ReadProblem,
  type RecordCallback,
} from './types.ts';

export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 1;
export const BT_PB = 2; // obsolete Packet Block
export const BT_SPB = 3;
export const BT_EPB = 6;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const TYPE = 0;
const TOTAL_LEN = 4;
const BLOCK_HEADER_LEN = 12; // type, length and (for SHB) the byte-order magic: enough to frame any block
const MIN_BLOCK_LEN = 12;
const SHB_MAGIC = 8;
const SHB_MAJOR = 12;
const SHB_OPTIONS = 24;
const IDB_LINKTYPE = 8;
const IDB_SNAPLEN = 12;
const IDB_OPTIONS = 16;
const EPB_IFACE = 8;
const EPB_TS_HIGH = 12;
const EPB_TS_LOW = 16;
const EPB_CAPLEN = 20;
const EPB_ORIGLEN = 24;
const EPB_DATA = 28;
const PB_IFACE = 8; // 16-bit, followed by a 16-bit drops count
const SPB_ORIGLEN = 8;
const SPB_DATA = 12;
const OPT_END = 0;
const OPT_IF_NAME = 2;
const OPT_IF_DESCRIPTION = 3;
const OPT_IF_MACADDR = 6;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
/** Blocks we keep (headers, packets) are buffered when they span chunks: bound that allocation. */
const MAX_BUFFERED_BLOCK = MAX_CAPLEN + 64 * 1024;
/** Blocks we skip are not buffered, but a length beyond this is garbage rather than data. */
const MAX_SKIPPED_BLOCK = 256 * 1024 * 1024;

interface IfaceTs {
  /** Units per second when decimal (10^k, k <= 9), else 0 (binary or sub-nanosecond: BigInt path). */
  div: number;
  /** Multiplier from a remainder in units to nanoseconds (decimal case). */
  toNs: number;
  /** The raw if_tsresol byte, for the slow path. */
  resol: number;
  offsetSec: number;
}

function isKeptBlock(type: number): boolean {
  return type === BT_SHB || type === BT_IDB || type === BT_EPB || type === BT_SPB || type === BT_PB;
}

export class PcapngStreamReader implements CaptureReader {
  readonly format = 'pcapng' as const;
  readonly interfaces: CaptureInterface[] = [];
  problem: ReadProblem | null = null;
  records = 0;
  bytes = 0;

  private le = true;
  private section = -1;
  /** Index in `interfaces` of the current section's interface 0. */
  private sectionStart = 0;
  private readonly ts: IfaceTs[] = [];
  /** `interfaces` as a RecordBatcher's takeEpb sees them. */
  private readonly epbIfaces: EpbInterface[] = [];
  private pending: Uint8Array;
  private pendingLen = 0;
  private readonly scratch = new Uint8Array(BLOCK_HEADER_LEN);
  private unitOffset = 0;
  /** Bytes of a skipped block still to come, where that block started, and its length. */
  private skip = 0;
  private skipOffset = 0;
  private skipLen = 0;
  /** The skipped block's last 4 bytes (its trailing length), kept as they pass so the trailer is checked
   *  whether or not the block lies whole in one chunk (finding R9). */
  private readonly trailer = new Uint8Array(4);
  private readonly trailerView = new DataView(this.trailer.buffer);
  private readonly rec = newRecord();
  private readonly onRecord: RecordCallback;
  private readonly opts: ReaderOptions;

  constructor(onRecord: RecordCallback, opts: ReaderOptions = {}) {
    this.onRecord = onRecord;
    this.opts = opts;
    this.pending = this.scratch;
  }

  push(chunk: Uint8Array): ReadProblem | null {
    if (this.problem) return this.problem;
    const chunkBase = this.bytes;
    this.bytes += chunk.length;
    let p = 0;
    for (;;) {
      if (this.skip > 0) {
        // The rest of a block we do not keep: step over it without buffering.
        const s = Math.min(this.skip, chunk.length - p);
        for (let i = Math.max(0, this.skip - 4); i < s; i++) this.trailer[4 - (this.skip - i)] = chunk[p + i];
        p += s;
        this.skip -= s;
        if (this.skip > 0) return null;
        if (this.trailerView.getUint32(0, this.le) !== this.skipLen) {
          this.fail(
            'PCAP_MALFORMED',
            'block trailing length differs from its leading length',
            this.skipOffset,
          );
          return this.problem;
        }
      }
      if (p >= chunk.length) return this.problem;
      if (this.pendingLen === 0) {
        p = this.scan(chunk, p, chunkBase);
        if (this.problem || p >= chunk.length) return this.problem;
        this.unitOffset = chunkBase + p;
      }
      p = this.fill(chunk, p);
      if (this.problem || this.pendingLen > 0) return this.problem;
    }
  }

  end(): ReadProblem | null {
    if (this.problem) return this.problem;
    if (this.section < 0) {
      this.fail('PCAP_TRUNCATED', 'capture ends before its Section Header Block is complete', 0);
    } else if (this.skip > 0) {
      this.fail('PCAP_TRUNCATED', 'capture ends inside a block', this.skipOffset);
    } else if (this.pendingLen > 0) {
      this.fail('PCAP_TRUNCATED', 'capture ends inside a block', this.unitOffset);
    }
    return this.problem;
  }

  private fail(code: ReadProblem['code'], message: string, offset: number): void {
    this.problem = { code, message: `${message} at byte ${offset}`, offset };
  }

  /** Reads the block type and length at `p` (switching byte order on a SHB); -1 on a problem. */
  private frame(dv: DataView, p: number, offset: number): number {
    const type = dv.getUint32(p + TYPE, this.le);
    if (type === BT_SHB) {
      const m = dv.getUint32(p + SHB_MAGIC, true);
      if (m === BYTE_ORDER_MAGIC) this.le = true;
      else if (dv.getUint32(p + SHB_MAGIC, false) === BYTE_ORDER_MAGIC) this.le = false;
      else {
        this.fail(
          this.section < 0 ? 'PCAP_BAD_MAGIC' : 'PCAP_MALFORMED',
          'Section Header Block without the byte-order magic',
          offset,
        );
        return -1;
      }
    } else if (this.section < 0) {
      this.fail('PCAP_BAD_MAGIC', 'not a pcapng file (first block is not a Section Header Block)', offset);
      return -1;
    }
    const len = dv.getUint32(p + TOTAL_LEN, this.le);
    const limit = isKeptBlock(type) ? MAX_BUFFERED_BLOCK : MAX_SKIPPED_BLOCK;
    if (len < MIN_BLOCK_LEN || len % 4 !== 0 || len > limit) {
      this.fail('PCAP_MALFORMED', `block type 0x${type.toString(16)} has impossible length ${len}`, offset);
      return -1;
    }
    return len;
  }

  private scan(chunk: Uint8Array, p: number, chunkBase: number): number {
    const n = chunk.length;
    const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const batch = this.opts.batch;
    while (n - p >= BLOCK_HEADER_LEN) {
      // A batcher takes the packet blocks of the first section when little-endian (its interfaces' timestamps in
      // micro- or nanoseconds with no offset: dumpcap's, tcpdump's, editcap's, ours), up to any other block.
      if (batch?.takeEpb && this.le && this.sectionStart === 0 && this.interfaces.length > 0) {
        p = batch.takeEpb(chunk, p, chunkBase, this.epbIfaces);
        this.records += batch.taken;
        if (n - p < BLOCK_HEADER_LEN) break;
      }
      const len = this.frame(dv, p, chunkBase + p);
      if (len < 0) return p;
      if (n - p < len) break;
      this.block(dv, chunk, p, len, chunkBase + p);
      if (this.problem) return p;
      p += len;
    }
    return p;
  }

  private fill(chunk: Uint8Array, p: number): number {
    for (;;) {
      const inBlock = this.pending !== this.scratch;
      const need = inBlock ? this.pending.length : BLOCK_HEADER_LEN;
      const take = Math.min(need - this.pendingLen, chunk.length - p);
      if (take > 0) {
        this.pending.set(chunk.subarray(p, p + take), this.pendingLen);
        this.pendingLen += take;
        p += take;
      }
      if (this.pendingLen < need) return p;
      const dv = new DataView(this.pending.buffer, this.pending.byteOffset, this.pendingLen);
      if (!inBlock) {
        const type = dv.getUint32(TYPE, this.le);
        const len = this.frame(dv, 0, this.unitOffset);
        if (len < 0) return p;
        if (!isKeptBlock(type)) {
          if (len === BLOCK_HEADER_LEN && dv.getUint32(len - 4, this.le) !== len) {
            this.fail(
              'PCAP_MALFORMED',
              'block trailing length differs from its leading length',
              this.unitOffset,
            );
            return p;
          }
          this.skipOffset = this.unitOffset;
          this.skipLen = len;
          this.skip = len - BLOCK_HEADER_LEN;
          this.pendingLen = 0;
          this.unitOffset += len;
          return p;
        }
        const buf = new Uint8Array(len);
        buf.set(this.scratch);
        this.pending = buf;
        continue;
      }
      const block = this.pending;
      this.block(dv, block, 0, block.length, this.unitOffset);
      this.unitOffset += block.length;
      this.pending = this.scratch;
      this.pendingLen = 0;
      return p;
    }
  }

  /** One whole block at `p` of `bytes` (dv views the same bytes). */
  private block(dv: DataView, bytes: Uint8Array, p: number, len: number, offset: number): void {
    const le = this.le;
    if (dv.getUint32(p + len - 4, le) !== len) {
      this.fail('PCAP_MALFORMED', 'block trailing length differs from its leading length', offset);
      return;
    }
    const type = dv.getUint32(p + TYPE, le);
    switch (type) {
      case BT_EPB:
      case BT_PB: {
        if (len < EPB_DATA + 4) return this.fail('PCAP_MALFORMED', 'packet block too short', offset);
        const local = type === BT_EPB ? dv.getUint32(p + EPB_IFACE, le) : dv.getUint16(p + PB_IFACE, le);
        const caplen = dv.getUint32(p + EPB_CAPLEN, le);
        if (caplen > len - EPB_DATA - 4 || caplen > MAX_CAPLEN) {
          return this.fail('PCAP_MALFORMED', `packet caplen ${caplen} does not fit its block`, offset);
        }
        const id = this.sectionStart + local;
        if (local >= this.interfaces.length - this.sectionStart) {
          return this.fail('PCAP_MALFORMED', `packet names undefined interface ${local}`, offset);
        }
        const snap = this.interfaces[id].snaplen;
        if (snap > 0 && caplen > snap) {
          return this.fail('PCAP_MALFORMED', `packet caplen ${caplen} exceeds snaplen ${snap}`, offset);
        }
        const hi = dv.getUint32(p + EPB_TS_HIGH, le);
        const lo = dv.getUint32(p + EPB_TS_LOW, le);
        this.emit(bytes, p + EPB_DATA, caplen, dv.getUint32(p + EPB_ORIGLEN, le), id, hi, lo, offset);
        return;
      }
      case BT_SPB: {
        if (this.interfaces.length - this.sectionStart < 1) {
          return this.fail('PCAP_MALFORMED', 'Simple Packet Block before any interface', offset);
        }
        const id = this.sectionStart;
        const origLen = dv.getUint32(p + SPB_ORIGLEN, le);
        const snap = this.interfaces[id].snaplen;
        let caplen = Math.min(origLen, len - SPB_DATA - 4);
        if (snap > 0) caplen = Math.min(caplen, snap);
        // SPBs carry no timestamp.
        this.emit(bytes, p + SPB_DATA, caplen, origLen, id, 0, 0, offset);
        return;
      }
      case BT_IDB:
        return this.idb(dv, bytes, p, len, offset);
      case BT_SHB: {
        const major = dv.getUint16(p + SHB_MAJOR, le);
        if (major !== 1) return this.fail('PCAP_MALFORMED', `unsupported pcapng version ${major}`, offset);
        if (len < SHB_OPTIONS + 4)
          return this.fail('PCAP_MALFORMED', 'Section Header Block too short', offset);
        this.section++;
        this.sectionStart = this.interfaces.length;
        return;
      }
      default:
        return; // NRB, ISB, DSB, custom…: not needed to read packets
    }
  }

  private idb(dv: DataView, bytes: Uint8Array, p: number, len: number, offset: number): void {
    const le = this.le;
    if (len < IDB_OPTIONS + 4)
      return this.fail('PCAP_MALFORMED', 'Interface Description Block too short', offset);
    const iface: CaptureInterface = {
      id: this.interfaces.length - this.sectionStart,
      linkType: dv.getUint16(p + IDB_LINKTYPE, le),
      snaplen: dv.getUint32(p + IDB_SNAPLEN, le),
      name: '',
      description: '',
      mac: -1,
      tsUnitsPerSec: 1e6,
      section: this.section,
    };
    const ts: IfaceTs = { div: 1e6, toNs: 1000, resol: 6, offsetSec: 0 };
    const end = p + len - 4;
    const text = new TextDecoder();
    for (let o = p + IDB_OPTIONS; o + 4 <= end;) {
      const code = dv.getUint16(o, le);
      const olen = dv.getUint16(o + 2, le);
      const v = o + 4;
      if (code === OPT_END) break;
      if (v + olen > end) return this.fail('PCAP_MALFORMED', `IDB option ${code} overruns its block`, offset);
      if (code === OPT_IF_NAME) iface.name = text.decode(bytes.subarray(v, v + olen)).replace(/\0+$/, '');
      else if (code === OPT_IF_DESCRIPTION) {
        iface.description = text.decode(bytes.subarray(v, v + olen)).replace(/\0+$/, '');
      } else if (code === OPT_IF_MACADDR && olen >= 6) {
        iface.mac = (bytes[v] * 256 + bytes[v + 1]) * 4294967296 + dv.getUint32(v + 2, false);
      } else if (code === OPT_IF_TSRESOL && olen >= 1) {
        const r = bytes[v];
        ts.resol = r;
        const k = r & 0x7f;
        if ((r & 0x80) === 0 && k <= 9) {
          ts.div = 10 ** k;
          ts.toNs = 10 ** (9 - k);
          iface.tsUnitsPerSec = ts.div;
        } else {
          ts.div = 0;
          iface.tsUnitsPerSec = r & 0x80 ? 2 ** k : 10 ** k;
        }
      } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        // Seconds added to every timestamp; signed 64-bit, realistic values fit in a double.
        const hi = dv.getInt32(v + (le ? 4 : 0), le);
        const lo = dv.getUint32(v + (le ? 0 : 4), le);
        ts.offsetSec = hi * 4294967296 + lo;
      }
      o = v + ((olen + 3) & ~3);
    }
    this.interfaces.push(iface);
    this.ts.push(ts);
    this.epbIfaces.push({
      linkType: iface.linkType,
      snaplen: iface.snaplen,
      unitsPerSec: (ts.div === 1e6 || ts.div === 1e9) && ts.offsetSec === 0 ? ts.div : 0,
    });
    this.opts.onInterface?.(iface);
  }

  private emit(
    bytes: Uint8Array,
    at: number,
    caplen: number,
    origLen: number,
    id: number,
    hi: number,
    lo: number,
    offset: number,
  ): void {
    const rec = this.rec;
    const ts = this.ts[id];
    if (ts.div > 0) {
      const d = ts.div;
      let sec: number;
      let rem: number;
      if (hi < 0x200000) {
        // Below 2^53 the value is exact in a double; fix the quotient's rare rounding at the boundary.
        const v = hi * 4294967296 + lo;
        sec = Math.floor(v / d);
        rem = v - sec * d;
        if (rem < 0) {
          sec--;
          rem += d;
        } else if (rem >= d) {
          sec++;
          rem -= d;
        }
      } else {
        // Long division in 16-bit limbs keeps every intermediate below 2^53 (nanosecond epochs are ~2^60).
        const limbs0 = hi >>> 16;
        const limbs1 = hi & 0xffff;
        const limbs2 = lo >>> 16;
        const limbs3 = lo & 0xffff;
        let r = 0;
        let q = 0;
        let cur = limbs0;
        let ql = Math.floor(cur / d);
        r = cur - ql * d;
        q = ql;
        cur = r * 65536 + limbs1;
        ql = Math.floor(cur / d);
        r = cur - ql * d;
        q = q * 65536 + ql;
        cur = r * 65536 + limbs2;
        ql = Math.floor(cur / d);
        r = cur - ql * d;
        q = q * 65536 + ql;
        cur = r * 65536 + limbs3;
        ql = Math.floor(cur / d);
        r = cur - ql * d;
        q = q * 65536 + ql;
        sec = q;
        rem = r;
      }
      rec.tsSec = sec + ts.offsetSec;
      rec.tsNsec = rem * ts.toNs;
    } else {
      const v = (BigInt(hi) << 32n) | BigInt(lo);
      const k = BigInt(ts.resol & 0x7f);
      const units = ts.resol & 0x80 ? 1n << k : 10n ** k;
      rec.tsSec = Number(v / units) + ts.offsetSec;
      rec.tsNsec = Number(((v % units) * 1_000_000_000n) / units);
    }
    rec.setBytes(bytes, at, caplen);
    rec.origLen = origLen;
    rec.interfaceId = id;
    rec.linkType = this.interfaces[id].linkType;
    rec.offset = offset;
    rec.index = this.records++;
    this.onRecord(rec);
  }
}
