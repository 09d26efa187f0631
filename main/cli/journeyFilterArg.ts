// `--filter EXPR` of correlate and export: the app's journey filter (tcpdump's language over journeys: a journey is
// kept when one of its hops' packets matches; main/app/journeyFilter.ts), applied to a correlated result.

import { LoadedSession } from '../app/loadedSession.ts';
import { JourneyFilterError, parseJourneyFilter } from '../app/journeyFilter.ts';
import { HopscopeError } from '../common/errors.ts';
import type { Correlated } from '../session/ingest.ts';

/** The journeys (time order) `filter` keeps; FILTER_INVALID, saying why, for one that cannot be read. */
export function journeysMatching(c: Correlated, filter: string): number[] {
  const s = new LoadedSession('cli', '', null, c.correlator, c.result, [], undefined, false);
  try {
    return s.matchingJourneys(filter) ?? Array.from({ length: c.result.journeyCount }, (_, k) => k);
  } catch (e) {
    if (e instanceof JourneyFilterError)
      throw new HopscopeError('FILTER_INVALID', `--filter ${JSON.stringify(filter)}: ${e.message}`);
    throw e;
  } finally {
    s.close();
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
