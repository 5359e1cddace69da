/** `parley circuit stats|eval`: inspect and evaluate circuit files in plaintext. */
import {
  circuitStats,
  encodeInputs,
  evaluateProgram,
  formatOutputs,
  inputsByName,
  lowerToBoolean,
} from '@parley/circuit';
import type { Command } from 'commander';
import {
  collect,
  type LoadFlags,
  loadCircuit,
  loadOptions,
  PUBLIC_OPTION,
  parseAssignments,
  parseWidth,
} from './circuitFlags.js';
import { registerRunCommand } from './run.js';

export function registerCircuitCommands(program: Command): void {
  const circuit = program
    .command('circuit')
    .description('inspect, evaluate and run circuits (Bristol .txt or summon .ts)');

  circuit
    .command('stats <file>')
    .description('gate counts, AND depth and layer widths of a circuit')
    .option('--json', 'print JSON')
    .option('--width <bits>', 'summon: bit width of numbers', parseWidth)
    .option(...PUBLIC_OPTION, collect, [])
    .action(async (file: string, flags: LoadFlags & { json?: boolean }) => {
      const loaded = await loadCircuit(file, { ...loadOptions(flags), mode: 'boolean' });
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
    .option(
      '--input <NAME=VALUE>',
      'an input value (decimal or 0x hex); repeat per input; PARTY.NAME for a name two parties share',
      collect,
      [],
    )
    .option('--json', 'print JSON')
    .option('--width <bits>', 'summon: bit width of numbers (default 32)', parseWidth)
    .option('--mode <mode>', 'summon: boolean (default) or arithmetic circuit')
    .option(...PUBLIC_OPTION, collect, [])
    .action(async (file: string, flags: LoadFlags & { input: string[]; json?: boolean }) => {
      const loaded = await loadCircuit(file, loadOptions(flags));
      const p = loaded.program;
      const inputs = inputsByName(p, parseAssignments(flags.input, '--input'));
      const outputs = formatOutputs(p, evaluateProgram(p, encodeInputs(p, inputs)));
      if (flags.json) console.log(JSON.stringify({ outputs }));
      else for (const [name, v] of Object.entries(outputs)) console.log(`${name}=${v}`);
    });

  registerRunCommand(circuit);
}
