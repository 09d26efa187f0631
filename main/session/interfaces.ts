// Converts discovered interfaces (session.json's discovery model, or a fixture's `ip -j` files) into the
// correlator's InterfaceInfo: MACs and IPv4 addresses as numbers, kinds as the discovery model names them.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { IfaceAddress, NodeInterfaces } from '../discover/model.ts';
import { parseIpOutputs } from '../discover/parseIp.ts';
import type { InterfaceInfo } from '../correlate/ownership.ts';

export function parseMac(s: string | null | undefined): number {
  if (!s) return -1;
  const m = /^([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i.exec(s);
  if (!m) return -1;
  let v = 0;
  for (let i = 1; i <= 6; i++) v = v * 256 + parseInt(m[i], 16);
  return v;
}

export function parseIpv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const p = m.slice(1, 5).map(Number);
  if (p.some((x) => x > 255)) return null;
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

/**
 * The correlator's view of a node's discovered interfaces. A session.json may be written by hand or by another
 * tool: entries without a name are skipped, and unreadable MACs, addresses or masters count as absent.
 */
export function fromDiscovery(model: NodeInterfaces): InterfaceInfo[] {
  const ifaces = (model.interfaces as unknown[]).filter(
    (i): i is NodeInterfaces['interfaces'][number] =>
      i !== null && typeof i === 'object' && typeof (i as { name?: unknown }).name === 'string',
  );
  return ifaces.map((i) => {
    // IPv4 addresses: well-formed entries of the family only (read once, for the numbers and the description).
    const inet = (Array.isArray(i.addresses) ? (i.addresses as unknown[]) : []).filter(
      (a): a is IfaceAddress =>
        a !== null && typeof a === 'object' && (a as { family?: unknown }).family === 'inet',
    );
    const v4 = inet.flatMap((a) => {
      const v = parseIpv4(String(a.address));
      const len = Number.isInteger(a.prefixLen) && a.prefixLen >= 0 && a.prefixLen <= 32 ? a.prefixLen : 32;
      return v === null ? [] : [[v, len] as const];
    });
    const info: InterfaceInfo = {
      node: model.node,
      name: i.name,
      mac: i.kind === 'loopback' || typeof i.mac !== 'string' ? -1 : parseMac(i.mac),
      kind: i.kind,
      addresses: v4.map(([v]) => v),
      prefixLens: v4.map(([, len]) => len),
      master: typeof i.master === 'string' ? i.master : '',
      description: describe(model.node, i, inet),
    };
    if (i.vxlan && typeof i.vxlan.vni === 'number') info.vni = i.vxlan.vni;
    if (typeof i.ifindex === 'number' && i.ifindex > 0) info.ifindex = i.ifindex;
    if (typeof i.mtu === 'number' && i.mtu > 0) info.mtu = i.mtu;
    return info;
  });
}

function describe(node: string, i: NodeInterfaces['interfaces'][number], inet: IfaceAddress[]): string {
  const parts = [`${i.kind} on ${node}`];
  if (i.master) parts.push(`port of ${i.master}`);
  if (i.vxlan) parts.push(`vxlan vni ${i.vxlan.vni}${i.vxlan.port ? ` port ${i.vxlan.port}` : ''}`);
  if (i.geneve) {
    const g = i.geneve;
    parts.push(`geneve${g.vni !== null ? ` vni ${g.vni}` : ''}${g.port ? ` port ${g.port}` : ''}`);
  }
  const v4 = inet.map((a) => `${a.address}/${a.prefixLen}`);
  if (v4.length) parts.push(v4.join(' '));
  return parts.join(', ');
}

/** The name of a node's interface list readIpJsonFiles reads beside captures (`hopscope lab fixtures` writes them). */
export const IP_JSON_FILE = /\.ip-(link|addr|route)\.json$/;

/** Reads `<node>.ip-link.json` (+ `.ip-addr.json`, `.ip-route.json`) next to captures, when present. */
export function readIpJsonFiles(dir: string, node: string): NodeInterfaces | null {
  const link = join(dir, `${node}.ip-link.json`);
  if (!existsSync(link)) return null;
  const addr = join(dir, `${node}.ip-addr.json`);
  const route = join(dir, `${node}.ip-route.json`);
  try {
    return parseIpOutputs(node, {
      link: readFileSync(link, 'utf8'),
      addr: existsSync(addr) ? readFileSync(addr, 'utf8') : '[]',
      route: existsSync(route) ? readFileSync(route, 'utf8') : '[]',
    });
  } catch {
    return null;
  }
}
