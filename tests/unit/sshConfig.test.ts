// ssh_config resolution through the `ssh-config` package: aliases, explicit overrides, ProxyJump chains.

import { homedir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseHostSpec, resolveJumps, resolveTarget } from '../../main/ssh/sshConfig.ts';

const CONFIG = `
Host bastion
  HostName 192.0.2.1
  User jump
  Port 2200

Host node-*
  User lab
  IdentityFile ~/.ssh/lab_%h
  ProxyJump bastion
  UserKnownHostsFile /run/k1 ~/k2
  StrictHostKeyChecking accept-new
  ServerAliveInterval 7

Host node-1
  HostName 10.1.10.9

Host deep
  HostName 10.0.0.1
  ProxyJump bastion,other@node-1:2022

Host *
  IdentityFile ~/.ssh/id_ed25519
  Match exec "touch /tmp/hs-should-not-exist"
`;

describe('ssh config', () => {
  it('parses [user@]host[:port] and [v6]:port', () => {
    expect(parseHostSpec('root@10.1.10.9:2222')).toEqual({ user: 'root', host: '10.1.10.9', port: 2222 });
    expect(parseHostSpec('node-1')).toEqual({ user: undefined, host: 'node-1', port: undefined });
    expect(parseHostSpec('[fe80::1]:22')).toEqual({ user: undefined, host: 'fe80::1', port: 22 });
    expect(parseHostSpec('fe80::1')).toEqual({ user: undefined, host: 'fe80::1', port: undefined });
    for (const bad of ['-oProxyCommand=x', 'a b', 'h:99999', '@h', '-u@h'])
      expect(() => parseHostSpec(bad)).toThrow();
  });

  it('resolves an alias: HostName, User, expanded IdentityFile, known_hosts, keepalive', () => {
    const t = resolveTarget({ host: 'node-1' }, { configText: CONFIG });
    expect(t).toMatchObject({
      alias: 'node-1',
      hostName: '10.1.10.9',
      port: 22,
      user: 'lab',
      strictHostKeyChecking: 'accept-new',
      keepaliveIntervalMs: 7000,
    });
    expect(t.identityFiles).toEqual([
      join(homedir(), '.ssh/lab_10.1.10.9'),
      join(homedir(), '.ssh/id_ed25519'),
    ]);
    expect(t.knownHostsFiles).toEqual(['/run/k1', join(homedir(), 'k2')]);
    expect(t.proxyJump).toHaveLength(1);
    expect(t.proxyJump[0]).toMatchObject({ hostName: '192.0.2.1', user: 'jump', port: 2200 });
  });

  it('explicit user and port win over the config', () => {
    const t = resolveTarget({ host: 'node-1', user: 'root', port: 2022 }, { configText: CONFIG });
    expect(t).toMatchObject({ hostName: '10.1.10.9', user: 'root', port: 2022 });
  });

  it('resolves multi-hop ProxyJump outermost first, each hop through the config', () => {
    const t = resolveTarget({ host: 'deep' }, { configText: CONFIG });
    // node-1's own ProxyJump is not used as a later hop (OpenSSH: `-J A,B` overrides B's ProxyJump).
    expect(t.proxyJump.map((j) => `${j.user}@${j.hostName}:${j.port}`)).toEqual([
      'jump@192.0.2.1:2200',
      'other@10.1.10.9:2022',
    ]);
    const viaNode = resolveTarget({ host: 'x' }, { configText: CONFIG + '\nHost x\n  ProxyJump node-1\n' });
    expect(viaNode.proxyJump.map((j) => j.hostName)).toEqual(['192.0.2.1', '10.1.10.9']);
  });

  it('a jump list given apart from the config (--jump, the app’s ProxyJump field) resolves as ProxyJump does', () => {
    // The first hop's own ProxyJump comes first (node-1 is behind bastion); aliases resolve; `none` is none.
    expect(
      resolveJumps('node-1,root@192.0.2.9:2201', { configText: CONFIG }).map(
        (j) => `${j.user}@${j.hostName}:${j.port} ${j.proxyJump.length}`,
      ),
    ).toEqual(['jump@192.0.2.1:2200 0', 'lab@10.1.10.9:22 0', 'root@192.0.2.9:2201 0']);
    expect(resolveJumps('none', { configText: CONFIG })).toEqual([]);
    expect(() => resolveJumps('bad host')).toThrow(/bad host/);
  });

  it('never runs Match exec', async () => {
    resolveTarget({ host: 'anything' }, { configText: CONFIG });
    const { existsSync } = await import('node:fs');
    expect(existsSync('/tmp/hs-should-not-exist')).toBe(false);
  });

  it('a host not in the config resolves to itself; no config at all works', () => {
    expect(resolveTarget({ host: '10.1.10.10', user: 'root' }, {})).toMatchObject({
      hostName: '10.1.10.10',
      user: 'root',
      port: 22,
      proxyJump: [],
    });
  });

  it('rejects a bad Port', () => {
    expect(() => resolveTarget({ host: 'x' }, { configText: 'Host x\n  Port abc\n' })).toThrow(/Port/);
  });
});
