// @vitest-environment happy-dom
// The journey filter across an open (renderer/src/controller.ts showSession): the session shown before had its own
// filter, which the new one does not take (it would hide its journeys), but what the user typed while the files
// were opening is for them and stays. Through the real AppService in-process, the open held until the test has
// typed (an open of a large capture takes seconds: typing meanwhile is what a user does).
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';

import type { HopscopeApi } from '../../preload/api.ts';
import { AppService } from '../../main/app/service.ts';
import { Controller } from '../../renderer/src/controller.ts';
import { AppStore } from '../../renderer/src/store/appStore.ts';
import { FIXTURES } from './correlate-helpers.ts';
import { inProcessApi } from './renderer-helpers.ts';

const backend = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
afterAll(() => backend.close());

/** The API, each openPaths answered only once the test calls the `release` hold() gave before it was called. */
function heldOpens(): { api: HopscopeApi; hold: () => () => void } {
  const api = inProcessApi(backend);
  let gate: Promise<void> = Promise.resolve();
  const openPaths = api.openPaths.bind(api);
  api.openPaths = async (req) => {
    const mine = gate; // the gate armed for this call
    const r = await openPaths(req);
    await mine;
    return r;
  };
  const hold = () => {
    let release = () => {};
    gate = new Promise<void>((resolve) => (release = resolve));
    return release;
  };
  return { api, hold };
}

describe('the journey filter across an open', () => {
  it.each([
    ['typed while the files opened: kept', 'echo request', 'echo request'],
    ['not touched: the session before’s is not taken', null, ''],
  ])('%s', async (_, typed, want) => {
    const { api, hold } = heldOpens();
    const store = new AppStore({ theme: 'light' });
    const ctl = new Controller(api, store);
    ctl.start();
    await ctl.openPaths([join(FIXTURES, 'flannel-vxlan')]);
    const first = store.get().session!.id;
    store.set({ journeyFilter: 'host 10.244.0.12' });

    const release = hold();
    const opening = ctl.openPaths([join(FIXTURES, 'flannel-hostgw')]);
    await new Promise((r) => setTimeout(r, 50));
    expect(store.get().session!.id).toBe(first);
    if (typed !== null) store.set({ journeyFilter: typed });
    release();
    await opening;
    expect(store.get().session!.id).not.toBe(first);
    expect(store.get().journeyFilter).toBe(want);
  });

  it('two opens at once, typed while both ran: each keeps it', async () => {
    const { api, hold } = heldOpens();
    const store = new AppStore({ theme: 'light' });
    const ctl = new Controller(api, store);
    ctl.start();
    await ctl.openPaths([join(FIXTURES, 'flannel-vxlan')]);
    store.set({ journeyFilter: 'host 10.244.0.12' });
    const releaseA = hold();
    const a = ctl.openPaths([join(FIXTURES, 'flannel-hostgw')]);
    const releaseB = hold();
    const b = ctl.openPaths([join(FIXTURES, 'calico-ipip')]);
    await new Promise((r) => setTimeout(r, 50));
    store.set({ journeyFilter: 'icmp' });
    releaseA();
    await a;
    expect(store.get().session!.title).toMatch(/flannel-hostgw/);
    expect(store.get().journeyFilter).toBe('icmp');
    releaseB();
    await b;
    expect(store.get().session!.title).toMatch(/calico-ipip/);
    expect(store.get().journeyFilter).toBe('icmp');
  });
});
