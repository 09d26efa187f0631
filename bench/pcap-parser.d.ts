// Types for the untyped pcap-parser package (used only as a benchmark anchor and in the generator's test).
declare module 'pcap-parser' {
  import type { EventEmitter } from 'node:events';
  import type { Readable } from 'node:stream';

  interface PcapPacket {
    header: {
      timestampSeconds: number;
      timestampMicroseconds: number;
      capturedLength: number;
      originalLength: number;
    };
    data: Buffer;
  }
  interface PcapParser extends EventEmitter {
    on(event: 'packet', listener: (packet: PcapPacket) => void): this;
    on(event: 'end', listener: () => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
  }
  const pcapParser: { parse(input: string | Readable): PcapParser };
  export default pcapParser;
}
