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
import { KernelArena, transpose128, unpackBits, xorBlocksMasked } from '@parley/kernels';
import { abortOnError, CHUNK_HEADER_BYTES, checkChunkHeader, expectFrame, TAG_IKNP_U } from './_messages.js';
import {
  ColumnPrgs,
  checkChunkRows,
  checkOtCount,
  chunksOf,
  columnStride,
  DEFAULT_CHUNK_ROWS,
  iknpWorkspaceBytes,
  KAPPA,
  outputArray,
  type RowConsumer,
  SerialRuns,
} from './_session.js';
import type { OtChannel } from './channel.js';
import { checkChosenMessages, encodeChosen } from './chosen.js';
import { chouOrlandiReceive } from './chouOrlandi.js';
import { OT_TWEAK_DOMAIN, TccrHash } from './tccr.js';

export interface IknpSenderOptions {
  /** Δ, 16 bytes with bit 0 of byte 0 set; default: random. */
  delta?: Uint8Array;
  /** Randomness for Δ and the base OTs (default: the OS CSPRNG); tests pass a SeededPrg. */
  random?: RandomSource;
  /** OTs per message (a multiple of 128); both sides must use the same. Default 2^17. */
  chunkRows?: number;
  /**
   * The arena to allocate the workspace from at setup (`iknpWorkspaceBytes('sender', chunkRows)`
   * bytes); default: an arena of its own. With the caller's arena, the rows that `correlatedRows`
   * hands out lie in it, so the caller's kernels read them in place.
   */
  arena?: KernelArena;
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
  private readonly arena: KernelArena | undefined;
  private readonly runs = new SerialRuns();
  private work: Workspace | undefined;
  /** OTs produced so far: the index of the next one (the hash tweak and the chunk header position). */
  private position = 0;

  constructor(
    private channel: OtChannel,
    options: IknpSenderOptions = {},
  ) {
    this.randomSource = options.random ?? systemRandom;
    this.chunkRows = checkChunkRows(options.chunkRows ?? DEFAULT_CHUNK_ROWS);
    this.arena = options.arena;
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
  /**
   * Continues this OT extension over another channel: a later session with
   * the same peer goes on from the OTs made so far (same base OTs, Δ and
   * streams, never repeating an OT), so it skips the base OTs. Both sides
   * must switch together, after the same number of OTs.
   */
  useChannel(channel: OtChannel): void {
    this.channel = channel;
  }

  /** OTs made so far. */
  get count(): number {
    return this.position;
  }

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
      await this.extend(n, (rows, offset, count) => q.set(rows.subarray(0, 16 * count), 16 * offset));
      return q;
    });
  }

  /**
   * n correlated OTs handed out chunk by chunk, without copies: `consume(rows,
   * offset, count)` gets q_offset … q_{offset+count−1} (16·count bytes, a view
   * of this session's workspace that is overwritten by the next chunk) once
   * per chunk, in order. Protocols that hash or combine the rows at once (the
   * secret-sharing engine's Beaver triples) use this form.
   */
  async correlatedRows(n: number, consume: RowConsumer): Promise<void> {
    checkOtCount(n, 'n');
    if (typeof consume !== 'function') {
      throw new InvalidArgument('consume must be a function', { field: 'consume' });
    }
    return this.runs.run(() => this.extend(n, consume));
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
      await this.extend(n, this.hashInto(m0, m1));
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
      await this.extend(n, this.hashInto(pad0, pad1));
      this.channel.send(encodeChosen(m0, m1, pad0, pad1, messageBytes, start));
    });
  }

  private async ensureSetup(): Promise<Workspace> {
    if (this.work) return this.work;
    const keys = await chouOrlandiReceive(this.channel, this.deltaBits, { random: this.randomSource });
    const matrix = 16 * this.chunkRows;
    const padded = KAPPA * columnStride(this.chunkRows / 8);
    const arena = this.arena ?? new KernelArena(iknpWorkspaceBytes('sender', this.chunkRows));
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

  /** The random-OT sink: m0_j = H(q_j, T + j), m1_j = H(q_j ⊕ Δ, T + j). */
  private hashInto(m0: Uint8Array, m1: Uint8Array): RowConsumer {
    const start = this.position;
    return (rows, offset, count) => {
      const w = this.work!;
      const tweak = OT_TWEAK_DOMAIN + BigInt(start + offset);
      w.hash.hash(m0.subarray(16 * offset), rows, count, tweak);
      w.hash.hash(m1.subarray(16 * offset), rows, count, tweak, this.deltaBytes);
    };
  }

  /** One batch of n OTs: the q rows of each chunk go to `consume`. */
  private async extend(n: number, consume: RowConsumer): Promise<void> {
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
          // q^i = G(k_i^{Δ_i}) ⊕ Δ_i·u^i, with no branch on Δ: every column of
          // u is copied and masked alike.
          const at = CHUNK_HEADER_BYTES + i * columnBytes;
          u.set(message.subarray(at, at + columnBytes));
          xorBlocksMasked(q, q, u, this.deltaBits[i], rows / 128);
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
