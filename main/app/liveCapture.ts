// Live capture from the app: the capture library's CaptureSession over the nodes the user added (their own
// specs, config and known_hosts), counters to the UI, and the growing files followed, decoded and correlated by
// the live-correlation worker (liveCorrelatorHandle.ts) into columnar batches and journeys while it runs.

import path from 'node:path';
import { randomUUID } from 'node:crypto';

import type { CaptureRequest, CaptureStats, NodeInfo, PacketBatch, SessionInfo } from '../../preload/api.ts';
import { HopscopeError } from '../common/errors.ts';
import { liveRowLimit } from '../common/limits.ts';
import { isGlobSelector, selectorNodeMatches } from '../capture/selection.ts';
import { laneName } from '../capture/sessionFolder.ts';
import {
  CaptureSession,
  type CaptureSessionOptions,
  type NodeSpec as CaptureNodeSpec,
} from '../capture/index.ts';
import { LiveCorrelatorHandle } from './liveCorrelatorHandle.ts';
import { LiveSession } from './liveSession.ts';
import type { NodeManager } from './nodes.ts';

export interface LiveCaptureEvents {
  stats(s: CaptureStats): void;
  batch(b: PacketBatch): void;
  node(name: string, state: NodeInfo['state'], error: NodeInfo['error']): void;
  /** Journeys, flows or clocks changed (a live snapshot landed). */
  session(s: SessionInfo): void;
}

/** What the UI's capture request sets on the CaptureSession (the capture library's defaults for the rest). */
export function requestOptions(
  req: CaptureRequest,
): Pick<CaptureSessionOptions, 'filter' | 'snaplen' | 'excludeOwnSsh' | 'followTunnels' | 'delivery'> {
  return {
    filter: req.filter,
    snaplen: req.snaplen || undefined,
    excludeOwnSsh: req.excludeSsh,
    ...(req.followTunnels !== undefined ? { followTunnels: req.followTunnels } : {}),
    ...(req.delivery ? { delivery: req.delivery } : {}),
  };
}

/**
 * Once one node is up, how long Start waits for the others before capturing without them (they join when up), as
 * `hopscope capture` does.
 */
const LATE_NODE_GRACE_MS = 3000;

/** Node states whose node a glob takes into the capture (a node the user connected, or tried to). */
const TRIED = new Set<NodeInfo['state']>(['connecting', 'hostkey', 'login', 'connected', 'error', 'lost']);

export interface CapturePlan {
  /** The nodes of the capture, in the order they are in it. */
  nodes: string[];
  /** `node:iface` selectors for a node joining late: the interfaces chosen on it, else globsFor(node). */
  selectorsFor(node: string): string[];
  /** The request's globs as `node:glob` for a node with no interface chosen on it (none otherwise). */
  globsFor(node: string): string[];
  /**
   * Nodes whose interfaces are listed and none chosen, that a followed glob names: they capture what it matches,
   * now or, when nothing does yet (`node-1:veth*` before the node's first pod), as it comes up (the capture waits).
   */
  waiting: string[];
}

/**
 * Which nodes capture what: those with chosen interfaces (req.targets), those whose interfaces were never
 * listed (still connecting, unreachable) that a glob of req.selectors names: the glob picks their interfaces
 * when they come up, as `hopscope capture --iface` does for a node joining late, and those with interfaces listed
 * and none chosen that a followed glob (req.follow) names: it picks what it matches there, now or later.
 */
export function capturePlan(req: CaptureRequest, list: NodeInfo[]): CapturePlan {
  const chosen = new Map<string, string[]>();
  for (const t of req.targets) chosen.set(t.node, [...(chosen.get(t.node) ?? []), t.iface]);
  const globs = req.selectors ?? [];
  const unseen = list.filter(
    (n) =>
      !chosen.has(n.name) &&
      n.interfaces.length === 0 &&
      TRIED.has(n.state) &&
      globs.some((g) => selectorNodeMatches(g, n.name)),
  );
  const follow = (req.follow ?? []).filter(isGlobSelector);
  const waiting = list
    .filter(
      (n) =>
        !chosen.has(n.name) &&
        n.interfaces.length > 0 &&
        TRIED.has(n.state) &&
        follow.some((g) => selectorNodeMatches(g, n.name)),
    )
    .map((n) => n.name);
  const globsFor = (node: string): string[] =>
    chosen.has(node)
      ? []
      : (waiting.includes(node) ? follow : globs)
          .filter((g) => selectorNodeMatches(g, node))
          .map((g) => `${node}:${g.slice(g.indexOf(':') + 1)}`);
  return {
    nodes: [...chosen.keys(), ...unseen.map((n) => n.name), ...waiting],
    selectorsFor: (node) => (chosen.get(node) ?? []).map((i) => `${node}:${i}`).concat(globsFor(node)),
    globsFor,
    waiting,
  };
}

