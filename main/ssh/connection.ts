// One SSH connection to a node (through its ProxyJump chain): host key verification, key/agent/password auth,
// keepalives, and exec helpers. Errors come out as HopscopeError codes; secrets never enter a message.

import { createHmac, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { Duplex } from 'node:stream';

import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthHandlerMiddleware, Client, ClientChannel, ConnectConfig } from 'ssh2';

import { HopscopeError } from '../common/errors.ts';

// ssh2 is CommonJS: take its exports from the default import.
const { Client: SshClient, utils } = ssh2;

import {
  lookupNames,
  preferredHostKeyAlgorithms,
  verifyHostKey,
  type HostKeyPolicy,
  type VerifiedHostKey,
} from './hostKeys.ts';
import type { JumpPool } from './jumpPool.ts';
import { defaultIdentityFiles, hostPort, parseHostSpec, type ResolvedTarget } from './sshConfig.ts';

export interface Credentials {
  /** Extra identity files (e.g. `--identity`), tried before the config's. */
  identityFiles?: string[];
  /** Passphrase for encrypted keys. */
  passphrase?: string;
  /**
   * The node's login password (password and keyboard-interactive auth); never offered to a jump host, as OpenSSH
   * asks each host for its own.
   */
  password?: string;
  /** The jump hosts' login password (each jump host without one in jumpPasswords); never offered to the node. */
  jumpPassword?: string;
  /**
   * Jump hosts' own passwords, one per host of a multi-hop chain (OpenSSH asks each host for its own): the first
   * whose `host` names the jump host (see jumpHostMatches) is its password; never offered to the node.
   */
  jumpPasswords?: JumpPassword[];
  /**
   * Asks the user for a host that takes a password (or keyboard-interactive) when none was given for it, after
   * the keys and agent, as `ssh` prompts on its terminal; null: no answer (the method is skipped).
   */
  askPassword?: PasswordAsker;
  /** ssh-agent socket; defaults to SSH_AUTH_SOCK. Set '' to disable. */
  agent?: string;
}

/** A jump host's own login password: `host` is `[user@]host[:port]`, host as named in ProxyJump or its HostName. */
export interface JumpPassword {
  host: string;
  password: string;
}

/**
 * Whether `spec` (`[user@]host[:port]`) names jump host t: its host is t's name as given (an alias) or its
 * HostName, ignoring case as host names do; a user or port, when given, must be t's.
 */
export function jumpHostMatches(spec: string, t: ResolvedTarget): boolean {
  let hs: ReturnType<typeof parseHostSpec>;
  try {
    hs = parseHostSpec(spec);
  } catch {
    return false;
  }
  const host = hs.host.toLowerCase();
  return (
    (host === t.alias.toLowerCase() || host === t.hostName.toLowerCase()) &&
    (hs.user === undefined || hs.user === t.user) &&
    (hs.port === undefined || hs.port === t.port)
  );
}

/** The password for host t: the node's, or the jump host's own (else the jump hosts' common one). */
function passwordFor(t: ResolvedTarget, cred: Credentials, jump: boolean): string | undefined {
  if (!jump) return cred.password;
  return cred.jumpPasswords?.find((p) => jumpHostMatches(p.host, t))?.password ?? cred.jumpPassword;
}

/** A login question put to the user for one host: its password, or a keyboard-interactive round's prompts. */
export interface PasswordQuestion {
  user: string;
  hostName: string;
  port: number;
  /** The host is a jump host on the way to the node (its name as given: an alias or its address). */
  jumpHost?: string;
  method: 'password' | 'keyboard-interactive';
  /** keyboard-interactive: the server's name and instruction for the round ('' when it sends none). */
  name: string;
  instructions: string;
  /** What to ask, in order (password: one hidden prompt, `user@host's password: ` as ssh words it). */
  prompts: { prompt: string; echo: boolean }[];
  /** Answers this host refused already on this connection (0: the first question). */
  refused: number;
}

/** The answers, one per prompt, or null when the user gave none. */
export type PasswordAsker = (q: PasswordQuestion) => Promise<string[] | null>;

/** How many times a host is asked for a password per method before giving up (OpenSSH's NumberOfPasswordPrompts). */
export const PASSWORD_PROMPTS = 3;

/**
 * A prompt's text as OpenSSH's `ssh` shows it: `user@host's password: ` for password auth, and the server's own
 * prompt after `(user@host) ` for keyboard-interactive (so that the user knows which host asks).
 */
