/**
 * The typed builder: the way users (and the SDK) write IR. Each method is one
 * vector operation; operands must have the same type (a literal takes the
 * type of the other operand) and the same length, or length 1 (broadcast).
 *
 *   const b = new CircuitBuilder(['alice', 'bob']);
 *   const x = b.input('alice', 'x', uint(32), 100);
 *   const y = b.input('bob', 'y', uint(32), 100);
 *   b.output('total', x.add(y).sum());
 *   const program = b.build();
 */
import { InvalidArgument, TypeMismatch } from '@parley/interface';
import type { BooleanCircuit } from '../boolean/circuit.js';
import { COMPARISON_OPS, type IrNode, type Program, type ReduceOp } from './program.js';
import {
  bit,
  checkValueType,
  isSigned,
  sameType,
  typeToString,
  uint,
  type ValueType,
  widthOf,
} from './types.js';
import { encodeValue, maskOf } from './values.js';

export type Operand = Value | number | bigint | boolean;

/** Most elements a vector may have. */
export const MAX_VECTOR_LENGTH = 1 << 30;
/** Most operands of one node (a concat's parts, a call's arguments). */
export const MAX_NODE_ARGS = 1 << 20;

/**
 * The one name a party, input or output may not have: as an object key it
 * reaches Object.prototype, and names become keys (inputs by party and name).
 */
export const RESERVED_NAME = '__proto__';

export class Value {
  constructor(
    readonly builder: CircuitBuilder,
    readonly id: number,
  ) {}

  get node(): IrNode {
    return this.builder.nodes[this.id];
  }
  get type(): ValueType {
    return this.node.type;
  }
  get length(): number {
    return this.node.length;
  }

  add(o: Operand): Value {
    return this.builder.binary('add', this, o);
  }
  sub(o: Operand): Value {
    return this.builder.binary('sub', this, o);
  }
  /** Product; on fixed(k, f) the exact product truncated (floor) by f bits. */
  mul(o: Operand): Value {
    return this.builder.binary('mul', this, o);
  }
  /** Quotient, truncated toward zero; on fixed(k, f) a fixed-point quotient. x / 0 is defined in ir/semantics.ts. */
  div(o: Operand): Value {
    return this.builder.binary('div', this, o);
  }
  rem(o: Operand): Value {
    return this.builder.binary('rem', this, o);
  }
  pow(o: Operand): Value {
    return this.builder.binary('pow', this, o);
  }
  and(o: Operand): Value {
    return this.builder.binary('and', this, o);
  }
  or(o: Operand): Value {
    return this.builder.binary('or', this, o);
  }
  xor(o: Operand): Value {
    return this.builder.binary('xor', this, o);
  }
  eq(o: Operand): Value {
    return this.builder.binary('eq', this, o);
  }
  ne(o: Operand): Value {
    return this.builder.binary('ne', this, o);
  }
  lt(o: Operand): Value {
    return this.builder.binary('lt', this, o);
  }
  le(o: Operand): Value {
    return this.builder.binary('le', this, o);
  }
  gt(o: Operand): Value {
    return this.builder.binary('gt', this, o);
  }
  ge(o: Operand): Value {
    return this.builder.binary('ge', this, o);
  }
  min(o: Operand): Value {
    return this.builder.binary('min', this, o);
  }
  max(o: Operand): Value {
    return this.builder.binary('max', this, o);
  }
  neg(): Value {
    return this.builder.unary('neg', this);
  }
  /** Bitwise NOT (logical NOT on bits). */
  not(): Value {
    return this.builder.unary('not', this);
  }
  /** Shift left by a public amount. */
  shl(amount: number): Value {
    return this.builder.shift('shl', this, amount);
  }
  /** Shift right by a public amount: arithmetic on int and fixed, logical on uint. */
  shr(amount: number): Value {
    return this.builder.shift('shr', this, amount);
  }
  /** 1 / x on fixed-point values. */
  reciprocal(): Value {
    return this.builder.unary('reciprocal', this);
  }
  /** Piecewise-linear sigmoid on fixed-point values (see ir/semantics.ts). */
  sigmoid(): Value {
    return this.builder.unary('sigmoid', this);
  }
  cast(to: ValueType): Value {
    return this.builder.cast(this, to);
  }
  sum(): Value {
    return this.builder.reduce('sum', this);
  }
  prefixSum(): Value {
    return this.builder.reduce('prefix_sum', this);
  }
  minOf(): Value {
    return this.builder.reduce('min_of', this);
  }
  maxOf(): Value {
    return this.builder.reduce('max_of', this);
  }
  /** Sorted ascending (signed order on int and fixed), by a bitonic network once lowered. */
  sort(): Value {
    return this.builder.reduce('sort', this);
  }
  /** Σ this[i]·o[i]; on fixed point the exact sum truncated once. */
  dot(o: Operand): Value {
    return this.builder.binary('dot', this, o);
  }
  /** Elements start … end-1. */
  slice(start: number, end = this.length): Value {
    return this.builder.slice(this, start, end);
  }
  /** This bit selects `ifTrue`, else `ifFalse`. */
  select(ifTrue: Operand, ifFalse: Operand): Value {
    return this.builder.mux(this, ifTrue, ifFalse);
  }
}

