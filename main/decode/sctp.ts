// sctp.ts — SCTP (RFC 9260 §3): the common header and the chunk list after it.
//  0 |          Source Port          |       Destination Port        |
//  4 |                      Verification Tag                         |
//  8 |                          Checksum (CRC32c)                    |
// 12 | Chunk Type    | Chunk Flags   |         Chunk Length          |   (§3.2, each chunk padded to 4 bytes)
// 16 | Chunk Value …                                                 |
// Unlike TCP's and UDP's, the checksum covers no pseudo-header: a NAT that rewrites only addresses leaves it
// alone, one that rewrites ports recomputes it. The verification tag is never rewritten.
import { need, ok, u16, u32, NEXT_NONE, type Step } from './result.ts';

export const SCTP_HEADER_LEN = 12;
const SRC_PORT = 0;
const DST_PORT = 2;
const VTAG = 4;
const CHECKSUM = 8;
export const SCTP_CHUNK_HEADER_LEN = 4;

export interface SctpHeader {
  srcPort: number;
  dstPort: number;
  vtag: number;
  checksum: number;
}

export function newSctpHeader(): SctpHeader {
  return { srcPort: -1, dstPort: -1, vtag: 0, checksum: 0 };
}

/** The common header at `at`, inside an IP payload ending at `lim`; the next offset is the first chunk's. */
export function decodeSctp(b: Uint8Array, at: number, lim: number, h: SctpHeader, s: Step): boolean {
  if (!need(b, at, SCTP_HEADER_LEN, lim, s, 'sctp')) return false;
  h.srcPort = u16(b, at + SRC_PORT);
  h.dstPort = u16(b, at + DST_PORT);
  h.vtag = u32(b, at + VTAG);
  h.checksum = u32(b, at + CHECKSUM);
  return ok(s, at + SCTP_HEADER_LEN, lim, NEXT_NONE);
}

export const SCTP_OFFSETS = { SRC_PORT, DST_PORT, VTAG, CHECKSUM };

/** Chunk type names as tcpdump 4.99's print-sctp.c prints them in brackets ("[INIT ACK]", "[HB REQ]"). */
export const SCTP_CHUNK_NAMES: Record<number, string> = {
  0: 'DATA',
  1: 'INIT',
  2: 'INIT ACK',
  3: 'SACK',
  4: 'HB REQ',
  5: 'HB ACK',
  6: 'ABORT',
  7: 'SHUTDOWN',
  8: 'SHUTDOWN ACK',
  9: 'OP ERR',
  10: 'COOKIE ECHO',
  11: 'COOKIE ACK',
  12: 'ECN ECHO',
  13: 'ECN CWR',
  14: 'SHUTDOWN COMPLETE',
  0xc0: 'FOR CUM TSN',
  0xc1: 'REL CTRL',
};

/** A chunk type's name, or tcpdump's "Unknown chunk type: 0xNN". */
export function sctpChunkName(type: number): string {
  return SCTP_CHUNK_NAMES[type] ?? `Unknown chunk type: 0x${type.toString(16)}`;
}

export interface SctpChunk {
  type: number;
  /** -1 (and length -1) for a chunk whose 4-byte header the capture cut: only its type is known. */
  flags: number;
  /** The Chunk Length field: header and value, without the padding. */
  length: number;
  /** Offset of the chunk's type byte in the frame. */
  at: number;
}

/**
 * The chunks from `at` (the first chunk) to `end` (the IP payload's end), as far as the capture goes (`cap`): each
 * chunk's type, flags, length and offset, the last one possibly with its header cut (flags and length -1);
 * `bad` when a length field contradicts the payload (below 4, or past its end), where tcpdump stops too.
 */
export function sctpChunkList(
  b: Uint8Array,
  at: number,
  end: number,
  cap = b.length,
): { chunks: SctpChunk[]; bad: number } {
  const chunks: SctpChunk[] = [];
  let p = at;
  while (p < end && p < cap) {
    if (p + SCTP_CHUNK_HEADER_LEN > end) return { chunks, bad: p };
    if (p + SCTP_CHUNK_HEADER_LEN > cap) {
      chunks.push({ type: b[p], flags: -1, length: -1, at: p });
      break;
    }
    const length = u16(b, p + 2);
    if (length < SCTP_CHUNK_HEADER_LEN || p + length > end) return { chunks, bad: p };
    chunks.push({ type: b[p], flags: b[p + 1], length, at: p });
    p += length + (-length & 3);
  }
  return { chunks, bad: -1 };
}
