/** ParleyEngine through mpc-framework's Protocol, against mpc-framework's own plaintext engine. */
import { compileSummon, type SummonCircuit } from '@parley/circuit';
import { hasCode } from '@parley/interface';
import { Protocol } from 'mpc-framework';
import PlaintextEngine from 'mpc-framework/dist/src/PlaintextEngine/PlaintextEngine.js';
import type { Engine } from 'mpc-framework-common';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_TIMEOUT_MS, ParleyEngine } from '../src/index.js';

const programs: Record<string, string> = {
  absdiff: `export default (io: Summon.IO) => {
    const a = io.input('alice', 'a', summon.number());
    const b = io.input('bob', 'b', summon.number());
    io.outputPublic('diff', a > b ? a - b : b - a);
    io.outputPublic('sum', a + b);
    io.outputPublic('lt', a < b);
  };`,
  millionaires: `export default (io: Summon.IO) => {
    const alice = io.input('alice', 'aliceWealth', summon.number());
    const bob = io.input('bob', 'bobWealth', summon.number());
    io.outputPublic('aliceIsRicher', alice > bob ? 1 : 0);
  };`,
};

async function runAll(
  circuit: SummonCircuit,
  inputs: Record<string, Record<string, number>>,
  makeEngine: () => Engine,
) {
  const names = circuit.mpcSettings.map((s) => s.name as string);
  const sessions: Record<string, ReturnType<Protocol['join']>> = {};
  for (const name of names) {
    sessions[name] = new Protocol(circuit, makeEngine()).join(name, inputs[name] ?? {}, (to, msg) => {
      queueMicrotask(() => sessions[to].handleMessage(name, msg));
    });
  }
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await sessions[n].output()])));
}

const num = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number(v)]));

describe('ParleyEngine with mpc-framework Protocol (2 parties, garbled)', () => {
  for (const [name, src] of Object.entries(programs)) {
    it(`${name}: same outputs as mpc-framework's plaintext engine`, async () => {
      const boolean = await compileSummon(`${name}.ts`, src, { boolifyWidth: 16 });
      const arithmetic = await compileSummon(`${name}.ts`, src);
      // Trial 0 gives the first party the smaller value, trials 1–3 the larger, trial 4 equal values.
      for (let trial = 0; trial < 5; trial++) {
        const inputs: Record<string, Record<string, number>> = {};
        boolean.mpcSettings.forEach((s, party) => {
          inputs[s.name as string] = Object.fromEntries(
            s.inputs.map((i, k) => [i, trial === 4 ? 500 : (trial * 7919 + party * 4513 + k * 131) % 1000]),
          );
        });
        const got = await runAll(boolean, inputs, () => new ParleyEngine());
        const want = await runAll(arithmetic, inputs, () => new PlaintextEngine());
        for (const party of Object.keys(want)) expect(num(got[party]), party).toEqual(num(want[party]));
      }
    });
  }

  it('32-bit outputs that wrap and reach 2^31 or more: unsigned, as the plaintext engine gives them', async () => {
    const src = `export default (io: Summon.IO) => {
      const a = io.input('alice', 'a', summon.number());
      const b = io.input('bob', 'b', summon.number());
      io.outputPublic('product', a * b);
      io.outputPublic('chain', (a * b + a) * b + 7);
    };`;
    const boolean = await compileSummon('wrap.ts', src, { boolifyWidth: 32 });
    const arithmetic = await compileSummon('wrap.ts', src);
    const inputs = { alice: { a: 123_457 }, bob: { b: 98_765 } };
    const got = await runAll(boolean, inputs, () => new ParleyEngine());
    const want = await runAll(arithmetic, inputs, () => new PlaintextEngine());
    for (const party of Object.keys(want)) expect(num(got[party]), party).toEqual(num(want[party]));
    // 123457 · 98765 mod 2^32 = 3,603,296,013: past 2^31, where a signed decoding would differ.
    expect(num(got.alice).product).toBe(Number((123_457n * 98_765n) % 2n ** 32n));
    expect(num(got.alice).product).toBeGreaterThanOrEqual(2 ** 31);
  });

  it('a 64-bit output past 2^53 comes back as an exact bigint, not a rounded number', async () => {
    const src = `export default (io: Summon.IO) => {
      const a = io.input('alice', 'a', summon.number());
      const b = io.input('bob', 'b', summon.number());
      io.outputPublic('product', a * b);
      io.outputPublic('small', a - b + 5);
    };`;
    const circuit = await compileSummon('wide.ts', src, { boolifyWidth: 64 });
    const a = 2 ** 30 + 1;
    const got = await runAll(circuit, { alice: { a }, bob: { b: a } }, () => new ParleyEngine());
    for (const party of ['alice', 'bob']) {
      expect(got[party].product).toBe(BigInt(a) * BigInt(a));
      expect(got[party].small).toBe(5);
    }
  });

  it('ends with a typed Timeout when a peer goes silent (60 s unless timeoutMs says otherwise)', async () => {
    expect(DEFAULT_ENGINE_TIMEOUT_MS).toBe(60_000);
    const circuit = await compileSummon('absdiff.ts', programs.absdiff, { boolifyWidth: 16 });
    for (const protocol of ['garbled', 'sharing'] as const) {
      const engine = () => new ParleyEngine({ protocol, timeoutMs: 300 });
      const sessions: Record<string, ReturnType<Protocol['join']>> = {};
      const inputs: Record<string, Record<string, number>> = { alice: { a: 3 }, bob: { b: 5 } };
      for (const name of ['alice', 'bob']) {
        sessions[name] = new Protocol(circuit, engine()).join(name, inputs[name], (to, msg) => {
          // bob's messages never arrive: alice waits for them, then gives up.
          if (name === 'alice') queueMicrotask(() => sessions[to].handleMessage(name, msg));
        });
      }
      const started = Date.now();
      const e = await sessions.alice.output().then(
        () => expect.fail(`${protocol}: alice got outputs without bob`),
        (err: unknown) => err,
      );
      expect(hasCode(e, 'TIMEOUT'), `${protocol}: ${String(e)}`).toBe(true);
      expect(Date.now() - started).toBeLessThan(10_000);
      sessions.bob.output().catch(() => undefined);
    }
  });

  it('reports its security model and refuses what it cannot run', () => {
    expect(new ParleyEngine().securityModel(2)).toEqual({
      adversary: 'semi-honest',
      corruption: 'dishonest-majority',
    });
    expect(() => new ParleyEngine({ protocol: 'nope' as never })).toThrow(/unknown protocol 'nope'/);
  });

  it('refuses a timeoutMs node cannot keep (it fired at once past 2^31 − 1 ms, and never for NaN or −1)', () => {
    for (const timeoutMs of [Number.POSITIVE_INFINITY, 3e9, 2 ** 31, -1, Number.NaN, 1.5]) {
      expect(() => new ParleyEngine({ timeoutMs })).toThrow(/timeoutMs must be a whole number/);
    }
    expect(() => new ParleyEngine({ timeoutMs: 0 })).not.toThrow();
    expect(() => new ParleyEngine({ timeoutMs: 2 ** 31 - 1 })).not.toThrow();
  });
});

