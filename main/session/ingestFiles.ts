// Reading capture files into a correlator: one capture lane per interface of each file, every record a row,
// decoded in place in the read chunk. The batch driver (ingest.ts) and its ingest workers (parallelIngest.ts)
// share it.

import type { CaptureInfo, Correlator, CorrelateOptions } from '../correlate/correlator.ts';
import type { InterfaceInfo } from '../correlate/ownership.ts';
import { decodeRecord } from '../decode/index.ts';
import {
  createPacketFields,
  DEFAULT_DECODE_OPTIONS,
  LINKTYPE_LINUX_SLL2,
  type DecodeOptions,
  type PacketFields,
} from '../decode/fields.ts';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

import { PCAP_RECORD_HEADER_LEN, R_CAPLEN } from '../pcap/classic.ts';
import { createCaptureReader } from '../pcap/reader.ts';
import { MAX_CAPLEN } from '../pcap/types.ts';
import type {
  CaptureInterface,
  CaptureRecord,
  ReadProblem,
  RecordBatcher,
  RecordCallback,
} from '../pcap/types.ts';
import { fallbackNode, splitInterfaceName, type LabelledPath } from './labels.ts';
import { trace } from '../common/trace.ts';
import { inRange, type TimeRange } from './timeRange.ts';
import { WasmIngest } from './wasmIngest.ts';

export interface InputProblem {
  path: string;
  problem: ReadProblem | { code: string; message: string; offset: number };
  /** Records read from the file before the problem (0: nothing usable, the file counts as unreadable). */
  records: number;
}

/**
 * The lane of one interface of a file. An if_name of the form node/iface (our exports) wins; otherwise the
 * node comes from the label (NODE:IFACE=FILE or the file name) and, in a multi-interface file (dumpcap -i a
 * -i b), the interface from its if_name.
 */
export function captureFor(
  path: string,
  label: { node: string | null; iface: string | null },
  iface: CaptureInterface,
  multi: boolean,
): CaptureInfo {
  const named = splitInterfaceName(iface.name);
  const node = named?.node ?? label.node ?? fallbackNode(path);
  let name: string;
  if (named) name = named.iface;
  // Unnamed: "if0", "if1"… as a single-interface file's "if0" (a label's name gets "#N" to tell them apart).
  else if (multi) name = iface.name || (label.iface ? `${label.iface}#${iface.id}` : `if${iface.id}`);
  else name = label.iface ?? (iface.name || `if${iface.id}`);
  return {
    node,
    iface: name,
    linkType: iface.linkType,
    path,
    interfaceId: iface.id,
    snaplen: iface.snaplen,
    mac: iface.mac,
    description: iface.description,
  };
}

/**
 * The lanes of a file's interfaces that had no record (`used`: the interface ids that had), after those that
 * had, in interface order (the app's session scan adds the same lanes in the same order: sessionScan.ts).
 */
export function quietLanes(
  path: string,
  label: { node: string | null; iface: string | null },
  ifaces: readonly CaptureInterface[],
  used: ReadonlySet<number>,
): CaptureInfo[] {
  const out: CaptureInfo[] = [];
  ifaces.forEach((iface, id) => {
    if (!used.has(id)) out.push(captureFor(path, label, iface, ifaces.length > 1));
  });
  return out;
}

/** Lane keys of a `-i any` capture's per-interface lanes: interfaceId + (ifindex + 1) · SPLIT_KEY. */
const SPLIT_KEY = 2 ** 21;
/** Where a Linux cooked v2 header keeps the index of the interface the packet was seen on (big-endian). */
const SLL2_IFINDEX = 4;

/**
 * The lane key of a record: its file interface; for a `tcpdump -i any` record (Linux cooked v2) of a node whose
 * interface names are known (LabelledPath.ifnames), that interface and the one the packet was seen on, so that
 * a veth, its bridge and the tunnel device are lanes (hops) of their own rather than one `any` lane where the
 * bridge's copy looked like a duplicate. The session scan keys lanes the same way.
 */
