// In real Chromium against web mode (`hopscope serve`): overriding a drifting clock (the 20 s flannel-vxlan
// recording, node-2's clock 3 ms ahead and gaining 50 ppm). A steady override cannot follow the drift: the panel
// says what the traffic gave over the capture, and why the override is outside it.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';

import { browser, dropFiles, ensureBuilt, page, serve, type Served } from '../e2e/harness.ts';
import { nodeMovedCopy } from './correlate-helpers.ts';

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

describe('a drifting clock overridden (Chromium)', () => {
  it('the rate with its uncertainty; the override shows the estimate’s drift and why it is outside it', async () => {
    const dir = nodeMovedCopy('flannel-vxlan-20s', 'node-2', (since) => 3e6 + since * 50e-6);
    try {
      const files = readdirSync(dir)
        .filter((f) => f.endsWith('.pcap'))
        .map((f) => ({ name: f, bytes: readFileSync(path.join(dir, f)) }));
      await dropFiles(p, files);
      await p.waitForFunction(() =>
        document.querySelector('[data-testid=session-title]')?.textContent?.startsWith('6 dropped files'),
      );
      await p.click('[data-testid=tab-clocks]');
      const rate = p.locator('tr[data-node="node-2"] [data-testid=clock-rate]');
      await rate.waitFor();
      expect(await rate.textContent()).toMatch(/^\+50\.\d\d ± 0\.\d\d ppm$/);
      // The override: the estimate at the line's start, steady.
      await p.fill('[aria-label="override offset of node-2 in microseconds"]', '3001');
      await p.locator('tr[data-node="node-2"] button[type=submit]').click();
      const estimate = p.locator('tr[data-node="node-2"] [data-testid=clock-estimate]');
      await estimate.waitFor();
      // 50 ppm over the ~20 s the pings span: the offset goes from ~3.0 to ~4.0 ms.
      expect((await estimate.textContent())!.replace(/\s+/g, ' ')).toMatch(
        /^ ?\(estimate 3\.0\d* ms, drifting \+50\.\d\d ± 0\.\d\d ppm: 3\.0\d* ms → (3\.9|4\.0)\d* ms over the capture\)$/,
      );
      expect(await p.textContent('tr[data-node="node-2"] [data-testid=override-outside]')).toContain(
        'a steady offset cannot follow a drifting clock',
      );
      expect(errors).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
