// Where a packet stopped: a journey that was not seen on a capture it was expected on next, though that capture was
// running then. Per journey, after linking (never per row while reading); docs/correlation.md "Where a packet stopped".

import { isGroupMac } from './ownership.ts';
import type { ObservationTable } from './observations.ts';
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

/** The MTU taken for a capture whose interface's is not known (no interface lists). */
const ETHERNET_MTU = 1500;

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
export const POD_SIDE = /^(veth|cali|lxc|eni)/;

// A conversation's fields, then a path (the captures of a journey in order) after them, are hashed step by step
// into 53 bits (two 32-bit multiplicative hashes): paths are told apart, and counted per prefix, without comparing
// them pairwise (a long TCP connection has many thousands of journeys).
export function step(h: number, v: number): number {
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
  const capNode = res.captures.map((_, c) => res.nodeOfCapture(c));

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
  // Each capture's interface in the lists (undefined: not listed).
  const infoOf = res.captures.map((c) => res.interfaces.find((i) => i.node === c.node && i.name === c.iface));
  const bridgeOf = res.captures.map((c, k) => {
    const master = infoOf[k]?.master;
    return master ? (captureOf.get(`${c.node}/${master}`) ?? -1) : -1;
  });
  const podSide = res.captures.map((c) => POD_SIDE.test(c.iface) && listed.has(c.node));
  // What each capture's interface carries whole: its MTU, else Ethernet's.
  const mtu = infoOf.map((info) => info?.mtu ?? ETHERNET_MTU);

  // Pass 1: each journey's first and last rows and its length, the pods' addresses the traffic shows. Each loop is
  // its own function (V8 compiles a long loop while it runs).
  const firstRowOf = new Int32Array(n);
  const lastRow = new Int32Array(n);
  const hops = new Int32Array(n);
  journeyEnds(res, firstRowOf, lastRow, hops);
  const podAt = podSide.includes(true) ? podAddresses(rows, firstRowOf, lastRow, podSide, nodeMacs) : null;
  // The flows' ICMP errors: looked for at the first claim (most correlations make none).
  let errors: Map<number, number[]> | null | undefined;

  // A journey stopped short of its conversation's others only if its path is a strict prefix of theirs, so only a
  // conversation whose journeys' paths differ in length needs its paths compared: nearly none does (nothing stopped
  // short), and the hashing below is done for those only. The first capture is one of a conversation's fields, so
  // journeys from a capture whose journeys all have one length are in no such conversation: not even grouped.
  // The same for a capture and addresses (also among its fields): only journeys whose first capture and addresses
  // are those of journeys of another length are grouped into conversations (the fields read with a call each).
  const mixedCaps = unevenGroups(firstCaptures(rows, firstRowOf), hops, res.captures.length);
  const mixed = mixedCaps ? mixedAddresses(rows, firstRowOf, hops, mixedCaps) : null;
  const convOf = new Int32Array(n).fill(-1);
  const convs = mixed ? conversations(rows, firstRowOf, mixed, convOf) : 0;
  const compared = convs > 0 ? unevenGroups(convOf, hops, convs) : null;

  // Pass 2: each compared journey's path hashed (seeded with its conversation's hash), and per conversation its
  // distinct paths with how many journeys took each: one map lookup per journey.
  const conv = new Float64Array(n); // the conversation's hash, the seed of its paths' prefixes
  const endHash = new Float64Array(n);
  const convCount = new Map<number, number>();
  const pathCount = new Map<number, number>();
  const convPaths = new Map<number, number[]>(); // conversation → a journey of each distinct path
  if (compared) {
    for (let k = 0; k < n; k++) {
      const r0 = firstRowOf[k];
      if (r0 < 0 || convOf[k] < 0 || compared[convOf[k]] === 0) continue;
      conv[k] = conversationHash(rows, r0);
      let h = conv[k];
      for (let r = r0; r >= 0; r = res.nextRow(r)) h = step(h, rows.capture[r]);
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
      for (let r = firstRowOf[k]; r >= 0;) {
        h = step(h, rows.capture[r]);
        slot = prefixes.slot(h);
        prefixes.add(slot, w);
        r = res.nextRow(r);
        if (r >= 0) prefixes.vote(slot, rows.capture[r], w);
      }
      prefixes.end(slot, w);
    }
  }

  // Pass 3: the claims, of the journeys that stopped short of others of their conversation or whose destination is
  // a pod (none, often). When each capture was capturing is asked only of a journey that may have stopped.
  let span: CaptureSpans | null = null;
  for (let k = 0; k < (compared || podAt ? n : 0); k++) {
    const r0 = firstRowOf[k];
    if (r0 < 0) continue;
    const rl = lastRow[k];
    const h = endHash[k];
    const wentOn = compared && convOf[k] >= 0 && compared[convOf[k]] !== 0 ? prefixes.wentOn(h) : 0;
    const pod = podAt === null ? undefined : podAt.get(addressKey(rows, rl, rows.dst[rl]));
    // The last hop on the pod's veth: it got there (most do), no need to look along its path.
    const podMissed = pod !== undefined && pod >= 0 && rows.capture[rl] !== pod && !onPath(res, k, pod);
    // Most journeys went as far as the others of their conversation, or reached their pod: nothing to weigh.
    if (wentOn < 2 && !podMissed) continue;
    if (res.journeyAmbiguous(k)) continue;
    // A TCP segment longer than its interface carries was handed over whole by the stack (TSO/GSO) and is cut on the
    // way: its pieces go on as journeys of their own (where no hop of it joined them), not it.
    if (rows.tcpPayloadLen(rl) >= 0 && rows.ipLen(rl) > mtu[rows.capture[rl]]) continue;
    // Group-addressed copies fan out and stop where no one listens: nothing to say of them.
    if (isGroupMac(rows.ethDst(rl)) || (!rows.isIpv6(rl) && rows.dst[rl] >>> 28 >= 14)) continue;
    const after = rows.capture[rl];
    // Delivered to the node that owns its destination (local delivery crosses no further capture).
    if (!rows.isIpv6(rl) && addrNode.get(rows.dst[rl]) === res.captures[after].node) continue;
    const sp = (span ??= new CaptureSpans(res, capNode));
    const t = res.correctedT(rl);
    const capturing = (c: number): boolean => sp.capturing(c, after, t, edgeNs);

    let siblings: JourneyStop['siblings'] = null;
    let expected: number[] = [];
    const of = convCount.get(conv[k])! - 1;
    const next = prefixes.nextOf(h);
    if (next >= 0 && wentOn >= 2 && !onPath(res, k, next)) {
      const toNext = prefixes.count(step(h, next));
      if (toNext * 2 > of && toNext >= 2 && capturing(next)) {
        siblings = { wentOn, of, next };
        expected = majorityRest(h, next, prefixes).filter((c) => !onPath(res, k, c) && capturing(c));
      }
    }

    let destination: JourneyStop['destination'] = null;
    if (podMissed && capturing(pod)) {
      destination = { address: res.rowDst(rl), capture: pod };
      const bridge = bridgeOf[pod];
      for (const c of [bridge, pod])
        if (c >= 0 && !onPath(res, k, c) && !expected.includes(c) && capturing(c)) expected.push(c);
    }
    if (!siblings && !destination) continue;
    if (errors === undefined) errors = res.flowCount > 0 ? flowErrors(res, firstRowOf) : null;
    out.set(k, { after, expected, siblings, destination, icmpError: icmpErrorOf(res, k, errors) });
  }
  return new JourneyStops(out);
}

