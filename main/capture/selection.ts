// Interface selection: `NODE:GLOB` or `GLOB` (every node) against discovered names. Globs (`*`, `?`, `[…]`)
// leave out loopback and down interfaces; an exact name selects that interface whatever its state.

import { HopscopeError } from '../common/errors.ts';
import type { Iface, NodeInterfaces } from '../discover/model.ts';

export interface Selected {
  node: string;
  iface: string;
}

type GlobToken =
  | { t: 'star' }
  | { t: 'any' }
  | { t: 'lit'; c: string }
  | { t: 'class'; neg: boolean; ranges: [string, string][] };

/** Parses `*`, `?`, `[…]` (ranges, `!`/`^` negation); a reversed range is a USAGE error, a lone `[` a literal. */
function parseGlob(glob: string): GlobToken[] {
  const chars = Array.from(glob);
  const out: GlobToken[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '*') {
      if (out[out.length - 1]?.t !== 'star') out.push({ t: 'star' });
    } else if (c === '?') out.push({ t: 'any' });
    else if (c === '[') {
      let j = i + 1;
      const neg = chars[j] === '!' || chars[j] === '^';
      if (neg) j++;
      const ranges: [string, string][] = [];
      // A ']' right after '[' (or '[!') is a member, as in sh.
      for (let first = true; j < chars.length && (chars[j] !== ']' || first); j++, first = false) {
        if (chars[j + 1] === '-' && j + 2 < chars.length && chars[j + 2] !== ']') {
          if (chars[j] > chars[j + 2])
            throw new HopscopeError(
              'USAGE',
              `bad range ${chars[j]}-${chars[j + 2]} in pattern ${JSON.stringify(glob)}`,
            );
          ranges.push([chars[j], chars[j + 2]]);
          j += 2;
        } else ranges.push([chars[j], chars[j]]);
      }
      if (j >= chars.length) out.push({ t: 'lit', c: '[' });
      else {
        out.push({ t: 'class', neg, ranges });
        i = j;
      }
    } else out.push({ t: 'lit', c });
  }
  return out;
}

function oneChar(t: GlobToken, c: string): boolean {
  if (t.t === 'any') return true;
  if (t.t === 'lit') return t.c === c;
  if (t.t === 'class') return t.ranges.some(([lo, hi]) => c >= lo && c <= hi) !== t.neg;
  return false;
}

/**
 * Wildcard match without regular expressions: linear backtracking to the last `*` only, so a long name
 * from a hostile node and a pattern like `*a*a*a*b` cost O(name × pattern), never exponential time.
 */
function globMatch(tokens: GlobToken[], name: string): boolean {
  const s = Array.from(name);
  let p = 0;
  let i = 0;
  let starP = -1;
  let starI = 0;
  while (i < s.length) {
    const t = tokens[p];
    if (t !== undefined && t.t === 'star') {
      starP = p++;
      starI = i;
    } else if (t !== undefined && oneChar(t, s[i])) {
      p++;
      i++;
    } else if (starP >= 0) {
      p = starP + 1;
      i = ++starI;
    } else return false;
  }
  while (tokens[p]?.t === 'star') p++;
  return p === tokens.length;
}

