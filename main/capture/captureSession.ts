// A capture session over many nodes: connect (host keys, auth, privilege, probe, clock), discover interfaces,
// check the filter everywhere, then run one InterfaceCapture per chosen interface and record it all in the
// session folder. One node or interface failing never stops the others; each carries its own state and error.

import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';

import { HopscopeError, toErrorData, type ErrorData } from '../common/errors.ts';
import { DEFAULT_DECODE_OPTIONS } from '../decode/fields.ts';
import { discoverNode } from '../discover/discoverNode.ts';
import type { NodeInterfaces } from '../discover/model.ts';
import { ifaceWithAddress } from '../discover/parseIp.ts';
import { connectSsh, type Credentials, type SshConnection } from '../ssh/connection.ts';
import { JumpPool } from '../ssh/jumpPool.ts';
import type { HostKeyInfo } from '../ssh/hostKeys.ts';
import { acquirePrivilege, privilegeLabel, redact, type Privilege } from '../ssh/privilege.ts';
import {
  defaultKnownHostsFiles,
  resolveJumps,
  resolveTarget,
  type ResolvedTarget,
} from '../ssh/sshConfig.ts';

import { defaultBufferKiB } from './captureBuffer.ts';
import { probeClock, type ClockProbe } from './clockProbe.ts';
import { eligibleIndexes, followSelectors, isPodSide, LinkWatcher } from './followNew.ts';
import { InterfaceCapture, type IfaceCaptureStatus, type PrecheckResult } from './interfaceCapture.ts';
import {
  emptySelectors,
  isGlobSelector,
  missingInterfaces,
  selectInterfaces,
  selectionWarnings,
  selectorNodeMatches,
  type Selected,
} from './selection.ts';
import {
  captureFileName,
  checkNodeName,
  ensureSessionDir,
  laneName,
  SESSION_SCHEMA,
  writeSessionJson,
} from './sessionFolder.ts';
import {
  combineFilter,
  tunnelClause,
  DEFAULT_SNAPLEN,
  excludeSshClause,
  filterCheckScript,
  parseProbe,
  PROBE_SCRIPT,
  shScript,
  type Delivery,
  type SshEndpoints,
} from './tcpdumpCommand.ts';
import { classifyTcpdumpError } from './tcpdumpStderr.ts';
import { WIREGUARD_PORTS } from '../decode/wireguard.ts';

/**
 * The delivery a session uses unless told otherwise: buffered measured zero kernel drops at 50 k packets/s on 16
 * interfaces with a few MiB per interface, where immediate dropped even with 16 MiB (docs/capture.md, "Kernel
 * buffer and delivery").
 */
export const DEFAULT_DELIVERY: Delivery = 'buffered';

export interface NodeSpec {
  /** Label used in file names and the UI (`node-1`). */
  name: string;
  /** An ssh_config alias or a host name/address. */
  host: string;
  user?: string;
  port?: number;
  credentials?: Credentials;
  /** Use sudo when the login user is not root. */
  sudo?: boolean;
  /** For `sudo -S`; sent on the channel's stdin only. */
  sudoPassword?: string;
  /** Jump hosts, as `ssh -J` takes them (`[user@]host[:port][,…]`, aliases allowed); they replace the config's. */
  proxyJump?: string;
  /**
   * Where the node's connection comes from instead of connecting here: the app's node list, whose connection (the
   * one the interfaces were listed on, its host key verified, its sudo settled) the capture then uses, so that it
   * opens no second one. `fresh`: the connection given last did not answer, give another. The session never
   * closes what this gives: it stops using it when the node fails or the capture stops.
   */
  open?: (opts: { fresh: boolean }) => Promise<OpenedNode>;
}

/** A node's connection opened elsewhere (NodeSpec.open), with what was probed on it. */
export interface OpenedNode {
  conn: SshConnection;
  privilege: Privilege;
  /** Null: the probe found no tcpdump. */
  tcpdump: { path: string; version: string | null; nano: boolean } | null;
  ssh: SshEndpoints | null;
}

/**
 * How long a connection given by NodeSpec.open may take to answer the clock probe before another is asked for: it
 * may have been idle long enough for the network to drop it unnoticed (keepalives find that out only later).
 */
const SHARED_ANSWER_MS = 5000;

export interface CaptureSessionOptions {
  nodes: NodeSpec[];
  /** Text of the ssh_config (aliases, ProxyJump, IdentityFile…); undefined for none. */
  sshConfigText?: string;
  sshConfigPath?: string;
  /** Overrides UserKnownHostsFile; the first file receives accepted keys. */
  knownHostsFiles?: string[];
  /** Accept and record unknown host keys: true, or a callback (the UI's prompt). */
  acceptNew?: boolean | ((info: HostKeyInfo & { node: string }) => Promise<boolean>);
  outDir: string;
  filter?: string;
  snaplen?: number;
  /** Stop each interface after this many packets (tcpdump -c). */
  count?: number;
  /** Leave this SSH connection's own packets out (default true). */
  excludeOwnSsh?: boolean;
  /**
   * Widen a non-empty filter with the overlay tunnels' outer packets (VXLAN on vxlanPorts, IPIP), so a packet the
   * filter matches is also caught on the underlay interface while encapsulated (default true).
   */
  followTunnels?: boolean;
  /** UDP ports treated as VXLAN by followTunnels (default 4789 and flannel's 8472, as the decoder). */
  vxlanPorts?: readonly number[];
  /**
   * Kernel capture buffer per interface in KiB (tcpdump -B). When absent each interface gets
   * defaultBufferKiB(iface, delivery): more where many flows meet (bridge, NIC, tunnel) with buffered delivery.
   */
  bufferKiB?: number;
  /** How tcpdump hands packets over (see Delivery); default DEFAULT_DELIVERY. */
  delivery?: Delivery;
  readyTimeoutMs?: number;
  /**
   * How long start() waits for each tcpdump to say it is listening (default 15 s): one that says so later goes on
   * capturing from then ('iface' events tell), and the CLI warns of it meanwhile.
   */
  listenTimeoutMs?: number;
  /** After a lost connection, keep trying the node and resume its captures in the same files (the gap is recorded). */
  reconnect?: boolean;
  reconnectIntervalMs?: number;
  /** Stop everything cleanly once the capture files together reach this size (checked twice a second). */
  maxBytes?: number;
  /**
   * Each capture channel gets a heartbeat line every heartbeatIntervalMs (default 2000); a node whose tcpdump
   * hears none for heartbeatTimeoutS seconds (default 10, whole seconds) kills it (SIGTERM, SIGKILL 3 s later),
   * so a silently blackholed connection leaves nothing running. The timeout must exceed the interval.
   */
  heartbeatIntervalMs?: number;
  heartbeatTimeoutS?: number;
  /**
   * While capturing, watch each node's interfaces and capture those that appear (or come up) later and match one
   * of start()'s glob selectors for that node: a pod started mid-capture (default true; needs start()'s
   * selectors). Each node's link list is read every followIntervalMs (default 2000).
   */
  followNew?: boolean;
  followIntervalMs?: number;
}

