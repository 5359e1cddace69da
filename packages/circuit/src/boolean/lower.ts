/**
 * Lowering of the IR to a boolean circuit (AND/XOR/INV), bit for bit equal to
 * the plaintext evaluator (ir/semantics.ts). Vector nodes become one copy of
 * the gadget per element; the adder kind selects the size-lean ripple
 * (garbled circuits, where only AND count matters) or the depth-lean parallel
 * prefix (secret sharing, where AND depth is the number of rounds). The
 * result's gates are layered by AND depth.
 */
import { InvalidCircuit } from '@parley/interface';
import { args0Type } from '../ir/evaluate.js';
import type { IrNode, Program } from '../ir/program.js';
import { sigmoidConstants } from '../ir/semantics.js';
import { fracOf, isSigned, type ValueType, widthOf } from '../ir/types.js';
import { type Column, newColumn } from '../ir/values.js';
import * as A from './arithmetic.js';
import { type AdderKind, type Bit, BitBuilder, type Bits, ONE, ZERO } from './bitBuilder.js';
import { type BooleanCircuit, GateOp } from './circuit.js';
import { evaluateBoolean } from './evaluate.js';
import { layerByAndDepth } from './stats.js';

/** Inlined boolean sub-circuits, shared by the call nodes reading different outputs of one call. */
type CallCache = Map<BooleanCircuit, Map<string, Bits[][]>>;

export interface LowerOptions {
  adder?: AdderKind;
  /** Reorder gates by AND depth (default true). */
  layered?: boolean;
  /** Most gates the circuit may have: past it lowering stops with LimitExceeded (default: no bound). */
  maxGates?: number;
  /**
   * Progress, in vector elements lowered of all the program's nodes (an
   * elementwise node reports each element, any other node once it is done):
   * lowering a large program takes seconds to a minute.
   */
  onProgress?: LoweringProgress;
}

/** Elements of a program's nodes lowered so far, of `total`. */
export type LoweringProgress = (done: number, total: number) => void;

export interface LoweredCircuit {
  circuit: BooleanCircuit;
  /** When layered: the first gate of each AND-depth layer and its number of AND gates (see layerByAndDepth). */
  layers?: { layerStarts: Uint32Array; layerAnds: Uint32Array };
  /** For each boolean input group (in order): the IR input node it carries. */
  inputNodes: number[];
}

/**
 * Lowers `p`. Input groups are named `party.name` in node order; output groups
 * are named after the outputs. Each group holds its vector's elements one after
 * another, each least significant bit first.
 */
export function lowerToBoolean(p: Program, options: LowerOptions = {}): LoweredCircuit {
  const bb = new BitBuilder({ adder: options.adder ?? 'ripple', maxGates: options.maxGates });
  const values: Bits[][] = [];
  const inputs: Array<{ name: string; bits: Bits }> = [];
  const inputNodes: number[] = [];
  const calls: CallCache = new Map();
  const total = p.nodes.reduce((sum, n) => sum + n.length, 0);
  let done = 0;
  const onProgress = options.onProgress;
  const element = onProgress ? () => onProgress(++done, total) : undefined;
  for (const [id, n] of p.nodes.entries()) {
    const before = done;
    if (n.op === 'input') {
      const k = widthOf(n.type);
      const all = bb.input(k * n.length);
      inputs.push({ name: `${n.party}.${n.name}`, bits: all });
      inputNodes.push(id);
      values.push(Array.from({ length: n.length }, (_, i) => all.slice(i * k, (i + 1) * k)));
    } else {
      values.push(lowerNode(bb, p.nodes, n, values, calls, element));
    }
    done = before + n.length;
    onProgress?.(done, total);
  }
  const outputs = p.outputs.map((o) => ({ name: o.name, bits: values[o.node].flat() }));
  const circuit = bb.finish(inputs, outputs);
  if (options.layered === false) return { circuit, inputNodes };
  const { circuit: layered, layerStarts, layerAnds } = layerByAndDepth(circuit);
  return { circuit: layered, inputNodes, layers: { layerStarts, layerAnds } };
}

