// The reader to use when the format is not known up front (a tcpdump stream, an imported file): sniffs the
// first four bytes and hands the stream to the classic pcap or the pcapng reader.
import { PcapStreamReader, sniffPcapMagic, type ReaderOptions } from './classic.ts';
import { BT_SHB, PcapngStreamReader } from './pcapng.ts';
import type { CaptureFormat, CaptureInterface, CaptureReader, ReadProblem, RecordCallback } from './types.ts';

const SNIFF_LEN = 4;
const NO_INTERFACES: readonly CaptureInterface[] = [];

/** Which format the bytes start with, null if neither (or fewer than 4 bytes). */
export function sniffFormat(b: Uint8Array): CaptureFormat | null {
  if (sniffPcapMagic(b)) return 'pcap';
  if (b.length >= SNIFF_LEN) {
    const t = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
    if (t === BT_SHB) return 'pcapng';
  }
  return null;
}

/** The first bytes of Hopscope's journeys JSON export, `{"schema":"hopscope.journeys/1", …`. */
const JSON_EXPORT_HEAD = '{"sc';

/**
 * Why bytes that are neither pcap nor pcapng are not read. Hopscope's own JSON export, given back to it, is said
 * to be that (its first bytes alone, 0x7b227363, told the user nothing): only the pcapng export re-opens.
 */
function notACapture(head: Uint8Array): string {
  const hex = Array.from(head, (x) => x.toString(16).padStart(2, '0')).join('');
  const text = String.fromCharCode(...head);
  if (text === JSON_EXPORT_HEAD)
    return (
      `a JSON file, not a capture (first bytes ${text}…), like Hopscope's journeys export ` +
      `(hopscope.journeys JSON), which is not re-opened: open the pcapng export or the captures`
    );
  return `neither pcap nor pcapng (first bytes 0x${hex}) at byte 0`;
}

class SniffingReader implements CaptureReader {
  private inner: CaptureReader | null = null;
  private head = new Uint8Array(SNIFF_LEN);
  private headLen = 0;
  private ownProblem: ReadProblem | null = null;
  private ownBytes = 0;
  private readonly onRecord: RecordCallback;
  private readonly opts: ReaderOptions;

  constructor(onRecord: RecordCallback, opts: ReaderOptions) {
    this.onRecord = onRecord;
    this.opts = opts;
  }

  get format(): CaptureFormat | null {
    return this.inner?.format ?? null;
  }
  get interfaces(): readonly CaptureInterface[] {
    return this.inner?.interfaces ?? NO_INTERFACES;
  }
  get problem(): ReadProblem | null {
    return this.inner?.problem ?? this.ownProblem;
  }
  get records(): number {
    return this.inner?.records ?? 0;
  }
  get bytes(): number {
    return this.inner?.bytes ?? this.ownBytes;
  }

  push(chunk: Uint8Array): ReadProblem | null {
    if (this.inner) return this.inner.push(chunk);
    if (this.ownProblem) return this.ownProblem;
    this.ownBytes += chunk.length;
    const take = Math.min(SNIFF_LEN - this.headLen, chunk.length);
    this.head.set(chunk.subarray(0, take), this.headLen);
    this.headLen += take;
    if (this.headLen < SNIFF_LEN) return null;
    const format = sniffFormat(this.head);
    if (!format) {
      this.ownProblem = { code: 'PCAP_BAD_MAGIC', message: notACapture(this.head), offset: 0 };
      return this.ownProblem;
    }
    this.inner =
      format === 'pcap'
        ? new PcapStreamReader(this.onRecord, this.opts)
        : new PcapngStreamReader(this.onRecord, this.opts);
    // Replay the sniffed bytes that came from earlier chunks, then this chunk whole (zero-copy).
    const earlier = this.headLen - take;
    if (earlier > 0) this.inner.push(this.head.subarray(0, earlier));
    return this.inner.push(chunk);
  }

  end(): ReadProblem | null {
    if (this.inner) return this.inner.end();
    if (!this.ownProblem) {
      this.ownProblem = {
        code: 'PCAP_TRUNCATED',
        message: `capture ends after ${this.headLen} bytes, before its magic number at byte 0`,
        offset: 0,
      };
    }
    return this.ownProblem;
  }
}

/** A streaming reader for pcap or pcapng, decided by the first bytes. */
export function createCaptureReader(onRecord: RecordCallback, opts: ReaderOptions = {}): CaptureReader {
  return new SniffingReader(onRecord, opts);
}
