/**
 * The three hospitals' party nodes in DIR/hospitalA, DIR/hospitalB and
 * DIR/hospitalC, as three operators would make them with `parley init` and
 * `parley consortium create` (@parley/cli's setUpPartyNodes, over
 * @parley/node's initNode and createConsortium):
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
import { join } from 'node:path';
import { refuseNonEmptyDirectory, setUpPartyNodes } from '@parley/cli';
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

/** Sets up the three nodes under `dir` (new or empty); returns their directories. */
export async function setUpNodes(
  dir: string,
  computation: Computation,
  data: Record<Hospital, HospitalPatients>,
): Promise<Record<Hospital, string>> {
  await refuseNonEmptyDirectory(dir, 'choose a new directory (or run against its nodes with --node)');
  return setUpPartyNodes(dir, HOSPITALS, 'clinical-stats', async (hospital, nodeDir) => {
    await writePatientsCsv(join(nodeDir, SOURCE_FILE), data[hospital]);
    return {
      dataSources: { [SOURCE]: { type: 'csv', path: SOURCE_FILE } },
      policy: {
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
      },
    };
  });
}
