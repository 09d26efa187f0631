// What the UI does with the API: open sessions and load their packets into the columnar store in chunks,
// follow live batches and session changes, select packets/journeys, nodes, capture, lab. Components call these.

import type {
  HopscopeApi,
  HostKeyPrompt,
  LoginPrompt,
  OpenRange,
  PacketBatch,
  Result,
  SessionInfo,
  SessionProgress,
} from '../../preload/api.ts';
import { AppStore, lateJoiners, pushRates, tickCaptured, type AppState } from './store/appStore.ts';
import { PacketStore } from './store/packetStore.ts';
import { SummaryCache } from './store/summaryCache.ts';
import { dropFiles, type DropItem } from './lib/droppedFiles.ts';

/** How packets are loaded (tests use small numbers to exercise many chunks). */
export interface LoadOptions {
  /**
   * Rows per request while loading (up to 22 bytes a row on the wire), up to `inFlight` requests at once.
   * Every round trip crosses the server and, on a busy machine, waits for the CPU: with 100,000-row requests one
   * at a time, those waits were most of a million-row session's first view.
   */
  chunk: number;
  /**
   * Rows per request when only journeys changed (correlation done, a clock override) and the rows are held: the
   * user may be scrolling, and the browser receives each reply in one task, so smaller (1.1 MB).
   */
  refreshChunk: number;
  inFlight: number;
  /**
   * Rows stored per task: a reply is applied in slices with a yield between them, so no task grows long (storing
   * is ~4 ms per 250,000 rows; each slice also re-renders the panes and redraws the timeline once), the browser
   * paints as panes fill, and a pane asks for its summaries as soon as its first rows are in.
   */
  applySlice: number;
  /** Summaries asked for with each pane's first rows, before the pane renders them (a tall pane shows ~50 + 20). */
  prefetchSummaries: number;
}

const DEFAULT_LOAD: LoadOptions = {
  chunk: 250_000,
  refreshChunk: 50_000,
  inFlight: 2,
  applySlice: 125_000,
  prefetchSummaries: 100,
};

export class Controller {
  readonly packets = new PacketStore();
  readonly summaries: SummaryCache;
  private loadToken = 0;
  /** The rows revision of what the packet store holds: a session change with the same one refreshes in place. */
  private loadedRows = { id: '', rowsRevision: 0 };
  /** True while an open request is pending (its progress events have no session id we know yet). */
  private opening = false;
  private unsubs: (() => void)[] = [];
  /** The running capture this page started or showed (its live session id), so it is attached to once. */
  private knownCapture = '';
  /** True while reloadPackets runs; live rows past those held (behindUntil) are fetched when it ends. */
  private loadingRows = false;
  private behindUntil = 0;
  private catchingUp = false;
  /** True while this page stops the capture (it shows the folder itself: the last counters must not). */
  private stopping = false;

  private readonly load: LoadOptions;

  constructor(
    readonly api: HopscopeApi,
    readonly store: AppStore,
    load: Partial<LoadOptions> = {},
  ) {
    this.summaries = new SummaryCache(api);
    this.load = { ...DEFAULT_LOAD, ...load };
  }

