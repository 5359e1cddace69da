/**
 * Element chunks of vector programs. A program is elementwise when element i
 * of every vector node depends only on element i of its operands (and on
 * length-1 values, broadcast): then it can run chunk by chunk — elements
 * [s, e) of every vector at a time — with memory bounded by the chunk size,
 * however long the vectors. This is how engines stream circuits of hundreds of
 * millions of gates.
 */
import { InvalidArgument } from '@parley/interface';
import { BINARY_OPS, type IrNode, type Program, UNARY_OPS } from './program.js';

const ELEMENTWISE: ReadonlySet<string> = new Set([
  ...BINARY_OPS,
  ...UNARY_OPS,
  'input',
  'const',
  'shl',
  'shr',
  'mux',
  'call',
]);

/** The common vector length of an elementwise program, or undefined when the program is not elementwise. */
export function elementwiseLength(p: Program): number | undefined {
  let n = 1;
  for (const node of p.nodes) {
    if (!ELEMENTWISE.has(node.op)) return undefined;
    if (node.length === 1) continue;
    if (n !== 1 && node.length !== n) return undefined;
    n = node.length;
  }
  // A length-1 node computed from vectors would need every element: not elementwise.
  for (const node of p.nodes) {
    if (node.length === 1 && 'args' in node && node.args.some((a) => p.nodes[a].length !== 1))
      return undefined;
  }
  return n;
}

/** Elements [start, end) of every vector node; length-1 nodes are kept whole. */
export function sliceProgram(p: Program, start: number, end: number): Program {
  const n = elementwiseLength(p);
  if (n === undefined)
    throw new InvalidArgument('only an elementwise program can be sliced into element chunks');
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start >= end) {
    throw new InvalidArgument(`chunk [${start}, ${end}) is out of range for vectors of length ${n}`);
  }
  const nodes: IrNode[] = p.nodes.map((node) => {
    if (node.length === 1 || n === 1) return { ...node };
    if (node.op === 'const') return { ...node, values: node.values.slice(start, end), length: end - start };
    return { ...node, length: end - start };
  });
  return { parties: [...p.parties], nodes, outputs: p.outputs.map((o) => ({ ...o })) };
}

/** Chunk boundaries covering [0, n) with at most `size` elements each. */
export function chunkRanges(n: number, size: number): Array<[number, number]> {
  if (!Number.isInteger(size) || size < 1) throw new InvalidArgument(`chunk size must be ≥ 1, got ${size}`);
  const out: Array<[number, number]> = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(n, s + size)]);
  return out;
}
