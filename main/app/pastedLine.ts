// A tcpdump line pasted into the journey filter (from a pane, the journey list, or tcpdump run on a node), read as
// what it says about one packet: its addresses and ports, its tunnel's outer header, TCP's flags, sequence and
// acknowledgement numbers, window, timestamps and length, a DNS message's id, UDP's length, `-v`'s IP id and TTL.
// journeyFilter.ts turns it into a `packet` primitive that pastedMatch.ts checks against the hops' packets, so the
// line finds the journey of the packet it describes, not every packet of its flow.

import { parseIpv6 } from './journeyIndex.ts';
import { parseIpv4, parseMac } from '../session/interfaces.ts';

/** A filter word (journeyFilter.ts tokenizes). */
export interface Token {
  /** Lower case, as filterWord trims it. */
  text: string;
  /** Lower case, untrimmed (`net fd44::` keeps its colons). */
  raw: string;
  /** `text` as typed, in its own case (a protocol name is looked up as /etc/protocols spells it). */
  typed: string;
  at: number;
  /** A word of a pasted summary line's text (pastedLines): a word whatever it says, pcap's keywords too. */
  literal?: boolean;
  /** A pasted line's packet (pastedLines): the parser's `packet` primitive. */
  packet?: PastedPacket;
  /** A `(` whose `)` the pasted line at this column took, as tcpdump may print one there (pastedLines). */
  lineAt?: number;
}

/** TCP's fields as tcpdump prints them; null where the line has none. Numbers as printed (relative or not). */
export interface PastedTcp {
  /** TCP_* bits of `Flags [S.]`. */
  flags: number | null;
  seq: number | null;
  ack: number | null;
  win: number | null;
  urg: number | null;
  tsVal: number | null;
  tsEcr: number | null;
  /** The payload's length (tcpdump's `length N`). */
  length: number | null;
}

/** A tunnel's outer header, as tcpdump prints it before the packet inside. */
export interface PastedOuter {
  type: 'vxlan' | 'geneve' | 'ipip';
  src: string;
  dst: string;
  /** -1 for IPIP. */
  sport: number;
  dport: number;
  vni: number | null;
  /** `-v`'s outer TTL. */
  ttl: number | null;
}

