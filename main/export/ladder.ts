// The default `hopscope correlate` output: one block per journey, its hops as a ladder like the walkthrough's
// "node-1/cali… → node-1/tunl0 → node-1/ens33 → node-2/ens33 → …", with times, latency and changes.

import { rangeText } from '../session/timeRange.ts';
import {
  driftPpm,
  MAX_DRIFT_PPM,
  outsideTraffic,
  type ClockConflict,
  type ClockDrift,
  type ClockEstimate,
} from '../correlate/clockSkew.ts';
import {
  CH_SPLIT,
  ChangeTable,
  changeMask,
  encapOf,
  ethOf,
  pieceRange,
  type EthInfo,
  type Hop,
  type HopSources,
  type PieceRange,
  type WireGuardInfo,
} from '../correlate/hops.ts';
import { F_TRUNCATED } from '../correlate/observations.ts';
import type { CorrelationResult } from '../correlate/result.ts';
import { journeyStops, stopText } from '../correlate/stops.ts';
import { formatDuration } from '../../preload/duration.ts';
import { pieceBytes } from '../../preload/pieceBytes.ts';
import { InternedText, lit, RUN_ROOM, type TextBytes } from './textBytes.ts';
import { duration, DURATION_ROOM, durationInto, latency } from './durationText.ts';

export { duration, latency };

/** 03:23:53.287694591 (UTC) from epoch ns. */
export function clockTime(ns: bigint, fromSec?: number): string {
  const sec = ns / 1_000_000_000n;
  const frac = ns - sec * 1_000_000_000n;
  const d = new Date(Number(sec) * 1000);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  const ss = String(d.getUTCSeconds()).padStart(2, '0');
  // Past the day the ladder's head names (timesLine: "UTC from <date>"), a time carries its own date.
  const day =
    fromSec !== undefined && utcDay(Number(sec)) !== utcDay(fromSec)
      ? `${d.toISOString().slice(0, 10)} `
      : '';
  return `${day}${hh}:${mm}:${ss}.${String(frac).padStart(9, '0')}`;
}

function utcDay(sec: number): number {
  return Math.floor(sec / 86_400);
}

/**
 * How the clock notes speak to their user: how a node's offset is set by hand (the CLI's `--clock NODE=OFFSET`, or
 * the app's override field) and how a duration is written (the CLI's, or the app's: its Clocks tab's notes say a
 * pair's conflict as the pane's clock badge beside it does, "39 µs", not "39.0 µs").
 */
export interface ClockWords {
  /** "--clock node-2=OFFSET", "an override of node-2's offset". */
  set(node: string): string;
  /** Whether `--clock none` is how this user turned correction off (the CLI only). */
  cli: boolean;
  duration(ns: number): string;
}

export const CLI_WORDS: ClockWords = {
  set: (node) => `--clock ${node}=OFFSET`,
  cli: true,
  duration: (ns) => duration(ns),
};
/** The app's clocks panel. */
export const APP_WORDS: ClockWords = {
  set: (node) => `an override of ${node}'s offset`,
  cli: false,
  duration: (ns) => formatDuration(ns),
};

/**
 * Why a traffic estimate can be inconsistent: packets each way bound the offset from both sides, and those
 * bounds crossed (when the bounds do not say how far apart, over how long: else driftHint).
 */
export function inconsistentHint(words: ClockWords = CLI_WORDS): string {
  return (
    'the bounds from the two directions cross: the clocks drifted apart during the capture (offsets are ' +
    'constant per capture), or a packet was linked to the wrong journey; a shorter capture or ' +
    `${words.cli ? '--clock NODE=OFFSET' : 'an override'} helps`
  );
}
export const INCONSISTENT_HINT = inconsistentHint();

/**
 * Crossed bounds explained by how far the offset moved and how fast: a clock drift (the rate one has: then how far
 * off latencies across the nodes may be) or, faster than any clock drifts, a packet taken for another.
 */
export function driftHint(node: string, d: ClockDrift, words: ClockWords = CLI_WORDS): string {
  const moved = words.duration(Math.abs(d.movedNs));
  const ppm = driftPpm(d);
  if (ppm > MAX_DRIFT_PPM)
    return (
      `the bounds from the two directions cross by ${moved} within ${words.duration(d.overNs)}, faster than clocks ` +
      `drift: a packet was likely linked to the wrong journey; ${words.set(node)} sets the offset`
    );
  return (
    `the bounds from the two directions cross: ${node}'s clock ${d.movedNs > 0 ? 'gained' : 'lost'} at least ` +
    `${moved} on ${d.against}'s over ${words.duration(d.overNs)} of capture (≥ ${ppm < 10 ? ppm.toFixed(1) : Math.round(ppm)} ` +
    `ppm), as clocks drifting apart do (one offset per node cannot fit the whole capture, so latencies across them ` +
    `may be off by as much: sync the clocks with chrony/NTP, or capture shorter), unless a packet was linked to the ` +
    `wrong journey`
  );
}

