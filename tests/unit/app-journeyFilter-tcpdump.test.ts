// The journey filter against tcpdump itself on the recorded fixtures: for a primitive (and or of primitives), a
// journey matches iff tcpdump's filter keeps at least one of its hops' packets (`tcpdump -#nr FILE EXPR` per
// capture file, its record numbers mapped to rows and rows to journeys). Where our reading deliberately differs
// from tcpdump's per-packet one (a tunnelled hop's inner headers, IPv6 extension headers), the test says so.
// Also: tcpdump's own compiled BPF shows the precedence pcap-filter(7) states, which the parser follows.

import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';

import { beforeAll, describe, expect, it } from 'vitest';

import { journeyFilterError, parseJourneyFilter, PROTO_NAMES } from '../../main/app/journeyFilter.ts';
import { LoadedSession } from '../../main/app/loadedSession.ts';
import { PORT_NAMES } from '../../main/app/portNames.ts';
import { openInputs } from '../../main/app/sessionBuild.ts';
import { correlateInputs } from '../../main/session/ingest.ts';
import { tempDir } from '../tempDir.ts';

const hasTcpdump = spawnSync('tcpdump', ['--version']).status === 0;

const FIXTURES = [
  'three-hosts',
  'flannel-vxlan',
  'calico-ipip',
  'kube-proxy',
  'nat6',
  'nat-icmp',
  'frag-igmp',
  'ip-protocols',
  'router-errors',
  'port-reuse',
  'ipv6-link-local',
  'sctp-flannel-vxlan',
  'broadcast',
  'vlan-trunk',
  'antrea-geneve',
  'any-broadcast',
] as const;
type Fixture = (typeof FIXTURES)[number];

const sessions = new Map<Fixture, LoadedSession>();
beforeAll(() => {
  if (!hasTcpdump) return;
  for (const name of FIXTURES) {
    const c = correlateInputs(openInputs([`tests/fixtures/${name}`]), { threads: 1 });
    sessions.set(name, new LoadedSession(name, name, null, c.correlator, c.result, []));
  }
}, 60_000);

/**
 * tcpdump's one-line listing of a capture file, with nanosecond timestamps, through a filter (or none). A filter
 * that can keep nothing on the file's link type (`arp` on raw IP) is refused by libpcap as "expression rejects
 * all packets": none, here.
 */
function listing(file: string, filter: string): string[] {
  const r = spawnSync('tcpdump', ['-nr', file, '-S', '-tt', '--time-stamp-precision=nano', filter], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) {
    if (/expression rejects all packets/.test(r.stderr)) return [];
    throw new Error(`tcpdump '${filter}' on ${file}: ${r.stderr}`);
  }
  return (
    r.stdout
      .split('\n')
      // A packet's first line starts with its time; tunnelled ones continue on more lines (`OTV, … instance 1` then
      // the inner packet, for flannel's port 8472).
      .filter((line) => /^\d/.test(line))
  );
}

/** Per capture file, its records' numbers by their listing line (`-#` numbers only the packets a filter keeps). */
const recordsOf = new Map<string, Map<string, number[]>>();
function records(file: string): Map<string, number[]> {
  let m = recordsOf.get(file);
  if (!m) {
    m = new Map();
    listing(file, '').forEach((line, i) => m!.set(line, [...(m!.get(line) ?? []), i]));
    recordsOf.set(file, m);
  }
  return m;
}

/**
 * The journeys (0-based) with a hop whose packet tcpdump's filter (or the capture's own; null: none of its packets)
 * keeps. A `-i any` file's lanes (one per interface) are each listed through their own filter; its records are
 * numbered in the file, whose rows were read in order (one thread).
 */
function tcpdumpJourneys(
  fixture: Fixture,
  filterOf: string | ((cap: { node: string; iface: string }) => string | null),
): number[] {
  const s = sessions.get(fixture)!;
  const res = s.result;
  const row = new Map<string, number>();
  const next = new Map<string, number>();
  for (let r = 0; r < res.rows.length; r++) {
    const file = res.captures[res.rows.capture[r]].path!;
    const n = next.get(file) ?? 0;
    next.set(file, n + 1);
    row.set(`${file}#${n}`, r);
  }
  const out = new Set<number>();
  res.captures.forEach((cap, c) => {
    const filter = typeof filterOf === 'string' ? filterOf : filterOf(cap);
    if (filter === null) return;
    const all = records(cap.path!);
    const seen = new Map<string, number>();
    for (const line of listing(cap.path!, filter)) {
      // Identical lines (same time, same summary) are taken in file order.
      const n = seen.get(line) ?? 0;
      seen.set(line, n + 1);
      const rec = all.get(line)?.[n];
      const r = rec === undefined ? undefined : row.get(`${cap.path}#${rec}`);
      if (r === undefined || res.rows.capture[r] !== c) throw new Error(`${cap.path}: no row for "${line}"`);
      if (s.journeyCol[r] >= 0) out.add(s.journeyCol[r]);
    }
  });
  return [...out].sort((a, b) => a - b);
}

