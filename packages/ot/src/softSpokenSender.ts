/**
 * SoftSpoken OT extension (k = 2), sender side: Roy, CRYPTO 2022, eprint
 * 2022/192 (see softSpoken.ts for the construction). The sender holds Δ; it
 * is the base-OT receiver with choice bits ¬Δ (per 2-bit chunk d: ¬d^1 for
 * the tree's first level, ¬d^0 for the second), recovers the three GGM
 * leaves it may know per chunk, and per chunk of OTs combines their
 * expansions with the receiver's corrections into W, whose transpose is
 * q_0 … q_{n−1}: the receiver holds t_j = q_j ⊕ r_j·Δ.
 *
 * Nothing here branches on Δ or indexes memory by it: the leaves are
 * recovered and placed with masks, and every chunk of OTs reads all three
 * expansions and the correction column and writes both columns whatever d_i
 * (`xorBlocksMaskedPair`, with masks derived from d_i by arithmetic).
 */
import { type RandomSource, systemRandom } from '@parley/crypto';
import { InvalidArgument } from '@parley/interface';
import { KernelArena, transpose128, unpackBits, xorBlocksMaskedPair } from '@parley/kernels';
import {
  abortOnError,
  CHUNK_HEADER_BYTES,
  checkChunkHeader,
  expectFrame,
  TAG_SOFTSPOKEN_SEEDS,
  TAG_SOFTSPOKEN_U,
} from './_messages.js';
import {
  ColumnPrgs,
  checkChunkRows,
  checkOtCount,
  chunksOf,
  columnStride,
  DEFAULT_CHUNK_ROWS,
  KAPPA,
  type RowConsumer,
  SerialRuns,
} from './_session.js';
import type { OtChannel } from './channel.js';
import { chouOrlandiReceive } from './chouOrlandi.js';
import { ggmExpand, INSTANCES, softSpokenWorkspaceBytes } from './softSpoken.js';

export interface SoftSpokenSenderOptions {
  /** Randomness for Δ and the base OTs (default: the OS CSPRNG); tests pass a SeededPrg. */
  random?: RandomSource;
  /** OTs per message (a multiple of 128); both sides must use the same. Default 2^17. */
  chunkRows?: number;
  /** The arena for the workspace (`softSpokenWorkspaceBytes('sender', chunkRows)` bytes), as for IknpSender. */
  arena?: KernelArena;
}

interface Workspace {
  q: Uint8Array;
  rows: Uint8Array;
  /** The three expanded seeds of one chunk of Δ, and its correction column. */
  r: Uint8Array[];
  correction: Uint8Array;
  prgs: ColumnPrgs;
}

export class SoftSpokenSender {
  private readonly deltaBytes: Uint8Array;
  /** Δ in 2-bit chunks d_i = Δ_{2i} + 2·Δ_{2i+1}. */
  private readonly chunks = new Uint8Array(INSTANCES);
  /** Per chunk, which of (r_slot0, r_slot1, r_slot2, c_i) make w^0 (bits 0..3) and w^1 (bits 4..7). */
  private readonly masks = new Uint8Array(INSTANCES);
  private readonly randomSource: RandomSource;
  private readonly chunkRows: number;
  private readonly arena: KernelArena | undefined;
  private readonly runs = new SerialRuns();
  private work: Workspace | undefined;
  private position = 0;

  constructor(
    private readonly channel: OtChannel,
    options: SoftSpokenSenderOptions = {},
  ) {
    this.randomSource = options.random ?? systemRandom;
    this.chunkRows = checkChunkRows(options.chunkRows ?? DEFAULT_CHUNK_ROWS);
    this.arena = options.arena;
    this.deltaBytes = this.randomSource.bytes(16);
    const bits = new Uint8Array(KAPPA);
    unpackBits(bits, this.deltaBytes, KAPPA);
    for (let i = 0; i < INSTANCES; i++) {
      this.chunks[i] = bits[2 * i] | (bits[2 * i + 1] << 1);
      this.masks[i] = columnMasks(this.chunks[i]);
    }
  }

