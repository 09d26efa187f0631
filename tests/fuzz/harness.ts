// Shared fuzz machinery: an allocation watch (the "no unbounded allocation" invariant), a per-input time
// bound, deterministic chunking, and structure-aware mutators for pcap/pcapng (bit flips, truncations,
// splices, huge length fields, unknown blocks and options). Used by the vitest fast-check runs, the long
// script and the Jazzer.js entry points alike, so every front end checks the same invariants.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** tests/fuzz (a function: the Jazzer.js bundle is CommonJS and never loads a corpus itself). */
export function fuzzDir(): string {
  return path.dirname(fileURLToPath(import.meta.url));
}

/** An invariant the code under test broke. Thrown only by the harness, never expected from the code. */
export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

export function invariant(cond: unknown, message: string): asserts cond {
  if (!cond) throw new InvariantError(message);
}

/** The seed files: real captures (see scripts/fuzz-seed.sh), plus every committed corpus finding. */
export function loadCorpus(sub = 'seeds'): { name: string; bytes: Uint8Array }[] {
  const dir = path.join(fuzzDir(), 'corpus', sub);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => !f.startsWith('.') && !f.endsWith('.md'))
    .sort()
    .map((f) => ({ name: `${sub}/${f}`, bytes: new Uint8Array(fs.readFileSync(path.join(dir, f))) }));
}

// ---- allocation watch ---------------------------------------------------------------------------------

let watching = 0;
let largest = 0;
let installed = false;
const RealUint8Array = globalThis.Uint8Array;
const RealArrayBuffer = globalThis.ArrayBuffer;
const realAllocUnsafe = Buffer.allocUnsafe;
const realAlloc = Buffer.alloc;

function note(n: unknown): void {
  if (watching > 0 && typeof n === 'number' && n > largest) largest = n;
}

/**
 * Replaces the global Uint8Array/ArrayBuffer constructors and Buffer.alloc* with recording wrappers, so a
 * reader that would allocate a length it read from the input (caplen 2^31) is caught before the allocation
 * succeeds or fails. Code resolves these globals at call time, so modules imported earlier are covered too.
 */
export function installAllocationWatch(): void {
  if (installed) return;
  installed = true;
  const trap = <T extends object>(ctor: T): T =>
    new Proxy(ctor, {
      construct(target, args, newTarget) {
        note(args[0]);
        return Reflect.construct(target as never, args, newTarget) as object;
      },
    });
  globalThis.Uint8Array = trap(RealUint8Array);
  globalThis.ArrayBuffer = trap(RealArrayBuffer);
  Buffer.allocUnsafe = (n: number) => (note(n), realAllocUnsafe(n));
  Buffer.alloc = ((n: number, ...rest: unknown[]) => (
    note(n),
    realAlloc(n, ...(rest as []))
  )) as typeof Buffer.alloc;
}

export function uninstallAllocationWatch(): void {
  if (!installed) return;
  installed = false;
  globalThis.Uint8Array = RealUint8Array;
  globalThis.ArrayBuffer = RealArrayBuffer;
  Buffer.allocUnsafe = realAllocUnsafe;
  Buffer.alloc = realAlloc;
}

/** Runs fn, returning the largest byte length any typed array/buffer allocation asked for meanwhile. */
export function largestAllocationDuring(fn: () => void): number {
  watching++;
  const before = largest;
  largest = 0;
  try {
    fn();
    return largest;
  } finally {
    watching--;
    largest = Math.max(before, largest);
  }
}

// ---- time bound ---------------------------------------------------------------------------------------

/** Wall time of fn in ms (synchronous code cannot be interrupted, so "no hang" is checked after the fact). */
export function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

// ---- deterministic randomness and chunking --------------------------------------------------------------

