// Web mode: packet batches cross the socket with their constant columns as a marker instead of bytes. Before
// journeys are computed every row's journey and hop are -1 and its protocol and status 0: 8 of a row's 22 bytes,
// ~8 MB of a million-row session's first load. The server compacts (main/server/webServer.ts), the page expands
// (renderer/src/api/wsClient.ts); only top-level typed arrays of a batch are looked at. Pure code, like wire.ts.

/** `{ $fill: <typed array name>, n: length, v: every element's value }` stands for that typed array. */
export interface FillMarker {
  $fill: string;
  n: number;
  v: number;
}

const CTORS = {
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
} as const;

type IntArray = InstanceType<(typeof CTORS)[keyof typeof CTORS]>;

/** Shorter arrays are sent as they are: the marker saves nothing worth a scan. */
const MIN_LENGTH = 1024;
/** Most rows a marker may stand for (what a getPackets request may ask). */
const MAX_LENGTH = 5_000_000;

const isIntArray = (v: unknown): v is IntArray =>
  ArrayBuffer.isView(v) && Object.prototype.hasOwnProperty.call(CTORS, v.constructor.name);

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
    if (!isIntArray(col) || col.length < MIN_LENGTH || !constant(col)) continue;
    out ??= { ...(batch as Record<string, unknown>) };
    out[k] = { $fill: col.constructor.name, n: col.length, v: col[0] } satisfies FillMarker;
  }
  return out ?? batch;
}

function isMarker(v: unknown): v is { $fill: keyof typeof CTORS; n: number; v: number } {
  if (!v || typeof v !== 'object') return false;
  const m = v as Record<string, unknown>;
  return (
    typeof m.$fill === 'string' &&
    Object.prototype.hasOwnProperty.call(CTORS, m.$fill) &&
    Number.isInteger(m.n) &&
    (m.n as number) >= 0 &&
    (m.n as number) <= MAX_LENGTH &&
    typeof m.v === 'number'
  );
}

/** `batch` (a flat object) with every top-level marker replaced by its typed array; changed in place. */
export function expandColumns(batch: unknown): unknown {
  if (!batch || typeof batch !== 'object' || Array.isArray(batch)) return batch;
  const b = batch as Record<string, unknown>;
  for (const [k, v] of Object.entries(b)) if (isMarker(v)) b[k] = new CTORS[v.$fill](v.n).fill(v.v);
  return batch;
}
