/** SHA-256 and helpers (FIPS 180-4), through node:crypto. */
import { createHash } from 'node:crypto';
import { InvalidArgument } from '@parley/interface';

/** SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest().buffer.slice(0) as ArrayBuffer);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The bytes of a hex string (an optional 0x first); InvalidArgument for anything else. */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string') throw new InvalidArgument('fromHex: expected a hex string', { field: 'hex' });
  const h = hex.startsWith('0x') ? hex.slice(2) : hex;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h))
    throw new InvalidArgument('fromHex: not an even-length hex string', { field: 'hex' });
  return new Uint8Array(Buffer.from(h, 'hex'));
}
