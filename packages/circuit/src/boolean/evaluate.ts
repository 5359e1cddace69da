/**
 * Plaintext evaluation of boolean circuits, bit-sliced: each wire holds a
 * 32-bit word, one bit per instance, so one pass over the gates evaluates up
 * to 32 input sets. This is the reference every engine's boolean evaluation
 * is tested against.
 */
import { InvalidInput } from '@parley/interface';
import { type BooleanCircuit, GateOp } from './circuit.js';

/** Runs the gate list over word-valued wires (32 instances per word). `wires` is updated in place. */
export function evaluateWords(c: BooleanCircuit, wires: Int32Array): void {
  const { op, a, b, out, gateCount } = c;
  for (let i = 0; i < gateCount; i++) {
    switch (op[i]) {
      case GateOp.XOR:
        wires[out[i]] = wires[a[i]] ^ wires[b[i]];
        break;
      case GateOp.AND:
        wires[out[i]] = wires[a[i]] & wires[b[i]];
        break;
      case GateOp.INV:
        wires[out[i]] = ~wires[a[i]];
        break;
      case GateOp.CONST:
        wires[out[i]] = a[i] ? -1 : 0;
        break;
      default:
        wires[out[i]] = wires[a[i]];
    }
  }
}

/**
 * Evaluates `c` on many input sets. `inputs[g][k]` is the value of input group
 * g in instance k (bit i on wire i of the group). Returns `outputs[g][k]`.
 */
export function evaluateBooleanBatch(c: BooleanCircuit, inputs: bigint[][]): bigint[][] {
  if (inputs.length !== c.inputs.length) {
    throw new InvalidInput(`expected ${c.inputs.length} input groups, got ${inputs.length}`);
  }
  const instances = inputs.length > 0 ? inputs[0].length : 1;
  for (const [g, vals] of inputs.entries()) {
    if (vals.length !== instances)
      throw new InvalidInput(`input group ${c.inputs[g].name}: expected ${instances} values`);
  }
  const outputs = c.outputs.map(() => new Array<bigint>(instances).fill(0n));
  const wires = new Int32Array(c.wireCount);
  for (let base = 0; base < instances; base += 32) {
    const lanes = Math.min(32, instances - base);
    wires.fill(0);
    for (const [g, group] of c.inputs.entries()) {
      for (let lane = 0; lane < lanes; lane++) {
        let v = inputs[g][base + lane];
        if (v < 0n || v >> BigInt(group.wires.length) !== 0n) {
          throw new InvalidInput(`input ${group.name}: value does not fit in ${group.wires.length} bits`, {
            field: group.name,
          });
        }
        for (let i = 0; i < group.wires.length && v !== 0n; i++, v >>= 1n) {
          if (v & 1n) wires[group.wires[i]] |= 1 << lane;
        }
      }
    }
    evaluateWords(c, wires);
    for (const [g, group] of c.outputs.entries()) {
      for (let lane = 0; lane < lanes; lane++) {
        let v = 0n;
        for (let i = group.wires.length - 1; i >= 0; i--)
          v = (v << 1n) | BigInt((wires[group.wires[i]] >>> lane) & 1);
        outputs[g][base + lane] = v;
      }
    }
  }
  return outputs;
}

/** Evaluates `c` once: one value per input group in, one value per output group out. */
export function evaluateBoolean(c: BooleanCircuit, inputs: bigint[]): bigint[] {
  return evaluateBooleanBatch(
    c,
    inputs.map((v) => [v]),
  ).map((o) => o[0]);
}
