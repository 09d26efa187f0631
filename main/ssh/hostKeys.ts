// Host key policy: check a presented key against known_hosts files; unknown keys need explicit acceptance
// (a flag or a callback the UI answers) and are then appended; changed or revoked keys are always refused.

import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { HopscopeError } from '../common/errors.ts';

import {
  blobKeyType,
  fingerprint,
  formatKnownHostLine,
  knownKeyTypes,
  lookupHostKey,
  lookupName,
  parseKnownHosts,
  type KnownHostEntry,
} from './knownHosts.ts';

export interface HostKeyInfo {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
  /** Set when the host is a jump host on the way to the node: its name as given (an ssh_config alias or address). */
  jumpHost?: string;
}

export interface HostKeyPolicy {
  /** Files searched in order; the first is where accepted keys are appended. */
  knownHostsFiles: string[];
  /** true: accept and record unknown keys; a function: ask (the UI's prompt); false/undefined: refuse. */
  acceptNew?: boolean | ((info: HostKeyInfo) => Promise<boolean>);
  /** Write accepted keys hashed (`|1|`), like OpenSSH's HashKnownHosts. */
  hashNew?: boolean;
  /**
   * The host's ssh_config says `StrictHostKeyChecking yes`: an unknown key is refused without asking, as OpenSSH
   * does (`acceptNew: true`, an explicit `--accept-new`, still accepts it, as `ssh -o StrictHostKeyChecking=…`
   * overrides the config).
   */
  strict?: boolean;
}

export interface VerifiedHostKey extends HostKeyInfo {
  status: 'known' | 'accepted';
  /** File that vouched for the key, or received it. */
  file: string;
}

function loadEntries(files: string[]): { file: string; entries: KnownHostEntry[] }[] {
  return files
    .filter((f) => existsSync(f))
    .map((file) => ({ file, entries: parseKnownHosts(readFileSync(file, 'utf8')) }));
}

/** Names the host is known by in known_hosts: the alias if set, else the host name (with [ ]:port off 22). */
export function lookupNames(hostName: string, port: number, hostKeyAlias?: string): string[] {
  return [lookupName(hostKeyAlias ?? hostName, port)];
}

/** Host key algorithms to offer, known types for this host first (so a known ed25519 host is not asked for RSA). */
export function preferredHostKeyAlgorithms(policy: HostKeyPolicy, names: string[]): string[] | undefined {
  const types = loadEntries(policy.knownHostsFiles).flatMap((f) => knownKeyTypes(f.entries, names));
  if (types.length === 0) return undefined;
  const byType: Record<string, string[]> = {
    'ssh-ed25519': ['ssh-ed25519'],
    'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
    'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
    'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
    'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  };
  const defaults = [
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'rsa-sha2-512',
    'rsa-sha2-256',
    'ssh-rsa',
  ];
  const first = types.flatMap((t) => byType[t] ?? []);
  return [...new Set([...first, ...defaults])];
}

/** Decides about a presented key; throws HOSTKEY_CHANGED / HOSTKEY_UNKNOWN, appends on acceptance. */
export async function verifyHostKey(
  policy: HostKeyPolicy,
  host: string,
  port: number,
  names: string[],
  blob: Buffer,
): Promise<VerifiedHostKey> {
  const info: HostKeyInfo = { host, port, keyType: blobKeyType(blob), fingerprint: fingerprint(blob) };
  const files = loadEntries(policy.knownHostsFiles);
  let otherTypes: string[] = [];
  for (const { file, entries } of files) {
    const r = lookupHostKey(entries, names, blob);
    if (r.status === 'known') return { ...info, status: 'known', file };
    if (r.status === 'revoked')
      throw new HopscopeError(
        'HOSTKEY_CHANGED',
        `host key ${info.fingerprint} of ${names[0]} is revoked in ${file}:${r.entry.line}`,
        {
          ...info,
          file,
        },
      );
    if (r.status === 'changed')
      throw new HopscopeError(
        'HOSTKEY_CHANGED',
        `host key of ${names[0]} changed: it presented ${info.keyType} ${info.fingerprint}, but ${file} (line ${r.entries
          .map((e) => e.line)
          .join(
            ', ',
          )}) has ${r.knownFingerprints.join(', ')}; possible man-in-the-middle, refusing to connect`,
        { ...info, knownFingerprints: r.knownFingerprints, file },
      );
    otherTypes = [...otherTypes, ...r.otherTypes];
  }
  const ask = typeof policy.acceptNew === 'function' && !policy.strict ? policy.acceptNew : undefined;
  const accept = ask ? await ask(info) : policy.acceptNew === true;
  if (!accept) {
    const also = otherTypes.length ? ` (known_hosts has only ${otherTypes.join(', ')} keys for it)` : '';
    const what = `host ${names[0]} is not in known_hosts${also}; its ${info.keyType} key is ${info.fingerprint}`;
    throw new HopscopeError(
      'HOSTKEY_UNKNOWN',
      typeof policy.acceptNew === 'function' && policy.strict
        ? `${what}, and its ssh_config says StrictHostKeyChecking yes, so it is refused without asking. Check the fingerprint and add the key to ${policy.knownHostsFiles[0] ?? 'known_hosts'} (ssh-keyscan${info.port === 22 ? '' : ` -p ${info.port}`} ${info.host}), or set StrictHostKeyChecking ask or accept-new for it`
        : `${what}. Accept it explicitly (--accept-new) if that is right`,
      { ...info },
    );
  }
  const target = policy.knownHostsFiles[0];
  if (!target)
    throw new HopscopeError('HOSTKEY_UNKNOWN', `no known_hosts file to record ${names[0]} in`, { ...info });
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  const prev = existsSync(target) ? readFileSync(target, 'utf8') : '';
  const sep = prev === '' || prev.endsWith('\n') ? '' : '\n';
  appendFileSync(target, sep + formatKnownHostLine(names[0], blob, policy.hashNew) + '\n', { mode: 0o600 });
  return { ...info, status: 'accepted', file: target };
}
