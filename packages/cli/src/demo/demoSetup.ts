/**
 * The three banks of `parley demo`, set up as an operator would with
 * `parley init` and `parley consortium create`: in DIR/bankA, DIR/bankB and
 * DIR/bankC, each with fresh keys, synthetic accounts (a hashed customer id
 * and one feature per bank, in accounts.csv), a policy that allows the
 * fraud-score computation by its id with its table bound to that file, and
 * the consortium of the three (also in DIR/consortium.json).
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FRAUD_TABLES, type FraudBank, type FraudBankData } from '@parley/circuits';
import { ConfigError } from '@parley/interface';
import { DEFAULT_MAX_ROWS, DEFAULT_MAX_VALUES, programSize } from '@parley/node';
import type { Computation } from '@parley/sdk';
import { directoryEntries, setUpPartyNodes } from './partyNodeSetup.js';

/** Marks a directory as made by `parley demo`, so that a later run may replace it. */
const MARKER = '.parley-demo';

export interface DemoBank {
  name: FraudBank;
  dir: string;
  /** The feature this bank holds (the column of its table). */
  feature: string;
  /** Hashed customer ids, row by row. */
  accounts: string[];
}

/** Empties `dir` if it is a previous demo's; refuses a directory with anything else in it. */
async function prepare(dir: string): Promise<void> {
  const entries = await directoryEntries(dir);
  if (entries.length === 0) return;
  if (!entries.includes(MARKER)) {
    throw new ConfigError(`${dir} is not empty and was not made by parley demo; choose another --dir`, {
      file: dir,
    });
  }
  await rm(dir, { recursive: true, force: true });
}

export async function setUpDemo(
  dir: string,
  computation: Computation,
  data: Record<FraudBank, FraudBankData>,
): Promise<DemoBank[]> {
  await prepare(dir);
  const parties = computation.parties as FraudBank[];
  // The rule allows this one computation by its id, at its own size however many accounts the demo has.
  const size = programSize(computation.circuit);
  const dirs = await setUpPartyNodes(dir, parties, 'parley-demo', async (name, bankDir) => {
    // Once the first node directory exists, so does DIR: mark it as the demo's.
    if (name === parties[0]) await writeFile(join(dir, MARKER), 'made by parley demo\n');
    const { table, feature } = FRAUD_TABLES[name];
    const { keys, values } = data[name];
    const rows = values.map((v, i) => `${keys[i]},${v}`);
    await writeFile(join(bankDir, 'accounts.csv'), `customer,${feature}\n${rows.join('\n')}\n`);
    return {
      dataSources: { accounts: { type: 'csv', path: 'accounts.csv' } },
      policy: {
        version: 1,
        allow: [
          {
            computation: computation.id,
            dataSources: ['accounts'],
            tables: { [table]: { source: 'accounts', key: 'customer' } },
            outputRecipients: [...computation.parties],
            // Scores only over a join of at least this many customers.
            minRows: Math.max(1, Math.min(100, Math.floor(keys.length / 2))),
            maxRows: Math.max(DEFAULT_MAX_ROWS, size.longest),
            maxValues: Math.max(DEFAULT_MAX_VALUES, size.values),
          },
        ],
      },
    };
  });
  return parties.map((name) => ({
    name,
    dir: dirs[name],
    feature: FRAUD_TABLES[name].feature,
    accounts: data[name].keys,
  }));
}
