// What the CLI does with inputs and outputs a user gets wrong: an export into one of its own inputs, inputs that
// give nothing, a session.json written by hand, and --clock values that used to pass without a word.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { AppService } from '../../main/app/service.ts';
import { checkClockNodes, parseClockArgs } from '../../main/cli/clockArgs.ts';
import { filterNamesTunnels } from '../../main/capture/tcpdumpCommand.ts';
import type { SessionInfo } from '../../preload/api.ts';
import { HopscopeError } from '../../main/common/errors.ts';
import { filesIn, fixtureCopy, fixtureFiles } from './correlate-helpers.ts';
import { pcapHeader } from '../pcapBytes.ts';
import { tempDir } from '../tempDir.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FILES = fixtureFiles('flannel-vxlan');

function hopscope(args: string[], cwd?: string) {
  return spawnSync(process.execPath, [join(ROOT, 'bin/hopscope.mjs'), ...args], { encoding: 'utf8', cwd });
}

const md5 = (p: string) => createHash('md5').update(readFileSync(p)).digest('hex');

/** The fixture's captures copied into a new folder (their names kept). */
function copies(): { dir: string; files: string[] } {
  const dir = tempDir('hs-safety-');
  const files = FILES.map((f) => {
    const to = join(dir, basename(f));
    copyFileSync(f, to);
    return to;
  });
  return { dir, files };
}

