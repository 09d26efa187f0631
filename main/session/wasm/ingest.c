// The per-record ingest of a classic pcap file (or a little-endian pcapng section's packet blocks), compiled to
// WebAssembly (scripts/build-wasm.sh; loaded by main/session/wasmIngest.ts): reads each record in the reader's chunk,
// decodes Ethernet (or link type RAW, or Linux cooked v1/v2) → IPv4 (through VXLAN, Geneve and IPIP; fragments
// too) → TCP/UDP/SCTP/ICMP or another protocol (IGMP, GRE…), an innermost IPv6 packet (past hop-by-hop, routing,
// destination options and AH headers) with TCP/UDP/SCTP/ICMPv6 (echo, neighbour discovery, MLD…; link-local too),
// or ARP, as main/decode/fast.ts does, computes the identity of main/correlate/identity.ts and stages the row's
// columns as main/correlate/observations.ts append() writes them. ~10 × faster than the JavaScript path.
//
// It takes only what it is sure to give exactly as the JavaScript path does: anything else (an IPv6 fragment header
// or other protocol, ICMP errors, a WireGuard counter past 2^53, a header the decoders would call truncated or
// malformed, a MAC pair or tunnel not interned yet, lengths past 16 bits, …) stops it at that record, which the
// reader then hands to the JavaScript path one record at a time.
// tests/unit/wasmIngest.test.ts compares every column of both.
//
// Freestanding C (no libc): clang --target=wasm32, one fixed memory (never grows: the JavaScript views stay valid).
// Each staged column has its table column's type (before any widening), so copying a batch is a plain copy.

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef int i32;
typedef long long i64;
typedef unsigned long long u64;

#define CHUNK (1 << 20)   // main/session/ingestFiles.ts READ_CHUNK
#define STAGE 16384       // rows staged per take()
#define MAX_CAPLEN (256 * 1024)
#define NO_LIMIT 0x3fffffff
#define MAX_ENCAP 4

// Port classes (main/session/wasmIngest.ts fills it from the decode options): VXLAN, Geneve, WireGuard.
#define P_VXLAN 1
#define P_GENEVE 2
#define P_WIREGUARD 4

// observations.ts flags and missing bits; fields.ts encapsulation types.
#define F_KEYED 1
#define F_TAIL 2
#define F_ARP 8
#define F_TRUNCATED 16
#define F_ETH 64
#define F_IP 128
#define M_TTL 1
#define M_PROTO 2
#define M_SRC_PORT 4
#define M_DST_PORT 8
#define M_IP_ID 16
#define M_IP_LEN 32
#define M_ICMP_TYPE 64
#define M_ICMP_ID 128
#define M_ICMP_SEQ 256
#define M_TCP_FLAGS 512
#define M_FLOW 1024
#define M_FRAGMENT 2048
#define M_VLAN 4096
#define M_WIREGUARD 8192
#define ENCAP_VXLAN 1
#define ENCAP_IPIP 2
#define ENCAP_GENEVE 3

u8 chunk[CHUNK];
u8 ports[65536];
// Numbers in and out of take() (see IO_* in wasmIngest.ts), and a tuple to learn.
double io[16];
double tuple[16];

double s_t[STAGE];
u32 s_off[STAGE];
u16 s_caplen[STAGE];
u16 s_origlen[STAGE];
u8 s_flags[STAGE];
u16 s_missing[STAGE];
i32 s_keyhi[STAGE];
i32 s_keylo[STAGE];
i32 s_tail[STAGE];
u32 s_src[STAGE];
u32 s_dst[STAGE];
u16 s_portorid[STAGE];
u16 s_portorseq[STAGE];
u16 s_typeorflags[STAGE];
u8 s_ttl[STAGE];
u8 s_proto[STAGE];
u16 s_ipid[STAGE];
u16 s_iplen[STAGE];
u32 s_tcpseq[STAGE];
u16 s_ethpair[STAGE];
u8 s_encapcount[STAGE];
u16 s_encapid[STAGE];
i32 s_flowhi[STAGE];
i32 s_flowlo[STAGE];
// The staged SYNs' rows (io[14] of them: syns): observations.ts keeps their sequence numbers in synSeqs.
u16 s_syn[STAGE];
static u32 syns;

// Each staged row's lane (a pcapng section's packet blocks: its interface's, ifLane; a split `-i any` capture's
// records: their interface index's, idxLane).
u16 s_lane[STAGE];

// Link types (io[9] for take()): Ethernet, RAW IP, Linux cooked v2 and v1.
#define LINK_ETH 0
#define LINK_RAW 1
#define LINK_SLL2 2
#define LINK_SLL 3

// A split `-i any` capture's lanes by interface index (-1: none yet; indices past MAX_IDX: JavaScript).
#define MAX_IDX 4096
i32 idxLane[MAX_IDX];

// A pcapng section's interfaces (wasmIngest.ts writes them; io[12] of them): each one's lane (-1: not one to take
// now), IF_* bits and snaplen.
#define MAX_IFS 256
#define IF_RAW 1
#define IF_NANO 2
i32 ifLane[MAX_IFS];
u8 ifBits[MAX_IFS];
u32 ifSnap[MAX_IFS];

