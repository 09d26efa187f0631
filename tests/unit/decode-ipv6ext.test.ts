// decodeLayers' IPv6 extension headers and MLD messages: the subtrees of the packet detail, compared with what
// tshark -V (Wireshark 4.0) shows of the same bytes. The lab's frames: MLDv2 reports after a hop-by-hop header
// with a router alert (synthetic/edge veth.pcap, as every IPv6 interface of a cluster sends them), hop-by-hop,
// destination options and fragment headers (ip-options, frag-igmp), AH over IPv6 (ip-protocols). Frames built
// here for what the lab does not send (MLDv1, an MLDv2 query, routing headers, Pad1, Jumbo and unknown options)
// go through tshark too.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { decodeLayers, summarize, type Layer } from '../../main/decode/index.ts';
import { readCaptureFileSync } from '../../main/pcap/index.ts';
import { pcapOf } from '../pcapBytes.ts';
import { tempDir } from '../tempDir.ts';
import { a6, be16, frames, tree, unescape, type Frame } from './decode-helpers.ts';
import { FIXTURES } from './correlate-helpers.ts';

/** Record `n` (1-based, as tshark numbers it). */
function frame(file: string, n: number): Frame {
  return frames(file)[n - 1];
}

function layer(fr: Frame, protocol: string): Layer {
  const l = decodeLayers(fr.data, fr.linkType).find((x) => x.protocol === protocol);
  if (!l) throw new Error(`no ${protocol} layer`);
  return l;
}

// ---------------------------------------------------------------------------------------------------------
// Frames the lab does not send, built byte by byte (Ethernet, IPv6 from fe80::1, checksums left 0).

function ipv6Frame(next: number, payload: number[], dst: string, hopLimit = 64): Uint8Array {
  const eth = [0x33, 0x33, 0, 0, 0, 1, 2, 0, 0, 0, 0, 1, 0x86, 0xdd];
  const ip = [0x60, 0, 0, 0, ...be16(payload.length), next, hopLimit, ...a6('fe80::1'), ...a6(dst)];
  return Uint8Array.from([...eth, ...ip, ...payload]);
}

/** A hop-by-hop or destination options header: next header, length, options (a multiple of 8 bytes in all). */
function options(next: number, opts: number[]): number[] {
  if ((opts.length + 2) % 8) throw new Error(`${opts.length + 2} bytes of options header`);
  return [next, (opts.length + 2) / 8 - 1, ...opts];
}
const ROUTER_ALERT_MLD = [5, 2, 0, 0];
const PADN_0 = [1, 0];
const UDP = [0x04, 0xd2, 0x16, 0x2e, 0, 12, 0, 0, 0x61, 0x62, 0x63, 0x64];

function mld(type: number, delay: number, group: string, more: number[] = []): number[] {
  return options(58, [...ROUTER_ALERT_MLD, ...PADN_0]).concat(
    [type, 0, 0, 0, ...be16(delay), 0, 0],
    a6(group),
    more,
  );
}
function mldReport(records: number[][]): number[] {
  return options(58, [...ROUTER_ALERT_MLD, ...PADN_0]).concat(
    [143, 0, 0, 0, 0, 0, ...be16(records.length)],
    ...records,
  );
}
function record(type: number, group: string, sources: string[], aux: number[] = []): number[] {
  return [type, aux.length / 4, ...be16(sources.length), ...a6(group), ...sources.flatMap(a6), ...aux];
}

