// The lab's pieces that need no root: scenario data consistency, the build plan's commands, kube-proxy's rules,
// the generated OpenSSH files and the CLI's argument checks.

import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

import { describe, expect, test } from 'vitest';

import { parseLabArgs } from '../../main/cli/lab.ts';
import { HopscopeError } from '../../main/common/errors.ts';
import { kubeProxyRules } from '../../main/lab/kubeProxyRules.ts';
import { GENEVE_TUNNEL_SOURCE } from '../../main/lab/geneveTunnel.ts';
import { buildPlan, planLines, type Step } from '../../main/lab/plan.ts';
import { POD_HTTP_SOURCE, podHttpArgv } from '../../main/lab/podHttp.ts';
import {
  KUBE_HOSTPORTS,
  KUBE_SERVICES,
  SCENARIOS,
  SCENARIO_NAMES,
  cniMac,
  isScenarioName,
  vethName,
} from '../../main/lab/scenarios.ts';
import {
  knownHostsText,
  labPaths,
  sshConfigText,
  sshdConfigText,
  sshdKbdConfigText,
} from '../../main/lab/sshFiles.ts';
import { HOSTS, IFNAME_MAX, host, podNs } from '../../main/lab/topology.ts';
import { sudoersText } from '../../main/lab/users.ts';

const paths = labPaths('/run/hopscope-lab');
const opts = {
  paths,
  nodeBin: '/usr/bin/node',
  physdev: true,
  brNetfilter: true,
};

function steps(name: (typeof SCENARIO_NAMES)[number]): Step[] {
  return buildPlan(SCENARIOS[name], opts).flatMap((p) => p.tasks.flat());
}

const ipv4 = (ip: string): number => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
function inCidr(ip: string, cidr: string): boolean {
  const [net, len] = cidr.split('/');
  const mask = Number(len) === 0 ? 0 : 2 ** 32 - 2 ** (32 - Number(len));
  return (ipv4(ip) & mask) >>> 0 === (ipv4(net) & mask) >>> 0;
}