const isGlob = (s: string) => /[*?[]/.test(s);

function wanted(i: Iface, pattern: string, tokens: GlobToken[]): boolean {
  if (!isGlob(pattern)) return i.name === pattern;
  // Names we would never capture are not even matched (a hostile node may send megabytes of name).
  return i.capturable && i.kind !== 'loopback' && i.up && globMatch(tokens, i.name);
}

/** Whether selector `sel` (`NODE:IFACE`, or `IFACE` for every node) names node `node`. */
export function selectorNodeMatches(sel: string, node: string): boolean {
  const colon = sel.indexOf(':');
  return globMatch(parseGlob(colon >= 0 ? sel.slice(0, colon) : '*'), node);
}

/**
 * Resolves selectors to (node, iface) pairs. An exact interface name that is not there is IFACE_UNKNOWN on a node
 * the selector names exactly (`node-1:eth9`), or when no node it names has it; a node of a node glob (`cni0` is
 * `*:cni0`) that lacks it is skipped (missingInterfaces says so): a node has no cni0 bridge until its first pod.
 * `some`: `nodes` are some of the session's (a node joining late), whose others may have it: never an error then.
 */
export function selectInterfaces(selectors: string[], nodes: NodeInterfaces[], some = false): Selected[] {
  return resolve(selectors, nodes, some).selected;
}

/**
 * What selectInterfaces skipped: 'node-3 has no interface "cni0"' for each node of a node glob that lacks an exact
 * interface name other nodes have (a warning's matter: the others are captured).
 */
export function missingInterfaces(selectors: string[], nodes: NodeInterfaces[], some = false): string[] {
  return resolve(selectors, nodes, some).missing.map(lacks);
}

const lacks = (m: Selected) => `${m.node} has no interface ${JSON.stringify(m.iface)}`;

function resolve(
  selectors: string[],
  nodes: NodeInterfaces[],
  some: boolean,
): { selected: Selected[]; missing: Selected[] } {
  const out: Selected[] = [];
  const missing: Selected[] = [];
  const seen = new Set<string>();
  for (const sel of selectors) {
    const colon = sel.indexOf(':');
    const nodePat = colon >= 0 ? sel.slice(0, colon) : '*';
    const ifPat = colon >= 0 ? sel.slice(colon + 1) : sel;
    if (ifPat === '') throw new HopscopeError('USAGE', `empty interface in --iface '${sel}'`);
    const nodeTokens = parseGlob(nodePat);
    const ifTokens = parseGlob(ifPat);
    const matchedNodes = nodes.filter((n) => globMatch(nodeTokens, n.node));
    if (matchedNodes.length === 0)
      throw new HopscopeError('USAGE', `--iface '${sel}': no node named ${nodePat}`);
    const lacking: string[] = [];
    for (const n of matchedNodes) {
      const hits = n.interfaces.filter((i) => wanted(i, ifPat, ifTokens));
      if (hits.length === 0 && !isGlob(ifPat)) lacking.push(n.node);
      for (const i of hits) {
        if (!i.capturable) {
          if (!isGlob(ifPat))
            throw new HopscopeError(
              'IFACE_UNKNOWN',
              `${n.node}: ${JSON.stringify(i.name)} cannot be captured: ${i.nameProblem}`,
            );
          continue;
        }
        const key = `${n.node}\0${i.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ node: n.node, iface: i.name });
      }
    }
    if (lacking.length > 0 && (!isGlob(nodePat) || (!some && lacking.length === matchedNodes.length)))
      throw new HopscopeError(
        'IFACE_UNKNOWN',
        `${lacking.join(', ')} ${lacking.length > 1 ? 'have' : 'has'} no interface ${JSON.stringify(ifPat)}`,
      );
    for (const node of lacking) missing.push({ node, iface: ifPat });
  }
  return { selected: out, missing };
}

/**
 * The glob selectors that select nothing on the nodes they name (`node-1:cali*` on a flannel node, a `veth*`
 * typo): not an error, as an exact name is, but worth a warning when other selectors do select something.
 */
export function emptySelectors(selectors: string[], nodes: NodeInterfaces[]): string[] {
  return selectors.filter((sel) => {
    try {
      return selectInterfaces([sel], nodes).length === 0;
    } catch {
      return false; // an error of its own (selectInterfaces says it)
    }
  });
}

/**
 * What `selectors` ask of node `node` (one of `nodes`, the session's discovered nodes) that it is not captured for,
 * as warnings: an exact name of a node glob it lacks (missingInterfaces), and a glob that selects nothing on it nor
 * on any other of `nodes` it names (emptySelectors); `followed`: such a glob whose new matches are captured while
 * capturing (followNew) is said to be waiting, not to capture nothing. For one node's record, and a node joining a
 * running capture. Call it once selectInterfaces has accepted the selectors (errors are its matter).
 */
export function selectionWarnings(
  selectors: string[],
  nodes: NodeInterfaces[],
  node: string,
  followed: (sel: string) => boolean = () => false,
): string[] {
  const mine = selectors.filter((sel) => selectorNodeMatches(sel, node));
  const missing = resolve(mine, nodes, true)
    .missing.filter((m) => m.node === node)
    .map((m) => `${lacks(m)}: not captured there`);
  const named = (sel: string) => nodes.filter((d) => selectorNodeMatches(sel, d.node));
  const empty = mine
    .filter((sel) => emptySelectors([sel], named(sel)).length > 0)
    .map((sel) =>
      followed(sel)
        ? emptyFollowedMessage(sel, node)
        : `--iface '${sel}' matched no interface on ${node}: nothing captured for it`,
    );
  return [...missing, ...empty];
}

/** Whether selector `sel`'s interface part is a glob (`node-1:veth*`, `cali*`), not an exact name. */
export function isGlobSelector(sel: string): boolean {
  const colon = sel.indexOf(':');
  return isGlob(colon >= 0 ? sel.slice(colon + 1) : sel);
}

/**
 * Whether interface `iface` of node `node` was chosen by a glob of `selectors` only, never named exactly: a pod's
 * veth the user asked for by pattern, whose going away with its pod is no failure of the capture.
 */
export function chosenByGlobOnly(selectors: string[], node: string, iface: string): boolean {
  const mine = selectors.filter((sel) => selectorNodeMatches(sel, node));
  const part = (sel: string) => (sel.includes(':') ? sel.slice(sel.indexOf(':') + 1) : sel);
  if (mine.some((sel) => !isGlobSelector(sel) && part(sel) === iface)) return false;
  return mine.some((sel) => isGlobSelector(sel) && globMatch(parseGlob(part(sel)), iface));
}

/** A glob matching nothing on `node` yet whose new matches are followed: what the session waits for. */
export function emptyFollowedMessage(sel: string, node: string): string {
  return `--iface '${sel}' matches no interface on ${node} yet: waiting for one (new interfaces are followed)`;
}
