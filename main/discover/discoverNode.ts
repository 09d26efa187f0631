// Runs discovery on a node over its SSH connection. Only fixed command strings are sent; nothing from the
// node's answers is ever put back on a command line here.

import { HopscopeError } from '../common/errors.ts';
import type { SshConnection } from '../ssh/connection.ts';
import { shQuote } from '../ssh/shellQuote.ts';

import type { NodeInterfaces } from './model.ts';
import { parseIpOutputs } from './parseIp.ts';

export const DISCOVERY_COMMANDS = {
  link: 'ip -j -d link show',
  addr: 'ip -j addr show',
  route: 'ip -j route show',
} as const;

type Part = keyof typeof DISCOVERY_COMMANDS;
const PARTS = Object.keys(DISCOVERY_COMMANDS) as Part[];

/** Ends each command's output in DISCOVERY_EXEC's stdout (with its exit status) and stderr (alone), on a line of its own. */
const MARK = '@@hopscope-discovery';

/**
 * The three commands in one exec (one round trip, one session on the node rather than three), each followed by a
 * MARK line naming it on stdout (with its exit status) and on stderr, so that each one's output, status and error
 * are told apart as when each had its own exec. `ip -j` escapes control characters in names, so no line of its
 * JSON can be a MARK line.
 */
export const DISCOVERY_EXEC = `sh -c ${shQuote(
  PARTS.map(
    (k) =>
      `${DISCOVERY_COMMANDS[k]}; s=$?; printf '\\n${MARK} ${k} %s\\n' "$s"; printf '\\n${MARK} ${k}\\n' >&2`,
  ).join('\n'),
)}`;

/** Decodes bytes as UTF-8; invalid sequences become U+FFFD, which ifaceNameProblem then refuses. */
function text(b: Buffer): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(b);
}

/**
 * DISCOVERY_EXEC's output cut at its MARK lines: each command's text, and the status its line gave (stdout's); the
 * first command whose MARK never came (the script ended there) gets what followed the last one.
 */
function sections(s: string): Map<Part, { body: string; status: number | null }> {
  const out = new Map<Part, { body: string; status: number | null }>();
  const re = new RegExp(`\\n${MARK} (${PARTS.join('|')})(?: (\\d+))?\\n`, 'g');
  let from = 0;
  for (let m: RegExpExecArray | null; (m = re.exec(s)) !== null; from = re.lastIndex) {
    const k = m[1] as Part;
    if (!out.has(k))
      out.set(k, { body: s.slice(from, m.index), status: m[2] === undefined ? null : Number(m[2]) });
  }
  const missing = PARTS.find((k) => !out.has(k));
  if (missing) out.set(missing, { body: s.slice(from), status: null });
  return out;
}

export async function discoverNode(node: string, conn: SshConnection): Promise<NodeInterfaces> {
  const r = await conn.exec(DISCOVERY_EXEC, { timeoutMs: 20_000 });
  const stdout = sections(text(r.stdout));
  const stderr = sections(text(r.stderr));
  const out = { link: '', addr: '', route: '' };
  for (const k of PARTS) {
    const got = stdout.get(k);
    if (got?.status !== 0) {
      // No MARK line: the script itself ended there (a lost channel, a signal), and its status says how.
      const why =
        got?.status != null
          ? `exit ${got.status}`
          : r.signal
            ? `signal ${r.signal}`
            : r.code !== null
              ? `exit ${r.code}`
              : 'no exit status';
      const err = (stderr.get(k)?.body ?? '').trim().slice(0, 300);
      throw new HopscopeError(
        'DISCOVERY_FAILED',
        `${node}: '${DISCOVERY_COMMANDS[k]}' failed (${why}): ${err}`,
      );
    }
    out[k] = got.body;
  }
  return parseIpOutputs(node, out);
}
