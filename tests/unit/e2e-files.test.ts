// In real Chromium against web mode (`hopscope serve`), captures the sample session does not show: nodes with
// long names (cloud hostnames), a capture whose file order is not time order. Screenshots go to test-results/.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';

import {
  browser,
  dropFiles,
  dropOpened,
  dropPaths,
  explained,
  ensureBuilt,
  openJourney,
  page,
  ROOT,
  serve,
  shot,
  timelineLaneRow,
  type Served,
} from '../e2e/harness.ts';
import { nodeMovedCopy, threeHostsLateToNode2 } from './correlate-helpers.ts';
import { pcapOf } from '../pcapBytes.ts';
import { tempDir } from '../tempDir.ts';

const SAMPLE = path.join(ROOT, 'resources/sample-session');
const LONG = 'ip-10-1-10-9.eu-west-1.compute.internal';
const LONG2 = 'ip-10-1-10-10.eu-west-1.compute.internal';

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

/** Drops files and waits until their session shows (its title starts with `title`) with rows in a pane. */
/** A folder's files as a drop hands them over: captures and the hosts' interface lists (`keep` chooses). */
function folderFiles(
  dir: string,
  keep: (name: string) => boolean = (f) => /\.(pcap|json)$/.test(f),
): { name: string; bytes: Buffer }[] {
  return readdirSync(dir)
    .filter(keep)
    .map((f) => ({ name: f, bytes: readFileSync(path.join(dir, f)) }));
}

async function open(files: { name: string; bytes: Buffer }[], title: string): Promise<void> {
  await dropOpened(p, () => dropFiles(p, files));
  await explained(
    p,
    `the session ${JSON.stringify(title)}`,
    p.waitForFunction(
      (t) => document.querySelector('[data-testid=session-title]')?.textContent?.startsWith(t),
      title,
      { timeout: 10_000 },
    ),
  );
  await explained(p, 'its panes’ rows', p.waitForSelector('[data-testid=pane] .row', { timeout: 5_000 }));
}

/**
 * Hovers hop `i` of the selected journey on the timeline (its mark, the journey's widest run of orange pixels across
 * its lane's middle) and returns what the tooltip says of it.
 */
async function hoverHop(i: number): Promise<string> {
  await p.mouse.move(5, 5);
  await p.waitForFunction(() => !document.querySelector('.tooltip'));
  const hop = p.locator('[data-testid=hop-ladder] [data-testid=hop]').nth(i);
  const capture = `${await hop.getAttribute('data-node')}/${await hop.getAttribute('data-iface')}`;
  const lane = await p.$$eval(
    '[data-testid=pane]',
    (els, c) => els.findIndex((e) => e.getAttribute('data-capture') === c),
    capture,
  );
  expect(lane).toBeGreaterThanOrEqual(0);
  // Its lane in view (the tooltip is for what the pointer is on).
  await p.$eval(
    '[data-testid=timeline]',
    (t, lane) => {
      const head = t.querySelector<HTMLElement>('.timeline-head')!.offsetHeight;
      const canvas = t.querySelector('canvas')!;
      t.scrollTop = canvas.offsetTop + 22 + 22 * lane - head;
    },
    lane,
  );
  const { rgba: d, dpr } = await timelineLaneRow(p, lane);
  // The journey's orange (--accent), not the ticks' blue: the middle of its widest run.
  const accent = (x: number) => d[x * 4] > 180 && d[x * 4 + 2] < 90 && d[x * 4 + 3] > 200;
  const width = d.length / 4;
  let best = { at: -1, w: 0 };
  for (let x = 0; x < width; x++) {
    if (!accent(x)) continue;
    let end = x;
    while (end + 1 < width && accent(end + 1)) end++;
    if (end + 1 - x > best.w) best = { at: (x + end) / 2, w: end + 1 - x };
    x = end;
  }
  const x = best.at / dpr;
  expect(x).toBeGreaterThan(0);
  const box = (await p.locator('[data-testid=timeline] canvas').boundingBox())!;
  await p.mouse.move(box.x + x, box.y + 22 + lane * 22 + 11);
  await p.locator('.tooltip [data-testid=tooltip-hop]').waitFor();
  return (await p.textContent('.tooltip [data-testid=tooltip-hop]'))!;
}

/** Selects the `n`th packet of the first pane and waits for its detail (the Packet tab shown). */
async function pickRow(n: number): Promise<void> {
  await p.locator('[data-testid=pane] .row').nth(n).click();
  await p.waitForFunction(
    (n) => document.querySelector('.detail-title b')?.textContent?.endsWith(`#${n + 1}`),
    n,
  );
}

