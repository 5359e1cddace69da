/** Policy decisions: a rule must allow the computation, bind every input to an allowed source, allow every recipient and the aggregate size. */
import { describe, expect, it } from 'vitest';
import {
  checkPolicy,
  DEFAULT_MAX_ROWS,
  DEFAULT_MAX_VALUES,
  EMPTY_POLICY,
  type Policy,
  policySchema,
} from '../src/index.js';

const id = 'cd'.repeat(32);
const facts = {
  computationId: id,
  name: 'fraud',
  inputs: ['balance'],
  outputRecipients: ['bankA', 'bankB'],
  minRows: 500,
  size: { longest: 500, values: 2000 },
};
const balance = { balance: { source: 'accounts', column: 'balance' } };
const rule = (computation: string, recipients: string[], minRows: number, sources = ['accounts']) => ({
  computation,
  dataSources: sources,
  inputs: balance,
  tables: {},
  outputRecipients: recipients,
  minRows,
  maxRows: 1000,
  maxValues: 5000,
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

  it('a rule by id matches the id only: a job named after an allowed id is not allowed by it', () => {
    const other = 'ab'.repeat(32);
    expect(checkPolicy(byId, { ...facts, computationId: other, name: id })).toMatchObject({
      approved: false,
    });
    expect(checkPolicy(byId, { ...facts, name: 'anything' })).toMatchObject({ approved: true, rule: 0 });
    const upper: Policy = { version: 1, allow: [{ ...byId.allow[0], computation: id.toUpperCase() }] };
    expect(checkPolicy(upper, facts)).toMatchObject({ approved: true });
    expect(checkPolicy(upper, { ...facts, computationId: other, name: id.toUpperCase() })).toMatchObject({
      approved: false,
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

  it("refuses a computation larger than the rule's size: its longest vector, then all its values", () => {
    expect(checkPolicy(byId, { ...facts, size: { longest: 1000, values: 5000 } })).toMatchObject({
      approved: true,
    });
    expect(checkPolicy(byId, { ...facts, size: { longest: 1001, values: 1001 } })).toEqual({
      approved: false,
      reason: "a vector of 1001 rows is above the policy's maximum of 1000",
    });
    expect(checkPolicy(byId, { ...facts, size: { longest: 10, values: 5001 } })).toEqual({
      approved: false,
      reason: "the computation's 5001 values are above the policy's maximum of 5000",
    });
  });

  it('gives a policy file without sizes the default bounds', () => {
    const read = policySchema.parse({ version: 1, allow: [{ computation: 'fraud' }] });
    expect(read.allow[0]).toMatchObject({ maxRows: DEFAULT_MAX_ROWS, maxValues: DEFAULT_MAX_VALUES });
    expect(DEFAULT_MAX_ROWS).toBe(2 ** 22);
    expect(() => policySchema.parse({ version: 1, allow: [{ computation: 'x', maxRows: 0 }] })).toThrow();
  });
});

describe('checkPolicy with names of Object.prototype members', () => {
  // A policy as read from policy.json: its records are plain objects, whose prototype has `constructor`,
  // `toString`, `hasOwnProperty`.
  const read = policySchema.parse({
    version: 1,
    allow: [
      {
        computation: 'fraud',
        dataSources: ['accounts'],
        inputs: { balance: { source: 'accounts', column: 'balance' } },
        tables: { accounts: { source: 'accounts', key: 'id' } },
        outputRecipients: ['bankA', 'bankB'],
      },
    ],
  });

  it('refuses an input or a table named constructor, toString or hasOwnProperty that the policy does not bind', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      expect(checkPolicy(read, { ...facts, inputs: ['balance', name] })).toEqual({
        approved: false,
        reason: `the policy binds no data to input '${name}' of 'fraud'`,
      });
      expect(checkPolicy(read, { ...facts, tables: ['accounts', name] })).toEqual({
        approved: false,
        reason: `the policy binds no data to table '${name}' of 'fraud'`,
      });
    }
  });

  it('approves such an input or table when the policy binds it, and binds only what it binds', () => {
    const bound = policySchema.parse({
      version: 1,
      allow: [
        {
          computation: 'fraud',
          dataSources: ['accounts'],
          inputs: { constructor: { source: 'accounts', column: 'balance' } },
          tables: { toString: { source: 'accounts', key: 'id' } },
          outputRecipients: ['bankA', 'bankB'],
        },
      ],
    });
    const d = checkPolicy(bound, { ...facts, inputs: ['constructor'], tables: ['toString'] });
    expect(d).toMatchObject({ approved: true });
    if (!d.approved) return;
    expect(Object.hasOwn(d.inputs, 'constructor')).toBe(true);
    expect(d.inputs.constructor).toEqual({ source: 'accounts', column: 'balance' });
    expect(d.tables.toString).toEqual({ source: 'accounts', key: 'id', columns: {} });
    // Nothing else is bound: no inherited member looks like a binding.
    expect(d.inputs.hasOwnProperty).toBeUndefined();
    expect(d.tables.constructor).toBeUndefined();
  });
});
