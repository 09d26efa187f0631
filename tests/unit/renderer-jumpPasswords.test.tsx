// @vitest-environment happy-dom
// The add-node form's jump host passwords (happy-dom, the real controller over a scripted API): one field for a
// single jump host, as before; one field per host for a multi-hop ProxyJump, sent as each host's own password.
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';

import type { HopscopeApi, Result } from '../../preload/api.ts';
import { API_EVENTS, API_METHODS } from '../../preload/api.ts';
import { NodesPanel } from '../../renderer/src/components/NodesPanel.tsx';
import { ControllerContext } from '../../renderer/src/context.ts';
import { Controller } from '../../renderer/src/controller.ts';
import { AppStore } from '../../renderer/src/store/appStore.ts';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** The API with no nodes; every addNode's argument is kept in `added`. */
function scriptedApi() {
  const added: unknown[] = [];
  const api: Record<string, unknown> = {};
  const ok = <T,>(value: T): Promise<Result<T>> => Promise.resolve({ ok: true, value });
  for (const m of API_METHODS) api[m] = () => ok(null);
  api.appInfo = () => ok({ mode: 'web', version: '0' });
  api.listNodes = () => ok([]);
  api.labStatus = () =>
    ok({ available: false, reason: null, scenario: null, scenarios: [], sshConfig: null, busy: false });
  api.listSshAliases = () => ok([]);
  api.getSession = () => Promise.resolve({ ok: false, error: { code: 'USAGE', message: 'not shown here' } });
  api.addNode = (spec: { name: string }) => (added.push(spec), ok({ name: spec.name }));
  for (const m of Object.keys(API_EVENTS)) api[m] = () => () => undefined;
  return { api: api as unknown as HopscopeApi, added };
}

let root: Root | null = null;
afterEach(() => {
  act(() => root?.unmount());
  root = null;
});

describe('the add-node form: jump host passwords', () => {
  it('one field for one jump host; one per host, each its own, for a multi-hop ProxyJump', async () => {
    const { api, added } = scriptedApi();
    const ctl = new Controller(api, new AppStore());
    const el = document.createElement('div');
    document.body.append(el);
    root = createRoot(el);
    act(() =>
      root!.render(
        <ControllerContext.Provider value={ctl}>
          <NodesPanel />
        </ControllerContext.Provider>,
      ),
    );
    const input = (label: string) => el.querySelector<HTMLInputElement>(`input[aria-label="${label}"]`);
    const type = (label: string, value: string) => {
      const box = input(label)!;
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
      act(() => {
        setter.call(box, value);
        box.dispatchEvent(new Event('input', { bubbles: true }));
      });
    };
    const add = () =>
      act(async () => el.querySelector<HTMLButtonElement>('[data-testid=add-node-button]')!.click());
    act(() => [...el.querySelectorAll('button')].find((b) => b.textContent === 'host')!.click());
    type('host', '10.1.10.9');

    type('proxy jump', 'j@bastion');
    expect(input('jump host password')).not.toBeNull();
    type('jump host password', 'one-Secret');
    await add();
    expect(added.pop()).toMatchObject({ proxyJump: 'j@bastion', jumpPassword: 'one-Secret' });

    type('host', '10.1.10.10');
    type('proxy jump', 'j@bastion, k@inner:2222');
    expect(input('jump host password')).toBeNull();
    type('jump host j@bastion password', 'outer-Secret');
    type('jump host k@inner:2222 password', 'inner-Secret');
    await add();
    const spec = added.pop() as Record<string, unknown>;
    expect(spec.jumpPasswords).toEqual([
      { host: 'j@bastion', password: 'outer-Secret' },
      { host: 'k@inner:2222', password: 'inner-Secret' },
    ]);
    expect(spec).not.toHaveProperty('jumpPassword');
    // Cleared once added.
    expect(input('jump host j@bastion password')!.value).toBe('');
  });
});
