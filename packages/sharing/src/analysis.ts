/**
 * Static planning of a program for the secret-sharing engine: for each node,
 * which domain it is computed in (arithmetic shares over Z_2^64, bit-sliced
 * boolean shares, or public), how (a sharing-native gadget, or the node's
 * boolean lowering), and what each argument must be converted to. Plus a
 * range analysis: where the ring representative of a value provably equals
 * its integer value (no wrap-around has happened), comparisons may use one
 * sign extraction instead of three.
 */
import {
  args0Type,
  argsOf,
  fracOf,
  type IrNode,
  isSigned,
  type Program,
  type ValueType,
  widthOf,
} from '@parley/circuit';

export type Domain = 'A' | 'B' | 'P';

export type NodeKind =
  | 'public'
  | 'input'
  | 'arith'
  | 'compare'
  | 'minmax'
  | 'mux'
  | 'fixed'
  | 'reduce'
  | 'castBit'
  | 'lanes'
  | 'call'
  | 'lowered';

export interface NodePlan {
  kind: NodeKind;
  /** Domain of the node's value. */
  out: Domain;
  /** Domain each argument is needed in (a public argument is passed as it is when `takesPublic`). */
  args: Domain[];
  takesPublic: boolean;
  /** When defined: the ring representative, read as a signed 64-bit number, is the value itself and lies in [lo, hi]. */
  range?: [bigint, bigint];
}

const MIN64 = -(1n << 63n);
const MAX64 = (1n << 63n) - 1n;

/** True for types held as ring elements (width ≤ 64, not a single bit). */
export function isArithmetic(t: ValueType): boolean {
  return t.kind !== 'bit' && widthOf(t) <= 64;
}

/** The integer range of a type, when its ring representative can equal its value (not uint(64)). */
export function typeRange(t: ValueType): [bigint, bigint] | undefined {
  const w = widthOf(t);
  if (t.kind === 'bit') return [0n, 1n];
  if (isSigned(t)) return [-(1n << BigInt(w - 1)), (1n << BigInt(w - 1)) - 1n];
  return w < 64 ? [0n, (1n << BigInt(w)) - 1n] : undefined;
}

function within(r: [bigint, bigint] | undefined, t: ValueType): [bigint, bigint] | undefined {
  const tr = typeRange(t);
  if (!r || !tr || r[0] < tr[0] || r[1] > tr[1]) return undefined;
  return r;
}

/**
 * The range of a constant: its values as the type reads them (wrapped to the
 * width, as the plaintext evaluator and ringColumn do); none for values of
 * uint(64) from 2^63 on, whose ring representative read as a signed number
 * is not the value.
 */
function constRange(values: readonly bigint[], t: ValueType): [bigint, bigint] | undefined {
  if (values.length === 0) return undefined;
  const w = widthOf(t);
  const read = values.map((v) => (isSigned(t) ? BigInt.asIntN(w, v) : BigInt.asUintN(w, v)));
  const r: [bigint, bigint] = [read.reduce(min), read.reduce(max)];
  return r[0] >= MIN64 && r[1] <= MAX64 ? r : undefined;
}

/** True when x − y cannot leave the signed 64-bit range. */
export function differenceFits(x?: [bigint, bigint], y?: [bigint, bigint]): boolean {
  return !!x && !!y && x[0] - y[1] >= MIN64 && x[1] - y[0] <= MAX64;
}

const LOWERED: NodePlan = { kind: 'lowered', out: 'B', args: [], takesPublic: true };

export function planProgram(p: Program): NodePlan[] {
  const plans: NodePlan[] = [];
  for (const n of p.nodes) plans.push(planNode(p.nodes, n, plans));
  return plans;
}

