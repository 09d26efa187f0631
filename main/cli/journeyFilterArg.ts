// `--filter EXPR` of correlate and export: the app's journey filter (tcpdump's language over journeys: a journey is
// kept when one of its hops' packets matches; main/app/journeyFilter.ts), applied to a correlated result.

import { LoadedSession } from '../app/loadedSession.ts';
import {
  type FilterExpr,
  JourneyFilterError,
  matchesInterface,
  parseJourneyFilter,
} from '../app/journeyFilter.ts';
import { pastedJourneys } from '../app/pastedMatch.ts';
import { HopscopeError } from '../common/errors.ts';
import type { Correlated } from '../session/ingest.ts';

/** What `--filter` kept: the journeys (time order) and, when none, the filter's parts no journey has at all. */
export interface FilterMatch {
  journeys: number[];
  /** Words of the filter (not pcap's keywords) that no journey has: a typo (`icmpp`, `hots`) matches nothing. */
  unknownWords: string[];
  /** Interface globs (`cali*`, `node-1:veth*`) no captured interface matches. */
  unknownGlobs: string[];
  /** Interface globs some captured interface matches but no journey crossed. */
  quietGlobs: string[];
  /** The first `vlan N`'s id no hop's outermost tag had (-1: `vlan` alone, and no hop was tagged at all). */
  unknownVlans: number[];
  /** Where (1-based columns) pasted tcpdump lines start whose packet no hop has. */
  unmatchedLines: number[];
}

/** The journeys `filter` keeps; FILTER_INVALID, saying why, for one that cannot be read. */
export function journeysMatching(c: Correlated, filter: string): FilterMatch {
  const s = new LoadedSession('cli', '', null, c.correlator, c.result, [], undefined, false);
  try {
    const journeys = s.matchingJourneys(filter) ?? Array.from({ length: c.result.journeyCount }, (_, k) => k);
    const m: FilterMatch = {
      journeys,
      unknownWords: [],
      unknownGlobs: [],
      quietGlobs: [],
      unknownVlans: [],
      unmatchedLines: [],
    };
    if (journeys.length === 0)
      for (const p of primitivesOf(parseJourneyFilter(filter))) {
        // The primitive read alone as a filter: does any journey have it?
        if (p.op === 'word' && isWord(p.word) && !m.unknownWords.includes(p.word)) {
          if (s.matchingJourneys(p.word)?.length === 0) m.unknownWords.push(p.word);
        } else if (p.op === 'iface' && !m.unknownGlobs.includes(p.glob) && !m.quietGlobs.includes(p.glob)) {
          if (s.matchingJourneys(p.glob)?.length !== 0) continue;
          const captured = c.result.captures.some((cap) =>
            matchesInterface(p.glob, cap.node.toLowerCase(), cap.iface.toLowerCase()),
          );
          (captured ? m.quietGlobs : m.unknownGlobs).push(p.glob);
        } else if (p.op === 'vlan' && p.depth === 0 && !m.unknownVlans.includes(p.id ?? -1)) {
          // (A later vlan, an inner tag, is not named: it is read only with the ones before it.)
          if (s.matchingJourneys(p.id === undefined ? 'vlan' : `vlan ${p.id}`)?.length === 0)
            m.unknownVlans.push(p.id ?? -1);
        } else if (p.op === 'packet' && !pastedJourneys(s, p.packet).includes(1))
          m.unmatchedLines.push(p.packet.at + 1);
      }
    return m;
  } catch (e) {
    if (e instanceof JourneyFilterError)
      throw new HopscopeError('FILTER_INVALID', `--filter ${JSON.stringify(filter)}: ${e.message}`);
    throw e;
  } finally {
    s.close();
  }
}

/**
 * "no journey matches --filter …", naming what in it no journey has: words (tcpdump refuses a typo), interface
 * globs no capture's interface matches (or no journey crossed), VLAN ids no hop was tagged with, pasted lines whose
 * packet no hop has.
 */
export function noMatchText(filter: string, m: FilterMatch): string {
  const list = (xs: string[], join = ', ') => xs.map((x) => JSON.stringify(x)).join(join);
  const parts: string[] = [];
  if (m.unknownWords.length)
    parts.push(
      `no journey has the word${m.unknownWords.length > 1 ? 's' : ''} ${list(m.unknownWords)}: words other than ` +
        "pcap's keywords match the text of a journey",
    );
  const glob = 'a word with * or ? is an interface glob, like cali* or node-1:veth*';
  if (m.unknownGlobs.length)
    parts.push(`no captured interface matches ${list(m.unknownGlobs, ' or ')}: ${glob}`);
  if (m.quietGlobs.length) parts.push(`no journey crossed an interface ${list(m.quietGlobs, ' or ')} names`);
  const ids = m.unknownVlans.filter((v) => v >= 0);
  if (m.unknownVlans.includes(-1))
    parts.push('no hop was VLAN-tagged (vlan: an 802.1Q/802.1ad-tagged frame)');
  if (ids.length)
    parts.push(
      `no hop was tagged with VLAN ${ids.join(' or ')} (vlan N: a hop's outermost tag has id N; vlan alone: tagged)`,
    );
  if (m.unmatchedLines.length)
    parts.push(
      `no hop's packet is the one the pasted line at column ${m.unmatchedLines.join(' or ')} describes (its ` +
        'addresses, ports and what else it says: TCP numbers, lengths, a DNS id, a tunnel)',
    );
  return `no journey matches --filter ${JSON.stringify(filter)}${parts.length ? ` (${parts.join('; ')})` : ''}`;
}

function primitivesOf(e: FilterExpr | null): FilterExpr[] {
  if (!e) return [];
  if (e.op === 'and' || e.op === 'or') return [...primitivesOf(e.a), ...primitivesOf(e.b)];
  if (e.op === 'not') return primitivesOf(e.a);
  return [e];
}

function isWord(w: string): boolean {
  try {
    const e = parseJourneyFilter(w);
    return e?.op === 'word' && e.word === w;
  } catch {
    return false;
  }
}

/**
 * The parse check alone, before any file is read: a filter that cannot be read fails at once. Gives the filter to
 * apply: none for a blank one, which keeps everything as tcpdump's empty filter does (`--filter "$F"` with F unset
 * is the whole session, not its journeys alone, and names no selection).
 */
export function filterArg(filter: string | undefined): string | undefined {
  if (filter === undefined) return undefined;
  try {
    return parseJourneyFilter(filter) === null ? undefined : filter;
  } catch (e) {
    if (e instanceof JourneyFilterError)
      throw new HopscopeError('FILTER_INVALID', `--filter ${JSON.stringify(filter)}: ${e.message}`);
    throw e;
  }
}
