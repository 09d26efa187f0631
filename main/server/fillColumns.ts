// Web mode: packet batches cross the socket with their constant columns as a marker instead of bytes. Before
// journeys are computed every row's journey and hop are -1 and its protocol and status 0: 8 of a row's 22 bytes,
// ~8 MB of a million-row session's first load. The page expands them back (renderer/src/api/fillColumns.ts,
// the same format); nothing else changes: only top-level typed arrays of the batch are looked at.

/** `{ $fill: <typed array name>, n: length, v: every element's value }` stands for that typed array. */
export interface FillMarker {
  $fill: string;
  n: number;
  v: number;
}

/** Shorter arrays are sent as they are: the marker saves nothing worth a scan. */
const MIN_LENGTH = 1024;
const NAMES = new Set(['Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array']);

type IntArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

function constant(a: IntArray): boolean {
  const v = a[0];
  for (let i = 1; i < a.length; i++) if (a[i] !== v) return false;
  return true;
}

/** A copy of `batch` (a flat object) with each long constant integer column replaced by a marker. */
export function compactColumns(batch: unknown): unknown {
  if (!batch || typeof batch !== 'object' || Array.isArray(batch)) return batch;
  let out: Record<string, unknown> | null = null;
  for (const [k, col] of Object.entries(batch)) {
    if (!ArrayBuffer.isView(col) || !NAMES.has(col.constructor.name)) continue;
    const a = col as IntArray;
    if (a.length < MIN_LENGTH || !constant(a)) continue;
    out ??= { ...(batch as Record<string, unknown>) };
    out[k] = { $fill: a.constructor.name, n: a.length, v: a[0] } satisfies FillMarker;
  }
  return out ?? batch;
}
