/** The engine over real connections: one WebSocket endpoint with mutual TLS per party on 127.0.0.1 (OS-chosen ports). */
import { CircuitBuilder, type Column, encodeInputs, evaluateProgram, int } from '@parley/circuit';
import type { Consortium } from '@parley/interface';
import { createIdentity, WsEndpoint } from '@parley/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareSharing, SharingSession } from '../src/index.js';
import { list } from './_harness.js';

const parties = ['alice', 'bob', 'carol'];
let endpoints: WsEndpoint[] = [];

beforeAll(async () => {
  const identities = await Promise.all(parties.map((p) => createIdentity(p)));
  endpoints = await Promise.all(
    identities.map((identity) => WsEndpoint.listen({ identity, host: '127.0.0.1', port: 0 })),
  );
  const consortium: Consortium = {
    name: 'sharing-test',
    parties: identities.map((id, i) => ({
      name: id.name,
      publicKey: id.publicKeyHex,
      address: endpoints[i].address,
    })),
  };
  await Promise.all(endpoints.map((e) => e.join(consortium)));
});

afterAll(async () => {
  await Promise.all(endpoints.map((e) => e.close()));
});

describe('over TLS WebSockets', () => {
  it('replicated and additive sessions among three parties', async () => {
    const b = new CircuitBuilder(parties);
    const x = b.input('alice', 'x', int(64), 1000);
    const y = b.input('bob', 'y', int(64), 1000);
    const c = b.input('carol', 'c', int(64));
    b.output('dot', x.mul(y).add(c).sum(), ['carol']);
    b.output('max', x.max(y).maxOf());
    const p = b.build();
    const xs = Array.from({ length: 1000 }, (_, i) => BigInt(i * 7919 - 3_000_000));
    const ys = Array.from({ length: 1000 }, (_, i) => BigInt((i * 104729) % 5000));
    const inputs = { alice: { x: xs }, bob: { y: ys }, carol: { c: -5n } };
    const want = evaluateProgram(p, encodeInputs(p, inputs));
    for (const protocol of ['replicated', 'sharing'] as const) {
      const prepared = prepareSharing(p, protocol === 'replicated' ? 'replicated' : 'additive');
      const links = await Promise.all(endpoints.map((e) => e.openSession(`test-${protocol}`, parties)));
      const sessions = parties.map((party, i) => {
        const s = new SharingSession(
          prepared,
          party,
          inputs[party as keyof typeof inputs],
          (to, bytes) => links[i].send(to, bytes),
          {
            protocol,
            timeoutMs: 20_000,
          },
        );
        links[i].onMessage((from, bytes) => s.handleMessage(from, bytes));
        return s;
      });
      const outputs: Array<Record<string, Column>> = await Promise.all(sessions.map((s) => s.output()));
      await Promise.all(links.map((l) => l.close()));
      expect(list(outputs[2].dot)).toEqual(list(want.dot));
      expect(outputs[0].dot).toBeUndefined();
      for (const o of outputs) expect(list(o.max)).toEqual(list(want.max));
      expect(sessions[0].stats().bytesSent).toBeGreaterThan(0);
    }
  });
});
