// Phase B's WireGuard pass: a packet encrypted between two nodes (Calico's wireguard.cali, flannel's flannel-wg,
// Cilium's cilium_wg0) is seen in clear before and after, and on the wire only as a transport data message whose
// bytes say nothing of it. Linking gives two journeys: the clear one (its key survives the tunnel) and the
// encrypted one (the same UDP datagram on both nodes' NICs). This pass pairs them by what the sender and the
// receiver did, each on its own clock: encrypted after the clear hop on the sender, decrypted before it on the
// receiver, a message long enough for the packet, in the order WireGuard sends (docs/correlation.md "WireGuard").

import { wireguardCanCarry } from '../decode/wireguard.ts';
import type { NodeClocks } from './clockSkew.ts';
import { F_DUP, type ObservationTable } from './observations.ts';
import type { Ownership } from './ownership.ts';
import type { SegmentTable } from './segments.ts';

/**
 * Encrypted journeys joined to the clear journeys they carried, one pair of nodes each, as columns (a
 * WireGuard-heavy capture has one per packet on the wire: an object each was most of the pass's garbage). Entry i:
 * the clear (inner) journey and the encrypted one (which joins it), the node that encrypted it (from), the encrypted
 * journey's segment on the sender and on the receiver (encX, encY; -1: not captured there), the clear journey's
 * segment the packet was encrypted after (innerX, on the sender) and decrypted into (innerY, on the receiver), or -1,
 * and whether no other clear journey fitted the message (sure: a pair to take the clocks' bounds from).
 */
export class Crossings {
  length = 0;
  inner!: Int32Array;
  enc!: Int32Array;
  from!: Int32Array;
  encX!: Int32Array;
  encY!: Int32Array;
  innerX!: Int32Array;
  innerY!: Int32Array;
  sure!: Uint8Array;

  constructor(capacity = 16) {
    for (const c of CROSSING_COLUMNS) this[c] = new Int32Array(capacity);
    this.sure = new Uint8Array(capacity);
  }

  push(
    inner: number,
    enc: number,
    from: number,
    encX: number,
    encY: number,
    innerX: number,
    innerY: number,
    sure: boolean,
  ): void {
    const i = this.length;
    if (i === this.inner.length) this.grow(i * 2);
    this.inner[i] = inner;
    this.enc[i] = enc;
    this.from[i] = from;
    this.encX[i] = encX;
    this.encY[i] = encY;
    this.innerX[i] = innerX;
    this.innerY[i] = innerY;
    this.sure[i] = sure ? 1 : 0;
    this.length = i + 1;
  }

  /** Appends every entry of `o`. */
  pushAll(o: Crossings): void {
    if (this.length + o.length > this.inner.length)
      this.grow(Math.max(this.inner.length * 2, this.length + o.length));
    const at = this.length;
    const n = o.length;
    for (const c of CROSSING_COLUMNS) this[c].set(o[c].subarray(0, n), at);
    this.sure.set(o.sure.subarray(0, n), at);
    this.length = at + n;
  }

  /** The entries i with keep[i] set, in their order (a new table). */
  kept(keep: Uint8Array): Crossings {
    const out = new Crossings(Math.max(1, this.length));
    for (let i = 0; i < this.length; i++)
      if (keep[i])
        out.push(
          this.inner[i],
          this.enc[i],
          this.from[i],
          this.encX[i],
          this.encY[i],
          this.innerX[i],
          this.innerY[i],
          this.sure[i] === 1,
        );
    return out;
  }

  /** A copy with its journeys numbered anew (number[j]: journey j's new number). */
  renumbered(number: Int32Array): Crossings {
    const out = new Crossings(Math.max(1, this.length));
    out.pushAll(this);
    for (let i = 0; i < out.length; i++) {
      out.inner[i] = number[out.inner[i]];
      out.enc[i] = number[out.enc[i]];
    }
    return out;
  }

