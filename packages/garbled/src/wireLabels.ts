/**
 * The labels a caller of the half-gates garbler or evaluator sets and reads:
 * those of the circuit's input and output wires, 4 words each, addressed by
 * wire index. Every other wire's label lives only in the wire plan's slots
 * while a circuit runs (_wirePlan.ts), so a run needs no array over all N
 * wires: that array (16N bytes, 75 MB for AES-128 × 128, zero-filled for
 * every run and every chunk) counted as external memory and set off a full
 * collection per chunk on each side.
 *
 * The input wires come first, in the order of `circuit.inputs`' wires, then
 * the output wires that are not inputs, in the order of `circuit.outputs`'.
 */
import type { BooleanCircuit } from '@parley/circuit';
import { InvalidArgument } from '@parley/interface';

interface Layout {
  /** Wire index → block position. */
  position: Map<number, number>;
  /** Input wires (the first positions). */
  inputs: number;
  /** Whether no wire is in two input groups, so `circuit.inputs`' order is the positions' order. */
  distinctInputs: boolean;
}

const layouts = new WeakMap<BooleanCircuit, Layout>();

function layoutOf(circuit: BooleanCircuit): Layout {
  let layout = layouts.get(circuit);
  if (layout) return layout;
  const position = new Map<number, number>();
  let listed = 0;
  for (const group of circuit.inputs) {
    listed += group.wires.length;
    for (const w of group.wires) if (!position.has(w)) position.set(w, position.size);
  }
  const inputs = position.size;
  for (const group of circuit.outputs)
    for (const w of group.wires) if (!position.has(w)) position.set(w, position.size);
  layout = { position, inputs, distinctInputs: listed === inputs };
  layouts.set(circuit, layout);
  return layout;
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
    const wires = this.circuit.inputs.reduce((n, group) => n + group.wires.length, 0);
    if (labels.length !== 4 * wires) {
      throw new InvalidArgument(`expected ${wires} input labels, got ${labels.length / 4}`, {
        field: 'labels',
      });
    }
    if (this.#layout.distinctInputs) {
      this.words.set(labels);
      return;
    }
    let j = 0;
    for (const group of this.circuit.inputs)
      for (const w of group.wires) this.set(w, labels.subarray(4 * j, 4 * ++j));
  }

  /** The output wires' labels, 4 words per wire in the order of `circuit.outputs`' wires. */
  outputs(): Uint32Array {
    const wires = this.circuit.outputs.flatMap((group) => Array.from(group.wires));
    const out = new Uint32Array(4 * wires.length);
    wires.forEach((w, k) => {
      out.set(this.get(w), 4 * k);
    });
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
