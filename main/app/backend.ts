// What the Electron IPC wiring and the web-mode server both sit on: one method dispatcher (requests already
// validated by them) and one event source. Implemented by AppService in service.ts.

import type { ApiEventName, ApiMethod, Result, Unsubscribe } from '../../preload/api.ts';

export interface Backend {
  /**
   * `client`: who asks (web mode: the page's socket). A session a client opens replaces — closes, worker and
   * all — the one it opened before; omitted: the one default client (Electron's window, tests).
   */
  call(method: ApiMethod, req: unknown, client?: object): Promise<Result<unknown>>;
  on(event: ApiEventName, cb: (payload: unknown) => void): Unsubscribe;
  /** The client is gone (its page closed or reloaded): its sessions are closed. */
  release?(client: object): void;
  close(): Promise<void>;
}