function ours(fixture: Fixture, filter: string): number[] {
  const p = sessions.get(fixture)!.findJourneys(filter, 0, 1e9);
  expect(p.error, filter).toBeUndefined();
  return p.items.map((j) => j.id);
}

/** Our journeys and tcpdump's are the same set, and (unless `allowNone`) not empty. */
function same(fixture: Fixture, filter: string, allowNone = false): void {
  const want = tcpdumpJourneys(fixture, filter);
  if (!allowNone)
    expect(want.length, `${fixture}: tcpdump '${filter}' keeps some journey`).toBeGreaterThan(0);
  expect({ fixture, filter, ids: ours(fixture, filter) }).toEqual({ fixture, filter, ids: want });
}

describe.skipIf(!hasTcpdump)('the journey filter against tcpdump on recorded fixtures', () => {
  it('protocol keywords and ip/ip6 proto (tunnels’ outer headers too)', () => {
    for (const f of [
      'three-hosts',
      'calico-ipip',
      'kube-proxy',
      'nat6',
      'ip-protocols',
      'frag-igmp',
    ] as const)
      for (const e of [
        'icmp',
        'udp',
        'tcp',
        'ip',
        'ip6',
        'ip proto 4',
        'ip proto \\udp',
        'proto 17',
        'icmp6',
      ])
        // Where IPv6 extension headers stand before the protocol, tcpdump and we differ (below).
        if (!(f === 'ip-protocols' && e === 'icmp6') && !(f === 'frag-igmp' && /udp|17/.test(e)))
          same(f, e, true);
    for (const e of [
      'sctp',
      'esp',
      'ip proto \\ah',
      'pim',
      'vrrp',
      'ip proto 47',
      'ip6 proto 50',
      'ether proto \\ip',
    ])
      same('ip-protocols', e);
    same('frag-igmp', 'igmp');
    // ARP is never a journey (the correlator follows IP packets): tcpdump's ARP packets belong to none.
    for (const e of ['arp', 'ether proto \\arp', 'arp host 169.254.1.1']) same('calico-ipip', e, true);
    expect(tcpdumpJourneys('calico-ipip', 'arp')).toEqual([]);
    expect(listing('tests/fixtures/calico-ipip/node-1__cali14de3927136.pcap', 'arp').length).toBeGreaterThan(
      0,
    );
    same('three-hosts', 'ip proto \\udp');
    same('calico-ipip', 'ip proto 4');
    same('nat6', 'ip6 proto \\tcp');
    same('nat6', 'ether proto 0x86dd');
  });

  it('protocol names: those tcpdump takes, as the numbers it compiles them to, and no others', () => {
    // Every name and alias of the machine's /etc/protocols, ours, and pcap's keywords that are no protocol names
    // (icmp6, igrp, carp: tcpdump refuses `ip proto \icmp6`), spelt otherwise than the file spells them too.
    const file = readFileSync('/etc/protocols', 'utf8')
      .split('\n')
      .flatMap((line) => {
        const f = line.split('#')[0].trim().split(/\s+/);
        return f.length >= 2 ? [f[0], ...f.slice(2)] : [];
      });
    const names = new Set([
      ...file,
      ...Object.keys(PROTO_NAMES),
      ...['icmp6', 'igrp', 'carp', 'ospfigp', 'Tcp', 'ipsec-esp', 'vxlan', 'geneve', 'ipv6-ICMP'],
    ]);
    const tcpdump = (e: string) =>
      spawnSync('tcpdump', ['-d', '-r', 'tests/fixtures/three-hosts/node-1__ens33.pcap', e], {
        encoding: 'utf8',
      });
    let known = 0;
    let refused = 0;
    for (const name of names) {
      const e = `ip proto \\${name}`;
      const r = tcpdump(e);
      if (r.status !== 0) {
        expect(r.stderr).toContain(`unknown ip proto '${name}'`);
        refused++;
        expect({ name, error: journeyFilterError(e) }).toEqual({
          name,
          error: expect.stringMatching(
            /^proto ".*" at column 10 is not an IP protocol name .*tcpdump refuses it too\)$/,
          ),
        });
        continue;
      }
      known++;
      // ldh [12]; jeq #0x800; ldb [23]; jeq #PROTO
      const n = parseInt(/\(003\) jeq\s+#0x([0-9a-f]+)/.exec(r.stdout)![1], 16);
      // mptcp is 262, which no one-byte protocol field holds: tcpdump keeps nothing with it, we say so.
      if (n > 255) expect(journeyFilterError(e)).toMatch(/is 262 in \/etc\/protocols.*no packet has it/);
      else
        expect({ name, proto: parseJourneyFilter(e) }).toEqual({
          name,
          proto: { op: 'proto', ip: true, ip6: false, proto: n },
        });
    }
    expect(known).toBeGreaterThan(50);
    expect(refused).toBeGreaterThanOrEqual(9);
    // The same names after proto and ip6 proto.
    for (const e of ['proto \\icmp6', 'ip6 proto \\carp', 'proto \\OSPFIGP', 'ip6 proto \\ipv6-icmp']) {
      const ok = tcpdump(e).status === 0;
      expect({ e, ok }).toEqual({ e, ok: journeyFilterError(e) === null });
    }
    same('calico-ipip', 'ip proto \\ipencap');
    same('calico-ipip', 'ip proto \\ipip', true);
    expect(ours('calico-ipip', 'ip proto \\ipip')).toEqual([]);
  });

  it('Ethernet type names: those tcpdump takes after ether proto, as the types it compiles them to', () => {
    for (const name of [
      'ip',
      'ip6',
      'arp',
      'rarp',
      'aarp',
      'lat',
      'loopback',
      'mopdl',
      'moprc',
      'sca',
      'IP',
      'x25',
    ]) {
      const e = `ether proto \\${name}`;
      const r = spawnSync('tcpdump', ['-d', '-r', 'tests/fixtures/three-hosts/node-1__ens33.pcap', e], {
        encoding: 'utf8',
      });
      if (r.status !== 0) {
        expect({ name, error: journeyFilterError(e) }).toEqual({
          name,
          error: expect.stringMatching(/is not an Ethernet type .*tcpdump refuses it too\)$/),
        });
        continue;
      }
      // ldh [12]; jeq #TYPE
      const type = parseInt(/\(001\) jeq\s+#0x([0-9a-f]+)/.exec(r.stdout)![1], 16);
      expect({ name, f: parseJourneyFilter(e) }).toEqual({ name, f: { op: 'ethertype', type } });
    }
    // pcap's keywords among them are refused as the keywords are (no journey is AppleTalk or IPX).
    for (const name of ['atalk', 'ipx', 'decnet'])
      expect(journeyFilterError(`ether proto \\${name}`)).toMatch(/is not supported: .* is not decoded/);
  });

  it('host, src/dst host, net (and net A mask B) over inner and outer headers', () => {
    for (const e of [
      'host 10.1.10.8',
      'host 10.1.10.9',
      'src host 10.1.10.10',
      'dst 10.244.1.34',
      'ip host 10.244.0.12',
      'net 10.244.0.0/16',
      'src net 10.244.1.0/24',
      'net 10.1.10.8 mask 255.255.255.252',
      'net 10.0.0.0 mask 255.0.255.0',
      'host 10.1.10.8 or host 10.244.1.34',
    ])
      same('three-hosts', e);
    same('kube-proxy', 'dst host 10.106.23.233');
    same('kube-proxy', 'src or dst host 192.168.0.33');
    same('nat6', 'host fd77::2', true);
    same('nat6', 'src net fd44::/16');
    same('calico-ipip', 'host 10.100.247.24');
    // An ICMP error quoting a packet to 10.98.2.2 names it in its summary, but is not to or from it.
    same('router-errors', 'host 10.98.2.2');
    same('router-errors', 'host fd98:2::2');
    same('router-errors', 'dst host 10.98.1.2');
    // Addresses ending in :: (the unspecified ::, duplicate address detection's source) are addresses, in a
    // summary (`IP6 :: > ff02::16:`) too: the word alone finds them.
    same('ipv6-link-local', 'src host ::');
    same('ipv6-link-local', 'host ff02::16');
    expect(ours('ipv6-link-local', '::')).toEqual(tcpdumpJourneys('ipv6-link-local', 'host ::'));
    expect(ours('ipv6-link-local', 'dst host ::')).toEqual([]);
  });

  it('port, tcp/udp port, portrange, service names', () => {
    for (const e of [
      'port 8877',
      'tcp port 8877',
      'udp port 8877',
      'dst port 9376',
      'src port 9376',
      'tcp src portrange 9000-9999',
      'portrange 30000-32767',
      'portrange 9999-9000',
      'tcp port 80 or 443',
      'port http',
      'port domain',
      'tcp dst port http-alt or 9376',
    ])
      same('kube-proxy', e, /udp|http$|domain/.test(e));
    same('three-hosts', 'udp port 8472');
    same('flannel-vxlan', 'udp dst port 8472');
    same('port-reuse', 'tcp portrange 1-65535');
  });

  it('sctp, sctp port, port N, src/dst port and portrange find SCTP associations (VXLAN and a DNAT between)', () => {
    // Pod to pod 40001 ↔ 9899, an INIT to 9 answered by ABORT (40003), and 40002 → ClusterIP 10.96.0.132:3868
    // DNAT'ed by node-1 to the pod's 38680: a port seen on one side of the NAT finds the whole journey.
    for (const e of [
      'sctp',
      'sctp port 9899',
      'port 9899',
      'sctp src port 9899',
      'dst port 9899',
      'port 3868',
      'sctp dst port 38680',
      'src port 38680',
      'port 40002',
      'sctp port 9',
      'portrange 40000-40002',
      'sctp portrange 3000-4000',
      'sctp src portrange 9000-9999 or dst port 9',
      'sctp and host 10.96.0.132',
    ])
      same('sctp-flannel-vxlan', e);
    for (const e of ['udp port 9899', 'tcp port 3868', 'tcp portrange 1-65535'])
      same('sctp-flannel-vxlan', e, true);
    expect(ours('sctp-flannel-vxlan', 'tcp port 3868')).toEqual([]);
    // Every journey is SCTP (the VXLAN hops carry it), and port 3868 is only the DNAT'ed association's.
    const all = ours('sctp-flannel-vxlan', 'sctp');
    expect(all.length).toBe(sessions.get('sctp-flannel-vxlan')!.result.journeyCount);
    expect(ours('sctp-flannel-vxlan', 'port 3868')).toEqual(ours('sctp-flannel-vxlan', 'port 38680'));
    expect(ours('sctp-flannel-vxlan', 'port 3868').length).toBeLessThan(all.length);
  });

  it('less and greater: the frame’s length on the wire at some hop', () => {
    for (const f of ['three-hosts', 'calico-ipip', 'kube-proxy', 'frag-igmp'] as const)
      for (const e of [
        'less 60',
        'less 98',
        'greater 98',
        'greater 118',
        'greater 1000',
        'less 100 or greater 1400',
      ])
        same(f, e, true);
    same('calico-ipip', 'greater 118');
    same('calico-ipip', 'less 98');
  });

  it('broadcast and multicast, ether and ip forms; ether host', () => {
    for (const f of ['frag-igmp', 'ip-protocols', 'three-hosts', 'router-errors'] as const)
      for (const e of [
        'multicast',
        'ether multicast',
        'broadcast',
        'ip multicast',
        'ip broadcast',
        'ip6 multicast',
      ])
        same(f, e, true);
    same('frag-igmp', 'ip multicast');
    same('ip-protocols', 'ether multicast');
    same('three-hosts', 'ether host 00:0c:29:2f:33:85');
    same('three-hosts', 'ether src 00:0c:29:10:a9:6c or ether dst 00:0c:29:3a:5e:08');
  });

  it('geneve and geneve VNI: the journeys through the Geneve tunnel (antrea-geneve), and its outer headers', () => {
    // tcpdump reads `geneve` as UDP to port 6081 with version 0 (`geneve N`: with VNI N), and what follows it as
    // the packet inside; over journeys, a journey with a Geneve hop, its inner packet at any hop.
    for (const e of [
      'geneve',
      'geneve 7',
      'geneve and icmp',
      'geneve 7 and host 10.10.1.6',
      'geneve and src host 10.10.0.5',
      'udp',
      'ip proto 17',
      'udp port 6081',
      'host 10.1.10.9',
      'icmp',
    ])
      same('antrea-geneve', e);
    for (const e of ['geneve 8', 'geneve 70000', 'geneve and tcp']) same('antrea-geneve', e, true);
    expect(ours('antrea-geneve', 'geneve 8')).toEqual([]);
    // `vni N` is a VXLAN hop's VNI or a Geneve hop's alike (tcpdump has no `vni`).
    expect(ours('antrea-geneve', 'vni 7')).toEqual(tcpdumpJourneys('antrea-geneve', 'geneve 7'));
    expect(ours('antrea-geneve', 'vni 8')).toEqual([]);
    // No other fixture has Geneve.
    for (const f of ['flannel-vxlan', 'calico-ipip'] as const) same(f, 'geneve', true);
  });

  it('vlan: a hop whose frame was tagged', () => {
    same('router-errors', 'vlan');
    same('router-errors', 'vlan and icmp');
    same('three-hosts', 'vlan', true);
    same('router-errors', 'vlan 20', true); // an ARP request: no journey
    // vlan N: the outermost tag's id (0x8100, 0x88a8 or 0x9100); a QinQ frame's inner tag (vlan 100, then 20) is
    // tcpdump's second `vlan`, not read by a first one.
    for (const e of [
      'vlan',
      'not vlan',
      'vlan 10',
      'vlan 0x0a',
      'vlan 20',
      'vlan 100',
      'vlan 30',
      'vlan 10 and icmp',
      'vlan 10 and udp',
      'vlan 20 or udp',
      'not vlan 20',
      'not vlan 10',
    ])
      same('vlan-trunk', e);
    same('vlan-trunk', 'vlan 11', true);
    expect(ours('vlan-trunk', 'vlan 10')).toEqual([0, 2]);
    expect(ours('vlan-trunk', 'vlan 20')).toEqual([1]);
    expect(ours('vlan-trunk', 'vlan 11')).toEqual([]);
  });

  it('vlan and vlan: each later vlan is the next tag in (QinQ’s inner), as tcpdump reads it', () => {
    // Journey 4 is the QinQ frame: outer 0x88a8 vlan 100, inner 0x8100 vlan 20.
    for (const e of [
      'vlan and vlan',
      'vlan 100 and vlan 20',
      'vlan and vlan 20',
      'vlan 100 and vlan',
      'vlan 20 or vlan 20',
      'vlan or vlan',
      'vlan 100 and vlan 20 and icmp',
      'vlan 10 or vlan 20',
    ])
      same('vlan-trunk', e);
    for (const e of [
      'vlan 20 and vlan 100',
      'vlan and vlan 10',
      'vlan and vlan and vlan',
      'not vlan and vlan',
    ])
      same('vlan-trunk', e, true);
    expect(ours('vlan-trunk', 'vlan and vlan')).toEqual([3]);
    expect(ours('vlan-trunk', 'vlan 20 or vlan 20')).toEqual([1, 3]);
    expect(ours('vlan-trunk', 'vlan 20 and vlan 100')).toEqual([]);
  });

  it('tcpdump -i any: interface globs and names are each packet’s own interface (pcap’s ifindex N), not any', () => {
    // any-broadcast: the broadcast/ set captured with one `tcpdump -i any` per host, split into a lane per
    // interface. A glob or a name holds for a journey with a packet seen on an interface it names: tcpdump's
    // `ifindex N` of those interfaces, over the same files.
    const s = sessions.get('any-broadcast')!;
    expect(s.result.captures.map((c) => `${c.node}:${c.iface}`)).not.toContain('node-1:any');
    const byName = (pick: (cap: { node: string; iface: string }) => boolean) =>
      tcpdumpJourneys('any-broadcast', (cap) =>
        pick(cap) ? `ifindex ${ifindexOf('any-broadcast', cap)}` : null,
      );
    const cases: [string, (cap: { node: string; iface: string }) => boolean][] = [
      ['veth*', (c) => c.iface.startsWith('veth')],
      ['vethextra*', (c) => c.iface.startsWith('vethextra')],
      ['node-1:veth2053*', (c) => c.node === 'node-1' && c.iface.startsWith('veth2053')],
      ['node-2/cni*', (c) => c.node === 'node-2' && c.iface.startsWith('cni')],
      ['*:flannel.?', (c) => c.iface === 'flannel.1'],
      ['cni0', (c) => c.iface === 'cni0'],
      ['node-1/cni0', (c) => c.node === 'node-1' && c.iface === 'cni0'],
      ['vethextra0', (c) => c.iface === 'vethextra0'],
      ['client/ens33', (c) => c.node === 'client' && c.iface === 'ens33'],
    ];
    for (const [filter, pick] of cases) {
      const want = byName(pick);
      expect(want.length, filter).toBeGreaterThan(0);
      expect({ filter, ids: ours('any-broadcast', filter) }).toEqual({ filter, ids: want });
    }
    // The pod's broadcasts reach vethextra0 only across node-1's bridge: fewer journeys than on cni0.
    expect(ours('any-broadcast', 'vethextra0').length).toBeLessThan(ours('any-broadcast', 'cni0').length);
    // No packet was seen on an interface named any.
    for (const e of ['any', 'any*', 'node-1:any']) expect(ours('any-broadcast', e)).toEqual([]);
  });

  it('a service name means what /etc/services says to libpcap (tcp only, udp only or both)', () => {
    const services = readFileSync('/etc/services', 'utf8');
    for (const [name, [port, kinds]] of Object.entries(PORT_NAMES)) {
      const found = new Set<string>();
      for (const line of services.split('\n')) {
        const [entry] = line.split('#');
        const f = entry.trim().split(/\s+/);
        if (f.length >= 2 && (f[0] === name || f.slice(2).includes(name))) {
          const [p, proto] = f[1].split('/');
          if (+p === port) found.add(proto);
        }
      }
      const want = (found.has('tcp') ? 1 : 0) | (found.has('udp') ? 2 : 0);
      expect({ name, kinds: want === 3 ? 7 : want }).toEqual({ name, kinds });
    }
  });
});

