// What the renderer tests share: the API as the back end would answer it, scripted by the test (`scriptedApi`), the
// interface and node cards the nodes panel shows, and rendering under the real controller (`renderWith`, `typeInto`).
import { act, createElement, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';

import type { AppService } from '../../main/app/service.ts';
import type { HopscopeApi, IfaceInfo, NodeInfo, Result } from '../../preload/api.ts';
import { API_EVENTS, API_METHODS } from '../../preload/api.ts';
import { ControllerContext } from '../../renderer/src/context.ts';
import type { Controller } from '../../renderer/src/controller.ts';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const roots: Root[] = [];

/** HopscopeApi straight onto an in-process back end (what IPC or the WebSocket would carry). */
export function inProcessApi(b: Pick<AppService, 'call' | 'on'>): HopscopeApi {
  const api: Record<string, unknown> = {};
  for (const m of API_METHODS) api[m] = (req?: unknown) => b.call(m, req);
  for (const [m, ev] of Object.entries(API_EVENTS)) api[m] = (cb: (p: unknown) => void) => b.on(ev, cb);
  return api as unknown as HopscopeApi;
}

/** Renders `children` under `ctl` (ControllerContext) into an element of its own on the page; unmountAll ends it. */
export function renderWith(ctl: Controller, children: ReactNode): HTMLElement {
  const el = document.createElement('div');
  document.body.append(el);
  const root = createRoot(el);
  roots.push(root);
  act(() => root.render(createElement(ControllerContext.Provider, { value: ctl }, children)));
  return el;
}

/** Unmounts what renderWith rendered (a test file's afterEach). */
export function unmountAll(): void {
  for (const root of roots.splice(0)) act(() => root.unmount());
}

/** Types `text` into an input as the user would: React's onChange sees it. */
export function typeInto(input: HTMLInputElement, text: string): void {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
  act(() => {
    setter.call(input, text);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

export const ok = <T>(value: T): Promise<Result<T>> => Promise.resolve({ ok: true, value });
export const refused = (message: string): Promise<Result<never>> =>
  Promise.resolve({ ok: false, error: { code: 'USAGE', message } });

type Answer = (req: never) => Promise<Result<unknown>>;

export interface ScriptedApi {
  api: HopscopeApi;
  /** Sends an event to the page, as the back end does. */
  emit(event: string, payload: unknown): void;
  /** Every request the page made, in order, with what it asked (answered or not by `answers`). */
  calls: { method: string; req: unknown }[];
}

/**
 * The API as the back end would answer it with nothing to show: no nodes, no open question, no lab, no session
 * (`getSession` refused); every other request answers null. `answers` replaces any of them; every request is recorded
 * in `calls` first.
 */
export function scriptedApi(answers: Partial<Record<keyof HopscopeApi, Answer>> = {}): ScriptedApi {
  const listeners = new Map<string, ((p: unknown) => void)[]>();
  const calls: { method: string; req: unknown }[] = [];
  const defaults: Record<string, Answer> = {
    appInfo: () => ok({ mode: 'web', version: '0' }),
    listNodes: () => ok([]),
    listLoginPrompts: () => ok([]),
    listHostKeyPrompts: () => ok([]),
    labStatus: () =>
      ok({ available: false, reason: null, scenario: null, scenarios: [], sshConfig: null, busy: false }),
    listSshAliases: () => ok([]),
    getSession: () => refused('not shown here'),
  };
  const api: Record<string, unknown> = {};
  for (const m of API_METHODS) {
    const answer = (answers as Record<string, Answer | undefined>)[m] ?? defaults[m] ?? (() => ok(null));
    api[m] = (req: never) => {
      calls.push({ method: m, req });
      return answer(req);
    };
  }
  for (const [m, ev] of Object.entries(API_EVENTS))
    api[m] = (cb: (p: unknown) => void) => {
      listeners.set(ev, [...(listeners.get(ev) ?? []), cb]);
      return () => undefined;
    };
  const emit = (ev: string, payload: unknown) => {
    for (const cb of listeners.get(ev) ?? []) cb(payload);
  };
  return { api: api as unknown as HopscopeApi, emit, calls };
}

/** The requests made of one method, in order. */
export const requestsOf = (calls: ScriptedApi['calls'], method: keyof HopscopeApi): unknown[] =>
  calls.filter((c) => c.method === method).map((c) => c.req);

export const iface = (name: string, kind: IfaceInfo['kind'] = 'physical'): IfaceInfo => ({
  name,
  kind,
  mac: null,
  addresses: [],
  mtu: 1500,
  up: true,
  master: null,
  peer: null,
  vni: null,
  vxlanPort: null,
});

export const card = (name: string, state: NodeInfo['state'], ifaces: IfaceInfo[] = []): NodeInfo => ({
  name,
  target: `root@${name}`,
  state,
  error: null,
  interfaces: ifaces,
  spec: { name, host: name, user: 'root', auth: 'agent' },
});
