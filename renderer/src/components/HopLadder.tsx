// The hop ladder of one journey: each hop's node/interface, time and latency, MACs with their owners, TTL,
// encapsulation as nested boxes (pushed/popped marked), NAT changes highlighted; a long run of the pieces of one
// TCP segment (TSO/GSO) folded between its first and last piece. Props and the folds opened → markup (tested).

import { useState } from 'react';

import type { Encap, Hop, JourneyStopView, JourneyView } from '../../../preload/api.ts';
import { pieceBytes } from '../../../preload/pieceBytes.ts';
import { formatDuration } from '../lib/timeScale.ts';
import { wallClock } from '../lib/format.ts';

export interface HopLadderProps {
  journey: JourneyView;
  baseNs: string;
  selectedPacket: number;
  onPickHop?: (hop: Hop) => void;
}

/** The keys that step through the hops, by how many (±Infinity: the first or last). */
const HOP_KEYS: Record<string, number> = {
  ArrowDown: 1,
  ArrowUp: -1,
  Home: -Infinity,
  End: Infinity,
};

/** A run of pieces folds when it has this many: its first and last piece stay, at least two fold between. */
export const FOLD_MIN = 4;

/**
 * Runs of pieces of one TCP segment (TSO/GSO cut it on the way: a 64 KiB segment arrives as ~45 packets), as
 * [first, last] hop indices: at least FOLD_MIN consecutive `split` hops on one capture, timed from one hop.
 */
export function pieceRuns(hops: readonly Hop[]): [number, number][] {
  const runs: [number, number][] = [];
  const piece = (h: Hop) => h.changes.includes('split');
  for (let i = 0; i < hops.length;) {
    let j = i;
    if (piece(hops[i]))
      while (
        j + 1 < hops.length &&
        piece(hops[j + 1]) &&
        hops[j + 1].capture === hops[i].capture &&
        hops[j + 1].fromHop === hops[i].fromHop
      )
        j++;
    if (j - i + 1 >= FOLD_MIN) runs.push([i, j]);
    i = j + 1;
  }
  return runs;
}

/**
 * The ladder is one tab stop (the selected hop, else the first): ↑/↓ step to the hop shown before or after and pick
 * it, Home/End the first and last, Enter or Space pick the focused one, as a click does. A folded run of pieces
 * opens with its button, or by itself when the selected packet is one of the folded pieces.
 */
export function HopLadder({ journey, baseNs, selectedPacket, onPickHop }: HopLadderProps) {
  const hops = journey.hopList;
  const selected = hops.findIndex((h) => h.packet === selectedPacket);
  // The runs the user opened, by their first hop, for this journey only.
  const [opened, setOpened] = useState<{ journey: number; runs: ReadonlySet<number> }>({
    journey: journey.id,
    runs: new Set(),
  });
  const openRuns = opened.journey === journey.id ? opened.runs : new Set<number>();
  const toggle = (first: number) => {
    const next = new Set(openRuns);
    if (!next.delete(first)) next.add(first);
    setOpened({ journey: journey.id, runs: next });
  };
  // Each run's fold row stands after its first piece: folding the pieces up to its last, or (opened by the user)
  // above them. A run holding the selected packet between its first and last piece is shown whole, with no fold row.
  const runAfter = new Map<number, [number, number]>();
  for (const run of pieceRuns(hops)) {
    const [first, last] = run;
    if (openRuns.has(first) || !(selected > first && selected < last)) runAfter.set(first + 1, run);
  }
  const tabStop = Math.max(0, selected);
  const rows: React.ReactElement[] = [];
  for (let i = 0; i < hops.length; i++) {
    const run = runAfter.get(i);
    if (run) {
      const open = openRuns.has(run[0]);
      rows.push(<PieceFold key={`fold-${i}`} hops={hops} run={run} open={open} onToggle={toggle} />);
      if (!open) {
        i = run[1] - 1;
        continue;
      }
    }
    rows.push(
      <HopRow
        key={i}
        hop={hops[i]}
        index={i}
        baseNs={baseNs}
        selected={i === selected}
        tabStop={i === tabStop}
        onPick={onPickHop}
      />,
    );
  }
  return (
    <ol
      className="ladder"
      data-testid="hop-ladder"
      aria-label={`journey ${journey.id}`}
      onKeyDown={(e) => {
        // The hops shown (a folded run's middle is not): the keys step through those.
        const items = [...e.currentTarget.querySelectorAll<HTMLElement>(':scope > [data-testid=hop]')];
        const at = items.indexOf(e.target as HTMLElement);
        if (at < 0) return;
        const step = Object.hasOwn(HOP_KEYS, e.key) ? HOP_KEYS[e.key] : null;
        if (step === null && e.key !== 'Enter' && e.key !== ' ') return;
        const to = step === null ? at : Math.max(0, Math.min(items.length - 1, at + step));
        e.preventDefault();
        onPickHop?.(hops[Number(items[to].dataset.index)]);
        items[to].focus();
      }}
    >
      {rows}
      {journey.stop ? <StopLine stop={journey.stop} /> : null}
    </ol>
  );
}

