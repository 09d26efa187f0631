// UI load numbers: web mode opens the generated 1 M-packet session (8 × 125 k path files) in Debian's Chromium,
// and the browser's own performance API says how long until the first view, the longest task while loading,
// and the frame times and longest task while the panes scroll.
//
//   node bin/run-ts.mjs bench/ui.ts [--quick | --journeys N] [--scroll-steps N]
//
// --journeys N opens a session of N journeys (8 N packets; 125,000 is the target's set) generated into
// bench/data/journeys-N, to see how the app scales past the target (the verdicts are for the 1 M set).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Page } from 'playwright-core';

import { browser as launchBrowser, ensureBuilt, serve } from '../tests/e2e/harness.ts';
import { generate, readManifest } from './generate.ts';
import { watchFirstView } from './lib/firstView.ts';
import { TARGETS } from './lib/targets.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LOAD_TIMEOUT_MS = 180_000;

declare global {
  interface Window {
    __hsLong: { start: number; duration: number }[];
    __hsFrames: number[];
    __hsFrameRun: boolean;
    __hsMarks: { rows?: number; view?: number; full?: number };
  }
}

// Page scripts are strings: tsx (esbuild keepNames) would wrap inner functions in a `__name` helper that
// does not exist in the page.
/** Installed before the app's scripts: every long task (> 50 ms) with its start time. */
const OBSERVE_LONG_TASKS = `
  window.__hsLong = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__hsLong.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
`;

/** Started just before the click on Open: the first rows, the first view (bench/lib/firstView.ts). */
const WATCH_FIRST_VIEW = `window.__hsMarks = {};\n${watchFirstView('window.__hsMarks')}`;

/** Records every animation frame's duration until __hsFrameRun is cleared. */
const RECORD_FRAMES = `
  window.__hsFrames = [];
  window.__hsFrameRun = true;
  let last = performance.now();
  const tick = (now) => {
    window.__hsFrames.push(now - last);
    last = now;
    if (window.__hsFrameRun) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
`;

