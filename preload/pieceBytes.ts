// How a piece of a TCP segment cut on the way (TSO/GSO) names the bytes of the segment it carries, wherever it is
// shown: the CLI's ladder, the app's ladder and the pcapng comments of a selection. Pure code: used by main and
// renderer (the pcapng export's fast path writes the same text as bytes: exportPcapng.ts).

/** `bytes 1398:2796 of 6990`: [start, end) of the segment's `of` payload bytes, as tcpdump writes relative seqs. */
export function pieceBytes(p: { start: number; end: number; of: number }): string {
  return `bytes ${p.start}:${p.end} of ${p.of}`;
}
