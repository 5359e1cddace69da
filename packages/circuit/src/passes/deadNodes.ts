/** Dead-node removal: drops nodes no output depends on. Inputs always stay: they are the computation's interface. */
import { argsOf, type Program } from '../ir/program.js';
import { identity, rebuild } from './rewrite.js';

export function removeDeadNodes(p: Program): Program {
  const live = new Uint8Array(p.nodes.length);
  for (const o of p.outputs) live[o.node] = 1;
  for (let i = p.nodes.length - 1; i >= 0; i--) {
    const n = p.nodes[i];
    if (n.op === 'input') live[i] = 1;
    if (!live[i]) continue;
    for (const a of argsOf(n)) live[a] = 1;
  }
  return rebuild(p, identity(p.nodes.length), (i) => live[i] === 1);
}