/** CPU seconds (user+sys, all threads) of a process so far, from /proc (Linux), NaN elsewhere. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN);
  return { n: s.length, median: q(0.5), p95: q(0.95), max: s.at(-1) ?? NaN };
};

async function longestBetween(page: Page, from: number, to: number): Promise<number> {
  return page.evaluate(
    ([a, b]) =>
      Math.max(
        0,
        ...window.__hsLong.filter((t) => t.start + t.duration >= a && t.start <= b).map((t) => t.duration),
      ),
    [from, to] as const,
  );
}

async function main(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const steps = argv.includes('--scroll-steps') ? Number(argv[argv.indexOf('--scroll-steps') + 1]) : 120;
  const asked = argv.includes('--journeys') ? Number(argv[argv.indexOf('--journeys') + 1]) : null;
  if (asked !== null && !(Number.isInteger(asked) && asked > 0)) throw new Error('--journeys takes a count');
  const journeys = asked ?? (quick ? 12_500 : 125_000);
  const name = journeys === 125_000 ? 'full' : journeys === 12_500 ? 'quick' : `journeys-${journeys}`;
  const dir = path.join(ROOT, 'bench/data', name);
  const extras = name !== `journeys-${journeys}`; // the one-file mix and its copies serve npm run bench only
  const m = readManifest(dir, journeys) ?? generate({ outDir: dir, journeys, extras });
  const sessionDir = path.join(dir, 'path');
  ensureBuilt();
  const served = await serve();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript({ content: OBSERVE_LONG_TASKS });
    await page.goto(served.url);
    await page.fill('textarea[aria-label="paths to open"]', sessionDir);
    // The app has finished starting (its filter editor, Monaco, is loaded after first paint: ~0.3 s of parsing
    // and layout on this machine) before the session is opened, as when a user opens one.
    await page
      .waitForSelector('[data-testid=filter-editor] .monaco-editor', { timeout: 30_000 })
      .catch(() => console.error('the filter editor did not load: opening anyway'));
    await page.waitForTimeout(300);

    // First view: from the click on Open until a pane shows rows with their summaries filled in (the first
    // animation frame with that DOM, noted in the page).
    const serverCpu0 = cpuSeconds(served.child.pid);
    const t0 = await page.evaluate(() => performance.now());
    await page.evaluate(WATCH_FIRST_VIEW);
    await page.click('[data-testid=open-paths]');
    await page.waitForFunction(() => window.__hsMarks.full !== undefined, undefined, {
      timeout: LOAD_TIMEOUT_MS,
      polling: 50,
    });
    const marks = await page.evaluate(() => window.__hsMarks);
    const tRows = marks.rows!;
    const tFirstPane = marks.view!;
    const tFirstView = marks.full!;
    // Where the first-view time went: the server process's CPU, and the browser's long tasks.
    const serverCpuS = cpuSeconds(served.child.pid) - serverCpu0;
    const loadTasksMs = await page.evaluate(
      ([a, b]) =>
        window.__hsLong.filter((t) => t.start >= a && t.start <= b).reduce((sum, t) => sum + t.duration, 0),
      [t0, tFirstView] as const,
    );
    const panes = await page.$$eval('[data-testid=pane] .pane-count', (els) =>
      els.map((e) => e.textContent ?? ''),
    );
    const loadLongest = await longestBetween(page, t0, tFirstView);

    // Scroll: wheel over the first pane, one notch per frame, recording every frame's duration.
    const box = await page.locator('[data-testid=pane] .pane-body').first().boundingBox();
    if (!box) throw new Error('no pane body to scroll');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.evaluate(RECORD_FRAMES);
    const s0 = await page.evaluate(() => performance.now());
    for (let i = 0; i < steps; i++) {
      await page.mouse.wheel(0, 600);
      await page.waitForTimeout(16);
    }
    const sWheel = await page.evaluate(() => performance.now());
    // A long jump too: drag the pane to the middle of a million rows, then back near the top.
    await page.evaluate(() => {
      const body = document.querySelector('[data-testid=pane] .pane-body') as HTMLElement;
      body.scrollTop = body.scrollHeight / 2;
    });
    await page.waitForTimeout(300);
    await page.evaluate(() => {
      const body = document.querySelector('[data-testid=pane] .pane-body') as HTMLElement;
      body.scrollTop = 1000;
    });
    await page.waitForTimeout(300);
    const s1 = await page.evaluate(() => performance.now());
    const frames = await page.evaluate(() => {
      window.__hsFrameRun = false;
      return window.__hsFrames.slice(1);
    });
    const scrollLongest = await longestBetween(page, s0, s1);
    const wheelLongest = await longestBetween(page, s0, sWheel);
    const jumpLongest = await longestBetween(page, sWheel, s1);
    const f = stats(frames);
    const firstViewMs = tFirstView - t0;
    const report = {
      packets: m.path.reduce((s, p) => s + p.packets, 0),
      panes,
      firstRowsMs: Math.round(tRows - t0),
      firstPanesViewMs: Math.round(tFirstPane - t0),
      firstViewMs: Math.round(firstViewMs),
      loadLongestTaskMs: Math.round(loadLongest),
      loadServerCpuMs: Math.round(serverCpuS * 1000),
      loadBrowserLongTasksMs: Math.round(loadTasksMs),
      scroll: {
        steps,
        frames: f.n,
        medianMs: +f.median.toFixed(1),
        p95Ms: +f.p95.toFixed(1),
        maxMs: +f.max.toFixed(1),
        framesOver50Ms: frames.filter((x) => x > 50).length,
      },
      scrollLongestTaskMs: Math.round(scrollLongest),
      wheelLongestTaskMs: Math.round(wheelLongest),
      jumpLongestTaskMs: Math.round(jumpLongest),
      errors,
    };
    console.log(JSON.stringify(report, null, 1));
    const ok = (b: boolean) => (b ? 'met' : '**MISSED**');
    console.log(
      [
        '| UI target | measured | verdict |',
        '|---|---|---|',
        `| first view of a ${report.packets.toLocaleString('en')}-packet session < ${TARGETS.uiFirstViewMs} ms | ` +
          `${report.firstViewMs} ms, every pane (first rows at ${report.firstRowsMs} ms, first panes with their ` +
          `summaries at ${report.firstPanesViewMs} ms; server CPU ${report.loadServerCpuMs} ms, browser ` +
          `long tasks ${report.loadBrowserLongTasksMs} ms, the longest ${report.loadLongestTaskMs} ms) | ` +
          `${journeys === 125_000 ? ok(firstViewMs < TARGETS.uiFirstViewMs) : 'the target is for the 1 M set'} |`,
        `| no task over ${TARGETS.uiLongestScrollTaskMs} ms while scrolling | longest ${report.scrollLongestTaskMs} ms ` +
          `(wheel ${report.wheelLongestTaskMs} ms, jumps to the middle and back ${report.jumpLongestTaskMs} ms); ` +
          `frames median ${report.scroll.medianMs} ms, p95 ${report.scroll.p95Ms} ms, max ${report.scroll.maxMs} ms ` +
          `(${report.scroll.framesOver50Ms} of ${report.scroll.frames} over 50 ms) | ` +
          `${ok(scrollLongest <= TARGETS.uiLongestScrollTaskMs)} |`,
      ].join('\n'),
    );
  } finally {
    await browser.close();
    await served.stop();
  }
}

await main(process.argv.slice(2));
