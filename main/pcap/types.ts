// Shapes shared by the streaming capture readers (classic pcap and pcapng): the reused record view handed to
// callbacks, per-interface metadata, and problems reported as data (never thrown).

export type CaptureFormat = 'pcap' | 'pcapng';

/** Problems a reader reports. Codes are the stable ones from main/common/errors.ts. */
export interface ReadProblem {
  code: 'PCAP_BAD_MAGIC' | 'PCAP_TRUNCATED' | 'PCAP_MALFORMED';
  message: string;
  /** Byte offset in the stream of the record/block (or header) the problem is in. */
  offset: number;
}

/** A problem as one line, the CLI's and the app's form: `PCAP_TRUNCATED: … at byte N` (the message holds the offset). */
export function problemText(p: { code: string; message: string }): string {
  return `${p.code}: ${p.message}`;
}

/** One interface of a capture: the single one of a classic pcap, or one pcapng Interface Description Block. */
export interface CaptureInterface {
  /** 0 for classic pcap; the IDB's index within its section for pcapng. */
  id: number;
  linkType: number;
  /** 0 = not stated. */
  snaplen: number;
  /** pcapng if_name / if_description / if_MACaddr (48-bit integer, -1 absent). */
  name: string;
  description: string;
  mac: number;
  /** Timestamp units per second on the wire (1e6 for microsecond files, 1e9 for nanosecond ones). */
  tsUnitsPerSec: number;
  /** Section number (pcapng: increments at each Section Header Block; classic: 0). */
  section: number;
}

/**
 * A record as handed to the callback. The object is REUSED for every record (no per-packet allocation):
 * copy the numbers you need. `data` is a view on the bytes pushed in (zero-copy when the record lay within
 * one chunk; a fresh copy only when it spanned chunks); the reader never writes into it, so it stays valid
 * after the callback as long as the caller does not modify the chunks it pushed.
 */
export interface CaptureRecord {
  /** The captured bytes: a view made on first access (see buf/dataOffset/caplen for the view-free form). */
  readonly data: Uint8Array;
  /**
   * The same bytes without making a view: buf[dataOffset, dataOffset + caplen). `buf` is the pushed chunk
   * (or the copy of a record that spanned chunks). For the hot path: decodeRecord(rec, out) decodes from here.
   */
  buf: Uint8Array;
  dataOffset: number;
  caplen: number;
  /** Original length on the wire (>= data.length when snaplen cut it). */
  origLen: number;
  /** Timestamp as integers: seconds since the epoch and nanoseconds within the second (0..999999999). */
  tsSec: number;
  tsNsec: number;
  /** Index into the reader's `interfaces` (pcapng: across sections; classic: 0). */
  interfaceId: number;
  linkType: number;
  /** Byte offset of the record header (pcap) / block (pcapng) in the stream. */
  offset: number;
  /** 0-based packet number in the stream. */
  index: number;
}

export type RecordCallback = (rec: CaptureRecord) => void;

/** A pcapng interface as a RecordBatcher sees it. */
export interface EpbInterface {
  linkType: number;
  snaplen: number;
  /** Timestamp units a second when 10^6 or 10^9 with no if_tsoffset (dumpcap's, tcpdump's, ours), else 0. */
  unitsPerSec: number;
}

/**
 * Takes whole classic pcap records in bulk, straight from a pushed chunk, instead of one onRecord call each
 * (main/session/wasmIngest.ts: the WebAssembly ingest): from chunk[p] on, as many as it will; returns where it
 * stopped (a record it leaves to onRecord, or an incomplete one). `chunkBase`: the chunk's offset in the stream
 * (a record's offset is chunkBase + its position); `taken`: how many records the last take() took.
 */
export interface RecordBatcher {
  take(chunk: Uint8Array, p: number, chunkBase: number, le: boolean, nano: boolean, linkType: number): number;
  /**
   * take() for the Enhanced Packet Blocks of a little-endian pcapng file's first section, from the block at
   * chunk[p] on: `ifaces` are the section's interfaces so far (index = interface id).
   */
  takeEpb?(chunk: Uint8Array, p: number, chunkBase: number, ifaces: readonly EpbInterface[]): number;
  taken: number;
}

/** A push-style reader: feed chunks of any size; records come out through the callback. Never throws. */
export interface CaptureReader {
  /** Feed the next bytes. Returns the problem if the stream is (now or already) unreadable, else null. */
  push(chunk: Uint8Array): ReadProblem | null;
  /** No more bytes: reports a record cut short (PCAP_TRUNCATED with its offset), or the earlier problem. */
  end(): ReadProblem | null;
  readonly format: CaptureFormat | null;
  /** Interfaces seen so far (grows as pcapng IDBs arrive). */
  readonly interfaces: readonly CaptureInterface[];
  readonly problem: ReadProblem | null;
  /** Records delivered so far. */
  readonly records: number;
  /** Bytes pushed so far. */
  readonly bytes: number;
}

/** Records larger than this are rejected as malformed (libpcap's own ceiling for most link types). */
export const MAX_CAPLEN = 256 * 1024;

const EMPTY = new Uint8Array(0);

/** The reused record object: `data` is created lazily, as most hot-path consumers never need the view. */
export class RecordView implements CaptureRecord {
  buf: Uint8Array = EMPTY;
  dataOffset = 0;
  caplen = 0;
  origLen = 0;
  tsSec = 0;
  tsNsec = 0;
  interfaceId = 0;
  linkType = 0;
  offset = 0;
  index = 0;
  private view: Uint8Array | null = null;

  get data(): Uint8Array {
    return (this.view ??= this.buf.subarray(this.dataOffset, this.dataOffset + this.caplen));
  }

  /** Points the record at new bytes (the readers call this for every record). */
  setBytes(buf: Uint8Array, dataOffset: number, caplen: number): void {
    this.buf = buf;
    this.dataOffset = dataOffset;
    this.caplen = caplen;
    this.view = null;
  }
}

export function newRecord(): RecordView {
  return new RecordView();
}
