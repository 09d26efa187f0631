// The remote command lines, executed by a real local /bin/sh: hostile interface names and filters arrive as
// exactly one argument each and run nothing; the watchdog kills the child when stdin closes.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  combineFilter,
  tunnelClause,
  excludeSshClause,
  filterNamesTunnels,
  filterCheckScript,
  parseProbe,
  parseSshConnection,
  PROBE_SCRIPT,
  tcpdumpArgs,
  wrapWithWatchdog,
} from '../../main/capture/tcpdumpCommand.ts';
import { WIREGUARD_PORTS } from '../../main/decode/wireguard.ts';
import { privileged, redact } from '../../main/ssh/privilege.ts';
import { shJoin, shQuote } from '../../main/ssh/shellQuote.ts';
import { tempDir } from '../tempDir.ts';

const dir = tempDir('hs-cmd-');
const canary = join(dir, 'pwned');
// A stand-in "tcpdump" that prints each argument on its own line between brackets.
const argvDump = join(dir, 'argv dump.sh');
writeFileSync(argvDump, '#!/bin/sh\nfor a in "$@"; do printf "[%s]\\n" "$a"; done\n');
chmodSync(argvDump, 0o755);

const HOSTILE = [
  `eth0;touch ${canary}`,
  `$(touch ${canary})`,
  '`touch ' + canary + '`',
  `'; touch ${canary}; '`,
  '-w/etc/passwd',
  `a"b'c\\d`,
  'cali$IFS*',
  '\n touch x',
];

/** What sshd does with our command: the login shell runs it with -c. */
function runRemote(command: string, input = ''): { out: string; err: string; code: number } {
  const r = spawnSync('/bin/sh', ['-c', command], { encoding: 'utf8', input });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

/** Like runRemote, but stdin stays open (as the channel's does while capturing) until the command ends. */
function runKeepingStdin(command: string): Promise<{ out: string; code: number | null }> {
  const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      child.stdin.end();
      resolve({ out, code });
    }),
  );
}

describe('shell quoting', () => {
  it('every hostile string survives sh as one argument and runs nothing', () => {
    for (const s of HOSTILE) {
      const r = runRemote(`printf '[%s]\\n' ${shQuote(s)}`);
      expect(r.out).toBe(`[${s}]\n`);
    }
    expect(existsSync(canary)).toBe(false);
    expect(() => shQuote('a\0b')).toThrow();
    expect(shQuote('')).toBe("''");
    expect(shJoin(['ens33', 'cali*'])).toBe("ens33 'cali*'");
  });
});

