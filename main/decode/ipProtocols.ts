// ipProtocols.ts — tcpdump -n's words for IP protocols that only the summaries read (print-esp.c, print-ah.c,
// print-vrrp.c, print-pim.c, print-ospf.c, print-sctp.c of tcpdump 4.99) and for 802.1D/w/s BPDUs
// (print-stp.c). Each returns null when the message is one whose line we do not reproduce exactly (other
// versions or types, lengths tcpdump calls invalid, bytes not captured): the caller keeps its plain line then.
// Nothing here is on the decode hot path; the numbers are those of RFC 4303 (ESP), 4302 (AH), 3768 and 5798
// (VRRP v2/v3), 7761 (PIMv2), 2328 (OSPFv2), 9260 (SCTP) and IEEE 802.1D/Q (BPDUs).
import { u16, u32 } from './result.ts';
import { sctpChunkName } from './sctp.ts';

export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_OSPF = 89;
export const IPPROTO_PIM = 103;
export const IPPROTO_VRRP = 112;
export const IPPROTO_SCTP = 132;

function hex(v: number, width = 0): string {
  return (v >>> 0).toString(16).padStart(width, '0');
}

/** "ESP(spi=0x00000301,seq=0x1), length 72" (`len`: the IP payload). */
export function espText(b: Uint8Array, at: number, len: number): string | null {
  if (len < 8 || at + 8 > b.length) return null;
  return `ESP(spi=0x${hex(u32(b, at), 8)},seq=0x${hex(u32(b, at + 4))}), length ${len}`;
}

/** AH's length in bytes ((payload length + 2) 32-bit words), or -1 when too short or not all captured. */
export function ahLength(b: Uint8Array, at: number, len: number): number {
  if (len < 12 || at + 12 > b.length) return -1;
  const n = (b[at + 1] + 2) * 4;
  return n < 12 || n > len || at + n > b.length ? -1 : n;
}

/**
 * "AH(spi=0x00000401,seq=0x1,icv=0xa0a1…)" for an AH header of `n` bytes (ahLength), with
 * "reserved=0x7[MustBeZero]," first when its reserved field is not 0. A header the capture ends in reads as far
 * as print-ah.c gets, each field as it reads it: "" (nothing captured), "AH", "AH(", "AH(spi=0x00000401,",
 * "AH(spi=0x00000401,seq=0x2,icv=0xa0a1" (the caller adds the "[|ah]").
 */
export function ahText(b: Uint8Array, at: number, n: number): string {
  const has = (len: number) => at + len <= b.length;
  if (!has(2)) return has(1) ? 'AH' : '';
  let s = 'AH(';
  if (!has(4)) return s;
  if (u16(b, at + 2)) s += `reserved=0x${hex(u16(b, at + 2))}[MustBeZero],`;
  if (!has(8)) return s;
  s += `spi=0x${hex(u32(b, at + 4), 8)},`;
  if (!has(12)) return s;
  s += `seq=0x${hex(u32(b, at + 8))},icv=0x`;
  for (let i = at + 12; i < at + n && i < b.length; i++) s += hex(b[i], 2);
  return has(n) ? `${s})` : s;
}

const VRRP_AUTH = ['none', 'simple', 'ah'];

/**
 * VRRP advertisements: "VRRPv2, Advertisement, vrid 97, prio 100, authtype none, intvl 1s, length 20" and
 * "VRRPv3, Advertisement, vrid 98, prio 100, intvl 100cs, length 12"; tcpdump adds "(ttl N)" after the type
 * when the TTL (hop limit) is not the 255 the RFCs require.
 */
export function vrrpText(b: Uint8Array, at: number, len: number, ttl: number): string | null {
  const has = (bytes: number) => at + bytes <= Math.min(b.length, at + len);
  const cut = (s: string) => `${s} [|vrrp]`;
  if (len < 8) return null;
  // Cut by the snaplen, each field once its bytes are captured, then the mark.
  if (!has(1)) return cut('VRRP');
  const version = b[at] >> 4;
  if ((version !== 2 && version !== 3) || (b[at] & 15) !== 1) return null;
  let s = `VRRPv${version}, Advertisement`;
  if (ttl !== 255) s += `, (ttl ${ttl})`;
  if (!has(3)) return cut(s);
  s += `, vrid ${b[at + 1]}, prio ${b[at + 2]}`;
  if (version === 2) {
    if (!has(5)) return cut(s);
    const auth = b[at + 4];
    s += `, authtype ${VRRP_AUTH[auth] ?? `#${auth}`}`;
    if (!has(6)) return cut(s);
    s += `, intvl ${b[at + 5]}s`;
  } else {
    if (!has(6)) return cut(s);
    s += `, intvl ${u16(b, at + 4) & 0xfff}cs`;
  }
  return `${s}, length ${len}`;
}

