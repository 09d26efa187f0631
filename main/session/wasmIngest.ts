// The WebAssembly ingest: classic pcap records (and the packet blocks of a pcapng file's first section, each on its
// interface's lane) of Ethernet, RAW IP or Linux cooked v1/v2 (`-i any`) frames read, decoded, identified and
// staged as rows by wasm/ingest.c (~70 ns a record against ~640 in JavaScript), then copied into the correlator's
// row store a batch at a time. It takes what it is sure to give exactly as the JavaScript path (decodeRecord,
// computeIdentity, ObservationTable.append) does (IPv4 TCP, UDP, SCTP, ICMP and other protocols, fragments too, through
// VXLAN, Geneve and IPIP; IPv6 TCP, UDP, SCTP and ICMPv6 but errors, with no fragment header; ARP) and leaves
// every other record to that path, one at a time: the rows, and so every result, are the same either way
// (tests/unit/wasmIngest.test.ts). HOPSCOPE_WASM=0 turns it off.

import type { Correlator } from '../correlate/correlator.ts';
import type { StagedRows } from '../correlate/observations.ts';
import {
  DEFAULT_DECODE_OPTIONS,
  DEFAULT_GENEVE_PORTS,
  LINKTYPE_ETHERNET,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  rawLinkType,
  type DecodeOptions,
} from '../decode/fields.ts';
import { genevePortTable } from '../decode/geneve.ts';
import { vxlanPortTable } from '../decode/vxlan.ts';
import { WIREGUARD_PORTS } from '../decode/wireguard.ts';
import type { EpbInterface, RecordBatcher } from '../pcap/types.ts';
import { INGEST_WASM } from './wasm/ingestWasm.ts';

/** ingest.c's CHUNK, STAGE and port classes (P_VXLAN is 1: a VXLAN port table's own value, copied as it is). */
const CHUNK = 1 << 20;
const STAGE = 16384;
const P_GENEVE = 2;
const P_WIREGUARD = 4;
// io[] slots (ingest.c take()).
const IO_CHUNK_BASE = 0;
const IO_BASE_SEC = 1;
const IO_LAST_T = 2;
const IO_NANO = 3;
const IO_MOST = 4;
const IO_KEEP_FLOWS = 5;
const IO_ROWS = 6;
const IO_LAST_T_OUT = 7;
const IO_UNSORTED = 8;
const IO_LINK = 9;
const IO_IFS = 12;
const IO_SPLIT = 13;
const IO_SYNS = 14;
/** ingest.c's LINK_* types. */
const LINK_ETH = 0;
const LINK_RAW = 1;
const LINK_SLL2 = 2;
const LINK_SLL = 3;
/** ingest.c's MAX_IDX: a split `-i any` capture's interface indices it keeps lanes for. */
const MAX_IDX = 4096;
/** ingest.c's MAX_IFS and IF_* bits: a pcapng section's interfaces it can take blocks of. */
const MAX_IFS = 256;
const IF_RAW = 1;
const IF_NANO = 2;
/** Tuple fields of a tunnel (observations.ts ENCAP_FIELDS). */
const ENCAP_WIDTH = 9;

interface Exports {
  memory: WebAssembly.Memory;
  take(p: number, end: number): number;
  takeEpb(p: number, end: number): number;
  where(what: number): number;
  learnPair(id: number): number;
  learnEncap(id: number): number;
}

/** The compiled module (once per thread); null when this runtime cannot compile it. */
let compiled: WebAssembly.Module | null | undefined;

function module(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(INGEST_WASM, 'base64'));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Whether ingest may use it: HOPSCOPE_WASM=0 turns it off (the JavaScript path alone, for comparisons). */
function wasmIngestEnabled(): boolean {
  return process.env.HOPSCOPE_WASM !== '0';
}

/**
 * A RecordBatcher staging rows into correlator `c`, each on its interface's lane (ingestFiles tells it, setLane,
 * once a file's first record of that interface, read by the JavaScript path, made the lane; an interface without
 * one is not taken). The reader reads into `chunk`, in the module's memory: take() works only on chunks there.
 */
