// The back end of the app, implementing every HopscopeApi method on top of the libraries (sessions and
// correlation, SSH nodes, capture, export, lab). No electron import: the Electron IPC wiring and the web-mode
// server both call it through Backend, with arguments already validated.

import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

import type {
  ApiEventName,
  ApiMethod,
  AppInfo,
  ExportRequest,
  ExportResult,
  HopscopeApi,
  LabStatus,
  PacketDetail,
  Result,
  Unsubscribe,
} from '../../preload/api.ts';
import { HopscopeError, toErrorData, type ErrorCode } from '../common/errors.ts';
import { correlateInputs } from '../session/ingest.ts';
import { loadInputs } from '../session/inputs.ts';
import type { Backend } from './backend.ts';
import { layersOf, summaryOf } from './describe.ts';
import { defaultExportPath, exportResult } from './exporter.ts';
import { LiveCapture } from './liveCapture.ts';
import type { LiveSession } from './liveSession.ts';
import { LoadedSession } from './loadedSession.ts';
import { listAliases, NodeManager } from './nodes.ts';

export interface ServiceOptions {
  mode: AppInfo['mode'];
  /** Folder with the bundled sample session (resources/). */
  resourcesDir: string;
  /** Where exports and dropped files go when no path is given. */
  workDir?: string;
  /** Where the node list is saved (without secrets); null: not saved. Default ~/.config/hopscope. */
  configDir?: string | null;
}

type Req<M extends ApiMethod> = Parameters<HopscopeApi[M]>[0];
type Res<M extends ApiMethod> = Awaited<ReturnType<HopscopeApi[M]>> extends Result<infer T> ? T : never;
type Handlers = { [M in ApiMethod]: (req: Req<M>) => Promise<Res<M>> | Res<M> };

const LAB_SSH_CONFIG = '/run/hopscope-lab/ssh_config';

/** Our package.json's version, found by walking up from this module (sources run from main/app/, the Electron
 *  build from out/main/). */
function appVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = path.join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'hopscope') return pkg.version ?? '0.0.0';
    }
    dir = path.dirname(dir);
  }
  return '0.0.0';
}

export class AppService implements Backend {
  private readonly events = new EventEmitter();
  readonly sessions = new Map<string, LoadedSession>();
  readonly nodes: NodeManager;
  private readonly workDir: string;
  private exportsByName = new Map<string, string>();
  private labBusy = false;
  private liveCapture: LiveCapture | null = null;
  private captureStarting = false;

  constructor(private readonly opts: ServiceOptions) {
    this.events.setMaxListeners(100);
    this.workDir = opts.workDir ?? mkdtempSync(path.join(tmpdir(), 'hopscope-app-'));
    const configDir = opts.configDir === undefined ? (process.env.HOPSCOPE_CONFIG_DIR ?? path.join(homedir(), '.config', 'hopscope')) : opts.configDir;
    this.nodes = new NodeManager(
      (n) => this.emit('nodeStatus', n),
      (p) => this.emit('hostKeyPrompt', p),
      configDir ? path.join(configDir, 'nodes.json') : null,
    );
  }

  emit(event: ApiEventName, payload: unknown): void {
    this.events.emit(event, payload);
  }

  on(event: ApiEventName, cb: (payload: unknown) => void): Unsubscribe {
    this.events.on(event, cb);
    return () => void this.events.off(event, cb);
  }

  async call(method: ApiMethod, req: unknown): Promise<Result<unknown>> {
    try {
      const h = this.handlers[method] as (r: unknown) => unknown;
      return { ok: true, value: (await h(req)) ?? null };
    } catch (e) {
      return { ok: false, error: toErrorData(e) };
    }
  }

  async close(): Promise<void> {
    // Never leave tcpdump running on a node because the app went away.
    if (this.liveCapture) await this.liveCapture.stop().catch(() => undefined);
    this.nodes.closeAll();
  }

  /** A file the web server may hand out under /download/<name>. */
  download(name: string): string | null {
    return this.exportsByName.get(name) ?? null;
  }

  private session(id: string): LoadedSession {
    const s = this.sessions.get(id);
    if (!s) {
      if (this.liveCapture?.live.id === id) throw new HopscopeError('USAGE', 'journeys are computed when the capture stops');
      throw new HopscopeError('USAGE', `no open session ${id}`);
    }
    return s;
  }

  /** A finished session or the one being captured: enough for packets, summaries and detail. */
  private packetSource(id: string): LoadedSession | LiveSession {
    if (this.liveCapture?.live.id === id) return this.liveCapture.live;
    return this.session(id);
  }

  sampleDir(): string {
    return path.join(this.opts.resourcesDir, 'sample-session');
  }

  /** Opens files/folders through the session library (labels, session.json, ip -j files) and correlates. */
  openPathsSync(paths: string[], title?: string): LoadedSession {
    const s = this.buildSession(paths, title, randomUUID());
    this.sessions.set(s.id, s);
    return s;
  }

