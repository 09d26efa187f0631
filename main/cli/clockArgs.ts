// `--clock auto|none|NODE=OFFSET` (repeatable) shared by `correlate` and `export`.

import { HopscopeError } from '../common/errors.ts';
import { parseOffset, type ClockOptions } from '../correlate/clockSkew.ts';

export function parseClockArgs(values: string[], reference?: string): ClockOptions {
  const opts: ClockOptions = { mode: 'auto' };
  if (reference) opts.reference = reference;
  for (const v of values) {
    if (v === 'auto' || v === 'none') {
      opts.mode = v;
      continue;
    }
    const eq = v.indexOf('=');
    if (eq <= 0) throw new HopscopeError('USAGE', `--clock ${v}: expected auto, none or NODE=OFFSET`);
    const off = parseOffset(v.slice(eq + 1));
    if (off === null)
      throw new HopscopeError('USAGE', `--clock ${v}: OFFSET is a number with s, ms, us or ns`);
    opts.manual = { ...opts.manual, [v.slice(0, eq)]: off };
  }
  return opts;
}

/**
 * A `--reference` or `--clock NODE=OFFSET` naming a node the captures do not have is a USAGE error (a typo would
 * otherwise be ignored without a word, the offsets then relative to another node than asked).
 */
export function checkClockNodes(clock: ClockOptions, nodes: readonly string[]): void {
  const have = new Set(nodes);
  const named: [string, string][] = [
    ...(clock.reference !== undefined
      ? [[`--reference ${clock.reference}`, clock.reference] as [string, string]]
      : []),
    ...Object.keys(clock.manual ?? {}).map((n): [string, string] => [`--clock ${n}=…`, n]),
  ];
  for (const [flag, node] of named)
    if (!have.has(node))
      throw new HopscopeError(
        'USAGE',
        `${flag}: no node ${node} in these captures (${nodes.join(', ') || 'none'})`,
      );
}
