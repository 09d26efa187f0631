// Loading inputs: labels from NODE:IFACE=FILE and <node>__<iface>.pcap names, session folders (session.json
// with discovery and SSH clock probes, as `hopscope capture` writes them), plain folders, and errors.

import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { buildSession } from '../../main/app/sessionBuild.ts';
import { captureFileName, ifaceFromFileName } from '../../main/capture/sessionFolder.ts';
import { parseIpOutputs } from '../../main/discover/parseIp.ts';
import { correlateInputs, resultWarnings } from '../../main/session/ingest.ts';
import { loadInputs } from '../../main/session/inputs.ts';
import { parseLabelledArg, splitInterfaceName } from '../../main/session/labels.ts';
import { correlate, crossNodePings, FIXTURES, fixtureCopy, fixtureFiles, path } from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

const tmp = tempDir('hs-session-');

describe('labels', () => {
  it('NODE:IFACE=FILE, <node>__<iface>.pcap(ng) with %-encoding, node/iface pcapng names', () => {
    expect(parseLabelledArg('node-1:ens33=/x/cap.pcap')).toEqual({
      path: '/x/cap.pcap',
      node: 'node-1',
      iface: 'ens33',
    });
    expect(parseLabelledArg('/d/node-2__flannel.1.pcap')).toEqual({
      path: '/d/node-2__flannel.1.pcap',
      node: 'node-2',
      iface: 'flannel.1',
    });
    expect(parseLabelledArg('/d/n__a%3Ab.pcapng')).toMatchObject({ node: 'n', iface: 'a:b' });
    expect(parseLabelledArg('/d/trace.pcap')).toMatchObject({ node: null, iface: null });
    expect(splitInterfaceName('node-1/ens33')).toEqual({ node: 'node-1', iface: 'ens33' });
    expect(splitInterfaceName('ens33')).toBeNull();
  });
});

describe('a file named twice', () => {
  it('is read once, with a warning: as two names of it, in a folder given too, or through a symlink', () => {
    const files = fixtureFiles('flannel-vxlan');
    const link = join(tmp, 'linked.pcap');
    symlinkSync(files[0], link);
    const cases: [string[], number, string[]][] = [
      [
        [files[0], `${FIXTURES}/flannel-vxlan/../flannel-vxlan/${basename(files[0])}`],
        1,
        [`${FIXTURES}/flannel-vxlan/../flannel-vxlan/${basename(files[0])}`],
      ],
      [[join(FIXTURES, 'flannel-vxlan'), files[1]], files.length, [files[1]]],
      [[files[0], link], 1, [link]],
    ];
    for (const [args, n, repeated] of cases) {
      const r = loadInputs(args);
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.files.map((f) => f.path)).toHaveLength(n);
      expect(r.value.warnings).toEqual(repeated.map((p) => `${p} is given more than once: read once`));
    }
    // Read once: the packets of one file, not twice as many in two lanes.
    const once = loadInputs([files[0], files[0]]);
    if (!once.ok) throw new Error(once.error.message);
    const res = correlate([files[0]]);
    expect(correlateInputs(once.value).result.rowCount).toBe(res.rowCount);
    // Labelled otherwise the second time: the warning says which label stands.
    const relabelled = loadInputs([`a:eth0=${files[0]}`, `b:eth0=${files[0]}`]);
    if (!relabelled.ok) throw new Error(relabelled.error.message);
    expect(relabelled.value.files.map((f) => f.node)).toEqual(['a']);
    expect(relabelled.value.warnings).toEqual([
      `${files[0]} is given more than once: read once, labelled as the first time (a:eth0), not b:eth0`,
    ]);
  });
});

