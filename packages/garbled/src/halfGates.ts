/**
 * Half-gates garbling with free XOR and point-and-permute (Zahur, Rosulek,
 * Evans: "Two Halves Make a Whole", EUROCRYPT 2015, eprint 2014/756): two
 * ciphertexts (32 bytes) per AND gate, XOR and INV free. Labels are 16-byte
 * blocks held as 4 little-endian words; a wire's zero label W0 and one label
 * W0 ⊕ Δ differ by the global Δ, whose least significant bit is 1, so the
 * label's last bit is its permute bit. Gates are processed layer by layer
 * (AND depth): all AND gates of a layer are hashed in one batch.
 *
 * Garbler, AND gate j with zero labels A, B, permute bits pa = lsb(A), pb = lsb(B):
 *   TG = H(A, 2j) ⊕ H(A⊕Δ, 2j) ⊕ pb·Δ          WG = H(A, 2j) ⊕ pa·TG
 *   TE = H(B, 2j+1) ⊕ H(B⊕Δ, 2j+1) ⊕ A         WE = H(B, 2j+1) ⊕ pb·(TE ⊕ A)
 *   C = WG ⊕ WE; the table is (TG, TE).
 * Evaluator with active labels a, b (sa = lsb(a), sb = lsb(b)):
 *   c = H(a, 2j) ⊕ sa·TG ⊕ H(b, 2j+1) ⊕ sb·(TE ⊕ a).
 *
 * How it runs: labels live in the slots of the circuit's wire plan
 * (_wirePlan.ts, cached per circuit), which also compiles every free gate to
 * L[out] = L[a] ⊕ L[b]. A batch of AND gates is: gather the blocks to hash
 * (kernel), the two AES passes of the TCCR hash in node:crypto with the tweak
 * XOR between them (kernel), then the tables and output labels (kernel, the
 * hash's final XOR fused in). Free gates run in one kernel per run of gates.
 * The kernels (@parley/kernels, garbling.ts) are WebAssembly SIMD working in
 * place in a pooled KernelArena (_garblingMemory.ts), or their JS twins with
 * backend 'js'; both give the same labels and tables.
 */
import type { BooleanCircuit } from '@parley/circuit';
import { ProtocolViolation } from '@parley/interface';
import {
  evaluateFinish,
  evaluateGather,
  garbleFinish,
  garbleGather,
  type KernelBackend,
} from '@parley/kernels';
import { check, chooseBackend, GarblingMemory } from './_garblingMemory.js';
import { wirePlan } from './_wirePlan.js';
import { type FixedKeyAes, tccrHashHalves } from './fixedKeyAes.js';
import { WireLabels } from './wireLabels.js';

export { AND_BATCH, CONSTANT_LABEL } from './_garblingMemory.js';

export interface LayeredCircuit {
  circuit: BooleanCircuit;
  layerStarts: Uint32Array;
  layerAnds: Uint32Array;
}

/** Options of HalfGatesGarbler and HalfGatesEvaluator. */
export interface HalfGatesOptions {
  /** 'js' runs the JS twins of the kernels (tests, benchmarks); default: WebAssembly SIMD when available. */
  backend?: KernelBackend;
  /**
   * Garbler: bytes left free at the start of every table chunk for the
   * caller's message header, so a chunk goes out without another copy.
   */
  prefixBytes?: number;
  /**
   * Garbler: where table chunks come from (a buffer of the given size, every
   * byte of it overwritten); default a fresh buffer each. A caller that gets
   * its chunks back once sent hands them out again here.
   */
  newChunk?: (bytes: number) => Uint8Array;
}

/** Bytes of one AND gate's garbled table (two 16-byte rows). */
export const TABLE_BYTES = 32;

/**
 * Sink of garbled tables: each chunk is `prefixBytes` free bytes, then 32
 * bytes per AND gate; the sink's to keep. May return a promise to apply
 * back-pressure.
 */
export type TableSink = (chunk: Uint8Array) => void | Promise<void>;

