/**
 * Failures end every party's session with the same typed error, and nobody
 * hangs: a share of the wrong length or kind, a setup mismatch, a silent
 * party; and misuse is refused up front with errors that name the problem.
 */
import { CircuitBuilder, int, type PlainInputs, type Program } from '@parley/circuit';
import { hasCode, ParleyError, PeerDisconnected } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import { prepareSharing, type SharingOptions, SharingSession, Tag } from '../src/index.js';

function program(parties: number, extra = false): Program {
  const b = new CircuitBuilder(Array.from({ length: parties }, (_, i) => `p${i}`));
  const x = b.input('p0', 'x', int(32), 8);
  const y = b.input('p1', 'y', int(32), 8);
  b.output('z', x.mul(y).lt(extra ? x.add(1) : x));
  return b.build();
}

const inputs: PlainInputs = { p0: { x: [1, 2, 3, 4, 5, 6, 7, 8] }, p1: { y: [8, 7, 6, 5, 4, 3, 2, 1] } };

/** Runs every party in memory; `tamper` may rewrite (or drop, returning undefined) what a party sends. */
async function run(
  programs: Program[],
  options: SharingOptions,
  tamper: (from: string, to: string, bytes: Uint8Array) => Uint8Array | undefined = (_f, _t, b) => b,
): Promise<Array<ParleyError | Record<string, unknown>>> {
  const sessions = new Map<string, SharingSession>();
  programs[0].parties.forEach((party, i) => {
    const s = new SharingSession(
      programs[i],
      party,
      inputs[party] ?? {},
      (to, bytes) => {
        const out = tamper(party, to, bytes);
        if (out) setImmediate(() => sessions.get(to)?.handleMessage(party, out));
      },
      options,
    );
    sessions.set(party, s);
  });
  return Promise.all([...sessions.values()].map((s) => s.output().catch((e: ParleyError) => e)));
}

/** Rewrites the `k`-th round message (after setup) that `who` sends. */
function nthRound(who: string, k: number, rewrite: (bytes: Uint8Array) => Uint8Array) {
  let seen = 0;
  return (from: string, _to: string, bytes: Uint8Array) => {
    if (from !== who || bytes[0] !== Tag.ROUND) return bytes;
    return seen++ === k ? rewrite(bytes) : bytes;
  };
}

function expectSameError(results: Array<ParleyError | Record<string, unknown>>, code: string): ParleyError {
  const errors = results.filter((r): r is ParleyError => r instanceof ParleyError);
  expect(errors.length, 'every party fails').toBe(results.length);
  for (const e of errors) {
    expect(e.code).toBe(code);
    expect(e.message).toBe(errors[0].message);
  }
  return errors[0];
}

const modes: Array<[SharingOptions['protocol'], number]> = [
  ['replicated', 3],
  ['sharing', 3],
  ['sharing', 5],
];