  private grow(n: number): void {
    for (const c of CROSSING_COLUMNS) {
      const wider = new Int32Array(n);
      wider.set(this[c]);
      this[c] = wider;
    }
    const sure = new Uint8Array(n);
    sure.set(this.sure);
    this.sure = sure;
  }
}

/** Crossings' Int32 columns (`sure` is a Uint8 one). */
const CROSSING_COLUMNS = ['inner', 'enc', 'from', 'encX', 'encY', 'innerX', 'innerY'] as const;

/** What the pass reads of the linker's journeys (linker.ts LinkScratch and its segment chains). */
export interface JourneyChains {
  count: number;
  jFirst: Int32Array;
  segNext: Int32Array;
  /** Per journey, whether it is gone already (joined another in an earlier pass), or null. */
  gone: Int32Array | null;
}

/**
 * The encrypted messages, as columns (one entry per message: a WireGuard-heavy capture has hundreds of thousands).
 * Per message: its journey, its segment per node (at most two nodes: A, then B, -1 when not seen), the encrypted
 * packet's length (padding included), the message counter (low 32 bits), its corrected first time (the order
 * messages are taken in), and its outer source and destination address and ports.
 */
interface Messages {
  n: number;
  j: Int32Array;
  nodeA: Int32Array;
  segA: Int32Array;
  nodeB: Int32Array;
  segB: Int32Array;
  dataLength: Int32Array;
  counter: Float64Array;
  t: Float64Array;
  src: Uint32Array;
  dst: Uint32Array;
  ports: Uint32Array;
}

/**
 * The encrypted journeys (WireGuard transport data with a packet inside) of the linked journeys, paired with the
 * clear journeys they carried. Pairs only when every side that was captured agrees; an encrypted journey no clear
 * one fits, or whose group cannot be oriented, stays as it is. Cost when no row is WireGuard data: one test of each
 * journey's first row. Otherwise typed arrays throughout (no object per message or per clear segment): a capture
 * that is all WireGuard has one message per packet on the wire.
 */
