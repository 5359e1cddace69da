/** Shared helpers of the sharing tests: seeded random inputs with edge values, and runs checked against the plaintext evaluator. */
import {
  CircuitBuilder,
  type Column,
  encodeInputs,
  evaluateProgram,
  isSigned,
  type PlainInputs,
  type Program,
  type Value,
  type ValueType,
  widthOf,
} from '@parley/circuit';
import { SeededPrg } from '@parley/crypto';
import { expect } from 'vitest';
import { runSharingLocally, type SharingProtocolName } from '../src/index.js';

/** A seeded source of test values; every test prints its seed. */
export class TestRandom {
  private readonly prg: SeededPrg;
  constructor(readonly seed: number) {
    const key = new Uint8Array(16);
    new DataView(key.buffer).setUint32(0, seed);
    this.prg = new SeededPrg(key);
  }
  word(): bigint {
    return new DataView(this.prg.bytes(8).buffer).getBigUint64(0, true);
  }
  below(n: number): number {
    return Number(this.word() % BigInt(n));
  }
  /** A value of type t as a bit pattern: edge values (0, ±1, max, min) a third of the time. */
  value(t: ValueType): bigint {
    const w = widthOf(t);
    const mask = (1n << BigInt(w)) - 1n;
    const edges = isSigned(t)
      ? [0n, 1n, mask, (1n << BigInt(w - 1)) - 1n, 1n << BigInt(w - 1)]
      : [0n, 1n, mask, mask - 1n, 1n << BigInt(w - 1)];
    if (this.below(3) === 0) return edges[this.below(edges.length)] & mask;
    let v = 0n;
    for (let i = 0; i < w; i += 64) v = (v << 64n) | this.word();
    // Small magnitudes half the time, so products and sums stay in range sometimes.
    if (this.below(2) === 0) v &= (1n << BigInt(Math.max(1, Math.floor(w / 3)))) - 1n;
    return v & mask;
  }
  values(t: ValueType, n: number): bigint[] {
    return Array.from({ length: n }, () => this.value(t));
  }
}

export function seed(): number {
  const s = Number(process.env.PARLEY_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`seed ${s} (rerun with PARLEY_TEST_SEED=${s})`);
  return s;
}

export const list = (c: Column | undefined) =>
  c ? Array.from({ length: c.length }, (_, i) => c[i]) : undefined;

/** Inputs as bit patterns (bigint arrays); the plaintext encoder takes them as integers, so pass them raw. */
export function rawInputs(p: Program, values: Record<string, Record<string, bigint[]>>): PlainInputs {
  // encodeValue reads bigints as integers of the type: give signed types their signed reading.
  const out: PlainInputs = {};
  for (const [party, byName] of Object.entries(values)) {
    out[party] = {};
    for (const [name, vs] of Object.entries(byName)) {
      const node = p.nodes.find((n) => n.op === 'input' && n.party === party && n.name === name);
      const t = node?.type as ValueType;
      const signedVs = vs.map((v) => (isSigned(t) && t.kind !== 'fixed' ? BigInt.asIntN(widthOf(t), v) : v));
      out[party][name] =
        t.kind === 'fixed'
          ? signedVs.map((v) => Number(BigInt.asIntN(widthOf(t), v)) / 2 ** t.frac)
          : signedVs;
    }
  }
  return out;
}

/** Runs p under `protocol` and checks every party's outputs against the plaintext evaluator, bit for bit. */
export async function expectSameAsPlaintext(
  p: Program,
  inputs: PlainInputs,
  protocol: SharingProtocolName,
  only?: string[],
): Promise<void> {
  const want = evaluateProgram(p, encodeInputs(p, inputs));
  const r = await runSharingLocally(p, inputs, { protocol });
  for (const o of p.outputs) {
    if (only && !only.includes(o.name)) continue;
    for (const party of p.parties) {
      const got = r.outputs[party][o.name];
      if (!o.recipients.includes(party)) {
        expect(got, `${party} must not receive ${o.name}`).toBeUndefined();
        continue;
      }
      expect(list(got), `${o.name} at ${party}`).toEqual(list(want[o.name]));
    }
  }
}

export function builder(parties: number): { b: CircuitBuilder; names: string[] } {
  const names = Array.from({ length: parties }, (_, i) => `p${i}`);
  return { b: new CircuitBuilder(names), names };
}

export type { Value };
