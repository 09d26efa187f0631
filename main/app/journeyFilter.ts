// The journey filter: tcpdump's filter language (pcap-filter(7)) read over journeys. A primitive holds for a
// journey when it holds at one of its hops (inner headers and tunnels' outer headers alike), and and/or/not combine
// those answers, so `a and b` may hold at two different hops (across a NAT: docs/architecture.md); any other word
// matches a whole word of the journey. Parsed and compiled once per query into closures over a JourneyIndex
// (journeyIndex.ts) built once per session, so a million journeys filter with nothing compiled per journey.

import {
  FAMILY_IP,
  FAMILY_IP6,
  filterWord,
  HOP_IP_BCAST,
  HOP_GENEVE,
  HOP_IPIP,
  HOP_VLAN,
  HOP_VXLAN,
  type JourneyIndex,
  parseIpv6,
  PORT_ANY,
  PORT_SCTP,
  PORT_TCP,
  PORT_UDP,
  portKind,
  portNumber,
  ROLE_ANY,
  ROLE_DST,
  ROLE_SRC,
  VLAN_DEPTH_SHIFT,
  VLAN_ID_MASK,
} from './journeyIndex.ts';
import { MAX_VLAN_TAGS } from '../decode/ethernet.ts';
import { readPort } from './portNames.ts';
import { chosenByGlobOnly, isGlobSelector, selectorNodeMatches } from '../capture/selection.ts';
import { HopscopeError } from '../common/errors.ts';
import { parseIpv4, parseMac } from '../session/interfaces.ts';
import { pastedLines, type PastedPacket, type Token } from './pastedLine.ts';

/** `src`, `dst`, `src or dst` (null: either) or `src and dst` (both). */
export type Dir = 'src' | 'dst' | 'both' | null;

/** A parsed filter. Words (a summary's text, `vni=N`, `A > B` as `a>b`) are words of the index. */
export type FilterExpr =
  | { op: 'and' | 'or'; a: FilterExpr; b: FilterExpr }
  | { op: 'not'; a: FilterExpr }
  | { op: 'word'; word: string }
  /** An address under a mask (`host` is a full mask), IPv4 or IPv6, in any hop's inner or outer header. */
  | { op: 'net'; dir: Dir; v6: boolean; addr: number[]; mask: number[] }
  | { op: 'ether'; dir: Dir; mac: number }
  /** A TCP/UDP/SCTP port in [lo, hi], of the PORT_* kinds. */
  | { op: 'port'; dir: Dir; lo: number; hi: number; kinds: number }
  /** `ip proto N` (ip), `ip6 proto N` (ip6), `proto N` (both). */
  | { op: 'proto'; ip: boolean; ip6: boolean; proto: number }
  | { op: 'ethertype'; type: number }
  | { op: 'cast'; layer: 'ether' | 'ip' | 'ip6'; kind: 'broadcast' | 'multicast' }
  | { op: 'len'; cmp: 'less' | 'greater'; n: number }
  /**
   * A hop's frame had a tag (802.1Q/802.1ad) at `depth`, with VLAN id `id` if given: the filter's first `vlan` reads
   * the outermost tag (depth 0), each later one the next tag in (a QinQ frame's inner), as tcpdump does.
   */
  | { op: 'vlan'; depth: number; id?: number }
  /** An interface glob (`cali*`, `node-1:veth*`, `node-1/cali*`): a hop on an interface it names. */
  | { op: 'iface'; glob: string }
  /** `geneve`: a hop in Geneve (`geneve N`, its VNI N, reads as the word `geneve-vni=N`). */
  | { op: 'geneve' }
  /** A pasted tcpdump line's packet (pastedLine.ts): a hop whose packet is the one it describes (pastedMatch.ts). */
  | { op: 'packet'; packet: PastedPacket };

/** Why a filter could not be read, with where (0-based character offset). */
export class JourneyFilterError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

/** tcpdump's operators split words wherever they stand; `!` only where a word starts (`!udp`), `!=` kept whole. */
function tokenize(filter: string): Token[] {
  const out: Token[] = [];
  const s = filter.toLowerCase();
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '!' && s[i + 1] === '=') {
      out.push({ text: '!=', raw: '!=', typed: '!=', at: i });
      i += 2;
    } else if (c === '(' || c === ')' || c === '!') {
      out.push({ text: c, raw: c, typed: c, at: i++ });
    } else if ((c === '&' || c === '|') && s[i + 1] === c) {
      out.push({ text: c + c, raw: c + c, typed: c + c, at: i });
      i += 2;
    } else {
      const at = i;
      while (i < s.length && !/[\s()]/.test(s[i]) && !((s[i] === '&' || s[i] === '|') && s[i + 1] === s[i]))
        i++;
      const raw = s.slice(at, i);
      const w = filterWord(raw);
      if (w) out.push({ text: w, raw, typed: filter.slice(at, at + w.length), at });
    }
  }
  return out;
}

const AND = new Set(['and', '&&']);
const OR = new Set(['or', '||']);
const NOT = new Set(['not', '!']);

/** pcap's protocol keywords that stand for `[ip|ip6] proto N`: [number, over IPv4, over IPv6]. */
const PROTO_KEYWORDS: Record<string, readonly [number, boolean, boolean]> = {
  icmp: [1, true, false],
  igmp: [2, true, false],
  igrp: [9, true, false],
  tcp: [6, true, true],
  udp: [17, true, true],
  esp: [50, true, true],
  ah: [51, true, true],
  icmp6: [58, false, true],
  pim: [103, true, true],
  vrrp: [112, true, false],
  carp: [112, true, false],
  sctp: [132, true, true],
};

/**
 * Protocol names `proto`, `ip proto` and `ip6 proto` take (tcpdump wants them escaped: `proto \tcp`), as libpcap
 * looks them up in /etc/protocols (getprotobyname: a name or an alias, spelt as the file spells it, so `\tcp` and
 * `\TCP` but not `\Tcp`, and `\OSPFIGP` but not `\ospfigp`). A built-in copy of Debian's (netbase) file, so the
 * app reads the same on every machine; tests check it against the machine's file and tcpdump. `ipip` is 94 there
 * (IP-within-IP), not the IPIP tunnels' 4, which is `ipencap`. libpcap's keywords icmp6, igrp and carp are no
 * protocol names: tcpdump refuses `proto \icmp6` (/etc/protocols calls 58 ipv6-icmp).
 */
