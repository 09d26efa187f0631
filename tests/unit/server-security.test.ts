// Web mode with real HTTP and WebSocket clients: only 127.0.0.1, the token (URL then cookie), Host and Origin
// checks, path traversal, and every WebSocket request validated before the back end sees it.
import { writeFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { AppService } from '../../main/app/service.ts';
import { cookieToken, hostAllowed, originAllowed, tokenMatches } from '../../main/server/guard.ts';
import { startWebServer, type WebServer } from '../../main/server/webServer.ts';
import { decodeMessage, encodeMessage } from '../../preload/wire.ts';
import { tempDir } from '../tempDir.ts';

let server: WebServer;
let backend: AppService;
let root: string;

beforeAll(async () => {
  root = tempDir('hs-web-');
  mkdirSync(path.join(root, 'renderer'));
  writeFileSync(path.join(root, 'renderer', 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(path.join(root, 'secret.txt'), 'outside the root');
  backend = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
  server = await startWebServer({ backend, root: path.join(root, 'renderer') });
});
afterAll(async () => {
  await server.close();
  await backend.close();
});

function get(
  p: string,
  headers: Record<string, string> = {},
  host = '127.0.0.1',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port: server.port, path: p, headers: { host: `127.0.0.1:${server.port}`, ...headers } },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function openWs(query: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const origin = () => `http://127.0.0.1:${server.port}`;

function rpc(
  ws: WebSocket,
  id: number,
  method: string,
  req?: unknown,
): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }> {
  return new Promise((resolve) => {
    const onMsg = (data: Buffer) => {
      const m = decodeMessage(new Uint8Array(data)) as { t: string; id: number; res: never };
      if (m.t === 'res' && m.id === id) {
        ws.off('message', onMsg);
        resolve(m.res);
      }
    };
    ws.on('message', onMsg);
    ws.send(encodeMessage({ t: 'req', id, method, req }));
  });
}

describe('web mode HTTP', () => {
  it('listens on 127.0.0.1 only', async () => {
    expect(server.url.startsWith(`http://127.0.0.1:${server.port}/?token=`)).toBe(true);
    await expect(get('/', {}, '::1')).rejects.toThrow();
  });

  it('refuses requests without the token, or with a wrong one', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/?token=nope')).status).toBe(401);
    expect((await get(`/?token=${server.token}x`)).status).toBe(401);
  });

  it('serves the app with the token, sets an HttpOnly SameSite cookie, then accepts the cookie', async () => {
    const r = await get(`/?token=${server.token}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>t</title>');
    expect(String(r.headers['content-security-policy'])).toContain("script-src 'self'");
    const cookie = String((r.headers['set-cookie'] as string[])[0]);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect((await get('/index.html', { cookie: cookie.split(';')[0] })).status).toBe(200);
  });

  it('refuses a foreign Host (DNS rebinding) even with the token', async () => {
    expect((await get(`/?token=${server.token}`, { host: `evil.example:${server.port}` })).status).toBe(421);
    expect((await get(`/?token=${server.token}`, { host: `127.0.0.1:1` })).status).toBe(421);
  });

  it('refuses a foreign Origin', async () => {
    expect((await get(`/?token=${server.token}`, { origin: 'http://evil.example' })).status).toBe(403);
  });

  it('never serves files outside the renderer folder', async () => {
    const r = await get(`/..%2fsecret.txt?token=${server.token}`);
    expect(r.status).toBe(404);
    expect(r.body).not.toContain('outside the root');
    expect((await get(`/../secret.txt?token=${server.token}`)).body).not.toContain('outside the root');
  });
});

describe('web mode WebSocket', () => {
  it('refuses a handshake without the token, with a foreign Origin, without Origin, or with a foreign Host', async () => {
    await expect(openWs('', { origin: origin() })).rejects.toThrow('HTTP 401');
    await expect(openWs(`?token=${server.token}`, { origin: 'http://evil.example' })).rejects.toThrow(
      'HTTP 403',
    );
    await expect(openWs(`?token=${server.token}`, {})).rejects.toThrow('HTTP 403');
    await expect(
      openWs(`?token=${server.token}`, { origin: origin(), host: 'evil.example' }),
    ).rejects.toThrow('HTTP 421');
  });

  it('answers API calls with columnar typed arrays, and validates every request', async () => {
    const ws = await openWs(`?token=${server.token}`, { origin: origin() });
    const info = await rpc(ws, 1, 'appInfo');
    expect(info.ok).toBe(true);
    expect((info.value as { mode: string }).mode).toBe('web');
    const s = await rpc(ws, 2, 'openSample');
    expect(s.ok).toBe(true);
    const sessionId = (s.value as { id: string }).id;
    const b = await rpc(ws, 3, 'getPackets', { sessionId, from: 0, count: 10 });
    const batch = b.value as { capture: Uint16Array; tsNs: Float64Array; journey: Int32Array };
    expect(batch.capture).toBeInstanceOf(Uint16Array);
    expect(batch.tsNs).toBeInstanceOf(Float64Array);
    expect(batch.journey.length).toBe(10);
    // Malformed arguments never reach the service.
    const bad = [
      ['getPackets', { sessionId, from: -1, count: 10 }],
      ['getPackets', { sessionId, from: 0, count: 10, extra: 1 }],
      ['getPackets', { sessionId, from: '0', count: 10 }],
      ['openPaths', { paths: 'not-an-array' }],
      ['addNode', { name: 'bad name; rm -rf /', host: 'x' }],
      [
        'startCapture',
        { targets: [{ node: 'n', iface: 'eth0 ; id' }], filter: '', snaplen: 0, excludeSsh: true },
      ],
      ['appInfo', { unexpected: true }],
      ['__proto__', {}],
      ['constructor', {}],
    ] as const;
    let id = 10;
    for (const [m, req] of bad) {
      const r = await rpc(ws, id++, m, req);
      expect(r.ok, `${m} ${JSON.stringify(req)}`).toBe(false);
      expect(r.error?.code).toBe('USAGE');
    }
    ws.close();
  });

  it('closes the socket on a frame that is not a well-formed request', async () => {
    const ws = await openWs(`?token=${server.token}`, { origin: origin() });
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('{"t":"req","id":1,"method":"appInfo"}');
    expect(await closed).toBe(1003);
  });
});

describe('guard policy', () => {
  it('compares tokens in constant time and exactly', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abd', 'abc')).toBe(false);
    expect(tokenMatches('', 'abc')).toBe(false);
    expect(tokenMatches(null, 'abc')).toBe(false);
  });
  it('accepts only loopback hosts with our port and our own origin', () => {
    expect(hostAllowed('localhost:80', 80)).toBe(true);
    expect(hostAllowed('127.0.0.1', 80)).toBe(false);
    expect(hostAllowed('127.0.0.1.evil.example:80', 80)).toBe(false);
    expect(originAllowed(undefined, 80, false)).toBe(true);
    expect(originAllowed(undefined, 80, true)).toBe(false);
    expect(originAllowed('null', 80, false)).toBe(false);
    expect(cookieToken('a=1; hopscope_token=xyz; b=2')).toBe('xyz');
  });
});
