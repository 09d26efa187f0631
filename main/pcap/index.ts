// Capture file reading: streaming classic pcap and pcapng readers, format sniffing, whole-file helpers.
export * from './types.ts';
export {
  PcapStreamReader,
  sniffPcapMagic,
  PCAP_MAGIC_MICRO,
  PCAP_MAGIC_NANO,
  type ReaderOptions,
} from './classic.ts';
export { PcapngStreamReader } from './pcapng.ts';
export { createCaptureReader, sniffFormat } from './reader.ts';
export {
  openCapture,
  readCaptureFile,
  readCaptureFileSync,
  FILE_CHUNK,
  type FileReadOptions,
  type OpenedCapture,
  type ReadSummary,
} from './file.ts';
