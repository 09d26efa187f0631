// Interface selection: `NODE:GLOB` or `GLOB` (every node) against discovered names. Globs (`*`, `?`, `[…]`)
// leave out loopback and down interfaces; an exact name selects that interface whatever its state.

import { HopscopeError } from '../common/errors.ts';
import type { Iface, NodeInterfaces } from '../discover/model.ts';

export interface Selected {
  node: string;
  iface: string;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += '[' + (body.startsWith('!') ? '^' + body.slice(1) : body) + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$', 's');
}

const isGlob = (s: string) => /[*?[]/.test(s);

function wanted(i: Iface, pattern: string): boolean {
  if (!isGlob(pattern)) return i.name === pattern;
  return i.kind !== 'loopback' && i.up && globToRegExp(pattern).test(i.name);
}

/** Resolves selectors to (node, iface) pairs; an exact name that is not there is IFACE_UNKNOWN. */
export function selectInterfaces(selectors: string[], nodes: NodeInterfaces[]): Selected[] {
  const out: Selected[] = [];
  const seen = new Set<string>();
  for (const sel of selectors) {
    const colon = sel.indexOf(':');
    const nodePat = colon >= 0 ? sel.slice(0, colon) : '*';
    const ifPat = colon >= 0 ? sel.slice(colon + 1) : sel;
    if (ifPat === '') throw new HopscopeError('USAGE', `empty interface in --iface '${sel}'`);
    const nodeRe = globToRegExp(nodePat);
    const matchedNodes = nodes.filter((n) => nodeRe.test(n.node));
    if (matchedNodes.length === 0) throw new HopscopeError('USAGE', `--iface '${sel}': no node named ${nodePat}`);
    for (const n of matchedNodes) {
      const hits = n.interfaces.filter((i) => wanted(i, ifPat));
      if (hits.length === 0 && !isGlob(ifPat))
        throw new HopscopeError('IFACE_UNKNOWN', `${n.node} has no interface ${JSON.stringify(ifPat)}`);
      for (const i of hits) {
        if (!i.capturable) {
          if (!isGlob(ifPat)) throw new HopscopeError('IFACE_UNKNOWN', `${n.node}: ${JSON.stringify(i.name)} cannot be captured: ${i.nameProblem}`);
          continue;
        }
        const key = `${n.node}\0${i.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ node: n.node, iface: i.name });
      }
    }
  }
  return out;
}