export type NodeState = 'pending' | 'connecting' | 'connected' | 'failed' | 'lost' | 'closed';

export interface NodeStatus {
  name: string;
  state: NodeState;
  error: ErrorData | null;
  target: {
    alias: string;
    hostName: string;
    port: number;
    user: string;
    proxyJump: { hostName: string; port: number; user: string }[];
  } | null;
  hostKey: { keyType: string; fingerprint: string; status: 'known' | 'accepted'; file: string } | null;
  privilege: 'root' | 'none' | 'sudo' | 'sudo-password' | null;
  tcpdump: { path: string; version: string | null; nano: boolean } | null;
  ssh: SshEndpoints | null;
  managementIface: string | null;
  clock: ClockProbe | null;
  connectedAt: string | null;
  lostAt: string | null;
  /** Every clock probe (at connect and at each reconnect); `clock` is the first. */
  clockProbes: ClockProbe[];
  /** Connection losses while capturing, and when capture resumed (null: it did not). */
  gaps: { lostAt: string; resumedAt: string | null }[];
  discovery: NodeInterfaces | null;
  /**
   * What the capture's selectors asked of this node that it is not captured for (selectionWarnings: an exact name
   * of a node glob it lacks, a glob matching nothing), whether it was there at the start or joined late.
   */
  warnings: string[];
}

export interface CounterSample {
  node: string;
  iface: string;
  state: IfaceCaptureStatus['state'];
  packets: number;
  bytes: number;
  /** Packets the node's kernel dropped before tcpdump read them (live; null until tcpdump reported counts). */
  kernelDrops: number | null;
}

export interface SessionDoc {
  schema: typeof SESSION_SCHEMA;
  hopscopeVersion: string;
  createdBy: string;
  state: 'connecting' | 'discovered' | 'capturing' | 'stopped';
  filter: string;
  excludeOwnSsh: boolean;
  /** The filter was widened with the overlay tunnels' outer packets (see CaptureOptions.followTunnels). */
  followTunnels: boolean;
  /** Interfaces appearing mid-capture were followed (CaptureSessionOptions.followNew). */
  followNew: boolean;
  snaplen: number;
  count: number | null;
  /** How tcpdump handed packets over, and the -B asked for every interface (null: per-interface defaults). */
  delivery: Delivery;
  bufferKiB: number | null;
  startedAt: string | null;
  stoppedAt: string | null;
  /** Why capture stopped: 'stopped' (asked), 'duration', 'interrupted', 'every capture ended', a size limit… */
  stopReason: string | null;
  sshConfig: string | null;
  nodes: NodeStatus[];
  captures: IfaceCaptureStatus[];
}

/**
 * A node joining a running capture lacks something its selectors ask for, or a chosen interface was gone at start
 * (also in its NodeStatus.warnings).
 */
export interface SessionWarning {
  node: string;
  message: string;
}

/** An interface that appeared (or came up) mid-capture and matched a glob selector: its capture is starting. */
export interface InterfaceAppeared {
  node: string;
  iface: string;
  addedAt: string;
  /**
   * 1, or N > 1 when the session captured N − 1 interfaces of this name before (the name came back: a pod
   * recreated); its file is `file`, the earlier ones' files are kept.
   */
  instance: number;
  /** Its file's name in the session folder. */
  file: string;
}

interface NodeRuntime {
  spec: NodeSpec;
  status: NodeStatus;
  conn: SshConnection | null;
  privilege: Privilege | null;
  /** `conn` came from NodeSpec.open: it is not ours to close; `onClose` is the listener we put on it. */
  shared: { conn: SshConnection; onClose: (lost?: HopscopeError) => void } | null;
  /** Link types (`ether`, `none`…) the node's tcpdump compiled a filter for (`tcpdump -d`), keyed with that filter. */
  compiled: Set<string>;
  /**
   * The node's discovery, begun on `conn` as soon as it was up (beside the probe, privilege and clock, which it does
   * not need): discover() and a late node's join take it instead of asking again.
   */
  early: { conn: SshConnection; discovery: Promise<NodeInterfaces> } | null;
}

const COUNTER_INTERVAL_MS = 500;
/** The longest a clock probe waits for the commands beside it to be done (see clockBeside). */
const QUIET_WAIT_MS = 2000;
const SAVE_EVERY_TICKS = 4;

/**
 * Events: 'node' (NodeStatus), 'iface' (IfaceCaptureStatus), 'counters' (CounterSample[], twice a second while
 * capturing), 'warning' (SessionWarning: what a node joining late is not captured for, said as it joins; a chosen
 * interface gone at start with `skipGone`), 'appeared' (InterfaceAppeared: followNew took up a new interface; its
 * 'iface' events follow), 'done' (SessionDoc, after stop or when every capture has ended by itself).
 */
export class CaptureSession extends EventEmitter {
  readonly outDir: string;
  private readonly opts: CaptureSessionOptions;
  private readonly nodes: NodeRuntime[];
  private captures: InterfaceCapture[] = [];
  private state: SessionDoc['state'] = 'connecting';
  private startedAt: string | null = null;
  private stoppedAt: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopping: Promise<SessionDoc> | null = null;
  private stopReason: string | null = null;
  /** Set when connect() returned with nodes still connecting: those join once they are up (joinLate). */
  private connectReturned = false;
  /** The selectors start() was given, resolved again for a node that connects late. */
  private selectors: string[] | null = null;
  /** start()'s skipGone, for the nodes joining late too. */
  private skipGone = false;
  /** followNew: the glob selectors whose new matches are captured (start()'s `follow`, else its selectors). */
  private follow: string[] | null = null;
  /** Nodes that came up after connect() returned but before start(): start() takes them in. */
  private waiting: NodeRuntime[] = [];
  /** Late nodes being discovered and started (stop waits for them, so that none starts after it). */
  private joining = new Set<Promise<void>>();
  /** followNew: one link watcher per capturing node. */
  private watchers = new Map<string, LinkWatcher>();
  /** Aborted by stop(): a node still connecting gives up at once (the process need not wait out its timeout). */
  private readonly abort = new AbortController();
  /** One connection to each jump host for every node behind it (and their reconnects), as ControlMaster. */
  private readonly jumps = new JumpPool();

