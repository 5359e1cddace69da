/**
 * `parley job submit|status|list|cancel|outputs|receipt`: a node's jobs
 * through its operator API, with the SDK client (`connect({ node: DIR })`,
 * DIR from `--node`, default the current directory).
 *
 * `submit` takes a `parley-program-v1` JSON file (encodeProgram's bytes), a
 * summon `.ts` file or a Bristol `.txt` file (as `parley circuit run` loads
 * them). `--wait` (and `status --follow`) draws the job's progress on
 * standard error — a bar redrawn in place on a terminal, a line per step
 * otherwise — and prints the final state. A job that ends refused, failed or
 * cancelled (or is delivered but cannot be recorded) prints its typed error
 * and exits 1; a command that fails itself exits 2 (report.ts).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { decodeProgram, MAX_PROGRAM_BYTES, type Program } from '@parley/circuit';
import {
  errorFromJSON,
  InvalidArgument,
  LedgerTampered,
  NotFound,
  ParleyError,
  safeText,
  type TableLayout,
} from '@parley/interface';
import { nodeLedgerPaths, readConsortiumFile } from '@parley/ledger';
import {
  connect,
  decodeOutputs,
  type EncodedOutput,
  isFinalState,
  JOB_STATES,
  type JobHandle,
  type JobRecord,
  type JobState,
  type JobStatus,
  ledgerSeq,
  NotRecorded,
  type ParleyClient,
  PROTOCOLS,
  type Protocol,
  verifyReceipt,
} from '@parley/sdk';
import type { Command } from 'commander';
import { writeTextFile } from '../files.js';
import { ProgressView } from '../progressView.js';
import { reportError } from '../report.js';
import {
  collect,
  loadCircuit,
  loadOptions,
  PUBLIC_OPTION,
  parseAssignments,
  parseWidth,
} from './circuitFlags.js';

interface NodeFlags {
  node: string;
}

interface FollowFlags extends NodeFlags {
  timeout?: number;
}

function parseSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgument(`--timeout ${v}: expected seconds > 0`);
  return n;
}

function parseLimit(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new InvalidArgument(`--limit ${v}: expected a whole number 1..1000`);
  return n;
}

function parseState(v: string): JobState {
  if (!(JOB_STATES as readonly string[]).includes(v))
    throw new InvalidArgument(`--state ${v}: expected one of ${JOB_STATES.join(', ')}`, { field: 'state' });
  return v as JobState;
}

function parseProtocol(v: string): Protocol {
  if (!(PROTOCOLS as readonly string[]).includes(v))
    throw new InvalidArgument(`--protocol ${v}: expected ${PROTOCOLS.join(', ')}`, { field: 'protocol' });
  return v as Protocol;
}

const clientOf = (flags: NodeFlags): ParleyClient => connect({ node: flags.node });
const when = (ms: number): string => new Date(ms).toISOString();

// ---------------------------------------------------------------------------------------------
// Loading the program

interface SubmitFlags extends FollowFlags {
  name?: string;
  protocol: Protocol;
  wait?: boolean;
  json?: boolean;
  parties?: string;
  owner: string[];
  width?: number;
  mode?: string;
  public: string[];
  tables?: string;
}

/** A computation's table layout (`computation.tables`, as JSON) for `submit --tables`. */
function loadTables(file: string): TableLayout {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new NotFound(`tables ${file} does not exist`, { file });
    throw new InvalidArgument(`cannot read tables ${file}: ${err.message}`, { file });
  }
  let layout: unknown;
  try {
    layout = JSON.parse(text);
  } catch {
    throw new InvalidArgument(`${file} is not JSON (expected a computation's tables layout)`, { file });
  }
  // The node checks the layout against the program; a file of null or a list is no layout at all.
  if (typeof layout !== 'object' || layout === null || Array.isArray(layout)) {
    throw new InvalidArgument(`${file} is not a tables layout (expected a JSON object)`, { file });
  }
  return layout as TableLayout;
}

