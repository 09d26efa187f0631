// Builds the interface model from `ip -j -d link show`, `ip -j addr show` and `ip -j route show` output.
// Input is untrusted (a hostile or broken node): malformed JSON is an error, odd entries become warnings.

import { HopscopeError } from '../common/errors.ts';

import { ifaceNameProblem } from './ifaceName.ts';
import type { Iface, IfaceAddress, IfaceKind, NodeInterfaces, Route } from './model.ts';

export interface IpOutputs {
  link: string;
  addr: string;
  route: string;
}

type Json = Record<string, unknown>;

const CALICO_NAME = /^cali[0-9a-f]{11}$/;

/** A veth's kind: Calico names its pods' host sides `cali` + 11 hex. */
export function vethKind(name: string): 'veth' | 'calico' {
  return name.startsWith('cali') && CALICO_NAME.test(name) ? 'calico' : 'veth';
}

function parseArray(text: string, what: string, node: string): Json[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new HopscopeError(
      'DISCOVERY_FAILED',
      `${node}: ${what} output is not JSON (${(e as Error).message})`,
    );
  }
  if (!Array.isArray(v))
    throw new HopscopeError('DISCOVERY_FAILED', `${node}: ${what} output is not a JSON array`);
  return v.filter((x): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x));
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};

function kindOf(l: Json, name: string, kernelKind: string, linkType: string): IfaceKind {
  if (linkType === 'loopback') return 'loopback';
  switch (kernelKind) {
    case 'bridge':
      return 'bridge';
    case 'veth':
      return vethKind(name);
    case 'vxlan':
      return 'vxlan';
    case 'geneve':
      return 'geneve';
    case 'ipip':
      return 'ipip';
    case 'tun':
      return 'tun';
    // The kernel's WireGuard device (Calico's wireguard.cali, flannel's flannel-wg, Cilium's cilium_wg0): raw IP, as
    // tcpdump shows it; wireguard-go's (user space, the lab's) is a tun.
    case 'wireguard':
      return 'wireguard';
    case '':
      // No linkinfo: a real NIC (ens33, eth0) shows no info_kind.
      return linkType === 'ether' ? 'physical' : 'other';
    default:
      return 'other';
  }
}

function parseLink(l: Json, warnings: string[]): Iface | null {
  const name = str(l.ifname);
  const ifindex = num(l.ifindex);
  if (name === null || ifindex === null) {
    warnings.push('skipped a link entry without ifname/ifindex');
    return null;
  }
  const li = obj(l.linkinfo);
  const kernelKind = str(li.info_kind) ?? '';
  const linkType = str(l.link_type) ?? '';
  const data = obj(li.info_data);
  const flags = Array.isArray(l.flags) ? l.flags.filter((f): f is string => typeof f === 'string') : [];
  const problem = ifaceNameProblem(name);
  if (problem) warnings.push(`interface ${JSON.stringify(name)} cannot be captured: ${problem}`);
  const kind = kindOf(l, name, kernelKind, linkType);
  const iface: Iface = {
    name,
    ifindex,
    kind,
    kernelKind,
    linkType,
    mac: linkType === 'ether' ? str(l.address) : null,
    mtu: num(l.mtu) ?? 0,
    state: str(l.operstate) ?? 'UNKNOWN',
    up: flags.includes('UP'),
    master: str(l.master),
    bridgePort: str(li.info_slave_kind) === 'bridge',
    addresses: [],
    capturable: problem === null,
  };
  if (problem) iface.nameProblem = problem;
  if (kind === 'veth' || kind === 'calico') {
    // Peer in this namespace: `link` names it. In another namespace: `link_index` + `link_netnsid`.
    iface.peer = { ifindex: num(l.link_index), name: str(l.link), netnsId: num(l.link_netnsid) };
  }
  if (kind === 'vxlan') {
    iface.vxlan = {
      vni: num(data.id) ?? 0,
      port: num(data.port),
      local: str(data.local),
      device: str(data.link),
    };
  }
  if (kind === 'geneve') iface.geneve = { vni: num(data.id), port: num(data.port), remote: str(data.remote) };
  if (kind === 'ipip') iface.tunnel = { local: str(data.local), remote: str(data.remote) };
  if (kind === 'tun') iface.tunnel = { local: null, remote: null, tunType: str(data.type) ?? undefined };
  return iface;
}

function parseAddr(a: Json): IfaceAddress | null {
  const family = str(a.family);
  const address = str(a.local);
  const prefixLen = num(a.prefixlen);
  if ((family !== 'inet' && family !== 'inet6') || address === null || prefixLen === null) return null;
  const out: IfaceAddress = { family, address, prefixLen };
  const scope = str(a.scope);
  if (scope) out.scope = scope;
  return out;
}

function parseRoute(r: Json): Route | null {
  const dst = str(r.dst);
  if (dst === null) return null;
  return {
    dst,
    dev: str(r.dev),
    gateway: str(r.gateway),
    prefsrc: str(r.prefsrc),
    protocol: str(r.protocol),
    scope: str(r.scope),
  };
}

/** Parses the three `ip -j` outputs of one node; throws DISCOVERY_FAILED if the link list is unusable. */
export function parseIpOutputs(node: string, out: IpOutputs): NodeInterfaces {
  const warnings: string[] = [];
  const interfaces: Iface[] = [];
  const seen = new Set<string>();
  for (const l of parseArray(out.link, 'ip -j -d link show', node)) {
    const i = parseLink(l, warnings);
    if (!i) continue;
    if (seen.has(i.name)) {
      warnings.push(`duplicate interface name ${JSON.stringify(i.name)} skipped`);
      continue;
    }
    seen.add(i.name);
    interfaces.push(i);
  }
  const byIndex = new Map(interfaces.map((i) => [i.ifindex, i]));
  for (const a of parseArray(out.addr, 'ip -j addr show', node)) {
    const i = byIndex.get(num(a.ifindex) ?? -1);
    if (!i || !Array.isArray(a.addr_info)) continue;
    for (const ai of a.addr_info) {
      const p = parseAddr(obj(ai));
      if (p) i.addresses.push(p);
    }
  }
  const routes: Route[] = [];
  for (const r of parseArray(out.route, 'ip -j route show', node)) {
    const p = parseRoute(r);
    if (p) routes.push(p);
  }
  return { node, interfaces, routes, warnings };
}

function ipv4ToInt(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/** The interface the node's main routing table sends `ip` out of (longest prefix wins): ties a pod IP to its cali*. */
export function routeDevFor(model: NodeInterfaces, ip: string): string | null {
  const target = ipv4ToInt(ip);
  if (target === null) return null;
  let best: { len: number; dev: string } | null = null;
  for (const r of model.routes) {
    if (!r.dev) continue;
    let net: number | null;
    let len: number;
    if (r.dst === 'default') {
      net = 0;
      len = 0;
    } else {
      const [a, l] = r.dst.split('/');
      net = ipv4ToInt(a);
      len = l === undefined ? 32 : Number(l);
    }
    if (net === null || !(len >= 0 && len <= 32)) continue;
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    if ((target & mask) >>> 0 !== (net & mask) >>> 0) continue;
    if (!best || len > best.len) best = { len, dev: r.dev };
  }
  return best?.dev ?? null;
}

/** The interface holding `ip` as a local address (e.g. the SSH server address: the management interface). */
export function ifaceWithAddress(model: NodeInterfaces, ip: string): Iface | null {
  return model.interfaces.find((i) => i.addresses.some((a) => a.address === ip)) ?? null;
}
