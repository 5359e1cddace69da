/**
 * Real processes: a peer killed (SIGKILL) or frozen (SIGSTOP) mid-session, and
 * a 1 GiB stream between two processes under the memory bound. Children run
 * the built package (dist), which is rebuilt here if it is older than src.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Identity,
  parseConsortium,
  type Session,
  type TransportLimits,
  WsEndpoint,
} from '../src/index.js';
import { bytesOf, identityOf, rejectionOf, textOf } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const rootDir = fileURLToPath(new URL('../../..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/peer.mjs', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    if (f.endsWith('.ts')) newest = Math.max(newest, statSync(`${dir}/${f}`).mtimeMs);
  }
  return newest;
}

beforeAll(() => {
  let built = 0;
  try {
    built = statSync(`${packageDir}dist/index.js`).mtimeMs;
  } catch {
    built = 0;
  }
  if (built < newestMtime(`${packageDir}src`)) {
    execFileSync(`${rootDir}node_modules/.bin/tsc`, ['-b', 'packages/transport'], {
      cwd: rootDir,
      stdio: 'inherit',
    });
  }
}, 120_000);

/**
 * Whom a `PeerDisconnected` is about: the party itself when this one saw the
 * connection go, or, when another party's ABORT came first, the party that
 * one named (kept apart from `party`, which is then the reporter).
 */
function lostParty(e: { details?: Record<string, unknown> }): unknown {
  return e.details?.reportedBy === undefined ? e.details?.party : e.details.claimedParty;
}

interface Child {
  process: ChildProcess;
  next(event: string): Promise<Record<string, unknown>>;
  command(msg: Record<string, unknown>): void;
}

function spawnPeer(): Child {
  const child = fork(fixture, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue: Record<string, unknown>[] = [];
  const waiters: Array<{ event: string; resolve(m: Record<string, unknown>): void; reject(e: Error): void }> =
    [];
  const pump = (): void => {
    for (let i = 0; i < waiters.length; i++) {
      const j = queue.findIndex((m) => m.event === waiters[i].event || m.event === 'error');
      if (j < 0) continue;
      const [m] = queue.splice(j, 1);
      const [w] = waiters.splice(i--, 1);
      if (m.event === 'error' && w.event !== 'error') w.reject(new Error(`child: ${m.code} ${m.message}`));
      else w.resolve(m);
    }
  };
  child.on('message', (m) => {
    queue.push(m as Record<string, unknown>);
    pump();
  });
  child.on('exit', (code, signal) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`child exited (${code ?? signal})`));
  });
  return {
    process: child,
    command: (msg) => child.send(msg),
    next: (event) =>
      new Promise((resolve, reject) => {
        waiters.push({ event, resolve, reject });
        pump();
      }),
  };
}

