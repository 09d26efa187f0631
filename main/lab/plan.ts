// Turns a scenario into the ordered build plan `lab up` executes: phases run in order, the tasks of one phase
// run in parallel, the steps of one task in order. Pure data, so the unit tests can read every command.

import { GENEVE_TUNNEL_SOURCE, geneveTunnelArgv } from './geneveTunnel.ts';
import { kubeProxyRules } from './kubeProxyRules.ts';
import { POD_HTTP_SOURCE, podHttpArgv } from './podHttp.ts';
import {
  CALICO_MAC,
  KUBE_HOSTPORTS,
  KUBE_SERVICES,
  WIREGUARD_MTU,
  type PodDef,
  type ScenarioDef,
} from './scenarios.ts';
import type { LabPaths } from './sshFiles.ts';
import {
  HOST_ADDR,
  HOSTS,
  KBD_HOSTS,
  LAB_BRIDGE,
  LAN_PREFIX_LEN,
  host,
  podNs,
  type HostName,
} from './topology.ts';

export type Step =
  | { kind: 'run'; ns: string | null; argv: string[]; input?: string }
  | {
      kind: 'daemon';
      ns: string;
      label: string;
      argv: string[];
      /** Ready when this link exists in `ns` (socat's tunl0, the Geneve encapsulator's TAP, wireguard-go's TUN). */
      waitLink?: string;
      /** Added to the daemon's environment. */
      env?: Record<string, string>;
    };

export type Task = Step[];
export type Phase = { name: string; tasks: Task[] };

export const FLANNEL_VNI = 1;
export const FLANNEL_PORT = 8472;
export const FLANNEL_MTU = 1450;
export const TUNL_MTU = 1480;
/** Antrea's MTU for Geneve: 1500 less the 50 bytes of outer Ethernet, IPv4, UDP and Geneve headers. */
export const GENEVE_MTU = 1450;
/** WireGuard's port on Calico (and flannel's wireguard backend). */
export const WIREGUARD_PORT = 51820;
/** Calico's fake gateway every pod routes through; answered by proxy ARP on the cali* side. */
export const CALICO_GW = '169.254.1.1';

const run = (ns: string | null, ...argv: string[]): Step => ({ kind: 'run', ns, argv });
const sysctl = (ns: string | null, ...settings: string[]): Step => run(ns, 'sysctl', '-q', '-w', ...settings);
/** For keys a kernel may lack (IPv6 disabled at boot; br_netfilter not loaded or not per-namespace): `-e`. */
const sysctlIfPresent = (ns: string | null, ...settings: string[]): Step =>
  run(ns, 'sysctl', '-q', '-e', '-w', ...settings);

/** kube-proxy runs on every node; the pods (and so the kubelet's hostport rules) are on node-1 only. */
export const KUBE_PROXY_NODES: HostName[] = ['node-1', 'node-2'];

/** A node's iptables-restore input: every service's chains, and the hostports of the pods on that node. */
export function nodeKubeProxyRules(node: HostName, physdev: boolean): string {
  return kubeProxyRules(KUBE_SERVICES, node === 'node-1' ? KUBE_HOSTPORTS : [], { physdev });
}

export interface PlanOptions {
  paths: LabPaths;
  /** The Node binary that runs the pod HTTP responder (process.execPath). */
  nodeBin: string;
  physdev: boolean;
  /**
   * br_netfilter is loaded (/proc/sys/net/bridge exists): nodes then pass bridged pod traffic through their own
   * iptables, as kubeadm requires of real nodes (set per namespace, so the root namespace is untouched).
   */
  brNetfilter: boolean;
  /**
   * Each node's WireGuard public key (base64), made at `lab up` with its private key in paths.wgKey(node); absent
   * (`lab plan`), the plan names a placeholder.
   */
  wgPublicKeys?: Partial<Record<HostName, string>>;
}

function nodeNs(n: HostName): string {
  return host(n).ns;
}

