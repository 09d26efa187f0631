// The shape every subcommand file exports; the dispatcher in index.ts lists them.

export interface Command {
  name: string;
  /** One line for `hopscope --help`. */
  summary: string;
  /** Full text for `hopscope NAME --help`. */
  help: string;
  /**
   * Takes the signals held while it loaded (EarlySignals.take, once its own handlers are set); other commands'
   * are released before they run.
   */
  takesEarlySignals?: boolean;
  /** Returns the process exit code. */
  run(argv: string[], early?: EarlySignals): Promise<number>;
}

/** SIGINT and SIGTERM held from the process's start until the command has its own handlers (bin/earlySignals.mjs). */
export interface EarlySignals {
  /** The command handles signals now: stops holding, and returns those held so far (oldest first). */
  take(): NodeJS.Signals[];
  /** Stops holding; a signal held is raised again, so that the process ends as it would have. */
  release(): void;
}
