// OpenSSH known_hosts: parse plain, hashed (`|1|salt|hash`) and `[host]:port` entries, look a host key up,
// and format the line we append when the user accepts a new key. Pure functions; file I/O is in hostKeys.ts.

import { createHash, createHmac, randomBytes } from 'node:crypto';

export interface KnownHostEntry {
  /** 1-based line number in its file, for messages. */
  line: number;
  marker: 'cert-authority' | 'revoked' | null;
  /** The raw comma-separated host field (patterns, or one `|1|salt|hash`). */
  hosts: string;
  keyType: string;
  key: Buffer;
}

export type HostKeyLookup =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'changed'; knownFingerprints: string[]; entries: KnownHostEntry[] }
  | { status: 'revoked'; entry: KnownHostEntry }
  | { status: 'unknown'; otherTypes: string[] };

/** Parses known_hosts text; malformed lines are skipped (OpenSSH does the same). */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(/\s+/);
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0].startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@cert-authority') marker = 'cert-authority';
      else if (m === '@revoked') marker = 'revoked';
      else continue;
    }
    if (fields.length < 3) continue;
    const [hosts, keyType, b64] = fields;
    if (!/^[A-Za-z0-9+/]+=*$/.test(b64)) continue;
    const key = Buffer.from(b64, 'base64');
    if (key.length < 8 || blobKeyType(key) !== keyType) continue;
    out.push({ line: i + 1, marker, hosts, keyType, key });
  }
  return out;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function lookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's SHA256 fingerprint of a public key blob: `SHA256:` + unpadded base64. */
export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The key type named inside an SSH public key blob (its first string), or '' if the blob is malformed. */
export function blobKeyType(blob: Buffer): string {
  if (blob.length < 4) return '';
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || 4 + n > blob.length) return '';
  return blob.subarray(4, 4 + n).toString('latin1');
}

/** Glob match with OpenSSH's `*` and `?`, case-insensitive like host names. */
function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
    'i',
  );
  return re.test(name);
}

function hashedMatch(field: string, name: string): boolean {
  const parts = field.split('|');
  // `|1|salt|hash` splits into ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2], 'base64');
  const want = Buffer.from(parts[3], 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return got.length === want.length && got.equals(want);
}

/** True if the entry's host field names `name` (already in lookupName form). */
export function hostsMatch(hosts: string, name: string): boolean {
  if (hosts.startsWith('|')) return hashedMatch(hosts, name);
  let positive = false;
  for (const pat of hosts.split(',')) {
    if (pat.startsWith('!')) {
      if (globMatch(pat.slice(1), name)) return false;
    } else if (globMatch(pat, name)) positive = true;
  }
  return positive;
}

/** Looks a presented host key up among entries, for any of the names the host is known by. */
export function lookupHostKey(entries: KnownHostEntry[], names: string[], presented: Buffer): HostKeyLookup {
  const type = blobKeyType(presented);
  const forHost = entries.filter((e) => names.some((n) => hostsMatch(e.hosts, n)));
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(presented));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === null);
  const same = plain.find((e) => e.key.equals(presented));
  if (same) return { status: 'known', entry: same };
  const sameType = plain.filter((e) => e.keyType === type);
  if (sameType.length > 0)
    return {
      status: 'changed',
      knownFingerprints: sameType.map((e) => fingerprint(e.key)),
      entries: sameType,
    };
  return { status: 'unknown', otherTypes: [...new Set(plain.map((e) => e.keyType))] };
}

/** Key types already recorded for a host, so we can ask the server for one of those first (as OpenSSH does). */
export function knownKeyTypes(entries: KnownHostEntry[], names: string[]): string[] {
  const types = entries
    .filter((e) => e.marker === null && names.some((n) => hostsMatch(e.hosts, n)))
    .map((e) => e.keyType);
  return [...new Set(types)];
}

/** The line to append for an accepted key; hashed like `HashKnownHosts yes` when asked. */
export function formatKnownHostLine(name: string, blob: Buffer, hashed = false): string {
  let host = name;
  if (hashed) {
    const salt = randomBytes(20);
    host = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  return `${host} ${blobKeyType(blob)} ${blob.toString('base64')}`;
}
