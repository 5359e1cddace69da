/** What a node checks before it co-signs an entry: the entry must say what this node saw of the job. */
import { type Consortium, PARTY_NAME_PATTERN } from '@parley/interface';
import { compareEntryWithJob, type LedgerEntry, type LocalJobView } from '@parley/ledger';
import { describe, expect, it } from 'vitest';
import { makeEntry } from './helpers.js';

const consortium = (names: string[]): Consortium => ({
  parties: names.map((name, i) => ({
    name,
    publicKey: `${i + 1}`.repeat(64),
    address: `127.0.0.1:${7000 + i}`,
  })),
});

function entryOf(parties: string[], inputs: Record<string, string>): LedgerEntry {
  return {
    seq: 0,
    ...makeEntry(1),
    parties,
    inputCommitments: inputs,
    outputHashes: { score: 'e'.repeat(64) },
  };
}

describe('compareEntryWithJob', () => {
  it('agrees with an entry that says what the node saw, and names each difference', () => {
    const e = entryOf(['bankA', 'bankB'], { bankA: 'a'.repeat(64) });
    const view: LocalJobView = {
      computationId: e.computationId,
      parties: ['bankA', 'bankB'],
      inputCommitment: 'a'.repeat(64),
      outputHashes: { score: 'e'.repeat(64) },
    };
    const members = consortium(['bankA', 'bankB']);
    expect(compareEntryWithJob(e, view, 'bankA', members)).toEqual([]);
    expect(compareEntryWithJob(e, { ...view, inputCommitment: 'b'.repeat(64) }, 'bankA', members)).toEqual([
      "job job-1: bankA's input commitment differs",
    ]);
    expect(
      compareEntryWithJob(e, { ...view, outputHashes: { other: 'e'.repeat(64) } }, 'bankA', members),
    ).toEqual(['job job-1: the hash of output "other" differs']);
  });

  it('reads no inherited property as a commitment or a hash, whatever the names', () => {
    // Names a consortium may use that are also properties every JavaScript object inherits.
    for (const name of ['constructor', 'toString', 'valueOf']) {
      expect(PARTY_NAME_PATTERN.test(name)).toBe(true);
      const e = entryOf(['bankA', name], { bankA: 'a'.repeat(64) });
      const view: LocalJobView = { computationId: e.computationId, parties: ['bankA', name] };
      // This node gave no input and the entry records none for it: nothing to object to.
      expect(compareEntryWithJob(e, view, name, consortium(['bankA', name]))).toEqual([]);
      // An output this node knows, under an inherited name, that the entry lacks.
      const knows = { ...view, outputHashes: { [name]: 'e'.repeat(64) } };
      expect(compareEntryWithJob(e, knows, name, consortium(['bankA', name]))).toEqual([
        `job job-1: the hash of output "${name}" differs`,
      ]);
    }
  });
});
