// Packet limits that keep a session inside the machine's memory: every packet costs its columns' bytes, in the
// live view (liveRowLimit: app/liveCorrelator.ts) and when captures are correlated (openPacketLimit:
// session/ingest.ts). Past a limit the app says so instead of growing until the kernel kills it.

import { totalmem } from 'node:os';

import { HopscopeError } from './errors.ts';

/** Row and journey indices are int32. */
export const MAX_PACKETS = 2 ** 31 - 1;

/**
 * The environment variable `name` when set (a whole number of packets from 1 to MAX_PACKETS; anything else is a
 * USAGE error), else as many packets as `share` of the machine's memory holds at `bytesPerPacket` each.
 */
export function packetLimit(
  name: string,
  share: number,
  bytesPerPacket: number,
  env: NodeJS.ProcessEnv = process.env,
  memBytes = totalmem(),
): number {
  const v = env[name];
  if (v !== undefined && v !== '') {
    if (!/^[1-9][0-9]*$/.test(v) || Number(v) > MAX_PACKETS)
      throw new HopscopeError(
        'USAGE',
        `${name} must be a whole number of packets from 1 to ${MAX_PACKETS}, not ${JSON.stringify(v)}`,
      );
    return Number(v);
  }
  return Math.max(1, Math.min(MAX_PACKETS, Math.floor((memBytes * share) / bytesPerPacket)));
}

/**
 * What correlating a packet costs (the row store, segments, journeys, flows): `correlate --summary` over the
 * bench's 1 M packets peaks at ~170 MiB, the app's session worker about as much.
 */
export const OPEN_PACKET_BYTES = 180;

/**
 * The most packets `hopscope correlate`/`export` and the app's open read: HOPSCOPE_MAX_PACKETS, by default as
 * many as half of the machine's memory holds at OPEN_PACKET_BYTES each (16 GiB: ~47 M packets).
 */
export function openPacketLimit(env: NodeJS.ProcessEnv = process.env, memBytes = totalmem()): number {
  return packetLimit('HOPSCOPE_MAX_PACKETS', 1 / 2, OPEN_PACKET_BYTES, env, memBytes);
}

/**
 * What a live packet costs the app's process, for the packet limit: the lab live bench's 3 M packets (16
 * interfaces, 50 k packets/s, 60 s) peaked at 415 MiB, ~145 bytes a packet with the process's own ~100 MiB
 * (bench/RESULTS.md, tenth session). Opening the folder afterwards costs about as much (~170 MiB a million).
 */
export const LIVE_PACKET_BYTES = 150;

/**
 * The live packet limit: HOPSCOPE_LIVE_MAX_PACKETS when set (a positive integer), else as many packets as a
 * quarter of the machine's memory holds at LIVE_PACKET_BYTES each (16 GiB: ~28 M packets, 9 minutes at 50 k
 * packets/s). Past it the capture goes on into its files and live journeys stop, instead of the process
 * growing until the kernel kills it (and the capture with it).
 */
export function liveRowLimit(env: NodeJS.ProcessEnv = process.env, memBytes = totalmem()): number {
  return packetLimit('HOPSCOPE_LIVE_MAX_PACKETS', 1 / 4, LIVE_PACKET_BYTES, env, memBytes);
}
