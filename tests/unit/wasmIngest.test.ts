// The WebAssembly ingest (main/session/wasmIngest.ts, main/session/wasm/ingest.c) must give exactly the rows the
// JavaScript path gives (HOPSCOPE_WASM=0): every row column, the table's interned MAC pairs and tunnels and its
// side maps, the lanes, the segments and the journeys. Checked on every lab fixture folder, on a generated 8-file
// VXLAN path (where it must take nearly every row), on recorded pod traffic and Calico's tunl0, on the fixtures'
// frames damaged at random (header bytes changed, frames cut, timestamps out of range or out of order), on every
// one-byte change and every cut of one frame of each kind the fixtures hold (Ethernet and RAW, IPv4 and IPv6), on
// pcapng copies (one interface, two, six of every kind, our own export, packet blocks damaged) and past 65,535 MAC pairs: whatever it takes must be
// what JavaScript makes of it. And the committed module must be what scripts/build-wasm.sh makes of the C source.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { generate } from '../../bench/generate.ts';
import { replicateFolder } from '../../bench/replicate.ts';
import { Correlator } from '../../main/correlate/correlator.ts';
import { F_ARP, F_IP, M_FRAGMENT, ROW_COLUMNS } from '../../main/correlate/observations.ts';
import { decodeFields } from '../../main/decode/fast.ts';
import { createPacketFields, DEFAULT_DECODE_OPTIONS, type DecodeOptions } from '../../main/decode/fields.ts';
import { Sink } from '../../main/export/sink.ts';
import { writeJourneysJson } from '../../main/export/journeysJson.ts';
import { decodeOptions, ingestFiles, type Ingested } from '../../main/session/ingestFiles.ts';
import { loadInputs } from '../../main/session/inputs.ts';
import { rng } from '../fuzz/harness.ts';
import { tempDir } from '../tempDir.ts';
import {
  FIXTURES,
  fixtureFiles,
  readPcap,
  rowTimeSpan,
  writePcap,
  type PcapRecord,
} from './correlate-helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
/**
 * Byte values that mean something in the headers the module reads: IP version/IHL (0x40, 0x44–0x46, 0x4f, 0x60),
 * protocols (ICMP, IPIP, TCP, UDP, SCTP), ICMP types (echo, errors, timestamp), TCP flags (SYN, SYN-ACK, FIN,
 * NS), the high bytes of VXLAN (4789 0x12b5, 8472 0x2118), Geneve (6081 0x17c1) and WireGuard (51820 0xca6c)
 * ports, fragment bits (0x20 MF, 0x3f), lengths' edges (0, 0xff).
 */
const INTERESTING = [
  0, 1, 2, 3, 4, 5, 6, 8, 11, 12, 13, 17, 0x12, 0x18, 0x20, 0x21, 0x3f, 0x40, 0x44, 0x45, 0x46, 0x4f, 0x50,
  0x60, 0x84, 0xb5, 0x17, 0xc1, 0xca, 0x6c, 0x80, 0xfe, 0xff,
];
const fields = createPacketFields();
let tmp: string;

beforeAll(() => {
  tmp = tempDir('hs-wasm-');
});

interface Run {
  c: Correlator;
  ingest: Ingested;
}

/**
 * A pcapng interface to write (pcapngOf): if_tsresol `resol` (default 9: ns), an if_tsoffset, a snaplen (default
 * 262144), its records.
 */
interface NgInterface {
  name: string;
  linkType: number;
  resol?: number;
  offsetSec?: number;
  snaplen?: number;
  records: PcapRecord[];
}

/**
 * A little-endian pcapng file: one section, the interfaces' IDBs, then their records as Enhanced Packet Blocks
 * taken in turn (one of each interface while it has some), timestamps in each interface's units.
 */
function pcapngOf(ifaces: NgInterface[]): Buffer {
  const blocks: Buffer[] = [];
  const block = (type: number, body: Buffer) => {
    const b = Buffer.alloc(12 + body.length);
    b.writeUInt32LE(type, 0);
    b.writeUInt32LE(b.length, 4);
    body.copy(b, 8);
    b.writeUInt32LE(b.length, b.length - 4);
    blocks.push(b);
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  block(0x0a0d0d0a, shb);
  const option = (code: number, value: Buffer) => {
    const o = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
    o.writeUInt16LE(code, 0);
    o.writeUInt16LE(value.length, 2);
    value.copy(o, 4);
    return o;
  };
  for (const f of ifaces) {
    const head = Buffer.alloc(8);
    head.writeUInt16LE(f.linkType, 0);
    head.writeUInt32LE(f.snaplen ?? 262144, 4);
    const offset = Buffer.alloc(8);
    offset.writeBigInt64LE(BigInt(f.offsetSec ?? 0));
    const opts = [
      option(2, Buffer.from(f.name)),
      option(9, Buffer.of(f.resol ?? 9)),
      ...(f.offsetSec ? [option(14, offset)] : []),
      Buffer.alloc(4),
    ];
    block(1, Buffer.concat([head, ...opts]));
  }
  for (let k = 0; ifaces.some((f) => k < f.records.length); k++) {
    ifaces.forEach((f, id) => {
      const r = f.records[k];
      if (!r) return;
      const resol = f.resol ?? 9;
      const units = resol & 0x80 ? 2n ** BigInt(resol & 0x7f) : 10n ** BigInt(resol);
      const ts = BigInt(r.sec - (f.offsetSec ?? 0)) * units + (BigInt(r.nsec) * units) / 1_000_000_000n;
      const body = Buffer.alloc(20 + Math.ceil(r.data.length / 4) * 4);
      body.writeUInt32LE(id, 0);
      body.writeUInt32LE(Number(ts >> 32n), 4);
      body.writeUInt32LE(Number(ts & 0xffffffffn), 8);
      body.writeUInt32LE(r.data.length, 12);
      body.writeUInt32LE(r.origLen, 16);
      Buffer.from(r.data).copy(body, 20);
      block(6, body);
    });
  }
  return Buffer.concat(blocks);
}

/**
 * The rows only JavaScript makes, on captures of plain traffic: each lane's first, the first of each MAC pair and
 * tunnel (interned there, then learned by the module), and IPv6 packets of other protocols than TCP, UDP, ICMPv6
 * and SCTP. Rows are in reading order on one thread.
 */
function leftToJs(run: Run): number {
  const obs = run.c.obs;
  const lanes = new Set<number>();
  const pairs = new Set<number>();
  const tunnels = new Set<number>();
  let n = 0;
  for (let r = 0; r < obs.length; r++) {
    const proto = obs.proto(r);
    const first =
      !lanes.has(obs.capture[r]) ||
      (obs.ethPairId(r) > 0 && !pairs.has(obs.ethPairId(r))) ||
      (obs.encapIdOf(r) > 0 && !tunnels.has(obs.encapIdOf(r))) ||
      ((obs.flags[r] & F_IP) !== 0 &&
        obs.ipId(r) < 0 &&
        proto !== 6 &&
        proto !== 17 &&
        proto !== 58 &&
        proto !== 132);
    lanes.add(obs.capture[r]);
    pairs.add(obs.ethPairId(r));
    tunnels.add(obs.encapIdOf(r));
    if (first) n++;
  }
  return n;
}

/** Fixture folder `scenario`'s recording `n` times over (bench/replicate.ts), in tmp/`name`. */
function replicated(scenario: string, name: string, n: number): string {
  const out = path.join(tmp, name);
  replicateFolder(path.join(FIXTURES, scenario), out, n);
  return out;
}

/** `records` again `n` times, each time a second later than the last. */
function repeated(records: PcapRecord[], n: number): PcapRecord[] {
  return Array.from({ length: n }, (_, k) => records.map((r) => ({ ...r, sec: r.sec + k + 1 }))).flat();
}

/** `frames` as records after `first` (from `after` seconds past its time on), `n` times each. */
function framesAfter(first: PcapRecord, frames: Uint8Array[], n: number, after = 30): PcapRecord[] {
  return Array.from({ length: n }, (_, k) =>
    frames.map((data) => ({ ...first, sec: first.sec + after + k + 1, origLen: data.length, data })),
  ).flat();
}

/**
 * The fixture folders' files readPcap reads (classic little-endian pcap; pcapng and big-endian ones, which the
 * module does not read, are left out), each with its link type.
 */
function classicPcaps(
  scenarios: readonly string[],
): { scenario: string; file: string; pcap: ReturnType<typeof readPcap>; link: number }[] {
  const out = [];
  for (const scenario of scenarios)
    for (const file of fixtureFiles(scenario)) {
      let pcap;
      try {
        pcap = readPcap(file);
      } catch {
        continue;
      }
      out.push({ scenario, file, pcap, link: new DataView(pcap.header.buffer).getUint32(20, true) });
    }
  return out;
}

/** Reads `args` (files or folders) on one thread, with the WebAssembly ingest or without it. */
function ingest(args: string[], wasm: boolean, decode?: DecodeOptions): Run {
  const inputs = loadInputs(args);
  if (!inputs.ok) throw new Error(inputs.error.message);
  const before = process.env.HOPSCOPE_WASM;
  process.env.HOPSCOPE_WASM = wasm ? '1' : '0';
  try {
    const c = new Correlator({ decode });
    return { c, ingest: ingestFiles(c, inputs.value.files, decodeOptions({ decode })) };
  } finally {
    if (before === undefined) delete process.env.HOPSCOPE_WASM;
    else process.env.HOPSCOPE_WASM = before;
  }
}

/** Every row column alike (its type, its rows' values); the first row that differs named. */
function expectSameColumns(a: Run, b: Run): void {
  expect(a.c.obs.length).toBe(b.c.obs.length);
  const n = a.c.obs.length;
  for (const k of ROW_COLUMNS) {
    // (The key columns hold rows from keyBase on: 0 here, nothing grouped yet.)
    const x = (a.c.obs as unknown as Record<string, Uint8Array>)[k];
    const y = (b.c.obs as unknown as Record<string, Uint8Array>)[k];
    expect(x.constructor.name, k).toBe(y.constructor.name);
    const bytes = (c: Uint8Array) => Buffer.from(c.buffer, c.byteOffset, n * c.BYTES_PER_ELEMENT);
    if (bytes(x).equals(bytes(y))) continue;
    const r = x.findIndex((v, i) => i < n && v !== y[i]);
    expect({ column: k, row: r, value: x[r] }).toEqual({ column: k, row: r, value: y[r] });
  }
}

/** What the table keeps beside the columns, the lanes and what reading said. */
function rows(run: Run): Record<string, unknown> {
  const obs = run.c.obs;
  const out: Record<string, unknown> = {};
  const part = obs.rowsPart(0);
  out.part = { ...part, macPairs: Array.from(part.macPairs), encaps: Array.from(part.encaps) };
  out.captures = run.c.captures;
  out.baseSec = run.c.baseSec;
  out.problems = run.ingest.problems;
  out.extraIfaces = run.ingest.extraIfaces;
  return out;
}

let jsonSeq = 0;
function journeysJson(c: Correlator): string {
  const file = path.join(tmp, `j${jsonSeq++}.json`);
  const sink = Sink.file(file);
  writeJourneysJson(c.result(), sink);
  sink.close();
  return fs.readFileSync(file, 'utf8');
}

/** Every column of the segment table, cut to its segments, as bytes (hex digests: quick to compare). */
function segments(c: Correlator): Record<string, string> {
  const segs = c.segs as unknown as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [k, col] of Object.entries(segs))
    if (ArrayBuffer.isView(col)) {
      const a = col as Int32Array;
      const bytes = Buffer.from(a.buffer, a.byteOffset, c.segs.length * a.BYTES_PER_ELEMENT);
      out[k] = createHash('sha1').update(bytes).digest('hex');
    }
  expect(Object.keys(out).length).toBeGreaterThanOrEqual(14);
  return out;
}

