// `hopscope serve`: web mode — the app's UI and API on http://127.0.0.1:PORT/?token=… (for a jump host reached
// through an SSH tunnel, and for browser tests).

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { HopscopeError } from '../common/errors.ts';
import { AppService } from '../app/service.ts';
import { startWebServer } from '../server/webServer.ts';
import { flagSet, flagValue, parseArgs } from './args.ts';
import type { Command } from './command.ts';

/** How long a closed server may take to end before it is ended (see the end of serve()). */
const EXIT_GRACE_MS = 5000;

/**
 * What serve() otherwise takes from the process, given by tests only (not a flag or an environment variable: a user
 * has no use for them): where Ctrl-C and SIGTERM come from, the grace above, and how the process is ended.
 */
export interface ServeInternals {
  signals?: Pick<NodeJS.EventEmitter, 'on'>;
  exitGraceMs?: number;
  exit?: (code: number) => void;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const command: Command = {
  name: 'serve',
  summary: 'web mode: serve the app on 127.0.0.1 with a random token (prints the URL)',
  help: `usage: hopscope serve [--port N] [--renderer DIR] [--json]

Serves the Hopscope UI and its API over a WebSocket on 127.0.0.1 only. The printed URL carries a random token;
requests without it, with a foreign Host or Origin are refused. Reach it from elsewhere through an SSH tunnel:
  ssh -L 8080:127.0.0.1:8080 jumphost   then open the printed URL with port 8080.
Ctrl-C (or SIGTERM) stops a running capture as the Stop button does, then exits; a second one quits at once.

  --port N        listen on port N (default: a free port)
  --renderer DIR  the built UI (default: out/renderer; run \`npm run build\` first)
  --json          print {"url", "port", "token"} as one JSON line instead of text
`,
  run: (argv) => serve(argv),
};

export default command;

/** `hopscope serve ARGV`: serves until Ctrl-C (or SIGTERM), then closes; the exit code. */
export async function serve(argv: string[], internals: ServeInternals = {}): Promise<number> {
  const signalSource = internals.signals ?? process;
  const exitGraceMs = internals.exitGraceMs ?? EXIT_GRACE_MS;
  const exit = internals.exit ?? ((code: number) => process.exit(code));
  const p = parseArgs(argv, { port: { value: true }, renderer: { value: true }, json: {} });
  if (p.positional.length) throw new HopscopeError('USAGE', `unexpected argument ${p.positional[0]}`);
  const portText = flagValue(p, 'port');
  const port = portText === undefined ? 0 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new HopscopeError('USAGE', `bad --port ${portText}`);
  const rendererDir = path.resolve(flagValue(p, 'renderer') ?? path.join(root, 'out/renderer'));
  if (!existsSync(path.join(rendererDir, 'index.html')))
    throw new HopscopeError('USAGE', `${rendererDir} has no built UI: run \`npm run build\` first`);
  const backend = new AppService({ mode: 'web', resourcesDir: path.join(root, 'resources') });
  let server: Awaited<ReturnType<typeof startWebServer>>;
  try {
    server = await startWebServer({
      backend,
      root: rendererDir,
      port,
      downloads: (n) => backend.download(n),
    });
  } catch (e) {
    await backend.close(); // its work folder goes, and no worker keeps the process
    throw listenError(e, port);
  }
  if (flagSet(p, 'json'))
    console.log(JSON.stringify({ url: server.url, port: server.port, token: server.token }));
  else
    console.log(
      `Hopscope web mode: open ${server.url}\n(listening on 127.0.0.1:${server.port} only; Ctrl-C stops)`,
    );
  // Ctrl-C (or SIGTERM) closes the page's connections and stops a running capture as the Stop button does (its
  // tcpdumps' final counts recorded); a second one quits at once, session.json saying so.
  let signals = 0;
  await new Promise<void>((resolve) => {
    const onSignal = () => {
      signals++;
      if (signals === 1) {
        if (backend.capturing())
          process.stderr.write('stopping the capture (Ctrl-C again to quit at once)…\n');
        resolve();
        return;
      }
      const folder = backend.abandonCapture();
      console.error(
        folder
          ? `hopscope serve: quit at once: tcpdump's final counts were not collected; session recorded in ${folder}`
          : 'hopscope serve: quit at once',
      );
      exit(130);
    };
    signalSource.on('SIGINT', onSignal);
    signalSource.on('SIGTERM', onSignal);
  });
  await server.close();
  await backend.close();
  // Everything is closed and recorded: the process ends when nothing else holds it. Something that still does
  // is a defect, named here rather than leaving a server that does not go away.
  setTimeout(() => {
    console.error(
      `hopscope serve: still held open ${exitGraceMs / 1000} s after closing (${process
        .getActiveResourcesInfo()
        .join(', ')}): exiting`,
    );
    exit(0);
  }, exitGraceMs).unref();
  return 0;
}

/** A port that cannot be had, said as a usage error (a stack trace before). */
function listenError(e: unknown, port: number): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return new HopscopeError(
      'USAGE',
      `127.0.0.1:${port} is in use (another hopscope serve?): choose another --port, or leave it out for a free one`,
    );
  if (code === 'EACCES')
    return new HopscopeError('USAGE', `cannot listen on 127.0.0.1:${port}: ports below 1024 need root`);
  return e;
}