export function laneKeyOf(f: LabelledPath, rec: CaptureRecord): number {
  if (rec.linkType !== LINKTYPE_LINUX_SLL2 || f.ifnames === undefined || rec.caplen < SLL2_IFINDEX + 4)
    return rec.interfaceId;
  const b = rec.buf;
  const o = rec.dataOffset + SLL2_IFINDEX;
  const ifindex = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  return ifindex >= SPLIT_KEY ? rec.interfaceId : rec.interfaceId + (ifindex + 1) * SPLIT_KEY;
}

/** The interface index of a split `-i any` lane's key (laneKeyOf), -1 for any other lane's. */
function splitIfindex(key: number): number {
  return key < SPLIT_KEY ? -1 : Math.floor(key / SPLIT_KEY) - 1;
}

/** The lane for a record's key (laneKeyOf): recordCapture's, named after the interface of a split `-i any` lane. */
export function laneCapture(
  path: string,
  label: LabelledPath,
  ifaces: readonly CaptureInterface[],
  rec: CaptureRecord,
  key: number,
): CaptureInfo {
  const info = recordCapture(path, label, ifaces, rec);
  const ifindex = splitIfindex(key);
  if (ifindex < 0) return info;
  const name = label.ifnames?.[ifindex];
  return {
    ...info,
    iface: name ?? `${info.iface}#${ifindex}`,
    description: `${name ?? `interface ${ifindex}`} on ${info.node}, seen by tcpdump -i ${info.iface}`,
  };
}

/**
 * The lane of a record's interface: captureFor on the file's interface, or, for a record naming an interface no
 * block declared (a damaged pcapng), on one made of what the record says.
 */
export function recordCapture(
  path: string,
  label: { node: string | null; iface: string | null },
  ifaces: readonly CaptureInterface[],
  rec: CaptureRecord,
): CaptureInfo {
  const iface = ifaces[rec.interfaceId] ?? {
    id: rec.interfaceId,
    linkType: rec.linkType,
    snaplen: 0,
    name: '',
    description: '',
    mac: -1,
    tsUnitsPerSec: 1e9,
    section: 0,
  };
  return captureFor(path, label, iface, ifaces.length > 1);
}

/**
 * Decodes a record in place in the reader's chunk (no per-packet view: ~20 % faster than pushFrame(rec.data))
 * and appends it to capture lane `cap`; the row's index.
 */
export function pushRecord(
  c: Correlator,
  cap: number,
  rec: CaptureRecord,
  fields: PacketFields,
  decodeOpts: DecodeOptions,
): number {
  decodeRecord(rec, fields, decodeOpts);
  return c.pushFieldsAt(
    cap,
    rec.offset,
    rec.tsSec,
    rec.tsNsec,
    rec.origLen,
    rec.buf,
    rec.dataOffset,
    rec.caplen,
    fields,
  );
}

/** One chunk buffer reused for every read: the correlator copies what it keeps out of each record. */
export const READ_CHUNK = 1 << 20;

/** Reads a capture through the streaming reader; interfaces (pcapng IDBs) as they come. */
function readFile(
  path: string,
  buf: Uint8Array,
  onInterface: (i: CaptureInterface) => void,
  onRecord: RecordCallback,
  onBytes?: (n: number) => void,
  batch?: RecordBatcher,
):
  | { problem: ReadProblem | null; interfaces: readonly CaptureInterface[]; records: number }
  | { error: string } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return { error: `cannot read ${path}: ${(e as Error).message}` };
  }
  const reader = createCaptureReader(onRecord, { onInterface, batch });
  let done = 0;
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        // A folder named as a capture (EISDIR), or an I/O error. (Only the read's errors: the row store's
        // limits throw through push() to the caller.)
        const why = (e as Error).message;
        if (reader.records === 0) return { error: `cannot read ${path}: ${why}` };
        return {
          problem: { code: 'PCAP_TRUNCATED', message: `read failed: ${why} at byte ${done}`, offset: done },
          interfaces: reader.interfaces,
          records: reader.records,
        };
      }
      if (n === 0) break;
      done += n;
      onBytes?.(n);
      // The reader copies records that span chunks, so reusing `buf` after push() returns is safe.
      if (reader.push(n === buf.length ? buf : buf.subarray(0, n))) break;
    }
  } finally {
    closeSync(fd);
  }
  return { problem: reader.problem ?? reader.end(), interfaces: reader.interfaces, records: reader.records };
}