  start(): void {
    const { api, store } = this;
    this.unsubs.push(
      api.onPacketBatch((b) => {
        if (b.sessionId !== store.get().session?.id || this.packets.apply(b)) return;
        // New rows past those held: sent while this page was still loading the session's rows (it was opened
        // mid-capture), or lost. They are fetched once the load is done.
        this.behindUntil = Math.max(this.behindUntil, b.from + b.capture.length);
        if (!this.loadingRows) void this.catchUp(b.sessionId);
      }),
      api.onSessionChanged((s) => this.sessionChanged(s)),
      api.onSessionProgress((p) => {
        const cur = this.store.get().session;
        if (!(this.opening || cur?.id === p.sessionId)) return;
        const secs = (p.elapsedMs / 1000).toFixed(1);
        if (p.phase === 'reading')
          this.store.set({
            loading: `Reading ${p.title}… ${Math.floor((100 * p.done) / Math.max(1, p.total))} % (${secs} s)`,
          });
        else if (p.phase === 'correlating')
          this.store.set({ loading: `Correlating ${p.title}: ${correlatingStep(p)} (${secs} s)` });
        else if (p.phase === 'failed' && cur?.id === p.sessionId)
          this.store.set({
            loading: null,
            error: {
              code: 'INTERNAL',
              message: `journeys could not be computed: ${p.message ?? 'unknown error'}`,
            },
          });
      }),
      api.onHostKeyPrompt((p) => this.addHostKeyPrompts([p])),
      // Answered here or in another page, or given up: it goes from every page.
      api.onHostKeyPromptClosed(({ promptId }) =>
        store.set((st) => ({ hostKeyPrompts: st.hostKeyPrompts.filter((p) => p.promptId !== promptId) })),
      ),
      api.onLoginPrompt((p) => this.addLoginPrompts([p])),
      // Answered here or in another page, cancelled, or given up: it goes from every page.
      api.onLoginPromptClosed(({ promptId }) => this.dropLoginPrompt(promptId)),
      api.onNodeStatus((event) =>
        store.set((st) => {
          const { renamedFrom, ...n } = event;
          // Its card, or (a rename the list does not show yet) the card of the name it had; else a new one.
          let at = st.nodes.findIndex((x) => x.name === n.name);
          if (at < 0 && renamedFrom !== undefined) at = st.nodes.findIndex((x) => x.name === renamedFrom);
          return { nodes: at >= 0 ? st.nodes.map((x, i) => (i === at ? n : x)) : [...st.nodes, n] };
        }),
      ),
      api.onCaptureStats((s) => {
        store.set((st) => ({
          stats: s,
          rates: pushRates(st.rates, st.stats, s),
          // A late node's interfaces its glob picked, ticked on its card once they capture.
          chosen: tickCaptured(st.chosen, st.stats, s),
        }));
        // A capture this page did not start or see yet (the page was reloaded, or is a second one): show it.
        if (s.running && s.sessionId !== this.knownCapture && !store.get().session)
          void this.attachCapture(s.sessionId);
        // The capture this page shows live was stopped elsewhere (another page): open its folder here too.
        const cur = store.get().session;
        if (!s.running && !this.stopping && cur?.live && cur.id === s.sessionId && cur.path)
          void this.open('The capture was stopped in another window: opening it…', () =>
            this.api.openPaths({ paths: [cur.path!], title: cur.title }),
          );
      }),
    );
    void api.appInfo().then((r) => r.ok && store.set({ info: r.value }));
    void this.refreshNodes();
    void this.refreshLab();
    // A question asked before this page loaded (a reload, a second page) is asked here too.
    void api.listLoginPrompts().then((r) => r.ok && this.addLoginPrompts(r.value));
    void api.listHostKeyPrompts().then((r) => r.ok && this.addHostKeyPrompts(r.value));
  }

  stop(): void {
    this.unsubs.splice(0).forEach((u) => u());
  }

  private fail(r: Result<unknown>): boolean {
    if (!r.ok) this.store.set({ error: r.error, loading: null });
    return !r.ok;
  }

  async openSample(): Promise<void> {
    await this.open('Opening the sample session…', () => this.api.openSample());
  }

  /** Opens files or folders; `range`: only a time range of their captures (OpenRange). */
  async openPaths(paths: string[], range?: OpenRange): Promise<void> {
    await this.open(
      range ? 'Opening a time range…' : 'Opening…',
      () => this.api.openPaths({ paths, ...(range ? { range } : {}) }),
      { paths },
    );
  }

  /** Opens a time range of what the last failed open (store.failedOpen) asked for: the same paths or drop. */
  async openRange(range: OpenRange): Promise<void> {
    const given = this.store.get().failedOpen;
    if (!given) return;
    if ('paths' in given) await this.openPaths(given.paths, range);
    else await this.openDropped(given.items, range);
  }