function lowerNode(
  bb: BitBuilder,
  nodes: IrNode[],
  n: IrNode,
  values: Bits[][],
  calls: CallCache,
  /** Called after each element of an elementwise node. */
  element?: () => void,
): Bits[] {
  const t = n.type;
  const k = widthOf(t);
  const len = n.length;
  const arg = (i: number) => values[(n as { args: number[] }).args[i]];
  const at = (v: Bits[], i: number) => (v.length === 1 ? v[0] : v[i]);
  /** One result per element, each reported once it is lowered. */
  const perElement = (f: (i: number) => Bits) =>
    Array.from({ length: len }, (_, i) => {
      const r = f(i);
      element?.();
      return r;
    });
  const map1 = (f: (x: Bits) => Bits) => perElement((i) => f(at(arg(0), i)));
  const map2 = (f: (x: Bits, y: Bits) => Bits) => perElement((i) => f(at(arg(0), i), at(arg(1), i)));
  const opType = args0Type(nodes, n);
  const signed = isSigned(opType);
  const lt = (x: Bits, y: Bits): Bit => (signed ? A.ltSigned(bb, x, y) : A.ltUnsigned(bb, x, y));
  switch (n.op) {
    case 'const':
      return n.values.map((v) => bb.constantBits(v, k));
    case 'add':
      return map2((x, y) => A.add(bb, x, y));
    case 'sub':
      return map2((x, y) => A.sub(bb, x, y));
    case 'mul':
      return map2((x, y) => (t.kind === 'fixed' ? fixedMul(bb, x, y, t.frac) : A.multiply(bb, x, y)));
    case 'div':
      return map2((x, y) => divide(bb, x, y, t));
    case 'rem':
      return map2((x, y) => remainder(bb, x, y, t));
    case 'pow':
      return map2((x, y) => power(bb, x, y));
    case 'and':
      return map2((x, y) => x.map((b, i) => bb.and(b, y[i])));
    case 'or':
      return map2((x, y) => x.map((b, i) => bb.or(b, y[i])));
    case 'xor':
      return map2((x, y) => x.map((b, i) => bb.xor(b, y[i])));
    case 'eq':
      return map2((x, y) => [A.equal(bb, x, y)]);
    case 'ne':
      return map2((x, y) => [bb.not(A.equal(bb, x, y))]);
    case 'lt':
      return map2((x, y) => [lt(x, y)]);
    case 'le':
      return map2((x, y) => [bb.not(lt(y, x))]);
    case 'gt':
      return map2((x, y) => [lt(y, x)]);
    case 'ge':
      return map2((x, y) => [bb.not(lt(x, y))]);
    case 'min':
      return map2((x, y) => bb.muxBits(lt(y, x), y, x));
    case 'max':
      return map2((x, y) => bb.muxBits(lt(x, y), y, x));
    case 'shlv':
      return map2((x, y) => A.shiftLeftVariable(bb, x, y));
    case 'shrv':
      return map2((x, y) => A.shiftRightVariable(bb, x, y, isSigned(t) ? x[k - 1] : ZERO));
    case 'neg':
      return map1((x) => A.neg(bb, x));
    case 'not':
      return map1((x) => x.map((b) => bb.not(b)));
    case 'reciprocal': {
      const one = bb.constantBits(1n << BigInt(fracOf(t)), k);
      return map1((x) => divide(bb, one, x, t));
    }
    case 'sigmoid':
      return map1((x) => sigmoid(bb, x, t));
    case 'cast':
      return map1((x) => castBits(x, opType, t));
    case 'shl':
      return map1((x) => x.map((_, i) => (i - n.amount >= 0 ? x[i - n.amount] : ZERO)));
    case 'shr': {
      const fill = (x: Bits) => (isSigned(t) ? x[k - 1] : ZERO);
      return map1((x) => x.map((_, i) => (i + n.amount < k ? x[i + n.amount] : fill(x))));
    }
    case 'sum':
      return [reduceTree(arg(0), (x, y) => A.add(bb, x, y))];
    case 'prefix_sum': {
      const out: Bits[] = [];
      for (const x of arg(0)) out.push(out.length === 0 ? x : A.add(bb, out[out.length - 1], x));
      return out;
    }
    case 'min_of':
      return [reduceTree(arg(0), (x, y) => bb.muxBits(lt(y, x), y, x))];
    case 'max_of':
      return [reduceTree(arg(0), (x, y) => bb.muxBits(lt(x, y), y, x))];
    case 'sort':
      return bitonicSort(bb, arg(0), t, lt);
    case 'dot':
      return [dot(bb, arg(0), arg(1), t)];
    case 'mux':
      return Array.from({ length: len }, (_, i) =>
        bb.muxBits(at(arg(0), i)[0], at(arg(1), i), at(arg(2), i)),
      );
    case 'slice':
      return arg(0).slice(n.start, n.start + len);
    case 'concat':
      return n.args.flatMap((a) => values[a]);
    case 'call': {
      let byArgs = calls.get(n.circuit);
      if (!byArgs) {
        byArgs = new Map();
        calls.set(n.circuit, byArgs);
      }
      const key = n.args.join(',');
      let results = byArgs.get(key);
      if (!results) {
        results = Array.from({ length: len }, (_, i) =>
          inlineCircuit(
            bb,
            n.circuit,
            n.args.map((a) => at(values[a], i)),
          ),
        );
        byArgs.set(key, results);
      }
      return results.map((outs) => outs[n.output]);
    }
    default:
      throw new InvalidCircuit(`cannot lower operation '${n.op}'`);
  }
}

