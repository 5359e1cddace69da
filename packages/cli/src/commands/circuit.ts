/** `parley circuit stats|eval`: inspect and evaluate circuit files in plaintext. */
import {
  circuitStats,
  encodeInputs,
  evaluateProgram,
  formatOutputs,
  inputsByName,
  type LoadOptions,
  loadCircuitFile,
  lowerToBoolean,
} from '@parley/circuit';
import { InvalidArgument } from '@parley/interface';
import type { Command } from 'commander';
import { registerRunCommand } from './run.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Parses repeated `NAME=VALUE` options; errors name the malformed one. */
export function parseAssignments(list: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new InvalidArgument(`${flag} ${item}: expected NAME=VALUE`, { field: flag });
    const name = item.slice(0, eq);
    if (name in out) throw new InvalidArgument(`${flag} ${name} is given twice`, { field: name });
    out[name] = item.slice(eq + 1);
  }
  return out;
}

function parseWidth(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new InvalidArgument(`--width ${v}: expected a whole number 1..64`);
  return n;
}

interface LoadFlags {
  width?: number;
  mode?: string;
}

export function loadOptions(flags: LoadFlags): LoadOptions {
  if (flags.mode !== undefined && flags.mode !== 'boolean' && flags.mode !== 'arithmetic') {
    throw new InvalidArgument(`--mode ${flags.mode}: expected boolean or arithmetic`);
  }
  return { width: flags.width, mode: flags.mode as LoadOptions['mode'] };
}

export function registerCircuitCommands(program: Command): void {
  const circuit = program
    .command('circuit')
    .description('inspect, evaluate and run circuits (Bristol .txt or summon .ts)');

  circuit
    .command('stats <file>')
    .description('gate counts, AND depth and layer widths of a circuit')
    .option('--json', 'print JSON')
    .option('--width <bits>', 'summon: bit width of numbers', parseWidth)
    .action(async (file: string, flags: LoadFlags & { json?: boolean }) => {
      const loaded = await loadCircuitFile(file, { ...loadOptions(flags), mode: 'boolean' });
      const boolean = loaded.boolean ?? lowerToBoolean(loaded.program).circuit;
      const s = circuitStats(boolean);
      if (flags.json) {
        console.log(JSON.stringify(s));
        return;
      }
      console.log(`file        ${file}`);
      console.log(`gates       ${s.gates}`);
      console.log(`AND         ${s.and}`);
      console.log(`XOR         ${s.xor}`);
      console.log(`INV         ${s.inv}`);
      if (s.const + s.copy > 0) console.log(`EQ/EQW      ${s.const}/${s.copy}`);
      console.log(`AND depth   ${s.andDepth}`);
      console.log(`wires       ${s.wires}`);
      console.log(`inputs      ${s.inputs.map((g) => `${g.name}:${g.width}`).join(' ')}`);
      console.log(`outputs     ${s.outputs.map((g) => `${g.name}:${g.width}`).join(' ')}`);
      const widths = s.layerWidths;
      const shown = widths.length > 16 ? [...widths.slice(0, 8), '…', ...widths.slice(-8)] : widths;
      console.log(`AND layers  ${shown.join(' ')}`);
    });

  circuit
    .command('eval <file>')
    .description('evaluate a circuit in plaintext (no MPC); prints NAME=VALUE per output')
    .option('--input <NAME=VALUE>', 'an input value (decimal or 0x hex); repeat per input', collect, [])
    .option('--json', 'print JSON')
    .option('--width <bits>', 'summon: bit width of numbers (default 32)', parseWidth)
    .option('--mode <mode>', 'summon: boolean (default) or arithmetic circuit')
    .action(async (file: string, flags: LoadFlags & { input: string[]; json?: boolean }) => {
      const loaded = await loadCircuitFile(file, loadOptions(flags));
      const p = loaded.program;
      const inputs = inputsByName(p, parseAssignments(flags.input, '--input'));
      const outputs = formatOutputs(p, evaluateProgram(p, encodeInputs(p, inputs)));
      if (flags.json) console.log(JSON.stringify({ outputs }));
      else for (const [name, v] of Object.entries(outputs)) console.log(`${name}=${v}`);
    });

  registerRunCommand(circuit);
}
