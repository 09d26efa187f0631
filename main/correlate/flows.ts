// Flows: requests and replies paired. Every hop contributes its (proto, endpoints) tuple, orientation-free;
// journeys sharing any tuple are one flow, so a NodePort connection and its DNAT/SNAT'ed twin (whose tuples
// chain through the NAT hop) are one flow. ICMP echo pairs by (addresses, id, seq): one flow per ping. An ICMP
// error joins the flow of the packet it quotes (a `need to frag` beside its TCP connection).

import { withCapacity } from './columns.ts';
import { M_FLOW, M_FRAGMENT } from './observations.ts';
import { FLOW_KEY, fmix, packetFlowKey } from './identity.ts';
import type { CorrelationResult } from './result.ts';

/**
 * Open-addressing table from a 64-bit tuple hash to the first journey that had it (typed arrays only). It
 * grows at half full: sized from the tuples actually seen (typically one or two per journey) rather than a
 * guess, and never full whatever the number of tuples per journey.
 */
class TupleOwners {
  private hi: Int32Array;
  private lo: Int32Array;
  private owner: Int32Array; // journey + 1; 0 = empty
  private mask: number;
  private used = 0;
  constructor(expected: number) {
    let size = 1024;
    while (size < expected * 2) size *= 2;
    this.hi = new Int32Array(size);
    this.lo = new Int32Array(size);
    this.owner = new Int32Array(size);
    this.mask = size - 1;
  }
  /** The owner of (h, g), -1 when it has none. */
  get(h: number, g: number): number {
    for (let p = (h ^ (g >>> 11)) & this.mask; ; p = (p + 1) & this.mask) {
      const o = this.owner[p];
      if (o === 0) return -1;
      if (this.hi[p] === h && this.lo[p] === g) return o - 1;
    }
  }
  /** The owner of (h, g), or -1 after recording `k` as its owner. */
  getOrSet(h: number, g: number, k: number): number {
    for (let p = (h ^ (g >>> 11)) & this.mask; ; p = (p + 1) & this.mask) {
      const o = this.owner[p];
      if (o === 0) {
        this.hi[p] = h;
        this.lo[p] = g;
        this.owner[p] = k + 1;
        if (++this.used * 2 > this.owner.length) this.grow();
        return -1;
      }
      if (this.hi[p] === h && this.lo[p] === g) return o - 1;
    }
  }
  private grow(): void {
    const { hi, lo, owner } = this;
    const size = owner.length * 2;
    this.hi = new Int32Array(size);
    this.lo = new Int32Array(size);
    this.owner = new Int32Array(size);
    this.mask = size - 1;
    for (let i = 0; i < owner.length; i++) {
      if (owner[i] === 0) continue;
      let p = (hi[i] ^ (lo[i] >>> 11)) & this.mask;
      while (this.owner[p] !== 0) p = (p + 1) & this.mask;
      this.hi[p] = hi[i];
      this.lo[p] = lo[i];
      this.owner[p] = owner[i];
    }
  }
}

// A journey's distinct tuples (journeyTuples), in module scratch: no array per journey.
let tupleH = new Int32Array(16);
let tupleG = new Int32Array(16);

/**
 * Puts journey k's tuples (h, g halves) in tupleH/tupleG and returns how many: consecutive repeats (a hop
 * carrying the same inner packet as the previous one) are skipped, so usually one, two across a NAT.
 */
function journeyTuples(res: CorrelationResult, k: number): number {
  const rows = res.rows;
  let count = 0;
  let prev = -1;
  for (let r = res.firstRow(k); r >= 0; r = res.nextRow(r)) {
    // An ICMP error: the tuple of the packet it quotes (ObservationTable.append takes the same).
    if (rows.quotedFlowKey(r)) {
      count = addTuple(count);
      continue;
    }
    // Most hops carry the inner packet unchanged: equal in every column packetFlowKey reads, the row's tuple is
    // the previous one's, already counted.
    if (prev >= 0 && rows.sameTuple(prev, r)) continue;
    // A WireGuard data message: the tunnel's tuple, not the packet's (ObservationTable.append gives it none).
    if (rows.wireguardData(r)) continue;
    prev = r;
    // The tuple the row store hashes as rows are read (ObservationTable.append), from the same values.
    const known = packetFlowKey(
      rows.proto(r),
      rows.icmpType(r),
      rows.icmpId(r),
      rows.icmpSeq(r),
      rows.src[r],
      rows.srcPort(r),
      rows.dst[r],
      rows.dstPort(r),
    );
    if (known) count = addTuple(count);
    // A fragment also joins its datagram's other fragments (the first one has the ports, the others none).
    if (rows.fragmentFlowKey(r)) count = addTuple(count);
  }
  return count;
}

