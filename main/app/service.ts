// The back end of the app, implementing every HopscopeApi method on top of the libraries (sessions and
// correlation, SSH nodes, capture, export, lab). No electron import: the Electron IPC wiring and the web-mode
// server both call it through Backend, with arguments already validated.

import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
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
  SessionInfo,
  Unsubscribe,
} from '../../preload/api.ts';
import { HopscopeError, toErrorData } from '../common/errors.ts';
import { correlateInputs } from '../session/ingest.ts';
import { loadInputs } from '../session/inputs.ts';
import type { Backend } from './backend.ts';
import { layersOf, summaryOf } from './describe.ts';
import { LoadedSession } from './loadedSession.ts';
import { listAliases, NodeManager } from './nodes.ts';

export interface ServiceOptions {
  mode: AppInfo['mode'];
  /** Folder with the bundled sample session (resources/). */
  resourcesDir: string;
  /** Where exports and dropped files go when no path is given. */
  workDir?: string;
}

type Req<M extends ApiMethod> = Parameters<HopscopeApi[M]>[0];
type Res<M extends ApiMethod> = Awaited<ReturnType<HopscopeApi[M]>> extends Result<infer T> ? T : never;
type Handlers = { [M in ApiMethod]: (req: Req<M>) => Promise<Res<M>> | Res<M> };

const LAB_SSH_CONFIG = '/run/hopscope-lab/ssh_config';

export class AppService implements Backend {
  private readonly events = new EventEmitter();
  readonly sessions = new Map<string, LoadedSession>();
  readonly nodes: NodeManager;
  private readonly workDir: string;
  private exportsByName = new Map<string, string>();
  private labBusy = false;

  constructor(private readonly opts: ServiceOptions) {
    this.events.setMaxListeners(100);
    this.workDir = opts.workDir ?? mkdtempSync(path.join(tmpdir(), 'hopscope-app-'));
    this.nodes = new NodeManager(
      (n) => this.emit('nodeStatus', n),
      (p) => this.emit('hostKeyPrompt', p),
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
    this.nodes.closeAll();
  }

  /** A file the web server may hand out under /download/<name>. */
  download(name: string): string | null {
    return this.exportsByName.get(name) ?? null;
  }

  private session(id: string): LoadedSession {
    const s = this.sessions.get(id);
    if (!s) throw new HopscopeError('USAGE', `no open session ${id}`);
    return s;
  }

  sampleDir(): string {
    return path.join(this.opts.resourcesDir, 'sample-session');
  }

  /** Opens files/folders through the session library (labels, session.json, ip -j files) and correlates. */
  openPathsSync(paths: string[], title?: string): LoadedSession {
    const inputs = loadInputs(paths);
    if (!inputs.ok) throw new HopscopeError(inputs.error.code, inputs.error.message, inputs.error.detail);
    if (!inputs.value.files.length) throw new HopscopeError('SESSION_INVALID', 'no capture files to open');
    const c = correlateInputs(inputs.value);
    const first = paths[0].replace(/^[^/=]*:[^=/]+=/, '');
    const id = randomUUID();
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
    this.sessions.set(id, s);
    return s;
  }

  private readonly handlers: Handlers = {
    appInfo: () => {
      const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
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
    getSession: (req) => this.session(req.sessionId).info(),
    getPackets: (req) => this.session(req.sessionId).batch(req.from, req.count),
    getSummaries: (req) => {
      const s = this.session(req.sessionId);
      return req.indices.map((i) =>
        i < s.count ? summaryOf(s.frame(i), s.linkType(i), s.result.rows.origLen[i]) : '',
      );
    },
    getPacketDetail: (req): PacketDetail => {
      const s = this.session(req.sessionId);
      if (req.index >= s.count) throw new HopscopeError('USAGE', `no packet ${req.index}`);
      const frame = s.frame(req.index);
      const rows = s.result.rows;
      const st = s.statusCol[req.index];
      return {
        index: req.index,
        capture: rows.capture[req.index],
        tsNs: s.tsNsString(req.index),
        summary: summaryOf(frame, s.linkType(req.index), rows.origLen[req.index]),
        bytes: frame.slice(),
        layers: layersOf(frame, s.linkType(req.index)),
        problem:
          st === 1
            ? `truncated: ${rows.caplen[req.index]} of ${rows.origLen[req.index]} bytes captured (snaplen)`
            : st === 2
              ? 'malformed: header fields contradict each other'
              : null,
      };
    },
    listJourneys: (req) => {
      const r = this.session(req.sessionId).findJourneys(req.filter, req.from, req.count);
      return { total: r.total, from: req.from, items: r.items };
    },
    getJourney: (req) => {
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

    validateFilter: async (req) => this.capture().validate(req.filter, req.nodes),
    startCapture: async (req) => this.capture().start(req),
    stopCapture: async () => this.capture().stop(),

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

  private capture(): { validate: (f: string, n: string[]) => Promise<Res<'validateFilter'>>; start: (r: Req<'startCapture'>) => Promise<SessionInfo>; stop: () => Promise<SessionInfo> } {
    throw new HopscopeError('INTERNAL', 'live capture is not wired in this build yet');
  }

  private async exportSession(_req: ExportRequest): Promise<ExportResult> {
    throw new HopscopeError('INTERNAL', 'export is not wired in this build yet');
  }

  /** Reads the bundled sample's README (shown on the start screen in a later version). */
  sampleReadme(): string | null {
    const p = path.join(this.sampleDir(), 'README.md');
    return existsSync(p) ? readFileSync(p, 'utf8') : null;
  }
}
