// IEEE 802.2 LLC and SNAP (RFC 1042) as tcpdump 4.99 prints them (print-llc.c), for the one-line summaries of
// 802.3 frames that are not STP: the LLC header with -e, the SAPs' names without it, the control field
// (Unnumbered, Supervisory, Information) and, where tcpdump has no printer for what follows, its hex dump.
//
//   +--------+--------+---------+-----------------+
//   | DSAP   | SSAP   | control | (SNAP: OUI, PID) |   control: 1 byte (U), 2 bytes little-endian (I, S)
//   +--------+--------+---------+-----------------+
//   DSAP bit 0: individual/group; SSAP bit 0: command/response (IEEE 802.2 §3.3).
import { etherTypeName } from './ethernet.ts';
import { hex2, hexDump } from './format.ts';

const DSAP = 0;
const SSAP = 1;
const CONTROL = 2;
const LLC_U_LEN = 3;
const LLC_IS_LEN = 4;
/** OUI (3 bytes) and protocol id (2) after a UI header whose SAPs are SNAP's. */
const SNAP_LEN = 5;

const LLC_IG = 0x01;
const LLC_GSAP = 0x01;
const LLC_U_FMT = 0x03;
const LLC_S_FMT = 0x01;
const LLC_U_POLL = 0x10;
const LLC_IS_POLL = 0x0100;
const LLC_UI = 0x03;
const LLC_XID = 0xaf;
/** The XID information field's format identifier for IEEE 802.2 basic format. */
const LLC_XID_FI = 0x81;

const SAP_SNAP = 0xaa;
const SAP_IPX = 0xe0;
const SAP_GLOBAL = 0xff;

/** print-llc.c's llc_values: the SAPs' names (without their low bit). */
const SAP_NAMES: Record<number, string> = {
  0x00: 'Null',
  0xff: 'Global',
  0x02: '802.1B I',
  0x03: '802.1B G',
  0x04: 'SNA',
  0x06: 'IP',
  0x0e: 'ProWay NM',
  0x42: 'STP',
  0x4e: 'RS511',
  0x7e: 'ISO8208',
  0x8e: 'ProWay',
  0xaa: 'SNAP',
  0xe0: 'IPX',
  0xf0: 'NetBeui',
  0xfe: 'OSI',
};
/**
 * The SAPs print-llc.c hands a UI frame's payload to a printer for whose lines are not this module's (IP, OSI; STP
 * is stpText's; IPX is ipxText's).
 */
const SAPS_PRINTED = new Set([0x06, 0xfe, 0x42]);
/** Unnumbered commands (the control byte without its poll/final bit). */
const U_COMMANDS: Record<number, string> = {
  0x03: 'ui',
  0xe3: 'test',
  0xaf: 'xid',
  0x63: 'ua',
  0x43: 'disc',
  0x0f: 'dm',
  0x6f: 'sabme',
  0x87: 'frmr',
};
const S_COMMANDS = ['Receiver Ready', 'Receiver not Ready', 'Reject'];
const FLAGS: Record<number, string> = {
  0: 'Command',
  [LLC_GSAP]: 'Response',
  [LLC_U_POLL]: 'Poll',
  [LLC_GSAP | LLC_U_POLL]: 'Final',
  [LLC_IS_POLL]: 'Poll',
  [LLC_GSAP | LLC_IS_POLL]: 'Final',
};