  /** Opens what was dropped: files, and a dropped folder's files (lib/droppedFiles.ts). */
  async openDropped(items: DropItem[], range?: OpenRange): Promise<void> {
    const label = range ? 'Reading dropped files for a time range…' : 'Reading dropped files…';
    await this.open(
      label,
      async () => {
        let files: { name: string; folder?: string; bytes: Uint8Array }[];
        try {
          files = await Promise.all(
            (await dropFiles(items)).map(async ({ file, folder }) => ({
              name: file.name,
              ...(folder === null ? {} : { folder }),
              bytes: new Uint8Array(await file.arrayBuffer()),
            })),
          );
        } catch (e) {
          return {
            ok: false,
            error: { code: 'FILE_NOT_FOUND', message: `a dropped file could not be read: ${String(e)}` },
          };
        }
        if (!files.length)
          return {
            ok: false,
            error: { code: 'SESSION_INVALID', message: 'nothing to open: the dropped folder holds no files' },
          };
        return this.api.openFiles({ files, ...(range ? { range } : {}) });
      },
      // The items, to be read and sent again for a time range (a File is a handle: nothing is held twice).
      { items },
    );
  }

  private async open(
    label: string,
    run: () => Promise<Result<SessionInfo>>,
    given: AppState['failedOpen'] = null,
  ): Promise<void> {
    this.store.set({ loading: label, error: null, failedOpen: null });
    this.opening = true;
    // A filter typed from now on is for what this opens (showSession keeps it).
    const filterAtOpen = this.store.get().journeyFilter;
    const r = await run().finally(() => (this.opening = false));
    if (!r.ok) this.store.set({ failedOpen: given });
    if (this.fail(r) || !r.ok) return;
    await this.showSession(r.value, filterAtOpen);
  }

  /** Stops showing the session; the back end releases its worker and files (a capture runs on until stopped). */
  async closeSession(): Promise<void> {
    const s = this.store.get().session;
    ++this.loadToken; // a load in progress stops at its next chunk
    this.store.set({ session: null, journeyView: null, loading: null });
    if (s) await this.api.closeSession({ sessionId: s.id });
  }

  /**
   * Makes `s` the current session and loads all its packets (chunked, so the UI keeps painting). `filterAtOpen`:
   * the journey filter as the open that gave `s` began (a filter typed since is kept; null: not from an open).
   */
  async showSession(s: SessionInfo, filterAtOpen: string | null = null): Promise<void> {
    this.summaries.reset(s.id);
    const { session: before, journeyFilter: filter } = this.store.get();
    // Typed while the files were opening (the filter then was `filterAtOpen`): meant for them.
    const typedSinceOpen = filterAtOpen !== null && filter !== filterAtOpen;
    this.store.set({
      session: s,
      journeyView: null,
      selectedPacket: -1,
      selectedJourney: -1,
      focusedCapture: 0,
      // Another session's filter would hide this one's journeys ("0 journeys" for a session of 120); one typed
      // after the open began is kept.
      journeyFilter: before?.id === s.id || typedSinceOpen ? filter : '',
      loading: s.live ? null : loadingLabel(s),
    });
    this.packets.reset(s.captures.length, s.live ? undefined : s.captures.map((c) => c.packets));
    this.behindUntil = 0;
    this.loadedRows = { id: s.id, rowsRevision: s.rowsRevision ?? 1 };
    this.applyClocks(s);
    // Files are read one after another, so each capture's packets are usually one run of indices, in capture
    // order: ask for the summaries of each run's first rows now, while the rows themselves are loading. A guess
    // only warms the cache: summaries are per index, so when rows interleave the cache simply holds lines the
    // panes do not show yet, and each batch's own first rows are asked for as it arrives.
    if (!s.live) this.summaries.prefetch(guessedFirstRows(s, this.load.prefetchSummaries));
    await this.reloadPackets(s);
  }

  /**
   * Loads (or, when the rows are the ones held and only journeys/clocks changed, refreshes in place) the
   * session's packets in chunks, each applied in slices with a yield between them: the UI paints meanwhile.
   */
  private async reloadPackets(s: SessionInfo): Promise<void> {
    const token = ++this.loadToken;
    this.loadingRows = true;
    try {
      await this.loadRows(s, token);
    } finally {
      if (token === this.loadToken) this.loadingRows = false;
    }
    // A live session grew while its rows were loading: the rows since come now (their batches were refused).
    if (token === this.loadToken && s.live) {
      this.behindUntil = Math.max(this.behindUntil, this.packets.count + 1);
      await this.catchUp(s.id);
    }
  }

