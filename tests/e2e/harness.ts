// Browser-test harness: builds the UI if needed, runs `hopscope serve --json` as a child process (web mode, as a
// user would), drives Debian's Chromium with playwright-core, and saves screenshots under test-results/.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

import { chromium, type Browser, type Page } from 'playwright-core';
import { tempDir } from '../tempDir.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const RESULTS = path.join(ROOT, 'test-results');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The built renderer is what web mode serves; build it once when a test runs before `npm run build`. */
export function ensureBuilt(): void {
  if (existsSync(path.join(ROOT, 'out/renderer/index.html'))) return;
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
    { cwd: ROOT, stdio: 'ignore' },
  );
}

export interface Served {
  url: string;
  port: number;
  token: string;
  child: ChildProcess;
  /** What the server wrote on stderr so far. */
  stderr(): string;
  /** SIGTERM, then the exit (SIGKILL and an error if it takes over STOP_DEADLINE_MS). */
  stop(): Promise<void>;
}

/** A stopped server exits in well under a second; one still there after this is a defect reported as such. */
const STOP_DEADLINE_MS = 15_000;
/** Servers not yet exited: killed when the test file's process ends, so none outlives a failed or timed-out test. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function serve(env: Record<string, string> = {}): Promise<Served> {
  // A fresh config folder: saved nodes of earlier runs (or of the user) stay out of the test. Its temp folder
  // (where the app's work folder goes, with exports made without a path) is the test file's, removed with it.
  const configDir = tempDir('hs-e2e-config-');
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/hopscope.mjs'), 'serve', '--json'], {
    cwd: ROOT,
    env: { ...process.env, HOPSCOPE_CONFIG_DIR: configDir, TMPDIR: tempDir('hs-e2e-tmp-'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`hopscope serve exited ${code}: ${stderr}`)));
  });
  const info = JSON.parse(line) as { url: string; port: number; token: string };
  return {
    ...info,
    child,
    stderr: () => stderr,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const deadline = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`hopscope serve had not exited ${STOP_DEADLINE_MS} ms after SIGTERM: ${stderr}`));
        }, STOP_DEADLINE_MS);
        child.once('exit', () => {
          clearTimeout(deadline);
          resolve();
        });
        child.kill('SIGTERM');
      }).finally(() => rmSync(configDir, { recursive: true, force: true })),
  };
}

export async function browser(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export async function page(b: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const p = await b.newPage({ viewport: { width: 1600, height: 1000 } });
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  p.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  p.on('response', (r) => {
    if (r.status() >= 400 && !r.url().includes('__expect_status__'))
      errors.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  // Everything the app loads comes from the app itself (Monaco included): no CDN, no other host.
  const origin = new URL(url).origin;
  p.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin + '/') && !u.startsWith('data:') && !u.startsWith('blob:'))
      errors.push(`external request: ${u}`);
  });
  await p.goto(url);
  return { page: p, errors };
}

export async function shot(p: Page, name: string, selector?: string): Promise<string> {
  mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `${name}.png`);
  if (selector) await p.locator(selector).first().screenshot({ path: file });
  else await p.screenshot({ path: file });
  return file;
}

/** Opens a journey of `hops` hops whose list row matches `filter`, returning the ladder's hops as data attributes. */
export async function openJourney(
  p: Page,
  filter: string,
  hops = 8,
): Promise<{ node: string; iface: string; ttl: number; changes: string }[]> {
  await p.click('[data-testid=tab-journey]');
  await p.fill('#journey-filter', filter);
  await explained(
    p,
    `the journey list filtered by ${JSON.stringify(filter)}`,
    p.waitForFunction(
      (f) => {
        const rows = document.querySelectorAll('[data-testid=journey-row]');
        return rows.length > 0 && [...rows].every((r) => r.textContent!.toLowerCase().includes(f));
      },
      filter.toLowerCase(),
      { timeout: 10_000 },
    ),
  );
  await p.locator(`[data-testid=journey-row][data-hops="${hops}"]`).first().click();
  await p.waitForSelector('[data-testid=hop-ladder] [data-testid=hop]');
  return p.$$eval('[data-testid=hop-ladder] [data-testid=hop]', (els) =>
    els.map((e) => {
      const d = (e as HTMLElement).dataset;
      return { node: d.node!, iface: d.iface!, ttl: Number(d.ttl), changes: d.changes ?? '' };
    }),
  );
}

/**
 * What the page shows that a wait may be waiting for: the session's title, the loading line, the error banner,
 * the journey list's count line, filter and rows, the panes. Said when a wait fails, so that a test that timed
 * out on a loaded machine says where the app stood.
 */
