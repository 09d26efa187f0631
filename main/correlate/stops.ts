// Where a packet stopped: a journey that was not seen on a capture it was expected on next, though that capture was
// running then. Per journey, after linking (never per row while reading); docs/correlation.md "Where a packet stopped".

import { isGroupMac } from './ownership.ts';
import type { CorrelationResult } from './result.ts';

/** How a stopped journey's evidence reads; capture numbers index `CorrelationResult.captures`. */
export interface JourneyStop {
  /** The capture of the journey's last hop: it was not seen after it. */
  after: number;
  /** Captures it was expected on next that were capturing at the time, in path order (never empty). */
  expected: number[];
  /**
   * The other packets of its conversation (same first capture, protocol, addresses, and ports or ICMP type and
   * id): `of` of them besides it, `wentOn` went further along its path, most of them to `next`. Null: not evidence.
   */
  siblings: { wentOn: number; of: number; next: number } | null;
  /** Its destination address (as at the last hop), the pod behind a captured veth the traffic showed it at. */
  destination: { address: string; capture: number } | null;
  /** An ICMP error of the journey's flow (unreachable, need to frag, time exceeded…): its journey index. */
  icmpError: number | null;
}

export interface StopOptions {
  /**
   * How long a capture must have gone on before and after the journey's last hop (by its first and last packets;
   * across nodes, the clocks' uncertainty on top) for the journey's absence there to count: a packet in flight when
   * a capture stopped is not lost, and a capture just started may not see everything yet (1 s).
   */
  edgeNs?: number;
}

export const STOP_EDGE_NS = 1e9;

/** The stopped journeys of a result, by journey index. */
export class JourneyStops {
  constructor(private readonly byJourney: Map<number, JourneyStop>) {}

  get count(): number {
    return this.byJourney.size;
  }

  of(k: number): JourneyStop | null {
    return this.byJourney.get(k) ?? null;
  }

  journeys(): number[] {
    return [...this.byJourney.keys()].sort((a, b) => a - b);
  }
}

const cache = new WeakMap<CorrelationResult, JourneyStops>();

/** findStops(res) once per result (the ladder, the JSON and the exports ask for it journey by journey). */
export function journeyStops(res: CorrelationResult): JourneyStops {
  let s = cache.get(res);
  if (!s) cache.set(res, (s = findStops(res)));
  return s;
}

/** Host sides of pods' veths: Calico's cali*, Cilium's lxc*, AWS's eni*, the bridge CNIs' veth*. */
const POD_SIDE = /^(veth|cali|lxc|eni)/;

// A path (the captures of a journey in order) is hashed prefix by prefix, seeded with its conversation's number,
// into 53 bits: two 32-bit multiplicative hashes. Counts per prefix tell how many of a conversation's journeys
// went at least that far, without comparing paths pairwise (a long TCP connection has many thousands).
function step(h: number, v: number): number {
  const hi = Math.floor(h / 2 ** 21);
  const lo = h % 2 ** 21;
  const a = Math.imul(hi ^ v, 0x9e3779b1) ^ (lo * 31 + v);
  const b = Math.imul(lo ^ (v * 0x85ebca6b), 0xc2b2ae35) + hi;
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) % 2 ** 21);
}

