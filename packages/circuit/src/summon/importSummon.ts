/**
 * Import of summon circuits (summon-ts `Circuit`: `bristol`, `info`,
 * `mpcSettings`) into the IR. Boolean circuits (compiled with
 * `boolifyWidth`) become one `call` node over the Bristol gates; arithmetic
 * circuits (`AAdd`, `AMul`, `AGt`, …, one wire per number) become IR
 * arithmetic nodes on uint(width), with the meaning mpc-framework's plaintext
 * engine gives them (numbers mod 2^width, unsigned comparisons, 0/1 truth values).
 *
 * A circuit may come from user code through mpc-framework (`ParleyEngine`), so
 * its shape, each gate's arity, its constants and its wire groups are checked:
 * what does not fit is an InvalidCircuit or CircuitFormatError naming it.
 */
import { CircuitFormatError, InvalidCircuit } from '@parley/interface';
import { z } from 'zod';
import { checkBooleanCircuit } from '../boolean/check.js';
import { type BooleanCircuit, MAX_WIRES, type WireGroup, wireRange } from '../boolean/circuit.js';
import { parseBristol } from '../bristol/reader.js';
import { quoted } from '../fileErrors.js';
import { CircuitBuilder, type Value } from '../ir/builder.js';
import type { Program } from '../ir/program.js';
import { bit, uint, type ValueType } from '../ir/types.js';

/** The shape of mpc-framework's `Circuit` (mpc-framework-common), which summon-ts produces. */
export interface SummonCircuit {
  bristol: string;
  info: {
    constants: Array<{ name: string; type: unknown; address: number; width: number; value: unknown }>;
    inputs: Array<{ name: string; type: unknown; address: number; width: number }>;
    outputs: Array<{ name: string; type: unknown; address: number; width: number }>;
  };
  mpcSettings: Array<{ name: string; inputs: string[]; outputs: string[] }>;
}

const wireGroup = z.object({
  name: z.string().min(1),
  type: z.unknown(),
  address: z
    .number()
    .int()
    .min(0)
    .max(MAX_WIRES - 1),
  width: z.number().int().min(1).max(MAX_WIRES),
});

const summonShape = z.object({
  bristol: z.string(),
  info: z.object({
    constants: z.array(wireGroup.extend({ value: z.unknown() })).default([]),
    inputs: z.array(wireGroup),
    outputs: z.array(wireGroup),
  }),
  mpcSettings: z
    .array(
      z.object({
        name: z.string().min(1),
        inputs: z.array(z.string()),
        outputs: z.array(z.string()),
      }),
    )
    .min(1),
});

/** `c` as summon-ts makes it, or InvalidCircuit naming the first field that is not. */
function checkShape(c: unknown, file: string): SummonCircuit {
  const r = summonShape.safeParse(c);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const at = issue.path.length > 0 ? issue.path.join('.') : 'the circuit';
  throw new InvalidCircuit(`${file}: ${at}: ${issue.message}`, { field: issue.path.join('.') });
}

/** The circuit's name in errors. */
const nameOf = (options: SummonImportOptions): string => options.file ?? '<summon circuit>';

/** Summon's arithmetic gates of one operand; every other takes two. */
const UNARY_GATES = new Set(['AUnaryAdd', 'AUnarySub', 'ANot', 'ABitNot']);

export interface SummonImportOptions {
  /** Width of numbers in arithmetic circuits (default 32, as mpc-framework's plaintext engine). */
  width?: number;
  /** Name used in errors. */
  file?: string;
}

/** True when the circuit uses summon's arithmetic gates rather than boolean ones. */
export function isArithmeticSummon(c: SummonCircuit): boolean {
  return /\sA(?:UnaryAdd|UnarySub|Not|BitNot|Add|Sub|Mul|Div|Mod|Exp|Eq|Neq|BoolAnd|BoolOr|Lt|LEq|Gt|GEq|BitAnd|BitOr|Xor|ShiftL|ShiftR)\s*$/m.test(
    c.bristol,
  );
}

export function partyNames(c: SummonCircuit): string[] {
  return c.mpcSettings.map((s) => s.name);
}

function ownerOf(c: SummonCircuit, input: string): string {
  const owner = c.mpcSettings.find((s) => s.inputs.includes(input));
  if (!owner) throw new InvalidCircuit(`summon input '${input}' belongs to no party`);
  return owner.name;
}

