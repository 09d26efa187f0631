// geneve.ts — RFC 8926 §3.4 (Geneve over UDP, IANA port 6081: Antrea, OVN-Kubernetes, Cilium's geneve mode).
//  0 |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
//  4 |        Virtual Network Identifier (VNI)       |    Reserved   |
//  8 |                 Variable-Length Options (Opt Len × 4 bytes)   |
//    | each option (§3.5): | Option Class (16) | Type (8) |R|R|R| Length (5, ×4 bytes) | data … |
//    | then the payload: an Ethernet frame (Protocol Type 0x6558) or an IP packet (0x0800, 0x86DD).
// Ports come from DecodeOptions.genevePorts (default 6081).
import { ETHERTYPE_TEB } from './ethernet.ts';
import { malformed, need, NEXT_ETHERNET, ok, type Step } from './result.ts';
import { portTableCache } from './vxlan.ts';

export const GENEVE_HEADER_LEN = 8;
export const GENEVE_PORT = 6081;
const VER_OPTLEN = 0;
const FLAGS = 1;
const PROTOCOL = 2;
const VNI = 4;
const RESERVED = 7;
const VERSION_SHIFT = 6;
const OPTLEN_MASK = 0x3f;
export const GENEVE_FLAG_O = 0x80;
export const GENEVE_FLAG_C = 0x40;
/** An option's header: class (2), type (1), reserved bits and length in 4-byte words (1). */
export const GENEVE_OPTION_HEADER_LEN = 4;
const OPTION_LEN_MASK = 0x1f;

export interface GeneveHeader {
  version: number;
  /** Length of the options in bytes (Opt Len × 4). */
  optionsLen: number;
  /** The whole flags byte: O (0x80, control packet), C (0x40, critical options present), reserved bits. */
  flags: number;
  /** Protocol Type: an ethertype, 0x6558 (Transparent Ethernet Bridging) for an Ethernet payload. */
  protocol: number;
  vni: number;
  reserved: number;
  /** How many option TLVs the options hold. */
  optionCount: number;
}

export function newGeneveHeader(): GeneveHeader {
  return { version: 0, optionsLen: 0, flags: 0, protocol: 0, vni: -1, reserved: 0, optionCount: 0 };
}

/**
 * The header and its options at `at`, up to the UDP datagram's end `lim`. The payload is NEXT_ETHERNET for
 * Transparent Ethernet Bridging, the ethertype for IPv4 and IPv6, and the Protocol Type itself otherwise (the
 * caller decodes no further). A version other than 0 or options that overrun their length are malformed;
 * options cut by the snaplen are truncated.
 */
export function decodeGeneve(b: Uint8Array, at: number, lim: number, h: GeneveHeader, s: Step): boolean {
  if (!need(b, at, GENEVE_HEADER_LEN, lim, s, 'geneve')) return false;
  const vo = b[at + VER_OPTLEN];
  h.version = vo >> VERSION_SHIFT;
  h.optionsLen = (vo & OPTLEN_MASK) * 4;
  h.flags = b[at + FLAGS];
  h.protocol = (b[at + PROTOCOL] << 8) | b[at + PROTOCOL + 1];
  h.vni = (b[at + VNI] << 16) | (b[at + VNI + 1] << 8) | b[at + VNI + 2];
  h.reserved = b[at + RESERVED];
  h.optionCount = 0;
  if (h.version !== 0) return malformed(s, 'geneve', at, `version ${h.version}`);
  if (!need(b, at, GENEVE_HEADER_LEN + h.optionsLen, lim, s, 'geneve')) return false;
  const end = at + GENEVE_HEADER_LEN + h.optionsLen;
  for (let o = at + GENEVE_HEADER_LEN; o < end; h.optionCount++) {
    if (o + GENEVE_OPTION_HEADER_LEN > end)
      return malformed(s, 'geneve', o, 'option header overruns the options');
    const len = GENEVE_OPTION_HEADER_LEN + (b[o + 3] & OPTION_LEN_MASK) * 4;
    if (o + len > end) return malformed(s, 'geneve', o, `option length ${len} overruns the options`);
    o += len;
  }
  return ok(s, end, lim, h.protocol === ETHERTYPE_TEB ? NEXT_ETHERNET : h.protocol);
}

export const GENEVE_OFFSETS = { VER_OPTLEN, FLAGS, PROTOCOL, VNI, RESERVED };

/** The 64 Ki lookup table of the configured Geneve ports (DecodeOptions.genevePorts). */
export const genevePortTable = portTableCache();

export interface GeneveOption {
  offset: number;
  /** Option Class, Type (its top bit: critical) and the whole option's length in bytes (header included). */
  optClass: number;
  type: number;
  length: number;
}

/** The option TLVs of a header decodeGeneve accepted at `at` (for the detail view, not the hot path). */
export function geneveOptions(b: Uint8Array, at: number, h: GeneveHeader): GeneveOption[] {
  const out: GeneveOption[] = [];
  const end = at + GENEVE_HEADER_LEN + h.optionsLen;
  for (let o = at + GENEVE_HEADER_LEN; o + GENEVE_OPTION_HEADER_LEN <= end;) {
    const length = GENEVE_OPTION_HEADER_LEN + (b[o + 3] & OPTION_LEN_MASK) * 4;
    out.push({ offset: o, optClass: (b[o] << 8) | b[o + 1], type: b[o + 2], length });
    o += length;
  }
  return out;
}

/** The option classes IANA lists (RFC 8926 §7.2), named as tcpdump and Wireshark name them. */
export function geneveClassName(c: number): string {
  switch (c) {
    case 0x0100:
      return 'Linux';
    case 0x0101:
      return 'Open vSwitch';
    case 0x0102:
      return 'Open Virtual Networking (OVN)';
    case 0x0103:
      return 'In-band Network Telemetry (INT)';
    case 0x0104:
      return 'VMware';
    default:
      return c <= 0x00ff ? 'Standard' : c >= 0xfff0 ? 'Experimental' : 'Unknown';
  }
}

/** An option Type's top bit: the receiver must drop the packet when it does not understand the option. */
export const GENEVE_OPTION_CRITICAL = 0x80;
