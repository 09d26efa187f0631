// SSH logins beyond the lab's key against real OpenSSH: password (the password lab user, whose port-22 login the
// lab's sshd allows by a Match block), keyboard-interactive (the nodes' PAM sshd on port 2222), and ProxyJump
// through the lab's bastion with the nodes' port 22 closed to everyone else; in the CLI and in the app, with logins
// counted in each sshd's log so that the capture is seen to open no connection beyond the one it needs.
// Run: flock /tmp/hopscope-lab.lock npx vitest run --project lab tests/lab/ssh-auth.test.ts

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { NodeSpec } from '../../preload/api.ts';
import { LiveCapture, type LiveCaptureEvents } from '../../main/app/liveCapture.ts';
import { NodeManager } from '../../main/app/nodes.ts';

import {
  allCapturing,
  KNOWN_HOSTS,
  lab,
  LAB_DIR,
  LAB_KEY,
  labTcpdumps,
  labUsers,
  readSession,
  sh,
  SSH_CONFIG,
  startCapture,
  tcpdumpRead,
  waitUntil,
  labSshConfigWith,
} from './captureLab.ts';
import { onTerminal } from './onTerminal.ts';
import { tempDir } from '../tempDir.ts';

const tmp = (name: string) => tempDir(`hs-sshauth-${name}-`);
const BASTION = '10.1.10.2';

/** The sshd logs of the lab: one per host's sshd on port 22, `sshd-kbd-node-N` for the nodes' PAM sshd. */
type Sshd = 'sshd-node-1' | 'sshd-node-2' | 'sshd-bastion' | 'sshd-kbd-node-1';
const SSHDS: Sshd[] = ['sshd-node-1', 'sshd-node-2', 'sshd-bastion', 'sshd-kbd-node-1'];
const logFile = (s: Sshd) => join(LAB_DIR, 'logs', `${s}.log`);

/** Where each sshd log stands now: a test reads only what its own logins wrote after it. */
function logMark(): Record<Sshd, number> {
  return Object.fromEntries(SSHDS.map((s) => [s, statSync(logFile(s)).size])) as Record<Sshd, number>;
}

function logSince(s: Sshd, mark: Record<Sshd, number>): string {
  return readFileSync(logFile(s)).subarray(mark[s]).toString('utf8');
}

/** Logins the sshd accepted since `mark`, each `method user from address` (one per connection). */
function logins(s: Sshd, mark: Record<Sshd, number>): string[] {
  return [...logSince(s, mark).matchAll(/^Accepted (\S+) for (\S+) from (\S+) port/gm)].map(
    (m) => `${m[1]} ${m[2]} from ${m[3]}`,
  );
}

/** Closes the nodes' port 22 to everyone but the bastion (the only way in is through it), until reopened. */
function onlyThroughBastion(): () => void {
  const rule = ['INPUT', '-p', 'tcp', '--dport', '22', '!', '-s', BASTION, '-j', 'REJECT'];
  const more = ['--reject-with', 'tcp-reset'];
  for (const ns of ['hs-node-1', 'hs-node-2']) {
    const r = sh('ip', ['netns', 'exec', ns, 'iptables', '-I', ...rule, ...more]);
    if (r.code !== 0) throw new Error(`iptables in ${ns}: ${r.err}`);
  }
  return () => {
    for (const ns of ['hs-node-1', 'hs-node-2'])
      sh('ip', ['netns', 'exec', ns, 'iptables', '-D', ...rule, ...more]);
  };
}

/** Every file of a session folder, every sshd log of the lab, and the texts given, are free of `secret`. */
function expectNowhere(secret: string, dir: string, texts: string[]): void {
  for (const t of texts) expect(t.includes(secret)).toBe(false);
  for (const s of SSHDS) expect(readFileSync(logFile(s)).includes(secret), s).toBe(false);
  for (const f of readdirSync(dir))
    expect(readFileSync(join(dir, f)).includes(secret), `${dir}/${f}`).toBe(false);
}

