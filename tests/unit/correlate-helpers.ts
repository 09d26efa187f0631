// Shared helpers for the correlator/clock/export tests: fixture paths, classic-pcap rewriting (time shifts,
// duplicated or replayed records, snaplen cuts) into temp folders, and running the real pipeline on them.

import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { correlateInputs } from '../../main/session/ingest.ts';
import { loadInputs } from '../../main/session/inputs.ts';
import { readCaptureFileSync } from '../../main/pcap/file.ts';
import type { InterfaceInfo } from '../../main/correlate/ownership.ts';
import type { CorrelationResult } from '../../main/correlate/result.ts';
import { Correlator, type CorrelateOptions } from '../../main/correlate/correlator.ts';
import type { ObservationTable } from '../../main/correlate/observations.ts';
import { decodeFields } from '../../main/decode/index.ts';
import { tempDir } from '../tempDir.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** A ping's path through the recorded flannel-vxlan lab (its fixtures and the sample session), in order. */
export const FLANNEL_VXLAN_PATH = [
  'node-1/veth2053e67d',
  'node-1/cni0',
  'node-1/flannel.1',
  'node-1/ens33',
  'node-2/ens33',
  'node-2/flannel.1',
  'node-2/cni0',
  'node-2/veth470beb22',
];

export function fixtureFiles(scenario: string): string[] {
  const dir = join(FIXTURES, scenario);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pcap'))
    .sort()
    .map((f) => join(dir, f));
}

/** The negative hop latencies of every journey (hops the clocks put before the one they are timed from). */
export function negativeHops(res: CorrelationResult): number[] {
  const out: number[] = [];
  for (let k = 0; k < res.journeyCount; k++)
    for (const h of res.hops(k)) if (h.latencyNs !== null && h.latencyNs < 0) out.push(h.latencyNs);
  return out;
}

export function correlate(args: string[], opts: CorrelateOptions = {}): CorrelationResult {
  const inputs = loadInputs(args);
  if (!inputs.ok) throw new Error(inputs.error.message);
  const { result, problems } = correlateInputs(inputs.value, opts);
  if (problems.length) throw new Error(JSON.stringify(problems));
  return result;
}

export interface PcapRecord {
  sec: number;
  nsec: number;
  origLen: number;
  data: Uint8Array;
}

export interface Pcap {
  header: Uint8Array;
  nano: boolean;
  records: PcapRecord[];
}

/** Little-endian classic pcap (what the lab's tcpdump writes here). */
export function readPcap(path: string): Pcap {
  const b = new Uint8Array(readFileSync(path));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = dv.getUint32(0, true);
  if (magic !== 0xa1b23c4d && magic !== 0xa1b2c3d4) throw new Error(`${path}: not a little-endian pcap`);
  const nano = magic === 0xa1b23c4d;
  const records: PcapRecord[] = [];
  for (let p = 24; p + 16 <= b.length;) {
    const caplen = dv.getUint32(p + 8, true);
    const frac = dv.getUint32(p + 4, true);
    records.push({
      sec: dv.getUint32(p, true),
      nsec: nano ? frac : frac * 1000,
      origLen: dv.getUint32(p + 12, true),
      data: b.slice(p + 16, p + 16 + caplen),
    });
    p += 16 + caplen;
  }
  return { header: b.slice(0, 24), nano, records };
}

export function writePcap(path: string, pcap: Pcap, snaplen?: number): void {
  const header = pcap.header.slice();
  const hdv = new DataView(header.buffer);
  if (snaplen) hdv.setUint32(16, snaplen, true);
  const parts: Uint8Array[] = [header];
  for (const r of pcap.records) {
    const data = snaplen ? r.data.subarray(0, snaplen) : r.data;
    const h = new Uint8Array(16);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, r.sec, true);
    dv.setUint32(4, pcap.nano ? r.nsec : Math.floor(r.nsec / 1000), true);
    dv.setUint32(8, data.length, true);
    dv.setUint32(12, r.origLen, true);
    parts.push(h, data);
  }
  writeFileSync(path, Buffer.concat(parts));
}

