// A small dense linear program solver: maximize c·x subject to A x ≤ b, x free (no sign constraint). Sized for the
// clock fit (clockSkew.ts): tens of variables, up to a few thousand constraints.
//
// It solves the dual, min b·y subject to Aᵀy = c, y ≥ 0, by the two-phase simplex method on a tableau of n rows
// (one per variable of the primal, so a pivot costs n × (constraints + n), not constraints²): phase 1 finds a
// basis with artificial variables (the rows signed so that c ≥ 0), phase 2 minimizes b·y from it. The primal x is
// the dual's simplex multipliers (read off the artificial columns, which hold B⁻¹), and y says which constraints
// hold x where it is: y_j > 0 only on a constraint tight at every optimal x (complementary slackness).
// Pivots follow Dantzig's rule (the most negative reduced cost) and switch to Bland's (the lowest index enters,
// ties in the ratio test leave by the lowest index) after a run of degenerate pivots, until one moves: Bland's
// rule cannot cycle (in exact arithmetic; a pivot limit stops the rest). The ratio test is Harris's: of the rows
// within EPS of the smallest ratio, the largest pivot element leaves (under Bland's rule, the lowest index). Every
// REFRESH pivots, and before an answer (optimal or unbounded) is taken from it, the tableau is computed afresh from
// its basis (B⁻¹ times the initial tableau, by Gauss–Jordan elimination): pivot after pivot loses precision, and the
// clock fit's programs of 25 to 33 variables and hundreds of rows came back with rows missed and Aᵀy ≠ c. An
// optimal answer is still checked before it is given (x inside every row, y ≥ 0, Aᵀy = c, c·x = b·y, to a relative
// 1e-7); one that fails, or a basis found singular, is 'limit': no answer rather than a wrong one.
//
// The caller scales the problem: coefficients and right-hand sides of order 1 to 1e6 (tolerances are absolute).

export type LpResult =
  | {
      status: 'optimal';
      /** The maximizer (one of them when there are several). */
      x: Float64Array;
      /** The dual: one multiplier ≥ 0 per constraint, Aᵀy = c; > 0 only on constraints tight at every maximizer. */
      y: Float64Array;
      value: number;
    }
  /** No x satisfies A x ≤ b. */
  | { status: 'infeasible' }
  /** c·x grows without bound over A x ≤ b. */
  | { status: 'unbounded' }
  /** The pivot limit was reached, or the answer failed its check (numerical trouble): no answer. */
  | { status: 'limit' };

const EPS = 1e-9;
/** The smallest pivot element taken (the ratio test's). */
const PIVOT = 1e-7;
/** Pivots between two fresh computations of the tableau from its basis. */
const REFRESH = 50;
/** Degenerate pivots in a row before Bland's rule takes over. */
const DEGENERATE_RUN = 10;

/**
 * max c·x subject to rows[j]·x ≤ b[j] for every j, x free. Every row has c.length entries.
 */
export function maximize(c: ArrayLike<number>, rows: ArrayLike<number>[], b: ArrayLike<number>): LpResult {
  const n = c.length;
  const m = rows.length;
  const dual = solveDual(c, rows, b);
  if (dual.status === 'optimal') return proves(dual, c, rows, b) ? dual : { status: 'limit' };
  if (dual.status !== 'dual-infeasible') return dual;
  // The dual has no feasible y: the primal is unbounded, or infeasible too. With c = 0 the dual is feasible (y = 0)
  // and the primal's objective bounded, so its answer says which.
  if (n === 0 || m === 0)
    return n === 0
      ? { status: 'optimal', x: new Float64Array(0), y: new Float64Array(m), value: 0 }
      : { status: 'unbounded' };
  const check = solveDual(new Float64Array(n), rows, b);
  return check.status === 'optimal'
    ? { status: 'unbounded' }
    : check.status === 'limit'
      ? check
      : { status: 'infeasible' };
}

/**
 * Whether an answer proves itself optimal (to a relative 1e-7), as the floating-point tableau may have lost it: x
 * inside every row, y ≥ 0 with Aᵀy = c (a bound on every feasible c·x: b·y), and c·x = b·y.
 */
