// The app's nodes: targets the user added (secrets in memory only), their SSH connections, host-key and login
// prompts answered by the UI, and the interfaces discovered on each.

import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

import SSHConfig from 'ssh-config';

import type {
  FilterCheck,
  HostKeyPrompt,
  IfaceInfo,
  LoginPrompt,
  NodeInfo,
  NodeSpec,
  SshAlias,
} from '../../preload/api.ts';
import type { OpenedNode } from '../capture/captureSession.ts';
import {
  filterCheckScript,
  parseProbe,
  PROBE_SCRIPT,
  shScript,
  type ProbeResult,
} from '../capture/tcpdumpCommand.ts';
import { acquirePrivilege, privileged, redact, type Privilege } from '../ssh/privilege.ts';
import { HopscopeError, toErrorData } from '../common/errors.ts';
import { discoverNode } from '../discover/discoverNode.ts';
import type { Iface, NodeInterfaces } from '../discover/model.ts';
import {
  connectSsh,
  promptText,
  reusableAnswer,
  type PasswordAsker,
  type PasswordQuestion,
  type SshConnection,
} from '../ssh/connection.ts';
import { JumpPool } from '../ssh/jumpPool.ts';
import type { HostKeyInfo } from '../ssh/hostKeys.ts';
import {
  defaultKnownHostsFiles,
  hostPort,
  parseHostSpec,
  resolveJumps,
  resolveTarget,
  type ResolvedTarget,
} from '../ssh/sshConfig.ts';

export interface NodeEntry {
  spec: NodeSpec;
  info: NodeInfo;
  conn: SshConnection | null;
  model: NodeInterfaces | null;
  target: ResolvedTarget | null;
  /** From the connect-time probe: where tcpdump is and how to run it privileged. */
  tcpdumpPath: string | null;
  privilege: Privilege | null;
  /** The rest of that probe, for a capture on this connection (OpenedNode). */
  probe: ProbeResult | null;
  /** The connect under way (a second Connect, or a capture, waits for it instead of opening another). */
  connecting: Promise<NodeInfo> | null;
}

const HOSTKEY_TIMEOUT_MS = 5 * 60_000;
/** A login question nobody answers is cancelled after this (the connect then fails as with Cancel). */
const LOGIN_TIMEOUT_MS = 5 * 60_000;

/** Where login questions go: to every page (each shows it; the first answer wins) and their end, to clear them. */
export interface LoginEvents {
  prompt: (p: LoginPrompt) => void;
  closed: (promptId: string) => void;
}

/** A connect's login answers: given by the user before it logged in, and every one it used. */
interface ConnectLogin {
  given: Map<string, string>;
  used: Set<string>;
  up: boolean;
}

interface OpenLogin {
  prompt: LoginPrompt;
  entry: NodeEntry;
  answer: (answers: string[] | null) => void;
}

export function defaultSshConfigPath(): string {
  return join(homedir(), '.ssh', 'config');
}

function readConfig(path: string | undefined): string | undefined {
  const p = path ?? defaultSshConfigPath();
  try {
    return readFileSync(p, 'utf8');
  } catch (e) {
    if (path) throw new HopscopeError('SSH_CONFIG_INVALID', `cannot read ${path}: ${(e as Error).message}`);
    return undefined;
  }
}

/** Host aliases (no wildcards) of an ssh_config, resolved for display. */
export function listAliases(configPath?: string): SshAlias[] {
  const text = readConfig(configPath);
  if (text === undefined) return [];
  let parsed: ReturnType<typeof SSHConfig.parse>;
  try {
    parsed = SSHConfig.parse(text);
  } catch (e) {
    throw new HopscopeError('SSH_CONFIG_INVALID', `cannot parse ssh config: ${(e as Error).message}`);
  }
  const names: string[] = [];
  for (const line of parsed) {
    if ('param' in line && typeof line.param === 'string' && line.param.toLowerCase() === 'host') {
      const v = (line as { value: string | string[] }).value;
      for (const n of (Array.isArray(v) ? v : String(v).split(/\s+/)).map(String))
        if (n && !/[*?!]/.test(n) && !names.includes(n)) names.push(n);
    }
  }
  return names.map((alias) => {
    const t = resolveTarget({ host: alias }, { configText: text });
    return {
      alias,
      host: t.hostName,
      user: t.user,
      port: t.port,
      proxyJump: t.proxyJump.length ? t.proxyJump.map((j) => j.alias).join(',') : null,
    };
  });
}

