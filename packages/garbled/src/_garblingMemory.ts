/**
 * The memory of one garbling or evaluation run: the slots of the wire plan
 * (_wirePlan.ts) and the preallocated scratch of one batch, in one
 * KernelArena so that the WebAssembly SIMD kernels of @parley/kernels
 * (garbling.ts) run on it in place. Nothing is allocated per gate; per batch
 * only what node:crypto returns (see tccrHashHalves) and small typed-array
 * views.
 *
 * The arena is pooled per thread: a run takes one at its start and gives it
 * back at its end, so runs after the first touch memory that is already
 * mapped and in cache (a fresh 64 MiB WebAssembly.Memory costs ~25 ms of page
 * faults here). At most POOL_SIZE idle arenas of at most POOL_MAX_BYTES each
 * are kept (AES-128 × 128 needs 4 MiB). Runs in one thread may interleave (garble awaits its sink):
 * each holds its own arena. With backend 'js', or when a plan's slots would
 * pass MAX_ARENA_BYTES, the same buffers are ordinary typed arrays and the
 * kernels run their JS twins. The labels the caller sees (WireLabels: its
 * circuit's input and output wires only) are ordinary arrays outside the
 * arena; only the plan's loads and stores cross over.
 *
 * The plan's gate arrays stay in the JS heap: each batch of AND gates and
 * each run of free gates has its slot indices (12 bytes per gate) copied into
 * a fixed scratch. Reading them in place from an arena of the plan's own,
 * streaming, measured 7% slower than copying them in batches (AES-128 × 128:
 * 12.7M against 13.6M AND/s garbled).
 */
import { InternalError } from '@parley/interface';
import { KernelArena, type KernelBackend, MAX_ARENA_BYTES, wasmStatus, xorGates } from '@parley/kernels';
import { SLOT_CONSTANT, SLOT_INV, type WirePlan } from './_wirePlan.js';
import type { WireLabels } from './wireLabels.js';

/**
 * Blocks hashed per batch: 8192 blocks (128 KiB) per cipher call measured
 * fastest (node:crypto AES-128-ECB: 380M blocks/s at 4096–8192 blocks, 275M
 * at 32768; garbling AES-128 × 128: 13.7M AND/s against 12.6M at 32768), and
 * the batch's buffers stay in L2.
 */
export const HASH_BATCH_BLOCKS = 8192;
/** AND gates per batch of the garbler, which hashes 4 blocks per AND gate (the evaluator hashes 2). */
export const AND_BATCH = HASH_BATCH_BLOCKS / 4;
/** Free gates whose indices are copied into the scratch at a time. */
export const FREE_BATCH = 8192;

/** The public label of constant wires: the evaluator's active label of every constant. */
export const CONSTANT_LABEL = Uint32Array.of(0x70617272, 0x6c657920, 0x636f6e73, 0x74616e74);

/** Words of one run's area after the slots: hashes, π, three index batches, a table batch, three free-gate batches. */
const RUN_WORDS =
  2 * 4 * HASH_BATCH_BLOCKS + 3 * (HASH_BATCH_BLOCKS / 2) + 8 * (HASH_BATCH_BLOCKS / 2) + 3 * FREE_BATCH;

function runBytes(plan: WirePlan): number {
  return 16 * plan.slots + 4 * RUN_WORDS + 16 * 64;
}

// ---------------------------------------------------------------- arenas

/** Idle pooled arenas kept per thread, and the largest one kept. */
const POOL_SIZE = 2;
const POOL_MAX_BYTES = 64 << 20;
const idle: KernelArena[] = [];

function takePooled(bytes: number): KernelArena {
  let best = -1;
  for (let i = 0; i < idle.length; i++) {
    if (idle[i].size >= bytes && (best < 0 || idle[i].size < idle[best].size)) best = i;
  }
  if (best >= 0) return idle.splice(best, 1)[0];
  return new KernelArena(Math.max(bytes, 4 << 20), { backend: 'wasm' });
}

function givePooled(arena: KernelArena): void {
  if (arena.size > POOL_MAX_BYTES) return;
  idle.push(arena);
  if (idle.length > POOL_SIZE) {
    let smallest = 0;
    for (let i = 1; i < idle.length; i++) if (idle[i].size < idle[smallest].size) smallest = i;
    idle.splice(smallest, 1);
  }
}

/** The backend a garbler or evaluator with these options uses. */
export function chooseBackend(options: { backend?: KernelBackend }): KernelBackend {
  return (options.backend ?? wasmStatus.backend) === 'wasm' && wasmStatus.backend === 'wasm' ? 'wasm' : 'js';
}

// ---------------------------------------------------------------- one run

/** A plan's loads and stores as (word offset in WireLabels, slot) pairs; offset -1: not an input or output wire. */
interface IoPairs {
  loads: Int32Array;
  stores: Int32Array;
}
const ioCache = new WeakMap<WirePlan, IoPairs>();

function ioPairs(plan: WirePlan, labels: WireLabels): IoPairs {
  let io = ioCache.get(plan);
  if (io) return io;
  const translate = (pairs: Uint32Array) => {
    const out = new Int32Array(pairs.length);
    for (let k = 0; k < pairs.length; k += 2) {
      out[k] = labels.offsetOf(pairs[k]);
      out[k + 1] = pairs[k + 1];
    }
    return out;
  };
  io = { loads: translate(plan.loads), stores: translate(plan.stores) };
  ioCache.set(plan, io);
  return io;
}

