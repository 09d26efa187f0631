// One corrected time per packet, whatever shows it: node-2's clock estimate in the sample session has a
// fraction of a nanosecond (405.5 ns), and the pcapng (rounding t − offset) was 1 ns off the JSON, CSV and
// ladder (t − round(offset)), and the app's panes off its ladder.

import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { tempDir } from '../tempDir.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SAMPLE = join(ROOT, 'resources/sample-session');

function hopscope(args: string[]): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/hopscope.mjs'), ...args], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('clock-corrected times', () => {
  it('are the same integer nanoseconds in the pcapng (--corrected-time) and the JSON tNs, hop by hop', () => {
    const doc = JSON.parse(hopscope(['correlate', '--json', SAMPLE]));
    const node2 = doc.clocks.find((c: { node: string }) => c.node === 'node-2');
    expect(node2.method).not.toBe('reference');
    const out = join(tempDir('hs-ct-'), 'c.pcapng');
    hopscope(['export', '--pcapng', out, '--corrected-time', SAMPLE]);
    const r = spawnSync(
      'tshark',
      ['-r', out, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.comment'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status, r.stderr).toBe(0);
    let compared = 0;
    let node2Hops = 0;
    for (const line of r.stdout.trim().split('\n')) {
      const [epoch, comment] = line.split('\t');
      const m = /^journey (\d+) hop (\d+)\//.exec(comment ?? '');
      if (!m) continue;
      const hop = doc.journeys[Number(m[1]) - 1].hops[Number(m[2]) - 1];
      const [sec, frac] = epoch.split('.');
      expect(BigInt(sec) * 1_000_000_000n + BigInt(frac.padEnd(9, '0')), line).toBe(BigInt(hop.tNs));
      compared++;
      if (hop.node === 'node-2') node2Hops++;
    }
    expect(compared).toBeGreaterThan(20);
    expect(node2Hops).toBeGreaterThan(10);
  });
});