/** oui.c's names for the organisations, and the PID names it has for some of them. */
const OUI_ETHER = 0x000000;
const OUI_CISCO = 0x00000c;
const OUI_CISCO_90 = 0x0000f8;
const OUI_RFC2684 = 0x0080c2;
const OUI_APPLETALK = 0x080007;
const OUI_NAMES: Record<number, string> = {
  [OUI_ETHER]: 'Ethernet',
  [OUI_CISCO]: 'Cisco',
  0x00005e: 'IANA',
  0x000081: 'Nortel Networks SONMP',
  [OUI_CISCO_90]: 'Cisco bridged',
  [OUI_RFC2684]: 'Ethernet bridged',
  0x00a03e: 'ATM Forum',
  0x00e02f: 'DOCSIS Spanning Tree',
  [OUI_APPLETALK]: 'Appletalk',
  0x009069: 'Juniper',
  0x080009: 'Hewlett-Packard',
  0x00120f: 'IEEE 802.3 Private',
  0x0012bb: 'ANSI/TIA',
  0x001b21: 'DCBX',
  0x002320: 'Nicira Networks',
};
const CISCO_PIDS: Record<number, string> = {
  0x2000: 'CDP',
  0x2003: 'VTP',
  0x2004: 'DTP',
  0x0111: 'UDLD',
  0x010b: 'PVST',
  0x010c: 'VLAN Bridge',
};
const BRIDGED_PIDS: Record<number, string> = {
  0x0001: 'Ethernet + FCS',
  0x0002: '802.4 + FCS',
  0x0003: '802.5 + FCS',
  0x0004: 'FDDI + FCS',
  0x0005: '802.6 + FCS',
  0x0007: 'Ethernet w/o FCS',
  0x0008: '802.4 w/o FCS',
  0x0009: '802.5 w/o FCS',
  0x000a: 'FDDI w/o FCS',
  0x000b: '802.6 w/o FCS',
  0x000e: 'BPDU',
};
/** The PIDs snap_print gives to a printer of its own under these OUIs (CDP, DTP, UDLD, VTP, PVST; bridged frames). */
const CISCO_PRINTED = new Set([0x2000, 0x2004, 0x0111, 0x2003, 0x010b, 0x010c]);
const BRIDGED_PRINTED = new Set([0x0001, 0x0007, 0x0002, 0x0008, 0x0003, 0x0009, 0x0004, 0x000a, 0x000e]);
const APPLETALK_ETHERTYPE = 0x809b;

function pidName(oui: number, pid: number): string {
  if (oui === OUI_ETHER || oui === OUI_CISCO_90) return etherTypeName(pid);
  const names = oui === OUI_CISCO ? CISCO_PIDS : oui === OUI_RFC2684 ? BRIDGED_PIDS : undefined;
  return names?.[pid] ?? 'Unknown';
}

/**
 * The text after "802.3, length N: " (with `link`) or after nothing (without) for the LLC frame at `at`: `len` is
 * what the length field leaves (tcpdump's length), `cap` where the captured bytes end within it, `macs`
 * "src > dst". Null where tcpdump hands the payload to a printer of its own (STP, IP, IPX, OSI, Novell's raw
 * 802.3, SNAP with a type it prints): the caller's line stands. The header itself must be captured.
 */
