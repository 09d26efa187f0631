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

/** One encrypted journey joined to the clear journey it carried across one pair of nodes. */
export interface WireGuardCrossing {
  /** The clear (inner) journey and the encrypted one (which joins it), and the node that encrypted it. */
  inner: number;
  enc: number;
  from: number;
  /** The encrypted journey's segment on the sender and on the receiver (-1: not captured there). */
  encX: number;
  encY: number;
  /** The clear journey's segment the packet was encrypted after (sender) and decrypted into (receiver), or -1. */
  innerX: number;
  innerY: number;
  /** No other clear journey fitted the message: a pair to take the clocks' bounds from. */
  sure: boolean;
}

/** What the pass reads of the linker's journeys (linker.ts LinkScratch and its segment chains). */
export interface JourneyChains {
  count: number;
  jFirst: Int32Array;
  segNext: Int32Array;
  /** Per journey, whether it is gone already (joined another in an earlier pass), or null. */
  gone: Int32Array | null;
}

interface Encrypted {
  j: number;
  /** Its segment per node (at most two nodes). */
  nodeA: number;
  segA: number;
  nodeB: number;
  segB: number;
  /** The encrypted packet's length (padding included) and the message counter (low 32 bits). */
  dataLength: number;
  counter: number;
  /** Corrected first time: the order messages are taken in. */
  t: number;
  /** Outer source and destination address, and the owning nodes (-1 not known). */
  src: number;
  dst: number;
  ports: number;
}

/** A clear journey's segment on one node, for the search by time. */
interface ClearSeg {
  seg: number;
  j: number;
  firstT: number;
  lastT: number;
}

/**
 * The encrypted journeys (WireGuard transport data with a packet inside) of the linked journeys, paired with the
 * clear journeys they carried. Pairs only when every side that was captured agrees; an encrypted journey no clear
 * one fits, or whose group cannot be oriented, stays as it is. Cost when no row is WireGuard data: one test of each
 * journey's first row.
 */
export function joinWireGuard(
  obs: ObservationTable,
  segs: SegmentTable,
  own: Ownership,
  clock: NodeClocks,
  chains: JourneyChains,
  windowNs: number,
  direction: (a: number, b: number) => number,
): WireGuardCrossing[] {
  const { count, jFirst, segNext, gone } = chains;
  const isGone = (j: number): boolean => gone !== null && gone[j] < 0;
  const encrypted: Encrypted[] = [];
  const encJourney = new Set<number>();
  for (let j = 0; j < count; j++) {
    if (isGone(j)) continue;
    const r = segs.firstObs[jFirst[j]];
    if (!obs.wireguardData(r) || (obs.flags[r] & F_DUP) !== 0) continue;
    encJourney.add(j);
    const e = encryptedOf(j, r, obs, segs, clock, jFirst, segNext);
    if (e) encrypted.push(e);
  }
  if (encrypted.length === 0) return [];

  // The clear journeys' segments per node, by first time (a node's segments are made in its time order, but a
  // late row's segment may not be). Every journey that is not WireGuard data and could fit in a message.
  let maxData = 0;
  const nodes = new Set<number>();
  for (const e of encrypted) {
    maxData = Math.max(maxData, e.dataLength);
    nodes.add(e.nodeA);
    if (e.nodeB >= 0) nodes.add(e.nodeB);
  }
  const byNode = new Map<number, ClearSeg[]>();
  for (const n of nodes) byNode.set(n, []);
  for (let j = 0; j < count; j++) {
    if (isGone(j) || encJourney.has(j)) continue;
    const r = segs.firstObs[jFirst[j]];
    const len = obs.ipLen(r);
    if (len <= 0 || len > maxData) continue;
    for (let s = jFirst[j]; s >= 0; s = segNext[s]) {
      const list = byNode.get(segs.node[s]);
      if (list) list.push({ seg: s, j, firstT: segs.firstT[s], lastT: segs.lastT[s] });
    }
  }
  for (const list of byNode.values()) list.sort((a, b) => a.firstT - b.firstT || a.seg - b.seg);

  // Messages one way between two tunnel ends (outer addresses and ports), in the order they were sent.
  const groups = new Map<string, Encrypted[]>();
  for (const e of encrypted) {
    const k = `${e.src}>${e.dst}:${e.ports}`;
    const g = groups.get(k);
    if (g) g.push(e);
    else groups.set(k, [e]);
  }
  const out: WireGuardCrossing[] = [];
  const ctx: MatchContext = { obs, segs, jFirst, segNext, byNode, windowNs, direction };
  for (const g of groups.values()) {
    g.sort((a, b) => a.t - b.t || a.counter - b.counter);
    const e0 = g[0];
    // The sender owns the outer source address, the receiver the destination (discovered interfaces); one not
    // known is the other node the messages were seen on. Neither known: both ways are tried, and the one that
    // pairs more messages is taken (none on a tie).
    let x = own.nodeOfIp(e0.src);
    let y = own.nodeOfIp(e0.dst);
    const seen = seenNodes(g);
    if (x < 0 && y >= 0) x = seen.find((n) => n !== y) ?? -1;
    if (y < 0 && x >= 0) y = seen.find((n) => n !== x) ?? -1;
    if (x >= 0 && y >= 0 && x !== y) {
      out.push(...matchGroup(g, x, y, ctx));
      continue;
    }
    if (x >= 0 || y >= 0 || seen.length !== 2) continue;
    const ab = matchGroup(g, seen[0], seen[1], ctx);
    const ba = matchGroup(g, seen[1], seen[0], ctx);
    if (ab.length !== ba.length) out.push(...(ab.length > ba.length ? ab : ba));
  }
  // A clear journey crossing one pair of nodes twice the same way (a hairpin) could be taken by two groups of one
  // direction: keep neither.
  const taken = new Map<string, number>();
  for (const c of out) taken.set(`${c.inner}:${c.from}`, (taken.get(`${c.inner}:${c.from}`) ?? 0) + 1);
  return out.filter((c) => taken.get(`${c.inner}:${c.from}`) === 1);
}

