// Runs the real CLI on a pseudo-terminal (python3's pty module), typing answers to its questions as a user would:
// what a terminal shows (the questions, and whether a password was echoed) is the transcript.

import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { ROOT } from './captureLab.ts';

/**
 * Forks the command on a pty; reads the questions (a JSON list of [text to wait for, answer]) from stdin, so
 * that no answer is in anyone's environment or arguments; types each answer and Enter once its text is shown;
 * prints the transcript and exits with the command's status.
 */
const DRIVER = String.raw`
import json, os, pty, select, sys, time
answers = json.loads(sys.stdin.read())
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out, seen, i = b'', 0, 0
while True:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            d = os.read(fd, 4096)
        except OSError:
            break
        if not d:
            break
        out += d
    if i < len(answers):
        at = out.find(answers[i][0].encode(), seen)
        if at >= 0:
            seen = at + len(answers[i][0])
            time.sleep(0.2)
            os.write(fd, answers[i][1].encode() + b'\r')
            i += 1
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status))
`;

export interface TerminalRun {
  code: number | null;
  /** Everything the terminal showed (stdout and stderr, as a user sees them), CRLF made LF. */
  screen: string;
}

/** `hopscope ARGS` on a terminal, answering `answers` ([question text, answer]) in order. */
export function onTerminal(
  args: string[],
  answers: [string, string][],
  env: NodeJS.ProcessEnv = {},
): Promise<TerminalRun> {
  const child = spawn('python3', ['-c', DRIVER, process.execPath, join(ROOT, 'bin/hopscope.mjs'), ...args], {
    env: { ...process.env, SSH_AUTH_SOCK: '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdin.end(JSON.stringify(answers));
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code, screen: screen.replace(/\r\n/g, '\n') + err })),
  );
}