/** Adds `ns` (any sign) to a record's time. */
export function shiftRecord(r: PcapRecord, ns: number): PcapRecord {
  const total = BigInt(r.sec) * 1_000_000_000n + BigInt(r.nsec) + BigInt(ns);
  return { ...r, sec: Number(total / 1_000_000_000n), nsec: Number(total % 1_000_000_000n) };
}

export interface CopyOptions {
  /** Node → ns added to every timestamp of that node's files. */
  shift?: Record<string, number>;
  snaplen?: number;
  /** Rewrites one file's records (after the shift). */
  transform?: (file: string, records: PcapRecord[]) => PcapRecord[];
}

/** Copies a fixture set's files (pcaps rewritten as asked, JSON files as they are; not its subfolders) into a new temp folder. */
export function fixtureCopy(scenario: string, opts: CopyOptions = {}): string {
  const src = join(FIXTURES, scenario);
  const dst = tempDir(`hs-${scenario}-`);
  for (const f of readdirSync(src, { withFileTypes: true }).flatMap((e) => (e.isFile() ? [e.name] : []))) {
    if (!f.endsWith('.pcap')) {
      copyFileSync(join(src, f), join(dst, f));
      continue;
    }
    const node = f.split('__')[0];
    const pcap = readPcap(join(src, f));
    const ns = opts.shift?.[node] ?? 0;
    let records = ns ? pcap.records.map((r) => shiftRecord(r, ns)) : pcap.records;
    if (opts.transform) records = opts.transform(f, records);
    writePcap(join(dst, f), { ...pcap, records }, opts.snaplen);
  }
  return dst;
}

/**
 * A copy of a fixture set whose `node`'s timestamps are moved by `move(ns since the set's first file's first
 * record)`: a clock drifting along a line, or stepped (drifting-clock tests on a recording of one kernel clock).
 */
export function nodeMovedCopy(scenario: string, node: string, move: (sinceNs: number) => number): string {
  const t0 = readPcap(fixtureFiles(scenario)[0]).records[0];
  const start = BigInt(t0.sec) * 1_000_000_000n + BigInt(t0.nsec);
  return fixtureCopy(scenario, {
    transform: (f, records) =>
      f.startsWith(`${node}__`)
        ? records.map((r) =>
            shiftRecord(r, Math.round(move(Number(BigInt(r.sec) * 1_000_000_000n + BigInt(r.nsec) - start)))),
          )
        : records,
  });
}

/**
 * A copy of `three-hosts` whose client stamped its frames to node-2 (Ethernet destination node-2's MAC) `ns` late:
 * the pair's own bounds cross, so no steady offsets fit every pair (ClockEstimate.conflict).
 */
export function threeHostsLateToNode2(ns = 40_000): string {
  return fixtureCopy('three-hosts', {
    transform: (f, records) =>
      f === 'client__ens33.pcap'
        ? records.map((r) =>
            Buffer.from(r.data.subarray(0, 6)).toString('hex') === '000c292f3385' ? shiftRecord(r, ns) : r,
          )
        : records,
  });
}

export function filesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pcap') || f.endsWith('.pcapng'))
    .sort()
    .map((f) => join(dir, f));
}

/** "node/iface" of each hop of journey k. */
export function path(res: CorrelationResult, k: number): string[] {
  return res.hops(k).map((h) => `${h.node}/${h.iface}`);
}

const ordinals = new WeakMap<object, Int32Array>();

/**
 * Per row: its number among its capture's rows, 0-based, in row order. Rows of a capture are appended in the
 * order its records come, so this is the record's number in its file (one interface per file, as in the lab's
 * captures), or its place in the lane's list as a test pushed it. Tests key rows by (lane, this number).
 */
export function laneOrdinals(res: Pick<CorrelationResult, 'rows'>): Int32Array {
  const rows = res.rows;
  let out = ordinals.get(rows);
  if (out && out.length === rows.length) return out;
  out = new Int32Array(rows.length);
  const next = new Map<number, number>();
  for (let r = 0; r < rows.length; r++) {
    const c = rows.capture[r];
    const i = next.get(c) ?? 0;
    out[r] = i;
    next.set(c, i + 1);
  }
  ordinals.set(rows, out);
  return out;
}

