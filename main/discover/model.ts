// The typed interface model discovery produces for one node; plain data (it goes into session.json and over IPC).

export type IfaceKind =
  | 'loopback'
  | 'physical'
  | 'bridge'
  | 'veth'
  | 'calico'
  | 'vxlan'
  | 'geneve'
  | 'ipip'
  | 'tun'
  | 'wireguard'
  | 'other';

export interface IfaceAddress {
  family: 'inet' | 'inet6';
  address: string;
  prefixLen: number;
  scope?: string;
}

export interface Iface {
  name: string;
  ifindex: number;
  kind: IfaceKind;
  /** The kernel's own type name (`info_kind`), e.g. `veth`, `bridge`, `vxlan`; '' for plain devices. */
  kernelKind: string;
  /** `ether`, `none` (raw IP, e.g. tun/ipip), `loopback`, … as `ip` reports it. */
  linkType: string;
  mac: string | null;
  mtu: number;
  state: string;
  up: boolean;
  master: string | null;
  /** Enslaved to a bridge (a bridge port), whatever its own kind. */
  bridgePort: boolean;
  addresses: IfaceAddress[];
  /** veth / calico: the peer's ifindex and, if it lives in another namespace, that namespace's id. */
  peer?: { ifindex: number | null; name: string | null; netnsId: number | null };
  vxlan?: { vni: number; port: number | null; local: string | null; device: string | null };
  /**
   * A kernel Geneve device (OVS's `genev_sys_6081`, Cilium's `cilium_geneve`): its VNI and remote, null for an
   * `external` (collect_metadata) one whose flows set them per packet, and its UDP port.
   */
  geneve?: { vni: number | null; port: number | null; remote: string | null };
  /** ipip / tun details. */
  tunnel?: { local: string | null; remote: string | null; tunType?: string };
  /** False when the name is not one Linux could have (or not valid UTF-8): never sent to a shell. */
  capturable: boolean;
  nameProblem?: string;
}

export interface Route {
  dst: string;
  dev: string | null;
  gateway: string | null;
  prefsrc: string | null;
  protocol: string | null;
  scope: string | null;
}

export interface NodeInterfaces {
  node: string;
  interfaces: Iface[];
  routes: Route[];
  /** Non-fatal oddities (skipped entries, unusable names). */
  warnings: string[];
}
