// Exports on real captures: tshark opens the merged pcapng (interface names per node/interface, packet ids,
// comments, every input frame), our pcapng re-imports to the same journeys, clock-corrected timestamps,
// the hopscope.journeys/1 JSON (exact nanosecond strings) and CSV, and the CLI end to end.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import type { CorrelationResult } from '../../main/correlate/result.ts';
import { journeyStops, stopLine } from '../../main/correlate/stops.ts';
import { exportPcapng } from '../../main/export/exportPcapng.ts';
import { documentHead, journeyJson, writeJourneysJson } from '../../main/export/journeysJson.ts';
import { RUN_ROOM, lit, TextBytes } from '../../main/export/textBytes.ts';
import { CSV_COLUMNS, csvCell, encapCell, writeCsv } from '../../main/export/csv.ts';
import { Sink } from '../../main/export/sink.ts';
import { SESSION_SCHEMA } from '../../main/capture/sessionFolder.ts';
import { FrameSource } from '../../main/session/frames.ts';
import {
  correlate,
  filesIn,
  fixtureCopy,
  fixtureFiles,
  FIXTURES,
  readPcap,
  shiftRecord,
} from './correlate-helpers.ts';
import { journeyBlock, LadderWriter } from '../../main/export/ladder.ts';
import { F_TRUNCATED } from '../../main/correlate/observations.ts';
import { tempDir } from '../tempDir.ts';
import { bundleIsFresh } from '../../bin/bundleFresh.mjs';

const tmp = tempDir('hs-export-');
const ROOT = join(import.meta.dirname, '..', '..');

async function toPcapng(res: CorrelationResult, out: string, correctedTime = false): Promise<number> {
  const sink = Sink.file(out);
  const detail = new FrameSource(res); // IPv6 summaries, as the CLI attaches
  try {
    return await exportPcapng(res, sink, { correctedTime });
  } finally {
    detail.close();
    sink.close();
  }
}