export function joinWireGuard(
  obs: ObservationTable,
  segs: SegmentTable,
  own: Ownership,
  clock: NodeClocks,
  chains: JourneyChains,
  windowNs: number,
  direction: (a: number, b: number) => number,
): Crossings {
  const { count, jFirst, segNext, gone } = chains;
  const isGone = (j: number): boolean => gone !== null && gone[j] < 0;
  // Journeys whose first row is WireGuard data: never a clear journey, also when not a message between two nodes.
  const isEnc = new Uint8Array(count);
  let encCount = 0;
  for (let j = 0; j < count; j++) {
    if (isGone(j)) continue;
    const r = segs.firstObs[jFirst[j]];
    if (!obs.wireguardData(r) || (obs.flags[r] & F_DUP) !== 0) continue;
    isEnc[j] = 1;
    encCount++;
  }
  if (encCount === 0) return new Crossings(1);
  const m = messagesOf(isEnc, encCount, obs, segs, clock, jFirst, segNext);
  if (m.n === 0) return new Crossings(1);

  // The clear journeys' segments on the nodes messages were seen on, by node then first time (a node's segments
  // are made in its time order, but a late row's segment may not be): every journey that is not WireGuard data
  // and could fit in a message. segJourney: each such segment's journey.
  let maxData = 0;
  const wanted = new Uint8Array(65536);
  for (let i = 0; i < m.n; i++) {
    maxData = Math.max(maxData, m.dataLength[i]);
    wanted[m.nodeA[i]] = 1;
    if (m.nodeB[i] >= 0) wanted[m.nodeB[i]] = 1;
  }
  const segJourney = new Int32Array(segs.length).fill(-1);
  for (let j = 0; j < count; j++) {
    if (isGone(j) || isEnc[j]) continue;
    const len = obs.ipLen(segs.firstObs[jFirst[j]]);
    if (len <= 0 || len > maxData) continue;
    for (let s = jFirst[j]; s >= 0; s = segNext[s]) if (wanted[segs.node[s]]) segJourney[s] = j;
  }
  // In segment order, not journey order: a node's segments are made in its time order, so each node's run below
  // is then in order already (by journeys, a node's runs were not, and sorting them took ~30 ms per million).
  let clearCount = 0;
  const clear = new Int32Array(segs.length);
  for (let s = 0; s < segs.length; s++) if (segJourney[s] >= 0) clear[clearCount++] = s;
  // By node (counting: node n's segments are sorted[nodeFrom[n] .. nodeTo[n])), then by first time within each
  // node, where they are not in that order already (they mostly are: a node's segments are made in its time order).
  const nodeFrom = new Int32Array(65536);
  const nodeTo = new Int32Array(65536);
  for (let i = 0; i < clearCount; i++) nodeTo[segs.node[clear[i]]]++;
  for (let n = 0, at = 0; n < 65536; n++) {
    nodeFrom[n] = at;
    at += nodeTo[n];
    nodeTo[n] = nodeFrom[n];
  }
  const sorted = new Int32Array(clearCount);
  for (let i = 0; i < clearCount; i++) sorted[nodeTo[segs.node[clear[i]]]++] = clear[i];
  const before = (a: number, b: number) =>
    segs.firstT[a] < segs.firstT[b] ? -1 : segs.firstT[a] > segs.firstT[b] ? 1 : a - b;
  for (let n = 0; n < 65536; n++) {
    if (nodeTo[n] - nodeFrom[n] < 2) continue;
    const run = sorted.subarray(nodeFrom[n], nodeTo[n]);
    for (let i = 1; i < run.length; i++)
      if (before(run[i - 1], run[i]) > 0) {
        run.sort(before);
        break;
      }
  }
  const sortedT = new Float64Array(clearCount);
  for (let i = 0; i < clearCount; i++) sortedT[i] = segs.firstT[sorted[i]];

  // Messages one way between two tunnel ends (outer addresses and ports), in the order they were sent (time, then
  // counter, then journey), the groups in the order their first message's journey was found. Each message's
  // tunnel numbered as first found (a lookup per message: a capture has a few tunnels), the messages put by tunnel
  // (counting, found order kept), each tunnel's sorted only where not in order already (journeys are numbered in
  // time order: they mostly are).
  const tunnelOf = new Int32Array(m.n);
  const tunnels = new Map<number, Map<number, Map<number, number>>>();
  let tunnelCount = 0;
  for (let i = 0; i < m.n; i++) {
    let byDst = tunnels.get(m.src[i]);
    if (!byDst) tunnels.set(m.src[i], (byDst = new Map()));
    let byPorts = byDst.get(m.dst[i]);
    if (!byPorts) byDst.set(m.dst[i], (byPorts = new Map()));
    let id = byPorts.get(m.ports[i]);
    if (id === undefined) byPorts.set(m.ports[i], (id = tunnelCount++));
    tunnelOf[i] = id;
  }
  const runFrom = new Int32Array(tunnelCount + 1);
  for (let i = 0; i < m.n; i++) runFrom[tunnelOf[i] + 1]++;
  for (let g = 0; g < tunnelCount; g++) runFrom[g + 1] += runFrom[g];
  const order = new Int32Array(m.n);
  const at = runFrom.slice(0, tunnelCount);
  for (let i = 0; i < m.n; i++) order[at[tunnelOf[i]]++] = i;
  // Comparisons, not differences: a difference of two times is a heap number per call.
  const sent = (a: number, b: number) =>
    m.t[a] < m.t[b]
      ? -1
      : m.t[a] > m.t[b]
        ? 1
        : m.counter[a] < m.counter[b]
          ? -1
          : m.counter[a] > m.counter[b]
            ? 1
            : a - b;
  for (let g = 0; g < tunnelCount; g++) {
    const run = order.subarray(runFrom[g], runFrom[g + 1]);
    for (let i = 1; i < run.length; i++)
      if (sent(run[i - 1], run[i]) > 0) {
        run.sort(sent);
        break;
      }
  }

  const out = new Crossings(m.n);
  const ctx: MatchContext = {
    obs,
    segs,
    jFirst,
    segNext,
    m,
    order,
    sorted,
    sortedT,
    nodeFrom,
    nodeTo,
    segJourney,
    used: new Int32Array(count),
    stamp: 0,
    windowNs,
    direction,
    pick: { best: -1, bestX: -1, bestY: -1, fits: 0 },
  };
  const seen: number[] = [];
  for (let g = 0; g < tunnelCount; g++) {
    const from = runFrom[g];
    const to = runFrom[g + 1];
    const e0 = order[from];
    // The sender owns the outer source address, the receiver the destination (discovered interfaces); one not
    // known is the other node the messages were seen on. Neither known: both ways are tried, and the one that
    // pairs more messages is taken (none on a tie).
    let x = own.nodeOfIp(m.src[e0]);
    let y = own.nodeOfIp(m.dst[e0]);
    seenNodes(m, order, from, to, seen);
    if (x < 0 && y >= 0) x = seen.find((n) => n !== y) ?? -1;
    if (y < 0 && x >= 0) y = seen.find((n) => n !== x) ?? -1;
    if (x >= 0 && y >= 0 && x !== y) {
      matchGroup(from, to, x, y, ctx, out);
      continue;
    }
    if (x >= 0 || y >= 0 || seen.length !== 2) continue;
    const ab = matchGroup(from, to, seen[0], seen[1], ctx, new Crossings());
    const ba = matchGroup(from, to, seen[1], seen[0], ctx, new Crossings());
    if (ab.length !== ba.length) out.pushAll(ab.length > ba.length ? ab : ba);
  }
  return withoutHairpins(out, count);
}

