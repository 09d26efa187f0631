// Web mode: expands the constant columns the server sent as markers (main/server/fillColumns.ts, the same
// format) back into typed arrays, so the rest of the renderer gets the batch exactly as the API defines it.

const CTORS = {
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
} as const;

/** Most rows a marker may stand for (what a getPackets request may ask). */
const MAX_LENGTH = 5_000_000;

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