describe('scenario definitions', () => {
  test("the walkthrough's six scenarios, antrea-geneve and calico-wireguard, named as the CLI accepts them", () => {
    expect(SCENARIO_NAMES).toEqual([
      'kubenet',
      'kube-proxy',
      'flannel-hostgw',
      'flannel-vxlan',
      'calico-bgp',
      'calico-ipip',
      'antrea-geneve',
      'calico-wireguard',
    ]);
    for (const n of SCENARIO_NAMES) expect(SCENARIOS[n].name).toBe(n);
    expect(isScenarioName('calico-ipip')).toBe(true);
    expect(isScenarioName('calico')).toBe(false);
  });

  test('hosts: the walkthrough addresses, every namespace and root link carries the hs- prefix', () => {
    expect(HOSTS.map((h) => [h.name, h.ip])).toEqual([
      ['node-1', '10.1.10.9'],
      ['node-2', '10.1.10.10'],
      ['client', '10.1.10.8'],
      ['bastion', '10.1.10.2'],
    ]);
    for (const h of HOSTS) {
      expect(h.ns.startsWith('hs-')).toBe(true);
      expect(h.rootLink.startsWith('hs-')).toBe(true);
      expect(h.rootLink.length).toBeLessThanOrEqual(IFNAME_MAX);
    }
  });

  for (const name of SCENARIO_NAMES) {
    test(`${name}: names fit, addresses sit in their subnets, MACs are unicast and unique`, () => {
      const s = SCENARIOS[name];
      const macs = new Set<string>();
      for (const p of s.pods) {
        expect(p.hostIf.length).toBeLessThanOrEqual(IFNAME_MAX);
        expect(podNs(p.name).startsWith('hs-pod-')).toBe(true);
        expect(p.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
        expect(parseInt(p.mac.slice(0, 2), 16) & 1).toBe(0);
        expect(macs.has(p.mac)).toBe(false);
        macs.add(p.mac);
        if (p.attach === 'bridge') {
          const br = s.bridges.find((b) => b.node === p.node);
          expect(br, `${p.name} needs a bridge on ${p.node}`).toBeDefined();
          expect(inCidr(p.ip, br!.addr.replace(/\.1\//, '.0/'))).toBe(true);
          // Antrea names the host side after the pod: 8 characters of its name, '-', 6 hex.
          expect(p.hostIf).toMatch(
            name === 'antrea-geneve' ? /^[a-z0-9-]{8}-[0-9a-f]{6}$/ : /^veth[0-9a-f]{8}$/,
          );
        } else {
          expect(p.hostIf).toMatch(/^cali[0-9a-f]{11}$/);
          expect(p.prefixLen).toBe(32);
          // The pod sits in its node's /26 block, which the other node routes to this node.
          const block = s.routes.find((r) => r.node === p.node && r.args[0] === 'blackhole')?.args[1];
          expect(block && inCidr(p.ip, block)).toBe(true);
        }
      }
      const hostIfs = s.pods.map((p) => `${p.node}/${p.hostIf}`);
      expect(new Set(hostIfs).size).toBe(hostIfs.length);
      for (const t of s.traffic) {
        if (t.kind === 'ping') expect(s.pods.some((p) => p.name === t.fromPod)).toBe(true);
        else
          for (const e of t.expect) expect(s.pods.find((p) => p.name === e)?.ports.length).toBeGreaterThan(0);
      }
    });
  }

  test('walkthrough specifics: flannel.1 MACs, calico cali names and pod MACs, cbr0/cni0 addresses', () => {
    expect(SCENARIOS['flannel-vxlan'].vxlan.map((v) => [v.node, v.mac, v.addr])).toEqual([
      ['node-1', '16:e0:b5:75:8c:4b', '10.244.0.0/32'],
      ['node-2', '0e:46:36:ac:f6:d6', '10.244.1.0/32'],
    ]);
    expect(SCENARIOS['calico-ipip'].pods[0]).toMatchObject({
      ip: '10.100.84.132',
      hostIf: 'cali14de3927136',
      mac: '5e:56:ea:dc:5c:33',
      mtu: 1480,
    });
    expect(SCENARIOS['calico-ipip'].tunl.map((t) => t.addr)).toEqual(['10.100.84.131', '10.100.247.22']);
    expect(SCENARIOS['kube-proxy'].bridges[0]).toMatchObject({ name: 'cbr0', addr: '192.168.0.1/24' });
    expect(SCENARIOS['flannel-hostgw'].bridges.map((b) => b.addr)).toEqual([
      '10.244.0.1/24',
      '10.244.1.1/24',
    ]);
  });

  test('generated names and MACs follow the CNI conventions and are stable', () => {
    expect(cniMac('10.244.0.12')).toBe('0a:58:0a:f4:00:0c');
    expect(vethName('echoserver-6dbbc8d5fc-f455t')).toBe(vethName('echoserver-6dbbc8d5fc-f455t'));
    expect(vethName('a')).not.toBe(vethName('b'));
    expect(vethName('x', 'cali', 11)).toMatch(/^cali[0-9a-f]{11}$/);
  });
});

describe('build plan', () => {
  test('every argv element is a single word (nothing for a shell or ip -batch to split)', () => {
    for (const n of SCENARIO_NAMES) {
      for (const st of steps(n)) {
        // The exceptions: the pod responder's and the Geneve encapsulator's sources, each one argv element.
        for (const a of st.argv.filter((x) => x !== POD_HTTP_SOURCE && x !== GENEVE_TUNNEL_SOURCE)) {
          expect(a, `${n}: ${st.argv.join(' ')}`).toMatch(/^\S+$/);
        }
      }
    }
  });

  test('flannel-vxlan: flannel.1 VNI 1, UDP 8472, MTU 1450 on ens33, with the fdb/neigh/route flanneld installs', () => {
    const lines = planLines(buildPlan(SCENARIOS['flannel-vxlan'], opts));
    expect(lines).toContain(
      '[hs-node-1] ip link add flannel.1 address 16:e0:b5:75:8c:4b mtu 1450 type vxlan id 1 local 10.1.10.9 dev ens33 dstport 8472 nolearning',
    );
    expect(lines).toContain('[hs-node-1] ip route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink');
    expect(lines).toContain(
      '[hs-node-1] ip neigh add 10.244.1.0 lladdr 0e:46:36:ac:f6:d6 dev flannel.1 nud permanent',
    );
    expect(lines).toContain(
      '[hs-node-1] bridge fdb append 0e:46:36:ac:f6:d6 dev flannel.1 dst 10.1.10.10 self permanent',
    );
  });

  test('calico-ipip: socat drives tunl0 to raw IP protocol 4, MTU 1480; pods route via 169.254.1.1 with proxy ARP', () => {
    const all = steps('calico-ipip');
    const socat = all.find((s) => s.kind === 'daemon' && s.argv[0] === 'socat');
    expect(socat?.argv).toEqual([
      'socat',
      'TUN:10.100.84.131/32,tun-type=tun,iff-no-pi,tun-name=tunl0,iff-up',
      'IP4-DATAGRAM:10.1.10.10:4',
    ]);
    expect(socat?.ns).toBe('hs-node-1');
    const lines = planLines(buildPlan(SCENARIOS['calico-ipip'], opts));
    expect(lines).toContain('[hs-node-1] ip link set tunl0 mtu 1480');
    expect(lines).toContain(
      '[hs-node-1] sysctl -q -w net.ipv4.conf.cali14de3927136.proxy_arp=1 net.ipv4.neigh.cali14de3927136.proxy_delay=0',
    );
    expect(lines).toContain('[hs-pod-test-7999578869-kx4hp] ip route add default via 169.254.1.1 dev eth0');
    expect(lines).toContain(
      '[hs-node-1] ip route add 10.100.247.0/26 via 10.1.10.10 dev tunl0 proto bird onlink',
    );
    expect(lines.some((l) => l.includes('address ee:ee:ee:ee:ee:ee type veth'))).toBe(true);
  });

  test('antrea-geneve: antrea-tun0 is a TAP driven by the Geneve encapsulator towards the peer, routed onlink', () => {
    const daemons = steps('antrea-geneve').filter(
      (s) => s.kind === 'daemon' && s.label.startsWith('geneve-'),
    );
    expect(daemons.map((d) => [d.ns, d.argv[0], ...d.argv.slice(3)])).toEqual([
      ['hs-node-1', 'python3', 'antrea-tun0', '10.1.10.9', '10.1.10.10', '7', '102:80:00010002'],
      ['hs-node-2', 'python3', 'antrea-tun0', '10.1.10.10', '10.1.10.9', '7', 'none'],
    ]);
    for (const d of daemons) {
      expect(d.argv[2]).toBe(GENEVE_TUNNEL_SOURCE);
      expect(d.kind === 'daemon' && d.waitLink).toBe('antrea-tun0');
    }
    const lines = planLines(buildPlan(SCENARIOS['antrea-geneve'], opts));
    expect(lines).toContain('[hs-node-1] ip link set antrea-tun0 address 7a:5e:4c:1d:00:01 mtu 1450 up');
    expect(lines).toContain(
      '[hs-node-1] ip neigh add 10.10.1.1 lladdr 7a:5e:4c:1d:00:02 dev antrea-tun0 nud permanent',
    );
    expect(lines).toContain('[hs-node-2] ip route add 10.10.0.0/24 via 10.10.0.1 dev antrea-tun0 onlink');
    for (const p of SCENARIOS['antrea-geneve'].pods) expect(p.hostIf).toMatch(/^test-799-[0-9a-f]{6}$/);
  });

  test('calico-wireguard: wireguard-go in the foreground per node, keyed from the state folder, peer on the other ens33, pod blocks routed into wireguard.cali', () => {
    const plan = buildPlan(SCENARIOS['calico-wireguard'], {
      ...opts,
      wgPublicKeys: { 'node-1': 'PUB1=', 'node-2': 'PUB2=' },
    });
    const all = plan.flatMap((p) => p.tasks.flat());
    const daemons = all.filter((s) => s.kind === 'daemon' && s.label.startsWith('wireguard-go-'));
    expect(daemons.map((d) => [d.ns, ...d.argv])).toEqual([
      ['hs-node-1', 'wireguard-go', 'hswg-1'],
      ['hs-node-2', 'wireguard-go', 'hswg-2'],
    ]);
    for (const d of daemons) {
      expect(d.kind === 'daemon' && d.env).toEqual({ WG_PROCESS_FOREGROUND: '1' });
      expect(d.kind === 'daemon' && d.waitLink).toBe(d.argv[1]);
    }
    const lines = planLines(plan);
    expect(lines).toContain(
      '[hs-node-1] (daemon wireguard-go-node-1) WG_PROCESS_FOREGROUND=1 wireguard-go hswg-1',
    );
    expect(lines).toContain(
      '[hs-node-2] wg set hswg-2 listen-port 51820 private-key /run/hopscope-lab/wireguard.node-2.key peer PUB1= endpoint 10.1.10.9:51820 allowed-ips 10.100.84.128/26',
    );
    // The MTU is set while the device still has wireguard-go's name (wireguard-go reads it by that name only).
    const n1 = lines.filter(
      (l) => l.startsWith('[hs-node-1] ') && (l.includes(' hswg-1 ') || l.includes('wireguard.cali')),
    );
    expect(n1).toEqual([
      '[hs-node-1] wg set hswg-1 listen-port 51820 private-key /run/hopscope-lab/wireguard.node-1.key peer PUB2= endpoint 10.1.10.10:51820 allowed-ips 10.100.247.0/26',
      '[hs-node-1] ip link set hswg-1 mtu 1440',
      '[hs-node-1] ip link set hswg-1 name wireguard.cali',
      '[hs-node-1] ip addr add 10.100.84.129/32 dev wireguard.cali',
      '[hs-node-1] ip link set wireguard.cali up',
      '[hs-node-1] ip route add 10.100.247.0/26 dev wireguard.cali scope link',
    ]);
    expect(lines).toContain('[hs-node-2] ip route add 10.100.84.128/26 dev wireguard.cali scope link');
    // No plain route to the other node's pods over ens33: everything between the nodes is encrypted.
    expect(lines.filter((l) => / via 10\.1\.10\.\d+ /.test(l))).toEqual([]);
    for (const p of SCENARIOS['calico-wireguard'].pods) expect(p.mtu).toBe(1440);
    // Without keys (`lab plan`), a placeholder names whose key goes there.
    expect(planLines(buildPlan(SCENARIOS['calico-wireguard'], opts))).toContain(
      '[hs-node-1] wg set hswg-1 listen-port 51820 private-key /run/hopscope-lab/wireguard.node-1.key peer <public-key-of-node-2> endpoint 10.1.10.10:51820 allowed-ips 10.100.247.0/26',
    );
  });

  test('the Geneve encapsulator sends and receives real Geneve (its Python compiles)', () => {
    const r = spawnSync('python3', ['-c', `import ast, sys; ast.parse(sys.stdin.read())`], {
      input: GENEVE_TUNNEL_SOURCE,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(GENEVE_TUNNEL_SOURCE).toContain('PORT = 6081');
  });

  test('forwarding is enabled only inside node namespaces; nodes get no default route', () => {
    for (const n of SCENARIO_NAMES) {
      const all = steps(n);
      const fwd = all.filter((s) => s.argv.some((a) => a === 'net.ipv4.ip_forward=1'));
      expect(fwd.map((s) => s.ns).sort()).toEqual(['hs-node-1', 'hs-node-2']);
      const rootSysctls = all
        .filter((s) => s.ns === null && s.argv[0] === 'sysctl')
        .flatMap((s) => s.argv.filter((a) => a.includes('=')));
      for (const k of rootSysctls) expect(k).toMatch(/^net\.ipv6\.conf\.hs-[\w-]+\.disable_ipv6=1$/);
      const defaults = all.filter((s) => s.argv.includes('default') && s.argv.includes('route'));
      for (const d of defaults) expect(d.ns?.startsWith('hs-pod-')).toBe(true);
    }
  });

  test('the client routes the service range via node-1 (kube-proxy only)', () => {
    expect(planLines(buildPlan(SCENARIOS['kube-proxy'], opts))).toContain(
      '[hs-client] ip route add 10.96.0.0/12 via 10.1.10.9 dev ens33',
    );
  });

  test('node-2 runs kube-proxy too and routes node-1’s pod range there (the cross-node NodePort)', () => {
    const lines = planLines(buildPlan(SCENARIOS['kube-proxy'], opts));
    expect(lines).toContain('[hs-node-2] ip route add 192.168.0.0/24 via 10.1.10.9 dev ens33');
    const restores = steps('kube-proxy').filter((s) => s.argv[0] === 'iptables-restore');
    expect(restores.map((s) => s.ns)).toEqual(['hs-node-1', 'hs-node-2']);
    const [n1, n2] = restores.map((s) => (s.kind === 'run' ? (s.input ?? '') : ''));
    // Every node has the services (NodePort 32228 DNATs to node-1's pods); hostports only where the pod runs.
    for (const t of [n1, n2])
      expect(t).toMatch(/-A KUBE-NODEPORTS .*--dport 32228 -j KUBE-SVC-CIFSXFMKAAMIL4QG/);
    expect(n1).toContain('KUBE-HP-KWJPLLZCGIIKHTTD');
    expect(n2).not.toContain('KUBE-HP-');
    expect(SCENARIOS['kube-proxy'].captureHosts).toContain('node-2');
  });

  test('sshd runs in every host namespace with its generated config, never through a shell; the nodes run a keyboard-interactive one too', () => {
    const sshds = steps('kubenet').filter((s) => s.kind === 'daemon' && s.argv[0] === '/usr/sbin/sshd');
    expect(sshds.map((s) => [s.ns, s.argv.join(' ')])).toEqual([
      ...HOSTS.map((h) => [h.ns, `/usr/sbin/sshd -D -e -f /run/hopscope-lab/sshd_config.${h.name}`]),
      ['hs-node-1', '/usr/sbin/sshd -D -e -f /run/hopscope-lab/sshd_kbd_config.node-1'],
      ['hs-node-2', '/usr/sbin/sshd -D -e -f /run/hopscope-lab/sshd_kbd_config.node-2'],
    ]);
  });
});

describe('kube-proxy rules', () => {
  const text = kubeProxyRules(KUBE_SERVICES, KUBE_HOSTPORTS, { physdev: true });
  const lines = text.split('\n');

  test('one nat table, every chain declared once, KUBE-NODEPORTS jump last in KUBE-SERVICES', () => {
    expect(lines[0]).toBe('*nat');
    expect(text.trimEnd().endsWith('COMMIT')).toBe(true);
    const declared = lines.filter((l) => l.startsWith(':')).map((l) => l.split(' ')[0].slice(1));
    expect(new Set(declared).size).toBe(declared.length);
    const jumps = lines
      .filter((l) => l.startsWith('-A '))
      .flatMap((l) => /-j (KUBE-[\w-]+)/.exec(l)?.[1] ?? []);
    for (const j of jumps) expect(declared).toContain(j);
    const svc = lines.filter((l) => l.startsWith('-A KUBE-SERVICES '));
    expect(svc[svc.length - 1]).toContain('-j KUBE-NODEPORTS');
  });

  test('statistic random over two endpoints, recent affinity, MASQUERADE on the mark', () => {
    expect(text).toContain(
      '-A KUBE-SVC-HOYURHXRFA5BUYEO -m comment --comment default/echoserver -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-652URVIXIJWATNFG',
    );
    expect(text).toContain(
      '-A KUBE-SVC-HOYURHXRFA5BUYEO -m comment --comment default/echoserver -j KUBE-SEP-ASOAWBDFEODJJPJH',
    );
    expect(text).toContain(
      '-A KUBE-SEP-652URVIXIJWATNFG -p tcp -m comment --comment default/echoserver -m tcp -j DNAT --to-destination 192.168.0.33:8877',
    );
    expect(text).toContain(
      '-A KUBE-SVC-JASYFCTGROL6PGNE -m comment --comment default/test-clientip -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-2WE6A5EBAO3UGN4N --mask 255.255.255.255 --rsource -j KUBE-SEP-2WE6A5EBAO3UGN4N',
    );
    expect(text).toContain('-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000');
    expect(text).toContain('-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN');
    expect(text).toContain(
      '-A KUBE-NODEPORTS -p tcp -m comment --comment default/test-nodeport -m tcp --dport 32228 -j KUBE-SVC-CIFSXFMKAAMIL4QG',
    );
    expect(text).toContain(
      '-A KUBE-HP-KWJPLLZCGIIKHTTD -p tcp -m comment --comment "nginx_default hostport 8081" -m tcp -j DNAT --to-destination 192.168.0.47:80',
    );
    expect(text).toContain('! -s 192.168.0.0/16 -d 10.106.23.233/32');
  });

  test('three endpoints split 1/3, 1/2, rest (kube-proxy’s even spread)', () => {
    const svc = {
      ...KUBE_SERVICES[0],
      endpoints: [
        ...KUBE_SERVICES[0].endpoints,
        { pod: 'p3', ip: '192.168.0.35', sepChain: 'KUBE-SEP-7ZRSXHFJXB4D6W3U' },
      ],
    };
    const t = kubeProxyRules([svc], [], { physdev: true });
    expect(t).toContain('--probability 0.33333333333 -j KUBE-SEP-652URVIXIJWATNFG');
    expect(t).toContain('--probability 0.50000000000 -j KUBE-SEP-ASOAWBDFEODJJPJH');
    expect(t).toMatch(
      /-A KUBE-SVC-HOYURHXRFA5BUYEO -m comment --comment default\/echoserver -j KUBE-SEP-7ZRSXHFJXB4D6W3U/,
    );
  });

  test('physdev match is optional', () => {
    expect(text).toContain('-m physdev ! --physdev-is-in');
    expect(kubeProxyRules(KUBE_SERVICES, KUBE_HOSTPORTS, { physdev: false })).not.toContain('physdev');
  });
});

describe('OpenSSH files', () => {
  test('sshd_config: bound to the host address, key-only, lab host key, authorized keys from the state folder', () => {
    const t = sshdConfigText(host('node-1'), paths);
    expect(t).toContain('ListenAddress 10.1.10.9\n');
    expect(t).toContain('HostKey /run/hopscope-lab/ssh_host_ed25519_key.node-1\n');
    expect(t).toContain('PasswordAuthentication no\n');
    expect(t).toContain('KbdInteractiveAuthentication no\n');
    expect(t).toContain('AuthorizedKeysCommand /usr/bin/cat /run/hopscope-lab/authorized_keys\n');
    expect(t).toContain('PermitRootLogin prohibit-password\n');
    // Password login for the password lab user alone, in a Match block at the end (root stays key-only).
    expect(t.slice(t.indexOf('Match'))).toBe('Match User hspass\n  PasswordAuthentication yes\n');
    // The jump host alone refuses to forward for hsnopass.
    expect(t).not.toContain('AllowTcpForwarding no');
    expect(sshdConfigText(host('bastion'), paths)).toContain(
      'Match User hsnopass\n  AllowTcpForwarding no\n',
    );
  });

  test('the nodes’ keyboard-interactive sshd: its own port, PAM, keyboard-interactive only, the password user only', () => {
    const t = sshdKbdConfigText(host('node-2'), paths);
    expect(t).toContain('ListenAddress 10.1.10.10\nPort 2222\n');
    expect(t).toContain('HostKey /run/hopscope-lab/ssh_host_ed25519_key.node-2\n');
    for (const line of [
      'PubkeyAuthentication no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication yes',
      'UsePAM yes',
      'AllowUsers hspass',
      'PermitRootLogin no',
    ])
      expect(t).toContain(`\n${line}\n`);
  });

  test('ssh_config: one Host block per host with HostName, User, IdentityFile, UserKnownHostsFile, StrictHostKeyChecking', () => {
    const t = sshConfigText(HOSTS, paths);
    for (const h of HOSTS) {
      const block = t.slice(t.indexOf(`Host ${h.name}\n`)).split('\n\n')[0];
      expect(block).toContain(`  HostName ${h.ip}\n`);
      expect(block).toContain('  User root\n');
      expect(block).toContain('  IdentityFile /run/hopscope-lab/id_ed25519\n');
      expect(block).toContain('  UserKnownHostsFile /run/hopscope-lab/known_hosts\n');
      expect(block).toContain('  StrictHostKeyChecking ask');
    }
  });

  test('values that could break the config file are refused', () => {
    expect(() => sshConfigText(HOSTS, labPaths('/tmp/with space'))).toThrow(/unsafe/);
    expect(() => sshdConfigText(host('node-1'), labPaths('/tmp/x\nPermitEmptyPasswords yes'))).toThrow(
      /unsafe/,
    );
  });

  test('known_hosts: alias and address per host, the key type and key only', () => {
    const t = knownHostsText([
      { host: host('node-2'), publicKey: 'ssh-ed25519 AAAAC3Nza hopscope-lab-node-2\n' },
    ]);
    expect(t).toBe('node-2,10.1.10.10,[node-2]:2222,[10.1.10.10]:2222 ssh-ed25519 AAAAC3Nza\n');
    expect(
      knownHostsText([{ host: host('bastion'), publicKey: 'ssh-ed25519 AAAAB hopscope-lab-bastion\n' }]),
    ).toBe('bastion,10.1.10.2 ssh-ed25519 AAAAB\n');
  });

  test('sudoers drop-ins', () => {
    expect(sudoersText({ name: 'hsnopass', sudo: 'nopasswd' })).toContain(
      'hsnopass ALL=(ALL:ALL) NOPASSWD: ALL\n',
    );
    expect(sudoersText({ name: 'hspass', sudo: 'password', password: 'x' })).toContain(
      'hspass ALL=(ALL:ALL) ALL\n',
    );
    expect(sudoersText({ name: 'hspass', sudo: 'password', password: 'secret' })).not.toContain('secret');
  });
});

describe('lab CLI arguments', () => {
  test('verbs and their arity', () => {
    expect(parseLabArgs(['up', 'kubenet'])).toMatchObject({ verb: 'up', scenario: 'kubenet' });
    expect(parseLabArgs(['down'])).toMatchObject({ verb: 'down' });
    expect(parseLabArgs(['status', '--json'])).toMatchObject({ verb: 'status', json: true });
    expect(parseLabArgs(['traffic'])).toMatchObject({ verb: 'traffic', scenario: undefined });
    expect(parseLabArgs(['fixtures', 'calico-ipip', '/tmp/x'])).toMatchObject({
      verb: 'fixtures',
      outDir: '/tmp/x',
    });
    expect(parseLabArgs(['fixtures', '--any', 'calico-ipip', '/tmp/x'])).toMatchObject({ any: true });
  });

  test('bad input is a USAGE error', () => {
    for (const bad of [
      [],
      ['explode'],
      ['up'],
      ['up', 'a', 'b'],
      ['down', 'x'],
      ['fixtures', 'kubenet'],
      ['up', '--force', 'kubenet'],
      ['up', '--any', 'kubenet'],
    ]) {
      expect(() => parseLabArgs(bad), bad.join(' ')).toThrow(HopscopeError);
      try {
        parseLabArgs(bad);
      } catch (e) {
        expect((e as HopscopeError).code).toBe('USAGE');
      }
    }
  });
});

describe('pod HTTP responder', () => {
  test('answers every request on every port with the pod name, exits on SIGTERM', async () => {
    const freePort = (): Promise<number> =>
      new Promise((resolve) => {
        const srv = createServer().listen(0, '127.0.0.1', () => {
          const port = (srv.address() as { port: number }).port;
          srv.close(() => resolve(port));
        });
      });
    const ports = [await freePort(), await freePort()];
    const [bin, ...args] = podHttpArgv(process.execPath, 'echoserver-6dbbc8d5fc-f455t', ports);
    const child = spawn(bin, args, { stdio: 'ignore' });
    try {
      for (const port of ports) {
        let body = '';
        for (let i = 0; i < 50 && !body; i++) {
          body = await fetch(`http://127.0.0.1:${port}/anything`).then(
            (r) => r.text(),
            () => '',
          );
          if (!body) await new Promise((r) => setTimeout(r, 50));
        }
        expect(body).toBe('echoserver-6dbbc8d5fc-f455t\n');
      }
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise((r) => child.on('close', (c) => r(c)));
    expect(code).toBe(0);
  });
});
