/**
 * Shared machinery of the IKNP sender and receiver: the batch plan (chunks of
 * at most `chunkRows` OTs, each padded to a multiple of 128 rows and sent as
 * one message), the 128 (or 256) AES-128-CTR column generators seeded by the
 * base OTs, and the serialisation of calls (one protocol run at a time; a
 * failed run poisons the session, and every later call rejects with its error).
 */
import { type Cipheriv, createCipheriv } from 'node:crypto';
import { InvalidArgument } from '@parley/interface';
import { TCCR_PIECE_BLOCKS } from './tccr.js';

/** κ: the security parameter, the number of base OTs and the width of the IKNP matrix. */
export const KAPPA = 128;
/** OTs per chunk (one u message of 16·chunkRows bytes): large enough for big AES calls, small enough for L2. */
export const DEFAULT_CHUNK_ROWS = 1 << 17;
/**
 * Bytes between columns of the 128-row matrices: the column length plus one
 * cache line. Columns a power of two apart all map to one L1 set and evict
 * each other in the transpose; the pad measured 1.25x faster there (4.6 ->
 * 3.6 ns per row, packages/kernels README).
 */
export function columnStride(columnBytes: number): number {
  return columnBytes + 64;
}

/**
 * Bytes of KernelArena an IKNP side allocates at setup for chunks of
 * `chunkRows` OTs (its matrices, choice and TCCR scratch): what a caller
 * passing its own arena (`options.arena`) must leave free for it.
 */
export function iknpWorkspaceBytes(
  role: 'sender' | 'receiver',
  chunkRows: number = DEFAULT_CHUNK_ROWS,
): number {
  checkChunkRows(chunkRows);
  const matrix = 16 * chunkRows;
  const padded = KAPPA * columnStride(chunkRows / 8);
  const tccr = 4 * 16 * TCCR_PIECE_BLOCKS + 4096;
  return role === 'sender'
    ? padded + matrix + chunkRows / 8 + tccr
    : padded + 2 * matrix + chunkRows + chunkRows / 4 + tccr;
}

/** Largest `n` of one call: 2^26 OTs, 1 GiB per output array. */
export const MAX_OTS_PER_CALL = 1 << 26;

const ZERO_IV = new Uint8Array(16);

export function checkChunkRows(rows: number): number {
  if (!Number.isSafeInteger(rows) || rows < KAPPA || rows % KAPPA !== 0 || rows > 1 << 22) {
    throw new InvalidArgument(`chunkRows must be a multiple of 128 in 128..2^22, got ${rows}`, {
      field: 'chunkRows',
    });
  }
  return rows;
}

export function checkOtCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_OTS_PER_CALL) {
    throw new InvalidArgument(`${what} must be an integer in 0..${MAX_OTS_PER_CALL}, got ${n}`, {
      field: what,
    });
  }
}

/** Throws InvalidArgument, naming the first bad index, unless every byte is 0 or 1. */
export function checkChoices(choices: Uint8Array): void {
  if (!(choices instanceof Uint8Array))
    throw new InvalidArgument('choices: expected bytes', { field: 'choices' });
  checkOtCount(choices.length, 'choices.length');
  let bad = 0;
  let i = 0;
  if (choices.byteOffset % 4 === 0) {
    // Four choices per step: any bit other than the lowest of each byte is an error.
    const words = new Uint32Array(choices.buffer, choices.byteOffset, choices.length >>> 2);
    for (; i < words.length; i++) bad |= words[i] & 0xfefefefe;
    i *= 4;
  }
  for (; i < choices.length; i++) bad |= choices[i] & 0xfe;
  if (bad !== 0) {
    const index = choices.findIndex((c) => c > 1);
    // The index only: a choice is secret, and the error may be sent to the peer.
    throw new InvalidArgument(`choices[${index}] is not 0 or 1`, {
      field: 'choices',
      index,
    });
  }
}

/** `out` (checked; its first 16·n bytes when longer), or a new array of 16·n bytes. */
export function outputArray(out: Uint8Array | undefined, n: number, what: string): Uint8Array {
  if (out === undefined) return new Uint8Array(16 * n);
  if (!(out instanceof Uint8Array) || out.length < 16 * n) {
    throw new InvalidArgument(`${what} must be a Uint8Array of at least ${16 * n} bytes`, { field: what });
  }
  return out.length === 16 * n ? out : out.subarray(0, 16 * n);
}

/**
 * Throws InvalidArgument unless `packed` holds n choice bits (bit j = bit
 * j & 7 of byte j >> 3, least significant first).
 */
export function checkPackedChoices(packed: Uint8Array, n: number): void {
  checkOtCount(n, 'n');
  if (!(packed instanceof Uint8Array) || packed.length < Math.ceil(n / 8)) {
    throw new InvalidArgument(
      `choices must be a Uint8Array of at least ${Math.ceil(n / 8)} bytes (${n} bits)`,
      {
        field: 'choices',
      },
    );
  }
}

/**
 * Copies the packed choice bits of OTs offset … offset + count − 1 (offset a
 * multiple of 8) into `bits` (one chunk's column of rows/8 bytes), the bits
 * past `count` cleared.
 */
export function loadPackedChoices(
  bits: Uint8Array,
  choices: Uint8Array,
  offset: number,
  count: number,
): void {
  const whole = count >>> 3;
  bits.set(choices.subarray(offset >>> 3, (offset >>> 3) + whole));
  bits.fill(0, whole);
  if (count & 7) bits[whole] = choices[(offset >>> 3) + whole] & ((1 << (count & 7)) - 1);
}

/** Receives each chunk's rows (a view of the session's workspace, valid only during the call). */
export type RowConsumer = (rows: Uint8Array, offset: number, count: number) => void;

/** One chunk of a batch: OTs offset..offset+count-1, padded to `rows` (a multiple of 128). */
export interface Chunk {
  offset: number;
  count: number;
  rows: number;
}

export function* chunksOf(n: number, chunkRows: number): Generator<Chunk> {
  for (let offset = 0; offset < n; offset += chunkRows) {
    const count = Math.min(chunkRows, n - offset);
    yield { offset, count, rows: Math.ceil(count / KAPPA) * KAPPA };
  }
}

/**
 * The column generators: AES-128-CTR keyed by each base-OT key, IV 0, one
 * keystream per column that continues across chunks and batches, so every
 * chunk uses a fresh counter range and no keystream byte is used twice.
 */
export class ColumnPrgs {
  private readonly ciphers: Cipheriv[] = [];
  private readonly zeros: Uint8Array;

  constructor(keys: Uint8Array, maxBytes: number) {
    for (let i = 0; i < keys.length / 16; i++) {
      this.ciphers.push(createCipheriv('aes-128-ctr', keys.subarray(16 * i, 16 * i + 16), ZERO_IV));
    }
    this.zeros = new Uint8Array(maxBytes);
  }

  /** The next `bytes` bytes of column `i`'s keystream. */
  next(i: number, bytes: number): Uint8Array {
    return this.ciphers[i].update(this.zeros.subarray(0, bytes));
  }
}

/** Runs calls one at a time; after a failure every queued and later call rejects with that failure. */
export class SerialRuns {
  private tail: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  private failed = false;

  run<T>(body: () => Promise<T>): Promise<T> {
    const result = this.tail.then(async () => {
      if (this.failed) throw this.failure;
      try {
        return await body();
      } catch (e) {
        if (!this.failed) {
          this.failed = true;
          this.failure = e;
        }
        throw e;
      }
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Lets other work on this thread (an in-process peer) run between chunks. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
