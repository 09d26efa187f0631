// The app's node list around its SSH connections' edges, against an in-process ssh2 server whose commands
// answer nothing useful (the lab's OpenSSH covers nodes that work): a connect that fails after the session
// came up closes it, so Connect tries afresh; a node removed while its host-key prompt is open sends no more
// events and keeps no connection; a rename's event names the card it replaces, which the renderer swaps in place.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  API_EVENTS,
  API_METHODS,
  type HopscopeApi,
  type HostKeyPrompt,
  type NodeInfo,
} from '../../preload/api.ts';
import { NodeManager } from '../../main/app/nodes.ts';
import { AppService } from '../../main/app/service.ts';
import { Controller } from '../../renderer/src/controller.ts';
import { AppStore } from '../../renderer/src/store/appStore.ts';
import { hostKeySubject } from '../../renderer/src/lib/hostKeyText.ts';
import { tempDir } from '../tempDir.ts';
import { ok } from './app-helpers.ts';
import { validateRequest } from '../../main/app/validate.ts';

const { Server } = ssh2;
const dir = tempDir('hs-appnodes-');
const PASSWORD = 'pw-Nodes-7';

/** Sessions the server accepted, and how many of them the client has closed. */
const seen = { sessions: 0, closed: 0 };
let server: InstanceType<typeof Server>;
let port = 0;
let hostLine = '';