describe.sequential('captures unlike the sample (Chromium)', () => {
  it('clocks the packets contradict: the Clocks tab is marked, the note is a warning; dropped interface lists are used', async () => {
    // Three hosts, the client's frames to node-2 stamped 40 µs late: node-2's offset misses its pair with the client.
    const dir = threeHostsLateToNode2();
    try {
      // The captures and the hosts' interface lists (which say the packets' directions), as a folder holds them.
      const files = folderFiles(dir);
      expect(files.length).toBe(16);
      await open(files, '7 dropped files');
      // The interface lists are read beside the captures, not opened as captures (PCAP_BAD_MAGIC, said).
      expect(await p.$('[data-testid=session-notice]')).toBeNull();
      // In a 1024 px window a node's three panes fit beside the side bar (the third was cut, its row scrolled).
      const size = p.viewportSize()!;
      await p.setViewportSize({ width: 1024, height: 700 });
      try {
        await p.waitForTimeout(100);
        const rows = await p.$$eval('.pane-row', (els) =>
          els.map((e) => [e.querySelectorAll('[data-testid=pane]').length, e.scrollWidth - e.clientWidth]),
        );
        expect(rows).toEqual([
          [1, 0],
          [3, 0],
          [3, 0],
        ]);
      } finally {
        await p.setViewportSize(size);
      }
      const mark = p.locator('[data-testid=tab-clocks] [data-testid=clocks-warn]');
      await mark.waitFor();
      expect(await mark.getAttribute('title')).toBe(
        'node-2: the packets contradict this clock, so hops across them may show wrong latencies',
      );
      await p.click('[data-testid=tab-clocks]');
      const note = p.locator('tr[data-node="node-2"] [data-testid=clock-note]');
      expect(await note.textContent()).toMatch(
        /^the packets between node-2 and client contradict these clocks by 3/,
      );
      expect(await note.getAttribute('class')).toContain('warn');
      expect(await p.$('tr[data-node="node-1"] [data-testid=clock-note]')).toBeNull();
      await shot(p, 'files-00-clock-conflict', '.bottom');
      // The client's pings to node-2 arrive "before" they left: the ladder marks that hop's latency.
      await p.click('[data-testid=tab-journey]');
      await p.fill('#journey-filter', '10.1.10.8 > 10.1.10.10');
      // The list filtered (not the rows from before the filter, still there while the first query builds its index).
      await p.waitForFunction(() => {
        const rows = [...document.querySelectorAll('[data-testid=journey-row]')];
        return rows.length > 0 && rows.every((r) => r.textContent!.includes('10.1.10.8 > 10.1.10.10'));
      });
      await p.locator('[data-testid=journey-row]').first().click();
      const latencies = p.locator('[data-testid=hop] .latency');
      await latencies.first().waitFor();
      const marked = await latencies.evaluateAll((els) =>
        els.map((e) => [e.textContent!.startsWith('−'), e.classList.contains('negative')]),
      );
      expect(marked).toContainEqual([true, true]);
      expect(marked.every(([neg, cls]) => neg === cls)).toBe(true);
      await p.fill('#journey-filter', '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('"Journey" scrolls the timeline to the journey\'s lanes (with many lanes a journey came in from below the fold)', async () => {
    // The three hosts' session still open: 7 lanes.
    const size = p.viewportSize()!;
    // In a small window the timeline scrolls its 7 lanes: "Journey" brings the journey's lanes into view (a
    // pod-to-pod ping: node-1/cni0 down to node-2's lanes; the lowest was below the fold).
    await p.setViewportSize({ width: 1024, height: 700 });
    try {
      await p.fill('#journey-filter', '10.244.0.12 > 10.244.1.34');
      await p.waitForFunction(() => {
        const rows = [...document.querySelectorAll('[data-testid=journey-row]')];
        return rows.length > 0 && rows.every((r) => r.textContent!.includes('10.244.0.12 > 10.244.1.34'));
      });
      await p.locator('[data-testid=journey-row]').first().click();
      await p.waitForFunction(() => document.querySelectorAll('[data-testid=hop]').length === 6);
      await p.$eval('[data-testid=timeline]', (e) => (e.scrollTop = 0));
      await p.click('[data-testid=zoom-journey]');
      const view = await p.evaluate(() => {
        const order = [...document.querySelectorAll('[data-testid=pane]')].map((e) =>
          e.getAttribute('data-capture'),
        );
        const lanes = [...document.querySelectorAll('[data-testid=hop]')].map((h) =>
          order.indexOf(`${h.getAttribute('data-node')}/${h.getAttribute('data-iface')}`),
        );
        const t = document.querySelector('[data-testid=timeline]')!;
        return {
          lanes,
          top: t.scrollTop,
          height: t.clientHeight,
          canvasTop: t.querySelector('canvas')!.offsetTop,
          head: t.querySelector<HTMLElement>('.timeline-head')!.offsetHeight,
          scrollable: t.scrollHeight > t.clientHeight,
        };
      });
      expect(view.scrollable).toBe(true);
      expect(view.lanes.every((l) => l >= 0)).toBe(true);
      // Lane l spans 22 + 22·l to 22 + 22·(l + 1) px of the canvas (its axis band above, under the head's axis).
      // The tool row and the axis stay at the top as the lanes scroll, and leave too little room for all six lanes:
      // from the first, right below them, not under them (the lowest lane, node-2/flannel.1, had stayed below the
      // fold; then the first lane went under the tool row and axis).
      const y0 = view.canvasTop + 22;
      expect(view.canvasTop).toBeGreaterThan(0);
      const top = y0 + 22 * Math.min(...view.lanes);
      const bottom = y0 + 22 * (Math.max(...view.lanes) + 1);
      expect(bottom - top).toBeGreaterThan(view.height - view.head);
      expect(top).toBe(view.top + view.head);
    } finally {
      await p.setViewportSize(size);
    }
    await p.fill('#journey-filter', '');
  });

  it('long node names: the interface stays readable in pane heads and timeline lanes, full names on hover', async () => {
    const files = ['node-1__ens33.pcap', 'node-1__flannel.1.pcap', 'node-2__ens33.pcap'].map((f) => ({
      name: f.replace('node-1', LONG).replace('node-2', LONG2),
      bytes: readFileSync(path.join(SAMPLE, f)),
    }));
    await open(files, '3 dropped files');
    await shot(p, 'files-01-long-names');
    // Pane heads, in a window where they are narrow: the interface is shown whole (the node name gives way), and
    // the head's title names both.
    const size = p.viewportSize()!;
    await p.setViewportSize({ width: 1024, height: 700 });
    await p.waitForTimeout(100);
    const heads = await p.$$eval('[data-testid=pane] .pane-head', (els) =>
      els.map((e) => {
        const iface = e.querySelector('.pane-iface') as HTMLElement;
        const node = e.querySelector('.pane-node') as HTMLElement;
        const head = (e as HTMLElement).getBoundingClientRect();
        const box = iface.getBoundingClientRect();
        return {
          title: (e as HTMLElement).title,
          ifaceWhole: iface.scrollWidth <= iface.clientWidth && box.right <= head.right,
          nodeCut: node.scrollWidth > node.clientWidth,
        };
      }),
    );
    expect(heads.map((h) => h.title)).toEqual([`${LONG}/ens33`, `${LONG}/flannel.1`, `${LONG2}/ens33`]);
    expect(heads.every((h) => h.ifaceWhole)).toBe(true);
    expect(heads.some((h) => h.nodeCut)).toBe(true);
    await shot(p, 'files-02-long-names-narrow');
    await p.setViewportSize(size);
    // Timeline: the label column holds the names (wider, up to its limit) and says them in full on hover.
    const canvas = p.locator('[data-testid=timeline] canvas');
    const labelW = Number(await canvas.getAttribute('data-label-width'));
    expect(labelW).toBeGreaterThan(150);
    const box = (await canvas.boundingBox())!;
    for (const [lane, full] of [`${LONG}/ens33`, `${LONG}/flannel.1`, `${LONG2}/ens33`].entries()) {
      await p.mouse.move(box.x + 20, box.y + 22 + lane * 22 + 11);
      expect(await canvas.getAttribute('title')).toBe(full);
    }
    expect(errors).toEqual([]);
  });

  it('the times are UTC (tcpdump prints local time): the timeline says so, with the date, as the CLI does', async () => {
    expect(await p.textContent('[data-testid=times-label]')).toBe('times UTC, 2026-11-26');
    expect(await p.getAttribute('[data-testid=times-label]', 'title')).toContain(`on ${LONG}'s clock`);
  });

  it('four nodes in a small window, the bottom area dragged up: each row of panes keeps packets in view', async () => {
    // The sample's eight captures as four nodes of two interfaces each.
    const names = readdirSync(SAMPLE).filter((f) => f.endsWith('.pcap'));
    expect(names).toHaveLength(8);
    const files = names.map((f, i) => ({
      name: `n${(i >> 1) + 1}__${f.split('__')[1]}`,
      bytes: readFileSync(path.join(SAMPLE, f)),
    }));
    await open(files, '8 dropped files');
    const size = p.viewportSize()!;
    await p.setViewportSize({ width: 800, height: 600 });
    try {
      await p.waitForTimeout(100);
      // The timeline's tool row stays one line (it wrapped to four at 800 px, leaving one lane in the timeline's
      // share): the hint and the times label give way, the buttons stay whole.
      const tools = await p.$eval('.timeline-tools', (e) => {
        const row = e.getBoundingClientRect();
        const buttons = [...e.querySelectorAll('button')].map((b) => b.getBoundingClientRect());
        return {
          height: row.height,
          buttonsInside: buttons.every(
            (b) => b.right <= row.right && b.top >= row.top && b.bottom <= row.bottom,
          ),
          buttonsWhole: [...e.querySelectorAll('button')].every((b) => b.scrollWidth <= b.clientWidth + 1),
        };
      });
      expect(tools.height).toBeLessThan(30);
      expect(tools.buttonsInside).toBe(true);
      expect(tools.buttonsWhole).toBe(true);
      await shot(p, 'files-04-small-window-timeline', '.timeline');
      const bar = (await p.locator('[data-testid=split-bottom]').boundingBox())!;
      await p.mouse.move(bar.x + 50, bar.y + 2);
      await p.mouse.down();
      await p.mouse.move(bar.x + 50, 0, { steps: 4 });
      await p.mouse.up();
      // 48 px per node's row: a head and at least one packet line in every pane (a flat 120 px left them none).
      const rows = await p.$$eval('[data-testid=pane] .pane-body', (els) => els.map((e) => e.clientHeight));
      expect(rows).toHaveLength(8);
      expect(Math.min(...rows)).toBeGreaterThanOrEqual(20);
    } finally {
      await p.dblclick('[data-testid=split-bottom]');
      await p.evaluate(() => localStorage.removeItem('hopscope.layout'));
      await p.setViewportSize(size);
    }
  });

  it('a drifting clock: the clocks panel says how fast (± what), pane heads say so, a late ping keeps µs hops; a steady override is shown against the drift', async () => {
    // The 20 s recording with node-2's clock 3 ms ahead and gaining 50 ppm (one kernel clock in the lab: every true
    // offset is 0, so a hop ens33 → ens33 takes µs at the end of the capture as at its start).
    const dir = nodeMovedCopy('flannel-vxlan-20s', 'node-2', (since) => 3e6 + since * 50e-6);
    try {
      const files = folderFiles(dir, (f) => f.endsWith('.pcap'));
      await open(files, '6 dropped files');
      await p.click('[data-testid=tab-clocks]');
      const rate = p.locator('[data-testid=clocks] tr[data-node="node-2"] [data-testid=clock-rate]');
      await rate.waitFor();
      expect(
        Number(/^([+−][\d.]+) ± [\d.]+ ppm$/.exec((await rate.textContent())!)![1].replace('−', '-')),
      ).toBeCloseTo(50, 0);
      expect(await rate.textContent()).toMatch(/^\+50\.\d\d ± 0\.\d\d ppm$/);
      const row = (await p.locator('tr[data-node="node-2"]').textContent())!;
      expect(row).toContain('traffic-drift');
      expect(row).toContain("node-2's clock gains");
      await shot(p, 'files-05-drift-clocks', '.bottom');
      expect(
        await p.textContent('[data-testid=pane][data-capture="node-2/ens33"] [data-testid=pane-clock]'),
      ).toMatch(/^clock \+3[.\d]* ms drifting$/);
      // In narrow panes the badge gives way (a shorter text of its own, not cut; in full in its title), the interface
      // stays whole.
      const size = p.viewportSize()!;
      try {
        for (const [width, height] of [
          [1024, 700],
          [1280, 800],
        ]) {
          await p.setViewportSize({ width, height });
          await p.waitForTimeout(100);
          const heads = await p.$$eval('[data-testid=pane] .pane-head', (els) =>
            els.map((e) => {
              const head = e.getBoundingClientRect();
              const iface = e.querySelector('.pane-iface') as HTMLElement;
              const badge = e.querySelector('[data-testid=pane-clock]') as HTMLElement | null;
              return {
                pane: (e as HTMLElement).title,
                ifaceWhole:
                  iface.scrollWidth <= iface.clientWidth && iface.getBoundingClientRect().right <= head.right,
                badgeInside: !badge || badge.getBoundingClientRect().right <= head.right + 0.5,
                badgeTitled: !badge || badge.title.startsWith('clock +3'),
                badgeWhole: !badge || badge.scrollWidth <= badge.clientWidth,
              };
            }),
          );
          expect(
            heads.filter((h) => !h.ifaceWhole || !h.badgeInside || !h.badgeTitled || !h.badgeWhole),
          ).toEqual([]);
        }
        await shot(p, 'files-06-drift-narrow-heads', '.panes');
      } finally {
        await p.setViewportSize(size);
      }
      // The last request's hop across the wire: µs on the ladder (a steady offset would leave ~1 ms of drift in it),
      // and the panes' times of its two ens33 rows as close.
      const hops = await openJourney(p, 'seq 40', 6);
      expect(hops.map((h) => `${h.node}/${h.iface}`)).toEqual([
        'node-1/cni0',
        'node-1/flannel.1',
        'node-1/ens33',
        'node-2/ens33',
        'node-2/flannel.1',
        'node-2/cni0',
      ]);
      const latency = await p
        .locator('[data-testid=hop-ladder] [data-testid=hop]')
        .nth(3)
        .locator('.latency')
        .textContent();
      expect(latency).toMatch(/^\+[\d.]+ (ns|µs)$/);
      const seconds = async (capture: string): Promise<number> => {
        const t = await p
          .locator(`[data-testid=pane][data-capture="${capture}"] .row.in-journey .t`)
          .first()
          .textContent();
        const [, s] = /:(\d+\.\d+)$/.exec(t!)!;
        return Number(s);
      };
      const gap = (await seconds('node-2/ens33')) - (await seconds('node-1/ens33'));
      expect(gap).toBeGreaterThanOrEqual(0);
      expect(gap).toBeLessThan(50e-6);
      // A steady override cannot follow the drift: the panel says what the estimate gave over the capture.
      await p.click('[data-testid=tab-clocks]');
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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('packet detail of a long packet: long values wrap in the layer tree’s column (they ran under the hex)', async () => {
    await open([{ name: 'node-1__eth0.pcap', bytes: longIpv6() }], 'node-1__eth0');
    await p.click('[data-testid=tab-packet]');
    await pickRow(0);
    // A segment routing header: its Data field, 56 bytes of hex, at 1024 and 1280 px.
    const size = p.viewportSize()!;
    try {
      for (const width of [1024, 1280]) {
        await p.setViewportSize({ width, height: 700 });
        const data = p.locator('.layer-tree li.field', { hasText: /^Data: / }).first();
        const fit = await data.evaluate((e) => {
          const r = e.getBoundingClientRect();
          const hex = document.querySelector('.hexdump')!.getBoundingClientRect();
          return { right: r.right, hexLeft: hex.left, over: e.scrollWidth - e.clientWidth };
        });
        expect(fit.right).toBeLessThanOrEqual(fit.hexLeft);
        expect(fit.over).toBeLessThanOrEqual(0);
      }
    } finally {
      await p.setViewportSize(size);
    }
  });

  it('packet detail of a long packet: the hex dump scrolls to the bytes of what is picked', async () => {
    const size = p.viewportSize()!;
    await p.setViewportSize({ width: 1024, height: 700 });
    try {
      // The first highlighted byte is in the hex dump's box and in the window's part of the bottom area.
      const firstByteShown = () =>
        p.evaluate(() => {
          const hl = document.querySelector('.hexdump .hex .hl')!.getBoundingClientRect();
          const box = document.querySelector('.hexdump')!.getBoundingClientRect();
          const tab = document.querySelector('.tab-body')!.getBoundingClientRect();
          return (
            hl.top >= Math.max(box.top, tab.top) - 0.5 && hl.bottom <= Math.min(box.bottom, tab.bottom) + 0.5
          );
        });
      // An MLDv2 report, its tree three times as long as its dump: a record in the middle (bytes 1214…1318), the
      // tree scrolled to it, its bytes too (the dump stayed at the top).
      await pickRow(2);
      await p.locator('.layer-tree summary', { hasText: 'ff15::c [' }).click();
      expect(await p.$$eval('.hexdump .hex .hl', (els) => els.length)).toBe(104);
      expect(await firstByteShown()).toBe(true);
      await shot(p, 'files-08-long-tree-hex', '.bottom');
      // A 2 KB hop-by-hop header: the ICMPv6 after it starts at byte 2102, row 0x830 of the dump.
      await pickRow(1);
      await p.locator('.layer-tree summary', { hasText: /^Internet Control Message Protocol v6/ }).click();
      expect(await p.$$eval('.hexdump .hex .hl', (els) => els.length)).toBe(8);
      expect(await firstByteShown()).toBe(true);
      await shot(p, 'files-07-long-packet-hex', '.bottom');
      // A field of it (its checksum); then back to the top with the Ethernet layer.
      await p
        .locator('.layer-tree li.field', { hasText: /^Checksum: / })
        .last()
        .click();
      expect(await p.$$eval('.hexdump .hex .hl', (els) => els.length)).toBe(2);
      expect(await firstByteShown()).toBe(true);
      await p.locator('.layer-tree summary', { hasText: /^Ethernet II/ }).click();
      expect(await firstByteShown()).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await p.setViewportSize(size);
    }
  });

  it('copies of a broadcast frame: another node’s copy is “parallel copy” (no latency), a bridge port’s “since hop 1”', async () => {
    // tests/fixtures/broadcast without the client's capture: the client's broadcasts were received by both nodes.
    const dir = path.join(ROOT, 'tests/fixtures/broadcast');
    const files = folderFiles(dir, (f) => /\.(pcap|json)$/.test(f) && !f.startsWith('client'));
    await open(files, `${files.filter((f) => f.name.endsWith('.pcap')).length} dropped files`);
    const hops = await openJourney(p, '10.1.10.8', 2);
    expect(hops.map((h) => h.iface)).toEqual(['ens33', 'ens33']);
    const second = p.locator('[data-testid=hop-ladder] [data-testid=hop]').nth(1);
    expect(await second.locator('[data-testid=parallel-copy]').textContent()).toBe('parallel copy');
    expect(await second.locator('.latency').count()).toBe(0);
    // The pod's broadcast, flooded by node-1's bridge: its other port's copy is timed from where it entered.
    await openJourney(p, '10.244.0.255', 3);
    const third = p.locator('[data-testid=hop-ladder] [data-testid=hop]').nth(2);
    expect(await third.getAttribute('data-iface')).toBe('vethextra0');
    expect(await third.locator('[data-testid=since-hop]').textContent()).toBe('since hop 1');
    await shot(p, 'files-09-broadcast-copies', '.bottom');
    expect(errors).toEqual([]);
  });
  it('copies of a broadcast frame on the timeline and the latency chart: the tooltip says since which hop, or received in parallel', async () => {
    // The session of the test above (the broadcast recording without the client's capture).
    await openJourney(p, '10.1.10.8', 2);
    await p.click('[data-testid=zoom-journey]');
    expect(await hoverHop(1)).toBe('hop 2 of the selected journey, received in parallel (no latency)');
    // No latency in it: no chart.
    expect(await p.locator('[data-testid=latency-chart]').count()).toBe(0);

    await openJourney(p, '10.244.0.255', 3);
    await p.click('[data-testid=zoom-journey]');
    const ladder = await p.$$eval('[data-testid=hop-ladder] [data-testid=hop]', (els) =>
      els.map((e) => ({
        iface: e.getAttribute('data-iface')!,
        latency: e.querySelector('.latency')?.textContent ?? null,
      })),
    );
    expect(ladder.map((h) => h.iface)).toEqual(['veth2053e67d', 'cni0', 'vethextra0']);
    // The bridge's copy onto its other port is timed from where the frame entered (hop 1), not from cni0 (hop 2).
    expect(await hoverHop(1)).toBe(`hop 2 of the selected journey, ${ladder[1].latency} since hop 1`);
    expect(await hoverHop(2)).toBe(`hop 3 of the selected journey, ${ladder[2].latency} since hop 1`);
    // The chart's bars: cni0's from the hop before it, vethextra0's from hop 1, said so ("3 n1/vethextra0" read as
    // a latency from cni0).
    const tick =
      '[data-testid=latency-chart] .recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value';
    await p.waitForSelector(tick);
    const names = await p.$$eval(tick, (els) => els.map((e) => e.textContent));
    expect(names).toEqual(['2 n1/cni0', '1→3 n1/vethextra0']);
    await shot(p, 'files-10-broadcast-timeline-tooltip');
    await p.mouse.move(5, 5);
    expect(errors).toEqual([]);
  });
});

/**
 * Three IPv6 packets with long details, as classic pcap bytes: a segment routing header of three segments (a
 * 56-byte Data value); a 2 KB hop-by-hop header of PadN options before an ICMPv6 echo request; an MLDv2 report
 * of 20 records of 5 sources (a layer tree far longer than its hex dump).
 */
function longIpv6(): Buffer {
  const addr = (first: number, last: number) => {
    const a = Buffer.alloc(16);
    a.writeUInt16BE(first, 0);
    a.writeUInt16BE(last, 14);
    return a;
  };
  const echo = Buffer.from('80000000000100016162636465666768', 'hex');
  const frame = (next: number, payload: Buffer, hopLimit = 64, dst = addr(0xfd00, 2)) => {
    const ip = Buffer.alloc(40);
    ip.writeUInt32BE(0x60000000, 0);
    ip.writeUInt16BE(payload.length, 4);
    ip[6] = next;
    ip[7] = hopLimit;
    addr(0xfd00, 1).copy(ip, 8);
    dst.copy(ip, 24);
    return Buffer.concat([Buffer.from('33330000001602000000000186dd', 'hex'), ip, payload]);
  };
  const srh = Buffer.alloc(8 + 3 * 16);
  srh.set([58, 6, 4, 2, 2]); // next header ICMPv6, 6 × 8 bytes more, type 4 (SRH), segments left 2, last entry 2
  for (let i = 0; i < 3; i++) addr(0xfd00, 0x10 + i).copy(srh, 8 + 16 * i);
  const hbh = Buffer.alloc(2048);
  hbh.set([58, 255]); // next header ICMPv6, 255 × 8 bytes more
  for (let at = 2; at < hbh.length;) {
    const n = Math.min(255, hbh.length - at - 2);
    hbh.set([1, n], at); // PadN
    at += 2 + n;
  }
  // MLDv2 report (RFC 3810 §5.2) behind a router alert: record i is of group ff15::(i + 1).
  const records = Array.from({ length: 20 }, (_, i) => {
    const r = Buffer.alloc(20 + 5 * 16 + 4);
    r.set([(i % 6) + 1, 1, 0, 5]); // record type, 1 word of aux data, 5 sources
    addr(0xff15, i + 1).copy(r, 4);
    for (let k = 0; k < 5; k++) addr(0x2001, i * 16 + k).copy(r, 20 + 16 * k);
    r.writeUInt32BE(0xaabbccdd, 20 + 5 * 16);
    return r;

    it('the ladder brackets IPv6 addresses before their ports ([fd44::5]:8080; fd44::5:8080 is an address)', async () => {
      // tests/fixtures/nat6: recorded through ip6tables DNAT + MASQUERADE.
      const nat6 = path.join(ROOT, 'tests/fixtures/nat6');
      const files = folderFiles(nat6, (f) => f.endsWith('.pcap'));
      await open(files, '2 dropped files');
      await openJourney(p, 'Flags [S]', 2);
      expect(await p.textContent('[data-testid=hop-ladder] [data-testid=hop]:nth-child(1) .ip')).toContain(
        '[fd77::10]:40001 → [fd77::20]:30080',
      );
      expect(await p.textContent('[data-testid=nat-dst]')).toBe('[fd44::5]:8080');
      expect(errors).toEqual([]);
    });
  });
  const alert = Buffer.from([58, 0, 5, 2, 0, 0, 1, 0]); // hop-by-hop: router alert, PadN
  const mld = Buffer.concat([alert, Buffer.from([143, 0, 0, 0, 0, 0, 0, 20]), ...records]);
  const frames = [
    frame(43, Buffer.concat([srh, echo])),
    frame(0, Buffer.concat([hbh, echo])),
    frame(0, mld, 1, addr(0xff02, 0x16)),
  ];
  return pcapOf(frames, undefined, 1_800_000_000);
}

describe.sequential('a journey through node-1 twice: its ladder and latency chart (Chromium)', () => {
  it('↑/↓ step through the hops of a journey that passes node-1 twice, each its own row in the panes', async () => {
    // tests/fixtures/kube-proxy-revisit: node-1's pod → node-2's NodePort → DNAT back to a pod on node-1.
    const dir = path.join(ROOT, 'tests/fixtures/kube-proxy-revisit');
    const files = folderFiles(dir);
    await open(files, '6 dropped files');
    const hops = await openJourney(p, '192.168.0.47.50772 > 10.1.10.10.32228: flags [s]');
    expect(hops.map((h) => `${h.node}/${h.iface}`)).toEqual([
      'node-1/veth54ceb951',
      'node-1/cbr0',
      'node-1/ens33',
      'node-2/ens33',
      'node-2/ens33',
      'node-1/ens33',
      'node-1/cbr0',
      'node-1/vethdf3a8b64',
    ]);
    // Its row in the list names the nodes in the ladder's order, node-1 again on the way back (as the JSON does).
    const row = p.locator('[data-testid=journey-row].selected');
    expect(await row.locator('.jnodes').textContent()).toBe('node-1 → node-2 → node-1');
    expect(await row.getAttribute('title')).toContain(' · node-1 → node-2 → node-1 · ');
    const hop = (i: number) => p.locator('[data-testid=hop-ladder] [data-testid=hop]').nth(i);
    /** The selected hop (its number from 1) and node-1/ens33's selected row among its two rows of the journey. */
    const where = () =>
      p.evaluate(() => {
        const hops = [...document.querySelectorAll('[data-testid=hop-ladder] [data-testid=hop]')];
        const pane = document.querySelector('[data-testid=pane][data-capture="node-1/ens33"]')!;
        const rows = [...pane.querySelectorAll('.row.in-journey')];
        return {
          hop: hops.findIndex((h) => h.classList.contains('selected')) + 1,
          focused: hops.indexOf(document.activeElement!) + 1,
          ens33: rows.findIndex((r) => r.classList.contains('selected')) + 1,
        };
      });
    // The ladder is one tab stop: the first hop until one is picked.
    expect(await p.$$eval('[data-testid=hop-ladder] [tabindex="0"]', (els) => els.length)).toBe(1);
    await hop(2).click();
    await p.waitForFunction(() => document.querySelector('.hop.selected')?.textContent?.startsWith('3'));
    expect(await where()).toEqual({ hop: 3, focused: 3, ens33: 1 });
    // ↓ steps to the next hop (it moved to node-1/ens33's next row, another journey's packet), three times: node-1's
    // second pass of ens33, the other of its two rows.
    for (const n of [4, 5, 6]) {
      await p.keyboard.press('ArrowDown');
      await p.waitForFunction(
        (n) => document.querySelector('.hop.selected')?.textContent?.startsWith(`${n}`),
        n,
      );
    }
    await p.locator('[data-testid=pane][data-capture="node-1/ens33"] .row.selected').waitFor();
    expect(await where()).toEqual({ hop: 6, focused: 6, ens33: 2 });
    await p.keyboard.press('ArrowUp');
    await p.waitForFunction(() => document.querySelector('.hop.selected')?.textContent?.startsWith('5'));
    expect(await where()).toEqual({ hop: 5, focused: 5, ens33: 0 });
    await p.keyboard.press('End');
    await p.waitForFunction(() => document.querySelector('.hop.selected')?.textContent?.startsWith('8'));
    await p.keyboard.press('Home');
    await p.waitForFunction(() => document.querySelector('.hop.selected')?.textContent?.startsWith('1'));
    expect((await where()).focused).toBe(1);
    // Enter on a focused hop picks it, as a click does.
    await hop(3).focus();
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => document.querySelector('.hop.selected')?.textContent?.startsWith('4'));
    expect(await where()).toEqual({ hop: 4, focused: 4, ens33: 0 });
    await shot(p, 'files-hop-ladder-keyboard');
    expect(errors).toEqual([]);
  });

  it("the latency chart's hop names show whole under their bars, the veths' long ones too (1024 × 700, 1600 × 1000)", async () => {
    // The journey of the test above: 7 bars, the last node-1/vethdf3a8b64.
    try {
      for (const [width, height] of [
        [1024, 700],
        [1600, 1000],
      ] as const) {
        await p.setViewportSize({ width, height });
        await p.$eval('.journey-detail', (e) => (e.scrollTop = e.scrollHeight));
        await p.waitForTimeout(200);
        const out = await p.$eval('[data-testid=latency-chart] svg', (svg) => {
          const box = svg.getBoundingClientRect();
          return [...svg.querySelectorAll('.recharts-xAxis-tick-labels text')].map((t) => {
            const r = t.getBoundingClientRect();
            return {
              label: t.textContent,
              inside: r.left >= box.left - 0.5 && r.bottom <= box.bottom + 0.5 && r.right <= box.right + 0.5,
            };
          });
        });
        expect(out.map((o) => o.label)).toEqual([
          '2 n1/cbr0',
          '3 n1/ens33',
          '4 n2/ens33',
          '5 n2/ens33',
          '6 n1/ens33',
          '7 n1/cbr0',
          '8 n1/vethdf3a8b64',
        ]);
        expect(out.filter((o) => !o.inside).map((o) => o.label)).toEqual([]);
        // A bar's tooltip names the hop and its latency ("us : 1.2 µs" named the data's field).
        const bar = (await p
          .locator('[data-testid=latency-chart] .recharts-bar-rectangle')
          .last()
          .boundingBox())!;
        await p.mouse.move(bar.x + bar.width / 2, bar.y + bar.height / 2);
        const tip = p.locator('[data-testid=latency-chart] .recharts-tooltip-wrapper');
        await p.waitForFunction(() =>
          document
            .querySelector('[data-testid=latency-chart] .recharts-tooltip-wrapper')
            ?.textContent?.includes('8 n1/vethdf3a8b64'),
        );
        expect(await tip.textContent()).toMatch(/^8 n1\/vethdf3a8b64latency : \d+(\.\d+)? [nµ]s$/);
        await shot(p, `files-latency-chart-${width}`, '[data-testid=latency-chart]');
        await p.mouse.move(5, 5);
      }
      expect(errors).toEqual([]);
    } finally {
      await p.setViewportSize({ width: 1600, height: 1000 });
    }
  });

  it('the journey list keeps every duration whole and nothing wider than the list (1024 × 700, 1280 × 800, 1600 × 1000)', async () => {
    // The nodes went last in the row, then the duration after them: " · 346.…" at 1600 px, nothing at 1024 px (the
    // row wider than the list, its end out of view).
    await p.fill('#journey-filter', '');
    await p.waitForFunction(() => document.querySelectorAll('[data-testid=journey-row]').length > 10);
    try {
      for (const [width, height] of [
        [1024, 700],
        [1280, 800],
        [1600, 1000],
      ] as const) {
        await p.setViewportSize({ width, height });
        await p.waitForTimeout(150);
        const rows = await p.$$eval('[data-testid=journey-row]', (els) =>
          els.map((r) => {
            const dur = r.querySelector<HTMLElement>('.jdur')!;
            const nodes = r.querySelector<HTMLElement>('.jnodes')!;
            const box = r.getBoundingClientRect();
            return {
              dur: dur.textContent,
              durWhole:
                dur.offsetWidth > 0 &&
                dur.scrollWidth <= dur.clientWidth &&
                dur.getBoundingClientRect().right <= box.right + 0.5,
              rowFits: r.scrollWidth <= r.clientWidth,
              nodesShown: nodes.offsetWidth > 0,
              title: r.getAttribute('title')!,
            };
          }),
        );
        expect(rows.length).toBeGreaterThan(10); // those in view (the list is virtualized)
        expect(rows.filter((r) => !r.durWhole || !r.rowFits).map((r) => `${width}: ${r.dur}`)).toEqual([]);
        for (const r of rows) {
          expect(r.dur).toMatch(/^· −?[\d.]+ (ns|µs|ms)$/);
          // The title has what the row leaves out.
          expect(r.title).toMatch(/ · \S+ → \S+( → \S+)? · /);
        }
        // A list wide enough shows the nodes too (at 1600 px: 514 px).
        if (width === 1600) expect(rows.every((r) => r.nodesShown)).toBe(true);
        await shot(p, `files-journey-list-${width}`, '.journey-list');
      }
      expect(errors).toEqual([]);
    } finally {
      await p.setViewportSize({ width: 1600, height: 1000 });
    }
  });

  it("the latency chart's tooltip after a resize: no hop the pointer is not on (it kept the hop hovered before)", async () => {
    // The journey above. Its third bar (4 n2/ens33) hovered, then the window narrowed: the chart shrinks under the
    // still pointer, and another bar, or none, is under it.
    const tip = () =>
      p.evaluate(() => {
        const w = document.querySelector<HTMLElement>(
          '[data-testid=latency-chart] .recharts-tooltip-wrapper',
        );
        return w && w.style.visibility !== 'hidden' ? (w.textContent ?? '') : null;
      });
    /** The bar whose band x is in (the tooltip's hop): the nearest bar's centre, by its place among the bars. */
    const barAt = (x: number) =>
      p.$$eval(
        '[data-testid=latency-chart] .recharts-bar-rectangle',
        (bars, x) => {
          const d = bars.map((b) => {
            const r = b.getBoundingClientRect();
            return Math.abs(r.left + r.width / 2 - x);
          });
          return d.indexOf(Math.min(...d));
        },
        x,
      );
    const names = [
      '2 n1/cbr0',
      '3 n1/ens33',
      '4 n2/ens33',
      '5 n2/ens33',
      '6 n1/ens33',
      '7 n1/cbr0',
      '8 n1/vethdf3a8b64',
    ];
    try {
      await p.$eval('.journey-detail', (e) => (e.scrollTop = e.scrollHeight));
      await p.waitForTimeout(200);
      const bar = (await p
        .locator('[data-testid=latency-chart] .recharts-bar-rectangle')
        .nth(2)
        .boundingBox())!;
      const at = { x: bar.x + bar.width / 2, y: bar.y + bar.height - 2 };
      await p.mouse.move(at.x, at.y);
      await p.waitForFunction(() =>
        document
          .querySelector('[data-testid=latency-chart] .recharts-tooltip-wrapper')
          ?.textContent?.startsWith('4 n2/ens33'),
      );
      await p.setViewportSize({ width: 1300, height: 1000 });
      await p.waitForTimeout(300);
      // The pointer is still over the chart, no longer over hop 4's bar.
      const chart = (await p.locator('[data-testid=latency-chart] svg').boundingBox())!;
      expect(
        at.x > chart.x && at.x < chart.x + chart.width && at.y > chart.y && at.y < chart.y + chart.height,
      ).toBe(true);
      const under = await barAt(at.x);
      expect(under).not.toBe(2);
      const shown = await tip();
      // Nothing, or the hop now under the pointer.
      if (shown !== null) expect(shown.startsWith(`${names[under]}latency`), shown).toBe(true);
      // The pointer moved again: the tooltip says the hop under it.
      await p.mouse.move(at.x + 1, at.y);
      const now = await barAt(at.x + 1);
      if (now >= 0)
        await p.waitForFunction(
          (n) =>
            document
              .querySelector('[data-testid=latency-chart] .recharts-tooltip-wrapper')
              ?.textContent?.startsWith(`${n}latency`),
          names[now],
        );
      await shot(p, 'files-latency-chart-resized', '[data-testid=latency-chart]');
      expect(errors).toEqual([]);
    } finally {
      await p.mouse.move(5, 5);
      await p.setViewportSize({ width: 1600, height: 1000 });
    }
  });
});

describe.sequential('TCP segments cut on the way (TSO/GSO) and merged again (GRO) (Chromium)', () => {
  it('the ladder shows the wire’s pieces as hops of the large segment, each timed from it, and GRO’s merge', async () => {
    // tests/fixtures/gso-vxlan: node-1 sends 6,990 bytes in one segment; node-2's ens33 sees five pieces.
    const dir = path.join(ROOT, 'tests/fixtures/gso-vxlan');
    const files = folderFiles(dir);
    await open(files, '8 dropped files');
    const folded = await openJourney(p, '10.244.0.12.33400 > 10.244.1.34.5001: flags [p.], length 6990', 12);
    const ladder = p.locator('[data-testid=hop-ladder]');
    // The five pieces show their first and last, the three between folded under one row with their bytes.
    expect(folded.map((h) => `${h.node}/${h.iface} ${h.changes}`)).toEqual([
      'node-1/veth2053e67d ',
      'node-1/cni0 ',
      'node-1/flannel.1 mac ttl',
      'node-1/ens33 mac encap+vxlan',
      'node-2/ens33 split',
      'node-2/ens33 split',
      'node-2/flannel.1 mac encap-vxlan merged',
      'node-2/cni0 mac ttl',
      'node-2/veth470beb22 ',
    ]);
    const fold = ladder.locator('[data-testid=piece-fold]');
    expect(await fold.textContent()).toMatch(/^⋯ 3 more pieces bytes 1398:5592 · \+[\d.]+ µs … \+[\d.]+ µs$/);
    expect(await ladder.locator('[data-testid=piece-bytes]').allTextContents()).toEqual([
      ' bytes 0:1398 of 6990',
      ' bytes 5592:6990 of 6990',
    ]);
    await fold.scrollIntoViewIfNeeded();
    await shot(p, 'files-gso-folded');
    await fold.locator('button').click();
    await p.waitForFunction(
      () => document.querySelectorAll('[data-testid=hop-ladder] [data-testid=hop]').length === 12,
    );
    const hops = await p.$$eval('[data-testid=hop-ladder] [data-testid=hop]', (els) =>
      els.map((e) => ({
        node: (e as HTMLElement).dataset.node!,
        iface: (e as HTMLElement).dataset.iface!,
        changes: (e as HTMLElement).dataset.changes ?? '',
      })),
    );
    expect(hops.map((h) => `${h.node}/${h.iface} ${h.changes}`)).toEqual([
      'node-1/veth2053e67d ',
      'node-1/cni0 ',
      'node-1/flannel.1 mac ttl',
      'node-1/ens33 mac encap+vxlan',
      'node-2/ens33 split',
      'node-2/ens33 split',
      'node-2/ens33 split',
      'node-2/ens33 split',
      'node-2/ens33 split',
      'node-2/flannel.1 mac encap-vxlan merged',
      'node-2/cni0 mac ttl',
      'node-2/veth470beb22 ',
    ]);
    expect(await ladder.locator('[data-testid=tcp-split]').count()).toBe(5);
    expect(await ladder.locator('[data-testid=tcp-merged]').count()).toBe(1);
    // The second to fifth pieces say they are timed from hop 4 (node-1's ens33), GRO's merge from the first piece.
    expect(await ladder.locator('[data-testid=since-hop]').allTextContents()).toEqual([
      'since hop 4',
      'since hop 4',
      'since hop 4',
      'since hop 4',
      'since hop 5',
    ]);
    expect(await ladder.locator('[data-testid=since-hop]').first().getAttribute('title')).toMatch(/TSO\/GSO/);
    await shot(p, 'files-gso-pieces', '[data-testid=hop-ladder]');
    // A piece as `tcpdump -nr node-2__ens33.pcap` prints it (VXLAN's inner packet on the next line, numbers
    // relative), put in the filter as pasted text is: the box joins the lines with a space, and the list has the
    // large segment's journey alone, not every segment of the flow.
    const piece =
      '18:44:18.713613 IP 10.1.10.9.50582 > 10.1.10.10.8472: OTV, flags [I] (0x08), overlay 0, instance 1\n' +
      'IP 10.244.0.12.33400 > 10.244.1.34.5001: Flags [.], seq 1399:2797, ack 1, win 64, options [nop,nop,TS val ' +
      '4078132328 ecr 874519408], length 1398';
    await p.fill('#journey-filter', '');
    await p.waitForFunction(() => document.querySelectorAll('[data-testid=journey-row]').length > 5);
    await p.focus('#journey-filter');
    await p.keyboard.insertText(piece);
    expect(await p.inputValue('#journey-filter')).toBe(piece.replace('\n', ' '));
    await p.waitForFunction(() => document.querySelectorAll('[data-testid=journey-row]').length === 1);
    const row = p.locator('[data-testid=journey-row]');
    expect(await row.getAttribute('data-hops')).toBe('12');
    expect(await row.textContent()).toContain(
      '10.244.0.12.33400 > 10.244.1.34.5001: Flags [P.], length 6990',
    );
    await p.fill('#journey-filter', '');
    expect(errors).toEqual([]);
  });
});

describe.sequential('a packet through WireGuard (Chromium)', () => {
  it('the ladder shows it encrypted between the two wireguard.cali: the tunnel datagram, its message, no inner packet', async () => {
    // tests/fixtures/calico-wireguard: a node-1 pod pings a node-2 pod; ens33 carries only WireGuard transport data.
    const dir = path.join(ROOT, 'tests/fixtures/calico-wireguard');
    await open(
      folderFiles(dir, (f) => /\.pcap$|\.ip-(link|addr|route)\.json$/.test(f)),
      '7 dropped files',
    );
    const hops = await openJourney(
      p,
      '10.100.84.130 > 10.100.247.3: icmp echo request, id 24042, seq 1, length 64',
      6,
    );
    expect(hops.map((h) => `${h.node}/${h.iface} ${h.changes}`)).toEqual([
      'node-1/calida8798d2ad7 ',
      'node-1/wireguard.cali ttl',
      'node-1/ens33 encap+wireguard',
      'node-2/ens33 ',
      'node-2/wireguard.cali encap-wireguard',
      'node-2/cali79d4f06640e ttl',
    ]);
    const ladder = p.locator('[data-testid=hop-ladder]');
    expect(await ladder.locator('[data-testid=encap-pushed]').allTextContents()).toEqual(['+WIREGUARD']);
    expect(await ladder.locator('[data-testid=encap-popped]').allTextContents()).toEqual(['−WIREGUARD']);
    // Both NICs' hops: the same message, the tunnel's addresses and ports, and the packet said to be hidden.
    const boxes = ladder.locator('[data-testid=encap-wireguard]');
    expect(await boxes.count()).toBe(2);
    const heads = await boxes.locator('.encap-head').allTextContents();
    expect(heads[0]).toMatch(
      /^WIREGUARD 10\.1\.10\.9:51820 → 10\.1\.10\.10:51820 · receiver 0x[0-9a-f]{8} · counter 0TTL 64$/,
    );
    expect(heads[1]).toBe(heads[0]);
    expect(await boxes.locator('[data-testid=encrypted]').allTextContents()).toEqual(
      Array(2).fill('packet encrypted (96 bytes with padding): not visible here'),
    );
    // The clear hops keep their packet (addresses, TTL), none of them a WireGuard box.
    expect(await ladder.locator('.inner .ip').count()).toBe(4);
    await shot(p, 'files-wireguard', '[data-testid=hop-ladder]');
    expect(errors).toEqual([]);
  });
});

describe.sequential('folders dropped whole (Chromium)', () => {
  it('a fixture folder opens its captures, its interface lists read beside them; manifest.json and make.sh are left out', async () => {
    // As a file manager drops it: one item, the folder, read through its entry (its File has no bytes).
    const dir = path.join(ROOT, 'tests/fixtures/antrea-geneve');
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(['manifest.json', 'make.sh']));
    await dropOpened(p, () => dropPaths(p, [dir]));
    // The session before this one was 8 dropped files too (gso-vxlan): wait for this folder's own interface.
    await p.waitForSelector('[data-testid=pane][data-capture="node-1/antrea-tun0"]', { timeout: 20_000 });
    expect(await p.textContent('[data-testid=session-title]')).toMatch(/^8 dropped files/);
    await p.waitForSelector('[data-testid=pane] .row');
    expect(await p.$('[data-testid=session-notice]')).toBeNull();
    expect(await p.$('[data-testid=error-banner]')).toBeNull();
    const panes = await p.$$eval('[data-testid=pane]', (els) =>
      els.map((e) => (e as HTMLElement).dataset.capture),
    );
    expect(panes).toHaveLength(8);
    expect(panes).toContain('node-1/antrea-tun0');
    // The interface lists were read: a hop's MAC is named after its interface.
    await openJourney(p, 'echo request', 8);
    expect(
      await p.textContent('[data-testid=hop-ladder] [data-testid=hop]:nth-child(4) [data-testid=mac]'),
    ).toContain('(node-1/ens33)');
    expect(errors).toEqual([]);
  });

  it('two folders dropped together: both files of one name open, their panes named by folder', async () => {
    const dirs = ['flannel-vxlan', 'flannel-hostgw'].map((d) => path.join(ROOT, 'tests/fixtures', d));
    await dropOpened(p, () => dropPaths(p, dirs));
    await p.waitForSelector('[data-testid=pane][data-capture="node-1/ens33~flannel-hostgw"]', {
      timeout: 20_000,
    });
    const panes = await p.$$eval('[data-testid=pane]', (els) =>
      els.map((e) => (e as HTMLElement).dataset.capture),
    );
    expect(panes).toHaveLength(14);
    expect(panes).toEqual(
      expect.arrayContaining([
        'node-1/ens33~flannel-vxlan',
        'node-1/ens33~flannel-hostgw',
        'node-2/cni0~flannel-vxlan',
        'node-2/cni0~flannel-hostgw',
        'node-1/flannel.1',
      ]),
    );
    expect(await p.$('[data-testid=session-notice]')).toBeNull();
    expect(errors).toEqual([]);
  });

  it('a GRE packet’s line copied from its pane, pasted into the filter, lists that packet’s journey', async () => {
    await dropOpened(p, () =>
      dropPaths(p, [path.join(ROOT, 'tests/fixtures/ip-protocols/ip-protocols.pcap')]),
    );
    // The pane prints GRE as tcpdump -e does (`GREv0, key=0x61, proto IPv4 (0x0800), length 43: …`), which the
    // journey list's line has not.
    const row = p.locator('[data-testid=pane] .row', { hasText: 'GREv0, key=0x61, proto IPv4 (0x0800)' });
    await explained(p, 'the GRE packet’s row', row.waitFor({ timeout: 10_000 }));
    const line = `${await row.locator('.t').textContent()} ${await row.locator('.s').textContent()}`;
    expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{6,9} [\da-f:]{17} > /);
    await p.fill('#journey-filter', line);
    await explained(
      p,
      'the journey list filtered by the line',
      p.waitForFunction(() => document.querySelectorAll('[data-testid=journey-row]').length === 1, null, {
        timeout: 5_000,
      }),
    );
    expect(await p.textContent('[data-testid=journey-row]')).toContain(
      '10.97.0.1 > 10.97.0.2: GREv0, key=0x61, length 43: IP 192.168.97.1.40000 > 192.168.97.2.9999: UDP, length 7',
    );
    // pcap's filter again after it.
    await p.fill('#journey-filter', `${line} and not host 10.97.0.1`);
    await p.waitForFunction(() => document.querySelectorAll('[data-testid=journey-row]').length === 0);
    await p.fill('#journey-filter', '');
    expect(errors).toEqual([]);
  });

  it('a file that is no capture, dropped alone, is said to be none', async () => {
    await dropPaths(p, [path.join(ROOT, 'tests/fixtures/antrea-geneve/manifest.json')]);
    const banner = p.locator('[data-testid=error-banner]');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/^PCAP_BAD_MAGIC manifest\.json: neither pcap nor pcapng /);
    await banner.locator('button[aria-label=dismiss]').click();
    // An empty folder: nothing to open, said so (not a drop that never ends).
    const empty = tempDir('hs-empty-drop-');
    try {
      await dropPaths(p, [empty]);
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(
        /^SESSION_INVALID nothing to open: the dropped folder holds no files/,
      );
      expect(await p.$('[data-testid=loading]')).toBeNull();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    await banner.locator('button[aria-label=dismiss]').click();
    expect(errors).toEqual([]);
  });
});

describe('captures past the packet limit (HOPSCOPE_MAX_PACKETS=40)', () => {
  let small: Served;
  let q: Page;
  let qErrors: string[];
  beforeAll(async () => {
    small = await serve({ HOPSCOPE_MAX_PACKETS: '40' });
    ({ page: q, errors: qErrors } = await page(b, small.url));
    await q.waitForSelector('[data-testid=open-sample]');
  }, 120_000);
  afterAll(async () => {
    await q?.close();
    await small?.stop();
  });

  it('the error offers a time range of the dropped files, which opens with its range in the header', async () => {
    // flannel-vxlan: 64 packets on 8 interfaces.
    await dropFiles(q, folderFiles(path.join(ROOT, 'tests/fixtures/flannel-vxlan')));
    const offer = q.locator('[data-testid=range-offer]');
    await offer.waitFor();
    expect(await q.textContent('[data-testid=error-banner]')).toMatch(/^TOO_MANY_PACKETS /);
    // From the captures' first packet to the first packet past the 40th in time order (to the ns).
    const after = await offer.locator('input[aria-label=after]').inputValue();
    const before = await offer.locator('input[aria-label=before]').inputValue();
    expect(after).toBe('2026-11-26T03:23:53.287641532Z'); // the first packet of all (tshark -r …: frame.time_epoch)
    expect(before).toMatch(/^2026-11-26T03:23:5\d\.\d{9}Z$/);
    await shot(q, 'files-range-offer');
    await offer.locator('button[type=submit]').click();
    await q.waitForSelector('[data-testid=session-range]');
    expect(await q.textContent('[data-testid=session-range]')).toBe(
      `time range 2026-11-26 03:23:53.287641532 – ${before.slice(11, -1)} UTC`,
    );
    const title = await q.textContent('[data-testid=session-title]');
    const packets = Number(/· ([\d,]+) packets? ·/.exec(title!)![1].replace(/,/g, ''));
    expect(packets).toBeGreaterThan(20);
    expect(packets).toBeLessThanOrEqual(40);
    expect(await q.$('[data-testid=error-banner]')).toBeNull();
    await shot(q, 'files-range-opened');
    expect(qErrors).toEqual([]);
  });
});
