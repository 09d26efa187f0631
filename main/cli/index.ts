// `hopscope` entry: dispatches to one file per subcommand; errors print as `hopscope: CODE: message`.

import { createRequire } from 'node:module';

import { HopscopeError } from '../common/errors.ts';

import type { EarlySignals } from './command.ts';
import { commands } from './registry.ts';

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return [
    'usage: hopscope COMMAND [options]',
    '',
    'One packet across every interface of every node.',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `hopscope COMMAND --help` for a command’s options; `hopscope --version` prints the version.',
  ].join('\n');
}

/** `early`: the signals bin/hopscope.mjs held from the start, for the command that takes them (else released). */
export async function main(argv: string[], early?: EarlySignals): Promise<number> {
  try {
    return await dispatch(argv, early);
  } finally {
    early?.release();
  }
}

async function dispatch(argv: string[], early?: EarlySignals): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) {
    // A usage error: on stderr, as for an unknown command (stdout may be a pipe expecting output).
    console.error(usage());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    console.log(createRequire(import.meta.url)('../../package.json').version);
    return 0;
  }
  const entry = commands[name];
  if (!entry) {
    console.error(`hopscope: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.help);
    return 0;
  }
  // A command with no handlers of its own ends on a signal as it always did, one held meanwhile at once.
  if (!cmd.takesEarlySignals) early?.release();
  try {
    return await cmd.run(rest, cmd.takesEarlySignals ? early : undefined);
  } catch (e) {
    // The reader of our output went away (`| head`, a pager quit early): stop quietly, as a command killed by
    // SIGPIPE does (status 128 + 13), instead of printing a stack trace.
    if ((e as NodeJS.ErrnoException)?.code === 'EPIPE') return 141;
    if (e instanceof HopscopeError) {
      console.error(`hopscope ${name}: ${e.code}: ${e.message}`);
      return e.code === 'USAGE' ? 2 : 1;
    }
    throw e;
  }
}
