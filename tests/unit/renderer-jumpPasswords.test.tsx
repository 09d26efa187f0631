// @vitest-environment happy-dom
// The node forms' jump host passwords (happy-dom, the real controller over a scripted API): one field for a
// single jump host, as before; one field per host for a multi-hop ProxyJump, sent as each host's own password;
// the edit form offers the same, empty (a saved secret is never shown back), sending only what is typed, and so
// for the node's key passphrase and sudo password.
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';

import type { HopscopeApi, NodeInfo, NodeSpec } from '../../preload/api.ts';
import { NodesPanel } from '../../renderer/src/components/NodesPanel.tsx';
import { Controller } from '../../renderer/src/controller.ts';
import { AppStore } from '../../renderer/src/store/appStore.ts';
import { ok, renderWith, scriptedApi, typeInto, unmountAll } from './renderer-helpers.ts';

/** The API with no nodes; every addNode's argument is kept in `added`, every updateNode's in `updated`. */
function nodesApi(aliases: { alias: string; proxyJump: string | null }[] = []) {
  const added: unknown[] = [];
  const updated: { name: string; spec: Record<string, unknown> }[] = [];
  let nodes: NodeInfo[] = [];
  const { api } = scriptedApi({
    listNodes: () => ok(nodes),
    listSshAliases: () => ok(aliases.map((a) => ({ ...a, host: '10.1.10.9', user: null, port: 22 }))),
    updateNode: (req: { name: string; spec: Record<string, unknown> }) => (
      updated.push(req),
      ok({ name: req.spec.name })
    ),
    addNode: (spec: { name: string }) => (added.push(spec), ok({ name: spec.name })),
  });
  /** The node list as listNodes gives it from now on, and as the panel shows it. */
  const show = (ctl: Controller, list: NodeInfo[]) => {
    nodes = list;
    act(() => ctl.store.set({ nodes: list }));
  };
  return { api, added, updated, show };
}

afterEach(unmountAll);

/** The panel mounted over `api`, with typing and clicking as a user does. */
function mount(api: HopscopeApi) {
  const ctl = new Controller(api, new AppStore());
  const el = renderWith(ctl, <NodesPanel />);
  const input = (label: string) => el.querySelector<HTMLInputElement>(`input[aria-label="${label}"]`);
  const type = (label: string, value: string) => typeInto(input(label)!, value);
  const click = (within: string, text: string) =>
    act(async () =>
      [...el.querySelectorAll<HTMLButtonElement>(`${within} button`)]
        .find((b) => b.textContent === text)!
        .click(),
    );
  return { ctl, el, input, type, click };
}

/** A node card as listNodes gives it: its spec without secrets. */
const nodeInfo = (spec: NodeSpec): NodeInfo => ({
  name: spec.name,
  target: spec.alias ?? spec.host!,
  state: 'idle',
  error: null,
  interfaces: [],
  spec,
});

describe('the edit form: jump host passwords', () => {
  it("one empty field per jump host of the chain; only those typed are sent, each as its host's own", async () => {
    const { api, updated, show } = nodesApi();
    const { ctl, el, input, type, click } = mount(api);
    const spec = { name: 'n', host: '10.1.10.9', user: 'u', proxyJump: 'j@bastion, k@inner:2222' };
    show(ctl, [nodeInfo(spec)]);
    await click('[data-testid=node-card]', 'Edit');
    // Empty, saying a blank one is kept: no saved secret is shown back.
    for (const hop of ['j@bastion', 'k@inner:2222']) {
      expect(input(`edit jump host ${hop} password`)!.value).toBe('');
      expect(input(`edit jump host ${hop} password`)!.placeholder).toBe('unchanged');
    }
    type('edit jump host k@inner:2222 password', 'inner-New');
    await click('[data-testid=edit-node]', 'Save');
    expect(updated.pop()).toEqual({
      name: 'n',
      spec: { ...spec, jumpPasswords: [{ host: 'k@inner:2222', password: 'inner-New' }] },
    });

    // One jump host: one field; nothing typed, nothing sent (the one held is kept).
    show(ctl, [nodeInfo({ ...spec, proxyJump: 'j@bastion' })]);
    await click('[data-testid=node-card]', 'Edit');
    expect(input('edit jump host j@bastion password')).toBeNull();
    expect(input('edit jump host password')!.value).toBe('');
    await click('[data-testid=edit-node]', 'Save');
    expect(updated.pop()!.spec).not.toHaveProperty('jumpPassword');
    await click('[data-testid=node-card]', 'Edit');
    type('edit jump host password', 'one-New');
    await click('[data-testid=edit-node]', 'Save');
    expect(updated.pop()!.spec).toMatchObject({ jumpPassword: 'one-New' });
    // No jump host, no field.
    show(ctl, [nodeInfo({ name: 'n', host: '10.1.10.9' })]);
    await click('[data-testid=node-card]', 'Edit');
    expect(el.querySelector('input[aria-label^="edit jump host"]')).toBeNull();
  });

  it("the node's other secrets as the add form has them: key passphrase, sudo password, empty until typed", async () => {
    const { api, updated, show } = nodesApi();
    const { ctl, el, input, type, click } = mount(api);
    const spec: NodeSpec = { name: 'k', host: '10.1.10.9', auth: 'key', identityFile: '/k/id' };
    show(ctl, [nodeInfo(spec)]);
    await click('[data-testid=node-card]', 'Edit');
    expect(input('edit key passphrase')!.value).toBe('');
    expect(input('edit key passphrase')!.placeholder).toBe('unchanged');
    // sudo ticked in the edit: its password field shows, as in the add form.
    expect(input('edit sudo password')).toBeNull();
    act(() => el.querySelector<HTMLInputElement>('[data-testid=edit-node] input[type=checkbox]')!.click());
    type('edit sudo password', 'sudo-New');
    await click('[data-testid=edit-node]', 'Save');
    expect(updated.pop()!.spec).toEqual({ ...spec, sudo: true, sudoPassword: 'sudo-New' });
  });

  it("an alias node: the fields follow its ssh config's ProxyJump", async () => {
    const { api, updated, show } = nodesApi([{ alias: 'node-2', proxyJump: 'bastion,inner' }]);
    const { ctl, input, type, click } = mount(api);
    show(ctl, [nodeInfo({ name: 'node-2', alias: 'node-2' })]);
    await click('[data-testid=node-card]', 'Edit');
    expect(input('edit jump host bastion password')).not.toBeNull();
    type('edit jump host inner password', 'inner-Alias');
    await click('[data-testid=edit-node]', 'Save');
    expect(updated.pop()!.spec).toMatchObject({
      jumpPasswords: [{ host: 'inner', password: 'inner-Alias' }],
    });
  });
});

describe('the add-node form: jump host passwords', () => {
  it('one field for one jump host; one per host, each its own, for a multi-hop ProxyJump', async () => {
    const { api, added } = nodesApi();
    const { el, input, type } = mount(api);
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