function reduceTree(xs: Bits[], f: (x: Bits, y: Bits) => Bits): Bits {
  let layer = xs;
  while (layer.length > 1) {
    const next: Bits[] = [];
    for (let i = 0; i + 1 < layer.length; i += 2) next.push(f(layer[i], layer[i + 1]));
    if (layer.length % 2 === 1) next.push(layer[layer.length - 1]);
    layer = next;
  }
  return layer[0];
}

function signExtend(x: Bits, width: number): Bits {
  const out = x.slice(0, width);
  while (out.length < width) out.push(x[x.length - 1]);
  return out;
}

/** Bits [f, f+k) of the product of the sign-extended operands. */
function fixedMul(bb: BitBuilder, x: Bits, y: Bits, f: number): Bits {
  const k = x.length;
  return A.multiply(bb, signExtend(x, k + f), signExtend(y, k + f)).slice(f, f + k);
}

function dot(bb: BitBuilder, xs: Bits[], ys: Bits[], t: ValueType): Bits {
  const k = widthOf(t);
  const f = fracOf(t);
  const w = k + f;
  const products = xs.map((x, i) => A.multiply(bb, signExtend(x, w), signExtend(ys[i], w)));
  return reduceTree(products, (a, b) => A.add(bb, a, b)).slice(f, f + k);
}

function divide(bb: BitBuilder, x: Bits, y: Bits, t: ValueType): Bits {
  const k = x.length;
  if (!isSigned(t)) return A.divideUnsigned(bb, x, y).quotient;
  const f = fracOf(t);
  const s = bb.xor(x[k - 1], y[k - 1]);
  const na = [...new Array<Bit>(f).fill(ZERO), ...A.absolute(bb, x)];
  const nb = A.absolute(bb, y);
  const uq = A.divideUnsigned(bb, na, nb).quotient;
  return A.negateIf(bb, s, uq).slice(0, k);
}

function remainder(bb: BitBuilder, x: Bits, y: Bits, t: ValueType): Bits {
  if (!isSigned(t)) return A.divideUnsigned(bb, x, y).remainder;
  const k = x.length;
  const ur = A.divideUnsigned(bb, A.absolute(bb, x), A.absolute(bb, y)).remainder;
  return A.negateIf(bb, x[k - 1], ur);
}

function power(bb: BitBuilder, x: Bits, e: Bits): Bits {
  let result = bb.constantBits(1n, x.length);
  let base = x;
  for (let j = 0; j < e.length; j++) {
    result = bb.muxBits(e[j], A.multiply(bb, result, base), result);
    if (j + 1 < e.length) base = A.multiply(bb, base, base);
  }
  return result;
}

function castBits(x: Bits, from: ValueType, to: ValueType): Bits {
  const wf = widthOf(from);
  const shift = fracOf(to) - fracOf(from);
  const ext = (i: number): Bit => (i < 0 ? ZERO : i < wf ? x[i] : isSigned(from) ? x[wf - 1] : ZERO);
  return Array.from({ length: widthOf(to) }, (_, i) => ext(i - shift));
}