/**
 * The crossings but those of a clear journey crossing one pair of nodes twice the same way (a hairpin), which two
 * groups of one direction could each have taken: neither is kept. Counted per journey first: most cross once.
 */
export function withoutHairpins(out: Crossings, count: number): Crossings {
  const times = new Uint8Array(count);
  let again = false;
  for (let i = 0; i < out.length; i++) {
    const inner = out.inner[i];
    if (times[inner] === 1) again = true;
    if (times[inner] < 2) times[inner]++;
  }
  if (!again) return out;
  // Per (journey, sender) of a journey crossing more than once: how many crossings (a node is below 2^16).
  const key = (i: number) => out.inner[i] * 65536 + out.from[i];
  const taken = new Map<number, number>();
  for (let i = 0; i < out.length; i++)
    if (times[out.inner[i]] > 1) taken.set(key(i), (taken.get(key(i)) ?? 0) + 1);
  const keep = new Uint8Array(out.length);
  for (let i = 0; i < out.length; i++) keep[i] = times[out.inner[i]] === 1 || taken.get(key(i)) === 1 ? 1 : 0;
  return out.kept(keep);
}

/**
 * The messages of the journeys marked in isEnc: those seen on one or two nodes, once on each (the same datagram on
 * one node twice, or on a third node, is not a message between two nodes), with something inside.
 */
