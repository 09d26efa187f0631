// linuxSll.ts — Linux "cooked" captures (tcpdump -i any): LINKTYPE_LINUX_SLL (113) and LINUX_SLL2 (276),
// https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and …_SLL2.html.
//  SLL  (16 bytes): 0 packet type | 2 ARPHRD type | 4 address length | 6 address (8) | 14 protocol
//  SLL2 (20 bytes): 0 protocol | 2 reserved | 4 interface index (32) | 8 ARPHRD type | 10 packet type (8)
//                   | 11 address length (8) | 12 address (8)
import { mac48, need, NO_LIMIT, ok, u16, u32, type Step } from './result.ts';

export const SLL_HEADER_LEN = 16;
const SLL_PKTTYPE = 0;
const SLL_HATYPE = 2;
const SLL_HALEN = 4;
const SLL_ADDR = 6;
const SLL_PROTOCOL = 14;
export const SLL2_HEADER_LEN = 20;
const SLL2_PROTOCOL = 0;
const SLL2_IFINDEX = 4;
const SLL2_HATYPE = 8;
const SLL2_PKTTYPE = 10;
const SLL2_HALEN = 11;
const SLL2_ADDR = 12;
const MAC_LEN = 6;

export const SLL_PACKET_TYPES = ['In', 'B', 'M', 'P', 'Out'];

export interface SllHeader {
  version: 1 | 2;
  /** 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us. */
  packetType: number;
  hatype: number;
  addrLen: number;
  /** The link-layer source address as an integer when it is a 6-byte MAC, else -1. */
  addr: number;
  protocol: number;
  /** SLL2 only, else -1. */
  ifIndex: number;
}

export function newSllHeader(): SllHeader {
  return { version: 1, packetType: -1, hatype: -1, addrLen: 0, addr: -1, protocol: -1, ifIndex: -1 };
}

export function decodeSll(b: Uint8Array, at: number, h: SllHeader, s: Step): boolean {
  if (!need(b, at, SLL_HEADER_LEN, NO_LIMIT, s, 'sll')) return false;
  h.version = 1;
  h.packetType = u16(b, at + SLL_PKTTYPE);
  h.hatype = u16(b, at + SLL_HATYPE);
  h.addrLen = u16(b, at + SLL_HALEN);
  h.addr = h.addrLen === MAC_LEN ? mac48(b, at + SLL_ADDR) : -1;
  h.protocol = u16(b, at + SLL_PROTOCOL);
  h.ifIndex = -1;
  return ok(s, at + SLL_HEADER_LEN, NO_LIMIT, h.protocol);
}

export function decodeSll2(b: Uint8Array, at: number, h: SllHeader, s: Step): boolean {
  if (!need(b, at, SLL2_HEADER_LEN, NO_LIMIT, s, 'sll2')) return false;
  h.version = 2;
  h.protocol = u16(b, at + SLL2_PROTOCOL);
  h.ifIndex = u32(b, at + SLL2_IFINDEX);
  h.hatype = u16(b, at + SLL2_HATYPE);
  h.packetType = b[at + SLL2_PKTTYPE];
  h.addrLen = b[at + SLL2_HALEN];
  h.addr = h.addrLen === MAC_LEN ? mac48(b, at + SLL2_ADDR) : -1;
  return ok(s, at + SLL2_HEADER_LEN, NO_LIMIT, h.protocol);
}

/** Byte offsets of the SLL/SLL2 fields, for the detail view. */
export const SLL_OFFSETS = { SLL_PKTTYPE, SLL_HATYPE, SLL_HALEN, SLL_ADDR, SLL_PROTOCOL };
export const SLL2_OFFSETS = { SLL2_PROTOCOL, SLL2_IFINDEX, SLL2_HATYPE, SLL2_PKTTYPE, SLL2_HALEN, SLL2_ADDR };
