/**
 * The plaintext evaluator of the IR: computes every node over whole columns,
 * exactly as ir/semantics.ts defines. It is the reference every engine is
 * tested against.
 */
import { InvalidInput, own } from '@parley/interface';
import type { BooleanCircuit } from '../boolean/circuit.js';
import { evaluateBooleanBatch } from '../boolean/evaluate.js';
import { argsOf, type IrNode, type Program } from './program.js';
import * as S from './semantics.js';
import { fracOf, isSigned, type ValueType, widthOf } from './types.js';
import { type Column, encodeValue, formatValue, maskOf, newColumn, wrap } from './values.js';

/** Results of boolean sub-circuits, shared by the call nodes reading different outputs of one call. */
type CallCache = Map<BooleanCircuit, Map<string, bigint[][]>>;

/** Inputs by party, then by input name: one value, or an array for a vector input. */
export type PlainInputs = Record<string, Record<string, unknown>>;

/**
 * Encodes user inputs into columns, one per input node. Errors name the party
 * and input. With `party`, only that party's inputs are encoded (and required).
 */
export function encodeInputs(p: Program, inputs: PlainInputs, party?: string): Map<number, Column> {
  const cols = new Map<number, Column>();
  p.nodes.forEach((n, id) => {
    if (n.op !== 'input' || (party !== undefined && n.party !== party)) return;
    const what = `input ${n.name} (${n.party})`;
    const given = own(own(inputs, n.party), n.name);
    if (given === undefined) throw new InvalidInput(`missing ${what}`, { party: n.party, field: n.name });
    const values =
      Array.isArray(given) || ArrayBuffer.isView(given) ? Array.from(given as ArrayLike<unknown>) : [given];
    if (values.length !== n.length) {
      throw new InvalidInput(`${what}: expected ${n.length} value(s), got ${values.length}`, {
        party: n.party,
        field: n.name,
      });
    }
    const col = newColumn(widthOf(n.type), n.length);
    values.forEach((v, i) => {
      col[i] = encodeValue(v, n.type, n.length > 1 ? `input ${n.name}[${i}] (${n.party})` : what);
    });
    cols.set(id, col);
  });
  for (const [party, byName] of Object.entries(inputs)) {
    if (typeof byName !== 'object' || byName === null)
      throw new InvalidInput(`inputs of ${party}: expected an object of inputs by name`, { party });
    for (const name of Object.keys(byName)) {
      if (!p.nodes.some((n) => n.op === 'input' && n.party === party && n.name === name)) {
        throw new InvalidInput(`unknown input ${name} (${party})`, { party, field: name });
      }
    }
  }
  return cols;
}

/**
 * A party's inputs to an engine: plain values by input name (encoded here,
 * as `encodeInputs` does), or columns already encoded as their types' bit
 * patterns, by input node id (a node reads them from its data sources).
 */
export type PartyInputs = Record<string, unknown> | Map<number, Column>;

/**
 * The party's input columns by input node id. Encoded columns are checked:
 * present, of the input's length, and each value a bit pattern of the input's
 * type (a bigint 0..2^width − 1). Errors name the input and the index, never
 * the value.
 */
export function encodePartyInputs(p: Program, party: string, inputs: PartyInputs): Map<number, Column> {
  if (!(inputs instanceof Map)) return encodeInputs(p, { [party]: inputs }, party);
  p.nodes.forEach((n, id) => {
    if (n.op !== 'input' || n.party !== party) return;
    const col = inputs.get(id);
    if (!col || col.length !== n.length) {
      throw new InvalidInput(`input ${n.name} (${party}): expected ${n.length} encoded value(s)`, {
        party,
        field: n.name,
      });
    }
    const max = maskOf(widthOf(n.type));
    for (let i = 0; i < col.length; i++) {
      const v = col[i];
      if (typeof v !== 'bigint' || v < 0n || v > max) {
        throw new InvalidInput(
          `input ${n.name}[${i}] (${party}): encoded value is not a ${widthOf(n.type)}-bit pattern`,
          { party, field: n.name, index: i },
        );
      }
    }
  });
  return inputs;
}

/** Evaluates every node; returns the column of each node. `inputs` maps input node ids to columns. */
export function evaluateNodes(p: Program, inputs: Map<number, Column>): Column[] {
  const values: Column[] = [];
  const calls: CallCache = new Map();
  for (const [id, n] of p.nodes.entries()) {
    values.push(evaluateNode(p.nodes, n, id, values, inputs, calls));
  }
  return values;
}

/** Evaluates a program on encoded inputs and returns each output's column by name. */
export function evaluateProgram(p: Program, inputs: Map<number, Column>): Record<string, Column> {
  const values = evaluateNodes(p, inputs);
  return Object.fromEntries(p.outputs.map((o) => [o.name, values[o.node]]));
}

