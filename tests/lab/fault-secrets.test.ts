// Planted secrets against the real lab: a sudo password (the lab's password-sudo user) and a key passphrase
// (an encrypted copy of the lab key) used for a real two-node capture, its exports, and failing runs with
// wrong values. Afterwards every written file, every stdout/stderr, the lab's sshd logs and — during the
// capture — every process command line on both nodes and our own are searched for each secret (raw, base64,
// hex): none may contain it.
// Run: flock /tmp/hopscope-lab.lock npx vitest run --project lab tests/lab/fault-secrets.test.ts   (~25 s, root)

import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  allCapturing,
  hopscope,
  KNOWN_HOSTS,
  lab,
  LAB_DIR,
  LAB_KEY,
  labTcpdumps,
  labUsers,
  NODE_NS,
  readSession,
  sh,
  startCapture,
  waitUntil,
} from './captureLab.ts';
import { tempDir } from '../tempDir.ts';

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Every form a careless log line might hold a secret in. */
function forms(secret: string): string[] {
  return [
    secret,
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('hex'),
    JSON.stringify(secret).slice(1, -1),
  ];
}

function cmdlinesOf(pids: string[]): string[] {
  return pids.flatMap((p) => {
    try {
      return [readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ')];
    } catch {
      return [];
    }
  });
}

describe.sequential('planted secrets (flannel-vxlan, two nodes, sudo with password, encrypted key)', () => {
  beforeAll(() => lab('up', 'flannel-vxlan'));
  afterAll(() => lab('down'));

  it('the sudo password and the key passphrase appear in no file, output, log or command line', async () => {
    const d = tempDir('hs-secrets-');
    const user = labUsers().find((u) => u.sudo === 'password')!;
    const sudoPw = user.password!;
    const passphrase = `hs-planted-pp-${randomBytes(9).toString('base64url')}`;
    const wrongSudo = `${sudoPw}-wrong-${randomBytes(4).toString('hex')}`;
    const wrongPp = `${passphrase}-wrong`;
    const key = join(d, 'id_encrypted');
    copyFileSync(LAB_KEY, key);
    chmodSync(key, 0o600);
    expect(sh('ssh-keygen', ['-q', '-p', '-f', key, '-P', '', '-N', passphrase]).code).toBe(0);
    expect(readFileSync(key, 'utf8')).toContain('BEGIN OPENSSH PRIVATE KEY');

    const base = (out: string) => [
      '--node',
      `node-1=${user.name}@10.1.10.9`,
      '--node',
      `node-2=${user.name}@10.1.10.10`,
      '--known-hosts',
      KNOWN_HOSTS,
      '--identity',
      key,
      '--passphrase-env',
      'HS_PP',
      '--sudo',
      '--sudo-password-env',
      'HS_SUDO',
      '--out',
      out,
    ];
    const outputs: string[] = [];

    // A good capture of 8 interfaces, with traffic, while we look at every command line on the nodes.
    const dir = join(d, 'session');
    const run = startCapture(
      [...base(dir), '--iface', 'node-1:*', '--iface', 'node-2:*', '--filter', 'icmp', '--duration', '30'],
      {
        HS_PP: passphrase,
        HS_SUDO: sudoPw,
      },
    );
    await waitUntil('8 captures listening', () => allCapturing(dir, 8), 40_000);
    const cmdlines = [
      ...NODE_NS.flatMap((ns) => cmdlinesOf(sh('ip', ['netns', 'pids', ns]).out.split('\n').filter(Boolean))),
      ...cmdlinesOf([String(run.child.pid)]),
    ];
    expect(cmdlines.some((c) => c.includes('tcpdump'))).toBe(true);
    lab('traffic', 'flannel-vxlan');
    run.child.kill('SIGINT');
    expect(await run.exit, run.err()).toBe(0);
    outputs.push(run.out(), run.err());
    const s = readSession(dir);
    expect(s.nodes.map((n: { privilege: string }) => n.privilege)).toEqual([
      'sudo-password',
      'sudo-password',
    ]);
    expect(s.captures).toHaveLength(8);

    // Everything downstream of the session: correlate, and the three exports.
    const corr = hopscope(['correlate', dir, '--json']);
    expect(corr.code, corr.err).toBe(0);
    outputs.push(corr.out, corr.err);
    for (const [flag, name] of [
      ['--pcapng', 'all.pcapng'],
      ['--json', 'journeys.json'],
      ['--csv', 'hops.csv'],
    ]) {
      const e = hopscope(['export', flag, join(d, name), dir]);
      expect(e.code, e.err).toBe(0);
      outputs.push(e.out, e.err);
    }

    // Failing runs: a wrong sudo password, a wrong passphrase, no sudo password at all.
    const failures: [string, Record<string, string>, RegExp][] = [
      ['wrong-sudo', { HS_PP: passphrase, HS_SUDO: wrongSudo }, /SUDO_DENIED/],
      ['wrong-pp', { HS_PP: wrongPp, HS_SUDO: sudoPw }, /SSH_AUTH_FAILED/],
      ['no-sudo', { HS_PP: passphrase }, /SUDO_PASSWORD_REQUIRED/],
    ];
    for (const [name, env, code] of failures) {
      const args = base(join(d, name)).filter(
        (a, i, all) =>
          !(name === 'no-sudo' && (a === '--sudo-password-env' || all[i - 1] === '--sudo-password-env')),
      );
      const f = startCapture([...args, '--iface', 'ens33', '--duration', '2'], env);
      expect(await f.exit, name).toBe(1);
      expect(f.err(), name).toMatch(code);
      outputs.push(f.out(), f.err());
    }

    const files = [...filesUnder(d).filter((f) => f !== key), ...filesUnder(join(LAB_DIR, 'logs'))];
    expect(files.length).toBeGreaterThan(12);
    for (const secret of [sudoPw, passphrase, wrongSudo, wrongPp]) {
      for (const form of forms(secret)) {
        for (const f of files) expect(readFileSync(f).includes(form), `${f} holds a secret`).toBe(false);
        for (const o of outputs) expect(o.includes(form), 'an output holds a secret').toBe(false);
        for (const c of cmdlines)
          expect(c.includes(form), `command line holds a secret: ${c.slice(0, 80)}`).toBe(false);
      }
    }
    expect(labTcpdumps()).toEqual([]);
    console.log(
      `[secrets] searched ${files.length} files, ${outputs.length} outputs, ${cmdlines.length} command lines for 4 secrets × 4 forms`,
    );
  });
});
