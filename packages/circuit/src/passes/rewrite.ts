/** Shared machinery of the IR passes: rebuilding a program with nodes replaced or dropped. */
import type { IrNode, Program } from '../ir/program.js';

/**
 * Rebuilds `p` keeping the nodes for which `target[i] === i` (in order) and
 * redirecting every use of node i to node `target[i]` (which must be kept and
 * come earlier, or be i). Returns the new program with dense ids.
 */
export function rebuild(p: Program, target: Int32Array, keep: (i: number) => boolean = () => true): Program {
  const newId = new Int32Array(p.nodes.length).fill(-1);
  const nodes: IrNode[] = [];
  const resolve = (i: number): number => {
    let j = i;
    while (target[j] !== j) j = target[j];
    return j;
  };
  for (const [i, n] of p.nodes.entries()) {
    if (resolve(i) !== i || !keep(i)) continue;
    newId[i] = nodes.length;
    nodes.push('args' in n ? ({ ...n, args: n.args.map((a) => newId[resolve(a)]) } as IrNode) : { ...n });
  }
  return {
    parties: [...p.parties],
    nodes,
    outputs: p.outputs.map((o) => ({ ...o, node: newId[resolve(o.node)] })),
  };
}

export function identity(n: number): Int32Array {
  const t = new Int32Array(n);
  for (let i = 0; i < n; i++) t[i] = i;
  return t;
}
