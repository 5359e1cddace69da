/** Input bits from columns and output bits from label tags, against plain references (edge values and every case). */
import { hasCode } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import { decodeOutputTags } from '../src/_decode.js';
import { columnToBits } from '../src/index.js';

const M = (1n << 64n) - 1n;

describe('columnToBits', () => {
  it('gives all k low bits of every value, least significant first, whatever the value', () => {
    const values = [
      0n,
      1n,
      M,
      1n << 63n,
      0xffffffffn,
      1n << 32n,
      0x5555555555555555n,
      0xaaaaaaaaaaaaaaaan,
      (1n << 70n) | 5n, // bits from k on are dropped
    ];
    for (const k of [1, 8, 33, 64]) {
      const bits = columnToBits(
        BigUint64Array.from(values, (v) => v & M),
        k,
      );
      expect(bits.length).toBe(values.length * k);
      values.forEach((v, i) => {
        for (let b = 0; b < k; b++)
          expect(bits[i * k + b], `value ${i}, bit ${b}`).toBe(Number((v >> BigInt(b)) & 1n));
      });
    }
    // Wide columns (bigint[]) and k beyond 64.
    const wide = [0n, (1n << 100n) - 1n, 1n << 99n, (0x5555n << 80n) | 1n];
    const bits = columnToBits(wide, 100);
    wide.forEach((v, i) => {
      for (let b = 0; b < 100; b++) expect(bits[i * 100 + b]).toBe(Number((v >> BigInt(b)) & 1n));
    });
  });
});

describe('decodeOutputTags', () => {
  /** Tags (hi, lo words) of the 0 and 1 labels of each wire, and the active tags to decode. */
  const cases: [number, number, number, number][] = [
    [0, 0, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff, 0, 0],
    [0x80000000, 1, 0x80000000, 0],
    [1, 0x80000000, 0, 0x80000000],
    [0x12345678, 0x9abcdef0, 0x0fedcba9, 0x87654321],
  ];

  it('reads the bit of the label whose tag matches, for either tag word differing', () => {
    const n = 2 * cases.length;
    const both = new Uint32Array(4 * n);
    const active = new Uint32Array(2 * n);
    const want = new Uint8Array(n);
    cases.forEach(([a0, a1, b0, b1], i) => {
      for (const bit of [0, 1]) {
        const j = 2 * i + bit;
        both.set([a0, a1, b0, b1], 4 * j);
        active.set(bit ? [b0, b1] : [a0, a1], 2 * j);
        want[j] = bit;
      }
    });
    expect([...decodeOutputTags(both, active, n)]).toEqual([...want]);
  });

  it('throws InvalidOutputLabel naming the wire when the tag matches neither label, whichever word differs', () => {
    for (const [a0, a1, b0, b1] of cases) {
      for (const active of [
        [a0 ^ 1, a1],
        [a0, a1 ^ 0x80000000],
        [b0 ^ 0x80000000, b1],
        [b0, b1 ^ 1],
      ]) {
        if ((active[0] === a0 && active[1] === a1) || (active[0] === b0 && active[1] === b1)) continue;
        // Wire 0 decodes, wire 1 does not.
        const both = Uint32Array.of(a0, a1, b0, b1, a0, a1, b0, b1);
        let caught: unknown;
        try {
          decodeOutputTags(both, Uint32Array.of(a0, a1, ...active), 2);
        } catch (e) {
          caught = e;
        }
        expect(hasCode(caught, 'INVALID_OUTPUT_LABEL'), String(caught)).toBe(true);
        expect((caught as Error).message).toMatch(
          /output wire 1: the label is neither the 0 nor the 1 label/,
        );
      }
    }
  });

  it('reads 0 when both labels have the same tag (as before: the 0 label is checked first)', () => {
    expect([...decodeOutputTags(Uint32Array.of(7, 9, 7, 9), Uint32Array.of(7, 9), 1)]).toEqual([0]);
  });
});