const KIND: Record<string, IfaceInfo['kind']> = {
  loopback: 'loopback',
  physical: 'physical',
  bridge: 'bridge',
  veth: 'veth',
  calico: 'cali',
  vxlan: 'vxlan',
  geneve: 'geneve',
  ipip: 'ipip',
  tun: 'tun',
  wireguard: 'wireguard',
  other: 'other',
};

export function toIfaceInfo(i: Iface): IfaceInfo {
  return {
    name: i.name,
    kind: KIND[i.kind] ?? 'other',
    mac: i.mac,
    addresses: i.addresses.map((a) => `${a.address}/${a.prefixLen}`),
    mtu: i.mtu ?? null,
    up: i.up,
    master: i.master,
    peer: i.peer ? (i.peer.name ?? (i.peer.ifindex !== null ? `if${i.peer.ifindex}` : null)) : null,
    vni: i.vxlan?.vni ?? i.geneve?.vni ?? null,
    vxlanPort: i.vxlan?.port ?? i.geneve?.port ?? null,
  };
}

/** As many jump host passwords as a NodeSpec may carry (validate.ts). */
const MAX_JUMP_PASSWORDS = 16;

/** What may be written to disk about a node: everything but its secrets. */
const SECRET_FIELDS = ['password', 'jumpPassword', 'jumpPasswords', 'passphrase', 'sudoPassword'] as const;

export function withoutSecrets(spec: NodeSpec): NodeSpec {
  const out = { ...spec };
  for (const k of SECRET_FIELDS) delete out[k];
  return out;
}

function newEntry(spec: NodeSpec): NodeEntry {
  if (!spec.alias && !spec.host) throw new HopscopeError('USAGE', 'give an ssh-config alias or a host');
  const target =
    spec.alias ??
    `${spec.user ? `${spec.user}@` : ''}${spec.port ? hostPort(spec.host!, spec.port) : spec.host}`;
  const info: NodeInfo = {
    name: spec.name,
    target,
    state: 'idle',
    error: null,
    interfaces: [],
    spec: withoutSecrets(spec),
  };
  return {
    spec,
    info,
    conn: null,
    model: null,
    target: null,
    tcpdumpPath: null,
    privilege: null,
    probe: null,
    connecting: null,
  };
}

export class NodeManager {
  readonly nodes = new Map<string, NodeEntry>();
  /** Host-key questions open now: what each asks, and its answer (also called by a timeout and closeAll). */
  private prompts = new Map<string, { prompt: HostKeyPrompt; answer: (accept: boolean) => void }>();
  private readonly logins = new Map<string, OpenLogin>();
  /**
   * Login passwords that logged in (`user@host:port`, method and prompt → answer), in memory only, given again
   * without asking on that host's next connection (one opened for more channels, a reconnect, another node behind
   * the same jump host), as the CLI does; asked again once refused. A keyboard-interactive answer to anything but
   * a password prompt (a one-time code) is never kept: reusableAnswer.
   */
  private readonly loginAnswers = new Map<string, string>();
  /** One connection to each jump host for every node behind it, as ControlMaster (ended with the last node's). */
  private readonly jumps = new JumpPool();

  /**
   * `storePath`: where the node list is saved (without secrets, which live in memory only); null: not saved.
   * `login`: where login questions are put (a host that takes a password the node's form did not give); without
   * it none is asked, and such a login fails saying no password was given.
   */
  constructor(
    private readonly emitStatus: (n: NodeInfo) => void,
    private readonly emitPrompt: (p: HostKeyPrompt) => void,
    private readonly storePath: string | null = null,
    private readonly login: LoginEvents | null = null,
    /** A host-key question was answered (here or in another page), refused by closeAll, or timed out. */
    private readonly emitPromptClosed: (promptId: string) => void = () => undefined,
  ) {
    if (storePath) {
      try {
        const saved = JSON.parse(readFileSync(storePath, 'utf8')) as { nodes?: NodeSpec[] };
        for (const spec of saved.nodes ?? [])
          if (spec && typeof spec.name === 'string' && !this.nodes.has(spec.name))
            this.add(withoutSecrets(spec), false);
      } catch {
        /* no saved nodes yet, or an unreadable file: start empty */
      }
    }
  }

