// END TO END, for real: the app in web mode (`hopscope serve`) driven in Chromium against the lab's flannel-vxlan
// scenario — add node-1 and node-2 from the lab's ssh_config, accept their host keys (fingerprints checked
// against the lab's key files), select all interfaces, start, run `lab traffic`, stop; open a ping journey (eight
// hops, VXLAN box on ens33, TTLs), check the cross-pane highlight, export pcapng and read it with tshark.
// Run: flock /tmp/hopscope-lab.lock npx vitest run --project lab tests/lab/e2e-app.test.ts
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';

import {
  browser,
  ensureBuilt,
  openJourney,
  page,
  paneHighlights,
  ROOT,
  serve,
  shot,
  type Served,
} from '../e2e/harness.ts';
import { tempDir } from '../tempDir.ts';
import WebSocket from 'ws';

import type { Result } from '../../preload/api.ts';
import { decodeMessage, encodeMessage } from '../../preload/wire.ts';

const LAB = '/run/hopscope-lab';
const hopscope = (...args: string[]) =>
  execFileSync(process.execPath, [path.join(ROOT, 'bin/hopscope.mjs'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

let srv: Served;
let b: Browser;
let p: Page;
let errors: string[];
const knownHosts = path.join(tempDir('hs-e2e-'), 'known_hosts');
/** A ping's path through the flannel-vxlan lab, pod veths named `veth`. */
const VXLAN_PATH = [
  'node-1/veth',
  'node-1/cni0',
  'node-1/flannel.1',
  'node-1/ens33',
  'node-2/ens33',
  'node-2/flannel.1',
  'node-2/cni0',
  'node-2/veth',
];
const hopPath = (hops: { node: string; iface: string }[]) =>
  hops.map((h) => `${h.node}/${h.iface.replace(/^veth\w+$/, 'veth')}`);

/**
 * One API call over the server's WebSocket, as another page (or a script) would make it: what the back end says to
 * a request the page's own controls no longer offer.
 */
async function apiCall(method: string, req: unknown): Promise<Result<unknown>> {
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/ws?token=${srv.token}`, {
    headers: { Origin: `http://127.0.0.1:${srv.port}` },
  });
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return await new Promise<Result<unknown>>((resolve) => {
      ws.on('message', (data: Buffer) => {
        const m = decodeMessage(new Uint8Array(data)) as { t: string; id: number; res: Result<unknown> };
        if (m.t === 'res' && m.id === 1) resolve(m.res);
      });
      ws.send(encodeMessage({ t: 'req', id: 1, method, req }));
    });
  } finally {
    ws.close();
  }
}

/** The server's temporary folder (its TMPDIR): capture session folders land under it. */
const serverTmp = tempDir('hs-e2e-tmp-');

/** session.json of the newest capture folder the server wrote. */
/** The newest capture session.json under the server's TMPDIR (its path). */
function newestCaptureSessionFile(): string | null {
  const found: { file: string; mtime: number }[] = [];
  for (const app of readdirSync(serverTmp).filter((d) => d.startsWith('hopscope-app-')))
    for (const cap of readdirSync(path.join(serverTmp, app)).filter((d) => d.startsWith('capture-'))) {
      const file = path.join(serverTmp, app, cap, 'session.json');
      if (existsSync(file)) found.push({ file, mtime: statSync(file).mtimeMs });
    }
  found.sort((a, b) => b.mtime - a.mtime);
  return found[0]?.file ?? null;
}

