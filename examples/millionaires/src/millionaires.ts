/**
 * The computation of this example: Yao's millionaires' problem as the
 * standard library's summon program (circuits/summon/millionaires.summon.ts):
 * alice's wealth `aliceWealth`, bob's `bobWealth`, one public output
 * `aliceIsRicher` (1 when alice's wealth is strictly greater, else 0). It is
 * compiled once to a boolean circuit on 32-bit unsigned numbers; the same
 * compiled circuit runs in memory through mpc-framework and, imported into
 * Parley's IR, on the party nodes.
 */
import {
  compileSummonFile,
  computationId,
  importSummon,
  type Program,
  type SummonCircuit,
} from '@parley/circuit';
import { summonProgramPath } from '@parley/circuits';
import { progressLines } from '@parley/cli';
import { InvalidArgument } from '@parley/interface';

/** The name the job is submitted under, and the policy rule's name for it. */
export const COMPUTATION_NAME = 'millionaires';
/** Bit width of the numbers: wealth is a whole number 0 .. 2^32 − 1. */
export const WIDTH = 32;
export const MAX_WEALTH = 2 ** WIDTH - 1;
/** The engine choice submitted to the nodes: `auto` is the garbled engine for two parties. */
export const PROTOCOL = 'auto';

export const PARTIES = ['alice', 'bob'] as const;
export type Party = (typeof PARTIES)[number];
/** Each party's one private input, as the summon program names it. */
export const INPUT_OF: Record<Party, string> = { alice: 'aliceWealth', bob: 'bobWealth' };
export const OUTPUT = 'aliceIsRicher';

export type Wealth = Record<Party, number>;

export interface Millionaires {
  /** The summon circuit, for mpc-framework's `Protocol`. */
  summon: SummonCircuit;
  /** The same circuit in Parley's IR, for the nodes. */
  program: Program;
  /** The computation id the nodes give the job (what the policies allow). */
  id: string;
  /** Path of the summon program. */
  source: string;
}

export async function compileMillionaires(): Promise<Millionaires> {
  const source = summonProgramPath('millionaires');
  const summon = await compileSummonFile(source, { boolifyWidth: WIDTH });
  for (const party of PARTIES) {
    const inputs = summon.mpcSettings.find((s) => s.name === party)?.inputs;
    if (inputs?.length !== 1 || inputs[0] !== INPUT_OF[party]) {
      throw new InvalidArgument(`${source}: expected ${party}'s one input ${INPUT_OF[party]}`, {
        file: source,
      });
    }
  }
  const program = importSummon(summon, { width: WIDTH, file: source });
  const id = computationId(program, { name: COMPUTATION_NAME, protocol: PROTOCOL });
  return { summon, program, id, source };
}

/** The plaintext answer, to check the MPC outputs against. */
export function aliceIsRicher(w: Wealth): number {
  return w.alice > w.bob ? 1 : 0;
}

/** What the output bit says, in words. */
export function verdict(bit: number): string {
  return bit === 1 ? 'alice is richer' : 'bob is at least as rich as alice';
}

/** Checks a wealth given on the command line: a whole number that fits the circuit's width. */
export function parseWealth(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n > MAX_WEALTH) {
    throw new InvalidArgument(`--${flag}: expected a whole number 0..${MAX_WEALTH}, got '${text}'`, {
      field: flag,
    });
  }
  return n;
}

/** Progress lines (a label column, then the text), times and paths, printed as `parley demo` prints them. */
export const say = progressLines();
export { displayPath, secondsSince } from '@parley/cli';