export function promptText(q: PasswordQuestion, prompt: { prompt: string }): string {
  return q.method === 'password' ? prompt.prompt : `(${q.user}@${q.hostName}) ${prompt.prompt}`;
}

/** A keyboard-interactive prompt that asks for the login password (PAM's `Password: `, or `user@host's password: `). */
const PASSWORD_PROMPT = /^\s*(?:\S+'s\s+)?password:\s*$/i;

/**
 * Whether an answer to `prompt` may be remembered and given again, unasked, on the host's next connection (one
 * opened for more channels, a reconnect): the login password only, by password auth or a keyboard-interactive
 * password prompt. Anything else a keyboard-interactive round asks may be a one-time code (`Verification code: `),
 * which given again is refused; OpenSSH itself reuses no answer at all.
 */
export function reusableAnswer(q: Pick<PasswordQuestion, 'method'>, prompt: { prompt: string }): boolean {
  return q.method === 'password' || PASSWORD_PROMPT.test(prompt.prompt);
}

export interface ConnectOptions {
  target: ResolvedTarget;
  credentials?: Credentials;
  hostKeys: HostKeyPolicy;
  /** TCP connect + handshake + auth budget per hop. */
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Gives up a connect still under way (a capture stopped while a node was connecting). */
  signal?: AbortSignal;
  /**
   * Jump host connections shared with the other nodes behind the same jump hosts (as OpenSSH's ControlMaster):
   * one login to a bastion however many nodes are reached through it. Without it each connection opens its own.
   */
  jumps?: JumpPool;
}

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
]);

function where(t: ResolvedTarget): string {
  return `${t.user}@${hostPort(t.hostName, t.port)}`;
}

/** How a hop is named in messages: a jump host says so (the node's own address is named by the caller's hop). */
function hopName(t: ResolvedTarget, jump: boolean): string {
  return `${jump ? 'jump host ' : ''}${where(t)}`;
}

/**
 * A method of the plan: given up front, or answered by the user when the server takes it and it comes to it
 * (askPassword): `ask-password` asks before the attempt, `ask-keyboard` asks each round's prompts.
 */
type PlanMethod = AnyAuthMethod | { type: 'ask-password' } | { type: 'ask-keyboard' };

interface AuthPlan {
  methods: PlanMethod[];
  notes: string[];
  /** A login password was given for this host (offered by password and keyboard-interactive). */
  password: boolean;
}

/**
 * The auth methods to try, in OpenSSH's order: keys, agent, then password / keyboard-interactive with the
 * password given for this host (the node's, or the jump host's: its own, else the jump hosts' one); without one,
 * `ask` is asked, as `ssh` prompts (keyboard-interactive, then password, each up to PASSWORD_PROMPTS times).
 */
function planAuth(t: ResolvedTarget, cred: Credentials, jump: boolean, ask?: PasswordAsker): AuthPlan {
  const methods: PlanMethod[] = [];
  const notes: string[] = [];
  const { explicit, files } = identityFiles(t, cred);
  for (const file of files) {
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch {
      if (explicit.includes(file)) notes.push(`identity ${file} not readable`);
      continue;
    }
    const key = utils.parseKey(data, cred.passphrase);
    if (key instanceof Error) {
      notes.push(
        /encrypted|passphrase/i.test(key.message) && !cred.passphrase
          ? `identity ${file} is encrypted and no passphrase was given`
          : `identity ${file} unusable (${/passphrase|decrypt|bad/i.test(key.message) ? 'wrong passphrase?' : key.message})`,
      );
      continue;
    }
    methods.push({ type: 'publickey', username: t.user, key: data, passphrase: cred.passphrase });
  }
  const agent = agentFor(t, cred);
  if (agent) methods.push({ type: 'agent', username: t.user, agent });
  const password = passwordFor(t, cred, jump);
  if (password !== undefined) {
    methods.push({ type: 'password', username: t.user, password });
    methods.push(keyboardWithPassword(t, jump, password, ask));
  } else if (ask) {
    for (let i = 0; i < PASSWORD_PROMPTS; i++) methods.push({ type: 'ask-keyboard' });
    for (let i = 0; i < PASSWORD_PROMPTS; i++) methods.push({ type: 'ask-password' });
  }
  return { methods, notes, password: password !== undefined };
}

/**
 * keyboard-interactive with the password given for host t: it answers the round's password prompts; any other
 * prompt (a one-time code) is put to the user, as ssh would ask it, rather than sent the password (which the
 * server refuses: no code could then ever be given). Without `ask` every prompt gets the password, as before.
 */