export function llcText(
  b: Uint8Array,
  at: number,
  len: number,
  cap: number,
  macs: string,
  link: boolean,
): string | null {
  const dsapField = b[at + DSAP];
  const ssapField = b[at + SSAP];
  const isU = (b[at + CONTROL] & LLC_U_FMT) === LLC_U_FMT;
  const hdr = isU ? LLC_U_LEN : LLC_IS_LEN;
  const captured = cap - at;
  // An I or S frame's second control byte cut: print-llc.c says so before anything else and dumps what it has.
  if (hdr > captured || hdr > len) return ` [|llc]${hexDump(b, at, captured, true)}`;
  // Novell's raw 802.3: no LLC header, the IPX checksum 0xffff where the SAPs would be.
  if (dsapField === SAP_GLOBAL && ssapField === SAP_GLOBAL)
    return ipxText(b, at, cap, link ? 'IPX 802.3: ' : 'IPX ');
  const control = isU ? b[at + CONTROL] : b[at + CONTROL] | (b[at + CONTROL + 1] << 8);
  const dsap = dsapField & ~LLC_IG;
  const ssap = ssapField & ~LLC_GSAP;
  let s = '';
  if (link) {
    const sap = (v: number) => `${SAP_NAMES[v] ?? 'Unknown'} (0x${hex2(v)})`;
    s += `LLC, dsap ${sap(dsap)} ${dsapField & LLC_IG ? 'Group' : 'Individual'}, `;
    s += `ssap ${sap(ssap)} ${ssapField & LLC_GSAP ? 'Response' : 'Command'}, `;
    s += `ctrl 0x${control.toString(16).padStart(isU ? 2 : 4, '0')}: `;
  }
  const dump = () => hexDump(b, at, captured, true);
  if (dsap === SAP_SNAP && ssap === SAP_SNAP && control === LLC_UI)
    return snapText(b, at, len, cap, macs, link, s);
  if (dsap === SAP_IPX && ssap === SAP_IPX && control === LLC_UI)
    return ipxText(b, at + hdr, cap, s + (link ? 'IPX 802.2: ' : 'IPX '));
  if (dsap === ssap && control === LLC_UI && SAPS_PRINTED.has(dsap)) return null;
  if (!link) {
    const name = (v: number, what: string) => SAP_NAMES[v] ?? `Unknown ${what} 0x${hex2(v)}`;
    const [src, dst] = macs.split(' > ');
    s +=
      ssap === dsap
        ? `${macs} ${name(dsap, 'DSAP')} `
        : `${src} ${name(ssap, 'SSAP')} > ${dst} ${name(dsap, 'DSAP')} `;
  }
  if (isU) {
    const cmd = U_COMMANDS[control & ~LLC_U_POLL] ?? hex2(control & ~LLC_U_POLL);
    const flags = FLAGS[(ssapField & LLC_GSAP) | (control & LLC_U_POLL)];
    s += `Unnumbered, ${cmd}, Flags [${flags}], length ${len}`;
    if ((control & ~LLC_U_POLL) === LLC_XID) {
      const rest = len - hdr;
      const have = captured - hdr;
      if (rest === 0) return s;
      if (have < 1) return `${s} [|llc]`;
      if (b[at + hdr] === LLC_XID_FI) {
        if (have < 3 || rest < 3) return `${s} [|llc]${hexDump(b, at + hdr, have, true)}`;
        return `${s}: ${hex2(b[at + hdr + 1])} ${hex2(b[at + hdr + 2])}`;
      }
    }
    return s + dump();
  }
  const flags = FLAGS[(ssapField & LLC_GSAP) | (control & LLC_IS_POLL)];
  const nr = (control >> 9) & 0x7f;
  if ((control & LLC_S_FMT) === LLC_S_FMT) {
    const cmd = S_COMMANDS[(control >> 2) & 3] ?? '?';
    return `${s}Supervisory, ${cmd}, rcv seq ${nr}, Flags [${flags}], length ${len}`;
  }
  return (
    `${s}Information, send seq ${(control >> 1) & 0x7f}, rcv seq ${nr}, Flags [${flags}], length ${len}` +
    dump()
  );
}

/**
 * The Ethernet type of an LLC frame at `at` that is SNAP (UI) with OUI 0 or Cisco's bridged 0x0000f8, its header
 * captured (before `cap`), or -1: what follows is then a network header print-snap.c hands to ethertype_print.
 */