/**
 * The nodes a capture holds, from its CaptureSession's node states: those it captures on, and those it waits for (a
 * node joining late, still connecting: its card says only "connecting…"). Editing, removing or disconnecting one
 * of them under the capture would fail it there; a node that failed or was lost is out of it.
 */
export function heldNodes(statuses: readonly { name: string; state: string }[]): string[] {
  return statuses
    .filter((s) => s.state === 'pending' || s.state === 'connecting' || s.state === 'connected')
    .map((s) => s.name);
}

export class LiveCapture {
  readonly live: LiveSession;
  private readonly startedAt = Date.now();
  private stopped = false;
  /** Nodes shown capturing (those up at the start, and late ones once a capture of theirs runs). */
  private readonly joined = new Set<string>();

  private constructor(
    readonly session: CaptureSession,
    live: LiveSession,
    private readonly worker: LiveCorrelatorHandle,
    private readonly ev: LiveCaptureEvents,
  ) {
    this.live = live;
  }

  static async start(
    req: CaptureRequest,
    nodes: NodeManager,
    outDir: string,
    ev: LiveCaptureEvents,
  ): Promise<LiveCapture> {
    if (!req.targets.length && !req.selectors?.length && !req.follow?.some(isGlobSelector))
      throw new HopscopeError('USAGE', 'choose at least one interface, or a glob to wait for');
    const maxRows = liveRowLimit(); // a bad HOPSCOPE_LIVE_MAX_PACKETS fails here, before anything starts
    // The worker thread boots (loads its modules) while the nodes connect.
    const worker = new LiveCorrelatorHandle();
    try {
      return await LiveCapture.startWith(worker, req, nodes, outDir, ev, maxRows);
    } catch (e) {
      worker.close();
      throw e;
    }
  }

  private static async startWith(
    worker: LiveCorrelatorHandle,
    req: CaptureRequest,
    nodes: NodeManager,
    outDir: string,
    ev: LiveCaptureEvents,
    maxRows: number,
  ): Promise<LiveCapture> {
    const plan = capturePlan(req, nodes.list());
    if (plan.nodes.length === 0)
      throw new HopscopeError(
        'USAGE',
        'choose at least one interface (the globs name no node that was connected)',
      );
    const entries = plan.nodes.map((n) => nodes.get(n));
    // Each node connects with its own ssh config (the node list's connection): session.json names the one they
    // share, if they do.
    const configs = new Set(entries.map((e) => e.spec.configPath));
    const configPath = configs.size === 1 ? entries[0].spec.configPath : undefined;
    const specs: CaptureNodeSpec[] = entries.map((e) => {
      const s = e.spec;
      return {
        name: s.name,
        host: s.alias ?? s.host!,
        sudo: s.sudo ?? false,
        ...(s.sudoPassword ? { sudoPassword: s.sudoPassword } : {}),
        // The node list's own connection: the one its interfaces were listed on (host key verified and sudo
        // settled when the user connected it), or, for a node not up, its connect under way or a new one.
        open: ({ fresh }) => nodes.open(s.name, fresh),
      };
    });
    const session = new CaptureSession({
      nodes: specs,
      sshConfigPath: configPath,
      outDir,
      ...requestOptions(req),
    });
    session.on('node', (st: { name: string; state: string; error: NodeInfo['error'] }) => {
      if (st.state === 'lost') ev.node(st.name, 'lost', st.error);
      else if (st.state === 'failed') ev.node(st.name, 'error', st.error);
    });
    // As the CLI: once one node is up the others get LATE_NODE_GRACE_MS, then those still connecting join later.
    const statuses = await session.connect({ graceMs: LATE_NODE_GRACE_MS });
    const pending = new Set(session.pendingNodes());
    const failed = statuses.filter((s) => s.state !== 'connected' && !pending.has(s.name));
    if (failed.length === statuses.length)
      throw new HopscopeError(
        failed[0]?.error?.code ?? 'CAPTURE_FAILED',
        failed.map((f) => `${f.name}: ${f.error?.message ?? f.state}`).join('; '),
      );
    // The interfaces were chosen from the nodes' earlier discovery: one gone since (a pod restarted) is left out
    // and said above the session, the rest capture.
    const warnings: string[] = [];
    // Each names its node.
    const onWarning = (w: { node: string; message: string }) => warnings.push(w.message);
    session.on('warning', onWarning);
    let up: Set<string>;
    try {
      const found = await session.discover();
      // Nodes up and discovered now start with the interfaces chosen on them (or what the globs pick there); the
      // others (still connecting, or up meanwhile) join with the same when they are up.
      up = new Set(found.map((d) => d.node));
      const selection = [
        ...req.targets.filter((t) => up.has(t.node)),
        ...session.select(plan.nodes.filter((n) => up.has(n)).flatMap((n) => plan.globsFor(n))),
      ];
      const late = plan.nodes.filter((n) => !up.has(n)).flatMap((n) => plan.selectorsFor(n));
      // A node up with nothing chosen that a followed glob names captures what it matches as it comes up: when
      // nothing does yet, session.json's node warnings say it waits, as the CLI's (`… yet: waiting for one`).
      const waiting = plan.waiting.filter((n) => up.has(n)).flatMap((n) => plan.globsFor(n));
      // Interfaces appearing later that match the globs the user selected with are captured too (followNew).
      await session.start(selection, [...late, ...waiting], {
        skipGone: true,
        follow: [...(req.follow ?? []), ...waiting],
      });
    } catch (e) {
      // Lets go of the node list's connections (they stay open) and of anything started.
      await session.stop().catch(() => undefined);
      throw e;
    }
    const caps = session
      .captureStatuses()
      .map((c) => ({ node: c.node, iface: laneName(c.iface, c.instance), file: c.file }));
    const live = new LiveSession(
      randomUUID(),
      `Capture ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`,
      outDir,
      caps,
    );
    live.warnings.push(...warnings);
    session.off('warning', onWarning);
    // The worker keeps one correlator for the whole capture and takes a snapshot every 2 s, backing off when
    // snapshots get expensive; it stops reading at maxRows (liveRowLimit: memory), the capture going on.
    worker.start(
      { id: live.id, title: live.title, dir: outDir, lanes: caps, baseSec: live.baseSec, maxRows },
      {
        rows: (r) => {
          ev.batch(live.addRows(r));
          // Reading stopped at the packet limit: the notice shows at once, not with the next snapshot.
          if (r.limit !== null) ev.session(live.info());
        },
        journeys: (j) => {
          const b = live.adoptJourneys(j);
          if (b) ev.batch(b);
          ev.session(live.info());
        },
        error: (e) => {
          live.fail(`live journeys stopped: ${e.code}: ${e.message}`);
          ev.session(live.info());
        },
      },
    );
    live.source = worker;
    const lc = new LiveCapture(session, live, worker, ev);
    for (const n of up) {
      lc.joined.add(n);
      ev.node(n, 'capturing', null);
    }
    session.on('counters', () => lc.emitStats());
    // A node joining late: what its selectors ask for is said above the session, and its captures become lanes.
    session.on('warning', (w: { node: string; message: string }) => {
      live.warnings.push(w.message);
      ev.session(live.info());
    });
    session.on('iface', () => lc.addLateLanes());
    lc.addLateLanes();
    return lc;
  }

