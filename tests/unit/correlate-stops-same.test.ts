// findStops (main/correlate/stops.ts) skips the path hashing of conversations whose journeys' paths all have one
// length, and walks rows instead of copying paths: on every fixture set, as recorded and with packets taken out of
// one capture (so that many journeys stop short), it claims exactly what its first version (stops-reference.ts)
// claimed, with the default edge and with none.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

import type { CorrelationResult } from '../../main/correlate/result.ts';
import { findStops } from '../../main/correlate/stops.ts';
import { correlateInputs } from '../../main/session/ingest.ts';
import { loadInputs } from '../../main/session/inputs.ts';
import { FIXTURES, filesIn, fixtureCopy, readPcap } from './correlate-helpers.ts';
import { referenceStops } from './stops-reference.ts';

/** Every folder under tests/fixtures that holds captures. */
function captureFolders(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const here = entries.some((e) => e.isFile() && /\.pcap(ng)?$/.test(e.name)) ? [dir] : [];
  return [
    ...here,
    ...entries.filter((e) => e.isDirectory()).flatMap((e) => captureFolders(join(dir, e.name))),
  ];
}

function correlateFolder(dir: string): CorrelationResult {
  const inputs = loadInputs(filesIn(dir));
  if (!inputs.ok) throw new Error(inputs.error.message);
  return correlateInputs(inputs.value, {}).result;
}

/** Both claims, journey by journey, and how many there are. */
function compare(res: CorrelationResult, edgeNs: number | undefined): number {
  const want = referenceStops(res, { edgeNs });
  const got = findStops(res, { edgeNs });
  expect(got.journeys()).toEqual([...want.keys()].sort((a, b) => a - b));
  for (const k of got.journeys()) expect(got.of(k), `journey ${k + 1}`).toEqual(want.get(k));
  return want.size;
}

function littleEndianPcap(file: string): boolean {
  try {
    readPcap(file);
    return true;
  } catch {
    return false;
  }
}

const FOLDERS = captureFolders(FIXTURES).map((d) => relative(FIXTURES, d));

describe('findStops claims what its first version claimed', () => {
  it('finds the fixture folders', () => {
    expect(FOLDERS).toContain('drops-flannel-vxlan');
    expect(FOLDERS).toContain('ipv6-ext/conntrack');
  });

  it.each(FOLDERS)('on %s as recorded', (folder) => {
    const res = correlateFolder(join(FIXTURES, folder));
    compare(res, undefined);
    compare(res, 0);
  });

  it('on the sets with every third packet of one capture taken out', () => {
    let claimed = 0;
    // fixtureCopy names its copy after the folder: the sets in subfolders (a variant of their parent's) are left out.
    for (const folder of FOLDERS.filter((f) => !f.includes('/'))) {
      const files = filesIn(join(FIXTURES, folder)).filter((f) => f.endsWith('.pcap'));
      // fixtureCopy rewrites little-endian classic pcaps only (synthetic's big-endian ones are left out).
      if (files.length < 2 || !files.every(littleEndianPcap)) continue;
      const thinned = files[1].slice(files[1].lastIndexOf('/') + 1);
      const dir = fixtureCopy(folder, {
        transform: (f, records) => (f === thinned ? records.filter((_, i) => i % 3 !== 1) : records),
      });
      const res = correlateFolder(dir);
      claimed += compare(res, undefined) + compare(res, 0);
    }
    // The comparison is not of empty claims only.
    expect(claimed).toBeGreaterThan(20);
  });
});
