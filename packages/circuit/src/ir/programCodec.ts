/**
 * Programs as bytes, for job proposals between nodes and for the SDK's
 * submissions: JSON (`parley-program-v1`) with bit patterns in hex and
 * embedded boolean circuits' arrays in base64 (little-endian).
 *
 * Decoding treats the bytes as untrusted: the boolean circuits are checked
 * (checkBooleanCircuit) and every node is rebuilt through the typed builder,
 * which checks its operands, types and lengths; the rebuilt node must equal
 * the decoded one. A call node is rebuilt on its own, by its output index, so
 * a program may hold any of a call's outputs (optimize drops unused ones);
 * its type must be exactly as wide as that output group. Vectors hold at most
 * 2^30 elements and a node at most MAX_NODE_ARGS operands; '__proto__' is no
 * party, input or output name. An error names the node or circuit and what
 * is wrong.
 */
import { CircuitFormatError, InvalidCircuit } from '@parley/interface';
import { checkBooleanCircuit } from '../boolean/check.js';
import type { BooleanCircuit, WireGroup } from '../boolean/circuit.js';
import {
  CircuitBuilder,
  MAX_NODE_ARGS,
  MAX_SHIFT_AMOUNT,
  MAX_VECTOR_LENGTH,
  RESERVED_NAME,
  type Value,
} from './builder.js';
import { canonicalJson } from './canonical.js';
import { BINARY_OPS, type IrNode, type Program, REDUCE_OPS } from './program.js';
import { parseType, typeToString, widthOf } from './types.js';

export const PROGRAM_FORMAT = 'parley-program-v1';
/** Default cap on an encoded program. */
export const MAX_PROGRAM_BYTES = 256 << 20;

type Json = Record<string, unknown>;

const b64 = (a: Uint8Array | Uint32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function encodeCircuit(c: BooleanCircuit): Json {
  const group = (g: WireGroup) => ({ name: g.name, wires: b64(Uint32Array.from(g.wires)) });
  return {
    wireCount: c.wireCount,
    gateCount: c.gateCount,
    op: b64(c.op),
    a: b64(c.a),
    b: b64(c.b),
    out: b64(c.out),
    inputs: c.inputs.map(group),
    outputs: c.outputs.map(group),
  };
}

function encodeNode(n: IrNode, circuitIndex: Map<BooleanCircuit, number>): Json {
  const out: Json = { op: n.op, type: typeToString(n.type), length: n.length, visibility: n.visibility };
  if ('args' in n) out.args = n.args;
  if (n.op === 'input') Object.assign(out, { party: n.party, name: n.name });
  if (n.op === 'const') out.values = n.values.map((v) => v.toString(16));
  if (n.op === 'shl' || n.op === 'shr') out.amount = n.amount;
  if (n.op === 'slice') out.start = n.start;
  if (n.op === 'call') Object.assign(out, { circuit: circuitIndex.get(n.circuit), output: n.output });
  return out;
}

export function encodeProgram(p: Program): Uint8Array {
  const circuits: BooleanCircuit[] = [];
  const index = new Map<BooleanCircuit, number>();
  for (const n of p.nodes) {
    if (n.op === 'call' && !index.has(n.circuit)) {
      index.set(n.circuit, circuits.length);
      circuits.push(n.circuit);
    }
  }
  return new TextEncoder().encode(
    JSON.stringify({
      format: PROGRAM_FORMAT,
      parties: p.parties,
      circuits: circuits.map(encodeCircuit),
      nodes: p.nodes.map((n) => encodeNode(n, index)),
      outputs: p.outputs,
    }),
  );
}

function fail(where: string, why: string): never {
  throw new CircuitFormatError(`program: ${where}: ${why}`, { field: where });
}

function array(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) fail(where, 'must be an array');
  return v as unknown[];
}

function object(v: unknown, where: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, 'must be an object');
  return v as Json;
}

function integer(v: unknown, where: string, max = 2 ** 31): number {
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > max)
    fail(where, `must be a whole number 0..${max}`);
  return v as number;
}

