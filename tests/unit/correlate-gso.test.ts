// TCP segments cut on the way (tests/fixtures/gso-vxlan, recorded in the flannel-vxlan lab with the bridge port to
// node-2 cutting large frames, as a NIC doing TSO does): node-1's tcpdumps see the stack's large segments, node-2's
// ens33 the wire's MSS-sized pieces, node-2's VXLAN device merges them again (GRO). Each large segment must be one
// journey through all eight interfaces, its pieces as node-2/ens33 hops, timed from node-1's ens33, and no piece a
// journey of its own.
import { describe, expect, it } from 'vitest';
import type { CorrelationResult } from '../../main/correlate/result.ts';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { journeyJson } from '../../main/export/journeysJson.ts';
import { journeyBlock } from '../../main/export/ladder.ts';
import { correlate, filesIn, fixtureCopy, fixtureFiles, negativeHops, path } from './correlate-helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FILES = fixtureFiles('gso-vxlan');
const SENDER = '10.244.0.12.33400 > 10.244.1.34.5001';
const journeys = (res: CorrelationResult) => Array.from({ length: res.journeyCount }, (_, k) => k);
const lengthOf = (res: CorrelationResult, k: number) =>
  Number(/length (\d+)/.exec(res.journeySummary(k))?.[1] ?? -1);

