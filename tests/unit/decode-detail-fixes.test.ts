// Packet-detail fixes checked against tshark -V (Wireshark 4.0) on the same bytes: IPv4's Authentication Header
// as Wireshark's layer of its own, followed by what it carries (ip-protocols #9 and frames built here for what
// the lab does not send); ICMPv6 error codes named (nat6's port unreachables, router-errors, built errors). And
// against tcpdump -n (4.99): the one-line summary of an IPv6 packet the snaplen cut in its extension headers.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  createPacketFields,
  decodeFields,
  decodeLayers,
  summarize,
  walk,
  type Layer,
} from '../../main/decode/index.ts';
import { IPV6_HEADER_LEN } from '../../main/decode/ipv6.ts';
import { pcapOf } from '../pcapBytes.ts';
import { tempDir } from '../tempDir.ts';
import { a6, be16, frames, pdml, tree, type Frame, type PdmlItem } from './decode-helpers.ts';
import { FIXTURES } from './correlate-helpers.ts';

/** A classic pcap of whole frames (Ethernet), in a folder removed when the file's tests end. */
function capture(name: string, data: Uint8Array[]): string {
  const file = path.join(tempDir('hs-detail-'), name);
  writeFileSync(file, pcapOf(data));
  return file;
}

// ---------------------------------------------------------------------------------------------------------
// Frames built byte by byte: Ethernet, IPv4 10.0.0.1 > 10.0.0.2 (checksums left 0: tshark does not check them).

const be32 = (n: number) => [n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255];
const ETH_V4 = [0, 1, 2, 3, 4, 5, 2, 0, 0, 0, 0, 1, 0x08, 0x00];

function ipv4Frame(proto: number, payload: number[], flags = 0x4000): Uint8Array {
  const ip = [0x45, 0, ...be16(20 + payload.length), 0x12, 0x34, ...be16(flags), 64, proto, 0, 0];
  return Uint8Array.from([...ETH_V4, ...ip, 10, 0, 0, 1, 10, 0, 0, 2, ...payload]);
}
const ICV = [0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab];
/** RFC 4302 §2: next header, payload length in 32-bit words less 2, reserved, SPI, sequence, ICV. */
function ah(next: number, spi: number, seq: number, icv: number[], reserved = 0): number[] {
  return [next, (12 + icv.length) / 4 - 2, ...be16(reserved), ...be32(spi), ...be32(seq), ...icv];
}
const UDP = [0x04, 0xd2, 0x16, 0x2e, 0, 12, 0, 0, 0x61, 0x62, 0x63, 0x64];
const TCP_SYN = [0x9c, 0x40, 0, 80, ...be32(1000), 0, 0, 0, 0, 0x50, 0x02, 0xfa, 0xf0, 0, 0, 0, 0];
const ICMP_REPLY = [0, 0, 0, 0, 0, 7, 0, 3, 0x68, 0x69];

const BUILT_AH: { what: string; data: Uint8Array }[] = [
  { what: 'AH over UDP', data: ipv4Frame(51, [...ah(17, 0x501, 7, ICV), ...UDP]) },
  { what: 'AH without an ICV over a TCP SYN', data: ipv4Frame(51, [...ah(6, 0x502, 1, []), ...TCP_SYN]) },
  {
    what: 'AH with a reserved field and an 8-byte ICV over an echo reply',
    data: ipv4Frame(51, [...ah(1, 0x503, 2, ICV.slice(0, 8), 7), ...ICMP_REPLY]),
  },
];

/** Our layers as tshark's protocols: the name, and where each starts. */
const WS_PROTOCOLS: Record<string, string> = {
  ethernet: 'eth',
  ipv4: 'ip',
  ah: 'ah',
  icmp: 'icmp',
  udp: 'udp',
  tcp: 'tcp',
};

