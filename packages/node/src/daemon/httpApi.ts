/**
 * The node's operator API over HTTP (fastify): JSON in and out, described by
 * openApi.ts. Only the local operator, holding the bearer token of node.json,
 * may use it; a request without the right token gets 401 (compared in
 * constant time) and is logged without the token. /health and /openapi.json
 * are open.
 *
 * `POST /jobs` answers 202 once the job is recorded here, before the proposal
 * has reached the other parties; a program over MAX_PROGRAM_BYTES is refused
 * with LimitExceeded (a body too large to hold one, before it is parsed).
 * `POST /jobs/:id/cancel` answers with the job as the cancel left it,
 * `cancelled` (see cancelSettled).
 */
import { timingSafeEqual } from 'node:crypto';
import { Conflict, hasUnsafeText, InvalidArgument, NotFound, ParleyError } from '@parley/interface';
import type { Ledger } from '@parley/ledger';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify';
import type { Registry } from 'prom-client';
import { type JobCoordinator, MAX_PROGRAM_BYTES } from '../jobs/jobCoordinator.js';
import type { JobProtocol } from '../jobs/jobMessages.js';
import type { JobRunner } from '../jobs/jobRunner.js';
import { isFinished, type JobState, type JobStore } from '../jobs/jobStore.js';
import { LIST_QUERY, SUBMIT_BODY } from './apiSchemas.js';
import { openApiDocument } from './openApi.js';

const OPEN_ROUTES = new Set(['/health', '/openapi.json']);

/**
 * A request body at most: a largest program in base64 and 1 MiB for the rest
 * (name, table layout). A larger one is refused before it is parsed; a
 * program over MAX_PROGRAM_BYTES in a body under this gets the coordinator's
 * LimitExceeded naming `program`.
 */
export const MAX_BODY_BYTES = Math.ceil(MAX_PROGRAM_BYTES / 3) * 4 + (1 << 20);

/**
 * How long a cancel waits for a running job to end here. The runner ends it
 * at once when its run is aborted (the abort wins over whatever step the run
 * is waiting in), so this is only a bound: past it the answer is the job as
 * it then is, and the cancel goes on.
 */
const CANCEL_WAIT_MS = 5_000;

export interface HttpApiOptions {
  nodeName: string;
  token: string;
  logger: FastifyBaseLogger;
  metrics: Registry;
  health: () => Record<string, unknown>;
  jobs: JobCoordinator;
  store: JobStore;
  runner: JobRunner;
  ledger: Ledger;
}

/** At most 200 characters of a request's text in an error message. */
function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Resolves once job `id` has ended here (or was delivered, past cancelling),
 * or after CANCEL_WAIT_MS. Called before the cancel, whose transition may
 * come at once (a job still being decided) or a few ticks later (a running
 * job: the runner records it once its aborted run has stopped).
 */
function cancelSettled(store: JobStore, id: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop();
      resolve();
    };
    // Runs inside the store's transition: nothing here may throw.
    const stop = store.onChange((job) => {
      if (job.id === id && (isFinished(job.state) || job.state === 'delivered')) done();
    });
    const timer = setTimeout(done, CANCEL_WAIT_MS);
  });
}

