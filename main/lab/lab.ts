// `lab up` / `lab down` / `lab status`: builds a scenario's namespaces, links, tunnels, iptables and daemons from
// its plan, and tears down everything carrying the lab's prefix, even a half-built lab.

import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';

import { HopscopeError } from '../common/errors.ts';
import { run, runIn, sleep, startDaemon, waitFor } from './exec.ts';
import { buildPlan, nodeKubeProxyRules, type Step } from './plan.ts';
import { SCENARIOS, type ScenarioDef, type ScenarioName } from './scenarios.ts';
import {
  knownHostsText,
  sshConfigText,
  sshdConfigText,
  sshdKbdConfigText,
  type LabPaths,
} from './sshFiles.ts';
import {
  daemonAlive,
  ensureStateDir,
  isZombie,
  paths,
  readState,
  startTicks,
  writePrivate,
  writeState,
  type DaemonRecord,
  type LabState,
} from './state.ts';
import { HOSTS, host, KBD_HOSTS, KBD_PORT, LAB_PREFIX, podNs, type HostName } from './topology.ts';
import { ensureUsers, type LabUser } from './users.ts';

export type Log = (line: string) => void;
const quiet: Log = () => undefined;

export function requireRoot(): void {
  if (process.platform !== 'linux')
    throw new HopscopeError('NOT_LINUX', 'the lab needs Linux network namespaces');
  if (process.getuid?.() !== 0) throw new HopscopeError('NOT_ROOT', 'the lab needs root (run with sudo)');
}

/** Lab namespaces that exist now (`ip netns list` prints `NAME (id: N)`). */
export async function labNamespaces(): Promise<string[]> {
  const r = await run(['ip', 'netns', 'list'], { allowFail: true });
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(LAB_PREFIX));
}

/** Lab links in the root namespace (the lab bridge and the root ends of the hosts' ens33 veths). */
export async function labRootLinks(): Promise<string[]> {
  const r = await run(['ip', '-j', 'link', 'show'], { allowFail: true });
  const links = JSON.parse(r.stdout || '[]') as { ifname: string }[];
  return links.map((l) => l.ifname).filter((n) => n.startsWith(LAB_PREFIX));
}

async function nsPids(ns: string): Promise<number[]> {
  const r = await run(['ip', 'netns', 'pids', ns], { allowFail: true });
  return r.stdout
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => n > 1 && n !== process.pid);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Stop processes by pid: SIGTERM, then SIGKILL what is still there after `graceMs`. */
async function stopPids(pids: Map<number, number | null>, graceMs = 1500): Promise<void> {
  const ours = (pid: number, ticks: number | null): boolean => {
    const now = startTicks(pid);
    return now !== null && (ticks === null || now === ticks);
  };
  for (const [pid, ticks] of pids) if (ours(pid, ticks)) signal(pid, 'SIGTERM');
  const end = Date.now() + graceMs;
  while (Date.now() < end && [...pids].some(([p, t]) => ours(p, t) && !isZombie(p))) await sleep(25);
  for (const [pid, ticks] of pids) if (ours(pid, ticks) && !isZombie(pid)) signal(pid, 'SIGKILL');
}

export interface DownReport {
  stoppedPids: number[];
  namespaces: string[];
  links: string[];
}

/**
 * Remove everything the lab made: the daemons it recorded (checked by start time), any other process living in
 * an `hs-` namespace (ssh sessions, tcpdumps started over ssh), the namespaces, the root `hs-` links and the
 * state folder. Works on a half-built lab; users are left in place.
 */