describe('peers in separate processes', () => {
  const children: Child[] = [];
  const endpoints: WsEndpoint[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.process.exitCode === null && c.process.signalCode === null) {
        const exited = new Promise((resolve) => c.process.once('exit', resolve));
        c.process.kill('SIGKILL');
        await exited;
      }
    }
    await Promise.all(endpoints.splice(0).map((e) => e.close()));
  });

  /** Starts `inProcess` endpoints here and `inChildren` in child processes, all joined to one consortium. */
  async function network(inProcess: string[], inChildren: string[], limits: Partial<TransportLimits> = {}) {
    const ids = new Map<string, Identity>();
    for (const n of [...inProcess, ...inChildren]) ids.set(n, await identityOf(n));
    const local = await Promise.all(
      inProcess.map((n) => WsEndpoint.listen({ identity: ids.get(n)!, host: '127.0.0.1', port: 0, limits })),
    );
    endpoints.push(...local);
    const remote = new Map<string, Child>();
    const addresses = new Map<string, string>(local.map((e) => [e.self, e.address]));
    for (const n of inChildren) {
      const c = spawnPeer();
      children.push(c);
      remote.set(n, c);
      const id = ids.get(n)!;
      c.command({
        cmd: 'listen',
        name: n,
        privateKeyPem: id.privateKeyPem,
        certificatePem: id.certificatePem,
      });
      addresses.set(n, (await c.next('listening')).address as string);
    }
    const consortium = parseConsortium({
      parties: [...ids.values()].map((id) => ({
        name: id.name,
        publicKey: id.publicKeyHex,
        address: addresses.get(id.name)!,
      })),
    });
    for (const e of local) e.join(consortium);
    for (const c of remote.values()) {
      c.command({ cmd: 'join', consortium });
      await c.next('joined');
    }
    return { local, remote };
  }

  /** Alice and bob here, carol in a child; one all-to-all round; returns the sessions here. */
  async function threeParties(limits: Partial<TransportLimits> = {}) {
    const parties = ['alice', 'bob', 'carol'];
    const { local, remote } = await network(['alice', 'bob'], ['carol'], limits);
    const carol = remote.get('carol')!;
    carol.command({ cmd: 'member', session: 'job', parties });
    const sessions = await Promise.all(local.map((e) => e.openSession('job', parties)));
    await Promise.all(
      sessions.map(async (s: Session) => {
        for (const p of s.peers) await s.send(p, bytesOf(`${s.self}->${p}`));
        for (const p of s.peers) expect(textOf(await s.recv(p))).toBe(`${p}->${s.self}`);
      }),
    );
    expect((await carol.next('exchanged')).got).toEqual(['alice->carol', 'bob->carol']);
    return { sessions, carol };
  }

  it('a peer process killed mid-session ends the session on the others with PeerDisconnected', async () => {
    const { sessions, carol } = await threeParties();
    const pending = sessions.map((s) => s.recv('carol'));
    carol.process.kill('SIGKILL');
    for (const p of pending) {
      const e = await rejectionOf(p);
      expect(e.code).toBe('PEER_DISCONNECTED');
      expect(lostParty(e)).toBe('carol');
    }
    for (const s of sessions) expect((await s.ended)?.code).toBe('PEER_DISCONNECTED');
  });

  it('a frozen peer process (SIGSTOP) is cut off after peerTimeoutMs with PeerDisconnected', async () => {
    const { sessions, carol } = await threeParties({ peerTimeoutMs: 800 });
    const pending = sessions.map((s) => s.recv('carol', { timeoutMs: 30_000 }));
    carol.process.kill('SIGSTOP');
    for (const p of pending) {
      const e = await rejectionOf(p);
      expect(e.code).toBe('PEER_DISCONNECTED');
      expect(lostParty(e)).toBe('carol');
    }
  });

  it('streams 1 GiB between two processes with RSS growth under 200 MB in each', async () => {
    const { remote } = await network([], ['alice', 'bob']);
    const [alice, bob] = [remote.get('alice')!, remote.get('bob')!];
    const job = { session: 'stream', parties: ['alice', 'bob'], chunks: 1024, chunkBytes: 1 << 20 };
    bob.command({ cmd: 'sink', from: 'alice', ...job });
    alice.command({ cmd: 'source', to: 'bob', ...job });
    const [sent, received] = await Promise.all([alice.next('done'), bob.next('done')]);
    expect(received.bytes).toBe(1 << 30);
    expect(received.inOrder).toBe(true);
    expect(sent.ack).toBe('got it all');
    expect(sent.rssGrowth).toBeLessThan(200e6);
    expect(received.rssGrowth).toBeLessThan(200e6);
    for (const c of [alice, bob]) c.command({ cmd: 'close' });
    await Promise.all([alice.next('closed'), bob.next('closed')]);
    console.log(
      `1 GiB stream: RSS growth sender ${((sent.rssGrowth as number) / 1e6).toFixed(0)} MB, receiver ${((received.rssGrowth as number) / 1e6).toFixed(0)} MB`,
    );
  });
});
