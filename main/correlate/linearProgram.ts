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
// rule cannot cycle (in exact arithmetic, and with the ties below bent towards large pivots only nearly so; a pivot
// limit stops the rest: leaving by the largest pivot alone cycled on a 33-variable margin program). The ratio test is Harris's: of the rows
// within EPS of the smallest ratio, the largest pivot element leaves (under Bland's rule, the lowest index among those
// whose element is at least BLAND_SHARE of that largest). A pivot element under PIVOT_REL of its column's largest is
// refused and the next improving column tried: Bland's rule, by index alone, pivoted on elements of 1e-6 beside
// entries of 1 into singular bases, and about 8 % of the clock fit's band programs and 2 % of its rounds on synthetic
// 16-node sets had no answer. Only when every improving column's elements are that small is the largest of them
// (relative to its column) taken, from a fresh tableau and with the tableau computed afresh right after. Every
// REFRESH pivots, and before an answer (optimal or unbounded) is taken from it, the tableau is computed afresh from
// its basis (B⁻¹ times the initial tableau, by Gauss–Jordan elimination): pivot after pivot loses precision, and the
// clock fit's programs of 25 to 33 variables and hundreds of rows came back with rows missed and Aᵀy ≠ c. Basic
// variables left a little below 0 at the optimum (Harris's relaxation, rounding) are pivoted out by dual simplex
// steps.
//
// Every status is checked before it is given, to a relative 1e-7 or 1e-9: an optimal answer's certificate (x inside
// every row, y ≥ 0, Aᵀy = c, c·x = b·y); 'unbounded' by a ray d (A d ≤ 0, c·d > 0, from phase 1's multipliers) and a
// feasible x; 'infeasible' by Farkas's y (y ≥ 0, Aᵀy = 0, b·y < 0, from phase 2's ray). One that fails, or a basis
// found singular, is 'numerical': no answer rather than a wrong one, and nothing said about the program ('limit': the
// pivot limit was reached). Phase 1 is bounded below by 0: a column there whose elements are all rounding is no
// improving one, not a ray (taken for a ray, it stopped phase 1 short, and the program was said 'unbounded' where the
// rate cap bounds it).
//
// The caller scales the problem: coefficients and right-hand sides of order 1 to 1e6 (tolerances are absolute, but
// for the pivot elements').

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
  /** The pivot limit was reached: no answer. */
  | { status: 'limit' }
  /**
   * Precision lost (a singular basis, no pivot element large enough, an answer or a certificate of infeasibility or
   * unboundedness that failed its check): no answer, and nothing said about the program.
   */
  | { status: 'numerical' };

const EPS = 1e-9;
/** The smallest pivot element taken (the ratio test's). */
const PIVOT = 1e-7;
/** The smallest pivot element taken, relative to the largest of its column. */
const PIVOT_REL = 1e-3;
/** Below this (relative to the column's largest, or 1), an element is zero: a column without a larger one is a ray. */
const ZERO = 1e-9;
/** Under Bland's rule, the leaving row's element is at least this share of the largest among the ratio test's ties. */
const BLAND_SHARE = 0.1;
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
  if (dual.status === 'optimal') return proves(dual, c, rows, b) ? dual : { status: 'numerical' };
  if (dual.status !== 'dual-infeasible') return dual;
  // The dual has no feasible y (a ray of the primal, checked): the primal is unbounded, or infeasible. With c = 0 the
  // dual is feasible (y = 0) and the primal's objective bounded, so its answer says which.
  if (n === 0 || m === 0)
    return n === 0
      ? { status: 'optimal', x: new Float64Array(0), y: new Float64Array(m), value: 0 }
      : { status: 'unbounded' };
  const zero = new Float64Array(n);
  const check = solveDual(zero, rows, b);
  if (check.status === 'optimal')
    return proves(check, zero, rows, b) ? { status: 'unbounded' } : { status: 'numerical' };
  return check.status === 'dual-infeasible' ? { status: 'numerical' } : check;
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

/** Whether d is a ray of the primal, to a relative 1e-9: A d ≤ 0 on every row, and c·d > 0. */
function provesRay(d: Float64Array, c: ArrayLike<number>, rows: ArrayLike<number>[]): boolean {
  const n = c.length;
  let cd = 0;
  let cdSize = 0;
  for (let i = 0; i < n; i++) {
    cd += c[i] * d[i];
    cdSize += Math.abs(c[i] * d[i]);
  }
  if (!(cd > 1e-9 * cdSize) || cd <= 0) return false;
  for (const row of rows) {
    let lhs = 0;
    let size = 0;
    for (let i = 0; i < n; i++) {
      lhs += row[i] * d[i];
      size += Math.abs(row[i] * d[i]);
    }
    // Relative to c·d: the objective must grow faster than any row's rounding.
    if (lhs > 1e-9 * size) return false;
  }
  return true;
}

