// The allocating walk behind the detail view and the summaries: the same decoders and the same dispatch as
// decodeFields, but each header is kept (fresh objects) in a list, outermost first, with where it ends.
import { decodeArp, newArpHeader, type ArpHeader } from './arp.ts';
import { decodeDns, DNS_PORT, type DnsMessage } from './dns.ts';
import {
  decodeEthernet,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_TEB,
  newEthernetHeader,
  type EthernetHeader,
} from './ethernet.ts';
import {
  DEFAULT_DECODE_OPTIONS,
  DEFAULT_GENEVE_PORTS,
  LINKTYPE_ETHERNET,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  rawLinkType,
  MAX_ENCAP,
  type DecodeOptions,
} from './fields.ts';
import { decodeGeneve, genevePortTable, newGeneveHeader, type GeneveHeader } from './geneve.ts';
import { decodeIcmp, newIcmpHeader, type IcmpHeader } from './icmp.ts';
import { decodeIcmpv6, newIcmpv6Header, type Icmpv6Header } from './icmpv6.ts';
import {
  decodeIpv4,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_IPIP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV4_MIN_HEADER_LEN,
  newIpv4Header,
  type Ipv4Header,
} from './ipv4.ts';
import { decodeIpv6, newIpv6Header, type Ipv6Header } from './ipv6.ts';
import { decodeSll, decodeSll2, newSllHeader, type SllHeader } from './linuxSll.ts';
import { IPPROTO_SCTP } from './ipProtocols.ts';
import { newStep, NEXT_ETHERNET, NO_LIMIT, STEP_TRUNCATED, type Step } from './result.ts';
import { decodeSctp, newSctpHeader, type SctpHeader } from './sctp.ts';
import { decodeTcp, newTcpHeader, type TcpHeader } from './tcp.ts';
import { decodeUdp, newUdpHeader, type UdpHeader } from './udp.ts';
import { decodeVxlan, newVxlanHeader, vxlanPortTable, type VxlanHeader } from './vxlan.ts';

interface Base {
  /** Offset of the header in the frame and its length; `end` is where its payload ends per its lengths. */
  at: number;
  len: number;
  end: number;
}
export type ChainNode =
  | (Base & { kind: 'ethernet'; h: EthernetHeader; inner: boolean })
  | (Base & { kind: 'sll'; h: SllHeader })
  | (Base & { kind: 'arp'; h: ArpHeader })
  | (Base & { kind: 'ipv4'; h: Ipv4Header })
  | (Base & { kind: 'ipv6'; h: Ipv6Header })
  | (Base & { kind: 'udp'; h: UdpHeader })
  | (Base & { kind: 'tcp'; h: TcpHeader })
  | (Base & { kind: 'sctp'; h: SctpHeader })
  | (Base & { kind: 'icmp'; h: IcmpHeader })
  | (Base & { kind: 'icmpv6'; h: Icmpv6Header })
  | (Base & { kind: 'vxlan'; h: VxlanHeader })
  | (Base & { kind: 'geneve'; h: GeneveHeader })
  | (Base & { kind: 'dns'; msg: DnsMessage })
  | (Base & { kind: 'data' });

export interface ChainProblem {
  kind: 'truncated' | 'malformed';
  layer: string;
  /** Where the header that failed starts (an IPv6 extension header's own start), as decodeFields says it. */
  offset: number;
  /** Truncated: the bytes that header needs from `offset`; 0 when the headers were whole and a payload was cut. */
  needed: number;
  reason: string;
}

export interface Chain {
  linkType: number;
  nodes: ChainNode[];
  problem: ChainProblem | null;
  /** Set when the link type or ethertype is not one we decode. */
  unsupported: string;
}

export function walk(
  frame: Uint8Array,
  linkType: number,
  opts: DecodeOptions = DEFAULT_DECODE_OPTIONS,
): Chain {
  const b = frame;
  const s = newStep();
  s.cap = b.length;
  const chain: Chain = { linkType, nodes: [], problem: null, unsupported: '' };
  const push = (n: ChainNode) => chain.nodes.push(n);
  const lim = NO_LIMIT;
  if (linkType === LINKTYPE_ETHERNET) {
    const h = newEthernetHeader();
    if (!decodeEthernet(b, 0, lim, h, s)) return fail(chain, s);
    push({ kind: 'ethernet', h, inner: false, at: 0, len: s.next, end: b.length });
  } else if (linkType === LINKTYPE_LINUX_SLL || linkType === LINKTYPE_LINUX_SLL2) {
    const h = newSllHeader();
    if (!(linkType === LINKTYPE_LINUX_SLL ? decodeSll(b, 0, h, s) : decodeSll2(b, 0, h, s)))
      return fail(chain, s);
    push({ kind: 'sll', h, at: 0, len: s.next, end: b.length });
  } else if (rawLinkType(linkType)) {
    if (b.length < 1) {
      chain.problem = {
        kind: 'truncated',
        layer: 'ip',
        offset: 0,
        needed: IPV4_MIN_HEADER_LEN,
        reason: 'truncated',
      };
      return chain;
    }
    s.next = 0;
    s.proto = b[0] >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
  } else {
    chain.unsupported = `link type ${linkType}`;
    return chain;
  }
  return follow(b, chain, s, s.proto, -1, s.next, lim, true, opts);
}

