// decodeLayers(): the layer tree of the packet-detail view. Every field carries its byte offset and length
// in the frame so the UI can highlight the hex. A frame the snaplen cut ends with a layer over the captured
// bytes of what was cut (Wireshark's "[Packet size limited during capture]"), a malformed one with a problem
// layer ("[Malformed Packet]").
import { pppControlBody, PPP_PROTOCOLS } from './pppOptions.ts';
import { ARP_OFFSETS } from './arp.ts';
import { BGP_OFFSETS, BGP_PORT, bgpMessages, bgpTypeName } from './bgp.ts';
import { bootpFields, hasBootpPort } from './dhcp.ts';
import { walk, walkFrom, type Chain, type ChainNode, type ChainProblem } from './chain.ts';
import { DNS_OFFSETS, DNS_TYPES, rcodeName } from './dns.ts';
import { ETH_HEADER_LEN, ETHERTYPE_MIN, etherTypeName, VLAN_TAG_LEN } from './ethernet.ts';
import { DEFAULT_DECODE_OPTIONS, MAX_ENCAP, type DecodeOptions } from './fields.ts';
import { ipv4ToString, ipv6ToString, macBytesToString, macToString, wiresharkText } from './format.ts';
import { ICMP_OFFSETS, icmpTypeName } from './icmp.ts';
import {
  ICMPV6_NEIGHBOR_ADVERT,
  ICMPV6_ROUTER_ADVERT,
  ICMPV6_ROUTER_SOLICIT,
  ICMPV6_MLD_DONE,
  ICMPV6_MLD_QUERY,
  ICMPV6_MLD_REPORT,
  ICMPV6_MLD_REPORT_V2,
  ICMPV6_ND_TARGET,
  ICMPV6_OFFSETS,
  icmpv6CodeName,
  icmpv6TypeName,
  isMld,
  MLD_OFFSETS,
  MLD_RECORD_LEN,
  MLDV2_QUERY_LEN,
} from './icmpv6.ts';
import {
  IGMP_MIN_LEN,
  IGMP_OFFSETS,
  IGMP_QUERY,
  IGMP_TYPES,
  IGMP_V3_QUERY_LEN,
  IGMP_V3_REPORT,
  igmpV3MaxResp,
  igmpVersion,
  IPPROTO_IGMP,
} from './igmp.ts';
import {
  bridgeId,
  IPPROTO_AH,
  IPPROTO_GRE,
  isBpdu,
  isStpLlc,
  LLC_UI_LEN,
  STP_CONFIG_LEN,
  STP_OFFSETS,
  STP_TCN,
  STP_VERSION_NAMES,
  stpFlags,
} from './ipProtocols.ts';
import { IPV4_OFFSETS, ipProtoName } from './ipv4.ts';
import {
  IP6_AH,
  IP6_DSTOPTS,
  IP6_FRAGMENT,
  IP6_HOPOPTS,
  IP6_NONE,
  IP6_ROUTING,
  IPV6_HEADER_LEN,
  IPV6_OFFSETS,
} from './ipv6.ts';
import { SLL2_OFFSETS, SLL_OFFSETS, SLL_PACKET_TYPES } from './linuxSll.ts';
import { u16, u32 } from './result.ts';
import {
  SCTP_CHUNK_HEADER_LEN,
  SCTP_HEADER_LEN,
  SCTP_OFFSETS,
  sctpChunkList,
  sctpChunkName,
  type SctpChunk,
} from './sctp.ts';
import { tcpFlagsString, TCP_OFFSETS, TCP_OPTIONS } from './tcp.ts';
import { TFTP_PORT, tftpFields } from './tftp.ts';
import { isNtpToTshark, ntpFields } from './ntp.ts';
import { UDP_OFFSETS } from './udp.ts';
import { VXLAN_OFFSETS } from './vxlan.ts';
import { isWireGuardPort, wireguardFields } from './wireguard.ts';
import {
  GENEVE_FLAG_C,
  GENEVE_FLAG_O,
  GENEVE_OFFSETS,
  GENEVE_OPTION_CRITICAL,
  geneveClassName,
  geneveOptions,
} from './geneve.ts';

export interface LayerField {
  name: string;
  value: string;
  /** Byte offset in the frame and length in bytes (0 for a value with no bytes of its own). */
  offset: number;
  length: number;
}

export interface Layer {
  /** 'ethernet', 'vlan', 'sll', 'arp', 'ipv4', 'ah' (IPv4's), 'ipv6', 'udp', 'tcp', 'icmp', 'icmpv6', 'igmp', 'vxlan',
   *  'geneve', 'dns', 'llc', 'stp', 'sctp', 'bgp', 'dhcp', 'tftp', 'ntp', 'wg', 'gre', 'ppp', 'lcp', 'ipcp', 'ipv6cp',
   *  'ccp', 'chap', 'pap', 'data',
   *  or 'truncated' / 'malformed' for the problem layer that ends a damaged packet; in `children`, Wireshark's
   *  filter names: 'ipv6.hopopts', 'ipv6.dstopts', 'ipv6.routing', 'ipv6.fraghdr', 'ah', 'ipv6.opt',
   *  'icmpv6.mldr.mar', 'icmpv6.opt', 'sctp.chunk', 'geneve.option', 'tftp.option', 'chap.data', 'pap.data',
   *  'lcp.options' and 'lcp.opt' (and IPCP's, IPv6CP's, CCP's). */
  protocol: string;
  /** One line, e.g. "Internet Protocol Version 4, Src: 10.244.0.12, Dst: 10.244.1.34". */
  title: string;
  offset: number;
  length: number;
  fields: LayerField[];
  /** Subtrees inside this layer's bytes, as Wireshark nests them: an IPv6 header's extension headers (and
   *  their options), an MLDv2 report's address records, an SCTP packet's chunks. */
  children?: Layer[];
}

function f(name: string, value: string | number, offset: number, length: number): LayerField {
  return { name, value: String(value), offset, length };
}

function hex(n: number, width: number): string {
  return `0x${n.toString(16).padStart(width, '0')}`;
}

/** A byte field's value as tshark prints it: hex digits, the first 36 bytes then "…"; "<none>" for none. */
function hexBytes(b: Uint8Array, at: number, len: number): string {
  let s = '';
  for (let i = at; i < at + Math.min(len, 36); i++) s += b[i].toString(16).padStart(2, '0');
  return len > 36 ? `${s}…` : s || '<none>';
}

/** Wireshark's names for the IPv6 extension headers' numbers ("Next header: IPv6 Hop-by-Hop Option (0)"). */
const IPV6_EXT_NAMES: Record<number, string> = {
  [IP6_HOPOPTS]: 'IPv6 Hop-by-Hop Option',
  [IP6_ROUTING]: 'Routing Header for IPv6',
  [IP6_FRAGMENT]: 'Fragment Header for IPv6',
  [IP6_NONE]: 'No Next Header for IPv6',
  [IP6_DSTOPTS]: 'Destination Options for IPv6',
};

/** An IP protocol (IPv4) or next header (IPv6) field's value: "UDP (17)", "Fragment Header for IPv6 (44)". */
function protoValue(p: number): string {
  return `${IPV6_EXT_NAMES[p] ?? ipProtoName(p)} (${p})`;
}

/**
 * The fields of a header that may be cut at `cap` (the end of the capture, or of the header): `add` keeps a
 * field only when all its bytes are below `cap`, and reads its value only then.
 */
function fieldsTo(cap: number) {
  const fields: LayerField[] = [];
  const add = (name: string, at: number, len: number, value: () => string | number) => {
    if (len >= 0 && at + len <= cap) fields.push(f(name, value(), at, len));
  };
  return { fields, add };
}

/** A subtree title's note for bytes the snaplen cut, in the words of the cut layer's title. */
function cutNote(have: number, want: number): string {
  return have < want ? `, ${have} of ${want} bytes captured: cut by the snaplen` : '';
}