  /**
   * Captures the session started after the live view did (a node joining late) become lanes, in the session's
   * order (session.json's, as the finished session numbers them); their node shows as capturing.
   */
  private addLateLanes(): void {
    if (this.stopped) return;
    const caps = this.session.captureStatuses();
    const have = this.live.info().captures.length;
    if (caps.length > have) {
      const added = caps
        .slice(have)
        .map((c) => ({ node: c.node, iface: laneName(c.iface, c.instance), file: c.file }));
      this.live.addLanes(added);
      this.worker.addLanes(added);
      this.ev.session(this.live.info());
    }
    for (const c of caps)
      if (c.state === 'capturing' && !this.joined.has(c.node)) {
        this.joined.add(c.node);
        this.ev.node(c.node, 'capturing', null);
      }
  }

  /** The nodes this capture holds (heldNodes): none once it stopped. */
  heldNodes(): string[] {
    return this.stopped ? [] : heldNodes(this.session.nodeStatuses());
  }

  stats(): CaptureStats {
    const caps = this.session.captureStatuses();
    return {
      sessionId: this.live.id,
      elapsedMs: Date.now() - this.startedAt,
      running: !this.stopped,
      nodes: this.heldNodes(),
      counters: caps.map((c) => ({
        node: c.node,
        // A name captured again (a pod recreated) is a counter of its own, as it is a lane of its own.
        iface: laneName(c.iface, c.instance),
        packets: c.packets,
        bytes: c.bytes,
        drops: c.kernelDrops ?? c.tcpdump?.droppedByKernel ?? null,
        state:
          c.state === 'capturing'
            ? 'running'
            : c.state === 'failed'
              ? 'error'
              : c.state === 'lost'
                ? 'lost'
                : c.state === 'starting'
                  ? 'starting'
                  : 'stopped',
        error: c.error ? `${c.error.code}: ${c.error.message}` : null,
      })),
    };
  }

  private emitStats(): void {
    this.ev.stats(this.stats());
  }

  /** Stops every tcpdump, drains the files once more, and returns the folder to open as a finished session. */
  async stop(): Promise<string> {
    await this.session.stop();
    this.stopped = true;
    await this.worker.drain();
    this.worker.close();
    this.live.close();
    this.emitStats();
    return path.resolve(this.session.outDir);
  }
}
