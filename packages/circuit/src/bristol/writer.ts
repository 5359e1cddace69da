/**
 * Writer for Bristol Fashion. Wires are renumbered to the format's layout:
 * inputs first (group by group), then gate outputs, with the output groups on
 * the last wires; an output that is an input, a constant or another output's
 * wire gets a copy gate (EQW).
 */
import { InvalidCircuit } from '@parley/interface';
import { type BooleanCircuit, GateOp } from '../boolean/circuit.js';

const NAMES = ['XOR', 'AND', 'INV', 'EQ', 'EQW'];

/** Writes `c` as Bristol Fashion text, one chunk per call of `write`. */
export function writeBristol(c: BooleanCircuit, write: (chunk: string) => void): void {
  const map = new Int32Array(c.wireCount).fill(-1);
  let next = 0;
  for (const g of c.inputs) for (const w of g.wires) map[w] = next++;
  const outWires: number[] = [];
  for (const g of c.outputs) for (const w of g.wires) outWires.push(w);
  // Which gate produces each wire, to give output wires their final numbers.
  const producer = new Int32Array(c.wireCount).fill(-1);
  for (let i = 0; i < c.gateCount; i++) producer[c.out[i]] = i;
  const totalOut = outWires.length;
  const finalOut = new Int32Array(c.gateCount).fill(-1);
  const copies: Array<[number, number]> = [];
  const claimed = new Set<number>();
  let gateCount = c.gateCount;
  let firstOut = 0; // assigned below once the number of gate-output wires is known
  const pending: Array<{ wire: number; index: number }> = [];
  for (const [index, w] of outWires.entries()) {
    const p = producer[w];
    if (p >= 0 && !claimed.has(w)) {
      claimed.add(w);
      finalOut[p] = index;
    } else {
      pending.push({ wire: w, index });
      gateCount++;
    }
  }
  const internal = c.gateCount - claimed.size;
  firstOut = next + internal;
  const wireCount = firstOut + totalOut;
  for (let i = 0; i < c.gateCount; i++) {
    map[c.out[i]] = finalOut[i] >= 0 ? firstOut + finalOut[i] : next++;
  }
  for (const { wire, index } of pending) copies.push([wire, firstOut + index]);

  write(`${gateCount} ${wireCount}\n`);
  write(`${c.inputs.length} ${c.inputs.map((g) => g.wires.length).join(' ')}\n`);
  write(`${c.outputs.length} ${c.outputs.map((g) => g.wires.length).join(' ')}\n\n`);
  const lines: string[] = [];
  const flush = () => {
    if (lines.length > 0) write(`${lines.join('\n')}\n`);
    lines.length = 0;
  };
  const m = (w: number) => {
    const v = map[w];
    if (v < 0) throw new InvalidCircuit(`wire ${w} is used but never set`);
    return v;
  };
  for (let i = 0; i < c.gateCount; i++) {
    const op = c.op[i];
    const o = map[c.out[i]];
    if (op === GateOp.XOR || op === GateOp.AND) lines.push(`2 1 ${m(c.a[i])} ${m(c.b[i])} ${o} ${NAMES[op]}`);
    else if (op === GateOp.CONST) lines.push(`1 1 ${c.a[i]} ${o} EQ`);
    else lines.push(`1 1 ${m(c.a[i])} ${o} ${NAMES[op]}`);
    if (lines.length >= 4096) flush();
  }
  for (const [from, to] of copies) lines.push(`1 1 ${m(from)} ${to} EQW`);
  flush();
}

/** Bristol Fashion text of `c`. */
export function toBristol(c: BooleanCircuit): string {
  const parts: string[] = [];
  writeBristol(c, (s) => parts.push(s));
  return parts.join('');
}
