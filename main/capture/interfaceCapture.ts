// One interface's capture: a wrapped remote tcpdump whose stdout is appended to the interface's file as each
// chunk arrives (before anything else looks at it), with live counters and tcpdump's final counts. After a lost
// connection it can resume on a new one: the file is cut back to its last complete record and the new
// tcpdump's records are appended (its pcap header, identical, is checked and skipped); the gap is recorded.

import { EventEmitter } from 'node:events';
import { closeSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';

import type { ClientChannel } from 'ssh2';

import { HopscopeError, toErrorData, type ErrorData } from '../common/errors.ts';
import { PcapStreamReader, type ReadProblem } from '../pcap/index.ts';
import type { SshConnection } from '../ssh/connection.ts';
import { privileged, redact, type Privilege } from '../ssh/privilege.ts';

import { laneName } from './sessionFolder.ts';
import {
  BUFFERED_DELIVERY_MAX_MS,
  checkedStartScript,
  FILTER_CHECKED_MARK,
  HEARTBEAT_INTERVAL_MS,
  START_LINE,
  STATS_REQUEST_LINE,
  tcpdumpArgs,
  WAIT_WATCHDOG_MARK,
  WATCHDOG_MARK,
  wrapWithWatchdog,
  type Delivery,
  type TcpdumpSpec,
  type WatchdogOptions,
} from './tcpdumpCommand.ts';
import {
  classifyTcpdumpError,
  parseCounts,
  parseInfoLine,
  parseListening,
  tcpdumpFailureText,
  type TcpdumpCounts,
} from './tcpdumpStderr.ts';

export type IfaceCaptureState = 'starting' | 'capturing' | 'stopping' | 'stopped' | 'failed' | 'lost';

export interface CaptureGap {
  /** When the connection was found lost, and when capture resumed (null: never resumed). */
  from: string;
  to: string | null;
  /** Bytes of a record cut off by the loss, removed from the end of the file before resuming. */
  truncatedBytes: number;
}

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
  /** Complete records in the file, and the file's size. */
  packets: number;
  bytes: number;
  /**
   * tcpdump's own counts of the current (or last) tcpdump run: refreshed every few seconds while capturing, and
   * its final counts once it has exited (then tcpdumpFinal is true).
   */
  tcpdump: TcpdumpCounts | null;
  tcpdumpFinal: boolean;
  /**
   * Packets the node's kernel dropped before tcpdump could read them (its capture buffer was full), over every
   * tcpdump run of this interface; live while capturing. Null until tcpdump has reported any count. These
   * packets are in no file: a non-zero value is a loss and is always reported.
   */
  kernelDrops: number | null;
  exitCode: number | null;
  exitSignal: string | null;
  /** The complete filter tcpdump ran with (of the last run). */
  filter: string;
  /** How tcpdump handed packets over, and the -B it was given (null: tcpdump's own default, 2 MiB). */
  delivery: Delivery;
  bufferKiB: number | null;
  /** The byte stream stopped parsing as pcap (garbage from the node) or ended inside a record. */
  streamProblem: ReadProblem | null;
  /** Lost-connection gaps (with reconnect); one tcpdump run per segment, so segments = gaps + 1. */
  gaps: CaptureGap[];
  /** When a glob selector took it up mid-capture (it appeared, or came up, after the start); null: at the start. */
  addedAt: string | null;
  /**
   * 1: the first interface of this name the session captured; 2, 3…: the name came back as a new interface (a
   * pod recreated under the same `cali…`) and was captured again into its own file (`NAME~N`: laneName).
   */
  instance: number;
}

const STDERR_KEEP = 64 * 1024;
const STOP_GRACE_MS = 5000;
const LISTEN_TIMEOUT_MS = 15_000;
/** How long precheck() waits for the filter check's answer (as long as the check on its own exec waited). */
const CHECK_TIMEOUT_MS = 20_000;
const PCAP_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;
/** Buffered delivery: how long a stop waits before ending tcpdump, so the kernel's open block is handed over. */
export const BUFFERED_STOP_DRAIN_MS = BUFFERED_DELIVERY_MAX_MS + 500;
/** A buffered stop whose tcpdump still has packets in the kernel's open block asks for its counts this often. */
const DRAIN_POLL_MS = 100;