/** Whether dy ≥ 0 proves A x ≤ b infeasible (Farkas), to a relative 1e-9: Aᵀdy = 0 and b·dy < 0. */
function provesFarkas(dy: Float64Array, rows: ArrayLike<number>[], b: ArrayLike<number>): boolean {
  const n = rows.length > 0 ? rows[0].length : 0;
  const aty = new Float64Array(n);
  const size = new Float64Array(n);
  let by = 0;
  let bySize = 0;
  for (let j = 0; j < rows.length; j++) {
    if (dy[j] === 0) continue;
    by += b[j] * dy[j];
    bySize += Math.abs(b[j] * dy[j]);
    for (let i = 0; i < n; i++) {
      aty[i] += rows[j][i] * dy[j];
      size[i] += Math.abs(rows[j][i] * dy[j]);
    }
  }
  if (!(by < -1e-9 * bySize)) return false;
  // Aᵀdy's rounding times any x is to stay under −b·dy: each entry small against it and its own terms.
  for (let i = 0; i < n; i++) if (Math.abs(aty[i]) > 1e-9 * (size[i] + 1)) return false;
  return true;
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
  const run1 = pivotToOptimum(t, n, w, basis, z, m, () => refresh(t, t0, n, w, basis, z, cost1), false);
  // (Phase 1 is bounded below by 0 and reports no ray: any other end is a failure.)
  if (run1.status !== 'optimal') return { status: run1.status === 'limit' ? 'limit' : 'numerical' };
  if (-z[rhs] > EPS * scale) {
    // No y: the phase's multipliers π (≤ 1, Mᵀπ ≤ 0, |c|·π > 0) give d = sign · π with A d ≤ 0 and c·d > 0, a
    // direction along which c·x grows from any feasible x. Checked like an optimal answer.
    const d = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      let p = 0;
      for (let i = 0; i < n; i++) p += cost1[basis[i]] * t[i * w + m + k];
      d[k] = sign[k] * p;
    }
    return provesRay(d, c, rows) ? { status: 'dual-infeasible' } : { status: 'numerical' };
  }
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
  const run2 = pivotToOptimum(t, n, w, basis, z2, m, () => refresh(t, t0, n, w, basis, z2, cost2), true);
  if (run2.status === 'unbounded') {
    // The dual unbounded below along y + s·dy (dy ≥ 0, Aᵀdy = 0, b·dy < 0): no x has A x ≤ b (Farkas), if dy holds.
    const dy = new Float64Array(m);
    dy[run2.col] = 1;
    for (let i = 0; i < n; i++) {
      const a = -t[i * w + run2.col];
      if (basis[i] < m) dy[basis[i]] = Math.max(a, 0);
      else if (Math.abs(a) > 1e-9) return { status: 'numerical' }; // an artificial would move
    }
    return provesFarkas(dy, rows, b) ? { status: 'infeasible' } : { status: 'numerical' };
  }
  if (run2.status !== 'optimal') return { status: run2.status };
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

/** Simplex pivots (minimizing) until no column among the first `enter` improves. */
type Run = { status: 'optimal' | 'limit' | 'numerical' } | { status: 'unbounded'; col: number };

/**
 * Harris's ratio test on a column: the smallest ratio with each right-hand side relaxed by EPS (over every element above
 * `zero`, so that no basic variable goes below −EPS), then, of the rows within it, the largest pivot. -1 when that is
 * under `tol`: the column is refused rather than a small pivot taken.
 */
function ratioTest(
  t: Float64Array,
  n: number,
  w: number,
  col: number,
  zero: number,
  tol: number,
  bland: Int32Array | null,
): number {
  const rhs = w - 1;
  let bound = Infinity;
  for (let i = 0; i < n; i++) {
    const a = t[i * w + col];
    if (a > zero) bound = Math.min(bound, (Math.max(t[i * w + rhs], 0) + EPS) / a);
  }
  let row = -1;
  for (let i = 0; i < n; i++) {
    const a = t[i * w + col];
    if (a <= zero || Math.max(t[i * w + rhs], 0) / a > bound) continue;
    if (row < 0 || a > t[row * w + col]) row = i;
  }
  if (row < 0 || t[row * w + col] < tol) return -1;
  if (!bland) return row;
  // Bland's rule: of the rows within the bound whose element is large enough, the lowest basic index.
  const least = Math.max(tol, BLAND_SHARE * t[row * w + col]);
  for (let i = 0; i < n; i++) {
    const a = t[i * w + col];
    if (a >= least && Math.max(t[i * w + rhs], 0) / a <= bound && bland[i] < bland[row]) row = i;
  }
  return row;
}

