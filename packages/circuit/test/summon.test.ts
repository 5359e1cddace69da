/**
 * Summon programs, compiled in both modes (boolean with boolifyWidth, and
 * arithmetic), imported into the IR and evaluated, must give the outputs of
 * mpc-framework's own plaintext engine on the arithmetic circuit.
 */
import { hasCode } from '@parley/interface';
import { Protocol } from 'mpc-framework';
import PlaintextEngine from 'mpc-framework/dist/src/PlaintextEngine/PlaintextEngine.js';
import { describe, expect, it, vi } from 'vitest';
import {
  compileSummon,
  encodeInputs,
  evaluateProgram,
  importSummon,
  isArithmeticSummon,
  type SummonCircuit,
} from '../src/index.js';
import { rng, testSeed } from './helpers.js';

const programs = {
  absdiff: `export default (io: Summon.IO) => {
    const a = io.input('alice', 'a', summon.number());
    const b = io.input('bob', 'b', summon.number());
    io.outputPublic('diff', a > b ? a - b : b - a);
  };`,
  mixed: `export default (io: Summon.IO) => {
    const a = io.input('alice', 'a', summon.number());
    const b = io.input('bob', 'b', summon.number());
    const c = io.input('carol', 'c', summon.number());
    let m = a;
    if (b > m) { m = b; }
    if (c > m) { m = c; }
    io.outputPublic('max', m);
    io.outputPublic('abc', a * b + c);
    io.outputPublic('bits', (a & b) ^ (c | 5));
    io.outputPublic('shift', (a << 3) + (b >> 2));
    io.outputPublic('eq', a === b ? 1 : 0);
    io.outputPublic('ne', a !== c ? 7 : 9);
    io.outputPublic('sub', a - c);
  };`,
};

async function plaintextEngine(circuit: SummonCircuit, inputs: Record<string, Record<string, number>>) {
  const names = circuit.mpcSettings.map((s) => s.name as string);
  const sessions: Record<string, ReturnType<Protocol['join']>> = {};
  for (const name of names) {
    sessions[name] = new Protocol(circuit, new PlaintextEngine()).join(
      name,
      inputs[name] ?? {},
      (to, msg) => {
        queueMicrotask(() => sessions[to].handleMessage(name, msg));
      },
    );
  }
  return (await sessions[names[0]].output()) as Record<string, bigint>;
}

