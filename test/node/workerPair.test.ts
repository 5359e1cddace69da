/** Two parties in two worker threads over mutual-TLS WebSocket on 127.0.0.1 (the built packages). */
import { bristolProgram, readBristolFile } from '@parley/circuit';
import { runGarbledInWorkers, WorkerPair } from '@parley/node';
import { describe, expect, it } from 'vitest';
import { BRISTOL } from '../helpers.js';

describe('garbled runs in worker threads', () => {
  it('AES-128 gives the FIPS-197 ciphertext in a fresh pair and in repeated runs of one pair', async () => {
    const aes = bristolProgram(await readBristolFile(`${BRISTOL}/aes_128.txt`));
    const inputs = {
      party0: { '0': 0x000102030405060708090a0b0c0d0e0fn },
      party1: { '1': 0x00112233445566778899aabbccddeeffn },
    };
    const once = await runGarbledInWorkers(aes, inputs);
    expect(once.outputs.party1['0'][0]).toBe(0x69c4e0d86a7b0430d8cdb78070b4c55an);
    const pair = await WorkerPair.start(['party0', 'party1']);
    try {
      for (let i = 0; i < 2; i++) {
        const r = await pair.run(aes, inputs);
        expect(r.outputs.party0['0'][0]).toBe(0x69c4e0d86a7b0430d8cdb78070b4c55an);
        expect(r.andGates).toBe(6400);
      }
    } finally {
      await pair.close();
    }
  });
});
