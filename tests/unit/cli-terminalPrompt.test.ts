// The CLI's terminal questions (main/cli/terminalPrompt.ts) over a fake terminal: login prompts worded as ssh
// words them, echo off for passwords, one question at a time, each host's answer reused, Ctrl-C.

import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { hostKeyQuestion } from '../../main/cli/capture.ts';
import { TerminalPrompts } from '../../main/cli/terminalPrompt.ts';
import { reusableAnswer, type PasswordQuestion } from '../../main/ssh/connection.ts';

/** A terminal whose keys the test types, and whose screen is `shown()`; raw mode is recorded. */
function fakeTerminal() {
  const input = new PassThrough() as PassThrough & { setRawMode: (raw: boolean) => void };
  const modes: boolean[] = [];
  input.setRawMode = (raw) => void modes.push(raw);
  const output = new PassThrough();
  let screen = '';
  output.on('data', (d: Buffer) => (screen += d.toString()));
  let interrupts = 0;
  const prompts = new TerminalPrompts({ input, output, onInterrupt: () => interrupts++ });
  /** Types `keys` once the screen ends with `question`. */
  const typeAfter = async (question: string, keys: string) => {
    for (let i = 0; i < 200 && !screen.endsWith(question); i++) await new Promise((r) => setTimeout(r, 5));
    expect(screen.endsWith(question), `waiting for ${JSON.stringify(question)} in ${screen}`).toBe(true);
    input.write(keys);
  };
  return { prompts, typeAfter, shown: () => screen, modes, interrupts: () => interrupts };
}

const password = (
  user: string,
  hostName: string,
  extra: Partial<PasswordQuestion> = {},
): PasswordQuestion => ({
  user,
  hostName,
  port: 22,
  method: 'password',
  name: '',
  instructions: '',
  prompts: [{ prompt: `${user}@${hostName}'s password: `, echo: false }],
  refused: 0,
  ...extra,
});

