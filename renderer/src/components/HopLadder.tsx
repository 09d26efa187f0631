// The hop ladder of one journey: each hop's node/interface, time and latency, MACs with their owners, TTL,
// encapsulation as nested boxes (pushed/popped marked), NAT changes highlighted. Pure props → markup (tested).

import type { Encap, Hop, JourneyView } from '../../../preload/api.ts';
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

/**
 * The ladder is one tab stop (the selected hop, else the first): ↑/↓ step to the hop before or after and pick it,
 * Home/End the first and last, Enter or Space pick the focused one, as a click does.
 */
export function HopLadder({ journey, baseNs, selectedPacket, onPickHop }: HopLadderProps) {
  const hops = journey.hopList;
  const selected = hops.findIndex((h) => h.packet === selectedPacket);
  return (
    <ol
      className="ladder"
      data-testid="hop-ladder"
      aria-label={`journey ${journey.id}`}
      onKeyDown={(e) => {
        const items = [...e.currentTarget.querySelectorAll<HTMLElement>(':scope > [data-testid=hop]')];
        const at = items.indexOf(e.target as HTMLElement);
        if (at < 0) return;
        const step = Object.hasOwn(HOP_KEYS, e.key) ? HOP_KEYS[e.key] : null;
        if (step === null && e.key !== 'Enter' && e.key !== ' ') return;
        const to = step === null ? at : Math.max(0, Math.min(hops.length - 1, at + step));
        e.preventDefault();
        onPickHop?.(hops[to]);
        items[to].focus();
      }}
    >
      {hops.map((h, i) => (
        <HopRow
          key={i}
          hop={h}
          index={i}
          baseNs={baseNs}
          selected={i === selected}
          tabStop={i === Math.max(0, selected)}
          onPick={onPickHop}
        />
      ))}
    </ol>
  );
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
          <span key={`pop-${t}`} className="badge popped" data-testid="encap-popped">
            −{t.toUpperCase()}
          </span>
        ))}
        {pushed.map((t) => (
          <span key={`push-${t}`} className="badge pushed" data-testid="encap-pushed">
            +{t.toUpperCase()}
          </span>
        ))}
        <Mac eth={hop.eth} changed={has('mac')} />
        <Packet hop={hop} layers={hop.encap} ttlChanged={has('ttl')} nat={nat} />
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

/** An address with its port: `10.1.10.9:8472`, and an IPv6 one bracketed (`[fd44::5]:8080`: `fd44::5:8080` is an address). */
function endpoint(ip: string, port: number | null): string {
  if (port === null) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
