/** Compiles a summon program (TypeScript source) with summon-ts. */
import { readFile } from 'node:fs/promises';
import { CircuitFormatError } from '@parley/interface';
import * as summon from 'summon-ts';
import { circuitFileError } from '../fileErrors.js';
import type { SummonCircuit } from './importSummon.js';

export interface SummonCompileOptions {
  /** Bit width of numbers for a boolean circuit; omit for an arithmetic circuit. */
  boolifyWidth?: number;
  /** Values of the program's `io.inputPublic(…)` parameters, fixed at compile time. */
  publicInputs?: Record<string, unknown>;
}

let ready: Promise<void> | undefined;

/** Compiles summon source text; `path` names it in errors. */
export async function compileSummon(
  path: string,
  source: string,
  options: SummonCompileOptions = {},
): Promise<SummonCircuit> {
  ready ??= summon.init();
  await ready;
  const main = '/main.ts';
  let result: ReturnType<typeof summon.compile>;
  try {
    result = summon.compile({
      path: main,
      boolifyWidth: options.boolifyWidth,
      publicInputs: options.publicInputs,
      files: { [main]: source },
    } as Parameters<typeof summon.compile>[0]);
  } catch (e) {
    throw new CircuitFormatError(
      `${path}: summon could not compile the program: ${e instanceof Error ? e.message : String(e)}`,
      {
        file: path,
      },
    );
  }
  const diagnostics = Object.values(result.diagnostics ?? {}).flat() as Array<{
    message?: string;
    level?: string;
  }>;
  const errors = diagnostics.filter((d) => d.level === 'error' || d.level === undefined);
  if (errors.length > 0) {
    throw new CircuitFormatError(`${path}: ${errors.map((d) => d.message ?? JSON.stringify(d)).join('; ')}`, {
      file: path,
    });
  }
  return result.circuit as SummonCircuit;
}

export async function compileSummonFile(
  path: string,
  options: SummonCompileOptions = {},
): Promise<SummonCircuit> {
  const source = await readFile(path, 'utf8').catch((e: unknown) => {
    throw circuitFileError(path, e);
  });
  return compileSummon(path, source, options);
}
