// Clocks the packets contradict, said the same way wherever they show: the ⚠ on the Clocks tab and the pane heads'
// clock badges.

import type { ClockInfo } from '../../../preload/api.ts';
import { formatDuration } from './timeScale.ts';

/** Crossed bounds or a pair missed (the estimate), or an override outside what the traffic says (the user's). */
export function clockInTrouble(c: ClockInfo): boolean {
  return c.method === 'traffic-inconsistent' || !!c.conflict || c.outsideEstimate;
}

/**
 * The nodes whose clocks the packets contradict (crossed bounds, a pair missed, an override outside the estimate),
 * said on the Clocks tab: hops across them may show wrong latencies. Null when none.
 */
export function clockTroubleOf(clocks: readonly ClockInfo[]): string | null {
  const nodes = clocks.filter(clockInTrouble).map((c) => c.node);
  if (nodes.length === 0) return null;
  return `${nodes.join(', ')}: the packets contradict ${nodes.length > 1 ? 'these clocks' : 'this clock'}, so hops across them may show wrong latencies`;
}

/** Why one node's clock is in trouble, in the Clocks tab's words (its note, or the override's place); '' if it is not. */
export function clockTroubleWhy(c: ClockInfo): string {
  if (!clockInTrouble(c)) return '';
  if (c.outsideEstimate)
    return (
      `the override is outside what the traffic says (estimate ${formatDuration(c.estimatedOffsetNs)}` +
      `${c.estimatedRate ? ', drifting' : ''})`
    );
  return c.note ?? '';
}
