// A pcap file writer for the generator: records arrive slightly out of order (hops of overlapping journeys),
// so they wait in a small min-heap until the caller's watermark passes, then go out through one large buffer.

import fs from 'node:fs';

export const PCAP_MAGIC_NANO = 0xa1b23c4d;
export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
const PCAP_FILE_HEADER_LEN = 24;
const PCAP_RECORD_HEADER_LEN = 16;
const SNAPLEN = 262144;
const SLOT = 2048; // larger than any frame we generate (MTU 1500 + VXLAN overhead)
const OUT_BUFFER = 8 << 20;

export class SortedPcapWriter {
  readonly path: string;
  packets = 0;
  bytes = 0;
  private readonly fd: number;
  private readonly nanos: boolean;
  private readonly baseSec: number;
  private out = Buffer.allocUnsafe(OUT_BUFFER);
  private outLen = 0;
  // Heap of pending records: parallel arrays indexed by slot; heap holds slot numbers ordered by (ts, seq).
  private slab: Uint8Array;
  private tsOf: Float64Array;
  private seqOf: Float64Array;
  private lenOf: Int32Array;
  private heap: Int32Array;
  private heapLen = 0;
  private free: number[] = [];
  private capacity: number;
  private seq = 0;

  /** Timestamps are nanoseconds relative to baseSec (Numbers stay exact far beyond any capture length). */
  constructor(path: string, opts: { nanos: boolean; baseSec: number; linkType: number }) {
    this.path = path;
    this.nanos = opts.nanos;
    this.baseSec = opts.baseSec;
    this.capacity = 1024;
    this.slab = new Uint8Array(this.capacity * SLOT);
    this.tsOf = new Float64Array(this.capacity);
    this.seqOf = new Float64Array(this.capacity);
    this.lenOf = new Int32Array(this.capacity);
    this.heap = new Int32Array(this.capacity);
    for (let i = this.capacity - 1; i >= 0; i--) this.free.push(i);
    this.fd = fs.openSync(path, 'w');
    const h = Buffer.alloc(PCAP_FILE_HEADER_LEN);
    h.writeUInt32LE(this.nanos ? PCAP_MAGIC_NANO : PCAP_MAGIC_MICRO, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeInt32LE(0, 8); // thiszone
    h.writeUInt32LE(0, 12); // sigfigs
    h.writeUInt32LE(SNAPLEN, 16);
    h.writeUInt32LE(opts.linkType, 20);
    fs.writeSync(this.fd, h);
    this.bytes = PCAP_FILE_HEADER_LEN;
  }

  /** Queues one record (copied). Equal timestamps keep their push order. */
  push(tsNs: number, frame: Uint8Array, at: number, len: number): void {
    if (this.free.length === 0) this.grow();
    const slot = this.free.pop() as number;
    this.slab.set(frame.subarray(at, at + len), slot * SLOT);
    this.tsOf[slot] = tsNs;
    this.seqOf[slot] = this.seq++;
    this.lenOf[slot] = len;
    let i = this.heapLen++;
    this.heap[i] = slot;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.heap[i], this.heap[parent])) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Writes out every queued record with a timestamp below the watermark (no later push may go below it). */
  flushBefore(watermarkNs: number): void {
    while (this.heapLen > 0 && this.tsOf[this.heap[0]] < watermarkNs) this.emit(this.popMin());
  }

  close(): void {
    while (this.heapLen > 0) this.emit(this.popMin());
    this.drain();
    fs.closeSync(this.fd);
  }

  private emit(slot: number): void {
    const len = this.lenOf[slot];
    const need = PCAP_RECORD_HEADER_LEN + len;
    if (this.outLen + need > this.out.length) this.drain();
    const ts = this.tsOf[slot];
    const sec = Math.floor(ts / 1e9);
    const frac = this.nanos ? ts - sec * 1e9 : Math.floor((ts - sec * 1e9) / 1000);
    const o = this.out;
    let p = this.outLen;
    o.writeUInt32LE(this.baseSec + sec, p);
    o.writeUInt32LE(frac, p + 4);
    o.writeUInt32LE(len, p + 8);
    o.writeUInt32LE(len, p + 12);
    p += PCAP_RECORD_HEADER_LEN;
    o.set(this.slab.subarray(slot * SLOT, slot * SLOT + len), p);
    this.outLen = p + len;
    this.packets++;
    this.bytes += need;
    this.free.push(slot);
  }

  private drain(): void {
    let off = 0;
    while (off < this.outLen) off += fs.writeSync(this.fd, this.out, off, this.outLen - off);
    this.outLen = 0;
  }

  private less(a: number, b: number): boolean {
    const ta = this.tsOf[a];
    const tb = this.tsOf[b];
    return ta < tb || (ta === tb && this.seqOf[a] < this.seqOf[b]);
  }

  private swap(i: number, j: number): void {
    const t = this.heap[i];
    this.heap[i] = this.heap[j];
    this.heap[j] = t;
  }

  private popMin(): number {
    const top = this.heap[0];
    const last = this.heap[--this.heapLen];
    if (this.heapLen > 0) {
      this.heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.heapLen && this.less(this.heap[l], this.heap[m])) m = l;
        if (r < this.heapLen && this.less(this.heap[r], this.heap[m])) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }

  private grow(): void {
    const old = this.capacity;
    this.capacity *= 2;
    const slab = new Uint8Array(this.capacity * SLOT);
    slab.set(this.slab);
    this.slab = slab;
    const grow64 = (a: Float64Array) => {
      const n = new Float64Array(this.capacity);
      n.set(a);
      return n;
    };
    this.tsOf = grow64(this.tsOf);
    this.seqOf = grow64(this.seqOf);
    const lens = new Int32Array(this.capacity);
    lens.set(this.lenOf);
    this.lenOf = lens;
    const heap = new Int32Array(this.capacity);
    heap.set(this.heap);
    this.heap = heap;
    for (let i = this.capacity - 1; i >= old; i--) this.free.push(i);
  }
}
