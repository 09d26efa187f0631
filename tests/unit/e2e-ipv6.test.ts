// In real Chromium against web mode (`hopscope serve`): an IPv6 session through NAT (tests/fixtures/nat6, recorded
// through ip6tables DNAT + MASQUERADE) in the hop ladder.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';

import {
  browser,
  dropFiles,
  ensureBuilt,
  openJourney,
  page,
  ROOT,
  serve,
  type Served,
} from '../e2e/harness.ts';

const NAT6 = path.join(ROOT, 'tests/fixtures/nat6');

let srv: Served;
let b: Browser;
let p: Page;
let errors: string[];

beforeAll(async () => {
  ensureBuilt();
  srv = await serve();
  b = await browser();
  ({ page: p, errors } = await page(b, srv.url));
  await p.waitForSelector('[data-testid=open-sample]');
}, 120_000);
afterAll(async () => {
  await b?.close();
  await srv?.stop();
});

describe('IPv6 through NAT (Chromium)', () => {
  it('the ladder brackets IPv6 addresses before their ports ([fd44::5]:8080; fd44::5:8080 is an address)', async () => {
    const files = readdirSync(NAT6)
      .filter((f) => f.endsWith('.pcap'))
      .map((f) => ({ name: f, bytes: readFileSync(path.join(NAT6, f)) }));
    await dropFiles(p, files);
    await p.waitForFunction(() =>
      document.querySelector('[data-testid=session-title]')?.textContent?.startsWith('2 dropped files'),
    );
    await openJourney(p, 'Flags [S]', 2);
    expect(await p.textContent('[data-testid=hop-ladder] [data-testid=hop]:nth-child(1) .ip')).toContain(
      '[fd77::10]:40001 → [fd77::20]:30080',
    );
    expect(await p.textContent('[data-testid=nat-dst]')).toBe('[fd44::5]:8080');
    expect(errors).toEqual([]);
  });
});