describe('export never writes into its inputs', () => {
  it('refuses OUT naming an input, by its name, a symlink or a session folder’s session.json; the input stays', () => {
    const { dir, files } = copies();
    const before = md5(files[0]);
    symlinkSync(files[0], join(dir, 'link.pcap'));
    for (const format of ['--pcapng', '--json', '--csv'])
      for (const out of [basename(files[0]), 'link.pcap']) {
        const r = hopscope(['export', format, out, ...files.map((f) => basename(f))], dir);
        expect(r.status, `${format} ${out}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toContain(`USAGE: ${out} is an input (`);
        expect(r.stderr).not.toContain('    at ');
        expect(md5(files[0])).toBe(before);
      }
    // A session folder: its session.json is an input too.
    const session = join(dir, 'session');
    mkdirSync(session);
    copyFileSync(FILES[0], join(session, 'a.pcap'));
    const doc = JSON.stringify({
      schema: 'hopscope.session/1',
      nodes: [],
      captures: [{ node: 'node-1', iface: 'ens33', file: 'a.pcap' }],
    });
    writeFileSync(join(session, 'session.json'), doc);
    const r = hopscope(['export', '--json', join(session, 'session.json'), session]);
    expect([r.status, readFileSync(join(session, 'session.json'), 'utf8')]).toEqual([2, doc]);
    // Another file is fine.
    const ok = hopscope(['export', '--pcapng', join(dir, 'out.pcapng'), ...files]);
    expect(ok.status, ok.stderr).toBe(0);
  });

  it('leaves OUT as it was when no input gives a packet', () => {
    const dir = tempDir('hs-safety-');
    const out = join(dir, 'keep.json');
    writeFileSync(out, '{"kept":true}');
    writeFileSync(join(dir, 'garbage.pcap'), Buffer.from('this is not a capture file at all'));
    const r = hopscope(['export', '--json', out, join(dir, 'garbage.pcap')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `PCAP_BAD_MAGIC: no packets could be read from the inputs; ${out} not written`,
    );
    expect(readFileSync(out, 'utf8')).toBe('{"kept":true}');
    // A valid capture without a packet (a quiet veth, recorded in the lab) gives nothing either: OUT stays.
    const quiet = resolve(ROOT, 'tests/fixtures/calico-ipip/node-2__calieb588c579e3.pcap');
    for (const format of ['--json', '--csv', '--pcapng']) {
      const q = hopscope(['export', format, out, quiet]);
      expect([q.status, q.stderr], format).toEqual([
        1,
        expect.stringContaining(`SESSION_INVALID: the inputs hold no packets; ${out} not written`),
      ]);
      expect(readFileSync(out, 'utf8')).toBe('{"kept":true}');
    }
    // Its ladder has no date to give (it said "times: UTC from 1970-01-01").
    const ladder = hopscope(['correlate', quiet]);
    expect([ladder.status, ladder.stdout]).toEqual([0, 'clock node-2: reference\n']);
  });
});

describe('a session.json written by hand', () => {
  function sessionWith(doc: unknown): string {
    const dir = tempDir('hs-sj-');
    for (const f of FILES) copyFileSync(f, join(dir, basename(f)));
    writeFileSync(join(dir, 'session.json'), JSON.stringify(doc));
    return dir;
  }
  const base = {
    schema: 'hopscope.session/1',
    captures: FILES.map((f) => {
      const [node, iface] = basename(f, '.pcap').split('__');
      return { node, iface, file: basename(f) };
    }),
  };

  it('is SESSION_INVALID when it is not an object, never a stack trace', () => {
    for (const doc of [null, [1, 2], 'text', 42]) {
      const r = hopscope(['correlate', '--summary', sessionWith(doc)]);
      expect(r.status, JSON.stringify(doc)).toBe(1);
      expect(r.stderr).toMatch(/SESSION_INVALID: .*session\.json: not a session document/);
      expect(r.stderr).not.toContain('    at ');
    }
  });

  it('with malformed discovered interfaces or a capture that is a folder: a warning, and the rest is read', () => {
    const nodes = [
      {
        name: 'node-1',
        discovery: { node: 'node-1', interfaces: [1, null, 'x', { name: 'ens33', addresses: 'x' }] },
      },
      {
        name: 'node-2',
        discovery: { node: 'node-2', interfaces: [{ name: 'ens33', kind: 'ether', addresses: [null] }] },
      },
      null,
    ];
    const dir = sessionWith({
      ...base,
      nodes,
      captures: [...base.captures, { node: 'node-1', iface: 'x', file: '.' }],
    });
    const r = hopscope(['correlate', '--summary', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('node-1/x: . in the session folder is not a file: skipped');
    expect(r.stdout).toContain(`captures ${FILES.length}`);
    expect(r.stderr).not.toContain('    at ');
    const broken = sessionWith({ ...base, nodes: [{ name: 'node-1', discovery: { interfaces: [] } }] });
    const w = hopscope(['correlate', '--summary', broken]);
    expect(w.status, w.stderr).toBe(0);
    expect(w.stderr).toContain('node-1: discovered interfaces unreadable (no node name): ignored');
  });
});

describe('--clock values that used to pass without a word', () => {
  const nodes = ['node-1', 'node-2'];
  const usage = (f: () => unknown, message: string | RegExp) => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HopscopeError);
    expect((err as HopscopeError).code).toBe('USAGE');
    expect((err as HopscopeError).message).toMatch(message);
  };

  it('refuses an offset on the reference node (named or the first), unless it is 0', () => {
    usage(() => checkClockNodes(parseClockArgs(['node-1=1ms']), nodes), /node-1 is the reference/);
    usage(() => checkClockNodes(parseClockArgs(['node-2=1ms'], 'node-2'), nodes), /node-2 is the reference/);
    expect(() => checkClockNodes(parseClockArgs(['node-1=1ms'], 'node-2'), nodes)).not.toThrow();
    expect(() => checkClockNodes(parseClockArgs(['node-1=0', 'node-2=-3us']), nodes)).not.toThrow();
  });

  it('refuses none with NODE=OFFSET, a bare number but 0, and offsets past 50 days', () => {
    usage(() => parseClockArgs(['none', 'node-2=1ms']), '--clock none leaves every clock uncorrected');
    usage(() => parseClockArgs(['node-2=1ms', 'none']), '--clock none leaves every clock uncorrected');
    usage(() => parseClockArgs(['node-2=1.5']), 'give OFFSET a unit (s, ms, us or ns), e.g. 1.5ms');
    expect(parseClockArgs(['node-2=0']).manual).toEqual({ 'node-2': 0 });
    expect(parseClockArgs(['node-2=1.5ns']).manual).toEqual({ 'node-2': 2 });
    usage(() => parseClockArgs(['node-2=1795663434s']), /offsets up to 50 days are supported/);
    expect(parseClockArgs([`node-2=${50 * 86400}s`]).manual).toEqual({ 'node-2': 50 * 86400e9 });
  });

  it('says so through the CLI (exit 2)', () => {
    const r = hopscope(['correlate', '--summary', '--clock', 'node-1=1ms', ...FILES]);
    expect([r.status, r.stderr]).toEqual([
      2,
      'hopscope correlate: USAGE: --clock node-1=…: node-1 is the reference (offsets are relative to its ' +
        'clock); name another node with --reference to give node-1 an offset\n',
    ]);
  });
});

describe('capture --out', () => {
  it('refuses a folder that holds anything (an earlier session’s session.json was rewritten), or a file', () => {
    const dir = tempDir('hs-out-');
    const session = join(dir, 'session');
    mkdirSync(session);
    writeFileSync(join(session, 'session.json'), '{"kept":true}');
    const r = hopscope(['capture', '--node', 'nowhere', '--out', session]);
    expect([r.status, r.stderr]).toEqual([
      2,
      `hopscope capture: USAGE: --out ${session} is not empty (it holds a session): give a new or empty folder\n`,
    ]);
    expect(readFileSync(join(session, 'session.json'), 'utf8')).toBe('{"kept":true}');
    const file = join(dir, 'f');
    writeFileSync(file, '');
    expect(hopscope(['capture', '--node', 'nowhere', '--out', file]).stderr).toContain(
      `--out ${file}: not a folder`,
    );
  });
});

describe('options that would do nothing, and labels', () => {
  it('are refused: --pretty without --json, --min-hops with --summary or a pcapng, --corrected-time with JSON/CSV', () => {
    const out = join(tempDir('hs-opts-'), 'x');
    for (const [args, message] of [
      [['correlate', '--pretty', ...FILES], '--pretty goes with --json'],
      [['export', '--csv', out, '--pretty', ...FILES], '--pretty goes with --json'],
      [
        ['correlate', '--summary', '--min-hops', '2', ...FILES],
        '--summary counts every journey: --min-hops goes with the ladder or --json',
      ],
      [['correlate', '--json', '--min-hops', '0x8', ...FILES], '--min-hops takes a positive integer'],
      [['correlate', '--json', '--min-hops', '1e1', ...FILES], '--min-hops takes a positive integer'],
      [['export', '--pcapng', out, '--min-hops', '2', ...FILES], '--min-hops goes with --json or --csv'],
      [['export', '--csv', out, '--corrected-time', ...FILES], '--corrected-time goes with --pcapng'],
      // An option where OUT goes: it was taken as the file name, and the option was lost.
      [
        ['export', '--pcapng', '--corrected-time', ...FILES],
        '--pcapng needs a value, not the option --corrected-time (for a file of that name, write ./--corrected-time)',
      ],
      [['export', '--json', '--csv', out, ...FILES], '--json needs a value, not the option --csv'],
    ] as const) {
      const r = hopscope([...args]);
      expect([r.status, r.stderr], args.join(' ')).toEqual([2, expect.stringContaining(`USAGE: ${message}`)]);
    }
    expect(hopscope(['correlate', '--json', '--min-hops', '8', ...FILES]).status).toBe(0);
    // export --json takes --pretty as correlate --json does: the same document, indented.
    const pretty = hopscope(['export', '--json', '-', '--pretty', ...FILES]);
    const plain = hopscope(['correlate', '--json', '--pretty', ...FILES]);
    expect([pretty.status, pretty.stdout.split('\n')[1]]).toEqual([0, '  "schema": "hopscope.journeys/1",']);
    expect(pretty.stdout).toBe(plain.stdout);
    // A file named like an option is still possible, written so that it cannot be one.
    const odd = hopscope(['export', '--json=--odd', ...FILES], dirname(out));
    expect(odd.status, odd.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dirname(out), '--odd'), 'utf8')).schema).toBe('hopscope.journeys/1');
  });

  it('two files labelled the same node/interface are refused; a node label in any script is a label', () => {
    const r = hopscope(['correlate', '--summary', `n1:eth0=${FILES[0]}`, `n1:eth0=${FILES[1]}`]);
    expect([r.status, r.stderr]).toEqual([2, expect.stringContaining('are both labelled n1/eth0')]);
    const u = hopscope(['correlate', '--json', `nœud:eth0=${FILES[0]}`]);
    expect(u.status, u.stderr).toBe(0);
    expect(JSON.parse(u.stdout).captures[0]).toMatchObject({ node: 'nœud', iface: 'eth0' });
  });
});

describe('a link type the decoders do not read', () => {
  it('is said, by the CLI and on the app’s pane, rather than giving no journey without a word', async () => {
    // BSD loopback (DLT_NULL): a 4-byte address family, then IPv4: three ICMP echo requests.
    const dir = tempDir('hs-null-');
    const file = join(dir, 'lo.pcap');
    const recs = [pcapHeader({ nano: false, snaplen: 65535, linkType: 0 })];
    for (let i = 0; i < 3; i++) {
      const pkt = Buffer.from('020000004500001c00010000400100000a0000010a0000020800f7fe00010001', 'hex');
      const h = Buffer.alloc(16);
      h.writeUInt32LE(1_800_000_000 + i, 0);
      h.writeUInt32LE(pkt.length, 8);
      h.writeUInt32LE(pkt.length, 12);
      recs.push(h, pkt);
    }
    writeFileSync(file, Buffer.concat(recs));
    const r = hopscope(['correlate', '--summary', `host:lo0=${file}`]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^captures 1\npackets 3\njourneys 0\n/);
    expect(r.stderr).toContain('warning: host/lo0: link type 0 is not decoded');
    const svc = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
    try {
      const s = await svc.call('openPaths', { paths: [file] });
      if (!s.ok) throw new Error(s.error.message);
      const info = s.value as SessionInfo;
      expect(info.captures[0].problems).toEqual([
        'link type 0 is not decoded: its packets are in no journey',
      ]);
    } finally {
      svc.close();
    }
  });
});

describe('a node whose clock was never set', () => {
  it('is said: captures spanning over 104 days lose nanoseconds, and the clock line says how to set it', () => {
    // node-2 near 1970 (its RTC never set): 1,795,600,000 s behind.
    const dir = fixtureCopy('flannel-vxlan', { shift: { 'node-2': -1_795_600_000e9 } });
    const r = hopscope(['correlate', ...filesIn(dir)]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: the captures span 20782 days \(a node's clock never set\?\)/);
    expect(r.stdout).toContain(
      'clock node-2: unknown offset to node-1 (not corrected: no packet seen on both within ±10 s, or --clock ' +
        'none; a clock further off needs --clock node-2=OFFSET)',
    );
    // The fixture as recorded: no such warning.
    expect(hopscope(['correlate', '--summary', ...FILES]).stderr).toBe('');
  });
});

describe('capture --filter naming the tunnels', () => {
  it('is told that tunnel following widens it (an exclusion of the tunnel is undone on the underlay)', () => {
    for (const f of [
      'not ip proto 4',
      'icmp and not udp port 8472',
      'not vxlan',
      'not geneve',
      'not port 6081',
    ])
      expect(filterNamesTunnels(f), f).toBe(true);
    for (const f of ['icmp', 'tcp port 80', 'host 10.1.10.4', 'udp port 48472'])
      expect(filterNamesTunnels(f), f).toBe(false);
    const dir = tempDir('hs-tun-');
    writeFileSync(join(dir, 'x'), ''); // --out refused right after: nothing is contacted
    const r = hopscope(['capture', '--node', 'n1=127.0.0.1', '--filter', 'not ip proto 4', '--out', dir]);
    expect(r.stderr).toContain('the filter names the overlay tunnels; it is widened to follow them');
    const quiet = hopscope([
      'capture',
      '--node',
      'n1=127.0.0.1',
      '--no-follow-tunnels',
      '--filter',
      'not ip proto 4',
      '--out',
      dir,
    ]);
    expect(quiet.stderr).not.toContain('overlay tunnels');
  });
});
