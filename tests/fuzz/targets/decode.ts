// Fuzz target: every decoder through its three entry points (decodeFields, decodeLayers, summarize) on one
// frame and link type. Checks the decode contract: never throws, status is one of the four, every offset
// it reports lies inside the frame, the layer tree's byte ranges stay inside the frame, the summary is one
// bounded line, the same frame decodes the same twice (the reused PacketFields leaks nothing across calls).

import {
  createPacketFields,
  decodeFields,
  decodeFieldsAt,
  decodeLayers,
  summarize,
  STATUS_MALFORMED,
  STATUS_OK,
  STATUS_TRUNCATED,
  STATUS_UNSUPPORTED,
  MAX_ENCAP,
  type PacketFields,
} from '../../../main/decode/index.ts';
import { invariant, largestAllocationDuring, timed } from '../harness.ts';

export const LINK_TYPES = [1, 101, 12, 14, 113, 276, 0, 228, 229, 9999];
const STATUSES = new Set([STATUS_OK, STATUS_TRUNCATED, STATUS_MALFORMED, STATUS_UNSUPPORTED]);
export const DECODE_TIME_LIMIT_MS = 500;

const a = createPacketFields();
const b = createPacketFields();
const c = createPacketFields();
const PAD = 61;

/** The frame inside a larger buffer, with bytes before and after it that would change the decode if read. */
function embedded(frame: Uint8Array): Uint8Array {
  const buf = new Uint8Array(PAD + frame.length + PAD);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 151 + frame.length) & 255;
  buf.set(frame, PAD);
  return buf;
}

/** The fields as data; encap* arrays only up to encapCount (the contract: only those are valid). */
function snapshot(f: PacketFields): string {
  return JSON.stringify(f, (_k, v: unknown) =>
    ArrayBuffer.isView(v) ? Array.from(v as Int32Array).slice(0, f.encapCount) : v,
  );
}

function inFrameOrAbsent(name: string, v: number, len: number, allowEnd = true): void {
  invariant(
    v === -1 || (Number.isInteger(v) && v >= 0 && (allowEnd ? v <= len : v < len)),
    `${name} = ${v} outside a ${len}-byte frame`,
  );
}

export function fuzzDecode(frame: Uint8Array, linkType: number, other: Uint8Array): void {
  let layersOut: ReturnType<typeof decodeLayers> = [];
  let line = '';
  let ms = 0;
  const biggest = largestAllocationDuring(() => {
    ms = timed(() => {
      // Decode something else into `b` first, then this frame: state must not leak between packets.
      decodeFields(other, linkType, b);
      decodeFields(frame, linkType, b);
      decodeFields(frame, linkType, a);
      decodeFieldsAt(embedded(frame), PAD, PAD + frame.length, linkType, c);
      layersOut = decodeLayers(frame, linkType);
      line = summarize(frame, linkType);
      summarize(frame, linkType, { link: true, origLen: frame.length + 100 });
    });
  });
  invariant(ms < DECODE_TIME_LIMIT_MS, `decoding a ${frame.length}-byte frame took ${ms.toFixed(0)} ms`);
  invariant(
    biggest <= Math.max(4 * frame.length, 64 * 1024),
    `an allocation of ${biggest} bytes for a ${frame.length}-byte frame`,
  );
  invariant(
    snapshot(a) === snapshot(b),
    'decodeFields gave different fields after decoding another packet first',
  );
  const n = frame.length;
  invariant(STATUSES.has(a.status), `status ${a.status}`);
  invariant(a.encapCount >= 0 && a.encapCount <= MAX_ENCAP, `encapCount ${a.encapCount}`);
  invariant(a.status === STATUS_OK ? a.problemOffset === -1 : true, 'problemOffset set on an OK packet');
  inFrameOrAbsent('problemOffset', a.problemOffset, n);
  inFrameOrAbsent('ipOffset', a.ipOffset, n, false);
  inFrameOrAbsent('l4Offset', a.l4Offset, n);
  inFrameOrAbsent('payloadOffset', a.payloadOffset, n);
  inFrameOrAbsent('src6Offset', a.src6Offset, n - 15, false);
  inFrameOrAbsent('dst6Offset', a.dst6Offset, n - 15, false);
  invariant(a.capturedPayloadLen <= n, `capturedPayloadLen ${a.capturedPayloadLen} > frame ${n}`);
  if (a.payloadOffset >= 0 && a.capturedPayloadLen >= 0) {
    invariant(a.payloadOffset + a.capturedPayloadLen <= n, 'captured payload runs past the frame');
  }
  for (const key of ['ttl', 'ipId', 'srcPort', 'dstPort', 'icmpType', 'vlan'] as const) {
    invariant(Number.isInteger(a[key]) && a[key] >= -1 && a[key] <= 0xffff, `${key} = ${a[key]}`);
  }
  invariant(Number.isInteger(a.keyHi) && Number.isInteger(a.keyLo), 'identity key not integral');
  invariant(Array.isArray(layersOut), 'decodeLayers did not return an array');
  // Subtrees (an IPv6 header's extension headers, an MLD report's records) too, each inside its parent.
  const check = (l: (typeof layersOut)[number], lo: number, hi: number): void => {
    invariant(typeof l.protocol === 'string' && typeof l.title === 'string', 'layer without protocol/title');
    invariant(
      l.offset >= lo && l.length >= 0 && l.offset + l.length <= hi,
      `layer ${l.protocol} [${l.offset}+${l.length}] outside [${lo}, ${hi})`,
    );
    for (const f of l.fields) {
      invariant(
        f.offset >= 0 && f.length >= 0 && f.offset + f.length <= n,
        `field ${l.protocol}.${f.name} [${f.offset}+${f.length}] outside ${n}`,
      );
      invariant(
        typeof f.value === 'string' && f.value.length <= 4 * n + 256,
        `field ${f.name} value too long`,
      );
    }
    for (const c of l.children ?? []) check(c, l.offset, l.offset + l.length);
  };
  for (const l of layersOut) check(l, 0, n);
  invariant(typeof line === 'string' && !line.includes('\n'), 'summary is not one line');
  invariant(line.length <= 4 * n + 512, `summary of ${line.length} chars for a ${n}-byte frame`);
}