export const PROTO_NAMES: Readonly<Record<string, number>> = Object.fromEntries(
  (
    [
      [0, 'ip', 'IP'],
      [0, 'hopopt', 'HOPOPT'],
      [1, 'icmp', 'ICMP'],
      [2, 'igmp', 'IGMP'],
      [3, 'ggp', 'GGP'],
      [4, 'ipencap', 'IP-ENCAP'],
      [5, 'st', 'ST'],
      [6, 'tcp', 'TCP'],
      [8, 'egp', 'EGP'],
      [9, 'igp', 'IGP'],
      [12, 'pup', 'PUP'],
      [17, 'udp', 'UDP'],
      [20, 'hmp', 'HMP'],
      [22, 'xns-idp', 'XNS-IDP'],
      [27, 'rdp', 'RDP'],
      [29, 'iso-tp4', 'ISO-TP4'],
      [33, 'dccp', 'DCCP'],
      [36, 'xtp', 'XTP'],
      [37, 'ddp', 'DDP'],
      [38, 'idpr-cmtp', 'IDPR-CMTP'],
      [41, 'ipv6', 'IPv6'],
      [43, 'ipv6-route', 'IPv6-Route'],
      [44, 'ipv6-frag', 'IPv6-Frag'],
      [45, 'idrp', 'IDRP'],
      [46, 'rsvp', 'RSVP'],
      [47, 'gre', 'GRE'],
      [50, 'esp', 'IPSEC-ESP'],
      [51, 'ah', 'IPSEC-AH'],
      [57, 'skip', 'SKIP'],
      [58, 'ipv6-icmp', 'IPv6-ICMP'],
      [59, 'ipv6-nonxt', 'IPv6-NoNxt'],
      [60, 'ipv6-opts', 'IPv6-Opts'],
      [73, 'rspf', 'RSPF', 'CPHB'],
      [81, 'vmtp', 'VMTP'],
      [88, 'eigrp', 'EIGRP'],
      [89, 'ospf', 'OSPFIGP'],
      [93, 'ax.25', 'AX.25'],
      [94, 'ipip', 'IPIP'],
      [97, 'etherip', 'ETHERIP'],
      [98, 'encap', 'ENCAP'],
      [103, 'pim', 'PIM'],
      [108, 'ipcomp', 'IPCOMP'],
      [112, 'vrrp', 'VRRP'],
      [115, 'l2tp', 'L2TP'],
      [124, 'isis', 'ISIS'],
      [132, 'sctp', 'SCTP'],
      [133, 'fc', 'FC'],
      [135, 'mobility-header', 'Mobility-Header'],
      [136, 'udplite', 'UDPLite'],
      [137, 'mpls-in-ip', 'MPLS-in-IP'],
      [138, 'manet'],
      [139, 'hip', 'HIP'],
      [140, 'shim6', 'Shim6'],
      [141, 'wesp', 'WESP'],
      [142, 'rohc', 'ROHC'],
      [143, 'ethernet', 'Ethernet'],
      // Beyond IP's one-byte protocol field: tcpdump compiles `proto \mptcp` to a test no packet passes.
      [262, 'mptcp', 'MPTCP'],
    ] as const
  ).flatMap(([n, ...names]) => names.map((name) => [name, n])),
);

/** The Ethernet types `ip`, `ip6`, `arp` and `rarp` stand for. */
const ETHER_TYPES: Record<string, number> = { ip: 0x0800, arp: 0x0806, rarp: 0x8035, ip6: 0x86dd };
/**
 * Ethernet types `ether proto` takes by name (escaped in tcpdump: `ether proto \arp`): libpcap's own table
 * (nametoaddr.c's eproto_db, lower case only). Besides IPv4 and IPv6 no journey has them; `\atalk`, `\decnet`,
 * `\ipx`, `\iso`, `\stp` and `\netbeui` are pcap's keywords, refused as those are (UNSUPPORTED).
 */
const ETHER_PROTO_NAMES: Record<string, number> = {
  ...ETHER_TYPES,
  aarp: 0x80f3,
  lat: 0x6004,
  loopback: 0x9000,
  mopdl: 0x6001,
  moprc: 0x6002,
  sca: 0x6007,
};
const ETHERTYPE_IP = 0x0800;
const ETHERTYPE_IP6 = 0x86dd;
const VLAN_TYPES = new Set([0x8100, 0x88a8, 0x9100]);

const TRANSPORT_KINDS: Record<string, number> = { tcp: PORT_TCP, udp: PORT_UDP, sctp: PORT_SCTP };

/** pcap primitives the journey filter does not read, and why (said instead of silently matching nothing). */
const UNSUPPORTED: Record<string, string> = {
  gateway: 'needs name resolution and the gateway’s MAC; write ether host MAC and not host ADDR',
  len: 'pcap’s length arithmetic is not supported; use less N or greater N',
  inbound: 'a hop’s capture direction is not kept; name the interface instead (node-1/ens33)',
  outbound: 'a hop’s capture direction is not kept; name the interface instead (node-1/ens33)',
  ifname: 'pflog fields are not kept; name the interface instead (node-1/ens33)',
  mpls: 'MPLS is not decoded, so no journey has it',
  pppoed: 'PPPoE is not decoded, so no journey has it',
  pppoes: 'PPPoE is not decoded, so no journey has it',
  llc: 'LLC frames are not IP packets, so no journey has them (the interface panes show them)',
  stp: 'STP frames are not IP packets, so no journey has them (the interface panes show them)',
  ipx: 'IPX is not decoded, so no journey has it',
  iso: 'ISO protocols are not decoded, so no journey has them',
  decnet: 'DECnet is not decoded, so no journey has it',
  atalk: 'AppleTalk is not decoded, so no journey has it',
  netbeui: 'NetBEUI is not decoded, so no journey has it',
  fddi: 'FDDI links are not read',
  wlan: '802.11 headers are not read',
};

/** Words that are grammar, never an argument (`host and` is missing its address). */
const KEYWORDS = new Set([
  ...AND,
  ...OR,
  ...NOT,
  '(',
  ')',
  '>',
  'src',
  'dst',
  'host',
  'net',
  'mask',
  'port',
  'portrange',
  'ether',
  'ip',
  'ip6',
  'arp',
  'rarp',
  'vni',
  'proto',
  'broadcast',
  'multicast',
  'less',
  'greater',
  'vlan',
  'geneve',
  ...Object.keys(PROTO_KEYWORDS),
  ...Object.keys(UNSUPPORTED),
]);

type Kind = 'host' | 'net' | 'port' | 'portrange' | 'ether' | 'vni';
/** A qualified primitive's qualifiers: protocol (ip, ip6, arp, rarp, tcp, udp, sctp), direction and type. */
type Qualifier = { proto: string | null; dir: Dir; kind: Kind };