/**
 * Why a node's clock is left as it is, or its estimate is a guess: no estimate ('none': no packet on both, or
 * nothing said their direction), crossed bounds. Null when the estimate needs no word. The CLI's clock line and
 * the app's clocks panel say the same, each in its own words (ClockWords: how to set an offset, how a duration
 * is written).
 */
export function clockReason(c: ClockEstimate, words: ClockWords = CLI_WORDS): string | null {
  if (c.method === 'none' && c.undirected)
    return (
      `not corrected: ${c.undirected} packets seen on both, but nothing says which way they went: equal TTLs, ` +
      'and neither node owns their MACs or addresses (interface lists: <node>.ip-link.json/.ip-addr.json beside ' +
      "the files, or a session folder; a third host's broadcast owns none); journeys across it are in " +
      `captured-time order; ${words.set(c.node)} sets it`
    );
  if (c.method === 'none')
    return (
      `not corrected: no packet seen on both within ±10 s${words.cli ? ', or --clock none' : ''}; a clock ` +
      `further off needs ${words.set(c.node)}`
    );
  if (c.method === 'traffic-inconsistent')
    return c.drift ? driftHint(c.node, c.drift, words) : inconsistentHint(words);
  const conflict = c.conflict ? conflictHint(c.node, c.conflict, words) : null;
  if (c.rate && c.uncertaintyNs < Infinity)
    return rateNote(c.node, c.reference, c.rate, words) + (conflict ? `; ${conflict}` : '');
  return conflict;
}

/**
 * An offset (or a drifting line) that misses another node's bounds (ClockEstimate.conflict): hops between the two
 * may be off by as much.
 */
export function conflictHint(node: string, k: ClockConflict, words: ClockWords = CLI_WORDS): string {
  return (
    `the packets between ${node} and ${k.against} contradict these clocks by ${words.duration(k.byNs)}, so hops ` +
    'between them may show latencies off by as much (no estimate fits every pair of nodes: a timestamp not taken ' +
    `at the wire, a packet linked to the wrong journey, or drifting clocks, fitted pair by pair); ${words.set(node)} ` +
    'sets it'
  );
}

/**
 * A drifting clock's note ('traffic-drift'): how fast it moves on the reference's and that times are corrected
 * along the line, the offset shown being the one at the first packets across nodes (ClockRate.atNs).
 */
export function rateNote(
  node: string,
  reference: string,
  rate: { ppm: number; ppmUncertainty: number },
  words: ClockWords = CLI_WORDS,
): string {
  const ppm = rate.ppm;
  const per = words.duration(Math.abs(ppm) * 1e3);
  return (
    `${node}'s clock ${ppm >= 0 ? 'gains' : 'loses'} ${per} a second on ${reference}'s ` +
    `(${ppmText(Math.abs(ppm), rate.ppmUncertainty)}), corrected along the capture; the offset shown is the one at ` +
    'the first packets across nodes'
  );
}

/** "50.4 ± 0.4 ppm": a rate to the digits its uncertainty leaves (two below 1 ppm, else one). */
export function ppmText(ppm: number, uncertainty: number): string {
  const digits = uncertainty < 1 ? 2 : 1;
  return `${ppm.toFixed(digits)} ± ${uncertainty.toFixed(digits)} ppm`;
}

/**
 * What the ladder's times are: UTC (tcpdump prints local time), on the reference node's clock, and the date they
 * start on (the hop lines give the time of day only).
 */
export function timesLine(res: CorrelationResult): string {
  const day = new Date(res.baseSec * 1000).toISOString().slice(0, 10);
  const ref = res.clocks.find((c) => c.method === 'reference')?.node ?? res.nodes[0];
  const corrected = res.clocks.some((c) => c.method !== 'reference' && c.method !== 'none');
  return `times: UTC from ${day}${corrected && ref ? `, on ${ref}'s clock` : ''}`;
}

/**
 * The ladder's and the summary's line for a time range of the captures (null: none): which packets were read, by
 * their own capture times, before any clock correction.
 */
