// Live capture cost: `hopscope capture` streams 16 interfaces of the flannel-vxlan lab through real SSH while
// pods send UDP to each other at a bounded rate for a bounded time; reports packets/s ingested, our process's CPU
// and RSS, and loss (stored packets vs tcpdump's own count and vs what the pods sent; file bytes vs bytes received).
// Root, Linux; takes the lab lock itself. All traffic stays on lab addresses inside lab namespaces.
//
//   node bin/run-ts.mjs bench/live.ts [--seconds 60] [--rate 50000] [--correlate] [-- CAPTURE-FLAGS…]
// Flags after `--` go to `hopscope capture` as they are (e.g. `-- --buffer-size 8192` to compare buffer sizes).
// HS_BENCH_KEEP=1 keeps the capture folder (its path goes to stderr).
// HS_BENCH_SNAPSHOTS=1 (with --correlate) prints every live snapshot (cost, rows covered and sent) on stderr.
// --correlate: also follow the capture folder with the app's live path (bench/lib/followLive.ts: the live-
// correlation worker and the main thread's columns, in a process of its own) and report its CPU, memory and
// snapshot costs, and its journeys against a batch correlation of the finished folder.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { BOTH_NODES_ALL_IFACES } from '../tests/lab/captureLab.ts';
import type { FollowStats } from './lib/followLive.ts';
import { CLK_TCK, procSample } from './lib/proc.ts';
import { TARGETS } from './lib/targets.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOPSCOPE = path.join(ROOT, 'bin/hopscope.mjs');
const LOCK = '/tmp/hopscope-lab.lock';
const LAB_DIR = process.env.HOPSCOPE_LAB_DIR ?? '/run/hopscope-lab';
const SCENARIO = 'flannel-vxlan';
/** Extra pod pairs beside the lab's own, so each node has 8 capturable interfaces (16 in all). */
const EXTRA_PAIRS = 4;
const NS_PREFIX = 'hsx-perf-';

const PORT = 5001;
const PAYLOAD = 200; // bytes of UDP payload: a 242-byte frame on the pod side, realistic for service traffic
const PCAP_HEADER = 24;
const PCAP_RECORD = 16;
/** Frame length of one datagram on an interface: Ethernet + IPv4 + UDP + payload, plus VXLAN's 50 on ens33. */
function frameLen(iface: string): number {
  return 14 + 20 + 8 + PAYLOAD + (iface === 'ens33' ? 50 : 0);
}

/**
 * The sender run inside a pod namespace: UDP datagrams to the peer pod at a fixed rate, catching up after
 * scheduling delays so the total count and duration hold even on a busy machine. Prints how many it sent.
 */
const SENDER = `
const dgram = require('node:dgram');
const [dst, port, rate, count, size] = process.argv.slice(1).map((v, i) => (i === 0 ? v : Number(v)));
const s = dgram.createSocket('udp4');
let sent = 0, acked = 0;
const t0 = process.hrtime.bigint();
const tick = () => {
  const due = Math.min(count, Math.floor((Number(process.hrtime.bigint() - t0) / 1e9) * rate));
  while (sent < due) {
    // A buffer per datagram: send() is asynchronous, so one reused buffer would carry a later counter.
    const buf = Buffer.alloc(size, 0x5a);
    buf.writeUInt32BE(sent, 0);
    s.send(buf, port, dst, (e) => { if (!e) acked++; if (++done === count) finish(); });
    sent++;
  }
  if (sent < count) setTimeout(tick, 2);
};
let done = 0;
const finish = () => { console.log(JSON.stringify({ sent: acked, seconds: Number(process.hrtime.bigint() - t0) / 1e9 })); s.close(); };
tick();
`;

interface Pair {
  /** Namespaces of the two pods and the address of the node-2 one. */
  fromNs: string;
  toNs: string;
  toIp: string;
}

function sh(cmd: string, args: string[], allowFail = false): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout ?? '';
}

function ipIn(ns: string, ...args: string[]): void {
  sh('ip', ['-n', ns, ...args]);
}

