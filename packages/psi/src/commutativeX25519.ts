/**
 * Commutative encryption of set elements by X25519 scalar multiplication
 * (the Diffie–Hellman PSI of Meadows, "A more efficient cryptographic
 * matchmaking protocol", IEEE S&P 1986, and Huberman–Franklin–Hogg 1999, on
 * RFC 7748's X25519 function): an element x is hashed to a u-coordinate
 * h(x), and a party with secret scalar k maps a point u to X25519(k, u).
 * Scalar multiplications commute, so X25519(a, X25519(b, h(x))) =
 * X25519(b, X25519(a, h(x))): after every party has applied its scalar, equal
 * elements give equal tags, and a tag is pseudorandom to anyone missing one
 * of the scalars (decisional Diffie–Hellman).
 *
 * h(x) is SHA-256 of a domain tag, the job's context and x, with bit 255
 * cleared; as RFC 7748 allows, the point may lie on the curve or on its
 * twist (Curve25519 is twist-secure: both groups have a prime-order subgroup
 * of about 2^252, and the clamped scalar, a multiple of 8, clears both
 * cofactors).
 *
 * The multiplications run in OpenSSL through node:crypto (~27k per second
 * per core here, 20× @noble/curves' Ristretto255); each point is imported as
 * a JWK, node's fastest import of a raw X25519 key.
 */
import { createHash, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ProtocolViolation } from '@parley/interface';

/** Bytes of a point (u-coordinate) and of a tag. */
export const POINT_BYTES = 32;

const DOMAIN = Buffer.from('parley/psi/x25519/v1\0');

/** h(x) for every element, 32 bytes each, in order. */
export function hashToPoints(context: string, elements: readonly Uint8Array[]): Uint8Array {
  const ctx = Buffer.from(context, 'utf8');
  const prefix = createHash('sha256').update(DOMAIN).update(uint32(ctx.length)).update(ctx);
  const out = new Uint8Array(elements.length * POINT_BYTES);
  for (let i = 0; i < elements.length; i++) {
    const h = prefix.copy().update(elements[i]).digest();
    h[31] &= 0x7f;
    out.set(h, i * POINT_BYTES);
  }
  return out;
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** One party's secret scalar: fresh for each join, never reused. */
export class CommutativeKey {
  readonly #secret: KeyObject;

  constructor() {
    this.#secret = generateKeyPairSync('x25519').privateKey;
  }

  /**
   * X25519(k, u) for every 32-byte point of `points` (a multiple of 32 bytes);
   * a new array. A point of small order (whose product is the identity) is a
   * protocol violation: hashed elements never give one.
   */
  apply(points: Uint8Array, from?: string): Uint8Array {
    if (points.length % POINT_BYTES !== 0) {
      throw new ProtocolViolation(`points: ${points.length} bytes is not a whole number of 32-byte points`, {
        party: from,
      });
    }
    const out = new Uint8Array(points.length);
    const view = Buffer.from(points.buffer, points.byteOffset, points.length);
    for (let o = 0; o < points.length; o += POINT_BYTES) {
      const publicKey = createPublicKey({
        key: { kty: 'OKP', crv: 'X25519', x: view.toString('base64url', o, o + POINT_BYTES) },
        format: 'jwk',
      });
      let product: Buffer;
      try {
        product = diffieHellman({ privateKey: this.#secret, publicKey });
      } catch {
        throw new ProtocolViolation(`point ${o / POINT_BYTES} has small order`, { party: from });
      }
      out.set(product, o);
    }
    return out;
  }
}
