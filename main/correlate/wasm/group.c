// Phase A of the correlation for one node in a batch (every row of the node at once), compiled to WebAssembly
// (scripts/build-wasm.sh; loaded by main/correlate/wasmGroup.ts): the k-way merge of the node's lanes on time
// (Correlator's mergeLanes and tieBefore) and the grouping of its rows into segments (grouper.ts NodeGrouper.add,
// with segments.ts's create, attach and duplicate and keyTable.ts's windowed table), rule for rule, so that the
// segments, their numbers and every row's segment are what the JavaScript path makes of the same rows
// (tests/unit/wasmGroup.test.ts compares both on every fixture).
//
// The caller copies the node's rows into this module's memory lane by lane (runs of the table's rows),
// with the interned MAC pairs and tunnels and the addresses other nodes own, and copies back the rows' segments,
// next rows and flags and the segment columns, numbered as the table numbers them.
//
// Freestanding C (no libc): clang --target=wasm32. The memory grows from JavaScript before a call.

typedef unsigned char u8;
typedef unsigned short u16;
typedef short i16;
typedef unsigned int u32;
typedef int i32;

// observations.ts flags and missing bits, encapsulation fields.
#define F_KEYED 1
#define F_TAIL 2
#define F_DUP 4
#define F_ARP 8
#define F_ETH 64
#define M_TTL 1
#define M_SRC_PORT 4
#define M_DST_PORT 8
#define M_ICMP_ID 128
#define INNER_BITS (M_TTL | M_SRC_PORT | M_DST_PORT | M_ICMP_ID)
#define E_SRC 1
#define E_DST 2
#define E_INNER_SRC 7
#define E_INNER_DST 8
#define ENCAP_WIDTH 9

// grouper.ts
#define TTL_ORDER_SLACK_NS 20000.0
#define CONFLICT_NONE 0
#define CONFLICT_DUP 1
#define CONFLICT_RETRANS 2

// keyTable.ts: the initial table size.
#define TABLE_INITIAL 1024

// The parameter block (wasmGroup.ts writes it: byte offsets of each array in this memory, and counts).
enum {
  P_N,
  P_K,
  P_T,
  P_KEYHI,
  P_KEYLO,
  P_TAIL,
  P_SRC,
  P_DST,
  P_ETHPAIR,
  P_ENCAPID,
  P_ORIGLEN,
  P_RUN_LOCAL,
  P_RUN_ROW,
  P_NRUNS,
  P_MISSING,
  P_PORTID,
  P_PORTSEQ,
  P_FLAGS,
  P_TTL,
  P_ENCAPCOUNT,
  P_LANE,
  P_LANE_START,
  P_LANE_END,
  P_LANE_RANK,
  P_LANE_CAP,
  P_MACPAIRS,
  P_ENCAPS,
  P_OTHER_MACS,
  P_NOTHER_MACS,
  P_OTHER_IPS,
  P_NOTHER_IPS,
  P_HAS_OWN,
  P_SEGOF,
  P_NEXT,
  P_S_FIRST,
  P_S_LAST,
  P_S_COUNT,
  P_S_FIRSTT,
  P_S_LASTT,
  P_S_MAXTTL,
  P_S_MINTTL,
  P_S_KEYHI,
  P_S_KEYLO,
  P_S_TAIL,
  P_S_TAILKNOWN,
  P_S_PREV,
  P_S_RETURN,
  P_TABLE_A,
  P_TABLE_B,
  P_HEAD,
  P_HEADT,
  P_SEG_BASE,
  P_ORDER,
  P_TMP,
  P_COUNT
};

i32 params[P_COUNT];

// The rows (local numbers), as the table's columns hold them.
static double *t;
static i32 *keyHi, *keyLo, *tailCol;
static u32 *src, *dst;
static u16 *missing, *portId, *portSeq, *ethPair, *encapId, *origLen;
static u8 *flags, *ttlCol, *encapCount, *lane;
// The table's row of local row i: rows [runLocal[j], runLocal[j + 1]) are the table's from runRow[j] on.
static i32 *runLocal, *runRow;
static i32 nRuns;
static double *macPairs, *encaps, *otherMacs, *otherIps;
static i32 nOtherMacs, nOtherIps, hasOwn;
// Out: each row's segment (local, -1 none) and next row of its segment (local, -1 end).
static i32 *segOf, *next;
// The segments (local numbers).
static i32 *sFirst, *sLast, *sCount, *sKeyHi, *sKeyLo, *sTail, *sPrev, *sReturn;
static double *sFirstT, *sLastT;
static i32 *sMaxTtl, *sMinTtl, *sTailKnown;
static i32 nSeg;
// Local row i (merge order) was row order[i] of the lanes' order the caller copied; tmp: room for a column.
static i32 *order;
static u8 *tmp;
static double localWindowNs, dupWindowNs;