  private save(): void {
    if (!this.storePath) return;
    try {
      mkdirSync(dirname(this.storePath), { recursive: true, mode: 0o700 });
      const tmp = `${this.storePath}.tmp`;
      writeFileSync(
        tmp,
        JSON.stringify({ nodes: [...this.nodes.values()].map((n) => withoutSecrets(n.spec)) }, null, 2) +
          '\n',
        { mode: 0o600 },
      );
      renameSync(tmp, this.storePath);
    } catch {
      /* saving is a convenience; the app works without it */
    }
  }

  list(): NodeInfo[] {
    return [...this.nodes.values()].map((n) => n.info);
  }

  add(spec: NodeSpec, persist = true): NodeInfo {
    if (this.nodes.has(spec.name))
      throw new HopscopeError('USAGE', `a node named ${spec.name} exists already`);
    const entry = newEntry(spec);
    this.nodes.set(spec.name, entry);
    if (persist) this.save();
    return entry.info;
  }

  /** Edits a node in place (same position in the list); the old connection is closed, as its settings changed. */
  edit(name: string, spec: NodeSpec): NodeInfo {
    const old = this.get(name);
    if (old.info.state === 'capturing')
      throw new HopscopeError('USAGE', `stop the capture before editing ${name}`);
    if (spec.name !== name && this.nodes.has(spec.name))
      throw new HopscopeError('USAGE', `a node named ${spec.name} exists already`);
    // Secrets are never shown back to the UI: an edit that leaves them out keeps the ones held in memory.
    const merged: NodeSpec = { ...spec };
    for (const k of SECRET_FIELDS)
      if (merged[k] === undefined && old.spec[k] !== undefined) Object.assign(merged, { [k]: old.spec[k] });
    // So are each jump host's: one typed anew replaces that host's (it comes first, so it is the one found), the
    // others' are kept.
    if (spec.jumpPasswords?.length && old.spec.jumpPasswords?.length) {
      const given = new Set(spec.jumpPasswords.map((p) => p.host));
      merged.jumpPasswords = [
        ...spec.jumpPasswords,
        ...old.spec.jumpPasswords.filter((p) => !given.has(p.host)),
      ].slice(0, MAX_JUMP_PASSWORDS);
    }
    const entry = newEntry(merged);
    this.detach(old);
    this.cancelLogins(old);
    const list = [...this.nodes.entries()].map(([k, v]): [string, NodeEntry] =>
      k === name ? [spec.name, entry] : [k, v],
    );
    this.nodes.clear();
    for (const [k, v] of list) this.nodes.set(k, v);
    this.save();
    // A renamed node's event names the card it replaces, so a UI swaps it in place instead of adding a second.
    this.emitStatus(spec.name !== name ? { ...entry.info, renamedFrom: name } : entry.info);
    return entry.info;
  }

  remove(name: string): void {
    const n = this.get(name);
    this.detach(n);
    this.cancelLogins(n);
    this.nodes.delete(name);
    this.save();
  }

  /**
   * Closes an entry's connection without the 'idle' event its close would send (the entry is being replaced or
   * removed, or its connect failed).
   */
  private detach(n: NodeEntry): void {
    const c = n.conn;
    n.conn = null;
    c?.close();
  }

  get(name: string): NodeEntry {
    const n = this.nodes.get(name);
    if (!n) throw new HopscopeError('USAGE', `no node named ${name}`);
    return n;
  }

  private update(n: NodeEntry, patch: Partial<NodeInfo>): void {
    n.info = { ...n.info, ...patch };
    // An entry removed or replaced by an edit (a connect still running for it) has no card any more.
    if (this.nodes.get(n.info.name) === n) this.emitStatus(n.info);
  }

  answer(promptId: string, accept: boolean): void {
    if (!this.prompts.has(promptId))
      throw new HopscopeError('USAGE', 'no such host-key prompt (answered already?)');
    this.endPrompt(promptId, accept);
  }

  /** The host-key questions open now, for a page that loads while they are asked (a reload, a second page). */
  hostKeyPrompts(): HostKeyPrompt[] {
    return [...this.prompts.values()].map((p) => p.prompt);
  }

