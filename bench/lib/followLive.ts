// The app's live path on a capture folder, in a process of its own so bench/live.ts can measure its CPU and
// memory: a LiveCorrelatorHandle (the live-correlation worker: tails the files, decodes, correlates through the
// bounded window) feeding a LiveSession (the main thread's columns), exactly as main/app/liveCapture.ts wires
// them, minus the UI. Ends on SIGTERM: drains the files, prints one JSON line of statistics on stdout.
//
//   node bin/run-ts.mjs bench/lib/followLive.ts --dir SESSION_FOLDER
//
// HS_BENCH_SNAPSHOTS=1 also prints a line per snapshot on stderr: its cost, the rows it covered and sent, its
// journeys (and how many the live window froze, relinked and forced), and each node's clock method and
// uncertainty (an unbounded one makes the live window keep ~10 s).

import fs from 'node:fs';
import path from 'node:path';

import { LiveCorrelatorHandle } from '../../main/app/liveCorrelatorHandle.ts';
import { LiveSession } from '../../main/app/liveSession.ts';

export interface FollowStats {
  rows: number;
  journeys: number;
  flows: number;
  snapshots: number;
  /** Snapshot costs in the worker (ms): median and largest. */
  costP50Ms: number;
  costMaxMs: number;
  /** The latest snapshot: journeys frozen by the window are not in it; how many rows it sent. */
  lastSentRows: number;
  errors: string[];
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--dir');
  if (i < 0) throw new Error('usage: followLive.ts --dir SESSION_FOLDER');
  const dir = process.argv[i + 1];
  const doc = JSON.parse(fs.readFileSync(path.join(dir, 'session.json'), 'utf8')) as {
    captures: { node: string; iface: string; file: string }[];
  };
  const lanes = doc.captures.map((c) => ({ node: c.node, iface: c.iface, file: path.join(dir, c.file) }));
  const live = new LiveSession('bench', 'bench', dir, lanes);
  const handle = new LiveCorrelatorHandle();
  const costs: number[] = [];
  const errors: string[] = [];
  let journeys = 0;
  let flows = 0;
  let lastSentRows = 0;
  handle.start(
    { id: 'bench', title: 'bench', dir, lanes, baseSec: live.baseSec },
    {
      rows: (r) => live.addRows(r),
      journeys: (j) => {
        live.adoptJourneys(j);
        costs.push(j.costMs);
        journeys = j.journeys;
        flows = j.flows;
        lastSentRows = j.journey.length;
        if (process.env.HS_BENCH_SNAPSHOTS === '1')
          process.stderr.write(
            `snapshot ${costs.length}: ${j.costMs.toFixed(0)} ms, rows ${j.rows} (of ${live.count} here), ` +
              `sent ${j.journey.length} from row ${j.from}, journeys ${j.journeys} (frozen ${j.window.frozen}, ` +
              `${j.window.linkedSegments} segments relinked, cuts forced ${j.window.forcedCuts}), clocks ` +
              j.clocks
                .map(
                  (c) =>
                    `${c.node} ${c.method} ±${c.uncertaintyNs === null ? '∞' : (c.uncertaintyNs / 1e3).toFixed(0) + ' µs'}`,
                )
                .join(' / ') +
              `${j.settled ? ', settled' : ''}\n`,
          );
      },
      error: (e) => errors.push(e.message),
    },
  );
  // Keep the process alive (the worker is unref'd) until SIGTERM.
  const keep = setInterval(() => {}, 1 << 30);
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await handle.drain();
  clearInterval(keep);
  handle.close();
  const sorted = [...costs].sort((a, b) => a - b);
  const stats: FollowStats = {
    rows: live.count,
    journeys,
    flows,
    snapshots: costs.length,
    costP50Ms: sorted.length ? sorted[sorted.length >> 1] : 0,
    costMaxMs: sorted.length ? sorted[sorted.length - 1] : 0,
    lastSentRows,
    errors,
  };
  process.stdout.write(JSON.stringify(stats) + '\n');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
