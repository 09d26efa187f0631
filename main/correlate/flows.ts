// Flows: requests and replies paired. Every hop contributes its (proto, endpoints) tuple, orientation-free;
// journeys sharing any tuple are one flow, so a NodePort connection and its DNAT/SNAT'ed twin (whose tuples
// chain through the NAT hop) are one flow. ICMP echo pairs by (addresses, id, seq): one flow per ping.

import { PROTO_ICMP } from '../decode/fields.ts';
import { fmix } from './identity.ts';
import type { CorrelationResult } from './result.ts';

// The orientation-free tuple hash, two 32-bit halves (module scratch: no allocation per hop).
let kh = 0;
let kg = 0;
function tupleKey(proto: number, a: number, ap: number, b: number, bp: number): void {
  // Orientation-free: order the two endpoints.
  if (a > b || (a === b && ap > bp)) {
    const x = a;
    a = b;
    b = x;
    const y = ap;
    ap = bp;
    bp = y;
  }
  let h = fmix(proto * 0x3c6ef372 + a);
  h = fmix(h ^ Math.imul(ap + 1, 0x27d4eb2d));
  let g = fmix(h ^ b);
  g = fmix(g ^ Math.imul(bp + 1, 0x165667b1));
  kh = h;
  kg = g;
}

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

export function computeFlows(res: CorrelationResult): void {
  const n = res.journeyCount;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  // A journey has one or two distinct tuples (two across NAT); the table grows if there are more.
  const owner = new TupleOwners(n);
  const rows = res.rows;
  for (let k = 0; k < n; k++) {
    let lastH = 0;
    let lastG = 0;
    let have = false;
    let prev = -1;
    for (let r = res.firstRow(k); r >= 0; r = res.nextRow(r)) {
      // Most hops carry the inner packet unchanged: equal in every column tupleKey reads, the row's tuple is the
      // previous one's, already counted.
      if (prev >= 0 && rows.sameTuple(prev, r)) continue;
      prev = r;
      const proto = rows.proto(r);
      if (proto === PROTO_ICMP) {
        const t = rows.icmpType(r);
        if (t !== 8 && t !== 0) continue;
        const idSeq = rows.icmpId(r) * 65536 + rows.icmpSeq(r);
        tupleKey(proto, rows.src[r], idSeq, rows.dst[r], idSeq);
      } else if (rows.srcPort(r) >= 0) {
        tupleKey(proto, rows.src[r], rows.srcPort(r), rows.dst[r], rows.dstPort(r));
      } else continue;
      if (have && kh === lastH && kg === lastG) continue;
      have = true;
      lastH = kh;
      lastG = kg;
      const o = owner.getOrSet(kh, kg, k);
      if (o >= 0) {
        const a = find(o);
        const b = find(k);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  }
  const flowOf = new Int32Array(n);
  const idOfRoot = new Int32Array(n).fill(-1);
  const first: number[] = [];
  for (let k = 0; k < n; k++) {
    const root = find(k);
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
