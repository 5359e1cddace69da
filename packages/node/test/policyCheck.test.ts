/** Policy decisions: a rule must allow the computation, bind every input to an allowed source, allow every recipient and the aggregate size. */
import { describe, expect, it } from 'vitest';
import { checkPolicy, EMPTY_POLICY, type Policy } from '../src/index.js';

const id = 'cd'.repeat(32);
const facts = {
  computationId: id,
  name: 'fraud',
  inputs: ['balance'],
  outputRecipients: ['bankA', 'bankB'],
  minRows: 500,
};
const balance = { balance: { source: 'accounts', column: 'balance' } };
const rule = (computation: string, recipients: string[], minRows: number, sources = ['accounts']) => ({
  computation,
  dataSources: sources,
  inputs: balance,
  tables: {},
  outputRecipients: recipients,
  minRows,
});
const policy: Policy = {
  version: 1,
  allow: [
    rule('other', ['bankA', 'bankB'], 1),
    rule('fraud', ['bankA'], 100),
    rule(id, ['bankA', 'bankB'], 100, ['accounts', 'loans']),
  ],
};
const byId: Policy = { version: 1, allow: [policy.allow[2]] };

describe('checkPolicy', () => {
  it('approves by the first rule that allows everything, by name or by id, with its input bindings', () => {
    expect(checkPolicy(policy, facts)).toEqual({
      approved: true,
      rule: 2,
      inputs: balance,
      tables: {},
      minRows: 100,
    });
  });

  it('binds each of the node’s tables to an allowed source with its key column', () => {
    const accounts = { source: 'accounts', key: 'account', columns: { amount: 'balance' } };
    const withTable: Policy = { version: 1, allow: [{ ...policy.allow[2], tables: { a: accounts } }] };
    expect(checkPolicy(withTable, { ...facts, tables: ['a'] })).toMatchObject({
      approved: true,
      tables: { a: accounts },
    });
    expect(checkPolicy(withTable, { ...facts, tables: ['a', 'b'] })).toEqual({
      approved: false,
      reason: "the policy binds no data to table 'b' of 'fraud'",
    });
    const elsewhere: Policy = {
      version: 1,
      allow: [{ ...policy.allow[2], tables: { a: { ...accounts, source: 'hr' } } }],
    };
    expect(checkPolicy(elsewhere, { ...facts, tables: ['a'] })).toEqual({
      approved: false,
      reason: "the policy does not allow data source 'hr' for 'fraud'",
    });
  });

  it('refuses with the reason of the first matching rule', () => {
    expect(checkPolicy(EMPTY_POLICY, facts)).toMatchObject({
      approved: false,
      reason: expect.stringContaining("computation 'fraud'"),
    });
    expect(checkPolicy({ version: 1, allow: [policy.allow[1]] }, facts)).toEqual({
      approved: false,
      reason: "the policy does not allow outputs to 'bankB' for 'fraud'",
    });
    expect(checkPolicy(byId, { ...facts, inputs: ['balance', 'salary'] })).toEqual({
      approved: false,
      reason: "the policy binds no data to input 'salary' of 'fraud'",
    });
    const salaries: Policy = {
      version: 1,
      allow: [{ ...policy.allow[2], inputs: { balance: { source: 'salaries', column: 'x' } } }],
    };
    expect(checkPolicy(salaries, facts)).toEqual({
      approved: false,
      reason: "the policy does not allow data source 'salaries' for 'fraud'",
    });
    expect(checkPolicy(byId, { ...facts, minRows: 20 })).toEqual({
      approved: false,
      reason: "an aggregate over 20 rows is below the policy's minimum of 100",
    });
  });
});
