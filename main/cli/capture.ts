// `hopscope capture`: headless live capture from many interfaces of many nodes into a session folder.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { HopscopeError } from '../common/errors.ts';
import type {
  CaptureSession,
  IfaceCaptureStatus,
  InterfaceAppeared,
  NodeSpec,
  NodeStatus,
  SessionWarning,
} from '../capture/index.ts';
import {
  hostPort,
  parseHostSpec,
  resolveJumps,
  resolveTarget,
  type ResolvedTarget,
} from '../ssh/sshConfig.ts';
import { filterNamesTunnels } from '../capture/tcpdumpCommand.ts';
import { chosenByGlobOnly } from '../capture/selection.ts';
import { followSelectors } from '../capture/followNew.ts';
import { laneName } from '../capture/sessionFolder.ts';

import { flagSet, flagValue, flagValues, parseArgs } from './args.ts';
import type { Command } from './command.ts';
import { jumpPasswordsArg, unusedJumpPasswords } from './jumpPasswordArg.ts';
import { TerminalPrompts } from './terminalPrompt.ts';

/**
 * Once a node is up, how long the others may take before it starts capturing without them: a node timing out
 * (a blackholed address: the SSH ready timeout, 15 s) held back every other node's capture, and traffic sent in
 * the meantime was lost. Nodes still connecting then join when they are up (CaptureSession.connect).
 */
const LATE_NODE_GRACE_MS = 3000;

/**
 * --out must be a new or empty folder: a capture into an earlier session's folder rewrote its session.json from
 * the start (even when the new run failed at once), so that nothing named the earlier captures any more.
 */
function refuseUsedFolder(out: string): void {
  let entries: string[];
  try {
    if (!statSync(out).isDirectory()) throw new HopscopeError('USAGE', `--out ${out}: not a folder`);
    entries = readdirSync(out);
  } catch (e) {
    if (e instanceof HopscopeError) throw e;
    return; // not there yet: created
  }
  if (entries.length > 0)
    throw new HopscopeError(
      'USAGE',
      `--out ${out} is not empty${entries.includes('session.json') ? ' (it holds a session)' : ''}: ` +
        'give a new or empty folder',
    );
}

