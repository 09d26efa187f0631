// Protocol edge cases of our SSH client against an in-process ssh2 server (the lab's OpenSSH covers the rest):
// key/passphrase/password auth, auth failure, host-key prompt/accept/changed, ProxyJump, unreachable, loss.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';

import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectSsh, jumpHostMatches, promptText, type PasswordQuestion } from '../../main/ssh/connection.ts';
import type { HopscopeError } from '../../main/common/errors.ts';
import { fingerprint } from '../../main/ssh/knownHosts.ts';
import { JumpPool } from '../../main/ssh/jumpPool.ts';
import { resolveTarget } from '../../main/ssh/sshConfig.ts';
import { tempDir } from '../tempDir.ts';

const { Server, utils } = ssh2;
const dir = tempDir('hs-sshsrv-');
const PASSWORD = 'pw-Secret-42';
const PASSPHRASE = 'pp-Secret-43';

function keygen(name: string, passphrase = ''): { priv: string; pubLine: string; blob: Buffer } {
  const f = join(dir, name);
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', f]);
  const pubLine = readFileSync(`${f}.pub`, 'utf8').trim();
  return { priv: f, pubLine, blob: Buffer.from(pubLine.split(' ')[1], 'base64') };
}

const clientKey = keygen('client');
const encKey = keygen('enc', PASSPHRASE);
const wrongKey = keygen('wrong');
/** Another key the servers take (unencrypted: an encrypted key's KDF costs a second). */
const otherKey = keygen('other');
const hostA = keygen('hostA');
const hostB = keygen('hostB');

interface TestServer {
  port: number;
  sockets: Set<Socket>;
  close: () => Promise<void>;
}

/**
 * `maxSessions`: sessions a connection may have open at once, as sshd's MaxSessions (more are refused). The
 * command `hold` keeps its channel open until the client's EOF. `methods`: the auth methods the server takes
 * (every method a client tried is in `authSeen`, every password it sent by either method in `passwords`);
 * `password`: the one it takes (PASSWORD unless given), asked as `Password: ` by keyboard-interactive;
 * `forward: false` refuses every forward as sshd's AllowTcpForwarding no does.
 */
function startServer(
  hostKeyFile: string,
  maxSessions = Infinity,
  opts: { methods?: string[]; forward?: boolean; password?: string } = {},
): Promise<TestServer & { clients: () => number; authSeen: string[]; passwords: string[] }> {
  const allowed = [clientKey, encKey, otherKey].map((k) => utils.parseKey(k.pubLine) as ssh2.ParsedKey);
  const methods = opts.methods ?? ['publickey', 'password'];
  const password = opts.password ?? PASSWORD;
  const sockets = new Set<Socket>();
  const authSeen: string[] = [];
  const passwords: string[] = [];
  let clients = 0;
  const srv = new Server({ hostKeys: [readFileSync(hostKeyFile)] }, (client) => {
    clients++;
    let sessions = 0;
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      authSeen.push(ctx.method);
      if (!methods.includes(ctx.method)) return ctx.reject(methods as ssh2.AuthenticationType[]);
      if (ctx.method === 'password') {
        passwords.push(ctx.password);
        if (ctx.password === password) return ctx.accept();
      }
      if (ctx.method === 'keyboard-interactive')
        return ctx.prompt([{ prompt: 'Password: ', echo: false }], 'lab', 'Answer the prompt', (answers) => {
          passwords.push(...answers);
          if (answers.length === 1 && answers[0] === password) ctx.accept();
          else ctx.reject(methods as ssh2.AuthenticationType[]);
        });
      if (ctx.method === 'publickey') {
        const pk = allowed.find((k) => k.getPublicSSH().equals(ctx.key.data));
        if (pk && (!ctx.signature || pk.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true))
          return ctx.accept();
      }
      ctx.reject(methods as ssh2.AuthenticationType[]);
    });
    client.on('ready', () => {
      client.on('session', (accept, reject) => {
        if (sessions >= maxSessions) return reject();
        sessions++;
        const session = accept();
        session.on('close', () => sessions--);
        session.on('exec', (acc, _rej, info) => {
          const ch = acc();
          ch.write(`ran:${info.command}\n`);
          if (info.command === 'hold') {
            // Until the client's EOF.
            ch.resume();
            ch.on('end', () => {
              ch.exit(0);
              ch.end();
            });
            return;
          }
          ch.exit(0);
          ch.end();
        });
      });
      client.on('tcpip', (accept, reject, info) => {
        if (opts.forward === false) return reject();
        const ch = accept();
        const s = netConnect(info.destPort, info.destIP);
        ch.pipe(s).pipe(ch);
        s.on('error', () => ch.close());
      });
    });
  });
  srv.on('connection', () => undefined);
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      // Track raw sockets so a test can cut a connection.
      (srv as unknown as { _srv: { on: (e: string, f: (s: Socket) => void) => void } })._srv.on(
        'connection',
        (s: Socket) => {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
        },
      );
      resolve({
        port,
        sockets,
        close: () => new Promise((r) => srv.close(() => r())),
        clients: () => clients,
        authSeen,
        passwords,
      });
    });
  });
}

/**
 * A TCP relay to `port` whose connections so far can be silenced both ways at once (`silence`): a bastion dropped
 * off the network, its connections neither answering nor closing.
 */