beforeAll(async () => {
  const key = path.join(dir, 'host');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  server = new Server({ hostKeys: [readFileSync(key)] }, (client) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) =>
      ctx.method === 'password' && ctx.password === PASSWORD ? ctx.accept() : ctx.reject(['password']),
    );
    client.on('ready', () => {
      seen.sessions++;
      client.on('close', () => seen.closed++);
      client.on('session', (accept) =>
        accept().on('exec', (acc) => {
          const ch = acc();
          ch.stderr.write('sh: not a shell\n');
          ch.exit(127);
          ch.end();
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  hostLine = `[127.0.0.1]:${port} ${readFileSync(`${key}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function app() {
  // Its own config folder: the nodes it saves must not reach the user's.
  const svc = new AppService({
    mode: 'web',
    resourcesDir: 'resources',
    workDir: tempDir('hs-appnodes-work-'),
    configDir: tempDir('hs-appnodes-cfg-'),
  });
  const events: NodeInfo[] = [];
  const prompts: HostKeyPrompt[] = [];
  svc.on('nodeStatus', (n) => events.push(n as NodeInfo));
  svc.on('hostKeyPrompt', (p) => prompts.push(p as HostKeyPrompt));
  return { svc, events, prompts };
}

const spec = (name: string, knownHostsPath: string) => ({
  name,
  host: '127.0.0.1',
  port,
  user: 'u',
  auth: 'password' as const,
  password: PASSWORD,
  knownHostsPath,
});

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

describe('nodes and their connections', () => {
  it("refuses a node name with '__' when it is added (its capture files would read back as another node)", () => {
    // At the API's boundary (web server and IPC alike), as the capture would refuse it only at Start.
    const known = path.join(dir, 'known_hosts.u');
    expect(validateRequest('addNode', spec('a__b', known))).toContain("no '__' in a node name");
    expect(validateRequest('updateNode', { name: 'a', spec: spec('x__y', known) })).toContain("no '__'");
    expect(validateRequest('addNode', spec('a_b', known))).toBeNull();
  });

  it("jump hosts' own passwords: taken at the API's boundary, never saved nor shown back", () => {
    const known = path.join(dir, 'known_hosts.j');
    const withJumps = {
      ...spec('j', known),
      proxyJump: 'a,b',
      jumpPasswords: [
        { host: 'a', password: 'outer-Secret' },
        { host: 'b', password: 'inner-Secret' },
      ],
    };
    expect(validateRequest('addNode', withJumps)).toBeNull();
    expect(validateRequest('addNode', { ...withJumps, jumpPasswords: [{ host: 'a' }] })).toContain(
      'jumpPasswords[0].password',
    );
    const stored = path.join(tempDir('hs-appnodes-store-'), 'nodes.json');
    const nodes = new NodeManager(
      () => undefined,
      () => undefined,
      stored,
    );
    const info = nodes.add(withJumps);
    expect(JSON.stringify(info)).not.toContain('Secret');
    expect(readFileSync(stored, 'utf8')).not.toContain('Secret');
    expect(readFileSync(stored, 'utf8')).toContain('"proxyJump": "a,b"');
    // The edit form sends the spec it was shown (no secrets) and the one jump password typed anew: that host's is
    // replaced, the other host's kept, as a blank secret field keeps the one held.
    const shown = info.spec!;
    const edited = nodes.edit('j', {
      ...shown,
      jumpPasswords: [{ host: 'b', password: 'inner-New-Secret' }],
    });
    expect(nodes.get('j').spec.jumpPasswords).toEqual([
      { host: 'b', password: 'inner-New-Secret' },
      { host: 'a', password: 'outer-Secret' },
    ]);
    nodes.edit('j', { ...edited.spec!, port: 2222 });
    expect(nodes.get('j').spec.jumpPasswords).toHaveLength(2);
    expect(JSON.stringify([edited, nodes.list()])).not.toContain('Secret');
    expect(readFileSync(stored, 'utf8')).not.toContain('Secret');
  });

  it('closes a session whose probe failed, so that Connect tries again instead of answering the old error', async () => {
    const known = path.join(dir, 'known_hosts.a');
    writeFileSync(known, hostLine);
    const { svc, events } = app();
    await ok(svc.call('addNode', spec('n', known)));
    const before = { ...seen };
    const first = await svc.call('connectNode', { name: 'n' });
    expect(first.ok).toBe(false);
    expect(events.at(-1)).toMatchObject({ name: 'n', state: 'error' });
    await until('the failed session to close', () => seen.closed === before.closed + 1);
    expect(seen.sessions).toBe(before.sessions + 1);
    // No 'idle' event from that close: the node stays in its error state.
    expect(events.at(-1)).toMatchObject({ name: 'n', state: 'error' });
    const second = await svc.call('connectNode', { name: 'n' });
    expect(second.ok).toBe(false);
    expect(seen.sessions).toBe(before.sessions + 2);
    expect(events.filter((e) => e.state === 'connecting')).toHaveLength(2);
    await svc.close();
  });

  it("a jump host's unknown key is asked about as the jump host's, named with the node it leads to", async () => {
    const known = path.join(dir, 'known_hosts.jump');
    writeFileSync(known, '');
    const cfg = path.join(dir, 'ssh_config.jump');
    writeFileSync(cfg, `Host bastion\n  HostName 127.0.0.1\n  Port ${port}\n  User u\n`);
    const { svc, prompts } = app();
    await ok(
      svc.call('addNode', {
        ...spec('n', known),
        host: '10.0.0.9',
        port: 22,
        configPath: cfg,
        proxyJump: 'bastion',
      }),
    );
    const connecting = svc.call('connectNode', { name: 'n' });
    await until('the host-key prompt', () => prompts.length === 1);
    expect(prompts[0]).toMatchObject({ node: 'n', host: `127.0.0.1:${port}`, jumpHost: 'bastion' });
    expect(hostKeySubject(prompts[0])).toBe(`jump host bastion 127.0.0.1:${port} for n`);
    await ok(svc.call('answerHostKey', { promptId: prompts[0].promptId, accept: false }));
    const r = await connecting;
    expect(!r.ok && r.error.code).toBe('HOSTKEY_UNKNOWN');
    // A jump host given by its address is named once; the node's own key is asked about as before.
    expect(hostKeySubject({ node: 'node-1', host: '10.1.10.2:22', jumpHost: '10.1.10.2' })).toBe(
      'jump host 10.1.10.2:22 for node-1',
    );
    expect(hostKeySubject({ node: 'node-1', host: '10.1.10.9:22' })).toBe('node-1');
    await svc.close();
  });

  it('a node removed while its host key is asked about: no events for it after, no connection kept', async () => {
    const known = path.join(dir, 'known_hosts.b');
    writeFileSync(known, '');
    const { svc, events, prompts } = app();
    await ok(svc.call('addNode', spec('gone', known)));
    const before = { ...seen };
    const connecting = svc.call('connectNode', { name: 'gone' });
    await until('the host-key prompt', () => prompts.length === 1);
    expect(events.at(-1)).toMatchObject({ name: 'gone', state: 'hostkey' });
    await ok(svc.call('removeNode', { name: 'gone' }));
    const after = events.length;
    await ok(svc.call('answerHostKey', { promptId: prompts[0].promptId, accept: true }));
    const r = await connecting;
    expect(!r.ok && r.error).toMatchObject({
      code: 'USAGE',
      message: 'gone was removed or edited while it connected',
    });
    await until('the session to close', () => seen.closed === before.closed + 1);
    expect(seen.sessions).toBe(before.sessions + 1);
    // Before the fix the answer sent 'connecting' and the close 'idle' for a node no longer listed (a card
    // that came back in the UI).
    expect(events.slice(after)).toEqual([]);
    expect(await ok<NodeInfo[]>(svc.call('listNodes', undefined))).toEqual([]);
    await svc.close();
  });

  it('an open host-key question is listed for a page loaded meanwhile; answered, every page is told it closed', async () => {
    const known = path.join(dir, 'known_hosts.d');
    writeFileSync(known, '');
    const { svc, prompts } = app();
    const closed: string[] = [];
    svc.on('hostKeyPromptClosed', (p) => closed.push((p as { promptId: string }).promptId));
    await ok(svc.call('addNode', spec('listed', known)));
    const connecting = svc.call('connectNode', { name: 'listed' });
    await until('the host-key prompt', () => prompts.length === 1);
    // A reload or a second tab asks for the open questions: this one, as the event gave it.
    expect(await ok<HostKeyPrompt[]>(svc.call('listHostKeyPrompts', undefined))).toEqual([prompts[0]]);
    expect(closed).toEqual([]);
    await ok(svc.call('answerHostKey', { promptId: prompts[0].promptId, accept: false }));
    expect(closed).toEqual([prompts[0].promptId]);
    expect(await ok<HostKeyPrompt[]>(svc.call('listHostKeyPrompts', undefined))).toEqual([]);
    expect((await connecting).ok).toBe(false);
    await svc.close();
  });

  it('the app closed while a host key is asked about refuses it at once: nothing waits out the prompt', async () => {
    // `hopscope serve` stopped (Ctrl-C) with a prompt open stayed up for the prompt's 5 minutes: its timer held
    // the event loop after everything else had closed.
    const known = path.join(dir, 'known_hosts.c');
    writeFileSync(known, '');
    const { svc, prompts } = app();
    await ok(svc.call('addNode', spec('asked', known)));
    const connecting = svc.call('connectNode', { name: 'asked' });
    await until('the host-key prompt', () => prompts.length === 1);
    const t0 = Date.now();
    await svc.close();
    const r = await connecting;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toMatch(/^HOSTKEY_/);
    // Answered already: the prompt is gone.
    const late = await svc.call('answerHostKey', { promptId: prompts[0].promptId, accept: true });
    expect(late.ok).toBe(false);
  });

  it("a rename's event names the card it replaces, and the renderer swaps that card in place", async () => {
    const { svc, events } = app();
    // The renderer's controller on the same back end (the API as the preload or web bridge gives it).
    const api: Record<string, unknown> = {};
    for (const m of API_METHODS) api[m] = (req?: unknown) => svc.call(m, req);
    for (const [m, ev] of Object.entries(API_EVENTS)) api[m] = (cb: (p: unknown) => void) => svc.on(ev, cb);
    const ctl = new Controller(api as unknown as HopscopeApi, new AppStore());
    ctl.start();
    await ok(svc.call('addNode', spec('old', path.join(dir, 'known_hosts.c'))));
    await ok(svc.call('addNode', spec('other', path.join(dir, 'known_hosts.c'))));
    await ctl.refreshNodes();
    expect(ctl.store.get().nodes.map((n) => n.name)).toEqual(['old', 'other']);
    await ok(svc.call('updateNode', { name: 'old', spec: { ...spec('new', ''), password: undefined } }));
    expect(events.at(-1)).toMatchObject({ name: 'new', renamedFrom: 'old', state: 'idle' });
    // From the event alone, before any refresh of the list: one card, where the old one was (it showed a
    // second card until the list was fetched again).
    expect(ctl.store.get().nodes.map((n) => n.name)).toEqual(['new', 'other']);
    expect(ctl.store.get().nodes[0]).not.toHaveProperty('renamedFrom');
    ctl.stop();
    await ok(svc.call('updateNode', { name: 'new', spec: { ...spec('new', ''), port: port + 1 } }));
    expect(events.at(-1)).toMatchObject({ name: 'new' });
    expect(events.at(-1)).not.toHaveProperty('renamedFrom');
    await svc.close();
  });
});
