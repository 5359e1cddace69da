import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, fromHex, randomBytes, SeededPrg, sha256, toHex } from '../src/index.js';

describe('sha256 (FIPS 180-4 examples)', () => {
  it('abc', () => {
    expect(toHex(sha256(new TextEncoder().encode('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
  it('hashes the concatenation of its parts', () => {
    const e = new TextEncoder();
    expect(sha256(e.encode('a'), e.encode('bc'))).toEqual(sha256(e.encode('abc')));
  });
});

describe('SeededPrg (AES-128-CTR)', () => {
  it('matches NIST SP 800-38A F.5.1 keystream on a zero plaintext', () => {
    const key = fromHex('2b7e151628aed2a6abf7158809cf4f3c');
    const iv = fromHex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
    const ks = new SeededPrg(key, iv).bytes(32);
    const ref = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
    const expected = ref.update(
      Buffer.concat([Buffer.from(iv), Buffer.from(fromHex('f0f1f2f3f4f5f6f7f8f9fafbfcfdff00'))]),
    );
    expect(toHex(ks)).toBe(expected.toString('hex'));
    // F.5.1 first ciphertext block XOR first plaintext block is the first keystream block.
    const c1 = fromHex('874d6191b620e3261bef6864990db6ce');
    const p1 = fromHex('6bc1bee22e409f96e93d7e117393172a');
    expect(toHex(ks.subarray(0, 16))).toBe(toHex(c1.map((c, i) => c ^ p1[i])));
  });
  it('is one contiguous AES-128-CTR keystream across calls of any size and its 64 KiB pieces', () => {
    const seed = fromHex('000102030405060708090a0b0c0d0e0f');
    const prg = new SeededPrg(seed);
    const parts = [7, 65_530, 134_463, 1, 16].map((n) => prg.bytes(n));
    const joined = Buffer.concat(parts);
    // An independent keystream: AES-128-ECB of the counter blocks 0, 1, 2, … (zero IV).
    const blocks = Math.ceil(joined.length / 16);
    const counters = Buffer.alloc(16 * blocks);
    for (let i = 0; i < blocks; i++) counters.writeUInt32BE(i, 16 * i + 12);
    const ecb = createCipheriv('aes-128-ecb', seed, null).setAutoPadding(false);
    expect(toHex(joined)).toBe(ecb.update(counters).subarray(0, joined.length).toString('hex'));
  });
  it('is deterministic per seed and differs across seeds', () => {
    const a = new SeededPrg(new Uint8Array(16)).bytes(100_000);
    const b = new SeededPrg(new Uint8Array(16)).bytes(100_000);
    const s = new Uint8Array(16);
    s[0] = 1;
    const c = new SeededPrg(s).bytes(100_000);
    expect(constantTimeEqual(a, b)).toBe(true);
    expect(constantTimeEqual(a, c)).toBe(false);
  });
});

describe('bad arguments are typed errors', () => {
  it('fromHex refuses odd-length, non-hex and non-string input with InvalidArgument', () => {
    for (const bad of ['abc', 'zz', '0x1', 5 as unknown as string]) {
      expect(() => fromHex(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(toHex(fromHex('0x00ff'))).toBe('00ff');
  });

  it('randomBytes and SeededPrg.bytes refuse a count that is not a whole number ≥ 0', () => {
    const prg = new SeededPrg(new Uint8Array(16));
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => randomBytes(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      expect(() => prg.bytes(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(randomBytes(0).length).toBe(0);
  });
});
