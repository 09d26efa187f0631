// Following new interfaces while capturing: a pod started after the capture began gets a new host-side veth
// (`veth*`, `cali*`) that a glob selector would have chosen had it been there at the start. Each node runs a link
// monitor (`ip -d -o monitor link`: one long-lived channel per node, under the same heartbeat watchdog as tcpdump)
// whose line about a veth coming up is enough to hand that veth to the session at once; every line also makes the
// node's link list be read (`ip -j -d link show`, over its existing SSH connection), as it is every couple of
// seconds anyway, so other kinds, missed events and a node whose monitor could not be had (no room on its
// connection, no `ip monitor`) or ended are still followed. What newly matches one of the session's glob selectors
// for that node, including a name seen before that went away and came back (a recreated pod's `cali…`), is handed
// to the session to capture.

import { StringDecoder } from 'node:string_decoder';

import { DISCOVERY_COMMANDS } from '../discover/discoverNode.ts';
import type { Iface, NodeInterfaces } from '../discover/model.ts';
import { parseMonitorLine } from '../discover/monitorLine.ts';
import { parseIpOutputs } from '../discover/parseIp.ts';
import type { SshConnection } from '../ssh/connection.ts';
import type { ClientChannel } from 'ssh2';

import { isGlobSelector, selectInterfaces, selectorNodeMatches } from './selection.ts';
import { HEARTBEAT_INTERVAL_MS, wrapWithWatchdog, type WatchdogOptions } from './tcpdumpCommand.ts';

/** How often a node's interface list is read while capturing (CaptureSessionOptions.followIntervalMs). */
export const FOLLOW_INTERVAL_MS = 2000;
const POLL_TIMEOUT_MS = 10_000;
/**
 * What tells us at once that a node's links changed: one line per event (iproute2 6.1 has no JSON monitor), with
 * the link's kind (`-d`), so that a veth's line alone can start its capture (parseMonitorLine).
 */
export const MONITOR_ARGV = ['ip', '-d', '-o', 'monitor', 'link'];
/** A monitor line longer than this (no newline yet) is dropped: no link event is that long. */
const MONITOR_LINE_MAX = 64 * 1024;
/** How long after a monitor that could not be opened (or ended) another is tried; polls go on meanwhile. */
const MONITOR_RETRY_MS = 10_000;

/** The selectors that may widen on node `node`: globs naming it (an exact interface name never widens). */
export function followSelectors(selectors: string[], node: string): string[] {
  return selectors.filter((sel) => isGlobSelector(sel) && selectorNodeMatches(sel, node));
}

/**
 * Names on `links` that the glob selectors `globs` (followSelectors) choose now: up, not loopback, capturable,
 * as at the start.
 */
export function eligibleNames(globs: string[], links: NodeInterfaces): string[] {
  if (globs.length === 0) return [];
  return selectInterfaces(globs, [links], true).map((s) => s.iface);
}

/**
 * A pod's host side: a veth whose peer is in another namespace and that is a bridge port (flannel's cni0,
 * kubenet's cbr0), or a Calico cali*. Its disappearing means the pod went away. (The lab's ens33 is a veth to
 * another namespace too, but no bridge port.)
 */
export function isPodSide(i: Iface): boolean {
  if (i.peer?.netnsId === null || i.peer?.netnsId === undefined) return false;
  return i.kind === 'calico' || (i.kind === 'veth' && i.bridgePort);
}

/** The names `globs` choose on `links` now, with their kernel index: a LinkWatcher's baseline. */
export function eligibleIndexes(globs: string[], links: NodeInterfaces): Map<string, number | null> {
  const names = eligibleNames(globs, links);
  return new Map(names.map((n) => [n, links.interfaces.find((i) => i.name === n)?.ifindex ?? null]));
}

export interface LinkWatcherOptions {
  /** Read the link list at least this often (FOLLOW_INTERVAL_MS). */
  intervalMs?: number;
  /** Keep an `ip -o monitor link` channel open to read the list at once on a change (default true). */
  monitor?: boolean;
  /** The monitor's heartbeat period and the node-side watchdog (as the session's tcpdumps have). */
  heartbeatIntervalMs?: number;
  watchdog?: WatchdogOptions;
}

/**
 * Reads one node's link list when its link monitor reports a change, and every `intervalMs` in any case, and calls
 * `found` with the names that became eligible since the last look. A monitor line showing an eligible veth (a pod's
 * host side, new or back under another index) calls `found` for it at once, with the line's reading of it, without
 * waiting for that read: what the monitor said of a name after a read began wins over that read's answer (it may
 * be older), the next read settling it. `seen` is the baseline (the names eligible or
 * captured at the start, with their kernel index). A name that left the node, or is back under another index, is
 * new again when it is eligible (a pod recreated under the same `cali…`, a veth name reused). A read that fails
 * (the connection lost, a timeout) is skipped: the next one tries again on whatever connection the node has then.
 * The monitor is opened only on a connection with room (never another login for it); one refused, failing or
 * ended is tried again MONITOR_RETRY_MS later, the polls going on meanwhile.
 */
export class LinkWatcher {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private polling: Promise<void> | null = null;
  private again = false;
  private monitorCh: ClientChannel | null = null;
  private monitorOpening = false;
  private monitorTriedAt = -Infinity;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;
  /** Reads of the link list begun so far; `heard`: for each name, how many had begun when the monitor last told of it. */
  private reads = 0;
  private readonly heard = new Map<string, number>();

