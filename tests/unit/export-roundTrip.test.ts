// Reading back our own pcapng export. Hops of one journey captured in the same nanosecond (a pod's veth and its bridge, a tunnel device and the
// NIC) are written in path order: the merged pcapng wrote them by row (the bridge's file first), so the journey
// went backwards in Wireshark and in a correlation of the export itself. And an interface that saw nothing is a
// lane of the export's correlation too (only the first of a pcapng's quiet interfaces was).

import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { scanInputs } from '../../main/app/sessionScan.ts';
import { correlateInputs } from '../../main/session/ingest.ts';
import { loadInputs } from '../../main/session/inputs.ts';
import { fixtureFiles } from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

const ROOT = resolve(import.meta.dirname, '../..');

function hopscope(args: string[]): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/hopscope.mjs'), ...args], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

const pathOf = (j: { hops: { node: string; iface: string }[] }) =>
  j.hops.map((h) => `${h.node}/${h.iface}`).join(' ');

describe('same-time hops in the merged pcapng', () => {
  const files = fixtureFiles('flannel-vxlan');

  it('are in path order, and a correlation of the export finds the same paths', () => {
    const out = join(tempDir('hs-ties-'), 'x.pcapng');
    hopscope(['export', '--pcapng', out, ...files]);
    const r = spawnSync(
      'tshark',
      ['-r', out, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.comment'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const last = new Map<number, { hop: number; t: string }>();
    let ties = 0;
    for (const line of r.stdout.trim().split('\n')) {
      const [t, comment] = line.split('\t');
      const m = /^journey (\d+) hop (\d+)\//.exec(comment ?? '');
      if (!m) continue;
      const k = Number(m[1]);
      const hop = Number(m[2]);
      const prev = last.get(k);
      if (prev) {
        expect(hop, `journey ${k}`).toBeGreaterThan(prev.hop);
        if (prev.t === t) ties++;
      }
      last.set(k, { hop, t });
    }
    expect(ties).toBeGreaterThan(0); // the fixture has them: the test would pass on any order otherwise
    const original = JSON.parse(hopscope(['correlate', '--json', ...files])).journeys.map(pathOf);
    const again = JSON.parse(hopscope(['correlate', '--json', out])).journeys.map(pathOf);
    expect(again).toEqual(original);
  });
});

describe('interfaces that saw nothing', () => {
  it('are lanes when read back from a pcapng, as from their classic files, in the batch and in the app’s scan', () => {
    const files = fixtureFiles('calico-ipip');
    const original = JSON.parse(hopscope(['correlate', '--json', ...files])).captures;
    const quiet = original.filter((c: { packets: number }) => c.packets === 0);
    expect(quiet.length).toBeGreaterThan(0);
    const out = join(tempDir('hs-quiet-'), 'x.pcapng');
    hopscope(['export', '--pcapng', out, ...files]);
    const again = JSON.parse(hopscope(['correlate', '--json', out])).captures;
    const key = (c: { node: string; iface: string; packets: number }) => `${c.node}/${c.iface} ${c.packets}`;
    expect(again.map(key).sort()).toEqual(original.map(key).sort());
    // The app's first scan numbers lanes as the correlation does (its rows are shown before journeys exist).
    const inputs = loadInputs([out]);
    if (!inputs.ok) throw new Error(inputs.error.message);
    const scan = scanInputs(inputs.value, () => {});
    const batch = correlateInputs(inputs.value).result;
    expect(scan.captures.map((c) => `${c.node}/${c.iface} ${c.packets}`)).toEqual(
      batch.captures.map((c) => `${c.node}/${c.iface} ${c.packets}`),
    );
  });
});
