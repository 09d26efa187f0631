// `--jump-password-env [HOST=]VAR` of capture: the jump hosts' login passwords from the environment, one for
// every jump host (`VAR`) and each jump host's own (`HOST=VAR`, repeated for the hosts of a multi-hop chain).

import { HopscopeError } from '../common/errors.ts';
import { jumpHostMatches, type JumpPassword } from '../ssh/connection.ts';
import { parseHostSpec, type ResolvedTarget } from '../ssh/sshConfig.ts';

export interface JumpPasswords {
  /** For every jump host without one of its own. */
  jumpPassword?: string;
  /** Jump hosts' own, in the order given (the first naming a host is its password). */
  jumpPasswords: JumpPassword[];
}

const FLAG = '--jump-password-env';

/**
 * The values of `--jump-password-env`, each `VAR` or `HOST=VAR` (an environment variable's name has no `=`),
 * read from `env`. USAGE for a variable not set, a bad HOST, a HOST given twice or `VAR` given twice.
 */
export function jumpPasswordsArg(values: string[], env: NodeJS.ProcessEnv): JumpPasswords {
  const out: JumpPasswords = { jumpPassword: undefined, jumpPasswords: [] };
  const hosts = new Set<string>();
  for (const v of values) {
    const eq = v.indexOf('=');
    const host = eq < 0 ? undefined : v.slice(0, eq);
    const name = eq < 0 ? v : v.slice(eq + 1);
    if (!name) throw new HopscopeError('USAGE', `${FLAG} ${v}: no environment variable named`);
    const password = env[name];
    if (password === undefined)
      throw new HopscopeError('USAGE', `${FLAG}: environment variable ${name} is not set`);
    if (host === undefined) {
      if (out.jumpPassword !== undefined)
        throw new HopscopeError(
          'USAGE',
          `${FLAG} given twice without a host: give each jump host its own as HOST=VAR`,
        );
      out.jumpPassword = password;
      continue;
    }
    try {
      parseHostSpec(host);
    } catch (e) {
      throw new HopscopeError('USAGE', `${FLAG} ${v}: ${(e as Error).message}`);
    }
    if (hosts.has(host.toLowerCase())) throw new HopscopeError('USAGE', `${FLAG}: ${host} given twice`);
    hosts.add(host.toLowerCase());
    out.jumpPasswords.push({ host, password });
  }
  return out;
}

/**
 * The HOSTs of `HOST=VAR` that name none of `jumps` (every node's jump hosts): a typo, or a host no node goes
 * through, whose password would silently go nowhere.
 */
export function unusedJumpPasswords(given: JumpPassword[], jumps: ResolvedTarget[]): string[] {
  return given.filter((p) => !jumps.some((t) => jumpHostMatches(p.host, t))).map((p) => p.host);
}