export function createHttpApi(options: HttpApiOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'api' }),
    bodyLimit: MAX_BODY_BYTES,
    // One line per request at info level is noise for an operator; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // A malformed URL or an over-long path parameter: the same error shape as every other refusal.
    frameworkErrors: (error, _request, reply) => {
      void (reply as FastifyReply).code(400).send({ code: 'INVALID_REQUEST', message: clip(error.message) });
    },
  });
  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({ code: 'NOT_FOUND', message: `no route ${request.method} ${clip(request.url)}` }),
  );
  app.addHook('onRequest', async (request, reply) => {
    if (OPEN_ROUTES.has(request.routeOptions.url ?? '')) return;
    const header = request.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (!sameToken(given, options.token)) {
      await reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ code: 'UNAUTHORIZED', message: 'a valid bearer token is required' });
    }
  });
  app.setErrorHandler(async (error, _request, reply) => {
    if (error instanceof ParleyError) {
      const status =
        error.code === 'NOT_FOUND'
          ? 404
          : error.code === 'CONFLICT'
            ? 409
            : error.family === 'internal'
              ? 500
              : 400;
      return reply.code(status).send({ code: error.code, message: error.message });
    }
    const e = error as { statusCode?: number; code?: string; message: string };
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({
        code: 'LIMIT_EXCEEDED',
        message: `the request body is more than the ${MAX_BODY_BYTES} bytes a request may be (a job's program may be at most ${MAX_PROGRAM_BYTES} bytes)`,
      });
    }
    if (e.statusCode !== undefined && e.statusCode < 500) {
      return reply.code(e.statusCode).send({ code: 'INVALID_REQUEST', message: e.message });
    }
    options.logger.error({ err: e.message }, 'request failed');
    return reply.code(500).send({ code: 'INTERNAL', message: 'internal error' });
  });
  app.get('/health', async () => ({ status: 'ok', node: options.nodeName, ...options.health() }));
  app.post('/jobs', { schema: { body: SUBMIT_BODY } }, async (request, reply) => {
    const body = request.body as { name: string; protocol?: JobProtocol; program: string; tables?: unknown };
    // Peers refuse a proposal whose name holds control characters: refused here first, naming the field.
    if (hasUnsafeText(body.name))
      throw new InvalidArgument('name must not hold control characters or lone surrogates', {
        field: 'name',
      });
    const job = await options.jobs.submit({
      name: body.name,
      protocol: body.protocol ?? 'auto',
      program: new Uint8Array(Buffer.from(body.program, 'base64')),
      tables: body.tables,
    });
    return reply.code(202).send(job);
  });
  app.get('/jobs', { schema: { querystring: LIST_QUERY } }, async (request) => {
    const q = request.query as { state?: JobState; limit: number };
    return { jobs: options.store.list({ state: q.state, limit: q.limit }) };
  });
  app.get('/jobs/:id', async (request) => {
    const { id } = request.params as { id: string };
    const progress = options.runner.progress(id);
    return {
      ...options.store.get(id),
      events: options.store.events(id),
      commitments: options.store.commitments(id),
      ...(progress ? { progress } : {}),
    };
  });
  app.get('/jobs/:id/outputs', async (request) => {
    const { id } = request.params as { id: string };
    return { job: id, outputs: options.store.outputs(id) };
  });
  app.post('/jobs/:id/cancel', async (request) => {
    const { id } = request.params as { id: string };
    const job = options.store.get(id);
    if (isFinished(job.state) || job.state === 'delivered') {
      throw new Conflict(`job ${id} has already ended (${job.state})`, { job: id, state: job.state });
    }
    const reason = `cancelled by the operator of ${options.nodeName}`;
    const settled = cancelSettled(options.store, id);
    // Still being decided: the decision says so to every party; running (or about to run): its sessions do.
    options.jobs.cancelPending(id);
    options.runner.cancel(job, reason);
    // The answer is the job after the cancel's transition, not before it.
    await settled;
    return options.store.get(id);
  });
  app.get('/jobs/:id/receipt', async (request) => {
    const { id } = request.params as { id: string };
    const job = options.store.get(id);
    if (job.ledger === undefined || !('seq' in job.ledger)) {
      throw new NotFound(
        job.ledger && 'error' in job.ledger
          ? `job ${id} is not on the ledger: ${job.ledger.error}`
          : `job ${id} is not on the ledger yet`,
        { job: id },
      );
    }
    return options.ledger.receipt(job.ledger.seq);
  });
  app.get('/openapi.json', async () => openApiDocument(options.nodeName));
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', options.metrics.contentType);
    return options.metrics.metrics();
  });
  return app;
}