/**
 * Both ways alike: rows, lanes (their pending rows, last times, order, packet counts) and, unless `journeys` is
 * false, the segments and journeys made of them. Returns the rows the WebAssembly ingest took.
 */
function expectSame(args: string[], journeys = true, decode?: DecodeOptions): number {
  const wasm = ingest(args, true, decode);
  const js = ingest(args, false, decode);
  expect(js.ingest.wasmRows).toBe(0);
  expectSameColumns(wasm, js);
  expect(rows(wasm)).toEqual(rows(js));
  expect(wasm.c.ingestPart(0).captures).toEqual(js.c.ingestPart(0).captures);
  // The lanes' earliest and latest times, kept as rows came (in order or not), are what a loop over the rows finds.
  expect(wasm.c.timeSpan()).toEqual(rowTimeSpan(wasm.c.obs));
  expect(js.c.timeSpan()).toEqual(rowTimeSpan(js.c.obs));
  if (!journeys) return wasm.ingest.wasmRows ?? 0;
  const json = journeysJson(wasm.c);
  expect(json).toBe(journeysJson(js.c));
  expect(segments(wasm.c)).toEqual(segments(js.c));
  return wasm.ingest.wasmRows ?? 0;
}

const scenarios = fs
  .readdirSync(FIXTURES)
  .filter((s) => fs.statSync(path.join(FIXTURES, s)).isDirectory() && fixtureFiles(s).length >= 1);

