// Web-mode implementation of HopscopeApi: the same interface as the Electron bridge, over one WebSocket
// (binary frames from preload/wire.ts), so the rest of the renderer cannot tell which one it has.

import {
  API_EVENTS,
  API_METHODS,
  type ApiEventName,
  type HopscopeApi,
  type Result,
  type Unsubscribe,
} from '../../../preload/api.ts';
import { decodeMessage, encodeMessage, type WireServerMessage } from '../../../preload/wire.ts';
import { expandColumns } from '../../../preload/fillColumns.ts';

export function createWsApi(wsUrl: string): HopscopeApi {
  let nextId = 1;
  const pending = new Map<number, (r: Result<unknown>) => void>();
  const methods = new Map<number, string>();
  const listeners = new Map<ApiEventName, Set<(p: unknown) => void>>();
  const queue: Uint8Array[] = [];
  let ws: WebSocket | null = null;
  let closedError: string | null = null;

  function connect(): WebSocket {
    const s = new WebSocket(wsUrl);
    s.binaryType = 'arraybuffer';
    s.onopen = () => {
      for (const m of queue.splice(0)) s.send(m);
    };
    s.onmessage = (ev) => {
      if (!(ev.data instanceof ArrayBuffer)) return;
      // The message's ArrayBuffer is ours alone: columns are viewed in place, not copied.
      const msg = decodeMessage(new Uint8Array(ev.data), true) as WireServerMessage;
      if (msg.t === 'res') {
        const res = msg.res as Result<unknown>;
        // Packet batches may carry constant columns as markers (preload/fillColumns.ts).
        if (res.ok && methods.get(msg.id) === 'getPackets') expandColumns(res.value);
        methods.delete(msg.id);
        pending.get(msg.id)?.(res);
        pending.delete(msg.id);
      } else if (msg.t === 'evt') {
        const payload = msg.name === API_EVENTS.onPacketBatch ? expandColumns(msg.payload) : msg.payload;
        listeners.get(msg.name as ApiEventName)?.forEach((cb) => cb(payload));
      }
    };
    s.onclose = () => {
      closedError = 'the connection to the Hopscope server was closed';
      for (const [id, resolve] of pending) {
        resolve({ ok: false, error: { code: 'INTERNAL', message: closedError } });
        pending.delete(id);
      }
      methods.clear();
    };
    return s;
  }

  function call(method: string, req?: unknown): Promise<Result<unknown>> {
    if (closedError) return Promise.resolve({ ok: false, error: { code: 'INTERNAL', message: closedError } });
    ws ??= connect();
    const id = nextId++;
    methods.set(id, method);
    const frame = encodeMessage({ t: 'req', id, method, req });
    return new Promise((resolve) => {
      pending.set(id, resolve);
      if (ws!.readyState === WebSocket.OPEN) ws!.send(frame);
      else queue.push(frame);
    });
  }

  function on(name: ApiEventName, cb: (p: unknown) => void): Unsubscribe {
    ws ??= connect();
    let set = listeners.get(name);
    if (!set) listeners.set(name, (set = new Set()));
    set.add(cb);
    return () => void set.delete(cb);
  }

  const api: Record<string, unknown> = {};
  for (const m of API_METHODS) api[m] = (req?: unknown) => call(m, req);
  for (const [method, name] of Object.entries(API_EVENTS))
    api[method] = (cb: (p: unknown) => void) => on(name, cb);
  return api as unknown as HopscopeApi;
}