function proves(
  r: { x: Float64Array; y: Float64Array },
  c: ArrayLike<number>,
  rows: ArrayLike<number>[],
  b: ArrayLike<number>,
): boolean {
  const n = c.length;
  const aty = new Float64Array(n);
  let by = 0;
  let bySize = 1;
  for (let j = 0; j < rows.length; j++) {
    by += b[j] * r.y[j];
    bySize += Math.abs(b[j] * r.y[j]);
    let lhs = 0;
    let size = Math.abs(b[j]);
    for (let i = 0; i < n; i++) {
      lhs += rows[j][i] * r.x[i];
      size += Math.abs(rows[j][i] * r.x[i]);
      aty[i] += rows[j][i] * r.y[j];
    }
    if (lhs - b[j] > 1e-7 * (1 + size) || r.y[j] < -1e-7) return false;
  }
  let scale = 1;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(c[i]));
  let cx = 0;
  for (let i = 0; i < n; i++) {
    if (Math.abs(aty[i] - c[i]) > 1e-7 * scale) return false;
    cx += c[i] * r.x[i];
  }
  return Math.abs(cx - by) <= 1e-7 * bySize;
}

type DualResult = LpResult | { status: 'dual-infeasible' };

function solveDual(c: ArrayLike<number>, rows: ArrayLike<number>[], b: ArrayLike<number>): DualResult {
  const n = c.length;
  const m = rows.length;
  // Columns: the m constraints' multipliers y, then n artificials, then the right-hand side.
  const w = m + n + 1;
  const rhs = m + n;
  const t = new Float64Array(n * w);
  const sign = new Float64Array(n);
  const basis = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    sign[i] = c[i] < 0 ? -1 : 1;
    for (let j = 0; j < m; j++) t[i * w + j] = sign[i] * rows[j][i];
    t[i * w + m + i] = 1;
    t[i * w + rhs] = sign[i] * c[i];
    basis[i] = m + i;
  }
  const t0 = Float64Array.from(t);
  // Phase 1: minimize the artificials' sum (cost 1 each, all basic at first).
  const cost1 = new Float64Array(m + n).fill(1, m);
  const z = reducedCosts(t, n, w, basis, cost1);
  let scale = 1;
  for (let i = 0; i < n; i++) scale += Math.abs(c[i]);
  const run1 = pivotToOptimum(t, n, w, basis, z, m, () => refresh(t, t0, n, w, basis, z, cost1));
  if (run1 === 'limit') return { status: 'limit' };
  // (Phase 1 is bounded below by 0: 'unbounded' cannot happen.)
  if (-z[rhs] > EPS * scale) return { status: 'dual-infeasible' };
  // Artificials left in the basis at 0: swap each for a real column in its row; a row with none is redundant (the
  // primal's x is then not unique along some direction) and keeps its artificial, which no pivot moves.
  for (let i = 0; i < n; i++) {
    if (basis[i] < m) continue;
    let best = -1;
    for (let j = 0; j < m; j++)
      if (Math.abs(t[i * w + j]) > EPS && (best < 0 || Math.abs(t[i * w + j]) > Math.abs(t[i * w + best])))
        best = j;
    if (best >= 0) pivot(t, n, w, basis, z, i, best);
  }
  // Phase 2: minimize b·y; artificials cost 0 and never enter again.
  const cost2 = new Float64Array(m + n);
  for (let j = 0; j < m; j++) cost2[j] = b[j];
  const z2 = reducedCosts(t, n, w, basis, cost2);
  const run2 = pivotToOptimum(t, n, w, basis, z2, m, () => refresh(t, t0, n, w, basis, z2, cost2));
  if (run2 === 'limit') return { status: 'limit' };
  if (run2 === 'unbounded') return { status: 'infeasible' }; // the dual unbounded below: no primal x
  const y = new Float64Array(m);
  for (let i = 0; i < n; i++) if (basis[i] < m) y[basis[i]] = t[i * w + rhs];
  // Multipliers π = c_Bᵀ B⁻¹, B⁻¹ being the artificial columns; x = sign · π.
  const x = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let p = 0;
    for (let i = 0; i < n; i++) p += cost2[basis[i]] * t[i * w + m + k];
    x[k] = sign[k] * p;
  }
  let value = 0;
  for (let k = 0; k < n; k++) value += c[k] * x[k];
  return { status: 'optimal', x, y, value };
}

/** The objective row: cost_j − Σ_i cost(basis_i)·t[i][j], and at the right-hand side −(the objective's value). */
function reducedCosts(
  t: Float64Array,
  n: number,
  w: number,
  basis: Int32Array,
  cost: Float64Array,
): Float64Array {
  const z = new Float64Array(w);
  z.set(cost);
  for (let i = 0; i < n; i++) {
    const cb = cost[basis[i]];
    if (cb === 0) continue;
    for (let j = 0; j < w; j++) z[j] -= cb * t[i * w + j];
  }
  return z;
}

