/**
 * Lowered circuits are valid boolean circuits by the package's own check
 * (wires numbered densely after dead gates are dropped), so a program that
 * embeds one in a call is accepted by a peer's decoder.
 */
import { describe, expect, it } from 'vitest';
import {
  CircuitBuilder,
  checkBooleanCircuit,
  computationId,
  decodeProgram,
  encodeProgram,
  evaluateProgram,
  int,
  lowerToBoolean,
  type Program,
  packColumn,
  uint,
  widthOf,
} from '../src/index.js';

function program(op: 'lt' | 'div' | 'sort'): Program {
  const length = op === 'sort' ? 5 : 1;
  const b = new CircuitBuilder(['a', 'b']);
  const x = b.input('a', 'x', int(16), length);
  const y = b.input('b', 'y', int(16), length);
  b.output('r', op === 'sort' ? x.sort() : b.binary(op, x, y));
  return b.build();
}

describe('lowered circuits', () => {
  for (const op of ['lt', 'div', 'sort'] as const) {
    it(`${op}: passes checkBooleanCircuit and travels inside a call`, () => {
      const lowered = lowerToBoolean(program(op)).circuit;
      checkBooleanCircuit(lowered, op);
      const inputWires = lowered.inputs.reduce((n, g) => n + g.wires.length, 0);
      expect(lowered.wireCount).toBe(inputWires + lowered.gateCount);

      const b = new CircuitBuilder(['a', 'b']);
      const [x, y] = lowered.inputs.map((g, i) => b.input(i === 0 ? 'a' : 'b', 'v', uint(g.wires.length)));
      b.output('r', b.call(lowered, [x, y])[0]);
      const p = b.build();
      const q = decodeProgram(encodeProgram(p));
      const settings = { name: op, protocol: 'auto' };
      expect(computationId(q, settings)).toBe(computationId(p, settings));

      // The call computes what the lowered program computes.
      const original = program(op);
      const n = original.nodes[0].length;
      const xs = BigUint64Array.from([-300n, 7n, 0n, 32767n, -32768n].slice(0, n), (v) =>
        BigInt.asUintN(16, v),
      );
      const ys = BigUint64Array.from([12n, -7n, 5n, 1n, 2n].slice(0, n), (v) => BigInt.asUintN(16, v));
      const want = evaluateProgram(
        original,
        new Map([
          [0, xs],
          [1, ys],
        ]),
      ).r;
      const got = evaluateProgram(
        q,
        new Map([
          [0, [packColumn(xs, 16)]],
          [1, [packColumn(ys, 16)]],
        ]),
      ).r;
      expect(got[0]).toBe(packColumn(want, widthOf(original.nodes[original.outputs[0].node].type)));
    });
  }
});
