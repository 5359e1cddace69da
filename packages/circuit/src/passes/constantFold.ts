/** Constant folding: a node whose operands are all public constants becomes a constant. */
import { evaluateNodes } from '../ir/evaluate.js';
import { argsOf, type IrNode, type Program } from '../ir/program.js';

export function foldConstants(p: Program): Program {
  const nodes: IrNode[] = p.nodes.map((n) => ({ ...n }));
  for (const [i, n] of nodes.entries()) {
    const args = argsOf(n);
    if (n.op === 'input' || n.op === 'const' || args.length === 0) continue;
    if (!args.every((a) => nodes[a].op === 'const')) continue;
    // Evaluate the node alone on its constant operands.
    const mini: Program = {
      parties: p.parties,
      nodes: [...args.map((a) => nodes[a]), { ...n, args: args.map((_, j) => j) } as IrNode],
      outputs: [],
    };
    const col = evaluateNodes(mini, new Map()).at(-1);
    if (!col) continue;
    nodes[i] = {
      op: 'const',
      values: Array.from({ length: col.length }, (_, j) => col[j]),
      type: n.type,
      length: n.length,
      visibility: 'public',
    };
  }
  return { parties: [...p.parties], nodes, outputs: p.outputs.map((o) => ({ ...o })) };
}
