// @vitest-environment happy-dom
// The hop ladder and the app's panes rendered in happy-dom on a real journey: the sample session (recorded in
// the lab: a pod on node-1 pinging a pod on node-2 over flannel VXLAN), served by the real AppService in-process.
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { JourneyView, SessionInfo } from '../../preload/api.ts';
import { AppService } from '../../main/app/service.ts';
import { App } from '../../renderer/src/App.tsx';
import { HopLadder, pieceRuns } from '../../renderer/src/components/HopLadder.tsx';
import { ControllerContext } from '../../renderer/src/context.ts';
import { Controller } from '../../renderer/src/controller.ts';
import { AppStore } from '../../renderer/src/store/appStore.ts';
import { FLANNEL_VXLAN_PATH } from './correlate-helpers.ts';
import { inProcessApi } from './renderer-helpers.ts';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let backend: AppService;
let session: SessionInfo;
let ping: JourneyView;

beforeAll(async () => {
  backend = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
  const r = await backend.call('openSample', undefined);
  if (!r.ok) throw new Error(r.error.message);
  session = r.value as SessionInfo;
  const j = await backend.call('getJourney', { sessionId: session.id, journeyId: 0 });
  if (!j.ok) throw new Error(j.error.message);
  ping = j.value as JourneyView;
}, 60_000);
afterAll(() => backend.close());

async function render(el: React.ReactElement): Promise<{ root: Root; div: HTMLDivElement }> {
  const div = document.createElement('div');
  document.body.appendChild(div);
  const root = createRoot(div);
  await act(async () => root.render(el));
  return { root, div };
}

describe('HopLadder', () => {
  it('draws the eight hops of the VXLAN ping with TTLs, MAC owners and the VXLAN box on ens33', async () => {
    const { root, div } = await render(
      <HopLadder journey={ping} baseNs={session.baseNs} selectedPacket={ping.hopList[3].packet} />,
    );
    const hops = [...div.querySelectorAll('[data-testid=hop]')] as HTMLElement[];
    expect(hops.map((h) => `${h.dataset.node}/${h.dataset.iface}`)).toEqual(FLANNEL_VXLAN_PATH);
    expect(hops.map((h) => Number(h.dataset.ttl))).toEqual([64, 64, 63, 63, 63, 63, 62, 62]);
    // The encapsulation box exists exactly on the two ens33 hops, with the outer headers.
    const boxed = hops.filter((h) => h.querySelector('[data-testid=encap-vxlan]'));
    expect(boxed.map((h) => `${h.dataset.node}/${h.dataset.iface}`)).toEqual([
      'node-1/ens33',
      'node-2/ens33',
    ]);
    const box = boxed[0].querySelector('[data-testid=encap-vxlan]')!;
    expect(box.textContent).toContain('10.1.10.9 → 10.1.10.10');
    expect(box.textContent).toContain('VNI 1');
    expect(box.textContent).toContain('8472');
    // Pushed on node-1/ens33, popped on node-2/flannel.1; TTL changes highlighted where they happen.
    expect(hops[3].querySelector('[data-testid=encap-pushed]')?.textContent).toBe('+VXLAN');
    expect(hops[5].querySelector('[data-testid=encap-popped]')?.textContent).toBe('−VXLAN');
    expect(hops[2].querySelector('[data-testid=ttl]')!.className).toContain('changed');
    expect(hops[1].querySelector('[data-testid=ttl]')!.className).not.toContain('changed');
    // MAC owners come from the nodes' interfaces.
    expect(hops[3].querySelector('[data-testid=mac]')!.textContent).toContain('node-1/ens33');
    expect(hops[3].querySelector('[data-testid=mac]')!.textContent).toContain('node-2/ens33');
    expect(hops[3].className).toContain('selected');
    await act(async () => root.unmount());
  });

  it('draws nested boxes outermost first and highlights NAT changes', async () => {
    const hop = { ...ping.hopList[3] };
    const nat: JourneyView = {
      ...ping,
      hopList: [
        {
          ...hop,
          encap: [hop.encap[0], { type: 'ipip', outerSrc: '192.0.2.1', outerDst: '192.0.2.2' }],
          changes: ['nat-dst'],
        },
      ],
    };
    const { root, div } = await render(
      <HopLadder journey={nat} baseNs={session.baseNs} selectedPacket={-1} />,
    );
    const outer = div.querySelector('[data-testid=encap-vxlan]')!;
    expect(outer.querySelector('[data-testid=encap-ipip]')).not.toBeNull();
    expect(div.querySelector('[data-testid=nat-dst]')?.className).toBe('nat-changed');
    expect(div.querySelector('[data-testid=hop]')!.className).toContain('nat');
    await act(async () => root.unmount());
  });
});