// The windowed key table (keyTable.ts): slots hold segment + 1, 0 empty.
static i32 *slots, *spare;
static u32 mask, used;

static i32 ttl(i32 r) { return (missing[r] & M_TTL) ? -1 : ttlCol[r]; }

static double ethSrc(i32 r) { return ethPair[r] == 0 ? -1 : macPairs[2 * (ethPair[r] - 1)]; }
static double ethDst(i32 r) { return ethPair[r] == 0 ? -1 : macPairs[2 * (ethPair[r] - 1) + 1]; }
static double encap(i32 r, i32 field) {
  return encapId[r] == 0 ? -1 : encaps[ENCAP_WIDTH * (encapId[r] - 1) + field];
}

// The table's number of local row i (a binary search of the runs: a node has few).
static i32 rowOf(i32 i) {
  i32 lo = 0, hi = nRuns - 1;
  while (lo < hi) {
    i32 mid = (lo + hi + 1) >> 1;
    if (runLocal[mid] <= i) lo = mid;
    else hi = mid - 1;
  }
  return runRow[lo] + (i - runLocal[lo]);
}

static u32 slotOf(i32 hi, i32 lo) {
  // Math.imul(hi ^ (lo >>> 7), 0x9e3779b1) >>> 8
  return (((u32)hi ^ ((u32)lo >> 7)) * 0x9e3779b1u) >> 8 & mask;
}

static i32 tableGet(i32 hi, i32 lo) {
  for (u32 p = slotOf(hi, lo);; p = (p + 1) & mask) {
    i32 v = slots[p];
    if (v == 0) return -1;
    i32 it = v - 1;
    if (sKeyHi[it] == hi && sKeyLo[it] == lo) return it;
  }
}

// keyTable.ts rehash(): keeps the entries inside the window as of `newest`'s time, in slot order; grows while
// they would fill more than a quarter of the table. (The spare area holds the largest table there can be.)
static void rehash(i32 newest) {
  u32 oldLen = mask + 1;
  double cutoff = sLastT[newest] - localWindowNs;
  u32 live = 0;
  for (u32 i = 0; i < oldLen; i++)
    if (slots[i] != 0 && sLastT[slots[i] - 1] >= cutoff) live++;
  u32 size = oldLen;
  while ((double)live * 4 > size) size *= 2;
  i32 *old = slots;
  i32 *fresh = spare;
  for (u32 i = 0; i < size; i++) fresh[i] = 0;
  u32 m = size - 1;
  u32 n = 0;
  for (u32 i = 0; i < oldLen; i++) {
    i32 v = old[i];
    if (v == 0 || sLastT[v - 1] < cutoff) continue;
    i32 it = v - 1;
    u32 p = (((u32)sKeyHi[it] ^ ((u32)sKeyLo[it] >> 7)) * 0x9e3779b1u) >> 8 & m;
    while (fresh[p] != 0) p = (p + 1) & m;
    fresh[p] = v;
    n++;
  }
  spare = old;
  slots = fresh;
  mask = m;
  used = n;
}

static void tableSet(i32 item) {
  i32 hi = sKeyHi[item];
  i32 lo = sKeyLo[item];
  for (u32 p = slotOf(hi, lo);; p = (p + 1) & mask) {
    i32 v = slots[p];
    if (v == 0) {
      slots[p] = item + 1;
      if (++used * 2 > mask + 1) rehash(item);
      return;
    }
    i32 it = v - 1;
    if (sKeyHi[it] == hi && sKeyLo[it] == lo) {
      slots[p] = item + 1;
      return;
    }
  }
}

