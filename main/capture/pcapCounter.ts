// Counts records in a classic pcap byte stream as it arrives, for live counters only (the bytes themselves
// are already on disk). Copies nothing but the 16-byte record header when it straddles two chunks.
// Stand-in until the decode engineer's streaming reader in main/pcap/ lands.

const GLOBAL_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;
const INCL_LEN = 8;
const LINKTYPE = 20;
const MAX_CAPLEN = 256 * 1024;

export interface PcapCount {
  packets: number;
  /** Bytes of pcap stream seen (header included). */
  bytes: number;
  linkType: number | null;
  nano: boolean | null;
  /** Set when the stream stopped making sense; counting stops there. */
  error: string | null;
  /** Bytes of an unfinished record at the end of what was seen. */
  pendingBytes: number;
}

export class PcapCounter {
  packets = 0;
  bytes = 0;
  linkType: number | null = null;
  nano: boolean | null = null;
  error: string | null = null;
  private little = true;
  private head = Buffer.alloc(GLOBAL_HEADER_LEN);
  private headFill = 0;
  private skip = 0; // record body bytes still to pass over
  private headerDone = false;

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.error) return;
    let at = 0;
    while (at < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      const want = this.headerDone ? RECORD_HEADER_LEN : GLOBAL_HEADER_LEN;
      const n = Math.min(want - this.headFill, chunk.length - at);
      this.head.set(chunk.subarray(at, at + n), this.headFill);
      this.headFill += n;
      at += n;
      if (this.headFill < want) return;
      this.headFill = 0;
      if (!this.headerDone) {
        if (!this.readGlobal()) return;
        this.headerDone = true;
        continue;
      }
      const incl = this.little ? this.head.readUInt32LE(INCL_LEN) : this.head.readUInt32BE(INCL_LEN);
      if (incl > MAX_CAPLEN) {
        this.error = `record ${this.packets + 1}: caplen ${incl} is absurd`;
        return;
      }
      this.skip = incl;
      this.packets++; // counted once its header is in; a record is complete when its body has passed too
    }
  }

  private readGlobal(): boolean {
    const m = this.head.readUInt32LE(0);
    if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) this.little = true;
    else if (m === 0xd4c3b2a1 || m === 0x4d3cb2a1) this.little = false;
    else {
      this.error = `bad pcap magic 0x${m.toString(16)}`;
      return false;
    }
    const magic = this.little ? m : this.head.readUInt32BE(0);
    this.nano = magic === 0xa1b23c4d;
    this.linkType = this.little ? this.head.readUInt32LE(LINKTYPE) : this.head.readUInt32BE(LINKTYPE);
    return true;
  }

  /** Complete records only: a record whose body has not fully arrived is not counted yet. */
  snapshot(): PcapCount {
    return {
      packets: this.packets - (this.skip > 0 ? 1 : 0),
      bytes: this.bytes,
      linkType: this.linkType,
      nano: this.nano,
      error: this.error,
      pendingBytes: this.skip + this.headFill,
    };
  }
}