export function rangeLine(res: CorrelationResult): string | null {
  return res.range
    ? `range: packets captured ${rangeText(res.range)} (each by its own clock, uncorrected)`
    : null;
}

export function clockLine(c: ClockEstimate): string {
  if (c.method === 'reference') return `clock ${c.node}: reference`;
  const reason = clockReason(c);
  if (c.method === 'none') return `clock ${c.node}: unknown offset to ${c.reference} (${reason})`;
  const unc = c.uncertaintyNs === Infinity ? 'unbounded' : `± ${duration(c.uncertaintyNs)}`;
  const samples = c.samples ? `, ${c.samples} packets` : '';
  // Crossed bounds: the middle is a guess, and the user should know why.
  const hint = reason ? `: ${reason}` : '';
  // Beside a manual offset, what the traffic said of it.
  const t = c.traffic;
  const said = t ? `; the traffic says ${trafficSays(t)}` : '';
  const offset = signed(c.offsetNs, c.uncertaintyNs);
  return `clock ${c.node}: ${offset} ${unc} vs ${c.reference} (${c.method}${samples}${hint}${said})`;
}

/** What the traffic gave a manual node: "+400.0 µs ± 2.0 µs", "+3.000 s ± 10.3 µs drifting +300.0 ppm". */
function trafficSays(t: NonNullable<ClockEstimate['traffic']>): string {
  const rate = t.rate
    ? ` drifting ${t.rate.ppm >= 0 ? '+' : '-'}${ppmText(Math.abs(t.rate.ppm), t.rate.ppmUncertainty)}`
    : '';
  return `${signed(t.offsetNs, t.uncertaintyNs)} ± ${duration(t.uncertaintyNs)}${rate}`;
}

/** An offset with its sign, "+400.0 µs" or "-1.500 s" (to the digits `withinNs`, its uncertainty, leaves known). */
function signed(ns: number, withinNs = Infinity): string {
  return `${ns >= 0 ? '+' : '-'}${duration(Math.abs(ns), withinNs)}`;
}

/**
 * A manual offset (`--clock`) outside the interval the traffic gives for it: hops across that node then show
 * negative latencies or are not linked at all.
 */
export function manualClockWarnings(clocks: readonly ClockEstimate[]): string[] {
  const out: string[] = [];
  for (const c of clocks) {
    const t = c.traffic;
    if (!t || !outsideTraffic(c)) continue;
    out.push(
      `${c.node}'s offset ${signed(c.offsetNs)} (--clock) is outside what the traffic says, ` +
        `${trafficSays(t)}: hops to and from ${c.node} may show negative ` +
        'latencies or not be linked',
    );
  }
  return out;
}

/** ethOf()'s part of hopDetail: `SRC (OWNER) > DST (OWNER)`. */
function ethDetail(eth: EthInfo | null): string {
  if (!eth) return 'no ethernet';
  const s = eth.srcOwner ? `${eth.src} (${eth.srcOwner})` : eth.src;
  // A cooked capture (`-i any`) has no destination address.
  const d = eth.dst === null ? '?' : eth.dstOwner ? `${eth.dst} (${eth.dstOwner})` : eth.dst;
  return `${s} > ${d}`;
}

function hopDetail(h: Hop): string {
  const parts: string[] = [`ttl ${h.ttl}`, ethDetail(h.eth)];
  for (const e of h.encap) {
    parts.push(
      e.type !== 'ipip'
        ? `${e.type} vni ${e.vni} ${e.outerSrc}.${e.srcPort} > ${e.outerDst}.${e.dstPort}`
        : `ipip ${e.outerSrc} > ${e.outerDst}`,
    );
  }
  const addr = (ip: string, port: number | null): string => (port === null ? ip : `${ip}.${port}`);
  parts.push(`${addr(h.src, h.srcPort)} > ${addr(h.dst, h.dstPort)}`);
  if (h.wireguard) parts.push(wireguardText(h.wireguard));
  if (h.truncated) parts.push('[truncated]');
  return parts.join('  ');
}