/** The end (exclusive) of layer d's gates. */
function layerEnd(lc: LayeredCircuit, d: number): number {
  return d + 1 < lc.layerStarts.length ? lc.layerStarts[d + 1] : lc.circuit.gateCount;
}

/**
 * Streams garbled tables in chunks of `chunkGates` AND gates; each chunk is a
 * fresh buffer, the sink's to keep.
 */
export class HalfGatesGarbler {
  /**
   * Zero labels of the input and output wires: set the input wires' labels
   * before `garble`; after it, the output wires' labels are here
   * (intermediate wires live only in the plan's slots during the run).
   */
  readonly labels: WireLabels;
  /** 'wasm' when the loops run in WebAssembly SIMD, 'js' when they run the JS twins (so does a plan too large for an arena). */
  readonly backend: KernelBackend;
  private readonly delta: Uint32Array;
  private readonly prefixBytes: number;
  private readonly newChunk: (bytes: number) => Uint8Array;
  private chunk: Uint8Array | undefined;
  private tableGates = 0;

  constructor(
    private readonly lc: LayeredCircuit,
    delta: Uint32Array,
    private readonly aes: FixedKeyAes,
    private readonly chunkGates = 32768,
    options: HalfGatesOptions = {},
  ) {
    this.labels = new WireLabels(lc.circuit);
    this.delta = delta;
    this.backend = chooseBackend(options);
    this.prefixBytes = options.prefixBytes ?? 0;
    this.newChunk = options.newChunk ?? ((bytes) => new Uint8Array(Buffer.allocUnsafeSlow(bytes).buffer));
  }

  /** Sets the input wires' zero labels from `zero`, 4 words per wire in the order of `circuit.inputs`' wires. */
  setInputLabels(zero: Uint32Array): void {
    this.labels.setInputs(zero);
  }

  /** The output wires' zero labels (after `garble`), 4 words per wire in the order of `circuit.outputs`' wires. */
  outputLabels(): Uint32Array {
    return this.labels.outputs();
  }

  /**
   * Garbles the whole circuit; input wires' zero labels must be set in `labels`
   * first. AND gate j gets tweaks 2(andBase + j) and 2(andBase + j) + 1: a job
   * of several circuits under one Δ continues the count so no tweak repeats.
   */
  async garble(sink: TableSink, andBase = 0): Promise<void> {
    const { layerStarts, layerAnds } = this.lc;
    const m = new GarblingMemory(wirePlan(this.lc), 4, this.delta, this.backend);
    try {
      m.load(this.labels);
      this.chunk = undefined;
      this.tableGates = 0;
      let andIndex = andBase;
      for (let d = 0; d < layerStarts.length; d++) {
        const start = layerStarts[d];
        const ands = layerAnds[d];
        for (let s = start; s < start + ands; s += m.andBatch) {
          const n = Math.min(m.andBatch, start + ands - s);
          await this.garbleAnds(m, s, n, andIndex, sink);
          andIndex += n;
        }
        m.freeGates(start + ands, layerEnd(this.lc, d));
      }
      if (this.tableGates > 0) await this.flush(sink);
      m.store(this.labels);
    } finally {
      m.release();
    }
  }

  private async flush(sink: TableSink): Promise<void> {
    const chunk = this.chunk!;
    const used = this.prefixBytes + TABLE_BYTES * this.tableGates;
    const out = used === chunk.length ? chunk : chunk.subarray(0, used);
    this.chunk = undefined;
    this.tableGates = 0;
    await sink(out);
  }