function recipientsOf(c: SummonCircuit, output: string): string[] {
  return c.mpcSettings.flatMap((s) => (s.outputs.includes(output) ? [s.name] : []));
}

export function importSummon(circuit: SummonCircuit, options: SummonImportOptions = {}): Program {
  const c = checkShape(circuit, nameOf(options));
  return isArithmeticSummon(c) ? importArithmetic(c, options) : importBoolean(c, options);
}

/** The Bristol gates of a boolean summon circuit with input and output groups named as in `info`. */
export function summonBooleanCircuit(
  summon: SummonCircuit,
  options: SummonImportOptions = {},
): BooleanCircuit {
  const file = nameOf(options);
  return booleanGates(checkShape(summon, file), file);
}

/** summonBooleanCircuit of a circuit whose shape is checked. */
function booleanGates(c: SummonCircuit, file: string): BooleanCircuit {
  const parsed = parseBristol(c.bristol, { file, keepWireNumbers: true });
  checkGroups(c.info, parsed.wireCount, file);
  const group = (g: SummonGroup): WireGroup => ({ name: g.name, wires: wireRange(g.address, g.width) });
  const circuit = { ...parsed, inputs: c.info.inputs.map(group), outputs: c.info.outputs.map(group) };
  checkBooleanCircuit(circuit, file);
  return circuit;
}

type SummonGroup = SummonCircuit['info']['inputs'][number];

/**
 * Checks `info`'s groups from their addresses and widths alone, before any
 * is allocated: a group of a few bytes of JSON may claim every wire of the
 * circuit, and a thousand such groups gigabytes. Each group must lie within
 * the circuit's wires and no two inputs share a wire, so the inputs need at
 * most the circuit's wires; so must the outputs (summon-ts gives each its own
 * wires). checkBooleanCircuit checks the rest once they are allocated.
 */
function checkGroups(info: SummonCircuit['info'], wireCount: number, file: string): void {
  const refuse = (field: string, why: string): never => {
    throw new InvalidCircuit(`${file}: ${field}: ${why}`, { field });
  };
  for (const g of [...info.inputs, ...info.outputs]) {
    if (g.address + g.width > wireCount) {
      refuse(
        g.name,
        `wires ${g.address}..${g.address + g.width - 1} are beyond the circuit's ${wireCount} wires`,
      );
    }
  }
  const widths = (groups: SummonGroup[]) => groups.reduce((s, g) => s + g.width, 0);
  const inputWires = widths(info.inputs);
  if (inputWires > wireCount)
    refuse('info.inputs', `${inputWires} wires in all, more than the circuit's ${wireCount}`);
  // Sorted by address, the inputs share no wire when each starts at or after the end of the one before.
  const sorted = info.inputs.slice().sort((x, y) => x.address - y.address);
  for (let i = 1; i < sorted.length; i++) {
    const [before, g] = [sorted[i - 1], sorted[i]];
    if (before.address + before.width > g.address)
      refuse(g.name, `wire ${g.address} belongs to two inputs (${before.name} and ${g.name})`);
  }
  const outputWires = widths(info.outputs);
  if (outputWires > wireCount)
    refuse('info.outputs', `${outputWires} wires in all, more than the circuit's ${wireCount}`);
}

function summonType(t: unknown, width: number): ValueType {
  return t === 'bool' || width === 1 ? bit : uint(width);
}

function importBoolean(c: SummonCircuit, options: SummonImportOptions): Program {
  const circuit = booleanGates(c, nameOf(options));
  const b = new CircuitBuilder(partyNames(c));
  const args = c.info.inputs.map((i) => b.input(ownerOf(c, i.name), i.name, summonType(i.type, i.width)));
  const outs = b.call(
    circuit,
    args,
    c.info.outputs.map((o) => summonType(o.type, o.width)),
  );
  c.info.outputs.forEach((o, i) => {
    b.output(o.name, outs[i], recipientsOf(c, o.name));
  });
  return b.build();
}