const help = `usage: hopscope capture --node SPEC [--node SPEC…] [--iface SEL…] --out DIR [options]

Captures on every chosen interface of every node at once (one remote tcpdump -U -w - per interface) into a
session folder: DIR/session.json and DIR/<node>__<iface>.pcap (raw, exactly as tcpdump wrote it).

Nodes (repeatable):
  --node NAME=[user@]host[:port]   a node by address; host may also be an ssh_config alias
  --node ALIAS                     an ssh_config alias (its name is the node name)
  --ssh-config FILE                ssh_config to resolve aliases, users, keys, ProxyJump (default ~/.ssh/config)
  --jump [user@]host[:port][,…]    reach every node through these jump hosts, as ssh -J (hosts may be aliases;
                                   replaces the config's ProxyJump); each is logged in to with the nodes'
                                   keys and agent and its own password (--jump-password-env, or asked on a
                                   terminal), one connection shared by the nodes behind it that log in to
                                   it alike (same user, keys, agent and password)
Interfaces (repeatable; default: every up, non-loopback interface of every node):
  --iface NODE:NAME | NODE:GLOB | GLOB    e.g. 'node-1:*', 'node-2:ens33', 'cali*'
                                   globs skip loopback and down interfaces; exact names never do.
                                   While capturing, an interface that appears later (a new pod's veth) or
                                   comes up later and matches a glob is captured too, from then on (said on
                                   stderr, addedAt in session.json); exact names never widen. A name
                                   coming back as a new interface (a pod recreated) is captured again into
                                   <node>__<iface>~2.pcap; a glob matching nothing yet waits for its first
                                   match (a session that never captured anything exits 1)
  --no-follow-new     capture only what the selectors matched at the start (a selection of nothing is refused)
Capture:
  --filter BPF        capture filter, checked on every interface with tcpdump -d before anything starts
  --include-own-ssh   do not leave out this SSH connection's own packets (left out by default)
  --no-follow-tunnels capture exactly --filter; by default a filter is widened with the overlay tunnels'
                      outer packets (udp dst port 4789/8472/6081, ip proto 4), so a ping filtered by 'icmp' is also
                      seen on ens33 inside VXLAN, Geneve or IPIP and its journey stays whole
  --delivery MODE     buffered (default): the kernel hands packets to tcpdump in blocks, up to 1 s late,
                      and the same kernel memory holds tens of times more packets; immediate: each packet
                      at once (tcpdump --immediate-mode), but it drops under load unless --buffer-size is large
  --buffer-size KIB   kernel capture buffer per interface (tcpdump -B); default 4096 where flows meet
                      (bridge, NIC, tunnel, a veth holding the node's address), tcpdump's 2048 elsewhere.
                      Packets the kernel drops are counted live and reported at the end
  --duration SECONDS  stop after this long (default: until Ctrl-C)
  --count N           stop each interface after N packets
  --snaplen BYTES     1 to 262144 (tcpdump's limit; default 262144)
  --max-size SIZE     stop cleanly once the capture files together reach SIZE bytes (suffix K, M or G)
  --reconnect         when a node's connection is lost, keep trying it and resume its captures in the same
                      files (the gap is recorded in session.json); without it the node's captures end 'lost'
  --heartbeat-timeout SECONDS   a node kills its tcpdump when it hears no heartbeat from us for this long
                      (default 10; we send one every 2 s), so a silently dropped connection leaves nothing running
  --out DIR           the session folder (created; an existing one must be empty)
Authentication and privilege:
  --identity FILE     private key (repeatable); --passphrase-env VAR reads its passphrase from $VAR
  --password-env VAR  the nodes' SSH login password from $VAR (never on the command line; export it from a secret
                      store, or read it with \`read -rs VAR; export VAR\`): tried by password and
                      keyboard-interactive after the keys and agent, only on a node that takes one, never on a
                      jump host. Without it, on a terminal, a host that takes a password when no key worked is
                      asked for it as ssh asks ("user@host's password: ", or its keyboard-interactive prompts),
                      each host for its own, once per run; elsewhere it fails (SSH_AUTH_FAILED)
  --jump-password-env [HOST=]VAR   a jump host's login password from $VAR (never sent to a node): HOST=VAR
                      for jump host HOST only ([user@]host[:port], host as in ProxyJump/--jump or its HostName;
                      repeat it for each host of a multi-hop chain), VAR alone for every jump host without its own
  --sudo              use sudo when the login user is not root (sudo -n, or sudo -S with a password)
  --sudo-password-env VAR   the sudo password from $VAR; on a terminal without it you are prompted
Host keys:
  --known-hosts FILE  known_hosts to check (repeatable; the first receives accepted keys)
  --accept-new        accept and record unknown host keys (changed keys are always refused); on a
                      terminal without it you are asked, elsewhere unknown keys are refused
Output: per-interface counters on a terminal, nothing otherwise; the session folder path on stdout at the end.
Exit status: 0 when every interface captured and stopped cleanly, 1 when any node or interface failed. A pod's
veth chosen by a glob that goes away with its pod (IFACE_GONE) is said, not counted as a failure; named exactly, it is.`;

const SPEC = {
  node: { value: true, repeat: true },
  iface: { value: true, repeat: true },
  'ssh-config': { value: true },
  jump: { value: true },
  filter: { value: true },
  'include-own-ssh': {},
  'no-follow-tunnels': {},
  'no-follow-new': {},
  'buffer-size': { value: true },
  delivery: { value: true },
  duration: { value: true },
  count: { value: true },
  snaplen: { value: true },
  out: { value: true },
  identity: { value: true, repeat: true },
  'passphrase-env': { value: true },
  'password-env': { value: true },
  'jump-password-env': { value: true, repeat: true },
  sudo: {},
  'sudo-password-env': { value: true },
  'known-hosts': { value: true, repeat: true },
  'accept-new': {},
  reconnect: {},
  'max-size': { value: true },
  'heartbeat-timeout': { value: true },
};

