/**
 * The labels a caller of the half-gates garbler or evaluator sets and reads:
 * those of the circuit's input and output wires, 4 words each, addressed by
 * wire index. Every other wire's label lives only in the wire plan's slots
 * while a circuit runs (_wirePlan.ts), so a run needs no array over all N
 * wires: that array (16N bytes, 75 MB for AES-128 × 128, zero-filled for
 * every run and every chunk) counted as external memory and set off a full
 * collection per chunk on each side.
 *
 * The input wires come first, in the order of `circuit.inputs`' wires (a
 * wire in two input groups is an InvalidCircuit), then the output wires that
 * are not inputs, in the order of `circuit.outputs`'.
 */
import type { BooleanCircuit } from '@parley/circuit';
import { InvalidArgument, InvalidCircuit } from '@parley/interface';

interface Layout {
  /** Wire index → block position. */
  position: Map<number, number>;
  /** Word offset of each input group's first label. */
  inputStart: number[];
  /** Word offset of every output wire's label, in the order of `circuit.outputs`' wires. */
  outputOffsets: Int32Array;
  /** Index in outputOffsets of each output group's first wire (one more entry: the end). */
  outputStart: number[];
}

const layouts = new WeakMap<BooleanCircuit, Layout>();

function layoutOf(circuit: BooleanCircuit): Layout {
  let layout = layouts.get(circuit);
  if (layout) return layout;
  const position = new Map<number, number>();
  const inputStart: number[] = [];
  for (const group of circuit.inputs) {
    inputStart.push(4 * position.size);
    for (const w of group.wires) {
      if (position.has(w)) throw new InvalidCircuit(`wire ${w} is an input twice`, { field: 'inputs' });
      position.set(w, position.size);
    }
  }
  const outputStart = [0];
  for (const group of circuit.outputs) {
    outputStart.push(outputStart[outputStart.length - 1] + group.wires.length);
    for (const w of group.wires) if (!position.has(w)) position.set(w, position.size);
  }
  const outputOffsets = new Int32Array(outputStart[outputStart.length - 1]);
  let k = 0;
  for (const group of circuit.outputs) for (const w of group.wires) outputOffsets[k++] = 4 * position.get(w)!;
  layout = { position, inputStart, outputOffsets, outputStart };
  layouts.set(circuit, layout);
  return layout;
}

function checkGroups(groups: readonly number[], count: number, what: string): void {
  for (const g of groups) {
    if (!Number.isInteger(g) || g < 0 || g >= count) {
      throw new InvalidArgument(`${what} group ${g}: the circuit has ${count} ${what} groups`, {
        field: 'groups',
      });
    }
  }
}

export class WireLabels {
  /** The labels, 4 words per input or output wire (positions as in the header). */
  readonly words: Uint32Array;
  readonly #layout: Layout;

  constructor(readonly circuit: BooleanCircuit) {
    this.#layout = layoutOf(circuit);
    this.words = new Uint32Array(4 * this.#layout.position.size);
  }

  /** The word offset of `wire`'s label, or -1 when it is neither an input nor an output wire. */
  offsetOf(wire: number): number {
    const p = this.#layout.position.get(wire);
    return p === undefined ? -1 : 4 * p;
  }

  /** The label of `wire` (a view of 4 words). */
  get(wire: number): Uint32Array {
    const at = this.#offset(wire);
    return this.words.subarray(at, at + 4);
  }

  /** Sets the label of `wire` to `label` (4 words). */
  set(wire: number, label: ArrayLike<number>): void {
    if (label.length !== 4) {
      throw new InvalidArgument(`a label is 4 words, got ${label.length}`, { field: 'label' });
    }
    this.words.set(label, this.#offset(wire));
  }

  /** Sets the input wires' labels from `labels`, 4 words per wire in the order of `circuit.inputs`' wires. */
  setInputs(labels: Uint32Array): void {
    this.setInputGroups(
      this.circuit.inputs.map((_, g) => g),
      labels,
    );
  }

  /** Sets the labels of the input groups `groups` from `labels`: their wires' labels, group after group. */
  setInputGroups(groups: readonly number[], labels: Uint32Array): void {
    const { inputs } = this.circuit;
    checkGroups(groups, inputs.length, 'input');
    const wires = groups.reduce((n, g) => n + inputs[g].wires.length, 0);
    if (labels.length !== 4 * wires) {
      throw new InvalidArgument(`expected ${wires} input labels, got ${labels.length / 4}`, {
        field: 'labels',
      });
    }
    let from = 0;
    for (const g of groups) {
      const n = 4 * inputs[g].wires.length;
      this.words.set(labels.subarray(from, from + n), this.#layout.inputStart[g]);
      from += n;
    }
  }

  /** The output wires' labels, 4 words per wire in the order of `circuit.outputs`' wires. */
  outputs(): Uint32Array {
    return this.outputGroups(this.circuit.outputs.map((_, g) => g));
  }

  /** The labels of the output groups `groups`: their wires' labels, group after group. */
  outputGroups(groups: readonly number[]): Uint32Array {
    const { outputOffsets, outputStart } = this.#layout;
    checkGroups(groups, this.circuit.outputs.length, 'output');
    const wires = groups.reduce((n, g) => n + outputStart[g + 1] - outputStart[g], 0);
    const out = new Uint32Array(4 * wires);
    const L = this.words;
    let o = 0;
    for (const g of groups) {
      for (let k = outputStart[g]; k < outputStart[g + 1]; k++, o += 4) {
        const at = outputOffsets[k];
        out[o] = L[at];
        out[o + 1] = L[at + 1];
        out[o + 2] = L[at + 2];
        out[o + 3] = L[at + 3];
      }
    }
    return out;
  }

  #offset(wire: number): number {
    const at = this.offsetOf(wire);
    if (at < 0) {
      throw new InvalidArgument(`wire ${wire} is neither an input nor an output wire of the circuit`, {
        field: 'wire',
      });
    }
    return at;
  }
}
