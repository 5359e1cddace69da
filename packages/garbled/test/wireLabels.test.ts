import { GateList, GateOp, layerByAndDepth } from '@parley/circuit';
import { describe, expect, it } from 'vitest';
import { FixedKeyAes, HalfGatesEvaluator, HalfGatesGarbler, WireLabels } from '../src/index.js';

describe('WireLabels', () => {
  it('holds only the input and output wires, inputs first', async () => {
    // wires 0, 1 inputs; 2 = 0 AND 1; 3 = 2 XOR 0; outputs 3 and the input 1 passed through
    const list = new GateList();
    list.push(GateOp.AND, 0, 1, 2);
    list.push(GateOp.XOR, 2, 0, 3);
    const c = list.finish(
      4,
      [
        { name: 'a', wires: Uint32Array.of(0) },
        { name: 'b', wires: Uint32Array.of(1) },
      ],
      [{ name: 'z', wires: Uint32Array.of(3, 1) }],
    );
    const labels = new WireLabels(c);
    expect(labels.words.length).toBe(4 * 3);
    labels.setInputs(Uint32Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    expect([...labels.get(0)]).toEqual([1, 2, 3, 4]);
    expect([...labels.get(1)]).toEqual([5, 6, 7, 8]);
    expect(labels.offsetOf(2)).toBe(-1);
    expect(() => labels.get(2)).toThrow(/wire 2 is neither an input nor an output wire/);
    expect(() => labels.set(3, [1, 2, 3])).toThrow(/a label is 4 words/);
    expect(() => labels.setInputs(new Uint32Array(4))).toThrow(/expected 2 input labels, got 1/);
    expect(() => labels.setInputGroups([2], new Uint32Array(4))).toThrow(/input group 2: the circuit has 2/);
    expect(() => labels.outputGroups([1])).toThrow(/output group 1: the circuit has 1/);
    labels.setInputGroups([1], Uint32Array.of(9, 9, 9, 9));
    expect([...labels.outputGroups([0])]).toEqual([0, 0, 0, 0, 9, 9, 9, 9]);

    // The same circuit garbled and evaluated: outputs in circuit.outputs' order, the pass-through included.
    const lc = layerByAndDepth(c);
    const delta = Uint32Array.of(0x1235, 7, 9, 11);
    const g = new HalfGatesGarbler(lc, delta, new FixedKeyAes());
    g.setInputLabels(Uint32Array.of(10, 20, 30, 40, 50, 60, 70, 80));
    const tables: Uint8Array[] = [];
    await g.garble((t) => {
      tables.push(t.slice());
    });
    const zero = g.outputLabels();
    expect([...zero.subarray(4, 8)]).toEqual([50, 60, 70, 80]);
    const e = new HalfGatesEvaluator(lc, new FixedKeyAes());
    // a = 1, b = 1: a AND b = 1, (a AND b) XOR a = 0
    e.labels.set(0, [10 ^ 0x1235, 20 ^ 7, 30 ^ 9, 40 ^ 11]);
    e.labels.set(1, [50 ^ 0x1235, 60 ^ 7, 70 ^ 9, 80 ^ 11]);
    let next = 0;
    await e.evaluate(async () => tables[next++]);
    expect([...e.labels.get(3)]).toEqual([...zero.subarray(0, 4)]);
    expect([...e.labels.get(1)]).toEqual([50 ^ 0x1235, 60 ^ 7, 70 ^ 9, 80 ^ 11]);
  });

  it('refuses a circuit with a wire in two input groups', () => {
    const list = new GateList();
    list.push(GateOp.XOR, 0, 1, 2);
    const c = list.finish(
      3,
      [
        { name: 'a', wires: Uint32Array.of(0, 1) },
        { name: 'b', wires: Uint32Array.of(1) },
      ],
      [{ name: 'z', wires: Uint32Array.of(2) }],
    );
    expect(() => new WireLabels(c)).toThrow(/wire 1 is an input twice/);
  });
});
