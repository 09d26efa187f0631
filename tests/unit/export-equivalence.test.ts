// The fast pcapng export (exportPcapng: in-place comments, lane readers, asynchronous writes) must write the
// same bytes as the plain form it replaced: string comments, frames read one by one with readSync at the
// row's file offset, a full sort for time order, writeEpb. Compared byte for byte on real captures (every lab
// scenario, IPv6 and SLL edge captures, a multi-interface pcapng, a re-imported export) and on a generated
// 8-lane set large enough to cross many sink buffers and read windows, as captured and clock-corrected.

import { closeSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it, vi } from 'vitest';

import { generate } from '../../bench/generate.ts';
import { changesBetween, pieceRange } from '../../main/correlate/hops.ts';
import { E_DPORT, E_TYPE, F_DUP } from '../../main/correlate/observations.ts';
import { ENCAP_VXLAN } from '../../main/decode/fields.ts';
import type { CorrelationResult } from '../../main/correlate/result.ts';
import { BatchSink } from '../../main/export/epbBatch.ts';
import { exportPcapng } from '../../main/export/exportPcapng.ts';
import { GENERATOR } from '../../main/export/journeysJson.ts';
import { latency } from '../../main/export/ladder.ts';
import { writeEpb, writeIdb, writeShb } from '../../main/export/pcapngWriter.ts';
import { Sink } from '../../main/export/sink.ts';
import { FrameSource } from '../../main/session/frames.ts';
import { correlateInputs } from '../../main/session/ingest.ts';
import { loadInputs, type Inputs } from '../../main/session/inputs.ts';
import { correlate, filesIn, fixtureCopy, fixtureFiles, FIXTURES } from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

const tmp = tempDir('hs-export-eq-');

/** The row's captured bytes, read on their own from the file (no window, no cache). */
function frameBytes(res: CorrelationResult, r: number, fds: Map<string, number>): Uint8Array {
  const path = res.captures[res.rows.capture[r]].path!;
  let fd = fds.get(path);
  if (fd === undefined) fds.set(path, (fd = openSync(path, 'r')));
  const head = new Uint8Array(4);
  readSync(fd, head, 0, 4, 0);
  const pcapng = head[0] === 0x0a && head[1] === 0x0d && head[2] === 0x0d && head[3] === 0x0a;
  let hdr = 16;
  if (pcapng) {
    readSync(fd, head, 0, 4, res.rows.fileOffset[r]);
    hdr = (head[0] | head[3]) === 3 ? 12 : 28; // simple packet block, else enhanced
  }
  const out = new Uint8Array(res.rows.caplen[r]);
  const n = readSync(fd, out, 0, out.length, res.rows.fileOffset[r] + hdr);
  return out.subarray(0, n);
}

