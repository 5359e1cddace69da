/**
 * No hash tweak repeats under one Δ (otContexts.ts): the garbler's AND-gate
 * hashes and its output-wire hashes, across the chunks of a streamed job and
 * across a later session that resumes the same OT context. The hashes are
 * recorded through the real functions (wrapped, not replaced).
 */
import { CircuitBuilder, uint } from '@parley/circuit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as realAes from '../src/fixedKeyAes.js';
import { OtContextStore, runGarbledLocally } from '../src/index.js';

/** Each tweak the garbler used, with the first block it hashed under it (hex). */
const used: Array<[number, string]> = [];

/** Records tweak base + (k >> shift) for each of `count` blocks of `words` (4 words per block). */
function record(words: Uint32Array, count: number, base: number, shift: number): void {
  for (let k = 0; k < count; k += 1 << shift) {
    used.push([base + (k >> shift), Buffer.from(words.slice(4 * k, 4 * k + 4).buffer).toString('hex')]);
  }
}

vi.mock('../src/fixedKeyAes.js', async (original) => {
  const m = await original<typeof realAes>();
  return {
    ...m,
    // The garbler's AND gates: 4 blocks per gate, two tweaks per gate (shift 1).
    tccrHashHalves: (...a: Parameters<typeof m.tccrHashHalves>) => {
      if (a[5] === 1) record(a[1], a[3], a[4], a[5]);
      return m.tccrHashHalves(...a);
    },
    // Output wires: (W0, W1) per wire under one tweak; the evaluator hashes its active labels under the
    // same tweaks by design (activeHashes), so only the garbler's calls (bothLabelHashes) are counted.
    tccrHash: (...a: Parameters<typeof m.tccrHash>) => {
      if (new Error().stack?.includes('bothLabelHashes')) record(a[1], a[2], a[3], a[4]);
      return m.tccrHash(...a);
    },
  };
});

afterEach(() => {
  used.length = 0;
});

describe('garbling tweaks', () => {
  it('never repeat under one Δ: across chunks, both parties’ outputs, and a resumed session', async () => {
    const b = new CircuitBuilder(['alice', 'bob']);
    const x = b.input('alice', 'x', uint(8), 12);
    const y = b.input('bob', 'y', uint(8), 12);
    b.output('product', x.mul(y), ['alice', 'bob']);
    b.output('sum', x.add(y), ['alice']);
    b.output('xor', x.xor(y), ['bob']);
    const program = b.build();
    const inputs = {
      alice: { x: Array.from({ length: 12 }, (_, i) => BigInt(3 * i + 1)) },
      bob: { y: Array.from({ length: 12 }, (_, i) => BigInt(250 - 7 * i)) },
    };
    const stores = { alice: new OtContextStore(), bob: new OtContextStore() };
    const first = await runGarbledLocally(program, inputs, { chunkElements: 4, otContexts: stores });
    const second = await runGarbledLocally(program, inputs, { chunkElements: 4, otContexts: stores });
    expect([first.resumedOt, second.resumedOt]).toEqual([false, true]);
    for (const r of [first, second]) {
      expect([...r.outputs.alice.sum]).toEqual(inputs.alice.x.map((v, i) => (v + inputs.bob.y[i]) & 255n));
      expect([...r.outputs.bob.xor]).toEqual(inputs.alice.x.map((v, i) => v ^ inputs.bob.y[i]));
    }
    // Both sessions' chunks hashed AND gates and output wires; 'product' goes to both parties, so its
    // wires are hashed twice, the same query each time. Any other repeat of a tweak is a defect.
    expect(used.length).toBeGreaterThan(2 * 3 * 4 * 16);
    const seen = new Map<number, string>();
    for (const [tweak, input] of used) {
      const before = seen.get(tweak);
      expect(before === undefined || before === input, `tweak ${tweak} hashed two inputs`).toBe(true);
      seen.set(tweak, input);
    }
  });
});