  private async garbleAnds(
    m: GarblingMemory,
    first: number,
    n: number,
    andIndex: number,
    sink: TableSink,
  ): Promise<void> {
    m.ands(first, n);
    check(garbleGather(m.hashes, m.slots, m.delta, m.andA, m.andB, n));
    tccrHashHalves(this.aes, m.hashes, m.pi, 4 * n, 2 * andIndex, 1);
    check(garbleFinish(m.table, m.slots, m.hashes, m.pi, m.delta, m.andA, m.andB, m.andOut, n));
    // Into the chunks: one copy out of the arena (chunks are not zero-filled: every byte after the prefix is written).
    const table = new Uint8Array(m.table.buffer, m.table.byteOffset, TABLE_BYTES * n);
    let g = 0;
    while (g < n) {
      this.chunk ??= this.newChunk(this.prefixBytes + TABLE_BYTES * this.chunkGates);
      const room = Math.min(n - g, this.chunkGates - this.tableGates);
      this.chunk.set(
        table.subarray(TABLE_BYTES * g, TABLE_BYTES * (g + room)),
        this.prefixBytes + TABLE_BYTES * this.tableGates,
      );
      g += room;
      this.tableGates += room;
      if (this.tableGates === this.chunkGates) await this.flush(sink);
    }
  }
}

/** Source of garbled tables: resolves to the next chunk (32 bytes per AND gate, any alignment) as it arrives. */
export type TableSource = () => Promise<Uint8Array>;

export class HalfGatesEvaluator {
  /**
   * Active labels of the input and output wires: set the input wires'
   * labels before `evaluate`; after it, the output wires' labels are here.
   */
  readonly labels: WireLabels;
  /** 'wasm' when the loops run in WebAssembly SIMD, 'js' when they run the JS twins (so does a plan too large for an arena). */
  readonly backend: KernelBackend;
  private chunk: Uint8Array = new Uint8Array(0);
  /** Bytes of `chunk` consumed. */
  private offset = 0;

  constructor(
    private readonly lc: LayeredCircuit,
    private readonly aes: FixedKeyAes,
    options: HalfGatesOptions = {},
  ) {
    this.labels = new WireLabels(lc.circuit);
    this.backend = chooseBackend(options);
  }

  /** Evaluates the whole circuit; input wires' active labels must be set in `labels` first (tweaks as in garble). */
  async evaluate(next: TableSource, andBase = 0): Promise<void> {
    const { layerStarts, layerAnds } = this.lc;
    const m = new GarblingMemory(wirePlan(this.lc), 2, undefined, this.backend);
    try {
      m.load(this.labels);
      let andIndex = andBase;
      for (let d = 0; d < layerStarts.length; d++) {
        const start = layerStarts[d];
        const ands = layerAnds[d];
        let s = start;
        while (s < start + ands) {
          if (this.offset === this.chunk.length) {
            this.chunk = await next();
            this.offset = 0;
            if (this.chunk.length % TABLE_BYTES !== 0) {
              throw new ProtocolViolation(
                `a garbled table chunk of ${this.chunk.length} bytes is not whole gates`,
              );
            }
          }
          const available = (this.chunk.length - this.offset) / TABLE_BYTES;
          const n = Math.min(m.andBatch, start + ands - s, available);
          this.evaluateAnds(m, s, n, andIndex);
          s += n;
          andIndex += n;
        }
        m.freeGates(start + ands, layerEnd(this.lc, d));
      }
      if (this.offset !== this.chunk.length) {
        throw new ProtocolViolation(
          `the garbled tables hold ${(this.chunk.length - this.offset) / TABLE_BYTES} gates more than the circuit has`,
        );
      }
      m.store(this.labels);
    } finally {
      m.release();
    }
  }

  private evaluateAnds(m: GarblingMemory, first: number, n: number, andIndex: number): void {
    m.ands(first, n);
    check(evaluateGather(m.hashes, m.slots, m.andA, m.andB, n));
    tccrHashHalves(this.aes, m.hashes, m.pi, 2 * n, 2 * andIndex, 0);
    // Into the arena: one copy, from any alignment.
    const t = this.offset;
    new Uint8Array(m.table.buffer, m.table.byteOffset, TABLE_BYTES * n).set(
      this.chunk.subarray(t, t + TABLE_BYTES * n),
    );
    check(evaluateFinish(m.slots, m.hashes, m.pi, m.table, m.andA, m.andB, m.andOut, n));
    this.offset = t + TABLE_BYTES * n;
  }
}
