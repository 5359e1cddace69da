/** Programs as bytes: lossless round trips (same canonical id, same outputs), and untrusted bytes checked node by node. */
import { hasCode } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import {
  bit,
  CircuitBuilder,
  computationId,
  decodeProgram,
  encodeInputs,
  encodeProgram,
  evaluateProgram,
  fixed,
  int,
  type Program,
  readBristolFile,
  uint,
} from '../src/index.js';

const BRISTOL = `${process.env.PARLEY_SHARED_DATA ?? new URL('../../../../shared/data/', import.meta.url).pathname}/bristol`;
const id = (p: Program) => computationId(p, { name: 'x', protocol: 'auto' });

async function kitchenSink(): Promise<Program> {
  const aes = await readBristolFile(`${BRISTOL}/aes_128.txt`);
  const b = new CircuitBuilder(['alice', 'bob', 'carol']);
  const x = b.input('alice', 'x', int(32), 6);
  const y = b.input('bob', 'y', int(32), 6);
  const r = b.input('carol', 'r', fixed(32, 8), 6);
  const k = b.input('alice', 'k', uint(128));
  const t = b.input('bob', 't', uint(128));
  const c = b.constant([1, -2, 3, -4, 5, -6], int(32));
  const sum = x.add(y).mul(c).sub(3).shr(1);
  b.output('sum', sum.sum(), ['alice', 'bob']);
  b.output('cmp', x.lt(y).select(x, y).sort(), ['carol']);
  b.output('fx', r.mul(r).add(0.5).sigmoid().reciprocal().prefixSum(), ['carol']);
  b.output('mix', x.slice(1, 4).eq(y.slice(2, 5)).and(b.constant(true, bit)).not(), ['alice']);
  b.output('cat', b.concat(x, y).maxOf().cast(int(16)).neg(), ['bob']);
  b.output('aes', b.call(aes, [k, t])[0], ['alice', 'bob']);
  b.output('dot', x.dot(y), ['carol']);
  return b.build();
}

function inputs() {
  return {
    alice: { x: [5, -7, 1000, 0, -1, 123456], k: 0x000102030405060708090a0b0c0d0e0fn },
    bob: { y: [3, 9, -1000, 0, 1, 2], t: 0x00112233445566778899aabbccddeeffn },
    carol: { r: [0.5, -1.25, 2, 3.5, -0.75, 1] },
  };
}

