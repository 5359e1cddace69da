/** Policy decisions: a rule must allow the computation, every data source, every recipient and the aggregate size. */
import { describe, expect, it } from 'vitest';
import { checkPolicy, EMPTY_POLICY, type Policy } from '../src/index.js';

const id = 'cd'.repeat(32);
const facts = {
  computationId: id,
  name: 'fraud',
  dataSources: ['accounts'],
  outputRecipients: ['bankA', 'bankB'],
  minRows: 500,
};
const policy: Policy = {
  version: 1,
  allow: [
    { computation: 'other', dataSources: ['accounts'], outputRecipients: ['bankA', 'bankB'], minRows: 1 },
    { computation: 'fraud', dataSources: ['accounts'], outputRecipients: ['bankA'], minRows: 100 },
    {
      computation: id,
      dataSources: ['accounts', 'loans'],
      outputRecipients: ['bankA', 'bankB'],
      minRows: 100,
    },
  ],
};

describe('checkPolicy', () => {
  it('approves by the first rule that allows everything, by name or by id', () => {
    expect(checkPolicy(policy, facts)).toEqual({ approved: true, rule: 2 });
  });

  it('refuses with the reason of the first matching rule', () => {
    expect(checkPolicy(EMPTY_POLICY, facts)).toMatchObject({
      approved: false,
      reason: expect.stringContaining("computation 'fraud'"),
    });
    const narrow: Policy = { version: 1, allow: [policy.allow[1]] };
    expect(checkPolicy(narrow, facts)).toEqual({
      approved: false,
      reason: "the policy does not allow outputs to 'bankB' for 'fraud'",
    });
    const byId: Policy = { version: 1, allow: [policy.allow[2]] };
    expect(checkPolicy(byId, { ...facts, dataSources: ['salaries'] })).toMatchObject({
      approved: false,
      reason: "the policy does not allow data source 'salaries' for 'fraud'",
    });
    expect(checkPolicy(byId, { ...facts, minRows: 20 })).toMatchObject({
      approved: false,
      reason: "an aggregate over 20 rows is below the policy's minimum of 100",
    });
  });
});
