// Discovery model from real `ip -j` output: the lab's scenarios (recorded by `lab fixtures`), kubeadm-like
// nodes, hostile names and malformed input (what a hostile node could send).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ifaceNameProblem } from '../../main/discover/ifaceName.ts';
import { toIfaceInfo } from '../../main/app/nodes.ts';
import { ifaceWithAddress, parseIpOutputs, routeDevFor } from '../../main/discover/parseIp.ts';
import {
  emptySelectors,
  missingInterfaces,
  selectInterfaces,
  selectionWarnings,
} from '../../main/capture/selection.ts';

const FIX = new URL('../fixtures/', import.meta.url).pathname;
const SCENARIOS = [
  'kubenet',
  'kube-proxy',
  'flannel-hostgw',
  'flannel-vxlan',
  'calico-bgp',
  'calico-ipip',
  'antrea-geneve',
  'calico-wireguard',
];

function load(folder: string, node: string) {
  const r = (k: string) => readFileSync(join(FIX, folder, `${node}.ip-${k}.json`), 'utf8');
  return parseIpOutputs(node, { link: r('link'), addr: r('addr'), route: r('route') });
}

interface Manifest {
  captures: { host: string; iface: string }[];
  pods: { name: string; node: string; ip: string; hostIf: string }[];
}

describe('discovery on the lab scenarios', () => {
  for (const sc of SCENARIOS) {
    const dir = join(FIX, sc);
    it.skipIf(!existsSync(join(dir, 'manifest.json')))(
      `${sc}: every captured interface is discovered; pod IPs map to their host-side link`,
      () => {
        const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
        const nodes = readdirSync(dir)
          .filter((f) => f.endsWith('.ip-link.json'))
          .map((f) => f.replace('.ip-link.json', ''));
        const models = new Map(nodes.map((n) => [n, load(sc, n)]));
        for (const c of m.captures) {
          const i = models.get(c.host)?.interfaces.find((x) => x.name === c.iface);
          expect(i, `${c.host}:${c.iface}`).toBeDefined();
          expect(i!.capturable).toBe(true);
          expect(i!.kind).not.toBe('other');
        }
        for (const [, model] of models) {
          expect(model.warnings).toEqual([]);
          expect(model.interfaces.find((i) => i.name === 'lo')?.kind).toBe('loopback');
          const ens33 = model.interfaces.find((i) => i.name === 'ens33');
          if (ens33) expect(ens33.addresses.some((a) => a.address.startsWith('10.1.10.'))).toBe(true);
        }
        for (const pod of m.pods) {
          const model = models.get(pod.node);
          if (!model) continue;
          const host = model.interfaces.find((i) => i.name === pod.hostIf)!;
          expect(host.peer?.netnsId, `${pod.hostIf} peer lives in the pod namespace`).not.toBeNull();
          const dev = routeDevFor(model, pod.ip);
          // Calico routes each pod /32 to its cali*; bridge CNIs route the pod subnet to the bridge it is a port of.
          if (host.kind === 'calico') expect(dev).toBe(pod.hostIf);
          else expect(host.master).toBe(dev);
        }
      },
    );
  }

  it('flannel-vxlan: flannel.1 is VXLAN VNI 1 on 8472; veths are bridge ports of cni0', () => {
    const n = load('flannel-vxlan', 'node-1');
    const f = n.interfaces.find((i) => i.name === 'flannel.1')!;
    expect(f).toMatchObject({ kind: 'vxlan', mtu: 1450, vxlan: { vni: 1, port: 8472 } });
    const veths = n.interfaces.filter((i) => i.kind === 'veth' && i.master === 'cni0');
    expect(veths.length).toBeGreaterThan(0);
    for (const v of veths) expect(v.bridgePort).toBe(true);
    expect(n.interfaces.find((i) => i.name === 'cni0')?.kind).toBe('bridge');
  });

  it('calico-ipip: tunl0 is raw IP (no MAC), cali* are calico with the ee:ee… MAC', () => {
    const n = load('calico-ipip', 'node-1');
    expect(n.interfaces.find((i) => i.name === 'tunl0')).toMatchObject({
      kind: 'tun',
      linkType: 'none',
      mac: null,
    });
    const cali = n.interfaces.filter((i) => i.kind === 'calico');
    expect(cali.length).toBeGreaterThan(0);
    for (const c of cali) expect(c.mac).toBe('ee:ee:ee:ee:ee:ee');
  });
});

