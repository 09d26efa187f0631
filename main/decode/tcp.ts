// tcp.ts — TCP (RFC 9293 §3.1): ports, sequence and acknowledgment numbers, flags, header length.
//  0 |          Source Port          |       Destination Port        |
//  4 |                        Sequence Number                        |
//  8 |                    Acknowledgment Number                      |
// 12 |  Data |     |N|C|E|U|A|P|R|S|F|                               |
//    | Offset| Rsv |S|W|C|R|C|S|S|Y|I|            Window             |
// 16 |           Checksum            |         Urgent Pointer        |
// 20 | Options (Data Offset > 5) …                                   |
import { malformed, need, ok, u16, u32, NEXT_NONE, type Step } from './result.ts';

export const TCP_MIN_HEADER_LEN = 20;
const SRC_PORT = 0;
const DST_PORT = 2;
const SEQ = 4;
const ACK = 8;
const DATA_OFFSET = 12;
const FLAGS = 13;
const WINDOW = 14;
const CHECKSUM = 16;
const URGENT = 18;
export const TCP_OPTIONS = 20;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;
export const TCP_NS = 0x100;

export interface TcpHeader {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  headerLen: number;
  /** 9 bits: NS, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN. */
  flags: number;
  window: number;
  checksum: number;
  urgent: number;
}

export function newTcpHeader(): TcpHeader {
  return {
    srcPort: -1,
    dstPort: -1,
    seq: 0,
    ack: 0,
    headerLen: 0,
    flags: 0,
    window: 0,
    checksum: 0,
    urgent: 0,
  };
}

export function decodeTcp(b: Uint8Array, at: number, lim: number, h: TcpHeader, s: Step): boolean {
  if (!need(b, at, TCP_MIN_HEADER_LEN, lim, s, 'tcp')) return false;
  const hl = (b[at + DATA_OFFSET] >> 4) * 4;
  if (hl < TCP_MIN_HEADER_LEN) return malformed(s, 'tcp', at, `data offset ${hl} < 20`);
  // The fixed 20 bytes are read before the options are checked: a header whose options the snaplen cut still
  // gives its ports, numbers and flags (fast.ts keeps them; tcpdump prints them before its "[|tcp]").
  h.srcPort = u16(b, at + SRC_PORT);
  h.dstPort = u16(b, at + DST_PORT);
  h.seq = u32(b, at + SEQ);
  h.ack = u32(b, at + ACK);
  h.headerLen = hl;
  h.flags = ((b[at + DATA_OFFSET] & 1) << 8) | b[at + FLAGS];
  h.window = u16(b, at + WINDOW);
  h.checksum = u16(b, at + CHECKSUM);
  h.urgent = u16(b, at + URGENT);
  if (!need(b, at, hl, lim, s, 'tcp')) return false;
  return ok(s, at + hl, lim, NEXT_NONE);
}

export const TCP_OFFSETS = { SRC_PORT, DST_PORT, SEQ, ACK, DATA_OFFSET, FLAGS, WINDOW, CHECKSUM, URGENT };

/** tcpdump's flag letters: [S], [S.], [P.], [F.], [R], [.] … */
export function tcpFlagsString(f: number): string {
  let r = '';
  // tcpdump's order (print-tcp.c's tcp_flag_values): `[S.]`, `[FP.]`, `[.U]`, `[SEW]`.
  if (f & TCP_FIN) r += 'F';
  if (f & TCP_SYN) r += 'S';
  if (f & TCP_RST) r += 'R';
  if (f & TCP_PSH) r += 'P';
  if (f & TCP_ACK) r += '.';
  if (f & TCP_URG) r += 'U';
  if (f & TCP_ECE) r += 'E';
  if (f & TCP_CWR) r += 'W';
  return r === '' ? 'none' : r;
}