/**
 * What precheck() found: the filter compiled (the node waits for go()), or the check failed with tcpdump's exit
 * status and stderr (nothing started), or the channel could not be had or did not answer (`error`).
 */
export type PrecheckResult =
  { ok: true } | { ok: false; exitCode: number | null; stderr: string } | { ok: false; error: ErrorData };

export class InterfaceCapture extends EventEmitter {
  readonly status: IfaceCaptureStatus;
  /** Keep the file open after a loss, waiting for resume() (the session reconnects). */
  reconnect = false;
  /** How long precheck() waits for the check to answer. */
  checkTimeoutMs = CHECK_TIMEOUT_MS;
  /** How long start() and go() wait for tcpdump to say it listens (it may say so later: the capture goes on). */
  listenTimeoutMs = LISTEN_TIMEOUT_MS;
  /** Heartbeat period, and the remote watchdog's timeout/grace (see wrapWithWatchdog). */
  heartbeatIntervalMs = HEARTBEAT_INTERVAL_MS;
  watchdog: WatchdogOptions = {};
  /** The host side of a pod's veth (followNew.ts isPodSide): its disappearing is said as the pod going away. */
  podSide = false;
  /**
   * What a tcpdump that never listened because it did not know the interface's name is recorded as (a followed
   * interface, started without a filter check, gone again first); null: as tcpdump said (IFACE_UNKNOWN).
   */
  goneBeforeStart: ErrorData | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private conn: SshConnection;
  private spec: TcpdumpSpec;
  private privilege: Privilege;
  private ch: ClientChannel | null = null;
  private fd: number | null = null;
  private reader!: PcapStreamReader;
  private stderr = '';
  /** An incomplete stderr line, completed by the next chunk. */
  private stderrLine = '';
  /** Kernel drops of earlier tcpdump runs (before a reconnect), and the latest known of the current run. */
  private dropsBefore = 0;

  /** How messages name this capture: `node:iface`, or `node:iface~N` for the Nth capture of a name (a pod recreated). */
  get lane(): string {
    return `${this.status.node}:${laneName(this.status.iface, this.status.instance)}`;
  }
  private segmentDrops = 0;
  /** precheck()'s answer, while its channel is open and the check has not answered. */
  private gate: ((r: PrecheckResult) => void) | null = null;
  /**
   * precheck() without the gate: the node starts tcpdump right after the check, so the file is made when the check
   * passed (or at the first bytes, should they come first) rather than at go().
   */
  private ungated = false;
  private done: Promise<void>;
  private resolveDone!: () => void;
  private ended = false;
  private stopRequested = false;
  /** The stop came before tcpdump said it was listening: however tcpdump then ends, it was stopped, not failed. */
  private stoppedStarting = false;
  private stopping: Promise<void> | null = null;
  /** File length, and the end of its last complete record (where a resumed stream continues). */
  private fileLen = 0;
  private recordsEnd = 0;
  /** File offset where the current segment's records begin (its stream offset 24). */
  private segmentBase = PCAP_HEADER_LEN;
  private packetsBefore = 0;
  /** The file's pcap header, read back when resuming. */
  private fileHeader: Buffer | null = null;
  /** Header bytes of a resumed stream still to compare and drop. */
  private skipHeader = 0;
  private resumedHeader: Buffer[] = [];
  /**
   * Count requests (STATS_REQUEST_LINE) written on the current channel and count lines tcpdump printed on it. The
   * wrapper sends one SIGUSR1 per request and tcpdump answers each with one line computed when it handles the
   * signal; signals may merge, so answers can only lag behind requests, and the Nth answer was always computed
   * after the Nth request was written.
   */
  private statsAsked = 0;
  private statsAnswered = 0;
  /** A buffered stop's drain (see drainBuffered), or null. */
  private drain: {
    after: number;
    until: number | null;
    target: number | null;
    resolve: () => void;
    poll: NodeJS.Timeout | null;
  } | null = null;

