// followNew's link monitor lines (main/discover/monitorLine.ts) on what `ip -d -o monitor link` printed while pods
// came and went on a kubeadm-like node (tests/fixtures/link-monitor): a veth's line reads as discovery reads the
// same link from `ip -j -d link show`; every other line (a bridge's notice, a TUN device) is left to the link list.
// And the LinkWatcher acting on them: a veth's line hands it to the session before any read of the list answers.

import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { eligibleIndexes, isPodSide, LinkWatcher } from '../../main/capture/followNew.ts';
import type { NodeInterfaces } from '../../main/discover/model.ts';
import { parseMonitorLine } from '../../main/discover/monitorLine.ts';
import { parseIpOutputs } from '../../main/discover/parseIp.ts';
import type { SshConnection } from '../../main/ssh/connection.ts';

const FIX = new URL('../fixtures/link-monitor/', import.meta.url).pathname;
const lines = readFileSync(join(FIX, 'monitor.txt'), 'utf8').split('\n').filter(Boolean);
/** The fixture's line with this prefix (its first). */
const line = (prefix: string) => lines.find((l) => l.startsWith(prefix))!;
const list = parseIpOutputs('node-1', {
  link: readFileSync(join(FIX, 'links.json'), 'utf8'),
  addr: '[]',
  route: '[]',
});

describe("the link monitor's lines", () => {
  it('a veth up reads as the link list has it: flannel (bridge port, peer in a pod), Calico, a pair inside the node', () => {
    const veths = list.interfaces.filter((i) => i.kernelKind === 'veth');
    expect(veths.map((i) => i.name)).toEqual(['vethfeed0001', 'cali1b6b7c1e3a0', 'vethin1', 'vethin0']);
    for (const want of veths) {
      // The last line about it before the list was read (its coming up).
      const got = lines
        .map(parseMonitorLine)
        .filter(
          (e) => e !== null && e.iface.name === want.name && e.iface.ifindex === want.ifindex && e.iface.up,
        )
        .pop();
      expect(got, want.name).toEqual({ deleted: false, iface: want });
    }
    // What the session decides with: a pod's side, its kind, its link type (the filter compiled for it).
    const flannel = veths[0];
    expect(flannel).toMatchObject({
      kind: 'veth',
      linkType: 'ether',
      bridgePort: true,
      master: 'cni0',
      peer: { netnsId: 0, ifindex: 2, name: null },
    });
    expect(veths[1]).toMatchObject({ kind: 'calico', bridgePort: false, peer: { netnsId: 1 } });
  });

  it('a veth coming up: its first line is down, the next up; the name back under another index is another link', () => {
    const events = lines.map(parseMonitorLine).filter((e) => e?.iface.name === 'vethfeed0001');
    expect(events.map((e) => [e!.deleted, e!.iface.ifindex, e!.iface.up, e!.iface.master])).toEqual([
      [false, 3, false, null],
      [false, 3, false, 'cni0'],
      [false, 3, false, 'cni0'],
      [false, 3, true, 'cni0'],
      [false, 3, true, 'cni0'],
      // The pod's namespace deleted: its peer gone (NONE), then the link itself.
      [false, 3, false, 'cni0'],
      [true, 3, false, null],
      // Made again: another index.
      [false, 8, false, null],
      [false, 8, false, 'cni0'],
      [false, 8, false, 'cni0'],
      [false, 8, true, 'cni0'],
      [false, 8, true, 'cni0'],
    ]);
  });

  it("leaves a bridge's notices, other kinds and what it cannot read whole to the link list", () => {
    const bridgeNotices = lines.filter((l) =>
      / vethfeed0001@cni0: | vethfeed0001@NONE: .* master cni0 state DOWN \\/.test(l),
    );
    expect(bridgeNotices.length).toBeGreaterThan(3);
    // A bridge's `Deleted` notice of its port (also sent by `nomaster`) must not read as the link deleted.
    expect(bridgeNotices.some((l) => l.startsWith('Deleted '))).toBe(true);
    for (const l of bridgeNotices.filter((x) => !x.includes(' qdisc ')))
      expect(parseMonitorLine(l)).toBeNull();
    for (const l of lines.filter((x) => / (cni0|tunfeed0|lo): /.test(x)))
      expect(parseMonitorLine(l)).toBeNull();
    const up = lines.find((l) => l.startsWith('4: cali1b6b7c1e3a0@if2: <BROADCAST,MULTICAST,UP'))!;
    expect(parseMonitorLine(up)).not.toBeNull();
    // A name holding `@` (Linux allows it) cannot be told from its peer; a line cut short; not a link line.
    expect(parseMonitorLine(up.replace('cali1b6b7c1e3a0@', 'cali@x@'))).toBeNull();
    expect(parseMonitorLine(up.slice(0, up.indexOf(' \\ ')))).toBeNull();
    expect(parseMonitorLine('')).toBeNull();
    expect(parseMonitorLine('Timestamp: Fri Nov 27 20:52:25 2026 123456 usec')).toBeNull();
  });

  it("a peer namespace named rather than numbered (`link-netns NAME`, as the lab's node prints it over SSH) is another namespace all the same", () => {
    // The lab's node-1 printed `… link-netns hs-pod-late-follow promiscuity 1 …` where this fixture has
    // `link-netnsid 0`: iproute2 names a namespace `ip netns` knows. `ip -j` then says link_netnsid -1 if unassigned.
    const up = line('3: vethfeed0001@if2: <BROADCAST,MULTICAST,UP,LOWER_UP>');
    const named = parseMonitorLine(up.replace('link-netnsid 0', 'link-netns hs-pod-late-follow'));
    expect(named?.iface.peer).toEqual({ ifindex: 2, name: null, netnsId: -1 });
    expect(isPodSide(named!.iface)).toBe(true);
    const unknown = parseMonitorLine(up.replace('link-netnsid 0', 'link-netnsid unknown'));
    expect(unknown?.iface.peer).toEqual({ ifindex: 2, name: null, netnsId: -1 });
    // Without either, the peer is in this namespace (a pair inside the node): no pod's side.
    expect(isPodSide(parseMonitorLine(line('6: vethin0@vethin1: <BROADCAST,MULTICAST,UP'))!.iface)).toBe(
      false,
    );
  });

  it('never throws, on every prefix of every line', () => {
    for (const l of lines) for (let i = 0; i <= l.length; i++) parseMonitorLine(l.slice(0, i));
  });

  it('a name Linux could not have is read but not capturable (never sent to a shell)', () => {
    const up = lines.find((l) => l.startsWith('4: cali1b6b7c1e3a0@if2: <BROADCAST,MULTICAST,UP'))!;
    const long = parseMonitorLine(up.replace('cali1b6b7c1e3a0@', 'cali1b6b7c1e3a0xyz@'));
    expect(long?.iface).toMatchObject({ name: 'cali1b6b7c1e3a0xyz', capturable: false });
  });
});

