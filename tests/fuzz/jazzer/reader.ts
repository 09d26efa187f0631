// Jazzer.js entry for the capture readers: the input is the capture itself (so corpus files stay readable
// by tcpdump); the chunking for the chunked read is derived from its length.
import { installAllocationWatch } from '../harness.ts';
import { fuzzReader } from '../targets/reader.ts';

installAllocationWatch();

export function fuzz(data: Buffer): void {
  fuzzReader(new Uint8Array(data.buffer, data.byteOffset, data.length), Math.imul(data.length, 0x9e3779b1));
}