/** What a pasted line says about its packet; null or -1 where it says nothing. */
export interface PastedPacket {
  /** Where the line starts in the filter (0-based), for messages. */
  at: number;
  v6: boolean;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** `-v`'s `(tos 0x0, ttl 64, id 41025, …)`: the IP header's TTL (IPv6's hlim) and IPv4 id. */
  ttl: number | null;
  ipId: number | null;
  /** `-v`'s IPv6 fragment header id (`frag (0x0ca66278:1448|1448)`). */
  fragId: number | null;
  /** A fragment's offset in bytes: `-v`'s IPv4 `offset 1480`, IPv6's `frag (1448|1448)`. */
  fragOffset: number | null;
  /** `-v`'s IPv6 `payload length: 1240`. */
  payloadLength: number | null;
  /** The Ethernet frame's length as `-e` prints it (`ethertype IPv4 (0x0800), length 1514:`), a tunnel's outer one. */
  frameLength: number | null;
  outer: PastedOuter | null;
  tcp: PastedTcp | null;
  /** UDP's payload length: `UDP, length N`, a DNS message's `(N)`. */
  udpLength: number | null;
  /** A DNS message's id (`57802+ A? …`). */
  dnsId: number | null;
  /** `-v`'s IGMPv3 or MLDv2 report's group addresses, record by record (`[gaddr 224.0.0.106 to_ex, …]`). */
  groups: string[] | null;
  /** `-v`'s BOOTP transaction id (`xid 0x42cec4b`) and DHCP message type (`DHCP-Message (53), length 1: Discover`). */
  bootpXid: number | null;
  dhcpType: number | null;
  /** `-v`'s TCP or UDP checksum as the packet has it (`cksum 0x1af5 (incorrect -> …)`, `[bad udp cksum 0xfb3f …]`). */
  cksum: number | null;
  /**
   * `-v`'s checksum the packet should have had, after `->` (`[bad udp cksum 0xfb3f -> 0x7efd!]`): two packets with
   * the same bad (offloaded) checksum differ there.
   */
  cksumShould: number | null;
  /** An ICMP echo's type (request or reply), id and sequence number (`ICMP echo request, id 17210, seq 1`). */
  icmpEcho: 'request' | 'reply' | null;
  icmpId: number | null;
  icmpSeq: number | null;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_ACK = 0x10;
/** tcpdump's flag letters (print-tcp.c), `e` the AE bit above the byte. */
const FLAG_LETTERS: Record<string, number> = {
  F: TCP_FIN,
  S: TCP_SYN,
  R: 0x04,
  P: 0x08,
  '.': TCP_ACK,
  U: 0x20,
  E: 0x40,
  W: 0x80,
  e: 0x100,
};

/** DHCP's message types 1–8 (RFC 2132 §9.6) as print-bootp.c names them, lower case. */
const DHCP_TYPES = ['discover', 'offer', 'request', 'decline', 'ack', 'nack', 'release', 'inform'];
/** The ports tcpdump prints DNS on (print-udp.c: domain, mDNS, LLMNR). */
const DNS_PORTS = new Set([53, 5353, 5355]);
/** The port print-tcp.c prints DNS on. */
const DNS_PORT = 53;
/** The first field of `-v`'s IP header: `(tos 0x0, ttl 64, …)`, `(flowlabel 0x1, hlim 64, …)`, `(class 0x10 …)`. */
const V_HEADER = new Set(['tos', 'flowlabel', 'class', 'hlim']);
/** IPv6 extension headers as tcpdump names them before the transport's ports. */
const EXTENSIONS = new Set(['hbh', 'dstopt', 'frag', 'srcrt', 'mobility']);
/** `-i any`'s packet directions (`ens33 In IP …`, `? B ifindex 5 …`). */
const DIRECTIONS = new Set(['in', 'out', 'b', 'm', 'p']);
const OPERATORS = new Set(['and', 'or', '&&', '||']);
/** PPP's control protocols whose messages print-ppp.c's handle_ctrl_proto prints (`LCP, Conf-Request (0x01), …`). */
const PPP_CONTROL = /^(?:lcp|ipcp|ip6cp|ccp|bacp|osicp|mplscp),$/;
/** The lines that end at their `length N` without `-v` (readLengthEnds). */
const LENGTH_ENDS = /^(?:esp|ah|pimv[12]|ospfv[23]|vrrpv[23])$/;

/**
 * The filter's tokens with each pasted tcpdump line read: its link fields (`tcpdump -e`: `MAC > MAC, ethertype IPv4
 * (0x0800), length 98:`, a cooked capture's `? In ifindex 4 MAC ethertype …`; a tunnelled packet's inner ones too)
 * as `ether src`/`ether dst` of its MACs, the rest as one token carrying the packet (the parser's `packet`
 * primitive). Timestamps before a line (tcpdump's default, `-tt`, `-ttt`, `-tttt`, `--nano`) and `-i any`'s
 * interface and direction are dropped. A line ends where tcpdump's does: TCP's, UDP's and ICMP's at their `length
 * N`, DNS's at its `(N)`, IGMP's where print-igmp.c's message ends, a tunnel's and GRE's with the packet inside, and
 * the payloads whose end is certain (`HTTP`, an HTTP request's line, BGP's, BOOTP's and NTP's without `-v`; ESP's,
 * AH's, PIM's, OSPF's and VRRP's `length N`; SCTP's chunks) where tcpdump's does; what follows is pcap's again. An
 * ICMP line's text (`udp port 53 unreachable`, `address mask request`), IGMP's, GRE's and those payloads' without
 * ports are words of the journey's text; another such payload's (no reader here knows it) is words to the end of the
 * filter. What tcpdump prints of another payload (an HTTP response's reason phrase, `-v`'s details) is dropped to
 * the end of the filter, its end being nobody's guess.
 */
export function pastedLines(tokens: Token[]): Token[] {
  const out: Token[] = [];
  // The user's `(` not yet closed, as indices into out.
  const open: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const start = out.length;
    const read: Token[] = [];
    let line = readLine(tokens, i, read);
    if (!line) {
      const t = tokens[i];
      if (t.text === '(') open.push(out.length);
      else if (t.text === ')') open.pop();
      out.push(t);
      continue;
    }
    // Inside the user's `( … )`: the `)` that closes it, where the line has read past it, ends the line as the
    // filter's end would, unless tcpdump could have printed it there (text of the packet's own, a name or a payload
    // line, may hold any `)`; tcpdump's own words pair theirs up).
    let limit = tokens.length;
    const close = open.length ? userClose(tokens, i) : -1;
    if (close >= 0 && (line.rest !== 'pcap' || line.end > close)) {
      const cut: Token[] = [];
      const short = close < (line.text ?? Infinity) ? readLine(tokens.slice(0, close), i, cut) : null;
      if (short) {
        line = short;
        read.splice(0, read.length, ...cut);
        limit = close;
      } else {
        // It takes the `)`: the parser's error for the `(`, if it has none, says so.
        const o = open[open.length - 1];
        out[o] = { ...out[o], lineAt: tokens[i].at };
      }
    }
    out.push(...read);
    if (line.rest === 'words')
      for (let j = line.end; j < limit; j++) {
        const t = tokens[j];
        if (t.text !== '(' && t.text !== ')') out.push({ ...t, literal: true });
      }
    // A line's terms (its MACs, its packet, its words) are one term: `<line> or <line>` is either packet, where two
    // terms side by side would join the second line's words to the or of the first line and its packet.
    if (out.length - start > 1) {
      const paren = (text: string): Token => ({ text, raw: text, typed: text, at: tokens[i].at });
      out.splice(start, 0, paren('('));
      out.push(paren(')'));
    }
    if (line.rest === 'pcap') i = line.end - 1;
    else if (limit < tokens.length) i = limit - 1;
    else return out;
  }
  return out;
}

/** The `)` after tokens[i] that closes a `(` opened before it; -1 when none does. */
function userClose(tokens: Token[], i: number): number {
  let depth = 0;
  for (let k = i; k < tokens.length; k++)
    if (tokens[k].text === '(') depth++;
    else if (tokens[k].text === ')' && depth-- === 0) return k;
  return -1;
}

/** A read line: where it ends, and what the filter's tokens after it are (`pcap`: the filter again). */
interface Line {
  end: number;
  rest: 'pcap' | 'words' | 'dropped';
  /**
   * Where the text of the packet's own (a DNS name, a BOOTP or TFTP string, a payload's line, an ICMP error's quoted
   * packet) may start: tcpdump prints it as the packet has it, `)` too. Before it the line is tcpdump's own words,
   * whose parentheses pair up, and so is the first word after its fields (a protocol's name, `-v`'s `encoded`, `who`).
   * Unset: none to the line's end.
   */
  text?: number;
}

/** Reads a line starting at tokens[i] into `out` (nothing when none starts there). */
function readLine(tokens: Token[], i: number, out: Token[]): Line | null {
  let j = skipTimestamp(tokens, i);
  j = skipAnyPrefix(tokens, j);
  const pushed: Token[] = [];
  const p = readPacket(tokens, j, pushed, tokens[i].at);
  if (!p) return null;
  out.push(...pushed);
  return p;
}

/**
 * tcpdump's timestamps: `03:23:53.287845` (also `-ttt`'s deltas, `--nano`), `-tttt`'s date and time, `-tt`'s; `-#`'s
 * packet number before one (`    1  21:08:23.001352 IP …`).
 */
function skipTimestamp(tokens: Token[], i: number): number {
  if (/^\d+$/.test(tokens[i]?.text ?? '') && skipTimestamp(tokens, i + 1) > i + 1)
    return skipTimestamp(tokens, i + 1);
  const t = tokens[i]?.text ?? '';
  if (/^\d{4}-\d\d-\d\d$/.test(t) && isClock(tokens[i + 1]?.text)) return i + 2;
  if (isClock(t) || /^\d{9,10}\.\d{6}(?:\d{3})?$/.test(t)) return i + 1;
  return i;
}

function isClock(t: string | undefined): boolean {
  return t !== undefined && /^\d\d:\d\d:\d\d\.\d{6}(?:\d{3})?$/.test(t);
}

/**
 * `tcpdump -i any`'s interface and direction: `ens33 In IP …`, `?  B  ifindex 5 MAC …`, `-v`'s `ens33 In IP (tos …`.
 */
function skipAnyPrefix(tokens: Token[], i: number): number {
  const d = tokens[i + 1];
  const n = tokens[i + 2];
  if (!d || !n || !DIRECTIONS.has(d.raw)) return i;
  const ip = n.text === 'ip' || n.text === 'ip6';
  // `-v`'s header after `IP`: `ifb0  Out IP (tos 0x0, ttl 64, …) 10.1.10.8.37162 > …`.
  const header = tokens[i + 3]?.text === '(' && V_HEADER.has(tokens[i + 4]?.text ?? '');
  if (n.text === 'ifindex' || (ip && (header || isSummaryPair(tokens, i + 3)))) return i + 2;
  return i;
}

/**
 * A packet's line from tokens[j] (link fields, `IP`, `-v`'s header, `A > B:` and what follows), its MACs as ether
 * tokens and then its packet token into `out`; null when no `A > B:` comes where it should.
 */
function readPacket(tokens: Token[], j: number, out: Token[], at: number): Line | null {
  const head = readHead(tokens, j, out);
  if (!head) return null;
  j = head.at;
  const a = endpoint(tokens[j].text);
  const b = endpoint(tokens[j + 2].text);
  const p: PastedPacket = {
    at,
    v6: a.addr.includes(':'),
    src: a.addr,
    dst: b.addr,
    sport: a.port,
    dport: b.port,
    ttl: head.ttl,
    ipId: head.ipId,
    fragId: null,
    fragOffset: head.offset,
    payloadLength: head.payloadLength,
    frameLength: head.frameLength,
    outer: null,
    tcp: null,
    udpLength: null,
    dnsId: null,
    groups: null,
    bootpXid: null,
    dhcpType: null,
    cksum: null,
    cksumShould: null,
    icmpEcho: null,
    icmpId: null,
    icmpSeq: null,
  };
  const packetToken = (): Token => ({ text: '', raw: '', typed: '', at, packet: p });
  j += 3;
  // IPv6's extension headers, words of the journey's text (`HBH`, `frag (1448|1448)`; `-v`'s options after them,
  // `HBH (rtalert: 0x0000) (padn)`, left out, `-v`'s fragment id, `frag (0x0ca66278:1448|1448)`, compared with the
  // hop's), then the ports alone: `IP6 fd99::1 > fd99::2: HBH 40000 > 8080: Flags [S], …`.
  if (p.v6 && EXTENSIONS.has(tokens[j]?.text ?? '')) {
    for (; EXTENSIONS.has(tokens[j]?.text ?? ''); j++) {
      const name = tokens[j];
      out.push({ ...name, literal: true });
      for (; tokens[j + 1]?.text === '('; j = closing(tokens, j + 1)) {
        const frag = /^(?:0x([0-9a-f]{1,8}):)?(\d+\|\d+)$/.exec(tokens[j + 2]?.text ?? '');
        if (name.text !== 'frag' || !frag || tokens[j + 3]?.text !== ')') continue;
        out.push({ ...tokens[j + 2], text: frag[2], literal: true });
        p.fragOffset = +frag[2].split('|')[0];
        if (frag[1]) p.fragId = parseInt(frag[1], 16);
      }
    }
    if (isPortPair(tokens, j)) {
      p.sport = +tokens[j].text;
      p.dport = +tokens[j + 2].text;
      j += 3;
    } else if (j >= tokens.length || OPERATORS.has(tokens[j].text)) {
      // A later fragment: `frag (1448|1448)` is all tcpdump prints.
      out.push(packetToken());
      return { end: j, rest: 'pcap' };
    }
  }
  // `-v`'s checksum note: `[udp sum ok] UDP, …`, `[icmp6 sum ok] ICMP6, …`, `[bad udp cksum 0xfb3f -> 0x7efd!]`.
  let verbose = p.ttl !== null;
  if (tokens[j]?.text.startsWith('[')) {
    let k = j;
    while (k < tokens.length && k < j + 8 && !tokens[k].raw.includes(']')) k++;
    const note = tokens.slice(j, k + 1);
    if (k < tokens.length && note.some((x) => /^(?:sum|cksum)$/.test(x.text))) {
      const c = note.findIndex((x) => x.text === 'cksum');
      if (tokens[j].text === '[bad' && c >= 0) {
        p.cksum = readNumber(note[c + 1]?.text);
        if (note[c + 2]?.text === '->')
          p.cksumShould = readNumber(/^0x[0-9a-f]+/.exec(note[c + 3]?.text ?? '')?.[0]);
      }
      j = k + 1;
      verbose = true;
    }
  }
  const t = tokens[j];
  const w = t?.text;
  // A tunnel: VXLAN (tcpdump calls flannel's 8472 OTV), Geneve, or IPIP's `A > B: IP C > D: …`.
  const tunnel = w === 'otv' || w === 'vxlan' ? 'vxlan' : w === 'geneve' ? 'geneve' : null;
  if (tunnel || (p.sport < 0 && startsPacket(tokens, j))) {
    let vni: number | null = null;
    if (tunnel) {
      j++;
      for (; j < tokens.length && !startsPacket(tokens, j) && !OPERATORS.has(tokens[j].text); j++) {
        const k = tokens[j].text;
        if (k === 'instance' || k === 'vni') vni = readNumber(tokens[j + 1]?.text) ?? vni;
      }
    }
    const outer: PastedOuter = {
      type: tunnel ?? 'ipip',
      src: p.src,
      dst: p.dst,
      sport: p.sport,
      dport: p.dport,
      vni,
      ttl: p.ttl,
    };
    const inner: Token[] = [];
    const line = startsPacket(tokens, j) ? readPacket(tokens, j, inner, at) : null;
    if (!line) {
      // The outer line alone (tcpdump prints VXLAN's inner packet on the next line).
      p.outer = outer;
      p.src = p.dst = '';
      p.sport = p.dport = -1;
      p.ttl = p.ipId = p.fragId = p.fragOffset = p.payloadLength = null;
      out.push(packetToken());
      return { end: j, rest: 'pcap' };
    }
    for (const x of inner)
      if (x.packet) {
        x.packet.outer = outer;
        x.packet.frameLength = p.frameLength;
      }
    out.push(...inner);
    return line;
  }
  if (w === 'flags' && tokens[j + 1]?.raw.startsWith('[')) {
    const tcp = readTcp(tokens, j);
    p.tcp = tcp.fields;
    p.cksum = tcp.cksum;
    p.cksumShould = tcp.cksumShould;
    out.push(packetToken());
    if (tcp.tail) return tcpPayload(tokens, tcp.end);
    // DNS over TCP: print-tcp.c prints the message after `length N` with no colon (domain_print, past the message's
    // two-byte length): `length 56 4101+ A? kubernetes.default.svc.cluster.local. (54)`.
    const dns = p.sport === DNS_PORT || p.dport === DNS_PORT;
    if (dns && tcp.fields.length && /^\d+/.test(tokens[tcp.end]?.text ?? ''))
      return readDns(tokens, tcp.end, p);
    return { end: tcp.end, rest: 'pcap' };
  }
  // `-q`'s TCP: `tcp 0`, the payload's length and nothing more.
  if (w === 'tcp' && p.sport >= 0 && /^\d+$/.test(tokens[j + 1]?.raw ?? '')) {
    const length = +tokens[j + 1].text;
    p.tcp = { flags: null, seq: null, ack: null, win: null, urg: null, tsVal: null, tsEcr: null, length };
    out.push(packetToken());
    return { end: j + 2, rest: 'pcap' };
  }
  if (w === 'udp' && t.raw === 'udp,' && tokens[j + 1]?.text === 'length') {
    p.udpLength = readNumber(tokens[j + 2]?.text);
    out.push(packetToken());
    return { end: Math.min(j + 3, tokens.length), rest: 'pcap' };
  }
  if ((DNS_PORTS.has(p.sport) || DNS_PORTS.has(p.dport)) && w !== undefined && /^\d+/.test(w)) {
    out.push(packetToken());
    return readDns(tokens, j, p);
  }
  out.push(packetToken());
  if (p.sport < 0 && (w === 'grev0' || w === 'grev1')) return readGre(tokens, j, out);
  if (p.sport < 0 && w === 'igmp') return readIgmp(tokens, j, out, p);
  if (p.sport < 0 && w !== undefined && LENGTH_ENDS.test(w)) return readLengthEnds(tokens, j, out);
  if (w === 'sctp') return readSctp(tokens, j, out);
  // A later fragment: `ip-proto-17`, an unknown protocol's `ip-proto-253 20` (its length).
  if (p.sport < 0 && w !== undefined && /^ip-proto-\d+$/.test(w)) {
    const k = /^\d+$/.test(tokens[j + 1]?.raw ?? '') ? j + 2 : j + 1;
    if (k >= tokens.length || OPERATORS.has(tokens[k].text)) {
      for (let i = j; i < k; i++) out.push({ ...tokens[i], literal: true });
      return { end: k, rest: 'pcap' };
    }
  }
  if (w !== 'icmp' && w !== 'icmp6')
    return p.sport < 0 ? { end: j, rest: 'words', text: j + 1 } : portPayload(tokens, j, p);
  // An echo: its type, id and seq, compared with the hop's (its words alone would find `id 1, seq 1` in `id 16,
  // seq 1` too), to `length N` (`-v`'s ICMP6 line, `[icmp6 sum ok] ICMP6, echo request, id 1, seq 1`, has none).
  const echo = tokens[j + 1]?.text === 'echo' ? tokens[j + 2]?.text : undefined;
  if (echo === 'request' || echo === 'reply') {
    p.icmpEcho = echo;
    for (j += 3; j < tokens.length && !OPERATORS.has(tokens[j].text); j++) {
      const k = tokens[j].text;
      const n = tokens[j + 1];
      if (k === 'id') p.icmpId = readNumber(n?.text);
      else if (k === 'seq') {
        p.icmpSeq = readNumber(n?.text);
        if (tokens[j + 2]?.text !== 'length') return { end: j + 2, rest: 'pcap' };
      } else if (k === 'length' && n !== undefined && /^\d+$/.test(n.text))
        return { end: j + 2, rest: n.raw.endsWith(':') ? 'dropped' : 'pcap', text: j + 3 };
    }
    return { end: j, rest: 'pcap' };
  }
  // Other ICMP text is words of the journey's (its summary has them), to its `length N`. ICMPv6's `-v` line has its
  // length right after the type (`ICMP6, neighbor solicitation, length 32, who has fe80::…`), then details and
  // options the journey's line has not (`source link-address option (1), …`, `Flags [solicited, override]`, an MLD
  // report's group records `[gaddr ff02::1:ff3a:5e08 to_ex, 0 source(s)]`): dropped with the rest of the filter,
  // but where an operator or the filter's end follows its length.
  const v6Verbose = p.v6 && verbose;
  for (; j < tokens.length && !OPERATORS.has(tokens[j].text); j++) {
    if (v6Verbose && tokens[j].raw.startsWith('[')) {
      p.groups = groupAddresses(tokens, j);
      return { end: j, rest: 'dropped', text: j + 1 };
    }
    // Parentheses dropped, as the index drops them (`need to frag (mtu 1300)`).
    if (tokens[j].text !== '(' && tokens[j].text !== ')') out.push({ ...tokens[j], literal: true });
    const n = tokens[j + 1];
    if (tokens[j].text === 'length' && n !== undefined && /^\d+$/.test(n.text)) {
      out.push({ ...n, literal: true });
      // `-v` prints an error's quoted packet after it (`… length 62 IP (tos 0x0, …) 10.99.0.1.36717 > …`), which
      // is not the packet: dropped with the rest.
      // An ICMPv6 message's `-v` details hold names (a router advertisement's DNSSL option, a node information
      // reply), a quoted packet its payload's text.
      if (startsPacket(tokens, j + 2)) return { end: j + 2, rest: 'dropped', text: j + 3 };
      if (v6Verbose && (n.raw !== n.text || (j + 2 < tokens.length && !OPERATORS.has(tokens[j + 2].text))))
        return { end: j + 2, rest: 'dropped', text: j + 3 };
      return { end: j + 2, rest: n.raw.endsWith(':') ? 'words' : 'pcap', text: j + 3 };
    }
  }
  return { end: j, rest: 'pcap' };
}

/**
 * A DNS message from tokens[j] (`57802+ A? kubernetes.default.svc.cluster.local. (54)`): its id, and the message's
 * length at the end, where the line ends (UDP's payload length; over TCP the segment's less the two-byte length,
 * which the TCP fields have). Its names are the packet's text.
 */
function readDns(tokens: Token[], j: number, p: PastedPacket): Line {
  p.dnsId = readNumber(/^\d+/.exec(tokens[j].text)![0]);
  let k = j + 1;
  for (; k < tokens.length && !OPERATORS.has(tokens[k].text); k++)
    if (tokens[k].text === '(' && /^\d+$/.test(tokens[k + 1]?.text ?? '') && tokens[k + 2]?.text === ')') {
      if (!p.tcp) p.udpLength = +tokens[k + 1].text;
      return { end: k + 3, rest: 'pcap', text: j + 1 };
    }
  return { end: k, rest: 'pcap', text: j + 1 };
}

/**
 * What tcpdump prints of a TCP payload after `length N:`, from tokens[j]: where it ends for certain, pcap's filter
 * after it; otherwise the rest of the filter is dropped with it. txtproto_print names HTTP alone (`HTTP`), or with a
 * request's or response's first line (`HTTP: GET / HTTP/1.1`): a request line is three words, a response's reason
 * phrase (`HTTP: HTTP/1.1 404 Not Found`) any number, and `-v` (`HTTP, length: 77`) prints the message's lines
 * after it. BGP's `-v` messages follow `BGP` on the next lines: `BGP` ends at an operator or the filter's end.
 */
function tcpPayload(tokens: Token[], j: number): Line {
  const raw = (k: number) => tokens[k]?.raw ?? '';
  const atEnd = (k: number) => k >= tokens.length || OPERATORS.has(tokens[k].text);
  if (raw(j) === 'http' || (raw(j) === 'bgp' && atEnd(j + 1))) return { end: j + 1, rest: 'pcap' };
  if (raw(j) === 'http:' && /^[a-z]+$/.test(raw(j + 1)) && /^http\/\d\.\d$/.test(raw(j + 3)))
    return { end: j + 4, rest: 'pcap' };
  return { end: j, rest: 'dropped', text: j + 1 };
}

/**
 * A payload with ports from tokens[j] that the journey's line has not (its summary says `UDP, length 300`): dropped,
 * its `length N` read as UDP's (`BOOTP/DHCP, Request from ce:88:81:86:64:07, length 300`, `NTPv4, Client, length
 * 48`, `TFTP, length 26, WRQ …`). BOOTP's and NTP's lines end at their length without `-v`, whose details follow it
 * (`length 300, xid 0x…`, `length 48 Leap indicator: …`): pcap's filter after it where an operator or the filter's
 * end follows. The rest of the filter after another payload (TFTP's options, whose words have no end) is dropped.
 */
function portPayload(tokens: Token[], j: number, p: PastedPacket): Line {
  const w = tokens[j]?.raw ?? '';
  const bootp = w === 'bootp/dhcp,';
  const ntp = /^ntpv\d,$/.test(w);
  if (!bootp && !ntp && w !== 'tftp,') return { end: j, rest: 'dropped', text: j + 1 };
  let k = j + 1;
  while (k < tokens.length && k < j + 6 && !OPERATORS.has(tokens[k].text) && tokens[k].text !== 'length') k++;
  const n = tokens[k + 1];
  if (tokens[k]?.text !== 'length' || n === undefined || !/^\d+$/.test(n.text))
    return { end: j, rest: 'dropped', text: j + 1 };
  p.udpLength = +n.text;
  // `-v`'s BOOTP transaction id, right after the length: `length 300, xid 0x42cec4b, Flags [none]`.
  if (bootp && n.raw.endsWith(',') && tokens[k + 2]?.text === 'xid') {
    p.bootpXid = readNumber(tokens[k + 3]?.text);
    // And DHCP's message type (option 53), which tells a Discover from the Request with its xid:
    // `DHCP-Message (53), length 1: Discover`.
    for (let i = k + 4; i < tokens.length - 6 && i < k + 40; i++)
      if (tokens[i].text === 'dhcp-message' && tokens[i + 2]?.text === '53' && tokens[i + 5]?.raw === '1:') {
        p.dhcpType = DHCP_TYPES.indexOf(tokens[i + 6].text) + 1 || null;
        break;
      }
  }
  const atEnd = k + 2 >= tokens.length || OPERATORS.has(tokens[k + 2].text);
  if ((bootp || ntp) && n.raw === n.text && atEnd) return { end: k + 2, rest: 'pcap' };
  // BOOTP's `-v` options hold names, TFTP's line a file name, NTP's `-v` a reference id as text.
  return { end: j, rest: 'dropped', text: j + 1 };
}

/**
 * ESP's, AH's, PIM's, OSPF's and VRRP's lines as words of the journey's text, to their `length N`, where tcpdump's
 * line ends without `-v` (`ESP(spi=0x00000301,seq=0x1), length 72`, `AH(spi=…): ICMP echo request, id 152, seq 1,
 * length 64`, `PIMv2, Hello, length 26`, `VRRPv2, Advertisement, vrid 97, …, length 20`): pcap's filter after it
 * where an operator or the filter's end follows. What `-v` prints
 * after it (`, addrs: 10.97.0.254 auth "secret"`, OSPF's `Router-ID 10.97.0.1, …`, PIM's `Hello, cksum …` after `PIMv2,
 * length 26`), which the journey's line has not, is dropped with the rest of the filter.
 */
function readLengthEnds(tokens: Token[], j: number, out: Token[]): Line {
  let k = j;
  // AH's `-v` header length, `AH(length=4(24-bytes),spi=…)`, which the journey's line has not.
  if (
    /^length=\d+$/.test(tokens[j + 2]?.text ?? '') &&
    tokens[j + 3]?.text === '(' &&
    tokens[j + 5]?.text === ')'
  ) {
    out.push({ ...tokens[j], literal: true });
    k = j + 6;
    if (tokens[k]?.text.startsWith(','))
      out.push({ ...tokens[k++], text: tokens[k - 1].text.slice(1), literal: true });
  }
  for (; k < tokens.length && !OPERATORS.has(tokens[k].text); k++) {
    const t = tokens[k];
    // `-v`'s checksum note after AH, `[icmp6 sum ok] ICMP6, echo request, …`.
    if (t.raw.startsWith('[') && /sum/.test(tokens[k + 1]?.text ?? '') && tokens[k + 2]?.raw.includes(']')) {
      k += 2;
      continue;
    }
    if (t.text !== '(' && t.text !== ')') out.push({ ...t, literal: true });
    const n = tokens[k + 1];
    if (t.text !== 'length' || n === undefined || !/^\d+$/.test(n.text)) continue;
    out.push({ ...n, literal: true });
    const atEnd = k + 2 >= tokens.length || OPERATORS.has(tokens[k + 2].text);
    // VRRPv2's `-v` details hold its authentication string (`auth "secret"`).
    const vrrp = tokens[j].text.startsWith('vrrpv2');
    return {
      end: k + 2,
      rest: n.raw === n.text && atEnd ? 'pcap' : 'dropped',
      text: vrrp ? k + 3 : undefined,
    };
  }
  // No length (`-v`'s ICMPv6 echo after AH has none): the end is unknown, words to the end of the filter.
  return { end: k, rest: 'words' };
}

/**
 * SCTP's chunks as words of the journey's text (`sctp (1) [INIT] [init tag: 168430090] …, (2) [DATA] …`), to the
 * first operator: print-sctp.c prints chunk names and numbers, never `and` or `or` (but in `-vv`'s payload text,
 * left out).
 */
function readSctp(tokens: Token[], j: number, out: Token[]): Line {
  let k = j;
  let text: number | undefined;
  for (; k < tokens.length && !OPERATORS.has(tokens[k].text); k++)
    if (tokens[k].text === '[payload') {
      // `-vv`'s DATA chunk payload, hex and text (`[Payload: 0x0000:  6865 6c6c 6f  hello]`): not in the journey's line.
      text ??= k;
      k = closing(tokens, k);
    } else if (tokens[k].text !== '(' && tokens[k].text !== ')') out.push({ ...tokens[k], literal: true });
  return { end: k, rest: 'pcap', text };
}

/**
 * GRE's header from tokens[j] (`GREv0, key=0x61, seq 5, length 63:`) and the packet inside, as words of the
 * journey's text (the rows keep GRE's outer packet, the journey list's line has the rest): the header's as tcpdump
 * prints them without `-v` or `-e` (`-v`'s `Flags [key present],` and `-e`'s `proto IPv4 (0x0800),`, which a pane
 * prints, left out), the packet's from its `A > B:` (its link fields, `IP`, `-v`'s header and checksum notes left
 * out) to its line's end, which is GRE's too.
 */
function readGre(tokens: Token[], j: number, out: Token[]): Line {
  const word = (t: Token) => out.push({ ...t, literal: true });
  word(tokens[j]);
  let colon = false;
  for (j++; j < tokens.length && !OPERATORS.has(tokens[j].text); j++) {
    const t = tokens[j];
    if (t.text === 'flags' && tokens[j + 1]?.raw.startsWith('[')) j = closing(tokens, j + 1);
    else if (t.text === 'proto' && tokens[j + 2]?.text === '(' && tokens[j + 4]?.text === ')') j += 4;
    else if (t.text === 'length' && /^\d+$/.test(tokens[j + 1]?.text ?? '')) {
      word(t);
      word(tokens[j + 1]);
      colon = tokens[j + 1].raw.endsWith(':');
      j += 2;
      break;
    } else word(t);
  }
  const inner = readPacket(tokens, j, [], -1);
  // GREv1's `no-payload` ends at its length; a payload that is no packet (PPP's control messages) is words to the
  // end of the filter, its end unknown.
  if (!inner) return readPpp(tokens, j, out, colon);
  for (let k = readHead(tokens, j, [])!.at; k < inner.end; k++) {
    const t = tokens[k];
    if (
      t.raw.startsWith('[') &&
      /sum/.test(
        tokens
          .slice(k, closing(tokens, k) + 1)
          .map((x) => x.text)
          .join(' '),
      )
    )
      k = closing(tokens, k);
    else if (t.text === 'cksum' && tokens[k + 2]?.text === '(') k = closing(tokens, k + 2);
    else if (t.text !== '(' && t.text !== ')') word(t);
  }
  return inner;
}

/**
 * PPP inside GREv1 (PPTP) from tokens[j]: a control protocol's message as print-ppp.c prints it, `LCP, Conf-Request
 * (0x01), id 1, length 42`, words of the journey's text to its `length N`, where tcpdump's line ends without `-v`
 * (pcap's filter after it where an operator or the filter's end follows); `-v`'s options on the next lines (`encoded
 * length 40 (=Option(s) length 36) MRU Option (0x01), …`, an Ident's message), which the journey's line has not, are
 * dropped with the rest of the filter. `-e`'s PPP header before it (`LCP (0xc021), length 44:`) is left out, as the
 * journey's line has it not. Another payload (PAP's and CHAP's names, PPP's data) is words to the end of the filter,
 * or, after GREv1's `length N` without a colon (no payload), nothing.
 */
function readPpp(tokens: Token[], j: number, out: Token[], colon: boolean): Line {
  const text = (k: number) => tokens[k]?.text ?? '';
  let k = j;
  if (
    text(k + 1) === '(' &&
    /^0x[0-9a-f]{4}$/.test(text(k + 2)) &&
    text(k + 3) === ')' &&
    text(k + 4) === 'length'
  )
    if (/^\d+:$/.test(tokens[k + 5]?.raw ?? '')) k += 6;
  if (!PPP_CONTROL.test(tokens[k]?.raw ?? '')) return { end: j, rest: colon ? 'words' : 'pcap', text: j + 1 };
  for (let i = k; i < tokens.length && i < k + 10 && !OPERATORS.has(text(i)); i++) {
    if (text(i) !== '(' && text(i) !== ')') out.push({ ...tokens[i], literal: true });
    const n = tokens[i + 1];
    if (text(i) !== 'length' || n === undefined || !/^\d+$/.test(n.raw)) continue;
    out.push({ ...n, literal: true });
    const atEnd = i + 2 >= tokens.length || OPERATORS.has(text(i + 2));
    return atEnd ? { end: i + 2, rest: 'pcap' } : { end: i + 2, rest: 'dropped', text: i + 3 };
  }
  return { end: j, rest: 'words', text: j + 1 };
}

/**
 * IGMP's message from tokens[j] as print-igmp.c prints it (`igmp query v3 [max resp time 2.0s] [gaddr 239.98.0.1, 2
 * source(s)]`, `igmp v2 report 239.98.0.1`, `igmp leave 239.98.0.1`, `igmp v3 report, 1 group record(s)`), as words of
 * the journey's text, to its end; what `-v` adds, which the journey list's line has not, left out: a report's group
 * records (`[gaddr 224.0.0.106 to_ex, 0 source(s)]`), `-vv`'s sources (`{ 10.98.0.1 }`), the checksum note (`bad igmp
 * cksum 1f!`). Another message (DVMRP, PIMv1, mtrace) is words to the end of the filter, its end unknown.
 */
function readIgmp(tokens: Token[], j: number, out: Token[], p: PastedPacket): Line {
  const text = (k: number) => tokens[k]?.text ?? '';
  const v4 = (k: number) => parseIpv4(text(k)) !== null;
  let k = j + 1;
  const report = text(k) === 'v3' && tokens[k + 1]?.raw === 'report,';
  if (text(k) === 'query' && /^v[123]$/.test(text(k + 1))) k += 2;
  else if (/^v[12]$/.test(text(k)) && text(k + 1) === 'report' && v4(k + 2)) k += 3;
  else if (text(k) === 'leave' && v4(k + 1)) k += 2;
  else if (report && /^\d+$/.test(text(k + 2)) && text(k + 3) === 'group' && text(k + 4) === 'record') {
    // `record(s)`: the filter's words split at parentheses.
    k += 5;
    if (text(k) === '(' && text(k + 1) === 's' && text(k + 2) === ')') k += 3;
  } else return { end: j, rest: 'words' };
  for (let i = j; i < k; i++)
    if (text(i) !== '(' && text(i) !== ')') out.push({ ...tokens[i], literal: true });
  // A query's `[max resp time 50]` and `[gaddr …]`, a report's group records.
  if (report) p.groups = groupAddresses(tokens, k);
  while (tokens[k]?.raw.startsWith('[')) {
    const end = closing(tokens, k);
    if (!report)
      for (let i = k; i <= end; i++)
        if (text(i) === '{') while (i < end && !tokens[i].raw.startsWith('}')) i++;
        else if (text(i) !== '(' && text(i) !== ')') out.push({ ...tokens[i], literal: true });
    k = end + 1;
  }
  if (text(k) === 'bad' && text(k + 1) === 'igmp' && text(k + 2) === 'cksum') k += 4;
  return { end: Math.min(k, tokens.length), rest: 'pcap' };
}

/**
 * The group addresses of `-v`'s IGMPv3 or MLDv2 report records from tokens[k], in order (`[gaddr 224.0.0.106 to_ex,
 * 0 source(s)] [gaddr …]`); null when none.
 */
function groupAddresses(tokens: Token[], k: number): string[] | null {
  const groups: string[] = [];
  for (; tokens[k]?.text === '[gaddr'; k = closing(tokens, k) + 1) {
    const a = tokens[k + 1]?.text ?? '';
    if (parseIpv4(a) === null && parseIpv6(a) === null) break;
    groups.push(a);
  }
  return groups.length ? groups : null;
}

/** Where the bracket or parenthesis opened at tokens[i] closes (the filter's last token if it does not). */
function closing(tokens: Token[], i: number): number {
  if (tokens[i].text === '(') {
    let depth = 0;
    for (let k = i; k < tokens.length; k++)
      if (tokens[k].text === '(') depth++;
      else if (tokens[k].text === ')' && --depth === 0) return k;
    return tokens.length - 1;
  }
  let k = i;
  while (k < tokens.length - 1 && !tokens[k].raw.includes(']')) k++;
  return k;
}

/**
 * What comes before a line's `A > B:`: link fields (`-e`: `MAC > MAC, ethertype IPv4 (0x0800), length 98:`, or a
 * cooked capture's `ifindex 4 MAC ethertype …:`, their MACs into `out` as ether tokens), `IP`/`IP6`, and `-v`'s
 * `(tos 0x0, ttl 64, id 41025, …)`; null when no `A > B:` follows.
 */
function readHead(
  tokens: Token[],
  j: number,
  out: Token[],
): {
  at: number;
  ttl: number | null;
  ipId: number | null;
  offset: number | null;
  payloadLength: number | null;
  frameLength: number | null;
} | null {
  const macs: Token[] = [];
  let frameLength: number | null = null;
  if (isMacPair(tokens, j)) {
    macs.push(...etherTokens('src', tokens[j]), ...etherTokens('dst', tokens[j + 2]));
    const end = linkEnd(tokens, j + 3);
    // The frame's `length 1514:` (the first: a tagged frame's fields go on after it).
    for (let k = j + 3; k < end - 1; k++)
      if (tokens[k].text === 'length' && /^\d+:$/.test(tokens[k + 1].raw)) {
        frameLength = +tokens[k + 1].text;
        break;
      }
    j = end;
  } else if (
    tokens[j]?.text === 'ifindex' &&
    /^\d+$/.test(tokens[j + 1]?.text ?? '') &&
    tokens.slice(j + 2, j + 4).some((t) => t.text === 'ethertype')
  ) {
    if (parseMac(tokens[j + 2].text) >= 0) macs.push(...etherTokens('src', tokens[j + 2]));
    j = linkEnd(tokens, j + 2);
  } else if (
    // `-q`'s cooked link fields: `ifindex 4 5e:56:ea:dc:5c:33 10.100.84.132 > 10.100.247.24: …` (no MAC on tunl0).
    tokens[j]?.text === 'ifindex' &&
    /^\d+$/.test(tokens[j + 1]?.text ?? '') &&
    ((parseMac(tokens[j + 2]?.text ?? '') >= 0 && isSummaryPair(tokens, j + 3)) ||
      isSummaryPair(tokens, j + 2))
  ) {
    if (!isSummaryPair(tokens, j + 2)) macs.push(...etherTokens('src', tokens[j++ + 2]));
    j += 2;
  } else if (tokens[j]?.text === 'ip' || tokens[j]?.text === 'ip6') {
    if (!isSummaryPair(tokens, j + 1) && tokens[j + 1]?.text !== '(') return null;
    j++;
  }
  let ttl: number | null = null;
  let ipId: number | null = null;
  let offset: number | null = null;
  let payloadLength: number | null = null;
  // `-v`: `(tos 0x0, ttl 64, id 41025, offset 0, flags [DF], proto TCP (6), length 60)`, IPv6's `hlim 64`.
  if (tokens[j]?.text === '(' && V_HEADER.has(tokens[j + 1]?.text ?? '')) {
    let depth = 0;
    for (; j < tokens.length; j++) {
      const t = tokens[j].text;
      if (t === '(') depth++;
      else if (t === ')') {
        if (--depth === 0) break;
      } else if (depth === 1 && (t === 'ttl' || t === 'hlim')) ttl = readNumber(tokens[j + 1]?.text);
      else if (depth === 1 && t === 'id') ipId = readNumber(tokens[j + 1]?.text);
      else if (depth === 1 && t === 'offset') offset = readNumber(tokens[j + 1]?.text);
      else if (depth === 1 && t === 'payload' && tokens[j + 1]?.raw === 'length:')
        payloadLength = readNumber(tokens[j + 2]?.text);
    }
    j++;
  }
  if (!isSummaryPair(tokens, j)) return null;
  out.push(...macs);
  return { at: j, ttl, ipId, offset, payloadLength, frameLength };
}

/** Whether a packet's line (link fields, `IP`, `A > B:`) starts at tokens[j]: what a tunnel's header precedes. */
function startsPacket(tokens: Token[], j: number): boolean {
  return readHead(tokens, j, []) !== null;
}

/** TCP's fields from `Flags [S.],` to `length N` (or an operator, or the filter's end). */
function readTcp(
  tokens: Token[],
  j: number,
): { fields: PastedTcp; cksum: number | null; cksumShould: number | null; end: number; tail: boolean } {
  let cksum: number | null = null;
  let cksumShould: number | null = null;
  const f: PastedTcp = {
    flags: readFlags(tokens[j + 1].typed),
    seq: null,
    ack: null,
    win: null,
    urg: null,
    tsVal: null,
    tsEcr: null,
    length: null,
  };
  for (j += 2; j < tokens.length && !OPERATORS.has(tokens[j].text); j++) {
    const k = tokens[j].text;
    const v = tokens[j + 1]?.text;
    if (k === 'seq') f.seq = readNumber(v?.split(':')[0]);
    else if (k === 'ack') f.ack = readNumber(v);
    else if (k === 'cksum') {
      cksum = readNumber(v);
      // `cksum 0x1af5 (incorrect -> 0xe5ff)`.
      if (tokens[j + 2]?.text === '(' && tokens[j + 3]?.text === 'incorrect' && tokens[j + 4]?.text === '->')
        cksumShould = readNumber(tokens[j + 5]?.text);
    } else if (k === 'win') f.win = readNumber(v);
    else if (k === 'urg') f.urg = readNumber(v);
    // Inside `options [mss 1460,sackOK,TS val 3215003792 ecr 0,nop,wscale 10]`.
    else if (k === 'val') f.tsVal = readNumber(/^\d+/.exec(v ?? '')?.[0]);
    else if (k === 'ecr') f.tsEcr = readNumber(/^\d+/.exec(v ?? '')?.[0]);
    else if (k === 'length' && v !== undefined && /^\d+$/.test(v)) {
      f.length = +v;
      return { fields: f, cksum, cksumShould, end: j + 2, tail: tokens[j + 1].raw.endsWith(':') };
    }
  }
  return { fields: f, cksum, cksumShould, end: j, tail: false };
}

/** `[S.]`, `[none]` as TCP_* bits (typed in lower case, `[s.]`, as upper case); null when not tcpdump's flags. */
function readFlags(typed: string): number | null {
  const m = /^\[([^\]]*)\]/.exec(typed);
  if (!m) return null;
  if (m[1].toLowerCase() === 'none') return 0;
  let bits = 0;
  for (const c of /[A-Z]/.test(m[1]) ? m[1] : m[1].toUpperCase()) {
    if (!Object.hasOwn(FLAG_LETTERS, c)) return null;
    bits |= FLAG_LETTERS[c];
  }
  return bits;
}

