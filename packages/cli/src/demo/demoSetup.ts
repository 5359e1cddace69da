/**
 * The three banks of `parley demo`, set up as an operator would with
 * `parley init` and `parley consortium create`: in DIR/bankA, DIR/bankB and
 * DIR/bankC, each with fresh keys, synthetic accounts (one feature per bank,
 * in accounts.csv), a policy that allows the fraud-score computation by its id
 * on that file, and the consortium of the three (also in DIR/consortium.json).
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { syntheticFraudInputs } from '@parley/circuits';
import { ConfigError } from '@parley/interface';
import { createConsortium, freePort, initNode, NODE_CONFIG_FILE, type PolicyFile } from '@parley/node';
import type { Computation } from '@parley/sdk';

/** Marks a directory as made by `parley demo`, so that a later run may replace it. */
const MARKER = '.parley-demo';

export interface DemoBank {
  name: string;
  dir: string;
  /** The feature this bank holds (its input of the computation). */
  feature: string;
  /** Account ids, row by row (row i is the same customer at every bank). */
  accounts: string[];
}

export const accountId = (i: number) => `acct-${String(i).padStart(6, '0')}`;

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
  accounts: number,
  seed: number,
): Promise<DemoBank[]> {
  await prepare(dir);
  const data = syntheticFraudInputs(accounts, seed) as Record<string, Record<string, number[]>>;
  const banks: DemoBank[] = [];
  const publicFiles: string[] = [];
  for (const name of computation.parties) {
    const bankDir = join(dir, name);
    const r = await initNode({ name, dir: bankDir, port: await freePort(), apiPort: 0 });
    if (banks.length === 0) await writeFile(join(dir, MARKER), 'made by parley demo\n');
    publicFiles.push(r.publicFile);
    const [[feature, values]] = Object.entries(data[name]);
    const ids = values.map((_, i) => accountId(i));
    const rows = values.map((v, i) => `${ids[i]},${v}`);
    await writeFile(join(bankDir, 'accounts.csv'), `account,${feature}\n${rows.join('\n')}\n`);
    const policy: PolicyFile = {
      version: 1,
      allow: [
        {
          computation: computation.id,
          dataSources: ['accounts'],
          inputs: { [feature]: { source: 'accounts', column: feature } },
          outputRecipients: [...computation.parties],
          minRows: Math.min(accounts, 100),
        },
      ],
    };
    await writeFile(join(bankDir, 'policy.json'), `${JSON.stringify(policy, null, 2)}\n`);
    const configFile = join(bankDir, NODE_CONFIG_FILE);
    const config = JSON.parse(await readFile(configFile, 'utf8'));
    config.dataSources = { accounts: { type: 'csv', path: 'accounts.csv' } };
    await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    banks.push({ name, dir: bankDir, feature, accounts: ids });
  }
  const consortium = `${JSON.stringify(await createConsortium(publicFiles, 'parley-demo'), null, 2)}\n`;
  await writeFile(join(dir, 'consortium.json'), consortium);
  for (const b of banks) await writeFile(join(b.dir, 'consortium.json'), consortium);
  return banks;
}