/** The lab's two pods, found by address (they are `hs-pod-*` namespaces). */
function labPods(): Pair {
  const list = sh('ip', ['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith('hs-pod-'));
  const byIp = new Map<string, string>();
  for (const ns of list) {
    const m = /inet (10\.244\.\d+\.\d+)\//.exec(
      sh('ip', ['-n', ns, '-4', '-o', 'addr', 'show', 'dev', 'eth0'], true),
    );
    if (m) byIp.set(m[1], ns);
  }
  const from = [...byIp].find(([ip]) => ip.startsWith('10.244.0.'));
  const to = [...byIp].find(([ip]) => ip.startsWith('10.244.1.'));
  if (!from || !to) throw new Error(`lab pods not found: ${[...byIp.keys()].join(', ')}`);
  return { fromNs: from[1], toNs: to[1], toIp: to[0] };
}

/** Adds a pod on a node's cni0 the way the lab does (veth, address, route to the pod network via cni0). */
function addPod(node: 1 | 2, i: number): { ns: string; ip: string } {
  const ns = `${NS_PREFIX}n${node}p${i}`;
  const ip = `10.244.${node - 1}.${200 + i}`;
  const hostIf = `vethperf${node}${i}`;
  sh('ip', ['netns', 'add', ns]);
  sh('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);
  sh(
    'ip',
    [
      'link',
      'add',
      hostIf,
      'netns',
      `hs-node-${node}`,
      'mtu',
      '1450',
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
    ].concat(['netns', ns, 'mtu', '1450']),
  );
  ipIn(ns, 'link', 'set', 'lo', 'up');
  ipIn(ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
  ipIn(ns, 'link', 'set', 'eth0', 'up');
  // Only the pod network, through this node's cni0: nothing can leave the lab.
  ipIn(ns, 'route', 'add', '10.244.0.0/16', 'via', `10.244.${node - 1}.1`, 'dev', 'eth0');
  ipIn(`hs-node-${node}`, 'link', 'set', hostIf, 'master', 'cni0', 'up');
  return { ns, ip };
}

function removeExtraPods(): void {
  for (const l of sh('ip', ['netns', 'list'], true).split('\n')) {
    const ns = l.split(' ')[0];
    if (ns.startsWith(NS_PREFIX)) sh('ip', ['netns', 'del', ns], true);
  }
}

/**
 * The kernel memory the capture rings hold on each lab node, read from the packet sockets themselves (`ss -0 -e`
 * prints each ring's block size and count): what a default buffer size costs a node.
 */
function ringMemory(): { node: string; sockets: number; bytes: number; frames: number }[] {
  return [1, 2].map((n) => {
    const out = sh('ip', ['netns', 'exec', `hs-node-${n}`, 'ss', '-0', '-e', '-p'], true);
    let sockets = 0;
    let bytes = 0;
    let frames = 0;
    for (const m of out.matchAll(/ring_rx\(blk_size:(\d+),blk_nr:(\d+),frm_size:\d+,frm_nr:(\d+)/g)) {
      sockets++;
      bytes += Number(m[1]) * Number(m[2]);
      frames += Number(m[3]);
    }
    return { node: `node-${n}`, sockets, bytes, frames };
  });
}

/**
 * Delivery latency as the session sees it: polls one capture file every LATENCY_POLL_MS while the pods send and,
 * for each record that appeared since the last poll, takes (poll time − the packet's timestamp). The lab's nodes
 * share this machine's clock, so no skew enters; the poll adds up to LATENCY_POLL_MS.
 */
const LATENCY_POLL_MS = 20;
class LatencyProbe {
  readonly ms: number[] = [];
  private off = 0;
  private unitsPerMs = 1e6;
  constructor(readonly file: string) {}

  poll(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size - this.off < 16) return;
      const buf = Buffer.alloc(size - this.off);
      fs.readSync(fd, buf, 0, buf.length, this.off);
      const now = Date.now();
      let p = 0;
      if (this.off === 0) {
        if (buf.length < PCAP_HEADER) return;
        this.unitsPerMs = buf.readUInt32LE(0) === 0xa1b23c4d ? 1e6 : 1e3; // nanosecond or microsecond pcap
        p = PCAP_HEADER;
      }
      while (p + PCAP_RECORD <= buf.length) {
        const incl = buf.readUInt32LE(p + 8);
        if (p + PCAP_RECORD + incl > buf.length) break;
        this.ms.push(now - (buf.readUInt32LE(p) * 1000 + buf.readUInt32LE(p + 4) / this.unitsPerMs));
        p += PCAP_RECORD + incl;
      }
      this.off += p;
    } finally {
      fs.closeSync(fd);
    }
  }

  summary(): string {
    if (this.ms.length === 0) return 'no packets';
    const v = Float64Array.from(this.ms).sort();
    const q = (f: number) => v[Math.min(v.length - 1, Math.floor(f * v.length))].toFixed(0);
    return `p50 ${q(0.5)} / p99 ${q(0.99)} / max ${q(1)} ms (${v.length} packets)`;
  }
}

interface CaptureDoc {
  captures: {
    node: string;
    iface: string;
    file: string;
    state: string;
    packets: number;
    bytes: number;
    tcpdump: {
      captured: number | null;
      droppedByKernel: number | null;
      receivedByFilter: number | null;
    } | null;
    error: { code: string; message: string } | null;
  }[];
}

function readDoc(dir: string): CaptureDoc | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'session.json'), 'utf8')) as CaptureDoc;
  } catch {
    return null;
  }
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

