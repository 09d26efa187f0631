// `lab fixtures SCENARIO OUTDIR`: brings the scenario up, runs one tcpdump per interface of each captured host
// (inside its namespace, nanosecond pcap) around the scenario's traffic, saves the files as
// `<host>__<iface>.pcap` with each host's `ip -j` discovery output, then takes the lab down.

import { copyFileSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

import { HopscopeError } from '../common/errors.ts';
import { run, sleep, startDaemon, waitFor } from './exec.ts';
import { labDown, labUp, type Log } from './lab.ts';
import { SCENARIOS, type ScenarioName } from './scenarios.ts';
import { daemonAlive, paths, readState, startTicks, writeState, type DaemonRecord } from './state.ts';
import { host, type HostName } from './topology.ts';
import { runTraffic, type TrafficResult } from './traffic.ts';

export const SNAPLEN = 262144;

/**
 * tcpdump exactly as the README documents it. Buffered (TPACKET_V3 blocks, as `hopscope capture` by default), `-B
 * 4096`: in `--immediate-mode` the ring has one slot per packet of the snap length (256 KiB), 8 with tcpdump's 2 MiB,
 * 64 with 16 MiB, and a burst dropped packets ("dropped by kernel": the frames around a first ping's ARP resolution
 * on a `-i any` capture, 2 of 33; 12 pings preloaded at once, 2 to 80 of ~100 frames even with 16 MiB); blocks
 * hold a burst of small packets (none dropped in the lab). A block reaches tcpdump when it fills or its timeout
 * (tcpdump's 1 s) expires: the recorder waits FLUSH_WAIT_MS after the traffic before SIGTERM. `-U` writes each
 * packet as it comes. `-Z root`: the output folder is root's 0700 state folder.
 */
export const FIXTURE_BUFFER_KIB = 4096;
/** How long after the traffic every tcpdump's last block has reached it (libpcap's block timeout: 1 s). */
export const FLUSH_WAIT_MS = 1300;

export function tcpdumpArgv(iface: string, file: string): string[] {
  return [
    'tcpdump',
    '-n',
    '-i',
    iface,
    '-U',
    '-B',
    String(FIXTURE_BUFFER_KIB),
    '-w',
    file,
    '--time-stamp-precision=nano',
    '-s',
    String(SNAPLEN),
    '-Z',
    'root',
  ];
}

async function hostLinks(ns: string): Promise<string[]> {
  const r = await run(['ip', '-n', ns, '-j', 'link', 'show']);
  return (JSON.parse(r.stdout) as { ifname: string }[]).map((l) => l.ifname).filter((n) => n !== 'lo');
}

export interface FixtureManifest {
  scenario: ScenarioName;
  recordedAt: string;
  command: string;
  /** Per capture: tcpdump's count, the file's size, and the packets its kernel ring dropped (-1: not said). */
  captures: {
    host: HostName;
    iface: string;
    file: string;
    packets: number;
    bytes: number;
    kernelDrops: number;
  }[];
  /** Which host-side link belongs to which pod (the veth/cali names are what the captures are named by). */
  pods: { name: string; node: HostName; ip: string; mac: string; hostIf: string }[];
  traffic: TrafficResult[];
}

export async function recordFixtures(
  name: ScenarioName,
  outDir: string,
  log: Log = () => undefined,
  opts: { any?: boolean } = {},
): Promise<FixtureManifest> {
  const s = SCENARIOS[name];
  const up = await labUp(name, log);
  log(`lab ${name} up in ${up.ms} ms; ssh_config ${up.sshConfig}`);
  const p = paths();
  const state = readState(p);
  if (!state) throw new HopscopeError('LAB_FAILED', 'lab state vanished');
  try {
    const dumps: { host: HostName; iface: string; tmp: string; rec: DaemonRecord }[] = [];
    for (const hn of s.captureHosts) {
      const ns = host(hn).ns;
      // --any: one `tcpdump -i any` per host instead (Linux cooked capture v2, every packet once per link).
      for (const iface of opts.any ? ['any'] : await hostLinks(ns)) {
        const label = `tcpdump-${hn}-${iface}`;
        const tmp = `${p.dir}/${hn}__${iface}.pcap`;
        const argv = tcpdumpArgv(iface, tmp);
        const pid = startDaemon(ns, argv, p.log(label));
        const rec: DaemonRecord = { label, ns, pid, startTicks: startTicks(pid) ?? -1, argv };
        state.daemons.push(rec);
        dumps.push({ host: hn, iface, tmp, rec });
      }
    }
    writeState(p, state);
    await Promise.all(
      dumps.map((d) =>
        waitFor(`tcpdump on ${d.host}/${d.iface}`, async () => {
          if (!daemonAlive(d.rec))
            throw new HopscopeError(
              'CAPTURE_FAILED',
              `tcpdump ${d.host}/${d.iface} exited: ${readFileSync(p.log(d.rec.label), 'utf8')}`,
            );
          return (
            existsSync(p.log(d.rec.label)) &&
            readFileSync(p.log(d.rec.label), 'utf8').includes('listening on')
          );
        }),
      ),
    );
    const traffic = await runTraffic(s, log);
    // Let the last replies reach every interface and every ring's last block reach its tcpdump, then stop them.
    await sleep(FLUSH_WAIT_MS);
    for (const d of dumps) process.kill(d.rec.pid, 'SIGTERM');
    await waitFor('tcpdump to exit', async () => dumps.every((d) => !daemonAlive(d.rec)), 5000);
    const failed = traffic.filter((t) => !t.ok);
    if (failed.length)
      throw new HopscopeError(
        'LAB_FAILED',
        `traffic failed: ${failed.map((f) => `${f.label}: ${f.detail}`).join('; ')}`,
      );

    mkdirSync(outDir, { recursive: true });
    const captures: FixtureManifest['captures'] = [];
    for (const d of dumps) {
      const file = `${d.host}__${d.iface}.pcap`;
      copyFileSync(d.tmp, join(outDir, file));
      const out = readFileSync(p.log(d.rec.label), 'utf8');
      const m = /(\d+) packets? captured/.exec(out);
      const dropped = /(\d+) packets? dropped by kernel/.exec(out);
      const kernelDrops = dropped ? Number(dropped[1]) : -1;
      // A recording with a gap is not the walkthrough's: said, and kept in the manifest (tests rely on fixtures).
      if (kernelDrops > 0)
        log(
          `warning: tcpdump on ${d.host}/${d.iface} says its kernel dropped ${kernelDrops} packets: record again`,
        );
      captures.push({
        host: d.host,
        iface: d.iface,
        file,
        packets: m ? Number(m[1]) : -1,
        bytes: readFileSync(d.tmp).length,
        kernelDrops,
      });
    }
    const hosts = new Set<HostName>([...s.captureHosts, 'node-1', 'node-2']);
    for (const hn of hosts) {
      const ns = host(hn).ns;
      const json = async (argv: string[]): Promise<string> =>
        JSON.stringify(JSON.parse((await run(['ip', '-n', ns, '-j', ...argv])).stdout), null, 1) + '\n';
      writeFileSync(join(outDir, `${hn}.ip-link.json`), await json(['-d', 'link', 'show']));
      writeFileSync(join(outDir, `${hn}.ip-addr.json`), await json(['addr', 'show']));
      writeFileSync(join(outDir, `${hn}.ip-route.json`), await json(['route', 'show']));
    }
    const manifest: FixtureManifest = {
      scenario: name,
      recordedAt: new Date().toISOString(),
      command: `hopscope lab fixtures ${opts.any ? '--any ' : ''}${name} ${outDir}`,
      captures,
      pods: s.pods.map((x) => ({ name: x.name, node: x.node, ip: x.ip, mac: x.mac, hostIf: x.hostIf })),
      traffic,
    };
    writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    for (const c of captures) log(`${c.file}: ${c.packets} packets, ${c.bytes} bytes`);
    return manifest;
  } finally {
    await labDown(log);
  }
}