export class WasmIngest implements RecordBatcher {
  taken = 0;
  /** The lane of the file's interface 0 (a classic pcap's one), -1 none yet. */
  private lane = -1;
  /** Per interface of the file (pcapng ids below MAX_IFS): its lane, -1 none yet. */
  private readonly laneOf = new Int32Array(MAX_IFS).fill(-1);
  /** The file's pcapng interfaces written into the module (ifLane, ifBits, ifSnap), and which it may take. */
  private ifs = 0;
  private readonly takes = new Uint8Array(MAX_IFS);
  private readonly ifLane: Int32Array;
  private readonly ifBits: Uint8Array;
  private readonly ifSnap: Uint32Array;
  /** Each staged row's lane (pcapng packet blocks, a split `-i any` capture's records). */
  private readonly laneCol: Uint16Array;
  /** The staged SYNs' rows (io[IO_SYNS] of them). */
  private readonly synRows: Uint16Array;
  /** Whether the file's `-i any` records go to per-interface lanes (ingestFiles' split), and those lanes by index. */
  private split = false;
  private readonly idxLane: Int32Array;
  /** Rows taken in all. */
  rowsTaken = 0;
  readonly chunk: Uint8Array;
  private readonly x: Exports;
  /** The module's memory (fixed: it never grows, so its buffer is read once; a getter call each take() else). */
  private readonly memory: ArrayBuffer;
  private readonly io: Float64Array;
  private readonly tuple: Float64Array;
  private readonly rows: StagedRows;
  private readonly chunkAt: number;
  /** Tuples of the table's interners learned so far (ids below are known to the module). */
  private pairsKnown = 0;
  private encapsKnown = 0;
  /** False once the module's table of that kind is full: rows with new tuples of it stay with JavaScript. */
  private learningPairs = true;
  private learningEncaps = true;

  /** One for `c` (a fresh module instance), or null when WebAssembly is off or unavailable. */
  static create(c: Correlator, opts: DecodeOptions): WasmIngest | null {
    if (!wasmIngestEnabled()) return null;
    const m = module();
    if (m === null) return null;
    try {
      const instance = new WebAssembly.Instance(m, {});
      return new WasmIngest(c, instance.exports as unknown as Exports, opts);
    } catch {
      return null;
    }
  }