  /** Ends an open host-key question with `accept`, and says so to every page. */
  private endPrompt(promptId: string, accept: boolean): void {
    const open = this.prompts.get(promptId);
    if (!open) return;
    this.prompts.delete(promptId);
    this.emitPromptClosed(promptId);
    open.answer(accept);
  }

  /** Answers a login question: one answer per prompt, or null (Cancel: the method is skipped). */
  answerLogin(promptId: string, answers: string[] | null): void {
    const open = this.logins.get(promptId);
    if (!open) throw new HopscopeError('USAGE', 'no such login prompt (answered already?)');
    const want = open.prompt.prompts.length;
    if (answers && answers.length !== want)
      throw new HopscopeError('USAGE', `the login prompt asks ${want} question(s), not ${answers.length}`);
    this.endLogin(promptId, answers);
  }

  /** The login questions open now, for a page that loads while they are asked. */
  loginPrompts(): LoginPrompt[] {
    return [...this.logins.values()].map((l) => l.prompt);
  }

  /** Ends an open login question with `answers` (null: none), and says so to every page. */
  private endLogin(promptId: string, answers: string[] | null): void {
    const open = this.logins.get(promptId);
    if (!open) return;
    this.logins.delete(promptId);
    this.login?.closed(promptId);
    const n = open.entry;
    if (n.info.state === 'login' && ![...this.logins.values()].some((l) => l.entry === n))
      this.update(n, { state: 'connecting' });
    open.answer(answers);
  }

  /** A node removed or edited while it is asked: its questions end unanswered (its connect fails, unseen). */
  private cancelLogins(n: NodeEntry): void {
    for (const [id, l] of [...this.logins]) if (l.entry === n) this.endLogin(id, null);
  }

  /**
   * connectSsh's askPassword for node n: each question shown to the user as ssh words it, but for the password the
   * host took before (loginAnswers, reusableAnswer): a round that asks only that is answered unasked, and one that
   * asks more (a one-time code) asks the rest. Answers given before the node is connected are kept only once it
   * logs in (`login.up`); every answer used is in `login.used`, to be redacted from the connect's error.
   */
  private loginAsker(n: NodeEntry, login: ConnectLogin): PasswordAsker {
    return async (q) => {
      const host = `${q.user}@${hostPort(q.hostName, q.port)}`;
      // Only a password is remembered; a prompt with no key is always asked.
      const keys = q.prompts.map((p) => (reusableAnswer(q, p) ? `${host}\n${q.method}\n${p.prompt}` : null));
      // A round with nothing to answer (an instruction alone): ssh shows it and goes on.
      if (q.prompts.length === 0) return [];
      const known = keys.map((k) => (q.refused === 0 && k !== null ? this.loginAnswers.get(k) : undefined));
      const asked = q.prompts.flatMap((p, i) => (known[i] === undefined ? [i] : []));
      let answers: string[] | null;
      if (asked.length === 0) answers = known as string[];
      else {
        const got = await this.askLogin(n, { ...q, prompts: asked.map((i) => q.prompts[i]) });
        answers = got && q.prompts.map((_, i) => known[i] ?? got[asked.indexOf(i)]);
        if (answers)
          keys.forEach(
            (k, i) => k !== null && (login.up ? this.loginAnswers : login.given).set(k, answers![i]),
          );
      }
      for (const a of answers ?? []) login.used.add(a);
      return answers;
    };
  }

  private askLogin(n: NodeEntry, q: PasswordQuestion): Promise<string[] | null> {
    const login = this.login;
    if (!login) return Promise.resolve(null);
    return new Promise((resolve) => {
      const promptId = randomUUID();
      const prompt: LoginPrompt = {
        promptId,
        node: n.info.name,
        user: q.user,
        host: hostPort(q.hostName, q.port),
        ...(q.jumpHost !== undefined ? { jumpHost: q.jumpHost } : {}),
        method: q.method,
        name: q.name,
        instructions: q.instructions,
        prompts: q.prompts.map((p) => ({ prompt: promptText(q, p), echo: p.echo })),
        refused: q.refused,
      };
      const timer = setTimeout(() => this.endLogin(promptId, null), LOGIN_TIMEOUT_MS);
      this.logins.set(promptId, {
        prompt,
        entry: n,
        answer: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
      });
      this.update(n, { state: 'login' });
      login.prompt(prompt);
    });
  }

