// `npm run bench`: our pipeline against tcpdump, mergecap, tshark and pcap-parser on the same generated
// captures, in the same run, alternating, N repetitions; prints medians, packets/s, peak RSS and the issue's
// targets marked met or missed. Installs nothing: it checks for the tools and says how to get them.
//
//   npm run bench [-- --reps N] [--quick] [--only id,id]

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { generate, readManifest, type Manifest } from './generate.ts';
import { replicateFolder } from './replicate.ts';
import { timelineRows, traceRun } from './lib/timeline.ts';
import { ensureCliBundle } from './lib/cliBundle.ts';
import { ensureDebianTools } from './lib/debianTools.ts';
import { busyFraction, waitForIdle } from './lib/idle.ts';
import { haveGnuTime, measure, median, type Measurement } from './lib/measure.ts';
import { ISSUE_REFERENCE_S, TARGETS } from './lib/targets.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE = process.execPath;
const HOPSCOPE = [NODE, path.join(ROOT, 'bin/hopscope.mjs')];
const RUN_TS = [NODE, path.join(ROOT, 'bin/run-ts.mjs')];
const CASE_TIMEOUT_MS = 10 * 60_000;
/**
 * What every command runs in: this process's environment without NODE_EXTRA_CA_CERTS. Node parses that file's
 * certificates when it starts, before the first line of any script (~46 ms with Debian's ca-certificates bundle on
 * the thirty-sixth session's machine, whose shell sets it for a registry proxy): a cost of the shell, not of the
 * pipeline, that no anchor pays and no hopscope command needs (none makes a TLS connection). When the shell sets it,
 * one more case runs `correlate --summary` with it, and the report says what it costs a bare `node -e 0`.
 */
const SHELL_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS;
const BENCH_ENV: NodeJS.ProcessEnv = { ...process.env };
delete BENCH_ENV.NODE_EXTRA_CA_CERTS;
/**
 * As root, tcpdump drops to its own user and chowns the file it writes to that user, /dev/null included
 * (Debian's tcpdump: /dev/null became tcpdump:tcpdump after a bench run). `-Z root` keeps root, so nothing
 * changes owner; the time is the same.
 */
const TCPDUMP_USER = process.getuid?.() === 0 ? ['-Z', 'root'] : [];

/** The cases whose ratio a target judges, run `--pair-reps` more times each (anchor, then ours). */
const TARGET_PAIRS = [
  ['tcpdump-w-8', 'correlate-summary'],
  ['mergecap-8', 'export'],
];

interface Options {
  reps: number;
  /** Extra alternating runs of each TARGET_PAIRS pair after the `reps` rounds. */
  pairReps: number;
  quick: boolean;
  only: string[] | null;
  /** Wait before each command until the machine is at most this busy (0..1); 1 disables waiting. */
  idle: number;
  idleWaitS: number;
}

interface Case {
  id: string;
  label: string;
  group: 'anchor' | 'ours';
  /** Packets the command walks (packets/s = packets / median wall). */
  packets: number;
  /** When the command runs on a slice: the packet count its time is scaled to (and the table says so). */
  scaledTo?: number;
  cmd: string[] | null;
  unavailable?: string;
  stdout?: 'null' | 'capture' | { file: string };
  /** Extra environment for the command. */
  env?: Record<string, string>;
  /** Checks one run's output; returns a complaint or null. */
  check?: (m: Measurement) => string | null;
  /** In-process packets/s reported by the command itself (decode-only). */
  inProcessPps?: (m: Measurement) => number;
  runs: Measurement[];
  /** Each run's check result (null = fine), taken right after the run while its output still exists. */
  problems: (string | null)[];
  /** For our CLI commands: which path bin/hopscope.mjs took on each run (the esbuild bundle or tsx). */
  cliPath: string[];
  /** How busy the machine was (0..1) just before each run. */
  busyBefore: number[];
  notes: string[];
}

function parseOptions(argv: string[]): Options {
  const o: Options = { reps: 3, pairReps: 8, quick: false, only: null, idle: 0.25, idleWaitS: 20 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') {
      o.quick = true;
      o.idle = 1; // development runs: do not wait for quiet
      o.pairReps = 0;
    } else if (a === '--reps') o.reps = Math.max(1, Number(argv[++i]) | 0);
    else if (a === '--pair-reps') o.pairReps = Math.max(0, Number(argv[++i]) | 0);
    else if (a === '--only') o.only = argv[++i].split(',');
    else if (a === '--idle') o.idle = Number(argv[++i]);
    else if (a === '--idle-wait') o.idleWaitS = Number(argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.log(
        'usage: npm run bench [-- --reps N] [--pair-reps N] [--quick] [--only id,id,…] [--idle FRACTION]\n' +
          '  [--idle-wait S]\n' +
          "  --pair-reps: runs of the targets' pairs (tcpdump -w and correlate --summary, mergecap and export)\n" +
          '  after the --reps rounds, alternating (default 8; 0 with --quick).\n' +
          '  --idle: before each command wait (at most --idle-wait s, default 20) until the CPUs are at most\n' +
          '  this busy (default 0.25; 1 = never wait): other work on the machine skews wall times.',
      );
      process.exit(0);
    } else {
      console.error(`bench: unknown option ${a}`);
      process.exit(2);
    }
  }
  return o;
}

