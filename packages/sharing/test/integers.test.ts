/** Every integer operation of the IR against the plaintext evaluator, bit for bit, on random vectors with edge values. */
import { describe, it } from 'vitest';
import type { SharingProtocolName } from '../src/index.js';
import { expectSameAsPlaintext, seed, TestRandom } from './_harness.js';
import { INTEGER_TYPES, kitchenSink } from './_kitchenSink.js';

const modes: Array<[SharingProtocolName, number]> = [
  ['replicated', 3],
  ['sharing', 2],
  ['sharing', 3],
];

describe('integer operations vs the plaintext evaluator (int/uint of 8, 32, 64 bits)', () => {
  for (const [protocol, parties] of modes) {
    it(`${parties} parties, ${protocol === 'replicated' ? 'replicated' : 'additive'}`, async () => {
      const { p, inputs } = kitchenSink(INTEGER_TYPES, parties, new TestRandom(seed()));
      await expectSameAsPlaintext(p, inputs, protocol);
    });
  }
});