const PIMV2_TYPES = [
  'Hello',
  'Register',
  'Register Stop',
  'Join / Prune',
  'Bootstrap',
  'Assert',
  'Graft',
  'Graft Acknowledgement',
  'Candidate RP Advertisement',
  'Prune Refresh',
];

/**
 * "PIMv2, Hello, length 26": without -v tcpdump prints PIMv2's version and type only, from the first byte (the whole
 * line once that byte is captured, " [|pim]" before).
 */
export function pimText(b: Uint8Array, at: number, len: number): string | null {
  if (len < 1) return null;
  if (at + 1 > b.length) return ' [|pim]';
  if (b[at] >> 4 !== 2) return null;
  const type = PIMV2_TYPES[b[at] & 15];
  return type ? `PIMv2, ${type}, length ${len}` : null;
}

/** The bytes of the OSPF header tcpdump reads before it prints the line (version to authentication type). */
const OSPF_FIXED_READ = 16;
const OSPF_TYPES = ['', 'Hello', 'Database Description', 'LS-Request', 'LS-Update', 'LS-Ack'];

/** "OSPFv2, Hello, length 44": OSPFv2's type only, without -v (over IPv4; OSPFv3 is another printer). */
export function ospfText(b: Uint8Array, at: number, len: number): string | null {
  if (len < 24) return null;
  // Cut by the snaplen (or the IP packet) before the end of the authentication type, its first 16 bytes: the mark.
  const cap = Math.min(b.length, at + len);
  if (at + 1 <= cap && b[at] !== 2) return null;
  if (at + OSPF_FIXED_READ > cap) return ' [|ospf2]';
  const t = b[at + 1];
  return `OSPFv2, ${OSPF_TYPES[t] || `unknown LS-type ${t}`}, length ${len}`;
}

/** DATA chunks' payload protocol identifiers as tcpdump names them (21–23, ForCES, are not read here). */
const SCTP_PPIDS: Record<number, string> = {
  1: 'ISDN Q.921',
  2: 'M2UA',
  3: 'M3UA',
  4: 'SUA',
  5: 'M2PA',
  6: 'V5.2',
  7: 'H.248',
  8: 'BICC',
  9: 'TALI',
  10: 'DUA',
  11: 'ASAP',
  12: 'ENRP',
  13: 'H.323',
  14: 'Q.IPC',
  15: 'SIMCO',
  16: 'DDPSC',
  17: 'DDPSSC',
  18: 'S1AP',
  19: 'RUA',
  20: 'HNBAP',
  24: 'SBc-AP',
  25: 'NBAP',
  27: 'X2AP',
};
/** ForCES' SCTP ports, whose payloads tcpdump decodes further. */
const FORCES_PORTS = new Set([6700, 6701, 6702]);

/**
 * The chunks after "sctp": " (1) [INIT] [init tag: 1] [rwnd: 106496] … , (2) [DATA] (B)(E) [TSN: 100] …"
 * (each chunk ends with a space, so the line does too, as tcpdump prints it), or null for a message whose chunks
 * we do not print as tcpdump does (ForCES). Cut by the snaplen or by the IP payload's end (the common header captured), the chunks captured whole
 * with their padding, then " [|sctp]"; a chunk length that contradicts the payload, tcpdump's words for it.
 */
