// Phase A: group one node's observations of the same packet into a segment. Rows arrive in the node's time
// order (one clock, so no skew question). Rules, in order:
//  - same key and compatible tail within localWindowNs of the segment → candidate;
//  - a higher TTL than a row of the candidate seen clearly earlier (on any lane) is another packet;
//  - the candidate already holds a row on the same capture with identical headers: within dupWindowNs it is
//    a duplicated frame (kept, flagged, not a hop); later it is a retransmission (a new packet: new segment);
//  - the same capture with addresses and ports swapped is the packet's echo going back (a new packet);
//  - the same capture with a different inner state (TTL, addresses, ports) is a legitimate revisit (routed
//    back out the same bridge after DNAT): it is a hop;
//  - the same capture with the same inner state, seen plain and in a tunnel, is a hop when consistent (a VXLAN
//    copy's inner Ethernet is the plain frame's MACs), else another host's packet;
//  - the same capture with the same inner state and only other MACs or tunnel fields is a hop within
//    dupWindowNs, later another packet (identical MLD/NDP reports repeat tens of ms apart, with no IP id).
//  - a row received from another node, with a lower TTL than a row of the candidate that this node sent to
//    another node, is the packet coming back (node-1's pod to node-2's NodePort, DNAT'ed to a pod on node-1):
//    a new segment, which records the one it returns to (SegmentTable.returnOf) so that the linker puts both in
//    one journey with the other node's segment between them. Who owns a MAC or an outer address comes from the
//    discovered interfaces; without them the return stays a revisit of the first segment.

import {
  E_DST,
  E_INNER_DST,
  E_INNER_SRC,
  E_SRC,
  F_ARP,
  F_ETH,
  F_KEYED,
  type ObservationTable,
} from './observations.ts';
import type { Ownership } from './ownership.ts';
import { SegmentTable } from './segments.ts';
import { WindowedKeyTable } from './keyTable.ts';

export interface GrouperOptions {
  localWindowNs: number;
  dupWindowNs: number;
}

export class NodeGrouper {
  private readonly table: WindowedKeyTable;
  constructor(
    private readonly node: number,
    private readonly obs: ObservationTable,
    private readonly segs: SegmentTable,
    private readonly opts: GrouperOptions,
    /** Who owns which MAC and address (the discovered interfaces), null when none are known. */
    private readonly ownership: () => Ownership | null = () => null,
  ) {
    this.table = new WindowedKeyTable(segs.keys, opts.localWindowNs);
  }

  /** Adds row `o` (must be this node's, in time order). */
  add(o: number): void {
    const obs = this.obs;
    const fl = obs.flags[o];
    if ((fl & F_KEYED) === 0 || (fl & F_ARP) !== 0) return;
    const segs = this.segs;
    const hi = obs.keyHiOf(o);
    const lo = obs.keyLoOf(o);
    const t = obs.t[o];
    const head = this.table.get(hi, lo);
    const cutoff = t - this.opts.localWindowNs;
    // The newest segment that can take the row, unless an older one holds a row with the same addresses and
    // ports (ICMP id) and the newest does not: with two packets of one key in flight, a row joins the one it needs
    // no NAT to be. (Only looked at when there are two: one candidate is the rule.)
    let first = -1;
    let returned = -1;
    for (let s = head; s >= 0 && segs.lastT[s] >= cutoff; s = segs.prevSameKey[s]) {
      if (segs.node[s] !== this.node || !segs.tailCompatible(s, o, obs)) continue;
      if (this.returns(s, o)) {
        if (returned < 0) returned = s;
        continue;
      }
      const verdict = this.conflict(s, o);
      if (first >= 0) {
        if (verdict !== CONFLICT_NONE) continue;
        if (this.holdsEnds(first, o)) break;
        if (!this.holdsEnds(s, o)) continue;
        segs.attach(s, o, obs);
        return;
      }
      if (verdict === CONFLICT_NONE) {
        first = s;
        continue;
      }
      if (verdict === CONFLICT_DUP) {
        segs.duplicate(s, o, obs);
        return;
      }
      // A retransmission of this packet: try older segments, else start a new one.
    }
    if (first >= 0) {
      segs.attach(first, o, obs);
      return;
    }
    const s = segs.create(this.node, o, obs, head);
    segs.returnOf[s] = returned;
    this.table.set(s);
  }

