// Reads one line of `ip -d -o monitor link` (followNew's link monitor) into the interface model, for the one kind
// of link a new pod brings, a veth: enough to start capturing it before the link list has been read again.
//
//   8: vethfeed0001@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue master cni0 state UP group
//   default \    link/ether 92:00:97:2e:35:a6 brd ff:ff:ff:ff:ff:ff link-netnsid 0 promiscuity 1 … \    veth \
//   bridge_slave state forwarding …
//
// `-o` puts each event on one line, its parts joined by ` \ ` (names hold no whitespace, so that never splits
// one). The peer after `@` is `ifN` (in another namespace: `link-netnsid N` or `link-netns NAME` follows), a
// name (this namespace) or NONE.
// A bridge's notice about its port (AF_BRIDGE: no `qdisc`, the `@` part misleading) is no link event here.

import { ifaceNameProblem } from './ifaceName.ts';
import type { Iface } from './model.ts';
import { vethKind } from './parseIp.ts';

export interface MonitorLink {
  /** A `Deleted` event: the link (this name at this index) is gone. */
  deleted: boolean;
  iface: Iface;
}

const HEAD = /^(Deleted )?(\d+): ([^\s:]+): <([^>]*)> (.*)$/;

/**
 * The veth a link event is about, as discovery (parseIpOutputs) would have it (no addresses: a new pod's host side
 * has none); null for any other line or kind (the link list tells about those), or a line it cannot read whole.
 */
export function parseMonitorLine(line: string): MonitorLink | null {
  const parts = line.trimEnd().split(/ \\ +/);
  const head = HEAD.exec(parts[0] ?? '');
  if (!head || parts.length < 3) return null;
  const [, deleted, index, names, flagText, rest] = head;
  const attrs = words(rest);
  if (!attrs.has('qdisc')) return null;
  // `name@peer`: a name holding `@` itself cannot be told from its peer.
  const at = names.split('@');
  if (at.length > 2) return null;
  const [name, peerText] = at;
  const link = parts[1].trim().split(/\s+/);
  const linkType = /^link\/(\S+)$/.exec(link[0] ?? '')?.[1];
  // The link's kind follows its link/ part (`-d`); a slave kind alone (`bridge_slave`) means it has none.
  const kernelKind = parts[2].trim().split(/\s+/)[0];
  if (linkType !== 'ether' || kernelKind !== 'veth') return null;
  const linkAttrs = words(link.slice(1).join(' '));
  // The peer's namespace: its id, or its name when it is one of `ip netns`'s (a CNI's `cni-…`, the lab's pods):
  // then, as for an id not assigned (`unknown`), -1, as `ip -j` reports an unassigned one (link_netnsid -1).
  const nsid = linkAttrs.get('link-netnsid');
  const otherNetns = nsid !== undefined || linkAttrs.has('link-netns');
  const netnsId = nsid !== undefined && /^\d+$/.test(nsid) ? Number(nsid) : otherNetns ? -1 : null;
  let peer: NonNullable<Iface['peer']> = { ifindex: null, name: null, netnsId };
  if (peerText !== undefined && peerText !== 'NONE') {
    const m = /^if(\d+)$/.exec(peerText);
    peer =
      netnsId !== null && m ? { ifindex: Number(m[1]), name: null, netnsId } : { ...peer, name: peerText };
  }
  const mtu = Number(attrs.get('mtu'));
  const problem = ifaceNameProblem(name);
  const iface: Iface = {
    name,
    ifindex: Number(index),
    kind: vethKind(name),
    kernelKind,
    linkType,
    mac: /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(link[1] ?? '') ? link[1] : null,
    mtu: Number.isFinite(mtu) ? mtu : 0,
    state: attrs.get('state') ?? 'UNKNOWN',
    up: flagText.split(',').includes('UP'),
    master: attrs.get('master') ?? null,
    bridgePort: parts.slice(3).some((p) => p.trim().startsWith('bridge_slave')),
    addresses: [],
    capturable: problem === null,
    peer,
  };
  if (problem) iface.nameProblem = problem;
  return { deleted: deleted !== undefined, iface };
}

/** The words of an ip line, read as `key value` by looking a key up (a key last on the line has the value ''). */
function words(text: string): { has: (key: string) => boolean; get: (key: string) => string | undefined } {
  const w = text.trim().split(/\s+/);
  return {
    has: (key) => w.includes(key),
    get: (key) => (w.includes(key) ? (w[w.indexOf(key) + 1] ?? '') : undefined),
  };
}