  buildSession(paths: string[], title: string | undefined, id: string): LoadedSession {
    const inputs = loadInputs(paths);
    if (!inputs.ok) throw new HopscopeError(inputs.error.code, inputs.error.message, inputs.error.detail);
    if (!inputs.value.files.length) throw new HopscopeError('SESSION_INVALID', 'no capture files to open');
    const c = correlateInputs(inputs.value);
    if (!c.result.captures.length) {
      // Nothing readable at all: say why (a bad magic, a missing file…) rather than open an empty session.
      const p = c.problems[0]?.problem;
      const code = p && 'code' in p && /^[A-Z_]+$/.test(p.code) ? (p.code as ErrorCode) : 'SESSION_INVALID';
      throw new HopscopeError(code, p ? `${path.basename(c.problems[0].path)}: ${p.message}` : 'no capture could be read', p ? { offset: p.offset } : undefined);
    }
    const first = paths[0].replace(/^[^/=]*:[^=/]+=/, '');
    const drops = new Map<string, number>();
    for (const s of inputs.value.sessions) {
      const caps = Array.isArray(s.doc.captures) ? (s.doc.captures as Record<string, unknown>[]) : [];
      for (const cap of caps) if (typeof cap.drops === 'number') drops.set(`${cap.node}/${cap.iface}`, cap.drops);
    }
    const s = new LoadedSession(
      id,
      title ?? (path.basename(first.replace(/\/+$/, '')) || first),
      first,
      c.correlator,
      c.result,
      c.problems.map((p) => ({ path: p.path, message: `${p.problem.code} at byte ${p.problem.offset}: ${p.problem.message}` })),
      drops,
    );
    return s;
  }

  private readonly handlers: Handlers = {
    appInfo: () => {
      const version = appVersion();
      const root = process.platform === 'linux' && process.getuid?.() === 0;
      return {
        version,
        mode: this.opts.mode,
        platform: process.platform,
        labAvailable: root,
        labSshConfig: existsSync(LAB_SSH_CONFIG) ? LAB_SSH_CONFIG : null,
        sampleAvailable: existsSync(this.sampleDir()),
      };
    },

    openSample: () => this.openPathsSync([this.sampleDir()], 'Sample: flannel VXLAN ping (lab)').info(),
    openPaths: (req) => this.openPathsSync(req.paths).info(),
    openFiles: (req) => {
      const dir = mkdtempSync(path.join(this.workDir, 'dropped-'));
      const paths = req.files.map((f, i) => {
        // Keep the name (it may carry the node__iface label) but never a path component.
        const name = path.basename(f.name).replace(/^\.+/, '') || `file-${i}.pcap`;
        const p = path.join(dir, name);
        writeFileSync(p, f.bytes);
        return p;
      });
      return this.openPathsSync(paths, req.files.length === 1 ? req.files[0].name : `${req.files.length} dropped files`).info();
    },
    getSession: (req) => this.packetSource(req.sessionId).info(),
    getPackets: (req) => this.packetSource(req.sessionId).batch(req.from, req.count),
    getSummaries: (req) => {
      const s = this.packetSource(req.sessionId);
      return req.indices.map((i) => (i < s.count ? summaryOf(s.frame(i), s.linkType(i), s.origLenOf(i)) : ''));
    },
    getPacketDetail: (req): PacketDetail => {
      const s = this.packetSource(req.sessionId);
      const i = req.index;
      if (i >= s.count) throw new HopscopeError('USAGE', `no packet ${i}`);
      const frame = s.frame(i).slice();
      const st = s.statusOf(i);
      return {
        index: i,
        capture: s.captureOf(i),
        tsNs: s.tsNsString(i),
        summary: summaryOf(frame, s.linkType(i), s.origLenOf(i)),
        bytes: frame,
        layers: layersOf(frame, s.linkType(i)),
        problem:
          st === 1
            ? `truncated: ${s.caplenOf(i)} of ${s.origLenOf(i)} bytes captured (snaplen)`
            : st === 2
              ? 'malformed: header fields contradict each other'
              : null,
      };
    },
    listJourneys: (req) => {
      // While capturing, journeys come from the latest correlation of the files so far.
      if (this.liveCapture?.live.id === req.sessionId) return { ...this.liveCapture.live.findJourneys(req.filter, req.from, req.count), from: req.from };
      const r = this.session(req.sessionId).findJourneys(req.filter, req.from, req.count);
      return { total: r.total, from: req.from, items: r.items };
    },
    getJourney: (req) => {
      if (this.liveCapture?.live.id === req.sessionId) return this.liveCapture.live.journey(req.journeyId);
      const s = this.session(req.sessionId);
      if (req.journeyId >= s.result.journeyCount) throw new HopscopeError('USAGE', `no journey ${req.journeyId}`);
      return s.journey(req.journeyId);
    },
    setClockOverride: (req) => {
      const s = this.session(req.sessionId);
      if (!s.result.nodes.includes(req.node)) throw new HopscopeError('USAGE', `no node ${req.node} in this session`);
      s.setManualOffset(req.node, req.offsetNs);
      const info = s.info();
      this.emit('sessionChanged', info);
      return info;
    },
    exportSession: (req) => this.exportSession(req),

    listSshAliases: (req) => listAliases(req.configPath),
    listNodes: () => this.nodes.list(),
    addNode: (req) => this.nodes.add(req),
    removeNode: (req) => {
      this.nodes.remove(req.name);
      return null;
    },
    connectNode: (req) => this.nodes.connect(req.name),
    disconnectNode: (req) => this.nodes.disconnect(req.name),
    answerHostKey: (req) => {
      this.nodes.answer(req.promptId, req.accept);
      return null;
    },

    validateFilter: async (req) => Promise.all(req.nodes.map((n) => this.nodes.checkFilter(n, req.filter))),
    startCapture: async (req) => {
      if (this.liveCapture || this.captureStarting) throw new HopscopeError('USAGE', 'a capture is running already');
      this.captureStarting = true;
      try {
        const outDir = path.join(this.workDir, `capture-${new Date().toISOString().replace(/[:.]/g, '-')}`);
        this.liveCapture = await LiveCapture.start(req, this.nodes, outDir, {
          stats: (s) => this.emit('captureStats', s),
          batch: (b) => this.emit('packetBatch', b),
          node: (name, state, error) => this.nodes.setState(name, state, error),
          correlate: (dir, id) => this.buildSession([dir], undefined, id),
          session: (s) => this.emit('sessionChanged', s),
        });
        return this.liveCapture.live.info();
      } finally {
        this.captureStarting = false;
      }
    },
    stopCapture: async () => {
      const lc = this.liveCapture;
      if (!lc) throw new HopscopeError('USAGE', 'no capture is running');
      const dir = await lc.stop();
      this.liveCapture = null;
      for (const n of this.nodes.list()) if (n.state === 'capturing') this.nodes.setState(n.name, 'connected');
      return this.openPathsSync([dir], lc.live.title).info();
    },

    labStatus: () => this.labStatus(),
    labUp: async (req) => {
      await this.labOp(async () => {
        const { labUp } = await import('../lab/lab.ts');
        const { isScenarioName } = await import('../lab/scenarios.ts');
        if (!isScenarioName(req.scenario)) throw new HopscopeError('USAGE', `unknown scenario ${req.scenario}`);
        await labUp(req.scenario);
      });
      return this.labStatus();
    },
    labDown: async () => {
      await this.labOp(async () => {
        const { labDown } = await import('../lab/lab.ts');
        await labDown();
      });
      return this.labStatus();
    },
    labTraffic: async (req) => {
      let out = '';
      await this.labOp(async () => {
        const { runTraffic } = await import('../lab/traffic.ts');
        const { SCENARIOS, isScenarioName } = await import('../lab/scenarios.ts');
        if (!isScenarioName(req.scenario)) throw new HopscopeError('USAGE', `unknown scenario ${req.scenario}`);
        const lines: string[] = [];
        await runTraffic(SCENARIOS[req.scenario], (l) => lines.push(l));
        out = lines.join('\n');
      });
      return out;
    },
  };