export function snapEtherType(b: Uint8Array, at: number, cap: number): number {
  const p = at + LLC_U_LEN;
  if (p + SNAP_LEN > cap || b[at + CONTROL] !== LLC_UI) return -1;
  if ((b[at + DSAP] & ~LLC_IG) !== SAP_SNAP || (b[at + SSAP] & ~LLC_GSAP) !== SAP_SNAP) return -1;
  const oui = (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
  return oui === OUI_ETHER || oui === OUI_CISCO_90 ? (b[p + 3] << 8) | b[p + 4] : -1;
}

/** -e's text for such a frame's LLC and SNAP headers, up to the network header ("LLC, dsap SNAP … length 20: "). */
export function snapEtherHead(b: Uint8Array, at: number, len: number): string {
  const dsap = b[at + DSAP];
  const ssap = b[at + SSAP];
  const p = at + LLC_U_LEN;
  const oui = (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
  const pid = (b[p + 3] << 8) | b[p + 4];
  return (
    `LLC, dsap SNAP (0xaa) ${dsap & LLC_IG ? 'Group' : 'Individual'}, ` +
    `ssap SNAP (0xaa) ${ssap & LLC_GSAP ? 'Response' : 'Command'}, ctrl 0x03: ` +
    `oui ${OUI_NAMES[oui]} (0x${oui.toString(16).padStart(6, '0')}), ` +
    `${oui === OUI_ETHER ? 'ethertype' : 'pid'} ${etherTypeName(pid)} (0x${pid.toString(16).padStart(4, '0')}), ` +
    `length ${len - LLC_U_LEN - SNAP_LEN}: `
  );
}

/** Where the network header starts after an LLC UI and SNAP header at `at`. */
export const SNAP_PAYLOAD = LLC_U_LEN + SNAP_LEN;

/**
 * SNAP after an LLC UI header (print-snap.c's snap_print): with -e, "oui Cisco (0x00000c), pid CDP (0x2000), length
 * N: " follows the LLC header; a protocol it has no printer for then reads, without -e, "src > dst SNAP, oui …"
 * (OUI 0: "SNAP, ethertype …"), and the frame from its LLC header on in hex and ASCII.
 */
function snapText(
  b: Uint8Array,
  at: number,
  len: number,
  cap: number,
  macs: string,
  link: boolean,
  s: string,
) {
  const p = at + LLC_U_LEN;
  if (p + SNAP_LEN > cap) return `${s} [|snap]`;
  const oui = (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
  const pid = (b[p + 3] << 8) | b[p + 4];
  const rest = len - LLC_U_LEN - SNAP_LEN;
  const ouiName = `${OUI_NAMES[oui] ?? 'Unknown'} (0x${oui.toString(16).padStart(6, '0')})`;
  const pidPart = `${oui === OUI_ETHER ? 'ethertype' : 'pid'} ${pidName(oui, pid)} (0x${pid.toString(16).padStart(4, '0')})`;
  if (printedBySnap(oui, pid)) return null;
  if (link) s += `oui ${ouiName}, ${pidPart}, length ${rest}: `;
  else if (oui === OUI_ETHER) s += `${macs} SNAP, ${pidPart}, length ${rest}: `;
  else s += `${macs} SNAP, oui ${ouiName}, ${pidPart}, length ${rest}: `;
  return s + hexDump(b, at, cap - at, true);
}

/** Whether snap_print has a printer for this OUI and PID (an Ethernet type of OUI 0 it knows, CDP, …). */
function printedBySnap(oui: number, pid: number): boolean {
  if (oui === OUI_ETHER || oui === OUI_CISCO_90) return etherTypeName(pid) !== 'Unknown';
  if (oui === OUI_APPLETALK) return pid === APPLETALK_ETHERTYPE;
  if (oui === OUI_CISCO) return CISCO_PRINTED.has(pid);
  if (oui === OUI_RFC2684) return BRIDGED_PRINTED.has(pid);
  return false;
}

// IPX (print-ipx.c): a 30-byte header, then what its destination socket says.
//   checksum(2) length(2) transport control(1) type(1) dst net(4) node(6) socket(2) src net(4) node(6) socket(2)
const IPX_HEADER_LEN = 30;
const IPX_LENGTH = 2;
const IPX_DST = 6;
const IPX_SRC = 18;
/** The sockets ipx_decode names with a length only; SAP's, RIP's and EIGRP's have printers of their own. */
const IPX_SOCKETS: Record<number, string> = {
  0x0451: 'ipx-ncp',
  0x0455: 'ipx-netbios',
  0x0456: 'ipx-diags',
  0x0553: 'ipx-nwlink-dgm',
};
const IPX_DECODED = new Set([0x0452, 0x0453, 0x85be]);

function ipxAddress(b: Uint8Array, at: number): string {
  const net = ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
  const node = Array.from(b.subarray(at + 4, at + 10), hex2).join(':');
  const socket = (b[at + 10] << 8) | b[at + 11];
  return `${net.toString(16).padStart(8, '0')}.${node}.${socket.toString(16).padStart(4, '0')}`;
}

/**
 * An IPX packet at `at` after `s` (the LLC header's text, and "IPX " or "IPX 802.2: "): "src > dst: ipx-#4000 12"
 * (the length from its header, less the header), or, cut in the header, " [|ipx]". Null for a socket tcpdump
 * decodes further (SAP, RIP, EIGRP).
 */
function ipxText(b: Uint8Array, at: number, cap: number, s: string): string | null {
  if (at + IPX_HEADER_LEN > cap) return `${s} [|ipx]`;
  const socket = (b[at + IPX_DST + 10] << 8) | b[at + IPX_DST + 11];
  if (IPX_DECODED.has(socket)) return null;
  s += `${ipxAddress(b, at + IPX_SRC)} > ${ipxAddress(b, at + IPX_DST)}: `;
  const length = (b[at + IPX_LENGTH] << 8) | b[at + IPX_LENGTH + 1];
  if (length < IPX_HEADER_LEN) return `${s}[length ${length} < ${IPX_HEADER_LEN}] (invalid)`;
  const name = IPX_SOCKETS[socket] ?? `ipx-#${socket.toString(16)}`;
  return `${s}${name} ${length - IPX_HEADER_LEN}`;
}
