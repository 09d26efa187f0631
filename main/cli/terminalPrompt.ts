// Questions the CLI puts to the user on its terminal, one at a time: login passwords and keyboard-interactive
// prompts per host (as `ssh` asks them), the sudo password, unknown host keys.

import type { PasswordAsker, PasswordQuestion } from '../ssh/connection.ts';
import { promptText, reusableAnswer } from '../ssh/connection.ts';
import { hostPort } from '../ssh/sshConfig.ts';

export interface Terminal {
  /** Keys typed (raw mode when it is a terminal: echo is ours to do, or not). */
  input: NodeJS.ReadableStream & { setRawMode?: (raw: boolean) => unknown };
  /** Where questions are written (stderr: stdout is the command's output). */
  output: NodeJS.WritableStream;
  /** Ctrl-C typed at a question (raw mode turns it into a key, not a SIGINT). */
  onInterrupt?: () => void;
}

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const CTRL_U = '\u0015';
const BACKSPACE = new Set(['\u007f', '\b']);

/** The lines ssh prints before a keyboard-interactive round's prompts: the server's name and instruction. */
export function keyboardHeader(q: PasswordQuestion): string {
  return [q.name, q.instructions]
    .filter((s) => s.trim() !== '')
    .map((s) => `${s.replace(/\n+$/, '')}\n`)
    .join('');
}

export class TerminalPrompts {
  private queue: Promise<unknown> = Promise.resolve();
  /** Ends the question being read (with no answer). */
  private ending: (() => void) | null = null;
  private cancelled = false;
  /** Each host's last password (`user@host:port`, method and prompt), given again on its next connection. */
  private readonly answers = new Map<string, string>();

  constructor(private readonly term: Terminal) {}

  /** Reads one line after the questions before it; null: Ctrl-C, Ctrl-D on an empty line, or cancel(). */
  line(question: string, echo: boolean): Promise<string | null> {
    return this.exclusive(() => this.read(question, echo));
  }

  /** Runs `ask` once the questions before it are answered, alone on the terminal. */
  private exclusive<T>(ask: () => Promise<T | null>): Promise<T | null> {
    const answer = this.queue.then(() => (this.cancelled ? null : ask()));
    this.queue = answer.catch(() => undefined);
    return answer;
  }

  /** A yes/no question (echoed); only `y`/`yes` is yes. */
  async yesNo(question: string): Promise<boolean> {
    return /^y(es)?$/i.test((await this.line(question, true))?.trim() ?? '');
  }

  /** No more questions: the one being read ends unanswered, and so does every one after it. */
  cancel(): void {
    this.cancelled = true;
    this.ending?.();
  }

  /**
   * The login asker of connectSsh: each host's questions as `ssh` asks them (`user@host's password: `, or the
   * server's keyboard-interactive prompts after `(user@host) `), echo off unless the server wants it on. A
   * password a host took is given to it again without asking (its next connection: another node behind the same
   * jump host, a connection for more channels, a reconnect); one it refused is asked again. Other keyboard-
   * interactive answers (a one-time code) are asked each time.
   */
  loginAsker(): PasswordAsker {
    return (q) =>
      // Alone on the terminal from the cache lookup to the last answer, so that the second of two nodes behind
      // one jump host finds the first one's answer rather than asking again.
      this.exclusive(async () => {
        const host = `${q.user}@${hostPort(q.hostName, q.port)}`;
        // Only a password is remembered (reusableAnswer): a one-time code is asked each time.
        const keys = q.prompts.map((p) =>
          reusableAnswer(q, p) ? `${host}\n${q.method}\n${p.prompt}` : null,
        );
        const known = keys.map((k) => (q.refused === 0 && k !== null ? this.answers.get(k) : undefined));
        if (keys.length > 0 && known.every((a) => a !== undefined)) return known as string[];
        if (q.refused > 0 && q.method === 'password')
          this.term.output.write('Permission denied, please try again.\n');
        if (q.method === 'keyboard-interactive') this.term.output.write(keyboardHeader(q));
        const out: string[] = [];
        for (const [i, p] of q.prompts.entries()) {
          const a = known[i] ?? (this.cancelled ? null : await this.read(promptText(q, p), p.echo));
          if (a === null) return null;
          out.push(a);
        }
        keys.forEach((k, i) => k !== null && this.answers.set(k, out[i]));
        return out;
      });
  }

  private read(question: string, echo: boolean): Promise<string | null> {
    const { input, output } = this.term;
    // Raw before the question shows: a key typed as soon as it does must not be echoed by the terminal.
    input.setRawMode?.(true);
    output.write(question);
    input.resume();
    return new Promise((resolve) => {
      let s = '';
      const finish = (answer: string | null, interrupted = false) => {
        input.off('data', onData);
        input.setRawMode?.(false);
        input.pause();
        this.ending = null;
        output.write('\n');
        resolve(answer);
        if (interrupted) this.term.onInterrupt?.();
      };
      const onData = (d: Buffer | string) => {
        for (const ch of d.toString()) {
          if (ch === '\r' || ch === '\n') return finish(s);
          if (ch === CTRL_C) return finish(null, true);
          if (ch === CTRL_D && s === '') return finish(null);
          if (BACKSPACE.has(ch)) {
            if (s && echo) output.write('\b \b');
            s = [...s].slice(0, -1).join('');
          } else if (ch === CTRL_U) {
            if (echo) output.write('\b \b'.repeat([...s].length));
            s = '';
          } else if (ch >= ' ') {
            s += ch;
            if (echo) output.write(ch);
          }
        }
      };
      this.ending = () => finish(null);
      input.on('data', onData);
    });
  }
}
