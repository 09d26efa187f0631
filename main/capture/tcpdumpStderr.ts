// Reads tcpdump's stderr: the "listening on" line (link type), the counts it prints on request (SIGUSR1) and on
// exit, and a stable error code for the usual failures (no permission, no such device, bad filter).

import type { ErrorCode } from '../common/errors.ts';

export interface TcpdumpCounts {
  captured: number | null;
  receivedByFilter: number | null;
  droppedByKernel: number | null;
  droppedByInterface: number | null;
}

export function parseCounts(stderr: string): TcpdumpCounts {
  const grab = (re: RegExp): number | null => {
    const m = re.exec(stderr);
    return m ? Number(m[1]) : null;
  };
  return {
    captured: grab(/^(\d+) packets? captured$/m),
    receivedByFilter: grab(/^(\d+) packets? received by filter$/m),
    droppedByKernel: grab(/^(\d+) packets? dropped by kernel$/m),
    droppedByInterface: grab(/^(\d+) packets? dropped by interface$/m),
  };
}

/**
 * The one-line counts tcpdump prints when sent SIGUSR1 while capturing (Linux has no SIGINFO):
 * `tcpdump: 5 packets captured, 7 packets received by filter, 2 packets dropped by kernel` (and, when non-zero,
 * `, N packets dropped by interface`). Null for any other line.
 */
export function parseInfoLine(line: string): TcpdumpCounts | null {
  const m =
    /^tcpdump: (\d+) packets? captured, (\d+) packets? received by filter, (\d+) packets? dropped by kernel(?:, (\d+) packets? dropped by interface)?\s*$/.exec(
      line,
    );
  if (!m) return null;
  return {
    captured: Number(m[1]),
    receivedByFilter: Number(m[2]),
    droppedByKernel: Number(m[3]),
    droppedByInterface: m[4] === undefined ? null : Number(m[4]),
  };
}

export interface ListeningLine {
  iface: string;
  linkType: string;
  linkTypeDescription: string;
  snaplen: number | null;
}

/** `tcpdump: listening on ens33, link-type EN10MB (Ethernet), snapshot length 262144 bytes` */
export function parseListening(stderr: string): ListeningLine | null {
  const m = /listening on (.+), link-type ([A-Z0-9_]+) \(([^)]*)\)(?:, snapshot length (\d+) bytes)?/.exec(
    stderr,
  );
  if (!m) return null;
  return { iface: m[1], linkType: m[2], linkTypeDescription: m[3], snaplen: m[4] ? Number(m[4]) : null };
}

/** Maps a failed tcpdump's stderr to an error code. */
export function classifyTcpdumpError(stderr: string): ErrorCode {
  if (/tcpdump: (command )?not found|tcpdump: No such file or directory/i.test(stderr))
    return 'TCPDUMP_NOT_FOUND';
  if (/permission|Operation not permitted|not permitted/i.test(stderr)) return 'CAPTURE_PERMISSION_DENIED';
  if (
    /syntax error|parse error|can't parse filter|illegal|unknown host|not supported on|no VLAN support|expression rejects all packets/i.test(
      stderr,
    )
  )
    return 'FILTER_INVALID';
  if (/No such device|doesn't exist|no suitable device|not found/i.test(stderr)) return 'IFACE_UNKNOWN';
  return 'CAPTURE_FAILED';
}

/**
 * What a failed tcpdump said, for its error: its last three lines, without the wrapper shell's word on how its job
 * ended ("Killed", "Terminated"), which only repeats that it ended ("tcpdump: invalid snaplen … | Killed").
 */
export function tcpdumpFailureText(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim());
  const said = lines.filter(
    (l) => !/^\s*(?:\S*sh: (?:line )?\d+: )?(?:\d+ )?(?:Killed|Terminated)\b.*$/.test(l),
  );
  return (said.length ? said : lines).slice(-3).join(' | ');
}
