/**
 * SoftSpoken OT extension (k = 2), receiver side: Roy, CRYPTO 2022, eprint
 * 2022/192 (see softSpoken.ts for the construction). The receiver is the
 * base-OT sender and the small-field VOLE sender: it holds every GGM leaf
 * seed, expands four per 2-bit chunk of Δ, sends the 64 corrections
 * c_i = u_i ⊕ r per chunk of OTs (one message, 8 bytes per OT) and
 * transposes V into its rows t_j = q_j ⊕ r_j·Δ. It never waits on the
 * network during an extension.
 */
import { type RandomSource, systemRandom } from '@parley/crypto';
import { InvalidArgument } from '@parley/interface';
import { KernelArena, transpose128, xorBlocks, xorBlocks3 } from '@parley/kernels';
import {
  abortOnError,
  CHUNK_HEADER_BYTES,
  TAG_SOFTSPOKEN_SEEDS,
  TAG_SOFTSPOKEN_U,
  writeChunkHeader,
} from './_messages.js';
import {
  ColumnPrgs,
  checkChunkRows,
  checkPackedChoices,
  chunksOf,
  columnStride,
  DEFAULT_CHUNK_ROWS,
  KAPPA,
  loadPackedChoices,
  type RowConsumer,
  SerialRuns,
  yieldToEventLoop,
} from './_session.js';
import type { OtChannel } from './channel.js';
import { chouOrlandiSend } from './chouOrlandi.js';
import { ggmExpand, INSTANCES, softSpokenWorkspaceBytes } from './softSpoken.js';

export interface SoftSpokenReceiverOptions {
  /** Randomness for the base OTs and the GGM roots (default: the OS CSPRNG); tests pass a SeededPrg. */
  random?: RandomSource;
  /** OTs per message (a multiple of 128); both sides must use the same. Default 2^17. */
  chunkRows?: number;
  /** The arena for the workspace (`softSpokenWorkspaceBytes('receiver', chunkRows)` bytes), as for IknpReceiver. */
  arena?: KernelArena;
}

interface Workspace {
  t: Uint8Array;
  rows: Uint8Array;
  /** The four expanded seeds of one chunk of Δ. */
  r: Uint8Array[];
  corrections: Uint8Array;
  choiceBits: Uint8Array;
  prgs: ColumnPrgs;
}

export class SoftSpokenReceiver {
  private readonly randomSource: RandomSource;
  private readonly chunkRows: number;
  private readonly arena: KernelArena | undefined;
  private readonly runs = new SerialRuns();
  private work: Workspace | undefined;
  private position = 0;

  constructor(
    private readonly channel: OtChannel,
    options: SoftSpokenReceiverOptions = {},
  ) {
    this.randomSource = options.random ?? systemRandom;
    this.chunkRows = checkChunkRows(options.chunkRows ?? DEFAULT_CHUNK_ROWS);
    this.arena = options.arena;
  }

  /** Runs the base OTs (this side is the base-OT sender) and sends the punctured seeds, once; idempotent. */
  async setup(): Promise<void> {
    return this.runs.run(async () => {
      await this.ensureSetup();
    });
  }

  /**
   * n correlated OTs with packed choice bits (bit j = bit j & 7 of byte j >> 3),
   * chunk by chunk as IknpReceiver.correlatedRows: `consume` gets the rows
   * t_j = q_j ⊕ r_j·Δ of each chunk, a view valid only during the call.
   */
  async correlatedRows(choices: Uint8Array, n: number, consume: RowConsumer): Promise<void> {
    checkPackedChoices(choices, n);
    if (typeof consume !== 'function') {
      throw new InvalidArgument('consume must be a function', { field: 'consume' });
    }
    return this.runs.run(() => this.extend(choices, n, consume));
  }

