/** `parley circuit run`: run a circuit securely, every party in this process (in-memory or over TLS WebSocket on loopback). */
import { formatValue, inputsByName, type LoadOptions, loadCircuitFile, type Program } from '@parley/circuit';
import { runGarbledLocally } from '@parley/garbled';
import { InvalidArgument, Unsupported } from '@parley/interface';
import { runGarbledOverLoopbackTls } from '@parley/node';
import type { Command } from 'commander';
import { loadOptions, parseAssignments } from './circuit.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface RunFlags {
  protocol: string;
  transport: string;
  input: string[];
  owner: string[];
  parties?: string;
  width?: number;
  mode?: string;
  json?: boolean;
}

/** Party names for a Bristol file: `--parties N` gives party0…party(N-1). */
function bristolParties(flags: RunFlags): string[] {
  const n = flags.parties === undefined ? 2 : Number(flags.parties);
  if (!Number.isInteger(n) || n < 2 || n > 16)
    throw new InvalidArgument(`--parties ${flags.parties}: expected 2..16`);
  return Array.from({ length: n }, (_, i) => `party${i}`);
}

function owners(flags: RunFlags, parties: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [group, who] of Object.entries(parseAssignments(flags.owner, '--owner'))) {
    out[group] = /^\d+$/.test(who) ? (parties[Number(who)] ?? who) : who;
  }
  return out;
}

function printOutputs(
  program: Program,
  outputs: Record<string, Record<string, { length: number; [i: number]: bigint }>>,
): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const o of program.outputs) {
    const col = outputs[o.recipients[0]]?.[o.name];
    if (!col) continue;
    const t = program.nodes[o.node].type;
    const parts = Array.from({ length: col.length }, (_, i) => formatValue(col[i], t));
    shown[o.name] = col.length === 1 ? parts[0] : `[${parts.join(',')}]`;
  }
  return shown;
}

export function registerRunCommand(circuit: Command): void {
  circuit
    .command('run <file>')
    .description(
      'run a circuit with MPC, all parties in this process; prints outputs, then gates, bytes and time',
    )
    .option('--protocol <protocol>', 'garbled (two parties)', 'garbled')
    .option(
      '--transport <transport>',
      'memory (default) or ws (WebSocket with mutual TLS on 127.0.0.1)',
      'memory',
    )
    .option('--input <NAME=VALUE>', 'an input value (decimal or 0x hex); repeat per input', collect, [])
    .option('--owner <INDEX=PARTY>', 'Bristol: the party that owns input group INDEX', collect, [])
    .option('--parties <n>', 'Bristol: number of parties (input group i belongs to party i mod n)')
    .option('--width <bits>', 'summon: bit width of numbers (default 32)', Number)
    .option('--mode <mode>', 'summon: boolean or arithmetic circuit')
    .option('--json', 'print JSON')
    .action(async (file: string, flags: RunFlags) => {
      const base: LoadOptions = loadOptions(flags);
      const parties = bristolParties(flags);
      const loaded = await loadCircuitFile(file, { ...base, parties, owners: owners(flags, parties) });
      const program = loaded.program;
      const inputs = inputsByName(program, parseAssignments(flags.input, '--input'));
      if (flags.protocol !== 'garbled')
        throw new Unsupported(`--protocol ${flags.protocol} is not available yet (garbled is)`);
      if (flags.transport !== 'memory' && flags.transport !== 'ws') {
        throw new InvalidArgument(`--transport ${flags.transport}: expected memory or ws`);
      }
      const r =
        flags.transport === 'ws'
          ? await runGarbledOverLoopbackTls(program, inputs)
          : await runGarbledLocally(program, inputs);
      const outputs = printOutputs(program, r.outputs);
      const figures = {
        protocol: flags.protocol,
        transport: flags.transport,
        andGates: r.andGates,
        bytesSent: r.bytes,
        ms: Number(r.ms.toFixed(1)),
        andPerSecond: Math.round(r.andGates / (r.ms / 1000)),
      };
      if (flags.json) {
        console.log(JSON.stringify({ outputs, ...figures }));
        return;
      }
      for (const [name, v] of Object.entries(outputs)) console.log(`${name}=${v}`);
      console.log('');
      console.log(`protocol   ${figures.protocol} (semi-honest, 2 parties), transport ${figures.transport}`);
      console.log(`AND gates  ${figures.andGates.toLocaleString('en-US')}`);
      console.log(`bytes      ${figures.bytesSent.toLocaleString('en-US')} sent`);
      console.log(
        `time       ${figures.ms} ms (${figures.andPerSecond.toLocaleString('en-US')} AND gates/s)`,
      );
    });
}
