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

/** False (never an exception) for a malformed signature or key. */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  try {
    return ed25519.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}
