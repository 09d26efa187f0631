// Reading capture files into a correlator: one capture lane per interface of each file, every record a row,
// decoded in place in the read chunk. The batch driver (ingest.ts) and its ingest workers (parallelIngest.ts)
// share it.

import type { CaptureInfo, Correlator, CorrelateOptions } from '../correlate/correlator.ts';
import type { InterfaceInfo } from '../correlate/ownership.ts';
import { decodeRecord } from '../decode/index.ts';
import {
  createPacketFields,
  DEFAULT_DECODE_OPTIONS,
  type DecodeOptions,
  type PacketFields,
} from '../decode/fields.ts';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

import { createCaptureReader } from '../pcap/reader.ts';
import type { CaptureInterface, CaptureRecord, ReadProblem, RecordCallback } from '../pcap/types.ts';
import { fallbackNode, splitInterfaceName, type LabelledPath } from './labels.ts';

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
  else if (multi) name = iface.name || `${label.iface ?? 'if'}#${iface.id}`;
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
):
  | { problem: ReadProblem | null; interfaces: readonly CaptureInterface[]; records: number }
  | { error: string } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return { error: `cannot read ${path}: ${(e as Error).message}` };
  }
  const reader = createCaptureReader(onRecord, { onInterface });
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
          problem: { code: 'PCAP_TRUNCATED', message: `read failed: ${why}`, offset: done },
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

/** What reading a run of files gives besides the rows: problems, and interfaces the files name (MACs). */
export interface Ingested {
  problems: InputProblem[];
  extraIfaces: InterfaceInfo[];
}

/**
 * Reads `files` in order into the correlator: one capture lane per interface of each file, every record a
 * row (the main thread and the ingest workers of parallelIngest.ts both run this).
 */
export function ingestFiles(
  c: Correlator,
  files: readonly LabelledPath[],
  decodeOpts: DecodeOptions,
  onBytes?: (n: number) => void,
): Ingested {
  const problems: InputProblem[] = [];
  const extraIfaces: InterfaceInfo[] = [];
  const buf = new Uint8Array(READ_CHUNK);
  const fields = createPacketFields();
  // The file being read: one record callback serves every file, so the reader's call to it stays monomorphic
  // (a closure per file made V8 deoptimize and recompile the record scan at the second file).
  let f = files[0];
  let lanes = new Map<number, number>();
  // The previous record's interface and lane: almost every record has the same one, so skip the Map.
  let lastIf = -1;
  let lastCap = -1;
  let ifaces: CaptureInterface[] = [];
  const onInterface = (iface: CaptureInterface) => {
    ifaces = [...ifaces, iface];
  };
  const onRecord = (rec: CaptureRecord) => {
    let cap = rec.interfaceId === lastIf ? lastCap : lanes.get(rec.interfaceId);
    if (cap === undefined) {
      const info = recordCapture(f.path, f, ifaces, rec);
      cap = c.addCapture(info);
      lanes.set(rec.interfaceId, cap);
      if (info.mac !== undefined && info.mac >= 0) {
        extraIfaces.push({ node: info.node, name: info.iface, mac: info.mac, kind: '', addresses: [] });
      }
    }
    lastIf = rec.interfaceId;
    lastCap = cap;
    pushRecord(c, cap, rec, fields, decodeOpts);
  };
  for (const file of files) {
    f = file;
    lanes = new Map();
    lastIf = -1;
    lastCap = -1;
    ifaces = [];
    const r = readFile(f.path, buf, onInterface, onRecord, onBytes);
    if ('error' in r) {
      problems.push({
        path: f.path,
        problem: { code: 'FILE_NOT_FOUND', message: r.error, offset: 0 },
        records: 0,
      });
      continue;
    }
    if (r.problem) problems.push({ path: f.path, problem: r.problem, records: r.records });
    // A file with no packets still is a lane (an interface that saw nothing).
    if (lanes.size === 0 && r.interfaces[0]) c.addCapture(captureFor(f.path, f, r.interfaces[0], false));
  }
  return { problems, extraIfaces };
}

/** Records in a capture file (each becomes one row): a read through the reader, nothing decoded. */
export function countRecords(path: string, buf: Uint8Array): number {
  const r = readFile(
    path,
    buf,
    () => {},
    () => {},
  );
  return 'error' in r ? 0 : r.records;
}
