/**
 * Boolean circuits (AND/XOR/INV with constant and copy gates), stored as
 * parallel typed arrays so circuits of tens of millions of gates stay compact.
 * Gates are in topological order. Each input and output is a named group of
 * wires; wire i of a group carries bit i (least significant first) of its
 * value, as in Bristol Fashion.
 */

/** The most wires a boolean circuit may have (its wire indices are 32-bit). */
export const MAX_WIRES = 2 ** 31;

export const GateOp = {
  XOR: 0,
  AND: 1,
  INV: 2,
  /** Constant: `a` holds the value (0 or 1); no input wire. */
  CONST: 3,
  /** Copy of wire `a` (Bristol's EQW). */
  COPY: 4,
} as const;
export type GateOpCode = (typeof GateOp)[keyof typeof GateOp];

export interface WireGroup {
  name: string;
  wires: Uint32Array;
}

export interface BooleanCircuit {
  wireCount: number;
  gateCount: number;
  op: Uint8Array;
  a: Uint32Array;
  b: Uint32Array;
  out: Uint32Array;
  inputs: WireGroup[];
  outputs: WireGroup[];
}

/** A growable list of gates; `finish` returns a BooleanCircuit with arrays trimmed to size. */
export class GateList {
  op: Uint8Array;
  a: Uint32Array;
  b: Uint32Array;
  out: Uint32Array;
  count = 0;

  constructor(capacity = 1024) {
    this.op = new Uint8Array(capacity);
    this.a = new Uint32Array(capacity);
    this.b = new Uint32Array(capacity);
    this.out = new Uint32Array(capacity);
  }

  push(op: GateOpCode, a: number, b: number, out: number): void {
    if (this.count === this.op.length) this.grow();
    const i = this.count++;
    this.op[i] = op;
    this.a[i] = a;
    this.b[i] = b;
    this.out[i] = out;
  }

  private grow(): void {
    const n = this.op.length * 2;
    const op = new Uint8Array(n);
    op.set(this.op);
    const a = new Uint32Array(n);
    a.set(this.a);
    const b = new Uint32Array(n);
    b.set(this.b);
    const out = new Uint32Array(n);
    out.set(this.out);
    this.op = op;
    this.a = a;
    this.b = b;
    this.out = out;
  }

  finish(wireCount: number, inputs: WireGroup[], outputs: WireGroup[]): BooleanCircuit {
    const n = this.count;
    return {
      wireCount,
      gateCount: n,
      op: this.op.slice(0, n),
      a: this.a.slice(0, n),
      b: this.b.slice(0, n),
      out: this.out.slice(0, n),
      inputs,
      outputs,
    };
  }
}

/** A group of `width` consecutive wires starting at `first`. */
export function wireRange(first: number, width: number): Uint32Array {
  const w = new Uint32Array(width);
  for (let i = 0; i < width; i++) w[i] = first + i;
  return w;
}

/**
 * The gates of `c` (only those whose `keep` byte is set, when given) with
 * every wire they read or write renumbered by `id`: a constant's `a` (its
 * value) and a one-input gate's `b` are not wires and stay as they are.
 */
export function renumberGates(
  c: BooleanCircuit,
  id: (wire: number) => number,
  keep?: Uint8Array,
): Pick<BooleanCircuit, 'gateCount' | 'op' | 'a' | 'b' | 'out'> {
  let gateCount = c.gateCount;
  if (keep) {
    gateCount = 0;
    for (let i = 0; i < c.gateCount; i++) gateCount += keep[i] ? 1 : 0;
  }
  const op = new Uint8Array(gateCount);
  const a = new Uint32Array(gateCount);
  const b = new Uint32Array(gateCount);
  const out = new Uint32Array(gateCount);
  for (let i = 0, j = 0; i < c.gateCount; i++) {
    if (keep && !keep[i]) continue;
    const o = c.op[i];
    op[j] = o;
    a[j] = o === GateOp.CONST ? c.a[i] : id(c.a[i]);
    b[j] = o === GateOp.XOR || o === GateOp.AND ? id(c.b[i]) : c.b[i];
    out[j++] = id(c.out[i]);
  }
  return { gateCount, op, a, b, out };
}
