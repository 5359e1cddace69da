#!/usr/bin/env node
/**
 * Assembles the WebAssembly text kernels in packages/kernels/wasm/*.wat into
 * packages/kernels/dist/wasm/*.wasm with wabt (the `wabt` npm package, a
 * devDependency of the workspace root), SIMD enabled, validated. Run by the
 * root `build` and `prepare` scripts before `tsc -b`, and by the kernels
 * loader when it runs from source and finds the .wasm missing or older than
 * its .wat. Writes are atomic (temporary file + rename) so concurrent runs are
 * safe. Exits non-zero, naming the file, when a kernel does not assemble.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtFactory from 'wabt';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'wasm');
const target = join(root, 'dist', 'wasm');

const wabt = await wabtFactory();
mkdirSync(target, { recursive: true });
const files = readdirSync(source)
  .filter((f) => f.endsWith('.wat'))
  .sort();
for (const file of files) {
  const text = readFileSync(join(source, file), 'utf8');
  let binary;
  try {
    const module = wabt.parseWat(file, text, { simd: true });
    module.resolveNames();
    module.validate();
    binary = module.toBinary({ log: false, write_debug_names: false }).buffer;
    module.destroy();
  } catch (e) {
    console.error(`build-wasm: ${file}: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
  const out = join(target, file.replace(/\.wat$/, '.wasm'));
  const temporary = `${out}.${process.pid}.tmp`;
  writeFileSync(temporary, binary);
  renameSync(temporary, out);
}
if (!process.argv.includes('--quiet')) console.error(`build-wasm: ${files.length} kernels -> ${target}`);
