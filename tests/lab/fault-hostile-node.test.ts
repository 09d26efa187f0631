// A hostile node on the real lab: real OpenSSH on node-2, but the login user (`hsxrel`, made for this test and
// removed after) has a PATH whose `ip` reports shell-active interface names and whose `tcpdump` sends, per
// test, a header then silence, garbage instead of pcap, or an endless stream. node-1 (root, the real tcpdump)
// captures at the same time. What must hold: nothing the node names runs anywhere (canary files stay absent),
// tcpdump gets each name as one argument, the bad stream is reported per interface, the other node is
// unaffected, stop works, memory stays bounded.
// Run: flock /tmp/hopscope-lab.lock npx vitest run --project lab tests/lab/fault-hostile-node.test.ts   (~40 s)

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PcapStreamReader } from '../../main/pcap/index.ts';

import {
  allCapturing,
  KNOWN_HOSTS,
  lab,
  LAB_KEY,
  readSession,
  sh,
  sleep,
  SSH_CONFIG,
  startCapture,
  waitUntil,
} from './captureLab.ts';
import { pcapHeader } from '../pcapBytes.ts';
import { tempDir } from '../tempDir.ts';

const USER = 'hsxrel';
const HOME = `/home/${USER}`;
const CANARIES = ['p', 'q', 'r', 's'];
const EVIL = ['$(touch${IFS}p)', '`touch${IFS}q`', ';touch${IFS}r', '|touch${IFS}s', '-wfoo'];
const UNCAPTURABLE = ['a b;touch x', 'x/../../y', 'z'.repeat(40)];

const FAKE_TCPDUMP = `#!/bin/sh
# Hostile tcpdump for Hopscope's lab tests: behaviour from ~/mode; argv recorded NUL-separated, one file per run
# (several run at once: appends to one file would interleave).
{ printf '%s\\0' "$#"; for a in "$@"; do printf '%s\\0' "$a"; done; } > "$HOME/argv/$$"
case " $* " in *" --version "*) echo "tcpdump version 4.99.3"; exit 0;; esac
for a in "$@"; do [ "$a" = -d ] && exit 0; done
iface=; prev=; for a in "$@"; do [ "$prev" = -i ] && iface=$a; prev=$a; done
echo "tcpdump: listening on $iface, link-type EN10MB (Ethernet), snapshot length 262144 bytes" >&2
trap 'echo "0 packets captured" >&2; echo "0 packets received by filter" >&2; echo "0 packets dropped by kernel" >&2; exit 0' TERM
trap 'echo "tcpdump: 0 packets captured, 0 packets received by filter, 0 packets dropped by kernel" >&2' USR1
case $(cat "$HOME/mode") in
  garbage) while :; do echo "sudo: this is not a pcap stream"; sleep 0.2; done ;;
  silence) cat "$HOME/header.bin"; while :; do sleep 0.2; done ;;
  endless) cat "$HOME/header.bin"; while :; do cat "$HOME/body.bin"; done ;;
esac
`;
const FAKE_IP = `#!/bin/sh
case "$*" in *link*) cat "$HOME/link.json" ;; *) echo '[]' ;; esac
`;

function linkJson(names: (string | Buffer)[]): Buffer {
  const parts = names.map((n, i) => {
    const name =
      typeof n === 'string'
        ? Buffer.from(JSON.stringify(n))
        : Buffer.concat([Buffer.from('"'), n, Buffer.from('"')]);
    return Buffer.concat([
      Buffer.from(`{"ifindex":${i + 1},"ifname":`),
      name,
      Buffer.from(
        ',"flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP","link_type":"ether","address":"02:00:00:00:00:0' +
          (i % 10) +
          '"}',
      ),
    ]);
  });
  return Buffer.concat([
    Buffer.from('['),
    ...parts.flatMap((p, i) => (i ? [Buffer.from(','), p] : [p])),
    Buffer.from(']'),
  ]);
}

