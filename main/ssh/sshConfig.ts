// Resolves a node target (an ssh_config alias or `[user@]host[:port]`) into everything needed to connect,
// using the `ssh-config` package's OpenSSH-compatible `compute` (first value wins, Host/Match patterns).

import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

import SSHConfig from 'ssh-config';

import { HopscopeError } from '../common/errors.ts';

export interface HostSpec {
  user?: string;
  host: string;
  port?: number;
}

export interface ResolvedTarget {
  /** What the user typed (alias or host), used as the config lookup key. */
  alias: string;
  hostName: string;
  port: number;
  user: string;
  identityFiles: string[];
  identitiesOnly: boolean;
  /** Jump hosts, outermost first. */
  proxyJump: ResolvedTarget[];
  knownHostsFiles: string[];
  strictHostKeyChecking: 'yes' | 'accept-new' | 'ask';
  /** Name to look up in known_hosts instead of the host name. */
  hostKeyAlias?: string;
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

/**
 * A host with its port as OpenSSH writes one (known_hosts, `ssh -J`): `host:port`, and `[addr]:port` for an IPv6
 * address, whose own colons would otherwise run into the port's. parseHostSpec reads it back.
 */
export function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Parses `[user@]host[:port]`, with `[v6addr]:port` for IPv6. */
export function parseHostSpec(spec: string): HostSpec {
  let rest = spec.trim();
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let host = rest;
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1];
    if (v6[2]) port = Number(v6[2]);
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    const i = rest.indexOf(':');
    host = rest.slice(0, i);
    port = Number(rest.slice(i + 1));
  }
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))
    throw new HopscopeError('USAGE', `bad port in '${spec}'`);
  if (!host || /[\s/]/.test(host) || host.startsWith('-'))
    throw new HopscopeError('USAGE', `bad host in '${spec}'`);
  if (user !== undefined && (!user || /[\s:]/.test(user) || user.startsWith('-')))
    throw new HopscopeError('USAGE', `bad user in '${spec}'`);
  return { user, host, port };
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function all(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** Expands `~` and the OpenSSH `%` tokens that make sense for a path. */
export function expandPath(p: string, host: string, user: string, port: number): string {
  const home = homedir();
  let s = p.startsWith('~/') ? join(home, p.slice(2)) : p === '~' ? home : p;
  s = s.replace(/%([%dhpruL])/g, (_m, t: string) => {
    switch (t) {
      case '%':
        return '%';
      case 'd':
        return home;
      case 'h':
        return host;
      case 'p':
        return String(port);
      case 'r':
        return user;
      case 'u':
        return userInfo().username;
      default:
        return '';
    }
  });
  return s;
}

export interface ResolveOptions {
  /** Text of the ssh_config file (undefined: no config). */
  configText?: string;
  /** Recursion guard for ProxyJump chains. */
  depth?: number;
}

/** Resolves an alias or `[user@]host[:port]` against the config; explicit user/port win over the config. */
export function resolveTarget(spec: HostSpec, opts: ResolveOptions = {}): ResolvedTarget {
  const depth = opts.depth ?? 0;
  if (depth > 8) throw new HopscopeError('SSH_CONFIG_INVALID', `ProxyJump chain too long at '${spec.host}'`);
  let cfg: Record<string, string | string[]> = {};
  if (opts.configText !== undefined) {
    try {
      const parsed = SSHConfig.parse(opts.configText);
      // matchExec off: a config must never make us run a local command.
      cfg = parsed.compute({ Host: spec.host, User: spec.user }, { ignoreCase: true, matchExec: false });
    } catch (e) {
      throw new HopscopeError('SSH_CONFIG_INVALID', `cannot parse ssh config: ${(e as Error).message}`);
    }
  }
  const hostName = first(cfg.hostname) ?? spec.host;
  const user = spec.user ?? first(cfg.user) ?? userInfo().username;
  const portText = spec.port !== undefined ? String(spec.port) : first(cfg.port);
  const port = portText !== undefined ? Number(portText) : 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new HopscopeError('SSH_CONFIG_INVALID', `bad Port for '${spec.host}': ${portText}`);
  const expand = (p: string) => expandPath(p, hostName, user, port);

  const identityFiles = all(cfg.identityfile).map(expand);
  const knownHostsFiles = all(cfg.userknownhostsfile)
    .flatMap((v) => v.split(/\s+/))
    .filter((v) => v && v.toLowerCase() !== 'none')
    .map(expand);
  const strict = (first(cfg.stricthostkeychecking) ?? 'ask').toLowerCase();
  const jumpText = first(cfg.proxyjump);
  const proxyJump = jumpText ? resolveJumps(jumpText, { ...opts, depth }) : [];
  const seconds = (v: string | undefined) =>
    v !== undefined && /^\d+$/.test(v) ? Number(v) * 1000 : undefined;
  return {
    alias: spec.host,
    hostName,
    port,
    user,
    identityFiles,
    identitiesOnly: (first(cfg.identitiesonly) ?? 'no').toLowerCase() === 'yes',
    proxyJump,
    knownHostsFiles,
    // `no`/`off` would silently trust any key; we treat them like accept-new and still refuse changed keys.
    strictHostKeyChecking: strict === 'yes' ? 'yes' : strict === 'ask' ? 'ask' : 'accept-new',
    hostKeyAlias: first(cfg.hostkeyalias),
    connectTimeoutMs: seconds(first(cfg.connecttimeout)),
    keepaliveIntervalMs: seconds(first(cfg.serveraliveinterval)),
    keepaliveCountMax: first(cfg.serveralivecountmax) ? Number(first(cfg.serveralivecountmax)) : undefined,
  };
}

/**
 * The jump hosts of a ProxyJump value (`ssh -J`'s `[user@]host[:port][,…]`, each host possibly an alias of the
 * config), outermost first; `none` is none. As OpenSSH does (`ssh -J A,B` runs `ssh -J A -W … B`), only the
 * first hop's own ProxyJump applies.
 */
export function resolveJumps(jumpText: string, opts: ResolveOptions = {}): ResolvedTarget[] {
  const proxyJump: ResolvedTarget[] = [];
  if (jumpText.trim().toLowerCase() === 'none') return proxyJump;
  jumpText.split(',').forEach((hop, k) => {
    const hs = parseHostSpec(hop.replace(/^ssh:\/\//, ''));
    const r = resolveTarget(hs, { ...opts, depth: (opts.depth ?? 0) + 1 });
    if (k === 0) proxyJump.push(...r.proxyJump);
    proxyJump.push({ ...r, proxyJump: [] });
  });
  return proxyJump;
}

/** Default identity files OpenSSH tries when the config names none. */
export function defaultIdentityFiles(): string[] {
  const d = join(homedir(), '.ssh');
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(d, f));
}

export function defaultKnownHostsFiles(): string[] {
  return [join(homedir(), '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];
}
