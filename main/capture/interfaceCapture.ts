// One interface's capture: a wrapped remote tcpdump whose stdout is appended to the interface's file as each
// chunk arrives (before anything else looks at it), with live counters and tcpdump's final counts.

import { EventEmitter } from 'node:events';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

import type { ClientChannel } from 'ssh2';

import { HopscopeError, type ErrorData } from '../common/errors.ts';
import { PcapStreamReader, type ReadProblem } from '../pcap/index.ts';
import type { SshConnection } from '../ssh/connection.ts';
import { privileged, redact, type Privilege } from '../ssh/privilege.ts';

import { tcpdumpArgs, wrapWithWatchdog, type TcpdumpSpec } from './tcpdumpCommand.ts';
import { classifyTcpdumpError, parseCounts, parseListening, type TcpdumpCounts } from './tcpdumpStderr.ts';

export type IfaceCaptureState = 'starting' | 'capturing' | 'stopping' | 'stopped' | 'failed' | 'lost';

export interface IfaceCaptureStatus {
  node: string;
  iface: string;
  /** Live statuses: the absolute path of the growing file. In session.json: the name inside the folder. */
  file: string;
  state: IfaceCaptureState;
  error: ErrorData | null;
  startedAt: string | null;
  stoppedAt: string | null;
  /** tcpdump's link-type name from its "listening on" line (EN10MB, RAW, LINUX_SLL2…). */
  linkTypeName: string | null;
  /** pcap LINKTYPE_ number from the stream's header. */
  linkType: number | null;
  tsPrecision: 'nano' | 'micro' | null;
  packets: number;
  bytes: number;
  tcpdump: TcpdumpCounts | null;
  exitCode: number | null;
  exitSignal: string | null;
  filter: string;
  /** The byte stream stopped parsing as pcap (garbage from the node) or ended inside a record. */
  streamProblem: ReadProblem | null;
}

const STDERR_KEEP = 64 * 1024;
const STOP_GRACE_MS = 5000;
const LISTEN_TIMEOUT_MS = 15_000;

export class InterfaceCapture extends EventEmitter {
  readonly status: IfaceCaptureStatus;
  private readonly conn: SshConnection;
  private readonly spec: TcpdumpSpec;
  private readonly privilege: Privilege;
  private ch: ClientChannel | null = null;
  private fd: number | null = null;
  // The decode engineer's streaming reader counts records (zero-copy); it never throws, problems are data.
  private reader = new PcapStreamReader(() => undefined, {
    onInterface: (i) => {
      this.status.linkType = i.linkType;
      this.status.tsPrecision = i.tsUnitsPerSec === 1e9 ? 'nano' : 'micro';
    },
  });
  private stderr = '';
  private done: Promise<void>;
  private resolveDone!: () => void;
  private stopRequested = false;

