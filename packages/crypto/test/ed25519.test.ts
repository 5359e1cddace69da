import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import {
  ed25519KeyFault,
  ed25519KeyPair,
  ed25519Sign,
  ed25519Verify,
  fromHex,
  randomBytes,
  toHex,
} from '../src/index.js';

// RFC 8032 section 7.1, TEST 1, TEST 2 and TEST 3.
const vectors = [
  {
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

describe('ed25519 (RFC 8032 vectors)', () => {
  for (const [i, v] of vectors.entries()) {
    it(`TEST ${i + 1}`, () => {
      const kp = ed25519KeyPair(fromHex(v.secret));
      expect(toHex(kp.publicKey)).toBe(v.public);
      const sig = ed25519Sign(fromHex(v.message), kp.secretKey);
      expect(toHex(sig)).toBe(v.signature);
      expect(ed25519Verify(sig, fromHex(v.message), kp.publicKey)).toBe(true);
    });
  }

  it('rejects a changed message, a changed signature and malformed keys without throwing', () => {
    const kp = ed25519KeyPair();
    const msg = new TextEncoder().encode('tree head');
    const sig = ed25519Sign(msg, kp.secretKey);
    expect(ed25519Verify(sig, msg, kp.publicKey)).toBe(true);
    expect(ed25519Verify(sig, new TextEncoder().encode('tree heaD'), kp.publicKey)).toBe(false);
    const bad = sig.slice();
    bad[10] ^= 1;
    expect(ed25519Verify(bad, msg, kp.publicKey)).toBe(false);
    expect(ed25519Verify(sig.subarray(0, 63), msg, kp.publicKey)).toBe(false);
    expect(ed25519Verify(sig, msg, new Uint8Array(31))).toBe(false);
  });

  it('node:crypto signing and key derivation give the bytes noble gives (random and edge keys and messages)', () => {
    const seeds = [new Uint8Array(32), new Uint8Array(32).fill(0xff), new Uint8Array(32).fill(0x80)];
    for (let i = 0; i < 40; i++) seeds.push(randomBytes(32));
    for (const [i, seed] of seeds.entries()) {
      const kp = ed25519KeyPair(seed);
      expect(kp.publicKey).toBeInstanceOf(Uint8Array);
      expect(toHex(kp.publicKey)).toBe(toHex(ed25519.getPublicKey(seed)));
      for (const length of [0, 1, 31, 32, 33, 64, 127, 1000 + i]) {
        const message = randomBytes(length);
        const sig = ed25519Sign(message, seed);
        expect(sig).toBeInstanceOf(Uint8Array);
        expect(sig.length).toBe(64);
        expect(toHex(sig)).toBe(toHex(ed25519.sign(message, seed)));
        expect(ed25519Verify(sig, message, kp.publicKey)).toBe(true);
      }
    }
    // A message and a key that are views into larger buffers (offsets): only the viewed bytes count.
    const backing = randomBytes(200);
    const seed = backing.subarray(7, 39);
    const message = backing.subarray(50, 150);
    expect(toHex(ed25519Sign(message, seed))).toBe(toHex(ed25519.sign(message.slice(), seed.slice())));
    expect(toHex(ed25519KeyPair(seed).publicKey)).toBe(toHex(ed25519.getPublicKey(seed.slice())));
  });

  it('refuses a wrong-length secret key or a non-byte message when signing, with a typed error', () => {
    expect(() => ed25519Sign(new Uint8Array(1), new Uint8Array(31))).toThrow(/secretKey: expected 32 bytes/);
    expect(() => ed25519Sign(new Uint8Array(1), new Uint8Array(64))).toThrow(/secretKey: expected 32 bytes/);
    expect(() => ed25519Sign('text' as unknown as Uint8Array, new Uint8Array(32))).toThrow(/message/);
  });

  it('refuses a secret key of the wrong length with a typed error', () => {
    expect(() => ed25519KeyPair(new Uint8Array(31))).toThrow(/secretKey: expected 32 bytes/);
  });
});

describe('ed25519: weak and non-canonical keys (strict RFC 8032, not ZIP-215)', () => {
  const identity = fromHex(`01${'00'.repeat(31)}`);
  // y = 1 + p: the identity again, encoded with y ≥ p (2^255 − 19).
  const identityNonCanonical = fromHex(`ee${'ff'.repeat(30)}7f`);
  // R = identity, S = 0: verifies under the identity key for every message with ZIP-215 rules.
  const forged = fromHex(`01${'00'.repeat(31)}${'00'.repeat(32)}`);

  it('refuses a signature under a small-order key, canonical or not', () => {
    const message = new TextEncoder().encode('tree head 42');
    expect(ed25519Verify(forged, message, identity)).toBe(false);
    expect(ed25519Verify(forged, message, identityNonCanonical)).toBe(false);
  });

  it('ed25519KeyFault names small-order and non-canonical keys and passes real ones', () => {
    expect(ed25519KeyFault(identity)).toMatch(/small order/);
    expect(ed25519KeyFault(identityNonCanonical)).toMatch(/canonical/);
    // A point of order 8 (canonical encoding), from the list of small-order points.
    expect(
      ed25519KeyFault(fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')),
    ).toMatch(/small order/);
    expect(ed25519KeyFault(new Uint8Array(31))).toMatch(/32 bytes/);
    for (const v of vectors) expect(ed25519KeyFault(fromHex(v.public))).toBeUndefined();
  });
});
