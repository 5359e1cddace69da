/**
 * IKNP OT extension, receiver side: Ishai, Kilian, Nissim, Petrank,
 * "Extending Oblivious Transfers Efficiently", CRYPTO 2003 (semi-honest).
 *
 * From 128 Chou–Orlandi base OTs where it is the sender, the receiver holds
 * seed pairs (k_i^0, k_i^1). For each chunk of m OTs with choice bits r it
 * expands t^i = G(k_i^0) and sends u^i = t^i ⊕ G(k_i^1) ⊕ r (one message, the
 * 128 × m bit matrix), then transposes t to rows t_j = q_j ⊕ r_j·Δ (the
 * correlated OT output); random OT outputs H(t_j, j) = m_{r_j}. G is
 * AES-128-CTR (node:crypto), H the TCCR hash of tccr.ts, the transpose and
 * XORs the kernels of @parley/kernels. Messages flow only receiver → sender,
 * so the receiver never waits on the network during an extension.
 */
import { type RandomSource, systemRandom } from '@parley/crypto';
import { InvalidArgument } from '@parley/interface';
import { KernelArena, packBits, transpose128, xorBlocks3 } from '@parley/kernels';
import { abortOnError, CHUNK_HEADER_BYTES, TAG_IKNP_U, writeChunkHeader } from './_messages.js';
import {
  ColumnPrgs,
  checkChoices,
  checkChunkRows,
  checkPackedChoices,
  chunksOf,
  columnStride,
  DEFAULT_CHUNK_ROWS,
  iknpWorkspaceBytes,
  KAPPA,
  loadPackedChoices,
  outputArray,
  type RowConsumer,
  SerialRuns,
  yieldToEventLoop,
} from './_session.js';
import type { OtChannel } from './channel.js';
import { checkChosenReceive, decodeChosen } from './chosen.js';
import { chouOrlandiSend } from './chouOrlandi.js';
import { OT_TWEAK_DOMAIN, TccrHash } from './tccr.js';

export interface IknpReceiverOptions {
  /** Randomness for the base OTs (default: the OS CSPRNG); tests pass a SeededPrg. */
  random?: RandomSource;
  /** OTs per message (a multiple of 128); both sides must use the same. Default 2^17. */
  chunkRows?: number;
  /** The arena to allocate the workspace from (`iknpWorkspaceBytes('receiver', chunkRows)` bytes), as for IknpSender. */
  arena?: KernelArena;
}

/** Fills the packed choice bits of one chunk (`bits`: rows/8 bytes, padding bits zero). */
type ChoiceLoader = (bits: Uint8Array, offset: number, count: number) => void;

interface Workspace {
  arena: KernelArena;
  t: Uint8Array;
  u: Uint8Array;
  rows: Uint8Array;
  g: Uint8Array;
  choiceBytes: Uint8Array;
  choiceBits: Uint8Array;
  hash: TccrHash;
  prg0: ColumnPrgs;
  prg1: ColumnPrgs;
}

export class IknpReceiver {
  private readonly randomSource: RandomSource;
  private readonly chunkRows: number;
  private readonly arena: KernelArena | undefined;
  private readonly runs = new SerialRuns();
  private work: Workspace | undefined;
  /** OTs produced so far: the index of the next one. */
  private position = 0;

  constructor(
    private channel: OtChannel,
    options: IknpReceiverOptions = {},
  ) {
    this.randomSource = options.random ?? systemRandom;
    this.chunkRows = checkChunkRows(options.chunkRows ?? DEFAULT_CHUNK_ROWS);
    this.arena = options.arena;
  }

  /** Runs the base OTs (this side is the base-OT sender) once; idempotent. */
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
   * n correlated OTs with choice bits (one byte each, 0 or 1): t_j = q_j ⊕
   * r_j·Δ, 16·n bytes (into `out` when given, as for IknpSender.correlated).
   */
  async correlated(choices: Uint8Array, out?: Uint8Array): Promise<Uint8Array> {
    checkChoices(choices);
    const t = outputArray(out, choices.length, 'out');
    return this.runs.run(async () => {
      await this.extend(choices.length, this.byteChoices(choices), (rows, offset, count) =>
        t.set(rows.subarray(0, 16 * count), 16 * offset),
      );
      return t;
    });
  }

  /**
   * n correlated OTs with packed choice bits (bit j of `choices` = bit j & 7 of
   * byte j >> 3, e.g. the bytes of a BigUint64Array whose bits are the choices),
   * handed out chunk by chunk as for IknpSender.correlatedRows: `consume` gets
   * t_j = q_j ⊕ r_j·Δ for each chunk, a view valid only during the call.
   */
  async correlatedRows(choices: Uint8Array, n: number, consume: RowConsumer): Promise<void> {
    checkPackedChoices(choices, n);
    if (typeof consume !== 'function') {
      throw new InvalidArgument('consume must be a function', { field: 'consume' });
    }
    return this.runs.run(() =>
      this.extend(n, (bits, offset, count) => loadPackedChoices(bits, choices, offset, count), consume),
    );
  }

