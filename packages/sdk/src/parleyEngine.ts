/**
 * `ParleyEngine`: Parley's engines behind mpc-framework's `Engine` interface,
 * so summon circuits run through mpc-framework's `Protocol` exactly as with
 * emp-wasm-engine:
 *
 *   const session = new Protocol(circuit, new ParleyEngine()).join('alice', { a: 3 }, send);
 *   session.handleMessage(from, bytes); await session.output();
 *
 * Two-party circuits run on the garbled engine (semi-honest, dishonest
 * majority); circuits of three or more parties need the secret-sharing engine.
 */
import { decodeValue, importSummon, type Program, type SummonCircuit } from '@parley/circuit';
import { GARBLED_SECURITY, GarbledSession, inputBits, outputColumns, prepareProgram } from '@parley/garbled';
import { InvalidArgument, type SecurityModel, Unsupported } from '@parley/interface';
import type { Circuit, Engine, EngineSession } from 'mpc-framework-common';

export interface ParleyEngineOptions {
  /** `auto` (default): garbled for two parties. */
  protocol?: 'auto' | 'garbled' | 'sharing' | 'replicated';
  /** Receive timeout in ms (0: none). */
  timeoutMs?: number;
}

/**
 * Imported and lowered circuits by circuit object: the parties of a local run
 * (and later runs of the same circuit) import, lower and plan it once. Read-only
 * after preparation, so sessions may share it.
 */
const prepared = new WeakMap<object, { program: Program; garbled: ReturnType<typeof prepareProgram> }>();

function prepare(summon: SummonCircuit) {
  let p = prepared.get(summon);
  if (!p) {
    const program = importSummon(summon);
    p = { program, garbled: prepareProgram(program) };
    prepared.set(summon, p);
  }
  return p;
}

export class ParleyEngine implements Engine {
  constructor(private readonly options: ParleyEngineOptions = {}) {
    const p = options.protocol ?? 'auto';
    if (!['auto', 'garbled', 'sharing', 'replicated'].includes(p)) {
      throw new InvalidArgument(`unknown protocol '${p}' (auto, garbled, sharing, replicated)`, {
        field: 'protocol',
      });
    }
  }

  /** The security model of the engine this circuit would run on. */
  securityModel(parties: number): SecurityModel {
    if (parties === 2 && (this.options.protocol ?? 'auto') !== 'sharing') return GARBLED_SECURITY;
    throw new Unsupported(
      `no engine for ${parties} parties with protocol '${this.options.protocol ?? 'auto'}' yet`,
    );
  }

  run(
    circuit: Circuit,
    name: string,
    input: Record<string, unknown>,
    send: (to: string, msg: Uint8Array) => void,
  ): EngineSession {
    const summon = circuit as SummonCircuit;
    const { program, garbled } = prepare(summon);
    const protocol = this.options.protocol ?? 'auto';
    if (program.parties.length !== 2 || protocol === 'sharing' || protocol === 'replicated') {
      throw new Unsupported(
        `the ${protocol === 'auto' ? 'secret-sharing' : protocol} engine for ${program.parties.length} parties is not available yet`,
      );
    }
    const session = new GarbledSession(garbled.spec, name, inputBits(garbled, name, input), send, {
      timeoutMs: this.options.timeoutMs,
    });
    return {
      handleMessage: (from, msg) => session.handleMessage(from, msg),
      output: async () => {
        const cols = outputColumns(program, await session.output());
        const out: Record<string, unknown> = {};
        for (const o of summon.info.outputs) {
          const col = cols[o.name];
          if (!col) continue;
          const node = program.nodes[program.outputs.find((x) => x.name === o.name)?.node ?? -1];
          const v = decodeValue(col[0], node.type);
          out[o.name] = o.type === 'bool' ? v === 1n : Number(v);
        }
        return out;
      },
    };
  }
}
