// The app asks for a login answer the Add-node form did not give, as `ssh` asks on its terminal (against in-process
// ssh2 servers standing in for a node and a jump host): the question names who asks and words the prompt as ssh;
// an answer connects, Cancel fails as the CLI says, a refused answer is asked again, keyboard-interactive rounds
// bring their own prompts; the answer shows up in no event, saved file or error message.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import {
  API_EVENTS,
  type HostKeyPrompt,
  type LoginPrompt,
  type NodeInfo,
  type NodeSpec,
} from '../../preload/api.ts';
import { AppService } from '../../main/app/service.ts';
import { validateRequest } from '../../main/app/validate.ts';
import { tempDir } from '../tempDir.ts';
import { ok } from './app-helpers.ts';
import { LOGIN_CODE, LOGIN_PASSWORD, startFakeNode, type FakeNode } from './login-helpers.ts';

const dir = tempDir('hs-applogin-');
let pw: FakeNode;
let kbd: FakeNode;
const knownHosts = path.join(dir, 'known_hosts');

beforeAll(async () => {
  [pw, kbd] = await Promise.all([startFakeNode('password'), startFakeNode('keyboard-interactive')]);
  writeFileSync(knownHosts, pw.hostLine + kbd.hostLine);
});

afterAll(() => Promise.all([pw.close(), kbd.close()]));

const services: AppService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

function app() {
  const configDir = tempDir('hs-applogin-cfg-');
  const svc = new AppService({
    mode: 'web',
    resourcesDir: 'resources',
    workDir: tempDir('hs-applogin-work-'),
    configDir,
  });
  services.push(svc);
  // Every event of every channel, as a page would get them.
  const all: { name: string; payload: unknown }[] = [];
  for (const name of Object.values(API_EVENTS)) svc.on(name, (payload) => all.push({ name, payload }));
  const prompts = () => all.filter((e) => e.name === 'loginPrompt').map((e) => e.payload as LoginPrompt);
  const closed = () =>
    all
      .filter((e) => e.name === 'loginPromptClosed')
      .map((e) => (e.payload as { promptId: string }).promptId);
  const states = (node: string) =>
    all
      .filter((e) => e.name === 'nodeStatus' && (e.payload as NodeInfo).name === node)
      .map((e) => (e.payload as NodeInfo).state);
  return { svc, all, prompts, closed, states, nodesFile: path.join(configDir, 'nodes.json') };
}

/** A node with no password in its form (auth 'password' chosen, the field left empty). */
const spec = (name: string, port: number, extra: Partial<NodeSpec> = {}): NodeSpec => ({
  name,
  host: '127.0.0.1',
  port,
  user: 'u',
  auth: 'password',
  knownHostsPath: knownHosts,
  ...extra,
});

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