export function decodeLayers(
  frame: Uint8Array,
  linkType: number,
  opts: DecodeOptions = DEFAULT_DECODE_OPTIONS,
): Layer[] {
  let chain = walk(frame, linkType, opts);
  const b = frame;
  const layers: Layer[] = [];
  let ahs = 0;
  let gres = 0;
  for (let i = 0; i < chain.nodes.length; i++) {
    const n = chain.nodes[i];
    const ip = chain.nodes[i - 1];
    if (n.kind === 'icmpv6' && ip?.kind === 'ipv6' && !ip.h.moreFragments && isMld(n.h.type)) {
      layers.push(mldLayer(b, n));
      if (chain.nodes[i + 1]?.kind === 'data') i++; // the message's body, read into its layer
      continue;
    }
    if (n.kind === 'icmpv6' && n.h.type >= ICMPV6_ROUTER_SOLICIT && n.h.type <= ICMPV6_REDIRECT) {
      const body = chain.nodes[i + 1]?.kind === 'data' ? chain.nodes[++i] : undefined;
      layers.push(ndLayer(b, n, body));
      continue;
    }
    if (n.kind === 'sctp') {
      layers.push(sctpLayer(b, n));
      if (chain.nodes[i + 1]?.kind === 'data') i++; // the chunks, read into its layer
      continue;
    }
    if (
      n.kind === 'data' &&
      n.len > 0 &&
      ip?.kind === 'ipv4' &&
      ip.h.proto === IPPROTO_AH &&
      !ip.h.fragOffset
    ) {
      // The walk (and decodeFields, the packet's identity) stops at IPv4's AH; the detail goes on past it to
      // what it carries, as it does past IPv6's (decodeIpv6 walks that one as an extension header).
      const ah = ipv4AhLayers(b, n.at, n.end);
      layers.push(...ah.layers);
      if (ah.next >= 0 && ahs++ < MAX_ENCAP) {
        const inner = walkFrom(b, ah.next, n.end, -1, b[n.at + EXT_NEXT], !ip.h.moreFragments, opts);
        chain = {
          ...chain,
          nodes: [...chain.nodes.slice(0, i + 1), ...inner.nodes],
          problem: inner.problem ?? chain.problem,
        };
      } else if (ah.next >= 0) layers.push(dataLayer(ah.next, Math.min(n.end, b.length) - ah.next));
      continue;
    }
    if (n.kind === 'data' && ip?.kind === 'tcp' && (ip.h.srcPort === BGP_PORT || ip.h.dstPort === BGP_PORT)) {
      const bgp = bgpLayers(b, n);
      if (bgp.length) {
        layers.push(...bgp);
        continue;
      }
    }
    if (n.kind === 'data' && (ip?.kind === 'ipv4' || ip?.kind === 'ipv6') && ip.h.proto === IPPROTO_GRE) {
      const gre = ip.h.fragOffset ? null : greLayer(b, n.at, n.end);
      if (gre) {
        layers.push(gre);
        // What it carries: IPv4, IPv6 or an Ethernet frame (version 0), PPP and the IP packet in it (version 1),
        // walked as the packet is (as for IPv4's AH).
        const carried = grePayload(b, n.at, gre, n.end);
        if (carried.ppp) layers.push(carried.ppp);
        if (carried.message) layers.push(carried.message);
        const whole = ip.kind === 'ipv4' ? !ip.h.moreFragments : !ip.h.hasFragment;
        if (carried.etherType >= 0 && carried.at < n.end && gres++ < MAX_ENCAP) {
          const inner = walkFrom(b, carried.at, n.end, carried.etherType, -1, whole, opts);
          if (inner.nodes.length || inner.problem) {
            chain = {
              ...chain,
              nodes: [...chain.nodes.slice(0, i + 1), ...inner.nodes],
              problem: inner.problem ?? chain.problem,
            };
            continue;
          }
        }
        layers.push(...dataAfter(carried.at, Math.min(n.end, b.length)));
        continue;
      }
    }
    // A UDP payload off DNS's port: BOOTP's and TFTP's ports are tried after it, as tcpdump and tshark do.
    const udpApp = n.kind === 'data' && ip?.kind === 'udp' && ip.h.srcPort !== 53 && ip.h.dstPort !== 53;
    // WireGuard on Calico's and flannel's port (51820) or Cilium's (51871), when the payload is one of its messages
    // (tshark finds it on any port by its type and length; tcpdump 4.99 has no printer for it).
    const wg =
      udpApp && (isWireGuardPort(ip.h.srcPort) || isWireGuardPort(ip.h.dstPort))
        ? wireguardFields(b, n.at, n.at + n.len, n.end - n.at)
        : null;
    if (wg) {
      layers.push({
        protocol: 'wg',
        title: wg.title,
        offset: n.at,
        length: wg.length,
        fields: wg.fields.map((x) => f(x.name, x.value, x.offset, x.length)),
      });
      continue;
    }
    if (udpApp && hasBootpPort(ip.h.srcPort, ip.h.dstPort)) {
      const bootp = bootpFields(b, n.at, n.end);
      if (bootp) {
        layers.push({
          protocol: 'dhcp',
          title: bootp.type ? `Dynamic Host Configuration Protocol (${bootp.type})` : 'Bootstrap Protocol',
          offset: n.at,
          length: n.end - n.at,
          fields: bootp.fields.map((x) => f(x.name, x.value, x.offset, x.length)),
        });
        continue;
      }
    }
    // tshark tries the lower port first: BOOTP's before TFTP's (tcpdump the other way round).
    const tftpPort = udpApp && (ip.h.srcPort === TFTP_PORT || ip.h.dstPort === TFTP_PORT);
    if (tftpPort && !hasBootpPort(ip.h.srcPort, ip.h.dstPort)) {
      const tftp = tftpLayers(b, n);
      if (tftp) {
        layers.push(...tftp);
        continue;
      }
    }
    const ntp =
      udpApp &&
      !tftpPort &&
      isNtpToTshark(ip.h.srcPort, ip.h.dstPort) &&
      !hasBootpPort(ip.h.srcPort, ip.h.dstPort);
    const time = ntp ? ntpFields(b, n.at, n.end) : null;
    if (time) {
      layers.push({
        protocol: 'ntp',
        title: time.title,
        offset: n.at,
        length: time.length,
        fields: time.fields.map((x) => f(x.name, x.value, x.offset, x.length)),
      });
      layers.push(...dataAfter(n.at + time.length, Math.min(n.end, b.length)));
      continue;
    }
    const igmp = n.kind === 'data' && ip?.kind === 'ipv4' ? igmpLayer(b, ip, n) : null;
    layers.push(...(igmp ? [igmp] : toLayers(b, n)));
  }
  const last = chain.nodes[chain.nodes.length - 1];
  if (chain.unsupported && last?.kind === 'ethernet' && is8023(last)) layers.push(...llcLayers(b, last));
  else if (chain.unsupported) {
    layers.push({
      protocol: 'data',
      title: `Not decoded: ${chain.unsupported}`,
      offset: lastEnd(layers),
      length: b.length - lastEnd(layers),
      fields: [],
    });
  }
  const p = chain.problem;
  if (p?.kind === 'truncated') layers.push(cutLayer(b, chain, lastEnd(layers), p));
  else if (p) {
    layers.push({
      protocol: p.kind,
      title: `[Malformed Packet: ${p.layer}: ${p.reason}]`,
      offset: p.offset,
      length: 0,
      fields: [
        f('Layer', p.layer, p.offset, 0),
        f('Offset', p.offset, p.offset, 0),
        f('Reason', p.reason, p.offset, 0),
      ],
    });
  }
  return layers;
}

type EthernetNode = Extract<ChainNode, { kind: 'ethernet' }>;

/** IEEE 802.3: a length where Ethernet II has its type. */
function is8023(e: EthernetNode): boolean {
  return e.h.vlanCount === 0 && e.h.etherType < ETHERTYPE_MIN;
}

/**
 * What an 802.3 frame's length covers: its LLC header and, for DSAP/SSAP 0x42, the STP BPDU (read with the
 * summary's checks, ipProtocols.ts), else data; then the frame's padding.
 */
function llcLayers(b: Uint8Array, e: EthernetNode): Layer[] {
  const at = e.at + e.len;
  const end = Math.min(at + e.h.etherType, b.length);
  const out: Layer[] = [];
  let p = at;
  if (end - at >= LLC_UI_LEN) {
    const dsap = b[at];
    const ssap = b[at + 1];
    const ctrl = b[at + 2];
    // A U-format control field is one byte, I- and S-format ones two.
    const len = (ctrl & 3) === 3 ? LLC_UI_LEN : LLC_UI_LEN + 1;
    const stp = isStpLlc(b, at);
    const sap = (v: number) => `${stp ? 'Spanning Tree BPDU ' : ''}(${hex(v & 0xfe, 2)})`;
    if (end - at >= len) {
      out.push({
        protocol: 'llc',
        title: `Logical-Link Control, DSAP ${hex(dsap & 0xfe, 2)}, SSAP ${hex(ssap & 0xfe, 2)}`,
        offset: at,
        length: len,
        fields: [
          f('DSAP', `${sap(dsap)}, ${dsap & 1 ? 'Group' : 'Individual'}`, at, 1),
          f('SSAP', `${sap(ssap)}, ${ssap & 1 ? 'Response' : 'Command'}`, at + 1, 1),
          f(
            'Control field',
            len === LLC_UI_LEN && ctrl === 3 ? 'U, func=UI (0x03)' : hex(ctrl, 2),
            at + 2,
            len - 2,
          ),
        ],
      });
      p = at + len;
      if (stp && isBpdu(b, p, at + e.h.etherType - p)) out.push(stpLayer(b, p, end - p));
      p = out[out.length - 1].offset + out[out.length - 1].length;
    }
  }
  if (p < end)
    out.push({ protocol: 'data', title: `Data (${end - p} bytes)`, offset: p, length: end - p, fields: [] });
  if (end < b.length && at + e.h.etherType <= b.length)
    out.push({
      protocol: 'data',
      title: `Padding (${b.length - end} bytes)`,
      offset: end,
      length: b.length - end,
      fields: [],
    });
  return out;
}

/** An STP BPDU of `len` bytes as Wireshark shows it: the Topology Change Notification is its first 4 bytes. */
function stpLayer(b: Uint8Array, at: number, len: number): Layer {
  const o = STP_OFFSETS;
  const version = b[at + o.VERSION];
  const type = b[at + o.TYPE];
  const typeName =
    type === 0
      ? 'Configuration'
      : type === STP_TCN
        ? 'Topology Change Notification'
        : type === 2
          ? 'Rapid/Multiple Spanning Tree'
          : 'Unknown';
  const fields = [
    f('Protocol identifier', 'Spanning Tree Protocol (0x0000)', at + o.PROTOCOL, 2),
    f('Protocol version', `${STP_VERSION_NAMES[version]} (${version})`, at + o.VERSION, 1),
    f('BPDU type', `${typeName} (${hex(type, 2)})`, at + o.TYPE, 1),
  ];
  let length = o.FLAGS;
  if (type !== STP_TCN && len >= STP_CONFIG_LEN) {
    const flags = b[at + o.FLAGS];
    const secs = (off: number) => `${u16(b, at + off) / 256} s`;
    fields.push(
      f('BPDU flags', `${hex(flags, 2)} (${stpFlags(flags)})`, at + o.FLAGS, 1),
      f('Root identifier', bridgeId(b, at + o.ROOT_ID), at + o.ROOT_ID, 8),
      f('Root path cost', u32(b, at + o.ROOT_COST), at + o.ROOT_COST, 4),
      f('Bridge identifier', bridgeId(b, at + o.BRIDGE_ID), at + o.BRIDGE_ID, 8),
      f('Port identifier', hex(u16(b, at + o.PORT_ID), 4), at + o.PORT_ID, 2),
      f('Message age', secs(o.MESSAGE_AGE), at + o.MESSAGE_AGE, 2),
      f('Max age', secs(o.MAX_AGE), at + o.MAX_AGE, 2),
      f('Hello time', secs(o.HELLO_TIME), at + o.HELLO_TIME, 2),
      f('Forward delay', secs(o.FORWARD_DELAY), at + o.FORWARD_DELAY, 2),
    );
    length = len;
  }
  return {
    protocol: 'stp',
    title: `Spanning Tree Protocol, ${STP_VERSION_NAMES[version]}, ${typeName}`,
    offset: at,
    length,
    fields,
  };
}

/** What the cut layer calls a header (ChainProblem.layer or ChainNode.kind). */
const CUT_NAMES: Record<string, string> = {
  ethernet: 'Ethernet',
  vlan: 'Ethernet with 802.1Q tags',
  sll: 'Linux cooked capture v1',
  sll2: 'Linux cooked capture v2',
  arp: 'ARP',
  ip: 'IP',
  ipv4: 'IPv4',
  ipv6: 'IPv6',
  udp: 'UDP',
  tcp: 'TCP',
  icmp: 'ICMP',
  icmpv6: 'ICMPv6',
  vxlan: 'VXLAN',
  geneve: 'Geneve',
};
/** Whole headers the decoders ask for a first byte of before their length (IPv4's and IPv6's version). */
const MIN_HEADER: Record<string, number> = { ipv4: 20, ipv6: 40 };