export async function uiState(p: Page): Promise<string> {
  return p
    .evaluate(() => {
      const text = (sel: string) => document.querySelector(sel)?.textContent ?? null;
      const rows = [...document.querySelectorAll('[data-testid=journey-row]')];
      return JSON.stringify({
        title: text('[data-testid=session-title]'),
        loading: text('[data-testid=loading]'),
        error: text('[data-testid=error-banner]'),
        notice: text('[data-testid=session-notice]'),
        filter: (document.getElementById('journey-filter') as HTMLInputElement | null)?.value ?? null,
        filterError: text('[data-testid=journey-filter-error]'),
        journeyCount: text('.journey-list > .muted.small'),
        journeyRows: rows.length,
        firstRows: rows.slice(0, 3).map((r) => r.textContent),
        panes: [...document.querySelectorAll('[data-testid=pane]')].map(
          (e) =>
            `${(e as HTMLElement).dataset.capture}: ${e.querySelectorAll('.row').length} rows shown, scrolled ` +
            `${e.querySelector('.pane-body')?.scrollTop ?? 0} px`,
        ),
      });
    })
    .catch((e: unknown) => `(the page could not say: ${String(e)})`);
}

/** Awaits `wait`; if it fails, the error says what was awaited and where the page stood (uiState). */
export async function explained<T>(p: Page, what: string, wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (e) {
    throw new Error(
      `waiting for ${what}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}; the page: ${await uiState(p)}`,
    );
  }
}

/** For each pane: does it show a row of the selected journey, and is the selected packet's row there? */
export async function paneHighlights(
  p: Page,
): Promise<{ capture: string; inJourney: number; selected: number }[]> {
  return p.$$eval('[data-testid=pane]', (panes) =>
    panes.map((pane) => ({
      capture: (pane as HTMLElement).dataset.capture!,
      inJourney: pane.querySelectorAll('.row.in-journey').length,
      selected: pane.querySelectorAll('.row.selected').length,
    })),
  );
}

/** Drops files on the window, as a user dragging them from a file manager (their bytes go over the WebSocket). */
export async function dropFiles(p: Page, files: { name: string; bytes: Buffer }[]): Promise<void> {
  await p.evaluate(
    (fs) => {
      const dt = new DataTransfer();
      for (const f of fs)
        dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
      document
        .querySelector('.app')!
        .dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    files.map((f) => ({ name: f.name, b64: f.bytes.toString('base64') })),
  );
}

/** The id of the session shown (the session title's data-session), or null when none is. */
export function shownSession(p: Page): Promise<string | null> {
  return p.evaluate(
    () => document.querySelector('[data-testid=session-title]')?.getAttribute('data-session') ?? null,
  );
}

/**
 * Runs `drop` (dropFiles, dropPaths) and waits until it has opened its session: until the session shown is
 * another than the one before. A title alone does not say so: two sessions of six dropped files read alike, and
 * a filter typed into the one before is cleared when the new one shows.
 */
export async function dropOpened(p: Page, drop: () => Promise<void>, timeout = 10_000): Promise<void> {
  const before = await shownSession(p);
  await drop();
  await explained(
    p,
    'the dropped files’ session',
    p.waitForFunction(
      (b) => {
        const id = document.querySelector('[data-testid=session-title]')?.getAttribute('data-session');
        return !!id && id !== b;
      },
      before,
      { timeout },
    ),
  );
}

/**
 * Drops files or folders from disk as a file manager does (Chromium's own drag and drop, through CDP): a folder
 * arrives as one item the page reads through its entry, not as the files inside it.
 */
export async function dropPaths(p: Page, paths: string[]): Promise<void> {
  const box = (await p.locator('.main').boundingBox())!;
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const cdp = await p.context().newCDPSession(p);
  try {
    const data = { items: [], files: paths, dragOperationsMask: 1 };
    for (const type of ['dragEnter', 'dragOver', 'drop'] as const)
      await cdp.send('Input.dispatchDragEvent', { type, ...at, data });
  } finally {
    await cdp.detach();
  }
}

/**
 * The timeline canvas's pixels across the middle of lane `lane` (RGBA, device pixels from the lane labels' right
 * edge on), with the device pixel ratio: what a test reads the drawn ticks and journey marks from.
 */
export async function timelineLaneRow(p: Page, lane: number): Promise<{ rgba: number[]; dpr: number }> {
  return p.$eval(
    '[data-testid=timeline] canvas',
    (cv, lane) => {
      const c = cv as HTMLCanvasElement;
      const dpr = c.width / c.clientWidth;
      const from = Math.ceil(Number(c.dataset.labelWidth) * dpr);
      const y = Math.round((22 + lane * 22 + 11) * dpr);
      const d = c.getContext('2d')!.getImageData(0, y, c.width, 1).data;
      // Columns left of `from` (the labels) read as transparent: no test looks there.
      return { rgba: Array.from(d, (v, i) => (i < from * 4 ? 0 : v)), dpr };
    },
    lane,
  );
}