function newestCaptureSession(): {
  delivery?: string;
  captures: { iface: string; packets: number; state: string }[];
} {
  const file = newestCaptureSessionFile();
  if (!file) throw new Error(`no capture session under ${serverTmp}`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

beforeAll(async () => {
  ensureBuilt();
  hopscope('lab', 'up', 'flannel-vxlan');
  // An empty known_hosts: the app must ask about both nodes' keys.
  writeFileSync(knownHosts, '');
  srv = await serve({ TMPDIR: serverTmp });
  b = await browser();
  ({ page: p, errors } = await page(b, srv.url));
}, 180_000);

afterAll(async () => {
  await b?.close();
  await srv?.stop();
  hopscope('lab', 'down');
  rmSync(serverTmp, { recursive: true, force: true });
  rmSync(path.dirname(knownHosts), { recursive: true, force: true });
}, 60_000);

/** Starts a capture of the chosen interfaces with a preset filter, runs the lab's traffic, waits for `rows` rows. */
async function captureWithTraffic(preset: string, rows: number): Promise<void> {
  await p.selectOption('[aria-label="filter presets"]', preset);
  await p.waitForFunction(() => !document.querySelector('.filter-error'));
  await p.click('[data-testid=start-capture]');
  await p.waitForSelector('.badge.live', { timeout: 60_000 });
  await p.waitForFunction(
    () => document.querySelectorAll('[data-testid=counters] .counter.state-running').length >= 8,
    null,
    { timeout: 30_000 },
  );
  hopscope('lab', 'traffic', 'flannel-vxlan');
  await p.waitForFunction((n) => document.querySelectorAll('[data-testid=pane] .row').length >= n, rows, {
    timeout: 15_000,
  });
  // The kernel's drop counts arrive with the heartbeat (every 2 s): a few pings lose nothing.
  await p.waitForFunction(
    () =>
      [...document.querySelectorAll('[data-testid=counters] .counter')].every((c) =>
        /no drops/.test(c.textContent ?? ''),
      ),
    null,
    { timeout: 10_000 },
  );
}

/** Stops the capture and waits until its folder is open as a finished session with journeys. */
async function stopCapture(): Promise<void> {
  await p.click('[data-testid=stop-capture]');
  await p.waitForFunction(
    () =>
      !document.querySelector('.badge.live') &&
      /[1-9]\d* journeys/.test(document.querySelector('[data-testid=session-title]')?.textContent ?? ''),
    null,
    { timeout: 60_000 },
  );
}

function labFingerprint(node: string): string {
  // `ssh-keygen -lf` prints "256 SHA256:… comment (ED25519)".
  return execFileSync('ssh-keygen', ['-lf', `${LAB}/ssh_host_ed25519_key.${node}.pub`], {
    encoding: 'utf8',
  }).split(' ')[1];
}

async function addNode(node: string): Promise<void> {
  await p.selectOption('[aria-label="ssh alias"]', node);
  await p.fill('[aria-label="known_hosts file"]', knownHosts);
  await p.click('[data-testid=add-node-button]');
  const dialog = p.locator(`[data-testid=hostkey-dialog][data-node="${node}"]`);
  await dialog.waitFor();
  expect(await dialog.locator('.fingerprint').textContent()).toBe(labFingerprint(node));
  if (node === 'node-1') await shot(p, 'lab-02-hostkey');
  await p.click('[data-testid=hostkey-accept]');
  await p.waitForSelector(`[data-testid=node-card][data-node="${node}"][data-state="connected"]`, {
    timeout: 30_000,
  });
}

describe.sequential('the app against the lab (flannel-vxlan)', () => {
  it('adds both nodes from the lab ssh_config, accepting their host keys', async () => {
    await p.waitForSelector('[data-testid=open-sample]');
    await p.waitForSelector('[data-testid=lab]');
    expect(await p.textContent('[data-testid=lab]')).toContain('flannel-vxlan is up');
    expect(await p.inputValue('[aria-label="ssh config path"]')).toBe(`${LAB}/ssh_config`);
    await shot(p, 'lab-01-start');
    await addNode('node-1');
    await addNode('node-2');
    // Accepted keys were recorded, and only those.
    const kh = readFileSync(knownHosts, 'utf8').trim().split('\n');
    expect(kh).toHaveLength(2);
    const kinds = await p.$$eval('[data-node="node-1"] .iface-tree .kind', (els) =>
      els.map((e) => e.textContent),
    );
    // The lab's ens33 is a veth to the root namespace, so no 'physical' here.
    expect(kinds).toEqual(expect.arrayContaining(['bridge', 'vxlan', 'veth', 'loopback']));
  });

  it('refuses a changed host key outright (no prompt)', async () => {
    // A known_hosts that pins node-1's address to node-2's key: what a man in the middle would look like.
    const forged = path.join(path.dirname(knownHosts), 'known_hosts.forged');
    const node2Key = readFileSync(`${LAB}/ssh_host_ed25519_key.node-2.pub`, 'utf8')
      .trim()
      .split(' ')
      .slice(0, 2)
      .join(' ');
    writeFileSync(forged, `10.1.10.9 ${node2Key}\n`);
    await p.selectOption('[aria-label="ssh alias"]', 'node-1');
    await p.fill('[aria-label="known_hosts file"]', forged);
    await p.fill('[aria-label="node name"]', 'node-1-forged');
    await p.click('[data-testid=add-node-button]');
    const card = p.locator('[data-testid=node-card][data-node="node-1-forged"][data-state="error"]');
    await card.waitFor({ timeout: 30_000 });
    expect(await card.locator('.error-state').textContent()).toContain('HOSTKEY_CHANGED');
    expect(await p.locator('[data-testid=hostkey-dialog]').count()).toBe(0);
    expect(readFileSync(forged, 'utf8')).toBe(`10.1.10.9 ${node2Key}\n`);
    await card.locator('button', { hasText: 'Remove' }).click();
    await p.waitForFunction(() => !document.querySelector('[data-node="node-1-forged"]'));
    await p.fill('[aria-label="node name"]', '');
  });

  it('captures all interfaces of both nodes while the lab sends its traffic, with live counters and batches', async () => {
    await p.check('[aria-label="all interfaces of node-1"]');
    await p.check('[aria-label="all interfaces of node-2"]');
    const summary = await p.textContent('[data-testid=capture-summary]');
    // "all" = every up, non-loopback interface: ens33, cni0, flannel.1 and the pod's veth on each node.
    expect(summary).toBe('Will capture 8 interfaces on 2 nodes.');
    // Live batches reach the panes before the capture stops.
    await captureWithTraffic('icmp or udp port 8472', 16);
    // Journeys appear while the capture still runs (the files so far are correlated every few seconds).
    await p.waitForFunction(
      () =>
        !!document.querySelector('.badge.live') &&
        /[1-9]\d* journeys/.test(document.querySelector('[data-testid=session-title]')?.textContent ?? ''),
      null,
      { timeout: 15_000 },
    );
    await p.fill('#journey-filter', 'echo request');
    await p.waitForSelector('[data-testid=journey-row][data-hops="8"]', { timeout: 10_000 });
    await shot(p, 'lab-03-capturing');
    await p.fill('#journey-filter', '');
    await stopCapture();
    await p.waitForFunction(
      () => document.querySelectorAll('[data-testid=node-card][data-state="connected"]').length === 2,
    );
  });

  it('opens a ping journey: eight hops, VXLAN box on both ens33 hops, TTLs 64 → 62', async () => {
    const hops = await openJourney(p, 'echo request');
    expect(hopPath(hops)).toEqual(VXLAN_PATH);
    expect(hops.map((h) => h.ttl)).toEqual([64, 64, 63, 63, 63, 63, 62, 62]);
    const vx = p.locator('[data-testid=hop]').nth(3).locator('[data-testid=encap-vxlan]');
    expect(await vx.locator('.encap-head').textContent()).toMatch(
      /10\.1\.10\.9 → 10\.1\.10\.10 udp \d+ → 8472 · VNI 1/,
    );
    expect(await p.locator('[data-testid=hop]').nth(4).locator('[data-testid=encap-vxlan]').count()).toBe(1);
    expect(hops[3].changes).toContain('encap+vxlan');
    expect(hops[5].changes).toContain('encap-vxlan');
    await p.setViewportSize({ width: 1600, height: 1700 });
    await shot(p, 'lab-04-journey', '.bottom');
    await p.setViewportSize({ width: 1600, height: 1000 });
  });

  it('selecting a packet in one pane highlights the same journey in the others', async () => {
    await p.locator('[data-testid=pane][data-capture="node-1/ens33"] .row.in-journey').first().click();
    await p.waitForSelector('[data-testid=pane][data-capture="node-1/ens33"] .row.selected');
    const hl = await paneHighlights(p);
    const lit = hl.filter((x) => x.inJourney > 0).map((x) => x.capture.replace(/veth\w+$/, 'veth'));
    expect(lit.sort()).toEqual([...VXLAN_PATH].sort());
    expect(hl.filter((x) => x.selected > 0).map((x) => x.capture)).toEqual(['node-1/ens33']);
    await shot(p, 'lab-05-panes');
    await p.click('[data-testid=zoom-journey]');
    await shot(p, 'lab-06-timeline', '[data-testid=timeline]');
  });

  it('exports the session as pcapng that tshark reads, one interface per node/interface', async () => {
    await p.click('[data-testid=tab-export]');
    await p.click('[data-testid=export] button.primary');
    await p.waitForSelector('[data-testid=export-result]', { timeout: 30_000 });
    const file = (await p.locator('[data-testid=export-result]').getAttribute('data-path'))!;
    expect(existsSync(file)).toBe(true);
    const out = execFileSync(
      'tshark',
      ['-r', file, '-T', 'fields', '-e', 'frame.interface_name', '-e', 'frame.comment'],
      { encoding: 'utf8' },
    );
    const names = new Set(
      out
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[0]),
    );
    expect([...names].filter((n) => /^node-[12]\/(ens33|cni0|flannel\.1|veth\w+)$/.test(n)).length).toBe(8);
    expect(out).toMatch(/journey \d+ hop 4\/8/);
    // The same path typed in: the app asks before replacing it, then replaces it.
    await p.fill('[aria-label="export path"]', file);
    await p.click('[data-testid=export] button.primary');
    await p.waitForSelector('[data-testid=export-replace]');
    expect(await p.textContent('[data-testid=export] .error-state')).toContain(`${file} exists`);
    await p.click('[data-testid=export-replace]');
    await p.waitForSelector('[data-testid=export-result]', { timeout: 30_000 });
    expect(await p.textContent('[data-testid=export-result]')).toMatch(/^Wrote [\d,]+ packets, /);
    await p.fill('[aria-label="export path"]', '');
    await p.click('[data-testid=tab-clocks]');
    await shot(p, 'lab-07-clocks');
    expect(errors).toEqual([]);
  });

  it('capture bar choices reach tcpdump: without tunnel following an icmp filter misses the encapsulated ens33 hops', async () => {
    // The default capture above used buffered delivery and followed tunnels.
    expect(newestCaptureSession().delivery).toBe('buffered');
    await p.uncheck('[aria-label="follow tunnels"]');
    await p.selectOption('[aria-label="delivery"]', 'immediate');
    expect(await p.textContent('[data-testid=start-capture]')).toContain('(8)');
    await captureWithTraffic('icmp', 12);
    await stopCapture();
    const doc = newestCaptureSession();
    expect(doc.delivery).toBe('immediate');
    // The ICMP travels inside VXLAN on ens33: with the plain filter ens33 stores nothing, flannel.1 (inner) does.
    const ens33 = doc.captures.filter((c) => c.iface === 'ens33');
    expect(ens33.map((c) => c.packets)).toEqual([0, 0]);
    expect(doc.captures.filter((c) => c.iface === 'flannel.1').every((c) => c.packets > 0)).toBe(true);
    const hops = await openJourney(p, 'echo request', 6);
    expect(hopPath(hops)).toEqual(VXLAN_PATH.filter((h) => !h.endsWith('/ens33')));
    expect(errors).toEqual([]);
  });
  it('Stop while the capture starts cancels it; a capturing node can be neither disconnected nor removed', async () => {
    const before = newestCaptureSessionFile();
    await p.click('[data-testid=start-capture]');
    // The Stop button is there from the moment Start is pressed (the start connects and checks filters first).
    await p.click('[data-testid=stop-capture]', { timeout: 2_000 });
    await p.waitForFunction(
      () => !document.querySelector('.badge.live') && !!document.querySelector('[data-testid=start-capture]'),
      null,
      { timeout: 60_000 },
    );
    expect(newestCaptureSessionFile()).not.toBe(before);
    const doc = newestCaptureSession();
    expect(doc.captures.map((c) => c.state).filter((st) => st !== 'stopped')).toEqual([]);
    // A running capture: node-2's Disconnect and Remove are disabled, and the back end refuses them too.
    await p.click('[data-testid=start-capture]');
    await p.waitForSelector('.badge.live', { timeout: 60_000 });
    const card = p.locator('[data-testid=node-card][data-node="node-2"]');
    await p.waitForFunction(
      () => !!document.querySelector('[data-testid=node-card][data-node="node-2"][data-state="capturing"]'),
    );
    expect(await card.getByRole('button', { name: 'Disconnect' }).isDisabled()).toBe(true);
    expect(await card.getByRole('button', { name: 'Remove' }).isDisabled()).toBe(true);
    const refused = await p.evaluate(async () => {
      const ctl = (
        window as unknown as {
          __hopscope: {
            api: { removeNode(r: { name: string }): Promise<{ ok: boolean; error?: { message: string } }> };
          };
        }
      ).__hopscope;
      return ctl.api.removeNode({ name: 'node-2' });
    });
    expect(refused.ok).toBe(false);
    expect(refused.error?.message).toMatch(/node-2 is in the capture: stop the capture before it is removed/);
    await p.click('[data-testid=stop-capture]');
    await p.waitForFunction(() => !document.querySelector('.badge.live'), null, { timeout: 60_000 });
    await p.waitForFunction(
      () => document.querySelectorAll('[data-testid=node-card][data-state="connected"]').length === 2,
    );
    expect(errors).toEqual([]);
  });
});

describe.sequential('pages opened while capturing', () => {
  it('a reloaded page and a second tab show the running capture; stopped in one, the other opens its folder', async () => {
    await captureWithTraffic('icmp or udp port 8472', 16);
    const before = await p.locator('[data-testid=pane] .row').count();
    await p.reload();
    // No session was open in the new page: the capture's counters name its live session, which it shows.
    await p.waitForSelector('.badge.live', { timeout: 15_000 });
    await p.waitForFunction((n) => document.querySelectorAll('[data-testid=pane] .row').length >= n, before, {
      timeout: 15_000,
    });
    const second = await page(b, srv.url);
    try {
      await second.page.waitForSelector('.badge.live', { timeout: 15_000 });
      await stopCapture();
      await second.page.waitForFunction(
        () =>
          !document.querySelector('.badge.live') &&
          /[1-9]\d* journeys/.test(document.querySelector('[data-testid=session-title]')?.textContent ?? ''),
        null,
        { timeout: 60_000 },
      );
      expect(await second.page.textContent('[data-testid=session-title]')).toBe(
        await p.textContent('[data-testid=session-title]'),
      );
      expect(second.errors).toEqual([]);
    } finally {
      await second.page.close();
    }
    expect(errors).toEqual([]);
  });
});

describe.sequential('the live packet limit (a server started with HOPSCOPE_LIVE_MAX_PACKETS=20)', () => {
  it('stops the live view at the limit and says so while the capture goes on; stopping opens every packet', async () => {
    await p.close();
    await srv.stop();
    srv = await serve({ TMPDIR: serverTmp, HOPSCOPE_LIVE_MAX_PACKETS: '20' });
    ({ page: p, errors } = await page(b, srv.url));
    // A fresh config: the nodes again, their keys already in known_hosts (no prompt).
    await p.waitForSelector('[data-testid=lab]');
    for (const node of ['node-1', 'node-2']) {
      await p.selectOption('[aria-label="ssh alias"]', node);
      await p.fill('[aria-label="known_hosts file"]', knownHosts);
      await p.click('[data-testid=add-node-button]');
      await p.waitForSelector(`[data-testid=node-card][data-node="${node}"][data-state="connected"]`, {
        timeout: 30_000,
      });
    }
    await p.check('[aria-label="all interfaces of node-1"]');
    await p.check('[aria-label="all interfaces of node-2"]');
    // The lab's three pings: 6 packets on each of the 8 interfaces, 48 in all.
    await captureWithTraffic('icmp or udp port 8472', 16);
    const notice = p.locator('[data-testid=session-notice]');
    await notice.waitFor({ timeout: 15_000 });
    const text = (await notice.textContent())!;
    const shown = Number(/^Live view stopped at (\d+) packets \(the live packet limit, 20:/.exec(text)?.[1]);
    expect(shown).toBeGreaterThanOrEqual(20);
    expect(text).toMatch(/the capture goes on into .*capture-.*\. Stop it to open every packet\.$/);
    await shot(p, 'lab-08-live-limit');
    // The capture itself goes on: its counters pass what the live view holds, which stays put.
    const captured = () =>
      p.$$eval('[data-testid=counters] .counter', (els) =>
        els.reduce((n, e) => n + Number(e.children[1].textContent!.replace(/\D/g, '')), 0),
      );
    await p.waitForFunction(
      (n) =>
        [...document.querySelectorAll('[data-testid=counters] .counter')].reduce(
          (sum, e) => sum + Number(e.children[1].textContent!.replace(/\D/g, '')),
          0,
        ) > n,
      shown,
      { timeout: 15_000 },
    );
    expect(await p.textContent('[data-testid=session-title]')).toContain(` ${shown} packets`);
    await stopCapture();
    // The folder opens whole: every packet the nodes sent, no notice.
    const stored = newestCaptureSession().captures.reduce((n, c) => n + c.packets, 0);
    expect(stored).toBeGreaterThan(shown);
    expect(stored).toBe(await captured());
    expect(await p.textContent('[data-testid=session-title]')).toContain(` ${stored} packets`);
    expect(await notice.count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('a node still connecting at Start: the panel says it joins, and it does, with what the glob picks', async () => {
    // A second card for node-2's address whose connection attempts (SYNs) are dropped; the connections already
    // open to node-2 carry on.
    const syn = ['-p', 'tcp', '--dport', '22', '--syn', '-j', 'DROP'];
    const iptables = (op: string) =>
      execFileSync('ip', ['netns', 'exec', 'hs-node-2', 'iptables', op, 'INPUT', ...syn]);
    iptables('-I');
    let blocked = true;
    try {
      await p.uncheck('[aria-label="all interfaces of node-1"]');
      await p.uncheck('[aria-label="all interfaces of node-2"]');
      await p.check('[aria-label="node-1 ens33"]');
      // By address (the lab's ssh_config gives its aliases a 5 s ConnectTimeout; this one has the default 15 s), and
      // without an ssh config: nodes from different configs capture together.
      await p.getByRole('button', { name: 'host', exact: true }).click();
      await p.fill('[aria-label="host"]', '10.1.10.10');
      await p.fill('[aria-label="user"]', 'root');
      await p.selectOption('[aria-label="authentication"]', 'key');
      await p.fill('[aria-label="identity file"]', `${LAB}/id_ed25519`);
      await p.fill('[aria-label="known_hosts file"]', knownHosts);
      await p.fill('[aria-label="node name"]', 'late');
      await p.click('[data-testid=add-node-button]');
      const card = p.locator('[data-testid=node-card][data-node="late"]');
      await p.waitForSelector('[data-testid=node-card][data-node="late"][data-state="connecting"]');
      await p.fill('[aria-label="select interfaces by glob"]', 'late:ens*');
      await p.getByRole('button', { name: 'Select', exact: true }).click();
      expect(await p.textContent('[data-testid=late-joiner]')).toBe(
        'late joins when it is up, capturing ens*.',
      );
      expect(await p.textContent('[data-testid=capture-summary]')).toContain(
        'Will capture 1 interface on 1 node.',
      );
      await p.click('[data-testid=start-capture]');
      await p.waitForSelector('.badge.live', { timeout: 30_000 });
      // Started without it (its SYNs are still dropped).
      expect(await card.getAttribute('data-state')).toBe('connecting');
      // The capture waits for it: it cannot be removed or edited meanwhile (it then failed in the capture), on its
      // card as in the back end.
      const remove = card.getByRole('button', { name: 'Remove' });
      // (Once the capture's first counters name it.)
      await p.waitForFunction(
        () =>
          [
            ...document.querySelectorAll<HTMLButtonElement>(
              '[data-testid=node-card][data-node="late"] button',
            ),
          ].find((b) => b.textContent === 'Remove')?.disabled,
      );
      expect(await remove.isDisabled()).toBe(true);
      expect(await card.getByRole('button', { name: 'Edit' }).count()).toBe(0);
      for (const [method, req, what] of [
        ['removeNode', { name: 'late' }, 'removed'],
        ['disconnectNode', { name: 'late' }, 'disconnected'],
      ] as const)
        expect(await apiCall(method, req)).toEqual({
          ok: false,
          error: {
            code: 'USAGE',
            message: `late is in the capture (it joins when it is up): stop the capture before it is ${what}`,
          },
        });
      expect(await card.getAttribute('data-state')).toBe('connecting');
      iptables('-D');
      blocked = false;
      // Its next SYN gets through: it connects, joins, and its ens33 counts beside node-1's.
      await p.waitForSelector('[data-testid=node-card][data-node="late"][data-state="capturing"]', {
        timeout: 30_000,
      });
      await p.waitForSelector('[data-counter="late/ens33"].state-running', { timeout: 15_000 });
      // What the glob picked on it shows ticked in its tree, as a chosen interface does (it showed unticked).
      await p.waitForFunction(
        () => document.querySelector<HTMLInputElement>('input[aria-label="late ens33"]')?.checked,
      );
      expect(await p.isChecked('[aria-label="late cni0"]')).toBe(false);
      await shot(p, 'lab-09-late-node');
      hopscope('lab', 'traffic', 'flannel-vxlan');
      await p.waitForFunction(
        () => Number(document.querySelector('[data-counter="late/ens33"]')?.children[1].textContent) > 0,
        null,
        { timeout: 15_000 },
      );
      await stopCapture();
      expect(newestCaptureSession().captures.map((c) => c.iface)).toEqual(['ens33', 'ens33']);
      await card.getByRole('button', { name: 'Remove' }).click();
      await p.waitForFunction(() => !document.querySelector('[data-node="late"]'));
      await p.getByRole('button', { name: 'ssh config', exact: true }).click();
    } finally {
      if (blocked) iptables('-D');
    }
    expect(errors).toEqual([]);
  });
});

describe.sequential('a capture started on a glob alone', () => {
  it("nothing ticked and `node-1:vethwait*` matching nothing yet: Start waits, the bar says so, and a new pod's veth is captured when it comes up", async () => {
    // A fresh server and page (what the tests above ticked and selected is not carried over).
    await p.close();
    await srv.stop();
    srv = await serve({ TMPDIR: serverTmp });
    ({ page: p, errors } = await page(b, srv.url));
    await p.waitForSelector('[data-testid=lab]');
    await p.selectOption('[aria-label="ssh alias"]', 'node-1');
    await p.fill('[aria-label="known_hosts file"]', knownHosts);
    await p.click('[data-testid=add-node-button]');
    await p.waitForSelector('[data-testid=node-card][data-node="node-1"][data-state="connected"]', {
      timeout: 30_000,
    });
    await p.fill('[aria-label="select interfaces by glob"]', 'node-1:vethwait*');
    await p.getByRole('button', { name: 'Select', exact: true }).click();
    expect(await p.textContent('[data-testid=capture-summary]')).toBe(
      'No interface chosen: Start waits for interfaces matching node-1:vethwait* and captures each as it comes up.',
    );
    await p.waitForFunction(
      () => !document.querySelector<HTMLButtonElement>('[data-testid=start-capture]')?.disabled,
      null,
      { timeout: 10_000 },
    );
    expect(await p.textContent('[data-testid=start-capture]')).toBe('● Start: wait for node-1:vethwait*');
    await p.click('[data-testid=start-capture]');
    await p.waitForSelector('[data-testid=capture-waiting]', { timeout: 30_000 });
    expect(await p.textContent('[data-testid=capture-waiting]')).toBe(
      'Waiting for interfaces matching node-1:vethwait*: each is captured as it comes up.',
    );
    expect(await p.textContent('[data-testid=capture-summary]')).toBe(
      'Capturing: waiting for interfaces matching node-1:vethwait*.',
    );
    await shot(p, 'lab-09-waiting');
    const pod = 'hs-pod-e2e-wait';
    const ip = (...a: string[]) => execFileSync('ip', a);
    try {
      // A pod as the lab makes them: its namespace, a veth into node-1's cni0, up.
      ip('netns', 'add', pod);
      ip(
        'link',
        'add',
        'vethwait0001',
        'netns',
        'hs-node-1',
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        pod,
      );
      ip('netns', 'exec', pod, 'ip', 'addr', 'add', '10.244.0.88/24', 'dev', 'eth0');
      ip('netns', 'exec', pod, 'ip', 'link', 'set', 'eth0', 'up');
      ip('netns', 'exec', 'hs-node-1', 'ip', 'link', 'set', 'vethwait0001', 'master', 'cni0');
      ip('netns', 'exec', 'hs-node-1', 'ip', 'link', 'set', 'vethwait0001', 'up');
      await p.waitForSelector('[data-counter="node-1/vethwait0001"].state-running', { timeout: 30_000 });
      expect(await p.locator('[data-testid=capture-waiting]').count()).toBe(0);
      ip('netns', 'exec', pod, 'ping', '-c', '2', '-i', '0.2', '-W', '2', '10.244.0.1');
      await new Promise((r) => setTimeout(r, 1500)); // buffered delivery: on disk within ~1.1 s
      await p.click('[data-testid=stop-capture]');
      await p.waitForFunction(
        () =>
          !document.querySelector('.badge.live') && !!document.querySelector('[data-testid=start-capture]'),
        null,
        { timeout: 60_000 },
      );
    } finally {
      execFileSync('ip', ['netns', 'del', pod], { stdio: 'ignore' });
    }
    const doc = newestCaptureSession();
    expect(doc.captures.map((c) => c.iface)).toEqual(['vethwait0001']);
    expect(doc.captures[0].packets).toBeGreaterThanOrEqual(4);
    expect(errors).toEqual([]);
  });
});

describe.sequential('hopscope serve stopped while it captures', () => {
  /** A fresh server and page with node-1 added and its ens33 ticked, capturing. */
  async function capturingServer(): Promise<void> {
    await p.close();
    await srv.stop();
    srv = await serve({ TMPDIR: serverTmp });
    ({ page: p, errors } = await page(b, srv.url));
    await p.waitForSelector('[data-testid=lab]');
    await p.selectOption('[aria-label="ssh alias"]', 'node-1');
    await p.fill('[aria-label="known_hosts file"]', knownHosts);
    await p.click('[data-testid=add-node-button]');
    await p.waitForSelector('[data-testid=node-card][data-node="node-1"][data-state="connected"]', {
      timeout: 30_000,
    });
    await p.check('[aria-label="node-1 ens33"]');
    await p.click('[data-testid=start-capture]');
    await p.waitForSelector('[data-counter="node-1/ens33"].state-running', { timeout: 30_000 });
  }
  const exited = (child: Served['child']) =>
    new Promise<number | null>((resolve) =>
      child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
    );
  /** tcpdumps running in node-1's namespace. */
  const nodeTcpdumps = () =>
    execFileSync('ip', ['netns', 'pids', 'hs-node-1'], { encoding: 'utf8' })
      .split('\n')
      .filter((pid) => pid && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'tcpdump');

  it('Ctrl-C stops the capture as Stop does (final counts recorded) and the server exits 0', async () => {
    await capturingServer();
    const t0 = Date.now();
    srv.child.kill('SIGINT');
    expect(await exited(srv.child)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(srv.stderr()).toContain('stopping the capture (Ctrl-C again to quit at once)…');
    const doc = JSON.parse(readFileSync(newestCaptureSessionFile()!, 'utf8'));
    expect(doc.state).toBe('stopped');
    expect(
      doc.captures.map((c: { state: string; tcpdumpFinal: boolean }) => [c.state, c.tcpdumpFinal]),
    ).toEqual([['stopped', true]]);
    const deadline = Date.now() + 5_000;
    while (nodeTcpdumps().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(nodeTcpdumps()).toEqual([]);
  });

  it('a second signal quits at once: session.json says so, and the node ends its tcpdump itself', async () => {
    await capturingServer();
    const file = newestCaptureSessionFile()!;
    srv.child.kill('SIGINT');
    srv.child.kill('SIGTERM');
    expect(await exited(srv.child)).toBe(130);
    expect(srv.stderr()).toContain(
      `hopscope serve: quit at once: tcpdump's final counts were not collected; session recorded in ${path.dirname(file)}`,
    );
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.state).toBe('stopped');
    expect(doc.stopReason).toMatch(/^quit at once/);
    expect(doc.captures.map((c: { state: string }) => c.state)).not.toContain('capturing');
    // The heartbeat watchdog (10 s without one) ends the node's tcpdump.
    const deadline = Date.now() + 20_000;
    while (nodeTcpdumps().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(nodeTcpdumps()).toEqual([]);
    await p.close().catch(() => undefined);
  });
});
