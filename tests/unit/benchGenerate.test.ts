// The benchmark generator's output must be what the real tools read as lab traffic: tcpdump and tshark read
// every file without complaint, checksums verify, and each packet appears once per hop with the right
// MACs, TTLs and VXLAN framing, in timestamp order.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { beforeAll, describe, expect, it } from 'vitest';

import { generate, readManifest, type Manifest } from '../../bench/generate.ts';
import { tempDir } from '../tempDir.ts';

const run = promisify(execFile);
const JOURNEYS = 25; // 200 packets in the one-file mix, 25 per path file

let dir: string;
let m: Manifest;

async function tshark(file: string, fields: string[]): Promise<string[][]> {
  const args = ['-r', file, '-d', 'udp.port==8472,vxlan', '-o', 'ip.check_checksum:TRUE'];
  args.push('-o', 'tcp.check_checksum:TRUE', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,');
  for (const f of fields) args.push('-e', f);
  const { stdout } = await run('tshark', args, { maxBuffer: 64 << 20 });
  return stdout
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => l.split('\t'));
}

beforeAll(() => {
  dir = tempDir('hs-benchgen-');
  m = generate({ outDir: dir, journeys: JOURNEYS, seed: 7 });
});

describe('bench generator', () => {
  it('writes the advertised counts and a manifest that validates', () => {
    expect(m.one.packets).toBe(JOURNEYS * 8);
    expect(m.oneUsec?.packets).toBe(JOURNEYS * 8);
    expect((m.halves?.[0].packets ?? 0) + (m.halves?.[1].packets ?? 0)).toBe(JOURNEYS * 8);
    expect(m.path.map((p) => path.basename(p.path))).toEqual([
      'node-1__veth3f2a91c7.pcap',
      'node-1__cni0.pcap',
      'node-1__flannel.1.pcap',
      'node-1__ens33.pcap',
      'node-2__ens33.pcap',
      'node-2__flannel.1.pcap',
      'node-2__cni0.pcap',
      'node-2__veth8b04d6e2.pcap',
    ]);
    for (const p of m.path) expect(p.packets).toBe(JOURNEYS);
    expect(readManifest(dir, JOURNEYS, 7)).toBeDefined();
    expect(readManifest(dir, JOURNEYS + 1, 7)).toBeUndefined();
  });

  it('is deterministic for a seed', () => {
    const again = tempDir('hs-benchgen2-');
    try {
      generate({ outDir: again, journeys: JOURNEYS, seed: 7, extras: false });
      for (const f of [m.one, ...m.path])
        expect(
          fs.readFileSync(path.join(again, f.path)).equals(fs.readFileSync(path.join(dir, f.path))),
        ).toBe(true);
    } finally {
      fs.rmSync(again, { recursive: true, force: true });
    }
  });

  it('tcpdump reads every file, counts match and no checksum is bad', async () => {
    for (const f of [m.one, m.oneUsec!, ...m.halves!, ...m.path]) {
      const { stdout } = await run('tcpdump', ['-vnr', path.join(dir, f.path)], { maxBuffer: 64 << 20 });
      expect(stdout).not.toMatch(/bad cksum|truncated|malformed/i);
      const { stdout: count } = await run('tcpdump', ['--count', '-r', path.join(dir, f.path)]);
      expect(count.trim()).toBe(`${f.packets} packets`);
    }
  });

  it('tshark sees the mix: ICMP, TCP, VXLAN 8472 VNI 1 and IPIP, all checksums good, time ordered', async () => {
    const rows = await tshark(path.join(dir, m.one.path), [
      'frame.time_epoch',
      'ip.proto',
      'vxlan.vni',
      'ip.checksum.status',
      'tcp.checksum.status',
    ]);
    expect(rows).toHaveLength(JOURNEYS * 8);
    const protos = new Set(rows.map((r) => r[1]));
    expect(protos).toEqual(new Set(['1', '6', '17,1', '17,6', '4,1', '4,6'].filter((p) => protos.has(p))));
    expect([...protos].some((p) => p.startsWith('17,'))).toBe(true); // VXLAN
    expect([...protos].some((p) => p.startsWith('4,'))).toBe(true); // IPIP
    expect(protos.has('1') && protos.has('6')).toBe(true);
    for (const r of rows) {
      if (r[2]) expect(r[2]).toBe('1');
      for (const s of r[3].split(',')) expect(s).toBe('1'); // 1 = Good
      if (r[4]) expect(r[4]).toBe('1');
    }
    const times = rows.map((r) => Number(r[0]));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
  });

  it('each packet is seen once per hop with the path’s MACs, TTLs and VXLAN push/pop', async () => {
    const fields = [
      'frame.time_epoch',
      'eth.src',
      'eth.dst',
      'ip.src',
      'ip.dst',
      'ip.id',
      'ip.ttl',
      'vxlan.vni',
    ];
    const files = await Promise.all(m.path.map((p) => tshark(path.join(dir, p.path), fields)));
    const seen = new Map<string, number[]>();
    files.forEach((rows, hop) => {
      expect(rows).toHaveLength(JOURNEYS);
      const iface = m.path[hop].iface;
      for (const r of rows) {
        const last = (s: string) => s.split(',').at(-1) as string;
        const key = `${last(r[3])}>${last(r[4])}#${last(r[5])}`;
        seen.set(key, [...(seen.get(key) ?? []), hop]);
        const fromNode1 = last(r[3]) === '10.244.0.5';
        const sending = hop < 4 === fromNode1;
        if (iface === 'ens33') {
          expect(r[7]).toBe('1');
          expect(r[3]).toBe(fromNode1 ? '10.1.10.9,10.244.0.5' : '10.1.10.10,10.244.1.6');
          expect(r[6]).toBe('64,63'); // outer TTL / inner TTL
          expect(r[1].split(',')[0]).toMatch(/^00:0c:29:5a:10:0[9a]$/);
        } else {
          expect(r[7]).toBe('');
          if (iface === 'flannel.1') {
            expect(r[6]).toBe('63');
            expect(r[1]).toMatch(/^9a:1e:4c:21:00:0[12]$/);
          } else {
            expect(r[6]).toBe(sending ? '64' : '62');
            expect(r[sending ? 2 : 1]).toMatch(/^0a:58:0a:f4:0[01]:01$/); // the node's cni0
          }
        }
      }
      const times = rows.map((r) => Number(r[0]));
      for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
    });
    expect(seen.size).toBe(JOURNEYS);
    for (const hops of seen.values()) expect(hops).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('pcap-parser reads the microsecond copy', async () => {
    const { default: pcapParser } = await import('pcap-parser');
    const n = await new Promise<number>((resolve, reject) => {
      let count = 0;
      const p = pcapParser.parse(path.join(dir, m.oneUsec!.path));
      p.on('packet', () => count++);
      p.on('end', () => resolve(count));
      p.on('error', reject);
    });
    expect(n).toBe(JOURNEYS * 8);
  });
});
