import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import PlainSummaryReporter from './scripts/plainSummaryReporter.js';

// Tests import workspace packages from their TypeScript sources, so `vitest`
// needs no build; processes a test starts (the CLI, nodes) run the built dist.
const root = fileURLToPath(new URL('.', import.meta.url));
const alias: Record<string, string> = Object.fromEntries(
  readdirSync(`${root}packages`).map((name) => [`@parley/${name}`, `${root}packages/${name}/src/index.ts`]),
);
alias['@parley/circuits'] = `${root}circuits/lib/index.ts`;

export default defineConfig({
  resolve: { alias },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'circuits/test/**/*.test.ts',
      'test/**/*.test.ts',
      'bench/test/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', new PlainSummaryReporter()],
  },
});
