// Builds every command line the capture engine sends to a node: the probe, the filter check, the clock probe
// and the wrapped streaming tcpdump. Interface names and filters are data: each is one single-quoted word.

import { shJoin, shQuote } from '../ssh/shellQuote.ts';

export const DEFAULT_SNAPLEN = 262144;

/**
 * How tcpdump hands packets over. 'immediate' (`--immediate-mode`): each packet as it comes (libpcap's
 * TPACKET_V2 ring, one fixed-size slot per packet). 'buffered': libpcap's TPACKET_V3 ring packs packets into
 * blocks that reach tcpdump when full or after tcpdump's fixed 1 s timeout (BUFFERED_DELIVERY_MAX_MS), so a
 * packet may arrive up to a second late but the same kernel memory holds tens of times more packets
 * (see docs/capture.md, "Kernel buffer and delivery").
 */
export type Delivery = 'immediate' | 'buffered';
/** tcpdump's pcap_set_timeout(1000): the longest a packet waits in a TPACKET_V3 block (no option changes it). */
export const BUFFERED_DELIVERY_MAX_MS = 1000;

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
  /** Kernel capture buffer in KiB (`-B`); tcpdump's own default (2 MiB) when absent. */
  bufferKiB?: number;
  /** Absent: 'immediate' (the session always passes its choice, DEFAULT_DELIVERY by default). */
  delivery?: Delivery;
}

/** tcpdump's argv for streaming one interface as pcap to stdout, flushed per packet (`-U`). */
export function tcpdumpArgs(s: TcpdumpSpec): string[] {
  const args = [s.tcpdumpPath, '-U', '-w', '-', '-i', s.iface];
  if (s.delivery !== 'buffered') args.push('--immediate-mode');
  args.push('-s', String(s.snaplen));
  args.push(`--time-stamp-precision=${s.nano ? 'nano' : 'micro'}`);
  if (s.count !== undefined) args.push('-c', String(s.count));
  if (s.bufferKiB !== undefined) args.push('-B', String(s.bufferKiB));
  // `--` ends options, so a filter can never be read as a flag (e.g. `-w /etc/passwd`).
  if (s.filter !== '') args.push('--', s.filter);
  return args;
}

/** How often the local side writes a heartbeat line to each capture channel's stdin. */
export const HEARTBEAT_INTERVAL_MS = 2000;
/** The remote side kills tcpdump when no heartbeat arrived for this long (seconds)… */
export const HEARTBEAT_TIMEOUT_S = 10;
/** …first with SIGTERM (so it prints its counts), then SIGKILL after this grace (seconds). */
export const KILL_GRACE_S = 3;

/**
 * A heartbeat line with this text also asks tcpdump for its counts (SIGUSR1: one `tcpdump: N packets captured, …
 * dropped by kernel` line on stderr), so kernel drops show while capturing, not only at the end. Sent only after
 * tcpdump said "listening on": it installs its SIGUSR1 handler before that, and the default action would end it.
 */
export const STATS_REQUEST_LINE = 's';

/** What the remote timer prints on stderr when it stops tcpdump for want of heartbeats. */
export const WATCHDOG_MARK = 'hopscope: no heartbeat for';

export interface WatchdogOptions {
  /** Seconds without a heartbeat line before tcpdump is killed (integer ≥ 1; default HEARTBEAT_TIMEOUT_S). */
  heartbeatTimeoutS?: number;
  /** Seconds between SIGTERM and SIGKILL (integer ≥ 1; default KILL_GRACE_S). */
  killGraceS?: number;
}

function wholeSeconds(v: number, name: string): string {
  if (!Number.isInteger(v) || v < 1 || v > 86400)
    throw new Error(`${name} must be a whole number of seconds`);
  return String(v);
}

/**
 * The node-side timer shared by the capture (wrapWithWatchdog) and the wait for the start (checkedStartScript): a
 * subshell's lines that run `then` once `t` seconds pass without a SIGUSR1 (each heartbeat line makes the script's
 * reader send one). `read -t` is not POSIX (dash has none), hence the signalled timer. A trapped signal interrupts
 * `wait` at once (POSIX), so the timer kills and reaps its own `sleep` (only while unreaped: its pid cannot have
 * been reused). SIGTERM (the script done with it) is noted (`q`) and acted on at the next step even when it lands
 * between forking a `sleep` and learning its pid. The `sleep` gets SIGKILL, not SIGTERM: a SIGTERM that lands
 * between its fork and its exec is caught by the timer's inherited trap and lost (seen with dash), leaving the
 * `sleep` to run its course. So no `sleep` outlives the timer. Its stderr is to be /dev/null, its mark said on fd 4
 * (the channel's stderr): dash and bash say "Killed" on stderr for each `sleep` a heartbeat cut short (every 2 s),
 * which filled the capture's kept stderr within the hour and pushed out tcpdump's final counts and words. It
 * ignores SIGPIPE: sshd closes a session's pipes when the connection goes away, and its mark would otherwise end
 * it before it acts. `nap S` (sleep S seconds unless a trapped signal comes first) is there for `then` too.
 */
