// In real Chromium against web mode (`hopscope serve`), the three hosts' recording (tests/fixtures/three-hosts:
// client, node-1, node-2; seven lanes): the pane heads' clock badges against the Clocks tab, the timeline's lanes
// following the selected journey, and the timeline's divider. Screenshots go to test-results/.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';

import {
  browser,
  dropFiles,
  dropOpened,
  ensureBuilt,
  page,
  serve,
  shot,
  timelineLaneRow,
  type Served,
} from '../e2e/harness.ts';
import { fixtureCopy, threeHostsLateToNode2 } from './correlate-helpers.ts';

/** node-2's clock, moved: 400 µs ahead of the others (one kernel clock recorded all three hosts). */
const NODE2_AHEAD_NS = 400_000;

let srv: Served;
let b: Browser;
let p: Page;
let errors: string[];
let shifted: string;

beforeAll(async () => {
  ensureBuilt();
  shifted = fixtureCopy('three-hosts', { shift: { 'node-2': NODE2_AHEAD_NS } });
  srv = await serve();
  b = await browser();
  ({ page: p, errors } = await page(b, srv.url));
  await p.waitForSelector('[data-testid=open-sample]');
}, 120_000);
afterAll(async () => {
  await b?.close();
  await srv?.stop();
  rmSync(shifted, { recursive: true, force: true });
});

/**
 * Drops a folder's captures and hosts' interface lists, as a user would; waits for rows in the panes and for the
 * clocks (they come with the journeys, worked out after the rows show), or for `ready` when given (the session
 * before had the same title).
 */
async function openFolder(dir: string, ready?: string): Promise<void> {
  const files = readdirSync(dir)
    .filter((f) => /\.(pcap|json)$/.test(f))
    .map((f) => ({ name: f, bytes: readFileSync(path.join(dir, f)) }));
  await dropOpened(p, () => dropFiles(p, files));
  if (ready) await p.waitForSelector(ready);
  await p.waitForFunction(() =>
    /^7 dropped files · .* [1-9][\d,]* journeys/.test(
      document.querySelector('[data-testid=session-title]')?.textContent ?? '',
    ),
  );
  await p.waitForSelector('[data-testid=pane] .row');
}

/** Each pane's clock badge: its text, title and whether it is in the warning style (null: no badge). */
async function badges(): Promise<Record<string, { text: string; title: string; warn: boolean } | null>> {
  return p.$$eval('[data-testid=pane]', (panes) =>
    Object.fromEntries(
      panes.map((pane) => {
        const b = pane.querySelector('[data-testid=pane-clock]') as HTMLElement | null;
        return [
          pane.getAttribute('data-capture')!,
          b ? { text: b.textContent!, title: b.title, warn: b.classList.contains('warn') } : null,
        ];
      }),
    ),
  );
}

/** The Clocks tab's row of `node`: its offset and uncertainty cells, as shown. */
async function clockRow(node: string): Promise<{ offset: string; uncertainty: string }> {
  await p.click('[data-testid=tab-clocks]');
  const row = p.locator(`[data-testid=clocks] tr[data-node="${node}"]`);
  return {
    offset: (await row.locator('td').nth(1).textContent())!,
    uncertainty: (await row.locator('td').nth(2).textContent())!,
  };
}

/** ns from a duration as formatDuration prints it ("400.1 µs", "−24 ns"). */
function ns(text: string): number {
  const m = /^([+−]?)([\d.]+) (ns|µs|ms|s)$/.exec(text.trim())!;
  const v = Number(m[2]) * { ns: 1, µs: 1e3, ms: 1e6, s: 1e9 }[m[3] as 'ns']!;
  return m[1] === '−' ? -v : v;
}

/**
 * The timeline's lanes in view: those whose middle (where a journey's hop marks are drawn) is neither scrolled
 * away nor under the tool row and axis that stay at the top.
 */
