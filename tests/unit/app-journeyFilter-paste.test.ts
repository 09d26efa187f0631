// A summary line pasted into the journey filter finds its journey: the journey list's line, and a pane's line
// (`tcpdump -e` style, with the link fields), of every ICMP message of the recorded fixtures with ICMP errors,
// whose text has pcap's keywords (`udp port 53 unreachable`, `host 10.98.2.2 unreachable`, `address mask`), on
// every hop (an error past a NAT quotes the rewritten port: nat-icmp, nat6). And a line of tcpdump itself run on
// a fixture's capture file (TCP with relative or absolute numbers, DNS, VXLAN, Geneve and IPIP with the packet
// inside; `-e`, `-v`, its timestamps) finds the journey of its packet and no other, unless tcpdump prints the very
// same line for another packet of that file.

import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { summaryOf } from '../../main/app/describe.ts';
import { parseJourneyFilter } from '../../main/app/journeyFilter.ts';
import { LoadedSession } from '../../main/app/loadedSession.ts';
import { openInputs } from '../../main/app/sessionBuild.ts';
import { journeysMatching, noMatchText } from '../../main/cli/journeyFilterArg.ts';
import { correlateInputs } from '../../main/session/ingest.ts';

const hasTcpdump = spawnSync('tcpdump', ['--version']).status === 0;

const opened = new Map<string, LoadedSession>();
function open(name: string): LoadedSession {
  let s = opened.get(name);
  if (!s) {
    const c = correlateInputs(openInputs([`tests/fixtures/${name}`]), { threads: 1 });
    s = new LoadedSession(name, name, null, c.correlator, c.result, []);
    opened.set(name, s);
  }
  return s;
}

const listed = (s: LoadedSession, filter: string): number[] => {
  const p = s.findJourneys(filter, 0, 1e9);
  expect(p.error, filter).toBeUndefined();
  return p.items.map((j) => j.id);
};

describe('a pasted summary line', () => {
  it('of an ICMP message, from the journey list or a pane, finds its journey (pcap’s keywords in it are words)', () => {
    let errors = 0;
    let keywords = 0;
    for (const name of [
      'router-errors',
      'nat-icmp',
      'nat6',
      'vxlan-pmtu',
      'geneve-pmtu',
      'any-calico-ipip',
    ]) {
      const s = open(name);
      const res = s.result;
      for (let r = 0; r < res.rows.length; r++) {
        const k = s.journeyCol[r];
        if (k < 0) continue;
        const pane = summaryOf(
          s.frames.frame(r),
          res.captures[res.rows.capture[r]].linkType,
          res.rows.origLen[r],
        );
        // ICMP messages (a tunnelled line's outer header has words the index has not: OTV, Geneve's options).
        if (!/: ICMP6?[ ,]/.test(pane) || /OTV|Geneve|VXLAN/.test(pane)) continue;
        if (/unreachable|exceeded|too big/.test(pane)) errors++;
        if (/ (udp|tcp) port |ICMP host |mask /.test(pane)) keywords++;
        expect({ name, pane, found: listed(s, pane).includes(k) }).toEqual({ name, pane, found: true });
        const line = s.journeySummary(k).summary;
        expect({ name, line, found: listed(s, line).includes(k) }).toEqual({ name, line, found: true });
      }
    }
    expect(errors).toBeGreaterThan(15);
    expect(keywords).toBeGreaterThan(5);
  });

  it('joined to another by or finds either’s journey, each line’s words its own', () => {
    const s = open('router-errors');
    const errors = listed(s, 'unreachable or exceeded');
    expect(errors.length).toBeGreaterThan(3);
    const lines = errors.map((k) => s.journeySummary(k).summary);
    lines.forEach((a, i) => {
      const b = lines[(i + 1) % lines.length];
      const want = [...new Set([...listed(s, a), ...listed(s, b)])].sort((x, y) => x - y);
      expect(want).toContain(errors[i]);
      expect({ a, b, found: listed(s, `${a} or ${b}`) }).toEqual({ a, b, found: want });
    });
  });

  it('is read as a packet at its A > B:, an ICMP line’s text as words, its link fields as ether src and dst', () => {
    const w = (word: string) => ({ op: 'word', word });
    const packet = (src: string, dst: string) => ({
      op: 'packet',
      packet: expect.objectContaining({ src, dst, sport: -1, dport: -1, tcp: null }),
    });
    expect(
      parseJourneyFilter('10.98.2.2 > 10.98.1.2: ICMP 10.98.2.2 udp port 53 unreachable, length 77'),
    ).toEqual(
      ['icmp', '10.98.2.2', 'udp', 'port', '53', 'unreachable', 'length', '77'].reduce(
        (a: object, x) => ({ op: 'and', a, b: w(x) }),
        packet('10.98.2.2', '10.98.1.2'),
      ),
    );
    const mac = (m: string) => parseJourneyFilter(`ether host ${m}`) as { mac: number };
    expect(
      parseJourneyFilter(
        '02:20:e1:3e:c2:bf > b2:da:52:ee:97:41, ethertype IPv4 (0x0800), length 46: 10.98.1.2 > 10.98.2.2: ICMP ' +
          'address mask request, length 12',
      ),
    ).toEqual(
      ['icmp', 'address', 'mask', 'request', 'length', '12'].reduce(
        (a: object, x) => ({ op: 'and', a, b: w(x) }),
        {
          op: 'and',
          a: {
            op: 'and',
            a: { op: 'ether', dir: 'src', mac: mac('02:20:e1:3e:c2:bf').mac },
            b: { op: 'ether', dir: 'dst', mac: mac('b2:da:52:ee:97:41').mac },
          },
          b: packet('10.98.1.2', '10.98.2.2'),
        },
      ),
    );
    // Without the colon it is pcap's: `A > B` then primitives.
    expect(parseJourneyFilter('10.98.2.2 > 10.98.1.2 and udp port 53')).toMatchObject({
      op: 'and',
      b: { op: 'port', lo: 53 },
    });
  });
});

