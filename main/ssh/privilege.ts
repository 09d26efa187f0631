// Running scripts with privilege on a node: as root, with `sudo -n`, or with `sudo -S` whose password is
// written as the first line of the channel's stdin only. The password never enters argv, logs or errors.

import { HopscopeError } from '../common/errors.ts';

import type { SshConnection } from './connection.ts';
import { shQuote } from './shellQuote.ts';

export type Privilege =
  { mode: 'root' } | { mode: 'none' } | { mode: 'sudo' } | { mode: 'sudo-password'; password: string };

/** What session.json may say about privilege (never the password). */
export function privilegeLabel(p: Privilege): 'root' | 'none' | 'sudo' | 'sudo-password' {
  return p.mode;
}

export interface PrivilegedCommand {
  command: string;
  /** Bytes to write first on stdin (the sudo password line), or ''. */
  stdinPreamble: string;
}

/** Wraps a POSIX sh script so it runs with the given privilege. */
export function privileged(script: string, p: Privilege): PrivilegedCommand {
  const sh = `sh -c ${shQuote(script)}`;
  switch (p.mode) {
    case 'root':
    case 'none':
      return { command: sh, stdinPreamble: '' };
    case 'sudo':
      return { command: `sudo -n -- ${sh}`, stdinPreamble: '' };
    case 'sudo-password':
      // -p '' keeps the prompt off stderr; -S reads the password from stdin, which we feed ourselves.
      return { command: `sudo -S -p '' -- ${sh}`, stdinPreamble: p.password + '\n' };
  }
}

/** Removes every occurrence of a secret from text that may be shown or stored. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return text.split(secret).join('***');
}

/**
 * Decides how to get privilege on a node: root needs nothing; otherwise, if sudo is wanted, try `sudo -n`,
 * then `sudo -S` with the password. Errors: SUDO_PASSWORD_REQUIRED, SUDO_DENIED. `uid` may still be coming (the
 * probe's answer): then `sudo -n` is asked at once, beside it, rather than a round trip after it (its answer is
 * not used for root), unless the login user is `root`: root needs no sudo, so that exec would be wasted (should
 * the probe say otherwise, `sudo -n` is asked after it, as the answer decides anyway).
 */
export async function acquirePrivilege(
  node: string,
  conn: SshConnection,
  uid: number | null | Promise<number | null>,
  want: { sudo: boolean; password?: string },
): Promise<Privilege> {
  const sudoN = () => conn.exec('sudo -n -- true', { timeoutMs: 15_000 });
  const early = want.sudo && uid instanceof Promise && conn.target.user !== 'root' ? sudoN() : null;
  early?.catch(() => undefined);
  if ((await uid) === 0) return { mode: 'root' };
  if (!want.sudo) return { mode: 'none' };
  const n = await (early ?? sudoN());
  if (n.code === 0) return { mode: 'sudo' };
  const nErr = redact(n.stderr.toString('utf8'), want.password).trim();
  if (!/password is required|a terminal is required|askpass/i.test(nErr)) {
    throw new HopscopeError(
      'SUDO_DENIED',
      `${node}: sudo refused: ${nErr.slice(0, 200) || `exit ${n.code}`}`,
    );
  }
  if (want.password === undefined) {
    throw new HopscopeError(
      'SUDO_PASSWORD_REQUIRED',
      `${node}: sudo needs a password for ${conn.target.user}; give one (--sudo-password-env VAR or the prompt)`,
    );
  }
  const s = await conn.exec(`sudo -S -p '' -- true`, { stdin: want.password + '\n', timeoutMs: 15_000 });
  if (s.code === 0) return { mode: 'sudo-password', password: want.password };
  const sErr = redact(s.stderr.toString('utf8'), want.password).trim();
  const why = /incorrect password|Sorry, try again/i.test(sErr)
    ? 'the sudo password was rejected'
    : sErr.slice(0, 200);
  throw new HopscopeError('SUDO_DENIED', `${node}: ${why}`);
}
