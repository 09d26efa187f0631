// Helpers for the capture engine's lab tests: run the real CLI, find tcpdumps inside the lab's node
// namespaces, read pcap files with the real tcpdump, and locate the sshd process serving one connection.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { NodeManager } from '../../main/app/nodes.ts';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const LAB_DIR = '/run/hopscope-lab';
export const SSH_CONFIG = `${LAB_DIR}/ssh_config`;
export const KNOWN_HOSTS = `${LAB_DIR}/known_hosts`;
export const LAB_KEY = `${LAB_DIR}/id_ed25519`;
/** The app's node list (no events wanted) holding node-1 by address, root with the lab's key, not yet connected. */
export function labNodeManager(): NodeManager {
  const nodes = new NodeManager(
    () => undefined,
    () => undefined,
  );
  nodes.add(
    {
      name: 'node-1',
      host: '10.1.10.9',
      user: 'root',
      auth: 'key',
      identityFile: LAB_KEY,
      knownHostsPath: KNOWN_HOSTS,
    },
    false,
  );
  return nodes;
}

/** `hopscope capture` flags choosing every interface of both lab nodes. */
export const BOTH_NODES_ALL_IFACES = [
  '--node',
  'node-1',
  '--node',
  'node-2',
  '--iface',
  'node-1:*',
  '--iface',
  'node-2:*',
];
export const NODE_NS = ['hs-node-1', 'hs-node-2'];

export function sh(cmd: string, args: string[], input?: string): { code: number; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? 1, out: r.stdout ?? '', err: r.stderr ?? '' };
}

/**
 * The lab's ssh_config with `blocks` (ssh_config text) before it, written as `dir`/ssh_config: for the options they
 * set, the first value wins, so the lab's own blocks give the rest.
 */
export function labSshConfigWith(dir: string, blocks: string): string {
  const file = join(dir, 'ssh_config');
  writeFileSync(file, `${blocks}${readFileSync(SSH_CONFIG, 'utf8')}`);
  return file;
}

export function hopscope(args: string[]): { code: number; out: string; err: string } {
  return sh(process.execPath, [join(ROOT, 'bin/hopscope.mjs'), ...args]);
}

export function lab(...args: string[]): void {
  const r = hopscope(['lab', ...args]);
  if (r.code !== 0) throw new Error(`lab ${args.join(' ')} failed: ${r.err}${r.out}`);
}

export interface Running {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

/** Starts `hopscope capture …` as a child process (so it can be signalled or killed). */
export function startCapture(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [join(ROOT, 'bin/hopscope.mjs'), 'capture', ...args], {
    env: { ...process.env, SSH_AUTH_SOCK: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, out: () => out, err: () => err, exit };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function readSession(dir: string): any {
  const f = join(dir, 'session.json');
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null;
}

/** Every capture in the session has tcpdump listening. */
export function allCapturing(dir: string, n: number): boolean {
  const s = readSession(dir);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return !!s && s.captures.length === n && s.captures.every((c: any) => c.state === 'capturing');
}

/** tcpdump processes running inside the lab's node namespaces (pid and command line). */
export function labTcpdumps(): { ns: string; pid: number; args: string }[] {
  return labProcesses('tcpdump');
}

/** followNew's link monitors (`ip -o monitor link`) running inside the lab's node namespaces. */
export function labLinkMonitors(): { ns: string; pid: number; args: string }[] {
  return labProcesses('ip').filter((p) => p.args.includes(' monitor '));
}

/** Processes named `comm` running inside the lab's node namespaces (pid and command line). */
function labProcesses(name: string): { ns: string; pid: number; args: string }[] {
  const out: { ns: string; pid: number; args: string }[] = [];
  for (const ns of NODE_NS) {
    const pids = sh('ip', ['netns', 'pids', ns]).out.split('\n').filter(Boolean);
    for (const p of pids) {
      let comm = '';
      try {
        comm = readFileSync(`/proc/${p}/comm`, 'utf8').trim();
      } catch {
        continue;
      }
      if (comm !== name) continue;
      let args = '';
      try {
        args = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ');
      } catch {
        /* exited */
      }
      out.push({ ns, pid: Number(p), args });
    }
  }
  return out;
}

export async function expectNoTcpdumpWithin(ms: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (labTcpdumps().length === 0) return Date.now() - t0;
    await sleep(100);
  }
  throw new Error(`tcpdump still running after ${ms} ms: ${JSON.stringify(labTcpdumps())}`);
}

/** PIDs of the sshd processes holding the TCP connection from our client port (found with `ss -p`). */
export function sshdPidsFor(ns: string, clientPort: number): number[] {
  const r = sh('ip', [
    'netns',
    'exec',
    ns,
    'ss',
    '-Htnp',
    'state',
    'established',
    `( sport = :22 and dport = :${clientPort} )`,
  ]);
  return [...r.out.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
}

/** Packets `tcpdump -r` reads from a file (throws if tcpdump cannot read it). */
export function tcpdumpRead(
  file: string,
  extra: string[] = [],
): { lines: string[]; packets: number; header: string } {
  const r = sh('tcpdump', ['-nn', '-tt', '-r', file, ...extra]);
  if (r.code !== 0) throw new Error(`tcpdump -r ${file}: ${r.err}`);
  const lines = r.out.split('\n').filter(Boolean);
  // Encapsulated packets print their inner packet on a second line; only a packet's first line has a time.
  return { lines, packets: lines.filter((l) => /^\d+\.\d+ /.test(l)).length, header: r.err };
}

export function labUsers(): { name: string; sudo: string; password?: string }[] {
  return JSON.parse(readFileSync(`${LAB_DIR}/users.json`, 'utf8')).users;
}