function tshark(file: string, fields: string[]): string[][] {
  const out = execFileSync(
    'tshark',
    ['-r', file, '-T', 'fields', '-E', 'separator=\t', ...fields.flatMap((f) => ['-e', f])],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}

/** Hop lanes of every journey, sorted: comparable across inputs whose record numbers differ. */
function lanes(res: CorrelationResult): string[] {
  const out = [];
  for (let k = 0; k < res.journeyCount; k++)
    out.push(
      res
        .hops(k)
        .map((h) => `${h.node}/${h.iface}:${h.ttl}`)
        .join(' > '),
    );
  return out.sort();
}

function inputPackets(files: string[]): number {
  return files.reduce((n, f) => n + readPcap(f).records.length, 0);
}

for (const scenario of ['flannel-vxlan', 'calico-ipip', 'kube-proxy', 'antrea-geneve']) {
  describe(`pcapng export: ${scenario}`, () => {
    const files = fixtureFiles(scenario);
    const res = correlate(files);
    const out = join(tmp, `${scenario}.pcapng`);
    let written = -1;
    beforeAll(async () => {
      written = await toPcapng(res, out);
    });

    it('tshark reads every frame with its node/interface name, journey id and hop comment', () => {
      const rows = tshark(out, [
        'frame.interface_name',
        'frame.packet_id',
        'frame.comment',
        'frame.interface_description',
      ]);
      expect(written).toBe(inputPackets(files));
      expect(rows).toHaveLength(inputPackets(files));
      const names = new Set(rows.map((r) => r[0]));
      expect([...names].sort()).toEqual(
        res.captures
          .filter((c) => c.packets > 0)
          .map((c) => `${c.node}/${c.iface}`)
          .sort(),
      );
      const withId = rows.filter((r) => r[1] !== '');
      const journeyRows = Array.from({ length: res.rowCount }, (_, r) => res.journeyOfRow(r)).filter(
        (k) => k >= 0,
      );
      expect(withId).toHaveLength(journeyRows.length);
      expect(new Set(withId.map((r) => Number(r[1])))).toEqual(new Set(journeyRows.map((k) => k + 1)));
      for (const r of withId)
        expect(r[2]).toMatch(new RegExp(`^journey ${r[1]}( hop \\d+/\\d+|: duplicate)`));
      expect(rows.some((r) => /hop \d+\/\d+ \+.*(encap\+|nat-dst)/.test(r[2]))).toBe(true);
      expect(rows.every((r) => r[3] !== '')).toBe(true);
    });

    it('capinfos: nanosecond resolution, MACs on Ethernet interfaces, in time order', () => {
      const info = execFileSync('capinfos', ['-M', out], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      expect(info).toMatch(/Strict time order:\s+True/);
      expect(info).toMatch(/Time precision = nanoseconds \(9\)/);
      expect(info).toMatch(/Capture application: hopscope/);
      // One interface block per lane, including lanes that saw nothing.
      expect(info).toMatch(new RegExp(`Number of interfaces in file: ${res.captures.length}\\b`));
    });

    it('re-importing our pcapng gives the same journeys (interfaces labelled from if_name)', () => {
      const again = correlate([out]);
      // Every interface, those that saw nothing too.
      expect(again.captures.map((c) => `${c.node}/${c.iface} ${c.packets}`).sort()).toEqual(
        res.captures.map((c) => `${c.node}/${c.iface} ${c.packets}`).sort(),
      );
      expect(lanes(again)).toEqual(lanes(res));
      expect(again.clocks.map((c) => c.method)).toEqual(res.clocks.map((c) => c.method));
    });
  });
}

describe('clock-corrected pcapng', () => {
  it('node-2 2.5 s ahead: corrected timestamps land on the unshifted ones within the uncertainty', async () => {
    const dir = fixtureCopy('flannel-vxlan', { shift: { 'node-2': 2_500_000_000 } });
    try {
      const shifted = correlate(filesIn(dir));
      const plain = correlate(fixtureFiles('flannel-vxlan'));
      const a = join(tmp, 'corrected.pcapng');
      const b = join(tmp, 'plain.pcapng');
      await toPcapng(shifted, a, true);
      await toPcapng(plain, b, false);
      const key = (r: string[]): string => `${r[0]} ${r[2]}`;
      const ta = new Map(
        tshark(a, ['frame.interface_name', 'frame.time_epoch', 'frame.comment']).map((r) => [key(r), r[1]]),
      );
      const tb = tshark(b, ['frame.interface_name', 'frame.time_epoch', 'frame.comment']);
      const unc = shifted.clocks.find((c) => c.node === 'node-2')!.uncertaintyNs;
      let compared = 0;
      for (const r of tb) {
        if (!r[0].startsWith('node-2/') || !r[2]) continue;
        const other = ta.get(key(r));
        expect(other).toBeDefined();
        const d = Math.abs(Number(BigInt(other!.replace('.', '')) - BigInt(r[1].replace('.', ''))));
        expect(d).toBeLessThanOrEqual(unc + 10_000);
        compared++;
      }
      expect(compared).toBeGreaterThan(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('negative latencies', () => {
  it('a manual offset 5 ms off puts hops before the previous one: "-4.99 ms" in the ladder and the pcapng, never "+-"', async () => {
    // The fixture's nodes share one clock: node-2 "5 ms ahead" moves its hops 5 ms earlier than they were.
    const res = correlate(fixtureFiles('flannel-vxlan'), {
      clock: { mode: 'auto', manual: { 'node-2': 5_000_000 } },
    });
    const ladder = Array.from({ length: res.journeyCount }, (_, k) => journeyBlock(res, k)).join('\n');
    expect(ladder).not.toContain('+-');
    expect(ladder).toMatch(/ -4\.9\d ms /);
    const out = join(tmp, 'negative.pcapng');
    await toPcapng(res, out);
    const comments = tshark(out, ['frame.comment']).map((r) => r[0]);
    expect(comments.filter((c) => c.includes('+-'))).toEqual([]);
    const negative = ladder.split('\n').filter((l) => / -4\.9\d ms /.test(l)).length;
    expect(negative).toBeGreaterThanOrEqual(2);
    expect(comments.filter((c) => / hop \d+\/\d+ -4\.9\d ms/.test(c))).toHaveLength(negative);
  });
});

describe("pcapng export: a NAT'ed hop says what the packet was before it", () => {
  // The tuple before the NAT, as tshark reads it from the previous hop's own frame (the hop the comment times it
  // from): kube-proxy's DNAT/MASQUERADE (TCP ports) and nat-icmp's SNAT of an ICMP echo (its id, the "port").
  for (const scenario of ['kube-proxy', 'nat-icmp']) {
    it(scenario, async () => {
      const res = correlate(fixtureFiles(scenario));
      const out = join(tmp, `nat-${scenario}.pcapng`);
      await toPcapng(res, out);
      // The outer header's values (an ICMP error's quoted packet comes after; these fixtures have no tunnels).
      const first = (v: string): string => v.split(',')[0];
      const rows = tshark(out, [
        'frame.packet_id',
        'frame.comment',
        'ip.src',
        'ip.dst',
        'ip.proto',
        'tcp.srcport',
        'tcp.dstport',
        'udp.srcport',
        'udp.dstport',
        'icmp.type',
        'icmp.ident',
      ]);
      /** journey/hop → the tuple tcpdump would print for that frame. */
      const tuple = new Map<string, string>();
      for (const [id, comment, src, dst, proto, ts, td, us, ud, icmpType, icmpId] of rows) {
        const hop = / hop (\d+)\//.exec(comment)?.[1];
        if (!id || !hop) continue;
        const icmp = first(proto) === '1';
        const sp = icmp ? '' : first(ts) || first(us);
        const dp = icmp ? '' : first(td) || first(ud);
        const echo = icmp && ['0', '8'].includes(first(icmpType));
        tuple.set(
          `${id}/${hop}`,
          sp && dp
            ? `${first(src)}.${sp} > ${first(dst)}.${dp}`
            : `${first(src)} > ${first(dst)}${echo ? ` id ${first(icmpId)}` : ''}`,
        );
      }
      let nat = 0;
      for (const [id, comment] of rows) {
        if (!/nat-(dst|src)/.test(comment)) {
          expect(comment).not.toContain('(was ');
          continue;
        }
        nat++;
        const m = / hop (\d+)\/\d+ .*?(?: \(since hop (\d+)\))?: [a-z+\- ]*nat-[a-z\- ]* \(was (.+)\)$/.exec(
          comment,
        );
        expect(m, comment).not.toBeNull();
        const from = m![2] ?? String(Number(m![1]) - 1);
        expect(m![3], comment).toBe(tuple.get(`${id}/${from}`));
      }
      expect(nat).toBeGreaterThanOrEqual(scenario === 'kube-proxy' ? 10 : 2);
    });
  }
});

describe('journeys JSON and CSV', () => {
  const res = correlate(fixtureFiles('calico-ipip'));
  const jsonPath = join(tmp, 'j.json');
  const sink = Sink.file(jsonPath);
  writeJourneysJson(res, sink);
  sink.close();
  const doc = JSON.parse(readFileSync(jsonPath, 'utf8'));

  it('is hopscope.journeys/1 with captures, clocks and journeys; ns timestamps as exact decimal strings', () => {
    expect(doc.schema).toBe('hopscope.journeys/1');
    expect(doc.captures).toContainEqual(
      expect.objectContaining({ node: 'node-1', iface: 'tunl0', linkType: 101 }),
    );
    expect(doc.clocks[1]).toMatchObject({ node: 'node-2', reference: 'node-1', method: 'traffic' });
    expect(typeof doc.clocks[1].uncertaintyNs).toBe('number');
    expect(doc.journeys).toHaveLength(res.journeyCount);
    const ping = doc.journeys.find((j: { hops: unknown[] }) => j.hops.length === 6);
    expect(ping.summary).toMatch(/ICMP echo request/);
    for (const h of ping.hops) {
      expect(h.tsNs).toMatch(/^\d{19}$/);
      expect(h.tNs).toMatch(/^\d{19}$/);
      expect(Object.keys(h)).toEqual(
        expect.arrayContaining([
          'node',
          'iface',
          'tsNs',
          'tNs',
          'src',
          'dst',
          'ttl',
          'eth',
          'encap',
          'changes',
        ]),
      );
    }
    expect(ping.hops[1]).toMatchObject({ iface: 'tunl0', eth: null, changes: ['ttl'] });
    expect(ping.hops[2].encap).toEqual([
      { type: 'ipip', outerSrc: '10.1.10.9', outerDst: '10.1.10.10', outerTtl: 64 },
    ]);
    // Exact: the first hop's tsNs is the record's own timestamp to the nanosecond.
    const rec = readPcap(fixtureFiles('calico-ipip').find((f) => f.includes('node-1__cali'))!).records;
    const first = BigInt(ping.hops[0].tsNs);
    expect(rec.some((r) => BigInt(r.sec) * 1_000_000_000n + BigInt(r.nsec) === first)).toBe(true);
  });

  it('CSV has one row per hop', () => {
    const p = join(tmp, 'j.csv');
    const s = Sink.file(p);
    writeCsv(res, s);
    s.close();
    const lines = readFileSync(p, 'utf8').trim().split('\n');
    const hops = doc.journeys.reduce((n: number, j: { hops: unknown[] }) => n + j.hops.length, 0);
    expect(lines).toHaveLength(hops + 1);
    expect(lines[0]).toMatch(/^journey,hop,flow,role,node,iface,tsNs,tNs/);
    expect(lines.some((l) => l.includes(',node-1,tunl0,') && l.includes('ttl'))).toBe(true);
  });
});

describe('CLI', () => {
  const cli = (args: string[]): string =>
    execFileSync('node', [join(ROOT, 'bin/hopscope.mjs'), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  it('stops quietly with status 141 (as SIGPIPE would) when the reader of its output goes away', async () => {
    for (const args of [['correlate'], ['correlate', '--json'], ['export', '--csv', '-']]) {
      const child = spawn(
        'node',
        [join(ROOT, 'bin/hopscope.mjs'), ...args, ...fixtureFiles('flannel-vxlan')],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      // Closed before the command has written anything (it takes tens of ms to start): its first write fails.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      expect({ args, code, stderr }).toEqual({ args, code: 141, stderr: '' });
    }
  });

  it('Geneve (antrea-geneve): tshark decodes the exported tunnel hops, their comments say encap+/encap-geneve', async () => {
    const res = correlate(fixtureFiles('antrea-geneve'));
    const out = join(tmp, 'geneve.pcapng');
    await toPcapng(res, out);
    const rows = tshark(out, ['frame.interface_name', 'geneve.vni', 'icmp.type', 'ip.src', 'frame.comment']);
    const ens = rows.filter((r) => r[0].endsWith('/ens33') && r[2] !== '');
    expect(ens).toHaveLength(12); // 3 requests and 3 replies, each on both nodes' ens33
    for (const r of ens) {
      expect(Number(r[1])).toBe(7);
      expect(r[3]).toMatch(/^10\.1\.10\.(9|10),10\.10\.[01]\.\d+$/); // outer, then the pod's inner source
    }
    expect(ens.filter((r) => /encap\+geneve/.test(r[4]))).toHaveLength(6);
    expect(rows.filter((r) => r[0].endsWith('/antrea-tun0') && /encap-geneve/.test(r[4]))).toHaveLength(6);
    // tshark decodes 6081 by itself: no Decode As note.
    expect(execFileSync('capinfos', ['-k', out], { encoding: 'utf8' })).not.toMatch(/Geneve on UDP/);
    const ladder = cli(['correlate', ...fixtureFiles('antrea-geneve')]);
    expect(ladder).toMatch(
      /→ node-1\/ens33 .*geneve vni 7 10\.1\.10\.9\.\d+ > 10\.1\.10\.10\.6081 .*\[mac encap\+geneve\]/,
    );
  });

  it('Geneve on another port than 6081: correlated when configured, the export says how to decode it', async () => {
    // The lab's captures with the tunnel moved to UDP 6082 (the destination port of every Geneve datagram).
    const dir = fixtureCopy('antrea-geneve', {
      transform: (_f, records) =>
        records.map((r) => {
          const d = r.data.slice();
          if (d.length > 42 && d[23] === 17 && ((d[36] << 8) | d[37]) === 6081) d[37] = 6082 & 0xff;
          return { ...r, data: d };
        }),
    });
    const res = correlate(filesIn(dir), { decode: { vxlanPorts: [4789, 8472], genevePorts: [6082] } });
    expect(res.rows.tunnelPorts(3)).toEqual([6082]);
    const out = join(tmp, 'geneve-6082.pcapng');
    await toPcapng(res, out);
    expect(execFileSync('capinfos', ['-k', out], { encoding: 'utf8' })).toContain(
      '; Geneve on UDP 6082: in Wireshark, Decode As… UDP port 6082 → Geneve (tshark -d udp.port==6082,geneve) to ' +
        'see the packets inside',
    );
    const vnis = (extra: string[]) =>
      execFileSync('tshark', ['-r', out, ...extra, '-T', 'fields', '-e', 'geneve.vni'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.length > 0);
    expect(vnis([])).toEqual([]);
    expect(vnis(['-d', 'udp.port==6082,geneve'])).toHaveLength(12);
  });

  it('correlate prints the hop ladder, --summary the counts, export --pcapng a file tshark reads', () => {
    const files = fixtureFiles('flannel-vxlan');
    const ladder = cli(['correlate', ...files]);
    expect(ladder).toMatch(/journey 1: 10\.244\.0\.12 > 10\.244\.1\.34: ICMP echo request/);
    expect(ladder).toMatch(
      /→ node-1\/ens33 .*vxlan vni 1 10\.1\.10\.9\.\d+ > 10\.1\.10\.10\.8472.*\[mac encap\+vxlan\]/,
    );
    expect(ladder).toMatch(/clock node-2: [+-].* ± .* vs node-1 \(traffic/);
    // The hop lines give the time of day: the head says in which zone, from which date, on whose clock.
    expect(ladder).toMatch(/\ntimes: UTC from \d{4}-\d\d-\d\d, on node-1's clock\n/);
    const summary = cli(['correlate', '--summary', ...files]);
    expect(summary).toMatch(/^captures 8\npackets 64\njourneys \d+\nflows \d+\nclocks 2\n/);
    // --progress: the steps on stderr, the same output on stdout.
    const withProgress = spawnSync(
      'node',
      [join(ROOT, 'bin/hopscope.mjs'), 'correlate', '--summary', '--progress', ...files],
      {
        encoding: 'utf8',
      },
    );
    expect(withProgress.stdout).toBe(summary);
    expect(withProgress.stderr).toMatch(/^hopscope correlate: reading \d+\/\d+ KB \(\d+ %\)\n/);
    expect(withProgress.stderr).toMatch(/hopscope correlate: grouping…\nhopscope correlate: linking…\n$/);
    const out = join(tmp, 'cli.pcapng');
    cli(['export', '--pcapng', out, ...files.map((f, i) => (i === 0 ? `node-1:bridge0=${f}` : f))]);
    expect(tshark(out, ['frame.interface_name'])).toHaveLength(64);
    // The section comment says which clocks were corrected and how.
    const none = join(tmp, 'none.pcapng');
    cli(['export', '--pcapng', none, '--clock', 'none', ...files]);
    expect(execFileSync('capinfos', ['-k', none], { encoding: 'utf8' })).toContain(
      'clocks: node-1 reference, node-2 not corrected (offset unknown); timestamps as captured; VXLAN on UDP ' +
        '8472: in Wireshark, Decode As… UDP port 8472 → VXLAN (tshark -d udp.port==8472,vxlan) to see the packets inside',
    );
    // Counts of one read as such ('1 interface', not '1 interfaces').
    const one = join(tmp, 'one.pcapng');
    cli(['export', '--pcapng', one, files[0]]);
    expect(execFileSync('capinfos', ['-k', one], { encoding: 'utf8' })).toMatch(
      /hopscope session: 1 interface on node-1; \d+ journeys?, \d+ flows?; clocks: node-1 reference;/,
    );
    const json = JSON.parse(cli(['correlate', '--json', '--min-hops', '8', ...files]));
    expect(json.journeys).toHaveLength(6);
  }, 30_000);

  it('HOPSCOPE_TRACE=1 times each phase of every thread on stderr, and changes nothing else', () => {
    const files = fixtureFiles('flannel-vxlan');
    const out = join(tmp, 'traced.pcapng');
    const run = (trace: boolean) =>
      spawnSync('node', [join(ROOT, 'bin/hopscope.mjs'), 'export', '--pcapng', out, ...files], {
        encoding: 'utf8',
        // Two ingest threads even for these small files, so the worker's lines show too.
        env: {
          ...process.env,
          HOPSCOPE_TRACE: trace ? '1' : '',
          HOPSCOPE_INGEST_THREADS: '2',
          HOPSCOPE_INGEST_MIN_BYTES: '0',
        },
      });
    const plain = run(false);
    expect(plain.stderr).not.toMatch(/hopscope trace/);
    const plainBytes = readFileSync(out);
    const traced = run(true);
    expect(traced.status).toBe(0);
    // The same file (the SHB names no time), the same summary line.
    expect(readFileSync(out).equals(plainBytes)).toBe(true);
    const lines = traced.stderr.trim().split('\n');
    expect(lines.at(-1)).toBe(plain.stderr.trim());
    const parsed = lines.slice(0, -1).map((l) => {
      const m = /^\[hopscope trace (\d+\.\d) ms (main|thread \d+)\] (.+)$/.exec(l);
      expect(m, l).not.toBeNull();
      return { ms: Number(m![1]), who: m![2], phase: m![3] };
    });
    const main = parsed.filter((p) => p.who === 'main');
    // (How many rows each thread's reading took through the WebAssembly ingest: some of these small files' rows.)
    const fast = expect.stringMatching(/^read: \d+ of \d+ rows through WebAssembly$/);
    // From the bundle, each thread first says which code cache it ran with (bin/codeCache.mjs); not from the sources.
    const bundled = bundleIsFresh(ROOT) && existsSync(join(ROOT, 'out/cli/hopscope.cjs'));
    const cache = (who: string) =>
      bundled ? [expect.stringMatching(`^${who}: code cache (none|used|rejected)$`)] : [];
    expect(main.map((p) => p.phase)).toEqual([
      ...cache('cli'),
      'correlate: reading',
      fast,
      'read: own run done',
      'read: own nodes grouped',
      'read: workers done',
      "read: workers' rows adopted",
      'correlate: every node grouped',
      'link: clock pre-pass done',
      'link: final pass done',
      'link: flows done',
      // Two ingest threads share their columns, so the CLI's writer thread walks the journeys' paths (asked once
      // they were linked, while this one computed the flows) and merges the order.
      'export: hops indexed (walked in the writer thread)',
      'export: time order (merged in the writer thread)',
      expect.stringMatching(
        /^export: every batch filled \(\d+ ms waiting for the writer; \d+ batch(es)?, the first [1-4] filled in [\d., ]+ ms(, the rest in [\d.]+ ms median)?\)$/,
      ),
      'export: writer finished',
    ]);
    const worker = parsed.filter((p) => p.who !== 'main');
    expect(worker.map((p) => p.phase)).toEqual([
      ...cache('worker'),
      'ingest worker: started',
      'ingest worker: run before counted',
      fast,
      'ingest worker: own run read',
    ]);
    // One clock for both threads: times grow along each thread, and the worker's lie between the main
    // thread's start of reading and its taking the workers' answers.
    for (const list of [main, worker])
      for (let i = 1; i < list.length; i++) expect(list[i].ms).toBeGreaterThanOrEqual(list[i - 1].ms);
    expect(worker[0].ms).toBeGreaterThan(main[0].ms);
    const at = (list: typeof main, phase: string) => list.find((p) => p.phase === phase)!;
    expect(worker.at(-1)!.ms).toBeLessThanOrEqual(at(main, 'read: workers done').ms);
    for (const line of [main, worker].map((list) =>
      list.find((p) => p.phase.startsWith('read: ') && p.phase.endsWith('WebAssembly'))!,
    )) {
      const [taken, rows] = line.phase.match(/\d+/g)!.map(Number);
      expect(taken).toBeGreaterThan(0);
      expect(taken).toBeLessThanOrEqual(rows);
    }
  }, 30_000);

  it("the CLI's writer thread (hop walk, same-time ties) writes what one thread writes, from the bundle too", () => {
    // Read on two threads, the writer's thread walks the paths and orders the ties (its functions' source run as
    // text there: bundled, with the bundler's helpers); on one, this thread does both. Labs with broadcast copies
    // and a veth and a bridge stamping a packet in the same nanosecond.
    for (const lab of ['flannel-vxlan', 'broadcast']) {
      const files = fixtureFiles(lab);
      const run = (threads: string, out: string) =>
        spawnSync('node', [join(ROOT, 'bin/hopscope.mjs'), 'export', '--pcapng', out, ...files], {
          encoding: 'utf8',
          env: {
            ...process.env,
            HOPSCOPE_TRACE: '1',
            HOPSCOPE_INGEST_THREADS: threads,
            HOPSCOPE_INGEST_MIN_BYTES: '0',
          },
        });
      const one = run('1', join(tmp, `${lab}-1.pcapng`));
      const two = run('2', join(tmp, `${lab}-2.pcapng`));
      expect(one.status, one.stderr).toBe(0);
      expect(two.status, two.stderr).toBe(0);
      expect(one.stderr).toMatch(/\] export: hops indexed\n/);
      expect(two.stderr).toMatch(/\] export: hops indexed \(walked in the writer thread\)\n/);
      expect(
        readFileSync(join(tmp, `${lab}-2.pcapng`)).equals(readFileSync(join(tmp, `${lab}-1.pcapng`))),
        lab,
      ).toBe(true);
    }
  }, 30_000);
});

describe('pcapng timestamp words', () => {
  it('sec·1e9 + nsec splits into exact 32-bit halves without BigInt', async () => {
    const { tsWords } = await import('../../main/export/pcapngWriter.ts');
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        (sec, nsec) => {
          const total = BigInt(sec) * 1_000_000_000n + BigInt(nsec);
          const [hi, lo] = tsWords(sec, nsec);
          expect(BigInt(hi) * 4294967296n + BigInt(lo)).toBe(total);
          expect(lo).toBeLessThan(2 ** 32);
        },
      ),
    );
  });
});

describe('journeys JSON and CSV written as bytes', () => {
  /** writeJourneysJson's text, through a real Sink (small journeys fill its buffer many times over). */
  function written(res: CorrelationResult, minHops?: number): string {
    const dir = tempDir('hs-json-');
    try {
      const sink = Sink.file(join(dir, 'out.json'));
      writeJourneysJson(res, sink, { minHops });
      sink.close();
      return readFileSync(join(dir, 'out.json'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The oracle: the head, then JSON.stringify of each journey's objects. */
  function expected(res: CorrelationResult, minHops = 1): string {
    const head = JSON.stringify(documentHead(res));
    const journeys: string[] = [];
    for (let k = 0; k < res.journeyCount; k++)
      if (res.journeyRows(k).length >= minHops) journeys.push(JSON.stringify(journeyJson(res, k)));
    return `${head.slice(0, -1)},"journeys":[${journeys.join(',')}]}\n`;
  }

  /** writeCsv's text, through a real Sink. */
  function writtenCsv(res: CorrelationResult, minHops?: number, journeys?: number[]): string {
    const dir = tempDir('hs-csv-');
    try {
      const sink = Sink.file(join(dir, 'out.csv'));
      writeCsv(res, sink, minHops, journeys);
      sink.close();
      return readFileSync(join(dir, 'out.csv'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The oracle: a row per hop from res.hops(k), every value through csvCell. */
  function expectedCsv(res: CorrelationResult, minHops = 1, journeys?: number[]): string {
    let text = CSV_COLUMNS.join(',') + '\n';
    for (let k = 0; k < res.journeyCount; k++) {
      if (journeys && !journeys.includes(k)) continue;
      const hops = res.hops(k);
      if (hops.length < minHops) continue;
      for (const h of hops) {
        const cells = [
          k + 1,
          h.index + 1,
          res.flowCount ? res.flowOf[k] + 1 : '',
          res.flowRole(k),
          h.node,
          h.iface,
          String(h.tsNs),
          String(h.tNs),
          h.latencyNs,
          h.src,
          h.srcPort,
          h.dst,
          h.dstPort,
          h.proto,
          h.ttl,
          h.ipId,
          h.eth?.src,
          h.eth?.dst,
          h.eth?.srcOwner,
          h.eth?.dstOwner,
          encapCell(h.encap, h.wireguard),
          h.changes.join(' '),
          res.journeySummary(k),
          h.fromHop === null ? null : h.fromHop + 1,
          h.piece?.start,
          h.piece?.end,
          h.piece?.of,
          h.index === hops.length - 1 && journeyStops(res).of(k)
            ? stopLine(res, k, journeyStops(res).of(k)!)
            : null,
        ];
        text += cells.map(csvCell).join(',') + '\n';
      }
    }
    return text;
  }

  /** The ladder LadderWriter writes (`correlate`'s default output after the clock lines). */
  function writtenLadder(res: CorrelationResult, minHops = 1): string {
    const dir = tempDir('hs-ladder-');
    try {
      const sink = Sink.file(join(dir, 'out.txt'));
      const out = new TextBytes(sink);
      const w = new LadderWriter(out, res);
      for (let k = 0; k < res.journeyCount; k++) {
        const list = res.journeyRows(k);
        if (list.length >= minHops) w.journey(k, list);
      }
      out.done();
      sink.close();
      return readFileSync(join(dir, 'out.txt'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The oracle: journeyBlock, the string form, per journey. */
  function expectedLadder(res: CorrelationResult, minHops = 1): string {
    let text = '';
    for (let k = 0; k < res.journeyCount; k++)
      if (res.journeyRows(k).length >= minHops) text += '\n' + journeyBlock(res, k) + '\n';
    return text;
  }

  /** The same journeys three ways: JSON, CSV and the ladder against their object/string oracles. */
  function compareAll(res: CorrelationResult): void {
    expect(res.journeyCount).toBeGreaterThan(0);
    const text = written(res);
    expect(text).toBe(expected(res));
    expect(written(res, 3)).toBe(expected(res, 3));
    expect(JSON.parse(text).journeys).toHaveLength(res.journeyCount);
    const csv = writtenCsv(res);
    expect(csv).toBe(expectedCsv(res));
    const hops = Array.from({ length: res.journeyCount }, (_, k) => res.journeyRows(k).length);
    expect(csv.trim().split('\n')).toHaveLength(1 + hops.reduce((a, b) => a + b));
    expect(writtenCsv(res, 3)).toBe(expectedCsv(res, 3));
    const some = [res.journeyCount - 1, 0, Math.floor(res.journeyCount / 2), 0];
    expect(writtenCsv(res, 1, some)).toBe(expectedCsv(res, 1, some));
    expect(writtenLadder(res)).toBe(expectedLadder(res));
    expect(writtenLadder(res, 3)).toBe(expectedLadder(res, 3));
  }

  it("JSON is exactly JSON.stringify(journeyJson), CSV the hops' cells and the ladder journeyBlock's, for every journey of every scenario", () => {
    // Besides the lab's scenarios: node-2's clock 1.2 s behind, every frame cut to 60 bytes (truncated
    // hops), node-2 seeing everything twice (ambiguous journeys), and IPv6 (NDP, MLD, inside VXLAN; addresses
    // read from the frames).
    const shifted = fixtureCopy('flannel-vxlan', { shift: { 'node-2': -1_234_567_891 } });
    const cut = fixtureCopy('calico-ipip', { snaplen: 60 });
    // node-2 sees every frame twice, 3 ms apart: node-1's segments have two candidates (ambiguous journeys).
    const doubled = fixtureCopy('flannel-vxlan', {
      transform: (file, records) =>
        file.startsWith('node-2')
          ? records.flatMap((r) => [r, shiftRecord(r, 3e6)]).sort((a, b) => a.sec - b.sec || a.nsec - b.nsec)
          : records,
    });
    try {
      const results = [
        // gso-vxlan: pieces of TCP segments cut on the way (`split` hops with their bytes, `merged`).
        // calico-wireguard: hops seen encrypted (`wireguard` with the receiver and counter read from the frame).
        ...[
          'flannel-vxlan',
          'calico-ipip',
          'kube-proxy',
          'calico-bgp',
          'broadcast',
          'gso-vxlan',
          'calico-wireguard',
          // drops-flannel-vxlan: journeys said stopped (the last hop's `stop` cell).
          'drops-flannel-vxlan',
        ].map((s) => correlate(fixtureFiles(s))),
        // Copies of a third host's broadcast received in parallel (no sender capture).
        correlate(fixtureFiles('broadcast').filter((f) => !f.includes('client__'))),
        correlate(filesIn(shifted)),
        correlate(filesIn(cut)),
        correlate(filesIn(doubled)),
        correlate([`n:veth=${join(FIXTURES, 'synthetic', 'edge', 'veth.pcap')}`]),
      ];
      let truncated = 0;
      let ipv6 = 0;
      let ambiguous = 0;
      let pieces = 0;
      for (const res of results) {
        const frames = new FrameSource(res);
        try {
          for (let k = 0; k < res.journeyCount; k++) if (res.journeyAmbiguous(k)) ambiguous++;
          for (let k = 0; k < res.journeyCount; k++) pieces += res.hops(k).filter((h) => h.piece).length;
          for (let r = 0; r < res.rowCount; r++) {
            if (res.rows.flags[r] & F_TRUNCATED) truncated++;
            if (res.rows.isIpv6(r)) ipv6++;
          }
          compareAll(res);
        } finally {
          frames.close();
        }
      }
      expect(truncated).toBeGreaterThan(0);
      expect(ipv6).toBeGreaterThan(0);
      expect(ambiguous).toBeGreaterThan(0);
      expect(pieces).toBeGreaterThan(0);
    } finally {
      for (const d of [shifted, cut, doubled]) rmSync(d, { recursive: true, force: true });
    }
  });

  it("a split hop's CSV row has the JSON's piece in pieceStart, pieceEnd and pieceOf; other hops leave them empty", () => {
    const res = correlate(fixtureFiles('gso-vxlan'));
    // RFC 4180 cells (the summaries hold quoted commas).
    const cells = (line: string) =>
      [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => m[1].replace(/^"|"$/g, ''));
    const rows = writtenCsv(res).trim().split('\n').slice(1).map(cells);
    const col = (name: string) => CSV_COLUMNS.indexOf(name);
    const doc = JSON.parse(written(res)) as {
      journeys: { hops: { piece?: { start: number; end: number; of: number } }[] }[];
    };
    const pieces = doc.journeys.flatMap((j) =>
      j.hops.map((h) => (h.piece ? [h.piece.start, h.piece.end, h.piece.of].join(',') : ',,')),
    );
    expect(rows.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
    expect(rows.map((r) => r.slice(col('pieceStart'), col('pieceOf') + 1).join(','))).toEqual(pieces);
    expect(pieces.filter((p) => p !== ',,').length).toBeGreaterThan(0);
    expect(rows.filter((r) => r[col('changes')].includes('split')).length).toBe(
      pieces.filter((p) => p !== ',,').length,
    );
  });

  it('escapes node and interface names as JSON.stringify does, quotes them as CSV cells (no formula) and pads the ladder by them (quotes, backslashes, control and non-ASCII characters)', () => {
    // A session folder may name nodes and interfaces anything (its session.json is JSON).
    const dir = fixtureCopy('flannel-vxlan');
    try {
      // node-2's name would be a formula in a spreadsheet: its CSV cell starts with ' (the JSON keeps it as is).
      const names: Record<string, string> = { 'node-1': 'nöde "1"\\a', 'node-2': '=n\t2 ☃' };
      const captures = filesIn(dir).map((f) => {
        const [node, iface] = basename(f, '.pcap').split('__');
        return { node: names[node], iface: `${iface}\u00e9\ud83d\ude00`, file: basename(f) };
      });
      writeFileSync(
        join(dir, 'session.json'),
        JSON.stringify({ schema: SESSION_SCHEMA, nodes: [], captures }),
      );
      const res = correlate([dir]);
      expect(res.captures.map((c) => c.node)).toContain('nöde "1"\\a');
      compareAll(res);
      const csv = writtenCsv(res);
      expect(csv).toContain(',"nöde ""1""\\a",cni0é😀,');
      expect(csv).toContain(",'=n\t2 ☃,cni0é😀,");
      expect(csv).not.toMatch(/(^|,)[=+@]/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes numbers, addresses and MACs as JSON.stringify does', () => {
    const dir = tempDir('hs-jsonbytes-');
    try {
      const sink = Sink.file(join(dir, 'out.json'));
      const out = new TextBytes(sink);
      const numbers = [
        0,
        7,
        9,
        10,
        99,
        100,
        -1,
        -10,
        2 ** 31,
        -(2 ** 31) - 1,
        2 ** 53 - 1,
        1.5,
        -0,
        1e21,
        NaN,
      ];
      const ips = [0, 1, 0x0af40001, 0xffffffff, 0xc0a80001].map(Number);
      const macs = [-1, 0, 1, 0xffffffffffff, 0x0242ac110002, 0x1e0000000000];
      const strings = [
        '',
        'plain',
        'a"b',
        'a\\b',
        'tab\there',
        '\u0001',
        'é',
        '☃',
        '\ud83d\ude00',
        '\ud800',
        '~\u007f',
      ];
      const each = <T>(list: T[], ...writes: ((v: T) => void)[]) => {
        for (const v of list)
          for (const write of writes) {
            out.room(RUN_ROOM);
            write(v);
            out.bytes(lit(','));
          }
      };
      each(numbers, (n) => out.num(n));
      each(ips, (ip) => out.ipv4(ip));
      each(macs, (m) => out.mac(m));
      each(
        strings,
        (t) => out.str(t),
        (t) => out.name(t),
      );
      out.done();
      sink.close();
      const mac = (m: number) =>
        m < 0
          ? ''
          : m
              .toString(16)
              .padStart(12, '0')
              .replace(/(..)(?!$)/g, '$1:');
      const ip = (x: number) => [24, 16, 8, 0].map((s) => (x >>> s) & 255).join('.');
      const want =
        numbers.map((n) => JSON.stringify(n) + ',').join('') +
        ips.map((x) => JSON.stringify(ip(x)) + ',').join('') +
        macs.map((m) => JSON.stringify(mac(m)) + ',').join('') +
        strings.map((s) => `${JSON.stringify(s)},${JSON.stringify(s)},`).join('');
      expect(readFileSync(join(dir, 'out.json'), 'utf8')).toBe(want);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
