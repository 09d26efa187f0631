// Following new interfaces (main/capture/followNew.ts): which selectors widen, what is eligible, what is a pod's
// side, and the link watcher's polling, on real `ip -j -d link show` output of kubeadm-like nodes.

import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  eligibleIndexes,
  eligibleNames,
  followSelectors,
  isPodSide,
  LinkWatcher,
  MONITOR_ARGV,
} from '../../main/capture/followNew.ts';
import { chosenByGlobOnly, isGlobSelector, selectionWarnings } from '../../main/capture/selection.ts';
import { parseIpOutputs } from '../../main/discover/parseIp.ts';
import type { SshConnection } from '../../main/ssh/connection.ts';

const FIX = new URL('../fixtures/capture-kubeadm/', import.meta.url).pathname;
const linkText = (name: string) => readFileSync(join(FIX, `${name}.ip-link.json`), 'utf8');
const model = (text: string) => parseIpOutputs('node-1', { link: text, addr: '[]', route: '[]' });

describe('follow new interfaces', () => {
  it('only glob selectors naming the node widen; exact names never do', () => {
    const sels = ['node-1:veth*', 'node-1:cni0', '*', 'node-2:cali*', 'node-?:flannel.[0-9]', 'eth0'];
    expect(followSelectors(sels, 'node-1')).toEqual(['node-1:veth*', '*', 'node-?:flannel.[0-9]']);
    expect(sels.map(isGlobSelector)).toEqual([true, false, true, true, true, false]);
  });

  it('eligible as at the start: up, not loopback (docker0 is down, lo is loopback)', () => {
    const flannel = model(linkText('kubeadm-flannel'));
    expect(eligibleNames(['node-1:veth*'], flannel)).toEqual(['veth2053e67e', 'veth2053e67f']);
    expect(eligibleNames(['*'], flannel)).toEqual([
      'ens33',
      'cni0',
      'flannel.1',
      'veth2053e67e',
      'veth2053e67f',
    ]);
    expect(eligibleNames([], flannel)).toEqual([]);
  });

  it("a pod's side: a bridge port veth to another namespace, or a cali*; not the lab's ens33 (a veth, no port)", () => {
    const sides = (m: ReturnType<typeof model>) => m.interfaces.filter(isPodSide).map((i) => i.name);
    expect(sides(model(linkText('kubeadm-flannel')))).toEqual(['veth2053e67e', 'veth2053e67f']);
    expect(sides(model(linkText('kubeadm-calico')))).toEqual(['cali1b6b7c1e3a0', 'calie5c1c1d0d2f']);
  });

  it('chosen by a glob only: a name given exactly wins', () => {
    expect(chosenByGlobOnly(['node-1:veth*'], 'node-1', 'vethab')).toBe(true);
    expect(chosenByGlobOnly(['*'], 'node-1', 'vethab')).toBe(true);
    expect(chosenByGlobOnly(['node-1:veth*', 'node-1:vethab'], 'node-1', 'vethab')).toBe(false);
    expect(chosenByGlobOnly(['node-1:vethab'], 'node-1', 'vethab')).toBe(false);
    expect(chosenByGlobOnly(['node-2:veth*'], 'node-1', 'vethab')).toBe(false);
    expect(chosenByGlobOnly(['node-1:cali*'], 'node-1', 'vethab')).toBe(false);
  });

  it('the watcher reports an interface once, when it is there and up; a failed poll is skipped', async () => {
    const base = JSON.parse(linkText('kubeadm-flannel')) as Record<string, unknown>[];
    const newVeth = (up: boolean) => ({
      ...base.find((l) => l.ifname === 'veth2053e67e'),
      ifname: 'vethfeed0001',
      ifindex: 99,
      flags: up ? ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'] : ['BROADCAST', 'MULTICAST'],
    });
    // What the node answers to each poll, in turn (the last one repeats).
    const answers: (Record<string, unknown>[] | 'fail')[] = [
      base,
      [...base, newVeth(false)],
      'fail',
      [...base, newVeth(true)],
      [...base, newVeth(true)],
    ];
    let polls = 0;
    const conn = {
      closed: false,
      exec: async (command: string) => {
        expect(command).toBe('ip -j -d link show');
        const a = answers[Math.min(polls++, answers.length - 1)];
        if (a === 'fail') throw new Error('channel refused');
        return { code: 0, signal: null, stdout: Buffer.from(JSON.stringify(a)), stderr: Buffer.alloc(0) };
      },
    } as unknown as SshConnection;
    const found: string[][] = [];
    const seen = eligibleIndexes(['veth*'], model(linkText('kubeadm-flannel')));
    const w = new LinkWatcher(
      'node-1',
      ['veth*'],
      () => conn,
      seen,
      async (names) => void found.push(names),
      { intervalMs: 10, monitor: false },
    );
    w.start();
    while (polls < 8) await new Promise((r) => setTimeout(r, 5));
    w.stop();
    expect(found).toEqual([['vethfeed0001']]);
  });

  /** A node whose link list is `links()` at each read, with an `ip monitor` channel when `monitor` allows one. */
  function fakeNode(links: () => Record<string, unknown>[], monitor: 'open' | 'refused') {
    const reads: number[] = [];
    const channels: { command: string; ch: EventEmitter & { stdin: string[]; ended: boolean } }[] = [];
    const conn = {
      closed: false,
      exec: async () => {
        reads.push(Date.now());
        return {
          code: 0,
          signal: null,
          stdout: Buffer.from(JSON.stringify(links())),
          stderr: Buffer.alloc(0),
        };
      },
      channel: async (command: string, attach: (c: unknown) => void, opts: { existingOnly?: boolean }) => {
        // Never another login for the monitor: it takes a connection's spare channel or none.
        expect(opts).toEqual({ existingOnly: true });
        if (monitor === 'refused') throw new Error("the server takes no more channels (sshd's MaxSessions)");
        const ch = Object.assign(new EventEmitter(), {
          stderr: new EventEmitter(),
          stdin: [] as string[],
          ended: false,
          write(d: string) {
            ch.stdin.push(d);
          },
          end() {
            ch.ended = true;
          },
          close() {
            ch.emit('close');
          },
        });
        attach(ch);
        channels.push({ command, ch });
        return ch;
      },
    } as unknown as SshConnection;
    return { conn, reads, channels };
  }

  const flannelLinks = () => JSON.parse(linkText('kubeadm-flannel')) as Record<string, unknown>[];
  const vethLike = (links: Record<string, unknown>[], ifname: string, ifindex: number, up = true) => ({
    ...links.find((l) => l.ifname === 'veth2053e67e'),
    ifname,
    ifindex,
    flags: up ? ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'] : ['BROADCAST', 'MULTICAST'],
  });
  const waitFor = async (what: string, ok: () => boolean, ms = 2000) => {
    for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 5)))
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  };

  it("a link event on the node's monitor makes the watcher read the list at once, not at the next poll", async () => {
    const base = flannelLinks();
    let now = base;
    const node = fakeNode(() => now, 'open');
    const found: string[][] = [];
    const w = new LinkWatcher(
      'node-1',
      ['veth*'],
      () => node.conn,
      eligibleIndexes(['veth*'], model(JSON.stringify(base))),
      async (names) => void found.push(names),
      { intervalMs: 60_000, heartbeatIntervalMs: 20, watchdog: { heartbeatTimeoutS: 7 } },
    );
    w.start();
    try {
      await waitFor('the monitor', () => node.channels.length === 1 && w.monitoring);
      // Run under the heartbeat watchdog, as tcpdump is (nothing of ours outlives a dropped connection).
      const cmd = node.channels[0].command;
      expect(cmd).toContain(`\n${MONITOR_ARGV.join(' ')} 3<&- &\n`);
      expect(cmd).toContain('nap 7');
      await waitFor('a heartbeat', () => node.channels[0].ch.stdin.includes('\n'));
      const readsBefore = node.reads.length;
      now = [...base, vethLike(base, 'vethfeed0001', 99)];
      const t0 = Date.now();
      node.channels[0].ch.emit(
        'data',
        Buffer.from('99: vethfeed0001@if2: <BROADCAST,MULTICAST,UP> mtu 1450\n'),
      );
      await waitFor('the new veth', () => found.length === 1, 1000);
      expect(Date.now() - t0).toBeLessThan(500);
      expect(node.reads.length).toBe(readsBefore + 1);
      expect(found).toEqual([['vethfeed0001']]);
    } finally {
      w.stop();
    }
    // Stopping ends the monitor: EOF on its stdin (the node's watchdog reader then ends `ip monitor`).
    expect(node.channels[0].ch.ended).toBe(true);
    expect(w.monitoring).toBe(false);
  });

  it('a node that refuses the monitor channel is still followed by the polls', async () => {
    const base = flannelLinks();
    let now = base;
    const node = fakeNode(() => now, 'refused');
    const found: string[][] = [];
    const w = new LinkWatcher(
      'node-1',
      ['veth*'],
      () => node.conn,
      eligibleIndexes(['veth*'], model(JSON.stringify(base))),
      async (names) => void found.push(names),
      { intervalMs: 20 },
    );
    w.start();
    try {
      await waitFor('a poll', () => node.reads.length >= 2);
      expect(w.monitoring).toBe(false);
      now = [...base, vethLike(base, 'vethfeed0001', 99)];
      await waitFor('the new veth', () => found.length === 1);
      expect(found).toEqual([['vethfeed0001']]);
    } finally {
      w.stop();
    }
  });

  it('a name that comes back as a new interface is reported again; the same interface going down and up is not', async () => {
    const base = flannelLinks();
    // Each read's answer in turn (the last one repeats): veth2053e67e (ifindex at the start) goes down and comes
    // back up; it is deleted and comes back (a recreated pod); it is replaced in one go under another ifindex.
    const e = base.find((l) => l.ifname === 'veth2053e67e') as { ifindex: number };
    const without = base.filter((l) => l.ifname !== 'veth2053e67e');
    const answers = [
      base,
      [...without, vethLike(base, 'veth2053e67e', e.ifindex, false)],
      base,
      without,
      [...without, vethLike(base, 'veth2053e67e', 120)],
      [...without, vethLike(base, 'veth2053e67e', 121)],
    ];
    let reads = 0;
    const node = fakeNode(() => answers[Math.min(reads++, answers.length - 1)], 'refused');
    const found: string[][] = [];
    const w = new LinkWatcher(
      'node-1',
      ['veth*'],
      () => node.conn,
      eligibleIndexes(['veth*'], model(JSON.stringify(base))),
      async (names) => void found.push(names),
      { intervalMs: 5 },
    );
    w.start();
    try {
      await waitFor('every answer read', () => reads > answers.length + 2);
    } finally {
      w.stop();
    }
    expect(found).toEqual([['veth2053e67e'], ['veth2053e67e']]);
  });

  it('a glob matching nothing on a node yet is said to wait when followed, to capture nothing when not', () => {
    const calico = model(linkText('kubeadm-calico'));
    const sels = ['node-1:veth*', 'node-1:cali*'];
    expect(selectionWarnings(sels, [calico], 'node-1', (sel) => sel === 'node-1:veth*')).toEqual([
      "--iface 'node-1:veth*' matches no interface on node-1 yet: waiting for one (new interfaces are followed)",
    ]);
    expect(selectionWarnings(sels, [calico], 'node-1')).toEqual([
      "--iface 'node-1:veth*' matched no interface on node-1: nothing captured for it",
    ]);
  });
});
