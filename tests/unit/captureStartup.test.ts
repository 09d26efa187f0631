// How a capture session starts, against an in-process ssh2 server whose commands run in a real /bin/sh with
// stand-in `tcpdump` and `ip` first on PATH (the probe, discovery, clock, filter check and watchdog scripts are the
// real ones): what runs side by side, what one exec carries, and that every pre-check still fails as it did.
// - Once connected, discovery and sudo's check do not wait for the probe's answer (nor the clock for its channel);
//   discovery's three `ip -j` commands are one exec, and a failing one is still named with its status and words.
// - Each interface's filter check runs on the channel its tcpdump then starts on (checkedStartScript): one exec per
//   interface; tcpdump starts there only once every check passed. A filter any interface rejects is FILTER_INVALID
//   before anything starts (no tcpdump, no file, no script left waiting); an interface the check finds missing
//   (IFACE_UNKNOWN) or forbidden (CAPTURE_PERMISSION_DENIED) fails alone with tcpdump's words, as the check on its
//   own exec said them; the probe finding no tcpdump is TCPDUMP_NOT_FOUND, and sudo wanting a password
//   SUDO_PASSWORD_REQUIRED, at connect. The app's node list connects with the same side-by-side commands.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import type { ErrorData, HopscopeError } from '../../main/common/errors.ts';
import { CaptureSession, type NodeSpec } from '../../main/capture/index.ts';
import { PROBE_SCRIPT, shScript } from '../../main/capture/tcpdumpCommand.ts';
import { DISCOVERY_EXEC } from '../../main/discover/discoverNode.ts';
import { NodeManager } from '../../main/app/nodes.ts';
import { readiness } from '../../main/cli/capture.ts';
import { InterfaceCapture } from '../../main/capture/interfaceCapture.ts';
import { connectSsh } from '../../main/ssh/connection.ts';
import { resolveTarget } from '../../main/ssh/sshConfig.ts';
import { pcapHeader } from '../pcapBytes.ts';
import { tempDir } from '../tempDir.ts';

const { Server } = ssh2;
const dir = tempDir('hs-startup-');
const STUB = join(dir, 'bin');
const LOG = join(dir, 'log');
spawnSync('mkdir', [STUB]);
spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host')]);
writeFileSync(join(STUB, 'header.pcap'), pcapHeader());

const link = (ifindex: number, ifname: string, extra: object = {}) => ({
  ifindex,
  ifname,
  flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
  mtu: 1500,
  operstate: 'UP',
  link_type: 'ether',
  address: `02:00:00:00:00:0${ifindex}`,
  ...extra,
});
writeFileSync(
  join(STUB, 'links.json'),
  JSON.stringify([
    link(1, 'lo', { flags: ['LOOPBACK', 'UP', 'LOWER_UP'], link_type: 'loopback', operstate: 'UNKNOWN' }),
    link(2, 'eth0'),
    link(3, 'eth1'),
    link(4, 'gone0'),
    link(5, 'noperm0'),
  ]),
);