/** Each journey's first and last rows (-1 for one without rows) and how many rows its path has. */
function journeyEnds(
  res: CorrelationResult,
  firstRowOf: Int32Array,
  lastRow: Int32Array,
  hops: Int32Array,
): void {
  for (let k = 0; k < firstRowOf.length; k++) {
    const r0 = res.firstRow(k);
    let last = r0;
    let count = 0;
    for (let r = r0; r >= 0; r = res.nextRow(r)) {
      last = r;
      count++;
    }
    firstRowOf[k] = r0;
    lastRow[k] = last;
    hops[k] = count;
  }
}

/** A conversation's fields (of its journeys' first rows): first capture, protocol, addresses, ports, ICMP type and id. */
function sameConversation(rows: ObservationTable, a: number, b: number): boolean {
  return (
    rows.capture[a] === rows.capture[b] &&
    rows.src[a] === rows.src[b] &&
    rows.dst[a] === rows.dst[b] &&
    rows.proto(a) === rows.proto(b) &&
    rows.isIpv6(a) === rows.isIpv6(b) &&
    rows.srcPort(a) === rows.srcPort(b) &&
    rows.dstPort(a) === rows.dstPort(b) &&
    rows.icmpType(a) === rows.icmpType(b) &&
    rows.icmpId(a) === rows.icmpId(b)
  );
}