export class GarblingMemory {
  readonly backend: KernelBackend;
  /** The plan's slots, 4 words each; slots ZERO, CONSTANT and INV hold 0, the constant label and Δ (or 0). */
  readonly slots: Uint32Array;
  /** Δ (garbler) or zero (evaluator): a view of slot INV. */
  readonly delta: Uint32Array;
  /** Blocks to hash, then π(π(x) ⊕ i); `blocksPerAnd` per AND gate of a batch. */
  readonly hashes: Uint32Array;
  /** π(x) of the batch. */
  readonly pi: Uint32Array;
  /** AND gates per batch: HASH_BATCH_BLOCKS / blocksPerAnd. */
  readonly andBatch: number;
  /** Garbled tables of a batch, 8 words per AND gate. */
  readonly table: Uint32Array;
  /** Slot indices of a batch of AND gates (see `ands`). */
  readonly andA: Uint32Array;
  readonly andB: Uint32Array;
  readonly andOut: Uint32Array;
  private readonly plan: WirePlan;
  private readonly freeA: Uint32Array;
  private readonly freeB: Uint32Array;
  private readonly freeOut: Uint32Array;
  private arena: KernelArena | undefined;

  constructor(plan: WirePlan, blocksPerAnd: number, inv: Uint32Array | undefined, backend: KernelBackend) {
    this.plan = plan;
    this.andBatch = HASH_BATCH_BLOCKS / blocksPerAnd;
    const arena =
      backend === 'wasm' && runBytes(plan) <= MAX_ARENA_BYTES ? takePooled(runBytes(plan)) : undefined;
    arena?.reset();
    this.arena = arena;
    this.backend = arena ? 'wasm' : 'js';
    const u32 = (n: number): Uint32Array => {
      if (!arena) return new Uint32Array(n);
      const v = arena.alloc(4 * n, false);
      return new Uint32Array(v.buffer, v.byteOffset, n);
    };
    this.slots = u32(4 * plan.slots);
    this.hashes = u32(4 * HASH_BATCH_BLOCKS);
    this.pi = u32(4 * HASH_BATCH_BLOCKS);
    this.andA = u32(HASH_BATCH_BLOCKS / 2);
    this.andB = u32(HASH_BATCH_BLOCKS / 2);
    this.andOut = u32(HASH_BATCH_BLOCKS / 2);
    this.table = u32(8 * (HASH_BATCH_BLOCKS / 2));
    this.freeA = u32(FREE_BATCH);
    this.freeB = u32(FREE_BATCH);
    this.freeOut = u32(FREE_BATCH);
    this.slots.fill(0, 0, 4 * (SLOT_INV + 1));
    this.slots.set(CONSTANT_LABEL, 4 * SLOT_CONSTANT);
    if (inv) this.slots.set(inv.subarray(0, 4), 4 * SLOT_INV);
    this.delta = this.slots.subarray(4 * SLOT_INV, 4 * SLOT_INV + 4);
  }

  /** Copies the caller's input labels into their slots (a wire read but never written, and not an input, gets zero). */
  load(labels: WireLabels): void {
    const S = this.slots;
    const L = labels.words;
    const pairs = ioPairs(this.plan, labels).loads;
    for (let k = 0; k < pairs.length; k += 2) {
      const w = pairs[k];
      const s = 4 * pairs[k + 1];
      if (w < 0) {
        S.fill(0, s, s + 4);
        continue;
      }
      S[s] = L[w];
      S[s + 1] = L[w + 1];
      S[s + 2] = L[w + 2];
      S[s + 3] = L[w + 3];
    }
  }

  /** Copies the output wires' labels from their slots into the caller's labels. */
  store(labels: WireLabels): void {
    const S = this.slots;
    const L = labels.words;
    const pairs = ioPairs(this.plan, labels).stores;
    for (let k = 0; k < pairs.length; k += 2) {
      const w = pairs[k];
      const s = 4 * pairs[k + 1];
      L[w] = S[s];
      L[w + 1] = S[s + 1];
      L[w + 2] = S[s + 2];
      L[w + 3] = S[s + 3];
    }
  }

  /** Copies the slot indices of AND gates first … first+n-1 (n ≤ andBatch) into andA, andB, andOut. */
  ands(first: number, n: number): void {
    const p = this.plan;
    this.andA.set(p.a.subarray(first, first + n));
    this.andB.set(p.b.subarray(first, first + n));
    this.andOut.set(p.out.subarray(first, first + n));
  }

  /** Runs the free gates from … to-1 of the plan, FREE_BATCH at a time. */
  freeGates(from: number, to: number): void {
    const p = this.plan;
    for (let s = from; s < to; s += FREE_BATCH) {
      const n = Math.min(FREE_BATCH, to - s);
      this.freeA.set(p.a.subarray(s, s + n));
      this.freeB.set(p.b.subarray(s, s + n));
      this.freeOut.set(p.out.subarray(s, s + n));
      check(xorGates(this.slots, this.freeA, this.freeB, this.freeOut, n));
    }
  }

  /** Gives the arena back to the pool; the views must not be used after. */
  release(): void {
    if (this.arena) givePooled(this.arena);
    this.arena = undefined;
  }
}

/** Kernels return -1 when every gate is done; plans are checked, so anything else is a bug. */
export function check(status: number): void {
  if (status !== -1) throw new InternalError(`a kernel refused planned gate ${status}`);
}
