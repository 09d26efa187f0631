// @vitest-environment happy-dom
// A journey said stopped (main/correlate/stops.ts), as the app shows it: the recorded drops
// (tests/fixtures/drops-flannel-vxlan) opened through the real AppService in-process, the real controller and store.
// The journey's title carries a "stopped after …" badge and its ladder ends with the CLI's ✗ line and the evidence;
// a delivered journey has neither.
import { act } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';

import type { JourneyPage, SessionInfo } from '../../preload/api.ts';
import { AppService } from '../../main/app/service.ts';
import { JourneyPanel } from '../../renderer/src/components/JourneyPanel.tsx';
import { Controller } from '../../renderer/src/controller.ts';
import { AppStore } from '../../renderer/src/store/appStore.ts';
import { FIXTURES } from './correlate-helpers.ts';
import { inProcessApi, renderWith, unmountAll } from './renderer-helpers.ts';

let backend: AppService;
let session: SessionInfo;
let page: JourneyPage;

beforeAll(async () => {
  backend = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
  const r = await backend.call('openPaths', { paths: [join(FIXTURES, 'drops-flannel-vxlan')] });
  if (!r.ok) throw new Error(r.error.message);
  session = r.value as SessionInfo;
  const p = await backend.call('listJourneys', { sessionId: session.id, filter: '', from: 0, count: 100 });
  if (!p.ok) throw new Error(p.error.message);
  page = p.value as JourneyPage;
}, 60_000);
afterAll(() => backend.close());
afterEach(unmountAll);

describe('a journey said stopped, in the app', () => {
  it('the journey list says which journeys stopped and where', () => {
    const stopped = page.items.filter((j) => j.stop);
    expect(stopped.map((j) => j.stop!.after)).toEqual([
      'node-2/flannel.1',
      'node-2/flannel.1',
      'node-2/flannel.1',
      'node-2/flannel.1',
      'node-2/flannel.1',
      'node-1/flannel.1',
      'node-1/flannel.1',
    ]);
    // The rejected requests' evidence names node-1's admin-prohibited error (read from its frame).
    expect(stopped[5].stop!.evidence.at(-1)).toMatch(
      /^ICMP error in its flow, journey \d+: 10\.244\.0\.0 > 10\.244\.1\.34: ICMP host 10\.244\.0\.12 unreachable - admin prohibited filter/,
    );
  });

  it('a stopped journey has the badge and the ✗ line under its ladder; a delivered one neither', async () => {
    // happy-dom lays nothing out: the list's virtualizer is given a 600 px tall scroll box so that it draws rows.
    for (const [prop, px] of [
      ['clientHeight', 600],
      ['clientWidth', 800],
    ] as const)
      Object.defineProperty(HTMLElement.prototype, prop, { configurable: true, get: () => px });
    const store = new AppStore({ theme: 'light' });
    const ctl = new Controller(inProcessApi(backend), store);
    ctl.start();
    await act(async () => ctl.openPaths([join(FIXTURES, 'drops-flannel-vxlan')]));
    const el = renderWith(ctl, <JourneyPanel />);
    // Until the journey's view has come back (the back end answers asynchronously; a loaded machine is slow).
    const show = async (id: number) => {
      await act(async () => ctl.selectJourney(id));
      for (let i = 0; i < 200 && store.get().journeyView?.id !== id; i++)
        await act(async () => new Promise((r) => setTimeout(r, 10)));
    };
    // The list: every row of a stopped journey, and only those, carries the badge.
    const badged = () =>
      [...el.querySelectorAll<HTMLElement>('[data-testid=journey-row]')]
        .filter((r) => r.querySelector('[data-testid=journey-stopped]'))
        .map((r) => Number(r.dataset.journey));
    for (let i = 0; i < 200 && el.querySelectorAll('[data-testid=journey-row]').length < page.total; i++)
      await act(async () => new Promise((r) => setTimeout(r, 10)));
    expect(el.querySelectorAll('[data-testid=journey-row]')).toHaveLength(page.total);
    expect(badged()).toEqual(page.items.filter((j) => j.stop).map((j) => j.id));
    const first = page.items.find((j) => j.stop)!;
    await show(first.id);
    expect(store.get().journeyView?.id).toBe(first.id);
    const detail = el.querySelector('.journey-detail')!;
    expect(detail.querySelector('[data-testid=journey-stopped]')?.textContent).toBe(
      '✗ stopped after node-2/flannel.1',
    );
    const line = detail.querySelector('[data-testid=hop-stop]')!;
    expect(line.firstElementChild?.textContent).toBe(
      '✗ not seen after node-2/flannel.1, though node-2/cni0 and node-2/veth470beb22 were capturing',
    );
    expect([...line.querySelectorAll('[data-testid=stop-evidence]')].map((e) => e.textContent)).toEqual(
      first.stop!.evidence,
    );
    expect(first.stop!.evidence[0]).toMatch(
      /^4 of the 5 other packets 10\.244\.0\.12 > 10\.244\.1\.34 id \d+ /,
    );
    // The line comes after the last hop, inside the ladder.
    const ladder = detail.querySelector('[data-testid=hop-ladder]')!;
    expect(ladder.lastElementChild).toBe(line);
    expect(ladder.querySelectorAll('[data-testid=hop]')).toHaveLength(6);

    const delivered = page.items.find((j) => !j.stop && j.hops === 8)!;
    await show(delivered.id);
    expect(store.get().journeyView?.id).toBe(delivered.id);
    expect(detail.querySelector('[data-testid=journey-stopped]')).toBeNull();
    expect(detail.querySelector('[data-testid=hop-stop]')).toBeNull();
    ctl.stop();
    for (const prop of ['clientHeight', 'clientWidth'])
      delete (HTMLElement.prototype as unknown as Record<string, unknown>)[prop];
  });
});
