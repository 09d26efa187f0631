// Reads a node's clock over SSH: several round trips on one channel, keeping the one with the shortest round
// trip; the node's time is assumed to fall mid-way, so half that round trip is the uncertainty.

import { performance } from 'node:perf_hooks';

import type { SshConnection } from '../ssh/connection.ts';

import { CLOCK_PROBE_SCRIPT, shScript } from './tcpdumpCommand.ts';

export interface ClockProbe {
  node: string;
  /** Local wall clock (ns since the epoch, as a decimal string: too big for a JSON number) when asked. */
  localSentNs: string;
  localReceivedNs: string;
  /** The node's `date +%s%N`. */
  remoteNs: string;
  /** remote − local midpoint: positive means the node's clock is ahead of ours. */
  offsetNs: number;
  /** Half the round trip. */
  uncertaintyNs: number;
  rttNs: number;
  samples: number;
  method: 'ssh-date-rtt';
}

/** Local wall-clock time in ns with sub-millisecond resolution. */
export function nowNs(): bigint {
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.round((ms % 1) * 1e6));
}

/**
 * `quiet`: the channel opens at once, but its round trips wait until this settles: other commands starting on the
 * node meanwhile (the probe, discovery) would lengthen them, and the shortest is the measure.
 */
export async function probeClock(
  node: string,
  conn: SshConnection,
  samples = 5,
  quiet?: Promise<unknown>,
): Promise<ClockProbe> {
  let buf = '';
  const waiters: ((line: string) => void)[] = [];
  let onClose: () => void = () => undefined;
  const closed = new Promise<never>(
    (_, reject) => (onClose = () => reject(new Error('clock probe channel closed'))),
  );
  closed.catch(() => undefined);
  const ch = await conn.channel(shScript(CLOCK_PROBE_SCRIPT), (c) => {
    c.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        waiters.shift()?.(line);
      }
    });
    c.on('close', () => onClose());
  });
  let best: { sent: bigint; recv: bigint; remote: bigint } | null = null;
  let coarse = false;
  try {
    if (quiet) await Promise.race([quiet.then(noop, noop), closed]);
    for (let k = 0; k < samples; k++) {
      const line = new Promise<string>((resolve) => waiters.push(resolve));
      const sent = nowNs();
      ch.write('t\n');
      const text = await Promise.race([line, closed, timeout(5000)]);
      const recv = nowNs();
      if (!/^\d{10,20}$/.test(text.trim()))
        throw new Error(`unexpected clock answer ${JSON.stringify(text.slice(0, 40))}`);
      // Without %N support (busybox) the answer is whole seconds: then the uncertainty is a second.
      coarse = text.trim().length <= 11;
      const remote = coarse ? BigInt(text.trim()) * 1_000_000_000n : BigInt(text.trim());
      if (!best || recv - sent < best.recv - best.sent) best = { sent, recv, remote };
    }
  } finally {
    ch.end();
  }
  const b = best!;
  const rtt = b.recv - b.sent;
  const mid = b.sent + rtt / 2n;
  return {
    node,
    localSentNs: b.sent.toString(),
    localReceivedNs: b.recv.toString(),
    remoteNs: b.remote.toString(),
    offsetNs: Number(b.remote - mid),
    uncertaintyNs: Number(rtt / 2n) + (coarse ? 1e9 : 0),
    rttNs: Number(rtt),
    samples,
    method: 'ssh-date-rtt',
  };
}

function noop(): void {}

function timeout(ms: number): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error('clock probe timed out')), ms).unref());
}