  private constructor(
    private readonly c: Correlator,
    x: Exports,
    opts: DecodeOptions,
  ) {
    this.x = x;
    const buf = x.memory.buffer;
    this.memory = buf;
    const at = (what: number) => x.where(what);
    this.chunkAt = at(0);
    this.chunk = new Uint8Array(buf, this.chunkAt, CHUNK);
    // The port classes, as fast.ts and identity.ts test them: VXLAN and Geneve ports from the decode options.
    const ports = new Uint8Array(buf, at(1), 65536);
    const vxlan = vxlanPortTable(opts.vxlanPorts ?? DEFAULT_DECODE_OPTIONS.vxlanPorts);
    const genevePorts = opts.genevePorts ?? DEFAULT_GENEVE_PORTS;
    const geneve = genevePortTable(genevePorts);
    // From the lists (a 64 Ki loop here ran cold, ~1.5 ms a thread): the VXLAN table's 1s are P_VXLAN (1) already.
    ports.set(vxlan);
    if (Array.isArray(genevePorts)) for (const p of genevePorts) if (geneve[p] === 1) ports[p] |= P_GENEVE;
    for (const p of WIREGUARD_PORTS) ports[p] |= P_WIREGUARD;
    this.io = new Float64Array(buf, at(2), 16);
    this.tuple = new Float64Array(buf, at(3), 16);
    this.rows = {
      t: new Float64Array(buf, at(4), STAGE),
      fileOffset: new Uint32Array(buf, at(5), STAGE),
      caplen: new Uint16Array(buf, at(6), STAGE),
      origLen: new Uint16Array(buf, at(7), STAGE),
      flags: new Uint8Array(buf, at(8), STAGE),
      missing: new Uint16Array(buf, at(9), STAGE),
      keyHi: new Int32Array(buf, at(10), STAGE),
      keyLo: new Int32Array(buf, at(11), STAGE),
      tail: new Int32Array(buf, at(12), STAGE),
      src: new Uint32Array(buf, at(13), STAGE),
      dst: new Uint32Array(buf, at(14), STAGE),
      portOrIdCol: new Uint16Array(buf, at(15), STAGE),
      portOrSeqCol: new Uint16Array(buf, at(16), STAGE),
      typeOrFlagsCol: new Uint16Array(buf, at(17), STAGE),
      ttlCol: new Uint8Array(buf, at(18), STAGE),
      protoCol: new Uint8Array(buf, at(19), STAGE),
      ipIdCol: new Uint16Array(buf, at(20), STAGE),
      ipLenCol: new Uint16Array(buf, at(21), STAGE),
      tcpSeqCol: new Uint32Array(buf, at(22), STAGE),
      ethPair: new Uint16Array(buf, at(23), STAGE),
      encapCount: new Uint8Array(buf, at(24), STAGE),
      encapId: new Uint16Array(buf, at(25), STAGE),
      flowHi: new Int32Array(buf, at(26), STAGE),
      flowLo: new Int32Array(buf, at(27), STAGE),
    };
    this.laneCol = new Uint16Array(buf, at(28), STAGE);
    this.ifLane = new Int32Array(buf, at(29), MAX_IFS);
    this.ifBits = new Uint8Array(buf, at(30), MAX_IFS);
    this.ifSnap = new Uint32Array(buf, at(31), MAX_IFS);
    this.idxLane = new Int32Array(buf, at(32), MAX_IDX).fill(-1);
    this.synRows = new Uint16Array(buf, at(33), STAGE);
    this.io[IO_KEEP_FLOWS] = c.obs.flowTuples ? 1 : 0;
  }

  /** A new file (`split`: its `-i any` records go to per-interface lanes): no lanes, no interfaces yet. */
  newFile(split: boolean): void {
    this.lane = -1;
    this.laneOf.fill(-1);
    this.ifLane.fill(-1, 0, this.ifs);
    this.ifs = 0;
    this.split = split;
    this.idxLane.fill(-1);
  }

  /**
   * Interface `id` of the file (0 for a classic pcap) is lane `capture` of the correlator from now on; with an
   * `ifindex` (not -1), that interface index's lane of a split `-i any` capture.
   */
  setLane(id: number, capture: number, ifindex = -1): void {
    if (ifindex >= 0) {
      if (id === 0 && ifindex < MAX_IDX) this.idxLane[ifindex] = capture;
      return;
    }
    if (id === 0) this.lane = capture;
    if (id >= MAX_IFS) return;
    this.laneOf[id] = capture;
    if (id < this.ifs && this.takes[id]) this.ifLane[id] = capture;
  }

  take(
    chunk: Uint8Array,
    p: number,
    chunkBase: number,
    le: boolean,
    nano: boolean,
    linkType: number,
  ): number {
    this.taken = 0;
    const raw = rawLinkType(linkType);
    const cooked = linkType === LINKTYPE_LINUX_SLL2;
    // Linux cooked v1 has no interface index: a file's records are its one lane.
    const cooked1 = linkType === LINKTYPE_LINUX_SLL;
    if (!le || (linkType !== LINKTYPE_ETHERNET && !raw && !cooked && !cooked1) || !this.ready(chunk))
      return p;
    // A split `-i any` capture: each record on its interface index's lane (none yet: JavaScript makes it).
    const split = cooked && this.split;
    if (!split && this.lane < 0) return p;
    const io = this.io;
    io[IO_LINK] = raw ? LINK_RAW : cooked ? LINK_SLL2 : cooked1 ? LINK_SLL : LINK_ETH;
    io[IO_SPLIT] = split ? 1 : 0;
    io[IO_NANO] = nano ? 1 : 0;
    return this.stage(p, chunk.length, chunkBase, false, split ? -1 : this.lane);
  }

