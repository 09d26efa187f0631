// The capture's kernel buffer on real nodes: the default (buffered delivery, 4 MiB on shared interfaces, tcpdump's
// 2 MiB on veths) is what the node's kernel actually allocates (read back with `ss -0 -e`), a stop still brings
// every ping home; and kernel drops are never silent: with a one-packet ring and tcpdump held (SIGSTOP), the drops
// show in session.json while capturing, add up with tcpdump's final counts, and the CLI reports them.

import { statSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  ringGeometry,
  SHARED_BUFFER_KIB,
  TCPDUMP_DEFAULT_BUFFER_KIB,
} from '../../main/capture/captureBuffer.ts';

import {
  allCapturing,
  expectNoTcpdumpWithin,
  KNOWN_HOSTS,
  lab,
  labTcpdumps,
  readSession,
  sh,
  SSH_CONFIG,
  startCapture,
  tcpdumpRead,
  waitUntil,
} from './captureLab.ts';
import { tempDir } from '../tempDir.ts';

const labArgs = ['--ssh-config', SSH_CONFIG, '--known-hosts', KNOWN_HOSTS, '--node', 'node-1'];
const base = tempDir('hs-capbuf-');

/** Each packet socket's ring in a node namespace, by the interface it is bound to (`ss -0 -e -p`). */
function rings(ns: string): Map<string, { version: number; blockSize: number; blocks: number }> {
  const out = sh('ip', ['netns', 'exec', ns, 'ss', '-0', '-e', '-p']).out;
  const m = new Map<string, { version: number; blockSize: number; blocks: number }>();
  // p_raw 0 0 *:cni0 * users:(("tcpdump",…)) …\n\tver:2 … \n\tring_rx(blk_size:262144,blk_nr:16,…)
  for (const sock of out.split(/\n(?=\S)/)) {
    const iface = /^\S+\s+\d+\s+\d+\s+\*:(\S+)/.exec(sock)?.[1];
    const ver = /\bver:(\d)/.exec(sock);
    const ring = /ring_rx\(blk_size:(\d+),blk_nr:(\d+)/.exec(sock);
    if (iface && ver && ring && sock.includes('"tcpdump"'))
      m.set(iface, { version: Number(ver[1]) + 1, blockSize: Number(ring[1]), blocks: Number(ring[2]) });
  }
  return m;
}

/** The lab's pod on node-1 (a `hs-pod-*` namespace with a 10.244.0.x address). */
function node1Pod(): string {
  for (const l of sh('ip', ['netns', 'list']).out.split('\n')) {
    const ns = l.split(' ')[0];
    if (ns.startsWith('hs-pod-') && /inet 10\.244\.0\./.test(sh('ip', ['-n', ns, '-4', '-o', 'addr']).out))
      return ns;
  }
  throw new Error('no node-1 pod');
}

beforeAll(() => lab('up', 'flannel-vxlan'), 120_000);
afterAll(() => {
  lab('down');
});

describe('capture kernel buffer (lab)', () => {
  it('defaults: buffered rings of 4 MiB on shared interfaces and 2 MiB on veths; a stop keeps every ping', async () => {
    const dir = join(base, 'defaults');
    const run = startCapture([...labArgs, '--iface', 'node-1:*', '--filter', 'icmp', '--out', dir]);
    await waitUntil('captures listening', () => allCapturing(dir, 4));
    const s = readSession(dir);
    expect(s.delivery).toBe('buffered');
    expect(s.bufferKiB).toBeNull();
    const seen = rings('hs-node-1');
    // The lab's node-1: ens33 (a veth holding the node's address), cni0, flannel.1 shared; the pod's veth not.
    const shared = new Set(['ens33', 'cni0', 'flannel.1']);
    for (const c of s.captures) {
      expect(c.bufferKiB, c.iface).toBe(shared.has(c.iface) ? SHARED_BUFFER_KIB : null);
      expect(c.delivery).toBe('buffered');
      const g = ringGeometry({
        bufferKiB: c.bufferKiB ?? TCPDUMP_DEFAULT_BUFFER_KIB,
        delivery: 'buffered',
        snaplen: 262144,
        ethernet: true,
        mtu: 1500,
      });
      // What the kernel holds for this tcpdump: TPACKET_V3, the modelled block size and count.
      expect(seen.get(c.iface), c.iface).toEqual({ version: 3, blockSize: g.blockSize, blocks: g.blocks });
    }
    expect(
      s.captures.map((c: { iface: string }) => c.iface).filter((i: string) => !shared.has(i)),
    ).toHaveLength(1);

    lab('traffic', 'flannel-vxlan');
    // Stop at once: the pings' last packets are still in the kernel's open blocks, which the stop waits for.
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    const done = readSession(dir);
    for (const c of done.captures) {
      const { lines, packets } = tcpdumpRead(join(dir, c.file), c.iface === 'ens33' ? ['-T', 'vxlan'] : []);
      expect(c.packets, c.iface).toBe(packets);
      expect(c.tcpdump.captured, c.iface).toBe(packets);
      expect(c.kernelDrops, c.iface).toBe(0);
      // Every interface of node-1 is on the pod's path: all 3 requests and replies (0.4 s of pings, so all in the
      // kernel's open block when the stop came) are in every file.
      for (const seq of [1, 2, 3]) {
        expect(
          lines.filter((l) => new RegExp(`echo request, id \\d+, seq ${seq},`).test(l)),
          `${c.iface} request ${seq}`,
        ).toHaveLength(1);
        expect(
          lines.filter((l) => new RegExp(`echo reply, id \\d+, seq ${seq},`).test(l)),
          `${c.iface} reply ${seq}`,
        ).toHaveLength(1);
      }
      expect(c.tcpdump.captured + c.tcpdump.droppedByKernel, c.iface).toBe(c.tcpdump.receivedByFilter);
    }
    expect(run.err()).not.toMatch(/dropped/);
    await expectNoTcpdumpWithin(5000);
  }, 90_000);

  it('kernel drops are visible live and at the end, and add up with what tcpdump captured', async () => {
    const dir = join(base, 'drops');
    // Immediate delivery with a 64 KiB buffer: a ring of one packet.
    const run = startCapture([
      ...labArgs,
      '--iface',
      'node-1:veth*',
      '--filter',
      'icmp',
      '--delivery',
      'immediate',
      '--buffer-size',
      '64',
      '--out',
      dir,
    ]);
    await waitUntil('capture listening', () => allCapturing(dir, 1));
    const [td] = labTcpdumps();
    expect(td.args).toContain('--immediate-mode');
    expect(td.args).toContain('-B 64');
    const ring = [...rings('hs-node-1').values()][0];
    expect(ring).toEqual({ version: 2, blockSize: 131072, blocks: 1 });
    // Hold tcpdump while 200 pings cross the veth: the one-packet ring overflows in the kernel.
    process.kill(td.pid, 'SIGSTOP');
    try {
      const r = sh('ip', [
        'netns',
        'exec',
        node1Pod(),
        'ping',
        '-q',
        '-c',
        '200',
        '-i',
        '0.002',
        '10.244.0.1',
      ]);
      expect(r.code).toBe(0);
    } finally {
      process.kill(td.pid, 'SIGCONT');
    }
    await waitUntil('live drops in session.json', () => (readSession(dir).captures[0].kernelDrops ?? 0) > 0);
    const live = readSession(dir).captures[0];
    expect(live.state).toBe('capturing');
    expect(live.tcpdumpFinal).toBe(false);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    const c = readSession(dir).captures[0];
    expect(c.tcpdumpFinal).toBe(true);
    expect(c.kernelDrops).toBe(c.tcpdump.droppedByKernel);
    expect(c.kernelDrops).toBeGreaterThanOrEqual(300); // 400 packets, one slot
    expect(c.packets).toBe(c.tcpdump.captured);
    expect(c.packets).toBe(tcpdumpRead(join(dir, c.file)).packets);
    expect(c.tcpdump.captured + c.tcpdump.droppedByKernel).toBe(c.tcpdump.receivedByFilter);
    // 200 requests and (nearly all of) their replies crossed the veth: every one was either captured or dropped.
    expect(c.tcpdump.receivedByFilter).toBeGreaterThanOrEqual(390);
    expect(c.tcpdump.receivedByFilter).toBeLessThanOrEqual(400);
    expect(statSync(join(dir, c.file)).size).toBeGreaterThan(24);
    expect(run.err()).toContain(`node-1:${c.iface}: the node's kernel dropped ${c.kernelDrops} packets`);
    await expectNoTcpdumpWithin(5000);
  }, 90_000);
});