describe('discovery on kubeadm-like nodes', () => {
  it('flannel node: kinds, VXLAN details, docker0 down, route to the other node via flannel.1', () => {
    const n = load('capture-kubeadm', 'kubeadm-flannel');
    const kinds = Object.fromEntries(n.interfaces.map((i) => [i.name, i.kind]));
    expect(kinds).toMatchObject({
      lo: 'loopback',
      ens33: 'veth',
      docker0: 'bridge',
      cni0: 'bridge',
      'flannel.1': 'vxlan',
    });
    expect(n.interfaces.find((i) => i.name === 'flannel.1')!.vxlan).toEqual({
      vni: 1,
      port: 8472,
      local: '10.1.10.9',
      device: 'ens33',
    });
    expect(routeDevFor(n, '10.244.1.34')).toBe('flannel.1');
    expect(routeDevFor(n, '10.244.0.12')).toBe('cni0');
    expect(routeDevFor(n, '8.8.8.8')).toBe('ens33');
    expect(ifaceWithAddress(n, '10.1.10.9')?.name).toBe('ens33');
    // Globs skip loopback and down interfaces (docker0 is down).
    const sel = selectInterfaces(['*'], [n]).map((s) => s.iface);
    expect(sel).not.toContain('lo');
    expect(sel).not.toContain('docker0');
    expect(sel).toContain('flannel.1');
    expect(selectInterfaces(['kubeadm-flannel:docker0'], [n])).toEqual([
      { node: 'kubeadm-flannel', iface: 'docker0' },
    ]);
    // A glob matching nothing on its node is no error but is named, for a warning (cali* on flannel); an exact
    // name matching nothing is an error of its own.
    expect(emptySelectors(['kubeadm-flannel:cali*', 'veth*', 'ens33', 'nosuch0'], [n])).toEqual([
      'kubeadm-flannel:cali*',
    ]);
  });

  it('geneve devices: OVS/OVN-Kubernetes genev_sys_6081 (external) and one with a VNI and remote', () => {
    // Not recorded (this kernel has no geneve module): iproute2's `ip -j -d link` fields for a geneve link
    // (ip/iplink_geneve.c: "id", "remote", "port", "external"), as `ip link add … type geneve` would show them.
    const link = JSON.stringify([
      { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP'], mtu: 65536, link_type: 'loopback' },
      {
        ifindex: 7,
        ifname: 'genev_sys_6081',
        flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
        mtu: 65000,
        operstate: 'UNKNOWN',
        link_type: 'ether',
        address: '5a:1e:3c:77:10:02',
        linkinfo: { info_kind: 'geneve', info_data: { external: true, port: 6081, udp_csum: true } },
      },
      {
        ifindex: 8,
        ifname: 'gnv0',
        flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
        mtu: 1450,
        operstate: 'UNKNOWN',
        link_type: 'ether',
        address: '5a:1e:3c:77:10:03',
        linkinfo: { info_kind: 'geneve', info_data: { id: 7, remote: '10.1.10.10', ttl: 0, port: 6081 } },
      },
    ]);
    const n = parseIpOutputs('ovn-node', { link, addr: '[]', route: '[]' });
    expect(n.warnings).toEqual([]);
    const g = (name: string) => n.interfaces.find((i) => i.name === name)!;
    expect(g('genev_sys_6081')).toMatchObject({
      kind: 'geneve',
      geneve: { vni: null, port: 6081, remote: null },
    });
    expect(g('gnv0')).toMatchObject({ kind: 'geneve', geneve: { vni: 7, port: 6081, remote: '10.1.10.10' } });
  });

  it("wireguard devices: the kernel's (Calico's wireguard.cali, Cilium's cilium_wg0) are wireguard, not other", () => {
    // Not recorded (this kernel has no wireguard module; the lab's calico-wireguard runs wireguard-go, a tun): the
    // fields `ip -j -d link` prints for a kernel WireGuard link (info_kind "wireguard", no info_data; raw IP,
    // point-to-point, no ARP), as on a Calico node with WireGuard on.
    const link = JSON.stringify([
      {
        ifindex: 9,
        ifname: 'wireguard.cali',
        flags: ['POINTOPOINT', 'NOARP', 'UP', 'LOWER_UP'],
        mtu: 1440,
        operstate: 'UNKNOWN',
        link_type: 'none',
        linkinfo: { info_kind: 'wireguard' },
      },
      {
        ifindex: 10,
        ifname: 'cilium_wg0',
        flags: ['POINTOPOINT', 'NOARP', 'UP', 'LOWER_UP'],
        mtu: 1420,
        operstate: 'UNKNOWN',
        link_type: 'none',
        linkinfo: { info_kind: 'wireguard' },
      },
    ]);
    const n = parseIpOutputs('calico-node', { link, addr: '[]', route: '[]' });
    expect(n.warnings).toEqual([]);
    expect(n.interfaces.map((i) => [i.name, i.kind])).toEqual([
      ['wireguard.cali', 'wireguard'],
      ['cilium_wg0', 'wireguard'],
    ]);
    expect(n.interfaces.map((i) => toIfaceInfo(i).kind)).toEqual(['wireguard', 'wireguard']);
    // The lab's wireguard-go device is a tun, as `ip -d link` says.
    const lab = load('calico-wireguard', 'node-1').interfaces.find((i) => i.name === 'wireguard.cali');
    expect(lab?.kind).toBe('tun');
  });

  it('calico node: pod /32 routes map pod IPs to their cali*', () => {
    const n = load('capture-kubeadm', 'kubeadm-calico');
    expect(routeDevFor(n, '10.100.84.131')).toBe('cali1b6b7c1e3a0');
    expect(routeDevFor(n, '10.100.84.132')).toBe('calie5c1c1d0d2f');
    expect(routeDevFor(n, '10.100.247.24')).toBe('tunl0');
    expect(n.routes.find((r) => r.dst === '10.100.84.128/26')).toMatchObject({ dev: null, protocol: 'bird' });
    expect(selectInterfaces(['cali*'], [n]).map((s) => s.iface)).toEqual([
      'cali1b6b7c1e3a0',
      'calie5c1c1d0d2f',
    ]);
  });

  it('a real NIC (no linkinfo) is physical', () => {
    const link = readFileSync(join(FIX, 'capture-kubeadm/virtio-nic.ip-link.json'), 'utf8');
    const n = parseIpOutputs('vm', { link, addr: '[]', route: '[]' });
    expect(n.interfaces[0]).toMatchObject({ name: 'eth0', kind: 'physical', kernelKind: '', up: true });
  });
});

describe('hostile and malformed discovery input', () => {
  const r = (k: string) => readFileSync(join(FIX, 'capture-hostile', `node-1.ip-${k}.json`), 'utf8');

  it('names that are shell code stay data: discovered verbatim, capturable only if Linux allows them', () => {
    const n = parseIpOutputs('node-1', { link: r('link'), addr: r('addr'), route: r('route') });
    const names = n.interfaces.map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(['eth0;touch', '$(id)', '-wpasswd']));
    // Linux allows these bytes, so they are capturable; they are only ever passed single-quoted.
    expect(n.interfaces.find((i) => i.name === '$(id)')!.capturable).toBe(true);
    expect(selectInterfaces(['node-1:$(id)'], [n])).toEqual([{ node: 'node-1', iface: '$(id)' }]);
  });

  it('names Linux could not have, non-UTF-8 and over-long names are never capturable', () => {
    const entries = JSON.parse(r('link'));
    const evil = ['-w/etc/passwd', 'a'.repeat(16), 'bad\uFFFDname', 'tab\tname', 'x:y', '..'];
    const hostile = evil.map((ifname, k) => ({ ...entries[1], ifindex: 100 + k, ifname }));
    const n = parseIpOutputs('node-1', {
      link: JSON.stringify([...entries, ...hostile]),
      addr: '[]',
      route: '[]',
    });
    for (const name of evil) {
      const i = n.interfaces.find((x) => x.name === name)!;
      expect(i.capturable, name).toBe(false);
      expect(() => selectInterfaces([`node-1:${name}`], [n])).toThrow(/cannot be captured/);
    }
    expect(selectInterfaces(['*'], [n]).some((s) => evil.includes(s.iface))).toBe(false);
    expect(n.warnings.length).toBe(evil.length);
  });

  it('invalid UTF-8 bytes from the node become U+FFFD and are refused', () => {
    const raw = Buffer.concat([
      Buffer.from('[{"ifindex":7,"ifname":"et'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('h0","link_type":"ether","flags":["UP"]}]'),
    ]);
    const n = parseIpOutputs('node-1', { link: new TextDecoder().decode(raw), addr: '[]', route: '[]' });
    expect(n.interfaces[0].capturable).toBe(false);
    expect(ifaceNameProblem(n.interfaces[0].name)).toBe('not valid UTF-8');
  });

  it('malformed JSON is DISCOVERY_FAILED; odd entries are skipped with warnings', () => {
    expect(() => parseIpOutputs('n', { link: '[{', addr: '[]', route: '[]' })).toThrow(
      expect.objectContaining({ code: 'DISCOVERY_FAILED' }),
    );
    expect(() => parseIpOutputs('n', { link: '{}', addr: '[]', route: '[]' })).toThrow(/not a JSON array/);
    const n = parseIpOutputs('n', {
      link: JSON.stringify([
        { ifname: 'x' },
        5,
        null,
        { ifindex: 2, ifname: 'a', flags: 'UP' },
        { ifindex: 3, ifname: 'a' },
      ]),
      addr: JSON.stringify([
        {
          ifindex: 2,
          addr_info: [
            { family: 'inet', local: 7 },
            { family: 'inet', local: '1.2.3.4', prefixlen: 8 },
          ],
        },
      ]),
      route: JSON.stringify([{ dst: 5 }, { dst: '1.0.0.0/8', dev: 'a' }]),
    });
    expect(n.interfaces.map((i) => i.name)).toEqual(['a']);
    expect(n.interfaces[0].addresses).toEqual([{ family: 'inet', address: '1.2.3.4', prefixLen: 8 }]);
    expect(n.warnings).toHaveLength(2);
    expect(routeDevFor(n, '1.2.3.4')).toBe('a');
    expect(routeDevFor(n, '999.1.1.1')).toBeNull();
  });

  it('glob syntax: *, ?, [a-z], [!…], node globs; a reversed range is a usage error', () => {
    const n = load('capture-kubeadm', 'kubeadm-flannel');
    const names = (sel: string) => selectInterfaces([sel], [n]).map((x) => x.iface);
    expect(names('c?i0')).toEqual(['cni0']);
    expect(names('[ce]*')).toEqual(['ens33', 'cni0']);
    expect(names('[!cev]*')).toEqual(['flannel.1']);
    expect(names('veth*[ef]')).toEqual(['veth2053e67e', 'veth2053e67f']);
    expect(names('kubeadm-*:flannel.?')).toEqual(['flannel.1']);
    expect(names('*')).toEqual(['ens33', 'cni0', 'flannel.1', 'veth2053e67e', 'veth2053e67f']);
    expect(() => names('[z-a]*')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(names('[*')).toEqual([]); // a lone '[' is a literal
  });

  it('unknown selector names are IFACE_UNKNOWN, unknown nodes a usage error', () => {
    const n = parseIpOutputs('node-1', { link: r('link'), addr: '[]', route: '[]' });
    expect(() => selectInterfaces(['node-1:eth9'], [n])).toThrow(
      expect.objectContaining({ code: 'IFACE_UNKNOWN' }),
    );
    expect(() => selectInterfaces(['node-9:*'], [n])).toThrow(/no node/);
    expect(selectInterfaces(['node-1:nomatch*'], [n])).toEqual([]);
  });

  it('an exact name one node of a node glob lacks (no cni0 before its first pod) skips it, with a warning', () => {
    // The flannel node of a kubeadm cluster, and another like it before its first pod (no cni0 yet).
    const withCni = { ...load('capture-kubeadm', 'kubeadm-flannel'), node: 'node-1' };
    const bare = {
      ...withCni,
      node: 'node-3',
      interfaces: withCni.interfaces.filter((i) => i.name !== 'cni0' && !i.name.startsWith('veth')),
    };
    expect(withCni.interfaces.some((i) => i.name === 'cni0')).toBe(true);
    // `cni0` is `*:cni0`: node-1's is captured, node-3 is said to lack one (it failed the whole capture).
    expect(selectInterfaces(['cni0'], [withCni, bare])).toEqual([{ node: 'node-1', iface: 'cni0' }]);
    expect(missingInterfaces(['cni0', 'ens33'], [withCni, bare])).toEqual(['node-3 has no interface "cni0"']);
    expect(selectInterfaces(['node-*:cni0'], [withCni, bare])).toEqual([{ node: 'node-1', iface: 'cni0' }]);
    // Named exactly, or lacking on every node it names: still IFACE_UNKNOWN.
    expect(() => selectInterfaces(['node-3:cni0'], [withCni, bare])).toThrow(
      expect.objectContaining({ code: 'IFACE_UNKNOWN', message: 'node-3 has no interface "cni0"' }),
    );
    expect(() => selectInterfaces(['eth9'], [withCni, bare])).toThrow(
      expect.objectContaining({ code: 'IFACE_UNKNOWN', message: 'node-1, node-3 have no interface "eth9"' }),
    );
    // A node joining late (some of the nodes): no error, the others may have it.
    expect(selectInterfaces(['cni0', 'ens33'], [bare], true).map((s) => s.iface)).toEqual(['ens33']);
  });

  it("one node's warnings (a node joining late): what the start path warns, for that node", () => {
    const withCni = { ...load('capture-kubeadm', 'kubeadm-flannel'), node: 'node-1' };
    const bare = {
      ...withCni,
      node: 'node-3',
      interfaces: withCni.interfaces.filter((i) => i.name !== 'cni0' && !i.name.startsWith('veth')),
    };
    const both = [withCni, bare];
    // The exact name it lacks, whether a plain name or one of a node glob; none on the node that has it.
    expect(selectionWarnings(['cni0', 'ens33'], both, 'node-3')).toEqual([
      'node-3 has no interface "cni0": not captured there',
    ]);
    expect(selectionWarnings(['node-*:cni0', 'ens33'], both, 'node-3')).toEqual([
      'node-3 has no interface "cni0": not captured there',
    ]);
    expect(selectionWarnings(['cni0', 'ens33'], both, 'node-1')).toEqual([]);
    // Selectors that do not name the node say nothing about it.
    expect(selectionWarnings(['node-1:cni0', 'ens33'], both, 'node-3')).toEqual([]);
    // A glob is said only when it selects nothing on any node it names (emptySelectors), as at the start: a node
    // without pods has no veth, the others' are captured.
    expect(selectionWarnings(['veth*', 'ens33'], both, 'node-3')).toEqual([]);
    expect(selectionWarnings(['cali*', 'node-3:veth*', 'ens33'], both, 'node-3')).toEqual([
      "--iface 'cali*' matched no interface on node-3: nothing captured for it",
      "--iface 'node-3:veth*' matched no interface on node-3: nothing captured for it",
    ]);
    // Alone (the first of its nodes to be discovered), its own interfaces are all there is.
    expect(selectionWarnings(['cni0', 'veth*', 'ens33'], [bare], 'node-3')).toEqual([
      'node-3 has no interface "cni0": not captured there',
      "--iface 'veth*' matched no interface on node-3: nothing captured for it",
    ]);
  });
});
