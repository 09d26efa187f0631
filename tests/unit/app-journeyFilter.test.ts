// The journey filter as tcpdump users type it (main/app/journeyFilter.ts), on recorded lab sessions opened through
// the app's service: each filter's journeys against those the CLI's JSON of the same capture says should match.

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compileJourneyFilter, parseJourneyFilter } from '../../main/app/journeyFilter.ts';
import { LoadedSession } from '../../main/app/loadedSession.ts';
import { openInputs } from '../../main/app/sessionBuild.ts';
import { correlateInputs } from '../../main/session/ingest.ts';
import {
  FAMILY_IP,
  FAMILY_IP6,
  filterWord,
  JourneyIndex,
  PORT_ANY,
  PORT_TCP,
  PORT_UDP,
  ROLE_DST,
  ROLE_SRC,
} from '../../main/app/journeyIndex.ts';
import { AppService } from '../../main/app/service.ts';
import type { JourneyPage, SessionInfo } from '../../preload/api.ts';
import { ok } from './app-helpers.ts';

interface Eth {
  src: string;
  dst: string | null;
}
interface JHop {
  node: string;
  iface: string;
  src: string;
  dst: string;
  srcPort: number | null;
  dstPort: number | null;
  proto: number;
  eth: Eth | null;
  encap: {
    type: string;
    outerSrc: string;
    outerDst: string;
    vni?: number;
    srcPort?: number;
    dstPort?: number;
    innerEth?: Eth | null;
  }[];
}
interface J {
  id: number;
  summary: string;
  hops: (JHop & { wireguard?: unknown })[];
  stop?: unknown;
}

const cli = (dir: string): J[] =>
  JSON.parse(
    execFileSync(process.execPath, ['bin/hopscope.mjs', 'correlate', '--json', dir], { encoding: 'utf8' }),
  ).journeys;

// What a hop carries, for the expected sets.
const addrs = (h: JHop, role: 'src' | 'dst' | null): string[] => [
  ...(role !== 'dst' ? [h.src, ...h.encap.map((e) => e.outerSrc)] : []),
  ...(role !== 'src' ? [h.dst, ...h.encap.map((e) => e.outerDst)] : []),
];
const macs = (h: JHop, role: 'src' | 'dst' | null): (string | null)[] =>
  [h.eth, ...h.encap.map((e) => e.innerEth ?? null)].flatMap((e) =>
    e ? [...(role !== 'dst' ? [e.src] : []), ...(role !== 'src' ? [e.dst] : [])] : [],
  );
const ports = (h: JHop): number[] => [
  ...[h.srcPort, h.dstPort].filter((p): p is number => p !== null),
  ...h.encap.flatMap((e) => [e.srcPort ?? -1, e.dstPort ?? -1]),
];
const v4in = (a: string, net: string, bits: number): boolean => {
  const n = (s: string) => s.split('.').reduce((x, o) => x * 256 + +o, 0);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(a)) return false;
  const span = 2 ** (32 - bits);
  return Math.floor(n(a) / span) === Math.floor(n(net) / span);
};
const anyHop = (j: J, f: (h: JHop) => boolean) => j.hops.some(f);
const host =
  (a: string, role: 'src' | 'dst' | null = null) =>
  (j: J) =>
    anyHop(j, (h) => addrs(h, role).includes(a));
const net =
  (n: string, bits: number, role: 'src' | 'dst' | null = null) =>
  (j: J) =>
    anyHop(j, (h) => addrs(h, role).some((a) => v4in(a, n, bits)));
const udp = (j: J) => anyHop(j, (h) => h.proto === 17 || h.encap.some((e) => e.type === 'vxlan'));
const icmp = (j: J) => anyHop(j, (h) => h.proto === 1);

// One service per fixture: opening a session closes the service's previous one.
const sessions = new Map<string, { svc: AppService; id: string; js: J[] }>();
beforeAll(async () => {
  for (const name of [
    'three-hosts',
    'flannel-vxlan',
    'kube-proxy',
    'nat6',
    'calico-bgp',
    'drops-flannel-vxlan',
    'calico-wireguard',
  ]) {
    const dir = `tests/fixtures/${name}`;
    const svc = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
    const s = await ok<SessionInfo>(svc.call('openPaths', { paths: [dir] }));
    sessions.set(name, { svc, id: s.id, js: cli(dir) });
  }
});
afterAll(() => {
  for (const s of sessions.values()) s.svc.close();
});

async function page(fixture: string, filter: string): Promise<JourneyPage> {
  const s = sessions.get(fixture)!;
  return ok<JourneyPage>(s.svc.call('listJourneys', { sessionId: s.id, filter, from: 0, count: 100_000 }));
}