/** mulberry32: small, fast, reproducible from a 32-bit seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cuts bytes into chunks of random sizes (1 byte up to ~2 KiB, with an occasional whole-rest chunk). */
export function chunk(bytes: Uint8Array, seed: number): Uint8Array[] {
  const r = rng(seed);
  const out: Uint8Array[] = [];
  for (let p = 0; p < bytes.length;) {
    const pick = r();
    const n =
      pick < 0.3 ? 1 + Math.floor(r() * 16) : pick < 0.9 ? 1 + Math.floor(r() * 2048) : bytes.length - p;
    out.push(bytes.subarray(p, p + n));
    p += n;
  }
  return out;
}

// ---- structure: where the length fields are ---------------------------------------------------------------

/** Offsets of classic pcap record headers (walks caplens; stops at the first that does not fit). */
export function pcapRecordOffsets(b: Uint8Array): number[] {
  if (b.length < 24) return [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const m = dv.getUint32(0, true);
  const le = m === 0xa1b2c3d4 || m === 0xa1b23c4d;
  const out: number[] = [];
  for (let p = 24; p + 16 <= b.length;) {
    out.push(p);
    p += 16 + dv.getUint32(p + 8, le);
  }
  return out;
}

/** Offsets of pcapng blocks (walks total lengths). */
export function pcapngBlockOffsets(b: Uint8Array): number[] {
  if (b.length < 12) return [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = dv.getUint32(8, true) === 0x1a2b3c4d;
  const out: number[] = [];
  for (let p = 0; p + 12 <= b.length;) {
    out.push(p);
    const len = dv.getUint32(p + 4, le);
    if (len < 12) break;
    p += len;
  }
  return out;
}

function isPcapng(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x0a && b[1] === 0x0d && b[2] === 0x0d && b[3] === 0x0a;
}

function le32(b: Uint8Array, at: number, v: number, little: boolean): void {
  if (at + 4 > b.length) return;
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v >>> 0, little);
}

function littleEndian(b: Uint8Array): boolean {
  if (isPcapng(b)) return b.length >= 12 && b[8] === 0x4d;
  return b.length >= 4 && (b[0] === 0xd4 || b[0] === 0x4d);
}

export const HUGE_LENGTHS = [
  0x7fffffff,
  0x80000000,
  0xffffffff,
  0xfffffff0,
  262145,
  262144 + 16,
  65536 * 1024,
];

export type Mutation =
  | 'bitflip'
  | 'byte'
  | 'truncate'
  | 'splice'
  | 'hugeLength'
  | 'unknownBlock'
  | 'unknownOption'
  | 'duplicate'
  | 'zeroLength';

export const MUTATIONS: Mutation[] = [
  'bitflip',
  'byte',
  'truncate',
  'splice',
  'hugeLength',
  'unknownBlock',
  'unknownOption',
  'duplicate',
  'zeroLength',
];

/** Applies one mutation, chosen by the caller, with randomness from seed. Never modifies `input`. */
export function mutate(input: Uint8Array, other: Uint8Array, kind: Mutation, seed: number): Uint8Array {
  const r = rng(seed);
  const pick = (n: number) => Math.floor(r() * n);
  const b = new RealUint8Array(input);
  const le = littleEndian(b);
  switch (kind) {
    case 'bitflip': {
      const flips = 1 + pick(8);
      for (let i = 0; i < flips && b.length; i++) b[pick(b.length)] ^= 1 << pick(8);
      return b;
    }
    case 'byte': {
      const n = 1 + pick(4);
      for (let i = 0; i < n && b.length; i++) b[pick(b.length)] = [0, 0xff, 0x7f, 0x80, pick(256)][pick(5)];
      return b;
    }
    case 'truncate':
      return b.subarray(0, pick(b.length + 1));
    case 'zeroLength':
      return new RealUint8Array(0);
    case 'splice': {
      const a = pick(b.length + 1);
      const c = pick(other.length + 1);
      const out = new RealUint8Array(a + other.length - c);
      out.set(b.subarray(0, a));
      out.set(other.subarray(c), a);
      return out;
    }
    case 'hugeLength': {
      const huge = HUGE_LENGTHS[pick(HUGE_LENGTHS.length)];
      if (isPcapng(b)) {
        const blocks = pcapngBlockOffsets(b);
        if (!blocks.length) return b;
        const at = blocks[pick(blocks.length)];
        // Block total length, or (in an EPB) the captured length.
        const field = r() < 0.5 ? at + 4 : at + 20;
        le32(b, field, huge, le);
      } else {
        const recs = pcapRecordOffsets(b);
        if (r() < 0.2 || !recs.length)
          le32(b, 16, huge, le); // snaplen
        else {
          const at = recs[pick(recs.length)];
          le32(b, at + (r() < 0.7 ? 8 : 12), huge, le); // caplen or origlen
        }
      }
      return b;
    }
    case 'unknownBlock': {
      // A well-framed block of an unassigned type (and sometimes a custom block 0xBAD) at a block boundary.
      const bodyLen = 4 * pick(16);
      const blk = new RealUint8Array(12 + bodyLen);
      const type = [0x0bad, 0x40000bad, 0x7, 0x5, 0x80000001, pick(0xffff)][pick(6)];
      le32(blk, 0, type, le);
      le32(blk, 4, blk.length, le);
      for (let i = 8; i < 8 + bodyLen; i++) blk[i] = pick(256);
      le32(blk, blk.length - 4, blk.length, le);
      const points = isPcapng(b) ? pcapngBlockOffsets(b).filter((o) => o > 0) : pcapRecordOffsets(b);
      const at = points.length ? points[pick(points.length)] : b.length;
      const out = new RealUint8Array(b.length + blk.length);
      out.set(b.subarray(0, at));
      out.set(blk, at);
      out.set(b.subarray(at), at + blk.length);
      return out;
    }
    case 'unknownOption': {
      // Rewrites the first option of an IDB/EPB/SHB with an unknown code (or an overlong length).
      if (!isPcapng(b)) return mutate(input, other, 'bitflip', seed);
      const blocks = pcapngBlockOffsets(b);
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      for (const at of blocks) {
        if (at + 8 > b.length) break;
        const type = dv.getUint32(at, le);
        const optAt = type === 1 ? at + 16 : type === 0x0a0d0d0a ? at + 24 : -1;
        if (optAt < 0 || optAt + 4 > b.length) continue;
        dv.setUint16(optAt, [0x7fff, 0xbad, 2988, 9, 14][pick(5)], le);
        if (r() < 0.5) dv.setUint16(optAt + 2, [0xffff, 0xfffc, 1, 3][pick(4)], le);
        if (r() < 0.5) break;
      }
      return b;
    }
    case 'duplicate': {
      const points = isPcapng(b) ? pcapngBlockOffsets(b) : pcapRecordOffsets(b);
      if (points.length < 2) return b;
      const i = pick(points.length - 1);
      const seg = b.subarray(points[i], points[i + 1]);
      const out = new RealUint8Array(b.length + seg.length);
      out.set(b.subarray(0, points[i + 1]));
      out.set(seg, points[i + 1]);
      out.set(b.subarray(points[i + 1]), points[i + 1] + seg.length);
      return out;
    }
  }
}

/** A mutated seed: 1..3 stacked mutations of one seed, spliced with another when asked. */
export function mutatedInput(seeds: Uint8Array[], seed: number): Uint8Array {
  const r = rng(seed ^ 0x9e3779b9);
  let b = seeds[Math.floor(r() * seeds.length)];
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const kind = MUTATIONS[Math.floor(r() * MUTATIONS.length)];
    if (kind === 'zeroLength' && r() < 0.9) continue;
    b = mutate(b, seeds[Math.floor(r() * seeds.length)], kind, Math.floor(r() * 2 ** 32));
  }
  return b;
}