/** A program file (`.json`), or a summon or Bristol file through the circuit loader. */
async function loadProgram(file: string, flags: SubmitFlags): Promise<Program> {
  if (extname(file).toLowerCase() !== '.json') {
    const parties = flags.parties?.split(',').map((p) => p.trim());
    const owners = parseAssignments(flags.owner, '--owner');
    return (await loadCircuit(file, { ...loadOptions(flags), parties, owners })).program;
  }
  if (flags.public.length > 0) {
    throw new InvalidArgument(`--public: ${file} is a compiled program; --public is for summon files`, {
      field: 'public',
      file,
    });
  }
  let bytes: Uint8Array;
  try {
    if (statSync(file).size > MAX_PROGRAM_BYTES)
      throw new InvalidArgument(`${file}: larger than ${MAX_PROGRAM_BYTES} bytes`, { file });
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof ParleyError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new NotFound(`program ${file} does not exist`, { file });
    throw new InvalidArgument(`cannot read program ${file}: ${err.message}`, { file });
  }
  try {
    return decodeProgram(bytes);
  } catch (e) {
    if (!(e instanceof ParleyError)) throw e;
    throw errorFromJSON({ code: e.code, message: `${file}: ${e.message}`, details: { ...e.details, file } });
  }
}

/** The job's default name: the file's name without `.summon.ts`, `.json`, `.txt` … */
const defaultName = (file: string): string => basename(file).replace(/(\.summon)?\.[A-Za-z]+$/, '');

// ---------------------------------------------------------------------------------------------
/**
 * Follows the job to its end with the progress view. Resolves with its final
 * status; when it ended refused, failed or cancelled, also prints its typed
 * error and sets exit status 1. Other errors (Timeout, NodeUnreachable …) reject.
 */
async function follow(job: JobHandle, flags: FollowFlags): Promise<JobStatus> {
  const view = new ProgressView(job.id);
  try {
    const s = await job.wait({
      onProgress: (status) => view.update(status),
      timeoutMs: flags.timeout === undefined ? undefined : flags.timeout * 1000,
    });
    view.end();
    return s;
  } catch (e) {
    view.end();
    // The job ended badly (its typed error) or delivered without a ledger entry: exit 1; anything else: 2.
    const state = e instanceof ParleyError ? e.details.state : undefined;
    const ended = typeof state === 'string' && isFinalState(state as JobState);
    if (!ended && !(e instanceof NotRecorded)) throw e;
    reportError(e);
    process.exitCode = 1;
    return job.status();
  }
}

// ---------------------------------------------------------------------------------------------
// Printing

function printStatus(s: JobStatus): void {
  // What a node reports may quote a peer: printed without control characters (no terminal escapes).
  const row = (label: string, value: string) => console.log(`${label.padEnd(12)} ${safeText(value)}`);
  row('job', s.id);
  row('name', s.name);
  row('state', s.state);
  row('parties', `${s.parties.join(', ')} (proposed by ${s.proposer})`);
  row('computation', s.computationId);
  if (s.progress) {
    const { done, total, unit } = s.progress;
    const percent = total > 0 ? ` (${Math.floor((100 * done) / total)}%)` : '';
    row('progress', `${done}/${total} ${unit}${percent}`);
  }
  if (s.ledger)
    row('ledger', 'seq' in s.ledger ? `entry ${s.ledger.seq}` : `not recorded: ${s.ledger.error}`);
  if (s.error) row('error', `${s.error.code}: ${s.error.message}`);
  row('created', when(s.createdAt));
  for (const [i, e] of s.events.entries()) {
    row(i === 0 ? 'events' : '', `${when(e.at)}  ${e.state}${e.detail ? `  ${e.detail}` : ''}`);
  }
  for (const [i, [party, hex]] of Object.entries(s.commitments).entries()) {
    row(i === 0 ? 'commitments' : '', `${party}  ${hex}`);
  }
}