function keyboardWithPassword(
  t: ResolvedTarget,
  jump: boolean,
  password: string,
  ask?: PasswordAsker,
): AnyAuthMethod {
  return {
    type: 'keyboard-interactive',
    username: t.user,
    prompt: (name, instructions, _lang, prompts, finish) => {
      const shown = prompts.map((p) => ({ prompt: p.prompt, echo: p.echo === true }));
      const method = 'keyboard-interactive';
      const others = shown.flatMap((p, i) => (reusableAnswer({ method }, p) ? [] : [i]));
      if (!ask || others.length === 0) return finish(prompts.map(() => password));
      const q = { ...question(t, jump, method), name, instructions, prompts: others.map((i) => shown[i]) };
      ask(q).then(
        (a) => finish(a ? shown.map((_, i) => (others.includes(i) ? a[others.indexOf(i)] : password)) : []),
        () => finish([]),
      );
    },
  };
}

/** The key files offered to host t: those given (credentials, then its config's), else ssh's defaults present. */
function identityFiles(t: ResolvedTarget, cred: Credentials): { explicit: string[]; files: string[] } {
  const explicit = [...(cred.identityFiles ?? []), ...t.identityFiles];
  const files = explicit.length > 0 ? explicit : defaultIdentityFiles().filter((f) => existsSync(f));
  return { explicit, files: [...new Set(files)] };
}

/** The ssh-agent socket offered to host t (none with IdentitiesOnly, as ssh). */
function agentFor(t: ResolvedTarget, cred: Credentials): string | undefined {
  const agent = cred.agent ?? process.env.SSH_AUTH_SOCK;
  return agent && !t.identitiesOnly ? agent : undefined;
}

/** Per run: a secret enters a JumpPool key only hashed with it (a key is never shown; a secret stays one). */
const KEY_SALT = randomBytes(32);
const askers = new WeakMap<PasswordAsker, number>();
let askersSeen = 0;

/**
 * How a JumpPool tells jump host logins apart: what OpenSSH's ControlPath does (%r@%h:%p, the hops before it as
 * %C's %j; the caller joins the chain) and what the login offers, which ControlPath does not: the key files, the
 * agent, the password (hashed) or who is asked for one, the passphrase (hashed). Nodes that log in to a bastion
 * alike share one connection; a node with other credentials gets its own, never riding on another's login.
 */
function loginKey(t: ResolvedTarget, cred: Credentials): string {
  const hash = (secret: string) =>
    createHmac('sha256', KEY_SALT).update(secret).digest('base64url').slice(0, 22);
  const password = passwordFor(t, cred, true);
  let asker = '';
  if (password === undefined && cred.askPassword) {
    if (!askers.has(cred.askPassword)) askers.set(cred.askPassword, ++askersSeen);
    asker = ` ask=${askers.get(cred.askPassword)}`;
  }
  return (
    `${where(t)} keys=${JSON.stringify(identityFiles(t, cred).files.map((f) => resolvePath(f)))}` +
    ` agent=${JSON.stringify(agentFor(t, cred) ?? '')}` +
    (password !== undefined ? ` password=${hash(password)}` : asker) +
    (cred.passphrase !== undefined ? ` passphrase=${hash(cred.passphrase)}` : '')
  );
}

/** A question about host t, before any of its prompts are known. */
function question(t: ResolvedTarget, jump: boolean, method: PasswordQuestion['method']): PasswordQuestion {
  return {
    user: t.user,
    hostName: t.hostName,
    port: t.port,
    ...(jump ? { jumpHost: t.alias } : {}),
    method,
    name: '',
    instructions: '',
    prompts: [],
    refused: 0,
  };
}

/** The SSH method an auth attempt uses (an agent's keys are publickey). */
const methodOf = (m: PlanMethod): string =>
  m.type === 'agent'
    ? 'publickey'
    : m.type === 'ask-password'
      ? 'password'
      : m.type === 'ask-keyboard'
        ? 'keyboard-interactive'
        : m.type;

/**
 * What was tried, what the server takes, and why a login failed: the methods are named (never a secret), so
 * that a wrong password reads as one, and a server that takes no password says so.
 */
class AuthLog {
  /** Methods sent, in order, each once (`publickey`, `agent`, `password`, `keyboard-interactive`). */
  readonly tried: string[] = [];
  /** The server's list of methods that can continue, from its last refusal (null: none received yet). */
  offered: string[] | null = null;

