// The journey summaries (JSON `summary`, CSV, pcapng comments, the ladder) against tcpdump's own lines for the
// same packets: TCP flags in tcpdump's order and a TCP segment's length as its payload, not its IP length.

import { spawnSync } from 'node:child_process';

import { describe, expect, it } from 'vitest';

import { innerSummary } from '../../main/correlate/hops.ts';
import { tcpFlagsString } from '../../main/decode/tcp.ts';
import { correlate, fixtureFiles } from './correlate-helpers.ts';

/** "Flags [X], … length N" of tcpdump's line for each TCP packet of a file, in file order. */
function tcpdumpTcp(file: string): string[] {
  const r = spawnSync('tcpdump', ['-nn', '-r', file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => l.includes(': Flags ['))
    .map((l) => {
      const m = /: Flags \[([^\]]*)\],.*?, length (\d+)/.exec(l);
      if (!m) throw new Error(`unexpected tcpdump line: ${l}`);
      return `Flags [${m[1]}], length ${m[2]}`;
    });
}

describe('journey summaries say what tcpdump says', () => {
  // kube-proxy: curls through a ClusterIP and a NodePort, SYNs with options, requests and replies with data.
  const files = fixtureFiles('kube-proxy').filter((f) => tcpdumpTcp(f).length > 0);

  it('for every TCP packet of the kube-proxy captures: the flags and the payload length', () => {
    expect(files.length).toBeGreaterThan(4);
    let compared = 0;
    let withData = 0;
    for (const file of files) {
      const want = tcpdumpTcp(file);
      const res = correlate([file]);
      const got: string[] = [];
      for (let r = 0; r < res.rowCount; r++) {
        if (res.rows.tcpFlags(r) < 0) continue;
        got.push(/Flags \[[^\]]*\], length \d+$/.exec(innerSummary(res.rows, r))![0]);
      }
      expect(got, file).toEqual(want);
      compared += got.length;
      withData += got.filter((g) => !g.endsWith('length 0')).length;
    }
    expect(compared).toBeGreaterThan(300);
    expect(withData).toBeGreaterThan(50); // requests and replies, not only handshakes
  });

  it('orders the flags as tcpdump does (print-tcp.c: F S R P . U E W)', () => {
    const [F, S, R, P, A, U, E, W] = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80];
    expect(tcpFlagsString(S | A)).toBe('S.');
    expect(tcpFlagsString(F | P | A)).toBe('FP.');
    expect(tcpFlagsString(U | A)).toBe('.U');
    expect(tcpFlagsString(S | E | W)).toBe('SEW');
    expect(tcpFlagsString(R | A)).toBe('R.');
    expect(tcpFlagsString(0)).toBe('none');
  });
});