/** tshark's view of a frame's AH: the protocols (name@pos) and the AH fields, "label: value [pos+size]". */
function tsharkAh(items: PdmlItem[]): { protocols: string[]; fields: string[] } {
  const protos = items.filter((x) => x.kind === 'proto' && x.depth === 2);
  const ahProto = protos.find((x) => x.name === 'ah');
  const fields = items
    .filter((x) => x.kind === 'field' && x.name.startsWith('ah.'))
    .map((x) => {
      const label = x.showname.slice(0, x.showname.indexOf(': '));
      return `${label.toLowerCase()}${x.showname.slice(label.length)} [${x.pos}+${x.size}]`;
    });
  return {
    protocols: protos
      .filter((x) => Object.values(WS_PROTOCOLS).includes(x.name))
      .map((x) => `${x.name}@${x.pos}${x.name === 'ah' ? `+${x.size}` : ''}`),
    fields: ahProto ? [`${ahProto.showname} [${ahProto.pos}+${ahProto.size}]`, ...fields] : fields,
  };
}

function ourAh(layers: Layer[]): { protocols: string[]; fields: string[] } {
  const ahLayer = layers.find((l) => l.protocol === 'ah');
  return {
    protocols: layers
      .filter((l) => l.protocol in WS_PROTOCOLS)
      .map((l) => `${WS_PROTOCOLS[l.protocol]}@${l.offset}${l.protocol === 'ah' ? `+${l.length}` : ''}`),
    fields: ahLayer
      ? [
          `${ahLayer.title} [${ahLayer.offset}+${ahLayer.length}]`,
          ...ahLayer.fields.map((x) => `${x.name.toLowerCase()}: ${x.value} [${x.offset}+${x.length}]`),
        ]
      : [],
  };
}

// ---------------------------------------------------------------------------------------------------------

