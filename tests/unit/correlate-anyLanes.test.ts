// `tcpdump -i any` captures (Linux cooked v2: each packet names the interface it was seen on) with the node's
// interfaces known (`ip -j link` beside them, or session.json's discovery): a lane per interface, so a pod's
// veth, its bridge and the tunnel device are hops of their own. They were one `any` lane, where the bridge's
// copy of a packet looked like a duplicate frame and the journey lost its bridge and tunnel hops.

import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { scanInputs } from '../../main/app/sessionScan.ts';
import { LoadedSession } from '../../main/app/loadedSession.ts';
import { anyLaneWarnings, correlateInputs, resultWarnings } from '../../main/session/ingest.ts';
import { loadInputs } from '../../main/session/inputs.ts';
import { FIXTURES, FLANNEL_VXLAN_PATH, path } from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

const DIR = join(FIXTURES, 'any-flannel-vxlan');

function open(files: string[]) {
  const inputs = loadInputs(files);
  if (!inputs.ok) throw new Error(inputs.error.message);
  return inputs.value;
}

describe('tcpdump -i any captures', () => {
  it('give a lane per interface, named from the node’s interfaces, and the walkthrough’s 8-hop path', () => {
    const inputs = open([join(DIR, 'node-1__any.pcap'), join(DIR, 'node-2__any.pcap')]);
    const { result: res, problems } = correlateInputs(inputs);
    expect(problems).toEqual([]);
    expect(res.captures.map((c) => `${c.node}/${c.iface}`).sort()).toEqual([...FLANNEL_VXLAN_PATH].sort());
    // Every echo, the first one (which waited for ARP) too: every hop, in path order, none a duplicate (the recording
    // before 2026-11-28 lacked parts of the first: its immediate-mode ring dropped them, tests/fixtures/README.md).
    const echoes = [...Array(res.journeyCount).keys()].filter((k) => /ICMP echo/.test(res.journeySummary(k)));
    expect(echoes.length).toBe(6);
    const full = echoes.filter((k) => path(res, k).length === 8);
    expect(full).toEqual(echoes);
    const request = full.find((k) => /echo request/.test(res.journeySummary(k)))!;
    expect(path(res, request)).toEqual(FLANNEL_VXLAN_PATH);
    // Two reading threads (each file on its own) give the same lanes and journeys.
    const two = correlateInputs(inputs, { threads: 2, parallelMinBytes: 0 });
    expect(two.threads).toBe(2);
    expect(two.result.captures.map((c) => `${c.node}/${c.iface} ${c.packets}`)).toEqual(
      res.captures.map((c) => `${c.node}/${c.iface} ${c.packets}`),
    );
    expect([...Array(two.result.journeyCount).keys()].map((k) => path(two.result, k))).toEqual(
      [...Array(res.journeyCount).keys()].map((k) => path(res, k)),
    );
    // The app's first scan numbers the lanes the same way (its rows show before the journeys exist).
    const scan = scanInputs(inputs, () => {});
    expect(scan.captures.map((c) => `${c.node}/${c.iface} ${c.packets}`)).toEqual(
      res.captures.map((c) => `${c.node}/${c.iface} ${c.packets}`),
    );
  });

  it("show each hop's source MAC (the cooked header's address) and MAC rewrites between them; no destination", () => {
    const files = ['node-1__any.pcap', 'node-2__any.pcap'].map((f) => join(DIR, f));
    const { result: res } = correlateInputs(open(files));
    // tcpdump -e: "SEC.NSEC IFACE DIR ifindex N MAC ethertype …" for every packet.
    const macsAt = new Map<string, Set<string>>();
    for (const f of files) {
      const text = execFileSync('tcpdump', ['-e', '-n', '-tt', '--time-stamp-precision=nano', '-r', f], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      for (const m of text.matchAll(/^(\d+)\.(\d{9}) .* ifindex \d+ ([0-9a-f:]{17}) ethertype/gm)) {
        const t = `${m[1]}${m[2]}`.replace(/^0+/, '');
        macsAt.set(t, (macsAt.get(t) ?? new Set()).add(m[3]));
      }
    }
    let hops = 0;
    let rewrites = 0;
    for (let k = 0; k < res.journeyCount; k++) {
      for (const h of res.hops(k)) {
        expect(h.eth, `journey ${k + 1} ${h.node}/${h.iface}`).not.toBeNull();
        expect(macsAt.get(String(h.tsNs))?.has(h.eth!.src), `journey ${k + 1} ${h.node}/${h.iface}`).toBe(
          true,
        );
        expect([h.eth!.dst, h.eth!.dstOwner]).toEqual([null, null]);
        hops++;
        if (h.changes.includes('mac')) rewrites++;
      }
    }
    expect(hops).toBeGreaterThan(40);
    // The router hops (cni0 → flannel.1, flannel.1 → cni0) rewrite the source: each full path has them.
    expect(rewrites).toBeGreaterThanOrEqual(8);
    // The pod behind each veth is named from its MAC, as on Ethernet lanes.
    const first = res.hops([...Array(res.journeyCount).keys()].find((k) => res.hops(k).length === 8)!)[0];
    expect(first.eth!.srcOwner).toBe(`pod behind ${first.node}/${first.iface}`);
  });

  it('stay one `any` lane when the node’s interfaces are not known', () => {
    const dir = tempDir('hs-any-');
    for (const f of ['node-1__any.pcap', 'node-2__any.pcap']) copyFileSync(join(DIR, f), join(dir, f));
    const { result: res } = correlateInputs(
      open([join(dir, 'node-1__any.pcap'), join(dir, 'node-2__any.pcap')]),
    );
    expect(res.captures.map((c) => `${c.node}/${c.iface}`)).toEqual(['node-1/any', 'node-2/any']);
    // Said, by the CLI and above the app's panes: a filter's interface names and globs cannot see those packets'.
    const [w] = anyLaneWarnings(res);
    expect(w).toMatch(
      /^node-1\/any, node-2\/any: tcpdump -i any, read as one lane as its node's interfaces are not known/,
    );
    expect(w).toContain(
      "a filter's interface names and globs (cni0, veth*) and ip broadcast's subnets do not see it",
    );
    expect(resultWarnings(res)).toContain(w);
    const c = correlateInputs(open([dir]));
    const app = new LoadedSession('any', 'any', null, c.correlator, c.result, []);
    expect(app.info().notice).toContain(`Warning: ${w}.`);
    const cli = spawnSync(process.execPath, ['bin/hopscope.mjs', 'correlate', '--summary', dir], {
      encoding: 'utf8',
    });
    expect(cli.stderr).toContain(`hopscope correlate: warning: ${w}\n`);
  });

  it('split, say nothing; an interface index the node’s list lacks is a lane of its own, said to be unnamed', () => {
    const files = ['node-1__any.pcap', 'node-2__any.pcap'].map((f) => join(DIR, f));
    expect(anyLaneWarnings(correlateInputs(open(files)).result)).toEqual([]);
    // node-1's list without cni0 (as if made after discovery): its packets are lane any#3.
    const dir = tempDir('hs-any-');
    for (const f of readdirSync(DIR)) copyFileSync(join(DIR, f), join(dir, f));
    const links = JSON.parse(readFileSync(join(dir, 'node-1.ip-link.json'), 'utf8')) as { ifname: string }[];
    writeFileSync(join(dir, 'node-1.ip-link.json'), JSON.stringify(links.filter((l) => l.ifname !== 'cni0')));
    const { result: res } = correlateInputs(
      open([join(dir, 'node-1__any.pcap'), join(dir, 'node-2__any.pcap')]),
    );
    expect(res.captures.map((c) => `${c.node}/${c.iface}`)).toContain('node-1/any#3');
    expect(anyLaneWarnings(res)).toEqual([
      "node-1/any#3: packets of tcpdump -i any on an interface its node's interface list lacks (made after the list " +
        "was read?): a filter's interface names and globs and ip broadcast's subnets see that lane's name only",
    ]);
  });
});