function importArithmetic(c: SummonCircuit, options: SummonImportOptions): Program {
  const file = nameOf(options);
  const t = uint(options.width ?? 32);
  const b = new CircuitBuilder(partyNames(c));
  const wires = new Map<number, Value>();
  for (const i of c.info.inputs) {
    const v = b.input(ownerOf(c, i.name), i.name, i.type === 'bool' ? bit : t);
    wires.set(i.address, i.type === 'bool' ? v.cast(t) : v);
  }
  for (const k of c.info.constants) {
    const v = typeof k.value === 'boolean' ? Number(k.value) : k.value;
    if (typeof v !== 'bigint' && !(typeof v === 'number' && Number.isSafeInteger(v)))
      throw new InvalidCircuit(`${file}: constant ${k.name}: not an integer`, { field: k.name });
    wires.set(k.address, b.constant(BigInt.asUintN(t.kind === 'bit' ? 1 : t.bits, BigInt(v)), t));
  }
  const lines = c.bristol.split('\n');
  let line = 0;
  // Skip the header: the first line, the input and output lines, up to the blank line.
  while (line < lines.length && lines[line].trim() !== '') line++;
  for (; line < lines.length; line++) {
    const parts = lines[line].trim().split(/\s+/);
    if (parts.length === 1 && parts[0] === '') continue;
    const fail = (what: string): never => {
      throw new CircuitFormatError(`${file}, line ${line + 1}: ${what}`, { file, line: line + 1 });
    };
    const op = parts[parts.length - 1];
    const nums = parts.slice(0, -1).map(Number);
    if (nums.some((n) => !Number.isInteger(n) || n < 0)) fail('malformed gate line');
    const [nin, nout] = nums;
    if (nout !== 1 || nums.length !== 2 + nin + nout) fail('malformed gate line');
    const arity = UNARY_GATES.has(op) ? 1 : 2;
    if (nin !== arity) fail(`${op} takes ${arity === 1 ? 'one input' : 'two inputs'}, not ${nin}`);
    const get = (w: number): Value => wires.get(w) ?? fail(`wire ${w} is used before it is set`);
    const ins = nums.slice(2, 2 + nin).map(get);
    wires.set(nums[2 + nin], arithmeticGate(b, op, ins, t, fail));
  }
  for (const o of c.info.outputs) {
    const v = wires.get(o.address);
    if (!v) throw new InvalidCircuit(`${file}: output ${o.name} is never set`, { field: o.name });
    b.output(o.name, v, recipientsOf(c, o.name));
  }
  return b.build();
}

function arithmeticGate(
  b: CircuitBuilder,
  op: string,
  ins: Value[],
  t: ValueType,
  fail: (w: string) => never,
): Value {
  const [x, y] = ins;
  const binary = () => y ?? fail(`${op} takes two inputs`);
  const truth = (v: Value) => v.cast(t);
  const nonzero = (v: Value) => v.ne(0n);
  const shift = (dir: 'l' | 'r') => {
    const amount = binary();
    const n = amount.node;
    if (n.op === 'const' && n.values.length === 1 && n.values[0] < 1n << 20n) {
      return dir === 'l' ? x.shl(Number(n.values[0])) : x.shr(Number(n.values[0]));
    }
    return b.binary(dir === 'l' ? 'shlv' : 'shrv', x, amount);
  };
  switch (op) {
    case 'AUnaryAdd':
      return x;
    case 'AUnarySub':
      return x.neg();
    case 'ANot':
      return truth(x.eq(0n));
    case 'ABitNot':
      return x.not();
    case 'AAdd':
      return x.add(binary());
    case 'ASub':
      return x.sub(binary());
    case 'AMul':
      return x.mul(binary());
    case 'ADiv':
      return x.div(binary());
    case 'AMod':
      return x.rem(binary());
    case 'AExp':
      return x.pow(binary());
    case 'AEq':
      return truth(x.eq(binary()));
    case 'ANeq':
      return truth(x.ne(binary()));
    case 'ABoolAnd':
      return truth(nonzero(x).and(nonzero(binary())));
    case 'ABoolOr':
      return truth(nonzero(x).or(nonzero(binary())));
    case 'ALt':
      return truth(x.lt(binary()));
    case 'ALEq':
      return truth(x.le(binary()));
    case 'AGt':
      return truth(x.gt(binary()));
    case 'AGEq':
      return truth(x.ge(binary()));
    case 'ABitAnd':
      return x.and(binary());
    case 'ABitOr':
      return x.or(binary());
    case 'AXor':
      return x.xor(binary());
    case 'AShiftL':
      return shift('l');
    case 'AShiftR':
      return shift('r');
    default:
      return fail(`unknown arithmetic gate ${quoted(op)}`);
  }
}
