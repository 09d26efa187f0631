// SCTP associations across the flannel-vxlan lab (tests/fixtures/sctp-flannel-vxlan): every packet one journey
// over the eight hops between the two pods, NAT'ed ports seen at the DNAT hop, and each association's two
// directions one flow, the client's side the requests.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { innerSummary } from '../../main/correlate/hops.ts';
import type { CorrelationResult } from '../../main/correlate/result.ts';
import { writeCsv } from '../../main/export/csv.ts';
import { writeJourneysJson } from '../../main/export/journeysJson.ts';
import { Sink } from '../../main/export/sink.ts';
import { tempDir } from '../tempDir.ts';
import { correlate, fixtureFiles, FLANNEL_VXLAN_PATH, path } from './correlate-helpers.ts';

const CLIENT = '10.244.0.12';
const SERVER = '10.244.1.34';
const CLUSTER_IP = '10.96.0.132';

/** The journeys of each client port (40001 pod to pod, 40002 through the DNAT, 40003 the ABORTed INIT). */
function byClientPort(res: CorrelationResult): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (let k = 0; k < res.journeyCount; k++) {
    const h = res.hops(k)[0];
    const port = h.src === CLIENT ? h.srcPort! : h.dstPort!;
    out.set(port, [...(out.get(port) ?? []), k]);
  }
  return out;
}

// (correlate-flows.test.ts checks the same flows come from the live row store's path walk.)
describe('sctp-flannel-vxlan', () => {
  const res = correlate(fixtureFiles('sctp-flannel-vxlan'));

  it('every SCTP packet is one journey over the eight hops, its ports at each', () => {
    const ports = byClientPort(res);
    expect([...ports.keys()].sort()).toEqual([40001, 40002, 40003]);
    // 13 packets an association (INIT … SHUTDOWN COMPLETE), 2 for the ABORTed INIT.
    expect(ports.get(40001)!.length).toBe(13);
    expect(ports.get(40002)!.length).toBe(13);
    expect(ports.get(40003)!.length).toBe(2);
    expect(res.journeyCount).toBe(28);
    for (let k = 0; k < res.journeyCount; k++) {
      const hops = res.hops(k);
      const fromClient = hops[0].src === CLIENT;
      expect(path(res, k)).toEqual(fromClient ? FLANNEL_VXLAN_PATH : [...FLANNEL_VXLAN_PATH].reverse());
      for (const h of hops) {
        expect(h.proto).toBe(132);
        expect(h.srcPort).toBeGreaterThan(0);
        expect(h.dstPort).toBeGreaterThan(0);
      }
      expect(hops.find((h) => h.iface === 'ens33')!.encap).toMatchObject([{ type: 'vxlan', dstPort: 8472 }]);
    }
  });

  it("the ClusterIP's DNAT is nat-dst on the way in and nat-src on the way back", () => {
    for (const k of byClientPort(res).get(40002)!) {
      const hops = res.hops(k);
      const [first, last] = [hops[0], hops[hops.length - 1]];
      if (first.src === CLIENT) {
        expect([first.dst, first.dstPort, last.dst, last.dstPort]).toEqual([CLUSTER_IP, 3868, SERVER, 38680]);
        // cni0 sees it after the DNAT: br_netfilter runs PREROUTING as the pod's frame enters the bridge.
        expect(hops.filter((h) => h.changes.includes('nat-dst')).map((h) => `${h.node}/${h.iface}`)).toEqual([
          'node-1/cni0',
        ]);
      } else {
        expect([first.src, first.srcPort, last.src, last.srcPort]).toEqual([SERVER, 38680, CLUSTER_IP, 3868]);
        expect(hops.filter((h) => h.changes.includes('nat-src')).map((h) => `${h.node}/${h.iface}`)).toEqual([
          'node-1/cni0',
        ]);
      }
    }
    for (const k of byClientPort(res).get(40001)!)
      expect(res.hops(k).some((h) => h.changes.some((c) => c.startsWith('nat')))).toBe(false);
  });

  it("each association is one flow, both directions, the client's packets its requests", () => {
    const ports = byClientPort(res);
    const flows = [40001, 40002, 40003].map((p) => new Set(ports.get(p)!.map((k) => res.flowOf[k])));
    for (const f of flows) expect(f.size).toBe(1);
    expect(new Set(flows.map((f) => [...f][0])).size).toBe(3);
    expect(res.flowCount).toBe(3);
    for (let k = 0; k < res.journeyCount; k++)
      expect(res.flowRole(k)).toBe(res.hops(k)[0].src === CLIENT ? 'request' : 'reply');
  });

  it('the JSON and CSV exports carry the ports, and a row without its frame still reads as an SCTP line', () => {
    const dir = tempDir('hs-sctp-');
    const jsonSink = Sink.file(join(dir, 'j.json'));
    writeJourneysJson(res, jsonSink);
    jsonSink.close();
    const doc = JSON.parse(readFileSync(join(dir, 'j.json'), 'utf8')) as {
      journeys: { hops: { srcPort: number | null; dstPort: number | null; proto: number }[] }[];
    };
    expect(doc.journeys).toHaveLength(28);
    const nat = doc.journeys.find((j) => j.hops[0].dstPort === 3868)!;
    expect(nat.hops.map((h) => [h.srcPort, h.dstPort])).toEqual([
      [40002, 3868],
      ...new Array(7).fill([40002, 38680]),
    ]);
    const csvSink = Sink.file(join(dir, 'j.csv'));
    writeCsv(res, csvSink);
    csvSink.close();
    const [head, ...lines] = readFileSync(join(dir, 'j.csv'), 'utf8').trim().split('\n');
    const cols = head.split(',');
    const ports = lines.map((l) => {
      const c = l.split(',');
      return `${c[cols.indexOf('srcPort')]}>${c[cols.indexOf('dstPort')]}`;
    });
    expect(ports).toHaveLength(28 * 8);
    expect(ports).toContain('40002>3868');
    expect(ports).toContain('3868>40002');
    expect(ports.filter((p) => !/^\d+>\d+$/.test(p))).toEqual([]);
    // From the columns alone (no frame to re-read): tcpdump's line up to the chunks.
    const r0 = res.journeyRows(0)[0];
    expect(innerSummary(res.rows, r0)).toBe('10.244.0.12.40001 > 10.244.1.34.9899: sctp');
    expect(res.journeySummary(0)).toMatch(/^10\.244\.0\.12\.40001 > 10\.244\.1\.34\.9899: sctp/);
  });
});
