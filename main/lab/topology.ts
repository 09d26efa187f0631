// The lab's fixed names and addresses: the walkthrough's two nodes and outside client on one lab bridge,
// and the `hs-` prefix every namespace and root-namespace link of the lab carries.

export const LAB_PREFIX = 'hs-';
/** The root-namespace bridge standing in for the VMs' LAN; the host gets HOST_ADDR on it to reach sshd. */
export const LAB_BRIDGE = 'hs-br0';
export const HOST_ADDR = '10.1.10.1';
export const LAN_PREFIX_LEN = 24;
export const LAN_CIDR = '10.1.10.0/24';

export type HostName = 'node-1' | 'node-2' | 'client' | 'bastion';

export interface LabHost {
  name: HostName;
  /** Network namespace the host lives in. */
  ns: string;
  /** The root-namespace end of the host's `ens33` veth, enslaved to LAB_BRIDGE. */
  rootLink: string;
  ip: string;
  /** ens33's MAC; node-1/node-2 use the walkthrough's VMware MACs so fixtures read like its output. */
  mac: string;
}

export const HOSTS: readonly LabHost[] = [
  { name: 'node-1', ns: 'hs-node-1', rootLink: 'hs-node-1', ip: '10.1.10.9', mac: '00:0c:29:10:a9:6c' },
  { name: 'node-2', ns: 'hs-node-2', rootLink: 'hs-node-2', ip: '10.1.10.10', mac: '00:0c:29:2f:33:85' },
  { name: 'client', ns: 'hs-client', rootLink: 'hs-client', ip: '10.1.10.8', mac: '00:0c:29:3a:5e:08' },
  // A jump host (ProxyJump) in front of the nodes; a test makes it the only way in by filtering the nodes' port 22.
  { name: 'bastion', ns: 'hs-bastion', rootLink: 'hs-bastion', ip: '10.1.10.2', mac: '00:0c:29:b4:57:02' },
];

/**
 * The nodes' second sshd, for keyboard-interactive logins: those need PAM (`UsePAM yes`), a global setting the
 * key-only sshd on port 22 keeps off, so they get a listener of their own, open to the password lab user only.
 */
export const KBD_PORT = 2222;
export const KBD_HOSTS: readonly HostName[] = ['node-1', 'node-2'];

export function host(name: HostName): LabHost {
  const h = HOSTS.find((x) => x.name === name);
  if (!h) throw new Error(`unknown lab host ${name}`);
  return h;
}

/** Namespace of a pod; pod names are Kubernetes-style and already unique per scenario. */
export function podNs(podName: string): string {
  return `${LAB_PREFIX}pod-${podName}`;
}

/** Linux limits interface names to 15 bytes (IFNAMSIZ - 1). */
export const IFNAME_MAX = 15;
