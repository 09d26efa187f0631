// A capture session following new interfaces on a node played in-process (NodeSpec.open's connection, the way the
// app hands its connections over): what the link monitor's line about a new pod's veth sets off. Its tcpdump starts
// from the line alone (the link list's reads held back here) and without a `tcpdump -d` (the filter was compiled
// for Ethernet on the node at the start); a link of a type not compiled for yet is still checked first; tcpdump's own
// refusal of the filter, or of a name gone again, reaches the capture's status; a name back under another index is
// captured again into `NAME~2`.

import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { CaptureSession, type IfaceCaptureStatus } from '../../main/capture/index.ts';
import { FILTER_CHECKED_MARK, START_LINE, WAIT_WATCHDOG_MARK } from '../../main/capture/tcpdumpCommand.ts';
import { DISCOVERY_EXEC } from '../../main/discover/discoverNode.ts';
import type { SshConnection } from '../../main/ssh/connection.ts';
import { pcapHeader } from '../pcapBytes.ts';
import { tempDir } from '../tempDir.ts';

const FIX = new URL('../fixtures/link-monitor/', import.meta.url).pathname;
/** An `ip` for the discovery script: the node's links from links.json, no addresses or routes. */
const STUB = join(tempDir('hs-follow-ip-'), 'bin');
mkdirSync(STUB);
writeFileSync(
  join(STUB, 'ip'),
  `#!/bin/sh\ncase "$*" in *link*) cat '${join(STUB, 'links.json')}' ;; *) echo '[]' ;; esac\n`,
);
chmodSync(join(STUB, 'ip'), 0o755);
const monitorLines = readFileSync(join(FIX, 'monitor.txt'), 'utf8').split('\n').filter(Boolean);
const line = (prefix: string) => monitorLines.find((l) => l.startsWith(prefix))!;
type Link = { ifname: string; ifindex: number; flags?: string[] };
const fixtureLinks = JSON.parse(readFileSync(join(FIX, 'links.json'), 'utf8')) as Link[];
/** The node at the start: lo, cni0 (captured), vethin0/1; no pod's veth, no TUN device yet. */
const startLinks = fixtureLinks.filter(
  (l) => !['vethfeed0001', 'cali1b6b7c1e3a0', 'tunfeed0'].includes(l.ifname),
);

type TcpdumpPlay = 'listen' | 'bad filter' | 'no such device';

class FakeChannel extends EventEmitter {
  readonly stderr = new EventEmitter();
  constructor(private readonly onWrite: (d: string) => void = () => undefined) {
    super();
  }
  write(d: string | Buffer): boolean {
    this.onWrite(String(d));
    return true;
  }
  end(): void {
    this.emit('stdin-end');
  }
  close(): void {
    this.emit('close');
  }
  signal(): void {}
}

/** A node: its link list (reads held while `holdReads`), a link monitor the test speaks through, scripted tcpdumps. */
class FakeNode {
  links: Link[] = startLinks;
  holdReads = false;
  private held: (() => void)[] = [];
  readonly execs: string[] = [];
  /** Every command the node was sent, exec or channel. */
  readonly commands: string[] = [];
  readonly tcpdumps: string[] = [];
  monitor: FakeChannel | null = null;
  plays = new Map<string, TcpdumpPlay>();
  readonly conn: SshConnection;

  constructor() {
    const conn = Object.assign(new EventEmitter(), {
      closed: false,
      target: { alias: 'node-1', hostName: '10.1.10.9', port: 22, user: 'root', proxyJump: [] },
      hostKey: { keyType: 'ssh-ed25519', fingerprint: 'SHA256:fake', status: 'known', file: 'known_hosts' },
      exec: (command: string) => this.exec(command),
      channel: async (command: string, attach?: (c: FakeChannel) => void) => this.channel(command, attach),
      close: () => undefined,
    });
    this.conn = conn as unknown as SshConnection;
  }

  say(...lines: string[]): void {
    this.monitor!.emit('data', Buffer.from(lines.map((l) => `${l}\n`).join('')));
  }

  releaseReads(): void {
    this.holdReads = false;
    for (const r of this.held.splice(0)) r();
  }

