// A small, strict argument parser shared by the subcommands: known flags only, repeatable flags collected.

import { HopscopeError } from '../common/errors.ts';

export interface FlagSpec {
  /** Takes a value (`--out DIR`) rather than being a switch (`--json`). */
  value?: boolean;
  /** May be given more than once; values collected in order. */
  repeat?: boolean;
  short?: string;
}

export interface ParsedArgs {
  flags: Map<string, string[] | true>;
  positional: string[];
}

export function parseArgs(argv: string[], spec: Record<string, FlagSpec>): ParsedArgs {
  const flags = new Map<string, string[] | true>();
  const positional: string[] = [];
  const byShort = new Map(Object.entries(spec).flatMap(([k, s]) => (s.short ? [[s.short, k]] : [])));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    } else {
      const mapped = byShort.get(a.slice(1));
      if (!mapped) throw new HopscopeError('USAGE', `unknown option ${a}`);
      name = mapped;
    }
    const s = spec[name];
    if (!s) throw new HopscopeError('USAGE', `unknown option --${name}`);
    if (!s.value) {
      if (inline !== undefined) throw new HopscopeError('USAGE', `--${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined) throw new HopscopeError('USAGE', `--${name} needs a value`);
    // `export --pcapng --corrected-time DIR` wrote a file named "--corrected-time" and dropped the option: a
    // separate value that looks like a long option is refused (a file of that name is ./--x or --name=--x).
    if (inline === undefined && /^--[a-z]/.test(v))
      throw new HopscopeError(
        'USAGE',
        `--${name} needs a value, not the option ${v} (for a file of that name, write ./${v})`,
      );
    const prev = flags.get(name);
    if (Array.isArray(prev) && s.repeat) prev.push(v);
    else if (prev !== undefined && !s.repeat) throw new HopscopeError('USAGE', `--${name} given twice`);
    else flags.set(name, [v]);
  }
  return { flags, positional };
}

export function flagValue(p: ParsedArgs, name: string): string | undefined {
  const v = p.flags.get(name);
  return Array.isArray(v) ? v[v.length - 1] : undefined;
}

export function flagValues(p: ParsedArgs, name: string): string[] {
  const v = p.flags.get(name);
  return Array.isArray(v) ? v : [];
}

export function flagSet(p: ParsedArgs, name: string): boolean {
  return p.flags.has(name);
}

/** `--min-hops N`: a positive whole number written in decimal (`0x8` and `1e1` are not), 1 when absent. */
export function minHopsArg(v: string | undefined): number {
  if (v === undefined) return 1;
  if (!/^[1-9]\d{0,8}$/.test(v))
    throw new HopscopeError('USAGE', '--min-hops takes a positive integer below 1,000,000,000');
  return Number(v);
}
