// summarize(): the one-line text tcpdump -n prints for a packet (with `link`, what tcpdump -e adds), so
// users recognise it from the walkthrough. tcpdump's continuation line for VXLAN's inner frame is joined with
// a space. TCP sequence numbers are absolute (tcpdump -S): a single packet has no conversation to be
// relative to.
import { ARP_OFFSETS, ARP_REPLY, ARP_REQUEST } from './arp.ts';
import { BGP_PORT } from './bgp.ts';
import { bootpSummary, isBootp } from './dhcp.ts';
import { isNtp, ntpSummary } from './ntp.ts';
import { walk, walkFrom, type Chain, type ChainNode } from './chain.ts';
import { DNS_PORT, dnsSummary, MDNS_PORT } from './dns.ts';
import {
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_MIN,
  ETHERTYPE_TEB,
  etherTypeName,
} from './ethernet.ts';
import {
  DEFAULT_DECODE_OPTIONS,
  DEFAULT_GENEVE_PORTS,
  LINKTYPE_ETHERNET,
  rawLinkType,
  type DecodeOptions,
} from './fields.ts';
import { hexDump, ipv4ToString, ipv6ToString, macBytesToString, macToString } from './format.ts';
import {
  ICMP_ECHO,
  ICMP_ECHO_REPLY,
  ICMP_MASKREPLY,
  ICMP_PARAMPROB,
  ICMP_REDIRECT,
  ICMP_ROUTERADVERT,
  ICMP_TIME_EXCEEDED,
  ICMP_TSTAMP,
  ICMP_TSTAMP_REPLY,
  ICMP_UNREACH,
  icmpTypeName,
} from './icmp.ts';
import {
  ICMPV6_ECHO_REPLY,
  ICMPV6_ECHO_REQUEST,
  ICMPV6_MLD_DONE,
  ICMPV6_MLD_QUERY,
  ICMPV6_MLD_REPORT,
  ICMPV6_MLD_REPORT_V2,
  ICMPV6_ND_TARGET,
  ICMPV6_NEIGHBOR_ADVERT,
  ICMPV6_NEIGHBOR_SOLICIT,
  ICMPV6_PACKET_TOO_BIG,
  ICMPV6_PARAM_PROBLEM,
  ICMPV6_TIME_EXCEEDED,
  ICMPV6_UNREACH,
  icmpv6TypeName,
  MLD_LEN,
  MLD_OFFSETS,
  MLDV2_QUERY_LEN,
} from './icmpv6.ts';
import { igmpSummary, IPPROTO_IGMP } from './igmp.ts';
import {
  ahLength,
  ahText,
  espText,
  IPPROTO_AH,
  IPPROTO_ESP,
  IPPROTO_GRE,
  IPPROTO_OSPF,
  IPPROTO_PIM,
  IPPROTO_SCTP,
  IPPROTO_VRRP,
  isStpLlc,
  LLC_UI_LEN,
  ospfText,
  pimText,
  sctpChunks,
  stpText,
  vrrpText,
} from './ipProtocols.ts';
import {
  ipProtoName,
  IPPROTO_ICMP,
  IPPROTO_IPIP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV4_MIN_HEADER_LEN,
} from './ipv4.ts';
import {
  decodeIpv6,
  IP6_AH,
  IP6_DSTOPTS,
  IP6_FRAGMENT,
  IP6_HOPOPTS,
  IP6_NONE,
  IP6_ROUTING,
  IPV6_HEADER_LEN,
  newIpv6Header,
} from './ipv6.ts';
import { SLL_PACKET_TYPES } from './linuxSll.ts';
import { PPP_CHAP, PPP_PAP, pppAuthText } from './pppAuth.ts';
import { isTftp, tftpSummary } from './tftp.ts';
import { llcText, SNAP_PAYLOAD, snapEtherHead, snapEtherType } from './llc.ts';
import { isRip, ripSummary } from './rip.ts';
import { TIMED_PORT, timedSummary } from './timed.ts';
import { newStep, NO_LIMIT, u16, u32 } from './result.ts';
import {
  decodeTcp,
  newTcpHeader,
  tcpFlagsString,
  TCP_ACK,
  TCP_FIN,
  TCP_MIN_HEADER_LEN,
  TCP_OPTIONS,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  type TcpHeader,
} from './tcp.ts';
import { VXLAN_FLAG_I, VXLAN_HEADER_LEN } from './vxlan.ts';
import { GENEVE_HEADER_LEN, GENEVE_OFFSETS } from './geneve.ts';

// tcpdump's wording for ICMP types and codes (print-icmp.c), for the summaries.
const ICMP_NAMES: Record<number, string> = {
  4: 'source quench',
  10: 'router solicitation',
  15: 'information request',
  16: 'information reply',
  17: 'address mask request',
};
/** Destination unreachable codes other than protocol (2), port (3) and need-to-frag (4); %s: the address. */
const UNREACH_TEXT: Record<number, string> = {
  0: 'net %s unreachable',
  1: 'host %s unreachable',
  5: '%s unreachable - source route failed',
  6: 'net %s unreachable - unknown',
  7: 'host %s unreachable - unknown',
  8: '%s unreachable - source host isolated',
  9: 'net %s unreachable - admin prohibited',
  10: 'host %s unreachable - admin prohibited',
  11: 'net %s unreachable - tos prohibited',
  12: 'host %s unreachable - tos prohibited',
  13: 'host %s unreachable - admin prohibited filter',
  14: 'host %s unreachable - host precedence violation',
  15: 'host %s unreachable - precedence cutoff',
};

// tcpdump's words for ICMPv6 (print-icmp6.c): the types icmpv6TypeName leaves as "type N", the unreachable
// codes (code 1's name starts with a space there: "destination unreachable,  unreachable prohibited fd98:2::2"),
// the parameter problem codes.
const ICMPV6_REDIRECT = 137;
const ICMP6_NAMES: Record<number, string> = {
  [ICMPV6_PARAM_PROBLEM]: 'parameter problem',
  [ICMPV6_REDIRECT]: 'redirect',
};
const ICMPV6_UNREACH_SCOPE = 2;
const ICMPV6_UNREACH_PORT = 4;
const UNREACH6_TEXT = [
  'unreachable route',
  ' unreachable prohibited',
  'beyond scope',
  'unreachable address',
  'unreachable port',
];
const PARAM_PROBLEM6_TEXT = ['erroneous', 'next header', 'option', 'incomplete header chain'];