function checkTools(): void {
  // The anchors' tools come from Debian (installed here when root or sudo allows; GNU time is optional).
  const missing = ensureDebianTools(['tcpdump', 'tshark', 'mergecap', 'editcap'], (m) => console.error(m));
  if (missing.length > 0) {
    console.error(
      `bench: missing ${missing.join(', ')}. Install the Debian packages first:\n` +
        `  sudo bash scripts/setup-debian.sh`,
    );
    process.exit(1);
  }
  if (!haveGnuTime())
    console.error(
      'bench: /usr/bin/time not found (scripts/setup-debian.sh installs it); polling /proc for RSS',
    );
}

/** A subcommand exists when `hopscope NAME --help` succeeds. */
function haveSubcommand(name: string): boolean {
  const r = spawnSync(HOPSCOPE[0], [HOPSCOPE[1], name, '--help'], { encoding: 'utf8', cwd: ROOT });
  return r.status === 0;
}

function ensureData(dir: string, journeys: number): Manifest {
  const m = readManifest(dir, journeys);
  if (m) return m;
  console.error(`bench: generating ${journeys * 8} packets into ${path.relative(ROOT, dir)} …`);
  const g = generate({ outDir: dir, journeys });
  console.error(`bench: generated in ${g.seconds.toFixed(1)} s`);
  return g;
}

function ensureSlice(dir: string, m: Manifest, packets: number): string {
  const slice = path.join(dir, `one-first${packets}.pcap`);
  if (!fs.existsSync(slice) || fs.statSync(slice).mtimeMs < fs.statSync(path.join(dir, m.one.path)).mtimeMs) {
    const r = spawnSync('editcap', ['-r', path.join(dir, m.one.path), slice, `1-${packets}`]);
    if (r.status !== 0) throw new Error(`editcap failed: ${r.stderr}`);
  }
  return slice;
}

/**
 * A recording made large (bench/replicate.ts): the WireGuard-heavy set (what the pairing costs at scale) and the
 * mixed set (how the WebAssembly ingest does where many records are left to JavaScript).
 */
interface ReplicatedSet {
  dir: string;
  files: string[];
  copies: number;
  packets: number;
  journeys: number;
}

/**
 * `tests/fixtures/calico-wireguard` × 6000 (× 600 with --quick) in bench/data/wireguard-xN/: 1,020,000 packets of
 * pod traffic encrypted between two nodes, which the generator's captures have none of (correlate/wireguardJoin.ts
 * pairs each message with the packet it carried).
 */
function ensureWireGuardSet(quick: boolean): ReplicatedSet {
  return ensureReplicatedSet('calico-wireguard', 'wireguard', quick ? 600 : 6000);
}

/**
 * `tests/fixtures/drops-flannel-vxlan` × 5,000 (× 500 with --quick) in bench/data/drops-xN/: 910,000 packets of
 * pings and connections through flannel's VXLAN, some dropped and some rejected by iptables: one in fifteen an
 * ICMP error, which the WebAssembly ingest leaves to JavaScript one at a time, so that it stages a dozen rows
 * between them (the generator's set has nearly none: a cost per batch never shows there). Until the thirtieth
 * session antrea-geneve × 15,000, whose quarter of ARP the engine now takes.
 */
function ensureMixedSet(quick: boolean): ReplicatedSet {
  return ensureReplicatedSet('drops-flannel-vxlan', 'drops', quick ? 500 : 5000);
}

/**
 * A fixture folder × `copies` in bench/data/NAME-xN/, made again when the fixture or bench/replicate.ts is newer.
 * Its journeys are the fixture's times the copies (tests/unit/benchReplicate.test.ts checks that rule).
 */
function ensureReplicatedSet(fixtureName: string, name: string, copies: number): ReplicatedSet {
  const fixture = path.join(ROOT, 'tests/fixtures', fixtureName);
  const dir = path.join(ROOT, 'bench/data', `${name}-x${copies}`);
  const manifest = path.join(dir, 'manifest.json');
  const newest = Math.max(
    fs.statSync(path.join(ROOT, 'bench/replicate.ts')).mtimeMs,
    ...fs.readdirSync(fixture).map((f) => fs.statSync(path.join(fixture, f)).mtimeMs),
  );
  if (!fs.existsSync(manifest) || fs.statSync(manifest).mtimeMs < newest) {
    console.error(`bench: writing ${fixtureName} × ${copies} into ${path.relative(ROOT, dir)} …`);
    fs.rmSync(dir, { recursive: true, force: true });
    replicateFolder(fixture, dir, copies);
    const r = spawnSync(HOPSCOPE[0], [HOPSCOPE[1], 'correlate', '--summary', fixture], {
      encoding: 'utf8',
      cwd: ROOT,
    });
    const count = (what: string) => Number(new RegExp(`^${what} (\\d+)$`, 'm').exec(r.stdout)?.[1] ?? NaN);
    const once = { packets: count('packets'), journeys: count('journeys') };
    if (r.status !== 0 || !Number.isInteger(once.journeys))
      throw new Error(`hopscope correlate --summary ${fixture}: ${r.stderr || r.stdout}`);
    fs.writeFileSync(
      manifest,
      `${JSON.stringify({ copies, packets: once.packets * copies, journeys: once.journeys * copies })}\n`,
    );
  }
  const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as Omit<ReplicatedSet, 'dir' | 'files'>;
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.pcap'))
    .sort()
    .map((f) => path.join(dir, f));
  return { ...m, dir, files };
}

