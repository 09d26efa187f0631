// The Electron shell's security settings and IPC wiring. There is no Electron binary here, so `electron` is
// replaced by a recorder of what main/index.ts and main/ipc.ts ask of it; the back end behind IPC is the real one.
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';

import { beforeAll, describe, expect, it, vi } from 'vitest';

interface Recorded {
  windows: {
    opts: Record<string, unknown>;
    handlers: Map<string, (...a: unknown[]) => unknown>;
    openHandler?: (d: { url: string }) => unknown;
    loaded?: string;
  }[];
  ipc: Map<string, (e: unknown, req: unknown) => Promise<unknown>>;
  headers?: (d: { responseHeaders: Record<string, string[]> }, cb: (r: unknown) => void) => void;
  permission?: (wc: unknown, perm: string, cb: (ok: boolean) => void) => void;
  appHandlers: Map<string, (...a: unknown[]) => unknown>;
  /** app.quit() calls, and whether the last 'before-quit' it raised was held (preventDefault). */
  quits: number;
  prevented: boolean;
}
const rec: Recorded = { windows: [], ipc: new Map(), appHandlers: new Map(), quits: 0, prevented: false };

vi.mock('electron', () => {
  class BrowserWindow {
    webContents: Record<string, unknown>;
    constructor(opts: Record<string, unknown>) {
      const w: Recorded['windows'][number] = { opts, handlers: new Map() };
      rec.windows.push(w);
      this.webContents = {
        setWindowOpenHandler: (h: (d: { url: string }) => unknown) => (w.openHandler = h),
        on: (ev: string, h: (...a: unknown[]) => unknown) => w.handlers.set(ev, h),
        send: () => undefined,
        isDestroyed: () => false,
      };
      (this as unknown as { loadFile: (f: string) => Promise<void> }).loadFile = async (f: string) =>
        void (w.loaded = f);
    }
    once() {}
    on() {}
    show() {}
  }
  return {
    app: {
      whenReady: () => Promise.resolve(),
      on: (ev: string, h: (...a: unknown[]) => unknown) => rec.appHandlers.set(ev, h),
      quit: () => {
        rec.quits++;
        // As Electron does: app.quit() raises 'before-quit' again.
        rec.appHandlers.get('before-quit')?.({ preventDefault: () => (rec.prevented = true) });
      },
      getVersion: () => '0.0.0',
    },
    BrowserWindow,
    shell: { openExternal: vi.fn() },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (h: Recorded['headers']) => (rec.headers = h) },
        setPermissionRequestHandler: (h: Recorded['permission']) => (rec.permission = h),
      },
    },
    ipcMain: {
      handle: (ch: string, h: (e: unknown, req: unknown) => Promise<unknown>) => rec.ipc.set(ch, h),
      removeHandler: (ch: string) => rec.ipc.delete(ch),
    },
  };
});

/** The work folder (hopscope-app-*) the shell's back end made: new between just before and just after it started. */
let made: string[] = [];
const workDirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith('hopscope-app-'));

beforeAll(async () => {
  const before = workDirs();
  await import('../../main/index.ts');
  await new Promise((r) => setTimeout(r, 20));
  made = workDirs().filter((d) => !before.includes(d));
});

describe('Electron shell', () => {
  it('creates the window with context isolation and sandbox on, no Node integration, a CommonJS preload', () => {
    expect(rec.windows).toHaveLength(1);
    const wp = rec.windows[0].opts.webPreferences as Record<string, unknown>;
    expect(wp).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(String(wp.preload)).toMatch(/preload[/\\]index\.cjs$/);
    expect(rec.windows[0].loaded).toMatch(/renderer[/\\]index\.html$/);
  });

  it('sends a strict CSP header with every response and denies every permission', () => {
    let out: { responseHeaders: Record<string, string[]> } | undefined;
    rec.headers!({ responseHeaders: { 'X-A': ['1'] } }, (r) => (out = r as typeof out));
    const csp = out!.responseHeaders['Content-Security-Policy'][0];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    let granted: boolean | undefined;
    rec.permission!(null, 'media', (ok) => (granted = ok));
    expect(granted).toBe(false);
  });

  it('blocks navigation away from the app and every window.open', () => {
    const w = rec.windows[0];
    const prevent = vi.fn();
    w.handlers.get('will-navigate')!({ preventDefault: prevent }, 'https://evil.example/');
    expect(prevent).toHaveBeenCalled();
    expect(w.openHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(w.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
  });

  it('registers one IPC handler per API method and refuses unknown senders and malformed arguments', async () => {
    const { API_METHODS } = await import('../../preload/api.ts');
    expect([...rec.ipc.keys()].sort()).toEqual(API_METHODS.map((m) => `hopscope:${m}`).sort());
    const url = String(rec.windows[0].loaded);
    const ours = { senderFrame: { parent: null, url: new URL(`file://${url}`).href } };
    const foreign = { senderFrame: { parent: null, url: 'https://evil.example/' } };
    const info = (await rec.ipc.get('hopscope:appInfo')!(ours, undefined)) as { ok: boolean };
    expect(info.ok).toBe(true);
    const denied = (await rec.ipc.get('hopscope:appInfo')!(foreign, undefined)) as {
      ok: boolean;
      error: { code: string };
    };
    expect(denied).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    const bad = (await rec.ipc.get('hopscope:getPackets')!(ours, { sessionId: 'x', from: -5, count: 1 })) as {
      ok: boolean;
      error: { message: string };
    };
    expect(bad.ok).toBe(false);
    expect(bad.error.message).toMatch(/from/);
    const notObj = (await rec.ipc.get('hopscope:openPaths')!(ours, 'rm -rf /')) as { ok: boolean };
    expect(notObj.ok).toBe(false);
  });

  it('quitting removes the IPC handlers and closes the back end (its empty work folder goes), then quits', async () => {
    expect(made.length).toBeGreaterThanOrEqual(1);
    let held = false;
    rec.appHandlers.get('before-quit')!({ preventDefault: () => (held = true) });
    // The first quit waits for the close (Electron does not wait for a promise of its handler).
    expect(held).toBe(true);
    expect(rec.ipc.size).toBe(0);
    for (let i = 0; i < 100 && rec.quits === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(made.filter((d) => workDirs().includes(d))).toEqual([]);
    // Closed, it quits again, and that quit goes through.
    expect(rec.quits).toBe(1);
    expect(rec.prevented).toBe(false);
  });
});