/** The export as first written: one string comment per packet, rows sorted by (time, path order, row). */
function referencePcapng(res: CorrelationResult, out: string, corrected: boolean): number {
  const sink = Sink.file(out);
  const detail = new FrameSource(res); // IPv6 summaries, as the CLI attaches
  const fds = new Map<string, number>();
  const rows = res.rows;
  const clockNote = res.clocks
    .map((c) =>
      c.method === 'none'
        ? `${c.node} not corrected (offset unknown)`
        : `${c.node} ${c.method}${c.method === 'reference' ? '' : ` ${Math.round(c.offsetNs)} ns`}`,
    )
    .join(', ');
  writeShb(sink, {
    application: GENERATOR,
    os: `${process.platform} ${process.arch}`,
    comment:
      `hopscope session: ${res.captures.length} interface${res.captures.length === 1 ? '' : 's'} on ${res.nodes.join(', ')}; ` +
      `${res.journeyCount} journey${res.journeyCount === 1 ? '' : 's'}, ${res.flowCount} flow${res.flowCount === 1 ? '' : 's'}; clocks: ${clockNote}; ` +
      `timestamps ${corrected ? 'clock-corrected to the reference node' : 'as captured'}` +
      vxlanHint(res),
  });
  for (const c of res.captures)
    writeIdb(sink, {
      linkType: c.linkType,
      snaplen: c.snaplen ?? 262144,
      name: `${c.node}/${c.iface}`,
      description: c.description || `${c.iface} on ${c.node}`,
      mac: c.mac !== undefined && c.mac >= 0 ? c.mac : undefined,
    });
  // Each hop's source as the ladder and JSON have it (Hop.fromHop: copies of a broadcast frame fan out).
  const hop = new Map<number, { i: number; n: number; prev: number }>();
  for (let k = 0; k < res.journeyCount; k++) {
    const list = res.journeyRows(k);
    const hops = res.hops(k);
    list.forEach((r, i) =>
      hop.set(r, { i, n: list.length, prev: hops[i].fromHop === null ? -1 : list[hops[i].fromHop!] }),
    );
  }
  const key = (r: number): number => (corrected ? res.correctedT(r) : rows.t[r]);
  const order = Array.from({ length: res.rowCount }, (_, r) => r).sort((a, b) => key(a) - key(b) || a - b);
  // Within one time, a journey's hops take the places its rows had, in path order (the others stay put).
  for (let s = 0; s < order.length;) {
    let e = s + 1;
    while (e < order.length && key(order[e]) === key(order[s])) e++;
    const places = new Map<number, number[]>();
    for (let i = s; i < e; i++) {
      const k = res.journeyOfRow(order[i]);
      if (k >= 0 && hop.has(order[i])) places.set(k, [...(places.get(k) ?? []), i]);
    }
    for (const at of places.values()) {
      const rs = at.map((i) => order[i]).sort((a, b) => hop.get(a)!.i - hop.get(b)!.i);
      at.forEach((i, x) => (order[i] = rs[x]));
    }
    s = e;
  }
  for (const r of order) {
    const k = res.journeyOfRow(r);
    const h = hop.get(r);
    let comment = '';
    if (k >= 0) {
      if (rows.flags[r] & F_DUP) comment = `journey ${k + 1}: duplicate frame`;
      else if (h && h.i === 0) comment = `journey ${k + 1} hop 1/${h.n}: ${res.journeySummary(k)}`;
      else if (h && h.prev < 0) comment = `journey ${k + 1} hop ${h.i + 1}/${h.n} (parallel copy)`;
      else if (h) {
        const ch = changesBetween(rows, h.prev, r);
        const lat = latency(res.correctedT(r) - res.correctedT(h.prev));
        const from = hop.get(h.prev)!.i;
        const since = from === h.i - 1 ? '' : ` (since hop ${from + 1})`;
        const was = ch.some((c) => c.startsWith('nat-')) ? ` (was ${res.rowTuple(h.prev)})` : '';
        const p = ch.includes('split') ? pieceRange(rows, r, h.prev)! : null;
        const bytes = p ? ` (bytes ${p.start}:${p.end} of ${p.of})` : '';
        comment = `journey ${k + 1} hop ${h.i + 1}/${h.n} ${lat}${since}${ch.length ? `: ${ch.join(' ')}` : ''}${was}${bytes}`;
      }
    }
    const t = corrected ? Math.round(res.correctedT(r)) : rows.t[r];
    const sec = Math.floor(t / 1e9);
    const frame = frameBytes(res, r, fds);
    writeEpb(
      sink,
      rows.capture[r],
      res.baseSec + sec,
      t - sec * 1e9,
      frame,
      rows.origLen[r],
      k >= 0 ? k + 1 : 0,
      comment,
    );
  }
  for (const fd of fds.values()) closeSync(fd);
  detail.close();
  sink.close();
  return order.length;
}

/** The CLI's way (a writer thread), or all in this thread. */
async function fastPcapng(
  res: CorrelationResult,
  out: string,
  corrected: boolean,
  worker = true,
): Promise<number> {
  const sink = Sink.file(out);
  const detail = new FrameSource(res); // IPv6 summaries, as the CLI attaches
  try {
    return await exportPcapng(res, sink, {
      correctedTime: corrected,
      descriptions: new Map(),
      macs: new Map(),
      worker,
    });
  } finally {
    detail.close();
    sink.close();
  }
}

