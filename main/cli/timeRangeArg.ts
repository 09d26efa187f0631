// `--after TIME` and `--before TIME` of `correlate` and `export`: a time range of the captures (timeRange.ts).

import type { LabelledPath } from '../session/labels.ts';
import { captureSpan, parseTimeArg, timeRange, type TimeRange } from '../session/timeRange.ts';
import { flagValue, type FlagSpec, type ParsedArgs } from './args.ts';

export const rangeFlags: Record<'after' | 'before', FlagSpec> = {
  after: { value: true },
  before: { value: true },
};

const RANGE_TEXT =
  'a time range of the captures, so that captures too large to correlate at once (TOO_MANY_PACKETS) can be ' +
  "read a part at a time. Each packet's own timestamp as captured is compared, before any clock correction; a " +
  'journey crossing an edge keeps only its hops inside. Packets outside are no rows (they do not count toward ' +
  'HOPSCOPE_MAX_PACKETS); how many were left out is said on stderr. TIME: seconds since the epoch ' +
  '(1764127443.437931), a UTC date-time (2026-11-26T03:24:03.437931068Z, "2026-11-26 03:24:03.437931"; an ' +
  'offset such as +01:00 is honoured), or a UTC time of day as the ladder prints it (03:24:03.437931068, or ' +
  "00:10): on the date that puts it among the captures' packets (from the earliest of all the files, compared " +
  "to the precision given: 00:10 is the first packet's own minute at 00:10:42), so a capture from 23:50 to " +
  '00:20 has 00:10 on its second date, else on the date nearest to them (10:00:20 is 10 s before a capture ' +
  'from 10:00:30, not the next day); a time of day the captures hold on two dates (more than a day) is a usage ' +
  'error asking for the date. To the nanosecond';

/** The options' help lines, their text from column `col` (correlate's help and export's align differently). */
export function rangeHelp(col: number, width = 110): string {
  const opt = (name: string) => `  ${name}`.padEnd(col);
  const lines = [`${opt('--after TIME')}only packets captured at TIME or later (editcap -A), and`];
  let line = `${opt('--before TIME')}only packets captured before TIME (editcap -B):`;
  for (const word of RANGE_TEXT.split(' ')) {
    if (line.length + 1 + word.length > width) {
      lines.push(line);
      line = ' '.repeat(col) + word;
    } else line += ` ${word}`;
  }
  lines.push(line);
  return lines.join('\n');
}

/** Checks the TIME values before any file is read (USAGE errors naming the flag). */
export function checkRangeArgs(p: ParsedArgs): void {
  for (const f of ['after', 'before'] as const) {
    const v = flagValue(p, f);
    if (v !== undefined) parseTimeArg(`--${f}`, v);
  }
}

/** The range the flags give over these files (a time of day put on a date by their span: timeOn), or null. */
export function rangeArg(p: ParsedArgs, files: readonly LabelledPath[]): TimeRange | null {
  return timeRange(flagValue(p, 'after'), flagValue(p, 'before'), () =>
    captureSpan(files.map((f) => f.path)),
  );
}

/** What stderr says of the records a range left out. */
export function outsideText(outside: number): string {
  return `${outside} packet${outside === 1 ? '' : 's'} outside --after/--before left out`;
}