  /**
   * Connects the node (probe, privilege, interfaces), unless it is connected or connecting already. An unknown host
   * key is put to the user (unless the ssh config says accept-new), and so is a password the form did not give,
   * whether the Connect button or a capture's Start (open) asked for the connection.
   */
  async connect(name: string): Promise<NodeInfo> {
    const n = this.get(name);
    if (n.conn && !n.conn.closed) return n.info;
    if (n.connecting) return n.connecting;
    const p = this.connectEntry(n);
    n.connecting = p;
    try {
      return await p;
    } finally {
      n.connecting = null;
    }
  }

  /**
   * The node's connection for a capture (CaptureSession's NodeSpec.open): the one open since its interfaces were
   * listed, else the connect under way, else a new one, which asks what Connect asks (an unknown host key, a
   * password): the user who pressed Start is there to answer, and a node still asked joins the capture late.
   * `fresh`: the one given last did not answer; it is closed and another opened.
   */
  async open(name: string, fresh = false): Promise<OpenedNode> {
    let n = this.get(name);
    if (fresh && n.conn) {
      this.detach(n);
      this.update(n, { state: 'idle' });
    }
    await this.connect(name);
    n = this.get(name);
    if (!n.conn || n.conn.closed || !n.privilege || !n.probe)
      throw new HopscopeError('SSH_UNREACHABLE', `${name}: the connection closed as it opened`);
    const p = n.probe;
    return {
      conn: n.conn,
      privilege: n.privilege,
      tcpdump: p.tcpdumpPath ? { path: p.tcpdumpPath, version: p.tcpdumpVersion, nano: p.nano } : null,
      ssh: p.ssh,
    };
  }

  private async connectEntry(n: NodeEntry): Promise<NodeInfo> {
    const name = n.info.name;
    this.update(n, { state: 'connecting', error: null });
    let conn: SshConnection | null = null;
    const login: ConnectLogin = { given: new Map(), used: new Set(), up: false };
    try {
      const s = n.spec;
      const configText = readConfig(s.configPath);
      const hostSpec = s.alias
        ? { host: s.alias }
        : {
            ...parseHostSpec(s.host!),
            ...(s.user ? { user: s.user } : {}),
            ...(s.port ? { port: s.port } : {}),
          };
      const target = resolveTarget(hostSpec, { configText });
      if (s.proxyJump && !target.proxyJump.length)
        target.proxyJump = resolveJumps(s.proxyJump, { configText });
      const knownHostsFiles = s.knownHostsPath
        ? [s.knownHostsPath]
        : target.knownHostsFiles.length
          ? target.knownHostsFiles
          : defaultKnownHostsFiles();
      const prompt = (info: HostKeyInfo) =>
        new Promise<boolean>((resolve) => {
          const promptId = randomUUID();
          const timer = setTimeout(() => this.endPrompt(promptId, false), HOSTKEY_TIMEOUT_MS);
          const asked: HostKeyPrompt = {
            promptId,
            node: name,
            host: hostPort(info.host, info.port),
            ...(info.jumpHost !== undefined ? { jumpHost: info.jumpHost } : {}),
            keyType: info.keyType,
            fingerprint: info.fingerprint,
          };
          this.prompts.set(promptId, {
            prompt: asked,
            answer: (a) => {
              clearTimeout(timer);
              this.update(n, { state: 'connecting' });
              resolve(a);
            },
          });
          this.update(n, { state: 'hostkey' });
          this.emitPrompt(asked);
        });
      conn = await connectSsh({
        target,
        credentials: {
          ...(s.identityFile ? { identityFiles: [s.identityFile] } : {}),
          ...(s.password ? { password: s.password } : {}),
          ...(s.jumpPassword ? { jumpPassword: s.jumpPassword } : {}),
          ...(s.jumpPasswords?.length ? { jumpPasswords: s.jumpPasswords } : {}),
          ...(s.passphrase ? { passphrase: s.passphrase } : {}),
          ...(s.auth && s.auth !== 'agent' ? { agent: '' } : {}),
          ...(this.login ? { askPassword: this.loginAsker(n, login) } : {}),
        },
        hostKeys: {
          knownHostsFiles,
          acceptNew: target.strictHostKeyChecking === 'accept-new' ? true : prompt,
        },
        jumps: this.jumps,
      });
      // They logged in: given again on the next connection to those hosts (a later one is kept as it comes).
      for (const [k, v] of login.given) this.loginAnswers.set(k, v);
      login.up = true;
      if (this.nodes.get(name) !== n)
        throw new HopscopeError('USAGE', `${name} was removed or edited while it connected`);
      const c = conn;
      n.conn = c;
      n.target = target;
      c.on('close', (lost?: HopscopeError) => {
        if (n.conn !== c) return;
        n.conn = null;
        this.update(n, lost ? { state: 'lost', error: toErrorData(lost) } : { state: 'idle' });
      });
      // The probe, sudo's check and discovery side by side (none needs another's answer), as a capture's nodes do;
      // their errors are said in this order all the same.
      const probing = c
        .exec(shScript(PROBE_SCRIPT), { timeoutMs: 20_000 })
        .then((r) => parseProbe(r.stdout.toString('utf8')));
      const privilege = acquirePrivilege(
        name,
        c,
        probing.then((p) => p.uid),
        { sudo: s.sudo ?? false, password: s.sudoPassword },
      );
      const discovery = discoverNode(name, c);
      privilege.catch(() => undefined);
      discovery.catch(() => undefined);
      const probe = await probing;
      n.tcpdumpPath = probe.tcpdumpPath;
      n.probe = probe;
      n.privilege = await privilege;
      n.model = await discovery;
      this.update(n, {
        state: 'connected',
        interfaces: n.model.interfaces.filter((i) => i.capturable).map(toIfaceInfo),
      });
      return n.info;
    } catch (e) {
      // A session that came up but failed its probe, privilege or discovery is closed: Connect tries afresh.
      if (conn && n.conn === conn) this.detach(n);
      else conn?.close();
      const err = toErrorData(e);
      for (const k of SECRET_FIELDS)
        for (const secret of [n.spec[k]].flat())
          err.message = redact(err.message, typeof secret === 'object' ? secret.password : secret);
      for (const a of login.used) err.message = redact(err.message, a);
      // Shown beside the add form as well as on the card: the message names the node it is about.
      if (![':', ' '].some((c) => err.message.startsWith(`${name}${c}`)))
        err.message = `${name}: ${err.message}`;
      this.update(n, { state: 'error', error: err });
      throw new HopscopeError(err.code, err.message, err.detail);
    }
  }

