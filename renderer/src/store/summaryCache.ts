// tcpdump one-liners for the rows on screen only: requested in one batch per animation frame, cached by index.

import type { HopscopeApi } from '../../../preload/api.ts';

const MAX_CACHED = 50_000;

export class SummaryCache {
  private cache = new Map<number, string>();
  private wanted = new Set<number>();
  private inFlight = new Set<number>();
  private sessionId = '';
  private scheduled = false;
  private listeners = new Set<() => void>();
  version = 0;

  constructor(private readonly api: HopscopeApi) {}

  reset(sessionId: string): void {
    this.sessionId = sessionId;
    this.cache.clear();
    this.wanted.clear();
    this.inFlight.clear();
    this.bump();
  }

  subscribe = (cb: () => void) => {
    this.listeners.add(cb);
    return () => void this.listeners.delete(cb);
  };
  getVersion = () => this.version;

  private bump(): void {
    this.version++;
    this.listeners.forEach((l) => l());
  }

  /** The summary if known; otherwise queues a fetch and returns undefined. */
  get(index: number): string | undefined {
    const s = this.cache.get(index);
    if (s !== undefined) return s;
    if (!this.inFlight.has(index)) {
      this.wanted.add(index);
      this.schedule();
    }
    return undefined;
  }

  /**
   * Asks now (not at the next frame) for summaries about to be shown: the first rows of each pane, requested as
   * soon as their batch arrives, so they travel while the rows are stored and the panes first render.
   */
  prefetch(indices: readonly number[]): void {
    for (const i of indices) if (!this.cache.has(i) && !this.inFlight.has(i)) this.wanted.add(i);
    if (this.wanted.size) void this.flush();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => void this.flush();
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(run);
    else setTimeout(run, 0);
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const indices = [...this.wanted].slice(0, 5000);
    indices.forEach((i) => {
      this.wanted.delete(i);
      this.inFlight.add(i);
    });
    if (!indices.length) return;
    const session = this.sessionId;
    const r = await this.api.getSummaries({ sessionId: session, indices });
    indices.forEach((i) => this.inFlight.delete(i));
    if (session !== this.sessionId) return;
    if (this.cache.size > MAX_CACHED) this.cache.clear();
    if (r.ok) indices.forEach((i, k) => this.cache.set(i, r.value[k]));
    else indices.forEach((i) => this.cache.set(i, `(${r.error.message})`));
    this.bump();
    if (this.wanted.size) this.schedule();
  }
}