// observations.ts comparisons.
static int sameEnds(i32 a, i32 b) {
  return src[a] == src[b] && dst[a] == dst[b] && ((missing[a] ^ missing[b]) & INNER_BITS) == 0 &&
         portId[a] == portId[b] && ((missing[a] & M_DST_PORT) != 0 || portSeq[a] == portSeq[b]);
}
static int sameInner(i32 a, i32 b) { return ttlCol[a] == ttlCol[b] && sameEnds(a, b); }
static int sameHeaders(i32 a, i32 b) {
  return sameInner(a, b) && ethPair[a] == ethPair[b] && encapCount[a] == encapCount[b] &&
         encapId[a] == encapId[b] && origLen[a] == origLen[b];
}
static int reversedTuple(i32 a, i32 b) {
  u16 m = missing[a] | missing[b];
  return (m & (M_SRC_PORT | M_DST_PORT)) == 0 && src[a] == dst[b] && dst[a] == src[b] &&
         portId[a] == portSeq[b] && portSeq[a] == portId[b] && (src[a] != dst[a] || portId[a] != portSeq[a]);
}

// Ownership: whether a MAC or an address belongs to another known node (sorted lists of those).
static int inSorted(const double *list, i32 n, double v) {
  i32 lo = 0, hi = n - 1;
  while (lo <= hi) {
    i32 mid = (lo + hi) >> 1;
    if (list[mid] < v) lo = mid + 1;
    else if (list[mid] > v) hi = mid - 1;
    else return 1;
  }
  return 0;
}
static int otherNode(double mac, i32 r, i32 field) {
  if (mac >= 0 && inSorted(otherMacs, nOtherMacs, mac)) return 1;
  if (encapCount[r] > 0 && inSorted(otherIps, nOtherIps, encap(r, field))) return 1;
  return 0;
}

// grouper.ts returns(): segment s's packet back from another node.
static int returns(i32 s, i32 o) {
  i32 tt = ttl(o);
  if (tt < 0 || tt >= sMinTtl[s]) return 0;
  if (!hasOwn || !otherNode(ethSrc(o), o, E_SRC)) return 0;
  for (i32 r = sFirst[s]; r >= 0; r = next[r])
    if (t[r] <= t[o] && ttl(r) > tt && otherNode(ethDst(r), r, E_DST)) return 1;
  return 0;
}

static int bridgedCopy(i32 a, i32 b) {
  i32 plain = encapCount[a] == 0 ? a : b;
  i32 tun = plain == a ? b : a;
  if ((flags[plain] & F_ETH) == 0) return 1;
  double is = encap(tun, E_INNER_SRC);
  if (is < 0) return 1;
  return is == ethSrc(plain) && encap(tun, E_INNER_DST) == ethDst(plain);
}

static int conflict(i32 s, i32 o) {
  u8 cap = lane[o];
  i32 tt = ttl(o);
  int above = tt > sMinTtl[s];
  for (i32 r = sFirst[s]; r >= 0; r = next[r]) {
    i32 tr = ttl(r);
    if (above && tt > tr && t[o] - t[r] > TTL_ORDER_SLACK_NS && tr >= 0) return CONFLICT_RETRANS;
    if (lane[r] != cap) continue;
    int late = t[o] - t[r] > dupWindowNs;
    if (sameHeaders(r, o)) return late ? CONFLICT_RETRANS : CONFLICT_DUP;
    if (reversedTuple(r, o)) return CONFLICT_RETRANS;
    if (!sameInner(r, o)) continue;
    if ((encapCount[r] == 0) != (encapCount[o] == 0)) {
      if (!bridgedCopy(r, o)) return CONFLICT_RETRANS;
      continue;
    }
    if (late) return CONFLICT_RETRANS;
  }
  return CONFLICT_NONE;
}

static int holdsEnds(i32 s, i32 o) {
  for (i32 r = sFirst[s]; r >= 0; r = next[r])
    if (sameEnds(r, o)) return 1;
  return 0;
}

static int tailCompatible(i32 s, i32 o) {
  if (!sTailKnown[s] || (flags[o] & F_TAIL) == 0) return 1;
  return sTail[s] == tailCol[o];
}