/**
 * Journeys as comparable strings: hop lanes and record numbers, sorted. `record`: each row's record number, as the
 * test pushed it (default: laneOrdinals, the file's record numbers when each lane was read in order).
 */
export function canonical(res: CorrelationResult, record: ArrayLike<number> = laneOrdinals(res)): string[] {
  const out: string[] = [];
  for (let k = 0; k < res.journeyCount; k++) {
    out.push(
      res
        .journeyRows(k)
        .map((r) => {
          const c = res.captures[res.rows.capture[r]];
          return `${c.node}/${c.iface}#${record[r]}`;
        })
        .join(' > '),
    );
  }
  return out.sort();
}

/** Journeys whose first hop is an ICMP echo (request 8 / reply 0) crossing two nodes. */
export function crossNodePings(res: CorrelationResult, type: 8 | 0): number[] {
  const out: number[] = [];
  for (let k = 0; k < res.journeyCount; k++) {
    const rows = res.journeyRows(k);
    const r0 = rows[0];
    if (res.rows.proto(r0) !== 1 || res.rows.icmpType(r0) !== type) continue;
    const nodes = new Set(rows.map((r) => res.nodeOfCapture(res.rows.capture[r])));
    if (nodes.size >= 2) out.push(k);
  }
  return out;
}

/** MAC of node/iface from the fixture's `ip -j link` file. */
export function fixtureMac(scenario: string, node: string, iface: string): string {
  const links = JSON.parse(readFileSync(join(FIXTURES, scenario, `${node}.ip-link.json`), 'utf8')) as {
    ifname: string;
    address?: string;
  }[];
  const l = links.find((x) => x.ifname === iface);
  if (!l?.address) throw new Error(`no MAC for ${node}/${iface}`);
  return l.address;
}

export interface LaneRecord {
  data: Uint8Array;
  sec: number;
  nsec: number;
  origLen: number;
  index: number;
  offset: number;
}
export interface Lane {
  node: string;
  iface: string;
  linkType: number;
  records: LaneRecord[];
}

/** Every record of each capture file, in memory, with the session's discovered interfaces. */
export function loadLanes(files: string[]): { lanes: Lane[]; interfaces: InterfaceInfo[] } {
  const inputs = loadInputs(files);
  if (!inputs.ok) throw new Error(inputs.error.message);
  const lanes = inputs.value.files.map((f) => {
    const lane: Lane = { node: f.node!, iface: f.iface!, linkType: 1, records: [] };
    readCaptureFileSync(f.path, (r) => {
      lane.linkType = r.linkType;
      lane.records.push({
        data: r.data.slice(),
        sec: r.tsSec,
        nsec: r.tsNsec,
        origLen: r.origLen,
        index: r.index,
        offset: r.offset,
      });
    });
    return lane;
  });
  return { lanes, interfaces: inputs.value.interfaces };
}

/**
 * The files pushed lane by lane, frame by frame, into a Correlator (over `obs` when given: a published row store
 * walks paths for flows), as live delivery pushes them, rather than read by ingestFiles.
 */
export function pushedLanes(files: string[], obs?: ObservationTable): CorrelationResult {
  const { lanes, interfaces } = loadLanes(files);
  const c = new Correlator({}, decodeFields, obs);
  c.setInterfaces(interfaces);
  for (const l of lanes) {
    const cap = c.addCapture({ node: l.node, iface: l.iface, linkType: l.linkType });
    for (const r of l.records) c.pushFrame(cap, r.offset, r.sec, r.nsec, r.origLen, r.data);
  }
  return c.result();
}

/** The earliest and latest of a table's row times, by a loop over every row (what Correlator.timeSpan keeps). */
export function rowTimeSpan(obs: Pick<ObservationTable, 't' | 'length'>): { lo: number; hi: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let r = 0; r < obs.length; r++) {
    lo = Math.min(lo, obs.t[r]);
    hi = Math.max(hi, obs.t[r]);
  }
  return { lo, hi };
}
