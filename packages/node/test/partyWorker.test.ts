/**
 * A party worker (partyWorker.ts, the built one) closes its transport session
 * when its side of a run or a private join fails, as when it succeeds: the
 * other party, here this process's own endpoint, then sees the session closed
 * at once rather than waiting on it until its receive timeout.
 */
import { Worker } from 'node:worker_threads';
import { CircuitBuilder, uint } from '@parley/circuit';
import type { ParleyError } from '@parley/interface';
import { createIdentity, type Session, WsEndpoint } from '@parley/transport';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartyWorkerApi } from '../src/partyWorker.js';

/** Far longer than a close takes to arrive; what a left-open session makes the peer wait for. */
const RECV_TIMEOUT_MS = 10_000;

let worker: Worker;
let bankA: Comlink.Remote<PartyWorkerApi>;
let bankB: WsEndpoint;

beforeAll(async () => {
  worker = new Worker(new URL('../dist/partyWorker.js', import.meta.url));
  bankA = Comlink.wrap<PartyWorkerApi>(nodeEndpoint(worker));
  const identity = await createIdentity('bankB');
  bankB = await WsEndpoint.listen({ identity, host: '127.0.0.1', port: 0 });
  const a = await bankA.listen('bankA');
  const consortium = {
    name: 'party-worker-test',
    parties: [a, { name: 'bankB', publicKey: identity.publicKeyHex, address: bankB.address }],
  };
  bankB.join(consortium);
  await bankA.join(consortium);
});

afterAll(async () => {
  await bankA?.close();
  bankA?.[Comlink.releaseProxy]();
  await worker?.terminate();
  await bankB?.close();
});

/** What `session` gets next from bankA: a message, or the error its receive ends with. */
async function nextFromA(session: Session): Promise<Uint8Array | ParleyError> {
  return session.recv('bankA', { timeoutMs: RECV_TIMEOUT_MS }).catch((e: ParleyError) => e);
}

describe('party worker', () => {
  it('closes the session of a garbled run that fails (a peer breaking the protocol)', async () => {
    const b = new CircuitBuilder(['bankA', 'bankB']);
    b.output('s', b.input('bankA', 'x', uint(8), 1).add(b.input('bankB', 'y', uint(8), 1)), ['bankA']);
    const program = b.build();
    const session = await bankB.openSession('run-fails', ['bankA', 'bankB']);
    const run = bankA.run(program, 'bankA', { bankA: { x: [5] } }, 'run-fails');
    // bankA says HELLO; an empty message instead of bankB's breaks the protocol there.
    const hello = await nextFromA(session);
    expect(hello).toBeInstanceOf(Uint8Array);
    await session.send('bankA', new Uint8Array(0));
    await expect(run).rejects.toThrow(/empty message from bankB/);
    // bankA's engine tells bankB why (its abort message), then the session is closed.
    expect(await nextFromA(session)).toBeInstanceOf(Uint8Array);
    expect(await nextFromA(session)).toMatchObject({
      code: 'SESSION_CLOSED',
      message: "'bankA' closed session run-fails",
    });
    await session.close();
  });

  it('closes the session of a private join that fails (its own keys repeat)', async () => {
    const session = await bankB.openSession('join-fails', ['bankA', 'bankB']);
    const key = new Uint8Array([1, 2, 3]);
    const join = bankA.privateJoin([key, key], ['bankA', 'bankB'], 'bankA', 'join-fails');
    await expect(join).rejects.toThrow(/rows 1 and 2 have the same key/);
    expect(await nextFromA(session)).toMatchObject({
      code: 'SESSION_CLOSED',
      message: "'bankA' closed session join-fails",
    });
    await session.close();
  });
});