/** `tcpdump -nr F -w /dev/null` over each of `files` in turn, in one command (the anchor of a set of files). */
function tcpdumpEach(files: string[]): string[] {
  return [
    'sh',
    '-c',
    `for f; do tcpdump ${TCPDUMP_USER.join(' ')} -nr "$f" -w /dev/null 2>/dev/null || exit 1; done`,
    'sh',
    ...files,
  ];
}

/** Reads every input once so all commands start with the files in the page cache. */
function warmCache(files: string[]): void {
  const buf = Buffer.allocUnsafe(8 << 20);
  for (const f of files) {
    const fd = fs.openSync(f, 'r');
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
    fs.closeSync(fd);
  }
}

/**
 * Runs each of our commands the cases time once on a small fixture (the correlation with an ingest worker), so that
 * every timed run finds V8's code cache of its command and of the ingest worker written (bin/codeCache.mjs): what
 * every run of a command after its first finds.
 */
function warmCodeCache(cases: Case[]): void {
  const fixture = path.join(ROOT, 'tests/fixtures/flannel-vxlan');
  const out = path.join(os.tmpdir(), `hopscope-bench-warm-${process.pid}.pcapng`);
  const args: Record<string, string[]> = {
    correlate: ['correlate', '--summary', fixture],
    export: ['export', '--pcapng', out, fixture],
  };
  const env = { ...BENCH_ENV, HOPSCOPE_INGEST_THREADS: '2', HOPSCOPE_INGEST_MIN_BYTES: '0' };
  for (const name of new Set(cases.map((c) => (c.cmd?.[1] === HOPSCOPE[1] ? c.cmd[2] : '')))) {
    if (args[name]) spawnSync(HOPSCOPE[0], [HOPSCOPE[1], ...args[name]], { cwd: ROOT, env, stdio: 'ignore' });
  }
  fs.rmSync(out, { force: true });
}

const digits = (s: string) => s.replace(/(\d)[,_ ](?=\d{3}\b)/g, '$1');

