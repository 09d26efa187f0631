// known_hosts parsing and lookup, checked against OpenSSH's own ssh-keygen (hashing with -H, lookup with -F).

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { verifyHostKey } from '../../main/ssh/hostKeys.ts';
import {
  blobKeyType,
  fingerprint,
  formatKnownHostLine,
  hostsMatch,
  lookupHostKey,
  lookupName,
  parseKnownHosts,
} from '../../main/ssh/knownHosts.ts';
import { tempDir } from '../tempDir.ts';

const dir = tempDir('hs-kh-');
function keygen(name: string, type = 'ed25519'): { blob: Buffer; line: string; fp: string } {
  const f = join(dir, name);
  spawnSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', f]);
  const line = readFileSync(`${f}.pub`, 'utf8').trim();
  const fp = spawnSync('ssh-keygen', ['-lf', `${f}.pub`], { encoding: 'utf8' }).stdout.split(' ')[1];
  return { blob: Buffer.from(line.split(' ')[1], 'base64'), line: line.split(' ').slice(0, 2).join(' '), fp };
}
const a = keygen('a');
const b = keygen('b');
const r = keygen('r', 'ecdsa');

describe('known_hosts', () => {
  it('computes OpenSSH fingerprints and key types', () => {
    expect(fingerprint(a.blob)).toBe(a.fp);
    expect(blobKeyType(a.blob)).toBe('ssh-ed25519');
    expect(blobKeyType(r.blob)).toBe('ecdsa-sha2-nistp256');
    expect(blobKeyType(Buffer.from([0, 0, 0]))).toBe('');
  });

  it('names non-22 ports as [host]:port', () => {
    expect(lookupName('10.1.10.9', 22)).toBe('10.1.10.9');
    expect(lookupName('10.1.10.9', 2222)).toBe('[10.1.10.9]:2222');
  });

  it('matches plain, wildcard, negated and [host]:port patterns', () => {
    expect(hostsMatch('node-1,10.1.10.9', '10.1.10.9')).toBe(true);
    expect(hostsMatch('10.1.10.*,!10.1.10.8', '10.1.10.9')).toBe(true);
    expect(hostsMatch('10.1.10.*,!10.1.10.8', '10.1.10.8')).toBe(false);
    expect(hostsMatch('[10.1.10.9]:2222', '[10.1.10.9]:2222')).toBe(true);
    expect(hostsMatch('[10.1.10.9]:2222', '10.1.10.9')).toBe(false);
    expect(hostsMatch('10.1.10.9', '[10.1.10.9]:2222')).toBe(false);
    expect(hostsMatch('NODE-1', 'node-1')).toBe(true);
    expect(hostsMatch('10.1.10.?', '10.1.10.10')).toBe(false);
  });

  it('accepts entries hashed by ssh-keygen -H, for port 22 and [host]:port', () => {
    const f = join(dir, 'kh-hashed');
    writeFileSync(f, `10.1.10.9 ${a.line}\n[10.1.10.10]:2222 ${b.line}\n`);
    spawnSync('ssh-keygen', ['-H', '-f', f]);
    const text = readFileSync(f, 'utf8');
    expect(text).not.toContain('10.1.10');
    const entries = parseKnownHosts(text);
    expect(entries).toHaveLength(2);
    expect(lookupHostKey(entries, ['10.1.10.9'], a.blob).status).toBe('known');
    expect(lookupHostKey(entries, ['[10.1.10.10]:2222'], b.blob).status).toBe('known');
    expect(lookupHostKey(entries, ['10.1.10.10'], b.blob).status).toBe('unknown');
  });

  it('reports changed keys with the known fingerprints, unknown hosts with the types it has', () => {
    const entries = parseKnownHosts(
      `# comment\n\nnode-1,10.1.10.9 ${a.line}\n10.1.10.9 ${r.line}\ngarbage line\n`,
    );
    const changed = lookupHostKey(entries, ['10.1.10.9'], b.blob);
    expect(changed).toMatchObject({ status: 'changed', knownFingerprints: [a.fp] });
    const other = lookupHostKey(parseKnownHosts(`10.1.10.9 ${r.line}\n`), ['10.1.10.9'], a.blob);
    expect(other).toEqual({ status: 'unknown', otherTypes: ['ecdsa-sha2-nistp256'] });
    expect(lookupHostKey(entries, ['10.9.9.9'], a.blob)).toEqual({ status: 'unknown', otherTypes: [] });
  });

  it('refuses revoked keys and ignores @cert-authority lines for plain matching', () => {
    const entries = parseKnownHosts(
      `@revoked * ${a.line}\n@cert-authority *.lab ${b.line}\n10.1.10.9 ${a.line}\n`,
    );
    expect(lookupHostKey(entries, ['10.1.10.9'], a.blob).status).toBe('revoked');
    expect(lookupHostKey(entries, ['x.lab'], b.blob).status).toBe('unknown');
  });

  it('skips lines whose key does not decode to the named type', () => {
    expect(parseKnownHosts(`h ssh-rsa ${a.line.split(' ')[1]}\n`)).toEqual([]);
    expect(parseKnownHosts('h ssh-ed25519 not*base64\n')).toEqual([]);
  });

  it('writes lines OpenSSH finds (plain and hashed)', () => {
    const f = join(dir, 'kh-written');
    writeFileSync(
      f,
      formatKnownHostLine('[10.1.10.9]:2222', a.blob) +
        '\n' +
        formatKnownHostLine('10.1.10.10', b.blob, true) +
        '\n',
    );
    expect(spawnSync('ssh-keygen', ['-F', '[10.1.10.9]:2222', '-f', f]).status).toBe(0);
    expect(spawnSync('ssh-keygen', ['-F', '10.1.10.10', '-f', f]).status).toBe(0);
    expect(readFileSync(f, 'utf8').split('\n')[1]).toMatch(/^\|1\|/);
  });

  it('verifyHostKey: unknown refused unless accepted; acceptance appends; changed always refused', async () => {
    const f = join(dir, 'kh-policy');
    writeFileSync(f, 'other-host ' + r.line); // no trailing newline: the append must add one
    await expect(
      verifyHostKey({ knownHostsFiles: [f] }, '10.1.10.9', 22, ['10.1.10.9'], a.blob),
    ).rejects.toMatchObject({ code: 'HOSTKEY_UNKNOWN' });
    let asked = 0;
    const v = await verifyHostKey(
      { knownHostsFiles: [f], acceptNew: async (info) => (asked++, info.fingerprint === a.fp) },
      '10.1.10.9',
      22,
      ['10.1.10.9'],
      a.blob,
    );
    expect(asked).toBe(1);
    expect(v.status).toBe('accepted');
    expect(readFileSync(f, 'utf8').split('\n')).toEqual([`other-host ${r.line}`, `10.1.10.9 ${a.line}`, '']);
    expect(
      (await verifyHostKey({ knownHostsFiles: [f] }, '10.1.10.9', 22, ['10.1.10.9'], a.blob)).status,
    ).toBe('known');
    const e = await verifyHostKey(
      { knownHostsFiles: [f], acceptNew: true },
      '10.1.10.9',
      22,
      ['10.1.10.9'],
      b.blob,
    ).catch((x) => x);
    expect(e.code).toBe('HOSTKEY_CHANGED');
    expect(e.message).toContain(a.fp);
    expect(e.message).toContain(b.fp);
  });
});
