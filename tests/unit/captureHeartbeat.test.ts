// The remote watchdog's heartbeat, run through real /bin/dash and /bin/bash with a stand-in tcpdump: heartbeat
// lines keep it alive past the timeout; heartbeats that stop while stdin stays open (a blackholed connection that
// sshd has not noticed) get it SIGTERMed after the timeout, or SIGKILLed after the grace if it ignores SIGTERM;
// the sudo -S password line before the heartbeats is left alone; the timer says nothing on stderr but its mark; and
// no sleep or subshell outlives the wrapper. The wait for the start after a passed filter check
// (checkedStartScript) has the same watchdog: with no heartbeat for its timeout it ends, and nothing is left.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  checkedStartScript,
  FILTER_CHECKED_MARK,
  START_LINE,
  STATS_REQUEST_LINE,
  WAIT_WATCHDOG_MARK,
  WATCHDOG_MARK,
  wrapWithWatchdog,
} from '../../main/capture/tcpdumpCommand.ts';
import { shQuote } from '../../main/ssh/shellQuote.ts';
import { tempDir } from '../tempDir.ts';

const dir = tempDir('hs-heartbeat-');
const T = 2; // heartbeat timeout (s), short for the test
const G = 1; // SIGTERM → SIGKILL grace (s)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A stand-in tcpdump: records its pid, says "listening", prints counts on SIGTERM (or ignores SIGTERM) and, like
 * tcpdump on Linux, one line of counts on SIGUSR1 (numbered, so each request can be told apart).
 */
