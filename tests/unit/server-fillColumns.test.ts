// Web mode's constant-column markers: a packet batch whose journey columns hold one value (journeys not computed
// yet) crosses the socket smaller and arrives as the same typed arrays. Unit round trips through the real wire
// format, then the real web server and the renderer's WebSocket API on a 100,000-packet session (bench generator)
// that is still correlating, compared column by column with what the back end answers in-process.

import { rmSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WS from 'ws';

import { generate } from '../../bench/generate.ts';
import { AppService } from '../../main/app/service.ts';
import { compactColumns, expandColumns } from '../../preload/fillColumns.ts';
import { startWebServer, type WebServer } from '../../main/server/webServer.ts';
import type { PacketBatch, SessionInfo } from '../../preload/api.ts';
import { decodeMessage, encodeMessage } from '../../preload/wire.ts';
import { createWsApi } from '../../renderer/src/api/wsClient.ts';
import { tempDir } from '../tempDir.ts';

const COLUMNS = ['capture', 'tsNs', 'length', 'journey', 'hop', 'proto', 'status'] as const;

function same(a: PacketBatch, b: PacketBatch): void {
  expect(b.from).toBe(a.from);
  for (const k of COLUMNS) {
    expect(b[k].constructor).toBe(a[k].constructor);
    expect(b[k].length).toBe(a[k].length);
    expect(Buffer.from(b[k].buffer, b[k].byteOffset, b[k].byteLength)).toEqual(
      Buffer.from(a[k].buffer, a[k].byteOffset, a[k].byteLength),
    );
  }
}

describe('compactColumns / expandColumns', () => {
  const n = 5000;
  const batch = (): PacketBatch => ({
    sessionId: 's',
    from: 7,
    capture: Uint16Array.from({ length: n }, (_, i) => i % 3),
    tsNs: new Float64Array(n).fill(5),
    length: new Uint32Array(n).fill(98),
    journey: new Int32Array(n).fill(-1),
    hop: new Int16Array(n).fill(-1),
    proto: new Uint8Array(n),
    status: Uint8Array.from({ length: n }, (_, i) => (i === n - 1 ? 2 : 0)),
  });

  it('replaces long constant integer columns only, and the wire round trip restores them exactly', () => {
    const b = batch();
    const c = compactColumns(b) as Record<string, unknown>;
    expect(c.journey).toEqual({ $fill: 'Int32Array', n, v: -1 });
    expect(c.hop).toEqual({ $fill: 'Int16Array', n, v: -1 });
    expect(c.proto).toEqual({ $fill: 'Uint8Array', n, v: 0 });
    expect(c.length).toEqual({ $fill: 'Uint32Array', n, v: 98 });
    // Varying, floating-point and short columns travel as bytes; the input is not modified.
    expect(c.capture).toBe(b.capture);
    expect(c.status).toBe(b.status);
    expect(c.tsNs).toBe(b.tsNs);
    expect(b.journey).toBeInstanceOf(Int32Array);
    const short = { ...b, journey: new Int32Array(10).fill(-1) };
    expect((compactColumns(short) as PacketBatch).journey).toBe(short.journey);
    const frame = encodeMessage({ t: 'res', id: 1, res: { ok: true, value: c } });
    expect(frame.byteLength).toBeLessThan(
      encodeMessage({ t: 'res', id: 1, res: { ok: true, value: b } }).byteLength,
    );
    const back = decodeMessage(frame) as { res: { value: PacketBatch } };
    same(b, expandColumns(back.res.value) as PacketBatch);
  });

  it('leaves anything that is not a well-formed marker alone', () => {
    const odd = {
      a: { $fill: 'Float64Array', n: 3, v: 1 },
      b: { $fill: 'Int32Array', n: -1, v: 1 },
      c: { $fill: 'Int32Array', n: 1e9, v: 1 },
      d: { $fill: 'constructor', n: 1, v: 1 },
      e: 'text',
    };
    expect(expandColumns(structuredClone(odd))).toEqual(odd);
    expect(compactColumns(null)).toBe(null);
    expect(compactColumns([1, 2])).toEqual([1, 2]);
  });
});

describe('web mode: a session still correlating', () => {
  let dir: string;
  let backend: AppService;
  let server: WebServer;
  let received = 0;
  const RealWS = (globalThis as { WebSocket?: unknown }).WebSocket;

  beforeAll(async () => {
    dir = tempDir('hs-fill-');
    generate({ outDir: dir, journeys: 12_500, extras: false });
    backend = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
    server = await startWebServer({ backend, root: path.join(dir, 'renderer') });
    const origin = `http://127.0.0.1:${server.port}`;
    // The renderer's client runs on Node's ws here, as a page on this origin would connect.
    (globalThis as { WebSocket?: unknown }).WebSocket = class extends WS {
      constructor(url: string) {
        super(url, { origin });
        this.on('message', (d: Buffer) => (received += d.byteLength));
      }
    };
  }, 60_000);

  afterAll(async () => {
    (globalThis as { WebSocket?: unknown }).WebSocket = RealWS;
    await server.close();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gets the same columns as the back end gives, in fewer bytes', async () => {
    const api = createWsApi(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    const opened = await api.openPaths({ paths: [path.join(dir, 'path')] });
    if (!opened.ok) throw new Error(opened.error.message);
    const s: SessionInfo = opened.value;
    expect(s.correlating).toBe(true);
    const n = 20_000;
    received = 0;
    const viaSocket = await api.getPackets({ sessionId: s.id, from: 1000, count: n });
    const bytes = received;
    if (!viaSocket.ok) throw new Error(viaSocket.error.message);
    const direct = await backend.call('getPackets', { sessionId: s.id, from: 1000, count: n });
    if (!direct.ok) throw new Error(direct.error.message);
    const d = direct.value as PacketBatch;
    // Still correlating when asked (else the journey columns would vary and nothing would be compacted).
    expect(Array.from(new Set(d.journey))).toEqual([-1]);
    same(d, viaSocket.value);
    // 22 bytes a row as raw columns; journey, hop, proto and status (8 bytes) travel as markers.
    expect(bytes).toBeLessThan(15 * n);
    expect(bytes).toBeGreaterThan(14 * n);
  });
});