describe('TerminalPrompts', () => {
  it("asks `user@host's password: ` with echo off, and a host's answer is reused until refused", async () => {
    const t = fakeTerminal();
    const ask = t.prompts.loginAsker();
    const first = ask(password('hspass', '10.1.10.9'));
    await t.typeAfter("hspass@10.1.10.9's password: ", 'se\u007fecret\r');
    expect(await first).toEqual(['secret']);
    // Nothing typed was shown, and raw mode was on only while asking.
    expect(t.shown()).toBe("hspass@10.1.10.9's password: \n");
    expect(t.modes).toEqual([true, false]);
    // The same host again (another connection): not asked.
    expect(await ask(password('hspass', '10.1.10.9'))).toEqual(['secret']);
    // Refused: asked again, as ssh does after a wrong password.
    const again = ask(password('hspass', '10.1.10.9', { refused: 1 }));
    await t.typeAfter("Permission denied, please try again.\nhspass@10.1.10.9's password: ", 'other\n');
    expect(await again).toEqual(['other']);
    expect(await ask(password('hspass', '10.1.10.9'))).toEqual(['other']);
  });

  it('asks each host for its own password: a jump host and the node behind it are two questions', async () => {
    const t = fakeTerminal();
    const ask = t.prompts.loginAsker();
    const jump = ask(password('hspass', '10.1.10.2', { jumpHost: 'bastion' }));
    const node = ask(password('hspass', '10.1.10.9'));
    await t.typeAfter("hspass@10.1.10.2's password: ", 'jump-pw\r');
    await t.typeAfter("hspass@10.1.10.9's password: ", 'node-pw\r');
    expect(await jump).toEqual(['jump-pw']);
    expect(await node).toEqual(['node-pw']);
  });

  it('two nodes asking the same jump host at once: one question, the second takes its answer', async () => {
    const t = fakeTerminal();
    const ask = t.prompts.loginAsker();
    const a = ask(password('hspass', '10.1.10.2', { jumpHost: 'bastion' }));
    const b = ask(password('hspass', '10.1.10.2', { jumpHost: 'bastion' }));
    await t.typeAfter("hspass@10.1.10.2's password: ", 'jump-pw\r');
    expect(await a).toEqual(['jump-pw']);
    expect(await b).toEqual(['jump-pw']);
    expect(t.shown().match(/password: /g)).toHaveLength(1);
  });

  it("keyboard-interactive: the server's name, instruction and prompts, each prompt after (user@host), echo as asked", async () => {
    const t = fakeTerminal();
    const ask = t.prompts.loginAsker();
    const answer = ask({
      ...password('hspass', '10.1.10.9'),
      port: 2222,
      method: 'keyboard-interactive',
      name: 'PAM',
      instructions: 'Two questions',
      prompts: [
        { prompt: 'Password: ', echo: false },
        { prompt: 'Code: ', echo: true },
      ],
    });
    await t.typeAfter('PAM\nTwo questions\n(hspass@10.1.10.9) Password: ', 'pw\r');
    await t.typeAfter('(hspass@10.1.10.9) Code: ', '12x\u007f3\r');
    expect(await answer).toEqual(['pw', '123']);
    // The code was echoed (with its correction), the password not.
    expect(t.shown()).toBe(
      'PAM\nTwo questions\n(hspass@10.1.10.9) Password: \n(hspass@10.1.10.9) Code: 12x\b \b3\n',
    );
    // The next connection: the password is given again, the code (one-time) asked again.
    const next = ask({
      ...password('hspass', '10.1.10.9'),
      port: 2222,
      method: 'keyboard-interactive',
      prompts: [
        { prompt: 'Password: ', echo: false },
        { prompt: 'Code: ', echo: true },
      ],
    });
    await t.typeAfter('\n(hspass@10.1.10.9) Code: ', '456\r');
    expect(await next).toEqual(['pw', '456']);
    expect(t.shown().match(/Password: /g)).toHaveLength(1);
  });

  it('remembers a password only: password auth and keyboard-interactive password prompts, no code', () => {
    const kbd = { method: 'keyboard-interactive' } as const;
    for (const prompt of ['Password: ', 'password:', "hspass@10.1.10.9's password: "])
      expect(reusableAnswer(kbd, { prompt }), prompt).toBe(true);
    for (const prompt of ['Verification code: ', 'Password + OTP: ', 'One-time password: ', 'PIN: '])
      expect(reusableAnswer(kbd, { prompt }), prompt).toBe(false);
    expect(reusableAnswer({ method: 'password' }, { prompt: "u@h's password: " })).toBe(true);
  });

  it("an unknown host key's question writes the host with its port as ssh does, [addr]:port for IPv6", () => {
    const key = { node: 'node-1', keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc' };
    expect(hostKeyQuestion({ ...key, host: 'fd00::9', port: 2222 })).toBe(
      'node-1: [fd00::9]:2222 is not in known_hosts; its ssh-ed25519 key is SHA256:abc. Accept and record it? [y/N] ',
    );
    expect(hostKeyQuestion({ ...key, host: '10.1.10.2', port: 22, jumpHost: 'bastion' })).toMatch(
      /^node-1: jump host bastion 10\.1\.10\.2:22 is not in known_hosts/,
    );
  });

  it('Ctrl-C at a question gives no answer and interrupts; cancel() ends the question being read', async () => {
    const t = fakeTerminal();
    const ask = t.prompts.loginAsker();
    const a = ask(password('hspass', '10.1.10.9'));
    await t.typeAfter("hspass@10.1.10.9's password: ", 'abc\u0003');
    expect(await a).toBeNull();
    expect(t.interrupts()).toBe(1);
    const b = t.prompts.line('sudo password: ', false);
    await t.typeAfter('sudo password: ', 'x');
    t.prompts.cancel();
    expect(await b).toBeNull();
    // Cancelled: nothing more is asked.
    expect(await t.prompts.yesNo('Accept? [y/N] ')).toBe(false);
    expect(t.shown().endsWith('sudo password: \n')).toBe(true);
  });
});