/**
 * Under the last hop of a journey said stopped: where it was last seen and which captures missed it (the CLI's
 * `✗ not seen after …` line), and what says so, one line each.
 */
function StopLine({ stop }: { stop: JourneyStopView }) {
  return (
    <li className="hop-stop" data-testid="hop-stop">
      <div>
        <span className="stop-mark" aria-hidden="true">
          ✗
        </span>{' '}
        {stop.text}
      </div>
      {stop.evidence.length ? (
        <ul className="muted small">
          {stop.evidence.map((e) => (
            <li key={e} data-testid="stop-evidence">
              {e}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/** The row standing for the pieces folded between a run's first and last (open: the button folds them again). */
function PieceFold({
  hops,
  run,
  open,
  onToggle,
}: {
  hops: readonly Hop[];
  run: [number, number];
  open: boolean;
  onToggle: (first: number) => void;
}) {
  const [first, last] = run;
  const between = hops.slice(first + 1, last);
  const lat = between.map((h) => h.latencyNs).filter((l): l is number => l !== null);
  const start = between[0].piece?.start;
  const end = between[between.length - 1].piece?.end;
  const n = between.length;
  return (
    <li className="hop-fold" data-testid="piece-fold" data-open={open ? 'true' : 'false'}>
      <button
        type="button"
        className="link"
        aria-expanded={open}
        title={`hops ${first + 2}–${last} are pieces of the same TCP segment as hops ${first + 1} and ${last + 1}`}
        onClick={() => onToggle(first)}
      >
        {open ? `Fold the ${n} pieces between hops ${first + 1} and ${last + 1}` : `⋯ ${n} more pieces`}
      </button>
      {!open ? (
        <span className="muted small">
          {start !== undefined && end !== undefined ? ` bytes ${start}:${end}` : ''}
          {lat.length ? ` · ${formatLatency(Math.min(...lat))} … ${formatLatency(Math.max(...lat))}` : ''}
        </span>
      ) : null}
    </li>
  );
}

function formatLatency(ns: number): string {
  return `${ns < 0 ? '' : '+'}${formatDuration(ns)}`;
}

function HopRow({
  hop,
  index,
  baseNs,
  selected,
  tabStop,
  onPick,
}: {
  hop: Hop;
  index: number;
  baseNs: string;
  selected: boolean;
  tabStop: boolean;
  onPick?: (h: Hop) => void;
}) {
  const has = (c: string) => hop.changes.includes(c);
  const nat = hop.changes.filter((c) => c.startsWith('nat'));
  const pushed = hop.changes.filter((c) => c.startsWith('encap+')).map((c) => c.slice(6));
  const popped = hop.changes.filter((c) => c.startsWith('encap-')).map((c) => c.slice(6));
  return (
    <li
      className={`hop${selected ? ' selected' : ''}${nat.length ? ' nat' : ''}`}
      data-testid="hop"
      data-node={hop.node}
      data-iface={hop.iface}
      data-ttl={hop.ttl ?? ''}
      data-changes={hop.changes.join(' ')}
      data-index={index}
      tabIndex={tabStop ? 0 : -1}
      aria-current={selected ? 'true' : undefined}
      onClick={() => onPick?.(hop)}
    >
      <div className="hop-where">
        <span className="hop-n">{index + 1}</span>
        <span className="hop-node">{hop.node}</span>/<span className="hop-iface">{hop.iface}</span>
      </div>
      <div className="hop-time">
        <span className="mono">{wallClock(baseNs, hop.tRelNs)}</span>
        {hop.latencyNs !== null ? (
          <span className={`latency${hop.latencyNs < 0 ? ' negative' : ''}`}>
            {hop.latencyNs < 0 ? '' : '+'}
            {formatDuration(hop.latencyNs)}
          </span>
        ) : null}
        {/* Copies of one broadcast/multicast frame fan out: say what a copy is timed from, if not the hop above. */}
        {index > 0 && hop.fromHop === null ? (
          <span
            className="muted small"
            data-testid="parallel-copy"
            title="the same broadcast or multicast frame, received by this node in parallel with the hop above: no hop led from one to the other, and the time between them says only how far apart the clocks are"
          >
            parallel copy
          </span>
        ) : index > 0 && hop.fromHop !== index - 1 ? (
          <span
            className="muted small"
            data-testid="since-hop"
            title={
              has('split')
                ? 'a piece of the TCP segment of that hop, cut on the way (TSO/GSO): each piece is timed from the whole segment'
                : has('merged')
                  ? 'the pieces merged again (GRO): timed from the first piece'
                  : 'a copy of a broadcast or multicast frame, timed from the first copy on its node or from its sender’s'
            }
          >
            since hop {(hop.fromHop ?? 0) + 1}
          </span>
        ) : null}
      </div>
      <div className="hop-body">
        {has('split') ? (
          <span
            className="badge split"
            data-testid="tcp-split"
            title="this hop saw a piece of the TCP segment of the hop it is timed from: segmentation offload (TSO/GSO) cut it into MSS-sized packets on the way"
          >
            TSO/GSO piece
          </span>
        ) : null}
        {hop.piece ? (
          <span className="muted small mono" data-testid="piece-bytes">
            {' '}
            {pieceBytes(hop.piece)}
          </span>
        ) : null}
        {has('merged') ? (
          <span
            className="badge merged"
            data-testid="tcp-merged"
            title="this hop saw the pieces above merged into one TCP segment again (GRO/LRO)"
          >
            GRO merged
          </span>
        ) : null}
        {popped.map((t) => (
          <span key={`pop-${t}`} className={`badge popped ${t}`} data-testid="encap-popped">
            −{t.toUpperCase()}
          </span>
        ))}
        {pushed.map((t) => (
          <span key={`push-${t}`} className={`badge pushed ${t}`} data-testid="encap-pushed">
            +{t.toUpperCase()}
          </span>
        ))}
        <Mac eth={hop.eth} changed={has('mac')} />
        {hop.wireguard ? (
          <Encrypted hop={hop} />
        ) : (
          <Packet hop={hop} layers={hop.encap} ttlChanged={has('ttl')} nat={nat} />
        )}
      </div>
    </li>
  );
}

function Mac({ eth, changed, inner }: { eth: Hop['eth']; changed: boolean; inner?: boolean }) {
  if (!eth) return inner ? null : <div className="mac none">no link-layer header (raw IP)</div>;
  return (
    <div className={`mac${changed ? ' changed' : ''}`} data-testid={inner ? 'inner-mac' : 'mac'}>
      <span className="mono">{eth.src}</span>
      {eth.srcOwner ? <span className="owner"> ({eth.srcOwner})</span> : null} →{' '}
      {eth.dst === null ? (
        <span className="muted" title="a Linux cooked capture (-i any) records only the source's address">
          ? (cooked capture)
        </span>
      ) : (
        <span className="mono">{eth.dst}</span>
      )}
      {eth.dstOwner ? <span className="owner"> ({eth.dstOwner})</span> : null}
    </div>
  );
}

/** Encapsulation drawn outermost first as boxes around the inner packet (the frame's own MACs sit outside). */
function Packet({
  hop,
  layers,
  ttlChanged,
  nat,
}: {
  hop: Hop;
  layers: Encap[];
  ttlChanged: boolean;
  nat: string[];
}) {
  if (layers.length) {
    const [outer, ...rest] = layers;
    return (
      <div className={`encap encap-${outer.type}`} data-testid={`encap-${outer.type}`}>
        <div className="encap-head">
          <b>{outer.type.toUpperCase()}</b> {outer.outerSrc} → {outer.outerDst}
          {outer.type !== 'ipip' ? (
            <>
              {' '}
              udp {outer.srcPort} → {outer.dstPort} · VNI {outer.vni}
            </>
          ) : (
            ' proto 4'
          )}
        </div>
        {outer.innerEth ? <Mac eth={outer.innerEth} changed={false} inner /> : null}
        <Packet hop={hop} layers={rest} ttlChanged={ttlChanged} nat={nat} />
      </div>
    );
  }
  const natSrc = nat.includes('nat-src');
  const natDst = nat.includes('nat-dst');
  return (
    <div className="inner">
      <div className="ip">
        <span className={natSrc ? 'nat-changed' : ''} data-testid={natSrc ? 'nat-src' : undefined}>
          {endpoint(hop.src, hop.srcPort)}
        </span>{' '}
        →{' '}
        <span className={natDst ? 'nat-changed' : ''} data-testid={natDst ? 'nat-dst' : undefined}>
          {endpoint(hop.dst, hop.dstPort)}
        </span>
        <span className={`ttl${ttlChanged ? ' changed' : ''}`} data-testid="ttl">
          TTL {hop.ttl ?? '–'}
        </span>
      </div>
    </div>
  );
}

/**
 * A hop seen only encrypted (WireGuard transport data): the tunnel's datagram, which message it was, and no inner
 * packet (what it carried is the journey's, seen in clear on the hops around it).
 */
function Encrypted({ hop }: { hop: Hop }) {
  const wg = hop.wireguard!;
  const receiver = wg.receiver === null ? '?' : `0x${wg.receiver.toString(16).padStart(8, '0')}`;
  return (
    <div className="encap encap-wireguard" data-testid="encap-wireguard">
      <div className="encap-head">
        <b>WIREGUARD</b> {endpoint(hop.src, hop.srcPort)} → {endpoint(hop.dst, hop.dstPort)} · receiver{' '}
        {receiver} · counter {wg.counter}
        <span className="ttl" data-testid="ttl">
          TTL {hop.ttl ?? '–'}
        </span>
      </div>
      <div className="inner muted small" data-testid="encrypted">
        packet encrypted ({wg.dataLength} bytes with padding): not visible here
      </div>
    </div>
  );
}

/** An address with its port: `10.1.10.9:8472`, and an IPv6 one bracketed (`[fd44::5]:8080`: `fd44::5:8080` is an address). */
function endpoint(ip: string, port: number | null): string {
  if (port === null) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
