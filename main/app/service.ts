// The back end of the app, implementing every HopscopeApi method on top of the libraries (sessions and
// correlation, SSH nodes, capture, export, lab). No electron import: the Electron IPC wiring and the web-mode
// server both call it through Backend, with arguments already validated.

import { EventEmitter } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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
  OpenRange,
  PacketDetail,
  Result,
  Unsubscribe,
} from '../../preload/api.ts';
import { HopscopeError, toErrorData } from '../common/errors.ts';
import type { Backend } from './backend.ts';
import { layersOf, summaryOf } from './describe.ts';
import { droppedArgs, droppedInputs, placeDropped } from './dropped.ts';
import { defaultExportPath } from './exporter.ts';
import { refuseInputAsOutput } from '../export/sink.ts';
import { LiveCapture } from './liveCapture.ts';
import type { LiveSession } from './liveSession.ts';
import { prewarmSessionWorker, SessionHandle } from './sessionHandle.ts';
import { listAliases, NodeManager } from './nodes.ts';

/** Folders of dropped files' copies in the work folder. */
const DROPPED_PREFIX = 'dropped-';

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

/** Requests whose answer is the session the client shows from then on. */
const SHOWS_SESSION = new Set<ApiMethod>([
  'openSample',
  'openPaths',
  'openFiles',
  'startCapture',
  'stopCapture',
]);
/** The client of calls that name none (Electron's one window, tests). */
const DEFAULT_CLIENT = {};

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
  readonly sessions = new Map<string, SessionHandle>();
  /** The session ids each client opened and shows (see Backend.call). */
  private readonly byClient = new Map<object, Set<string>>();
  readonly nodes: NodeManager;
  /** Where dropped files' copies, captures and exports without a path go. */
  readonly workDir: string;
  /** The work folder is this service's own temporary folder (not one given by the caller). */
  private readonly ownWorkDir: boolean;
  private exportsByName = new Map<string, string>();
  private labBusy = false;
  private liveCapture: LiveCapture | null = null;
  private captureStarting = false;
  /** The capture being started (a stop asked meanwhile waits for it, then stops it). */
  private starting: Promise<LiveCapture> | null = null;

  constructor(private readonly opts: ServiceOptions) {
    this.events.setMaxListeners(100);
    prewarmSessionWorker();
    this.ownWorkDir = opts.workDir === undefined;
    this.workDir = opts.workDir ?? mkdtempSync(path.join(tmpdir(), 'hopscope-app-'));
    const configDir =
      opts.configDir === undefined
        ? (process.env.HOPSCOPE_CONFIG_DIR ?? path.join(homedir(), '.config', 'hopscope'))
        : opts.configDir;
    this.nodes = new NodeManager(
      (n) => this.emit('nodeStatus', n),
      (p) => this.emit('hostKeyPrompt', p),
      configDir ? path.join(configDir, 'nodes.json') : null,
      {
        prompt: (p) => this.emit('loginPrompt', p),
        closed: (promptId) => this.emit('loginPromptClosed', { promptId }),
      },
      (promptId) => this.emit('hostKeyPromptClosed', { promptId }),
    );
  }

  emit(event: ApiEventName, payload: unknown): void {
    this.events.emit(event, payload);
  }

  on(event: ApiEventName, cb: (payload: unknown) => void): Unsubscribe {
    this.events.on(event, cb);
    return () => void this.events.off(event, cb);
  }

  async call(method: ApiMethod, req: unknown, client: object = DEFAULT_CLIENT): Promise<Result<unknown>> {
    try {
      const h = this.handlers[method] as (r: unknown) => unknown;
      const value = (await h(req)) ?? null;
      if (SHOWS_SESSION.has(method)) this.replaceSessions(client, (value as { id: string }).id);
      return { ok: true, value };
    } catch (e) {
      return { ok: false, error: toErrorData(e) };
    }
  }

  /**
   * A node in the running (or starting) capture cannot be removed, changed or disconnected under it: one capturing,
   * or one the capture still waits for (joining late, its card "connecting…"), which would then fail in it.
   */
  private refuseWhileCapturing(name: string, what: string): void {
    const n = this.nodes.list().find((x) => x.name === name);
    if (n?.state === 'capturing' || (this.captureStarting && n))
      throw new HopscopeError('USAGE', `${name} is in the capture: stop the capture before it is ${what}`);
    if (n && this.liveCapture?.heldNodes().includes(name))
      throw new HopscopeError(
        'USAGE',
        `${name} is in the capture (it joins when it is up): stop the capture before it is ${what}`,
      );
  }

  /**
   * The client now shows session `id`: the sessions it opened before are closed (their workers end once their
   * requests in progress are answered), so memory and threads do not pile up with every file opened.
   */
  private replaceSessions(client: object, id: string): void {
    for (const old of this.byClient.get(client) ?? []) if (old !== id) this.closeSession(old);
    this.byClient.set(client, new Set([id]));
  }

  release(client: object): void {
    for (const id of this.byClient.get(client) ?? []) this.closeSession(id);
    this.byClient.delete(client);
  }

  private closeSession(id: string): void {
    const h = this.sessions.get(id);
    if (!h) return;
    this.sessions.delete(id);
    h.close();
  }

  async close(): Promise<void> {
    // Never leave tcpdump running on a node because the app went away: one starting is waited for, then stopped.
    const lc = await this.runningCapture();
    if (lc) await lc.stop().catch(() => undefined);
    this.liveCapture = null;
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
    this.byClient.clear();
    this.nodes.closeAll();
    if (this.ownWorkDir) removeScratch(this.workDir);
  }

  /** The capture running, or the one starting once it has started (null: none, or its start failed). */
  private async runningCapture(): Promise<LiveCapture | null> {
    return this.liveCapture ?? (this.starting ? await this.starting.catch(() => null) : null);
  }

  /** Whether a capture is running (its stop takes tcpdump's final counts: seconds, not milliseconds). */
  capturing(): boolean {
    return this.liveCapture !== null || this.starting !== null;
  }

  /**
   * The process quits now (a second Ctrl-C on `hopscope serve`): a running capture's session.json says so,
   * synchronously; the nodes end their tcpdumps themselves (the heartbeat watchdog). Returns its folder, or null.
   */
  abandonCapture(): string | null {
    if (!this.liveCapture) return null;
    this.liveCapture.session.abandon();
    return path.resolve(this.liveCapture.session.outDir);
  }

  /** A file the web server may hand out under /download/<name>. */
  download(name: string): string | null {
    return this.exportsByName.get(name) ?? null;
  }

  private session(id: string): SessionHandle {
    const s = this.sessions.get(id);
    if (!s) {
      if (this.liveCapture?.live.id === id)
        throw new HopscopeError('USAGE', 'the capture is still running: stop it first');
      throw new HopscopeError('USAGE', `no open session ${id}`);
    }
    return s;
  }

  /** A finished session or the one being captured: enough for packets, summaries and detail. */
  private packetSource(id: string): SessionHandle | LiveSession {
    if (this.liveCapture?.live.id === id) return this.liveCapture.live;
    return this.session(id);
  }

  sampleDir(): string {
    return path.join(this.opts.resourcesDir, 'sample-session');
  }

  /**
   * Opens files/folders in a session worker. Resolves with the session as soon as the panes can show its
   * packets (large sessions: after a quick scan, journeys follow with a sessionChanged), or when correlated.
   */
  async openPaths(
    paths: string[],
    title?: string,
    scratchDir?: string,
    range?: OpenRange,
  ): Promise<SessionHandle> {
    const id = randomUUID();
    const h = new SessionHandle(
      id,
      title,
      paths,
      {
        progress: (p) => this.emit('sessionProgress', p),
        changed: (info) => this.emit('sessionChanged', info),
        exportProgress: (p) => this.emit('exportProgress', p),
      },
      scratchDir,
      range,
    );
    try {
      await h.opened;
    } catch (e) {
      h.close();
      throw e;
    }
    this.sessions.set(id, h);
    // The next open should not wait for a thread to start either (after this one's reading, not during it).
    void h.ready().then(prewarmSessionWorker, () => undefined);
    return h;
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

    openSample: async () =>
      (await this.openPaths([this.sampleDir()], 'Sample: flannel VXLAN ping (lab)')).info(),
    openPaths: async (req) => (await this.openPaths(req.paths, req.title, undefined, req.range)).info(),
    openFiles: async (req) => {
      // Kept by name (it may carry the node__iface label) but never a path component; so is its folder's name.
      const files = placeDropped(
        req.files.map((f, i) => ({
          name: path.basename(f.name).replace(/^\.+/, '') || `file-${i}.pcap`,
          ...(f.folder ? { folder: path.basename(f.folder) } : {}),
          bytes: f.bytes,
        })),
      );
      const open = droppedInputs(files);
      const dir = mkdtempSync(path.join(this.workDir, DROPPED_PREFIX));
      // All of them, the ones not opened too: a node's interface lists are read beside the captures, a session's
      // captures beside its session.json.
      for (const f of files) {
        mkdirSync(path.join(dir, f.dir), { recursive: true });
        writeFileSync(path.join(dir, f.dir, f.name), f.bytes);
      }
      const paths = droppedArgs(open, dir);
      const more = open.captures.length;
      const title = open.sessions.length
        ? `dropped session${open.sessions.length > 1 ? 's' : ''}${more ? ` and ${more} more ${more === 1 ? 'file' : 'files'}` : ''}`
        : paths.length === 1
          ? open.captures[0].file.split('/').pop()!
          : `${paths.length} dropped files`;
      return (await this.openPaths(paths, title, dir, req.range)).info();
    },
    getSession: (req) => this.packetSource(req.sessionId).info(),
    // Idempotent: a session already replaced (and closed) by a later open, or unknown, is simply gone. The
    // session being captured is not closed here: stopCapture ends it.
    closeSession: (req) => {
      this.closeSession(req.sessionId);
      for (const ids of this.byClient.values()) ids.delete(req.sessionId);
      return null;
    },
    getPackets: (req) => this.packetSource(req.sessionId).batch(req.from, req.count),
    getSummaries: (req) => {
      const s = this.packetSource(req.sessionId);
      return req.indices.map((i) =>
        i < s.count ? summaryOf(s.frame(i), s.linkType(i), s.origLenOf(i), s.ifNamesOf(i)) : '',
      );
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
        summary: summaryOf(frame, s.linkType(i), s.origLenOf(i), s.ifNamesOf(i)),
        bytes: frame,
        layers: layersOf(frame, s.linkType(i), s.ifNamesOf(i)),
        problem:
          st === 1
            ? `truncated: ${s.caplenOf(i)} of ${s.origLenOf(i)} bytes captured (snaplen)`
            : st === 2
              ? 'malformed: header fields contradict each other'
              : null,
      };
    },
    listJourneys: async (req) => {
      // While capturing, journeys come from the live correlation worker's latest snapshot.
      if (this.liveCapture?.live.id === req.sessionId)
        return {
          ...(await this.liveCapture.live.findJourneys(req.filter, req.from, req.count)),
          from: req.from,
        };
      return this.session(req.sessionId).call('listJourneys', req);
    },
    getJourney: (req) => {
      if (this.liveCapture?.live.id === req.sessionId) return this.liveCapture.live.journey(req.journeyId);
      return this.session(req.sessionId).call('getJourney', req);
    },
    setClockOverride: async (req) => {
      const info = await this.session(req.sessionId).setClockOverride(req.node, req.offsetNs);
      this.emit('sessionChanged', info);
      return info;
    },
    exportSession: (req) => this.exportSession(req),

    listSshAliases: (req) => listAliases(req.configPath),
    listNodes: () => this.nodes.list(),
    addNode: (req) => this.nodes.add(req),
    removeNode: (req) => {
      this.refuseWhileCapturing(req.name, 'removed');
      this.nodes.remove(req.name);
      return null;
    },
    updateNode: (req) => {
      this.refuseWhileCapturing(req.name, 'changed');
      return this.nodes.edit(req.name, req.spec);
    },
    connectNode: (req) => this.nodes.connect(req.name),
    disconnectNode: (req) => {
      this.refuseWhileCapturing(req.name, 'disconnected');
      return this.nodes.disconnect(req.name);
    },
    answerHostKey: (req) => {
      this.nodes.answer(req.promptId, req.accept);
      return null;
    },
    listHostKeyPrompts: () => this.nodes.hostKeyPrompts(),
    answerLogin: (req) => {
      this.nodes.answerLogin(req.promptId, req.answers);
      return null;
    },
    listLoginPrompts: () => this.nodes.loginPrompts(),

    validateFilter: async (req) => Promise.all(req.nodes.map((n) => this.nodes.checkFilter(n, req.filter))),
    startCapture: async (req) => {
      if (this.liveCapture) throw new HopscopeError('USAGE', 'a capture is running already');
      if (this.captureStarting)
        throw new HopscopeError('USAGE', 'a capture is starting already: wait for it, or stop it');
      this.captureStarting = true;
      try {
        const outDir = path.join(this.workDir, `capture-${new Date().toISOString().replace(/[:.]/g, '-')}`);
        this.starting = LiveCapture.start(req, this.nodes, outDir, {
          stats: (s) => this.emit('captureStats', s),
          batch: (b) => this.emit('packetBatch', b),
          node: (name, state, error) => this.nodes.setState(name, state, error),
          session: (s) => this.emit('sessionChanged', s),
        });
        this.liveCapture = await this.starting;
        return this.liveCapture.live.info();
      } finally {
        this.captureStarting = false;
        this.starting = null;
      }
    },
    stopCapture: async () => {
      // A stop while the capture starts (nodes connecting, filters checked) waits for it, then stops it.
      const lc = await this.runningCapture();
      if (!lc) throw new HopscopeError('USAGE', 'no capture is running');
      const dir = await lc.stop();
      this.liveCapture = null;
      // The last counters say it stopped: a page showing it live opens the folder (the caller gets it below).
      this.emit('captureStats', lc.stats());
      for (const n of this.nodes.list())
        if (n.state === 'capturing') this.nodes.setState(n.name, 'connected');
      return (await this.openPaths([dir], lc.live.title)).info();
    },

    labStatus: () => this.labStatus(),
    labUp: async (req) => {
      await this.labOp(async () => {
        const { labUp } = await import('../lab/lab.ts');
        const { isScenarioName } = await import('../lab/scenarios.ts');
        if (!isScenarioName(req.scenario))
          throw new HopscopeError('USAGE', `unknown scenario ${req.scenario}`);
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
        if (!isScenarioName(req.scenario))
          throw new HopscopeError('USAGE', `unknown scenario ${req.scenario}`);
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
    if (process.platform !== 'linux')
      return {
        available: false,
        reason: 'needs Linux',
        scenario: null,
        scenarios,
        sshConfig: null,
        busy: false,
      };
    if (process.getuid?.() !== 0)
      return {
        available: false,
        reason: 'run Hopscope as root to start the local lab',
        scenario: null,
        scenarios,
        sshConfig: null,
        busy: false,
      };
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
    const file = req.path
      ? exportTarget(req.path, req.overwrite === true, s.inputPaths())
      : defaultExportPath(path.join(this.workDir, 'exports'), s.sessionTitle, req.format);
    // The worker writes the file and sends throttled exportProgress events meanwhile.
    const out = await s.call<ExportResult>('exportSession', { ...req, path: file });
    const name = `${s.id.slice(0, 8)}-${path.basename(file)}`;
    this.exportsByName.set(name, file);
    return this.opts.mode === 'web' ? { ...out, downloadUrl: `/download/${encodeURIComponent(name)}` } : out;
  }
}

/**
 * At exit, the app's own temporary work folder: the copies of dropped files served only the sessions (gone now);
 * the folder itself goes when nothing else is in it, so captures and exports made without a path stay.
 */
function removeScratch(dir: string): void {
  try {
    for (const e of readdirSync(dir))
      if (e.startsWith(DROPPED_PREFIX)) rmSync(path.join(dir, e), { recursive: true, force: true });
    try {
      rmdirSync(path.join(dir, 'exports')); // only when empty: the user moved or deleted what was exported
    } catch {
      // not there, or holding exports
    }
    rmdirSync(dir);
  } catch {
    // ENOTEMPTY (captures or exports) or already gone: leave it.
  }
}

/**
 * Where a user-given export path goes: absolute (or `~/…`), never resolved against the server's working folder
 * (a relative path landed wherever the app was started); its folder must exist (a typo is not made into a
 * folder tree); an existing regular file is replaced only when asked (USAGE with detail { exists: true }
 * otherwise; a device such as /dev/null is written to); one of `inputs` (the session's own files) never.
 */
export function exportTarget(given: string, overwrite: boolean, inputs: Iterable<string> = []): string {
  const p = given.startsWith('~/') ? path.join(homedir(), given.slice(2)) : given;
  if (!path.isAbsolute(p))
    throw new HopscopeError(
      'USAGE',
      `give the export's full path (${given} is relative), or none for the default`,
    );
  const file = path.resolve(p);
  const dir = path.dirname(file);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new HopscopeError('WRITE_FAILED', `cannot write ${file}: the folder ${dir} does not exist`);
  }
  if (!st.isDirectory())
    throw new HopscopeError('WRITE_FAILED', `cannot write ${file}: ${dir} is not a folder`);
  // Before the question whether to replace it: one of the session's own files is never replaced.
  refuseInputAsOutput(file, inputs);
  if (!overwrite && existsSync(file) && statSync(file).isFile())
    throw new HopscopeError('USAGE', `${file} exists: replace it, or choose another name`, { exists: true });
  return file;
}
