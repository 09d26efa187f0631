// decodeFields: the hot path. Walks link → IP → L4 (through VXLAN, Geneve and IPIP) with the protocol decoders and
// module-level scratch headers, writing the flat PacketFields in place: no allocation, never throws.
import { decodeArp, newArpHeader } from './arp.ts';
import {
  decodeEthernet,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  newEthernetHeader,
} from './ethernet.ts';
import {
  DEFAULT_DECODE_OPTIONS,
  DEFAULT_GENEVE_PORTS,
  ENCAP_GENEVE,
  ENCAP_IPIP,
  ENCAP_VXLAN,
  LINKTYPE_ETHERNET,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_RAW,
  LINKTYPE_RAW_12,
  LINKTYPE_RAW_14,
  MAX_ENCAP,
  STATUS_MALFORMED,
  STATUS_OK,
  STATUS_TRUNCATED,
  STATUS_UNSUPPORTED,
  type DecodeOptions,
  type PacketFields,
} from './fields.ts';
import { decodeGeneve, genevePortTable, newGeneveHeader } from './geneve.ts';
import { decodeIcmp, newIcmpHeader } from './icmp.ts';
import { decodeIcmpv6, newIcmpv6Header } from './icmpv6.ts';
import {
  decodeIpv4,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_IPIP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  newIpv4Header,
} from './ipv4.ts';
import { decodeIpv6, newIpv6Header } from './ipv6.ts';
import { computeKey } from './key.ts';
import { decodeSll, decodeSll2, newSllHeader } from './linuxSll.ts';
import { IPPROTO_SCTP } from './ipProtocols.ts';
import { newStep, NEXT_ETHERNET, NO_LIMIT, STEP_TRUNCATED, type Step } from './result.ts';
import { decodeSctp, newSctpHeader } from './sctp.ts';
import { decodeTcp, newTcpHeader, TCP_MIN_HEADER_LEN } from './tcp.ts';
import { decodeUdp, newUdpHeader } from './udp.ts';
import { decodeVxlan, newVxlanHeader, vxlanPortTable } from './vxlan.ts';

const st = newStep();
const eth = newEthernetHeader();
const sll = newSllHeader();
const arp = newArpHeader();
const ip4 = newIpv4Header();
const ip6 = newIpv6Header();
const udp = newUdpHeader();
const tcp = newTcpHeader();
const icmp = newIcmpHeader();
const icmp6 = newIcmpv6Header();
const vx = newVxlanHeader();
const gnv = newGeneveHeader();
const sctp = newSctpHeader();
/** Where the outermost IP packet ends per its header (decodeFields sets it before payload() reads it). */
let outerEnd = 0;

/** Innermost-packet fields, cleared again when an encapsulation is pushed. */
function resetInner(o: PacketFields): void {
  o.ipVersion = 0;
  o.ipOffset = -1;
  o.src = -1;
  o.dst = -1;
  o.src6Offset = -1;
  o.dst6Offset = -1;
  o.ttl = -1;
  o.ipId = -1;
  o.ipTotalLen = -1;
  o.ipHeaderLen = -1;
  o.dscp = -1;
  o.fragOffset = 0;
  o.moreFragments = false;
  o.fragId6 = 0;
  o.dontFragment = false;
  o.proto = -1;
  o.l4Offset = -1;
  o.srcPort = -1;
  o.dstPort = -1;
  o.tcpSeq = -1;
  o.tcpAck = -1;
  o.tcpFlags = -1;
  o.icmpType = -1;
  o.icmpCode = -1;
  o.icmpId = -1;
  o.icmpSeq = -1;
  o.payloadOffset = -1;
  o.payloadLen = -1;
  o.capturedPayloadLen = -1;
}

/** Back to the values createPacketFields() gives. */
export function resetFields(o: PacketFields): void {
  o.status = STATUS_OK;
  o.problemOffset = -1;
  o.problemLayer = '';
  o.hasEth = false;
  o.ethSrc = -1;
  o.ethDst = -1;
  o.vlan = -1;
  o.etherType = -1;
  o.linkPktType = -1;
  o.linkIfIndex = -1;
  o.arpOp = -1;
  o.arpSenderIp = -1;
  o.arpTargetIp = -1;
  o.arpSenderMac = -1;
  o.encapCount = 0;
  o.innerEthSrc = -1;
  o.innerEthDst = -1;
  resetInner(o);
  o.keyHi = 0;
  o.keyLo = 0;
  o.keyHdr = 0;
  o.keyPayloadLen = 0;
}

