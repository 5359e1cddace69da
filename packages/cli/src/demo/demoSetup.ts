/**
 * The three banks of `parley demo`, set up as an operator would with
 * `parley init` and `parley consortium create`: in DIR/bankA, DIR/bankB and
 * DIR/bankC, each with fresh keys, synthetic accounts (a hashed customer id
 * and one feature per bank, in accounts.csv), a policy that allows the
 * fraud-score computation by its id with its table bound to that file, and
 * the consortium of the three (also in DIR/consortium.json).
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FRAUD_TABLES, type FraudBank, type FraudBankData } from '@parley/circuits';
import { ConfigError } from '@parley/interface';
import { createConsortium, freePort, initNode, NODE_CONFIG_FILE, type PolicyFile } from '@parley/node';
import type { Computation } from '@parley/sdk';

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
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
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
  const banks: DemoBank[] = [];
  const publicFiles: string[] = [];
  for (const name of computation.parties as FraudBank[]) {
    const bankDir = join(dir, name);
    const r = await initNode({ name, dir: bankDir, port: await freePort(), apiPort: 0 });
    if (banks.length === 0) await writeFile(join(dir, MARKER), 'made by parley demo\n');
    publicFiles.push(r.publicFile);
    const { table, feature } = FRAUD_TABLES[name];
    const { keys, values } = data[name];
    const rows = values.map((v, i) => `${keys[i]},${v}`);
    await writeFile(join(bankDir, 'accounts.csv'), `customer,${feature}\n${rows.join('\n')}\n`);
    const policy: PolicyFile = {
      version: 1,
      allow: [
        {
          computation: computation.id,
          dataSources: ['accounts'],
          tables: { [table]: { source: 'accounts', key: 'customer' } },
          outputRecipients: [...computation.parties],
          // Scores only over a join of at least this many customers.
          minRows: Math.max(1, Math.min(100, Math.floor(keys.length / 2))),
        },
      ],
    };
    await writeFile(join(bankDir, 'policy.json'), `${JSON.stringify(policy, null, 2)}\n`);
    const configFile = join(bankDir, NODE_CONFIG_FILE);
    const config = JSON.parse(await readFile(configFile, 'utf8'));
    config.dataSources = { accounts: { type: 'csv', path: 'accounts.csv' } };
    await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    banks.push({ name, dir: bankDir, feature, accounts: keys });
  }
  const consortium = `${JSON.stringify(await createConsortium(publicFiles, 'parley-demo'), null, 2)}\n`;
  await writeFile(join(dir, 'consortium.json'), consortium);
  for (const b of banks) await writeFile(join(b.dir, 'consortium.json'), consortium);
  return banks;
}