/** 1 MiB of 60-byte Ethernet frames (16-byte record header each). */
function pcapBody(): Buffer {
  const rec = Buffer.alloc(16 + 60);
  rec.writeUInt32LE(1_700_000_000, 0);
  rec.writeUInt32LE(60, 8);
  rec.writeUInt32LE(60, 12);
  rec.fill(0xab, 16);
  const n = Math.floor((1 << 20) / rec.length);
  return Buffer.concat(new Array(n).fill(rec));
}

function setMode(mode: string, names: (string | Buffer)[]): void {
  writeFileSync(join(HOME, 'mode'), mode);
  writeFileSync(join(HOME, 'link.json'), linkJson(names));
  rmSync(join(HOME, 'argv'), { recursive: true, force: true });
  mkdirSync(join(HOME, 'argv'));
  sh('chown', [`${USER}:${USER}`, join(HOME, 'mode'), join(HOME, 'link.json'), join(HOME, 'argv')]);
}

function recordedArgv(): string[][] {
  return readdirSync(join(HOME, 'argv')).map((f) => {
    const tokens = readFileSync(join(HOME, 'argv', f), 'utf8')
      .split('\0')
      .slice(0, -1);
    expect(tokens.length, f).toBe(Number(tokens[0]) + 1);
    return tokens.slice(1);
  });
}

function canariesFound(): string[] {
  return CANARIES.flatMap((c) => [join(HOME, c), join('/', c), join('/tmp', c)]).filter((p) => existsSync(p));
}

const args = (out: string, n2iface: string) => [
  '--ssh-config',
  SSH_CONFIG,
  '--node',
  'node-1',
  '--node',
  `node-2=${USER}@10.1.10.10`,
  '--identity',
  LAB_KEY,
  '--known-hosts',
  KNOWN_HOSTS,
  '--iface',
  'node-1:ens33',
  '--iface',
  `node-2:${n2iface}`,
  '--filter',
  'icmp or udp port 8472',
  '--out',
  out,
];

