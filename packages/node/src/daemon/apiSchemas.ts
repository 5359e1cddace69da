/**
 * The JSON schemas of the operator API's inputs: fastify validates requests
 * with them (a request that does not fit gets 400 INVALID_REQUEST naming the
 * field), and openApi.ts publishes the same objects.
 */
import { JOB_PROTOCOLS } from '../jobs/jobMessages.js';
import { JOB_STATES } from '../jobs/jobStore.js';

/** Jobs listed per request at most. */
export const MAX_LIST_LIMIT = 1000;

/** POST /jobs: a job's name, protocol, program and tables. */
export const SUBMIT_BODY = {
  type: 'object',
  required: ['name', 'program'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    protocol: { type: 'string', enum: [...JOB_PROTOCOLS] },
    program: {
      type: 'string',
      pattern: '^[A-Za-z0-9+/]*={0,2}$',
      description: 'the computation, parley-program-v1 bytes in base64',
    },
    tables: {
      type: 'object',
      description:
        "the computation's tables and private join (TableLayout of @parley/interface: tables, join, rowOutputs), part of its id",
    },
  },
} as const;

/** GET /jobs: an optional state to filter on, and how many jobs at most (newest first). */
export const LIST_QUERY = {
  type: 'object',
  properties: {
    state: { type: 'string', enum: [...JOB_STATES] },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT, default: 100 },
  },
} as const;
