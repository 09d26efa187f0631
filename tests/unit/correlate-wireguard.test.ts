// A packet's journey through WireGuard (tests/fixtures/calico-wireguard: Calico's wireguard.cali between two
// nodes, wireguard-go in the lab): seen in clear on the pods' cali* and wireguard.cali, encrypted on both ens33
// (transport data to UDP 51820), in clear again on the other node. Each pod packet must be ONE journey cali →
// wireguard.cali → ens33 (encap+wireguard) → ens33 → wireguard.cali (encap-wireguard) → cali, with the encryption and
// decryption times as its hops' latencies; also when one node's ens33 or the wireguard devices were not captured.
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';

import { describe, expect, it } from 'vitest';

import type { CorrelationResult } from '../../main/correlate/result.ts';
import { CSV_COLUMNS, writeCsv } from '../../main/export/csv.ts';
import { journeyJson } from '../../main/export/journeysJson.ts';
import { Sink } from '../../main/export/sink.ts';
import { journeyBlock } from '../../main/export/ladder.ts';
import { FrameSource } from '../../main/session/frames.ts';
import { Crossings, firstAtOrAfter, withoutHairpins } from '../../main/correlate/wireguardJoin.ts';
import { correlate, filesIn, fixtureFiles, negativeHops, path } from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

const FILES = fixtureFiles('calico-wireguard');
const without = (...names: string[]) => FILES.filter((f) => !names.some((n) => f.endsWith(`/${n}.pcap`)));
const journeys = (res: CorrelationResult) => Array.from({ length: res.journeyCount }, (_, k) => k);
/** Journeys between two pods (10.100.0.0/16), the packets WireGuard carried. */
const podJourneys = (res: CorrelationResult) =>
  journeys(res).filter((k) => /^10\.100\.\S+ > 10\.100\./.test(res.journeySummary(k)));
/** Journeys of WireGuard transport data left on their own (no clear journey took them). */
const encryptedAlone = (res: CorrelationResult) =>
  journeys(res).filter((k) => res.hops(k).every((h) => h.wireguard !== null));
const ifaceKind = (iface: string) => (iface.startsWith('cali') ? 'cali' : iface);

/**
 * Every pod packet of the recording is one journey through both nodes, encrypted between the two wireguard.cali
 * (a TSO segment cut before wireguard.cali aside), and every data message is in one of them.
 */
function expectThroughTunnel(res: CorrelationResult): void {
  const pods = podJourneys(res);
  // Five pings each way between the pods' two pairs and the TCP exchange (a POST and its answer).
  expect(pods.length).toBeGreaterThanOrEqual(25);
  let full = 0;
  for (const k of pods) {
    const hops = res.hops(k);
    const p = path(res, k);
    // A TSO segment the sending pod's stack handed to cali whole, cut before wireguard.cali (a piece has its
    // own journey from there): the whole segment stays on cali.
    if (hops.length === 1) {
      expect(p[0], `journey ${k + 1}`).toMatch(/^node-1\/cali/);
      continue;
    }
    const x = hops[0].node;
    const y = x === 'node-1' ? 'node-2' : 'node-1';
    const kinds = hops.map((h) => `${h.node}/${ifaceKind(h.iface)}`);
    const tail = [`${x}/wireguard.cali`, `${x}/ens33`, `${y}/ens33`, `${y}/wireguard.cali`, `${y}/cali`];
    expect(kinds, `journey ${k + 1}`).toEqual(kinds[0].endsWith('/cali') ? [`${x}/cali`, ...tail] : tail);
    const at = kinds.indexOf(`${x}/ens33`);
    // Encrypted where it leaves wireguard.cali, decrypted into the other node's: nothing else compared there
    // (the encrypted hops' TTL and addresses are the tunnel's).
    expect(hops[at].changes).toEqual(['encap+wireguard']);
    expect(hops[at + 1].changes).toEqual([]);
    expect(hops[at + 2].changes).toEqual(['encap-wireguard']);
    // The encrypted hops show the tunnel's datagram and say it is WireGuard: the same message on both NICs.
    for (const h of hops.slice(at, at + 2)) {
      expect(h.wireguard, `journey ${k + 1}`).not.toBeNull();
      expect([h.srcPort, h.dstPort]).toEqual([51820, 51820]);
      expect(h.proto).toBe(17);
    }
    expect(hops[at].src).toBe(x === 'node-1' ? '10.1.10.9' : '10.1.10.10');
    expect(hops[at].wireguard).toEqual(hops[at + 1].wireguard);
    expect(hops.filter((h) => h.wireguard !== null)).toHaveLength(2);
    // Every hop timed from the one before it, none backwards: the encryption and decryption times are there.
    expect(hops.slice(1).map((h) => h.fromHop)).toEqual(hops.slice(1).map((h) => h.index - 1));
    for (const h of hops.slice(1))
      expect(h.latencyNs, `journey ${k + 1} hop ${h.index}`).toBeGreaterThanOrEqual(0);
    full++;
  }
  expect(full).toBeGreaterThanOrEqual(25);
  // Every data message carried one of them; the handshake (initiation, response) stays on its own.
  const alone = encryptedAlone(res);
  expect(alone).toEqual([]);
  const handshake = journeys(res).filter((k) => /51820: UDP, length (148|92)$/.test(res.journeySummary(k)));
  expect(handshake).toHaveLength(2);
  expect(negativeHops(res)).toEqual([]);
}

