// Runs discovery on a node over its SSH connection. Only fixed command strings are sent; nothing from the
// node's answers is ever put back on a command line here.

import { HopscopeError } from '../common/errors.ts';
import type { SshConnection } from '../ssh/connection.ts';

import type { NodeInterfaces } from './model.ts';
import { parseIpOutputs } from './parseIp.ts';

export const DISCOVERY_COMMANDS = {
  link: 'ip -j -d link show',
  addr: 'ip -j addr show',
  route: 'ip -j route show',
} as const;

/** Decodes bytes as UTF-8; invalid sequences become U+FFFD, which ifaceNameProblem then refuses. */
function text(b: Buffer): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(b);
}

export async function discoverNode(node: string, conn: SshConnection): Promise<NodeInterfaces> {
  const keys = Object.keys(DISCOVERY_COMMANDS) as (keyof typeof DISCOVERY_COMMANDS)[];
  const results = await Promise.all(keys.map((k) => conn.exec(DISCOVERY_COMMANDS[k], { timeoutMs: 20_000 })));
  const out = { link: '', addr: '', route: '' };
  results.forEach((r, i) => {
    if (r.code !== 0) {
      const err = text(r.stderr).trim().slice(0, 300);
      throw new HopscopeError(
        'DISCOVERY_FAILED',
        `${node}: '${DISCOVERY_COMMANDS[keys[i]]}' failed (${r.code !== null ? `exit ${r.code}` : r.signal ? `signal ${r.signal}` : 'no exit status'}): ${err}`,
      );
    }
    out[keys[i]] = text(r.stdout);
  });
  return parseIpOutputs(node, out);
}
