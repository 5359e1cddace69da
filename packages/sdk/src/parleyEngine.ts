/**
 * `ParleyEngine`: Parley's engines behind mpc-framework's `Engine` interface,
 * so summon circuits run through mpc-framework's `Protocol` exactly as with
 * emp-wasm-engine:
 *
 *   const session = new Protocol(circuit, new ParleyEngine()).join('alice', { a: 3 }, send);
 *   session.handleMessage(from, bytes); await session.output();
 *
 * Two-party circuits run on the garbled engine (semi-honest, dishonest
 * majority). Circuits of three or more parties, or any circuit when asked
 * with `protocol: 'sharing'`, run on the additive secret-sharing engine
 * (semi-honest, dishonest majority, Beaver triples from OT); with
 * `protocol: 'replicated'`, three-party circuits run on replicated sharing
 * (semi-honest, honest majority: faster, but any two parties together learn
 * everything).
 */
import { type Column, decodeValue, importSummon, type Program, type SummonCircuit } from '@parley/circuit';
import { GARBLED_SECURITY, GarbledSession, inputBits, outputColumns, prepareProgram } from '@parley/garbled';
import { InvalidArgument, MAX_TIMER_MS, type SecurityModel } from '@parley/interface';
import {
  ADDITIVE_SECURITY,
  type PreparedSharing,
  prepareSharing,
  REPLICATED_SECURITY,
  SharingSession,
} from '@parley/sharing';
import type { Circuit, Engine, EngineSession } from 'mpc-framework-common';
import { checkProtocol, checkProtocolName, type EngineName, type Protocol } from './protocols.js';

export interface ParleyEngineOptions {
  /** `auto` (default): garbled for two parties, `sharing` (additive) for more. */
  protocol?: Protocol;
  /**
   * How long a party waits for a peer's next message before the run fails
   * with a typed Timeout, in ms (default 60 s, as a party node waits; 0: no
   * limit; at most MAX_TIMER_MS). mpc-framework tells an engine nothing when a peer goes away, so
   * this is what ends a run whose peer stopped.
   */
  timeoutMs?: number;
}

/** ParleyEngineOptions.timeoutMs when none is given. */
export const DEFAULT_ENGINE_TIMEOUT_MS = 60_000;

interface Prepared {
  program: Program;
  garbled?: ReturnType<typeof prepareProgram>;
  sharing?: PreparedSharing;
  replicated?: PreparedSharing;
}

/**
 * Imported and prepared circuits by circuit object: the parties of a local run
 * (and later runs of the same circuit) import, lower and plan it once. Read-only
 * after preparation, so sessions may share it.
 */
const prepared = new WeakMap<object, Prepared>();

function prepare(summon: SummonCircuit): Prepared {
  let p = prepared.get(summon);
  if (!p) {
    p = { program: importSummon(summon) };
    prepared.set(summon, p);
  }
  return p;
}

export class ParleyEngine implements Engine {
  constructor(private readonly options: ParleyEngineOptions = {}) {
    checkProtocolName(options.protocol ?? 'auto');
    const t = options.timeoutMs;
    if (t !== undefined && !(Number.isInteger(t) && t >= 0 && t <= MAX_TIMER_MS)) {
      throw new InvalidArgument(
        `timeoutMs must be a whole number of ms from 0 (no limit) to ${MAX_TIMER_MS}`,
        {
          field: 'timeoutMs',
        },
      );
    }
  }

  /** The engine a circuit of `parties` parties runs on. */
  private engineFor(parties: number): EngineName {
    return checkProtocol(this.options.protocol ?? 'auto', parties);
  }

  /** The security model of the engine a circuit of `parties` parties would run on. */
  securityModel(parties: number): SecurityModel {
    const engine = this.engineFor(parties);
    if (engine === 'garbled') return GARBLED_SECURITY;
    return engine === 'replicated' ? REPLICATED_SECURITY : ADDITIVE_SECURITY;
  }

  run(
    circuit: Circuit,
    name: string,
    input: Record<string, unknown>,
    send: (to: string, msg: Uint8Array) => void,
  ): EngineSession {
    const summon = circuit as SummonCircuit;
    const p = prepare(summon);
    const engine = this.engineFor(p.program.parties.length);
    if (engine !== 'garbled') {
      const spec = p[engine] ?? prepareSharing(p.program, engine === 'sharing' ? 'additive' : 'replicated');
      p[engine] = spec;
      const session = new SharingSession(spec, name, input, send, {
        protocol: engine,
        timeoutMs: this.options.timeoutMs ?? DEFAULT_ENGINE_TIMEOUT_MS,
      });
      return {
        handleMessage: (from, msg) => session.handleMessage(from, msg),
        output: async () => summonOutputs(summon, p.program, await session.output()),
      };
    }
    const garbled = p.garbled ?? prepareProgram(p.program);
    p.garbled = garbled;
    const session = new GarbledSession(garbled.spec, name, inputBits(garbled, name, input), send, {
      timeoutMs: this.options.timeoutMs ?? DEFAULT_ENGINE_TIMEOUT_MS,
    });
    return {
      handleMessage: (from, msg) => session.handleMessage(from, msg),
      output: async () => summonOutputs(summon, p.program, outputColumns(p.program, await session.output())),
    };
  }
}

/**
 * Output columns as mpc-framework's values: numbers, booleans for `bool`
 * outputs, and a bigint for an integer beyond Number.MAX_SAFE_INTEGER (a
 * wide `boolifyWidth`), which a number would round.
 */
function summonOutputs(
  summon: SummonCircuit,
  program: Program,
  cols: Record<string, Column>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of summon.info.outputs) {
    const col = cols[o.name];
    if (!col) continue;
    const node = program.nodes[program.outputs.find((x) => x.name === o.name)?.node ?? -1];
    const v = decodeValue(col[0], node.type);
    out[o.name] = o.type === 'bool' ? v === 1n : typeof v === 'bigint' && !isSafe(v) ? v : Number(v);
  }
  return out;
}

function isSafe(v: bigint): boolean {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER);
}