describe('HopLadder on a `tcpdump -i any` journey', () => {
  it("shows each hop's source MAC and owner, and says a cooked capture has no destination", async () => {
    const r = await backend.call('openPaths', { paths: ['tests/fixtures/any-flannel-vxlan'] });
    if (!r.ok) throw new Error(r.error.message);
    const any = r.value as SessionInfo;
    try {
      const list = await backend.call('listJourneys', { sessionId: any.id, filter: '', from: 0, count: 50 });
      if (!list.ok) throw new Error(list.error.message);
      const id = (list.value as { items: { id: number; hops: number }[] }).items.find(
        (j) => j.hops === 8,
      )!.id;
      const j = await backend.call('getJourney', { sessionId: any.id, journeyId: id });
      if (!j.ok) throw new Error(j.error.message);
      const view = j.value as JourneyView;
      const { root, div } = await render(
        <HopLadder journey={view} baseNs={any.baseNs} selectedPacket={-1} />,
      );
      const macs = [...div.querySelectorAll('[data-testid=mac]')].map((m) => m.textContent!);
      expect(macs).toHaveLength(8);
      for (const [i, m] of macs.entries()) {
        expect(m).toContain(view.hopList[i].eth!.src);
        expect(m).toContain('? (cooked capture)');
      }
      expect(macs[0]).toContain(`pod behind ${view.hopList[0].node}/${view.hopList[0].iface}`);
      expect(div.textContent).not.toContain('no link-layer header');
      await act(async () => root.unmount());
    } finally {
      await backend.call('closeSession', { sessionId: any.id });
    }
  });
});

