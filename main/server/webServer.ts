// Web mode: serves the built renderer and implements HopscopeApi over one WebSocket per page, bound to
// 127.0.0.1 only, with a random token (URL on first load, then an HttpOnly SameSite cookie) and Host/Origin checks.

import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';

import { API_EVENTS, type ApiEventName } from '../../preload/api.ts';
import { decodeMessage, encodeMessage, type WireRequest } from '../../preload/wire.ts';
import type { Backend } from '../app/backend.ts';
import { isApiMethod, validateRequest } from '../app/validate.ts';
import { compactColumns } from '../../preload/fillColumns.ts';
import { cookieToken, hostAllowed, originAllowed, TOKEN_COOKIE, tokenMatches } from './guard.ts';

export interface WebServerOptions {
  backend: Backend;
  /** The built renderer (out/renderer). */
  root: string;
  /** 0 = a free port. */
  port?: number;
  token?: string;
  /** Files the server may hand out under /download/<name> (exports), resolved by the backend. */
  downloads?: (name: string) => string | null;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
};

// The same policy as renderer/index.html's meta tag, sent as a header too (headers also cover workers).
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const MAX_WS_MESSAGE = 512 * 1024 * 1024;

function deny(res: ServerResponse, status: number, why: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${why}\n`);
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const root = path.resolve(opts.root);
  let port = 0;

  function authorized(req: IncomingMessage, url: URL): boolean {
    return (
      tokenMatches(url.searchParams.get('token'), token) ||
      tokenMatches(cookieToken(req.headers.cookie), token)
    );
  }

  const server = createServer((req, res) => {
    let url: URL;
    let pathname: string;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
      // A malformed %-escape throws here; it must be a 400 for this request, never an uncaught error.
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return deny(res, 400, 'malformed URL');
    }
    if (!hostAllowed(req.headers.host, port)) return deny(res, 421, 'wrong Host');
    if (!originAllowed(req.headers.origin, port, false)) return deny(res, 403, 'foreign Origin');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'method not allowed');
    if (!authorized(req, url)) return deny(res, 401, 'missing or wrong token: open the URL hopscope printed');

    const headers: Record<string, string> = {
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cache-control': 'no-store',
    };
    if (url.searchParams.has('token'))
      headers['set-cookie'] = `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;

    if (pathname.startsWith('/download/') && opts.downloads) {
      const file = opts.downloads(pathname.slice('/download/'.length));
      if (!file || !existsSync(file)) return deny(res, 404, 'no such export');
      res.writeHead(200, {
        ...headers,
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename="${path.basename(file).replace(/"/g, '')}"`,
        'content-length': String(statSync(file).size),
      });
      createReadStream(file).pipe(res);
      return;
    }

    const rel = pathname === '/' ? 'index.html' : pathname.replace(/^\/+/, '');
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile())
      return deny(res, 404, 'not found');
    res.writeHead(200, {
      ...headers,
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  });

  // A client that resets or sends garbage before a request is parsed only loses its own connection.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, why: string) => {
      socket.end(`HTTP/1.1 ${status} ${why}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return refuse(400, 'Bad Request');
    }
    if (url.pathname !== '/ws') return refuse(404, 'Not Found');
    if (!hostAllowed(req.headers.host, port)) return refuse(421, 'Misdirected Request');
    // Browsers always send Origin on WebSocket handshakes: require it, so a foreign page cannot ride the cookie.
    if (!originAllowed(req.headers.origin, port, true)) return refuse(403, 'Forbidden');
    if (!authorized(req, url)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, opts.backend));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function serveSocket(ws: WebSocket, backend: Backend): void {
  const send = (msg: unknown) => {
    if (ws.readyState === ws.OPEN) ws.send(encodeMessage(msg));
  };
  const unsubs = (Object.values(API_EVENTS) as ApiEventName[]).map((name) =>
    backend.on(name, (payload) =>
      send({ t: 'evt', name, payload: name === 'packetBatch' ? compactColumns(payload) : payload }),
    ),
  );
  // This page's sessions: each one it opens replaces its previous one; all are closed when the page goes.
  const client = {};
  ws.on('close', () => {
    unsubs.forEach((u) => u());
    backend.release?.(client);
  });
  ws.on('message', async (data, isBinary) => {
    let msg: WireRequest;
    try {
      if (!isBinary) throw new Error('text frame');
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      msg = decodeMessage(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)) as WireRequest;
      if (!msg || msg.t !== 'req' || typeof msg.id !== 'number') throw new Error('not a request');
    } catch {
      ws.close(1003, 'malformed message');
      return;
    }
    if (!isApiMethod(msg.method)) {
      send({ t: 'res', id: msg.id, res: { ok: false, error: { code: 'USAGE', message: `unknown method` } } });
      return;
    }
    const why = validateRequest(msg.method, msg.req);
    if (why) {
      send({ t: 'res', id: msg.id, res: { ok: false, error: { code: 'USAGE', message: why } } });
      return;
    }
    const res = await backend.call(msg.method, msg.req, client);
    // Packet columns that hold one value (journeys not computed yet) travel as a marker the page expands.
    if (msg.method === 'getPackets' && res.ok) res.value = compactColumns(res.value);
    send({ t: 'res', id: msg.id, res });
  });
}