/** Runs `hopscope capture` until it ends by itself, the kubenet traffic sent once every capture listens. */
async function captureWithTraffic(
  args: string[],
  out: string,
  captures: number,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string; err: string }> {
  const run = startCapture([...args, '--out', out], env);
  const ready = await Promise.race([
    waitUntil('capturing', () => allCapturing(out, captures), 20_000).then(() => true),
    run.exit.then(() => false),
  ]);
  if (ready) {
    lab('traffic', 'kubenet');
    // Stopped as a user stops it once the traffic is over (the stop drains what the kernel still holds); the
    // duration is only a backstop.
    run.child.kill('SIGINT');
  }
  const code = await run.exit;
  return { code, out: run.out(), err: run.err() };
}

const noEvents: (nodes: NodeManager) => LiveCaptureEvents = (nodes) => ({
  stats: () => undefined,
  batch: () => undefined,
  node: (name, state, error) => nodes.setState(name, state, error),
  session: () => undefined,
});

describe.sequential('SSH logins by password, keyboard-interactive and through a jump host (kubenet)', () => {
  let pass: { name: string; password?: string };
  let reopen: (() => void) | null = null;
  beforeAll(() => {
    lab('up', 'kubenet');
    pass = labUsers().find((u) => u.sudo === 'password')!;
  });
  afterEach(() => {
    reopen?.();
    reopen = null;
  });
  afterAll(() => lab('down'));

  const byPassword = (port = 22, durationS = 3) => [
    '--node',
    `node-1=${pass.name}@10.1.10.9${port === 22 ? '' : `:${port}`}`,
    '--password-env',
    'HS_LOGIN_PW',
    '--sudo',
    '--sudo-password-env',
    'HS_LOGIN_PW',
    '--known-hosts',
    KNOWN_HOSTS,
    '--iface',
    'cbr0',
    '--filter',
    'icmp',
    '--duration',
    String(durationS),
  ];

  it('CLI: a password login captures (--password-env; the same password for sudo); the password is nowhere', async () => {
    const secret = pass.password!;
    const d = tmp('pw');
    const mark = logMark();
    const r = await captureWithTraffic(byPassword(), join(d, 's'), 1, { HS_LOGIN_PW: secret });
    expect(r.err).not.toContain('error');
    expect(r.code).toBe(0);
    expect(logins('sshd-node-1', mark)).toEqual([`password ${pass.name} from 10.1.10.1`]);
    const s = readSession(join(d, 's'));
    expect(s.nodes[0]).toMatchObject({ state: 'closed', privilege: 'sudo-password' });
    expect(s.captures[0]).toMatchObject({ iface: 'cbr0', state: 'stopped' });
    expect(tcpdumpRead(join(d, 's', 'node-1__cbr0.pcap')).lines.some((l) => l.includes('ICMP echo'))).toBe(
      true,
    );
    expectNowhere(secret, join(d, 's'), [r.out, r.err]);
    expect(labTcpdumps()).toEqual([]);
  });

  it('CLI: a wrong password fails naming the node, the login and the methods refused; the password is nowhere', async () => {
    const wrong = `${pass.password!}-not`;
    const d = tmp('pwbad');
    const mark = logMark();
    const r = await captureWithTraffic(byPassword(), join(d, 's'), 1, { HS_LOGIN_PW: wrong });
    expect(r.code).toBe(1);
    const line = r.err.split('\n').find((l) => l.includes('SSH_AUTH_FAILED'));
    expect(line).toBeDefined();
    expect(line).toContain('node-1');
    expect(line).toContain(`${pass.name}@10.1.10.9:22`);
    expect(line).toMatch(/password/);
    // sshd saw the password tried, and no login.
    expect(logSince('sshd-node-1', mark)).toContain(`Failed password for ${pass.name}`);
    expect(logins('sshd-node-1', mark)).toEqual([]);
    expect(readSession(join(d, 's')).nodes[0]).toMatchObject({
      state: 'failed',
      error: { code: 'SSH_AUTH_FAILED' },
    });
    expectNowhere(wrong, join(d, 's'), [r.out, r.err]);
  });

  it('CLI: keyboard-interactive (PAM) login captures; a wrong password there names keyboard-interactive', async () => {
    const secret = pass.password!;
    const d = tmp('kbd');
    const mark = logMark();
    const r = await captureWithTraffic(byPassword(2222), join(d, 's'), 1, { HS_LOGIN_PW: secret });
    expect(r.code).toBe(0);
    expect(logins('sshd-kbd-node-1', mark)).toEqual([`keyboard-interactive/pam ${pass.name} from 10.1.10.1`]);
    const s = readSession(join(d, 's'));
    expect(s.nodes[0].target).toMatchObject({ port: 2222 });
    expect(s.captures[0]).toMatchObject({ iface: 'cbr0', state: 'stopped' });
    expect(s.captures[0].packets).toBeGreaterThan(0);
    expectNowhere(secret, join(d, 's'), [r.out, r.err]);

    const wrong = `${secret}-not`;
    const bad = await captureWithTraffic(byPassword(2222), join(d, 'w'), 1, { HS_LOGIN_PW: wrong });
    expect(bad.code).toBe(1);
    const line = bad.err.split('\n').find((l) => l.includes('SSH_AUTH_FAILED'));
    expect(line).toContain('node-1');
    expect(line).toContain('keyboard-interactive');
    expectNowhere(wrong, join(d, 'w'), [bad.out, bad.err]);
  });

  /** byPassword's flags without --password-env: the login password is not given. */
  const noLoginPassword = (port = 22, durationS = 3) =>
    byPassword(port, durationS).filter(
      (a, i, all) => a !== '--password-env' && all[i - 1] !== '--password-env',
    );

  it('CLI on a terminal without --password-env: asked as ssh asks, echo off, per method; elsewhere it fails as before', async () => {
    const secret = pass.password!;
    const d = tmp('tty');
    const mark = logMark();
    const env = { HS_LOGIN_PW: secret };
    const pw = await onTerminal(
      ['capture', ...noLoginPassword(22, 1), '--out', join(d, 'pw')],
      [[`${pass.name}@10.1.10.9's password: `, secret]],
      env,
    );
    expect(pw.code, pw.screen).toBe(0);
    // Asked once, worded as ssh words it; what was typed was not shown.
    expect(pw.screen.split(`${pass.name}@10.1.10.9's password: `)).toHaveLength(2);
    expect(pw.screen.includes(secret)).toBe(false);
    expect(logins('sshd-node-1', mark)).toEqual([`password ${pass.name} from 10.1.10.1`]);
    expect(readSession(join(d, 'pw')).captures[0]).toMatchObject({ iface: 'cbr0', state: 'stopped' });

    // keyboard-interactive (PAM): the server's own prompt, after (user@host).
    const kbd = await onTerminal(
      ['capture', ...noLoginPassword(2222, 1), '--out', join(d, 'kbd')],
      [[`(${pass.name}@10.1.10.9) Password: `, secret]],
      env,
    );
    expect(kbd.code, kbd.screen).toBe(0);
    expect(kbd.screen.includes(secret)).toBe(false);
    expect(logins('sshd-kbd-node-1', mark)).toEqual([`keyboard-interactive/pam ${pass.name} from 10.1.10.1`]);

    // Ctrl-C at the question stops the capture as Ctrl-C does anywhere else (raw mode makes it a key, not a signal).
    const cut = await onTerminal(
      ['capture', ...noLoginPassword(), '--out', join(d, 'cut')],
      [[`${pass.name}@10.1.10.9's password: `, '\u0003']],
      env,
    );
    expect(cut.code, cut.screen).toBe(130);
    expect(cut.screen).toContain('interrupted before capturing');

    // No terminal: nothing to ask on; the login fails saying no password was given, and none was tried.
    const before = logMark();
    const bare = startCapture([...noLoginPassword(), '--out', join(d, 'bare')], env);
    expect(await bare.exit).toBe(1);
    const line = bare
      .err()
      .split('\n')
      .find((l) => l.includes('SSH_AUTH_FAILED'));
    expect(line).toContain(`node-1: SSH_AUTH_FAILED: ${pass.name}@10.1.10.9:22: authentication failed`);
    expect(line).toContain('no password was given');
    expect(logSince('sshd-node-1', before)).not.toMatch(/password for/);
    expect(labTcpdumps()).toEqual([]);
  });

  /** The lab's ssh_config with both nodes behind `jump` (first value wins: the lab's blocks give the rest). */
  function jumpConfig(dir: string, jump: string): string {
    return labSshConfigWith(dir, `Host node-1 node-2\n  ProxyJump ${jump}\n\n`);
  }

  it('CLI: ProxyJump from the ssh config: both nodes captured through one bastion login, one login each, own SSH left out', async () => {
    const d = tmp('jump');
    const cfg = jumpConfig(d, 'bastion');
    reopen = onlyThroughBastion();
    // Closed indeed: straight to node-1 is refused.
    expect(sh('ssh', ['-F', SSH_CONFIG, '-o', 'BatchMode=yes', 'node-1', 'true']).code).not.toBe(0);
    const mark = logMark();
    const r = await captureWithTraffic(
      [
        '--ssh-config',
        cfg,
        '--node',
        'node-1',
        '--node',
        'node-2',
        '--iface',
        'ens33',
        '--iface',
        'node-1:cbr0',
        '--duration',
        '3',
      ],
      join(d, 's'),
      3,
    );
    expect(r.err).not.toMatch(/SSH_|error/);
    expect(r.code).toBe(0);
    // One connection to the bastion for both nodes (as OpenSSH's ControlMaster shares one), each node's one
    // login coming from the bastion.
    expect(logins('sshd-bastion', mark)).toEqual(['publickey root from 10.1.10.1']);
    expect(logins('sshd-node-1', mark)).toEqual([`publickey root from ${BASTION}`]);
    expect(logins('sshd-node-2', mark)).toEqual([`publickey root from ${BASTION}`]);
    const s = readSession(join(d, 's'));
    for (const n of s.nodes)
      expect(n.target.proxyJump, n.name).toEqual([{ hostName: BASTION, port: 22, user: 'root' }]);
    expect(s.captures.map((c: { node: string; iface: string; state: string }) => c.state)).toEqual([
      'stopped',
      'stopped',
      'stopped',
    ]);
    expect(tcpdumpRead(join(d, 's', 'node-1__cbr0.pcap')).lines.some((l) => l.includes('ICMP echo'))).toBe(
      true,
    );
    // The management connection (bastion → node port 22) is left out of ens33's capture, as a direct one is.
    for (const n of ['node-1', 'node-2']) {
      const f = join(d, 's', `${n}__ens33.pcap`);
      expect(tcpdumpRead(f, ['tcp port 22 and host', BASTION]).packets, n).toBe(0);
    }
    expect(labTcpdumps()).toEqual([]);
  });

  it('CLI: --jump names the bastion without any ssh config: one login there, the node reached from it', async () => {
    const d = tmp('jumpflag');
    reopen = onlyThroughBastion();
    const mark = logMark();
    const r = await captureWithTraffic(
      [
        '--node',
        'node-1=root@10.1.10.9',
        '--jump',
        `root@${BASTION}`,
        '--identity',
        LAB_KEY,
        '--known-hosts',
        KNOWN_HOSTS,
        '--iface',
        'cbr0',
        '--iface',
        'ens33',
        '--duration',
        '3',
      ],
      join(d, 's'),
      2,
    );
    expect(r.err).not.toMatch(/SSH_|error/);
    expect(r.code).toBe(0);
    expect(logins('sshd-bastion', mark)).toEqual(['publickey root from 10.1.10.1']);
    expect(logins('sshd-node-1', mark)).toEqual([`publickey root from ${BASTION}`]);
    const s = readSession(join(d, 's'));
    expect(s.nodes[0].target.proxyJump).toEqual([{ hostName: BASTION, port: 22, user: 'root' }]);
    expect(s.captures.map((c: { iface: string; state: string }) => `${c.iface} ${c.state}`)).toEqual([
      'cbr0 stopped',
      'ens33 stopped',
    ]);
    expect(s.captures[0].packets).toBeGreaterThan(0);
    expect(tcpdumpRead(join(d, 's', 'node-1__ens33.pcap'), ['tcp port 22 and host', BASTION]).packets).toBe(
      0,
    );
  });

  it('CLI: a jump host that refuses the login, or refuses to forward, fails naming the jump host; nothing captured', async () => {
    const d = tmp('jumpbad');
    reopen = onlyThroughBastion();
    const args = (cfg: string, out: string) => [
      '--ssh-config',
      cfg,
      '--node',
      'node-1',
      '--iface',
      'ens33',
      '--duration',
      '2',
      '--out',
      out,
    ];
    // A user the bastion does not know: its login is refused.
    const login = startCapture(args(jumpConfig(join(d), 'nosuchuser@bastion'), join(d, 'a')));
    expect(await login.exit).toBe(1);
    const l1 = login
      .err()
      .split('\n')
      .find((l) => l.includes('SSH_AUTH_FAILED'));
    expect(l1).toContain('node-1');
    expect(l1).toContain(`jump host nosuchuser@${BASTION}:22`);
    // hsnopass logs in to the bastion but may not forward (its sshd's AllowTcpForwarding no).
    const fwd = startCapture(args(jumpConfig(join(d), 'hsnopass@bastion'), join(d, 'b')));
    expect(await fwd.exit).toBe(1);
    const l2 = fwd
      .err()
      .split('\n')
      .find((l) => l.includes('node-1:'));
    expect(l2).toContain(`jump host hsnopass@${BASTION}:22`);
    expect(l2).toContain('10.1.10.9:22');
    expect(l2).toMatch(/refused|prohibited/);
    for (const sub of ['a', 'b'])
      expect(readdirSync(join(d, sub)).filter((f) => f.endsWith('.pcap'))).toEqual([]);
  });

  it("CLI: each host its own password: the node's is never sent to the bastion, the bastion's never to the node", async () => {
    const secret = pass.password!;
    const d = tmp('jumppw');
    reopen = onlyThroughBastion();
    const args = (out: string) => [
      ...noLoginPassword().filter((a) => a !== '--duration' && a !== '3'),
      '--jump',
      `${pass.name}@${BASTION}`,
      '--duration',
      '2',
      '--out',
      out,
    ];
    // The node's password only: the bastion (which takes passwords) is not sent it, and says none was given.
    let mark = logMark();
    const a = startCapture([...args(join(d, 'a')), '--password-env', 'HS_LOGIN_PW'], { HS_LOGIN_PW: secret });
    expect(await a.exit).toBe(1);
    const la = a
      .err()
      .split('\n')
      .find((l) => l.includes('SSH_AUTH_FAILED'));
    expect(la).toContain(
      `node-1: SSH_AUTH_FAILED: jump host ${pass.name}@${BASTION}:22: authentication failed`,
    );
    expect(la).toContain('no password was given');
    expect(logSince('sshd-bastion', mark)).not.toMatch(/password for/);
    expect(logSince('sshd-node-1', mark)).not.toMatch(/password for/);

    // The bastion's right and the node's wrong: each went to its own host.
    mark = logMark();
    const b = startCapture(
      [...args(join(d, 'b')), '--password-env', 'HS_LOGIN_PW', '--jump-password-env', 'HS_JUMP_PW'],
      { HS_LOGIN_PW: `${secret}-not`, HS_JUMP_PW: secret },
    );
    expect(await b.exit).toBe(1);
    expect(logins('sshd-bastion', mark)).toEqual([`password ${pass.name} from 10.1.10.1`]);
    expect(logSince('sshd-node-1', mark)).toContain(`Failed password for ${pass.name} from ${BASTION}`);
    expect(logins('sshd-node-1', mark)).toEqual([]);
    const lb = b
      .err()
      .split('\n')
      .find((l) => l.includes('SSH_AUTH_FAILED'));
    expect(lb).toContain(`node-1: SSH_AUTH_FAILED: ${pass.name}@10.1.10.9:22: authentication failed`);
    expect(lb).toContain('the password was refused');

    // On a terminal: each host asked for its own, the bastion first, as ssh -J asks.
    mark = logMark();
    const t = await onTerminal(
      ['capture', ...args(join(d, 't'))],
      [
        [`${pass.name}@${BASTION}'s password: `, secret],
        [`${pass.name}@10.1.10.9's password: `, secret],
      ],
      { HS_LOGIN_PW: secret },
    );
    expect(t.code, t.screen).toBe(0);
    expect(t.screen.includes(secret)).toBe(false);
    expect(logins('sshd-bastion', mark)).toEqual([`password ${pass.name} from 10.1.10.1`]);
    expect(logins('sshd-node-1', mark)).toEqual([`password ${pass.name} from ${BASTION}`]);
    expectNowhere(secret, join(d, 't'), [t.screen.replace(secret, '')]);
    expect(labTcpdumps()).toEqual([]);
  });

  it("app: the node's password is not sent to its jump host; the jump host's password field is the bastion's", async () => {
    const secret = pass.password!;
    reopen = onlyThroughBastion();
    const nodes = new NodeManager(
      () => undefined,
      () => undefined,
    );
    const spec: NodeSpec = {
      name: 'node-1',
      host: '10.1.10.9',
      user: pass.name,
      auth: 'password',
      password: secret,
      proxyJump: `${pass.name}@${BASTION}`,
      sudo: true,
      sudoPassword: secret,
      knownHostsPath: KNOWN_HOSTS,
    };
    nodes.add(spec, false);
    let mark = logMark();
    const err = await nodes.connect('node-1').catch((e: Error & { code: string }) => e);
    expect(err).toMatchObject({ code: 'SSH_AUTH_FAILED' });
    expect((err as Error).message).toContain(`jump host ${pass.name}@${BASTION}:22: authentication failed`);
    expect((err as Error).message).toContain('no password was given');
    expect(logSince('sshd-bastion', mark)).not.toMatch(/password for/);

    mark = logMark();
    nodes.add({ ...spec, name: 'node-1b', jumpPassword: secret }, false);
    await nodes.connect('node-1b');
    expect(logins('sshd-bastion', mark)).toEqual([`password ${pass.name} from 10.1.10.1`]);
    expect(logins('sshd-node-1', mark)).toEqual([`password ${pass.name} from ${BASTION}`]);
    expect(JSON.stringify(nodes.list()).includes(secret)).toBe(false);
    nodes.closeAll();
  });

  it('app: a node added with a password captures on its one connection; a wrong one names the node and the method', async () => {
    const secret = pass.password!;
    const nodes = new NodeManager(
      () => undefined,
      () => undefined,
    );
    const spec: NodeSpec = {
      name: 'node-1',
      host: '10.1.10.9',
      user: pass.name,
      auth: 'password',
      password: secret,
      sudo: true,
      sudoPassword: secret,
      knownHostsPath: KNOWN_HOSTS,
    };
    nodes.add(spec, false);
    const mark = logMark();
    await nodes.connect('node-1');
    expect(logins('sshd-node-1', mark)).toEqual([`password ${pass.name} from 10.1.10.1`]);
    const d = tmp('apppw');
    const lc = await LiveCapture.start(
      { targets: [{ node: 'node-1', iface: 'cbr0' }], filter: 'icmp', snaplen: 0, excludeSsh: true },
      nodes,
      join(d, 's'),
      noEvents(nodes),
    );
    try {
      expect(lc.session.captureStatuses().map((c) => c.state)).toEqual(['capturing']);
      lab('traffic', 'kubenet');
      await waitUntil('packets', () => lc.session.captureStatuses()[0].packets > 0, 10_000);
    } finally {
      await lc.stop();
    }
    // No second login: the capture ran on the connection the node was connected on.
    expect(logins('sshd-node-1', mark)).toHaveLength(1);
    expect(readSession(join(d, 's')).nodes[0].privilege).toBe('sudo-password');
    expectNowhere(secret, join(d, 's'), [JSON.stringify(nodes.list())]);
    nodes.closeAll();

    const wrong = `${secret}-not`;
    nodes.add({ ...spec, name: 'node-1b', password: wrong }, false);
    const err = await nodes.connect('node-1b').catch((e: Error & { code: string }) => e);
    expect(err).toMatchObject({ code: 'SSH_AUTH_FAILED' });
    const msg = (err as Error).message;
    expect(msg).toContain('node-1b');
    expect(msg).toContain(`${pass.name}@10.1.10.9:22`);
    expect(msg).toMatch(/password/);
    expect(nodes.get('node-1b').info).toMatchObject({ state: 'error', error: { code: 'SSH_AUTH_FAILED' } });
    expect(JSON.stringify(nodes.list()).includes(wrong)).toBe(false);
    expect(msg.includes(wrong)).toBe(false);
    expect(labTcpdumps()).toEqual([]);
  });

  it('app: a node added with a jump host captures through it on its one connection; a refusing jump host is named', async () => {
    reopen = onlyThroughBastion();
    const nodes = new NodeManager(
      () => undefined,
      () => undefined,
    );
    const spec: NodeSpec = {
      name: 'node-1',
      host: '10.1.10.9',
      user: 'root',
      auth: 'key',
      identityFile: LAB_KEY,
      knownHostsPath: KNOWN_HOSTS,
      proxyJump: `root@${BASTION}`,
    };
    nodes.add(spec, false);
    const mark = logMark();
    await nodes.connect('node-1');
    expect(logins('sshd-bastion', mark)).toEqual(['publickey root from 10.1.10.1']);
    expect(logins('sshd-node-1', mark)).toEqual([`publickey root from ${BASTION}`]);
    // A second node behind the same bastion is reached through the same bastion connection.
    nodes.add({ ...spec, name: 'node-2', host: '10.1.10.10' }, false);
    await nodes.connect('node-2');
    expect(logins('sshd-bastion', mark)).toEqual(['publickey root from 10.1.10.1']);
    expect(logins('sshd-node-2', mark)).toEqual([`publickey root from ${BASTION}`]);
    const d = tmp('appjump');
    const lc = await LiveCapture.start(
      {
        targets: [
          { node: 'node-1', iface: 'cbr0' },
          { node: 'node-1', iface: 'ens33' },
        ],
        filter: '',
        snaplen: 0,
        excludeSsh: true,
      },
      nodes,
      join(d, 's'),
      noEvents(nodes),
    );
    try {
      expect(lc.session.captureStatuses().map((c) => c.state)).toEqual(['capturing', 'capturing']);
      lab('traffic', 'kubenet');
      await waitUntil('packets', () => lc.session.captureStatuses()[0].packets > 0, 10_000);
    } finally {
      await lc.stop();
    }
    // Still one login on each: the capture opened no connection of its own, to the bastion or the node.
    expect(logins('sshd-bastion', mark)).toHaveLength(1);
    expect(logins('sshd-node-1', mark)).toHaveLength(1);
    const s = readSession(join(d, 's'));
    expect(s.nodes[0].target.proxyJump).toEqual([{ hostName: BASTION, port: 22, user: 'root' }]);
    // Its own SSH (bastion → node) left out; an earlier test's connection closing may still show from 10.1.10.1.
    expect(tcpdumpRead(join(d, 's', 'node-1__ens33.pcap'), ['tcp port 22 and host', BASTION]).packets).toBe(
      0,
    );
    nodes.closeAll();

    nodes.add({ ...spec, name: 'node-1b', proxyJump: `hsnopass@${BASTION}` }, false);
    const err = await nodes.connect('node-1b').catch((e: Error) => e);
    expect((err as Error).message).toContain('node-1b');
    expect((err as Error).message).toContain(`jump host hsnopass@${BASTION}:22`);
    nodes.add({ ...spec, name: 'node-1c', proxyJump: `nosuchuser@${BASTION}` }, false);
    const err2 = await nodes.connect('node-1c').catch((e: Error & { code: string }) => e);
    expect(err2).toMatchObject({ code: 'SSH_AUTH_FAILED' });
    expect((err2 as Error).message).toContain(`jump host nosuchuser@${BASTION}:22`);
    expect(labTcpdumps()).toEqual([]);
  });
});