/**
 * A record's line: a timestamp in one of tcpdump's forms (default, --nano, -tt, -ttt, -tttt) starts it, after -#'s
 * packet number.
 */
const RECORD = /^(?:\s*\d+ {2})?(?:\s?\d\d:\d\d:\d\d\.\d|\d{4}-\d\d-\d\d |\d{9,10}\.\d)/;
const TIMESTAMP = /^(?:\s*\d+ {2})?\s?(?:\d{4}-\d\d-\d\d )?[\d:.]+ /;

/**
 * `tcpdump FLAGS -r FILE`'s lines, one per record: a record's continuation lines (VXLAN's inner packet, `-v`'s
 * header and packet) joined to it by a space, as a one-line text box joins pasted lines.
 */
function tcpdumpLines(file: string, flags: string[]): string[] {
  const text = execFileSync('tcpdump', [...flags, '-r', file], { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines: string[] = [];
  for (const l of text.toString().split('\n'))
    if (l === '') continue;
    else if (RECORD.test(l) || lines.length === 0) lines.push(l);
    else lines[lines.length - 1] += ` ${l.trim()}`;
  return lines;
}

describe.skipIf(!hasTcpdump)('a line of tcpdump run on a fixture’s capture file, pasted', () => {
  it.each([
    ['port-reuse', '-n'],
    ['port-reuse', '-nS -tttt'],
    ['port-reuse', '-nev -tt'],
    ['gso-vxlan', '-n'],
    ['gso-vxlan', '-ne --nano'],
    ['gso-vxlan', '-nv'],
    ['flannel-vxlan', '-ne'],
    ['dns', '-n'],
    ['dns', '-nev'],
    // -#'s packet number before the timestamp: `    1  21:08:23.001352 IP …`.
    ['dns', '-n#'],
    // DNS over TCP: `length 56 4101+ A? kubernetes.default.svc.cluster.local. (54)`, its id after the two-byte length.
    ['dns-tcp', '-n'],
    ['dns-tcp', '-nv'],
    // -v's `[bad udp cksum 0xfb3f -> 0x7efd!]`: two datagrams with the same (offloaded) checksum, told apart by the
    // one they should have had, computed over each hop's frame.
    ['nat6', '-nv'],
    ['antrea-geneve', '-n'],
    ['antrea-geneve', '-ne'],
    ['calico-ipip', '-n'],
    ['calico-ipip', '-ne'],
    // IPv6's hop-by-hop header before TCP's ports (`HBH 40000 > 8080: Flags [.], ack 1, …`); with -v, ICMPv6's and
    // UDP's checksum notes (`[icmp6 sum ok] ICMP6, echo request, id 29053, seq 1`) and an error's quoted packet.
    ['ip-options', '-n'],
    ['ip-options', '-nev'],
    ['router-errors', '-nv'],
    // IGMPv3 reports with -v's group records: `igmp v3 report, 1 group record(s) [gaddr 224.0.0.106 to_ex, 0 …]`.
    ['flannel-hostgw', '-nv'],
    ['any-flannel-vxlan', '-nv'],
    // Fragments with -v: IPv4's `offset 1480`, IPv6's `frag (0x0ca66278:1448|1448)` (id and offset); with -e, a
    // later fragment's frame length (`length 1514: 10.98.0.1 > 10.98.0.2: ip-proto-1`).
    ['frag-igmp', '-nv'],
    ['frag-igmp', '-ne'],
    // GRE with the packet inside: `GREv0, key=0x61, seq 5, proto IPv6 (0x86dd), length 63: fd97:1::1.40001 > …`.
    ['ip-protocols', '-ne'],
    // -vv: AH's `AH(length=4(24-bytes),spi=…)`, SCTP's `[Payload: 0x0000:  6865 6c6c 6f  hello]`, PIM's, OSPF's and
    // VRRP's details.
    ['ip-protocols', '-nvv'],
    ['sctp-flannel-vxlan', '-nvv'],
    // -q: `tcp 0`; VXLAN's outer header as UDP (`10.1.10.9.50582 > 10.1.10.10.8472: UDP, length 1464`); -e's
    // `MAC > MAC, IPv4, length 98:`, a cooked capture's `ifindex 4 5e:56:ea:dc:5c:33 10.100.84.132 > …`.
    ['port-reuse', '-nq'],
    ['flannel-vxlan', '-nq'],
    ['antrea-geneve', '-nqe'],
    ['any-calico-ipip', '-nqe'],
    // -v's IPv6 extension headers' options, ICMPv6's details and an MLDv2 report's group records, compared with the
    // frame's (`HBH (rtalert: 0x0000) (padn) [icmp6 sum ok] ICMP6, multicast listener report v2, 1 group record(s)
    // [gaddr ff02::1:ff3a:5e08 to_ex, 0 source(s)]`): three nodes' reports, their lines alike before the records.
    ['ipv6-link-local', '-nv'],
    // -v's BOOTP xid and DHCP message type: a Discover and the Request with its xid, their lines alike before them.
    ['dhcp', '-nv'],
    // Pings in several VLANs: `id 1, seq 1` is not `id 16, seq 1`, whose words are the same.
    ['vlan-trunk', '-n'],
    // `tcpdump -i any`: `ens33 In  IP …`, `?     B   ifindex 5 MAC ethertype …`.
    ['any-flannel-vxlan', '-n'],
    ['any-calico-ipip', '-ne'],
    // With -v: `ifb0  Out IP (tos 0x0, ttl 64, …) 10.1.10.8.37162 > …`.
    ['any-broadcast', '-nv'],
    ['any-calico-ipip', '-nv'],
  ])('%s, tcpdump %s: finds its packet’s journey, and another only for the same line', (name, flags) => {
    const s = open(name);
    const res = s.result;
    const dir = `tests/fixtures/${name}`;
    let lines = 0;
    let alone = 0;
    const wrong: object[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.pcap'))) {
      // The file's records: a `-i any` file is a lane per interface, its rows in the file's order by offset.
      const rows: number[] = [];
      for (let r = 0; r < res.rows.length; r++)
        if (res.captures[res.rows.capture[r]].path?.endsWith(`/${file}`)) rows.push(r);
      rows.sort((a, b) => res.rows.fileOffset[a] - res.rows.fileOffset[b]);
      const text = tcpdumpLines(`${dir}/${file}`, flags.split(' '));
      expect({ file, records: text.length }).toEqual({ file, records: rows.length });
      const bare = text.map((l) => l.replace(TIMESTAMP, ''));
      text.forEach((line, i) => {
        const k = s.journeyCol[rows[i]];
        if (k < 0) return; // ARP
        const want = new Set([k]);
        bare.forEach(
          (b, j) => b === bare[i] && s.journeyCol[rows[j]] >= 0 && want.add(s.journeyCol[rows[j]]),
        );
        const got = listed(s, line).sort((a, b) => a - b);
        lines++;
        if (got.length === 1) alone++;
        if (got.join() !== [...want].sort((a, b) => a - b).join())
          wrong.push({ file, line, got, want: [...want] });
      });
    }
    expect(wrong).toEqual([]);
    expect(lines).toBeGreaterThanOrEqual(5);
    // All but the few lines tcpdump prints alike for two packets find one journey (-q's say too little for that;
    // ipv6-link-local's reports and solicitations repeat, line for line).
    if (!flags.includes('q') && name !== 'ipv6-link-local') expect(alone).toBeGreaterThan(lines * 0.8);
  });
});

describe('a pasted tcpdump line (as tcpdump -nr prints the fixtures)', () => {
  it('of TCP finds its segment’s journey by its numbers, relative or absolute, not every segment of the flow', () => {
    const s = open('port-reuse');
    // The same client ACK in connections 2 and 3 (port 40000 reused): relative numbers alike, timestamps not.
    const second =
      '05:32:25.911061 IP 10.98.3.1.40000 > 10.98.3.2.8080: Flags [.], ack 1, win 63, options [nop,nop,TS val ' +
      '3215003993 ecr 2683669164], length 0';
    const third =
      '05:32:26.112212 IP 10.98.3.1.40000 > 10.98.3.2.8080: Flags [.], ack 1, win 63, options [nop,nop,TS val ' +
      '3215004194 ecr 2683669365], length 0';
    const a = listed(s, second);
    const b = listed(s, third);
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(1);
    expect(a).not.toEqual(b);
    // The journey list's line of it says less: every such ACK of the flow.
    expect(listed(s, '10.98.3.1.40000 > 10.98.3.2.8080: Flags [.], length 0').length).toBeGreaterThan(4);
    // Typed, in lower case and cut short: the flow's SYNs (the three connections').
    const syns = listed(s, '10.98.3.1.40000 > 10.98.3.2.8080: flags [s]');
    expect(syns).toHaveLength(3);
    expect(syns).toEqual(listed(s, '10.98.3.1.40000 > 10.98.3.2.8080: Flags [S]'));
    // -tttt's date and time, relative numbers; and -S's absolute ones: the same segment.
    const data =
      '2026-11-27 05:32:25.911095 IP 10.98.3.1.40000 > 10.98.3.2.8080: Flags [P.], seq 1:4, ack 1, win 63, ' +
      'options [nop,nop,TS val 3215003993 ecr 2683669164], length 3: HTTP';
    const absolute = data.replace('seq 1:4, ack 1', 'seq 548047209:548047212, ack 2384623461');
    expect(listed(s, data)).toHaveLength(1);
    expect(listed(s, absolute)).toEqual(listed(s, data));
    expect(listed(s, data.replace('seq 1:4', 'seq 2:5'))).toEqual([]);
    // -v: the IP header's TTL and id, the TCP checksum as the packet has it.
    const verbose =
      '05:32:25.710021 IP (tos 0x0, ttl 64, id 41025, offset 0, flags [DF], proto TCP (6), length 60)\n' +
      '    10.98.3.1.40000 > 10.98.3.2.8080: Flags [S], cksum 0x1af5 (incorrect -> 0xe5ff), seq 544907209, win ' +
      '64240, options [mss 1460,sackOK,TS val 3215003792 ecr 0,nop,wscale 10], length 0';
    expect(listed(s, verbose)).toHaveLength(1);
    for (const [a, b] of [
      ['ttl 64', 'ttl 63'],
      ['id 41025', 'id 41026'],
      ['cksum 0x1af5', 'cksum 0x1af6'],
      ['incorrect -> 0xe5ff', 'incorrect -> 0xe600'],
    ])
      expect({ b, found: listed(s, verbose.replace(a, b)) }).toEqual({ b, found: [] });
  });

  it('of a GSO piece on the wire finds the large segment it was cut from', () => {
    const s = open('gso-vxlan');
    // node-2's ens33 (VXLAN's inner packet on tcpdump's next line) and node-1's cni0.
    const piece =
      '18:44:18.713613 IP 10.1.10.9.50582 > 10.1.10.10.8472: OTV, flags [I] (0x08), overlay 0, instance 1\n' +
      'IP 10.244.0.12.33400 > 10.244.1.34.5001: Flags [.], seq 1399:2797, ack 1, win 64, options [nop,nop,TS val ' +
      '4078132328 ecr 874519408], length 1398';
    const whole =
      '18:44:18.713532 IP 10.244.0.12.33400 > 10.244.1.34.5001: Flags [P.], seq 1:6991, ack 1, win 64, options ' +
      '[nop,nop,TS val 4078132328 ecr 874519408], length 6990';
    expect(listed(s, piece)).toHaveLength(1);
    expect(listed(s, piece)).toEqual(listed(s, whole));
    // The outer line alone: every journey through that VXLAN header (the flow's data segments, node-1 → node-2).
    const outer = piece.slice(0, piece.indexOf('\n'));
    expect(listed(s, outer).length).toBeGreaterThan(3);
    expect(listed(s, outer)).toEqual(expect.arrayContaining(listed(s, piece)));
    // A wrong VNI finds nothing.
    expect(listed(s, outer.replace('instance 1', 'instance 2'))).toEqual([]);
  });

  it('of DNS, Geneve and IPIP finds its packet’s journey', () => {
    const dns = open('dns');
    const query =
      '21:08:23.001352 IP 10.95.0.2.56387 > 10.95.0.10.53: 57802+ A? kubernetes.default.svc.cluster.local. (54)';
    const reply = '21:08:23.007942 IP 10.95.0.10.53 > 10.95.0.2.56387: 57802* 1/0/0 A 10.96.0.1 (70)';
    expect(listed(dns, query)).toHaveLength(1);
    expect(listed(dns, reply)).toHaveLength(1);
    expect(listed(dns, query.replace('57802+', '57803+'))).toEqual([]);
    // The line ends at DNS's (N): pcap's filter again after it.
    expect(listed(dns, `${query} or ${reply}`)).toEqual(
      [...listed(dns, query), ...listed(dns, reply)].sort(),
    );
    expect(listed(dns, `${query} and not udp`)).toEqual([]);
    // Over TCP: the id after the message's two-byte length, the line's end at (N).
    const tcp = open('dns-tcp');
    const overTcp = tcpdumpLines('tests/fixtures/dns-tcp/dns-tcp.pcap', ['-n']).filter((l) =>
      /length \d+ \d+/.test(l),
    );
    expect(overTcp).toHaveLength(6);
    for (const line of overTcp) {
      expect({ line, found: listed(tcp, line).length }).toEqual({ line, found: 1 });
      const other = line.replace(/(length \d+ )(\d+)/, (_, at: string, id: string) => `${at}${+id + 1}`);
      expect({ other, found: listed(tcp, other) }).toEqual({ other, found: [] });
      expect({ line, found: listed(tcp, `${line} and not tcp`) }).toEqual({ line, found: [] });
    }

    const geneve = open('antrea-geneve');
    const request =
      '18:53:45.154352 IP 10.1.10.9.42605 > 10.1.10.10.6081: Geneve, Flags [C], vni 0x7, options [8 bytes]: IP ' +
      '10.10.0.5 > 10.10.1.6: ICMP echo request, id 31834, seq 1, length 64';
    expect(listed(geneve, request)).toHaveLength(1);
    expect(listed(geneve, request.replace('vni 0x7', 'vni 0x8'))).toEqual([]);
    expect(listed(geneve, `${request} and icmp`)).toEqual(listed(geneve, request));

    const ipip = open('calico-ipip');
    const echo =
      '03:24:03.438126 IP 10.1.10.9 > 10.1.10.10: IP 10.100.84.132 > 10.100.247.24: ICMP echo request, id 17504, ' +
      'seq 1, length 64';
    expect(listed(ipip, echo)).toHaveLength(1);
    expect(listed(ipip, echo.replace('10.1.10.9 > 10.1.10.10', '10.1.10.10 > 10.1.10.9'))).toEqual([]);
  });

  it('ends where tcpdump’s line ends: TCP’s, UDP’s and ICMP’s at length N, DNS’s at (N)', () => {
    const tcp =
      '10.98.3.1.40000 > 10.98.3.2.8080: Flags [S], seq 544907209, win 64240, options [mss 1460,sackOK,TS val ' +
      '3215003792 ecr 0,nop,wscale 10], length 0';
    expect(parseJourneyFilter(`${tcp} and udp`)).toMatchObject({
      op: 'and',
      a: {
        op: 'packet',
        packet: { tcp: { flags: 2, seq: 544907209, win: 64240, tsVal: 3215003792, length: 0 } },
      },
      b: { op: 'proto', proto: 17 },
    });
    expect(parseJourneyFilter('10.95.0.2.56387 > 10.95.0.10.53: UDP, length 54 or icmp')).toMatchObject({
      op: 'or',
      a: { op: 'packet', packet: { udpLength: 54 } },
      b: { op: 'proto', proto: 1 },
    });
    // VXLAN on IANA's 4789 (`VXLAN, … vni N`; no fixture has it): its outer header and VNI, the packet inside.
    expect(
      parseJourneyFilter(
        'IP 10.1.10.9.40000 > 10.1.10.10.4789: VXLAN, flags [I] (0x08), vni 7 IP 10.244.0.12 > 10.244.1.34: ICMP ' +
          'echo request, id 5, seq 2, length 64 and not vni 8',
      ),
    ).toMatchObject({
      op: 'and',
      a: {
        op: 'packet',
        packet: {
          src: '10.244.0.12',
          icmpEcho: 'request',
          icmpId: 5,
          icmpSeq: 2,
          outer: { type: 'vxlan', src: '10.1.10.9', sport: 40000, dport: 4789, vni: 7 },
        },
      },
      b: { op: 'not', a: { op: 'word', word: 'vni=8' } },
    });
    const s = open('port-reuse');
    expect(listed(s, `${tcp} and port 8080`)).toEqual(listed(s, tcp));
    expect(listed(s, `${tcp} and not host 10.98.3.2`)).toEqual([]);
    // After `length N:` tcpdump prints the payload: `HTTP` alone ends the line.
    const http =
      '10.98.3.1.40000 > 10.98.3.2.8080: Flags [P.], seq 1:4, ack 1, win 63, options [nop,nop,TS val 3215003993 ' +
      'ecr 2683669164], length 3: HTTP';
    expect(listed(s, http)).toHaveLength(1);
    expect(listed(s, `${http} and not tcp`)).toEqual([]);
    expect(listed(s, `${http} and port 8080`)).toEqual(listed(s, http));
  });
});

describe.skipIf(!hasTcpdump)('a pasted line’s end, after a payload tcpdump prints', () => {
  /** The first address of a line's `A > B:`. */
  const source = (line: string) => {
    const a = / ([\da-f:.]+) > /.exec(line)![1];
    return a.split('.').length === 5 || (a.includes(':') && a.includes('.'))
      ? a.slice(0, a.lastIndexOf('.'))
      : a;
  };
  /** A `length N` or `-v` payload whose end tcpdump does not mark: the rest of the filter goes with the line. */
  const UNCERTAIN = new RegExp(
    [
      'HTTP: HTTP/', // a response's reason phrase
      'HTTP, length: ', // -v: the message's lines
      'BGP\\s+\\w', // -v: the messages
      'TFTP', // options
      'NTPv4, \\w+, length \\d+ Leap', // -v
      'BOOTP/DHCP, .*length \\d+, xid', // -v
      'PIMv2, length \\d+ Hello', // -v
      'OSPFv2, Hello, length \\d+ Router-ID', // -v
      'VRRPv\\d, .*length \\d+, addrs', // -v
      'ICMP6, [a-z ]+, length \\d+,', // -v: the type's details, options
      'length \\d+ (source|destination) link-address', // -v: options
      'group record\\(s\\) \\[gaddr', // -v: MLD's group records
    ].join('|'),
  );
  // [fixture, tcpdump's flags, whether some lines' ends are known, whether some are not]
  it.each([
    ['port-reuse', '-n', true, false],
    ['dns-tcp', '-n', true, false],
    ['dns-tcp', '-nv', true, false],
    ['kube-proxy', '-n', true, true],
    ['kube-proxy', '-nv', true, true],
    ['bgp', '-n', true, false],
    ['bgp', '-nv', true, true],
    ['dhcp', '-n', true, false],
    ['dhcp', '-nv', false, true],
    ['ntp', '-n', true, false],
    ['ntp', '-nv', false, true],
    ['tftp', '-n', true, true],
    ['ip-protocols', '-n', true, false],
    ['ip-protocols', '-nv', true, true],
    ['frag-igmp', '-n', true, false],
    ['ipv6-link-local', '-n', true, false],
    // `HBH (rtalert: 0x0000) (padn) [icmp6 sum ok] ICMP6, multicast listener report v2, … [gaddr …]`, `ICMP6, neighbor
    // solicitation, length 32, who has fe80::… source link-address option (1), …`.
    ['ipv6-link-local', '-nv', false, true],
  ])(
    '%s, tcpdump %s: is where tcpdump’s ends, or else the rest of the filter goes with it',
    (name, flags, some, goesOn) => {
      const s = open(name);
      const res = s.result;
      const dir = `tests/fixtures/${name}`;
      let known = 0;
      let uncertain = 0;
      const wrong: object[] = [];
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.pcap'))) {
        const rows: number[] = [];
        for (let r = 0; r < res.rows.length; r++)
          if (res.captures[res.rows.capture[r]].path?.endsWith(`/${file}`)) rows.push(r);
        rows.sort((a, b) => res.rows.fileOffset[a] - res.rows.fileOffset[b]);
        const lines = tcpdumpLines(`${dir}/${file}`, flags.split(' '));
        lines.forEach((line, i) => {
          const k = s.journeyCol[rows[i]];
          // Not a journey (ARP, STP); -v's AH (`AH(length=4(24-bytes),spi=…)`) and ICMPv6 echo (no length) no reader
          // here ends.
          if (k < 0 || /AH\(length=|ICMP6, echo .*seq \d+$/.test(line)) return;
          const found = listed(s, line);
          const host = `host ${source(line)}`;
          const got = {
            line,
            and: listed(s, `${line} and ${host}`),
            not: listed(s, `${line} and not ${host}`),
          };
          const goes = UNCERTAIN.test(line);
          if (goes) uncertain++;
          else known++;
          const want = { line, and: found, not: goes ? found : [] };
          if (!found.includes(k) || JSON.stringify(got) !== JSON.stringify(want)) wrong.push({ got, want });
        });
      }
      expect(wrong).toEqual([]);
      expect({ known: known > 0, uncertain: uncertain > 0 }).toEqual({ known: some, uncertain: goesOn });
    },
  );
});

describe.skipIf(!hasTcpdump)('a pasted line inside the user’s parentheses', () => {
  it('ends at their ")" where tcpdump’s own words are, or says what to write where the packet’s text is', () => {
    let ended = 0;
    let said = 0;
    for (const [name, flags] of [
      ['ip-protocols', '-nv'],
      ['tftp', '-n'],
    ]) {
      const s = open(name);
      for (const line of tcpdumpLines(`tests/fixtures/${name}/${name}.pcap`, [flags])) {
        if (!/ IP6? /.test(line)) continue; // ARP, STP
        const found = listed(s, line);
        const a = / ([\da-f:.]+) > /.exec(line)![1];
        const host = a.split('.').length === 5 || a.includes(':') ? a.replace(/\.\d+$/, '') : a;
        const wrapped = `( ${line} ) and not host ${host}`;
        const p = s.findJourneys(wrapped, 0, 1e9);
        // PIM's, OSPF's, SCTP's words, tcpdump's own: the ")" is the user's. TFTP's file name and options, VRRP's
        // -v authentication string are the packet's text, where tcpdump may print a ")".
        if (/TFTP|VRRPv2, .*addrs/.test(line)) {
          said++;
          expect({ line, error: p.error }).toEqual({
            line,
            error: expect.stringContaining('without parentheses'),
          });
        } else {
          if (!/ length \d+$/.test(line)) ended++;
          expect({ line, got: p.error ?? p.items.map((j) => j.id) }).toEqual({ line, got: [] });
          expect({ line, got: listed(s, `(${line})`) }).toEqual({ line, got: found });
        }
      }
    }
    expect({ ended: ended > 5, said: said > 0 }).toEqual({ ended: true, said: true });
    // A DNS line cut before its (N): its names are the packet's text.
    const dns = open('dns').findJourneys(
      '( 10.95.0.2.56387 > 10.95.0.10.53: 57802+ A? kubernetes.default.svc.cluster.local. ) and not udp',
      0,
      1e9,
    );
    expect(dns.error).toContain('took it, as tcpdump may print one where it stands');
  });
});

describe.skipIf(!hasTcpdump)('a pasted line of a payload with ports the journey’s line has not', () => {
  it('compares its length N with UDP’s (BOOTP/DHCP, NTP, TFTP, with -v too)', () => {
    let lines = 0;
    for (const [name, flags] of [
      ['dhcp', '-nv'],
      ['ntp', '-n'],
      ['tftp', '-n'],
    ]) {
      const s = open(name);
      for (const line of tcpdumpLines(`tests/fixtures/${name}/${name}.pcap`, [flags])) {
        const m = /(BOOTP\/DHCP|NTPv4|TFTP), .*?length (\d+)/.exec(line);
        if (!m) continue;
        lines++;
        expect({ line, found: listed(s, line).length }).toEqual({ line, found: 1 });
        const other = line.replace(`length ${m[2]}`, `length ${+m[2] + 1}`);
        expect({ other, found: listed(s, other) }).toEqual({ other, found: [] });
      }
    }
    expect(lines).toBeGreaterThan(10);
  });
});

describe('a pasted GRE line', () => {
  it('as a pane prints it and as tcpdump -v does finds its packet’s journey, and ends with the packet inside', () => {
    const s = open('ip-protocols');
    const res = s.result;
    let gre = 0;
    for (let r = 0; r < res.rows.length; r++) {
      const k = s.journeyCol[r];
      const pane = summaryOf(
        s.frames.frame(r),
        res.captures[res.rows.capture[r]].linkType,
        res.rows.origLen[r],
      );
      if (k < 0 || !pane.includes(': GREv0, ')) continue;
      gre++;
      // `GREv0, key=0x61, proto IPv4 (0x0800), length 43: 192.168.97.1.40000 > …`: -e's words the list's line has not.
      expect(pane).toMatch(/, proto (IPv4|IPv6|TEB) \(0x[0-9a-f]{4}\), length \d+: /);
      expect({ pane, found: listed(s, pane) }).toEqual({ pane, found: [k] });
      // pcap's filter again after the packet inside.
      expect({ pane, found: listed(s, `${pane} and not host 10.97.0.2`) }).toEqual({ pane, found: [] });
      expect({ pane, found: listed(s, `${pane} or esp`) }).toEqual({ pane, found: [k, ...listed(s, 'esp')] });
    }
    expect(gre).toBe(5);
    // -v: `GREv0, Flags [key present, sequence# present], key=0x61, seq 5, length 63` and the packet inside with its
    // own header and checksum note, on tcpdump's next lines.
    const v6 =
      '05:09:27.477414 IP (tos 0x0, ttl 64, id 12627, offset 0, flags [DF], proto GRE (47), length 83)\n' +
      '    10.97.0.1 > 10.97.0.2: GREv0, Flags [key present, sequence# present], key=0x61, seq 5, length 63\n' +
      '\t(hlim 64, next-header UDP (17) payload length: 11) fd97:1::1.40001 > fd97:1::2.9999: [bad udp cksum ' +
      '0x0000 -> 0x55e9!] UDP, length 3';
    expect(listed(s, v6)).toEqual([3]);
    expect(listed(s, v6.replace('seq 5', 'seq 6'))).toEqual([]);
    expect(listed(s, v6.replace('id 12627', 'id 12628'))).toEqual([]);
    expect(listed(s, `${v6} and host 10.97.0.1`)).toEqual([3]);
    expect(listed(s, `${v6} and not host 10.97.0.1`)).toEqual([]);
  });
});

describe.skipIf(!hasTcpdump)('a pasted GREv1 (PPTP) line with PPP inside', () => {
  it.each([
    ['-n', true],
    ['-ne', true],
    // -v's options on the next lines, which the journey's line has not: the rest of the filter goes with them.
    ['-nv', false],
  ])('tcpdump %s: finds its packet’s journey, and ends where tcpdump’s ends', (flags, ends) => {
    const file = 'decode-edges/ppp.pcap';
    const s = open(file);
    const lines = tcpdumpLines(`tests/fixtures/${file}`, [flags]);
    expect(lines).toHaveLength(18);
    expect(s.result.rows.length).toBe(18);
    lines.forEach((line, r) => {
      const k = s.journeyCol[r];
      expect({ line, found: listed(s, line) }).toEqual({ line, found: [k] });
      const not = `${line} and not host 10.95.0.1`;
      expect({ not, found: listed(s, not) }).toEqual({ not, found: ends ? [] : [k] });
      // -e's PPP header, `LCP (0xc021), length 44:`, is left out; the message's words are compared.
      const other = line.replace(/(Conf-\w+|-Re\w+|Ident|Time-Rem|Disc-Req) \(/, 'Term-Ack (');
      expect({ other, found: listed(s, other) }).toEqual({ other, found: [] });
      const wrapped = s.findJourneys(`( ${line} ) and not host 10.95.0.1`, 0, 1e9);
      if (ends) {
        expect({ line, found: wrapped.error ?? wrapped.items.map((j) => j.id) }).toEqual({ line, found: [] });
        // pcap's filter again after it: another packet's line.
        const next = s.journeyCol[(r + 1) % lines.length];
        const either = `${line} or ${lines[(r + 1) % lines.length]}`;
        expect({ either, found: listed(s, either) }).toEqual({
          either,
          found: [k, next].sort((a, b) => a - b),
        });
      } else expect(wrapped.error).toContain('without parentheses');
    });
  });
});

describe.skipIf(!hasTcpdump)('a pasted IGMP line', () => {
  it('of tcpdump -v or -vv finds its packet’s journey, and ends where tcpdump’s ends', () => {
    const s = open('frag-igmp');
    const res = s.result;
    const igmp = listed(s, 'igmp');
    expect(igmp.length).toBe(8);
    const plain = tcpdumpLines('tests/fixtures/frag-igmp/frag-igmp.pcap', ['-n']);
    const rows = plain.map((_, r) => r).filter((r) => igmp.includes(s.journeyCol[r]));
    for (const flags of ['-nv', '-nvv']) {
      const lines = tcpdumpLines('tests/fixtures/frag-igmp/frag-igmp.pcap', [flags]);
      expect(lines).toHaveLength(res.rows.length);
      rows.forEach((r, i) => {
        const line = lines[r];
        const k = s.journeyCol[r];
        expect({ line, found: listed(s, line) }).toEqual({ line, found: [k] });
        expect({ line, found: listed(s, `${line} and not host 10.98.0.1`) }).toEqual({ line, found: [] });
        // pcap's filter again after it: another IGMP message's line (without -v).
        const other = rows[(i + 1) % rows.length];
        expect({ line, found: listed(s, `${line} or ${plain[other]}`) }).toEqual({
          line,
          found: [k, s.journeyCol[other]].sort((a, b) => a - b),
        });
      });
    }
    // -vv's sources: `[gaddr 239.98.0.1 { 10.98.0.1 10.98.0.2 }]` where -v and the journey's line have `2 source(s)`.
    expect(tcpdumpLines('tests/fixtures/frag-igmp/frag-igmp.pcap', ['-nvv']).join('\n')).toContain(
      '[gaddr 239.98.0.1 { 10.98.0.1 10.98.0.2 }]',
    );
    // A report's group records (-v), which the journey's line has not.
    const hostgw = open('flannel-hostgw');
    const report =
      '03:24:15.677947 IP (tos 0xc0, ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), length 40, options (RA))\n' +
      '    10.1.10.1 > 224.0.0.22: igmp v3 report, 1 group record(s) [gaddr 224.0.0.106 to_ex, 0 source(s)]';
    const found = listed(hostgw, report);
    expect(found).toHaveLength(1);
    expect(listed(hostgw, `${report} and not igmp`)).toEqual([]);
    expect(listed(hostgw, `${report} and host 10.1.10.1`)).toEqual(found);
    // Its group record's address is compared with the frame's.
    expect(listed(hostgw, report.replace('gaddr 224.0.0.106', 'gaddr 224.0.0.107'))).toEqual([]);
  });
});

describe('a pasted tcpdump line in the CLI’s --filter', () => {
  it('finds its journey without the app’s per-row columns, and is named when no hop has its packet', () => {
    const c = correlateInputs(openInputs(['tests/fixtures/port-reuse']), { threads: 1 });
    const line =
      '05:32:26.112444 IP 10.98.3.2.8080 > 10.98.3.1.40000: Flags [P.], seq 1:9, ack 6, win 64, options ' +
      '[nop,nop,TS val 2683669365 ecr 3215004194], length 8: HTTP';
    const m = journeysMatching(c, line);
    expect(m.journeys).toEqual(listed(open('port-reuse'), line));
    expect(m.journeys).toHaveLength(1);
    const wrong = `udp or ${line.replace('ack 6', 'ack 7')}`;
    const none = journeysMatching(c, wrong);
    expect(none.journeys).toEqual([]);
    expect(none.unmatchedLines).toEqual([8]);
    expect(noMatchText(wrong, none)).toContain(
      "no hop's packet is the one the pasted line at column 8 describes (its addresses, ports",
    );
  });
});
