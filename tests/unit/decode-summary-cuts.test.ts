// One-line summaries of frames built here and cut by the snaplen at every byte of a range, against what tcpdump
// 4.99 prints for the same cuts (tcpdump -S -n, and -e), exactly: IPv6 headers cut outside and inside VXLAN, GRE
// and what it carries, ICMP and ICMPv6 messages, VXLAN headers, raw IP and SLL2 headers, IPv4 options, HTTP,
// TCP options after IPv6 extension headers, IGMP, ESP.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarize, walk } from '../../main/decode/index.ts';
import { pcapOf } from '../pcapBytes.ts';
import { tempDir } from '../tempDir.ts';
import { seeded } from './clock-helpers.ts';
import { a6, be16, frames } from './decode-helpers.ts';

const tmp = tempDir('hs-summary-cuts-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const eth = (type: number) => [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, ...be16(type)];
const ip4 = (proto: number, payload: number[]) => [
  ...[0x45, 0, ...be16(20 + payload.length), 0, 1, 0x40, 0, 64, proto, 0, 0],
  ...[10, 0, 0, 1, 10, 0, 0, 2, ...payload],
];
const ip6 = (next: number, payload: number[]) => [
  ...[0x60, 0, 0, 0, ...be16(payload.length), next, 64, ...a6('fd00::1'), ...a6('fd00::2'), ...payload],
];
const udp = (sport: number, dport: number, payload: number[]) => [
  ...[...be16(sport), ...be16(dport), ...be16(8 + payload.length), 0, 0, ...payload],
];
/** VXLAN (flags I, VNI 42) and the inner Ethernet frame carrying `type`. */
const vxlan = (type: number, payload: number[]) => [8, 0, 0, 0, 0, 0, 42, 0, ...eth(type), ...payload];
const echo6 = [128, 0, 0x12, 0x34, 0, 7, 0, 1, ...new Array<number>(16).fill(0x61)];

/**
 * tcpdump's lines without their times, each continuation line joined to its packet's with a space, as ours are:
 * VXLAN's inner frame, a hex dump tcpdump adds where it cannot decode (print_unknown_data), its tab dropped, and an
 * SCTP SACK's gap blocks and duplicate TSNs, their two tabs dropped.
 */
function joinLines(text: string): string[] {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const m = /^\d\d:\d\d:\d\d\.\d+ (.*)$/.exec(line);
    if (m) lines.push(m[1]);
    else
      lines[lines.length - 1] +=
        ` ${line.replace(/^\t(?=0x[0-9a-f]{4}: )|^\t\t(?=\[(gap ack block|dup TSN) #)/, '')}`;
  }
  return lines;
}

let files = 0;
/**
 * Ours and tcpdump's lines for `frame` (Ethernet, or `linkType`) cut at each length from `from` to `to`
 * (inclusive), with and without -e, each "cut at N[ -e]: line".
 */
