// @vitest-environment happy-dom
// The login dialog (happy-dom, the real controller and store over a scripted API): a question open before the page
// loaded is shown (a reload, a second tab); it names who asks and shows the prompts as ssh words them, hidden
// unless the server wants them shown; questions queue; Log in sends the answers, Cancel sends none; one answered in
// another page goes; the host-key dialog goes first.
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';

import type { HostKeyPrompt, LoginPrompt } from '../../preload/api.ts';
import { LoginDialog } from '../../renderer/src/components/LoginDialog.tsx';
import { Controller } from '../../renderer/src/controller.ts';
import { AppStore } from '../../renderer/src/store/appStore.ts';
import { ok, renderWith, requestsOf, scriptedApi, typeInto, unmountAll } from './renderer-helpers.ts';

const jumpQuestion: LoginPrompt = {
  promptId: 'p1',
  node: 'node-1',
  user: 'ops',
  host: '10.1.10.2:22',
  jumpHost: 'bastion',
  method: 'password',
  name: '',
  instructions: '',
  prompts: [{ prompt: "ops@10.1.10.2's password: ", echo: false }],
  refused: 0,
};
const kbdQuestion: LoginPrompt = {
  promptId: 'p2',
  node: 'node-2',
  user: 'root',
  host: '10.1.10.10:22',
  method: 'keyboard-interactive',
  name: 'lab',
  instructions: 'Two answers',
  prompts: [
    { prompt: '(root@10.1.10.10) Password: ', echo: false },
    { prompt: '(root@10.1.10.10) Verification code: ', echo: true },
  ],
  refused: 1,
};

afterEach(unmountAll);

async function mount(open: LoginPrompt[], hostKeys: HostKeyPrompt[] = []) {
  // The questions open before the page loaded; `answers()` gives what the dialog sent back so far.
  const s = scriptedApi({ listLoginPrompts: () => ok(open), listHostKeyPrompts: () => ok(hostKeys) });
  const answers = () => requestsOf(s.calls, 'answerLogin');
  const store = new AppStore();
  const ctl = new Controller(s.api, store);
  await act(async () => {
    ctl.start();
    await Promise.resolve();
  });
  const el = renderWith(ctl, <LoginDialog />);
  const dialog = () => el.querySelector<HTMLElement>('[data-testid=login-dialog]');
  const inputs = () => [...el.querySelectorAll<HTMLInputElement>('[data-testid=login-answer]')];
  return { emit: s.emit, answers, ctl, store, el, dialog, inputs, type: typeInto };
}

describe('the login dialog', () => {
  it('shows a question open before the page loaded, queues the next, and sends the answers typed', async () => {
    const { emit, answers, dialog, inputs, type } = await mount([jumpQuestion]);
    expect(dialog()!.dataset.node).toBe('node-1');
    expect(dialog()!.querySelector('h3')!.textContent).toBe(
      'Log in to jump host bastion 10.1.10.2:22 for node-1',
    );
    expect(dialog()!.textContent).toContain("ops@10.1.10.2's password: ");
    expect(dialog()!.textContent).not.toContain('Permission denied');
    expect(inputs().map((i) => i.type)).toEqual(['password']);

    // Another node asks meanwhile: it waits its turn.
    act(() => emit('loginPrompt', kbdQuestion));
    expect(dialog()!.dataset.node).toBe('node-1');
    expect(dialog()!.textContent).toContain('1 more question waiting.');

    type(inputs()[0], 'bastion-secret');
    act(() => dialog()!.querySelector<HTMLButtonElement>('[data-testid=login-submit]')!.click());
    expect(answers()).toEqual([{ promptId: 'p1', answers: ['bastion-secret'] }]);

    // The next question, its fields empty: the password hidden, the code shown as typed, the retry said.
    expect(dialog()!.dataset.node).toBe('node-2');
    expect(dialog()!.querySelector('h3')!.textContent).toBe('Log in to node-2');
    expect(dialog()!.textContent).toContain('Permission denied, please try again.');
    expect(dialog()!.textContent).toContain('lab');
    expect(dialog()!.textContent).toContain('Two answers');
    expect(dialog()!.textContent).toContain('(root@10.1.10.10) Verification code: ');
    expect(inputs().map((i) => [i.type, i.value])).toEqual([
      ['password', ''],
      ['text', ''],
    ]);
    type(inputs()[0], 'pw');
    type(inputs()[1], '424242');
    act(() => dialog()!.querySelector<HTMLButtonElement>('[data-testid=login-submit]')!.click());
    expect(answers().at(-1)).toEqual({ promptId: 'p2', answers: ['pw', '424242'] });
    expect(dialog()).toBeNull();
  });

  it('Cancel answers none; a question answered in another page goes; the host-key dialog goes first', async () => {
    const { emit, answers, dialog } = await mount([]);
    expect(dialog()).toBeNull();
    act(() => emit('loginPrompt', jumpQuestion));
    act(() => dialog()!.querySelector<HTMLButtonElement>('[data-testid=login-cancel]')!.click());
    expect(answers()).toEqual([{ promptId: 'p1', answers: null }]);
    expect(dialog()).toBeNull();

    act(() => emit('loginPrompt', kbdQuestion));
    expect(dialog()!.dataset.node).toBe('node-2');
    act(() => emit('loginPromptClosed', { promptId: 'p2' }));
    expect(dialog()).toBeNull();
    expect(answers()).toHaveLength(1);

    const key: HostKeyPrompt = {
      promptId: 'k',
      node: 'node-1',
      host: '10.1.10.9:22',
      keyType: 'ssh-ed25519',
      fingerprint: 'SHA256:x',
    };
    act(() => emit('hostKeyPrompt', key));
    act(() => emit('loginPrompt', { ...jumpQuestion, promptId: 'p3' }));
    expect(dialog()).toBeNull();
    // The host key answered in another page: it goes from this one too, and the login question shows.
    act(() => emit('hostKeyPromptClosed', { promptId: 'k' }));
    expect(dialog()!.dataset.node).toBe('node-1');
  });

  it('a host-key question open before the page loaded is shown (a reload, a second tab), before any login', async () => {
    const key: HostKeyPrompt = {
      promptId: 'k0',
      node: 'node-2',
      host: '10.1.10.10:22',
      keyType: 'ssh-ed25519',
      fingerprint: 'SHA256:y',
    };
    const { store, dialog } = await mount([jumpQuestion], [key]);
    expect(store.get().hostKeyPrompts).toEqual([key]);
    expect(dialog()).toBeNull();
  });
});
