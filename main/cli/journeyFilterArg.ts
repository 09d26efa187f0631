// `--filter EXPR` of correlate and export: the app's journey filter (tcpdump's language over journeys: a journey is
// kept when one of its hops' packets matches; main/app/journeyFilter.ts), applied to a correlated result.

import { LoadedSession } from '../app/loadedSession.ts';
import { type FilterExpr, JourneyFilterError, parseJourneyFilter } from '../app/journeyFilter.ts';
import { HopscopeError } from '../common/errors.ts';
import type { Correlated } from '../session/ingest.ts';

/** What `--filter` kept: the journeys (time order) and, when none, the filter's words no journey has at all. */
export interface FilterMatch {
  journeys: number[];
  /** Words of the filter (not pcap's keywords) that no journey has: a typo (`icmpp`, `hots`) matches nothing. */
  unknownWords: string[];
}

/** The journeys `filter` keeps; FILTER_INVALID, saying why, for one that cannot be read. */
export function journeysMatching(c: Correlated, filter: string): FilterMatch {
  const s = new LoadedSession('cli', '', null, c.correlator, c.result, [], undefined, false);
  try {
    const journeys = s.matchingJourneys(filter) ?? Array.from({ length: c.result.journeyCount }, (_, k) => k);
    const unknownWords: string[] = [];
    if (journeys.length === 0)
      for (const w of wordsOf(parseJourneyFilter(filter)))
        // The word read alone as a filter is that word again (not a keyword of its own): does any journey have it?
        if (!unknownWords.includes(w) && isWord(w) && s.matchingJourneys(w)?.length === 0)
          unknownWords.push(w);
    return { journeys, unknownWords };
  } catch (e) {
    if (e instanceof JourneyFilterError)
      throw new HopscopeError('FILTER_INVALID', `--filter ${JSON.stringify(filter)}: ${e.message}`);
    throw e;
  } finally {
    s.close();
  }
}

/** "no journey matches --filter …", naming the words no journey has (tcpdump refuses what it cannot read). */
export function noMatchText(filter: string, m: FilterMatch): string {
  const words = m.unknownWords.map((w) => JSON.stringify(w)).join(', ');
  const why = words
    ? ` (no journey has the word${m.unknownWords.length > 1 ? 's' : ''} ${words}: words other than pcap's ` +
      'keywords match the text of a journey)'
    : '';
  return `no journey matches --filter ${JSON.stringify(filter)}${why}`;
}

function wordsOf(e: FilterExpr | null): string[] {
  if (!e) return [];
  if (e.op === 'word') return [e.word];
  if (e.op === 'iface') return [e.glob];
  if (e.op === 'and' || e.op === 'or') return [...wordsOf(e.a), ...wordsOf(e.b)];
  if (e.op === 'not') return wordsOf(e.a);
  return [];
}

function isWord(w: string): boolean {
  try {
    const e = parseJourneyFilter(w);
    return (e?.op === 'word' && e.word === w) || (e?.op === 'iface' && e.glob === w);
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