async function silencer(port: number) {
  const pairs: Socket[][] = [];
  const srv = createServer((c) => {
    const s = netConnect(port, '127.0.0.1');
    for (const x of [c, s]) x.on('error', () => undefined);
    c.pipe(s).pipe(c);
    pairs.push([c, s]);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as AddressInfo).port,
    silence: () => {
      for (const [c, s] of pairs) {
        c.unpipe(s);
        s.unpipe(c);
        c.pause();
        s.pause();
      }
    },
    close: () => {
      for (const x of pairs.flat()) x.destroy();
      return new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

let A: Awaited<ReturnType<typeof startServer>>;
let B: Awaited<ReturnType<typeof startServer>>;
const knownHosts = join(dir, 'known_hosts');

beforeAll(async () => {
  A = await startServer(hostA.priv);
  B = await startServer(hostB.priv);
  writeFileSync(
    knownHosts,
    `[127.0.0.1]:${A.port} ${hostA.pubLine.split(' ').slice(0, 2).join(' ')}\n[127.0.0.1]:${B.port} ${hostB.pubLine.split(' ').slice(0, 2).join(' ')}\n`,
  );
});
afterAll(async () => {
  for (const s of [...A.sockets, ...B.sockets]) s.destroy();
  await Promise.all([A.close(), B.close()]);
});

const target = (port: number, extra = '') =>
  resolveTarget(
    { host: 'srv', user: 'u', port },
    { configText: `Host srv\n  HostName 127.0.0.1\n  IdentitiesOnly yes\n${extra}` },
  );

describe('ssh connection (in-process ssh2 server)', () => {
  it('authenticates with a key and runs a command', async () => {
    const c = await connectSsh({
      target: target(A.port),
      credentials: { identityFiles: [clientKey.priv], agent: '' },
      hostKeys: { knownHostsFiles: [knownHosts] },
    });
    expect(c.hostKey).toMatchObject({ status: 'known', fingerprint: fingerprint(hostA.blob) });
    const r = await c.exec('echo hi');
    expect(r.stdout.toString()).toBe('ran:echo hi\n');
    expect(r.code).toBe(0);
    c.close();
  });

  it('wrong key → SSH_AUTH_FAILED; wrong password → SSH_AUTH_FAILED without the password in the message', async () => {
    const e1 = await connectSsh({
      target: target(A.port),
      credentials: { identityFiles: [wrongKey.priv], agent: '' },
      hostKeys: { knownHostsFiles: [knownHosts] },
    }).catch((e) => e);
    expect(e1.code).toBe('SSH_AUTH_FAILED');
    const e2 = await connectSsh({
      target: target(A.port),
      credentials: { password: 'nope-' + PASSWORD, agent: '' },
      hostKeys: { knownHostsFiles: [knownHosts] },
    }).catch((e) => e);
    expect(e2.code).toBe('SSH_AUTH_FAILED');
    expect(JSON.stringify(e2) + e2.message).not.toContain(PASSWORD);
    // The message says what was tried and what the server takes (keyboard-interactive it does not: not sent).
    expect(e2.message).toBe(
      `u@127.0.0.1:${A.port}: authentication failed (tried password; the server takes publickey, password; ` +
        'the password was refused)',
    );
    const e3 = await connectSsh({
      target: target(A.port),
      credentials: { agent: '' },
      hostKeys: { knownHostsFiles: [knownHosts] },
    }).catch((e) => e);
    expect(e3.message).toBe(
      `u@127.0.0.1:${A.port}: authentication failed (tried nothing; the server takes publickey, password; ` +
        'no password was given)',
    );
  });

  it('a password is sent only to a server that takes one (none first, as OpenSSH)', async () => {
    const keysOnly = await startServer(hostA.priv, Infinity, { methods: ['publickey'] });
    try {
      const kh = join(dir, 'kh-keysonly');
      writeFileSync(kh, `[127.0.0.1]:${keysOnly.port} ${hostA.pubLine.split(' ').slice(0, 2).join(' ')}\n`);
      const e = await connectSsh({
        target: target(keysOnly.port),
        credentials: { identityFiles: [wrongKey.priv], password: PASSWORD, agent: '' },
        hostKeys: { knownHostsFiles: [kh] },
      }).catch((x) => x);
      expect(e.code).toBe('SSH_AUTH_FAILED');
      expect(keysOnly.authSeen).toEqual(['none', 'publickey']);
      expect(e.message).toBe(
        `u@127.0.0.1:${keysOnly.port}: authentication failed (tried publickey; the server takes publickey; ` +
          'it takes no password)',
      );
    } finally {
      for (const s of keysOnly.sockets) s.destroy();
      await keysOnly.close();
    }
  });

  it('password auth works', async () => {
    const c = await connectSsh({
      target: target(A.port),
      credentials: { password: PASSWORD, agent: '' },
      hostKeys: { knownHostsFiles: [knownHosts] },
    });
    c.close();
  });

  it('encrypted key: works with the passphrase; without it the error says the key is encrypted', async () => {
    const c = await connectSsh({
      target: target(A.port),
      credentials: { identityFiles: [encKey.priv], passphrase: PASSPHRASE, agent: '' },
      hostKeys: { knownHostsFiles: [knownHosts] },
    });
    c.close();
    const e = await connectSsh({
      target: target(A.port),
      credentials: { identityFiles: [encKey.priv], agent: '' },
      hostKeys: { knownHostsFiles: [knownHosts] },
    }).catch((x) => x);
    expect(e.code).toBe('SSH_AUTH_FAILED');
    expect(e.message).toMatch(/encrypted/);
  });

  it('unknown host key: the prompt callback sees the fingerprint; refusal → HOSTKEY_UNKNOWN, acceptance records it', async () => {
    const kh = join(dir, 'kh-empty');
    writeFileSync(kh, '');
    const seen: string[] = [];
    const e = await connectSsh({
      target: target(A.port),
      credentials: { identityFiles: [clientKey.priv], agent: '' },
      hostKeys: { knownHostsFiles: [kh], acceptNew: async (i) => (seen.push(i.fingerprint), false) },
    }).catch((x) => x);
    expect(e.code).toBe('HOSTKEY_UNKNOWN');
    expect(seen).toEqual([fingerprint(hostA.blob)]);
    expect(readFileSync(kh, 'utf8')).toBe('');
    const c = await connectSsh({
      target: target(A.port),
      credentials: { identityFiles: [clientKey.priv], agent: '' },
      hostKeys: { knownHostsFiles: [kh], acceptNew: async () => true },
    });
    expect(c.hostKey.status).toBe('accepted');
    c.close();
    expect(readFileSync(kh, 'utf8')).toBe(
      `[127.0.0.1]:${A.port} ssh-ed25519 ${hostA.blob.toString('base64')}\n`,
    );
  });

  it('StrictHostKeyChecking yes: an unknown key is refused without asking (per host: a jump host too); --accept-new still accepts it', async () => {
    const kh = join(dir, 'kh-strict');
    writeFileSync(kh, '');
    const seen: (string | undefined)[] = [];
    const asker = async (i: { jumpHost?: string }) => (seen.push(i.jumpHost), true);
    const e = await connectSsh({
      target: target(A.port, '  StrictHostKeyChecking yes\n'),
      credentials: { identityFiles: [clientKey.priv], agent: '' },
      hostKeys: { knownHostsFiles: [kh], acceptNew: asker },
    }).catch((x) => x);
    expect(e.code).toBe('HOSTKEY_UNKNOWN');
    expect(seen).toEqual([]);
    expect(e.message).toContain(fingerprint(hostA.blob));
    expect(e.message).toContain('StrictHostKeyChecking yes');
    expect(e.message).toContain(`ssh-keyscan -p ${A.port} 127.0.0.1`);
    expect(readFileSync(kh, 'utf8')).toBe('');
    // Only the jump host says yes: the jump host is refused unasked, its node would have been asked.
    const config = `Host a\n  HostName 127.0.0.1\n  Port ${A.port}\n  User u\n  StrictHostKeyChecking yes\nHost b\n  HostName 127.0.0.1\n  Port ${B.port}\n  User u\n  ProxyJump a\n`;
    const j = await connectSsh({
      target: resolveTarget({ host: 'b' }, { configText: config }),
      credentials: { identityFiles: [clientKey.priv], agent: '' },
      hostKeys: { knownHostsFiles: [kh], acceptNew: asker },
    }).catch((x) => x);
    expect(j.code).toBe('HOSTKEY_UNKNOWN');
    expect(j.message).toContain('StrictHostKeyChecking yes');
    expect(seen).toEqual([]);
    // With the jump host known, the node (no StrictHostKeyChecking: ask) is asked.
    writeFileSync(kh, `[127.0.0.1]:${A.port} ${hostA.pubLine.split(' ').slice(0, 2).join(' ')}\n`);
    const c0 = await connectSsh({
      target: resolveTarget({ host: 'b' }, { configText: config }),
      credentials: { identityFiles: [clientKey.priv], agent: '' },
      hostKeys: { knownHostsFiles: [kh], acceptNew: asker },
    });
    c0.close();
    expect(seen).toEqual([undefined]);
    const c = await connectSsh({
      target: target(A.port, '  StrictHostKeyChecking yes\n'),
      credentials: { identityFiles: [clientKey.priv], agent: '' },
      hostKeys: { knownHostsFiles: [join(dir, 'kh-strict-new')], acceptNew: true },
    });
    expect(c.hostKey.status).toBe('accepted');
    c.close();
  });

  it('changed host key → HOSTKEY_CHANGED, even with accept-new', async () => {
    const kh = join(dir, 'kh-changed');
    writeFileSync(kh, `[127.0.0.1]:${A.port} ${hostB.pubLine.split(' ').slice(0, 2).join(' ')}\n`);
    const e = await connectSsh({
      target: target(A.port),
      credentials: { identityFiles: [clientKey.priv], agent: '' },
      hostKeys: { knownHostsFiles: [kh], acceptNew: true },
    }).catch((x) => x);
    expect(e.code).toBe('HOSTKEY_CHANGED');
    expect(e.message).toContain(fingerprint(hostA.blob));
    expect(e.message).toContain(fingerprint(hostB.blob));
  });

  it('ProxyJump: reaches B through A, verifying both host keys', async () => {
    const t = resolveTarget(
      { host: 'b' },
      {
        configText: `Host a\n  HostName 127.0.0.1\n  Port ${A.port}\n  User u\nHost b\n  HostName 127.0.0.1\n  Port ${B.port}\n  User u\n  ProxyJump a\n`,
      },
    );
    const c = await connectSsh({
      target: t,
      credentials: { identityFiles: [clientKey.priv], agent: '' },
      hostKeys: { knownHostsFiles: [knownHosts] },
    });
    expect(c.hostKey.fingerprint).toBe(fingerprint(hostB.blob));
    expect((await c.exec('x')).stdout.toString()).toBe('ran:x\n');
    c.close();
  });

  it('ProxyJump: a jump host that refuses the login or the forward is named as the jump host', async () => {
    const noForward = await startServer(hostA.priv, Infinity, { forward: false });
    try {
      const config = (jumpPort: number) =>
        `Host a\n  HostName 127.0.0.1\n  Port ${jumpPort}\n  User u\nHost b\n  HostName 127.0.0.1\n  Port ${B.port}\n  User u\n  ProxyJump a\n`;
      const kh = join(dir, 'kh-noforward');
      writeFileSync(
        kh,
        `[127.0.0.1]:${noForward.port} ${hostA.pubLine.split(' ').slice(0, 2).join(' ')}\n` +
          readFileSync(knownHosts, 'utf8'),
      );
      const e = await connectSsh({
        target: resolveTarget({ host: 'b' }, { configText: config(noForward.port) }),
        credentials: { identityFiles: [clientKey.priv], agent: '' },
        hostKeys: { knownHostsFiles: [kh] },
      }).catch((x) => x);
      expect(e.code).toBe('SSH_UNREACHABLE');
      // ssh2's server can only say "connect failed" (OpenSSH's AllowTcpForwarding no: the lab test).
      expect(e.message).toBe(
        `jump host u@127.0.0.1:${noForward.port} could not connect to 127.0.0.1:${B.port} (connect failed)`,
      );
      const e2 = await connectSsh({
        target: resolveTarget({ host: 'b' }, { configText: config(A.port) }),
        credentials: { identityFiles: [wrongKey.priv], agent: '' },
        hostKeys: { knownHostsFiles: [knownHosts] },
      }).catch((x) => x);
      expect(e2.code).toBe('SSH_AUTH_FAILED');
      expect(e2.message).toMatch(new RegExp(`^jump host u@127\\.0\\.0\\.1:${A.port}: authentication failed`));
    } finally {
      for (const s of noForward.sockets) s.destroy();
      await noForward.close();
    }
  });

  it('nothing listening → SSH_UNREACHABLE', async () => {
    const e = await connectSsh({
      target: target(1),
      credentials: { agent: '' },
      hostKeys: { knownHostsFiles: [knownHosts] },
    }).catch((x) => x);
    expect(e.code).toBe('SSH_UNREACHABLE');
  });

  it('a cut connection is reported as lost', async () => {
    const c = await connectSsh({
      target: target(A.port),
      credentials: { identityFiles: [clientKey.priv], agent: '' },
      hostKeys: { knownHostsFiles: [knownHosts] },
    });
    const lost = new Promise<unknown>((r) => c.once('close', r));
    for (const s of A.sockets) s.destroy();
    const err = (await lost) as { code: string };
    expect(err.code).toBe('SSH_UNREACHABLE');
    expect(c.closed).toBe(true);
  });
});

/** A server taking `maxSessions` sessions a connection, its host key known, and a connect to it by key. */
async function limitedServer(maxSessions: number) {
  const server = await startServer(hostA.priv, maxSessions);
  const kh = join(dir, `known_hosts_${server.port}`);
  writeFileSync(kh, `[127.0.0.1]:${server.port} ${hostA.pubLine.split(' ').slice(0, 2).join(' ')}\n`);
  const connect = () =>
    connectSsh({
      target: target(server.port),
      credentials: { identityFiles: [clientKey.priv], agent: '' },
      hostKeys: { knownHostsFiles: [kh] },
    });
  return { server, connect };
}

describe('more channels than the server takes on one connection (sshd MaxSessions)', () => {
  it('opens further connections to the node, checked against the same host key, and closes them all', async () => {
    const { server: limited, connect } = await limitedServer(3);
    try {
      const c = await connect();
      // 8 at once, as a capture starts every interface of a node together: the server refuses the 4th on the
      // first connection; it and the rest go to new ones.
      const chans = await Promise.all(Array.from({ length: 8 }, () => c.channel('hold')));
      expect(chans).toHaveLength(8);
      expect(c.connections).toBe(3);
      expect(limited.clients()).toBe(3);
      const first = await new Promise<string>((r) => chans[7].once('data', (d: Buffer) => r(d.toString())));
      expect(first).toBe('ran:hold\n');
      for (const ch of chans) ch.resume(); // read, so that a closing channel ends
      // Room again once channels close: the next one reuses an open connection.
      await new Promise((r) => {
        chans[0].once('close', r);
        chans[0].end();
      });
      await c.channel('hold');
      expect(limited.clients()).toBe(3);
      const closed = new Promise((r) => c.once('close', r));
      c.close();
      await closed;
      // Every connection ends with it.
      for (let i = 0; i < 50 && limited.sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(limited.sockets.size).toBe(0);
    } finally {
      for (const s of limited.sockets) s.destroy();
      await limited.close();
    }
  });

  it('existingOnly (the link monitor): a connection with room takes it; the server refusing it opens no other connection', async () => {
    const { server: limited, connect } = await limitedServer(2);
    try {
      const c = await connect();
      const first = await c.channel('hold', undefined, { existingOnly: true });
      first.resume();
      // The server refuses the 3rd: not sent to a new connection, an error (the caller does without it).
      const held = await c.channel('hold');
      held.resume();
      const e = await c.channel('hold', undefined, { existingOnly: true }).catch((x) => x);
      expect(e.code).toBe('CAPTURE_FAILED');
      expect(e.message).toMatch(/takes no more channels/);
      expect(c.connections).toBe(1);
      expect(limited.clients()).toBe(1);
      // A channel without it still goes to another connection, as before.
      (await c.channel('hold')).resume();
      expect(limited.clients()).toBe(2);
      c.close();
    } finally {
      for (const s of limited.sockets) s.destroy();
      await limited.close();
    }
  });

  it('a channel refused with none open on the connection is an error at once (no new connection)', async () => {
    const { server: none, connect } = await limitedServer(0);
    try {
      const c = await connect();
      const e = await c.channel('hold').catch((x) => x);
      expect(e.code).toBe('SSH_UNREACHABLE');
      expect(e.message).toMatch(/cannot open channel/);
      expect(none.clients()).toBe(1);
      c.close();
    } finally {
      for (const s of none.sockets) s.destroy();
      await none.close();
    }
  });
});

describe('login passwords are per host, and asked for when none was given (as ssh does)', () => {
  const JUMP_PASSWORD = 'jump-Secret-44';
  type Srv = Awaited<ReturnType<typeof startServer>>;
  let jump: Srv;
  let node: Srv;
  let kbdNode: Srv;
  /** A second jump host, behind the first, with a password of its own. */
  let inner: Srv;
  const INNER_PASSWORD = 'inner-Secret-45';
  const kh = join(dir, 'kh-passwords');
  beforeAll(async () => {
    jump = await startServer(hostA.priv, Infinity, { methods: ['password'], password: JUMP_PASSWORD });
    inner = await startServer(hostA.priv, Infinity, { methods: ['password'], password: INNER_PASSWORD });
    node = await startServer(hostB.priv, Infinity, { methods: ['password'] });
    kbdNode = await startServer(hostB.priv, Infinity, { methods: ['keyboard-interactive'] });
    const line = (port: number, k: typeof hostA) =>
      `[127.0.0.1]:${port} ${k.pubLine.split(' ').slice(0, 2).join(' ')}\n`;
    writeFileSync(
      kh,
      line(jump.port, hostA) + line(inner.port, hostA) + line(node.port, hostB) + line(kbdNode.port, hostB),
    );
  });
  afterAll(async () => {
    for (const s of [jump, inner, node, kbdNode]) {
      for (const x of s.sockets) x.destroy();
      await s.close();
    }
  });
  /** Node `b` (on port `nodePort`) behind jump host `a`; both take passwords only. */
  const behindJump = (nodePort: number) =>
    resolveTarget(
      { host: 'b' },
      {
        configText: `Host a\n  HostName 127.0.0.1\n  Port ${jump.port}\n  User j\nHost b\n  HostName 127.0.0.1\n  Port ${nodePort}\n  User u\n  ProxyJump a\n`,
      },
    );
  const clear = () => {
    for (const s of [jump, inner, node, kbdNode]) s.passwords.length = 0;
  };
  /** Node `b` behind jump hosts `a` (user j) then `a2` (user k), as `ProxyJump a,a2`. */
  const behindTwo = () =>
    resolveTarget(
      { host: 'b' },
      {
        configText:
          `Host a\n  HostName 127.0.0.1\n  Port ${jump.port}\n  User j\n` +
          `Host a2\n  HostName 127.0.0.1\n  Port ${inner.port}\n  User k\n` +
          `Host b\n  HostName 127.0.0.1\n  Port ${node.port}\n  User u\n  ProxyJump a,a2\n`,
      },
    );

  it('a multi-hop chain: each jump host its own password; one given for all still goes to every one', async () => {
    clear();
    const own = await connectSsh({
      target: behindTwo(),
      credentials: {
        password: PASSWORD,
        jumpPasswords: [
          { host: 'k@a2', password: INNER_PASSWORD },
          { host: `127.0.0.1:${jump.port}`, password: JUMP_PASSWORD },
        ],
        agent: '',
      },
      hostKeys: { knownHostsFiles: [kh] },
    });
    own.close();
    expect(jump.passwords).toEqual([JUMP_PASSWORD]);
    expect(inner.passwords).toEqual([INNER_PASSWORD]);
    expect(node.passwords).toEqual([PASSWORD]);

    // One for every jump host, and the inner one's own beside it.
    clear();
    const mixed = await connectSsh({
      target: behindTwo(),
      credentials: {
        password: PASSWORD,
        jumpPassword: JUMP_PASSWORD,
        jumpPasswords: [{ host: 'a2', password: INNER_PASSWORD }],
        agent: '',
      },
      hostKeys: { knownHostsFiles: [kh] },
    });
    mixed.close();
    expect(jump.passwords).toEqual([JUMP_PASSWORD]);
    expect(inner.passwords).toEqual([INNER_PASSWORD]);

    // The single one alone reaches the inner jump host too, which refuses it: named as the jump host it is.
    clear();
    const e = await connectSsh({
      target: behindTwo(),
      credentials: { password: PASSWORD, jumpPassword: JUMP_PASSWORD, agent: '' },
      hostKeys: { knownHostsFiles: [kh] },
    }).catch((x) => x);
    expect(e.code).toBe('SSH_AUTH_FAILED');
    expect(e.message).toMatch(
      new RegExp(`^jump host k@127\\.0\\.0\\.1:${inner.port}: authentication failed`),
    );
    expect(inner.passwords).toEqual([JUMP_PASSWORD]);
    expect(node.passwords).toEqual([]);
  });

  it('jumpHostMatches: a jump host by its name as given or its HostName, a user or port narrowing it', () => {
    const [a, a2] = behindTwo().proxyJump;
    expect(['a', 'A', 'j@a', '127.0.0.1', `a:${jump.port}`].map((h) => jumpHostMatches(h, a))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['a2', 'k@a', 'a:1', 'b', 'bad spec!', '-a'].map((h) => jumpHostMatches(h, a))).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(jumpHostMatches('k@127.0.0.1', a2)).toBe(true);
  });

  it("the node's password goes to the node only, the jump host's to the jump host only", async () => {
    clear();
    const c = await connectSsh({
      target: behindJump(node.port),
      credentials: { password: PASSWORD, jumpPassword: JUMP_PASSWORD, agent: '' },
      hostKeys: { knownHostsFiles: [kh] },
    });
    c.close();
    expect(jump.passwords).toEqual([JUMP_PASSWORD]);
    expect(node.passwords).toEqual([PASSWORD]);

    // No password for the jump host: the node's is not tried there, and the failure says none was given.
    clear();
    const e = await connectSsh({
      target: behindJump(node.port),
      credentials: { password: PASSWORD, agent: '' },
      hostKeys: { knownHostsFiles: [kh] },
    }).catch((x) => x);
    expect(e.code).toBe('SSH_AUTH_FAILED');
    expect(e.message).toBe(
      `jump host j@127.0.0.1:${jump.port}: authentication failed (tried nothing; the server takes password; ` +
        'no password was given)',
    );
    expect(jump.passwords).toEqual([]);
    expect(node.passwords).toEqual([]);

    // Only the jump host's: the node is not sent it.
    clear();
    const e2 = await connectSsh({
      target: behindJump(node.port),
      credentials: { jumpPassword: JUMP_PASSWORD, agent: '' },
      hostKeys: { knownHostsFiles: [kh] },
    }).catch((x) => x);
    expect(e2.message).toBe(
      `u@127.0.0.1:${node.port}: authentication failed (tried nothing; the server takes password; ` +
        'no password was given)',
    );
    expect(jump.passwords).toEqual([JUMP_PASSWORD]);
    expect(node.passwords).toEqual([]);
  });

  it('a shared jump host connection: another password is another login, a wrong one never rides on a good one', async () => {
    clear();
    const jumps = new JumpPool();
    const j0 = jump.clients();
    const via = (jumpPassword: string) =>
      connectSsh({
        target: behindJump(node.port),
        credentials: { password: PASSWORD, jumpPassword, agent: '' },
        hostKeys: { knownHostsFiles: [kh] },
        jumps,
      }).catch((x: Error) => x);
    const [good, wrong, same] = await Promise.all([
      via(JUMP_PASSWORD),
      via('wrong-' + JUMP_PASSWORD),
      via(JUMP_PASSWORD),
    ]);
    expect(wrong).toBeInstanceOf(Error);
    expect((wrong as Error).message).toMatch(
      new RegExp(
        `^jump host j@127\\.0\\.0\\.1:${jump.port}: authentication failed .*the password was refused`,
      ),
    );
    expect(jump.clients() - j0).toBe(2);
    expect([...jump.passwords].sort()).toEqual([JUMP_PASSWORD, 'wrong-' + JUMP_PASSWORD]);
    for (const c of [good, same]) (c as Awaited<ReturnType<typeof connectSsh>>).close();
  });

  it('asks each host for its own password, as ssh words it, the jump host named as such', async () => {
    clear();
    const asked: PasswordQuestion[] = [];
    const c = await connectSsh({
      target: behindJump(node.port),
      credentials: {
        agent: '',
        askPassword: async (q) => (asked.push(q), [q.jumpHost ? JUMP_PASSWORD : PASSWORD]),
      },
      hostKeys: { knownHostsFiles: [kh] },
    });
    c.close();
    expect(asked.map((q) => [q.jumpHost, q.method, promptText(q, q.prompts[0]), q.refused])).toEqual([
      ['a', 'password', "j@127.0.0.1's password: ", 0],
      [undefined, 'password', "u@127.0.0.1's password: ", 0],
    ]);
    expect(asked.map((q) => q.prompts[0].echo)).toEqual([false, false]);
    expect(jump.passwords).toEqual([JUMP_PASSWORD]);
    expect(node.passwords).toEqual([PASSWORD]);
  });

  it('a refused answer is asked again (3 times at most, as ssh); no answer gives up without another question', async () => {
    clear();
    const refused: number[] = [];
    const c = await connectSsh({
      target: target(node.port),
      credentials: {
        agent: '',
        askPassword: async (q) => (refused.push(q.refused), [q.refused < 2 ? 'wrong' : PASSWORD]),
      },
      hostKeys: { knownHostsFiles: [kh] },
    });
    c.close();
    expect(refused).toEqual([0, 1, 2]);
    expect(node.passwords).toEqual(['wrong', 'wrong', PASSWORD]);

    clear();
    refused.length = 0;
    const e = await connectSsh({
      target: target(node.port),
      credentials: { agent: '', askPassword: async (q) => (refused.push(q.refused), ['wrong']) },
      hostKeys: { knownHostsFiles: [kh] },
    }).catch((x) => x);
    expect(e.code).toBe('SSH_AUTH_FAILED');
    expect(e.message).toContain('the password was refused');
    expect(refused).toEqual([0, 1, 2]);

    refused.length = 0;
    const e2 = await connectSsh({
      target: target(node.port),
      credentials: { agent: '', askPassword: async (q) => (refused.push(q.refused), null) },
      hostKeys: { knownHostsFiles: [kh] },
    }).catch((x) => x);
    expect(e2.code).toBe('SSH_AUTH_FAILED');
    expect(e2.message).toBe(
      `u@127.0.0.1:${node.port}: authentication failed (tried nothing; the server takes password; ` +
        'no password was given)',
    );
    expect(refused).toEqual([0]);
  });

  it("keyboard-interactive: the server's own prompts, name and instruction are asked, shown as ssh shows them", async () => {
    clear();
    const asked: PasswordQuestion[] = [];
    const c = await connectSsh({
      target: target(kbdNode.port),
      credentials: { agent: '', askPassword: async (q) => (asked.push(q), [PASSWORD]) },
      hostKeys: { knownHostsFiles: [kh] },
    });
    c.close();
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      method: 'keyboard-interactive',
      name: 'lab',
      instructions: 'Answer the prompt',
      prompts: [{ prompt: 'Password: ', echo: false }],
    });
    expect(promptText(asked[0], asked[0].prompts[0])).toBe('(u@127.0.0.1) Password: ');
    expect(kbdNode.passwords).toEqual([PASSWORD]);
  });

  it('keyboard-interactive left unanswered says so, not that the password was refused', async () => {
    const fail = (askPassword: (q: PasswordQuestion) => Promise<string[] | null>) =>
      connectSsh({
        target: target(kbdNode.port),
        credentials: { agent: '', askPassword },
        hostKeys: { knownHostsFiles: [kh] },
      }).catch((x) => x);
    const head = `u@127.0.0.1:${kbdNode.port}: authentication failed (tried keyboard-interactive; the server takes keyboard-interactive`;
    clear();
    const refused: number[] = [];
    const e = await fail(async (q) => (refused.push(q.refused), null));
    expect(e.code).toBe('SSH_AUTH_FAILED');
    expect(e.message).toBe(`${head}; keyboard-interactive: no answer given)`);
    // Asked once: no answer ends the questions.
    expect(refused).toEqual([0]);
    expect(kbdNode.passwords).toEqual([]);
    // An asker that fails is no answer either.
    const e2 = await fail(() => Promise.reject(new Error('no terminal')));
    expect(e2.message).toBe(`${head}; keyboard-interactive: no answer given)`);
    // A wrong answer, then none: both said.
    refused.length = 0;
    const e3 = await fail(async (q) => (refused.push(q.refused), q.refused === 0 ? ['wrong'] : null));
    expect(e3.message).toBe(`${head}; the password was refused; keyboard-interactive: no answer given)`);
    expect(refused).toEqual([0, 1]);
    // Wrong answers only: refused, as before.
    const e4 = await fail(async () => ['wrong']);
    expect(e4.message).toBe(`${head}; the password was refused)`);
  });

  it('the time the user takes to answer does not count against the ready timeout', async () => {
    const c = await connectSsh({
      target: target(node.port),
      readyTimeoutMs: 300,
      credentials: {
        agent: '',
        askPassword: () => new Promise((r) => setTimeout(() => r([PASSWORD]), 900)),
      },
      hostKeys: { knownHostsFiles: [kh] },
    });
    c.close();
  });

  it("a jump host's unknown key is asked about as the jump host's", async () => {
    const empty = join(dir, 'kh-jump-empty');
    writeFileSync(empty, '');
    const seen: (string | undefined)[] = [];
    const c = await connectSsh({
      target: behindJump(node.port),
      credentials: { password: PASSWORD, jumpPassword: JUMP_PASSWORD, agent: '' },
      hostKeys: { knownHostsFiles: [empty], acceptNew: async (i) => (seen.push(i.jumpHost), true) },
    });
    c.close();
    expect(seen).toEqual(['a', undefined]);
  });
});

describe('jump host connections shared by the nodes behind them (JumpPool, as ControlMaster)', () => {
  const behindA = () =>
    resolveTarget(
      { host: 'b' },
      {
        configText: `Host a\n  HostName 127.0.0.1\n  Port ${A.port}\n  User u\nHost b\n  HostName 127.0.0.1\n  Port ${B.port}\n  User u\n  ProxyJump a\n`,
      },
    );
  const open = (jumps?: JumpPool) =>
    connectSsh({
      target: behindA(),
      credentials: { identityFiles: [clientKey.priv], agent: '' },
      hostKeys: { knownHostsFiles: [knownHosts] },
      ...(jumps ? { jumps } : {}),
    });

  it('two nodes connecting at once log in to the jump host once; it closes with the last of them', async () => {
    const jumps = new JumpPool();
    const a0 = A.clients();
    const b0 = B.clients();
    const [c1, c2] = await Promise.all([open(jumps), open(jumps)]);
    expect(A.clients() - a0).toBe(1);
    expect(B.clients() - b0).toBe(2);
    const sockets = A.sockets.size;
    c1.close();
    await new Promise((r) => setTimeout(r, 100));
    // The other node still goes through it.
    expect((await c2.exec('x')).stdout.toString()).toBe('ran:x\n');
    expect(A.sockets.size).toBe(sockets);
    expect(jumps.size).toBe(1);
    // A node connecting later takes the same one.
    const c3 = await open(jumps);
    expect(A.clients() - a0).toBe(1);
    c2.close();
    c3.close();
    for (let i = 0; i < 40 && A.sockets.size >= sockets; i++) await new Promise((r) => setTimeout(r, 25));
    expect(A.sockets.size).toBe(sockets - 1);
    expect(jumps.size).toBe(0);
    // Nobody holds it any more: the next node logs in again.
    const c4 = await open(jumps);
    expect(A.clients() - a0).toBe(2);
    c4.close();
  });

  it('nodes offering the jump host other keys log in to it each; those offering the same share', async () => {
    const jumps = new JumpPool();
    const a0 = A.clients();
    const withKey = (credentials: object) =>
      connectSsh({
        target: behindA(),
        credentials: { agent: '', ...credentials },
        hostKeys: { knownHostsFiles: [knownHosts] },
        jumps,
      });
    const [c1, c2] = await Promise.all([
      withKey({ identityFiles: [clientKey.priv] }),
      withKey({ identityFiles: [otherKey.priv] }),
    ]);
    expect(A.clients() - a0).toBe(2);
    expect(jumps.size).toBe(2);
    const c3 = await withKey({ identityFiles: [otherKey.priv] });
    expect(A.clients() - a0).toBe(2);
    // Another agent socket is another login too.
    const c4 = await withKey({ identityFiles: [clientKey.priv], agent: join(dir, 'no-agent.sock') });
    expect(A.clients() - a0).toBe(3);
    for (const c of [c1, c2, c3, c4]) c.close();
  });

  it('a lost jump host: each node behind it says so; coming back, they log in to it again once', async () => {
    const jumps = new JumpPool();
    const a0 = A.clients();
    const nodes = await Promise.all([open(jumps), open(jumps)]);
    expect(A.clients() - a0).toBe(1);
    const lost = nodes.map((c) => new Promise<HopscopeError>((r) => c.once('close', r)));
    // The bastion's connection cut (the nodes' own connections to B are untouched).
    for (const s of A.sockets) s.destroy();
    const errors = await Promise.all(lost);
    for (const e of errors) {
      expect(e.code).toBe('SSH_UNREACHABLE');
      expect(e.message).toMatch(
        new RegExp(
          `^u@127\\.0\\.0\\.1:${B.port}: connection lost: its jump host u@127\\.0\\.0\\.1:${A.port} was lost`,
        ),
      );
      expect(e.detail).toEqual({ jumpHost: `u@127.0.0.1:${A.port}` });
    }
    expect(jumps.size).toBe(0);
    // Both reconnecting at once (as the session's reconnect loops do): one new bastion login for both.
    const again = await Promise.all([open(jumps), open(jumps)]);
    expect(A.clients() - a0).toBe(2);
    expect((await again[1].exec('x')).stdout.toString()).toBe('ran:x\n');
    // A node lost on its own (its connection cut, the bastion's not) is not blamed on the jump host.
    const own = new Promise<HopscopeError>((r) => again[0].once('close', r));
    for (const s of B.sockets) s.destroy();
    expect((await own).message).toMatch(new RegExp(`^u@127\\.0\\.0\\.1:${B.port}: connection lost($| \\()`));
    for (const c of again) c.close();
  });

  it('a jump host gone silent: every node behind it names it once its keepalive gives up', async () => {
    const proxy = await silencer(A.port);
    const kh = join(dir, 'kh-silent');
    writeFileSync(
      kh,
      `[127.0.0.1]:${proxy.port} ${hostA.pubLine.split(' ').slice(0, 2).join(' ')}\n` +
        readFileSync(knownHosts, 'utf8'),
    );
    const jumps = new JumpPool();
    const connect = () =>
      connectSsh({
        target: resolveTarget(
          { host: 'b' },
          {
            configText: `Host a\n  HostName 127.0.0.1\n  Port ${proxy.port}\n  User u\nHost b\n  HostName 127.0.0.1\n  Port ${B.port}\n  User u\n  ProxyJump a\n`,
          },
        ),
        credentials: { identityFiles: [clientKey.priv], agent: '' },
        hostKeys: { knownHostsFiles: [kh] },
        jumps,
        keepaliveIntervalMs: 100,
        keepaliveCountMax: 1,
      });
    try {
      const nodes = await Promise.all([connect(), connect()]);
      const lost = nodes.map((c) => new Promise<HopscopeError>((r) => c.once('close', r)));
      // Whichever keepalive gives up first, a node's or the bastion's, a node's channel closes only with the
      // bastion's connection (its close waits for the bastion's answer): the bastion is named.
      proxy.silence();
      const errors = await Promise.all(lost);
      expect(errors.map((e) => e.message)).toEqual(
        nodes.map(
          () =>
            `u@127.0.0.1:${B.port}: connection lost: its jump host u@127.0.0.1:${proxy.port} was lost ` +
            '(Keepalive timeout)',
        ),
      );
      expect(jumps.size).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('without a pool each node logs in to the jump host itself', async () => {
    const a0 = A.clients();
    const [c1, c2] = await Promise.all([open(), open()]);
    expect(A.clients() - a0).toBe(2);
    c1.close();
    c2.close();
  });
});
