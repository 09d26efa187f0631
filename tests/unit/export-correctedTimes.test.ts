// One corrected time per packet, whatever shows it: node-2's clock estimate in the sample session has a
// fraction of a nanosecond (405.5 ns), and the pcapng (rounding t − offset) was 1 ns off the JSON, CSV and
// ladder (t − round(offset)), and the app's panes off its ladder.

import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { tempDir } from '../tempDir.ts';
import { nodeMovedCopy } from './correlate-helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SAMPLE = join(ROOT, 'resources/sample-session');

function hopscope(args: string[]): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/hopscope.mjs'), ...args], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** Compares the pcapng's corrected times (tshark) with the JSON's tNs, hop by hop; how many hops, node-2's. */
function pcapngMatchesJson(input: string): { compared: number; node2Hops: number; doc: JourneysDoc } {
  const doc = JSON.parse(hopscope(['correlate', '--json', input])) as JourneysDoc;
  const out = join(tempDir('hs-ct-'), 'c.pcapng');
  hopscope(['export', '--pcapng', out, '--corrected-time', input]);
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
  return { compared, node2Hops, doc };
}

interface JourneysDoc {
  clocks: { node: string; method: string }[];
  journeys: { hops: { node: string; tNs: string; latencyNs: number | null }[] }[];
}

describe('clock-corrected times', () => {
  it('are the same integer nanoseconds in the pcapng (--corrected-time) and the JSON tNs, hop by hop', () => {
    const { compared, node2Hops, doc } = pcapngMatchesJson(SAMPLE);
    expect(doc.clocks.find((c) => c.node === 'node-2')!.method).not.toBe('reference');
    expect(compared).toBeGreaterThan(20);
    expect(node2Hops).toBeGreaterThan(10);
  });

  it('a drifting clock: corrected along its line in the pcapng as in the JSON, every latency ≥ 0', () => {
    const dir = nodeMovedCopy('flannel-vxlan-20s', 'node-2', (since) => -40e6 - since * 80e-6);
    try {
      const { compared, node2Hops, doc } = pcapngMatchesJson(dir);
      expect(doc.clocks.find((c) => c.node === 'node-2')!.method).toBe('traffic-drift');
      expect(compared).toBe(80 * 6);
      expect(node2Hops).toBe(80 * 3);
      // 80 ppm over 20 s is 1.6 ms: a steady offset would leave hops of −0.8 ms at one end.
      const latencies = doc.journeys.flatMap((j) => j.hops.map((h) => h.latencyNs ?? 0));
      expect(Math.min(...latencies)).toBeGreaterThanOrEqual(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