  /**
   * Whether row `o` is segment `s`'s packet back from another node: `o` came from another node with a lower TTL
   * than a row of `s` that this node sent to another node (then that node routed it back).
   */
  private returns(s: number, o: number): boolean {
    const obs = this.obs;
    const ttl = obs.ttl(o);
    // The cheap test first: a packet back from a router has a lower TTL than any row of its first pass here.
    if (ttl < 0 || ttl >= this.segs.minTtl[s]) return false;
    const own = this.ownership();
    if (!own || !this.otherNode(own, obs.ethSrc(o), o, E_SRC)) return false;
    for (let r = this.segs.firstObs[s]; r >= 0; r = obs.nextInSegment[r])
      if (obs.t[r] <= obs.t[o] && obs.ttl(r) > ttl && this.otherNode(own, obs.ethDst(r), r, E_DST))
        return true;
    return false;
  }

  /** Whether the MAC (or, tunnelled, the outer address `field`) of row `r` belongs to another known node. */
  private otherNode(own: Ownership, mac: number, r: number, field: number): boolean {
    const obs = this.obs;
    if (mac >= 0) {
      const n = own.nodeOfMac(mac);
      if (n >= 0 && n !== this.node) return true;
    }
    if (obs.encapCount[r] > 0) {
      const n = own.nodeOfIp(obs.encap(r, field));
      if (n >= 0 && n !== this.node) return true;
    }
    return false;
  }

  private conflict(s: number, o: number): number {
    const obs = this.obs;
    const cap = obs.capture[o];
    const dup = this.opts.dupWindowNs;
    const ttl = obs.ttl(o);
    // Only when some row of the segment has a lower TTL (the rule, TTLs falling along the path, skips the check).
    const above = ttl > this.segs.minTtl[s];
    for (let r = this.segs.firstObs[s]; r >= 0; r = obs.nextInSegment[r]) {
      // A TTL never grows along a path: a row with a higher TTL than one seen clearly before it is another
      // packet with the same key (two pods' echoes whose IP ids met), on any lane of the node.
      if (above && ttl > obs.ttl(r) && obs.t[o] - obs.t[r] > TTL_ORDER_SLACK_NS && obs.ttl(r) >= 0)
        return CONFLICT_RETRANS;
      if (obs.capture[r] !== cap) continue;
      const late = obs.t[o] - obs.t[r] > dup;
      if (obs.sameHeaders(r, o)) return late ? CONFLICT_RETRANS : CONFLICT_DUP;
      // The answer of an echo (UDP echo, a probe answered with its own bytes): the same key when nothing
      // numbers the packets (IPv6 has no IP id), but back the other way; no NAT swaps both ends.
      if (obs.reversedTuple(r, o)) return CONFLICT_RETRANS;
      if (!obs.sameInner(r, o)) continue; // routed (TTL) or NAT'ed since: a real revisit of this lane
      // Same inner packet state, other outer headers. Tunnelled or untunnelled in between (`-i any` sees a
      // packet on tunl0 and then in IPIP on ens33, after an ARP wait of a few ms): a hop when consistent, i.e.
      // a VXLAN copy's inner Ethernet is the plain frame's MACs; other MACs are another host's packet.
      if ((obs.encapCount[r] === 0) !== (obs.encapCount[o] === 0)) {
        if (!this.bridgedCopy(r, o)) return CONFLICT_RETRANS;
        continue;
      }
      // Only MACs or tunnel fields differ: later than the duplicate window nothing processed it in between, a
      // new packet (identical MLD reports and NDP solicitations repeat tens of ms apart, with no IP id).
      if (late) return CONFLICT_RETRANS;
    }
    return CONFLICT_NONE;
  }

  /** Whether segment `s` holds a row with the addresses and ports (ICMP id) of row `o`. */
  private holdsEnds(s: number, o: number): boolean {
    const obs = this.obs;
    for (let r = this.segs.firstObs[s]; r >= 0; r = obs.nextInSegment[r]) if (obs.sameEnds(r, o)) return true;
    return false;
  }

  /** Whether a tunnelled row can be a plain row of the same lane carried in (or out of) its tunnel. */
  private bridgedCopy(a: number, b: number): boolean {
    const obs = this.obs;
    const plain = obs.encapCount[a] === 0 ? a : b;
    const tun = plain === a ? b : a;
    if ((obs.flags[plain] & F_ETH) === 0) return true;
    const is = obs.encap(tun, E_INNER_SRC);
    if (is < 0) return true;
    return is === obs.ethSrc(plain) && obs.encap(tun, E_INNER_DST) === obs.ethDst(plain);
  }
}

/**
 * How much later than a lower-TTL row a higher-TTL row of the same packet may be timestamped: one node's lanes
 * see a packet in path order, often in the same nanosecond (the timestamp is the receive time until a forward).
 */
const TTL_ORDER_SLACK_NS = 20_000;

const CONFLICT_NONE = 0;
const CONFLICT_DUP = 1;
const CONFLICT_RETRANS = 2;