/** An ICMP timestamp (ms since midnight UTC) as hh:mm:ss.mmm. */
function msOfDay(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hms = `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
  return `${hms}.${String(ms % 1000).padStart(3, '0')}`;
}

/** Scratch for the IPv6 packet an ICMPv6 error quotes (quotedPort6). */
const QUOTE_IP6 = newIpv6Header();
const QUOTE_STEP = newStep();

function two(v: number): string {
  return String(v).padStart(2, '0');
}

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

export interface SummaryOptions extends Partial<DecodeOptions> {
  /** Print link-level headers as tcpdump -e does. */
  link?: boolean;
  /** The frame's length on the wire (the record's origLen); defaults to the captured length. */
  origLen?: number;
  /**
   * The capturing node's interface names by ifindex (its discovery): a `tcpdump -i any` (Linux cooked v2) packet
   * then says the interface it was seen on by name, as tcpdump on that node does; an index not in it is `?`.
   */
  ifNames?: Readonly<Record<number, string>>;
}

// GRE (RFC 2784, RFC 2890; version 1: RFC 2637 §4.1) flags and version, and the PPP it carries in version 1.
const GRE_VERSION = 0x0007;
const GRE_KEY = 0x2000;
const GRE_SEQ = 0x1000;
const GRE_ACK = 0x0080;
const ETHERTYPE_PPP = 0x880b;
const PPP_ADDRESS_CONTROL = 0xff03;
const PPP_IP = 0x21;
const PPP_IPV6 = 0x57;
const PPP_COMP = 0xfd;
/** PPP's control protocols that print-ppp.c's handle_ctrl_proto prints (RFC 1661 §5, 1332, 5072, 1962). */
const PPP_CONTROL_PROTOCOLS: Record<number, string> = {
  0xc021: 'LCP',
  0x8021: 'IPCP',
  0x8057: 'IP6CP',
  0x80fd: 'CCP',
};
const PPP_CODES = [
  '',
  'Conf-Request',
  'Conf-Ack',
  'Conf-Nack',
  'Conf-Reject',
  'Term-Request',
  'Term-Ack',
  'Code-Reject',
  'Prot-Reject',
  'Echo-Request',
  'Echo-Reply',
  'Disc-Req',
  'Ident',
  'Time-Rem',
  'Reset-Req',
  'Reset-Ack',
];

// ARP's operations beyond request and reply (RFC 903 RARP, RFC 2390 InARP, RFC 2225's NAK) and print-arp.c's names
// for the hardware types.
const RARP_REQUEST = 3;
const RARP_REPLY = 4;
const INARP_REQUEST = 8;
const INARP_REPLY = 9;
const ARP_NAK = 10;
const ETHERTYPE_TRAIL = 0x1000;
const ARP_HARDWARE: Record<number, string> = {
  1: 'Ethernet',
  6: 'TokenRing',
  7: 'ArcNet',
  15: 'FrameRelay',
  19: 'ATM (RFC 2225)',
  23: 'Strip',
  24: 'IEEE 1394',
  32: 'InfiniBand',
};

/** tcpdump's name for the UDP port that flannel's VXLAN uses (8472 is OTV's IANA port). */
const OTV_PORT = 8472;
const TCPDUMP_NAMES: Record<string, string> = {
  ipv4: 'ip',
  ipv6: 'ip6',
  ethernet: 'ether',
  icmpv6: 'icmp6',
};
/**
 * print-tcp.c's (4.99) order of the ports it gives a segment's data to a printer for: telnet, SMTP, whois, BGP, PPTP,
 * Redis, SSH, BEEP, OpenFlow (old and IANA), FTP, HTTP (and 8080), RTSP (and 8554), DNS. The first one either port
 * of a segment is picks the printer, so a segment between SMTP's port and HTTP's is SMTP to tcpdump.
 */
const TCP_PORT_ORDER = [
  23,
  25,
  43,
  BGP_PORT,
  1723,
  6379,
  22,
  10288,
  6633,
  6653,
  21,
  80,
  8080,
  554,
  8554,
  DNS_PORT,
];
/** The text protocols of that list whose first line util-print.c's txtproto_print shows. */
const TEXT_PROTOCOLS: Record<number, string> = {
  25: 'SMTP',
  43: 'WHOIS',
  21: 'FTP',
  80: 'HTTP',
  8080: 'HTTP',
};
const IPPROTO_DCCP = 33;
const ESP_HEADER_LEN = 8;
/** The IP protocols whose tcpdump printers say the addresses themselves (with their ports). */
const SELF_ADDRESSED = new Set([IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_DCCP]);

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

export function summarize(frame: Uint8Array, linkType: number, opts: SummaryOptions = {}): string {
  const o: DecodeOptions = {
    vxlanPorts: opts.vxlanPorts ?? DEFAULT_DECODE_OPTIONS.vxlanPorts,
    genevePorts: opts.genevePorts ?? DEFAULT_GENEVE_PORTS,
  };
  const chain = walk(frame, linkType, o);
  const wireLen = opts.origLen ?? frame.length;
  const p = new Printer(frame, chain, wireLen, opts.link === true);
  p.ifNames = opts.ifNames;
  return p.print();
}

class Printer {
  private i = 0;
  /** Where the header that encloses this chain's first one ends, when not at the frame's wire length (SNAP). */
  enclosingEnd = -1;
  /** SummaryOptions.ifNames (only the outermost header, a cooked capture's, uses it). */
  ifNames: Readonly<Record<number, string>> | undefined;
  /** The TTL (hop limit) of the IP header being printed, and whether it is a whole packet (no fragment). */
  private ttl = 0;
  private whole = true;
  constructor(
    private readonly b: Uint8Array,
    private readonly chain: Chain,
    /** The wire length of the frame; lengths deeper in are derived from it as tcpdump does. */
    private readonly wireLen: number,
    private readonly link: boolean,
    /** Where the network header starts when the chain holds no node before it (GRE's payload). */
    private readonly start = 0,
  ) {}

  private next(): ChainNode | undefined {
    return this.chain.nodes[this.i++];
  }
  private peek(): ChainNode | undefined {
    return this.chain.nodes[this.i];
  }

  print(): string {
    const n = this.peek();
    const lt = this.chain.linkType;
    const raw = rawLinkType(lt);
    if (!n && !raw) return this.tail(this.chain.unsupported ? `[${this.chain.unsupported}]` : '');
    if (n?.kind === 'ethernet') return this.ether();
    if (n?.kind === 'sll') {
      this.next();
      const h = n.h;
      const dir = SLL_PACKET_TYPES[h.packetType] ?? '?';
      // SLL2 names the interface. tcpdump resolves the index on the reading machine, which means nothing for a
      // capture from a node: the node's own names (ifNames) say it as tcpdump there did, and an index they do not
      // have is '?', as tcpdump says one it cannot resolve. Both are padded as tcpdump pads them ("%-5s %-3s ";
      // SLL's direction with -e "%3s ").
      const names = this.ifNames;
      const ifName = names && Object.hasOwn(names, h.ifIndex) ? names[h.ifIndex] : '?';
      const ifPart = h.version === 2 ? `${ifName.padEnd(5)} ${dir.padEnd(3)} ` : '';
      if (!this.link) return `${ifPart}${this.network(false, h.protocol)}`;
      const idx = h.version === 2 ? `ifindex ${h.ifIndex} ` : `${dir.padStart(3)} `;
      const addr = h.addr >= 0 ? `${macToString(h.addr)} ` : '';
      const et = `ethertype ${etherTypeName(h.protocol)} (0x${hex4(h.protocol)})`;
      return `${ifPart}${idx}${addr}${et}, length ${this.wireLen}: ${this.network(true, h.protocol)}`;
    }
    // Raw IP, its version saying which (cut inside its header too: "IP  [|ip]", " [|ip6]" as tcpdump prints it).
    const et = this.b.length > 0 && this.b[0] >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
    return this.link ? `ip: ${this.network(true, et)}` : this.network(false, et);
  }

  private ether(): string {
    const e = this.next() as Extract<ChainNode, { kind: 'ethernet' }>;
    const h = e.h;
    if (h.etherType < ETHERTYPE_MIN && h.vlanCount === 0) {
      const t = this.llc(e);
      if (t !== null) return t;
    }
    // Inner frames (VXLAN) are as long as what is left of the outer one.
    const len = this.wireLen - e.at;
    // A type tcpdump does not know: print-ether.c says the link header even without -e, then dumps the rest in
    // hex and ASCII.
    const type = `ethertype ${etherTypeName(h.etherType)} (0x${hex4(h.etherType)})`;
    if (
      e.at === 0 &&
      h.etherType >= ETHERTYPE_MIN &&
      h.vlanCount === 0 &&
      !this.peek() &&
      !this.chain.problem &&
      type.startsWith('ethertype Unknown')
    ) {
      const at = e.at + e.len;
      const macs = `${macToString(h.src)} > ${macToString(h.dst)}`;
      return `${macs}, ${type}, length ${len}: ${hexDump(this.b, at, this.b.length - at, true)}`;
    }
    if (!this.link) return this.network(false, h.etherType);
    let s = `${macToString(h.src)} > ${macToString(h.dst)}, `;
    // Each tag as tcpdump -e says it: its TPID (802.1Q, or 802.1Q-QinQ outside), then vlan and priority; the
    // frame's length only after the first type, as tcpdump.
    for (let i = 0; i < h.vlanCount; i++) {
      const tpid = u16(this.b, e.at + 12 + 4 * i);
      const tci = u16(this.b, e.at + 14 + 4 * i);
      s += `ethertype ${etherTypeName(tpid)} (0x${hex4(tpid)}), ${i === 0 ? `length ${len}: ` : ''}`;
      s += `vlan ${tci & 0xfff}, p ${tci >> 13}, `;
    }
    s += `ethertype ${etherTypeName(h.etherType)} (0x${hex4(h.etherType)}), `;
    if (h.vlanCount === 0) s += `length ${len}: `;
    return s + this.network(true, h.etherType);
  }

  /**
   * An 802.3 frame (a length, not a type) with an LLC header: STP BPDUs (DSAP and SSAP 0x42, UI), printed as
   * tcpdump does; with -e after "802.3, length N: LLC, dsap STP (0x42) Individual, …" where N is the length
   * field, or what the frame has after its header when that is less. Null for other LLC frames (the caller's
   * plain line).
   */
  private llc(e: Extract<ChainNode, { kind: 'ethernet' }>): string | null {
    const b = this.b;
    const at = e.at + e.len;
    // print-ether.c reads no further than the length field says (and prints the frame's own length if shorter).
    const len = Math.min(e.h.etherType, this.wireLen - at);
    const cap = Math.min(b.length, at + len);
    const macs = `${macToString(e.h.src)} > ${macToString(e.h.dst)}`;
    // An LLC header the frame, its length field or the snaplen cut: tcpdump says so and dumps what it has in hex
    // and ASCII.
    if (at + LLC_UI_LEN > cap) {
      const dump = hexDump(b, at, cap - at, true);
      return this.link ? `${macs}, 802.3, length ${len}:  [|llc]${dump}` : ` [|llc]${dump}`;
    }
    // SNAP carrying IPv4, IPv6 or ARP (RFC 1042): the network header as after an Ethernet type, bounded by the
    // length field.
    const et = snapEtherType(b, at, cap);
    if (et === ETHERTYPE_IPV4 || et === ETHERTYPE_IPV6 || et === ETHERTYPE_ARP) {
      const p = at + SNAP_PAYLOAD;
      const inner = walkFrom(b, p, at + len, et);
      const head = this.link ? `${macs}, 802.3, length ${len}: ${snapEtherHead(b, at, len)}` : '';
      const pr = new Printer(b, inner, this.wireLen, this.link, p);
      pr.enclosingEnd = at + len;
      return head + pr.network(this.link, et);
    }
    if (!isStpLlc(b, at)) {
      const t = llcText(b, at, len, cap, macs, this.link);
      return t !== null && this.link ? `${macs}, 802.3, length ${len}: ${t}` : t;
    }
    const stp = stpText(b, at + 3, len - 3);
    if (stp === null || !this.link) return stp;
    const dsap = `dsap STP (0x42) ${b[at] & 1 ? 'Group' : 'Individual'}`;
    const ssap = `ssap STP (0x42) ${b[at + 1] & 1 ? 'Response' : 'Command'}`;
    return `${macs}, 802.3, length ${len}: LLC, ${dsap}, ${ssap}, ctrl 0x03: ${stp}`;
  }

  /** What follows the link layer; `bare` drops tcpdump's "IP " / "ARP, " protocol prefix (as -e does). */
  private network(bare: boolean, etherType: number): string {
    const n = this.next();
    if (!n) {
      const p = this.chain.problem;
      if (p) {
        // An IPv6 header cut in its extension headers: the walk gave up at the one cut, after the fixed header.
        const prev = this.chain.nodes[this.i - 2];
        const at = prev ? prev.at + prev.len : this.start;
        const v6 = p.kind === 'truncated' && p.layer === 'ipv6' && p.offset > at ? this.ipv6Cut(at) : null;
        if (v6 !== null) return (bare ? '' : 'IP6 ') + v6;
        if (p.layer === 'ipv4' && p.kind === 'truncated' && this.b.length - p.offset >= IPV4_MIN_HEADER_LEN)
          return (bare ? '' : 'IP ') + this.ipv4OptionsCut(p.offset, p.needed);
        // An IPv4 header inside another (IPIP, VXLAN, SNAP) whose total length runs past the enclosing one: the walk
        // stopped there, tcpdump reads on ("truncated-ip - N bytes missing! …"), as far as the capture goes.
        if (p.layer === 'ipv4' && p.kind === 'malformed' && p.reason.includes('exceeds the enclosing')) {
          const limit = prev ? prev.end : this.enclosingEnd >= 0 ? this.enclosingEnd : this.wireLen;
          const inner = walkFrom(this.b, p.offset, NO_LIMIT, ETHERTYPE_IPV4);
          return new Printer(this.b, inner, limit, this.link, p.offset).network(bare, ETHERTYPE_IPV4);
        }
        // tcpdump names IPv4 when some of its header was captured, and neither IPv6 (its printer checks the 40
        // bytes of the fixed header before it says "IP6") nor ARP.
        const some = p.offset < this.b.length;
        return this.tail(bare || !some || etherType !== ETHERTYPE_IPV4 ? '' : 'IP ');
      }
      return `ethertype ${etherTypeName(etherType)} (0x${hex4(etherType & 0xffff)})`;
    }
    if (n.kind === 'arp') return (bare ? '' : 'ARP, ') + this.arp(n);
    if (n.kind === 'ipv4') return (bare ? '' : 'IP ') + this.ipv4(n);
    if (n.kind === 'ipv6') return (bare ? '' : 'IP6 ') + this.ipv6(n);
    return '';
  }

  /**
   * An IPv4 header at `at` of `hlen` bytes cut in its options (its fixed 20 bytes captured), as print-ip.c
   * prints it: the addresses unless TCP, UDP, SCTP or DCCP print them with their ports, then what it says of the
   * cut, "10.0.0.1 > 10.0.0.2:  [remaining caplen(20) < header length(24)] [|ip]"; a later fragment is printed
   * whole, as it would be ("10.0.0.1 > 10.0.0.2: ip-proto-17").
   */
  private ipv4OptionsCut(at: number, hlen: number): string {
    const b = this.b;
    const proto = b[at + 9];
    const ends = `${ipv4ToString(u32(b, at + 12))} > ${ipv4ToString(u32(b, at + 16))}:`;
    if (u16(b, at + 6) & 0x1fff) return `${ends} ip-proto-${proto}`;
    const addrs = SELF_ADDRESSED.has(proto) ? '' : `${ends} `;
    return this.tail(`${addrs} [remaining caplen(${b.length - at}) < header length(${hlen})]`);
  }

  /**
   * tcpdump's mark for a packet the snaplen cut, with its protocol names: `s` is what tcpdump printed before
   * it, and the mark is " [|proto]" with its own space ("IP  [|ip]", "a > b:  [|udp]").
   */
  private tail(s: string): string {
    const p = this.chain.problem;
    if (!p) return s;
    return `${s} [|${TCPDUMP_NAMES[p.layer] ?? p.layer}]`;
  }

  /**
   * An ARP packet as print-arp.c prints it: "Request who-has 10.0.0.2 (02:…) tell 10.0.0.1", "Reply 10.0.0.1 is-at
   * 02:…", RARP's and InARP's "Reverse Request who-is 02:… tell 02:…", "Inverse Reply 02:… at 10.0.0.1", then
   * ", length N"; for a protocol other than IPv4 (or an address length tcpdump cannot read), the types and lengths,
   * "Ethernet (len 6), IPv6 (len 16), length 52". An operation it does not know: its number (or
   * "NACK Reply"), then the message in hex and ASCII as tcpdump dumps it.
   */
  private arp(n: Extract<ChainNode, { kind: 'arp' }>): string {
    const b = this.b;
    const h = n.h;
    const len = this.wireLen - n.at;
    const sha = n.at + ARP_OFFSETS.SHA;
    const spa = sha + h.hlen;
    const tha = spa + h.plen;
    const tpa = tha + h.hlen;
    if ((h.ptype !== ETHERTYPE_IPV4 && h.ptype !== ETHERTYPE_TRAIL) || h.plen !== 4 || h.hlen === 0) {
      const hw = ARP_HARDWARE[h.htype] ?? `Unknown Hardware (${h.htype})`;
      const et = etherTypeName(h.ptype);
      const pro = et === 'Unknown' ? `Unknown Protocol (0x${hex4(h.ptype)})` : et;
      return `${hw} (len ${h.hlen}), ${pro} (len ${h.plen}), length ${len}`;
    }
    const link = (o: number) => macBytesToString(b, o, h.hlen);
    const ip = (o: number) => ipv4ToString(u32(b, o));
    let s: string;
    switch (h.op) {
      case ARP_REQUEST: {
        const known = b.subarray(tha, tha + h.hlen).some((x) => x !== 0);
        s = `Request who-has ${ip(tpa)}${known ? ` (${link(tha)})` : ''} tell ${ip(spa)}`;
        break;
      }
      case ARP_REPLY:
        s = `Reply ${ip(spa)} is-at ${link(sha)}`;
        break;
      case RARP_REQUEST:
      case INARP_REQUEST:
        s = `${h.op === RARP_REQUEST ? 'Reverse' : 'Inverse'} Request who-is ${link(tha)} tell ${link(sha)}`;
        break;
      case RARP_REPLY:
        s = `Reverse Reply ${link(tha)} at ${ip(tpa)}`;
        break;
      case INARP_REPLY:
        s = `Inverse Reply ${link(sha)} at ${ip(spa)}`;
        break;
      default:
        // print-arp.c names it and dumps the ARP message in hex and ASCII.
        return `${h.op === ARP_NAK ? 'NACK Reply' : `Unknown (${h.op})`} ${hexDump(b, n.at, len, true)}`;
    }
    return `${s}, length ${len}`;
  }

  private ipv4(n: Extract<ChainNode, { kind: 'ipv4' }>): string {
    const h = n.h;
    const src = ipv4ToString(h.src);
    const dst = ipv4ToString(h.dst);
    const missing = h.totalLen - this.linkLength(n);
    // print-ip.c says so before anything else when the header claims more than the link layer gave it.
    const cut = missing > 0 ? `truncated-ip - ${missing} bytes missing! ` : '';
    if (h.fragOffset > 0) return `${cut}${src} > ${dst}: ip-proto-${h.proto}`;
    this.ttl = h.ttl;
    this.whole = !h.moreFragments;
    return cut + this.transport(src, dst, n.end - n.at - h.headerLen, h.proto);
  }

  /**
   * The length the layer below gave the network header `n` (tcpdump's `length` for its printer): the frame's
   * wire length after the outer link header, or what the enclosing header (IPIP's outer packet, VXLAN's inner
   * frame) leaves.
   */
  private linkLength(n: ChainNode): number {
    const k = this.chain.nodes.indexOf(n);
    const prev = k > 0 ? this.chain.nodes[k - 1] : undefined;
    const outer = !prev || prev.kind === 'sll' || (prev.kind === 'ethernet' && !prev.inner);
    return (outer ? this.wireLen : prev.end) - n.at;
  }

  private ipv6(n: Extract<ChainNode, { kind: 'ipv6' }>): string {
    const h = n.h;
    const src = ipv6ToString(this.b, h.srcOffset);
    const dst = ipv6ToString(this.b, h.dstOffset);
    const { text: ext, stop } = this.ipv6Extensions(n.at, n.end, h.extCount);
    if (h.fragOffset > 0 || stop) return `${src} > ${dst}: ${ext}`;
    this.ttl = h.hopLimit;
    this.whole = !h.hasFragment;
    return this.transport(src, dst, n.end - n.at - n.len, h.proto, ext);
  }

  /**
   * An IPv6 header at `at` whose extension headers the snaplen cut (decodeIpv6 gave up in one): tcpdump prints
   * the addresses and the headers up to the cut, "fd00::1 > fd00::2: HBH [|dstopt]"; null when the fixed
   * header itself was cut.
   */
  private ipv6Cut(at: number): string | null {
    const b = this.b;
    if (at + IPV6_HEADER_LEN > b.length || b[at] >> 4 !== 6) return null;
    const payloadLen = u16(b, at + 4);
    const end = payloadLen ? at + IPV6_HEADER_LEN + payloadLen : b.length;
    // The walk ends at the header the capture ends in (or at a fragment header): no count is needed.
    const { text } = this.ipv6Extensions(at, end, Infinity);
    return `${ipv6ToString(b, at + 8)} > ${ipv6ToString(b, at + 24)}: ${text}`;
  }

  /**
   * tcpdump's words for the (at most `count`) extension headers of the IPv6 header at `at` (its payload ends at
   * `end`), each followed by a space: "HBH ", "DSTOPT ", "RT6 (len=2, type=2, segleft=1, [0]2001:db8::c) ",
   * "AH(spi=0x00000401,seq=0x2,icv=0xa0…): ", "frag (OFFSET|LENGTH) " (the bytes after the fragment header).
   * These end the packet's line (`stop`): a routing header tcpdump cannot read; a fragment header with nothing
   * captured after it; a header the capture ends in, with what tcpdump prints of it and its "[|…]" mark
   * ("[|hbhopt]", "[|dstopt]", "RT6 (len=4 [|rt6]", "AH(spi=0x00000401, [|ah]", "[|frag6]" before the fragment
   * offset, nothing after it; "[|ip6]" for a routing header of which nothing was captured); a hop-by-hop header
   * after another one, which print-ip6.c calls invalid. A fragment other than the first ends it too (the caller
   * knows).
   */
  private ipv6Extensions(at: number, end: number, count: number): { text: string; stop: boolean } {
    const b = this.b;
    let s = '';
    let nh = b[at + 6];
    let p = at + IPV6_HEADER_LEN;
    const cut = (text: string) => ({ text: s + text, stop: true });
    for (let i = 0; i < count; i++) {
      const have = b.length - p;
      let len: number;
      if (nh === IP6_HOPOPTS && i > 0)
        return cut("[The Hop-by-Hop Options header don't follow the IPv6 header] (invalid)");
      if (nh === IP6_HOPOPTS || nh === IP6_DSTOPTS) {
        len = have >= 2 ? (b[p + 1] + 1) * 8 : -1;
        if (len < 0 || len > have) return cut(nh === IP6_HOPOPTS ? ' [|hbhopt]' : ' [|dstopt]');
        s += nh === IP6_HOPOPTS ? 'HBH ' : 'DSTOPT ';
      } else if (nh === IP6_ROUTING) {
        if (have <= 0) return cut(' [|ip6]');
        const rt = rt6Text(b, p);
        s += rt;
        if (!rt.endsWith(') ')) return { text: s, stop: true };
        len = (b[p + 1] + 1) * 8;
      } else if (nh === IP6_AH) {
        len = have >= 2 ? (b[p + 1] + 2) * 4 : -1;
        const ah = ahText(b, p, len);
        if (len < 0 || len > have) return cut(`${ah} [|ah]`);
        s += `${ah}: `;
      } else if (nh === IP6_FRAGMENT) {
        len = 8;
        if (have < 4) return cut(' [|frag6]');
        const offset = u16(b, p + 2) & 0xfff8;
        s += `frag (${offset}|${IPV6_HEADER_LEN + u16(b, at + 4) - (p - at) - len})`;
        // A later fragment ends the line; after the first one tcpdump goes on after a space (its line ends in
        // that space when nothing more was captured).
        if (offset > 0) break;
        s += ' ';
        if (p + len >= Math.min(b.length, end)) return { text: s, stop: true };
      } else break;
      nh = b[p];
      p += len;
    }
    return { text: s, stop: false };
  }

  /** The L4 part after an IP header; `ipPayload` is the IP payload length per the header. */
  private transport(src: string, dst: string, ipPayload: number, proto: number, prefix = ''): string {
    if (proto === IP6_NONE && src.includes(':')) return `${src} > ${dst}: ${prefix}no next header`;
    let n = this.peek();
    if (n?.kind === 'sctp') {
      // tcpdump's SCTP printer reads the common header and the chunks after it itself (ipPayload), from the
      // header's start: the line is the payload's, as when the walk left SCTP as data.
      this.next();
      n = { kind: 'data', at: n.at, len: n.len, end: n.end };
    }
    if (!n || n.kind === 'data') {
      if (this.chain.problem && proto !== undefined && n === undefined) {
        const p = this.chain.problem;
        // With the port fields captured, tcpdump prints them before giving up.
        if ((p.layer === 'udp' || p.layer === 'tcp') && p.offset + 4 <= this.b.length) {
          const sp = u16(this.b, p.offset);
          const dp = u16(this.b, p.offset + 2);
          // After IPv6 extension headers (or AH) the ports stand on their own, as in a whole packet's line.
          const ends = prefix ? `${src} > ${dst}: ${prefix}${sp} > ${dp}: ` : `${src}.${sp} > ${dst}.${dp}: `;
          const cut = p.layer === 'tcp' ? this.tcpCutInOptions(p.offset, ipPayload) : null;
          return cut !== null ? ends + cut : this.tail(ends);
        }
        // SCTP's printer says the addresses itself, with its ports: short of its common header, nothing.
        if (p.layer === 'sctp' && !prefix) return this.tail('');
        // Short of the ports, tcpdump's TCP printer says the addresses itself, with a colon and no space (after
        // IPv6 extension headers, or AH, again).
        if (p.layer === 'tcp') {
          const ends = `${src} > ${dst}:`;
          return this.tail(prefix ? `${ends} ${prefix}${ends}` : ends);
        }
        // An ICMP header the capture (or the IP payload) ends in: tcpdump prints the line when the bytes its text
        // needs were captured (a source quench's type and code), else its mark.
        if (p.layer === 'icmp' && p.offset < this.b.length)
          return `${src} > ${dst}: ${prefix}${this.icmp(p.offset, ipPayload)}`;
        // An ICMPv6 header the capture (or the IPv6 payload) ends in, its type captured: tcpdump names it and what
        // it has of it.
        if (p.layer === 'icmpv6' && p.offset < this.b.length)
          return `${src} > ${dst}: ${prefix}${this.icmpv6(p.offset, ipPayload)}`;
        // IP-in-IP whose inner header claims more than the outer packet holds: tcpdump reads on.
        if (proto === IPPROTO_IPIP && p.kind === 'malformed' && p.reason.includes('exceeds the enclosing')) {
          const inner = walkFrom(this.b, p.offset, NO_LIMIT, ETHERTYPE_IPV4);
          const pr = new Printer(this.b, inner, p.offset + ipPayload, this.link, p.offset);
          return `${src} > ${dst}: ${prefix}${pr.network(this.link, ETHERTYPE_IPV4)}`;
        }
        // IP-in-IP cut inside the inner header: tcpdump names it when some of it was captured.
        const inner = proto === IPPROTO_IPIP && !this.link && p.offset < this.b.length ? 'IP ' : '';
        return this.tail(`${src} > ${dst}: ${prefix}${inner}`);
      }
      if (proto === IPPROTO_IGMP && n)
        return `${src} > ${dst}: ${prefix}${igmpSummary(this.b, n.at, ipPayload)}`;
      // Protocols named here only, when their whole payload was captured.
      // (AH and GRE: whatever was captured of them and of what they carry, as tcpdump; ESP: its header; SCTP: its
      // chunks captured whole; VRRP, PIM and OSPF: the fields captured, then their mark.)
      const t =
        n &&
        (n.end <= this.b.length ||
          proto === IPPROTO_AH ||
          proto === IPPROTO_GRE ||
          proto === IPPROTO_ESP ||
          proto === IPPROTO_SCTP ||
          proto === IPPROTO_VRRP ||
          proto === IPPROTO_PIM ||
          proto === IPPROTO_OSPF)
          ? this.ipPayload(src, dst, proto, n.at, ipPayload, prefix)
          : null;
      if (t !== null) return t;
      // tcpdump's " ip-proto-N LEN" comes after the "a > b: " it printed before it: two spaces.
      const what = proto === IPPROTO_TCP || proto === IPPROTO_UDP ? ipProtoName(proto) : ` ip-proto-${proto}`;
      return `${src} > ${dst}: ${prefix}${what} ${ipPayload}`;
    }
    if (n.kind === 'ipv4') {
      // IP-in-IP: tcpdump prints the inner packet after the outer addresses ("IP" omitted with -e).
      this.next();
      return `${src} > ${dst}: ${prefix}${this.link ? '' : 'IP '}${this.ipv4(n)}`;
    }
    if (n.kind === 'icmp') {
      this.next();
      return `${src} > ${dst}: ${prefix}${this.icmp(n.at, ipPayload)}`;
    }
    if (n.kind === 'icmpv6') {
      this.next();
      return `${src} > ${dst}: ${prefix}${this.icmpv6(n.at, ipPayload)}`;
    }
    if (n.kind === 'udp' || n.kind === 'tcp') {
      this.next();
      const h = n.h;
      // After an IPv6 extension header tcpdump prints the ports on their own: "a > b: HBH 41591 > 9999: UDP".
      const ends = prefix
        ? `${src} > ${dst}: ${prefix}${h.srcPort} > ${h.dstPort}`
        : `${src}.${h.srcPort} > ${dst}.${h.dstPort}`;
      return `${ends}: ${n.kind === 'udp' ? this.udp(n, ipPayload) : this.tcp(n, ipPayload)}`;
    }
    return `${src} > ${dst}: ${prefix}ip-proto-${proto}`;
  }

  /**
   * The line for an IP payload that the walk leaves as data (GRE, ESP, AH, SCTP, PIM, OSPF, VRRP), as tcpdump
   * prints it; null for what we do not print exactly (the caller says ip-proto-N).
   */
  private ipPayload(src: string, dst: string, proto: number, at: number, len: number, prefix: string) {
    const b = this.b;
    const ends = `${src} > ${dst}: ${prefix}`;
    const v4 = !src.includes(':');
    let t: string | null = null;
    if (proto === IPPROTO_GRE) return this.whole ? this.gre(ends, at, len) : null;
    if (proto === IPPROTO_AH) return this.whole && v4 && !prefix ? this.ah(src, dst, at, len) : null;
    // ESP: its 8-byte header, or tcpdump's mark alone when no byte after it is there (print-esp.c checks for
    // more than the header); what it carries is encrypted.
    if (proto === IPPROTO_ESP)
      t = at + ESP_HEADER_LEN >= Math.min(b.length, at + len) ? ' [|esp]' : espText(b, at, len);
    else if (proto === IPPROTO_VRRP) t = vrrpText(b, at, len, this.ttl);
    else if (proto === IPPROTO_PIM) t = pimText(b, at, len);
    else if (proto === IPPROTO_OSPF && v4) t = ospfText(b, at, len);
    else if (proto === IPPROTO_SCTP) {
      // After IPv6 extension headers (or in a first fragment) too: print-sctp.c says the addresses with the ports
      // itself, after what ip6_print printed ("fd00::1 > fd00::2: HBH fd00::1.1000 > fd00::2.2000: sctp …").
      const chunks = sctpChunks(b, at, len);
      if (chunks === null) return null;
      return `${prefix ? ends : ''}${src}.${u16(b, at)} > ${dst}.${u16(b, at + 2)}: sctp${chunks}`;
    }
    return t === null ? null : ends + t;
  }

  /**
   * GRE version 0 (RFC 2784/2890) carrying IPv4, IPv6 or an Ethernet frame: "GREv0, key=0x61, seq 5, length 63:
   * IP6 …" (-e adds "proto IPv6 (0x86dd)" before the length and drops the inner "IP "/"IP6 ", as for IPIP). Cut
   * by the snaplen, it reads as far as tcpdump gets: the fields it has, then " [|gre]" ("GREv0 [|gre]"), or
   * after the whole header what it carries, cut ("GREv0, length 68:  [|ip6]").
   */
  private gre(ends: string, at: number, len: number): string | null {
    const b = this.b;
    if (len < 4) return null;
    const has = (bytes: number) => at + bytes <= b.length;
    const cut = (s: string) => `${ends}${s} [|gre]`;
    if (!has(2)) return cut('');
    const flags = u16(b, at);
    if ((flags & GRE_VERSION) === 1) return this.greV1(ends, at, len);
    // Source routes, versions other than 0 and 1 and payloads other than IP and Ethernet are left to ip-proto-47.
    if ((flags & GRE_VERSION) !== 0 || flags & 0x4000) return null;
    let s = 'GREv0';
    if (!has(4)) return cut(s);
    const prot = u16(b, at + 2);
    if (prot !== ETHERTYPE_IPV4 && prot !== ETHERTYPE_IPV6 && prot !== ETHERTYPE_TEB) return null;
    let p = 4;
    if (flags & 0x8000) {
      if (!has(p + 4)) return cut(s);
      s += `, off 0x${u16(b, at + p + 2).toString(16)}`;
      p += 4;
    }
    if (flags & 0x2000) {
      if (!has(p + 4)) return cut(s);
      s += `, key=0x${u32(b, at + p).toString(16)}`;
      p += 4;
    }
    if (flags & 0x1000) {
      if (!has(p + 4)) return cut(s);
      s += `, seq ${u32(b, at + p)}`;
      p += 4;
    }
    if (p > len) return null;
    if (this.link) s += `, proto ${etherTypeName(prot)} (0x${hex4(prot)})`;
    s += `, length ${len}: `;
    const inner = walkFrom(b, at + p, at + len, prot);
    const first = inner.nodes[0];
    const pr = new Printer(b, inner, this.wireLen, this.link, at + p);
    // An IPv4 header claiming more than GRE's payload holds: tcpdump reads on (network() says how much is missing).
    const claimsMore =
      !first && prot === ETHERTYPE_IPV4 && inner.problem?.reason.includes('exceeds the enclosing');
    if (claimsMore) pr.enclosingEnd = at + len;
    else if (inner.problem?.kind === 'malformed' || (!first && !inner.problem)) return null;
    if (prot === ETHERTYPE_TEB) return ends + s + (first ? pr.ether() : pr.tail(''));
    return ends + s + pr.network(this.link, prot);
  }

  /**
   * Enhanced GRE (version 1, RFC 2637 §4.1: PPTP's data channel) as print-gre.c prints it: "GREv1, call 4660, seq 5,
   * ack 4, length 48: IP …" (the key's low half is the call id; no sequence number: ", no-payload" and the line
   * ends after the length); -e adds "proto PPP (0x880b)", and the PPP header's "IP (0x0021), length 32: ". Cut by
   * the snaplen, the fields it has, then " [|gre]", or inside the PPP header " [|ppp]". Null (ip-proto-47) for a
   * payload other than PPP carrying IPv4 or IPv6.
   */
  private greV1(ends: string, at: number, len: number): string | null {
    const b = this.b;
    const has = (bytes: number) => at + bytes <= b.length;
    const cut = (s: string) => `${ends}${s} [|gre]`;
    const flags = u16(b, at);
    let s = 'GREv1';
    if (!has(4)) return cut(s);
    const prot = u16(b, at + 2);
    let p = 4;
    const word = (label: string, value: (v: number) => number) => {
      if (p + 4 > len || !has(p + 4)) return false;
      s += `, ${label} ${value(u32(b, at + p))}`;
      p += 4;
      return true;
    };
    if (flags & GRE_KEY && !word('call', (v) => v & 0xffff)) return cut(s);
    if (flags & GRE_SEQ && !word('seq', (v) => v)) return cut(s);
    if (flags & GRE_ACK && !word('ack', (v) => v)) return cut(s);
    if (!(flags & GRE_SEQ)) s += ', no-payload';
    if (this.link) s += `, proto ${prot === ETHERTYPE_PPP ? 'PPP' : etherTypeName(prot)} (0x${hex4(prot)})`;
    s += `, length ${len}`;
    if (!(flags & GRE_SEQ)) return ends + s;
    if (prot !== ETHERTYPE_PPP) return `${ends}${s}: gre-proto-0x${prot.toString(16)}`;
    const ppp = this.ppp(at + p, len - p);
    return ppp === null ? null : `${ends}${s}: ${ppp}`;
  }

  /**
   * A PPP frame of `len` bytes at `at` (print-ppp.c's ppp_print): its address and control bytes (ff 03) when there,
   * its protocol (one byte when compressed), then the IPv4 or IPv6 packet, a control protocol's message, CHAP or
   * PAP; -e says "IP (0x0021), length 32: " first. Null for other protocols.
   */
  private ppp(at: number, len: number): string | null {
    const b = this.b;
    const cut = ' [|ppp]';
    if (len < 2) return cut;
    if (at + 2 > b.length) return cut;
    let p = at;
    if (u16(b, p) === PPP_ADDRESS_CONTROL) p += 2;
    if (at + len - p < 2 || p + 1 > b.length) return cut;
    let proto: number;
    if (b[p] % 2) proto = b[p++];
    else {
      if (p + 2 > b.length) return cut;
      proto = u16(b, p);
      p += 2;
    }
    // MPPE's encrypted (or compressed) datagrams: what PPTP mostly carries once the link is up.
    if (proto === PPP_COMP)
      return `${this.link ? `Compressed (0x00fd), length ${len}: ` : ''}compressed PPP data`;
    const control = PPP_CONTROL_PROTOCOLS[proto];
    if (control) {
      // handle_ctrl_proto without -v: the code, the id and the length (the PPP payload's plus 2), from 2 bytes.
      const head = this.link ? `${control} (0x${hex4(proto)}), length ${len}: ` : '';
      if (p + 2 > Math.min(b.length, at + len)) return `${head}${control}, [|${control}]`;
      const code = b[p];
      const what = `${PPP_CODES[code] ?? 'Unknown Opcode'} (0x${code.toString(16).padStart(2, '0')})`;
      return `${head}${control}, ${what}, id ${b[p + 1]}, length ${at + len - p + 2}`;
    }
    // CHAP and PAP: a PPTP call's authentication, read as far as the IP packet's end (print-ppp.c's snapend).
    if (proto === PPP_CHAP || proto === PPP_PAP) {
      const head = this.link
        ? `${proto === PPP_CHAP ? 'CHAP' : 'PAP'} (0x${hex4(proto)}), length ${len}: `
        : '';
      return head + pppAuthText(b, p, at + len - p, Math.min(b.length, at + len), proto);
    }
    const et = proto === PPP_IP ? ETHERTYPE_IPV4 : proto === PPP_IPV6 ? ETHERTYPE_IPV6 : -1;
    if (et < 0) return null;
    const head = this.link
      ? `${et === ETHERTYPE_IPV4 ? 'IP' : 'IP6'} (0x${hex4(proto)}), length ${len}: `
      : '';
    const inner = walkFrom(b, p, at + len, et);
    if (inner.problem?.kind === 'malformed' || (!inner.nodes[0] && !inner.problem)) return null;
    return head + new Printer(b, inner, this.wireLen, this.link, p).network(this.link, et);
  }

  /** IPv4's AH before ICMP, TCP or UDP: "AH(spi=…,seq=0x1,icv=0x…): ICMP echo request, …" (the ports alone). */
  private ah(src: string, dst: string, at: number, len: number): string | null {
    const b = this.b;
    // Cut by the snaplen inside the header: tcpdump prints its fields as far as they go.
    if (at + 12 > b.length || at + (b[at + 1] + 2) * 4 > b.length)
      return `${src} > ${dst}: ${ahText(b, at, at + 1 < b.length ? (b[at + 1] + 2) * 4 : 0)} [|ah]`;
    const n = ahLength(b, at, len);
    const nh = b[at];
    if (n < 0 || (nh !== IPPROTO_ICMP && nh !== IPPROTO_TCP && nh !== IPPROTO_UDP)) return null;
    const inner = walkFrom(b, at + n, at + len, -1, nh);
    // What it carries may be cut: the printer says so as for a plain packet.
    if (!inner.nodes[0] && !inner.problem) return null;
    return new Printer(b, inner, this.wireLen, this.link).transport(
      src,
      dst,
      len - n,
      nh,
      `${ahText(b, at, n)}: `,
    );
  }

  /**
   * An ICMP message of `len` bytes at `at`: "ICMP <text>, length N", or " [|icmp]" alone when a byte tcpdump reads
   * for its text was not captured (print-icmp.c builds the text first and prints nothing of it then).
   */
  private icmp(at: number, len: number): string {
    const text = this.icmpText(at, Math.min(this.b.length, at + len));
    return text === null ? ' [|icmp]' : `ICMP ${text}, length ${len}`;
  }

  /**
   * What tcpdump says of an ICMP message at `at` between "ICMP " and ", length": the errors with the quoted
   * packet's destination (and a need-to-frag's MTU, a redirect's gateway), timestamps with their times; null
   * when a byte it needs is not before `capEnd` (the captured end, or the IP payload's). A quote that is not
   * IPv4 gets the type's name.
   */
  private icmpText(at: number, capEnd: number): string | null {
    const b = this.b;
    const has = (bytes: number) => at + bytes <= capEnd;
    if (!has(2)) return null;
    const type = b[at];
    const code = b[at + 1];
    const id = u16(b, at + 4);
    const seq = u16(b, at + 6);
    if (type === ICMP_ECHO_REPLY || type === ICMP_ECHO)
      return has(8) ? `${icmpTypeName(type, code)}, id ${id}, seq ${seq}` : null;
    if (type === ICMP_TSTAMP) return has(8) ? `time stamp query id ${id} seq ${seq}` : null;
    if (type === ICMP_TSTAMP_REPLY) {
      if (!has(20)) return null;
      const t = (o: number) => msOfDay(u32(b, at + o));
      return `time stamp reply id ${id} seq ${seq}: org ${t(8)}, recv ${t(12)}, xmit ${t(16)}`;
    }
    if (type === ICMP_PARAMPROB) {
      if (code) return `parameter problem - code ${code}`;
      return has(5) ? `parameter problem - octet ${b[at + 4]}` : null;
    }
    if (type === ICMP_MASKREPLY) return has(12) ? `address mask is 0x${hex8(u32(b, at + 8))}` : null;
    if (type === ICMP_ROUTERADVERT) return has(8) ? this.routerAdvert(at, capEnd) : null;
    const named = ICMP_NAMES[type];
    if (named) return named;
    // The errors below name the quoted packet's destination (its IP header follows the 8-byte ICMP header).
    const q = at + 8;
    if (type !== ICMP_UNREACH && type !== ICMP_REDIRECT && type !== ICMP_TIME_EXCEEDED)
      return icmpTypeName(type, code);
    if (q + 20 > capEnd) return null;
    if (b[q] >> 4 !== 4) return icmpTypeName(type, code);
    const odst = ipv4ToString(u32(b, q + 16));
    if (type === ICMP_TIME_EXCEEDED)
      return code === 0
        ? 'time exceeded in-transit'
        : code === 1
          ? 'ip reassembly time exceeded'
          : `time exceeded-#${code}`;
    if (type === ICMP_REDIRECT) {
      const gw = ipv4ToString(u32(b, at + 4));
      const what = [
        'redirect %s to net',
        'redirect %s to host',
        'redirect-tos %s to net',
        'redirect-tos %s to host',
      ][code];
      return what ? `${what.replace('%s', odst)} ${gw}` : `redirect-#${code} ${odst} to ${gw}`;
    }
    const oproto = b[q + 9];
    if (code === 2) return `${odst} protocol ${oproto} unreachable`;
    if (code === 3) {
      const ohl = (b[q] & 15) * 4;
      if (q + ohl + 4 > capEnd) return null;
      const dport = u16(b, q + ohl + 2);
      if (oproto === IPPROTO_UDP || oproto === IPPROTO_TCP)
        return `${odst} ${oproto === IPPROTO_UDP ? 'udp' : 'tcp'} port ${dport} unreachable`;
      return `${odst} protocol ${oproto} port ${dport} unreachable`;
    }
    if (code === 4) {
      const mtu = u16(b, at + 6);
      return `${odst} unreachable - need to frag${mtu ? ` (mtu ${mtu})` : ''}`;
    }
    const unreach = UNREACH_TEXT[code];
    return unreach ? unreach.replace('%s', odst) : `${odst} unreachable - #${code}`;
  }

  /**
   * "router advertisement lifetime 30:00 1: {10.0.0.1 0}" (lifetime as h:mm:ss, addresses and preferences); null
   * when an address is not before `capEnd`.
   */
  private routerAdvert(at: number, capEnd: number): string | null {
    const b = this.b;
    const num = b[at + 4];
    const size = b[at + 5];
    const life = u16(b, at + 6);
    const lifetime =
      life < 60
        ? `${life}`
        : life < 3600
          ? `${Math.floor(life / 60)}:${two(life % 60)}`
          : `${Math.floor(life / 3600)}:${two(Math.floor((life % 3600) / 60))}:${two(life % 60)}`;
    let s = `router advertisement lifetime ${lifetime} ${num}:`;
    if (size !== 2) return `${s} [size ${size}]`;
    // Every address and preference, or (one not captured) nothing: tcpdump builds the text before it prints it.
    if (at + 8 + num * 8 > capEnd) return null;
    for (let i = 0, e = at + 8; i < num; i++, e += 8) s += ` {${ipv4ToString(u32(b, e))} ${u32(b, e + 4)}}`;
    return s;
  }

  /**
   * An ICMPv6 message of `len` bytes at `at` as print-icmp6.c prints it: "ICMP6, <type>", what the type adds,
   * ", length N". Cut by the snaplen, it reads as far as tcpdump gets, then " [|icmp6]": the type's name once the
   * type byte is captured ("ICMP6, echo request [|icmp6]"), an unreachable's code once the code byte is, each
   * field once all of it is. MLDv1, router solicitations and advertisements read whole once the code is captured
   * (tcpdump prints nothing more of them). Bytes past the IPv6 payload are not the message's.
   */
  private icmpv6(at: number, len: number): string {
    const b = this.b;
    const capEnd = Math.min(b.length, at + len);
    const has = (bytes: number) => at + bytes <= capEnd;
    const type = b[at];
    const name = `ICMP6, ${ICMP6_NAMES[type] ?? icmpv6TypeName(type)}`;
    const cut = (s: string) => `${s} [|icmp6]`;
    const whole = (s: string) => `${s}, length ${len}`;
    if (!has(2)) return cut(name);
    const code = b[at + 1];
    // An error's quoted packet: its IPv6 header follows the 8-byte ICMPv6 header (source at 8, destination 24).
    const quotedAddr = (o: number) => ipv6ToString(b, at + 8 + o);
    const quoted = has(8 + IPV6_HEADER_LEN);
    switch (type) {
      case ICMPV6_ECHO_REQUEST:
      case ICMPV6_ECHO_REPLY:
        return has(8) ? whole(`${name}, id ${u16(b, at + 4)}, seq ${u16(b, at + 6)}`) : cut(name);
      case ICMPV6_NEIGHBOR_SOLICIT:
      case ICMPV6_NEIGHBOR_ADVERT: {
        if (!has(ICMPV6_ND_TARGET + 16)) return cut(name);
        const target = ipv6ToString(b, at + ICMPV6_ND_TARGET);
        return whole(`${name}, ${type === ICMPV6_NEIGHBOR_SOLICIT ? 'who has' : 'tgt is'} ${target}`);
      }
      case ICMPV6_UNREACH: {
        const what = UNREACH6_TEXT[code];
        // Other codes (5: source address failed policy, 6: reject route, 7: source routing header error…): tcpdump
        // names the code and dumps the message in hex with no length, as much of it as was captured.
        if (what === undefined)
          return `${name}, unknown unreach code (${code})${hexDump(b, at, capEnd - at, false)}`;
        const s = `${name}, ${what}`;
        if (code === ICMPV6_UNREACH_PORT) {
          // Not a UDP or TCP port (or not captured): tcpdump gives up there.
          const where = this.quotedPort6(at + 8, capEnd);
          return where ? whole(`${s}, ${where}`) : cut(s);
        }
        if (!quoted) return cut(s);
        if (code === ICMPV6_UNREACH_SCOPE)
          return whole(`${s} ${quotedAddr(24)}, source address ${quotedAddr(8)}`);
        return whole(`${s} ${quotedAddr(24)}`);
      }
      case ICMPV6_PACKET_TOO_BIG:
        return has(8) ? whole(`${name}, mtu ${u32(b, at + 4)}`) : cut(name);
      case ICMPV6_TIME_EXCEEDED:
        if (code === 0) return quoted ? whole(`${name} for ${quotedAddr(24)}`) : cut(name);
        return whole(code === 1 ? `${name} (reassembly)` : `${name}, unknown code (${code})`);
      case ICMPV6_PARAM_PROBLEM: {
        if (!quoted) return cut(name);
        const what = PARAM_PROBLEM6_TEXT[code];
        return whole(`${name}, ${what ? `${what} - octet ${u32(b, at + 4)}` : `code-#${code}`}`);
      }
      case ICMPV6_REDIRECT:
        // The destination (at 24) first, then the target (at 8).
        return has(40)
          ? whole(`${name}, ${ipv6ToString(b, at + 24)} to ${ipv6ToString(b, at + 8)}`)
          : cut(name);
      case ICMPV6_MLD_REPORT_V2:
        if (len < 8) return whole(`${name} [invalid len ${len}]`);
        return has(8) ? whole(`${name}, ${u16(b, at + 6)} group record(s)`) : cut(name);
      // MLD as tcpdump prints it, its missing space after the type's name included.
      case ICMPV6_MLD_QUERY:
        if (len === MLD_LEN) return whole(`${name}${has(MLD_LEN) ? this.mld(at) : ''}`);
        if (len < MLDV2_QUERY_LEN) return whole(`${name} unknown-version (len ${len}) `);
        if (!has(MLD_OFFSETS.GROUP + 16)) return cut(`${name} v2`);
        if (!has(MLDV2_QUERY_LEN)) return cut(`${name} v2 [gaddr ${ipv6ToString(b, at + MLD_OFFSETS.GROUP)}`);
        return whole(`${name} v2${this.mldv2Query(at, len)}`);
      case ICMPV6_MLD_REPORT:
      case ICMPV6_MLD_DONE:
        return whole(`${name}${has(MLD_LEN) ? this.mld(at) : ''}`);
      default:
        return whole(name);
    }
  }

  /** MLDv1's body (RFC 2710 §3): "max resp delay: 10000 addr: ::". */
  private mld(at: number): string {
    return `max resp delay: ${u16(this.b, at + 4)} addr: ${ipv6ToString(this.b, at + 8)}`;
  }

  /** An MLDv2 query's (RFC 3810 §5.1): " [gaddr ff15::1, 2 source(s)]". */
  private mldv2Query(at: number, len: number): string {
    const sources = u16(this.b, at + 26);
    let s = ` [gaddr ${ipv6ToString(this.b, at + 8)}`;
    if (sources > 0)
      s += len < MLDV2_QUERY_LEN + sources * 16 ? ' [invalid number of sources]' : `, ${sources} source(s)`;
    return `${s}]`;
  }

  /**
   * "fd99::2 udp port 9999" for the IPv6 packet quoted at `q` by a port unreachable, past its extension headers
   * (decodeIpv6's walk; the quote may be cut, so no limit but `capEnd`); null when not all captured.
   */
  private quotedPort6(q: number, capEnd: number): string | null {
    const b = this.b;
    QUOTE_STEP.cap = capEnd;
    if (!decodeIpv6(b, q, NO_LIMIT, QUOTE_IP6, QUOTE_STEP)) return null;
    const nh = QUOTE_IP6.proto;
    const at = QUOTE_STEP.next;
    if ((nh !== IPPROTO_UDP && nh !== IPPROTO_TCP) || at + 4 > capEnd) return null;
    return `${ipv6ToString(b, QUOTE_IP6.dstOffset)} ${nh === IPPROTO_UDP ? 'udp' : 'tcp'} port ${u16(b, at + 2)}`;
  }

  private udp(n: Extract<ChainNode, { kind: 'udp' }>, ipPayload: number): string {
    const h = n.h;
    const next = this.peek();
    const otv = h.dstPort === OTV_PORT || h.srcPort === OTV_PORT;
    if (next?.kind === 'vxlan') {
      this.next();
      const head = vxlanText(this.b, next.at, VXLAN_HEADER_LEN, otv);
      const inner = this.peek();
      return inner?.kind === 'ethernet' ? `${head} ${this.ether()}` : this.tail(`${head} `);
    }
    const p = this.chain.problem;
    if (!next && p?.layer === 'vxlan' && p.kind === 'truncated') {
      // The header cut: what tcpdump prints of it (its last field ends its line: a space here), then its mark.
      const have = this.b.length - p.offset;
      const text = vxlanText(this.b, p.offset, have, otv);
      return `${text}${have >= VXLAN_VNI_END ? ' ' : ''} [|${otv ? 'otv' : 'vxlan'}]`;
    }
    if (next?.kind === 'geneve') {
      this.next();
      const head = `${this.geneveText(next.at)}${next.h.optionsLen ? `, options [${next.h.optionsLen} bytes]` : ''}: `;
      const proto = next.h.protocol;
      if (proto === ETHERTYPE_TEB)
        return this.peek()?.kind === 'ethernet' ? head + this.ether() : this.tail(head);
      if (proto === ETHERTYPE_IPV4 || proto === ETHERTYPE_IPV6) return head + this.network(this.link, proto);
      return `${head}geneve-proto-0x${proto.toString(16)}`;
    }
    if (!next && p?.layer === 'geneve') {
      // Cut in its 8 bytes: only the name; cut in its options: the fixed fields, then the mark. A version other
      // than 0 stops tcpdump's printer after the name; options longer than the datagram, after the fixed fields.
      const have = this.b.length - p.offset;
      if (p.kind === 'malformed') {
        const ver = this.b[p.offset] >> 6;
        if (ver !== 0) return `Geneve ERROR: unknown-version ${ver}`;
        const optLen = (this.b[p.offset] & 0x3f) * 4;
        const room = n.end - p.offset - GENEVE_HEADER_LEN;
        if (room < optLen)
          return `${this.geneveText(p.offset)} truncated-geneve - ${optLen - room} bytes missing`;
        return this.tail(this.geneveText(p.offset));
      }
      return have < GENEVE_HEADER_LEN ? 'Geneve [|geneve]' : `${this.geneveText(p.offset)} [|geneve]`;
    }
    const len = (h.length >= 8 ? h.length : ipPayload) - 8;
    if (h.srcPort === DNS_PORT || h.dstPort === DNS_PORT) {
      if (next?.kind === 'dns') this.next();
      // Read as tcpdump reads it, up to the capture's end or the IP packet's (whole or cut by the snaplen).
      return dnsSummary(this.b, n.at + n.len, len, Math.min(this.b.length, n.at + ipPayload));
    }
    // mDNS's port comes next in print-udp.c, then timed's.
    if (h.srcPort === MDNS_PORT || h.dstPort === MDNS_PORT)
      return dnsSummary(this.b, n.at + n.len, len, Math.min(this.b.length, n.at + ipPayload), true);
    if (h.srcPort === TIMED_PORT || h.dstPort === TIMED_PORT)
      return timedSummary(this.b, n.at + n.len, Math.min(this.b.length, n.at + ipPayload));
    if (isTftp(h.srcPort, h.dstPort))
      return tftpSummary(this.b, n.at + n.len, len, Math.min(this.b.length, n.at + ipPayload));
    if (isBootp(h.srcPort, h.dstPort)) return bootpSummary(this.b, n.at + n.len, len);
    if (isRip(h.srcPort, h.dstPort))
      return ripSummary(this.b, n.at + n.len, len, Math.min(this.b.length, n.at + ipPayload));
    if (isNtp(h.srcPort, h.dstPort)) return ntpSummary(this.b, n.at + n.len, len);
    return `UDP, length ${len}`;
  }

  /**
   * The fixed fields of a Geneve header as print-geneve.c prints them: "Geneve, Flags [OC], vni 0x7", then
   * ", rsvd 0x1" for a non-zero reserved byte and with -e ", proto TEB (0x6558)".
   */
  private geneveText(at: number): string {
    const b = this.b;
    const o = GENEVE_OFFSETS;
    const flags = b[at + o.FLAGS];
    const names = ['O', 'C', 'R1', 'R2', 'R3', 'R4', 'R5', 'R6']
      .filter((_, i) => flags & (0x80 >> i))
      .join('');
    const vni = (b[at + o.VNI] << 16) | (b[at + o.VNI + 1] << 8) | b[at + o.VNI + 2];
    let s = `Geneve, Flags [${names || 'none'}], vni 0x${vni.toString(16)}`;
    if (b[at + o.RESERVED]) s += `, rsvd 0x${b[at + o.RESERVED].toString(16)}`;
    if (this.link) {
      const p = u16(b, at + o.PROTOCOL);
      s += `, proto ${GENEVE_PROTO_NAMES[p] ?? 'unknown'} (0x${hex4(p)})`;
    }
    return s;
  }

  /**
   * A TCP header whose options the snaplen cut (its fixed 20 bytes captured): tcpdump prints the header and the
   * options up to the cut, "Flags [S], seq 1, win 64240, options [mss 1460,sackOK,TS [|tcp]>"; null when the
   * captured options hold one we do not print that way (the caller stops at the ports).
   */
  private tcpCutInOptions(at: number, ipPayload: number): string | null {
    const b = this.b;
    if (at + TCP_MIN_HEADER_LEN > b.length) return null;
    const h = newTcpHeader();
    const s = newStep();
    s.cap = b.length;
    decodeTcp(b, at, NO_LIMIT, h, s);
    if (h.headerLen <= TCP_MIN_HEADER_LEN || at + h.headerLen <= b.length) return null;
    const opts = tcpOptionsCut(b, at + TCP_OPTIONS, at + h.headerLen);
    return opts === null ? null : `${tcpHead(h, ipPayload - h.headerLen)}, options [${opts}`;
  }

  private tcp(n: Extract<ChainNode, { kind: 'tcp' }>, ipPayload: number): string {
    const h = n.h;
    const b = this.b;
    const dataLen = ipPayload - h.headerLen;
    let s = tcpHead(h, dataLen);
    if (h.headerLen > 20) s += `, options [${tcpOptions(b, n.at + TCP_OPTIONS, n.at + h.headerLen)}]`;
    s += `, length ${dataLen}`;
    if (this.peek()?.kind === 'data') this.next();
    const at = n.at + h.headerLen;
    if (dataLen <= 0) return s;
    // The printer of the first port in print-tcp.c's order. Without -v its BGP printer says the name only, whatever
    // was captured of the messages; those of telnet, PPTP, Redis, SSH, BEEP, OpenFlow and RTSP are not reproduced
    // here (the line ends at the length, as tcpdump's does for a telnet segment without commands).
    const first = TCP_PORT_ORDER.find((p) => h.srcPort === p || h.dstPort === p);
    const text = first === undefined ? undefined : TEXT_PROTOCOLS[first];
    if (first === BGP_PORT) s += ': BGP';
    else if (text) s += `: ${textProtocol(b, at, at + dataLen, text)}`;
    else if (first === DNS_PORT) s += tcpDnsText(b, at, dataLen, Math.min(b.length, n.at + ipPayload));
    return s;
  }
}