/**
 * The snaplen's cut (Wireshark's "[Packet size limited during capture]") as a layer over the captured bytes
 * of what it cut: the header it cut short (`needed` > 0; from the end of the last whole layer, so an IPv6
 * header cut in an extension header keeps its fixed part), else the payload of the innermost header whose
 * lengths reach past the capture.
 */
function cutLayer(b: Uint8Array, chain: Chain, prevEnd: number, p: ChainProblem): Layer {
  let start: number;
  let want: number;
  let name: string;
  if (p.needed > 0) {
    start = Math.min(prevEnd, p.offset);
    want = Math.max(p.offset + p.needed - start, MIN_HEADER[p.layer] ?? 0);
    name = CUT_NAMES[p.layer] ?? p.layer;
    if (p.layer === 'ipv6' && p.offset > start) name += ' with extension headers';
    if ((p.layer === 'ethernet' || p.layer === 'vlan') && start > 0) name += ' (inner)';
  } else {
    let hdr: ChainNode | undefined;
    for (const n of chain.nodes) if (n.kind !== 'data' && n.kind !== 'dns' && n.end > b.length) hdr = n;
    start = hdr ? hdr.at + hdr.len : b.length;
    want = hdr ? hdr.end - start : 0;
    const kind = hdr?.kind ?? p.layer;
    name = `${CUT_NAMES[kind] ?? kind}${hdr?.kind === 'ethernet' && hdr.inner ? ' (inner)' : ''} payload`;
  }
  const have = b.length - start;
  // An IPv6 header cut in an extension header: what was captured of it, down to the header cut short.
  const v6 =
    p.layer === 'ipv6' && p.offset > start && have >= IPV6_HEADER_LEN && b[start] >> 4 === 6
      ? [ipv6Layer(b, start, b.length)]
      : [];
  return {
    protocol: 'truncated',
    title: `${name}, ${have} of ${want} bytes captured: cut by the snaplen`,
    offset: start,
    length: have,
    fields: [
      f('Captured', `${have} of ${want} bytes`, start, have),
      f('Missing', `${want - have} bytes from byte ${b.length}, past the capture's snaplen`, b.length, 0),
    ],
    ...(v6.length ? { children: v6 } : {}),
  };
}

const IGMP_RECORD_TYPES = [
  '',
  'Mode Is Include',
  'Mode Is Exclude',
  'Change To Include Mode',
  'Change To Exclude Mode',
  'Allow New Sources',
  'Block Old Sources',
];

/**
 * IGMP (v1–v3) in place of the data the walk leaves after IPv4 protocol 2, as Wireshark shows it; null (data
 * stays) for a fragment or a message cut by the snaplen or too short.
 */
function igmpLayer(b: Uint8Array, ip: Extract<ChainNode, { kind: 'ipv4' }>, n: ChainNode): Layer | null {
  const at = n.at;
  const len = n.end - at;
  if (ip.h.proto !== IPPROTO_IGMP || ip.h.fragOffset > 0 || ip.h.moreFragments) return null;
  if (len < IGMP_MIN_LEN || n.end > b.length) return null;
  const o = IGMP_OFFSETS;
  const type = b[at + o.TYPE];
  const mrc = b[at + o.MAX_RESP];
  const version = igmpVersion(type, len, mrc);
  const name = IGMP_TYPES[type] ?? 'Unknown';
  const fields = [f('Version', version, at, 0), f('Type', `${name} (${hex(type, 2)})`, at + o.TYPE, 1)];
  if (version === 1) fields.push(f('Unused', hex(mrc, 2), at + o.MAX_RESP, 1));
  else if (type === IGMP_V3_REPORT) fields.push(f('Reserved', hex(mrc, 2), at + o.MAX_RESP, 1));
  else {
    const tenths = version === 3 ? igmpV3MaxResp(mrc) : mrc;
    fields.push(f('Max resp time', `${(tenths / 10).toFixed(1)} s (${hex(mrc, 2)})`, at + o.MAX_RESP, 1));
  }
  fields.push(f('Checksum', hex(u16(b, at + o.CHECKSUM), 4), at + o.CHECKSUM, 2));
  let group = -1;
  if (type === IGMP_V3_REPORT) {
    const count = u16(b, at + o.V3_NRECORDS);
    fields.push(f('Number of group records', count, at + o.V3_NRECORDS, 2));
    let p = at + IGMP_MIN_LEN;
    for (let i = 0; i < count && p + 8 <= n.end; i++) {
      const sources = u16(b, p + 2);
      const size = 8 + 4 * sources + 4 * b[p + 1];
      if (p + size > n.end) break;
      const kind = IGMP_RECORD_TYPES[b[p]] || `type ${b[p]}`;
      fields.push(
        f('Group record', `${ipv4ToString(u32(b, p + 4))}, ${kind}, ${sources} source(s)`, p, size),
      );
      p += size;
    }
  } else {
    group = u32(b, at + o.GROUP);
    fields.push(f('Multicast address', ipv4ToString(group), at + o.GROUP, 4));
  }
  if (type === IGMP_QUERY && version === 3) {
    const flags = b[at + o.V3_FLAGS];
    const sources = u16(b, at + o.V3_NSOURCES);
    fields.push(
      f('S (suppress router-side processing)', (flags >> 3) & 1, at + o.V3_FLAGS, 1),
      f('QRV', flags & 7, at + o.V3_FLAGS, 1),
      f('QQIC', b[at + o.V3_QQIC], at + o.V3_QQIC, 1),
      f('Number of sources', sources, at + o.V3_NSOURCES, 2),
    );
    for (let i = 0, p = at + IGMP_V3_QUERY_LEN; i < sources && p + 4 <= n.end; i++, p += 4)
      fields.push(f('Source address', ipv4ToString(u32(b, p)), p, 4));
  }
  const about = group > 0 ? `, ${ipv4ToString(group)}` : '';
  return {
    protocol: 'igmp',
    title: `Internet Group Management Protocol v${version}, ${name}${about}`,
    offset: at,
    length: len,
    fields,
  };
}

// IPv6 extension headers (RFC 8200 §4), as chain.ts's walk (decodeIpv6) reads them:
//  HBH / Destination Options: | Next Header | Hdr Ext Len (8-byte units, less 1) | options (TLV) … |
//  Routing:  | Next Header | Hdr Ext Len | Routing Type | Segments Left | type-specific data … |
//  Fragment: | Next Header | Reserved | Fragment Offset:13 |Res|M| | Identification (32) |
//  AH (RFC 4302 §2): | Next Header | Payload Len (4-byte units, less 2) | Reserved | SPI | Sequence | ICV … |
const EXT_NEXT = 0;
const EXT_LEN = 1;
const ROUTING_TYPE = 2;
const SEGMENTS_LEFT = 3;
const ROUTING_DATA = 4;
const ROUTING_ADDRESSES = 8;
const FRAG_RESERVED = 1;
const FRAG_OFFSET = 2;
const FRAG_ID = 4;
const FRAG_HEADER_LEN = 8;
const AH_RESERVED = 2;
const AH_SPI = 4;
const AH_SEQ = 8;
const AH_ICV = 12;
/** What decodeIpv6 reads of an extension header before its length: Next Header and Hdr Ext Len. */
const EXT_MIN = 2;
const EXT_HEADERS = new Set([IP6_HOPOPTS, IP6_ROUTING, IP6_FRAGMENT, IP6_DSTOPTS, IP6_AH]);
// Option types (RFC 8200 §4.2, 4.3; RFC 2473 §5.1, 2711, 2675, 6275 §6.3).
const OPT_PAD1 = 0x00;
const OPT_PADN = 0x01;
const OPT_TUNNEL_LIMIT = 0x04;
const OPT_ROUTER_ALERT = 0x05;
const OPT_JUMBO = 0xc2;
const OPT_HOME_ADDRESS = 0xc9;
/** RFC 4727 §5: the types whose low five bits are 0x1e, one for each action and may-change pair. */
const OPT_EXPERIMENTAL = 0x1e;

const ROUTING_TYPES: Record<number, string> = {
  0: 'Source Route',
  1: 'Nimrod',
  2: 'Type 2 Routing',
  3: 'RPL Source Route',
  4: 'Segment Routing',
  5: 'Compact Routing Header 16',
  6: 'Compact Routing Header 32',
  253: 'Experiment 1',
  254: 'Experiment 2',
};
/** Options (RFC 8200 §4.2) whose values we read; the rest show their bytes. */
const OPTION_NAMES: Record<number, string> = {
  [OPT_PAD1]: 'Pad1',
  [OPT_PADN]: 'PadN',
  [OPT_TUNNEL_LIMIT]: 'Tunnel Encapsulation Limit',
  [OPT_ROUTER_ALERT]: 'Router Alert',
  [OPT_JUMBO]: 'Jumbo Payload',
  [OPT_HOME_ADDRESS]: 'Home Address',
};
/** An option type's two high bits: what a node that does not know it does (RFC 8200 §4.2). */
const OPTION_ACTIONS = [
  'Skip and continue',
  'Discard',
  'Discard and send ICMP Parameter Problem',
  'Discard and send ICMP if not multicast',
];
const ROUTER_ALERTS = ['MLD', 'RSVP', 'Active Network'];

/** An extension header's length in bytes, or -1 when its length byte is not below `end`. */
function extHeaderLength(b: Uint8Array, p: number, nh: number, end: number): number {
  if (nh === IP6_FRAGMENT) return FRAG_HEADER_LEN;
  if (p + EXT_LEN >= end) return -1;
  return nh === IP6_AH ? (b[p + EXT_LEN] + 2) * 4 : (b[p + EXT_LEN] + 1) * 8;
}

/**
 * The IPv6 header at `at` with its extension headers as subtrees, up to `end`: where the walk (decodeIpv6)
 * stopped, or for a header the snaplen cut, the end of the capture (the last subtree is then cut short).
 */