const BUILT: { what: string; data: Uint8Array }[] = [
  { what: 'MLDv1 general query', data: ipv6Frame(0, mld(130, 10000, '::'), 'ff02::1', 1) },
  { what: 'MLDv1 report', data: ipv6Frame(0, mld(131, 0, 'ff02::fb'), 'ff02::fb', 1) },
  { what: 'MLDv1 done', data: ipv6Frame(0, mld(132, 0, 'ff02::fb'), 'ff02::2', 1) },
  {
    what: 'MLDv2 query, S, QRV 2, QQIC 125, two sources',
    data: ipv6Frame(
      0,
      mld(130, 1000, 'ff15::1', [0x0a, 125, ...be16(2), ...a6('2001:db8::1'), ...a6('2001:db8::2')]),
      'ff15::1',
      1,
    ),
  },
  {
    what: 'MLDv2 report: sources and aux data, block old sources, change to exclude',
    data: ipv6Frame(
      0,
      mldReport([
        record(1, 'ff15::1', ['2001:db8::1', '2001:db8::2'], [0xde, 0xad, 0xbe, 0xef]),
        record(6, 'ff15::2', ['2001:db8::3']),
        record(4, 'ff02::1:ff00:1', []),
      ]),
      'ff02::16',
      1,
    ),
  },
  {
    what: 'MLDv2 report: exclude, change to include, allow new sources, an unknown record type',
    data: ipv6Frame(
      0,
      mldReport([
        record(2, 'ff15::1', []),
        record(3, 'ff15::2', []),
        record(5, 'ff15::3', []),
        record(9, 'ff15::4', []),
      ]),
      'ff02::16',
      1,
    ),
  },
  {
    what: 'hop-by-hop: Pad1, router alert RSVP, an experimental option, Jumbo Payload, PadN',
    data: ipv6Frame(
      0,
      options(17, [0, 5, 2, 0, 1, 0x3e, 2, 0xab, 0xcd, 0xc2, 4, 0, 1, 0, 0, 1, 5, 0, 0, 0, 0, 0]).concat(UDP),
      '2001:db8::9',
    ),
  },
  {
    what: 'hop-by-hop: two unknown options',
    data: ipv6Frame(0, options(17, [0x0b, 1, 7, 0x2f, 1, 9]).concat(UDP), '2001:db8::9'),
  },
  {
    what: 'hop-by-hop: router alerts 2 and 7',
    data: ipv6Frame(0, options(17, [5, 2, 0, 2, 5, 2, 0, 7, 1, 4, 0, 0, 0, 0]).concat(UDP), '2001:db8::9'),
  },
  {
    what: 'destination options: tunnel encapsulation limit, home address',
    data: ipv6Frame(
      60,
      options(17, [4, 1, 4, 1, 1, 0, 0xc9, 16, ...a6('2001:db8::e'), 1, 4, 0, 0, 0, 0]).concat(UDP),
      '2001:db8::9',
    ),
  },
  {
    what: 'routing type 0, two addresses',
    data: ipv6Frame(
      43,
      [17, 4, 0, 1, 0, 0, 0, 0, ...a6('2001:db8::a'), ...a6('2001:db8::b'), ...UDP],
      '2001:db8::9',
    ),
  },
  {
    what: 'routing type 2 (home address)',
    data: ipv6Frame(43, [17, 2, 2, 1, 0, 0, 0, 0, ...a6('2001:db8::c'), ...UDP], '2001:db8::9'),
  },
  {
    what: 'routing type 4 (segment routing), read raw',
    data: ipv6Frame(43, [17, 2, 4, 0, 0, 0, 0, 0, ...a6('2001:db8::d'), ...UDP], '2001:db8::9'),
  },
  { what: 'routing type 9', data: ipv6Frame(43, [17, 0, 9, 0, 1, 2, 3, 4, ...UDP], '2001:db8::9') },
  {
    what: 'hop-by-hop, destination options, routing, fragment, UDP',
    data: ipv6Frame(
      0,
      [
        ...options(60, [1, 4, 0, 0, 0, 0]),
        ...options(43, [1, 4, 0, 0, 0, 0]),
        ...[44, 0, 0, 0, 0, 0, 0, 0],
        ...[17, 0, 0, 1, 0x12, 0x34, 0x56, 0x78],
        ...UDP,
      ],
      '2001:db8::9',
    ),
  },
  { what: 'no next header', data: ipv6Frame(59, [], '2001:db8::9') },
];

// ---------------------------------------------------------------------------------------------------------
// tshark's subtrees of the same frames, from its PDML.

