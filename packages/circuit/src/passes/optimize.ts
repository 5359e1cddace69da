/** The standard pass pipeline: fold constants, merge common subexpressions, drop dead nodes. */
import type { Program } from '../ir/program.js';
import { foldConstants } from './constantFold.js';
import { eliminateCommonSubexpressions } from './cse.js';
import { removeDeadNodes } from './deadNodes.js';

export function optimize(p: Program): Program {
  return removeDeadNodes(eliminateCommonSubexpressions(foldConstants(p)));
}