/** Appends FLOW_KEY to tupleH/tupleG unless it repeats the last tuple; returns the new count. */
function addTuple(count: number): number {
  const kh = FLOW_KEY[0];
  const kg = FLOW_KEY[1];
  if (count > 0 && kh === tupleH[count - 1] && kg === tupleG[count - 1]) return count;
  if (count === tupleH.length) {
    const h = new Int32Array(count * 2);
    const g = new Int32Array(count * 2);
    h.set(tupleH);
    g.set(tupleG);
    tupleH = h;
    tupleG = g;
  }
  tupleH[count] = kh;
  tupleG[count] = kg;
  return count + 1;
}

const PROTO_TCP = 6;
const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_ACK = 0x10;

/** 53 bits of a tuple hash, as a Map key (a collision would only share two tuples' connection count). */
function tupleNumber(h: number, g: number): number {
  return ((h >>> 0) % 0x200000) * 0x100000000 + (g >>> 0);
}

/**
 * TCP port reuse: a 4-tuple used again by a later connection (a client port reused once the first connection
 * ended, as load tests do within minutes; two clients SNAT'ed onto one node port) would make the connections one
 * flow. Per tuple, in journey order: a SYN without ACK whose ISN differs from the tuple's last SYN's, or (no SYN
 * seen before) one after a FIN or RST ended the tuple's connection, starts the next connection; the journeys from
 * that SYN on are the tuple's next generation, whose flow key is the tuple's mixed with the generation number. A SYN
 * sent again keeps its ISN and stays in its connection. Journeys must be fed in order, once each. A child (live
 * snapshots: the unfrozen journeys on top of the frozen ones' state) changes only itself.
 */
class Generations {
  /** Per tuple: whether its connection ended (a FIN or RST) with no SYN since. A child's false hides the parent's. */
  private readonly ended = new Map<number, boolean>();
  /** Per tuple: the initial sequence number of its last SYN (a SYN sent again has the same). */
  private readonly isn = new Map<number, number>();
  /** Per tuple that a SYN's journey carried with others (across a NAT): all of that journey's tuples. */
  private readonly sides = new Map<number, number[]>();
  /** Per reused tuple: the journeys that start its generations 1, 2, … (ascending; a child's holds the parent's). */
  private readonly starts = new Map<number, number[]>();

  constructor(private readonly parent: Generations | null = null) {}

  /** Whether any tuple was reused (else flows are computed as if this did not exist). */
  get reused(): boolean {
    return this.starts.size > 0 || (this.parent?.reused ?? false);
  }

  private isEnded(key: number): boolean {
    return this.ended.get(key) ?? this.parent?.isEnded(key) ?? false;
  }
  private isnOf(key: number): number | undefined {
    return this.isn.get(key) ?? this.parent?.isnOf(key);
  }
  private sidesOf(key: number): number[] | undefined {
    return this.sides.get(key) ?? this.parent?.sidesOf(key);
  }
  private startsOf(key: number): number[] | undefined {
    return this.starts.get(key) ?? this.parent?.startsOf(key);
  }

  /** feed() of every journey of `res`. */
  feedAll(res: CorrelationResult): void {
    for (let k = 0; k < res.journeyCount; k++) this.feed(res, k);
  }