/** tcpdump refuses a larger -s ("invalid snaplen … must be >= 0 and <= 262144"). */
const MAX_SNAPLEN = 262144;

function positiveInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) <= 0)
    throw new HopscopeError('USAGE', `--${name} needs a positive integer`);
  return Number(v);
}

function sizeArg(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)([KMG]?)(i?B)?$/i.exec(v.trim());
  if (!m || Number(m[1]) <= 0) throw new HopscopeError('USAGE', '--max-size needs a size such as 500M');
  return (
    Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G']
  );
}

function envSecret(name: string | undefined, flag: string): string | undefined {
  if (name === undefined) return undefined;
  const v = process.env[name];
  if (v === undefined) throw new HopscopeError('USAGE', `--${flag}: environment variable ${name} is not set`);
  return v;
}

/** `NAME=[user@]host[:port]` or an alias; explicit names must be file-name safe. */
export function parseNodeArg(arg: string): Pick<NodeSpec, 'name' | 'host' | 'user' | 'port'> {
  const eq = arg.indexOf('=');
  if (eq < 0) {
    const hs = parseHostSpec(arg);
    return { name: hs.host, host: hs.host, user: hs.user, port: hs.port };
  }
  const hs = parseHostSpec(arg.slice(eq + 1));
  return { name: arg.slice(0, eq), host: hs.host, user: hs.user, port: hs.port };
}

/**
 * Every node's jump hosts as the capture will resolve them (`jump`: --jump, which replaces the config's
 * ProxyJump); null when a node does not resolve (its connect says why).
 */
function nodesJumps(
  nodeArgs: string[],
  jump: string | undefined,
  configText?: string,
): ResolvedTarget[] | null {
  try {
    return nodeArgs.flatMap((a) => {
      const n = parseNodeArg(a);
      if (jump !== undefined) return resolveJumps(jump, { configText });
      return resolveTarget({ host: n.host!, user: n.user, port: n.port }, { configText }).proxyJump;
    });
  } catch {
    return null;
  }
}

function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function progress(session: CaptureSession, tty: boolean): () => void {
  if (!tty) return () => undefined;
  let lines = 0;
  const draw = () => {
    const rows = session
      .captureStatuses()
      .map(
        (c) =>
          `  ${`${c.node}:${laneName(c.iface, c.instance)}`.padEnd(28)} ${c.state.padEnd(10)} ${String(c.packets).padStart(8)} pkts ${fmtBytes(c.bytes).padStart(10)}${c.kernelDrops ? `  ${c.kernelDrops} DROPPED by the kernel` : ''}${c.error ? `  ${c.error.code}` : ''}`,
      );
    if (lines) process.stderr.write(`\x1b[${lines}A`);
    process.stderr.write(rows.map((r) => `\x1b[2K${r}\n`).join(''));
    lines = rows.length;
  };
  session.on('counters', draw);
  return () => session.off('counters', draw);
}

/** A jump host in a question: its name as given, then its address when that differs (`bastion 10.1.10.2`). */
const jumpName = (given: string, host: string): string => (given === host ? '' : `${given} `);

/** An unknown host key, as the capture's connect reports it (HostKeyInfo and the node it is for). */
export interface HostKeyQuestion {
  node: string;
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
  jumpHost?: string;
}