export function findStops(res: CorrelationResult, options: StopOptions = {}): JourneyStops {
  const edgeNs = options.edgeNs ?? STOP_EDGE_NS;
  const rows = res.rows;
  const n = res.journeyCount;
  const out = new Map<number, JourneyStop>();
  if (n === 0) return new JourneyStops(out);
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
  const first = Array.from(firstRaw, (t, c) => (t === Infinity ? t : res.clock.correct(capNode[c], t)));
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
    for (const a of i.addresses) addrNode.set(a, addrNode.has(a) && addrNode.get(a) !== i.node ? '' : i.node);
  }
  const captureOf = new Map(res.captures.map((c, k) => [`${c.node}/${c.iface}`, k]));
  const bridgeOf = res.captures.map((c) => {
    const info = res.interfaces.find((i) => i.node === c.node && i.name === c.iface);
    return info?.master ? (captureOf.get(`${c.node}/${info.master}`) ?? -1) : -1;
  });
  const podSide = res.captures.map((c) => POD_SIDE.test(c.iface) && listed.has(c.node));

  // Pass 1: each journey's path, its conversation, the pods' addresses the traffic shows, the flows' ICMP errors.
  const pathStart = new Int32Array(n + 1);
  const path: number[] = [];
  const lastRow = new Int32Array(n);
  const firstRowOf = new Int32Array(n);
  const conv = new Int32Array(n);
  const convIds = new Map<string, number>();
  const podAt = new Map<number, number>(); // IPv4 address → pod-side capture (-1: more than one)
  const errors = new Map<number, number[]>(); // flow → its ICMP errors' journeys
  const learnPod = (ip: number, c: number): void => {
    const prev = podAt.get(ip);
    podAt.set(ip, prev === undefined || prev === c ? c : -1);
  };
  for (let k = 0; k < n; k++) {
    pathStart[k] = path.length;
    const r0 = res.firstRow(k);
    firstRowOf[k] = r0;
    let last = r0;
    for (let r = r0; r >= 0; r = res.nextRow(r)) {
      path.push(rows.capture[r]);
      last = r;
    }
    lastRow[k] = last;
    if (r0 < 0) continue;
    const proto = rows.proto(r0);
    const type = rows.icmpType(r0);
    const key = `${rows.capture[r0]} ${proto} ${rows.isIpv6(r0) ? 6 : 4} ${rows.src[r0]} ${rows.dst[r0]} ${rows.srcPort(r0)} ${rows.dstPort(r0)} ${type} ${rows.icmpId(r0)}`;
    let id = convIds.get(key);
    if (id === undefined) convIds.set(key, (id = convIds.size));
    conv[k] = id;
    // A pod's address: the source of what leaves it (first hop on its veth, from a MAC no node interface has), the
    // destination of what reaches it (last hop there, to such a MAC).
    const c0 = rows.capture[r0];
    if (podSide[c0] && !rows.isIpv6(r0) && !isNodeMac(rows.ethSrc(r0), nodeMacs)) learnPod(rows.src[r0], c0);
    const cl = rows.capture[last];
    if (podSide[cl] && !rows.isIpv6(last) && !isNodeMac(rows.ethDst(last), nodeMacs))
      learnPod(rows.dst[last], cl);
    if (res.flowCount > 0 && rows.quotesFlow(r0)) {
      const f = res.flowOf[k];
      const list = errors.get(f);
      if (list) list.push(k);
      else errors.set(f, [k]);
    }
  }
  pathStart[n] = path.length;

  // Pass 2: per conversation, how many journeys reached each prefix of a path, how many ended there, and the
  // majority next capture after it (Boyer–Moore's vote, checked by its prefix's count).
  const reached = new Map<number, number>();
  const ended = new Map<number, number>();
  const vote = new Map<number, number>(); // prefix → candidate next capture
  const votes = new Map<number, number>();
  const total = new Map<number, number>(); // conversation → journeys
  const endHash = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    if (firstRowOf[k] < 0) continue;
    total.set(conv[k], (total.get(conv[k]) ?? 0) + 1);
    let h = step(conv[k] + 1, -1);
    for (let i = pathStart[k]; i < pathStart[k + 1]; i++) {
      h = step(h, path[i]);
      reached.set(h, (reached.get(h) ?? 0) + 1);
      if (i + 1 < pathStart[k + 1]) {
        const next = path[i + 1];
        const v = votes.get(h) ?? 0;
        if (v === 0) {
          vote.set(h, next);
          votes.set(h, 1);
        } else votes.set(h, vote.get(h) === next ? v + 1 : v - 1);
      }
    }
    endHash[k] = h;
    ended.set(h, (ended.get(h) ?? 0) + 1);
  }

  // Pass 3: the claims.
  for (let k = 0; k < n; k++) {
    const r0 = firstRowOf[k];
    if (r0 < 0 || res.journeyAmbiguous(k)) continue;
    const rl = lastRow[k];
    // Group-addressed copies fan out and stop where no one listens: nothing to say of them.
    if (isGroupMac(rows.ethDst(rl)) || (!rows.isIpv6(rl) && rows.dst[rl] >>> 28 >= 14)) continue;
    const after = rows.capture[rl];
    const lastNode = capNode[after];
    // Delivered to the node that owns its destination (local delivery crosses no further capture).
    if (!rows.isIpv6(rl) && addrNode.get(rows.dst[rl]) === res.captures[after].node) continue;
    const t = res.correctedT(rl);
    const onPath = new Set(path.slice(pathStart[k], pathStart[k + 1]));
    const capturing = (c: number): boolean => {
      const slack = capNode[c] === lastNode ? 0 : uncertainty[capNode[c]] + uncertainty[lastNode];
      return first[c] + edgeNs + slack <= t && t + edgeNs + slack <= last[c];
    };

    let siblings: JourneyStop['siblings'] = null;
    let expected: number[] = [];
    const h = endHash[k];
    const of = (total.get(conv[k]) ?? 1) - 1;
    const wentOn = (reached.get(h) ?? 0) - (ended.get(h) ?? 0);
    const next = votes.get(h) ? vote.get(h)! : -1;
    if (next >= 0 && wentOn >= 2 && !onPath.has(next)) {
      const toNext = reached.get(step(h, next)) ?? 0;
      if (toNext * 2 > of && toNext >= 2 && capturing(next)) {
        siblings = { wentOn, of, next };
        expected = majorityRest(h, next, vote, votes, reached).filter((c) => !onPath.has(c) && capturing(c));
      }
    }

    let destination: JourneyStop['destination'] = null;
    const pod = rows.isIpv6(rl) ? undefined : podAt.get(rows.dst[rl]);
    if (pod !== undefined && pod >= 0 && !onPath.has(pod) && capturing(pod)) {
      destination = { address: res.rowDst(rl), capture: pod };
      const bridge = bridgeOf[pod];
      for (const c of [bridge, pod])
        if (c >= 0 && !onPath.has(c) && !expected.includes(c) && capturing(c)) expected.push(c);
    }
    if (!siblings && !destination) continue;
    out.set(k, { after, expected, siblings, destination, icmpError: icmpErrorOf(res, k, errors) });
  }
  return new JourneyStops(out);
}

