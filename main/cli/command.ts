// The shape every subcommand file exports; the dispatcher in index.ts lists them.

export interface Command {
  name: string;
  /** One line for `hopscope --help`. */
  summary: string;
  /** Full text for `hopscope NAME --help`. */
  help: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}