export function sctpChunks(b: Uint8Array, at: number, len: number): string | null {
  if (len < 12 || at + 12 > b.length) return null;
  if (FORCES_PORTS.has(u16(b, at)) || FORCES_PORTS.has(u16(b, at + 2))) return null;
  let s = '';
  let p = at + 12;
  const end = at + len;
  const cut = ' [|sctp]';
  // What print-sctp.c reads is bounded by the IP payload as well as the capture (a first fragment's chunks run past
  // it: " [|sctp]"), and it says where a chunk's length contradicts the payload's.
  const snap = Math.min(b.length, end);
  for (let i = 1; p < end; i++) {
    const sep = `${i === 1 ? ' (' : ', ('}${i}) `;
    if (p + 4 > end) return `${s}${sep}[chunk descriptor cut off at end of packet]`;
    if (p + 4 > b.length) return s + cut;
    const type = b[p];
    const flags = b[p + 1];
    const clen = u16(b, p + 2);
    const padded = clen + (-clen & 3);
    if (clen < 4) return `${s}${sep}[Bad chunk length ${clen}, < size of chunk descriptor]`;
    if (end - p < padded - clen) return `${s}${sep}[Bad chunk length ${clen}, > remaining data in packet]`;
    if (p + clen > snap) return s + cut;
    s += `${sep}[${sctpChunkName(type)}] `;
    const c = p + 4;
    // A DATA or INIT chunk too short for its fixed fields (or a DATA one with no data): tcpdump says so and stops.
    const bogus = `bogus chunk length ${clen}]`;
    if (type === 0) {
      if (clen >= 16 && u32(b, c + 8) >= 21 && u32(b, c + 8) <= 23) return null;
      if (flags & 4) s += '(U)';
      if (flags & 2) s += '(B)';
      if (flags & 1) s += '(E)';
      if (flags & 7) s += ' ';
      if (clen < 16) return s + bogus;
      const ppid = u32(b, c + 8);
      s += `[TSN: ${u32(b, c)}] [SID: ${u16(b, c + 4)}] [SSEQ ${u16(b, c + 6)}] `;
      s += `[PPID ${SCTP_PPIDS[ppid] ?? `0x${hex(ppid)}`}] `;
      if (clen === 16) return s + bogus;
    } else if (type === 1 || type === 2) {
      if (clen < 20) return s + bogus;
      s += `[init tag: ${u32(b, c)}] [rwnd: ${u32(b, c + 4)}] [OS: ${u16(b, c + 8)}] `;
      s += `[MIS: ${u16(b, c + 10)}] [init TSN: ${u32(b, c + 12)}] `;
    } else if (type === 3) {
      const t = sackText(b, c, clen);
      s += t;
      if (t.endsWith(']')) return s;
    }
    if (p + padded > snap) return s + cut;
    p += padded;
  }
  return s;
}

/**
 * A SACK chunk's fields after its descriptor (at `c`, `clen` the chunk's length) as print-sctp.c prints them: the
 * cumulative TSN, the window and the counts, then each gap block (as TSNs, offsets added to the cumulative one) and
 * each duplicate TSN, which tcpdump puts on lines of their own ("\n\t\t[gap ack block #1: start = 102, end = 103] "),
 * here joined with a space. Where the chunk's length ends before what the counts announce, the blocks it holds; where
 * it ends inside one, tcpdump's "bogus chunk length 18]", which ends the line (the text then ends in "]").
 */
function sackText(b: Uint8Array, c: number, clen: number): string {
  const bogus = `bogus chunk length ${clen}]`;
  let left = clen - 4;
  if (left < SACK_FIXED_LEN) return bogus;
  const cum = u32(b, c);
  const gaps = u16(b, c + 8);
  const dups = u16(b, c + 10);
  let s = `[cum ack ${cum}] [a_rwnd ${u32(b, c + 4)}] [#gap acks ${gaps}] [#dup tsns ${dups}] `;
  let p = c + SACK_FIXED_LEN;
  left -= SACK_FIXED_LEN;
  for (let i = 0; left !== 0 && i < gaps; i++, p += 4, left -= 4) {
    if (left < 4) return s + bogus;
    const start = (cum + u16(b, p)) >>> 0;
    const end = (cum + u16(b, p + 2)) >>> 0;
    s += ` [gap ack block #${i + 1}: start = ${start}, end = ${end}] `;
  }
  for (let i = 0; left !== 0 && i < dups; i++, p += 4, left -= 4) {
    if (left < 4) return s + bogus;
    s += ` [dup TSN #${i + 1}: ${u32(b, p)}] `;
  }
  return s;
}
/** A SACK's cumulative TSN ack, window, and the counts of gap blocks and duplicate TSNs (RFC 9260 §3.3.4). */
const SACK_FIXED_LEN = 12;

const STP_VERSIONS = ['802.1d', '', '802.1w', '802.1s'];
/** The protocol version's name in the detail view (Wireshark's). */
export const STP_VERSION_NAMES = ['Spanning Tree', '', 'Rapid Spanning Tree', 'Multiple Spanning Tree'];
export const STP_TCN = 0x80;
/** A BPDU's fields (802.1D §9.3.1); a Configuration BPDU ends at FORWARD_DELAY + 2 (35 bytes). */
export const STP_OFFSETS = {
  PROTOCOL: 0,
  VERSION: 2,
  TYPE: 3,
  FLAGS: 4,
  ROOT_ID: 5,
  ROOT_COST: 13,
  BRIDGE_ID: 17,
  PORT_ID: 25,
  MESSAGE_AGE: 27,
  MAX_AGE: 29,
  HELLO_TIME: 31,
  FORWARD_DELAY: 33,
};
export const STP_CONFIG_LEN = 35;
/** Where an MSTP BPDU's version 3 length is (IEEE 802.1Q §14.6). */
const MSTP_V3_LEN = 36;
export const LLC_UI_LEN = 3;

