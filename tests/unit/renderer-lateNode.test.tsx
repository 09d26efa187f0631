// @vitest-environment happy-dom
// A node joining a running capture late, as the nodes panel shows it (happy-dom, the real controller and store over
// a scripted API): while the capture waits for it (its card "connecting…", the capture's CaptureStats.nodes naming
// it) it cannot be edited, removed or disconnected, as a capturing node cannot; once it joins, the interfaces the
// glob picked on it show ticked in its tree, once: one the user unticks stays unticked.
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';

import type { CaptureStats } from '../../preload/api.ts';
import { NodesPanel } from '../../renderer/src/components/NodesPanel.tsx';
import { Controller } from '../../renderer/src/controller.ts';
import { AppStore, ifaceKey } from '../../renderer/src/store/appStore.ts';
import { card, iface, ok, renderWith, requestsOf, scriptedApi, unmountAll } from './renderer-helpers.ts';

const counter = (node: string, iface: string) => ({
  node,
  iface,
  packets: 1,
  bytes: 98,
  drops: 0,
  state: 'running' as const,
  error: null,
});

afterEach(unmountAll);

describe('a node joining the running capture late, on its card', () => {
  it('cannot be edited, removed or disconnected while the capture waits for it; its glob’s picks are ticked once it joins', async () => {
    const nodes = [
      card('node-1', 'capturing', [iface('ens33'), iface('cni0', 'bridge')]),
      card('late', 'connecting'),
    ];
    const { api, emit, calls } = scriptedApi({ listNodes: () => ok(nodes) });
    const store = new AppStore();
    const ctl = new Controller(api, store);
    ctl.start();
    await act(async () => {
      await ctl.refreshNodes();
    });
    // Started with node-1's ens33 ticked and `late:ens*` kept for the node not up yet.
    store.set({ chosen: new Set([ifaceKey('node-1', 'ens33')]), globs: ['late:ens*'] });
    const el = renderWith(ctl, <NodesPanel />);
    const lateCard = () => el.querySelector<HTMLElement>('[data-testid=node-card][data-node="late"]')!;
    const button = (text: string) =>
      [...lateCard().querySelectorAll('button')].find((b) => b.textContent === text) ?? null;
    // Before any capture: a connecting node can be removed and edited.
    expect(button('Remove')!.disabled).toBe(false);
    expect(button('Edit')).not.toBeNull();

    const stats = (
      running: boolean,
      nodes: string[],
      counters: ReturnType<typeof counter>[],
    ): CaptureStats => ({
      sessionId: 'cap',
      elapsedMs: 1000,
      running,
      nodes,
      counters,
    });
    // The capture runs on node-1 and waits for `late`.
    act(() => emit('captureStats', stats(true, ['node-1', 'late'], [counter('node-1', 'ens33')])));
    expect(lateCard().dataset.state).toBe('connecting');
    expect(button('Remove')!.disabled).toBe(true);
    expect(button('Remove')!.title).toBe(
      'it joins the running capture when it is up: stop the capture first',
    );
    expect(button('Edit')).toBeNull();

    // It comes up: its interfaces are listed, then its ens33 (what `late:ens*` picks) captures.
    act(() =>
      emit(
        'nodeStatus',
        card('late', 'connected', [iface('ens33'), iface('cni0', 'bridge'), iface('lo', 'loopback')]),
      ),
    );
    expect(button('Remove')!.disabled).toBe(true);
    expect(button('Disconnect')!.disabled).toBe(true);
    act(() =>
      emit(
        'nodeStatus',
        card('late', 'capturing', [iface('ens33'), iface('cni0', 'bridge'), iface('lo', 'loopback')]),
      ),
    );
    act(() =>
      emit(
        'captureStats',
        stats(true, ['node-1', 'late'], [counter('node-1', 'ens33'), counter('late', 'ens33')]),
      ),
    );
    const box = (name: string) => el.querySelector<HTMLInputElement>(`input[aria-label="${name}"]`)!;
    expect(box('late ens33').checked).toBe(true);
    expect(box('late cni0').checked).toBe(false);
    expect(el.querySelector('[data-testid=capture-summary]')!.textContent).toBe(
      'Capturing 2 interfaces on 2 nodes.',
    );

    // Unticked by the user (for the next capture): the next counters leave it so.
    act(() => box('late ens33').click());
    expect(box('late ens33').checked).toBe(false);
    act(() =>
      emit(
        'captureStats',
        stats(true, ['node-1', 'late'], [counter('node-1', 'ens33'), counter('late', 'ens33')]),
      ),
    );
    expect(box('late ens33').checked).toBe(false);

    // Stopped: the node is the user's again.
    act(() => emit('nodeStatus', card('late', 'connected', [iface('ens33'), iface('cni0', 'bridge')])));
    act(() => emit('captureStats', stats(false, [], [counter('node-1', 'ens33'), counter('late', 'ens33')])));
    expect(button('Remove')!.disabled).toBe(false);
    expect(button('Edit')).not.toBeNull();
    await act(async () => button('Remove')!.click());
    expect(requestsOf(calls, 'removeNode')).toContainEqual({ name: 'late' });
    ctl.stop();
  });
});
