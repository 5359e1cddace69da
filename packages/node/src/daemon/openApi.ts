/**
 * The OpenAPI 3.1 document of a node's operator API, served at
 * GET /openapi.json. Routes are added here as the API grows; every route but
 * /health and /openapi.json needs the node's bearer token.
 */
import { LIST_QUERY, SUBMIT_BODY } from './apiSchemas.js';

export const API_VERSION = '0.1.0';

export function openApiDocument(nodeName: string): Record<string, unknown> {
  const unauthorized = { description: 'missing or wrong bearer token' };
  return {
    openapi: '3.1.0',
    info: {
      title: `Parley party node ${nodeName}`,
      version: API_VERSION,
      description:
        "A Parley party node's operator API. Only the node's operator (the bearer token in node.json) may use it.",
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ bearer: [] }],
    paths: {
      '/health': {
        get: {
          summary: 'liveness: the node, its party listener and its peers',
          security: [],
          responses: { '200': { description: 'the node is up' } },
        },
      },
      '/openapi.json': {
        get: { summary: 'this document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } },
      },
      '/jobs': {
        post: {
          summary: 'propose a job to every party of its computation',
          requestBody: {
            content: {
              'application/json': {
                schema: SUBMIT_BODY,
              },
            },
          },
          responses: {
            '202': {
              description:
                'the job, recorded here as proposed (the proposal goes to the other parties after the answer)',
            },
            '400': { description: 'a typed error (LIMIT_EXCEEDED for a program over 8 MiB)' },
            '401': unauthorized,
            '413': { description: 'LIMIT_EXCEEDED: a body too large to hold a program of 8 MiB' },
          },
        },
        get: {
          summary: 'jobs, newest first',
          parameters: Object.entries(LIST_QUERY.properties).map(([name, schema]) => ({
            name,
            in: 'query',
            schema,
          })),
          responses: {
            '200': { description: '{ jobs: [...] }' },
            '400': { description: 'an unknown state or a limit out of range' },
            '401': unauthorized,
          },
        },
      },
      '/jobs/{id}': {
        get: {
          summary:
            'one job with its state transitions, input commitments, progress while computing and its ledger entry once recorded',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'the job' },
            '404': { description: 'no such job' },
            '401': unauthorized,
          },
        },
      },
      '/jobs/{id}/outputs': {
        get: {
          summary: "the job's outputs this node received (values as text)",
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description:
                '{ job, outputs: { name: { type, values, salt, keys? } } } (keys: the row keys of an output given per row of this node’s table)',
            },
            '404': { description: 'no such job' },
            '401': unauthorized,
          },
        },
      },
      '/jobs/{id}/cancel': {
        post: {
          summary: 'cancel a job that has not ended: every party ends it as cancelled',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'the job after the cancel: cancelled' },
            '404': { description: 'no such job' },
            '409': { description: 'the job has already ended' },
            '401': unauthorized,
          },
        },
      },
      '/jobs/{id}/receipt': {
        get: {
          summary:
            "the job's ledger receipt: its entry, inclusion proof and co-signed tree head (verifies offline)",
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'the receipt (parley-receipt JSON)' },
            '404': { description: 'no such job, or not on the ledger yet' },
            '401': unauthorized,
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'metrics in the Prometheus text format',
          responses: { '200': { description: 'text/plain; version=0.0.4' }, '401': unauthorized },
        },
      },
    },
  };
}
