// Flows two ways (main/correlate/flows.ts computeFlows): from the rows' flow tuple hashes, computed as rows are
// read and visited in row order, and by walking each journey's path (a live table keeps no hashes: the
// published row store). The same flows on every lab capture, NAT'ed connections included.

import { readdirSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { Correlator } from '../../main/correlate/correlator.ts';
import { M_FLOW, ObservationTable } from '../../main/correlate/observations.ts';
import { decodeFields } from '../../main/decode/index.ts';
import { FIXTURES, fixtureFiles, loadLanes } from './correlate-helpers.ts';

const SCENARIOS = readdirSync(FIXTURES).filter(
  (d) => !d.includes('.') && readdirSync(path.join(FIXTURES, d)).some((f) => f.endsWith('.pcap')),
);

function correlate(scenario: string, obs?: ObservationTable) {
  const { lanes, interfaces } = loadLanes(fixtureFiles(scenario));
  const c = new Correlator({}, decodeFields, obs);
  c.setInterfaces(interfaces);
  lanes.forEach((l) => {
    const cap = c.addCapture({ node: l.node, iface: l.iface, linkType: l.linkType });
    for (const r of l.records) c.pushFrame(cap, r.offset, r.sec, r.nsec, r.origLen, r.data);
  });
  return c.result();
}

/** An Ethernet + IPv4 + UDP frame (checksums left 0: nothing here checks them). */
function udpFrame(id: number, src: string, sport: number, dst: string, dport: number): Uint8Array {
  const b = new Uint8Array(14 + 20 + 8 + 16);
  const dv = new DataView(b.buffer);
  b.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1], 0);
  dv.setUint16(12, 0x0800);
  b[14] = 0x45;
  dv.setUint16(16, 20 + 8 + 16);
  dv.setUint16(18, id);
  b[22] = 64;
  b[23] = 17;
  b.set(src.split('.').map(Number), 26);
  b.set(dst.split('.').map(Number), 30);
  dv.setUint16(34, sport);
  dv.setUint16(36, dport);
  dv.setUint16(38, 8 + 16);
  b.fill(id & 0xff, 42);
  return b;
}

describe('flows from the rows’ tuple hashes and from the journeys’ paths', () => {
  it('join a journey’s second tuple (after DNAT) to a later journey that has only that one', () => {
    // One node: a datagram to a service address on eth0, DNAT'ed to a pod on eth1 (one journey, two tuples),
    // then the pod's answer seen on eth1 only (one tuple: the DNAT'ed one). One flow, whichever tuple a journey's
    // first row in row order carries.
    for (const obs of [undefined, ObservationTable.published()]) {
      const c = new Correlator({}, decodeFields, obs);
      const eth0 = c.addCapture({ node: 'n1', iface: 'eth0', linkType: 1 });
      const eth1 = c.addCapture({ node: 'n1', iface: 'eth1', linkType: 1 });
      const push = (cap: number, nsec: number, f: Uint8Array) =>
        c.pushFrame(cap, 0, 1_700_000_000, nsec, f.length, f);
      push(eth0, 0, udpFrame(100, '10.0.0.1', 1000, '10.96.0.9', 80));
      push(eth1, 10_000, udpFrame(100, '10.0.0.1', 1000, '10.1.1.1', 8080));
      push(eth1, 1_000_000, udpFrame(200, '10.1.1.1', 8080, '10.0.0.1', 1000));
      const res = c.result();
      expect(res.journeyCount).toBe(2);
      expect(res.journeyRows(0)).toHaveLength(2);
      expect(res.flowCount).toBe(1);
    }
  });

  it('are the same on every lab capture', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(9);
    let natJourneys = 0;
    for (const scenario of SCENARIOS) {
      const fast = correlate(scenario);
      const walked = correlate(scenario, ObservationTable.published());
      expect([fast.rows.flowTuples, walked.rows.flowTuples]).toEqual([true, false]);
      expect(walked.journeyCount, scenario).toBe(fast.journeyCount);
      expect(fast.flowCount, scenario).toBe(walked.flowCount);
      expect(Array.from(fast.flowOf), scenario).toEqual(Array.from(walked.flowOf));
      expect(Array.from(fast.flowFirst), scenario).toEqual(Array.from(walked.flowFirst));
      if (fast.journeyCount > 0) expect(fast.flowCount, scenario).toBeGreaterThan(0);
      // Journeys whose rows carry two tuples (DNAT/SNAT between hops): what joins two directions' flows.
      for (let k = 0; k < fast.journeyCount; k++) {
        const tuples = new Set<string>();
        for (let r = fast.firstRow(k); r >= 0; r = fast.nextRow(r))
          if ((fast.rows.missing[r] & M_FLOW) === 0)
            tuples.add(`${fast.rows.flowHi[r]}/${fast.rows.flowLo[r]}`);
        if (tuples.size > 1) natJourneys++;
      }
    }
    expect(natJourneys).toBeGreaterThan(0);
  });
});
