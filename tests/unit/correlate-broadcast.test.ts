// Copies of one broadcast frame fan out to every receiver (tests/fixtures/broadcast: a third host's, a node's and a
// pod's UDP broadcasts, recorded on three hosts): each copy is timed from its sender's copy or the first copy on its
// own node, or, received in parallel by another node, from none; and a node's own broadcasts tell the clocks which
// way they went.
import { describe, expect, it } from 'vitest';

import type { CorrelationResult } from '../../main/correlate/result.ts';
import { journeyBlock } from '../../main/export/ladder.ts';
import { journeyJson } from '../../main/export/journeysJson.ts';
import { correlate, fixtureFiles } from './correlate-helpers.ts';

const FILES = fixtureFiles('broadcast');
const BROADCAST = (res: CorrelationResult, from: string) =>
  Array.from({ length: res.journeyCount }, (_, k) => k).filter((k) =>
    res.journeySummary(k).startsWith(`${from}.`),
  );
/** Each hop as `node/iface<-fromHop` (fromHop null: `-`). */
const shape = (res: CorrelationResult, k: number) =>
  res.hops(k).map((h) => `${h.node}/${h.iface}<${h.fromHop === null ? '-' : h.fromHop}`);

describe('broadcast copies (recorded: tests/fixtures/broadcast)', () => {
  it('every host capturing: receivers are timed from the sender, the bridge’s ports from the first copy on the node', () => {
    const res = correlate(FILES);
    const client = BROADCAST(res, '10.1.10.8');
    const node1 = BROADCAST(res, '10.1.10.9');
    const pod = BROADCAST(res, '10.244.0.12');
    expect([client.length, node1.length, pod.length]).toEqual([3, 3, 3]);
    for (const k of client) {
      // node-1 and node-2 both received the client's frame: node-2 is timed from the client, not from node-1.
      expect(shape(res, k).sort()).toEqual(['client/ens33<-', 'node-1/ens33<0', 'node-2/ens33<0']);
      const h = res.hops(k);
      expect(h[2].latencyNs).toBe(Number(h[2].tNs - h[0].tNs));
      expect(h[2].changes).toEqual([]);
    }
    for (const k of node1)
      expect(shape(res, k).sort()).toEqual(['client/ens33<0', 'node-1/ens33<-', 'node-2/ens33<0']);
    for (const k of pod)
      // The bridge floods the pod's frame to its other port: timed from where it entered node-1, not from cni0.
      expect(shape(res, k)).toEqual(['node-1/veth2053e67d<-', 'node-1/cni0<0', 'node-1/vethextra0<0']);
    // The ladder says so, and the JSON carries it.
    expect(journeyBlock(res, pod[0]).split('\n')[3]).toMatch(/^ {2}→ node-1\/vethextra0 .*\[since hop 1\]$/);
    expect((journeyJson(res, client[0]).hops as { fromHop: number | null }[]).map((h) => h.fromHop)).toEqual([
      null,
      0,
      0,
    ]);
    // The ping's hops are timed hop by hop as ever.
    const ping = Array.from({ length: res.journeyCount }, (_, k) => k).find((k) =>
      res.journeySummary(k).includes('echo request'),
    )!;
    expect(res.hops(ping).map((h) => h.fromHop)).toEqual([null, 0, 1, 2, 3]);
  });

  it('a node’s own broadcasts give the clocks their direction: a client seen only by broadcasts gets an offset', () => {
    const res = correlate(FILES);
    // Between the client and the nodes only the broadcasts pass (the client's and node-1's, both ways).
    for (const c of res.clocks.filter((x) => x.node !== 'client')) {
      expect(c.method).toBe('traffic');
      // One kernel clock in the lab: the truth is 0.
      expect(Math.abs(c.offsetNs)).toBeLessThanOrEqual(c.uncertaintyNs);
    }
  });

  it('without the client’s capture: its broadcast is two copies received in parallel, no hop between them', () => {
    const res = correlate(FILES.filter((f) => !f.includes('client__')));
    for (const k of BROADCAST(res, '10.1.10.8')) {
      expect(shape(res, k).map((s) => s.replace(/^node-\d/, 'node'))).toEqual([
        'node/ens33<-',
        'node/ens33<-',
      ]);
      const second = res.hops(k)[1];
      expect([second.latencyNs, second.changes]).toEqual([null, []]);
      const lines = journeyBlock(res, k).split('\n');
      expect(lines[2]).toMatch(/^ {2}‖ node-\d\/ens33 {2}\S+ {14}ttl 64 .*\[parallel copy\]$/);
    }
    // node-1's own broadcast still has its sender: node-2's copy is timed from node-1's.
    for (const k of BROADCAST(res, '10.1.10.9'))
      expect(shape(res, k)).toEqual(['node-1/ens33<-', 'node-2/ens33<0']);
  });
});
