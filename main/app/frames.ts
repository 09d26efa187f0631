// Finds a captured frame's bytes from its record offset (what the correlator keeps per row): files are read
// once into memory and the record header at that offset says where the frame starts.

import { readFileSync } from 'node:fs';

import { PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO } from '../pcap/classic.ts';
import { BT_EPB, BT_PB, BT_SPB } from '../pcap/pcapng.ts';

const PCAP_RECORD_HEADER = 16;
const EPB_DATA = 28; // type, length, interface id, ts high, ts low, captured len, original len
const SPB_DATA = 12; // type, length, original len

export class FrameSource {
  private files = new Map<string, { bytes: Uint8Array; pcap: boolean }>();

  private file(path: string): { bytes: Uint8Array; pcap: boolean } {
    let f = this.files.get(path);
    if (!f) {
      const bytes = readFileSync(path);
      const magicLe = bytes.length >= 4 ? bytes.readUInt32LE(0) : 0;
      const magicBe = bytes.length >= 4 ? bytes.readUInt32BE(0) : 0;
      const pcap = [PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO].includes(magicLe) || [PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO].includes(magicBe);
      f = { bytes, pcap };
      this.files.set(path, f);
    }
    return f;
  }

  /** The frame of the record at `recordOffset` in `path`, `caplen` bytes (empty if the file changed under us). */
  frame(path: string, recordOffset: number, caplen: number): Uint8Array {
    const { bytes, pcap } = this.file(path);
    let start: number;
    if (pcap) start = recordOffset + PCAP_RECORD_HEADER;
    else {
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (recordOffset + 4 > bytes.length) return new Uint8Array(0);
      const le = dv.getUint32(recordOffset, true);
      const be = dv.getUint32(recordOffset, false);
      const type = [BT_EPB, BT_SPB, BT_PB].includes(le) ? le : be;
      start = recordOffset + (type === BT_SPB ? SPB_DATA : EPB_DATA);
    }
    if (start + caplen > bytes.length) return new Uint8Array(0);
    return bytes.subarray(start, start + caplen);
  }

  /** Forget cached files (a live session's files grow). */
  clear(): void {
    this.files.clear();
  }
}