/** Wireshark's items that are subtrees here (their showname is our title). */
const WS_SUBTREES = new Set([
  'ipv6.hopopts',
  'ipv6.dstopts',
  'ipv6.routing',
  'ipv6.fraghdr',
  'ah',
  'ipv6.opt',
  'icmpv6.mldr.mar',
]);
/** Wireshark's fields we show, under its label (lower case) but where it is another. */
const WS_FIELDS: Record<string, string> = {
  'ipv6.nxt': '',
  'ipv6.hopopts.nxt': '',
  'ipv6.dstopts.nxt': '',
  'ipv6.routing.nxt': '',
  'ipv6.fraghdr.nxt': '',
  'ah.next_header': '',
  'ah.length': '',
  'ah.reserved': '',
  'ah.spi': '',
  'ah.sequence': '',
  'ah.icv': '',
  'ipv6.fraghdr.reserved_octet': '',
  'ipv6.fraghdr.offset': 'fragment offset',
  'ipv6.fraghdr.more': '',
  'ipv6.fraghdr.ident': '',
  'ipv6.routing.type': '',
  'ipv6.routing.segleft': '',
  'ipv6.routing.src.reserved': '',
  'ipv6.routing.src.addr': '',
  'ipv6.routing.mipv6.reserved': '',
  'ipv6.routing.mipv6.home_address': '',
  'ipv6.opt.type': '',
  'ipv6.opt.type.action': '',
  'ipv6.opt.type.change': '',
  'ipv6.opt.length': '',
  'ipv6.opt.padn': '',
  'ipv6.opt.router_alert': '',
  'ipv6.opt.tel': '',
  'ipv6.opt.jumbo': '',
  'ipv6.opt.mipv6.home_address': '',
  'ipv6.opt.experimental': '',
  'ipv6.opt.unknown': '',
  'icmpv6.mld.maximum_response_code': '',
  'icmpv6.mld.multicast_address': '',
  'icmpv6.mld.nb_sources': '',
  'icmpv6.mld.source_address': '',
  'icmpv6.mldr.nb_mcast_records': '',
  'icmpv6.mldr.mar.record_type': '',
  'icmpv6.mldr.mar.aux_data_len': '',
  'icmpv6.mldr.mar.nb_sources': '',
  'icmpv6.mldr.mar.multicast_address': '',
  'icmpv6.mldr.mar.source_address': '',
  'icmpv6.mldr.mar.auxiliary_data': '',
};
/** The extension headers' length, which Wireshark shows twice ("Length: 0", "Length: 8 bytes"). */
const WS_LENGTHS = /^ipv6\.(hopopts|dstopts|routing)\.len(_oct)?$/;
const MLD_TYPES = /^(130|131|132|143)\b/;
/**
 * Next header values: the extension headers' names are Wireshark's; the other protocols keep the names the
 * rest of the tree gives them ("ESP (50)", Wireshark's "Encap Security Payload (50)"), so only their numbers
 * are compared.
 */