describe('program codec', () => {
  it('round-trips every kind of node with the same id and the same outputs', async () => {
    const p = await kitchenSink();
    const q = decodeProgram(encodeProgram(p));
    expect(id(q)).toBe(id(p));
    const want = evaluateProgram(p, encodeInputs(p, inputs()));
    const got = evaluateProgram(q, encodeInputs(q, inputs()));
    for (const name of Object.keys(want))
      expect(Array.from(got[name] as ArrayLike<bigint>)).toEqual(Array.from(want[name] as ArrayLike<bigint>));
    expect(Array.from(got.aes as ArrayLike<bigint>)).toEqual([0x69c4e0d86a7b0430d8cdb78070b4c55an]);
  });

  interface Doc {
    format: string;
    nodes: Array<Record<string, unknown>>;
    circuits: Array<Record<string, string>>;
    outputs: Array<{ node: number }>;
  }
  const tamper = async (edit: (doc: Doc) => void) => {
    const doc = JSON.parse(new TextDecoder().decode(encodeProgram(await kitchenSink()))) as Doc;
    edit(doc);
    try {
      decodeProgram(new TextEncoder().encode(JSON.stringify(doc)));
    } catch (e) {
      return e as Error & { code: string };
    }
    throw new Error('accepted a tampered program');
  };

  it('refuses tampered programs with the node or circuit named', async () => {
    expect((await tamper((d) => (d.nodes[7].op = 'launch'))).message).toContain(
      "nodes[7].op: unknown operation 'launch'",
    );
    expect((await tamper((d) => (d.nodes[7].args = [7, 0]))).message).toContain(
      'nodes[7].args: refers to node 7',
    );
    const typed = await tamper((d) => (d.nodes[6].type = 'int(16)'));
    expect(hasCode(typed, 'INVALID_CIRCUIT') || hasCode(typed, 'TYPE_MISMATCH')).toBe(true);
    expect((await tamper((d) => (d.nodes[6].visibility = 'public'))).message).toContain('nodes[6]');
    const gate = await tamper((d) => {
      const a = Buffer.from(d.circuits[0].a, 'base64');
      a.writeUInt32LE(999_999, 0);
      d.circuits[0].a = a.toString('base64');
    });
    expect(gate.message).toMatch(/circuits\[0\]: gate 0: reads wire 999999/);
    expect((await tamper((d) => (d.circuits[0].op = '***'))).message).toContain(
      'circuits[0].op: must be base64',
    );
    expect((await tamper((d) => (d.format = 'v0'))).message).toContain("format: must be 'parley-program-v1'");
    expect((await tamper((d) => (d.outputs[0].node = 10_000))).message).toContain('outputs[0].node');
    expect(() => decodeProgram(new Uint8Array(10), { maxBytes: 5 })).toThrow(/exceed the limit/);
    expect(() => decodeProgram(Uint8Array.of(0xff, 0xfe))).toThrow(/not UTF-8 JSON/);
  });

  it('refuses small programs that ask for a hang, a deep recursion or 2 GiB, with typed errors at once', async () => {
    const decode = (doc: unknown) => {
      try {
        decodeProgram(new TextEncoder().encode(JSON.stringify(doc)));
      } catch (e) {
        return e as Error;
      }
      throw new Error('accepted');
    };
    const empty = { wireCount: 1, gateCount: 0, op: '', a: '', b: '', out: '', inputs: [], outputs: [] };
    const program = (circuit: object, nodes: object[]) => ({
      format: 'parley-program-v1',
      parties: ['a'],
      circuits: [circuit],
      nodes,
      outputs: [],
    });
    // A call of a circuit with no outputs gives no value: the decoder used to loop on it for ever. (This
    // circuit's one wire is set by nothing, so the wire check refuses it first; a call that gives no
    // value is refused too, in decodeProgram.)
    const noValue = decode(program(empty, [{ op: 'call', type: 'bit', length: 1, circuit: 0 }]));
    expect(hasCode(noValue, 'INVALID_CIRCUIT')).toBe(true);
    expect(noValue.message).toMatch(
      /circuits\[0\]: wireCount: is 1, more than its 0 input wires and 0 gates/,
    );
    // 20,000 levels of nesting in a node: refused before anything recurses over it.
    // (Written as text: JSON.stringify itself overflows the stack on such nesting; JSON.parse does not.)
    const doc = JSON.parse(new TextDecoder().decode(encodeProgram(await kitchenSink()))) as Doc;
    doc.nodes[0].visibility = 'DEEP';
    const text = JSON.stringify(doc).replace('"DEEP"', `${'['.repeat(20_000)}1${']'.repeat(20_000)}`);
    let nested: Error | undefined;
    try {
      decodeProgram(new TextEncoder().encode(text));
    } catch (e) {
      nested = e as Error;
    }
    expect(hasCode(nested, 'CIRCUIT_FORMAT'), String(nested)).toBe(true);
    expect(nested?.message).toMatch(/nodes\[0\]: nests deeper than 16 levels/);
    // 2^31 wires declared by a circuit with one input wire and no gates.
    const wires = btoa(String.fromCharCode(0, 0, 0, 0));
    const huge = decode(
      program(
        { ...empty, wireCount: 2 ** 31, inputs: [{ name: 'x', wires }], outputs: [{ name: 'y', wires }] },
        [],
      ),
    );
    expect(hasCode(huge, 'INVALID_CIRCUIT')).toBe(true);
    expect(huge.message).toMatch(/wireCount: is 2147483648, more than its 1 input wires and 0 gates can set/);
  });

  it('refuses long operand lists, over-long concats and reserved names with CircuitFormatError, never a RangeError', () => {
    const decode = (nodes: object[], parties = ['a']) => {
      const outputs = [{ name: 'r', node: nodes.length - 1, recipients: parties }];
      const doc = { format: 'parley-program-v1', parties, circuits: [], nodes, outputs };
      try {
        return decodeProgram(new TextEncoder().encode(JSON.stringify(doc)));
      } catch (e) {
        return e as Error;
      }
    };
    const input = (name: string, length = 1) => ({
      op: 'input',
      type: 'bit',
      length,
      visibility: 'secret',
      party: 'a',
      name,
    });
    const concat = (args: number[], length: number) => ({
      op: 'concat',
      type: 'bit',
      length,
      visibility: 'secret',
      args,
    });
    // A concat of 300,000 parts (a 600 KB proposal) used to overflow the stack: the parts go as an array.
    const many = decode([input('x'), concat(new Array(300_000).fill(0), 300_000)]);
    expect(many).not.toBeInstanceOf(Error);
    const tooMany = decode([input('x'), concat(new Array(2 ** 20 + 1).fill(0), 2 ** 20 + 1)]);
    expect(hasCode(tooMany, 'CIRCUIT_FORMAT'), String(tooMany)).toBe(true);
    expect((tooMany as Error).message).toMatch(/nodes\[1\]\.args: has 1048577 operands, more than 1048576/);
    // Two inputs of 2^30 elements do not make a node of 2^31.
    const long = decode([input('x', 2 ** 30), input('y', 2 ** 30), concat([0, 1], 2 ** 31)]);
    expect(hasCode(long, 'CIRCUIT_FORMAT'), String(long)).toBe(true);
    expect((long as Error).message).toMatch(/nodes\[2\]\.length: must be a whole number 0\.\.1073741824/);
    const party = decode([input('x')], ['__proto__']);
    expect(hasCode(party, 'CIRCUIT_FORMAT'), String(party)).toBe(true);
    expect((party as Error).message).toMatch(/parties\[0\]: '__proto__' is not allowed/);
    const name = decode([input('__proto__')]);
    expect(hasCode(name, 'CIRCUIT_FORMAT'), String(name)).toBe(true);
    expect((name as Error).message).toMatch(/nodes\[0\]\.name: '__proto__' is not allowed/);
  });
});
