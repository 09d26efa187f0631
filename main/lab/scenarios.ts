// The six walkthrough scenarios (with Antrea's Geneve overlay and Calico's WireGuard encryption) as plain data: bridges, pods, tunnels, routes, services and the traffic that
// `lab traffic` and `lab fixtures` run. Names, addresses and MACs follow seed/000_a6188f7281aabb9e.txt.

import type { HostName } from './topology.ts';

export const SCENARIO_NAMES = [
  'kubenet',
  'kube-proxy',
  'flannel-hostgw',
  'flannel-vxlan',
  'calico-bgp',
  'calico-ipip',
  'antrea-geneve',
  'calico-wireguard',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export function isScenarioName(s: string): s is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(s);
}

/** A Linux bridge on a node that pods attach to (kubenet's cbr0, flannel's cni0). */
export interface BridgeDef {
  node: HostName;
  name: string;
  /** Gateway address with prefix, e.g. 10.244.0.1/24. */
  addr: string;
  mac: string;
  mtu: number;
}

export interface PodDef {
  name: string;
  node: HostName;
  ip: string;
  /** 24 on a bridge CNI, 32 for Calico. */
  prefixLen: number;
  /** MAC of the pod's eth0. */
  mac: string;
  /** Host-side veth name in the node namespace (`veth` + 8 hex, or `cali` + 11 hex). */
  hostIf: string;
  mtu: number;
  /** `bridge`: enslaved to the node's bridge, gateway .1; `calico`: /32 route, proxy ARP, 169.254.1.1. */
  attach: 'bridge' | 'calico';
  /** TCP ports the pod's tiny HTTP responder answers on (with the pod's name). */
  ports: number[];
}

/** flannel.1 on one node: VNI 1, UDP 8472, MTU 1450; addr is the node's subnet .0/32. */
export interface VxlanDef {
  node: HostName;
  mac: string;
  addr: string;
  /** This node's pod subnet (what the other nodes route via this node's flannel.1 address). */
  subnet: string;
}

/** tunl0 on one node: a TUN device that socat bridges to raw IP protocol 4 towards `peer`. */
export interface TunlDef {
  node: HostName;
  addr: string;
  peer: HostName;
}

/**
 * A Geneve tunnel port on one node (Antrea's `antrea-tun0`): a TAP device that a user-space encapsulator
 * (geneveTunnel.ts) bridges to Geneve over UDP 6081 towards `peer`'s ens33, with the scenario's VNI and, when
 * `option` is set, that one option TLV in every packet it sends.
 */
export interface GeneveDef {
  node: HostName;
  name: string;
  mac: string;
  peer: HostName;
  /** The peer's pod subnet, routed into the tunnel via the peer's gateway address. */
  peerSubnet: string;
  peerGw: string;
  /** The MAC frames for the peer carry inside the tunnel: the peer's own tunnel port's. */
  peerMac: string;
  vni: number;
  option: { optClass: number; type: number; data: string } | null;
}

/**
 * Calico's `wireguard.cali` on one node: a TUN device driven by wireguard-go (userspace WireGuard; this kernel has
 * no `wireguard` module), keyed at `lab up`, with one peer: the other node's ens33 on UDP 51820, allowed to carry
 * that node's pod block, which is routed into the device.
 */
export interface WireguardDef {
  node: HostName;
  /**
   * The name wireguard-go creates the TUN device and its UAPI socket (/var/run/wireguard/NAME.sock, shared by all
   * namespaces) under, before the device is renamed wireguard.cali: distinct per node and the lab's own.
   */
  tmpName: string;
  /** wireguard.cali's address (/32), from the node's own pod block as Calico assigns it. */
  addr: string;
  peer: HostName;
  /** The peer's pod block: its allowed-ips, and routed `dev wireguard.cali`. */
  peerSubnet: string;
}

/** One `ip route add …` on a host, as ip arguments after `route add`. */
export interface RouteDef {
  node: HostName;
  args: string[];
}

