/** Seeded test randomness (AES-128-CTR from node:crypto); every test file prints its seed. */
import { createCipheriv, randomBytes } from 'node:crypto';

export function seededRandom(label: string): (n: number) => Uint8Array {
  const seedHex = process.env.PARLEY_TEST_SEED ?? randomBytes(16).toString('hex');
  console.log(`${label}: seed ${seedHex} (set PARLEY_TEST_SEED to replay)`);
  const cipher = createCipheriv('aes-128-ctr', Buffer.from(seedHex, 'hex'), Buffer.alloc(16));
  return (n) => new Uint8Array(cipher.update(Buffer.alloc(n)));
}

/** -1 when a and b hold the same bytes, else the first index where they differ (fast on large arrays). */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length)))
    return -1;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
