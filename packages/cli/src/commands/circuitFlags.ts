/**
 * The flags the commands that load a circuit file share (`circuit stats`,
 * `eval`, `run`, `job submit`): `--input`/`--owner NAME=VALUE`, `--width`,
 * `--mode` and `--public NAME=VALUE` (a summon program's `io.inputPublic`
 * values). Every problem is an InvalidArgument naming the flag.
 */
import { readFile } from 'node:fs/promises';
import { circuitKind, type LoadedCircuit, type LoadOptions, loadCircuitFile } from '@parley/circuit';
import { CircuitFormatError, InvalidArgument } from '@parley/interface';

/** Commander's collector for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Parses repeated `NAME=VALUE` options into a record without a prototype
 * (so `toString`, `constructor` or `__proto__` are names like any other);
 * errors name the malformed one by its position (an item without a name may
 * be a secret value, so it is never quoted) and the repeated one by name.
 */
export function parseAssignments(list: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [i, item] of list.entries()) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      const what = eq < 0 ? "it has no '='" : 'its name is empty';
      throw new InvalidArgument(`${flag} (item ${i + 1} of ${list.length}): expected NAME=VALUE, ${what}`, {
        field: flag,
      });
    }
    const name = item.slice(0, eq);
    if (Object.hasOwn(out, name))
      throw new InvalidArgument(`${flag} ${name} is given twice`, { field: name });
    out[name] = item.slice(eq + 1);
  }
  return out;
}

/** `--width BITS`: a whole number 1..64. */
export function parseWidth(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 64)
    throw new InvalidArgument(`--width ${v}: expected a whole number 1..64`, { field: 'width' });
  return n;
}

/** A `--public` value: a whole number (decimal or 0x hex, within ±2^53) or true/false. */
function publicValue(name: string, v: string): number | boolean {
  if (v === 'true' || v === 'false') return v === 'true';
  const negative = v.startsWith('-');
  const digits = negative ? v.slice(1) : v;
  if (/^(\d+|0x[0-9a-fA-F]+)$/.test(digits)) {
    const n = Number(digits);
    if (Number.isSafeInteger(n)) return negative ? -n : n;
  }
  throw new InvalidArgument(
    `--public ${name}=${v}: expected a whole number (decimal or 0x hex, at most 2^53 − 1) or true/false`,
    { field: 'public' },
  );
}

/** `--public NAME=VALUE` options as a summon program's public inputs. */
export function parsePublicInputs(list: readonly string[]): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = Object.create(null);
  for (const [name, v] of Object.entries(parseAssignments(list, '--public')))
    out[name] = publicValue(name, v);
  return out;
}

/** `--public NAME=VALUE` as every command that loads a circuit file takes it. */
export const PUBLIC_OPTION = [
  '--public <NAME=VALUE>',
  'summon: the value of a public input (io.inputPublic), a whole number or true/false; repeat per input',
] as const;

export interface LoadFlags {
  width?: number;
  mode?: string;
  /** `--public NAME=VALUE`, repeated. */
  public?: string[];
}

export function loadOptions(flags: LoadFlags): LoadOptions {
  if (flags.mode !== undefined && flags.mode !== 'boolean' && flags.mode !== 'arithmetic') {
    throw new InvalidArgument(`--mode ${flags.mode}: expected boolean or arithmetic`, { field: 'mode' });
  }
  const publicInputs = parsePublicInputs(flags.public ?? []);
  return {
    width: flags.width,
    mode: flags.mode as LoadOptions['mode'],
    ...(Object.keys(publicInputs).length > 0 ? { publicInputs: { ...publicInputs } } : {}),
  };
}

/** The names a summon program's `io.inputPublic('NAME', …)` calls give, and whether every call gives one. */
export function summonPublicInputs(source: string): { names: string[]; allLiteral: boolean } {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const calls = code.match(/\binputPublic\s*\(/g)?.length ?? 0;
  const names = [...code.matchAll(/\binputPublic\s*\(\s*(['"`])([^'"`\\]*)\1/g)].map((m) => m[2]);
  return { names: [...new Set(names)], allLiteral: names.length === calls };
}

/**
 * Loads a circuit file (loadCircuitFile) after checking `--public` against a
 * summon program's public inputs: one not given, or one the program does
 * not have, is an InvalidArgument naming it (summon itself says only
 * `unreachable`).
 */
export async function loadCircuit(file: string, options: LoadOptions): Promise<LoadedCircuit> {
  const given = Object.keys(options.publicInputs ?? {});
  if (circuitKind(file) !== 'summon') {
    if (given.length > 0) {
      throw new InvalidArgument(
        `--public ${given[0]}: ${file} is a Bristol circuit; --public is for summon programs`,
        {
          field: 'public',
        },
      );
    }
    return loadCircuitFile(file, options);
  }
  // An unreadable file: loadCircuitFile names the problem.
  const source = await readFile(file, 'utf8').catch(() => undefined);
  const declared = source === undefined ? undefined : summonPublicInputs(source);
  if (declared) {
    const list = declared.names.length > 0 ? declared.names.join(', ') : 'none';
    const missing = declared.names.find((n) => !given.includes(n));
    if (missing !== undefined) {
      throw new InvalidArgument(
        `${file}: public input '${missing}' is not given: add --public ${missing}=VALUE (the program's public inputs: ${list})`,
        { field: 'public', file },
      );
    }
    const unknown = declared.allLiteral ? given.find((n) => !declared.names.includes(n)) : undefined;
    if (unknown !== undefined) {
      throw new InvalidArgument(
        `--public ${unknown}: ${file} has no public input '${unknown}' (it has ${list})`,
        {
          field: 'public',
          file,
        },
      );
    }
  }
  try {
    return await loadCircuitFile(file, options);
  } catch (e) {
    // A public input the scan could not see (a name that is not a literal) fails as `unreachable` too.
    if (
      e instanceof CircuitFormatError &&
      /unreachable/.test(e.message) &&
      declared &&
      !declared.allLiteral
    ) {
      throw new CircuitFormatError(
        `${e.message} (the program reads public inputs by computed names: give each with --public NAME=VALUE)`,
        { ...e.details, file },
      );
    }
    throw e;
  }
}
