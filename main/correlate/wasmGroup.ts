// A batch's phase A in WebAssembly (wasm/group.c): one node's rows merged on time and grouped into segments as
// Correlator.groupNode and NodeGrouper do them in JavaScript (the same segments, numbered alike, every row's segment,
// next row and duplicate flag the same: tests/unit/wasmGroup.test.ts), without the JavaScript path's warm-up. The
// node's rows are copied into the module's memory lane by lane, and the results back, by typed-array copies.
//
// Only for a batch (Correlator's `batch` option): a node is grouped once, with all of its rows; the live path keeps
// NodeGrouper, whose window table a later row needs. HOPSCOPE_WASM=0 turns it off (as the WebAssembly ingest).

import type { RowRuns } from './columns.ts';
import type { ObservationTable } from './observations.ts';
import type { SegmentTable } from './segments.ts';
import { GROUP_WASM } from './wasm/groupWasm.ts';

// group.c's parameter block, in its order.
const P = [
  'N',
  'K',
  'T',
  'KEYHI',
  'KEYLO',
  'TAIL',
  'SRC',
  'DST',
  'ETHPAIR',
  'ENCAPID',
  'ORIGLEN',
  'RUN_LOCAL',
  'RUN_ROW',
  'NRUNS',
  'MISSING',
  'PORTID',
  'PORTSEQ',
  'FLAGS',
  'TTL',
  'ENCAPCOUNT',
  'LANE',
  'LANE_START',
  'LANE_END',
  'LANE_RANK',
  'LANE_CAP',
  'MACPAIRS',
  'ENCAPS',
  'OTHER_MACS',
  'NOTHER_MACS',
  'OTHER_IPS',
  'NOTHER_IPS',
  'HAS_OWN',
  'SEGOF',
  'NEXT',
  'S_FIRST',
  'S_LAST',
  'S_COUNT',
  'S_FIRSTT',
  'S_LASTT',
  'S_MAXTTL',
  'S_MINTTL',
  'S_KEYHI',
  'S_KEYLO',
  'S_TAIL',
  'S_TAILKNOWN',
  'S_PREV',
  'S_RETURN',
  'TABLE_A',
  'TABLE_B',
  'HEAD',
  'HEADT',
  'SEG_BASE',
  'ORDER',
  'TMP',
] as const;
type Param = (typeof P)[number];
const AT = Object.fromEntries(P.map((name, i) => [name, i])) as Record<Param, number>;

/** group.c's TABLE_INITIAL: the window table's first size, which it never goes below. */
const TABLE_INITIAL = 1024;
/** Lanes a node may have here (group.c keeps a row's lane in a byte). */
const MAX_LANES = 256;

interface Exports {
  memory: WebAssembly.Memory;
  params: WebAssembly.Global;
  __heap_base: WebAssembly.Global;
  group(localWindowNs: number, dupWindowNs: number): number;
}

let compiled: WebAssembly.Module | null | undefined;

function module(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(GROUP_WASM, 'base64'));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** One lane of the node: its capture, its tie rank (Correlator tieRanks) and its pending rows (all of them). */
export interface GroupLane {
  capture: number;
  rank: number;
  pending: RowRuns;
}

/** The addresses of the other known nodes (Ownership.othersOf), null when no interfaces are known. */
export interface OtherNodes {
  macs: Float64Array;
  ips: Float64Array;
}

/**
 * Groups one node's pending rows (every one: a batch) into new segments of `segs` and marks them processed, as
 * NodeGrouper would from an empty window table. Returns false, having changed nothing, when it cannot (no
 * WebAssembly, HOPSCOPE_WASM=0, a widened id or length column, too many lanes): the caller groups in JavaScript.
 */