// segments.ts create(), attach(), duplicate().
static i32 create(i32 o, i32 prev) {
  i32 s = nSeg++;
  sFirst[s] = o;
  sLast[s] = o;
  sCount[s] = 1;
  sFirstT[s] = t[o];
  sLastT[s] = t[o];
  sMaxTtl[s] = ttl(o);
  sMinTtl[s] = ttl(o);
  sKeyHi[s] = keyHi[o];
  sKeyLo[s] = keyLo[o];
  i32 tk = (flags[o] & F_TAIL) != 0;
  sTailKnown[s] = tk;
  sTail[s] = tk ? tailCol[o] : 0;
  sPrev[s] = prev;
  sReturn[s] = -1;
  segOf[o] = s;
  next[o] = -1;
  return s;
}

static void attach(i32 s, i32 o) {
  double to = t[o];
  if (to >= t[sLast[s]]) {
    next[sLast[s]] = o;
    next[o] = -1;
    sLast[s] = o;
  } else {
    i32 prev = -1;
    i32 r = sFirst[s];
    while (r >= 0 && t[r] <= to) {
      prev = r;
      r = next[r];
    }
    next[o] = r;
    if (prev < 0) sFirst[s] = o;
    else next[prev] = o;
  }
  segOf[o] = s;
  sCount[s]++;
  if (to > sLastT[s]) sLastT[s] = to;
  if (to < sFirstT[s]) sFirstT[s] = to;
  i32 tt = ttl(o);
  if (tt > sMaxTtl[s]) sMaxTtl[s] = tt;
  if (tt < sMinTtl[s]) sMinTtl[s] = tt;
  if (!sTailKnown[s] && (flags[o] & F_TAIL) != 0) {
    sTailKnown[s] = 1;
    sTail[s] = tailCol[o];
  }
}

static void duplicate(i32 s, i32 o) {
  flags[o] |= F_DUP;
  segOf[o] = s;
  next[o] = -1;
}

// grouper.ts add(). Not inlined into group(): V8 runs a WebAssembly function's call in the code it entered with
// (its baseline code, for the first call of a module) to its end, and optimises a function for its later calls, so
// the work per row must be a call of its own.
__attribute__((noinline)) static void add(i32 o) {
  u8 fl = flags[o];
  if ((fl & F_KEYED) == 0 || (fl & F_ARP) != 0) return;
  i32 hi = keyHi[o];
  i32 lo = keyLo[o];
  double to = t[o];
  i32 head = tableGet(hi, lo);
  double cutoff = to - localWindowNs;
  i32 first = -1;
  i32 returned = -1;
  for (i32 s = head; s >= 0 && sLastT[s] >= cutoff; s = sPrev[s]) {
    if (!tailCompatible(s, o)) continue;
    if (returns(s, o)) {
      if (returned < 0) returned = s;
      continue;
    }
    int verdict = conflict(s, o);
    if (first >= 0) {
      if (verdict != CONFLICT_NONE) continue;
      if (holdsEnds(first, o)) break;
      if (!holdsEnds(s, o)) continue;
      attach(s, o);
      return;
    }
    if (verdict == CONFLICT_NONE) {
      first = s;
      continue;
    }
    if (verdict == CONFLICT_DUP) {
      duplicate(s, o);
      return;
    }
  }
  if (first >= 0) {
    attach(first, o);
    return;
  }
  i32 s = create(o, head);
  sReturn[s] = returned;
  tableSet(s);
}

// Correlator tieBefore(): equal times, higher TTL first, more encapsulation first, a bridge's ports before it,
// then capture order.
static i32 *laneRank, *laneCap;
static int tieBefore(i32 a, i32 ja, i32 b, i32 jb) {
  i32 ta = ttl(a), tb = ttl(b);
  if (ta != tb) return ta > tb;
  if (encapCount[a] != encapCount[b]) return encapCount[a] > encapCount[b];
  if (laneRank[ja] != laneRank[jb]) return laneRank[ja] < laneRank[jb];
  return laneCap[ja] < laneCap[jb];
}

#define AT(type, name) ((type *)(unsigned long)params[name])

// The heavy loops run a chunk of rows per call, in functions of their own: V8 runs a WebAssembly function's call in
// the code it entered with to its end (its quickly compiled baseline code, for the first calls) and optimises a
// function for its later calls, so a loop over every row in one call would run in baseline code throughout.
#define CHUNK 4096

