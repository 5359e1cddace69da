/** Summon programs as imported (arithmetic gates AAdd, AMul, AGt, …, and boolean ones) on every mode. */
import { compileSummon, encodeInputs, evaluateProgram, importSummon } from '@parley/circuit';
import { describe, expect, it } from 'vitest';
import { runSharingLocally, type SharingProtocolName } from '../src/index.js';
import { list } from './_harness.js';

const SOURCE = `export default (io: Summon.IO) => {
  const a = io.input('alice', 'a', summon.number());
  const b = io.input('bob', 'b', summon.number());
  const c = io.input('carol', 'c', summon.number());
  const s = 3 * a + 5 * b + 7 * c;
  io.outputPublic('score', s);
  io.outputPublic('flag', s > 1000 ? 1 : 0);
  io.outputPublic('mix', (a * b - c) % 97 + (a == b ? 1 : 0) + (c >= a && b != c ? 2 : 0) + (a << 3) + (b >> 2));
  io.outputPublic('quotient', b / (a + 1));
};`;

const modes: SharingProtocolName[] = ['replicated', 'sharing'];

describe('summon programs', () => {
  for (const protocol of modes) {
    for (const mode of ['arithmetic', 'boolean'] as const) {
      it(`${mode} circuit, three parties, ${protocol === 'replicated' ? 'replicated' : 'additive'}`, async () => {
        const circuit = await compileSummon('score.ts', SOURCE, {
          boolifyWidth: mode === 'boolean' ? 32 : undefined,
        });
        const p = importSummon(circuit, { width: 32 });
        const cases = [
          [100, 80, 60],
          [0, 4294967295, 7],
          [77, 77, 2],
        ];
        // An additive run makes its triples by OT first: two cases are enough there.
        for (const [a, b, c] of protocol === 'replicated' ? cases : cases.slice(1)) {
          const inputs = { alice: { a }, bob: { b }, carol: { c } };
          const want = evaluateProgram(p, encodeInputs(p, inputs));
          const r = await runSharingLocally(p, inputs, { protocol });
          for (const party of p.parties) {
            for (const o of p.outputs)
              expect(list(r.outputs[party][o.name]), `${o.name}`).toEqual(list(want[o.name]));
          }
        }
      });
    }
  }
});