function sigmoid(bb: BitBuilder, x: Bits, t: ValueType): Bits {
  const k = x.length;
  const c = sigmoidConstants(t);
  const C = (v: bigint) => bb.constantBits(v, k);
  const ax = A.absolute(bb, x);
  const shr = (n: number) => ax.map((_, i) => (i + n < k ? ax[i + n] : ZERO));
  const ge = (v: bigint) => bb.not(A.ltUnsigned(bb, ax, C(v)));
  const seg3 = A.add(bb, shr(2), C(c.half));
  const seg2 = A.add(bb, shr(3), C(c.c625));
  const seg1 = A.add(bb, shr(5), C(c.c84375));
  let y = bb.muxBits(ge(c.one), seg2, seg3);
  y = bb.muxBits(ge(c.t2375), seg1, y);
  y = bb.muxBits(ge(c.five), C(c.one), y);
  return bb.muxBits(x[k - 1], A.sub(bb, C(c.one), y), y);
}

function bitonicSort(bb: BitBuilder, xs: Bits[], t: ValueType, lt: (x: Bits, y: Bits) => Bit): Bits[] {
  const n = xs.length;
  if (n <= 1) return xs;
  let size = 1;
  while (size < n) size <<= 1;
  const k = widthOf(t);
  const maxValue = isSigned(t) ? (1n << BigInt(k - 1)) - 1n : (1n << BigInt(k)) - 1n;
  const a = [...xs];
  while (a.length < size) a.push(bb.constantBits(maxValue, k));
  for (let block = 2; block <= size; block <<= 1) {
    for (let j = block >> 1; j > 0; j >>= 1) {
      for (let i = 0; i < size; i++) {
        const l = i ^ j;
        if (l <= i) continue;
        const ascending = (i & block) === 0;
        const [lo, hi] = ascending ? [i, l] : [l, i];
        // Keep the smaller at `lo`: swap when a[hi] < a[lo]; the larger is x ^ y ^ min.
        const swap = lt(a[hi], a[lo]);
        const min = bb.muxBits(swap, a[hi], a[lo]);
        const max = a[lo].map((b, m) => bb.xor(bb.xor(b, a[hi][m]), min[m]));
        a[lo] = min;
        a[hi] = max;
      }
    }
  }
  return a.slice(0, n);
}

/** Copies the gates of `c` into `bb` on the given input bits; returns the bits of each output group. */
export function inlineCircuit(bb: BitBuilder, c: BooleanCircuit, args: Bits[]): Bits[] {
  const wires = new Int32Array(c.wireCount);
  c.inputs.forEach((g, i) => {
    g.wires.forEach((w, j) => {
      wires[w] = args[i][j];
    });
  });
  for (let i = 0; i < c.gateCount; i++) {
    const a = wires[c.a[i]];
    const b = wires[c.b[i]];
    let v: Bit;
    switch (c.op[i]) {
      case GateOp.XOR:
        v = bb.xorDirect(a, b);
        break;
      case GateOp.AND:
        v = bb.andDirect(a, b);
        break;
      case GateOp.INV:
        v = bb.notDirect(a);
        break;
      case GateOp.CONST:
        v = c.a[i] ? ONE : ZERO;
        break;
      default:
        v = a;
    }
    wires[c.out[i]] = v;
  }
  return c.outputs.map((g) => Array.from(g.wires, (w) => wires[w]));
}

/** Packs a column of k-bit values into one integer: element i at bits [i·k, (i+1)·k). */
export function packColumn(col: Column, k: number): bigint {
  let v = 0n;
  for (let i = col.length - 1; i >= 0; i--) v = (v << BigInt(k)) | col[i];
  return v;
}

/** The inverse of packColumn. */
export function unpackColumn(v: bigint, k: number, length: number): Column {
  const col = newColumn(k, length);
  const mask = (1n << BigInt(k)) - 1n;
  for (let i = 0; i < length; i++) col[i] = (v >> BigInt(i * k)) & mask;
  return col;
}

/** Evaluates a lowered program on IR input columns (by input node id); returns output columns by name. */
export function evaluateLowered(
  p: Program,
  lowered: LoweredCircuit,
  inputs: Map<number, Column>,
): Record<string, Column> {
  const groups = lowered.inputNodes.map((id) => {
    const col = inputs.get(id);
    if (!col) throw new InvalidCircuit(`no value for input node ${id}`);
    return packColumn(col, widthOf(p.nodes[id].type));
  });
  const outs = evaluateBoolean(lowered.circuit, groups);
  return Object.fromEntries(
    p.outputs.map((o, i) => {
      const n = p.nodes[o.node];
      return [o.name, unpackColumn(outs[i], widthOf(n.type), n.length)];
    }),
  );
}