function buildCases(
  dir: string,
  m: Manifest,
  quick: boolean,
  wg: ReplicatedSet,
  mixed: ReplicatedSet,
): Case[] {
  const p = (f: string) => path.join(dir, f);
  const one = p(m.one.path);
  const n = m.one.packets;
  const pathFiles = m.path.map((f) => p(f.path));
  const pathPackets = m.path.reduce((s, f) => s + f.packets, 0);
  const outDir = p('out');
  fs.mkdirSync(outDir, { recursive: true });
  // tshark reads the whole file (~20 s here): scaling a slice's time up counted its 0.23 s start-up ten times
  // (~8 % high on the 100,000-packet slice earlier sessions used). --quick still times a slice, and says so.
  const sliceN = quick ? Math.min(n, 20_000) : n;
  const slice = sliceN < n ? ensureSlice(dir, m, sliceN) : one;
  const haveCorrelate = haveSubcommand('correlate');
  const haveExport = haveSubcommand('export');
  const c = (
    x: Omit<Case, 'runs' | 'notes' | 'busyBefore' | 'problems' | 'cliPath'> & { notes?: string[] },
  ): Case => ({
    ...x,
    runs: [],
    busyBefore: [],
    problems: [],
    cliPath: [],
    notes: x.notes ?? [],
  });
  const exitOk = (mm: Measurement) =>
    mm.exitCode === 0 ? null : `exit ${mm.exitCode}: ${mm.stderrTail.split('\n').slice(-3).join(' | ')}`;
  /** A replicated set's `correlate --summary` run: exit 0 and the set's journeys (null), else what is wrong. */
  const journeysCheck = (mm: Measurement, set: ReplicatedSet): string | null => {
    const bad = exitOk(mm);
    if (bad) return bad;
    const j = /^journeys (\d+)$/m.exec(digits(mm.stdout));
    return j && Number(j[1]) === set.journeys
      ? null
      : `reported ${j?.[1] ?? 'no'} journeys, the set has ${set.journeys}`;
  };
  const correlateCheck = (mm: Measurement): string | null => {
    const bad = exitOk(mm);
    if (bad) return bad;
    const out = digits(mm.stdout);
    const j = /journeys\D{0,20}(\d+)/i.exec(out);
    if (!j) return `no journey count in output: ${out.slice(0, 200)}`;
    if (Number(j[1]) !== m.journeys) return `reported ${j[1]} journeys, the set has ${m.journeys}`;
    return null;
  };
  const exportFile = path.join(outDir, 'export.pcapng');
  const csvFile = path.join(outDir, 'export.csv');
  const unavailable = (what: string) => `not available yet (${what} has not landed)`;

  return [
    c({
      id: 'cat',
      label: '`cat one.pcap > /dev/null`',
      group: 'anchor',
      packets: n,
      cmd: ['cat', one],
      check: exitOk,
    }),
    c({
      id: 'tcpdump-w',
      label: '`tcpdump -nr one.pcap -w /dev/null`',
      group: 'anchor',
      packets: n,
      cmd: ['tcpdump', ...TCPDUMP_USER, '-nr', one, '-w', '/dev/null'],
      check: exitOk,
    }),
    c({
      id: 'mergecap',
      label: '`mergecap -w /dev/null half1 half2`',
      group: 'anchor',
      packets: n,
      cmd: ['mergecap', '-w', '/dev/null', p(m.halves![0].path), p(m.halves![1].path)],
      check: exitOk,
    }),
    c({
      id: 'tcpdump-text',
      label: '`tcpdump -nr one.pcap > /dev/null`',
      group: 'anchor',
      packets: n,
      cmd: ['tcpdump', '-nr', one],
      check: exitOk,
    }),
    c({
      id: 'tshark-fields',
      label: `tshark fields (\`-d udp.port==8472,vxlan -T fields -e frame.number -e ip.src -e ip.dst -e ip.id -e icmp.seq\`)`,
      group: 'anchor',
      packets: sliceN,
      scaledTo: n,
      cmd: ['tshark', '-r', slice, '-d', 'udp.port==8472,vxlan', '-T', 'fields'].concat([
        '-e',
        'frame.number',
        '-e',
        'ip.src',
        '-e',
        'ip.dst',
        '-e',
        'ip.id',
        '-e',
        'icmp.seq',
      ]),
      check: exitOk,
      notes: sliceN < n ? [`run on the first ${sliceN} packets; time scaled ×${n / sliceN} to ${n}`] : [],
    }),
    c({
      id: 'pcap-parser',
      label: 'pcap-parser (microsecond copy)',
      group: 'anchor',
      packets: n,
      cmd: [NODE, path.join(ROOT, 'bench/anchors/pcapParserCount.mjs'), p(m.oneUsec!.path)],
      stdout: 'capture',
      check: (mm) =>
        exitOk(mm) ?? (mm.stdout.includes(`"packets":${n}`) ? null : `counted ${mm.stdout.trim()}`),
    }),
    c({
      id: 'tcpdump-w-8',
      label: '`tcpdump -nr F -w /dev/null` over the 8 path files',
      group: 'anchor',
      packets: pathPackets,
      cmd: tcpdumpEach(pathFiles),
      check: exitOk,
    }),
    c({
      id: 'mergecap-8',
      label: '`mergecap -w out.pcapng` the 8 path files',
      group: 'anchor',
      packets: pathPackets,
      cmd: ['mergecap', '-w', path.join(outDir, 'mergecap.pcapng'), ...pathFiles],
      check: exitOk,
    }),
    c({
      id: 'startup',
      label: '`hopscope --version` (start-up cost alone)',
      group: 'ours',
      packets: 0,
      cmd: [...HOPSCOPE, '--version'],
      check: exitOk,
    }),
    c({
      id: 'read-only',
      label: 'reader alone, in-process (one.pcap)',
      group: 'ours',
      packets: n,
      cmd: [...RUN_TS, path.join(ROOT, 'bench/decodeOnly.ts'), one, '--mode', 'read'],
      stdout: 'capture',
      check: (mm) => decodeCheck(mm, m, false),
      inProcessPps: warmPps,
    }),
    c({
      id: 'decode-only',
      label: 'reader + decoder (decodeRecord, no view per packet), in-process (one.pcap)',
      group: 'ours',
      packets: n,
      cmd: [...RUN_TS, path.join(ROOT, 'bench/decodeOnly.ts'), one, '--mode', 'decode'],
      stdout: 'capture',
      check: (mm) => decodeCheck(mm, m, true),
      inProcessPps: warmPps,
    }),
    c({
      id: 'correlate-summary',
      label: '`hopscope correlate --summary` (8 files)',
      group: 'ours',
      packets: pathPackets,
      cmd: haveCorrelate ? [...HOPSCOPE, 'correlate', '--summary', ...pathFiles] : null,
      unavailable: unavailable('hopscope correlate'),
      stdout: 'capture',
      check: correlateCheck,
    }),
    ...(SHELL_CA_CERTS
      ? [
          c({
            id: 'correlate-summary-ca',
            label: "`hopscope correlate --summary` (8 files), with the shell's `NODE_EXTRA_CA_CERTS`",
            group: 'ours',
            packets: pathPackets,
            cmd: haveCorrelate ? [...HOPSCOPE, 'correlate', '--summary', ...pathFiles] : null,
            env: { NODE_EXTRA_CA_CERTS: SHELL_CA_CERTS },
            unavailable: unavailable('hopscope correlate'),
            stdout: 'capture',
            check: correlateCheck,
            notes: [
              'the same with the certificates Node parses at start-up when that variable is set (the other rows run without it)',
            ],
          }),
        ]
      : []),
    c({
      id: 'correlate-summary-1t',
      label: '`hopscope correlate --summary` (8 files), one thread (`HOPSCOPE_INGEST_THREADS=1`)',
      group: 'ours',
      packets: pathPackets,
      cmd: haveCorrelate ? [...HOPSCOPE, 'correlate', '--summary', ...pathFiles] : null,
      env: { HOPSCOPE_INGEST_THREADS: '1' },
      unavailable: unavailable('hopscope correlate'),
      stdout: 'capture',
      check: correlateCheck,
      notes: ['the same without ingest workers (main/session/parallelIngest.ts), for comparison'],
    }),
    c({
      id: 'correlate-json',
      label: '`hopscope correlate --json > /dev/null` (8 files)',
      group: 'ours',
      packets: pathPackets,
      cmd: haveCorrelate ? [...HOPSCOPE, 'correlate', '--json', ...pathFiles] : null,
      unavailable: unavailable('hopscope correlate'),
      check: exitOk,
    }),
    c({
      id: 'correlate-ladder',
      label: '`hopscope correlate > /dev/null` (the hop ladder, 8 files)',
      group: 'ours',
      packets: pathPackets,
      cmd: haveCorrelate ? [...HOPSCOPE, 'correlate', ...pathFiles] : null,
      unavailable: unavailable('hopscope correlate'),
      check: exitOk,
    }),
    c({
      id: 'export',
      label: '`hopscope export --pcapng out.pcapng` (8 files)',
      group: 'ours',
      packets: pathPackets,
      cmd: haveExport ? [...HOPSCOPE, 'export', '--pcapng', exportFile, ...pathFiles] : null,
      unavailable: unavailable('hopscope export'),
      check: (mm) => exitOk(mm) ?? checkPcapngCount(exportFile, pathPackets),
    }),
    c({
      id: 'tcpdump-w-wg',
      label: `\`tcpdump -nr F -w /dev/null\` over calico-wireguard × ${wg.copies} (${wg.files.length} files)`,
      group: 'anchor',
      packets: wg.packets,
      cmd: tcpdumpEach(wg.files),
      check: exitOk,
    }),
    c({
      id: 'correlate-wireguard',
      label: `\`hopscope correlate --summary\` calico-wireguard × ${wg.copies} (WireGuard pairing; not a target)`,
      group: 'ours',
      packets: wg.packets,
      cmd: haveCorrelate ? [...HOPSCOPE, 'correlate', '--summary', wg.dir] : null,
      unavailable: unavailable('hopscope correlate'),
      stdout: 'capture',
      check: (mm) =>
        journeysCheck(mm, wg) ??
        (/^stopped 0$/m.test(mm.stdout) ? null : 'a journey said stopped (the recording has none)'),
    }),
    ...(['', '-js'] as const).map((js) =>
      c({
        id: `correlate-mixed${js}`,
        label:
          `\`hopscope correlate --summary\` drops-flannel-vxlan × ${mixed.copies}` +
          (js ? ', JavaScript ingest (`HOPSCOPE_WASM=0`)' : ' (one in fifteen an ICMP error; not a target)'),
        group: 'ours',
        packets: mixed.packets,
        cmd: haveCorrelate ? [...HOPSCOPE, 'correlate', '--summary', mixed.dir] : null,
        env: js ? { HOPSCOPE_WASM: '0' } : undefined,
        unavailable: unavailable('hopscope correlate'),
        stdout: 'capture',
        check: (mm) => journeysCheck(mm, mixed),
      }),
    ),
    c({
      id: 'export-csv',
      label: '`hopscope export --csv out.csv` (8 files)',
      group: 'ours',
      packets: pathPackets,
      cmd: haveExport ? [...HOPSCOPE, 'export', '--csv', csvFile, ...pathFiles] : null,
      unavailable: unavailable('hopscope export'),
      check: (mm) => exitOk(mm) ?? checkCsvRows(csvFile, pathPackets),
    }),
  ];
}