export async function labDown(log: Log = quiet): Promise<DownReport> {
  requireRoot();
  const p = paths();
  const st = readState(p);
  const pids = new Map<number, number | null>();
  for (const d of st?.daemons ?? []) if (daemonAlive(d)) pids.set(d.pid, d.startTicks);
  const namespaces = await labNamespaces();
  for (const ns of namespaces)
    for (const pid of await nsPids(ns)) if (!pids.has(pid)) pids.set(pid, startTicks(pid));
  if (pids.size) log(`stopping ${pids.size} lab process(es): ${[...pids.keys()].join(' ')}`);
  await stopPids(pids);
  for (const ns of namespaces) {
    await run(['ip', 'netns', 'del', ns], { allowFail: true });
  }
  if (namespaces.length) log(`deleted namespaces: ${namespaces.join(' ')}`);
  const links = await labRootLinks();
  for (const l of links) await run(['ip', 'link', 'del', l], { allowFail: true });
  if (links.length) log(`deleted links: ${links.join(' ')}`);
  // wireguard-go leaves its UAPI socket behind when killed; the names are the lab's own (hswg-N).
  for (const sock of wireguardSockets()) rmSync(sock, { force: true });
  if (existsSync(p.dir)) rmSync(p.dir, { recursive: true, force: true });
  // Namespace teardown is asynchronous in the kernel: the root veth ends vanish a moment after `netns del`.
  let left: string[] = [];
  const end = Date.now() + 3000;
  do {
    left = [...(await labNamespaces()), ...(await labRootLinks())];
    for (const l of left.filter((x) => !namespaces.includes(x)))
      await run(['ip', 'link', 'del', l], { allowFail: true });
    if (left.length) await sleep(50);
  } while (left.length && Date.now() < end);
  if (left.length) throw new HopscopeError('LAB_FAILED', `lab down left ${left.join(' ')}`);
  return { stoppedPids: [...pids.keys()], namespaces, links };
}

/** Where wireguard-go puts its UAPI socket: one directory for every namespace. */
export const WIREGUARD_RUN_DIR = '/var/run/wireguard';

/** The UAPI sockets any scenario's wireguard-go would create. */
export function wireguardSockets(): string[] {
  const names = new Set(Object.values(SCENARIOS).flatMap((s) => s.wireguard.map((w) => w.tmpName)));
  return [...names].map((n) => `${WIREGUARD_RUN_DIR}/${n}.sock`);
}

/** Each WireGuard node's key pair: the private key into the state folder (0600), the public key returned. */
async function wireguardKeys(s: ScenarioDef, p: LabPaths): Promise<Partial<Record<HostName, string>>> {
  const out: Partial<Record<HostName, string>> = {};
  for (const w of s.wireguard) {
    const priv = (await run(['wg', 'genkey'])).stdout;
    writePrivate(p.wgKey(w.node), priv);
    out[w.node] = (await run(['wg', 'pubkey'], { input: priv })).stdout.trim();
  }
  return out;
}

async function keygen(file: string, comment: string): Promise<string> {
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8');
}