function fakeTcpdump(name: string, ignoreTerm: boolean): { path: string; pidFile: string } {
  const path = join(dir, `${name}.sh`);
  const pidFile = join(dir, `${name}.pid`);
  const onTerm =
    (ignoreTerm ? `trap '' TERM` : `trap 'echo "3 packets captured" >&2; exit 0' TERM`) +
    `\nn=0; trap 'n=$((n+1)); echo "tcpdump: $n packets captured, $n packets received by filter, 0 packets dropped by kernel" >&2' USR1`;
  // `exec sleep` for the stubborn one: a single process that inherits the ignored SIGTERM.
  const loop = ignoreTerm ? 'exec sleep 1000' : 'while :; do sleep 0.05; done';
  writeFileSync(
    path,
    `#!/bin/sh\necho $$ > ${shQuote(pidFile)}\n${onTerm}\necho "tcpdump: listening on x" >&2\n${loop}\n`,
  );
  chmodSync(path, 0o755);
  return { path, pidFile };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process in a process group (the wrapper runs detached, so all it starts shares its group). */
function groupMembers(pgid: number): string[] {
  const out: string[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    let stat = '';
    try {
      stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …: comm may hold spaces, so split after its closing parenthesis. Zombies
    // run nothing (this container's pid 1 never reaps the orphans the wrapper leaves to it; init does on nodes).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(rest[2]) === pgid && rest[0] !== 'Z')
      out.push(`${p} ${stat.slice(stat.indexOf('('), stat.lastIndexOf(')') + 1)}`);
  }
  return out;
}

interface Run {
  child: ChildProcessWithoutNullStreams;
  err: () => string;
  exit: Promise<{ code: number | null; at: number }>;
  pid: number;
}

/** Starts the wrapper under `shell`, optionally behind a fake `sudo -S` that consumes a password line first. */
async function start(
  shell: string,
  fake: { path: string; pidFile: string },
  sudoPassword?: string,
): Promise<Run> {
  const script = wrapWithWatchdog([fake.path], { heartbeatTimeoutS: T, killGraceS: G });
  // Like `sudo -S`: read exactly one line (the password) from stdin, then run the script with the rest of it.
  const args =
    sudoPassword === undefined
      ? ['-c', script]
      : [
          '-c',
          `IFS= read -r pw; [ "$pw" = ${shQuote(sudoPassword)} ] || exit 99; exec "$0" -c "$1"`,
          shell,
          script,
        ];
  const child = spawn(shell, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdout.resume();
  const exit = new Promise<{ code: number | null; at: number }>((r) =>
    child.on('close', (code) => r({ code, at: Date.now() })),
  );
  if (sudoPassword !== undefined) child.stdin.write(sudoPassword + '\n');
  const t0 = Date.now();
  while (!err.includes('listening') && Date.now() - t0 < 5000) await sleep(20);
  expect(err).toContain('listening');
  expect(existsSync(fake.pidFile)).toBe(true);
  return { child, err: () => err, exit, pid: Number(readFileSync(fake.pidFile, 'utf8')) };
}

/** Nothing of the wrapper's may remain once it has exited (a tiny delay for the kernel to reap). */
async function expectNothingLeft(run: Run): Promise<void> {
  const t0 = Date.now();
  while (groupMembers(run.child.pid!).length > 0 && Date.now() - t0 < 300) await sleep(20);
  expect(groupMembers(run.child.pid!)).toEqual([]);
  expect(alive(run.pid)).toBe(false);
}

/** Writes a heartbeat every everyMs; the returned function stops them and says when the last one was written. */
function heartbeats(run: Run, everyMs: number): () => number {
  let last = Date.now();
  const t = setInterval(() => {
    run.child.stdin.write('\n');
    last = Date.now();
  }, everyMs);
  return () => {
    clearInterval(t);
    return last;
  };
}

for (const shell of ['/bin/dash', '/bin/bash']) {
  describe.concurrent(`heartbeat watchdog under ${shell}`, () => {
    const tag = shell.split('/').pop()!;

    it('heartbeats keep tcpdump alive well past the timeout; stdin EOF still stops it with its counts', async () => {
      const run = await start(shell, fakeTcpdump(`${tag}-alive`, false));
      const stop = heartbeats(run, 500);
      await sleep(2 * T * 1000 + 500);
      expect(alive(run.pid)).toBe(true);
      stop();
      run.child.stdin.end();
      const { code } = await run.exit;
      expect(code).toBe(0);
      expect(run.err()).toContain('3 packets captured');
      expect(run.err()).not.toContain(WATCHDOG_MARK);
      // Nor anything else of the timer's: the shell's "Killed" for each sleep a heartbeat cut short (every 2 s)
      // used to fill the capture's kept stderr, pushing out tcpdump's final counts in a long capture.
      expect(run.err()).not.toMatch(/Killed/);
      await expectNothingLeft(run);
    }, 15_000);

    it('heartbeats that stop while stdin stays open: SIGTERM after the timeout (counts printed)', async () => {
      const run = await start(shell, fakeTcpdump(`${tag}-term`, false), "pw'$(touch x)");
      const stop = heartbeats(run, 400);
      await sleep(1200);
      const lastBeat = stop();
      const { code, at } = await run.exit; // stdin is still open: only the timer can end it
      const after = (at - lastBeat) / 1000;
      expect(code).toBe(0);
      expect(run.err()).toContain('3 packets captured');
      expect(run.err()).toContain(`${WATCHDOG_MARK} ${T} s`); // how the local side tells it from a stop
      expect(run.err()).not.toContain("pw'"); // the password line was sudo's, not echoed
      // The timer restarts at the last heartbeat: not before T, and well before T + G.
      expect(after).toBeGreaterThanOrEqual(T - 0.1);
      expect(after).toBeLessThan(T + G);
      expect(run.child.stdin.writableEnded).toBe(false);
      await expectNothingLeft(run);
      run.child.stdin.end();
    }, 15_000);

    it('a tcpdump that ignores SIGTERM is SIGKILLed after the grace; nothing is left', async () => {
      const run = await start(shell, fakeTcpdump(`${tag}-kill`, true));
      const stop = heartbeats(run, 400);
      await sleep(800);
      const lastBeat = stop();
      const { code, at } = await run.exit;
      const after = (at - lastBeat) / 1000;
      expect(code).toBe(128 + 9);
      expect(after).toBeGreaterThanOrEqual(T + G - 0.1);
      expect(after).toBeLessThan(T + G + 1);
      await expectNothingLeft(run);
      run.child.stdin.end();
    }, 15_000);

    it('the client gone (stdin ended, stderr closed) and a tcpdump that ignores SIGTERM: still SIGKILLed after T + G', async () => {
      // sshd closes a session's pipes when its connection goes away: the timer's mark on stderr must not end the
      // timer (SIGPIPE) before its SIGKILL, or a tcpdump that did not act on the reader's SIGTERM would stay.
      const run = await start(shell, fakeTcpdump(`${tag}-gone`, true));
      try {
        run.child.stderr.destroy();
        const gone = Date.now();
        run.child.stdin.end();
        while (alive(run.pid) && Date.now() - gone < (T + G + 2) * 1000) await sleep(50);
        expect(alive(run.pid)).toBe(false);
        expect((Date.now() - gone) / 1000).toBeGreaterThanOrEqual(T + G - 0.2);
        await expectNothingLeft(run);
      } finally {
        if (alive(run.pid)) process.kill(run.pid, 'SIGKILL'); // ours: the stand-in left by a failure
      }
    }, 15_000);

    it('a child that exits at once: the wrapper and its timer end at once too (30 runs, stdin held open)', async () => {
      // Races the timer's start: its SIGTERM from the script's end lands around the fork of its first sleep.
      for (let i = 0; i < 30; i++) {
        const child = spawn(shell, ['-c', wrapWithWatchdog(['true'])], {
          stdio: ['pipe', 'pipe', 'pipe'],
          detached: true,
        });
        child.stdout.resume();
        child.stderr.resume();
        const t0 = Date.now();
        // 'close' waits for stdout and stderr to close: a leftover sleep holding them would delay it by 10 s.
        const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
        expect(code).toBe(0);
        expect(Date.now() - t0).toBeLessThan(1500);
        const t1 = Date.now();
        while (groupMembers(child.pid!).length > 0 && Date.now() - t1 < 300) await sleep(10);
        expect(groupMembers(child.pid!)).toEqual([]);
        child.stdin.end();
      }
    }, 30_000);

    it('a stats-request heartbeat also asks tcpdump for its counts (SIGUSR1); a plain one does not', async () => {
      const run = await start(shell, fakeTcpdump(`${tag}-stats`, false));
      run.child.stdin.write('\n');
      await sleep(300);
      expect(run.err()).not.toContain('packets received by filter');
      // One at a time: signals that land together are one signal (tcpdump's own handler is no different).
      for (const n of [1, 2]) {
        run.child.stdin.write(`${STATS_REQUEST_LINE}\n`);
        const t0 = Date.now();
        while (!run.err().includes(`tcpdump: ${n} packets captured`) && Date.now() - t0 < 3000)
          await sleep(20);
      }
      expect(run.err()).toContain('tcpdump: 1 packets captured, 1 packets received by filter');
      expect(run.err()).toContain('tcpdump: 2 packets captured, 2 packets received by filter');
      expect(alive(run.pid)).toBe(true); // the requests kept the timer fed too
      run.child.stdin.end();
      expect((await run.exit).code).toBe(0);
      expect(run.err()).toContain('3 packets captured');
      await expectNothingLeft(run);
    }, 15_000);

    it('no heartbeat at all (and stdin open) also ends it: the timer runs from the start', async () => {
      const run = await start(shell, fakeTcpdump(`${tag}-none`, false));
      const { code } = await run.exit;
      expect(code).toBe(0);
      await expectNothingLeft(run);
      run.child.stdin.end();
    }, 15_000);
  });
}

for (const shell of ['/bin/dash', '/bin/bash']) {
  describe.concurrent(`the wait for the start under ${shell}`, () => {
    const tag = shell.split('/').pop()!;
    const W = 1; // its heartbeat timeout (s)

    /** The checked start (a passing check) of a stand-in tcpdump, waiting for the start with stdin held open. */
    async function waiting(name: string) {
      const fake = fakeTcpdump(`${tag}-${name}`, false);
      const script = checkedStartScript('true', wrapWithWatchdog([fake.path], { heartbeatTimeoutS: T }), {
        heartbeatTimeoutS: W,
      });
      const child = spawn(shell, ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      child.stdout.resume();
      const exit = new Promise<{ code: number | null; signal: string | null; at: number }>((r) =>
        child.on('close', (code, signal) => r({ code, signal, at: Date.now() })),
      );
      const t0 = Date.now();
      while (!err.includes(FILTER_CHECKED_MARK) && Date.now() - t0 < 3000) await sleep(10);
      expect(err).toContain(FILTER_CHECKED_MARK);
      return { child, fake, exit, err: () => err, since: Date.now() };
    }

    it('no heartbeat while it waits (a blackholed connection, stdin open): it ends by itself after the timeout', async () => {
      const w = await waiting('wait-none');
      const { code, at } = await w.exit;
      expect(code).toBe(1);
      expect((at - w.since) / 1000).toBeGreaterThanOrEqual(W - 0.1);
      expect((at - w.since) / 1000).toBeLessThan(W + 1);
      expect(w.err()).toContain(`${WAIT_WATCHDOG_MARK} ${W} s`);
      expect(w.err()).not.toMatch(/Killed/);
      expect(existsSync(w.fake.pidFile)).toBe(false); // tcpdump never started
      await sleep(50);
      expect(groupMembers(w.child.pid!)).toEqual([]);
      w.child.stdin.end();
    }, 10_000);

    it('heartbeats keep it waiting past the timeout; the start then runs tcpdump, and its end leaves nothing', async () => {
      const w = await waiting('wait-beats');
      const beat = setInterval(() => w.child.stdin.write('\n'), 250);
      await sleep(W * 1000 + 400);
      clearInterval(beat);
      w.child.stdin.write(`${START_LINE}\n`);
      const t0 = Date.now();
      while (!w.err().includes('listening') && Date.now() - t0 < 3000) await sleep(10);
      expect(w.err()).toContain('listening');
      expect(w.err()).not.toContain(WAIT_WATCHDOG_MARK);
      w.child.stdin.end();
      expect((await w.exit).code).toBe(0);
      expect(w.err()).toContain('3 packets captured');
      await sleep(50);
      expect(groupMembers(w.child.pid!)).toEqual([]);
    }, 10_000);

    it('go at once after the check (30 runs, stdin held open): each goes on at once, nothing of the wait left', async () => {
      // The signals between the wait's reader and its timer come as soon as the reader is forked: none may be lost,
      // and the outcome must not hang on which process gets to its trap first.
      const script = checkedStartScript('true', 'echo started >&2', { heartbeatTimeoutS: 5 });
      for (let i = 0; i < 30; i++) {
        const child = spawn(shell, ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
        let err = '';
        child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
        child.stdout.resume();
        child.stdin.write(`${START_LINE}\n`);
        const t0 = Date.now();
        const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
        expect(code).toBe(0);
        expect(err).toContain('started');
        expect(Date.now() - t0).toBeLessThan(1500);
        await sleep(10);
        expect(groupMembers(child.pid!)).toEqual([]);
        child.stdin.end();
      }
    }, 30_000);

    it('stdin’s end while it waits (the session gave up): it exits at once, its timer with it', async () => {
      const w = await waiting('wait-eof');
      w.child.stdin.end();
      const { code, at } = await w.exit; // 'close': every holder of its stdout and stderr is gone
      expect(code).toBe(0);
      expect(at - w.since).toBeLessThan(500);
      expect(existsSync(w.fake.pidFile)).toBe(false);
      await sleep(50);
      expect(groupMembers(w.child.pid!)).toEqual([]);
    }, 10_000);
  });
}

describe('wrapWithWatchdog options', () => {
  it('only whole seconds reach the script', () => {
    expect(wrapWithWatchdog(['t'])).toContain('nap 10\n');
    expect(wrapWithWatchdog(['t'])).toContain('nap 3\n');
    expect(wrapWithWatchdog(['t'], { heartbeatTimeoutS: 4, killGraceS: 2 })).toMatch(/nap 4\n[^]*nap 2\n/);
    for (const bad of [0, 1.5, -1, Number.NaN, 1e9])
      expect(() => wrapWithWatchdog(['t'], { heartbeatTimeoutS: bad })).toThrow();
    expect(() => wrapWithWatchdog(['t'], { killGraceS: 0 })).toThrow();
  });
});