interface DecodeReport {
  passes: { pps: number; cpuPps: number; packets: number }[];
  vxlan: number;
  ipip: number;
  problems: number;
  error?: string;
}

function decodeReport(mm: Measurement): DecodeReport | null {
  try {
    return JSON.parse(mm.stdout.trim().split('\n').at(-1) ?? '') as DecodeReport;
  } catch {
    return null;
  }
}

/**
 * In-process rates use the best warm pass (passes after the first, which pays for JIT warm-up): on a machine
 * shared with other work the noise only ever adds time, so the fastest pass is the closest to the code's cost.
 */
function warmPps(mm: Measurement): number {
  const r = decodeReport(mm);
  return Math.max(...(r?.passes.slice(1).map((p) => p.pps) ?? [NaN]));
}

/** Packets per CPU second of the best warm pass: what one core does when the machine is shared. */
function warmCpuPps(mm: Measurement): number {
  const r = decodeReport(mm);
  return Math.max(...(r?.passes.slice(1).map((p) => p.cpuPps) ?? [NaN]));
}

function decodeCheck(mm: Measurement, m: Manifest, decoding: boolean): string | null {
  if (mm.exitCode !== 0) return `exit ${mm.exitCode}: ${mm.stderrTail.slice(-300)}`;
  const r = decodeReport(mm);
  if (!r) return `no report: ${mm.stdout.slice(0, 200)}`;
  if (r.error) return r.error;
  if (r.passes.some((p) => p.packets !== m.one.packets))
    return `read ${r.passes.map((p) => p.packets)} packets`;
  if (decoding && (r.vxlan !== m.oneVxlan || r.ipip !== m.oneIpip || r.problems !== 0))
    return `decoded vxlan ${r.vxlan}/${m.oneVxlan}, ipip ${r.ipip}/${m.oneIpip}, problems ${r.problems}`;
  return null;
}

function checkPcapngCount(file: string, packets: number): string | null {
  const r = spawnSync('tcpdump', ['--count', '-r', file], { encoding: 'utf8' });
  if (r.status !== 0) return `tcpdump cannot read the export: ${r.stderr.trim().split('\n').at(-1)}`;
  return r.stdout.trim() === `${packets} packets`
    ? null
    : `export holds ${r.stdout.trim()}, expected ${packets}`;
}