describe('failures end every party with the same typed error', () => {
  for (const [protocol, parties] of modes) {
    const label = `${parties} parties, ${protocol}`;
    it(`a share of the wrong length, ${label}`, async () => {
      const p = program(parties);
      const results = await run(
        Array(parties).fill(p),
        { protocol },
        nthRound('p1', 4, (b) => b.subarray(0, b.length - 8)),
      );
      const e = expectSameError(results, 'PROTOCOL_VIOLATION');
      expect(e.message).toMatch(/share message from p1 has \d+ bytes, expected \d+/);
      expect(e.details.party).toBe('p1');
    });

    it(`a message of the wrong kind, ${label}`, async () => {
      const p = program(parties);
      const results = await run(
        Array(parties).fill(p),
        { protocol },
        nthRound('p0', 3, (b) => Uint8Array.of(7, ...b.subarray(1))),
      );
      const e = expectSameError(results, 'PROTOCOL_VIOLATION');
      expect(e.message).toMatch(/expected a share message from p0, got tag 7/);
    });

    it(`an offline-phase message where none is expected, ${label}`, async () => {
      const p = program(parties);
      // A share message of p0's second round after its offline-phase messages (the replicated scheme has
      // none), sent as an offline-phase message: p0 got every peer's first online round before it, so no
      // party is in the offline phase by then.
      let offline = protocol === 'replicated';
      let shares = 0;
      const results = await run(Array(parties).fill(p), { protocol }, (from, _to, bytes) => {
        if (from !== 'p0') return bytes;
        if (bytes[0] === Tag.OT) offline = true;
        if (!offline || bytes[0] !== Tag.ROUND || ++shares !== parties) return bytes;
        return Uint8Array.of(Tag.OT, ...bytes.subarray(1));
      });
      const e = expectSameError(results, 'PROTOCOL_VIOLATION');
      expect(e.message).toBe('p0 sent an offline-phase message outside the offline phase');
    });

    // No receive timeout: a frame that promises more, or a message nothing reads, must not leave a party
    // waiting for ever (these hung before).
    it(`"more frames follow" on the last frame of a round message, ${label}`, async () => {
      const p = program(parties);
      const results = await run(
        Array(parties).fill(p),
        { protocol },
        nthRound('p1', 3, (b) => Uint8Array.of(b[0], 1, ...b.subarray(2))),
      );
      const e = expectSameError(results, 'PROTOCOL_VIOLATION');
      expect(e.message).toMatch(/share message from p1 has at least \d+ bytes, expected \d+/);
    }, 10_000);

    it(`reserved header bits of a round message, ${label}`, async () => {
      const p = program(parties);
      const results = await run(
        Array(parties).fill(p),
        { protocol },
        nthRound('p1', 2, (b) => Uint8Array.of(b[0], b[1], 0, 4, ...b.subarray(4))),
      );
      const e = expectSameError(results, 'PROTOCOL_VIOLATION');
      expect(e.message).toMatch(/share message from p1 sets reserved header bits/);
    }, 10_000);

    for (const [what, bad] of [
      ['an empty message', new Uint8Array(0)],
      ['a message of an unknown kind', Uint8Array.of(9, 1, 2, 3)],
    ] as const) {
      it(`${what} in place of the first offline-phase or setup message, ${label}`, async () => {
        const p = program(parties);
        let done = false;
        const first = protocol === 'replicated' ? Tag.ROUND : Tag.OT;
        const results = await run(Array(parties).fill(p), { protocol }, (from, _to, bytes) => {
          if (from !== 'p1' || done || bytes[0] !== first) return bytes;
          done = true;
          return bad;
        });
        const e = expectSameError(results, 'PROTOCOL_VIOLATION');
        expect(e.message).toMatch(/expected a share message from p1, got (an empty message|tag 9)/);
      }, 10_000);
    }

    it(`a party running another program, ${label}`, async () => {
      const programs = Array.from({ length: parties }, (_, i) => program(parties, i === 1));
      const e = expectSameError(await run(programs, { protocol }), 'SETUP_MISMATCH');
      expect(e.message).toMatch(/setup digests differ/);
    });
  }

  it('a party that cannot send to one peer tells the others at once (they do not wait for their timeout)', async () => {
    const p = program(3);
    const sessions = new Map<string, SharingSession>();
    let rounds = 0;
    for (const party of p.parties) {
      const send = (to: string, bytes: Uint8Array): Promise<void> | undefined => {
        if (party === 'p1' && to === 'p2' && bytes[0] === Tag.ROUND && ++rounds === 2) {
          return Promise.reject(new PeerDisconnected('lost connection to p2', { party: 'p2' }));
        }
        setImmediate(() => sessions.get(to)?.handleMessage(party, bytes));
        return undefined;
      };
      sessions.set(
        party,
        new SharingSession(p, party, inputs[party] ?? {}, send, {
          protocol: 'replicated',
          timeoutMs: 20_000,
        }),
      );
    }
    const t0 = performance.now();
    const [atP0, atP1] = await Promise.all(
      ['p0', 'p1'].map((q) =>
        sessions
          .get(q)!
          .output()
          .catch((e: ParleyError) => e),
      ),
    );
    expect(hasCode(atP1, 'PEER_DISCONNECTED')).toBe(true);
    expect(hasCode(atP0, 'PEER_DISCONNECTED'), String(atP0)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5_000);
    sessions.get('p2')!.abort(new PeerDisconnected('test over', { party: 'p1' }));
  });

  it('a silent party: Timeout on every party that waits, passed on to the silent one', async () => {
    const p = program(3);
    const results = await run([p, p, p], { protocol: 'replicated', timeoutMs: 300 }, (from, _to, bytes) =>
      from === 'p2' && bytes[0] === Tag.ROUND ? undefined : bytes,
    );
    expectSameError(results.slice(0, 2), 'TIMEOUT');
    expect(hasCode(results[2], 'TIMEOUT')).toBe(true);
  });
});

describe('misuse is refused up front', () => {
  it('names the problem', () => {
    const p = program(3);
    const send = () => {};
    expect(() => new SharingSession(p, 'mallory', {}, send)).toThrow(/'mallory' is not a party/);
    expect(() => new SharingSession(p, 'p0', {}, send, { protocol: 'replicated' })).toThrow(
      /missing input x \(p0\)/,
    );
    expect(() => new SharingSession(p, 'p0', { x: [1] }, send)).toThrow(/expected 8 value\(s\), got 1/);
    expect(() => prepareSharing(program(4), 'replicated')).toThrow(
      /replicated sharing runs three-party computations/,
    );
    expect(
      () => new SharingSession(p, 'p0', { x: inputs.p0.x }, send, { protocol: 'garbled' as never }),
    ).toThrow(/unknown sharing protocol 'garbled'/);
    expect(
      () =>
        new SharingSession(prepareSharing(p, 'additive'), 'p0', inputs.p0, send, { protocol: 'replicated' }),
    ).toThrow(/prepared for additive, not replicated/);
  });
});