  /** Answers the user gave that the server refused (each password or keyboard-interactive attempt asked). */
  private refused = 0;
  /** An answer of the user's was sent and not yet judged (called again: the server refused it). */
  private pending = false;
  /** Methods a password (given, or the user's answer) was sent by: a failure after them is a refusal. */
  private readonly answered = new Set<string>();
  /** The method the user gave no answer to: nothing more is asked on this connection. */
  private declined: 'password' | 'keyboard-interactive' | null = null;

  /**
   * ssh2's authHandler: "none" first, as OpenSSH does, to learn which methods the server takes; then the plan's
   * methods the server takes (a password is not sent to a server that asks for none, a jump host included). The
   * user is asked only then: when the server takes a password and nothing before it worked.
   */
  handler(plan: AuthPlan, t: ResolvedTarget, jump: boolean, ask?: PasswordAsker): AuthHandlerMiddleware {
    let next = -1;
    const pick = async (): Promise<AnyAuthMethod | false> => {
      if (this.pending) this.refused++;
      this.pending = false;
      while (next < plan.methods.length) {
        const m = plan.methods[next++];
        if (this.offered && !this.offered.includes(methodOf(m))) continue;
        const fromUser = m.type === 'ask-password' || m.type === 'ask-keyboard';
        if (fromUser && (this.declined || !ask)) continue;
        // A password the user did not give was not tried (the failure says none was given).
        const type = fromUser ? methodOf(m) : m.type;
        if (m.type !== 'ask-password' && !this.tried.includes(type)) this.tried.push(type);
        if (m.type === 'password' || m.type === 'keyboard-interactive') this.answered.add(m.type);
        if (m.type === 'ask-keyboard') return this.askKeyboard(t, jump, ask!);
        if (m.type === 'keyboard-interactive') return this.watchKeyboard(m);
        if (m.type !== 'ask-password') return m;
        const prompt = { prompt: `${t.user}@${t.hostName}'s password: `, echo: false };
        const a = await ask!({ ...question(t, jump, 'password'), prompts: [prompt], refused: this.refused });
        if (a && a.length) {
          this.pending = true;
          this.answered.add(type);
          if (!this.tried.includes(type)) this.tried.push(type);
          return { type: 'password', username: t.user, password: a[0] };
        }
        this.declined = 'password';
      }
      return false;
    };
    return (left: string[] | null, _partial, done) => {
      // ssh2 takes `false` for "no more methods" (its types say otherwise).
      const give = done as (m: AnyAuthMethod | false) => void;
      if (left && left.length) this.offered = left;
      if (next < 0) {
        next = 0;
        return give({ type: 'none', username: t.user });
      }
      pick().then(give, () => give(false));
    };
  }

  /**
   * keyboard-interactive with the given password, whose other prompts (a one-time code) the user is asked: a round
   * the user left unanswered is said as such, not as a refused password (nothing of theirs was judged).
   */
  private watchKeyboard(m: Extract<AnyAuthMethod, { type: 'keyboard-interactive' }>): AnyAuthMethod {
    return {
      ...m,
      prompt: (name, instructions, lang, prompts, finish) =>
        m.prompt(name, instructions, lang, prompts, (answers) => {
          if (prompts.length > 0 && answers.length === 0) {
            this.declined = 'keyboard-interactive';
            this.answered.delete('keyboard-interactive');
          }
          finish(answers);
        }),
    };
  }

  /** keyboard-interactive answered by the user: each round's prompts as the server sends them. */
  private askKeyboard(t: ResolvedTarget, jump: boolean, ask: PasswordAsker): AnyAuthMethod {
    return {
      type: 'keyboard-interactive',
      username: t.user,
      prompt: (name, instructions, _lang, prompts, finish) => {
        const shown = prompts.map((p) => ({ prompt: p.prompt, echo: p.echo === true }));
        const q = { ...question(t, jump, 'keyboard-interactive'), name, instructions, prompts: shown };
        // An unanswered round is answered with nothing: the server refuses it, and nothing more is asked.
        const unanswered = () => {
          this.declined = 'keyboard-interactive';
          finish([]);
        };
        ask({ ...q, refused: this.refused }).then((a) => {
          if (!a) return unanswered();
          this.pending = true;
          this.answered.add('keyboard-interactive');
          finish(a);
        }, unanswered);
      },
    };
  }

  describe(plan: AuthPlan): string {
    const parts = [`tried ${this.tried.length ? this.tried.join(', ') : 'nothing'}`];
    if (this.offered) parts.push(`the server takes ${this.offered.join(', ')}`);
    const wantsPassword = this.offered?.some((m) => m === 'password' || m === 'keyboard-interactive');
    // Refused only when something was sent: a question the user left unanswered is said as such.
    if (this.answered.size > 0) parts.push('the password was refused');
    if (this.declined === 'keyboard-interactive') parts.push('keyboard-interactive: no answer given');
    else if (this.answered.size === 0) {
      if (wantsPassword && !plan.password) parts.push('no password was given');
      else if (plan.password && this.offered && !wantsPassword) parts.push('it takes no password');
    }
    return parts.join('; ');
  }
}

