// POSIX shell quoting for everything we send to a remote shell: every argument becomes one inert word.
// Single quotes make every byte literal except the quote itself, which is closed, escaped and reopened.

/** Quotes one argument for a POSIX shell (sh, dash, bash, zsh). Safe for any string without NUL. */
export function shQuote(arg: string): string {
  if (arg.includes('\0')) throw new Error('a shell argument cannot contain NUL');
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Joins arguments into one command line whose words are exactly `args`. */
export function shJoin(args: readonly string[]): string {
  return args.map(shQuote).join(' ');
}