export function journeyBlock(res: CorrelationResult, k: number): string {
  const hops = res.hops(k);
  const flow = res.flowCount ? `  [flow ${res.flowOf[k] + 1} ${res.flowRole(k)}]` : '';
  const amb = res.journeyAmbiguous(k) ? '  [ambiguous match]' : '';
  const lines = [`journey ${k + 1}: ${res.journeySummary(k)}${flow}${amb}`];
  const width = Math.max(...hops.map((h) => h.node.length + h.iface.length + 1));
  for (const h of hops) {
    const arrow = h.index === 0 ? '  ' : h.fromHop === null ? PARALLEL_ARROW : '→ ';
    const where = `${h.node}/${h.iface}`.padEnd(width);
    const lat = h.latencyNs === null ? ''.padStart(10) : latency(h.latencyNs).padStart(10);
    const ch = h.changes.length ? `  [${h.changes.join(' ')}]` : '';
    const since = h.index > 0 ? sinceText(h.index, h.fromHop) : '';
    const piece = h.piece ? pieceText(h.piece) : '';
    lines.push(
      `  ${arrow}${where}  ${clockTime(h.tNs, res.baseSec)}  ${lat}  ${hopDetail(h)}${ch}${since}${piece}`,
    );
  }
  lines.push(...stopLines(res, k));
  return lines.join('\n');
}

/**
 * Where the journey stopped (correlate/stops.ts), after its last hop: `  ✗ not seen after …` and its evidence
 * indented under it; nothing for a journey not said stopped.
 */
export function stopLines(res: CorrelationResult, k: number): string[] {
  const stop = journeyStops(res).of(k);
  if (!stop) return [];
  const { head, evidence } = stopText(res, k, stop);
  return [`  ✗ ${head}`, ...evidence.map((e) => `      ${e}`)];
}

const ARROW_FIRST = lit('\n    ');
const ARROW = lit('\n  → ');
const TWO = lit('  ');
const DOT = lit('.');
const GT = lit(' > ');
const TTL = lit('ttl ');
const NEWLINE = lit('\n');
const NO_ETHERNET = lit('no ethernet  ');
const NO_LATENCY = lit(' '.repeat(10));
/** A copy of a broadcast or multicast frame another node received in parallel: no hop led to it. */
const PARALLEL_ARROW = '‖ ';
const ARROW_PARALLEL = lit(`\n  ${PARALLEL_ARROW}`);

/**
 * A hop not timed from the one before it (HopSources): a copy of a broadcast or multicast frame, timed from the
 * first copy on its node or its sender's (`[since hop N]`), or received in parallel (`[parallel copy]`).
 */
function sinceText(index: number, fromHop: number | null): string {
  if (fromHop === null) return '  [parallel copy]';
  return fromHop === index - 1 ? '' : `  [since hop ${fromHop + 1}]`;
}
/** A piece's bytes of the whole segment: `  [bytes 1398:2796 of 6990]`. */
function pieceText(p: PieceRange): string {
  return `  [${pieceBytes(p)}]`;
}
/**
 * A hop seen encrypted: `wireguard receiver 0x1a2b3c4d counter 7, packet encrypted` (the receiver as tshark shows
 * it; `receiver ?` when the frame could not be read).
 */
function wireguardText(w: WireGuardInfo): string {
  const receiver = w.receiver === null ? '?' : `0x${w.receiver.toString(16).padStart(8, '0')}`;
  return `wireguard receiver ${receiver} counter ${w.counter}, packet encrypted`;
}
const TRUNCATED = lit('  [truncated]');
const CHANGE_TEXT = new ChangeTable((names) => lit(names.length ? `  [${names.join(' ')}]` : ''));

/**
 * The ladder of every journey, written as bytes: exactly `\n` + journeyBlock(res, k) + `\n` per journey
 * (tested), without a Hop object, a BigInt or a Date per hop. What every hop of a capture repeats (its
 * `node/iface`, the text of each interned MAC pair and encapsulation with their owners, the time of day up to
 * the second) is built once.
 */
export class LadderWriter {
  private readonly lane: Uint8Array[];
  private readonly laneLength: number[];
  private readonly ethText: InternedText;
  private readonly encapText: InternedText;
  private daySec = -1;
  private dayText: Uint8Array = new Uint8Array(0);
  /** A hop's latency text (a '+' and durationInto's bytes). */
  private readonly latencyBytes = new Uint8Array(1 + DURATION_ROOM);
  private readonly sources: HopSources;

  constructor(
    private readonly out: TextBytes,
    private readonly res: CorrelationResult,
  ) {
    this.sources = res.hopSources();
    this.lane = res.captures.map((c) => lit(`${c.node}/${c.iface}`));
    this.laneLength = res.captures.map((c) => c.node.length + c.iface.length + 1);
    const node = (r: number) => res.captures[res.rows.capture[r]].node;
    this.ethText = new InternedText(
      res.rows,
      'eth',
      (r) => ethDetail(ethOf(res.rows, r, node(r), res.macName)) + '  ',
    );
    this.encapText = new InternedText(res.rows, 'encap', (r) =>
      encapOf(res.rows, r, node(r), res.macName)
        .map((e) =>
          e.type !== 'ipip'
            ? `${e.type} vni ${e.vni} ${e.outerSrc}.${e.srcPort} > ${e.outerDst}.${e.dstPort}  `
            : `ipip ${e.outerSrc} > ${e.outerDst}  `,
        )
        .join(''),
    );
  }