function mapError(
  err: Error & { level?: string; code?: string },
  t: ResolvedTarget,
  notes: string[],
  name: string,
  auth?: () => string,
): HopscopeError {
  if (err instanceof HopscopeError) return err;
  if (err.level === 'client-authentication') {
    const extra = notes.length ? `; ${notes.join('; ')}` : '';
    return new HopscopeError(
      'SSH_AUTH_FAILED',
      `${name}: authentication failed${auth ? ` (${auth()})` : ''}${extra}`,
      {
        host: t.hostName,
        user: t.user,
      },
    );
  }
  if (
    (err.code && UNREACHABLE.has(err.code)) ||
    err.level === 'client-timeout' ||
    err.level === 'client-socket'
  )
    return new HopscopeError('SSH_UNREACHABLE', `${name}: ${err.code ?? err.message}`, {
      host: t.hostName,
      port: t.port,
    });
  return new HopscopeError('SSH_UNREACHABLE', `${name}: ${err.message}`, {
    host: t.hostName,
    port: t.port,
  });
}

/** A timeout that does not run while something it holds for is pending (`hold`), and restarts after. */
class HeldTimer {
  private timer: NodeJS.Timeout | undefined;
  private held = 0;
  private stopped = false;

  constructor(
    private readonly ms: number,
    private readonly onTimeout: () => void,
  ) {}

  start(): void {
    clearTimeout(this.timer);
    if (!this.stopped && this.held === 0 && this.ms > 0) this.timer = setTimeout(this.onTimeout, this.ms);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  async hold<T>(p: Promise<T>): Promise<T> {
    this.held++;
    clearTimeout(this.timer);
    try {
      return await p;
    } finally {
      this.held--;
      this.start();
    }
  }
}

/** Opens one authenticated ssh2 client, optionally over `sock` (a ProxyJump channel); `jump`: t is a jump host. */
function connectOne(
  t: ResolvedTarget,
  opts: ConnectOptions,
  sock?: Duplex,
  jump = false,
): Promise<{ client: Client; hostKey: VerifiedHostKey }> {
  return new Promise((resolve, reject) => {
    const client = new SshClient();
    const name = hopName(t, jump);
    const names = lookupNames(t.hostName, t.port, t.hostKeyAlias);
    let hostKey: VerifiedHostKey | undefined;
    let verifyError: HopscopeError | undefined;
    let settled = false;
    const fail = (e: HopscopeError) => {
      if (settled) return;
      settled = true;
      ready.stop();
      client.end();
      reject(e);
    };
    // Our own ready timeout in place of ssh2's, held while the user is asked (a password, a host key): the
    // budget is for the network and the server, not for someone typing.
    const ready = new HeldTimer(opts.readyTimeoutMs ?? t.connectTimeoutMs ?? 15_000, () => {
      client.destroy();
      fail(new HopscopeError('SSH_UNREACHABLE', `${name}: Timed out while waiting for handshake`));
    });
    const asker = opts.credentials?.askPassword;
    const ask: PasswordAsker | undefined = asker && ((q) => ready.hold(asker(q)));
    const plan = planAuth(t, opts.credentials ?? {}, jump, ask);
    const auth = new AuthLog();
    const accept = opts.hostKeys.acceptNew;
    // A jump host's key is asked about as the jump host's (`jump host bastion 10.1.10.2:22 for node-1`).
    const hostKeys: HostKeyPolicy = {
      ...opts.hostKeys,
      strict: t.strictHostKeyChecking === 'yes',
      acceptNew:
        typeof accept === 'function'
          ? (info) => ready.hold(accept(jump ? { ...info, jumpHost: t.alias } : info))
          : accept,
    };
    const cfg: ConnectConfig = {
      host: t.hostName,
      port: t.port,
      username: t.user,
      sock: sock as ConnectConfig['sock'],
      readyTimeout: 0,
      keepaliveInterval: opts.keepaliveIntervalMs ?? t.keepaliveIntervalMs ?? 5_000,
      keepaliveCountMax: opts.keepaliveCountMax ?? t.keepaliveCountMax ?? 3,
      authHandler: auth.handler(plan, t, jump, ask),
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        verifyHostKey(hostKeys, t.hostName, t.port, names, key).then(
          (v) => {
            hostKey = v;
            verify(true);
          },
          (e: unknown) => {
            verifyError = e instanceof HopscopeError ? e : new HopscopeError('INTERNAL', String(e));
            verify(false);
          },
        );
      },
    };
    const algos = preferredHostKeyAlgorithms(opts.hostKeys, names);
    if (algos)
      cfg.algorithms = { serverHostKey: algos as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      ready.stop();
      resolve({ client, hostKey: hostKey! });
    });
    client.on('error', (err) =>
      fail(verifyError ?? mapError(err, t, plan.notes, name, () => auth.describe(plan))),
    );
    client.once('close', () =>
      fail(verifyError ?? new HopscopeError('SSH_UNREACHABLE', `${name}: connection closed during setup`)),
    );
    const signal = opts.signal;
    if (signal) {
      const onAbort = () => {
        // First: end() (in fail) waits for a TCP connect that may never answer, and leaves destroy() nothing.
        client.destroy();
        fail(new HopscopeError('SSH_UNREACHABLE', `${name}: connect abandoned`));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      client.once('close', () => signal.removeEventListener('abort', onAbort));
      client.once('ready', () => signal.removeEventListener('abort', onAbort));
    }
    try {
      ready.start();
      client.connect(cfg);
    } catch (e) {
      fail(mapError(e as Error, t, plan.notes, name));
    }
  });
}