function printList(jobs: JobRecord[]): void {
  if (jobs.length === 0) {
    console.log('no jobs');
    return;
  }
  for (const j of jobs) {
    console.log(`${j.id}  ${j.state.padEnd(16)}  ${when(j.createdAt)}  ${j.name}  ${j.parties.join(',')}`);
  }
}

/** Output values as `circuit eval` prints them: one value, or `[a,b,…]`. */
function outputText(o: EncodedOutput): string {
  return o.values.length === 1 ? o.values[0] : `[${o.values.join(',')}]`;
}

// ---------------------------------------------------------------------------------------------
// Commands

export function registerJobCommands(program: Command): void {
  const job = program.command('job').description('submit and follow jobs on a node, through its API');
  const nodeOption = (c: Command): Command =>
    c.option('--node <dir>', 'the node directory (its node.json and node.run.json)', '.');

  nodeOption(job.command('submit <file>'))
    .description(
      'propose a computation to its parties: a parley-program-v1 .json, summon .ts or Bristol .txt',
    )
    .option('--name <name>', "the job's name (default: the file's name)")
    .option('--protocol <protocol>', `engine: ${PROTOCOLS.join(', ')}`, parseProtocol, 'auto')
    .option('--wait', 'follow the job to its end (progress on standard error)')
    .option('--timeout <seconds>', 'with --wait: stop waiting after this long', parseSeconds)
    .option('--parties <names>', 'Bristol: the parties, comma-separated (input group i belongs to party i)')
    .option('--owner <GROUP=PARTY>', 'Bristol: the party that owns input group GROUP', collect, [])
    .option('--width <bits>', 'summon: bit width of numbers (default 32)', parseWidth)
    .option('--mode <mode>', 'summon: boolean (default) or arithmetic circuit')
    .option(...PUBLIC_OPTION, collect, [])
    .option('--tables <file>', "a program with tables: its layout, JSON (a computation's `tables`)")
    .option('--json', 'print the job as JSON')
    .action(async (file: string, flags: SubmitFlags) => {
      // The program first: a mistake in it is found before the node is contacted.
      const program = await loadProgram(file, flags);
      const client = clientOf(flags);
      const handle = await client.submit({
        name: flags.name ?? defaultName(file),
        program,
        protocol: flags.protocol,
        ...(flags.tables ? { tables: loadTables(flags.tables) } : {}),
      });
      const submitted = handle.submitted ?? (await handle.status());
      if (flags.json && !flags.wait) console.log(JSON.stringify(submitted, null, 2));
      if (!flags.json) {
        console.log(`job ${handle.id} submitted: ${submitted.name}, parties ${submitted.parties.join(', ')}`);
      }
      if (!flags.wait) return;
      const final = await follow(handle, flags);
      if (flags.json) console.log(JSON.stringify(final, null, 2));
      else
        console.log(
          `job ${final.id} ${final.state}${ledgerSeq(final) === undefined ? '' : ` (ledger entry ${ledgerSeq(final)})`}`,
        );
    });

  nodeOption(job.command('status <id>'))
    .description("a job's state, transitions, commitments, progress and ledger entry")
    .option('--follow', 'follow the job to its end (progress on standard error), then print it')
    .option('--timeout <seconds>', 'with --follow: stop waiting after this long', parseSeconds)
    .option('--json', 'print JSON')
    .action(async (id: string, flags: FollowFlags & { follow?: boolean; json?: boolean }) => {
      const handle = clientOf(flags).job(id);
      const s = flags.follow ? await follow(handle, flags) : await handle.status();
      if (flags.json) console.log(JSON.stringify(s, null, 2));
      else printStatus(s);
    });

  nodeOption(job.command('list'))
    .description("the node's jobs, newest first")
    .option('--state <state>', `only jobs in this state (${JOB_STATES.join(', ')})`, parseState)
    .option('--limit <n>', 'at most this many (default 100)', parseLimit)
    .option('--json', 'print JSON')
    .action(async (flags: NodeFlags & { state?: JobState; limit?: number; json?: boolean }) => {
      const jobs = await clientOf(flags).list({ state: flags.state, limit: flags.limit });
      if (flags.json) console.log(JSON.stringify({ jobs }, null, 2));
      else printList(jobs);
    });

  nodeOption(job.command('cancel <id>'))
    .description('cancel a job on every party (an error if it has already finished)')
    .action(async (id: string, flags: NodeFlags) => {
      const record = await clientOf(flags).job(id).cancel();
      console.log(`job ${record.id} ${record.state}`);
    });

  nodeOption(job.command('outputs <id>'))
    .description(
      'the outputs this node received; prints NAME=VALUE per output, and NAME[KEY]=VALUE per row of an output given by row of this node’s table',
    )
    .option('--json', 'print JSON')
    .action(async (id: string, flags: NodeFlags & { json?: boolean }) => {
      const encoded = await clientOf(flags).job(id).encodedOutputs();
      decodeOutputs(encoded); // checks every value against its type
      const outputs = Object.fromEntries(Object.entries(encoded).map(([name, o]) => [name, outputText(o)]));
      const byKey = Object.fromEntries(
        Object.entries(encoded).flatMap(([name, o]) =>
          o.keys
            ? [[name, Object.fromEntries(o.keys.flatMap((k, r) => (k === null ? [] : [[k, o.values[r]]])))]]
            : [],
        ),
      );
      if (flags.json) {
        console.log(
          JSON.stringify({ job: id, outputs, ...(Object.keys(byKey).length > 0 ? { byKey } : {}) }),
        );
      } else {
        for (const [name, v] of Object.entries(outputs)) {
          if (!Object.hasOwn(byKey, name)) console.log(`${name}=${v}`);
        }
        for (const [name, rows] of Object.entries(byKey)) {
          for (const [k, v] of Object.entries(rows as Record<string, string>))
            console.log(`${name}[${k}]=${v}`);
        }
      }
    });

  nodeOption(job.command('receipt <id>'))
    .description("the job's ledger receipt, checked against DIR/consortium.json when it is there")
    .option('-o, --output <file>', 'write the receipt here (default: standard output)')
    .action(async (id: string, flags: NodeFlags & { output?: string }) => {
      const receipt = await clientOf(flags).job(id).receipt();
      const consortiumFile = nodeLedgerPaths(flags.node).consortium;
      let checked = `not verified: ${consortiumFile} does not exist`;
      // A receipt proves something only about the job its entry names: it must be this one.
      let jobId: unknown = (receipt as { entry?: { jobId?: unknown } } | null)?.entry?.jobId;
      if (existsSync(consortiumFile)) {
        const consortium = readConsortiumFile(consortiumFile);
        const v = verifyReceipt(receipt, consortium);
        if (!v.ok) {
          throw new LedgerTampered(
            `the receipt of job ${id} from the node does not verify against ${consortiumFile}: ${v.problems.join('; ')}`,
            { file: consortiumFile },
          );
        }
        jobId = v.entry?.jobId;
        checked = `verified: co-signed by ${consortium.parties.map((p) => p.name).join(', ')}`;
      }
      if (jobId !== id) {
        const other = typeof jobId === 'string' ? `job ${JSON.stringify(safeText(jobId, 64))}` : 'no job';
        const seq = (receipt as { leafIndex?: unknown } | null)?.leafIndex;
        const entry = Number.isSafeInteger(seq) ? ` (ledger entry ${seq})` : '';
        throw new LedgerTampered(
          `the node returned a receipt for ${other}${entry} when asked for job ${id}: it proves nothing about job ${id}`,
          { field: 'jobId' },
        );
      }
      const text = `${JSON.stringify(receipt, null, 2)}\n`;
      if (flags.output === undefined) {
        process.stdout.write(text);
        if (!checked.startsWith('verified')) console.error(`parley: ${checked}`);
        return;
      }
      writeTextFile(flags.output, text, 'receipt file');
      const where = `ledger entry ${receipt.leafIndex}, tree size ${receipt.treeHead?.size}`;
      console.log(`receipt of job ${id} (${where}) written to ${flags.output}; ${checked}`);
    });
}
