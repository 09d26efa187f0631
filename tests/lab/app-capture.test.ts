// The app's live capture against the real lab: the SSH connection a node was connected (and its interfaces listed)
// on is the one its capture runs on, counted in each node's sshd log; a connection dropped while the node sat idle
// is replaced at Start; a node still connecting at Start joins the running capture with the interfaces a glob picks.
// Run: flock /tmp/hopscope-lab.lock npx vitest run --project lab tests/lab/app-capture.test.ts

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { NodeInfo, NodeSpec } from '../../preload/api.ts';
import { LiveCapture, type LiveCaptureEvents } from '../../main/app/liveCapture.ts';
import { AppService } from '../../main/app/service.ts';
import { NodeManager } from '../../main/app/nodes.ts';

import {
  KNOWN_HOSTS,
  LAB_DIR,
  lab,
  LAB_KEY,
  labTcpdumps,
  labUsers,
  readSession,
  sh,
  sleep,
  sshdPidsFor,
  tcpdumpRead,
  waitUntil,
} from './captureLab.ts';
import { tempDir } from '../tempDir.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const tmp = (name: string) => tempDir(`hs-appcap-${name}-`);
const IP = { 'node-1': '10.1.10.9', 'node-2': '10.1.10.10' } as const;
type Node = keyof typeof IP;

/** Where in each node's sshd log the next test starts reading (its own logins only). */
function logMark(): Record<Node, number> {
  const size = (n: Node) => statSync(join(LAB_DIR, 'logs', `sshd-${n}.log`)).size;
  return { 'node-1': size('node-1'), 'node-2': size('node-2') };
}

/** SSH logins sshd accepted on `node` since `mark` (each connection authenticates once). */
function logins(node: Node, mark: Record<Node, number>): number {
  const text = readFileSync(join(LAB_DIR, 'logs', `sshd-${node}.log`))
    .subarray(mark[node])
    .toString('utf8');
  return text.split('\n').filter((l) => /^Accepted publickey for /.test(l)).length;
}

function spec(name: Node, extra: Partial<NodeSpec> = {}): NodeSpec {
  return {
    name,
    host: IP[name],
    user: 'root',
    auth: 'key',
    identityFile: LAB_KEY,
    knownHostsPath: KNOWN_HOSTS,
    ...extra,
  };
}

/** A NodeManager whose node cards (their states, in order) are recorded, and the events LiveCapture sends. */
function app(): { nodes: NodeManager; states: Map<string, NodeInfo['state'][]>; ev: LiveCaptureEvents } {
  const states = new Map<string, NodeInfo['state'][]>();
  const nodes = new NodeManager(
    (n) => states.set(n.name, [...(states.get(n.name) ?? []), n.state]),
    () => undefined,
  );
  // As the app's service wires it: a node's capture state shows on its card.
  const ev: LiveCaptureEvents = {
    stats: () => undefined,
    batch: () => undefined,
    node: (name, state, error) => nodes.setState(name, state, error),
    session: () => undefined,
  };
  return { nodes, states, ev };
}

/** Runs iptables inside a node's namespace (the lab's, made by this file's `lab up`). */
function iptables(node: Node, args: string[]): void {
  const r = sh('ip', ['netns', 'exec', `hs-${node}`, 'iptables', ...args]);
  if (r.code !== 0) throw new Error(`iptables ${args.join(' ')} in ${node}: ${r.err}`);
}