function string(v: unknown, where: string): string {
  if (typeof v !== 'string') fail(where, 'must be a string');
  return v as string;
}

/** A party, input or output name. */
function name(v: unknown, where: string): string {
  const s = string(v, where);
  if (s === RESERVED_NAME) fail(where, `'${RESERVED_NAME}' is not allowed as a name`);
  return s;
}

function bytesOf(v: unknown, where: string, unit: 1 | 4): Uint8Array | Uint32Array {
  const s = string(v, where);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) fail(where, 'must be base64');
  const buf = Buffer.from(s, 'base64');
  if (buf.length % unit !== 0) fail(where, `must hold whole ${unit}-byte words`);
  const copy = new Uint8Array(buf);
  return unit === 1 ? copy : new Uint32Array(copy.buffer);
}

function decodeCircuit(v: unknown, i: number): BooleanCircuit {
  const where = `circuits[${i}]`;
  const c = object(v, where);
  const group = (g: unknown, k: string) => {
    const o = object(g, k);
    return { name: string(o.name, `${k}.name`), wires: bytesOf(o.wires, `${k}.wires`, 4) as Uint32Array };
  };
  const circuit: BooleanCircuit = {
    wireCount: integer(c.wireCount, `${where}.wireCount`),
    gateCount: integer(c.gateCount, `${where}.gateCount`),
    op: bytesOf(c.op, `${where}.op`, 1) as Uint8Array,
    a: bytesOf(c.a, `${where}.a`, 4) as Uint32Array,
    b: bytesOf(c.b, `${where}.b`, 4) as Uint32Array,
    out: bytesOf(c.out, `${where}.out`, 4) as Uint32Array,
    inputs: array(c.inputs, `${where}.inputs`).map((g, k) => group(g, `${where}.inputs[${k}]`)),
    outputs: array(c.outputs, `${where}.outputs`).map((g, k) => group(g, `${where}.outputs[${k}]`)),
  };
  checkBooleanCircuit(circuit, where);
  return circuit;
}

/** How deep a node's JSON may nest: real nodes nest a few levels; the comparison below recurses. */
const MAX_NODE_DEPTH = 16;

/** Throws unless `v` nests at most MAX_NODE_DEPTH levels (checked without recursion). */
function checkDepth(v: unknown, where: string): void {
  const stack: Array<[unknown, number]> = [[v, 0]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (depth >= MAX_NODE_DEPTH) fail(where, `nests deeper than ${MAX_NODE_DEPTH} levels`);
    for (const y of Object.values(x)) stack.push([y, depth + 1]);
  }
}

/** Decodes and checks a program; `maxBytes` caps the input. */
export function decodeProgram(bytes: Uint8Array, options: { maxBytes?: number } = {}): Program {
  const max = options.maxBytes ?? MAX_PROGRAM_BYTES;
  if (bytes.length > max) fail('(root)', `${bytes.length} bytes exceed the limit of ${max}`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    fail('(root)', 'is not UTF-8 JSON');
  }
  const root = object(json, '(root)');
  if (root.format !== PROGRAM_FORMAT) fail('format', `must be '${PROGRAM_FORMAT}'`);
  const parties = array(root.parties, 'parties').map((p, i) => name(p, `parties[${i}]`));
  const circuits = array(root.circuits, 'circuits').map(decodeCircuit);
  const nodes = array(root.nodes, 'nodes').map((n, i) => object(n, `nodes[${i}]`));
  const b = new CircuitBuilder(parties);
  const circuitIndex = new Map(circuits.map((c, k) => [c, k]));
  const values: Value[] = [];
  for (const [i, n] of nodes.entries()) checkDepth(n, `nodes[${i}]`);
  for (const [i, n] of nodes.entries()) {
    const v = rebuild(b, n, `nodes[${i}]`, values, circuits);
    const got = canonicalJson(encodeNode(v.node, circuitIndex));
    if (got !== canonicalJson(n)) {
      throw new InvalidCircuit(`program: nodes[${i}]: does not match what its operation gives (${got})`, {
        field: `nodes[${i}]`,
      });
    }
    values.push(v);
  }
  for (const [k, o] of array(root.outputs, 'outputs').entries()) {
    const out = object(o, `outputs[${k}]`);
    const node = integer(out.node, `outputs[${k}].node`);
    if (node >= values.length) fail(`outputs[${k}].node`, 'refers to no node');
    const recipients = array(out.recipients, `outputs[${k}].recipients`).map((r, j) =>
      string(r, `outputs[${k}].recipients[${j}]`),
    );
    b.output(name(out.name, `outputs[${k}].name`), values[node], recipients);
  }
  return b.build();
}

