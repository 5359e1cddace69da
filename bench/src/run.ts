/**
 * `npm run bench [-- --quick] [--suite NAME]… [--json FILE] [--list] [--help]`: runs the suites
 * in ./suites, prints a markdown table and optionally writes the results as
 * JSON `{ node, cpu, timestamp, results: [{ suite, name, unit, value, samples, detail? }] }`.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { BenchResult, BenchSuite } from './harness.js';

const USAGE = `Usage: npm run bench -- [options]

  --quick        fewer and smaller runs (what the acceptance scripts use)
  --suite NAME   run only this suite (repeatable; see --list)
  --json FILE    also write the results as JSON
  --list         print the suite names and exit
  --help         print this help and exit`;

function parseOptions() {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        suite: { type: 'string', multiple: true },
        json: { type: 'string' },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (e) {
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    process.exit(2);
  }
}

const values = parseOptions();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const dir = new URL('./suites/', import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.js'))
  .sort();
const suites: BenchSuite[] = [];
for (const f of files) suites.push((await import(new URL(f, dir).href)).default as BenchSuite);

if (values.list) {
  for (const s of suites) console.log(s.name);
  process.exit(0);
}
const wanted = values.suite ?? suites.map((s) => s.name);
const unknown = wanted.filter((w) => !suites.some((s) => s.name === w));
if (unknown.length > 0) {
  console.error(`bench: unknown suite ${unknown.join(', ')} (have: ${suites.map((s) => s.name).join(', ')})`);
  process.exit(2);
}

const results: BenchResult[] = [];
for (const suite of suites.filter((s) => wanted.includes(s.name))) {
  console.error(`bench: ${suite.name}${values.quick ? ' (quick)' : ''} …`);
  const t0 = performance.now();
  await suite.run({
    quick: values.quick,
    record(name, unit, value, samples = 1, detail) {
      results.push({ suite: suite.name, name, unit, value, samples, ...(detail ? { detail } : {}) });
      console.error(`  ${name} = ${formatValue(value)} ${unit}${detail ? ` (${detail})` : ''}`);
    },
  });
  console.error(`bench: ${suite.name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

console.log('| suite | metric | value | unit | samples | detail |');
console.log('|---|---|---:|---|---:|---|');
for (const r of results)
  console.log(
    `| ${r.suite} | ${r.name} | ${formatValue(r.value)} | ${r.unit} | ${r.samples} | ${r.detail ?? ''} |`,
  );

if (values.json) {
  const doc = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    timestamp: new Date().toISOString(),
    results,
  };
  writeFileSync(values.json, `${JSON.stringify(doc, null, 2)}\n`);
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toPrecision(4);
}