  constructor(opts: CaptureSessionOptions) {
    super();
    this.opts = opts;
    this.outDir = resolve(opts.outDir);
    const names = new Set<string>();
    for (const n of opts.nodes) {
      checkNodeName(n.name);
      if (names.has(n.name)) throw new HopscopeError('USAGE', `node ${n.name} given twice`);
      names.add(n.name);
    }
    const hbT = opts.heartbeatTimeoutS;
    if (hbT !== undefined && (!Number.isInteger(hbT) || hbT < 1 || hbT > 86400))
      throw new HopscopeError('USAGE', 'the heartbeat timeout must be a whole number of seconds (1 or more)');
    const hbI = opts.heartbeatIntervalMs ?? 2000;
    if (!(hbI >= 100) || hbI >= (hbT ?? 10) * 1000)
      throw new HopscopeError(
        'USAGE',
        `the heartbeat timeout (${hbT ?? 10} s) must be longer than the heartbeat interval (${hbI} ms, at least 100)`,
      );
    this.nodes = opts.nodes.map((spec) => ({
      spec,
      conn: null,
      privilege: null,
      shared: null,
      compiled: new Set(),
      early: null,
      status: {
        name: spec.name,
        state: 'pending',
        error: null,
        target: null,
        hostKey: null,
        privilege: null,
        tcpdump: null,
        ssh: null,
        managementIface: null,
        clock: null,
        connectedAt: null,
        lostAt: null,
        clockProbes: [],
        gaps: [],
        discovery: null,
        warnings: [],
      },
    }));
  }

  /**
   * Connects every node in parallel. Per-node failures are recorded in the returned statuses, not thrown.
   * `graceMs`: once a node is up, wait at most this long for the others; those still connecting then go on in
   * the background and join the capture when they are up (start() takes the selectors to resolve for them), or
   * fail on their own. A node timing out (a blackholed address, 15 s) no longer holds back every other node's
   * capture. Default: wait for every node.
   */
  async connect(opts: { graceMs?: number } = {}): Promise<NodeStatus[]> {
    ensureSessionDir(this.outDir);
    const all = Promise.all(this.nodes.map((n) => this.connectNode(n)));
    // A stop (Ctrl-C) while nodes connect ends the wait: they are closed as they come up.
    let onStop: () => void = () => undefined;
    const stopped = new Promise<void>((r) => this.once('stopping', (onStop = r)));
    const grace = opts.graceMs;
    if (grace === undefined || !Number.isFinite(grace)) await Promise.race([all, stopped]);
    else {
      let timer: NodeJS.Timeout | undefined;
      let onNode: (st: NodeStatus) => void = () => undefined;
      const firstUp = new Promise<void>((r) => {
        onNode = (st) => {
          if (st.state !== 'connected' || timer) return;
          timer = setTimeout(r, grace);
        };
        this.on('node', onNode);
      });
      await Promise.race([all, firstUp, stopped]);
      this.off('node', onNode);
      if (timer) clearTimeout(timer);
    }
    this.off('stopping', onStop);
    this.connectReturned = true;
    this.save();
    return this.nodeStatuses();
  }

  /** Nodes still connecting (connect() returned before them: see graceMs). */
  pendingNodes(): string[] {
    return this.nodes.filter((n) => n.status.state === 'connecting').map((n) => n.spec.name);
  }

  private async connectNode(n: NodeRuntime): Promise<void> {
    this.setNode(n, { state: 'connecting' });
    try {
      await this.openNode(n, true);
      n.status.connectedAt = new Date().toISOString();
      if (this.stopping) {
        // Up after the capture stopped: nothing to do on it.
        this.drop(n);
        this.setNode(n, { state: 'closed' });
        this.save();
        return;
      }
      this.setNode(n, { state: 'connected' });
      if (this.connectReturned) this.lateNode(n);
    } catch (e) {
      const err = toErrorData(e);
      err.message = redact(err.message, n.spec.sudoPassword);
      this.drop(n);
      // Cut short by a stop (Ctrl-C while it connected): closed, not failed. What the abort broke (a probe's empty
      // output read as no tcpdump, a channel closed) is no fault of the node's.
      this.setNode(n, this.stopping ? { state: 'closed' } : { state: 'failed', error: err });
      if (this.connectReturned) this.save();
      // A late node that failed: the session may have been waiting only for it.
      if (this.state === 'capturing') this.armAutoStop();
    }
  }

  /** A node up after connect() returned: it joins a running capture, or waits for start(). */
  private lateNode(n: NodeRuntime): void {
    if (this.state !== 'capturing') {
      this.waiting.push(n);
      this.save();
      return;
    }
    const p = this.joinLate(n).finally(() => this.joining.delete(p));
    this.joining.add(p);
  }

  /** Discovers a late node, resolves the capture's selectors on it and starts its captures. */
  private async joinLate(n: NodeRuntime): Promise<void> {
    try {
      const d = await this.discovery(n);
      n.status.discovery = d;
      if (n.status.ssh) n.status.managementIface = ifaceWithAddress(d, n.status.ssh.serverIp)?.name ?? null;
      if (this.stopping) return;
      let mine = (this.selectors ?? ['*']).filter((sel) => selectorNodeMatches(sel, n.spec.name));
      this.setNode(n, {});
      this.followNode(n);
      if (mine.length === 0) return; // nothing asked of this node: connected, capturing nothing
      // With start()'s skipGone, an exact name it lacks (chosen from an earlier discovery) is left out, as at start.
      const gone = this.skipGone ? mine.filter((sel) => goneName(sel, d)) : [];
      mine = mine.filter((sel) => !gone.includes(sel));
      // The session's node globs may name interfaces other nodes have: this node lacking one is no failure.
      const selection = selectInterfaces(mine, [d], true);
      // What it lacks is said as at the start (missingInterfaces, emptySelectors), not skipped in silence.
      n.status.warnings = [
        ...gone.map((sel) => goneMessage(n.spec.name, sel.slice(sel.indexOf(':') + 1))),
        ...selectionWarnings(mine, this.discovered(), n.spec.name, (sel) => this.followed(sel)),
      ];
      for (const message of n.status.warnings)
        this.emit('warning', { node: n.spec.name, message } satisfies SessionWarning);
      // Nothing of what it was asked for, as a node at the start may lack it all (a `veth*` before its first pod,
      // warned of above when others have it): connected, capturing nothing. A name on it exactly threw above.
      if (selection.length === 0) {
        this.save();
        return;
      }
      // Each interface's check and capture in one exec, with nothing to wait for: no other node's check gates them.
      const caps = selection.map((sel) => this.register(this.prepare(n, sel), null));
      this.setNode(n, {});
      await Promise.all(caps.map((cap) => this.checkedStart(n, cap)));
      this.save();
    } catch (e) {
      this.drop(n);
      this.setNode(n, { state: 'failed', error: toErrorData(e) });
      this.save();
    } finally {
      // Armed after this join settles (`joining` drops it on the next tick), whichever way it ended.
      setImmediate(() => this.state === 'capturing' && this.armAutoStop());
    }
  }

  /** Stops using the node's connection: closes it when it is ours, lets go of it when NodeSpec.open gave it. */
  private drop(n: NodeRuntime): void {
    const conn = n.conn;
    n.conn = null;
    if (n.shared) {
      n.shared.conn.off('close', n.shared.onClose);
      if (conn !== n.shared.conn) conn?.close();
      n.shared = null;
    } else conn?.close();
  }

