// The clock fit's linear programs as estimateClocks poses them (fitLinesJointly's rounds, feasibleReach's bands) on
// many synthetic 16-node clock sets: every one answered, none said unbounded or infeasible (each is bounded and
// feasible: every node has packets both ways to the reference, the rates are capped, the margin is free).

import { describe, expect, it, vi } from 'vitest';

import { estimateClocks } from '../../main/correlate/clockSkew.ts';

import { stuckSet } from './clock-helpers.ts';

/** Every program the clock fit solved: who posed it and the solver's status. */
const solved = vi.hoisted(() => [] as { by: 'fit' | 'reach' | 'other'; status: string }[]);

vi.mock('../../main/correlate/linearProgram.ts', async (importOriginal) => {
  const lp = await importOriginal<typeof import('../../main/correlate/linearProgram.ts')>();
  return {
    ...lp,
    maximize: (...args: Parameters<typeof lp.maximize>) => {
      const r = lp.maximize(...args);
      const stack = new Error().stack ?? '';
      const by = stack.includes('feasibleReach')
        ? 'reach'
        : stack.includes('fitLinesJointly')
          ? 'fit'
          : 'other';
      solved.push({ by, status: r.status });
      return r;
    },
  };
});

describe('the clock fit’s programs on synthetic 16-node sets', () => {
  it('40 sets (seeded): every round of the joint fit and every band program answered at the first try', () => {
    // Before (Bland's rule pivoting on 1e-6 elements into singular bases, a numerical failure in phase 1 taken for
    // "no feasible dual"), these 40 sets had 10 of 337 rounds without an answer (one said 'unbounded'), round 0 in 2
    // sets (the joint fit rejected there), and 208 of 2,227 band programs (7 said 'unbounded'), 1 even with its rows
    // reversed.
    const roundZero: string[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const from = solved.length;
      const { nodes, bounds } = stuckSet(7, seed);
      estimateClocks(nodes, bounds, { mode: 'auto' });
      const first = solved.slice(from).find((p) => p.by === 'fit');
      if (first) roundZero.push(first.status);
    }
    const count = (by: string, status?: string) =>
      solved.filter((p) => p.by === by && (status === undefined || p.status === status)).length;
    // These programs are bounded and feasible: a failure is no answer, never taken for either.
    expect(solved.filter((p) => p.status === 'unbounded' || p.status === 'infeasible')).toEqual([]);
    // Every set runs the joint fit (its one-at-a-time lines miss a pair) and then its bands.
    expect(roundZero).toEqual(new Array(40).fill('optimal'));
    expect(count('fit')).toBeGreaterThan(300);
    expect(count('reach')).toBeGreaterThan(2_000);
    expect(count('other')).toBe(0);
    const unanswered = solved.filter((p) => p.status !== 'optimal');
    expect(unanswered).toEqual([]);
  });
});