function napFunction(indent: string, onStop: string): string[] {
  return [
    'nap() {',
    '  sleep "$1" 4>&- & sp=$!',
    '  w=129; [ -n "$q" ] || { wait "$sp"; w=$?; }',
    '  [ "$w" -le 128 ] || { kill -9 "$sp" 2>/dev/null; wait "$sp"; }',
    `  sp=; [ -z "$q" ] || ${onStop}`,
    '}',
  ].map((l) => indent + l);
}

function heartbeatTimer(t: string, then: string[]): string[] {
  return [
    "  trap '' PIPE",
    '  hb=0 q= sp=',
    "  trap 'hb=$((hb+1))' USR1",
    `  trap 'q=1; [ -z "$sp" ] || kill -9 "$sp" 2>/dev/null' TERM`,
    // nap S: sleep S seconds unless a trapped signal comes first; always reaps its sleep; exits on SIGTERM.
    ...napFunction('  ', 'exit 0'),
    '  while :; do',
    '    seen=$hb',
    `    nap ${t}`,
    '    [ "$hb" != "$seen" ] || break',
    '  done',
    ...then,
  ];
}

/**
 * The remote script (POSIX sh: dash, bash, busybox ash): tcpdump in the background with the channel's stdin kept
 * on fd 3 for a reader, and a timer (heartbeatTimer).
 * - Stop / lost channel: when stdin reaches EOF (we ended it, or sshd went away with the connection) the reader
 *   sends SIGTERM, so tcpdump flushes and prints its counts.
 * - Silent partition: sshd may not notice a blackholed connection for many minutes, so stdin never closes. We
 *   write a heartbeat line every HEARTBEAT_INTERVAL_MS; each one makes the reader send SIGUSR1 to the timer,
 *   which restarts its `sleep`. A `sleep` that runs out (no heartbeat for T s) means the client is gone: SIGTERM,
 *   and SIGKILL G s later (a tcpdump blocked writing into a stalled pipe never acts on SIGTERM).
 *   After a stop's EOF no heartbeat comes either, so a tcpdump that ignores SIGTERM is killed the same way.
 * A heartbeat line reading STATS_REQUEST_LINE also sends tcpdump SIGUSR1 (it prints its counts).
 * The script's end sends the timer SIGTERM, so no `sleep` or subshell outlives the script. SIGUSR1 is
 * ignored from before the timer exists until it sets its trap (the default action would end the timer); tcpdump
 * is started first, so it keeps its own SIGUSR1. Helpers send nothing to the channel's stdout (the timer says
 * WATCHDOG_MARK on stderr when it fires, and nothing else there), and end with the script, so the channel closes
 * when tcpdump ends.
 */
export function wrapWithWatchdog(argv: string[], opts: WatchdogOptions = {}): string {
  const t = wholeSeconds(opts.heartbeatTimeoutS ?? HEARTBEAT_TIMEOUT_S, 'heartbeat timeout');
  const g = wholeSeconds(opts.killGraceS ?? KILL_GRACE_S, 'kill grace');
  return [
    'exec 3<&0 </dev/null',
    `${shJoin(argv)} 3<&- &`,
    'tp=$!',
    "trap '' USR1",
    '(',
    ...heartbeatTimer(t, [
      `  echo "${WATCHDOG_MARK} ${t} s" >&4`,
      '  kill -TERM "$tp" 2>/dev/null',
      `  nap ${g}`,
      '  kill -KILL "$tp" 2>/dev/null',
    ]),
    ') 3<&- >/dev/null 4>&2 2>/dev/null &',
    'tm=$!',
    `( while IFS= read -r _l <&3; do kill -USR1 "$tm" 2>/dev/null; [ "$_l" != ${STATS_REQUEST_LINE} ] || kill -USR1 "$tp" 2>/dev/null; done; kill -TERM "$tp" 2>/dev/null ) >/dev/null 2>&1 &`,
    'wp=$!',
    'wait "$tp"; rc=$?',
    'kill "$wp" "$tm" 2>/dev/null',
    'exit "$rc"',
  ].join('\n');
}