describe.sequential('the app’s live capture on flannel-vxlan', () => {
  beforeAll(() => lab('up', 'flannel-vxlan'));
  afterAll(() => lab('down'));

  it('captures on the connection each node was connected on: one SSH login per node, sudo password user too', async () => {
    const pass = labUsers().find((u) => u.sudo === 'password')!;
    const { nodes, ev } = app();
    nodes.add(spec('node-1'), false);
    nodes.add(spec('node-2', { user: pass.name, sudo: true, sudoPassword: pass.password }), false);
    const mark = logMark();
    await nodes.connect('node-1');
    await nodes.connect('node-2');
    expect([logins('node-1', mark), logins('node-2', mark)]).toEqual([1, 1]);

    const dir = tmp('one');
    const lc = await LiveCapture.start(
      {
        targets: [
          { node: 'node-1', iface: 'ens33' },
          { node: 'node-1', iface: 'cni0' },
          { node: 'node-2', iface: 'ens33' },
          { node: 'node-2', iface: 'cni0' },
        ],
        filter: 'icmp',
        snaplen: 0,
        excludeSsh: true,
      },
      nodes,
      join(dir, 's'),
      ev,
    );
    try {
      expect(lc.session.captureStatuses().map((c) => `${c.node}/${c.iface} ${c.state}`)).toEqual([
        'node-1/ens33 capturing',
        'node-1/cni0 capturing',
        'node-2/ens33 capturing',
        'node-2/cni0 capturing',
      ]);
      lab('traffic', 'flannel-vxlan');
      await sleep(1500);
    } finally {
      await lc.stop();
    }
    // No second login: the capture ran on the connections the interfaces were listed on.
    expect([logins('node-1', mark), logins('node-2', mark)]).toEqual([1, 1]);
    const s = readSession(join(dir, 's'));
    expect(s.nodes.map((n: { privilege: string }) => n.privilege)).toEqual(['root', 'sudo-password']);
    for (const c of s.captures) expect(c.packets, `${c.node}/${c.iface}`).toBeGreaterThan(0);
    expect(labTcpdumps()).toEqual([]);
    // The nodes stay connected after the capture, and a second capture logs in nowhere either.
    expect(['node-1', 'node-2'].map((n) => nodes.get(n).conn?.closed)).toEqual([false, false]);
    const again = await LiveCapture.start(
      { targets: [{ node: 'node-2', iface: 'ens33' }], filter: '', snaplen: 0, excludeSsh: true },
      nodes,
      join(dir, 't'),
      ev,
    );
    await again.stop();
    expect([logins('node-1', mark), logins('node-2', mark)]).toEqual([1, 1]);
    nodes.closeAll();
  });

  it('a connection dropped while the node sat idle (closed, or silently blackholed) is replaced at Start', async () => {
    const { nodes, ev } = app();
    nodes.add(spec('node-1'), false);
    nodes.add(spec('node-2'), false);
    const mark = logMark();
    await nodes.connect('node-1');
    await nodes.connect('node-2');
    // node-1: its sshd session killed (as an idle timeout on the node would end it); the app sees it lost.
    for (const p of sshdPidsFor('hs-node-1', nodes.get('node-1').probe!.ssh!.clientPort))
      process.kill(p, 'SIGKILL');
    await waitUntil('node-1 lost', () => nodes.get('node-1').info.state === 'lost');
    // node-2: its connection blackholed, not noticed yet (keepalives take 15 s): Start finds it does not answer.
    const port = String(nodes.get('node-2').probe!.ssh!.clientPort);
    iptables('node-2', ['-I', 'INPUT', '-p', 'tcp', '--dport', '22', '--sport', port, '-j', 'DROP']);
    iptables('node-2', ['-I', 'OUTPUT', '-p', 'tcp', '--sport', '22', '--dport', port, '-j', 'DROP']);
    const dir = tmp('drop');
    try {
      const lc = await LiveCapture.start(
        {
          targets: [
            { node: 'node-1', iface: 'ens33' },
            { node: 'node-2', iface: 'ens33' },
          ],
          filter: '',
          snaplen: 0,
          excludeSsh: true,
        },
        nodes,
        join(dir, 's'),
        ev,
      );
      try {
        // node-2's connection is given up after 5 s without an answer and replaced: it may join a moment late.
        await waitUntil(
          'both capturing',
          () => lc.session.captureStatuses().filter((c) => c.state === 'capturing').length === 2,
          20_000,
        );
        expect(lc.session.captureStatuses().map((c) => `${c.node}/${c.iface}`)).toEqual([
          'node-1/ens33',
          'node-2/ens33',
        ]);
      } finally {
        await lc.stop();
      }
    } finally {
      iptables('node-2', ['-D', 'INPUT', '-p', 'tcp', '--dport', '22', '--sport', port, '-j', 'DROP']);
      iptables('node-2', ['-D', 'OUTPUT', '-p', 'tcp', '--sport', '22', '--dport', port, '-j', 'DROP']);
    }
    // One new login each: the dropped connection replaced, nothing more.
    expect([logins('node-1', mark), logins('node-2', mark)]).toEqual([2, 2]);
    expect(readSession(join(dir, 's')).captures.map((c: { state: string }) => c.state)).toEqual([
      'stopped',
      'stopped',
    ]);
    expect(['node-1', 'node-2'].map((n) => nodes.get(n).conn?.closed)).toEqual([false, false]);
    nodes.closeAll();
    expect(labTcpdumps()).toEqual([]);
  });

  it('a node still connecting at Start joins the running capture with what the glob picks on it, shown on its card', async () => {
    const { nodes, states, ev } = app();
    nodes.add(spec('node-1'), false);
    nodes.add(spec('node-2'), false);
    await nodes.connect('node-1');
    // node-2 is out of reach (its SYNs dropped) while the user connects it and presses Start.
    const block = ['INPUT', '-p', 'tcp', '--dport', '22', '-j', 'DROP'];
    iptables('node-2', ['-I', ...block]);
    let blocked = true;
    const mark = logMark();
    const connecting = nodes.connect('node-2').catch((e: Error) => e);
    await waitUntil('node-2 connecting', () => nodes.get('node-2').info.state === 'connecting');
    const dir = tmp('late');
    try {
      const t0 = Date.now();
      const lc = await LiveCapture.start(
        {
          targets: [{ node: 'node-1', iface: 'ens33' }],
          selectors: ['ens*', 'node-2:cni*'],
          filter: 'icmp',
          snaplen: 0,
          excludeSsh: true,
        },
        nodes,
        join(dir, 's'),
        ev,
      );
      try {
        // Started without waiting for node-2 (the SSH ready timeout is 15 s).
        expect(Date.now() - t0).toBeLessThan(8000);
        expect(lc.live.info().captures.map((c) => `${c.node}/${c.iface}`)).toEqual(['node-1/ens33']);
        expect(nodes.get('node-2').info.state).toBe('connecting');
        // It is the capture's meanwhile (the app refuses to edit or remove it), as the counters say.
        expect(lc.heldNodes()).toEqual(['node-1', 'node-2']);
        expect(lc.stats().nodes).toEqual(['node-1', 'node-2']);
        iptables('node-2', ['-D', ...block]);
        blocked = false;
        // The SYN retransmitted next gets through: node-2 joins with its ens33 and cni0.
        await waitUntil('node-2 capturing', () => nodes.get('node-2').info.state === 'capturing', 20_000);
        await waitUntil('node-2 lanes', () => lc.live.info().captures.length === 3, 5000);
        expect(lc.live.info().captures.map((c) => `${c.node}/${c.iface}`)).toEqual([
          'node-1/ens33',
          'node-2/ens33',
          'node-2/cni0',
        ]);
        await waitUntil(
          'node-2 tcpdumps',
          () => lc.session.captureStatuses().every((c) => c.state === 'capturing'),
          10_000,
        );
        lab('traffic', 'flannel-vxlan');
        // Its packets reach the live view too (the worker follows the new files).
        await waitUntil(
          'node-2 rows',
          () =>
            lc.live
              .info()
              .captures.filter((c) => c.node === 'node-2')
              .every((c) => c.packets > 0),
          10_000,
        );
      } finally {
        await lc.stop();
      }
      expect(lc.heldNodes()).toEqual([]);
    } finally {
      if (blocked) iptables('node-2', ['-D', ...block]);
    }
    expect(await connecting).not.toBeInstanceOf(Error);
    const s = readSession(join(dir, 's'));
    expect(s.captures.map((c: { node: string; iface: string }) => `${c.node}/${c.iface}`)).toEqual([
      'node-1/ens33',
      'node-2/ens33',
      'node-2/cni0',
    ]);
    // The echo crossed node-2's bridge (inner) and NIC (inside VXLAN): both files have it.
    for (const iface of ['ens33', 'cni0']) {
      const file = join(dir, 's', `node-2__${iface}.pcap`);
      const { lines } = tcpdumpRead(file, iface === 'ens33' ? ['-T', 'vxlan'] : []);
      expect(
        lines.some((l) => l.includes('ICMP echo request')),
        iface,
      ).toBe(true);
    }
    // Its card went connecting → connected → capturing; one login, the user's own connect.
    const seen = states.get('node-2')!;
    expect(seen.slice(0, 1)).toEqual(['connecting']);
    expect(seen.indexOf('capturing')).toBeGreaterThan(seen.indexOf('connecting'));
    expect(logins('node-2', mark)).toBe(1);
    nodes.closeAll();
    expect(labTcpdumps()).toEqual([]);
  });

  it('a node unreachable at Start fails on its card with its error; the others capture', async () => {
    const { nodes, ev } = app();
    nodes.add(spec('node-1'), false);
    nodes.add(spec('node-2'), false);
    await nodes.connect('node-1');
    const block = ['INPUT', '-p', 'tcp', '--dport', '22', '-j', 'REJECT', '--reject-with', 'tcp-reset'];
    iptables('node-2', ['-I', ...block]);
    const dir = tmp('unreachable');
    try {
      await expect(nodes.connect('node-2')).rejects.toMatchObject({ code: 'SSH_UNREACHABLE' });
      const lc = await LiveCapture.start(
        {
          targets: [{ node: 'node-1', iface: 'ens33' }],
          selectors: ['ens*'],
          filter: '',
          snaplen: 0,
          excludeSsh: true,
        },
        nodes,
        join(dir, 's'),
        ev,
      );
      try {
        expect(lc.live.info().captures.map((c) => `${c.node}/${c.iface}`)).toEqual(['node-1/ens33']);
        expect(nodes.get('node-2').info).toMatchObject({
          state: 'error',
          error: { code: 'SSH_UNREACHABLE' },
        });
        expect(nodes.get('node-1').info.state).toBe('capturing');
      } finally {
        await lc.stop();
      }
    } finally {
      iptables('node-2', ['-D', ...block]);
    }
    expect(readSession(join(dir, 's')).nodes.map((n: { state: string }) => n.state)).toEqual([
      'closed',
      'failed',
    ]);
    nodes.closeAll();
  });

  it('the app closed while its capture starts waits for the start, then stops it: nothing left on the node', async () => {
    const svc = new AppService({
      mode: 'web',
      resourcesDir: join(ROOT, 'resources'),
      workDir: tmp('close'),
      configDir: null,
    });
    svc.nodes.add(spec('node-1'), false);
    await svc.nodes.connect('node-1');
    const started = svc.call('startCapture', {
      targets: [{ node: 'node-1', iface: 'ens33' }],
      filter: '',
      snaplen: 0,
      excludeSsh: true,
    });
    await svc.close();
    const r = (await started) as { ok: boolean; value?: { id: string } };
    expect(r.ok).toBe(true);
    expect(labTcpdumps()).toEqual([]);
    const dir = join(
      svc.workDir,
      readdirSync(svc.workDir).find((d) => d.startsWith('capture-'))!,
    );
    const doc = readSession(dir);
    expect(doc.state).toBe('stopped');
    expect(
      doc.captures.map((c: { state: string; tcpdumpFinal: boolean }) => [c.state, c.tcpdumpFinal]),
    ).toEqual([['stopped', true]]);
  });
});