  constructor(node: string, iface: string, file: string, conn: SshConnection, spec: TcpdumpSpec, privilege: Privilege) {
    super();
    this.conn = conn;
    this.spec = spec;
    this.privilege = privilege;
    this.status = {
      node,
      iface,
      file,
      state: 'starting',
      error: null,
      startedAt: null,
      stoppedAt: null,
      linkTypeName: null,
      linkType: null,
      tsPrecision: null,
      packets: 0,
      bytes: 0,
      tcpdump: null,
      exitCode: null,
      exitSignal: null,
      filter: spec.filter,
      streamProblem: null,
    };
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /** Resolves once tcpdump is listening (or has failed: see status). Never throws. */
  async start(): Promise<void> {
    try {
      this.fd = openSync(this.status.file, 'w', 0o644);
      const cmd = privileged(wrapWithWatchdog(tcpdumpArgs(this.spec)), this.privilege);
      const ch = await this.conn.channel(cmd.command, (c) => {
        c.on('data', (d: Buffer) => this.onData(d));
        c.stderr.on('data', (d: Buffer) => this.onStderr(d));
        c.on('exit', (code: number | null, signal?: string) => {
          this.status.exitCode = code;
          this.status.exitSignal = signal ?? null;
        });
        c.on('close', () => this.onClose());
      });
      this.ch = ch;
      this.status.startedAt = new Date().toISOString();
      if (cmd.stdinPreamble) ch.write(cmd.stdinPreamble);
      if (this.stopRequested) ch.end();
      // Started means tcpdump said "listening on": packets from here on are in the file.
      let t: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((r) => {
          const check = () => {
            if (this.status.state !== 'starting') {
              this.off('state', check);
              r();
            }
          };
          this.on('state', check);
        }),
        this.done,
        new Promise<void>((r) => (t = setTimeout(r, LISTEN_TIMEOUT_MS))),
      ]);
      clearTimeout(t);
    } catch (e) {
      this.finish('failed', e);
    }
  }

  private onData(d: Buffer): void {
    // Disk first: a synchronous append means a byte we received survives even a kill -9 right after.
    if (this.fd !== null) writeSync(this.fd, d);
    const problem = this.reader.push(d);
    this.status.packets = this.reader.records;
    this.status.bytes = this.reader.bytes;
    if (problem && !this.status.streamProblem) this.status.streamProblem = problem;
  }

  private onStderr(d: Buffer): void {
    if (this.stderr.length < STDERR_KEEP) this.stderr += d.toString('utf8');
    // Nothing from sudo or the node may echo the password into our records.
    if (this.privilege.mode === 'sudo-password') this.stderr = redact(this.stderr, this.privilege.password);
    if (this.status.state === 'starting') {
      const l = parseListening(this.stderr);
      if (l) {
        this.status.linkTypeName = l.linkType;
        this.setState('capturing');
      }
    }
  }

  private onClose(): void {
    const counts = parseCounts(this.stderr);
    if (counts.captured !== null || counts.receivedByFilter !== null) this.status.tcpdump = counts;
    const exitedCleanly = this.status.exitCode === 0;
    if (this.conn.closed && !this.stopRequested && this.status.exitCode === null) {
      this.finish('lost', new HopscopeError('SSH_UNREACHABLE', `${this.status.node}: connection lost while capturing ${this.status.iface}`));
    } else if (exitedCleanly || (this.stopRequested && this.status.tcpdump)) {
      this.finish('stopped');
    } else {
      const text = this.stderr.replace(/^tcpdump: listening on .*$/m, '').trim();
      const code = this.status.exitCode === null && !this.stopRequested ? 'SSH_UNREACHABLE' : classifyTcpdumpError(text);
      const msg = text.split('\n').filter((l) => l.trim()).slice(-3).join(' | ') || `tcpdump ended (exit ${this.status.exitCode}, signal ${this.status.exitSignal})`;
      this.finish('failed', new HopscopeError(code, `${this.status.node}:${this.status.iface}: ${msg}`));
    }
  }

  /** Marks the capture lost because its connection went away (called by the session). */
  connectionLost(): void {
    if (this.status.state === 'stopped' || this.status.state === 'failed' || this.status.state === 'lost') return;
    this.finish('lost', new HopscopeError('SSH_UNREACHABLE', `${this.status.node}: connection lost while capturing ${this.status.iface}`));
  }

  private finish(state: IfaceCaptureState, e?: unknown): void {
    if (this.status.state === 'stopped' || this.status.state === 'failed' || this.status.state === 'lost') return;
    if (this.reader.bytes > 0) this.status.streamProblem ??= this.reader.end();
    if (this.fd !== null) {
      try {
        fsyncSync(this.fd);
      } catch {
        /* best effort */
      }
      closeSync(this.fd);
      this.fd = null;
    }
    this.status.stoppedAt = new Date().toISOString();
    if (e !== undefined) {
      const err = e instanceof HopscopeError ? e : new HopscopeError('CAPTURE_FAILED', (e as Error).message ?? String(e));
      const message = this.privilege.mode === 'sudo-password' ? redact(err.message, this.privilege.password) : err.message;
      this.status.error = { code: err.code, message };
    }
    this.setState(state);
    this.resolveDone();
  }

  private setState(s: IfaceCaptureState): void {
    this.status.state = s;
    this.emit('state', { ...this.status });
  }

  /** Stops via EOF on the channel's stdin: the remote watchdog SIGTERMs tcpdump, which prints its counts. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    if (this.status.state === 'starting' || this.status.state === 'capturing') this.setState('stopping');
    if (this.ch) this.ch.end();
    const t = setTimeout(() => {
      // The node did not answer: force the channel shut (sshd then closes tcpdump's pipes).
      try {
        this.ch?.signal('KILL');
        this.ch?.close();
      } catch {
        /* already gone */
      }
      // And if even the channel's close never comes (a dead connection), end our side anyway.
      setTimeout(() => {
        if (this.conn.closed) this.connectionLost();
        this.finish('stopped');
      }, 2000).unref();
    }, STOP_GRACE_MS);
    await this.done;
    clearTimeout(t);
  }

  /** Resolves when this capture has ended, however it ended. */
  whenDone(): Promise<void> {
    return this.done;
  }
}
