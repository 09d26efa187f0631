// Fuzz target: the correlator behind `hopscope correlate`, fed a scenario's real capture set with some files
// mutated (bit flips, truncations, splices, huge lengths, duplicated records, shuffled timestamps). Checks:
// correlateInputs never throws, each damaged file is reported with an offset inside it, rows read before
// the damage are still correlated, every journey's hops are well formed, and the run is bounded in time.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { correlateInputs, loadInputs } from '../../../main/session/index.ts';
import { invariant, mutate, MUTATIONS, rng, timed } from '../harness.ts';

export const CORRELATE_TIME_LIMIT_MS = 10_000;

/** Shuffles record timestamps of a classic pcap in place (out-of-order and far-future times). */
function shuffleTimes(b: Uint8Array, seed: number): Uint8Array {
  const out = new Uint8Array(b);
  if (out.length < 24) return out;
  const dv = new DataView(out.buffer);
  const le = out[0] === 0xd4 || out[0] === 0x4d;
  const r = rng(seed);
  for (let p = 24; p + 16 <= out.length;) {
    const cap = dv.getUint32(p + 8, le);
    if (r() < 0.3)
      dv.setUint32(p, [0, 0xffffffff, 1_700_000_000 + Math.floor(r() * 100)][Math.floor(r() * 3)], le);
    if (r() < 0.3) dv.setUint32(p + 4, Math.floor(r() * 2 ** 32), le);
    if (cap > 262144) break;
    p += 16 + cap;
  }
  return out;
}

export interface ScenarioFiles {
  name: string;
  files: { name: string; bytes: Uint8Array }[];
}

/** Loads every capture of one fixture scenario (labelled by its <node>__<iface>.pcap name). */
export function loadScenario(dir: string): ScenarioFiles {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .sort()
    .map((f) => ({ name: f, bytes: new Uint8Array(fs.readFileSync(path.join(dir, f))) }));
  return { name: path.basename(dir), files };
}

export function fuzzCorrelate(sc: ScenarioFiles, seed: number, work: string): void {
  const r = rng(seed);
  const dir = fs.mkdtempSync(path.join(work, 'c-'));
  try {
    const damaged = new Set<string>();
    for (const f of sc.files) {
      let bytes = f.bytes;
      if (r() < 0.4) {
        const other = sc.files[Math.floor(r() * sc.files.length)].bytes;
        const kind = r() < 0.25 ? 'shuffleTimes' : MUTATIONS[Math.floor(r() * MUTATIONS.length)];
        bytes =
          kind === 'shuffleTimes'
            ? shuffleTimes(bytes, seed)
            : mutate(bytes, other, kind, Math.floor(r() * 2 ** 32));
        damaged.add(f.name);
      }
      fs.writeFileSync(path.join(dir, f.name), bytes);
    }
    const inputs = loadInputs(sc.files.map((f) => path.join(dir, f.name)));
    invariant(
      inputs.ok || typeof inputs.error.code === 'string',
      'loadInputs returned neither value nor error',
    );
    if (!inputs.ok) return;
    let out: ReturnType<typeof correlateInputs> | undefined;
    const ms = timed(() => {
      out = correlateInputs(inputs.value);
    });
    invariant(ms < CORRELATE_TIME_LIMIT_MS, `correlating ${sc.name} took ${ms.toFixed(0)} ms`);
    const { result, problems } = out!;
    for (const p of problems) {
      const base = path.basename(p.path);
      invariant(damaged.has(base), `undamaged ${base} reported ${p.problem.code}`);
      const size = fs.statSync(p.path).size;
      invariant(
        p.problem.offset >= 0 && p.problem.offset <= size,
        `${base}: offset ${p.problem.offset} outside ${size} bytes`,
      );
    }
    const seen = new Set<number>();
    for (let k = 0; k < result.journeyCount; k++) {
      const hops = result.hops(k);
      invariant(hops.length >= 1, `journey ${k} has no hops`);
      for (const h of hops) {
        invariant(!seen.has(h.row), `row ${h.row} in two journeys`);
        seen.add(h.row);
        invariant(h.row >= 0 && h.row < result.rowCount, `hop row ${h.row} outside ${result.rowCount}`);
        invariant(typeof h.node === 'string' && typeof h.iface === 'string', 'hop without node/iface');
        invariant(typeof h.tsNs === 'bigint' && typeof h.tNs === 'bigint', 'hop times not bigint');
        invariant(h.latencyNs === null || Number.isFinite(h.latencyNs), 'latency not finite');
      }
      invariant(typeof result.journeySummary(k) === 'string', 'journey summary not a string');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function fuzzWorkDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'hs-fuzz-correlate-'));
}