  private async loadRows(s: SessionInfo, token: number): Promise<void> {
    const rowsRevision = s.rowsRevision ?? 1;
    const inPlace = this.loadedRows.id === s.id && this.loadedRows.rowsRevision === rowsRevision;
    if (this.packets.count > 0 && !s.live && !inPlace)
      this.packets.reset(
        s.captures.length,
        s.captures.map((c) => c.packets),
      );
    this.loadedRows = { id: s.id, rowsRevision };
    this.applyClocks(s);
    // Replies are applied in order while the next requests are already on their way.
    const heldBefore = this.packets.count;
    const chunk = inPlace && heldBefore >= s.packets ? this.load.refreshChunk : this.load.chunk;
    const inFlight: Promise<Result<PacketBatch>>[] = [];
    let next = 0;
    const request = () => {
      const from = next;
      next += chunk;
      inFlight.push(this.api.getPackets({ sessionId: s.id, from, count: Math.min(chunk, s.packets - from) }));
    };
    while (next < s.packets && inFlight.length < this.load.inFlight) request();
    try {
      await this.applyReplies(token, inFlight, request, () => next < s.packets, heldBefore);
    } finally {
      // Slices stored silently (a refresh in place) are announced once, also when the load stops early.
      if (heldBefore > 0) this.packets.changed();
    }
    // While journeys are still being computed the progress line stays; the session change that ends it clears it.
    if (token === this.loadToken && !s.correlating) this.store.set({ loading: null });
  }

  /** Stores the replies of `inFlight` in order, in slices, asking for the next chunk as each one arrives. */
  private async applyReplies(
    token: number,
    inFlight: Promise<Result<PacketBatch>>[],
    request: () => void,
    more: () => boolean,
    heldBefore: number,
  ): Promise<void> {
    while (inFlight.length) {
      const r = await inFlight.shift()!;
      if (token !== this.loadToken) return;
      if (this.fail(r) || !r.ok) return;
      const b = r.value;
      // Only rows not held yet count: a refresh in place asks for none. Asked before the next chunk, so the
      // answer is not queued behind it.
      this.summaries.prefetch(firstRowsPerCapture(b, this.packets, this.load.prefetchSummaries));
      if (more()) request();
      for (let at = 0; at < b.capture.length; at += this.load.applySlice) {
        if (at > 0) {
          await yieldToBrowser();
          if (token !== this.loadToken) return;
        }
        // New rows show as they come; refreshed journey columns re-render the panes once, at the end.
        this.packets.apply(sliceBatch(b, at, this.load.applySlice), b.from + at >= heldBefore);
      }
    }
  }

  applyClocks(s: SessionInfo): void {
    const byNode = new Map(s.clocks.map((c) => [c.node, c]));
    // Drifting clocks share one anchor (the first packet seen on two nodes), as ns from the session's base.
    const anchor = s.clocks.find((c) => c.rate)?.rate?.atNs;
    const atNs = anchor ? Number(BigInt(anchor) - BigInt(s.baseNs)) : 0;
    this.packets.setCaptureClocks(
      s.captures.map((c) => byNode.get(c.node)?.offsetNs ?? 0),
      s.captures.map((c) => (byNode.get(c.node)?.rate?.ppm ?? 0) * 1e-6),
      atNs,
    );
  }

  selectPacket(index: number): void {
    if (index < 0 || index >= this.packets.count) return;
    const journey = this.packets.journey.data[index];
    this.store.set({
      selectedPacket: index,
      selectedJourney: journey,
      focusedCapture: this.packets.capture.data[index],
    });
    void this.loadJourney(journey);
  }

