// Fragments, IPv6 extension headers and IGMP queries in journeys, on a real capture
// (tests/fixtures/frag-igmp: one veth, 34 packets, every one its own packet): IPv6 fragments carry no IP id, so
// the fragment header's id tells the later fragments of an echo request from those of its reply (the same bytes
// at the same offsets); a fragmented UDP datagram's journey says its UDP length, as tcpdump does.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { FrameSource } from '../../main/session/frames.ts';
import { correlate, FIXTURES } from './correlate-helpers.ts';

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
});