  /** The global correlation Δ (a copy, 16 bytes, uniformly random). */
  get delta(): Uint8Array {
    return this.deltaBytes.slice();
  }

  /** Runs the base OTs (this side is the base-OT receiver) and recovers the punctured seeds, once; idempotent. */
  async setup(): Promise<void> {
    return this.runs.run(async () => {
      await this.ensureSetup();
    });
  }

  /**
   * n correlated OTs handed out chunk by chunk, as IknpSender.correlatedRows:
   * `consume(rows, offset, count)` gets q_offset … q_{offset+count−1}, a view
   * valid only during the call.
   */
  async correlatedRows(n: number, consume: RowConsumer): Promise<void> {
    checkOtCount(n, 'n');
    if (typeof consume !== 'function') {
      throw new InvalidArgument('consume must be a function', { field: 'consume' });
    }
    return this.runs.run(() => this.extend(n, consume));
  }

  private async ensureSetup(): Promise<Workspace> {
    if (this.work) return this.work;
    const choices = new Uint8Array(KAPPA);
    for (let i = 0; i < INSTANCES; i++) {
      choices[2 * i] = 1 - (this.chunks[i] >> 1);
      choices[2 * i + 1] = 1 - (this.chunks[i] & 1);
    }
    const keys = await chouOrlandiReceive(this.channel, choices, { random: this.randomSource });
    let leaves: Uint8Array;
    try {
      const message = await this.channel.recv();
      const view = expectFrame(
        message,
        TAG_SOFTSPOKEN_SEEDS,
        CHUNK_HEADER_BYTES + 64 * INSTANCES,
        'SoftSpoken seeds',
      );
      checkChunkHeader(view, INSTANCES, 0, 'SoftSpoken seeds');
      leaves = this.recoverLeaves(message.subarray(CHUNK_HEADER_BYTES), keys, choices);
    } catch (e) {
      return abortOnError(this.channel, e);
    }
    const columnBytes = this.chunkRows / 8;
    const arena = this.arena ?? new KernelArena(softSpokenWorkspaceBytes('sender', this.chunkRows));
    this.work = {
      q: arena.alloc(KAPPA * columnStride(columnBytes)),
      rows: arena.alloc(16 * this.chunkRows),
      r: [0, 1, 2].map(() => arena.alloc(columnBytes)),
      correction: arena.alloc(columnBytes),
      prgs: new ColumnPrgs(leaves, columnBytes),
    };
    return this.work;
  }

  /**
   * The three known leaves of each chunk (all x ≠ d_i, in increasing x), 48
   * bytes per chunk. The ciphertexts, the tree nodes and the leaf slots are
   * chosen with masks, never by an index or a branch on d_i.
   */
  private recoverLeaves(body: Uint8Array, keys: Uint8Array, choices: Uint8Array): Uint8Array {
    const leaves = new Uint8Array(48 * INSTANCES);
    const known = new Uint8Array(64);
    const child = new Uint8Array(16);
    const sum = new Uint8Array(16);
    for (let i = 0; i < INSTANCES; i++) {
      const d = this.chunks[i];
      const a = choices[2 * i]; // ¬d^1: the first-level child this side learns
      const b = choices[2 * i + 1]; // ¬d^0
      const ma = -a & 0xff;
      const mb = -b & 0xff;
      const at = 64 * i;
      for (let k = 0; k < 16; k++) {
        const c0 = body[at + k];
        const c1 = body[at + 16 + k];
        child[k] = c0 ^ (ma & (c0 ^ c1)) ^ keys[32 * i + k];
        const s0 = body[at + 32 + k];
        const s1 = body[at + 48 + k];
        sum[k] = s0 ^ (mb & (s0 ^ s1)) ^ keys[32 * i + 16 + k];
      }
      const pair = ggmExpand(child); // s_{2a}, s_{2a+1}
      for (let x = 0; x < 4; x++) {
        // x under the learnt child: s_x from the pair; x = 2(1−a)+b: s_x = (s_b ⊕ s_{2+b}) ⊕ s_{2a+b}; x = d: 0.
        const fromPair = -(((x >> 1) ^ a ^ 1) & 1) & 0xff;
        const fromSum = ~fromPair & -(((x & 1) ^ b ^ 1) & 1) & 0xff;
        for (let k = 0; k < 16; k++) {
          const p0 = pair[k];
          const pb = p0 ^ (mb & (p0 ^ pair[16 + k]));
          known[16 * x + k] = (fromPair & pair[16 * (x & 1) + k]) | (fromSum & (sum[k] ^ pb));
        }
      }
      for (let slot = 0; slot < 3; slot++) {
        const x = leafOfSlot(slot, d);
        for (let y = 0; y < 4; y++) {
          const same = -(((y ^ x) - 1) >>> 31) & 0xff;
          for (let k = 0; k < 16; k++) leaves[48 * i + 16 * slot + k] |= same & known[16 * y + k];
        }
      }
      known.fill(0);
    }
    child.fill(0);
    sum.fill(0);
    return leaves;
  }

