// The fast-path decode contract: one reusable, flat PacketFields object that decodeFields() fills in place
// for every packet (no per-packet allocation). The correlator, the stores and the exporters read it.
// Owned by main/decode/; the correlator depends on it, so change it with care and in both places.

/** pcap LINKTYPE_* values we decode (tcpdump writes 12 or 14 for raw IP on some platforms; 101 is canonical). */
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_RAW_12 = 12;
export const LINKTYPE_RAW_14 = 14;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;

/** Whether `linkType` is raw IP (101, or 12 and 14 on some platforms): the IP packet with no link header. */
export function rawLinkType(linkType: number): boolean {
  return linkType === LINKTYPE_RAW || linkType === LINKTYPE_RAW_12 || linkType === LINKTYPE_RAW_14;
}

/** The link types the decoders read (Ethernet, raw IP, Linux cooked v1/v2): packets of others join no journey. */
export function decodedLinkType(linkType: number): boolean {
  return (
    linkType === LINKTYPE_ETHERNET ||
    rawLinkType(linkType) ||
    linkType === LINKTYPE_LINUX_SLL ||
    linkType === LINKTYPE_LINUX_SLL2
  );
}

/** Encapsulation kinds, outermost first in PacketFields.encap*. */
export const ENCAP_NONE = 0;
export const ENCAP_VXLAN = 1;
export const ENCAP_IPIP = 2;
export const ENCAP_GENEVE = 3;
export const MAX_ENCAP = 4;

/** Decode status of the packet as a whole. */
export const STATUS_OK = 0;
export const STATUS_TRUNCATED = 1; // snaplen cut it: decoded as far as the bytes go
export const STATUS_MALFORMED = 2; // fields contradict each other
export const STATUS_UNSUPPORTED = 3; // not IP (ARP, LLDP, unknown ethertype…): no inner packet

/** Innermost layer-4 protocol numbers we fill fields for. */
export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;
export const PROTO_SCTP = 132;

export interface DecodeOptions {
  /** UDP destination ports decoded as VXLAN. Default [4789, 8472]. */
  vxlanPorts: readonly number[];
  /** UDP ports decoded as Geneve (either port, as VXLAN's). Default [6081]. */
  genevePorts?: readonly number[];
  /** Fill keyHi/keyLo/keyHdr (default true). The correlator hashes its own identity and turns it off. */
  key?: boolean;
}

export const DEFAULT_GENEVE_PORTS: readonly number[] = [6081];
export const DEFAULT_DECODE_OPTIONS: DecodeOptions = {
  vxlanPorts: [4789, 8472],
  genevePorts: DEFAULT_GENEVE_PORTS,
};

/**
 * Flat fields of one packet. Numbers only (IPv4 addresses as unsigned 32-bit, MACs as 48-bit integers),
 * so one object is reused across millions of packets. -1 means "absent" for numeric fields.
 */
export interface PacketFields {
  status: number;
  /** Byte offset (from the start of the frame) where decoding stopped for a truncated/malformed packet, else -1. */
  problemOffset: number;
  /**
   * Which layer the problem was found in, '' when none: 'ethernet', 'vlan', 'sll', 'sll2', 'arp', 'ipv4',
   * 'ipv6', 'udp', 'tcp', 'sctp', 'icmp', 'icmpv6', 'vxlan', 'geneve', or 'ip' for a payload cut after an IP header
   * (non-first fragment, unknown protocol).
   */
  problemLayer: string;

  // Outermost link layer (absent on raw-IP links: hasEth=false).
  hasEth: boolean;
  ethSrc: number; // 48-bit MAC as integer
  ethDst: number;
  vlan: number; // 802.1Q VLAN id of the outer frame, -1 when untagged
  etherType: number; // ethertype after VLAN tags (or SLL protocol), -1 on raw IP
  /**
   * Linux cooked captures (SLL/SLL2, `tcpdump -i any`): hasEth is false, ethSrc holds the link-layer source
   * address when it is a 6-byte MAC; linkPktType is the SLL packet type (0 to us, 1 broadcast, 2 multicast,
   * 3 to another host, 4 sent by us) and linkIfIndex the SLL2 interface index. -1 when absent.
   */
  linkPktType: number;
  linkIfIndex: number;
  /** ARP: opcode (1 request, 2 reply), sender/target IPv4 and sender MAC; -1 when not ARP. */
  arpOp: number;
  arpSenderIp: number;
  arpTargetIp: number;
  arpSenderMac: number;

  // Encapsulation headers, outermost first; encapCount of them are valid.
  encapCount: number;
  encapType: Int32Array; // ENCAP_*
  encapOuterSrc: Float64Array; // outer IPv4 src (uint32 value)
  encapOuterDst: Float64Array;
  encapOuterTtl: Int32Array;
  encapVni: Int32Array; // VXLAN or Geneve VNI, -1 for IPIP
  encapSrcPort: Int32Array; // VXLAN or Geneve outer UDP ports, -1 for IPIP
  encapDstPort: Int32Array;
  /**
   * Inner Ethernet (VXLAN carries one, Geneve when its protocol is 0x6558) of the innermost encapsulation: MACs,
   * -1 when none.
   */
  innerEthSrc: number;
  innerEthDst: number;

