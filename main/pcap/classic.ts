// Streaming reader for classic libpcap files (draft-ietf-opsawg-pcap §3–§5): any chunking, both byte orders,
// microsecond and nanosecond magic; records are views on the pushed chunks, copied only when they span two.
//
//  File header (24 bytes)                         Record header (16 bytes), then caplen bytes of frame
//   0 |            Magic Number             |      0 |       Timestamp (seconds)        |
//   4 | Major Version  | Minor Version      |      4 | Timestamp (micro- or nanoseconds)|
//   8 |      Reserved1 (thiszone)           |      8 |  Captured Packet Length (caplen) |
//  12 |      Reserved2 (sigfigs)            |     12 |  Original Packet Length          |
//  16 |            SnapLen                  |
//  20 | FCS |R|P| Reserved3 |   LinkType    |
import {
  MAX_CAPLEN,
  newRecord,
  type CaptureInterface,
  type CaptureReader,
  type ReadProblem,
  type RecordBatcher,
  type RecordCallback,
} from './types.ts';

export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
const H_MAGIC = 0;
const H_VERSION_MAJOR = 4;
const H_SNAPLEN = 16;
const H_LINKTYPE = 20;
const R_TS_SEC = 0;
const R_TS_FRAC = 4;
/** Where a record header holds its captured length. */
export const R_CAPLEN = 8;
const R_ORIGLEN = 12;
/** LinkType occupies the low 16 bits; the high bits carry FCS information we do not need. */
const LINKTYPE_MASK = 0xffff;

/** Byte order and precision from the first four bytes, or null if they are not a classic pcap magic. */
export function sniffPcapMagic(b: Uint8Array, at = 0): { le: boolean; nano: boolean } | null {
  if (b.length - at < 4) return null;
  const be = ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
  const le = ((b[at + 3] << 24) | (b[at + 2] << 16) | (b[at + 1] << 8) | b[at]) >>> 0;
  if (be === PCAP_MAGIC_MICRO) return { le: false, nano: false };
  if (be === PCAP_MAGIC_NANO) return { le: false, nano: true };
  if (le === PCAP_MAGIC_MICRO) return { le: true, nano: false };
  if (le === PCAP_MAGIC_NANO) return { le: true, nano: true };
  return null;
}

export interface ReaderOptions {
  /** Called when an interface becomes known (the file header here; each IDB in pcapng). */
  onInterface?: (iface: CaptureInterface) => void;
  /**
   * Takes whole records of a chunk in bulk before onRecord gets the ones it leaves (classic pcap; pcapng: the first
   * section's packet blocks when little-endian).
   */
  batch?: RecordBatcher;
}

export class PcapStreamReader implements CaptureReader {
  readonly format = 'pcap' as const;
  readonly interfaces: CaptureInterface[] = [];
  problem: ReadProblem | null = null;
  records = 0;
  bytes = 0;

