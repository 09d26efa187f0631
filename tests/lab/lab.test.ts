// The lab, for real (root): every scenario comes up, its traffic flows, a real `ssh -F ssh_config node-N tcpdump`
// sees what the walkthrough shows, and `lab down` leaves no namespace, link or process behind.
// Run alone with: flock /tmp/hopscope-lab.lock npx vitest run --project lab tests/lab/lab.test.ts

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync, existsSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { run } from '../../main/lab/exec.ts';
import { labDown, labNamespaces, labRootLinks, labStatus, labUp, type UpResult } from '../../main/lab/lab.ts';
import { SCENARIOS, SCENARIO_NAMES, type ScenarioName } from '../../main/lab/scenarios.ts';
import { paths, readState, type DaemonRecord } from '../../main/lab/state.ts';
import { runTraffic } from '../../main/lab/traffic.ts';
import { podNs } from '../../main/lab/topology.ts';
import type { LabUser } from '../../main/lab/users.ts';

const isRoot = process.platform === 'linux' && process.getuid?.() === 0;

interface SshTcpdump {
  stdout: string;
  stderr: string;
  code: number | null;
}

/**
 * `ssh -F ssh_config HOST tcpdump …` for real: resolves once tcpdump has printed `listening on` (so traffic
 * sent afterwards is seen) with a promise of its output; `-c` ends it, `timeout` bounds it on the node.
 */
async function sshTcpdump(
  cfg: string,
  hostAlias: string,
  args: string[],
  filter: string,
): Promise<{ done: Promise<SshTcpdump> }> {
  // ssh hands the words to the node's shell, so the filter travels single-quoted (it holds only safe characters).
  if (!/^[\w .[\]&!=-]+$/.test(filter)) throw new Error(`filter needs other quoting: ${filter}`);
  const remote = ['timeout', '10', 'tcpdump', '-l', ...args, `'${filter}'`];
  const child = spawn('ssh', ['-F', cfg, hostAlias, ...remote], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const done = new Promise<SshTcpdump>((resolve) =>
    child.on('close', (code) => resolve({ stdout, stderr, code })),
  );
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`tcpdump over ssh did not start: ${stderr}`)), 10_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.includes('listening on')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.on('close', () => {
      clearTimeout(t);
      reject(new Error(`ssh exited early: ${stderr}`));
    });
  });
  // Wrapped: an async function returning a bare promise would wait for tcpdump to end.
  return { done };
}

async function ping(pod: string, dst: string, count = 2): Promise<void> {
  const r = await run(
    ['ip', 'netns', 'exec', podNs(pod), 'ping', '-n', '-c', String(count), '-i', '0.2', '-W', '2', dst],
    { allowFail: true },
  );
  expect(r.stdout).toContain(`${count} received`);
}

async function ssh(cfg: string, args: string[], input?: string) {
  return run(['ssh', '-F', cfg, ...args], { allowFail: true, input, timeoutMs: 15_000 });
}

/** Network-namespace inodes of the lab's namespaces, to find any process still inside one after `down`. */
function labNsInodes(): Set<number> {
  const out = new Set<number>();
  if (!existsSync('/run/netns')) return out;
  for (const n of readdirSync('/run/netns'))
    if (n.startsWith('hs-')) out.add(statSync(`/run/netns/${n}`).ino);
  return out;
}

function processesIn(inodes: Set<number>): number[] {
  const found: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const m = /net:\[(\d+)\]/.exec(readlinkSync(`/proc/${d}/ns/net`));
      if (m && inodes.has(Number(m[1]))) found.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return found;
}

const LAB_DAEMONS = new Set(['sshd', 'socat', 'tcpdump', 'node', 'python3', 'wireguard-go']);

