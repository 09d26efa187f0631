// Phase A: group one node's observations of the same packet into a segment. Rows arrive in the node's time
// order (one clock, so no skew question). Rules, in order:
//  - same key and compatible tail within localWindowNs of the segment → candidate;
//  - the candidate already holds a row on the same capture with identical headers: within dupWindowNs it is
//    a duplicated frame (kept, flagged, not a hop); later it is a retransmission (a new packet: new segment);
//  - the same capture with different headers is a legitimate revisit (routed back out the same bridge after
//    DNAT, TTL and MACs changed): it is a hop.

import { F_ARP, F_KEYED, type ObservationTable } from './observations.ts';
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
  ) {
    this.table = new WindowedKeyTable(segs, (s) => segs.lastT[s], opts.localWindowNs);
  }

  /** Adds row `o` (must be this node's, in time order). */
  add(o: number): void {
    const obs = this.obs;
    const fl = obs.flags[o];
    if ((fl & F_KEYED) === 0 || (fl & F_ARP) !== 0) return;
    const segs = this.segs;
    const hi = obs.keyHi[o];
    const lo = obs.keyLo[o];
    const t = obs.t[o];
    const head = this.table.get(hi, lo);
    const cutoff = t - this.opts.localWindowNs;
    for (let s = head; s >= 0 && segs.lastT[s] >= cutoff; s = segs.prevSameKey[s]) {
      if (segs.node[s] !== this.node || !segs.tailCompatible(s, o, obs)) continue;
      const verdict = this.conflict(s, o);
      if (verdict === CONFLICT_NONE) {
        segs.attach(s, o, obs);
        return;
      }
      if (verdict === CONFLICT_DUP) {
        segs.duplicate(s, o, obs);
        return;
      }
      // A retransmission of this packet: try older segments, else start a new one.
    }
    const s = segs.create(this.node, o, obs, head);
    this.table.set(s, t);
  }

  private conflict(s: number, o: number): number {
    const obs = this.obs;
    const cap = obs.capture[o];
    for (let r = this.segs.firstObs[s]; r >= 0; r = obs.nextInSegment[r]) {
      if (obs.capture[r] !== cap || !obs.sameHeaders(r, o)) continue;
      return obs.t[o] - obs.t[r] <= this.opts.dupWindowNs ? CONFLICT_DUP : CONFLICT_RETRANS;
    }
    return CONFLICT_NONE;
  }
}

const CONFLICT_NONE = 0;
const CONFLICT_DUP = 1;
const CONFLICT_RETRANS = 2;
