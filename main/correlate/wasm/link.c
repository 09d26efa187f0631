// The cross-node linking loop of main/correlate/linker.ts linkSegments, compiled to WebAssembly
// (scripts/build-wasm.sh; loaded by main/correlate/wasmLink.ts): segments in linking order join the journey of
// the same key and tail whose last time is nearest within reach, or start one. The same arithmetic in the same
// order as the JavaScript loop (doubles, no fused multiply-add in WebAssembly), so the journeys are the same
// (tests/unit/wasmLink.test.ts compares them). Batch linking only: a live window's subset and rivals stay in
// JavaScript.
//
// Freestanding C (no libc): clang --target=wasm32. JavaScript lays every array out from heapBase() (growing the
// memory first) and passes their addresses.

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef int i32;

extern unsigned char __heap_base;

/** Where JavaScript may lay out its arrays. */
u32 heapBase(void) { return (u32)&__heap_base; }

static inline u32 imul(u32 a, u32 b) { return a * b; }

// WindowedKeyTable.slotOf: the journeys' table, newest journey per key. (No window here: a journey a rehash
// would have dropped is one whose last time is out of reach of every later segment, and the loop below stops at
// it as it stops where the JavaScript table has nothing; see wasmLink.ts.)
static inline u32 slotOf(i32 hi, i32 lo, u32 mask) { return (imul((u32)hi ^ ((u32)lo >> 7), 0x9e3779b1u) >> 8) & mask; }

/** NodeClocks.correct. */
static inline double correct(double t, double offset, double rate, double at) {
  return rate == 0 ? t - offset : at + (t - offset - at) / (1 + rate);
}

static inline double fmin2(double a, double b) { return a < b ? a : b; }
static inline double fabs2(double a) { return a < 0 ? -a : a; }

/**
 * Links the n segments in `order` (linkSegments' loop, line for line); returns the journeys made. `slots` (a
 * power of two, at least twice n, zeroed) is the key table's.
 */
i32 link(u32 n, const i32 *order, const u16 *node, const double *firstT, const double *lastT, const i32 *keyHi,
         const i32 *keyLo, const i32 *tail, const u8 *tailKnown, const i32 *returnOf, const double *offset,
         const double *rate, const double *unc, double at, double maxSkewNs, double crossWindowNs, i32 *segJourney,
         i32 *segNext, i32 *jKeyHi, i32 *jKeyLo, double *jLastT, i32 *jPrev, i32 *jFirst, i32 *jLast, i32 *jCount,
         i32 *jTail, u8 *jTailKnown, double *jMaxUnc, u8 *ambiguous, i32 *slots, u32 slotCount) {
  u32 mask = slotCount - 1;
  i32 count = 0;
  for (u32 o = 0; o < n; o++) {
    i32 s = order[o];
    u32 nd = node[s];
    double tFirst = correct(firstT[s], offset[nd], rate[nd], at);
    i32 hi = keyHi[s], lo = keyLo[s];
    // table.get
    i32 head = -1;
    u32 p = slotOf(hi, lo, mask);
    for (;; p = (p + 1) & mask) {
      i32 v = slots[p];
      if (v == 0) break;
      if (jKeyHi[v - 1] == hi && jKeyLo[v - 1] == lo) {
        head = v - 1;
        break;
      }
    }
    i32 best = -1;
    double bestGap = __builtin_inf();
    i32 candidates = 0;
    for (i32 j = head; j >= 0 && jLastT[j] >= tFirst - maxSkewNs; j = jPrev[j]) {
      if (jTailKnown[j] && tailKnown[s] && jTail[j] != tail[s]) continue;
      double gap = fabs2(tFirst - jLastT[j]);
      double tol = fmin2(maxSkewNs, crossWindowNs + unc[nd] + jMaxUnc[j]);
      if (gap > tol) continue;
      // hasNode(j, nd, s): a segment of j on this node other than those s's packet left from and came back to.
      int has = 0;
      for (i32 x = jFirst[j]; x >= 0; x = segNext[x]) {
        if (node[x] != nd) continue;
        i32 r = returnOf[s];
        while (r >= 0 && r != x) r = returnOf[r];
        if (r < 0) {
          has = 1;
          break;
        }
      }
      if (has) {
        ambiguous[j] = 1;
        continue;
      }
      candidates++;
      if (gap < bestGap) {
        if (best >= 0) ambiguous[best] = 1;
        best = j;
        bestGap = gap;
      } else
        ambiguous[j] = 1;
    }
    double tLast = correct(lastT[s], offset[nd], rate[nd], at);
    if (best >= 0) {
      if (candidates > 1) ambiguous[best] = 1;
      segNext[jLast[best]] = s;
      jLast[best] = s;
      jCount[best]++;
      segJourney[s] = best;
      if (tLast > jLastT[best]) jLastT[best] = tLast;
      if (unc[nd] > jMaxUnc[best]) jMaxUnc[best] = unc[nd];
      if (!jTailKnown[best] && tailKnown[s]) {
        jTailKnown[best] = 1;
        jTail[best] = tail[s];
      }
      continue;
    }
    i32 j = count++;
    jKeyHi[j] = hi;
    jKeyLo[j] = lo;
    jLastT[j] = tLast;
    jPrev[j] = head;
    jFirst[j] = s;
    jLast[j] = s;
    jCount[j] = 1;
    jTail[j] = tail[s];
    jTailKnown[j] = tailKnown[s];
    jMaxUnc[j] = unc[nd];
    segJourney[s] = j;
    // table.set(j): the newest journey of its key.
    for (p = slotOf(hi, lo, mask);; p = (p + 1) & mask) {
      i32 v = slots[p];
      if (v == 0 || (jKeyHi[v - 1] == hi && jKeyLo[v - 1] == lo)) {
        slots[p] = j + 1;
        break;
      }
    }
  }
  return count;
}
