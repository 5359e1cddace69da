/** Boolean sub-circuits (Bristol Fashion call nodes), bits and values wider than 64 bits, against the plaintext evaluator. */
import { bit, bristolProgram, CircuitBuilder, readBristolFile, uint } from '@parley/circuit';
import { describe, expect, it } from 'vitest';
import { runSharingLocally, type SharingProtocolName } from '../src/index.js';
import { expectSameAsPlaintext, list, seed, TestRandom } from './_harness.js';

const BRISTOL = `${process.env.PARLEY_SHARED_DATA ?? new URL('../../../../shared/data/', import.meta.url).pathname}/bristol`;
const K = 0x000102030405060708090a0b0c0d0e0fn;
const P = 0x00112233445566778899aabbccddeeffn;
const C = 0x69c4e0d86a7b0430d8cdb78070b4c55an;

const modes: Array<[SharingProtocolName, number]> = [
  ['replicated', 3],
  ['sharing', 2],
  ['sharing', 3],
];

describe('boolean circuits on bit-sliced shares', () => {
  for (const [protocol, parties] of modes) {
    const label = `${parties} parties, ${protocol === 'replicated' ? 'replicated' : 'additive'}`;
    it(`AES-128 (FIPS-197) and mult64, ${label}`, async () => {
      const names = Array.from({ length: parties }, (_, i) => `party${i}`);
      const aes = bristolProgram(await readBristolFile(`${BRISTOL}/aes_128.txt`), { parties: names });
      const r = await runSharingLocally(aes, { party0: { '0': K }, party1: { '1': P } }, { protocol });
      for (const party of names) expect(list(r.outputs[party]['0'])).toEqual([C]);
      expect(r.stats.party0.andGates).toBe(6400);
      const mult = bristolProgram(await readBristolFile(`${BRISTOL}/mult64.txt`), { parties: names });
      const x = 0xfedcba9876543210n;
      const y = 0x0123456789abcdefn;
      const m = await runSharingLocally(mult, { party0: { '0': x }, party1: { '1': y } }, { protocol });
      expect(list(m.outputs[names[parties - 1]]['0'])).toEqual([(x * y) & ((1n << 64n) - 1n)]);
    });

    it(`a vector of AES blocks, wide values and bits, ${label}`, async () => {
      const r = new TestRandom(seed());
      const aes = await readBristolFile(`${BRISTOL}/aes_128.txt`);
      const names = Array.from({ length: parties }, (_, i) => `p${i}`);
      const b = new CircuitBuilder(names);
      const key = b.input('p0', 'key', uint(128), 70);
      const text = b.input('p1', 'text', uint(128), 70);
      const [cipher] = b.call(aes, [key, text]);
      b.output('cipher', cipher, [names[parties - 1]]);
      b.output('xor', key.xor(text).xor(cipher), ['p0']);
      b.output('eq', key.eq(text), ['p1']);
      b.output('mux', key.lt(text).select(key, text));
      b.output('concat', b.concat(key.slice(3, 9), text.slice(0, 1)));
      const u = b.input('p0', 'u', bit, 70);
      const v = b.input('p1', 'v', bit, 70);
      b.output('bits', u.and(v).or(u.xor(v).not()).select(u, v));
      b.output('bitops', u.add(v).mul(v).sub(u));
      b.output('count', u.cast(uint(8)).sum());
      b.output('sortbits', u.sort());
      b.output('widest', key.slice(0, 9).maxOf());
      b.output('bitsum', u.sum());
      const p = b.build();
      const wide = () => Array.from({ length: 70 }, () => (r.word() << 64n) | r.word());
      const bits = () => Array.from({ length: 70 }, () => r.below(2));
      await expectSameAsPlaintext(
        p,
        { p0: { key: wide(), u: bits() }, p1: { text: wide(), v: bits() } },
        protocol,
      );
    });
  }
});