function problem(o: PacketFields, s: Step): void {
  o.status = s.status === STEP_TRUNCATED ? STATUS_TRUNCATED : STATUS_MALFORMED;
  o.problemOffset = s.offset;
  o.problemLayer = s.layer;
}

function pushEncap(o: PacketFields, type: number, vni: number, sport: number, dport: number): void {
  const i = o.encapCount++;
  o.encapType[i] = type;
  o.encapOuterSrc[i] = o.ipVersion === 4 ? o.src : -1;
  o.encapOuterDst[i] = o.ipVersion === 4 ? o.dst : -1;
  o.encapOuterTtl[i] = o.ttl;
  o.encapVni[i] = vni;
  o.encapSrcPort[i] = sport;
  o.encapDstPort[i] = dport;
  resetInner(o);
}

/** Payload bookkeeping and the snaplen check once the innermost header is known. */
function payload(o: PacketFields, capEnd: number, at: number, end: number, layer: string): void {
  o.payloadOffset = at;
  o.payloadLen = end - at;
  const cap = end < capEnd ? end : capEnd;
  o.capturedPayloadLen = cap > at ? cap - at : 0;
  // Cut by the snaplen: the innermost payload, or an outer packet claiming more than the frame holds.
  if ((end > capEnd || outerEnd > capEnd) && o.status === STATUS_OK) {
    o.status = STATUS_TRUNCATED;
    o.problemOffset = capEnd;
    o.problemLayer = layer;
  }
}

/** Decodes one frame into `out`; all PacketFields offsets are from the start of `frame`. */
export function decodeFields(
  frame: Uint8Array,
  linkType: number,
  out: PacketFields,
  opts: DecodeOptions = DEFAULT_DECODE_OPTIONS,
): void {
  decodeInto(frame, 0, frame.length, linkType, out, opts);
}

/**
 * The same for the frame at buf[start, end), without making a view of it (the reader's record.buf,
 * dataOffset and caplen): offsets in `out` are still from the frame's start, and no byte outside is read.
 */
export function decodeFieldsAt(
  buf: Uint8Array,
  start: number,
  end: number,
  linkType: number,
  out: PacketFields,
  opts: DecodeOptions = DEFAULT_DECODE_OPTIONS,
): void {
  if (!(start >= 0 && end >= start && end <= buf.length)) {
    resetFields(out);
    out.status = STATUS_MALFORMED;
    out.problemOffset = 0;
    out.problemLayer = 'frame';
    return;
  }
  decodeInto(buf, start, end, linkType, out, opts);
  if (start !== 0) rebase(out, start);
}

/** A capture record straight from the pcap reader: decodeFieldsAt on its bytes, with its link type. */
export function decodeRecord(
  rec: { buf: Uint8Array; dataOffset: number; caplen: number; linkType: number },
  out: PacketFields,
  opts: DecodeOptions = DEFAULT_DECODE_OPTIONS,
): void {
  decodeFieldsAt(rec.buf, rec.dataOffset, rec.dataOffset + rec.caplen, rec.linkType, out, opts);
}

function rebase(o: PacketFields, start: number): void {
  if (o.problemOffset >= 0) o.problemOffset -= start;
  if (o.ipOffset >= 0) o.ipOffset -= start;
  if (o.src6Offset >= 0) o.src6Offset -= start;
  if (o.dst6Offset >= 0) o.dst6Offset -= start;
  if (o.l4Offset >= 0) o.l4Offset -= start;
  if (o.payloadOffset >= 0) o.payloadOffset -= start;
}