  private async ensureSetup(): Promise<Workspace> {
    if (this.work) return this.work;
    const { m0, m1 } = await chouOrlandiSend(this.channel, KAPPA, { random: this.randomSource });
    const leaves = new Uint8Array(16 * 4 * INSTANCES);
    const message = new Uint8Array(CHUNK_HEADER_BYTES + 64 * INSTANCES);
    writeChunkHeader(message, TAG_SOFTSPOKEN_SEEDS, INSTANCES, 0);
    for (let i = 0; i < INSTANCES; i++) {
      const level1 = ggmExpand(this.randomSource.bytes(16));
      const left = ggmExpand(level1.subarray(0, 16));
      const right = ggmExpand(level1.subarray(16, 32));
      leaves.set(left, 64 * i);
      leaves.set(right, 64 * i + 32);
      const at = CHUNK_HEADER_BYTES + 64 * i;
      for (let k = 0; k < 16; k++) {
        // OT 2i: (c_0, c_1); OT 2i + 1: (s_0 ⊕ s_2, s_1 ⊕ s_3); each masked by its base-OT key.
        message[at + k] = level1[k] ^ m0[32 * i + k];
        message[at + 16 + k] = level1[16 + k] ^ m1[32 * i + k];
        message[at + 32 + k] = left[k] ^ right[k] ^ m0[32 * i + 16 + k];
        message[at + 48 + k] = left[16 + k] ^ right[16 + k] ^ m1[32 * i + 16 + k];
      }
    }
    this.channel.send(message);
    const columnBytes = this.chunkRows / 8;
    const arena = this.arena ?? new KernelArena(softSpokenWorkspaceBytes('receiver', this.chunkRows));
    this.work = {
      t: arena.alloc(KAPPA * columnStride(columnBytes)),
      rows: arena.alloc(16 * this.chunkRows),
      r: [0, 1, 2, 3].map(() => arena.alloc(columnBytes)),
      corrections: arena.alloc(INSTANCES * columnBytes),
      choiceBits: arena.alloc(columnBytes),
      prgs: new ColumnPrgs(leaves, columnBytes),
    };
    return this.work;
  }

  private async extend(choices: Uint8Array, n: number, consume: RowConsumer): Promise<void> {
    const w = await this.ensureSetup();
    try {
      let first = true;
      for (const { offset, count, rows } of chunksOf(n, this.chunkRows)) {
        if (!first) await yieldToEventLoop();
        first = false;
        const columnBytes = rows / 8;
        const blocks = rows / 128;
        const stride = columnStride(columnBytes);
        const choice = w.choiceBits.subarray(0, columnBytes);
        loadPackedChoices(choice, choices, offset, count);
        const [r0, r1, r2, r3] = w.r.map((r) => r.subarray(0, columnBytes));
        for (let i = 0; i < INSTANCES; i++) {
          r0.set(w.prgs.next(4 * i, columnBytes));
          r1.set(w.prgs.next(4 * i + 1, columnBytes));
          r2.set(w.prgs.next(4 * i + 2, columnBytes));
          r3.set(w.prgs.next(4 * i + 3, columnBytes));
          const v0 = w.t.subarray(2 * i * stride, 2 * i * stride + columnBytes);
          const v1 = w.t.subarray((2 * i + 1) * stride, (2 * i + 1) * stride + columnBytes);
          xorBlocks(v0, r1, r3, blocks);
          xorBlocks(v1, r2, r3, blocks);
          // c_i = r_0 ⊕ r_1 ⊕ r_2 ⊕ r_3 ⊕ choices = (r_0 ⊕ r_2 ⊕ v0) ⊕ choices
          const c = w.corrections.subarray(i * columnBytes, (i + 1) * columnBytes);
          xorBlocks3(c, r0, r2, v0, blocks);
          xorBlocks(c, c, choice, blocks);
        }
        // Every byte is written below, so the message skips zero-filling.
        const message = new Uint8Array(
          Buffer.allocUnsafeSlow(CHUNK_HEADER_BYTES + INSTANCES * columnBytes).buffer,
        );
        writeChunkHeader(message, TAG_SOFTSPOKEN_U, count, this.position + offset);
        message.set(w.corrections.subarray(0, INSTANCES * columnBytes), CHUNK_HEADER_BYTES);
        this.channel.send(message);
        transpose128(w.rows, w.t, rows, stride);
        consume(w.rows.subarray(0, 16 * count), offset, count);
      }
      this.position += n;
    } catch (e) {
      abortOnError(this.channel, e);
    }
  }
}
