// Hostile nodes at the level of the capture engine's own functions: a node whose `ip -j` output carries
// shell-active, option-like, overlong, control-character and non-UTF-8 interface names, or is not JSON at
// all; filters full of shell metacharacters. Every command the engine would send is run by real shells
// (dash and bash, as a login shell would) with a recording fake tcpdump: its argv must be exactly the data
// we meant, and no marker file a hostile string tries to create may appear.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectInterfaces } from '../../../main/capture/selection.ts';
import {
  checkedStartScript,
  combineFilter,
  filterCheckScript,
  parseProbe,
  tcpdumpArgs,
  wrapWithWatchdog,
} from '../../../main/capture/tcpdumpCommand.ts';
import { discoverNode, DISCOVERY_EXEC } from '../../../main/discover/discoverNode.ts';
import { parseIpOutputs } from '../../../main/discover/parseIp.ts';
import { HopscopeError } from '../../../main/common/errors.ts';
import type { SshConnection } from '../../../main/ssh/connection.ts';
import { privileged } from '../../../main/ssh/privilege.ts';
import { shQuote } from '../../../main/ssh/shellQuote.ts';
import { tempDir } from '../../tempDir.ts';

let dir: string;
let fakeTcpdump: string;
let argvLog: string;
let marker: string;

beforeAll(() => {
  dir = tempDir('hs-hostile-');
  argvLog = path.join(dir, 'argv.log');
  marker = path.join(dir, 'PWNED');
  fakeTcpdump = path.join(dir, 'fake tcpdump'); // a space in the path itself, too
  // Records each invocation as its argc then its args, all NUL-terminated (args may hold newlines), then exits.
  fs.writeFileSync(
    fakeTcpdump,
    `#!/bin/sh\n{ printf '%s\\0' "$#"; for a in "$@"; do printf '%s\\0' "$a"; done; } >> "${argvLog}"\n`,
  );
  fs.chmodSync(fakeTcpdump, 0o755);
});

let fifos = 0;
/**
 * Runs a command line the way sshd does: the login shell gets it as one `-c` string. Its stdin is a FIFO we
 * hold open for writing, like a live SSH channel, so the watchdog does not stop tcpdump early. A FIFO of its own
 * per run, as each SSH channel has its own stdin: the watchdog's stdin reader, sent SIGTERM as the script ends,
 * may still be reading for a moment after spawnSync returns (it holds no output open), and on a shared FIFO it took
 * the first byte of the next run's `go` (seen with dash, a few runs in a thousand, that run then waiting for ever).
 */
function runAsLoginShell(
  shell: string,
  command: string,
  stdin = '',
): { status: number | null; stderr: string } {
  fs.rmSync(argvLog, { force: true });
  const fifo = path.join(dir, `stdin-${++fifos}.fifo`);
  spawnSync('mkfifo', [fifo]);
  const fd = fs.openSync(fifo, 'r+');
  try {
    if (stdin) fs.writeSync(fd, stdin);
    const r = spawnSync(shell, ['-c', command], {
      stdio: [fd, 'pipe', 'pipe'],
      timeout: 10_000,
      encoding: 'utf8',
    });
    return { status: r.status, stderr: r.stderr };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(fifo, { force: true });
  }
}
function recordedArgv(): string[][] {
  if (!fs.existsSync(argvLog)) return [];
  const tokens = fs.readFileSync(argvLog, 'utf8').split('\0').slice(0, -1);
  const calls: string[][] = [];
  for (let i = 0; i < tokens.length;) {
    const n = Number(tokens[i]);
    calls.push(tokens.slice(i + 1, i + 1 + n));
    i += 1 + n;
  }
  return calls;
}

const M = () => marker; // hostile strings try to create this file
const HOSTILE_NAMES = () => [
  `eth0;touch ${M()}`,
  '$(id)',
  '-w/etc/passwd',
  '-wfoo',
  '`id`',
  "a'b",
  '$IFS',
  'x>y',
  'x|y',
  'x&y',
  '*',
  '!x',
  '\\e',
  'eth0\nrm',
  'a\tb',
  'x'.repeat(5000),
  'caf\uFFFD',
  'éé',
  '.',
  '..',
  '',
  'ok0',
];

function linkJson(names: string[]): string {
  return JSON.stringify(
    names.map((n, i) => ({
      ifindex: i + 1,
      ifname: n,
      flags: ['BROADCAST', 'UP', 'LOWER_UP'],
      mtu: 1500,
      operstate: 'UP',
      link_type: 'ether',
      address: '02:00:00:00:00:01',
    })),
  );
}

