// arp.ts — ARP (RFC 826) over Ethernet/IPv4; other hardware/protocol types are decoded only to their lengths.
//  0 | Hardware type (2) | 2 Protocol type (2) | 4 HLEN | 5 PLEN | 6 Operation (2)
//  8 | Sender hardware address (HLEN) | Sender protocol address (PLEN)
//    | Target hardware address (HLEN) | Target protocol address (PLEN)
import { mac48, need, ok, u16, u32, NEXT_NONE, type Step } from './result.ts';

export const ARP_FIXED_LEN = 8;
const HTYPE = 0;
const PTYPE = 2;
const HLEN = 4;
const PLEN = 5;
const OPER = 6;
const SHA = 8;
export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
const HTYPE_ETHERNET = 1;
const PTYPE_IPV4 = 0x0800;

export interface ArpHeader {
  htype: number;
  ptype: number;
  hlen: number;
  plen: number;
  op: number;
  /** Ethernet/IPv4 ARP only (else -1). */
  senderMac: number;
  senderIp: number;
  targetMac: number;
  targetIp: number;
}

export function newArpHeader(): ArpHeader {
  return {
    htype: -1,
    ptype: -1,
    hlen: 0,
    plen: 0,
    op: -1,
    senderMac: -1,
    senderIp: -1,
    targetMac: -1,
    targetIp: -1,
  };
}

export function decodeArp(b: Uint8Array, at: number, lim: number, h: ArpHeader, s: Step): boolean {
  if (!need(b, at, ARP_FIXED_LEN, lim, s, 'arp')) return false;
  h.htype = u16(b, at + HTYPE);
  h.ptype = u16(b, at + PTYPE);
  h.hlen = b[at + HLEN];
  h.plen = b[at + PLEN];
  h.op = u16(b, at + OPER);
  const total = ARP_FIXED_LEN + 2 * (h.hlen + h.plen);
  if (!need(b, at, total, lim, s, 'arp')) return false;
  if (h.htype === HTYPE_ETHERNET && h.ptype === PTYPE_IPV4 && h.hlen === 6 && h.plen === 4) {
    h.senderMac = mac48(b, at + SHA);
    h.senderIp = u32(b, at + SHA + 6);
    h.targetMac = mac48(b, at + SHA + 10);
    h.targetIp = u32(b, at + SHA + 16);
  } else {
    h.senderMac = h.senderIp = h.targetMac = h.targetIp = -1;
  }
  return ok(s, at + total, lim, NEXT_NONE);
}

export const ARP_OFFSETS = { HTYPE, PTYPE, HLEN, PLEN, OPER, SHA };
