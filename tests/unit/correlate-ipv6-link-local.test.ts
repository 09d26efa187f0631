// IPv6's own link-local multicast on a shared segment (tests/fixtures/ipv6-link-local: three hosts turning IPv6 on at
// once, recorded on each one's ens33): MLD reports, neighbour and router solicitations carry no per-packet id, and
// hosts doing duplicate address detection together all report from :: to ff02::16, with bytes that differ only in
// the group each reports (its own solicited-node address) and so in the checksum. One host's report is one journey:
// its copy as it left, and the other two hosts' as they received it.
import { describe, expect, it } from 'vitest';

import { correlate, fixtureFiles } from './correlate-helpers.ts';

const FILES = fixtureFiles('ipv6-link-local');
const HOSTS = ['client', 'node-1', 'node-2'];

describe('IPv6 link-local multicast (recorded: tests/fixtures/ipv6-link-local)', () => {
  it('each host’s MLD report, neighbour or router solicitation is its own journey, seen once on every host', () => {
    const res = correlate(FILES);
    // Every frame to an IPv6 group (33:33:…): MLD reports, solicitations, the client's echo requests to ff02::1.
    const multicast = Array.from({ length: res.journeyCount }, (_, k) => k).filter((k) =>
      res.hops(k)[0].eth!.dst!.startsWith('33:33:'),
    );
    // MLD reports (to ff02::16): the three hosts' first ones, from :: during duplicate address detection, went out
    // within 200 µs of each other.
    const reports = multicast.filter((k) => res.hops(k)[0].eth!.dst === '33:33:00:00:00:16');
    expect([multicast.length, reports.length]).toEqual([22, 12]);
    const senders = new Set<string>();
    for (const k of multicast) {
      const hops = res.hops(k);
      // One frame: one source MAC, owned by the host it came from, whose copy is the first hop; one copy a host.
      expect(new Set(hops.map((h) => h.eth?.src)).size, res.journeySummary(k)).toBe(1);
      expect(hops.map((h) => h.node).sort()).toEqual(HOSTS);
      expect(hops[0].eth?.srcOwner).toBe(`${hops[0].node}/ens33`);
      expect(hops.every((h) => h.changes.length === 0 && (h.latencyNs === null || h.latencyNs > 0))).toBe(
        true,
      );
      if (reports.includes(k)) senders.add(hops[0].node);
    }
    expect([...senders].sort()).toEqual(HOSTS);
    expect(multicast.filter((k) => res.journeyAmbiguous(k))).toEqual([]);
  });

  it('every host’s echo reply to a ping of ff02::1 is its own journey, not another host’s reply NAT’ed', () => {
    const res = correlate(FILES);
    // The request's bytes back from node-1 and node-2 alike, no IP id: only the link-local source differs. (The only
    // frames addressed to the client's MAC.)
    const replies = Array.from({ length: res.journeyCount }, (_, k) => k).filter(
      (k) => res.hops(k)[0].eth!.dst === '00:0c:29:3a:5e:08',
    );
    expect(replies.length).toBe(4);
    const from = new Map<string, number>();
    for (const k of replies) {
      const hops = res.hops(k);
      expect(hops.map((h) => `${h.node}/${h.eth?.srcOwner}`)).toEqual([
        `${hops[0].node}/${hops[0].node}/ens33`,
        `client/${hops[0].node}/ens33`,
      ]);
      expect(hops[1].changes).toEqual([]);
      from.set(hops[0].node, (from.get(hops[0].node) ?? 0) + 1);
    }
    expect(Object.fromEntries(from)).toEqual({ 'node-1': 2, 'node-2': 2 });
  });
});