/** A decimal (or `0x` hex, Geneve's `vni 0x7`) number of up to 32 bits, null otherwise. */
function readNumber(s: string | undefined): number | null {
  if (s === undefined) return null;
  if (/^\d{1,10}$/.test(s) && +s <= 0xffffffff) return +s;
  if (/^0x[0-9a-f]{1,8}$/.test(s)) return parseInt(s, 16);
  return null;
}

/** `ether DIR MAC` for a MAC of a pasted line's link fields. */
function etherTokens(dir: 'src' | 'dst', mac: Token): Token[] {
  const kw = (w: string): Token => ({ text: w, raw: w, typed: w, at: mac.at });
  return [kw('ether'), kw(dir), { ...mac, literal: false }];
}

/**
 * `MAC > MAC,`: a `tcpdump -e` line's link fields start at tokens[i] (an `ethertype` after them, or `-q`'s type
 * alone: `MAC > MAC, IPv4, length 98:`).
 */
function isMacPair(tokens: Token[], i: number): boolean {
  const b = tokens[i + 2];
  return (
    tokens[i + 1]?.text === '>' &&
    b !== undefined &&
    b.raw.endsWith(',') &&
    parseMac(tokens[i].text) >= 0 &&
    parseMac(b.text) >= 0 &&
    (tokens[i + 3]?.text === 'ethertype' ||
      (tokens[i + 3]?.raw.endsWith(',') === true && tokens[i + 4]?.text === 'length'))
  );
}

