// linkSegments' loop in WebAssembly (wasm/link.c): the segments, in linking order, join journeys as the JavaScript
// loop of linker.ts joins them, ~3 × faster; its journeys are the same, column for column
// (tests/unit/wasmLink.test.ts). For batch linking only (a live window's subset and its rivals stay in
// JavaScript); HOPSCOPE_WASM=0 turns it off.
//
// Its key table keeps every journey's key (the JavaScript one, a WindowedKeyTable, forgets those out of reach at
// each rehash): a forgotten journey's last time is more than maxSkewNs before the segment being linked, and
// segments come in time order, so the loop stops at it exactly where the JavaScript table had nothing, and no later
// segment can join it.

import type { NodeClocks } from './clockSkew.ts';
import type { LinkScratch } from './linker.ts';
import type { SegmentTable } from './segments.ts';
import { LINK_WASM } from './wasm/linkWasm.ts';

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  link(...args: number[]): number;
}

/** The compiled module (once per thread); null when this runtime cannot compile it. */
let compiled: WebAssembly.Module | null | undefined;

function module(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(LINK_WASM, 'base64'));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

const PAGE = 65536;

/**
 * Runs linkSegments' loop over every segment of `segs` in `order`: fills segJourney and segNext (all of them) and
 * the scratch's journey columns, as the JavaScript loop does, and returns how many journeys it made; -1 when
 * WebAssembly is off or unavailable (the caller runs its own loop).
 */
export function linkInWasm(
  segs: SegmentTable,
  order: Int32Array,
  clock: NodeClocks,
  uncertaintyNs: Float64Array,
  maxSkewNs: number,
  crossWindowNs: number,
  segJourney: Int32Array,
  segNext: Int32Array,
  scratch: LinkScratch,
): number {
  if (process.env.HOPSCOPE_WASM === '0') return -1;
  const m = module();
  if (m === null) return -1;
  const n = order.length;
  const nodes = clock.nodeCount;
  let slotCount = 1024;
  while (slotCount < n * 2) slotCount *= 2;
  let x: Exports;
  try {
    // A fresh instance per call: its memory, grown to this linking's size, goes with it.
    x = new WebAssembly.Instance(m, {}).exports as unknown as Exports;
  } catch {
    return -1;
  }
  // The layout: every array 8-byte aligned, from the module's heap base.
  let at = x.heapBase();
  const place = (bytes: number) => {
    const p = (at + 7) & ~7;
    at = p + bytes;
    return p;
  };
  const pOrder = place(4 * n);
  const pNode = place(2 * n);
  const pFirstT = place(8 * n);
  const pLastT = place(8 * n);
  const pKeyHi = place(4 * n);
  const pKeyLo = place(4 * n);
  const pTail = place(4 * n);
  const pTailKnown = place(n);
  const pReturnOf = place(4 * n);
  const pOffset = place(8 * nodes);
  const pRate = place(8 * nodes);
  const pUnc = place(8 * nodes);
  const pSegJourney = place(4 * n);
  const pSegNext = place(4 * n);
  const pJKeyHi = place(4 * n);
  const pJKeyLo = place(4 * n);
  const pJLastT = place(8 * n);
  const pJPrev = place(4 * n);
  const pJFirst = place(4 * n);
  const pJLast = place(4 * n);
  const pJCount = place(4 * n);
  const pJTail = place(4 * n);
  const pJTailKnown = place(n);
  const pJMaxUnc = place(8 * n);
  const pAmbiguous = place(n);
  const pSlots = place(4 * slotCount);
  const have = x.memory.buffer.byteLength;
  if (at > have) {
    try {
      x.memory.grow(Math.ceil((at - have) / PAGE));
    } catch {
      return -1; // no address space for it: the JavaScript loop
    }
  }
  const buf = x.memory.buffer;
  new Int32Array(buf, pOrder, n).set(order);
  new Uint16Array(buf, pNode, n).set(segs.node.subarray(0, n));
  new Float64Array(buf, pFirstT, n).set(segs.firstT.subarray(0, n));
  new Float64Array(buf, pLastT, n).set(segs.lastT.subarray(0, n));
  new Int32Array(buf, pKeyHi, n).set(segs.keyHi.subarray(0, n));
  new Int32Array(buf, pKeyLo, n).set(segs.keyLo.subarray(0, n));
  new Int32Array(buf, pTail, n).set(segs.tail.subarray(0, n));
  new Uint8Array(buf, pTailKnown, n).set(segs.tailKnown.subarray(0, n));
  new Int32Array(buf, pReturnOf, n).set(segs.returnOf.subarray(0, n));
  new Float64Array(buf, pOffset, nodes).set(clock.offsetNs);
  new Float64Array(buf, pRate, nodes).set(clock.rate);
  new Float64Array(buf, pUnc, nodes).set(uncertaintyNs.subarray(0, nodes));
  const wJourney = new Int32Array(buf, pSegJourney, n).fill(-1);
  const wNext = new Int32Array(buf, pSegNext, n).fill(-1);
  // (A fresh memory is zeroed: the ambiguous flags and the key table's slots start clear.)
  const count = x.link(
    n,
    pOrder,
    pNode,
    pFirstT,
    pLastT,
    pKeyHi,
    pKeyLo,
    pTail,
    pTailKnown,
    pReturnOf,
    pOffset,
    pRate,
    pUnc,
    clock.atNs,
    maxSkewNs,
    crossWindowNs,
    pSegJourney,
    pSegNext,
    pJKeyHi,
    pJKeyLo,
    pJLastT,
    pJPrev,
    pJFirst,
    pJLast,
    pJCount,
    pJTail,
    pJTailKnown,
    pJMaxUnc,
    pAmbiguous,
    pSlots,
    slotCount,
  );
  segJourney.set(wJourney);
  segNext.set(wNext);
  scratch.jKeyHi.set(new Int32Array(buf, pJKeyHi, count));
  scratch.jKeyLo.set(new Int32Array(buf, pJKeyLo, count));
  scratch.jLastT.set(new Float64Array(buf, pJLastT, count));
  scratch.jPrev.set(new Int32Array(buf, pJPrev, count));
  scratch.jFirst.set(new Int32Array(buf, pJFirst, count));
  scratch.jLast.set(new Int32Array(buf, pJLast, count));
  scratch.jCount.set(new Int32Array(buf, pJCount, count));
  scratch.jTail.set(new Int32Array(buf, pJTail, count));
  scratch.jTailKnown.set(new Uint8Array(buf, pJTailKnown, count));
  scratch.jMaxUnc.set(new Float64Array(buf, pJMaxUnc, count));
  scratch.ambiguous.set(new Uint8Array(buf, pAmbiguous, count));
  return count;
}
