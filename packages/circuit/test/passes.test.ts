import { describe, expect, it } from 'vitest';
import {
  CircuitBuilder,
  eliminateCommonSubexpressions,
  encodeInputs,
  evaluateProgram,
  foldConstants,
  int,
  optimize,
  removeDeadNodes,
} from '../src/index.js';

function sample() {
  const b = new CircuitBuilder(['alice', 'bob']);
  const x = b.input('alice', 'x', int(32), 3);
  const y = b.input('bob', 'y', int(32), 3);
  const k = b.constant(6, int(32)).mul(7).sub(2); // folds to 40
  const s1 = x.add(y);
  const s2 = x.add(y); // same as s1
  y.mul(y).sum(); // dead
  b.output('r', s1.mul(k).add(s2));
  b.output('t', x.lt(y).select(s1, s2));
  return b.build();
}

describe('IR passes', () => {
  const inputs = { alice: { x: [1, -5, 100] }, bob: { y: [2, 3, -7] } };
  const p = sample();
  const expected = evaluateProgram(p, encodeInputs(p, inputs));

  it('constant folding turns constant-only nodes into constants', () => {
    const q = foldConstants(p);
    const consts = q.nodes.filter((n) => n.op === 'const');
    expect(consts.some((n) => n.op === 'const' && n.values[0] === 40n)).toBe(true);
    expect(evaluateProgram(q, encodeInputs(q, inputs))).toEqual(expected);
  });

  it('CSE merges equal nodes; dead-node removal drops unused ones but keeps inputs', () => {
    const q = eliminateCommonSubexpressions(p);
    expect(q.nodes.filter((n) => n.op === 'add').length).toBe(
      p.nodes.filter((n) => n.op === 'add').length - 1,
    );
    const r = removeDeadNodes(q);
    expect(r.nodes.some((n) => n.op === 'sum')).toBe(false);
    expect(r.nodes.filter((n) => n.op === 'input').length).toBe(2);
    expect(evaluateProgram(r, encodeInputs(r, inputs))).toEqual(expected);
  });

  it('optimize shrinks the program and keeps its meaning', () => {
    const q = optimize(p);
    expect(q.nodes.length).toBeLessThan(p.nodes.length);
    expect(evaluateProgram(q, encodeInputs(q, inputs))).toEqual(expected);
    expect(q.outputs.map((o) => o.name)).toEqual(['r', 't']);
  });
});