  private async labOp(run: () => Promise<void>): Promise<void> {
    if (this.labBusy) throw new HopscopeError('LAB_FAILED', 'another lab operation is running');
    this.labBusy = true;
    try {
      await run();
    } finally {
      this.labBusy = false;
    }
  }

  private async labStatus(): Promise<LabStatus> {
    const { SCENARIO_NAMES } = await import('../lab/scenarios.ts');
    const scenarios = [...SCENARIO_NAMES];
    if (process.platform !== 'linux') return { available: false, reason: 'needs Linux', scenario: null, scenarios, sshConfig: null, busy: false };
    if (process.getuid?.() !== 0)
      return { available: false, reason: 'run Hopscope as root to start the local lab', scenario: null, scenarios, sshConfig: null, busy: false };
    const { labStatus } = await import('../lab/lab.ts');
    const st = await labStatus();
    return {
      available: true,
      reason: null,
      scenario: st.phase === 'up' ? st.scenario : null,
      scenarios,
      sshConfig: st.phase === 'up' ? st.sshConfig : null,
      busy: this.labBusy,
    };
  }

  private async exportSession(req: ExportRequest): Promise<ExportResult> {
    const s = this.session(req.sessionId);
    const file = path.resolve(req.path ?? defaultExportPath(path.join(this.workDir, 'exports'), s.title, req.format));
    let last = 0;
    const out = await exportResult(s.result, req, file, (done, total) => {
      // Throttled: at most a few progress events per second reach the UI.
      const now = Date.now();
      if (done < total && now - last < 200) return;
      last = now;
      this.emit('exportProgress', { sessionId: s.id, done, total });
    });
    const name = `${s.id.slice(0, 8)}-${path.basename(file)}`;
    this.exportsByName.set(name, file);
    return this.opts.mode === 'web' ? { ...out, downloadUrl: `/download/${encodeURIComponent(name)}` } : out;
  }
}