/** The journeys (CLI ids) a filter lists, against those `want` picks from the CLI's JSON; never none by accident. */
async function check(
  fixture: string,
  filter: string,
  want: (j: J) => boolean,
  allowNone = false,
): Promise<void> {
  const p = await page(fixture, filter);
  const js = sessions.get(fixture)!.js;
  const expected = js.filter(want).map((j) => j.id);
  if (!allowNone) expect(expected.length, `${fixture}: ${filter} picks some journeys`).toBeGreaterThan(0);
  expect({ fixture, filter, error: p.error, ids: p.items.map((j) => j.id + 1) }).toEqual({
    fixture,
    filter,
    error: undefined,
    ids: expected,
  });
  expect(p.total).toBe(expected.length);
}

describe('the journey filter reads the journeys’ own words', () => {
  it('`stopped`: the journeys said stopped (the list’s ✗ badge), as the CLI’s JSON says them', async () => {
    await check('drops-flannel-vxlan', 'stopped', (j) => j.stop !== undefined);
    await check(
      'drops-flannel-vxlan',
      'stopped and dst host 10.244.1.35',
      (j) => j.stop !== undefined && j.hops[0].dst === '10.244.1.35',
    );
    await check('drops-flannel-vxlan', 'not stopped', (j) => j.stop === undefined);
    await check('flannel-vxlan', 'stopped', () => false, true);
  });

  it('`wireguard`: the journeys with a hop seen encrypted in WireGuard', async () => {
    await check('calico-wireguard', 'wireguard', (j) => j.hops.some((h) => h.wireguard !== undefined));
    await check('calico-wireguard', 'wireguard and tcp', (j) =>
      j.hops.some((h) => h.wireguard !== undefined && j.hops[0].proto === 6),
    );
  });
});