function ipv6Layer(b: Uint8Array, at: number, end: number): Layer {
  const o = IPV6_OFFSETS;
  const vtf = u32(b, at + o.VTF);
  const src = ipv6ToString(b, at + o.IPV6_SRC);
  const dst = ipv6ToString(b, at + o.IPV6_DST);
  const fields = [
    f('Version', 6, at + o.VTF, 1),
    f('Traffic class', hex((vtf >>> 20) & 0xff, 2), at + o.VTF, 2),
    f('Flow label', hex(vtf & 0xfffff, 5), at + o.VTF + 1, 3),
    f('Payload length', u16(b, at + o.PAYLOAD_LEN), at + o.PAYLOAD_LEN, 2),
    f('Next header', protoValue(b[at + o.NEXT_HEADER]), at + o.NEXT_HEADER, 1),
    f('Hop limit', b[at + o.HOP_LIMIT], at + o.HOP_LIMIT, 1),
    f('Source address', src, at + o.IPV6_SRC, 16),
    f('Destination address', dst, at + o.IPV6_DST, 16),
  ];
  const children: Layer[] = [];
  let nh = b[at + o.NEXT_HEADER];
  let p = at + IPV6_HEADER_LEN;
  let whole = true;
  while (p < end && EXT_HEADERS.has(nh)) {
    const len = extHeaderLength(b, p, nh, end);
    children.push(extHeaderLayer(b, p, nh, len, end));
    whole = len >= 0 && p + len <= end;
    if (!whole) break;
    nh = b[p + EXT_NEXT];
    p += len;
  }
  if (children.length && whole) fields.push(f('Upper-layer protocol', protoValue(nh), p, 0));
  return {
    protocol: 'ipv6',
    title: `Internet Protocol Version 6, Src: ${src}, Dst: ${dst}`,
    offset: at,
    length: end - at,
    fields,
    ...(children.length ? { children } : {}),
  };
}

/** The extension header `nh` at `p`, `len` bytes long (-1: not known), captured up to `end`. */
function extHeaderLayer(b: Uint8Array, p: number, nh: number, len: number, end: number): Layer {
  const want = len < 0 ? EXT_MIN : len;
  const cap = Math.min(p + want, end);
  const { fields, add } = fieldsTo(cap);
  add('Next header', p + EXT_NEXT, 1, () => protoValue(b[p + EXT_NEXT]));
  let protocol: string;
  let title: string;
  let children: Layer[] = [];
  if (nh === IP6_FRAGMENT) {
    protocol = 'ipv6.fraghdr';
    title = IPV6_EXT_NAMES[nh];
    add('Reserved octet', p + FRAG_RESERVED, 1, () => hex(b[p + FRAG_RESERVED], 2));
    add('Fragment offset', p + FRAG_OFFSET, 2, () => {
      const v = u16(b, p + FRAG_OFFSET) & 0xfff8;
      return `${v >> 3} (${v} bytes)`;
    });
    add('More fragments', p + FRAG_OFFSET, 2, () => (b[p + FRAG_OFFSET + 1] & 1 ? 'Yes' : 'No'));
    add('Identification', p + FRAG_ID, 4, () => hex(u32(b, p + FRAG_ID), 8));
  } else if (nh === IP6_AH) {
    protocol = 'ah';
    title = 'Authentication Header';
    add('Length', p + EXT_LEN, 1, () => `${b[p + EXT_LEN]} (${len} bytes)`);
    add('Reserved', p + AH_RESERVED, 2, () => hexBytes(b, p + AH_RESERVED, 2));
    add('AH SPI', p + AH_SPI, 4, () => hex(u32(b, p + AH_SPI), 8));
    if (len >= AH_ICV) add('AH sequence', p + AH_SEQ, 4, () => u32(b, p + AH_SEQ));
    // A header without an ICV (12 bytes) shows an empty one, in Wireshark's word.
    if (len >= AH_ICV)
      add('AH ICV', p + AH_ICV, len - AH_ICV, () =>
        len > AH_ICV ? hexBytes(b, p + AH_ICV, len - AH_ICV) : '<MISSING>',
      );
  } else if (nh === IP6_ROUTING) {
    protocol = 'ipv6.routing';
    const type = p + ROUTING_TYPE < cap ? b[p + ROUTING_TYPE] : -1;
    const typeName = ROUTING_TYPES[type];
    title = `${IPV6_EXT_NAMES[nh]}${type < 0 ? '' : ` (${typeName ?? `Unknown type ${type}`})`}`;
    add('Length', p + EXT_LEN, 1, () => `${b[p + EXT_LEN]} (${len} bytes)`);
    add('Type', p + ROUTING_TYPE, 1, () => `${typeName ?? 'Unknown'} (${type})`);
    add('Segments left', p + SEGMENTS_LEFT, 1, () => b[p + SEGMENTS_LEFT]);
    if (type === 0 || type === 2) {
      // Type 0 (deprecated, RFC 5095) lists addresses; type 2 (RFC 6275 §6.4) carries one, the home address.
      add('Reserved', p + ROUTING_DATA, 4, () => hexBytes(b, p + ROUTING_DATA, 4));
      for (let q = p + ROUTING_ADDRESSES, i = 1; q + 16 <= p + len; q += 16, i++)
        add(`Address[${i}]`, q, 16, () => ipv6ToString(b, q));
    } else if (len > ROUTING_DATA) {
      add('Data', p + ROUTING_DATA, len - ROUTING_DATA, () =>
        hexBytes(b, p + ROUTING_DATA, len - ROUTING_DATA),
      );
    }
  } else {
    protocol = nh === IP6_HOPOPTS ? 'ipv6.hopopts' : 'ipv6.dstopts';
    title = IPV6_EXT_NAMES[nh];
    add('Length', p + EXT_LEN, 1, () => `${b[p + EXT_LEN]} (${len} bytes)`);
    if (len >= 0) children = optionLayers(b, p + EXT_MIN, p + len, cap);
  }
  return {
    protocol,
    title: title + cutNote(cap - p, want),
    offset: p,
    length: cap - p,
    fields,
    ...(children.length ? { children } : {}),
  };
}

/**
 * The options (RFC 8200 §4.2) of a hop-by-hop or destination options header, from `at` to the header's `end`,
 * captured up to `cap`. An option whose length runs past the header ends the list as malformed.
 */
function optionLayers(b: Uint8Array, at: number, end: number, cap: number): Layer[] {
  const out: Layer[] = [];
  for (let q = at; q < end && q < cap;) {
    const type = b[q];
    if (type === OPT_PAD1) {
      out.push({
        protocol: 'ipv6.opt',
        title: 'Pad1',
        offset: q,
        length: 1,
        fields: [f('Type', 'Pad1 (0x00)', q, 1)],
      });
      q++;
      continue;
    }
    const len = q + 1 < cap ? b[q + 1] : -1;
    const want = 2 + Math.max(len, 0);
    const stop = Math.min(q + want, end, cap);
    const known =
      OPTION_NAMES[type] ??
      ((type & 0x1f) === OPT_EXPERIMENTAL ? `Experimental (0x${type.toString(16).toUpperCase()})` : '');
    const { fields, add } = fieldsTo(stop);
    add('Type', q, 1, () => `${known || 'Unknown'} (${hex(type, 2)})`);
    add('Action', q, 1, () => `${OPTION_ACTIONS[type >> 6]} (${type >> 6})`);
    add('May change', q, 1, () => (type & 0x20 ? 'Yes' : 'No'));
    add('Length', q + 1, 1, () => len);
    const v = q + 2;
    if (type === OPT_PADN) add('PadN', v, len, () => hexBytes(b, v, len));
    else if (type === OPT_ROUTER_ALERT && len === 2)
      add('Router alert', v, 2, () => `${ROUTER_ALERTS[u16(b, v)] ?? 'Unknown'} (${u16(b, v)})`);
    else if (type === OPT_TUNNEL_LIMIT && len === 1) add('Tunnel encapsulation limit', v, 1, () => b[v]);
    else if (type === OPT_JUMBO && len === 4) add('Payload length', v, 4, () => u32(b, v));
    else if (type === OPT_HOME_ADDRESS && len === 16)
      add('MIPv6 home address', v, 16, () => ipv6ToString(b, v));
    else if (len > 0) {
      const name = !known
        ? 'Unknown option payload'
        : known.startsWith('Experimental')
          ? 'Experimental option'
          : 'Data';
      add(name, v, len, () => hexBytes(b, v, len));
    }
    let title = known || `Unknown IPv6 Option (${type})`;
    if (q + want > end) title += ` [Malformed: option of ${want} bytes, ${end - q} left in the header]`;
    else title += cutNote(stop - q, want);
    out.push({ protocol: 'ipv6.opt', title, offset: q, length: stop - q, fields });
    if (q + want > stop) break;
    q += want;
  }
  return out;
}

/**
 * IPv4's Authentication Header (RFC 4302 §2; the layout above) at `at`, in an IP payload that ends at `end`, as
 * Wireshark shows it: a layer of its own with IPv6's AH fields, over its captured bytes; then `next`, where
 * what it carries starts, or -1 when the snaplen cut the header (its title says so) or its length contradicts
 * the payload's (marked malformed, the rest left as data).
 */
function ipv4AhLayers(b: Uint8Array, at: number, end: number): { layers: Layer[]; next: number } {
  const cap = Math.min(end, b.length);
  const len = extHeaderLength(b, at, IP6_AH, cap);
  const layer = extHeaderLayer(b, at, IP6_AH, len, cap);
  let bad = '';
  if (end - at < AH_ICV) bad = `IP payload of ${end - at} bytes, AH needs ${AH_ICV}`;
  else if (len >= 0 && len < AH_ICV) bad = `header of ${len} bytes, at least ${AH_ICV}`;
  else if (len > end - at) bad = `header of ${len} bytes, ${end - at} left in the packet`;
  if (bad) {
    layer.title = `Authentication Header [Malformed: ${bad}]`;
    return { layers: [layer, ...dataAfter(layer.offset + layer.length, cap)], next: -1 };
  }
  return { layers: [layer], next: len >= 0 && at + len <= cap ? at + len : -1 };
}

type Icmpv6Node = Extract<ChainNode, { kind: 'icmpv6' }>;

const MLD_NAMES: Record<number, string> = {
  [ICMPV6_MLD_QUERY]: 'multicast listener query',
  [ICMPV6_MLD_REPORT]: 'multicast listener report',
  [ICMPV6_MLD_DONE]: 'multicast listener done',
};
/** MLDv2 record types (RFC 3810 §5.2.12: MODE_IS_INCLUDE 1 … BLOCK_OLD_SOURCES 6), as Wireshark names them. */
const MLD_RECORD_TYPES = [
  '',
  'Include',
  'Exclude',
  'Changed to include',
  'Changed to exclude',
  'Allow new sources',
  'Block old sources',
];

/**
 * An MLD message (ICMPv6 130–132, 143) as one ICMPv6 layer over its captured bytes, as Wireshark reads it:
 * MLDv1's delay and address, an MLDv2 query's flags and sources, an MLDv2 report's address records as subtrees.
 */
