// `hopscope serve`'s way out (main/cli/serve.ts), in process: after Ctrl-C closes the server and the app, something
// still holding the process open (here a connection the server does not own) is named and the process ended after
// the grace (5 s; 50 ms here, given through serve()'s internals), rather than leaving a server that never goes.

import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import path from 'node:path';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { serve } from '../../main/cli/serve.ts';
import { tempDir } from '../tempDir.ts';

async function until(what: string, cond: () => boolean, ms = 2000): Promise<void> {
  for (let t = 0; t < ms && !cond(); t += 5) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('hopscope serve', () => {
  it('exits (code 0) once the grace after closing has passed with something still holding it open, naming it', async () => {
    // Its saved node list goes to a folder of its own, not the user's.
    vi.stubEnv('HOPSCOPE_CONFIG_DIR', tempDir('hs-serve-cfg-'));
    const ui = tempDir('hs-serve-ui-');
    writeFileSync(path.join(ui, 'index.html'), '<!doctype html><title>Hopscope</title>\n');
    const printed: string[] = [];
    const said: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void printed.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void said.push(a.join(' ')));
    const signals = new EventEmitter();
    const exits: number[] = [];
    const serving = serve(['--json', '--renderer', ui], {
      signals,
      exitGraceMs: 50,
      exit: (code) => void exits.push(code),
    });
    await until('the URL', () => printed.length === 1);
    const { url } = JSON.parse(printed[0]) as { url: string };
    expect((await fetch(url)).status).toBe(200);

    // A connection nobody closes: the server's own are closed with it, this one holds the process open.
    const other = createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const held: Socket = connect((other.address() as AddressInfo).port, '127.0.0.1');
    await new Promise((r) => held.once('connect', r));
    try {
      signals.emit('SIGINT');
      expect(await serving).toBe(0);
      // Closed, not yet ended: the grace runs first.
      expect(exits).toEqual([]);
      await until('the exit', () => exits.length > 0, 1000);
      expect(exits).toEqual([0]);
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(/^hopscope serve: still held open 0\.05 s after closing \(.*\): exiting$/);
      expect(said[0]).toContain('TCPSocketWrap');
      // The server itself is gone.
      await expect(fetch(url)).rejects.toThrow();
    } finally {
      held.destroy();
      await new Promise<void>((r) => other.close(() => r()));
    }
  });
});