describe('the journey filter reads tcpdump expressions', () => {
  it('&& and ||, and, or, parentheses, !word and not (three-hosts: pod pings over VXLAN and node pings)', async () => {
    const a = host('10.1.10.8');
    const b = host('10.1.10.10');
    await check('three-hosts', 'host 10.1.10.8 && host 10.1.10.10', (j) => a(j) && b(j));
    await check('three-hosts', 'host 10.1.10.8 and host 10.1.10.10', (j) => a(j) && b(j));
    await check('three-hosts', '10.1.10.8 || 10.1.10.10', (j) => a(j) || b(j));
    await check('three-hosts', '(host 10.1.10.8)', a);
    await check('three-hosts', '!udp', (j) => !udp(j));
    await check('three-hosts', '! udp', (j) => !udp(j));
    // Node-to-pod pings from the client: no VXLAN (so no 10.1.10.9 > 10.1.10.10 outer header).
    const c = host('10.1.10.9');
    await check(
      'three-hosts',
      'icmp && !(host 10.1.10.9 || host 10.1.10.10)',
      (j) => icmp(j) && !c(j) && !b(j),
    );
    await check('three-hosts', '(10.1.10.8 or 10.1.10.10) and udp', (j) => (a(j) || b(j)) && udp(j));
    // pcap's precedence: and and or are equal and associate left to right; side by side is an and of the same
    // precedence. So `a or b and c` is `(a or b) and c`, and so is `a or b c`.
    await check('three-hosts', '10.1.10.8 or 10.1.10.10 and udp', (j) => (a(j) || b(j)) && udp(j));
    await check('three-hosts', '10.1.10.8 or 10.1.10.10 udp', (j) => (a(j) || b(j)) && udp(j));
    await check('three-hosts', 'udp and 10.1.10.8 or 10.1.10.10', (j) => (udp(j) && a(j)) || b(j));
    await check('three-hosts', 'not 10.1.10.8 10.1.10.10', (j) => !a(j) && b(j));
  });

  it('ip and ip6 are a hop’s Ethernet type (the inner packet’s, or a tunnel’s IPv4); ip host is host', async () => {
    const all = () => true;
    await check('three-hosts', 'ip', all);
    await check('three-hosts', 'ip6', () => false, true);
    await check('three-hosts', 'ip host 10.1.10.8', host('10.1.10.8'));
    await check('nat6', 'ip6', all);
    await check('nat6', 'ip', () => false, true);
    await check('nat6', 'ip6 and tcp', (j) => anyHop(j, (h) => h.proto === 6));
  });

  it('[src|dst] net CIDR over the addresses of every hop and outer header, IPv4 and IPv6', async () => {
    await check('three-hosts', 'net 10.244.0.0/16', net('10.244.0.0', 16));
    await check('three-hosts', 'net 10.244', net('10.244.0.0', 16));
    await check('three-hosts', 'src net 10.244.0.0/16', net('10.244.0.0', 16, 'src'));
    await check('three-hosts', 'dst net 10.244.1.0/24', net('10.244.1.0', 24, 'dst'));
    await check('three-hosts', '10.244.1.0/24', net('10.244.1.0', 24));
    // The outer headers' addresses (node IPs) too; a /30 is not byte-aligned.
    await check(
      'three-hosts',
      'net 10.1.10.8/30 and not net 10.244.0.0/16',
      (j) => net('10.1.10.8', 30)(j) && !net('10.244.0.0', 16)(j),
    );
    await check('three-hosts', 'net 10.1.10.10/32', host('10.1.10.10'));
    // pcap's shorthand: the qualifier carries over to a network after or.
    await check(
      'three-hosts',
      'src net 10.244.0.0/24 or 10.244.1.0/24',
      (j) => net('10.244.0.0', 24, 'src')(j) || net('10.244.1.0', 24, 'src')(j),
    );
    const six = (prefix: string, role: 'src' | 'dst' | null) => (j: J) =>
      anyHop(j, (h) => addrs(h, role).some((a) => a.startsWith(prefix)));
    await check('nat6', 'net fd44::/16', six('fd44:', null));
    await check('nat6', 'src net fd77::/16', six('fd77:', 'src'));
    await check('nat6', 'net ::/0', () => true);
  });

  it('[src|dst] port N at any hop (outer UDP too), pcap’s `port 80 or 8877`', async () => {
    const port = (n: number) => (j: J) => anyHop(j, (h) => ports(h).includes(n));
    await check('kube-proxy', 'port 8877', port(8877));
    await check('kube-proxy', 'tcp port 80 or 8877', (j) => port(80)(j) || port(8877)(j));
    await check('kube-proxy', 'dst port 9376', (j) => anyHop(j, (h) => h.dstPort === 9376));
    await check('kube-proxy', 'src port 9376', (j) => anyHop(j, (h) => h.srcPort === 9376));
    await check('flannel-vxlan', 'udp dst port 8472', (j) =>
      anyHop(j, (h) => h.encap.some((e) => e.dstPort === 8472)),
    );
  });

  it('ether [src|dst] host MAC and a bare MAC: any hop’s Ethernet addresses, outer and VXLAN inner', async () => {
    const js = sessions.get('three-hosts')!.js;
    // node-2's ens33; node-1's flannel.1, on flannel.1 hops and inside the VXLAN header on ens33.
    const ens33 = '00:0c:29:2f:33:85';
    const flannel = js.flatMap((j) => j.hops).find((h) => h.iface === 'flannel.1')!.eth!.src;
    const mac = (m: string, role: 'src' | 'dst' | null) => (j: J) =>
      anyHop(j, (h) => macs(h, role).includes(m));
    await check('three-hosts', `ether host ${ens33}`, mac(ens33, null));
    await check('three-hosts', ens33.toUpperCase(), mac(ens33, null));
    await check('three-hosts', `ether src ${ens33}`, mac(ens33, 'src'));
    await check('three-hosts', `ether dst host ${ens33}`, mac(ens33, 'dst'));
    await check(
      'three-hosts',
      `ether host ${flannel} and not host 10.1.10.8`,
      (j) => mac(flannel, null)(j) && !host('10.1.10.8')(j),
    );
    await check(
      'three-hosts',
      `ether src ${flannel} and client`,
      (j) => mac(flannel, 'src')(j) && anyHop(j, (h) => h.node === 'client'),
    );
  });

  it('vni N as vni=N; node names, interfaces, #id and A > B as before', async () => {
    const vni1 = (j: J) => anyHop(j, (h) => h.encap.some((e) => e.vni === 1));
    await check('three-hosts', 'vni 1', vni1);
    await check('three-hosts', 'vni=1', vni1);
    await check('three-hosts', 'vni 2', () => false, true);
    await check(
      'three-hosts',
      'client and (node-2/cni0 or not ens33)',
      (j) =>
        anyHop(j, (h) => h.node === 'client') &&
        (anyHop(j, (h) => h.node === 'node-2' && h.iface === 'cni0') ||
          !anyHop(j, (h) => h.iface === 'ens33')),
    );
    await check('three-hosts', '#3 or #5', (j) => j.id === 3 || j.id === 5);
    // Parentheses split words in the journey's text as in the filter: a pasted `record(s)` still finds it.
    await check('flannel-vxlan', 'record(s)', (j) => / record\(s\)/.test(j.summary));
    await check(
      'three-hosts',
      '(10.244.0.12 > 10.244.1.34) && !#1',
      (j) => j.id !== 1 && anyHop(j, (h) => h.src === '10.244.0.12' && h.dst === '10.244.1.34'),
    );
  });

  it('an interface glob (cali*, node-1:veth*, node-1/cali*) finds a hop on an interface it names', async () => {
    const on = (node: string | null, re: RegExp) => (j: J) =>
      anyHop(j, (h) => (node === null || h.node === node) && re.test(h.iface));
    // calico-bgp: 6 journeys node-1 pod ↔ node-2 pod, 4 between the two pods of node-2.
    await check('calico-bgp', 'cali*', on(null, /^cali/));
    await check('calico-bgp', 'node-1:cali*', on('node-1', /^cali/));
    await check('calico-bgp', 'node-2/cali7?d*', on('node-2', /^cali7.d/));
    await check('calico-bgp', 'cali[0-9a-f][0-9]*', on(null, /^cali[0-9a-f][0-9]/));
    await check('calico-bgp', 'node-?:ens*', on(null, /^ens/));
    await check('calico-bgp', 'cali* and not node-*/ens33', (j) => !on(null, /^ens33$/)(j));
    await check('calico-bgp', '!node-1:cali*', (j) => !on('node-1', /^cali/)(j));
    await check('kube-proxy', 'veth*', on(null, /^veth/));
    await check('kube-proxy', 'node-1:vethd* or vethe*', on('node-1', /^veth[de]/));
    await check('kube-proxy', 'tcp and vethd*', on(null, /^vethd/));
    await check('kube-proxy', 'cali*', () => false, true);
    // The word alone is unchanged: a node or an interface's whole name.
    await check('kube-proxy', 'vethdf3a8b64', on(null, /^vethdf3a8b64$/));
    // NODE:IFACE without a glob character, as --iface and the CLI's messages write it: that node's interface.
    await check('calico-bgp', 'node-1:ens33', on('node-1', /^ens33$/));
    await check('calico-bgp', 'not node-1:ens33', (j) => !on('node-1', /^ens33$/)(j));
    await check('calico-bgp', 'node-3:ens33', () => false, true);
    for (const [filter, why] of [
      ['cali[z-a]*', '"cali[z-a]*" at column 1: bad range z-a'],
      ['node-[2-1]:cali*', '"node-[2-1]:cali*" at column 1: bad range 2-1'],
      ['tcp[12]*4', '"tcp[12]*4" at column 1: pcap\'s byte offsets'],
    ]) {
      const p = await page('calico-bgp', filter);
      expect({ filter, error: p.error?.slice(0, why.length) }).toEqual({ filter, error: why });
    }
  });

  it('says why a filter cannot be read, and lists nothing', async () => {
    for (const [filter, why] of [
      ['(host 10.1.10.8', '"(" at column 1 has no matching ")"'],
      ['host 10.1.10.8)', 'unmatched ")" at column 15'],
      ['icmp and', '"and" at column 6 needs a term after it'],
      ['and icmp', '"and" at column 1 needs a term before it'],
      ['icmp or || udp', '"or" at column 6 needs a term after it'],
      ['not', '"not" at column 1 needs a term after it'],
      ['()', 'empty parentheses at column 1'],
      ['net 10.244.0.0/33', 'net "10.244.0.0/33" at column 5: /33 is longer than 32 bits'],
      ['net 10.244.1.0/16', 'net "10.244.1.0/16" at column 5: non-network bits set'],
      ['net nosuch', 'net "nosuch" at column 5 is not an IPv4 or IPv6 network'],
      ['src net', '"src" at column 1 needs a network'],
      ['host', '"host" at column 1 needs an address'],
      ['port nosuch', 'port "nosuch" at column 6 is not a number 0–65535 or a known service name'],
      ['vni x', 'vni "x" at column 5 is not a number'],
      ['vni', '"vni" at column 1 needs a VNI (a VXLAN or Geneve network id, 0–16777215)'],
      ['vni and icmp', '"vni" at column 1 needs a VNI (a VXLAN or Geneve network id'],
      ['ether host 00:0c:29', '"00:0c:29" at column 12 is not a MAC address'],
      ['ether 00:0c:29:2f:33:85', '"ether" at column 1 needs host, src or dst and a MAC address'],
      ['10.244.0.12 >', '">" at column 13 needs an address on each side'],
    ]) {
      const p = await page('three-hosts', filter);
      expect({ filter, total: p.total, error: p.error?.slice(0, why.length) }).toEqual({
        filter,
        total: 0,
        error: why,
      });
    }
    // pcap syntax the index cannot read says why, rather than matching nothing.
    const bytes =
      "pcap's byte offsets and comparisons (like tcp[13] & 2 != 0 or len >= 100) are not supported";
    for (const [filter, why] of [
      ['tcp[13] & 2 != 0', `"tcp[13]" at column 1: ${bytes}`],
      ['icmp and ip[8] = 1', `"ip[8]" at column 10: ${bytes}`],
      ['ether[0]&1!=0', `"ether[0]&1!=0" at column 1: ${bytes}`],
      ['len >= 100', `"len" at column 1: ${bytes}`],
      ['udp and 5 > 3', `">" at column 11 between numbers is pcap's comparison: ${bytes}`],
      ['gateway 10.1.10.1', '"gateway" at column 1 is not supported: needs name resolution'],
      ['not inbound', '"inbound" at column 5 is not supported: a hop’s capture direction is not kept'],
      ['stp', '"stp" at column 1 is not supported: STP frames are not IP packets'],
      ['host node-1', 'host "node-1" at column 6 is not an IPv4 or IPv6 address (names are not resolved'],
      ['src client', 'host "client" at column 5 is not an IPv4 or IPv6 address'],
      ['ip host fd44::1', '"ip" applied to the IPv6 host fd44::1'],
      ['ip6 net 10.244.0.0/16', '"ip6" applied to the IPv4 net 10.244.0.0/16'],
      ['tcp port ntp', 'port "ntp" at column 10 is not a tcp port'],
      ['tcp host 10.1.10.8', '"tcp" at column 1 qualifies a port, not a host'],
      ['ip port 80', '"ip port" at column 1: a port belongs to tcp, udp or sctp'],
      ['sctp port ssh', 'port "ssh" at column 11 is not a sctp port (tcpdump refuses it too)'],
      ['portrange 80', 'portrange "80" at column 11 is not two ports'],
      ['port 70000', 'port "70000" at column 6 is not a number 0–65535 or a known service name'],
      ['net 10.1.1.0 mask 255.255.0.0', 'net "10.1.1.0 mask 255.255.0.0" at column 5: non-network bits set'],
      ['net 10.1.0.0/16 mask 255.255.0.0', '"net 10.1.0.0/16 mask 255.255.0.0" at column 5: mask takes'],
      ['vlan 4096', '"vlan 4096" at column 1: a VLAN id is 0–4095 (tcpdump refuses it too)'],
      [
        'vlan and vlan and vlan and vlan and vlan',
        '"vlan" at column 37 is the filter\'s vlan number 5: tcpdump reads it as tag 5 from the outside, and ' +
          'frames are decoded through 4 tags at most',
      ],
      ['ip6 broadcast', '"ip6 broadcast" at column 1: IPv6 has no broadcast'],
      ['less', '"less" at column 1 needs a length in bytes'],
      ['greater x', '"greater" at column 1 needs a length in bytes'],
      ['ether proto ipx', 'ether proto "ipx" at column 13 is not supported: IPX is not decoded'],
      [
        'ether proto \\IP',
        'ether proto "\\IP" at column 13 is not an Ethernet type (write \\ip, in lower case',
      ],
      ['ip proto nosuch', 'proto "nosuch" at column 10 is not an IP protocol name or number 0–255'],
      // pcap's keywords are no /etc/protocols names (tcpdump refuses them after proto), and names are spelt as there.
      [
        'ip proto \\icmp6',
        'proto "\\icmp6" at column 10 is not an IP protocol name or number 0–255 (icmp6 is pcap\'s keyword, not ' +
          'an /etc/protocols name: write \\ipv6-icmp or 58; tcpdump refuses it too)',
      ],
      ['proto \\igrp', 'proto "\\igrp" at column 7 is not an IP protocol name or number 0–255 (igrp is pcap'],
      [
        'ip6 proto \\carp',
        'proto "\\carp" at column 11 is not an IP protocol name or number 0–255 (carp is pcap',
      ],
      [
        'ip proto \\ospfigp',
        'proto "\\ospfigp" at column 10 is not an IP protocol name or number 0–255 (write \\OSPFIGP',
      ],
      ['ip proto \\mptcp', 'proto "\\mptcp" at column 10 is 262 in /etc/protocols'],
    ]) {
      const p = await page('three-hosts', filter);
      expect({ filter, total: p.total, error: p.error?.slice(0, why.length) }).toEqual({
        filter,
        total: 0,
        error: why,
      });
    }
    // A filter that reads has no error, even when nothing matches.
    expect((await page('three-hosts', 'nosuchword')).error).toBeUndefined();
    expect((await page('three-hosts', '   ')).total).toBe(400);
  });
});

