// ethernet.ts — Ethernet II (IEEE 802.3 §3.1.1) with IEEE 802.1Q / 802.1ad VLAN tags.
//   0                   6                   12      14
//  | Destination MAC    | Source MAC         | Type  | payload…
//  802.1Q tag, inserted at 12:  | TPID 0x8100 (2) | PCP:3 DEI:1 VID:12 (2) |  then the real EtherType
import { need, ok, u16, u32, type Step } from './result.ts';

export const ETH_HEADER_LEN = 14;
const DST = 0;
const SRC = 6;
const TYPE = 12;
export const VLAN_TAG_LEN = 4;
const VLAN_TCI = 2; // within a tag, after its TPID
const VID_MASK = 0x0fff;
const MAX_TAGS = 4;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_QINQ_OLD = 0x9100;
export const ETHERTYPE_IPV6 = 0x86dd;
/** Transparent Ethernet bridging: an Ethernet frame as GRE's payload. */
export const ETHERTYPE_TEB = 0x6558;
/** Below this the field is an 802.3 length, not a type. */
export const ETHERTYPE_MIN = 0x0600;

export interface EthernetHeader {
  dst: number;
  src: number;
  /** Outermost VLAN id, -1 untagged. */
  vlan: number;
  vlanCount: number;
  /** The EtherType after the tags. */
  etherType: number;
}

export function newEthernetHeader(): EthernetHeader {
  return { dst: -1, src: -1, vlan: -1, vlanCount: 0, etherType: -1 };
}

function isTag(t: number): boolean {
  return t === ETHERTYPE_VLAN || t === ETHERTYPE_QINQ || t === ETHERTYPE_QINQ_OLD;
}

export function decodeEthernet(b: Uint8Array, at: number, lim: number, h: EthernetHeader, s: Step): boolean {
  if (!need(b, at, ETH_HEADER_LEN, lim, s, 'ethernet')) return false;
  // mac48() written out: a 48-bit double returned from a call is boxed (a heap number per packet).
  h.dst = ((b[at + DST] << 8) | b[at + DST + 1]) * 4294967296 + u32(b, at + DST + 2);
  h.src = ((b[at + SRC] << 8) | b[at + SRC + 1]) * 4294967296 + u32(b, at + SRC + 2);
  h.vlan = -1;
  h.vlanCount = 0;
  let p = at + TYPE;
  let type = u16(b, p);
  while (isTag(type) && h.vlanCount < MAX_TAGS) {
    if (!need(b, p, VLAN_TAG_LEN + 2, lim, s, 'vlan')) return false;
    if (h.vlanCount === 0) h.vlan = u16(b, p + VLAN_TCI) & VID_MASK;
    h.vlanCount++;
    p += VLAN_TAG_LEN;
    type = u16(b, p);
  }
  h.etherType = type;
  return ok(s, p + 2, lim, type);
}

/**
 * The VLAN ids of an Ethernet frame's tags, outermost first, as many as decodeEthernet reads (a QinQ frame's outer
 * and inner id): into `out`, cleared first. A cut tag ends the list.
 */
export function readVlanIds(b: Uint8Array, at: number, out: number[]): void {
  out.length = 0;
  let p = at + TYPE;
  while (p + VLAN_TAG_LEN + 2 <= b.length && isTag(u16(b, p)) && out.length < MAX_TAGS) {
    out.push(u16(b, p + VLAN_TCI) & VID_MASK);
    p += VLAN_TAG_LEN;
  }
}

/** The most tags decodeEthernet reads through. */
export const MAX_VLAN_TAGS = MAX_TAGS;

export function etherTypeName(t: number): string {
  switch (t) {
    case ETHERTYPE_IPV4:
      return 'IPv4';
    case ETHERTYPE_ARP:
      return 'ARP';
    case ETHERTYPE_IPV6:
      return 'IPv6';
    case ETHERTYPE_VLAN:
      return '802.1Q';
    case ETHERTYPE_QINQ:
      return '802.1Q-QinQ';
    case ETHERTYPE_QINQ_OLD:
      return '802.1Q-9100'; // tcpdump's name for the pre-802.1ad QinQ TPID
    case 0x88cc:
      return 'LLDP';
    case ETHERTYPE_TEB:
      return 'TEB';
    default:
      return 'Unknown';
  }
}