function mldLayer(b: Uint8Array, n: Icmpv6Node): Layer {
  const at = n.at;
  const h = n.h;
  const o = MLD_OFFSETS;
  const end = n.end;
  const cap = Math.min(end, b.length);
  const v2Query = h.type === ICMPV6_MLD_QUERY && end - at >= MLDV2_QUERY_LEN;
  const name = v2Query ? 'multicast listener query v2' : (MLD_NAMES[h.type] ?? icmpv6TypeName(h.type));
  const { fields, add } = fieldsTo(cap);
  fields.push(
    f('Type', `${h.type} (${name})`, at + ICMPV6_OFFSETS.TYPE, 1),
    f('Code', h.code, at + ICMPV6_OFFSETS.CODE, 1),
    f('Checksum', hex(h.checksum, 4), at + ICMPV6_OFFSETS.CHECKSUM, 2),
  );
  const children: Layer[] = [];
  let group = '';
  if (h.type === ICMPV6_MLD_REPORT_V2) {
    add('Reserved', at + o.REPORT_RESERVED, 2, () => hexBytes(b, at + o.REPORT_RESERVED, 2));
    let count = 0;
    add(
      'Number of multicast address records',
      at + o.REPORT_NRECORDS,
      2,
      () => (count = u16(b, at + o.REPORT_NRECORDS)),
    );
    for (let i = 0, q = at + o.REPORT_RECORDS; i < count && q < cap; i++) {
      const { layer, size } = mldRecord(b, q, end);
      children.push(layer);
      if (layer.length < size) break;
      q += size;
    }
  } else {
    const delay = () => (v2Query ? u16(b, at + o.MAX_RESP) : `${u16(b, at + o.MAX_RESP)} ms`);
    add(v2Query ? 'Maximum response code' : 'Maximum response delay', at + o.MAX_RESP, 2, delay);
    add('Reserved', at + o.RESERVED, 2, () => hexBytes(b, at + o.RESERVED, 2));
    add('Multicast address', at + o.GROUP, 16, () => (group = ipv6ToString(b, at + o.GROUP)));
    if (v2Query) {
      const flags = at + o.V2_FLAGS;
      add('S (suppress router-side processing)', flags, 1, () => (b[flags] >> 3) & 1);
      add('QRV', flags, 1, () => b[flags] & 7);
      add('QQIC', at + o.V2_QQIC, 1, () => b[at + o.V2_QQIC]);
      let sources = 0;
      add('Number of sources', at + o.V2_NSOURCES, 2, () => (sources = u16(b, at + o.V2_NSOURCES)));
      for (let i = 0, q = at + o.V2_SOURCES; i < sources && q + 16 <= cap; i++, q += 16)
        add('Source address', q, 16, () => ipv6ToString(b, q));
    }
  }
  return {
    protocol: 'icmpv6',
    title: `Internet Control Message Protocol v6, ${name}${group && group !== '::' ? `, ${group}` : ''}`,
    offset: at,
    length: cap - at,
    fields,
    ...(children.length ? { children } : {}),
  };
}

/**
 * The MLDv2 Multicast Address Record at `q` (RFC 3810 §5.2.4), in a message that ends at `end`, with its size
 * per its counts: a layer shorter than that was cut by the snaplen or by the message's end (malformed).
 */
function mldRecord(b: Uint8Array, q: number, end: number): { layer: Layer; size: number } {
  const o = MLD_OFFSETS;
  const counted = q + o.REC_GROUP <= Math.min(end, b.length);
  const sources = counted ? u16(b, q + o.REC_NSOURCES) : 0;
  const aux = counted ? b[q + o.REC_AUX_LEN] * 4 : 0;
  const size = MLD_RECORD_LEN + 16 * sources + aux;
  const stop = Math.min(q + size, end, b.length);
  const type = b[q + o.REC_TYPE];
  const typeName = MLD_RECORD_TYPES[type] ?? '';
  const { fields, add } = fieldsTo(stop);
  add('Record type', q + o.REC_TYPE, 1, () => `${typeName || 'Unknown'} (${type})`);
  add('Aux data len', q + o.REC_AUX_LEN, 1, () => b[q + o.REC_AUX_LEN]);
  add('Number of sources', q + o.REC_NSOURCES, 2, () => sources);
  let group = '';
  add('Multicast address', q + o.REC_GROUP, 16, () => (group = ipv6ToString(b, q + o.REC_GROUP)));
  let s = q + o.REC_SOURCES;
  for (let i = 0; i < sources && s + 16 <= stop; i++, s += 16)
    add('Source address', s, 16, () => ipv6ToString(b, s));
  if (aux) add('Auxiliary data', q + size - aux, aux, () => hexBytes(b, q + size - aux, aux));
  let title = `Multicast Address Record ${typeName || `Unknown Record Type (${type})`}${group ? `: ${group}` : ''}`;
  if (q + size > end) title += ` [Malformed: record of ${size} bytes, ${end - q} left in the message]`;
  else title += cutNote(stop - q, size);
  return { layer: { protocol: 'icmpv6.mldr.mar', title, offset: q, length: stop - q, fields }, size };
}

/**
 * An SCTP packet (RFC 9260 §3): the common header's fields, and its chunks as children (Wireshark's "INIT chunk",
 * named here as tcpdump names them), each with its type, flags, length and the fixed fields of DATA, INIT, INIT
 * ACK and SACK. The layer covers the captured chunks; a chunk length that contradicts the packet ends the list.
 */
function sctpLayer(b: Uint8Array, n: Extract<ChainNode, { kind: 'sctp' }>): Layer {
  const at = n.at;
  const h = n.h;
  const o = SCTP_OFFSETS;
  const stop = Math.min(n.end, b.length);
  const { chunks, bad } = sctpChunkList(b, at + SCTP_HEADER_LEN, n.end, b.length);
  const fields = [
    f('Source port', h.srcPort, at + o.SRC_PORT, 2),
    f('Destination port', h.dstPort, at + o.DST_PORT, 2),
    f('Verification tag', hex(h.vtag, 8), at + o.VTAG, 4),
    f('Checksum', hex(h.checksum, 8), at + o.CHECKSUM, 4),
  ];
  // (A chunk descriptor that the packet ends in has no length to show: tshark calls that packet malformed.)
  if (bad >= 0 && bad + 4 <= stop) fields.push(f('Bad chunk length', u16(b, bad + 2), bad + 2, 2));
  const names = chunks.map((c) => sctpChunkName(c.type));
  const children = chunks.map((c) => sctpChunkLayer(b, c, stop));
  return {
    protocol: 'sctp',
    title:
      `Stream Control Transmission Protocol, Src Port: ${h.srcPort}, Dst Port: ${h.dstPort}` +
      (names.length ? ` (${names.join(', ')})` : ''),
    offset: at,
    length: stop - at,
    fields,
    ...(children.length ? { children } : {}),
  };
}

/** One chunk of an SCTP packet, its fields as far as they were captured (`cap`). */
function sctpChunkLayer(b: Uint8Array, c: SctpChunk, cap: number): Layer {
  const p = c.at;
  const v = p + 4;
  // A chunk whose header was cut: what it needs is that header, as far as anyone can tell.
  const want = c.length < 0 ? SCTP_CHUNK_HEADER_LEN : c.length;
  const end = Math.min(p + want, cap);
  const { fields, add } = fieldsTo(end);
  add('Chunk type', p, 1, () => `${sctpChunkName(c.type)} (${c.type})`);
  add('Chunk flags', p + 1, 1, () => hex(b[p + 1], 2));
  add('Chunk length', p + 2, 2, () => u16(b, p + 2));
  if (c.type === 0) {
    add('TSN', v, 4, () => u32(b, v));
    add('Stream identifier', v + 4, 2, () => u16(b, v + 4));
    add('Stream sequence number', v + 6, 2, () => u16(b, v + 6));
    add('Payload protocol identifier', v + 8, 4, () => u32(b, v + 8));
    if (c.length > 16) add('User data', v + 12, c.length - 16, () => `${c.length - 16} bytes`);
  } else if (c.type === 1 || c.type === 2) {
    add('Initiate tag', v, 4, () => hex(u32(b, v), 8));
    add('Advertised receiver window credit (a_rwnd)', v + 4, 4, () => u32(b, v + 4));
    add('Number of outbound streams', v + 8, 2, () => u16(b, v + 8));
    add('Number of inbound streams', v + 10, 2, () => u16(b, v + 10));
    add('Initial TSN', v + 12, 4, () => u32(b, v + 12));
  } else if (c.type === 3) {
    add('Cumulative TSN ACK', v, 4, () => u32(b, v));
    add('Advertised receiver window credit (a_rwnd)', v + 4, 4, () => u32(b, v + 4));
    add('Number of gap acknowledgement blocks', v + 8, 2, () => u16(b, v + 8));
    add('Number of duplicated TSNs', v + 10, 2, () => u16(b, v + 10));
  }
  return {
    protocol: 'sctp.chunk',
    title: `${sctpChunkName(c.type)} chunk${cutNote(end - p, want)}`,
    offset: p,
    length: end - p,
    fields,
  };
}

/**
 * The BGP messages of a TCP segment to or from port 179 whose header was captured, as Wireshark shows them ("Border
 * Gateway Protocol - OPEN Message": Marker, Length, Type, then an OPEN's fields, an UPDATE's two lengths; a message
 * the snaplen cut has the fields captured and spans what was); the bytes after the last whole message (one that goes
 * on in the next segment) as data. None when the segment does not start with a BGP header.
 */
function bgpLayers(b: Uint8Array, n: ChainNode): Layer[] {
  const o = BGP_OFFSETS;
  const layers: Layer[] = [];
  let p = n.at;
  for (const m of bgpMessages(b, n.at, n.end)) {
    if (m.offset + m.length > n.end) break;
    const name = bgpTypeName(m.type);
    layers.push({
      protocol: 'bgp',
      title: `Border Gateway Protocol - ${name}`,
      offset: m.offset,
      // Cut by the snaplen: the bytes of it that were captured, as tshark's layer.
      length: Math.min(m.length, b.length - m.offset),
      fields: [
        f('Marker', hexBytes(b, m.offset + o.MARKER, o.MARKER_LEN), m.offset + o.MARKER, o.MARKER_LEN),
        f('Length', m.length, m.offset + o.LENGTH, 2),
        f('Type', `${name} (${m.type})`, m.offset + o.TYPE, 1),
        ...m.body.map((x) => f(x.name, x.value, x.offset, x.length)),
      ],
    });
    p = m.offset + m.length;
  }
  if (layers.length) layers.push(...dataAfter(p, Math.min(n.end, b.length)));
  return layers;
}

/**
 * A TFTP message on UDP 69 (tftp.ts) as tshark shows it: a 'tftp' layer with its fields and its options as
 * children ('tftp.option'), then a DATA's payload as data. Null short of the opcode (the cut layer says so).
 */
