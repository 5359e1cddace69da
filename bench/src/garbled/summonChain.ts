/**
 * The summon circuit the garbled suite runs through mpc-framework's `Protocol`
 * on Parley's engine and on emp-wasm-engine: a chain of 32-bit multiply-adds,
 * its plaintext output, and one timed run of it on fresh engines.
 */
import type { SummonCircuit } from '@parley/circuit';
import { Protocol } from 'mpc-framework';
import type { Engine } from 'mpc-framework-common';

/** A summon program of `muls` chained 32-bit multiply-adds (about 1,490 AND gates each). */
export function summonSource(muls: number): string {
  return `export default (io: Summon.IO) => {
    const a = io.input('alice', 'a', summon.number());
    const b = io.input('bob', 'b', summon.number());
    let x = a;
    for (let i = 0; i < ${muls}; i++) { x = x * b + a; }
    io.outputPublic('x', x);
  };`;
}

/** x = a; x = x·b + a, `muls` times, mod 2^32: the summon chain's output for a = 3, b = 5. */
export function chainOutput(muls: number): number {
  let x = 3n;
  for (let i = 0; i < muls; i++) x = (x * 5n + 3n) % 2n ** 32n;
  return Number(x);
}

/**
 * One run of the summon chain through mpc-framework's Protocol on fresh
 * engines, all parties in this thread: its wall time, after checking that
 * every party got `expected` (as an unsigned 32-bit number: emp-wasm-engine
 * decodes a 32-bit output as a signed one, mpc-framework's plaintext engine
 * and Parley as unsigned).
 */
export async function viaProtocol(
  circuit: SummonCircuit,
  makeEngine: () => Engine,
  expected: number,
): Promise<number> {
  const names = circuit.mpcSettings.map((s) => s.name as string);
  const inputs: Record<string, Record<string, number>> = { alice: { a: 3 }, bob: { b: 5 } };
  const sessions: Record<string, ReturnType<Protocol['join']>> = {};
  const t0 = performance.now();
  for (const name of names) {
    sessions[name] = new Protocol(circuit, makeEngine()).join(name, inputs[name], (to, msg) => {
      queueMicrotask(() => sessions[to].handleMessage(name, msg));
    });
  }
  const outputs = await Promise.all(names.map((n) => sessions[n].output()));
  const ms = performance.now() - t0;
  for (const o of outputs) {
    const x = (o as { x?: unknown }).x;
    if (typeof x !== 'number' || x >>> 0 !== expected) {
      throw new Error(`the summon chain gave ${JSON.stringify(o)}, not x = ${expected}`);
    }
  }
  return ms;
}