function decodeInto(
  b: Uint8Array,
  start: number,
  capEnd: number,
  linkType: number,
  out: PacketFields,
  opts: DecodeOptions,
): void {
  resetFields(out);
  const s = st;
  s.cap = capEnd;
  let type: number;
  let at: number;
  let lim = NO_LIMIT;
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      if (!decodeEthernet(b, start, lim, eth, s)) return problem(out, s);
      out.hasEth = true;
      out.ethSrc = eth.src;
      out.ethDst = eth.dst;
      out.vlan = eth.vlan;
      break;
    case LINKTYPE_LINUX_SLL:
    case LINKTYPE_LINUX_SLL2:
      if (!(linkType === LINKTYPE_LINUX_SLL ? decodeSll(b, start, sll, s) : decodeSll2(b, start, sll, s))) {
        return problem(out, s);
      }
      out.ethSrc = sll.addr;
      out.linkPktType = sll.packetType;
      out.linkIfIndex = sll.ifIndex;
      break;
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_12:
    case LINKTYPE_RAW_14:
      if (capEnd - start < 1) {
        out.status = STATUS_TRUNCATED;
        out.problemOffset = start;
        out.problemLayer = 'ip';
        return;
      }
      s.next = start;
      s.proto = b[start] >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
      break;
    default:
      out.status = STATUS_UNSUPPORTED;
      return;
  }
  type = s.proto;
  at = s.next;
  out.etherType = linkType === LINKTYPE_ETHERNET || out.linkPktType >= 0 ? type : -1;
  const vxlanPorts = vxlanPortTable(opts.vxlanPorts ?? DEFAULT_DECODE_OPTIONS.vxlanPorts);
  const genevePorts = genevePortTable(opts.genevePorts ?? DEFAULT_GENEVE_PORTS);

  for (;;) {
    let proto: number;
    let first = true; // not a non-first fragment
    let whole = true; // not fragmented at all
    if (type === ETHERTYPE_IPV4) {
      if (!decodeIpv4(b, at, lim, ip4, s)) return problem(out, s);
      out.ipVersion = 4;
      out.ipOffset = at;
      out.src = ip4.src;
      out.dst = ip4.dst;
      out.ttl = ip4.ttl;
      out.ipId = ip4.id;
      out.ipTotalLen = s.end - at;
      out.ipHeaderLen = ip4.headerLen;
      out.dscp = ip4.dscp;
      out.fragOffset = ip4.fragOffset;
      out.moreFragments = ip4.moreFragments;
      out.dontFragment = ip4.dontFragment;
      proto = ip4.proto;
      first = ip4.fragOffset === 0;
      whole = first && !ip4.moreFragments;
    } else if (type === ETHERTYPE_IPV6) {
      if (!decodeIpv6(b, at, lim, ip6, s)) return problem(out, s);
      out.ipVersion = 6;
      out.ipOffset = at;
      out.src6Offset = ip6.srcOffset;
      out.dst6Offset = ip6.dstOffset;
      out.ttl = ip6.hopLimit;
      out.ipTotalLen = s.end - at;
      out.ipHeaderLen = s.next - at;
      out.dscp = ip6.trafficClass >> 2;
      out.fragOffset = ip6.fragOffset;
      out.moreFragments = ip6.moreFragments;
      if (ip6.hasFragment) out.fragId6 = ip6.fragId | 0;
      proto = ip6.proto;
      first = ip6.fragOffset === 0;
      whole = !ip6.hasFragment;
    } else if (type === ETHERTYPE_ARP) {
      if (!decodeArp(b, at, lim, arp, s)) return problem(out, s);
      out.arpOp = arp.op;
      out.arpSenderIp = arp.senderIp;
      out.arpTargetIp = arp.targetIp;
      out.arpSenderMac = arp.senderMac;
      out.status = STATUS_UNSUPPORTED;
      return;
    } else {
      out.status = STATUS_UNSUPPORTED;
      return;
    }
    out.proto = proto;
    at = s.next;
    lim = s.end;
    if (out.encapCount === 0) outerEnd = lim;
    if (!first) {
      payload(out, capEnd, at, lim, 'ip');
      break;
    }
    if (proto === IPPROTO_IPIP && whole && out.encapCount < MAX_ENCAP) {
      pushEncap(out, ENCAP_IPIP, -1, -1, -1);
      type = ETHERTYPE_IPV4;
      continue;
    }
    if (proto === IPPROTO_UDP) {
      if (!decodeUdp(b, at, lim, udp, s, whole)) {
        problem(out, s); // the IP packet is still keyed, on its header fields
        break;
      }
      out.l4Offset = at;
      out.srcPort = udp.srcPort;
      out.dstPort = udp.dstPort;
      if (whole && (vxlanPorts[udp.dstPort] | vxlanPorts[udp.srcPort]) !== 0 && out.encapCount < MAX_ENCAP) {
        const udpEnd = s.end;
        if (!decodeVxlan(b, s.next, udpEnd, vx, s)) return problem(out, s);
        pushEncap(out, ENCAP_VXLAN, vx.vni, udp.srcPort, udp.dstPort);
        if (!decodeEthernet(b, s.next, udpEnd, eth, s)) return problem(out, s);
        out.innerEthSrc = eth.src;
        out.innerEthDst = eth.dst;
        type = eth.etherType;
        at = s.next;
        lim = udpEnd;
        continue;
      }
      if (
        whole &&
        (genevePorts[udp.dstPort] | genevePorts[udp.srcPort]) !== 0 &&
        out.encapCount < MAX_ENCAP
      ) {
        const udpEnd = s.end;
        const udpPayload = s.next;
        if (!decodeGeneve(b, udpPayload, udpEnd, gnv, s)) return problem(out, s);
        const inner = s.proto;
        if (inner === NEXT_ETHERNET || inner === ETHERTYPE_IPV4 || inner === ETHERTYPE_IPV6) {
          pushEncap(out, ENCAP_GENEVE, gnv.vni, udp.srcPort, udp.dstPort);
          at = s.next;
          lim = udpEnd;
          if (inner === NEXT_ETHERNET) {
            if (!decodeEthernet(b, at, udpEnd, eth, s)) return problem(out, s);
            out.innerEthSrc = eth.src;
            out.innerEthDst = eth.dst;
            type = eth.etherType;
            at = s.next;
          } else type = inner;
          continue;
        }
        // Another protocol inside (tcpdump's "geneve-proto-0x…"): the datagram's payload, as plain UDP's.
        payload(out, capEnd, udpPayload, udpEnd, 'geneve');
        break;
      }
      payload(out, capEnd, s.next, whole ? s.end : lim, 'udp');
    } else if (proto === IPPROTO_TCP) {
      const decoded = decodeTcp(b, at, lim, tcp, s);
      if (!decoded) {
        problem(out, s); // the IP packet is still keyed, on its header fields
        // Unless only the options were cut by the snaplen (`-s 60` on a SYN): decodeTcp read the fixed 20 bytes
        // before failing, so the ports, numbers and flags are kept below, as tcpdump prints them before its
        // "[|tcp]"; the payload stays unknown.
        const fixedRead =
          s.status === STEP_TRUNCATED && at + TCP_MIN_HEADER_LEN <= capEnd && at + TCP_MIN_HEADER_LEN <= lim;
        if (!fixedRead) break;
      }
      out.l4Offset = at;
      out.srcPort = tcp.srcPort;
      out.dstPort = tcp.dstPort;
      out.tcpSeq = tcp.seq;
      out.tcpAck = tcp.ack;
      out.tcpFlags = tcp.flags;
      if (!decoded) break;
      payload(out, capEnd, s.next, lim, 'tcp');
    } else if (proto === IPPROTO_SCTP) {
      if (!decodeSctp(b, at, lim, sctp, s)) {
        problem(out, s); // the IP packet is still keyed, on its header fields
        break;
      }
      out.l4Offset = at;
      out.srcPort = sctp.srcPort;
      out.dstPort = sctp.dstPort;
      payload(out, capEnd, s.next, lim, 'sctp');
    } else if (proto === IPPROTO_ICMP) {
      if (!decodeIcmp(b, at, lim, icmp, s)) {
        problem(out, s); // the IP packet is still keyed, on its header fields
        break;
      }
      out.l4Offset = at;
      out.icmpType = icmp.type;
      out.icmpCode = icmp.code;
      out.icmpId = icmp.id;
      out.icmpSeq = icmp.seq;
      payload(out, capEnd, s.next, lim, 'icmp');
    } else if (proto === IPPROTO_ICMPV6) {
      if (!decodeIcmpv6(b, at, lim, icmp6, s)) {
        problem(out, s); // the IP packet is still keyed, on its header fields
        break;
      }
      out.l4Offset = at;
      out.icmpType = icmp6.type;
      out.icmpCode = icmp6.code;
      out.icmpId = icmp6.id;
      out.icmpSeq = icmp6.seq;
      payload(out, capEnd, s.next, lim, 'icmpv6');
    } else {
      payload(out, capEnd, at, lim, 'ip');
    }
    break;
  }
  if (out.ipVersion !== 0 && opts.key !== false) computeKey(b, out);
}
