// Following new interfaces while capturing: a pod started after the capture began gets a new host-side veth
// (`veth*`, `cali*`) that a glob selector would have chosen had it been there at the start. Each node's link list
// is polled over its existing SSH connection (one short `ip -j -d link show` channel every couple of seconds:
// nothing stays running on the node, so neither MaxSessions nor the watchdog is concerned) and what newly matches
// one of the session's glob selectors for that node is handed to the session to capture.

import { DISCOVERY_COMMANDS } from '../discover/discoverNode.ts';
import type { Iface, NodeInterfaces } from '../discover/model.ts';
import { parseIpOutputs } from '../discover/parseIp.ts';
import type { SshConnection } from '../ssh/connection.ts';

import { isGlobSelector, selectInterfaces, selectorNodeMatches } from './selection.ts';

/** How often a node's interface list is read while capturing (CaptureSessionOptions.followIntervalMs). */
export const FOLLOW_INTERVAL_MS = 2000;
const POLL_TIMEOUT_MS = 10_000;

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

/**
 * Polls one node's link list every `intervalMs` and calls `found` with the names that became eligible since the
 * last look (the first look's baseline is `seen`, the names eligible or captured at the start). A poll that fails
 * (the connection lost, a timeout) is skipped: the next one tries again on whatever connection the node has then.
 */
export class LinkWatcher {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly node: string,
    private readonly globs: string[],
    private readonly conn: () => SshConnection | null,
    private readonly seen: Set<string>,
    private readonly found: (names: string[], links: NodeInterfaces) => Promise<void>,
    private readonly intervalMs = FOLLOW_INTERVAL_MS,
  ) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.poll().finally(() => this.schedule()), this.intervalMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    const conn = this.conn();
    if (!conn || conn.closed) return;
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
    const fresh = eligibleNames(this.globs, links).filter((name) => !this.seen.has(name));
    if (fresh.length === 0) return;
    for (const name of fresh) this.seen.add(name);
    await this.found(fresh, links);
  }
}