function pivotToOptimum(
  t: Float64Array,
  n: number,
  w: number,
  basis: Int32Array,
  z: Float64Array,
  enter: number,
  refresh: () => boolean,
  rays: boolean,
): Run {
  const rhs = w - 1;
  let degenerate = 0;
  const limit = 50 * (w + n) + 1000;
  let fresh = true;
  let sinceRefresh = 0;
  const colMax = new Float64Array(enter);
  const tried = new Uint8Array(enter);
  for (let iter = 0; iter < limit; iter++) {
    // Every REFRESH pivots, after a small pivot, and before an answer, the tableau is computed afresh from its basis.
    if (sinceRefresh >= REFRESH) {
      if (!refresh()) return { status: 'numerical' };
      fresh = true;
      sinceRefresh = 0;
    }
    const bland = degenerate >= DEGENERATE_RUN;
    // The improving columns are tried in the rule's order (Bland's: by index; Dantzig's: the most negative reduced
    // cost first) until one has a pivot element large enough; `tried` marks the rest.
    tried.fill(0);
    const refused: number[] = [];
    let row = -1;
    let col = -1;
    let ray = -1;
    for (;;) {
      let j = -1;
      for (let k = 0; k < enter; k++) {
        if (z[k] >= -EPS || tried[k]) continue;
        if (bland) {
          j = k;
          break;
        }
        if (j < 0 || z[k] < z[j]) j = k;
      }
      if (j < 0) break;
      tried[j] = 1;
      let big = 0;
      let positive = 0;
      for (let i = 0; i < n; i++) {
        const a = t[i * w + j];
        big = Math.max(big, Math.abs(a));
        positive = Math.max(positive, a);
      }
      colMax[j] = big;
      // No element above rounding's (relative to the column's largest): a ray. Where the objective is bounded below
      // (phase 1) there is none: the column's reduced cost is its elements' rounding, and it is no improving one.
      if (positive <= ZERO * Math.max(1, big)) {
        if (!rays) continue;
        ray = j;
        break;
      }
      // A pivot element under PIVOT_REL of its column's largest is refused: pivots on such elements (Bland's rule's
      // first column by index, 1e-6 beside entries of 1) led to singular bases, and the next column is tried.
      row = ratioTest(
        t,
        n,
        w,
        j,
        ZERO * Math.max(1, big),
        Math.max(PIVOT, PIVOT_REL * big),
        bland ? basis : null,
      );
      if (row >= 0) {
        col = j;
        break;
      }
      refused.push(j);
    }
    // No pivot taken (optimal, a ray, or every improving column refused): decided only on a fresh tableau.
    if (col < 0 && !fresh) {
      if (!refresh()) return { status: 'numerical' };
      fresh = true;
      sinceRefresh = 0;
      iter--;
      continue;
    }
    if (col < 0 && ray < 0 && refused.length > 0) {
      // Every improving column's elements are small beside its largest (the tableau is fresh, so they are what they
      // seem): the largest of them, relative to its column, is taken, and the tableau refreshed after it.
      let best = 0;
      for (const j of refused) {
        const zero = ZERO * Math.max(1, colMax[j]);
        const i = ratioTest(t, n, w, j, zero, zero, null);
        if (i >= 0 && t[i * w + j] / colMax[j] > best) {
          best = t[i * w + j] / colMax[j];
          row = i;
          col = j;
        }
      }
      if (col < 0) return { status: 'numerical' };
      sinceRefresh = REFRESH; // the next iteration refreshes
    }
    if (col < 0) {
      // Optimal or a ray (the tableau is fresh).
      if (ray >= 0) return { status: 'unbounded', col: ray };
      // Optimal but for basic variables a little below 0 (what Harris's relaxation and rounding leave): a dual simplex
      // pivot on the lowest takes it out of the basis, keeping every reduced cost ≥ 0 (its row's most limiting
      // column enters), so that y ≥ 0 holds in the answer's check.
      let low = -1;
      for (let i = 0; i < n; i++)
        if (t[i * w + rhs] < -EPS && basis[i] < enter && (low < 0 || t[i * w + rhs] < t[low * w + rhs]))
          low = i;
      if (low < 0) return { status: 'optimal' };
      let big = 0;
      for (let j = 0; j < enter; j++) big = Math.max(big, Math.abs(t[low * w + j]));
      col = -1;
      for (let j = 0; j < enter; j++) {
        const a = t[low * w + j];
        if (a >= -Math.max(PIVOT, PIVOT_REL * big)) continue;
        if (col < 0 || Math.max(z[j], 0) / -a < Math.max(z[col], 0) / -t[low * w + col]) col = j;
      }
      if (col < 0) return { status: 'numerical' };
      row = low;
    }
    const ratio = Math.abs(Math.max(t[row * w + rhs], 0) / t[row * w + col]);
    degenerate = ratio <= EPS ? degenerate + 1 : 0;
    pivot(t, n, w, basis, z, row, col);
    fresh = false;
    sinceRefresh++;
  }
  return { status: 'limit' };
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
