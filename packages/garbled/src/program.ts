/**
 * Running an IR program on the garbled engine: the program is lowered to a
 * boolean circuit (ripple gadgets: fewest AND gates), its first party garbles
 * and its second evaluates; inputs and outputs convert between IR columns and
 * the wire bits of their groups (element i, bit b at position i·k + b).
 */
import {
  type Column,
  canonicalEncoding,
  chunkRanges,
  elementwiseLength,
  encodePartyInputs,
  type LoweringProgress,
  lowerToBoolean,
  newColumn,
  type PartyInputs,
  type Program,
  sliceProgram,
  widthOf,
} from '@parley/circuit';
import { sha256, toHex } from '@parley/crypto';
import { InvalidArgument } from '@parley/interface';
import {
  type GarbledChunk,
  type GarbledJob,
  PROTOCOL_VERSION,
  singleCircuitJob,
  type TwoPartyCircuit,
} from './twoPartySession.js';

export interface PreparedProgram {
  program: Program;
  spec: TwoPartyCircuit;
  /** IR input node of each boolean input group. */
  inputNodes: number[];
}

/** Programs prepared lately, by the hash of their canonical encoding (most recent last). */
const preparedCache = new Map<string, PreparedProgram>();
const PREPARED_CACHE_SIZE = 8;

/**
 * Most gates of one circuit the garbled engine lowers (2^26, about 3 GB while
 * lowering): a program that is not elementwise (a sum, a sort) becomes one
 * circuit however many rows it has, which the policy's bounds on IR values do
 * not bound. Past it the job fails on both parties with LimitExceeded before
 * it fills memory. An elementwise program is lowered per chunk and never
 * meets it.
 */
export const MAX_CIRCUIT_GATES = 1 << 26;

/**
 * Lowers `program` for the garbled engine (at most `maxGates` gates). A node runs the same computation
 * again and again (and a program reaches a worker as a copy): programs with
 * the same canonical encoding share one preparation, so the lowering and the
 * garbler's and evaluator's wire plans (cached per circuit) are made once. The
 * result is read-only.
 */
export function prepareProgram(
  program: Program,
  maxGates = MAX_CIRCUIT_GATES,
  /** Lowering's progress (elements of the program's nodes); none when the preparation is cached. */
  onProgress?: LoweringProgress,
): PreparedProgram {
  if (program.parties.length !== 2) {
    throw new InvalidArgument(
      `the garbled engine runs two-party computations; this one has ${program.parties.length} parties`,
    );
  }
  const key = toHex(sha256(canonicalEncoding(program, { name: 'garbled-prepare', protocol: 'garbled' })));
  const hit = preparedCache.get(key);
  if (hit) {
    preparedCache.delete(key);
    preparedCache.set(key, hit);
    return { ...hit, program };
  }
  const prepared = lowerProgram(program, maxGates, onProgress);
  preparedCache.set(key, prepared);
  if (preparedCache.size > PREPARED_CACHE_SIZE)
    preparedCache.delete(preparedCache.keys().next().value as string);
  return prepared;
}

/**
 * Forgets every prepared program, so that the next `prepareProgram` of each
 * lowers it again (and the garbler and evaluator plan its new circuit again).
 * For benchmarks that must pay a first run's preparation in every measured
 * run (bench suite `garbled`, ratio_vs_emp_wasm); a node has no reason to
 * call it.
 */
export function clearPreparedPrograms(): void {
  preparedCache.clear();
}

function lowerProgram(program: Program, maxGates: number, onProgress?: LoweringProgress): PreparedProgram {
  const lowered = lowerToBoolean(program, { adder: 'ripple', maxGates, onProgress });
  const inputOwners = lowered.inputNodes.map((id) => {
    const n = program.nodes[id];
    return n.op === 'input' ? n.party : '';
  });
  return {
    program,
    inputNodes: lowered.inputNodes,
    spec: {
      circuit: lowered.circuit,
      parties: [program.parties[0], program.parties[1]],
      inputOwners,
      outputRecipients: program.outputs.map((o) => [...o.recipients]),
      layers: lowered.layers,
    },
  };
}

/** The k low bits of each value, least significant first (all k of them: no early exit on the secret value). */
export function columnToBits(col: Column, k: number): Uint8Array {
  const bits = new Uint8Array(col.length * k);
  for (let i = 0; i < col.length; i++) {
    let v = col[i];
    for (let b = 0; b < k; b++, v >>= 1n) bits[i * k + b] = Number(v & 1n);
  }
  return bits;
}

export function bitsToColumn(bits: Uint8Array, k: number, length: number): Column {
  const col = newColumn(k, length);
  for (let i = 0; i < length; i++) {
    let v = 0n;
    for (let b = k - 1; b >= 0; b--) v = (v << 1n) | BigInt(bits[i * k + b]);
    col[i] = v;
  }
  return col;
}