describe('WireGuard: clear and encrypted hops in one journey (recorded: tests/fixtures/calico-wireguard)', () => {
  it('every pod packet is one journey through both nodes, encrypted between the two wireguard.cali', () => {
    expectThroughTunnel(correlate(FILES));
  });

  it("without interface lists, each tunnel's direction is the one its messages pair in (both ways tried)", () => {
    const dir = tempDir('hs-wg-nolists-');
    try {
      for (const f of FILES) copyFileSync(f, join(dir, basename(f)));
      const res = correlate(filesIn(dir));
      // Nothing says which node owns 10.1.10.9 or 10.1.10.10.
      expect(res.interfaces).toEqual([]);
      expectThroughTunnel(res);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('messages are paired in the order WireGuard sent them (their counters increase with the clear packets)', () => {
    const res = correlate(FILES);
    for (const x of ['node-1', 'node-2']) {
      const sent = podJourneys(res)
        .map((k) => res.hops(k))
        .filter((hops) => hops.length > 1 && hops[0].node === x)
        .map((hops) => {
          const clear = hops.filter((h) => h.node === x && h.iface === 'wireguard.cali')[0];
          const enc = hops.find((h) => h.wireguard !== null)!;
          return { t: clear.tNs, counter: enc.wireguard!.counter };
        })
        .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
      const counters = sent.map((s) => s.counter);
      expect(counters, x).toEqual([...counters].sort((a, b) => a - b));
      expect(new Set(counters).size).toBe(counters.length);
    }
  });

  it("the clock estimate holds the lab's one clock, as tightly as the encrypted datagrams alone bound it", () => {
    const res = correlate(FILES);
    const node2 = res.clocks.find((c) => c.node === 'node-2')!;
    // The lab's nodes are namespaces of one machine: one clock. The estimate must hold it, as tightly as the
    // datagrams seen on both NICs bound it (a few µs).
    expect(node2.method).toBe('traffic');
    expect(Math.abs(node2.offsetNs)).toBeLessThanOrEqual(node2.uncertaintyNs);
    expect(node2.uncertaintyNs).toBeLessThan(5_000);
    // The same as with the clear journeys left out (what links across nodes then is the encrypted datagrams).
    const ensOnly = correlate(FILES.filter((f) => f.endsWith('__ens33.pcap'))).clocks.find(
      (c) => c.node === 'node-2',
    )!;
    expect(node2.offsetNs).toBeCloseTo(ensOnly.offsetNs, 0);
    expect(node2.uncertaintyNs).toBeLessThanOrEqual(ensOnly.uncertaintyNs);
  });

  it("with node-2's ens33 not captured, the journeys still go through node-1's encrypted hop", () => {
    const res = correlate(without('node-2__ens33'));
    // The pairings bound the clocks (the message left node-1 before the packet reached node-2's wireguard.cali…):
    // without them the clear journeys' looser bounds put node-1's encrypted hop before node-2's clear one.
    const node2 = res.clocks.find((c) => c.node === 'node-2')!;
    expect(Math.abs(node2.offsetNs)).toBeLessThanOrEqual(node2.uncertaintyNs);
    let n = 0;
    for (const k of podJourneys(res)) {
      const hops = res.hops(k);
      if (hops.length === 1) continue;
      const x = hops[0].node;
      const y = x === 'node-1' ? 'node-2' : 'node-1';
      const kinds = hops.map((h) => `${h.node}/${ifaceKind(h.iface)}`);
      const enc = x === 'node-1' ? [`${x}/ens33`] : [`${y}/ens33`];
      const tail = [
        `${x}/wireguard.cali`,
        ...(x === 'node-1' ? enc : []),
        `${y}/wireguard.cali`,
        `${y}/cali`,
      ];
      const tail2 =
        x === 'node-1' ? tail : [`${x}/wireguard.cali`, ...enc, `${y}/wireguard.cali`, `${y}/cali`];
      expect(kinds, `journey ${k + 1}`).toEqual(kinds[0].endsWith('/cali') ? [`${x}/cali`, ...tail2] : tail2);
      const at = hops.findIndex((h) => h.wireguard !== null);
      // node-1 sends: encrypted after its wireguard.cali; node-1 receives: decrypted into it.
      expect(hops[at].changes).toEqual(['encap+wireguard']);
      expect(hops[at + 1].changes).toEqual(['encap-wireguard']);
      for (const h of hops.slice(1)) expect(h.latencyNs).toBeGreaterThanOrEqual(0);
      n++;
    }
    expect(n).toBeGreaterThanOrEqual(25);
    expect(encryptedAlone(res)).toEqual([]);
  });

  it('without the wireguard devices, the cali hops pair with the encrypted ones by time order and length', () => {
    const res = correlate(without('node-1__wireguard.cali', 'node-2__wireguard.cali'));
    let n = 0;
    for (const k of podJourneys(res)) {
      const hops = res.hops(k);
      // The POST's TSO segment on node-1's cali and its pieces on node-2's (joinCutSegments): the pieces' messages
      // have no clear hop on node-1 to pair with, and stay on their own.
      if (hops.length === 1 || hops.some((h) => h.changes.includes('split'))) continue;
      const x = hops[0].node;
      const y = x === 'node-1' ? 'node-2' : 'node-1';
      expect(
        hops.map((h) => `${h.node}/${ifaceKind(h.iface)}`),
        `journey ${k + 1}`,
      ).toEqual([`${x}/cali`, `${x}/ens33`, `${y}/ens33`, `${y}/cali`]);
      // The pod's frame to the node's NIC: routed (new MACs) and encrypted; back out of the tunnel into a pod.
      expect(hops.map((h) => h.changes)).toEqual([
        [],
        ['mac', 'encap+wireguard'],
        [],
        ['mac', 'encap-wireguard'],
      ]);
      for (const h of hops.slice(1)) expect(h.latencyNs).toBeGreaterThanOrEqual(0);
      n++;
    }
    // The TCP data segments were cut (TSO) after cali: their pieces have no clear hop here, and stay encrypted.
    expect(n).toBeGreaterThanOrEqual(22);
  });

  it('the JSON, the ladder and the CSV say where the packet was encrypted, and which message carried it', () => {
    const res = correlate(FILES);
    const frames = new FrameSource(res);
    try {
      const k = podJourneys(res).find((j) => res.hops(j).length === 6)!;
      const j = journeyJson(res, k) as { hops: Record<string, unknown>[] };
      const enc = j.hops[2];
      expect(enc.changes).toEqual(['encap+wireguard']);
      const wg = enc.wireguard as { receiver: number; counter: number; dataLength: number };
      // Read from the frame: the whole counter and the receiver's index; an 84-byte ping padded to 96.
      expect(wg.receiver).toBeGreaterThan(0);
      expect(wg.dataLength).toBe(96);
      expect(j.hops[3].wireguard).toEqual(wg);
      expect('wireguard' in j.hops[1]).toBe(false);
      expect(j.hops[4].changes).toEqual(['encap-wireguard']);
      const ladder = journeyBlock(res, k);
      const receiver = `0x${wg.receiver.toString(16).padStart(8, '0')}`;
      expect(ladder).toContain(
        `wireguard receiver ${receiver} counter ${wg.counter}, packet encrypted  [encap+wireguard]`,
      );
      expect(ladder).toContain('[encap-wireguard]');
      // The CSV's encap cell says which message it was (the row's addresses are the tunnel's).
      const dir = tempDir('hs-wg-csv-');
      const sink = Sink.file(join(dir, 'out.csv'));
      writeCsv(res, sink, 1, [k]);
      sink.close();
      const rows = readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n').slice(1);
      const encap = CSV_COLUMNS.indexOf('encap');
      expect(rows.map((r) => r.split(',')[encap])).toEqual([
        '',
        '',
        `wireguard receiver ${receiver} counter ${wg.counter}`,
        `wireguard receiver ${receiver} counter ${wg.counter}`,
        '',
        '',
      ]);
    } finally {
      frames.close();
    }
  });
});

describe('a clear journey two groups of one direction took (a hairpin)', () => {
  it('keeps neither of its crossings that way, and the rest', () => {
    const crossings = (...list: [inner: number, from: number, enc: number][]): Crossings => {
      const out = new Crossings(1);
      for (const [inner, from, enc] of list) out.push(inner, enc, from, -1, -1, -1, -1, true);
      return out;
    };
    const encs = (c: Crossings) => Array.from(c.enc.subarray(0, c.length));
    const out = crossings([1, 0, 10], [2, 0, 11], [1, 0, 12], [1, 1, 13], [3, 1, 14]);
    expect(encs(withoutHairpins(out, 4))).toEqual([11, 13, 14]);
    // Each journey once: the same table.
    const once = crossings([0, 0, 1], [1, 1, 2]);
    expect(withoutHairpins(once, 2)).toBe(once);
  });

  it('grows, appends and renumbers its columns', () => {
    const a = new Crossings(1);
    for (let i = 0; i < 5; i++) a.push(i, 10 + i, i % 2, 20 + i, -1, 30 + i, 40 + i, i !== 3);
    const b = new Crossings(1);
    b.push(7, 8, 1, -1, 9, -1, -1, false);
    b.pushAll(a);
    expect(b.length).toBe(6);
    expect(Array.from(b.inner.subarray(0, 6))).toEqual([7, 0, 1, 2, 3, 4]);
    expect(Array.from(b.encY.subarray(0, 6))).toEqual([9, -1, -1, -1, -1, -1]);
    expect(Array.from(b.sure.subarray(0, 6))).toEqual([0, 1, 1, 1, 0, 1]);
    const number = Int32Array.from({ length: 15 }, (_, j) => j * 2);
    const r = a.renumbered(number);
    expect(Array.from(r.inner.subarray(0, 5))).toEqual([0, 2, 4, 6, 8]);
    expect(Array.from(r.enc.subarray(0, 5))).toEqual([20, 22, 24, 26, 28]);
    expect(Array.from(r.innerX.subarray(0, 5))).toEqual([30, 31, 32, 33, 34]);
    // The table renumbered is a copy.
    expect(a.inner[1]).toBe(1);
  });
});

describe('the clear segments searched from where the last search ended (firstAtOrAfter)', () => {
  it('finds what a walk over the whole range finds, from any hint', () => {
    // Sorted times with runs of equal ones, searched in [from, to) for times inside, between, before and after.
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const byWalk = (times: Float64Array, from: number, to: number, t: number) => {
      let lo = from;
      while (lo < to && times[lo] < t) lo++;
      return lo;
    };
    let checked = 0;
    for (let round = 0; round < 200; round++) {
      const n = 1 + rand(60);
      const times = new Float64Array(n);
      for (let i = 1; i < n; i++) times[i] = times[i - 1] + rand(3);
      const from = rand(n);
      const to = from + rand(n - from + 1);
      for (let q = 0; q < 20; q++) {
        const t = rand(times[n - 1] + 4) - 1 + (rand(2) ? 0.5 : 0);
        const hint = from + rand(to - from + 1);
        expect(firstAtOrAfter(times, from, to, t, hint)).toBe(byWalk(times, from, to, t));
        checked++;
      }
    }
    expect(checked).toBe(4000);
  });
});
