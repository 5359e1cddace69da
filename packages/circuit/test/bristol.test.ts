import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '@parley/interface';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WireSet } from '../src/bristol/wireSet.js';
import {
  type BooleanCircuit,
  BristolParser,
  bristolProgram,
  checkBooleanCircuit,
  circuitStats,
  decodeProgram,
  encodeProgram,
  evaluateBoolean,
  evaluateBooleanBatch,
  layerByAndDepth,
  parseBristol,
  readBristolFile,
  toBristol,
} from '../src/index.js';
import { BRISTOL, randomBits, rng, testSeed } from './helpers.js';

const M64 = (1n << 64n) - 1n;
const circuits: Record<string, BooleanCircuit> = {};

beforeAll(async () => {
  for (const name of [
    'aes_128',
    'adder64',
    'sub64',
    'neg64',
    'mult64',
    'mult2_64',
    'divide64',
    'zero_equal',
  ]) {
    circuits[name] = await readBristolFile(`${BRISTOL}/${name}.txt`);
  }
});

describe('Bristol Fashion known answers', () => {
  it('AES-128 gives the FIPS-197 appendix C.1 ciphertext', () => {
    const [c] = evaluateBoolean(circuits.aes_128, [
      0x000102030405060708090a0b0c0d0e0fn,
      0x00112233445566778899aabbccddeeffn,
    ]);
    expect(c).toBe(0x69c4e0d86a7b0430d8cdb78070b4c55an);
  });

  it('AES-128 gate counts', () => {
    const s = circuitStats(circuits.aes_128);
    expect([s.and, s.xor, s.inv, s.gates, s.wires]).toEqual([6400, 28176, 2087, 36663, 36919]);
    expect(s.layerWidths.reduce((a, b) => a + b, 0)).toBe(6400);
  });

  it('mult64 known answer', () => {
    expect(evaluateBoolean(circuits.mult64, [0xfedcba9876543210n, 0x0123456789abcdefn])).toEqual([
      0x2236d88fe5618cf0n,
    ]);
  });

  it('64-bit arithmetic circuits agree with BigInt on random and edge inputs', () => {
    const rnd = rng(testSeed());
    const xs = [0n, 1n, M64, 1n << 63n, ...Array.from({ length: 60 }, () => randomBits(rnd, 64))];
    const ys = [...xs].reverse();
    const signed = (v: bigint) => BigInt.asIntN(64, v);
    const run = (name: string, args: bigint[][]) => evaluateBooleanBatch(circuits[name], args);
    expect(run('adder64', [xs, ys])[0]).toEqual(xs.map((x, i) => (x + ys[i]) & M64));
    expect(run('sub64', [xs, ys])[0]).toEqual(xs.map((x, i) => (x - ys[i]) & M64));
    expect(run('neg64', [xs])[0]).toEqual(xs.map((x) => -x & M64));
    expect(run('mult64', [xs, ys])[0]).toEqual(xs.map((x, i) => (x * ys[i]) & M64));
    expect(run('zero_equal', [xs])[0]).toEqual(xs.map((x) => (x === 0n ? 1n : 0n)));
    // mult2_64: the file puts the high half in output group 0 and the low half in group 1.
    const wide = run('mult2_64', [xs, ys]);
    expect(wide[1]).toEqual(xs.map((x, i) => (x * ys[i]) & M64));
    expect(wide[0]).toEqual(xs.map((x, i) => (x * ys[i]) >> 64n));
    const nz = ys.map((y) => (y === 0n ? 7n : y));
    expect(run('divide64', [xs, nz])[0]).toEqual(
      xs.map((x, i) => BigInt.asUintN(64, signed(x) / signed(nz[i]))),
    );
  });
});

