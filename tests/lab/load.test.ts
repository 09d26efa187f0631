// Load against the real lab: 2 nodes × 8 interfaces captured at once by `hopscope capture` while bounded
// flood pings run inside the lab (pod → pod across VXLAN, and on 4 extra veth links per node) for
// LOAD_SECONDS (8 in CI; `LOAD_SECONDS=60` for the long run recorded in docs/reliability.md). Must hold:
// every packet tcpdump says it captured is stored (per interface), the CLI's memory stays bounded; figures
// (packets, kernel drops, peak RSS, CPU) are printed as `[load] …` lines.
// Run: flock /tmp/hopscope-lab.lock npx vitest run --project lab tests/lab/load.test.ts   (~30 s, root)

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { podNs } from '../../main/lab/topology.ts';
import { PcapStreamReader } from '../../main/pcap/index.ts';

import {
  BOTH_NODES_ALL_IFACES,
  allCapturing,
  lab,
  labTcpdumps,
  readSession,
  sh,
  sleep,
  SSH_CONFIG,
  startCapture,
  waitUntil,
} from './captureLab.ts';
import { tempDir } from '../tempDir.ts';

const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 8);
const EXTRA = 4; // extra links per node, so each node has 8 capturable interfaces
const MAX_RSS_MB = 400;
const extraNs = (node: number, k: number) => `hsx-rel-n${node}l${k}`;

function addExtraLinks(): void {
  for (const node of [1, 2]) {
    for (let k = 1; k <= EXTRA; k++) {
      const ns = extraNs(node, k);
      sh('ip', ['netns', 'del', ns]);
      const run = (...a: string[]) => expect(sh('ip', a).code, a.join(' ')).toBe(0);
      run('netns', 'add', ns);
      run(
        'link',
        'add',
        `hsxl${k}`,
        'netns',
        `hs-node-${node}`,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        ns,
      );
      run('-n', `hs-node-${node}`, 'addr', 'add', `172.31.${node}.${4 * k + 1}/30`, 'dev', `hsxl${k}`);
      run('-n', ns, 'addr', 'add', `172.31.${node}.${4 * k + 2}/30`, 'dev', 'eth0');
      run('-n', `hs-node-${node}`, 'link', 'set', `hsxl${k}`, 'up');
      run('-n', ns, 'link', 'set', 'eth0', 'up');
      run('-n', ns, 'link', 'set', 'lo', 'up');
    }
  }
}

function removeExtraLinks(): void {
  for (const node of [1, 2]) for (let k = 1; k <= EXTRA; k++) sh('ip', ['netns', 'del', extraNs(node, k)]);
}

function flood(ns: string, dst: string, size: number): ChildProcess {
  return spawn(
    'ip',
    ['netns', 'exec', ns, 'ping', '-n', '-q', '-f', '-s', String(size), '-w', String(LOAD_SECONDS), dst],
    { stdio: 'ignore' },
  );
}

/** utime + stime of a process in seconds, and its resident memory in MiB. */
function procStats(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { cpuS: ticks / 100, rssMb: Number(rss ?? 0) / 1024 };
}

describe.sequential('load: 2 nodes × 8 interfaces under flood pings', () => {
  beforeAll(() => {
    lab('up', 'flannel-vxlan');
    addExtraLinks();
  });
  afterAll(() => {
    removeExtraLinks();
    lab('down');
  });

  it(
    `stores every packet tcpdump captured on 16 interfaces for ${LOAD_SECONDS} s, with bounded memory`,
    async () => {
      const dir = tempDir('hs-load-');
      const run = startCapture([
        '--ssh-config',
        SSH_CONFIG,
        ...BOTH_NODES_ALL_IFACES,
        '--duration',
        String(LOAD_SECONDS + 4),
        '--out',
        dir,
      ]);
      await waitUntil('16 captures listening', () => allCapturing(dir, 16), 40_000);
      const pid = run.child.pid!;
      const start = procStats(pid);
      const t0 = Date.now();
      const floods = [flood(podNs('test-7999578869-k4bn8'), '10.244.1.34', 1000)];
      for (const node of [1, 2])
        for (let k = 1; k <= EXTRA; k++)
          floods.push(flood(extraNs(node, k), `172.31.${node}.${4 * k + 1}`, 200));
      let peakRss = start.rssMb;
      let last = start;
      const sample = setInterval(() => {
        try {
          last = procStats(pid);
          peakRss = Math.max(peakRss, last.rssMb);
        } catch {
          /* exited */
        }
      }, 200);
      await Promise.all(floods.map((f) => new Promise((r) => f.on('close', r))));
      // Stopped once the floods are over (the duration is a backstop): the stop drains what the rings still hold.
      run.child.kill('SIGINT');
      const code = await run.exit;
      clearInterval(sample);
      const wallS = (Date.now() - t0) / 1000;
      expect(code, run.err()).toBe(0);

      const s = readSession(dir);
      expect(s.captures).toHaveLength(16);
      let stored = 0;
      let drops = 0;
      const rows: string[] = [];
      for (const c of s.captures) {
        // Count the stored records with our reader (tcpdump -r on 16 large files is slower than the capture).
        const r = new PcapStreamReader(() => {});
        r.push(new Uint8Array(readFileSync(join(dir, c.file))));
        expect(r.end(), c.file).toBeNull();
        expect(c.state).toBe('stopped');
        expect(r.records, `${c.node}:${c.iface} stored vs tcpdump captured`).toBe(c.tcpdump.captured);
        stored += r.records;
        drops += c.tcpdump.droppedByKernel ?? 0;
        rows.push(`${c.node}:${c.iface}=${r.records}/${c.tcpdump.droppedByKernel}`);
      }
      expect(stored).toBeGreaterThan(10_000);
      expect(peakRss).toBeLessThan(MAX_RSS_MB);
      const cpuPct = ((last.cpuS - start.cpuS) / wallS) * 100;
      console.log(
        `[load] ${LOAD_SECONDS}s, 16 interfaces: ${stored} packets stored (= tcpdump captured on every interface), ` +
          `${drops} dropped by kernel, ${(stored / wallS).toFixed(0)} pkt/s stored; CLI peak RSS ${peakRss.toFixed(0)} MiB, ` +
          `CPU ${cpuPct.toFixed(0)}% of one core`,
      );
      console.log(`[load] per interface stored/kernel-dropped: ${rows.join(' ')}`);
      rmSync(dir, { recursive: true, force: true }); // up to a GiB on the long run
      await sleep(200);
      expect(labTcpdumps()).toEqual([]);
    },
    LOAD_SECONDS * 1000 + 120_000,
  );
});
