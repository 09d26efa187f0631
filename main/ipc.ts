// Electron IPC wiring: one handler per API method, each argument validated before the backend sees it, and
// backend events forwarded to the window. Handlers refuse calls from any frame but our own top-level page.

import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';

import { API_EVENTS, API_METHODS, type ApiEventName, type Unsubscribe } from '../preload/api.ts';
import type { Backend } from './app/backend.ts';
import { validateRequest } from './app/validate.ts';

/** Only our packaged renderer (file://…/renderer/index.html) may call in. */
export function senderAllowed(e: Pick<IpcMainInvokeEvent, 'senderFrame'>, rendererUrl: string): boolean {
  const frame = e.senderFrame;
  return !!frame && frame.parent === null && frame.url.split('#')[0] === rendererUrl;
}

export function wireIpc(
  backend: Backend,
  target: () => WebContents | null,
  rendererUrl: string,
): Unsubscribe {
  for (const method of API_METHODS) {
    ipcMain.handle(`hopscope:${method}`, async (e, req: unknown) => {
      if (!senderAllowed(e, rendererUrl))
        return { ok: false, error: { code: 'USAGE', message: 'unknown sender' } };
      const why = validateRequest(method, req);
      if (why) return { ok: false, error: { code: 'USAGE', message: why } };
      return backend.call(method, req);
    });
  }
  const unsubs = (Object.values(API_EVENTS) as ApiEventName[]).map((name) =>
    backend.on(name, (payload) => {
      const wc = target();
      if (wc && !wc.isDestroyed()) wc.send(`hopscope:event:${name}`, payload);
    }),
  );
  return () => {
    for (const method of API_METHODS) ipcMain.removeHandler(`hopscope:${method}`);
    unsubs.forEach((u) => u());
  };
}
