// What the Electron IPC wiring and the web-mode server both sit on: one method dispatcher (requests already
// validated by them) and one event source. Implemented by AppService in service.ts.

import type { ApiEventName, ApiMethod, Result, Unsubscribe } from '../../preload/api.ts';

export interface Backend {
  call(method: ApiMethod, req: unknown): Promise<Result<unknown>>;
  on(event: ApiEventName, cb: (payload: unknown) => void): Unsubscribe;
  close(): Promise<void>;
}