  /**
   * Connect, probe, get privilege, read the clock: everything a node needs before discovery or capture. Once the
   * connection is up, the probe (then privilege, which needs its uid), the clock and, with `discover`, the discovery
   * (NodeRuntime.early) run side by side: each is a round trip of its own and none needs another's answer.
   */
  private async openNode(n: NodeRuntime, discover = false): Promise<void> {
    if (n.spec.open) return this.openShared(n, n.spec.open, discover);
    const target: ResolvedTarget = resolveTarget(
      { host: n.spec.host, user: n.spec.user, port: n.spec.port },
      { configText: this.opts.sshConfigText },
    );
    // As `ssh -J` does, the jump hosts given for the node win over the config's ProxyJump.
    if (n.spec.proxyJump)
      target.proxyJump = resolveJumps(n.spec.proxyJump, { configText: this.opts.sshConfigText });
    const knownHostsFiles =
      this.opts.knownHostsFiles ??
      (target.knownHostsFiles.length ? target.knownHostsFiles : defaultKnownHostsFiles());
    const accept = this.opts.acceptNew;
    const acceptNew =
      typeof accept === 'function'
        ? (info: HostKeyInfo) => accept({ ...info, node: n.spec.name })
        : accept === true || target.strictHostKeyChecking === 'accept-new';
    n.status.target = statusTarget(target);
    const conn = await connectSsh({
      target,
      credentials: n.spec.credentials,
      hostKeys: { knownHostsFiles, acceptNew },
      readyTimeoutMs: this.opts.readyTimeoutMs,
      signal: this.abort.signal,
      jumps: this.jumps,
    });
    n.conn = conn;
    const hk = conn.hostKey;
    // On a reconnect the key must be the one already verified (it is checked against known_hosts again too).
    n.status.hostKey = {
      keyType: hk.keyType,
      fingerprint: hk.fingerprint,
      status: n.status.hostKey?.status ?? hk.status,
      file: hk.file,
    };
    conn.on('close', (lost?: HopscopeError) => this.onConnectionClosed(n, conn, lost));
    if (discover) this.discoverEarly(n, conn);
    let probed: () => void = () => undefined;
    const clock = this.clockBeside(n, conn, new Promise<void>((r) => (probed = r)));
    try {
      const probing = conn
        .exec(shScript(PROBE_SCRIPT), { timeoutMs: 20_000 })
        .then((r) => parseProbe(r.stdout.toString('utf8')));
      // sudo's check goes beside the probe; its failure is said after the probe's.
      const privilege = acquirePrivilege(
        n.spec.name,
        conn,
        probing.then((p) => p.uid),
        { sudo: n.spec.sudo ?? false, password: n.spec.sudoPassword },
      );
      privilege.catch(() => undefined);
      const probe = await probing;
      n.status.ssh = probe.ssh;
      if (!probe.tcpdumpPath)
        throw new HopscopeError(
          'TCPDUMP_NOT_FOUND',
          `${n.spec.name}: tcpdump is not installed (looked in PATH and /usr/sbin, /usr/bin, /sbin)`,
        );
      n.status.tcpdump = { path: probe.tcpdumpPath, version: probe.tcpdumpVersion, nano: probe.nano };
      n.privilege = await privilege;
      n.status.privilege = privilegeLabel(n.privilege);
    } finally {
      probed();
    }
    this.recordClock(n, await clock);
  }

  /**
   * Reads node `n`'s clock on `conn` beside the other commands of its connecting (`busy`, and its early discovery):
   * the clock's channel opens at once, its round trips wait until those are done (at most QUIET_WAIT_MS), since
   * commands starting on the node lengthen them and the shortest round trip is the measure.
   */
  private clockBeside(n: NodeRuntime, conn: SshConnection, busy: Promise<unknown>): Promise<ClockProbe> {
    const early = n.early?.conn === conn ? n.early.discovery : undefined;
    const quiet = Promise.race([Promise.allSettled([busy, early]), delay(QUIET_WAIT_MS)]);
    const clock = probeClock(n.spec.name, conn, undefined, quiet);
    clock.catch(() => undefined); // a failed probe or privilege is the error said; the clock's is awaited after
    return clock;
  }

  private recordClock(n: NodeRuntime, clock: ClockProbe): void {
    n.status.clock ??= clock;
    n.status.clockProbes.push(clock);
  }

  /** Begins node `n`'s discovery on `conn` now (NodeRuntime.early); its failure is said by discover(), as before. */
  private discoverEarly(n: NodeRuntime, conn: SshConnection): void {
    const discovery = discoverNode(n.spec.name, conn);
    discovery.catch(() => undefined);
    n.early = { conn, discovery };
  }

  /** Node `n`'s discovery: the one begun when it connected, if on its connection now, else a new one. */
  private discovery(n: NodeRuntime): Promise<NodeInterfaces> {
    const early = n.early;
    n.early = null;
    return early && early.conn === n.conn ? early.discovery : discoverNode(n.spec.name, n.conn!);
  }

  /**
   * NodeSpec.open's connection, probed there already: what it found is taken over, and the clock probe (which
   * has to run anyway) shows the connection still answers; one that does not in SHARED_ANSWER_MS is let go and
   * another asked for, once.
   */
  private async openShared(
    n: NodeRuntime,
    open: NonNullable<NodeSpec['open']>,
    discover: boolean,
  ): Promise<void> {
    for (const fresh of [false, true]) {
      const got = await open({ fresh });
      if (this.abort.signal.aborted) throw new HopscopeError('CAPTURE_FAILED', `${n.spec.name}: stopped`);
      const conn = got.conn;
      const onClose = (lost?: HopscopeError) => this.onConnectionClosed(n, conn, lost);
      conn.on('close', onClose);
      n.conn = conn;
      n.shared = { conn, onClose };
      n.status.target = statusTarget(conn.target);
      n.status.hostKey = {
        keyType: conn.hostKey.keyType,
        fingerprint: conn.hostKey.fingerprint,
        status: n.status.hostKey?.status ?? conn.hostKey.status,
        file: conn.hostKey.file,
      };
      n.status.ssh = got.ssh;
      if (!got.tcpdump)
        throw new HopscopeError(
          'TCPDUMP_NOT_FOUND',
          `${n.spec.name}: tcpdump is not installed (looked in PATH and /usr/sbin, /usr/bin, /sbin)`,
        );
      n.status.tcpdump = { ...got.tcpdump };
      n.privilege = got.privilege;
      n.status.privilege = privilegeLabel(got.privilege);
      // Beside the clock probe; a connection that does not answer it is dropped, and its discovery with it.
      if (discover) this.discoverEarly(n, conn);
      let clock: ClockProbe;
      try {
        clock = await answerWithin(this.clockBeside(n, conn, Promise.resolve()), SHARED_ANSWER_MS);
      } catch (e) {
        if (fresh || this.abort.signal.aborted) throw e;
        this.drop(n);
        continue;
      }
      this.recordClock(n, clock);
      return;
    }
  }