/** Why a channel open failed (RFC 4254 §5.1), for a server that sends no description of its own. */
const OPEN_FAILURE = [
  '',
  'administratively prohibited',
  'connect failed',
  'unknown channel type',
  'resource shortage',
];
const OPEN_ADMINISTRATIVELY_PROHIBITED = 1;

/** A channel from the jump host `via` to host:port; a refusal names the jump host and what it would not do. */
function forward(client: Client, via: ResolvedTarget, host: string, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => {
      if (!err) return resolve(ch);
      const reason = (err as Error & { reason?: number }).reason;
      const said = err.message.replace(/^\(SSH\) Channel open failure:\s*/, '').trim();
      const why = said || (typeof reason === 'number' && OPEN_FAILURE[reason]) || err.message;
      reject(
        new HopscopeError(
          'SSH_UNREACHABLE',
          reason === OPEN_ADMINISTRATIVELY_PROHIBITED
            ? `jump host ${where(via)} refused to forward to ${hostPort(host, port)} (${why}: its sshd's ` +
                'AllowTcpForwarding or PermitOpen forbids it)'
            : `jump host ${where(via)} could not connect to ${hostPort(host, port)} (${why})`,
          { host, port },
        ),
      );
    }),
  );
}

/**
 * Channels one SSH connection is asked for before another is opened beside it: OpenSSH's sshd allows
 * MaxSessions (10 by default) sessions per connection, and a node with many pods has more interfaces to capture.
 */
const CHANNELS_PER_CLIENT = 10;
/** Connections to one node at most (the first and the ones opened for more channels). */
const MAX_CLIENTS = 16;

/**
 * A node's client and the jump hosts it was reached through: end() ends it and lets go of those (ended, or given
 * back to the JumpPool that shares them).
 */
interface Chain {
  client: Client;
  end(): void;
  /** The first of its jump hosts found closed, and why (none: the jump hosts are up, or there are none). */
  lostJump(): { host: string; why?: string } | undefined;
}

/** Whether a jump host's client closed, and its last error: watched once per client, however many share it. */
const jumpStates = new WeakMap<Client, { closed: boolean; error?: Error }>();

function watchJump(client: Client): { closed: boolean; error?: Error } {
  let st = jumpStates.get(client);
  if (!st) {
    const state: { closed: boolean; error?: Error } = { closed: false };
    client.on('error', (e) => (state.error = e));
    client.once('close', () => (state.closed = true));
    jumpStates.set(client, state);
    st = state;
  }
  return st;
}

/** A connection's channels: how many are open and how many it takes (lowered when the server refuses one). */
interface Lane {
  client: Client;
  /** The connection's client with its jump hosts (ended together). */
  chain: Chain;
  open: number;
  cap: number;
}

/**
 * An open connection to a node. Emits 'close' (with a HopscopeError if it was lost rather than closed by us).
 * Channels beyond what one connection takes go to further connections to the same node (`more`), opened as
 * needed and checked against the same host key.
 */
export class SshConnection extends EventEmitter {
  readonly target: ResolvedTarget;
  readonly hostKey: VerifiedHostKey;
  private readonly lanes: Lane[];
  private opening: Promise<Lane | null> | null = null;
  private closing = false;
  closed = false;

