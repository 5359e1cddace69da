import { createCipheriv, createHash } from 'node:crypto';
import { fromHex, toHex } from '@parley/crypto';
import { KernelArena } from '@parley/kernels';
import { describe, expect, it } from 'vitest';
import { FIXED_AES_KEY, FixedKeyAes, TCCR_PIECE_BLOCKS, TccrHash, tccrHash } from '../src/index.js';
import { firstDifference, testSeed } from './_harness.js';

const prg = testSeed('tccr.test')('blocks');

/** One block at a time, straight from the definition: H(x, i) = π(π(x) ⊕ i) ⊕ π(x). */
function reference(x: Uint8Array, tweak: bigint, key = FIXED_AES_KEY): Uint8Array {
  const pi = (b: Uint8Array) => {
    const c = createCipheriv('aes-128-ecb', key, null);
    c.setAutoPadding(false);
    return new Uint8Array(c.update(b));
  };
  const px = pi(x);
  const t = new Uint8Array(16);
  let v = BigInt.asUintN(128, tweak);
  for (let i = 0; i < 16; i++) {
    t[i] = Number(v & 0xffn) ^ px[i];
    v >>= 8n;
  }
  const y = pi(t);
  return y.map((b, i) => b ^ px[i]);
}

describe('fixed-key AES and the TCCR hash', () => {
  it('π is AES-128: FIPS-197 Appendix C.1 known answer', () => {
    const aes = new FixedKeyAes(fromHex('000102030405060708090a0b0c0d0e0f'));
    expect(toHex(aes.permute(fromHex('00112233445566778899aabbccddeeff')))).toBe(
      '69c4e0d86a7b0430d8cdb78070b4c55a',
    );
  });

  it('the fixed key is SHA-256("parley/tccr/fixed-key-aes-128/v1")[0..16] (nothing up the sleeve)', () => {
    const derived = createHash('sha256').update('parley/tccr/fixed-key-aes-128/v1').digest().subarray(0, 16);
    expect(toHex(FIXED_AES_KEY)).toBe(toHex(derived));
  });

  it('matches the definition block by block, across piece boundaries and the 2^64 tweak carry', () => {
    const n = TCCR_PIECE_BLOCKS + 37;
    const blocks = prg.bytes(16 * n);
    for (const base of [0n, (1n << 64n) - 5n, 1n << 64n]) {
      const out = tccrHash(blocks, base);
      for (const k of [0, 1, 4, 5, 6, TCCR_PIECE_BLOCKS - 1, TCCR_PIECE_BLOCKS, n - 1]) {
        const got = out.subarray(16 * k, 16 * k + 16);
        expect(toHex(got)).toBe(toHex(reference(blocks.subarray(16 * k, 16 * k + 16), base + BigInt(k))));
      }
    }
  });

  it('xorFirst hashes x ⊕ c; outputs in an arena, outside it and in place agree', () => {
    const n = 300;
    const arena = new KernelArena(1 << 20);
    const hasher = new TccrHash({ arena });
    const x = arena.alloc(16 * n);
    x.set(prg.bytes(16 * n));
    const c = prg.bytes(16);
    const shifted = x.map((b, i) => b ^ c[i & 15]);
    const expected = tccrHash(shifted, 42);

    const outside = new Uint8Array(16 * n);
    hasher.hash(outside, x, n, 42n, c);
    expect(firstDifference(outside, expected)).toBe(-1);
    const inArena = arena.alloc(16 * n);
    hasher.hash(inArena, x, n, 42n, c);
    expect(firstDifference(inArena, expected)).toBe(-1);
    const plainInput = x.slice();
    hasher.hash(plainInput, plainInput, n, 42n, c);
    expect(firstDifference(plainInput, expected)).toBe(-1);
  });

  it('the tweak matters: equal blocks under distinct tweaks hash apart', () => {
    const same = new Uint8Array(16 * 4);
    const out = tccrHash(same, 7);
    const rows = new Set([0, 1, 2, 3].map((k) => toHex(out.subarray(16 * k, 16 * k + 16))));
    expect(rows.size).toBe(4);
  });

  it('rejects partial blocks and short outputs', () => {
    expect(() => tccrHash(new Uint8Array(17), 0)).toThrow(/whole 16-byte blocks/);
    expect(() => new TccrHash().hash(new Uint8Array(16), new Uint8Array(32), 2, 0n)).toThrow(/out must hold/);
    expect(() => new FixedKeyAes(new Uint8Array(15))).toThrow(/16 bytes/);
  });
});
