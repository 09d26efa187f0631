// Geneve (RFC 8926, UDP 6081): the hot-path fields, the layer walk and the detail layer of frames built here,
// with and without options, carrying Ethernet (0x6558) or IP directly, against what tshark reads of the same
// frames; and the malformed ones. The lab's recorded Geneve (tests/fixtures/antrea-geneve) is read by
// decode-fields, decode-oracle and the correlation tests.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createPacketFields,
  decodeFields,
  decodeLayers,
  ENCAP_GENEVE,
  ipv4ToString,
  macToString,
  STATUS_MALFORMED,
  STATUS_OK,
  walk,
  type PacketFields,
} from '../../main/decode/index.ts';
import { pcapOf } from '../pcapBytes.ts';
import { tempDir } from '../tempDir.ts';
import { be16 } from './decode-helpers.ts';

const tmp = tempDir('hs-geneve-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const mac = (last: number) => [0x0a, 0x58, 0, 0, 0, last];
const eth = (dst: number[], src: number[], type: number) => [...dst, ...src, ...be16(type)];
const ip4 = (src: number[], dst: number[], ttl: number, proto: number, payload: number[]) => [
  ...[0x45, 0, ...be16(20 + payload.length), 0x12, 0x34, 0x40, 0, ttl, proto, 0, 0],
  ...src,
  ...dst,
  ...payload,
];
const udp = (sport: number, dport: number, payload: number[]) => [
  ...[...be16(sport), ...be16(dport), ...be16(8 + payload.length), 0, 0, ...payload],
];
const option = (cls: number, type: number, data: number[]) => [...be16(cls), type, data.length / 4, ...data];
const geneve = (proto: number, vni: number, opts: number[], flags = 0) => [
  ...[opts.length / 4, flags, ...be16(proto), vni >> 16, (vni >> 8) & 255, vni & 255, 0],
  ...opts,
];
const echo = [8, 0, 0, 0, 0x12, 0x34, 0, 5, ...new Array<number>(16).fill(0x61)];
const POD_A = [10, 10, 0, 5];
const POD_B = [10, 10, 1, 6];
const inner = ip4(POD_A, POD_B, 63, 1, echo);
const outer = (sport: number, payload: number[]) =>
  Uint8Array.from([
    ...eth(mac(2), mac(1), 0x0800),
    ...ip4([10, 1, 10, 9], [10, 1, 10, 10], 64, 17, udp(sport, 6081, payload)),
  ]);

/** Antrea/OVN style: Ethernet inside, an OVN option (class 0x0102, critical type 0x80, 4 bytes of data). */
const TEB_OPT = outer(
  40001,
  geneve(0x6558, 0x123456, option(0x0102, 0x80, [0, 1, 0, 3]), 0x40).concat(
    eth(mac(0x12), mac(0x11), 0x0800),
    inner,
  ),
);
/** Cilium style: Ethernet inside, no options. */
const TEB = outer(40002, geneve(0x6558, 2, []).concat(eth(mac(0x12), mac(0x11), 0x0800), inner));
/** IP directly inside (Protocol Type 0x0800), two options, the second with no data. */
const IP = outer(
  40003,
  geneve(0x0800, 7, [...option(0xfff0, 1, [9, 9, 9, 9]), ...option(0x0101, 2, [])]).concat(inner),
);

function fields(frame: Uint8Array, opts?: { vxlanPorts: number[]; genevePorts: number[] }): PacketFields {
  const out = createPacketFields();
  decodeFields(frame, 1, out, opts);
  return out;
}

describe('a Geneve frame', () => {
  it('is an encapsulation on the hot path: VNI, outer ports, inner MACs, the inner packet past the options', () => {
    const cases: [Uint8Array, number, number, string | null][] = [
      [TEB_OPT, 0x123456, 40001, '0a:58:00:00:00:11'],
      [TEB, 2, 40002, '0a:58:00:00:00:11'],
      [IP, 7, 40003, null],
    ];
    for (const [frame, vni, sport, innerSrc] of cases) {
      const f = fields(frame);
      expect(f.status).toBe(STATUS_OK);
      expect(f.encapCount).toBe(1);
      expect(f.encapType[0]).toBe(ENCAP_GENEVE);
      expect(f.encapVni[0]).toBe(vni);
      expect([f.encapSrcPort[0], f.encapDstPort[0]]).toEqual([sport, 6081]);
      expect([
        ipv4ToString(f.encapOuterSrc[0]),
        ipv4ToString(f.encapOuterDst[0]),
        f.encapOuterTtl[0],
      ]).toEqual(['10.1.10.9', '10.1.10.10', 64]);
      expect(f.innerEthSrc < 0 ? null : macToString(f.innerEthSrc)).toBe(innerSrc);
      expect([ipv4ToString(f.src), ipv4ToString(f.dst), f.ttl, f.proto]).toEqual([
        '10.10.0.5',
        '10.10.1.6',
        63,
        1,
      ]);
      expect([f.icmpType, f.icmpId, f.icmpSeq]).toEqual([8, 0x1234, 5]);
      expect(f.ipOffset).toBe(frame.length - inner.length);
      // The same inner packet has the same key whichever way it was tunnelled.
      expect([f.keyHi, f.keyLo]).toEqual([fields(IP).keyHi, fields(IP).keyLo]);
    }
  });

  it('walks the same layers, and names them as tshark does', () => {
    expect(walk(TEB_OPT, 1).nodes.map((n) => n.kind)).toEqual([
      'ethernet',
      'ipv4',
      'udp',
      'geneve',
      'ethernet',
      'ipv4',
      'icmp',
      'data',
    ]);
    expect(walk(IP, 1).nodes.map((n) => n.kind)).toEqual([
      'ethernet',
      'ipv4',
      'udp',
      'geneve',
      'ipv4',
      'icmp',
      'data',
    ]);
    const file = path.join(tmp, 'geneve.pcap');
    const frames = [TEB_OPT, TEB, IP];
    writeFileSync(file, pcapOf(frames));
    const cols = [
      'geneve.vni',
      'geneve.proto_type',
      'geneve.option.class',
      'geneve.option.type',
      'geneve.flags',
      'eth.src',
      'ip.src',
    ];
    const args = [
      '-r',
      file,
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-E',
      'occurrence=a',
      '-E',
      'aggregator=,',
    ];
    for (const c of cols) args.push('-e', c);
    const rows = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')
      .map((l) => l.split('|'));
    expect(rows).toHaveLength(frames.length);
    frames.forEach((frame, i) => {
      const layers = decodeLayers(frame, 1);
      const g = layers.find((l) => l.protocol === 'geneve')!;
      const field = (name: string) => g.fields.find((x) => x.name === name)!.value;
      const opts = g.children ?? [];
      const opt = (name: string) => opts.map((o) => o.fields.find((x) => x.name === name)!.value);
      const ours = [
        field('VNI').split(' ')[0].replace(/^0x0*/, '0x'),
        field('Protocol Type').match(/\((0x[0-9a-f]{4})\)/)![1],
        opt('Class')
          .map((c) => c.match(/\((0x[0-9a-f]{4})\)$/)![1])
          .join(','),
        opt('Type')
          .map((t) => t.split(' ')[0])
          .join(','),
        field('Flags').split(' ')[0],
        layers
          .filter((l) => l.protocol === 'ethernet')
          .map((l) => l.fields.find((x) => x.name === 'Source')!.value)
          .join(','),
        layers
          .filter((l) => l.protocol === 'ipv4')
          .map((l) => l.fields.find((x) => x.name === 'Source address')!.value)
          .join(','),
      ];
      const theirs = rows[i].map((v, c) => (c === 0 ? v.replace(/^0x0*/, '0x') : v));
      expect(ours).toEqual(theirs);
    });
  });

  it('on ports not configured as Geneve is plain UDP', () => {
    const f = fields(TEB_OPT, { vxlanPorts: [4789], genevePorts: [] });
    expect(f.encapCount).toBe(0);
    expect([f.proto, f.dstPort]).toEqual([17, 6081]);
  });

  it('carrying another protocol is a UDP payload, not a tunnel', () => {
    const f = fields(outer(40004, geneve(0x1234, 9, []).concat([1, 2, 3, 4])));
    expect([f.status, f.encapCount, f.proto, f.payloadLen]).toEqual([STATUS_OK, 0, 17, 12]);
  });

  it('with a version other than 0 or an option overrunning the options is malformed at the Geneve header', () => {
    const v1 = geneve(0x6558, 1, []);
    v1[0] |= 0x40;
    const overrun = geneve(0x6558, 1, [0, 0, 0, 2, 0, 0, 0, 0]); // a 12-byte option in 8 bytes of options
    for (const g of [v1, overrun]) {
      const frame = outer(1, g.concat(eth(mac(2), mac(1), 0x0800), inner));
      const f = fields(frame);
      expect([f.status, f.problemLayer]).toEqual([STATUS_MALFORMED, 'geneve']);
      expect(decodeLayers(frame, 1).at(-1)!.protocol).toBe('malformed');
    }
  });
});
