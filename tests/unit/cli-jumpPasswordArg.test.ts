// `hopscope capture --jump-password-env [HOST=]VAR` (main/cli/jumpPasswordArg.ts): one password for every jump
// host, each jump host's own, and the usage errors that keep a typo from becoming a login failure.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { jumpPasswordsArg, unusedJumpPasswords } from '../../main/cli/jumpPasswordArg.ts';
import { resolveJumps } from '../../main/ssh/sshConfig.ts';
import { tempDir } from '../tempDir.ts';

const env = { HS_J: 'all-Secret', HS_OUTER: 'outer-Secret', HS_INNER: 'inner-Secret' };
const usage = (values: string[]) => {
  try {
    jumpPasswordsArg(values, env);
  } catch (e) {
    return `${(e as { code: string }).code}: ${(e as Error).message}`;
  }
  return 'no error';
};

describe('--jump-password-env', () => {
  it('VAR alone is every jump host’s, as before; HOST=VAR one host’s own, repeated for a chain', () => {
    expect(jumpPasswordsArg([], env)).toEqual({ jumpPassword: undefined, jumpPasswords: [] });
    expect(jumpPasswordsArg(['HS_J'], env)).toEqual({ jumpPassword: 'all-Secret', jumpPasswords: [] });
    expect(jumpPasswordsArg(['j@bastion=HS_OUTER', 'HS_J', 'inner:2222=HS_INNER'], env)).toEqual({
      jumpPassword: 'all-Secret',
      jumpPasswords: [
        { host: 'j@bastion', password: 'outer-Secret' },
        { host: 'inner:2222', password: 'inner-Secret' },
      ],
    });
  });

  it('refuses an unset variable, a bad host, a host twice and VAR alone twice (never echoing a secret)', () => {
    expect(usage(['HS_NOPE'])).toBe('USAGE: --jump-password-env: environment variable HS_NOPE is not set');
    expect(usage(['bastion=HS_NOPE'])).toBe(
      'USAGE: --jump-password-env: environment variable HS_NOPE is not set',
    );
    expect(usage(['bastion='])).toBe('USAGE: --jump-password-env bastion=: no environment variable named');
    expect(usage(['bad host=HS_J'])).toBe("USAGE: --jump-password-env bad host=HS_J: bad host in 'bad host'");
    expect(usage(['bastion=HS_J', 'Bastion=HS_OUTER'])).toBe(
      'USAGE: --jump-password-env: Bastion given twice',
    );
    expect(usage(['HS_J', 'HS_OUTER'])).toMatch(/^USAGE: --jump-password-env given twice without a host/);
  });

  it('a HOST no node goes through is found before connecting', () => {
    const config = 'Host bastion\n  HostName 10.1.10.2\n  User j\nHost inner\n  HostName 10.1.10.3\n';
    const hops = resolveJumps('bastion,k@inner:2222', { configText: config });
    const given = (...hosts: string[]) => hosts.map((host) => ({ host, password: 'x' }));
    expect(unusedJumpPasswords(given('bastion', '10.1.10.3', 'k@inner:2222', 'j@10.1.10.2'), hops)).toEqual(
      [],
    );
    expect(unusedJumpPasswords(given('bastoin', 'x@inner', 'inner:22'), hops)).toEqual([
      'bastoin',
      'x@inner',
      'inner:22',
    ]);
  });

  it('capture refuses a HOST=VAR that names none of the nodes’ jump hosts, before connecting anything', () => {
    const d = tempDir('hs-jumppw-');
    const config = path.join(d, 'ssh_config');
    writeFileSync(config, 'Host bastion\n  HostName 127.0.0.1\n  Port 1\nHost inner\n  HostName 127.0.0.1\n');
    const cli = path.resolve(import.meta.dirname, '../../bin/hopscope.mjs');
    const r = spawnSync(
      'node',
      [cli, 'capture', '--ssh-config', config, '--node', 'n1=127.0.0.1:1', '--jump', 'bastion,inner'].concat([
        '--jump-password-env',
        'bastoin=HS_OUTER',
        '--out',
        path.join(d, 'session'),
      ]),
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HS_OUTER: 'outer-Secret' } },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      '--jump-password-env bastoin=…: no node goes through a jump host bastoin (they go through bastion, inner)',
    );
    expect(r.stderr).not.toContain('outer-Secret');
  });
});