// The merge (Correlator mergeLanes): the next `count` rows, in order[from, from + count), each the head of the lane
// whose head is earliest, ties broken by tieBefore. Lanes done have an infinite head time.
static i32 k_;
static i32 *head, *laneEnd_;
static double *headT;
__attribute__((noinline)) static void mergeRange(i32 from, i32 count) {
  const double INF = __builtin_inf();
  for (i32 p = from; p < from + count; p++) {
    i32 best = -1;
    double bt = INF;
    for (i32 j = 0; j < k_; j++) {
      double ht = headT[j];
      if (ht < bt) {
        best = j;
        bt = ht;
      } else if (ht == bt && best >= 0 && tieBefore(head[j], j, head[best], best)) {
        best = j;
      }
    }
    order[p] = head[best];
    i32 nx = head[best] + 1;
    if (nx == laneEnd_[best]) nx = -1;
    head[best] = nx;
    headT[best] = nx >= 0 ? t[nx] : INF;
  }
}

// Column rows [from, to) in merge order into tmp, and tmp back (permute), or from merge order (unpermute).
#define PERMUTERS(type, name)                                                              \
  __attribute__((noinline)) static void gather_##name(const type *a, i32 from, i32 to) {  \
    type *b = (type *)tmp;                                                                 \
    for (i32 i = from; i < to; i++) b[i] = a[order[i]];                                    \
  }                                                                                        \
  __attribute__((noinline)) static void scatter_##name(const type *a, i32 from, i32 to) { \
    type *b = (type *)tmp;                                                                 \
    for (i32 i = from; i < to; i++) b[order[i]] = a[i];                                    \
  }                                                                                        \
  __attribute__((noinline)) static void copyBack_##name(type *a, i32 from, i32 to) {      \
    const type *b = (const type *)tmp;                                                     \
    for (i32 i = from; i < to; i++) a[i] = b[i];                                           \
  }                                                                                        \
  static void permute_##name(type *a, i32 n, int back) {                                   \
    for (i32 i = 0; i < n; i += CHUNK) {                                                   \
      i32 e = i + CHUNK < n ? i + CHUNK : n;                                               \
      if (back) scatter_##name(a, i, e);                                                   \
      else gather_##name(a, i, e);                                                         \
    }                                                                                      \
    for (i32 i = 0; i < n; i += CHUNK) copyBack_##name(a, i, i + CHUNK < n ? i + CHUNK : n); \
  }
PERMUTERS(double, f64)
PERMUTERS(i32, i32)
PERMUTERS(u16, u16)
PERMUTERS(u8, u8)

__attribute__((noinline)) static void addRange(i32 from, i32 to) {
  for (i32 i = from; i < to; i++) add(i);
}

// Out: segment and row numbers as the table's (rows through order and the runs, segments from segBase on).
static i32 segBase_;
__attribute__((noinline)) static void segmentsOut(i32 from, i32 to) {
  for (i32 s = from; s < to; s++) {
    sFirst[s] = rowOf(order[sFirst[s]]);
    sLast[s] = rowOf(order[sLast[s]]);
    if (sPrev[s] >= 0) sPrev[s] += segBase_;
    if (sReturn[s] >= 0) sReturn[s] += segBase_;
  }
}
__attribute__((noinline)) static void rowsOut(i32 from, i32 to) {
  for (i32 i = from; i < to; i++) {
    segOf[i] = segOf[i] >= 0 ? segOf[i] + segBase_ : -1;
    next[i] = next[i] >= 0 ? rowOf(order[next[i]]) : -1;
  }
}
__attribute__((noinline)) static void clearRows(i32 from, i32 to) {
  for (i32 i = from; i < to; i++) {
    segOf[i] = -1;
    next[i] = -1;
  }
}