/** Compiles the filter on the interface without capturing (`tcpdump -d`): a bad filter fails here, before start. */
export function filterCheckScript(tcpdumpPath: string, iface: string, filter: string): string {
  const argv = [tcpdumpPath, '-d', '-i', iface];
  if (filter !== '') argv.push('--', filter);
  return `${shJoin(argv)} >/dev/null`;
}

/** What the node says on stderr once checkedStartScript's filter check passed (and, gated, waits for START_LINE). */
export const FILTER_CHECKED_MARK = 'hopscope: filter compiled; waiting for the start';
/** The stdin line that lets a gated checkedStartScript go on to the capture. */
export const START_LINE = 'go';
/** What the node says on stderr when it stops waiting for START_LINE for want of heartbeats (then it exits). */
export const WAIT_WATCHDOG_MARK = 'hopscope: gave up waiting for the start: no heartbeat for';

export interface CheckedStartOptions extends WatchdogOptions {
  /**
   * Wait for START_LINE after the check (default true): a session's start, which lets tcpdump go only once every
   * interface's check passed. False: the capture follows the check at once (a late node's interfaces, a new pod's:
   * nothing to wait for), so the check costs no round trip at all.
   */
  gate?: boolean;
}

/**
 * The filter check (`check`: filterCheckScript) and the capture (`start`: the watchdog script) in one exec, so that
 * a start costs one round trip per interface and not two: the check runs first, its failure ends the script with
 * its exit status and tcpdump's words on stderr, as the check on its own did; when it passes, the node says
 * FILTER_CHECKED_MARK and, gated, waits for START_LINE on stdin before starting the capture. The session sends it
 * only once every interface's check has passed (a filter any of them rejects starts nothing); the end of stdin
 * instead (the session gave up, or the connection went away) ends the script without starting tcpdump. Other lines
 * (heartbeats: they are sent from the channel's opening) are skipped. `read` takes the line a byte at a time from
 * the channel (a pipe), so the heartbeat lines after it are left for the watchdog's reader.
 * The wait has the capture's watchdog (its signalled `nap`): a connection blackholed while the node waits leaves no
 * `sh` (nor the `sudo` above it) waiting until sshd notices; when T s pass without a heartbeat line the script says
 * WAIT_WATCHDOG_MARK and exits (nothing to flush: no tcpdump runs yet). Here the script itself is the timer and a
 * background reader reads stdin: the reader sends it SIGUSR1 per heartbeat, SIGUSR2 at START_LINE and SIGTERM at
 * the end of stdin, signals whose traps are set before the reader exists, so that the outcome never hangs on a
 * subshell having set its trap before a signal comes (a timer subshell told to stop by SIGTERM would be told so
 * microseconds after its fork when `go` is already waiting), and which say what happened (bash may have forgotten
 * the reader's exit status by the time it is waited for). The timer's stderr is /dev/null
 * (the shell says "Killed" there for each `sleep` a heartbeat cut short), its mark on fd 4; the reader is killed
 * and reaped on a timeout, and reaped in any case before the script goes on or exits.
 */
export function checkedStartScript(check: string, start: string, opts: CheckedStartOptions = {}): string {
  const checked = [`${check} || exit $?`, `echo '${FILTER_CHECKED_MARK}' >&2`];
  if (opts.gate === false) return [...checked, start].join('\n');
  const t = wholeSeconds(opts.heartbeatTimeoutS ?? HEARTBEAT_TIMEOUT_S, 'heartbeat timeout');
  return [
    ...checked,
    'hb=0 q= g= sp=',
    "trap 'hb=$((hb+1))' USR1",
    `trap 'q=1 g=1; [ -z "$sp" ] || kill -9 "$sp" 2>/dev/null' USR2`,
    `trap 'q=1; [ -z "$sp" ] || kill -9 "$sp" 2>/dev/null' TERM`,
    // A background list's stdin is /dev/null before its redirections: the channel's is passed on fd 5.
    'exec 5<&0',
    `( while IFS= read -r _go; do [ "$_go" != ${START_LINE} ] || { kill -USR2 $$; exit; }; kill -USR1 $$; done; kill -TERM $$ ) <&5 5<&- >/dev/null 2>&1 &`,
    'rp=$!',
    'exec 5<&-',
    '{',
    ...napFunction('  ', ':'),
    '  while [ -z "$q" ]; do',
    '    seen=$hb',
    `    nap ${t}`,
    '    [ -n "$q" ] || [ "$hb" != "$seen" ] || break',
    '  done',
    `  [ -n "$q" ] || { echo "${WAIT_WATCHDOG_MARK} ${t} s" >&4; kill -9 "$rp" 2>/dev/null; wait "$rp"; exit 1; }`,
    // Reaped (its status unused: bash may have forgotten it by now); killed first unless it said START_LINE (and is
    // ending), so that a SIGTERM from elsewhere does not leave it reading.
    '  [ -n "$g" ] || kill -9 "$rp" 2>/dev/null',
    '  wait "$rp"',
    '} 4>&2 2>/dev/null',
    'trap - USR1 USR2 TERM',
    '[ -n "$g" ] || exit 0',
    start,
  ].join('\n');
}