/** The conversation's fields in 32 bits, for the table below (equal fields, equal hash). */
function conversationKey(rows: ObservationTable, r: number): number {
  let h = Math.imul(rows.capture[r] ^ 0x2545f491, 0x9e3779b1);
  h = Math.imul(h ^ rows.src[r], 0x85ebca6b);
  h = Math.imul(h ^ rows.dst[r], 0xc2b2ae35);
  h = Math.imul(h ^ ((rows.proto(r) << 1) | (rows.isIpv6(r) ? 1 : 0)), 0x9e3779b1);
  h = Math.imul(h ^ ((rows.srcPort(r) << 16) ^ rows.dstPort(r)), 0x85ebca6b);
  h = Math.imul(h ^ ((rows.icmpType(r) << 16) ^ rows.icmpId(r)), 0xc2b2ae35);
  return h ^ (h >>> 15);
}

/** Each journey's first capture (-1 for a journey with no row). */
function firstCaptures(rows: ObservationTable, firstRowOf: Int32Array): Int32Array {
  const capOf = new Int32Array(firstRowOf.length);
  for (let k = 0; k < firstRowOf.length; k++) capOf[k] = firstRowOf[k] < 0 ? -1 : rows.capture[firstRowOf[k]];
  return capOf;
}

/** An open-addressing table's size for `n` keys: a power of two, at least twice as many slots. */
function tableSize(n: number): number {
  let size = 16;
  while (size < n * 2) size *= 2;
  return size;
}

/**
 * Per journey, 1 when it starts on a `mixedCaps` capture, from and to the same addresses as a journey of another
 * length (null: none does): an open-addressing table of (first capture, source, destination).
 */
function mixedAddresses(
  rows: ObservationTable,
  firstRowOf: Int32Array,
  hops: Int32Array,
  mixedCaps: Uint8Array,
): Uint8Array | null {
  const { capture, src, dst } = rows;
  const mask = tableSize(firstRowOf.length) - 1;
  const slotJourney = new Int32Array(mask + 1).fill(-1);
  const slotMixed = new Uint8Array(mask + 1);
  const slotOf = new Int32Array(firstRowOf.length).fill(-1);
  let any = false;
  for (let k = 0; k < firstRowOf.length; k++) {
    const r0 = firstRowOf[k];
    if (r0 < 0 || mixedCaps[capture[r0]] === 0) continue;
    let h = Math.imul(capture[r0] ^ 0x2545f491, 0x9e3779b1);
    h = Math.imul(h ^ src[r0], 0x85ebca6b);
    h = Math.imul(h ^ dst[r0], 0xc2b2ae35);
    let i = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const j = slotJourney[i];
      if (j < 0) {
        slotJourney[i] = k;
        break;
      }
      const r = firstRowOf[j];
      if (capture[r] === capture[r0] && src[r] === src[r0] && dst[r] === dst[r0]) {
        if (hops[j] !== hops[k] && slotMixed[i] === 0) {
          slotMixed[i] = 1;
          any = true;
        }
        break;
      }
      i = (i + 1) & mask;
    }
    slotOf[k] = i;
  }
  if (!any) return null;
  const mixed = new Uint8Array(firstRowOf.length);
  for (let k = 0; k < slotOf.length; k++) if (slotOf[k] >= 0) mixed[k] = slotMixed[slotOf[k]];
  return mixed;
}

/**
 * Numbers the conversations of the `mixed` journeys (convOf[k]; the others keep -1) in an open-addressing table of
 * first journeys; returns how many there are.
 */
function conversations(
  rows: ObservationTable,
  firstRowOf: Int32Array,
  mixed: Uint8Array,
  convOf: Int32Array,
): number {
  const mask = tableSize(firstRowOf.length) - 1;
  const slotJourney = new Int32Array(mask + 1).fill(-1);
  const slotConv = new Int32Array(mask + 1);
  let count = 0;
  for (let k = 0; k < firstRowOf.length; k++) {
    const r0 = firstRowOf[k];
    if (r0 < 0 || mixed[k] === 0) continue;
    let i = conversationKey(rows, r0) & mask;
    for (;;) {
      const j = slotJourney[i];
      if (j < 0) {
        slotJourney[i] = k;
        slotConv[i] = count;
        convOf[k] = count++;
        break;
      }
      if (sameConversation(rows, firstRowOf[j], r0)) {
        convOf[k] = slotConv[i];
        break;
      }
      i = (i + 1) & mask;
    }
  }
  return count;
}

