// Deterministic generator of lab-like captures for the benchmarks: the same pod-to-pod traffic (a) as one
// nanosecond pcap mixing ICMP, TCP, VXLAN 8472 and IPIP, and (b) as the eight per-interface captures of a
// two-node flannel-vxlan path, each packet seen at every hop with its MAC rewrites, TTLs and VXLAN push/pop.
//
//   node bin/run-ts.mjs bench/generate.ts [--journeys N] [--seed S] [--skew-ns NS] [--out DIR]

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { HOP_COUNT, NODE1, NODE2, PathFrames, hopFileName, hopOnNode2 } from './gen/flannelPath.ts';
import { SortedPcapWriter } from './gen/pcapWriter.ts';
import { TrafficModel } from './gen/traffic.ts';

export const GENERATOR_VERSION = 2;
const LINKTYPE_ETHERNET = 1;
const BASE_SEC = 1767225600; // 2026-01-01T00:00:00Z: fixed, so output is byte-identical across runs
const MEAN_EVENT_GAP_NS = 200_000; // ~5,000 exchanges/s: minutes of traffic compressed into seconds
const IPIP_SHARE = 0.2; // of journeys in the one-file mix whose ens33 hops carry IPIP instead of VXLAN
/** Per-hop delay ranges [min, max] ns, k = 1..7 along the path: bridge, routing into flannel.1, the VXLAN
 *  device to the NIC, the wire between nodes, decapsulation, routing onto cni0, the bridge to the veth. */
const HOP_DELAY_NS: readonly (readonly [number, number])[] = [
  [0, 0],
  [1_000, 3_000],
  [4_000, 12_000],
  [2_000, 6_000],
  [120_000, 350_000],
  [8_000, 25_000],
  [2_000, 6_000],
  [1_000, 3_000],
];

export interface GenerateOptions {
  outDir: string;
  /** Journeys (distinct inner packets). Each is one record in every path file and 8 in the one-file mix. */
  journeys: number;
  seed?: number;
  /** How far node-2's clock runs ahead of node-1's (ns); its captures carry this offset. */
  skewNs?: number;
  /** Also write the microsecond copy (for pcap-parser) and the two halves (for mergecap). Default true. */
  extras?: boolean;
}

export interface GeneratedFile {
  path: string;
  packets: number;
  bytes: number;
}

export interface Manifest {
  version: number;
  journeys: number;
  seed: number;
  skewNs: number;
  one: GeneratedFile;
  /** Encapsulated records in the one-file mix (its ens33 hops), so a benchmark can check its decoder counted them. */
  oneVxlan: number;
  oneIpip: number;
  oneUsec?: GeneratedFile;
  halves?: [GeneratedFile, GeneratedFile];
  path: (GeneratedFile & { node: string; iface: string })[];
  seconds: number;
}

export const MANIFEST = 'manifest.json';

/** Which frame a journey's k-th point along the path sees: 0–1 sent, 2 tunnel, 3–4 vxlan, 5 tunnel, 6–7 delivered. */
function frameAt(f: PathFrames, k: number, ipip: boolean): [Uint8Array, number] {
  if (k <= 1) return [f.sent, f.sentLen];
  if (k === 2 || k === 5) return [f.tunnel, f.tunnelLen];
  if (k <= 4) return ipip ? [f.ipip, f.ipipLen] : [f.vxlan, f.vxlanLen];
  return [f.delivered, f.deliveredLen];
}

