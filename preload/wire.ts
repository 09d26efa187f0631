// The web-mode wire format: one binary WebSocket frame per message, JSON plus the typed arrays it references,
// so packet columns cross as raw bytes (no base64, no per-packet objects). Pure code: used by main and renderer.
//
//  | u32 LE: JSON byte length | JSON (UTF-8) | zero padding to 8 | buffer 0 | pad to 8 | buffer 1 | …
//  Typed arrays in the JSON are replaced by {"$ta": "<ctor name>", "i": bufferIndex}.

const CTORS = {
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
} as const;
type CtorName = keyof typeof CTORS;
type AnyTyped = InstanceType<(typeof CTORS)[CtorName]>;

const HEADER_LEN = 4;
const ALIGN = 8;
const pad = (n: number) => (n + ALIGN - 1) & ~(ALIGN - 1);

export function encodeMessage(msg: unknown): Uint8Array {
  const buffers: AnyTyped[] = [];
  const json = JSON.stringify(msg, (_k, v: unknown) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const name = v.constructor.name as CtorName;
      if (!(name in CTORS)) throw new Error(`wire: unsupported typed array ${name}`);
      buffers.push(v as AnyTyped);
      return { $ta: name, i: buffers.length - 1 };
    }
    return v;
  });
  const jsonBytes = new TextEncoder().encode(json);
  let total = pad(HEADER_LEN + jsonBytes.length);
  const offsets: number[] = [];
  for (const b of buffers) {
    offsets.push(total);
    total = pad(pad(total + 4) + b.byteLength);
  }
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, jsonBytes.length, true);
  out.set(jsonBytes, HEADER_LEN);
  buffers.forEach((b, i) => {
    // Each buffer is preceded by its byte length, then aligned so the receiver can view it without copying.
    dv.setUint32(offsets[i], b.byteLength, true);
    const start = pad(offsets[i] + 4);
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), start);
  });
  return out;
}

/**
 * `owned`: the frame is a whole ArrayBuffer of its own (a browser WebSocket's message with binaryType
 * 'arraybuffer'), so typed arrays may view it in place; otherwise it is copied first, because a transport's
 * buffer may be shared (Node's pooled Buffers) or misaligned.
 */
export function decodeMessage(frame: Uint8Array, owned = false): unknown {
  let own = frame;
  if (!owned || frame.byteOffset !== 0 || frame.byteLength !== frame.buffer.byteLength) {
    own = new Uint8Array(frame.byteLength);
    own.set(frame);
  }
  const dv = new DataView(own.buffer);
  if (own.length < HEADER_LEN) throw new Error('wire: short frame');
  const jsonLen = dv.getUint32(0, true);
  if (HEADER_LEN + jsonLen > own.length) throw new Error('wire: bad JSON length');
  const json = new TextDecoder().decode(own.subarray(HEADER_LEN, HEADER_LEN + jsonLen));
  // Locate the buffers first (they follow in order), then revive references.
  const views: { start: number; len: number }[] = [];
  let at = pad(HEADER_LEN + jsonLen);
  while (at + 4 <= own.length) {
    const len = dv.getUint32(at, true);
    const start = pad(at + 4);
    if (start + len > own.length) throw new Error('wire: bad buffer length');
    views.push({ start, len });
    at = pad(start + len);
  }
  return JSON.parse(json, (_k, v: unknown) => {
    if (v && typeof v === 'object' && '$ta' in v && 'i' in v) {
      const { $ta, i } = v as { $ta: string; i: number };
      const ctor = CTORS[$ta as CtorName];
      const view = views[i];
      if (!ctor || !view) throw new Error('wire: bad typed-array reference');
      if (view.len % ctor.BYTES_PER_ELEMENT !== 0) throw new Error('wire: misaligned typed array');
      return new ctor(own.buffer as ArrayBuffer, view.start, view.len / ctor.BYTES_PER_ELEMENT);
    }
    return v;
  });
}

/** Client → server. */
export interface WireRequest {
  t: 'req';
  id: number;
  method: string;
  req?: unknown;
}
/** Server → client: a reply (Result) or an event. */
export type WireServerMessage =
  { t: 'res'; id: number; res: unknown } | { t: 'evt'; name: string; payload: unknown };