function encryptedOf(
  j: number,
  r: number,
  obs: ObservationTable,
  segs: SegmentTable,
  clock: NodeClocks,
  jFirst: Int32Array,
  segNext: Int32Array,
): Encrypted | null {
  const dataLength = obs.wireguardDataLength(r);
  if (dataLength <= 0) return null;
  const e: Encrypted = {
    j,
    nodeA: -1,
    segA: -1,
    nodeB: -1,
    segB: -1,
    dataLength,
    counter: obs.wireguardCounter(r),
    t: Infinity,
    src: obs.src[r],
    dst: obs.dst[r],
    ports: obs.srcPort(r) * 65536 + obs.dstPort(r),
  };
  for (let s = jFirst[j]; s >= 0; s = segNext[s]) {
    const n = segs.node[s];
    // The same datagram on one node twice, or on a third node: not a message between two nodes.
    if (n === e.nodeA || n === e.nodeB || e.nodeB >= 0) return null;
    if (e.nodeA < 0) {
      e.nodeA = n;
      e.segA = s;
    } else {
      e.nodeB = n;
      e.segB = s;
    }
    e.t = Math.min(e.t, clock.correct(n, segs.firstT[s]));
  }
  return e;
}

function seenNodes(g: readonly Encrypted[]): number[] {
  const s = new Set<number>();
  for (const e of g) {
    s.add(e.nodeA);
    if (e.nodeB >= 0) s.add(e.nodeB);
  }
  return [...s];
}

interface MatchContext {
  obs: ObservationTable;
  segs: SegmentTable;
  jFirst: Int32Array;
  segNext: Int32Array;
  byNode: Map<number, ClearSeg[]>;
  windowNs: number;
  /** linker.ts segmentDirection: -1 when segment a's node saw the packet first, 1 when b's, 0 no evidence. */
  direction: (a: number, b: number) => number;
}

/** The segment of encrypted message e on node n, -1 when it was not seen there. */
function segOn(e: Encrypted, n: number): number {
  return e.nodeA === n ? e.segA : e.nodeB === n ? e.segB : -1;
}

/** Journey j's segments on node n (a journey passes a node once, or twice for a packet that comes back). */
function segmentsOn(j: number, n: number, ctx: MatchContext): number[] {
  const out: number[] = [];
  for (let s = ctx.jFirst[j]; s >= 0; s = ctx.segNext[s]) if (ctx.segs.node[s] === n) out.push(s);
  return out;
}