function tftpLayers(b: Uint8Array, n: ChainNode): Layer[] | null {
  const t = tftpFields(b, n.at, n.end);
  if (!t) return null;
  const layer: Layer = {
    protocol: 'tftp',
    title: 'Trivial File Transfer Protocol',
    offset: n.at,
    length: t.length,
    fields: t.fields.map((x) => f(x.name, x.value, x.offset, x.length)),
  };
  if (t.options.length)
    layer.children = t.options.map((o) => ({
      protocol: 'tftp.option',
      title: o.title,
      offset: o.offset,
      length: o.length,
      fields: o.fields.map((x) => f(x.name, x.value, x.offset, x.length)),
    }));
  return [layer, ...dataAfter(n.at + t.length, Math.min(n.end, b.length))];
}

/** Wireshark's names for what GRE carries ("Generic Routing Encapsulation (IP)", "Protocol Type: PPP (0x880b)"). */
const GRE_PROTOCOLS: Record<number, string> = {
  0x0800: 'IP',
  0x86dd: 'IPv6',
  0x880b: 'PPP',
  0x6558: 'Transparent Ethernet bridging',
};

/**
 * A GRE header (RFC 2784/2890; version 1, RFC 2637 §4.1: PPTP's call id, sequence and acknowledgment numbers) as
 * tshark shows it; null when the snaplen cut it, or for a version other than 0 and 1.
 */
function greLayer(b: Uint8Array, at: number, end: number): Layer | null {
  const cap = Math.min(end, b.length);
  if (at + 4 > cap) return null;
  const flags = u16(b, at);
  const version = flags & 7;
  if (version > 1) return null;
  const proto = u16(b, at + 2);
  const name = GRE_PROTOCOLS[proto] ?? etherTypeName(proto);
  const fields = [
    f('Flags and Version', hex(flags, 4), at, 2),
    f('Protocol Type', `${name} (${hex(proto, 4)})`, at + 2, 2),
  ];
  let p = at + 4;
  const word = (make: () => void) => {
    if (p + 4 > cap) return false;
    make();
    p += 4;
    return true;
  };
  if (version === 0 && flags & 0xc000) {
    const ok = word(() =>
      fields.push(f('Checksum', hex(u16(b, p), 4), p, 2), f('Offset', u16(b, p + 2), p + 2, 2)),
    );
    if (!ok) return null;
  }
  if (flags & 0x2000) {
    const key = () =>
      version === 1
        ? fields.push(f('Payload Length', u16(b, p), p, 2), f('Call ID', u16(b, p + 2), p + 2, 2))
        : fields.push(f('Key', hex(u32(b, p), 8), p, 4));
    if (!word(key)) return null;
  }
  if (flags & 0x1000 && !word(() => fields.push(f('Sequence Number', u32(b, p), p, 4)))) return null;
  if (version === 1 && flags & 0x80) {
    if (!word(() => fields.push(f('Acknowledgment Number', u32(b, p), p, 4)))) return null;
  }
  return {
    protocol: 'gre',
    title: `Generic Routing Encapsulation (${name})`,
    offset: at,
    length: p - at,
    fields,
  };
}

const GRE_SEQ = 0x1000;
const ETHERTYPE_PPP = 0x880b;
const PPP_ADDRESS_CONTROL = 0xff03;
/** What a PPP frame's protocol carries that the walk reads (RFC 1332, RFC 5072). */
const PPP_NETWORK: Record<number, number> = { 0x21: 0x0800, 0x57: 0x86dd };
/**
 * Where GRE's payload starts (after `gre`, the header's layer) and the ethertype the walk reads it as (-1 for none):
 * version 0's IPv4, IPv6 or Ethernet; version 1's PPP frame, with a 'ppp' layer as tshark shows its header (Address,
 * Control, Protocol; one byte when compressed) and its IPv4 or IPv6 packet.
 */
function grePayload(
  b: Uint8Array,
  at: number,
  gre: Layer,
  end: number,
): { at: number; etherType: number; ppp?: Layer; message?: Layer | null } {
  const p = gre.offset + gre.length;
  const flags = u16(b, at);
  const proto = u16(b, at + 2);
  if ((flags & 7) === 0)
    return { at: p, etherType: proto === 0x0800 || proto === 0x86dd || proto === 0x6558 ? proto : -1 };
  const cap = Math.min(end, b.length);
  if (proto !== ETHERTYPE_PPP || !(flags & GRE_SEQ) || p + 2 > cap) return { at: p, etherType: -1 };
  const fields: LayerField[] = [];
  let q = p;
  if (u16(b, q) === PPP_ADDRESS_CONTROL) {
    fields.push(f('Address', '0xff', q, 1), f('Control', '0x03', q + 1, 1));
    q += 2;
  }
  // A protocol field is odd in its last byte: one byte when compressed (RFC 1661 §6.5).
  const len = q < cap && b[q] % 2 ? 1 : 2;
  if (q + len > cap) return { at: p, etherType: -1 };
  const ppp = len === 1 ? b[q] : u16(b, q);
  fields.push(f('Protocol', `${PPP_PROTOCOLS[ppp] ?? 'Unknown'} (${hex(ppp, 4)})`, q, len));
  q += len;
  const layer = { protocol: 'ppp', title: 'Point-to-Point Protocol', offset: p, length: q - p, fields };
  const message = pppMessageLayer(b, q, end, ppp);
  return { at: message ? q + message.length : q, etherType: PPP_NETWORK[ppp] ?? -1, ppp: layer, message };
}

const CP_CODES = [
  'Vendor Specific',
  'Configuration Request',
  'Configuration Ack',
  'Configuration Nak',
  'Configuration Reject',
  'Termination Request',
  'Termination Ack',
  'Code Reject',
];
const LCP_CODES = [
  ...CP_CODES,
  'Protocol Reject',
  'Echo Request',
  'Echo Reply',
  'Discard Request',
  'Identification',
];
const CCP_CODES: Record<number, string> = { ...CP_CODES, 14: 'Reset Request', 15: 'Reset Ack' };
/** PPP's control and authentication protocols as tshark names them and their codes (RFC 1661 §5, 1962, 1994, 1334). */
const PPP_MESSAGES: Record<number, { protocol: string; title: string; codes: Record<number, string> }> = {
  0xc021: {
    protocol: 'lcp',
    title: 'PPP Link Control Protocol',
    codes: { ...LCP_CODES, 13: 'Time Remaining' },
  },
  0x8021: { protocol: 'ipcp', title: 'PPP IP Control Protocol', codes: { ...CP_CODES } },
  0x8057: { protocol: 'ipv6cp', title: 'PPP IPv6 Control Protocol', codes: { ...CP_CODES } },
  0x80fd: { protocol: 'ccp', title: 'PPP Compression Control Protocol', codes: CCP_CODES },
  0xc223: {
    protocol: 'chap',
    title: 'PPP Challenge Handshake Authentication Protocol',
    codes: { 1: 'Challenge', 2: 'Response', 3: 'Success', 4: 'Failure' },
  },
  0xc023: {
    protocol: 'pap',
    title: 'PPP Password Authentication Protocol',
    codes: { 1: 'Authenticate-Request', 2: 'Authenticate-Ack', 3: 'Authenticate-Nak' },
  },
};
const PPP_MESSAGE_HEADER = 4;

/**
 * A PPP control (LCP, IPCP, IPv6CP, CCP) or authentication (CHAP, PAP) message at `at` as tshark shows its layer: Code,
 * Identifier, Length, then CHAP's value and name or message, PAP's peer id and password or message ("Data" children
 * as tshark nests them), a control protocol's options, magic number and data (pppOptions.ts). Null short of its
 * header.
 */
function pppMessageLayer(b: Uint8Array, at: number, end: number, proto: number): Layer | null {
  const m = PPP_MESSAGES[proto];
  const cap = Math.min(end, b.length);
  if (!m || at + PPP_MESSAGE_HEADER > cap) return null;
  const code = b[at];
  const len = u16(b, at + 2);
  const stop = Math.min(cap, at + Math.max(len, PPP_MESSAGE_HEADER));
  const auth = m.protocol === 'chap' || m.protocol === 'pap';
  const id = b[at + 1];
  const fields = [
    f('Code', `${m.codes[code] ?? 'Unknown'} (${code})`, at, 1),
    f('Identifier', auth ? id : `${id} (${hex(id, 2)})`, at + 1, 1),
    f('Length', len, at + 2, 2),
  ];
  const layer: Layer = { protocol: m.protocol, title: m.title, offset: at, length: stop - at, fields };
  const data: LayerField[] = [];
  let p = at + PPP_MESSAGE_HEADER;
  /** A length byte named `size` and the `name` field it counts (hex bytes, or text), while they fit. */
  const counted = (size: string, name: string, asHex: boolean): boolean => {
    if (p + 1 > stop || p + 1 + b[p] > stop) return false;
    const n = b[p];
    data.push(
      f(size, n, p, 1),
      f(name, asHex ? hexBytes(b, p + 1, n) : wiresharkText(b, p + 1, n), p + 1, n),
    );
    p += 1 + n;
    return true;
  };
  if (m.protocol === 'chap' && (code === 1 || code === 2)) {
    if (counted('Value Size', 'Value', true) && p < stop)
      data.push(f('Name', wiresharkText(b, p, stop - p), p, stop - p));
  } else if (m.protocol === 'chap' && (code === 3 || code === 4) && p < stop)
    fields.push(f('Message', wiresharkText(b, p, stop - p), p, stop - p));
  else if (m.protocol === 'pap' && code === 1) {
    if (counted('Peer-ID-Length', 'Peer-ID', false)) counted('Password-Length', 'Password', false);
  } else if (m.protocol === 'pap' && (code === 2 || code === 3)) counted('Message-Length', 'Message', false);
  if (!auth) {
    const children = pppControlBody(b, at, stop, m.protocol, fields, (a, s, p) =>
      pppMessageLayer(b, a, s, p),
    );
    if (children.length) layer.children = children;
  }
  if (data.length) {
    const from = at + PPP_MESSAGE_HEADER;
    layer.children = [
      { protocol: `${m.protocol}.data`, title: 'Data', offset: from, length: p - from, fields: data },
    ];
    if (m.protocol === 'chap') layer.children[0].length = stop - from;
  }
  return layer;
}

