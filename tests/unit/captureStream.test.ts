// InterfaceCapture over a real SSH channel from an in-process ssh2 server playing a node whose "tcpdump" sends
// scripted bytes: the file holds exactly what arrived; a cut mid-record then a resume leaves a valid pcap
// (the half record dropped, the second header skipped); garbage is kept and reported with its offset.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BUFFERED_STOP_DRAIN_MS, InterfaceCapture } from '../../main/capture/interfaceCapture.ts';
import { connectSsh, type SshConnection } from '../../main/ssh/connection.ts';
import { resolveTarget } from '../../main/ssh/sshConfig.ts';
import { pcapHeader } from '../pcapBytes.ts';
import { tempDir } from '../tempDir.ts';

const { Server } = ssh2;
const dir = tempDir('hs-stream-');
spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host')]);

/** A classic pcap header (LE, nanosecond magic, EN10MB, snaplen 262144) and Ethernet-sized records. */
const header = () => pcapHeader();
function record(n: number, len = 60): Buffer {
  const r = Buffer.alloc(16 + len);
  r.writeUInt32LE(1_700_000_000 + n, 0);
  r.writeUInt32LE(n * 1000, 4);
  r.writeUInt32LE(len, 8);
  r.writeUInt32LE(len, 12);
  for (let i = 0; i < len; i++) r[16 + i] = (n + i) & 0xff;
  r.fill(0xff, 16, 22); // broadcast destination MAC
  r.writeUInt16LE(0xb588, 28); // ethertype 0x88b5 (local experimental), stored big-endian
  return r;
}
const LISTEN = 'tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n';

type Script = (ch: ssh2.ServerChannel, sock: { destroy(): void }) => void;
let nextScript: Script = () => undefined;
const commands: string[] = [];
let server: InstanceType<typeof Server>;
const clients = new Set<ssh2.Connection>();
let port = 0;

