// The session folder: `session.json` plus one `<node>__<iface>.pcap` per interface, raw as tcpdump wrote it.
// session.json is rewritten atomically (temp file + rename) so a crash never leaves half a document.

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { HopscopeError } from '../common/errors.ts';

export const SESSION_SCHEMA = 'hopscope.session/1';
export const SESSION_FILE = 'session.json';

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function checkNodeName(name: string): void {
  if (!NODE_NAME.test(name))
    throw new HopscopeError(
      'USAGE',
      `node name ${JSON.stringify(name)}: use letters, digits, '.', '_' or '-'`,
    );
  // "a__b" would name its files a__b__eth0.pcap, read back as node "a", interface "b__eth0".
  if (name.includes('__'))
    throw new HopscopeError(
      'USAGE',
      `node name ${JSON.stringify(name)}: no '__' (it separates the node from the interface in file names)`,
    );
}

/**
 * The lane an interface's capture is read back as: its name, or `NAME~N` for the Nth interface of that name the
 * session captured (a pod recreated under the same `cali…` while following new interfaces). `~` is %-encoded in
 * file names, so it cannot be part of a name read back from one.
 */
export function laneName(iface: string, instance = 1): string {
  return instance > 1 ? `${iface}~${instance}` : iface;
}

/**
 * File name for one interface. Bytes outside a safe set are %-encoded, so any Linux ifname maps one-to-one; the
 * Nth interface of one name in a session (instance > 1) gets `~N` before the extension, so that the earlier ones'
 * files are kept, and ifaceFromFileName reads it back as its lane (laneName).
 */
export function captureFileName(node: string, iface: string, instance = 1): string {
  const safe = Array.from(Buffer.from(iface, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9._@+-]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
    })
    .join('');
  return `${node}__${laneName(safe, instance)}.pcap`;
}

/** Inverse of captureFileName for the interface part. */
export function ifaceFromFileName(file: string): { node: string; iface: string } | null {
  const m = /^(.+?)__(.+)\.pcap(ng)?$/.exec(file);
  if (!m) return null;
  try {
    return { node: m[1], iface: decodeURIComponent(m[2]) };
  } catch {
    return null;
  }
}

export function ensureSessionDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

export function writeSessionJson(dir: string, doc: unknown): void {
  const tmp = join(dir, `.${SESSION_FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(doc, null, 2) + '\n');
  renameSync(tmp, join(dir, SESSION_FILE));
}