const ICMPV6_REDIRECT = 137;
/** Wireshark's names for the Neighbor Discovery options (RFC 4861 §4.6, RFC 8106, RFC 4191). */
const ND_OPTIONS: Record<number, string> = {
  1: 'Source link-layer address',
  2: 'Target link-layer address',
  3: 'Prefix information',
  4: 'Redirected header',
  5: 'MTU',
  14: 'Nonce',
  24: 'Route Information',
  25: 'Recursive DNS Server',
  31: 'DNS Search List',
};
/** The smallest option: its type, its length (in 8-byte units) and 6 bytes. */
const ND_OPTION_MIN = 8;
/** Where each message's options start (RFC 4861 §4.1-4.5). */
const ND_OPTIONS_AT: Record<number, number> = { 133: 8, 134: 16, 135: 24, 136: 24, 137: 40 };

/**
 * A Neighbor Discovery message (router solicitation and advertisement, neighbor solicitation and advertisement,
 * redirect) as tshark shows it: the ICMPv6 layer with the message's fields (a router advertisement's hop limit,
 * lifetime and timers, a neighbor advertisement's flags, a redirect's target and destination) and its options
 * as children ('icmpv6.opt': link-layer addresses, MTU, prefix information), as far as they were captured whole.
 */
function ndLayer(b: Uint8Array, n: Icmpv6Node, body: ChainNode | undefined): Layer {
  const layer = toLayers(b, n)[0];
  const at = n.at;
  const end = Math.min(body ? body.end : n.end, b.length);
  const { fields, add } = fieldsTo(end);
  const type = n.h.type;
  if (type === ICMPV6_ROUTER_ADVERT) {
    add('Cur hop limit', at + 4, 1, () => b[at + 4]);
    add('Flags', at + 5, 1, () => raFlags(b[at + 5]));
    add('Router lifetime (s)', at + 6, 2, () => u16(b, at + 6));
    add('Reachable time (ms)', at + 8, 4, () => u32(b, at + 8));
    add('Retrans timer (ms)', at + 12, 4, () => u32(b, at + 12));
  } else if (type === ICMPV6_NEIGHBOR_ADVERT) {
    add('Flags', at + 4, 4, () => naFlags(u32(b, at + 4)));
  } else {
    add('Reserved', at + 4, 4, () =>
      u32(b, at + 4)
        .toString(16)
        .padStart(8, '0'),
    );
  }
  if (type === ICMPV6_REDIRECT) {
    add('Target Address', at + 8, 16, () => ipv6ToString(b, at + 8));
    add('Destination Address', at + 24, 16, () => ipv6ToString(b, at + 24));
  }
  const children: Layer[] = [];
  const msgEnd = body ? body.end : n.end;
  for (let p = at + ND_OPTIONS_AT[type]; p < end;) {
    // An option the snaplen cut (its length byte too, perhaps: then at least its 8 bytes were wanted).
    const size = p + 2 <= end ? b[p + 1] * 8 : ND_OPTION_MIN;
    if (size === 0 || p + size > msgEnd) break;
    children.push(ndOption(b, p, size, end));
    p += size;
  }
  return {
    ...layer,
    length: Math.max(layer.length, end - at),
    fields: [...layer.fields, ...fields],
    ...(children.length ? { children } : {}),
  };
}

function ndOption(b: Uint8Array, p: number, size: number, cap: number): Layer {
  const type = b[p];
  const name = ND_OPTIONS[type] ?? 'Unknown';
  const stop = Math.min(p + size, cap);
  const { fields, add } = fieldsTo(stop);
  add('Type', p, 1, () => `${name} (${type})`);
  add('Length', p + 1, 1, () => `${size / 8} (${size} bytes)`);
  let detail = '';
  const whole = stop === p + size;
  if ((type === 1 || type === 2) && size >= 8) {
    add('Link-layer address', p + 2, 6, () => macBytesToString(b, p + 2, 6));
    if (whole) detail = macBytesToString(b, p + 2, 6);
  } else if (type === 5 && size >= 8) {
    add('MTU', p + 4, 4, () => u32(b, p + 4));
    if (whole) detail = String(u32(b, p + 4));
  } else if (type === 3 && size >= 32) {
    add('Prefix Length', p + 2, 1, () => b[p + 2]);
    add('Valid Lifetime', p + 4, 4, () => u32(b, p + 4));
    add('Preferred Lifetime', p + 8, 4, () => u32(b, p + 8));
    add('Prefix', p + 16, 16, () => ipv6ToString(b, p + 16));
    if (whole) detail = `${ipv6ToString(b, p + 16)}/${b[p + 2]}`;
  }
  return {
    protocol: 'icmpv6.opt',
    title: `ICMPv6 Option (${name}${detail ? ` : ${detail}` : ''})${cutNote(stop - p, size)}`,
    offset: p,
    length: stop - p,
    fields,
  };
}

/** "0x00, Prf (Default Router Preference): Medium", with the M, O, H and P flags' names when set. */
function raFlags(v: number): string {
  const prf = ['Medium', 'High', 'Reserved', 'Low'][(v >> 3) & 3];
  const set = [
    [0x80, 'Managed address configuration'],
    [0x40, 'Other configuration'],
    [0x20, 'Home Agent'],
  ] as const;
  const names = set.filter(([bit]) => v & bit).map(([, nm]) => `, ${nm}`);
  return `${hex(v, 2)}${names.join('')}, Prf (Default Router Preference): ${prf}${v & 4 ? ', Proxy' : ''}`;
}

/** "0x60000000, Solicited, Override". */
function naFlags(v: number): string {
  const names = [
    [0x80000000, 'Router'],
    [0x40000000, 'Solicited'],
    [0x20000000, 'Override'],
  ] as const;
  return `${hex(v >>> 0, 8)}${names
    .filter(([bit]) => (v & bit) !== 0)
    .map(([, nm]) => `, ${nm}`)
    .join('')}`;
}

function lastEnd(layers: Layer[]): number {
  const l = layers[layers.length - 1];
  return l ? l.offset + l.length : 0;
}

