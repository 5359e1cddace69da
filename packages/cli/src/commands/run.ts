/** `parley circuit run`: run a circuit securely, every party in this process (in-memory or over TLS WebSocket on loopback). */
import {
  type Column,
  formatValue,
  inputsByName,
  type LoadOptions,
  type PlainInputs,
  type Program,
} from '@parley/circuit';
import { runGarbledLocally } from '@parley/garbled';
import { InvalidArgument } from '@parley/interface';
import { runGarbledOverLoopbackTls, runOverLoopbackTls } from '@parley/node';
import { PROTOCOLS } from '@parley/sdk';
import {
  type PreparedSharing,
  prepareSharing,
  runSharingLocally,
  type SharingProtocolName,
  SharingSession,
  type SharingStats,
  schemeOf,
} from '@parley/sharing';
import type { Command } from 'commander';
import {
  collect,
  loadCircuit,
  loadOptions,
  PUBLIC_OPTION,
  parseAssignments,
  parseWidth,
} from './circuitFlags.js';

/**
 * What `time` covers, the same for every protocol and transport: from the
 * start of the parties' sessions, preparing the circuit (lowering, sharing
 * plan) included, to the last party's output; over ws the TLS connections
 * are set up before it starts.
 */
const TIME_SPAN = 'circuit preparation to the last output, connection set-up excluded';

interface RunFlags {
  protocol: string;
  transport: string;
  input: string[];
  owner: string[];
  parties?: string;
  width?: number;
  mode?: string;
  public: string[];
  json?: boolean;
}

/** Party names for a Bristol file: `--parties N` gives party0…party(N-1). */
function bristolParties(flags: RunFlags): string[] {
  const n = flags.parties === undefined ? 2 : Number(flags.parties);
  if (!Number.isInteger(n) || n < 2 || n > 16)
    throw new InvalidArgument(`--parties ${flags.parties}: expected 2..16`, { field: 'parties' });
  return Array.from({ length: n }, (_, i) => `party${i}`);
}