describe('HopLadder on a TCP segment cut on the way (tests/fixtures/gso-vxlan)', () => {
  let gso: SessionInfo;
  let view: JourneyView;
  beforeAll(async () => {
    const r = await backend.call('openPaths', { paths: ['tests/fixtures/gso-vxlan'] });
    if (!r.ok) throw new Error(r.error.message);
    gso = r.value as SessionInfo;
    const list = await backend.call('listJourneys', {
      sessionId: gso.id,
      filter: 'length 6990',
      from: 0,
      count: 5,
    });
    if (!list.ok) throw new Error(list.error.message);
    const id = (list.value as { items: { id: number }[] }).items[0].id;
    const j = await backend.call('getJourney', { sessionId: gso.id, journeyId: id });
    if (!j.ok) throw new Error(j.error.message);
    view = j.value as JourneyView;
  });
  afterAll(() => backend.call('closeSession', { sessionId: gso.id }));

  const shown = (div: HTMLElement) =>
    ([...div.querySelectorAll('[data-testid=hop]')] as HTMLElement[]).map((h) => Number(h.dataset.index));

  it('folds the five pieces between the first and the last, says their bytes and opens them on a click', async () => {
    // Hops 5–9 (indices 4–8) are node-2/ens33's pieces of node-1's 6,990-byte segment.
    expect(view.hopList.map((h) => h.piece?.start ?? null)).toEqual([
      null,
      null,
      null,
      null,
      0,
      1398,
      2796,
      4194,
      5592,
      null,
      null,
      null,
    ]);
    expect(pieceRuns(view.hopList)).toEqual([[4, 8]]);
    const first = view.hopList[0].packet;
    const { root, div } = await render(
      <HopLadder journey={view} baseNs={gso.baseNs} selectedPacket={first} />,
    );
    expect(shown(div)).toEqual([0, 1, 2, 3, 4, 8, 9, 10, 11]);
    const fold = div.querySelector('[data-testid=piece-fold]') as HTMLElement;
    expect(fold.dataset.open).toBe('false');
    expect(fold.textContent).toContain('3 more pieces');
    expect(fold.textContent).toContain('bytes 1398:5592');
    expect([...div.querySelectorAll('[data-testid=piece-bytes]')].map((b) => b.textContent!.trim())).toEqual([
      'bytes 0:1398 of 6990',
      'bytes 5592:6990 of 6990',
    ]);
    // ↓ from the first piece goes to the last shown one (the fold row is no hop).
    const picked: number[] = [];
    await act(async () =>
      root.render(
        <HopLadder
          journey={view}
          baseNs={gso.baseNs}
          selectedPacket={first}
          onPickHop={(h) => picked.push(h.packet)}
        />,
      ),
    );
    const rows = () => [...div.querySelectorAll('[data-testid=hop]')] as HTMLElement[];
    await act(async () =>
      rows()[4].dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true })),
    );
    expect(picked).toEqual([view.hopList[8].packet]);
    await act(async () => (fold.querySelector('button') as HTMLButtonElement).click());
    expect(shown(div)).toEqual([...view.hopList.keys()]);
    const open = div.querySelector('[data-testid=piece-fold]') as HTMLElement;
    expect(open.dataset.open).toBe('true');
    expect(open.textContent).toContain('Fold the 3 pieces between hops 5 and 9');
    await act(async () => (open.querySelector('button') as HTMLButtonElement).click());
    expect(shown(div)).toEqual([0, 1, 2, 3, 4, 8, 9, 10, 11]);
    await act(async () => root.unmount());
  });

  it('shows the run whole when the selected packet is one of the folded pieces', async () => {
    const { root, div } = await render(
      <HopLadder journey={view} baseNs={gso.baseNs} selectedPacket={view.hopList[6].packet} />,
    );
    expect(shown(div)).toEqual([...view.hopList.keys()]);
    expect(div.querySelector('[data-testid=piece-fold]')).toBeNull();
    expect(div.querySelector('[data-index="6"]')!.className).toContain('selected');
    await act(async () => root.unmount());
  });
});

describe('App on the sample session', () => {
  it('opens the sample, shows one pane per interface, and highlights the selected journey in every pane', async () => {
    const store = new AppStore({ theme: 'light' });
    const ctl = new Controller(inProcessApi(backend), store);
    ctl.start();
    const { root, div } = await render(
      <ControllerContext.Provider value={ctl}>
        <App />
      </ControllerContext.Provider>,
    );
    await act(async () => ctl.openSample());
    await act(async () => new Promise((r) => setTimeout(r, 50)));
    const panes = [...div.querySelectorAll('[data-testid=pane]')] as HTMLElement[];
    expect(panes.map((p) => p.dataset.capture).sort()).toEqual(
      session.captures.map((c) => `${c.node}/${c.iface}`).sort(),
    );
    expect(ctl.packets.count).toBe(session.packets);
    // Select the echo request's packet on node-1/ens33: its journey is highlighted in all eight panes.
    const hop = ping.hopList[3];
    await act(async () => ctl.selectPacket(hop.packet));
    await act(async () => new Promise((r) => setTimeout(r, 50)));
    expect(store.get().selectedJourney).toBe(ping.id);
    expect(store.get().journeyView?.hopList.length).toBe(8);
    // happy-dom has no layout, so the virtualizer renders no rows; check the store's per-pane answer instead.
    for (const c of session.captures) {
      const pos = ctl.packets.findJourneyInCapture(c.index, ping.id);
      expect(pos, `${c.node}/${c.iface}`).toBeGreaterThanOrEqual(0);
    }
    // Keyboard: ↓ moves within the focused pane (node-1/ens33).
    const before = store.get().selectedPacket;
    await act(async () => window.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown' })));
    const after = store.get().selectedPacket;
    expect(after).not.toBe(before);
    expect(ctl.packets.capture.data[after]).toBe(hop.capture);
    expect(div.querySelector('[data-testid=hop-ladder]')).not.toBeNull();
    ctl.stop();
    await act(async () => root.unmount());
  });
});