describe("IPv4's Authentication Header in the layer tree", () => {
  const ip9 = frames('ip-protocols/ip-protocols.pcap')[8];

  it('is a layer of its own, then ICMP, as tshark -V shows ip-protocols #9', () => {
    // It read "Data (88 bytes)" after the IPv4 header. tshark -V: Authentication Header (34+24): Next header:
    // ICMP (1), Length: 4 (24 bytes), Reserved: 0000, AH SPI: 0x00000401, AH Sequence: 1, AH ICV: a0a1…aaab;
    // Internet Control Message Protocol (58): Type: 8 (Echo (ping) request), Code: 0, …, Data (56 bytes).
    const layers = decodeLayers(ip9.data, ip9.linkType);
    expect(layers.map((l) => `${l.protocol} [${l.offset}+${l.length}]`)).toEqual([
      'ethernet [0+14]',
      'ipv4 [14+20]',
      'ah [34+24]',
      'icmp [58+8]',
      'data [66+56]',
    ]);
    expect(layers[1].fields.find((x) => x.name === 'Protocol')?.value).toBe('AH (51)');
    expect(tree(layers[2])).toEqual([
      'Authentication Header [34+24]',
      '  Next header: ICMP (1) [34+1]',
      '  Length: 4 (24 bytes) [35+1]',
      '  Reserved: 0000 [36+2]',
      '  AH SPI: 0x00000401 [38+4]',
      '  AH sequence: 1 [42+4]',
      '  AH ICV: a0a1a2a3a4a5a6a7a8a9aaab [46+12]',
    ]);
    expect(layers[3].title).toBe('Internet Control Message Protocol, echo request');
    expect(layers[3].fields.map((x) => `${x.name}: ${x.value}`)).toEqual([
      'Type: 8 (echo request)',
      'Code: 0',
      'Checksum: 0x0054',
      'Identifier: 152 (0x0098)',
      'Sequence number: 1',
    ]);
    expect(layers[4].title).toBe('Data (56 bytes)');
  });

  it("reads as tshark's PDML: ip-protocols #9 and AH over UDP, TCP and ICMP (built)", () => {
    const lab = path.join(FIXTURES, 'ip-protocols/ip-protocols.pcap');
    const built = capture(
      'ah4.pcap',
      BUILT_AH.map((x) => x.data),
    );
    const cases = [
      { what: 'ip-protocols #9', fr: ip9, ws: pdml(lab)[8] },
      ...BUILT_AH.map((x, i) => ({ what: x.what, fr: { data: x.data, linkType: 1 }, ws: pdml(built)[i] })),
    ];
    for (const { what, fr, ws } of cases) {
      const want = tsharkAh(ws);
      expect(want.fields.length, what).toBeGreaterThan(5);
      expect(ourAh(decodeLayers(fr.data, fr.linkType)), what).toEqual(want);
    }
  });

  it('leaves the fast decoder as it was: the packet stays IPv4 protocol 51 with its IP payload', () => {
    const out = createPacketFields();
    decodeFields(ip9.data, ip9.linkType, out);
    expect({ proto: out.proto, l4Offset: out.l4Offset, payloadLen: out.payloadLen }).toEqual({
      proto: 51,
      l4Offset: -1,
      payloadLen: 88,
    });
  });

  it('cut by the snaplen: the header says how much of it was captured, then the cut layer', () => {
    const cut = (n: number) => decodeLayers(ip9.data.subarray(0, n), ip9.linkType);
    const titles = (n: number) => cut(n).map((l) => `${l.title} [${l.offset}+${l.length}]`);
    // In the AH header (34–57): its captured fields, and the IPv4 payload cut.
    expect(titles(45).slice(2)).toEqual([
      'Authentication Header, 11 of 24 bytes captured: cut by the snaplen [34+11]',
      'IPv4 payload, 11 of 88 bytes captured: cut by the snaplen [34+11]',
    ]);
    expect(cut(45)[2].fields.map((x) => x.name)).toEqual(['Next header', 'Length', 'Reserved', 'AH SPI']);
    // In the ICMP header (58–65), then in its data.
    expect(titles(60).slice(2)).toEqual([
      'Authentication Header [34+24]',
      'ICMP, 2 of 8 bytes captured: cut by the snaplen [58+2]',
    ]);
    expect(titles(90).slice(2)).toEqual([
      'Authentication Header [34+24]',
      'Internet Control Message Protocol, echo request [58+8]',
      'Data (24 bytes) [66+24]',
      'ICMP payload, 24 of 56 bytes captured: cut by the snaplen [66+24]',
    ]);
    // Nothing of it captured: the IPv4 payload only, as before.
    expect(titles(34).slice(2)).toEqual([
      'Data (0 bytes) [34+0]',
      'IPv4 payload, 0 of 88 bytes captured: cut by the snaplen [34+0]',
    ]);
    for (let n = 0; n <= ip9.data.length; n++) {
      const layers = cut(n);
      for (const l of layers) {
        expect(l.offset >= 0 && l.offset + l.length <= n, `cut at ${n}: ${l.title}`).toBe(true);
        for (const x of l.fields) expect(x.offset + x.length <= n, `cut at ${n}: ${x.name}`).toBe(true);
      }
      if (n < ip9.data.length) expect(layers[layers.length - 1].protocol, `cut at ${n}`).toBe('truncated');
    }
  });

  it('a length the IP payload cannot hold is malformed: the header says so, the rest stays data', () => {
    const data = ip9.data.slice();
    data[35] = 30; // (30 + 2) * 4 = 128 bytes, in an 88-byte payload
    const layers = decodeLayers(data, 1);
    expect(layers.slice(2).map((l) => `${l.title} [${l.offset}+${l.length}]`)).toEqual([
      'Authentication Header [Malformed: header of 128 bytes, 88 left in the packet] [34+88]',
    ]);
    expect(layers[2].fields.map((x) => x.name)).toEqual([
      'Next header',
      'Length',
      'Reserved',
      'AH SPI',
      'AH sequence',
    ]);
    data[35] = 0; // 8 bytes: shorter than AH's fixed 12
    expect(
      decodeLayers(data, 1)
        .slice(2)
        .map((l) => `${l.title} [${l.offset}+${l.length}]`),
    ).toEqual([
      'Authentication Header [Malformed: header of 8 bytes, at least 12] [34+8]',
      'Data (80 bytes) [42+80]',
    ]);
  });

  it('a fragment after the first has no AH header to show', () => {
    const later = ipv4Frame(51, [...ah(17, 0x501, 7, ICV), ...UDP], 0x0003);
    expect(decodeLayers(later, 1).map((l) => l.protocol)).toEqual(['ethernet', 'ipv4', 'data']);
  });
});