describe('Bristol reader', () => {
  it('reads the old plain format', () => {
    // 2-bit inputs a, b and output a AND b (bitwise), old header "n1 n2 nout".
    const c = parseBristol('2 6\n2 2 2\n\n2 1 0 2 4 AND\n2 1 1 3 5 AND\n');
    expect(evaluateBoolean(c, [0b11n, 0b10n])).toEqual([0b10n]);
  });

  it('accepts EQ, EQW, INV and MAND gates', () => {
    // inputs a (2 bits), b (2 bits); outputs: [a0&b0, a1&b1] via MAND, const 1, copy of a0, NOT b1
    const text = [
      '5 11',
      '2 2 2',
      '1 5',
      '',
      '4 2 0 1 2 3 4 5 MAND',
      '1 1 1 6 EQ',
      '1 1 0 7 EQW',
      '1 1 3 8 INV',
      '2 1 4 5 9 XOR',
      '',
    ];
    // The outputs are the last 5 wires: 6..10; wire 10 must be set: add a copy of 9.
    text[0] = '6 11';
    text.splice(9, 0, '1 1 9 10 EQW');
    const out = evaluateBoolean(parseBristol(text.join('\n')), [0b11n, 0b01n]);
    // wire6=1, wire7=a0=1, wire8=!b1=1, wire9=(a0&b0)^(a1&b1)=1^0=1, wire10=1
    expect(out).toEqual([0b11111n]);
    const out2 = evaluateBoolean(parseBristol(text.join('\n')), [0b10n, 0b10n]);
    // wire6=1, wire7=0, wire8=0, wire9=0^1=1, wire10=1
    expect(out2).toEqual([0b11001n]);
  });

  it('streams a file in small chunks with the same result', async () => {
    const text = toBristol(circuits.adder64);
    const p = new BristolParser();
    const bytes = new TextEncoder().encode(text);
    for (let i = 0; i < bytes.length; i += 7) p.push(bytes.subarray(i, i + 7));
    const c = p.end();
    expect(evaluateBoolean(c, [M64, 2n])).toEqual([1n]);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['bad header', 'x y\n', /line 1: malformed header/],
    ['gate wire out of range', '1 3\n2 1 1\n1 1\n\n2 1 0 7 2 AND\n', /line 5: wire 7 out of range/],
    [
      'wire used before set',
      '2 4\n2 1 1\n1 1\n\n2 1 0 2 3 AND\n2 1 0 1 2 XOR\n',
      /line 5: wire 2 is used before it is set/,
    ],
    ['wire set twice', '2 3\n2 1 1\n1 1\n\n2 1 0 1 2 AND\n2 1 0 1 2 XOR\n', /line 6: wire 2 is set twice/],
    ['unknown gate', '1 3\n2 1 1\n1 1\n\n2 1 0 1 2 NAND\n', /line 5: unknown gate 'NAND'/],
    ['wrong arity', '1 3\n2 1 1\n1 1\n\n1 1 0 2 AND\n', /line 5: AND takes 2 input/],
    ['wire count mismatch', '1 3\n2 1 1\n1 1\n\n2 1 0 1 2 3 AND\n', /line 5: malformed gate line/],
    [
      'fewer gates than declared',
      '2 3\n2 1 1\n1 1\n\n2 1 0 1 2 AND\n',
      /declares 2 gates but the file has 1/,
    ],
    [
      'more gates than declared',
      '1 4\n2 1 1\n1 1\n\n2 1 0 1 2 AND\n2 1 0 1 3 AND\n',
      /line 6: more gates than the 1/,
    ],
    [
      'non-number wire',
      '1 3\n2 1 1\n1 1\n\n2 1 0 b 2 AND\n',
      /line 5: malformed gate line: 'b' is not a number/,
    ],
    ['bad EQ constant', '1 3\n2 1 1\n1 1\n\n1 1 5 2 EQ\n', /line 5: EQ takes a constant 0 or 1/],
    ['input header count', '1 3\n3 1 1\n1 1\n\n2 1 0 1 2 AND\n', /malformed input header/],
    ['output never set', '1 4\n2 1 1\n1 1\n\n2 1 0 1 2 AND\n', /output wire 3 is never set/],
    ['truncated header', '1 3\n2 1 1\n', /incomplete header/],
    [
      'an input wider than the circuit',
      '1 10\n1 9007199254740991\n1 1\n\n',
      /need 9007199254740992 wires but the header declares 10/,
    ],
    ['an empty input group', '1 3\n2 0 2\n1 1\n\n', /a group of 0 wires/],
    ['an empty output group, on its line', '1 3\n2 1 1\n1 0\n\n', /line 3: a group of 0 wires/],
    [
      'a malformed input header followed by a blank line, on its line',
      '1 3\n3 1 1\n\n1 1\n\n2 1 0 1 2 XOR\n',
      /line 2: malformed input header: count 3 but 2 widths/,
    ],
    [
      'inputs wider than the wires, on the input header',
      '1 3\n2 1 9\n1 1\n\n',
      /line 2: inputs and outputs need 11 wires but the header declares 3/,
    ],
    [
      'outputs that take the groups over the wires, on the output header',
      '1 3\n2 1 1\n1 5\n\n',
      /line 3: inputs and outputs need 7 wires but the header declares 3/,
    ],
    [
      'old format: groups wider than the wires, on the input header',
      '1 3\n2 2 1\n2 1 0 1 2 XOR\n',
      /line 2: inputs and outputs need 5 wires but the header declares 3/,
    ],
    [
      'old format: a malformed input header followed by a blank line, on its line',
      '1 3\n2 1\n\n2 1 0 1 2 XOR\n',
      /line 2: malformed input header: expected/,
    ],
    [
      'a wire number past 2^53 (not on the general path)',
      '1 3\n2 1 1\n1 1\n\n2 1 0 100000000000000000000 2 XOR\n',
      /line 5: number too large/,
    ],
    [
      'a gate name with non-ASCII bytes, shown escaped',
      '1 3\n2 1 1\n1 1\n\n2 1 0 1 2 XÖR\n',
      /line 5: unknown gate 'X\\xc3\\x96R'/,
    ],
    [
      'a gate name with a NUL byte, shown escaped',
      '1 3\n2 1 1\n1 1\n\n2 1 0 1 2 XOR\0\n',
      /line 5: unknown gate 'XOR\\x00'/,
    ],
    [
      'a sparse wire set twice',
      '2 2000000000\n2 1 1\n1 1\n\n2 1 0 1 1500000000 XOR\n2 1 0 1 1500000000 AND\n',
      /line 6: wire 1500000000 is set twice/,
    ],
    [
      'a sparse wire used before it is set',
      '1 2000000000\n2 1 1\n1 1\n\n2 1 0 1500000000 1999999999 XOR\n',
      /line 5: wire 1500000000 is used before it is set/,
    ],
  ];
  for (const [what, text, pattern] of bad) {
    it(`refuses ${what} with a CircuitFormatError naming the line`, () => {
      let err: unknown;
      try {
        parseBristol(text, { file: 'bad.txt' });
      } catch (e) {
        err = e;
      }
      expect(hasCode(err, 'CIRCUIT_FORMAT'), String(err)).toBe(true);
      expect((err as Error).message).toMatch(pattern);
      expect((err as Error).message).toMatch(/^bad\.txt, line \d+/);
    });
  }

  it('refuses a header over the gate limit with LimitExceeded', () => {
    expect(() => parseBristol('10 20\n', { maxGates: 5 })).toThrow(/exceed the limit/);
  });

  it('counts each AND of a MAND gate against the gate limit', () => {
    // One MAND line of 3 ANDs: the header counts 1 gate.
    const text = '1 9\n2 3 3\n1 3\n\n6 3 0 1 2 3 4 5 6 7 8 MAND\n';
    const over = error(() => parseBristol(text, { file: 'mand.txt', maxGates: 2 }));
    expect(hasCode(over, 'LIMIT_EXCEEDED'), String(over)).toBe(true);
    expect(over.message).toMatch(/^mand\.txt, line 5: 3 gates .*exceed the limit of 2/);
    expect(parseBristol(text, { maxGates: 3 }).gateCount).toBe(3);
    const k = 20000;
    const wide = `1 ${3 * k}\n1 ${2 * k}\n1 ${k}\n\n${2 * k} ${k} ${Array.from({ length: 3 * k }, (_, i) => i).join(' ')} MAND\n`;
    const big = error(() => parseBristol(wide, { file: 'mand.txt', maxGates: 1 }));
    expect(hasCode(big, 'LIMIT_EXCEEDED'), String(big)).toBe(true);
    expect(big.message).toMatch(/^mand\.txt, line 5: 20000 gates/);
  });

  it('refuses at once, and without allocating them, inputs and outputs over the limit', () => {
    const t0 = performance.now();
    const before = process.memoryUsage().arrayBuffers;
    // 28 bytes that declared 2·10^9 input and output wires (10 GB and 18 s before the limit).
    const huge = error(() => parseBristol('0 2000000000\n1 1999999999\n1 1\n\n', { file: 'f' }));
    expect(hasCode(huge, 'LIMIT_EXCEEDED'), String(huge)).toBe(true);
    expect(huge.message).toMatch(
      /^f, line 2: 2000000000 input and output wires exceed the limit of 16777216/,
    );
    // The line blamed is the one whose widths take the total over the limit.
    const out = error(() => parseBristol('0 20\n2 5 5\n1 2\n\n', { file: 'f', maxIoWires: 11 }));
    expect(hasCode(out, 'LIMIT_EXCEEDED'), String(out)).toBe(true);
    expect(out.message).toMatch(/^f, line 3: 12 input and output wires exceed the limit of 11/);
    // Within the limits, 2·10^9 declared wires cost nothing: the unset outputs are found before they are allocated.
    const unset = error(() => parseBristol('0 2000000000\n1 1000\n1 1000000\n\n', { file: 'f' }));
    expect(hasCode(unset, 'CIRCUIT_FORMAT'), String(unset)).toBe(true);
    expect(unset.message).toMatch(/^f, line 4: output wire 1999000000 is never set/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 << 20);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('skips a UTF-8 byte order mark at the start of the file, even split across chunks', () => {
    const text = '\ufeff1 3\n2 1 1\n1 1\n\n2 1 0 1 2 XOR\n';
    expect(evaluateBoolean(parseBristol(text), [1n, 0n])).toEqual([1n]);
    const p = new BristolParser();
    for (const b of new TextEncoder().encode(text)) p.push(Uint8Array.of(b));
    expect(evaluateBoolean(p.end(), [1n, 1n])).toEqual([0n]);
    // Only at the start of the file.
    expect(() => parseBristol('1 3\n\ufeff2 1 1\n1 1\n\n2 1 0 1 2 XOR\n')).toThrow(
      /line 2: malformed input header/,
    );
  });

  it('reads a circuit the same whatever wire numbers its gates use (dense, spread or far apart)', () => {
    const rnd = rng(testSeed());
    const pick = (n: number) => Math.floor(rnd() * n);
    const inputs = 16;
    const outs = 8;
    const G = 60_000;
    // Gates on logical wires: gate i writes wire inputs + i and reads earlier ones.
    const gates = Array.from({ length: G }, (_, i) => {
      const op = ['XOR', 'AND', 'INV', 'EQW', 'EQ'][pick(5)];
      return { op, a: pick(inputs + i), b: pick(inputs + i) };
    });
    const text = (wires: number, gateWires: Uint32Array) => {
      const w = (logical: number) => (logical < inputs ? logical : gateWires[logical - inputs]);
      const lines = gates.map(({ op, a, b }, i) => {
        const out = w(inputs + i);
        if (op === 'XOR' || op === 'AND') return `2 1 ${w(a)} ${w(b)} ${out} ${op}`;
        return `1 1 ${op === 'EQ' ? a & 1 : w(a)} ${out} ${op}`;
      });
      return `${G} ${wires}\n2 8 8\n1 ${outs}\n\n${lines.join('\n')}\n`;
    };
    // Distinct wires for the gates that are not outputs, drawn from [inputs, wires - outs); the outputs last.
    const numbering = (wires: number): Uint32Array => {
      const chosen = new Set<number>();
      while (chosen.size < G - outs) chosen.add(inputs + pick(wires - outs - inputs));
      const gateWires = Uint32Array.from([
        ...chosen,
        ...Array.from({ length: outs }, (_, i) => wires - outs + i),
      ]);
      return gateWires;
    };
    const dense = parseBristol(
      text(
        inputs + G,
        Uint32Array.from({ length: G }, (_, i) => inputs + i),
      ),
    );
    const args = [0, 1].map(() => Array.from({ length: 30 }, () => randomBits(rnd, 8)));
    const expected = evaluateBooleanBatch(dense, args);
    for (const wires of [inputs + 3 * G, 2_000_000_000]) {
      const c = parseBristol(text(wires, numbering(wires)));
      expect(c.wireCount, String(wires)).toBe(inputs + G);
      checkBooleanCircuit(c);
      expect(evaluateBooleanBatch(c, args), String(wires)).toEqual(expected);
    }
  });

  it('WireSet agrees with a Set whether the wires are dense, spread or far apart', () => {
    const rnd = rng(testSeed());
    for (const [wires, inputs, count] of [
      [100, 10, 90],
      [300_000, 1000, 120_000],
      [2 ** 31, 5, 50_000],
    ]) {
      const set = new WireSet(wires, inputs);
      const ref = new Set(Array.from({ length: inputs }, (_, i) => i));
      // Mostly ascending with some far ahead, as the gates of a sparse file set them.
      const wrong: number[] = [];
      let next = inputs;
      while (ref.size < inputs + count) {
        const w = rnd() < 0.8 ? next++ : inputs + Math.floor(rnd() * (wires - inputs));
        if (w >= wires || ref.has(w)) continue;
        if (set.has(w) || !set.add(w) || set.add(w)) wrong.push(w);
        ref.add(w);
        const probe = Math.floor(rnd() * wires);
        if (set.has(probe) !== ref.has(probe)) wrong.push(probe);
      }
      for (const w of ref) if (!set.has(w)) wrong.push(w);
      expect(wrong, String(wires)).toEqual([]);
    }
  });

  it('numbers sparse wires densely, keeping the inputs first and the outputs last', () => {
    // Wires 2..8 are never set; the output is wire 9.
    const c = parseBristol('1 10\n2 1 1\n1 1\n\n2 1 0 1 9 AND\n');
    expect(c.wireCount).toBe(3);
    expect(Array.from(c.outputs[0].wires)).toEqual([2]);
    checkBooleanCircuit(c);
    expect(evaluateBoolean(c, [1n, 1n])).toEqual([1n]);
    const p = bristolProgram(c);
    expect(decodeProgram(encodeProgram(p)).nodes).toHaveLength(p.nodes.length);
    // A header's 2,000,000,000 wires cost nothing once read.
    const big = parseBristol('2 2000000000\n2 1 1\n1 2\n\n2 1 0 1 1999999998 XOR\n2 1 0 1 1999999999 AND\n');
    expect(big.wireCount).toBe(4);
    checkBooleanCircuit(big);
    expect(evaluateBoolean(big, [1n, 1n])).toEqual([0b10n]);
    expect(evaluateBoolean(big, [1n, 0n])).toEqual([0b01n]);
    const kept = error(() => parseBristol('1 10\n2 1 1\n1 1\n\n2 1 0 1 9 AND\n', { keepWireNumbers: true }));
    expect(hasCode(kept, 'CIRCUIT_FORMAT')).toBe(true);
    expect(kept.message).toMatch(/declares 10 wires but the inputs and gates set only 3/);
  });

  it('limits every line, not only one split across chunks, and quotes at most 40 characters of a token', () => {
    const long = error(() => parseBristol(`1 3\n2 1 1\n1 1\n\n2 1 0 1 2 ${'A'.repeat(5_000_000)}\n`));
    expect(hasCode(long, 'CIRCUIT_FORMAT')).toBe(true);
    expect(long.message).toMatch(/line 5: line too long/);
    expect(long.message.length).toBeLessThan(200);
    const gate = error(() => parseBristol(`1 3\n2 1 1\n1 1\n\n2 1 0 1 2 ${'B'.repeat(1000)}\n`));
    expect(gate.message).toContain(`unknown gate '${'B'.repeat(40)}…'`);
    expect(gate.message.length).toBeLessThan(200);
  });

  it('allocates gate storage as gates arrive, not as the header claims', () => {
    const before = process.memoryUsage().arrayBuffers;
    const p = new BristolParser();
    p.push(new TextEncoder().encode('2000000000 10\n1 1\n1 1\n\n'));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
    expect(() => p.end()).toThrow(/declares 2000000000 gates but the file has 0/);
  });

  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-bristol-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  it('reports the file name of a file on disk', async () => {
    const path = join(dir, 'broken.txt');
    await writeFile(path, '1 3\n2 1 1\n1 1\n\n2 1 0 9 2 AND\n');
    await expect(readBristolFile(path)).rejects.toThrow(`${path}, line 5: wire 9 out of range`);
  });
});

describe('Bristol writer', () => {
  it('round-trips every shared circuit (same outputs on random inputs)', () => {
    const rnd = rng(testSeed());
    for (const [name, c] of Object.entries(circuits)) {
      const back = parseBristol(toBristol(c));
      expect(circuitStats(back).and, name).toBe(circuitStats(c).and);
      const args = c.inputs.map((g) => Array.from({ length: 40 }, () => randomBits(rnd, g.wires.length)));
      if (name === 'divide64') args[1] = args[1].map((v) => v || 1n);
      expect(evaluateBooleanBatch(back, args), name).toEqual(evaluateBooleanBatch(c, args));
    }
  });

  it('layering by AND depth keeps the function and groups ANDs by layer', () => {
    const c = circuits.aes_128;
    const { circuit, layerStarts, layerAnds } = layerByAndDepth(c);
    expect(
      evaluateBoolean(circuit, [0x000102030405060708090a0b0c0d0e0fn, 0x00112233445566778899aabbccddeeffn]),
    ).toEqual([0x69c4e0d86a7b0430d8cdb78070b4c55an]);
    const s = circuitStats(c);
    expect(Array.from(layerAnds.slice(1))).toEqual(s.layerWidths);
    for (let d = 1; d < layerStarts.length; d++) {
      for (let i = layerStarts[d]; i < layerStarts[d] + layerAnds[d]; i++) expect(circuit.op[i]).toBe(1);
    }
  });
});

function error(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('no error');
}