  private onConnectionClosed(n: NodeRuntime, conn: SshConnection, lost?: HopscopeError): void {
    if (!lost || n.conn !== conn || n.status.state === 'closed' || n.status.state === 'failed') return;
    this.drop(n);
    const lostAt = new Date().toISOString();
    this.setNode(n, { state: 'lost', lostAt, error: toErrorData(lost) });
    for (const c of this.captures) if (c.status.node === n.spec.name) c.connectionLost();
    this.save();
    if (this.opts.reconnect && this.state === 'capturing' && !this.stopping) {
      n.status.gaps.push({ lostAt, resumedAt: null });
      void this.reconnectLoop(n);
    }
  }

  /** Tries the node again every few seconds until it answers (then resumes its captures) or the session stops. */
  private async reconnectLoop(n: NodeRuntime): Promise<void> {
    const every = this.opts.reconnectIntervalMs ?? 2000;
    while (!this.stopping) {
      await new Promise((r) => setTimeout(r, every));
      if (this.stopping) return;
      try {
        await this.openNode(n);
      } catch (e) {
        this.drop(n);
        n.status.error = toErrorData(e);
        n.status.error.message = redact(n.status.error.message, n.spec.sudoPassword);
        continue;
      }
      if (this.stopping) {
        this.drop(n);
        return;
      }
      const gap = n.status.gaps[n.status.gaps.length - 1];
      if (gap) gap.resumedAt = new Date().toISOString();
      this.setNode(n, { state: 'connected', error: null });
      const filter = this.filterFor(n);
      await Promise.all(
        this.captures
          .filter((c) => c.status.node === n.spec.name)
          .map((c) => c.resume(n.conn!, n.privilege!, filter)),
      );
      this.save();
      return;
    }
  }

  /** Discovers the interfaces of every connected node. */
  async discover(): Promise<NodeInterfaces[]> {
    await Promise.all(
      this.connected().map(async (n) => {
        try {
          const d = await this.discovery(n);
          n.status.discovery = d;
          if (n.status.ssh)
            n.status.managementIface = ifaceWithAddress(d, n.status.ssh.serverIp)?.name ?? null;
          this.setNode(n, {});
        } catch (e) {
          this.drop(n);
          // As in connectNode: a stop during discovery broke it.
          this.setNode(n, this.stopping ? { state: 'closed' } : { state: 'failed', error: toErrorData(e) });
        }
      }),
    );
    // A stop meanwhile has recorded the session stopped: it stays so.
    if (!this.stopping) this.state = 'discovered';
    this.save();
    return this.nodes.flatMap((n) =>
      n.status.discovery && n.status.state === 'connected' ? [n.status.discovery] : [],
    );
  }

  /**
   * Resolves `NODE:GLOB` selectors against what was discovered. A selector naming only nodes of this session
   * that are not connected (failed, or still connecting) selects nothing now; one naming no node of the
   * session at all is a USAGE error (a typo).
   */
  select(selectors: string[]): Selected[] {
    const { usable, up } = this.usableSelectors(selectors);
    return selectInterfaces(usable, up);
  }

  /** What select() skipped: nodes of a node glob lacking an exact interface name others have (a warning's matter). */
  missingInterfaces(selectors: string[]): string[] {
    const { usable, up } = this.usableSelectors(selectors);
    return missingInterfaces(usable, up);
  }

  /** Of the selectors select() takes now, those that select nothing (emptySelectors: a warning's matter). */
  emptySelectors(selectors: string[]): string[] {
    const { usable, up } = this.usableSelectors(selectors);
    return emptySelectors(usable, up);
  }

  private usableSelectors(selectors: string[]): { usable: string[]; up: NodeInterfaces[] } {
    const names = this.nodes.map((n) => n.spec.name);
    const up = this.connected().flatMap((n) => (n.status.discovery ? [n.status.discovery] : []));
    const usable = selectors.filter((sel) => {
      if (!names.some((name) => selectorNodeMatches(sel, name))) return true; // selectInterfaces says why
      return up.some((d) => selectorNodeMatches(sel, d.node));
    });
    return { usable, up };
  }

  private filterFor(n: NodeRuntime): string {
    const exclude = this.opts.excludeOwnSsh !== false && n.status.ssh ? excludeSshClause(n.status.ssh) : null;
    const tunnels =
      this.opts.followTunnels !== false
        ? tunnelClause(
            this.opts.vxlanPorts ?? DEFAULT_DECODE_OPTIONS.vxlanPorts,
            DEFAULT_DECODE_OPTIONS.genevePorts,
            WIREGUARD_PORTS,
          )
        : null;
    return combineFilter(this.opts.filter ?? '', exclude, tunnels);
  }

  /**
   * Checks the filter on every chosen interface (`tcpdump -d`), then starts them all. A filter the nodes
   * reject throws FILTER_INVALID before any capture starts; other per-interface failures are recorded.
   * `skipGone`: interfaces chosen from an earlier discovery (the app's) that a connected node no longer has (a pod
   * restarted: its veth went with it) are left out with a warning on their node ('warning' event, session.json),
   * the rest start; only when none of the chosen interfaces is left is it IFACE_UNKNOWN. Without it any unknown
   * interface is IFACE_UNKNOWN before anything starts.
   * `follow`: the selectors whose globs followNew watches for (the app's, whose choice is by name: the globs it
   * selected with); default `selectors`.
   */
  async start(
    selection: Selected[],
    selectors?: string[],
    opts: { skipGone?: boolean; follow?: string[] } = {},
  ): Promise<void> {
    if (this.state === 'capturing' || this.stopping)
      throw new HopscopeError('USAGE', 'session already started');
    this.selectors = selectors ?? null;
    this.skipGone = opts.skipGone === true;
    this.follow = opts.follow ?? this.selectors;
    if (selectors) {
      const { usable, up } = this.usableSelectors(selectors);
      for (const n of this.connected())
        if (n.status.discovery)
          n.status.warnings = selectionWarnings(usable, up, n.spec.name, (sel) => this.followed(sel));
    }
    const byName = new Map(this.nodes.map((n) => [n.spec.name, n]));
    if (opts.skipGone) selection = this.leaveOutGone(selection, byName);
    for (const s of selection) {
      const n = byName.get(s.node);
      const known = n?.status.discovery?.interfaces.find((i) => i.name === s.iface);
      if (!n || !known)
        throw new HopscopeError(
          'IFACE_UNKNOWN',
          `${s.node} has no discovered interface ${JSON.stringify(s.iface)}`,
        );
      if (!known.capturable)
        throw new HopscopeError('IFACE_UNKNOWN', `${s.node}: ${JSON.stringify(s.iface)} cannot be captured`);
    }
    const usable = selection.filter((s) => byName.get(s.node)!.conn !== null);
    // Each interface's filter check runs on the channel its tcpdump is then started on (checkedStartScript): the
    // node waits after the check, and is told to go on only once every check has passed. One round trip fewer
    // per start than the check on an exec of its own, and still nothing starts when any node rejects the filter.
    const caps = usable.map((s) => this.prepare(byName.get(s.node)!, s));
    const checks = await Promise.all(
      caps.map(async (cap, i) => {
        const n = byName.get(usable[i].node)!;
        const r = await cap.precheck(
          filterCheckScript(n.status.tcpdump!.path, cap.status.iface, cap.status.filter),
        );
        return this.checked(n, cap.status.iface, cap.status.filter, r);
      }),
    );
    const bad = checks.find((c) => c?.code === 'FILTER_INVALID');
    // A filter rejected anywhere, or stopped (e.g. Ctrl-C) while the filters were being checked: start nothing.
    if (bad || this.stopping) {
      for (const c of caps) c.cancel();
      if (bad) throw new HopscopeError('FILTER_INVALID', bad.message);
      return;
    }
    this.startedAt = new Date().toISOString();
    this.state = 'capturing';
    caps.forEach((c, i) => this.register(c, checks[i]));
    await Promise.all(caps.filter((c, i) => checks[i] === null).map((c) => c.go()));
    this.save();
    let ticks = 0;
    this.timer = setInterval(() => {
      const counters = this.counters();
      this.emit('counters', counters);
      const total = counters.reduce((a, c) => a + c.bytes, 0);
      if (this.opts.maxBytes !== undefined && total >= this.opts.maxBytes && !this.stopping) {
        void this.stop(`size limit of ${this.opts.maxBytes} bytes reached (${total} bytes captured)`);
        return;
      }
      // Counters reach session.json every few seconds too, so a crashed session still shows roughly how far it got.
      if (++ticks % SAVE_EVERY_TICKS === 0) this.save();
    }, COUNTER_INTERVAL_MS);
    this.timer.unref();
    // Nodes that came up while this started join now (unless discover() already had them in the selection).
    for (const n of this.waiting.splice(0))
      if (!this.captures.some((c) => c.status.node === n.spec.name)) this.lateNode(n);
    for (const n of this.connected()) this.followNode(n);
    this.armAutoStop();
  }

