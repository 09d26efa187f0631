// bench/replicate.ts: a recorded fixture written N times over correlates as the recording does, N times over (its
// copies' packets renumbered alike on every capture, inside VXLAN, Geneve and WireGuard too), and says no packet
// stopped where the recording has none (its copies are long enough for `stopped N` to be asked at all).

import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { journeyStops } from '../../main/correlate/stops.ts';
import { correlate, filesIn, FIXTURES } from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function replicated(folder: string, n: number): string {
  const out = tempDir('hs-replicate-');
  execFileSync(process.execPath, [
    path.join(ROOT, 'bin/run-ts.mjs'),
    path.join(ROOT, 'bench/replicate.ts'),
    path.join(FIXTURES, folder),
    out,
    String(n),
  ]);
  return out;
}

/** The fixture folder's correlation and its × 3's, which has three times its rows, journeys and hops. */
function threeTimes(folder: string) {
  const one = correlate(filesIn(path.join(FIXTURES, folder)));
  const three = correlate(filesIn(replicated(folder, 3)));
  expect(three.rowCount).toBe(3 * one.rowCount);
  expect(three.journeyCount).toBe(3 * one.journeyCount);
  const hops = (res: typeof one) =>
    [...Array(res.journeyCount).keys()].map((k) => res.journeyRows(k).length).sort((a, b) => a - b);
  expect(hops(three)).toEqual(
    hops(one)
      .flatMap((h) => [h, h, h])
      .sort((a, b) => a - b),
  );
  return { one, three };
}

// any-flannel-vxlan, any-calico-ipip: Linux cooked captures (`-i any`, SLL2).
describe('bench/replicate.ts', () => {
  it.each(['flannel-vxlan', 'antrea-geneve', 'calico-wireguard', 'any-flannel-vxlan', 'any-calico-ipip'])(
    '%s × 3: three times the journeys, hops and encrypted crossings, and nothing stopped',
    (folder) => {
      expect(journeyStops(threeTimes(folder).three).count).toBe(0);
    },
  );

  it("drops-flannel-vxlan × 3 (the bench's mixed set): three times the journeys, hops and stops", () => {
    // Pings and connections dropped and rejected by iptables: its ICMP errors quote the packets they answer.
    const { one, three } = threeTimes('drops-flannel-vxlan');
    expect(journeyStops(one).count).toBeGreaterThan(0);
    expect(journeyStops(three).count).toBe(3 * journeyStops(one).count);
  });
});
