/**
 * The node's operator API over HTTP (fastify): JSON in and out, described by
 * openApi.ts. Only the local operator, holding the bearer token of node.json,
 * may use it; a request without the right token gets 401 (compared in
 * constant time) and is logged without the token. /health and /openapi.json
 * are open.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { openApiDocument } from './openApi.js';

const OPEN_ROUTES = new Set(['/health', '/openapi.json']);

export interface HttpApiOptions {
  nodeName: string;
  token: string;
  logger: FastifyBaseLogger;
  metrics: Registry;
  health: () => Record<string, unknown>;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createHttpApi(options: HttpApiOptions): FastifyInstance {
  const app = Fastify({ loggerInstance: options.logger.child({ component: 'api' }), bodyLimit: 16 << 20 });
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
  app.get('/health', async () => ({ status: 'ok', node: options.nodeName, ...options.health() }));
  app.get('/openapi.json', async () => openApiDocument(options.nodeName));
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', options.metrics.contentType);
    return options.metrics.metrics();
  });
  return app;
}
