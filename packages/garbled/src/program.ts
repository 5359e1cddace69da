/**
 * Running an IR program on the garbled engine: the program is lowered to a
 * boolean circuit (ripple gadgets: fewest AND gates), its first party garbles
 * and its second evaluates; inputs and outputs convert between IR columns and
 * the wire bits of their groups (element i, bit b at position i·k + b).
 */
import { type Column, encodeInputs, lowerToBoolean, newColumn, type Program, widthOf } from '@parley/circuit';
import { InvalidArgument } from '@parley/interface';
import type { TwoPartyCircuit } from './twoPartySession.js';

export interface PreparedProgram {
  program: Program;
  spec: TwoPartyCircuit;
  /** IR input node of each boolean input group. */
  inputNodes: number[];
}

export function prepareProgram(program: Program): PreparedProgram {
  if (program.parties.length !== 2) {
    throw new InvalidArgument(
      `the garbled engine runs two-party computations; this one has ${program.parties.length} parties`,
    );
  }
  const lowered = lowerToBoolean(program, { adder: 'ripple' });
  const inputOwners = lowered.inputNodes.map((id) => {
    const n = program.nodes[id];
    return n.op === 'input' ? n.party : '';
  });
  return {
    program,
    inputNodes: lowered.inputNodes,
    spec: {
      circuit: lowered.circuit,
      parties: [program.parties[0], program.parties[1]],
      inputOwners,
      outputRecipients: program.outputs.map((o) => [...o.recipients]),
      layers: lowered.layers,
    },
  };
}

export function columnToBits(col: Column, k: number): Uint8Array {
  const bits = new Uint8Array(col.length * k);
  for (let i = 0; i < col.length; i++) {
    let v = col[i];
    for (let b = 0; b < k && v !== 0n; b++, v >>= 1n) bits[i * k + b] = Number(v & 1n);
  }
  return bits;
}

export function bitsToColumn(bits: Uint8Array, k: number, length: number): Column {
  const col = newColumn(k, length);
  for (let i = 0; i < length; i++) {
    let v = 0n;
    for (let b = k - 1; b >= 0; b--) v = (v << 1n) | BigInt(bits[i * k + b]);
    col[i] = v;
  }
  return col;
}

/** This party's input bits per boolean input group, from its plain inputs by name. */
export function inputBits(
  prepared: PreparedProgram,
  party: string,
  inputs: Record<string, unknown>,
): Map<number, Uint8Array> {
  const { program, inputNodes } = prepared;
  const cols = encodeInputs(program, { [party]: inputs }, party);
  const out = new Map<number, Uint8Array>();
  inputNodes.forEach((id, g) => {
    const col = cols.get(id);
    if (col) out.set(g, columnToBits(col, widthOf(program.nodes[id].type)));
  });
  return out;
}

/** Output columns by name from the bits of the output groups this party received. */
export function outputColumns(
  prepared: PreparedProgram,
  bits: Map<number, Uint8Array>,
): Record<string, Column> {
  const out: Record<string, Column> = {};
  prepared.program.outputs.forEach((o, g) => {
    const b = bits.get(g);
    if (!b) return;
    const n = prepared.program.nodes[o.node];
    out[o.name] = bitsToColumn(b, widthOf(n.type), n.length);
  });
  return out;
}
