// dhcp.ts — BOOTP/DHCP messages (RFC 951, RFC 2131 §2, options RFC 2132) on UDP 67/68: a node's NIC getting its
// address. tcpdump's one-line wording and the fixed fields and options the detail view shows. Never on the
// decodeFields hot path.
//   0 |  op  | htype | hlen | hops |               xid (4)               | secs (2) | flags (2) |
//  12 | ciaddr (4) | yiaddr (4) | siaddr (4) | giaddr (4) | chaddr (16) | sname (64) | file (128) |
// 236 | magic cookie 99.130.83.99 | options: tag, length, value … 255 (end)
import { hex2, ipv4ToString, macBytesToString } from './format.ts';
import { u16, u32 } from './result.ts';

export const BOOTPS_PORT = 67;
export const BOOTPC_PORT = 68;
const OP = 0;
const HTYPE = 1;
const HLEN = 2;
const HOPS = 3;
const XID = 4;
const SECS = 8;
const FLAGS = 10;
const CIADDR = 12;
const YIADDR = 16;
const SIADDR = 20;
const GIADDR = 24;
const CHADDR = 28;
const COOKIE = 236;
export const BOOTP_OPTIONS = 240;
const BOOTREQUEST = 1;
const HTYPE_ETHERNET = 1;
const MAC_LEN = 6;
const DHCP_COOKIE = 0x63825363;
const FLAG_BROADCAST = 0x8000;
const OPT_PAD = 0;
const OPT_MESSAGE_TYPE = 53;
const OPT_END = 255;
export const BOOTP_OFFSETS = {
  OP,
  HTYPE,
  HLEN,
  HOPS,
  XID,
  SECS,
  FLAGS,
  CIADDR,
  YIADDR,
  SIADDR,
  GIADDR,
  CHADDR,
  COOKIE,
};

/** Is either port BOOTP's (the detail view's test: tshark tries the lower port first, DNS's before it). */
export function hasBootpPort(srcPort: number, dstPort: number): boolean {
  return (
    srcPort === BOOTPS_PORT || srcPort === BOOTPC_PORT || dstPort === BOOTPS_PORT || dstPort === BOOTPC_PORT
  );
}

/** DNS's, mDNS's, timed's and TFTP's ports: tcpdump 4.99's udp_print tries them before BOOTP's. */
const UDP_PORTS_BEFORE_BOOTP = [53, 5353, 525, 69];

/** Is this datagram BOOTP to tcpdump (either port BOOTP's, neither one it tries first). */
export function isBootp(srcPort: number, dstPort: number): boolean {
  const port = (p: number) => srcPort === p || dstPort === p;
  return (port(BOOTPS_PORT) || port(BOOTPC_PORT)) && !UDP_PORTS_BEFORE_BOOTP.some(port);
}

/**
 * What tcpdump -n prints of a BOOTP message at `at` whose UDP payload is `len` bytes (print-bootp.c without -v):
 * "BOOTP/DHCP, Request from 02:00:00:00:00:01, length 300" (the client's MAC on an Ethernet request),
 * "BOOTP/DHCP, Reply, length 300". Cut by the snaplen before a byte it reads, what it has, then " [|bootp]".
 */
export function bootpSummary(b: Uint8Array, at: number, len: number): string {
  const cap = Math.min(b.length, at + len);
  const has = (bytes: number) => at + bytes <= cap;
  const cut = (s: string) => `${s} [|bootp]`;
  if (!has(OP + 1)) return cut('');
  const op = b[at + OP];
  let s = `BOOTP/DHCP, ${op === 1 ? 'Request' : op === 2 ? 'Reply' : `unknown (0x${op.toString(16).padStart(2, '0')})`}`;
  if (!has(HLEN + 1)) return cut(s);
  if (b[at + HTYPE] === HTYPE_ETHERNET && b[at + HLEN] === MAC_LEN && op === BOOTREQUEST) {
    if (!has(CHADDR + MAC_LEN)) return cut(s);
    s += ` from ${macBytesToString(b, at + CHADDR, MAC_LEN)}`;
  }
  return `${s}, length ${len}`;
}