const UP_3 = '3: vethfeed0001@if2: <BROADCAST,MULTICAST,UP,LOWER_UP>';
const DOWN_3 = '3: vethfeed0001@if2: <BROADCAST,MULTICAST> mtu 1450 qdisc noop master cni0';
const DELETED_3 = 'Deleted 3: vethfeed0001@NONE: <BROADCAST,MULTICAST> mtu 1450 qdisc';
const UP_8 = '8: vethfeed0001@if2: <BROADCAST,MULTICAST,UP,LOWER_UP>';

/**
 * A node whose link list reads answer only when the test says (`answer(list)`), and whose monitor channel the test
 * writes lines to (`say(...)`).
 */
function slowNode() {
  const pending: ((text: string) => void)[] = [];
  let monitor: EventEmitter | null = null;
  const conn = {
    closed: false,
    exec: (command: string) => {
      expect(command).toBe('ip -j -d link show');
      return new Promise((resolve) =>
        pending.push((text) =>
          resolve({ code: 0, signal: null, stdout: Buffer.from(text), stderr: Buffer.alloc(0) }),
        ),
      );
    },
    channel: async (_command: string, attach: (c: unknown) => void) => {
      const ch = Object.assign(new EventEmitter(), {
        stderr: new EventEmitter(),
        write: () => true,
        end: () => undefined,
        close: () => ch.emit('close'),
      });
      attach(ch);
      monitor = ch;
      return ch;
    },
  } as unknown as SshConnection;
  return {
    conn,
    /** Reads asked for and not answered yet. */
    waiting: () => pending.length,
    answer: (links: unknown[]) => pending.shift()!(JSON.stringify(links)),
    say: (...ls: string[]) => monitor!.emit('data', Buffer.from(ls.map((l) => `${l}\n`).join(''))),
    monitoring: () => monitor !== null,
  };
}