  /** clockTime() of a corrected time (ns since the result's base second). */
  private clock(tc: number, row: number): void {
    const out = this.out;
    const s = Math.floor(tc / 1e9);
    const sec = this.res.baseSec + s;
    if (!(sec >= 0 && sec <= 0x7fffffff && Number.isInteger(tc))) {
      out.text(clockTime(this.res.tNs(row), this.res.baseSec));
      return;
    }
    if (sec !== this.daySec) {
      this.daySec = sec;
      // clockTime()'s `[date ]hh:mm:ss.`, once per second.
      this.dayText = lit(clockTime(BigInt(sec) * 1_000_000_000n, this.res.baseSec).slice(0, -9));
    }
    out.room(RUN_ROOM);
    out.raw(this.dayText);
    out.padded(tc - s * 1e9, 9);
  }

  /** An inner address, with its port when it has one. */
  private address(r: number, dst: boolean): void {
    const res = this.res;
    const rows = res.rows;
    const out = this.out;
    if (rows.isIpv6(r)) out.text(dst ? res.rowDst(r) : res.rowSrc(r));
    else {
      out.room(RUN_ROOM);
      out.dotted(dst ? rows.dst[r] : rows.src[r]);
    }
    const port = dst ? rows.dstPort(r) : rows.srcPort(r);
    out.room(RUN_ROOM);
    if (port >= 0) {
      out.raw(DOT);
      out.int(port);
    }
  }

  /** `\n` + journeyBlock(res, k) + `\n`. */
  journey(k: number, list: number[]): void {
    const out = this.out;
    const res = this.res;
    const rows = res.rows;
    const flow = res.flowCount ? `  [flow ${res.flowOf[k] + 1} ${res.flowRole(k)}]` : '';
    const amb = res.journeyAmbiguous(k) ? '  [ambiguous match]' : '';
    out.text(`\njourney ${k + 1}: ${res.journeySummary(k)}${flow}${amb}`);
    let width = 0;
    for (const r of list) width = Math.max(width, this.laneLength[rows.capture[r]]);
    const sources = this.sources;
    sources.reset();
    let prev = 0;
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      const cap = rows.capture[r];
      const tc = res.correctedT(r);
      const from = sources.next(r);
      const since = from === i - 1 ? prev : from >= 0 ? res.correctedT(list[from]) : 0;
      prev = tc;
      out.bytes(i === 0 ? ARROW_FIRST : from < 0 ? ARROW_PARALLEL : ARROW);
      out.bytes(this.lane[cap]);
      out.spaces(width - this.laneLength[cap]);
      out.bytes(TWO);
      this.clock(tc, r);
      out.bytes(TWO);
      if (from < 0) out.bytes(NO_LATENCY);
      else {
        // latency(tc - since).padStart(10), as bytes: no string per hop.
        const b = this.latencyBytes;
        let n = 0;
        if (!(tc - since < 0)) b[n++] = 0x2b; // '+'
        n = durationInto(tc - since, b, n);
        out.rightAligned(b, n, 10);
      }
      out.room(RUN_ROOM);
      out.raw(TWO);
      out.raw(TTL);
      out.num(rows.ttl(r));
      out.raw(TWO);
      out.bytes(this.ethText.get(r) ?? NO_ETHERNET);
      const encap = this.encapText.get(r);
      if (encap) out.bytes(encap);
      this.address(r, false);
      out.raw(GT);
      this.address(r, true);
      const wg = res.wireguardOf(r);
      if (wg) out.text(`  ${wireguardText(wg)}`);
      if (rows.flags[r] & F_TRUNCATED) out.bytes(TRUNCATED);
      const mask = from >= 0 ? changeMask(rows, list[from], r) : 0;
      if (from >= 0) out.bytes(CHANGE_TEXT.get(mask));
      if (i > 0 && from !== i - 1) out.text(sinceText(i, from < 0 ? null : from));
      const piece = mask & CH_SPLIT ? pieceRange(rows, r, list[from]) : null;
      if (piece) out.text(pieceText(piece));
    }
    for (const line of stopLines(res, k)) out.text(`\n${line}`);
    out.bytes(NEWLINE);
  }
}
