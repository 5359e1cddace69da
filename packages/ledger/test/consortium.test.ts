/**
 * The consortium fingerprint: SHA-256 over a label and the canonical msgpack
 * of the members' [name, key] pairs sorted by name, checked here against an
 * encoding written out byte by byte from the MessagePack specification
 * (https://github.com/msgpack/msgpack/blob/master/spec.md: fixarray 0x9N,
 * fixstr 0xa0|len, bin 8 0xc4 len) and node:crypto.
 */
import { createHash } from 'node:crypto';
import type { Consortium } from '@parley/interface';
import { consortiumFingerprint } from '@parley/ledger';
import { describe, expect, it } from 'vitest';
import { makeConsortium } from './helpers.js';

const { consortium } = makeConsortium(3);

/** The fingerprint as the documentation defines it, from the bytes up. */
function byHand(c: Consortium): string {
  const members = [...c.parties].sort((a, b) => (a.name < b.name ? -1 : 1));
  const bytes: number[] = [0x90 | members.length];
  for (const p of members) {
    const name = Buffer.from(p.name, 'utf8');
    bytes.push(0x92, 0xa0 | name.length, ...name, 0xc4, 32, ...Buffer.from(p.publicKey, 'hex'));
  }
  return createHash('sha256').update('PARLEY-CONSORTIUM-V1\0').update(Uint8Array.from(bytes)).digest('hex');
}

describe('consortium fingerprint', () => {
  it('is SHA-256 of the label and the sorted [name, key] pairs, in canonical msgpack', () => {
    const fp = consortiumFingerprint(consortium);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(fp).toBe(byHand(consortium));
  });

  it('depends on the names and keys only, not on their order, the addresses or the consortium name', () => {
    const fp = consortiumFingerprint(consortium);
    const reordered = { name: 'renamed', parties: [...consortium.parties].reverse() };
    expect(consortiumFingerprint(reordered)).toBe(fp);
    const moved = {
      parties: consortium.parties.map((p, i) => ({ ...p, address: `10.0.0.${i + 1}:9000` })),
    };
    expect(consortiumFingerprint(moved)).toBe(fp);
    const upper = {
      parties: consortium.parties.map((p) => ({ ...p, publicKey: p.publicKey.toUpperCase() })),
    };
    expect(consortiumFingerprint(upper)).toBe(fp);
    // The same names with other keys (a swapped consortium file), or another name: another fingerprint.
    expect(consortiumFingerprint(makeConsortium(3, 50).consortium)).not.toBe(fp);
    const renamed = { parties: consortium.parties.map((p, i) => (i === 0 ? { ...p, name: 'bankZ' } : p)) };
    expect(consortiumFingerprint(renamed)).not.toBe(fp);
    expect(consortiumFingerprint(renamed)).toBe(byHand(renamed));
  });
});