function messagesOf(
  isEnc: Uint8Array,
  n: number,
  obs: ObservationTable,
  segs: SegmentTable,
  clock: NodeClocks,
  jFirst: Int32Array,
  segNext: Int32Array,
): Messages {
  const m: Messages = {
    n: 0,
    j: new Int32Array(n),
    nodeA: new Int32Array(n),
    segA: new Int32Array(n),
    nodeB: new Int32Array(n),
    segB: new Int32Array(n),
    dataLength: new Int32Array(n),
    counter: new Float64Array(n),
    t: new Float64Array(n),
    src: new Uint32Array(n),
    dst: new Uint32Array(n),
    ports: new Uint32Array(n),
  };
  next: for (let j = 0; j < isEnc.length; j++) {
    if (!isEnc[j]) continue;
    const r = segs.firstObs[jFirst[j]];
    const dataLength = obs.wireguardDataLength(r);
    if (dataLength <= 0) continue;
    let nodeA = -1;
    let segA = -1;
    let nodeB = -1;
    let segB = -1;
    let t = Infinity;
    for (let s = jFirst[j]; s >= 0; s = segNext[s]) {
      const node = segs.node[s];
      if (node === nodeA || node === nodeB || nodeB >= 0) continue next;
      if (nodeA < 0) {
        nodeA = node;
        segA = s;
      } else {
        nodeB = node;
        segB = s;
      }
      t = Math.min(t, clock.correct(node, segs.firstT[s]));
    }
    const i = m.n++;
    m.j[i] = j;
    m.nodeA[i] = nodeA;
    m.segA[i] = segA;
    m.nodeB[i] = nodeB;
    m.segB[i] = segB;
    m.dataLength[i] = dataLength;
    m.counter[i] = obs.wireguardCounter(r);
    m.t[i] = t;
    m.src[i] = obs.src[r];
    m.dst[i] = obs.dst[r];
    m.ports[i] = obs.srcPort(r) * 65536 + obs.dstPort(r);
  }
  return m;
}

/** The nodes the messages order[from .. to) were seen on, in the order first seen, into `out`. */
function seenNodes(m: Messages, order: Int32Array, from: number, to: number, out: number[]): void {
  out.length = 0;
  for (let i = from; i < to; i++) {
    const e = order[i];
    if (!out.includes(m.nodeA[e])) out.push(m.nodeA[e]);
    if (m.nodeB[e] >= 0 && !out.includes(m.nodeB[e])) out.push(m.nodeB[e]);
  }
}

interface MatchContext {
  obs: ObservationTable;
  segs: SegmentTable;
  jFirst: Int32Array;
  segNext: Int32Array;
  m: Messages;
  order: Int32Array;
  /** The clear segments by node then first time, their first times, and node n's range of them. */
  sorted: Int32Array;
  sortedT: Float64Array;
  nodeFrom: Int32Array;
  nodeTo: Int32Array;
  /** A clear segment's journey. */
  segJourney: Int32Array;
  /** A journey taken in the group being matched: used[j] === stamp (a new stamp per matchGroup). */
  used: Int32Array;
  stamp: number;
  windowNs: number;
  /** linker.ts segmentDirection: -1 when segment a's node saw the packet first, 1 when b's, 0 no evidence. */
  direction: (a: number, b: number) => number;
  /** The message being matched: the first journey that fits, its segments on x and y, and how many fit. */
  pick: { best: number; bestX: number; bestY: number; fits: number };
}

/** The segment of message e on node n, -1 when it was not seen there. */
function segOn(m: Messages, e: number, n: number): number {
  return m.nodeA[e] === n ? m.segA[e] : m.nodeB[e] === n ? m.segB[e] : -1;
}

/** Whether journey j has a segment on node n (a journey passes a node once, or twice for a packet that comes back). */
function isOn(j: number, n: number, ctx: MatchContext): boolean {
  for (let s = ctx.jFirst[j]; s >= 0; s = ctx.segNext[s]) if (ctx.segs.node[s] === n) return true;
  return false;
}

/**
 * The first position in [from, to) of the sorted clear segments whose first time is at or after t (`to` when none),
 * searched from `hint` (in [from, to]) outwards, then by halves: messages come in time order, so the answer is
 * mostly a few positions from the last one (a search over a node's whole range was ~20 steps per message).
 */