/** Processes whose command line names the lab (sshd configs, socat tunl0, pod responders, fixture tcpdumps). */
function labProcesses(): string[] {
  const out: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      // Only the lab's own kinds of daemon: a shell that merely mentions the path (say, someone's script waiting
      // on the lab lock) is not the lab's.
      const comm = readFileSync(`/proc/${d}/comm`, 'utf8').trim();
      if (!LAB_DAEMONS.has(comm)) continue;
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ');
      if (
        /\/run\/hopscope-lab\/|hopscope-lab (pod responder|geneve encapsulator)|tun-name=tunl0,.* IP4-DATAGRAM:10\.1\.10\.|^wireguard-go hswg-/.test(
          cmd,
        )
      ) {
        out.push(`${d}: ${cmd}`);
      }
    } catch {
      /* gone */
    }
  }
  return out;
}

/** What the walkthrough shows for each scenario, seen through a real ssh session on a node. */
const walkthroughChecks: Record<ScenarioName, (cfg: string) => Promise<void>> = {
  kubenet: async (cfg) => {
    const cap = await sshTcpdump(cfg, 'node-1', ['-nei', 'cbr0', '-c', '2'], 'icmp');
    await ping('pod-1', '192.168.0.12');
    const out = (await cap.done).stdout;
    expect(out).toMatch(
      /0a:58:c0:a8:00:0b > 0a:58:c0:a8:00:0c, ethertype IPv4 .*192\.168\.0\.11 > 192\.168\.0\.12: ICMP echo request/,
    );
    expect(out).toMatch(/192\.168\.0\.12 > 192\.168\.0\.11: ICMP echo reply/);
  },
  'kube-proxy': async (cfg) => {
    // The DNAT'ed pod address on cbr0: the ClusterIP is gone, a backend pod's address and port are there.
    const cap = await sshTcpdump(
      cfg,
      'node-1',
      ['-ni', 'cbr0', '-c', '1'],
      'tcp dst port 8877 and tcp[tcpflags] & tcp-syn != 0',
    );
    const r = await run([
      'ip',
      'netns',
      'exec',
      'hs-client',
      'curl',
      '-sS',
      '--max-time',
      '3',
      'http://10.106.23.233:8877/',
    ]);
    expect(r.stdout.trim()).toMatch(/^echoserver-6dbbc8d5fc-(f455t|n4smh)$/);
    const out = (await cap.done).stdout;
    // MASQUERADE'd source (cbr0's 192.168.0.1), DNAT'ed destination (pod .33 or .34, port 8877).
    expect(out).toMatch(/192\.168\.0\.1\.\d+ > 192\.168\.0\.3[34]\.8877: Flags \[S\]/);
    expect(out).not.toContain('10.106.23.233');
    // And the chains are there in kube-proxy's shape.
    const nat = await ssh(cfg, ['node-1', 'iptables', '-t', 'nat', '-S']);
    expect(nat.stdout).toContain(
      '-A KUBE-SVC-HOYURHXRFA5BUYEO -m comment --comment "default/echoserver" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-652URVIXIJWATNFG',
    );
    expect(nat.stdout).toContain('--rcheck --seconds 10800 --reap --name KUBE-SEP-2WE6A5EBAO3UGN4N');
    expect(nat.stdout).toMatch(/-A KUBE-NODEPORTS .*--dport 32228 -j KUBE-SVC-CIFSXFMKAAMIL4QG/);
    expect(nat.stdout).toMatch(/-A KUBE-POSTROUTING .*-j MASQUERADE/);
    expect(nat.stdout).toMatch(/-A KUBE-HP-KWJPLLZCGIIKHTTD .*DNAT --to-destination 192\.168\.0\.47:80/);
    // The walkthrough's cross-node SNAT: node-2's NodePort DNATs to a node-1 pod and MASQUERADEs to node-2's
    // address, so the SYN leaves node-2's ens33 as 10.1.10.10.P > 192.168.0.42/43.9376.
    const cross = await sshTcpdump(
      cfg,
      'node-2',
      ['-ni', 'ens33', '-c', '1'],
      'tcp dst port 9376 and tcp[tcpflags] & tcp-syn != 0',
    );
    const r2 = await run([
      'ip',
      'netns',
      'exec',
      'hs-client',
      'curl',
      '-sS',
      '--max-time',
      '3',
      'http://10.1.10.10:32228/',
    ]);
    expect(r2.stdout.trim()).toMatch(/^test-nodeport-5d4bdfc7c7-(4kftd|s2jz5)$/);
    expect((await cross.done).stdout).toMatch(/10\.1\.10\.10\.\d+ > 192\.168\.0\.4[23]\.9376: Flags \[S\]/);
  },
  'flannel-hostgw': async (cfg) => {
    const cap = await sshTcpdump(cfg, 'node-2', ['-nei', 'ens33', '-v', '-c', '2'], 'icmp');
    await ping('test-7999578869-pkgtp', '10.244.1.14');
    const out = (await cap.done).stdout;
    // Node MACs on the wire, TTL already decremented once by node-1.
    expect(out).toMatch(/00:0c:29:10:a9:6c > 00:0c:29:2f:33:85, ethertype IPv4 .*ttl 63/);
    expect(out).toContain('10.244.0.9 > 10.244.1.14: ICMP echo request');
  },
  'flannel-vxlan': async (cfg) => {
    const cap = await sshTcpdump(cfg, 'node-1', ['-nei', 'ens33', '-c', '2'], 'udp port 8472');
    await ping('test-7999578869-k4bn8', '10.244.1.34');
    const out = (await cap.done).stdout;
    expect(out).toMatch(
      /10\.1\.10\.9\.\d+ > 10\.1\.10\.10\.8472: OTV, flags \[I\] \(0x08\), overlay 0, instance 1/,
    );
    expect(out).toMatch(
      /16:e0:b5:75:8c:4b > 0e:46:36:ac:f6:d6, ethertype IPv4 .*10\.244\.0\.12 > 10\.244\.1\.34: ICMP echo request/,
    );
    const links = await ssh(cfg, ['node-1', 'ip', '-d', 'link', 'show', 'flannel.1']);
    expect(links.stdout).toMatch(/mtu 1450/);
    expect(links.stdout).toMatch(/vxlan id 1 local 10\.1\.10\.9 dev ens33 .*dstport 8472/);
  },
  'calico-bgp': async (cfg) => {
    const pod = 'test-7999578869-9nc25';
    await run(['ip', '-n', podNs(pod), 'neigh', 'flush', 'all']);
    const cap = await sshTcpdump(
      cfg,
      'node-1',
      ['-nei', 'calida8798d2ad7', '-c', '2'],
      'arp and host 169.254.1.1',
    );
    await ping(pod, '10.100.247.3');
    const out = (await cap.done).stdout;
    expect(out).toMatch(
      /56:40:a9:1a:11:5c > ff:ff:ff:ff:ff:ff, ethertype ARP .*Request who-has 169\.254\.1\.1 tell 10\.100\.84\.130/,
    );
    expect(out).toMatch(
      /ee:ee:ee:ee:ee:ee > 56:40:a9:1a:11:5c, ethertype ARP .*Reply 169\.254\.1\.1 is-at ee:ee:ee:ee:ee:ee/,
    );
  },
  'calico-ipip': async (cfg) => {
    const pod = 'test-7999578869-kx4hp';
    const onEns = await sshTcpdump(cfg, 'node-1', ['-nei', 'ens33', '-c', '2'], 'ip proto 4');
    const onTunl = await sshTcpdump(cfg, 'node-2', ['-nei', 'tunl0', '-c', '2'], 'icmp');
    await run(['ip', '-n', podNs(pod), 'neigh', 'flush', 'all']);
    const onCali = await sshTcpdump(
      cfg,
      'node-1',
      ['-nei', 'cali14de3927136', '-c', '2'],
      'arp and host 169.254.1.1',
    );
    await ping(pod, '10.100.247.24');
    const ens = (await onEns.done).stdout;
    expect(ens).toMatch(
      /00:0c:29:10:a9:6c > 00:0c:29:2f:33:85, ethertype IPv4 \(0x0800\), length 118: 10\.1\.10\.9 > 10\.1\.10\.10: 10\.100\.84\.132 > 10\.100\.247\.24: ICMP echo request/,
    );
    const tunl = await onTunl.done;
    expect(tunl.stderr).toContain('link-type RAW (Raw IP)');
    expect(tunl.stdout).toMatch(/ip: 10\.100\.84\.132 > 10\.100\.247\.24: ICMP echo request/);
    expect((await onCali.done).stdout).toMatch(/Reply 169\.254\.1\.1 is-at ee:ee:ee:ee:ee:ee/);
    const tun = await ssh(cfg, ['node-1', 'ip', '-d', 'link', 'show', 'tunl0']);
    expect(tun.stdout).toMatch(/mtu 1480/);
  },
  'antrea-geneve': async (cfg) => {
    const onEns = await sshTcpdump(cfg, 'node-1', ['-nei', 'ens33', '-c', '2'], 'udp port 6081');
    const onTun = await sshTcpdump(cfg, 'node-2', ['-nei', 'antrea-tun0', '-c', '2'], 'icmp');
    await ping('test-7999578869-gq2zt', '10.10.1.6');
    // Real Geneve on the wire: node-1's with the OVN option (critical: the C flag), node-2's without options.
    const ens = (await onEns.done).stdout;
    expect(ens).toMatch(
      /10\.1\.10\.9\.\d+ > 10\.1\.10\.10\.6081: Geneve, Flags \[C\], vni 0x7, proto TEB \(0x6558\), options \[8 bytes\]: 7a:5e:4c:1d:00:01 > 7a:5e:4c:1d:00:02, ethertype IPv4 \(0x0800\), length 98: 10\.10\.0\.5 > 10\.10\.1\.6: ICMP echo request/,
    );
    expect(ens).toMatch(
      /10\.1\.10\.10\.\d+ > 10\.1\.10\.9\.6081: Geneve, Flags \[none\], vni 0x7, proto TEB \(0x6558\): 7a:5e:4c:1d:00:02 > 7a:5e:4c:1d:00:01, .*10\.10\.1\.6 > 10\.10\.0\.5: ICMP echo reply/,
    );
    expect((await onTun.done).stdout).toMatch(/7a:5e:4c:1d:00:01 > 7a:5e:4c:1d:00:02, .*ICMP echo request/);
    const tun = await ssh(cfg, ['node-2', 'ip', '-d', 'link', 'show', 'antrea-tun0']);
    expect(tun.stdout).toMatch(/mtu 1450/);
    expect(tun.stdout).toMatch(/tun type tap/);
  },
  'calico-wireguard': async (cfg) => {
    const [onEns, onWg] = await Promise.all([
      sshTcpdump(cfg, 'node-1', ['-nei', 'ens33', '-c', '4'], 'udp port 51820'),
      sshTcpdump(cfg, 'node-2', ['-nei', 'wireguard.cali', '-c', '2'], 'icmp'),
    ]);
    await ping('test-7999578869-9nc25', '10.100.247.3');
    // Encrypted on ens33: transport data both ways (the handshake happened with the scenario traffic), 84-byte
    // pings padded to 96 plus WireGuard's 32 bytes.
    const ens = (await onEns.done).stdout;
    expect(ens).toMatch(
      /00:0c:29:10:a9:6c > 00:0c:29:2f:33:85, .*10\.1\.10\.9\.51820 > 10\.1\.10\.10\.51820: UDP, length 128/,
    );
    expect(ens).toMatch(/10\.1\.10\.10\.51820 > 10\.1\.10\.9\.51820: UDP, length 128/);
    expect(ens).not.toMatch(/ICMP/);
    const wg = await onWg.done;
    expect(wg.stderr).toContain('link-type RAW (Raw IP)');
    expect(wg.stdout).toMatch(/ip: 10\.100\.84\.130 > 10\.100\.247\.3: ICMP echo request/);
    // wireguard-go answers `wg` on its UAPI socket, named by the device's first name.
    const [link, wgShow] = await Promise.all([
      ssh(cfg, ['node-1', 'ip', '-d', 'link', 'show', 'wireguard.cali']),
      ssh(cfg, ['node-1', 'wg', 'show', 'hswg-1', 'endpoints']),
    ]);
    expect(link.stdout).toMatch(/mtu 1440/);
    expect(link.stdout).toMatch(/tun type tun/);
    expect(wgShow.stdout).toMatch(/^\S{43}=\t10\.1\.10\.10:51820$/m);
  },
};

