/**
 * Gate-level builder with local simplification: constants are propagated
 * (never become gates unless an output needs one), double negations cancel,
 * and structurally equal gates are shared (hash-consing). A bit is a wire
 * number, or one of the constants `ZERO` and `ONE`.
 */
import { LimitExceeded } from '@parley/interface';
import { type BooleanCircuit, GateList, GateOp, renumberGates, type WireGroup } from './circuit.js';
import { GateTable } from './gateTable.js';

/**
 * Drops gates whose outputs no output group depends on (gadgets may compute a
 * carry nobody reads), then numbers the wires densely in their old order (the
 * input-group wires and the kept gates' outputs), so that the wire count is
 * the input wires plus the gates, as checkBooleanCircuit requires.
 */
export function removeDeadGates(c: BooleanCircuit): BooleanCircuit {
  const used = new Uint8Array(c.wireCount);
  for (const g of c.outputs) for (const w of g.wires) used[w] = 1;
  const keep = new Uint8Array(c.gateCount);
  let kept = 0;
  for (let i = c.gateCount - 1; i >= 0; i--) {
    if (!used[c.out[i]]) continue;
    keep[i] = 1;
    kept++;
    const op = c.op[i];
    if (op === GateOp.CONST) continue;
    used[c.a[i]] = 1;
    if (op === GateOp.XOR || op === GateOp.AND) used[c.b[i]] = 1;
  }
  const inputWires = c.inputs.reduce((n, g) => n + g.wires.length, 0);
  if (kept === c.gateCount && c.wireCount === inputWires + kept) return c;
  used.fill(0);
  for (const g of c.inputs) for (const w of g.wires) used[w] = 1;
  for (let i = 0; i < c.gateCount; i++) if (keep[i]) used[c.out[i]] = 1;
  const id = new Uint32Array(c.wireCount);
  let wireCount = 0;
  for (let w = 0; w < c.wireCount; w++) if (used[w]) id[w] = wireCount++;
  const renumber = (g: WireGroup): WireGroup => ({ name: g.name, wires: g.wires.map((w) => id[w]) });
  return {
    wireCount,
    ...renumberGates(c, (w) => id[w], keep),
    inputs: c.inputs.map(renumber),
    outputs: c.outputs.map(renumber),
  };
}

export const ZERO = -1;
export const ONE = -2;
export type Bit = number;
/** Bits of a value, least significant first. */
export type Bits = Bit[];

/**
 * Most entries a hash-consing table keeps (a V8 Map, the NOT table, holds at
 * most 2^24): past it the table starts afresh, which only loses some sharing,
 * never correctness.
 */
const CACHE_LIMIT = 1 << 23;

export type AdderKind = 'ripple' | 'prefix';

export class BitBuilder {
  readonly gates = new GateList(1 << 12);
  readonly adder: AdderKind;
  private wireCount = 0;
  private readonly xorCache = new GateTable(CACHE_LIMIT);
  private readonly andCache = new GateTable(CACHE_LIMIT);
  private readonly notOf = new Map<number, number>();

  private readonly maxGates: number;

  /** `maxGates`: a gate past it throws LimitExceeded (the circuit is refused before it fills memory). */
  constructor(options: { adder?: AdderKind; maxGates?: number } = {}) {
    this.adder = options.adder ?? 'ripple';
    this.maxGates = options.maxGates ?? Number.POSITIVE_INFINITY;
  }

  /** Allocates `width` fresh input wires. */
  input(width: number): Bits {
    const w: Bits = [];
    for (let i = 0; i < width; i++) w.push(this.wireCount++);
    return w;
  }

  constant(v: boolean | number | bigint): Bit {
    return v === true || v === 1 || v === 1n ? ONE : ZERO;
  }

  /** Bits of the constant `v` (two's complement, mod 2^width). */
  constantBits(v: bigint, width: number): Bits {
    const out: Bits = [];
    for (let i = 0; i < width; i++) out.push((v >> BigInt(i)) & 1n ? ONE : ZERO);
    return out;
  }

  private gate(op: number, a: number, b: number): number {
    if (this.gates.count >= this.maxGates) {
      throw new LimitExceeded(`the boolean circuit needs more than ${this.maxGates} gates`, {
        limit: this.maxGates,
      });
    }
    const out = this.wireCount++;
    this.gates.push(op as 0 | 1 | 2, a, b, out);
    return out;
  }

