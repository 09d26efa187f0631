// Fuzz target: the streaming capture readers (createCaptureReader → classic pcap or pcapng). Feeds one input
// whole and in random chunks and checks the promises of main/pcap/types.ts: push/end never throw, records are
// the same whatever the chunking, every problem has a stable code and an offset inside the stream, no record
// exceeds MAX_CAPLEN, and no allocation is sized from the input beyond the bounded block/record limits.

import { createCaptureReader } from '../../../main/pcap/reader.ts';
import { MAX_CAPLEN, type CaptureRecord, type ReadProblem } from '../../../main/pcap/types.ts';
import { chunk, invariant, largestAllocationDuring, timed } from '../harness.ts';

/** The largest buffer a reader may ask for: one kept block (record + pcapng framing and options). */
export const READER_ALLOCATION_LIMIT = MAX_CAPLEN + 64 * 1024 + 64;
/** Per-input wall-time bound; inputs are ≤ 1 MiB, the reader does ~1 GB/s, so this is a hang, not noise. */
export const READER_TIME_LIMIT_MS = 2000;

const CODES = new Set(['PCAP_BAD_MAGIC', 'PCAP_TRUNCATED', 'PCAP_MALFORMED']);

export interface ReadOutcome {
  records: string[];
  problem: ReadProblem | null;
  pushedProblem: ReadProblem | null;
}

function fingerprint(r: CaptureRecord): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < r.data.length; i++) h = Math.imul(h ^ r.data[i], 0x01000193);
  return `${r.index}@${r.offset} if${r.interfaceId} lt${r.linkType} ${r.tsSec}.${r.tsNsec} ${r.data.length}/${r.origLen} ${h >>> 0}`;
}

function checkProblem(p: ReadProblem | null, total: number, where: string): void {
  if (!p) return;
  invariant(CODES.has(p.code), `${where}: problem code ${p.code} is not a reader code`);
  invariant(
    Number.isInteger(p.offset) && p.offset >= 0 && p.offset <= total,
    `${where}: problem offset ${p.offset} outside the ${total}-byte stream`,
  );
  invariant(
    typeof p.message === 'string' && p.message.includes(String(p.offset)),
    `${where}: message does not name the offset: ${p.message}`,
  );
}

/** Reads the chunks; throws InvariantError if the reader broke a promise (an escaping exception counts). */
export function readChunks(chunks: Uint8Array[], total: number): ReadOutcome {
  const records: string[] = [];
  let pushedProblem: ReadProblem | null = null;
  let lastOffset = -1;
  const reader = createCaptureReader((rec) => {
    invariant(rec.data.length <= MAX_CAPLEN, `record ${rec.index} has ${rec.data.length} bytes > MAX_CAPLEN`);
    invariant(
      rec.offset > lastOffset && rec.offset < total,
      `record ${rec.index} offset ${rec.offset} not increasing/inside`,
    );
    invariant(
      rec.interfaceId >= 0 && rec.interfaceId < reader.interfaces.length,
      `record names interface ${rec.interfaceId}`,
    );
    invariant(
      rec.tsNsec >= 0 && rec.tsNsec < 1e9 && Number.isFinite(rec.tsSec),
      `record ${rec.index} timestamp out of range`,
    );
    lastOffset = rec.offset;
    records.push(fingerprint(rec));
  });
  for (const c of chunks) {
    let p: ReadProblem | null;
    try {
      p = reader.push(c);
    } catch (e) {
      throw new Error(`push threw: ${(e as Error).stack ?? String(e)}`);
    }
    checkProblem(p, total, 'push');
    if (p && !pushedProblem) pushedProblem = p;
    if (p) invariant(reader.push(new Uint8Array(1)) === p, 'a failed reader must keep returning its problem');
    if (p) break;
  }
  let end: ReadProblem | null;
  try {
    end = reader.end();
  } catch (e) {
    throw new Error(`end threw: ${(e as Error).stack ?? String(e)}`);
  }
  checkProblem(end, total, 'end');
  if (pushedProblem) invariant(end === pushedProblem, 'end() must report the problem push() reported');
  invariant(
    reader.records === records.length,
    `reader.records ${reader.records} != ${records.length} delivered`,
  );
  return { records, problem: end, pushedProblem };
}

/** The whole target: one input, read whole and in chunks, with the allocation and time bounds. */
export function fuzzReader(input: Uint8Array, chunkSeed: number): void {
  let whole: ReadOutcome | undefined;
  let pieces: ReadOutcome | undefined;
  let ms = 0;
  const biggest = largestAllocationDuring(() => {
    ms = timed(() => {
      whole = readChunks([input], input.length);
      pieces = readChunks(chunk(input, chunkSeed), input.length);
    });
  });
  invariant(ms < READER_TIME_LIMIT_MS, `reading ${input.length} bytes took ${ms.toFixed(0)} ms`);
  invariant(
    biggest <= READER_ALLOCATION_LIMIT,
    `an allocation of ${biggest} bytes (limit ${READER_ALLOCATION_LIMIT}) for a ${input.length}-byte input`,
  );
  const a = whole!;
  const b = pieces!;
  invariant(
    a.records.length === b.records.length && a.records.every((r, i) => r === b.records[i]),
    `chunking changed the records: whole ${a.records.length}, chunked ${b.records.length}; first difference at ${a.records.findIndex((r, i) => r !== b.records[i])}`,
  );
  invariant(
    (a.problem?.code ?? null) === (b.problem?.code ?? null) &&
      (a.problem?.offset ?? -1) === (b.problem?.offset ?? -1),
    `chunking changed the problem: ${JSON.stringify(a.problem)} vs ${JSON.stringify(b.problem)}`,
  );
}
