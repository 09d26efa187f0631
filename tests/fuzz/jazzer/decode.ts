// Jazzer.js entry for the decoders: the first byte picks the link type, the rest is the frame.
import { installAllocationWatch } from '../harness.ts';
import { fuzzDecode, LINK_TYPES } from '../targets/decode.ts';

installAllocationWatch();
const EMPTY = new Uint8Array(0);

export function fuzz(data: Buffer): void {
  if (data.length === 0) return;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length);
  fuzzDecode(bytes.subarray(1), LINK_TYPES[bytes[0] % LINK_TYPES.length], EMPTY);
}
