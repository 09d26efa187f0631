// `hopscope correlate --filter` and `hopscope export --filter`: the app's journey filter (tcpdump's language over
// journeys) on the command line, on recorded lab captures (tests/fixtures/broadcast: broadcasts and a ping).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { tempDir } from '../tempDir.ts';
import { correlate, FIXTURES } from './correlate-helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'bin/hopscope.mjs');
const DIR = path.join(FIXTURES, 'broadcast');

function run(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The journeys (1-based ids) whose summary starts with `prefix`, from the library directly. */
function idsOf(prefix: string): number[] {
  const res = correlate([DIR]);
  return Array.from({ length: res.journeyCount }, (_, k) => k)
    .filter((k) => res.journeySummary(k).startsWith(prefix))
    .map((k) => k + 1);
}

describe('--filter', () => {
  const pod = idsOf('10.244.0.12.'); // the pod's three UDP broadcasts
  const pings = idsOf('10.244.0.12 > 10.244.1.34: ICMP echo request');

  it('correlate: the ladder and the JSON hold only the journeys the filter keeps, the JSON saying which and why', () => {
    expect(pod).toHaveLength(3);
    const ladder = run('correlate', '--filter', 'dst port 9999 and src host 10.244.0.12', DIR);
    expect(ladder.code).toBe(0);
    expect([...ladder.out.matchAll(/^journey (\d+):/gm)].map((m) => Number(m[1]))).toEqual(pod);
    const json = run(
      'correlate',
      '--json',
      '--filter',
      'icmp[icmptype] = 8 or (icmp and not udp port 9999)',
      DIR,
    );
    // Byte offsets are not in the language: said, with where, before any file is read; nothing on stdout.
    expect(json.code).toBe(1);
    expect(json.err).toMatch(/^hopscope correlate: FILTER_INVALID: --filter "icmp\[icmptype\] = 8 or .*": /);
    expect(json.out).toBe('');
    const requests = run('correlate', '--json', '--filter', 'icmp and src host 10.244.0.12', DIR);
    const doc = JSON.parse(requests.out);
    expect(doc.selection).toEqual({ filter: 'icmp and src host 10.244.0.12', journeys: pings });
    expect(doc.journeys.map((j: { id: number }) => j.id)).toEqual(pings);
    // Nothing kept: said on stderr, the clocks still printed, no journey.
    // (The filter quoted, as a FILTER_INVALID one is: a pasted summary's words are told from the message's.)
    const none = run('correlate', '--filter', 'udp port 53', DIR);
    expect([none.code, none.err.trim()]).toEqual([
      0,
      'hopscope correlate: no journey matches --filter "udp port 53"',
    ]);
    // A word no journey has at all is named: tcpdump refuses a typo, here it would match nothing in silence.
    const typo = run('correlate', '--filter', 'icmpp or hots 10.1.10.8', DIR);
    expect([typo.code, typo.err.trim()]).toEqual([
      0,
      'hopscope correlate: no journey matches --filter "icmpp or hots 10.1.10.8" (no journey has the words "icmpp", ' +
        '"hots": words other than pcap\'s keywords match the text of a journey)',
    ]);
    expect(none.out).not.toMatch(/^journey /m);
    // An interface glob no capture has is named, as an interface glob.
    const glob = run('correlate', '--filter', 'cali* and icmp', DIR);
    expect([glob.code, glob.err.trim()]).toEqual([
      0,
      'hopscope correlate: no journey matches --filter "cali* and icmp" (no captured interface matches "cali*": ' +
        'a word with * or ? is an interface glob, like cali* or node-1:veth*)',
    ]);
    // And so is a VLAN no hop was tagged with (no hop is tagged in this capture).
    const vlan = run('correlate', '--filter', 'vlan or hots', DIR);
    expect([vlan.code, vlan.err.trim()]).toEqual([
      0,
      'hopscope correlate: no journey matches --filter "vlan or hots" (no journey has the word "hots": words ' +
        "other than pcap's keywords match the text of a journey; no hop was VLAN-tagged (vlan: an " +
        '802.1Q/802.1ad-tagged frame))',
    ]);
  });

  it('correlate: no match names the globs no interface matches or no journey crossed, and the VLAN ids no hop had', () => {
    // calico-ipip: node-2's calieb588c579e3 was captured and saw nothing.
    const ipip = run(
      'correlate',
      '--filter',
      'node-2:calieb* or node-2/tunl9*',
      path.join(FIXTURES, 'calico-ipip'),
    );
    expect([ipip.code, ipip.err.trim()]).toEqual([
      0,
      'hopscope correlate: no journey matches --filter "node-2:calieb* or node-2/tunl9*" (no captured interface ' +
        'matches "node-2:tunl9*": a word with * or ? is an interface glob, like cali* or node-1:veth*; no journey ' +
        'crossed an interface "node-2:calieb*" names)',
    ]);
    // vlan-trunk: tags 10, 20 and 100 (outer); 11 is no hop's.
    const trunk = run('correlate', '--filter', 'vlan 11 and icmp', path.join(FIXTURES, 'vlan-trunk'));
    expect([trunk.code, trunk.err.trim()]).toEqual([
      0,
      'hopscope correlate: no journey matches --filter "vlan 11 and icmp" (no hop was tagged with VLAN 11 (vlan N: ' +
        "a hop's outermost tag has id N; vlan alone: tagged))",
    ]);
    // Tag 10 is some hop's, so it is not named (nor is a port: only words, globs and VLAN ids are).
    const some = run('correlate', '--filter', 'vlan 10 and udp port 1', path.join(FIXTURES, 'vlan-trunk'));
    expect(some.err.trim()).toBe('hopscope correlate: no journey matches --filter "vlan 10 and udp port 1"');
  });

  it('correlate: --summary counts every journey, so --filter with it is refused', () => {
    const r = run('correlate', '--summary', '--filter', 'icmp', DIR);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--filter goes with the ladder or --json');
  });

  it('export: a pcapng of the kept journeys’ frames only (tshark reads it), CSV their hops; no match writes nothing', () => {
    const dir = tempDir('hs-filter-');
    const pcapng = path.join(dir, 'pod.pcapng');
    const r = run('export', '--pcapng', pcapng, '--filter', 'dst port 9999 and src host 10.244.0.12', DIR);
    expect([r.code, r.err.trim()]).toEqual([0, `hopscope export: 9 packets, 3 of 15 journeys → ${pcapng}`]);
    const fields = execFileSync('tshark', ['-r', pcapng, '-T', 'fields', '-e', 'frame.comment'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .split('\n');
    // Every frame is a hop of one of the pod's broadcasts (veth, cni0, and the bridge's other port).
    expect(fields).toHaveLength(9);
    expect(new Set(fields.map((c) => Number(c.match(/^journey (\d+) /)![1])))).toEqual(new Set(pod));
    const shb = execFileSync('capinfos', ['-k', pcapng], { encoding: 'utf8' });
    expect(shb).toContain('exported: 3 journeys matching "dst port 9999 and src host 10.244.0.12"');
    const csv = path.join(dir, 'pings.csv');
    expect(run('export', '--csv', csv, '--filter', 'icmp and src host 10.244.0.12', DIR).code).toBe(0);
    const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1);
    expect([...new Set(rows.map((l) => Number(l.split(',')[0])))]).toEqual(pings);
    const none = path.join(dir, 'none.json');
    const nothing = run('export', '--json', none, '--filter', 'tcp', DIR);
    expect([nothing.code, nothing.err.trim()]).toEqual([
      1,
      `hopscope export: NO_MATCH: no journey matches --filter "tcp"; ${none} not written`,
    ]);
    expect(existsSync(none)).toBe(false);
  });

  it('a blank filter is no filter, as tcpdump’s empty one: the whole export, ARP frames too, and no selection', () => {
    // calico-ipip holds ARP, which no journey has: an export of journeys' frames alone would leave it out.
    const calico = path.join(FIXTURES, 'calico-ipip');
    const dir = tempDir('hs-filter-blank-');
    const frames = (f: string) =>
      Number(
        execFileSync('capinfos', ['-M', '-c', '-T', f], { encoding: 'utf8' })
          .trim()
          .split('\n')[1]
          .split('\t')[1],
      );
    const all = path.join(dir, 'all.pcapng');
    expect(run('export', '--pcapng', all, calico).code).toBe(0);
    const arp = (f: string) =>
      execFileSync('tshark', ['-r', f, '-Y', 'arp'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .split('\n')
        .filter((l) => l.trim() !== '').length;
    expect(arp(all)).toBe(10);
    for (const blank of ['', '  ']) {
      const f = path.join(dir, `blank${blank.length}.pcapng`);
      const r = run('export', '--pcapng', f, '--filter', blank, calico);
      expect([r.code, r.err.trim()]).toEqual([
        0,
        `hopscope export: ${frames(all)} packets, 6 journeys → ${f}`,
      ]);
      expect([frames(f), arp(f)]).toEqual([frames(all), 10]);
      expect(execFileSync('capinfos', ['-k', f], { encoding: 'utf8' })).not.toContain('matching');
      const doc = JSON.parse(run('correlate', '--json', '--filter', blank, calico).out);
      expect(doc.selection).toBeUndefined();
      expect(doc.journeys).toHaveLength(6);
    }
  });
});