export function fileSize(path: string): number {
  try {
    const fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    closeSync(fd);
    return size;
  } catch {
    return 0;
  }
}

/** The decoder options ingest uses: the correlator keys rows with its own identity hash (correlate/identity.ts). */
export function decodeOptions(opts: CorrelateOptions): DecodeOptions {
  return { ...(opts.decode ?? DEFAULT_DECODE_OPTIONS), key: false };
}

/**
 * An interface description as our exports write it (session/interfaces.ts describe(): "veth on node-1, port of
 * cni0, …"): its kind and bridge come back with the file, so that a correlation of an export orders a bridge
 * port and its bridge as one of the captures did (same-time hops).
 */
const OWN_DESCRIPTION =
  /^(loopback|physical|bridge|veth|calico|vxlan|geneve|ipip|tun|other) on [^,]+(?:, port of ([^,]+))?(?:,|$)/;

/** What a lane's file says of its interface: its MAC, and (our exports' description) its kind and bridge. */
function laneInterface(info: CaptureInfo, own: RegExpExecArray | null): InterfaceInfo {
  return {
    node: info.node,
    name: info.iface,
    mac: info.mac ?? -1,
    kind: own?.[1] ?? '',
    addresses: [],
    master: own?.[2] ?? '',
  };
}

/**
 * What reading a run of files gives besides the rows: problems, interfaces the files name (MACs), and how many
 * records a time range left out.
 */
export interface Ingested {
  problems: InputProblem[];
  extraIfaces: InterfaceInfo[];
  outside: number;
  /** Of the rows read, how many the WebAssembly ingest took (the rest took the JavaScript path). */
  wasmRows?: number;
}

/**
 * Reads `files` in order into the correlator: one capture lane per interface of each file, every record a
 * row, or with a `range` every record inside it (the main thread and the ingest workers of parallelIngest.ts
 * both run this). A record outside the range is no row and makes no lane.
 */