function planNode(nodes: IrNode[], n: IrNode, plans: NodePlan[]): NodePlan {
  const t = n.type;
  const w = widthOf(t);
  const args = argsOf(n);
  const argRange = (i: number) => (i < args.length ? plans[args[i]].range : undefined);
  const all = (d: Domain) => args.map(() => d);
  const arith = isArithmetic(t);
  if (n.op === 'const') {
    return {
      kind: 'public',
      out: 'P',
      args: [],
      takesPublic: true,
      range: constRange(n.values, t),
    };
  }
  if (n.visibility === 'public') return { kind: 'public', out: 'P', args: [], takesPublic: true };
  const lowered = (): NodePlan => ({ ...LOWERED, args: all('B'), range: typeRange(t) });
  const a = (kind: NodeKind, range?: [bigint, bigint]): NodePlan => ({
    kind,
    out: 'A',
    args: all('A'),
    takesPublic: true,
    range: within(range, t),
  });
  const r0 = argRange(0);
  const r1 = args.length > 1 ? argRange(1) : undefined;
  const opType = args0Type(nodes, n);
  switch (n.op) {
    case 'input':
      return { kind: 'input', out: arith ? 'A' : 'B', args: [], takesPublic: false, range: typeRange(t) };
    case 'add':
    case 'sub':
      if (!arith) return lowered();
      return a(
        'arith',
        r0 && r1 && (n.op === 'add' ? [r0[0] + r1[0], r0[1] + r1[1]] : [r0[0] - r1[1], r0[1] - r1[0]]),
      );
    case 'neg':
      return arith ? a('arith', r0 && [-r0[1], -r0[0]]) : lowered();
    case 'mul':
      if (!arith) return lowered();
      return a(t.kind === 'fixed' ? 'fixed' : 'arith', r0 && r1 && productRange(r0, r1, fracOf(t)));
    case 'shl':
      if (!arith) return lowered();
      // Past the width every bit is shifted out: 0 (and no 2^amount bigint of up to 2^31 bits).
      if (n.amount >= w) return a('arith', [0n, 0n]);
      return a('arith', r0 && productRange(r0, [1n << BigInt(n.amount), 1n << BigInt(n.amount)], 0));
    // fixed(k, 0) division is integer division: its boolean lowering is exact, and Newton's
    // method has no fractional bits to work with there.
    case 'div':
      return t.kind === 'fixed' && fracOf(t) > 0 ? a('fixed') : lowered();
    case 'reciprocal':
      return fracOf(t) > 0 ? a('fixed') : lowered();
    case 'sigmoid':
      return a('fixed', [0n, 1n << BigInt(fracOf(t))]);
    case 'eq':
    case 'ne':
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge':
      if (!isArithmetic(opType)) return lowered();
      return { kind: 'compare', out: 'B', args: all('A'), takesPublic: true, range: [0n, 1n] };
    case 'min':
    case 'max':
      return arith ? a('minmax', r0 && r1 && [min(r0[0], r1[0]), max(r0[1], r1[1])]) : lowered();
    case 'cast': {
      if (!arith) return lowered();
      if (opType.kind === 'bit')
        return {
          kind: 'castBit',
          out: 'A',
          args: ['B'],
          takesPublic: false,
          range: within([0n, 1n << BigInt(fracOf(t))], t),
        };
      const shift = fracOf(t) - fracOf(opType);
      // Narrowing without a known range keeps the value mod 2^w only; fixed-point gadgets (sigmoid,
      // division) need it sign-extended, so such a cast to a fixed type is lowered.
      const narrowsToInteger = w <= widthOf(opType) && t.kind !== 'fixed';
      const free = isArithmetic(opType) && shift >= 0 && (narrowsToInteger || r0 !== undefined);
      if (!free) return lowered();
      return a('arith', r0 && productRange(r0, [1n << BigInt(shift), 1n << BigInt(shift)], 0));
    }
    case 'sum':
    case 'prefix_sum': {
      if (!arith) return lowered();
      const k = BigInt(nodes[args[0]].length);
      // A sum of k terms in [lo, hi] is in [k·lo, k·hi]; a running sum has 1 to k terms, so its
      // first element may be as small as lo (lo > 0) or as large as hi (hi < 0).
      const whole: [bigint, bigint] | undefined = r0 && [r0[0] * k, r0[1] * k];
      if (n.op === 'sum') return a('arith', whole);
      return a('arith', r0 && whole && [min(r0[0], whole[0]), max(r0[1], whole[1])]);
    }
    case 'dot': {
      if (!arith) return lowered();
      // As the evaluator (nodes.ts) and the plaintext do: the longer operand's length (the other broadcast).
      const k = BigInt(Math.max(nodes[args[0]].length, nodes[args[1]].length));
      const pr = r0 && r1 && productRange(r0, r1, 0);
      const sum = pr && ([pr[0] * k, pr[1] * k] as [bigint, bigint]);
      return a(t.kind === 'fixed' ? 'fixed' : 'arith', sum && productRange(sum, [1n, 1n], fracOf(t)));
    }
    case 'min_of':
    case 'max_of':
    case 'sort':
      return arith ? a('reduce', r0) : lowered();
    case 'mux':
      if (!arith) return lowered();
      return a('mux', r1 && argRange(2) && [min(r1[0], argRange(2)![0]), max(r1[1], argRange(2)![1])]);
    case 'slice':
    case 'concat': {
      const ranges = args.map((x) => plans[x].range);
      const union = ranges.every((r) => r)
        ? (ranges as Array<[bigint, bigint]>).reduce((u, r) => [min(u[0], r[0]), max(u[1], r[1])])
        : undefined;
      const native = args.every((x) => plans[x].out === 'B') || !arith ? 'B' : 'A';
      return { kind: 'lanes', out: native, args: all(native), takesPublic: false, range: union };
    }
    case 'call':
      return { kind: 'call', out: 'B', args: all('B'), takesPublic: false, range: typeRange(t) };
    default:
      return lowered();
  }
}

// Math.min and Math.max take no bigints.
function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Range of x·y >> f (floor, plus one for probabilistic truncation). */
function productRange(x: [bigint, bigint], y: [bigint, bigint], f: number): [bigint, bigint] {
  const ps = [x[0] * y[0], x[0] * y[1], x[1] * y[0], x[1] * y[1]];
  const lo = ps.reduce(min) >> BigInt(f);
  const hi = (ps.reduce(max) >> BigInt(f)) + (f > 0 ? 1n : 0n);
  return [lo, hi];
}