function evaluateNode(
  nodes: IrNode[],
  n: IrNode,
  id: number,
  values: Column[],
  inputs: Map<number, Column>,
  calls: CallCache,
): Column {
  const t = n.type;
  const w = widthOf(t);
  const out = newColumn(w, n.length);
  const arg = (i: number) => values[argsOf(n)[i]];
  const at = (c: Column, i: number) => (c.length === 1 ? c[0] : c[i]);
  switch (n.op) {
    case 'input': {
      const col = inputs.get(id);
      if (!col)
        throw new InvalidInput(`no value for input ${n.party}.${n.name}`, { party: n.party, field: n.name });
      return col;
    }
    case 'const':
      n.values.forEach((v, i) => {
        out[i] = wrap(v, w);
      });
      return out;
    case 'mux': {
      const [c, x, y] = [arg(0), arg(1), arg(2)];
      for (let i = 0; i < n.length; i++) out[i] = at(c, i) ? at(x, i) : at(y, i);
      return out;
    }
    case 'slice': {
      const a = arg(0);
      for (let i = 0; i < n.length; i++) out[i] = a[n.start + i];
      return out;
    }
    case 'concat': {
      let o = 0;
      for (const a of n.args) {
        const col = values[a];
        for (let i = 0; i < col.length; i++) out[o++] = col[i];
      }
      return out;
    }
    case 'call': {
      const key = n.args.join(',');
      let byArgs = calls.get(n.circuit);
      if (!byArgs) {
        byArgs = new Map();
        calls.set(n.circuit, byArgs);
      }
      let res = byArgs.get(key);
      if (!res) {
        const groups = n.args.map((a) => Array.from({ length: n.length }, (_, i) => at(values[a], i)));
        res = evaluateBooleanBatch(n.circuit, groups);
        byArgs.set(key, res);
      }
      for (let i = 0; i < n.length; i++) out[i] = res[n.output][i];
      return out;
    }
    default:
      return evaluateArithmetic(n, args0Type(nodes, n), values, out);
  }
}

/** Type of a node's first operand (comparisons and casts read operands of another type than their result). */
export function args0Type(nodes: IrNode[], n: IrNode): ValueType {
  const args = argsOf(n);
  return args.length > 0 ? nodes[args[0]].type : n.type;
}

function evaluateArithmetic(n: IrNode, opType: ValueType, values: Column[], out: Column): Column {
  const t = n.type;
  const w = widthOf(t);
  const args = argsOf(n);
  const a = values[args[0]];
  const b = args.length > 1 ? values[args[1]] : a;
  const at = (c: Column, i: number) => (c.length === 1 ? c[0] : c[i]);
  const len = n.length;
  const elementwise = (f: (x: bigint, y: bigint) => bigint) => {
    for (let i = 0; i < len; i++) out[i] = f(at(a, i), at(b, i));
    return out;
  };
  switch (n.op) {
    case 'add':
      return elementwise((x, y) => wrap(x + y, w));
    case 'sub':
      return elementwise((x, y) => wrap(x - y, w));
    case 'mul':
      return elementwise((x, y) => S.multiply(x, y, t));
    case 'div':
      return elementwise((x, y) => S.divide(x, y, t));
    case 'rem':
      return elementwise((x, y) => S.remainder(x, y, t));
    case 'pow':
      return elementwise((x, y) => S.power(x, y, t));
    case 'and':
      return elementwise((x, y) => x & y);
    case 'or':
      return elementwise((x, y) => x | y);
    case 'xor':
      return elementwise((x, y) => x ^ y);
    case 'eq':
    case 'ne':
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge': {
      const op = n.op;
      return elementwise((x, y) => S.compare(op, x, y, opType));
    }
    case 'min':
      return elementwise((x, y) => (S.lessThan(y, x, t) ? y : x));
    case 'max':
      return elementwise((x, y) => (S.lessThan(x, y, t) ? y : x));
    case 'shlv':
      return elementwise((x, y) => S.shiftLeft(x, y, t));
    case 'shrv':
      return elementwise((x, y) => S.shiftRight(x, y, t));
    case 'neg':
      return elementwise((x) => wrap(-x, w));
    case 'not':
      return elementwise((x) => wrap(~x, w));
    case 'reciprocal': {
      const one = 1n << BigInt(fracOf(t));
      return elementwise((x) => S.divide(one, x, t));
    }
    case 'sigmoid':
      return elementwise((x) => S.sigmoid(x, t));
    case 'cast':
      return elementwise((x) => S.cast(x, opType, t));
    case 'shl': {
      const k = BigInt(n.amount);
      return elementwise((x) => S.shiftLeft(x, k, t));
    }
    case 'shr': {
      const k = BigInt(n.amount);
      return elementwise((x) => S.shiftRight(x, k, t));
    }
    case 'sum': {
      let s = 0n;
      for (let i = 0; i < a.length; i++) s += a[i];
      out[0] = wrap(s, w);
      return out;
    }
    case 'prefix_sum': {
      let s = 0n;
      for (let i = 0; i < a.length; i++) {
        s = wrap(s + a[i], w);
        out[i] = s;
      }
      return out;
    }
    case 'min_of':
    case 'max_of': {
      let m = a[0];
      for (let i = 1; i < a.length; i++) {
        const better = n.op === 'min_of' ? S.lessThan(a[i], m, t) : S.lessThan(m, a[i], t);
        if (better) m = a[i];
      }
      out[0] = m;
      return out;
    }
    case 'sort': {
      const sorted = Array.from({ length: a.length }, (_, i) => a[i]);
      sorted.sort((x, y) => (S.lessThan(x, y, t) ? -1 : S.lessThan(y, x, t) ? 1 : 0));
      sorted.forEach((v, i) => {
        out[i] = v;
      });
      return out;
    }
    case 'dot': {
      let s = 0n;
      const len2 = Math.max(a.length, b.length);
      for (let i = 0; i < len2; i++) {
        s += isSigned(t) ? BigInt.asIntN(w, at(a, i)) * BigInt.asIntN(w, at(b, i)) : at(a, i) * at(b, i);
      }
      out[0] = wrap(s >> BigInt(fracOf(t)), w);
      return out;
    }
    default:
      throw new InvalidInput(`cannot evaluate operation '${n.op}'`);
  }
}