async function expectSame(name: string, res: CorrelationResult): Promise<void> {
  for (const corrected of [false, true]) {
    const a = join(tmp, `${name}-${corrected}-ref.pcapng`);
    const n = referencePcapng(res, a, corrected);
    const ra = readFileSync(a);
    // The CLI's way (a writer thread), and all in this thread.
    for (const worker of [true, false]) {
      const b = join(tmp, `${name}-${corrected}-${worker}-fast.pcapng`);
      expect(await fastPcapng(res, b, corrected, worker)).toBe(n);
      const rb = readFileSync(b);
      const what = `${name} corrected=${corrected} worker=${worker}`;
      expect(rb.length, `${what}: size`).toBe(ra.length);
      // Compare as a whole (a mismatch names the first differing offset, not a 10 MB diff).
      const at = ra.findIndex((x, i) => x !== rb[i]);
      expect(at, `${what}: first differing byte`).toBe(-1);
    }
  }
}

describe('fast pcapng export writes exactly the reference bytes', () => {
  const scenarios = [
    'flannel-vxlan',
    'calico-ipip',
    'kube-proxy',
    'calico-bgp',
    'flannel-hostgw',
    'kubenet',
    'any-calico-ipip',
    'any-flannel-vxlan',
    // Copies of broadcast frames: timed from the sender's or the node's first copy ("since hop N").
    'broadcast',
    // Pieces of TCP segments cut on the way: "split (bytes 0:1398 of 6990)".
    'gso-vxlan',
    // Hops seen only encrypted in WireGuard: "encap+wireguard", "encap-wireguard".
    'calico-wireguard',
  ];
  for (const s of scenarios) {
    it(`lab scenario ${s}`, async () => {
      await expectSame(s, correlate(fixtureFiles(s)));
    });
  }

  it('IPv6 and SLL edge captures, a multi-interface pcapng, and an export re-imported', async () => {
    const syn = join(FIXTURES, 'synthetic');
    await expectSame('edge', correlate([join(syn, 'edge', 'veth.pcap')]));
    await expectSame(
      'sll',
      correlate([join(syn, 'edge', 'any-sll.pcap'), join(syn, 'edge', 'any-sll2.pcap')]),
    );
    await expectSame('multi', correlate([join(syn, 'multi.pcapng')]));
    // A third host's broadcast without its capture: copies received in parallel.
    await expectSame('parallel', correlate(fixtureFiles('broadcast').filter((f) => !f.includes('client__'))));
    // Journeys whose first hop was seen only encrypted (node-1's pod and WireGuard device not captured): hop 1's
    // comment names the packet inside, from the journey's first hop in clear.
    await expectSame(
      'wireguard-first-encrypted',
      correlate(fixtureFiles('calico-wireguard').filter((f) => !/node-1__(cali|wireguard)/.test(f))),
    );
    const again = join(tmp, 'reimport.pcapng');
    await fastPcapng(correlate(fixtureFiles('calico-ipip')), again, false);
    await expectSame('reimport', correlate([again]));
  });

  it('node-2 shifted 1.23 s (clock-corrected order differs from the captured one), snaplen-cut frames', async () => {
    const dir = fixtureCopy('flannel-vxlan', { shift: { 'node-2': -1_234_567_891 }, snaplen: 60 });
    try {
      await expectSame('shifted', correlate(filesIn(dir)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a generated 8-lane path set (24,000 packets, many sink buffers and read windows)', async () => {
    const dir = join(tmp, 'gen');
    const m = generate({ outDir: dir, journeys: 3000, seed: 3, extras: false });
    const res = correlate(m.path.map((f) => join(dir, f.path)));
    expect(res.rowCount).toBe(24_000);
    await expectSame('generated', res);
  }, 60_000);

  /** A generated 8-lane path set of 3,000 journeys, as the CLI loads its files. */
  function generatedInputs(name: string, seed: number): Inputs {
    const dir = join(tmp, name);
    const m = generate({ outDir: dir, journeys: 3000, seed, extras: false });
    const inputs = loadInputs(m.path.map((f) => join(dir, f.path)));
    if (!inputs.ok) throw new Error(inputs.error.message);
    return inputs.value;
  }

  it('the same set read on two threads: its columns shared, the writer thread merges the time order', async () => {
    const inputs = generatedInputs('gen2', 4);
    const res = correlateInputs(inputs, { threads: 2, parallelMinBytes: 0 }).result;
    expect(res.rows.t.buffer).toBeInstanceOf(SharedArrayBuffer);
    const inThread = vi.spyOn(BatchSink.prototype, 'orderInThread');
    try {
      await expectSame('generated-2', res);
      // Both timestamps (the captured column, the corrected copy made shared) merged there when it had a thread.
      expect(inThread.mock.results.filter((x) => x.value instanceof Promise)).toHaveLength(2);
    } finally {
      inThread.mockRestore();
    }
  }, 60_000);

  it("asked as soon as the rows are read and the journeys linked (the CLI's way): the same bytes", async () => {
    // The writer thread merges the order once the rows are read, walks the paths (and orders the order's ties) once
    // the journeys are linked; the export takes both. The labs' veth and bridge stamp a packet in the same ns.
    const sets: [string, Inputs][] = [['gen3', generatedInputs('gen3', 5)]];
    for (const scenario of ['flannel-vxlan', 'broadcast']) {
      const inputs = loadInputs(fixtureFiles(scenario));
      if (!inputs.ok) throw new Error(inputs.error.message);
      sets.push([scenario, inputs.value]);
    }
    for (const [name, inputs] of sets) {
      const writer = new BatchSink(true);
      let early: Promise<Int32Array> | null = null;
      let walked: Promise<unknown> | null = null;
      let rowsThen = -1;
      const res = correlateInputs(inputs, {
        threads: 2,
        parallelMinBytes: 0,
        onRows: (rows, captures) => {
          rowsThen = rows.length;
          early = writer.orderInThread(rows.t, rows.capture, captures, rows.length);
        },
        onLinked: (r) => (walked = writer.hopsInThread(r)),
      }).result;
      // Called with every row read (before the rest of the grouping and the links).
      expect(rowsThen, name).toBe(res.rowCount);
      expect(early).toBeInstanceOf(Promise);
      expect(walked).toBeInstanceOf(Promise);
      expect(writer.orderInThread(res.rows.t, res.rows.capture, res.captures.length, res.rows.length)).toBe(
        early,
      );
      const a = join(tmp, `${name}-early-ref.pcapng`);
      const b = join(tmp, `${name}-early-fast.pcapng`);
      const n = referencePcapng(res, a, false);
      const sink = Sink.file(b);
      const detail = new FrameSource(res);
      try {
        expect(await exportPcapng(res, sink, { descriptions: new Map(), macs: new Map(), writer })).toBe(n);
      } finally {
        detail.close();
        sink.close();
      }
      expect(readFileSync(b).equals(readFileSync(a)), name).toBe(true);
    }
  }, 60_000);
});

/** The section comment's last part, for sessions with VXLAN on a port other than 4789 (flannel's 8472). */
function vxlanHint(res: CorrelationResult): string {
  const ports = new Set<number>();
  for (let r = 0; r < res.rowCount; r++)
    if (res.rows.encap(r, E_TYPE) === ENCAP_VXLAN && res.rows.encap(r, E_DPORT) !== 4789)
      ports.add(res.rows.encap(r, E_DPORT));
  const other = [...ports].sort((a, b) => a - b);
  if (!other.length) return '';
  return (
    `; VXLAN on UDP ${other.join(', ')}: in Wireshark, Decode As… UDP port ${other[0]} → VXLAN ` +
    `(tshark -d udp.port==${other[0]},vxlan) to see the packets inside`
  );
}