  /** Compiles the filter with the node's own tcpdump (`tcpdump -d`), as the capture will. */
  async checkFilter(name: string, filter: string): Promise<FilterCheck> {
    const n = this.get(name);
    if (!n.conn || n.conn.closed || !n.privilege) return { node: name, ok: false, message: 'not connected' };
    if (!n.tcpdumpPath) return { node: name, ok: false, message: 'tcpdump is not installed on this node' };
    const iface =
      n.model?.interfaces.find((i) => i.capturable && i.up && i.kind === 'physical')?.name ?? 'lo';
    const cmd = privileged(filterCheckScript(n.tcpdumpPath, iface, filter), n.privilege);
    const r = await n.conn.exec(cmd.command, { stdin: cmd.stdinPreamble, timeoutMs: 20_000 });
    if (r.code === 0) return { node: name, ok: true, message: '' };
    const text = redact(r.stderr.toString('utf8'), n.spec.sudoPassword).trim();
    return {
      node: name,
      ok: false,
      message: text.split('\n').filter(Boolean).slice(-2).join(' | ') || `exit ${r.code}`,
    };
  }

  setState(name: string, state: NodeInfo['state'], error: NodeInfo['error'] = null): void {
    const n = this.nodes.get(name);
    if (n) this.update(n, { state, error });
  }

  disconnect(name: string): NodeInfo {
    const n = this.get(name);
    const c = n.conn;
    n.conn = null;
    c?.close();
    this.update(n, { state: 'idle' });
    return n.info;
  }

  /**
   * Closes every node's connection, and refuses the host keys still being asked about: an open prompt held a
   * 5-minute timer, which kept a stopped web server (`hopscope serve`, Ctrl-C) running until it ran out.
   */
  closeAll(): void {
    for (const id of [...this.prompts.keys()]) this.endPrompt(id, false);
    for (const id of [...this.logins.keys()]) this.endLogin(id, null);
    this.loginAnswers.clear();
    for (const n of this.nodes.values()) n.conn?.close();
  }
}