/** Rebuilds node `n` through the builder, from the values of the nodes before it. */
function rebuild(
  b: CircuitBuilder,
  n: Json,
  where: string,
  values: Value[],
  circuits: BooleanCircuit[],
): Value {
  const op = string(n.op, `${where}.op`);
  let type: ReturnType<typeof parseType>;
  try {
    type = parseType(string(n.type, `${where}.type`));
  } catch {
    fail(`${where}.type`, 'is not a type');
  }
  const length = integer(n.length, `${where}.length`, MAX_VECTOR_LENGTH);
  const rawArgs = n.args === undefined ? [] : array(n.args, `${where}.args`);
  if (rawArgs.length > MAX_NODE_ARGS)
    fail(`${where}.args`, `has ${rawArgs.length} operands, more than ${MAX_NODE_ARGS}`);
  const args = rawArgs.map((a, k) => {
    const id = integer(a, `${where}.args[${k}]`);
    if (id >= values.length) fail(`${where}.args`, `refers to node ${id}, which is not before it`);
    return values[id];
  });
  const arg = (k: number) => {
    if (k >= args.length) fail(`${where}.args`, `needs at least ${k + 1} operands`);
    return args[k];
  };
  if (op === 'input')
    return b.input(string(n.party, `${where}.party`), name(n.name, `${where}.name`), type, length);
  if (op === 'const') {
    const hex = array(n.values, `${where}.values`).map((v, k) => string(v, `${where}.values[${k}]`));
    if (hex.some((h) => !/^[0-9a-f]+$/.test(h))) fail(`${where}.values`, 'must be lowercase hex');
    return b.constantBits(
      hex.map((h) => BigInt(`0x${h}`)),
      type,
    );
  }
  if ((BINARY_OPS as readonly string[]).includes(op) || op === 'dot') {
    return b.binary(op as Parameters<CircuitBuilder['binary']>[0], arg(0), arg(1));
  }
  if (op === 'neg' || op === 'not' || op === 'reciprocal' || op === 'sigmoid') return b.unary(op, arg(0));
  if (op === 'cast') return b.cast(arg(0), type);
  if (op === 'shl' || op === 'shr')
    return b.shift(op, arg(0), integer(n.amount, `${where}.amount`, MAX_SHIFT_AMOUNT));
  if ((REDUCE_OPS as readonly string[]).includes(op))
    return b.reduce(op as (typeof REDUCE_OPS)[number], arg(0));
  if (op === 'mux') return b.mux(arg(0), arg(1), arg(2));
  if (op === 'slice') {
    const start = integer(n.start, `${where}.start`);
    return b.slice(arg(0), start, start + length);
  }
  if (op === 'concat') return b.concatAll(args);
  if (op === 'call') {
    const c = integer(n.circuit, `${where}.circuit`);
    if (c >= circuits.length) fail(`${where}.circuit`, 'refers to no circuit');
    const groups = circuits[c].outputs;
    const output = integer(n.output, `${where}.output`);
    if (output >= groups.length) fail(`${where}.output`, `the circuit has ${groups.length} output groups`);
    const width = groups[output].wires.length;
    if (widthOf(type) !== width) {
      fail(
        `${where}.type`,
        `${typeToString(type)} is not ${width} bits wide, as the circuit's output ${output} is`,
      );
    }
    return b.callOutput(circuits[c], args, output, type);
  }
  return fail(`${where}.op`, `unknown operation '${op}'`);
}