  constructor(
    private readonly node: string,
    private readonly globs: string[],
    private readonly conn: () => SshConnection | null,
    private readonly seen: Map<string, number | null>,
    private readonly found: (names: string[], links: NodeInterfaces) => Promise<void>,
    private readonly opts: LinkWatcherOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? FOLLOW_INTERVAL_MS;
  }

  /** Whether the link monitor is open now (else only the polls follow the node). */
  get monitoring(): boolean {
    return this.monitorCh !== null;
  }

  start(): void {
    this.openMonitor();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.closeMonitor();
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), this.intervalMs);
    this.timer.unref();
  }

  /** A change was reported: read the list now (once more after the read under way, if one is). */
  private trigger(): void {
    if (this.stopped) return;
    if (this.polling) this.again = true;
    else this.run();
  }

  private run(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.openMonitor();
    this.polling = this.poll().finally(() => {
      this.polling = null;
      if (this.again) {
        this.again = false;
        this.run();
      } else this.schedule();
    });
  }

  private openMonitor(): void {
    if (this.opts.monitor === false || this.stopped || this.monitorCh || this.monitorOpening) return;
    if (Date.now() - this.monitorTriedAt < MONITOR_RETRY_MS) return;
    const conn = this.conn();
    if (!conn || conn.closed) return;
    this.monitorTriedAt = Date.now();
    this.monitorOpening = true;
    let ended = false;
    conn
      .channel(
        wrapWithWatchdog(MONITOR_ARGV, this.opts.watchdog),
        (ch) => {
          // Each line is a link event: a veth's is read (it may start a capture by itself); every one makes the
          // list be read, which sees to everything else.
          const text = new StringDecoder('utf8');
          let partial = '';
          ch.on('data', (d: Buffer) => {
            const lines = (partial + text.write(d)).split('\n');
            partial = lines.pop() ?? '';
            if (partial.length > MONITOR_LINE_MAX) partial = '';
            for (const line of lines) this.heardLine(line);
            this.trigger();
          });
          ch.stderr.on('data', () => undefined);
          ch.on('close', () => {
            ended = true;
            if (this.monitorCh !== ch) return;
            this.monitorCh = null;
            if (this.heartbeat) clearInterval(this.heartbeat);
            this.heartbeat = null;
          });
        },
        { existingOnly: true },
      )
      .then(
        (ch) => {
          if (ended) return;
          if (this.stopped) {
            ch.end();
            ch.close();
            return;
          }
          this.monitorCh = ch;
          this.heartbeat = setInterval(
            () => ch.write('\n'),
            this.opts.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS,
          );
          this.heartbeat.unref();
          // What changed between the last read and the monitor's start.
          this.trigger();
        },
        () => undefined, // no room, or refused: the polls follow the node
      )
      .finally(() => (this.monitorOpening = false));
  }

  /** EOF on its stdin ends `ip monitor` on the node (the watchdog's reader), and the channel with it. */
  private closeMonitor(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    const ch = this.monitorCh;
    this.monitorCh = null;
    if (!ch) return;
    ch.end();
    setTimeout(() => ch.close(), 2000).unref();
  }

  /**
   * A monitor line: a veth that a glob chooses and that is new (not seen, or back under another index) is handed to
   * `found` now; a veth deleted under the index seen leaves `seen`, to be new again when it comes back.
   */
  private heardLine(line: string): void {
    const event = parseMonitorLine(line);
    if (!event || this.stopped) return;
    const { name, ifindex } = event.iface;
    this.heard.set(name, this.reads);
    const known = this.seen.get(name);
    if (event.deleted) {
      if (known === ifindex) this.seen.delete(name);
      return;
    }
    if (known !== undefined && (known === null || known === ifindex)) return;
    this.seen.delete(name);
    const links: NodeInterfaces = { node: this.node, interfaces: [event.iface], routes: [], warnings: [] };
    if (eligibleNames(this.globs, links).length === 0) return;
    this.seen.set(name, ifindex);
    void this.found([name], links).catch(() => undefined);
  }

  private async poll(): Promise<void> {
    const conn = this.conn();
    if (!conn || conn.closed) return;
    const read = ++this.reads;
    let links: NodeInterfaces;
    try {
      const r = await conn.exec(DISCOVERY_COMMANDS.link, { timeoutMs: POLL_TIMEOUT_MS });
      if (r.code !== 0) return;
      const text = new TextDecoder('utf-8', { fatal: false }).decode(r.stdout);
      links = parseIpOutputs(this.node, { link: text, addr: '[]', route: '[]' });
    } catch {
      return;
    }
    if (this.stopped) return;
    const present = new Map(links.interfaces.map((i) => [i.name, i.ifindex]));
    // What the monitor told of since this read began is newer than its answer: the next read looks again.
    const newer = (name: string) => (this.heard.get(name) ?? -1) >= read;
    for (const [name, at] of this.heard) if (at < read) this.heard.delete(name);
    // Gone from the node, or back as another interface (another index): new again when it is eligible.
    for (const [name, index] of this.seen) {
      const now = present.get(name);
      if (newer(name)) continue;
      if (now === undefined || (index !== null && now !== index)) this.seen.delete(name);
    }
    const fresh = eligibleNames(this.globs, links).filter((name) => !this.seen.has(name) && !newer(name));
    if (fresh.length === 0) return;
    for (const name of fresh) this.seen.set(name, present.get(name) ?? null);
    // Not awaited: a second pod's veth is noticed while the first one's tcpdump starts.
    void this.found(fresh, links).catch(() => undefined);
  }
}
