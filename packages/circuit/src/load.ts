/**
 * Loading a circuit file by its kind: `.txt`/`.bristol` Bristol Fashion (or
 * old Bristol) and `.ts` summon programs. Both become an IR program; a Bristol
 * file's input groups are named `0`, `1`, … and owned by parties given by the
 * caller (default: group i belongs to party i mod the number of parties).
 */
import { extname } from 'node:path';
import { InvalidArgument } from '@parley/interface';
import type { BooleanCircuit } from './boolean/circuit.js';
import { readBristolFile } from './bristol/reader.js';
import { CircuitBuilder } from './ir/builder.js';
import type { Program } from './ir/program.js';
import { bit, uint } from './ir/types.js';
import { compileSummonFile } from './summon/compileSummon.js';
import { importSummon, type SummonCircuit, summonBooleanCircuit } from './summon/importSummon.js';

export interface LoadOptions {
  /** Summon: bit width of numbers (default 32). */
  width?: number;
  /** Summon: compile to a boolean (default) or an arithmetic circuit. */
  mode?: 'boolean' | 'arithmetic';
  /** Summon: values of `io.inputPublic` parameters. */
  publicInputs?: Record<string, unknown>;
  /** Bristol: party names, and which party owns each input group (by index). */
  parties?: string[];
  owners?: Record<string, string>;
}

export interface LoadedCircuit {
  kind: 'bristol' | 'summon';
  program: Program;
  /** The boolean circuit as loaded (Bristol, or summon compiled in boolean mode). */
  boolean?: BooleanCircuit;
  summon?: SummonCircuit;
}

export function circuitKind(path: string): 'bristol' | 'summon' {
  const ext = extname(path).toLowerCase();
  if (ext === '.ts') return 'summon';
  if (ext === '.txt' || ext === '.bristol') return 'bristol';
  throw new InvalidArgument(
    `${path}: unknown circuit file kind '${ext}' (expected .txt Bristol or .ts summon)`,
    { file: path },
  );
}

export async function loadCircuitFile(path: string, options: LoadOptions = {}): Promise<LoadedCircuit> {
  if (circuitKind(path) === 'summon') {
    const mode = options.mode ?? 'boolean';
    const width = options.width ?? 32;
    const summon = await compileSummonFile(path, {
      boolifyWidth: mode === 'boolean' ? width : undefined,
      publicInputs: options.publicInputs,
    });
    const program = importSummon(summon, { width, file: path });
    const boolean = mode === 'boolean' ? summonBooleanCircuit(summon, { file: path }) : undefined;
    return { kind: 'summon', program, boolean, summon };
  }
  const circuit = await readBristolFile(path);
  return { kind: 'bristol', program: bristolProgram(circuit, options), boolean: circuit };
}

/** Wraps a Bristol circuit as an IR program: input group i is input `i` of its owner, output group j is output `j` for every party. */
export function bristolProgram(
  circuit: BooleanCircuit,
  options: Pick<LoadOptions, 'parties' | 'owners'> = {},
): Program {
  const parties = options.parties ?? ['party0', 'party1'];
  const owners = options.owners ?? {};
  for (const [group, owner] of Object.entries(owners)) {
    if (!circuit.inputs.some((g) => g.name === group)) {
      throw new InvalidArgument(`--owner ${group}=${owner}: the circuit has no input ${group}`, {
        field: group,
      });
    }
    if (!parties.includes(owner)) {
      throw new InvalidArgument(`--owner ${group}=${owner}: unknown party (parties: ${parties.join(', ')})`, {
        field: group,
      });
    }
  }
  const b = new CircuitBuilder(parties);
  const args = circuit.inputs.map((g, i) => {
    const owner = Object.hasOwn(owners, g.name) ? owners[g.name] : parties[i % parties.length];
    return b.input(owner, g.name, g.wires.length === 1 ? bit : uint(g.wires.length));
  });
  const outs = b.call(circuit, args);
  circuit.outputs.forEach((g, i) => {
    b.output(g.name, outs[i]);
  });
  return b.build();
}
