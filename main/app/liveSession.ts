// A session while it is being captured: follows the capture files tcpdump's stream is written to, keeps each
// frame in an arena and its fields in growable columns, and hands out only the rows that are new since the
// last batch (the UI gets a few columnar batches per second, never one message per packet). Journeys are
// computed when the capture stops (the session folder is then opened like any other).

import { closeSync, openSync, readSync } from 'node:fs';

import type { CaptureInfo, JourneySummary, JourneyView, PacketBatch, SessionInfo } from '../../preload/api.ts';
import type { LoadedSession } from './loadedSession.ts';
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
  revision = 1;
  /** The latest correlation of the files so far (journeys while capturing), and its row → our index map. */
  snapshot: LoadedSession | null = null;
  private rowToGlobal = new Int32Array(0);
  private snapCapture: number[] = [];
  private journeyCol = new Int32Array(0);
  private hopCol = new Int16Array(0);
  /** Per capture, the global index of its n-th packet. */
  private perCapture: Grow<Uint32Array>[];
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
    this.perCapture = captures.map(() => new Grow((n) => new Uint32Array(n)));
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
    this.perCapture[c].push(this.capture.length);
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
      journey: Int32Array.from({ length: n }, (_, k) => (f + k < this.journeyCol.length ? this.journeyCol[f + k] : -1)),
      hop: Int16Array.from({ length: n }, (_, k) => (f + k < this.hopCol.length ? this.hopCol[f + k] : -1)),
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
      journeys: this.snapshot?.result.journeyCount ?? 0,
      flows: this.snapshot?.result.flowCount ?? 0,
      clocks: this.snapshot && this.snapshot.result.nodes.length > 1 ? this.snapshot.clocks() : [],
      referenceNode: this.snapshot?.result.clocks[0]?.reference ?? null,
      revision: this.revision,
    };
  }

  /**
   * Takes a correlation of the capture files as they were a moment ago: maps its rows (capture file, record
   * number) onto our packets, so journeys, hops and clocks show while the capture runs. Returns the whole range
   * as one batch, to refresh the journey columns the renderer holds.
   */
  adoptSnapshot(snap: LoadedSession): PacketBatch {
    const caps = snap.result.captures;
    this.snapCapture = caps.map((c) => this.followed.findIndex((f) => f.node === c.node && f.iface === c.iface));
    const rows = snap.result.rows;
    this.rowToGlobal = new Int32Array(rows.length).fill(-1);
    this.journeyCol = new Int32Array(this.count).fill(-1);
    this.hopCol = new Int16Array(this.count).fill(-1);
    for (let r = 0; r < rows.length; r++) {
      const c = this.snapCapture[rows.capture[r]];
      const n = rows.record[r];
      if (c < 0 || n >= this.perCapture[c].length) continue;
      const g = this.perCapture[c].data[n];
      this.rowToGlobal[r] = g;
      this.journeyCol[g] = snap.journeyCol[r];
      this.hopCol[g] = snap.hopCol[r];
    }
    this.snapshot = snap;
    this.revision++;
    return this.batch(0, this.count);
  }

  /** ns to add to the snapshot's relative times to get ours (their base is the first packet's second). */
  private shift(): number {
    return ((this.snapshot?.result.baseSec ?? this.baseSec) - this.baseSec) * 1e9;
  }

  findJourneys(filter: string, from: number, count: number): { total: number; items: JourneySummary[] } {
    if (!this.snapshot) return { total: 0, items: [] };
    const r = this.snapshot.findJourneys(filter, from, count);
    const d = this.shift();
    return { total: r.total, items: r.items.map((j) => ({ ...j, startRelNs: j.startRelNs + d })) };
  }

  journey(k: number): JourneyView {
    if (!this.snapshot || k >= this.snapshot.result.journeyCount) throw new HopscopeError('USAGE', `no journey ${k} yet`);
    const v = this.snapshot.journey(k);
    const d = this.shift();
    return {
      ...v,
      startRelNs: v.startRelNs + d,
      hopList: v.hopList.map((h) => ({ ...h, packet: this.rowToGlobal[h.packet], capture: this.snapCapture[h.capture], tRelNs: h.tRelNs + d })),
    };
  }
}
