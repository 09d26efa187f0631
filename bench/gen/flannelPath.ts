// The two-node flannel-vxlan path of the walkthrough, as the generator draws it: addresses, MACs, the eight
// capture points in path order, and the frame one inner IPv4 packet becomes at each of them.

import {
  ETH_HEADER_LEN,
  ETHERTYPE_IPV4,
  IPV4_HEADER_LEN,
  PROTO_IPIP,
  PROTO_UDP,
  UDP_HEADER_LEN,
  VXLAN_HEADER_LEN,
  VXLAN_OVERHEAD,
  setIpv4Ttl,
  writeEth,
  writeIpv4,
  writeUdpNoChecksum,
  writeVxlan,
} from './frames.ts';

export function ip4(s: string): number {
  const [a, b, c, d] = s.split('.').map(Number);
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

export function mac(s: string): number {
  return parseInt(s.replace(/:/g, ''), 16);
}

export const VXLAN_PORT = 8472; // flannel's default, not IANA's 4789
export const VNI = 1;

export interface NodeSide {
  node: string;
  nodeIp: number;
  ens33Mac: number;
  flannelMac: number;
  cni0Mac: number;
  podIp: number;
  podMac: number;
  veth: string;
}

export const NODE1: NodeSide = {
  node: 'node-1',
  nodeIp: ip4('10.1.10.9'),
  ens33Mac: mac('00:0c:29:5a:10:09'),
  flannelMac: mac('9a:1e:4c:21:00:01'),
  cni0Mac: mac('0a:58:0a:f4:00:01'),
  podIp: ip4('10.244.0.5'),
  podMac: mac('0a:58:0a:f4:00:05'),
  veth: 'veth3f2a91c7',
};

export const NODE2: NodeSide = {
  node: 'node-2',
  nodeIp: ip4('10.1.10.10'),
  ens33Mac: mac('00:0c:29:5a:10:0a'),
  flannelMac: mac('9a:1e:4c:21:00:02'),
  cni0Mac: mac('0a:58:0a:f4:01:01'),
  podIp: ip4('10.244.1.6'),
  podMac: mac('0a:58:0a:f4:01:06'),
  veth: 'veth8b04d6e2',
};

/** The eight capture points in the order a node-1 → node-2 packet crosses them. */
export const HOPS: readonly { node: string; iface: string }[] = [
  { node: NODE1.node, iface: NODE1.veth },
  { node: NODE1.node, iface: 'cni0' },
  { node: NODE1.node, iface: 'flannel.1' },
  { node: NODE1.node, iface: 'ens33' },
  { node: NODE2.node, iface: 'ens33' },
  { node: NODE2.node, iface: 'flannel.1' },
  { node: NODE2.node, iface: 'cni0' },
  { node: NODE2.node, iface: NODE2.veth },
];
export const HOP_COUNT = HOPS.length;

/** `<node>__<iface>.pcap`, the name `hopscope correlate` labels a capture from. */
export function hopFileName(hop: number): string {
  return `${HOPS[hop].node}__${HOPS[hop].iface}.pcap`;
}

/** Which node's clock stamps hop i (node-2's may be skewed). */
export function hopOnNode2(hop: number): boolean {
  return hop >= 4;
}

export const MAX_FRAME = 1600;

/**
 * The frames one inner packet becomes along the path. build() takes the inner IPv4 packet (TTL 64, as the pod
 * sent it) and fills: `sent` (pod veth and bridge, TTL 64), `tunnel` (flannel.1 on both nodes, TTL 63),
 * `vxlan` (ens33 on both nodes), `delivered` (the receiving bridge and veth, TTL 62) and, for the one-file
 * mix, `ipip` (the same packet through an IPIP tunnel instead: ens33 with IP protocol 4).
 */
export class PathFrames {
  readonly sent = new Uint8Array(MAX_FRAME);
  readonly tunnel = new Uint8Array(MAX_FRAME);
  readonly vxlan = new Uint8Array(MAX_FRAME);
  readonly delivered = new Uint8Array(MAX_FRAME);
  readonly ipip = new Uint8Array(MAX_FRAME);
  sentLen = 0;
  tunnelLen = 0;
  vxlanLen = 0;
  deliveredLen = 0;
  ipipLen = 0;

  build(
    inner: Uint8Array,
    innerLen: number,
    from: NodeSide,
    to: NodeSide,
    outerIpId: number,
    vxlanSrcPort: number,
  ): void {
    let at = writeEth(this.sent, 0, from.cni0Mac, from.podMac, ETHERTYPE_IPV4);
    this.sent.set(inner.subarray(0, innerLen), at);
    setIpv4Ttl(this.sent, at, 64);
    this.sentLen = at + innerLen;

    at = writeEth(this.tunnel, 0, to.flannelMac, from.flannelMac, ETHERTYPE_IPV4);
    this.tunnel.set(inner.subarray(0, innerLen), at);
    setIpv4Ttl(this.tunnel, at, 63);
    this.tunnelLen = at + innerLen;

    at = writeEth(this.delivered, 0, to.podMac, to.cni0Mac, ETHERTYPE_IPV4);
    this.delivered.set(inner.subarray(0, innerLen), at);
    setIpv4Ttl(this.delivered, at, 62);
    this.deliveredLen = at + innerLen;

    // ens33: outer Ethernet/IPv4/UDP 8472/VXLAN VNI 1 around the flannel.1 frame.
    const v = this.vxlan;
    at = writeEth(v, 0, to.ens33Mac, from.ens33Mac, ETHERTYPE_IPV4);
    const udpLen = UDP_HEADER_LEN + VXLAN_HEADER_LEN + this.tunnelLen;
    at = writeIpv4(v, at, {
      totalLen: IPV4_HEADER_LEN + udpLen,
      id: outerIpId,
      dontFragment: false,
      ttl: 64,
      proto: PROTO_UDP,
      src: from.nodeIp,
      dst: to.nodeIp,
    });
    at = writeUdpNoChecksum(v, at, vxlanSrcPort, VXLAN_PORT, udpLen);
    at = writeVxlan(v, at, VNI);
    v.set(this.tunnel.subarray(0, this.tunnelLen), at);
    this.vxlanLen = at + this.tunnelLen;
    if (this.vxlanLen !== VXLAN_OVERHEAD + this.tunnelLen) throw new Error('vxlan frame length');

    // The IPIP variant (Calico's tunl0 → ens33): outer IPv4 protocol 4 directly around the TTL-63 packet.
    const p = this.ipip;
    at = writeEth(p, 0, to.ens33Mac, from.ens33Mac, ETHERTYPE_IPV4);
    at = writeIpv4(p, at, {
      totalLen: IPV4_HEADER_LEN + innerLen,
      id: outerIpId,
      dontFragment: true,
      ttl: 64,
      proto: PROTO_IPIP,
      src: from.nodeIp,
      dst: to.nodeIp,
    });
    p.set(this.tunnel.subarray(ETH_HEADER_LEN, this.tunnelLen), at);
    this.ipipLen = at + innerLen;
  }
}
