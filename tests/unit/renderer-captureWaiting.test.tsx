// @vitest-environment happy-dom
// Start on a glob alone (happy-dom, the real controller and store over a scripted API): with nothing ticked and a
// glob that matches nothing yet on a connected node (`node-1:veth*` before its first pod), the nodes panel says Start
// will wait, Start is enabled and names what it waits for, the filter is checked on that node, and the request
// asks for no interface but follows the glob; while the capture runs with nothing captured the capture bar says it
// waits, until the first interface shows in its counters. An exact name that matches nothing does not wait.
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';

import type { CaptureStats, NodeInfo, SessionInfo } from '../../preload/api.ts';
import { CaptureBar } from '../../renderer/src/components/CaptureBar.tsx';
import { NodesPanel } from '../../renderer/src/components/NodesPanel.tsx';
import { Panes } from '../../renderer/src/components/Panes.tsx';
import { Controller } from '../../renderer/src/controller.ts';
import { AppStore, waitingGlobs } from '../../renderer/src/store/appStore.ts';
import {
  card,
  iface,
  ok,
  refused,
  renderWith,
  scriptedApi,
  typeInto,
  unmountAll,
} from './renderer-helpers.ts';

/** `nodes` listed, every filter checked out; the capture is not started (the request is what this test is about). */
const nodesApi = (nodes: NodeInfo[]) =>
  scriptedApi({
    listNodes: () => ok(nodes),
    validateFilter: (req: { nodes: string[] }) =>
      ok(req.nodes.map((node) => ({ node, ok: true, message: '' }))),
    startCapture: () => refused('not started here'),
  });

afterEach(unmountAll);

const NODE_1 = card('node-1', 'connected', [iface('ens33'), iface('cni0', 'bridge')]);

describe('Start on a glob that matches nothing yet', () => {
  it('waits for the globs (patterns) naming a node whose interfaces are listed, when nothing is ticked', () => {
    const nodes = [NODE_1, card('node-2', 'connecting'), card('node-3', 'idle', [iface('ens33')])];
    expect(waitingGlobs(nodes, new Set(), ['node-1:veth*'])).toEqual({
      globs: ['node-1:veth*'],
      nodes: ['node-1'],
    });
    // `cali*` names every node: node-1 is listed; node-2 is not yet (it joins late), node-3 was not connected.
    expect(waitingGlobs(nodes, new Set(), ['cali*'])).toEqual({ globs: ['cali*'], nodes: ['node-1'] });
    // An exact name never widens: nothing to wait for; nor a glob naming only nodes not listed.
    expect(waitingGlobs(nodes, new Set(), ['node-1:veth0', 'node-2:veth*', 'node-3:veth*']).globs).toEqual(
      [],
    );
    // Something ticked: Start needs no glob (they widen that capture).
    expect(waitingGlobs(nodes, new Set(['node-1\u0000ens33']), ['node-1:veth*']).globs).toEqual([]);
  });

  it('the panel and Start say it waits; the request follows the glob with no interface; running, the bar says it waits until one is captured', async () => {
    const { api, emit, calls } = nodesApi([NODE_1]);
    const store = new AppStore();
    const ctl = new Controller(api, store);
    ctl.start();
    await act(async () => {
      await ctl.refreshNodes();
    });
    const el = renderWith(
      ctl,
      <>
        <NodesPanel />
        <CaptureBar />
        <Panes />
      </>,
    );
    const startButton = () => el.querySelector<HTMLButtonElement>('[data-testid=start-capture]')!;
    const summary = () => el.querySelector('[data-testid=capture-summary]')!.textContent;
    expect(startButton().disabled).toBe(true);
    expect(summary()).toBe('No interface chosen.');

    // Select `node-1:veth*` in the glob box: it ticks nothing (no veth yet) and is kept.
    const globBox = el.querySelector<HTMLInputElement>('input[aria-label="select interfaces by glob"]')!;
    typeInto(globBox, 'node-1:veth*');
    act(() => [...el.querySelectorAll('button')].find((b) => b.textContent === 'Select')!.click());
    expect(store.get().chosen.size).toBe(0);
    expect(summary()).toBe(
      'No interface chosen: Start waits for interfaces matching node-1:veth* and captures each as it comes up.',
    );
    expect(startButton().disabled).toBe(false);
    expect(startButton().textContent).toBe('● Start: wait for node-1:veth*');
    // The filter is checked on the node the glob waits on.
    await act(async () => new Promise((r) => setTimeout(r, 500)));
    expect(calls.filter((c) => c.method === 'validateFilter').pop()?.req).toEqual({
      filter: '',
      nodes: ['node-1'],
    });

    await act(async () => startButton().click());
    const req = calls.find((c) => c.method === 'startCapture')?.req;
    expect(req).toMatchObject({ targets: [], follow: ['node-1:veth*'] });

    // Running, nothing captured yet: the bar says what it waits for.
    const stats = (counters: CaptureStats['counters']): CaptureStats => ({
      sessionId: 'cap',
      elapsedMs: 1000,
      running: true,
      nodes: ['node-1'],
      counters,
    });
    act(() => emit('captureStats', stats([])));
    expect(el.querySelector('[data-testid=capture-waiting]')?.textContent).toBe(
      'Waiting for interfaces matching node-1:veth*: each is captured as it comes up.',
    );
    // The nodes panel says the capture waits (not that nothing was chosen), the panes that none is captured yet.
    expect(summary()).toBe('Capturing: waiting for interfaces matching node-1:veth*.');
    act(() => store.set({ session: { ...({} as SessionInfo), id: 'cap', live: true, captures: [] } }));
    expect(el.querySelector('[data-testid=panes-empty]')?.textContent).toBe(
      'No interface captured yet: a pane appears for each interface as its capture starts.',
    );
    // The first pod's veth is taken up: captured, no longer waiting.
    act(() =>
      emit(
        'captureStats',
        stats([
          {
            node: 'node-1',
            iface: 'vethfeed0001',
            packets: 0,
            bytes: 24,
            drops: 0,
            state: 'running',
            error: null,
          },
        ]),
      ),
    );
    expect(el.querySelector('[data-testid=capture-waiting]')).toBeNull();
    // The interface captured is ticked; the panel says what the running capture captures, not what it 'will'.
    expect(summary()).toBe(
      'Capturing 1 interface on 1 node, and each new one matching node-1:veth* as it comes up.',
    );
    expect(el.querySelector('[data-testid=capture-summary]')!.getAttribute('title')).toBe(
      'node-1/vethfeed0001',
    );
    // Ticked meanwhile (for the next Start): said apart from what is captured.
    act(() => el.querySelector<HTMLInputElement>('input[aria-label="node-1 ens33"]')!.click());
    expect(summary()).toBe(
      'Capturing 1 interface on 1 node, and each new one matching node-1:veth* as it comes up. ' +
        'Ticked for the next capture: 2 interfaces on 1 node.',
    );
    // Stopped: the ticks are what a Start will capture.
    act(() => emit('captureStats', { ...stats([]), running: false, nodes: [] }));
    expect(summary()).toBe('Will capture 2 interfaces on 1 node.');
    ctl.stop();
  });
});