/** Calico pods: the node routes the /32 to the cali* link and answers ARP for 169.254.1.1 on it. */
function podTasks(s: ScenarioDef, pod: PodDef): Task {
  const nns = nodeNs(pod.node);
  const pns = podNs(pod.name);
  const hostMac = pod.attach === 'calico' ? ['address', CALICO_MAC] : [];
  const steps: Step[] = [
    run(
      null,
      'ip',
      'link',
      'add',
      pod.hostIf,
      'netns',
      nns,
      'mtu',
      String(pod.mtu),
      ...hostMac,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      pns,
      'address',
      pod.mac,
      'mtu',
      String(pod.mtu),
    ),
    run(pns, 'ip', 'link', 'set', 'lo', 'up'),
    run(pns, 'ip', 'addr', 'add', `${pod.ip}/${pod.prefixLen}`, 'dev', 'eth0'),
    run(pns, 'ip', 'link', 'set', 'eth0', 'up'),
  ];
  if (pod.attach === 'bridge') {
    const br = s.bridges.find((b) => b.node === pod.node);
    if (!br) throw new Error(`pod ${pod.name}: no bridge on ${pod.node}`);
    steps.push(run(nns, 'ip', 'link', 'set', pod.hostIf, 'master', br.name, 'up'));
    steps.push(run(pns, 'ip', 'route', 'add', 'default', 'via', br.addr.split('/')[0], 'dev', 'eth0'));
  } else {
    steps.push(
      sysctl(nns, `net.ipv4.conf.${pod.hostIf}.proxy_arp=1`, `net.ipv4.neigh.${pod.hostIf}.proxy_delay=0`),
    );
    steps.push(run(nns, 'ip', 'link', 'set', pod.hostIf, 'up'));
    steps.push(run(nns, 'ip', 'route', 'add', `${pod.ip}/32`, 'dev', pod.hostIf, 'scope', 'link'));
    steps.push(run(pns, 'ip', 'route', 'add', `${CALICO_GW}/32`, 'dev', 'eth0', 'scope', 'link'));
    steps.push(run(pns, 'ip', 'route', 'add', 'default', 'via', CALICO_GW, 'dev', 'eth0'));
  }
  return steps;
}

