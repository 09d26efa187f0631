// Live correlation, in process: the flannel-vxlan lab capture (real bytes) written into growing files in
// steps — each step every file's records up to a cut time plus a few bytes of the next record (tcpdump mid-write)
// — followed by one LiveCorrelator whose rows and snapshots feed a LiveSession as the worker's messages would.
// While the capture runs no row is grouped past what every lane delivered; once the lanes are quiet the live
// journeys equal a batch correlation of the same files, row by row.
import { appendFileSync, copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { LiveCorrelator, QUIET_MS } from '../../main/app/liveCorrelator.ts';
import { LIVE_PACKET_BYTES, liveRowLimit } from '../../main/common/limits.ts';
import { LiveSession } from '../../main/app/liveSession.ts';
import { LoadedSession } from '../../main/app/loadedSession.ts';
import { openInputs } from '../../main/app/sessionBuild.ts';
import type { CorrelateOptions } from '../../main/correlate/correlator.ts';
import { correlateInputs } from '../../main/session/ingest.ts';
import { createCaptureReader } from '../../main/pcap/reader.ts';
import { FIXTURES, fixtureCopy, laneOrdinals } from './correlate-helpers.ts';
import { SESSION_SCHEMA } from '../../main/capture/sessionFolder.ts';
import { JourneyMatch, lanesFor } from './app-helpers.ts';
import { tempDir } from '../tempDir.ts';

const FIXTURE = 'tests/fixtures/flannel-vxlan';
const PCAP_HEADER = 24;
const RECORD_HEADER = 16;

interface Rec {
  end: number;
  t: bigint;
}

/** Every record of a classic pcap: where it ends in the file and its timestamp (ns since the epoch). */
function records(bytes: Uint8Array): Rec[] {
  const out: Rec[] = [];
  const r = createCaptureReader((rec) => {
    out.push({
      end: rec.offset + RECORD_HEADER + rec.caplen,
      t: BigInt(rec.tsSec) * 1_000_000_000n + BigInt(rec.tsNsec),
    });
  });
  expect(r.push(bytes)).toBeNull();
  expect(r.end()).toBeNull();
  return out;
}

/** A fresh folder for the flannel-vxlan capture's files (not written yet): their names and lanes. */
function fixtureLanes() {
  const dir = tempDir('hs-livecorr-');
  const names = readdirSync(FIXTURE)
    .filter((f) => f.endsWith('.pcap'))
    .sort();
  return { dir, names, lanes: lanesFor(names, dir) };
}

/**
 * The flannel-vxlan capture written into growing files in `steps` cuts (quantiles of the record times), a poll and
 * a snapshot after each, checked against a batch correlation of the same files with the same windows at the end.
 */
async function followGrowing(
  steps: number,
  windows?: Omit<CorrelateOptions, 'clock'>,
  late?: { node: string },
) {
  const { dir, names, lanes } = fixtureLanes();
  // `late`: that node's captures start after the first cut (it joined the running capture): its files hold what
  // came from then on only, and its lanes are added then, after every other node's.
  const isLate = (i: number) => late !== undefined && lanes[i].node === late.node;
  const first = lanes.filter((_, i) => !isLate(i));
  const added = lanes.filter((_, i) => isLate(i));
  expect(late === undefined || lanes.findIndex((_, i) => isLate(i)) === first.length).toBe(true);
  for (const f of readdirSync(FIXTURE).filter((f) => f.endsWith('.json') && f !== 'manifest.json'))
    copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  const full = names.map((f) => new Uint8Array(readFileSync(path.join(FIXTURE, f))));
  const recs = full.map(records);
  let clock = 1_000_000;
  const lc = new LiveCorrelator({
    id: 'live',
    title: 'live',
    dir,
    lanes: first,
    baseSec: 1_700_000_000,
    now: () => clock,
    ...(windows ? { correlate: windows } : {}),
  });
  const live = new LiveSession('live', 'live', dir, first, 1_700_000_000);
  live.source = {
    findJourneys: async (q, from, count) => lc.findJourneys(q, from, count),
    journey: async (k) => lc.journey(k),
  };
  // Before any journey, a filter that cannot be read already says why.
  expect((await live.findJourneys('icmp and', 0, 1)).error).toBe('"and" at column 6 needs a term after it');

  // Cut times: quantiles of all record times, then everything.
  const times = recs
    .flat()
    .map((r) => r.t)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const cuts = Array.from(
    { length: steps - 1 },
    (_, q) => times[Math.floor((times.length * (q + 1)) / steps)],
  );
  const written = full.map(() => 0);
  const journeysSeen: number[] = [];
  /** Per snapshot: the first row whose journey columns it sent, and the journeys frozen after it. */
  const sentFrom: number[] = [];
  const frozen: number[] = [];
  /** Records left out of a late node's files (before it joined). */
  let skipped = 0;
  for (let step = 0; step <= cuts.length; step++) {
    const cut = cuts[step];
    if (late && step === 1) {
      lc.addLanes(added);
      live.addLanes(added);
      full.forEach((bytes, i) => {
        if (!isLate(i)) return;
        const before = recs[i].filter((r) => r.t < cuts[0]);
        appendFileSync(lanes[i].file, bytes.subarray(0, PCAP_HEADER));
        written[i] = before.length ? before[before.length - 1].end : PCAP_HEADER;
        skipped += before.length;
        recs[i] = recs[i].slice(before.length);
      });
    }
    full.forEach((bytes, i) => {
      if (isLate(i) && step === 0) return;
      // node-2's veth file only appears from the second step on (a capture that started late).
      if (i === names.length - 1 && step === 0) return;
      const done = cut === undefined ? recs[i].length : recs[i].filter((r) => r.t < cut).length;
      let to = done ? recs[i][done - 1].end : PCAP_HEADER;
      // Mid-record, as a tcpdump stream often is: the reader must hold the partial record until it completes.
      if (cut !== undefined && done < recs[i].length) to += 7;
      appendFileSync(lanes[i].file, bytes.subarray(written[i], to));
      written[i] = to;
    });
    clock += 100;
    const rows = lc.poll();
    if (rows) {
      const b = live.addRows(rows);
      expect(b.from).toBe(rows.from);
      expect(b.capture.length).toBe(rows.to - rows.from);
    }
    const j = lc.snapshot();
    live.adoptJourneys(j);
    // A filtered query on each snapshot: the next one keeps this one's filter index for its frozen journeys.
    await live.findJourneys('net 10.244.0.0/16 or ip6', 0, 1);
    journeysSeen.push(j.journeys);
    sentFrom.push(j.from);
    frozen.push(lc.window.frozen);
    // Every lane is busy: nothing at or past the slowest lane's latest record is in a journey yet.
    const info = live.info();
    expect(info.packets).toBe(lc.rows);
    const all = live.batch(0, live.count);
    if (cut !== undefined) {
      let slowest = Infinity;
      for (let c = 0; c < info.captures.length; c++) {
        let last = -Infinity;
        for (let i = 0; i < all.capture.length; i++) if (all.capture[i] === c) last = all.tsNs[i];
        slowest = Math.min(slowest, last);
      }
      for (let i = 0; i < all.journey.length; i++)
        if (all.tsNs[i] >= slowest) expect(all.journey[i]).toBe(-1);
    }
  }
  expect(live.count).toBe(recs.reduce((n, r) => n + r.length, 0));
  if (late) expect(skipped).toBeGreaterThan(0);
  else expect(journeysSeen[0]).toBe(0); // a lane had not started: nothing can be grouped yet
  expect(journeysSeen[steps - 2]).toBeGreaterThan(0); // journeys while "capturing"

  // Still busy: the last rows wait; once every lane has been quiet for QUIET_MS, all are grouped.
  clock += QUIET_MS;
  expect(lc.poll()).toBeNull();
  expect(lc.changed()).toBe(true);
  const final = lc.snapshot();
  live.adoptJourneys(final);

  const batchResult = correlateInputs(openInputs([dir]), windows ?? {});
  const batch = new LoadedSession('batch', 'batch', dir, batchResult.correlator, batchResult.result, []);
  expect(live.info().journeys).toBe(batch.result.journeyCount);
  expect(live.info().flows).toBe(batch.result.flowCount);
  expect(live.info().clocks.map((c) => c.node)).toEqual(batch.info().clocks.map((c) => c.node));
  // Row by row, keyed by (interface, record number in its file): same journey (numbers matched one to one),
  // same hop.
  const key = (node: string, iface: string, rec: number) => `${node}/${iface}#${rec}`;
  const expected = new Map<string, [number, number]>();
  const br = batch.result.rows;
  const record = laneOrdinals(batch.result);
  for (let r = 0; r < batch.count; r++) {
    const cap = batch.result.captures[br.capture[r]];
    expected.set(key(cap.node, cap.iface, record[r]), [batch.journeyCol[r], batch.hopCol[r]]);
  }
  const all = live.batch(0, live.count);
  const perLane = lanes.map(() => 0);
  let inJourneys = 0;
  const match = new JourneyMatch();
  for (let i = 0; i < live.count; i++) {
    const c = all.capture[i];
    const k = key(lanes[c].node, lanes[c].iface, perLane[c]++);
    const [bj, bh] = expected.get(k)!;
    expect(match.row(all.journey[i], all.hop[i], bj, bh), k).toBe(true);
    if (all.journey[i] >= 0) inJourneys++;
  }
  expect(expected.size).toBe(live.count);
  expect(match.renumbered).toBe(0); // one clock for all the lab's namespaces: the same time order
  expect(inJourneys).toBeGreaterThan(live.count / 2);

  // Filters on the index carried across snapshots list what the batch session's lists (words, address and MAC
  // columns alike).
  const mac = batch.journey(0).hopList.find((h) => h.encap.length)!.encap[0].innerEth!.src;
  for (const f of [
    'src net 10.244.1.0/24',
    'vni 1 && !igmp',
    `ether src ${mac}`,
    'net 10.1.10.0/24 or igmp',
    'greater 120 or udp dst port 8472 or ip proto \\igmp',
    'less 60',
  ]) {
    const want = batch.findJourneys(f, 0, 1000);
    const got = await live.findJourneys(f, 0, 1000);
    expect({ f, ids: got.items.map((x) => match.liveToBatch.get(x.id)) }).toEqual({
      f,
      ids: want.items.map((x) => x.id),
    });
    expect(want.total, f).toBeGreaterThan(0);
  }

  // Queries answer from the latest snapshot, with our packet indices and capture times.
  const page = await live.findJourneys('echo request', 0, 10);
  expect(page.total).toBe(3);
  // With the snapshot's flows, which the journey list's count line shows beside its journeys.
  expect(page.flows).toBe(live.info().flows);
  const v = await live.journey(page.items[0].id);
  expect(v.hopList.map((h) => `${h.node}/${h.iface}`)).toEqual(
    batch.journey(match.liveToBatch.get(page.items[0].id)!).hopList.map((h) => `${h.node}/${h.iface}`),
  );
  // (The late node's files lack the first echo's hops there: it joined after them.)
  expect(v.hopList).toHaveLength(late ? 6 : 8);
  for (const h of v.hopList) {
    expect(`${lanes[h.capture].node}/${lanes[h.capture].iface}`).toBe(`${h.node}/${h.iface}`);
    expect(live.captureOf(h.packet)).toBe(h.capture);
    expect(live.tsNsString(h.packet)).toBe(h.tsNs);
    expect(all.journey[h.packet]).toBe(v.id);
    // Times on our base: the hop's relative time is its packet's (no clock correction within one kernel).
    expect(Math.abs(h.tRelNs - all.tsNs[h.packet])).toBeLessThan(1e6);
  }
  // Frames and link types reach the main side too (summaries and detail read them there): the main side reads
  // each row's bytes from its lane's file, the same bytes as the batch session's.
  expect(live.frame(v.hopList[0].packet).length).toBe(live.caplenOf(v.hopList[0].packet));
  const batchRow = new Map<string, number>();
  for (let r = 0; r < batch.count; r++) {
    const cap = batch.result.captures[br.capture[r]];
    batchRow.set(key(cap.node, cap.iface, record[r]), r);
  }
  perLane.fill(0);
  for (let i = 0; i < live.count; i++) {
    const c = all.capture[i];
    const r = batchRow.get(key(lanes[c].node, lanes[c].iface, perLane[c]++))!;
    expect(Buffer.from(live.frame(i)).equals(Buffer.from(batch.frame(r)))).toBe(true);
    // What the packet list shows of a row, read from the worker's shared columns, is the batch session's.
    expect(live.tsNsString(i)).toBe(batch.tsNsString(r));
    expect([live.origLenOf(i), live.caplenOf(i), live.statusOf(i)]).toEqual([
      batch.origLenOf(r),
      batch.caplenOf(r),
      batch.statusOf(r),
    ]);
    expect([all.proto[i], all.status[i], all.length[i]]).toEqual([
      batch.protoCol[r],
      batch.statusCol[r],
      batch.origLenOf(r),
    ]);
  }
  expect(live.captureInfos().every((c) => c.linkType === 1 && c.packets > 0)).toBe(true);

  // Nothing new: a snapshot would change nothing.
  expect(lc.poll()).toBeNull();
  expect(lc.changed()).toBe(false);
  lc.close();
  return { sentFrom, frozen };
}

/** The recorded drops (tests/fixtures/drops-flannel-vxlan): its captures' names, and lanes for them in a new folder. */
function dropsLanes() {
  const src = path.join(FIXTURES, 'drops-flannel-vxlan');
  const names = readdirSync(src)
    .filter((f) => f.endsWith('.pcap'))
    .sort();
  const dir = tempDir('hs-livecorr-');
  return { src, names, dir, lanes: lanesFor(names, dir) };
}

/** The capture's session.json, as a capture rewrites it every few seconds: two kernel drops on each of `node`'s captures. */
function writeKernelDrops(
  dir: string,
  lanes: { node: string; iface: string; file: string }[],
  node: string,
): void {
  const captures = lanes.map((l) => ({
    node: l.node,
    iface: l.iface,
    file: path.basename(l.file),
    kernelDrops: l.node === node ? 2 : 0,
  }));
  writeFileSync(
    path.join(dir, 'session.json'),
    JSON.stringify({ schema: SESSION_SCHEMA, nodes: [], captures }),
  );
}

describe('LiveCorrelator', () => {
  it('follows growing lab captures and ends with the journeys of a batch correlation', async () => {
    await followGrowing(4);
  });

  it('follows the captures of a node that joined late (lanes added after the others) and ends as the batch does', async () => {
    await followGrowing(4, undefined, { node: 'node-2' });
  });

  it('freezes old journeys and sends only the rows of the others (short windows), ending as the batch does', async () => {
    // The capture lasts 0.66 s: windows of 20 ms (pre-pass) and 5 ms let journeys freeze between cuts.
    const { sentFrom, frozen } = await followGrowing(12, { maxSkewNs: 20e6, crossWindowNs: 5e6 });
    expect(Math.max(...frozen)).toBeGreaterThan(0);
    // Snapshots after the first freezes leave the frozen journeys' rows out of what they send.
    expect(sentFrom.some((f, i) => i > 0 && frozen[i - 1] > 0 && f > 0)).toBe(true);
  });

  it('does not let an idle interface hold journeys back once it has been quiet', () => {
    const { dir, names, lanes } = fixtureLanes();
    // A ninth lane whose file has a header and never a packet.
    lanes.push({ node: 'node-1', iface: 'idle0', file: path.join(dir, 'node-1__idle0.pcap') });
    const full = names.map((f) => readFileSync(path.join(FIXTURE, f)));
    const half = (b: Uint8Array) => Math.floor(b.length / 2);
    let clock = 0;
    const lc = new LiveCorrelator({ id: 'l', title: 'l', dir, lanes, baseSec: 0, now: () => clock });
    // First halves (cut mid-record) and the idle lane's header: every lane is delivering, the idle one has no
    // packet yet, so nothing can be grouped.
    full.forEach((b, i) => appendFileSync(lanes[i].file, b.subarray(0, half(b))));
    appendFileSync(lanes[8].file, full[0].subarray(0, PCAP_HEADER));
    lc.poll();
    expect(lc.snapshot().journeys).toBe(0);
    // QUIET_MS later the busy lanes have delivered the rest, the idle one nothing: it no longer counts, and the
    // busy lanes' rows are grouped up to the slowest of them.
    clock = QUIET_MS;
    full.forEach((b, i) => appendFileSync(lanes[i].file, b.subarray(half(b))));
    lc.poll();
    const busy = lc.snapshot();
    expect(busy.journeys).toBeGreaterThan(0);
    expect(busy.settled).toBe(false);
    // Then all are quiet: everything is grouped.
    clock = QUIET_MS * 2;
    expect(lc.poll()).toBeNull();
    const all = lc.snapshot();
    expect(all.settled).toBe(true);
    expect(all.journeys).toBeGreaterThanOrEqual(busy.journeys);
    lc.close();
  });

  it('says where packets stopped, but takes no capture session.json says lost packets for a witness', () => {
    // The recorded drops, written whole into the live folder's growing files (no interface lists: the other
    // packets of each ping that went on are the evidence).
    const { src, names, dir, lanes } = dropsLanes();
    names.forEach((f, i) => copyFileSync(path.join(src, f), lanes[i].file));
    const stopped = (lc: LiveCorrelator): string[] => {
      lc.snapshot(true);
      return lc.findJourneys('', 0, 1000).items.flatMap((j) => (j.stop ? [`${j.id} ${j.stop.after}`] : []));
    };
    const lc = new LiveCorrelator({ id: 'l', title: 'l', dir, lanes, baseSec: 0 });
    lc.poll();
    const before = stopped(lc);
    expect(before.length).toBeGreaterThan(0);
    // The capture's session.json, as it is rewritten every few seconds, now counts the kernel's drops on node-2's
    // captures: nothing stopped there can be told from a packet node-2's kernel lost.
    writeKernelDrops(dir, lanes, 'node-2');
    expect(stopped(lc)).toEqual([]);
    lc.close();
  });

  it('the filter word `stopped` follows a journey said stopped after it froze, and a witness taken back', () => {
    // The recorded drops written into growing files in forty steps, with windows short enough that journeys freeze
    // between them: a dropped ping is said stopped only once the captures after it have packets a second on, by
    // then it is frozen, and its words were built before (a query with words on each snapshot).
    const { src, names, dir, lanes } = dropsLanes();
    const full = names.map((f) => new Uint8Array(readFileSync(path.join(src, f))));
    const recs = full.map(records);
    const times = recs
      .flat()
      .map((r) => r.t)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const steps = 40;
    let clock = 0;
    const lc = new LiveCorrelator({
      id: 'l',
      title: 'l',
      dir,
      lanes,
      baseSec: 0,
      now: () => clock,
      correlate: { maxSkewNs: 20e6, crossWindowNs: 5e6 },
    });
    /** The journeys the word finds, and those the list says stopped. */
    const both = () => ({
      word: lc.findJourneys('stopped', 0, 1000).items.map((j) => j.id),
      stop: lc.findJourneys('', 0, 1000).items.flatMap((j) => (j.stop ? [j.id] : [])),
    });
    const written = full.map(() => 0);
    const followed = new Set<number>();
    let frozenBefore = 0;
    let stoppedBefore: number[] = [];
    for (let step = 1; step <= steps; step++) {
      const cut = step < steps ? times[Math.floor((times.length * step) / steps)] : undefined;
      full.forEach((bytes, i) => {
        const done = cut === undefined ? recs[i].length : recs[i].filter((r) => r.t < cut).length;
        const to = done ? recs[i][done - 1].end : PCAP_HEADER;
        appendFileSync(lanes[i].file, bytes.subarray(written[i], to));
        written[i] = to;
      });
      clock += 100;
      lc.poll();
      lc.snapshot();
      const { word, stop } = both();
      expect(word, `step ${step}`).toEqual(stop);
      // Said stopped now, frozen at a snapshot before, and not said stopped then: the word had to follow.
      for (const k of stop) if (k < frozenBefore && !stoppedBefore.includes(k)) followed.add(k);
      frozenBefore = lc.window.frozen;
      stoppedBefore = stop;
    }
    clock += QUIET_MS;
    lc.poll();
    lc.snapshot(true);
    const end = both();
    expect(end.word).toEqual(end.stop);
    expect(followed.size).toBeGreaterThan(0);
    // node-2's kernel drops, said by session.json after the fact: its captures are no witness, no journey stopped
    // there is said stopped any more, nor found by the word.
    writeKernelDrops(dir, lanes, 'node-2');
    lc.snapshot(true);
    const after = both();
    expect(after.stop.length).toBeLessThan(end.stop.length);
    expect(after.word).toEqual(after.stop);
    lc.close();
  });

  it('groups a node whose clock is 90 s ahead together with the others while capturing (SSH probes)', () => {
    const SHIFT = 90e9;
    const staged = fixtureCopy('flannel-vxlan', { shift: { 'node-2': SHIFT } });
    const dir = tempDir('hs-livecorr-');
    const names = readdirSync(staged)
      .filter((f) => f.endsWith('.pcap'))
      .sort();
    const lanes = lanesFor(names, dir);
    // What `hopscope capture` records: each node's clock minus ours, ± half the probe's round trip.
    writeFileSync(
      path.join(dir, 'session.json'),
      JSON.stringify({
        schema: 'hopscope.session/1',
        nodes: [
          { name: 'node-1', clock: { offsetNs: 0, uncertaintyNs: 2e6 } },
          { name: 'node-2', clock: { offsetNs: SHIFT, uncertaintyNs: 2e6 } },
        ],
        captures: lanes.map((l) => ({ node: l.node, iface: l.iface, file: path.basename(l.file) })),
      }),
    );
    const full = names.map((f) => new Uint8Array(readFileSync(path.join(staged, f))));
    const recs = full.map(records);
    // Every lane up to the same true instant (node-2's records carry +90 s), then a partial record: all busy.
    const t1 = recs
      .filter((_, i) => lanes[i].node === 'node-1')
      .flat()
      .map((r) => r.t)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const cut = t1[Math.floor(t1.length * 0.75)];
    full.forEach((bytes, i) => {
      const c = lanes[i].node === 'node-2' ? cut + BigInt(SHIFT) : cut;
      const done = recs[i].filter((r) => r.t < c).length;
      appendFileSync(lanes[i].file, bytes.subarray(0, (done ? recs[i][done - 1].end : PCAP_HEADER) + 7));
    });
    let clock = 1_000;
    const lc = new LiveCorrelator({ id: 'l', title: 'l', dir, lanes, baseSec: 0, now: () => clock });
    const live = new LiveSession('l', 'l', dir, lanes, 0);
    live.addRows(lc.poll()!);
    // The first snapshot already places node-2 by its probe (the traffic refines it for the next ones).
    const busy = lc.snapshot();
    live.adoptJourneys(busy);
    expect(busy.settled).toBe(false);
    // Journeys crossing both nodes exist before the lanes go quiet: node-2 was grouped up to the same instant
    // (one raw-time watermark for all nodes held node-2, 90 s ahead, back until every lane had gone quiet).
    const all = live.batch(0, live.count);
    const nodesOf = new Map<number, Set<string>>();
    for (let i = 0; i < all.journey.length; i++) {
      if (all.journey[i] < 0) continue;
      const set = nodesOf.get(all.journey[i]) ?? new Set<string>();
      set.add(lanes[all.capture[i]].node);
      nodesOf.set(all.journey[i], set);
    }
    expect([...nodesOf.values()].filter((x) => x.size === 2).length).toBeGreaterThan(0);
    expect(busy.clocks.find((c) => c.node === 'node-2')!.method).toBe('traffic+ssh-probe');
    clock += 100;
    const next = lc.snapshot();
    expect(next.settled).toBe(false);
    expect(next.journeys).toBeGreaterThanOrEqual(busy.journeys);
    lc.close();
  });

  it('stops reading at the packet limit: the files grow on, journeys settle on what was read, the session says so', () => {
    const { dir, names, lanes } = fixtureLanes();
    const full = names.map((f) => new Uint8Array(readFileSync(path.join(FIXTURE, f))));
    const recs = full.map(records);
    // The first half of every file's records, plus 7 bytes of the next (tcpdump mid-write).
    const half = recs.map((r) => Math.floor(r.length / 2));
    const halfEnd = recs.map((r, i) => (half[i] ? r[half[i] - 1].end : PCAP_HEADER));
    const limit = half.reduce((a, b) => a + b, 0);
    expect(half.every((n) => n > 0)).toBe(true);
    let clock = 1_000;
    const lc = new LiveCorrelator({
      id: 'l',
      title: 'l',
      dir,
      lanes,
      baseSec: 0,
      now: () => clock,
      maxRows: limit,
    });
    const live = new LiveSession('l', 'l', dir, lanes, 0);
    full.forEach((b, i) => appendFileSync(lanes[i].file, b.subarray(0, halfEnd[i] + 7)));
    const first = lc.poll()!;
    // Exactly at the limit: only a further read would cross it.
    expect([first.to, first.limit]).toEqual([limit, null]);
    live.addRows(first);
    expect(live.info().notice).toBeUndefined();
    // The rest of every file arrives: nothing more is read, and one message says why.
    full.forEach((b, i) => appendFileSync(lanes[i].file, b.subarray(halfEnd[i] + 7)));
    clock += 100;
    const second = lc.poll()!;
    expect(second).toMatchObject({ from: limit, to: limit, limit });
    expect(live.addRows(second).capture.length).toBe(0);
    expect(lc.limitReached).toBe(true);
    expect(lc.poll()).toBeNull();
    expect([lc.rows, live.count, live.info().packets]).toEqual([limit, limit, limit]);
    expect(live.info().notice).toBe(
      `Live view stopped at ${limit} packets (the live packet limit, ${limit}: HOPSCOPE_LIVE_MAX_PACKETS, ` +
        `default a quarter of this machine's memory); the capture goes on into ${dir}. Stop it to open every packet.`,
    );
    expect(lc.lanes().map((l) => l.packets)).toEqual(half);
    // Once the lanes look quiet, journeys settle on exactly what was read: a batch correlation of the halves.
    clock += QUIET_MS;
    expect(lc.poll()).toBeNull();
    expect(lc.changed()).toBe(true);
    const j = lc.snapshot();
    expect(j.settled).toBe(true);
    live.adoptJourneys(j);
    const halves = tempDir('hs-livecorr-half-');
    names.forEach((n, i) => writeFileSync(path.join(halves, n), full[i].subarray(0, halfEnd[i])));
    const b = correlateInputs(openInputs([halves]), {});
    expect(b.result.rowCount).toBe(limit);
    expect([j.journeys, j.flows]).toEqual([b.result.journeyCount, b.result.flowCount]);
    expect(j.journeys).toBeGreaterThan(0);
    expect(live.info().journeys).toBe(j.journeys);
    lc.close();

    // A limit crossed within a poll: the lane that crosses it is read to its end, the ones after it not at all.
    const { dir: dir2, lanes: lanes2 } = fixtureLanes();
    full.forEach((b, i) => appendFileSync(lanes2[i].file, b.subarray(0, halfEnd[i] + 7)));
    const lc2 = new LiveCorrelator({
      id: 'm',
      title: 'm',
      dir: dir2,
      lanes: lanes2,
      baseSec: 0,
      maxRows: half[0] + 1,
    });
    const crossed = lc2.poll()!;
    expect([crossed.to, crossed.limit]).toEqual([half[0] + half[1], half[0] + 1]);
    expect(crossed.lanes.map((l) => l.packets)).toEqual(half.map((n, i) => (i < 2 ? n : 0)));
    expect(lc2.poll()).toBeNull();
    lc2.close();
  });
});

describe('liveRowLimit', () => {
  it('takes HOPSCOPE_LIVE_MAX_PACKETS, else a quarter of the memory at LIVE_PACKET_BYTES a packet', () => {
    expect(liveRowLimit({ HOPSCOPE_LIVE_MAX_PACKETS: '250000' }, 1)).toBe(250_000);
    expect(liveRowLimit({}, 16 * 2 ** 30)).toBe(Math.floor((4 * 2 ** 30) / LIVE_PACKET_BYTES));
    expect(liveRowLimit({ HOPSCOPE_LIVE_MAX_PACKETS: '' }, 8 * 2 ** 30)).toBe(
      Math.floor((2 * 2 ** 30) / LIVE_PACKET_BYTES),
    );
    expect(liveRowLimit({}, 100)).toBe(1);
    expect(liveRowLimit({}, 2 ** 50)).toBe(2 ** 31 - 1);
    for (const bad of ['0', '-5', '1e6', '10 000', 'lots', '2147483648', ' 5'])
      expect(() => liveRowLimit({ HOPSCOPE_LIVE_MAX_PACKETS: bad }), bad).toThrow(
        /^HOPSCOPE_LIVE_MAX_PACKETS must be a whole number of packets from 1 to 2147483647/,
      );
  });
});
