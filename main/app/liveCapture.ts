// Live capture from the app: the capture library's CaptureSession over the nodes the user added (their own
// specs, config and known_hosts), counters to the UI, and the growing files followed into columnar batches.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

import type { CaptureRequest, CaptureStats, NodeInfo, PacketBatch, SessionInfo } from '../../preload/api.ts';
import type { LoadedSession } from './loadedSession.ts';
import { HopscopeError } from '../common/errors.ts';
import { CaptureSession, type NodeSpec as CaptureNodeSpec } from '../capture/index.ts';
import { LiveSession } from './liveSession.ts';
import type { NodeManager } from './nodes.ts';

const POLL_MS = 250;
/** Journeys while capturing: the files so far are re-correlated this often, up to this many packets (beyond, at stop). */
const CORRELATE_MS = 2000;
export const LIVE_CORRELATE_MAX = 50_000;

export interface LiveCaptureEvents {
  stats(s: CaptureStats): void;
  batch(b: PacketBatch): void;
  node(name: string, state: NodeInfo['state'], error: NodeInfo['error']): void;
  /** Correlates the session folder as it is now (null when it cannot be read yet). */
  correlate(dir: string, id: string): LoadedSession | null;
  session(s: SessionInfo): void;
}

export class LiveCapture {
  readonly live: LiveSession;
  private timer: NodeJS.Timeout | null = null;
  private correlatedAt = 0;
  private correlatedCount = 0;
  private readonly startedAt = Date.now();
  private stopped = false;

  private constructor(
    readonly session: CaptureSession,
    live: LiveSession,
    private readonly ev: LiveCaptureEvents,
  ) {
    this.live = live;
  }

  static async start(req: CaptureRequest, nodes: NodeManager, outDir: string, ev: LiveCaptureEvents): Promise<LiveCapture> {
    if (!req.targets.length) throw new HopscopeError('USAGE', 'choose at least one interface');
    const names = [...new Set(req.targets.map((t) => t.node))];
    const entries = names.map((n) => nodes.get(n));
    const configs = new Set(entries.map((e) => e.spec.configPath ?? ''));
    if (configs.size > 1) throw new HopscopeError('USAGE', 'nodes added from different ssh config files cannot capture together');
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
      filter: req.filter,
      snaplen: req.snaplen || undefined,
      excludeOwnSsh: req.excludeSsh,
    });
    session.on('node', (st: { name: string; state: string; error: NodeInfo['error'] }) => {
      if (st.state === 'lost') ev.node(st.name, 'lost', st.error);
      else if (st.state === 'failed') ev.node(st.name, 'error', st.error);
    });
    const statuses = await session.connect();
    const failed = statuses.filter((s) => s.state !== 'connected');
    if (failed.length === statuses.length)
      throw new HopscopeError(failed[0]?.error?.code ?? 'CAPTURE_FAILED', failed.map((f) => `${f.name}: ${f.error?.message ?? f.state}`).join('; '));
    await session.discover();
    const ok = new Set(statuses.filter((s) => s.state === 'connected').map((s) => s.name));
    const selection = req.targets.filter((t) => ok.has(t.node));
    try {
      await session.start(selection);
    } catch (e) {
      await session.stop().catch(() => undefined);
      throw e;
    }
    const caps = session.captureStatuses().map((c) => ({ node: c.node, iface: c.iface, file: c.file }));
    const live = new LiveSession(randomUUID(), `Capture ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`, outDir, caps);
    const lc = new LiveCapture(session, live, ev);
    for (const n of ok) ev.node(n, 'capturing', null);
    session.on('counters', () => lc.emitStats());
    lc.timer = setInterval(() => lc.tick(), POLL_MS);
    return lc;
  }

  private tick(): void {
    const b = this.live.poll();
    if (b) this.ev.batch(b);
    const now = Date.now();
    const n = this.live.count;
    if (this.stopped || now - this.correlatedAt < CORRELATE_MS || n === this.correlatedCount || n > LIVE_CORRELATE_MAX) return;
    this.correlatedAt = now;
    this.correlatedCount = n;
    let snap: LoadedSession | null = null;
    try {
      snap = this.ev.correlate(this.session.outDir, this.live.id);
    } catch {
      return; // files mid-write can fail to open; the next pass (or the stop) will do
    }
    if (!snap) return;
    this.ev.batch(this.live.adoptSnapshot(snap));
    this.ev.session(this.live.info());
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
        drops: c.tcpdump?.droppedByKernel ?? null,
        state: c.state === 'capturing' ? 'running' : c.state === 'failed' ? 'error' : c.state === 'lost' ? 'lost' : c.state === 'starting' ? 'starting' : 'stopped',
        error: c.error ? `${c.error.code}: ${c.error.message}` : null,
      })),
    };
  }

  private emitStats(): void {
    this.ev.stats(this.stats());
  }

  /** Stops every tcpdump, drains the files once more, and returns the folder to open as a finished session. */
  async stop(): Promise<string> {
    if (this.timer) clearInterval(this.timer);
    await this.session.stop();
    this.stopped = true;
    this.tick();
    this.live.close();
    this.emitStats();
    return path.resolve(this.session.outDir);
  }
}
