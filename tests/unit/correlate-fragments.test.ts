// Fragments, IPv6 extension headers and IGMP queries in journeys, on a real capture
// (tests/fixtures/frag-igmp: one veth, 34 packets, every one its own packet): IPv6 fragments carry no IP id, so
// the fragment header's id tells the later fragments of an echo request from those of its reply (the same bytes
// at the same offsets); a fragmented UDP datagram's journey says its UDP length, as tcpdump does; every
// fragment is in its datagram's flow.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { Correlator } from '../../main/correlate/correlator.ts';
import { ObservationTable } from '../../main/correlate/observations.ts';
import type { CorrelationResult } from '../../main/correlate/result.ts';
import { decodeFields } from '../../main/decode/index.ts';
import { FrameSource } from '../../main/session/frames.ts';
import { correlate, FIXTURES, loadLanes } from './correlate-helpers.ts';

const FILE = join(FIXTURES, 'frag-igmp', 'frag-igmp.pcap');

/** tcpdump's line per record, without the timestamp. */
function tcpdumpLines(): string[] {
  const out = execFileSync('tcpdump', ['-nr', FILE], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out
    .split('\n')
    .filter((l) => l)
    .map((l) => l.replace(/^\S+ /, ''));
}

describe('fragments and IGMP queries in journeys (frag-igmp.pcap)', () => {
  const lines = tcpdumpLines();

  it('every record is a journey of one hop: no fragment of a reply joins its request’s', () => {
    const res = correlate([`n:veth=${FILE}`]);
    expect(res.rowCount).toBe(lines.length);
    expect(lines.filter((l) => /^IP6 .* frag \((?!0\|)/.test(l)).length).toBe(8);
    expect(res.journeyCount).toBe(res.rowCount);
    for (let k = 0; k < res.journeyCount; k++) {
      const hops = res.hops(k);
      expect({ k, hops: hops.length, changes: hops[0].changes }).toEqual({ k, hops: 1, changes: [] });
    }
  });

  it('journey summaries are tcpdump’s lines (the UDP length of a fragmented datagram, IGMP queries)', () => {
    const res = correlate([`n:veth=${FILE}`]);
    const frames = new FrameSource(res);
    try {
      const byRow = new Map<number, string>();
      for (let k = 0; k < res.journeyCount; k++) byRow.set(res.hops(k)[0].row, res.journeySummary(k));
      const ours = [...byRow.keys()].sort((a, b) => a - b).map((r) => byRow.get(r));
      expect(ours).toEqual(lines.map((l) => l.replace(/^IP /, '')));
      expect(
        ours.filter((l) => /^10\.98\.0\.1\.\d+ > 10\.98\.0\.2\.9999: UDP, length 4000$/.test(l!)),
      ).toHaveLength(1);
    } finally {
      frames.close();
    }
  });

  it('every fragment is in its datagram’s flow, from the rows’ tuples and from the journeys’ paths', () => {
    // The flow of each record, as the first fragment's line names it: "frag (0|…)" or a whole packet.
    const flowsOf = (res: CorrelationResult) => {
      const byRow = new Map<number, number>();
      for (let k = 0; k < res.journeyCount; k++) byRow.set(res.hops(k)[0].row, res.flowOf[k]);
      return [...byRow.keys()].sort((a, b) => a - b).map((r) => byRow.get(r)!);
    };
    const { lanes, interfaces } = loadLanes([`n:veth=${FILE}`]);
    const results = [undefined, ObservationTable.published()].map((obs) => {
      const c = new Correlator({}, decodeFields, obs);
      c.setInterfaces(interfaces);
      const cap = c.addCapture({ node: lanes[0].node, iface: lanes[0].iface, linkType: lanes[0].linkType });
      for (const r of lanes[0].records) c.pushFrame(cap, r.offset, r.sec, r.nsec, r.origLen, r.data);
      return c.result();
    });
    const [fast, walked] = results.map(flowsOf);
    expect(walked).toEqual(fast);
    let fragments = 0;
    lines.forEach((l, i) => {
      // A later fragment (IPv6 "frag (N|…)" with N > 0, IPv4 "ip-proto-N") is in the flow of the packet before it.
      if (/ frag \((?!0\|)/.test(l) || /^IP \S+ > \S+: ip-proto-\d+$/.test(l)) {
        expect({ i, line: l, flow: fast[i] }).toEqual({ i, line: l, flow: fast[i - 1] });
        fragments++;
      }
    });
    expect(fragments).toBe(14);
    // The echo reply's fragments join the request's flow (one ping, one flow), IPv6 and IPv4 alike.
    const flowOfLine = (re: RegExp) => fast[lines.findIndex((l) => re.test(l))];
    expect(flowOfLine(/ICMP6, echo reply/)).toBe(flowOfLine(/ICMP6, echo request/));
    expect(flowOfLine(/ICMP echo reply/)).toBe(flowOfLine(/ICMP echo request/));
  });
});
