// Hostile and broken capture files through the real CLI (`hopscope correlate`, as a user runs it): exit code
// and message for zero-length, wrong-magic, truncated, huge-caplen and unknown-block inputs; and packets whose
// bytes try to reach the user's terminal (DNS names carrying escape sequences and newlines).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { summarize } from '../../../main/decode/index.ts';
import { tempDir } from '../../tempDir.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const FIX = path.join(ROOT, 'tests/fixtures/flannel-vxlan');
let dir: string;

function correlate(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/hopscope.mjs'), 'correlate', ...args], {
    encoding: 'utf8',
    cwd: dir,
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function write(name: string, bytes: Uint8Array | string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
}

/** Ethernet/IPv4/UDP/DNS query for `name` (labels given raw, so they may hold any byte). */
function dnsFrame(labels: Uint8Array[]): Uint8Array {
  const qname = [...labels.flatMap((l) => [l.length, ...l]), 0];
  const dns = [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...qname, 0, 1, 0, 1];
  const udpLen = 8 + dns.length;
  const ipLen = 20 + udpLen;
  const f = new Uint8Array(14 + ipLen);
  const dv = new DataView(f.buffer);
  f.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1], 0);
  dv.setUint16(12, 0x0800);
  f[14] = 0x45;
  dv.setUint16(16, ipLen);
  f[22] = 64;
  f[23] = 17;
  f.set([10, 244, 0, 12, 10, 244, 1, 34], 26);
  dv.setUint16(34, 40000);
  dv.setUint16(36, 53);
  dv.setUint16(38, udpLen);
  f.set(dns, 42);
  return f;
}

function pcapOf(frames: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [
    new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0]),
  ];
  frames.forEach((fr, i) => {
    const h = new Uint8Array(16);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, 1_700_000_000 + i, true);
    dv.setUint32(8, fr.length, true);
    dv.setUint32(12, fr.length, true);
    parts.push(h, fr);
  });
  return Buffer.concat(parts);
}

const CONTROL = /[\x00-\x08\x0b-\x1f\x7f\x9b]/;

beforeAll(() => {
  dir = tempDir('hs-hostile-cli-');
});

describe('hopscope correlate on hostile files', () => {
  it('wrong magic: exit 1, PCAP_BAD_MAGIC at byte 0 naming the file', () => {
    write('node-1__eth1.pcap', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = correlate('node-1__eth1.pcap');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/node-1__eth1\.pcap: PCAP_BAD_MAGIC: .*at byte 0/);
  });

  it('a missing file: exit 1, FILE_NOT_FOUND naming it', () => {
    const r = correlate('no-such.pcap');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/FILE_NOT_FOUND.*no-such\.pcap/);
  });

  it('a file cut inside a record: warning PCAP_TRUNCATED with the offset, the records before it still correlate (exit 0)', () => {
    const whole = fs.readFileSync(path.join(FIX, 'node-1__ens33.pcap'));
    write('node-1__ens33.pcap', whole.subarray(0, whole.length - 30));
    fs.copyFileSync(path.join(FIX, 'node-2__ens33.pcap'), path.join(dir, 'node-2__ens33.pcap'));
    const r = correlate('node-1__ens33.pcap', 'node-2__ens33.pcap');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/node-1__ens33\.pcap: PCAP_TRUNCATED: .*at byte \d+/);
    expect(r.out).toMatch(/node-1\/ens33/);
    expect(r.out).toMatch(/→ node-2\/ens33/);
  });

  it('a caplen of 2^31 mid-file: PCAP_MALFORMED at that record, nothing allocated, records before it kept (exit 0)', () => {
    const b = new Uint8Array(fs.readFileSync(path.join(FIX, 'node-1__ens33.pcap')));
    const dv = new DataView(b.buffer);
    const first = 24;
    const second = first + 16 + dv.getUint32(first + 8, true);
    dv.setUint32(second + 8, 0x80000000, true);
    write('node-1__ens33.pcap', b);
    const r = correlate('node-1__ens33.pcap', '--summary');
    expect(r.code).toBe(0);
    expect(r.err).toContain(`PCAP_MALFORMED: record caplen 2147483648`);
    expect(r.err).toContain(`at byte ${second}`);
    expect(r.out).toMatch(/packets 1\b/);
  });

  it('R6: a zero-length file or one cut inside its header (nothing readable) fails like a wrong-magic file', () => {
    write('node-1__eth0.pcap', '');
    write('node-1__eth2.pcap', new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1, 2, 0]));
    for (const f of ['node-1__eth0.pcap', 'node-1__eth2.pcap']) {
      const r = correlate(f);
      expect(r.err).toMatch(new RegExp(`${f.replace('.', '\\.')}: PCAP_TRUNCATED: .*at byte 0`));
      expect(r.code, `${f}: exit code`).toBe(1);
    }
  });

  it('R5: packet bytes never reach the terminal as control characters (DNS name with ESC sequences and newline)', () => {
    const enc = new TextEncoder();
    const evil = dnsFrame([enc.encode('\x1b[2J\x1b]0;pwned\x07'), enc.encode('a\nb\r'), enc.encode('com')]);
    for (const s of [summarize(evil, 1), summarize(evil, 1, { link: true })]) {
      expect(s).toMatch(/53/);
      expect(CONTROL.test(s), JSON.stringify(s)).toBe(false);
    }
    write('node-1__eth0.pcap', pcapOf([evil]));
    const r = correlate('node-1__eth0.pcap');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/journey 1/);
    expect(CONTROL.test(r.out), JSON.stringify(r.out)).toBe(false);
    expect(CONTROL.test(r.err), JSON.stringify(r.err)).toBe(false);
  });
});