/** An 802.2 LLC header for STP at `at`: DSAP and SSAP 0x42 (their low bits: group, response), UI (0x03). */
export function isStpLlc(b: Uint8Array, at: number): boolean {
  return at + LLC_UI_LEN <= b.length && b[at] >> 1 === 0x21 && b[at + 1] >> 1 === 0x21 && b[at + 2] === 3;
}

/** A BPDU we read: all `len` bytes captured, protocol id 0, a known version (0, 2 or 3). */
export function isBpdu(b: Uint8Array, at: number, len: number): boolean {
  return len >= 4 && at + len <= b.length && u16(b, at) === 0 && !!STP_VERSIONS[b[at + 2]];
}
const STP_FLAGS: [number, string][] = [
  [0x01, 'Topology change'],
  [0x02, 'Proposal'],
  [0x10, 'Learn'],
  [0x20, 'Forward'],
  [0x40, 'Agreement'],
  [0x80, 'Topology change ACK'],
];

export function stpFlags(f: number): string {
  const names = STP_FLAGS.filter(([bit]) => f & bit).map(([, name]) => name);
  return names.length ? names.join(', ') : 'none';
}

/** A bridge id as "8000.1e:5b:98:25:e7:e7" (priority, then the MAC). */
export function bridgeId(b: Uint8Array, at: number): string {
  let s = `${hex(b[at], 2)}${hex(b[at + 1], 2)}.`;
  for (let i = 2; i < 8; i++) s += `${hex(b[at + i], 2)}${i < 7 ? ':' : ''}`;
  return s;
}

/**
 * A BPDU of `len` bytes (the 802.3 length less the LLC header): "STP 802.1d, Config, Flags [none], bridge-id
 * 8000.1e:5b:98:25:e7:e7.8001, length 35", "STP 802.1d, Topology Change", "STP 802.1w, Rapid STP, Flags
 * [Learn, Forward], bridge-id …, length 36", "STP 802.1s, Rapid STP, CIST Flags […], length 102". Cut by the
 * snaplen, what print-stp.c has read ("STP 802.1d, Config, Flags [none]": the bridge id and port come with the
 * whole line; MSTP's flags once its version 3 length is there), then " [|stp]".
 */
export function stpText(b: Uint8Array, at: number, len: number): string | null {
  const has = (bytes: number) => at + bytes <= Math.min(b.length, at + len);
  const cut = (s: string) => `${s} [|stp]`;
  if (len < 4) return null;
  if (!has(STP_OFFSETS.TYPE)) return cut('');
  const version = STP_VERSIONS[b[at + STP_OFFSETS.VERSION]];
  if (u16(b, at) !== 0 || !version) return null;
  const head = `STP ${version}`;
  if (!has(STP_OFFSETS.FLAGS)) return cut(head);
  const type = b[at + STP_OFFSETS.TYPE];
  if (type === STP_TCN) return `${head}, Topology Change`;
  if (type !== 0 && type !== 2) return null;
  const mstp = type === 2 && b[at + STP_OFFSETS.VERSION] === 3;
  const named = `${head}, ${type === 0 ? 'Config' : 'Rapid STP'}`;
  if (mstp) {
    if (!has(MSTP_V3_LEN + 2)) return cut(named);
    // tcpdump checks the version 1 length (0) and that the version 3 length fits.
    if (len >= 102 && b[at + 35] === 0 && len >= 36 + u16(b, at + MSTP_V3_LEN) + 2)
      return `${named}, CIST Flags [${stpFlags(b[at + STP_OFFSETS.FLAGS])}], length ${len}`;
    return null;
  }
  if (!has(STP_OFFSETS.ROOT_ID)) return cut(named);
  const s = `${named}, Flags [${stpFlags(b[at + STP_OFFSETS.FLAGS])}]`;
  if (!has(STP_OFFSETS.MESSAGE_AGE)) return cut(s);
  if ((type === 0 && len >= STP_CONFIG_LEN) || (b[at + STP_OFFSETS.VERSION] === 2 && len >= 36)) {
    const port = hex(u16(b, at + STP_OFFSETS.PORT_ID), 4);
    return `${s}, bridge-id ${bridgeId(b, at + STP_OFFSETS.BRIDGE_ID)}.${port}, length ${len}`;
  }
  return null;
}