  not(a: Bit): Bit {
    if (a === ZERO) return ONE;
    if (a === ONE) return ZERO;
    const known = this.notOf.get(a);
    if (known !== undefined) return known;
    const out = this.gate(GateOp.INV, a, 0);
    if (this.notOf.size >= CACHE_LIMIT) this.notOf.clear();
    this.notOf.set(a, out);
    this.notOf.set(out, a);
    return out;
  }

  xor(a: Bit, b: Bit): Bit {
    if (a === ZERO) return b;
    if (b === ZERO) return a;
    if (a === ONE) return this.not(b);
    if (b === ONE) return this.not(a);
    if (a === b) return ZERO;
    if (this.notOf.get(a) === b) return ONE;
    return this.hashed(this.xorCache, GateOp.XOR, a, b);
  }

  and(a: Bit, b: Bit): Bit {
    if (a === ZERO || b === ZERO) return ZERO;
    if (a === ONE) return b;
    if (b === ONE) return a;
    if (a === b) return a;
    if (this.notOf.get(a) === b) return ZERO;
    return this.hashed(this.andCache, GateOp.AND, a, b);
  }

  /** XOR with constant folding but without hash-consing: for copying circuits that are already lean. */
  xorDirect(a: Bit, b: Bit): Bit {
    if (a < 0 || b < 0 || a === b) return this.xor(a, b);
    return this.gate(GateOp.XOR, a, b);
  }

  /** AND with constant folding but without hash-consing. */
  andDirect(a: Bit, b: Bit): Bit {
    if (a < 0 || b < 0 || a === b) return this.and(a, b);
    return this.gate(GateOp.AND, a, b);
  }

  /** NOT without the double-negation table. */
  notDirect(a: Bit): Bit {
    if (a < 0) return this.not(a);
    return this.gate(GateOp.INV, a, 0);
  }

  or(a: Bit, b: Bit): Bit {
    return this.xor(this.xor(a, b), this.and(a, b));
  }

  /** `c ? x : y` for one bit: y ^ (c & (x ^ y)). */
  mux(c: Bit, x: Bit, y: Bit): Bit {
    return this.xor(y, this.and(c, this.xor(x, y)));
  }

  muxBits(c: Bit, x: Bits, y: Bits): Bits {
    return x.map((xi, i) => this.mux(c, xi, y[i]));
  }

  private hashed(cache: GateTable, op: number, a: number, b: number): number {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const slot = cache.slot(lo, hi);
    const hit = cache.outputAt(slot);
    if (hit >= 0) return hit;
    const out = this.gate(op, lo, hi);
    cache.insertAt(slot, lo, hi, out);
    return out;
  }

  /** AND of all bits, as a balanced tree (depth log n). */
  andAll(bits: Bits): Bit {
    if (bits.length === 0) return ONE;
    let layer = bits;
    while (layer.length > 1) {
      const next: Bits = [];
      for (let i = 0; i + 1 < layer.length; i += 2) next.push(this.and(layer[i], layer[i + 1]));
      if (layer.length % 2 === 1) next.push(layer[layer.length - 1]);
      layer = next;
    }
    return layer[0];
  }

  orAll(bits: Bits): Bit {
    return this.not(this.andAll(bits.map((b) => this.not(b))));
  }

  /**
   * Finishes the circuit. Input groups name wires made by `input`; output
   * groups may name any bits (constants get a constant gate).
   */
  finish(
    inputs: Array<{ name: string; bits: Bits }>,
    outputs: Array<{ name: string; bits: Bits }>,
  ): BooleanCircuit {
    let zero = -1;
    let one = -1;
    const real = (b: Bit): number => {
      if (b === ZERO) {
        if (zero < 0) zero = this.gate(GateOp.CONST, 0, 0);
        return zero;
      }
      if (b === ONE) {
        if (one < 0) one = this.gate(GateOp.CONST, 1, 0);
        return one;
      }
      return b;
    };
    const toGroup = (g: { name: string; bits: Bits }): WireGroup => ({
      name: g.name,
      wires: Uint32Array.from(g.bits.map(real)),
    });
    const outGroups = outputs.map(toGroup);
    const inGroups = inputs.map(toGroup);
    return removeDeadGates(this.gates.finish(this.wireCount, inGroups, outGroups));
  }
}
