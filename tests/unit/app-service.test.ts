// The app's back end on real lab captures (the bundled sample): open, journeys, summaries and detail, clock
// override, exports that tshark reads, dropped files, and errors as data.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { exportResult } from '../../main/app/exporter.ts';
import { placeDropped } from '../../main/app/dropped.ts';
import { AppService } from '../../main/app/service.ts';
import { validateRequest } from '../../main/app/validate.ts';
import type { ExportResult, JourneyPage, JourneyView, PacketDetail, SessionInfo } from '../../preload/api.ts';
import { formatDuration } from '../../renderer/src/lib/timeScale.ts';
import { ok } from './app-helpers.ts';
import { correlate, fixtureFiles, readPcap, threeHostsLateToNode2 } from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

let svc: AppService;
let s: SessionInfo;
const work = tempDir('hs-app-');

beforeAll(async () => {
  svc = new AppService({
    mode: 'web',
    resourcesDir: 'resources',
    workDir: work,
    configDir: path.join(work, 'config'),
  });
  s = await ok<SessionInfo>(svc.call('openSample', undefined));
}, 60_000);
afterAll(() => svc.close());

describe('AppService on the sample session', () => {
  it('opens the eight interfaces of both nodes with their packets and journeys', () => {
    expect(s.captures.map((c) => `${c.node}/${c.iface}`).sort()).toEqual([
      'node-1/cni0',
      'node-1/ens33',
      'node-1/flannel.1',
      'node-1/veth2053e67d',
      'node-2/cni0',
      'node-2/ens33',
      'node-2/flannel.1',
      'node-2/veth470beb22',
    ]);
    expect(s.packets).toBe(s.captures.reduce((a, c) => a + c.packets, 0));
    expect(s.journeys).toBeGreaterThanOrEqual(6);
    expect(s.clocks.map((c) => c.node)).toEqual(['node-1', 'node-2']);
    expect(BigInt(s.baseNs) > 1_700_000_000n * 1_000_000_000n).toBe(true);
  });

  it('lists journeys with a filter and gives a ping its eight hops', async () => {
    const all = await ok<JourneyPage>(
      svc.call('listJourneys', { sessionId: s.id, filter: '', from: 0, count: 100 }),
    );
    expect(all.total).toBe(s.journeys);
    // The page says its snapshot's flows beside its journeys (the list's count line pairs them).
    expect(all.flows).toBe(s.flows);
    const req = await ok<JourneyPage>(
      svc.call('listJourneys', { sessionId: s.id, filter: 'echo request', from: 0, count: 100 }),
    );
    expect(req.total).toBe(3);
    expect(req.items.every((j) => j.direction === 'request' && j.hops === 8)).toBe(true);
    const v = await ok<JourneyView>(svc.call('getJourney', { sessionId: s.id, journeyId: req.items[0].id }));
    expect(v.hopList.map((h) => h.ttl)).toEqual([64, 64, 63, 63, 63, 63, 62, 62]);
    expect(v.hopList[3].encap[0]).toMatchObject({
      type: 'vxlan',
      vni: 1,
      outerSrc: '10.1.10.9',
      outerDst: '10.1.10.10',
      dstPort: 8472,
    });
    expect(v.hopList[3].changes).toContain('encap+vxlan');
    // Every hop's packet index points back at that hop's row in the batch columns.
    const b = await ok<{ journey: Int32Array; capture: Uint16Array }>(
      svc.call('getPackets', { sessionId: s.id, from: 0, count: s.packets }),
    );
    for (const h of v.hopList) {
      expect(b.journey[h.packet]).toBe(v.id);
      expect(b.capture[h.packet]).toBe(h.capture);
    }
  });

  it('summarizes packets like tcpdump -nei and gives a layer tree with byte ranges', async () => {
    const v = await ok<JourneyView>(svc.call('getJourney', { sessionId: s.id, journeyId: 0 }));
    const ens33 = v.hopList[3].packet;
    const [line] = await ok<string[]>(svc.call('getSummaries', { sessionId: s.id, indices: [ens33] }));
    expect(line).toMatch(/^00:0c:29:\S+ > 00:0c:29:\S+, ethertype IPv4/);
    expect(line).toContain('10.1.10.9');
    const d = await ok<PacketDetail>(svc.call('getPacketDetail', { sessionId: s.id, index: ens33 }));
    expect(d.bytes.length).toBeGreaterThan(100);
    expect(d.layers[0].offset).toBe(0);
    expect(d.layers.map((l) => l.name)).toContain('Virtual eXtensible Local Area Network, VNI: 1');
  });

  it('re-aligns clocks on a manual override and back', async () => {
    const node2 = s.clocks.find((c) => c.node === 'node-2')!;
    const after = await ok<SessionInfo>(
      svc.call('setClockOverride', { sessionId: s.id, node: 'node-2', offsetNs: 1_500_000 }),
    );
    const c2 = after.clocks.find((c) => c.node === 'node-2')!;
    expect(c2.overridden).toBe(true);
    expect(c2.offsetNs).toBe(1_500_000);
    expect(c2.estimatedOffsetNs).toBe(node2.offsetNs);
    // 1.5 ms is far outside the traffic's few µs: said so beside the override (the CLI warns likewise).
    expect(c2.outsideEstimate).toBe(true);
    expect(node2.outsideEstimate).toBe(false);
    expect(after.revision).toBeGreaterThan(s.revision);
    // The same echo request's node-1/ens33 → node-2/ens33 hop now carries the 1.5 ms correction (journeys are in
    // corrected time order, so look it up by its text, not by index).
    const crossing = async () => {
      const page = await ok<JourneyPage>(
        svc.call('listJourneys', { sessionId: s.id, filter: 'echo request seq 1,', from: 0, count: 1 }),
      );
      const v = await ok<JourneyView>(
        svc.call('getJourney', { sessionId: s.id, journeyId: page.items[0].id }),
      );
      const i = v.hopList.findIndex((h) => h.node === 'node-2' && h.iface === 'ens33');
      expect(v.hopList[i - 1]).toMatchObject({ node: 'node-1', iface: 'ens33' });
      return v.hopList[i].latencyNs!;
    };
    const shifted = await crossing();
    // Exported meanwhile, a hop the override puts 1.5 ms earlier reads "-1.49 ms" in its comment, never "+-".
    const neg = path.join(work, 'negative.pcapng');
    await ok(
      svc.call('exportSession', { sessionId: s.id, format: 'pcapng', clockCorrected: true, path: neg }),
    );
    const cm = execFileSync('tshark', ['-r', neg, '-T', 'fields', '-e', 'frame.comment'], {
      encoding: 'utf8',
    });
    expect(cm).not.toContain('+-');
    expect(cm).toMatch(/ hop \d+\/\d+ -1\.\d\d ms/);
    const ref = await svc.call('setClockOverride', { sessionId: s.id, node: 'node-1', offsetNs: 1000 });
    expect(!ref.ok && ref.error.message).toContain('node-1 is the reference');
    const zero = await ok<SessionInfo>(
      svc.call('setClockOverride', { sessionId: s.id, node: 'node-2', offsetNs: 0 }),
    );
    // 0 is inside the estimate's interval (the lab's nodes share one clock): no warning.
    expect(zero.clocks.find((c) => c.node === 'node-2')!.outsideEstimate).toBe(false);
    const unshifted = await crossing();
    expect(unshifted - shifted).toBeCloseTo(1_500_000, -1);
    const back = await ok<SessionInfo>(
      svc.call('setClockOverride', { sessionId: s.id, node: 'node-2', offsetNs: null }),
    );
    expect(back.clocks.find((c) => c.node === 'node-2')!.offsetNs).toBe(node2.offsetNs);
  });

  it('an export the disk refuses is WRITE_FAILED; one that fails leaves no partial file', async () => {
    for (const format of ['pcapng', 'csv'] as const) {
      const r = await svc.call('exportSession', {
        sessionId: s.id,
        format,
        clockCorrected: true,
        path: '/dev/full',
      });
      expect(!r.ok && r.error).toMatchObject({
        code: 'WRITE_FAILED',
        message: 'cannot write /dev/full: ENOSPC: no space left on device',
      });
    }
    // An export that fails halfway (here its progress callback throws, after every byte was written): no
    // partial file is left at the path or beside it (the previous export there, which the user said to
    // replace, went when it began, as mergecap's does).
    const res = correlate(fixtureFiles('flannel-vxlan'));
    const out = path.join(work, 'kept.pcapng');
    const req = { sessionId: 'x', format: 'pcapng' as const, clockCorrected: false };
    await exportResult(res, req, out, () => undefined);
    let calls = 0;
    const failing = exportResult(res, { ...req, overwrite: true }, out, () => {
      if (++calls === 2) throw new Error('stopped halfway');
    });
    await expect(failing).rejects.toThrow('stopped halfway');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('exports a pcapng that tshark reads, with one interface per node/interface and journey comments', async () => {
    const out = path.join(work, 'all.pcapng');
    const r = await ok<ExportResult>(
      svc.call('exportSession', { sessionId: s.id, format: 'pcapng', clockCorrected: true, path: out }),
    );
    expect(r.packets).toBe(s.packets);
    expect(r.downloadUrl).toMatch(/^\/download\//);
    const ifaces = execFileSync('tshark', ['-r', out, '-T', 'fields', '-e', 'frame.interface_name'], {
      encoding: 'utf8',
    });
    const names = new Set(ifaces.trim().split('\n'));
    expect(names).toEqual(new Set(s.captures.map((c) => `${c.node}/${c.iface}`)));
    const comments = execFileSync('tshark', ['-r', out, '-T', 'fields', '-e', 'frame.comment'], {
      encoding: 'utf8',
    });
    expect(comments).toMatch(/journey 1 hop 4\/8 .*encap\+vxlan/);
    // Its interface blocks are the CLI's for the same session: descriptions and MACs from discovery.
    const cli = path.join(work, 'cli.pcapng');
    execFileSync(process.execPath, ['bin/hopscope.mjs', 'export', '--pcapng', cli, s.path!], {
      stdio: 'ignore',
    });
    const idbs = (file: string) => {
      const b = readFileSync(file);
      const out: string[] = [];
      for (let at = 0; at + 12 <= b.length; at += b.readUInt32LE(at + 4))
        if (b.readUInt32LE(at) === 1) out.push(b.subarray(at, at + b.readUInt32LE(at + 4)).toString('hex'));
      return out;
    };
    expect(idbs(out)).toEqual(idbs(cli));
    expect(idbs(out).length).toBe(8);
    // if_MACaddr (option 6, 6 bytes) on the Ethernet lanes.
    expect(idbs(out).filter((h) => h.includes('06000600')).length).toBeGreaterThan(0);
  });

  it('exports only the chosen journey, as pcapng and as JSON', async () => {
    const p = path.join(work, 'one.pcapng');
    const r = await ok<ExportResult>(
      svc.call('exportSession', {
        sessionId: s.id,
        format: 'pcapng',
        journeys: [0],
        clockCorrected: false,
        path: p,
      }),
    );
    expect(r.packets).toBe(8);
    const n = execFileSync('tshark', ['-r', p, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(n.length).toBe(8);
    const j = path.join(work, 'one.json');
    await ok(
      svc.call('exportSession', {
        sessionId: s.id,
        format: 'json',
        journeys: [0],
        clockCorrected: true,
        path: j,
      }),
    );
    const doc = JSON.parse(readFileSync(j, 'utf8'));
    expect(doc.schema).toBe('hopscope.journeys/1');
    expect(doc.journeys).toHaveLength(1);
    expect(doc.journeys[0].hops).toHaveLength(8);
    expect(doc.selection).toEqual({ journeys: [1] });
    // The chosen journey is written exactly as in the whole document.
    const whole = path.join(work, 'all.json');
    await ok(
      svc.call('exportSession', { sessionId: s.id, format: 'json', clockCorrected: true, path: whole }),
    );
    expect(JSON.stringify(doc.journeys[0])).toBe(
      JSON.stringify(JSON.parse(readFileSync(whole, 'utf8')).journeys[0]),
    );
    const csv = path.join(work, 'all.csv');
    await ok(svc.call('exportSession', { sessionId: s.id, format: 'csv', clockCorrected: true, path: csv }));
    const all = readFileSync(csv, 'utf8').trim().split('\n');
    expect(all[0]).toMatch(/^journey,hop,/);
    // A CSV subset: exactly the chosen journeys' rows of the full CSV, same numbers and cells.
    const sub = path.join(work, 'two.csv');
    const rs = await ok<ExportResult>(
      svc.call('exportSession', {
        sessionId: s.id,
        format: 'csv',
        journeys: [1, 3],
        clockCorrected: true,
        path: sub,
      }),
    );
    const lines = readFileSync(sub, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(all[0]);
    expect(lines.slice(1)).toEqual(all.slice(1).filter((l) => /^(2|4),/.test(l)));
    expect(lines.length - 1).toBe(16);
    expect(rs.packets).toBe(16);
  });

  it("exports the journeys the list's filter lists: their frames, the JSON naming the filter; bad or empty filters write nothing", async () => {
    const filter = 'icmp and dst host 10.244.1.34';
    const page = await ok<JourneyPage>(
      svc.call('listJourneys', { sessionId: s.id, filter, from: 0, count: 10_000 }),
    );
    // The API counts journeys from 0; the JSON's ids and the pcapng's packet ids from 1.
    const listed = page.items.map((j) => j.id + 1);
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.length).toBeLessThan(s.journeys);
    const j = path.join(work, 'listed.json');
    const rj = await ok<ExportResult>(
      svc.call('exportSession', { sessionId: s.id, format: 'json', filter, clockCorrected: true, path: j }),
    );
    const doc = JSON.parse(readFileSync(j, 'utf8'));
    expect(doc.selection).toEqual({ filter, journeys: listed });
    expect(doc.journeys.map((x: { id: number }) => x.id)).toEqual(listed);
    expect(rj.journeys).toBe(listed.length);
    // The pcapng: exactly those journeys' frames, its section comment naming the filter.
    const p = path.join(work, 'listed.pcapng');
    await ok(
      svc.call('exportSession', {
        sessionId: s.id,
        format: 'pcapng',
        filter,
        clockCorrected: false,
        path: p,
      }),
    );
    const ids = execFileSync('tshark', ['-r', p, '-T', 'fields', '-e', 'frame.packet_id'], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .map(Number);
    expect([...new Set(ids)].sort((a, b) => a - b)).toEqual([...listed].sort((a, b) => a - b));
    expect(execFileSync('capinfos', ['-k', p], { encoding: 'utf8' })).toContain(
      `${listed.length} journeys matching ${JSON.stringify(filter)}`,
    );
    // What the list would refuse is refused; a filter listing nothing writes nothing.
    const bad = await svc.call('exportSession', {
      sessionId: s.id,
      format: 'csv',
      filter: 'port',
      clockCorrected: true,
      path: path.join(work, 'bad.csv'),
    });
    expect(!bad.ok && bad.error.code).toBe('FILTER_INVALID');
    const none = path.join(work, 'none.csv');
    const empty = await svc.call('exportSession', {
      sessionId: s.id,
      format: 'csv',
      filter: 'host 192.0.2.99',
      clockCorrected: true,
      path: none,
    });
    expect(!empty.ok && empty.error.code).toBe('NO_MATCH');
    expect(existsSync(none)).toBe(false);
  });

  it('exports a time range: exactly the packets whose corrected time falls in it', async () => {
    const v = await ok<JourneyView>(svc.call('getJourney', { sessionId: s.id, journeyId: 0 }));
    const ts = v.hopList.map((h) => h.tRelNs);
    const range: [number, number] = [Math.min(...ts), Math.max(...ts) + 1];
    const b = await ok<{ tsNs: Float64Array; capture: Uint16Array }>(
      svc.call('getPackets', { sessionId: s.id, from: 0, count: s.packets }),
    );
    const off = new Map(s.clocks.map((c) => [c.node, c.offsetNs]));
    let expected = 0;
    for (let i = 0; i < b.tsNs.length; i++) {
      const t = b.tsNs[i] - (off.get(s.captures[b.capture[i]].node) ?? 0);
      if (t >= range[0] && t < range[1]) expected++;
    }
    expect(expected).toBeGreaterThanOrEqual(8);
    const file = path.join(work, 'range.pcapng');
    const r = await ok<ExportResult>(
      svc.call('exportSession', {
        sessionId: s.id,
        format: 'pcapng',
        rangeNs: range,
        clockCorrected: true,
        path: file,
      }),
    );
    expect(r.packets).toBe(expected);
    const n = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(n.length).toBe(expected);
  });

  it('opens dropped bytes (labelled by their names) and reports a non-capture as PCAP_BAD_MAGIC data', async () => {
    const bytes = new Uint8Array(readFileSync('resources/sample-session/node-1__ens33.pcap'));
    const one = await ok<SessionInfo>(
      svc.call('openFiles', { files: [{ name: 'node-1__ens33.pcap', bytes }] }),
    );
    expect(one.captures).toMatchObject([{ node: 'node-1', iface: 'ens33' }]);
    const bad = await svc.call('openFiles', {
      files: [{ name: 'x.pcap', bytes: new TextEncoder().encode('not a capture at all') }],
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('PCAP_BAD_MAGIC');
    // Named as the user knows it, not by the app's scratch copy (…/dropped-XXXX/x.pcap).
    expect(!bad.ok && bad.error.message).toMatch(/^x\.pcap: /);
    const droppedMix = await ok<SessionInfo>(
      svc.call('openFiles', {
        files: [
          { name: 'node-1__ens33.pcap', bytes },
          { name: 'node-2__junk.pcap', bytes: new TextEncoder().encode('not a capture at all') },
        ],
      }),
    );
    expect(droppedMix.notice).toMatch(/^1 file was not opened: node-2__junk\.pcap: PCAP_BAD_MAGIC: /);
    const missing = await svc.call('openPaths', { paths: ['/nonexistent/capture.pcap'] });
    expect(!missing.ok && missing.error.code).toBe('FILE_NOT_FOUND');
    // Beside a good file, a non-capture has no pane to show its problem in: the session's notice says it.
    const garbage = path.join(tempDir('hs-garbage-'), 'node-1__garbage.pcap');
    writeFileSync(garbage, 'not a capture at all');
    const mixed = await ok<SessionInfo>(
      svc.call('openPaths', { paths: ['resources/sample-session/node-1__ens33.pcap', garbage] }),
    );
    expect(mixed.captures).toMatchObject([{ node: 'node-1', iface: 'ens33' }]);
    expect(mixed.notice).toMatch(
      new RegExp(
        `^1 file was not opened: ${garbage.replace(/[.]/g, '\\.')}: PCAP_BAD_MAGIC: [^\\n]*at byte 0$`,
      ),
    );
    expect(one.notice).toBeUndefined();
    // Given first, the non-capture does not name the session: the file that opened does.
    const garbageFirst = await ok<SessionInfo>(
      svc.call('openPaths', { paths: [garbage, 'resources/sample-session/node-1__ens33.pcap'] }),
    );
    expect([mixed.title, garbageFirst.title]).toEqual(['node-1__ens33.pcap', 'node-1__ens33.pcap']);
    // An export opened again beside the captures it was made from: every lane twice, which the notice says.
    const files = fixtureFiles('flannel-vxlan');
    const merged = path.join(tempDir('hs-merged-'), 'merged.pcapng');
    await exportResult(
      correlate(files),
      { sessionId: 'x', format: 'pcapng', clockCorrected: false },
      merged,
      () => undefined,
    );
    const twice = await ok<SessionInfo>(svc.call('openPaths', { paths: [...files, merged] }));
    expect(twice.captures).toHaveLength(2 * files.length);
    expect(twice.notice).toMatch(
      /^Warning: lanes of one name: node-1\/\S+ \(node-1__\S+, merged\.pcapng.*counted twice/,
    );
    // A name can never place the file outside the drop folder.
    const sneaky = await ok<SessionInfo>(
      svc.call('openFiles', { files: [{ name: '../../node-1__cni0.pcap', bytes }] }),
    );
    expect(sneaky.path!.startsWith(work)).toBe(true);
    // Nor can a folder's name: it is one folder inside the drop's, never `..`.
    const sneakyFolder = await ok<SessionInfo>(
      svc.call('openFiles', { files: [{ name: 'node-1__cni0.pcap', folder: '../..', bytes }] }),
    );
    expect(sneakyFolder.path!.startsWith(work)).toBe(true);
    expect(sneakyFolder.captures).toMatchObject([{ node: 'node-1', iface: 'cni0' }]);
    for (const x of [sneaky, sneakyFolder]) await svc.call('closeSession', { sessionId: x.id });
  });

  it('places dropped files so that none overwrites another: each folder in its own, a name taken goes to ~N', () => {
    const b = new Uint8Array(0);
    const placed = placeDropped([
      { name: 'a.pcap', folder: 'x', bytes: b },
      { name: 'a.pcap', folder: 'x', bytes: b },
      { name: 'a.pcap', bytes: b },
      { name: 'a.pcap', bytes: b },
      // A loose file named as a folder, and a folder named as a loose file: never both at the top.
      { name: 'x', bytes: b },
      { name: 'b.pcap', bytes: b },
      { name: 'c.pcap', folder: 'b.pcap', bytes: b },
      { name: 'd.pcap', folder: '../..', bytes: b },
      { name: 'e.pcap', folder: '.hidden', bytes: b },
    ]);
    expect(placed.map((f) => `${f.dir}/${f.name}`)).toEqual([
      'x/a.pcap',
      'x~2/a.pcap',
      '/a.pcap',
      '~2/a.pcap',
      '~2/x',
      '/b.pcap',
      'b.pcap~2/c.pcap',
      '_../d.pcap',
      'hidden/e.pcap',
    ]);
  });

  it('a folder dropped whole opens its captures or its session, leaving out what is no capture; one file alone is opened', async () => {
    const folder = (dir: string) =>
      readdirSync(dir).map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(path.join(dir, f))) }));
    // The sample folder as a drop hands it over: its captures, interface lists, manifest.json and README.md.
    const sample = folder('resources/sample-session');
    expect(sample.map((f) => f.name)).toEqual(expect.arrayContaining(['README.md', 'manifest.json']));
    const all = await ok<SessionInfo>(svc.call('openFiles', { files: sample }));
    expect(all.captures).toHaveLength(8);
    expect(all.notice).toBeUndefined();
    expect(all.title).toBe('8 dropped files');
    // A capture is told by its bytes too, whatever its name.
    const renamed = await ok<SessionInfo>(
      svc.call('openFiles', {
        files: [
          { name: 'trace.dump', bytes: sample.find((f) => f.name === 'node-1__ens33.pcap')!.bytes },
          sample.find((f) => f.name === 'README.md')!,
        ],
      }),
    );
    expect(renamed.captures.map((c) => c.packets)).toEqual([
      all.captures.find((c) => c.iface === 'ens33' && c.node === 'node-1')!.packets,
    ]);
    expect(renamed.notice).toBeUndefined();
    // Alone, a non-capture is opened and said to be none; several and none a capture, the drop says so.
    const manifest = await svc.call('openFiles', {
      files: [sample.find((f) => f.name === 'manifest.json')!],
    });
    expect(!manifest.ok && manifest.error.code).toBe('PCAP_BAD_MAGIC');
    expect(!manifest.ok && manifest.error.message).toMatch(/^manifest\.json: /);
    const notes = await svc.call('openFiles', {
      files: sample.filter((f) => f.name === 'README.md' || f.name === 'manifest.json'),
    });
    expect(!notes.ok && notes.error).toEqual({
      code: 'SESSION_INVALID',
      message: 'no capture among the dropped files (README.md, manifest.json: none is pcap or pcapng)',
    });
    // A session folder: its session.json opens the session (each capture once, no "given more than once").
    const captures = sample
      .filter((f) => f.name.endsWith('.pcap'))
      .map((f) => ({
        file: f.name,
        node: f.name.split('__')[0],
        iface: f.name.split('__')[1].replace('.pcap', ''),
      }));
    const sessionJson = {
      name: 'session.json',
      bytes: new TextEncoder().encode(JSON.stringify({ schema: 'hopscope.session/1', nodes: [], captures })),
    };
    const session = await ok<SessionInfo>(
      svc.call('openFiles', { files: [...sample.filter((f) => !f.name.endsWith('.json')), sessionJson] }),
    );
    expect(session.captures).toHaveLength(8);
    expect(session.notice).toBeUndefined();
    expect(session.title).toBe('dropped session');
    // Captures dropped with a session that its session.json does not list open beside it (they were left out
    // without a word): one of another folder, a loose one of a name the session has, one the session never listed.
    const other = (name: string, folder?: string) => ({
      name,
      ...(folder ? { folder } : {}),
      bytes: new Uint8Array(readFileSync(`tests/fixtures/flannel-hostgw/${name}`)),
    });
    const inSession = (f: (typeof sample)[number]) => ({ ...f, folder: 'sample-session' });
    const unlisted = captures.slice(1);
    const withMore = await ok<SessionInfo>(
      svc.call('openFiles', {
        files: [
          ...sample.filter((f) => !f.name.endsWith('.json')).map(inSession),
          inSession({
            name: 'session.json',
            bytes: new TextEncoder().encode(
              JSON.stringify({ schema: 'hopscope.session/1', nodes: [], captures: unlisted }),
            ),
          }),
          other('node-1__veth38645991.pcap', 'flannel-hostgw'),
          other('node-2__ens33.pcap'),
        ],
      }),
    );
    const lane = (c: { node: string; iface: string }) => `${c.node}/${c.iface}`;
    expect(withMore.captures.map(lane).sort()).toEqual(
      [
        ...captures.map(lane),
        'node-1/veth38645991',
        // The session has a node-2/ens33: the loose one is told apart (the top folder is ~1).
        'node-2/ens33~1',
      ].sort(),
    );
    expect(withMore.notice).toBeUndefined();
    expect(withMore.title).toBe('dropped session and 3 more files');
    for (const x of [all, renamed, session, withMore]) await svc.call('closeSession', { sessionId: x.id });
  });

  it('two folders dropped together keep both files of one name, their panes told apart by folder', async () => {
    const folder = (name: string) =>
      readdirSync(`tests/fixtures/${name}`)
        .filter((f) => f.endsWith('.pcap') || f.endsWith('.ip-link.json'))
        .map((f) => ({
          name: f,
          folder: name,
          bytes: new Uint8Array(readFileSync(`tests/fixtures/${name}/${f}`)),
        }));
    const vx = folder('flannel-vxlan');
    const gw = folder('flannel-hostgw');
    const lanes = (s: SessionInfo) => s.captures.map((c) => `${c.node}/${c.iface}=${c.packets}`).sort();
    const names = (files: typeof vx) => files.filter((f) => f.name.endsWith('.pcap')).map((f) => f.name);
    const shared = names(vx).filter((n) => names(gw).includes(n));
    expect(shared.sort()).toEqual([
      'node-1__cni0.pcap',
      'node-1__ens33.pcap',
      'node-2__cni0.pcap',
      'node-2__ens33.pcap',
    ]);
    // Each file's lane with its own packets: a name the other folder has too says its folder after `~`.
    const expected = (dir: string, name: string, tag: string) =>
      `${name.replace('__', '/').replace(/\.pcap$/, '')}${tag}=${readPcap(`tests/fixtures/${dir}/${name}`).records.length}`;
    const both = await ok<SessionInfo>(svc.call('openFiles', { files: [...vx, ...gw] }));
    expect(both.notice).toBeUndefined();
    expect(lanes(both)).toEqual(
      [vx, gw]
        .flatMap((files) =>
          names(files).map((n) =>
            expected(files[0].folder, n, shared.includes(n) ? `~${files[0].folder}` : ''),
          ),
        )
        .sort(),
    );
    // Two loose files of one name (no folder tells them apart): both kept, numbered.
    const a = vx.find((f) => f.name === 'node-1__ens33.pcap')!;
    const b = gw.find((f) => f.name === 'node-1__ens33.pcap')!;
    const loose = await ok<SessionInfo>(
      svc.call('openFiles', {
        files: [
          { name: a.name, bytes: a.bytes },
          { name: b.name, bytes: b.bytes },
          // A name that gives no node: the file's name is the node, its folder the interface.
          { name: 'trace.pcap', folder: 'run-a', bytes: a.bytes },
          { name: 'trace.pcap', folder: 'run-b', bytes: b.bytes },
        ],
      }),
    );
    expect(lanes(loose)).toEqual(
      [
        expected('flannel-vxlan', a.name, '~1'),
        expected('flannel-hostgw', b.name, '~2'),
        expected('flannel-vxlan', a.name, '').replace('node-1/ens33', 'trace/run-a'),
        expected('flannel-hostgw', b.name, '').replace('node-1/ens33', 'trace/run-b'),
      ].sort(),
    );
    for (const x of [both, loose]) await svc.call('closeSession', { sessionId: x.id });
  });

  it("says a `tcpdump -i any` packet's interface by the name tcpdump on its node printed, else `?` and its ifindex", async () => {
    // tcpdump -r here names an ifindex after this machine's interfaces ("interface names might be incorrect"); on
    // the node it printed the node's names, which its interface list beside the capture gives.
    const dir = 'tests/fixtures/any-flannel-vxlan';
    const onNode = (node: string) => {
      const links = JSON.parse(readFileSync(path.join(dir, `${node}.ip-link.json`), 'utf8')) as {
        ifindex: number;
        ifname: string;
      }[];
      const names = new Map(links.map((l) => [l.ifindex, l.ifname]));
      const out = execFileSync('tcpdump', ['-S', '-ner', path.join(dir, `${node}__any.pcap`)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      // A packet's line, its continuation (the frame inside VXLAN) joined to it.
      const lines: string[] = [];
      for (const l of out.split('\n'))
        if (/^\d\d:\d\d:\d\d\.\d+ /.test(l)) lines.push(l);
        else if (l) lines[lines.length - 1] += ` ${l}`;
      return lines.map((l) => {
        const [, dirn, ifindex, rest] = /^\S+ \S+ +(\S+) +ifindex (\d+) (.*)$/.exec(l)!;
        const tail = `${dirn.padEnd(3)} ifindex ${ifindex} ${rest}`;
        return { named: `${names.get(+ifindex)!.padEnd(5)} ${tail}`, unnamed: `?     ${tail}` };
      });
    };
    const theirs = [...onNode('node-1'), ...onNode('node-2')];
    const any = await ok<SessionInfo>(svc.call('openPaths', { paths: [dir] }));
    const all = [...theirs.keys()];
    const ours = await ok<string[]>(svc.call('getSummaries', { sessionId: any.id, indices: all }));
    expect(ours).toEqual(theirs.map((t) => t.named));
    expect(ours.filter((l) => l.startsWith('veth2053e67d P   ifindex 5 '))).not.toHaveLength(0);
    expect(ours.filter((l) => l.startsWith('ens33 Out ifindex 2 '))).not.toHaveLength(0);
    const d = await ok<PacketDetail>(svc.call('getPacketDetail', { sessionId: any.id, index: 0 }));
    expect(d.summary).toBe(theirs[0].named);
    // The detail's cooked layer names the interface too, in its title and its index field.
    const ifindex = Number(/ifindex (\d+) /.exec(theirs[0].named)![1]);
    const ifname = theirs[0].named.split(' ')[0];
    expect(d.layers[0].name).toContain(`, ifindex ${ifindex} (${ifname})`);
    expect(d.layers[0].fields.find((f) => f.name === 'Interface index')?.value).toBe(
      `${ifindex} (${ifname})`,
    );
    // The capture alone, no interface list beside it: the index only, as tcpdump says one it cannot name.
    const alone = path.join(tempDir('hs-any-'), 'node-1__any.pcap');
    copyFileSync(path.join(dir, 'node-1__any.pcap'), alone);
    const bare = await ok<SessionInfo>(svc.call('openPaths', { paths: [alone] }));
    const n1 = theirs.slice(0, bare.packets);
    const lines = await ok<string[]>(
      svc.call('getSummaries', { sessionId: bare.id, indices: [...n1.keys()] }),
    );
    expect(lines).toEqual(n1.map((t) => t.unnamed));
    const bareDetail = await ok<PacketDetail>(svc.call('getPacketDetail', { sessionId: bare.id, index: 0 }));
    expect(bareDetail.layers[0].name).toMatch(/, ifindex \d+(?!\d| \()/);
    for (const x of [any, bare]) await svc.call('closeSession', { sessionId: x.id });
  });

  it('lists IPv6 journeys with their real addresses and protocol names (real capture with NDP/MLD)', async () => {
    const file = 'tests/fixtures/synthetic/edge/veth.pcap';
    const v6 = await ok<SessionInfo>(svc.call('openPaths', { paths: [file] }));
    const page = await ok<JourneyPage>(
      svc.call('listJourneys', { sessionId: v6.id, filter: '', from: 0, count: 1000 }),
    );
    const icmp6 = page.items.filter((j) => j.proto === 'ICMP6');
    // tcpdump's own view of the same file: the IPv6 sources and destinations it prints.
    // (every IP6 header it prints, outer or inside VXLAN).
    const out = execFileSync('tcpdump', ['-nr', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(icmp6.length).toBeGreaterThan(0);
    const pairs = new Set([...out.matchAll(/IP6 (\S+) > (\S+): /g)].map((m) => `${m[1]} ${m[2]}`));
    for (const j of icmp6) {
      expect(j.src).not.toBe('0.0.0.0');
      expect(pairs.has(`${j.src} ${j.dst}`), `${j.src} > ${j.dst}`).toBe(true);
    }
    expect(page.items.some((j) => j.proto === 'IGMP' || j.proto === 'ICMP')).toBe(true);
  });

  it('names SCTP journeys SCTP in the list, as tcpdump and the filter do (they said "proto 132")', async () => {
    const s = await ok<SessionInfo>(svc.call('openPaths', { paths: ['tests/fixtures/sctp-flannel-vxlan'] }));
    const all = await ok<JourneyPage>(
      svc.call('listJourneys', { sessionId: s.id, filter: '', from: 0, count: 1000 }),
    );
    expect(all.items.length).toBe(28);
    expect(new Set(all.items.map((j) => j.proto))).toEqual(new Set(['SCTP']));
  });

  it('refuses host-key answers and captures that make no sense, as errors with codes', async () => {
    const r = await svc.call('answerHostKey', { promptId: 'nope', accept: true });
    expect(!r.ok && r.error.code).toBe('USAGE');
    const c = await svc.call('stopCapture', undefined);
    expect(!c.ok && c.error.code).toBe('USAGE');
    const add = await ok(svc.call('addNode', { name: 'n1', host: '127.0.0.1', port: 1 }));
    expect(add).toMatchObject({ name: 'n1', state: 'idle' });
    const conn = await svc.call('connectNode', { name: 'n1' });
    expect(!conn.ok && conn.error.code).toBe('SSH_UNREACHABLE');
    const nodes = await ok<{ state: string }[]>(svc.call('listNodes', undefined));
    expect(nodes[0].state).toBe('error');
  });
});

describe('long exports', () => {
  it('report progress while they run and leave the back end responsive', async () => {
    const { generate } = await import('../../bench/generate.ts');
    const dir = path.join(work, 'gen');
    generate({ outDir: dir, journeys: 6000, extras: false });
    const big = await ok<SessionInfo>(svc.call('openPaths', { paths: [path.join(dir, 'path')] }));
    expect(big.packets).toBe(48_000);
    const seen: { done: number; total: number }[] = [];
    const off = svc.on('exportProgress', (p) => seen.push(p as { done: number; total: number }));
    // Without yielding, the whole export would run before the next request is even read: answered mid-export
    // means the loop gave the event loop back (progress events are throttled to a few per second).
    let answeredDuring = false;
    const exp = svc.call('exportSession', {
      sessionId: big.id,
      format: 'pcapng',
      clockCorrected: true,
      path: path.join(work, 'big.pcapng'),
    });
    void svc.call('appInfo', undefined).then(() => (answeredDuring = seen.every((p) => p.done < p.total)));
    const r = await ok<ExportResult>(exp);
    off();
    expect(r.packets).toBe(48_000);
    expect(seen[0]).toEqual({ sessionId: big.id, done: 0, total: 48_000 });
    expect(seen.at(-1)).toMatchObject({ done: 48_000, total: 48_000 });
    expect(answeredDuring).toBe(true);
  }, 60_000);
});

describe('saved nodes', () => {
  it('are saved without their secrets and come back in a new instance', async () => {
    const dir = tempDir('hs-cfg-');
    const a = new AppService({ mode: 'web', resourcesDir: 'resources', workDir: work, configDir: dir });
    const secret = 'pl4nted-S3cret-' + Math.random().toString(36).slice(2);
    await ok(
      a.call('addNode', {
        name: 'n2',
        host: '127.0.0.1',
        port: 1,
        user: 'u',
        auth: 'password',
        password: secret,
        sudo: true,
        sudoPassword: secret,
      }),
    );
    const conn = await a.call('connectNode', { name: 'n2' });
    expect(!conn.ok && JSON.stringify(conn.error)).not.toContain(secret);
    const text = readFileSync(path.join(dir, 'nodes.json'), 'utf8');
    expect(text).toContain('"n2"');
    expect(text).not.toContain(secret);
    const b = new AppService({ mode: 'web', resourcesDir: 'resources', workDir: work, configDir: dir });
    const nodes = await ok<{ name: string; state: string }[]>(b.call('listNodes', undefined));
    expect(nodes).toMatchObject([{ name: 'n2', state: 'idle' }]);
    await ok(b.call('removeNode', { name: 'n2' }));
    expect(JSON.parse(readFileSync(path.join(dir, 'nodes.json'), 'utf8')).nodes).toEqual([]);

    // Editing: a new port and name, in place; the secret left out of the edit is kept in memory, never saved.
    await ok(a.call('addNode', { name: 'n3', host: '127.0.0.1', port: 2 }));
    const edited = await ok<{ name: string; target: string; spec: { port: number; password?: string } }>(
      a.call('updateNode', {
        name: 'n2',
        spec: { name: 'n2b', host: '127.0.0.1', port: 3, user: 'u', auth: 'password' },
      }),
    );
    expect(edited).toMatchObject({ name: 'n2b', target: 'u@127.0.0.1:3', spec: { port: 3 } });
    expect(edited.spec.password).toBeUndefined();
    expect(a.nodes.get('n2b').spec.password).toBe(secret);
    const listed = await ok<{ name: string }[]>(a.call('listNodes', undefined));
    expect(listed.map((n) => n.name)).toEqual(['n2b', 'n3']);
    const saved = readFileSync(path.join(dir, 'nodes.json'), 'utf8');
    expect(JSON.parse(saved).nodes.map((n: { name: string; port: number }) => [n.name, n.port])).toEqual([
      ['n2b', 3],
      ['n3', 2],
    ]);
    expect(saved).not.toContain(secret);
    const clash = await a.call('updateNode', { name: 'n2b', spec: { name: 'n3', host: 'h' } });
    expect(!clash.ok && clash.error.code).toBe('USAGE');
    expect(validateRequest('updateNode', { name: 'n3', spec: { name: 'x; rm -rf /', host: 'h' } })).toMatch(
      /name/,
    );
    await a.close();
    await b.close();
  });
});

describe('request validation', () => {
  it('accepts well-formed requests and names the first problem otherwise', () => {
    expect(validateRequest('getPackets', { sessionId: 'a', from: 0, count: 1 })).toBeNull();
    expect(validateRequest('getPackets', { sessionId: 'a', from: 0 })).toMatch(/count: missing/);
    expect(validateRequest('getPackets', { sessionId: 'a', from: 0.5, count: 1 })).toMatch(/from/);
    expect(validateRequest('openFiles', { files: [{ name: 'a', bytes: 'xx' }] })).toMatch(/bytes/);
    expect(validateRequest('setClockOverride', { sessionId: 'a', node: 'n', offsetNs: null })).toBeNull();
    expect(validateRequest('setClockOverride', { sessionId: 'a', node: 'n', offsetNs: Infinity })).toMatch(
      /at most 50 days/,
    );
    expect(validateRequest('labDown', undefined)).toBeNull();
    expect(validateRequest('labDown', {})).toMatch(/no argument/);
    expect(validateRequest('openPaths', { paths: ['a\0b'] })).toMatch(/string/);
    expect(validateRequest('openPaths', { paths: ['a'], title: 'Capture 1' })).toBeNull();
    // A manual clock offset as the CLI's --clock takes it: at most 50 days either way.
    const clock = (offsetNs: number | null) =>
      validateRequest('setClockOverride', { sessionId: 'x'.repeat(36), node: 'node-2', offsetNs });
    expect(clock(null)).toBeNull();
    expect(clock(-50 * 86_400e9)).toBeNull();
    expect(clock(51 * 86_400e9)).toMatch(/at most 50 days/);
    expect(clock(Infinity)).toMatch(/at most 50 days/);
    expect(validateRequest('openPaths', { paths: ['a'], title: 7 })).toMatch(/title/);
  });
});

describe("the app's own temporary work folder", () => {
  it('goes at close when it held only dropped files; stays, with the export, when one was made there (until it is moved away)', async () => {
    const bytes = new Uint8Array(readFileSync('resources/sample-session/node-1__ens33.pcap'));
    const a = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
    await ok<SessionInfo>(a.call('openFiles', { files: [{ name: 'node-1__ens33.pcap', bytes }] }));
    expect(readdirSync(a.workDir).some((e) => e.startsWith('dropped-'))).toBe(true);
    await a.close();
    expect(existsSync(a.workDir)).toBe(false);

    const b = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
    try {
      const one = await ok<SessionInfo>(
        b.call('openFiles', { files: [{ name: 'node-1__ens33.pcap', bytes }] }),
      );
      const r = await ok<ExportResult>(
        b.call('exportSession', { sessionId: one.id, format: 'csv', clockCorrected: true }),
      );
      expect(r.path.startsWith(b.workDir)).toBe(true);
      await b.close();
      expect(readdirSync(b.workDir)).toEqual(['exports']);
      expect(existsSync(r.path)).toBe(true);
      // Once the user has moved the export away, the next close takes the empty folders.
      rmSync(r.path);
      await b.close();
      expect(existsSync(b.workDir)).toBe(false);
    } finally {
      await b.close();
      rmSync(b.workDir, { recursive: true, force: true });
    }
  });
});

describe('the clocks the UI shows', () => {
  it('say why a clock is left unknown, as the CLI does, naming the override rather than --clock', async () => {
    // Only the two ens33 captures of flannel-hostgw, without the interface lists beside them: nothing says
    // which way a packet went (equal TTLs on the wire), so node-2's clock stays unknown.
    const dir = tempDir('hs-clock-none-');
    for (const f of fixtureFiles('flannel-hostgw').filter((f) => f.endsWith('__ens33.pcap')))
      copyFileSync(f, path.join(dir, path.basename(f)));
    const svc2 = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
    try {
      const s = await ok<SessionInfo>(svc2.call('openPaths', { paths: [dir] }));
      const c = s.clocks.find((x) => x.node === 'node-2')!;
      expect(c.method).toBe('none');
      expect(c.note).toMatch(
        /^not corrected: \d+ packets seen on both, but nothing says which way they went/,
      );
      expect(c.note).toContain("an override of node-2's offset sets it");
      expect(c.note).not.toContain('--clock');
      expect(s.clocks.find((x) => x.node === 'node-1')!.note).toBeNull();
    } finally {
      svc2.close();
    }
  });

  it("say when no steady offsets fit every pair of nodes (three hosts, one's timestamps late for one peer)", async () => {
    const dir = threeHostsLateToNode2();
    const svc2 = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
    try {
      const s = await ok<SessionInfo>(svc2.call('openPaths', { paths: [dir] }));
      // The client's frames to node-2 stamped 40 µs late: the pair's own bounds cross. Said on node-2 (the
      // client is the reference: no estimate), not on node-1.
      expect(s.clocks.find((x) => x.node === 'client')!.note).toBeNull();
      expect(s.clocks.find((x) => x.node === 'node-1')!.note).toBeNull();
      const c = s.clocks.find((x) => x.node === 'node-2')!;
      expect(c.method).toBe('traffic');
      expect(c.note).toMatch(
        /^the packets between node-2 and client contradict these clocks by 3\d(\.\d)? µs, so hops between them /,
      );
      // By how much, written as the app writes durations (the pane's badge beside it says "39 µs off client's
      // packets"; the note said "39.0 µs", the CLI's way).
      expect(c.conflict).not.toBeNull();
      expect(c.note).toContain(` by ${formatDuration(c.conflict!.byNs)}, so hops `);
      expect(c.note).toContain("an override of node-2's offset sets it");
    } finally {
      svc2.close();
    }
  });
});

describe('export paths from the UI', () => {
  it('refuses a relative path and a missing folder, asks before replacing a file, and counts what JSON/CSV hold', async () => {
    const svc2 = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
    try {
      const s = await ok<SessionInfo>(svc2.call('openSample', undefined));
      const dir = tempDir('hs-exp-');
      const req = { sessionId: s.id, format: 'csv' as const, clockCorrected: true };
      const rel = await svc2.call('exportSession', { ...req, path: 'relative.csv' });
      expect(!rel.ok && rel.error.code).toBe('USAGE');
      expect(!rel.ok && rel.error.message).toContain('relative.csv is relative');
      expect(existsSync('relative.csv')).toBe(false);
      const missing = await svc2.call('exportSession', { ...req, path: path.join(dir, 'nope', 'x.csv') });
      expect(!missing.ok && missing.error).toMatchObject({ code: 'WRITE_FAILED' });
      expect(existsSync(path.join(dir, 'nope'))).toBe(false);
      const file = path.join(dir, 'x.csv');
      const first = await ok<ExportResult>(svc2.call('exportSession', { ...req, path: file }));
      // A row per hop, and the count says so (it said every packet of the session, duplicates included).
      const rows = readFileSync(file, 'utf8').trim().split('\n').length - 1;
      expect(first).toMatchObject({ packets: rows, journeys: s.journeys });
      const again = await svc2.call('exportSession', { ...req, path: file });
      expect(!again.ok && again.error).toMatchObject({ code: 'USAGE', detail: { exists: true } });
      const replaced = await ok<ExportResult>(
        svc2.call('exportSession', { ...req, path: file, overwrite: true }),
      );
      expect(replaced.packets).toBe(rows);
      const json = await ok<ExportResult>(
        svc2.call('exportSession', { ...req, format: 'json', path: path.join(dir, 'x.json') }),
      );
      const doc = JSON.parse(readFileSync(path.join(dir, 'x.json'), 'utf8'));
      expect(json).toMatchObject({
        journeys: doc.journeys.length,
        packets: doc.journeys.reduce((n: number, j: { hops: unknown[] }) => n + j.hops.length, 0),
      });
      const pcap = await ok<ExportResult>(
        svc2.call('exportSession', { ...req, format: 'pcapng', path: path.join(dir, 'x.pcapng') }),
      );
      expect(pcap).toMatchObject({ packets: s.packets });
      expect(pcap.journeys).toBeUndefined();
      // One of the session's own files: refused outright, not first offered for replacing (Replace then failed).
      const input = path.resolve('resources/sample-session/node-1__ens33.pcap');
      const before = readFileSync(input);
      for (const overwrite of [false, true]) {
        const onto = await svc2.call('exportSession', { ...req, format: 'pcapng', path: input, overwrite });
        expect(!onto.ok && onto.error.code).toBe('USAGE');
        expect(!onto.ok && onto.error.message).toContain(`${input} is an input`);
        expect(!onto.ok && onto.error.detail?.exists).toBeFalsy();
      }
      expect(readFileSync(input).equals(before)).toBe(true);
    } finally {
      svc2.close();
    }
  });
});

describe('the journey filter', () => {
  it('finds a service by its ClusterIP at any hop (replies too), as ip:port, by interface, tcpdump-style', async () => {
    const svc2 = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
    try {
      const s = await ok<SessionInfo>(svc2.call('openPaths', { paths: ['tests/fixtures/kube-proxy'] }));
      const total = async (filter: string) =>
        (await ok<JourneyPage>(svc2.call('listJourneys', { sessionId: s.id, filter, from: 0, count: 1000 })))
          .total;
      const byPort = await total('8877');
      expect(byPort).toBeGreaterThan(10);
      // The ClusterIP is the requests' destination at the client and the replies' source once de-NATed: every
      // journey of the service has it on some hop (the first hop alone found only the requests).
      expect(await total('10.106.23.233')).toBe(byPort);
      expect(await total('10.106.23.233:8877')).toBe(byPort);
      expect(await total('host 10.1.10.8 and port 8877')).toBeGreaterThan(0);
      expect(await total('node-1/cbr0')).toBeGreaterThan(0);
      expect(await total('10.106.23.233 nosuchword')).toBe(0);
    } finally {
      svc2.close();
    }
  });

  it('IPv6 endpoints: [addr]:port as the ladder, kubectl and ss write it, and ICMPv6 by its Wireshark name', async () => {
    const svc2 = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
    try {
      const s = await ok<SessionInfo>(svc2.call('openPaths', { paths: ['tests/fixtures/nat6'] }));
      const total = async (filter: string) =>
        (await ok<JourneyPage>(svc2.call('listJourneys', { sessionId: s.id, filter, from: 0, count: 1000 })))
          .total;
      const pod = await total('fd44::5:8080');
      expect(pod).toBeGreaterThan(5);
      expect(await total('[fd44::5]:8080')).toBe(pod);
      expect(await total('[fd77::20]:30080')).toBe(pod);
      expect(await total('icmpv6')).toBe(await total('icmp6'));
      expect(await total('icmp6')).toBeGreaterThan(0);
    } finally {
      svc2.close();
    }
  });

  it('matches whole words (no 192.168.0.3 in .33), src/dst, a > b, outer headers, not and or: as the CLI JSON says', async () => {
    const svc2 = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
    type JHop = {
      iface: string;
      src: string;
      dst: string;
      srcPort: number | null;
      dstPort: number | null;
      encap: { outerSrc: string; outerDst: string; dstPort?: number }[] | null;
    };
    type J = { id: number; summary: string; hops: JHop[] };
    const cli = (dir: string): J[] =>
      JSON.parse(
        execFileSync(process.execPath, ['bin/hopscope.mjs', 'correlate', '--json', dir], {
          encoding: 'utf8',
        }),
      ).journeys;
    try {
      for (const [dir, cases] of [
        [
          'tests/fixtures/kube-proxy',
          (js: J[]) => [
            ['#1', 1],
            ['192.168.0.3', 0],
            ['port 8', 0],
            ['port 80', js.filter((j) => j.hops.some((h) => h.srcPort === 80 || h.dstPort === 80)).length],
            ['src 10.1.10.8', js.filter((j) => j.hops.some((h) => h.src === '10.1.10.8')).length],
            ['dst host 10.1.10.8', js.filter((j) => j.hops.some((h) => h.dst === '10.1.10.8')).length],
          ],
        ],
        [
          'tests/fixtures/flannel-vxlan',
          (js: J[]) => [
            ['seq 1', js.filter((j) => / seq 1,/.test(j.summary)).length],
            [
              '10.244.1.34 > 10.244.0.12',
              js.filter((j) => j.hops.some((h) => h.src === '10.244.1.34' && h.dst === '10.244.0.12')).length,
            ],
            [
              '10.1.10.10',
              js.filter((j) =>
                j.hops.some((h) =>
                  h.encap?.some((e) => e.outerDst === '10.1.10.10' || e.outerSrc === '10.1.10.10'),
                ),
              ).length,
            ],
            [
              'vxlan port 8472',
              js.filter((j) => j.hops.some((h) => h.encap?.some((e) => e.dstPort === 8472))).length,
            ],
            ['icmp or igmp', js.filter((j) => /ICMP|igmp/.test(j.summary)).length],
            ['not igmp', js.filter((j) => !/igmp/.test(j.summary)).length],
            // An interface's bare name: a hop on it on any node (it matched nothing).
            ['flannel.1', js.filter((j) => j.hops.some((h) => h.iface === 'flannel.1')).length],
            [
              'cni0 not ens33',
              js.filter(
                (j) => j.hops.some((h) => h.iface === 'cni0') && !j.hops.some((h) => h.iface === 'ens33'),
              ).length,
            ],
          ],
        ],
        [
          'tests/fixtures/calico-ipip',
          (js: J[]) => [['tunl0', js.filter((j) => j.hops.some((h) => h.iface === 'tunl0')).length]],
        ],
      ] as const) {
        const js = cli(dir);
        const s2 = await ok<SessionInfo>(svc2.call('openPaths', { paths: [dir] }));
        for (const [filter, want] of cases(js)) {
          const got = (
            await ok<JourneyPage>(
              svc2.call('listJourneys', { sessionId: s2.id, filter, from: 0, count: 1000 }),
            )
          ).total;
          expect({ dir, filter, got }).toEqual({ dir, filter, got: want });
        }
      }
    } finally {
      svc2.close();
    }
  });
});

describe('the app’s pcapng export of a session with an uncorrected clock', () => {
  it('says "not corrected (offset unknown)" in its section comment, as the CLI’s does', async () => {
    // The two ens33 files alone (no interface lists): nothing gives the packets a direction, node-2 stays 'none'.
    const dir = tempDir('hs-none-');
    for (const f of fixtureFiles('flannel-vxlan').filter((x) => x.endsWith('__ens33.pcap')))
      writeFileSync(path.join(dir, path.basename(f)), readFileSync(f));
    const svc2 = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
    try {
      const s = await ok<SessionInfo>(svc2.call('openPaths', { paths: [dir] }));
      expect(s.clocks.find((c) => c.node === 'node-2')!.method).toBe('none');
      const out = path.join(dir, 'app.pcapng');
      await ok(
        svc2.call('exportSession', { sessionId: s.id, format: 'pcapng', clockCorrected: false, path: out }),
      );
      const cli = path.join(dir, 'cli.pcapng');
      const copies = readdirSync(dir)
        .filter((f) => f.endsWith('__ens33.pcap'))
        .map((f) => path.join(dir, f));
      execFileSync(process.execPath, ['bin/hopscope.mjs', 'export', '--pcapng', cli, ...copies], {
        stdio: 'ignore',
      });
      for (const f of [out, cli])
        expect(readFileSync(f).includes('node-2 not corrected (offset unknown)'), f).toBe(true);
      expect(readFileSync(out).includes('node-2 none')).toBe(false);
    } finally {
      svc2.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