async function writeSshFiles(p: LabPaths): Promise<void> {
  const [clientPub, ...hostPubs] = await Promise.all([
    keygen(p.clientKey, 'hopscope-lab-client'),
    ...HOSTS.map((h) => keygen(p.hostKey(h.name), `hopscope-lab-${h.name}`)),
  ]);
  writePrivate(p.authorizedKeys, clientPub);
  for (const h of HOSTS) writePrivate(p.sshdConfig(h.name), sshdConfigText(h, p));
  for (const n of KBD_HOSTS) writePrivate(p.sshdKbdConfig(n), sshdKbdConfigText(host(n), p));
  writePrivate(
    p.knownHosts,
    knownHostsText(HOSTS.map((host, i) => ({ host, publicKey: hostPubs[i] }))),
    0o644,
  );
  writePrivate(p.sshConfig, sshConfigText(HOSTS, p), 0o644);
  // sshd insists on its privilege-separation directory, shared with the host's own sshd if there is one.
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 300 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

async function listening(ns: string, port: number): Promise<boolean> {
  const r = await runIn(ns, ['ss', '-Hltn'], { allowFail: true });
  return r.stdout.split('\n').some((l) => l.includes(`:${port} `));
}

export interface UpResult {
  scenario: ScenarioName;
  sshConfig: string;
  users: LabUser[];
  ms: number;
}

/** Build `name`, first removing whatever lab (or half-built lab) is there. */
export async function labUp(name: ScenarioName, log: Log = quiet): Promise<UpResult> {
  requireRoot();
  const t0 = Date.now();
  await labDown(log);
  const p = paths();
  ensureStateDir(p);
  const state: LabState = {
    scenario: name,
    phase: 'building',
    startedAt: new Date().toISOString(),
    daemons: [],
  };
  writeState(p, state);
  const [, users] = await Promise.all([writeSshFiles(p), ensureUsers()]);
  writePrivate(p.users, JSON.stringify({ users }, null, 2) + '\n');

  const s = SCENARIOS[name];
  const plan = buildPlan(s, {
    paths: p,
    nodeBin: process.execPath,
    physdev: true,
    brNetfilter: existsSync('/proc/sys/net/bridge'),
    wgPublicKeys: await wireguardKeys(s, p),
  });
  const exec = async (st: Step): Promise<void> => {
    if (st.kind === 'run') {
      try {
        await runIn(st.ns, st.argv, { input: st.input });
      } catch (e) {
        // Some kernels lack xt_physdev; kube-proxy's ExternalIP rule then goes without that one match.
        if (st.argv[0] !== 'iptables-restore') throw e;
        log('iptables-restore failed with -m physdev; loading the rules without it');
        const node = HOSTS.find((h) => h.ns === st.ns)?.name ?? 'node-1';
        await runIn(st.ns, st.argv, { input: nodeKubeProxyRules(node, false) });
      }
      return;
    }
    const pid = startDaemon(st.ns, st.argv, p.log(st.label), st.env);
    writePrivate(p.pidFile(st.label), `${pid}\n`);
    const rec: DaemonRecord = {
      label: st.label,
      ns: st.ns,
      pid,
      startTicks: startTicks(pid) ?? -1,
      argv: st.argv,
    };
    state.daemons.push(rec);
    writeState(p, state);
    if (st.waitLink) {
      const link = st.waitLink;
      await waitFor(`${link} in ${st.ns}`, async () => {
        if (!daemonAlive(rec))
          throw new HopscopeError('LAB_FAILED', `${st.label} exited; see ${p.log(st.label)}`);
        return (await runIn(st.ns, ['ip', 'link', 'show', 'dev', link], { allowFail: true })).code === 0;
      });
    }
  };
  for (const phase of plan) {
    log(`${phase.name}`);
    await Promise.all(
      phase.tasks.map(async (task) => {
        for (const st of task) await exec(st);
      }),
    );
  }

  // Ready means every sshd accepts on port 22 (the nodes' second one on KBD_PORT) from the host and every pod
  // responder listens.
  await Promise.all([
    ...HOSTS.map((h) => waitFor(`sshd on ${h.name} (${h.ip}:22)`, () => tcpOpen(h.ip, 22), 8000)),
    ...KBD_HOSTS.map(host).map((h) =>
      waitFor(`sshd on ${h.name} (${h.ip}:${KBD_PORT})`, () => tcpOpen(h.ip, KBD_PORT), 8000),
    ),
    ...s.pods.flatMap((pod) =>
      pod.ports.map((port) =>
        waitFor(`${pod.name} listening on ${port}`, () => listening(podNs(pod.name), port), 8000),
      ),
    ),
  ]);
  const dead = state.daemons.filter((d) => !daemonAlive(d));
  if (dead.length)
    throw new HopscopeError(
      'LAB_FAILED',
      `daemons exited: ${dead.map((d) => `${d.label} (log ${p.log(d.label)})`).join(', ')}`,
    );
  state.phase = 'up';
  writeState(p, state);
  return { scenario: name, sshConfig: p.sshConfig, users, ms: Date.now() - t0 };
}

export interface StatusReport {
  scenario: ScenarioName | null;
  phase: LabState['phase'] | 'down';
  namespaces: string[];
  rootLinks: string[];
  links: Record<string, string[]>;
  daemons: (DaemonRecord & { alive: boolean })[];
  sshConfig: string | null;
}

export async function labStatus(): Promise<StatusReport> {
  requireRoot();
  const p = paths();
  const st = readState(p);
  const namespaces = await labNamespaces();
  const links: Record<string, string[]> = {};
  for (const ns of namespaces) {
    const r = await run(['ip', '-n', ns, '-br', 'link'], { allowFail: true });
    links[ns] = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.replace(/\s+/g, ' ').trim());
  }
  return {
    scenario: st?.scenario ?? null,
    phase: st?.phase ?? (namespaces.length ? 'building' : 'down'),
    namespaces,
    rootLinks: await labRootLinks(),
    links,
    daemons: (st?.daemons ?? []).map((d) => ({ ...d, alive: daemonAlive(d) })),
    sshConfig: existsSync(p.sshConfig) ? p.sshConfig : null,
  };
}