/** Clause that leaves out this SSH connection's own packets (from the node's SSH_CONNECTION). */
export function excludeSshClause(ssh: SshEndpoints): string {
  for (const v of [ssh.clientIp, ssh.serverIp])
    if (!/^[0-9A-Fa-f:.]+$/.test(v)) throw new Error(`bad address ${v}`);
  // Every connection of ours to this sshd, not just the one the endpoints came from: a node with more interfaces
  // than a connection's sessions gets more connections (other client ports), opened later, whose streams would
  // otherwise be captured, on the management NIC feeding back into themselves.
  return `not (tcp and host ${ssh.clientIp} and host ${ssh.serverIp} and port ${ssh.serverPort})`;
}

/**
 * Clause matching the overlay tunnels' outer packets (VXLAN, Geneve and WireGuard on the given UDP ports, IPIP). A
 * user filter such as `icmp` matches nothing on an underlay interface, where the ping travels inside VXLAN, Geneve or
 * IPIP, or encrypted by WireGuard (the walkthrough's `tcpdump -nei ens33 icmp` stays silent there): adding this
 * clause keeps the journey whole. WireGuard's peers each send to the other's listening port, so `dst port` catches
 * both ways, as VXLAN's; what it carries is encrypted, so all of it is captured.
 */
export function tunnelClause(
  vxlanPorts: readonly number[],
  genevePorts: readonly number[] = [],
  wireguardPorts: readonly number[] = [],
): string {
  const ports = [...vxlanPorts, ...genevePorts, ...wireguardPorts].filter(
    (p) => Number.isInteger(p) && p > 0 && p < 65536,
  );
  const udp = [...new Set(ports)].map((p) => `udp dst port ${p}`);
  return `(${[...udp, 'ip proto 4'].join(' or ')})`;
}

/**
 * Whether a filter speaks of the overlay tunnels itself (VXLAN, Geneve and WireGuard ports, IPIP): widened by the
 * tunnel clause, an exclusion such as `not ip proto 4` is undone on the underlay (the tunnel traffic is captured all
 * the same).
 */
export function filterNamesTunnels(filter: string): boolean {
  return /\b(vxlan|geneve|ipip|wireguard|4789|8472|6081|51820|51871)\b|\bproto\s+(4|\\?ipip)\b|\bip\s+proto\s+4\b/i.test(
    filter,
  );
}

/**
 * Combines the user's filter with the tunnel clause (a user filter widened so the same packets are also caught
 * encapsulated) and the exclusion clause.
 */
export function combineFilter(user: string, exclude: string | null, tunnels: string | null = null): string {
  let u = user.trim();
  if (u !== '' && tunnels) u = `(${u}) or ${tunnels}`;
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

/**
 * One unprivileged round trip that learns what the node has: uid, SSH endpoints, tcpdump and its abilities. One
 * tcpdump run answers both the version and nanosecond support (`--version` after the option prints the same, and
 * fails where the option is unknown: only then is `--version` asked alone), its first line cut by the shell.
 */
export const PROBE_SCRIPT = [
  'printf "uid=%s\\n" "$(id -u)"',
  'printf "ssh=%s\\n" "$SSH_CONNECTION"',
  'printf "sudo=%s\\n" "$(command -v sudo 2>/dev/null)"',
  't=$(command -v tcpdump 2>/dev/null)',
  "nl='",
  "'",
  'for p in "$t" /usr/sbin/tcpdump /usr/bin/tcpdump /sbin/tcpdump /usr/local/sbin/tcpdump /usr/local/bin/tcpdump; do',
  '  if [ -n "$p" ] && [ -x "$p" ]; then',
  '    printf "tcpdump=%s\\n" "$p"',
  '    if v=$("$p" --time-stamp-precision=nano --version 2>&1); then n=1; else n=0; v=$("$p" --version 2>&1); fi',
  '    printf "version=%s\\nnano=%s\\n" "${v%%"$nl"*}" "$n"',
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
