// Who owns a MAC or an IPv4 address, from the nodes' discovered interfaces: names MAC owners in hops
// ("node-2/cni0", "proxy-ARP gateway ee:ee:ee:ee:ee:ee") and tells the linker which node sent a frame.

/** One discovered interface, as the correlator needs it (filled from session.json or `ip -j` output). */
export interface InterfaceInfo {
  node: string;
  name: string;
  /** 48-bit MAC as an integer, -1 when none (tunl0, lo). */
  mac: number;
  /** 'physical' | 'bridge' | 'veth' | 'vxlan' | 'ipip' | 'tun' | 'loopback' | … ('' unknown). */
  kind: string;
  /** IPv4 addresses as uint32. */
  addresses: number[];
  /** Each address's prefix length (addresses[i]/prefixLens[i]), when discovery gave it. */
  prefixLens?: number[];
  /** Bridge this port is enslaved to, '' when none. */
  master?: string;
  /** The kernel's interface index (from discovery): names a `tcpdump -i any` (SLL2) packet's interface. */
  ifindex?: number;
  /** vxlan: VNI and UDP port when known. */
  vni?: number;
  /** The interface's MTU, when discovery gave it. */
  mtu?: number;
  description?: string;
}

/** Calico answers ARP for every pod with this MAC on every cali* interface. */
export const PROXY_ARP_MAC = 0xeeeeeeeeeeee;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const macText = new Map<number, string>();

export function macToString(mac: number): string {
  if (mac < 0) return '';
  let s = macText.get(mac);
  if (s !== undefined) return s;
  const hi = Math.floor(mac / 4294967296);
  const lo = mac >>> 0;
  s = `${HEX[(hi >>> 8) & 255]}:${HEX[hi & 255]}:${HEX[lo >>> 24]}:${HEX[(lo >>> 16) & 255]}:${HEX[(lo >>> 8) & 255]}:${HEX[lo & 255]}`;
  // A capture has few MACs; the cap only guards against hostile input.
  if (macText.size < 65536) macText.set(mac, s);
  return s;
}

/** A group (broadcast or multicast) MAC: the low bit of its first octet. */
export function isGroupMac(mac: number): boolean {
  return mac >= 0 && Math.floor(mac / 2 ** 40) % 2 === 1;
}

export function ipv4ToString(ip: number): string {
  return `${(ip >>> 24) & 255}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

export class Ownership {
  private readonly macOwners = new Map<number, InterfaceInfo[]>();
  private readonly macNode = new Map<number, number>();
  private readonly ipNode = new Map<number, number>();
  /** MACs learned from traffic: a pod's MAC seen as the source on the host side of its veth. */
  private readonly learned = new Map<number, string>();
  readonly interfaces: InterfaceInfo[];

  constructor(interfaces: InterfaceInfo[], nodeIndex: (node: string) => number) {
    this.interfaces = interfaces;
    for (const i of interfaces) {
      const n = nodeIndex(i.node);
      if (i.mac >= 0 && i.kind !== 'loopback') {
        const list = this.macOwners.get(i.mac);
        if (list) list.push(i);
        else this.macOwners.set(i.mac, [i]);
        const prev = this.macNode.get(i.mac);
        this.macNode.set(i.mac, prev === undefined || prev === n ? n : -1);
      }
      for (const a of i.addresses) {
        const prev = this.ipNode.get(a);
        this.ipNode.set(a, prev === undefined || prev === n ? n : -1);
      }
    }
  }

  /** The node owning this MAC, -1 unknown or shared between nodes. */
  nodeOfMac(mac: number): number {
    return mac < 0 ? -1 : (this.macNode.get(mac) ?? -1);
  }

  nodeOfIp(ip: number): number {
    return this.ipNode.get(ip) ?? -1;
  }

  ownersOf(mac: number): InterfaceInfo[] {
    return this.macOwners.get(mac) ?? [];
  }

  learn(mac: number, name: string): void {
    if (mac >= 0 && !this.macOwners.has(mac) && !this.learned.has(mac)) this.learned.set(mac, name);
  }

  /** A human name for a MAC seen at `node`, or null when unknown. */
  nameOf(mac: number, node?: string): string | null {
    if (mac < 0) return null;
    const owners = this.macOwners.get(mac);
    if (!owners || owners.length === 0) return this.learned.get(mac) ?? null;
    if (owners.length === 1) return `${owners[0].node}/${owners[0].name}`;
    if (mac === PROXY_ARP_MAC || owners.every((o) => o.name.startsWith('cali'))) {
      return `proxy-ARP gateway ${macToString(mac)}`;
    }
    const local = node ? owners.filter((o) => o.node === node) : [];
    if (local.length === 1) return `${local[0].node}/${local[0].name}`;
    return owners.map((o) => `${o.node}/${o.name}`).join('|');
  }
}
