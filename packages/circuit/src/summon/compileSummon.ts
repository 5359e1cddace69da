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
  // The compiler reports a panic (it panics on some syntax errors) on
  // console.error, with a stack, before it throws 'unreachable': that report
  // is kept out of the user's terminal and its message goes into the error.
  // compile() is synchronous, so nothing else logs while console.error is held.
  const reported: unknown[][] = [];
  const consoleError = console.error;
  console.error = (...parts: unknown[]) => reported.push(parts);
  try {
    result = summon.compile({
      path: main,
      boolifyWidth: options.boolifyWidth,
      publicInputs: options.publicInputs,
      files: { [main]: source },
    } as Parameters<typeof summon.compile>[0]);
  } catch (e) {
    const panic = reported.map((parts) => panicMessage(parts.join(' '))).find((m) => m !== undefined);
    const why = panic ?? (e instanceof Error ? e.message : String(e));
    throw new CircuitFormatError(`${path}: summon could not compile the program: ${why}`, { file: path });
  } finally {
    console.error = consoleError;
  }
  for (const parts of reported) consoleError(...parts);
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

/** The message of a Rust panic report ('panicked at FILE:LINE:COL:\nMESSAGE\n\nStack: …'), cut to 200 characters. */
function panicMessage(report: string): string | undefined {
  const m = /^panicked at [^\n]*:\n([\s\S]*?)(?:\n\s*\nStack:|$)/.exec(report);
  const message = m?.[1].trim();
  return message ? message.slice(0, 200) : undefined;
}