/**
 * DNS over TCP (RFC 1035 §4.2.2) as print-domain.c prints it after the segment's length: the message after its
 * 2-byte length prefix, " 4660+ A? kubernetes.default.svc.cluster.local. (54)", or why not (a prefix that is not
 * the rest of the segment: one message in several segments, or several in one).
 */
function tcpDnsText(b: Uint8Array, at: number, len: number, snap: number): string {
  if (len < 2) return ` [DNS over TCP: length ${len} < 2] (invalid)`;
  if (at + 2 > snap) return ' [|domain]';
  const prefix = u16(b, at);
  if (prefix !== len - 2) return ` [prefix length(${prefix}) != length(${len - 2})] (invalid)`;
  return ` ${dnsSummary(b, at + 2, len - 2, snap)}`;
}

/** "Flags [S.], seq 1:11, ack 2, win 502, urg 1": the TCP line before the options. */
function tcpHead(h: TcpHeader, dataLen: number): string {
  let s = `Flags [${tcpFlagsString(h.flags)}]`;
  if (dataLen > 0) s += `, seq ${h.seq}:${(h.seq + dataLen) >>> 0}`;
  else if (h.flags & (TCP_SYN | TCP_FIN | TCP_RST)) s += `, seq ${h.seq}`;
  if (h.flags & TCP_ACK) s += `, ack ${h.ack}`;
  s += `, win ${h.window}`;
  if (h.flags & TCP_URG) s += `, urg ${h.urgent}`;
  return s;
}