describe('hostile ip -j output', () => {
  it('keeps every name as data and marks the ones Linux could not have as not capturable', () => {
    const names = HOSTILE_NAMES();
    const model = parseIpOutputs('node-1', { link: linkJson(names), addr: '[]', route: '[]' });
    const byName = new Map(model.interfaces.map((i) => [i.name, i]));
    const capturable = model.interfaces.filter((i) => i.capturable).map((i) => i.name);
    // Linux's dev_valid_name allows these (1–15 bytes, no '/', ':', whitespace): they must be safe as data.
    expect(capturable.sort()).toEqual(
      ['$(id)', '$IFS', '!x', '*', '-wfoo', '\\e', '`id`', "a'b", 'ok0', 'x&y', 'x>y', 'x|y', 'éé'].sort(),
    );
    for (const bad of [
      `eth0;touch ${M()}`,
      '-w/etc/passwd',
      'eth0\nrm',
      'a\tb',
      'x'.repeat(5000),
      'caf\uFFFD',
      '.',
      '..',
    ]) {
      expect(byName.get(bad)?.capturable, JSON.stringify(bad.slice(0, 40))).toBe(false);
      expect(model.warnings.join('\n')).toContain('cannot be captured');
    }
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('malformed JSON and wrong shapes are DISCOVERY_FAILED or skipped with a warning, never another exception', () => {
    const cases = [
      '',
      '[',
      '{"ifname":"eth0"}',
      'null',
      '"eth0"',
      '[1,2,"x",null,[],{}]',
      '[{"ifindex":"1","ifname":"eth0"},{"ifindex":2,"ifname":7},{"ifindex":3,"ifname":"ok","flags":"UP","linkinfo":"veth","mtu":"big"}]',
      '['.repeat(200_000) + ']'.repeat(200_000),
      '\u0000\u00ff\ufffe',
      JSON.stringify([
        { ifindex: 1, ifname: 'eth0', linkinfo: { info_kind: 'vxlan', info_data: { id: 'x', port: {} } } },
      ]),
      JSON.stringify([{ ifindex: 1, ifname: 'eth0', __proto__: { capturable: true }, constructor: 1 }]),
    ];
    for (const link of cases) {
      for (const slot of ['link', 'addr', 'route'] as const) {
        const out = { link: '[]', addr: '[]', route: '[]', [slot]: link };
        try {
          const m = parseIpOutputs('node-1', out);
          for (const i of m.interfaces) {
            expect(typeof i.name).toBe('string');
            expect(Number.isFinite(i.ifindex)).toBe(true);
          }
        } catch (e) {
          expect(e, `${slot} = ${link.slice(0, 40)}`).toBeInstanceOf(HopscopeError);
          expect((e as HopscopeError).code).toBe('DISCOVERY_FAILED');
          expect((e as HopscopeError).message).toContain('node-1');
        }
      }
    }
  });

  it('random JSON values in place of ip -j output never escape as anything but DISCOVERY_FAILED', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('link', 'addr', 'route'), (v, slot) => {
        const out = { link: '[]', addr: '[]', route: '[]', [slot]: JSON.stringify(v) };
        try {
          parseIpOutputs('n', out);
        } catch (e) {
          if (!(e instanceof HopscopeError) || e.code !== 'DISCOVERY_FAILED') throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('non-UTF-8 bytes in a name become not capturable, and discovery sends only its fixed commands', async () => {
    const sent: string[] = [];
    const bad = Buffer.concat([
      Buffer.from('[{"ifindex":1,"ifname":"et'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from(
        'h0","link_type":"ether","flags":["UP"]},{"ifindex":2,"ifname":"$(id)","link_type":"ether","flags":["UP"]}]',
      ),
    ]);
    // A stand-in for the SSH connection that runs what it is sent in /bin/sh, with an `ip` answering like a hostile
    // node first on PATH (the script and the parser are what is tested).
    const bin = path.join(dir, 'ip-bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(dir, 'links.bin'), bad);
    fs.writeFileSync(
      path.join(bin, 'ip'),
      `#!/bin/sh\ncase "$*" in *link*) cat ${shQuote(path.join(dir, 'links.bin'))} ;; *) echo '[]' ;; esac\n`,
    );
    fs.chmodSync(path.join(bin, 'ip'), 0o755);
    const conn = {
      exec: async (cmd: string) => {
        sent.push(cmd);
        const r = spawnSync('/bin/sh', ['-c', cmd], {
          env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        });
        return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
      },
    } as unknown as SshConnection;
    const model = await discoverNode('node-1', conn);
    expect(model.interfaces.map((i) => [i.capturable, i.name.includes('\uFFFD')])).toEqual([
      [false, true],
      [true, false],
    ]);
    expect(sent).toEqual([DISCOVERY_EXEC]);
  });

  it('a glob never selects an uncapturable name; naming one exactly is IFACE_UNKNOWN', () => {
    const model = parseIpOutputs('node-1', { link: linkJson(HOSTILE_NAMES()), addr: '[]', route: '[]' });
    const all = selectInterfaces(['node-1:*'], [model]).map((s) => s.iface);
    for (const n of all) expect(model.interfaces.find((i) => i.name === n)?.capturable).toBe(true);
    expect(() => selectInterfaces([`node-1:eth0;touch ${M()}`], [model])).toThrow(/cannot be captured/);
    try {
      selectInterfaces(['node-1:-w/etc/passwd'], [model]);
      expect.unreachable();
    } catch (e) {
      expect((e as HopscopeError).code).toBe('IFACE_UNKNOWN');
    }
  });

  it('a user glob that is not a valid pattern is a USAGE error, not a crash', () => {
    const model = parseIpOutputs('node-1', { link: linkJson(['eth0']), addr: '[]', route: '[]' });
    for (const g of ['node-1:[z-a]', 'node-1:[\\]', '[z-a]:eth0']) {
      try {
        selectInterfaces([g], [model]);
      } catch (e) {
        expect(e, g).toBeInstanceOf(HopscopeError);
      }
    }
  });

  it('a hostile node cannot make a user glob hang (names of any length, backtracking patterns)', () => {
    // Run in a child process with a deadline: a catastrophic regex cannot be interrupted in-thread.
    const script = path.join(dir, 'glob-hang.ts');
    const here = path.dirname(new URL(import.meta.url).pathname);
    fs.writeFileSync(
      script,
      `import { selectInterfaces } from ${JSON.stringify(path.resolve(here, '../../../main/capture/selection.ts'))};
import { parseIpOutputs } from ${JSON.stringify(path.resolve(here, '../../../main/discover/parseIp.ts'))};
const long = 'a'.repeat(5000);
const link = JSON.stringify([long, long + 'c', 'a'.repeat(15)].map((n, i) => ({ ifindex: i + 1, ifname: n, link_type: 'ether', flags: ['UP'] })));
const model = parseIpOutputs('node-1', { link, addr: '[]', route: '[]' });
const t0 = performance.now();
selectInterfaces(['node-1:*a*a*a*a*a*a*a*b'], [model]);
console.log('ms', Math.round(performance.now() - t0));
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
      timeout: 5000,
      encoding: 'utf8',
      cwd: path.resolve(here, '../../..'),
    });
    expect(r.signal, 'selectInterfaces did not finish within 5 s (finding R3)').toBeNull();
    expect(r.stdout).toMatch(/^ms \d+/);
  });
});

describe('commands built from hostile names and filters run as exactly the argv we meant', () => {
  const FILTERS = () => [
    '',
    'icmp',
    `icmp; touch ${M()}`,
    `$(touch ${M()})`,
    `\`touch ${M()}\``,
    `icmp' ; touch ${M()}; echo '`,
    `icmp" ; touch ${M()}; echo "`,
    '-w /etc/passwd',
    `icmp && touch ${M()} || touch ${M()}`,
    `icmp\ntouch ${M()}`,
    `icmp > ${M()}`,
    'host 10.0.0.1 and not (tcp port 22)',
    "'",
    '\\',
  ];

  for (const shell of ['/bin/dash', '/bin/bash']) {
    it(`${shell}: the wrapped streaming tcpdump, for every capturable hostile name × every hostile filter`, () => {
      const model = parseIpOutputs('node-1', { link: linkJson(HOSTILE_NAMES()), addr: '[]', route: '[]' });
      const names = model.interfaces.filter((i) => i.capturable).map((i) => i.name);
      for (const iface of names) {
        for (const filter of FILTERS()) {
          const spec = {
            tcpdumpPath: fakeTcpdump,
            iface,
            snaplen: 262144,
            nano: true,
            filter: combineFilter(filter, null),
          };
          const argv = tcpdumpArgs(spec);
          for (const priv of [{ mode: 'none' } as const]) {
            const cmd = privileged(wrapWithWatchdog(argv), priv);
            const r = runAsLoginShell(shell, cmd.command);
            expect(r.status, `${iface} / ${filter}: ${r.stderr}`).toBe(0);
            expect(recordedArgv(), `${iface} / ${filter}`).toEqual([argv.slice(1)]);
          }
        }
      }
      expect(fs.existsSync(marker)).toBe(false);
    });

    it(`${shell}: the filter check then the capture on one channel (the session's start): each gets its argv`, () => {
      const model = parseIpOutputs('node-1', { link: linkJson(HOSTILE_NAMES()), addr: '[]', route: '[]' });
      const names = model.interfaces.filter((i) => i.capturable).map((i) => i.name);
      const filters = FILTERS();
      // Every name with one hostile filter, every filter with one hostile name.
      const cases = [
        ...names.map((iface) => [iface, filters[1]] as const),
        ...filters.map((filter) => [names[1], filter] as const),
      ];
      for (const [iface, filter] of cases) {
        const argv = tcpdumpArgs({ tcpdumpPath: fakeTcpdump, iface, snaplen: 262144, nano: true, filter });
        const script = checkedStartScript(
          filterCheckScript(fakeTcpdump, iface, filter),
          wrapWithWatchdog(argv),
        );
        const r = runAsLoginShell(shell, privileged(script, { mode: 'none' }).command, 'go\n');
        expect(r.status, `${iface} / ${filter}: ${r.stderr}`).toBe(0);
        const check = ['-d', '-i', iface, ...(filter === '' ? [] : ['--', filter])];
        expect(recordedArgv(), `${iface} / ${filter}`).toEqual([check, argv.slice(1)]);
      }
      expect(fs.existsSync(marker)).toBe(false);
    });

    it(`${shell}: the filter check (tcpdump -d) gets the filter as one word after --`, () => {
      for (const filter of FILTERS()) {
        const r = runAsLoginShell(
          shell,
          privileged(filterCheckScript(fakeTcpdump, '$(id)', filter), { mode: 'none' }).command,
        );
        expect(r.status).toBe(0);
        const expected = ['-d', '-i', '$(id)', ...(filter === '' ? [] : ['--', filter])];
        expect(recordedArgv()).toEqual([expected]);
      }
      expect(fs.existsSync(marker)).toBe(false);
    });
  }

  it.runIf(process.getuid?.() === 0 && fs.existsSync('/usr/bin/tcpdump'))(
    'real tcpdump -d refuses every hostile filter before any capture, and creates nothing',
    () => {
      for (const filter of FILTERS().filter(
        (f) => !['', 'icmp', 'host 10.0.0.1 and not (tcp port 22)'].includes(f),
      )) {
        const r = runAsLoginShell(
          '/bin/dash',
          privileged(filterCheckScript('/usr/bin/tcpdump', 'lo', filter), { mode: 'none' }).command,
        );
        expect(r.status, `filter ${JSON.stringify(filter)} was accepted`).not.toBe(0);
        expect(r.stderr).toMatch(/syntax error|parse error|illegal|expression|unknown/i);
      }
      for (const ok of ['icmp', 'host 10.0.0.1 and not (tcp port 22)']) {
        expect(
          runAsLoginShell(
            '/bin/dash',
            privileged(filterCheckScript('/usr/bin/tcpdump', 'lo', ok), { mode: 'none' }).command,
          ).status,
        ).toBe(0);
      }
      expect(fs.existsSync(marker)).toBe(false);
    },
  );

  it('shQuote: any string without NUL comes back byte-for-byte through sh (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0')),
          { minLength: 1, maxLength: 40 },
        ),
        (args) => {
          const r = spawnSync('/bin/dash', ['-c', `printf '%s\\0' ${args.map(shQuote).join(' ')}`], {
            encoding: 'utf8',
          });
          expect(r.stdout.split('\0').slice(0, -1)).toEqual(args);
        },
      ),
      { numRuns: 150 },
    );
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('a hostile probe answer (tcpdump path with shell syntax) is still one quoted word', () => {
    const p = parseProbe(`uid=1000\ntcpdump=${fakeTcpdump}\nversion=x; touch ${M()}\nnano=1\n`);
    expect(p.tcpdumpPath).toBe(fakeTcpdump);
    const evil = parseProbe(`tcpdump=/bin/true; touch ${M()}\n`);
    const cmd = privileged(
      wrapWithWatchdog(
        tcpdumpArgs({ tcpdumpPath: evil.tcpdumpPath!, iface: 'eth0', snaplen: 1, nano: false, filter: '' }),
      ),
      { mode: 'none' },
    );
    const r = runAsLoginShell('/bin/dash', cmd.command);
    expect(r.status).not.toBe(0); // "/bin/true; touch …" is not a program
    expect(fs.existsSync(marker)).toBe(false);
  });
});
