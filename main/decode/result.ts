// The outcome of one protocol decoder, as a reusable object so the hot path allocates nothing: ok (with the
// payload offset, the payload's claimed end and the next protocol), truncated (the capture ended: snaplen)
// or malformed (fields contradict each other), each with the byte offset it concerns.

export const STEP_OK = 0;
export const STEP_TRUNCATED = 1;
export const STEP_MALFORMED = 2;

/** Next-protocol values that are not an ethertype or IP protocol number. */
export const NEXT_NONE = -1;
export const NEXT_ETHERNET = -2;

export interface Step {
  /**
   * End of the captured bytes in the buffer being decoded (set once per packet by the caller): decoders test
   * against it, not the buffer's length, so a packet can be decoded in place inside a bigger chunk.
   */
  cap: number;
  status: number;
  /** ok: offset of the payload (the next header). */
  next: number;
  /** ok: where the payload ends according to this header's length fields (may exceed the capture). */
  end: number;
  /** ok: ethertype, IP protocol number, NEXT_ETHERNET or NEXT_NONE. */
  proto: number;
  /** problem: layer name ('ipv4', 'udp', …), byte offset, bytes the header needs, and a reason. */
  layer: string;
  offset: number;
  needed: number;
  reason: string;
}

export function newStep(): Step {
  return {
    cap: 0,
    status: STEP_OK,
    next: 0,
    end: 0,
    proto: NEXT_NONE,
    layer: '',
    offset: -1,
    needed: 0,
    reason: '',
  };
}

export function ok(s: Step, next: number, end: number, proto: number): true {
  s.status = STEP_OK;
  s.next = next;
  s.end = end;
  s.proto = proto;
  return true;
}

export function truncated(s: Step, layer: string, offset: number, needed: number): false {
  s.status = STEP_TRUNCATED;
  s.layer = layer;
  s.offset = offset;
  s.needed = needed;
  s.reason = 'truncated';
  return false;
}

export function malformed(s: Step, layer: string, offset: number, reason: string): false {
  s.status = STEP_MALFORMED;
  s.layer = layer;
  s.offset = offset;
  s.needed = 0;
  s.reason = reason;
  return false;
}

/**
 * The `lim` of a header that no enclosing header bounds (the link layer): past any offset in a frame or read
 * chunk, and a small integer, unlike Infinity. With Infinity the fast decoder's bound was a double, and storing
 * it per packet boxed a heap number (16 MiB of garbage per million packets).
 */
export const NO_LIMIT = 0x3fffffff;

/**
 * Checks that a `len`-byte header at `at` is present. Beyond the enclosing header's claimed end (`lim`) it is
 * malformed; within it but beyond the captured bytes it is truncated.
 */
export function need(_b: Uint8Array, at: number, len: number, lim: number, s: Step, layer: string): boolean {
  const end = at + len;
  if (end <= s.cap && end <= lim) return true;
  return missing(at, len, lim, s, layer);
}

/** The cold half of need(), kept apart so need() stays small enough to inline. */
function missing(at: number, len: number, lim: number, s: Step, layer: string): false {
  if (at + len > lim) {
    return malformed(s, layer, at, `${layer} header needs ${len} bytes, only ${lim - at} remain`);
  }
  return truncated(s, layer, at, len);
}

export function u16(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

export function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/** A 48-bit MAC as an integer (exact in a double). */
export function mac48(b: Uint8Array, at: number): number {
  return ((b[at] << 8) | b[at + 1]) * 4294967296 + u32(b, at + 2);
}