export type TrafficDef =
  | { kind: 'ping'; label: string; fromPod: string; to: string; count: number }
  | {
      kind: 'curl';
      label: string;
      from: HostName;
      /** Run inside this pod's namespace instead of on `from`. */
      fromPod?: string;
      url: string;
      /** POST a body of this many bytes (more than one segment makes a multi-segment TCP exchange). */
      bodyBytes?: number;
      /** Pods any of which may answer. */
      expect: string[];
      repeat: number;
      /** Every answer must come from the same pod (ClientIP affinity). */
      sameEachTime?: boolean;
    };

export interface ScenarioDef {
  name: ScenarioName;
  title: string;
  bridges: BridgeDef[];
  pods: PodDef[];
  vxlan: VxlanDef[];
  tunl: TunlDef[];
  geneve: GeneveDef[];
  wireguard: WireguardDef[];
  routes: RouteDef[];
  /** Whether node namespaces load kube-proxy's iptables nat rules (node-1 also the kubelet's hostports). */
  kubeProxy: boolean;
  traffic: TrafficDef[];
  /** Hosts whose interfaces `lab fixtures` records. */
  captureHosts: HostName[];
}

/** The CNI bridge plugin's MAC convention: 0a:58 followed by the IPv4 address. */
export function cniMac(ip: string): string {
  return ['0a', '58', ...ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}

/** A stable `veth` + 8 hex name for pods the walkthrough does not name (FNV-1a of the pod name). */
export function vethName(podName: string, prefix = 'veth', hexLen = 8): string {
  let h = 0x811c9dc5;
  let out = '';
  for (let round = 0; out.length < hexLen; round++) {
    for (const ch of `${round}:${podName}`) {
      h ^= ch.charCodeAt(0);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out += h.toString(16).padStart(8, '0');
  }
  return prefix + out.slice(0, hexLen);
}

/** Calico's MAC on every host-side cali* link. */
export const CALICO_MAC = 'ee:ee:ee:ee:ee:ee';

function bridgePod(
  name: string,
  node: HostName,
  ip: string,
  opts: { hostIf?: string; mac?: string; mtu?: number; ports?: number[] } = {},
): PodDef {
  return {
    name,
    node,
    ip,
    prefixLen: 24,
    mac: opts.mac ?? cniMac(ip),
    hostIf: opts.hostIf ?? vethName(name),
    mtu: opts.mtu ?? 1500,
    attach: 'bridge',
    ports: opts.ports ?? [],
  };
}

function calicoPod(
  name: string,
  node: HostName,
  ip: string,
  hostIf: string,
  mac: string,
  mtu: number,
): PodDef {
  return { name, node, ip, prefixLen: 32, mac, hostIf, mtu, attach: 'calico', ports: [] };
}

const kubenet: ScenarioDef = {
  name: 'kubenet',
  title: 'kubenet: one node, bridge cbr0 192.168.0.1/24, two pods on veths',
  bridges: [{ node: 'node-1', name: 'cbr0', addr: '192.168.0.1/24', mac: cniMac('192.168.0.1'), mtu: 1500 }],
  pods: [
    bridgePod('pod-1', 'node-1', '192.168.0.11', { hostIf: 'vethe3d49bdf' }),
    bridgePod('pod-2', 'node-1', '192.168.0.12', { hostIf: 'veth437f1591' }),
  ],
  vxlan: [],
  tunl: [],
  geneve: [],
  wireguard: [],
  routes: [],
  kubeProxy: false,
  traffic: [
    {
      kind: 'ping',
      label: 'pod-1 → pod-2 (same node, through cbr0)',
      fromPod: 'pod-1',
      to: '192.168.0.12',
      count: 3,
    },
  ],
  captureHosts: ['node-1'],
};

/** kube-proxy's services from the walkthrough; rules.ts turns them into the KUBE-* chains. */
export interface ServiceDef {
  name: string;
  clusterIp: string;
  port: number;
  targetPort: number;
  svcChain: string;
  endpoints: { pod: string; ip: string; sepChain: string }[];
  nodePort?: number;
  externalIp?: string;
  clientIpAffinity?: boolean;
}

export interface HostPortDef {
  name: string;
  hostPort: number;
  pod: string;
  podIp: string;
  podPort: number;
  chain: string;
}

export const CLUSTER_CIDR = '192.168.0.0/16';
export const SERVICE_CIDR = '10.96.0.0/12';

export const KUBE_SERVICES: ServiceDef[] = [
  {
    name: 'default/echoserver',
    clusterIp: '10.106.23.233',
    port: 8877,
    targetPort: 8877,
    svcChain: 'KUBE-SVC-HOYURHXRFA5BUYEO',
    endpoints: [
      { pod: 'echoserver-6dbbc8d5fc-f455t', ip: '192.168.0.33', sepChain: 'KUBE-SEP-652URVIXIJWATNFG' },
      { pod: 'echoserver-6dbbc8d5fc-n4smh', ip: '192.168.0.34', sepChain: 'KUBE-SEP-ASOAWBDFEODJJPJH' },
    ],
  },
  {
    name: 'default/test-clientip',
    clusterIp: '10.107.215.65',
    port: 80,
    targetPort: 9376,
    svcChain: 'KUBE-SVC-JASYFCTGROL6PGNE',
    clientIpAffinity: true,
    endpoints: [
      { pod: 'test-clientip-55c6c8ddcd-ktlxt', ip: '192.168.0.36', sepChain: 'KUBE-SEP-2WE6A5EBAO3UGN4N' },
      { pod: 'test-clientip-55c6c8ddcd-2ntlk', ip: '192.168.0.37', sepChain: 'KUBE-SEP-LXKS3SWKA3X476YD' },
    ],
  },
  {
    name: 'default/test-externalip',
    clusterIp: '10.97.132.81',
    port: 80,
    targetPort: 9376,
    svcChain: 'KUBE-SVC-CITWPFL6QQOR27AK',
    externalIp: '10.1.10.9',
    endpoints: [
      { pod: 'test-externalip-8fc497f8-jncpv', ip: '192.168.0.40', sepChain: 'KUBE-SEP-RRILQQHBGE5IMDI4' },
      { pod: 'test-externalip-8fc497f8-phldw', ip: '192.168.0.41', sepChain: 'KUBE-SEP-JRIE3IXDMRY6BNG5' },
    ],
  },
  {
    name: 'default/test-nodeport',
    clusterIp: '10.97.231.111',
    port: 80,
    targetPort: 9376,
    svcChain: 'KUBE-SVC-CIFSXFMKAAMIL4QG',
    nodePort: 32228,
    endpoints: [
      { pod: 'test-nodeport-5d4bdfc7c7-4kftd', ip: '192.168.0.42', sepChain: 'KUBE-SEP-EEAMLDZD2ZLPIVQ3' },
      { pod: 'test-nodeport-5d4bdfc7c7-s2jz5', ip: '192.168.0.43', sepChain: 'KUBE-SEP-3C6WTWWWE5M27K7C' },
    ],
  },
];

export const KUBE_HOSTPORTS: HostPortDef[] = [
  {
    name: 'nginx_default',
    hostPort: 8081,
    pod: 'nginx',
    podIp: '192.168.0.47',
    podPort: 80,
    chain: 'KUBE-HP-KWJPLLZCGIIKHTTD',
  },
];

const svcPods = KUBE_SERVICES.flatMap((s) =>
  s.endpoints.map((e) => bridgePod(e.pod, 'node-1', e.ip, { ports: [s.targetPort] })),
);
const podsOf = (svc: string): string[] =>
  KUBE_SERVICES.find((s) => s.name === svc)?.endpoints.map((e) => e.pod) ?? [];

const kubeProxy: ScenarioDef = {
  name: 'kube-proxy',
  title:
    'kube-proxy iptables services on node-1: ClusterIP, ClientIP affinity, ExternalIP, NodePort (also via node-2), HostPort',
  bridges: [{ node: 'node-1', name: 'cbr0', addr: '192.168.0.1/24', mac: cniMac('192.168.0.1'), mtu: 1500 }],
  pods: [
    ...svcPods,
    ...KUBE_HOSTPORTS.map((h) => bridgePod(h.pod, 'node-1', h.podIp, { ports: [h.podPort] })),
  ],
  vxlan: [],
  tunl: [],
  geneve: [],
  wireguard: [],
  routes: [
    { node: 'client', args: [SERVICE_CIDR, 'via', '10.1.10.9', 'dev', 'ens33'] },
    // kubenet: each node routes the other nodes' pod ranges via them (node-2 has no pods of its own here).
    { node: 'node-2', args: ['192.168.0.0/24', 'via', '10.1.10.9', 'dev', 'ens33'] },
  ],
  kubeProxy: true,
  traffic: [
    {
      kind: 'curl',
      label: 'ClusterIP 10.106.23.233:8877 (statistic random over 2 pods)',
      from: 'client',
      url: 'http://10.106.23.233:8877/',
      expect: podsOf('default/echoserver'),
      repeat: 2,
    },
    {
      kind: 'curl',
      label: 'ClientIP affinity 10.107.215.65:80 (recent)',
      from: 'client',
      url: 'http://10.107.215.65/',
      expect: podsOf('default/test-clientip'),
      repeat: 5,
      sameEachTime: true,
    },
    {
      kind: 'curl',
      label: 'NodePort 10.1.10.9:32228 (MASQUERADE)',
      from: 'client',
      url: 'http://10.1.10.9:32228/',
      expect: podsOf('default/test-nodeport'),
      repeat: 2,
    },
    {
      kind: 'curl',
      label: 'NodePort via node-2 10.1.10.10:32228 (DNAT to node-1 pods, MASQUERADE to 10.1.10.10)',
      from: 'client',
      url: 'http://10.1.10.10:32228/',
      expect: podsOf('default/test-nodeport'),
      repeat: 2,
    },
    {
      kind: 'curl',
      label: 'ExternalIP 10.1.10.9:80',
      from: 'client',
      url: 'http://10.1.10.9/',
      expect: podsOf('default/test-externalip'),
      repeat: 2,
    },
    {
      kind: 'curl',
      label: 'HostPort 10.1.10.9:8081',
      from: 'client',
      url: 'http://10.1.10.9:8081/',
      expect: ['nginx'],
      repeat: 1,
    },
  ],
  captureHosts: ['node-1', 'node-2', 'client'],
};

const flannelHostgw: ScenarioDef = {
  name: 'flannel-hostgw',
  title: 'flannel host-gw: cni0 10.244.0.1/24 and 10.244.1.1/24, routes via the other node',
  bridges: [
    { node: 'node-1', name: 'cni0', addr: '10.244.0.1/24', mac: cniMac('10.244.0.1'), mtu: 1500 },
    { node: 'node-2', name: 'cni0', addr: '10.244.1.1/24', mac: 'c6:06:e2:8f:2e:25', mtu: 1500 },
  ],
  pods: [
    bridgePod('test-7999578869-pkgtp', 'node-1', '10.244.0.9', { hostIf: 'veth38645991' }),
    bridgePod('test-7999578869-p5kbp', 'node-2', '10.244.1.14', {
      hostIf: 'veth1695e55f',
      mac: '36:3e:45:9e:50:a9',
    }),
  ],
  vxlan: [],
  tunl: [],
  geneve: [],
  wireguard: [],
  routes: [
    { node: 'node-1', args: ['10.244.1.0/24', 'via', '10.1.10.10', 'dev', 'ens33'] },
    { node: 'node-2', args: ['10.244.0.0/24', 'via', '10.1.10.9', 'dev', 'ens33'] },
  ],
  kubeProxy: false,
  traffic: [
    {
      kind: 'ping',
      label: 'node-1 pod 10.244.0.9 → node-2 pod 10.244.1.14',
      fromPod: 'test-7999578869-pkgtp',
      to: '10.244.1.14',
      count: 3,
    },
  ],
  captureHosts: ['node-1', 'node-2'],
};

const flannelVxlan: ScenarioDef = {
  name: 'flannel-vxlan',
  title: 'flannel vxlan: flannel.1 VNI 1 UDP 8472 MTU 1450 between node-1 and node-2',
  bridges: [
    { node: 'node-1', name: 'cni0', addr: '10.244.0.1/24', mac: cniMac('10.244.0.1'), mtu: 1450 },
    { node: 'node-2', name: 'cni0', addr: '10.244.1.1/24', mac: 'c6:06:e2:8f:2e:25', mtu: 1450 },
  ],
  pods: [
    bridgePod('test-7999578869-k4bn8', 'node-1', '10.244.0.12', { hostIf: 'veth2053e67d', mtu: 1450 }),
    bridgePod('test-7999578869-mlk49', 'node-2', '10.244.1.34', {
      hostIf: 'veth470beb22',
      mac: 'ee:8d:f9:4a:25:7d',
      mtu: 1450,
    }),
  ],
  vxlan: [
    { node: 'node-1', mac: '16:e0:b5:75:8c:4b', addr: '10.244.0.0/32', subnet: '10.244.0.0/24' },
    { node: 'node-2', mac: '0e:46:36:ac:f6:d6', addr: '10.244.1.0/32', subnet: '10.244.1.0/24' },
  ],
  tunl: [],
  geneve: [],
  wireguard: [],
  routes: [],
  kubeProxy: false,
  traffic: [
    {
      kind: 'ping',
      label: 'node-1 pod 10.244.0.12 → node-2 pod 10.244.1.34 (VXLAN)',
      fromPod: 'test-7999578869-k4bn8',
      to: '10.244.1.34',
      count: 3,
    },
  ],
  captureHosts: ['node-1', 'node-2'],
};

const calicoBgp: ScenarioDef = {
  name: 'calico-bgp',
  title: 'calico BGP (IPIP Never): /32 pods on cali*, proxy ARP for 169.254.1.1, routes via the other node',
  bridges: [],
  pods: [
    calicoPod(
      'test-7999578869-9nc25',
      'node-1',
      '10.100.84.130',
      'calida8798d2ad7',
      '56:40:a9:1a:11:5c',
      1500,
    ),
    calicoPod(
      'test-7999578869-9vbv6',
      'node-2',
      '10.100.247.3',
      'cali79d4f06640e',
      '06:88:3d:d0:fa:c7',
      1500,
    ),
    calicoPod(
      'test-7999578869-b26kk',
      'node-2',
      '10.100.247.2',
      'cali70df284fc76',
      'f6:f3:fd:41:df:e6',
      1500,
    ),
  ],
  vxlan: [],
  tunl: [],
  geneve: [],
  wireguard: [],
  routes: [
    { node: 'node-1', args: ['blackhole', '10.100.84.128/26', 'proto', 'bird'] },
    { node: 'node-1', args: ['10.100.247.0/26', 'via', '10.1.10.10', 'dev', 'ens33', 'proto', 'bird'] },
    { node: 'node-2', args: ['blackhole', '10.100.247.0/26', 'proto', 'bird'] },
    { node: 'node-2', args: ['10.100.84.128/26', 'via', '10.1.10.9', 'dev', 'ens33', 'proto', 'bird'] },
  ],
  kubeProxy: false,
  traffic: [
    {
      kind: 'ping',
      label: 'node-1 pod 10.100.84.130 → node-2 pod 10.100.247.3',
      fromPod: 'test-7999578869-9nc25',
      to: '10.100.247.3',
      count: 3,
    },
    {
      kind: 'ping',
      label: 'node-2 pod 10.100.247.2 → node-2 pod 10.100.247.3 (same node)',
      fromPod: 'test-7999578869-b26kk',
      to: '10.100.247.3',
      count: 2,
    },
  ],
  captureHosts: ['node-1', 'node-2'],
};

const calicoIpip: ScenarioDef = {
  name: 'calico-ipip',
  title: 'calico IPIP (Always): tunl0 MTU 1480 (TUN + socat raw IP proto 4), /32 pods on cali*',
  bridges: [],
  pods: [
    calicoPod(
      'test-7999578869-kx4hp',
      'node-1',
      '10.100.84.132',
      'cali14de3927136',
      '5e:56:ea:dc:5c:33',
      1480,
    ),
    calicoPod(
      'test-7999578869-jr2w9',
      'node-2',
      '10.100.247.24',
      'cali813929a4a7b',
      '76:22:a9:e4:88:04',
      1480,
    ),
    calicoPod(
      'test-7999578869-xkhlz',
      'node-2',
      '10.100.247.23',
      'calieb588c579e3',
      '7a:9c:41:0e:5b:d2',
      1480,
    ),
  ],
  vxlan: [],
  tunl: [
    { node: 'node-1', addr: '10.100.84.131', peer: 'node-2' },
    { node: 'node-2', addr: '10.100.247.22', peer: 'node-1' },
  ],
  geneve: [],
  wireguard: [],
  routes: [
    { node: 'node-1', args: ['blackhole', '10.100.84.128/26', 'proto', 'bird'] },
    {
      node: 'node-1',
      args: ['10.100.247.0/26', 'via', '10.1.10.10', 'dev', 'tunl0', 'proto', 'bird', 'onlink'],
    },
    { node: 'node-2', args: ['blackhole', '10.100.247.0/26', 'proto', 'bird'] },
    {
      node: 'node-2',
      args: ['10.100.84.128/26', 'via', '10.1.10.9', 'dev', 'tunl0', 'proto', 'bird', 'onlink'],
    },
  ],
  kubeProxy: false,
  traffic: [
    {
      kind: 'ping',
      label: 'node-1 pod 10.100.84.132 → node-2 pod 10.100.247.24 (IPIP)',
      fromPod: 'test-7999578869-kx4hp',
      to: '10.100.247.24',
      count: 3,
    },
  ],
  captureHosts: ['node-1', 'node-2'],
};

/** The VNI the lab's Geneve tunnel carries: any nonzero value, so that tests see it. */
export const GENEVE_VNI = 7;
/** The MACs of the two nodes' antrea-tun0 ports. */
const TUN0_MAC = { 'node-1': '7a:5e:4c:1d:00:01', 'node-2': '7a:5e:4c:1d:00:02' } as const;

/** Antrea's host-side pod interface name: the pod name's first 8 characters, '-', 6 hex of a hash. */
function antreaIf(podName: string): string {
  return vethName(podName, `${podName.slice(0, 8)}-`, 6);
}

const antreaGeneve: ScenarioDef = {
  name: 'antrea-geneve',
  title:
    'antrea geneve: pods on antrea-gw0 (10.10.0.1/24, 10.10.1.1/24), antrea-tun0 (TAP + python Geneve UDP 6081, VNI 7) MTU 1450',
  bridges: [
    { node: 'node-1', name: 'antrea-gw0', addr: '10.10.0.1/24', mac: '6e:9c:21:4b:0a:01', mtu: 1450 },
    { node: 'node-2', name: 'antrea-gw0', addr: '10.10.1.1/24', mac: '6e:9c:21:4b:0a:02', mtu: 1450 },
  ],
  pods: [
    bridgePod('test-7999578869-gq2zt', 'node-1', '10.10.0.5', {
      hostIf: antreaIf('test-7999578869-gq2zt'),
      mac: 'b2:1c:8e:05:3d:11',
      mtu: 1450,
    }),
    bridgePod('test-7999578869-w8k6m', 'node-2', '10.10.1.6', {
      hostIf: antreaIf('test-7999578869-w8k6m'),
      mac: 'd6:42:9a:71:c0:22',
      mtu: 1450,
    }),
  ],
  vxlan: [],
  tunl: [],
  geneve: [
    {
      node: 'node-1',
      name: 'antrea-tun0',
      mac: TUN0_MAC['node-1'],
      peer: 'node-2',
      peerSubnet: '10.10.1.0/24',
      peerGw: '10.10.1.1',
      peerMac: TUN0_MAC['node-2'],
      vni: GENEVE_VNI,
      // The option OVN-Kubernetes sends (class 0x0102 OVN, critical type 0x80: ingress and egress port keys), so
      // one direction carries options and the other, as Antrea's and Cilium's, none.
      option: { optClass: 0x0102, type: 0x80, data: '00010002' },
    },
    {
      node: 'node-2',
      name: 'antrea-tun0',
      mac: TUN0_MAC['node-2'],
      peer: 'node-1',
      peerSubnet: '10.10.0.0/24',
      peerGw: '10.10.0.1',
      peerMac: TUN0_MAC['node-1'],
      vni: GENEVE_VNI,
      option: null,
    },
  ],
  wireguard: [],
  routes: [],
  kubeProxy: false,
  traffic: [
    {
      kind: 'ping',
      label: 'node-1 pod 10.10.0.5 → node-2 pod 10.10.1.6 (Geneve)',
      fromPod: 'test-7999578869-gq2zt',
      to: '10.10.1.6',
      count: 3,
    },
  ],
  captureHosts: ['node-1', 'node-2'],
};

/** Calico's MTU for wireguard.cali over IPv4: 1500 less 60 bytes (outer IPv4 20, UDP 8, WireGuard 32). */
export const WIREGUARD_MTU = 1440;
/** The pod on node-2 that answers the scenario's multi-segment POST. */
const WG_HTTP_PORT = 8080;

const calicoWireguard: ScenarioDef = {
  name: 'calico-wireguard',
  title:
    'calico wireguard: calico-bgp pods (MTU 1440), pod blocks routed via wireguard.cali (wireguard-go TUN, UDP 51820)',
  bridges: [],
  pods: calicoBgp.pods.map((p) => ({
    ...p,
    mtu: WIREGUARD_MTU,
    ports: p.name === 'test-7999578869-9vbv6' ? [WG_HTTP_PORT] : [],
  })),
  vxlan: [],
  tunl: [],
  geneve: [],
  wireguard: [
    {
      node: 'node-1',
      tmpName: 'hswg-1',
      addr: '10.100.84.129',
      peer: 'node-2',
      peerSubnet: '10.100.247.0/26',
    },
    {
      node: 'node-2',
      tmpName: 'hswg-2',
      addr: '10.100.247.1',
      peer: 'node-1',
      peerSubnet: '10.100.84.128/26',
    },
  ],
  routes: [
    { node: 'node-1', args: ['blackhole', '10.100.84.128/26', 'proto', 'bird'] },
    { node: 'node-2', args: ['blackhole', '10.100.247.0/26', 'proto', 'bird'] },
  ],
  kubeProxy: false,
  traffic: [
    {
      kind: 'ping',
      label: 'node-1 pod 10.100.84.130 → node-2 pod 10.100.247.3 (WireGuard)',
      fromPod: 'test-7999578869-9nc25',
      to: '10.100.247.3',
      count: 3,
    },
    {
      kind: 'ping',
      label: 'node-2 pod 10.100.247.2 → node-1 pod 10.100.84.130 (WireGuard)',
      fromPod: 'test-7999578869-b26kk',
      to: '10.100.84.130',
      count: 3,
    },
    {
      kind: 'curl',
      label: 'node-1 pod POSTs 4000 bytes to node-2 pod 10.100.247.3:8080 (TCP, several segments)',
      from: 'node-1',
      fromPod: 'test-7999578869-9nc25',
      url: `http://10.100.247.3:${WG_HTTP_PORT}/`,
      bodyBytes: 4000,
      expect: ['test-7999578869-9vbv6'],
      repeat: 1,
    },
  ],
  captureHosts: ['node-1', 'node-2'],
};

export const SCENARIOS: Record<ScenarioName, ScenarioDef> = {
  kubenet,
  'kube-proxy': kubeProxy,
  'flannel-hostgw': flannelHostgw,
  'flannel-vxlan': flannelVxlan,
  'calico-bgp': calicoBgp,
  'calico-ipip': calicoIpip,
  'antrea-geneve': antreaGeneve,
  'calico-wireguard': calicoWireguard,
};
