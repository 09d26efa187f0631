// IPv6 in journeys, on a real capture (tests/fixtures/synthetic/edge/veth.pcap: NDP, MLD and router
// solicitations, plain and inside VXLAN on 4789 and 8472, plus IPv4 pings): hop addresses and journey summaries
// agree with `tcpdump -nr` of the same file, in the ladder, JSON and CSV; identical MLD reports and neighbor
// solicitations repeated on the same lane tens of ms apart are separate journeys, not extra hops.

import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { FrameSource } from '../../main/session/frames.ts';
import { writeCsv, CSV_COLUMNS } from '../../main/export/csv.ts';
import { journeyJson, writeJourneysJson } from '../../main/export/journeysJson.ts';
import { journeyBlock } from '../../main/export/ladder.ts';
import { Sink } from '../../main/export/sink.ts';
import type { CorrelationResult } from '../../main/correlate/result.ts';
import { correlate, fixtureFiles, FIXTURES, laneOrdinals } from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

const FILE = join(FIXTURES, 'synthetic', 'edge', 'veth.pcap');

interface TcpdumpPacket {
  /** The innermost packet's line (tcpdump prints a VXLAN's inner frame on a continuation line). */
  inner: string;
  /** IPv6 source and destination of the innermost packet, null for IPv4/ARP. */
  v6: { src: string; dst: string } | null;
}