  /**
   * followNew: watches node `n`'s interfaces while capturing for those its glob selectors choose that were not
   * there (or not up) when its selection was made. What is eligible now, or captured, is the baseline.
   */
  private followNode(n: NodeRuntime): void {
    const d = n.status.discovery;
    if (this.opts.followNew === false || !this.follow || !d || this.watchers.has(n.spec.name)) return;
    let globs: string[];
    let seen: Map<string, number | null>;
    try {
      globs = followSelectors(this.follow, n.spec.name);
      seen = eligibleIndexes(globs, d);
    } catch (e) {
      // A pattern select() never saw (the app's follow globs) that does not parse: said, not followed.
      const message = `new interfaces are not followed on ${n.spec.name}: ${toErrorData(e).message}`;
      n.status.warnings.push(message);
      this.emit('warning', { node: n.spec.name, message } satisfies SessionWarning);
      return;
    }
    if (globs.length === 0) return;
    for (const c of this.captures)
      if (c.status.node === n.spec.name && !seen.has(c.status.iface))
        seen.set(c.status.iface, d.interfaces.find((i) => i.name === c.status.iface)?.ifindex ?? null);
    const w = new LinkWatcher(
      n.spec.name,
      globs,
      () => n.conn,
      seen,
      (names, links) => {
        // Like a late node's join: stop waits for it, and the auto-stop is armed again after it.
        const p = this.adopt(n, names, links).finally(() => {
          this.joining.delete(p);
          setImmediate(() => this.state === 'capturing' && this.armAutoStop());
        });
        this.joining.add(p);
        return p;
      },
      {
        intervalMs: this.opts.followIntervalMs,
        heartbeatIntervalMs: this.opts.heartbeatIntervalMs,
        watchdog:
          this.opts.heartbeatTimeoutS !== undefined
            ? { heartbeatTimeoutS: this.opts.heartbeatTimeoutS }
            : undefined,
      },
    );
    this.watchers.set(n.spec.name, w);
    w.start();
  }

  /**
   * Captures interfaces that appeared on node `n` mid-capture. The session's filter is checked on each first unless
   * the node's tcpdump already compiled it for that link type (a pod's veth is Ethernet, as the node's interfaces
   * checked at the start): tcpdump itself still refuses a filter it cannot compile, and that capture fails saying so.
   */
  private async adopt(n: NodeRuntime, names: string[], links: NodeInterfaces): Promise<void> {
    if (this.stopping || !n.conn) return;
    // Every moment here is a moment of the new pod's traffic not captured: its entry in the node's discovery comes
    // from what the monitor line or the link list said, and the fuller discovery (addresses, routes) is read after
    // its tcpdump listens (measured in the lab: waited for, it doubled the time from the link's coming up to
    // tcpdump listening; beside it, it slowed tcpdump's start on a busy node).
    this.putInDiscovery(n, names, links);
    const filter = this.filterFor(n);
    const addedAt = new Date().toISOString();
    const caps = names.map((iface) => {
      const instance = this.nextInstance(n.spec.name, iface);
      this.emit('appeared', {
        node: n.spec.name,
        iface,
        addedAt,
        instance,
        file: captureFileName(n.spec.name, iface, instance),
      } satisfies InterfaceAppeared);
      return this.register(this.prepare(n, { node: n.spec.name, iface }, addedAt, instance), null);
    });
    this.save();
    // A link type the node's tcpdump compiled this filter for starts unchecked; any other is checked in the exec that
    // starts it.
    await Promise.all(
      caps.map((cap) => {
        const linkType = links.interfaces.find((i) => i.name === cap.status.iface)?.linkType ?? '';
        return n.compiled.has(compiledKey(linkType, filter)) ? cap.start() : this.checkedStart(n, cap);
      }),
    );
    this.save();
    await this.addToDiscovery(n, names);
  }

  /** Puts interfaces `names` of `from` into node `n`'s discovery, in place of what it held under those names. */
  private putInDiscovery(n: NodeRuntime, names: string[], from: NodeInterfaces): void {
    const d = n.status.discovery!;
    for (const name of names) {
      const i = from.interfaces.find((x) => x.name === name);
      if (!i) continue;
      const at = d.interfaces.findIndex((x) => x.name === name);
      if (at >= 0) d.interfaces[at] = i;
      else d.interfaces.push(i);
    }
  }

  /**
   * Puts what a fresh discovery of node `n` says of interfaces that appeared into its discovery (session.json; the
   * correlator's MACs and routes): their addresses and routes, beyond the link list's entries put there first
   * (putInDiscovery), which stay when it fails; what was there before stays.
   */
  private async addToDiscovery(n: NodeRuntime, names: string[]): Promise<void> {
    if (this.stopping || !n.conn) return;
    let fresh: NodeInterfaces;
    try {
      fresh = await discoverNode(n.spec.name, n.conn);
    } catch {
      return; // the link list's entries will do
    }
    this.putInDiscovery(n, names, fresh);
    const d = n.status.discovery!;
    for (const r of fresh.routes)
      if (
        r.dev !== null &&
        names.includes(r.dev) &&
        !d.routes.some((x) => x.dst === r.dst && x.dev === r.dev)
      )
        d.routes.push(r);
    this.save();
  }