beforeAll(async () => {
  server = new Server({ hostKeys: [readFileSync(join(dir, 'host'))] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () =>
      client.on('session', (accept) =>
        accept().on('exec', (acc, _rej, info) => {
          commands.push(info.command);
          const ch = acc();
          const sock = (client as unknown as { _sock: { destroy(): void } })._sock;
          nextScript(ch, sock);
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

async function connect(): Promise<SshConnection> {
  const target = resolveTarget({ host: '127.0.0.1', user: 'u', port }, {});
  return connectSsh({
    target,
    credentials: { agent: '' },
    hostKeys: { knownHostsFiles: [join(dir, 'kh')], acceptNew: true },
  });
}

/** Packets `tcpdump -r` reads (lines that start with a timestamp; hex dumps of unknown frames follow them). */
function tcpdumpPackets(file: string): number {
  const r = spawnSync('tcpdump', ['-tt', '-r', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.split('\n').filter((l) => /^\d+\.\d+ /.test(l)).length;
}

const waitFor = async (what: string, f: () => boolean) => {
  const end = Date.now() + 5000;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const spec = (filter = 'icmp') => ({
  tcpdumpPath: '/usr/sbin/tcpdump',
  iface: 'eth0',
  snaplen: 262144,
  nano: true,
  filter,
});

/** On stdin EOF, print tcpdump's counts and exit 0, like the watchdog + tcpdump do. */
function countsOnEof(ch: ssh2.ServerChannel, captured: number): void {
  ch.on('data', () => undefined);
  ch.on('end', () => {
    ch.stderr.write(
      `${captured} packets captured\n${captured} packets received by filter\n0 packets dropped by kernel\n`,
    );
    ch.exit(0);
    ch.end();
  });
}

describe('InterfaceCapture over SSH', () => {
  it('writes exactly the bytes received; stop gets tcpdump’s counts', async () => {
    const bytes = Buffer.concat([header(), record(1), record(2, 1500), record(3)]);
    nextScript = (ch) => {
      ch.stderr.write(LISTEN);
      // Odd-sized chunks: records straddle them.
      for (let i = 0; i < bytes.length; i += 7) ch.write(bytes.subarray(i, i + 7));
      countsOnEof(ch, 3);
    };
    const conn = await connect();
    const file = join(dir, 'a.pcap');
    const cap = new InterfaceCapture('n', 'eth0', file, conn, spec(), { mode: 'root' });
    await cap.start();
    expect(cap.status.state).toBe('capturing');
    expect(commands.at(-1)).toContain(
      '/usr/sbin/tcpdump -U -w - -i eth0 --immediate-mode -s 262144 --time-stamp-precision=nano -- icmp',
    );
    await waitFor('3 packets', () => cap.status.packets === 3);
    await cap.stop();
    conn.close();
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(cap.status).toMatchObject({
      state: 'stopped',
      packets: 3,
      bytes: bytes.length,
      linkType: 1,
      tsPrecision: 'nano',
      streamProblem: null,
    });
    expect(cap.status.tcpdump).toMatchObject({ captured: 3, receivedByFilter: 3, droppedByKernel: 0 });
    expect(tcpdumpPackets(file)).toBe(3);
  });

  it('stopped before tcpdump was listening, and killed before it could print its counts: stopped, not failed', async () => {
    // A Ctrl-C in the capture's first second: the watchdog's SIGTERM reaches tcpdump before its handlers exist.
    nextScript = (ch) => {
      ch.on('data', () => undefined);
      ch.on('end', () => {
        ch.stderr.write('Terminated\n');
        ch.exit(143);
        ch.end();
      });
    };
    const conn = await connect();
    const file = join(dir, 'early.pcap');
    const cap = new InterfaceCapture('n', 'eth0', file, conn, spec(), { mode: 'root' });
    const n = commands.length;
    const started = cap.start();
    await waitFor('the channel', () => commands.length > n && cap.status.startedAt !== null);
    expect(cap.status.state).toBe('starting');
    await cap.stop();
    await started;
    conn.close();
    expect(cap.status).toMatchObject({ state: 'stopped', error: null, packets: 0, exitCode: 143 });
    expect(readFileSync(file).length).toBe(0);
  });

  it('a cut mid-record, then resume: the half record is dropped, the new header skipped, the file stays valid', async () => {
    const first = Buffer.concat([header(), record(1)]);
    const half = record(2).subarray(0, 40);
    nextScript = (ch, sock) => {
      ch.stderr.write(LISTEN);
      ch.write(first);
      ch.write(half);
      setTimeout(() => sock.destroy(), 100); // the connection dies, no exit status
    };
    const c1 = await connect();
    const file = join(dir, 'b.pcap');
    const cap = new InterfaceCapture('n', 'eth0', file, c1, spec('icmp and not (tcp port 22)'), {
      mode: 'root',
    });
    cap.reconnect = true;
    await cap.start();
    await waitFor('lost', () => cap.status.state === 'lost');
    expect(readFileSync(file).length).toBe(first.length + half.length); // all received bytes were on disk
    expect(cap.status.gaps).toHaveLength(1);

    nextScript = (ch) => {
      ch.stderr.write(LISTEN);
      ch.write(Buffer.concat([header(), record(3), record(4)]));
      countsOnEof(ch, 2);
    };
    const c2 = await connect();
    await cap.resume(c2, { mode: 'root' }, 'icmp and not (tcp port 23)');
    expect(cap.status.state).toBe('capturing');
    expect(commands.at(-1)).toContain('tcp port 23');
    await waitFor('3 packets', () => cap.status.packets === 3);
    await cap.stop();
    c2.close();
    expect(readFileSync(file).equals(Buffer.concat([first, record(3), record(4)]))).toBe(true);
    expect(cap.status.gaps[0]).toMatchObject({ truncatedBytes: half.length });
    expect(cap.status.gaps[0].to).not.toBeNull();
    expect(cap.status).toMatchObject({ state: 'stopped', packets: 3, streamProblem: null, error: null });
    expect(tcpdumpPackets(file)).toBe(3);
  });

  it('without reconnect a cut ends the capture as lost, keeping every byte received', async () => {
    const bytes = Buffer.concat([header(), record(1), record(2).subarray(0, 10)]);
    nextScript = (ch, sock) => {
      ch.stderr.write(LISTEN);
      ch.write(bytes);
      setTimeout(() => sock.destroy(), 100);
    };
    const conn = await connect();
    const file = join(dir, 'c.pcap');
    const cap = new InterfaceCapture('n', 'eth0', file, conn, spec(), { mode: 'root' });
    await cap.start();
    await cap.whenDone();
    expect(cap.status.state).toBe('lost');
    expect(cap.status.error?.code).toBe('SSH_UNREACHABLE');
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(cap.status.packets).toBe(1);
    expect(cap.status.streamProblem).toMatchObject({ code: 'PCAP_TRUNCATED', offset: 24 + record(1).length });
  });

  it('a disk that refuses bytes (/dev/full: ENOSPC) fails the capture with the reason and stops the node side', async () => {
    let ended = false;
    nextScript = (ch) => {
      ch.stderr.write(LISTEN);
      ch.write(Buffer.concat([header(), record(1)]));
      ch.on('data', () => undefined);
      ch.on('end', () => {
        ended = true;
        ch.exit(0);
        ch.end();
      });
    };
    const conn = await connect();
    const cap = new InterfaceCapture('n', 'eth0', '/dev/full', conn, spec(), { mode: 'root' });
    await cap.start();
    await cap.whenDone();
    expect(cap.status.state).toBe('failed');
    expect(cap.status.error).toMatchObject({ code: 'CAPTURE_FAILED' });
    expect(cap.status.error?.message).toContain('ENOSPC');
    await waitFor('remote side told to stop', () => ended);
    conn.close();
  });

  it('live counts: heartbeats ask for them once listening; kernel drops show while capturing and add up over a resume', async () => {
    const lines: string[][] = [];
    // A node that answers each stats request with tcpdump's one-line counts, and says "listening" only after the
    // first heartbeat, so the heartbeat before it must be a plain one. 3,000 answers (over 64 KiB) must not push
    // the final counts out of what is kept of stderr.
    const node =
      (drops: number, final: boolean): Script =>
      (ch, sock) => {
        const got: string[] = [];
        lines.push(got);
        let buf = '';
        let asked = 0;
        ch.on('data', (d: Buffer) => {
          buf += d.toString('utf8');
          for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
            const l = buf.slice(0, i);
            got.push(l);
            if (got.length === 1) {
              ch.stderr.write(LISTEN);
              ch.write(Buffer.concat([header(), record(1)]));
            }
            if (l === 's') {
              asked++;
              let text = '';
              for (let k = 0; k < (asked === 1 ? 3000 : 1); k++)
                text += `tcpdump: 1 packet captured, ${1 + drops} packets received by filter, ${drops} packets dropped by kernel\n`;
              // Split inside a line: the reader must join the pieces.
              ch.stderr.write(text.slice(0, 31));
              ch.stderr.write(text.slice(31));
            }
          }
        });
        ch.on('end', () => {
          if (!final) return;
          ch.stderr.write(
            `1 packet captured\n${1 + drops + 1} packets received by filter\n${drops + 1} packets dropped by kernel\n`,
          );
          ch.exit(0);
          ch.end();
        });
        if (!final) setTimeout(() => sock.destroy(), 1500);
      };
    nextScript = node(5, false);
    const c1 = await connect();
    const file = join(dir, 'live.pcap');
    const cap = new InterfaceCapture('n', 'eth0', file, c1, spec(), { mode: 'root' });
    cap.heartbeatIntervalMs = 100;
    cap.reconnect = true;
    void cap.start();
    await waitFor('live drops', () => cap.status.kernelDrops === 5);
    expect(cap.status.state).toBe('capturing');
    expect(cap.status.tcpdump).toEqual({
      captured: 1,
      receivedByFilter: 6,
      droppedByKernel: 5,
      droppedByInterface: null,
    });
    expect(cap.status.tcpdumpFinal).toBe(false);
    expect(lines[0][0]).toBe(''); // before "listening on": a plain heartbeat, never SIGUSR1
    expect(lines[0].slice(1).every((l) => l === 's')).toBe(true);
    // The connection dies without final counts: the last live count is kept, and the resumed run adds to it.
    await waitFor('lost', () => cap.status.state === 'lost');
    expect(cap.status.kernelDrops).toBe(5);
    nextScript = node(2, true);
    const c2 = await connect();
    await cap.resume(c2, { mode: 'root' }, 'icmp');
    await waitFor('live drops of the second run', () => cap.status.kernelDrops === 7);
    await cap.stop();
    c2.close();
    expect(cap.status.state).toBe('stopped');
    expect(cap.status.tcpdumpFinal).toBe(true);
    expect(cap.status.tcpdump).toEqual({
      captured: 1,
      receivedByFilter: 4,
      droppedByKernel: 3,
      droppedByInterface: null,
    });
    expect(cap.status.kernelDrops).toBe(5 + 3);
  });

  it('buffered delivery: a stop waits for the kernel block to be handed over before ending tcpdump', async () => {
    let endedAt = 0;
    let node: ssh2.ServerChannel | null = null;
    nextScript = (ch) => {
      node = ch;
      ch.stderr.write(LISTEN);
      ch.write(Buffer.concat([header(), record(1)]));
      ch.on('data', () => undefined);
      ch.on('end', () => {
        endedAt = Date.now();
        ch.stderr.write('2 packets captured\n2 packets received by filter\n0 packets dropped by kernel\n');
        ch.exit(0);
        ch.end();
      });
    };
    const conn = await connect();
    const file = join(dir, 'buffered.pcap');
    const cap = new InterfaceCapture(
      'n',
      'eth0',
      file,
      conn,
      { ...spec(), delivery: 'buffered' },
      { mode: 'root' },
    );
    await cap.start();
    expect(commands.at(-1)).not.toContain('--immediate-mode');
    await waitFor('1 packet', () => cap.status.packets === 1);
    const asked = Date.now();
    const stopping = cap.stop();
    expect(cap.status.state).toBe('stopping');
    // A packet from before the stop reaches tcpdump only when its block times out, a second later.
    setTimeout(() => node!.write(record(2)), 1000);
    await stopping;
    conn.close();
    expect(endedAt - asked).toBeGreaterThanOrEqual(BUFFERED_STOP_DRAIN_MS - 50);
    expect(readFileSync(file).equals(Buffer.concat([header(), record(1), record(2)]))).toBe(true);
    expect(cap.status).toMatchObject({
      state: 'stopped',
      packets: 2,
      delivery: 'buffered',
      tcpdumpFinal: true,
    });
  });

  /**
   * A node playing tcpdump behind the watchdog: each `s` line on stdin is answered with a count line computed
   * then (`counts()`), as SIGUSR1 makes tcpdump print one; stdin's end stops it with its final counts.
   */
  function answeringNode(
    counts: () => [captured: number, received: number],
    onEnd: (at: number) => void,
  ): Script {
    return (ch) => {
      ch.stderr.write(LISTEN);
      ch.write(Buffer.concat([header(), record(1)]));
      let rest = '';
      ch.on('data', (d: Buffer) => {
        rest += d.toString();
        for (; rest.includes('\n'); rest = rest.slice(rest.indexOf('\n') + 1)) {
          if (rest.slice(0, rest.indexOf('\n')) !== 's') continue;
          const [c, r] = counts();
          ch.stderr.write(
            `tcpdump: ${c} packets captured, ${r} packets received by filter, 0 packets dropped by kernel\n`,
          );
        }
      });
      ch.on('end', () => {
        onEnd(Date.now());
        const [c, r] = counts();
        ch.stderr.write(
          `${c} packets captured\n${r} packets received by filter\n0 packets dropped by kernel\n`,
        );
        ch.exit(0);
        ch.end();
      });
    };
  }

  async function bufferedCapture(
    name: string,
  ): Promise<{ cap: InterfaceCapture; conn: SshConnection; file: string }> {
    const conn = await connect();
    const file = join(dir, name);
    const cap = new InterfaceCapture(
      'n',
      'eth0',
      file,
      conn,
      { ...spec(), delivery: 'buffered' },
      { mode: 'root' },
    );
    await cap.start();
    await waitFor('1 packet', () => cap.status.packets === 1);
    return { cap, conn, file };
  }

  it("buffered delivery: tcpdump's counts asked at the stop show nothing left in the kernel: it ends at once", async () => {
    let endedAt = 0;
    nextScript = answeringNode(
      () => [1, 1],
      (at) => (endedAt = at),
    );
    const { cap, conn, file } = await bufferedCapture('drained.pcap');
    const asked = Date.now();
    await cap.stop();
    conn.close();
    // Not the full wait a node that never answers gets (the test above).
    expect(endedAt - asked).toBeLessThan(BUFFERED_STOP_DRAIN_MS - 700);
    expect(readFileSync(file).equals(Buffer.concat([header(), record(1)]))).toBe(true);
    expect(cap.status).toMatchObject({ state: 'stopped', packets: 1, tcpdumpFinal: true });
  });

  it('buffered delivery: a stop waits while the counts show a packet still in the open block, then for its record', async () => {
    let endedAt = 0;
    let node: ssh2.ServerChannel | null = null;
    let handedOver = false;
    const script = answeringNode(
      // 2 received by the filter; the second is handed to tcpdump (captured) only when its block times out.
      () => (handedOver ? [2, 2] : [1, 2]),
      (at) => (endedAt = at),
    );
    nextScript = (ch, sock) => {
      node = ch;
      script(ch, sock);
    };
    const { cap, conn, file } = await bufferedCapture('open-block.pcap');
    const asked = Date.now();
    const stopping = cap.stop();
    // The block times out 400 ms after the stop: tcpdump counts the packet at once, its bytes reach us 200 ms later.
    setTimeout(() => (handedOver = true), 400);
    setTimeout(() => node!.write(record(2)), 600);
    await stopping;
    conn.close();
    expect(endedAt - asked).toBeGreaterThanOrEqual(590);
    expect(endedAt - asked).toBeLessThan(BUFFERED_STOP_DRAIN_MS - 300);
    expect(readFileSync(file).equals(Buffer.concat([header(), record(1), record(2)]))).toBe(true);
    expect(cap.status).toMatchObject({ state: 'stopped', packets: 2, tcpdumpFinal: true });
  });

  it('buffered delivery: under traffic that goes on after the stop, it waits only for the packets from before it', async () => {
    let endedAt = 0;
    let node: ssh2.ServerChannel | null = null;
    let answers = 0;
    let handedOver = false;
    const script = answeringNode(
      // Two more packets reach the ring before each answer (the nth says 2n + 1 received); one always waits in
      // the open block. The first answer after the stop (3 received) fixes what the stop waits for.
      () => {
        const received = 2 * ++answers + 1;
        return [handedOver ? received - 1 : 1, received];
      },
      (at) => (endedAt = at),
    );
    nextScript = (ch, sock) => {
      node = ch;
      script(ch, sock);
    };
    const { cap, conn, file } = await bufferedCapture('ongoing.pcap');
    const asked = Date.now();
    const stopping = cap.stop();
    // The first answer said 3 packets: records 2 and 3 come 400 ms later, with the next block.
    setTimeout(() => {
      handedOver = true;
      node!.write(Buffer.concat([record(2), record(3)]));
    }, 400);
    await stopping;
    conn.close();
    expect(endedAt - asked).toBeGreaterThanOrEqual(390);
    // Not held until no packet is left in the kernel (never, here): the full wait.
    expect(endedAt - asked).toBeLessThan(BUFFERED_STOP_DRAIN_MS - 300);
    expect(readFileSync(file).equals(Buffer.concat([header(), record(1), record(2), record(3)]))).toBe(true);
  });

  it('garbage instead of pcap is kept on disk and reported with its offset; a tcpdump error is classified', async () => {
    nextScript = (ch) => {
      ch.stderr.write(LISTEN);
      ch.write(Buffer.from('this is not a pcap stream at all, just text\n'));
      countsOnEof(ch, 0);
    };
    const conn = await connect();
    const cap = new InterfaceCapture('n', 'eth0', join(dir, 'd.pcap'), conn, spec(), { mode: 'root' });
    await cap.start();
    await waitFor('problem', () => cap.status.streamProblem !== null);
    await cap.stop();
    expect(cap.status.streamProblem).toMatchObject({ code: 'PCAP_BAD_MAGIC', offset: 0 });
    expect(readFileSync(join(dir, 'd.pcap'), 'utf8')).toContain('not a pcap');

    nextScript = (ch) => {
      ch.stderr.write(
        "tcpdump: eth0: You don't have permission to capture on that device\n(socket: Operation not permitted)\n",
      );
      ch.exit(1);
      ch.end();
    };
    const cap2 = new InterfaceCapture('n', 'eth0', join(dir, 'e.pcap'), conn, spec(), { mode: 'none' });
    await cap2.start();
    await cap2.whenDone();
    conn.close();
    expect(cap2.status.state).toBe('failed');
    expect(cap2.status.error?.code).toBe('CAPTURE_PERMISSION_DENIED');
  });
});
