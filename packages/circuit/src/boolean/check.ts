/**
 * Checks a boolean circuit from an untrusted source (a peer's job proposal):
 * array lengths agree with the gate count, every opcode is known, every wire
 * index is below the wire count (itself at most the input wires plus the
 * gates), input-group wires are distinct and written
 * by no gate, every gate reads only wires already set and writes a wire not
 * yet set, and every output wire is set. Throws InvalidCircuit naming the
 * gate or group.
 */
import { InvalidCircuit } from '@parley/interface';
import { type BooleanCircuit, GateOp, MAX_WIRES } from './circuit.js';

export function checkBooleanCircuit(c: BooleanCircuit, what = 'circuit'): void {
  const fail = (where: string, why: string): never => {
    throw new InvalidCircuit(`${what}: ${where}: ${why}`, { field: where });
  };
  const { wireCount: W, gateCount: G } = c;
  if (!Number.isInteger(W) || W < 1 || W > MAX_WIRES) fail('wireCount', 'must be a whole number 1..2^31');
  if (!Number.isInteger(G) || G < 0) fail('gateCount', 'must be a whole number');
  for (const k of ['op', 'a', 'b', 'out'] as const) {
    if (c[k].length !== G) fail(k, `has ${c[k].length} entries for ${G} gates`);
  }
  // Every wire is set by an input group or a gate: a larger count only asks for memory (a peer's
  // proposal of a few bytes could ask for 2 GiB here).
  const inputWires = c.inputs.reduce((n, g) => n + g.wires.length, 0);
  if (W > inputWires + G) {
    fail('wireCount', `is ${W}, more than its ${inputWires} input wires and ${G} gates can set`);
  }
  const set = new Uint8Array(W);
  for (const [kind, groups] of [
    ['input', c.inputs],
    ['output', c.outputs],
  ] as const) {
    groups.forEach((g, i) => {
      if (g.wires.length === 0) fail(`${kind} group ${i}`, 'has no wires');
      for (const w of g.wires) if (w >= W) fail(`${kind} group ${i}`, `wire ${w} is out of range`);
    });
  }
  for (const [i, g] of c.inputs.entries()) {
    for (const w of g.wires) {
      if (set[w]) fail(`input group ${i}`, `wire ${w} belongs to two inputs`);
      set[w] = 1;
    }
  }
  for (let i = 0; i < G; i++) {
    const op = c.op[i];
    const reads =
      op === GateOp.XOR || op === GateOp.AND
        ? 2
        : op === GateOp.INV || op === GateOp.COPY
          ? 1
          : op === GateOp.CONST
            ? 0
            : -1;
    if (reads < 0) fail(`gate ${i}`, `unknown opcode ${op}`);
    if (op === GateOp.CONST && c.a[i] > 1) fail(`gate ${i}`, 'a constant must be 0 or 1');
    if (reads >= 1 && (c.a[i] >= W || !set[c.a[i]]))
      fail(`gate ${i}`, `reads wire ${c.a[i]} before it is set`);
    if (reads === 2 && (c.b[i] >= W || !set[c.b[i]]))
      fail(`gate ${i}`, `reads wire ${c.b[i]} before it is set`);
    const out = c.out[i];
    if (out >= W) fail(`gate ${i}`, `writes wire ${out}, out of range`);
    if (set[out]) fail(`gate ${i}`, `writes wire ${out}, which is already set`);
    set[out] = 1;
  }
  for (const [i, g] of c.outputs.entries()) {
    for (const w of g.wires) if (!set[w]) fail(`output group ${i}`, `wire ${w} is never set`);
  }
}