describe('parseJourneyFilter', () => {
  it('gives not the highest precedence, and/or equal precedence left to right, and reads glued operators', () => {
    const w = (word: string) => ({ op: 'word', word });
    expect(parseJourneyFilter('!a&&b||c')).toEqual({
      op: 'or',
      a: { op: 'and', a: { op: 'not', a: w('a') }, b: w('b') },
      b: w('c'),
    });
    // pcap-filter(7): `a or b and c` is `(a or b) and c`; side by side is an and of the same precedence.
    for (const f of ['a||b&&c', 'a or b and c', 'a or b c'])
      expect(parseJourneyFilter(f), f).toEqual({
        op: 'and',
        a: { op: 'or', a: w('a'), b: w('b') },
        b: w('c'),
      });
    expect(parseJourneyFilter('a and not b or c')).toEqual({
      op: 'or',
      a: { op: 'and', a: w('a'), b: { op: 'not', a: w('b') } },
      b: w('c'),
    });
    expect(parseJourneyFilter('(a||b)c')).toEqual({
      op: 'and',
      a: { op: 'or', a: { op: 'word', word: 'a' }, b: { op: 'word', word: 'b' } },
      b: { op: 'word', word: 'c' },
    });
    const host = (dir: string, a: number) => ({ op: 'net', dir, v6: false, addr: [a], mask: [0xffffffff] });
    expect(parseJourneyFilter('src 10.1.10.8 dst host 10.1.10.9 proto 17')).toEqual({
      op: 'and',
      a: { op: 'and', a: host('src', 0x0a010a08), b: host('dst', 0x0a010a09) },
      b: { op: 'proto', ip: true, ip6: true, proto: 17 },
    });
    expect(parseJourneyFilter(' \t')).toBeNull();
  });
});

