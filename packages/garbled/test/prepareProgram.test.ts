/** prepareProgram's cache (one lowering per content until clearPreparedPrograms) and its bound on a circuit's gates. */
import { CircuitBuilder, uint } from '@parley/circuit';
import { describe, expect, it } from 'vitest';
import { clearPreparedPrograms, garbledJob, MAX_CIRCUIT_GATES, prepareProgram } from '../src/index.js';

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

describe('a program lowered whole: the bound on its gates, its progress', () => {
  /** x·y summed over `rows` rows: not elementwise, so one circuit of about 800 gates per row. */
  function productSum(rows: number) {
    const b = new CircuitBuilder(['alice', 'bob']);
    const s = b
      .input('alice', 'x', uint(16), rows)
      .mul(b.input('bob', 'y', uint(16), rows))
      .sum();
    b.output('total', s, ['alice', 'bob']);
    return b.build();
  }

  it('refuses a program whose circuit would pass it with LimitExceeded, before the circuit is built', () => {
    expect(MAX_CIRCUIT_GATES).toBe(2 ** 26);
    const p = productSum(64);
    expect(() => prepareProgram(p, 10_000)).toThrow(
      expect.objectContaining({
        code: 'LIMIT_EXCEEDED',
        message: 'the boolean circuit needs more than 10000 gates',
      }),
    );
    expect(() =>
      garbledJob(p, 'alice', new Map([[0, new BigUint64Array(64)]]), { maxGates: 10_000 }),
    ).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
    // Under the bound it is lowered as before.
    expect(prepareProgram(p, 200_000).spec.circuit.gateCount).toBeGreaterThan(10_000);
  });

  it("reports a whole program's lowering, element by element, to the end; none for a cached one", () => {
    clearPreparedPrograms();
    const p = productSum(50);
    const seen: Array<[number, number]> = [];
    garbledJob(p, 'alice', new Map([[0, new BigUint64Array(50)]]), {
      onLoweringProgress: (done, total) => seen.push([done, total]),
    });
    // Two inputs and the product of 50 elements each, then the sum (one element).
    const total = 50 + 50 + 50 + 1;
    expect(seen.every(([, t]) => t === total)).toBe(true);
    expect(seen.at(-1)).toEqual([total, total]);
    const done = seen.map(([d]) => d);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    // The product reports each of its 50 elements.
    for (let i = 1; i <= 50; i++) expect(done).toContain(100 + i);
    const again: number[] = [];
    garbledJob(productSum(50), 'bob', new Map([[1, new BigUint64Array(50)]]), {
      onLoweringProgress: (d) => again.push(d),
    });
    expect(again).toEqual([]);
  });
});