/** A CSV export holds a header and a row per hop: here every packet is a hop of a journey. */
function checkCsvRows(file: string, packets: number): string | null {
  let lines = 0;
  const buf = new Uint8Array(1 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;)
      for (let i = 0; i < n; i++) if (buf[i] === 10) lines++;
  } finally {
    fs.closeSync(fd);
  }
  return lines === packets + 1 ? null : `the CSV holds ${lines - 1} rows, expected ${packets}`;
}

function machine(): Record<string, string> {
  const first = (cmd: string, args: string[]) =>
    (spawnSync(cmd, args, { encoding: 'utf8' }).stdout ?? '').split('\n')[0].trim();
  return {
    cpus: `${os.availableParallelism()} × ${os.cpus()[0]?.model ?? '?'}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    tcpdump: first('tcpdump', ['--version']),
    tshark: first('tshark', ['--version']),
    ...(SHELL_CA_CERTS ? { NODE_EXTRA_CA_CERTS: caCertsCost(SHELL_CA_CERTS) } : {}),
  };
}

/** What the shell's NODE_EXTRA_CA_CERTS costs a bare `node -e 0` (9 alternating runs each way, medians). */
function caCertsCost(file: string): string {
  const time = (env: NodeJS.ProcessEnv) => {
    const t0 = process.hrtime.bigint();
    spawnSync(NODE, ['-e', '0'], { env, stdio: 'ignore' });
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const withIt: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < 9; i++) {
    withIt.push(time({ ...BENCH_ENV, NODE_EXTRA_CA_CERTS: file }));
    without.push(time(BENCH_ENV));
  }
  return (
    `${file} in the shell: \`node -e 0\` ${median(withIt).toFixed(0)} ms with it, ${median(without).toFixed(0)} ms ` +
    `without (Node parses it at start-up); every command ran without it but \`correlate-summary-ca\``
  );
}

const fmtS = (s: number) => (Number.isFinite(s) ? (s < 10 ? s.toFixed(3) : s.toFixed(1)) : '—');
const fmtRate = (r: number) =>
  !Number.isFinite(r)
    ? '—'
    : r >= 1e6
      ? `${(r / 1e6).toFixed(2)} M`
      : r >= 1e3
        ? `${(r / 1e3).toFixed(0)} k`
        : r.toFixed(0);

function wallOf(c: Case): number {
  const w = median(c.runs.map((r) => r.wallS));
  return c.scaledTo ? (w * c.scaledTo) / c.packets : w;
}

function table(cases: Case[]): string[] {
  const rows = [
    '| command | median wall s | packets/s | peak RSS MiB | CPU s (user+sys) | issue’s machine s | notes |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const c of cases) {
    if (!c.cmd) {
      rows.push(`| ${c.label} | — | — | — | — | | ${c.unavailable} |`);
      continue;
    }
    const wall = wallOf(c);
    const total = c.scaledTo ?? c.packets;
    let rate = total > 0 ? total / wall : NaN;
    const notes = [...c.notes];
    if (c.inProcessPps) {
      const inProc = median(c.runs.map(c.inProcessPps));
      const perCpu = median(c.runs.map(warmCpuPps));
      notes.push(
        `in-process, best of 4 warm passes: ${fmtRate(inProc)} packets/s wall, ${fmtRate(perCpu)} per CPU second ` +
          `(whole process ${fmtRate(rate)}/s)`,
      );
      rate = inProc;
    }
    const paths = [...new Set(c.cliPath)];
    if (paths.length) notes.push(`CLI via ${paths.join(' and ')}`);
    const problems = [...new Set(c.problems.filter((x): x is string => !!x))];
    if (problems.length) notes.push(`**FAILED**: ${problems.join('; ')}`);
    const rss = median(c.runs.map((r) => r.peakRssMiB));
    const cpu = median(c.runs.map((r) => r.userS + r.sysS)) * (c.scaledTo ? c.scaledTo / c.packets : 1);
    const busy = Math.max(...c.busyBefore);
    if (busy > 0.3) notes.push(`machine up to ${(busy * 100).toFixed(0)}% busy before a run`);
    const ref = ISSUE_REFERENCE_S[c.id];
    rows.push(
      `| ${c.label} | ${fmtS(wall)} | ${fmtRate(rate)} | ${Number.isFinite(rss) ? rss.toFixed(0) : '—'} | ${fmtS(cpu)} | ${ref ?? ''} | ${notes.join('; ')} |`,
    );
  }
  return rows;
}

/** Whether a case ran, at least once, and every run passed its check. */
function ranClean(c: Case | undefined): c is Case {
  return !!c && !!c.cmd && c.runs.length > 0 && c.problems.every((x) => x === null);
}