/**
 * pcap-filter(7)'s `ip broadcast` with a capture interface's netmask, as `dst host` primitives: the all-zeros and
 * all-ones host addresses of each of its IPv4 subnets (/30 or wider), from its node's `ip -j addr`.
 */
function subnets(fixture: Fixture, cap: { node: string; iface: string }): string[] {
  const addr = JSON.parse(readFileSync(`tests/fixtures/${fixture}/${cap.node}.ip-addr.json`, 'utf8')) as {
    ifname: string;
    addr_info: { family: string; local: string; prefixlen: number }[];
  }[];
  const v4 = (a: string) => a.split('.').reduce((x, o) => x * 256 + +o, 0);
  const text = (n: number) => [24, 16, 8, 0].map((b) => Math.floor(n / 2 ** b) % 256).join('.');
  return (addr.find((i) => i.ifname === cap.iface)?.addr_info ?? [])
    .filter((a) => a.family === 'inet' && a.prefixlen <= 30)
    .flatMap((a) => {
      const size = 2 ** (32 - a.prefixlen);
      const net = Math.floor(v4(a.local) / size) * size;
      return [`dst host ${text(net)}`, `dst host ${text(net + size - 1)}`];
    });
}

/** A `-i any` lane's interface index (its node's `ip -j link`): pcap's `ifindex N` keeps that lane's packets. */
function ifindexOf(fixture: Fixture, cap: { node: string; iface: string }): number {
  const links = JSON.parse(readFileSync(`tests/fixtures/${fixture}/${cap.node}.ip-link.json`, 'utf8')) as {
    ifindex: number;
    ifname: string;
  }[];
  return links.find((l) => l.ifname === cap.iface)!.ifindex;
}

