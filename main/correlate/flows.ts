// Flows: requests and replies paired. Every hop contributes its (proto, endpoints) tuple, orientation-free;
// journeys sharing any tuple are one flow, so a NodePort connection and its DNAT/SNAT'ed twin (whose tuples
// chain through the NAT hop) are one flow. ICMP echo pairs by (addresses, id, seq): one flow per ping.

import { PROTO_ICMP } from '../decode/fields.ts';
import { fmix } from './identity.ts';
import type { CorrelationResult } from './result.ts';

function tupleKey(proto: number, a: number, ap: number, b: number, bp: number): number {
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
  // 53 bits of two 32-bit hashes: a safe-integer Map key.
  return (h & 0x1fffff) * 4294967296 + (g >>> 0);
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
  const owner = new Map<number, number>();
  const rows = res.rows;
  for (let k = 0; k < n; k++) {
    let last = NaN;
    for (let r = res.firstRow(k); r >= 0; r = res.nextRow(r)) {
      const proto = rows.proto[r];
      let key: number;
      if (proto === PROTO_ICMP) {
        const t = rows.icmpType[r];
        if (t !== 8 && t !== 0) continue;
        const idSeq = rows.icmpId[r] * 65536 + rows.icmpSeq[r];
        key = tupleKey(proto, rows.src[r], idSeq, rows.dst[r], idSeq);
      } else if (rows.srcPort[r] >= 0) {
        key = tupleKey(proto, rows.src[r], rows.srcPort[r], rows.dst[r], rows.dstPort[r]);
      } else continue;
      if (key === last) continue;
      last = key;
      const o = owner.get(key);
      if (o === undefined) owner.set(key, k);
      else {
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