/** Largest shift amount a program holds (the program codec's bound). */
export const MAX_SHIFT_AMOUNT = 2 ** 31;

export class CircuitBuilder {
  readonly nodes: IrNode[] = [];
  private readonly outputs: Program['outputs'] = [];
  private readonly inputNames = new Set<string>();

  constructor(readonly parties: string[]) {
    if (!Array.isArray(parties) || parties.some((p) => typeof p !== 'string' || p.length === 0)) {
      throw new InvalidArgument('parties must be an array of non-empty party names', { field: 'parties' });
    }
    if (parties.length < 1)
      throw new InvalidArgument('a computation needs at least one party', { field: 'parties' });
    if (new Set(parties).size !== parties.length) {
      throw new InvalidArgument(`party names must be distinct: ${parties.join(', ')}`, { field: 'parties' });
    }
    for (const p of parties) checkName(p, 'a party');
  }

  private push(n: IrNode): Value {
    this.nodes.push(n);
    return new Value(this, this.nodes.length - 1);
  }

  /** A secret input of `party`, a vector of `length` values of type `type`. */
  input(party: string, name: string, type: ValueType, length = 1): Value {
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidArgument('an input name must be a non-empty string', { field: 'name' });
    }
    if (!this.parties.includes(party)) {
      throw new InvalidArgument(
        `input ${name}: unknown party '${party}' (parties: ${this.parties.join(', ')})`,
        {
          field: name,
          party,
        },
      );
    }
    checkName(name, `an input of ${party}`);
    const key = `${party}.${name}`;
    if (this.inputNames.has(key))
      throw new InvalidArgument(`input ${key} is declared twice`, { field: name, party });
    checkLength(length, `input ${key}`);
    const checked = checkValueType(type, `input ${key}`);
    this.inputNames.add(key);
    return this.push({ op: 'input', party, name, type: checked, length, visibility: 'secret' });
  }

  /** A public constant: one value or a vector. Numbers are real numbers for fixed types. */
  constant(
    value: number | bigint | boolean | ReadonlyArray<number | bigint | boolean>,
    type: ValueType,
  ): Value {
    const vs = Array.isArray(value) ? value : [value];
    checkLength(vs.length, 'constant');
    const checked = checkValueType(type, 'constant');
    const values = vs.map((v, i) => encodeLiteral(v, checked, `constant[${i}]`));
    return this.push({ op: 'const', values, type: checked, length: values.length, visibility: 'public' });
  }

  /** A public constant from its values' bit patterns, as a program's const node holds them (for decoders). */
  constantBits(values: readonly bigint[], t: ValueType): Value {
    checkLength(values.length, 'constant');
    const type = checkValueType(t, 'constant');
    const max = maskOf(widthOf(type));
    values.forEach((v, i) => {
      if (typeof v !== 'bigint' || v < 0n || v > max)
        throw new InvalidArgument(`constant[${i}]: not a bit pattern of ${typeToString(type)}`);
    });
    return this.push({ op: 'const', values: [...values], type, length: values.length, visibility: 'public' });
  }

  /** Declares an output; `recipients` default to every party. */
  output(name: string, value: Value, recipients: string[] = this.parties): void {
    this.own(value);
    checkName(name, 'an output');
    if (this.outputs.some((o) => o.name === name))
      throw new InvalidArgument(`output '${name}' is declared twice`);
    for (const r of recipients) {
      if (!this.parties.includes(r)) {
        throw new InvalidArgument(
          `output ${name}: unknown recipient '${r}' (parties: ${this.parties.join(', ')})`,
          {
            field: name,
            party: r,
          },
        );
      }
    }
    if (recipients.length === 0) throw new InvalidArgument(`output ${name}: no recipient`, { field: name });
    this.outputs.push({ name, node: value.id, recipients: [...recipients] });
  }

  build(): Program {
    if (this.outputs.length === 0) throw new InvalidArgument('a computation needs at least one output');
    return {
      parties: [...this.parties],
      nodes: this.nodes.map((n) => ({ ...n })),
      outputs: this.outputs.map((o) => ({ ...o })),
    };
  }

  private own(v: Value): void {
    if (v.builder !== this) throw new InvalidArgument('a value from another builder was used');
  }

  /** Turns a literal into a constant of type `t`, or checks a Value belongs here. */
  lift(o: Operand, t: ValueType): Value {
    if (o instanceof Value) {
      this.own(o);
      return o;
    }
    return this.constant(o, t);
  }

  private vis(vs: readonly Value[]): 'secret' | 'public' {
    return vs.some((v) => v.node.visibility === 'secret') ? 'secret' : 'public';
  }

  private resultLength(op: string, vs: readonly Value[]): number {
    let n = 1;
    for (const v of vs) {
      if (v.length === 1) continue;
      if (n !== 1 && v.length !== n) {
        throw new TypeMismatch(`${op}: vector lengths ${n} and ${v.length} differ`, {
          field: op,
        });
      }
      n = v.length;
    }
    return n;
  }

  binary(op: 'dot' | Extract<IrNode, { args: [number, number] }>['op'], x: Value, o: Operand): Value {
    this.own(x);
    const y = this.lift(o, x.type);
    if (op === 'shlv' || op === 'shrv') {
      if (y.type.kind !== 'uint')
        throw new TypeMismatch(`${op}: the shift amount must be a uint, not ${typeToString(y.type)}`);
    } else if (!sameType(x.type, y.type)) {
      throw new TypeMismatch(
        `${op}: operand types ${typeToString(x.type)} and ${typeToString(y.type)} differ (use cast)`,
        {
          field: op,
        },
      );
    }
    const t = x.type;
    if ((op === 'rem' || op === 'pow') && t.kind === 'fixed')
      throw new TypeMismatch(`${op} is not defined on fixed-point values`);
    if (op === 'dot') {
      if (x.length !== y.length)
        throw new TypeMismatch(`dot: vector lengths ${x.length} and ${y.length} differ`);
      return this.push({ op: 'dot', args: [x.id, y.id], type: t, length: 1, visibility: this.vis([x, y]) });
    }
    const length = this.resultLength(op, [x, y]);
    const type = COMPARISON_OPS.has(op) ? bit : t;
    return this.push({ op, args: [x.id, y.id], type, length, visibility: this.vis([x, y]) } as IrNode);
  }

  unary(op: 'neg' | 'not' | 'reciprocal' | 'sigmoid', x: Value): Value {
    this.own(x);
    if ((op === 'reciprocal' || op === 'sigmoid') && x.type.kind !== 'fixed') {
      throw new TypeMismatch(`${op} needs a fixed-point value, not ${typeToString(x.type)}`, { field: op });
    }
    if (op === 'sigmoid' && x.type.kind === 'fixed' && x.type.bits - x.type.frac < 4) {
      throw new TypeMismatch(`sigmoid needs at least 4 integer bits, ${typeToString(x.type)} has fewer`);
    }
    return this.push({ op, args: [x.id], type: x.type, length: x.length, visibility: this.vis([x]) });
  }

  shift(op: 'shl' | 'shr', x: Value, amount: number): Value {
    this.own(x);
    if (!Number.isInteger(amount) || amount < 0 || amount > MAX_SHIFT_AMOUNT) {
      // Any amount of at least the width gives the same result, so the bound costs nothing.
      throw new InvalidArgument(`${op}: shift amount must be a whole number 0..2^31`);
    }
    return this.push({ op, args: [x.id], amount, type: x.type, length: x.length, visibility: this.vis([x]) });
  }

  cast(x: Value, type: ValueType): Value {
    this.own(x);
    const to = checkValueType(type, 'cast');
    if (sameType(x.type, to)) return x;
    return this.push({ op: 'cast', args: [x.id], type: to, length: x.length, visibility: this.vis([x]) });
  }

  reduce(op: ReduceOp, x: Value): Value {
    this.own(x);
    const length = op === 'prefix_sum' || op === 'sort' ? x.length : 1;
    return this.push({ op, args: [x.id], type: x.type, length, visibility: this.vis([x]) });
  }

  mux(c: Value, a: Operand, b: Operand): Value {
    this.own(c);
    if (c.type.kind !== 'bit')
      throw new TypeMismatch(`select: the condition must be a bit, not ${typeToString(c.type)}`);
    const t = a instanceof Value ? a.type : b instanceof Value ? b.type : undefined;
    if (!t)
      throw new TypeMismatch('select: at least one branch must be a value (the other may be a literal)');
    const x = this.lift(a, t);
    const y = this.lift(b, t);
    if (!sameType(x.type, y.type)) {
      throw new TypeMismatch(
        `select: branch types ${typeToString(x.type)} and ${typeToString(y.type)} differ`,
      );
    }
    const length = this.resultLength('select', [c, x, y]);
    return this.push({
      op: 'mux',
      args: [c.id, x.id, y.id],
      type: t,
      length,
      visibility: this.vis([c, x, y]),
    });
  }

  slice(x: Value, start: number, end: number): Value {
    this.own(x);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > x.length || start >= end) {
      throw new InvalidArgument(`slice(${start}, ${end}) is out of range for a vector of length ${x.length}`);
    }
    return this.push({
      op: 'slice',
      args: [x.id],
      start,
      type: x.type,
      length: end - start,
      visibility: this.vis([x]),
    });
  }

  /** The parts one after another. */
  concat(...parts: Value[]): Value {
    return this.concatAll(parts);
  }

  /** `concat` of an array of parts: any number of them (a spread call puts every part on the stack). */
  concatAll(parts: readonly Value[]): Value {
    if (parts.length === 0) throw new InvalidArgument('concat of nothing');
    checkArgCount(parts.length, 'concat');
    const t = parts[0].type;
    let length = 0;
    for (const [i, v] of parts.entries()) {
      this.own(v);
      if (!sameType(v.type, t)) {
        throw new TypeMismatch(`concat: part ${i} is ${typeToString(v.type)}, part 0 is ${typeToString(t)}`, {
          field: 'concat',
        });
      }
      length += v.length;
    }
    checkLength(length, 'concat');
    return this.push({
      op: 'concat',
      args: parts.map((v) => v.id),
      type: t,
      length,
      visibility: this.vis(parts),
    });
  }

  /**
   * Runs a boolean circuit on the given values (one per input group); returns
   * one value per output group, of `outputTypes` (default: bit for one wire,
   * else uint of the group's width).
   */
  call(circuit: BooleanCircuit, args: readonly Value[], outputTypes?: readonly ValueType[]): Value[] {
    if (outputTypes !== undefined && outputTypes.length !== circuit.outputs.length) {
      throw new InvalidArgument(
        `the circuit has ${circuit.outputs.length} outputs, ${outputTypes.length} output types given`,
      );
    }
    return circuit.outputs.map((_, k) => this.callOutput(circuit, args, k, outputTypes?.[k]));
  }

  /**
   * The value of output group `output` of a call, as `call` gives it. Call
   * nodes of one circuit on the same arguments share one evaluation, so a
   * program may hold only the outputs it uses (as optimised programs do).
   * `type` must be exactly as wide as the group.
   */
  callOutput(circuit: BooleanCircuit, args: readonly Value[], output: number, type?: ValueType): Value {
    if (args.length !== circuit.inputs.length) {
      throw new InvalidArgument(`the circuit takes ${circuit.inputs.length} inputs, ${args.length} given`);
    }
    checkArgCount(args.length, 'call');
    for (const [i, a] of args.entries()) {
      this.own(a);
      const g = circuit.inputs[i];
      if (widthOf(a.type) !== g.wires.length) {
        throw new TypeMismatch(
          `circuit input ${g.name} is ${g.wires.length} bits wide, the value is ${typeToString(a.type)}`,
          { field: g.name },
        );
      }
    }
    const group = Number.isInteger(output) ? circuit.outputs[output] : undefined;
    if (group === undefined) {
      throw new InvalidArgument(`the circuit has no output ${output} (it has ${circuit.outputs.length})`);
    }
    const width = group.wires.length;
    const t =
      type === undefined ? (width === 1 ? bit : uint(width)) : checkValueType(type, `output ${group.name}`);
    if (widthOf(t) !== width) {
      throw new TypeMismatch(
        `circuit output ${group.name} is ${width} bits wide, its declared type ${typeToString(t)} is ${widthOf(t)}`,
        { field: group.name },
      );
    }
    return this.push({
      op: 'call',
      args: args.map((a) => a.id),
      circuit,
      output,
      type: t,
      length: this.resultLength('call', args),
      visibility: this.vis(args),
    });
  }
}

function checkLength(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_VECTOR_LENGTH)
    throw new InvalidArgument(`${what}: length ${n} is not a whole number 1..2^30`, { field: what });
}

function checkArgCount(n: number, what: string): void {
  if (n > MAX_NODE_ARGS)
    throw new InvalidArgument(`${what}: ${n} operands, more than ${MAX_NODE_ARGS}`, { field: what });
}

function checkName(name: string, what: string): void {
  if (name === RESERVED_NAME)
    throw new InvalidArgument(`${what} may not be named '${RESERVED_NAME}'`, { field: what });
}

function encodeLiteral(v: number | bigint | boolean, t: ValueType, what: string): bigint {
  // A bigint literal is an integer for integer types and a raw bit pattern never; encodeValue scales fixed values.
  if (typeof v === 'bigint' && !isSigned(t) && v < 0n)
    throw new InvalidArgument(`${what}: ${v} is negative for ${typeToString(t)}`);
  return encodeValue(v, t, what);
}