  private async extend(n: number, consume: RowConsumer): Promise<void> {
    const w = await this.ensureSetup();
    try {
      for (const { offset, count, rows } of chunksOf(n, this.chunkRows)) {
        const message = await this.channel.recv();
        const columnBytes = rows / 8;
        const view = expectFrame(
          message,
          TAG_SOFTSPOKEN_U,
          CHUNK_HEADER_BYTES + INSTANCES * columnBytes,
          'SoftSpoken corrections',
        );
        checkChunkHeader(view, count, this.position + offset, 'SoftSpoken corrections');
        const blocks = rows / 128;
        const stride = columnStride(columnBytes);
        const r = w.r.map((x) => x.subarray(0, columnBytes));
        const correction = w.correction.subarray(0, columnBytes);
        for (let i = 0; i < INSTANCES; i++) {
          // r[slot] is the expansion of leaf x ≠ d, slots in increasing x.
          for (let slot = 0; slot < 3; slot++) r[slot].set(w.prgs.next(3 * i + slot, columnBytes));
          const w0 = w.q.subarray(2 * i * stride, 2 * i * stride + columnBytes);
          const w1 = w.q.subarray((2 * i + 1) * stride, (2 * i + 1) * stride + columnBytes);
          const at = CHUNK_HEADER_BYTES + i * columnBytes;
          correction.set(message.subarray(at, at + columnBytes));
          // w^b = ⊕_{x ≠ d, bit b of x⊕d} r_x ⊕ d^b·c_i
          xorBlocksMaskedPair(w0, w1, [r[0], r[1], r[2], correction], this.masks[i], blocks);
        }
        transpose128(w.rows, w.q, rows, stride);
        consume(w.rows.subarray(0, 16 * count), offset, count);
      }
      this.position += n;
    } catch (e) {
      abortOnError(this.channel, e);
    }
  }
}

/** The leaf x held in slot `slot` (0..2) for chunk value d: x = slot + [slot ≥ d], by arithmetic. */
function leafOfSlot(slot: number, d: number): number {
  return slot + ((d - slot - 1) >>> 31);
}

/**
 * The masks of `xorBlocksMaskedPair` for chunk value d: bit j (j < 3) when
 * slot j's leaf x has bit 0 of x⊕d set, bit 4 + j when it has bit 1 set;
 * bits 3 and 7 (the correction c_i) are d^0 and d^1. Arithmetic only.
 */
export function columnMasks(d: number): number {
  let masks = (d & 1) << 3;
  masks |= (d >> 1) << 7;
  for (let slot = 0; slot < 3; slot++) {
    const e = leafOfSlot(slot, d) ^ d;
    masks |= (e & 1) << slot;
    masks |= ((e >> 1) & 1) << (4 + slot);
  }
  return masks;
}