/** The first position of `list` (by first time) at or after time t. */
function firstAtOrAfter(list: readonly ClearSeg[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].firstT < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Pairs the messages of one group, sent by node x to node y, in their order. A clear journey fits a message when it
 * is short enough for it (wireguardCanCarry), was on x within the window before the message left x (when the message
 * was captured on x and the journey seen on x), on y within the window after it reached y (likewise), with at least
 * one of the two seen; a journey seen on a third node only is another peer's, and one seen on one side only must not
 * have gone the other way. The messages are taken in order and each takes the earliest fitting journey after the one
 * the message before it took (WireGuard encrypts a peer's packets in order: FIFO, so two packets of one length in
 * flight are told apart by their order, not by which is nearer). Each journey is taken once per group. Work per
 * message: the clear segments from the previous one's on, until a second journey fits (or the window ends).
 */
function matchGroup(g: readonly Encrypted[], x: number, y: number, ctx: MatchContext): WireGuardCrossing[] {
  const { obs, segs, windowNs } = ctx;
  const onX = ctx.byNode.get(x) ?? [];
  const onY = ctx.byNode.get(y) ?? [];
  const used = new Set<number>();
  const out: WireGuardCrossing[] = [];
  // The previous message's pair: its clear segments' times on x and on y.
  let prevX = -Infinity;
  let prevY = -Infinity;
  for (const e of g) {
    const ex = segOn(e, x);
    const ey = segOn(e, y);
    if (ex < 0 && ey < 0) continue;
    const tx = ex >= 0 ? segs.firstT[ex] : NaN;
    const ty = ey >= 0 ? segs.firstT[ey] : NaN;
    let best = -1;
    let bestX = -1;
    let bestY = -1;
    let fits = 0;
    /** Whether journey j (on x as sx, on y as sy; -1 not found there) fits e; counts it, keeps the first. */
    const consider = (j: number, sx: number, sy: number): void => {
      if (used.has(j) || j === best) return;
      if (!wireguardCanCarry(e.dataLength, obs.ipLen(segs.firstObs[ctx.jFirst[j]]))) return;
      // A side the message was captured on, where the journey was seen too, must have been the match there.
      if (ex >= 0 && sx < 0 && segmentsOn(j, x, ctx).length > 0) return;
      if (ey >= 0 && sy < 0 && segmentsOn(j, y, ctx).length > 0) return;
      // Seen on one side only: not a journey that went to (or came from) a third node instead, nor one that its
      // TTLs or addresses say went from y to x (a reply, when only one node's NIC was captured).
      if ((sx < 0 || sy < 0) && (!onlyOn(j, x, y, ctx) || wentBack(j, x, y, ctx))) return;
      fits++;
      if (best < 0) {
        best = j;
        bestX = sx;
        bestY = sy;
      }
    };
    /** Journey j's segment on y within the window after the message reached y (after the previous pair's), or -1. */
    const onYAfter = (j: number): number => {
      for (const s of segmentsOn(j, y, ctx))
        if (segs.firstT[s] >= ty && segs.firstT[s] <= ty + windowNs && segs.firstT[s] >= prevY) return s;
      return -1;
    };
    // The sender's side first, in its order; a segment lasting longer than a window on one node is not looked at.
    if (ex >= 0) {
      for (let i = firstAtOrAfter(onX, Math.max(tx - 2 * windowNs, prevX - windowNs)); i < onX.length; i++) {
        const c = onX[i];
        if (c.firstT > tx || fits >= 2) break;
        if (c.lastT < tx - windowNs || c.lastT > tx || c.lastT < prevX) continue;
        consider(c.j, c.seg, ey >= 0 ? onYAfter(c.j) : -1);
      }
    }
    // Then the receiver's, for journeys not seen on the sender (where the message was captured there).
    if (ey >= 0) {
      for (let i = firstAtOrAfter(onY, Math.max(ty, prevY)); i < onY.length && fits < 2; i++) {
        const c = onY[i];
        if (c.firstT > ty + windowNs) break;
        if (ex >= 0 && segmentsOn(c.j, x, ctx).length > 0) continue;
        consider(c.j, -1, c.seg);
      }
    }
    if (best < 0) continue;
    // A side the message was not captured on: the journey's own segment there (its last on x, first on y).
    if (ex < 0 && bestX < 0)
      bestX = segmentsOn(best, x, ctx).reduce((a, s) => (a < 0 || segs.lastT[s] > segs.lastT[a] ? s : a), -1);
    if (ey < 0 && bestY < 0)
      bestY = segmentsOn(best, y, ctx).reduce(
        (a, s) => (a < 0 || segs.firstT[s] < segs.firstT[a] ? s : a),
        -1,
      );
    used.add(best);
    if (bestX >= 0 && ex >= 0) prevX = segs.lastT[bestX];
    if (bestY >= 0 && ey >= 0) prevY = segs.firstT[bestY];
    out.push({
      inner: best,
      enc: e.j,
      from: x,
      encX: ex,
      encY: ey,
      innerX: bestX,
      innerY: bestY,
      sure: fits === 1,
    });
  }
  return out;
}

/** Whether what journey j's segments on x and y say of its direction (TTL, addresses) is y then x. */
function wentBack(j: number, x: number, y: number, ctx: MatchContext): boolean {
  for (const a of segmentsOn(j, x, ctx))
    for (const b of segmentsOn(j, y, ctx)) if (ctx.direction(a, b) > 0) return true;
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