// The stand-ins log when they start and end (ns), so that the test can tell what ran beside what.
writeFileSync(
  join(STUB, 'ip'),
  `#!/bin/sh
echo "ip $* start $(date +%s%N)" >> "${LOG}"
case "$*" in
  *addr*) [ ! -f "${STUB}/fail-addr" ] || { echo "Error: addr dump broke" >&2; exit 2; }; echo '[]' ;;
  *link*) cat "${STUB}/links.json" ;;
  *) echo '[]' ;;
esac
`,
);
writeFileSync(
  join(STUB, 'tcpdump'),
  `#!/bin/sh
case " $* " in
  *" --version "*)
    [ ! -f "${STUB}/slow-version" ] || sleep 0.3
    echo "tcpdump --version end $(date +%s%N)" >> "${LOG}"
    echo "tcpdump version 4.99.3"
    exit 0 ;;
esac
iface= prev=
for a; do [ "$prev" != -i ] || iface=$a; prev=$a; done
case " $* " in
  *" -d "*)
    echo "tcpdump -d $iface" >> "${LOG}"
    # A filter naming \`bogus\` compiles on eth0 only (as a filter may on one link type and not another).
    case "$iface $*" in "eth0 "*) ;; *bogus*) echo "tcpdump: can't parse filter expression: syntax error" >&2; exit 1 ;; esac
    case "$iface" in
      gone0) echo "tcpdump: gone0: No such device exists" >&2; echo "(SIOCGIFHWADDR: No such device)" >&2; exit 1 ;;
      noperm0) echo "tcpdump: noperm0: You don't have permission to capture on that device" >&2
               echo "(socket: Operation not permitted)" >&2; exit 1 ;;
    esac
    echo "(000) ret #262144"
    exit 0 ;;
esac
echo "capture $iface" >> "${LOG}"
[ ! -f "${STUB}/slow-listen-$iface" ] || sleep 0.6
trap 'printf "0 packets captured\\n0 packets received by filter\\n0 packets dropped by kernel\\n" >&2; exit 0' TERM
echo "tcpdump: listening on $iface, link-type EN10MB (Ethernet), snapshot length 262144 bytes" >&2
cat "${STUB}/header.pcap"
while :; do sleep 1 >/dev/null 2>&1 & wait $!; done
`,
);
chmodSync(join(STUB, 'ip'), 0o755);
chmodSync(join(STUB, 'tcpdump'), 0o755);

/** Every command the server ran (and when it came, ns; and which login sent it), and the shells still running. */
const commands: string[] = [];
const byUser: { user: string; command: string }[] = [];
const arrived = new Map<string, bigint>();
const running = new Set<ChildProcess>();
/** Commands answered by the test instead of the shell: stdout, stderr, exit status. */
const scripted = new Map<string, { out?: string; err?: string; code: number }>();
/** Wall-clock ns (as the stand-ins' `date +%s%N`) from the monotonic clock. */
const hrBase = process.hrtime.bigint();
const wallBase = BigInt(Date.now()) * 1_000_000n;
let server: InstanceType<typeof Server>;
const clients = new Set<ssh2.Connection>();
let port = 0;

beforeAll(async () => {
  server = new Server({ hostKeys: [readFileSync(join(dir, 'host'))] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    let user = '';
    client.on('authentication', (ctx) => {
      user = ctx.username;
      // The login `late` is a node that takes its time to come up (it joins a capture under way).
      if (user === 'late') setTimeout(() => ctx.accept(), 300);
      else ctx.accept();
    });
    client.on('ready', () =>
      client.on('session', (accept) =>
        accept().on('exec', (acc, _rej, info) => {
          commands.push(info.command);
          byUser.push({ user, command: info.command });
          arrived.set(info.command, process.hrtime.bigint() - hrBase + wallBase);
          const ch = acc();
          const s = scripted.get(info.command);
          if (s) {
            if (s.out) ch.write(s.out);
            if (s.err) ch.stderr.write(s.err);
            ch.exit(s.code);
            ch.end();
            return;
          }
          const p = spawn('/bin/sh', ['-c', info.command], {
            env: {
              ...process.env,
              PATH: `${STUB}:${process.env.PATH}`,
              SSH_CONNECTION: '127.0.0.1 50000 127.0.0.1 22',
            },
          });
          running.add(p);
          p.stdout.pipe(ch, { end: false });
          p.stderr.on('data', (d: Buffer) => ch.stderr.write(d));
          ch.on('data', (d: Buffer) => p.stdin.write(d));
          ch.on('end', () => p.stdin.end());
          ch.on('close', () => running.has(p) && p.kill());
          p.stdin.on('error', () => undefined);
          ch.on('error', () => undefined);
          p.on('close', (code) => {
            running.delete(p);
            ch.exit(code ?? 255);
            ch.end();
          });
        }),
      ),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const c of clients) c.end();
  await new Promise<void>((r) => server.close(() => r()));
});

const sessions: CaptureSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop()));
  scripted.clear();
  commands.length = 0;
  byUser.length = 0;
  arrived.clear();
  writeFileSync(LOG, '');
  spawnSync('rm', [
    '-f',
    join(STUB, 'slow-version'),
    join(STUB, 'fail-addr'),
    join(STUB, 'slow-listen-eth1'),
  ]);
});

