// A journey that passes a node twice (tests/fixtures/kube-proxy-revisit, recorded in the kube-proxy lab): node-1's
// nginx pod curls node-2's NodePort, node-2 DNATs it to a pod on node-1 and MASQUERADEs it, and the packet comes
// back to node-1 (node-1 → node-2 → node-1). Its hops must follow the packet, each NAT at the node that did it, with
// no negative latency; the client's curl of the same NodePort (client → node-2 → node-1) is the plain case.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { LoadedSession } from '../../main/app/loadedSession.ts';
import { correlateInputs } from '../../main/session/ingest.ts';
import { loadInputs } from '../../main/session/inputs.ts';
import type { CorrelationResult } from '../../main/correlate/result.ts';
import { journeyJson, writeJourneysJson } from '../../main/export/journeysJson.ts';
import { Sink } from '../../main/export/sink.ts';
import { tempDir } from '../tempDir.ts';
import { correlate, fixtureFiles, negativeHops, path } from './correlate-helpers.ts';

const FILES = fixtureFiles('kube-proxy-revisit');
const journeysFrom = (res: CorrelationResult, src: string) =>
  Array.from({ length: res.journeyCount }, (_, k) => k).filter((k) => res.journeySummary(k).startsWith(src));

describe('a node passed twice (recorded: tests/fixtures/kube-proxy-revisit)', () => {
  it('the pod’s request leaves node-1, is NAT’ed on node-2 and comes back, in path order', () => {
    const res = correlate(FILES);
    const requests = journeysFrom(res, '192.168.0.47.');
    expect(requests).toHaveLength(6); // SYN, ACK, request, ACK, FIN, ACK
    for (const k of requests) {
      expect(path(res, k)).toEqual([
        'node-1/veth54ceb951',
        'node-1/cbr0',
        'node-1/ens33',
        'node-2/ens33',
        'node-2/ens33',
        'node-1/ens33',
        'node-1/cbr0',
        'node-1/vethdf3a8b64',
      ]);
      const hops = res.hops(k);
      // The NAT is node-2's: its ens33 sends what it received DNAT'ed and MASQUERADEd; node-1 only routes.
      expect(hops.map((h) => h.changes)).toEqual([
        [],
        [],
        ['mac', 'ttl'],
        [],
        ['mac', 'ttl', 'nat-dst', 'nat-src'],
        [],
        ['mac', 'ttl'],
        [],
      ]);
      expect(hops.map((h) => h.ttl)).toEqual([64, 64, 63, 63, 62, 62, 61, 61]);
      expect(`${hops[4].src}.${hops[4].srcPort} > ${hops[4].dst}.${hops[4].dstPort}`).toMatch(
        /^10\.1\.10\.10\.\d+ > 192\.168\.0\.43\.9376$/,
      );
      expect(res.journeyAmbiguous(k)).toBe(false);
    }
    // The replies come back the same way round: node-2 un-NATs them and hands them back to node-1.
    const replies = journeysFrom(res, '192.168.0.43.9376 > 10.1.10.10.').filter((k) =>
      path(res, k).includes('node-1/veth54ceb951'),
    );
    expect(replies).toHaveLength(4);
    for (const k of replies) {
      expect(path(res, k)).toEqual([
        'node-1/vethdf3a8b64',
        'node-1/cbr0',
        'node-1/ens33',
        'node-2/ens33',
        'node-2/ens33',
        'node-1/ens33',
        'node-1/cbr0',
        'node-1/veth54ceb951',
      ]);
      expect(res.hops(k)[4].changes).toEqual(['mac', 'ttl', 'nat-dst', 'nat-src']);
    }
    expect(negativeHops(res)).toEqual([]);
  });

  it('the client’s curl of the same NodePort: client → node-2 (NAT) → node-1, as before', () => {
    const res = correlate(FILES);
    const syn = journeysFrom(res, '10.1.10.8.').find((k) => res.journeySummary(k).includes('Flags [S]'))!;
    expect(path(res, syn)).toEqual([
      'client/ens33',
      'node-2/ens33',
      'node-2/ens33',
      'node-1/ens33',
      'node-1/cbr0',
      'node-1/vethdf3a8b64',
    ]);
    expect(res.hops(syn)[2].changes).toEqual(['mac', 'ttl', 'nat-dst', 'nat-src']);
  });

  it('without node-2’s capture the passes through node-1 are still one journey, in order', () => {
    const res = correlate(FILES.filter((f) => !f.includes('node-2__')));
    for (const k of journeysFrom(res, '192.168.0.47.'))
      expect(path(res, k)).toEqual([
        'node-1/veth54ceb951',
        'node-1/cbr0',
        'node-1/ens33',
        'node-1/ens33',
        'node-1/cbr0',
        'node-1/vethdf3a8b64',
      ]);
    expect(negativeHops(res)).toEqual([]);
  });

  it('the nodes it crosses are node-1 → node-2 → node-1 in the JSON (streamed and object) and the app’s list', () => {
    const inputs = loadInputs(FILES);
    if (!inputs.ok) throw new Error(inputs.error.message);
    const c = correlateInputs(inputs.value);
    const res = c.result;
    const pod = journeysFrom(res, '192.168.0.47.');
    const client = journeysFrom(res, '10.1.10.8.');
    expect(pod.length && client.length).toBeTruthy();
    // The streamed document (what correlate --json and the Export tab write) and the object form.
    const file = join(tempDir('hs-revisit-'), 'journeys.json');
    const sink = Sink.file(file);
    writeJourneysJson(res, sink);
    sink.close();
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { journeys: { nodes: string[] }[] };
    // The journey list's rows (JourneySummary.nodes), as the app's session worker makes them.
    const app = new LoadedSession('revisit', 'revisit', null, c.correlator, res, []);
    for (const k of pod) {
      expect(doc.journeys[k].nodes).toEqual(['node-1', 'node-2', 'node-1']);
      expect(journeyJson(res, k).nodes).toEqual(['node-1', 'node-2', 'node-1']);
      expect(app.journeySummary(k).nodes).toEqual(['node-1', 'node-2', 'node-1']);
    }
    // A node's consecutive hops are one stay: the client's curl crosses each node once.
    for (const k of client) {
      expect(doc.journeys[k].nodes).toEqual(['client', 'node-2', 'node-1']);
      expect(app.journeySummary(k).nodes).toEqual(['client', 'node-2', 'node-1']);
    }
  });
});
