/**
 * The circuit IR. A program is a list of nodes in topological order; each node
 * is one operation over whole vectors (`length` values), so a million-row sum
 * is one node. Inputs belong to a named party; outputs name their recipients.
 * Node ids are indices into `nodes`.
 */
import type { BooleanCircuit } from '../boolean/circuit.js';
import type { ValueType, Visibility } from './types.js';

/** Element-wise operations of two operands (either may have length 1 and is then broadcast). */
export const BINARY_OPS = [
  'add',
  'sub',
  'mul',
  'div',
  'rem',
  'pow',
  'and',
  'or',
  'xor',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'min',
  'max',
  'shlv',
  'shrv',
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

export const COMPARISON_OPS: ReadonlySet<string> = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

export const UNARY_OPS = ['neg', 'not', 'reciprocal', 'sigmoid', 'cast'] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

/** Reductions: the result has length 1 (`prefix_sum` and `sort` keep the length). */
export const REDUCE_OPS = ['sum', 'prefix_sum', 'min_of', 'max_of', 'sort'] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];

interface NodeCommon {
  type: ValueType;
  length: number;
  visibility: Visibility;
}

export type IrNode = NodeCommon &
  (
    | { op: 'input'; party: string; name: string }
    | { op: 'const'; values: bigint[] }
    | { op: BinaryOp; args: [number, number] }
    | { op: UnaryOp; args: [number] }
    | { op: 'shl' | 'shr'; args: [number]; amount: number }
    | { op: ReduceOp; args: [number] }
    | { op: 'dot'; args: [number, number] }
    | { op: 'mux'; args: [number, number, number] }
    | { op: 'slice'; args: [number]; start: number }
    | { op: 'concat'; args: number[] }
    | { op: 'call'; args: number[]; circuit: BooleanCircuit; output: number }
  );

export type IrOp = IrNode['op'];

export interface IrOutput {
  name: string;
  node: number;
  /** Parties that receive this output. */
  recipients: string[];
}

export interface Program {
  /** Parties in a fixed order (party 0 first). */
  parties: string[];
  nodes: IrNode[];
  outputs: IrOutput[];
}

/** The ids of the input nodes, in order. */
export function inputNodes(p: Program): Array<Extract<IrNode, { op: 'input' }> & { id: number }> {
  const out: Array<Extract<IrNode, { op: 'input' }> & { id: number }> = [];
  p.nodes.forEach((n, id) => {
    if (n.op === 'input') out.push({ ...n, id });
  });
  return out;
}

/** Arguments of a node (empty for inputs and constants). */
export function argsOf(n: IrNode): readonly number[] {
  return 'args' in n ? n.args : [];
}
