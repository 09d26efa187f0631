// Capture bar: BPF filter (Monaco) with presets, checked on the nodes before start (errors inline), snaplen,
// start/stop, elapsed time, and per-interface packet/drop counters with sparklines.

import { useEffect, useState } from 'react';
import { Line, LineChart, YAxis } from 'recharts';

import { useAppState, useController } from '../context.ts';
import { waitingGlobs } from '../store/appStore.ts';
import { FilterEditor } from './FilterEditor.tsx';

export const FILTER_PRESETS: { label: string; filter: string }[] = [
  { label: 'everything', filter: '' },
  { label: 'ICMP', filter: 'icmp' },
  { label: 'VXLAN 8472', filter: 'icmp or udp port 8472' },
  { label: 'Geneve 6081', filter: 'icmp or udp port 6081' },
  { label: 'IPIP proto 4', filter: 'icmp or ip proto 4' },
  { label: 'service port 8877', filter: 'tcp port 8877 or tcp port 9376 or tcp port 32228' },
];

export function CaptureBar() {
  const ctl = useController();
  const chosen = useAppState((s) => s.chosen);
  const allNodes = useAppState((s) => s.nodes);
  const globs = useAppState((s) => s.globs);
  const following = useAppState((s) => s.following);
  const stats = useAppState((s) => s.stats);
  const rates = useAppState((s) => s.rates);
  const session = useAppState((s) => s.session);
  const [filter, setFilter] = useState('');
  const [snaplen, setSnaplen] = useState('262144');
  const [followTunnels, setFollowTunnels] = useState(true);
  const [delivery, setDelivery] = useState<'buffered' | 'immediate'>('buffered');
  const [filterError, setFilterError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const running = !!stats?.running || !!session?.live;
  // Nothing ticked, a glob that matches nothing yet (`node-1:veth*` before the node's first pod): Start waits for it.
  const waiting = waitingGlobs(allNodes, chosen, globs);
  const canStart = chosen.size > 0 || waiting.globs.length > 0;
  const shownError = canStart ? filterError : null;

  // The filter is checked on the nodes that will capture: those of the ticked interfaces, or those the globs wait on.
  const nodes = chosen.size ? [...new Set([...chosen].map((k) => k.split('\u0000')[0]))] : waiting.nodes;

  // Check the filter on the nodes themselves (their tcpdump compiles it) shortly after typing stops.
  const nodesKey = nodes.join(',');
  useEffect(() => {
    if (!nodes.length) return;
    const t = setTimeout(async () => {
      const r = await ctl.api.validateFilter({ filter, nodes });
      if (!r.ok) setFilterError(r.error.message);
      else {
        const bad = r.value.filter((c) => !c.ok);
        setFilterError(bad.length ? bad.map((c) => `${c.node}: ${c.message}`).join('\n') : null);
      }
    }, 400);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ctl, filter, nodesKey]);

  const start = async () => {
    if (!canStart || running || shownError) return;
    setStarting(true);
    await ctl.startCapture(filter, Number(snaplen) || 0, { followTunnels, delivery });
    setStarting(false);
  };

  return (
    <div className="capture-bar" data-testid="capture-bar">
      <div className="capture-row">
        <FilterEditor value={filter} onChange={setFilter} onEnter={() => void start()} error={shownError} />
        <select aria-label="filter presets" value="" onChange={(e) => setFilter(e.target.value)}>
          <option value="" disabled>
            presets…
          </option>
          {FILTER_PRESETS.map((p) => (
            <option key={p.label} value={p.filter}>
              {p.label}
              {p.filter ? ` — ${p.filter}` : ''}
            </option>
          ))}
        </select>
        <label className="small">
          snaplen{' '}
          <input
            className="num"
            value={snaplen}
            onChange={(e) => setSnaplen(e.target.value)}
            aria-label="snaplen"
          />
        </label>
        <label
          className="small"
          title="Also capture the VXLAN (4789/8472), Geneve (6081) and IPIP outer packets, so the filter's packets are seen on the underlay while encapsulated"
        >
          <input
            type="checkbox"
            checked={followTunnels}
            onChange={(e) => setFollowTunnels(e.target.checked)}
            aria-label="follow tunnels"
          />{' '}
          follow tunnels
        </label>
        <select
          aria-label="delivery"
          value={delivery}
          onChange={(e) => setDelivery(e.target.value === 'immediate' ? 'immediate' : 'buffered')}
          title="buffered: no loss under load, packets up to ~1 s late; immediate: each packet at once, the kernel may drop under load"
        >
          <option value="buffered">buffered delivery</option>
          <option value="immediate">immediate delivery</option>
        </select>
        {running || starting ? (
          // While the capture starts (nodes connecting, filters checked) Stop cancels it: it stops once started.
          <button className="danger" onClick={() => void ctl.stopCapture()} data-testid="stop-capture">
            ■ Stop
          </button>
        ) : (
          <button
            className="primary"
            disabled={!canStart || starting || !!shownError}
            onClick={() => void start()}
            data-testid="start-capture"
            title={
              chosen.size || !waiting.globs.length
                ? "Captures the ticked interfaces; new ones that appear while capturing (a new pod's veth) are captured too when they match a glob you selected with"
                : `Nothing is ticked: starts a capture that waits for interfaces matching ${waiting.globs.join(' ')} and captures each as it comes up (a new pod's veth)`
            }
          >
            ● Start
            {chosen.size
              ? ` (${chosen.size})`
              : waiting.globs.length
                ? `: wait for ${waiting.globs.join(' ')}`
                : ''}
          </button>
        )}
        {stats ? <span className="elapsed mono">{(stats.elapsedMs / 1000).toFixed(1)} s</span> : null}
      </div>
      {stats?.running && stats.counters.length === 0 ? (
        // Running with no capture at all (its counters list every one, failed ones too): its globs matched nothing
        // when it started, on a node up then or joining late.
        <div className="waiting small" data-testid="capture-waiting">
          {following.length
            ? `Waiting for interfaces matching ${following.join(' ')}: each is captured as it comes up.`
            : 'Waiting for interfaces to capture: each is captured as it comes up.'}
        </div>
      ) : null}
      {stats?.counters.length ? (
        <div className="counters" data-testid="counters">
          {stats.counters.map((c) => {
            const key = `${c.node}/${c.iface}`;
            const series = (rates.get(key) ?? []).map((v, i) => ({ i, v }));
            return (
              <div key={key} className={`counter state-${c.state}`} title={c.error ?? ''} data-counter={key}>
                <span className="mono">{key}</span>
                <span className="mono">{c.packets.toLocaleString()}</span>
                <span
                  className={`mono${c.drops ? ' warn' : ''}`}
                  title="packets the node's kernel dropped before tcpdump read them"
                >
                  {c.drops === null ? '' : c.drops === 0 ? 'no drops' : `${c.drops.toLocaleString()} dropped`}
                </span>
                <LineChart width={70} height={18} data={series}>
                  <YAxis hide domain={[0, 'dataMax']} />
                  <Line
                    type="monotone"
                    dataKey="v"
                    stroke="var(--tick)"
                    dot={false}
                    strokeWidth={1.5}
                    isAnimationActive={false}
                  />
                </LineChart>
                {c.state !== 'running' ? <span className="badge">{c.state}</span> : null}
              </div>
            );
          })}
        </div>
      ) : null}
    </div>
  );
}