  constructor(
    target: ResolvedTarget,
    hostKey: VerifiedHostKey,
    chain: Chain,
    private readonly more?: () => Promise<Chain>,
  ) {
    super();
    this.target = target;
    this.hostKey = hostKey;
    const last = chain.client;
    this.lanes = [{ client: last, chain, open: 0, cap: CHANNELS_PER_CLIENT }];
    let lastError: Error | undefined;
    last.on('error', (e) => (lastError = e));
    last.on('close', () => {
      this.closed = true;
      // Asked before the chain is let go of: a jump host lost is closed by now (ssh2 closes a connection before
      // the channels on it, this node's among them); one we end below is not lost.
      const jump = chain.lostJump();
      for (const lane of this.lanes) lane.chain.end();
      // A lost jump host is the cause, named as such: every node behind it goes down together.
      const lost = this.closing
        ? undefined
        : jump
          ? new HopscopeError(
              'SSH_UNREACHABLE',
              `${where(target)}: connection lost: its jump host ${jump.host} was lost${jump.why ? ` (${jump.why})` : ''}`,
              { jumpHost: jump.host },
            )
          : new HopscopeError(
              'SSH_UNREACHABLE',
              `${where(target)}: connection lost${lastError ? ` (${lastError.message})` : ''}`,
            );
      this.emit('close', lost);
    });
  }

  /** SSH connections open to the node (1 until more channels were asked for than one takes). */
  get connections(): number {
    return this.lanes.length;
  }

  /**
   * Opens an exec channel running `command` through the remote user's shell. `attach` runs synchronously
   * when the channel opens: ssh2 may deliver a fast command's output, exit status and close in the same
   * read as the open confirmation, before an awaiting caller could add its listeners. A channel the server
   * refuses on a connection that already has some open (sshd's MaxSessions) is tried on another connection.
   * `existingOnly`: only on a connection already open with room (a channel worth having but not worth another
   * login, such as followNew's link monitor); CAPTURE_FAILED when none has room.
   */
  async channel(
    command: string,
    attach?: (ch: ClientChannel) => void,
    opts: { existingOnly?: boolean } = {},
  ): Promise<ClientChannel> {
    for (;;) {
      if (this.closed) throw new HopscopeError('SSH_UNREACHABLE', `${where(this.target)}: not connected`);
      const lane = await this.laneWithRoom(opts.existingOnly === true);
      lane.open++;
      try {
        return await this.openOn(lane, command, attach);
      } catch (e) {
        lane.open--;
        // Refused with none open: not a question of how many (or nowhere else to go).
        if (!(e instanceof ChannelRefused)) throw e;
        if (lane.open === 0 || this.closed) throw e.error;
        lane.cap = Math.min(lane.cap, lane.open);
      }
    }
  }

  /** The connection with the fewest channels open among those with room, opening another when none has. */
  private async laneWithRoom(existingOnly = false): Promise<Lane> {
    for (;;) {
      let best: Lane | null = null;
      for (const l of this.lanes) if (l.open < l.cap && (!best || l.open < best.open)) best = l;
      if (best) return best;
      if (!this.more || this.lanes.length >= MAX_CLIENTS || existingOnly)
        throw new HopscopeError(
          'CAPTURE_FAILED',
          `${where(this.target)}: the server takes no more channels on ${this.lanes.length} SSH connection(s) ` +
            `(sshd's MaxSessions, ${this.lanes[0].cap} here)`,
        );
      this.opening ??= this.addLane().finally(() => (this.opening = null));
      await this.opening;
    }
  }

  private async addLane(): Promise<Lane | null> {
    let chain: Chain;
    try {
      chain = await this.more!();
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new HopscopeError(
        'SSH_UNREACHABLE',
        `${where(this.target)}: the server takes no more channels on ${this.lanes.length} SSH connection(s) ` +
          `(sshd's MaxSessions), and another connection failed: ${why}`,
      );
    }
    if (this.closed) {
      chain.end();
      throw new HopscopeError('SSH_UNREACHABLE', `${where(this.target)}: not connected`);
    }
    const client = chain.client;
    // Its channels close with it; the lane goes, and a later channel opens another.
    client.on('error', () => undefined);
    const lane: Lane = { client, chain, open: 0, cap: this.lanes[0].cap };
    client.on('close', () => {
      const i = this.lanes.indexOf(lane);
      if (i > 0) this.lanes.splice(i, 1);
      chain.end();
    });
    this.lanes.push(lane);
    return lane;
  }