static inline u32 be16(const u8 *p) { return (u32)p[0] << 8 | p[1]; }
static inline u32 be32(const u8 *p) { return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3]; }
static inline u32 le32(const u8 *p) { return (u32)p[3] << 24 | (u32)p[2] << 16 | (u32)p[1] << 8 | p[0]; }
static inline i64 mac48(const u8 *p) { return (i64)be16(p) << 32 | be32(p + 2); }
static inline u32 rotl(u32 x, int r) { return x << r | x >> (32 - r); }
static inline u32 fmix(u32 h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

// ---- interned tuples: the JavaScript TupleInterners' ids, learned from them (never assigned here) ----

// Room for 65,536 MAC pairs and 16,384 tunnels (tables half full at most): past them, rows with new ones stay with
// JavaScript.
#define PAIR_SLOTS 131072
#define ENCAP_SLOTS 32768
#define ENCAP_WIDTH 9
static i64 pairKey[PAIR_SLOTS][2];
static i32 pairId[PAIR_SLOTS]; // id + 1; 0 empty
static i32 pairs;
static i64 encapKey[ENCAP_SLOTS][ENCAP_WIDTH];
static i32 encapIdOf[ENCAP_SLOTS];
static i32 encaps;

// The tables' own hashes (only slots depend on them; JavaScript never sees them): one multiply per 32-bit half and a
// final fmix, not an fmix per half (a VXLAN row's tunnel lookup took 18; its outer UDP source port differs per flow,
// so most rows look up a tunnel by hash).
static u32 pairHash(i64 a, i64 b) {
  u32 x = ((u32)a * 0x85ebca6bu) ^ ((u32)((u64)a >> 32) * 0xc2b2ae35u);
  u32 y = ((u32)b * 0x27d4eb2du) ^ ((u32)((u64)b >> 32) * 0x165667b1u);
  return fmix(x ^ rotl(y, 16));
}

static u32 encapHash(const i64 *k) {
  u32 a = 11, b = 0x9e3779b9u;
  for (int i = 0; i < ENCAP_WIDTH; i++) {
    a = (a ^ (u32)k[i]) * 0x85ebca6bu;
    b = (b ^ (u32)((u64)k[i] >> 32)) * 0xc2b2ae35u;
  }
  return fmix(a ^ rotl(b, 16));
}

static i32 pairLookup(i64 a, i64 b) {
  u32 p = pairHash(a, b) & (PAIR_SLOTS - 1);
  for (;; p = (p + 1) & (PAIR_SLOTS - 1)) {
    if (pairId[p] == 0) return -1;
    if (pairKey[p][0] == a && pairKey[p][1] == b) return pairId[p] - 1;
  }
}

static i32 encapLookup(const i64 *k) {
  u32 h = encapHash(k);
  for (u32 p = h & (ENCAP_SLOTS - 1);; p = (p + 1) & (ENCAP_SLOTS - 1)) {
    if (encapIdOf[p] == 0) return -1;
    int same = 1;
    for (int i = 0; i < ENCAP_WIDTH; i++) same &= encapKey[p][i] == k[i];
    if (same) return encapIdOf[p] - 1;
  }
}

/** MAC pair `id` is (tuple[0], tuple[1]); 0 when the table is full (its rows then go to the JavaScript path). */
int learnPair(i32 id) {
  if (pairs * 2 >= PAIR_SLOTS) return 0;
  i64 a = (i64)tuple[0], b = (i64)tuple[1];
  u32 p = pairHash(a, b) & (PAIR_SLOTS - 1);
  while (pairId[p] != 0) p = (p + 1) & (PAIR_SLOTS - 1);
  pairKey[p][0] = a;
  pairKey[p][1] = b;
  pairId[p] = id + 1;
  pairs++;
  return 1;
}

/** Tunnel `id` is tuple[0..9) (observations.ts E_*). */
int learnEncap(i32 id) {
  if (encaps * 2 >= ENCAP_SLOTS) return 0;
  i64 k[ENCAP_WIDTH];
  for (int i = 0; i < ENCAP_WIDTH; i++) k[i] = (i64)tuple[i];
  u32 h = encapHash(k);
  u32 p = h & (ENCAP_SLOTS - 1);
  while (encapIdOf[p] != 0) p = (p + 1) & (ENCAP_SLOTS - 1);
  for (int i = 0; i < ENCAP_WIDTH; i++) encapKey[p][i] = k[i];
  encapIdOf[p] = id + 1;
  encaps++;
  return 1;
}

// ---- identity.ts ----

/** identity.ts flowTupleKey into *hi, *lo. `ap`, `bp` may be up to 2^32 (an echo's id·65536 + seq). */
static void flowTupleKey(u32 proto, u32 a, u64 ap, u32 b, u64 bp, i32 *hi, i32 *lo) {
  if (a > b || (a == b && ap > bp)) {
    u32 x = a;
    a = b;
    b = x;
    u64 y = ap;
    ap = bp;
    bp = y;
  }
  u32 h = fmix(proto * 0x3c6ef372u + a);
  h = fmix(h ^ (u32)(ap + 1) * 0x27d4eb2du);
  u32 g = fmix(h ^ b);
  g = fmix(g ^ (u32)(bp + 1) * 0x165667b1u);
  *hi = (i32)h;
  *lo = (i32)g;
}

static int icmpError(u32 t) { return t == 3 || t == 4 || t == 5 || t == 11 || t == 12; }
static int icmpQuery(u32 t) { return t == 8 || t == 13 || t == 15 || t == 17 || t == 0 || t == 14 || t == 16 || t == 18; }
static int hasIdSeq(u32 t) { return t == 8 || t == 0 || (t >= 13 && t <= 18); }

// ---- one record ----

/**
 * The row's interned MAC pair (-1: none) and tunnel (its id + 1; 0: none) into *pair and *enc: known ones only,
 * else 0 (the record is JavaScript's). Ids past 16 bits are left to JavaScript too: the table widens those
 * columns. No MAC pair without Ethernet or a cooked header's MAC.
 */
static int interned(int link, i64 ethSrc, i64 ethDst, int encn, i64 *ek, i64 innerSrc, i64 innerDst, i32 *pair,
                    i32 *enc) {
  int paired = link == LINK_ETH || ((link == LINK_SLL2 || link == LINK_SLL) && ethSrc >= 0);
  *pair = paired ? pairLookup(ethSrc, ethDst) : -1;
  if (paired && (*pair < 0 || *pair >= 0xffff)) return 0;
  *enc = 0;
  if (encn > 0) {
    ek[7] = innerSrc;
    ek[8] = innerDst;
    i32 e = encapLookup(ek);
    if (e < 0 || e >= 0xffff) return 0;
    *enc = e + 1;
  }
  return 1;
}

/**
 * An ARP message at b[at] (decodeArp: its fixed part and both address pairs whole in the frame and in the tunnel
 * it came in, else JavaScript) as row `r`, as ObservationTable.append writes one: no key, no IP, its opcode in the
 * type column, an Ethernet/IPv4 ARP's sender and target address as the source and destination (any other kind's
 * all ones: -1 >>> 0). JavaScript sets no truncation on a decoded ARP, even in a tunnel cut short.
 */
static int stageArp(const u8 *b, u32 cap, u32 r, u32 at, u32 lim, int keepFlows, int link, i32 vlan, i64 ethSrc,
                    i64 ethDst, int encn, i64 *ek, i64 innerSrc, i64 innerDst) {
  if (at + 8 > cap || at + 8 > lim) return 0;
  u32 total = 8 + 2 * ((u32)b[at + 4] + b[at + 5]);
  if (at + total > cap || at + total > lim) return 0;
  i32 pair, enc;
  if (!interned(link, ethSrc, ethDst, encn, ek, innerSrc, innerDst, &pair, &enc)) return 0;
  u32 src = 0xffffffffu, dst = 0xffffffffu;
  if (be16(b + at) == 1 && be16(b + at + 2) == 0x0800 && b[at + 4] == 6 && b[at + 5] == 4)
    src = be32(b + at + 14), dst = be32(b + at + 24);
  if (keepFlows) s_flowhi[r] = s_flowlo[r] = 0;
  s_flags[r] = F_ARP | (link == LINK_ETH ? F_ETH : 0);
  s_missing[r] = M_TTL | M_PROTO | M_SRC_PORT | M_DST_PORT | M_IP_ID | M_IP_LEN | M_ICMP_ID | M_ICMP_SEQ |
                 M_TCP_FLAGS | M_FLOW | (vlan < 0 ? M_VLAN : 0);
  s_keyhi[r] = s_keylo[r] = s_tail[r] = 0;
  s_src[r] = src;
  s_dst[r] = dst;
  s_ttl[r] = s_proto[r] = 0;
  s_ipid[r] = s_iplen[r] = 0;
  s_tcpseq[r] = 0;
  s_portorid[r] = s_portorseq[r] = 0;
  s_typeorflags[r] = be16(b + at + 6);
  s_ethpair[r] = pair + 1;
  s_encapcount[r] = encn;
  s_encapid[r] = enc;
  return 1;
}

/**
 * Decodes the frame b[0, cap) and stages it as row `r`; 0 when the record is left to the JavaScript path (nothing
 * staged then).
 */
static int stage(const u8 *b, u32 cap, u32 r, int keepFlows, int link) {
  i64 ethDst = -1, ethSrc = -1;
  i32 vlan = -1;
  u32 q, type, at;
  if (link == LINK_RAW) {
    // Link type RAW (tunl0): the IP packet itself, its version saying which.
    if (cap < 1) return 0;
    type = b[0] >> 4 == 6 ? 0x86dd : 0x0800;
    at = 0;
  } else if (link == LINK_SLL2) {
    // Linux cooked v2 (`tcpdump -i any`, linuxSll.ts decodeSll2): the protocol, and the link-layer address when it
    // is a MAC (the row's MAC pair is (it, none)).
    if (cap < 20) return 0;
    type = be16(b);
    if (b[11] == 6) ethSrc = mac48(b + 12);
    at = 20;
  } else if (link == LINK_SLL) {
    // Linux cooked v1 (`-i any` with libpcap before 1.10: decodeSll): the same, in its 16 bytes (no interface index).
    if (cap < 16) return 0;
    type = be16(b + 14);
    if (be16(b + 4) == 6) ethSrc = mac48(b + 6);
    at = 16;
  } else {
    // Ethernet (decodeEthernet), the outer frame's VLAN tags.
    if (14 > cap) return 0;
    ethDst = mac48(b), ethSrc = mac48(b + 6);
    q = 12, type = be16(b + 12);
    for (int tags = 0; (type == 0x8100 || type == 0x88a8 || type == 0x9100) && tags < 4; tags++) {
      if (q + 6 > cap) return 0;
      if (tags == 0) vlan = (i32)(be16(b + q + 2) & 0x0fff);
      q += 4;
      type = be16(b + q);
    }
    at = q + 2;
  }
  u32 lim = NO_LIMIT, outerEnd = 0;
  int encn = 0;
  i64 ek[ENCAP_WIDTH];
  i64 innerSrc = -1, innerDst = -1;
  u32 ipOffset, total, ipId, ttl, proto, src, dst, l4, payloadOffset, end;
  i32 sp = -1, dp = -1, it = -1, iid = -1, iseq = -1, tf = -1;
  u32 tcpSeq = 0, tcpAck = 0, udpLen = 0;
  int v6 = 0, wg = 0, other = 0, sctp = 0, linkLocal = 0;
  // The row's IPv4 fragment: its offset in bytes and MF (decodeIpv4's), and whether it is a later one.
  u32 fragOff = 0;
  int mf = 0, later = 0;
  for (;;) {
    u32 next;
    if (type == 0x0806) return stageArp(b, cap, r, at, lim, keepFlows, link, vlan, ethSrc, ethDst, encn, ek, innerSrc,
                                        innerDst);
    if (type == 0x86dd) {
      // decodeIpv6, for the innermost packet only (a jumbo length or a fragment header: JavaScript).
      if (at + 40 > cap || at + 40 > lim || b[at] >> 4 != 6) return 0;
      u32 plen = be16(b + at + 4);
      total = 40 + plen;
      if (plen == 0 || at + total > lim || total >= 0xffff) return 0;
      proto = b[at + 6];
      const u8 *sa = b + at + 8, *da = b + at + 24;
      // identity.ts linkLocal6: a link-local (fe80::/10) source or destination puts the addresses in the key.
      linkLocal = (sa[0] == 0xfe && (sa[1] & 0xc0) == 0x80) || (da[0] == 0xfe && (da[1] & 0xc0) == 0x80);
      v6 = 1;
      ipOffset = at;
      ttl = b[at + 7];
      // identity.ts address6: each address hashed to 32 bits, never 0 (the row store's IPv6 source and destination).
      src = 0x6a09e667u;
      dst = 0x6a09e667u;
      for (int i = 0; i < 16; i += 4) {
        src = fmix(src ^ be32(sa + i));
        dst = fmix(dst ^ be32(da + i));
      }
      if (src == 0) src = 1;
      if (dst == 0) dst = 1;
      next = at + 40;
      lim = at + total;
      if (encn == 0) outerEnd = lim;
      // Hop-by-hop, routing, destination options and AH headers walked past as decodeIpv6 walks them (MLD's router
      // alert), eight at most (a ninth: JavaScript's, which takes it for the protocol). A fragment header is a
      // protocol this module does not take: JavaScript's too.
      for (int exts = 0; proto == 0 || proto == 43 || proto == 60 || proto == 51; exts++) {
        if (exts == 8 || next + 2 > cap || next + 2 > lim) return 0;
        u32 len = proto == 51 ? ((u32)b[next + 1] + 2) * 4 : ((u32)b[next + 1] + 1) * 8;
        if (next + len > lim || next + len > cap) return 0;
        proto = b[next];
        next += len;
      }
      // A tunnel or ICMP (for IPv4) inside IPv6: JavaScript.
      if (proto == 4 || proto == 41 || proto == 1) return 0;
    } else {
      if (type != 0x0800) return 0;
      // decodeIpv4: every check it makes.
      if (at + 1 > cap || at + 1 > lim) return 0;
      u32 vi = b[at];
      if (vi >> 4 != 4) return 0;
      u32 hl = (vi & 15) * 4;
      if (hl < 20 || at + 20 > cap || at + 20 > lim) return 0;
      total = be16(b + at + 2);
      if (total == 0 || total == 0xffff || total < hl || at + total > lim || at + hl > cap) return 0;
      fragOff = (be16(b + at + 6) & 0x1fff) * 8;
      mf = (b[at + 6] & 0x20) != 0;
      ipOffset = at;
      ipId = be16(b + at + 4);
      ttl = b[at + 8];
      proto = b[at + 9];
      src = be32(b + at + 12);
      dst = be32(b + at + 16);
      next = at + hl;
      lim = at + total;
      if (encn == 0) outerEnd = lim;
      // ICMPv6 inside IPv4: JavaScript.
      if (proto == 58) return 0;
    }
    if (fragOff != 0) {
      // A later fragment (fast.ts): its payload right after the IP header, no layer 4, no tunnel.
      later = 1;
      l4 = next;
      payloadOffset = next;
      end = lim;
      break;
    }
    // (A first fragment, MF set, is no tunnel either: fast.ts's `whole`.)
    if (proto == 4 && !mf) {
      if (encn >= MAX_ENCAP) return 0;
      if (encn++ == 0) {
        ek[0] = ENCAP_IPIP, ek[1] = src, ek[2] = dst, ek[3] = -1, ek[4] = -1, ek[5] = -1, ek[6] = ttl;
      }
      at = next;
      continue;
    }
    if (proto == 17) {
      if (next + 8 > cap || next + 8 > lim) return 0;
      u32 s = be16(b + next), d = be16(b + next + 2);
      udpLen = be16(b + next + 4);
      if (mf) {
        // A first fragment (decodeUdp not `whole`): its length unchecked, its payload to the fragment's end.
        sp = (i32)s, dp = (i32)d;
        l4 = next;
        payloadOffset = next + 8;
        end = lim;
        break;
      }
      if (udpLen < 8 || next + udpLen > lim) return 0;
      u32 udpEnd = next + udpLen, pay = next + 8;
      u32 cls = ports[s] | ports[d];
      // VXLAN (its ports first, as fast.ts tests them), else Geneve (geneve.ts: version 0, options that fit, an
      // Ethernet, IPv4 or IPv6 payload; anything else, JavaScript).
      int vxlan = (cls & P_VXLAN) != 0;
      if ((vxlan || (cls & P_GENEVE)) && encn < MAX_ENCAP) {
        if (v6) return 0; // an IPv6 underlay: JavaScript
        if (pay + 8 > cap || pay + 8 > udpEnd) return 0;
        u32 e = pay + 8, inner = 0x6558;
        if (!vxlan) {
          if (b[pay] >> 6 != 0) return 0;
          e += (b[pay] & 0x3f) * 4;
          if (e > cap || e > udpEnd) return 0;
          for (u32 o = pay + 8; o < e;) {
            if (o + 4 > e) return 0;
            o += 4 + (b[o + 3] & 0x1f) * 4;
            if (o > e) return 0;
          }
          inner = be16(b + pay + 2);
          if (inner != 0x6558 && inner != 0x0800 && inner != 0x86dd) return 0;
        }
        if (encn++ == 0) {
          ek[0] = vxlan ? ENCAP_VXLAN : ENCAP_GENEVE, ek[1] = src, ek[2] = dst;
          ek[3] = (i64)((u32)b[pay + 4] << 16 | (u32)b[pay + 5] << 8 | b[pay + 6]);
          ek[4] = s, ek[5] = d, ek[6] = ttl;
        }
        lim = udpEnd;
        if (inner != 0x6558) {
          // An IP packet straight inside: no inner Ethernet.
          type = inner;
          at = e;
          continue;
        }
        if (e + 14 > cap || e + 14 > udpEnd) return 0;
        innerDst = mac48(b + e);
        innerSrc = mac48(b + e + 6);
        q = e + 12;
        type = be16(b + q);
        for (int tags = 0; (type == 0x8100 || type == 0x88a8 || type == 0x9100) && tags < 4; tags++) {
          if (q + 6 > cap || q + 6 > udpEnd) return 0;
          q += 4;
          type = be16(b + q);
        }
        at = q + 2;
        continue;
      }
      if (cls & P_GENEVE) return 0;
      // WireGuard's ports (identity.ts transportDataCounter): a transport data message carrying a packet (type 4,
      // longer than its overhead, its counter captured) has its counter in the row and no flow of its own.
      // (A counter past 2^53 is rounded as JavaScript's double holds it: JavaScript.)
      if ((cls & P_WIREGUARD) && pay + 16 <= cap && b[pay] == 4 && b[pay + 1] == 0 && b[pay + 2] == 0 &&
          b[pay + 3] == 0 && udpLen - 8 > 32) {
        if (le32(b + pay + 12) >= 0x200000) return 0;
        wg = 1, tcpSeq = le32(b + pay + 8);
      }
      sp = (i32)s, dp = (i32)d;
      l4 = next;
      payloadOffset = pay;
      end = udpEnd;
    } else if (proto == 6) {
      if (next + 20 > cap || next + 20 > lim) return 0;
      u32 thl = (u32)(b[next + 12] >> 4) * 4;
      if (thl < 20 || next + thl > cap || next + thl > lim) return 0;
      tf = (i32)(((u32)(b[next + 12] & 1) << 8) | b[next + 13]);
      sp = (i32)be16(b + next), dp = (i32)be16(b + next + 2);
      tcpSeq = be32(b + next + 4);
      tcpAck = be32(b + next + 8);
      l4 = next;
      payloadOffset = next + thl;
      end = lim;
    } else if (proto == 1) {
      if (next + 8 > cap || next + 8 > lim) return 0;
      it = b[next];
      if (icmpError((u32)it)) return 0; // its tail and flow are its quote's
      if (hasIdSeq((u32)it)) iid = (i32)be16(b + next + 4), iseq = (i32)be16(b + next + 6);
      l4 = next;
      payloadOffset = next + 8;
      end = lim;
    } else if (proto == 58) {
      // decodeIcmpv6 (errors, which quote a packet, are JavaScript's): echo with its id and seq; a neighbour
      // solicitation or advertisement with its target (24 bytes); any other message's 8 header bytes (kept whole
      // here: fewer, and identity.ts keys nothing of it).
      if (next + 8 > cap || next + 8 > lim) return 0;
      it = b[next];
      if (it >= 1 && it <= 4) return 0;
      u32 len = 8;
      if (it == 128 || it == 129) iid = (i32)be16(b + next + 4), iseq = (i32)be16(b + next + 6);
      else if (it == 135 || it == 136) {
        if (next + 24 > cap || next + 24 > lim) return 0;
        len = 24;
      }
      l4 = next;
      payloadOffset = next + len;
      end = lim;
    } else if (proto == 132) {
      // SCTP (decodeSctp): its 12-byte common header, the ports and the verification tag identity.ts keys.
      if (next + 12 > cap || next + 12 > lim) return 0;
      sp = (i32)be16(b + next), dp = (i32)be16(b + next + 2);
      tcpSeq = be32(b + next + 4);
      sctp = 1;
      l4 = next;
      payloadOffset = next + 12;
      end = lim;
    } else if (!v6) {
      // Another protocol in IPv4 (IGMP, GRE, OSPF…: fast.ts's payload(…, 'ip')): its payload right after the IP
      // header, no header of its own. (IPv6's others: JavaScript.)
      other = 1;
      l4 = next;
      payloadOffset = next;
      end = lim;
    } else
      return 0;
    break;
  }
  int truncated = end > cap || outerEnd > cap;

  // The identity (computeIdentity, mixWords, tail).
  u32 words[20];
  int nw = 0;
  words[nw++] = v6 ? 6 : 4;
  words[nw++] = v6 ? 0xffffffffu : ipId; // IPv6 has no IP id (-1)
  words[nw++] = proto;
  words[nw++] = total;
  words[nw++] = fragOff | (mf ? 0x10000 : 0);
  // identity.ts mixIpv6: the IPv6 addresses, four bytes of each in turn.
  int mixed = 0;
  if (later) {
    // A later fragment: nothing past its IP header in the key, no tail.
  } else if (proto == 1 || proto == 58) {
    words[nw++] = b[l4];
    words[nw++] = b[l4 + 1];
    words[nw++] = be16(b + l4 + 6);
    // ICMPv6 but echo (NDP, MLD…: no id, the same report from every host): its checksum and the addresses.
    if (proto == 58 && it != 128 && it != 129) {
      words[nw++] = be16(b + l4 + 2);
      mixed = 1;
    }
  } else if (proto == 6) {
    words[nw++] = tcpSeq;
    words[nw++] = tcpAck;
  } else if (proto == 17)
    words[nw++] = udpLen;
  else if (sctp)
    words[nw++] = tcpSeq; // the verification tag (not in the row)
  else {
    // identity.ts: nothing per packet to hash but the payload, and identical ones come from several hosts (IGMP
    // reports): the addresses.
    words[nw++] = src;
    words[nw++] = dst;
  }
  // A link-local packet (never routed, NAT'ed or rewritten) too: every host's echo reply to one ping of ff02::1 is
  // the request's bytes back.
  if (mixed || linkLocal) {
    const u8 *sa = b + ipOffset + 8, *da = b + ipOffset + 24;
    for (int i = 0; i < 16; i += 4) {
      words[nw++] = be32(sa + i);
      words[nw++] = be32(da + i);
    }
  }
  u32 h1 = 0x9747b28cu, h2 = 0x2f3a1b5du;
  for (int i = 0; i < nw; i++) {
    u32 k = words[i] * 0xcc9e2d51u;
    k = rotl(k, 15);
    k *= 0x1b873593u;
    h1 ^= k;
    h1 = rotl(h1, 13);
    h1 = h1 * 5 + 0xe6546b64u;
    h2 ^= k * 0x85ebca6bu;
    h2 = rotl(h2, 17);
    h2 = h2 * 9 + 0x7feb352du;
  }
  u32 keyHi = fmix(h1 ^ h2), keyLo = fmix(h2 + h1 * 3);
  u32 payloadLen = end - payloadOffset;
  u32 want = payloadLen < 16 ? payloadLen : 16;
  int tailKnown = !later && payloadOffset + want <= cap;
  u32 tail = 0;
  if (tailKnown) {
    u32 h = 0x3c6ef372u;
    if (proto == 6) h = (h ^ b[l4 + 13]) * 0x01000193u;
    for (u32 i = 0; i < want; i++) h = (h ^ b[payloadOffset + i]) * 0x01000193u;
    tail = fmix(h ^ want);
  }

  i32 pair, enc;
  if (!interned(link, ethSrc, ethDst, encn, ek, innerSrc, innerDst, &pair, &enc)) return 0;

  // The row (ObservationTable.append).
  u32 m = 0;
  if (sp < 0) m |= M_SRC_PORT;
  if (dp < 0) m |= M_DST_PORT;
  if (vlan < 0) m |= M_VLAN;
  if (v6) m |= M_IP_ID;
  if (it < 0) m |= M_ICMP_TYPE;
  if (iid < 0) m |= M_ICMP_ID;
  if (iseq < 0) m |= M_ICMP_SEQ;
  if (tf < 0) m |= M_TCP_FLAGS;
  if (wg) m |= M_WIREGUARD;
  if (later || mf) m |= M_FRAGMENT;
  // (None known for SCTP or another protocol: append() counts the IP header before ICMP, TCP and UDP only.)
  u32 hdrEnd = tf >= 0 || proto == 17 ? payloadOffset : other || sctp || later ? ipOffset : l4;
  u32 hw = (hdrEnd - ipOffset) >> 2;
  hw = hw > 127 ? 0 : hw << 9;
  i32 flowHi = 0, flowLo = 0;
  int known = 0;
  if (keepFlows) {
    if (proto == 1 || proto == 58) {
      // packetFlowKey: a query or its answer (ICMPv6: echo), each ICMP kind its own protocol.
      if (proto == 58 ? it == 128 || it == 129 : icmpQuery((u32)it)) {
        u64 idSeq = (u64)(u32)iid * 65536 + (u32)iseq;
        u32 kind = proto == 1 && it > 8 ? (u32)(it - 11) >> 1 : 0;
        flowTupleKey(proto + 256 * kind, src, idSeq, dst, idSeq, &flowHi, &flowLo);
        known = 1;
      }
    } else if (!wg && !other && !later) {
      flowTupleKey(proto, src, (u64)sp, dst, (u64)dp, &flowHi, &flowLo);
      known = 1;
    }
    if (!known) m |= M_FLOW;
    s_flowhi[r] = flowHi;
    s_flowlo[r] = flowLo;
  } else
    m |= M_FLOW;
  s_flags[r] =
      F_KEYED | (tailKnown ? F_TAIL : 0) | (truncated ? F_TRUNCATED : 0) | (link == LINK_ETH ? F_ETH : 0) | F_IP;
  s_missing[r] = m;
  s_keyhi[r] = (i32)keyHi;
  s_keylo[r] = (i32)keyLo;
  s_tail[r] = (i32)tail;
  s_src[r] = src;
  s_dst[r] = dst;
  s_ttl[r] = ttl;
  s_proto[r] = proto;
  s_ipid[r] = v6 ? 0 : ipId;
  s_iplen[r] = total;
  s_tcpseq[r] = tf >= 0 || wg ? tcpSeq : 0;
  s_portorid[r] = sp >= 0 ? sp : iid >= 0 ? iid : 0;
  s_portorseq[r] = dp >= 0 ? dp : iseq >= 0 ? iseq : 0;
  // A first UDP fragment is marked (observations.ts UDP_FIRST_FRAGMENT).
  u32 firstFragment = proto == 17 && mf && !later ? 0x100 : 0;
  s_typeorflags[r] = it >= 0 ? ((u32)it | hw) : tf >= 0 ? ((u32)tf | hw) : hw | firstFragment;
  s_ethpair[r] = pair + 1;
  s_encapcount[r] = encn;
  s_encapid[r] = enc;
  // A SYN (no ACK): its row, whose sequence number the table keeps beside the columns (synSeqs).
  if (tf >= 0 && (tf & 0x12) == 0x02) s_syn[syns++] = (u16)r;
  return 1;
}

// The lane's latest time and whether a row went back, over one take() (Correlator.pushFieldsAt's lastT/unsorted).
static double lastT;
static int unsorted;

/** Row r's time, record offset and lengths (its decode staged by stage()). */
static void record(u32 r, double t, u32 offset, u32 caplen, u32 origLen) {
  s_t[r] = t;
  s_off[r] = offset;
  s_caplen[r] = caplen;
  s_origlen[r] = origLen;
  if (t > lastT) lastT = t;
  else if (t < lastT) unsorted = 1;
}

/** A take's results into io (rows staged, the lane's last time, whether one went back); returns `p`. */
static u32 taken(u32 r, u32 p) {
  io[6] = r;
  io[7] = lastT;
  io[8] = unsorted;
  io[14] = syns;
  syns = 0;
  return p;
}

/**
 * Stages the whole records of chunk[p, end) (a little-endian classic pcap's, link type Ethernet, RAW or Linux
 * cooked v2) until one it leaves to the JavaScript path, an incomplete one, or io[IO_MOST] rows; returns where it
 * stopped. In io: 0 the chunk's offset in the file, 1 the base second, 2 the lane's last time, 3 nanosecond
 * timestamps, 4 the most rows to stage, 5 keep flows, 9 the LINK_* type, 13 split (each record on its interface
 * index's lane, s_lane); out: 6 rows staged, 7 the lane's last time, 8 whether a time went back, 14 SYNs staged
 * (s_syn).
 */
u32 take(u32 p, u32 end) {
  double chunkBase = io[0], baseSec = io[1];
  int nano = io[3] != 0, keepFlows = io[5] != 0, link = (int)io[9], split = io[13] != 0;
  u32 most = (u32)io[4], r = 0;
  lastT = io[2];
  unsorted = 0;
  while (r < most && end - p >= 16) {
    const u8 *h = chunk + p;
    u32 caplen = le32(h + 8), origLen = le32(h + 12);
    if (caplen > 0xffff || origLen > 0xffff || caplen > end - p - 16) break;
    // A record past 4 GiB into its file: JavaScript widens the offset column.
    if (chunkBase + p > 4294967295.0) break;
    u32 frac = le32(h + 4);
    double nsec = nano ? (double)frac : (double)frac * 1000;
    if (nsec >= 1e9) break;
    // An `-i any` capture split into per-interface lanes (ingestFiles.ts laneKeyOf): the lane of the record's
    // interface index, once JavaScript made it.
    if (split) {
      if (caplen < 8) break;
      u32 ix = be32(h + 20);
      if (ix >= MAX_IDX || idxLane[ix] < 0) break;
      s_lane[r] = (u16)idxLane[ix];
    }
    if (!stage(h + 16, caplen, r, keepFlows, link)) break;
    record(r++, ((double)le32(h) - baseSec) * 1e9 + nsec, (u32)(chunkBase + p), caplen, origLen);
    p += 16 + caplen;
  }
  return taken(r, p);
}

/**
 * take() for a little-endian pcapng section (its first: interface ids are the section's): stages the Enhanced
 * Packet Blocks of chunk[p, end) as the pcapng reader would hand them out (block offset, timestamp, lengths), each
 * on its interface's lane (s_lane), until any other block, one the reader refuses, one of an interface not to take
 * (ifLane -1: not Ethernet or RAW, timestamps not in micro- or nanoseconds or with an offset, no lane yet; past
 * io[12]), an incomplete one, or io[IO_MOST] rows.
 */
u32 takeEpb(u32 p, u32 end) {
  double chunkBase = io[0], baseSec = io[1];
  int keepFlows = io[5] != 0;
  u32 most = (u32)io[4], ifs = (u32)io[12], r = 0;
  lastT = io[2];
  unsorted = 0;
  while (r < most && end - p >= 12) {
    const u8 *h = chunk + p;
    u32 type = le32(h), len = le32(h + 4);
    // pcapng.ts frame() and block(): an EPB of a possible length, whole here, its trailing length the same.
    if (type != 6 || len < 32 || (len & 3) != 0 || len > MAX_CAPLEN + 64 * 1024 || len > end - p) break;
    u32 ifc = le32(h + 8);
    if (le32(h + len - 4) != len || ifc >= ifs || ifLane[ifc] < 0) break;
    u32 caplen = le32(h + 20), origLen = le32(h + 24), snaplen = ifSnap[ifc];
    if (caplen > len - 32 || caplen > 0xffff || origLen > 0xffff || (snaplen > 0 && caplen > snaplen)) break;
    if (chunkBase + p > 4294967295.0) break;
    int nano = (ifBits[ifc] & IF_NANO) != 0;
    u64 v = (u64)le32(h + 12) << 32 | le32(h + 16), div = nano ? 1000000000ull : 1000000ull;
    double sec = (double)(v / div), nsec = (double)(v % div) * (nano ? 1 : 1000);
    if (!stage(h + 28, caplen, r, keepFlows, ifBits[ifc] & IF_RAW ? LINK_RAW : LINK_ETH)) break;
    s_lane[r] = (u16)ifLane[ifc];
    record(r++, (sec - baseSec) * 1e9 + nsec, (u32)(chunkBase + p), caplen, origLen);
    p += len;
  }
  return taken(r, p);
}

/** Where each array lives in memory (wasmIngest.ts makes its views from these). */
u32 where(int what) {
  switch (what) {
    case 0: return (u32)chunk;
    case 1: return (u32)ports;
    case 2: return (u32)io;
    case 3: return (u32)tuple;
    case 4: return (u32)s_t;
    case 5: return (u32)s_off;
    case 6: return (u32)s_caplen;
    case 7: return (u32)s_origlen;
    case 8: return (u32)s_flags;
    case 9: return (u32)s_missing;
    case 10: return (u32)s_keyhi;
    case 11: return (u32)s_keylo;
    case 12: return (u32)s_tail;
    case 13: return (u32)s_src;
    case 14: return (u32)s_dst;
    case 15: return (u32)s_portorid;
    case 16: return (u32)s_portorseq;
    case 17: return (u32)s_typeorflags;
    case 18: return (u32)s_ttl;
    case 19: return (u32)s_proto;
    case 20: return (u32)s_ipid;
    case 21: return (u32)s_iplen;
    case 22: return (u32)s_tcpseq;
    case 23: return (u32)s_ethpair;
    case 24: return (u32)s_encapcount;
    case 25: return (u32)s_encapid;
    case 26: return (u32)s_flowhi;
    case 27: return (u32)s_flowlo;
    case 28: return (u32)s_lane;
    case 29: return (u32)ifLane;
    case 30: return (u32)ifBits;
    case 31: return (u32)ifSnap;
    case 32: return (u32)idxLane;
    case 33: return (u32)s_syn;
    default: return 0;
  }
}