describe('login questions in the app', () => {
  it('asks for the password as ssh words it, connects with the answer, and pauses the connect timeout meanwhile', async () => {
    const { svc, prompts, closed, states } = app();
    // ConnectTimeout 1: the second the answer takes below would have timed the connect out, were it counted.
    const cfg = path.join(dir, 'ssh_config.timeout');
    writeFileSync(cfg, 'Host *\n  ConnectTimeout 1\n');
    await ok(svc.call('addNode', spec('n1', pw.port, { configPath: cfg })));
    const connecting = svc.call('connectNode', { name: 'n1' });
    await until('the login question', () => prompts().length === 1);
    const p = prompts()[0];
    expect(p).toMatchObject({
      node: 'n1',
      user: 'u',
      host: `127.0.0.1:${pw.port}`,
      method: 'password',
      prompts: [{ prompt: "u@127.0.0.1's password: ", echo: false }],
      refused: 0,
    });
    expect(p).not.toHaveProperty('jumpHost');
    expect(states('n1').at(-1)).toBe('login');
    // A page loaded now (a reload, a second tab) is given the question too.
    expect(await ok<LoginPrompt[]>(svc.call('listLoginPrompts', undefined))).toEqual([p]);
    await new Promise((r) => setTimeout(r, 1200));
    await ok(svc.call('answerLogin', { promptId: p.promptId, answers: [LOGIN_PASSWORD] }));
    const info = await ok<NodeInfo>(connecting);
    expect(info.state).toBe('connected');
    expect(info.interfaces.map((i) => i.name)).toContain('cbr0');
    expect(closed()).toEqual([p.promptId]);
    expect(await ok<LoginPrompt[]>(svc.call('listLoginPrompts', undefined))).toEqual([]);
    // Answered once: a late answer (another page's) is refused.
    const late = await svc.call('answerLogin', { promptId: p.promptId, answers: [LOGIN_PASSWORD] });
    expect(!late.ok && late.error.code).toBe('USAGE');
  });

  it('an IPv6 host is written [addr]:port, as ssh writes it, in its host-key and login questions and its errors', async () => {
    const { svc, all, prompts } = app();
    const v6 = await startFakeNode('password', '::1');
    try {
      const known6 = path.join(dir, 'known_hosts.v6');
      writeFileSync(known6, '');
      const info = await ok<NodeInfo>(
        svc.call('addNode', spec('v6', v6.port, { host: '::1', knownHostsPath: known6 })),
      );
      expect(info.target).toBe(`u@[::1]:${v6.port}`);
      const hostKeys = () =>
        all.filter((e) => e.name === 'hostKeyPrompt').map((e) => e.payload as HostKeyPrompt);
      const first = svc.call('connectNode', { name: 'v6' });
      await until('the host-key question', () => hostKeys().length === 1);
      expect(hostKeys()[0]).toMatchObject({ node: 'v6', host: `[::1]:${v6.port}` });
      await ok(svc.call('answerHostKey', { promptId: hostKeys()[0].promptId, accept: true }));
      expect(readFileSync(known6, 'utf8')).toMatch(new RegExp(`^\\[::1\\]:${v6.port} ssh-ed25519 `));
      await until('the login question', () => prompts().length === 1);
      // The password prompt names the host alone, as ssh's does: no port, no brackets.
      expect(prompts()[0]).toMatchObject({
        host: `[::1]:${v6.port}`,
        prompts: [{ prompt: "u@::1's password: ", echo: false }],
      });
      await ok(svc.call('answerLogin', { promptId: prompts()[0].promptId, answers: null }));
      const r = await first;
      expect(!r.ok && r.error.message).toContain(`u@[::1]:${v6.port}: authentication failed`);
      // The key accepted above is found under the same name: asked for the password only.
      const second = svc.call('connectNode', { name: 'v6' });
      await until('the second login question', () => prompts().length === 2);
      await ok(svc.call('answerLogin', { promptId: prompts()[1].promptId, answers: [LOGIN_PASSWORD] }));
      expect((await ok<NodeInfo>(second)).state).toBe('connected');
      expect(hostKeys()).toHaveLength(1);
    } finally {
      await svc.close();
      await v6.close();
    }
  });

  it("a capture's Start connecting a node asks its unknown host key as Connect does, then its password", async () => {
    const { svc, all, prompts } = app();
    const knownStart = path.join(dir, 'known_hosts.start');
    writeFileSync(knownStart, '');
    await ok(svc.call('addNode', spec('st', pw.port, { knownHostsPath: knownStart })));
    const hostKeys = () =>
      all.filter((e) => e.name === 'hostKeyPrompt').map((e) => e.payload as HostKeyPrompt);
    // What startCapture's CaptureSession calls for a node not connected (NodeSpec.open, liveCapture.ts).
    const opening = svc.nodes.open('st');
    opening.catch(() => undefined);
    await until('the host-key question', () => hostKeys().length === 1);
    expect(hostKeys()[0]).toMatchObject({ node: 'st', host: `127.0.0.1:${pw.port}` });
    await ok(svc.call('answerHostKey', { promptId: hostKeys()[0].promptId, accept: true }));
    await until('the login question', () => prompts().length === 1);
    await ok(svc.call('answerLogin', { promptId: prompts()[0].promptId, answers: [LOGIN_PASSWORD] }));
    const opened = await opening;
    expect(opened.conn.closed).toBe(false);
    expect(readFileSync(knownStart, 'utf8')).toContain(`[127.0.0.1]:${pw.port} ssh-ed25519 `);
  });

  it('Cancel skips password login: the connect fails saying no password was given, as the CLI', async () => {
    const { svc, prompts, closed } = app();
    await ok(svc.call('addNode', spec('n2', pw.port)));
    const before = pw.answers.length;
    const connecting = svc.call('connectNode', { name: 'n2' });
    await until('the login question', () => prompts().length === 1);
    await ok(svc.call('answerLogin', { promptId: prompts()[0].promptId, answers: null }));
    const r = await connecting;
    expect(!r.ok && r.error.code).toBe('SSH_AUTH_FAILED');
    expect(!r.ok && r.error.message).toMatch(/^n2: .*authentication failed/);
    expect(!r.ok && r.error.message).toContain('no password was given');
    // Nothing more asked, nothing sent.
    expect(prompts()).toHaveLength(1);
    expect(closed()).toEqual([prompts()[0].promptId]);
    expect(pw.answers.length).toBe(before);
  });

  it('Cancel at a keyboard-interactive question: the failure says no answer was given there, not a refused password', async () => {
    const { svc, prompts } = app();
    await ok(svc.call('addNode', spec('n2k', kbd.port)));
    const connecting = svc.call('connectNode', { name: 'n2k' });
    await until('the login question', () => prompts().length === 1);
    expect(prompts()[0].method).toBe('keyboard-interactive');
    await ok(svc.call('answerLogin', { promptId: prompts()[0].promptId, answers: null }));
    const r = await connecting;
    expect(!r.ok && r.error.code).toBe('SSH_AUTH_FAILED');
    expect(!r.ok && r.error.message).toContain('keyboard-interactive: no answer given');
    expect(!r.ok && r.error.message).not.toContain('refused');
    expect(prompts()).toHaveLength(1);
  });

  it('a refused password is asked again, saying so; the right one then connects, and is not asked on reconnect', async () => {
    const { svc, prompts } = app();
    await ok(svc.call('addNode', spec('n3', pw.port)));
    const before = pw.answers.length;
    const connecting = svc.call('connectNode', { name: 'n3' });
    await until('the login question', () => prompts().length === 1);
    await ok(svc.call('answerLogin', { promptId: prompts()[0].promptId, answers: ['wrong-1'] }));
    await until('the second question', () => prompts().length === 2);
    expect(prompts()[1]).toMatchObject({ refused: 1, prompts: [{ prompt: "u@127.0.0.1's password: " }] });
    await ok(svc.call('answerLogin', { promptId: prompts()[1].promptId, answers: [LOGIN_PASSWORD] }));
    expect((await ok<NodeInfo>(connecting)).state).toBe('connected');
    expect(pw.answers.slice(before)).toEqual(['wrong-1', LOGIN_PASSWORD]);
    // The answer that logged in is given again on its next connection (as the CLI): no question.
    await ok(svc.call('disconnectNode', { name: 'n3' }));
    expect((await ok<NodeInfo>(svc.call('connectNode', { name: 'n3' }))).state).toBe('connected');
    expect(prompts()).toHaveLength(2);
    expect(pw.answers.slice(before)).toEqual(['wrong-1', LOGIN_PASSWORD, LOGIN_PASSWORD]);
  });

  it("keyboard-interactive: the server's two prompts in one question, the code shown as typed", async () => {
    const { svc, prompts } = app();
    await ok(svc.call('addNode', spec('n4', kbd.port)));
    const connecting = svc.call('connectNode', { name: 'n4' });
    await until('the login question', () => prompts().length === 1);
    const p = prompts()[0];
    expect(p).toMatchObject({
      node: 'n4',
      method: 'keyboard-interactive',
      name: 'lab',
      instructions: 'Two answers',
      prompts: [
        { prompt: '(u@127.0.0.1) Password: ', echo: false },
        { prompt: '(u@127.0.0.1) Verification code: ', echo: true },
      ],
    });
    // One answer per prompt, or none.
    const short = await svc.call('answerLogin', { promptId: p.promptId, answers: [LOGIN_PASSWORD] });
    expect(!short.ok && short.error).toMatchObject({
      code: 'USAGE',
      message: 'the login prompt asks 2 question(s), not 1',
    });
    await ok(svc.call('answerLogin', { promptId: p.promptId, answers: [LOGIN_PASSWORD, LOGIN_CODE] }));
    expect((await ok<NodeInfo>(connecting)).state).toBe('connected');
    expect(kbd.answers.slice(-2)).toEqual([LOGIN_PASSWORD, LOGIN_CODE]);
    // The next connection is given the password again, but the code is asked: a one-time code given again is
    // refused (OpenSSH reuses no answer; only the password is remembered, for more channels and reconnects).
    await ok(svc.call('disconnectNode', { name: 'n4' }));
    const again = svc.call('connectNode', { name: 'n4' });
    await until('the code question', () => prompts().length === 2);
    expect(prompts()[1]).toMatchObject({
      node: 'n4',
      method: 'keyboard-interactive',
      refused: 0,
      prompts: [{ prompt: '(u@127.0.0.1) Verification code: ', echo: true }],
    });
    await ok(svc.call('answerLogin', { promptId: prompts()[1].promptId, answers: [LOGIN_CODE] }));
    expect((await ok<NodeInfo>(again)).state).toBe('connected');
    expect(kbd.answers.slice(-2)).toEqual([LOGIN_PASSWORD, LOGIN_CODE]);
  });

  it('a password given in the form answers the password prompt; a one-time code beside it is asked', async () => {
    const { svc, prompts } = app();
    await ok(svc.call('addNode', spec('n4p', kbd.port, { password: LOGIN_PASSWORD })));
    const connecting = svc.call('connectNode', { name: 'n4p' });
    await until('the code question', () => prompts().length === 1);
    expect(prompts()[0]).toMatchObject({
      node: 'n4p',
      method: 'keyboard-interactive',
      name: 'lab',
      prompts: [{ prompt: '(u@127.0.0.1) Verification code: ', echo: true }],
    });
    await ok(svc.call('answerLogin', { promptId: prompts()[0].promptId, answers: [LOGIN_CODE] }));
    expect((await ok<NodeInfo>(connecting)).state).toBe('connected');
    expect(kbd.answers.slice(-2)).toEqual([LOGIN_PASSWORD, LOGIN_CODE]);
  });

  it('a password given in the form, the code beside it cancelled: the failure says no code was given, not a refused password', async () => {
    const { svc, prompts } = app();
    await ok(svc.call('addNode', spec('n4c', kbd.port, { password: LOGIN_PASSWORD })));
    const before = kbd.answers.length;
    const connecting = svc.call('connectNode', { name: 'n4c' });
    await until('the code question', () => prompts().length === 1);
    expect(prompts()[0].prompts).toEqual([{ prompt: '(u@127.0.0.1) Verification code: ', echo: true }]);
    await ok(svc.call('answerLogin', { promptId: prompts()[0].promptId, answers: null }));
    const r = await connecting;
    expect(!r.ok && r.error.code).toBe('SSH_AUTH_FAILED');
    expect(!r.ok && r.error.message).toContain('keyboard-interactive: no answer given');
    expect(!r.ok && r.error.message).not.toContain('refused');
    expect(prompts()).toHaveLength(1);
    expect(kbd.answers.length).toBe(before);
  });

  it("a jump host's question names it and the node; the node then asks its own", async () => {
    const { svc, prompts } = app();
    const cfg = path.join(dir, 'ssh_config.jump');
    writeFileSync(cfg, `Host bastion\n  HostName 127.0.0.1\n  Port ${pw.port}\n  User j\n`);
    await ok(svc.call('addNode', spec('n5', kbd.port, { configPath: cfg, proxyJump: 'bastion' })));
    const connecting = svc.call('connectNode', { name: 'n5' });
    await until('the jump host question', () => prompts().length === 1);
    expect(prompts()[0]).toMatchObject({
      node: 'n5',
      user: 'j',
      host: `127.0.0.1:${pw.port}`,
      jumpHost: 'bastion',
      prompts: [{ prompt: "j@127.0.0.1's password: ", echo: false }],
    });
    await ok(svc.call('answerLogin', { promptId: prompts()[0].promptId, answers: [LOGIN_PASSWORD] }));
    await until("the node's question", () => prompts().length === 2);
    expect(prompts()[1]).toMatchObject({ node: 'n5', method: 'keyboard-interactive' });
    expect(prompts()[1]).not.toHaveProperty('jumpHost');
    await ok(
      svc.call('answerLogin', { promptId: prompts()[1].promptId, answers: [LOGIN_PASSWORD, LOGIN_CODE] }),
    );
    expect((await ok<NodeInfo>(connecting)).state).toBe('connected');
  });

  it('two nodes asking at once each get their question; removing a node ends its question', async () => {
    const { svc, prompts, closed } = app();
    await ok(svc.call('addNode', spec('a', pw.port)));
    await ok(svc.call('addNode', spec('b', kbd.port)));
    const ca = svc.call('connectNode', { name: 'a' });
    const cb = svc.call('connectNode', { name: 'b' });
    await until('both questions', () => prompts().length === 2);
    expect(
      prompts()
        .map((p) => p.node)
        .sort(),
    ).toEqual(['a', 'b']);
    const pb = prompts().find((p) => p.node === 'b')!;
    await ok(svc.call('removeNode', { name: 'b' }));
    expect(closed()).toEqual([pb.promptId]);
    expect((await cb).ok).toBe(false);
    const pa = prompts().find((p) => p.node === 'a')!;
    await ok(svc.call('answerLogin', { promptId: pa.promptId, answers: [LOGIN_PASSWORD] }));
    expect((await ok<NodeInfo>(ca)).state).toBe('connected');
  });

  it('the answer is in no event, saved node list, error message or log, right or wrong', async () => {
    const logged: string[] = [];
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void logged.push(a.map(String).join(' '))),
    );
    try {
      const { svc, all, prompts, nodesFile } = app();
      const wrong = 'wrong-Secret-Answer-93';
      await ok(svc.call('addNode', spec('s1', pw.port)));
      const connecting = svc.call('connectNode', { name: 's1' });
      // Three wrong answers, as ssh's NumberOfPasswordPrompts: then it fails.
      for (let i = 0; i < 3; i++) {
        await until(`question ${i + 1}`, () => prompts().length === i + 1);
        await ok(svc.call('answerLogin', { promptId: prompts()[i].promptId, answers: [wrong] }));
      }
      const r = await connecting;
      expect(!r.ok && r.error.code).toBe('SSH_AUTH_FAILED');
      expect(!r.ok && r.error.message).toContain('the password was refused');
      await ok(svc.call('addNode', spec('s2', kbd.port)));
      const c2 = svc.call('connectNode', { name: 's2' });
      await until('the keyboard-interactive question', () => prompts().length === 4);
      await ok(
        svc.call('answerLogin', { promptId: prompts()[3].promptId, answers: [LOGIN_PASSWORD, LOGIN_CODE] }),
      );
      await ok(c2);
      const seen = [JSON.stringify(all), JSON.stringify(r), readFileSync(nodesFile, 'utf8'), ...logged];
      seen.push(JSON.stringify(await svc.call('listNodes', undefined)));
      for (const secret of [wrong, LOGIN_PASSWORD, LOGIN_CODE])
        expect(seen.filter((s) => s.includes(secret))).toEqual([]);
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
  });

  it('validates answers at the API boundary like any other input', () => {
    const id = 'x'.repeat(36);
    expect(validateRequest('answerLogin', { promptId: id, answers: ['a', 'b'] })).toBeNull();
    expect(validateRequest('answerLogin', { promptId: id, answers: null })).toBeNull();
    expect(validateRequest('answerLogin', { promptId: id })).toContain('answers: missing');
    expect(validateRequest('answerLogin', { promptId: id, answers: 'pw' })).toContain('expected an array');
    expect(validateRequest('answerLogin', { promptId: id, answers: [1] })).toContain('expected a string');
    expect(validateRequest('answerLogin', { promptId: id, answers: ['a'.repeat(1025)] })).toContain('≤1024');
    expect(validateRequest('answerLogin', { promptId: id, answers: ['a\0b'] })).toContain(
      'expected a string',
    );
    // A refusal never repeats the answer it refused.
    expect(validateRequest('answerLogin', { promptId: id, answers: [`${'s'.repeat(1025)}`] })).not.toContain(
      'sss',
    );
    expect(validateRequest('listLoginPrompts', { x: 1 })).toContain('takes no argument');
  });

  it('the app closed while a question is open ends it at once', async () => {
    const { svc, prompts, closed } = app();
    await ok(svc.call('addNode', spec('c1', pw.port)));
    const connecting = svc.call('connectNode', { name: 'c1' });
    await until('the login question', () => prompts().length === 1);
    await svc.close();
    expect((await connecting).ok).toBe(false);
    expect(closed()).toEqual([prompts()[0].promptId]);
  });
});