/**
 * A walk that starts inside a frame, for the payloads summary.ts reads itself: at `at`, up to `lim`, either a
 * network header (`etherType` IPv4, IPv6 or ARP, or ETHERTYPE_TEB for an Ethernet frame: GRE's payload) or,
 * with `ipProto` >= 0, the upper layer of an IP packet (what follows IPv4's AH). `whole`: not a fragment.
 */
export function walkFrom(
  frame: Uint8Array,
  at: number,
  lim: number,
  etherType: number,
  ipProto = -1,
  whole = true,
  opts: DecodeOptions = DEFAULT_DECODE_OPTIONS,
): Chain {
  const s = newStep();
  s.cap = frame.length;
  const chain: Chain = { linkType: -1, nodes: [], problem: null, unsupported: '' };
  if (etherType === ETHERTYPE_TEB && ipProto < 0) {
    const h = newEthernetHeader();
    if (!decodeEthernet(frame, at, lim, h, s)) return fail(chain, s);
    chain.nodes.push({ kind: 'ethernet', h, inner: true, at, len: s.next - at, end: lim });
    return follow(frame, chain, s, h.etherType, -1, s.next, lim, whole, opts);
  }
  return follow(frame, chain, s, etherType, ipProto, at, lim, whole, opts);
}

function fail(chain: Chain, s: Step): Chain {
  chain.problem = {
    kind: s.status === STEP_TRUNCATED ? 'truncated' : 'malformed',
    layer: s.layer,
    offset: s.offset,
    needed: s.status === STEP_TRUNCATED ? s.needed : 0,
    reason: s.reason,
  };
  return chain;
}