describe('lanes of one name from different files', () => {
  it('are a warning: an export read again beside the captures it was made from', () => {
    const dir = tempDir('hs-lanes-');
    const files = fixtureFiles('flannel-vxlan');
    for (const f of files) copyFileSync(f, join(dir, basename(f)));
    const made = spawnSync(process.execPath, [
      join(import.meta.dirname, '../../bin/hopscope.mjs'),
      'export',
      '--pcapng',
      join(dir, 'merged.pcapng'),
      dir,
    ]);
    expect(made.status, String(made.stderr)).toBe(0);
    const both = loadInputs([dir]);
    if (!both.ok) throw new Error(both.error.message);
    const res = correlateInputs(both.value).result;
    expect(res.captures).toHaveLength(2 * files.length);
    const warnings = resultWarnings(res);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^lanes of one name: node-1\/\S+ \(merged\.pcapng( interface \d)?, node-1__\S+\.pcap\); .*; 5 more\. If they are the same interface, its packets are counted twice/,
    );
    // The captures alone, or the export alone: no warning.
    expect(resultWarnings(correlate(files))).toEqual([]);
    expect(resultWarnings(correlate([join(dir, 'merged.pcapng')]))).toEqual([]);
  });
});

describe('session folders', () => {
  function sessionFolder(shiftNs: number, probe: number): string {
    const src = fixtureCopy('flannel-vxlan', { shift: { 'node-2': shiftNs } });
    const dir = join(tmp, `session-${shiftNs}`);
    execFileSync('mkdir', ['-p', dir]);
    const nodes = ['node-1', 'node-2'].map((node) => ({
      name: node,
      state: 'closed',
      clock:
        node === 'node-2'
          ? { offsetNs: probe, uncertaintyNs: 1_000_000 }
          : { offsetNs: 0, uncertaintyNs: 1_000_000 },
      discovery: parseIpOutputs(node, {
        link: readFileSync(join(FIXTURES, 'flannel-vxlan', `${node}.ip-link.json`), 'utf8'),
        addr: readFileSync(join(FIXTURES, 'flannel-vxlan', `${node}.ip-addr.json`), 'utf8'),
        route: '[]',
      }),
    }));
    const captures = fixtureFiles('flannel-vxlan').map((f) => {
      const [node, rest] = basename(f).split('__');
      copyFileSync(join(src, basename(f)), join(dir, basename(f)));
      return { node, iface: rest.replace(/\.pcap$/, ''), file: basename(f) };
    });
    writeFileSync(
      join(dir, 'session.json'),
      JSON.stringify({ schema: 'hopscope.session/1', nodes, captures }),
    );
    rmSync(src, { recursive: true, force: true });
    return dir;
  }

  it('session.json gives lanes, MAC owners (discovery) and SSH probes, combined with the traffic', () => {
    const dir = sessionFolder(40_000_000, 40_300_000);
    const inputs = loadInputs([dir]);
    expect(inputs.ok).toBe(true);
    if (!inputs.ok) return;
    expect(inputs.value.files).toHaveLength(8);
    expect(inputs.value.probes).toEqual([
      { node: 'node-1', offsetNs: 0, uncertaintyNs: 1_000_000 },
      { node: 'node-2', offsetNs: 40_300_000, uncertaintyNs: 1_000_000 },
    ]);
    const res = correlate([dir]);
    const c = res.clocks.find((x) => x.node === 'node-2')!;
    expect(c.method).toBe('traffic+ssh-probe');
    expect(Math.abs(c.offsetNs - 40_000_000)).toBeLessThanOrEqual(c.uncertaintyNs);
    const k = crossNodePings(res, 8)[0];
    expect(path(res, k)).toHaveLength(8);
    expect(res.hops(k)[2].eth?.srcOwner).toBe('node-1/flannel.1');
  });

  it('captures that never started or captured nothing: read without them, a note for the empty file only; the capture’s node warnings said too', () => {
    const dir = sessionFolder(0, 0);
    const doc = JSON.parse(readFileSync(join(dir, 'session.json'), 'utf8'));
    // node-1's cni0: stopped before tcpdump was listening (an empty file); a third capture whose pre-check
    // failed (no file); a file that went missing (a warning, as before).
    const cni0 = doc.captures.find(
      (c: { node: string; iface: string }) => c.node === 'node-1' && c.iface === 'cni0',
    );
    Object.assign(cni0, { state: 'stopped', packets: 0, startedAt: '2026-11-27T00:00:00.000Z' });
    writeFileSync(join(dir, cni0.file), '');
    doc.captures.push(
      {
        node: 'node-2',
        iface: 'eth9',
        file: 'node-2__eth9.pcap',
        state: 'failed',
        startedAt: null,
        packets: 0,
      },
      {
        node: 'node-2',
        iface: 'eth8',
        file: 'node-2__eth8.pcap',
        state: 'stopped',
        startedAt: '2026-11-27T00:00:00.000Z',
        packets: 3,
      },
    );
    // What the capture said of node-2 as it started (the app's capture: a chosen interface gone since listed).
    doc.nodes[1].warnings = ['veth0ld is not on node-2 any more (…): not captured'];
    writeFileSync(join(dir, 'session.json'), JSON.stringify(doc));
    const inputs = loadInputs([dir]);
    expect(inputs.ok).toBe(true);
    if (!inputs.ok) return;
    expect(inputs.value.files).toHaveLength(7);
    expect(inputs.value.warnings).toEqual([
      'veth0ld is not on node-2 any more (…): not captured',
      'node-1/cni0: nothing captured (stopped)',
      'node-2/eth8: node-2__eth8.pcap missing from the session folder',
    ]);
    expect(correlate([dir]).journeyCount).toBeGreaterThan(0);
    // The app says them above the session too (the CLI prints them on stderr).
    expect(buildSession([dir], undefined, 'x').info().notice).toBe(
      'Warning: veth0ld is not on node-2 any more (…): not captured. ' +
        'Warning: node-1/cni0: nothing captured (stopped). ' +
        'Warning: node-2/eth8: node-2__eth8.pcap missing from the session folder.',
    );
  });

  it('the kernel drops session.json records (kernelDrops) reach the session’s captures, a second capture’s its own lane', () => {
    const dir = sessionFolder(2, 1);
    const doc = JSON.parse(readFileSync(join(dir, 'session.json'), 'utf8'));
    const file = captureFileName('node-1', 'veth2053e67d', 2);
    copyFileSync(join(dir, 'node-1__veth2053e67d.pcap'), join(dir, file));
    doc.captures.push({ node: 'node-1', iface: 'veth2053e67d', file, instance: 2, state: 'stopped' });
    for (const c of doc.captures as {
      node: string;
      iface: string;
      instance?: number;
      kernelDrops?: number;
    }[])
      c.kernelDrops = c.iface === 'ens33' && c.node === 'node-2' ? 17 : c.instance === 2 ? 5 : 0;
    writeFileSync(join(dir, 'session.json'), JSON.stringify(doc));
    const drops = Object.fromEntries(
      buildSession([dir], undefined, 'x')
        .info()
        .captures.map((c) => [`${c.node}/${c.iface}`, c.drops]),
    );
    expect(drops['node-2/ens33']).toBe(17);
    expect(drops['node-1/veth2053e67d~2']).toBe(5);
    expect(drops['node-1/veth2053e67d']).toBe(0);
    expect(drops['node-1/ens33']).toBe(0);
  });

  it('an interface captured twice under one name (a pod recreated, followed): two lanes, NAME and NAME~2, both files read', () => {
    const dir = sessionFolder(1, 1);
    const doc = JSON.parse(readFileSync(join(dir, 'session.json'), 'utf8'));
    // The second veth2053e67d, captured into its own file as the session names it (the bytes: the first one's).
    const file = captureFileName('node-1', 'veth2053e67d', 2);
    expect(file).toBe('node-1__veth2053e67d~2.pcap');
    copyFileSync(join(dir, 'node-1__veth2053e67d.pcap'), join(dir, file));
    doc.captures.push({ node: 'node-1', iface: 'veth2053e67d', file, instance: 2, state: 'stopped' });
    writeFileSync(join(dir, 'session.json'), JSON.stringify(doc));
    const inputs = loadInputs([dir]);
    expect(inputs.ok, inputs.ok ? '' : inputs.error.message).toBe(true);
    if (!inputs.ok) return;
    const lanes = inputs.value.files.filter((f) => f.iface?.startsWith('veth2053e67d'));
    expect(lanes.map((f) => [f.iface, basename(f.path)])).toEqual([
      ['veth2053e67d', 'node-1__veth2053e67d.pcap'],
      ['veth2053e67d~2', file],
    ]);
    // The file's own name says the same lane, read without session.json.
    expect(ifaceFromFileName(file)).toEqual({ node: 'node-1', iface: 'veth2053e67d~2' });
    // A name with a `~` of its own never reads as a second capture: it is %-encoded.
    expect(captureFileName('node-1', 'a~2')).toBe('node-1__a%7E2.pcap');
    const res = correlate([dir]);
    expect(res.captures.map((c) => `${c.node}/${c.iface}`)).toEqual(
      expect.arrayContaining(['node-1/veth2053e67d', 'node-1/veth2053e67d~2']),
    );
  });

  it('a folder without session.json: every capture file in it', () => {
    const dir = fixtureCopy('calico-bgp');
    try {
      const inputs = loadInputs([dir]);
      expect(inputs.ok && inputs.value.files.length).toBe(5);
      expect(inputs.ok && inputs.value.interfaces.some((i) => i.name.startsWith('cali'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('errors are data: missing file, bad session.json', () => {
    const missing = loadInputs([join(tmp, 'nope.pcap')]);
    expect(missing.ok === false && missing.error.code).toBe('FILE_NOT_FOUND');
    const bad = join(tmp, 'bad');
    execFileSync('mkdir', ['-p', bad]);
    writeFileSync(join(bad, 'session.json'), '{"schema":"other/1"}');
    const r = loadInputs([bad]);
    expect(r.ok === false && r.error.code).toBe('SESSION_INVALID');
  });

  it('NODE:IFACE=FILE labels an unlabelled pcapng (written by editcap) like a named pcap', () => {
    const files = fixtureFiles('flannel-hostgw');
    const args = files.map((f) => {
      const name = basename(f);
      if (!name.startsWith('node-2__ens33')) return f;
      const out = join(tmp, 'anon.pcapng');
      execFileSync('editcap', ['-F', 'pcapng', f, out]);
      return `node-2:ens33=${out}`;
    });
    const a = correlate(args);
    const b = correlate(files);
    const lanes = (res: typeof a): string[] =>
      Array.from({ length: res.journeyCount }, (_, k) => path(res, k).join(' > ')).sort();
    expect(lanes(a)).toEqual(lanes(b));
  });
});

describe('multi-interface pcapng (dumpcap -i a -i b)', () => {
  it('each interface block is its own lane, named by if_name, node from the file label', async () => {
    const { Sink } = await import('../../main/export/sink.ts');
    const { writeShb, writeIdb, writeEpb } = await import('../../main/export/pcapngWriter.ts');
    const { readPcap } = await import('./correlate-helpers.ts');
    const out = join(tmp, 'node-1__multi.pcapng');
    const sink = Sink.file(out);
    writeShb(sink, { application: 'test' });
    const files = ['node-1__veth38645991.pcap', 'node-1__cni0.pcap', 'node-1__ens33.pcap'];
    files.forEach((f) => writeIdb(sink, { linkType: 1, snaplen: 262144, name: f.slice(8, -5) }));
    // Interleave the three lanes in time order, as dumpcap would.
    const recs = files.flatMap((f, i) =>
      readPcap(join(FIXTURES, 'flannel-hostgw', f)).records.map((r) => ({ ...r, i })),
    );
    recs.sort((a, b) => a.sec - b.sec || a.nsec - b.nsec);
    for (const r of recs) writeEpb(sink, r.i, r.sec, r.nsec, r.data, r.origLen, 0, '');
    sink.close();
    const res = correlate([out, ...fixtureFiles('flannel-hostgw').filter((f) => f.includes('node-2__'))]);
    expect(res.captures.map((c) => `${c.node}/${c.iface}`).slice(0, 3)).toEqual([
      'node-1/veth38645991',
      'node-1/cni0',
      'node-1/ens33',
    ]);
    const k = crossNodePings(res, 8)[0];
    expect(path(res, k)).toEqual([
      'node-1/veth38645991',
      'node-1/cni0',
      'node-1/ens33',
      'node-2/ens33',
      'node-2/cni0',
      'node-2/veth1695e55f',
    ]);
  });
});
