// Jump host connections shared by the nodes behind them, as OpenSSH's ControlMaster shares one: the second node
// behind a bastion that logs in to it alike opens a channel on the bastion connection the first one opened.

import type { Client } from 'ssh2';

/** A jump host connection held by one user of it; release() lets go, ending it when nobody holds it. */
export interface JumpLease {
  client: Client;
  release(): void;
}

interface Shared {
  client: Promise<Client>;
  users: number;
}

/**
 * Connections to jump hosts by the chain that reaches them and how each hop is logged in to (connection.ts's
 * loginKey: `user@host:port` as ControlPath's %r@%h:%p, and the keys, agent and password offered, which
 * ControlPath does not tell apart): one per key while anybody holds it, so that nodes logging in to a bastion
 * alike share it and a node with other credentials never rides on another's login. A connection that closes, or
 * fails to open, is forgotten, so that the next node (or a reconnect) opens a new one.
 */
export class JumpPool {
  private readonly shared = new Map<string, Shared>();

  /** The chain's connection, opened by `open` when there is none yet (concurrent callers wait for the same). */
  async acquire(key: string, open: () => Promise<Client>): Promise<JumpLease> {
    let entry = this.shared.get(key);
    if (!entry) {
      const e: Shared = { client: open(), users: 0 };
      const forget = () => {
        if (this.shared.get(key) === e) this.shared.delete(key);
      };
      e.client.then((c) => c.once('close', forget), forget);
      this.shared.set(key, e);
      entry = e;
    }
    const e = entry;
    e.users++;
    let client: Client;
    try {
      client = await e.client;
    } catch (err) {
      e.users--;
      throw err;
    }
    let released = false;
    return {
      client,
      release: () => {
        if (released) return;
        released = true;
        if (--e.users > 0) return;
        if (this.shared.get(key) === e) this.shared.delete(key);
        client.end();
      },
    };
  }

  /** Chains with a connection open or opening (for tests and diagnostics). */
  get size(): number {
    return this.shared.size;
  }
}