/** The oracle: tcpdump's own reading of the file, one entry per record. */
function tcpdump(): TcpdumpPacket[] {
  const out = execFileSync('tcpdump', ['-nr', FILE], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const packets: string[][] = [];
  for (const line of out.split('\n')) {
    if (!line) continue;
    if (/^\d\d:\d\d:\d\d\.\d+ /.test(line)) packets.push([line.replace(/^\S+ /, '')]);
    else packets[packets.length - 1].push(line.trim());
  }
  return packets.map((lines) => {
    const inner = lines[lines.length - 1];
    const m = /^IP6 (\S+) > (\S+): /.exec(inner);
    return { inner, v6: m ? { src: m[1], dst: m[2] } : null };
  });
}

/** A real Sink into a temporary file; text() closes it and reads it back. */
function fileSink(): { sink: Sink; text: () => string } {
  const dir = tempDir('hs-ipv6-');
  const file = join(dir, 'out');
  const sink = Sink.file(file);
  let t: string | null = null;
  return {
    sink,
    text: () => {
      if (t === null) {
        sink.close();
        t = readFileSync(file, 'utf8');
        rmSync(dir, { recursive: true, force: true });
      }
      return t;
    },
  };
}

function load(): { res: CorrelationResult; frames: FrameSource } {
  const res = correlate([`n:veth=${FILE}`]);
  return { res, frames: new FrameSource(res) };
}

describe('IPv6 journeys on a real capture (veth.pcap)', () => {
  const oracle = tcpdump();

  it('reads the same records as tcpdump, most of them IPv6', () => {
    const { res, frames } = load();
    try {
      expect(res.rowCount).toBe(oracle.length);
      expect(oracle.filter((p) => p.v6).length).toBeGreaterThan(30);
    } finally {
      frames.close();
    }
  });

  it('hop addresses and the journey summary are tcpdump’s, IPv4 journeys unchanged', () => {
    const { res, frames } = load();
    try {
      let v6 = 0;
      for (let k = 0; k < res.journeyCount; k++) {
        const hops = res.hops(k);
        for (const h of hops) {
          const want = oracle[laneOrdinals(res)[h.row]];
          if (want.v6) {
            expect({ src: h.src, dst: h.dst }).toEqual(want.v6);
            v6++;
          } else {
            expect(h.src).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
            expect(h.src).not.toBe('0.0.0.0');
          }
        }
        const first = oracle[laneOrdinals(res)[hops[0].row]];
        if (first.v6) expect(res.journeySummary(k)).toBe(first.inner);
        // IPv4 keeps the correlator's shorter column-built line: same addresses/ports as tcpdump's.
        else
          expect(res.journeySummary(k).split(': ')[0]).toBe(first.inner.replace(/^IP /, '').split(': ')[0]);
      }
      expect(v6).toBeGreaterThan(30);
    } finally {
      frames.close();
    }
  });

  it('ladder, JSON (streamed and object) and CSV show the IPv6 addresses, never 0.0.0.0', () => {
    const { res, frames } = load();
    try {
      const ladder = Array.from({ length: res.journeyCount }, (_, k) => journeyBlock(res, k)).join('\n');
      expect(ladder).not.toContain('0.0.0.0');
      expect(ladder).toContain('IP6 :: > ff02::16: HBH ICMP6, multicast listener report v2');
      expect(ladder).toContain('fe80::7019:7aff:fe7e:61e0 > ff02::2');

      const json = fileSink();
      writeJourneysJson(res, json.sink);
      const doc = JSON.parse(json.text()) as { journeys: { hops: { src: string; dst: string }[] }[] };
      // The streamed text is the object form, serialised (IPv6 rows included).
      for (let k = 0; k < res.journeyCount; k++) {
        expect(doc.journeys[k]).toEqual(JSON.parse(JSON.stringify(journeyJson(res, k))));
      }
      const rs = doc.journeys.find((j) => j.hops[0].src === 'fe80::f4e8:a5ff:fea0:aaea');
      expect(rs?.hops[0].dst).toMatch(/^ff02::(16|2)$/);

      const csv = fileSink();
      writeCsv(res, csv.sink);
      const lines = csv.text().trim().split('\n');
      expect(lines[0]).toBe(CSV_COLUMNS.join(','));
      const src = CSV_COLUMNS.indexOf('src');
      const dst = CSV_COLUMNS.indexOf('dst');
      const first = lines[1].split(',');
      expect([first[src], first[dst]]).toEqual([oracle[0].v6!.src, oracle[0].v6!.dst]);
      expect(csv.text()).not.toContain('0.0.0.0');
    } finally {
      frames.close();
    }
  });

  it('repeated identical MLD reports and neighbor solicitations on one lane are separate one-hop journeys', () => {
    const { res, frames } = load();
    try {
      // One lane: no packet can legitimately have two hops here.
      for (let k = 0; k < res.journeyCount; k++) expect(res.journeyRows(k)).toHaveLength(1);
      const mld = oracle.filter((p) => p.inner.includes('multicast listener report')).length;
      const ns = oracle.filter((p) => p.inner.includes('neighbor solicitation')).length;
      const summaries = Array.from({ length: res.journeyCount }, (_, k) => res.journeySummary(k));
      expect(mld).toBeGreaterThanOrEqual(10);
      expect(summaries.filter((s) => s.includes('multicast listener report'))).toHaveLength(mld);
      expect(summaries.filter((s) => s.includes('neighbor solicitation'))).toHaveLength(ns);
      // Every keyed frame (all but ARP) is exactly one journey's one hop.
      const arp = oracle.filter((p) => /^ARP/.test(p.inner)).length;
      expect(res.journeyCount).toBe(oracle.length - arp);
    } finally {
      frames.close();
    }
  });

  it('without frames IPv6 addresses are empty (unknown), never a made-up 0.0.0.0', () => {
    const res = correlate([`n:veth=${FILE}`]);
    const k = Array.from({ length: res.journeyCount }, (_, i) => i).find((i) =>
      res.rows.isIpv6(res.firstRow(i)),
    )!;
    expect(res.rowDetail).toBeNull();
    expect(res.hops(k)[0].src).toBe('');
    expect(res.journeySummary(k)).toMatch(/^IP6 \? > \?: ICMP6, type \d+, length \d+$/);
    // Closing a FrameSource detaches the detail it attached.
    const frames = new FrameSource(res);
    expect(res.hops(k)[0].src).not.toBe('');
    frames.close();
    expect(res.rowDetail).toBeNull();
  });
});

describe('same-lane sightings that are real hops stay one journey', () => {
  it('`-i any` lanes (calico IPIP): a ping seen on tunl0 then in IPIP on ens33 after an ARP wait > 1 ms', () => {
    const res = correlate(fixtureFiles('any-calico-ipip'));
    const echo = new Map<string, number>();
    for (let k = 0; k < res.journeyCount; k++) {
      const s = res.journeySummary(k);
      const m = /ICMP echo (request|reply), id \d+, seq (\d+)/.exec(s);
      if (!m) continue;
      const key = `${m[1]} ${m[2]}`;
      echo.set(key, (echo.get(key) ?? 0) + 1);
      const hops = res.hops(k);
      // Each echo crosses both nodes, with its IPIP hop on each side.
      expect(new Set(hops.map((h) => h.node))).toEqual(new Set(['node-1', 'node-2']));
      expect(hops.filter((h) => h.encap.some((e) => e.type === 'ipip'))).toHaveLength(2);
    }
    expect(echo.size).toBeGreaterThanOrEqual(6);
    for (const n of echo.values()) expect(n).toBe(1);
  });
});