  takeEpb(chunk: Uint8Array, p: number, chunkBase: number, ifaces: readonly EpbInterface[]): number {
    this.taken = 0;
    if (!this.ready(chunk)) return p;
    // Interfaces described since the last call: what the module needs of each, and its lane once it has one.
    for (; this.ifs < ifaces.length && this.ifs < MAX_IFS; this.ifs++) {
      const i = this.ifs;
      const f = ifaces[i];
      const raw = rawLinkType(f.linkType);
      const takes = (raw || f.linkType === LINKTYPE_ETHERNET) && f.unitsPerSec > 0;
      this.takes[i] = takes ? 1 : 0;
      this.ifBits[i] = (raw ? IF_RAW : 0) | (f.unitsPerSec === 1e9 ? IF_NANO : 0);
      this.ifSnap[i] = f.snaplen;
      this.ifLane[i] = takes ? this.laneOf[i] : -1;
    }
    this.io[IO_IFS] = this.ifs;
    // One interface: the rows are one lane's, copied as take()'s are.
    if (ifaces.length === 1)
      return this.ifLane[0] < 0 ? p : this.stage(p, chunk.length, chunkBase, true, this.ifLane[0]);
    return this.stage(p, chunk.length, chunkBase, true, -1);
  }

  /** Whether records in `chunk` can be staged now (the base second known, room in the table, the chunk here). */
  private ready(chunk: Uint8Array): boolean {
    const c = this.c;
    if (c.baseSec === null) return false;
    if (chunk.byteOffset !== this.chunkAt || chunk.buffer !== this.memory) return false;
    // No room: the JavaScript path grows the table, or says it is full.
    return c.obs.roomLeft > 0;
  }

  /**
   * Runs the module's take (takeEpb's with `epb`) from p and copies what it staged into the table: on `lane`, or
   * with lane -1 each row on its own (laneCol).
   */
  private stage(p: number, end: number, chunkBase: number, epb: boolean, lane: number): number {
    const c = this.c;
    const room = c.obs.roomLeft;
    this.learn();
    const io = this.io;
    io[IO_CHUNK_BASE] = chunkBase;
    io[IO_BASE_SEC] = c.baseSec!;
    io[IO_LAST_T] = lane >= 0 ? c.laneLastT(lane) : -Infinity;
    io[IO_MOST] = room < STAGE ? room : STAGE;
    const q = epb ? this.x.takeEpb(p, end) : this.x.take(p, end);
    const n = io[IO_ROWS];
    if (n > 0) {
      const syns = io[IO_SYNS];
      if (lane >= 0)
        c.pushStaged(lane, this.rows, n, io[IO_LAST_T_OUT], io[IO_UNSORTED] !== 0, this.synRows, syns);
      else c.pushStagedLanes(this.laneCol, this.rows, n, this.synRows, syns);
      this.taken = n;
      this.rowsTaken += n;
    }
    return q;
  }

  /** Tells the module the MAC pairs and tunnels the table interned since the last call (the JavaScript path's). */
  private learn(): void {
    const obs = this.c.obs;
    const pairs = obs.macPairs;
    const tuple = this.tuple;
    for (; this.learningPairs && this.pairsKnown < pairs.count; this.pairsKnown++) {
      tuple[0] = pairs.get(this.pairsKnown, 0);
      tuple[1] = pairs.get(this.pairsKnown, 1);
      if (this.x.learnPair(this.pairsKnown) === 0) this.learningPairs = false;
    }
    const encaps = obs.encaps;
    for (; this.learningEncaps && this.encapsKnown < encaps.count; this.encapsKnown++) {
      for (let f = 0; f < ENCAP_WIDTH; f++) tuple[f] = encaps.get(this.encapsKnown, f);
      if (this.x.learnEncap(this.encapsKnown) === 0) this.learningEncaps = false;
    }
  }
}