/** The walk from a network header (`type`) or, with `l4` >= 0, from an IP packet's upper layer. */
function follow(
  b: Uint8Array,
  chain: Chain,
  s: Step,
  type: number,
  l4: number,
  at: number,
  lim: number,
  wholeL4: boolean,
  opts: DecodeOptions,
): Chain {
  const push = (n: ChainNode) => chain.nodes.push(n);
  const vxlanPorts = vxlanPortTable(opts.vxlanPorts ?? DEFAULT_DECODE_OPTIONS.vxlanPorts);
  const genevePorts = genevePortTable(opts.genevePorts ?? DEFAULT_GENEVE_PORTS);
  let encaps = 0;
  for (;;) {
    let proto: number;
    let first: boolean;
    let whole: boolean;
    const inL4 = l4 >= 0;
    if (inL4) {
      proto = l4;
      first = true;
      whole = wholeL4;
      l4 = -1;
    } else if (type === ETHERTYPE_IPV4) {
      const h = newIpv4Header();
      if (!decodeIpv4(b, at, lim, h, s)) return fail(chain, s);
      push({ kind: 'ipv4', h, at, len: h.headerLen, end: s.end });
      proto = h.proto;
      first = h.fragOffset === 0;
      whole = first && !h.moreFragments;
    } else if (type === ETHERTYPE_IPV6) {
      const h = newIpv6Header();
      if (!decodeIpv6(b, at, lim, h, s)) return fail(chain, s);
      push({ kind: 'ipv6', h, at, len: s.next - at, end: s.end });
      proto = h.proto;
      first = h.fragOffset === 0;
      whole = !h.hasFragment;
    } else if (type === ETHERTYPE_ARP) {
      const h = newArpHeader();
      if (!decodeArp(b, at, lim, h, s)) return fail(chain, s);
      push({ kind: 'arp', h, at, len: s.next - at, end: s.next });
      return chain;
    } else {
      chain.unsupported = `ethertype 0x${type.toString(16).padStart(4, '0')}`;
      return chain;
    }
    if (!inL4) {
      at = s.next;
      lim = s.end;
    }
    if (!first) break;
    if (proto === IPPROTO_IPIP && whole && encaps < MAX_ENCAP) {
      encaps++;
      type = ETHERTYPE_IPV4;
      continue;
    }
    if (proto === IPPROTO_UDP) {
      const h = newUdpHeader();
      if (!decodeUdp(b, at, lim, h, s, whole)) return fail(chain, s);
      const udpEnd = whole ? s.end : lim;
      push({ kind: 'udp', h, at, len: s.next - at, end: udpEnd });
      at = s.next;
      if (whole && (vxlanPorts[h.dstPort] | vxlanPorts[h.srcPort]) !== 0 && encaps < MAX_ENCAP) {
        encaps++;
        const v = newVxlanHeader();
        if (!decodeVxlan(b, at, udpEnd, v, s)) return fail(chain, s);
        push({ kind: 'vxlan', h: v, at, len: s.next - at, end: udpEnd });
        const e = newEthernetHeader();
        const ethAt = s.next;
        if (!decodeEthernet(b, ethAt, udpEnd, e, s)) return fail(chain, s);
        push({ kind: 'ethernet', h: e, inner: true, at: ethAt, len: s.next - ethAt, end: udpEnd });
        type = e.etherType;
        at = s.next;
        lim = udpEnd;
        continue;
      }
      if (whole && (genevePorts[h.dstPort] | genevePorts[h.srcPort]) !== 0 && encaps < MAX_ENCAP) {
        const g = newGeneveHeader();
        if (!decodeGeneve(b, at, udpEnd, g, s)) return fail(chain, s);
        push({ kind: 'geneve', h: g, at, len: s.next - at, end: udpEnd });
        const inner = s.proto;
        at = s.next;
        lim = udpEnd;
        if (inner === NEXT_ETHERNET) {
          encaps++;
          const e = newEthernetHeader();
          if (!decodeEthernet(b, at, udpEnd, e, s)) return fail(chain, s);
          push({ kind: 'ethernet', h: e, inner: true, at, len: s.next - at, end: udpEnd });
          type = e.etherType;
          at = s.next;
          continue;
        }
        if (inner === ETHERTYPE_IPV4 || inner === ETHERTYPE_IPV6) {
          encaps++;
          type = inner;
          continue;
        }
        break; // another protocol inside: its bytes are the data below
      }
      lim = udpEnd;
      if (whole && (h.srcPort === DNS_PORT || h.dstPort === DNS_PORT)) {
        const r = decodeDns(b, at, Math.min(udpEnd, b.length));
        if (r.ok) {
          // The layer covers the captured bytes only; the truncated problem below names what is missing.
          push({ kind: 'dns', msg: r.msg, at, len: Math.min(udpEnd, b.length) - at, end: udpEnd });
          at = udpEnd;
        } else if (udpEnd <= b.length || r.kind === 'malformed') {
          // A short or contradictory message inside a complete datagram is malformed DNS, not snaplen.
          chain.problem = {
            kind: 'malformed',
            layer: 'dns',
            offset: r.offset,
            needed: 0,
            reason: r.reason,
          };
        }
      }
    } else if (proto === IPPROTO_TCP) {
      const h = newTcpHeader();
      if (!decodeTcp(b, at, lim, h, s)) return fail(chain, s);
      push({ kind: 'tcp', h, at, len: h.headerLen, end: lim });
      at = s.next;
    } else if (proto === IPPROTO_SCTP) {
      const h = newSctpHeader();
      if (!decodeSctp(b, at, lim, h, s)) return fail(chain, s);
      push({ kind: 'sctp', h, at, len: s.next - at, end: lim });
      at = s.next;
    } else if (proto === IPPROTO_ICMP) {
      const h = newIcmpHeader();
      if (!decodeIcmp(b, at, lim, h, s)) return fail(chain, s);
      push({ kind: 'icmp', h, at, len: s.next - at, end: lim });
      at = s.next;
    } else if (proto === IPPROTO_ICMPV6) {
      const h = newIcmpv6Header();
      if (!decodeIcmpv6(b, at, lim, h, s)) return fail(chain, s);
      push({ kind: 'icmpv6', h, at, len: s.next - at, end: lim });
      at = s.next;
    }
    break;
  }
  if (at < lim) push({ kind: 'data', at, len: Math.min(lim, b.length) - at, end: lim });
  const outer = chain.nodes.find((n) => n.kind === 'ipv4' || n.kind === 'ipv6');
  if ((lim > b.length || (outer && outer.end > b.length)) && !chain.problem) {
    // Named like decodeFields' problemLayer: the innermost header whose payload the snaplen cut.
    const hdr = chain.nodes.filter((n) => n.kind !== 'data' && n.kind !== 'dns').pop();
    const layer = !hdr || hdr.kind === 'ipv4' || hdr.kind === 'ipv6' ? 'ip' : hdr.kind;
    chain.problem = { kind: 'truncated', layer, offset: b.length, needed: 0, reason: 'truncated' };
  }
  return chain;
}