describe.skipIf(!isRoot)('lab', () => {
  afterAll(async () => {
    await labDown();
  });

  for (const name of SCENARIO_NAMES) {
    describe(name, () => {
      let up: UpResult;
      let daemons: DaemonRecord[] = [];

      beforeAll(async () => {
        up = await labUp(name);
        daemons = readState(paths())?.daemons ?? [];
      });

      test('comes up in seconds with ssh_config, sshd on every host and the scenario links', async () => {
        expect(up.ms).toBeLessThan(15_000);
        expect(up.sshConfig).toBe(`${paths().dir}/ssh_config`);
        expect((statSync(paths().dir).mode & 0o777).toString(8)).toBe('700');
        const st = await labStatus();
        expect(st.phase).toBe('up');
        expect(st.daemons.every((d) => d.alive)).toBe(true);
        const links = await ssh(up.sshConfig, ['node-1', 'ip', '-br', 'link']);
        expect(links.code).toBe(0);
        expect(links.stdout).toMatch(/^ens33@\S+\s+UP\s+00:0c:29:10:a9:6c/m);
        for (const pod of SCENARIOS[name].pods.filter((p) => p.node === 'node-1'))
          expect(links.stdout).toContain(pod.hostIf);
        for (const b of SCENARIOS[name].bridges.filter((x) => x.node === 'node-1'))
          expect(links.stdout).toContain(b.name);
        const client = await ssh(up.sshConfig, ['client', 'ip', '-4', '-br', 'addr']);
        expect(client.stdout).toMatch(/ens33@\S+\s+UP\s+10\.1\.10\.8\/24/);
      });

      test('the scenario traffic works (pings across nodes; curls through the services)', async () => {
        const results = await runTraffic(SCENARIOS[name]);
        for (const r of results) expect(r, `${r.label}: ${r.detail}`).toMatchObject({ ok: true });
        if (name === 'kube-proxy') {
          const affinity = results.find((r) => r.label.startsWith('ClientIP'));
          expect(affinity?.answers).toHaveLength(5);
          expect(new Set(affinity?.answers).size).toBe(1);
          expect(results.find((r) => r.label.startsWith('HostPort'))?.answers).toEqual(['nginx']);
        }
      });

      test('a real ssh + tcpdump on a node sees what the walkthrough shows', async () => {
        await walkthroughChecks[name](up.sshConfig);
      });

      if (name === 'flannel-vxlan') {
        test('lab users: hsnopass sudo without a password, hspass sudo only with its password', async () => {
          const users = JSON.parse(readFileSync(paths().users, 'utf8')).users as LabUser[];
          const pass = users.find((u) => u.name === 'hspass')?.password ?? '';
          const a = await ssh(up.sshConfig, ['-l', 'hsnopass', 'node-1', 'sudo', '-n', 'id', '-u']);
          expect(a.stdout.trim()).toBe('0');
          const b = await ssh(up.sshConfig, ['-l', 'hspass', 'node-1', 'sudo', '-n', 'id', '-u']);
          expect(b.code).not.toBe(0);
          expect(b.stderr).toMatch(/password is required/);
          const c = await ssh(
            up.sshConfig,
            ['-l', 'hspass', 'node-2', 'sudo', '-S', '-p', 'password:', 'id', '-u'],
            `${pass}\n`,
          );
          expect(c.stdout.trim()).toBe('0');
          // Key-only: no password authentication offered.
          const d = await run(
            [
              'ssh',
              '-F',
              up.sshConfig,
              '-o',
              'PubkeyAuthentication=no',
              '-o',
              'BatchMode=yes',
              'node-1',
              'true',
            ],
            { allowFail: true },
          );
          expect(d.code).toBe(255);
        });
      }

      test('lab down leaves no namespace, link or process of the lab', async () => {
        const inodes = labNsInodes();
        expect(inodes.size).toBeGreaterThan(0);
        const wgSockets = SCENARIOS[name].wireguard.map((w) => `/var/run/wireguard/${w.tmpName}.sock`);
        for (const sock of wgSockets) expect(existsSync(sock)).toBe(true);
        // A wireguard-go that died without cleaning up (SIGKILL) leaves its socket: down removes it too.
        const wgDaemon = daemons.find((d) => d.label.startsWith('wireguard-go-'));
        if (wgDaemon) process.kill(wgDaemon.pid, 'SIGKILL');
        await labDown();
        for (const sock of wgSockets) expect(existsSync(sock), sock).toBe(false);
        expect(await labNamespaces()).toEqual([]);
        expect(await labRootLinks()).toEqual([]);
        expect(processesIn(inodes)).toEqual([]);
        expect(labProcesses()).toEqual([]);
        for (const d of daemons)
          expect(
            existsSync(`/proc/${d.pid}`) &&
              readFileSync(`/proc/${d.pid}/cmdline`, 'utf8').includes(d.argv[0]),
          ).toBe(false);
        expect(existsSync(paths().dir)).toBe(false);
      });
    });
  }

  test('up on a half-built lab recovers', async () => {
    // A half-built lab: namespaces and links, no state, a stray process inside a node namespace.
    await run(['ip', 'netns', 'add', 'hs-node-1']);
    await run(['ip', 'link', 'add', 'hs-br0', 'type', 'bridge']);
    const stray = spawn('ip', ['netns', 'exec', 'hs-node-1', 'sleep', '60'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 100));
    const up = await labUp('calico-ipip');
    const ended = await new Promise<boolean>((resolve) => {
      if (stray.exitCode !== null || stray.signalCode !== null) return resolve(true);
      const t = setTimeout(() => resolve(false), 3000);
      stray.once('exit', () => (clearTimeout(t), resolve(true)));
    });
    expect(ended).toBe(true);
    expect(up.scenario).toBe('calico-ipip');
    const r = await runTraffic(SCENARIOS['calico-ipip']);
    expect(r.every((x) => x.ok)).toBe(true);
    await labDown();
    expect(labProcesses()).toEqual([]);
  });
  test('the CLI: lab up prints the ssh_config path last, status/traffic/down exit 0', async () => {
    const cli = (...args: string[]) =>
      run([process.execPath, new URL('../../bin/hopscope.mjs', import.meta.url).pathname, 'lab', ...args], {
        allowFail: true,
        timeoutMs: 60_000,
      });
    const up = await cli('up', 'kubenet');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout.trim().split('\n').pop()).toBe('/run/hopscope-lab/ssh_config');
    const st = await cli('status');
    expect(st.code).toBe(0);
    expect(st.stdout).toMatch(/^lab: up \(kubenet\)$/m);
    expect(st.stdout).toMatch(/^daemon sshd-node-1 pid \d+ in hs-node-1: running$/m);
    const tr = await cli('traffic');
    expect(tr.code, tr.stdout).toBe(0);
    expect(tr.stdout).toMatch(/^ok {3}pod-1 → pod-2/m);
    expect((await cli('traffic', 'calico-bgp')).code).toBe(2);
    const down = await cli('down');
    expect(down.code).toBe(0);
    expect((await cli('status')).stdout).toMatch(/^lab: down$/m);
    expect(await labNamespaces()).toEqual([]);
  });
});
