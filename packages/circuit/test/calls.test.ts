/**
 * Call nodes: a declared output type must be exactly as wide as its output
 * group (in the builder and in a peer's proposal), and a call of which an
 * optimised program keeps only some outputs still travels through the codec.
 */
import { hasCode } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import {
  type BooleanCircuit,
  bit,
  CircuitBuilder,
  computationId,
  decodeProgram,
  encodeProgram,
  evaluateProgram,
  optimize,
  type Program,
  parseBristol,
  uint,
} from '../src/index.js';

/** A circuit copying its `width`-bit input to its output (EQW gates). */
function identity(width: number): BooleanCircuit {
  const gates = Array.from({ length: width }, (_, i) => `1 1 ${i} ${width + i} EQW`);
  return parseBristol(`${width} ${2 * width}\n1 ${width}\n1 ${width}\n\n${gates.join('\n')}\n`);
}

/** Two 8-bit inputs; output 0 is a AND b, output 1 is a XOR b. */
function andXor(): BooleanCircuit {
  const gates: string[] = [];
  for (let i = 0; i < 8; i++) gates.push(`2 1 ${i} ${8 + i} ${16 + i} AND`);
  for (let i = 0; i < 8; i++) gates.push(`2 1 ${i} ${8 + i} ${24 + i} XOR`);
  return parseBristol(`16 32\n2 8 8\n2 8 8\n\n${gates.join('\n')}\n`);
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return undefined;
}

function decodeEdited(p: Program, edit: (doc: { nodes: Array<Record<string, unknown>> }) => void): Error {
  const doc = JSON.parse(new TextDecoder().decode(encodeProgram(p)));
  edit(doc);
  try {
    decodeProgram(new TextEncoder().encode(JSON.stringify(doc)));
  } catch (e) {
    return e as Error;
  }
  throw new Error('the decoder accepted the edited program');
}

describe('call output types', () => {
  it('the builder refuses a type narrower or wider than the output group', () => {
    const b = new CircuitBuilder(['alice', 'bob']);
    const salary = b.input('bob', 'salary', uint(32));
    expect(codeOf(() => b.call(identity(32), [salary], [bit]))).toBe('TYPE_MISMATCH');
    expect(codeOf(() => b.call(identity(32), [salary], [uint(64)]))).toBe('TYPE_MISMATCH');
    expect(codeOf(() => b.call(identity(32), [salary], [uint(32), bit]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => b.callOutput(identity(32), [salary], 1))).toBe('INVALID_ARGUMENT');
    expect(b.call(identity(32), [salary], [uint(32)])[0].type).toEqual(uint(32));
  });

  it("the decoder refuses a peer's call declared narrower than its output group, naming the node", () => {
    // Bob's 32-bit salary through an identity circuit, declared a 1-bit answer for alice.
    const b = new CircuitBuilder(['alice', 'bob']);
    b.output('isHigh', b.call(identity(32), [b.input('bob', 'salary', uint(32))])[0], ['alice']);
    const err = decodeEdited(b.build(), (doc) => {
      doc.nodes[1].type = 'bit';
    });
    expect(hasCode(err, 'CIRCUIT_FORMAT'), String(err)).toBe(true);
    expect(err.message).toMatch(/nodes\[1\]\.type: bit is not 32 bits wide/);

    const c = new CircuitBuilder(['a']);
    c.output('r', c.call(identity(8), [c.input('a', 'x', uint(8), 2)])[0]);
    const narrow = decodeEdited(c.build(), (doc) => {
      doc.nodes[1].type = 'uint(4)';
    });
    expect(hasCode(narrow, 'CIRCUIT_FORMAT'), String(narrow)).toBe(true);
    expect(narrow.message).toMatch(/nodes\[1\]\.type: uint\(4\) is not 8 bits wide/);
  });
});

describe('optimised programs with partly-used calls', () => {
  for (const used of [0, 1]) {
    it(`round-trip through the codec when only output ${used} of two is used`, () => {
      const b = new CircuitBuilder(['a', 'b']);
      const outs = b.call(andXor(), [b.input('a', 'x', uint(8), 3), b.input('b', 'y', uint(8), 3)]);
      b.output('r', outs[used].add(1n));
      const q = optimize(b.build());
      expect(q.nodes.filter((n) => n.op === 'call')).toHaveLength(1);
      const decoded = decodeProgram(encodeProgram(q));
      const settings = { name: 'calls', protocol: 'auto' };
      expect(computationId(decoded, settings)).toBe(computationId(q, settings));
      const inputs = new Map([
        [0, BigUint64Array.of(0b1100n, 255n, 7n)],
        [1, BigUint64Array.of(0b1010n, 1n, 7n)],
      ]);
      const want = used === 0 ? [0b1000n + 1n, 2n, 8n] : [0b0110n + 1n, 255n, 1n];
      expect(Array.from(evaluateProgram(q, inputs).r)).toEqual(want);
      expect(Array.from(evaluateProgram(decoded, inputs).r)).toEqual(want);
    });
  }

  it('refuses a call node naming an output group the circuit does not have', () => {
    const b = new CircuitBuilder(['a', 'b']);
    const outs = b.call(andXor(), [b.input('a', 'x', uint(8)), b.input('b', 'y', uint(8))]);
    b.output('r', outs[1]);
    const err = decodeEdited(optimize(b.build()), (doc) => {
      doc.nodes[2].output = 2;
    });
    expect(hasCode(err, 'CIRCUIT_FORMAT'), String(err)).toBe(true);
    expect(err.message).toMatch(/nodes\[2\]\.output: the circuit has 2 output groups/);
  });
});