  private le = true;
  private nano = false;
  private snaplen = 0;
  private linkType = 0;
  private headerDone = false;
  /** Start of an incomplete unit (file header, record header or record) carried to the next chunk. */
  private pending: Uint8Array;
  private pendingLen = 0;
  private readonly scratch = new Uint8Array(PCAP_FILE_HEADER_LEN);
  /** Stream offset of the unit in `pending` (or of the next unit when none is pending). */
  private unitOffset = 0;
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
    if (this.pendingLen > 0 || !this.headerDone) {
      p = this.fill(chunk, 0);
      if (this.problem || this.pendingLen > 0) return this.problem;
    }
    p = this.scan(chunk, p, chunkBase);
    if (this.problem) return this.problem;
    if (p < chunk.length) {
      this.unitOffset = chunkBase + p;
      this.fill(chunk, p);
    }
    return this.problem;
  }

  end(): ReadProblem | null {
    if (this.problem) return this.problem;
    if (!this.headerDone) {
      this.fail('PCAP_TRUNCATED', `capture ends inside the ${PCAP_FILE_HEADER_LEN}-byte file header`, 0);
    } else if (this.pendingLen > 0) {
      const inRecord = this.pending !== this.scratch;
      const what = inRecord ? 'record' : 'record header';
      const need = inRecord ? this.pending.length : PCAP_RECORD_HEADER_LEN;
      this.fail(
        'PCAP_TRUNCATED',
        `capture ends inside a ${what} (${this.pendingLen} of ${need} bytes)`,
        this.unitOffset,
      );
    }
    return this.problem;
  }

  private fail(code: ReadProblem['code'], message: string, offset: number): void {
    this.problem = { code, message: `${message} at byte ${offset}`, offset };
  }

  /** The fast path: whole records inside `chunk` from `p`; returns where the first incomplete one starts. */
  private scan(chunk: Uint8Array, p: number, chunkBase: number): number {
    const n = chunk.length;
    const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const le = this.le;
    const batch = this.opts.batch;
    while (n - p >= PCAP_RECORD_HEADER_LEN) {
      if (batch !== undefined) {
        p = batch.take(chunk, p, chunkBase, le, this.nano, this.linkType);
        this.records += batch.taken;
        if (n - p < PCAP_RECORD_HEADER_LEN) break;
      }
      const caplen = dv.getUint32(p + R_CAPLEN, le);
      if (!this.caplenOk(caplen, chunkBase + p)) return p;
      const end = p + PCAP_RECORD_HEADER_LEN + caplen;
      if (end > n) break;
      this.emit(dv, p, chunk, p + PCAP_RECORD_HEADER_LEN, caplen, chunkBase + p);
      p = end;
    }
    return p;
  }

  /**
   * A caplen past MAX_CAPLEN is a damaged file. One past the file's snaplen only is not: libpcap reads such
   * records (writers that set the header's snaplen wrong exist), and so do tcpdump and Wireshark.
   */
  private caplenOk(caplen: number, offset: number): boolean {
    if (caplen > MAX_CAPLEN) {
      this.fail('PCAP_MALFORMED', `record caplen ${caplen} exceeds the ${MAX_CAPLEN}-byte limit`, offset);
      return false;
    }
    return true;
  }

  private emit(dv: DataView, h: number, bytes: Uint8Array, at: number, caplen: number, offset: number): void {
    const rec = this.rec;
    const le = this.le;
    let sec = dv.getUint32(h + R_TS_SEC, le);
    const frac = dv.getUint32(h + R_TS_FRAC, le);
    let nsec = this.nano ? frac : frac * 1000;
    if (nsec >= 1e9) {
      // Out-of-range fractions exist in the wild; carry them into seconds rather than reject the record.
      const carry = Math.floor(nsec / 1e9);
      sec += carry;
      nsec -= carry * 1e9;
    }
    rec.setBytes(bytes, at, caplen);
    rec.origLen = dv.getUint32(h + R_ORIGLEN, le);
    rec.tsSec = sec;
    rec.tsNsec = nsec;
    rec.interfaceId = 0;
    rec.linkType = this.linkType;
    rec.offset = offset;
    rec.index = this.records++;
    this.onRecord(rec);
  }

  /**
   * Accumulates an incomplete unit from `chunk[p..]`; when it completes, handles it and returns the position
   * after it with pendingLen 0. Returns chunk.length with pendingLen > 0 when the chunk ran out first.
   */
  private fill(chunk: Uint8Array, p: number): number {
    for (;;) {
      const inRecord = this.pending !== this.scratch;
      const need = inRecord
        ? this.pending.length
        : this.headerDone
          ? PCAP_RECORD_HEADER_LEN
          : PCAP_FILE_HEADER_LEN;
      const take = Math.min(need - this.pendingLen, chunk.length - p);
      if (take > 0) {
        this.pending.set(chunk.subarray(p, p + take), this.pendingLen);
        this.pendingLen += take;
        p += take;
      }
      if (this.pendingLen < need) return p;
      const dv = new DataView(this.pending.buffer, this.pending.byteOffset, this.pendingLen);
      if (!this.headerDone) {
        this.parseFileHeader(dv);
        this.pendingLen = 0;
        this.unitOffset = PCAP_FILE_HEADER_LEN;
        return p;
      }
      if (!inRecord) {
        const caplen = dv.getUint32(R_CAPLEN, this.le);
        if (!this.caplenOk(caplen, this.unitOffset)) return p;
        // The one copy: a record that spans chunks gets its own buffer, so its view stays valid.
        const buf = new Uint8Array(PCAP_RECORD_HEADER_LEN + caplen);
        buf.set(this.pending.subarray(0, PCAP_RECORD_HEADER_LEN));
        this.pending = buf;
        continue;
      }
      const rec = this.pending;
      this.emit(dv, 0, rec, PCAP_RECORD_HEADER_LEN, rec.length - PCAP_RECORD_HEADER_LEN, this.unitOffset);
      this.unitOffset += rec.length;
      this.pending = this.scratch;
      this.pendingLen = 0;
      return p;
    }
  }

  private parseFileHeader(dv: DataView): void {
    const magic = sniffPcapMagic(new Uint8Array(dv.buffer, dv.byteOffset, 4), H_MAGIC);
    if (!magic) {
      const hex = dv.getUint32(H_MAGIC, false).toString(16).padStart(8, '0');
      this.fail('PCAP_BAD_MAGIC', `not a pcap file (magic 0x${hex})`, 0);
      return;
    }
    this.le = magic.le;
    this.nano = magic.nano;
    const major = dv.getUint16(H_VERSION_MAJOR, this.le);
    if (major !== 2) {
      this.fail('PCAP_MALFORMED', `unsupported pcap version ${major}`, H_VERSION_MAJOR);
      return;
    }
    this.snaplen = dv.getUint32(H_SNAPLEN, this.le);
    this.linkType = dv.getUint32(H_LINKTYPE, this.le) & LINKTYPE_MASK;
    this.headerDone = true;
    const iface: CaptureInterface = {
      id: 0,
      linkType: this.linkType,
      snaplen: this.snaplen,
      name: '',
      description: '',
      mac: -1,
      tsUnitsPerSec: this.nano ? 1e9 : 1e6,
      section: 0,
    };
    this.interfaces.push(iface);
    this.opts.onInterface?.(iface);
  }
}