  private async exec(command: string) {
    this.execs.push(command);
    this.commands.push(command);
    const ok = (out: string) => ({
      code: 0,
      signal: null,
      stdout: Buffer.from(out),
      stderr: Buffer.alloc(0),
    });
    if (command === 'ip -j -d link show') {
      if (this.holdReads) await new Promise<void>((r) => this.held.push(r));
      return ok(JSON.stringify(this.links));
    }
    if (command === DISCOVERY_EXEC) {
      // The real script, in /bin/sh, with an `ip` that answers this node's links.
      if (this.holdReads) await new Promise<void>((r) => this.held.push(r));
      writeFileSync(join(STUB, 'links.json'), JSON.stringify(this.links));
      const r = spawnSync('/bin/sh', ['-c', command], {
        env: { ...process.env, PATH: `${STUB}:${process.env.PATH}` },
      });
      return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
    }
    if (command === 'ip -j addr show' || command === 'ip -j route show') return ok('[]');
    if (command.includes('tcpdump -d')) return ok('');
    throw new Error(`unexpected command ${command}`);
  }

  private channel(command: string, attach?: (c: FakeChannel) => void): FakeChannel {
    this.commands.push(command);
    if (command.includes('date +%s%N')) {
      const ch: FakeChannel = new FakeChannel(() =>
        setImmediate(() => ch.emit('data', Buffer.from(`${BigInt(Date.now()) * 1_000_000n}\n`))),
      );
      attach?.(ch);
      return ch;
    }
    // A start whose filter check runs on the capture's own channel: the check passes, and tcpdump plays once the
    // session says go (the session's start: the node waits for it), or at once (a new interface's: no wait).
    const checked = command.includes(FILTER_CHECKED_MARK);
    const gated = checked && command.includes(WAIT_WATCHDOG_MARK);
    let go: () => void = () => undefined;
    const told = new Promise<void>((r) => (go = r));
    const ch = new FakeChannel((d) => d === `${START_LINE}\n` && go());
    attach?.(ch);
    if (command.includes(' monitor link')) {
      this.monitor = ch;
      return ch;
    }
    const iface = /-i (\S+) /.exec(command)?.[1] ?? '?';
    if (checked) {
      this.execs.push(command);
      setImmediate(() => {
        ch.stderr.emit('data', Buffer.from(`${FILTER_CHECKED_MARK}\n`));
        if (!gated) go();
      });
    } else go();
    void told.then(() => this.play(iface, ch));
    return ch;
  }

  private play(iface: string, ch: FakeChannel): void {
    this.tcpdumps.push(iface);
    const play = this.plays.get(iface) ?? 'listen';
    setImmediate(() => {
      if (play === 'listen') {
        ch.stderr.emit(
          'data',
          Buffer.from(
            `tcpdump: listening on ${iface}, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n`,
          ),
        );
        ch.emit('data', pcapHeader());
        ch.on('stdin-end', () => {
          ch.stderr.emit(
            'data',
            Buffer.from('0 packets captured\n0 packets received by filter\n0 packets dropped by kernel\n'),
          );
          ch.emit('exit', 0);
          ch.emit('close');
        });
        return;
      }
      ch.stderr.emit(
        'data',
        Buffer.from(
          play === 'bad filter'
            ? "tcpdump: can't parse filter expression: syntax error\n"
            : `tcpdump: ${iface}: No such device exists\n(SIOCGIFHWADDR: No such device)\n`,
        ),
      );
      ch.emit('exit', 1);
      ch.emit('close');
    });
  }
}

const sessions: CaptureSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop()));
});

/** A session on the fake node capturing cni0 and following `follow`; resolves once its monitor is open. */
async function following(node: FakeNode, follow: string[]) {
  const s = new CaptureSession({
    nodes: [
      {
        name: 'node-1',
        host: '10.1.10.9',
        open: async () => ({
          conn: node.conn,
          privilege: { mode: 'root' },
          tcpdump: { path: '/usr/sbin/tcpdump', version: '4.99.3', nano: true },
          ssh: { clientIp: '10.1.10.1', clientPort: 40000, serverIp: '10.1.10.9', serverPort: 22 },
        }),
      },
    ],
    outDir: join(tempDir('hs-follow-session-'), 's'),
    filter: 'icmp',
    followIntervalMs: 60_000,
    delivery: 'immediate',
  });
  sessions.push(s);
  const states: IfaceCaptureStatus[] = [];
  s.on('iface', (st: IfaceCaptureStatus) => states.push(st));
  await s.connect();
  await s.discover();
  await s.start(s.select(['node-1:cni0']), ['node-1:cni0', ...follow]);
  await waitFor('the link monitor', () => node.monitor !== null);
  // The read the monitor's opening asked for.
  await waitFor('a read', () => node.execs.filter((c) => c === 'ip -j -d link show').length >= 1);
  await new Promise((r) => setTimeout(r, 20));
  return { s, states };
}

async function waitFor(what: string, ok: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 5)))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

const filterChecks = (node: FakeNode, iface: string) =>
  node.execs.filter((c) => c.includes('tcpdump -d') && c.includes(` ${iface} `));
