// UI state outside React (session, selection, theme, nodes, capture): a tiny external store read with
// useSyncExternalStore, so a packet batch or a selection change re-renders only what reads the changed slice.

import { useSyncExternalStore } from 'react';

import type {
  AppInfo,
  CaptureStats,
  ErrorData,
  ExportFormat,
  ExportResult,
  HostKeyPrompt,
  LoginPrompt,
  JourneyView,
  LabStatus,
  NodeInfo,
  SessionInfo,
} from '../../../preload/api.ts';
import type { DropItem } from '../lib/droppedFiles.ts';

export type Theme = 'light' | 'dark';
export type BottomTab = 'journey' | 'packet' | 'clocks' | 'export';

/** The Export tab's form and its last outcome: kept here so that they survive a look at another tab. */
export interface ExportForm {
  format: ExportFormat;
  scope: 'all' | 'journey' | 'range' | 'listed';
  corrected: boolean;
  path: string;
  /** The session an export is running for, or null. */
  busyFor: string | null;
  /** The last export's outcome, with the session it was for (shown only while that session is open). */
  outcome: {
    sessionId: string;
    result: ExportResult | null;
    error: string | null;
    /** The path given exists: the next Export replaces it once the user says so. */
    exists: boolean;
  } | null;
}

export interface AppState {
  info: AppInfo | null;
  session: SessionInfo | null;
  loading: string | null;
  error: ErrorData | null;
  /**
   * What the open that failed with `error` opened (paths, or the dropped items): a TOO_MANY_PACKETS error offers
   * to open a time range of the same (ErrorBanner, Controller.openRange).
   */
  failedOpen: { paths: string[] } | { items: DropItem[] } | null;
  /** Selected packet (global index) and its journey. */
  selectedPacket: number;
  selectedJourney: number;
  /**
   * Counts journey selections (the list, ↑/↓, a pane's double click), the selected one picked again too: the
   * timeline brings the journey's lanes into view on each, where a new journeyView alone missed a reselection.
   */
  journeyPicks: number;
  /** Capture whose pane has the keyboard. */
  focusedCapture: number;
  bottomTab: BottomTab;
  theme: Theme;
  nodes: NodeInfo[];
  hostKeyPrompts: HostKeyPrompt[];
  /** Login questions open on the back end, oldest first (the dialog asks the first; the rest wait their turn). */
  loginPrompts: LoginPrompt[];
  /** Interfaces chosen for capture, as "node\u0000iface". */
  chosen: Set<string>;
  /**
   * Globs selected with (and not cleared since): on a node whose interfaces are not listed yet (connecting,
   * unreachable) they pick what it captures when it joins the running capture (CaptureRequest.selectors); while
   * capturing, interfaces that appear later and match one of the patterns among them are captured too (follow).
   */
  globs: string[];
  /** The globs the capture started last follows (Start's `follow`): what it waits for while it captures nothing. */
  following: string[];
  stats: CaptureStats | null;
  /** Counter history per "node/iface" for sparklines (packets/s samples). */
  rates: Map<string, number[]>;
  lab: LabStatus | null;
  journeyFilter: string;
  /** Hops of the selected journey (fetched when the selection changes). */
  journeyView: JourneyView | null;
  /** The timeline's visible time range (ns, clock-corrected, relative to the session base), for range exports. */
  visibleRange: [number, number] | null;
  exportForm: ExportForm;
}

type Listener = () => void;

export class AppStore {
  private state: AppState;
  private listeners = new Set<Listener>();

  constructor(initial?: Partial<AppState>) {
    const dark = typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
    this.state = {
      info: null,
      session: null,
      loading: null,
      error: null,
      failedOpen: null,
      selectedPacket: -1,
      selectedJourney: -1,
      journeyPicks: 0,
      focusedCapture: 0,
      bottomTab: 'journey',
      theme: dark ? 'dark' : 'light',
      nodes: [],
      hostKeyPrompts: [],
      loginPrompts: [],
      chosen: new Set(),
      globs: [],
      following: [],
      stats: null,
      rates: new Map(),
      lab: null,
      journeyFilter: '',
      journeyView: null,
      visibleRange: null,
      exportForm: { format: 'pcapng', scope: 'all', corrected: true, path: '', busyFor: null, outcome: null },
      ...initial,
    };
  }

  get = (): AppState => this.state;

