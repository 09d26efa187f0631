// Picks the API implementation: the Electron preload's window.hopscope, else web mode's WebSocket (token from the URL).

import type { HopscopeApi } from '../../../preload/api.ts';
import { createWsApi } from './wsClient.ts';

declare global {
  interface Window {
    hopscope?: HopscopeApi;
  }
}

let api: HopscopeApi | null = null;

export function getApi(): HopscopeApi {
  if (api) return api;
  if (window.hopscope) return (api = window.hopscope);
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  api = createWsApi(`${proto}//${location.host}/ws?token=${encodeURIComponent(token)}`);
  return api;
}

/** Tests inject their own implementation. */
export function setApi(a: HopscopeApi | null): void {
  api = a;
}
