// What a live snapshot costs as a capture grows: the bounded window (main/correlate/window.ts, what the app's
// live worker runs) against relinking the whole capture every time (what it did before), measured on the same
// correlator at the same moments. The generated two-node VXLAN path (8 interfaces, ~80 k packets/s) is written
// into growing files every 2 s of traffic, as tcpdump would, and followed by a LiveCorrelator with the default
// windows (10 s pre-pass reach); after each of its snapshots, a full phase B plus the per-row columns of the
// same rows is timed too.
//
//   node bin/run-ts.mjs bench/liveWindow.ts [--journeys N] [--step-s S]     (N = 400000: 40 s of traffic)
//   node bin/run-ts.mjs bench/liveWindow.ts --dir CAPTURE_FOLDER [--step-s S]  (a finished capture, replayed)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { LiveCorrelator } from '../main/app/liveCorrelator.ts';
import { LoadedSession } from '../main/app/loadedSession.ts';
import { LinkWindow } from '../main/correlate/window.ts';
import { generate, readManifest } from './generate.ts';
import { CaptureCopier } from './lib/pcapIndex.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

function main(): void {
  const stepNs = arg('step-s', 2) * 1e9;
  const given = process.argv.indexOf('--dir');
  let inputs: { node: string; iface: string; path: string }[];
  let what: string;
  if (given >= 0) {
    // A capture folder (`hopscope capture --out`, the app's): its session.json names the files.
    const dir = process.argv[given + 1];
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'session.json'), 'utf8')) as {
      captures: { node: string; iface: string; file: string }[];
    };
    inputs = doc.captures.map((c) => ({ node: c.node, iface: c.iface, path: path.join(dir, c.file) }));
    what = dir;
  } else {
    const journeys = arg('journeys', 400_000);
    const dir = path.join(ROOT, 'bench/data', `live-window-${journeys}`);
    const m = readManifest(dir, journeys) ?? generate({ outDir: dir, journeys, seed: 1, extras: false });
    inputs = m.path.map((f) => ({ node: f.node, iface: f.iface, path: path.join(dir, f.path) }));
    what = `the generated path, ${journeys} journeys`;
  }
  const files = inputs.map((f) => f.path);
  const live = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-bench-livewin-'));
  const copier = new CaptureCopier(files, live);
  const { t0, t1 } = copier;
  // A capture folder's session.json (SSH clock probes, discovered interfaces) comes along, as it would be there.
  if (given >= 0)
    for (const f of fs.readdirSync(process.argv[given + 1]).filter((n) => n.endsWith('.json')))
      fs.copyFileSync(path.join(process.argv[given + 1], f), path.join(live, f));
  const lanes = inputs.map((f, i) => ({ node: f.node, iface: f.iface, file: copier.copies[i] }));
  let clock = 0;
  const lc = new LiveCorrelator({
    id: 'bench',
    title: 'bench',
    dir: live,
    lanes,
    baseSec: Math.floor(t0 / 1e9),
    now: () => clock,
  });
  console.log(
    `${what}: ${files.length} files, ${((t1 - t0) / 1e9).toFixed(1)} s of traffic; a snapshot every ` +
      `${stepNs / 1e9} s of it (default windows: journeys freeze ~10 s behind the watermark)\n`,
  );
  console.log(
    '| traffic s | rows      | journeys | frozen  | cuts forced | window snapshot ms | full relink + columns ms | full / window |',
  );
  console.log(
    '| --------- | --------- | -------- | ------- | ----------- | ------------------ | ------------------------ | ------------- |',
  );
  const rowsOut: string[] = [];
  try {
    for (let cut = t0 + stepNs; ; cut += stepNs) {
      const last = cut >= t1;
      // Every record before the cut (all of them at the end), copied as tcpdump would have written it.
      copier.advance(cut, last);
      clock += stepNs / 1e6;
      lc.poll();
      const j = lc.snapshot(last);
      // The same moment, relinked in full (a fresh window freezes nothing) and indexed row by row.
      const w = last ? lc.correlator.nodes.map(() => Infinity) : lc.watermark();
      const f0 = performance.now();
      const res = new LinkWindow().link(lc.correlator, w, false);
      const s = new LoadedSession('full', 'full', live, lc.correlator, res, []);
      const fullMs = performance.now() - f0;
      s.frames.close();
      if (res.journeyCount !== j.journeys)
        throw new Error(`full relink: ${res.journeyCount} journeys, window ${j.journeys}`);
      const line =
        `| ${((Math.min(cut, t1) - t0) / 1e9).toFixed(1).padStart(9)} | ${String(j.rows).padStart(9)} | ` +
        `${String(j.journeys).padStart(8)} | ${String(lc.window.frozen).padStart(7)} | ` +
        `${String(lc.window.stats.forcedCuts).padStart(11)} | ` +
        `${j.costMs.toFixed(0).padStart(18)} | ${fullMs.toFixed(0).padStart(24)} | ` +
        `${(fullMs / j.costMs).toFixed(1).padStart(12)}× |`;
      console.log(line);
      rowsOut.push(line);
      if (last) break;
    }
  } finally {
    lc.close();
    copier.close();
    fs.rmSync(live, { recursive: true, force: true });
  }
  console.log(`\nnode ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`);
}

main();