function targetRows(cases: Case[]): string[] {
  const by = (id: string) => cases.find((c) => c.id === id);
  const cpuOf = (c: Case) =>
    median(c.runs.map((r) => r.userS + r.sysS)) * (c.scaledTo ? c.scaledTo / c.packets : 1);
  const rows = ['| target | by wall time | by CPU time (user+sys) |', '|---|---|---|'];
  const verdict = (measured: string, met: boolean, how: string) =>
    `${measured}: ${met ? 'met' : `**MISSED** ${how}`}`;
  /** `limit` is an upper bound when `atMost`, else a lower bound; `how` says by how much it is missed. */
  const add = (
    name: string,
    wall: number,
    cpu: number,
    limit: number,
    atMost: boolean,
    fmt: (x: number) => string,
  ) => {
    const miss = (x: number) =>
      atMost ? `by ${(x / limit).toFixed(2)} ×` : `by ${(limit / x).toFixed(2)} ×`;
    const met = (x: number) => (atMost ? x <= limit : x >= limit);
    const cell = (x: number) => (Number.isFinite(x) ? verdict(fmt(x), met(x), miss(x)) : '—');
    rows.push(`| ${name} | ${cell(wall)} | ${cell(cpu)} |`);
  };
  const missing = (name: string, why: string) => rows.push(`| ${name} | **MISSED** (${why}) | |`);
  const corr = by('correlate-summary');
  const tw8 = by('tcpdump-w-8');
  const tshark = by('tshark-fields');
  const lim = TARGETS.correlateVsTcpdumpWrite;
  const speedup = TARGETS.correlateVsTsharkSpeedup;
  const rssLim = TARGETS.correlatePeakRssMiB;
  // A target needs our case and its anchor: say which one is missing (left out by --only, unavailable, failed).
  const why = (c: Case | undefined, id: string) =>
    !c
      ? `${id} not run (--only)`
      : !c.cmd
        ? `${id} not available`
        : c.runs.length === 0
          ? `${id} did not run`
          : `${id} failed its check`;
  const need = (pairs: [Case | undefined, string][]): string | null => {
    for (const [c, id] of pairs) if (!ranClean(c)) return why(c, id);
    return null;
  };
  const x = (v: number) => `${v.toFixed(2)} ×`;
  const vsTcpdump = `correlate --summary ≤ ${lim} × tcpdump -w (same 8 files)`;
  const noTcpdump = need([
    [corr, 'correlate-summary'],
    [tw8, 'tcpdump-w-8'],
  ]);
  if (noTcpdump) missing(vsTcpdump, noTcpdump);
  else add(vsTcpdump, wallOf(corr!) / wallOf(tw8!), cpuOf(corr!) / cpuOf(tw8!), lim, true, x);
  const vsTshark = `correlate --summary ≥ ${speedup} × faster than tshark fields`;
  const noTshark = need([
    [corr, 'correlate-summary'],
    [tshark, 'tshark-fields'],
  ]);
  if (noTshark) missing(vsTshark, noTshark);
  else
    add(
      vsTshark,
      wallOf(tshark!) / wallOf(corr!),
      cpuOf(tshark!) / cpuOf(corr!),
      speedup,
      false,
      (v) => `${v.toFixed(0)} ×`,
    );
  const rssName = `correlate --summary peak RSS ≤ ${rssLim} MiB`;
  const noCorr = need([[corr, 'correlate-summary']]);
  if (noCorr) missing(rssName, noCorr);
  else {
    const rss = median(corr!.runs.map((r) => r.peakRssMiB));
    add(rssName, rss, rss, rssLim, true, (v) => `${v.toFixed(0)} MiB`);
  }
  const dec = by('decode-only');
  const decName = `decode ≥ ${fmtRate(TARGETS.decodePacketsPerSec)} packets/s in-process, one core`;
  if (ranClean(dec))
    add(
      decName,
      median(dec.runs.map(warmPps)),
      median(dec.runs.map(warmCpuPps)),
      TARGETS.decodePacketsPerSec,
      false,
      (v) => `${fmtRate(v)} packets/s`,
    );
  else missing(decName, why(dec, 'decode-only'));
  const exp = by('export');
  const mc8 = by('mergecap-8');
  const noExport = need([
    [exp, 'export'],
    [mc8, 'mergecap-8'],
  ]);
  if (!noExport)
    add(
      'export --pcapng no slower than mergecap (8 files)',
      wallOf(exp!) / wallOf(mc8!),
      cpuOf(exp!) / cpuOf(mc8!),
      TARGETS.exportVsMergecap,
      true,
      (v) => `${v.toFixed(2)} × mergecap`,
    );
  else missing('export --pcapng no slower than mergecap (8 files)', noExport);
  return rows;
}

/** The WireGuard-heavy set beside its anchor (no target: the issue's are defined on the generator's set). */
function wireguardRows(cases: Case[]): string[] {
  const corr = cases.find((c) => c.id === 'correlate-wireguard');
  const tw = cases.find((c) => c.id === 'tcpdump-w-wg');
  if (!ranClean(corr) || !ranClean(tw)) return [];
  const rss = median(corr.runs.map((r) => r.peakRssMiB));
  return [
    '',
    `WireGuard-heavy set (not a target): \`correlate --summary\` ${(wallOf(corr) / wallOf(tw)).toFixed(2)} × ` +
      `\`tcpdump -w\` over the same files, peak RSS ${rss.toFixed(0)} MiB.`,
  ];
}

/**
 * The WebAssembly ingest on the mixed set against the JavaScript path (no target: a guard; above 1 the engine's cost
 * per batch has grown past what it saves, as a megamorphic copy once made it, 1.56 ×).
 */