function toLayers(b: Uint8Array, n: ChainNode): Layer[] {
  const at = n.at;
  switch (n.kind) {
    case 'ethernet': {
      const h = n.h;
      const fields = [
        f('Destination', macToString(h.dst), at, 6),
        f('Source', macToString(h.src), at + 6, 6),
      ];
      const out: Layer[] = [];
      const ieee = is8023(n);
      const eth: Layer = {
        protocol: 'ethernet',
        title: `${ieee ? 'IEEE 802.3 Ethernet' : 'Ethernet II'}${n.inner ? ' (inner)' : ''}, Src: ${macToString(h.src)}, Dst: ${macToString(h.dst)}`,
        offset: at,
        length: ETH_HEADER_LEN,
        fields,
      };
      out.push(eth);
      if (ieee) fields.push(f('Length', h.etherType, at + 12, 2));
      else if (h.vlanCount === 0) {
        fields.push(f('Type', `${etherTypeName(h.etherType)} (${hex(h.etherType, 4)})`, at + 12, 2));
      } else {
        fields.push(f('Type', '802.1Q Virtual LAN (0x8100)', at + 12, 2));
        for (let i = 0; i < h.vlanCount; i++) {
          const t = at + 12 + i * VLAN_TAG_LEN;
          const tci = (b[t + 2] << 8) | b[t + 3];
          const type = (b[t + 4] << 8) | b[t + 5];
          out.push({
            protocol: 'vlan',
            title: `802.1Q Virtual LAN, PRI: ${tci >> 13}, DEI: ${(tci >> 12) & 1}, ID: ${tci & 0xfff}`,
            offset: t + 2,
            length: VLAN_TAG_LEN,
            fields: [
              f('Priority', tci >> 13, t + 2, 1),
              f('DEI', (tci >> 12) & 1, t + 2, 1),
              f('ID', tci & 0xfff, t + 2, 2),
              f('Type', `${etherTypeName(type)} (${hex(type, 4)})`, t + 4, 2),
            ],
          });
        }
      }
      return out;
    }
    case 'sll': {
      const h = n.h;
      const dir = SLL_PACKET_TYPES[h.packetType] ?? String(h.packetType);
      const addr = h.addr >= 0 ? macToString(h.addr) : '';
      if (h.version === 1) {
        const o = SLL_OFFSETS;
        return [
          {
            protocol: 'sll',
            title: `Linux cooked capture v1, ${dir}${addr ? `, Src: ${addr}` : ''}`,
            offset: at,
            length: n.len,
            fields: [
              f('Packet type', `${dir} (${h.packetType})`, at + o.SLL_PKTTYPE, 2),
              f('Link-layer address type', h.hatype, at + o.SLL_HATYPE, 2),
              f('Link-layer address length', h.addrLen, at + o.SLL_HALEN, 2),
              f('Source', addr, at + o.SLL_ADDR, 8),
              f('Protocol', `${etherTypeName(h.protocol)} (${hex(h.protocol, 4)})`, at + o.SLL_PROTOCOL, 2),
            ],
          },
        ];
      }
      const o = SLL2_OFFSETS;
      return [
        {
          protocol: 'sll',
          title: `Linux cooked capture v2, ${dir}, ifindex ${h.ifIndex}${addr ? `, Src: ${addr}` : ''}`,
          offset: at,
          length: n.len,
          fields: [
            f('Protocol', `${etherTypeName(h.protocol)} (${hex(h.protocol, 4)})`, at + o.SLL2_PROTOCOL, 2),
            f('Interface index', h.ifIndex, at + o.SLL2_IFINDEX, 4),
            f('Link-layer address type', h.hatype, at + o.SLL2_HATYPE, 2),
            f('Packet type', `${dir} (${h.packetType})`, at + o.SLL2_PKTTYPE, 1),
            f('Link-layer address length', h.addrLen, at + o.SLL2_HALEN, 1),
            f('Source', addr, at + o.SLL2_ADDR, 8),
          ],
        },
      ];
    }
    case 'arp': {
      const h = n.h;
      const o = ARP_OFFSETS;
      const op = h.op === 1 ? 'request' : h.op === 2 ? 'reply' : String(h.op);
      const fields = [
        f('Hardware type', h.htype, at + o.HTYPE, 2),
        f('Protocol type', hex(h.ptype, 4), at + o.PTYPE, 2),
        f('Hardware size', h.hlen, at + o.HLEN, 1),
        f('Protocol size', h.plen, at + o.PLEN, 1),
        f('Opcode', `${op} (${h.op})`, at + o.OPER, 2),
      ];
      if (h.senderIp >= 0) {
        fields.push(
          f('Sender MAC address', macToString(h.senderMac), at + o.SHA, 6),
          f('Sender IP address', ipv4ToString(h.senderIp), at + o.SHA + 6, 4),
          f('Target MAC address', macToString(h.targetMac), at + o.SHA + 10, 6),
          f('Target IP address', ipv4ToString(h.targetIp), at + o.SHA + 16, 4),
        );
      }
      return [
        { protocol: 'arp', title: `Address Resolution Protocol (${op})`, offset: at, length: n.len, fields },
      ];
    }
    case 'ipv4': {
      const h = n.h;
      const o = IPV4_OFFSETS;
      const flags = [h.dontFragment ? "Don't fragment" : '', h.moreFragments ? 'More fragments' : ''].filter(
        Boolean,
      );
      const fields = [
        f('Version', 4, at + o.VERSION_IHL, 1),
        f('Header length', `${h.headerLen} bytes`, at + o.VERSION_IHL, 1),
        f('DSCP', h.dscp, at + o.TOS, 1),
        f('ECN', h.ecn, at + o.TOS, 1),
        f('Total length', h.totalLen, at + o.TOTAL_LEN, 2),
        f('Identification', `${hex(h.id, 4)} (${h.id})`, at + o.ID, 2),
        f('Flags', flags.join(', ') || 'none', at + o.FLAGS_FRAG, 1),
        f('Fragment offset', h.fragOffset, at + o.FLAGS_FRAG, 2),
        f('Time to live', h.ttl, at + o.TTL, 1),
        f('Protocol', protoValue(h.proto), at + o.PROTOCOL, 1),
        f('Header checksum', hex(h.checksum, 4), at + o.CHECKSUM, 2),
        f('Source address', ipv4ToString(h.src), at + o.SRC, 4),
        f('Destination address', ipv4ToString(h.dst), at + o.DST, 4),
      ];
      if (h.headerLen > 20) fields.push(f('Options', `${h.headerLen - 20} bytes`, at + 20, h.headerLen - 20));
      return [
        {
          protocol: 'ipv4',
          title: `Internet Protocol Version 4, Src: ${ipv4ToString(h.src)}, Dst: ${ipv4ToString(h.dst)}`,
          offset: at,
          length: h.headerLen,
          fields,
        },
      ];
    }
    case 'ipv6':
      return [ipv6Layer(b, at, at + n.len)];
    case 'udp': {
      const h = n.h;
      const o = UDP_OFFSETS;
      return [
        {
          protocol: 'udp',
          title: `User Datagram Protocol, Src Port: ${h.srcPort}, Dst Port: ${h.dstPort}`,
          offset: at,
          length: n.len,
          fields: [
            f('Source port', h.srcPort, at + o.SRC_PORT, 2),
            f('Destination port', h.dstPort, at + o.DST_PORT, 2),
            f('Length', h.length, at + o.LENGTH, 2),
            f('Checksum', hex(h.checksum, 4), at + o.CHECKSUM, 2),
          ],
        },
      ];
    }
    case 'tcp': {
      const h = n.h;
      const o = TCP_OFFSETS;
      const fields = [
        f('Source port', h.srcPort, at + o.SRC_PORT, 2),
        f('Destination port', h.dstPort, at + o.DST_PORT, 2),
        f('Sequence number', h.seq, at + o.SEQ, 4),
        f('Acknowledgment number', h.ack, at + o.ACK, 4),
        f('Header length', `${h.headerLen} bytes`, at + o.DATA_OFFSET, 1),
        f('Flags', `[${tcpFlagsString(h.flags)}] (${hex(h.flags, 3)})`, at + o.DATA_OFFSET, 2),
        f('Window', h.window, at + o.WINDOW, 2),
        f('Checksum', hex(h.checksum, 4), at + o.CHECKSUM, 2),
        f('Urgent pointer', h.urgent, at + o.URGENT, 2),
      ];
      if (h.headerLen > TCP_OPTIONS)
        fields.push(
          f('Options', `${h.headerLen - TCP_OPTIONS} bytes`, at + TCP_OPTIONS, h.headerLen - TCP_OPTIONS),
        );
      return [
        {
          protocol: 'tcp',
          title: `Transmission Control Protocol, Src Port: ${h.srcPort}, Dst Port: ${h.dstPort}, Seq: ${h.seq}, Flags: [${tcpFlagsString(h.flags)}]`,
          offset: at,
          length: h.headerLen,
          fields,
        },
      ];
    }
    case 'icmp': {
      const h = n.h;
      const o = ICMP_OFFSETS;
      const fields = [
        f('Type', `${h.type} (${icmpTypeName(h.type, h.code)})`, at + o.TYPE, 1),
        f('Code', h.code, at + o.CODE, 1),
        f('Checksum', hex(h.checksum, 4), at + o.CHECKSUM, 2),
      ];
      if (h.id >= 0)
        fields.push(
          f('Identifier', `${h.id} (${hex(h.id, 4)})`, at + o.IDENT, 2),
          f('Sequence number', h.seq, at + o.SEQ, 2),
        );
      return [
        {
          protocol: 'icmp',
          title: `Internet Control Message Protocol, ${icmpTypeName(h.type, h.code)}`,
          offset: at,
          length: n.len,
          fields,
        },
      ];
    }
    case 'icmpv6': {
      const h = n.h;
      const o = ICMPV6_OFFSETS;
      const code = icmpv6CodeName(h.type, h.code);
      const fields = [
        f('Type', `${h.type} (${icmpv6TypeName(h.type)})`, at + o.TYPE, 1),
        f('Code', code ? `${h.code} (${code})` : h.code, at + o.CODE, 1),
        f('Checksum', hex(h.checksum, 4), at + o.CHECKSUM, 2),
      ];
      if (h.id >= 0)
        fields.push(
          f('Identifier', `${h.id} (${hex(h.id, 4)})`, at + o.IDENT, 2),
          f('Sequence number', h.seq, at + o.SEQ, 2),
        );
      if (h.targetOffset >= 0)
        fields.push(f('Target address', ipv6ToString(b, h.targetOffset), at + ICMPV6_ND_TARGET, 16));
      return [
        {
          protocol: 'icmpv6',
          title: `Internet Control Message Protocol v6, ${icmpv6TypeName(h.type)}`,
          offset: at,
          length: n.len,
          fields,
        },
      ];
    }
    case 'vxlan': {
      const h = n.h;
      const o = VXLAN_OFFSETS;
      return [
        {
          protocol: 'vxlan',
          title: `Virtual eXtensible Local Area Network, VNI: ${h.vni}`,
          offset: at,
          length: n.len,
          fields: [
            f('Flags', `${hex(h.flags, 2)}${h.vniValid ? ' (VNI valid)' : ''}`, at + o.FLAGS, 1),
            f('VNI', h.vni, at + o.VNI, 3),
          ],
        },
      ];
    }
    case 'geneve': {
      const h = n.h;
      const o = GENEVE_OFFSETS;
      const vni = hex(h.vni, 6);
      const flags = [h.flags & GENEVE_FLAG_O ? 'OAM' : '', h.flags & GENEVE_FLAG_C ? 'Critical' : '']
        .filter(Boolean)
        .join(', ');
      const children: Layer[] = geneveOptions(b, at, h).map((x) => {
        const type = `${hex(x.type, 2)}${x.type & GENEVE_OPTION_CRITICAL ? ' (Critical)' : ''}`;
        const cls = `${geneveClassName(x.optClass)} (${hex(x.optClass, 4)})`;
        return {
          protocol: 'geneve.option',
          title: `Option, Class: ${cls} Type: ${type}`,
          offset: x.offset,
          length: x.length,
          fields: [
            f('Class', cls, x.offset, 2),
            f('Type', type, x.offset + 2, 1),
            f('Length', `${x.length} bytes`, x.offset + 3, 1),
            f('Data', hexBytes(b, x.offset + 4, x.length - 4), x.offset + 4, x.length - 4),
          ],
        };
      });
      return [
        {
          protocol: 'geneve',
          title: `Generic Network Virtualization Encapsulation, VNI: ${vni}${h.flags & GENEVE_FLAG_O ? ', OAM' : ''}`,
          offset: at,
          length: n.len,
          fields: [
            f('Version', h.version, at + o.VER_OPTLEN, 1),
            f('Length', `${h.optionsLen} bytes`, at + o.VER_OPTLEN, 1),
            f('Flags', `${hex(h.flags, 2)}${flags ? ` (${flags})` : ''}`, at + o.FLAGS, 1),
            f('Protocol Type', `${etherTypeName(h.protocol)} (${hex(h.protocol, 4)})`, at + o.PROTOCOL, 2),
            f('VNI', `${vni} (${h.vni})`, at + o.VNI, 3),
          ],
          ...(children.length ? { children } : {}),
        },
      ];
    }
    case 'dns': {
      const m = n.msg;
      const o = DNS_OFFSETS;
      const kind = m.response ? 'response' : 'query';
      const fields = [
        f('Transaction ID', hex(m.id, 4), at + o.ID, 2),
        f(
          'Flags',
          `${hex(m.flags, 4)} (${kind}${m.rcode ? `, ${rcodeName(m.rcode)}` : ''})`,
          at + o.FLAGS,
          2,
        ),
        f('Questions', m.qdcount, at + o.QDCOUNT, 2),
        f('Answer RRs', m.ancount, at + o.ANCOUNT, 2),
        f('Authority RRs', m.nscount, at + o.NSCOUNT, 2),
        f('Additional RRs', m.arcount, at + o.ARCOUNT, 2),
      ];
      for (const q of m.questions)
        fields.push(f('Query', `${q.name} ${DNS_TYPES[q.type] ?? `type ${q.type}`}`, q.offset, q.length));
      const sections: [string, typeof m.answers][] = [
        ['Answer', m.answers],
        ['Authority', m.authorities],
        ['Additional', m.additionals],
      ];
      for (const [name, records] of sections)
        for (const a of records) {
          const type = DNS_TYPES[a.type] ?? `type ${a.type}`;
          fields.push(f(name, `${a.name} ${type} ${a.data} (ttl ${a.ttl})`, a.offset, a.length));
        }
      const q0 = m.questions[0];
      return [
        {
          protocol: 'dns',
          title: `Domain Name System (${kind})${q0 ? ` ${q0.name}` : ''}`,
          offset: at,
          length: n.len,
          fields,
        },
      ];
    }
    case 'sctp':
      return [sctpLayer(b, n)];
    case 'data':
      return [dataLayer(at, n.len)];
  }
}

function dataLayer(at: number, len: number): Layer {
  return { protocol: 'data', title: `Data (${len} bytes)`, offset: at, length: len, fields: [] };
}

/** The Data layer of the bytes from `from` to `end` that a decoder left, none when there are none. */
function dataAfter(from: number, end: number): Layer[] {
  return from < end ? [dataLayer(from, end - from)] : [];
}
