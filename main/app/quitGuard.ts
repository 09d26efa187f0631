// Quitting the desktop app while it captures. Electron's 'before-quit' does not wait for a promise: a handler that
// only started AppService.close() let the process end before the capture's tcpdumps were stopped and their final
// counts recorded (session.json left 'capturing'). This holds the first quit until the app is closed, then quits
// again; a second quit while closing quits at once, as a second Ctrl-C on `hopscope serve` does. No electron
// import: main/index.ts passes the event and app.quit in.

/** What the guard needs of the app: the same AppService methods `hopscope serve` uses. */
export interface Closable {
  close(): Promise<void>;
  /** Marks a running capture as quit at once (session.json); its folder or null. */
  abandonCapture(): string | null;
}

/** The longest a quit waits for the close (a node that stopped answering) before it goes anyway. */
export const QUIT_CLOSE_DEADLINE_MS = 15_000;

/**
 * Returns the 'before-quit' handler. `quit` is called once the close has finished (or its deadline passed); the
 * event it raises then finds the guard closed and lets the quit through.
 */
export function closeBeforeQuit(
  backend: Closable,
  quit: () => void,
  deadlineMs = QUIT_CLOSE_DEADLINE_MS,
): (ev: { preventDefault(): void }) => void {
  let state: 'open' | 'closing' | 'closed' = 'open';
  return (ev) => {
    if (state === 'closed') return;
    if (state === 'closing') {
      // Asked again while closing: go now, the session saying how it ended.
      backend.abandonCapture();
      state = 'closed';
      return;
    }
    ev.preventDefault();
    state = 'closing';
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    void Promise.race([backend.close().catch(() => undefined), deadline]).then(() => {
      clearTimeout(timer);
      if (state === 'closed') return; // quit at once meanwhile
      state = 'closed';
      quit();
    });
  };
}
