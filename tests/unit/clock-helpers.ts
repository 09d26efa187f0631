// Synthetic clock sets from known clocks (each packet's times on its two nodes' clocks, its flight causal), for the
// clock tests: the truth is known, so every estimate can be checked against it.

import { ClockBounds, type ClockEstimate } from '../../main/correlate/clockSkew.ts';

/** A node's true clock: it reads t + c + r·t at reference time t. */
export interface Truth {
  c: number;
  r: number;
}

/** A packet u → v that left at reference time `s` and took `flight` ns, as each node's clock stamped it. */
export function send(b: ClockBounds, truth: Truth[], u: number, v: number, s: number, flight: number): void {
  const on = (n: number, t: number) => t + truth[n].c + truth[n].r * t;
  b.add(u, v, on(u, s), on(v, s + flight));
}

/** How far the estimate's line is from the truth at its anchor and at either end of its span (ns). */
export function errorNs(e: ClockEstimate, t: Truth): number {
  if (!e.rate) return Math.abs(e.offsetNs - t.c);
  const r = e.rate;
  return Math.max(
    ...[r.atNs, r.fromNs, r.toNs].map((x) =>
      Math.abs(e.offsetNs + r.ppm * 1e-6 * (x - r.atNs) - (t.c + t.r * x)),
    ),
  );
}

export function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/**
 * Reference a; b drifting, c steady. a → b packets take 1 µs and b → a 21 µs, so a's bounds put b's line within
 * [−21, 1] µs of the truth; a → c 21 µs and c → a 1 µs put c within [−1, 21] µs; b ↔ c packets take 1 µs each way:
 * b − c within [−1, 1] µs. (`jitter`: up to that much more on each flight.) Packets every 0.5 s for 10 s.
 */
export function triangle(
  b: ClockBounds,
  truth: Truth[],
  [a, bn, c]: number[],
  s: number,
  jitter: () => number = () => 0,
): void {
  send(b, truth, a, bn, s, 1_000 + jitter());
  send(b, truth, bn, a, s, 21_000 + jitter());
  send(b, truth, a, c, s, 21_000 + jitter());
  send(b, truth, c, a, s, 1_000 + jitter());
  send(b, truth, bn, c, s, 1_000 + jitter());
  send(b, truth, c, bn, s, 1_000 + jitter());
}

/**
 * 1 + 2k nodes: the reference and k triangles' (b, c) pairs on it (drifting b at 20 to 100 ppm either way, seconds
 * off), wide random links between any two nodes (30 to 80 µs each way), and a last node drifting beside the last c.
 */
export function stuckSet(
  pairs: number,
  seed: number,
): { nodes: string[]; bounds: ClockBounds; truth: Truth[] } {
  const rnd = seeded(seed);
  const n = 2 + 2 * pairs;
  const truth: Truth[] = Array.from({ length: n }, (_, i) => ({
    c: i === 0 ? 0 : (rnd() - 0.5) * 2e9,
    r: i % 2 === 1 ? (rnd() < 0.5 ? -1 : 1) * (20 + rnd() * 80) * 1e-6 : 0,
  }));
  const bounds = new ClockBounds(n);
  for (let i = 0; i <= 20; i++) {
    const s = i * 0.5e9;
    for (let k = 1; k <= pairs; k++) triangle(bounds, truth, [0, 2 * k - 1, 2 * k], s, () => rnd() * 300);
    for (let k = 0; k < 6; k++) {
      const u = Math.floor(rnd() * n);
      const v = Math.floor(rnd() * n);
      if (u === v) continue;
      send(bounds, truth, u, v, s + rnd() * 1e8, 30_000 + rnd() * 50_000);
      send(bounds, truth, v, u, s + rnd() * 1e8, 30_000 + rnd() * 50_000);
    }
    send(bounds, truth, n - 2, n - 1, s, 3_000 + rnd() * 2_000);
    send(bounds, truth, n - 1, n - 2, s, 3_000 + rnd() * 2_000);
  }
  return { nodes: Array.from({ length: n }, (_, i) => `n${i}`), bounds, truth };
}
