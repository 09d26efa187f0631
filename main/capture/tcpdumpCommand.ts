// Builds every command line the capture engine sends to a node: the probe, the filter check, the clock probe
// and the wrapped streaming tcpdump. Interface names and filters are data: each is one single-quoted word.

import { shJoin, shQuote } from '../ssh/shellQuote.ts';

export const DEFAULT_SNAPLEN = 262144;

export interface TcpdumpSpec {
  /** Absolute path found by the probe (sudo's secure_path may differ from the login PATH). */
  tcpdumpPath: string;
  iface: string;
  snaplen: number;
  /** Ask for nanosecond timestamps (the probe found the option supported). */
  nano: boolean;
  /** The complete BPF expression ('' for none). */
  filter: string;
  /** Stop after this many packets (`-c`). */
  count?: number;
}

/** tcpdump's argv for streaming one interface as pcap to stdout, unbuffered per packet. */
export function tcpdumpArgs(s: TcpdumpSpec): string[] {
  const args = [s.tcpdumpPath, '-U', '-w', '-', '-i', s.iface, '--immediate-mode', '-s', String(s.snaplen)];
  args.push(`--time-stamp-precision=${s.nano ? 'nano' : 'micro'}`);
  if (s.count !== undefined) args.push('-c', String(s.count));
  // `--` ends options, so a filter can never be read as a flag (e.g. `-w /etc/passwd`).
  if (s.filter !== '') args.push('--', s.filter);
  return args;
}

/**
 * The remote script: tcpdump in the background with the channel's stdin kept on fd 3 for a watchdog.
 * When stdin reaches EOF (we ended it to stop, or sshd went away with the connection) the watchdog sends
 * SIGTERM, so tcpdump flushes and prints its counts; when tcpdump ends by itself the watchdog is reaped.
 */
export function wrapWithWatchdog(argv: string[]): string {
  return [
    'exec 3<&0 </dev/null',
    `${shJoin(argv)} 3<&- &`,
    'tp=$!',
    '( while IFS= read -r _l <&3; do :; done; kill -TERM "$tp" 2>/dev/null ) &',
    'wp=$!',
    'wait "$tp"; rc=$?',
    'kill "$wp" 2>/dev/null',
    'exit "$rc"',
  ].join('\n');
}

/** Compiles the filter on the interface without capturing (`tcpdump -d`): a bad filter fails here, before start. */
export function filterCheckScript(tcpdumpPath: string, iface: string, filter: string): string {
  const argv = [tcpdumpPath, '-d', '-i', iface];
  if (filter !== '') argv.push('--', filter);
  return `${shJoin(argv)} >/dev/null`;
}

/** Clause that leaves out this SSH connection's own packets (from the node's SSH_CONNECTION). */
export function excludeSshClause(ssh: SshEndpoints): string {
  for (const v of [ssh.clientIp, ssh.serverIp])
    if (!/^[0-9A-Fa-f:.]+$/.test(v)) throw new Error(`bad address ${v}`);
  return `not (tcp and host ${ssh.clientIp} and host ${ssh.serverIp} and port ${ssh.clientPort} and port ${ssh.serverPort})`;
}

/** Combines the user's filter with the exclusion clause. */
export function combineFilter(user: string, exclude: string | null): string {
  const u = user.trim();
  if (!exclude) return u;
  return u === '' ? exclude : `(${u}) and ${exclude}`;
}

export interface SshEndpoints {
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
}

/** Parses `$SSH_CONNECTION` ("client_ip client_port server_ip server_port"). */
export function parseSshConnection(v: string): SshEndpoints | null {
  const m = /^([0-9A-Fa-f:.]+) (\d+) ([0-9A-Fa-f:.]+) (\d+)$/.exec(v.trim());
  if (!m) return null;
  return { clientIp: m[1], clientPort: Number(m[2]), serverIp: m[3], serverPort: Number(m[4]) };
}

/** One unprivileged round trip that learns what the node has: uid, SSH endpoints, tcpdump and its abilities. */
export const PROBE_SCRIPT = [
  'printf "uid=%s\\n" "$(id -u)"',
  'printf "ssh=%s\\n" "$SSH_CONNECTION"',
  'printf "sudo=%s\\n" "$(command -v sudo 2>/dev/null)"',
  't=$(command -v tcpdump 2>/dev/null)',
  'for p in "$t" /usr/sbin/tcpdump /usr/bin/tcpdump /sbin/tcpdump /usr/local/sbin/tcpdump /usr/local/bin/tcpdump; do',
  '  if [ -n "$p" ] && [ -x "$p" ]; then',
  '    printf "tcpdump=%s\\n" "$p"',
  '    printf "version=%s\\n" "$("$p" --version 2>&1 | head -n 1)"',
  '    if "$p" --time-stamp-precision=nano --version >/dev/null 2>&1; then echo nano=1; else echo nano=0; fi',
  '    break',
  '  fi',
  'done',
].join('\n');

export interface ProbeResult {
  uid: number | null;
  ssh: SshEndpoints | null;
  sudoPath: string | null;
  tcpdumpPath: string | null;
  tcpdumpVersion: string | null;
  nano: boolean;
}

export function parseProbe(out: string): ProbeResult {
  const kv = new Map<string, string>();
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0 && !kv.has(line.slice(0, i))) kv.set(line.slice(0, i), line.slice(i + 1));
  }
  const uid = kv.get('uid');
  return {
    uid: uid && /^\d+$/.test(uid) ? Number(uid) : null,
    ssh: parseSshConnection(kv.get('ssh') ?? ''),
    sudoPath: kv.get('sudo') || null,
    tcpdumpPath: kv.get('tcpdump') || null,
    tcpdumpVersion: kv.get('version') || null,
    nano: kv.get('nano') === '1',
  };
}

/** Answers one node timestamp (ns since the epoch) per line received: several round trips on one channel. */
export const CLOCK_PROBE_SCRIPT = 'while IFS= read -r _l; do date +%s%N; done';

/** Runs a script through `sh -c`, as the login user. */
export function shScript(script: string): string {
  return `sh -c ${shQuote(script)}`;
}