  constructor(
    node: string,
    iface: string,
    file: string,
    conn: SshConnection,
    spec: TcpdumpSpec,
    privilege: Privilege,
  ) {
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
      tcpdumpFinal: false,
      kernelDrops: null,
      exitCode: null,
      exitSignal: null,
      filter: spec.filter,
      delivery: spec.delivery ?? 'immediate',
      bufferKiB: spec.bufferKiB ?? null,
      streamProblem: null,
      gaps: [],
      addedAt: null,
      instance: 1,
    };
    this.done = new Promise((r) => (this.resolveDone = r));
    this.newReader();
  }

  // The decode engineer's streaming reader counts records (zero-copy); it never throws, problems are data.
  private newReader(): void {
    this.reader = new PcapStreamReader(
      (rec) => {
        this.recordsEnd =
          this.segmentBase + (rec.offset - PCAP_HEADER_LEN) + RECORD_HEADER_LEN + rec.data.length;
      },
      {
        onInterface: (i) => {
          this.status.linkType = i.linkType;
          this.status.tsPrecision = i.tsUnitsPerSec === 1e9 ? 'nano' : 'micro';
        },
      },
    );
  }

  /** The process quits at once (a second Ctrl-C): a capture still under way is recorded stopped as it is. */
  abandon(): void {
    if (this.ended) return;
    this.status.state = 'stopped';
    this.status.stoppedAt = new Date().toISOString();
  }

  /** Records a capture whose pre-check failed (permission, device gone…) as failed, never started. */
  failBeforeStart(error: ErrorData): void {
    this.status.error = error;
    this.finish('failed');
  }

  /** Resolves once tcpdump is listening (or has failed: see status). Never throws. */
  async start(): Promise<void> {
    if (!this.openFile()) return;
    await this.runSegment();
  }

  private openFile(): boolean {
    try {
      this.fd = openSync(this.status.file, 'w+', 0o644); // read back on resume
      return true;
    } catch (e) {
      this.finish('failed', e);
      return false;
    }
  }

  /**
   * The first half of a start whose filter is checked first, on the capture's own channel (checkedStartScript):
   * `check` (filterCheckScript for this interface) runs, and when it passes the node waits for go(), which starts
   * tcpdump there at once, or for cancel(). Nothing is written (not even the file created) before go(). A failed
   * check ends the channel: the session records it (failBeforeStart) as it did the check's own exec. Heartbeats go
   * from the channel's opening: the node's wait has the capture's watchdog. `gate: false`: the node starts tcpdump
   * as soon as the check passed (nothing to wait for: no other interface's check), and its file is made then; go()
   * then only waits for tcpdump to listen. Never throws.
   */
  async precheck(check: string, opts: { gate?: boolean } = {}): Promise<PrecheckResult> {
    const answer = new Promise<PrecheckResult>((r) => (this.gate = r));
    this.ungated = opts.gate === false;
    let t: NodeJS.Timeout | undefined;
    try {
      const ch = await this.openChannel(
        checkedStartScript(check, this.startScript(), { ...this.watchdog, gate: !this.ungated }),
      );
      // Heartbeats from the opening: the node's wait for go() has the capture's watchdog (checkedStartScript).
      this.startHeartbeat(ch);
      t = setTimeout(() => {
        this.answerGate({
          ok: false,
          error: { code: 'SSH_UNREACHABLE', message: `${this.lane}: the filter check did not answer` },
        });
        // Let go of the channel (its close is no news then): the session records the failure (failBeforeStart).
        const ch = this.ch;
        this.ch = null;
        try {
          ch?.close();
        } catch {
          /* already gone */
        }
      }, this.checkTimeoutMs);
    } catch (e) {
      this.answerGate({ ok: false, error: toErrorData(e) });
    }
    const r = await answer;
    clearTimeout(t);
    return r;
  }

  /**
   * precheck() passed: tcpdump starts now (ungated: it has started already). Resolves as start() does, once it
   * listens (or failed). Never throws.
   */
  async go(): Promise<void> {
    const ch = this.ch;
    if (this.ended) return;
    if (!ch) {
      // The channel went away after the check passed (its close has decided what happened by then); a capture lost
      // with its connection gets its file, for resume() to continue, as one lost while starting has.
      if (this.status.state === 'lost' && this.fd === null) this.openFile();
      return;
    }
    if (!this.openStarted(ch)) return;
    if (!this.ungated)
      try {
        ch.write(`${START_LINE}\n`);
      } catch {
        /* the channel is going away: its close event decides what happened */
      }
    if (this.stopRequested) ch.end();
    else this.startHeartbeat(ch);
    await this.untilListening();
  }

  /**
   * The file of a capture whose tcpdump starts (or has started) on `ch`, made once; false when it cannot be (the
   * capture has failed, and the channel is ended: tcpdump is stopped).
   */
  private openStarted(ch: ClientChannel): boolean {
    if (this.fd === null && !this.openFile()) {
      try {
        ch.end();
      } catch {
        /* already gone */
      }
      return false;
    }
    this.status.startedAt ??= new Date().toISOString();
    return true;
  }

  /** The file to append tcpdump's bytes to, made now if an ungated start's bytes come first; null: none. */
  private dataFile(): number | null {
    if (this.fd === null && this.ungated && !this.ended && this.ch) this.openStarted(this.ch);
    return this.fd;
  }

  /** precheck() passed but the capture is not to start (another interface's check failed, or a stop): ends it. */
  cancel(): void {
    if (this.ended) return;
    this.ended = true;
    this.resolveDone();
    const ch = this.ch;
    this.ch = null;
    try {
      ch?.end(); // stdin's end: the node's script exits without starting tcpdump
    } catch {
      /* already gone */
    }
  }

  private answerGate(r: PrecheckResult): void {
    const g = this.gate;
    this.gate = null;
    g?.(r);
  }

  /** Continues a lost capture over a new connection (new SSH endpoints, so a new filter). Never throws. */
  async resume(conn: SshConnection, privilege: Privilege, filter: string): Promise<void> {
    if (this.ended || this.status.state !== 'lost' || this.stopRequested) return;
    this.conn = conn;
    this.privilege = privilege;
    this.spec = { ...this.spec, filter };
    const gap = this.status.gaps[this.status.gaps.length - 1];
    try {
      if (this.fd === null) this.fd = openSync(this.status.file, 'r+');
      this.newReader();
      this.packetsBefore = this.status.packets;
      if (this.fileLen >= PCAP_HEADER_LEN) {
        this.fileHeader = Buffer.alloc(PCAP_HEADER_LEN);
        readSync(this.fd, this.fileHeader, 0, PCAP_HEADER_LEN, 0);
        // Drop a record the loss cut in half: what follows must start at a record boundary.
        const end = Math.max(this.recordsEnd, PCAP_HEADER_LEN);
        if (gap) gap.truncatedBytes = this.fileLen - end;
        ftruncateSync(this.fd, end);
        this.fileLen = end;
        this.segmentBase = end;
        this.reader.push(this.fileHeader);
        this.skipHeader = PCAP_HEADER_LEN;
        this.resumedHeader = [];
      } else {
        // Not even a whole header arrived before the loss: start the file again.
        ftruncateSync(this.fd, 0);
        this.fileLen = 0;
        this.recordsEnd = 0;
        this.segmentBase = PCAP_HEADER_LEN;
        this.packetsBefore = 0;
      }
    } catch (e) {
      this.finish('failed', e);
      return;
    }
    if (gap) gap.to = new Date().toISOString();
    this.status.error = null;
    this.status.streamProblem = null;
    this.status.exitCode = null;
    this.status.exitSignal = null;
    this.status.filter = filter;
    this.setState('starting');
    await this.runSegment();
  }

  /** The wrapped tcpdump (wrapWithWatchdog) for this interface. */
  private startScript(): string {
    return wrapWithWatchdog(tcpdumpArgs(this.spec), this.watchdog);
  }

  /** Opens the channel running `script` with the capture's privilege, its output wired to this capture. */
  private async openChannel(script: string): Promise<ClientChannel> {
    this.stderr = '';
    this.stderrLine = '';
    this.statsAsked = 0;
    this.statsAnswered = 0;
    this.segmentDrops = 0;
    this.status.tcpdumpFinal = false;
    const cmd = privileged(script, this.privilege);
    const ch = await this.conn.channel(cmd.command, (c) => {
      // Ours from its opening: a check failing at once closes it in the read that opened it (see channel()), and
      // onClose knows it only as this.ch.
      this.ch = c;
      c.on('data', (d: Buffer) => this.onData(d));
      c.stderr.on('data', (d: Buffer) => this.onStderr(d));
      c.on('exit', (code: number | null, signal?: string) => {
        this.status.exitCode = code;
        this.status.exitSignal = signal ?? null;
      });
      c.on('close', () => this.onClose(c));
    });
    if (cmd.stdinPreamble) ch.write(cmd.stdinPreamble);
    return ch;
  }

  private async runSegment(): Promise<void> {
    try {
      const ch = await this.openChannel(this.startScript());
      this.status.startedAt ??= new Date().toISOString();
      if (this.stopRequested) ch.end();
      else this.startHeartbeat(ch);
      await this.untilListening();
    } catch (e) {
      if (this.conn.closed && !this.stopRequested) this.lose();
      else this.finish('failed', e);
    }
  }

  /** Waits for tcpdump to say "listening on" (or to fail, or LISTEN_TIMEOUT_MS). */
  private async untilListening(): Promise<void> {
    // Started means tcpdump said "listening on": packets from here on are in the file. That line may already
    // have arrived (ssh2 can deliver the channel, its exec reply and the first stderr in one read), so look at
    // the state now before waiting for it to change.
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
        check();
      }),
      this.done,
      new Promise<void>((r) => (t = setTimeout(r, this.listenTimeoutMs))),
    ]);
    clearTimeout(t);
  }

  /**
   * A newline on the channel's stdin every heartbeatIntervalMs tells the remote watchdog we are still here: when
   * the connection is silently blackholed, sshd keeps the channel open for minutes, but the heartbeats stop and
   * the watchdog kills tcpdump. Stops by itself once the channel is ended, replaced or closed.
   */
  private startHeartbeat(ch: ClientChannel): void {
    this.stopHeartbeat();
    const timer = setInterval(() => {
      if (this.ch !== ch || this.ended || this.stopRequested || ch.writableEnded || ch.destroyed) {
        clearInterval(timer);
        if (this.heartbeatTimer === timer) this.heartbeatTimer = null;
        return;
      }
      try {
        // Once tcpdump listens, each heartbeat also asks it for its counts (live kernel drops).
        if (this.status.state === 'capturing') this.askStats(ch);
        else ch.write('\n');
      } catch {
        /* the channel is going away: its close event decides what happened */
      }
    }, this.heartbeatIntervalMs);
    timer.unref();
    this.heartbeatTimer = timer;
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private onData(d: Buffer): void {
    // Ungated, tcpdump's first bytes may come before the check's mark (sshd reads stdout and stderr apart).
    const fd = this.dataFile();
    if (fd === null) return;
    if (this.skipHeader > 0) {
      // A resumed tcpdump starts with its own pcap header: it must equal the file's, and is not written again.
      const n = Math.min(this.skipHeader, d.length);
      this.resumedHeader.push(d.subarray(0, n));
      this.skipHeader -= n;
      d = d.subarray(n);
      if (this.skipHeader === 0 && !Buffer.concat(this.resumedHeader).equals(this.fileHeader!)) {
        this.status.streamProblem = {
          code: 'PCAP_MALFORMED',
          message: 'the resumed tcpdump wrote a different pcap header',
          offset: this.fileLen,
        };
        this.ch?.end();
        this.skipHeader = Number.POSITIVE_INFINITY; // drop the rest of this stream
        return;
      }
      if (d.length === 0) return;
    }
    // Disk first: a synchronous append means a byte we received survives even a kill -9 right after.
    try {
      // writeSync may write less than asked (e.g. a nearly full disk): loop until all of it is down.
      for (let off = 0; off < d.length;) off += writeSync(fd, d, off, d.length - off, this.fileLen + off);
    } catch (e) {
      this.writeFailed(e as NodeJS.ErrnoException);
      return;
    }
    this.fileLen += d.length;
    const problem = this.reader.push(d);
    this.status.packets = this.packetsBefore + this.reader.records;
    this.status.bytes = this.fileLen;
    if (problem && !this.status.streamProblem) this.status.streamProblem = problem;
    if (this.drain?.target != null && this.reader.records >= this.drain.target) this.drain.resolve();
  }

  /**
   * The disk refused bytes (full, quota, I/O error): we cannot keep what tcpdump sends, so we stop it rather than
   * drop packets silently. What is already in the file stays; the error says why.
   */
  private writeFailed(e: NodeJS.ErrnoException): void {
    const err = new HopscopeError(
      'CAPTURE_FAILED',
      `${this.lane}: cannot write ${this.status.file}: ${e.code ?? e.message}`,
    );
    const ch = this.ch;
    this.stopRequested = true;
    this.stopHeartbeat();
    try {
      ch?.end();
      ch?.close();
    } catch {
      /* already gone */
    }
    if (this.fd !== null) {
      try {
        ftruncateSync(this.fd, this.fileLen); // no partial write left behind
      } catch {
        /* best effort */
      }
    }
    this.finish('failed', err);
  }

  private onStderr(d: Buffer): void {
    const text = this.stderrLine + d.toString('utf8');
    const end = text.lastIndexOf('\n') + 1;
    this.stderrLine = text.slice(end);
    let kept = '';
    // The counts tcpdump prints on request are consumed here: kept, they would fill STDERR_KEEP in a long
    // capture and push out the final counts and error messages.
    for (const line of text.slice(0, end).split('\n').slice(0, -1)) {
      if (this.gate && line === FILTER_CHECKED_MARK) {
        // The check passed: what it said before (nothing, usually) is no part of the capture's stderr.
        this.stderr = '';
        kept = '';
        this.answerGate({ ok: true });
        // Ungated, tcpdump is starting now: its file is made at once, as go() makes it.
        if (this.ungated && this.ch) this.openStarted(this.ch);
        continue;
      }
      const live = parseInfoLine(line);
      if (live) this.liveCounts(live);
      else kept += `${line}\n`;
    }
    if (this.stderrLine.length > STDERR_KEEP) {
      kept += this.stderrLine;
      this.stderrLine = '';
    }
    this.keepStderr(kept);
    if (this.status.state === 'starting') {
      const l = parseListening(this.stderr);
      if (l) {
        this.status.linkTypeName = l.linkType;
        this.setState('capturing');
      }
    }
  }

  private keepStderr(s: string): void {
    if (this.stderr.length < STDERR_KEEP) this.stderr += s;
    // Nothing from sudo or the node may echo the password into our records.
    if (this.privilege.mode === 'sudo-password') this.stderr = redact(this.stderr, this.privilege.password);
  }

  private liveCounts(c: TcpdumpCounts): void {
    this.statsAnswered++;
    this.status.tcpdump = c;
    this.segmentDrops = c.droppedByKernel ?? 0;
    this.status.kernelDrops = this.dropsBefore + this.segmentDrops;
    this.drainCounts(c);
  }

  /** Asks tcpdump for its counts (a heartbeat line too). Only once it listens: before, SIGUSR1 would end it. */
  private askStats(ch: ClientChannel): void {
    ch.write(`${STATS_REQUEST_LINE}\n`);
    this.statsAsked++;
  }

  /**
   * A buffered stop's wait, cut short when tcpdump's counts show nothing from before the stop left behind. The
   * first answer to a request made after the stop (an older one cannot know of packets that came since) says how
   * many packets the kernel had taken by then (received by filter, less those it dropped: the rest are in its
   * ring); once tcpdump has been handed that many (captured; it takes them in order) and we have as many records,
   * every packet before the stop is in the file. Packets that keep coming after the stop are not waited for.
   * While a block is still open it asks again every DRAIN_POLL_MS. A node whose tcpdump never answers leaves the
   * full BUFFERED_STOP_DRAIN_MS to the caller's timer.
   */
  private drainBuffered(ch: ClientChannel): Promise<void> {
    return new Promise<void>((resolve) => {
      this.drain = {
        after: 0,
        until: null,
        target: null,
        poll: null,
        resolve: () => {
          if (this.drain?.poll) clearTimeout(this.drain.poll);
          this.drain = null;
          resolve();
        },
      };
      this.askStats(ch);
      this.drain.after = this.statsAsked;
    });
  }

  private drainCounts(c: TcpdumpCounts): void {
    const d = this.drain;
    if (!d || d.target !== null || this.statsAnswered < d.after) return;
    if (c.captured === null || c.receivedByFilter === null) return;
    d.until ??= c.receivedByFilter - (c.droppedByKernel ?? 0);
    if (c.captured >= d.until) {
      d.target = d.until;
      if (this.reader.records >= d.target) d.resolve();
      return;
    }
    // A block still open in the kernel: ask again shortly (it is handed over at most ~1 s after it opened).
    if (d.poll) return;
    const ch = this.ch;
    d.poll = setTimeout(() => {
      d.poll = null;
      if (this.drain !== d || !ch || this.ch !== ch || ch.writableEnded || ch.destroyed) return;
      try {
        this.askStats(ch);
      } catch {
        /* the channel is going away: its close event decides what happened */
      }
    }, DRAIN_POLL_MS);
  }

  private onClose(ch: ClientChannel): void {
    if (ch !== this.ch || this.ended) return;
    this.ch = null;
    if (this.gate) {
      // The check failed (or the channel went away before it answered): nothing started.
      const r: PrecheckResult = {
        ok: false,
        exitCode: this.status.exitCode,
        stderr: this.stderr + this.stderrLine,
      };
      this.status.exitCode = null;
      this.status.exitSignal = null;
      this.answerGate(r);
      return;
    }
    this.stopHeartbeat();
    this.keepStderr(this.stderrLine);
    this.stderrLine = '';
    const counts = parseCounts(this.stderr);
    const final = counts.captured !== null || counts.receivedByFilter !== null;
    if (final) {
      this.status.tcpdump = counts;
      this.status.tcpdumpFinal = true;
      this.segmentDrops = counts.droppedByKernel ?? 0;
    }
    // Without final counts (a lost connection), the last live count of this run is the best we know.
    if (this.status.tcpdump) {
      this.dropsBefore += this.segmentDrops;
      this.segmentDrops = 0;
      this.status.kernelDrops = this.dropsBefore;
    }
    const exitedCleanly = this.status.exitCode === 0;
    const gaveUp = this.stderr.split('\n').find((l) => l.startsWith(WAIT_WATCHDOG_MARK));
    if (!this.stopRequested && gaveUp) {
      // The node heard no heartbeat from us while it waited for go() (a stalled connection): nothing started.
      this.finish(
        'failed',
        new HopscopeError(
          'CAPTURE_FAILED',
          `${this.lane}: the node gave up waiting for the start (no heartbeat from us for` +
            `${gaveUp.slice(WAIT_WATCHDOG_MARK.length)})`,
        ),
      );
    } else if (!this.stopRequested && this.status.exitCode === null) {
      // No exit status: the channel died with its connection; the connection's own close may come a moment later.
      const decide = () => (this.conn.closed ? this.lose() : this.failLost());
      if (this.conn.closed) decide();
      else setTimeout(decide, 500).unref();
    } else if (!this.stopRequested && this.stderr.includes(WATCHDOG_MARK)) {
      // The node heard no heartbeat from us for too long (a stalled connection) and stopped tcpdump itself.
      const line = this.stderr.split('\n').find((l) => l.includes(WATCHDOG_MARK)) ?? WATCHDOG_MARK;
      this.finish(
        'failed',
        new HopscopeError(
          'CAPTURE_FAILED',
          `${this.lane}: the node stopped tcpdump (${line.trim()} from us)`,
        ),
      );
    } else if (exitedCleanly || (this.stopRequested && (final || this.stoppedStarting))) {
      // Stopped while tcpdump was still starting, it may be killed before it can print anything ("Terminated"):
      // stopped all the same, with what it sent (often nothing).
      this.finish('stopped');
    } else {
      const text = this.stderr.replace(/^tcpdump: listening on .*$/m, '').trim();
      const code = classifyTcpdumpError(text);
      // tcpdump's own reason is a line before its counts (and the wrapper's "Killed", left out): said first when
      // known.
      const reason = /^tcpdump: (?:pcap_loop: )?(The interface disappeared|The interface went down).*$/m.exec(
        text,
      );
      const podGone = this.podSide && reason?.[1] === 'The interface disappeared';
      if (code === 'IFACE_UNKNOWN' && this.goneBeforeStart && this.status.linkTypeName === null) {
        this.finish('failed', new HopscopeError(this.goneBeforeStart.code, this.goneBeforeStart.message));
        return;
      }
      const msg = podGone
        ? `its pod went away: the pod's veth was deleted while capturing; ` +
          `the ${this.status.packets} packets before it are in the file`
        : reason
          ? `${reason[1].toLowerCase()} while capturing (deleted, or taken down: a pod gone?); ` +
            `the ${this.status.packets} packets before it are in the file`
          : tcpdumpFailureText(text) ||
            `tcpdump ended (exit ${this.status.exitCode}, signal ${this.status.exitSignal})`;
      this.finish('failed', new HopscopeError(podGone ? 'IFACE_GONE' : code, `${this.lane}: ${msg}`));
    }
  }

  private failLost(): void {
    if (this.ended || this.status.state === 'lost') return;
    this.finish(
      'failed',
      new HopscopeError('CAPTURE_FAILED', `${this.lane}: the channel closed without an exit status`),
    );
  }

  /** The connection went away (called by the session, or seen on the channel). */
  connectionLost(): void {
    if (this.ended || this.stopRequested || this.status.state === 'lost') return;
    this.lose();
  }

  private lose(): void {
    if (this.ended || this.status.state === 'lost') return;
    const err = new HopscopeError(
      'SSH_UNREACHABLE',
      `${this.status.node}: connection lost while capturing ${this.status.iface}`,
    );
    if (!this.reconnect) {
      this.finish('lost', err);
      return;
    }
    // Wait for resume(): keep what we have safe on disk meanwhile.
    this.ch = null;
    this.stopHeartbeat();
    this.syncFile();
    this.status.error = { code: err.code, message: err.message };
    this.status.gaps.push({ from: new Date().toISOString(), to: null, truncatedBytes: 0 });
    this.setState('lost');
  }

  private syncFile(): void {
    if (this.fd === null) return;
    try {
      fsyncSync(this.fd);
    } catch {
      /* best effort */
    }
  }

  private finish(state: IfaceCaptureState, e?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.stopHeartbeat();
    if (this.fileLen > 0) this.status.streamProblem ??= this.reader.end();
    if (this.fd !== null) {
      this.syncFile();
      closeSync(this.fd);
      this.fd = null;
    }
    this.status.stoppedAt = new Date().toISOString();
    if (e !== undefined) {
      const err =
        e instanceof HopscopeError
          ? e
          : new HopscopeError('CAPTURE_FAILED', (e as Error).message ?? String(e));
      const message =
        this.privilege.mode === 'sudo-password' ? redact(err.message, this.privilege.password) : err.message;
      this.status.error = { code: err.code, message };
    }
    this.setState(state);
    this.resolveDone();
  }

  private setState(s: IfaceCaptureState): void {
    this.status.state = s;
    this.emit('state', { ...this.status, gaps: [...this.status.gaps] });
  }

  /**
   * Stops via EOF on the channel's stdin: the remote watchdog SIGTERMs tcpdump, which prints its counts.
   * Calls made while a stop is under way share it (a second one must not cut a buffered stop's wait short).
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (this.ended) return;
    if (
      this.spec.delivery === 'buffered' &&
      this.status.state === 'capturing' &&
      this.ch &&
      !this.stopRequested
    ) {
      // A packet can wait up to BUFFERED_DELIVERY_MAX_MS in the kernel's open block, and tcpdump ends without
      // reading that block: wait until every packet that came before the stop has been handed over (heartbeats
      // go on meanwhile), which tcpdump's counts usually show at once. A connection lost or a tcpdump ended in
      // the meantime is handled as usual.
      const ch = this.ch;
      this.setState('stopping');
      let t: NodeJS.Timeout | undefined;
      let drained: Promise<void>;
      try {
        drained = this.drainBuffered(ch);
      } catch {
        drained = new Promise(() => undefined); // the channel is going away: wait as before
      }
      await Promise.race([
        new Promise((r) => (t = setTimeout(r, BUFFERED_STOP_DRAIN_MS))),
        this.done,
        drained,
      ]);
      clearTimeout(t);
      this.drain?.resolve();
      if (this.ended) return;
    }
    this.stopRequested = true;
    if (this.status.state === 'lost') {
      // Lost and never resumed: it ends as lost, with what was captured before.
      this.finish('lost');
      return;
    }
    if (this.status.state === 'starting') this.stoppedStarting = true;
    if (this.status.state === 'starting' || this.status.state === 'capturing') this.setState('stopping');
    const ch = this.ch;
    this.stopHeartbeat();
    ch?.end();
    const t = setTimeout(() => {
      // The node did not answer: force the channel shut (sshd then closes tcpdump's pipes).
      try {
        ch?.signal('KILL');
        ch?.close();
      } catch {
        /* already gone */
      }
      // And if even the channel's close never comes (a dead connection), end our side anyway.
      setTimeout(() => this.finish(this.conn.closed ? 'lost' : 'stopped'), 2000).unref();
    }, STOP_GRACE_MS);
    await this.done;
    clearTimeout(t);
  }

  /** Resolves when this capture has ended for good, however it ended. */
  whenDone(): Promise<void> {
    return this.done;
  }

  get isEnded(): boolean {
    return this.ended;
  }
}
