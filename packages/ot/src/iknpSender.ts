/**
 * IKNP OT extension, sender side: Ishai, Kilian, Nissim, Petrank, "Extending
 * Oblivious Transfers Efficiently", CRYPTO 2003 (semi-honest), with the
 * random-OT hash of Guo, Katz, Wang, Yu (TCCR, eprint 2019/074).
 *
 * The sender holds Δ = s ∈ {0,1}^128 (bit 0 forced to 1 for free-XOR
 * point-and-permute) and, from 128 Chou–Orlandi base OTs where it is the
 * receiver with choice bits s_i, the seeds k_i^{s_i}. For each chunk of m
 * OTs the receiver sends u^i = G(k_i^0) ⊕ G(k_i^1) ⊕ r (i < 128); the sender
 * forms q^i = G(k_i^{s_i}) ⊕ s_i·u^i = t^i ⊕ s_i·r and transposes the
 * 128 × m matrix, so row j is q_j = t_j ⊕ r_j·Δ. Correlated OT returns q_j;
 * random OT returns H(q_j, j) and H(q_j ⊕ Δ, j). G is AES-128-CTR
 * (node:crypto), the transpose and XORs are the kernels of @parley/kernels.
 */
import { type RandomSource, systemRandom } from '@parley/crypto';
import { InvalidArgument } from '@parley/interface';
import { KernelArena, transpose128, unpackBits, xorBlocks } from '@parley/kernels';
import { abortOnError, CHUNK_HEADER_BYTES, checkChunkHeader, expectFrame, TAG_IKNP_U } from './_messages.js';
import {
  ColumnPrgs,
  checkChunkRows,
  checkOtCount,
  chunksOf,
  columnStride,
  DEFAULT_CHUNK_ROWS,
  KAPPA,
  outputArray,
  SerialRuns,
} from './_session.js';
import type { OtChannel } from './channel.js';
import { checkChosenMessages, encodeChosen } from './chosen.js';
import { chouOrlandiReceive } from './chouOrlandi.js';
import { OT_TWEAK_DOMAIN, TCCR_PIECE_BLOCKS, TccrHash } from './tccr.js';

export interface IknpSenderOptions {
  /** Δ, 16 bytes with bit 0 of byte 0 set; default: random. */
  delta?: Uint8Array;
  /** Randomness for Δ and the base OTs (default: the OS CSPRNG); tests pass a SeededPrg. */
  random?: RandomSource;
  /** OTs per message (a multiple of 128); both sides must use the same. Default 2^17. */
  chunkRows?: number;
}

interface Workspace {
  arena: KernelArena;
  q: Uint8Array;
  u: Uint8Array;
  rows: Uint8Array;
  hash: TccrHash;
  prgs: ColumnPrgs;
}

export class IknpSender {
  private readonly deltaBytes: Uint8Array;
  private readonly deltaBits = new Uint8Array(KAPPA);
  private readonly randomSource: RandomSource;
  private readonly chunkRows: number;
  private readonly runs = new SerialRuns();
  private work: Workspace | undefined;
  /** OTs produced so far: the index of the next one (the hash tweak and the chunk header position). */
  private position = 0;

  constructor(
    private readonly channel: OtChannel,
    options: IknpSenderOptions = {},
  ) {
    this.randomSource = options.random ?? systemRandom;
    this.chunkRows = checkChunkRows(options.chunkRows ?? DEFAULT_CHUNK_ROWS);
    if (options.delta !== undefined) {
      if (!(options.delta instanceof Uint8Array) || options.delta.length !== 16) {
        throw new InvalidArgument('delta must be 16 bytes', { field: 'delta' });
      }
      if ((options.delta[0] & 1) !== 1) {
        throw new InvalidArgument('delta must have its least significant bit set', { field: 'delta' });
      }
      this.deltaBytes = options.delta.slice();
    } else {
      this.deltaBytes = this.randomSource.bytes(16);
      this.deltaBytes[0] |= 1;
    }
    unpackBits(this.deltaBits, this.deltaBytes, KAPPA);
  }

  /** The global correlation Δ (a copy, 16 bytes); bit 0 of byte 0 is 1, as free-XOR point-and-permute needs. */
  get delta(): Uint8Array {
    return this.deltaBytes.slice();
  }

  /** Runs the base OTs (this side is the base-OT receiver) once; idempotent. */
  async setup(): Promise<void> {
    return this.runs.run(async () => {
      await this.ensureSetup();
    });
  }