  /** Takes journey k's SYN, FIN or RST (its first row's flags) on each of its tuples. */
  feed(res: CorrelationResult, k: number): void {
    const r = res.firstRow(k);
    if (r < 0) return;
    const rows = res.rows;
    if (rows.proto(r) !== PROTO_TCP) return;
    const f = rows.tcpFlags(r);
    if (f < 0) return;
    const opens = (f & (TCP_SYN | TCP_ACK)) === TCP_SYN;
    const closes = (f & (TCP_FIN | TCP_RST)) !== 0;
    if (!opens && !closes) return;
    const count = journeyTuples(res, k);
    const keys: number[] = [];
    for (let i = 0; i < count; i++) keys.push(tupleNumber(tupleH[i], tupleG[i]));
    if (opens) {
      // A new connection: a SYN whose initial sequence number differs from the tuple's last SYN's (a SYN sent
      // again keeps it: a connect retried after an RST; a client restarted while its old connection still stood
      // opens another), or, that not known, a SYN on a tuple whose last connection ended. Across a NAT the SYN
      // carries both sides' tuples: a new connection on either is a new one on both.
      const isn = rows.synSeq(r);
      let again = false;
      for (const key of keys) {
        const last = this.isnOf(key);
        if (isn >= 0 && last !== undefined ? last !== isn : this.isEnded(key)) again = true;
      }
      for (const key of keys) {
        if (this.isEnded(key)) this.ended.set(key, false);
        if (isn >= 0) this.isn.set(key, isn);
        if (keys.length > 1) this.sides.set(key, keys);
        if (!again) continue;
        let own = this.starts.get(key);
        if (!own) this.starts.set(key, (own = this.parent?.startsOf(key)?.slice() ?? []));
        if (own.at(-1) !== k) own.push(k);
      }
    }
    if (closes)
      for (const key of keys) {
        // The end of a connection seen on one side of a NAT only (an RST the node dropped, a capture of one side)
        // ends it on the other side's tuple too, as its SYN carried them.
        for (const side of this.sidesOf(key) ?? [key]) this.ended.set(side, true);
        this.ended.set(key, true);
      }
  }

  /** Mixes the generation of journey k into each of tupleH's first `count` tuples (after journeyTuples). */
  adjust(k: number, count: number): void {
    for (let i = 0; i < count; i++) tupleH[i] = this.mixed(tupleH[i], tupleG[i], k);
  }

  /** Tuple (h, g)'s hash half h for journey k: h itself in generation 0, else mixed with the generation. */
  mixed(h: number, g: number, k: number): number {
    const starts = this.startsOf(tupleNumber(h, g));
    if (!starts || starts[0] > k) return h;
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] <= k) lo = mid + 1;
      else hi = mid;
    }
    return fmix(h ^ Math.imul(lo, 0x9e3779b9));
  }
}