// ---------------------------------------------------------------------------------------------------------
// ICMPv6 error codes, named in the Code field as tshark names them.

/** An ICMPv6 error from fd00::9 quoting a UDP datagram fd00::1 > fd00::2 (checksums 0). */
function icmpv6Error(type: number, code: number): Uint8Array {
  const a6 = (last: number) => [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last];
  const quote = [0x60, 0, 0, 0, 0, 8, 17, 64, ...a6(1), ...a6(2), 0x30, 0x39, 0x27, 0x0f, 0, 8, 0, 0];
  const icmp = [type, code, 0, 0, 0, 0, 0, 0, ...quote];
  const ip = [0x60, 0, 0, 0, ...be16(icmp.length), 58, 64, ...a6(9), ...a6(1)];
  return Uint8Array.from([0, 1, 2, 3, 4, 5, 2, 0, 0, 0, 0, 1, 0x86, 0xdd, ...ip, ...icmp]);
}

/** The outer ICMPv6 message's Code as tshark shows it ("Code: 4 (Port unreachable)"), per packet. */
function tsharkCodes(file: string): string[] {
  return pdml(file).map((items) => items.find((x) => x.name === 'icmpv6.code')?.showname ?? '');
}

function ourCode(fr: Frame): string {
  const code = decodeLayers(fr.data, fr.linkType)
    .find((l) => l.protocol === 'icmpv6')
    ?.fields.find((x) => x.name === 'Code');
  return code ? `Code: ${code.value}` : '';
}