/** This party's input bits per boolean input group, from its inputs. */
export function inputBits(
  prepared: PreparedProgram,
  party: string,
  inputs: PartyInputs,
): Map<number, Uint8Array> {
  const { program, inputNodes } = prepared;
  const cols = encodePartyInputs(program, party, inputs);
  const out = new Map<number, Uint8Array>();
  inputNodes.forEach((id, g) => {
    const col = cols.get(id);
    if (col) out.set(g, columnToBits(col, widthOf(program.nodes[id].type)));
  });
  return out;
}

/** Output columns by name from the bits of the output groups this party received. */
export function outputColumns(program: Program, bits: Map<number, Uint8Array>): Record<string, Column> {
  const out: Record<string, Column> = {};
  program.outputs.forEach((o, g) => {
    const b = bits.get(g);
    if (!b) return;
    const n = program.nodes[o.node];
    out[o.name] = bitsToColumn(b, widthOf(n.type), n.length);
  });
  return out;
}

/**
 * AND gates per chunk when a program is streamed (bounded memory: one chunk's
 * circuit and labels at a time). 2^16 keeps a chunk's live labels (the wire
 * plan's slots: ~160 KB for 10 AES-128 blocks) in the L2 cache while the
 * kernels gather and scatter them, and shortens the pipeline's start and end
 * (the evaluator waits for the first chunk; the garbler is idle during the
 * last one's evaluation). On the 3.3M-AND AES job over TLS (bench suite
 * `garbled`, e2e_ws) it measured 10.4M AND/s and 600 ms of CPU per run,
 * against 7.5M and 790 ms for 2^20, 8.8M for 2^18, 10.0M for 2^17 and 9.0M
 * for 2^15.
 */
export const CHUNK_AND_GATES = 1 << 16;

/**
 * This party's job for `program`: streamed in element chunks when the program
 * is elementwise and longer than one chunk (memory then does not grow with the
 * vector length), else one circuit. Both parties must use the same chunk size.
 */
export function garbledJob(
  program: Program,
  party: string,
  inputs: PartyInputs,
  options: {
    chunkElements?: number;
    maxGates?: number;
    /**
     * The lowering's progress when the program is lowered whole (it is not
     * elementwise: seconds to a minute near `maxGates`); a chunked job lowers
     * one small chunk at a time and reports nothing here.
     */
    onLoweringProgress?: LoweringProgress;
  } = {},
): GarbledJob {
  const n = elementwiseLength(program);
  if (program.parties.length !== 2) {
    throw new InvalidArgument(
      `the garbled engine runs two-party computations; this one has ${program.parties.length} parties`,
    );
  }
  // Elements per chunk: about CHUNK_AND_GATES AND gates, from the cost of one element (both parties compute the same).
  const size =
    options.chunkElements ??
    (n === undefined || n === 1
      ? 1
      : Math.max(1, Math.floor(CHUNK_AND_GATES / Math.max(1, andGatesOf(sliceProgram(program, 0, 1))))));
  if (n === undefined || n <= size) {
    const prepared = prepareProgram(program, options.maxGates, options.onLoweringProgress);
    return singleCircuitJob(prepared.spec, inputBits(prepared, party, inputs));
  }
  const own = encodePartyInputs(program, party, inputs);
  const ranges = chunkRanges(n, size);
  const shapes = new Map<number, PreparedProgram>();
  const parties: [string, string] = [program.parties[0], program.parties[1]];
  const digest = sha256(
    new TextEncoder().encode(`${PROTOCOL_VERSION}/chunked/${size}/${parties.join(',')}`),
    canonicalEncoding(program, { name: 'garbled-job', protocol: 'garbled' }),
  );
  return {
    parties,
    digest,
    chunks: ranges.length,
    outputIsVector: program.outputs.map((o) => program.nodes[o.node].length > 1),
    chunk(k: number): GarbledChunk {
      const [s, e] = ranges[k];
      // Chunks of the same length have the same circuit: lower it once.
      let prepared = shapes.get(e - s);
      if (!prepared) {
        prepared = prepareProgram(sliceProgram(program, s, e), options.maxGates);
        shapes.set(e - s, prepared);
      }
      const bits = new Map<number, Uint8Array>();
      (prepared as PreparedProgram).inputNodes.forEach((id, g) => {
        const col = own.get(id);
        if (!col) return;
        const k2 = widthOf(program.nodes[id].type);
        const part = col.length === 1 ? col : sliceColumn(col, s, e);
        bits.set(g, columnToBits(part, k2));
      });
      return { spec: (prepared as PreparedProgram).spec, inputs: bits };
    },
  };
}

function andGatesOf(p: Program): number {
  const c = lowerToBoolean(p, { layered: false }).circuit;
  let n = 0;
  for (let i = 0; i < c.gateCount; i++) if (c.op[i] === 1) n++;
  return n;
}

function sliceColumn(col: Column, s: number, e: number): Column {
  return 'subarray' in col
    ? (col as BigUint64Array).subarray(s, e)
    : Array.from({ length: e - s }, (_, i) => col[s + i]);
}
