/** prepareProgram's cache: programs with the same content share one lowering until clearPreparedPrograms. */
import { CircuitBuilder, uint } from '@parley/circuit';
import { describe, expect, it } from 'vitest';
import { clearPreparedPrograms, prepareProgram } from '../src/index.js';

function program() {
  const b = new CircuitBuilder(['alice', 'bob']);
  const x = b.input('alice', 'x', uint(16));
  const y = b.input('bob', 'y', uint(16));
  b.output('sum', x.add(y), ['alice', 'bob']);
  return b.build();
}

describe('prepareProgram', () => {
  it('lowers a program once for every copy with the same content', () => {
    const first = prepareProgram(program());
    const copy = program();
    const again = prepareProgram(copy);
    expect(again.spec.circuit).toBe(first.spec.circuit);
    // The caller's own program object comes back, with the shared lowering.
    expect(again.program).toBe(copy);
  });

  it('lowers it again after clearPreparedPrograms, to the same circuit', () => {
    const before = prepareProgram(program());
    clearPreparedPrograms();
    const after = prepareProgram(program());
    expect(after.spec.circuit).not.toBe(before.spec.circuit);
    expect(after.spec.circuit.gateCount).toBe(before.spec.circuit.gateCount);
    expect(after.inputNodes).toEqual(before.inputNodes);
    // And the new lowering is cached in turn.
    expect(prepareProgram(program()).spec.circuit).toBe(after.spec.circuit);
  });
});
