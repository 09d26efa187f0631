// What a host-key question is about, in words: the node's own host, or a jump host on the way to it.

import type { HostKeyPrompt } from '../../../preload/api.ts';

/**
 * `node-1` for the node itself; `jump host bastion 10.1.10.2:22 for node-1` for a jump host (its
 * name as given, then its address when that differs), so that a bastion's key is not taken for the node's.
 */
export function hostKeySubject(p: Pick<HostKeyPrompt, 'node' | 'host' | 'jumpHost'>): string {
  if (p.jumpHost === undefined) return p.node;
  const addr = p.host.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const named = p.jumpHost === addr ? '' : `${p.jumpHost} `;
  return `jump host ${named}${p.host} for ${p.node}`;
}
