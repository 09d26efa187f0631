// Live capture from the app: the capture library's CaptureSession over the nodes the user added (their own
// specs, config and known_hosts), counters to the UI, and the growing files followed, decoded and correlated by
// the live-correlation worker (liveCorrelatorHandle.ts) into columnar batches and journeys while it runs.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

import type { CaptureRequest, CaptureStats, NodeInfo, PacketBatch, SessionInfo } from '../../preload/api.ts';
import { HopscopeError } from '../common/errors.ts';
import { liveRowLimit } from '../common/limits.ts';
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

export class LiveCapture {
  readonly live: LiveSession;
  private readonly startedAt = Date.now();
  private stopped = false;

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
    if (!req.targets.length) throw new HopscopeError('USAGE', 'choose at least one interface');
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
    const names = [...new Set(req.targets.map((t) => t.node))];
    const entries = names.map((n) => nodes.get(n));
    const configs = new Set(entries.map((e) => e.spec.configPath ?? ''));
    if (configs.size > 1)
      throw new HopscopeError('USAGE', 'nodes added from different ssh config files cannot capture together');
    const configPath = entries[0].spec.configPath;
    const knownHosts = entries.find((e) => e.spec.knownHostsPath)?.spec.knownHostsPath;
    const specs: CaptureNodeSpec[] = entries.map((e) => {
      const s = e.spec;
      return {
        name: s.name,
        host: s.alias ?? s.host!,
        ...(s.user ? { user: s.user } : {}),
        ...(s.port ? { port: s.port } : {}),
        credentials: {
          ...(s.identityFile ? { identityFiles: [s.identityFile] } : {}),
          ...(s.password ? { password: s.password } : {}),
          ...(s.passphrase ? { passphrase: s.passphrase } : {}),
          ...(s.auth && s.auth !== 'agent' ? { agent: '' } : {}),
        },
        sudo: s.sudo ?? false,
        ...(s.sudoPassword ? { sudoPassword: s.sudoPassword } : {}),
      };
    });
    const session = new CaptureSession({
      nodes: specs,
      sshConfigText: configPath ? readFileSync(configPath, 'utf8') : undefined,
      sshConfigPath: configPath,
      ...(knownHosts ? { knownHostsFiles: [knownHosts] } : {}),
      // Keys were accepted (or refused) when the nodes connected; the capture connection must present the same.
      acceptNew: false,
      outDir,
      ...requestOptions(req),
    });
    session.on('node', (st: { name: string; state: string; error: NodeInfo['error'] }) => {
      if (st.state === 'lost') ev.node(st.name, 'lost', st.error);
      else if (st.state === 'failed') ev.node(st.name, 'error', st.error);
    });
    const statuses = await session.connect();
    const failed = statuses.filter((s) => s.state !== 'connected');
    if (failed.length === statuses.length)
      throw new HopscopeError(
        failed[0]?.error?.code ?? 'CAPTURE_FAILED',
        failed.map((f) => `${f.name}: ${f.error?.message ?? f.state}`).join('; '),
      );
    await session.discover();
    const ok = new Set(statuses.filter((s) => s.state === 'connected').map((s) => s.name));
    const selection = req.targets.filter((t) => ok.has(t.node));
    // The interfaces were chosen from the nodes' earlier discovery: one gone since (a pod restarted) is left out
    // and said above the session, the rest capture.
    const warnings: string[] = [];
    // Each names its node.
    session.on('warning', (w: { node: string; message: string }) => warnings.push(w.message));
    try {
      await session.start(selection, undefined, { skipGone: true });
    } catch (e) {
      await session.stop().catch(() => undefined);
      throw e;
    }
    const caps = session.captureStatuses().map((c) => ({ node: c.node, iface: c.iface, file: c.file }));
    const live = new LiveSession(
      randomUUID(),
      `Capture ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`,
      outDir,
      caps,
    );
    live.warnings.push(...warnings);
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
    for (const n of ok) ev.node(n, 'capturing', null);
    session.on('counters', () => lc.emitStats());
    return lc;
  }

  stats(): CaptureStats {
    const caps = this.session.captureStatuses();
    return {
      sessionId: this.live.id,
      elapsedMs: Date.now() - this.startedAt,
      running: !this.stopped,
      counters: caps.map((c) => ({
        node: c.node,
        iface: c.iface,
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
