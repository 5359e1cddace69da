/**
 * Tweakable circular correlation-robust hash from fixed-key AES: Guo, Katz,
 * Wang, Yu, "Efficient and Secure Multiparty Computation from Fixed-Key
 * Block Ciphers", IEEE S&P 2020, eprint 2019/074:
 *
 *   H(x, i) = π(π(x) ⊕ i) ⊕ π(x),   π = AES-128 under a fixed public key.
 *
 * The hash of IKNP random OT here (H(q_j, j), H(q_j ⊕ Δ, j)) and of the
 * garbled engine's half-gates. Blocks and tweaks are 16 bytes; tweak i of
 * block k of a call is `tweakBase + k` as a 128-bit little-endian integer, so
 * a caller reserves a range of tweaks per call and never reuses one with the
 * same key. Domains: IKNP uses tweaks (1 << 64) + OT index, so tweaks below
 * 2^64 are free for the garbled engine's gate indices.
 *
 * AES runs through node:crypto ('aes-128-ecb', no padding) in pieces of 8192
 * blocks (128 KiB: the call size where node:crypto measured fastest here), the
 * XORs in the WebAssembly kernels on a preallocated KernelArena; nothing is
 * allocated per block.
 */
import { type Cipheriv, createCipheriv, createHash } from 'node:crypto';
import { InvalidArgument } from '@parley/interface';
import { KernelArena, xorBlocks, xorBlocksConst, xorBlocksCounter } from '@parley/kernels';

/**
 * The fixed public AES key: the first 16 bytes of
 * SHA-256("parley/tccr/fixed-key-aes-128/v1") (nothing up the sleeve).
 */
export const FIXED_AES_KEY: Uint8Array = new Uint8Array(
  createHash('sha256').update('parley/tccr/fixed-key-aes-128/v1').digest().subarray(0, 16),
);

/** Blocks per node:crypto call. */
export const TCCR_PIECE_BLOCKS = 8192;

/** Tweak domain of IKNP random OT: tweak = OT_TWEAK_DOMAIN + OT index. */
export const OT_TWEAK_DOMAIN = 1n << 64n;

/** π: AES-128 under a fixed key, over many blocks per call. */
export class FixedKeyAes {
  private readonly cipher: Cipheriv;

  constructor(key: Uint8Array = FIXED_AES_KEY) {
    if (!(key instanceof Uint8Array) || key.length !== 16) {
      throw new InvalidArgument('fixed AES key must be 16 bytes', { field: 'key' });
    }
    this.cipher = createCipheriv('aes-128-ecb', key, null);
    this.cipher.setAutoPadding(false);
  }

  /** π of each 16-byte block of `input` (a multiple of 16 bytes); a new Buffer of the same length. */
  permute(input: Uint8Array): Uint8Array {
    if (input.length % 16 !== 0) {
      throw new InvalidArgument(`input must be whole 16-byte blocks, got ${input.length} bytes`, {
        field: 'input',
      });
    }
    return this.cipher.update(input);
  }
}

/** A TCCR hasher with its own preallocated scratch (reuse one per session or thread). */
export class TccrHash {
  private readonly aes: FixedKeyAes;
  private readonly arena: KernelArena;
  private readonly pi: Uint8Array;
  private readonly tweaked: Uint8Array;
  private readonly result: Uint8Array;
  private readonly shifted: Uint8Array;
  private readonly constant: Uint8Array;

  /** `arena`: share the caller's arena so inputs already there are XORed in place (needs 4 pieces of 128 KiB + 64 bytes). */
  constructor(options: { arena?: KernelArena; key?: Uint8Array } = {}) {
    this.aes = new FixedKeyAes(options.key);
    this.arena = options.arena ?? new KernelArena(4 * 16 * TCCR_PIECE_BLOCKS + 1024);
    const piece = 16 * TCCR_PIECE_BLOCKS;
    this.pi = this.arena.alloc(piece);
    this.tweaked = this.arena.alloc(piece);
    this.result = this.arena.alloc(piece);
    this.shifted = this.arena.alloc(piece);
    this.constant = this.arena.alloc(16);
  }

  /**
   * out[k] = H(input[k] ⊕ c, tweakBase + k) for n blocks, c = `xorFirst` (16
   * bytes) or zero. `out` and `input` are 16·n bytes (or more) and may be the
   * same array.
   */
  hash(out: Uint8Array, input: Uint8Array, n: number, tweakBase: bigint, xorFirst?: Uint8Array): void {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new InvalidArgument(`n must be a non-negative integer, got ${n}`, { field: 'n' });
    }
    if (!(input instanceof Uint8Array) || input.length < 16 * n) {
      throw new InvalidArgument(`input must hold ${n} blocks`, { field: 'input' });
    }
    if (!(out instanceof Uint8Array) || out.length < 16 * n) {
      throw new InvalidArgument(`out must hold ${n} blocks`, { field: 'out' });
    }
    if (xorFirst) {
      if (!(xorFirst instanceof Uint8Array) || xorFirst.length !== 16) {
        throw new InvalidArgument('xorFirst must be 16 bytes', { field: 'xorFirst' });
      }
      this.constant.set(xorFirst);
    }
    const outInArena = this.arena.owns(out);
    for (let k = 0; k < n; k += TCCR_PIECE_BLOCKS) {
      const blocks = Math.min(TCCR_PIECE_BLOCKS, n - k);
      const bytes = 16 * blocks;
      let x = input.subarray(16 * k, 16 * k + bytes);
      if (xorFirst) {
        const shifted = this.shifted.subarray(0, bytes);
        if (this.arena.owns(x)) xorBlocksConst(shifted, x, this.constant, blocks);
        else {
          shifted.set(x);
          xorBlocksConst(shifted, shifted, this.constant, blocks);
        }
        x = shifted;
      }
      const pi = this.pi.subarray(0, bytes);
      pi.set(this.aes.permute(x));
      const tweaked = this.tweaked.subarray(0, bytes);
      xorBlocksCounter(tweaked, pi, tweakBase + BigInt(k), blocks);
      const outPiece = out.subarray(16 * k, 16 * k + bytes);
      if (outInArena) {
        outPiece.set(this.aes.permute(tweaked));
        xorBlocks(outPiece, outPiece, pi, blocks);
      } else {
        const result = this.result.subarray(0, bytes);
        result.set(this.aes.permute(tweaked));
        xorBlocks(result, result, pi, blocks);
        outPiece.set(result);
      }
    }
  }
}

let shared: TccrHash | undefined;

/**
 * H(x_k, tweakBase + k) for every 16-byte block x_k of `blocks`; returns
 * `out` (allocated when not given). Uses one hasher per thread.
 */
export function tccrHash(blocks: Uint8Array, tweakBase: bigint | number, out?: Uint8Array): Uint8Array {
  if (!(blocks instanceof Uint8Array) || blocks.length % 16 !== 0) {
    throw new InvalidArgument('blocks must be whole 16-byte blocks', { field: 'blocks' });
  }
  const n = blocks.length / 16;
  const target = out ?? new Uint8Array(blocks.length);
  shared ??= new TccrHash();
  shared.hash(target, blocks, n, BigInt(tweakBase));
  return target;
}
