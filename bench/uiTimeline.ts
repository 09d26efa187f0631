// Where a UI first view's time goes (bench/ui.ts says how long it is): opens the 1 M-packet session in web mode
// and Chromium like bench/ui.ts, then prints, in ms from the click on Open, every WebSocket message in and out
// (size and start), every long task, the first rows and the first view, and the CPU time each thread of the server
// and the browser used meanwhile. Also: --cpuprofile FILE (the page's V8 profile of the load), --scroll (wheel
// like bench/ui.ts afterwards and list the long tasks then).
//
//   node bin/run-ts.mjs bench/uiTimeline.ts [--quick] [--cpuprofile FILE] [--scroll]

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { browser as launchBrowser, ensureBuilt, serve } from '../tests/e2e/harness.ts';
import { watchFirstView } from './lib/firstView.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Probe {
  long: { start: number; duration: number }[];
  ws: { dir: 'in' | 'out'; t: number; n: number; head: string }[];
  marks: { rows?: number; view?: number; full?: number };
}
declare global {
  interface Window {
    __probe: Probe;
  }
}

// Page scripts are strings (tsx would wrap inner functions in a helper the page lacks). Messages in are noted by a
// listener added after the app's, so their time is when the app has handled them.
const INIT = `
  window.__probe = { long: [], ws: [], marks: {} };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__probe.long.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  const Real = window.WebSocket;
  const send = Real.prototype.send;
  Real.prototype.send = function (d) {
    window.__probe.ws.push({ dir: 'out', t: performance.now(), n: d.byteLength ?? d.length, head: '' });
    return send.call(this, d);
  };
  window.WebSocket = function (url, protocols) {
    const s = new Real(url, protocols);
    s.addEventListener('message', (ev) => {
      let head = '';
      if (ev.data instanceof ArrayBuffer && ev.data.byteLength >= 4) {
        const n = new DataView(ev.data).getUint32(0, true);
        head = new TextDecoder().decode(new Uint8Array(ev.data, 4, Math.min(n, 90, ev.data.byteLength - 4)));
      }
      window.__probe.ws.push({ dir: 'in', t: performance.now(), n: ev.data.byteLength, head });
    });
    return s;
  };
  window.WebSocket.prototype = Real.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
`;

const WATCH = watchFirstView('window.__probe.marks');

/** CPU time (ms) per thread of Chromium and Node processes, from /proc (Linux). */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (!/chrom|node/.test(comm)) continue;
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const st = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        out.set(`${pid}/${tid} ${comm}: ${name}`, (Number(f[11]) + Number(f[12])) * 10);
      }
    } catch {
      // The process or thread ended while being read.
    }
  }
  return out;
}

async function main(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const profFile = argv.includes('--cpuprofile') ? argv[argv.indexOf('--cpuprofile') + 1] : null;
  const sessionDir = path.join(ROOT, 'bench/data', quick ? 'quick' : 'full', 'path');
  ensureBuilt();
  const served = await serve();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.addInitScript({ content: INIT });
    await page.goto(served.url);
    await page.fill('textarea[aria-label="paths to open"]', sessionDir);
    await page
      .waitForSelector('[data-testid=filter-editor] .monaco-editor', { timeout: 30_000 })
      .catch(() => undefined);
    await page.waitForTimeout(300);
    const cdp = await page.context().newCDPSession(page);
    if (profFile) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    const cpu0 = threadCpu();
    const t0 = await page.evaluate(() => performance.now());
    await page.evaluate(WATCH);
    await page.click('[data-testid=open-paths]');
    await page.waitForFunction(() => window.__probe.marks.full !== undefined, undefined, {
      timeout: 180_000,
      polling: 50,
    });
    const cpu1 = threadCpu();
    if (argv.includes('--scroll')) {
      const box = await page.locator('[data-testid=pane] .pane-body').first().boundingBox();
      if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      for (let i = 0; i < 120; i++) {
        await page.mouse.wheel(0, 600);
        await page.waitForTimeout(16);
      }
    } else await page.waitForTimeout(3000);
    if (profFile) {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(profFile, JSON.stringify(profile));
    }
    const p = await page.evaluate(() => window.__probe);
    console.log(
      `first rows ${Math.round(p.marks.rows! - t0)} ms, first panes with summaries ${Math.round(p.marks.view! - t0)} ` +
        `ms, every pane (the first view) ${Math.round(p.marks.full! - t0)} ms`,
    );
    console.log('CPU ms per thread from the click to the first view:');
    const used = [...cpu1].map(([k, v]) => [k, v - (cpu0.get(k) ?? 0)] as const).filter(([, v]) => v > 0);
    for (const [k, v] of used.sort((a, b) => b[1] - a[1]).slice(0, 12))
      console.log(`${String(v).padStart(7)}  ${k}`);
    const lines: [number, string][] = [
      [p.marks.rows!, '== first rows'],
      [p.marks.view!, '== first panes with summaries'],
      [p.marks.full!, '== every pane: the first view'],
      ...p.long
        .filter((l) => l.start >= t0)
        .map((l): [number, string] => [l.start, `long task ${Math.round(l.duration)} ms`]),
      ...p.ws.filter((w) => w.t >= t0).map((w): [number, string] => [w.t, `${w.dir} ${w.n} B ${w.head}`]),
    ];
    for (const [t, s] of lines.sort((a, b) => a[0] - b[0]))
      console.log(`${String(Math.round(t - t0)).padStart(7)}  ${s}`);
  } finally {
    await browser.close();
    await served.stop();
  }
}

await main(process.argv.slice(2));