describe('the index’s words', () => {
  it('are filter words as they go in (hop words are not split again): lower case, trimmed, no parentheses', () => {
    for (const paths of [
      ['tests/fixtures/nat6'],
      ['tests/fixtures/kube-proxy'],
      [
        'NODE-A:Veth(1)=tests/fixtures/nat6/node-1__veth1.pcap',
        'NODE-A:ENS33=tests/fixtures/nat6/node-1__ens33.pcap',
      ],
    ]) {
      const c = correlateInputs(openInputs(paths), { threads: 1 });
      const s = new LoadedSession('t', 't', null, c.correlator, c.result, []);
      const all = s.findJourneys('', 0, 1e9).total;
      expect(s.findJourneys('ip6 or ip', 0, 1e9).total).toBe(all);
      // The words are built for the first filter that has one.
      expect(s.findJourneys('ip6 or ip or nosuchword', 0, 1e9).total).toBe(all);
      const ix = Reflect.get(s, 'summaryIndex') as JourneyIndex;
      expect(ix.texts.length).toBe(all);
      for (const text of ix.texts)
        for (const w of text.trim().split(' '))
          expect({
            w,
            ok: w !== '' && w === filterWord(w) && w === w.toLowerCase() && !/[()\s]/.test(w),
          }).toEqual({
            w,
            ok: true,
          });
      if (paths.length === 2) {
        // An interface typed in any case, its parentheses split as the filter splits them.
        for (const f of ['node-a/ens33', 'ENS33', 'veth 1', 'Node-A/Veth(1)'])
          expect(s.findJourneys(f, 0, 1e9).total, f).toBe(all);
      }
    }
  });
});