/** The terminal's question about an unknown host key: the host with its port as ssh writes it (`[::1]:2222`). */
export function hostKeyQuestion(info: HostKeyQuestion): string {
  return (
    `${info.node}: ${info.jumpHost !== undefined ? `jump host ${jumpName(info.jumpHost, info.host)}` : ''}` +
    `${hostPort(info.host, info.port)} is not in known_hosts; its ${info.keyType} key is ${info.fingerprint}. ` +
    'Accept and record it? [y/N] '
  );
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Says when the capture is ready (every tcpdump said "listening on": packets from then on are in the files), on
 * stderr whether or not it is a terminal, so that a script or a user starts its traffic then, not after a guessed
 * sleep. A tcpdump that has not said it yet when the start gives up waiting is named (its interface misses
 * traffic until it does), and so is each interface that starts later: a slow one, a late node's, or one
 * resumed after its connection came back; a lost connection is said when it is lost.
 */
export function readiness(
  session: CaptureSession,
  duration: number | undefined,
  reconnect: boolean,
): () => void {
  // A name captured again (a pod recreated under it) is said as its lane: `node-1:cali…~2`.
  const key = (c: IfaceCaptureStatus) => `${c.node}:${laneName(c.iface, c.instance)}`;
  const caps = session.captureStatuses();
  const listening = caps.filter((c) => c.state === 'capturing');
  const slow = caps.filter((c) => c.state === 'starting');
  /** Interfaces said to be listening, and those that lost their connection since. */
  const said = new Set(listening.map(key));
  const lost = new Set<string>();
  if (listening.length) {
    const nodes = new Set(listening.map((c) => c.node));
    console.error(
      `hopscope capture: capturing on ${plural(listening.length, 'interface')} of ${plural(nodes.size, 'node')}: ` +
        `packets from now on are recorded; ${duration !== undefined ? `stops after ${duration} s or on Ctrl-C` : 'Ctrl-C stops'}`,
    );
  }
  for (const c of slow)
    console.error(
      `hopscope capture: warning: ${key(c)}: tcpdump has not said it is listening yet: ` +
        'this interface records packets only from when it does (said below)',
    );
  const onIface = (st: IfaceCaptureStatus) => {
    const k = key(st);
    if (st.state === 'lost') lost.add(k);
    if (st.state !== 'capturing') return;
    if (!said.has(k)) console.error(`hopscope capture: ${k}: listening: packets from now on are recorded`);
    else if (lost.has(k))
      console.error(`hopscope capture: ${k}: capturing again after its connection came back`);
    said.add(k);
    lost.delete(k);
  };
  // A lost connection is said when it happens (the summary at the end says it again with the gap).
  const onNode = (st: NodeStatus) => {
    if (st.state !== 'lost') return;
    console.error(
      `hopscope capture: ${st.name}: connection lost${st.error ? ` (${st.error.message})` : ''}: ` +
        (reconnect
          ? 'trying it again; its captures resume when it answers'
          : 'its interfaces capture nothing more (--reconnect keeps trying it)'),
    );
  };
  session.on('iface', onIface);
  session.on('node', onNode);
  return () => {
    session.off('iface', onIface);
    session.off('node', onNode);
  };
}

const cmd: Command = {
  name: 'capture',
  summary: 'live capture on many interfaces of many nodes over SSH into a session folder',
  help,
  takesEarlySignals: true,
  async run(argv, early) {
    const p = parseArgs(argv, SPEC);
    if (p.positional.length)
      throw new HopscopeError('USAGE', `unexpected argument '${p.positional[0]}'\n\n${help}`);
    const nodeArgs = flagValues(p, 'node');
    if (nodeArgs.length === 0) throw new HopscopeError('USAGE', `--node is required\n\n${help}`);
    const out = flagValue(p, 'out');
    if (!out) throw new HopscopeError('USAGE', '--out DIR is required');
    const userFilter = flagValue(p, 'filter') ?? '';
    if (!flagSet(p, 'no-follow-tunnels') && filterNamesTunnels(userFilter))
      console.error(
        'hopscope capture: note: the filter names the overlay tunnels; it is widened to follow them on the ' +
          'underlay (… or udp dst port 4789/8472/6081/51820/51871 or ip proto 4), so tunnel traffic is captured whatever it says: ' +
          '--no-follow-tunnels keeps the filter exactly as given',
      );
    refuseUsedFolder(out);
    const delivery = flagValue(p, 'delivery');
    if (delivery !== undefined && delivery !== 'immediate' && delivery !== 'buffered')
      throw new HopscopeError('USAGE', '--delivery is immediate or buffered');
    const duration = positiveInt(flagValue(p, 'duration'), 'duration');
    const count = positiveInt(flagValue(p, 'count'), 'count');
    const snaplen = positiveInt(flagValue(p, 'snaplen'), 'snaplen');
    // tcpdump's own limit: past it every remote tcpdump would fail after connecting.
    if (snaplen !== undefined && snaplen > MAX_SNAPLEN)
      throw new HopscopeError('USAGE', `--snaplen is at most ${MAX_SNAPLEN} (tcpdump's limit)`);
    const cfgPath = flagValue(p, 'ssh-config') ?? join(homedir(), '.ssh', 'config');
    if (flagValue(p, 'ssh-config') && !existsSync(cfgPath))
      throw new HopscopeError('FILE_NOT_FOUND', `no ssh config ${cfgPath}`);
    const sshConfigText = existsSync(cfgPath) ? readFileSync(cfgPath, 'utf8') : undefined;
    const tty = process.stderr.isTTY === true;

    const sudo = flagSet(p, 'sudo');
    let sudoPassword = envSecret(flagValue(p, 'sudo-password-env'), 'sudo-password-env');
    const password = envSecret(flagValue(p, 'password-env'), 'password-env');
    const { jumpPassword, jumpPasswords } = jumpPasswordsArg(flagValues(p, 'jump-password-env'), process.env);
    const passphrase = envSecret(flagValue(p, 'passphrase-env'), 'passphrase-env');
    const identityFiles = flagValues(p, 'identity');
    for (const f of identityFiles)
      if (!existsSync(f)) throw new HopscopeError('FILE_NOT_FOUND', `no identity file ${f}`);

    const jump = flagValue(p, 'jump');
    // Checked here, so that a typo is a usage error rather than every node failing to connect.
    if (jump !== undefined)
      for (const hop of jump.split(','))
        try {
          parseHostSpec(hop);
        } catch (e) {
          throw new HopscopeError('USAGE', `--jump: ${(e as Error).message}`);
        }
    // A jump host's own password that no node would use is a typo: said now, not as a login failure later.
    const hops = jumpPasswords.length ? nodesJumps(nodeArgs, jump, sshConfigText) : null;
    const unused = hops ? unusedJumpPasswords(jumpPasswords, hops) : [];
    if (unused.length)
      throw new HopscopeError(
        'USAGE',
        `--jump-password-env ${unused[0]}=…: no node goes through a jump host ${unused[0]}` +
          (hops!.length ? ` (they go through ${[...new Set(hops!.map((h) => h.alias))].join(', ')})` : ''),
      );

    // On a terminal the user is asked what is missing (one question at a time): a host's login password, sudo's
    // password, an unknown host key. Ctrl-C at a question stops the capture as it does elsewhere.
    const interactive = process.stdin.isTTY === true && tty;
    let onInterrupt: () => void = () => undefined;
    const prompts = new TerminalPrompts({
      input: process.stdin,
      output: process.stderr,
      onInterrupt: () => onInterrupt(),
    });
    const askPassword = interactive ? prompts.loginAsker() : undefined;
    const buildNodes = (): NodeSpec[] =>
      nodeArgs.map((a) => ({
        ...parseNodeArg(a),
        credentials: {
          identityFiles,
          password,
          jumpPassword,
          jumpPasswords,
          passphrase,
          ...(askPassword ? { askPassword } : {}),
        },
        sudo,
        sudoPassword,
        ...(jump !== undefined ? { proxyJump: jump } : {}),
      }));

    const { CaptureSession } = await import('../capture/index.ts');
    const knownHosts = flagValues(p, 'known-hosts');
    // On a terminal an unknown host key is put to the user; elsewhere --accept-new decides.
    const askHostKey = (info: HostKeyQuestion): Promise<boolean> => prompts.yesNo(hostKeyQuestion(info));
    const acceptNew = flagSet(p, 'accept-new') ? true : interactive ? askHostKey : false;
    const make = () =>
      new CaptureSession({
        nodes: buildNodes(),
        sshConfigText,
        sshConfigPath: sshConfigText !== undefined ? cfgPath : undefined,
        knownHostsFiles: knownHosts.length ? knownHosts : undefined,
        acceptNew,
        outDir: out,
        filter: flagValue(p, 'filter'),
        snaplen,
        count,
        excludeOwnSsh: !flagSet(p, 'include-own-ssh'),
        followTunnels: !flagSet(p, 'no-follow-tunnels'),
        followNew: !flagSet(p, 'no-follow-new'),
        bufferKiB: positiveInt(flagValue(p, 'buffer-size'), 'buffer-size'),
        delivery,
        reconnect: flagSet(p, 'reconnect'),
        maxBytes: sizeArg(flagValue(p, 'max-size')),
        heartbeatTimeoutS: positiveInt(flagValue(p, 'heartbeat-timeout'), 'heartbeat-timeout'),
      });
    let session = make();
    // Ctrl-C (or SIGTERM) stops cleanly from the start, connecting included, so that session.json says what was
    // done; a second one quits at once (session.json then says so too).
    let signals = 0;
    const onSigint = () => {
      signals++;
      if (signals > 1) {
        session.abandon();
        console.error(
          `hopscope capture: quit at once: tcpdump's final counts were not collected; session recorded in ${session.outDir}`,
        );
        process.exit(130);
      }
      if (tty) process.stderr.write('stopping (Ctrl-C again to quit at once)…\n');
      prompts.cancel();
      void session.stop('interrupted');
    };
    // A signal that came while the command loaded reaches the hold's listener only in the event loop's poll phase,
    // which loading may not have passed through since (from the CommonJS bundle the command's modules load with no
    // I/O). Two immediates: the first runs in the current iteration's check phase, the second only after the next
    // poll phase, so such a signal is taken below rather than by the handlers set now.
    for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
    onInterrupt = onSigint;
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
    const unhook = () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    };
    // Ctrl-C while the command loaded (held by bin/hopscope.mjs): nothing has been done yet, so nothing is: no node
    // connected to, no session folder made.
    if ((early?.take().length ?? 0) > 0) {
      unhook();
      console.error(
        'hopscope capture: stopped before any capture started (interrupted while starting): ' +
          'no node was connected to and no session folder made',
      );
      return 130;
    }
    /** Interrupted before the captures started: the session is recorded as it got, exit 130. */
    const interrupted = async (): Promise<number> => {
      await session.stop('interrupted');
      unhook();
      console.error(`hopscope capture: interrupted before capturing; session recorded in ${session.outDir}`);
      return 130;
    };
    let nodes = await session.connect({ graceMs: LATE_NODE_GRACE_MS });
    if (signals) return interrupted();
    // On a terminal, a node whose sudo wants a password gets one prompt, then we connect again.
    if (
      sudo &&
      sudoPassword === undefined &&
      process.stdin.isTTY &&
      nodes.some((n) => n.error?.code === 'SUDO_PASSWORD_REQUIRED')
    ) {
      sudoPassword = (await prompts.line('sudo password: ', false)) ?? undefined;
      if (signals) return interrupted();
      await session.stop();
      session = make();
      nodes = await session.connect({ graceMs: LATE_NODE_GRACE_MS });
    }
    for (const n of nodes)
      if (n.error) console.error(`hopscope capture: ${n.name}: ${n.error.code}: ${n.error.message}`);
    const pending = session.pendingNodes();
    if (pending.length)
      console.error(
        `hopscope capture: ${pending.join(', ')} still connecting: the other nodes start now; ` +
          `${pending.length === 1 ? 'it joins' : 'they join'} when up, or ${pending.length === 1 ? 'fails' : 'fail'} on ${pending.length === 1 ? 'its' : 'their'} own`,
      );
    // A late node's failure is said when it happens (the capture is running by then).
    session.on('node', (st: NodeStatus) => {
      if (st.state === 'failed' && st.error && pending.includes(st.name))
        console.error(`hopscope capture: ${st.name}: ${st.error.code}: ${st.error.message}`);
      else if (st.state === 'connected' && pending.includes(st.name) && st.discovery === null)
        console.error(`hopscope capture: ${st.name} is up: joining the capture`);
    });
    // What a late node lacks is said when it joins, as the others' was before the start.
    session.on('warning', (w: SessionWarning) => console.error(`hopscope capture: warning: ${w.message}`));
    // A new pod's interface taken up mid-capture (its "listening" line follows, as for a late node's).
    session.on('appeared', (a: InterfaceAppeared) =>
      console.error(
        a.instance > 1
          ? `hopscope capture: ${a.node}:${a.iface} appeared again (a new interface under a name captured before: ` +
              `a pod recreated?): capturing it as ${a.node}:${laneName(a.iface, a.instance)} into ${a.file}; ` +
              'the earlier capture keeps its file'
          : `hopscope capture: ${a.node}:${a.iface} appeared: capturing it`,
      ),
    );
    if (!nodes.some((n) => n.state === 'connected')) {
      await session.stop();
      unhook();
      throw new HopscopeError(
        nodes[0]?.error?.code ?? 'SSH_UNREACHABLE',
        'no node could be reached; session recorded in ' + session.outDir,
      );
    }
    const found = await session.discover();
    if (signals) return interrupted();
    for (const n of session.nodeStatuses()) {
      if (n.state === 'failed' && n.error?.code === 'DISCOVERY_FAILED')
        console.error(`hopscope capture: ${n.name}: ${n.error.message}`);
    }
    const selectors = flagValues(p, 'iface');
    let selection;
    try {
      selection = session.select(selectors.length ? selectors : ['*']);
    } catch (e) {
      await session.stop();
      unhook();
      throw e;
    }
    for (const m of session.missingInterfaces(selectors.length ? selectors : ['*']))
      console.error(`hopscope capture: warning: ${m}: not captured there`);
    // A glob matching nothing on a node that is up waits for its matches when new interfaces are followed (a
    // `node-1:veth*` before the node's first pod), where without following it would capture nothing at all.
    const following = !flagSet(p, 'no-follow-new');
    const upNodes = session
      .nodeStatuses()
      .filter((n) => n.state === 'connected' && n.discovery !== null)
      .map((n) => n.name);
    const waitsFor = (sel: string) =>
      following && upNodes.some((node) => followSelectors([sel], node).length > 0);
    const empty = session.emptySelectors(selectors);
    const waiting = empty.filter(waitsFor);
    for (const sel of empty)
      if (waitsFor(sel))
        console.error(
          `hopscope capture: --iface '${sel}' matches no interface yet: waiting for matching interfaces ` +
            '(new ones are captured as they come up)',
        );
      else if (selection.length > 0)
        console.error(
          `hopscope capture: warning: --iface '${sel}' matched no interface: nothing captured for it`,
        );
    if (selection.length === 0 && pending.length === 0 && waiting.length === 0) {
      await session.stop();
      unhook();
      throw new HopscopeError(
        'IFACE_UNKNOWN',
        `no interface matched ${selectors.join(' ') || '*'} on ${found.map((f) => f.node).join(', ')}`,
      );
    }
    try {
      await session.start(selection, selectors.length ? selectors : ['*']);
    } catch (e) {
      await session.stop();
      unhook();
      throw e;
    }
    // Interrupted while the filters were checked: nothing started (and no node joins late into a stopped session).
    if (signals && session.captureStatuses().length === 0) return interrupted();
    if (session.captureStatuses().length === 0)
      console.error(
        `hopscope capture: nothing to capture yet: waiting for interfaces matching ${waiting.map((w) => `'${w}'`).join(' ')}; ` +
          `each is captured from when it is listening (said below); ${duration !== undefined ? `stops after ${duration} s or on Ctrl-C` : 'Ctrl-C stops'}`,
      );
    const stopReadiness = readiness(session, duration, flagSet(p, 'reconnect'));
    const stopProgress = progress(session, tty);
    const timer =
      duration !== undefined ? setTimeout(() => void session.stop('duration'), duration * 1000) : null;
    const doc = await session.whenDone();
    if (timer) clearTimeout(timer);
    unhook();
    stopProgress();
    stopReadiness();
    let bad = doc.nodes.some((n) => n.state === 'failed' || n.state === 'lost');
    if (doc.stopReason?.startsWith('size limit'))
      console.error(`hopscope capture: stopped: ${doc.stopReason}`);
    for (const n of doc.nodes)
      if (n.state === 'connecting') {
        bad = true;
        console.error(
          `hopscope capture: ${n.name}: still connecting when the capture stopped: nothing captured`,
        );
      }
    for (const n of doc.nodes)
      for (const g of n.gaps)
        console.error(
          `hopscope capture: ${n.name}: connection lost at ${g.lostAt}, ${g.resumedAt ? `resumed at ${g.resumedAt}` : 'not resumed'}`,
        );
    // Waited for interfaces that never came: an empty session is no success (the folder still records it).
    if (doc.captures.length === 0) {
      bad = true;
      console.error(
        `hopscope capture: IFACE_UNKNOWN: nothing was captured: no interface matched ` +
          `${(selectors.length ? selectors : ['*']).map((s) => `'${s}'`).join(' ')} while the session ran`,
      );
    }
    for (const c of doc.captures) {
      // A loss is never silent: packets the node's kernel dropped are in no file, whatever the output is.
      if (c.kernelDrops) {
        const seen = c.kernelDrops + c.packets;
        console.error(
          `hopscope capture: ${c.node}:${laneName(c.iface, c.instance)}: the node's kernel dropped ${c.kernelDrops} packets ` +
            `(${((100 * c.kernelDrops) / seen).toFixed(2)} % of ${seen}) before tcpdump could read them; ` +
            `its buffer was ${c.bufferKiB ?? 2048} KiB with ${c.delivery} delivery: ` +
            (c.delivery === 'immediate'
              ? '--delivery buffered holds far more packets per KiB'
              : 'a larger --buffer-size keeps up with more'),
        );
      }
      if (
        c.error?.code === 'IFACE_GONE' &&
        chosenByGlobOnly(selectors.length ? selectors : ['*'], c.node, c.iface)
      )
        // The user asked for a pattern, and a pod went away with its veth: what it sent is in its file.
        console.error(`hopscope capture: ${c.error.message}`);
      else if (c.error) {
        bad = true;
        console.error(
          `hopscope capture: ${c.node}:${laneName(c.iface, c.instance)}: ${c.error.code}: ${c.error.message}`,
        );
      }
      if (tty) {
        const t = c.tcpdump;
        console.error(
          `${c.node}:${laneName(c.iface, c.instance)} ${c.state}: ${c.packets} packets in file` +
            (t
              ? `; tcpdump: ${t.captured} captured, ${t.receivedByFilter} received by filter, ${t.droppedByKernel} dropped by kernel`
              : ''),
        );
      }
    }
    console.log(session.outDir);
    return bad ? 1 : 0;
  },
};

export default cmd;