/**
 * Parses a journey filter; null for an empty one (every journey). Precedence as pcap's: not binds tightest; and,
 * or and two terms side by side (an and) are equal and associate left to right.
 * Throws JourneyFilterError for a filter it cannot read.
 */
export function parseJourneyFilter(filter: string): FilterExpr | null {
  const p = new Parser(pastedLines(tokenize(filter)), filter.length);
  if (!p.tokens.length) return null;
  const e = p.expr();
  const t = p.peek();
  if (t) {
    if (t.text === ')') throw new JourneyFilterError(`unmatched ")" at column ${t.at + 1}`, t.at);
    throw new JourneyFilterError(`unexpected "${t.text}" at column ${t.at + 1}`, t.at);
  }
  return e;
}

/** Why a filter cannot be read, null when it can. */
export function journeyFilterError(filter: string): string | null {
  try {
    parseJourneyFilter(filter);
    return null;
  } catch (e) {
    if (e instanceof JourneyFilterError) return e.message;
    throw e;
  }
}

/** pcap's relational and arithmetic operators (`tcp[13] & 2 != 0`, `len >= 100`, `ip[8] = 1`). */
// (Not a lone `-`: a pasted summary has one, as in `unreachable - need to frag`.)
const ARITHMETIC = /^(?:[<=&|]|!=|==|<=|>=|<<|>>)$|^[a-z][a-z0-9]*\[|[!<>=]=/;

const ARITHMETIC_WHY =
  "pcap's byte offsets and comparisons (like tcp[13] & 2 != 0 or len >= 100) are not supported: journeys " +
  'keep decoded header fields, not packet bytes (use tcp, port, portrange, less N or greater N)';

class Parser {
  private i = 0;
  /** The last qualified primitive's qualifiers, inherited by an address after and/or (`port 80 or 443`). */
  private last: Qualifier | null = null;
  private afterOperator = false;
  /** The filter's `vlan`s read so far: the next one reads the tag that deep. */
  private vlans = 0;

  constructor(
    readonly tokens: Token[],
    private readonly end: number,
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  private next(): Token | undefined {
    return this.tokens[this.i++];
  }

  private fail(message: string, at = this.peek()?.at ?? this.end): never {
    throw new JourneyFilterError(message, at);
  }

  /**
   * pcap-filter(7): "Alternation and concatenation have equal precedence and associate left to right", so
   * `a or b and c` is `(a or b) and c`. Two terms side by side are an `and` of the same precedence.
   */
  expr(): FilterExpr {
    let e = this.unary();
    for (;;) {
      const t = this.peek();
      if (!t || t.text === ')') return e;
      let op: 'and' | 'or' = 'and';
      if (!t.literal && (AND.has(t.text) || OR.has(t.text))) {
        op = OR.has(t.text) ? 'or' : 'and';
        this.next();
        this.operand(t);
        this.afterOperator = true;
      }
      e = { op, a: e, b: this.unary() };
    }
  }

  /** An operator needs a term after it. */
  private operand(op: Token): void {
    const t = this.peek();
    if (!t || t.text === ')' || AND.has(t.text) || OR.has(t.text))
      this.fail(`"${op.text}" at column ${op.at + 1} needs a term after it`, op.at);
  }

  private unary(): FilterExpr {
    const t = this.peek();
    if (!t) return this.fail('the filter ends where a term should be');
    if (t.packet) {
      this.next();
      this.afterOperator = false;
      this.last = null;
      return { op: 'packet', packet: t.packet };
    }
    if (t.literal) {
      this.next();
      this.afterOperator = false;
      this.last = null;
      return word(t.text);
    }
    if (AND.has(t.text) || OR.has(t.text))
      this.fail(`"${t.text}" at column ${t.at + 1} needs a term before it`, t.at);
    if (NOT.has(t.text)) {
      this.next();
      this.operand(t);
      return { op: 'not', a: this.unary() };
    }
    if (t.text === '(') {
      this.next();
      if (this.peek()?.text === ')') this.fail(`empty parentheses at column ${t.at + 1}`, t.at);
      const e = this.expr();
      if (this.peek()?.text !== ')') {
        const why =
          t.lineAt === undefined
            ? ''
            : `: the pasted line at column ${t.lineAt + 1} took it, as tcpdump may print one where it stands (in ` +
              'the packet’s own text, a name or a payload, whose end is not certain); write the line without ' +
              'parentheses, your terms before it (port 80 and <line>)';
        this.fail(`"(" at column ${t.at + 1} has no matching ")"${why}`, t.at);
      }
      this.next();
      return e;
    }
    if (t.text === ')') this.fail(`unmatched ")" at column ${t.at + 1}`, t.at);
    const inherit = this.afterOperator;
    this.afterOperator = false;
    return this.primitive(inherit);
  }

  /** The word after a keyword (not a keyword itself), or a reason. */
  private argument(what: string, kw: Token): Token {
    const t = this.peek();
    if (!t || KEYWORDS.has(t.text)) this.fail(`"${kw.text}" at column ${kw.at + 1} needs ${what}`, kw.at);
    this.refuseArithmetic(t);
    return this.next()!;
  }

  /** Byte offsets and comparisons (`tcp[13] & 2 != 0`, `len >= 100`) are not read: the index has no packet bytes. */
  private refuseArithmetic(t: Token): void {
    if (ARITHMETIC.test(t.text) || t.text === 'len' || /^len[<>=!]/.test(t.text))
      this.fail(`"${t.text}" at column ${t.at + 1}: ${ARITHMETIC_WHY}`, t.at);
  }

  private primitive(inherit: boolean): FilterExpr {
    const t = this.peek()!;
    const w = t.text;
    if (isInterfaceGlob(w)) {
      this.next();
      this.last = null;
      return this.interfaceGlob(t);
    }
    if (Object.hasOwn(UNSUPPORTED, w) && w !== 'len')
      this.fail(`"${w}" at column ${t.at + 1} is not supported: ${UNSUPPORTED[w]}`, t.at);
    this.refuseArithmetic(t);
    this.next();
    if (w === 'ether') return this.ether(t);
    if (w === 'ip' || w === 'ip6' || w === 'arp' || w === 'rarp') return this.network(t);
    if (Object.hasOwn(TRANSPORT_KINDS, w)) {
      const q = this.peek()?.text;
      if (q === 'src' || q === 'dst' || q === 'port' || q === 'portrange') return this.qualifiedBy(w, t);
      if (q === 'host' || q === 'net')
        this.fail(`"${w}" at column ${t.at + 1} qualifies a port, not a ${q} (tcpdump refuses it too)`, t.at);
    }
    if (Object.hasOwn(PROTO_KEYWORDS, w)) {
      const [proto, ip, ip6] = PROTO_KEYWORDS[w];
      return { op: 'proto', ip, ip6, proto };
    }
    if (w === 'proto') return { op: 'proto', ip: true, ip6: true, proto: this.protoNumber(t) };
    if (w === 'src' || w === 'dst' || w === 'host' || w === 'net' || w === 'port' || w === 'portrange') {
      this.i--;
      return this.qualifiedBy(null, t);
    }
    if (w === 'broadcast' || w === 'multicast') return { op: 'cast', layer: 'ether', kind: w };
    if (w === 'less' || w === 'greater') {
      const a = this.argument('a length in bytes', t);
      if (!/^\d{1,9}$/.test(a.text)) this.fail(`"${w}" at column ${t.at + 1} needs a length in bytes`, t.at);
      return { op: 'len', cmp: w, n: +a.text };
    }
    if (w === 'vlan') {
      // tcpdump reads each `vlan` after the first one (in either branch of an or, in the order written) one tag
      // further in: `vlan 100 and vlan 20` is outer tag 100 and inner tag 20 (QinQ).
      const depth = this.vlans++;
      if (depth >= MAX_VLAN_TAGS)
        this.fail(
          `"vlan" at column ${t.at + 1} is the filter's vlan number ${depth + 1}: tcpdump reads it as tag ` +
            `${depth + 1} from the outside, and frames are decoded through ${MAX_VLAN_TAGS} tags at most`,
          t.at,
        );
      const n = this.peek();
      if (!n || !/^(?:\d+|0x[0-9a-f]+)$/.test(n.text)) return { op: 'vlan', depth };
      this.next();
      const id = readNumber(n.text);
      if (id === null || id > 4095)
        this.fail(
          `"vlan ${n.text}" at column ${t.at + 1}: a VLAN id is 0–4095 (tcpdump refuses it too)`,
          t.at,
        );
      return { op: 'vlan', depth, id };
    }
    if (w === 'geneve') {
      // pcap's `geneve [VNI]`: UDP to 6081 (with that VNI). What follows applies to the packet inside in pcap;
      // over a journey, to its inner packet at any hop, the same journeys for a Geneve-tunnelled path.
      const n = this.peek();
      if (n && /^\d+$/.test(n.text)) {
        this.next();
        if (+n.text > 0xffffff)
          this.fail(`geneve vni "${n.text}" at column ${n.at + 1} is not a number 0–16777215`, n.at);
        return word(`geneve-vni=${+n.text}`);
      }
      return { op: 'geneve' };
    }
    // `vni N` is the word vni=N, which a VXLAN hop and a Geneve hop (its VNI) both have.
    if (w === 'vni')
      return this.qualified(
        { proto: null, dir: null, kind: 'vni' },
        this.argument('a VNI (a VXLAN or Geneve network id, 0–16777215)', t),
      );
    if (w === 'mask') this.fail(`"mask" at column ${t.at + 1} follows net ADDR`, t.at);
    if (w === '>') this.fail(`">" at column ${t.at + 1} needs an address on each side`, t.at);
    // `A > B`: a hop from A to B (a summary's `10.244.0.12 > 10.244.1.34:` pasted in).
    if (this.peek()?.text === '>') {
      const gt = this.next()!;
      const b = this.peek();
      if (!b || KEYWORDS.has(b.text))
        this.fail(`">" at column ${gt.at + 1} needs an address on each side`, gt.at);
      // `5 > 3`, `ip[8] > 64` read in pcap as a comparison, which the index cannot make.
      if (/^\d+$/.test(w) || /^\d+$/.test(b.text))
        this.fail(
          `">" at column ${gt.at + 1} between numbers is pcap's comparison: ${ARITHMETIC_WHY}`,
          gt.at,
        );
      this.next();
      this.last = null;
      return word(`${w}>${b.text}`);
    }
    // pcap's shorthand: `port 80 or 443`, `src net 10.0.0.0/8 or 192.168.0.0/16` (only for a word of that shape).
    if (inherit && this.last && fits(this.last.kind, w)) return this.qualified(this.last, t);
    if (parseMac(w) >= 0) return { op: 'ether', dir: null, mac: parseMac(w) };
    if (w.includes('/') && parseNet(w)) return this.qualified({ proto: null, dir: null, kind: 'net' }, t);
    this.last = null;
    // `node-1:ens33`, as --iface and the CLI's messages name an interface: the hop ladder's node-1/ens33.
    if (isNodeInterface(w)) return this.interfaceGlob(t);
    return word(w);
  }

  /** `cali*`, `node-1:veth*`, `node-1/cali*`: read as the capture's `--iface` selectors are (`*`, `?`, `[…]`). */
  private interfaceGlob(t: Token): FilterExpr {
    const glob = interfaceSelector(t.text);
    const colon = glob.indexOf(':');
    const part = glob.slice(colon + 1);
    try {
      // Both halves' patterns are read (a node named otherwise than `node` would skip the interface's).
      if (colon >= 0) selectorNodeMatches(glob, '');
      if (isGlobSelector(part)) chosenByGlobOnly([part], '', '');
    } catch (e) {
      if (e instanceof HopscopeError) this.fail(`"${t.text}" at column ${t.at + 1}: ${e.message}`, t.at);
      throw e;
    }
    return { op: 'iface', glob };
  }

  /** `ether [src|dst] [host] MAC`, `ether broadcast|multicast`, `ether proto TYPE`. */
  private ether(t: Token): FilterExpr {
    const q = this.peek()?.text;
    if (q === 'broadcast' || q === 'multicast') {
      this.next();
      return { op: 'cast', layer: 'ether', kind: q };
    }
    if (q === 'proto') {
      const p = this.next()!;
      const a = this.argumentOrKeyword('an Ethernet type (ip, ip6, arp, rarp or a number)', p);
      const name = a.typed.replace(/^\\/, '');
      if (Object.hasOwn(ETHER_PROTO_NAMES, name)) return { op: 'ethertype', type: ETHER_PROTO_NAMES[name] };
      const lower = name.toLowerCase();
      if (
        Object.hasOwn(UNSUPPORTED, lower) &&
        ['atalk', 'decnet', 'ipx', 'iso', 'stp', 'netbeui'].includes(lower)
      )
        this.fail(
          `ether proto "${a.typed}" at column ${a.at + 1} is not supported: ${UNSUPPORTED[lower]}`,
          a.at,
        );
      const type = readNumber(lower);
      if (type === null || type > 0xffff)
        this.fail(
          `ether proto "${a.typed}" at column ${a.at + 1} is not an Ethernet type` +
            (Object.hasOwn(ETHER_PROTO_NAMES, lower)
              ? ` (write \\${lower}, in lower case; tcpdump refuses it too)`
              : /^(?:\d+|0x[0-9a-f]+)$/.test(lower)
                ? ' number 0–65535 (0x0–0xffff)'
                : ' (tcpdump refuses it too)'),
          a.at,
        );
      return { op: 'ethertype', type };
    }
    const dir = this.direction();
    if (this.peek()?.text === 'host') this.next();
    else if (!dir)
      this.fail(
        `"ether" at column ${t.at + 1} needs host, src or dst and a MAC address, broadcast, multicast or proto`,
        t.at,
      );
    return this.qualified({ proto: 'ether', dir, kind: 'ether' }, this.argument('a MAC address', t));
  }

  /** `ip`, `ip6`, `arp`, `rarp` alone (the Ethernet type), with `proto`, `broadcast`/`multicast` or an address. */
  private network(t: Token): FilterExpr {
    const w = t.text;
    const q = this.peek()?.text;
    if (q === 'proto' && (w === 'ip' || w === 'ip6')) {
      const proto = this.protoNumber(this.next()!);
      return { op: 'proto', ip: w === 'ip', ip6: w === 'ip6', proto };
    }
    if (q === 'broadcast' || q === 'multicast') {
      const c = this.next()!;
      if (w === 'ip6' && q === 'broadcast')
        this.fail(
          `"ip6 broadcast" at column ${t.at + 1}: IPv6 has no broadcast (tcpdump refuses it too)`,
          t.at,
        );
      if (w === 'arp' || w === 'rarp')
        this.fail(`"${w} ${q}" at column ${t.at + 1}: write ether ${q} (tcpdump refuses it too)`, c.at);
      return { op: 'cast', layer: w === 'ip6' ? 'ip6' : 'ip', kind: q };
    }
    if (q === 'src' || q === 'dst' || q === 'host' || q === 'net') return this.qualifiedBy(w, t);
    if (q === 'port' || q === 'portrange')
      this.fail(
        `"${w} ${q}" at column ${t.at + 1}: a port belongs to tcp, udp or sctp (write tcp ${q} N)`,
        t.at,
      );
    return { op: 'ethertype', type: ETHER_TYPES[w] };
  }

  /** A primitive's `[src|dst|src or dst|src and dst] [host|net|port|portrange] ARG` after protocol `proto`. */
  private qualifiedBy(proto: string | null, at: Token): FilterExpr {
    const dir = this.direction();
    const k = this.peek()?.text;
    let kind: Kind = 'host';
    if (k === 'host' || k === 'net' || k === 'port' || k === 'portrange') {
      this.next();
      kind = k;
    } else if (proto && Object.hasOwn(TRANSPORT_KINDS, proto))
      this.fail(`"${proto}" at column ${at.at + 1} needs port or portrange after it`, at.at);
    if (proto && Object.hasOwn(TRANSPORT_KINDS, proto) && (kind === 'host' || kind === 'net'))
      this.fail(
        `"${proto}" at column ${at.at + 1} qualifies a port, not a ${kind} (tcpdump refuses it too)`,
        at.at,
      );
    if (proto && !Object.hasOwn(TRANSPORT_KINDS, proto) && (kind === 'port' || kind === 'portrange'))
      this.fail(`"${proto} ${kind}" at column ${at.at + 1}: a port belongs to tcp, udp or sctp`, at.at);
    const what = {
      host: 'an address',
      net: 'a network',
      port: 'a port number or name',
      portrange: 'a port range (like 8000-8080)',
    }[kind];
    return this.qualified({ proto, dir, kind }, this.argument(what, at));
  }

  /** `src`, `dst`, `src or dst`, `src and dst` (consumed), or null when none is there. */
  private direction(): Dir {
    const d = this.peek()?.text;
    if (d !== 'src' && d !== 'dst') return null;
    this.next();
    const op = this.peek()?.text;
    const other = this.peek(1)?.text;
    if (op && (AND.has(op) || OR.has(op)) && (other === 'src' || other === 'dst') && other !== d) {
      this.i += 2;
      return AND.has(op) ? 'both' : null;
    }
    return d;
  }

  /**
   * The protocol after `proto`: a number or a name, escaped as tcpdump wants it (`proto \tcp`) or not. A name is
   * one of /etc/protocols' as it spells it (PROTO_NAMES), as libpcap looks it up.
   */
  private protoNumber(kw: Token): number {
    const a = this.argumentOrKeyword('a protocol name or number', kw);
    const name = a.typed.replace(/^\\/, '');
    if (Object.hasOwn(PROTO_NAMES, name)) {
      const n = PROTO_NAMES[name];
      if (n > 255)
        this.fail(
          `proto "${a.typed}" at column ${a.at + 1} is ${n} in /etc/protocols, more than an IP header's ` +
            'protocol field holds: no packet has it (tcpdump compiles it to a filter that keeps nothing)',
          a.at,
        );
      return n;
    }
    const n = readNumber(name.toLowerCase());
    if (n !== null && n <= 255) return n;
    if (n !== null) this.fail(`proto "${a.typed}" at column ${a.at + 1} is not a number 0–255`, a.at);
    const spelt = Object.keys(PROTO_NAMES).filter((p) => p.toLowerCase() === name.toLowerCase());
    const hint = spelt.length
      ? ` (write ${spelt.map((p) => `\\${p}`).join(' or ')}, as /etc/protocols spells it; tcpdump refuses it too)`
      : Object.hasOwn(PROTO_KEYWORDS, name.toLowerCase())
        ? ` (${name.toLowerCase()} is pcap's keyword, not an /etc/protocols name: write ` +
          `${protoName(PROTO_KEYWORDS[name.toLowerCase()][0])}; tcpdump refuses it too)`
        : ' (tcpdump refuses it too)';
    return this.fail(
      `proto "${a.typed}" at column ${a.at + 1} is not an IP protocol name or number 0–255${hint}`,
      a.at,
    );
  }

  /** An argument that may be a keyword too (`proto tcp`, `ether proto ip`: tcpdump wants `\tcp`, `\ip`). */
  private argumentOrKeyword(what: string, kw: Token): Token {
    const t = this.peek();
    if (!t || t.text === '(' || t.text === ')' || AND.has(t.text) || OR.has(t.text) || NOT.has(t.text))
      this.fail(`"${kw.text}" at column ${kw.at + 1} needs ${what}`, kw.at);
    return this.next()!;
  }

  private qualified(q: Qualifier, arg: Token): FilterExpr {
    this.last = q;
    const a = arg.text;
    const at = arg.at;
    switch (q.kind) {
      case 'host': {
        const v4 = parseIpv4(a);
        const v6 = v4 === null && a.includes(':') ? parseIpv6(arg.raw) : null;
        if (v4 === null && !v6)
          this.fail(
            `host "${a}" at column ${at + 1} is not an IPv4 or IPv6 address (names are not resolved; ` +
              `the word ${a} alone matches it anywhere)`,
            at,
          );
        if (q.proto === 'ip' && v6)
          this.fail(`"ip" applied to the IPv6 host ${a} (tcpdump refuses it too)`, at);
        if (q.proto === 'ip6' && v4 !== null)
          this.fail(`"ip6" applied to the IPv4 host ${a} (tcpdump refuses it too)`, at);
        const e: FilterExpr = v6
          ? { op: 'net', dir: q.dir, v6: true, addr: [...v6], mask: masks(128, 4) }
          : { op: 'net', dir: q.dir, v6: false, addr: [v4!], mask: [0xffffffff] };
        return this.onLink(q, e);
      }
      case 'port':
      case 'portrange': {
        const range = q.kind === 'port' ? [a, a] : /^([^-]+)-([^-]+)$/.exec(a)?.slice(1);
        const ends = range?.map(readPort);
        if (!range || !ends || !ends[0] || !ends[1])
          this.fail(
            q.kind === 'port'
              ? `port "${a}" at column ${at + 1} is not a number 0–65535 or a known service name`
              : `portrange "${a}" at column ${at + 1} is not two ports 0–65535 (or service names) joined by -`,
            at,
          );
        // A service name listed for TCP only (ssh) means a TCP port, as libpcap reads /etc/services.
        let kinds = ends[0][1] & ends[1][1];
        if (q.proto) {
          const want = TRANSPORT_KINDS[q.proto];
          if ((kinds & want) === 0)
            this.fail(
              `port "${a}" at column ${at + 1} is not a ${q.proto} port (tcpdump refuses it too)`,
              at,
            );
          kinds = want;
        }
        const [lo, hi] = [ends[0][0], ends[1][0]].sort((x, y) => x - y);
        return { op: 'port', dir: q.dir, lo, hi, kinds: kinds || PORT_ANY };
      }
      case 'vni':
        if (!/^\d{1,8}$/.test(a) || +a > 0xffffff)
          this.fail(`vni "${a}" at column ${at + 1} is not a number 0–16777215`, at);
        return word(`vni=${+a}`);
      case 'ether': {
        const mac = parseMac(a);
        if (mac < 0)
          this.fail(`"${a}" at column ${at + 1} is not a MAC address (like 00:0c:29:2f:33:85)`, at);
        return { op: 'ether', dir: q.dir, mac };
      }
      case 'net': {
        const n = parseNet(arg.raw);
        if (!n)
          this.fail(`net "${a}" at column ${at + 1} is not an IPv4 or IPv6 network (like 10.244.0.0/16)`, at);
        if (typeof n === 'string') this.fail(`net "${a}" at column ${at + 1}: ${n}`, at);
        if (q.proto === 'ip' && n.v6)
          this.fail(`"ip" applied to the IPv6 net ${a} (tcpdump refuses it too)`, at);
        if (q.proto === 'ip6' && !n.v6)
          this.fail(`"ip6" applied to the IPv4 net ${a} (tcpdump refuses it too)`, at);
        if (this.peek()?.text === 'mask') {
          const m = this.next()!;
          const arg2 = this.argument('a dotted IPv4 mask', m);
          const mask = parseIpv4(arg2.text);
          if (n.v6 || arg.raw.includes('/') || mask === null)
            this.fail(
              `"net ${a} mask ${arg2.text}" at column ${at + 1}: mask takes an IPv4 network and mask`,
              at,
            );
          if ((n.addr[0] & ~mask) >>> 0 !== 0)
            this.fail(`net "${a} mask ${arg2.text}" at column ${at + 1}: non-network bits set`, at);
          return this.onLink(q, { op: 'net', dir: q.dir, v6: false, addr: n.addr, mask: [mask] });
        }
        return this.onLink(q, { op: 'net', dir: q.dir, ...n });
      }
    }
  }

  /** `arp host X`: an ARP packet with that address (no journey is ARP, as the correlator follows IP packets). */
  private onLink(q: Qualifier, e: FilterExpr): FilterExpr {
    if (q.proto === 'arp' || q.proto === 'rarp')
      return { op: 'and', a: { op: 'ethertype', type: ETHER_TYPES[q.proto] }, b: e };
    return e;
  }
}

/**
 * A word with `*` or `?` is an interface glob (`cali*`, `veth?a`, `cali[0-9a-f]*`), unless it is pcap's arithmetic
 * (`tcp[12]*4`, `len*2>100`), refused as such.
 */
function isInterfaceGlob(w: string): boolean {
  return /[*?]/.test(w) && !/[<>=&|]/.test(w) && !PCAP_INDEXED.test(w);
}

/**
 * `NODE:IFACE` without a glob character (`node-1:ens33`, as `--iface` takes it): one colon with a name on each side,
 * not an address and port (`10.1.10.9:8472`, a word) or an IPv6 address (more colons).
 */
function isNodeInterface(w: string): boolean {
  const colon = w.indexOf(':');
  return (
    colon > 0 &&
    colon < w.length - 1 &&
    w.indexOf(':', colon + 1) < 0 &&
    parseIpv4(w.slice(0, colon)) === null
  );
}

/** pcap's `proto[offset]` and `len`, which start arithmetic. */
const PCAP_INDEXED =
  /^(?:ether|link|ppp|slip|fddi|tr|wlan|radio|ip|ip6|arp|rarp|tcp|udp|icmp|icmp6|igmp|igrp|pim|vrrp|carp|sctp)\[|^len\b/;

/** A glob as a capture selector: `node-1/cali*` (the hop ladder's way) as `node-1:cali*`. */
function interfaceSelector(glob: string): string {
  const slash = glob.indexOf('/');
  return glob.includes(':') || slash < 0 ? glob : `${glob.slice(0, slash)}:${glob.slice(slash + 1)}`;
}

/**
 * Whether selector `sel` (`GLOB`, `NODE:GLOB`, NODE a glob too) names interface `iface` of node `node`, as the
 * capture's `--iface` does (main/capture/selection.ts), over all of a session's captures (loopback included:
 * what was captured was chosen). Throws HopscopeError for a bad pattern.
 */
export function matchesInterface(sel: string, node: string, iface: string): boolean {
  if (isGlobSelector(sel)) return chosenByGlobOnly([sel], node, iface);
  return selectorNodeMatches(sel, node) && sel.slice(sel.indexOf(':') + 1) === iface;
}

/** Protocol n as /etc/protocols names it, escaped, or n itself. */
function protoName(n: number): string {
  const name = Object.keys(PROTO_NAMES).find((p) => PROTO_NAMES[p] === n);
  return name ? `\\${name} or ${n}` : `${n}`;
}

function readNumber(s: string): number | null {
  if (/^\d{1,6}$/.test(s)) return +s;
  if (/^0x[0-9a-f]{1,4}$/.test(s)) return parseInt(s, 16);
  return null;
}

function word(w: string): FilterExpr {
  return { op: 'word', word: w };
}

function fits(kind: Kind, w: string): boolean {
  switch (kind) {
    case 'host':
      return parseIpv4(w) !== null || (w.includes(':') && parseIpv6(w) !== null);
    case 'port':
      return readPort(w) !== null;
    case 'portrange':
      return /^[^-]+-[^-]+$/.test(w);
    case 'vni':
      return /^\d+$/.test(w);
    case 'ether':
      return parseMac(w) >= 0;
    case 'net':
      return /[./:]/.test(w) && !!parseNet(w);
  }
}

/**
 * A network as tcpdump takes it: `a.b.c.d/len`, `a.b.c.d` (/32), `a.b.c` (/24), `a.b` (/16), `a` (/8) with an
 * optional `/len`, or an IPv6 address with an optional `/len`. A string says why it is wrong (host bits set, as
 * tcpdump refuses), null that it is no network at all.
 */
export function parseNet(s: string): { v6: boolean; addr: number[]; mask: number[] } | string | null {
  const slash = s.indexOf('/');
  const a = slash < 0 ? s : s.slice(0, slash);
  const len = slash < 0 ? null : s.slice(slash + 1);
  if (len !== null && !/^\d{1,3}$/.test(len)) return null;
  let v6 = false;
  let addr: number[];
  let bits: number;
  if (a.includes(':')) {
    const w = parseIpv6(a);
    if (!w) return null;
    v6 = true;
    addr = [...w];
    bits = len === null ? 128 : +len;
    if (bits > 128) return `/${len} is longer than 128 bits`;
  } else {
    const parts = a.split('.');
    if (parts.length > 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || +p > 255)) return null;
    const full = parts.concat(['0', '0', '0']).slice(0, 4).join('.');
    addr = [parseIpv4(full)!];
    bits = len === null ? 8 * parts.length : +len;
    if (bits > 32) return `/${len} is longer than 32 bits`;
  }
  const mask = masks(bits, addr.length);
  if (addr.some((x, i) => (x & ~mask[i]) >>> 0 !== 0)) return 'non-network bits set (tcpdump refuses it too)';
  return { v6, addr, mask };
}

/** The prefix mask of `bits` bits as `words` 32-bit words. */
function masks(bits: number, words: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < words; i++) {
    const b = Math.max(0, Math.min(32, bits - 32 * i));
    out.push(b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0);
  }
  return out;
}

/** A compiled filter: does journey k match? Bound to the index as it stands (compile after adding journeys). */
export type JourneyTest = (k: number) => boolean;

const NEVER: JourneyTest = () => false;
const BROADCAST_MAC = 0xffffffffffff;
/** A MAC's first octet's low bit (group address), as a 48-bit number's bit 40. */
const MAC_GROUP = 2 ** 40;

/** Whether a filter reads what the index builds only when asked: the VLAN tags (`vlan N`, a second `vlan`). */
export function needsVlanIds(e: FilterExpr): boolean {
  return some(e, (p) => p.op === 'vlan' && (p.id !== undefined || p.depth > 0));
}

/** Whether a filter reads the journeys' words (JourneyIndex.texts, built for the first filter that does). */
export function needsWords(e: FilterExpr): boolean {
  return some(e, (p) => p.op === 'word');
}

function some(e: FilterExpr, f: (primitive: FilterExpr) => boolean): boolean {
  if (e.op === 'and' || e.op === 'or') return some(e.a, f) || some(e.b, f);
  if (e.op === 'not') return some(e.a, f);
  return f(e);
}

/**
 * The journeys (a flag per journey) with a hop whose packet is a pasted line's: the session reads its rows and
 * frames (pastedMatch.ts), which the index does not hold.
 */
export type PastedJourneys = (p: PastedPacket) => Uint8Array;

/**
 * Compiles a parsed filter against an index: closures over its columns, one needle string per word; a pasted line's
 * packet through `pasted`.
 */
export function compileJourneyFilter(e: FilterExpr, ix: JourneyIndex, pasted?: PastedJourneys): JourneyTest {
  switch (e.op) {
    case 'and': {
      const a = compileJourneyFilter(e.a, ix, pasted);
      const b = compileJourneyFilter(e.b, ix, pasted);
      return (k) => a(k) && b(k);
    }
    case 'or': {
      const a = compileJourneyFilter(e.a, ix, pasted);
      const b = compileJourneyFilter(e.b, ix, pasted);
      return (k) => a(k) || b(k);
    }
    case 'not': {
      const a = compileJourneyFilter(e.a, ix, pasted);
      return (k) => !a(k);
    }
    case 'packet': {
      if (!pasted) throw new Error('a pasted line needs the session’s packets (PastedJourneys)');
      const m = pasted(e.packet);
      return (k) => m[k] === 1;
    }
    case 'word': {
      const needle = ` ${e.word} `;
      const texts = ix.texts;
      if (texts.length < ix.count) throw new Error('a word needs the index’s words (JourneyIndex.texts)');
      return (k) => texts[k].includes(needle);
    }
    case 'ethertype': {
      const fam = ix.family.data;
      const hops = ix.hops.data;
      // A tunnelled hop's outer header is IPv4; tags are read through (as Linux hands tcpdump untagged frames).
      if (e.type === ETHERTYPE_IP)
        return (k) => fam[k] === FAMILY_IP || (hops[k] & (HOP_VXLAN | HOP_GENEVE | HOP_IPIP)) !== 0;
      if (e.type === ETHERTYPE_IP6) return (k) => fam[k] === FAMILY_IP6;
      if (VLAN_TYPES.has(e.type)) return (k) => (hops[k] & HOP_VLAN) !== 0;
      return NEVER; // only IP packets form journeys
    }
    case 'vlan': {
      const hops = ix.hops.data;
      const { id, depth } = e;
      if (id === undefined && depth === 0) return (k) => (hops[k] & HOP_VLAN) !== 0;
      const vlans = ix.vlanIds;
      if (!vlans) throw new Error('vlan N needs the index’s VLAN tags (JourneyIndex.vlanIds)');
      const start = vlans.start.data;
      const tags = vlans.tag.data;
      return (k) => {
        if ((hops[k] & HOP_VLAN) === 0) return false;
        for (let i = start[k]; i < start[k + 1]; i++)
          if (tags[i] >> VLAN_DEPTH_SHIFT === depth && (id === undefined || (tags[i] & VLAN_ID_MASK) === id))
            return true;
        return false;
      };
    }
    case 'geneve': {
      const hops = ix.hops.data;
      return (k) => (hops[k] & HOP_GENEVE) !== 0;
    }
    case 'proto': {
      const fam = ix.family.data;
      const proto = ix.proto.data;
      const hops = ix.hops.data;
      const n = e.proto;
      // Tunnels' outer headers: VXLAN and Geneve are UDP over IPv4, IPIP is IPv4 protocol 4.
      const outer = !e.ip ? 0 : n === 17 ? HOP_VXLAN | HOP_GENEVE : n === 4 ? HOP_IPIP : 0;
      const v4 = e.ip;
      const v6 = e.ip6;
      return (k) =>
        (proto[k] === n && ((v4 && fam[k] === FAMILY_IP) || (v6 && fam[k] === FAMILY_IP6))) ||
        (hops[k] & outer) !== 0;
    }
    case 'len': {
      const n = e.n;
      // pcap: less N is len <= N, greater N is len >= N, of the frame as it was on the wire.
      if (e.cmp === 'less') {
        const min = ix.minLen.data;
        return (k) => min[k] <= n;
      }
      const max = ix.maxLen.data;
      return (k) => max[k] >= n;
    }
    case 'port': {
      const start = ix.portStart.data;
      const port = ix.port.data;
      const role = ix.portRole.data;
      const want = roleOf(e.dir);
      const all = e.dir === 'both';
      const { lo, hi, kinds } = e;
      return (k) => {
        for (let i = start[k]; i < start[k + 1]; i++) {
          const v = port[i];
          const p = portNumber(v);
          if (p >= lo && p <= hi && (portKind(v) & kinds) !== 0 && hasRole(role[i], want, all)) return true;
        }
        return false;
      };
    }
    case 'ether': {
      const start = ix.macStart.data;
      const mac = ix.mac.data;
      const role = ix.macRole.data;
      const want = roleOf(e.dir);
      const all = e.dir === 'both';
      return (k) => {
        for (let i = start[k]; i < start[k + 1]; i++)
          if (mac[i] === e.mac && hasRole(role[i], want, all)) return true;
        return false;
      };
    }
    case 'cast':
      return compileCast(e.layer, e.kind, ix);
    case 'iface': {
      const names = ix.captureNames;
      const want = new Uint8Array(names.length);
      for (let c = 0; c < names.length; c++)
        want[c] = matchesInterface(e.glob, names[c].node, names[c].iface) ? 1 : 0;
      const start = ix.capStart.data;
      const cap = ix.cap.data;
      return (k) => {
        for (let i = start[k]; i < start[k + 1]; i++) if (want[cap[i]] === 1) return true;
        return false;
      };
    }
    case 'net': {
      const want = roleOf(e.dir);
      const all = e.dir === 'both';
      if (!e.v6) {
        const start = ix.v4Start.data;
        const a = ix.v4.data;
        const role = ix.v4Role.data;
        const mask = e.mask[0];
        const net = e.addr[0];
        return (k) => {
          for (let i = start[k]; i < start[k + 1]; i++)
            if ((a[i] & mask) >>> 0 === net && hasRole(role[i], want, all)) return true;
          return false;
        };
      }
      const start = ix.v6Start.data;
      const a = ix.v6.data;
      const role = ix.v6Role.data;
      const m = e.mask;
      const [n0, n1, n2, n3] = e.addr;
      return (k) => {
        for (let i = start[k]; i < start[k + 1]; i++) {
          const o = 4 * i;
          if (
            hasRole(role[i], want, all) &&
            (a[o] & m[0]) >>> 0 === n0 &&
            (a[o + 1] & m[1]) >>> 0 === n1 &&
            (a[o + 2] & m[2]) >>> 0 === n2 &&
            (a[o + 3] & m[3]) >>> 0 === n3
          )
            return true;
        }
        return false;
      };
    }
  }
}

/**
 * pcap's broadcast and multicast, on destinations: `ether broadcast` ff:ff:ff:ff:ff:ff, `ether multicast` a group
 * MAC, `ip multicast` 224.0.0.0/4, `ip6 multicast` ff00::/8, and `ip broadcast` 255.255.255.255 or 0.0.0.0 (what
 * tcpdump 4.99 compiles, from a file and live alike) or, as pcap-filter(7) describes it with the capture
 * interface's netmask, a subnet's all-ones or all-zeros host address on a hop captured on an interface of that
 * subnet (HOP_IP_BCAST, from discovery).
 */
function compileCast(
  layer: 'ether' | 'ip' | 'ip6',
  kind: 'broadcast' | 'multicast',
  ix: JourneyIndex,
): JourneyTest {
  if (layer === 'ether') {
    const start = ix.macStart.data;
    const mac = ix.mac.data;
    const role = ix.macRole.data;
    const bcast = kind === 'broadcast';
    return (k) => {
      for (let i = start[k]; i < start[k + 1]; i++)
        if (
          (role[i] & ROLE_DST) !== 0 &&
          (bcast ? mac[i] === BROADCAST_MAC : Math.floor(mac[i] / MAC_GROUP) % 2 === 1)
        )
          return true;
      return false;
    };
  }
  if (layer === 'ip') {
    const start = ix.v4Start.data;
    const a = ix.v4.data;
    const role = ix.v4Role.data;
    const bcast = kind === 'broadcast';
    const hops = bcast ? ix.hops.data : null;
    return (k) => {
      if (hops !== null && (hops[k] & HOP_IP_BCAST) !== 0) return true;
      for (let i = start[k]; i < start[k + 1]; i++)
        if ((role[i] & ROLE_DST) !== 0 && (bcast ? a[i] === 0xffffffff || a[i] === 0 : a[i] >>> 28 === 0xe))
          return true;
      return false;
    };
  }
  const start = ix.v6Start.data;
  const a = ix.v6.data;
  const role = ix.v6Role.data;
  return (k) => {
    for (let i = start[k]; i < start[k + 1]; i++)
      if ((role[i] & ROLE_DST) !== 0 && a[4 * i] >>> 24 === 0xff) return true;
    return false;
  };
}

function roleOf(dir: Dir): number {
  return dir === 'src' ? ROLE_SRC : dir === 'dst' ? ROLE_DST : ROLE_ANY;
}

/** `src and dst` wants both roles, the others one of `want`. */
function hasRole(role: number, want: number, all: boolean): boolean {
  return all ? (role & want) === want : (role & want) !== 0;
}