export function groupNodeWasm(
  obs: ObservationTable,
  segs: SegmentTable,
  node: number,
  lanes: readonly GroupLane[],
  others: OtherNodes | null,
  windows: { localWindowNs: number; dupWindowNs: number },
): boolean {
  if (process.env.HOPSCOPE_WASM === '0' || lanes.length > MAX_LANES) return false;
  const { ethPair, encapId } = obs.idColumns();
  if (
    !(ethPair instanceof Uint16Array) ||
    !(encapId instanceof Uint16Array) ||
    !(obs.origLen instanceof Uint16Array)
  )
    return false;
  const m = module();
  if (!m) return false;
  // The lanes' rows in local order (lane by lane, each in its pending order), as runs of the table's rows.
  const runLocal: number[] = [];
  const runRow: number[] = [];
  const runEnd: number[] = [];
  const laneStart = new Int32Array(lanes.length);
  const laneEnd = new Int32Array(lanes.length);
  let n = 0;
  lanes.forEach((l, j) => {
    laneStart[j] = n;
    const p = l.pending;
    for (let r = p.head; r < p.count; r++) {
      const from = r === p.head ? p.at : p.start[r];
      const to = p.end[r];
      if (to <= from) continue;
      runLocal.push(n);
      runRow.push(from);
      runEnd.push(to);
      n += to - from;
    }
    laneEnd[j] = n;
  });
  if (n === 0) return false;
  const macPairs = obs.macPairs.valuesCopy();
  const encaps = obs.encaps.valuesCopy();
  const k = lanes.length;
  const tableMax = Math.max(TABLE_INITIAL, 2 ** Math.ceil(Math.log2(4 * n)));

  const instance = new WebAssembly.Instance(m, {});
  const x = instance.exports as unknown as Exports;
  // The layout: each array 8-aligned from the module's heap on.
  const at = {} as Record<Param, number>;
  let top = x.__heap_base.value as number;
  const place = (name: Param, bytes: number) => {
    top = (top + 7) & ~7;
    at[name] = top;
    top += bytes;
  };
  place('T', 8 * n);
  place('TMP', 8 * n);
  place('S_FIRSTT', 8 * n);
  place('S_LASTT', 8 * n);
  place('HEADT', 8 * k);
  place('MACPAIRS', 8 * macPairs.length);
  place('ENCAPS', 8 * encaps.length);
  place('OTHER_MACS', 8 * (others?.macs.length ?? 0));
  place('OTHER_IPS', 8 * (others?.ips.length ?? 0));
  for (const name of ['KEYHI', 'KEYLO', 'TAIL', 'SRC', 'DST', 'SEGOF', 'NEXT', 'ORDER'] as const)
    place(name, 4 * n);
  for (const name of [
    'S_FIRST',
    'S_LAST',
    'S_COUNT',
    'S_MAXTTL',
    'S_MINTTL',
    'S_KEYHI',
    'S_KEYLO',
    'S_TAIL',
    'S_TAILKNOWN',
    'S_PREV',
    'S_RETURN',
  ] as const)
    place(name, 4 * n);
  place('RUN_LOCAL', 4 * runLocal.length);
  place('RUN_ROW', 4 * runRow.length);
  for (const name of ['LANE_START', 'LANE_END', 'LANE_RANK', 'LANE_CAP', 'HEAD'] as const) place(name, 4 * k);
  place('TABLE_A', 4 * tableMax);
  place('TABLE_B', 4 * tableMax);
  for (const name of ['ETHPAIR', 'ENCAPID', 'ORIGLEN', 'MISSING', 'PORTID', 'PORTSEQ'] as const)
    place(name, 2 * n);
  for (const name of ['FLAGS', 'TTL', 'ENCAPCOUNT', 'LANE'] as const) place(name, n);
  const memory = x.memory;
  const have = memory.buffer.byteLength;
  if (top > have) memory.grow(Math.ceil((top - have) / 65536));
  const buf = memory.buffer;

  const params = new Int32Array(buf, x.params.value as number, P.length);
  for (const name of P) if (at[name] !== undefined) params[AT[name]] = at[name];
  params[AT.N] = n;
  params[AT.K] = k;
  params[AT.NRUNS] = runLocal.length;
  params[AT.NOTHER_MACS] = others?.macs.length ?? 0;
  params[AT.NOTHER_IPS] = others?.ips.length ?? 0;
  params[AT.HAS_OWN] = others ? 1 : 0;
  params[AT.SEG_BASE] = segs.length;

  const f64 = (name: Param, len: number) => new Float64Array(buf, at[name], len);
  const i32 = (name: Param, len: number) => new Int32Array(buf, at[name], len);
  f64('MACPAIRS', macPairs.length).set(macPairs);
  f64('ENCAPS', encaps.length).set(encaps);
  if (others) {
    f64('OTHER_MACS', others.macs.length).set(others.macs);
    f64('OTHER_IPS', others.ips.length).set(others.ips);
  }
  i32('RUN_LOCAL', runLocal.length).set(runLocal);
  i32('RUN_ROW', runRow.length).set(runRow);
  i32('LANE_START', k).set(laneStart);
  i32('LANE_END', k).set(laneEnd);
  i32('LANE_RANK', k).set(lanes.map((l) => l.rank));
  i32('LANE_CAP', k).set(lanes.map((l) => l.capture));
  const lane = new Uint8Array(buf, at.LANE, n);
  for (let j = 0; j < k; j++) lane.fill(j, laneStart[j], laneEnd[j]);

  // The rows' columns, run by run (the keys live at row - keyBase).
  const kb = obs.keyBase;
  const cols: [Param, ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, number][] = [
    ['T', obs.t, 0],
    ['KEYHI', obs.keyHi, kb],
    ['KEYLO', obs.keyLo, kb],
    ['TAIL', obs.tail, kb],
    ['SRC', obs.src, 0],
    ['DST', obs.dst, 0],
    ['ETHPAIR', ethPair, 0],
    ['ENCAPID', encapId, 0],
    ['ORIGLEN', obs.origLen, 0],
    ['MISSING', obs.missing, 0],
    ['PORTID', obs.portOrIdCol, 0],
    ['PORTSEQ', obs.portOrSeqCol, 0],
    ['FLAGS', obs.flags, 0],
    ['TTL', obs.ttlCol, 0],
    ['ENCAPCOUNT', obs.encapCount, 0],
  ];
  for (const [name, col, base] of cols) {
    const view = viewOf(buf, name, at[name], n);
    for (let i = 0; i < runLocal.length; i++)
      view.set(col.subarray(runRow[i] - base, runEnd[i] - base), runLocal[i]);
  }

  const made = x.group(windows.localWindowNs, windows.dupWindowNs);

  // The rows' segments, next rows and flags (duplicates marked), run by run; then the new segments.
  const segOf = i32('SEGOF', n);
  const next = i32('NEXT', n);
  const flags = new Uint8Array(buf, at.FLAGS, n);
  for (let i = 0; i < runLocal.length; i++) {
    const a = runLocal[i];
    const b = a + runEnd[i] - runRow[i];
    obs.segment.set(segOf.subarray(a, b), runRow[i]);
    obs.nextInSegment.set(next.subarray(a, b), runRow[i]);
    obs.flags.set(flags.subarray(a, b), runRow[i]);
  }
  segs.appendColumns(node, made, {
    firstObs: i32('S_FIRST', made),
    lastObs: i32('S_LAST', made),
    count: i32('S_COUNT', made),
    firstT: f64('S_FIRSTT', made),
    lastT: f64('S_LASTT', made),
    maxTtl: i32('S_MAXTTL', made),
    minTtl: i32('S_MINTTL', made),
    keyHi: i32('S_KEYHI', made),
    keyLo: i32('S_KEYLO', made),
    tail: i32('S_TAIL', made),
    tailKnown: i32('S_TAILKNOWN', made),
    prevSameKey: i32('S_PREV', made),
    returnOf: i32('S_RETURN', made),
  });
  for (const l of lanes) {
    l.pending.head = l.pending.count;
    l.pending.compact();
  }
  return true;
}

/** A view of `n` entries of column `name` in the module's memory, of the type group.c reads it as. */
function viewOf(
  buf: ArrayBuffer,
  name: Param,
  at: number,
  n: number,
): { set(a: ArrayLike<number>, o: number): void } {
  switch (name) {
    case 'T':
      return new Float64Array(buf, at, n);
    case 'KEYHI':
    case 'KEYLO':
    case 'TAIL':
      return new Int32Array(buf, at, n);
    case 'SRC':
    case 'DST':
      return new Uint32Array(buf, at, n);
    case 'FLAGS':
    case 'TTL':
    case 'ENCAPCOUNT':
      return new Uint8Array(buf, at, n);
    default:
      return new Uint16Array(buf, at, n);
  }
}
