// The app's live path on a kept capture folder, without the lab: the folder's captures are copied into a fresh
// one at SPEED × their real rate, as tcpdump would have written them, while bench/lib/followLive.ts follows the
// copy in a process of its own (as `bench/live.ts --correlate` does). Prints that process's resident memory
// every second, its peak and CPU, what it followed, and where its memory is at the end (by kind of mapping). A
// capture folder comes from `HS_BENCH_KEEP=1 sudo node bin/run-ts.mjs bench/live.ts` (or any `hopscope capture
// --out`). Linux (/proc).
//
//   node bin/run-ts.mjs bench/liveReplay.ts --dir KEPT_FOLDER [--speed 2]

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { FollowStats } from './lib/followLive.ts';
import { CaptureCopier } from './lib/pcapIndex.ts';
import { CLK_TCK, MAPPING_KINDS, procSample, residentByMapping } from './lib/proc.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STEP_MS = 250;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function arg(name: string): string | null {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? null : (process.argv[i + 1] ?? null);
}

async function main(): Promise<void> {
  const dir = arg('dir');
  if (!dir) throw new Error('usage: liveReplay.ts --dir KEPT_CAPTURE_FOLDER [--speed 2]');
  const speed = Number(arg('speed') ?? 2);
  if (!(speed > 0)) throw new Error('--speed needs a positive number');
  const doc = JSON.parse(fs.readFileSync(path.join(dir, 'session.json'), 'utf8')) as {
    captures: { file: string }[];
  };
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-bench-replay-'));
  try {
    // session.json (clock probes, discovered interfaces) is there from the start, as in a capture.
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json')))
      fs.copyFileSync(path.join(dir, f), path.join(out, f));
    const copier = new CaptureCopier(
      doc.captures.map((c) => path.join(dir, c.file)),
      out,
    );
    copier.advance(-Infinity); // the file headers
    const follower = spawn(
      process.execPath,
      [path.join(ROOT, 'bin/run-ts.mjs'), 'bench/lib/followLive.ts', '--dir', out],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let followOut = '';
    follower.stdout.setEncoding('utf8').on('data', (d: string) => (followOut += d));
    const closed = new Promise<void>((r) => follower.on('close', () => r()));
    await sleep(3000); // its modules and worker start before the traffic does
    const pid = follower.pid!;
    const first = procSample(pid);
    if (!first) throw new Error('the follower ended before the replay started');
    const rssMiB: number[] = [];
    const start = Date.now();
    let lastSample = start;
    for (;;) {
      const cut = copier.t0 + (Date.now() - start) * 1e6 * speed;
      const done = cut > copier.t1;
      copier.advance(cut, done);
      if (Date.now() - lastSample >= 1000 || done) {
        lastSample = Date.now();
        const s = procSample(pid);
        if (s) rssMiB.push(Math.round(s.rssKiB / 1024));
      }
      if (done) break;
      await sleep(STEP_MS);
    }
    const replayS = (Date.now() - start) / 1000;
    await sleep(5000); // the last rows and the settled snapshot (lanes quiet 1 s, then up to 2 s to the next)
    const end = procSample(pid);
    const where = residentByMapping(pid);
    copier.close();
    follower.kill('SIGTERM');
    await closed;
    const stats = JSON.parse(followOut.trim().split('\n').pop() ?? '{}') as FollowStats;
    const cores = end ? (end.ticks - first.ticks) / CLK_TCK / ((Date.now() - start) / 1000) : NaN;
    console.log(
      `${dir}: ${((copier.t1 - copier.t0) / 1e9).toFixed(1)} s of traffic replayed in ${replayS.toFixed(1)} s (${speed} ×)\n`,
    );
    console.log('| measure | value |\n|---|---|');
    console.log(`| rows followed / journeys / flows | ${stats.rows} / ${stats.journeys} / ${stats.flows} |`);
    console.log(
      `| snapshots, cost in the worker (median / largest) | ${stats.snapshots}, ${stats.costP50Ms?.toFixed(0)} / ${stats.costMaxMs?.toFixed(0)} ms |`,
    );
    console.log(`| peak RSS | ${end ? Math.round(end.hwmKiB / 1024) : '?'} MiB |`);
    console.log(`| CPU (cores, mean over the replay and drain) | ${cores.toFixed(2)} |`);
    if (where)
      console.log(
        `| resident at the end, by mapping (MiB) | ${MAPPING_KINDS.map((k) => `${k}: ${Math.round(where[k] / 1024)}`).join(' · ')} |`,
      );
    console.log(`| errors | ${stats.errors?.length ? stats.errors.join('; ') : 'none'} |`);
    console.log(`\nRSS each second of the replay (MiB): ${rssMiB.join(' ')}`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
