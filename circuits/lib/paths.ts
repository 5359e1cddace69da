import { fileURLToPath } from 'node:url';

/** Absolute path of a summon program of the standard library, e.g. `summonProgramPath('millionaires')`. */
export function summonProgramPath(name: string): string {
  return fileURLToPath(new URL(`../summon/${name}.summon.ts`, import.meta.url));
}

export const SUMMON_PROGRAMS = ['millionaires', 'sum-mean-count', 'fraud-score'] as const;