function nextHeader(line: string): string {
  return line.replace(/^(next header: ).* \((\d+)\)( \[.*)$/, (all, head: string, n: string, at: string) =>
    ['0', '43', '44', '59', '60'].includes(n) ? all : `${head}(${n})${at}`,
  );
}

/**
 * Per frame number, the lines tshark gives for what the IPv6 layer's subtrees and an MLD message show: the
 * outer IPv6 header's items (not those of a packet an ICMPv6 error quotes) and the MLD fields.
 */
function tsharkLines(file: string): Map<number, string[]> {
  const pdml = execFileSync('tshark', ['-r', file, '-T', 'pdml', '-Y', 'ipv6 and not ip'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 256 << 20,
  });
  const out = new Map<number, string[]>();
  for (const packet of pdml.split('<packet>').slice(1)) {
    const lines: string[] = [];
    let num = 0;
    let within = ''; // 'ipv6' or 'icmpv6' while reading inside that protocol
    let depth = 0;
    let mld = false;
    let icmpAt = '';
    let len = '';
    for (const raw of packet.split('\n')) {
      const m = /^(\s*)<(proto|field) (.*?)\/?>$/.exec(raw);
      if (!m) continue;
      const indent = m[1].length;
      const attr = (k: string) => unescape(new RegExp(`\\b${k}="([^"]*)"`).exec(m[3])?.[1] ?? '');
      const name = attr('name');
      if (name === 'num' && !num) num = Number(attr('show'));
      if (within && indent <= depth) within = '';
      if (!within) {
        if ((name === 'ipv6' && !lines.length) || (name === 'icmpv6' && m[2] === 'proto')) {
          within = name;
          depth = indent;
          icmpAt = `[${attr('pos')}+${attr('size')}]`;
        }
        continue;
      }
      if (within === 'icmpv6' && !name.startsWith('icmpv6.')) continue;
      const at = `[${attr('pos')}+${attr('size')}]`;
      const shown = attr('showname').replace(/^[.01 ]+ = /, '');
      const label = shown.slice(0, shown.indexOf(': '));
      const value = shown.slice(shown.indexOf(': ') + 2);
      if (name === 'icmpv6.type') {
        mld = MLD_TYPES.test(attr('show'));
        if (mld) lines.push(`icmpv6 ${icmpAt}`);
      } else if (WS_SUBTREES.has(name)) {
        // Wireshark 4.0 gives a Pad1 item the bytes of every option after it; a Pad1 is one byte.
        lines.push(`${shown} ${shown === 'Pad1' ? `[${attr('pos')}+1]` : at}`);
      } else if (WS_LENGTHS.test(name)) {
        if (name.endsWith('_oct')) lines.push(`length: ${len} (${value}) ${at}`);
        else len = value;
      } else if (name in WS_FIELDS && (within === 'ipv6' || mld)) {
        lines.push(`${WS_FIELDS[name] || label.toLowerCase()}: ${value} ${at}`);
      }
    }
    out.set(num, lines);
  }
  return out;
}

/** The same lines from our layers: the outer IPv6 layer's next header and subtrees, an MLD message's. */
function ourLines(layers: Layer[]): string[] {
  const out: string[] = [];
  const field = (x: { name: string; value: string; offset: number; length: number }) =>
    out.push(`${x.name.toLowerCase()}: ${x.value} [${x.offset}+${x.length}]`);
  const sub = (l: Layer) => {
    out.push(`${l.title} [${l.offset}+${l.length}]`);
    for (const x of l.fields) if (x.name !== 'Data') field(x);
    l.children?.forEach(sub);
  };
  const ip = layers.find((l) => l.protocol === 'ipv6');
  if (ip) {
    field(ip.fields.find((x) => x.name === 'Next header')!);
    ip.children?.forEach(sub);
  }
  const icmp = layers.find((l) => l.protocol === 'icmpv6');
  if (icmp && MLD_TYPES.test(icmp.fields[0].value)) {
    out.push(`icmpv6 [${icmp.offset}+${icmp.length}]`);
    for (const x of icmp.fields)
      if (
        /^(Maximum response code|Multicast address|Number of sources|Source address|Number of multicast address records)$/.test(
          x.name,
        )
      )
        field(x);
    icmp.children?.forEach(sub);
  }
  return out;
}

function builtCapture(): string {
  const file = path.join(tempDir('hs-ipv6ext-'), 'built.pcap');
  writeFileSync(file, pcapOf(BUILT.map((b) => b.data)));
  return file;
}

const LAB = [
  'synthetic/edge/veth.pcap',
  'synthetic/edge/any-sll.pcap',
  'synthetic/edge/any-sll2.pcap',
  'ip-options/ip-options.pcap',
  'frag-igmp/frag-igmp.pcap',
  'ip-protocols/ip-protocols.pcap',
  'sctp-flannel-vxlan/node-1__veth2053e67d.pcap',
];

// ---------------------------------------------------------------------------------------------------------

describe('IPv6 extension headers in the layer tree', () => {
  it('name the extension headers in Next header fields, as Wireshark does', () => {
    const next = (fr: Frame) => layer(fr, 'ipv6').fields.find((x) => x.name === 'Next header')!.value;
    expect(next(frame('synthetic/edge/veth.pcap', 18))).toBe('IPv6 Hop-by-Hop Option (0)');
    expect(next(frame('frag-igmp/frag-igmp.pcap', 1))).toBe('Fragment Header for IPv6 (44)');
    expect(next(frame('frag-igmp/frag-igmp.pcap', 21))).toBe('Destination Options for IPv6 (60)');
    const built = (what: string) => ({ data: BUILT.find((x) => x.what === what)!.data, linkType: 1 });
    expect(next(built('routing type 2 (home address)'))).toBe('Routing Header for IPv6 (43)');
    expect(next(built('no next header'))).toBe('No Next Header for IPv6 (59)');
  });

  it('show a hop-by-hop header before UDP as its own subtree (ip-options #15)', () => {
    // tshark -V: IPv6 (14+48) > "IPv6 Hop-by-Hop Option" (54+8): Next Header: UDP (17), Length: 0,
    // [Length: 8 bytes], PadN (56+6): Type: PadN (0x01), Length: 4, PadN: 00000000.
    const fr = frame('ip-options/ip-options.pcap', 15);
    const layers = decodeLayers(fr.data, fr.linkType);
    expect(layers.map((l) => `${l.protocol} [${l.offset}+${l.length}]`)).toEqual([
      'ethernet [0+14]',
      'ipv6 [14+48]',
      'udp [62+8]',
      'data [70+19]',
    ]);
    expect(tree(layers[1])).toEqual([
      'Internet Protocol Version 6, Src: fd99::3, Dst: fd99::2 [14+48]',
      '  Version: 6 [14+1]',
      '  Traffic class: 0x00 [14+2]',
      '  Flow label: 0xfdb2c [15+3]',
      '  Payload length: 35 [18+2]',
      '  Next header: IPv6 Hop-by-Hop Option (0) [20+1]',
      '  Hop limit: 64 [21+1]',
      '  Source address: fd99::3 [22+16]',
      '  Destination address: fd99::2 [38+16]',
      '  Upper-layer protocol: UDP (17) [62+0]',
      '  IPv6 Hop-by-Hop Option [54+8]',
      '    Next header: UDP (17) [54+1]',
      '    Length: 0 (8 bytes) [55+1]',
      '    PadN [56+6]',
      '      Type: PadN (0x01) [56+1]',
      '      Action: Skip and continue (0) [56+1]',
      '      May change: No [56+1]',
      '      Length: 4 [57+1]',
      '      PadN: 00000000 [58+4]',
    ]);
  });

  it('show a fragment header after a hop-by-hop one, and a later fragment (frag-igmp #23, #24)', () => {
    const [first, second] = [23, 24].map((n) => layer(frame('frag-igmp/frag-igmp.pcap', n), 'ipv6'));
    // tshark -V #23: "Fragment Header for IPv6" (62+8): Next header: UDP (17), Reserved octet: 0x00,
    // Offset: 0 (0 bytes), More Fragments: Yes, Identification: 0x7a8cecd7.
    expect(first.children!.map((c) => `${c.title} [${c.offset}+${c.length}]`)).toEqual([
      'IPv6 Hop-by-Hop Option [54+8]',
      'Fragment Header for IPv6 [62+8]',
    ]);
    expect(tree(first.children![1])).toEqual([
      'Fragment Header for IPv6 [62+8]',
      '  Next header: UDP (17) [62+1]',
      '  Reserved octet: 0x00 [63+1]',
      '  Fragment offset: 0 (0 bytes) [64+2]',
      '  More fragments: Yes [64+2]',
      '  Identification: 0x7a8cecd7 [66+4]',
    ]);
    expect(second.children![1].fields[2].value).toBe('180 (1440 bytes)');
    expect(first.fields.map((x) => x.name)).not.toContain('Fragment');
  });

  it('show AH over IPv6 as an Authentication Header subtree before ICMPv6 (ip-protocols #10)', () => {
    // tshark -V: IPv6 (14+64) > "Authentication Header" (54+24): Next header: ICMPv6 (58), Length: 4 (24 bytes),
    // Reserved: 0000, AH SPI: 0x00000401, AH Sequence: 2, AH ICV: a0a1a2a3a4a5a6a7a8a9aaab.
    const fr = frame('ip-protocols/ip-protocols.pcap', 10);
    const layers = decodeLayers(fr.data, fr.linkType);
    expect(layers.map((l) => l.protocol)).toEqual(['ethernet', 'ipv6', 'icmpv6', 'data']);
    expect(layers[1]).toMatchObject({ offset: 14, length: 64 });
    expect(tree(layers[1].children![0])).toEqual([
      'Authentication Header [54+24]',
      '  Next header: ICMPv6 (58) [54+1]',
      '  Length: 4 (24 bytes) [55+1]',
      '  Reserved: 0000 [56+2]',
      '  AH SPI: 0x00000401 [58+4]',
      '  AH sequence: 2 [62+4]',
      '  AH ICV: a0a1a2a3a4a5a6a7a8a9aaab [66+12]',
    ]);
    expect(layers[2]).toMatchObject({
      title: 'Internet Control Message Protocol v6, echo request',
      offset: 78,
    });
  });
});

describe('MLD in the layer tree', () => {
  it("reads an MLDv2 report's records after the router alert (veth #18)", () => {
    // tshark -V -Y frame.number==18:
    //   IPv6 Hop-by-Hop Option (54+8): Next Header: ICMPv6 (58), Length: 0, [Length: 8 bytes]
    //     Router Alert (56+4): Type: Router Alert (0x05), Length: 2, Router Alert: MLD (0)
    //     PadN (60+2): Type: PadN (0x01), Length: 0, PadN: <none>
    //   Internet Control Message Protocol v6 (62+28): Type: Multicast Listener Report Message v2 (143), Code: 0,
    //     Checksum: 0x810a [correct], Reserved: 0000, Number of Multicast Address Records: 1
    //     Multicast Address Record Changed to exclude: ff02::1:ffa0:aaea (70+20): Record Type: Changed to
    //       exclude (4), Aux Data Len: 0, Number of Sources: 0, Multicast Address: ff02::1:ffa0:aaea
    const fr = frame('synthetic/edge/veth.pcap', 18);
    const layers = decodeLayers(fr.data, fr.linkType);
    expect(layers.map((l) => l.protocol)).toEqual(['ethernet', 'ipv6', 'icmpv6']);
    expect(tree(layers[1]).slice(10)).toEqual([
      '  IPv6 Hop-by-Hop Option [54+8]',
      '    Next header: ICMPv6 (58) [54+1]',
      '    Length: 0 (8 bytes) [55+1]',
      '    Router Alert [56+4]',
      '      Type: Router Alert (0x05) [56+1]',
      '      Action: Skip and continue (0) [56+1]',
      '      May change: No [56+1]',
      '      Length: 2 [57+1]',
      '      Router alert: MLD (0) [58+2]',
      '    PadN [60+2]',
      '      Type: PadN (0x01) [60+1]',
      '      Action: Skip and continue (0) [60+1]',
      '      May change: No [60+1]',
      '      Length: 0 [61+1]',
      '      PadN: <none> [62+0]',
    ]);
    expect(tree(layers[2])).toEqual([
      'Internet Control Message Protocol v6, multicast listener report v2 [62+28]',
      '  Type: 143 (multicast listener report v2) [62+1]',
      '  Code: 0 [63+1]',
      '  Checksum: 0x810a [64+2]',
      '  Reserved: 0000 [66+2]',
      '  Number of multicast address records: 1 [68+2]',
      '  Multicast Address Record Changed to exclude: ff02::1:ffa0:aaea [70+20]',
      '    Record type: Changed to exclude (4) [70+1]',
      '    Aux data len: 0 [71+1]',
      '    Number of sources: 0 [72+2]',
      '    Multicast address: ff02::1:ffa0:aaea [74+16]',
    ]);
  });

  it('reads MLDv1 and an MLDv2 query (built frames)', () => {
    const icmp = (what: string) =>
      layer({ data: BUILT.find((x) => x.what === what)!.data, linkType: 1 }, 'icmpv6');
    // tshark -V: Type: Multicast Listener Report (131), Maximum Response Delay [ms]: 0, Reserved: 0000,
    // Multicast Address: ff02::fb (62+24).
    expect(tree(icmp('MLDv1 report'))).toEqual([
      'Internet Control Message Protocol v6, multicast listener report, ff02::fb [62+24]',
      '  Type: 131 (multicast listener report) [62+1]',
      '  Code: 0 [63+1]',
      '  Checksum: 0x0000 [64+2]',
      '  Maximum response delay: 0 ms [66+2]',
      '  Reserved: 0000 [68+2]',
      '  Multicast address: ff02::fb [70+16]',
    ]);
    expect(icmp('MLDv1 general query').title).toBe(
      'Internet Control Message Protocol v6, multicast listener query',
    );
    expect(icmp('MLDv1 general query').fields[3].value).toBe('10000 ms');
    expect(icmp('MLDv1 done').title).toBe(
      'Internet Control Message Protocol v6, multicast listener done, ff02::fb',
    );
    // tshark -V: Maximum Response Code: 1000, Multicast Address: ff15::1, Flags: 0x0a (S, QRV 2),
    // QQIC: 125, Number of Sources: 2, Source Address: 2001:db8::1, 2001:db8::2.
    expect(tree(icmp('MLDv2 query, S, QRV 2, QQIC 125, two sources')).slice(4)).toEqual([
      '  Maximum response code: 1000 [66+2]',
      '  Reserved: 0000 [68+2]',
      '  Multicast address: ff15::1 [70+16]',
      '  S (suppress router-side processing): 1 [86+1]',
      '  QRV: 2 [86+1]',
      '  QQIC: 125 [87+1]',
      '  Number of sources: 2 [88+2]',
      '  Source address: 2001:db8::1 [90+16]',
      '  Source address: 2001:db8::2 [106+16]',
    ]);
  });
});

describe('against tshark', () => {
  it("every IPv6 frame of the lab's captures and the built ones: subtrees, their fields and bytes as tshark's", () => {
    const files = [...LAB.map((f) => path.join(FIXTURES, f)), builtCapture()];
    let compared = 0;
    let subtrees = 0;
    for (const file of files) {
      const all = frames(file);
      for (const [n, want] of tsharkLines(file)) {
        const got = ourLines(decodeLayers(all[n - 1].data, all[n - 1].linkType));
        expect(got.map(nextHeader), `${path.basename(file)} #${n}`).toEqual(want.map(nextHeader));
        compared++;
        subtrees += want.filter((x) => / \[\d+\+\d+\]$/.test(x) && !/^[a-z]/.test(x)).length;
      }
    }
    expect(compared).toBeGreaterThan(100);
    expect(subtrees).toBeGreaterThan(100);
  });
});

// ---------------------------------------------------------------------------------------------------------

/** Every layer and subtree stays inside the frame, a subtree inside its parent, a field inside its subtree. */
function checkRanges(layers: Layer[], len: number, where: string): void {
  const inside = (o: number, l: number, lo: number, hi: number) => l >= 0 && o >= lo && o + l <= hi;
  const visit = (l: Layer, lo: number, hi: number, sub: boolean) => {
    expect(inside(l.offset, l.length, lo, hi), `${where}: ${l.title} [${l.offset}+${l.length}]`).toBe(true);
    for (const x of l.fields) {
      const [a, b] = sub ? [l.offset, l.offset + l.length] : [0, len];
      expect(
        inside(x.offset, x.length, a, b),
        `${where}: ${l.title} > ${x.name} [${x.offset}+${x.length}]`,
      ).toBe(true);
    }
    for (const c of l.children ?? []) visit(c, l.offset, l.offset + l.length, true);
  };
  for (const l of layers) visit(l, 0, len, false);
}

function subtreesOf(layers: Layer[]): Layer[] {
  const out: Layer[] = [];
  const walk = (l: Layer) => l.children?.forEach((c) => (out.push(c), walk(c)));
  layers.forEach(walk);
  return out;
}

describe('one-line summaries', () => {
  it('the built frames read as tcpdump -n prints them: MLD queries and v1 messages, RT6, no next header', () => {
    // They read "ICMP6, type 130", walked past routing headers unnamed and said "ip-proto-59 0".
    const file = builtCapture();
    const want = execFileSync('tcpdump', ['-nr', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trimEnd()
      .split('\n')
      .map((l) => l.slice(l.indexOf(' ') + 1));
    const got: string[] = [];
    readCaptureFileSync(file, (r) => got.push(summarize(r.data, r.linkType)));
    expect(got).toEqual(want);
    expect(
      want.filter((l) => / RT6 \(|multicast listener (query|report|done)|no next header/.test(l)).length,
    ).toBe(12);
  });
});

describe('a frame the snaplen cut', () => {
  const veth18 = frame('synthetic/edge/veth.pcap', 18);

  it('inside an extension header: the IPv6 header, and as much of the cut header as was captured', () => {
    // veth #18 cut at 58: in the hop-by-hop header (54–61), inside its router alert option (56–59).
    const layers = decodeLayers(veth18.data.subarray(0, 58), veth18.linkType);
    expect(layers.map((l) => l.protocol)).toEqual(['ethernet', 'truncated']);
    expect(layers[1].title).toBe('IPv6 with extension headers, 44 of 48 bytes captured: cut by the snaplen');
    const ip = layers[1].children![0];
    expect(
      tree(ip).filter((x) => !x.startsWith('  ') || x.startsWith('  IPv6') || x.includes('Next')),
    ).toEqual([
      'Internet Protocol Version 6, Src: fe80::f4e8:a5ff:fea0:aaea, Dst: ff02::16 [14+44]',
      '  Next header: IPv6 Hop-by-Hop Option (0) [20+1]',
      '  IPv6 Hop-by-Hop Option, 4 of 8 bytes captured: cut by the snaplen [54+4]',
      '    Next header: ICMPv6 (58) [54+1]',
    ]);
    expect(tree(ip.children![0]).slice(3)).toEqual([
      '  Router Alert, 2 of 4 bytes captured: cut by the snaplen [56+2]',
      '    Type: Router Alert (0x05) [56+1]',
      '    Action: Skip and continue (0) [56+1]',
      '    May change: No [56+1]',
      '    Length: 2 [57+1]',
    ]);
  });

  it('inside an MLD record: the record says so, with the fields it has, before the cut layer', () => {
    // veth #18 cut at 80: the record (70–89) keeps its type, counts and nothing of its address (74–89).
    const layers = decodeLayers(veth18.data.subarray(0, 80), veth18.linkType);
    expect(layers.map((l) => l.protocol)).toEqual(['ethernet', 'ipv6', 'icmpv6', 'truncated']);
    expect(tree(layers[2]).slice(5)).toEqual([
      '  Number of multicast address records: 1 [68+2]',
      '  Multicast Address Record Changed to exclude, 10 of 20 bytes captured: cut by the snaplen [70+10]',
      '    Record type: Changed to exclude (4) [70+1]',
      '    Aux data len: 0 [71+1]',
      '    Number of sources: 0 [72+2]',
    ]);
    expect(layers[3].title).toBe('ICMPv6 payload, 10 of 20 bytes captured: cut by the snaplen');
  });

  it('anywhere: never throws, ranges stay inside, and each subtree the cut runs through says it was cut', () => {
    const all = [
      ...LAB.flatMap((f) => frames(f)),
      ...BUILT.map(({ data }) => ({ data, linkType: 1 })),
    ].filter((fr) => subtreesOf(decodeLayers(fr.data, fr.linkType)).length);
    expect(all.length).toBeGreaterThan(40);
    let cuts = 0;
    for (const fr of all) {
      const whole = subtreesOf(decodeLayers(fr.data, fr.linkType));
      const last = Math.max(...whole.map((s) => s.offset + s.length));
      for (let len = 0; len <= last; len++) {
        const layers = decodeLayers(fr.data.subarray(0, len), fr.linkType);
        checkRanges(layers, len, `cut at ${len}`);
        const got = subtreesOf(layers);
        for (const s of whole.filter((x) => x.offset < len && len < x.offset + x.length)) {
          const cut = got.find((x) => x.offset === s.offset && x.length === len - s.offset);
          expect(cut?.title, `${s.title} cut at ${len}`).toMatch(
            new RegExp(`, ${len - s.offset} of \\d+ bytes captured: cut by the snaplen$`),
          );
          cuts++;
        }
      }
    }
    expect(cuts).toBeGreaterThan(500);
  });
});

describe('a malformed header', () => {
  it('an option longer than its header ends the options, marked malformed', () => {
    // ip-options #15 with the PadN's length 4 made 9: 11 bytes from 56, in a header that ends at 62.
    const data = frame('ip-options/ip-options.pcap', 15).data.slice();
    data[57] = 9;
    const hbh = layer({ data, linkType: 1 }, 'ipv6').children![0];
    expect(hbh.children!.map((c) => `${c.title} [${c.offset}+${c.length}]`)).toEqual([
      'PadN [Malformed: option of 11 bytes, 6 left in the header] [56+6]',
    ]);
    expect(hbh.children![0].fields.map((x) => x.name)).toEqual(['Type', 'Action', 'May change', 'Length']);
  });

  it('an MLD record longer than its message is marked malformed', () => {
    // veth #18 with the record's source count 0 made 1: 36 bytes from 70, in a message that ends at 90.
    const data = frame('synthetic/edge/veth.pcap', 18).data.slice();
    data[73] = 1;
    const rec = layer({ data, linkType: 1 }, 'icmpv6').children![0];
    expect(rec).toMatchObject({
      title:
        'Multicast Address Record Changed to exclude: ff02::1:ffa0:aaea [Malformed: record of 36 bytes, 20 left in the message]',
      offset: 70,
      length: 20,
    });
  });
});
