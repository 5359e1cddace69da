/**
 * Ed25519 signatures (RFC 8032). Everything that touches the secret key (the
 * public key's derivation and signing) runs in node:crypto (OpenSSL's
 * constant-time code), not in @noble/curves, whose BigInt arithmetic has no
 * constant-time guarantee; verification and key checks, on public data only,
 * stay with noble (strict RFC 8032, not ZIP-215). Ed25519 is deterministic,
 * so both produce the same bytes.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { assertBytes } from './bytes.js';

/** PKCS#8 (RFC 8410) of an Ed25519 private key, up to its 32-byte seed. */
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

/** The node:crypto private key of a 32-byte seed (the DER copy is wiped after parsing). */
function privateKeyObject(secretKey: Uint8Array): KeyObject {
  const der = Buffer.alloc(PKCS8_PREFIX.length + 32);
  der.set(PKCS8_PREFIX);
  der.set(secretKey, PKCS8_PREFIX.length);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

/** The 32-byte public key of a node:crypto Ed25519 key (the end of its SPKI DER). */
function publicKeyBytes(key: KeyObject): Uint8Array {
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

export interface Ed25519KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export function ed25519KeyPair(secretKey: Uint8Array = ed25519.utils.randomSecretKey()): Ed25519KeyPair {
  assertBytes(secretKey, 32, 'secretKey');
  return { secretKey, publicKey: publicKeyBytes(privateKeyObject(secretKey)) };
}

export function ed25519Sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  assertBytes(message, undefined, 'message');
  assertBytes(secretKey, 32, 'secretKey');
  return new Uint8Array(sign(null, message, privateKeyObject(secretKey)));
}

/**
 * Strict RFC 8032 verification: false (never an exception) for a malformed
 * signature or key, a non-canonical encoding of R or of the key, and a key of
 * small order (for which anyone can make signatures that verify). noble's
 * default is ZIP-215, which accepts all of these.
 */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * Why `publicKey` cannot stand for a signer (undefined when it can): it is
 * not the canonical encoding of a curve point, or the point has small order,
 * so that signatures under it prove nothing. Never names the key's bytes.
 */
export function ed25519KeyFault(publicKey: Uint8Array): string | undefined {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return 'is not 32 bytes';
  let point: ReturnType<typeof ed25519.Point.fromBytes>;
  try {
    point = ed25519.Point.fromBytes(publicKey, false);
  } catch {
    return 'is not the canonical encoding of a point on Ed25519';
  }
  if (point.isSmallOrder()) return 'is a point of small order, under which anyone can sign';
  return undefined;
}
