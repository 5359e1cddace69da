import { connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  createIdentity,
  type EndpointEvent,
  type Identity,
  loadIdentity,
  parseConsortium,
  WsEndpoint,
} from '../src/index.js';
import { bytesOf, identityOf, rejectionOf, textOf, wsCluster } from './helpers.js';

type Refusal = Extract<EndpointEvent, { type: 'peer-refused' }>;

function nextRefusal(ep: WsEndpoint): Promise<Refusal> {
  return new Promise((resolve) => {
    const off = ep.onEvent((ev) => {
      if (ev.type === 'peer-refused') {
        off();
        resolve(ev);
      }
    });
  });
}

describe('WebSocket authentication against the consortium keys', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(cleanup.splice(0).map((f) => f()));
  });

  /** An endpoint that believes `claimed` is its own name, with `key`'s identity, dialling the real `bob`. */
  async function attacker(as: Identity, realBob: WsEndpoint, bobKey: string): Promise<WsEndpoint> {
    const ep = await WsEndpoint.listen({
      identity: as,
      host: '127.0.0.1',
      port: 0,
      retry: { maxDelayMs: 200 },
    });
    cleanup.push(() => ep.close());
    ep.join(
      parseConsortium({
        parties: [
          { name: as.name, publicKey: as.publicKeyHex, address: ep.address },
          { name: 'bob', publicKey: bobKey, address: realBob.address },
        ],
      }),
    );
    return ep;
  }

  it('refuses an impostor whose key is not in the consortium, on both sides, and the real link carries on', async () => {
    const c = await wsCluster(['alice', 'bob']);
    cleanup.push(() => c.close());
    const bob = c.endpoint('bob') as WsEndpoint;
    const [a, b] = await Promise.all(
      ['alice', 'bob'].map((n) => c.endpoint(n).openSession('real', ['alice', 'bob'])),
    );
    const linkUps: string[] = [];
    bob.onEvent((ev) => ev.type === 'link-up' && linkUps.push(ev.peer));
    const refusedAtBob = nextRefusal(bob);
    const fake = await attacker(await createIdentity('alice'), bob, c.consortium.parties[1].publicKey);

    const dialerError = await rejectionOf(fake.openSession('x', ['alice', 'bob']));
    expect(dialerError.code).toBe('PEER_NOT_AUTHORIZED');
    expect(dialerError.details?.party).toBe('bob');
    expect(String((dialerError as Error).message)).toMatch(
      /bob' refused the connection.*'alice'.*not in the consortium/,
    );
    // A stranger learns no member's name or key from the refusal.
    const realAlice = c.consortium.parties[0].publicKey.slice(0, 16);
    expect(JSON.stringify({ m: (dialerError as Error).message, d: dialerError.details })).not.toContain(
      realAlice,
    );
    expect(dialerError.details).not.toHaveProperty('expectedKey');

    const ev = await refusedAtBob;
    expect(ev.peer).toBe('alice');
    expect(ev.error.code).toBe('PEER_NOT_AUTHORIZED');
    expect(ev.error.message).toMatch(/claiming to be 'alice'.*a key not in the consortium.*consortium lists/);
    expect(linkUps).toEqual([]);

    await a.send('bob', bytesOf('still us'));
    expect(textOf(await b.recv('alice'))).toBe('still us');
  });

  it("refuses a member that claims another member's name", async () => {
    const c = await wsCluster(['alice', 'bob', 'carol']);
    cleanup.push(() => c.close());
    const bob = c.endpoint('bob') as WsEndpoint;
    const carol = await identityOf('carol');
    const carolAsAlice = loadIdentity('alice', carol);
    const refusedAtBob = nextRefusal(bob);
    const fake = await attacker(carolAsAlice, bob, c.consortium.parties[1].publicKey);
    const dialerError = await rejectionOf(fake.openSession('x', ['alice', 'bob']));
    expect(dialerError.code).toBe('PEER_NOT_AUTHORIZED');
    const ev = await refusedAtBob;
    expect(ev.peer).toBe('alice');
    expect(ev.error.message).toMatch(/the key of 'carol'/);
    expect(ev.error.details.presentedKey).toBe(`${carol.publicKeyHex.slice(0, 16)}…`);
    // A member's key: the caller is told the whole reason.
    expect(String((dialerError as Error).message)).toMatch(/the key of 'carol'/);
  });

  it('refuses a server whose certificate key is not the one listed for the party dialled', async () => {
    const alice = await identityOf('alice');
    const bob = await identityOf('bob');
    const fakeBob = await createIdentity('bob');
    const impostor = await WsEndpoint.listen({ identity: fakeBob, host: '127.0.0.1', port: 0 });
    cleanup.push(() => impostor.close());
    const seenByImpostor: string[] = [];
    impostor.onEvent((ev) => seenByImpostor.push(ev.type));
    const ep = await WsEndpoint.listen({ identity: alice, host: '127.0.0.1', port: 0 });
    cleanup.push(() => ep.close());
    impostor.join(
      parseConsortium({
        parties: [
          { name: 'alice', publicKey: alice.publicKeyHex, address: ep.address },
          { name: 'bob', publicKey: fakeBob.publicKeyHex, address: impostor.address },
        ],
      }),
    );
    const refused = nextRefusal(ep);
    ep.join(
      parseConsortium({
        parties: [
          { name: 'alice', publicKey: alice.publicKeyHex, address: ep.address },
          { name: 'bob', publicKey: bob.publicKeyHex, address: impostor.address },
        ],
      }),
    );
    const e = await rejectionOf(ep.openSession('x', ['alice', 'bob']));
    expect(e.code).toBe('PEER_NOT_AUTHORIZED');
    expect(String((e as Error).message)).toMatch(/'bob' at .* presented certificate key .*consortium lists/);
    expect((await refused).error.details.expectedKey).toBe(`${bob.publicKeyHex.slice(0, 16)}…`);
    expect(seenByImpostor).toEqual([]);
  });

  it('refuses to join a consortium that lists a small-order key, whose holder anyone could impersonate', async () => {
    const alice = await identityOf('alice');
    const ep = await WsEndpoint.listen({ identity: alice, host: '127.0.0.1', port: 0 });
    cleanup.push(() => ep.close());
    const weak = parseConsortium({
      parties: [
        { name: 'alice', publicKey: alice.publicKeyHex, address: ep.address },
        // The identity point: TLS signatures under it can be made without any secret.
        { name: 'bob', publicKey: `01${'0'.repeat(62)}`, address: '127.0.0.1:1' },
      ],
    });
    expect(() => ep.join(weak)).toThrow(/parties\[1\]\.publicKey \(of 'bob'\) is a point of small order/);
    expect(ep.parties).toEqual([]);
  });

  it('offers no plaintext mode and no TLS below 1.3', async () => {
    const c = await wsCluster(['alice', 'bob']);
    cleanup.push(() => c.close());
    const bob = c.endpoint('bob') as WsEndpoint;
    const plain = new WebSocket(`ws://${bob.address}/parley/v1`);
    const plainOutcome = await new Promise<string>((resolve) => {
      plain.on('open', () => resolve('open'));
      plain.on('error', () => resolve('error'));
      plain.on('close', () => resolve('closed'));
    });
    plain.terminate();
    expect(plainOutcome).not.toBe('open');
    const alice = await identityOf('alice');
    const [host, port] = bob.address.split(':');
    const old = tlsConnect({
      host,
      port: Number(port),
      maxVersion: 'TLSv1.2',
      rejectUnauthorized: false,
      key: alice.privateKeyPem,
      cert: alice.certificatePem,
    });
    const tlsOutcome = await new Promise<string>((resolve) => {
      old.on('secureConnect', () => resolve('connected'));
      old.on('error', () => resolve('error'));
    });
    old.destroy();
    expect(tlsOutcome).toBe('error');
  });
});