describe('the WebAssembly ingest', () => {
  it('finds fixture folders to compare on', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(30);
  });

  it.each(scenarios)('gives the JavaScript rows on the %s fixtures', (scenario) => {
    expectSame([path.join(FIXTURES, scenario)]);
  });

  it('takes most rows of recorded pod traffic', () => {
    // Pings and curls through flannel's VXLAN, NodePorts (NAT): the first record of each file and IPv6 neighbour
    // discovery go to JavaScript, the rest here.
    for (const scenario of ['flannel-vxlan-20s', 'three-hosts', 'kube-proxy-revisit', 'gso-vxlan']) {
      const args = [path.join(FIXTURES, scenario)];
      const taken = expectSame(args);
      const total = ingest(args, false).c.obs.length;
      expect(taken, scenario).toBeGreaterThan(total * 0.85);
    }
  });

  it('takes TCP SYNs, their sequence numbers kept beside the columns as JavaScript keeps them', () => {
    // A connection per request through NodePorts (kube-proxy-revisit), its recording 20 times over: every SYN a row
    // of the engine's (the table's synSeqs compared by expectSame), all but each file's first record and ARP.
    const many = replicated('kube-proxy-revisit', 'kube-many', 20);
    const js = ingest([many], false);
    const syns = js.c.obs.rowsPart(0).synSeqs.length;
    expect(syns).toBeGreaterThanOrEqual(40);
    expect(expectSame([many])).toBeGreaterThan(js.c.obs.length - syns / 4);
  });

  it('takes WireGuard handshakes and keepalives, plain UDP to both paths', () => {
    // calico-wireguard's data messages on node-1's NIC made handshake initiations, responses and cookie replies
    // (types 1-3), and keepalives (type 4 with no packet inside: 32 bytes), 20 times over: every copy taken.
    const nic = readPcap(fixtureFiles('calico-wireguard').find((f) => f.includes('node-1__ens33'))!);
    const data = nic.records.filter((r) => r.data[23] === 17 && r.data[42] === 4 && r.data.length > 90);
    expect(data.length).toBeGreaterThan(10);
    const frames = data.flatMap((r) => {
      const typed = [1, 2, 3].map((t) => {
        const d = r.data.slice();
        d[42] = t;
        return d;
      });
      // A keepalive: the message's 32 bytes only, the IP and UDP lengths cut to them.
      const k = r.data.slice(0, 42 + 32);
      const dv = new DataView(k.buffer);
      dv.setUint16(16, k.length - 14);
      dv.setUint16(38, k.length - 34);
      return [...typed, k];
    });
    const dir = path.join(tmp, 'wg-handshakes');
    fs.mkdirSync(dir);
    writePcap(path.join(dir, 'node-1__ens33.pcap'), {
      ...nic,
      records: [...nic.records, ...repeated(framesAfter(nic.records[0], frames, 1), 20)],
    });
    const js = ingest([dir], false);
    let wg = 0;
    for (let r = nic.records.length; r < js.c.obs.length; r++) if (js.c.obs.srcPort(r) === 51820) wg++;
    expect(wg).toBe(frames.length * 20);
    expect(expectSame([dir])).toBe(js.c.obs.length - leftToJs(js));
  });

  it('takes WireGuard transport data messages, their counters as JavaScript keeps them', () => {
    // Calico's WireGuard between two nodes (calico-wireguard), 20 times over: the encrypted datagrams on the NICs
    // (their counters in the row, no flow of their own) taken as the clear packets on the pods' and wireguard.cali's
    // lanes; handshakes, keepalives and each file's first record left to JavaScript.
    const many = replicated('calico-wireguard', 'wg-many', 20);
    const js = ingest([many], false);
    const obs = js.c.obs;
    let messages = 0;
    let left = fs.readdirSync(many).filter((f) => f.endsWith('.pcap')).length; // each file's first record
    for (let r = 0; r < obs.length; r++) {
      if (obs.wireguardData(r)) messages++;
      // ARP, and WireGuard's handshakes and keepalives (on its port, no counter): JavaScript's.
      else if ((obs.flags[r] & F_IP) === 0 || obs.srcPort(r) === 51820 || obs.dstPort(r) === 51820) left++;
    }
    expect(messages).toBeGreaterThan(obs.length * 0.3);
    expect(expectSame([many])).toBeGreaterThanOrEqual(obs.length - left);
    // Not transport data: another message type or a reserved byte set, on a copy of each message (whose counter is
    // small: only the type and the reserved bytes tell), after the originals; and some cut short.
    const nic = readPcap(fixtureFiles('calico-wireguard').find((f) => f.includes('node-1__ens33'))!);
    const data = nic.records.filter((r) => r.data[23] === 17 && r.data[42] === 4 && r.data.length > 90);
    expect(data.length).toBeGreaterThan(10);
    const variants = data.flatMap((r) =>
      [
        [42, 1],
        [42, 2],
        [42, 3],
        [42, 5],
        [43, 1],
        [45, 1],
      ].map(([at, v]) => {
        const d = r.data.slice();
        d[at] = v;
        return { ...r, data: d };
      }),
    );
    // And messages cut by the snap length around the counter's end (16 bytes of the message needed).
    for (const r of data.slice(0, 4))
      for (let len = 52; len <= 60; len++) variants.push({ ...r, data: r.data.slice(0, len) });
    const other = path.join(tmp, 'wg-types');
    fs.mkdirSync(other);
    writePcap(path.join(other, 'node-1__ens33.pcap'), { ...nic, records: [...nic.records, ...variants] });
    expect(expectSame([other])).toBeGreaterThanOrEqual(data.length);
  });

  it('takes the records of `-i any` captures, each on its interface lane', () => {
    // Linux cooked v2, split into one lane per interface index (the folders' interface lists name them): every
    // fixture folder of them, and the same traffic many times over (bench/replicate.ts): every record taken but the
    // ones JavaScript must make (leftToJs: each lane's first).
    for (const scenario of ['any-flannel-vxlan', 'any-calico-ipip', 'any-broadcast']) {
      const dir = path.join(FIXTURES, scenario);
      const js = ingest([dir], false);
      expect(js.c.captures.length, scenario).toBeGreaterThan(fixtureFiles(scenario).length);
      expect(expectSame([dir]), scenario).toBe(js.c.obs.length - leftToJs(js));
    }
    const many = replicated('any-flannel-vxlan', 'any-many', 50);
    const manyJs = ingest([many], false);
    expect(expectSame([many])).toBe(manyJs.c.obs.length - leftToJs(manyJs));
    // And one record's cooked header or IP header damaged at random, 60 times (the folder's interface lists kept,
    // so the capture stays split): its interface index, protocol, address length or packet as JavaScript reads them.
    const src = path.join(FIXTURES, 'any-flannel-vxlan');
    const anyFile = fixtureFiles('any-flannel-vxlan').find((f) => f.includes('node-1__any'))!;
    const pcap = readPcap(anyFile);
    const rand = rng(4141);
    for (let k = 0; k < 60; k++) {
      const dir = path.join(tmp, `any-damaged-${k}`);
      fs.cpSync(src, dir, { recursive: true });
      const records = pcap.records.map((r) => ({ ...r }));
      const i = 2 + Math.floor(rand() * (records.length - 2));
      const data = records[i].data.slice();
      const at = [4, 5, 6, 7, 0, 1, 11, 20, 29][k % 9] + (k % 9 === 7 ? Math.floor(rand() * 20) : 0);
      if (at < data.length)
        data[at] = [0, 1, 2, 6, 0xff, data[at] + 1, data[at] ^ 0x80][Math.floor(rand() * 7)] & 0xff;
      records[i] = { ...records[i], data };
      writePcap(path.join(dir, path.basename(anyFile)), { ...pcap, records });
      expectSame([dir], false);
    }
  });

  it('takes ARP, plain, tagged, cooked and in a VXLAN tunnel, as JavaScript writes it', () => {
    // Calico's IPIP path 20 times over: a fifth of its rows ARP; every record taken but the firsts JavaScript
    // must make (of a lane, of a MAC pair).
    const many = replicated('calico-ipip', 'arp-many', 20);
    const js = ingest([many], false);
    const obs = js.c.obs;
    let arp = 0;
    for (let r = 0; r < obs.length; r++) if (obs.flags[r] & F_ARP) arp++;
    expect(arp).toBeGreaterThan(obs.length * 0.15);
    expect(expectSame([many])).toBe(obs.length - leftToJs(js));
    // The same path captured with `-i any` (Linux cooked v2, each interface its lane), 10 times over.
    const anyMany = replicated('any-calico-ipip', 'arp-any', 10);
    const anyJs = ingest([anyMany], false);
    expect(expectSame([anyMany])).toBe(anyJs.c.obs.length - leftToJs(anyJs));

    // One ARP request of the fixtures in variants: tagged (802.1Q), another hardware or protocol type (its
    // addresses not read: all ones in the row), other address lengths, a short or long body, and carried in the
    // VXLAN tunnel of a flannel packet (its outer lengths whole, claiming more than the frame holds, or less), each
    // variant 20 times (the tunnel's first copy interns it: JavaScript's).
    const eth = readPcap(fixtureFiles('calico-ipip').find((f) => f.includes('node-1__ens33'))!);
    const request = eth.records.find((r) => r.data[12] === 0x08 && r.data[13] === 0x06 && r.data[21] === 1)!;
    expect(request).toBeDefined();
    const a = request.data.subarray(0, 42);
    const tagged = Uint8Array.from([...a.subarray(0, 12), 0x81, 0x00, 0x00, 0x07, ...a.subarray(12)]);
    // (The message's bytes from 14: hardware type, protocol type, their address lengths at 18 and 19, opcode.)
    const withByte = (at: number, v: number) => {
      const d = a.slice();
      d[at] = v;
      return d;
    };
    const vx = readPcap(fixtureFiles('flannel-vxlan').find((f) => f.includes('node-1__ens33'))!);
    const outer = vx.records.find((r) => r.data[23] === 17 && r.data[36] === 0x21 && r.data[37] === 0x18)!;
    expect(outer).toBeDefined();
    const tunnelled = (inner: Uint8Array, claim = 0) => {
      const d = Uint8Array.from([...outer.data.subarray(0, 50), ...inner]);
      const dv = new DataView(d.buffer);
      dv.setUint16(16, d.length - 14 + claim);
      dv.setUint16(38, d.length - 34 + claim);
      return d;
    };
    const variants = [
      a,
      tagged,
      withByte(15, 6), // hardware type 6 (IEEE 802)
      withByte(16, 0x86), // protocol type 0x8600
      withByte(18, 8), // hardware address length 8: the addresses run past the frame's 42 bytes
      withByte(19, 16), // protocol address length 16: cut
      withByte(18, 0), // no hardware addresses
      withByte(21, 2), // a reply
      withByte(20, 0xff), // opcode 0xff01
      a.subarray(0, 41),
      request.data, // with its padding
      tunnelled(a),
      tunnelled(tagged),
      tunnelled(a, 40),
      tunnelled(a, -4), // the tunnel ends within the ARP
      tunnelled(a.subarray(0, 40)),
      tunnelled(withByte(19, 16)),
    ];
    const records = [...eth.records];
    for (let k = 0; k < 20; k++)
      for (const data of variants)
        records.push({ ...request, nsec: request.nsec + k, origLen: data.length, data });
    const dir = path.join(tmp, 'arp-variants');
    fs.mkdirSync(dir);
    writePcap(path.join(dir, 'node-1__ens33.pcap'), { ...eth, records });
    // Every copy taken but the firsts and the six cut variants (41 bytes, long addresses, a tunnel cut within it).
    const vjs = ingest([dir], false);
    expect(expectSame([dir])).toBe(vjs.c.obs.length - leftToJs(vjs) - 6 * 20);
    const arpRows = (encap: boolean) => {
      let n = 0;
      for (let r = eth.records.length; r < vjs.c.obs.length; r++)
        if (vjs.c.obs.flags[r] & F_ARP && vjs.c.obs.encapCount[r] > 0 === encap) n++;
      return n;
    };
    expect(arpRows(true)).toBe(20 * 3);
    expect(arpRows(false)).toBe(20 * 8);
  });

  it('reads VXLAN and Geneve on the ports the decode options name, as JavaScript does', () => {
    // flannel's VXLAN on 8472 and Antrea's Geneve on 6081: as tunnels by default, as plain UDP when the options
    // leave their port out, and 8472 named for both (VXLAN first, as the decoders test them).
    const flannel = path.join(FIXTURES, 'flannel-vxlan');
    const antrea = path.join(FIXTURES, 'antrea-geneve');
    const tunnelled = (dir: string, decode?: DecodeOptions) => {
      const obs = ingest([dir], false, decode).c.obs;
      let n = 0;
      for (let r = 0; r < obs.length; r++) if (obs.encapCount[r] > 0) n++;
      return n;
    };
    const options: [string, DecodeOptions | undefined, boolean][] = [
      [flannel, { ...DEFAULT_DECODE_OPTIONS, vxlanPorts: [4789] }, false],
      [flannel, { ...DEFAULT_DECODE_OPTIONS, vxlanPorts: [8472], genevePorts: [8472] }, true],
      [antrea, { ...DEFAULT_DECODE_OPTIONS, genevePorts: [] }, false],
      [antrea, { ...DEFAULT_DECODE_OPTIONS, genevePorts: [6081, 70000, 1.5] }, true],
    ];
    // And Antrea's Geneve moved to UDP 7081 (its datagrams' destination port rewritten), with the options naming it.
    const moved = path.join(tmp, 'geneve-7081');
    fs.cpSync(antrea, moved, { recursive: true });
    let rewritten = 0;
    for (const f of fixtureFiles('antrea-geneve')) {
      const pcap = readPcap(f);
      const records = pcap.records.map((r) => {
        if (r.data.length < 38 || r.data[23] !== 17 || r.data[36] !== 0x17 || r.data[37] !== 0xc1) return r;
        const data = r.data.slice();
        data[36] = 0x1b;
        data[37] = 0xa9;
        rewritten++;
        return { ...r, data };
      });
      writePcap(path.join(moved, path.basename(f)), { ...pcap, records });
    }
    expect(rewritten).toBeGreaterThan(4);
    options.push(
      [moved, { ...DEFAULT_DECODE_OPTIONS, genevePorts: [7081] }, true],
      [moved, undefined, false],
    );
    for (const [dir, decode, tunnels] of options) {
      expect(tunnelled(dir, decode) > 0, `${dir} ${JSON.stringify(decode)}`).toBe(tunnels);
      expect(expectSame([dir], true, decode)).toBeGreaterThan(
        ingest([dir], false, decode).c.obs.length * 0.6,
      );
    }
    expect(tunnelled(flannel)).toBeGreaterThan(0);
    expect(tunnelled(antrea)).toBeGreaterThan(0);
  });

  it('takes SCTP, IGMP, GRE and the other IPv4 protocols, as JavaScript reads them', () => {
    // The IGMP queries of frag-igmp and the GRE and SCTP (IPv4 and IPv6) packets of ip-protocols and
    // sctp-flannel-vxlan (in VXLAN too), each 20 times more after the recordings: every copy taken (SCTP keyed on its
    // verification tag, with its ports' flow; IGMP and GRE on their addresses; the payload's first bytes the tail).
    const copies: Record<number, number> = {};
    for (const [scenario, protos] of [
      ['frag-igmp', [2]],
      ['ip-protocols', [47, 132]],
      ['sctp-flannel-vxlan', [132]],
    ] as const) {
      const dir = path.join(tmp, `protocols-${scenario}`);
      fs.mkdirSync(dir);
      let picked = 0;
      for (const f of fixtureFiles(scenario)) {
        const pcap = readPcap(f);
        const js1 = ingest([f], false).c.obs;
        // (One row per record on one file: row i is record i.)
        const chosen: PcapRecord[] = [];
        pcap.records.forEach((r, i) => {
          const p = js1.proto(i);
          if (!(protos as readonly number[]).includes(p)) return;
          chosen.push(r);
          copies[p] = (copies[p] ?? 0) + 20;
        });
        const records = [...pcap.records];
        records.push(...repeated(chosen, 20));
        writePcap(path.join(dir, path.basename(f)), { ...pcap, records });
        picked += chosen.length * 20;
      }
      // The copies outnumber the recordings' rows: with any kind of them untaken, the count falls short.
      const recorded = ingest([dir], false).c.obs.length - picked;
      expect(picked, scenario).toBeGreaterThan(recorded);
      expect(expectSame([dir]), scenario).toBeGreaterThanOrEqual(picked);
    }
    expect(copies[2]).toBeGreaterThanOrEqual(100);
    expect(copies[47]).toBeGreaterThanOrEqual(60);
    expect(copies[132]).toBeGreaterThanOrEqual(200);
  });

  it('takes IPv6 neighbour discovery and link-local packets, their addresses in the key as JavaScript does', () => {
    // ipv6-link-local's ICMPv6 without extension headers (neighbour solicitations and advertisements, echo to and
    // from link-local addresses), 20 times more after the recording (MLD, behind a hop-by-hop header: the next
    // test). And each of them with its addresses, checksum or type changed, 5 times.
    const dir = path.join(tmp, 'link-local');
    fs.mkdirSync(dir);
    let picked = 0;
    let changed = 0;
    const types = new Set<number>();
    for (const f of fixtureFiles('ipv6-link-local')) {
      const pcap = readPcap(f);
      const chosen = pcap.records.filter(
        (r) => r.data.length >= 62 && r.data[12] === 0x86 && r.data[13] === 0xdd && r.data[20] === 58,
      );
      chosen.forEach((r) => types.add(r.data[54]));
      const variants: Uint8Array[] = [];
      for (const r of chosen)
        for (const [at, v] of [
          [23, 0x01], // a source address byte
          [22, 0x20], // the source no longer link-local (fe80 → fe20…)
          [38, 0xfe], // the destination's first byte
          [56, 0x00], // the checksum
          [54, 4], // an error (parameter problem): JavaScript's
          [54, 1],
          [54, 135],
          [54, 150],
        ] as const) {
          const d = r.data.slice();
          d[at] = v;
          variants.push(d);
        }
      const records = [...pcap.records];
      records.push(...repeated(chosen, 20));
      records.push(...framesAfter(pcap.records[0], variants, 5));
      writePcap(path.join(dir, path.basename(f)), { ...pcap, records });
      picked += chosen.length * 20;
      changed += variants.length * 5;
    }
    expect([...types].sort((a, b) => a - b)).toEqual(expect.arrayContaining([128, 129, 135, 136]));
    // The copies outnumber the recording's rows (the changed ones aside): untaken, the count falls short.
    const recorded = ingest([dir], false).c.obs.length - picked - changed;
    expect(picked).toBeGreaterThan(recorded);
    expect(expectSame([dir])).toBeGreaterThanOrEqual(picked);
  });

  it('walks IPv6 hop-by-hop, routing, destination options and AH headers as JavaScript does (MLD)', () => {
    // `frame` (Ethernet, IPv6, an extension header first) with headers of `types` put after its first one: each of
    // 8 bytes (its next header, length 0, a PadN option), or AH's 12 (length 1), the payload length grown.
    const chained = (frame: Uint8Array, types: number[]): Uint8Array => {
      let d = frame.slice();
      for (const type of types) {
        const q = 54 + (d[55] + 1) * 8;
        const added =
          type === 51
            ? Uint8Array.of(d[54], 1, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1)
            : Uint8Array.of(d[54], 0, 1, 4, 0, 0, 0, 0);
        d = Uint8Array.from([...d.subarray(0, q), ...added, ...d.subarray(q)]);
        d[54] = type;
        const dv = new DataView(d.buffer);
        dv.setUint16(18, dv.getUint16(18) + added.length);
      }
      return d;
    };
    // ipv6-link-local's MLD reports (a hop-by-hop header's router alert) 20 times over, taken; and the IPv6 packets
    // of it and of ipv6-ext with an extension header first, each with that header's next header or length changed,
    // a second header chained, or cut inside it, 3 times each (a fragment or AH header: JavaScript's).
    const dir = path.join(tmp, 'ext6');
    fs.mkdirSync(dir);
    let copies = 0;
    let variantCount = 0;
    const longerRecords: PcapRecord[] = [];
    let longerHeader: ReturnType<typeof readPcap> | undefined;
    for (const { scenario, file: f, pcap, link } of classicPcaps(['ipv6-link-local', 'ipv6-ext'])) {
      if (link !== 1) continue;
      const ext = pcap.records.filter(
        (r) =>
          r.data.length >= 64 &&
          r.data[12] === 0x86 &&
          r.data[13] === 0xdd &&
          [0, 43, 60].includes(r.data[20]),
      );
      const mld = ext.filter((r) => r.data[20] === 0 && r.data[54] === 58);
      const variants: Uint8Array[] = [];
      for (const r of ext) {
        for (const v of [0, 1, 3, 0xff]) {
          const d = r.data.slice();
          d[55] = v; // the first header's length
          variants.push(d);
        }
        for (const v of [0, 43, 44, 51, 59, 60, 6, 17, 58]) {
          const d = r.data.slice();
          d[54] = v; // its next header
          variants.push(d);
        }
        for (const len of [55, 56, 60, 62, 63]) variants.push(r.data.slice(0, len));
        for (const chain of [[44], Array(8).fill(60), [51, 51]]) variants.push(chained(r.data, chain));
      }
      // Another header after the first (routing, destination options, AH), or 7 more destination options
      // headers (8 in all), each MLD report so: taken too (a fragment header, or a ninth header: JavaScript's).
      const longer = mld.flatMap((r) => [[43], [60], [51], Array(7).fill(60)].map((c) => chained(r.data, c)));
      const records = [...pcap.records];
      records.push(...repeated(mld, 20));
      const more = framesAfter(pcap.records[0], longer, 20, 60);
      records.push(...more);
      longerRecords.push(...more);
      longerHeader ??= pcap;
      records.push(...framesAfter(pcap.records[0], variants, 3));
      const out = path.join(dir, `${scenario}-${path.basename(f)}`);
      writePcap(out, { ...pcap, records });
      copies += (mld.length + longer.length) * 20;
      variantCount += variants.length * 3;
    }
    expect(copies).toBeGreaterThanOrEqual(200);
    expect(variantCount).toBeGreaterThanOrEqual(300);
    const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
    const recorded = ingest(files, false).c.obs.length - copies - variantCount;
    expect(copies).toBeGreaterThan(recorded);
    expect(expectSame(files, false)).toBeGreaterThanOrEqual(copies);
    // The reports with more headers alone: every one taken but the lane's and each MAC pair's first.
    const alone = path.join(tmp, 'ext6-longer');
    fs.mkdirSync(alone);
    writePcap(path.join(alone, 'node-1__eth0.pcap'), { ...longerHeader!, records: longerRecords });
    const lj = ingest([alone], false);
    expect(longerRecords.length).toBeGreaterThanOrEqual(4 * 20 * 3);
    expect(expectSame([alone], false)).toBe(lj.c.obs.length - leftToJs(lj));
  });

  it('takes IPv4 fragments, first and later, as JavaScript reads them', () => {
    // frag-igmp's IPv4 fragments (a ping and a datagram larger than the link) 20 times over, taken; and packets of
    // frag-igmp, flannel-vxlan and calico-ipip made fragments (MF set, an offset set, both), a first UDP fragment
    // with a length past the fragment or under 8, a VXLAN or IPIP packet's first fragment (no tunnel then), 3 times
    // each.
    const dir = path.join(tmp, 'frag4');
    fs.mkdirSync(dir);
    let copies = 0;
    let changed = 0;
    for (const scenario of ['frag-igmp', 'flannel-vxlan', 'calico-ipip']) {
      for (const f of fixtureFiles(scenario)) {
        const pcap = readPcap(f);
        if (new DataView(pcap.header.buffer).getUint32(20, true) !== 1) continue;
        const ip4 = pcap.records.filter(
          (r) => r.data.length >= 42 && r.data[12] === 0x08 && r.data[13] === 0x00,
        );
        const frags = ip4.filter((r) => ((r.data[20] << 8) | r.data[21]) & 0x3fff);
        const variants: Uint8Array[] = [];
        for (const r of ip4.slice(0, 12)) {
          for (const [hi, lo] of [
            [0x20, 0x00], // MF: a first fragment
            [0x00, 0xb9], // offset 1480: the last fragment
            [0x20, 0x01], // MF and offset 8
            [0x40, 0x00], // DF only: no fragment
          ]) {
            const d = r.data.slice();
            d[20] = hi;
            d[21] = lo;
            variants.push(d);
            if (d[23] === 17 && hi === 0x20 && lo === 0) {
              for (const len of [0, 7, 0xffff]) {
                const u = d.slice();
                u[38] = len >> 8;
                u[39] = len & 0xff;
                variants.push(u);
              }
            }
          }
        }
        const records = [...pcap.records];
        records.push(...repeated(frags, 20));
        records.push(...framesAfter(pcap.records[0], variants, 3));
        writePcap(path.join(dir, `${scenario}-${path.basename(f)}`), { ...pcap, records });
        copies += frags.length * 20;
        changed += variants.length * 3;
      }
    }
    expect(copies).toBeGreaterThanOrEqual(80);
    expect(changed).toBeGreaterThanOrEqual(300);
    const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
    const js = ingest(files, false);
    let fragmentRows = 0;
    for (let r = 0; r < js.c.obs.length; r++) if (js.c.obs.missing[r] & M_FRAGMENT) fragmentRows++;
    expect(fragmentRows).toBeGreaterThan(copies);
    const recorded = js.c.obs.length - copies - changed;
    expect(copies).toBeGreaterThan(recorded / 4);
    // Every copy and most changed packets taken (the recordings' other rows are far fewer than the copies).
    expect(expectSame(files)).toBeGreaterThanOrEqual(copies + changed / 2);
  });

  it('takes Linux cooked v1 captures (`-i any` with libpcap before 1.10), each file one lane', () => {
    // The `-i any` fixtures' records with their cooked v2 header made v1 (packet type, hardware type, address
    // length, address, protocol: no interface index), link type 113; then 10 times over; then one record's header
    // damaged or cut, 60 times.
    const v1 = (d: Uint8Array): Uint8Array => {
      if (d.length < 20) return d.slice(0, Math.max(0, d.length - 4));
      const h = new Uint8Array(16);
      h[1] = d[10]; // packet type (16 bits)
      h[2] = d[8]; // hardware type
      h[3] = d[9];
      h[5] = d[11]; // address length (16 bits)
      h.set(d.subarray(12, 20), 6);
      h[14] = d[0]; // protocol
      h[15] = d[1];
      return Uint8Array.from([...h, ...d.subarray(20)]);
    };
    const toV1 = (scenario: string, out: string): { file: string; pcap: ReturnType<typeof readPcap> }[] => {
      // The folder's interface lists too (a folder with them splits a v2 capture by interface index; v1 has none).
      fs.cpSync(path.join(FIXTURES, scenario), out, { recursive: true });
      return fixtureFiles(scenario).map((f) => {
        const pcap = readPcap(f);
        const header = pcap.header.slice();
        new DataView(header.buffer).setUint32(20, 113, true);
        const records = pcap.records.map((r) => ({ ...r, origLen: r.origLen - 4, data: v1(r.data) }));
        const file = path.join(out, path.basename(f));
        writePcap(file, { ...pcap, header, records });
        return { file, pcap: { ...pcap, header, records } };
      });
    };
    for (const scenario of ['any-flannel-vxlan', 'any-calico-ipip', 'any-broadcast']) {
      const dir = path.join(tmp, `v1-${scenario}`);
      const files = toV1(scenario, dir).map((x) => x.file);
      const whole = ingest([dir], false);
      expect(whole.c.captures.length, scenario).toBe(files.length);
      expect(expectSame([dir]), scenario).toBe(whole.c.obs.length - leftToJs(whole));
      const js = ingest(files, false);
      expect(js.c.captures.length, scenario).toBe(files.length);
      expect(expectSame(files), scenario).toBe(js.c.obs.length - leftToJs(js));
    }
    const [first] = toV1('any-flannel-vxlan', path.join(tmp, 'v1-base'));
    const many = path.join(tmp, 'v1-many');
    fs.mkdirSync(many);
    const records = Array.from({ length: 10 }, (_, k) =>
      first.pcap.records.map((r) => ({ ...r, sec: r.sec + k * 100 })),
    ).flat();
    writePcap(path.join(many, 'node-1__any.pcap'), { ...first.pcap, records });
    const manyJs = ingest([many], false);
    expect(expectSame([many])).toBe(manyJs.c.obs.length - leftToJs(manyJs));
    const rand = rng(1130);
    for (let k = 0; k < 60; k++) {
      const dir = path.join(tmp, `v1-damaged-${k}`);
      fs.mkdirSync(dir);
      const recs = first.pcap.records.map((r) => ({ ...r }));
      const i = 2 + Math.floor(rand() * (recs.length - 2));
      const data = recs[i].data.slice();
      const at = Math.floor(rand() * 18);
      if (k % 5 === 4) recs[i] = { ...recs[i], data: data.subarray(0, at) };
      else {
        data[at] = [0, 1, 4, 6, 8, 0xff, data[at] + 1, data[at] ^ 0x80][Math.floor(rand() * 8)] & 0xff;
        recs[i] = { ...recs[i], data };
      }
      writePcap(path.join(dir, 'node-1__any.pcap'), { ...first.pcap, records: recs });
      expectSame([dir], false);
    }
  });

  it('takes the pings of a link type RAW capture (Calico tunl0) after its first record', () => {
    const files = fixtureFiles('calico-ipip').filter((f) => f.includes('tunl0'));
    expect(files.length).toBe(2);
    const taken = expectSame(files);
    expect(taken).toBe(ingest(files, false).c.obs.length - files.length);
  });

  it('takes nearly every row of a generated 8-file VXLAN and IPIP path, and gives the same rows', () => {
    // Files of ~1.4 MB: records that span the reader's 1 MiB chunks (the JavaScript path's), offsets past one chunk.
    const dir = path.join(tmp, 'gen');
    generate({ outDir: dir, journeys: 10_000, seed: 5, extras: false });
    for (const f of fs.readdirSync(path.join(dir, 'path')))
      expect(fs.statSync(path.join(dir, 'path', f)).size).toBeGreaterThan(1 << 20);
    const args = [path.join(dir, 'path')];
    const taken = expectSame(args);
    const total = ingest(args, false).c.obs.length;
    expect(total).toBeGreaterThan(70_000);
    expect(taken).toBeGreaterThan(total * 0.99);
  });

  it('gives the JavaScript rows on frames damaged at random', () => {
    // Every Ethernet fixture's records, each one damaged one way or not at all: a byte in its headers changed (so
    // versions, lengths, ports, flags, ICMP types, VXLAN and IPIP headers go wrong), its frame cut short, its
    // time's fraction out of range or its time moved back.
    const rand = rng(2811);
    const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)];
    let files = 0;
    let taken = 0;
    for (const { scenario, file, pcap, link } of classicPcaps(scenarios)) {
      if (link !== 1) continue;
      const records: PcapRecord[] = pcap.records.map((r) => {
        const data = r.data.slice();
        const what = rand();
        if (what < 0.45 && data.length > 0) {
          // A byte of a header the decoder read: the outer or inner IP header, the L4 header, or (tunnels) what
          // lies between, set to a value near its own or one that means something there.
          decodeFields(data, 1, fields, { ...DEFAULT_DECODE_OPTIONS, key: false });
          const starts = [14, 18, fields.ipOffset, fields.l4Offset, fields.payloadOffset - 8].filter(
            (x) => x >= 0 && x < data.length,
          );
          const at = Math.min(data.length - 1, pick(starts) + Math.floor(rand() * 24));
          const v = data[at];
          data[at] = pick([v + 1, v - 1, v + 4, v - 4, v ^ 0x80, v ^ 1, ...INTERESTING]) & 0xff;
        } else if (what < 0.6 && data.length > 14) {
          return { ...r, data: data.subarray(0, 14 + Math.floor(rand() * (data.length - 14))) };
        } else if (what < 0.65) {
          return { ...r, nsec: pcap.nano ? 1e9 + Math.floor(rand() * 1e6) : r.nsec };
        } else if (what < 0.7) {
          return { ...r, sec: r.sec - 1 };
        }
        return { ...r, data };
      });
      const out = path.join(tmp, 'damaged', scenario, path.basename(file));
      fs.mkdirSync(path.dirname(out), { recursive: true });
      writePcap(out, { ...pcap, records });
      files++;
    }
    expect(files).toBeGreaterThan(60);
    for (const dir of fs.readdirSync(path.join(tmp, 'damaged')))
      taken += expectSame([path.join(tmp, 'damaged', dir)]);
    expect(taken).toBeGreaterThan(1000);
  });

  it('gives the JavaScript rows on every one-byte change and every cut of its kinds of frame', () => {
    // One frame of each kind the fixtures hold (by tunnel, protocol, ICMP type, TCP flags, VLAN tag), then every
    // header byte of it set to each value that means something there (and its neighbours), and the frame cut at
    // every length: each variant a record, compared row by row.
    // Ethernet, RAW (tunl0) and Linux cooked v2 (`-i any`) frames, each kind in a file of its link type.
    const bases = new Map<string, PcapRecord>();
    const headers = new Map<number, { header: Uint8Array; nano: boolean }>();
    const linkOf = new Map<PcapRecord, number>();
    for (const { pcap, link } of classicPcaps(scenarios)) {
      if (link !== 1 && link !== 101 && link !== 276) continue;
      if (!headers.has(link)) headers.set(link, { header: pcap.header, nano: pcap.nano });
      for (const r of pcap.records) {
        decodeFields(r.data, link, fields, { ...DEFAULT_DECODE_OPTIONS, key: false });
        const kind = [
          link,
          fields.encapCount > 0 ? fields.encapType[0] : -1,
          fields.encapCount,
          fields.vlan >= 0,
          fields.ipVersion,
          fields.proto,
          fields.icmpType,
          fields.tcpFlags,
          fields.status,
        ].join();
        if (!bases.has(kind)) {
          bases.set(kind, r);
          linkOf.set(r, link);
        }
      }
    }
    expect(bases.size).toBeGreaterThan(40);
    expect([...headers.keys()].sort((a, b) => a - b)).toEqual([1, 101, 276]);
    const dir = path.join(tmp, 'variants');
    fs.mkdirSync(dir, { recursive: true });
    let total = 0;
    for (const [link, { header, nano }] of headers) {
      const records: PcapRecord[] = [];
      for (const base of [...bases.values()].filter((b) => linkOf.get(b) === link)) {
        const n = Math.min(base.data.length, 130);
        for (let at = link === 1 ? 12 : 0; at < n; at++) {
          const v = base.data[at];
          for (const x of new Set([v + 1, v - 1, v ^ 0x80, v ^ 0x0f, ...INTERESTING])) {
            const data = base.data.slice();
            data[at] = x & 0xff;
            records.push({ ...base, data });
          }
        }
        for (let len = 0; len < base.data.length; len++)
          records.push({ ...base, data: base.data.subarray(0, len) });
      }
      const name = { 1: 'node-1__eth0.pcap', 101: 'node-1__tunl0.pcap', 276: 'node-1__any.pcap' }[link]!;
      writePcap(path.join(dir, name), {
        header,
        nano,
        records,
      });
      total += records.length;
    }
    expect(total).toBeGreaterThan(100_000);
    // (Most variants are IPv6, ARP, fragments, errors or broken: left to JavaScript.) Rows and lanes only: the
    // journeys of a quarter million copies of 50 packets take seconds, and are made of nothing else.
    expect(expectSame([dir], false)).toBeGreaterThan(20_000);
  });

  it('gives the JavaScript rows on pcapng copies of the fixtures, taking most of their packet blocks', () => {
    // editcap's pcapng (one interface per file, nanosecond timestamps kept), and microsecond ones made through a
    // microsecond pcap; a two-interface file (mergecap).
    const ng = path.join(tmp, 'pcapng');
    let taken = 0;
    let rows = 0;
    for (const scenario of scenarios) {
      const files = fixtureFiles(scenario).filter((f) => {
        try {
          readPcap(f);
          return true;
        } catch {
          return false; // big-endian or pcapng already
        }
      });
      if (files.length === 0) continue;
      const dir = path.join(ng, scenario);
      fs.mkdirSync(dir, { recursive: true });
      for (const f of files) {
        const out = path.join(dir, path.basename(f).replace(/\.pcap$/, '.pcapng'));
        if (scenario.startsWith('flannel-vxlan')) {
          const usec = path.join(tmp, 'usec.pcap');
          execFileSync('editcap', ['-F', 'pcap', f, usec]);
          execFileSync('editcap', ['-F', 'pcapng', usec, out]);
        } else execFileSync('editcap', ['-F', 'pcapng', f, out]);
      }
      taken += expectSame([dir]);
      rows += ingest([dir], false).c.obs.length;
    }
    expect(taken).toBeGreaterThan(rows * 0.5);
    const flannel = [path.join(ng, 'flannel-vxlan-20s')];
    expect(expectSame(flannel)).toBeGreaterThan(ingest(flannel, false).c.obs.length * 0.9);
    const merged = path.join(tmp, 'merged');
    fs.mkdirSync(merged);
    // Two interfaces (mergecap -I none): each one's packet blocks on its lane, after its first.
    const both = path.join(merged, 'node-1__both.pcapng');
    execFileSync('mergecap', [
      '-I',
      'none',
      '-F',
      'pcapng',
      '-w',
      both,
      ...fixtureFiles('flannel-vxlan-20s').slice(0, 2),
    ]);
    expect(ingest([merged], false).c.captures.length).toBe(2);
    const mergedRows = ingest([merged], false).c.obs.length;
    expect(expectSame([merged])).toBeGreaterThan(mergedRows * 0.85);
  });

  it('takes the packet blocks of every interface of a pcapng file, each on its own lane', () => {
    // One section, six interfaces, their blocks in turn: RAW IP (Calico's tunl0), Ethernet in ns, Ethernet in µs,
    // then two it must leave to JavaScript (an if_tsoffset, binary timestamp units), and one whose rows go back in
    // time (its lane unsorted). Everything must be as JavaScript reads it; only the first four and the last taken.
    const vx = fixtureFiles('flannel-vxlan-20s').map(readPcap);
    const tunl = readPcap(fixtureFiles('calico-ipip').find((f) => f.includes('node-1__tunl0'))!);
    const back = vx[3].records.slice(0, 40);
    [back[10], back[20]] = [back[20], back[10]];
    const lanes: NgInterface[] = [
      { name: 'tunl0', linkType: 101, records: tunl.records },
      { name: 'eth-ns', linkType: 1, records: vx[0].records },
      { name: 'eth-us', linkType: 1, resol: 6, records: vx[1].records },
      { name: 'offset', linkType: 1, offsetSec: 3600, records: vx[2].records.slice(0, 30) },
      { name: 'binary', linkType: 1, resol: 0x80 | 20, records: vx[2].records.slice(30, 60) },
      { name: 'back', linkType: 1, records: back },
    ];
    const dir = path.join(tmp, 'six');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'node-1__six.pcapng'), pcapngOf(lanes));
    const js = ingest([dir], false);
    expect(js.c.captures.map((c) => c.iface)).toEqual(lanes.map((l) => l.name));
    expect(js.c.ingestPart(0).captures[5].unsorted).toBe(true);
    const takeable = [0, 1, 2, 5].reduce((n, i) => n + lanes[i].records.length, 0);
    const taken = expectSame([dir]);
    expect(taken).toBeGreaterThan(takeable * 0.85);
    expect(taken).toBeLessThanOrEqual(takeable - 4);
    // Each interface's snaplen: the second's is below its twelfth packet's length (the reader stops there).
    const short = vx[0].records.slice(0, 12);
    const snap = Math.min(...short.slice(0, 11).map((r) => r.data.length));
    short[11] = { ...short[11], data: new Uint8Array([...short[11].data, ...new Uint8Array(snap)]) };
    const snapDir = path.join(tmp, 'snap');
    fs.mkdirSync(snapDir);
    const two = [
      { name: 'a', linkType: 1, records: vx[1].records.slice(0, 12) },
      { name: 'b', linkType: 1, snaplen: snap + 4, records: short },
    ];
    fs.writeFileSync(path.join(snapDir, 'node-1__two.pcapng'), pcapngOf(two));
    expect(ingest([snapDir], false).ingest.problems.map((p) => p.problem.code)).toEqual(['PCAP_MALFORMED']);
    expect(expectSame([snapDir])).toBeGreaterThan(12);
  });

  it('takes Geneve with options and with an IP packet straight inside, as JavaScript reads them', () => {
    // Antrea's Geneve frames (Ethernet inside, one option or none) rewritten: two option TLVs more, or the inner
    // Ethernet header dropped (protocol type 0x0800); the outer IP and UDP lengths follow. Every Geneve row of the
    // rewritten files is taken as the untouched ones are, and gives what JavaScript gives.
    const original = fixtureFiles('antrea-geneve');
    const genevePort = (d: Uint8Array) =>
      d[12] === 0x08 && d[13] === 0 && d[14] === 0x45 && d[23] === 17 && ((d[36] << 8) | d[37]) === 6081;
    const resize = (d: Uint8Array, grow: number) => {
      const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
      dv.setUint16(16, dv.getUint16(16) + grow);
      dv.setUint16(38, dv.getUint16(38) + grow);
      return d;
    };
    const rewrite = {
      options: (d: Uint8Array) => {
        const opts = [0x01, 0x02, 0x80, 0x01, 0xaa, 0xbb, 0xcc, 0xdd, 0x01, 0x03, 0x05, 0x00];
        const out = new Uint8Array([...d.subarray(0, 50), ...opts, ...d.subarray(50)]);
        out[42] += opts.length / 4; // (after Antrea's own option, when it has one)
        return resize(out, opts.length);
      },
      ip: (d: Uint8Array) => {
        const inner = 50 + (d[42] & 0x3f) * 4;
        if (d[inner + 12] !== 0x08 || d[inner + 13] !== 0) return d;
        const out = new Uint8Array([...d.subarray(0, inner), ...d.subarray(inner + 14)]);
        out[44] = 0x08;
        out[45] = 0;
        return resize(out, -14);
      },
    };
    const base = expectSame([path.join(FIXTURES, 'antrea-geneve')]);
    // On the NICs, whose traffic is Geneve: all but the first row of each tunnel's direction (interned by JavaScript).
    const nics = original.filter((f) => f.includes('__ens33'));
    const geneveRows = nics.flatMap((f) => readPcap(f).records).filter((r) => genevePort(r.data)).length;
    expect(geneveRows).toBeGreaterThanOrEqual(12);
    expect(expectSame(nics)).toBeGreaterThanOrEqual(geneveRows - 4);
    let rewritten = 0;
    for (const [name, fn] of Object.entries(rewrite)) {
      const dir = path.join(tmp, `geneve-${name}`);
      fs.mkdirSync(dir);
      for (const f of original) {
        const pcap = readPcap(f);
        pcap.records = pcap.records.map((r) => {
          if (!genevePort(r.data)) return r;
          rewritten++;
          const data = fn(r.data);
          return { ...r, data, origLen: r.origLen + data.length - r.data.length };
        });
        writePcap(path.join(dir, path.basename(f)), pcap);
      }
      expect(expectSame([dir]), name).toBe(base);
    }
    expect(rewritten).toBeGreaterThan(20);
  });

  it('takes the packet blocks of our own pcapng export read again', () => {
    // Two nodes' eight interfaces in one file, in time order (the lane changes nearly every block), each block with
    // its journey's comment and packet id: read back as the same lanes and journeys, and nearly all through here.
    const out = path.join(tmp, 'again');
    fs.mkdirSync(out);
    const file = path.join(out, 'export.pcapng');
    execFileSync(process.execPath, [
      path.join(ROOT, 'bin/hopscope.mjs'),
      'export',
      '--pcapng',
      file,
      path.join(FIXTURES, 'flannel-vxlan-20s'),
    ]);
    const js = ingest([file], false);
    expect(js.c.captures.length).toBe(fixtureFiles('flannel-vxlan-20s').length);
    expect(expectSame([file])).toBeGreaterThan(js.c.obs.length * 0.85);
    // And with one block damaged at random (its framing, interface id, timestamp, lengths or frame), 60 times: the
    // lanes change block by block, so a wrong interface or length would show on every lane after it.
    const bytes = fs.readFileSync(file);
    const blocks: number[] = [];
    for (let p = 0; p + 8 <= bytes.length; p += bytes.readUInt32LE(p + 4))
      if (bytes.readUInt32LE(p) === 6) blocks.push(p);
    expect(blocks.length).toBeGreaterThan(400);
    const rand = rng(2929);
    for (let k = 0; k < 60; k++) {
      const b = Buffer.from(bytes);
      const p = blocks[10 + Math.floor(rand() * (blocks.length - 10))];
      const field = [0, 4, 8, 12, 16, 20, 24, 28 + 12, 28 + 14 + 9, 28 + 23][k % 10];
      const at = p + field + Math.floor(rand() * 4);
      b[at] = [0, 1, 2, 7, 0xff, b[at] + 1, b[at] - 1, b[at] ^ 0x80][Math.floor(rand() * 8)] & 0xff;
      const one = path.join(out, `damaged-${k}`);
      fs.mkdirSync(one);
      fs.writeFileSync(path.join(one, 'export.pcapng'), b);
      expectSame([one], false);
    }
  });

  it('gives the JavaScript rows on pcapng files with one packet block damaged', () => {
    // A byte of one block's framing or fields (type, lengths, interface, timestamp, captured and original lengths,
    // trailing length) changed: the reader stops there or reads on, and the module must do what it does.
    const src = path.join(tmp, 'ng-src.pcapng');
    execFileSync('editcap', ['-F', 'pcapng', fixtureFiles('flannel-vxlan-20s')[1], src]);
    const bytes = fs.readFileSync(src);
    const blocks: number[] = [];
    for (let p = 0; p + 8 <= bytes.length; p += bytes.readUInt32LE(p + 4))
      if (bytes.readUInt32LE(p) === 6) blocks.push(p);
    expect(blocks.length).toBeGreaterThan(20);
    const rand = rng(77);
    const dir = path.join(tmp, 'ng-damaged');
    for (let k = 0; k < 60; k++) {
      const b = Buffer.from(bytes);
      const p = blocks[2 + Math.floor(rand() * (blocks.length - 2))];
      const len = b.readUInt32LE(p + 4);
      const field = [0, 4, 8, 12, 16, 20, 24, len - 4][k % 8];
      const at = p + field + Math.floor(rand() * 4);
      b[at] = [0, 1, 2, 0xff, b[at] + 1, b[at] - 1, b[at] ^ 0x80][Math.floor(rand() * 7)] & 0xff;
      const one = path.join(dir, String(k));
      fs.mkdirSync(one, { recursive: true });
      fs.writeFileSync(path.join(one, 'node-1__ens33.pcapng'), b);
      expectSame([one], false);
    }
    // And on purpose: a captured length 1 to 4 bytes past its block's room, and an interface whose snaplen its
    // packets exceed (both refused by the reader).
    const cases: Buffer[] = [];
    for (let over = 1; over <= 4; over++) {
      const b = Buffer.from(bytes);
      const p = blocks[5];
      b.writeUInt32LE(b.readUInt32LE(p + 4) - 32 + over, p + 20);
      cases.push(b);
    }
    // (The twelfth packet 20 bytes longer than the others, its interface's snaplen the others' length.)
    const pcap = readPcap(fixtureFiles('flannel-vxlan-20s')[1]);
    const first = pcap.records[0].data.length;
    expect(pcap.records.slice(0, 12).every((r) => r.data.length === first)).toBe(true);
    pcap.records[11] = {
      ...pcap.records[11],
      data: new Uint8Array([...pcap.records[11].data, ...new Uint8Array(20)]),
    };
    const longer = path.join(tmp, 'longer.pcap');
    writePcap(longer, pcap);
    execFileSync('editcap', ['-F', 'pcapng', longer, longer + 'ng']);
    const snap = fs.readFileSync(longer + 'ng');
    const idb = snap.readUInt32LE(4); // the IDB follows the SHB
    expect(snap.readUInt32LE(idb)).toBe(1);
    snap.writeUInt32LE(first, idb + 12);
    cases.push(snap);
    cases.forEach((b, k) => {
      const one = path.join(dir, `case${k}`);
      fs.mkdirSync(one, { recursive: true });
      fs.writeFileSync(path.join(one, 'node-1__ens33.pcapng'), b);
      expectSame([one], false);
    });
  });

  it('gives the JavaScript rows on the one-byte variants as pcapng', () => {
    const dir = path.join(tmp, 'variants');
    const ng = path.join(tmp, 'variants-ng');
    fs.mkdirSync(ng, { recursive: true });
    for (const f of fs.readdirSync(dir))
      execFileSync('editcap', [
        '-F',
        'pcapng',
        path.join(dir, f),
        path.join(ng, f.replace(/\.pcap$/, '.pcapng')),
      ]);
    expect(expectSame([ng], false)).toBeGreaterThan(20_000);
  });

  it('gives the JavaScript rows past 65,535 MAC pairs (its table full, the column widened)', () => {
    // 70,000 frames of as many source MACs, then the same again: the table interns past 16 bits (ethPair widens to
    // 32), the module learns pairs until its table is full and leaves the rest, and ids past 16 bits, to JavaScript.
    const base = readPcap(fixtureFiles('flannel-vxlan')[0]);
    const ping = base.records.find((r) => r.data[12] === 0x08 && r.data[13] === 0x00 && r.data[23] === 1)!;
    const records: PcapRecord[] = [];
    for (let pass = 0; pass < 2; pass++)
      for (let i = 0; i < 70_000; i++) {
        const data = ping.data.slice();
        data[8] = i >> 16;
        data[9] = (i >> 8) & 0xff;
        data[10] = i & 0xff;
        data[18] = i & 0xff; // another IP id each: another packet
        data[19] = pass;
        records.push({ ...ping, nsec: (ping.nsec + pass * 70_000 + i) % 1e9, data });
      }
    const dir = path.join(tmp, 'macs');
    fs.mkdirSync(dir, { recursive: true });
    writePcap(path.join(dir, 'node-1__eth0.pcap'), { ...base, records });
    const taken = expectSame([dir], false);
    const run = ingest([dir], true);
    expect((run.c.obs as unknown as { ethPair: unknown }).ethPair).toBeInstanceOf(Int32Array);
    expect(run.c.obs.macPairs.count).toBe(70_000);
    // The second pass's rows whose pairs the module learned (ids below 0xffff): most of them.
    expect(taken).toBeGreaterThan(60_000);
    expect(taken).toBeLessThan(records.length - 70_000 + 1);
  });

  it('is what scripts/build-wasm.sh makes of ingest.c', () => {
    const out = path.join(tmp, 'ingestWasm.ts');
    execFileSync('sh', [path.join(ROOT, 'scripts/build-wasm.sh'), out], { stdio: 'pipe' });
    expect(fs.readFileSync(out, 'utf8')).toBe(
      fs.readFileSync(path.join(ROOT, 'main/session/wasm/ingestWasm.ts'), 'utf8'),
    );
  });
});