/**
 * What tcpdump prints of a VXLAN header at `at` of which `have` bytes were captured (print-vxlan.c), or on
 * flannel's port of an OTV one (print-otv.c: the VNI's bytes read as overlay and instance): whole "VXLAN, flags [I]
 * (0x08), vni 42", "OTV, flags [I] (0x08), overlay 0, instance 1"; cut, the fields captured and the ", " after
 * the last ("VXLAN, flags [I] (0x08), ").
 */
function vxlanText(b: Uint8Array, at: number, have: number, otv: boolean): string {
  const u24 = (o: number) => (b[at + o] << 16) | (b[at + o + 1] << 8) | b[at + o + 2];
  // Without the I flag: tcpdump's VXLAN printer says "invalid", its OTV printer ".".
  const i = b[at] & VXLAN_FLAG_I ? 'I' : otv ? '.' : 'invalid';
  const flags = have >= 1 ? `flags [${i}] (0x${b[at].toString(16).padStart(2, '0')}), ` : '';
  if (otv) {
    const overlay = have >= 4 ? `overlay ${u24(1)}, ` : '';
    return `OTV, ${flags}${overlay}${have >= VXLAN_VNI_END ? `instance ${u24(4)}` : ''}`;
  }
  if (!flags) return 'VXLAN';
  return `VXLAN, ${flags}${have >= VXLAN_VNI_END ? `vni ${u24(4)}` : ''}`;
}
/** tcpdump's ethertype names (ethertype_values) for the Protocol Types a Geneve header carries. */
const GENEVE_PROTO_NAMES: Record<number, string> = {
  [ETHERTYPE_TEB]: 'TEB',
  [ETHERTYPE_IPV4]: 'IPv4',
  [ETHERTYPE_IPV6]: 'IPv6',
  0x0806: 'ARP',
  0x8100: '802.1Q',
  0x8847: 'MPLS unicast',
};
/** Where a VXLAN header's VNI (OTV's instance) ends: tcpdump prints it once these bytes are captured. */
const VXLAN_VNI_END = 7;