  set(patch: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void {
    const p = typeof patch === 'function' ? patch(this.state) : patch;
    this.state = { ...this.state, ...p };
    this.listeners.forEach((l) => l());
  }

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  };
}

export function useApp<T>(store: AppStore, pick: (s: AppState) => T): T {
  return useSyncExternalStore(store.subscribe, () => pick(store.get()));
}

export const ifaceKey = (node: string, iface: string) => `${node}\u0000${iface}`;

/** Turns a glob (`cali*`, `flannel.?`) into a whole-name RegExp; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Node states whose node a glob takes into the capture (the back end's capturePlan: connected, or tried). */
const TRIED = new Set<NodeInfo['state']>(['connecting', 'hostkey', 'login', 'connected', 'error', 'lost']);

/**
 * With nothing ticked, the globs a capture can wait for: patterns (`node-1:veth*`, `cali*`: followed while
 * capturing; an exact name never is) naming a node whose interfaces are listed (`nodes`: those nodes). Start then
 * captures nothing at first and takes up what they match as it comes up (a new pod's veth), as `hopscope capture`
 * does with a glob matching nothing yet. Empty when something is ticked: the globs then widen that capture.
 */
export function waitingGlobs(
  nodes: NodeInfo[],
  chosen: Set<string>,
  globs: string[],
): { globs: string[]; nodes: string[] } {
  if (chosen.size) return { globs: [], nodes: [] };
  const listed = nodes.filter((n) => n.interfaces.length > 0 && TRIED.has(n.state));
  const named = (g: string) =>
    listed.filter((n) => globToRegExp(g.includes(':') ? g.split(':')[0] : '*').test(n.name));
  const waiting = globs.filter((g) => /[*?]/.test(g.split(':').pop()!) && named(g).length > 0);
  return { globs: waiting, nodes: [...new Set(waiting.flatMap((g) => named(g).map((n) => n.name)))] };
}

/**
 * Nodes that join the capture when they are up, with the globs that pick their interfaces then: those with no
 * interface listed (never connected yet) and none chosen, that a glob names (`node-2:eth*`, or `cali*`: any).
 */
export function lateJoiners(
  nodes: NodeInfo[],
  chosen: Set<string>,
  globs: string[],
): { node: string; globs: string[] }[] {
  const withChosen = new Set([...chosen].map((k) => k.split('\u0000')[0]));
  return nodes.flatMap((n) => {
    if (withChosen.has(n.name) || n.interfaces.length > 0 || !TRIED.has(n.state)) return [];
    const mine = globs.filter((g) => globToRegExp(g.includes(':') ? g.split(':')[0] : '*').test(n.name));
    return mine.length ? [{ node: n.name, globs: mine.map((g) => g.split(':').pop()!) }] : [];
  });
}

/**
 * The capture selection with the interfaces a running capture took up since its counters `prev` ticked: what a
 * glob picked on a node that joined late (or, followed, on an interface that appeared) shows ticked in that node's
 * tree, as what was chosen by hand does, and a next Start captures it again. Each is ticked once, when it first
 * shows in the counters: one the user unticks meanwhile stays unticked. `chosen` itself when nothing is new.
 */
export function tickCaptured(
  chosen: Set<string>,
  prev: CaptureStats | null,
  next: CaptureStats,
): Set<string> {
  const seen = new Set(
    prev?.sessionId === next.sessionId ? prev.counters.map((c) => ifaceKey(c.node, c.iface)) : [],
  );
  const added = next.counters
    .map((c) => ifaceKey(c.node, c.iface))
    .filter((k) => !seen.has(k) && !chosen.has(k));
  return added.length ? new Set([...chosen, ...added]) : chosen;
}

/** Records a counter sample: keeps the last 30 packets/s values per interface for the sparklines. */
export function pushRates(
  prev: Map<string, number[]>,
  prevStats: CaptureStats | null,
  next: CaptureStats,
): Map<string, number[]> {
  const out = new Map(prev);
  const dt = prevStats ? Math.max(1, next.elapsedMs - prevStats.elapsedMs) / 1000 : 1;
  for (const c of next.counters) {
    const key = `${c.node}/${c.iface}`;
    const before = prevStats?.counters.find((p) => p.node === c.node && p.iface === c.iface)?.packets ?? 0;
    const series = [...(out.get(key) ?? []), Math.max(0, (c.packets - before) / dt)].slice(-30);
    out.set(key, series);
  }
  return out;
}
