// In real Chromium against web mode (`hopscope serve`): tunnels other than the sample's VXLAN as the user meets
// them in the UI, each in its own colour (the Geneve recording of the lab's antrea-geneve scenario), and the
// capture bar's tunnel presets.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';

import {
  browser,
  dropFiles,
  dropOpened,
  ensureBuilt,
  openJourney,
  page,
  ROOT,
  serve,
  shot,
  type Served,
} from '../e2e/harness.ts';

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

/** The computed value of a custom property (a theme colour) on the app, as `rgb(…)`. */
async function themeColour(name: string): Promise<string> {
  return p.evaluate((n) => {
    const probe = document.createElement('span');
    probe.style.color = `var(${n})`;
    document.querySelector('.app')!.appendChild(probe);
    const c = getComputedStyle(probe).color;
    probe.remove();
    return c;
  }, name);
}

describe.sequential('tunnels in the UI (Chromium)', () => {
  it('a Geneve hop is drawn in the Geneve colour: its box, its outer header and its pushed/popped badges', async () => {
    const dir = path.join(ROOT, 'tests/fixtures/antrea-geneve');
    const files = readdirSync(dir)
      .filter((f) => /\.(pcap|ip-\w+\.json)$/.test(f))
      .map((f) => ({ name: f, bytes: readFileSync(path.join(dir, f)) }));
    await dropOpened(p, () => dropFiles(p, files));
    await p.waitForFunction(() =>
      document.querySelector('[data-testid=session-title]')?.textContent?.startsWith('8 dropped files'),
    );
    const hops = await openJourney(p, 'echo request', 8);
    expect(hops.map((h) => h.changes)).toContain('mac encap+geneve');
    const geneve = await themeColour('--geneve');
    const vxlan = await themeColour('--vxlan');
    const ipip = await themeColour('--ipip');
    expect(new Set([geneve, vxlan, ipip]).size).toBe(3);
    const box = p.locator('[data-testid=hop-ladder] [data-testid=encap-geneve]').first();
    expect(await box.locator('.encap-head').textContent()).toMatch(
      /^GENEVE 10\.1\.10\.9 → 10\.1\.10\.10 udp \d+ → 6081 · VNI 7$/,
    );
    const style = (sel: string, prop: 'borderTopColor' | 'color' | 'backgroundColor') =>
      p.$eval(sel, (e, prop) => getComputedStyle(e)[prop], prop);
    expect(await style('[data-testid=hop-ladder] [data-testid=encap-geneve]', 'borderTopColor')).toBe(geneve);
    expect(await style('[data-testid=hop-ladder] [data-testid=encap-geneve] .encap-head', 'color')).toBe(
      geneve,
    );
    expect(await p.textContent('[data-testid=encap-pushed]')).toBe('+GENEVE');
    expect(await style('[data-testid=encap-pushed]', 'backgroundColor')).toBe(geneve);
    expect(await p.textContent('[data-testid=encap-popped]')).toBe('−GENEVE');
    expect(await style('[data-testid=encap-popped]', 'color')).toBe(geneve);
    await shot(p, 'tunnels-01-geneve-ladder', '[data-testid=hop-ladder]');
    expect(errors).toEqual([]);
  });

  it('the capture bar offers Geneve beside VXLAN and IPIP, and its follow-tunnels option names it', async () => {
    const presets = await p.$$eval('[data-testid=capture-bar] select option', (os) =>
      os.map((o) => (o as HTMLOptionElement).value),
    );
    expect(presets).toEqual(
      expect.arrayContaining(['icmp or udp port 8472', 'icmp or udp port 6081', 'icmp or ip proto 4']),
    );
    const follow = p.locator('label', { has: p.locator('[aria-label="follow tunnels"]') });
    expect(await follow.getAttribute('title')).toContain('Geneve (6081)');
    expect(errors).toEqual([]);
  });
});