// print-http.c's request names (WebDAV's included), compared without regard to case.
const HTTP_METHODS = new Set(
  (
    'GET PUT COPY HEAD LOCK MOVE POLL POST BCOPY BMOVE MKCOL TRACE LABEL MERGE DELETE SEARCH UNLOCK REPORT ' +
    'UPDATE NOTIFY BDELETE CONNECT OPTIONS CHECKIN PROPFIND CHECKOUT CCM_POST SUBSCRIBE PROPPATCH BPROPFIND ' +
    'BPROPPATCH UNCHECKOUT MKACTIVITY MKWORKSPACE UNSUBSCRIBE RPC_CONNECT VERSION-CONTROL BASELINE-CONTROL'
  ).split(' '),
);
/** The longest token tcpdump's text printers read (MAX_TOKEN, less its terminating NUL's room). */
const MAX_TOKEN = 127;
/** The first line of at most this many characters; the rest is left out. */
const MAX_HTTP_LINE = 300;
const isPrint = (c: number) => c >= 0x20 && c <= 0x7e;

/**
 * What tcpdump says of a text protocol's payload from `at` to `end` (util-print.c's txtproto_print without -v),
 * `name` being HTTP, FTP, SMTP or WHOIS: the name, and its first line, "HTTP: GET / HTTP/1.1", or " [|http]" after
 * the name where the capture ends before that line does (after the line when the payload has no end of line). For
 * HTTP only when its first token is a request name or its second a 3-digit status (the others have no command list:
 * any line). A line with a byte that is not printable ASCII nor a tab is not printed; unlike tcpdump, a tab is
 * shown as "." and a line is cut after MAX_HTTP_LINE characters, to keep the summary one short line.
 */
