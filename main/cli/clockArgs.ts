// `--clock auto|none|NODE=OFFSET` (repeatable) shared by `correlate` and `export`.

import { HopscopeError } from '../common/errors.ts';
import { MAX_MANUAL_OFFSET_NS, parseOffset, type ClockOptions } from '../correlate/clockSkew.ts';

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
    const text = v.slice(eq + 1).trim();
    const off = parseOffset(text);
    if (off === null)
      throw new HopscopeError('USAGE', `--clock ${v}: OFFSET is a number with s, ms, us or ns`);
    // A bare number was read as ns: `=1.5` meant 1.5 s or ms far more often than 2 ns.
    if (off !== 0 && /\d$/.test(text))
      throw new HopscopeError('USAGE', `--clock ${v}: give OFFSET a unit (s, ms, us or ns), e.g. ${text}ms`);
    if (Math.abs(off) > MAX_MANUAL_OFFSET_NS)
      throw new HopscopeError(
        'USAGE',
        `--clock ${v}: offsets up to ${MAX_MANUAL_OFFSET_NS / 86_400e9} days are supported ` +
          `(nanosecond times stay exact); shift such a capture first (editcap -t)`,
      );
    opts.manual = { ...opts.manual, [v.slice(0, eq)]: off };
  }
  if (opts.mode === 'none' && opts.manual)
    throw new HopscopeError('USAGE', '--clock none leaves every clock uncorrected: it takes no NODE=OFFSET');
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
  // Offsets are relative to the reference's clock: moving the reference itself would shift only its own
  // packets against estimates made from its unshifted times.
  const reference = clock.reference ?? nodes[0];
  const own = clock.manual?.[reference];
  if (own !== undefined && own !== 0)
    throw new HopscopeError(
      'USAGE',
      `--clock ${reference}=…: ${reference} is the reference (offsets are relative to its clock); ` +
        `name another node with --reference to give ${reference} an offset`,
    );
}