function owners(flags: RunFlags, parties: string[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
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

/** `auto`: garbled for two parties, additive sharing for more. */
function chooseProtocol(flag: string, parties: number): 'garbled' | SharingProtocolName {
  if (!(PROTOCOLS as readonly string[]).includes(flag)) {
    throw new InvalidArgument(`--protocol ${flag}: expected ${PROTOCOLS.join(', ')}`, { field: 'protocol' });
  }
  if (flag === 'auto') return parties === 2 ? 'garbled' : 'sharing';
  return flag as 'garbled' | SharingProtocolName;
}

interface SharingRun {
  outputs: Record<string, Record<string, Column>>;
  stats: SharingStats[];
  ms: number;
}

async function runSharing(
  program: Program,
  inputs: PlainInputs,
  protocol: SharingProtocolName,
  transport: string,
): Promise<SharingRun> {
  if (transport === 'memory') {
    const r = await runSharingLocally(program, inputs, { protocol });
    return { outputs: r.outputs, stats: Object.values(r.stats), ms: r.ms };
  }
  // Prepared when the first session starts, inside the timed span (as runSharingLocally and the garbled runs do).
  let prepared: PreparedSharing | undefined;
  const { sessions, outputs, ms } = await runOverLoopbackTls(program.parties, (party, send) => {
    prepared ??= prepareSharing(program, schemeOf(protocol));
    return new SharingSession(prepared, party, inputs[party] ?? {}, send, { protocol, sendCopies: true });
  });
  return {
    outputs: Object.fromEntries(program.parties.map((p, i) => [p, outputs[i]])),
    stats: sessions.map((s) => s.stats()),
    ms,
  };
}

function sharingFigures(protocol: SharingProtocolName, transport: string, r: SharingRun) {
  const s = r.stats;
  const max = (f: (x: SharingStats) => number) => Math.max(...s.map(f));
  const sum = (f: (x: SharingStats) => number) => s.reduce((acc, x) => acc + f(x), 0);
  return {
    protocol,
    transport,
    parties: s.length,
    rounds: s[0].rounds,
    multiplications: s[0].multiplications,
    andGates: s[0].andGates,
    bytesSent: sum((x) => x.bytesSent - x.offlineBytesSent),
    offlineBytesSent: sum((x) => x.offlineBytesSent),
    ms: Number(r.ms.toFixed(1)),
    msCovers: TIME_SPAN,
    onlineMs: Number(max((x) => x.onlineMs).toFixed(1)),
    offlineMs: Number(max((x) => x.offlineMs).toFixed(1)),
  };
}

function printSharing(f: ReturnType<typeof sharingFigures>): void {
  const n = (v: number) => v.toLocaleString('en-US');
  const model =
    f.protocol === 'replicated'
      ? 'semi-honest, honest majority'
      : 'semi-honest, dishonest majority, Beaver triples from OT';
  console.log(`protocol   ${f.protocol} (${model}, ${f.parties} parties), transport ${f.transport}`);
  console.log(`rounds     ${n(f.rounds)} online`);
  console.log(`products   ${n(f.multiplications)} ring multiplications, ${n(f.andGates)} AND gates`);
  const offline = f.protocol === 'replicated' ? '' : `, ${n(f.offlineBytesSent)} offline`;
  console.log(`bytes      ${n(f.bytesSent)} sent online${offline}`);
  const offlineMs = f.protocol === 'replicated' ? '' : `, offline ${f.offlineMs} ms`;
  console.log(`time       ${f.ms} ms (online ${f.onlineMs} ms${offlineMs}): ${f.msCovers}`);
}

export function registerRunCommand(circuit: Command): void {
  circuit
    .command('run <file>')
    .description(
      'run a circuit with MPC, all parties in this process; prints outputs, then gates, bytes and time',
    )
    .option(
      '--protocol <protocol>',
      'garbled (two parties), sharing (additive, n parties), replicated (three parties), or auto',
      'auto',
    )
    .option(
      '--transport <transport>',
      'memory (default) or ws (WebSocket with mutual TLS on 127.0.0.1)',
      'memory',
    )
    .option(
      '--input <NAME=VALUE>',
      'an input value (decimal or 0x hex); repeat per input; PARTY.NAME for a name two parties share',
      collect,
      [],
    )
    .option('--owner <INDEX=PARTY>', 'Bristol: the party that owns input group INDEX', collect, [])
    .option(
      '--parties <n>',
      'Bristol: number of parties, party0 … party(n−1) (input group i belongs to party i mod n)',
    )
    .option('--width <bits>', 'summon: bit width of numbers (default 32)', parseWidth)
    .option('--mode <mode>', 'summon: boolean or arithmetic circuit')
    .option(...PUBLIC_OPTION, collect, [])
    .option('--json', 'print JSON')
    .action(async (file: string, flags: RunFlags) => {
      if (flags.transport !== 'memory' && flags.transport !== 'ws') {
        throw new InvalidArgument(`--transport ${flags.transport}: expected memory or ws`, {
          field: 'transport',
        });
      }
      const base: LoadOptions = loadOptions(flags);
      const parties = bristolParties(flags);
      const loaded = await loadCircuit(file, { ...base, parties, owners: owners(flags, parties) });
      const program = loaded.program;
      const inputs = inputsByName(program, parseAssignments(flags.input, '--input'));
      const protocol = chooseProtocol(flags.protocol, program.parties.length);
      if (protocol !== 'garbled') {
        const run = await runSharing(program, inputs, protocol, flags.transport);
        const outputs = printOutputs(program, run.outputs);
        const figures = sharingFigures(protocol, flags.transport, run);
        if (flags.json) {
          console.log(JSON.stringify({ outputs, ...figures }));
          return;
        }
        for (const [name, v] of Object.entries(outputs)) console.log(`${name}=${v}`);
        console.log('');
        printSharing(figures);
        return;
      }
      const r =
        flags.transport === 'ws'
          ? await runGarbledOverLoopbackTls(program, inputs)
          : await runGarbledLocally(program, inputs);
      const outputs = printOutputs(program, r.outputs);
      const figures = {
        protocol,
        transport: flags.transport,
        andGates: r.andGates,
        bytesSent: r.bytes,
        ms: Number(r.ms.toFixed(1)),
        msCovers: TIME_SPAN,
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
        `time       ${figures.ms} ms (${figures.andPerSecond.toLocaleString('en-US')} AND gates/s): ${figures.msCovers}`,
      );
    });
}
