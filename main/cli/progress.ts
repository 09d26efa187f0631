// Progress of a long correlation on stderr, for `hopscope correlate` and `hopscope export`: on a terminal one
// line rewritten in place once the work has taken a second (a quick run prints nothing); with --progress one
// line per update (at most every half second, and every stage change), for logs and scripts.

import type { IngestProgress } from '../session/parallelIngest.ts';

export interface CliProgress {
  onProgress: (p: IngestProgress) => void;
  /** A stage after correlation (the export's writing), shown like the others. */
  stage(text: string): void;
  /** Clears the terminal line (call before printing results or errors). */
  end(): void;
}

const MB = 1e6;

export function describe(p: IngestProgress): string {
  if (p.stage !== 'reading') return `${p.stage}…`;
  const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 100;
  // Below 10 MB a whole-MB count says 0/0: one decimal there, and KB below 0.1 MB.
  if (p.total < 0.1 * MB)
    return `reading ${Math.round(p.done / 1e3)}/${Math.round(p.total / 1e3)} KB (${pct} %)`;
  const digits = p.total < 10 * MB ? 1 : 0;
  return `reading ${(p.done / MB).toFixed(digits)}/${(p.total / MB).toFixed(digits)} MB (${pct} %)`;
}

export function cliProgress(
  command: string,
  forced: boolean,
  out: { isTTY?: boolean; write(s: string): unknown } = process.stderr,
): CliProgress {
  const tty = !forced && out.isTTY === true;
  const started = Date.now();
  /** Columns the line on screen takes (a shorter line is padded over a longer one). */
  let width = 0;
  let lastAt = 0;
  let shown = false;
  const show = (text: string, stageChange: boolean) => {
    const now = Date.now();
    if (tty) {
      if (now - started < 1000) return;
      const line = `${command}: ${text}`;
      out.write(`\r${line}${' '.repeat(Math.max(0, width - line.length))}`);
      width = Math.max(width, line.length);
      shown = true;
    } else if (forced && (stageChange || now - lastAt >= 500)) {
      out.write(`${command}: ${text}\n`);
      lastAt = now;
    }
  };
  let stage = '';
  return {
    onProgress: (p) => {
      show(describe(p), p.stage !== stage);
      stage = p.stage;
    },
    stage: (text) => {
      show(text, true);
      stage = text;
    },
    end: () => {
      if (tty && shown) out.write(`\r${' '.repeat(width)}\r`);
      shown = false;
      width = 0;
    },
  };
}