  /**
   * Shows a journey; the selected packet stays only if it is one of its hops (a packet of another journey kept
   * its highlight, its Packet tab and the keyboard's starting point).
   */
  selectJourney(journey: number, packet?: number): void {
    this.store.set((st) => ({
      selectedJourney: journey,
      journeyPicks: st.journeyPicks + 1,
      selectedPacket:
        packet ??
        (st.selectedPacket >= 0 &&
        st.selectedPacket < this.packets.count &&
        this.packets.journey.data[st.selectedPacket] === journey
          ? st.selectedPacket
          : -1),
      bottomTab: 'journey',
    }));
    void this.loadJourney(journey);
  }

  private async loadJourney(journey: number): Promise<void> {
    const s = this.store.get().session;
    if (!s || journey < 0) return this.store.set({ journeyView: null });
    if (this.store.get().journeyView?.id === journey) return;
    const r = await this.api.getJourney({ sessionId: s.id, journeyId: journey });
    if (this.store.get().selectedJourney !== journey) return;
    this.store.set({ journeyView: r.ok ? r.value : null, error: r.ok ? null : r.error });
  }

  /** The shown session's new info (sessionChanged, or a clock override's answer): refresh what it changed. */
  private sessionChanged(s: SessionInfo): void {
    const cur = this.store.get().session;
    if (!cur || s.id !== cur.id) return;
    const reload = s.revision !== cur.revision && !s.live;
    // Journeys are numbered in corrected time: after a clock override the selected number may be another
    // packet's journey. The selection follows its packet (or its journey's first one) instead.
    const anchor = reload ? this.selectionAnchor() : null;
    this.store.set({ session: s, journeyView: null });
    this.applyClocks(s);
    if (!reload) void this.loadJourney(this.store.get().selectedJourney);
    else void this.reloadPackets(s).then(() => this.followAnchor(anchor));
  }

  /** The selected packet, else the selected journey's first packet, with the journey as it was numbered. */
  private selectionAnchor(): { packet: number; journey: number } | null {
    const { selectedPacket, selectedJourney } = this.store.get();
    if (selectedJourney < 0) return null;
    const n = this.packets.count;
    const packet =
      selectedPacket >= 0 && selectedPacket < n
        ? selectedPacket
        : this.packets.journey.data.subarray(0, n).indexOf(selectedJourney);
    return packet >= 0 ? { packet, journey: selectedJourney } : null;
  }

  /** After the rows' journeys were refreshed: select the anchor's packet's journey (unless the user moved on). */
  private followAnchor(anchor: { packet: number; journey: number } | null): void {
    const { selectedJourney } = this.store.get();
    if (!anchor || selectedJourney !== anchor.journey || anchor.packet >= this.packets.count) {
      void this.loadJourney(selectedJourney);
      return;
    }
    const journey = this.packets.journey.data[anchor.packet];
    if (journey !== selectedJourney) this.store.set({ selectedJourney: journey });
    void this.loadJourney(journey);
  }

  /** Keyboard: move the selection within the focused pane. */
  /**
   * Moves the selection `delta` rows within the focused pane (±Infinity: to its first or last row). From the
   * selected packet when it is in this pane; else from this pane's row of the selected journey (highlighted
   * there); else from the row nearest the selected packet's time; else from the top.
   */
  moveSelection(delta: number): void {
    const { focusedCapture: c, selectedPacket, selectedJourney } = this.store.get();
    const n = this.packets.captureCount(c);
    if (!n) return;
    let pos = selectedPacket >= 0 ? this.packets.positionInCapture(c, selectedPacket) : -1;
    if (pos < 0 && selectedJourney >= 0) pos = this.packets.findJourneyInCapture(c, selectedJourney);
    let next: number;
    if (pos >= 0) next = pos + delta;
    else if (selectedPacket >= 0) {
      // The row at (or after) the selected packet's time is where the selection lands, moved by one less.
      const at = this.packets.positionAtTime(c, this.packets.timeOf(selectedPacket));
      next = at + (delta > 0 ? delta - 1 : delta);
    } else next = delta < 0 ? n - 1 : 0;
    if (delta === Infinity) next = n - 1;
    if (delta === -Infinity) next = 0;
    this.selectPacket(this.packets.packetOf(c, Math.max(0, Math.min(n - 1, next))));
  }