async function lanesInView(): Promise<{ shown: number[]; top: number; span: string }> {
  return p.evaluate(() => {
    const t = document.querySelector('[data-testid=timeline]')!;
    const canvas = t.querySelector('canvas')!;
    const head = t.querySelector<HTMLElement>('.timeline-head')?.offsetHeight ?? 0;
    const lanes = document.querySelectorAll('[data-testid=pane]').length;
    // Lane l spans 22 + 22·l to 22 + 22·(l + 1) px of the canvas (its axis band above, under the head's axis).
    const shown = [...Array(lanes).keys()].filter((l) => {
      const mid = canvas.offsetTop + 22 + 22 * l + 11;
      return mid >= t.scrollTop + head && mid <= t.scrollTop + t.clientHeight;
    });
    return {
      shown,
      top: t.scrollTop,
      span: t.querySelector('.timeline-tools .muted:last-child')!.textContent!,
    };
  });
}

/** The lanes of the selected journey's hops (lanes are in the panes' order). */
async function journeyLanes(): Promise<number[]> {
  return p.evaluate(() => {
    const order = [...document.querySelectorAll('[data-testid=pane]')].map((e) =>
      e.getAttribute('data-capture'),
    );
    return [...document.querySelectorAll('[data-testid=hop-ladder] [data-testid=hop]')].map((h) =>
      order.indexOf(`${h.getAttribute('data-node')}/${h.getAttribute('data-iface')}`),
    );
  });
}

/** Waits until the hop ladder shows journey `id` (data-journey of its list row). */
async function ladderOf(id: string): Promise<void> {
  await p.waitForFunction(
    (n) => document.querySelector('.journey-title b')?.textContent === `Journey #${n}`,
    Number(id) + 1,
  );
}

/** Whether what `selector` finds is in the timeline's box and on top at its middle (not scrolled away nor covered). */
async function onTop(selector: string): Promise<boolean> {
  return p.locator(selector).evaluate((e) => {
    const r = e.getBoundingClientRect();
    const t = document.querySelector('[data-testid=timeline]')!.getBoundingClientRect();
    const x = r.left + Math.min(r.width / 2, 10);
    const y = r.top + r.height / 2;
    return y >= t.top && y <= t.bottom && e.contains(document.elementFromPoint(x, y));
  });
}

/** The x (CSS px in the timeline's canvas) of the first packet's tick on `lane`, from its pixels. */
async function laneTickX(lane: number): Promise<number> {
  const { rgba: d, dpr } = await timelineLaneRow(p, lane);
  // The ticks' blue (--tick), not the journey's orange nor the lane's background.
  let x = -1;
  for (let i = 0; i < d.length / 4 && x < 0; i++) if (d[i * 4 + 2] > 150 && d[i * 4] < 120) x = i / dpr + 1;
  expect(x).toBeGreaterThan(0);
  return x;
}

/** Drags a divider by `dy` px. */
async function drag(testId: string, dy: number): Promise<void> {
  const bar = (await p.locator(`[data-testid=${testId}]`).boundingBox())!;
  await p.mouse.move(bar.x + 50, bar.y + 2);
  await p.mouse.down();
  await p.mouse.move(bar.x + 50, bar.y + 2 + dy, { steps: 4 });
  await p.mouse.up();
}

/** The timeline's box: its height, its lanes' (all of them in view: tool row, canvas and border), what it shows. */
async function timelineBox(): Promise<{ height: number; full: number; scrolls: boolean; stored: unknown }> {
  return p.$eval('[data-testid=timeline]', (e) => {
    const t = e as HTMLElement;
    const canvas = t.querySelector('canvas')!;
    return {
      height: t.offsetHeight,
      full: canvas.offsetTop + canvas.offsetHeight + t.offsetHeight - t.clientHeight,
      scrolls: t.scrollHeight > t.clientHeight,
      stored: JSON.parse(localStorage.getItem('hopscope.layout') ?? 'null')?.timeline ?? null,
    };
  });
}