/** Wireshark's names for the options ("Option: (53) DHCP Message Type (Discover)"). */
const OPTION_NAMES: Record<number, string> = {
  1: 'Subnet Mask',
  3: 'Router',
  6: 'Domain Name Server',
  12: 'Host Name',
  15: 'Domain Name',
  26: 'Interface MTU',
  28: 'Broadcast Address',
  42: 'Network Time Protocol Servers',
  50: 'Requested IP Address',
  51: 'IP Address Lease Time',
  53: 'DHCP Message Type',
  54: 'DHCP Server Identifier',
  55: 'Parameter Request List',
  56: 'Message',
  57: 'Maximum DHCP Message Size',
  58: 'Renewal Time Value',
  59: 'Rebinding Time Value',
  60: 'Vendor class identifier',
  61: 'Client identifier',
  81: 'Client Fully Qualified Domain Name',
  119: 'Domain Search',
  121: 'Classless Static Route',
  255: 'End',
};
/** The options whose single address Wireshark repeats after the name. */
const ADDRESS_OPTIONS = new Set([1, 28, 50, 54]);
const MESSAGE_TYPES = ['', 'Discover', 'Offer', 'Request', 'Decline', 'ACK', 'NAK', 'Release', 'Inform'];

export interface BootpField {
  name: string;
  value: string;
  offset: number;
  length: number;
}

/**
 * The fixed fields and the options of a BOOTP message wholly in b[at, end), as tshark shows them, and the DHCP
 * message type ('' for plain BOOTP); null when shorter than its fixed part and cookie.
 */
export function bootpFields(
  b: Uint8Array,
  at: number,
  end: number,
): { fields: BootpField[]; type: string } | null {
  if (end - at < BOOTP_OPTIONS || end > b.length) return null;
  const fields: BootpField[] = [];
  const add = (name: string, o: number, length: number, value: string | number) =>
    fields.push({ name, value: String(value), offset: at + o, length });
  const ip = (o: number) => ipv4ToString(u32(b, at + o));
  const op = b[at + OP];
  const htype = b[at + HTYPE];
  add('Message type', OP, 1, `${op === 1 ? 'Boot Request' : op === 2 ? 'Boot Reply' : 'Unknown'} (${op})`);
  add('Hardware type', HTYPE, 1, `${htype === HTYPE_ETHERNET ? 'Ethernet' : 'Unknown'} (0x${hex2(htype)})`);
  add('Hardware address length', HLEN, 1, b[at + HLEN]);
  add('Hops', HOPS, 1, b[at + HOPS]);
  add(
    'Transaction ID',
    XID,
    4,
    `0x${u32(b, at + XID)
      .toString(16)
      .padStart(8, '0')}`,
  );
  add('Seconds elapsed', SECS, 2, u16(b, at + SECS));
  const flags = u16(b, at + FLAGS);
  const cast = flags & FLAG_BROADCAST ? 'Broadcast' : 'Unicast';
  add('Bootp flags', FLAGS, 2, `0x${flags.toString(16).padStart(4, '0')} (${cast})`);
  add('Client IP address', CIADDR, 4, ip(CIADDR));
  add('Your (client) IP address', YIADDR, 4, ip(YIADDR));
  add('Next server IP address', SIADDR, 4, ip(SIADDR));
  add('Relay agent IP address', GIADDR, 4, ip(GIADDR));
  if (htype === HTYPE_ETHERNET && b[at + HLEN] === MAC_LEN)
    add('Client MAC address', CHADDR, MAC_LEN, macBytesToString(b, at + CHADDR, MAC_LEN));
  let type = '';
  if (u32(b, at + COOKIE) !== DHCP_COOKIE) return { fields, type };
  add('Magic cookie', COOKIE, 4, 'DHCP');
  for (let p = at + BOOTP_OPTIONS; p < end;) {
    const tag = b[p];
    if (tag === OPT_PAD) {
      p++;
      continue;
    }
    const name = OPTION_NAMES[tag] ?? 'Unknown';
    if (tag === OPT_END) {
      fields.push({ name: 'Option', value: `(${tag}) ${name}`, offset: p, length: 1 });
      break;
    }
    if (p + 2 > end || p + 2 + b[p + 1] > end) break;
    const len = b[p + 1];
    let value = `(${tag}) ${name}`;
    if (tag === OPT_MESSAGE_TYPE && len === 1) {
      type = MESSAGE_TYPES[b[p + 2]] ?? 'Unknown';
      value += ` (${type})`;
    } else if (ADDRESS_OPTIONS.has(tag) && len === 4) value += ` (${ipv4ToString(u32(b, p + 2))})`;
    fields.push({ name: 'Option', value, offset: p, length: 2 + len });
    p += 2 + len;
  }
  return { fields, type };
}
