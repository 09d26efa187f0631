// The packet limit of correlation (HOPSCOPE_MAX_PACKETS, default half of the memory): one packet more than it and
// `correlate`, `export` and the app's open stop with TOO_MANY_PACKETS, on one thread or several, instead of
// growing until the kernel kills the process. Real lab captures (flannel-vxlan: 64 packets on 8 interfaces).

// Before anything starts a session worker (it copies the environment when it starts): the app's open below.
process.env.HOPSCOPE_MAX_PACKETS = '40';

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { AppService } from '../../main/app/service.ts';
import { validateRequest } from '../../main/app/validate.ts';
import { scanInputs } from '../../main/app/sessionScan.ts';
import { HopscopeError } from '../../main/common/errors.ts';
import { MAX_PACKETS, OPEN_PACKET_BYTES, openPacketLimit, packetLimit } from '../../main/common/limits.ts';
import { createIdentity } from '../../main/correlate/identity.ts';
import { ObservationTable, RowLimitReached } from '../../main/correlate/observations.ts';
import { createPacketFields } from '../../main/decode/fields.ts';
import { correlateInputs } from '../../main/session/ingest.ts';
import { loadInputs, type Inputs } from '../../main/session/inputs.ts';
import { fixtureFiles } from './correlate-helpers.ts';
import { readCaptureFileSync } from '../../main/pcap/file.ts';
import { epochNs, timeRange } from '../../main/session/timeRange.ts';
import type { SessionInfo, TooManyPacketsDetail } from '../../preload/api.ts';
import { tempDir } from '../tempDir.ts';

afterAll(() => {
  delete process.env.HOPSCOPE_MAX_PACKETS;
});

const ROOT = path.resolve(import.meta.dirname, '../..');
const FILES = fixtureFiles('flannel-vxlan');
const PACKETS = 64;

