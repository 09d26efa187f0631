// The export's first-hop summary written as bytes (main/export/summaryBytes.ts) against innerSummary's string
// (main/correlate/hops.ts), on every IPv4 and non-IP row of every recorded fixture: TCP (cut options too), UDP,
// SCTP, ICMP echo and errors, IGMP and other protocols, fragments, ARP (absent fields, -1). And the export's use of
// it: the rows whose summary comes from the columns are exactly those rowSummary takes from innerSummary.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { innerSummary } from '../../main/correlate/hops.ts';
import { CommentBytes } from '../../main/export/commentBytes.ts';
import { innerSummaryInto, SUMMARY_BYTES } from '../../main/export/summaryBytes.ts';
import { tempDir } from '../tempDir.ts';
import { correlate, readPcap, writePcap } from './correlate-helpers.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const decoder = new TextDecoder();

/** Fixture folders holding captures (classic pcap or pcapng). */
function scenarios(): string[] {
  return readdirSync(FIXTURES)
    .filter((d) => statSync(join(FIXTURES, d)).isDirectory())
    .filter((d) => readdirSync(join(FIXTURES, d)).some((f) => /\.pcap(ng)?$/.test(f)))
    .sort();
}

/**
 * The folders to compare on: every fixture's, and dns-tcp cut to 60 bytes a frame (as `editcap -s 60` would: TCP
 * options cut, the `[|tcp]` branch no fixture has whole).
 */
function folders(): string[] {
  const cut = tempDir('hs-summary-bytes-');
  writePcap(join(cut, 'node-1__eth0.pcap'), readPcap(join(FIXTURES, 'dns-tcp', 'dns-tcp.pcap')), 60);
  return [...scenarios().map((d) => join(FIXTURES, d)), cut];
}

describe('innerSummaryInto', () => {
  it('finds recorded captures to compare on', () => {
    expect(existsSync(FIXTURES)).toBe(true);
    expect(scenarios().length).toBeGreaterThan(30);
  });

  it('writes innerSummary byte for byte on every IPv4 and non-IP row of every fixture', () => {
    const cb = new CommentBytes();
    let compared = 0;
    let fromColumns = 0;
    for (const folder of folders()) {
      const res = correlate([folder]);
      const rows = res.rows;
      for (let r = 0; r < rows.length; r++) {
        if (rows.isIpv6(r)) continue;
        cb.reset();
        innerSummaryInto(cb, rows, r);
        const want = innerSummary(rows, r);
        const got = decoder.decode(cb.view());
        if (got !== want) expect({ folder, row: r, got }).toEqual({ folder, row: r, got: want });
        expect(cb.len).toBeLessThanOrEqual(SUMMARY_BYTES);
        // Where the export takes it: exactly rowSummary's text.
        if (res.summaryFromColumns(r)) {
          expect(res.rowSummary(r)).toBe(want);
          fromColumns++;
        }
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
    expect(fromColumns).toBeGreaterThan(500);
  });

  it('takes the default header lengths as innerSummary does when a row does not know its own', () => {
    // The header length is the type/flags column's bits 9 and up: cleared, TCP, UDP and ICMP fall back to 40, 28
    // and 20 bytes (rows whose IP options the decoder did not count).
    const cb = new CommentBytes();
    const kinds = new Set<number>();
    for (const folder of folders()) {
      const res = correlate([folder]);
      const rows = res.rows;
      for (let r = 0; r < rows.length; r++) {
        if (rows.isIpv6(r) || rows.headersLen(r) === 0) continue;
        rows.typeOrFlagsCol[r] &= 0x1ff;
        expect(rows.headersLen(r)).toBe(0);
        kinds.add(rows.proto(r));
        cb.reset();
        innerSummaryInto(cb, rows, r);
        const want = innerSummary(rows, r);
        if (decoder.decode(cb.view()) !== want)
          expect({ folder, row: r, got: decoder.decode(cb.view()) }).toEqual({ folder, row: r, got: want });
      }
    }
    expect([...kinds].sort((a, b) => a - b)).toEqual(expect.arrayContaining([1, 6, 17]));
  });

  it('covers every branch innerSummary has across the fixtures', () => {
    const seen = new Set<string>();
    for (const folder of folders()) {
      const rows = correlate([folder]).rows;
      for (let r = 0; r < rows.length; r++) {
        if (rows.isIpv6(r)) continue;
        const s = innerSummary(rows, r);
        if (/: ICMP echo (request|reply), id \d+, seq \d+, length \d+$/.test(s)) seen.add('icmp echo');
        else if (/: ICMP type \d+, length -?\d+$/.test(s)) seen.add('icmp type');
        else if (/: Flags \[[^\]]*\] \[\|tcp\]$/.test(s)) seen.add('tcp cut');
        else if (/: Flags \[[^\]]*\], length \d+$/.test(s)) seen.add('tcp');
        else if (/: UDP, length \d+$/.test(s)) seen.add('udp');
        else if (/: sctp$/.test(s)) seen.add('sctp');
        else if (/: ip-proto-\d+, length \d+$/.test(s)) seen.add('other');
        else if (/: ip-proto-\d+$/.test(s)) seen.add('no l4');
        else if (/ip-proto--1, length -1$/.test(s)) seen.add('absent');
      }
    }
    expect([...seen].sort()).toEqual(
      ['absent', 'icmp echo', 'icmp type', 'no l4', 'other', 'sctp', 'tcp', 'tcp cut', 'udp'].sort(),
    );
  });
});
