/**
 * `defineComputation`: the SDK's entry point. A computation names its
 * parties, declares each input (owner, type, vector length) and each output
 * (who receives it), and builds its result with the typed builder. It gets a
 * stable id (see @parley/circuit ir/canonical.ts) and can be evaluated in plaintext — the
 * reference its secure runs must match.
 */
import {
  CircuitBuilder,
  type CircuitStats,
  circuitStats,
  computationId,
  decodeValue,
  encodeInputs,
  evaluateProgram,
  lowerToBoolean,
  optimize,
  type PlainInputs,
  type Program,
  parseType,
  type Value,
  type ValueType,
} from '@parley/circuit';
import { InvalidArgument } from '@parley/interface';

export type Protocol = 'auto' | 'garbled' | 'sharing' | 'replicated';

export interface InputDeclaration {
  /** The party that provides this input. */
  party: string;
  /** A ValueType, or its text (`uint(32)`, `fixed(64,16)`, …). */
  type: ValueType | string;
  /** Vector length (default 1). */
  length?: number;
}

/** Recipients of an output: party names, or `'all'`. */
export type OutputDeclaration = string[] | 'all' | { to: string[] | 'all' };

export interface ComputationSpec<I extends string, O extends string> {
  name: string;
  parties: string[];
  inputs: Record<I, InputDeclaration>;
  outputs: Record<O, OutputDeclaration>;
  /** Builds each output from the inputs. */
  compute: (inputs: Record<I, Value>, builder: CircuitBuilder) => Record<O, Value>;
  /** Engine choice (default `auto`: garbled for two parties, sharing for more). */
  protocol?: Protocol;
}

/** Output values as a program sees them: integers as bigint, fixed point as number, vectors as arrays. */
export type OutputValue = bigint | number | Array<bigint | number>;

export interface Computation {
  readonly name: string;
  readonly parties: readonly string[];
  readonly protocol: Protocol;
  /** SHA-256 of the canonical encoding (hex): the same on every machine and run. */
  readonly id: string;
  /** The optimised IR. */
  readonly circuit: Program;
  /** Outputs by name, computed in plaintext from every party's inputs. */
  evaluatePlaintext(inputsByParty: PlainInputs): Record<string, OutputValue>;
  /** The outputs each party is entitled to, computed in plaintext. */
  outputsFor(party: string, inputsByParty: PlainInputs): Record<string, OutputValue>;
  /** Statistics of the boolean lowering (AND gates, depth, …). */
  booleanStats(adder?: 'ripple' | 'prefix'): CircuitStats;
}

function recipients(decl: OutputDeclaration, parties: string[]): string[] {
  const to = Array.isArray(decl) || decl === 'all' ? decl : decl.to;
  return to === 'all' ? [...parties] : [...to];
}

export function defineComputation<I extends string, O extends string>(
  spec: ComputationSpec<I, O>,
): Computation {
  if (typeof spec.name !== 'string' || spec.name.length === 0)
    throw new InvalidArgument('computation name is required');
  const protocol = spec.protocol ?? 'auto';
  const b = new CircuitBuilder(spec.parties);
  const inputs = {} as Record<I, Value>;
  for (const [name, decl] of Object.entries(spec.inputs) as Array<[I, InputDeclaration]>) {
    const type = typeof decl.type === 'string' ? parseType(decl.type) : decl.type;
    inputs[name] = b.input(decl.party, name, type, decl.length ?? 1);
  }
  const results = spec.compute(inputs, b);
  for (const [name, decl] of Object.entries(spec.outputs) as Array<[O, OutputDeclaration]>) {
    const v = results[name];
    if (!v)
      throw new InvalidArgument(`output ${name} is declared but compute() did not return it`, {
        field: name,
      });
    b.output(name, v, recipients(decl, spec.parties));
  }
  for (const name of Object.keys(results)) {
    if (!(name in spec.outputs))
      throw new InvalidArgument(`compute() returned '${name}', which is not a declared output`, {
        field: name,
      });
  }
  const circuit = optimize(b.build());
  const id = computationId(circuit, { name: spec.name, protocol });
  const evaluatePlaintext = (inputsByParty: PlainInputs) => {
    const cols = evaluateProgram(circuit, encodeInputs(circuit, inputsByParty));
    return Object.fromEntries(
      circuit.outputs.map((o) => {
        const n = circuit.nodes[o.node];
        const col = cols[o.name];
        const vs = Array.from({ length: col.length }, (_, i) => decodeValue(col[i], n.type));
        return [o.name, n.length === 1 ? vs[0] : vs];
      }),
    );
  };
  return Object.freeze({
    name: spec.name,
    parties: Object.freeze([...spec.parties]),
    protocol,
    id,
    circuit,
    evaluatePlaintext,
    outputsFor(party: string, inputsByParty: PlainInputs) {
      if (!spec.parties.includes(party)) throw new InvalidArgument(`unknown party '${party}'`, { party });
      const all = evaluatePlaintext(inputsByParty);
      return Object.fromEntries(
        circuit.outputs.filter((o) => o.recipients.includes(party)).map((o) => [o.name, all[o.name]]),
      );
    },
    booleanStats(adder: 'ripple' | 'prefix' = 'ripple') {
      return circuitStats(lowerToBoolean(circuit, { adder }).circuit);
    },
  });
}