function textProtocol(b: Uint8Array, at: number, end: number, name: string): string {
  const cap = Math.min(b.length, end);
  const cut = `${name} [|${name.toLowerCase()}]`;
  if (name === 'HTTP') {
    const first = httpToken(b, at, end, cap);
    const second = first && httpToken(b, first.next, end, cap);
    const reqresp =
      (first !== null && HTTP_METHODS.has(first.token.toUpperCase())) ||
      (second !== null && /^[0-9]{3}$/.test(second.token));
    if (!reqresp) return name;
  }
  for (let i = at; i < end; i++) {
    if (i >= cap) return cut;
    const c = b[i];
    let eol = c === 10;
    if (c === 13) {
      if (i + 1 >= end) return name;
      if (i + 1 >= cap) return cut;
      if (b[i + 1] !== 10) return name;
      eol = true;
    }
    if (eol) return `${name}: ${httpLine(b, at, i)}`;
    if (!isPrint(c) && c !== 9) return name;
  }
  // All of it printable, with no end of line: tcpdump 4.99 prints it as a cut line.
  return `${name}: ${httpLine(b, at, end)} [|${name.toLowerCase()}]`;
}

function httpLine(b: Uint8Array, at: number, end: number): string {
  let s = '';
  for (let i = at; i < end && i < at + MAX_HTTP_LINE; i++) s += b[i] === 9 ? '.' : String.fromCharCode(b[i]);
  return s;
}

