// A session while it is being captured: follows the capture files tcpdump's stream is written to, keeps each
// frame in an arena and its fields in growable columns, and hands out only the rows that are new since the
// last batch (the UI gets a few columnar batches per second, never one message per packet). Journeys are
// computed when the capture stops (the session folder is then opened like any other).

import { closeSync, openSync, readSync } from 'node:fs';

import type { CaptureInfo, PacketBatch, SessionInfo } from '../../preload/api.ts';
import { HopscopeError } from '../common/errors.ts';
import { createPacketFields, decodeFields, STATUS_MALFORMED, STATUS_TRUNCATED, STATUS_UNSUPPORTED } from '../decode/index.ts';
import { createCaptureReader } from '../pcap/reader.ts';
import type { CaptureReader, CaptureRecord } from '../pcap/types.ts';

const READ_CHUNK = 1 << 20;
const ARENA_BLOCK = 8 << 20;

class Grow<T extends Uint8Array | Uint16Array | Uint32Array | Float64Array> {
  data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(4096);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data as never);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

interface Followed {
  node: string;
  iface: string;
  file: string;
  fd: number | null;
  reader: CaptureReader;
  linkType: number;
  packets: number;
  problems: string[];
}

export class LiveSession {
  readonly live = true;
  readonly revision = 1;
  private readonly followed: Followed[];
  private capture = new Grow((n) => new Uint16Array(n));
  private tsRel = new Grow((n) => new Float64Array(n));
  private tsSec = new Grow((n) => new Float64Array(n));
  private tsNsec = new Grow((n) => new Uint32Array(n));
  private origLen = new Grow((n) => new Uint32Array(n));
  private proto = new Grow((n) => new Uint8Array(n));
  private status = new Grow((n) => new Uint8Array(n));
  private block = new Grow((n) => new Uint32Array(n));
  private offset = new Grow((n) => new Uint32Array(n));
  private caplen = new Grow((n) => new Uint32Array(n));
  private arena: Uint8Array[] = [new Uint8Array(ARENA_BLOCK)];
  private arenaUsed = 0;
  private readonly fields = createPacketFields();
  private readonly buf = new Uint8Array(READ_CHUNK);
  private sent = 0;
  readonly baseSec: number;

  constructor(
    readonly id: string,
    readonly title: string,
    readonly path: string,
    captures: { node: string; iface: string; file: string }[],
  ) {
    // Times are relative to the start of the capture (whole seconds), so batches can be sent before any packet.
    this.baseSec = Math.floor(Date.now() / 1000);
    this.followed = captures.map((c, i) => {
      const f: Followed = { ...c, fd: null, linkType: 1, packets: 0, problems: [], reader: null as unknown as CaptureReader };
      f.reader = createCaptureReader((r) => this.add(i, f, r));
      return f;
    });
  }

  get count(): number {
    return this.capture.length;
  }

  private add(c: number, f: Followed, r: CaptureRecord): void {
    f.linkType = r.linkType;
    f.packets++;
    const n = r.data.length;
    if (this.arenaUsed + n > ARENA_BLOCK) {
      this.arena.push(new Uint8Array(Math.max(ARENA_BLOCK, n)));
      this.arenaUsed = 0;
    }
    const blk = this.arena.length - 1;
    this.arena[blk].set(r.data, this.arenaUsed);
    this.block.push(blk);
    this.offset.push(this.arenaUsed);
    this.caplen.push(n);
    this.arenaUsed += n;
    decodeFields(r.data, r.linkType, this.fields);
    this.capture.push(c);
    this.tsSec.push(r.tsSec);
    this.tsNsec.push(r.tsNsec);
    this.tsRel.push((r.tsSec - this.baseSec) * 1e9 + r.tsNsec);
    this.origLen.push(r.origLen);
    this.proto.push(this.fields.proto > 0 ? this.fields.proto : 0);
    const st = this.fields.status;
    this.status.push(st === STATUS_MALFORMED ? 2 : st === STATUS_TRUNCATED ? 1 : st === STATUS_UNSUPPORTED ? 3 : 0);
  }

  /** Reads whatever the capture files gained since the last call. Returns the new rows as one batch, or null. */
  poll(): PacketBatch | null {
    for (const f of this.followed) {
      if (f.fd === null) {
        try {
          f.fd = openSync(f.file, 'r');
        } catch {
          continue; // not created yet
        }
      }
      for (;;) {
        const n = readSync(f.fd, this.buf, 0, this.buf.length, null);
        if (n <= 0) break;
        // The reader keeps views of what it is given: hand it a copy, the buffer is reused.
        const p = f.reader.push(this.buf.slice(0, n));
        if (p) {
          f.problems.push(`${p.code} at byte ${p.offset}: ${p.message}`);
          break;
        }
        if (n < this.buf.length) break;
      }
    }
    if (this.sent === this.count) return null;
    const b = this.batch(this.sent, this.count - this.sent);
    this.sent = this.count;
    return b;
  }

  close(): void {
    for (const f of this.followed) if (f.fd !== null) closeSync(f.fd);
  }

  batch(from: number, count: number): PacketBatch {
    const end = Math.min(this.count, from + count);
    const f = Math.min(from, end);
    const n = end - f;
    return {
      sessionId: this.id,
      from: f,
      capture: this.capture.data.slice(f, end),
      tsNs: this.tsRel.data.slice(f, end),
      length: this.origLen.data.slice(f, end),
      journey: new Int32Array(n).fill(-1),
      hop: new Int16Array(n).fill(-1),
      proto: this.proto.data.slice(f, end),
      status: this.status.data.slice(f, end),
    };
  }

  frame(i: number): Uint8Array {
    const b = this.arena[this.block.data[i]];
    return b.subarray(this.offset.data[i], this.offset.data[i] + this.caplen.data[i]);
  }

  linkType(i: number): number {
    return this.followed[this.capture.data[i]].linkType;
  }
  captureOf(i: number): number {
    return this.capture.data[i];
  }
  origLenOf(i: number): number {
    return this.origLen.data[i];
  }
  caplenOf(i: number): number {
    return this.caplen.data[i];
  }
  statusOf(i: number): number {
    return this.status.data[i];
  }
  tsNsString(i: number): string {
    return (BigInt(this.tsSec.data[i]) * 1_000_000_000n + BigInt(this.tsNsec.data[i])).toString();
  }

  captureInfos(): CaptureInfo[] {
    return this.followed.map((f, index) => ({
      index,
      node: f.node,
      iface: f.iface,
      linkType: f.linkType,
      packets: f.packets,
      drops: null,
      problems: f.problems,
    }));
  }

  info(): SessionInfo {
    return {
      id: this.id,
      title: this.title,
      path: this.path,
      live: true,
      baseNs: (BigInt(this.baseSec) * 1_000_000_000n).toString(),
      captures: this.captureInfos(),
      packets: this.count,
      journeys: 0,
      flows: 0,
      clocks: [],
      referenceNode: null,
      revision: this.revision,
    };
  }

  static noJourneys(): never {
    throw new HopscopeError('USAGE', 'journeys are computed when the capture stops');
  }
}
