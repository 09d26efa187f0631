// A node clock minutes off (lab VMs without NTP): the SSH probes put the clocks within milliseconds, and the
// traffic then narrows that to microseconds. Real lab bytes (flannel-vxlan fixtures) with node-2's records
// shifted by +90 s, probes as `hopscope capture` records them (node clock minus capturing host, ± RTT/2).

import { describe, expect, it } from 'vitest';

import { correlate, crossNodePings, filesIn, fixtureCopy, fixtureFiles, path } from './correlate-helpers.ts';

const SHIFT = 90e9;
const base = correlate(fixtureFiles('flannel-vxlan'));
const baseNode2 = base.clocks.find((c) => c.node === 'node-2')!;
const dir = fixtureCopy('flannel-vxlan', { shift: { 'node-2': SHIFT } });

// The probe is 3 ms off the truth and ±5 ms wide: what a probe over a slow SSH link gives.
const probes = [
  { node: 'node-1', offsetNs: 0, uncertaintyNs: 0 },
  { node: 'node-2', offsetNs: SHIFT + baseNode2.offsetNs + 3e6, uncertaintyNs: 5e6 },
];

describe('clock skew beyond the matching window (90 s)', () => {
  it('without probes or --clock, nothing is linked across nodes (the window is 10 s)', () => {
    const res = correlate(filesIn(dir));
    expect(crossNodePings(res, 8)).toHaveLength(0);
  });

  it('with SSH probes, journeys cross both nodes and the offset is refined by the traffic', () => {
    const res = correlate(filesIn(dir), { clock: { mode: 'auto', probes } });
    const pings = crossNodePings(res, 8);
    expect(pings).toHaveLength(crossNodePings(base, 8).length);
    expect(path(res, pings[0])).toEqual(path(base, crossNodePings(base, 8)[0]));
    const c = res.clocks.find((x) => x.node === 'node-2')!;
    expect(c.method).toBe('traffic+ssh-probe');
    // As tight as the unshifted capture's traffic estimate (well under the probe's ±5 ms), and around the truth.
    expect(c.uncertaintyNs).toBeLessThanOrEqual(baseNode2.uncertaintyNs + 1);
    expect(Math.abs(c.offsetNs - (SHIFT + baseNode2.offsetNs))).toBeLessThanOrEqual(c.uncertaintyNs + 1);
  });

  it('a manual --clock for the node does the same job as probes', () => {
    const res = correlate(filesIn(dir), { clock: { mode: 'auto', manual: { 'node-2': SHIFT } } });
    expect(crossNodePings(res, 8)).toHaveLength(crossNodePings(base, 8).length);
    expect(res.clocks.find((x) => x.node === 'node-2')!.method).toBe('manual');
  });
});