function inputs(): Inputs {
  const r = loadInputs(FILES);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function tooMany(f: () => unknown): HopscopeError {
  try {
    f();
  } catch (e) {
    if (e instanceof HopscopeError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('the packet limit', () => {
  it('comes from HOPSCOPE_MAX_PACKETS, else from half of the memory at OPEN_PACKET_BYTES a packet', () => {
    expect(openPacketLimit({ HOPSCOPE_MAX_PACKETS: '1000' }, 1)).toBe(1000);
    expect(openPacketLimit({}, 16 * 2 ** 30)).toBe(Math.floor((8 * 2 ** 30) / OPEN_PACKET_BYTES));
    expect(packetLimit('X', 1 / 4, 100, {}, 1000)).toBe(2);
    expect(packetLimit('X', 1 / 4, 100, {}, 10)).toBe(1);
    expect(packetLimit('X', 1, 1, {}, 2 ** 40)).toBe(MAX_PACKETS);
    for (const bad of ['0', '-1', '2.5', '1e3', 'x', `${MAX_PACKETS + 1}`])
      expect(() => openPacketLimit({ HOPSCOPE_MAX_PACKETS: bad }), bad).toThrow(
        /^HOPSCOPE_MAX_PACKETS must be a whole number of packets from 1 to 2147483647, not /,
      );
  });

  it('the row store takes rows up to its limit, below its capacity too, and keeps them', () => {
    const f = createPacketFields();
    const id = createIdentity();
    for (const initial of [2, 4096]) {
      const t = new ObservationTable(initial);
      t.setRowLimit(5);
      for (let i = 0; i < 5; i++) expect(t.append(0, i * 100, 60, 60, 0, i, f, id)).toBe(i);
      expect(() => t.append(0, 500, 60, 60, 0, 5, f, id)).toThrow(RowLimitReached);
      expect(t.length).toBe(5);
      expect(Array.from(t.fileOffset.subarray(0, 5))).toEqual([0, 100, 200, 300, 400]);
    }
  });

  it('correlate reads up to the limit on one thread and on two, and stops one packet past it', () => {
    for (const threads of [1, 2]) {
      const at = correlateInputs(inputs(), { threads, parallelMinBytes: 0, maxPackets: PACKETS });
      expect(at.result.rowCount).toBe(PACKETS);
      expect(at.threads).toBe(threads);
      // Past it on two threads: a worker finds the shared store full, one thread reads again up to the limit.
      const e = tooMany(() =>
        correlateInputs(inputs(), { threads, parallelMinBytes: 0, maxPackets: PACKETS - 1 }),
      );
      expect(e.code).toBe('TOO_MANY_PACKETS');
      expect(e.message).toMatch(
        /^the captures \(8 files, \d+ KiB\) hold more than 63 packets, .*HOPSCOPE_MAX_PACKETS/,
      );
      expect(e.detail).toEqual({ limit: PACKETS - 1 });
    }
  });

  it("the app's first scan stops at the limit at once", () => {
    expect(scanInputs(inputs(), () => undefined, PACKETS).count).toBe(PACKETS);
    expect(tooMany(() => scanInputs(inputs(), () => undefined, 10)).code).toBe('TOO_MANY_PACKETS');
  });

  it('`hopscope correlate` and `export` exit 1 naming it; a bad value is a usage error', () => {
    const run = (env: string, ...args: string[]) =>
      spawnSync(process.execPath, [path.join(ROOT, 'bin/hopscope.mjs'), ...args, ...FILES], {
        encoding: 'utf8',
        env: { ...process.env, HOPSCOPE_MAX_PACKETS: env },
      });
    const ok = run(String(PACKETS), 'correlate', '--summary');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`packets ${PACKETS}`);
    const over = run(String(PACKETS - 1), 'correlate', '--summary');
    expect(over.status).toBe(1);
    expect(over.stderr).toMatch(/^hopscope correlate: TOO_MANY_PACKETS: .* more than 63 packets/);
    const out = path.join(tempDir('hs-limit-'), 'x.pcapng');
    const exp = run('10', 'export', '--pcapng', out);
    expect(exp.status).toBe(1);
    expect(exp.stderr).toMatch(/^hopscope export: TOO_MANY_PACKETS: .* more than 10 packets/);
    const bad = run('lots', 'correlate', '--summary');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('HOPSCOPE_MAX_PACKETS must be a whole number');
  });

  it("the app's open fails with it (HOPSCOPE_MAX_PACKETS=40 in this process), and opens what fits", async () => {
    const svc = new AppService({
      mode: 'web',
      resourcesDir: 'resources',
      workDir: tempDir('hs-limit-'),
      configDir: null,
    });
    try {
      const r = await svc.call('openPaths', { paths: FILES });
      expect(!r.ok && r.error.code).toBe('TOO_MANY_PACKETS');
      const four = await svc.call('openPaths', { paths: FILES.slice(0, 4) });
      expect(four.ok && (four.value as { packets: number }).packets).toBeLessThanOrEqual(40);
    } finally {
      await svc.close();
    }
  });

  it("the app's open says where the limit was reached, and opens a time range of the same files", async () => {
    const svc = new AppService({
      mode: 'web',
      resourcesDir: 'resources',
      workDir: tempDir('hs-limit-'),
      configDir: null,
    });
    // "1795663433.287776332" from ns since the epoch.
    const epoch = (ns: string) => `${ns.slice(0, -9)}.${ns.slice(-9)}`;
    try {
      const r = await svc.call('openPaths', { paths: FILES });
      if (r.ok) throw new Error('opened past the limit');
      const detail = r.error.detail as unknown as TooManyPacketsDetail;
      expect(detail.limit).toBe(40);
      // The first packet of all, and the time of the first packet past the 40th in time order (exact).
      const stamps = FILES.flatMap((f) => {
        const out: bigint[] = [];
        readCaptureFileSync(f, (rec) => out.push(BigInt(epochNs(rec.tsSec, rec.tsNsec))));
        return out;
      });
      const min = stamps.reduce((a, b) => (b < a ? b : a));
      expect(detail.firstNs).toBe(String(min));
      const end = BigInt(detail.limitNs!);
      expect(stamps.filter((t) => t < end).length).toBeLessThanOrEqual(40);
      expect(stamps.filter((t) => t <= end).length).toBeGreaterThan(40);
      const range = { after: epoch(detail.firstNs!), before: epoch(detail.limitNs!) };
      const opened = await svc.call('openPaths', { paths: FILES, range });
      if (!opened.ok) throw new Error(opened.error.message);
      const info = opened.value as SessionInfo;
      const kept = correlateInputs(inputs(), {
        range: timeRange(range.after, range.before, () => null),
        maxPackets: 64,
      });
      expect(info.packets).toBe(kept.result.rowCount);
      expect(info.packets).toBeLessThanOrEqual(40);
      expect(info.range).toEqual({ afterNs: detail.firstNs, beforeNs: detail.limitNs });
      // The panes' rows (the first scan) are the correlation's: the packets of every lane add up.
      expect(info.captures.reduce((n, c) => n + c.packets, 0)).toBe(info.packets);
      // Its JSON export says it holds a time range (`range`, from the same result the pcapng's comment reads).
      const out = path.join(tempDir('hs-limit-export-'), 'range.json');
      const exported = await svc.call('exportSession', {
        sessionId: info.id,
        format: 'json',
        clockCorrected: true,
        path: out,
      });
      if (!exported.ok) throw new Error(exported.error.message);
      expect(JSON.parse(readFileSync(out, 'utf8')).range).toEqual(info.range);
      const bad = await svc.call('openPaths', { paths: FILES, range: { after: 'noon' } });
      expect(!bad.ok && bad.error).toMatchObject({
        code: 'USAGE',
        message: expect.stringMatching(/^after "noon"/),
      });
      // What reaches the back end from a page (IPC, web mode) is checked first.
      expect(validateRequest('openPaths', { paths: FILES, range })).toBeNull();
      expect(validateRequest('openPaths', { paths: FILES, range: { after: 1 } })).toBe(
        'openPaths.range.after: expected a string (≤64 chars)',
      );
    } finally {
      await svc.close();
    }
  });
});