describe('summon import agrees with mpc-framework PlaintextEngine', () => {
  for (const [name, src] of Object.entries(programs)) {
    it(`${name}: boolean and arithmetic modes on random inputs`, async () => {
      const width = 32;
      const arith = await compileSummon(`${name}.ts`, src);
      const bool = await compileSummon(`${name}.ts`, src, { boolifyWidth: width });
      expect(isArithmeticSummon(arith)).toBe(true);
      expect(isArithmeticSummon(bool)).toBe(false);
      const pa = importSummon(arith, { width });
      const pb = importSummon(bool, { width });
      const rnd = rng(testSeed());
      const parties = arith.mpcSettings.map((s) => s.name as string);
      for (let trial = 0; trial < 12; trial++) {
        const big = trial % 3 === 0;
        const value = () => Math.floor(rnd() * (big ? 2 ** 31 : 1000));
        const inputs: Record<string, Record<string, number>> = {};
        for (const s of arith.mpcSettings) {
          inputs[s.name as string] = Object.fromEntries(s.inputs.map((i) => [i, value()]));
        }
        const want = await plaintextEngine(arith, inputs);
        for (const p of [pa, pb]) {
          const got = evaluateProgram(p, encodeInputs(p, inputs));
          for (const o of p.outputs) {
            expect(got[o.name][0], `${o.name} ${JSON.stringify(inputs)}`).toBe(BigInt(want[o.name]));
          }
        }
      }
      expect(parties.length).toBeGreaterThanOrEqual(2);
    });
  }

  it('keeps each output for the parties named in mpcSettings', async () => {
    const c = await compileSummon('x.ts', programs.absdiff, { boolifyWidth: 16 });
    const p = importSummon(c);
    expect(p.parties).toEqual(['alice', 'bob']);
    expect(p.outputs[0].recipients).toEqual(['alice', 'bob']);
    const owners = p.nodes.flatMap((n) => (n.op === 'input' ? [`${n.party}.${n.name}`] : []));
    expect(owners).toEqual(['alice.a', 'bob.b']);
  });

  it('reports a program that does not compile as a CircuitFormatError naming the file', async () => {
    let err: unknown;
    try {
      await compileSummon('broken.ts', 'export default (io: Summon.IO) => { io.outputPublic("x", nope); };');
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'CIRCUIT_FORMAT')).toBe(true);
    expect((err as Error).message).toMatch(/^broken\.ts: /);
  });

  it('a syntax error that panics the compiler: its message in the typed error, no panic report on the console', async () => {
    const logged: unknown[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => {
      logged.push(parts);
    });
    let err: unknown;
    try {
      await compileSummon('bad.ts', 'export default function main(a: number, b: number) { return a + ; }');
    } catch (e) {
      err = e;
    } finally {
      spy.mockRestore();
    }
    expect(hasCode(err, 'CIRCUIT_FORMAT'), String(err)).toBe(true);
    expect((err as Error).message).toMatch(/^bad\.ts: summon could not compile the program: \S/);
    expect((err as Error).message).not.toMatch(/unreachable|Stack|panicked/);
    expect(logged).toEqual([]);
    // The compiler still works after a panic.
    await compileSummon('ok.ts', 'export default (io: Summon.IO) => { io.outputPublic("x", 1); };');
  });

  it('refuses a hand-made circuit that is not as summon-ts makes it, with a typed error naming what is wrong', async () => {
    const good = await compileSummon('x.ts', programs.absdiff, { boolifyWidth: 16 });
    const arithmetic: SummonCircuit = {
      bristol: '3 6\n2 1 1\n1 1\n\n2 1 0 1 2 AAdd\n1 1 2 3 AUnarySub\n2 1 3 4 5 AAdd\n',
      info: {
        constants: [{ name: 'constant_3', type: 'number', address: 4, width: 1, value: 3 }],
        inputs: [
          { name: 'a', type: 'number', address: 0, width: 1 },
          { name: 'b', type: 'number', address: 1, width: 1 },
        ],
        outputs: [{ name: 's', type: 'number', address: 5, width: 1 }],
      },
      mpcSettings: [
        { name: 'alice', inputs: ['a'], outputs: ['s'] },
        { name: 'bob', inputs: ['b'], outputs: ['s'] },
      ],
    };
    const imported = importSummon(arithmetic);
    const sum = evaluateProgram(imported, encodeInputs(imported, { alice: { a: 5 }, bob: { b: 4 } }));
    expect(sum.s[0]).toBe(2n ** 32n - 6n);
    const refusal = (c: unknown, code: string, message: RegExp) => {
      let err: unknown;
      try {
        importSummon(c as SummonCircuit, { file: 'hand.json' });
      } catch (e) {
        err = e;
      }
      expect(hasCode(err, code), String(err)).toBe(true);
      expect((err as Error).message).toMatch(message);
    };
    refusal({ ...arithmetic, bristol: 5 }, 'INVALID_CIRCUIT', /^hand\.json: bristol: /);
    refusal({ ...arithmetic, mpcSettings: undefined }, 'INVALID_CIRCUIT', /^hand\.json: mpcSettings: /);
    refusal(
      { ...arithmetic, mpcSettings: [{ inputs: ['a'], outputs: [] }] },
      'INVALID_CIRCUIT',
      /mpcSettings\.0\.name: /,
    );
    const gates = (lines: string) => ({ ...arithmetic, bristol: `3 6\n2 1 1\n1 1\n\n${lines}\n` });
    refusal(gates('0 1 3 AUnarySub'), 'CIRCUIT_FORMAT', /line 5: AUnarySub takes one input, not 0/);
    refusal(gates('1 1 0 2 AAdd'), 'CIRCUIT_FORMAT', /line 5: AAdd takes two inputs, not 1/);
    const constant = (value: unknown) => ({
      ...arithmetic,
      info: { ...arithmetic.info, constants: [{ ...arithmetic.info.constants[0], value }] },
    });
    refusal(constant(1.5), 'INVALID_CIRCUIT', /constant constant_3: not an integer/);
    refusal(constant('3'), 'INVALID_CIRCUIT', /constant constant_3: not an integer/);
    refusal(
      {
        ...arithmetic,
        info: { ...arithmetic.info, outputs: [{ ...arithmetic.info.outputs[0], address: 9 }] },
      },
      'INVALID_CIRCUIT',
      /^hand\.json: output s is never set/,
    );
    refusal(
      { ...good, info: { ...good.info, outputs: [{ ...good.info.outputs[0], address: 1e6 }] } },
      'INVALID_CIRCUIT',
      /wires 1000000\.\.\d+ are beyond the circuit's \d+ wires/,
    );
    refusal(
      { ...good, info: { ...good.info, inputs: [good.info.inputs[0], good.info.inputs[0]] } },
      'INVALID_CIRCUIT',
      /belongs to two inputs/,
    );
  });

  it('checks the wire groups of a boolean circuit from their addresses and widths before allocating them', () => {
    const refusal = (c: unknown, message: RegExp) => {
      const t0 = performance.now();
      let err: unknown;
      try {
        importSummon(c as SummonCircuit, { file: 'groups.json' });
      } catch (e) {
        err = e;
      }
      expect(hasCode(err, 'INVALID_CIRCUIT'), String(err)).toBe(true);
      expect((err as Error).message).toMatch(message);
      expect(performance.now() - t0).toBeLessThan(1000);
    };
    // 67 KB of JSON naming every wire of a 10^6-wire circuit 1000 times (17 s and 4 GB before the check).
    const million = (inputs: unknown[], outputs: unknown[]) => ({
      bristol: '0 1000000\n1 1000000\n0\n\n',
      info: { constants: [], inputs, outputs },
      mpcSettings: [{ name: 'alice', inputs: [], outputs: [] }],
    });
    const all = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        name: `${prefix}${i}`,
        type: 'number',
        address: 0,
        width: 1e6,
      }));
    refusal(
      million(all('i', 1000), []),
      /^groups\.json: info\.inputs: 1000000000 wires in all, more than the circuit's 1000000/,
    );
    refusal(million(all('i', 1), all('o', 100)), /^groups\.json: info\.outputs: 100000000 wires in all/);
    // Overlapping inputs are found from their intervals, in any order.
    const overlapping = [
      { name: 'b', type: 'number', address: 499_999, width: 2 },
      { name: 'a', type: 'number', address: 0, width: 500_000 },
    ];
    refusal(million(overlapping, []), /^groups\.json: b: wire 499999 belongs to two inputs \(a and b\)/);
    refusal(
      million([{ name: 'a', type: 'number', address: 999_999, width: 2 }], []),
      /^groups\.json: a: wires 999999\.\.1000000 are beyond the circuit's 1000000 wires/,
    );
  });
});