export function generate(opts: GenerateOptions): Manifest {
  const started = process.hrtime.bigint();
  const seed = opts.seed ?? 1;
  const skewNs = opts.skewNs ?? 400_000;
  const extras = opts.extras ?? true;
  fs.mkdirSync(path.join(opts.outDir, 'path'), { recursive: true });
  const mk = (name: string, nanos = true) =>
    new SortedPcapWriter(path.join(opts.outDir, name), {
      nanos,
      baseSec: BASE_SEC,
      linkType: LINKTYPE_ETHERNET,
    });
  const hopWriters = Array.from({ length: HOP_COUNT }, (_, h) => mk(path.join('path', hopFileName(h))));
  const one = mk('one.pcap');
  const oneUsec = extras ? mk('one-usec.pcap', false) : undefined;
  const halves = extras ? [mk('one-half1.pcap'), mk('one-half2.pcap')] : undefined;
  const all = [...hopWriters, one, ...(oneUsec ? [oneUsec] : []), ...(halves ?? [])];

  const model = new TrafficModel(seed);
  const rnd = model.rnd;
  const frames = new PathFrames();
  const outerId = new Map([
    [NODE1, 0x4000],
    [NODE2, 0x7000],
  ]);
  let journey = 0;
  let event = 0;
  let oneVxlan = 0;
  let oneIpip = 0;

  /** Emits one journey starting at true time t; returns the true time it reaches the far pod. */
  const emit = (inner: Uint8Array, pkt: typeof model.firstPkt, t: number): number => {
    const id = ((outerId.get(pkt.from) ?? 0) + 1) & 0xffff;
    outerId.set(pkt.from, id);
    const srcPort = 32768 + (pkt.flowHash % 28232);
    frames.build(inner, pkt.len, pkt.from, pkt.to, id, srcPort);
    const ipip = rnd() < IPIP_SHARE;
    const half = halves?.[event & 1]; // by exchange, so both halves get the same mix
    if (ipip) oneIpip += 2;
    else oneVxlan += 2;
    for (let k = 0; k < HOP_COUNT; k++) {
      const [lo, hi] = HOP_DELAY_NS[k];
      t += Math.round(lo + rnd() * (hi - lo));
      const hop = pkt.from === NODE1 ? k : HOP_COUNT - 1 - k;
      const ts = t + (hopOnNode2(hop) ? skewNs : 0);
      const [vx, vxLen] = frameAt(frames, k, false);
      hopWriters[hop].push(ts, vx, 0, vxLen);
      const [mix, mixLen] = frameAt(frames, k, ipip);
      one.push(ts, mix, 0, mixLen);
      oneUsec?.push(ts, mix, 0, mixLen);
      half?.push(ts, mix, 0, mixLen);
    }
    journey++;
    return t;
  };

  let t = 1_000_000;
  while (journey < opts.journeys) {
    model.next(t, BASE_SEC);
    const arrived = emit(model.first, model.firstPkt, t);
    if (journey < opts.journeys) emit(model.second, model.secondPkt, arrived + model.answerDelayNs);
    event++;
    t += Math.max(1_000, Math.round(-Math.log(1 - rnd()) * MEAN_EVENT_GAP_NS));
    // Nothing pushed from now on is earlier than t (or t + skew on node-2 when the skew is negative).
    const watermark = t + Math.min(0, skewNs);
    for (const w of all) w.flushBefore(watermark);
  }
  for (const w of all) w.close();

  const file = (w: SortedPcapWriter): GeneratedFile => ({
    path: path.relative(opts.outDir, w.path),
    packets: w.packets,
    bytes: w.bytes,
  });
  const manifest: Manifest = {
    version: GENERATOR_VERSION,
    journeys: opts.journeys,
    seed,
    skewNs,
    one: file(one),
    oneVxlan,
    oneIpip,
    oneUsec: oneUsec && file(oneUsec),
    halves: halves && [file(halves[0]), file(halves[1])],
    path: hopWriters.map((w, h) => {
      const [node, iface] = hopFileName(h)
        .replace(/\.pcap$/, '')
        .split('__');
      return { ...file(w), node, iface };
    }),
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
  fs.writeFileSync(path.join(opts.outDir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** The manifest in dir if it matches what we would generate now, else undefined. */
export function readManifest(dir: string, journeys: number, seed = 1): Manifest | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as Manifest;
    if (m.version !== GENERATOR_VERSION || m.journeys !== journeys || m.seed !== seed) return undefined;
    const files = [m.one, ...(m.oneUsec ? [m.oneUsec] : []), ...(m.halves ?? []), ...m.path];
    for (const f of files) if (fs.statSync(path.join(dir, f.path)).size !== f.bytes) return undefined;
    return m;
  } catch {
    return undefined;
  }
}

function cli(argv: string[]): void {
  const get = (name: string, dflt: number): number => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return dflt;
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
    return v;
  };
  const outIdx = argv.indexOf('--out');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const outDir = outIdx >= 0 ? argv[outIdx + 1] : path.join(here, 'data', 'full');
  const m = generate({
    outDir,
    journeys: get('journeys', 125_000),
    seed: get('seed', 1),
    skewNs: get('skew-ns', 400_000),
  });
  console.log(
    `generated ${m.one.packets} packets (${(m.one.bytes / 1e6).toFixed(1)} MB) + ${m.path.length} path files ` +
      `in ${outDir} in ${m.seconds.toFixed(1)} s`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  cli(process.argv.slice(2));
