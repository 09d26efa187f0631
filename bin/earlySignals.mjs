// Holds SIGINT and SIGTERM from the process's first moments until the command has set its own handlers: loading it
// takes ~0.1 s (more through tsx), during which either signal used to end `hopscope capture` at once, saying
// nothing. The command takes what was held (and handles it: capture stops before starting anything, and says so),
// or, for a command that sets no handlers of its own, the hold is released and a signal held is raised again, so
// the process ends as it would have.

const SIGNALS = ['SIGINT', 'SIGTERM'];

export function holdSignals() {
  const held = [];
  const hold = (sig) => held.push(sig);
  for (const s of SIGNALS) process.on(s, hold);
  let holding = true;
  const stop = () => {
    if (!holding) return false;
    holding = false;
    for (const s of SIGNALS) process.off(s, hold);
    return true;
  };
  return {
    take() {
      stop();
      return [...held];
    },
    release() {
      // With no listener left the signal's default action is back: raised again, it ends the process.
      if (stop() && held.length > 0) process.kill(process.pid, held[0]);
    },
  };
}
