// The Electron shell: one secure window on the built renderer. The only main-side file (with ipc.ts) that imports
// electron. The package is ESM, so paths come from import.meta.url (there is no __dirname here).

import { app, BrowserWindow, session, shell } from 'electron';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

import { closeBeforeQuit } from './app/quitGuard.ts';
import { AppService } from './app/service.ts';
import { wireIpc } from './ipc.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererFile = path.join(here, '../renderer/index.html');
const rendererUrl = pathToFileURL(rendererFile).href;

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

export const WEB_PREFERENCES = {
  preload: path.join(here, '../preload/index.cjs'),
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  spellcheck: false,
} as const;

let win: BrowserWindow | null = null;

function createWindow(): void {
  win = new BrowserWindow({
    width: 1500,
    height: 950,
    title: 'Hopscope',
    show: false,
    webPreferences: { ...WEB_PREFERENCES },
  });
  win.once('ready-to-show', () => win?.show());
  // Nothing opens new windows; https links go to the user's browser instead.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e, url) => {
    if (url !== rendererUrl) e.preventDefault();
  });
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  win.on('closed', () => (win = null));
  void win.loadFile(rendererFile);
}

void app.whenReady().then(() => {
  // The CSP as a response header too (covers every resource, not only the document's meta tag).
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  // No permission (camera, notifications, …) is ever needed.
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  const backend = new AppService({ mode: 'electron', resourcesDir: path.join(here, '../../resources') });
  const unwire = wireIpc(backend, () => win?.webContents ?? null, rendererUrl);
  createWindow();
  // The first quit waits for the close (a running capture stopped, its counts recorded), then quits again.
  const beforeQuit = closeBeforeQuit(backend, () => app.quit());
  app.on('before-quit', (ev) => {
    unwire();
    beforeQuit(ev);
  });
});

app.on('web-contents-created', (_e, wc) => {
  wc.on('will-navigate', (ev, url) => {
    if (url !== rendererUrl) ev.preventDefault();
  });
  wc.setWindowOpenHandler(() => ({ action: 'deny' }));
});
app.on('window-all-closed', () => app.quit());