/**
 * util-print.c's fetch_token: the printable token at `idx` (ended by a space, tab, CR or LF) and where the next
 * one starts past the spaces; null when there is none, a byte is not printable ASCII, or the capture ends in it.
 */
function httpToken(
  b: Uint8Array,
  idx: number,
  end: number,
  cap: number,
): { token: string; next: number } | null {
  let token = '';
  for (; idx < end; idx++) {
    if (idx >= cap) return null;
    const c = b[idx];
    if (c === 32 || c === 9 || c === 13 || c === 10) break;
    if (!isPrint(c) || token.length >= MAX_TOKEN) return null;
    token += String.fromCharCode(c);
  }
  if (!token) return null;
  // Past the spaces after it (a tab is not printable there, so it ends the blanks).
  for (; idx < end && idx < cap && b[idx] === 32; idx++);
  return { token, next: idx };
}

/**
 * The options of a header the capture ends in, as print-tcp.c prints them: each one whose bytes were captured,
 * then " [|tcp]" where the cut falls: after a comma when it is at an option's kind or length byte, after the
 * option's name when it is in its data (and then a ">" when an option came before). Null when an option on
 * the way is one whose cut output we do not reproduce (a SACK, an unknown one, a bad length, eol).
 */
function tcpOptionsCut(b: Uint8Array, at: number, end: number): string | null {
  let s = '';
  let sep = '';
  let p = at;
  while (p < end) {
    s += sep;
    if (p >= b.length) return `${s} [|tcp]`;
    const kind = b[p];
    if (kind === 0) return null; // eol: the list ends before the cut
    if (kind === 1) {
      s += 'nop';
      p++;
      sep = ',';
      continue;
    }
    if (p + 1 >= b.length) return `${s} [|tcp]`;
    const len = b[p + 1];
    const name = TCP_OPTION_NAMES[kind];
    const dataLen = TCP_OPTION_DATA[kind];
    if (name === undefined || len < 2 || p + len > end || len !== dataLen + 2) return null;
    s += name;
    if (p + len > b.length) return `${s} [|tcp]${sep ? '>' : ''}`;
    s += tcpOptions(b, p, p + len).slice(name.length);
    p += len;
    sep = ',';
  }
  return null;
}
const TCP_OPTION_NAMES: Record<number, string> = { 2: 'mss', 3: 'wscale', 4: 'sackOK', 8: 'TS' };
const TCP_OPTION_DATA: Record<number, number> = { 2: 2, 3: 1, 4: 0, 8: 8 };