describe.sequential('clock badges and the timeline on three hosts (Chromium)', () => {
  it('pane clock badges say what the Clocks tab says: its sign, its digits; an override outside the estimate is a warning', async () => {
    await p.setViewportSize({ width: 1600, height: 1000 });
    await openFolder(shifted);
    const node2 = await clockRow('node-2');
    // The tab: node-2 is ~400 µs ahead of the reference (the client), to 100 ns (± under a µs).
    expect(node2.offset).toMatch(/^400\.\d µs$/);
    expect(ns(node2.uncertainty)).toBeLessThan(1000);
    const seen = await badges();
    for (const iface of ['cni0', 'ens33', 'flannel.1']) {
      const badge = seen[`node-2/${iface}`]!;
      // Ahead is "+", as the tab's positive offset (it said "clock −400.1 µs"), with the tab's digits.
      expect(badge.text).toBe(`clock +${node2.offset}`);
      expect(badge.warn).toBe(false);
      expect(badge.title).toBe(
        `clock +${node2.offset}: node-2's clock is ${node2.offset} ± ${node2.uncertainty} ahead of client's: its ` +
          `times here were moved back by that much, onto client's clock, from what tcpdump on node-2 recorded ` +
          `(Clocks tab).`,
      );
    }
    // node-1's offset is less than its uncertainty (tens of ns ± hundreds): no digits of it to show (it said
    // "clock −24 ns"); the reference has none to show either.
    const node1 = await clockRow('node-1');
    expect(Math.abs(ns(node1.offset))).toBeLessThan(ns(node1.uncertainty));
    expect(
      Object.entries(seen)
        .filter(([, b]) => b === null)
        .map(([c]) => c)
        .sort(),
    ).toEqual(['client/ens33', 'node-1/cni0', 'node-1/ens33', 'node-1/flannel.1']);
    await shot(p, 'timeline-clocks-01-badges', '.panes');

    // An override of 100 µs, outside what the traffic says (400 µs ± under 1): the tab's ⚠, and the badge warns.
    await p.fill('[aria-label="override offset of node-2 in microseconds"]', '100');
    await p.locator('tr[data-node="node-2"] button[type=submit]').click();
    await p.locator('[data-testid=tab-clocks] [data-testid=clocks-warn]').waitFor();
    await p.waitForFunction(() =>
      document
        .querySelector('[data-testid=pane][data-capture="node-2/ens33"] [data-testid=pane-clock]')
        ?.textContent?.startsWith('⚠'),
    );
    const warned = (await badges())['node-2/ens33']!;
    expect(warned.text).toBe('⚠ clock +100 µs');
    expect(warned.warn).toBe(true);
    const tabWarning = (await p.getAttribute('[data-testid=tab-clocks] [data-testid=clocks-warn]', 'title'))!;
    expect(warned.title).toMatch(
      /^⚠ clock \+100 µs: node-2's clock is 100 µs ahead of client's: .* \(Clocks tab\)\. ⚠ /,
    );
    // (The estimate, 400.1 µs, as the tab says it beside the override.)
    expect(
      warned.title.endsWith(
        ` ⚠ ${tabWarning}; the override is outside what the traffic says (estimate ${node2.offset}).`,
      ),
    ).toBe(true);
    expect(
      await p.$eval(
        '[data-testid=pane][data-capture="node-2/ens33"] [data-testid=pane-clock]',
        (e) => getComputedStyle(e).color,
      ),
    ).toBe(
      await p.$eval('[data-testid=tab-clocks] [data-testid=clocks-warn]', (e) => getComputedStyle(e).color),
    );
    await shot(p, 'timeline-clocks-02-badge-override', '.panes');
    await p.locator('tr[data-node="node-2"] button', { hasText: 'Reset' }).click();
    await p.waitForFunction(
      () => !document.querySelector('[data-testid=tab-clocks] [data-testid=clocks-warn]'),
    );
    expect((await badges())['node-2/ens33']!.text).toBe(`clock +${node2.offset}`);
  });
  it('a selected journey brings its lanes into view when all are scrolled away: no zoom, the keyboard stays in the list', async () => {
    // A small window, and the timeline made small to give the panes room: two of its seven lanes in view.
    await p.setViewportSize({ width: 1024, height: 700 });
    try {
      await p.waitForTimeout(100);
      await drag('split-timeline', -400);
      await p.click('[data-testid=tab-journey]');
      // LAN pings node-2 → node-1 and client → node-1 (ens33 to ens33), in time order.
      // (The pod-to-pod replies too: their VXLAN packets go 10.1.10.10 > 10.1.10.9.)
      await p.fill('#journey-filter', '10.1.10.10 > 10.1.10.9 or 10.1.10.8 > 10.1.10.9');
      await p.waitForFunction(() => {
        const rows = [...document.querySelectorAll<HTMLElement>('[data-testid=journey-row]')];
        return (
          rows.length > 4 &&
          rows.every((r) =>
            / (10\.1\.10\.(10|8) > 10\.1\.10\.9|10\.244\.1\.34 > 10\.244\.0\.12):/.test(r.title),
          )
        );
      });
      const rows = await p.$$eval('[data-testid=journey-row]', (els) =>
        els.map((e) => ({
          id: e.getAttribute('data-journey')!,
          fromClient: e.textContent!.includes('10.1.10.8 >'),
        })),
      );
      // The lowest lanes in view (node-2's), then a journey from node-2 to node-1: node-2/ens33 in view, nothing moves.
      await p.$eval('[data-testid=timeline]', (e) => (e.scrollTop = e.scrollHeight));
      const bottom = await lanesInView();
      expect(bottom.top).toBeGreaterThan(0);
      const fromNode2 = rows.findIndex((r) => !r.fromClient);
      const next = rows.findIndex((r, i) => i > fromNode2 && r.fromClient);
      expect(fromNode2).toBeGreaterThanOrEqual(0);
      expect(next).toBeGreaterThan(fromNode2);
      await p.locator(`[data-testid=journey-row][data-journey="${rows[fromNode2].id}"]`).click();
      await ladderOf(rows[fromNode2].id);
      expect((await journeyLanes()).some((l) => bottom.shown.includes(l))).toBe(true);
      expect(await lanesInView()).toEqual(bottom);
      // ↓ down the list to a ping from the client: its lanes (client/ens33, node-1/ens33) were all scrolled away.
      await p.focus('[data-testid=journey-list]');
      for (let i = fromNode2; i < next; i++) await p.keyboard.press('ArrowDown');
      await ladderOf(rows[next].id);
      const lanes = await journeyLanes();
      expect(lanes.some((l) => bottom.shown.includes(l))).toBe(false);
      await p.waitForFunction(
        (t) => document.querySelector('[data-testid=timeline]')!.scrollTop < t,
        bottom.top,
      );
      const moved = await lanesInView();
      expect(lanes.filter((l) => moved.shown.includes(l))).not.toEqual([]);
      // Scrolled, not zoomed; the keyboard still in the list (↓ goes on from there).
      expect(moved.span).toBe(bottom.span);
      expect(await p.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
        'journey-list',
      );
      await shot(p, 'timeline-clocks-03-lanes-follow-list', '.workspace');
      await p.fill('#journey-filter', '');

      // A packet double-clicked in the client's pane, the timeline scrolled to its lowest lanes (node-2's).
      await p.$eval('[data-testid=timeline]', (e) => (e.scrollTop = e.scrollHeight));
      const low = await lanesInView();
      // (A packet of another journey than the one selected: the same one again shows nothing new.)
      const clientRow = p
        .locator(
          '[data-testid=pane][data-capture="client/ens33"] .row:not(.in-journey):not([data-journey="-1"])',
        )
        .first();
      const clientJourney = (await clientRow.getAttribute('data-journey'))!;
      await clientRow.dblclick();
      await ladderOf(clientJourney);
      const clientLanes = await journeyLanes();
      expect(clientLanes.some((l) => low.shown.includes(l))).toBe(false);
      await p.waitForFunction(
        (t) => document.querySelector('[data-testid=timeline]')!.scrollTop < t,
        low.top,
      );
      const after = await lanesInView();
      expect(clientLanes.filter((l) => after.shown.includes(l))).not.toEqual([]);
      expect(after.span).toBe(low.span);
      expect(errors).toEqual([]);
    } finally {
      await p.dblclick('[data-testid=split-timeline]');
      await p.evaluate(() => localStorage.removeItem('hopscope.layout'));
      await p.setViewportSize({ width: 1600, height: 1000 });
    }
  }, 60_000);

  it('the timeline is resized by its divider up to all its lanes (never a blank band under them), and kept', async () => {
    try {
      // 1024 × 700: a quarter of the window shows four or five of the seven lanes.
      await p.setViewportSize({ width: 1024, height: 700 });
      await p.waitForTimeout(100);
      const small = await timelineBox();
      expect(small.scrolls).toBe(true);
      expect(small.stored).toBeNull();
      // Dragged down: every lane in view, and no taller than they are (the panes had the rest).
      await drag('split-timeline', 300);
      const all = await timelineBox();
      expect(all.scrolls).toBe(false);
      expect(all.height).toBe(all.full);
      expect(all.stored).toBe(all.height);
      expect(
        await p.$eval('[data-testid=panes]', (e) => (e as HTMLElement).offsetHeight),
      ).toBeGreaterThanOrEqual(3 * 48);
      await shot(p, 'timeline-clocks-04-timeline-dragged-1024', '.workspace');
      // 1600 × 1000: dragged further, still its lanes' height (it grew a blank band as tall as the drag).
      await p.setViewportSize({ width: 1600, height: 1000 });
      await p.waitForTimeout(100);
      await drag('split-timeline', 300);
      expect(await timelineBox()).toEqual(all);
      // Up by 50 px and ↓ on the divider (20 px): what shows is what is kept.
      await drag('split-timeline', -50);
      expect(await timelineBox()).toEqual({
        ...all,
        height: all.full - 50,
        scrolls: true,
        stored: all.full - 50,
      });
      await p.focus('[data-testid=split-timeline]');
      await p.keyboard.press('ArrowDown');
      expect(await timelineBox()).toEqual({
        ...all,
        height: all.full - 30,
        scrolls: true,
        stored: all.full - 30,
      });
      // Kept for the next window: a reload, the captures opened again, the timeline as it was left.
      await p.reload();
      await p.waitForSelector('[data-testid=open-sample]');
      await openFolder(shifted);
      expect(await timelineBox()).toEqual({
        ...all,
        height: all.full - 30,
        scrolls: true,
        stored: all.full - 30,
      });
      // A double click: back to a quarter of the window at most (here, all the lanes).
      await p.dblclick('[data-testid=split-timeline]');
      expect(await timelineBox()).toEqual({ ...all, stored: null });
      expect(errors).toEqual([]);
    } finally {
      await p.evaluate(() => localStorage.removeItem('hopscope.layout'));
      await p.setViewportSize({ width: 1600, height: 1000 });
    }
  }, 60_000);

  it('the tool row and the time axis stay in view while the lanes scroll under them; picking, zoom and pan still work (1024 × 700, 1600 × 1000)', async () => {
    try {
      for (const [width, height, dy] of [
        [1024, 700, 0],
        [1600, 1000, -120],
      ] as const) {
        await p.setViewportSize({ width, height });
        await p.waitForTimeout(100);
        // At 1600 × 1000 a quarter of the window holds all seven lanes: made smaller, it scrolls them.
        // (Whole in its title: a narrow row shows less of it.)
        const hint = () => p.getAttribute('[data-testid=timeline-hint]', 'title');
        // The hint says what zooms: the wheel over lanes that all fit, Ctrl/⌘ + wheel over lanes that scroll (it
        // said "wheel to zoom" where the wheel scrolled).
        if (dy) expect(await hint()).toBe('clock-corrected · wheel to zoom · drag to pan');
        if (dy) await drag('split-timeline', dy);
        await p.waitForFunction(() =>
          document
            .querySelector<HTMLElement>('[data-testid=timeline-hint]')
            ?.title.includes('Ctrl/⌘ + wheel'),
        );
        expect(await hint()).toBe('clock-corrected · Ctrl/⌘ + wheel to zoom · drag to pan');
        await p.$eval('[data-testid=timeline]', (e) => (e.scrollTop = e.scrollHeight));
        const low = await lanesInView();
        expect(low.top).toBeGreaterThan(0);
        expect(low.shown).toContain(6);
        expect(low.shown).not.toContain(0);
        // Fit, Journey, the span and the axis' labels are where they were, on top of the lanes scrolled under them
        // (they had scrolled out of the timeline's box with the lanes).
        for (const sel of [
          '.timeline-tools button:text-is("Fit")',
          '[data-testid=zoom-journey]',
          '.timeline-tools .muted:last-child',
          '[data-testid=timeline-axis]',
        ])
          expect(await onTop(sel), sel).toBe(true);
        // Its labels inside it (the timeline's box holds it, above).
        expect(
          await p.$eval('[data-testid=timeline-axis]', (a) => {
            const r = a.getBoundingClientRect();
            return [...a.querySelectorAll('.timeline-tick')].filter((t) => {
              const q = t.getBoundingClientRect();
              return q.top >= r.top && q.bottom <= r.bottom && q.left >= r.left && q.right <= r.right + 200;
            }).length;
          }),
        ).toBeGreaterThan(2);
        expect(await p.textContent('[data-testid=timeline-axis] .timeline-tick >> nth=0')).toMatch(
          /^\d+(\.\d+)? s$/,
        );
        await shot(p, `timeline-clocks-06-sticky-head-${width}`, '.timeline');

        // Wheel on the axis zooms, a drag on it pans, Fit fits again: all while scrolled down.
        const axis = (await p.locator('[data-testid=timeline-axis]').boundingBox())!;
        // The axis' ticks: label and place.
        const firstTick = () =>
          p.$$eval('[data-testid=timeline-axis] .timeline-tick', (ts) =>
            ts.map((t) => `${t.textContent} @${(t as HTMLElement).style.left}`).join(', '),
          );
        await p.mouse.move(axis.x + axis.width * 0.6, axis.y + axis.height / 2);
        await p.mouse.wheel(0, -100);
        await p.waitForFunction(
          (s) => document.querySelector('.timeline-tools .muted:last-child')?.textContent !== s,
          low.span,
        );
        const zoomed = (await lanesInView()).span;
        const before = await firstTick();
        await p.mouse.down();
        await p.mouse.move(axis.x + axis.width * 0.6 - 200, axis.y + axis.height / 2, { steps: 5 });
        await p.mouse.up();
        expect(await firstTick()).not.toBe(before);
        expect((await lanesInView()).span).toBe(zoomed);
        await p.click('.timeline-tools button:text-is("Fit")');
        expect((await lanesInView()).span).toBe(low.span);

        // Over the lanes, which scroll here, the wheel scrolls them and does not zoom; Ctrl + wheel zooms and does
        // not scroll (it did both, and the browser zoomed the page on Ctrl).
        await p.$eval('[data-testid=timeline]', (e) => (e.scrollTop = 0));
        const box = (await p.locator('[data-testid=timeline]').boundingBox())!;
        await p.mouse.move(box.x + box.width * 0.6, box.y + box.height - 15);
        await p.mouse.wheel(0, 60);
        await p.waitForFunction(() => document.querySelector('[data-testid=timeline]')!.scrollTop > 0);
        const scrolled = await lanesInView();
        expect(scrolled.span).toBe(low.span);
        await p.keyboard.down('Control');
        await p.mouse.wheel(0, -100);
        await p.keyboard.up('Control');
        await p.waitForFunction(
          (s) => document.querySelector('.timeline-tools .muted:last-child')?.textContent !== s,
          low.span,
        );
        expect((await lanesInView()).top).toBe(scrolled.top);
        expect(await p.evaluate(() => window.visualViewport?.scale ?? 1)).toBe(1);
        await p.click('.timeline-tools button:text-is("Fit")');
        expect((await lanesInView()).span).toBe(low.span);

        // A packet picked on the lowest lane, scrolled down: its pane's row is selected (the canvas' coordinates).
        await p.$eval('[data-testid=timeline]', (e) => (e.scrollTop = e.scrollHeight));
        const canvas = (await p.locator('[data-testid=timeline] canvas').boundingBox())!;
        const x = await laneTickX(6);
        const y = canvas.y + 22 + 6 * 22 + 11;
        await p.mouse.move(canvas.x + x, y);
        const tip = await p.waitForSelector('.tooltip');
        expect(await tip.textContent()).toMatch(/^node-2\/flannel\.1 /);
        await p.mouse.click(canvas.x + x, y);
        await p.locator('[data-testid=pane][data-capture="node-2/flannel.1"] .row.selected').waitFor();
        await p.mouse.move(canvas.x + 2, canvas.y - 60);
        if (dy) await p.dblclick('[data-testid=split-timeline]');
      }
      expect(errors).toEqual([]);
    } finally {
      await p.evaluate(() => localStorage.removeItem('hopscope.layout'));
      await p.setViewportSize({ width: 1600, height: 1000 });
    }
  }, 60_000);

  it('the selected journey picked again in the list brings its lanes back into view: no zoom, focus stays', async () => {
    // A small window, the timeline at its smallest: two lanes in view under its tool row and axis.
    await p.setViewportSize({ width: 1024, height: 700 });
    try {
      await p.waitForTimeout(100);
      await drag('split-timeline', -400);
      await p.click('[data-testid=tab-journey]');
      // A LAN ping from the client to node-1: client/ens33 and node-1/ens33, the top lanes.
      await p.fill('#journey-filter', '10.1.10.8 > 10.1.10.9');
      await p.waitForFunction(() => {
        const rows = [...document.querySelectorAll<HTMLElement>('[data-testid=journey-row]')];
        return rows.length > 0 && rows.every((r) => r.title.includes('10.1.10.8 > 10.1.10.9'));
      });
      const row = p.locator('[data-testid=journey-row]').first();
      const id = (await row.getAttribute('data-journey'))!;
      await row.click();
      await ladderOf(id);
      const lanes = await journeyLanes();
      const shown = await lanesInView();
      expect(lanes.some((l) => shown.shown.includes(l))).toBe(true);
      const focus = await p.evaluate(() => document.activeElement?.getAttribute('data-testid'));
      // Scrolled down to node-2's lanes, then the same row again.
      await p.$eval('[data-testid=timeline]', (e) => (e.scrollTop = e.scrollHeight));
      const low = await lanesInView();
      expect(lanes.some((l) => low.shown.includes(l))).toBe(false);
      await row.click();
      await p.waitForFunction(
        (t) => document.querySelector('[data-testid=timeline]')!.scrollTop < t,
        low.top,
      );
      const back = await lanesInView();
      expect(lanes.filter((l) => back.shown.includes(l))).not.toEqual([]);
      expect(back.span).toBe(low.span);
      expect(await p.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(focus);
      await p.fill('#journey-filter', '');
      expect(errors).toEqual([]);
    } finally {
      await p.dblclick('[data-testid=split-timeline]');
      await p.evaluate(() => localStorage.removeItem('hopscope.layout'));
      await p.setViewportSize({ width: 1600, height: 1000 });
    }
  });

  it("a clock the packets contradict: its panes' badges warn, and say why, as the Clocks tab does", async () => {
    // The client's frames to node-2 stamped 40 µs late: node-2's offset misses its pair with the client.
    const dir = threeHostsLateToNode2();
    try {
      await openFolder(dir, '[data-testid=tab-clocks] [data-testid=clocks-warn]');
      const mark = p.locator('[data-testid=tab-clocks] [data-testid=clocks-warn]');
      await mark.waitFor();
      const tabWarning = (await mark.getAttribute('title'))!;
      await p.click('[data-testid=tab-clocks]');
      const note = (await p.textContent('tr[data-node="node-2"] [data-testid=clock-note]'))!;
      expect(note).toMatch(/^the packets between node-2 and client contradict these clocks by/);
      // By how much, as the note says it (the badge said "⚠ clock ±1.6 µs": the offset's digits, not the 40 µs).
      const by = /contradict these clocks by ([\d.]+ (?:ns|µs|ms|s)),/.exec(note)![1];
      const seen = await badges();
      for (const iface of ['cni0', 'ens33', 'flannel.1']) {
        const badge = seen[`node-2/${iface}`]!;
        // The whole badge starts its title; a pane of a third of 1600 px has room for the conflict alone.
        const whole = badge.title.slice(0, badge.title.indexOf(': '));
        expect(whole).toMatch(/^⚠ clock [^,]+, /);
        const off = /, (\S+ \S+) off client's packets$/.exec(whole);
        expect(off, whole).not.toBeNull();
        // Written alike too: the note said "39.0 µs" where the badge says "39 µs".
        expect(off![1]).toBe(by);
        expect(badge.text).toBe(`⚠ ${by} off client`);
        expect(badge.warn).toBe(true);
        expect(badge.title.endsWith(` (Clocks tab). ⚠ ${tabWarning}; ${note}.`)).toBe(true);
      }
      // The others' clocks are not in question: no warning on their panes.
      expect(
        Object.entries(seen)
          .filter(([c, b]) => !c.startsWith('node-2/') && b?.warn)
          .map(([c]) => c),
      ).toEqual([]);
      await shot(p, 'timeline-clocks-05-badge-conflict', '.panes');
      // A narrower pane shows less of the badge, in words (it was cut mid-word at 1024 px, and even at 1600): nothing
      // in a pane head or the timeline's tool row is cut, at 1024 × 700 as at 1600 × 1000.
      for (const [width, height] of [
        [1024, 700],
        [1600, 1000],
      ] as const) {
        await p.setViewportSize({ width, height });
        await p.waitForTimeout(150);
        const cut = await p.$$eval(
          '.pane-head > *, [data-testid=timeline-hint], [data-testid=times-label], [data-testid=timeline-span]',
          (els) =>
            els
              .filter(
                (e) =>
                  e.scrollWidth > e.clientWidth ||
                  e.getBoundingClientRect().right > e.parentElement!.getBoundingClientRect().right + 0.5,
              )
              .map(
                (e) => `${e.closest<HTMLElement>('[data-capture]')?.dataset.capture ?? ''} ${e.textContent}`,
              ),
        );
        expect(cut, `${width}`).toEqual([]);
        const narrow = await badges();
        for (const iface of ['cni0', 'ens33', 'flannel.1']) {
          const b = narrow[`node-2/${iface}`]!;
          // One of the badge's texts (the whole starts the title), the warning kept.
          expect(b.text.startsWith('⚠'), b.text).toBe(true);
          expect(b.title.startsWith(`⚠ clock ±`)).toBe(true);
        }
        // Each text of the tool row has its whole in its title.
        expect(await p.getAttribute('[data-testid=times-label]', 'title')).toMatch(/^Times in the panes/);
        expect(await p.textContent('[data-testid=times-label]')).toMatch(/UTC/);
        expect(await p.textContent('[data-testid=timeline-hint]')).toMatch(/^clock-corrected/);
        expect(await p.getAttribute('[data-testid=timeline-span]', 'title')).toMatch(/ across$/);
        await shot(p, `timeline-clocks-07-badge-conflict-${width}`, '.panes');
      }
      // At 1024 px the hint is the shortest (the times and the span are worth more).
      await p.setViewportSize({ width: 1024, height: 700 });
      await p.waitForTimeout(150);
      expect(await p.textContent('[data-testid=timeline-hint]')).toBe('clock-corrected');
      expect(await p.textContent('[data-testid=times-label]')).toMatch(/^times UTC, \d{4}-\d\d-\d\d$/);
      expect(errors).toEqual([]);
    } finally {
      await p.setViewportSize({ width: 1600, height: 1000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