export function ingestFiles(
  c: Correlator,
  files: readonly LabelledPath[],
  decodeOpts: DecodeOptions,
  onBytes?: (n: number) => void,
  range: TimeRange | null = null,
): Ingested {
  const problems: InputProblem[] = [];
  const extraIfaces: InterfaceInfo[] = [];
  // The WebAssembly ingest takes what it can of every classic pcap file (not with a range: it keeps every record);
  // the reader then reads into its memory.
  const wasm = range === null ? WasmIngest.create(c, decodeOpts) : null;
  const buf = wasm?.chunk ?? new Uint8Array(READ_CHUNK);
  const firstRow = c.obs.length;
  const fields = createPacketFields();
  // The file being read: one record callback serves every file, so the reader's call to it stays monomorphic
  // (a closure per file made V8 deoptimize and recompile the record scan at the second file).
  let f = files[0];
  let lanes = new Map<number, number>();
  let used = new Set<number>();
  // Whether this file's `-i any` records may go to per-interface lanes (laneKeyOf), read once per file.
  let split = false;
  // The previous record's lane key and lane: almost every record has the same one, so skip the Map.
  let lastIf = -1;
  let lastCap = -1;
  let ifaces: CaptureInterface[] = [];
  const onInterface = (iface: CaptureInterface) => {
    ifaces = [...ifaces, iface];
  };
  const push = (rec: CaptureRecord) => {
    const key = split ? laneKeyOf(f, rec) : rec.interfaceId;
    let cap = key === lastIf ? lastCap : lanes.get(key);
    if (cap === undefined) {
      const info = laneCapture(f.path, f, ifaces, rec, key);
      cap = c.addCapture(info);
      lanes.set(key, cap);
      used.add(rec.interfaceId);
      const own = OWN_DESCRIPTION.exec(info.description ?? '');
      if ((info.mac !== undefined && info.mac >= 0) || own) extraIfaces.push(laneInterface(info, own));
      // The interface's lane (or a split `-i any` capture's interface index's), made by its first record: the
      // WebAssembly ingest's from now on.
      if (wasm !== null) wasm.setLane(rec.interfaceId, cap, splitIfindex(key));
    }
    lastIf = key;
    lastCap = cap;
    pushRecord(c, cap, rec, fields, decodeOpts);
  };
  // Chosen once: with no range the reader calls `push` itself, so reading every record costs what it did.
  let outside = 0;
  const onRecord: RecordCallback =
    range === null
      ? push
      : (rec) => {
          if (inRange(range, rec.tsSec, rec.tsNsec)) push(rec);
          else outside++;
        };
  for (const file of files) {
    f = file;
    split = file.ifnames !== undefined;
    lanes = new Map();
    used = new Set();
    lastIf = -1;
    lastCap = -1;
    ifaces = [];
    wasm?.newFile(split);
    const r = readFile(f.path, buf, onInterface, onRecord, onBytes, wasm ?? undefined);
    if ('error' in r) {
      problems.push({
        path: f.path,
        problem: { code: 'FILE_NOT_FOUND', message: r.error, offset: 0 },
        records: 0,
      });
      continue;
    }
    if (r.problem) problems.push({ path: f.path, problem: r.problem, records: r.records });
    // An interface that saw nothing still is a lane (a file with no packets, or a pcapng's quiet interface):
    // "the packet never got there" is what the user came to see.
    for (const info of quietLanes(f.path, f, r.interfaces, used)) {
      c.addCapture(info);
      const own = OWN_DESCRIPTION.exec(info.description ?? '');
      if (own) extraIfaces.push(laneInterface(info, own));
    }
  }
  // (HOPSCOPE_TRACE=1: how much took the fast path, e.g. to see why a pcapng or `-i any` capture reads slower.)
  trace(`read: ${wasm?.rowsTaken ?? 0} of ${c.obs.length - firstRow} rows through WebAssembly`);
  return { problems, extraIfaces, outside, wasmRows: wasm?.rowsTaken ?? 0 };
}

/**
 * A RecordBatcher that only counts classic pcap records (countRecords): each one's header read for its length,
 * up to an incomplete record or one the reader refuses (its caplen past MAX_CAPLEN), which the reader then sees.
 */
const recordCounter = {
  taken: 0,
  take(chunk: Uint8Array, p: number, _base: number, le: boolean): number {
    const n = chunk.length;
    const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let k = 0;
    while (n - p >= PCAP_RECORD_HEADER_LEN) {
      const caplen = dv.getUint32(p + R_CAPLEN, le);
      if (caplen > MAX_CAPLEN || caplen > n - p - PCAP_RECORD_HEADER_LEN) break;
      p += PCAP_RECORD_HEADER_LEN + caplen;
      k++;
    }
    this.taken = k;
    return p;
  },
};

/**
 * Records in a capture file that become rows (every one, or those in `range`): a read through the reader,
 * nothing decoded (a classic pcap's records counted from their headers alone when every one counts).
 */
export function countRecords(path: string, buf: Uint8Array, range: TimeRange | null = null): number {
  let kept = 0;
  const r = readFile(
    path,
    buf,
    () => {},
    range === null
      ? () => {}
      : (rec) => {
          if (inRange(range, rec.tsSec, rec.tsNsec)) kept++;
        },
    undefined,
    range === null ? recordCounter : undefined,
  );
  if ('error' in r) return 0;
  return range === null ? r.records : kept;
}