  // Innermost IP packet (the one the correlator follows). ipVersion 0 when there is none.
  ipVersion: number; // 4 or 6, 0 none
  ipOffset: number; // offset of the innermost IP header in the frame
  src: number; // IPv4 uint32; for IPv6 see src6Offset
  dst: number;
  src6Offset: number; // IPv6: offset of the 16-byte source address in the frame, else -1
  dst6Offset: number;
  ttl: number; // TTL / hop limit
  ipId: number; // IPv4 identification (0..65535), -1 for IPv6
  /** IPv4 Total Length (a TSO capture's 0 reads as the captured length); IPv6: 40 + Payload Length. */
  ipTotalLen: number;
  /** IPv4 IHL in bytes; IPv6: 40 + the extension headers walked. */
  ipHeaderLen: number;
  dscp: number;
  fragOffset: number; // in bytes
  moreFragments: boolean;
  /** IPv6 fragment header's Identification as an int32 (0 without one): one datagram's fragments share it. */
  fragId6: number;
  dontFragment: boolean;
  proto: number; // innermost L4 protocol number

  // Innermost L4 (valid when proto matches and not a non-first fragment). -1 when absent.
  l4Offset: number;
  srcPort: number;
  dstPort: number;
  tcpSeq: number; // uint32
  tcpAck: number;
  tcpFlags: number;
  icmpType: number;
  icmpCode: number;
  icmpId: number;
  icmpSeq: number;
  payloadOffset: number; // L4 payload offset in the frame
  payloadLen: number; // L4 payload length per the headers (may exceed captured bytes); a non-first fragment: its IP payload
  capturedPayloadLen: number; // what the capture actually holds

  /**
   * Identity of the innermost packet, stable across MAC rewrites, TTL decrements, checksum updates,
   * encapsulation and NAT: a 64-bit hash split in two uint32 halves, over IP id, protocol, IP total length,
   * the L4 fields NAT does not change (ICMP type/code/id/seq, TCP seq/ack/flags, UDP length, SCTP verification
   * tag) and the first
   * keyPayloadLen (at most KEY_PAYLOAD_MAX) captured payload bytes. 0/0 when there is no inner IP packet.
   * A capture with a smaller snaplen may hash fewer payload bytes of the same packet: compare keyHdr (and
   * keyPayloadLen) for those.
   */
  keyHi: number;
  keyLo: number;
  /** 32-bit hash of the same header fields without any payload (uint32), 0 when there is no inner IP packet. */
  keyHdr: number;
  /** How many payload bytes went into keyHi/keyLo. */
  keyPayloadLen: number;
}

/** At most this many captured payload bytes enter the packet key (enough to tell packets apart, cheap to hash). */
export const KEY_PAYLOAD_MAX = 64;

export function createPacketFields(): PacketFields {
  return {
    status: STATUS_OK,
    problemOffset: -1,
    problemLayer: '',
    hasEth: false,
    ethSrc: -1,
    ethDst: -1,
    vlan: -1,
    etherType: -1,
    linkPktType: -1,
    linkIfIndex: -1,
    arpOp: -1,
    arpSenderIp: -1,
    arpTargetIp: -1,
    arpSenderMac: -1,
    encapCount: 0,
    encapType: new Int32Array(MAX_ENCAP),
    encapOuterSrc: new Float64Array(MAX_ENCAP),
    encapOuterDst: new Float64Array(MAX_ENCAP),
    encapOuterTtl: new Int32Array(MAX_ENCAP),
    encapVni: new Int32Array(MAX_ENCAP),
    encapSrcPort: new Int32Array(MAX_ENCAP),
    encapDstPort: new Int32Array(MAX_ENCAP),
    innerEthSrc: -1,
    innerEthDst: -1,
    ipVersion: 0,
    ipOffset: -1,
    src: -1,
    dst: -1,
    src6Offset: -1,
    dst6Offset: -1,
    ttl: -1,
    ipId: -1,
    ipTotalLen: -1,
    ipHeaderLen: -1,
    dscp: -1,
    fragOffset: 0,
    moreFragments: false,
    fragId6: 0,
    dontFragment: false,
    proto: -1,
    l4Offset: -1,
    srcPort: -1,
    dstPort: -1,
    tcpSeq: -1,
    tcpAck: -1,
    tcpFlags: -1,
    icmpType: -1,
    icmpCode: -1,
    icmpId: -1,
    icmpSeq: -1,
    payloadOffset: -1,
    payloadLen: -1,
    capturedPayloadLen: -1,
    keyHi: 0,
    keyLo: 0,
    keyHdr: 0,
    keyPayloadLen: 0,
  };
}

/*
 * The decoder module (main/decode/index.ts) exports:
 *   decodeFields(frame: Uint8Array, linkType: number, out: PacketFields, opts?: DecodeOptions): void
 *     — resets `out` and fills it; never throws, never allocates on the hot path.
 *   decodeFieldsAt(buf, start, end, linkType, out, opts?) / decodeRecord(rec, out, opts?)
 *     — the same on buf[start, end) (a pcap reader record's buf/dataOffset/caplen) without making a view;
 *       offsets in `out` stay relative to the frame's start.
 *   resetFields(out)                                  — back to createPacketFields() values.
 *   decodeLayers(frame, linkType, opts?): Layer[]     — the layer list for the detail view (allocates); each
 *     Layer { protocol, title, offset, length, fields: { name, value, offset, length }[], children? } (children:
 *     subtrees inside its bytes, e.g. IPv6 extension headers); a damaged packet ends with a 'truncated' or
 *     'malformed' layer.
 *   summarize(frame, linkType, { link?, origLen?, vxlanPorts?, genevePorts? }?): string — tcpdump -n style (-e with
 *     link).
 *   walk(frame, linkType, opts?): Chain               — the decoded headers as objects, outermost first.
 *   ipv4ToString(n), ipv6ToString(bytes, offset), macToString(n) — formatting helpers.
 */
