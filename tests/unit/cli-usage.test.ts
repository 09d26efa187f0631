// The CLI's promises about its arguments, from a hunt against BRIEF and --help: what it refuses before doing
// anything (a snaplen tcpdump would refuse, options that would do nothing, a pcapng onto a terminal), what its
// usage says, and inputs that name themselves oddly (a file called like a label, a session's session.json).

import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { checkNodeName, SESSION_SCHEMA } from '../../main/capture/sessionFolder.ts';
import { parseLabArgs } from '../../main/cli/lab.ts';
import { tempDir } from '../tempDir.ts';
import { correlate as correlateFiles, fixtureCopy, fixtureFiles, FIXTURES } from './correlate-helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'bin/hopscope.mjs');

function run(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the CLI refuses what would fail later or do nothing', () => {
  it('capture --snaplen past 262144 (tcpdump refuses it on every node, after connecting)', () => {
    const out = path.join(tempDir('hs-snap-'), 'session');
    const r = run('capture', '--node', 'node-1', '--snaplen', '300000', '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--snaplen is at most 262144');
  });

  it("a node name with '__' (its files would read back as another node and interface)", () => {
    expect(() => checkNodeName('a__b')).toThrow(/no '__'/);
    expect(() => checkNodeName('a_b')).not.toThrow();
  });

  it('export --corrected-time with --clock none', () => {
    const r = run(
      'export',
      '--pcapng',
      path.join(tempDir('hs-ct-'), 'x.pcapng'),
      '--corrected-time',
      '--clock',
      'none',
      ...fixtureFiles('flannel-vxlan'),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('--corrected-time with --clock none would correct nothing');
  });

  it('export --pcapng - onto a terminal (script gives it one)', () => {
    const cmd = ['node', CLI, 'export', '--pcapng', '-', ...fixtureFiles('flannel-vxlan')]
      .map((a) => `'${a}'`)
      .join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('not writing pcapng to a terminal');
    // Into a pipe it writes, as before.
    const piped = spawnSync('node', [CLI, 'export', '--pcapng', '-', ...fixtureFiles('flannel-vxlan')]);
    expect(piped.status).toBe(0);
    expect(piped.stdout.subarray(0, 4)).toEqual(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]));
  });

  it('lab --json with another verb than status', () => {
    expect(() => parseLabArgs(['up', 'kubenet', '--json'])).toThrow(/--json applies to `lab status` only/);
    expect(parseLabArgs(['status', '--json']).json).toBe(true);
  });

  it('--min-hops past its limit says the limit', () => {
    const r = run('correlate', '--json', '--min-hops', '1000000000', ...fixtureFiles('flannel-vxlan'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('--min-hops takes a positive integer below 1,000,000,000');
  });
});

describe('the CLI’s usage', () => {
  it('no command: the usage on stderr (a usage error, exit 2), naming --version; --help on stdout', () => {
    const none = run();
    expect([none.code, none.out]).toEqual([2, '']);
    expect(none.err).toMatch(/^usage: hopscope COMMAND/);
    expect(none.err).toContain('`hopscope --version` prints the version');
    const help = run('--help');
    expect([help.code, help.err]).toEqual([0, '']);
    expect(help.out).toMatch(/^usage: hopscope COMMAND/);
  });

  it('serve --help shows the options it takes (no --open; --renderer)', () => {
    const r = run('serve', '--help');
    expect(r.out).toMatch(/^usage: hopscope serve \[--port N\] \[--renderer DIR\] \[--json\]\n/);
    expect(r.out).not.toContain('--open');
  });
});

describe('inputs that name themselves oddly', () => {
  it('a file whose name reads like a NODE:IFACE=FILE label is that file', () => {
    const dir = tempDir('hs-labelname-');
    const odd = 'k8s:lab=node-2__ens33.pcap';
    copyFileSync(
      fixtureFiles('flannel-vxlan').find((f) => f.endsWith('node-2__ens33.pcap'))!,
      path.join(dir, odd),
    );
    const r = spawnSync('node', [CLI, 'correlate', '--summary', odd], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^captures 1\npackets 8\n/);
  });

  it("a session folder's session.json stands for the folder", () => {
    const dir = tempDir('hs-sessjson-');
    const files = fixtureFiles('flannel-vxlan');
    const captures = files.map((f) => {
      const [node, iface] = path.basename(f, '.pcap').split('__');
      copyFileSync(f, path.join(dir, path.basename(f)));
      return { node, iface, file: path.basename(f), state: 'stopped' };
    });
    writeFileSync(
      path.join(dir, 'session.json'),
      JSON.stringify({ schema: SESSION_SCHEMA, nodes: [], captures }),
    );
    const viaFile = run('correlate', '--summary', path.join(dir, 'session.json'));
    expect(viaFile.code, viaFile.err).toBe(0);
    expect(viaFile.out).toBe(run('correlate', '--summary', dir).out);
    expect(viaFile.out).toMatch(/^captures 8\n/);
  });

  it('an unnamed multi-interface pcapng names its lanes if0, if1… as a one-interface file is if0', () => {
    const res = correlateFiles([path.join(FIXTURES, 'synthetic/multi.pcapng')]);
    // Its three interfaces have no if_name (it said if#0, if#1, if#2).
    expect(res.captures.map((c) => c.iface)).toEqual(['if0', 'if1', 'if2']);
  });
});

describe('the ladder across midnight', () => {
  it('a time past the head’s day carries its date', () => {
    // flannel-vxlan moved so that its packets straddle midnight UTC.
    const files = fixtureFiles('flannel-vxlan');
    const first = run('correlate', '--json', ...files);
    const t0 = BigInt(JSON.parse(first.out).journeys[0].hops[0].tsNs);
    const midnight = (t0 / 86_400_000_000_000n + 1n) * 86_400_000_000_000n;
    // The fourth journey's first hop lands 1 ms before midnight.
    const t3 = BigInt(JSON.parse(first.out).journeys[3].hops[0].tsNs);
    const shift = Number(midnight - t3) - 1_000_000;
    const dir = fixtureCopy('flannel-vxlan', { shift: { 'node-1': shift, 'node-2': shift } });
    const files2 = readdirSync(dir)
      .filter((f) => f.endsWith('.pcap'))
      .map((f) => path.join(dir, f));
    const r = run('correlate', ...files2);
    expect(r.code, r.err).toBe(0);
    const day1 = new Date(Number(midnight / 1_000_000_000n - 1n) * 1000).toISOString().slice(0, 10);
    const day2 = new Date(Number(midnight / 1_000_000_000n) * 1000).toISOString().slice(0, 10);
    expect(r.out).toContain(`times: UTC from ${day1}`);
    expect(r.out).toMatch(/ 23:59:59\.\d{9} /);
    expect(r.out).toMatch(new RegExp(` ${day2} 00:00:00\\.\\d{9} `));
    expect(r.out).not.toMatch(new RegExp(` ${day1} 23:59`));
  });
});