  private openOn(lane: Lane, command: string, attach?: (ch: ClientChannel) => void): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      lane.client.exec(command, (err, ch) => {
        if (err)
          return reject(
            new ChannelRefused(
              new HopscopeError(
                'SSH_UNREACHABLE',
                `${where(this.target)}: cannot open channel: ${err.message}`,
              ),
            ),
          );
        ch.once('close', () => lane.open--);
        attach?.(ch);
        resolve(ch);
      });
    });
  }

  /** Runs a command to completion; `stdin` is written then closed (used for sudo -S). */
  async exec(command: string, opts: { stdin?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let code: number | null = null;
    let signal: string | null = null;
    let onClose: () => void = () => undefined;
    const closed = new Promise<void>((r) => (onClose = r));
    const ch = await this.channel(command, (c) => {
      c.on('data', (d: Buffer) => out.push(d));
      c.stderr.on('data', (d: Buffer) => err.push(d));
      c.on('exit', (x: number | null, s?: string) => {
        code = x;
        signal = s ?? null;
      });
      c.on('close', () => onClose());
    });
    if (opts.stdin !== undefined) ch.write(opts.stdin);
    ch.end();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ch.close();
        reject(new HopscopeError('SSH_UNREACHABLE', `${where(this.target)}: command timed out`));
      }, opts.timeoutMs ?? 30_000);
    });
    try {
      await Promise.race([closed, timedOut]);
    } finally {
      clearTimeout(timer);
    }
    return { code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
  }

  close(): void {
    this.closing = true;
    for (const lane of [...this.lanes].reverse()) lane.chain.end();
  }
}

/** A channel open the server refused (its error is what the caller sees when no other connection helps). */
class ChannelRefused extends Error {
  constructor(readonly error: HopscopeError) {
    super(error.message);
  }
}

/**
 * Connects to a node through its jump hosts; every hop's host key is verified the same way. Connections opened
 * later for more channels accept no new host key: the first connection's keys are known by then.
 */
export async function connectSsh(opts: ConnectOptions): Promise<SshConnection> {
  const { chain, hostKey } = await connectChain(opts);
  const again = { ...opts, hostKeys: { ...opts.hostKeys, acceptNew: false } };
  return new SshConnection(opts.target, hostKey, chain, async () => (await connectChain(again)).chain);
}

/** How a JumpPool knows a jump host connection: each hop that reaches it, logged in to as loginKey says. */
const chainKey = (hops: ResolvedTarget[], cred: Credentials): string =>
  hops.map((h) => loginKey(h, cred)).join(' -> ');

async function connectChain(opts: ConnectOptions): Promise<{ chain: Chain; hostKey: VerifiedHostKey }> {
  const target = opts.target;
  const jumps = target.proxyJump;
  /** What the chain holds, the node's client last: ended (or given back to the pool) node first. */
  const held: (() => void)[] = [];
  const end = () => {
    for (const f of held.splice(0).reverse()) f();
  };
  /** The jump hosts' clients, outermost first. */
  const vias: { client: Client; hop: ResolvedTarget; state: { closed: boolean; error?: Error } }[] = [];
  const lostJump = () => {
    const v = vias.find((x) => x.state.closed);
    return v && { host: where(v.hop), ...(v.state.error ? { why: v.state.error.message } : {}) };
  };
  try {
    let via: { client: Client; hop: ResolvedTarget } | undefined;
    for (let i = 0; i < jumps.length; i++) {
      const hop = jumps[i];
      const from = via;
      // Jump hosts authenticate with their own config and the same keys and agent, but their own password: the
      // node's is never sent to a jump host, nor theirs to the node (OpenSSH asks each host for its own).
      const open = async () => {
        const sock = from ? await forward(from.client, from.hop, hop.hostName, hop.port) : undefined;
        return (await connectOne(hop, opts, sock, true)).client;
      };
      if (opts.jumps) {
        const lease = await opts.jumps.acquire(chainKey(jumps.slice(0, i + 1), opts.credentials ?? {}), open);
        held.push(() => lease.release());
        via = { client: lease.client, hop };
      } else {
        const client = await open();
        held.push(() => client.end());
        via = { client, hop };
      }
      vias.push({ ...via, state: watchJump(via.client) });
    }
    const sock = via ? await forward(via.client, via.hop, target.hostName, target.port) : undefined;
    const r = await connectOne(target, opts, sock, false);
    held.push(() => r.client.end());
    return { chain: { client: r.client, end, lostJump }, hostKey: r.hostKey };
  } catch (e) {
    end();
    throw e;
  }
}