/**
 * Assigns inputs given by name (`NAME=VALUE` on a command line) to their
 * parties. A name two parties' inputs share is given as `PARTY.NAME`; any
 * input may be. Errors name an unknown, ambiguous, doubly given or missing
 * input (and list the known ones). The result's objects have no prototype:
 * a name never reaches Object.prototype.
 */
export function inputsByName(p: Program, given: Record<string, string | string[]>): PlainInputs {
  const inputs = p.nodes.filter((n): n is Extract<IrNode, { op: 'input' }> => n.op === 'input');
  const byName = new Map<string, Extract<IrNode, { op: 'input' }>[]>();
  for (const n of inputs) byName.set(n.name, [...(byName.get(n.name) ?? []), n]);
  const qualified = (n: Extract<IrNode, { op: 'input' }>) => `${n.party}.${n.name}`;
  const labelOf = (n: Extract<IrNode, { op: 'input' }>) =>
    (byName.get(n.name)?.length ?? 0) > 1 ? qualified(n) : n.name;
  const known = inputs.map(labelOf).join(', ');
  const out: PlainInputs = Object.create(null);
  const seen = new Set<Extract<IrNode, { op: 'input' }>>();
  for (const [name, value] of Object.entries(given)) {
    const bare = byName.get(name);
    if (bare && bare.length > 1) {
      throw new InvalidInput(`input '${name}' is ambiguous: give it as ${bare.map(qualified).join(' or ')}`, {
        field: name,
      });
    }
    const n = bare?.[0] ?? inputs.find((x) => qualified(x) === name);
    if (!n)
      throw new InvalidInput(`unknown input '${name}' (the circuit's inputs are ${known})`, { field: name });
    if (seen.has(n)) throw new InvalidInput(`input '${labelOf(n)}' is given twice`, { field: name });
    seen.add(n);
    const values = Array.isArray(value) ? value : value.includes(',') ? value.split(',') : [value];
    if (!Object.hasOwn(out, n.party)) out[n.party] = Object.create(null);
    out[n.party][n.name] = n.length === 1 && values.length === 1 ? values[0] : values;
  }
  for (const n of inputs) {
    if (!seen.has(n)) {
      throw new InvalidInput(`missing input '${labelOf(n)}' (the circuit's inputs are ${known})`, {
        field: labelOf(n),
      });
    }
  }
  return out;
}

/** Formats each output for display: `value`, or `[v0, v1, …]` for a vector. */
export function formatOutputs(p: Program, outputs: Record<string, Column>): Record<string, string> {
  return Object.fromEntries(
    p.outputs.map((o) => {
      const t = p.nodes[o.node].type;
      const col = own(outputs, o.name) as Column | undefined;
      if (!col) throw new InvalidInput(`no value for output ${o.name}`, { field: o.name });
      const parts = Array.from({ length: col.length }, (_, i) => formatValue(col[i], t));
      return [o.name, col.length === 1 ? parts[0] : `[${parts.join(',')}]`];
    }),
  );
}
