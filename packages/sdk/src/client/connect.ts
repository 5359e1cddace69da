/**
 * `connect`: the SDK's client of a party node's operator API
 * (packages/node/README.md, "HTTP API"). It submits computations as
 * `parley-program-v1` bytes, lists and follows jobs, and fetches their
 * outputs and ledger receipts:
 *
 *   const node = connect({ node: './bankA' });      // or { url, token }
 *   const job = await node.submit(fraudScore);
 *   await job.wait({ onProgress: (s) => console.log(s.state, s.progress) });
 *   const { score } = await job.outputs();
 *   verifyReceipt(await job.receipt(), consortium);
 *
 * Every failure is a typed ParleyError: the node's own (NotFound, PolicyRefused …),
 * Unauthorized for a refused token, NodeUnreachable, Timeout.
 */
import { encodeProgram, MAX_PROGRAM_BYTES, type Program } from '@parley/circuit';
import { InvalidArgument, LimitExceeded, MalformedFrame, type TableLayout } from '@parley/interface';
import type { Computation } from '../defineComputation.js';
import { PROTOCOLS, type Protocol } from '../protocols.js';
import { HttpApi } from './_http.js';
import { JobHandle } from './jobHandle.js';
import { checkJobRecord, JOB_STATES, type JobRecord, type JobState } from './jobRecord.js';
import { resolveNodeApi } from './nodeDirectory.js';

export type ConnectTarget = { url: string; token: string } | { node: string };

export interface ConnectOptions {
  /** Time allowed for one request (default 30 s). */
  requestTimeoutMs?: number;
}

/** A program to submit without `defineComputation`: its name, the program, the engine choice. */
export interface SubmitRequest {
  name: string;
  program: Program;
  protocol?: Protocol;
  /** The program's tables and private join, as `defineComputation` lays them out. */
  tables?: TableLayout;
}

export interface ListOptions {
  state?: JobState;
  /** At most this many, newest first (1..1000; the node's default is 100). */
  limit?: number;
}

/** `GET /health`: liveness, the node's name, its party listener and uptime. */
export interface NodeHealth {
  status: string;
  node: string;
  [key: string]: unknown;
}

export interface ParleyClient {
  /** The node's API, `http://host:port`. */
  readonly url: string;
  /** Proposes the computation to its parties; resolves once the node has accepted it (202). */
  submit(computation: Computation | SubmitRequest): Promise<JobHandle>;
  /** A handle on an existing job (nothing is asked of the node until it is used). */
  job(id: string): JobHandle;
  /** The node's jobs, newest first. */
  list(options?: ListOptions): Promise<JobRecord[]>;
  /** Liveness; needs no token. */
  health(): Promise<NodeHealth>;
}

/** The node refuses request bodies above this (its body limit). */
export const MAX_SUBMIT_BYTES = 256 << 20;

function isComputation(c: Computation | SubmitRequest): c is Computation {
  return 'circuit' in c && typeof c.circuit === 'object';
}

class HttpParleyClient implements ParleyClient {
  constructor(private readonly api: HttpApi) {}

  get url(): string {
    return this.api.url;
  }

  async submit(computation: Computation | SubmitRequest): Promise<JobHandle> {
    if (typeof computation !== 'object' || computation === null)
      throw new InvalidArgument('submit: expected a computation or { name, program }');
    const name = computation.name;
    const program = isComputation(computation) ? computation.circuit : computation.program;
    const protocol = computation.protocol ?? 'auto';
    if (typeof name !== 'string' || name.length === 0 || name.length > 200)
      throw new InvalidArgument('submit: name must be 1 to 200 characters', { field: 'name' });
    if (!(PROTOCOLS as readonly unknown[]).includes(protocol))
      throw new InvalidArgument(`submit: protocol '${protocol}' is not one of ${PROTOCOLS.join(', ')}`, {
        field: 'protocol',
      });
    if (typeof program !== 'object' || program === null || !Array.isArray(program.nodes))
      throw new InvalidArgument('submit: program is not a Program', { field: 'program' });
    const bytes = encodeProgram(program);
    if (bytes.length > MAX_PROGRAM_BYTES || Math.ceil(bytes.length / 3) * 4 > MAX_SUBMIT_BYTES - 1024) {
      throw new LimitExceeded(
        `submit: the encoded program (${bytes.length} bytes) is too large for the node`,
        {
          field: 'program',
        },
      );
    }
    const tables = computation.tables;
    const body = {
      name,
      protocol,
      program: Buffer.from(bytes).toString('base64'),
      ...(tables ? { tables } : {}),
    };
    const record = checkJobRecord(await this.api.request('POST', '/jobs', body), 'POST /jobs');
    return new JobHandle(this.api, record.id, record);
  }

  job(id: string): JobHandle {
    if (typeof id !== 'string' || id.length === 0 || id.length > 200)
      throw new InvalidArgument('a job id is 1 to 200 characters', { field: 'id' });
    return new JobHandle(this.api, id);
  }

  async list(options: ListOptions = {}): Promise<JobRecord[]> {
    const query = new URLSearchParams();
    if (options.state !== undefined) {
      if (!JOB_STATES.includes(options.state))
        throw new InvalidArgument(`state '${options.state}' is not one of ${JOB_STATES.join(', ')}`, {
          field: 'state',
        });
      query.set('state', options.state);
    }
    if (options.limit !== undefined) {
      if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > 1000)
        throw new InvalidArgument(`limit ${options.limit}: expected a whole number 1..1000`, {
          field: 'limit',
        });
      query.set('limit', String(options.limit));
    }
    const q = query.toString();
    const path = q === '' ? '/jobs' : `/jobs?${q}`;
    const json = (await this.api.request('GET', path)) as { jobs?: unknown };
    if (!Array.isArray(json.jobs))
      throw new MalformedFrame(`GET ${path}: jobs is not a list`, { field: 'jobs' });
    return json.jobs.map((j, i) => checkJobRecord(j, `GET ${path}: jobs[${i}]`));
  }

  async health(): Promise<NodeHealth> {
    return (await this.api.request('GET', '/health')) as NodeHealth;
  }
}

/**
 * A client of one node: `{ url, token }`, or `{ node: DIR }` for the node
 * whose directory is DIR (its address from DIR/node.run.json or
 * DIR/node.json, its token from DIR/node.json). Reads those files now and
 * throws NotFound or ConfigError naming the file; sends nothing until used.
 */
export function connect(target: ConnectTarget, options: ConnectOptions = {}): ParleyClient {
  if (typeof target !== 'object' || target === null)
    throw new InvalidArgument('connect: expected { url, token } or { node: DIR }');
  if ('node' in target) {
    if (typeof target.node !== 'string' || target.node === '')
      throw new InvalidArgument('connect: node must be a directory', { field: 'node' });
    const api = resolveNodeApi(target.node);
    return new HttpParleyClient(new HttpApi({ ...api, requestTimeoutMs: options.requestTimeoutMs }));
  }
  if (typeof target.url !== 'string')
    throw new InvalidArgument('connect: url is not a URL', { field: 'url' });
  if (typeof target.token !== 'string' || target.token === '')
    throw new InvalidArgument('connect: token is required', { field: 'token' });
  return new HttpParleyClient(
    new HttpApi({ url: target.url, token: target.token, requestTimeoutMs: options.requestTimeoutMs }),
  );
}
