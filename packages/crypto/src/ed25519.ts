/** Ed25519 signatures (RFC 8032) through @noble/curves. */
import { ed25519 } from '@noble/curves/ed25519.js';
import { assertBytes } from './bytes.js';

export interface Ed25519KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export function ed25519KeyPair(secretKey: Uint8Array = ed25519.utils.randomSecretKey()): Ed25519KeyPair {
  assertBytes(secretKey, 32, 'secretKey');
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

export function ed25519Sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  assertBytes(message, undefined, 'message');
  assertBytes(secretKey, 32, 'secretKey');
  return ed25519.sign(message, secretKey);
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