export function buildPlan(s: ScenarioDef, o: PlanOptions): Phase[] {
  const phases: Phase[] = [];
  const hostNsList = HOSTS.map((h) => h.ns);
  const podNsList = s.pods.map((p) => podNs(p.name));
  const isNode = (ns: string): boolean => ns === host('node-1').ns || ns === host('node-2').ns;
  // IPv6 off in every lab namespace: no router solicitations or MLD reports in the captures.
  const noV6 = ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'];

  phases.push({
    name: 'namespaces and lab bridge',
    tasks: [
      [
        run(null, 'ip', 'link', 'add', LAB_BRIDGE, 'type', 'bridge'),
        sysctlIfPresent(null, `net.ipv6.conf.${LAB_BRIDGE}.disable_ipv6=1`),
        run(null, 'ip', 'addr', 'add', `${HOST_ADDR}/${LAN_PREFIX_LEN}`, 'dev', LAB_BRIDGE),
        run(null, 'ip', 'link', 'set', LAB_BRIDGE, 'up'),
      ],
      ...[...hostNsList, ...podNsList].map((ns) => [
        run(null, 'ip', 'netns', 'add', ns),
        sysctlIfPresent(ns, ...noV6),
        // Forwarding only inside the nodes' own namespaces; the root namespace is left as it is.
        ...(isNode(ns) ? [sysctl(ns, 'net.ipv4.ip_forward=1')] : []),
        ...(isNode(ns) && o.brNetfilter ? [sysctlIfPresent(ns, 'net.bridge.bridge-nf-call-iptables=1')] : []),
      ]),
    ],
  });

  phases.push({
    name: 'hosts on the lab bridge (ens33)',
    tasks: HOSTS.map((h) => [
      run(
        null,
        'ip',
        'link',
        'add',
        h.rootLink,
        'type',
        'veth',
        'peer',
        'name',
        'ens33',
        'netns',
        h.ns,
        'address',
        h.mac,
      ),
      sysctlIfPresent(null, `net.ipv6.conf.${h.rootLink}.disable_ipv6=1`),
      run(null, 'ip', 'link', 'set', h.rootLink, 'master', LAB_BRIDGE, 'up'),
      run(h.ns, 'ip', 'link', 'set', 'lo', 'up'),
      run(h.ns, 'ip', 'addr', 'add', `${h.ip}/${LAN_PREFIX_LEN}`, 'dev', 'ens33'),
      run(h.ns, 'ip', 'link', 'set', 'ens33', 'up'),
    ]),
  });

  const nodeDevices: Task[] = [];
  for (const b of s.bridges) {
    const ns = nodeNs(b.node);
    nodeDevices.push([
      run(ns, 'ip', 'link', 'add', b.name, 'address', b.mac, 'mtu', String(b.mtu), 'type', 'bridge'),
      run(ns, 'ip', 'addr', 'add', b.addr, 'dev', b.name),
      run(ns, 'ip', 'link', 'set', b.name, 'up'),
    ]);
  }
  for (const v of s.vxlan) {
    const ns = nodeNs(v.node);
    const steps: Step[] = [
      run(
        ns,
        'ip',
        'link',
        'add',
        'flannel.1',
        'address',
        v.mac,
        'mtu',
        String(FLANNEL_MTU),
        'type',
        'vxlan',
        'id',
        String(FLANNEL_VNI),
        'local',
        host(v.node).ip,
        'dev',
        'ens33',
        'dstport',
        String(FLANNEL_PORT),
        'nolearning',
      ),
      run(ns, 'ip', 'addr', 'add', v.addr, 'dev', 'flannel.1'),
      run(ns, 'ip', 'link', 'set', 'flannel.1', 'up'),
    ];
    // What flanneld installs for every other node: route via its flannel.1 address, ARP entry, FDB entry.
    for (const peer of s.vxlan.filter((x) => x.node !== v.node)) {
      const peerAddr = peer.addr.split('/')[0];
      steps.push(run(ns, 'ip', 'route', 'add', peer.subnet, 'via', peerAddr, 'dev', 'flannel.1', 'onlink'));
      steps.push(
        run(ns, 'ip', 'neigh', 'add', peerAddr, 'lladdr', peer.mac, 'dev', 'flannel.1', 'nud', 'permanent'),
      );
      steps.push(
        run(
          ns,
          'bridge',
          'fdb',
          'append',
          peer.mac,
          'dev',
          'flannel.1',
          'dst',
          host(peer.node).ip,
          'self',
          'permanent',
        ),
      );
    }
    nodeDevices.push(steps);
  }
  for (const t of s.tunl) {
    const ns = nodeNs(t.node);
    nodeDevices.push([
      {
        kind: 'daemon',
        ns,
        label: `socat-tunl0-${t.node}`,
        argv: [
          'socat',
          `TUN:${t.addr}/32,tun-type=tun,iff-no-pi,tun-name=tunl0,iff-up`,
          `IP4-DATAGRAM:${host(t.peer).ip}:4`,
        ],
        waitLink: 'tunl0',
      },
      run(ns, 'ip', 'link', 'set', 'tunl0', 'mtu', String(TUNL_MTU)),
    ]);
  }
  for (const g of s.geneve) {
    const ns = nodeNs(g.node);
    nodeDevices.push([
      {
        kind: 'daemon',
        ns,
        label: `geneve-${g.name}-${g.node}`,
        argv: geneveTunnelArgv(g.name, host(g.node).ip, host(g.peer).ip, g.vni, g.option),
        waitLink: g.name,
      },
      run(ns, 'ip', 'link', 'set', g.name, 'address', g.mac, 'mtu', String(GENEVE_MTU), 'up'),
      // What Antrea's agent installs for the peer node: its pod subnet through the tunnel, via its gateway.
      run(ns, 'ip', 'neigh', 'add', g.peerGw, 'lladdr', g.peerMac, 'dev', g.name, 'nud', 'permanent'),
      run(ns, 'ip', 'route', 'add', g.peerSubnet, 'via', g.peerGw, 'dev', g.name, 'onlink'),
    ]);
  }
  for (const w of s.wireguard) {
    const ns = nodeNs(w.node);
    const peerKey = o.wgPublicKeys?.[w.peer] ?? `<public-key-of-${w.peer}>`;
    nodeDevices.push([
      // In the foreground, so the pid recorded is wireguard-go's own and `lab down` ends it by that pid.
      {
        kind: 'daemon',
        ns,
        label: `wireguard-go-${w.node}`,
        argv: ['wireguard-go', w.tmpName],
        waitLink: w.tmpName,
        env: { WG_PROCESS_FOREGROUND: '1' },
      },
      run(
        ns,
        'wg',
        'set',
        w.tmpName,
        'listen-port',
        String(WIREGUARD_PORT),
        'private-key',
        o.paths.wgKey(w.node),
        'peer',
        peerKey,
        'endpoint',
        `${host(w.peer).ip}:${WIREGUARD_PORT}`,
        'allowed-ips',
        w.peerSubnet,
      ),
      // The MTU before the rename: wireguard-go pads each packet to a multiple of 16 bytes up to the MTU it read,
      // and reads it by the device's first name only. Left at its default 1420, a full 1440-byte packet would be
      // padded to 1452 and its datagram (1504 bytes) fragmented on ens33.
      run(ns, 'ip', 'link', 'set', w.tmpName, 'mtu', String(WIREGUARD_MTU)),
      // wireguard-go keeps serving the device (and its UAPI socket, by the first name) after the rename.
      run(ns, 'ip', 'link', 'set', w.tmpName, 'name', 'wireguard.cali'),
      run(ns, 'ip', 'addr', 'add', `${w.addr}/32`, 'dev', 'wireguard.cali'),
      run(ns, 'ip', 'link', 'set', 'wireguard.cali', 'up'),
      // Calico routes the peer's block from its own policy routing table; a main-table route does the same here.
      run(ns, 'ip', 'route', 'add', w.peerSubnet, 'dev', 'wireguard.cali', 'scope', 'link'),
    ]);
  }
  if (s.pods.some((p) => p.attach === 'calico')) {
    // Proxy ARP only answers for an address the node has a route to through another link; real nodes have a
    // default route, the lab's nodes have none, so 169.254.1.1 gets a route to lo (never used for packets).
    for (const n of new Set(s.pods.map((p) => p.node))) {
      nodeDevices.push([run(nodeNs(n), 'ip', 'route', 'add', `${CALICO_GW}/32`, 'dev', 'lo')]);
    }
  }
  if (nodeDevices.length)
    phases.push({
      name: 'node devices (bridges, flannel.1, tunl0, antrea-tun0, wireguard.cali)',
      tasks: nodeDevices,
    });

  phases.push({ name: 'pods', tasks: s.pods.map((p) => podTasks(s, p)) });

  const rest: Task[] = s.routes.map((r) => [run(nodeNs(r.node), 'ip', 'route', 'add', ...r.args)]);
  if (s.kubeProxy) {
    for (const node of KUBE_PROXY_NODES) {
      rest.push([
        {
          kind: 'run',
          ns: nodeNs(node),
          argv: ['iptables-restore', '--noflush'],
          input: nodeKubeProxyRules(node, o.physdev),
        },
      ]);
    }
  }
  for (const p of s.pods.filter((x) => x.ports.length)) {
    rest.push([
      {
        kind: 'daemon',
        ns: podNs(p.name),
        label: `http-${p.name}`,
        argv: podHttpArgv(o.nodeBin, p.name, p.ports),
      },
    ]);
  }
  for (const h of HOSTS) {
    rest.push([
      {
        kind: 'daemon',
        ns: h.ns,
        label: `sshd-${h.name}`,
        argv: ['/usr/sbin/sshd', '-D', '-e', '-f', o.paths.sshdConfig(h.name)],
      },
    ]);
  }
  for (const n of KBD_HOSTS) {
    rest.push([
      {
        kind: 'daemon',
        ns: nodeNs(n),
        label: `sshd-kbd-${n}`,
        argv: ['/usr/sbin/sshd', '-D', '-e', '-f', o.paths.sshdKbdConfig(n)],
      },
    ]);
  }
  phases.push({ name: 'routes, iptables, daemons', tasks: rest });
  return phases;
}

/** Every command of a plan as one line each (for `--dry-run` and tests). */
export function planLines(phases: Phase[]): string[] {
  const out: string[] = [];
  for (const ph of phases) {
    out.push(`# ${ph.name}`);
    for (const t of ph.tasks) {
      for (const st of t) {
        const ns = st.ns ? `[${st.ns}] ` : '';
        const argv = st.argv.map((a) =>
          a === POD_HTTP_SOURCE
            ? "'<pod HTTP responder source>'"
            : a === GENEVE_TUNNEL_SOURCE
              ? "'<Geneve encapsulator source>'"
              : a,
        );
        const env =
          st.kind === 'daemon' && st.env
            ? Object.entries(st.env)
                .map(([k, v]) => `${k}=${v} `)
                .join('')
            : '';
        out.push(`${ns}${st.kind === 'daemon' ? `(daemon ${st.label}) ` : ''}${env}${argv.join(' ')}`);
      }
    }
  }
  return out;
}