describe('parseJourneyFilter reads pcap primitives', () => {
  const p = (f: string) => parseJourneyFilter(f);
  it('qualifiers: protocol, direction (src or dst, src and dst), type; service names; ranges; masks', () => {
    expect(p('tcp src port ssh')).toEqual({ op: 'port', dir: 'src', lo: 22, hi: 22, kinds: PORT_TCP });
    // A name /etc/services lists for TCP only is a TCP port, for both any port (as libpcap reads it).
    expect(p('port ssh')).toEqual({ op: 'port', dir: null, lo: 22, hi: 22, kinds: PORT_TCP });
    expect(p('port domain')).toEqual({ op: 'port', dir: null, lo: 53, hi: 53, kinds: PORT_ANY });
    expect(p('udp dst portrange 9999-9000')).toEqual({
      op: 'port',
      dir: 'dst',
      lo: 9000,
      hi: 9999,
      kinds: PORT_UDP,
    });
    expect(p('src or dst port 80')).toEqual({ op: 'port', dir: null, lo: 80, hi: 80, kinds: PORT_ANY });
    expect(p('src and dst host 10.1.10.8')).toMatchObject({ op: 'net', dir: 'both', addr: [0x0a010a08] });
    // pcap's shorthand keeps every qualifier: `tcp port 80 or 443` is `tcp port 80 or tcp port 443`.
    expect(p('tcp port 80 or 443')).toEqual({
      op: 'or',
      a: { op: 'port', dir: null, lo: 80, hi: 80, kinds: PORT_TCP },
      b: { op: 'port', dir: null, lo: 443, hi: 443, kinds: PORT_TCP },
    });
    expect(p('net 10.1.0.0 mask 255.255.0.0')).toEqual({
      op: 'net',
      dir: null,
      v6: false,
      addr: [0x0a010000],
      mask: [0xffff0000],
    });
    expect(p('ip proto \\udp')).toEqual({ op: 'proto', ip: true, ip6: false, proto: 17 });
    expect(p('ip proto \\OSPFIGP')).toEqual({ op: 'proto', ip: true, ip6: false, proto: 89 });
    expect(p('proto \\IPv6-ICMP')).toEqual({ op: 'proto', ip: true, ip6: true, proto: 58 });
    expect(p('ip proto \\egp')).toEqual({ op: 'proto', ip: true, ip6: false, proto: 8 });
    expect(p('ether proto \\loopback')).toEqual({ op: 'ethertype', type: 0x9000 });
    expect(p('ip6 proto 58')).toEqual({ op: 'proto', ip: false, ip6: true, proto: 58 });
    expect(p('icmp6')).toEqual({ op: 'proto', ip: false, ip6: true, proto: 58 });
    expect(p('ether proto \\arp')).toEqual({ op: 'ethertype', type: 0x806 });
    expect(p('ether proto 0x86dd')).toEqual({ op: 'ethertype', type: 0x86dd });
    expect(p('ip')).toEqual({ op: 'ethertype', type: 0x800 });
    expect(p('arp host 10.1.10.8')).toMatchObject({ op: 'and', a: { op: 'ethertype', type: 0x806 } });
    expect(p('broadcast')).toEqual({ op: 'cast', layer: 'ether', kind: 'broadcast' });
    expect(p('ip6 multicast')).toEqual({ op: 'cast', layer: 'ip6', kind: 'multicast' });
    expect(p('less 98 or greater 1400')).toEqual({
      op: 'or',
      a: { op: 'len', cmp: 'less', n: 98 },
      b: { op: 'len', cmp: 'greater', n: 1400 },
    });
    expect(p('vlan')).toEqual({ op: 'vlan', depth: 0 });
    expect(p('vlan 10 and icmp')).toEqual({ op: 'and', a: { op: 'vlan', depth: 0, id: 10 }, b: p('icmp') });
    expect(p('vlan 0xfff')).toEqual({ op: 'vlan', depth: 0, id: 4095 });
    expect(p('vlan and 10.1.1.1')).toEqual({ op: 'and', a: { op: 'vlan', depth: 0 }, b: p('10.1.1.1') });
    // Each later vlan is the next tag in, in the order written, in either branch of an or (QinQ: outer, inner).
    expect(p('vlan 100 and vlan 20')).toEqual({
      op: 'and',
      a: { op: 'vlan', depth: 0, id: 100 },
      b: { op: 'vlan', depth: 1, id: 20 },
    });
    expect(p('(vlan 10 or vlan) and not vlan 30')).toEqual({
      op: 'and',
      a: { op: 'or', a: { op: 'vlan', depth: 0, id: 10 }, b: { op: 'vlan', depth: 1 } },
      b: { op: 'not', a: { op: 'vlan', depth: 2, id: 30 } },
    });
    // After not too: `host a and not b` is `host a and not host b`.
    expect(p('host 10.1.10.8 and not 10.1.10.9')).toMatchObject({
      op: 'and',
      b: { op: 'not', a: { op: 'net', dir: null, addr: [0x0a010a09] } },
    });
  });

  it('keeps the words a pasted summary has: `[ip6]:port`, `vni=1`, ` - `, `Flags [S],`, `a>b`', () => {
    expect(p('[fd44::5]:8080')).toEqual({ op: 'word', word: '[fd44::5]:8080' });
    expect(p('vni=1')).toEqual({ op: 'word', word: 'vni=1' });
    expect(p('unreachable - need')).toEqual({
      op: 'and',
      a: { op: 'and', a: { op: 'word', word: 'unreachable' }, b: { op: 'word', word: '-' } },
      b: { op: 'word', word: 'need' },
    });
    expect(p('Flags [S],')).toEqual({
      op: 'and',
      a: { op: 'word', word: 'flags' },
      b: { op: 'word', word: '[s]' },
    });
    // With its colon, a summary's head: a hop with those addresses and ports (app-journeyFilter-paste).
    expect(p('10.1.10.8.34258 > 10.106.23.233.8877:')).toMatchObject({
      op: 'packet',
      packet: { src: '10.1.10.8', sport: 34258, dst: '10.106.23.233', dport: 8877, tcp: null },
    });
  });
});

