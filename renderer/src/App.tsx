// The window: top bar, sources sidebar (nodes, interfaces, lab), capture bar, timeline, interface panes, and a
// bottom area (journey ladder, packet detail, clocks, export). Keyboard: ↑/↓ move, Enter opens the journey, / filters.

import { useEffect, useLayoutEffect, useRef, useState } from 'react';

import { CaptureBar } from './components/CaptureBar.tsx';
import { ClocksPanel } from './components/ClocksPanel.tsx';
import { ExportPanel } from './components/ExportPanel.tsx';
import { HostKeyDialog } from './components/HostKeyDialog.tsx';
import { LoginDialog } from './components/LoginDialog.tsx';
import { JourneyPanel } from './components/JourneyPanel.tsx';
import { LabPanel } from './components/LabPanel.tsx';
import { NodesPanel } from './components/NodesPanel.tsx';
import { PacketDetail } from './components/PacketDetail.tsx';
import { Panes } from './components/Panes.tsx';
import { SPLITTER_PX, Splitter } from './components/Splitter.tsx';
import { Timeline } from './components/Timeline.tsx';
import { useAppState, useController, usePacketsVersion } from './context.ts';
import type { BottomTab } from './store/appStore.ts';
import { clockTroubleOf } from './lib/clockTrouble.ts';
import { plural, rangeLabel } from './lib/format.ts';
import { ErrorBanner } from './components/ErrorBanner.tsx';
import { dropItems } from './lib/droppedFiles.ts';

