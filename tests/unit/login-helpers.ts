// An in-process ssh2 server that stands in for a lab node behind a password login, for the app's login-question
// tests: it takes a password (or keyboard-interactive with a password and a code), answers the app's connect-time
// probe as a non-root user would, answers discovery with kubenet node-1's recorded `ip -j` output, and forwards
// (as a jump host). Every answer a client sent is in `answers`.

import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type AddressInfo } from 'node:net';
import path from 'node:path';

import ssh2 from 'ssh2';

import { DISCOVERY_EXEC } from '../../main/discover/discoverNode.ts';
import { tempDir } from '../tempDir.ts';

const { Server } = ssh2;
const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/kubenet');

export const LOGIN_PASSWORD = 'pw-Login-Answer-61';
export const LOGIN_CODE = 'code-424242';

/** A stand-in `ip` printing kubenet node-1's recorded `ip -j` output for link, addr and route. */
const IP_DIR = tempDir('hs-login-ip-');
writeFileSync(
  path.join(IP_DIR, 'ip'),
  `#!/bin/sh\ncase "$*" in\n${['link', 'addr', 'route']
    .map((k) => `  *${k}*) cat ${JSON.stringify(path.join(FIXTURE, `node-1.ip-${k}.json`))} ;;`)
    .join('\n')}\nesac\n`,
);
chmodSync(path.join(IP_DIR, 'ip'), 0o755);

/**
 * What each fixed command answers: discovery runs its real script with the stand-in `ip` (the probe: uid 1000,
 * no sudo, no tcpdump).
 */
function answer(command: string): { out: string; code: number } {
  if (command === DISCOVERY_EXEC) {
    const r = spawnSync('/bin/sh', ['-c', command], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${IP_DIR}:${process.env.PATH}` },
    });
    return { out: r.stdout, code: r.status ?? 1 };
  }
  if (command.includes('uid=')) return { out: 'uid=1000\nssh=127.0.0.1 50000 127.0.0.1 22\n', code: 0 };
  return { out: '', code: 127 };
}

export interface FakeNode {
  port: number;
  /** known_hosts line for this server. */
  hostLine: string;
  /** Every answer received, by password or keyboard-interactive, in order. */
  answers: string[];
  /** Logins accepted. */
  logins: () => number;
  close(): Promise<void>;
}

/**
 * `method`: password (`LOGIN_PASSWORD`), or keyboard-interactive asking the password then a shown code; `host`:
 * the loopback address it listens on (`::1` for an IPv6 node).
 */
export async function startFakeNode(
  method: 'password' | 'keyboard-interactive',
  host = '127.0.0.1',
): Promise<FakeNode> {
  const dir = tempDir('hs-loginsrv-');
  const key = path.join(dir, 'host');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const answers: string[] = [];
  let logins = 0;
  const clients = new Set<ssh2.Connection>();
  const server = new Server({ hostKeys: [readFileSync(key)] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method !== method || (ctx.method !== 'password' && ctx.method !== 'keyboard-interactive'))
        return ctx.reject([method]);
      if (ctx.method === 'password') {
        answers.push(ctx.password);
        return ctx.password === LOGIN_PASSWORD ? ctx.accept() : ctx.reject([method]);
      }
      return ctx.prompt(
        [
          { prompt: 'Password: ', echo: false },
          { prompt: 'Verification code: ', echo: true },
        ],
        'lab',
        'Two answers',
        (a) => {
          answers.push(...a);
          if (a[0] === LOGIN_PASSWORD && a[1] === LOGIN_CODE) ctx.accept();
          else ctx.reject([method]);
        },
      );
    });
    client.on('ready', () => {
      logins++;
      client.on('session', (accept) =>
        accept().on('exec', (acc, _rej, info) => {
          const ch = acc();
          const r = answer(info.command);
          ch.write(r.out);
          ch.exit(r.code);
          ch.end();
        }),
      );
      client.on('tcpip', (accept, _reject, info) => {
        const ch = accept();
        const s = netConnect(info.destPort, info.destIP);
        ch.pipe(s).pipe(ch);
        s.on('error', () => ch.close());
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const pub = readFileSync(`${key}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  return {
    port,
    hostLine: `[${host}]:${port} ${pub}\n`,
    answers,
    logins: () => logins,
    // Its clients' connections end first: the server's close waits for them.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of clients) c.end();
      }),
  };
}