  async setClock(node: string, offsetNs: number | null): Promise<void> {
    const s = this.store.get().session;
    if (!s) return;
    const r = await this.api.setClockOverride({ sessionId: s.id, node, offsetNs });
    if (this.fail(r) || !r.ok) return;
    // The back end announces the new revision (sessionChanged) before it answers; if that has not come yet,
    // the answer does the same.
    if (r.value.revision !== this.store.get().session?.revision) this.sessionChanged(r.value);
  }

  /** A node action (connect, disconnect, remove): its refusal shows in the error banner; the cards refresh. */
  async nodeAction(action: Promise<Result<unknown>>): Promise<void> {
    this.fail(await action);
    await this.refreshNodes();
  }

  async refreshNodes(): Promise<void> {
    const r = await this.api.listNodes();
    if (!r.ok) return;
    // A removed node's interfaces leave the capture selection with it (Start would name a node that is gone).
    const names = new Set(r.value.map((n) => n.name));
    const chosen = this.store.get().chosen;
    const kept = new Set([...chosen].filter((k) => names.has(k.split('\u0000')[0])));
    this.store.set(kept.size === chosen.size ? { nodes: r.value } : { nodes: r.value, chosen: kept });
  }

  async refreshLab(): Promise<void> {
    const r = await this.api.labStatus();
    if (r.ok) this.store.set({ lab: r.value });
  }

  async answerHostKey(promptId: string, accept: boolean): Promise<void> {
    this.store.set((st) => ({ hostKeyPrompts: st.hostKeyPrompts.filter((p) => p.promptId !== promptId) }));
    await this.api.answerHostKey({ promptId, accept });
  }

  /** Adds login questions not held yet (an event and the list fetched at start may both bring one). */
  private addHostKeyPrompts(ps: HostKeyPrompt[]): void {
    this.store.set((st) => {
      const held = new Set(st.hostKeyPrompts.map((p) => p.promptId));
      return { hostKeyPrompts: [...st.hostKeyPrompts, ...ps.filter((p) => !held.has(p.promptId))] };
    });
  }

  private addLoginPrompts(ps: LoginPrompt[]): void {
    this.store.set((st) => {
      const held = new Set(st.loginPrompts.map((p) => p.promptId));
      return { loginPrompts: [...st.loginPrompts, ...ps.filter((p) => !held.has(p.promptId))] };
    });
  }

  private dropLoginPrompt(promptId: string): void {
    this.store.set((st) => ({ loginPrompts: st.loginPrompts.filter((p) => p.promptId !== promptId) }));
  }

  /**
   * Answers a login question (one answer per prompt), or cancels it (null). Refused when another page answered
   * first: its closing event clears it here anyway.
   */
  async answerLogin(promptId: string, answers: string[] | null): Promise<void> {
    this.dropLoginPrompt(promptId);
    await this.api.answerLogin({ promptId, answers });
  }

  /** Shows the running capture `id` (live), unless a session came to be shown meanwhile. */
  private async attachCapture(id: string): Promise<void> {
    this.knownCapture = id;
    const r = await this.api.getSession({ sessionId: id });
    if (r.ok && r.value.live && !this.store.get().session) await this.showSession(r.value);
  }

  /**
   * Fetches the live session's rows from those held up to behindUntil (and on, as long as more are there), one
   * fetch at a time: rows whose batches this page refused because it did not hold the rows before them.
   */
  private async catchUp(id: string): Promise<void> {
    if (this.catchingUp) return;
    this.catchingUp = true;
    try {
      while (this.store.get().session?.id === id && this.packets.count < this.behindUntil) {
        const from = this.packets.count;
        const r = await this.api.getPackets({ sessionId: id, from, count: this.load.chunk });
        if (!r.ok || this.store.get().session?.id !== id || r.value.capture.length === 0) break;
        this.packets.apply(r.value);
        if (r.value.capture.length === this.load.chunk)
          this.behindUntil = Math.max(this.behindUntil, this.packets.count + 1);
      }
    } finally {
      this.catchingUp = false;
    }
  }