function mixedRows(cases: Case[]): string[] {
  const wasm = cases.find((c) => c.id === 'correlate-mixed');
  const js = cases.find((c) => c.id === 'correlate-mixed-js');
  if (!ranClean(wasm) || !ranClean(js)) return [];
  const cpu = (c: Case) => median(c.runs.map((r) => r.userS + r.sysS));
  return [
    '',
    `Mixed set (not a target): \`correlate --summary\` through the WebAssembly ingest ` +
      `${(wallOf(wasm) / wallOf(js)).toFixed(2)} × the JavaScript path's wall time, ` +
      `${(cpu(wasm) / cpu(js)).toFixed(2)} × its CPU time (a guard: above 1, staging a few rows at a time ` +
      `between records left to JavaScript would cost more than it saves).`,
  ];
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  checkTools();
  const journeys = opts.quick ? 12_500 : 125_000;
  const dir = path.join(ROOT, 'bench/data', opts.quick ? 'quick' : 'full');
  const m = ensureData(dir, journeys);
  const wg = ensureWireGuardSet(opts.quick);
  const mixed = ensureMixedSet(opts.quick);
  let cases = buildCases(dir, m, opts.quick, wg, mixed);
  if (opts.only) cases = cases.filter((c) => opts.only!.includes(c.id));
  warmCache([
    ...[m.one, m.oneUsec!, ...m.halves!, ...m.path].map((f) => path.join(dir, f.path)),
    ...wg.files,
    ...mixed.files,
  ]);

  // The bundle first (the warm-up's cache is for the build the timed runs use).
  if (cases.some((c) => c.cmd?.[1] === HOPSCOPE[1])) ensureCliBundle(ROOT);
  warmCodeCache(cases);
  console.error(`bench: ${cases.length} commands × ${opts.reps} repetitions, alternating`);
  const runOnce = async (c: Case, rep: number): Promise<void> => {
    if (!c.cmd) return;
    if (c.cmd[1] === HOPSCOPE[1]) c.cliPath.push(ensureCliBundle(ROOT));
    c.busyBefore.push(
      opts.idle < 1 ? await waitForIdle(opts.idle, opts.idleWaitS * 1000) : await busyFraction(),
    );
    const env = { ...BENCH_ENV, ...c.env };
    const mm = await measure(c.cmd, { cwd: ROOT, stdout: c.stdout, env, timeoutMs: CASE_TIMEOUT_MS });
    c.runs.push(mm);
    const problem = c.check?.(mm) ?? null;
    c.problems.push(problem);
    console.error(
      `  rep ${rep + 1} ${c.id.padEnd(18)} ${fmtS(mm.wallS).padStart(7)} s ${mm.peakRssMiB.toFixed(0).padStart(5)} MiB` +
        ` cpu ${fmtS(mm.userS + mm.sysS)} s, machine ${(100 * (c.busyBefore.at(-1) ?? NaN)).toFixed(0)}% busy before` +
        (problem ? `  ! ${problem}` : ''),
    );
  };
  for (let rep = 0; rep < opts.reps; rep++) for (const c of cases) await runOnce(c, rep);
  // The pairs whose ratio a target is, `--pair-reps` more times each, alternating: this machine swings by ±40 ms
  // between batches, so three runs cannot tell a 20–30 ms change from the noise.
  const pairs = TARGET_PAIRS.map((ids) => ids.map((id) => cases.find((c) => c.id === id && c.cmd)));
  for (let extra = 0; extra < opts.pairReps; extra++)
    for (const pair of pairs) for (const c of pair) if (c) await runOnce(c, opts.reps + extra);
  fs.rmSync(path.join(dir, 'out'), { recursive: true, force: true });
  // One more run of correlate --summary, traced (not timed above): where its wall time went.
  const corr = cases.find((c) => c.id === 'correlate-summary');
  const traced = corr?.cmd ? traceRun(corr.cmd, ROOT, BENCH_ENV) : null;

  const mach = machine();
  const lines = [
    `## Run of ${new Date().toISOString()}${opts.quick ? ' (--quick)' : ''}, ${opts.reps} repetitions` +
      (opts.pairReps > 0
        ? ` (${opts.reps + opts.pairReps} of ${TARGET_PAIRS.map((p) => p.join(' and ')).join(', ')}, alternating)`
        : ''),
    '',
    ...Object.entries(mach).map(([k, v]) => `- ${k}: ${v}`),
    `- data: ${m.one.packets} packets / ${(m.one.bytes / 2 ** 20).toFixed(0)} MiB one-file mix; ` +
      `${m.path.length} path files × ${m.path[0].packets} packets (${m.journeys} journeys)`,
    '',
    ...table(cases),
    '',
    ...targetRows(cases),
    ...wireguardRows(cases),
    ...mixedRows(cases),
    ...(traced
      ? [
          '',
          `Where \`correlate --summary\`'s wall time went (one more run, HOPSCOPE_TRACE=1):`,
          '',
          ...timelineRows(traced),
        ]
      : []),
    ...(opts.quick
      ? [
          '',
          '(--quick: 1/10 of the data, so start-up weighs 10 × more; the targets are defined on the full set.)',
        ]
      : []),
  ];
  const text = lines.join('\n');
  console.log(text);
  fs.writeFileSync(path.join(ROOT, 'bench/data', `results-${opts.quick ? 'quick' : 'full'}.md`), text + '\n');
  fs.writeFileSync(
    path.join(ROOT, 'bench/data', `results-${opts.quick ? 'quick' : 'full'}.json`),
    JSON.stringify(
      {
        machine: mach,
        manifest: m,
        cases: cases.map(({ check, inProcessPps, ...rest }) => (void check, void inProcessPps, rest)),
      },
      null,
      1,
    ),
  );
}

await main();