export function firstAtOrAfter(
  times: Float64Array,
  from: number,
  to: number,
  t: number,
  hint = from,
): number {
  let lo = from;
  let hi = to;
  if (hint > from && hint <= to && times[hint - 1] >= t) {
    // At or before hint − 1: gallop back until a time before t.
    hi = hint - 1;
    for (let step = 1; ; step *= 2) {
      const at = hi - step;
      if (at < from) break;
      if (times[at] < t) {
        lo = at + 1;
        break;
      }
      hi = at;
    }
  } else if (hint >= from && hint <= to) {
    // At or after hint: gallop forward until a time at or after t.
    lo = hint;
    for (let step = 1; ; step *= 2) {
      const at = lo + step - 1;
      if (at >= to) break;
      if (times[at] >= t) {
        hi = at;
        break;
      }
      lo = at + 1;
    }
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Whether journey j (on x as sx, on y as sy; -1 not found there) fits message e, sent by x to y (captured on x as
 * ex, on y as ey): counted in ctx.pick, the first kept.
 */
function consider(
  e: number,
  ex: number,
  ey: number,
  x: number,
  y: number,
  j: number,
  sx: number,
  sy: number,
  ctx: MatchContext,
): void {
  const pick = ctx.pick;
  if (ctx.used[j] === ctx.stamp || j === pick.best) return;
  if (!wireguardCanCarry(ctx.m.dataLength[e], ctx.obs.ipLen(ctx.segs.firstObs[ctx.jFirst[j]]))) return;
  // A side the message was captured on, where the journey was seen too, must have been the match there.
  if (ex >= 0 && sx < 0 && isOn(j, x, ctx)) return;
  if (ey >= 0 && sy < 0 && isOn(j, y, ctx)) return;
  // Seen on one side only: not a journey that went to (or came from) a third node instead, nor one that its
  // TTLs or addresses say went from y to x (a reply, when only one node's NIC was captured).
  if ((sx < 0 || sy < 0) && (!onlyOn(j, x, y, ctx) || wentBack(j, x, y, ctx))) return;
  pick.fits++;
  if (pick.best < 0) {
    pick.best = j;
    pick.bestX = sx;
    pick.bestY = sy;
  }
}

/** Journey j's segment on y that began within [from, to] (the window after the message reached y), or -1. */
function onYWithin(j: number, y: number, from: number, to: number, ctx: MatchContext): number {
  const { segs } = ctx;
  for (let s = ctx.jFirst[j]; s >= 0; s = ctx.segNext[s])
    if (segs.node[s] === y && segs.firstT[s] >= from && segs.firstT[s] <= to) return s;
  return -1;
}

/**
 * Pairs the messages order[from .. to) of one group, sent by node x to node y, in their order; appends the pairs
 * to `out` and returns it. A clear journey fits a message when it is short enough for it (wireguardCanCarry), was
 * on x within the window before the message left x (when the message was captured on x and the journey seen on x),
 * on y within the window after it reached y (likewise), with at least one of the two seen; a journey seen on a
 * third node only is another peer's, and one seen on one side only must not have gone the other way. The messages
 * are taken in order and each takes the earliest fitting journey after the one the message before it took
 * (WireGuard encrypts a peer's packets in order: FIFO, so two packets of one length in flight are told apart by
 * their order, not by which is nearer). Each journey is taken once per group. Work per message: the clear
 * segments from the previous one's on, until a second journey fits (or the window ends).
 */
function matchGroup(
  from: number,
  to: number,
  x: number,
  y: number,
  ctx: MatchContext,
  out: Crossings,
): Crossings {
  const { segs, windowNs, m, sorted, sortedT, segJourney, pick } = ctx;
  const stamp = ++ctx.stamp;
  const xFrom = ctx.nodeFrom[x];
  const xTo = ctx.nodeTo[x];
  const yFrom = ctx.nodeFrom[y];
  const yTo = ctx.nodeTo[y];
  // The previous message's pair: its clear segments' times on x and on y.
  let prevX = -Infinity;
  let prevY = -Infinity;
  // Where the last searches on x and on y ended (firstAtOrAfter's hints).
  let atX = xFrom;
  let atY = yFrom;
  for (let i = from; i < to; i++) {
    const e = ctx.order[i];
    const ex = segOn(m, e, x);
    const ey = segOn(m, e, y);
    if (ex < 0 && ey < 0) continue;
    const tx = ex >= 0 ? segs.firstT[ex] : NaN;
    const ty = ey >= 0 ? segs.firstT[ey] : NaN;
    pick.best = -1;
    pick.bestX = -1;
    pick.bestY = -1;
    pick.fits = 0;
    // The sender's side first, in its order; a segment lasting longer than a window on one node is not looked at.
    if (ex >= 0) {
      for (
        let k = (atX = firstAtOrAfter(
          sortedT,
          xFrom,
          xTo,
          Math.max(tx - 2 * windowNs, prevX - windowNs),
          atX,
        ));
        k < xTo;
        k++
      ) {
        if (sortedT[k] > tx || pick.fits >= 2) break;
        const s = sorted[k];
        const last = segs.lastT[s];
        if (last < tx - windowNs || last > tx || last < prevX) continue;
        const j = segJourney[s];
        const sy = ey >= 0 ? onYWithin(j, y, Math.max(ty, prevY), ty + windowNs, ctx) : -1;
        consider(e, ex, ey, x, y, j, s, sy, ctx);
      }
    }
    // Then the receiver's, for journeys not seen on the sender (where the message was captured there).
    if (ey >= 0) {
      atY = firstAtOrAfter(sortedT, yFrom, yTo, Math.max(ty, prevY), atY);
      for (let k = atY; k < yTo && pick.fits < 2; k++) {
        if (sortedT[k] > ty + windowNs) break;
        const j = segJourney[sorted[k]];
        if (ex >= 0 && isOn(j, x, ctx)) continue;
        consider(e, ex, ey, x, y, j, -1, sorted[k], ctx);
      }
    }
    const best = pick.best;
    if (best < 0) continue;
    let bestX = pick.bestX;
    let bestY = pick.bestY;
    // A side the message was not captured on: the journey's own segment there (its last on x, first on y).
    if (ex < 0 && bestX < 0) bestX = lastSegOn(best, x, ctx);
    if (ey < 0 && bestY < 0) bestY = firstSegOn(best, y, ctx);
    ctx.used[best] = stamp;
    if (bestX >= 0 && ex >= 0) prevX = segs.lastT[bestX];
    if (bestY >= 0 && ey >= 0) prevY = segs.firstT[bestY];
    out.push(best, m.j[e], x, ex, ey, bestX, bestY, pick.fits === 1);
  }
  return out;
}

/** Journey j's segment on node n that ended last, or -1. */
function lastSegOn(j: number, n: number, ctx: MatchContext): number {
  let a = -1;
  for (let s = ctx.jFirst[j]; s >= 0; s = ctx.segNext[s])
    if (ctx.segs.node[s] === n && (a < 0 || ctx.segs.lastT[s] > ctx.segs.lastT[a])) a = s;
  return a;
}

/** Journey j's segment on node n that began first, or -1. */
function firstSegOn(j: number, n: number, ctx: MatchContext): number {
  let a = -1;
  for (let s = ctx.jFirst[j]; s >= 0; s = ctx.segNext[s])
    if (ctx.segs.node[s] === n && (a < 0 || ctx.segs.firstT[s] < ctx.segs.firstT[a])) a = s;
  return a;
}

/** Whether what journey j's segments on x and y say of its direction (TTL, addresses) is y then x. */
function wentBack(j: number, x: number, y: number, ctx: MatchContext): boolean {
  for (let a = ctx.jFirst[j]; a >= 0; a = ctx.segNext[a]) {
    if (ctx.segs.node[a] !== x) continue;
    for (let b = ctx.jFirst[j]; b >= 0; b = ctx.segNext[b])
      if (ctx.segs.node[b] === y && ctx.direction(a, b) > 0) return true;
  }
  return false;
}

/** Whether journey j was seen on nodes x and y only. */
function onlyOn(j: number, x: number, y: number, ctx: MatchContext): boolean {
  for (let s = ctx.jFirst[j]; s >= 0; s = ctx.segNext[s]) {
    const n = ctx.segs.node[s];
    if (n !== x && n !== y) return false;
  }
  return true;
}