export function App() {
  const ctl = useController();
  const theme = useAppState((s) => s.theme);
  const session = useAppState((s) => s.session);
  const loading = useAppState((s) => s.loading);
  const [dragging, setDragging] = useState(false);

  // A layout effect: it runs before every component's passive effects, so the timeline's redraw for a new theme
  // reads the new theme's colours (a passive one ran after the children's: the canvas kept the old colours).
  useLayoutEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target instanceof HTMLElement ? e.target : null;
      const typing =
        !!t &&
        (t.tagName === 'INPUT' ||
          t.tagName === 'TEXTAREA' ||
          t.tagName === 'SELECT' ||
          t.isContentEditable ||
          !!t.closest('.monaco-editor'));
      if (typing) return;
      // The packet detail's own keys (arrows and Home/End scroll its tree, Enter and Space pick a layer or field)
      // never move the packet selection out from under it; / still goes to the journey filter.
      if (t?.closest('[data-testid=packet-detail]') && e.key !== '/') return;
      // So are the hop ladder's: ↑/↓ step through the journey's hops (not the rows of the focused pane).
      if (t?.closest('[data-testid=hop-ladder]') && e.key !== '/') return;
      // Enter and Space on a button, link or disclosure are that control's own (Enter chose the journey and
      // switched tabs before the button's click: an Export or an Apply was lost).
      if ((e.key === 'Enter' || e.key === ' ') && t?.closest('button, a[href], summary, [role=tab]')) return;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        ctl.moveSelection(e.key === 'ArrowDown' ? 1 : -1);
      } else if (e.key === 'PageDown' || e.key === 'PageUp') {
        e.preventDefault();
        ctl.moveSelection(e.key === 'PageDown' ? 20 : -20);
      } else if (e.key === 'Home' || e.key === 'End') {
        e.preventDefault();
        ctl.moveSelection(e.key === 'End' ? Infinity : -Infinity);
      } else if (e.key === 'Enter') {
        const { selectedJourney, selectedPacket } = ctl.store.get();
        if (selectedJourney >= 0) ctl.selectJourney(selectedJourney, selectedPacket);
      } else if (e.key === '/') {
        e.preventDefault();
        ctl.store.set({ bottomTab: 'journey' });
        setTimeout(() => document.getElementById('journey-filter')?.focus(), 0);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [ctl]);

  return (
    <div
      className={`app${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        const items = dropItems(e.dataTransfer);
        if (items.length) void ctl.openDropped(items);
      }}
    >
      <TopBar />
      <ErrorBanner />
      {session?.notice ? (
        <div className="banner warn" role="status" data-testid="session-notice">
          {session.notice}
        </div>
      ) : null}
      <div className="body">
        <aside className="sidebar">
          <LabPanel />
          <NodesPanel />
        </aside>
        <main className="main">
          <CaptureBar />
          {loading ? (
            <div className="loading" data-testid="loading">
              <span className="spinner" /> {loading}
            </div>
          ) : null}
          {session ? <Workspace /> : <StartScreen />}
        </main>
      </div>
      <HostKeyDialog />
      <LoginDialog />
    </div>
  );
}

export function TopBar() {
  const ctl = useController();
  const info = useAppState((s) => s.info);
  const session = useAppState((s) => s.session);
  const theme = useAppState((s) => s.theme);
  usePacketsVersion();
  // While capturing, the count grows with every batch; otherwise the session says.
  const packets = session?.live ? ctl.packets.count : (session?.packets ?? 0);
  return (
    <header className="topbar">
      <span className="logo">◉ Hopscope</span>
      {session ? (
        <span className="session-title" data-testid="session-title" data-session={session.id}>
          {session.title} · {plural(session.captures.length, 'interface')} · {plural(packets, 'packet')} ·{' '}
          {plural(session.journeys, 'journey')}
          {session.live ? <span className="badge live">LIVE</span> : null}
          {session.range ? (
            <span
              className="badge range"
              data-testid="session-range"
              title="Opened as a time range of its captures: the packets captured in it (each by its own timestamp, before any clock correction)"
            >
              {rangeLabel(session.range)}
            </span>
          ) : null}
        </span>
      ) : (
        <span className="session-title muted">no session</span>
      )}
      <span className="spacer" />
      {session ? <button onClick={() => ctl.closeSession()}>Close</button> : null}
      <button
        onClick={() => ctl.store.set({ theme: theme === 'dark' ? 'light' : 'dark' })}
        aria-label="toggle theme"
      >
        {theme === 'dark' ? '☀ Light' : '☾ Dark'}
      </button>
      <span className="muted small">{info ? `${info.mode} · v${info.version}` : ''}</span>
    </header>
  );
}

function StartScreen() {
  const ctl = useController();
  const info = useAppState((s) => s.info);
  const [paths, setPaths] = useState('');
  return (
    <div className="start" data-testid="start">
      <h2>See one packet cross every interface of every node.</h2>
      <div className="start-cards">
        <div className="card">
          <h3>Sample session</h3>
          <p className="muted">
            A ping between pods on two nodes over flannel VXLAN, recorded from the local lab: eight
            interfaces, real bytes.
          </p>
          <button
            className="primary"
            disabled={info ? !info.sampleAvailable : false}
            onClick={() => void ctl.openSample()}
            data-testid="open-sample"
          >
            Open the sample
          </button>
        </div>
        <div className="card">
          <h3>Open captures</h3>
          <p className="muted">
            A session folder, or pcap/pcapng files (<span className="mono">node-1__ens33.pcap</span> labels
            itself; <span className="mono">node-1:ens33=/path/file.pcap</span> labels any file). Or drop files
            here.
          </p>
          <textarea
            rows={3}
            placeholder="/path/to/session-folder&#10;node-1:ens33=/tmp/a.pcap"
            value={paths}
            onChange={(e) => setPaths(e.target.value)}
            aria-label="paths to open"
          />
          <button
            onClick={() =>
              void ctl.openPaths(
                paths
                  .split('\n')
                  .map((p) => p.trim())
                  .filter(Boolean),
              )
            }
            disabled={!paths.trim()}
            data-testid="open-paths"
          >
            Open
          </button>
        </div>
        <div className="card">
          <h3>Capture live</h3>
          <p className="muted">
            Add nodes on the left (an ssh-config alias or host/user/port), tick interfaces, then Start.
          </p>
        </div>
      </div>
    </div>
  );
}

const TABS: { id: BottomTab; label: string }[] = [
  { id: 'journey', label: 'Journey' },
  { id: 'packet', label: 'Packet' },
  { id: 'clocks', label: 'Clocks' },
  { id: 'export', label: 'Export' },
];

/** The dividers' places, kept across sessions and restarts (px; null: the stylesheet's default). */
interface Layout {
  timeline: number | null;
  bottom: number | null;
}
const LAYOUT_KEY = 'hopscope.layout';
/** The timeline and the bottom area keep this much each (px); the panes keep panesMin. */
const AREA_MIN = 60;
/** Lanes the timeline keeps in view below its tool row and axis (which stay at its top), of Timeline's 22 px. */
const TIMELINE_MIN_LANES = 2;
const LANE_PX = 22;

/** What the panes keep of the window: a head and a line or two of packets per node's row, 120 px at least. */
function panesMin(nodes: number): number {
  return Math.max(120, nodes * 48);
}

function savedLayout(): Layout {
  try {
    const v = JSON.parse(localStorage.getItem(LAYOUT_KEY) ?? 'null') as Partial<Layout> | null;
    const px = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : null);
    return { timeline: px(v?.timeline), bottom: px(v?.bottom) };
  } catch {
    return { timeline: null, bottom: null };
  }
}

function Workspace() {
  const ctl = useController();
  const tab = useAppState((s) => s.bottomTab);
  const clockTrouble = useAppState((s) => clockTroubleOf(s.session?.clocks ?? []));
  const ref = useRef<HTMLDivElement>(null);
  const [layout, setLayout] = useState<Layout>(savedLayout);
  const nodes = useAppState((s) => new Set(s.session?.captures.map((c) => c.node)).size);
  const minPanes = panesMin(nodes);
  const area = (sel: string) => ref.current?.querySelector<HTMLElement>(sel);
  const height = (sel: string) => area(sel)?.offsetHeight ?? 0;
  /** The timeline's height with all its lanes in view (its own scroll height and border: it is never taller). */
  const timelineFull = () => {
    const t = area('.timeline');
    return t ? t.scrollHeight + t.offsetHeight - t.clientHeight : Infinity;
  };
  const timelineBorder = () => {
    const t = area('.timeline');
    return t ? t.offsetHeight - t.clientHeight : 0;
  };
  // One area grows at the panes' expense, never below their minimum (nor below its own); the timeline no taller
  // than its lanes (what is stored is what shows).
  const resize = (which: keyof Layout, px: number | null) => {
    const total = ref.current?.clientHeight ?? 0;
    const other = height(which === 'timeline' ? '.bottom' : '.timeline');
    const room = total - other - minPanes - 2 * SPLITTER_PX;
    // The timeline's head does not scroll: it keeps a lane or two below it (or all it has), not only the head.
    const min =
      which === 'timeline'
        ? Math.min(
            timelineFull(),
            Math.max(AREA_MIN, height('.timeline-head') + TIMELINE_MIN_LANES * LANE_PX + timelineBorder()),
          )
        : AREA_MIN;
    const max = Math.max(min, which === 'timeline' ? Math.min(room, timelineFull()) : room);
    const next = {
      ...layout,
      [which]: px === null ? null : Math.round(Math.max(min, Math.min(max, px))),
    };
    setLayout(next);
    try {
      localStorage.setItem(LAYOUT_KEY, JSON.stringify(next));
    } catch {
      // storage refused (private mode): the layout lasts as long as the window
    }
  };
  // Stored sizes are what the user asked for; a smaller window shrinks them (CSS flex) before the panes' minimum.
  const vars: Record<string, string> = { '--panes-min': `${minPanes}px` };
  if (layout.timeline !== null) vars['--timeline-h'] = `${layout.timeline}px`;
  if (layout.bottom !== null) vars['--bottom-h'] = `${layout.bottom}px`;
  return (
    <div className="workspace" ref={ref} style={vars as React.CSSProperties}>
      <Timeline />
      <Splitter
        label="resize the timeline"
        testId="split-timeline"
        side={1}
        size={() => height('.timeline')}
        onResize={(px) => resize('timeline', px)}
        onReset={() => resize('timeline', null)}
      />
      <Panes />
      <Splitter
        label="resize the bottom area"
        testId="split-bottom"
        side={-1}
        size={() => height('.bottom')}
        onResize={(px) => resize('bottom', px)}
        onReset={() => resize('bottom', null)}
      />
      <div className="bottom">
        <nav className="tabs" role="tablist">
          {TABS.map((t) => (
            <button
              key={t.id}
              role="tab"
              aria-selected={tab === t.id}
              className={tab === t.id ? 'on' : ''}
              onClick={() => ctl.store.set({ bottomTab: t.id })}
              data-testid={`tab-${t.id}`}
            >
              {t.label}
              {t.id === 'clocks' && clockTrouble ? (
                <span className="warn" data-testid="clocks-warn" title={clockTrouble}>
                  {' '}
                  ⚠
                </span>
              ) : null}
            </button>
          ))}
        </nav>
        <div className="tab-body">
          {tab === 'journey' ? <JourneyPanel /> : null}
          {tab === 'packet' ? <PacketDetail /> : null}
          {tab === 'clocks' ? <ClocksPanel /> : null}
          {tab === 'export' ? <ExportPanel /> : null}
        </div>
      </div>
    </div>
  );
}