  /**
   * n correlated OTs: the zero messages q_0…q_{n-1}, 16·n bytes; the receiver
   * gets q_j ⊕ r_j·Δ. `out` (optional, at least 16·n bytes) is filled and its
   * first 16·n bytes returned instead of a new array: reusing one buffer per
   * batch spares the page faults of fresh memory.
   */
  async correlated(n: number, out?: Uint8Array): Promise<Uint8Array> {
    checkOtCount(n, 'n');
    const q = outputArray(out, n, 'out');
    return this.runs.run(async () => {
      await this.extend(n, q, undefined);
      return q;
    });
  }

  /** n random OTs: m0_j = H(q_j, j), m1_j = H(q_j ⊕ Δ, j), 16·n bytes each (into `out` when given). */
  async random(
    n: number,
    out?: { m0: Uint8Array; m1: Uint8Array },
  ): Promise<{ m0: Uint8Array; m1: Uint8Array }> {
    checkOtCount(n, 'n');
    const m0 = outputArray(out?.m0, n, 'out.m0');
    const m1 = outputArray(out?.m1, n, 'out.m1');
    if (
      m0.buffer === m1.buffer &&
      m0.byteOffset < m1.byteOffset + m1.length &&
      m1.byteOffset < m0.byteOffset + m0.length
    ) {
      throw new InvalidArgument('out.m0 and out.m1 overlap', { field: 'out.m1' });
    }
    return this.runs.run(async () => {
      await this.extend(n, m0, m1);
      return { m0, m1 };
    });
  }

  /**
   * n chosen-message OTs: the receiver learns m0_j or m1_j (messageBytes bytes
   * each, 1..16; m0 and m1 are n·messageBytes bytes) by its choice bit. One
   * batch of random OTs, then one message y_b = m_b ⊕ pad_b.
   */
  async sendChosen(m0: Uint8Array, m1: Uint8Array, messageBytes = 16): Promise<void> {
    const n = checkChosenMessages(m0, m1, messageBytes);
    return this.runs.run(async () => {
      const start = this.position;
      const pad0 = new Uint8Array(16 * n);
      const pad1 = new Uint8Array(16 * n);
      await this.extend(n, pad0, pad1);
      this.channel.send(encodeChosen(m0, m1, pad0, pad1, messageBytes, start));
    });
  }

  private async ensureSetup(): Promise<Workspace> {
    if (this.work) return this.work;
    const keys = await chouOrlandiReceive(this.channel, this.deltaBits, { random: this.randomSource });
    const matrix = 16 * this.chunkRows;
    const padded = KAPPA * columnStride(this.chunkRows / 8);
    const arena = new KernelArena(padded + matrix + this.chunkRows / 8 + 4 * 16 * TCCR_PIECE_BLOCKS + 4096);
    this.work = {
      arena,
      q: arena.alloc(padded),
      u: arena.alloc(this.chunkRows / 8),
      rows: arena.alloc(matrix),
      hash: new TccrHash({ arena }),
      prgs: new ColumnPrgs(keys, this.chunkRows / 8),
    };
    return this.work;
  }

  /** One batch: q rows (or their hashes into m0, m1) for n OTs. */
  private async extend(n: number, m0: Uint8Array, m1: Uint8Array | undefined): Promise<void> {
    const w = await this.ensureSetup();
    try {
      for (const { offset, count, rows } of chunksOf(n, this.chunkRows)) {
        const message = await this.channel.recv();
        const view = expectFrame(message, TAG_IKNP_U, CHUNK_HEADER_BYTES + 16 * rows, 'IKNP u matrix');
        checkChunkHeader(view, count, this.position + offset, 'IKNP u matrix');
        const columnBytes = rows / 8;
        const stride = columnStride(columnBytes);
        const u = w.u.subarray(0, columnBytes);
        for (let i = 0; i < KAPPA; i++) {
          const q = w.q.subarray(i * stride, i * stride + columnBytes);
          q.set(w.prgs.next(i, columnBytes));
          if (this.deltaBits[i]) {
            // q^i = G(k_i^1) ⊕ u^i: only these columns of u are needed.
            const at = CHUNK_HEADER_BYTES + i * columnBytes;
            u.set(message.subarray(at, at + columnBytes));
            xorBlocks(q, q, u, rows / 128);
          }
        }
        transpose128(w.rows, w.q, rows, stride);
        if (m1 === undefined) {
          m0.set(w.rows.subarray(0, 16 * count), 16 * offset);
        } else {
          const tweak = OT_TWEAK_DOMAIN + BigInt(this.position + offset);
          w.hash.hash(m0.subarray(16 * offset), w.rows, count, tweak);
          w.hash.hash(m1.subarray(16 * offset), w.rows, count, tweak, this.deltaBytes);
        }
      }
      this.position += n;
    } catch (e) {
      abortOnError(this.channel, e);
    }
  }
}
