/**
 * Nodes with no sharing-native form (integer division and remainder, powers,
 * bitwise operations, variable shifts, arithmetic right shifts, narrowing
 * casts, and anything on bits or on values wider than 64 bits) run as their
 * boolean lowering (lowerToBoolean with parallel-prefix adders, so AND depth
 * and rounds stay logarithmic per adder) on bit-sliced shares: exactly the
 * plaintext semantics, bit for bit.
 *
 * An element-wise node is lowered once for a single element and evaluated on
 * all elements at once (each wire a plane of n lanes); public scalar operands
 * are folded into the circuit as constants. Other nodes (reductions on bits
 * or wide values) are lowered for the whole vector and evaluated on one lane.
 */
import {
  argsOf,
  BINARY_OPS,
  type BooleanCircuit,
  type Column,
  type IrNode,
  lowerToBoolean,
  type Program,
  UNARY_OPS,
  widthOf,
} from '@parley/circuit';
import { copyLanes, sliceLanes } from './_lanes.js';
import { u32, wordsFor } from './_words.js';
import { evaluateCircuit } from './circuits.js';
import type { NodeContext, SlotValue } from './operands.js';
import type { Proto } from './protocol.js';
import { type Bits, broadcastBits, Plane } from './shares.js';

const ELEMENTWISE: ReadonlySet<string> = new Set([...BINARY_OPS, ...UNARY_OPS, 'shl', 'shr', 'mux']);

const circuits = new WeakMap<IrNode, BooleanCircuit>();

/** The boolean circuit of node n with its arguments as inputs (public scalars folded), per element or whole. */
function lowered(program: Program, n: IrNode, args: SlotValue[], perElement: boolean): BooleanCircuit {
  let c = circuits.get(n);
  if (c) return c;
  const nodes: IrNode[] = argsOf(n).map((a, k) => {
    const arg = program.nodes[a];
    const length = perElement ? 1 : arg.length;
    const v = args[k];
    if (isPublic(v))
      return {
        op: 'const',
        values: Array.from({ length }, (_, i) => v[i]),
        type: arg.type,
        length,
        visibility: 'public',
      };
    return { op: 'input', party: 'p', name: `a${k}`, type: arg.type, length, visibility: 'secret' };
  });
  const node = { ...n, args: nodes.map((_, k) => k), length: perElement ? 1 : n.length } as IrNode;
  nodes.push(node);
  const mini: Program = {
    parties: ['p'],
    nodes,
    outputs: [{ name: 'r', node: nodes.length - 1, recipients: ['p'] }],
  };
  c = lowerToBoolean(mini, { adder: 'prefix', layered: false }).circuit;
  circuits.set(n, c);
  return c;
}

const isPublic = (v: SlotValue): v is Column =>
  v instanceof BigUint64Array || (Array.isArray(v) && typeof v[0] === 'bigint');

export function* loweredNode(ctx: NodeContext, id: number, args: SlotValue[]): Proto<Bits> {
  const { B, program } = ctx;
  const n = program.nodes[id];
  const shared = args.filter((v) => !isPublic(v)) as Bits[];
  if (ELEMENTWISE.has(n.op)) {
    const circuit = lowered(program, n, args, true);
    const lengths = argsOf(n).flatMap((a, k) => (isPublic(args[k]) ? [] : [program.nodes[a].length]));
    const inputs = shared.map((bits, k) => broadcastBits(bits, lengths[k], n.length));
    const [out] = yield* evaluateCircuit(B, circuit, inputs, n.length);
    return out;
  }
  const circuit = lowered(program, n, args, false);
  const inputs = argsOf(n)
    .filter((_, k) => !isPublic(args[k]))
    .map((a, k) => toLanes(shared[k], program.nodes[a].length));
  const [out] = yield* evaluateCircuit(B, circuit, inputs, 1);
  return fromLanes(out, n.length, widthOf(n.type));
}

/** w planes of len lanes → len·w one-lane planes, element by element. */
function toLanes(bits: Bits, len: number): Bits {
  const out: Bits = [];
  for (let i = 0; i < len; i++)
    for (const p of bits)
      out.push(
        new Plane(
          1,
          p.parts.map((q) => sliceLanes(q, i, 1)),
          1,
        ),
      );
  return out;
}

/** The inverse of toLanes. */
function fromLanes(planes: Bits, len: number, w: number): Bits {
  const words = wordsFor(len);
  return Array.from({ length: w }, (_, b) => {
    const parts = planes[b].parts.map(() => new BigUint64Array(words));
    for (let i = 0; i < len; i++) {
      planes[i * w + b].parts.forEach((q, k) => {
        copyLanes(u32(parts[k]), i, u32(q), 0, 1);
      });
    }
    return new Plane(words, parts, len);
  });
}