function senderStats(out: string): { sent: number; seconds: number } {
  try {
    return JSON.parse(out) as { sent: number; seconds: number };
  } catch {
    return { sent: NaN, seconds: NaN };
  }
}

/** CPU (cores, mean and busiest second) and peak RSS of a process from /proc samples taken about once a second. */
function cpuOf(samples: { t: number; ticks: number; rssKiB: number }[], hwmKiB: number | undefined) {
  const first = samples[0];
  const end = samples.at(-1)!;
  const cores = (end.ticks - first.ticks) / CLK_TCK / ((end.t - first.t) / 1000);
  let busiest = 0;
  for (let i = 1; i < samples.length; i++)
    busiest = Math.max(
      busiest,
      (samples[i].ticks - samples[i - 1].ticks) / CLK_TCK / ((samples[i].t - samples[i - 1].t) / 1000),
    );
  const peakRssMiB = (hwmKiB ?? Math.max(...samples.map((s) => s.rssKiB))) / 1024;
  return { cores, busiest, peakRssMiB };
}

async function run(seconds: number, rate: number, captureFlags: string[], correlate: boolean): Promise<void> {
  const pairs: Pair[] = [];
  console.error(`live: lab up ${SCENARIO}`);
  sh(process.execPath, [HOPSCOPE, 'lab', 'up', SCENARIO]);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-live-'));
  try {
    pairs.push(labPods());
    for (let i = 1; i <= EXTRA_PAIRS; i++) {
      const a = addPod(1, i);
      const b = addPod(2, i);
      pairs.push({ fromNs: a.ns, toNs: b.ns, toIp: b.ip });
    }
    // A datagram crosses 8 interfaces (the pair's two veths; cni0, flannel.1 and ens33 on both nodes), so each
    // adds 8 packets to the combined rate.
    // 1 % above the rate asked: the senders' own start and finish stretch their 60 s a little, and the combined
    // rate must not fall a hair short of the target for that (this only makes the load heavier).
    const pairRate = Math.ceil((rate * 1.01) / (8 * pairs.length));
    const count = pairRate * seconds;
    // Receivers drain the datagrams, so the far pods send no ICMP port-unreachable back.
    const sinks = pairs.map((p) =>
      spawn('ip', ['netns', 'exec', p.toNs, 'socat', '-u', `UDP4-RECV:${PORT},reuseaddr`, 'OPEN:/dev/null'], {
        stdio: 'ignore',
      }),
    );

    const capture = spawn(
      process.execPath,
      [
        HOPSCOPE,
        'capture',
        '--ssh-config',
        path.join(LAB_DIR, 'ssh_config'),
        '--known-hosts',
        path.join(LAB_DIR, 'known_hosts'),
        ...BOTH_NODES_ALL_IFACES,
        '--filter',
        `udp port ${PORT} or udp port 8472`,
        '--duration',
        String(seconds + 60), // a bound; we stop it with SIGINT once the senders are done
        '--out',
        outDir,
        ...captureFlags,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let capErr = '';
    capture.stderr.setEncoding('utf8').on('data', (d: string) => (capErr += d));
    const exited = new Promise<number | null>((r) => capture.on('close', (c) => r(c)));

    // Wait until every interface's tcpdump is listening.
    const ready = Date.now() + 60_000;
    let doc: CaptureDoc | null = null;
    for (;;) {
      doc = readDoc(outDir);
      if (doc && doc.captures.length > 0 && doc.captures.every((c) => c.state === 'capturing')) break;
      if (Date.now() > ready || capture.exitCode !== null)
        throw new Error(`capture did not start: ${capErr}`);
      await sleep(200);
    }
    const ifaces = doc.captures.length;
    const loadAtStart = os.loadavg();
    const rings = ringMemory();
    console.error(
      `live: ${ifaces} interfaces capturing; ${pairs.length} pod pairs × ${pairRate} datagrams/s for ${seconds} s`,
    );

    const probes = ['node-1__vethperf11.pcap', 'node-2__cni0.pcap'].map(
      (f) => new LatencyProbe(path.join(outDir, f)),
    );
    for (const p of probes) p.poll(); // skip what arrived before the traffic (the file's header)
    const poller = setInterval(() => probes.forEach((p) => p.poll()), LATENCY_POLL_MS);
    // The app's live path, following the folder (its own process, so its CPU is its own).
    const follower = correlate
      ? spawn(
          process.execPath,
          [path.join(ROOT, 'bin/run-ts.mjs'), 'bench/lib/followLive.ts', '--dir', outDir],
          {
            cwd: ROOT,
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        )
      : null;
    let followOut = '';
    follower?.stdout!.setEncoding('utf8').on('data', (d: string) => (followOut += d));
    const followed = follower ? new Promise<void>((r) => follower.on('close', () => r())) : null;
    if (follower) await sleep(3000); // its modules and worker start before the traffic does
    const followSamples: { t: number; ticks: number; rssKiB: number }[] = [];
    const sampleFollower = () => {
      const f = follower?.pid ? procSample(follower.pid) : null;
      if (f) followSamples.push({ t: Date.now(), ticks: f.ticks, rssKiB: f.rssKiB });
    };
    sampleFollower();
    const pid = capture.pid!;
    const samples: { t: number; ticks: number; rssKiB: number }[] = [];
    const first = procSample(pid)!;
    const t0 = Date.now();
    samples.push({ t: t0, ticks: first.ticks, rssKiB: first.rssKiB });
    const senders = pairs.map(
      (p) =>
        new Promise<string>((resolve) => {
          const argv = ['netns', 'exec', p.fromNs, process.execPath, '-e', SENDER];
          const c = spawn(
            'ip',
            argv.concat([p.toIp, String(PORT), String(pairRate), String(count), String(PAYLOAD)]),
            {
              stdio: ['ignore', 'pipe', 'inherit'],
            },
          );
          let out = '';
          c.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
          c.on('close', () => resolve(out));
        }),
    );
    let sending = true;
    const allSent = Promise.all(senders).then((r) => {
      sending = false;
      return r;
    });
    while (sending) {
      await sleep(1000);
      const s = procSample(pid);
      if (s) samples.push({ t: Date.now(), ticks: s.ticks, rssKiB: s.rssKiB });
      sampleFollower();
    }
    const trafficS = (Date.now() - t0) / 1000;
    await sleep(1500); // the last packets' delivery (a buffered block waits up to 1 s)
    clearInterval(poller);
    for (const p of probes) p.poll();
    const results = (await allSent).map(senderStats);
    for (const k of sinks) k.kill('SIGTERM');
    await sleep(2000); // let the last packets reach the files
    const last = procSample(pid);
    sampleFollower();
    const followHwm = follower?.pid ? procSample(follower.pid)?.hwmKiB : undefined;
    capture.kill('SIGINT');
    const code = await exited;
    // The follower drains what the capture wrote last, then reports.
    follower?.kill('SIGTERM');
    await followed;
    doc = readDoc(outDir);
    if (!doc) throw new Error('no session.json after the capture');

    // CPU over the traffic window, and the busiest second.
    const { cores, busiest, peakRssMiB } = cpuOf(samples, last?.hwmKiB);

    // Loss: per interface, what we stored against what tcpdump says it wrote (ours), and what tcpdump wrote
    // against what the pods sent (the kernel's capture ring, on the node: tcpdump's own drops).
    const sent = results.map((r) => r.sent);
    const pairOf = (iface: string): number | 'all' => {
      const m = /^vethperf[12](\d+)$/.exec(iface);
      if (m) return Number(m[1]);
      if (['cni0', 'flannel.1', 'ens33'].includes(iface)) return 'all';
      return 0; // the lab's own pod veth
    };
    const expectOn = (iface: string): number => {
      const k = pairOf(iface);
      return k === 'all' ? sent.reduce((a, b) => a + b, 0) : sent[k];
    };
    let storedPackets = 0;
    let storedBytes = 0;
    const ours: string[] = [];
    const kernel: string[] = [];
    const rows = [
      '| interface | stored packets | tcpdump captured | kernel drops | sent by the pods | file bytes = bytes received = what tcpdump wrote for its count |',
      '|---|---|---|---|---|---|',
    ];
    for (const c of doc.captures) {
      const size = fs.statSync(path.join(outDir, c.file)).size;
      const exp = expectOn(c.iface);
      const cap = c.tcpdump?.captured ?? null;
      const drops = c.tcpdump?.droppedByKernel ?? null;
      storedPackets += c.packets;
      storedBytes += size;
      if (cap !== c.packets) ours.push(`${c.node}:${c.iface} stored ${c.packets}, tcpdump captured ${cap}`);
      if (size !== c.bytes) ours.push(`${c.node}:${c.iface} file ${size} bytes, received ${c.bytes}`);
      // What tcpdump must have written for the packets it counted: our datagrams have a known size.
      const written = cap === null ? NaN : PCAP_HEADER + cap * (PCAP_RECORD + frameLen(c.iface));
      if (size !== written) ours.push(`${c.node}:${c.iface} file ${size} bytes, tcpdump wrote ${written}`);
      if (c.error) ours.push(`${c.node}:${c.iface} ${c.error.code}: ${c.error.message}`);
      if (drops || (cap ?? 0) !== exp)
        kernel.push(`${c.node}:${c.iface} tcpdump captured ${cap} of ${exp} sent (kernel drops ${drops})`);
      rows.push(
        `| ${c.node}:${c.iface} | ${c.packets} | ${cap} | ${drops} | ${exp} | ${size === c.bytes && size === written ? 'yes' : `no (${size} / ${c.bytes} / ${written})`} |`,
      );
    }
    // The senders' own clock (first send to last): process start-up in the pod namespaces is not traffic.
    const sendS = Math.max(...results.map((r) => r.seconds));
    const pps = storedPackets / sendS;
    const lines = [
      `## Live capture, ${new Date().toISOString()}`,
      '',
      `- ${ifaces} interfaces on 2 lab nodes through real SSH (OpenSSH sshd in the lab namespaces), ` +
        `filter \`udp port ${PORT} or udp port 8472\``,
      `- traffic: ${pairs.length} pod pairs node-1 → node-2 over flannel VXLAN, ${pairRate} UDP datagrams/s each ` +
        `(${PAYLOAD}-byte payload; ${sent.reduce((a, b) => a + b, 0)} sent) over ${sendS.toFixed(1)} s (${trafficS.toFixed(1)} s with start-up), ` +
        `each seen on 8 interfaces`,
      `- capture flags beyond the above: ${captureFlags.length ? '`' + captureFlags.join(' ') + '`' : 'none (defaults)'}`,
      `- capture exit code ${code}; load average at start ${loadAtStart.map((x) => x.toFixed(1)).join(' ')}; machine: ${os.availableParallelism()} × ${os.cpus()[0]?.model}, load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} at the end`,
      '',
      '| measure | value | target | verdict |',
      '|---|---|---|---|',
      `| interfaces | ${ifaces} | ${TARGETS.liveInterfaces} | ${ifaces >= TARGETS.liveInterfaces ? 'met' : '**MISSED**'} |`,
      `| packets/s ingested (combined) | ${Math.round(pps)} | ${TARGETS.livePacketsPerSec} for ${TARGETS.liveSeconds} s | ${pps >= TARGETS.livePacketsPerSec && sendS >= TARGETS.liveSeconds - 1 ? 'met' : '**MISSED**'} |`,
      `| bytes stored | ${storedBytes} | | |`,
      `| CPU of our process (cores, mean / busiest second) | ${cores.toFixed(2)} / ${busiest.toFixed(2)} | < ${TARGETS.liveMaxCpuCores} | ${cores < TARGETS.liveMaxCpuCores ? 'met' : '**MISSED**'} |`,
      `| peak RSS of our process | ${peakRssMiB.toFixed(0)} MiB | | |`,
      ...probes.map(
        (p) =>
          `| delivery latency into ${path.basename(p.file)} (packet timestamp → on disk here; +≤${LATENCY_POLL_MS} ms polling) | ${p.summary()} | | |`,
      ),
      `| kernel memory of the capture rings, per node | ${rings.map((r) => `${r.node} ${(r.bytes / 2 ** 20).toFixed(0)} MiB (${r.sockets} rings, ${r.frames} frames)`).join('; ')} | | |`,
      `| our loss (stored packets = tcpdump's count; file bytes = bytes received = 24 + count × record size) | ${ours.length ? ours.length + ' interfaces' : 'none'} | zero | ${ours.length ? '**MISSED**' : 'met'} |`,
      `| tcpdump's own loss on the nodes (captured = sent by the pods, kernel drops) | ${kernel.length ? kernel.length + ' interfaces' : 'none'} | zero | ${kernel.length ? '**MISSED**' : 'met'} |`,
      '',
      ...rows,
      ...(follower
        ? followLines(
            followOut,
            followSamples,
            followHwm,
            outDir,
            sent.reduce((a, b) => a + b, 0),
          )
        : []),
      ...(ours.length ? ['', 'Our loss:', ...ours.map((p) => `- ${p}`)] : []),
      ...(kernel.length ? ['', "tcpdump's loss:", ...kernel.map((p) => `- ${p}`)] : []),
    ];
    console.log(lines.join('\n'));
  } finally {
    removeExtraPods();
    sh(process.execPath, [HOPSCOPE, 'lab', 'down'], true);
    if (process.env.HS_BENCH_KEEP === '1') console.error(`live: capture folder kept: ${outDir}`);
    else fs.rmSync(outDir, { recursive: true, force: true });
  }
}

/** The report of `--correlate`: the live path's cost, and its journeys against a batch correlation. */
function followLines(
  out: string,
  samples: { t: number; ticks: number; rssKiB: number }[],
  hwmKiB: number | undefined,
  outDir: string,
  datagrams: number,
): string[] {
  let stats: FollowStats;
  try {
    stats = JSON.parse(out.trim().split('\n').at(-1) ?? '') as FollowStats;
  } catch {
    return ['', `The live path (--correlate) printed no statistics: ${JSON.stringify(out.slice(-300))}`];
  }
  const { cores, busiest, peakRssMiB } = cpuOf(samples, hwmKiB);
  // The finished folder correlated as a whole, as the app opens it when the capture stops.
  const batch = spawnSync(process.execPath, [HOPSCOPE, 'correlate', '--summary', outDir], {
    encoding: 'utf8',
  });
  const batchJourneys =
    /^journeys (\d+)$/m.exec(batch.stdout)?.[1] ?? `? (${batch.stderr.trim().slice(0, 200)})`;
  return [
    '',
    `The app's live path (\`--correlate\`: bench/lib/followLive.ts, the live-correlation worker + the main thread's columns):`,
    '',
    '| measure | value |',
    '|---|---|',
    `| CPU (cores, mean / busiest second, over the traffic) | ${cores.toFixed(2)} / ${busiest.toFixed(2)} |`,
    `| peak RSS | ${peakRssMiB.toFixed(0)} MiB |`,
    `| rows followed | ${stats.rows} |`,
    `| snapshots, cost in the worker (median / largest) | ${stats.snapshots}, ${stats.costP50Ms.toFixed(0)} / ${stats.costMaxMs.toFixed(0)} ms |`,
    `| journeys in the last snapshot (taken while capturing) / batch correlation of the folder / datagrams sent | ${stats.journeys} / ${batchJourneys} / ${datagrams} |`,
    `| errors | ${stats.errors.length ? stats.errors.join('; ') : 'none'} |`,
  ];
}

async function main(argv: string[]): Promise<void> {
  const num = (name: string, dflt: number) =>
    argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : dflt;
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    console.error('live: needs root on Linux (it builds the lab)');
    process.exit(1);
  }
  if (process.env.HS_BENCH_LAB_LOCKED !== '1') {
    // Re-run under the lab lock: the lab exists once per machine.
    const self = [path.join(ROOT, 'bin/run-ts.mjs'), ...process.argv.slice(1)];
    const r = spawnSync('flock', [LOCK, process.execPath, ...self], {
      stdio: 'inherit',
      env: { ...process.env, HS_BENCH_LAB_LOCKED: '1' },
    });
    process.exit(r.status ?? 1);
  }
  const dd = argv.indexOf('--');
  await run(
    num('seconds', TARGETS.liveSeconds),
    num('rate', TARGETS.livePacketsPerSec),
    dd >= 0 ? argv.slice(dd + 1) : [],
    (dd >= 0 ? argv.slice(0, dd) : argv).includes('--correlate'),
  );
}

await main(process.argv.slice(2));
