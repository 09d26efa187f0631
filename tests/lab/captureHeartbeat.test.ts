// A silent partition: node-1's SSH traffic is dropped by iptables inside node-1 mid-capture. sshd there has no
// ClientAlive settings, so it does not notice and never closes the channel's stdin; only the heartbeat watchdog
// can end the node's tcpdump. It must be gone within the heartbeat timeout (4 s here, `--heartbeat-timeout`; 10 s
// by default) + the SIGTERM grace + a little, while the connection is still blackholed (node-1's sshd still holds
// it).
// Run: flock /tmp/hopscope-lab.lock npx vitest run --project lab tests/lab/captureHeartbeat.test.ts   (~12 s, root)

import { readFileSync, rmSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KILL_GRACE_S } from '../../main/capture/tcpdumpCommand.ts';

import {
  allCapturing,
  lab,
  labTcpdumps,
  readSession,
  sh,
  SSH_CONFIG,
  sshdPidsFor,
  startCapture,
  waitUntil,
} from './captureLab.ts';
import { tempDir } from '../tempDir.ts';

const HEARTBEAT_INTERVAL_S = 2;
const HEARTBEAT_TIMEOUT_S = 4;

function dropSsh(op: '-I' | '-D'): number {
  let rc = 0;
  for (const [chain, dir] of [
    ['INPUT', '--dport'],
    ['OUTPUT', '--sport'],
  ])
    rc |= sh('ip', [
      'netns',
      'exec',
      'hs-node-1',
      'iptables',
      op,
      chain,
      '-p',
      'tcp',
      dir,
      '22',
      '-j',
      'DROP',
    ]).code;
  return rc;
}

/** Processes in node-1's network namespace: comm, state and command line. */
function node1Procs(): { pid: number; comm: string; state: string; args: string }[] {
  const out: { pid: number; comm: string; state: string; args: string }[] = [];
  for (const p of sh('ip', ['netns', 'pids', 'hs-node-1']).out.split('\n').filter(Boolean)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      const args = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ');
      out.push({ pid: Number(p), comm, state, args });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

const node1Tcpdumps = () => labTcpdumps().filter((t) => t.ns === 'hs-node-1');

describe.sequential('heartbeat watchdog on a real node', () => {
  beforeAll(() => lab('up', 'flannel-vxlan'));
  afterAll(() => lab('down'));

  it("node-1's SSH traffic blackholed mid-capture: its tcpdumps end by the heartbeat timeout, sshd unaware", async () => {
    const dir = tempDir('hs-heartbeat-');
    const run = startCapture([
      '--ssh-config',
      SSH_CONFIG,
      '--node',
      'node-1',
      '--iface',
      'node-1:ens33',
      '--iface',
      'node-1:cni0',
      '--filter',
      'icmp',
      '--heartbeat-timeout',
      String(HEARTBEAT_TIMEOUT_S),
      '--out',
      dir,
    ]);
    try {
      await waitUntil('2 captures listening', () => allCapturing(dir, 2), 30_000);
      expect(node1Tcpdumps().length).toBe(2);
      const port = readSession(dir).nodes[0].ssh.clientPort;
      const sshd = sshdPidsFor('hs-node-1', port);
      expect(sshd.length).toBeGreaterThan(0);

      expect(dropSsh('-I')).toBe(0);
      const t0 = Date.now();
      // Alive past the point where a beat already sent could still be on its way (proves it is our timer, not
      // something faster such as sshd noticing), then gone by timeout + grace + a margin.
      await waitUntil('node-1 tcpdumps gone', () => node1Tcpdumps().length === 0, 25_000);
      const goneS = (Date.now() - t0) / 1000;
      console.log(`[heartbeat] node-1 tcpdumps gone ${goneS.toFixed(1)} s after the drop`);
      expect(goneS).toBeGreaterThanOrEqual(HEARTBEAT_TIMEOUT_S - HEARTBEAT_INTERVAL_S - 0.5);
      expect(goneS).toBeLessThanOrEqual(HEARTBEAT_TIMEOUT_S + KILL_GRACE_S + 3);
      // Still blackholed and sshd has not noticed: its session process still holds the established connection.
      expect(sshdPidsFor('hs-node-1', port).filter((p) => sshd.includes(p)).length).toBeGreaterThan(0);
      // Nothing of the wrapper either: no live sleep, and no shell running our script, in node-1's namespace.
      const leftovers = node1Procs().filter(
        (p) => p.state !== 'Z' && (p.comm === 'sleep' || /tcpdump/.test(p.args)),
      );
      expect(leftovers).toEqual([]);
    } finally {
      dropSsh('-D');
      if (run.child.exitCode === null) run.child.kill('SIGINT');
      const killer = setTimeout(() => run.child.kill('SIGKILL'), 8000);
      await run.exit;
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