describe.sequential('a hostile node (real sshd, hostile ip and tcpdump)', () => {
  beforeAll(() => {
    lab('up', 'flannel-vxlan');
    sh('userdel', ['-r', USER]);
    // '*' (not the locked '!'): the lab's sshd runs without PAM and refuses locked accounts even for keys.
    expect(sh('useradd', ['-m', '-s', '/bin/bash', '-p', '*', USER]).code).toBe(0);
    mkdirSync(join(HOME, 'bin'));
    writeFileSync(join(HOME, 'bin', 'tcpdump'), FAKE_TCPDUMP, { mode: 0o755 });
    writeFileSync(join(HOME, 'bin', 'ip'), FAKE_IP, { mode: 0o755 });
    // bash sources ~/.bashrc for commands sshd runs: put the hostile programs first in PATH.
    writeFileSync(
      join(HOME, '.bashrc'),
      `PATH=$HOME/bin:$PATH\n${readFileSync(join(HOME, '.bashrc'), 'utf8')}`,
    );
    writeFileSync(join(HOME, 'header.bin'), pcapHeader());
    writeFileSync(join(HOME, 'body.bin'), pcapBody());
    sh('chown', ['-R', `${USER}:${USER}`, HOME]);
  });
  afterAll(() => {
    lab('down');
    sh('userdel', ['-r', USER]);
  });

  it('interface names that are shell code reach tcpdump as single arguments and run nowhere', async () => {
    setMode('silence', ['eth0', ...EVIL, ...UNCAPTURABLE, Buffer.from([0x65, 0xff, 0xfe, 0x30])]);
    const dir = tempDir('hs-hostile-names-');
    const run = startCapture(args(dir, '*'));
    await waitUntil('7 captures listening', () => allCapturing(dir, 7), 40_000);
    sh(process.execPath, [
      join(import.meta.dirname, '../../bin/hopscope.mjs'),
      'lab',
      'traffic',
      'flannel-vxlan',
    ]);
    run.child.kill('SIGINT');
    await run.exit;
    const s = readSession(dir);
    const n2 = s.captures
      .filter((c: { node: string }) => c.node === 'node-2')
      .map((c: { iface: string }) => c.iface);
    expect(n2.sort()).toEqual(['eth0', ...EVIL].sort());
    const warnings = s.nodes.find((n: { name: string }) => n.name === 'node-2').discovery.warnings.join('\n');
    expect(warnings).toMatch(/cannot be captured/);
    // Each capture started tcpdump with `-i NAME` exactly (and -d checks before it).
    const started = recordedArgv().filter((a) => a.includes('-U'));
    expect(started.map((a) => a[a.indexOf('-i') + 1]).sort()).toEqual(['eth0', ...EVIL].sort());
    for (const a of started)
      expect(a.slice(-2)).toEqual(['--', expect.stringContaining('icmp or udp port 8472')]);
    expect(canariesFound()).toEqual([]);
    for (const c of s.captures) {
      expect(c.state, `${c.node}:${c.iface}`).toBe('stopped');
      if (c.node === 'node-2') expect(statSync(join(dir, c.file)).size).toBe(24); // a header, then silence
    }
    expect(s.captures.find((c: { node: string }) => c.node === 'node-1').packets).toBeGreaterThan(0);
  });

  it('garbage instead of pcap is reported for that interface; the other node captures normally', async () => {
    setMode('garbage', ['eth0']);
    const dir = tempDir('hs-hostile-garbage-');
    const run = startCapture(args(dir, 'eth0'));
    await waitUntil('2 captures listening', () => allCapturing(dir, 2), 40_000);
    sh(process.execPath, [
      join(import.meta.dirname, '../../bin/hopscope.mjs'),
      'lab',
      'traffic',
      'flannel-vxlan',
    ]);
    await sleep(500);
    run.child.kill('SIGINT');
    await run.exit;
    const s = readSession(dir);
    const bad = s.captures.find((c: { node: string }) => c.node === 'node-2');
    const good = s.captures.find((c: { node: string }) => c.node === 'node-1');
    expect(bad.streamProblem?.code).toBe('PCAP_BAD_MAGIC');
    expect(bad.streamProblem?.offset).toBe(0);
    expect(bad.packets).toBe(0);
    expect(readFileSync(join(dir, bad.file), 'utf8')).toContain('not a pcap stream'); // kept as received
    expect(good.state).toBe('stopped');
    expect(good.packets).toBeGreaterThan(0);
    expect(good.streamProblem ?? null).toBeNull();
  });

  it('an endless stream is stored as fast as it comes, with bounded memory, and stops on request', async () => {
    setMode('endless', ['eth0']);
    const dir = tempDir('hs-hostile-endless-');
    const run = startCapture(args(dir, 'eth0'));
    await waitUntil('2 captures listening', () => allCapturing(dir, 2), 40_000);
    let peakMb = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 2500) {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${run.child.pid}/status`, 'utf8'))?.[1];
      peakMb = Math.max(peakMb, Number(rss) / 1024);
      await sleep(200);
    }
    const stopAt = Date.now();
    run.child.kill('SIGINT');
    await run.exit;
    const stopMs = Date.now() - stopAt;
    const s = readSession(dir);
    const c = s.captures.find((x: { node: string }) => x.node === 'node-2');
    const bytes = statSync(join(dir, c.file)).size;
    const r = new PcapStreamReader(() => {});
    r.push(new Uint8Array(readFileSync(join(dir, c.file))));
    const end = r.end();
    if (end) expect(end.code).toBe('PCAP_TRUNCATED');
    expect(bytes).toBeGreaterThan(10 << 20);
    expect(c.packets).toBe(r.records);
    expect(peakMb).toBeLessThan(300);
    expect(stopMs).toBeLessThan(10_000);
    rmSync(dir, { recursive: true, force: true }); // hundreds of MiB
    console.log(
      `[hostile] endless stream: ${(bytes / 2 ** 20).toFixed(0)} MiB in ~2.5 s stored, ${r.records} records, CLI peak RSS ${peakMb.toFixed(0)} MiB, stopped in ${stopMs} ms`,
    );
  });
});