/** tcpdump's option list: "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7". */
function tcpOptions(b: Uint8Array, at: number, end: number): string {
  const out: string[] = [];
  let p = at;
  while (p < end && p < b.length) {
    const kind = b[p];
    if (kind === 0) {
      out.push('eol');
      break;
    }
    if (kind === 1) {
      out.push('nop');
      p++;
      continue;
    }
    if (p + 1 >= end || p + 1 >= b.length) break;
    const len = b[p + 1];
    if (len < 2 || p + len > end || p + len > b.length) {
      out.push('bad opt');
      break;
    }
    if (kind === 2 && len === 4) out.push(`mss ${u16(b, p + 2)}`);
    else if (kind === 3 && len === 3) out.push(`wscale ${b[p + 2]}`);
    else if (kind === 4) out.push('sackOK');
    else if (kind === 5) {
      const blocks: string[] = [];
      for (let q = p + 2; q + 8 <= p + len; q += 8) blocks.push(`{${u32(b, q)}:${u32(b, q + 4)}}`);
      out.push(`sack ${blocks.length} ${blocks.join('')}`);
    } else if (kind === 8 && len === 10) out.push(`TS val ${u32(b, p + 2)} ecr ${u32(b, p + 6)}`);
    else out.push(`unknown-${kind}`);
    p += len;
  }
  return out.join(',');
}

export { LINKTYPE_ETHERNET };

/**
 * tcpdump's words for an IPv6 routing header at `p` (RFC 8200 §4.4; types 0 and 2 list their addresses, 4 its
 * segments, RFC 8754): "RT6 (len=4, type=0 [Deprecated], segleft=1, [0]2001:db8::a, [1]2001:db8::b) ". An
 * unknown type (or an odd length) ends "… (invalid)" and tcpdump prints nothing after it. A header the capture
 * ends in (at least one byte of it captured) reads as far as print-rt6.c gets, each field as it reads it, then
 * " [|rt6]": "RT6 (len=4, type=0 [Deprecated], segleft=1, [0]2001:db8::a [|rt6]".
 */
function rt6Text(b: Uint8Array, p: number): string {
  const has = (n: number) => p + n <= b.length;
  const cut = (s: string) => `${s} [|rt6]`;
  if (!has(2)) return cut('RT6');
  const len = b[p + 1];
  let s = `RT6 (len=${len}`;
  if (!has(3)) return cut(s);
  const type = b[p + 2];
  s += `, type=${type}${type === 0 ? ' [Deprecated]' : ''}`;
  if (!has(4)) return cut(s);
  s += `, segleft=${b[p + 3]}`;
  if (type === 0 || type === 2) {
    if (!has(8)) return cut(s);
    if (u32(b, p + 4)) s += `, rsv=0x${u32(b, p + 4).toString(16)}`;
    if (len % 2 === 1) return `${s} #invalid length# (invalid)`;
    for (let i = 0; i < len / 2; i++) {
      if (!has(8 + (i + 1) * 16)) return cut(s);
      s += `, [${i}]${ipv6ToString(b, p + 8 + i * 16)}`;
    }
    return `${s}) `;
  }
  if (type === 4) {
    if (!has(5)) return cut(s);
    const last = b[p + 4];
    s += `, last-entry=${last}`;
    if (!has(6)) return cut(s);
    if (b[p + 5]) s += `, flags=0x${b[p + 5].toString(16)}`;
    if (!has(8)) return cut(s);
    s += `, tag=${u16(b, p + 6).toString(16)}`;
    for (let i = 0; i <= last; i++) {
      if (!has(8 + (i + 1) * 16)) return cut(s);
      s += `, [${i}]${ipv6ToString(b, p + 8 + i * 16)}`;
    }
    return `${s}) `;
  }
  return `${s} (unknown type) (invalid)`;
}