describe('JourneyIndex', () => {
  it('broadcast and multicast look at destinations only: MACs, IPv4, IPv6', () => {
    const ix = new JourneyIndex();
    const MAC_BCAST = 0xffffffffffff;
    const MAC_MCAST = 0x01005e000016; // 01:00:5e:00:00:16, IGMPv3's 224.0.0.22
    const add = (dstMac: number, dst4: number, dst6: string | null, srcMac = 0x000c292f3385) => {
      ix.addMac(srcMac, ROLE_SRC);
      ix.addMac(dstMac, ROLE_DST);
      ix.addIpv4(0x0a010a08, ROLE_SRC);
      if (dst6) ix.addIpv6(dst6, ROLE_DST);
      else ix.addIpv4(dst4, ROLE_DST);
      ix.finish('x', dst6 ? FAMILY_IP6 : FAMILY_IP, 17);
    };
    add(MAC_BCAST, 0xffffffff, null); // 0: DHCP-like broadcast
    add(MAC_MCAST, 0xe0000016, null); // 1: IGMP report to 224.0.0.22
    add(0x333300000001, 0, 'ff02::1'); // 2: IPv6 all-nodes
    add(0x000c2910a96c, 0x0a010a09, null, MAC_MCAST); // 3: unicast, a group MAC only as a source
    add(0x000c2910a96c, 0, null); // 4: to 0.0.0.0
    const list = (f: string) => {
      const t = compileJourneyFilter(parseJourneyFilter(f)!, ix);
      return Array.from({ length: ix.count }, (_, k) => k).filter(t);
    };
    expect(list('broadcast')).toEqual([0]);
    expect(list('ether broadcast')).toEqual([0]);
    expect(list('multicast')).toEqual([0, 1, 2]);
    expect(list('ip multicast')).toEqual([1]);
    expect(list('ip6 multicast')).toEqual([2]);
    expect(list('ip broadcast')).toEqual([0, 4]);
    expect(list('not multicast')).toEqual([3, 4]);
  });

  it('keeps a prefix (a live window’s frozen journeys) that later journeys extend', () => {
    const ix = new JourneyIndex();
    const add = (text: string, v4: number[], mac: number, family = FAMILY_IP) => {
      ix.addIpv4(v4[0], ROLE_SRC);
      ix.addIpv4(v4[1], ROLE_DST);
      ix.addMac(mac, ROLE_SRC);
      ix.addPort(1000 + mac, PORT_TCP, ROLE_DST);
      ix.addHop(100 * mac, 0);
      ix.finish(text, family, 1);
    };
    add('A one', [0x0af40001, 0x0af40101], 1);
    add('B (two)', [0x0af40101, 0x0af40001], 2);
    add('C three', [0x0a010a08, 0x0a010a09], 3);
    const kept = ix.prefix(2);
    kept.addIpv6('fd44::5', ROLE_SRC);
    kept.addPort(53, PORT_UDP, ROLE_SRC);
    kept.addHop(60, 0);
    kept.finish('D four', FAMILY_IP6, 58);
    const list = (ix2: JourneyIndex, f: string) => {
      const t = compileJourneyFilter(parseJourneyFilter(f)!, ix2);
      return Array.from({ length: ix2.count }, (_, k) => k).filter(t);
    };
    expect(list(kept, 'src net 10.244.1.0/24')).toEqual([1]);
    expect(list(kept, 'net 10.244.0.0/16')).toEqual([0, 1]);
    expect(list(kept, 'two or four')).toEqual([1, 2]);
    expect(list(kept, 'ip6 && src net fd44::/16')).toEqual([2]);
    expect(list(kept, 'ether src 00:00:00:00:00:02 || ether dst 00:00:00:00:00:01')).toEqual([1]);
    expect(list(ix, 'net 10.1.10.8/31')).toEqual([2]);
    expect(list(kept, 'tcp dst port 1002 or udp src port domain')).toEqual([1, 2]);
    expect(list(kept, 'greater 200 or less 60')).toEqual([1, 2]);
    expect(list(kept, 'ip6 proto 58 or ip proto 1')).toEqual([0, 1, 2]);
    expect(list(ix, 'greater 300')).toEqual([2]);
  });
});
