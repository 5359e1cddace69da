/**
 * Dense wire numbers for a Bristol circuit whose header declares more wires
 * than its inputs and gates set. Bristol Fashion puts the inputs on the first
 * wires and the outputs on the last; the gates' output wires are renumbered
 * in their order after the inputs, so both stay where the format puts them
 * and the wire count becomes the input wires plus the gates (what
 * checkBooleanCircuit and every engine expect). Works from the gates alone:
 * a header may declare 2^31 wires for a file of a few bytes.
 */
import { type BooleanCircuit, renumberGates, wireRange } from '../boolean/circuit.js';

/** `c` renumbered; its inputs are wires 0…inputWires−1 and its outputs its last wires. */
export function compactWires(c: BooleanCircuit, inputWires: number): BooleanCircuit {
  const sorted = c.out.slice().sort();
  const id = (w: number): number => {
    if (w < inputWires) return w;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < w) lo = mid + 1;
      else hi = mid;
    }
    return inputWires + lo;
  };
  const wireCount = inputWires + c.gateCount;
  let first = wireCount - c.outputs.reduce((s, g) => s + g.wires.length, 0);
  const outputs = c.outputs.map((g) => {
    const group = { name: g.name, wires: wireRange(first, g.wires.length) };
    first += g.wires.length;
    return group;
  });
  return { ...c, ...renumberGates(c, id), wireCount, outputs };
}
