/** A select on a secret condition between two public values (the branches are constants): y + c·(x − y), no multiplication. */
import { bit, int, uint } from '@parley/circuit';
import { describe, it } from 'vitest';
import { builder, expectSameAsPlaintext } from './_harness.js';

describe('select with a secret condition and public branches', () => {
  for (const protocol of ['replicated', 'sharing'] as const) {
    it(`gives the plaintext result (${protocol})`, async () => {
      const { b, names } = builder(3);
      const c = b.input('p0', 'c', bit, 5);
      b.output('scalars', c.select(b.constant(7, uint(64)), b.constant(3, uint(64))));
      b.output('vectors', c.select(b.constant([1, -2, 3, -4, 5], int(32)), b.constant(-9, int(32))));
      b.output(
        'widened',
        c
          .select(b.constant(200, uint(8)), b.constant(1, uint(8)))
          .cast(uint(16))
          .sum(),
      );
      await expectSameAsPlaintext(
        b.build(),
        { p0: { c: [1, 0, 1, 1, 0] }, [names[1]]: {}, [names[2]]: {} },
        protocol,
      );
    });
  }
});