function cuts(frame: number[], from: number, to: number, linkType = 1): { ours: string[]; theirs: string[] } {
  const data = Uint8Array.from(frame);
  const lengths: number[] = [];
  for (let n = from; n <= Math.min(to, data.length); n++) lengths.push(n);
  const file = path.join(tmp, `cut-${files++}.pcap`);
  writeFileSync(
    file,
    pcapOf(
      lengths.map(() => data),
      lengths,
      undefined,
      linkType,
    ),
  );
  const ours: string[] = [];
  const theirs: string[] = [];
  for (const link of [false, true]) {
    const args = ['-S', '-n', '-r', file];
    if (link) args.unshift('-e');
    const text = execFileSync('tcpdump', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const lines = joinLines(text);
    expect(lines.length).toBe(lengths.length);
    const at = (n: number) => `cut at ${n}${link ? ' -e' : ''}: `;
    lengths.forEach((n, i) => {
      ours.push(at(n) + summarize(data.subarray(0, n), linkType, { link, origLen: data.length }));
      // SLL2's interface: tcpdump names it from this machine's (padded to 5), ours is '?' (padded the same way).
      theirs.push(at(n) + (linkType === 276 ? lines[i].replace(/^\S+ +/, '?     ') : lines[i]));
    });
  }
  return { ours, theirs };
}

describe('an IPv6 header the snaplen cut', () => {
  // tcpdump says "IP6" only once it has the fixed header's 40 bytes: " [|ip6]" (ours read "IP6  [|ip6]").
  it('on Ethernet reads " [|ip6]" with no "IP6"', () => {
    const frame = [...eth(0x86dd), ...ip6(17, udp(1000, 2000, [1, 2, 3, 4]))];
    const { ours, theirs } = cuts(frame, 14, 14 + 40);
    expect(ours).toEqual(theirs);
    expect(ours).toContain('cut at 15:  [|ip6]');
  });

  it.each([
    ['VXLAN', 4789],
    ['OTV', 8472],
  ])('inside %s reads "…  [|ip6]" after its header, as tcpdump prints it', (_name, port) => {
    const inner = ip6(58, echo6);
    const frame = [...eth(0x0800), ...ip4(17, udp(1234, port, vxlan(0x86dd, inner)))];
    const start = 14 + 20 + 8 + 8 + 14;
    const { ours, theirs } = cuts(frame, start, start + 40);
    expect(ours).toEqual(theirs);
    expect(ours.filter((l) => / {2}\[\|ip6\]$/.test(l))).toHaveLength(2 * 40);
  });
});

describe('GRE the snaplen cut', () => {
  // Ours read "ip-proto-47 68" for any GRE packet not wholly captured; tcpdump prints the GRE fields it has and
  // then what GRE carries, as far as it was captured.
  it('in its header or in what it carries (IPv6, IPv4, Ethernet) reads as tcpdump prints it', () => {
    const lab = frames('ip-protocols/ip-protocols.pcap').slice(0, 5);
    expect(lab.map((f) => summarize(f.data, f.linkType)).every((l) => l.includes(': GREv0, '))).toBe(true);
    const built = [...eth(0x0800), ...ip4(47, [0, 0, ...be16(0x86dd), ...ip6(17, udp(1, 2, [3, 4]))])];
    let compared = 0;
    for (const frame of [...lab.map((f) => [...f.data]), built]) {
      const { ours, theirs } = cuts(frame, 14 + 20, frame.length);
      expect(ours).toEqual(theirs);
      compared += ours.length;
    }
    expect(compared).toBeGreaterThan(800);
  });

  it('inside the inner IPv6 fixed header reads "GREv0, length 68:  [|ip6]"', () => {
    const frame = [...eth(0x0800), ...ip4(47, [0, 0, ...be16(0x86dd), ...ip6(58, echo6)])];
    const start = 14 + 20 + 4;
    const { ours, theirs } = cuts(frame, start, start + 40);
    expect(ours).toEqual(theirs);
    expect(ours).toContain('cut at 40: IP 10.0.0.1 > 10.0.0.2: GREv0, length 68:  [|ip6]');
    expect(ours).toContain(
      'cut at 40 -e: 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 102: 10.0.0.1 > 10.0.0.2: GREv0, proto IPv6 (0x86dd), length 68:  [|ip6]',
    );
  });
});

describe('enhanced GRE (version 1, PPTP) whole and cut', () => {
  // It read "ip-proto-47 48"; tcpdump prints the call id (the key's low half), sequence and acknowledgment numbers,
  // "no-payload" without a sequence number, then the PPP frame: the IPv4 or IPv6 packet in it, MPPE's "compressed
  // PPP data", a control protocol's code, id and length ("LCP, Conf-Request (0x01), id 1, length 12"); -e adds
  // "proto PPP (0x880b)" and the PPP protocol's name and length.
  const ppp = (proto: number[], payload: number[], ac = true) => [
    ...(ac ? [0xff, 3] : []),
    ...proto,
    ...payload,
  ];
  const gre1 = (flags: number, payload: number[], type = 0x880b) => [
    ...be16(flags | 1),
    ...be16(type),
    ...(flags & 0x2000 ? [...be16(payload.length), 0x12, 0x34] : []),
    ...(flags & 0x1000 ? [0, 0, 0, 5] : []),
    ...(flags & 0x80 ? [0, 0, 0, 4] : []),
    ...payload,
  ];
  const echo4 = ip4(1, [8, 0, 0, 0, 0, 1, 0, 1]);
  it.each([
    ['call, seq and ack, carrying IPv4', gre1(0x3080, ppp([0, 0x21], echo4))],
    ['call and seq, carrying IPv6', gre1(0x3000, ppp([0, 0x57], ip6(58, echo6)))],
    ['an acknowledgment alone (no-payload)', gre1(0x2080, [])],
    ['no address and control, a compressed protocol field', gre1(0x3000, ppp([0x21], echo4, false))],
    ['an MPPE datagram', gre1(0x3000, ppp([0, 0xfd], [1, 2, 3, 4]))],
    ['an LCP configure request', gre1(0x3000, ppp([0xc0, 0x21], [1, 1, 0, 10, 1, 4, 5, 0xdc, 0, 0]))],
    ['an IPCP configure ack', gre1(0x3000, ppp([0x80, 0x21], [2, 3, 0, 10, 3, 6, 10, 0, 0, 1]))],
    ['a CCP reset request', gre1(0x3000, ppp([0x80, 0xfd], [14, 1, 0, 4]))],
    ['an LCP message of an unknown code', gre1(0x3000, ppp([0xc0, 0x21], [99, 1, 0, 4]))],
    ['a protocol other than PPP', gre1(0x3000, echo4, 0x0800)],
  ])('%s reads as tcpdump prints it at every cut', (_what, gre) => {
    const frame = [...eth(0x0800), ...ip4(47, gre)];
    const { ours, theirs } = cuts(frame, 14 + 20, frame.length);
    expect(ours).toEqual(theirs);
    expect(ours.at(-1)).toContain(': GREv1, ');
  });

  // A PPTP call authenticates with CHAP (MS-CHAP) or PAP before IPCP: these read "ip-proto-47 37"; tcpdump prints
  // the code, id, CHAP's value in hex and name, PAP's peer and password ("Name"), a result's message, as far as the
  // message's lengths go (a CHAP length short of the value reads on to the capture's end).
  const chap = (code: number, body: number[], len = body.length + 4) =>
    ppp([0xc2, 0x23], [code, 7, ...be16(len), ...body]);
  const pap = (code: number, body: number[], len = body.length + 4) =>
    ppp([0xc0, 0x23], [code, 9, ...be16(len), ...body]);
  const text = (t: string) => [...Buffer.from(t, 'latin1')];
  it.each([
    ['a CHAP challenge', chap(1, [4, 0xde, 0xad, 0xbe, 0xef, ...text('pptpd')])],
    ['a CHAP response', chap(2, [49, ...new Array<number>(49).fill(0x5a), ...text('user\x01\xe9')])],
    ['a CHAP success', chap(3, text('S=0123 M=ok'))],
    ['a CHAP failure', chap(4, text('E=691 R=0'))],
    ['a CHAP message of an unknown code', chap(9, [1, 2])],
    ['a CHAP challenge whose length is short of its value', chap(1, [4, 1, 2, 3, 4, 0x41, 0x42], 6)],
    ['a CHAP value longer than the message', chap(1, [9, 1, 2])],
    ['a CHAP message of 3 bytes', ppp([0xc2, 0x23], [1, 7, 0])],
    ['a PAP request', pap(1, [4, ...text('user'), 6, ...text('secret')])],
    ['a PAP ack', pap(2, [2, ...text('OK')])],
    ['a PAP nak', pap(3, [0])],
    ['a PAP request shorter than 6 bytes', pap(1, [0])],
    ['a PAP length past the message', pap(1, [1, 0x41, 0], 40)],
    ['a PAP length short of its header', pap(2, [1, 0x41], 3)],
    ['a PAP peer id longer than the message', pap(1, [9, 0x41, 0x42])],
    ['a PAP message of 2 bytes', ppp([0xc0, 0x23], [1, 9])],
  ])('%s reads as tcpdump prints it at every cut', (_what, payload) => {
    const gre = gre1(0x3000, payload);
    const frame = [...eth(0x0800), ...ip4(47, gre)];
    const { ours, theirs } = cuts(frame, 14 + 20, frame.length);
    expect(ours).toEqual(theirs);
    expect(ours[ours.length / 2 - 1]).toMatch(/: GREv1, call 4660, seq 5, length \d+: (CHAP|PAP|\[\|)/);
  });
});

describe('an ICMPv6 message the snaplen cut', () => {
  // Ours read "a > b:  [|icmp6]" short of the 4 bytes (8 for an echo, 24 for ND) the decoder reads, and a whole
  // line ("…, length 60") when an error's quoted packet was cut; tcpdump names the type once it has the type
  // byte and prints each field it has: "ICMP6, echo request [|icmp6]". An unreachable with a code from 5 on read
  // "destination unreachable, length 60"; tcpdump says "destination unreachable, unknown unreach code (5)" and
  // dumps the message in hex (which the summary joins to its line).
  const quoted = ip6(17, udp(40000, 9999, [1, 2, 3, 4]));
  const group = [0xff, 2, ...new Array<number>(13).fill(0), 0x16];
  const built: [string, number[]][] = [
    ['echo request', echo6],
    ['echo reply', [129, 0, 0, 0, 0, 7, 0, 1]],
    ['neighbor solicitation', [135, 0, 0, 0, 0, 0, 0, 0, ...a6('fd00::9'), 1, 1, 2, 0, 0, 0, 0, 1]],
    ['neighbor advertisement', [136, 0, 0, 0, 0x60, 0, 0, 0, ...a6('fd00::9')]],
    ...[0, 1, 2, 3, 4, 5, 6, 7, 8].map((code): [string, number[]] => [
      `unreachable code ${code}`,
      [1, code, 0, 0, 0, 0, 0, 0, ...quoted],
    ]),
    ['unreachable port quoting ICMPv6', [1, 4, 0, 0, 0, 0, 0, 0, ...ip6(58, [128, 0, 0, 0, 0, 1, 0, 1])]],
    ['packet too big', [2, 0, 0, 0, 0, 0, 5, 0xdc, ...quoted]],
    ['time exceeded in transit', [3, 0, 0, 0, 0, 0, 0, 0, ...quoted]],
    ['time exceeded in reassembly', [3, 1, 0, 0, 0, 0, 0, 0, ...quoted]],
    ['time exceeded code 2', [3, 2, 0, 0, 0, 0, 0, 0, ...quoted]],
    ...[0, 1, 2, 3, 9].map((code): [string, number[]] => [
      `parameter problem code ${code}`,
      [4, code, 0, 0, 0, 0, 0, 6, ...quoted],
    ]),
    ['redirect', [137, 0, 0, 0, 0, 0, 0, 0, ...a6('fd00::3'), ...a6('fd00::4')]],
    ['MLDv1 query', [130, 0, 0, 0, 0x27, 0x10, 0, 0, ...a6('::')]],
    ['MLDv2 query', [130, 0, 0, 0, 0x27, 0x10, 0, 0, ...a6('::'), 2, 125, 0, 1, ...a6('fd00::7')]],
    ['MLD query of 20 bytes', [130, 0, 0, 0, 0x27, 0x10, 0, 0, ...a6('::').slice(0, 12)]],
    ['MLD report', [131, 0, 0, 0, 0, 0, 0, 0, ...group]],
    ['MLD done', [132, 0, 0, 0, 0, 0, 0, 0, ...group]],
    ['MLDv2 report', [143, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, ...group]],
    ['MLDv2 report of 4 bytes', [143, 0, 0, 0]],
    ['router solicitation', [133, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 0, 0, 0, 1]],
    ['router advertisement', [134, 0, 0, 0, 64, 0, 0, 30, ...new Array<number>(8).fill(0)]],
  ];

  it.each(built)('%s, at every length, reads as tcpdump prints it', (_what, message) => {
    const frame = [...eth(0x86dd), ...ip6(58, message)];
    const { ours, theirs } = cuts(frame, 14 + 40, frame.length);
    expect(ours).toEqual(theirs);
  });

  it('after its type byte, and after its code, names the type as tcpdump does', () => {
    const frame = [...eth(0x86dd), ...ip6(58, echo6)];
    const { ours, theirs } = cuts(frame, 55, 56);
    expect(ours).toEqual(theirs);
    expect(ours.slice(0, 2)).toEqual([
      'cut at 55: IP6 fd00::1 > fd00::2: ICMP6, echo request [|icmp6]',
      'cut at 56: IP6 fd00::1 > fd00::2: ICMP6, echo request [|icmp6]',
    ]);
  });

  it("an IPv6 payload shorter than the message's header reads as a cut one", () => {
    // Payload length 2 with the echo's 8 bytes on the wire (Ethernet padding): tcpdump stops at the payload.
    const frame = [...eth(0x86dd), ...ip6(58, [128, 0])];
    frame.push(0, 0, 0, 1, 0, 1);
    const { ours, theirs } = cuts(frame, 14 + 40, frame.length);
    expect(ours).toEqual(theirs);
  });

  it("inside VXLAN and GRE, and in the lab's ICMPv6 packets, reads as tcpdump prints it", () => {
    const inner = ip6(58, echo6);
    const lab = [
      'router-errors/router-errors.pcap',
      'nat6/node-1__ens33.pcap',
      'nat6/node-1__veth1.pcap',
      'synthetic/edge/veth.pcap',
    ].flatMap((f) =>
      frames(f)
        .filter((x) => x.linkType === 1)
        .map((x) => [...x.data]),
    );
    const all = [
      [...eth(0x0800), ...ip4(17, udp(1234, 4789, vxlan(0x86dd, inner)))],
      [...eth(0x0800), ...ip4(17, udp(1234, 8472, vxlan(0x86dd, inner)))],
      [...eth(0x0800), ...ip4(47, [0, 0, ...be16(0x86dd), ...inner])],
      ...lab,
    ];
    let compared = 0;
    for (const frame of all) {
      const icmp = walk(Uint8Array.from(frame), 1).nodes.find((n) => n.kind === 'icmpv6');
      // GRE's payload is left to the summary: its ICMPv6 header is the inner packet's last 24 bytes.
      const at = icmp ? icmp.at : frame.length - echo6.length;
      if (!icmp && frame[14 + 9] !== 47) continue;
      const { ours, theirs } = cuts(frame, at, Math.min(frame.length, at + 60));
      expect(ours).toEqual(theirs);
      compared += ours.length;
    }
    expect(compared).toBeGreaterThan(2000);
  });
});

describe('a VXLAN header the snaplen cut', () => {
  // Ours read "UDP, length 86" for a datagram to a VXLAN port whose 8-byte header was not all captured; tcpdump
  // prints the fields it has: "VXLAN, flags [I] (0x08),  [|vxlan]", on 8472 "OTV, flags [I] (0x08), overlay 0,
  // [|otv]".
  const inner = [...eth(0x0800), ...ip4(1, [8, 0, 0, 0, 0, 1, 0, 1])];
  it.each([
    ['VXLAN', 4789, 0x08],
    ['VXLAN without its I flag', 4789, 0],
    ['OTV', 8472, 0x08],
    ['OTV without its I flag', 8472, 0],
  ])('%s reads as tcpdump prints it', (_what, port, flags) => {
    const frame = [...eth(0x0800), ...ip4(17, udp(1234, port, [flags, 0, 0, 0, 0, 0, 42, 0, ...inner]))];
    // Through the header, and on to the whole frame.
    const { ours, theirs } = cuts(frame, 14 + 20 + 8, frame.length);
    expect(ours).toEqual(theirs);
  });

  it("in the lab's flannel packets reads as tcpdump prints it", () => {
    const lab = frames('flannel-vxlan/node-1__ens33.pcap').filter((f) =>
      summarize(f.data, 1).includes(': OTV, '),
    );
    expect(lab.length).toBeGreaterThan(3);
    const start = 14 + 20 + 8;
    const { ours, theirs } = cuts([...lab[0].data], start, start + 8);
    expect(ours).toEqual(theirs);
    expect(ours).toContain(
      'cut at 46: IP 10.1.10.9.54436 > 10.1.10.10.8472: OTV, flags [I] (0x08), overlay 0,  [|otv]',
    );
  });
});

describe('a Geneve packet the snaplen cut', () => {
  // Geneve (UDP 6081) was plain "UDP, length N". tcpdump prints "Geneve, Flags [..], vni 0x.." (-e adds the
  // protocol), the options' length, then the Ethernet frame or IP packet inside, as far as it was captured.
  const option = (cls: number, type: number, data: number[]) => [
    ...be16(cls),
    type,
    data.length / 4,
    ...data,
  ];
  const ovn = option(0x0102, 0x80, [0, 1, 0, 3]);
  const geneve = (flags: number, proto: number, opts: number[], vni = 7, rsvd = 0) => [
    opts.length / 4,
    flags,
    ...be16(proto),
    vni >> 16,
    (vni >> 8) & 0xff,
    vni & 0xff,
    rsvd,
    ...opts,
  ];
  const echo = ip4(1, [8, 0, 0, 0, 0x12, 0x34, 0, 1, ...new Array<number>(8).fill(0x61)]);
  it.each([
    ['Ethernet inside, one OVN option', geneve(0, 0x6558, ovn), [...eth(0x0800), ...echo]],
    ['Ethernet inside, no options, VNI 0', geneve(0, 0x6558, [], 0), [...eth(0x0800), ...echo]],
    [
      'IPv4 inside, O and C flags, two options',
      geneve(0xc0, 0x0800, [...ovn, ...option(0xfff0, 1, [])]),
      echo,
    ],
    ['IPv6 inside, a reserved byte', geneve(0, 0x86dd, [], 0x123456, 1), ip6(58, echo6)],
    ['an unknown protocol inside', geneve(0x20, 0x1234, ovn), [1, 2, 3, 4]],
  ])('%s reads as tcpdump prints it at every cut', (_what, header, inner) => {
    const frame = [...eth(0x0800), ...ip4(17, udp(40000, 6081, [...header, ...inner]))];
    const { ours, theirs } = cuts(frame, 14 + 20 + 8, frame.length);
    expect(ours).toEqual(theirs);
    expect(ours.at(-1)).toContain(': Geneve, Flags [');
  });

  it("in the lab's antrea-geneve packets (with and without an option) reads as tcpdump prints it", () => {
    const lab = frames('antrea-geneve/node-1__ens33.pcap').filter((f) =>
      summarize(f.data, 1).includes(': Geneve, '),
    );
    expect(lab).toHaveLength(6);
    for (const f of lab.slice(0, 2)) {
      const { ours, theirs } = cuts([...f.data], 14 + 20 + 8, f.data.length);
      expect(ours).toEqual(theirs);
    }
  });

  it('with a version other than 0, or options longer than the datagram, reads as tcpdump prints it', () => {
    const v1 = [...eth(0x0800), ...ip4(17, udp(1, 6081, [0x40, 0, 0x65, 0x58, 0, 0, 7, 0, 1, 2]))];
    const long = [...eth(0x0800), ...ip4(17, udp(1, 6081, [0x04, 0, 0x65, 0x58, 0, 0, 7, 0, 1, 2]))];
    for (const frame of [v1, long]) {
      const { ours, theirs } = cuts(frame, frame.length, frame.length);
      expect(ours).toEqual(theirs);
    }
  });
});

describe('a raw IP packet (tunl0) the snaplen cut in its header', () => {
  // Ours read " [|ip]", with -e too (no "ip: "); tcpdump's IPv4 printer names the packet once a byte of it is
  // captured, "IP  [|ip]", its IPv6 printer not before its 40 bytes, and -e says "ip: " before either.
  it.each([
    ['IPv4', ip4(17, udp(1, 2, [3, 4]))],
    ['IPv6', ip6(17, udp(1, 2, [3, 4]))],
  ])('%s, LINKTYPE_RAW and DLT_RAW (12), reads as tcpdump prints it', (_what, packet) => {
    for (const linkType of [101, 12]) {
      const { ours, theirs } = cuts(packet, 1, packet.length, linkType);
      expect(ours).toEqual(theirs);
    }
  });

  it("in the lab's tunl0 capture reads as tcpdump prints it", () => {
    const [first] = frames('calico-ipip/node-1__tunl0.pcap');
    expect(first.linkType).toBe(101);
    const { ours, theirs } = cuts([...first.data], 1, first.data.length, 101);
    expect(ours).toEqual(theirs);
    expect(ours).toContain('cut at 19: IP  [|ip]');
  });
});

describe('an SLL2 header the snaplen cut', () => {
  it('reads " [|sll2]" as tcpdump prints it (ours said "[|sll]")', () => {
    const [first] = frames('any-calico-ipip/node-1__any.pcap').filter((f) => f.data[0] === 8);
    expect(first.linkType).toBe(276);
    const { ours, theirs } = cuts([...first.data], 1, first.data.length, 276);
    expect(ours).toEqual(theirs);
    expect(ours).toContain('cut at 19:  [|sll2]');
  });
});

describe('an ICMP message the snaplen cut', () => {
  // Ours read "ICMP destination unreachable (port unreachable), length 556" for an error whose quoted header was
  // cut, and " [|icmp]" for any message under 8 bytes; tcpdump builds the text first, so it prints " [|icmp]"
  // alone when a byte the text needs is missing, and the whole line when none is ("ICMP source quench, …").
  const quoted = ip4(17, udp(40000, 9999, [1, 2, 3, 4]));
  const built: [string, number[]][] = [
    ['echo request', [8, 0, 0, 0, 0, 7, 0, 1, 1, 2, 3, 4]],
    ...[0, 1, 2, 3, 4, 13].map((code): [string, number[]] => [
      `unreachable code ${code}`,
      [3, code, 0, 0, 0, 0, 5, 0xdc, ...quoted],
    ]),
    ['source quench', [4, 0, 0, 0, 0, 0, 0, 0, ...quoted]],
    ['redirect', [5, 1, 0, 0, 10, 0, 0, 9, ...quoted]],
    ['router advertisement', [9, 0, 0, 0, 2, 2, 0, 30, 10, 0, 0, 1, 0, 0, 0, 0, 10, 0, 0, 2, 0, 0, 0, 1]],
    ['router solicitation', [10, 0, 0, 0, 0, 0, 0, 0]],
    ['time exceeded in transit', [11, 0, 0, 0, 0, 0, 0, 0, ...quoted]],
    ['parameter problem', [12, 0, 0, 0, 3, 0, 0, 0, ...quoted]],
    ['time stamp query', [13, 0, 0, 0, 0, 1, 0, 2, ...new Array<number>(12).fill(0)]],
    ['time stamp reply', [14, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]],
    ['address mask request', [17, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0]],
    ['address mask reply', [18, 0, 0, 0, 0, 1, 0, 2, 255, 255, 255, 0]],
  ];

  it.each(built)('%s, at every length, reads as tcpdump prints it', (_what, message) => {
    const frame = [...eth(0x0800), ...ip4(1, message)];
    const { ours, theirs } = cuts(frame, 14 + 20, frame.length);
    expect(ours).toEqual(theirs);
  });

  it("in the lab's ICMP errors reads as tcpdump prints it", () => {
    const lab = [
      'router-errors/router-errors.pcap',
      'nat-icmp/node-1__ens33.pcap',
      'frag-igmp/frag-igmp.pcap',
    ]
      .flatMap((f) => frames(f))
      .filter((f) => / ICMP (?!echo)/.test(summarize(f.data, f.linkType)));
    expect(lab.length).toBeGreaterThan(8);
    for (const f of lab) {
      const icmp = walk(f.data, 1).nodes.find((n) => n.kind === 'icmp')!;
      const { ours, theirs } = cuts([...f.data], icmp.at, Math.min(f.data.length, icmp.at + 60));
      expect(ours).toEqual(theirs);
    }
  });
});

describe('an IPv4 header the snaplen cut in its options', () => {
  // Ours read "IP  [|ip]"; tcpdump has the fixed header and says so: the addresses (unless TCP, UDP, SCTP or
  // DCCP print them with their ports), " [remaining caplen(20) < header length(24)] [|ip]". A later fragment
  // it prints whole.
  const withOptions = (proto: number, frag = 0) => {
    const payload = new Array<number>(24).fill(0);
    return [
      ...eth(0x0800),
      ...[0x46, 0, ...be16(24 + payload.length), 0, 1, ...be16(frag), 64, proto, 0, 0],
      ...[10, 0, 0, 1, 10, 0, 0, 2, 0x94, 4, 0, 0, ...payload],
    ];
  };
  it.each([
    ['TCP', 6],
    ['UDP', 17],
    ['SCTP', 132],
    ['DCCP', 33],
    ['ICMP', 1],
    ['IGMP', 2],
    ['GRE', 47],
    ['protocol 253', 253],
  ])('carrying %s reads as tcpdump prints it', (_what, proto) => {
    const { ours, theirs } = cuts(withOptions(proto), 14 + 20, 14 + 23);
    expect(ours).toEqual(theirs);
  });

  it("a later fragment, and the lab's packets with options, read as tcpdump prints them", () => {
    const lab = [
      ...frames('ip-options/ip-options.pcap'),
      ...frames('flannel-hostgw/node-1__cni0.pcap'),
    ].filter((f) => f.linkType === 1 && f.data[12] === 8 && f.data[13] === 0 && f.data[14] > 0x45);
    expect(lab.length).toBeGreaterThan(3);
    for (const frame of [withOptions(17, 3), ...lab.map((f) => [...f.data])]) {
      const hlen = (frame[14] & 15) * 4;
      const { ours, theirs } = cuts(frame, 14 + 20, 14 + hlen - 1);
      expect(ours).toEqual(theirs);
    }
  });
});

describe('an HTTP payload, whole or cut', () => {
  // Ours read "HTTP [|http]" for any cut payload without an end of line (the lab's "ping-tcp" too) and knew 9
  // methods; tcpdump prints the first line only when the first token is one of its request names or the second
  // a 3-digit status, and marks the cut only then.
  const segment = (data: string, sport: number, dport: number) =>
    [
      ...eth(0x0800),
      ...ip4(6, [...be16(sport), ...be16(dport), 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 0, 64, 0, 0, 0, 0]),
    ].concat([...Buffer.from(data, 'latin1')]);
  const fix = (frame: number[]) => {
    // The IPv4 total length, now that the payload is on.
    frame.splice(16, 2, ...be16(frame.length - 14));
    return frame;
  };
  it.each([
    ['a request', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 40000, 80],
    ['a lower-case request ending in LF', 'get /a HTTP/1.0\nHost: x\n', 40000, 80],
    ['a WebDAV request', 'PROPFIND /d HTTP/1.1\r\n', 40000, 8080],
    ['a response', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 80, 40000],
    ['a status as the second token', 'FOO 404 nope\r\n', 8080, 40000],
    ['a request without an end of line', 'POST /x', 40000, 80],
    ['a body', 'ping-tcp', 40000, 8080],
    ['a stray CR', 'GET /\rX\r\n', 40000, 80],
    ['a control byte', 'GET /\x01 HTTP/1.1\r\n', 40000, 80],
    ['spaces between tokens', 'PUT   /a  HTTP/1.1\r\n', 40000, 80],
  ])('%s, at every length, reads as tcpdump prints it', (_what, data, sport, dport) => {
    const frame = fix(segment(data, sport, dport));
    const { ours, theirs } = cuts(frame, 14 + 40, frame.length);
    expect(ours).toEqual(theirs);
  });

  it("the lab's HTTP segments, at every length of their payload, read as tcpdump prints them", () => {
    const lab = [
      'ip-options/ip-options.pcap',
      'router-errors/router-errors.pcap',
      'kube-proxy/node-1__cbr0.pcap',
    ]
      .flatMap((f) => frames(f))
      .filter((f) => summarize(f.data, f.linkType).includes(': HTTP'));
    expect(lab.length).toBeGreaterThan(5);
    for (const f of lab) {
      const tcp = walk(f.data, 1).nodes.find((n) => n.kind === 'tcp')!;
      const { ours, theirs } = cuts(
        [...f.data],
        tcp.at + tcp.len,
        Math.min(f.data.length, tcp.at + tcp.len + 80),
      );
      expect(ours).toEqual(theirs);
    }
  });

  it('differs on purpose in a tab (".") and a line over 300 characters (cut)', () => {
    const tab = fix(segment('GET\t/ HTTP/1.1\r\n', 40000, 80));
    expect(summarize(Uint8Array.from(tab), 1)).toMatch(/: HTTP: GET\.\/ HTTP\/1\.1$/);
    const long = fix(segment(`GET /${'a'.repeat(400)} HTTP/1.1\r\n`, 40000, 80));
    expect(summarize(Uint8Array.from(long), 1)).toMatch(/: HTTP: GET \/a{295}$/);
  });
});

describe('TCP options the snaplen cut after IPv6 extension headers', () => {
  // Ours stopped at the ports ("HBH 40000 > 8080:  [|tcp]"); tcpdump prints the header and the options captured,
  // as without extension headers: "HBH 40000 > 8080: Flags [S], seq 1, win 64800, options [mss 1440, [|tcp]".
  it("in the lab's hop-by-hop TCP segments reads as tcpdump prints it", () => {
    const lab = frames('ip-options/ip-options.pcap').filter((f) =>
      /: HBH \d+ > \d+: Flags .*options \[/.test(summarize(f.data, f.linkType)),
    );
    expect(lab.length).toBeGreaterThan(3);
    let optionCuts = 0;
    for (const f of lab) {
      const tcp = walk(f.data, 1).nodes.find((n) => n.kind === 'tcp')!;
      const { ours, theirs } = cuts([...f.data], tcp.at, tcp.at + tcp.len);
      expect(ours).toEqual(theirs);
      optionCuts += ours.filter((l) => /options \[.*\[\|tcp\]/.test(l)).length;
    }
    expect(optionCuts).toBeGreaterThan(20);
  });
});

describe('an IGMP message the snaplen cut', () => {
  // Ours read "ip-proto-2 16" unless all 8 bytes were captured; tcpdump prints what it has, then " [|igmp]".
  const group = [239, 1, 2, 3];
  it.each([
    ['v1 query', [0x11, 0, 0, 0, 0, 0, 0, 0]],
    ['v2 query', [0x11, 50, 0, 0, ...group]],
    ['v3 query', [0x11, 200, 0, 0, ...group, 2, 125, 0, 1, 10, 0, 0, 9]],
    ['v1 report', [0x12, 0, 0, 0, ...group]],
    ['v2 report', [0x16, 0, 0, 0, ...group]],
    ['leave', [0x17, 0, 0, 0, ...group]],
    ['v3 report', [0x22, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, ...group]],
    ['v3 report of 10 bytes', [0x22, 0, 0, 0, 0, 0, 0, 1, 4, 0]],
    ['type 0x30', [0x30, 0, 0, 0, 0, 0, 0, 0]],
  ])('%s, at every length, reads as tcpdump prints it', (_what, message) => {
    const frame = [...eth(0x0800), ...ip4(2, message)];
    const { ours, theirs } = cuts(frame, 14 + 20, frame.length);
    expect(ours).toEqual(theirs);
  });

  it("the lab's IGMP messages, at every length, read as tcpdump prints them", () => {
    const lab = ['frag-igmp/frag-igmp.pcap', 'flannel-hostgw/node-1__cni0.pcap']
      .flatMap((f) => frames(f))
      .filter((f) => / igmp /.test(summarize(f.data, f.linkType)));
    expect(lab.length).toBeGreaterThan(3);
    for (const f of lab) {
      const ip = walk(f.data, 1).nodes.find((n) => n.kind === 'ipv4')!;
      const { ours, theirs } = cuts([...f.data], ip.at + ip.len, f.data.length);
      expect(ours).toEqual(theirs);
    }
  });
});

describe('ESP the snaplen cut', () => {
  // Ours read "ip-proto-50 72" unless all of it was captured; tcpdump prints the ESP line once a byte past its
  // 8-byte header is there, and " [|esp]" before.
  it("in the lab's ESP packets, and one of 8 bytes, reads as tcpdump prints it", () => {
    const lab = frames('ip-protocols/ip-protocols.pcap').filter((f) =>
      summarize(f.data, 1).includes(' ESP('),
    );
    expect(lab.length).toBeGreaterThanOrEqual(2);
    const bare = [...eth(0x0800), ...ip4(50, [0, 0, 3, 1, 0, 0, 0, 1])];
    for (const frame of [...lab.map((f) => [...f.data]), bare]) {
      const ip = walk(Uint8Array.from(frame), 1).nodes.find((n) => n.kind === 'ipv4' || n.kind === 'ipv6')!;
      const { ours, theirs } = cuts(frame, ip.at + ip.len, frame.length);
      expect(ours).toEqual(theirs);
    }
  });
});

describe('SCTP the snaplen cut', () => {
  // The walk decodes SCTP's common header now (ports for the journeys): a packet cut inside it or inside its chunks
  // still reads as tcpdump prints it, over IPv4 and IPv6. The lab's packets (sctp-flannel-vxlan: INIT, COOKIE ECHO
  // with DATA, SACK, …) and a bundle built here.
  const chunk = (type: number, flags: number, body: number[]) => [
    ...[type, flags, ...be16(4 + body.length), ...body],
    ...new Array<number>(-body.length & 3).fill(0),
  ];
  const data = chunk(0, 3, [0, 0, 0, 7, 0, 1, 0, 2, 0, 0, 0, 46, 0x68, 0x69]);
  const sack = chunk(3, 0, [0, 0, 0, 6, 0, 1, 0, 0, 0, 0, 0, 0]);
  const sctp = [...be16(36412), ...be16(3868), 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, ...sack, ...data];
  it.each([
    ['IPv4', [...eth(0x0800), ...ip4(132, sctp)], 14 + 20],
    ['IPv6', [...eth(0x86dd), ...ip6(132, sctp)], 14 + 40],
  ])('over %s, at every byte of it, reads as tcpdump prints it', (_what, frame, from) => {
    const { ours, theirs } = cuts(frame, from, frame.length);
    expect(ours).toEqual(theirs);
  });

  it("the lab's SCTP packets, cut after their common header, read as tcpdump prints them", () => {
    const lab = frames('sctp-flannel-vxlan/node-1__ens33.pcap').slice(0, 6);
    expect(lab.length).toBe(6);
    for (const f of lab) {
      const frame = [...f.data];
      const sc = walk(f.data, 1).nodes.find((n) => n.kind === 'sctp')!;
      const { ours, theirs } = cuts(frame, sc.at, Math.min(frame.length, sc.at + 40));
      expect(ours).toEqual(theirs);
    }
  });
});

describe('SCTP after IPv6 extension headers, in first fragments, with chunk lengths that contradict the packet', () => {
  // Ours read "HBH  ip-proto-132 52" after an extension header and in a first fragment, and "ip-proto-132 28" for
  // a DATA or INIT chunk too short for its fields; print-sctp.c prints the chunks there too, its " [|sctp]" where a
  // chunk runs past the fragment, and its words for a bad chunk length.
  it('in tests/fixtures/decode-edges/sctp6.pcap, whole and at every cut of its first 80 bytes, reads as tcpdump prints it', () => {
    const lab = frames('decode-edges/sctp6.pcap');
    expect(lab).toHaveLength(15);
    const lines = lab.map((f) => summarize(f.data, f.linkType));
    expect(lines.filter((l) => l.includes(': sctp'))).toHaveLength(13);
    expect(lines.filter((l) => l.endsWith(' bogus chunk length 16]'))).toHaveLength(2);
    expect(lines.some((l) => l.includes('ip-proto-132'))).toBe(false);
    for (const f of lab) {
      const ip = f.data[12] === 0x86 ? 14 + 40 : 14 + 20;
      const { ours, theirs } = cuts([...f.data], ip, Math.min(f.data.length, ip + 80));
      expect(ours).toEqual(theirs);
    }
  });
});

describe('the hex dumps tcpdump adds where it cannot decode', () => {
  // Ours left them out: an ICMPv6 unreachable with a code from 5 on, an ARP operation tcpdump does not know (and
  // RFC 2225's NAK), an 802.3 frame whose LLC header is cut (here by the frame itself), an Ethernet type tcpdump does
  // not know (whose link header it prints without -e too). tcpdump names what it can, then dumps the bytes (ICMPv6 in
  // hex, the others in hex and ASCII) on lines of their own, joined here.
  it('in tests/fixtures/decode-edges/hexdump.pcap, whole and at every cut, read as tcpdump prints them', () => {
    const lab = frames('decode-edges/hexdump.pcap');
    expect(lab).toHaveLength(9);
    const lines = lab.map((f) => summarize(f.data, f.linkType));
    expect(lines.filter((l) => / 0x0000: {2}\S/.test(l))).toHaveLength(9);
    expect(lines[7]).toMatch(/, ethertype Unknown \(0x88b5\), length 46: {2}0x0000: {2}686f 7073 636f 7065 /);
    // (A length, not a type, is an 802.3 frame's: not one of an unknown type.)
    const ieee = Uint8Array.from([
      ...lab[7].data.subarray(0, 12),
      0,
      8,
      0xe0,
      0xe0,
      3,
      ...Buffer.from('hello'),
    ]);
    expect(summarize(ieee, 1)).not.toContain('0x0000:');
    expect(lines[0]).toMatch(
      /unknown unreach code \(5\) 0x0000: {2}0105 0000 0000 0000 6000 0000 000c 113f 0x0010: /,
    );
    for (const f of lab) {
      const { ours, theirs } = cuts([...f.data], 14, f.data.length);
      expect(ours).toEqual(theirs);
    }
  });

  it("an 802.3 frame cut in its LLC header (the lab's BPDUs), or whose length field is shorter, reads as tcpdump prints it", () => {
    const bpdu = frames('ip-protocols/ip-protocols.pcap').find(
      (f) => f.data[12] === 0 && f.data[14] === 0x42,
    )!;
    const frame = [...bpdu.data];
    const { ours, theirs } = cuts(frame, 14, 17);
    expect(ours).toEqual(theirs);
    expect(ours).toContain(`cut at 16:  [|llc] 0x0000: ${' 4242'.padEnd(40)}  BB`);
    // A length field of 2 (less than the LLC header) with the frame's padding after it: "802.3, length 2:  [|llc]".
    const short = [...frame.slice(0, 12), 0, 2, ...frame.slice(14)];
    const { ours: o2, theirs: t2 } = cuts(short, short.length, short.length);
    expect(o2).toEqual(t2);
  });
});

describe('802.3 frames with LLC headers other than STP', () => {
  // Ours read "ethertype Unknown (0x0021)" (the length field as a type); print-llc.c names the SAPs ("NetBeui", or
  // "src Unknown SSAP 0xbc > dst SNA" when they differ), the control field's frame kind, IPX's addresses and socket,
  // SNAP's OUI and PID, and dumps the frame from its LLC header where it has no printer for what follows.
  it('in tests/fixtures/decode-edges/llc.pcap, whole and at every cut, read as tcpdump prints them', () => {
    const lab = frames('decode-edges/llc.pcap');
    expect(lab).toHaveLength(22);
    const lines = lab.map((f) => summarize(f.data, f.linkType));
    expect(lines.some((l) => /^ethertype Unknown \(0x0[0-5]/.test(l))).toBe(false);
    expect(lines.filter((l) => l.startsWith('IPX 00000000.'))).toHaveLength(4);
    expect(lines.filter((l) => / (Unnumbered|Supervisory|Information), /.test(l))).toHaveLength(11);
    expect(lines.filter((l) => / SNAP, /.test(l))).toHaveLength(3);
    // SNAP carrying IPv4, ARP and IPv6 (and IPv4 under Cisco's bridged OUI) reads as the packet it carries.
    expect(lines.slice(18).map((l) => l.split(' ')[0])).toEqual(['IP', 'ARP,', 'IP6', 'IP']);
    for (const f of lab) {
      const { ours, theirs } = cuts([...f.data], 14, f.data.length);
      expect(ours).toEqual(theirs);
    }
  });
});

describe('an IPv4 header whose total length claims more than the frame holds', () => {
  // Ours printed the packet as if whole; print-ip.c says "truncated-ip - N bytes missing! " first (N: what the total
  // length claims past the frame's end), then the packet as far as it reads it.
  it('in tests/fixtures/decode-edges/truncip.pcap, whole and at every cut, reads as tcpdump prints it', () => {
    const lab = frames('decode-edges/truncip.pcap');
    expect(lab).toHaveLength(13);
    const lines = lab.map((f) => summarize(f.data, f.linkType));
    expect(lines.map((l) => /^IP truncated-ip - (\d+) bytes missing! 10\.95\.0\.1/.exec(l)?.[1])).toEqual([
      '1',
      '1000',
      '64',
      '44',
      '100',
      '12',
      '48',
      '6',
      '20',
      undefined,
      undefined,
      undefined,
      '50',
    ]);
    // Inside IPIP, VXLAN and GRE (ours read " [|ip]" there, and GRE "ip-proto-47").
    for (const l of lines.slice(9, 12))
      expect(l).toMatch(/[: ]IP truncated-ip - 50 bytes missing! 10\.95\.0\.1 > /);
    for (const f of lab) {
      const { ours, theirs } = cuts([...f.data], 14, f.data.length);
      expect(ours).toEqual(theirs);
    }
  });
});

describe('SCTP SACKs with gap ack blocks and duplicate TSNs', () => {
  // Ours read "ip-proto-132 32" for a SACK with any block; print-sctp.c prints each block and duplicate TSN on a line
  // of its own (joined here with a space, its tabs dropped), as many as the chunk holds, and "bogus chunk length N]"
  // where the chunk ends inside one.
  it('in tests/fixtures/decode-edges/sack.pcap, whole and at every cut of the chunks, read as tcpdump prints them', () => {
    const lab = frames('decode-edges/sack.pcap');
    expect(lab).toHaveLength(12);
    const lines = lab.map((f) => summarize(f.data, f.linkType));
    expect(lines.some((l) => l.includes('ip-proto-132'))).toBe(false);
    expect(lines.join('\n').match(/ \[gap ack block #\d: start = \d+, end = \d+\] /g)).toHaveLength(11);
    expect(lines.join('\n').match(/ \[dup TSN #\d: \d+\] /g)).toHaveLength(7);
    expect(lines[9]).toContain('[gap ack block #1: start = 4294967295, end = 0]');
    expect(lines.filter((l) => / bogus chunk length 1[48]\]$/.test(l))).toHaveLength(2);
    for (const f of lab) {
      const sctpAt = f.data[12] === 0x86 ? 14 + 40 : 14 + 20;
      const { ours, theirs } = cuts([...f.data], sctpAt, f.data.length);
      expect(ours).toEqual(theirs);
    }
  });
});

describe('BGP the snaplen cut', () => {
  // Ours ended at "length 19"; tcpdump's BGP printer says ": BGP" once the TCP header is captured, whatever it has
  // of the messages.
  it("in the lab's BGP segments (OPEN, KEEPALIVE, UPDATE, NOTIFICATION) reads as tcpdump prints it", () => {
    const lab = frames('bgp/bgp.pcap').filter((f) => summarize(f.data, f.linkType).endsWith(': BGP'));
    expect(lab.length).toBe(16);
    for (const f of [lab[0], lab[2], lab[4], lab[15]]) {
      const tcp = walk(f.data, 1).nodes.find((n) => n.kind === 'tcp')!;
      const { ours, theirs } = cuts([...f.data], tcp.at, f.data.length);
      expect(ours).toEqual(theirs);
    }
  });
});

describe('DHCP the snaplen cut', () => {
  // Ours read "UDP, length 300"; tcpdump prints "BOOTP/DHCP, Request from <MAC>, length 300" once the client's MAC
  // is captured, and before that the op it has, then " [|bootp]".
  it("in the lab's DHCP messages (requests and replies), and other ops and hardware types, reads as tcpdump prints it", () => {
    const lab = frames('dhcp/dhcp.pcap').map((f) => [...f.data]);
    expect(lab).toHaveLength(5);
    // The discover as another op (7) and as a request from a hardware type other than Ethernet (6).
    const other = (i: number, v: number) => lab[0].map((x, j) => (j === 14 + 20 + 8 + i ? v : x));
    for (const frame of [...lab, other(0, 7), other(1, 6)]) {
      const { ours, theirs } = cuts(frame, 14 + 20, 14 + 20 + 8 + 40);
      expect(ours).toEqual(theirs);
      const whole = cuts(frame, frame.length, frame.length);
      expect(whole.ours).toEqual(whole.theirs);
    }
  });
});

describe('DNS the snaplen cut', () => {
  // Ours read "domain  [|udp]" for any message not wholly captured; tcpdump prints the header's fields, the questions
  // and answers it has, then " [|domain]" (" [|domain]" alone short of the 12-byte header).
  const name = (n: string) => [...n.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]), 0];
  const message = (id: number, flags: number, counts: number[], body: number[]) => [
    ...be16(id),
    ...be16(flags),
    ...counts.flatMap(be16),
    ...body,
  ];
  const question = (n: string, type: number, cls = 1) => [...name(n), ...be16(type), ...be16(cls)];
  const record = (type: number, data: number[], owner = [0xc0, 12]) => [
    ...owner,
    ...be16(type),
    0,
    1,
    0,
    0,
    0,
    30,
    ...be16(data.length),
    ...data,
  ];
  const opt = (ttl: number) => [0, 0, 41, 4, 0xd0, ttl >>> 24, (ttl >> 16) & 255, 0, 0, 0, 0];
  const built: [string, number[], number][] = [
    [
      'a query of two questions',
      message(7, 0x0100, [2, 0, 0, 0], [...question('a.b', 1), ...question('c.d', 28)]),
      53,
    ],
    ['a CHAOS query with odd flags', message(7, 0x0510, [1, 0, 0, 0], question('version.bind', 16, 3)), 53],
    ['an inverse query', message(7, 0x0900, [0, 1, 0, 0], record(1, [1, 2, 3, 4], name('x'))), 53],
    [
      'an answer of TXT, AAAA, PTR and MX, authenticated',
      message(
        9,
        0x81a0,
        [1, 4, 0, 0],
        [
          ...question('x.y', 16),
          ...record(16, [5, ...Buffer.from('hello'), 2, 0x68, 0x69]),
          ...record(28, [...new Array<number>(15).fill(0), 1]),
          ...record(12, name('p.q')),
          ...record(15, [0, 10, ...name('mx.q')]),
        ],
      ),
      40000,
    ],
    ['a truncated ServFail', message(9, 0x8382, [1, 0, 0, 0], question('x.y', 1)), 40000],
    [
      'an extended rcode (BadVers)',
      message(9, 0x8180, [1, 0, 0, 1], [...question('x.y', 1), ...opt(0x01000000)]),
      40000,
    ],
    ['a response without questions', message(9, 0x8180, [0, 0, 0, 0], []), 40000],
    [
      'a name with a byte outside ASCII',
      message(9, 0x0100, [1, 0, 0, 0], [1, 0xe9, 1, 7, 0, 0, 1, 0, 1]),
      53,
    ],
  ];
  it.each(built)('%s, at every length, reads as tcpdump prints it', (_what, dns, dport) => {
    const frame = [...eth(0x0800), ...ip4(17, udp(dport === 53 ? 40000 : 53, dport, dns))];
    const { ours, theirs } = cuts(frame, 14 + 20, frame.length);
    expect(ours).toEqual(theirs);
  });

  it('over TCP (a query, an answer, a bad length prefix, two messages in a segment), at every length, reads as tcpdump prints it', () => {
    // Ours ended at the segment's "length 56"; tcpdump prints the message after its 2-byte length prefix.
    const query = message(0x1234, 0x0100, [1, 0, 0, 0], question('kubernetes.default.svc.cluster.local', 1));
    const answer = message(
      0x1234,
      0x8580,
      [1, 1, 0, 0],
      [...question('kubernetes.default.svc.cluster.local', 1), ...record(1, [10, 96, 0, 1])],
    );
    const segment = (sport: number, dport: number, data: number[]) => [
      ...eth(0x0800),
      ...ip4(6, [
        ...be16(sport),
        ...be16(dport),
        0,
        0,
        0,
        1,
        0,
        0,
        0,
        1,
        0x50,
        0x18,
        1,
        0xf6,
        0,
        0,
        0,
        0,
        ...data,
      ]),
    ];
    const framed = (m: number[], extra = 0) => [...be16(m.length + extra), ...m];
    for (const frame of [
      segment(40000, 53, framed(query)),
      segment(53, 40000, framed(answer)),
      segment(40000, 53, framed(query, 5)),
      segment(40000, 53, [...framed(query), ...framed(query)]),
      segment(40000, 53, [0]),
    ]) {
      const { ours, theirs } = cuts(frame, 14 + 20 + 20, frame.length);
      expect(ours).toEqual(theirs);
    }
  });

  it("the lab's lookups (A, AAAA, CNAME, SRV, TXT, PTR, NXDomain over IPv6), at every length, read as tcpdump prints them", () => {
    const lab = frames('dns/dns.pcap');
    expect(lab).toHaveLength(14);
    let marks = 0;
    for (const f of lab) {
      const u = walk(f.data, 1).nodes.find((n) => n.kind === 'udp')!;
      const { ours, theirs } = cuts([...f.data], u.at, f.data.length);
      expect(ours).toEqual(theirs);
      marks += ours.filter((l) => l.endsWith(' [|domain]')).length;
    }
    expect(marks).toBeGreaterThan(1000);
  });
});

describe('DNS bit-string labels and EDNS options', () => {
  // Ours read "PTR?  [|domain]" for a name with an RFC 2673 bit-string label (tcpdump prints "\\[x0a/8]") and left
  // an OPT record's options out (tcpdump lists them in brackets: "[NSID 6e733031,ECS 10.95.0.0/24/0,…]").
  it('in tests/fixtures/decode-edges/dns.pcap, whole and at every cut of the message, read as tcpdump prints them', () => {
    const lab = frames('decode-edges/dns.pcap');
    expect(lab).toHaveLength(11);
    const lines = lab.map((f) => summarize(f.data, f.linkType));
    expect(lines.filter((l) => l.includes('\\[x'))).toHaveLength(4);
    expect(lines.filter((l) => / OPT UDPsize=1232( DO)? \[[^\]]+\] \(\d+\)$/.test(l))).toHaveLength(6);
    for (const f of lab) {
      const { ours, theirs } = cuts([...f.data], 14 + 20 + 8, f.data.length);
      expect(ours).toEqual(theirs);
    }
  });
});

describe('PIM, OSPF and VRRP the snaplen cut', () => {
  // Ours read "ip-proto-112 20" unless the whole message was captured; tcpdump prints PIM's line once its first byte
  // is there (" [|pim]" before), OSPF's once its first 16 bytes are (" [|ospf2]" before), and VRRP's fields as they
  // come ("VRRPv2, Advertisement, vrid 97, prio 100 [|vrrp]").
  it("in the lab's PIM hello, OSPF hello and VRRP v2 and v3 advertisements, and a VRRP with a TTL not 255, reads as tcpdump prints it", () => {
    const lab = frames('ip-protocols/ip-protocols.pcap')
      .map((f) => [...f.data])
      .filter((f) => f[12] === 8 && f[13] === 0 && [103, 89, 112].includes(f[14 + 9]));
    expect(lab).toHaveLength(5);
    // The first VRRP advertisement with TTL 64 (tcpdump's "(ttl 64)"; the IPv4 checksum is not checked).
    const ttl = lab.find((f) => f[14 + 9] === 112)!.map((x, i) => (i === 14 + 8 ? 64 : x));
    for (const frame of [...lab, ttl]) {
      const { ours, theirs } = cuts(frame, 14 + 20, frame.length);
      expect(ours).toEqual(theirs);
    }
  });
});

describe('STP the snaplen cut', () => {
  // Ours read "ethertype Unknown (0x0026)" for a BPDU not wholly captured; tcpdump prints " [|llc]" in the LLC header,
  // then the BPDU's version, type and flags as they come ("STP 802.1d, Config, Flags [none] [|stp]"), the bridge id
  // with the whole line.
  it("in the lab's BPDUs (802.1d config and topology change, RSTP, MSTP) reads as tcpdump prints it", () => {
    const lab = frames('ip-protocols/ip-protocols.pcap')
      .map((f) => [...f.data])
      .filter((f) => f[12] * 256 + f[13] < 0x600);
    expect(lab.length).toBeGreaterThanOrEqual(4);
    const kinds = new Set<string>();
    for (const frame of lab) {
      const { ours, theirs } = cuts(frame, 14, frame.length);
      expect(ours).toEqual(theirs);
      kinds.add(summarize(Uint8Array.from(frame), 1).replace(/^(STP [^,]+, [^,]+).*$/, '$1'));
    }
    expect([...kinds].sort()).toEqual([
      'STP 802.1d, Config',
      'STP 802.1d, Topology Change',
      'STP 802.1s, Rapid STP',
      'STP 802.1w, Rapid STP',
    ]);
  });
});

describe('ARP, whole and cut', () => {
  // Requests and replies read as tcpdump's; RARP and InARP read "ARP op 3", another protocol than IPv4 "ARP, hardware
  // type 1, protocol 0x86dd" (after a second "ARP, "). tcpdump names the operation and its addresses, or the
  // hardware and protocol types with their lengths.
  const mac = [2, 0, 0, 0, 0, 1];
  const arp = (op: number, tha = [0, 0, 0, 0, 0, 0], htype = 1) => [
    ...[...be16(htype), 8, 0, 6, 4, ...be16(op), ...mac, 10, 0, 0, 1, ...tha, 10, 0, 0, 2],
  ];
  const built: [string, number[]][] = [
    ['a request naming the target MAC', arp(1, [2, 0, 0, 0, 0, 2])],
    ['a request over token ring', arp(1, undefined, 6)],
    ...[3, 4, 8, 9, 10, 5].map((op): [string, number[]] => [`operation ${op}`, arp(op, [2, 0, 0, 0, 0, 2])]),
    [
      'IPv6 over Ethernet',
      [0, 1, 0x86, 0xdd, 6, 16, 0, 1, ...mac, ...a6('fd00::1'), 0, 0, 0, 0, 0, 0, ...a6('fd00::2')],
    ],
    [
      'an unknown protocol',
      [0, 1, 0x12, 0x34, 6, 4, 0, 1, ...mac, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2],
    ],
    [
      'an 8-byte hardware address',
      [
        0,
        32,
        8,
        0,
        8,
        4,
        0,
        2,
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        10,
        0,
        0,
        1,
        ...new Array<number>(8).fill(0),
        10,
        0,
        0,
        2,
      ],
    ],
  ];
  it.each(built)('%s, at every length, reads as tcpdump prints it', (_what, packet) => {
    const frame = [...eth(0x0806), ...packet];
    const { ours, theirs } = cuts(frame, 14, frame.length);
    expect(ours).toEqual(theirs);
  });

  it("the lab's requests and replies, at every length, read as tcpdump prints them", () => {
    const lab = frames('flannel-vxlan/node-1__ens33.pcap').filter(
      (f) => f.data[12] === 8 && f.data[13] === 6,
    );
    expect(lab.length).toBeGreaterThanOrEqual(2);
    for (const f of lab) {
      const { ours, theirs } = cuts([...f.data], 14, f.data.length);
      expect(ours).toEqual(theirs);
    }
  });
});

describe('NTP, whole and cut', () => {
  // Ours read "UDP, length 48"; tcpdump names the version and mode from the first byte ("NTPv4, Client, length 48"),
  // " [|ntp]" before it.
  it.each([0x23, 0x24, 0x1b, 0x19, 0x1d, 0x16, 0x17, 0x20, 0xe3])(
    'a packet whose first byte is 0x%s, at every length, reads as tcpdump prints it',
    (first) => {
      const frame = [...eth(0x0800), ...ip4(17, udp(40000, 123, [first, ...new Array<number>(47).fill(0)]))];
      const { ours, theirs } = cuts(frame, 14 + 20, frame.length);
      expect(ours).toEqual(theirs);
    },
  );

  it("a server's answer and a short packet read as tcpdump prints them; TFTP's port is not NTP", () => {
    for (const frame of [
      [...eth(0x0800), ...ip4(17, udp(123, 40000, [0x24, 2, 6, 0xe9, ...new Array<number>(44).fill(0)]))],
      [...eth(0x0800), ...ip4(17, udp(40000, 123, [0x23, 0]))],
    ]) {
      const { ours, theirs } = cuts(frame, 14 + 20, frame.length);
      expect(ours).toEqual(theirs);
    }
    // tcpdump reads it as TFTP: not as NTP.
    const tftp = [...eth(0x0800), ...ip4(17, udp(69, 123, [0x23, ...new Array<number>(47).fill(0)]))];
    expect(summarize(Uint8Array.from(tftp), 1)).toMatch(/: TFTP, length 48, tftp-#8960$/);
  });
});

describe('TFTP, whole and cut', () => {
  // Ours read "UDP, length 39"; tcpdump names the opcode and prints a request's file, mode and options, a block
  // number, an error's code and message, an OACK's options, each string up to its NUL or the capture's end.
  const text = (t: string) => [...Buffer.from(t, 'latin1'), 0];
  const built: [string, number[]][] = [
    [
      'a read request with options',
      [0, 1, ...text('pxelinux.0'), ...text('octet'), ...text('blksize'), ...text('1428')],
    ],
    ['a write request', [0, 2, ...text('boot.log'), ...text('netascii')]],
    [
      'a request with an empty option',
      [0, 1, ...text('a'), ...text('octet'), 0, ...text('tsize'), ...text('0')],
    ],
    ['a request whose last string has no NUL', [0, 1, ...text('pxelinux.0'), ...Buffer.from('oct')]],
    ['a request with no mode', [0, 1, ...text('pxelinux.0')]],
    ["a request's file with bytes to escape", [0, 1, ...text('a\x01b\xe9"\x7f'), ...text('octet')]],
    ['a data block', [0, 3, 0, 1, ...Buffer.from('hello world')]],
    ['an acknowledgment', [0, 4, 0x12, 0x34]],
    ['an acknowledgment with no block', [0, 4, 0]],
    ['an error', [0, 5, 0, 1, ...text('File not found')]],
    ['an error of a code tcpdump does not name', [0, 5, 0, 8, ...text('bad option')]],
    ['an error with no message', [0, 5, 0, 2]],
    [
      'an option acknowledgment',
      [0, 6, ...text('blksize'), ...text('400'), ...text('tsize'), ...text('600')],
    ],
    ['an unknown opcode', [0, 9, 1, 2]],
    ['a single byte', [0]],
  ];
  it.each(built)('%s, on port 69 either way, reads as tcpdump prints it at every cut', (_what, message) => {
    for (const [sport, dport] of [
      [40000, 69],
      [69, 40000],
    ]) {
      const frame = [...eth(0x0800), ...ip4(17, udp(sport, dport, message))];
      const { ours, theirs } = cuts(frame, 14 + 20, frame.length);
      expect(ours).toEqual(theirs);
      expect(ours[ours.length / 2 - 1]).toMatch(/: TFTP, length \d+/);
    }
  });

  it("the lab's requests (tests/fixtures/tftp) read as tcpdump prints them at every cut", () => {
    const lab = frames('tftp/tftp.pcap').filter((f) => summarize(f.data, f.linkType).includes(': TFTP, '));
    expect(lab).toHaveLength(3);
    for (const f of lab) {
      const { ours, theirs } = cuts([...f.data], 14 + 20, f.data.length);
      expect(ours).toEqual(theirs);
    }
  });

  it("DNS's, mDNS's and timed's ports come before TFTP's, BOOTP's and NTP's after it, as in tcpdump 4.99", () => {
    for (const port of [53, 5353, 525, 67, 68, 123]) {
      const frame = [...eth(0x0800), ...ip4(17, udp(69, port, [0, 4, 0, 1]))];
      const { ours, theirs } = cuts(frame, frame.length, frame.length);
      expect(ours).toEqual(theirs);
      expect(ours[0].includes('TFTP')).toBe(port !== 53 && port !== 5353 && port !== 525);
    }
  });
});

describe('DNS bit-string labels and EDNS options of random bytes, whole and cut', () => {
  // A seeded draw of 400 messages: queries whose names mix bit-string labels (any count, some cut) with ordinary
  // ones, and answers holding an OPT record with options of every kind print-domain.c knows and others, of lengths
  // its types allow and not, over UDP 53 and mDNS's 5353; each whole or cut at a random length: 1,600 lines
  // compared with tcpdump's, with and without -e.
  it('read as tcpdump prints them', () => {
    const rnd = seeded(2673);
    const int = (n: number) => Math.floor(rnd() * n);
    const bytes = (n: number) => Array.from({ length: n }, () => (rnd() < 0.3 ? 0 : int(256)));
    const label = () => {
      if (rnd() < 0.5) return [3, ...Buffer.from('lab')];
      const count = [0, 1, 3, 4, 5, 7, 8, 9, 12, 16, 31, 32, 33, 255][int(14)];
      return [0x41, count, ...bytes(((count || 256) + 7) >> 3)];
    };
    const option = () => {
      const code = [3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 0, 99][int(15)];
      let data: number[];
      if (code === 8 && rnd() < 0.7) {
        const family = [1, 2, 3][int(3)];
        const source = int(40);
        data = [0, family, source, int(3) ? 0 : int(40), ...bytes(rnd() < 0.8 ? (source + 7) >> 3 : int(6))];
      } else if (code === 13 && rnd() < 0.7) data = [4, ...Buffer.from('test'), 0];
      else data = bytes([0, 1, 2, 4, 7, 8, 9, 15, 16, 24, 40, 41][int(12)]);
      return [...be16(code), ...be16(rnd() < 0.9 ? data.length : int(50)), ...data];
    };
    const frames: Uint8Array[] = [];
    const caplens: number[] = [];
    for (let i = 0; i < 400; i++) {
      let body: number[];
      if (i % 2 === 0) {
        const name = [...label(), ...label(), ...(rnd() < 0.9 ? [0] : [])];
        body = [0x95, i & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...name, 0, 12, 0, 1];
      } else {
        const rdata = Array.from({ length: int(4) }, option).flat();
        const opt = [0, 0, 41, ...be16(512 + int(4096)), int(256), 0, rnd() < 0.5 ? 0x80 : 0, 0];
        body = [0x95, i & 255, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0, ...opt, ...be16(rdata.length), ...rdata];
      }
      const port = rnd() < 0.2 ? 5353 : 53;
      const frame = [...eth(0x0800), ...ip4(17, udp(40000, port, body))];
      frames.push(Uint8Array.from(frame));
      caplens.push(rnd() < 0.5 ? frame.length : 42 + int(frame.length - 41));
    }
    const file = path.join(tmp, `random-${files++}.pcap`);
    writeFileSync(file, pcapOf(frames, caplens));
    for (const link of [false, true]) {
      const args = ['-S', '-n', '-r', file];
      if (link) args.unshift('-e');
      const text = execFileSync('tcpdump', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const theirs = joinLines(text);
      const ours = frames.map((f, i) => summarize(f.subarray(0, caplens[i]), 1, { link, origLen: f.length }));
      expect(ours).toEqual(theirs);
      expect(ours.filter((l) => l.includes('\\[x')).length).toBeGreaterThan(60);
      expect(ours.filter((l) => / OPT UDPsize=\d+( DO)? \[/.test(l)).length).toBeGreaterThan(60);
    }
  });
});

describe("tcpdump 4.99's port order (print-udp.c, print-tcp.c) and mDNS", () => {
  // Ours read BOOTP for a datagram between mDNS's (or timed's) port and BOOTP's, NTP after every port tcpdump tries
  // first (and not after Kerberos', which it does not), HTTP for a segment between SMTP's or FTP's port and HTTP's,
  // and "UDP, length N" for mDNS, timed (TSP) and RIP. SNMP's printer is not reproduced here: "UDP, length N".
  it('in tests/fixtures/decode-edges/ports.pcap, whole and cut in the payload, read as tcpdump prints them', () => {
    const lab = frames('decode-edges/ports.pcap');
    expect(lab).toHaveLength(23);
    const printed = /: (\d+[ *+-]|BOOTP\/DHCP|NTPv|TSP_|\(tsp_type|RIPv|.*: (SMTP|FTP|WHOIS|HTTP)\b)/;
    let compared = 0;
    for (const f of lab) {
      const udp = f.data[14 + 9] === 17;
      const { ours, theirs } = cuts([...f.data], 14 + 20 + (udp ? 8 : 20), f.data.length);
      if (printed.test(theirs[theirs.length / 2 - 1])) {
        expect(ours).toEqual(theirs);
        compared++;
      } else expect(ours[ours.length / 2 - 1]).toMatch(/: UDP, length \d+$/);
    }
    expect(compared).toBe(22);
  });

  it('timed (TSP) and RIP messages of every type, version and command, whole and cut, read as tcpdump prints them', () => {
    const udp4 = (port: number, payload: number[]) => [...eth(0x0800), ...ip4(17, udp(40095, port, payload))];
    const i32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
    // A name with a control character, DEL and bytes with the high bit, as util-print.c shows them.
    const name = [...Buffer.from('node-1'), 1, 0x7f, 0xc8, 0xff, 0];
    const frames: number[][] = [];
    for (const type of [0, 1, 2, 5, 22, 23, 24, 25, 0x80])
      frames.push(udp4(525, [type, 1, 0, 7, ...i32(5), ...i32(12), ...name]));
    // Negative times (seconds -5 and -1 with microseconds, -1 without) and a negative microsecond count.
    for (const [sec, usec] of [
      [-5, 12],
      [-1, 12],
      [-1, 0],
      [1, -12],
    ])
      frames.push(udp4(525, [1, 1, 0, 7, ...i32(sec), ...i32(usec), 0x61, 0]));
    frames.push(udp4(525, [1, 1, 0, 7, ...i32(3), ...i32(0), ...Buffer.from('no nul')]));
    for (const version of [0, 1, 2, 3])
      for (const cmd of [0, 1, 2, 3, 4, 5, 6, 7])
        frames.push(udp4(520, [cmd, version, 0, 0, ...new Array<number>(20).fill(version)]));
    frames.push(udp4(520, [1, 0, 0, 0]));
    const start = 14 + 20 + 8;
    let lines = 0;
    for (const frame of frames) {
      const { ours, theirs } = cuts(frame, start, frame.length);
      expect(ours).toEqual(theirs);
      lines += ours.length;
    }
    expect(lines).toBeGreaterThan(1000);
  });
});

describe('TFTP, CHAP and PAP of random bytes, whole and cut', () => {
  // Messages built from a seeded draw of opcodes, codes, lengths that may contradict the bytes, strings with and
  // without their NUL, bytes to escape, each whole or cut at a random length: 1,500 lines compared with
  // tcpdump's, with and without -e.
  it('read as tcpdump prints them', () => {
    const rnd = seeded(4099);
    const int = (n: number) => Math.floor(rnd() * n);
    const bytes = (n: number) =>
      Array.from({ length: n }, () =>
        rnd() < 0.4 ? [0, 1, 2, 3, 4, 5, 6, 0x41, 0x80, 0x7f][int(10)] : int(256),
      );
    const frames: Uint8Array[] = [];
    const caplens: number[] = [];
    for (let i = 0; i < 750; i++) {
      const body = bytes(int(40));
      let frame: number[];
      if (i % 3 === 0) frame = [...eth(0x0800), ...ip4(17, udp(40000, 69, [0, int(8), ...body]))];
      else {
        const proto = i % 3 === 1 ? [0xc2, 0x23] : [0xc0, 0x23];
        const ppp = [0xff, 3, ...proto, int(5), 7, 0, int(body.length + 8), ...body];
        frame = [
          ...eth(0x0800),
          ...ip4(47, [0x30, 0x01, 0x88, 0x0b, ...be16(ppp.length), 0, 1, 0, 0, 0, 1, ...ppp]),
        ];
      }
      frames.push(Uint8Array.from(frame));
      caplens.push(rnd() < 0.5 ? frame.length : 34 + int(frame.length - 33));
    }
    const file = path.join(tmp, `random-${files++}.pcap`);
    writeFileSync(file, pcapOf(frames, caplens));
    for (const link of [false, true]) {
      const args = ['-S', '-n', '-r', file];
      if (link) args.unshift('-e');
      const text = execFileSync('tcpdump', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const theirs = joinLines(text);
      const ours = frames.map((f, i) => summarize(f.subarray(0, caplens[i]), 1, { link, origLen: f.length }));
      expect(ours).toEqual(theirs);
      expect(ours.filter((l) => /: (TFTP|CHAP|PAP), /.test(l)).length).toBeGreaterThan(450);
    }
  });
});