const UP_3 = '3: vethfeed0001@if2: <BROADCAST,MULTICAST,UP,LOWER_UP>';

describe('following new interfaces, from the link monitor’s line', () => {
  it("a pod's veth: its tcpdump starts from the line alone, with no filter check; back under another index it is captured again", async () => {
    const node = new FakeNode();
    const { s } = await following(node, ['node-1:veth*']);
    expect(filterChecks(node, 'cni0')).toHaveLength(1);
    node.holdReads = true;
    node.links = [...startLinks, fixtureLinks.find((l) => l.ifname === 'vethfeed0001')!];
    node.say(line(UP_3));
    await waitFor('its capture', () =>
      s.captureStatuses().some((c) => c.iface === 'vethfeed0001' && c.state === 'capturing'),
    );
    // No read of the link list had answered, and no `tcpdump -d` ran for it.
    expect(node.tcpdumps).toEqual(['cni0', 'vethfeed0001']);
    expect(filterChecks(node, 'vethfeed0001')).toEqual([]);
    const doc = s.toJSON();
    const added = doc.captures.find((c) => c.iface === 'vethfeed0001')!;
    expect(added.addedAt).not.toBeNull();
    // In the node's discovery as the line told it (a pod's side: its veth's loss says so).
    expect(doc.nodes[0].discovery!.interfaces.find((i) => i.name === 'vethfeed0001')).toMatchObject({
      kind: 'veth',
      master: 'cni0',
      bridgePort: true,
      peer: { netnsId: 0 },
    });
    node.releaseReads();

    // The pod recreated: the old veth deleted, the new one up under index 8.
    node.say(
      line('Deleted 3: vethfeed0001@NONE: <BROADCAST,MULTICAST> mtu 1450 qdisc'),
      line('8: vethfeed0001@if2: <BROADCAST,MULTICAST,UP,LOWER_UP>'),
    );
    await waitFor('its second capture', () =>
      s
        .captureStatuses()
        .some((c) => c.iface === 'vethfeed0001' && c.instance === 2 && c.state === 'capturing'),
    );
    expect(s.captureStatuses().find((c) => c.instance === 2)!.file).toMatch(/node-1__vethfeed0001~2\.pcap$/);
    expect(filterChecks(node, 'vethfeed0001')).toEqual([]);
  });

  it('a link of a type the filter was not compiled for (a TUN device, raw IP) is checked first, from the list', async () => {
    const node = new FakeNode();
    const { s } = await following(node, ['node-1:tun*']);
    node.links = [...startLinks, fixtureLinks.find((l) => l.ifname === 'tunfeed0')!];
    node.say(line('7: tunfeed0: <NO-CARRIER,POINTOPOINT,MULTICAST,NOARP,UP>'));
    await waitFor('its capture', () =>
      s.captureStatuses().some((c) => c.iface === 'tunfeed0' && c.state === 'capturing'),
    );
    expect(filterChecks(node, 'tunfeed0')).toHaveLength(1);
    // The check and the capture in one command: no round trip for the check of its own.
    const sent = node.commands.filter((c) => c.includes(' tunfeed0 '));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain('-U -w -');
  });

  it("tcpdump refusing the filter on a veth started unchecked: the capture fails saying tcpdump's words", async () => {
    const node = new FakeNode();
    const { s, states } = await following(node, ['node-1:veth*']);
    node.plays.set('vethfeed0001', 'bad filter');
    node.say(line(UP_3));
    await waitFor('its failure', () =>
      states.some((st) => st.iface === 'vethfeed0001' && st.state === 'failed'),
    );
    const failed = s.captureStatuses().find((c) => c.iface === 'vethfeed0001')!;
    expect(failed.error).toEqual({
      code: 'FILTER_INVALID',
      message: "node-1:vethfeed0001: tcpdump: can't parse filter expression: syntax error",
    });
    // The other capture goes on.
    expect(s.captureStatuses().find((c) => c.iface === 'cni0')!.state).toBe('capturing');
  });

  it('a veth gone again before its tcpdump started (tcpdump does not know the name): IFACE_GONE, as the check said it', async () => {
    const node = new FakeNode();
    const { s } = await following(node, ['node-1:veth*']);
    node.plays.set('vethfeed0001', 'no such device');
    node.say(line(UP_3));
    await waitFor('its failure', () =>
      s.captureStatuses().some((c) => c.iface === 'vethfeed0001' && c.state === 'failed'),
    );
    expect(s.captureStatuses().find((c) => c.iface === 'vethfeed0001')!.error).toEqual({
      code: 'IFACE_GONE',
      message: 'node-1:vethfeed0001: it went away before its capture started (a short-lived pod?)',
    });
  });
});