function session(
  opts: { filter?: string; node?: Partial<NodeSpec>; listenTimeoutMs?: number } = {},
): CaptureSession {
  const s = new CaptureSession({
    listenTimeoutMs: opts.listenTimeoutMs,
    nodes: [{ name: 'node-1', host: '127.0.0.1', port, user: 'u', credentials: { agent: '' }, ...opts.node }],
    knownHostsFiles: [join(dir, 'known_hosts')],
    acceptNew: true,
    outDir: join(tempDir('hs-startup-s-'), 's'),
    filter: opts.filter ?? 'icmp',
    followNew: false,
    delivery: 'immediate',
  });
  sessions.push(s);
  return s;
}

const log = () => readFileSync(LOG, 'utf8').split('\n').filter(Boolean);
const at = (line: string | undefined) => BigInt(line?.split(' ').at(-1) ?? '0');

async function until(what: string, ok: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 10)))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

describe('a session’s start', () => {
  it('discovers and asks sudo beside the probe: neither waits for the probe’s answer', async () => {
    writeFileSync(join(STUB, 'slow-version'), '');
    scripted.set('sudo -n -- true', { code: 0 });
    const s = session({ node: { sudo: true } });
    const [st] = await s.connect();
    expect(st.state).toBe('connected');
    const lines = log();
    const probeEnd = at(lines.find((l) => l.startsWith('tcpdump --version end')));
    const linkStart = at(lines.find((l) => l.startsWith('ip -j -d link show start')));
    expect(linkStart).toBeGreaterThan(0n);
    // The probe's tcpdump --version takes 0.3 s here; discovery and sudo's check did not wait for it (used or not:
    // a root login needs no sudo).
    expect(linkStart).toBeLessThan(probeEnd);
    expect(arrived.get('sudo -n -- true')).toBeLessThan(probeEnd);
    expect(st.privilege).toBe(process.getuid?.() === 0 ? 'root' : 'sudo');
    expect(st.clock?.samples).toBe(5);
    const [d] = await s.discover();
    expect(d.interfaces.map((i) => i.name)).toEqual(['lo', 'eth0', 'eth1', 'gone0', 'noperm0']);
    // Asked once, at connect, in one exec.
    expect(commands.filter((c) => c.includes('ip -j'))).toEqual([DISCOVERY_EXEC]);
  });

  it('a root login with --sudo asks no `sudo -n` (an exec root never needs); a root login the probe finds not root does', async () => {
    const probe = shScript(PROBE_SCRIPT);
    const probed = (uid: number) =>
      `uid=${uid}\nssh=127.0.0.1 50000 127.0.0.1 22\nsudo=/usr/bin/sudo\ntcpdump=/usr/sbin/tcpdump\n` +
      'version=tcpdump version 4.99.3\nnano=1\n';
    scripted.set('sudo -n -- true', { code: 0 });
    scripted.set(probe, { out: probed(0), code: 0 });
    const [root] = await session({ node: { user: 'root', sudo: true } }).connect();
    expect(root).toMatchObject({ state: 'connected', privilege: 'root' });
    expect(commands).not.toContain('sudo -n -- true');
    // Behaviour is the same otherwise: a login named root whose uid is not 0 gets sudo's check after the probe.
    scripted.set(probe, { out: probed(1000), code: 0 });
    const [notRoot] = await session({ node: { user: 'root', sudo: true } }).connect();
    expect(notRoot).toMatchObject({ state: 'connected', privilege: 'sudo' });
    expect(commands.filter((c) => c === 'sudo -n -- true')).toHaveLength(1);
    // And any other login asks it beside the probe, as before.
    scripted.set(probe, { out: probed(0), code: 0 });
    const [other] = await session({ node: { user: 'u', sudo: true } }).connect();
    expect(other).toMatchObject({ state: 'connected', privilege: 'root' });
    expect(commands.filter((c) => c === 'sudo -n -- true')).toHaveLength(2);
  });

  it('the app’s node list connects the same way: discovery and sudo’s check beside the probe', async () => {
    writeFileSync(join(STUB, 'slow-version'), '');
    scripted.set('sudo -n -- true', { code: 0 });
    const nodes: NodeManager = new NodeManager(
      () => undefined,
      (p) => nodes.answer(p.promptId, true),
    );
    nodes.add(
      {
        name: 'node-1',
        host: '127.0.0.1',
        port,
        user: 'u',
        auth: 'password',
        password: 'pw',
        sudo: true,
        knownHostsPath: join(dir, 'known_hosts_app'),
      },
      false,
    );
    try {
      const info = await nodes.connect('node-1');
      expect(info.state).toBe('connected');
      expect(info.interfaces.map((i) => i.name)).toEqual(['lo', 'eth0', 'eth1', 'gone0', 'noperm0']);
      const probeEnd = at(log().find((l) => l.startsWith('tcpdump --version end')));
      expect(at(log().find((l) => l.startsWith('ip -j -d link show start')))).toBeLessThan(probeEnd);
      expect(arrived.get('sudo -n -- true')).toBeLessThan(probeEnd);
    } finally {
      nodes.closeAll();
    }
  });

  it('discovery in one exec still names the command that failed, its status and its words', async () => {
    writeFileSync(join(STUB, 'fail-addr'), '');
    const s = session();
    await s.connect();
    expect(await s.discover()).toEqual([]);
    expect(s.nodeStatuses()[0]).toMatchObject({
      state: 'failed',
      error: {
        code: 'DISCOVERY_FAILED',
        message: "node-1: 'ip -j addr show' failed (exit 2): Error: addr dump broke",
      },
    });
  });

  it('checks the filter and starts tcpdump in one exec per interface, tcpdump only after every check', async () => {
    const s = session();
    await s.connect();
    await s.discover();
    await s.start(s.select(['node-1:eth0', 'node-1:eth1']));
    expect(s.captureStatuses().map((c) => [c.iface, c.state])).toEqual([
      ['eth0', 'capturing'],
      ['eth1', 'capturing'],
    ]);
    const starts = commands.filter((c) => c.includes('tcpdump'));
    // The probe's `tcpdump --version`, then one command per interface holding both its check and its capture.
    expect(starts.filter((c) => c.includes(' -d '))).toHaveLength(2);
    for (const iface of ['eth0', 'eth1']) {
      const mine = starts.filter((c) => c.includes(`-i ${iface} `));
      expect(mine).toHaveLength(1);
      expect(mine[0]).toContain(' -d ');
      expect(mine[0]).toContain('-U -w -');
    }
    const lines = log();
    const lastCheck = Math.max(...['eth0', 'eth1'].map((i) => lines.indexOf(`tcpdump -d ${i}`)));
    const firstCapture = Math.min(...['eth0', 'eth1'].map((i) => lines.indexOf(`capture ${i}`)));
    expect(firstCapture).toBeGreaterThan(lastCheck);
    await s.stop();
    expect(s.captureStatuses().map((c) => [c.state, c.packets])).toEqual([
      ['stopped', 0],
      ['stopped', 0],
    ]);
  });

  it('a node joining late checks and starts each interface in one exec, with the words the check said alone', async () => {
    const s = new CaptureSession({
      nodes: [
        { name: 'node-1', host: '127.0.0.1', port, user: 'u', credentials: { agent: '' } },
        { name: 'node-2', host: '127.0.0.1', port, user: 'late', credentials: { agent: '' } },
      ],
      knownHostsFiles: [join(dir, 'known_hosts')],
      acceptNew: true,
      outDir: join(tempDir('hs-startup-late-'), 's'),
      filter: 'icmp',
      followNew: false,
      delivery: 'immediate',
    });
    sessions.push(s);
    await s.connect({ graceMs: 0 });
    expect(s.pendingNodes()).toEqual(['node-2']);
    await s.discover();
    const selectors = ['node-1:eth0', 'node-2:eth1', 'node-2:gone0', 'node-2:noperm0'];
    await s.start(s.select(selectors), selectors);
    await until(
      'node-2’s captures',
      () => s.captureStatuses().filter((c) => c.node === 'node-2' && c.state !== 'starting').length === 3,
    );
    const st = Object.fromEntries(
      s
        .captureStatuses()
        .filter((c) => c.node === 'node-2')
        .map((c) => [c.iface, c]),
    );
    expect(st.eth1.state).toBe('capturing');
    expect(st.gone0).toMatchObject({
      state: 'failed',
      error: {
        code: 'IFACE_UNKNOWN',
        message: 'node-2:gone0: tcpdump: gone0: No such device exists | (SIOCGIFHWADDR: No such device)',
      },
    });
    expect(st.noperm0.error).toEqual({
      code: 'CAPTURE_PERMISSION_DENIED',
      message:
        "node-2:noperm0: tcpdump: noperm0: You don't have permission to capture on that device | " +
        '(socket: Operation not permitted)',
    });
    // One exec per interface on the late node (the check alone was one more before), holding check and capture.
    for (const iface of ['eth1', 'gone0', 'noperm0']) {
      const mine = byUser.filter((c) => c.user === 'late' && c.command.includes(`-i ${iface} `));
      expect(mine, iface).toHaveLength(1);
      expect(mine[0].command).toContain(' -d ');
      expect(mine[0].command).toContain('-U -w -');
    }
    // The filter (icmp) widened to follow the tunnels on the underlay: WireGuard's encrypted packets too.
    const eth1Command = byUser.find((c) => c.user === 'late' && c.command.includes('-i eth1 '))!.command;
    expect(eth1Command).toContain('(icmp) or (udp dst port 4789');
    expect(eth1Command).toContain(
      'udp dst port 6081 or udp dst port 51820 or udp dst port 51871 or ip proto 4)',
    );
    expect(existsSync(join(s.outDir, 'node-2__gone0.pcap'))).toBe(false);
    const eth1 = () => s.captureStatuses().find((c) => c.node === 'node-2' && c.iface === 'eth1')!;
    await until('eth1’s pcap header', () => eth1().bytes === 24);
    await s.stop();
    expect(eth1().state).toBe('stopped');
    expect(readFileSync(join(s.outDir, 'node-2__eth1.pcap')).equals(pcapHeader())).toBe(true);
  });

  it('a tcpdump slow to listen: `hopscope capture` warns it misses traffic until it does, then says it listens', async () => {
    writeFileSync(join(STUB, 'slow-listen-eth1'), '');
    const s = session({ listenTimeoutMs: 200 });
    await s.connect();
    await s.discover();
    await s.start(s.select(['node-1:eth0', 'node-1:eth1']));
    expect(s.captureStatuses().map((c) => c.state)).toEqual(['capturing', 'starting']);
    const said: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((m: string) => void said.push(m));
    try {
      const stop = readiness(s, undefined, false);
      expect(said).toEqual([
        'hopscope capture: capturing on 1 interface of 1 node: packets from now on are recorded; Ctrl-C stops',
        'hopscope capture: warning: node-1:eth1: tcpdump has not said it is listening yet: ' +
          'this interface records packets only from when it does (said below)',
      ]);
      await until('eth1 listening', () => s.captureStatuses()[1].state === 'capturing');
      expect(said.slice(2)).toEqual([
        'hopscope capture: node-1:eth1: listening: packets from now on are recorded',
      ]);
      stop();
    } finally {
      spy.mockRestore();
    }
  });

  it('a filter one interface rejects: FILTER_INVALID, nothing started, no file, no script left waiting', async () => {
    const s2 = session({ filter: 'bogus' });
    await s2.connect();
    await s2.discover();
    let err: HopscopeError | null = null;
    try {
      await s2.start(s2.select(['node-1:eth0', 'node-1:eth1']));
    } catch (e) {
      err = e as HopscopeError;
    }
    expect(err?.code).toBe('FILTER_INVALID');
    expect(err?.message).toBe("node-1:eth1: tcpdump: can't parse filter expression: syntax error");
    // eth0's check passed, and its script waited for the start that never came.
    expect(
      log()
        .filter((l) => l.startsWith('tcpdump -d'))
        .sort(),
    ).toEqual(['tcpdump -d eth0', 'tcpdump -d eth1']);
    expect(log().filter((l) => l.startsWith('capture'))).toEqual([]);
    expect(s2.captureStatuses()).toEqual([]);
    expect(readdirSync(s2.outDir).filter((f) => f.endsWith('.pcap'))).toEqual([]);
    await until('every check’s script to end', () =>
      [...running].every((p) => !(p.spawnargs.at(-1) ?? '').includes(' -d ')),
    );
  });

  it('an interface its check finds missing or forbidden fails alone, with tcpdump’s words; the others capture', async () => {
    const s = session();
    await s.connect();
    await s.discover();
    await s.start(s.select(['node-1:eth0', 'node-1:gone0', 'node-1:noperm0']));
    const st = Object.fromEntries(s.captureStatuses().map((c) => [c.iface, c]));
    expect(st.eth0.state).toBe('capturing');
    expect(st.gone0).toMatchObject({
      state: 'failed',
      exitCode: null,
      error: {
        code: 'IFACE_UNKNOWN',
        message: 'node-1:gone0: tcpdump: gone0: No such device exists | (SIOCGIFHWADDR: No such device)',
      },
    });
    expect(st.noperm0).toMatchObject({
      state: 'failed',
      error: {
        code: 'CAPTURE_PERMISSION_DENIED',
        message:
          "node-1:noperm0: tcpdump: noperm0: You don't have permission to capture on that device | " +
          '(socket: Operation not permitted)',
      },
    });
    expect(log().filter((l) => l.startsWith('capture'))).toEqual(['capture eth0']);
    expect(existsSync(join(s.outDir, 'node-1__gone0.pcap'))).toBe(false);
    await until('eth0’s pcap header', () => s.captureStatuses()[0].bytes === 24);
    expect(readFileSync(join(s.outDir, 'node-1__eth0.pcap')).equals(pcapHeader())).toBe(true);
  });

  it('a check that does not answer fails its capture (SSH_UNREACHABLE) rather than leaving it starting', async () => {
    const target = resolveTarget({ host: '127.0.0.1', user: 'u', port }, {});
    const conn = await connectSsh({
      target,
      credentials: { agent: '' },
      hostKeys: { knownHostsFiles: [join(dir, 'known_hosts')], acceptNew: true },
    });
    try {
      const spec = { tcpdumpPath: 'tcpdump', iface: 'eth0', snaplen: 262144, nano: true, filter: '' };
      const file = join(tempDir('hs-startup-c-'), 'eth0.pcap');
      const cap = new InterfaceCapture('node-1', 'eth0', file, conn, spec, { mode: 'none' });
      cap.checkTimeoutMs = 200;
      const r = await cap.precheck('sleep 5');
      const error: ErrorData = {
        code: 'SSH_UNREACHABLE',
        message: 'node-1:eth0: the filter check did not answer',
      };
      expect(r).toEqual({ ok: false, error });
      cap.failBeforeStart(error);
      expect(cap.status).toMatchObject({ state: 'failed', error });
      expect(existsSync(file)).toBe(false);
    } finally {
      conn.close();
    }
  });

  it('a connection lost after the check passed: go() leaves the capture lost with its file, for resume()', async () => {
    const target = resolveTarget({ host: '127.0.0.1', user: 'u', port }, {});
    const conn = await connectSsh({
      target,
      credentials: { agent: '' },
      hostKeys: { knownHostsFiles: [join(dir, 'known_hosts')], acceptNew: true },
    });
    const spec = { tcpdumpPath: 'tcpdump', iface: 'eth0', snaplen: 262144, nano: true, filter: '' };
    const file = join(tempDir('hs-startup-l-'), 'eth0.pcap');
    const cap = new InterfaceCapture('node-1', 'eth0', file, conn, spec, { mode: 'none' });
    cap.reconnect = true;
    expect(await cap.precheck('true')).toEqual({ ok: true });
    conn.close();
    await until('the capture lost', () => cap.status.state === 'lost');
    await cap.go();
    expect(cap.status.state).toBe('lost');
    expect(existsSync(file)).toBe(true);
    await cap.stop();
  });

  it('heartbeats go from the check’s opening, so the node waits for go() past its timeout; unheard, it gives up', async () => {
    const target = resolveTarget({ host: '127.0.0.1', user: 'u', port }, {});
    const conn = await connectSsh({
      target,
      credentials: { agent: '' },
      hostKeys: { knownHostsFiles: [join(dir, 'known_hosts')], acceptNew: true },
    });
    const spec = { tcpdumpPath: 'tcpdump', iface: 'eth0', snaplen: 262144, nano: true, filter: '' };
    const capture = (interval: number) => {
      const cap = new InterfaceCapture(
        'node-1',
        'eth0',
        join(tempDir('hs-startup-w-'), 'eth0.pcap'),
        conn,
        spec,
        {
          mode: 'none',
        },
      );
      cap.watchdog = { heartbeatTimeoutS: 1 };
      cap.heartbeatIntervalMs = interval;
      return cap;
    };
    try {
      const heard = capture(200);
      const unheard = capture(60_000);
      expect(await heard.precheck('true')).toEqual({ ok: true });
      expect(await unheard.precheck('true')).toEqual({ ok: true });
      await new Promise((r) => setTimeout(r, 1300)); // another interface's check taking its time
      await heard.go();
      expect(heard.status.state).toBe('capturing');
      await heard.stop();
      expect(heard.status.state).toBe('stopped');
      await unheard.whenDone();
      expect(unheard.status).toMatchObject({
        state: 'failed',
        error: {
          code: 'CAPTURE_FAILED',
          message: 'node-1:eth0: the node gave up waiting for the start (no heartbeat from us for 1 s)',
        },
      });
      await unheard.go();
      expect(existsSync(unheard.status.file)).toBe(false);
    } finally {
      conn.close();
    }
  });

  it('no tcpdump on the node is TCPDUMP_NOT_FOUND at connect, before sudo’s answer; sudo wanting a password is said', async () => {
    const probe = shScript(PROBE_SCRIPT);
    scripted.set(probe, { out: 'uid=1000\nssh=127.0.0.1 50000 127.0.0.1 22\nsudo=/usr/bin/sudo\n', code: 0 });
    scripted.set('sudo -n -- true', { err: 'sudo: a password is required\n', code: 1 });
    const [a] = await session({ node: { sudo: true } }).connect();
    expect(a.state).toBe('failed');
    expect(a.error).toEqual({
      code: 'TCPDUMP_NOT_FOUND',
      message: 'node-1: tcpdump is not installed (looked in PATH and /usr/sbin, /usr/bin, /sbin)',
    });
    scripted.set(probe, {
      out: 'uid=1000\nssh=127.0.0.1 50000 127.0.0.1 22\ntcpdump=/usr/sbin/tcpdump\nversion=tcpdump version 4.99.3\nnano=1\n',
      code: 0,
    });
    const [b] = await session({ node: { sudo: true } }).connect();
    expect(b.state).toBe('failed');
    expect(b.error?.code).toBe('SUDO_PASSWORD_REQUIRED');
    expect(b.error?.message).toMatch(/^node-1: sudo needs a password for u; give one/);
  });
});