  async startCapture(
    filter: string,
    snaplen: number,
    opts: { followTunnels?: boolean; delivery?: 'buffered' | 'immediate' } = {},
  ): Promise<void> {
    const targets = [...this.store.get().chosen].map((k) => {
      const [node, iface] = k.split('\u0000');
      return { node, iface };
    });
    this.store.set({ error: null, stats: null, rates: new Map() });
    // The globs pick the interfaces of the nodes that join once they are up (lateJoiners), if any.
    const { nodes, chosen, globs } = this.store.get();
    const selectors = lateJoiners(nodes, chosen, globs).length ? { selectors: globs } : {};
    // Followed while capturing: a new pod's veth matching `veth*` is captured too (the capture follows only the
    // patterns among them, followSelectors; an exact name never widens).
    const follow = globs;
    this.store.set({ following: follow });
    const r = await this.api.startCapture({
      targets,
      filter,
      snaplen,
      excludeSsh: true,
      follow,
      ...selectors,
      ...opts,
    });
    if (this.fail(r) || !r.ok) return;
    this.knownCapture = r.value.id;
    await this.showSession(r.value);
  }

  async stopCapture(): Promise<void> {
    this.store.set({ loading: 'Stopping capture and correlating…' });
    this.stopping = true;
    const r = await this.api.stopCapture().finally(() => (this.stopping = false));
    if (this.fail(r) || !r.ok) return;
    await this.showSession(r.value);
  }
}

function loadingLabel(s: SessionInfo): string {
  return s.correlating
    ? `Correlating ${s.title}: packets first, journeys and clocks follow…`
    : 'Loading packets…';
}

/**
 * Global indices of the rows in `b` that will be among the first `n` of their capture (pane) once `b` is stored
 * after what `store` holds: the rows a pane shows first when it opens at the top.
 */
export function firstRowsPerCapture(b: PacketBatch, store: PacketStore, n: number): number[] {
  // Rows still wanted per capture, + 1 (0: not looked up yet): a typed-array lookup per row, ~1 ms a million.
  const left = new Int32Array(65536);
  const out: number[] = [];
  for (let i = Math.max(0, store.count - b.from); i < b.capture.length; i++) {
    const c = b.capture[i];
    if (left[c] === 0) left[c] = Math.max(0, n - store.captureCount(c)) + 1;
    if (left[c] > 1) {
      out.push(b.from + i);
      left[c]--;
    }
  }
  return out;
}

/** The first `n` indices of each capture's run, if captures are runs of indices in capture order. */
export function guessedFirstRows(s: SessionInfo, n: number): number[] {
  const out: number[] = [];
  let start = 0;
  for (const c of [...s.captures].sort((a, b) => a.index - b.index)) {
    for (let i = 0; i < Math.min(n, c.packets); i++) out.push(start + i);
    start += c.packets;
  }
  return out;
}

/** Rows [at, at + n) of a batch, as views (the store copies them). */
export function sliceBatch(b: PacketBatch, at: number, n: number): PacketBatch {
  if (at === 0 && n >= b.capture.length) return b;
  const end = Math.min(b.capture.length, at + n);
  return {
    sessionId: b.sessionId,
    from: b.from + at,
    capture: b.capture.subarray(at, end),
    tsNs: b.tsNs.subarray(at, end),
    length: b.length.subarray(at, end),
    journey: b.journey.subarray(at, end),
    hop: b.hop.subarray(at, end),
    proto: b.proto.subarray(at, end),
    status: b.status.subarray(at, end),
  };
}

/** Ends the current task and resumes in a new one, so the browser can paint and handle input in between. */
function yieldToBrowser(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

/** What the correlation is doing, for the loading line. */
export function correlatingStep(p: SessionProgress): string {
  if (p.stage === 'reading')
    return `reading and decoding ${Math.floor((100 * p.done) / Math.max(1, p.total))} %…`;
  if (p.stage === 'grouping') return 'grouping each node’s packets…';
  if (p.stage === 'linking') return 'linking journeys across nodes, estimating clocks…';
  return 'packets first, journeys and clocks follow…';
}
