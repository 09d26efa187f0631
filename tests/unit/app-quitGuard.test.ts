// The desktop app's quit: Electron's 'before-quit' does not wait for promises, so the guard holds the first quit
// until AppService.close() (a running capture stopped, its counts recorded) has finished. Electron itself cannot
// run here (no binary); the events are played as Electron raises them: once per app.quit().
import { describe, expect, it } from 'vitest';

import { closeBeforeQuit } from '../../main/app/quitGuard.ts';

/** A backend whose close() ends when the test says (finish / fail), or never. */
function fakeBackend() {
  let finish: () => void = () => undefined;
  let fail: (e: Error) => void = () => undefined;
  const calls: string[] = [];
  return {
    calls,
    finish: () => finish(),
    fail: (e: Error) => fail(e),
    backend: {
      close: () => {
        calls.push('close');
        return new Promise<void>((resolve, reject) => {
          finish = resolve;
          fail = reject;
        });
      },
      abandonCapture: () => {
        calls.push('abandon');
        return '/tmp/capture-x';
      },
    },
  };
}

/** One 'before-quit' event: whether its handler held the quit. */
function quitEvent(handler: (ev: { preventDefault(): void }) => void): boolean {
  let prevented = false;
  handler({ preventDefault: () => (prevented = true) });
  return prevented;
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('closeBeforeQuit', () => {
  it('holds the first quit until the app is closed, then quits once; that quit goes through', async () => {
    const f = fakeBackend();
    let quits = 0;
    const handler = closeBeforeQuit(f.backend, () => quits++);
    expect(quitEvent(handler)).toBe(true);
    expect(f.calls).toEqual(['close']);
    await tick();
    expect(quits).toBe(0); // still closing
    f.finish();
    await tick();
    expect(quits).toBe(1);
    expect(quitEvent(handler)).toBe(false); // the quit it asked for
    expect(f.calls).toEqual(['close']);
  });

  it('a second quit while closing goes at once, the capture marked as quit at once; no later quit', async () => {
    const f = fakeBackend();
    let quits = 0;
    const handler = closeBeforeQuit(f.backend, () => quits++);
    expect(quitEvent(handler)).toBe(true);
    expect(quitEvent(handler)).toBe(false);
    expect(f.calls).toEqual(['close', 'abandon']);
    f.finish();
    await tick();
    expect(quits).toBe(0);
  });

  it('a close that fails still quits', async () => {
    const f = fakeBackend();
    let quits = 0;
    const handler = closeBeforeQuit(f.backend, () => quits++);
    quitEvent(handler);
    f.fail(new Error('node gone'));
    await tick();
    expect(quits).toBe(1);
  });

  it('a close that never ends quits after the deadline', async () => {
    const f = fakeBackend(); // finish() never called
    let quits = 0;
    const handler = closeBeforeQuit(f.backend, () => quits++, 50);
    quitEvent(handler);
    await new Promise((r) => setTimeout(r, 20));
    expect(quits).toBe(0);
    await new Promise((r) => setTimeout(r, 80));
    expect(quits).toBe(1);
  });
});