i32 group(double localWindow, double dupWindow) {
  i32 n = params[P_N];
  i32 k = params[P_K];
  localWindowNs = localWindow;
  dupWindowNs = dupWindow;
  t = AT(double, P_T);
  keyHi = AT(i32, P_KEYHI);
  keyLo = AT(i32, P_KEYLO);
  tailCol = AT(i32, P_TAIL);
  src = AT(u32, P_SRC);
  dst = AT(u32, P_DST);
  ethPair = AT(u16, P_ETHPAIR);
  encapId = AT(u16, P_ENCAPID);
  origLen = AT(u16, P_ORIGLEN);
  runLocal = AT(i32, P_RUN_LOCAL);
  runRow = AT(i32, P_RUN_ROW);
  nRuns = params[P_NRUNS];
  missing = AT(u16, P_MISSING);
  portId = AT(u16, P_PORTID);
  portSeq = AT(u16, P_PORTSEQ);
  flags = AT(u8, P_FLAGS);
  ttlCol = AT(u8, P_TTL);
  encapCount = AT(u8, P_ENCAPCOUNT);
  lane = AT(u8, P_LANE);
  i32 *laneStart = AT(i32, P_LANE_START);
  i32 *laneEnd = AT(i32, P_LANE_END);
  laneRank = AT(i32, P_LANE_RANK);
  laneCap = AT(i32, P_LANE_CAP);
  macPairs = AT(double, P_MACPAIRS);
  encaps = AT(double, P_ENCAPS);
  otherMacs = AT(double, P_OTHER_MACS);
  nOtherMacs = params[P_NOTHER_MACS];
  otherIps = AT(double, P_OTHER_IPS);
  nOtherIps = params[P_NOTHER_IPS];
  hasOwn = params[P_HAS_OWN];
  segOf = AT(i32, P_SEGOF);
  next = AT(i32, P_NEXT);
  sFirst = AT(i32, P_S_FIRST);
  sLast = AT(i32, P_S_LAST);
  sCount = AT(i32, P_S_COUNT);
  sFirstT = AT(double, P_S_FIRSTT);
  sLastT = AT(double, P_S_LASTT);
  sMaxTtl = AT(i32, P_S_MAXTTL);
  sMinTtl = AT(i32, P_S_MINTTL);
  sKeyHi = AT(i32, P_S_KEYHI);
  sKeyLo = AT(i32, P_S_KEYLO);
  sTail = AT(i32, P_S_TAIL);
  sTailKnown = AT(i32, P_S_TAILKNOWN);
  sPrev = AT(i32, P_S_PREV);
  sReturn = AT(i32, P_S_RETURN);
  slots = AT(i32, P_TABLE_A);
  spare = AT(i32, P_TABLE_B);
  head = AT(i32, P_HEAD);
  headT = AT(double, P_HEADT);
  i32 segBase = params[P_SEG_BASE];
  order = AT(i32, P_ORDER);
  tmp = AT(u8, P_TMP);

  nSeg = 0;
  mask = TABLE_INITIAL - 1;
  used = 0;
  for (u32 i = 0; i < TABLE_INITIAL; i++) slots[i] = 0;
  for (i32 i = 0; i < n; i += CHUNK) clearRows(i, i + CHUNK < n ? i + CHUNK : n);

  // The merge order, then the rows in it (one sequential walk of each column from here on), then grouped.
  const double INF = __builtin_inf();
  k_ = k;
  laneEnd_ = laneEnd;
  for (i32 j = 0; j < k; j++) {
    head[j] = laneStart[j] < laneEnd[j] ? laneStart[j] : -1;
    headT[j] = head[j] >= 0 ? t[head[j]] : INF;
  }
  for (i32 i = 0; i < n; i += CHUNK) mergeRange(i, i + CHUNK < n ? CHUNK : n - i);
  permute_f64(t, n, 0);
  permute_i32(keyHi, n, 0);
  permute_i32(keyLo, n, 0);
  permute_i32(tailCol, n, 0);
  permute_i32((i32 *)src, n, 0);
  permute_i32((i32 *)dst, n, 0);
  permute_u16(missing, n, 0);
  permute_u16(portId, n, 0);
  permute_u16(portSeq, n, 0);
  permute_u16(ethPair, n, 0);
  permute_u16(encapId, n, 0);
  permute_u16(origLen, n, 0);
  permute_u8(flags, n, 0);
  permute_u8(ttlCol, n, 0);
  permute_u8(encapCount, n, 0);
  permute_u8(lane, n, 0);
  for (i32 i = 0; i < n; i += CHUNK) addRange(i, i + CHUNK < n ? i + CHUNK : n);

  // Out, each row's in the caller's order.
  segBase_ = segBase;
  for (i32 s = 0; s < nSeg; s += CHUNK) segmentsOut(s, s + CHUNK < nSeg ? s + CHUNK : nSeg);
  for (i32 i = 0; i < n; i += CHUNK) rowsOut(i, i + CHUNK < n ? i + CHUNK : n);
  permute_u8(flags, n, 1);
  permute_i32(segOf, n, 1);
  permute_i32(next, n, 1);
  return nSeg;
}
