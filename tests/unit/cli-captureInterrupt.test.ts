// `hopscope capture` interrupted while it starts. Loading the command takes ~0.1 s (more through tsx), and a Ctrl-C
// then used to end the process at once by the signal, saying nothing. bin/hopscope.mjs now holds SIGINT and SIGTERM
// from its first line until the command has its own handlers: capture then stops before doing anything and says so
// (exit 130, no node connected to, no session folder); a command with no handlers of its own still ends by the
// signal. The moment is made certain with a FIFO: both commands read it before setting any handler (capture its
// --ssh-config, correlate its input), so once it is open for reading they are past bin's first lines.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { tempDir } from '../tempDir.ts';

const CLI = path.resolve(import.meta.dirname, '../../bin/hopscope.mjs');

/** Runs the CLI, sends SIGINT once it has `fifo` open for reading, then lets the read go on; how it ended. */
async function interruptedAtFifo(fifo: string, args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdout.resume();
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('close', (code, signal) => r({ code, signal })),
  );
  const w = await open(fifo, 'w'); // returns once the CLI opened it to read
  child.kill('SIGINT');
  await w.close(); // an empty file: the read ends
  return { ...(await ended), err: () => err };
}

describe('hopscope capture interrupted while it starts', () => {
  it('SIGINT before its own handlers: exit 130, said on stderr, no node connected to, no folder', async () => {
    const dir = tempDir('hs-cli-int-');
    const fifo = path.join(dir, 'ssh_config');
    spawnSync('mkfifo', [fifo]);
    let connections = 0;
    const node = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => node.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (node.address() as AddressInfo).port;
      const out = path.join(dir, 'session');
      const r = await interruptedAtFifo(fifo, [
        'capture',
        '--node',
        `node-1=u@127.0.0.1:${port}`,
        '--ssh-config',
        fifo,
        '--out',
        out,
      ]);
      expect(r.signal).toBeNull();
      expect(r.code).toBe(130);
      expect(r.err()).toBe(
        'hopscope capture: stopped before any capture started (interrupted while starting): ' +
          'no node was connected to and no session folder made\n',
      );
      expect(existsSync(out)).toBe(false);
      expect(connections).toBe(0);
    } finally {
      node.close();
    }
  }, 30_000);

  it('another command, with no handlers of its own, still ends by the signal held while it loaded', async () => {
    const dir = tempDir('hs-cli-int-c-');
    const fifo = path.join(dir, 'node-1__eth0.pcap');
    spawnSync('mkfifo', [fifo]);
    const r = await interruptedAtFifo(fifo, ['correlate', fifo]);
    expect(r.signal).toBe('SIGINT');
  }, 30_000);
});