/** Where we read more than tcpdump: its journeys are ours too, and ours beyond them are those `why` names. */
function more(fixture: Fixture, filter: string, why: (summary: string) => boolean): void {
  const want = tcpdumpJourneys(fixture, filter);
  const got = ours(fixture, filter);
  const s = sessions.get(fixture)!;
  const extra = got.filter((k) => !want.includes(k)).map((k) => s.journeySummary(k).summary);
  expect(got, filter).toEqual(expect.arrayContaining(want));
  expect(extra.length, `${fixture}: ${filter} reads more than tcpdump`).toBeGreaterThan(0);
  for (const summary of extra) expect(why(summary), `${filter}: ${summary}`).toBe(true);
}

describe.skipIf(!hasTcpdump)('where the journey filter deliberately reads otherwise than tcpdump', () => {
  it('the protocol and ports past IPv6 extension headers (pcap reads the fixed header’s next header only)', () => {
    const extensions = (s: string) => /^IP6 .*: (DSTOPT|HBH|frag \(0\||AH\()/.test(s);
    for (const e of ['udp', 'ip6 proto 17', 'port 9999', 'udp dst port 9999'])
      more('frag-igmp', e, extensions);
    more('ip-protocols', 'icmp6', extensions);
    // So an IPv6 packet with an AH header is the protocol after it, not ah (IPv4's AH is not read through).
    const ah = tcpdumpJourneys('ip-protocols', 'ah');
    const missed = ah.filter((k) => !ours('ip-protocols', 'ah').includes(k));
    expect(missed.map((k) => extensions(sessions.get('ip-protocols')!.journeySummary(k).summary))).toEqual([
      true,
    ]);
    expect(ah.length).toBe(missed.length + ours('ip-protocols', 'ah').length);
    // pcap's `ip6 proto 44` is the fragment header itself; ours is the protocol it carries.
    expect(ours('frag-igmp', 'ip6 proto 44')).toEqual([]);
    expect(tcpdumpJourneys('frag-igmp', 'ip6 proto 44').length).toBeGreaterThan(0);
  });

  it('ip broadcast: also a subnet broadcast of the capture interface (pcap-filter(7) with its netmask)', () => {
    // tcpdump 4.99 compiles `ip broadcast` with no netmask, from a file and live (-i) alike: 255.255.255.255 or
    // 0.0.0.0 only (the netmask is looked up with -f alone, and then taken in the wrong byte order).
    const bpf = execFileSync(
      'tcpdump',
      ['-d', '-r', 'tests/fixtures/broadcast/node-1__ens33.pcap', 'ip broadcast'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    expect(bpf).toMatch(/ld\s+\[30\]\n.*jeq\s+#0x0\s.*\n.*jeq\s+#0xffffffff\s/);
    expect(tcpdumpJourneys('broadcast', 'ip broadcast')).toEqual([]);
    // What pcap-filter(7) describes, given each capture interface's subnets from its node's `ip -j addr`: the
    // host part all ones or all zeros, within a subnet of that interface (none on a veth: the cni0 hop has it).
    const withNetmask = (cap: { node: string; iface: string }) =>
      ['ip broadcast', ...subnets('broadcast', cap)].join(' or ');
    const want = tcpdumpJourneys('broadcast', withNetmask);
    // The client's and node-1's three datagrams to 10.1.10.255 each, and the pod's three to 10.244.0.255.
    expect(want).toHaveLength(9);
    expect(ours('broadcast', 'ip broadcast')).toEqual(want);
    more('broadcast', 'ip broadcast', (summary) => /> 10\.(1\.10|244\.0)\.255\.9999:/.test(summary));
    // Not a subnet of the capture interface: 10.244.0.255 seen on node-1's veths only is no broadcast there.
    const c = correlateInputs(
      openInputs([
        'node-1:veth2053e67d=tests/fixtures/broadcast/node-1__veth2053e67d.pcap',
        'node-1:vethextra0=tests/fixtures/broadcast/node-1__vethextra0.pcap',
      ]),
      { threads: 1 },
    );
    const veths = new LoadedSession('veths', 'veths', null, c.correlator, c.result, []);
    expect(veths.findJourneys('dst host 10.244.0.255', 0, 1e9).total).toBe(3);
    expect(veths.findJourneys('ip broadcast', 0, 1e9).total).toBe(0);
  });

  it('ip broadcast on tcpdump -i any: the subnets of the interface each packet was seen on', () => {
    // Each lane's packets (pcap's ifindex N) through pcap-filter(7)'s netmask reading with that interface's subnets.
    const want = tcpdumpJourneys(
      'any-broadcast',
      (cap) =>
        `ifindex ${ifindexOf('any-broadcast', cap)} and (` +
        ['ip broadcast', ...subnets('any-broadcast', cap)].join(' or ') +
        ')',
    );
    // As on the per-interface captures: the client's and node-1's three datagrams to 10.1.10.255 each, and the
    // pod's three to 10.244.0.255 (a subnet of cni0, not of the veths it also crossed).
    expect(want).toHaveLength(9);
    expect(ours('any-broadcast', 'ip broadcast')).toEqual(want);
    expect(tcpdumpJourneys('any-broadcast', 'ip broadcast')).toEqual([]);
    // The same files read without their nodes' interface lists: one any lane each, whose packets' interfaces
    // (and so subnets) are not known, and `ip broadcast` is 255.255.255.255 or 0.0.0.0 only.
    const dir = tempDir('hs-any-');
    for (const f of ['node-1__any.pcap', 'node-2__any.pcap', 'client__any.pcap'])
      copyFileSync(`tests/fixtures/any-broadcast/${f}`, `${dir}/${f}`);
    const c = correlateInputs(openInputs([dir]), { threads: 1 });
    const one = new LoadedSession('any', 'any', null, c.correlator, c.result, []);
    expect(c.result.captures.map((cap) => cap.iface)).toEqual(['any', 'any', 'any']);
    expect(one.findJourneys('ip broadcast', 0, 1e9).total).toBe(0);
    expect(one.findJourneys('cni0 or veth*', 0, 1e9).total).toBe(0);
  });

  it('a and b: each primitive at any hop, so across kube-proxy’s DNAT+SNAT an and holds that no packet has', () => {
    // The client's SYN to the ClusterIP 10.106.23.233:8877 leaves 10.1.10.8 and reaches the pod 192.168.0.33 from
    // 192.168.0.1 (masquerade): no hop is both from the client and to the pod.
    const seen = new Map<string, number[]>();
    const journeys = (e: string): number[] => {
      if (!seen.has(e)) seen.set(e, tcpdumpJourneys('kube-proxy', e));
      return seen.get(e)!;
    };
    const [a, b] = ['src host 10.1.10.8', 'dst host 192.168.0.33'];
    expect(journeys(`${a} and ${b}`)).toEqual([]);
    const both = journeys(a).filter((k) => journeys(b).includes(k));
    expect(both.length).toBeGreaterThan(0);
    expect(ours('kube-proxy', `${a} and ${b}`)).toEqual(both);
    // The same for a port the NAT rewrote, and `not`: no hop has it.
    const c = 'src port 64833';
    expect(journeys(`${a} and ${c}`)).toEqual([]);
    expect(ours('kube-proxy', `${a} and ${c}`)).toEqual(journeys(a).filter((k) => journeys(c).includes(k)));
    expect(ours('kube-proxy', `${a} and ${c}`).length).toBeGreaterThan(0);
    expect(ours('kube-proxy', `${a} and not ${b}`)).toEqual(
      journeys(a).filter((k) => !journeys(b).includes(k)),
    );
  });

  it('through 802.1Q tags (pcap’s ip, icmp… need `vlan and` first to read past a tag)', () => {
    const tagged = (k: number) =>
      sessions
        .get('router-errors')!
        .findJourneys('vlan', 0, 1e9)
        .items.some((j) => j.id === k);
    for (const e of ['icmp', 'ip', 'ether proto \\ip']) {
      const want = tcpdumpJourneys('router-errors', e);
      const got = ours('router-errors', e);
      const extra = got.filter((k) => !want.includes(k));
      expect(got).toEqual(expect.arrayContaining(want));
      expect(extra.length).toBeGreaterThan(0);
      expect(extra.every(tagged)).toBe(true);
    }
  });

  it('a tunnelled hop’s inner headers: a capture of node-1’s ens33 alone still finds the pods', () => {
    const c = correlateInputs(openInputs(['node-1:ens33=tests/fixtures/flannel-vxlan/node-1__ens33.pcap']), {
      threads: 1,
    });
    const s = new LoadedSession('ens33', 'ens33', null, c.correlator, c.result, []);
    const file = c.result.captures[0].path!;
    expect(listing(file, 'host 10.244.0.12')).toEqual([]);
    expect(listing(file, 'icmp')).toEqual([]);
    const all = s.findJourneys('', 0, 1e9).total;
    expect(all).toBeGreaterThan(0);
    for (const e of ['host 10.244.0.12', 'icmp', 'net 10.244.0.0/16 and udp port 8472'])
      expect({ e, total: s.findJourneys(e, 0, 1e9).total }).toEqual({ e, total: all });
  });
});

describe.skipIf(!hasTcpdump)('pcap precedence, as tcpdump compiles it', () => {
  const bpf = (e: string) =>
    execFileSync('tcpdump', ['-d', '-r', 'tests/fixtures/three-hosts/node-1__ens33.pcap', e], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  it('and and or are equal and left-associative; not binds tightest', () => {
    const [a, b, c] = ['icmp', 'udp', 'host 10.1.10.8'];
    expect(bpf(`${a} or ${b} and ${c}`)).toBe(bpf(`(${a} or ${b}) and ${c}`));
    expect(bpf(`${a} or ${b} and ${c}`)).not.toBe(bpf(`${a} or (${b} and ${c})`));
    expect(bpf(`${c} and ${a} or ${b}`)).toBe(bpf(`(${c} and ${a}) or ${b}`));
    expect(bpf(`not ${a} and ${b}`)).toBe(bpf(`(not ${a}) and ${b}`));
    // The parser reads them the same way.
    const t = (e: string) => parseJourneyFilter(e);
    expect(t(`${a} or ${b} and ${c}`)).toEqual(t(`(${a} or ${b}) and ${c}`));
    expect(t(`${c} and ${a} or ${b}`)).toEqual(t(`(${c} and ${a}) or ${b}`));
    expect(t(`not ${a} and ${b}`)).toEqual(t(`(not ${a}) and ${b}`));
  });
});
