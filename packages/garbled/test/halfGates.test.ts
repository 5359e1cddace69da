/** The half-gates core on its own: garble, hand the evaluator its active input labels, evaluate, decode. */
import { randomFillSync } from 'node:crypto';
import { type BooleanCircuit, layerByAndDepth, readBristolFile } from '@parley/circuit';
import { hasCode } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import { FixedKeyAes, HalfGatesEvaluator, HalfGatesGarbler } from '../src/index.js';

const BRISTOL = `${process.env.PARLEY_SHARED_DATA ?? new URL('../../../../shared/data/', import.meta.url).pathname}/bristol`;

function bitsOf(v: bigint, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Number((v >> BigInt(i)) & 1n));
}

async function run(
  c: BooleanCircuit,
  inputs: bigint[],
  chunkGates?: number,
  /** Bytes appended to the last table chunk (a garbler that sends more than the circuit's gates). */
  extra = 0,
): Promise<{ outputs: bigint[]; tableBytes: number }> {
  const lc = layerByAndDepth(c);
  const delta = new Uint32Array(4);
  randomFillSync(delta);
  delta[0] |= 1;
  const g = new HalfGatesGarbler(lc, delta, new FixedKeyAes(), chunkGates);
  const e = new HalfGatesEvaluator(lc, new FixedKeyAes());
  c.inputs.forEach((group, gi) => {
    const bits = bitsOf(inputs[gi], group.wires.length);
    group.wires.forEach((w, i) => {
      const zero = new Uint32Array(4);
      randomFillSync(zero);
      g.labels.set(w, zero);
      e.labels.set(
        w,
        zero.map((z, k) => z ^ (bits[i] ? delta[k] : 0)),
      );
    });
  });
  const chunks: Uint8Array[] = [];
  await g.garble((t) => {
    chunks.push(t);
  });
  if (extra > 0) {
    const last = chunks.pop() ?? new Uint8Array(0);
    const longer = new Uint8Array(last.length + extra);
    longer.set(last);
    chunks.push(longer);
  }
  let next = 0;
  await e.evaluate(async () => chunks[next++]);
  const tableBytes = chunks.reduce((s, t) => s + t.byteLength, 0);
  const outputs = c.outputs.map((group) => {
    let v = 0n;
    for (let i = group.wires.length - 1; i >= 0; i--) {
      const active = e.labels.get(group.wires[i]);
      const zero = g.labels.get(group.wires[i]);
      const bit = (active[0] ^ zero[0]) & 1;
      // The active label must be the zero or the one label.
      const isZero = [0, 1, 2, 3].every((k) => active[k] === zero[k]);
      const isOne = [0, 1, 2, 3].every((k) => active[k] === (zero[k] ^ delta[k]) >>> 0);
      expect(isZero || isOne).toBe(true);
      expect(isOne).toBe(bit === 1);
      v = (v << 1n) | BigInt(bit);
    }
    return v;
  });
  return { outputs, tableBytes };
}

describe('half-gates garbling', () => {
  it('AES-128 gives the FIPS-197 ciphertext with 32 bytes per AND gate', async () => {
    const c = await readBristolFile(`${BRISTOL}/aes_128.txt`);
    const { outputs, tableBytes } = await run(c, [
      0x000102030405060708090a0b0c0d0e0fn,
      0x00112233445566778899aabbccddeeffn,
    ]);
    expect(outputs).toEqual([0x69c4e0d86a7b0430d8cdb78070b4c55an]);
    expect(tableBytes).toBe(6400 * 32);
  });

  it('mult64, adder64 and zero_equal, with table chunks smaller than a layer', async () => {
    const m = await readBristolFile(`${BRISTOL}/mult64.txt`);
    expect((await run(m, [0xfedcba9876543210n, 0x0123456789abcdefn], 7)).outputs).toEqual([
      0x2236d88fe5618cf0n,
    ]);
    const a = await readBristolFile(`${BRISTOL}/adder64.txt`);
    expect((await run(a, [(1n << 64n) - 1n, 2n], 1)).outputs).toEqual([1n]);
    const z = await readBristolFile(`${BRISTOL}/zero_equal.txt`);
    expect((await run(z, [0n])).outputs).toEqual([1n]);
    expect((await run(z, [1n << 63n])).outputs).toEqual([0n]);
  });

  it('refuses tables for more gates than the circuit has (a typed error, not bytes silently dropped)', async () => {
    const a = await readBristolFile(`${BRISTOL}/adder64.txt`);
    const e = await run(a, [1n, 2n], 7, 64).then(
      () => expect.fail('evaluated'),
      (err: unknown) => err,
    );
    expect(hasCode(e, 'PROTOCOL_VIOLATION')).toBe(true);
    expect((e as Error).message).toBe('the garbled tables hold 2 gates more than the circuit has');
  });
});