  /** n random OTs with the given choice bits: m_{r_j}, 16·n bytes (into `out` when given). */
  async random(choices: Uint8Array, out?: Uint8Array): Promise<Uint8Array> {
    checkChoices(choices);
    const m = outputArray(out, choices.length, 'out');
    return this.runs.run(async () => {
      await this.extend(choices.length, this.byteChoices(choices), this.hashInto(m));
      return m;
    });
  }

  /** n chosen-message OTs (see IknpSender.sendChosen): m_{r_j}, n·messageBytes bytes. */
  async receiveChosen(choices: Uint8Array, messageBytes = 16): Promise<Uint8Array> {
    checkChoices(choices);
    checkChosenReceive(messageBytes);
    return this.runs.run(async () => {
      const start = this.position;
      const pads = new Uint8Array(16 * choices.length);
      await this.extend(choices.length, this.byteChoices(choices), this.hashInto(pads));
      try {
        const message = await this.channel.recv();
        return decodeChosen(message, choices, pads, messageBytes, start);
      } catch (e) {
        return abortOnError(this.channel, e);
      }
    });
  }

  private async ensureSetup(): Promise<Workspace> {
    if (this.work) return this.work;
    const { m0, m1 } = await chouOrlandiSend(this.channel, KAPPA, { random: this.randomSource });
    const matrix = 16 * this.chunkRows;
    const padded = KAPPA * columnStride(this.chunkRows / 8);
    const arena = this.arena ?? new KernelArena(iknpWorkspaceBytes('receiver', this.chunkRows));
    this.work = {
      arena,
      t: arena.alloc(padded),
      u: arena.alloc(matrix),
      rows: arena.alloc(matrix),
      g: arena.alloc(this.chunkRows / 8),
      choiceBytes: arena.alloc(this.chunkRows),
      choiceBits: arena.alloc(this.chunkRows / 8),
      hash: new TccrHash({ arena }),
      prg0: new ColumnPrgs(m0, this.chunkRows / 8),
      prg1: new ColumnPrgs(m1, this.chunkRows / 8),
    };
    return this.work;
  }

  /** Choices given one byte each (0 or 1, checked), packed chunk by chunk. */
  private byteChoices(choices: Uint8Array): ChoiceLoader {
    return (bits, offset, count) => {
      const w = this.work!;
      const rows = 8 * bits.length;
      const choiceBytes = w.choiceBytes.subarray(0, rows);
      choiceBytes.set(choices.subarray(offset, offset + count));
      choiceBytes.fill(0, count);
      packBits(bits, choiceBytes, rows);
    };
  }

  /** The random-OT sink: m_{r_j} = H(t_j, T + j). */
  private hashInto(out: Uint8Array): RowConsumer {
    const start = this.position;
    return (rows, offset, count) => {
      const tweak = OT_TWEAK_DOMAIN + BigInt(start + offset);
      this.work!.hash.hash(out.subarray(16 * offset), rows, count, tweak);
    };
  }

  /** One batch of n OTs: sends the u matrix chunk by chunk; the t rows of each chunk go to `consume`. */
  private async extend(n: number, loadChoices: ChoiceLoader, consume: RowConsumer): Promise<void> {
    const w = await this.ensureSetup();
    try {
      let first = true;
      for (const { offset, count, rows } of chunksOf(n, this.chunkRows)) {
        if (!first) await yieldToEventLoop();
        first = false;
        const columnBytes = rows / 8;
        const blocks = rows / 128;
        const r = w.choiceBits.subarray(0, columnBytes);
        loadChoices(r, offset, count);
        const stride = columnStride(columnBytes);
        for (let i = 0; i < KAPPA; i++) {
          const t = w.t.subarray(i * stride, i * stride + columnBytes);
          t.set(w.prg0.next(i, columnBytes));
          w.g.set(w.prg1.next(i, columnBytes));
          xorBlocks3(w.u.subarray(i * columnBytes, (i + 1) * columnBytes), t, w.g, r, blocks);
        }
        // Every byte is written below, so the message skips zero-filling.
        const message = new Uint8Array(Buffer.allocUnsafeSlow(CHUNK_HEADER_BYTES + 16 * rows).buffer);
        writeChunkHeader(message, TAG_IKNP_U, count, this.position + offset);
        message.set(w.u.subarray(0, 16 * rows), CHUNK_HEADER_BYTES);
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
