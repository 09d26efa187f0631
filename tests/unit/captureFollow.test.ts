// Following new interfaces (main/capture/followNew.ts): which selectors widen, what is eligible, what is a pod's
// side, and the link watcher's polling, on real `ip -j -d link show` output of kubeadm-like nodes.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { eligibleNames, followSelectors, isPodSide, LinkWatcher } from '../../main/capture/followNew.ts';
import { chosenByGlobOnly, isGlobSelector } from '../../main/capture/selection.ts';
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
    const seen = new Set(eligibleNames(['veth*'], model(linkText('kubeadm-flannel'))));
    const w = new LinkWatcher(
      'node-1',
      ['veth*'],
      () => conn,
      seen,
      async (names) => void found.push(names),
      10,
    );
    w.start();
    while (polls < 8) await new Promise((r) => setTimeout(r, 5));
    w.stop();
    expect(found).toEqual([['vethfeed0001']]);
  });
});