const flush = () => new Promise((r) => setTimeout(r, 5));
const listJson = JSON.parse(readFileSync(join(FIX, 'links.json'), 'utf8')) as {
  ifname: string;
  ifindex: number;
}[];
const without = listJson.filter((l) => l.ifname !== 'vethfeed0001');
const withIndex = (ifindex: number) => [
  ...without,
  { ...listJson.find((l) => l.ifname === 'vethfeed0001')!, ifindex },
];

describe("the link watcher on the monitor's lines", () => {
  /** A watcher of `veth*` on the slow node; `captured`: vethfeed0001 at index 3 is in the baseline. */
  async function watching(captured: boolean) {
    const node = slowNode();
    const found: { names: string[]; links: NodeInterfaces }[] = [];
    const seen = eligibleIndexes(['veth*'], {
      ...list,
      interfaces: list.interfaces.filter((i) => captured || i.name !== 'vethfeed0001'),
    });
    const w = new LinkWatcher(
      'node-1',
      ['veth*'],
      () => node.conn,
      seen,
      async (names, links) => void found.push({ names, links }),
      { intervalMs: 60_000 },
    );
    w.start();
    for (let i = 0; i < 100 && !(node.monitoring() && w.monitoring); i++) await flush();
    expect(w.monitoring).toBe(true);
    return { node, found, w };
  }

  it("a veth's line coming up hands it over at once, as the line reads it, before any read of the list answers", async () => {
    const { node, found, w } = await watching(false);
    try {
      // Its creation, down: nothing to capture yet (a glob skips down interfaces).
      node.say(line(DOWN_3));
      await flush();
      expect(found).toEqual([]);
      const asked = node.waiting();
      node.say(line(UP_3));
      await flush();
      expect(found.map((f) => f.names)).toEqual([['vethfeed0001']]);
      expect(found[0].links.interfaces).toEqual([parseMonitorLine(line(UP_3))!.iface]);
      // No read had answered: the line was enough. Reads are asked for all the same (for everything else).
      expect(node.waiting()).toBeGreaterThanOrEqual(asked);
      // The same link's later lines (tcpdump's promiscuous mode, the bridge port forwarding) add nothing.
      node.say(...lines.filter((l) => l.startsWith('3: vethfeed0001@')).slice(-3));
      while (node.waiting() > 0) node.answer(withIndex(3));
      await flush();
      expect(found).toHaveLength(1);
    } finally {
      w.stop();
    }
  });

  it('a line about a link of another kind, or a veth no glob chooses, hands nothing over; the list read does', async () => {
    const { node, found, w } = await watching(false);
    try {
      node.say(
        line('7: tunfeed0: <NO-CARRIER,POINTOPOINT,MULTICAST,NOARP,UP>'),
        line('6: vethin0@vethin1: <BROADCAST,MULTICAST,UP'),
      );
      await flush();
      // vethin0 is chosen by veth*, but it was up in the baseline (in `list`): not new. The TUN device: no glob.
      expect(found).toEqual([]);
      expect(node.waiting()).toBeGreaterThan(0);
    } finally {
      w.stop();
    }
  });

  it('a pod recreated under the same veth name: handed over again; a read begun before, answering with the old link, changes nothing', async () => {
    const { node, found, w } = await watching(true);
    try {
      // A read is under way (the monitor's opening asked for one) when the pod goes and comes back.
      while (node.waiting() === 0) await flush();
      node.say(line(DELETED_3), line(UP_8));
      await flush();
      expect(found.map((f) => [f.names, f.links.interfaces[0].ifindex])).toEqual([[['vethfeed0001'], 8]]);
      // That read answers with the link as it was when it began (index 3): older than what the monitor said.
      node.answer(withIndex(3));
      await flush();
      // The read the lines asked for answers with what is there now.
      while (node.waiting() > 0) node.answer(withIndex(8));
      await flush();
      expect(found).toHaveLength(1);
      // Gone again, and back again under another index: a third capture of the name.
      node.say(line(DELETED_3).replace('Deleted 3:', 'Deleted 8:'), line(UP_8).replace('8:', '9:'));
      await flush();
      expect(found.map((f) => f.links.interfaces[0].ifindex)).toEqual([8, 9]);
    } finally {
      w.stop();
    }
  });
});