describe('TCP segments cut on the way (recorded: tests/fixtures/gso-vxlan)', () => {
  it('each large segment is one journey through all eight interfaces, its pieces as node-2/ens33 hops', () => {
    const res = correlate(FILES);
    const data = journeys(res).filter(
      (k) => res.journeySummary(k).startsWith(SENDER) && lengthOf(res, k) > 0,
    );
    // Five large segments (6,990 and four of 8,192 bytes but the last: 7,232) and the 1,202-byte one that fits.
    expect(data.map((k) => lengthOf(res, k))).toEqual([6990, 1202, 8192, 8192, 8192, 7232]);
    for (const k of data) {
      const hops = res.hops(k);
      const pieces = hops.filter((h) => h.changes.includes('split'));
      const len = lengthOf(res, k);
      // 1,398-byte pieces (the MSS), the last one what is left.
      expect(pieces.length, `journey ${k}`).toBe(len > 1398 ? Math.ceil(len / 1398) : 0);
      const n = pieces.length;
      expect(path(res, k)).toEqual([
        'node-1/veth2053e67d',
        'node-1/cni0',
        'node-1/flannel.1',
        'node-1/ens33',
        ...Array<string>(Math.max(n, 1)).fill('node-2/ens33'),
        'node-2/flannel.1',
        'node-2/cni0',
        'node-2/veth470beb22',
      ]);
      if (n === 0) continue;
      // Every piece is timed and compared from node-1's ens33 (hop 4); node-2's flannel.1, GRO's merged segment,
      // from the first piece.
      expect(pieces.map((h) => h.fromHop)).toEqual(Array<number>(n).fill(3));
      expect(pieces.map((h) => h.changes)).toEqual(Array(n).fill(['split']));
      // Each piece says which of the segment's bytes it carries: in order, they tile the whole segment.
      expect(pieces.map((h) => h.piece)).toEqual(
        pieces.map((_, i) => ({ start: i * 1398, end: Math.min(len, (i + 1) * 1398), of: len })),
      );
      expect(hops.filter((h) => !h.changes.includes('split')).map((h) => h.piece)).toEqual(
        Array(hops.length - n).fill(null),
      );
      const merged = hops[4 + n];
      expect(merged.iface).toBe('flannel.1');
      expect(merged.fromHop).toBe(4);
      expect(merged.changes).toEqual(['mac', 'encap-vxlan', 'merged']);
      expect(merged.latencyNs).toBeGreaterThan(0);
    }
    // No piece is left as a journey of its own: every TCP journey crosses both nodes.
    const tcp = journeys(res).filter((k) =>
      /^10\.244\.\S+ > 10\.244\.\S+: Flags/.test(res.journeySummary(k)),
    );
    for (const k of tcp)
      expect(new Set(path(res, k).map((p) => p.split('/')[0])), `journey ${k}`).toEqual(
        new Set(['node-1', 'node-2']),
      );
    expect(negativeHops(res)).toEqual([]);
  });

  it("the ladder and the JSON say which of the segment's bytes each piece carries", () => {
    const res = correlate(FILES);
    const k = journeys(res).find((j) =>
      res.journeySummary(j).startsWith(`${SENDER}: Flags [P.], length 6990`),
    )!;
    // Five pieces of 6,990 bytes: four of the MSS, 1,398, and the 1,398 left.
    const lines = journeyBlock(res, k).split('\n');
    expect(lines.filter((l) => l.includes('[split]')).map((l) => /\[bytes [^\]]*\]$/.exec(l)?.[0])).toEqual([
      '[bytes 0:1398 of 6990]',
      '[bytes 1398:2796 of 6990]',
      '[bytes 2796:4194 of 6990]',
      '[bytes 4194:5592 of 6990]',
      '[bytes 5592:6990 of 6990]',
    ]);
    expect(lines.filter((l) => l.includes('[bytes '))).toHaveLength(5);
    const hops = journeyJson(res, k).hops as Record<string, unknown>[];
    expect(hops.map((h) => h.piece ?? null)).toEqual([
      ...Array(4).fill(null),
      ...[0, 1398, 2796, 4194, 5592].map((start) => ({ start, end: start + 1398, of: 6990 })),
      ...Array(3).fill(null),
    ]);
    // Only a piece has the key.
    expect(hops.filter((h) => 'piece' in h)).toHaveLength(5);
  });

  it("the pcapng's comments say each piece's bytes, the whole export's and a filtered one's alike (tshark reads them)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'hs-gso-'));
    try {
      const comments = (filter: string[]) => {
        const out = join(dir, `${filter.length ? 'some' : 'all'}.pcapng`);
        execFileSync(
          'node',
          [join(ROOT, 'bin/hopscope.mjs'), 'export', '--pcapng', out, ...filter, ...FILES],
          {
            stdio: 'ignore',
          },
        );
        return execFileSync('tshark', ['-r', out, '-T', 'fields', '-e', 'frame.comment'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        })
          .split('\n')
          .filter((c) => c.includes(': split'));
      };
      // The 6,990-byte segment's five pieces (the filtered export: that journey's frames only, by its length).
      const bytes = (cs: string[]) =>
        cs.map((c) => /\(bytes (\d+):(\d+) of (\d+)\)$/.exec(c)?.slice(1).join(' '));
      const some = comments(['--filter', 'length 6990']);
      expect(bytes(some)).toEqual([
        '0 1398 6990',
        '1398 2796 6990',
        '2796 4194 6990',
        '4194 5592 6990',
        '5592 6990 6990',
      ]);
      const all = comments([]);
      // Every piece of every segment: 29 on the wire.
      expect(all).toHaveLength(29);
      expect(bytes(all).every((b) => b !== undefined)).toBe(true);
      expect(all.filter((c) => c.endsWith('of 6990)'))).toEqual(some);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a segment whose bytes run past sequence number 2^32 finds its pieces on both sides of the wrap', () => {
    // The same recording with the sender's sequence numbers moved so that its first data byte is 2^32 − 3,000: the
    // 6,990-byte segment's pieces start at 2^32 − 3,000, − 1,602, − 204, then 1,194 and 2,592 (wrapped).
    const delta = (2 ** 32 - 3000 - (ISN + 1)) >>> 0;
    const dir = fixtureCopy('gso-vxlan', {
      transform: (_, records) =>
        records.map((r) => {
          const at = tcpHeaderAt(r.data);
          if (at === null) return r;
          const data = Uint8Array.from(r.data);
          const v = new DataView(data.buffer);
          // The sender's sequence numbers, and the receiver's acknowledgements of them.
          const fromSender = v.getUint16(at, false) === 33400;
          const field = at + (fromSender ? 4 : 8);
          v.setUint32(field, (v.getUint32(field, false) + delta) >>> 0, false);
          return { ...r, data };
        }),
    });
    try {
      const res = correlate(filesIn(dir));
      const k = journeys(res).find((j) =>
        res.journeySummary(j).startsWith(`${SENDER}: Flags [P.], length 6990`),
      )!;
      const pieces = res.hops(k).filter((h) => h.changes.includes('split'));
      expect(pieces.map((h) => h.piece)).toEqual(
        [0, 1398, 2796, 4194, 5592].map((start) => ({ start, end: start + 1398, of: 6990 })),
      );
      // As without the wrap: every large segment joined by its pieces, none left alone.
      expect(
        journeys(res).filter(
          (j) => res.journeySummary(j).startsWith(SENDER) && path(res, j).join() === 'node-2/ens33',
        ),
      ).toEqual([]);
      expect(res.journeyCount).toBe(correlate(FILES).journeyCount);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pieces that do not cover the whole segment stay journeys of their own', () => {
    // node-2's ens33 without the first piece of each large segment (the pieces whose sequence number is one a large
    // segment starts at): the rest start past the segment's first byte, so nothing joins.
    const starts = new Set([1, 8193, 16385, 24577, 32769].map((rel) => (ISN + rel) >>> 0));
    const dir = fixtureCopy('gso-vxlan', {
      transform: (f, records) =>
        f === 'node-2__ens33.pcap'
          ? records.filter(
              (r) => !(innerTcpSeq(r.data) !== null && starts.has(innerTcpSeq(r.data)!) && r.origLen > 1000),
            )
          : records,
    });
    try {
      const res = correlate(filesIn(dir));
      expect(journeys(res).some((k) => res.hops(k).some((h) => h.changes.includes('split')))).toBe(false);
      // 29 pieces on the wire, less the five dropped: 24 one-hop journeys on node-2's ens33.
      const alone = journeys(res).filter(
        (k) => res.journeySummary(k).startsWith(SENDER) && path(res, k).join() === 'node-2/ens33',
      );
      expect(alone).toHaveLength(24);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The sender's initial sequence number in this recording (its SYN's). */
const ISN = 3720758684;

/** Where a frame's (inner, for VXLAN on 8472) TCP header starts, null for other frames (Ethernet, IPv4). */
function tcpHeaderAt(frame: Uint8Array): number | null {
  let ip = 14;
  if (frame.length < ip + 20 || frame[12] !== 0x08 || frame[13] !== 0x00) return null;
  let ihl = (frame[ip] & 15) * 4;
  if (frame[ip + 9] === 17 && ((frame[ip + ihl + 2] << 8) | frame[ip + ihl + 3]) === 8472) {
    ip = ip + ihl + 8 + 8 + 14;
    if (frame.length < ip + 20) return null;
    ihl = (frame[ip] & 15) * 4;
  }
  return frame[ip + 9] === 6 && frame.length >= ip + ihl + 12 ? ip + ihl : null;
}

/** The TCP sequence number of a VXLAN frame's inner TCP segment (Ethernet, IPv4, UDP, VXLAN, Ethernet, IPv4: 84). */
function innerTcpSeq(frame: Uint8Array): number | null {
  if (frame.length < 92 || frame[23] !== 17 || frame[14 + 20 + 8 + 8 + 14 + 9] !== 6) return null;
  return new DataView(frame.buffer, frame.byteOffset).getUint32(84 + 4, false);
}
