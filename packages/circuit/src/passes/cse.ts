/** Common-subexpression elimination: nodes with the same operation, type, operands and parameters are merged. */
import type { BooleanCircuit } from '../boolean/circuit.js';
import type { IrNode, Program } from '../ir/program.js';
import { typeToString } from '../ir/types.js';
import { identity, rebuild } from './rewrite.js';

export function eliminateCommonSubexpressions(p: Program): Program {
  const target = identity(p.nodes.length);
  const seen = new Map<string, number>();
  const circuitIds = new Map<BooleanCircuit, number>();
  const resolve = (i: number) => {
    let j = i;
    while (target[j] !== j) j = target[j];
    return j;
  };
  for (const [i, n] of p.nodes.entries()) {
    if (n.op === 'input') continue;
    const key = nodeKey(n, resolve, circuitIds);
    const prev = seen.get(key);
    if (prev === undefined) seen.set(key, i);
    else target[i] = prev;
  }
  return rebuild(p, target);
}

function nodeKey(n: IrNode, resolve: (i: number) => number, circuitIds: Map<BooleanCircuit, number>): string {
  const parts: string[] = [n.op, typeToString(n.type), String(n.length), n.visibility];
  if ('args' in n) parts.push(n.args.map(resolve).join(','));
  switch (n.op) {
    case 'const':
      parts.push(n.values.join(','));
      break;
    case 'shl':
    case 'shr':
      parts.push(String(n.amount));
      break;
    case 'slice':
      parts.push(String(n.start));
      break;
    case 'call': {
      let id = circuitIds.get(n.circuit);
      if (id === undefined) {
        id = circuitIds.size;
        circuitIds.set(n.circuit, id);
      }
      parts.push(`c${id}`, String(n.output));
      break;
    }
    default:
  }
  return parts.join('|');
}