/**
 * Per group (a capture, a conversation: `groupOf` per journey, -1 for none), 1 when its journeys' paths are not all
 * as long (null: none is such).
 */
function unevenGroups(groupOf: Int32Array, hops: Int32Array, groups: number): Uint8Array | null {
  const len = new Int32Array(groups).fill(-1);
  const uneven = new Uint8Array(groups);
  let any = false;
  for (let k = 0; k < groupOf.length; k++) {
    const c = groupOf[k];
    if (c < 0) continue;
    if (len[c] < 0) len[c] = hops[k];
    else if (len[c] !== hops[k] && uneven[c] === 0) {
      uneven[c] = 1;
      any = true;
    }
  }
  return any ? uneven : null;
}

/** The conversation's fields hashed (step): the seed of its paths' prefixes. */
function conversationHash(rows: ObservationTable, r0: number): number {
  let h = step(step(step(1, rows.capture[r0]), rows.proto(r0)), rows.isIpv6(r0) ? 6 : 4);
  h = step(step(h, rows.src[r0]), rows.dst[r0]);
  h = step(step(h, rows.srcPort(r0)), rows.dstPort(r0));
  return step(step(h, rows.icmpType(r0)), rows.icmpId(r0));
}

/**
 * Address (addressKey: IPv4, or an IPv6 address's hash) → the pod-side capture the traffic shows it behind (-1: more
 * than one): the source of what leaves a pod (first hop on its veth, from a MAC no node interface has), the
 * destination of what reaches it (last hop there, to such a MAC).
 */
function podAddresses(
  rows: ObservationTable,
  firstRowOf: Int32Array,
  lastRow: Int32Array,
  podSide: boolean[],
  nodeMacs: Set<number>,
): Map<number, number> {
  const podAt = new Map<number, number>();
  for (let k = 0; k < firstRowOf.length; k++) {
    const r0 = firstRowOf[k];
    if (r0 < 0) continue;
    const c0 = rows.capture[r0];
    if (podSide[c0] && !isNodeMac(rows.ethSrc(r0), nodeMacs))
      learnPod(podAt, addressKey(rows, r0, rows.src[r0]), c0);
    const last = lastRow[k];
    const cl = rows.capture[last];
    if (podSide[cl] && !isNodeMac(rows.ethDst(last), nodeMacs))
      learnPod(podAt, addressKey(rows, last, rows.dst[last]), cl);
  }
  return podAt;
}

/**
 * An address of row r as podAddresses keys it: an IPv4 address as it is, an IPv6 one (the rows keep its 32-bit hash)
 * above 2^32, so that the two never meet.
 */
function addressKey(rows: ObservationTable, r: number, a: number): number {
  return rows.isIpv6(r) ? a + 2 ** 32 : a;
}

function learnPod(podAt: Map<number, number>, ip: number, c: number): void {
  const prev = podAt.get(ip);
  podAt.set(ip, prev === undefined || prev === c ? c : -1);
}

/** Flow → the journeys of its ICMP errors. */
function flowErrors(res: CorrelationResult, firstRowOf: Int32Array): Map<number, number[]> {
  const errors = new Map<number, number[]>();
  for (let k = 0; k < firstRowOf.length; k++) {
    const r0 = firstRowOf[k];
    if (r0 < 0 || !res.rows.quotesFlow(r0)) continue;
    const f = res.flowOf[k];
    const list = errors.get(f);
    if (list) list.push(k);
    else errors.set(f, [k]);
  }
  return errors;
}

/** Whether capture c is on journey k's path. */
function onPath(res: CorrelationResult, k: number, c: number): boolean {
  for (let r = res.firstRow(k); r >= 0; r = res.nextRow(r)) if (res.rows.capture[r] === c) return true;
  return false;
}

/** When each capture was known to be capturing: its first and last packets, on the reference clock. */
class CaptureSpans {
  private readonly first: number[];
  private readonly last: number[];
  private readonly uncertainty: number[];