  /**
   * A capture ended because its pod went away while new interfaces are followed: the pod's replacement may come
   * (a restart), so the session does not stop by itself for having no capture left. Nor does one that has captured
   * nothing yet (a glob waiting for a node's first pod).
   */
  private awaitingPods(): boolean {
    return (
      this.watchers.size > 0 &&
      (this.captures.length === 0 || this.captures.some((c) => c.status.error?.code === 'IFACE_GONE'))
    );
  }

  /** 1 for a name node `node` has no capture of yet; N + 1 after N (the name came back as a new interface). */
  private nextInstance(node: string, iface: string): number {
    let n = 0;
    for (const c of this.captures)
      if (c.status.node === node && c.status.iface === iface) n = Math.max(n, c.status.instance);
    return n + 1;
  }

  /** Whether selector `sel` is one whose new matches followNew captures. */
  private followed(sel: string): boolean {
    return this.opts.followNew !== false && (this.follow ?? []).includes(sel) && isGlobSelector(sel);
  }

  private unfollow(): void {
    for (const w of this.watchers.values()) w.stop();
    this.watchers.clear();
  }

  /** start()'s `skipGone`: the selection without the interfaces their (connected, discovered) node lacks now. */
  private leaveOutGone(selection: Selected[], byName: Map<string, NodeRuntime>): Selected[] {
    const gone = selection.filter((s) => {
      const d = byName.get(s.node)?.status.discovery;
      return d !== undefined && d !== null && !d.interfaces.some((i) => i.name === s.iface);
    });
    if (gone.length === 0) return selection;
    const names = gone.map((s) => `${s.node}/${s.iface}`).join(', ');
    if (gone.length === selection.length)
      throw new HopscopeError(
        'IFACE_UNKNOWN',
        `none of the chosen interfaces is on its node any more (${names}): discover the nodes again and choose`,
      );
    for (const s of gone) {
      const n = byName.get(s.node)!;
      const message = goneMessage(s.node, s.iface);
      n.status.warnings.push(message);
      this.emit('warning', { node: s.node, message } satisfies SessionWarning);
    }
    return selection.filter((s) => !gone.includes(s));
  }

  /**
   * Stops the session once every capture has ended by itself (-c count, failures, loss), unless captures were
   * added since (a late node) or a node may still join, or a pod went away while new interfaces are followed: then
   * it is armed again when that settles (the node joined, a new interface was taken up).
   */
  private armAutoStop(): void {
    const count = this.captures.length;
    const waiting = () => this.pendingNodes().length > 0 || this.joining.size > 0 || this.awaitingPods();
    const live = this.captures.filter((c) => c.status.state !== 'failed');
    if (live.length === 0 && waiting()) return;
    void Promise.all(live.map((c) => c.whenDone())).then(() => {
      if (!this.stopping && this.captures.length === count && !waiting())
        void this.stop('every capture ended');
    });
  }

  /** One interface's capture on node `n`, not yet part of the session (register()) nor started. */
  private prepare(
    n: NodeRuntime,
    s: Selected,
    addedAt: string | null = null,
    instance = 1,
  ): InterfaceCapture {
    const delivery = this.opts.delivery ?? DEFAULT_DELIVERY;
    const known = n.status.discovery!.interfaces.find((i) => i.name === s.iface)!;
    const cap = new InterfaceCapture(
      s.node,
      s.iface,
      join(this.outDir, captureFileName(s.node, s.iface, instance)),
      n.conn!,
      {
        tcpdumpPath: n.status.tcpdump!.path,
        iface: s.iface,
        snaplen: this.opts.snaplen ?? DEFAULT_SNAPLEN,
        nano: n.status.tcpdump!.nano,
        filter: this.filterFor(n),
        count: this.opts.count,
        bufferKiB: this.opts.bufferKiB ?? defaultBufferKiB(known, delivery),
        delivery,
      },
      n.privilege!,
    );
    cap.reconnect = this.opts.reconnect === true;
    cap.podSide = isPodSide(known);
    cap.status.addedAt = addedAt;
    cap.status.instance = instance;
    // Started without a filter check (adopt): a name tcpdump does not know was there a moment ago.
    if (addedAt !== null) cap.goneBeforeStart = goneBeforeStart(s.node, s.iface, instance);
    if (this.opts.heartbeatIntervalMs !== undefined) cap.heartbeatIntervalMs = this.opts.heartbeatIntervalMs;
    if (this.opts.listenTimeoutMs !== undefined) cap.listenTimeoutMs = this.opts.listenTimeoutMs;
    if (this.opts.heartbeatTimeoutS !== undefined)
      cap.watchdog = { heartbeatTimeoutS: this.opts.heartbeatTimeoutS };
    return cap;
  }

  /** Makes `cap` part of the session (its events, session.json); `pre`: its filter check's failure, if any. */
  private register(cap: InterfaceCapture, pre: ErrorData | null): InterfaceCapture {
    cap.on('state', (st: IfaceCaptureStatus) => {
      this.emit('iface', st);
      this.save();
    });
    this.captures.push(cap);
    // The pre-check already failed (permission, device gone…): record it without starting; it has ended, so a
    // stop does not wait for it.
    if (pre) cap.failBeforeStart(pre);
    return cap;
  }

  /**
   * Checks the filter on `cap`'s interface and starts it in one exec (checkedStartScript, ungated: a late node's
   * interfaces, a new pod's, where no other check need be waited for), one round trip fewer than the check on an
   * exec of its own. A failed check is recorded as that exec's was (failBeforeStart); a name tcpdump does not know,
   * for an interface that just appeared, as its having gone again (goneBeforeStart). Never throws.
   */
  private async checkedStart(n: NodeRuntime, cap: InterfaceCapture): Promise<void> {
    const { iface, filter } = cap.status;
    const r = await cap.precheck(filterCheckScript(n.status.tcpdump!.path, iface, filter), { gate: false });
    const pre = this.checked(n, iface, filter, r);
    // Gone again before tcpdump could be asked (a pod that lived a second): said so, not as a wrong name.
    if (pre) cap.failBeforeStart(pre.code === 'IFACE_UNKNOWN' ? (cap.goneBeforeStart ?? pre) : pre);
    else await cap.go();
  }