function isNodeMac(mac: number, nodeMacs: Set<number>): boolean {
  return mac < 0 || isGroupMac(mac) || nodeMacs.has(mac);
}

/** The captures most of a conversation's journeys took after a prefix, following the majority to its end. */
function majorityRest(
  h: number,
  next: number,
  vote: Map<number, number>,
  votes: Map<number, number>,
  reached: Map<number, number>,
): number[] {
  const rest: number[] = [];
  for (let c = next; c >= 0 && rest.length < 64;) {
    const before = reached.get(h) ?? 0;
    h = step(h, c);
    // Stop where fewer than half of those that got here went on this way.
    if ((reached.get(h) ?? 0) * 2 <= before && rest.length > 0) break;
    rest.push(c);
    c = votes.get(h) ? vote.get(h)! : -1;
  }
  return rest;
}

/** The ICMP error of journey k's flow nearest after its first hop, if any. */
function icmpErrorOf(res: CorrelationResult, k: number, errors: Map<number, number[]>): number | null {
  if (res.flowCount === 0) return null;
  const list = errors.get(res.flowOf[k]);
  if (!list) return null;
  const t = res.correctedT(res.firstRow(k));
  let best: number | null = null;
  let bestDt = Infinity;
  for (const e of list) {
    const dt = res.correctedT(res.firstRow(e)) - t;
    if (dt >= 0 && dt < bestDt) {
      best = e;
      bestDt = dt;
    }
  }
  return best;
}

/** `node-2/cni0`. */
function captureName(res: CorrelationResult, c: number): string {
  return `${res.captures[c].node}/${res.captures[c].iface}`;
}

/** `a`, `a and b`, `a, b and c`. */
function listed(names: string[]): string {
  return names.length < 2
    ? names.join('')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * A stop in words, as the ladder, the exports and the app say it: the head line (`not seen after node-2/flannel.1,
 * though node-2/cni0 and node-2/veth470beb22 were capturing`) and one line per piece of evidence.
 */
export function stopText(
  res: CorrelationResult,
  k: number,
  s: JourneyStop,
): { head: string; evidence: string[] } {
  const expected = s.expected.map((c) => captureName(res, c));
  const verb = expected.length === 1 ? 'was' : 'were';
  const head = `not seen after ${captureName(res, s.after)}, though ${listed(expected)} ${verb} capturing`;
  const evidence: string[] = [];
  if (s.siblings) {
    const { wentOn, of, next } = s.siblings;
    const r0 = res.firstRow(k);
    evidence.push(
      `${wentOn} of the ${of} other packets ${res.rowTuple(r0)} from ${captureName(res, res.rows.capture[r0])} went on to ${captureName(res, next)}`,
    );
  }
  if (s.destination) {
    evidence.push(
      `${s.destination.address} is the pod behind ${captureName(res, s.destination.capture)} as its other traffic shows; this packet never got there`,
    );
  }
  if (s.icmpError !== null) {
    evidence.push(`ICMP error in its flow, journey ${s.icmpError + 1}: ${res.journeySummary(s.icmpError)}`);
  }
  return { head, evidence };
}

/** A stop as the journeys JSON writes it (docs/journeys-json.md `stop`). */
export function stopJson(res: CorrelationResult, s: JourneyStop): Record<string, unknown> {
  const at = (c: number) => ({ node: res.captures[c].node, iface: res.captures[c].iface });
  return {
    after: at(s.after),
    expected: s.expected.map(at),
    siblings: s.siblings ? { wentOn: s.siblings.wentOn, of: s.siblings.of, next: at(s.siblings.next) } : null,
    destination: s.destination ? { address: s.destination.address, ...at(s.destination.capture) } : null,
    icmpError:
      s.icmpError !== null ? { journey: s.icmpError + 1, summary: res.journeySummary(s.icmpError) } : null,
  };
}
