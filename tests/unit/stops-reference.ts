// The claims of findStops (main/correlate/stops.ts) as it was written first, at 22ee485, kept (but for returning the
// map itself, and the rules added since to both) as the oracle the faster findStops is compared with
// (correlate-stops-same.test.ts): every journey's path copied and hashed, per conversation, in two passes over all of
// them. What the faster version did not change is shared with it: the path hash (step), the prefixes' counts and
// majority vote (Prefixes, majorityRest), node MACs, pod-side names and the ICMP error lookup.
import { isGroupMac } from '../../main/correlate/ownership.ts';
import type { CorrelationResult } from '../../main/correlate/result.ts';
import {
  icmpErrorOf,
  isNodeMac,
  majorityRest,
  POD_SIDE,
  Prefixes,
  step,
  STOP_EDGE_NS,
  type JourneyStop,
  type StopOptions,
} from '../../main/correlate/stops.ts';

export function referenceStops(res: CorrelationResult, options: StopOptions = {}): Map<number, JourneyStop> {
  const edgeNs = options.edgeNs ?? STOP_EDGE_NS;
  const rows = res.rows;
  const n = res.journeyCount;
  const out = new Map<number, JourneyStop>();
  if (n === 0) return out;
  const nCap = res.captures.length;

  // Each capture's first and last packet, on the reference clock: when it was known to be capturing.
  const firstRaw = new Float64Array(nCap).fill(Infinity);
  const lastRaw = new Float64Array(nCap).fill(-Infinity);
  for (let r = 0; r < rows.length; r++) {
    const c = rows.capture[r];
    const t = rows.t[r];
    if (t < firstRaw[c]) firstRaw[c] = t;
    if (t > lastRaw[c]) lastRaw[c] = t;
  }
  const capNode = res.captures.map((_, c) => res.nodeOfCapture(c));
  // A capture whose kernel dropped packets (session.json's count) may have lost this one: never a witness.
  const lossy = res.captures.map((c) => (res.kernelDrops.get(`${c.node}/${c.iface}`) ?? 0) > 0);
  const first = Array.from(firstRaw, (t, c) =>
    t === Infinity || lossy[c] ? Infinity : res.clock.correct(capNode[c], t),
  );
  const last = Array.from(lastRaw, (t, c) => (t === -Infinity ? t : res.clock.correct(capNode[c], t)));
  const uncertainty = res.nodes.map((name) => {
    const e = res.clocks.find((c) => c.node === name);
    return e ? e.uncertaintyNs : 0;
  });

  // What the nodes' interface lists say: MACs of node interfaces, the node owning an address, bridge masters.
  const nodeMacs = new Set<number>();
  const addrNode = new Map<number, string>();
  const listed = new Set<string>();
  for (const i of res.interfaces) {
    listed.add(i.node);
    if (i.mac >= 0) nodeMacs.add(i.mac);
    for (const a of i.addresses) {
      // An address two nodes have (a shared VIP) is no one's: ''.
      const prev = addrNode.get(a);
      addrNode.set(a, prev === undefined || prev === i.node ? i.node : '');
    }
  }
  const captureOf = new Map(res.captures.map((c, k) => [`${c.node}/${c.iface}`, k]));
  const bridgeOf = res.captures.map((c) => {
    const info = res.interfaces.find((i) => i.node === c.node && i.name === c.iface);
    return info?.master ? (captureOf.get(`${c.node}/${info.master}`) ?? -1) : -1;
  });
  const podSide = res.captures.map((c) => POD_SIDE.test(c.iface) && listed.has(c.node));
  const mtu = res.captures.map(
    (c) => res.interfaces.find((i) => i.node === c.node && i.name === c.iface)?.mtu ?? 1500,
  );

  // Pass 1: each journey's path, its conversation, the pods' addresses the traffic shows, the flows' ICMP errors.
  const pathStart = new Int32Array(n + 1);
  const path = new Int32Array(rows.length); // every journey's captures, one after another (a row is on one path)
  let pathEnd = 0;
  const lastRow = new Int32Array(n);
  const firstRowOf = new Int32Array(n);
  const conv = new Float64Array(n); // the conversation's hash, the seed of its paths' prefixes
  const podAt = new Map<number, number>(); // address (IPv6: hash + 2^32) → pod-side capture (-1: more than one)
  const errors = new Map<number, number[]>(); // flow → its ICMP errors' journeys
  const learnPod = (ip: number, c: number): void => {
    const prev = podAt.get(ip);
    podAt.set(ip, prev === undefined || prev === c ? c : -1);
  };
  for (let k = 0; k < n; k++) {
    pathStart[k] = pathEnd;
    const r0 = res.firstRow(k);
    firstRowOf[k] = r0;
    let last = r0;
    for (let r = r0; r >= 0; r = res.nextRow(r)) {
      path[pathEnd++] = rows.capture[r];
      last = r;
    }
    lastRow[k] = last;
    if (r0 < 0) continue;
    const c0 = rows.capture[r0];
    let h = step(step(step(1, c0), rows.proto(r0)), rows.isIpv6(r0) ? 6 : 4);
    h = step(step(h, rows.src[r0]), rows.dst[r0]);
    h = step(step(h, rows.srcPort(r0)), rows.dstPort(r0));
    conv[k] = step(step(h, rows.icmpType(r0)), rows.icmpId(r0));
    // A pod's address: the source of what leaves it (first hop on its veth, from a MAC no node interface has), the
    // destination of what reaches it (last hop there, to such a MAC).
    // IPv6 addresses (the rows' 32-bit hashes) above 2^32 (added in the twenty-fifth session to both versions).
    const key = (r: number, a: number) => (rows.isIpv6(r) ? a + 2 ** 32 : a);
    if (podSide[c0] && !isNodeMac(rows.ethSrc(r0), nodeMacs)) learnPod(key(r0, rows.src[r0]), c0);
    const cl = rows.capture[last];
    if (podSide[cl] && !isNodeMac(rows.ethDst(last), nodeMacs)) learnPod(key(last, rows.dst[last]), cl);
    if (res.flowCount > 0 && rows.quotesFlow(r0)) {
      const f = res.flowOf[k];
      const list = errors.get(f);
      if (list) list.push(k);
      else errors.set(f, [k]);
    }
  }
  pathStart[n] = pathEnd;

  // Pass 2: each journey's path hashed (seeded with its conversation's hash), and per conversation its distinct
  // paths with how many journeys took each: one map lookup per journey. Nearly every conversation has one path
  // (nothing stopped short), and nothing more is done for it.
  const endHash = new Float64Array(n);
  const convCount = new Map<number, number>();
  const pathCount = new Map<number, number>();
  const convPaths = new Map<number, number[]>(); // conversation → a journey of each distinct path
  for (let k = 0; k < n; k++) {
    if (firstRowOf[k] < 0) continue;
    let h = conv[k];
    for (let i = pathStart[k]; i < pathStart[k + 1]; i++) h = step(h, path[i]);
    endHash[k] = h;
    convCount.set(conv[k], (convCount.get(conv[k]) ?? 0) + 1);
    const seen = pathCount.get(h);
    pathCount.set(h, (seen ?? 0) + 1);
    if (seen === undefined) {
      const list = convPaths.get(conv[k]);
      if (list) list.push(k);
      else convPaths.set(conv[k], [k]);
    }
  }
  // Then, for conversations whose journeys took more than one path: how many reached each prefix of a path (the
  // conversation's own hash: all of them), how many ended there, and the majority next capture after it
  // (Boyer–Moore's vote, weighted by each path's journeys, checked by its prefix's count).
  const prefixes = new Prefixes();
  for (const [c, reps] of convPaths) {
    if (reps.length < 2) continue;
    prefixes.add(prefixes.slot(c), convCount.get(c)!);
    for (const k of reps) {
      const w = pathCount.get(endHash[k])!;
      let h = conv[k];
      let slot = -1;
      for (let i = pathStart[k]; i < pathStart[k + 1]; i++) {
        h = step(h, path[i]);
        slot = prefixes.slot(h);
        prefixes.add(slot, w);
        if (i + 1 < pathStart[k + 1]) prefixes.vote(slot, path[i + 1], w);
      }
      prefixes.end(slot, w);
    }
  }
  const onPath = (k: number, c: number): boolean => {
    for (let i = pathStart[k]; i < pathStart[k + 1]; i++) if (path[i] === c) return true;
    return false;
  };

  // Pass 3: the claims.
  for (let k = 0; k < n; k++) {
    const r0 = firstRowOf[k];
    if (r0 < 0) continue;
    const rl = lastRow[k];
    const h = endHash[k];
    const wentOn = prefixes.wentOn(h);
    const pod = podAt.get(rows.isIpv6(rl) ? rows.dst[rl] + 2 ** 32 : rows.dst[rl]);
    const podMissed = pod !== undefined && pod >= 0 && !onPath(k, pod);
    // Most journeys went as far as the others of their conversation, or reached their pod: nothing to weigh.
    if (wentOn < 2 && !podMissed) continue;
    if (res.journeyAmbiguous(k)) continue;
    // A TCP segment longer than its interface carries (TSO/GSO) goes on as pieces (added in the twenty-fifth
    // session to both versions).
    if (rows.tcpPayloadLen(rl) >= 0 && rows.ipLen(rl) > mtu[rows.capture[rl]]) continue;
    // Group-addressed copies fan out and stop where no one listens: nothing to say of them.
    if (isGroupMac(rows.ethDst(rl)) || (!rows.isIpv6(rl) && rows.dst[rl] >>> 28 >= 14)) continue;
    const after = rows.capture[rl];
    const lastNode = capNode[after];
    // Delivered to the node that owns its destination (local delivery crosses no further capture).
    if (!rows.isIpv6(rl) && addrNode.get(rows.dst[rl]) === res.captures[after].node) continue;
    const t = res.correctedT(rl);
    const capturing = (c: number): boolean => {
      const slack = capNode[c] === lastNode ? 0 : uncertainty[capNode[c]] + uncertainty[lastNode];
      return first[c] + edgeNs + slack <= t && t + edgeNs + slack <= last[c];
    };

    let siblings: JourneyStop['siblings'] = null;
    let expected: number[] = [];
    const of = convCount.get(conv[k])! - 1;
    const next = prefixes.nextOf(h);
    if (next >= 0 && wentOn >= 2 && !onPath(k, next)) {
      const toNext = prefixes.count(step(h, next));
      if (toNext * 2 > of && toNext >= 2 && capturing(next)) {
        siblings = { wentOn, of, next };
        expected = majorityRest(h, next, prefixes).filter((c) => !onPath(k, c) && capturing(c));
      }
    }

    let destination: JourneyStop['destination'] = null;
    if (podMissed && capturing(pod)) {
      destination = { address: res.rowDst(rl), capture: pod };
      const bridge = bridgeOf[pod];
      for (const c of [bridge, pod])
        if (c >= 0 && !onPath(k, c) && !expected.includes(c) && capturing(c)) expected.push(c);
    }
    if (!siblings && !destination) continue;
    out.set(k, {
      after,
      expected,
      siblings,
      destination,
      icmpError: icmpErrorOf(res, k, res.flowCount > 0 ? errors : null),
    });
  }
  return out;
}