/** Simplex pivots (minimizing) until no column among the first `enter` improves: 'optimal', 'unbounded' or 'limit'. */
function pivotToOptimum(
  t: Float64Array,
  n: number,
  w: number,
  basis: Int32Array,
  z: Float64Array,
  enter: number,
  refresh: () => boolean,
): 'optimal' | 'unbounded' | 'limit' {
  const rhs = w - 1;
  let degenerate = 0;
  const limit = 50 * (w + n) + 1000;
  let fresh = true;
  for (let iter = 0; iter < limit; iter++) {
    // Every REFRESH pivots, and before an answer, the tableau is computed afresh from its basis.
    if (iter > 0 && iter % REFRESH === 0) {
      if (!refresh()) return 'limit';
      fresh = true;
    }
    const bland = degenerate >= DEGENERATE_RUN;
    let col = -1;
    for (let j = 0; j < enter; j++) {
      if (z[j] >= -EPS) continue;
      if (bland) {
        col = j;
        break;
      }
      if (col < 0 || z[j] < z[col]) col = j;
    }
    if (col < 0) {
      if (fresh) return 'optimal';
      if (!refresh()) return 'limit';
      fresh = true;
      iter--;
      continue;
    }
    // Harris's two passes: the smallest ratio with each right-hand side relaxed by EPS, then, of the rows within
    // it, the largest pivot (Bland's: the lowest basic index). The smallest ratio alone, ties broken by index,
    // pivoted on elements near EPS: the tableau lost its precision over hundreds of pivots (Aᵀy off by 1, rows of
    // the answer missed by as much, in the clock fit's programs of 25 variables and 650 rows).
    let bound = Infinity;
    for (let i = 0; i < n; i++) {
      const a = t[i * w + col];
      if (a > PIVOT) bound = Math.min(bound, (Math.max(t[i * w + rhs], 0) + EPS) / a);
    }
    let row = -1;
    let ratio = Infinity;
    for (let i = 0; i < n; i++) {
      const a = t[i * w + col];
      if (a <= PIVOT || Math.max(t[i * w + rhs], 0) / a > bound) continue;
      if (row < 0 || (bland ? basis[i] < basis[row] : a > t[row * w + col])) {
        row = i;
        ratio = Math.max(t[i * w + rhs], 0) / a;
      }
    }
    if (row < 0) {
      if (fresh) return 'unbounded';
      if (!refresh()) return 'limit';
      fresh = true;
      iter--;
      continue;
    }
    degenerate = ratio <= EPS ? degenerate + 1 : 0;
    pivot(t, n, w, basis, z, row, col);
    fresh = false;
  }
  return 'limit';
}

function pivot(
  t: Float64Array,
  n: number,
  w: number,
  basis: Int32Array,
  z: Float64Array,
  row: number,
  col: number,
): void {
  const p = t[row * w + col];
  for (let j = 0; j < w; j++) t[row * w + j] /= p;
  for (let i = 0; i < n; i++) {
    if (i === row) continue;
    const f = t[i * w + col];
    if (f === 0) continue;
    for (let j = 0; j < w; j++) t[i * w + j] -= f * t[row * w + j];
    t[i * w + col] = 0;
  }
  const f = z[col];
  if (f !== 0) {
    for (let j = 0; j < w; j++) z[j] -= f * t[row * w + j];
    z[col] = 0;
  }
  basis[row] = col;
}

/**
 * The tableau computed afresh from its basis, B⁻¹ times the initial one (Gauss–Jordan with partial pivoting on B, the
 * basis's columns of it), and the objective row from it: what pivot after pivot has lost of its precision comes
 * back. False when B is singular (to working precision).
 */
function refresh(
  t: Float64Array,
  t0: Float64Array,
  n: number,
  w: number,
  basis: Int32Array,
  z: Float64Array,
  cost: Float64Array,
): boolean {
  // [B | t0], reduced to [I | B⁻¹ t0].
  const bw = n + w;
  const a = new Float64Array(n * bw);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) a[i * bw + k] = t0[i * w + basis[k]];
    a.set(t0.subarray(i * w, (i + 1) * w), i * bw + n);
  }
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * bw + k]) > Math.abs(a[p * bw + k])) p = i;
    if (!(Math.abs(a[p * bw + k]) > 1e-12)) return false;
    if (p !== k)
      for (let j = 0; j < bw; j++) {
        const x = a[k * bw + j];
        a[k * bw + j] = a[p * bw + j];
        a[p * bw + j] = x;
      }
    const d = a[k * bw + k];
    for (let j = k; j < bw; j++) a[k * bw + j] /= d;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const f = a[i * bw + k];
      if (f === 0) continue;
      for (let j = k; j < bw; j++) a[i * bw + j] -= f * a[k * bw + j];
    }
  }
  // Row k of B⁻¹ t0 belongs to basis[k]: tableau row k keeps basis[k].
  for (let k = 0; k < n; k++) t.set(a.subarray(k * bw + n, (k + 1) * bw), k * w);
  z.set(reducedCosts(t, n, w, basis, cost));
  return true;
}