  constructor(
    res: CorrelationResult,
    private readonly capNode: number[],
  ) {
    const rows = res.rows;
    const nCap = res.captures.length;
    const firstRaw = new Float64Array(nCap).fill(Infinity);
    const lastRaw = new Float64Array(nCap).fill(-Infinity);
    for (let r = 0; r < rows.length; r++) {
      const c = rows.capture[r];
      const t = rows.t[r];
      if (t < firstRaw[c]) firstRaw[c] = t;
      if (t > lastRaw[c]) lastRaw[c] = t;
    }
    // A capture whose kernel dropped packets (session.json's count) may have lost this one: never a witness.
    const lossy = res.captures.map((c) => (res.kernelDrops.get(`${c.node}/${c.iface}`) ?? 0) > 0);
    this.first = Array.from(firstRaw, (t, c) =>
      t === Infinity || lossy[c] ? Infinity : res.clock.correct(capNode[c], t),
    );
    this.last = Array.from(lastRaw, (t, c) => (t === -Infinity ? t : res.clock.correct(capNode[c], t)));
    this.uncertainty = res.nodes.map((name) => {
      const e = res.clocks.find((c) => c.node === name);
      return e ? e.uncertaintyNs : 0;
    });
  }

  /** Whether capture c had gone on `edgeNs` before and after time t of a hop on capture `at` (clocks' slack on top). */
  capturing(c: number, at: number, t: number, edgeNs: number): boolean {
    const node = this.capNode[c];
    const atNode = this.capNode[at];
    const slack = node === atNode ? 0 : this.uncertainty[node] + this.uncertainty[atNode];
    return this.first[c] + edgeNs + slack <= t && t + edgeNs + slack <= this.last[c];
  }
}

export function isNodeMac(mac: number, nodeMacs: Set<number>): boolean {
  return mac < 0 || isGroupMac(mac) || nodeMacs.has(mac);
}

/**
 * Path prefixes (hashed) numbered as they come, with per prefix: how many journeys reached it, how many ended
 * there, and the Boyer–Moore vote for the capture they went to next.
 */
export class Prefixes {
  private readonly slots = new Map<number, number>();
  private readonly reached: number[] = [];
  private readonly ended: number[] = [];
  private readonly candidate: number[] = [];
  private readonly votes: number[] = [];

  /** The prefix's slot, a new one the first time. */
  slot(h: number): number {
    let s = this.slots.get(h);
    if (s === undefined) {
      this.slots.set(h, (s = this.slots.size));
      this.reached.push(0);
      this.ended.push(0);
      this.candidate.push(-1);
      this.votes.push(0);
    }
    return s;
  }

  add(s: number, w: number): void {
    this.reached[s] += w;
  }

  end(s: number, w: number): void {
    this.ended[s] += w;
  }

  /** How many journeys reached the prefix (0 for one never counted). */
  count(h: number): number {
    const s = this.slots.get(h);
    return s === undefined ? 0 : this.reached[s];
  }

  /** How many journeys went past the prefix (0 for one never counted). */
  wentOn(h: number): number {
    const s = this.slots.get(h);
    return s === undefined ? 0 : this.reached[s] - this.ended[s];
  }

  /** The vote's candidate after the prefix, -1 when none (never counted, or the votes cancelled out). */
  nextOf(h: number): number {
    const s = this.slots.get(h);
    return s === undefined || this.votes[s] <= 0 ? -1 : this.candidate[s];
  }

  /** `w` journeys went from the prefix to `next`: Boyer–Moore's majority vote, weighted. */
  vote(s: number, next: number, w: number): void {
    if (this.candidate[s] === next) this.votes[s] += w;
    else if (this.votes[s] >= w) this.votes[s] -= w;
    else {
      this.candidate[s] = next;
      this.votes[s] = w - this.votes[s];
    }
  }
}

/** The captures most of a conversation's journeys took after a prefix, following the majority to its end. */
export function majorityRest(h: number, next: number, prefixes: Prefixes): number[] {
  const rest: number[] = [];
  for (let c = next; c >= 0 && rest.length < 64;) {
    const before = prefixes.count(h);
    h = step(h, c);
    // Stop where fewer than half of those that got here went on this way.
    if (prefixes.count(h) * 2 <= before && rest.length > 0) break;
    rest.push(c);
    c = prefixes.nextOf(h);
  }
  return rest;
}

/** The ICMP error of journey k's flow nearest after its first hop, if any. */
export function icmpErrorOf(
  res: CorrelationResult,
  k: number,
  errors: Map<number, number[]> | null,
): number | null {
  if (errors === null) return null;
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
/** The stop in one line, as the pcapng comment and the CSV's `stop` cell say it: `not seen after …, though … (evidence; …)`. */
export function stopLine(res: CorrelationResult, k: number, s: JourneyStop): string {
  const { head, evidence } = stopText(res, k, s);
  return `${head}${evidence.length ? ` (${evidence.join('; ')})` : ''}`;
}

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