describe('ICMPv6 codes in the layer tree', () => {
  it("name a port unreachable's code as tshark does (nat6 ens33 #18, #20)", () => {
    // It read "Code: 4" where tshark -V says "Code: 4 (Port unreachable)".
    const all = frames('nat6/node-1__ens33.pcap');
    const ws = tsharkCodes(path.join(FIXTURES, 'nat6/node-1__ens33.pcap'));
    for (const n of [18, 20]) {
      expect(ourCode(all[n - 1]), `#${n}`).toBe('Code: 4 (Port unreachable)');
      expect(ws[n - 1], `#${n}`).toBe('Code: 4 (Port unreachable)');
    }
  });

  it("every ICMPv6 message of the lab's captures: the code as tshark shows it", () => {
    let named = 0;
    for (const rel of [
      'nat6/node-1__ens33.pcap',
      'nat6/node-1__veth1.pcap',
      'router-errors/router-errors.pcap',
    ]) {
      const all = frames(rel);
      tsharkCodes(path.join(FIXTURES, rel)).forEach((want, i) => {
        if (!want) return;
        expect(ourCode(all[i]), `${rel} #${i + 1}`).toBe(want);
        if (want.includes('(')) named++;
      });
    }
    // nat6's two port unreachables on each interface, router-errors' time exceeded and prohibited.
    expect(named).toBeGreaterThanOrEqual(6);
  });

  it('destination unreachable, time exceeded and parameter problem codes (built): as tshark names them', () => {
    const built: Uint8Array[] = [];
    for (const [type, codes] of [
      [1, 10],
      [3, 3],
      [4, 5],
      [2, 2],
    ])
      for (let code = 0; code < codes; code++) built.push(icmpv6Error(type, code));
    const ws = tsharkCodes(capture('codes.pcap', built));
    const got = built.map((data) => ourCode({ data, linkType: 1 }));
    // tshark's "Unknown" for codes it has no name for ("8 (Unknown)", "2 (Unknown (2))") is the number here.
    expect(got).toEqual(ws.map((x) => x.replace(/ \(Unknown( \(\d+\))?\)$/, '')));
    expect(got.slice(0, 8)).toEqual([
      'Code: 0 (no route to destination)',
      'Code: 1 (Administratively prohibited)',
      'Code: 2 (Beyond scope of source address)',
      'Code: 3 (Address unreachable)',
      'Code: 4 (Port unreachable)',
      'Code: 5 (Source address failed ingress/egress policy)',
      'Code: 6 (Reject route to destination)',
      'Code: 7 (Error in Source Routing Header)',
    ]);
    expect(got.slice(10)).toEqual([
      'Code: 0 (hop limit exceeded in transit)',
      'Code: 1 (fragment reassembly time exceeded)',
      'Code: 2',
      'Code: 0 (erroneous header field encountered)',
      'Code: 1 (unrecognized Next Header type encountered)',
      'Code: 2 (unrecognized IPv6 option encountered)',
      'Code: 3 (IPv6 First Fragment has incomplete IPv6 Header Chain)',
      'Code: 4',
      'Code: 0',
      'Code: 1',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// One-line summaries of IPv6 packets the snaplen cut in (or right after) their extension headers, as tcpdump
// 4.99 prints them.

function ipv6Frame(next: number, payload: number[]): Uint8Array {
  const ip = [0x60, 0, 0, 0, ...be16(payload.length), next, 64, ...a6('fd00::1'), ...a6('fd00::2')];
  return Uint8Array.from([0, 1, 2, 3, 4, 5, 2, 0, 0, 0, 0, 1, 0x86, 0xdd, ...ip, ...payload]);
}
/** A hop-by-hop or destination options header holding one PadN of `pad` bytes (a multiple of 8 in all). */
const padded = (next: number, pad: number) => [
  next,
  (pad + 4) / 8 - 1,
  1,
  pad,
  ...new Array<number>(pad).fill(0),
];
const fragment = (next: number, offset: number, more: boolean) => [
  next,
  0,
  ...be16(offset | (more ? 1 : 0)),
  ...be32(0x12345678),
];

const BUILT_V6: { what: string; data: Uint8Array }[] = [
  { what: 'destination options, UDP', data: ipv6Frame(60, [...padded(17, 4), ...UDP]) },
  { what: 'hop-by-hop, TCP SYN', data: ipv6Frame(0, [...padded(6, 12), ...TCP_SYN]) },
  {
    what: 'routing type 0, two addresses, UDP',
    data: ipv6Frame(43, [17, 4, 0, 1, 0, 0, 0, 0, ...a6('2001:db8::a'), ...a6('2001:db8::b'), ...UDP]),
  },
  {
    what: 'routing type 2, reserved set, UDP',
    data: ipv6Frame(43, [17, 2, 2, 1, 0, 0, 0, 9, ...a6('2001:db8::c'), ...UDP]),
  },
  {
    what: 'routing type 4, flags, two segments, UDP',
    data: ipv6Frame(43, [17, 4, 4, 1, 1, 0x80, 0, 5, ...a6('2001:db8::d'), ...a6('2001:db8::e'), ...UDP]),
  },
  { what: 'routing type 9', data: ipv6Frame(43, [17, 0, 9, 0, 1, 2, 3, 4, ...UDP]) },
  {
    what: 'hop-by-hop, destination options, routing, fragment, UDP',
    data: ipv6Frame(0, [
      ...padded(60, 4),
      ...padded(43, 4),
      ...[44, 0, 0, 0, 0, 0, 0, 0],
      ...fragment(17, 0, true),
      ...UDP,
    ]),
  },
  { what: 'AH, reserved set, UDP', data: ipv6Frame(51, [...ah(17, 0x601, 3, ICV, 7), ...UDP]) },
  { what: 'AH without an ICV, UDP', data: ipv6Frame(51, [...ah(17, 0x602, 4, []), ...UDP]) },
  { what: 'first fragment, UDP', data: ipv6Frame(44, [...fragment(17, 0, true), ...UDP]) },
  { what: 'later fragment', data: ipv6Frame(44, [...fragment(17, 24, false), ...UDP]) },
];

/** tcpdump -n's lines (with -e: `link`) without the timestamp, as printed. */
function tcpdumpLines(file: string, link: boolean): string[] {
  const args = ['-n', '-S', '-r', file];
  if (link) args.unshift('-e');
  return execFileSync('tcpdump', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^\S+ /, ''));
}

/** A pcap of `data` cut at each of `lengths` (the records keep the whole frame's length on the wire). */
function cutCapture(name: string, data: Uint8Array, lengths: number[]): string {
  const file = path.join(tempDir('hs-detail-cut-'), name);
  writeFileSync(
    file,
    pcapOf(
      lengths.map(() => data),
      lengths,
    ),
  );
  return file;
}

describe('summaries of IPv6 packets cut in their extension headers', () => {
  it('name the header the capture ends in, after the addresses, as tcpdump does', () => {
    // tcpdump's mark has a space before it, after what it printed ("fd00::1 > fd00::2: "): two spaces here.
    const dst = BUILT_V6[0].data;
    expect(summarize(dst.subarray(0, 58), 1)).toBe('IP6 fd00::1 > fd00::2:  [|dstopt]');
    expect(summarize(dst.subarray(0, 54), 1, { link: true, origLen: dst.length })).toBe(
      '02:00:00:00:00:01 > 00:01:02:03:04:05, ethertype IPv6 (0x86dd), length 74: fd00::1 > fd00::2:  [|dstopt]',
    );
    const chain = BUILT_V6[6].data;
    expect(summarize(chain.subarray(0, 60), 1)).toBe('IP6 fd00::1 > fd00::2:  [|hbhopt]');
    expect(summarize(chain.subarray(0, 76), 1)).toBe(
      'IP6 fd00::1 > fd00::2: HBH DSTOPT RT6 (len=0, type=0 [Deprecated], segleft=0 [|rt6]',
    );
    expect(summarize(chain.subarray(0, 80), 1)).toBe(
      'IP6 fd00::1 > fd00::2: HBH DSTOPT RT6 (len=0, type=0 [Deprecated], segleft=0)  [|frag6]',
    );
    // Past the fragment offset tcpdump prints the fragment and the space after it, and stops without a mark.
    expect(summarize(chain.subarray(0, 84), 1)).toBe(
      'IP6 fd00::1 > fd00::2: HBH DSTOPT RT6 (len=0, type=0 [Deprecated], segleft=0) frag (0|12) ',
    );
    expect(summarize(BUILT_V6[7].data.subarray(0, 70), 1)).toBe(
      'IP6 fd00::1 > fd00::2: AH(reserved=0x7[MustBeZero],spi=0x00000601,seq=0x3,icv=0xa0a1a2a3 [|ah]',
    );
    // Cut in the UDP header after them, the ports stand on their own as in the whole packet's line.
    expect(summarize(dst.subarray(0, 66), 1)).toBe('IP6 fd00::1 > fd00::2: DSTOPT 1234 > 5678:  [|udp]');
  });

  it('whole, the built frames read as tcpdump prints them (an AH reserved field included)', () => {
    // ahText left out a reserved field that is not 0: "AH(reserved=0x7[MustBeZero],spi=…".
    const built = [...BUILT_V6, ...BUILT_AH];
    const file = capture(
      'whole.pcap',
      built.map((x) => x.data),
    );
    for (const link of [false, true]) {
      const got = built.map((x) => `${x.what}: ${summarize(x.data, 1, { link })}`);
      expect(got).toEqual(tcpdumpLines(file, link).map((line, i) => `${built[i].what}: ${line}`));
    }
    expect(summarize(BUILT_AH[2].data, 1)).toMatch(/: AH\(reserved=0x7\[MustBeZero\],spi=0x00000503,/);
  });

  it("every cut through the extension headers of the lab's and built frames reads as tcpdump -n and -e print it", () => {
    const lab = [
      ['ip-options/ip-options.pcap', 15],
      ['frag-igmp/frag-igmp.pcap', 21],
      ['frag-igmp/frag-igmp.pcap', 23],
      ['frag-igmp/frag-igmp.pcap', 24],
      ['ip-protocols/ip-protocols.pcap', 10],
      ['synthetic/edge/veth.pcap', 18],
    ] as const;
    const all = [
      ...lab.map(([file, n]) => ({ what: `${file} #${n}`, data: frames(file)[n - 1].data })),
      ...BUILT_V6,
    ];
    let compared = 0;
    for (const [i, { what, data }] of all.entries()) {
      const ip = walk(data, 1).nodes.find((x) => x.kind === 'ipv6');
      if (!ip || ip.kind !== 'ipv6') throw new Error(`${what}: no IPv6 header`);
      // From the end of the fixed header to where the upper layer starts, and into a UDP or TCP header's ports
      // (an ICMPv6 header the capture ends in is another matter).
      const upper = ip.at + ip.len;
      const last = ip.h.proto === 17 || ip.h.proto === 6 ? upper + 6 : upper;
      const lengths: number[] = [];
      for (let n = ip.at + IPV6_HEADER_LEN; n <= Math.min(last, data.length); n++) lengths.push(n);
      const file = cutCapture(`cut-${i}.pcap`, data, lengths);
      for (const link of [false, true]) {
        const want = tcpdumpLines(file, link);
        expect(want.length).toBe(lengths.length);
        const got = lengths.map((n) => summarize(data.subarray(0, n), 1, { link, origLen: data.length }));
        expect(got.map((line, k) => `${what} cut at ${lengths[k]}${link ? ' -e' : ''}: ${line}`)).toEqual(
          want.map((line, k) => `${what} cut at ${lengths[k]}${link ? ' -e' : ''}: ${line}`),
        );
        compared += lengths.length;
      }
    }
    expect(compared).toBeGreaterThan(500);
  });
});

describe('IPv4 AH cut by the snaplen, in the one-line summary', () => {
  it('reads as tcpdump prints it at every length from the AH header on (it read ip-proto-51 88)', () => {
    // ip-protocols #9 (IPv4 + AH + ICMP echo request) and built AH frames over UDP and TCP, cut at each byte from the
    // AH header's first to the end: tcpdump prints the AH fields it has ("AH(spi=0x00000401, [|ah]"), then what it
    // carries, cut or not.
    const all = [
      { what: 'ip-protocols.pcap #9', data: frames('ip-protocols/ip-protocols.pcap')[8].data },
      ...BUILT_AH.filter((b) => b.what.includes('UDP') || b.what.includes('TCP')),
    ];
    expect(all.length).toBeGreaterThanOrEqual(3);
    let compared = 0;
    for (const [i, { what, data }] of all.entries()) {
      const lengths: number[] = [];
      for (let n = 14 + 20; n <= data.length; n++) lengths.push(n);
      const file = cutCapture(`ah-cut-${i}.pcap`, data, lengths);
      const want = tcpdumpLines(file, false);
      expect(want.length).toBe(lengths.length);
      const got = lengths.map((n) => summarize(data.subarray(0, n), 1, { origLen: data.length }));
      expect(got.map((line, k) => `${what} cut at ${lengths[k]}: ${line}`)).toEqual(
        want.map((line, k) => `${what} cut at ${lengths[k]}: ${line}`),
      );
      compared += lengths.length;
    }
    expect(compared).toBeGreaterThan(100);
  });
});
