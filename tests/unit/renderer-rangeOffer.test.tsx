// @vitest-environment happy-dom
// An open past the packet limit (TOO_MANY_PACKETS) offers a time range of the same files (happy-dom, the real
// controller and store over a scripted API): the fields start at the captures' first packet and at the time the
// back end says the limit is reached (its TooManyPacketsDetail), the user may change them, and Open range asks
// for the same paths with that range; the session's header then says it is a time range of its captures.
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';

import type { OpenRange, SessionInfo } from '../../preload/api.ts';
import { TopBar } from '../../renderer/src/App.tsx';
import { ErrorBanner } from '../../renderer/src/components/ErrorBanner.tsx';
import { Controller } from '../../renderer/src/controller.ts';
import { rangeLabel, utcNs } from '../../renderer/src/lib/format.ts';
import { AppStore } from '../../renderer/src/store/appStore.ts';
import { ok, renderWith, requestsOf, scriptedApi, typeInto, unmountAll } from './renderer-helpers.ts';

afterEach(unmountAll);

const FIRST = '1795663433287776332';
const LIMIT = '1795663433488464076';

const SESSION: SessionInfo = {
  id: 's1',
  title: 'flannel-vxlan',
  path: '/captures/flannel-vxlan',
  live: false,
  baseNs: '1795663433000000000',
  captures: [],
  packets: 0,
  journeys: 0,
  flows: 0,
  clocks: [],
  referenceNode: null,
  revision: 1,
};

describe('the offer of a time range', () => {
  it('formats epoch ns as a UTC TIME and a range for the header', () => {
    expect(utcNs(FIRST)).toBe('2026-11-26T03:23:53.287776332Z');
    expect(utcNs('5')).toBe('1970-01-01T00:00:00.000000005Z');
    expect(rangeLabel({ afterNs: FIRST, beforeNs: LIMIT })).toBe(
      'time range 2026-11-26 03:23:53.287776332 – 03:23:53.488464076 UTC',
    );
    expect(rangeLabel({ afterNs: null, beforeNs: LIMIT })).toBe(
      'time range before 2026-11-26 03:23:53.488464076 UTC',
    );
  });

  it('is made when an open of paths stops at the limit, and opens the range the user gives', async () => {
    const { api, calls } = scriptedApi({
      openPaths: (req: { paths: string[]; range?: OpenRange }) =>
        req.range
          ? ok({ ...SESSION, range: { afterNs: FIRST, beforeNs: '1795663433400000000' } })
          : Promise.resolve({
              ok: false,
              error: {
                code: 'TOO_MANY_PACKETS',
                message: 'the captures (8 files, 8 KiB) hold more than 40 packets',
                detail: { limit: 40, firstNs: FIRST, limitNs: LIMIT },
              },
            }),
    });
    const store = new AppStore();
    const ctl = new Controller(api, store);
    ctl.start();
    const el = renderWith(
      ctl,
      <>
        <TopBar />
        <ErrorBanner />
      </>,
    );
    await act(async () => ctl.openPaths(['/captures/flannel-vxlan']));
    const banner = el.querySelector('[data-testid=error-banner]')!;
    expect(banner.textContent).toContain('TOO_MANY_PACKETS');
    const field = (name: string) => el.querySelector<HTMLInputElement>(`input[aria-label="${name}"]`)!;
    expect(field('after').value).toBe('2026-11-26T03:23:53.287776332Z');
    expect(field('before').value).toBe('2026-11-26T03:23:53.488464076Z');
    expect(el.querySelector('[data-testid=range-none]')).toBeNull();

    // The user moves the end earlier, and opens.
    typeInto(field('before'), '03:23:53.4');
    await act(async () => {
      el.querySelector<HTMLButtonElement>('[data-testid=range-offer] button[type=submit]')!.click();
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(requestsOf(calls, 'openPaths')).toEqual([
      { paths: ['/captures/flannel-vxlan'] },
      {
        paths: ['/captures/flannel-vxlan'],
        range: { after: '2026-11-26T03:23:53.287776332Z', before: '03:23:53.4' },
      },
    ]);
    expect(el.querySelector('[data-testid=error-banner]')).toBeNull();
    expect(el.querySelector('[data-testid=session-range]')?.textContent).toBe(
      'time range 2026-11-26 03:23:53.287776332 – 03:23:53.400000000 UTC',
    );
  });

  it('is not made for another error; for dropped files, it sends them again with the range', async () => {
    const { api, calls } = scriptedApi({
      openPaths: () =>
        Promise.resolve({ ok: false, error: { code: 'FILE_NOT_FOUND', message: 'no such file' } }),
      openFiles: (req: { range?: OpenRange }) =>
        req.range
          ? ok({ ...SESSION, range: { afterNs: FIRST, beforeNs: null } })
          : Promise.resolve({
              ok: false,
              error: { code: 'TOO_MANY_PACKETS', message: 'too many', detail: { limit: 1, firstNs: FIRST } },
            }),
    });
    const store = new AppStore();
    const ctl = new Controller(api, store);
    const el = renderWith(
      ctl,
      <>
        <TopBar />
        <ErrorBanner />
      </>,
    );
    await act(async () => ctl.openPaths(['/nowhere']));
    expect(el.querySelector('[data-testid=error-banner]')?.textContent).toContain('FILE_NOT_FOUND');
    expect(el.querySelector('[data-testid=range-offer]')).toBeNull();
    const file = new File([new Uint8Array([1, 2, 3, 4])], 'node-1__ens33.pcap');
    await act(async () => ctl.openDropped([file]));
    expect(el.querySelector('[data-testid=error-banner]')?.textContent).toContain('TOO_MANY_PACKETS');
    // No time where the limit is reached (a detail without limitNs: more packets than the limit at the first
    // packet's time): the end is left open, and the offer says why.
    const field = (name: string) => el.querySelector<HTMLInputElement>(`input[aria-label="${name}"]`)!;
    expect(field('after').value).toBe('2026-11-26T03:23:53.287776332Z');
    expect(field('before').value).toBe('');
    expect(el.querySelector('[data-testid=range-none]')?.textContent).toBe(
      "2 or more packets share the first packet's time: no range from it holds 1 or fewer; start later.",
    );
    await act(async () => {
      el.querySelector<HTMLButtonElement>('[data-testid=range-offer] button[type=submit]')!.click();
      await new Promise((r) => setTimeout(r, 0));
    });
    const sent = requestsOf(calls, 'openFiles') as {
      files: { name: string; bytes: Uint8Array }[];
      range?: OpenRange;
    }[];
    expect(sent.map((r) => r.range)).toEqual([undefined, { after: '2026-11-26T03:23:53.287776332Z' }]);
    expect(Array.from(sent[1].files[0].bytes)).toEqual([1, 2, 3, 4]);
    expect(el.querySelector('[data-testid=session-range]')?.textContent).toBe(
      'time range from 2026-11-26 03:23:53.287776332 UTC',
    );
  });
});