/** Union-find over journeys: the root of a set is its smallest journey (so flows number by first journey). */
function findRoot(parent: Int32Array, x: number): number {
  while (parent[x] !== x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

/**
 * Flows of a whole result. With the rows' flow tuple hashes (ObservationTable.flowTuples), the rows are visited
 * in row order, each column read front to back, and each journey's tuples are taken as its rows come; without
 * them, each journey's path is walked (journeyTuples). The sets of journeys joined do not depend on the order,
 * and flows are numbered by their first journey either way.
 */
export function computeFlows(res: CorrelationResult): void {
  const n = res.journeyCount;
  // Each loop below is a function's own (singletons', feedAll's, joinRowTuples'): compiled while it ran, this
  // function's optimised code left at each part after a loop, which had not run yet.
  const parent = singletons(n);
  // A journey has one or two distinct tuples (two across NAT); the table grows if there are more.
  const owner = new TupleOwners(n);
  const rows = res.rows;
  const gens = new Generations();
  gens.feedAll(res);
  const reused = gens.reused;
  if (rows.flowTuples) {
    joinRowTuples(res, owner, parent, reused ? gens : null);
    numberFlows(res, (k) => findRoot(parent, res.internal(k)));
    return;
  }
  for (let k = 0; k < n; k++) {
    const count = journeyTuples(res, k);
    if (reused) gens.adjust(k, count);
    for (let i = 0; i < count; i++) join(owner, parent, tupleH[i], tupleG[i], k);
  }
  numberFlows(res, (k) => findRoot(parent, k));
}

/** Union-find parents of n sets of one element each. */
function singletons(n: number): Int32Array {
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  return parent;
}

/** Records tuple (h, g) for journey k: the union of k's set with that of the tuple's first journey. */
function join(owner: TupleOwners, parent: Int32Array, h: number, g: number, k: number): void {
  const o = owner.getOrSet(h, g, k);
  if (o < 0) return;
  const a = findRoot(parent, o);
  const b = findRoot(parent, k);
  if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
}

/**
 * computeFlows over the rows' tuple columns: unions over internal (linker) journey numbers, read from each row's
 * segment (flows are numbered by public journey all the same). Per journey, the last tuple it recorded is skipped
 * when a row repeats it (most of its rows carry the same one). `gens`: the tuples' generations, when any tuple was
 * reused. A function of its own: its loop over every row is then optimised whole, with no code after it that has
 * not run yet (computeFlows' optimised code left at such code, then compiled the rest again).
 */
function joinRowTuples(
  res: CorrelationResult,
  owner: TupleOwners,
  parent: Int32Array,
  gens: Generations | null,
): void {
  const n = res.journeyCount;
  const rows = res.rows;
  const lastH = new Int32Array(n);
  const lastG = new Int32Array(n);
  const lastSet = new Uint8Array(n);
  const { missing, flowHi, flowLo } = rows;
  for (let r = 0; r < rows.length; r++) {
    const m = missing[r];
    if ((m & (M_FLOW | M_FRAGMENT)) === M_FLOW) continue;
    const j = res.pathLinkOfRow(r);
    if (j < 0) continue;
    // A fragment joins its datagram's other fragments (journeyTuples does the same).
    if ((m & M_FRAGMENT) !== 0 && rows.fragmentFlowKey(r)) join(owner, parent, FLOW_KEY[0], FLOW_KEY[1], j);
    if ((m & M_FLOW) !== 0) continue;
    const g = flowLo[r];
    const h = gens ? gens.mixed(flowHi[r], g, res.journeyOfRow(r)) : flowHi[r];
    if (lastSet[j] === 1 && lastH[j] === h && lastG[j] === g) continue;
    lastSet[j] = 1;
    lastH[j] = h;
    lastG[j] = g;
    join(owner, parent, h, g, j);
  }
}

/** Numbers the flows of res's journeys by their first journey, given each journey's set root. */
function numberFlows(res: CorrelationResult, rootOf: (k: number) => number): void {
  const n = res.journeyCount;
  const flowOf = new Int32Array(n);
  const idOfRoot = new Int32Array(n).fill(-1);
  const first: number[] = [];
  for (let k = 0; k < n; k++) {
    const root = rootOf(k);
    if (idOfRoot[root] < 0) {
      idOfRoot[root] = first.length;
      first.push(k);
    }
    flowOf[k] = idOfRoot[root];
  }
  res.flowOf = flowOf;
  res.flowFirst = Int32Array.from(first);
  res.flowCount = first.length;
}

/**
 * Flows for a live window (window.ts): journeys [0, frozen) are final, so their unions, tuples and flow
 * numbers are kept here and grow with freeze(); compute() adds the journeys after them on every snapshot
 * without changing this state, so a snapshot costs what its unfrozen journeys cost. Same flows as computeFlows.
 */
export class FlowWindow {
  frozen = 0;
  /**
   * After compute(): the frozen journeys' flow numbers are those of the previous compute() (no flows merged
   * across them in either, none renumbered by a freeze in between).
   */
  frozenStable = false;
  private merging = false;
  private frozenFlows = 0;
  private parent = new Int32Array(1024);
  private readonly owners = new TupleOwners(1024);
  /** The frozen journeys' TCP connection generations (compute() adds the others' in a child). */
  private readonly gens = new Generations();
  /** Per journey: its flow (frozen entries final, the others rewritten by each compute()). */
  private flowOf = new Int32Array(1024);
  /** Per flow: its first journey (frozen flows first). */
  private flowFirst = new Int32Array(1024);

  /** Sets res's flows: [0, frozen) from the state, the other journeys joined to them. */
  compute(res: CorrelationResult): void {
    const F = this.frozen;
    const n = res.journeyCount;
    const parent = this.parent;
    // The unfrozen journeys' own union-find, and frozen roots an unfrozen journey joined (rare: a NAT hop
    // linking two flows that were apart so far).
    const aParent = new Int32Array(n - F);
    for (let i = 0; i < aParent.length; i++) aParent[i] = F + i;
    const merged = new Map<number, number>();
    const find = (x: number): number => {
      for (;;) {
        // Up the unfrozen tree (parents are never larger: it ends at an unfrozen root or in the frozen part).
        while (x >= F) {
          const p = aParent[x - F];
          if (p === x) return x;
          if (p >= F) aParent[x - F] = aParent[p - F];
          x = p;
        }
        x = findRoot(parent, x);
        const m = merged.get(x);
        if (m === undefined) return x;
        x = m;
      }
    };
    const owners = new TupleOwners(n - F);
    const gens = new Generations(this.gens);
    for (let k = F; k < n; k++) {
      gens.feed(res, k);
      const count = journeyTuples(res, k);
      if (gens.reused) gens.adjust(k, count);
      for (let i = 0; i < count; i++) {
        let o = this.owners.get(tupleH[i], tupleG[i]);
        if (o < 0) o = owners.getOrSet(tupleH[i], tupleG[i], k);
        if (o < 0) continue;
        const a = find(o);
        const b = find(k);
        if (a === b) continue;
        const hi = Math.max(a, b);
        const lo = Math.min(a, b);
        if (hi >= F) aParent[hi - F] = lo;
        else merged.set(hi, lo);
      }
    }
    this.frozenStable = !this.merging && merged.size === 0;
    this.merging = merged.size > 0;
    if (merged.size > 0) {
      // Frozen flows merge in this snapshot: renumber every journey into new arrays (the state stays as it is).
      numberFlows(res, find);
      return;
    }
    this.flowOf = withCapacity(this.flowOf, n, F);
    this.flowFirst = withCapacity(this.flowFirst, this.frozenFlows + n - F, this.frozenFlows);
    const flowOf = this.flowOf;
    let flows = this.frozenFlows;
    for (let k = F; k < n; k++) {
      const root = find(k);
      if (root === k) {
        this.flowFirst[flows] = k;
        flowOf[k] = flows++;
      } else flowOf[k] = flowOf[root];
    }
    res.flowOf = flowOf.subarray(0, n);
    res.flowFirst = this.flowFirst.subarray(0, flows);
    res.flowCount = flows;
  }

  /** Journeys [frozen, upTo) of res become final: their tuples and unions join the state. */
  freeze(res: CorrelationResult, upTo: number): void {
    const from = this.frozen;
    this.parent = withCapacity(this.parent, upTo, from);
    this.flowOf = withCapacity(this.flowOf, upTo, from);
    const parent = this.parent;
    let renumber = false;
    for (let k = from; k < upTo; k++) {
      parent[k] = k;
      this.gens.feed(res, k);
      const count = journeyTuples(res, k);
      if (this.gens.reused) this.gens.adjust(k, count);
      for (let i = 0; i < count; i++) {
        const o = this.owners.getOrSet(tupleH[i], tupleG[i], k);
        if (o < 0) continue;
        const a = findRoot(parent, o);
        const b = findRoot(parent, k);
        if (a === b) continue;
        // Two flows numbered before this freeze become one: renumber them all.
        if (a < from && b < from) renumber = true;
        parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
    this.frozen = upTo;
    if (renumber) this.merging = true; // the next compute() numbers differently from the last one
    const start = renumber ? 0 : from;
    let flows = renumber ? 0 : this.frozenFlows;
    this.flowFirst = withCapacity(this.flowFirst, flows + upTo - start, flows);
    for (let k = start; k < upTo; k++) {
      const root = findRoot(parent, k);
      if (root === k) {
        this.flowFirst[flows] = k;
        this.flowOf[k] = flows++;
      } else this.flowOf[k] = this.flowOf[root];
    }
    this.frozenFlows = flows;
  }
}
