/**
 * A node's answer to a job proposal, from its policy (policy.json): the job
 * is approved only when a rule allows its computation (by name or id), binds
 * every input this node provides to a column of an allowed data source and
 * every table it provides to an allowed data source and key column,
 * allows every recipient of its outputs, the smallest aggregate is at
 * least the rule's minimum number of rows, and the computation is within the
 * rule's size: no vector longer than its maximum rows, no more values in all.
 * Otherwise it is refused with the reason, which the node sends to the
 * other parties (it names no data).
 */
import type { Program } from '@parley/circuit';
import { own } from '@parley/interface';
import type { InputBinding, Policy, PolicyRule, TableBinding } from '../setup/policyFile.js';

export interface ProposalFacts {
  computationId: string;
  name: string;
  /** The names of this node's inputs of the computation (table columns aside). */
  inputs: string[];
  /** The names of this node's tables of the computation. */
  tables?: string[];
  /** Every party that receives some output. */
  outputRecipients: string[];
  /** Rows of the smallest input vector this node provides (its smallest aggregate). */
  minRows: number;
  /** The computation's size: its longest vector, and the values of all its steps together. */
  size: ProgramSize;
}

export interface ProgramSize {
  longest: number;
  values: number;
}

/** The longest vector of `program` and the values of all its nodes together. */
export function programSize(program: Program): ProgramSize {
  let longest = 0;
  let values = 0;
  for (const n of program.nodes) {
    values += n.length;
    if (n.length > longest) longest = n.length;
  }
  return { longest, values };
}

/** What an approving rule binds this node's inputs and tables to. */
export interface JobBindings {
  inputs: Record<string, InputBinding>;
  tables: Record<string, TableBinding>;
  /** The rule's minimum rows, checked again on a table's data rows or the joined rows when the job runs. */
  minRows: number;
}

export type PolicyDecision =
  | ({ approved: true; rule: number } & JobBindings)
  | { approved: false; reason: string };

/**
 * Whether `rule` names this computation: a 64-hex rule is an id and matches
 * the id only (else a proposer could name any circuit after an allowed id);
 * any other rule matches the name.
 */
function ruleNames(rule: Policy['allow'][number], facts: ProposalFacts): boolean {
  return COMPUTATION_ID.test(rule.computation)
    ? rule.computation.toLowerCase() === facts.computationId
    : rule.computation === facts.name;
}

const COMPUTATION_ID = /^[0-9a-f]{64}$/i;

export function checkPolicy(policy: Policy, facts: ProposalFacts): PolicyDecision {
  const rules = policy.allow
    .map((rule, index) => ({ rule, index }))
    .filter(({ rule }) => ruleNames(rule, facts));
  if (rules.length === 0) {
    return {
      approved: false,
      reason: `no policy rule allows computation '${facts.name}' (${facts.computationId.slice(0, 16)}…)`,
    };
  }
  const reasons = rules.map(({ rule }) => whyNot(rule, facts));
  const ok = reasons.indexOf(undefined);
  if (ok >= 0) {
    const { rule, index } = rules[ok];
    return {
      approved: true,
      rule: index,
      inputs: boundTo(rule.inputs, facts.inputs),
      tables: boundTo(rule.tables, facts.tables ?? []),
      minRows: rule.minRows,
    };
  }
  return { approved: false, reason: reasons[0] as string };
}

/**
 * The bindings of `names` in `record` (a rule's inputs or tables), in a
 * null-prototype record: looked up by own property only, so a name such as
 * `constructor` or `toString` is bound only when the policy binds it.
 */
function boundTo<T>(record: Readonly<Record<string, T>>, names: readonly string[]): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const n of names) {
    const b = own(record, n);
    if (b !== undefined) out[n] = b;
  }
  return out;
}

function whyNot(rule: PolicyRule, facts: ProposalFacts): string | undefined {
  // Own properties only: an input or table named after a member of Object.prototype is bound only if
  // the policy binds it, like any other name.
  const unbound = facts.inputs.find((n) => own(rule.inputs, n) === undefined);
  if (unbound !== undefined) return `the policy binds no data to input '${unbound}' of '${facts.name}'`;
  const table = facts.tables?.find((t) => own(rule.tables, t) === undefined);
  if (table !== undefined) return `the policy binds no data to table '${table}' of '${facts.name}'`;
  const source = [
    ...facts.inputs.map((n) => (own(rule.inputs, n) as InputBinding).source),
    ...(facts.tables ?? []).map((t) => (own(rule.tables, t) as TableBinding).source),
  ].find((s) => !rule.dataSources.includes(s));
  if (source !== undefined) return `the policy does not allow data source '${source}' for '${facts.name}'`;
  const recipient = facts.outputRecipients.find((p) => !rule.outputRecipients.includes(p));
  if (recipient !== undefined)
    return `the policy does not allow outputs to '${recipient}' for '${facts.name}'`;
  if (facts.minRows < rule.minRows) {
    return `an aggregate over ${facts.minRows} rows is below the policy's minimum of ${rule.minRows}`;
  }
  if (facts.size.longest > rule.maxRows) {
    return `a vector of ${facts.size.longest} rows is above the policy's maximum of ${rule.maxRows}`;
  }
  if (facts.size.values > rule.maxValues) {
    return `the computation's ${facts.size.values} values are above the policy's maximum of ${rule.maxValues}`;
  }
  return undefined;
}