describe('tcpdump command lines', () => {
  it('tcpdumpArgs: -U -w - -i IFACE --immediate-mode -s SNAPLEN, nano or micro, -c, filter after --', () => {
    expect(
      tcpdumpArgs({
        tcpdumpPath: '/usr/bin/tcpdump',
        iface: 'ens33',
        snaplen: 262144,
        nano: true,
        filter: 'icmp',
      }),
    ).toEqual([
      '/usr/bin/tcpdump',
      '-U',
      '-w',
      '-',
      '-i',
      'ens33',
      '--immediate-mode',
      '-s',
      '262144',
      '--time-stamp-precision=nano',
      '--',
      'icmp',
    ]);
    expect(
      tcpdumpArgs({ tcpdumpPath: 't', iface: 'x', snaplen: 96, nano: false, filter: '', count: 5 }),
    ).toEqual([
      't',
      '-U',
      '-w',
      '-',
      '-i',
      'x',
      '--immediate-mode',
      '-s',
      '96',
      '--time-stamp-precision=micro',
      '-c',
      '5',
    ]);
  });

  it('through privileged() and the watchdog, hostile names and filters reach tcpdump verbatim', async () => {
    for (const iface of HOSTILE) {
      const filter = `icmp and $(touch ${canary}) ; -w /etc/passwd`;
      const argv = tcpdumpArgs({ tcpdumpPath: argvDump, iface, snaplen: 100, nano: true, filter });
      const cmd = privileged(wrapWithWatchdog(argv), { mode: 'root' });
      const r = await runKeepingStdin(cmd.command);
      expect(r.code).toBe(0);
      expect(r.out).toBe(
        argv
          .slice(1)
          .map((a) => `[${a}]\n`)
          .join(''),
      );
      const check = runRemote(
        privileged(filterCheckScript(argvDump, iface, filter), { mode: 'none' }).command,
      );
      expect(check.code).toBe(0);
    }
    expect(existsSync(canary)).toBe(false);
  });

  it('sudo forms keep the password out of the command; sudo -S gets it as the first stdin line', () => {
    const n = privileged('tcpdump -d', { mode: 'sudo' });
    expect(n.command).toBe(`sudo -n -- sh -c 'tcpdump -d'`);
    const s = privileged('tcpdump -d', { mode: 'sudo-password', password: "p'w$(x)" });
    expect(s.command).toBe(`sudo -S -p '' -- sh -c 'tcpdump -d'`);
    expect(s.command).not.toContain("p'w");
    expect(s.stdinPreamble).toBe("p'w$(x)\n");
    expect(redact("Sorry p'w$(x) wrong", "p'w$(x)")).toBe('Sorry *** wrong');
  });

  it('the SSH exclusion clause comes from SSH_CONNECTION and is combined with the user filter', () => {
    const ep = parseSshConnection('10.1.10.1 41680 10.1.10.9 22\n')!;
    expect(ep).toEqual({ clientIp: '10.1.10.1', clientPort: 41680, serverIp: '10.1.10.9', serverPort: 22 });
    const ex = excludeSshClause(ep);
    expect(ex).toBe('not (tcp and host 10.1.10.1 and host 10.1.10.9 and port 22)');
    expect(combineFilter('icmp or arp', ex)).toBe(`(icmp or arp) and ${ex}`);
    expect(combineFilter('  ', ex)).toBe(ex);
    expect(combineFilter('icmp', null)).toBe('icmp');
    expect(parseSshConnection('$(id) 1 2 3')).toBeNull();
    expect(() => excludeSshClause({ ...ep, clientIp: '1.2.3.4;x' })).toThrow();
  });

  it('a filter is widened with the overlay tunnels so the packet is also caught encapsulated', () => {
    const tun = tunnelClause([4789, 8472]);
    expect(tun).toBe('(udp dst port 4789 or udp dst port 8472 or ip proto 4)');
    expect(tunnelClause([0, 70000, 8472])).toBe('(udp dst port 8472 or ip proto 4)');
    const ex = 'not (tcp and host 10.1.10.1 and host 10.1.10.9 and port 22)';
    expect(combineFilter('icmp', ex, tun)).toBe(`((icmp) or ${tun}) and ${ex}`);
    // No filter means everything already: nothing to widen.
    expect(combineFilter('', ex, tun)).toBe(ex);
    expect(combineFilter('icmp', null, tun)).toBe(`(icmp) or ${tun}`);
    // The real tcpdump compiles it, and on the lab's own bytes it keeps the VXLAN-carried echo that 'icmp' drops.
    expect(spawnSync('tcpdump', ['-d', '-y', 'EN10MB', '--', combineFilter('icmp', ex, tun)]).status).toBe(0);
    const ens33 = 'tests/fixtures/flannel-vxlan/node-1__ens33.pcap';
    const count = (f: string) =>
      spawnSync('tcpdump', ['-nr', ens33, '--', f], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .filter(Boolean).length;
    expect(count('icmp')).toBe(0);
    expect(count(combineFilter('icmp', null, tun))).toBeGreaterThanOrEqual(6);
  });

  it('the widening follows Geneve too (UDP 6081: Antrea, OVN-Kubernetes): the Geneve-carried echoes are kept', () => {
    const tun = tunnelClause([4789, 8472], [6081]);
    expect(tun).toBe('(udp dst port 4789 or udp dst port 8472 or udp dst port 6081 or ip proto 4)');
    // A port given as both is one term.
    expect(tunnelClause([6081], [6081])).toBe('(udp dst port 6081 or ip proto 4)');
    const ens33 = 'tests/fixtures/antrea-geneve/node-1__ens33.pcap';
    const count = (f: string) =>
      spawnSync('tcpdump', ['-nr', ens33, '--', f], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter((l) => /ICMP echo/.test(l)).length;
    expect(count('icmp')).toBe(0);
    expect(count(combineFilter('icmp', null, tunnelClause([4789, 8472])))).toBe(0);
    expect(count(combineFilter('icmp', null, tun))).toBe(6);
  });

  it('the widening follows WireGuard too (UDP 51820: Calico, flannel; 51871: Cilium): the encrypted echoes are kept', () => {
    const tun = tunnelClause([4789, 8472], [6081], WIREGUARD_PORTS);
    expect(tun).toBe(
      '(udp dst port 4789 or udp dst port 8472 or udp dst port 6081 or udp dst port 51820 or udp dst port 51871 or ip proto 4)',
    );
    expect(filterNamesTunnels('not udp port 51820')).toBe(true);
    // On calico-wireguard's ens33 the pod pings travel encrypted: `icmp` sees none of them; widened, the transport
    // data messages of both directions (and the handshake) are kept, and nothing else there is WireGuard's.
    const ens33 = 'tests/fixtures/calico-wireguard/node-1__ens33.pcap';
    const lines = (f: string) =>
      spawnSync('tcpdump', ['-nr', ens33, '--', f], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(lines('icmp')).toEqual([]);
    const all = lines('');
    const kept = lines(combineFilter('icmp', null, tun));
    const wg = all.filter((l) => /\.51820 > .*\.51820: UDP/.test(l));
    expect(wg.length).toBeGreaterThanOrEqual(12);
    expect(kept).toEqual(wg);
    expect(lines(combineFilter('icmp', null, tunnelClause([4789, 8472], [6081])))).toEqual([]);
  });

  it('buffered delivery leaves out --immediate-mode; immediate (and the argv default) keeps it', () => {
    const base = { tcpdumpPath: '/usr/bin/tcpdump', iface: 'ens33', snaplen: 96, nano: true, filter: 'icmp' };
    expect(tcpdumpArgs({ ...base, delivery: 'buffered', bufferKiB: 4096 })).toEqual([
      '/usr/bin/tcpdump',
      '-U',
      '-w',
      '-',
      '-i',
      'ens33',
      '-s',
      '96',
      '--time-stamp-precision=nano',
      '-B',
      '4096',
      '--',
      'icmp',
    ]);
    expect(tcpdumpArgs({ ...base, delivery: 'immediate' })).toContain('--immediate-mode');
    expect(tcpdumpArgs(base)).toContain('--immediate-mode');
  });

  it('tcpdump -B carries the kernel buffer size when asked', () => {
    const base = { tcpdumpPath: '/usr/bin/tcpdump', iface: 'ens33', snaplen: 96, nano: true, filter: 'icmp' };
    expect(tcpdumpArgs(base)).not.toContain('-B');
    const a = tcpdumpArgs({ ...base, bufferKiB: 32768 });
    expect(a.slice(a.indexOf('-B'), a.indexOf('-B') + 2)).toEqual(['-B', '32768']);
    expect(a.indexOf('-B')).toBeLessThan(a.indexOf('--'));
  });

  it('the real tcpdump compiles the combined filter (-d), and rejects a bad one', () => {
    const ex = excludeSshClause({
      clientIp: '10.1.10.1',
      clientPort: 41680,
      serverIp: '10.1.10.9',
      serverPort: 22,
    });
    // -y EN10MB with -d needs no device or privilege: it only compiles.
    expect(spawnSync('tcpdump', ['-d', '-y', 'EN10MB', '--', combineFilter('icmp', ex)]).status).toBe(0);
    expect(
      spawnSync('tcpdump', ['-d', '-y', 'EN10MB', '--', combineFilter('icmp andd', ex)]).status,
    ).not.toBe(0);
  });

  it("the probe script runs under sh and finds this machine's tcpdump", () => {
    const r = runRemote(`sh -c ${shQuote(PROBE_SCRIPT)}`);
    const p = parseProbe(r.out);
    expect(p.uid).toBe(process.getuid!());
    expect(p.tcpdumpPath).toMatch(/tcpdump$/);
    expect(p.tcpdumpVersion).toMatch(/^tcpdump version/);
    expect(p.nano).toBe(true);
  });

  it('the probe runs tcpdump once; one without --time-stamp-precision is asked --version alone, nano=0', () => {
    for (const [name, script] of [
      ['new', 'echo x >> "$0.runs"; printf "tcpdump version 4.99.3\\nlibpcap version 1.10.3\\n"'],
      [
        'old',
        'echo x >> "$0.runs"; case "$1" in --time-stamp-precision*) echo "tcpdump: unrecognized option" >&2; exit 1;; esac\n' +
          'printf "tcpdump version 4.1.1\\nlibpcap version 1.1.1\\n"',
      ],
    ]) {
      const bin = join(dir, `probe-${name}`);
      spawnSync('mkdir', ['-p', bin]);
      writeFileSync(join(bin, 'tcpdump'), `#!/bin/sh\n${script}\n`);
      chmodSync(join(bin, 'tcpdump'), 0o755);
      const r = spawnSync('/bin/sh', ['-c', `sh -c ${shQuote(PROBE_SCRIPT)}`], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      const p = parseProbe(r.stdout);
      expect(p.tcpdumpPath).toBe(join(bin, 'tcpdump'));
      const runs = readFileSync(join(bin, 'tcpdump.runs'), 'utf8').split('\n').filter(Boolean).length;
      if (name === 'new') {
        expect([p.tcpdumpVersion, p.nano, runs]).toEqual(['tcpdump version 4.99.3', true, 1]);
      } else {
        expect([p.tcpdumpVersion, p.nano, runs]).toEqual(['tcpdump version 4.1.1', false, 2]);
      }
    }
  });
});

describe('the watchdog wrapper', () => {
  // A stand-in tcpdump: prints counts on SIGTERM like tcpdump does, and records its pid.
  const fake = join(dir, 'fake-tcpdump.sh');
  const pidFile = join(dir, 'fake.pid');
  writeFileSync(
    fake,
    `#!/bin/sh\necho $$ > ${shQuote(pidFile)}\ntrap 'echo "3 packets captured" >&2; echo "4 packets received by filter" >&2; echo "0 packets dropped by kernel" >&2; exit 0' TERM\necho "tcpdump: listening on x, link-type EN10MB (Ethernet), snapshot length 96 bytes" >&2\nwhile :; do sleep 0.05; done\n`,
  );
  chmodSync(fake, 0o755);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('stdin EOF → SIGTERM to the child, which prints its counts; the wrapper exits with its status', async () => {
    const child = spawn('/bin/sh', ['-c', privileged(wrapWithWatchdog([fake]), { mode: 'root' }).command], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exit = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    while (!err.includes('listening')) await new Promise((r) => setTimeout(r, 20));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(true);
    child.stdin.write('sudo-password-line-is-ignored\n');
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(true);
    child.stdin.end();
    expect(await exit).toBe(0);
    expect(err).toContain('3 packets captured');
    expect(alive(pid)).toBe(false);
  });

  it('if the child ends by itself the wrapper ends too (no hang waiting for stdin)', async () => {
    const child = spawn(
      '/bin/sh',
      ['-c', privileged(wrapWithWatchdog(['sh', '-c', 'exit 3']), { mode: 'root' }).command],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(code).toBe(3);
  });

  it('SIGKILL of the parent side (stdin writer gone) still kills the child', async () => {
    // The writer of the wrapper's stdin is a separate process we kill -9, as sshd would vanish.
    const script = `exec 0</dev/null; sleep 30 | sh -c ${shQuote(privileged(wrapWithWatchdog([fake]), { mode: 'root' }).command)}`;
    const outer = spawn('/bin/sh', ['-c', script], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let err = '';
    outer.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    while (!err.includes('listening')) await new Promise((r) => setTimeout(r, 20));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // Kill the `sleep` feeding stdin (the pipe's writer): stdin reaches EOF.
    const sleeps = spawnSync('pgrep', ['-P', String(outer.pid), '-x', 'sleep'], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .filter(Boolean);
    expect(sleeps.length).toBe(1);
    process.kill(Number(sleeps[0]), 'SIGKILL');
    const t0 = Date.now();
    while (alive(pid) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(alive(pid)).toBe(false);
    try {
      process.kill(-outer.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  });
});