describe('ParleyEngine with mpc-framework Protocol (3 parties, secret sharing)', () => {
  const src = `export default (io: Summon.IO) => {
    const a = io.input('alice', 'a', summon.number());
    const b = io.input('bob', 'b', summon.number());
    const c = io.input('carol', 'c', summon.number());
    let m = a;
    if (b > m) { m = b; }
    if (c > m) { m = c; }
    io.outputPublic('max', m);
    io.outputPublic('abc', a * b + c);
  };`;

  for (const protocol of ['auto', 'sharing', 'replicated'] as const) {
    it(`${protocol}: same outputs as mpc-framework's plaintext engine, boolean and arithmetic circuits`, async () => {
      const inputs = { alice: { a: 4866 }, bob: { b: 432 }, carol: { c: 2985 } };
      const arithmetic = await compileSummon('max.ts', src);
      const want = await runAll(arithmetic, inputs, () => new PlaintextEngine());
      for (const circuit of [await compileSummon('max.ts', src, { boolifyWidth: 32 }), arithmetic]) {
        const got = await runAll(circuit, inputs, () => new ParleyEngine({ protocol }));
        for (const party of Object.keys(want)) expect(num(got[party]), party).toEqual(num(want[party]));
      }
    });
  }

  it('states the security model of each engine and refuses a wrong party count', () => {
    expect(new ParleyEngine().securityModel(3)).toEqual({
      adversary: 'semi-honest',
      corruption: 'dishonest-majority',
    });
    expect(new ParleyEngine({ protocol: 'replicated' }).securityModel(3)).toEqual({
      adversary: 'semi-honest',
      corruption: 'honest-majority',
    });
    expect(new ParleyEngine({ protocol: 'sharing' }).securityModel(2).corruption).toBe('dishonest-majority');
    expect(() => new ParleyEngine({ protocol: 'replicated' }).securityModel(4)).toThrow(
      /three parties, not 4/,
    );
    expect(() => new ParleyEngine({ protocol: 'garbled' }).securityModel(3)).toThrow(/two parties, not 3/);
    for (const parties of [1, 17]) {
      for (const protocol of ['auto', 'sharing'] as const) {
        expect(() => new ParleyEngine({ protocol }).securityModel(parties)).toThrow(
          new RegExp(`2 to 16 parties, not ${parties}`),
        );
      }
    }
  });
});