/** `A > B:` (addresses, or addresses and ports): a summary line's head, the colon tcpdump puts after it. */
export function isSummaryPair(tokens: Token[], i: number): boolean {
  const b = tokens[i + 2];
  return (
    tokens[i + 1]?.text === '>' &&
    b !== undefined &&
    b.raw !== b.text &&
    b.raw.endsWith(':') &&
    isEndpoint(tokens[i].text) &&
    isEndpoint(b.text)
  );
}

/** `40000 > 8080:`: ports alone, after IPv6's extension headers. */
function isPortPair(tokens: Token[], i: number): boolean {
  const b = tokens[i + 2];
  return (
    tokens[i + 1]?.text === '>' &&
    b !== undefined &&
    b.raw.endsWith(':') &&
    /^\d{1,5}$/.test(tokens[i].text) &&
    /^\d{1,5}$/.test(b.text)
  );
}

/**
 * Where a pasted line's link fields from `from` end: after their `length N:`, at `-v`'s header, or at the `A > B:`
 * (past a tagged frame's `vlan 100, p 0, ethertype IPv4 (0x0800),`), before the next operator.
 */
function linkEnd(tokens: Token[], from: number): number {
  let j = from;
  while (j < tokens.length && !tokens[j].raw.endsWith(':') && !OPERATORS.has(tokens[j].text)) j++;
  if (j === tokens.length || OPERATORS.has(tokens[j].text)) return j;
  j++;
  if (tokens[j]?.text === '(') return j;
  for (let k = j; k < tokens.length && !OPERATORS.has(tokens[k].text); k++)
    if (isSummaryPair(tokens, k)) return k;
  return j;
}

/** An address, or an address and a port as tcpdump joins them (`10.1.10.8.34258`, `fd44::5.8080`). */
function isEndpoint(w: string): boolean {
  return endpoint(w).addr !== '';
}

/** An endpoint's address (lower case; '' if none) and port (-1 if none). */
function endpoint(w: string): { addr: string; port: number } {
  if (parseIpv4(w) !== null || (w.includes(':') && parseIpv6(w) !== null)) return { addr: w, port: -1 };
  const dot = w.lastIndexOf('.');
  if (dot < 0 || !/^\d{1,5}$/.test(w.slice(dot + 1))) return { addr: '', port: -1 };
  const a = w.slice(0, dot);
  const port = +w.slice(dot + 1);
  if (port > 0xffff) return { addr: '', port: -1 };
  return parseIpv4(a) !== null || (a.includes(':') && parseIpv6(a) !== null)
    ? { addr: a, port }
    : { addr: '', port: -1 };
}