  /**
   * What a filter check (`tcpdump -d` of `filter` on node `n`'s `iface`, on its own exec or its capture's channel)
   * means for the capture: null when it compiled (noted in NodeRuntime.compiled), else the failure tcpdump said.
   */
  private checked(n: NodeRuntime, iface: string, filter: string, r: PrecheckResult): ErrorData | null {
    if (r.ok) {
      const linkType = n.status.discovery?.interfaces.find((i) => i.name === iface)?.linkType;
      if (linkType) n.compiled.add(compiledKey(linkType, filter));
      return null;
    }
    if ('error' in r) return r.error;
    const text = redact(r.stderr, n.spec.sudoPassword).trim();
    const code = classifyTcpdumpError(text);
    return {
      code,
      message: `${n.spec.name}:${iface}: ${text.split('\n').slice(-2).join(' | ') || `exit ${r.exitCode}`}`,
    };
  }

  counters(): CounterSample[] {
    return this.captures.map((c) => ({
      node: c.status.node,
      iface: c.status.iface,
      state: c.status.state,
      packets: c.status.packets,
      bytes: c.status.bytes,
      kernelDrops: c.status.kernelDrops,
    }));
  }

  /** Resolves when every capture has ended (by stop, -c count, failure or loss). */
  async whenDone(): Promise<SessionDoc> {
    // A stop already under way (or finished) has its document coming: never wait for a 'done' already emitted.
    if (this.stopping) return this.stopping;
    return new Promise((res) => this.once('done', res));
  }

  /**
   * The process quits now (a second Ctrl-C): session.json says the session ended and how, synchronously. The
   * files hold every complete record; the nodes end their tcpdumps themselves (the heartbeat watchdog).
   */
  abandon(): void {
    this.stopReason = 'quit at once (a second Ctrl-C): tcpdump’s final counts were not collected';
    this.state = 'stopped';
    this.stoppedAt ??= new Date().toISOString();
    if (this.timer) clearInterval(this.timer);
    this.unfollow();
    // Captures under way end here too (their files hold what arrived; no final counts: tcpdumpFinal false), so
    // that session.json leaves none 'capturing' or 'stopping'.
    for (const c of this.captures) c.abandon();
    this.save();
  }

  /** Stops every capture (SIGTERM via the watchdog), records tcpdump's counts, closes connections. */
  stop(reason = 'stopped'): Promise<SessionDoc> {
    if (!this.stopping) {
      this.stopReason = reason;
      this.stopping = this.doStop();
      this.abort.abort();
      this.emit('stopping');
    }
    return this.stopping;
  }

  private async doStop(): Promise<SessionDoc> {
    this.unfollow();
    // A late node being started finishes first (it checks `stopping` before starting anything).
    await Promise.all([...this.joining]);
    await Promise.all(this.captures.map((c) => c.stop()));
    if (this.timer) clearInterval(this.timer);
    this.emit('counters', this.counters());
    this.stoppedAt = new Date().toISOString();
    this.state = 'stopped';
    for (const n of this.nodes) {
      if (n.conn) {
        this.drop(n);
        if (n.status.state === 'connected') this.setNode(n, { state: 'closed' });
      }
    }
    const doc = this.save();
    this.emit('done', doc);
    return doc;
  }

  nodeStatuses(): NodeStatus[] {
    return this.nodes.map((n) => ({
      ...n.status,
      gaps: n.status.gaps.map((g) => ({ ...g })),
      clockProbes: [...n.status.clockProbes],
      warnings: [...n.status.warnings],
    }));
  }

  captureStatuses(): IfaceCaptureStatus[] {
    return this.captures.map((c) => ({ ...c.status }));
  }

  /** The interfaces of every node discovered so far (the late ones too, whatever their state now). */
  private discovered(): NodeInterfaces[] {
    return this.nodes.flatMap((n) => (n.status.discovery ? [n.status.discovery] : []));
  }

  private connected(): NodeRuntime[] {
    return this.nodes.filter((n) => n.conn !== null && n.status.state === 'connected');
  }

  private setNode(n: NodeRuntime, patch: Partial<NodeStatus>): void {
    Object.assign(n.status, patch);
    this.emit('node', { ...n.status });
  }

  /** The session document (no secrets: passwords live only in NodeSpec and Privilege, never copied here). */
  toJSON(): SessionDoc {
    return {
      schema: SESSION_SCHEMA,
      hopscopeVersion: HOPSCOPE_VERSION,
      createdBy: 'hopscope capture',
      state: this.state,
      filter: this.opts.filter ?? '',
      excludeOwnSsh: this.opts.excludeOwnSsh !== false,
      followTunnels: this.opts.followTunnels !== false,
      followNew: this.opts.followNew !== false,
      snaplen: this.opts.snaplen ?? DEFAULT_SNAPLEN,
      count: this.opts.count ?? null,
      delivery: this.opts.delivery ?? DEFAULT_DELIVERY,
      bufferKiB: this.opts.bufferKiB ?? null,
      startedAt: this.startedAt,
      stoppedAt: this.stoppedAt,
      stopReason: this.stopReason,
      sshConfig: this.opts.sshConfigPath ?? null,
      nodes: this.nodeStatuses(),
      // In the document, files are named relative to the session folder, so the folder can be moved.
      captures: this.captureStatuses().map((c) => ({ ...c, file: basename(c.file) })),
    };
  }

  private save(): SessionDoc {
    const doc = this.toJSON();
    writeSessionJson(this.outDir, doc);
    return doc;
  }
}

/** Where a node's connection goes, as session.json records it. */
function statusTarget(t: ResolvedTarget): NodeStatus['target'] {
  return {
    alias: t.alias,
    hostName: t.hostName,
    port: t.port,
    user: t.user,
    proxyJump: t.proxyJump.map((j) => ({ hostName: j.hostName, port: j.port, user: j.user })),
  };
}

/** Why an interface chosen from an earlier discovery is not captured (start()'s skipGone). */
function goneMessage(node: string, iface: string): string {
  return (
    `${iface} is not on ${node} any more (it was when the interfaces were listed; a pod restarted?): ` +
    'not captured; discover the node again to choose what replaced it'
  );
}

/** NodeRuntime.compiled's key: a link type and the filter compiled for it. */
function compiledKey(linkType: string, filter: string): string {
  return `${linkType}\n${filter}`;
}

/** A followed interface gone before its tcpdump started (its pre-check, or tcpdump, did not know the name). */
function goneBeforeStart(node: string, iface: string, instance: number): ErrorData {
  return {
    code: 'IFACE_GONE',
    message: `${node}:${laneName(iface, instance)}: it went away before its capture started (a short-lived pod?)`,
  };
}

/** Selector `sel` names one interface exactly (no glob) that node `d` does not have. */
function goneName(sel: string, d: NodeInterfaces): boolean {
  const iface = sel.slice(sel.indexOf(':') + 1);
  return !/[*?[]/.test(iface) && !d.interfaces.some((i) => i.name === iface);
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** `p`, or a SSH_UNREACHABLE error when it has not settled within `ms`. */
function answerWithin<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HopscopeError('SSH_UNREACHABLE', `no answer in ${ms} ms`)), ms);
  });
  p.catch(() => undefined);
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const HOPSCOPE_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string })
  .version;
