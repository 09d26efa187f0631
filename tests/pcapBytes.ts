// Classic pcap bytes for tests that write a capture by hand (a link type the fixtures lack, a stream tcpdump
// would send, a session too large to keep as a fixture): the 24-byte file header, little-endian.

import { PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO } from '../main/pcap/classic.ts';

export interface PcapHeaderOptions {
  /** Nanosecond timestamps (tcpdump --time-stamp-precision=nano, as the lab records), else microseconds. */
  nano?: boolean;
  snaplen?: number;
  /** LINKTYPE_*: 1 Ethernet, 0 BSD loopback… */
  linkType?: number;
}

/** A classic pcap file header, version 2.4, little-endian. */
export function pcapHeader({ nano = true, snaplen = 262144, linkType = 1 }: PcapHeaderOptions = {}): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(nano ? PCAP_MAGIC_NANO : PCAP_MAGIC_MICRO, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(snaplen, 16);
  h.writeUInt32LE(linkType, 20);
  return h;
}

/**
 * A microsecond classic pcap (Ethernet unless `linkType` says otherwise) of `frames`, one a second from
 * `firstSec`; `caplens[i]` cuts frame i (the record keeps its whole length as the wire length, as a snaplen cut
 * does).
 */
export function pcapOf(
  frames: readonly Uint8Array[],
  caplens?: readonly number[],
  firstSec = 1_700_000_000,
  linkType = 1,
): Buffer {
  const recs = frames.map((d, i) => {
    const n = Math.min(caplens?.[i] ?? d.length, d.length);
    const h = Buffer.alloc(16);
    h.writeUInt32LE(firstSec + i, 0);
    h.writeUInt32LE(n, 8);
    h.writeUInt32LE(d.length, 12);
    return Buffer.concat([h, d.subarray(0, n)]);
  });
  return Buffer.concat([pcapHeader({ nano: false, linkType }), ...recs]);
}
