/**
 * The three hospitals' party nodes in DIR/hospitalA, DIR/hospitalB and
 * DIR/hospitalC, as three operators would make them with `parley init` and
 * `parley consortium create` (@parley/node's initNode and createConsortium):
 *
 * - fresh Ed25519 identities, a free party port on 127.0.0.1, the API on
 *   port 0 (the node writes the port it got to node.run.json);
 * - the hospital's patients in its own data source, patients.csv
 *   (patient,diagnosis,hba1c);
 * - a policy that allows exactly this computation, by its 64-hex id (so a
 *   different program, bound or protocol is refused), binding the
 *   hospital's table to patients.csv with `patient` as the key column and
 *   the table's `value` column read from `hba1c`; all three hospitals as
 *   output recipients; and `minRows`: the node refuses the job when its own
 *   table has fewer than MIN_GROUP_SIZE rows;
 * - the consortium of the three (DIR/consortium.json, and a copy in each
 *   node directory where node.json expects it).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgument } from '@parley/interface';
import { createConsortium, freePort, initNode, NODE_CONFIG_FILE, type PolicyFile } from '@parley/node';
import type { Computation } from '@parley/sdk';
import {
  HOSPITALS,
  type Hospital,
  type HospitalPatients,
  KEY_COLUMN,
  MIN_GROUP_SIZE,
  TABLE_OF,
  VALUE_SOURCE_COLUMN,
} from './clinicalStats.js';
import { writePatientsCsv } from './syntheticPatients.js';

/** The data source each hospital's table is bound to. */
export const SOURCE = 'patients';
export const SOURCE_FILE = 'patients.csv';

/** Refuses a directory that has anything in it: the set-up never overwrites. */
async function checkEmpty(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  if (entries.length > 0) {
    throw new InvalidArgument(
      `--dir ${dir} is not empty: choose a new directory (or run against its nodes with --node)`,
      { field: 'dir' },
    );
  }
}

/** Sets up the three nodes under `dir`; returns their directories. */
export async function setUpNodes(
  dir: string,
  computation: Computation,
  data: Record<Hospital, HospitalPatients>,
): Promise<Record<Hospital, string>> {
  await checkEmpty(dir);
  const dirs = {} as Record<Hospital, string>;
  const publicFiles: string[] = [];
  for (const hospital of HOSPITALS) {
    const nodeDir = join(dir, hospital);
    const r = await initNode({ name: hospital, dir: nodeDir, port: await freePort(), apiPort: 0 });
    publicFiles.push(r.publicFile);
    await writePatientsCsv(join(nodeDir, SOURCE_FILE), data[hospital]);
    const policy: PolicyFile = {
      version: 1,
      allow: [
        {
          computation: computation.id,
          dataSources: [SOURCE],
          tables: {
            [TABLE_OF[hospital]]: {
              source: SOURCE,
              key: KEY_COLUMN,
              columns: { value: VALUE_SOURCE_COLUMN },
            },
          },
          outputRecipients: [...HOSPITALS],
          minRows: MIN_GROUP_SIZE,
        },
      ],
    };
    await writeFile(join(nodeDir, 'policy.json'), `${JSON.stringify(policy, null, 2)}\n`);
    const configFile = join(nodeDir, NODE_CONFIG_FILE);
    const config = JSON.parse(await readFile(configFile, 'utf8'));
    config.dataSources = { [SOURCE]: { type: 'csv', path: SOURCE_FILE } };
    await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    dirs[hospital] = nodeDir;
  }
  const consortium = `${JSON.stringify(await createConsortium(publicFiles, 'clinical-stats'), null, 2)}\n`;
  await writeFile(join(dir, 'consortium.json'), consortium);
  for (const hospital of HOSPITALS) await writeFile(join(dirs[hospital], 'consortium.json'), consortium);
  return dirs;
}
