/**
 * A party node's configuration, `DIR/node.json`, checked with a zod schema.
 * Paths in it are relative to the node directory. An error names the file,
 * the field (`api.port`) and what is expected, never the value (the file
 * holds the API token).
 *
 *   { "version": 1, "name": "bankA",
 *     "listen": { "host": "127.0.0.1", "port": 7443 },     party-to-party mutual TLS
 *     "address": "127.0.0.1:7443",                          what the consortium lists
 *     "api": { "host": "127.0.0.1", "port": 7480, "token": "…" },
 *     "identity": { "key": "identity.key", "certificate": "identity.crt" },
 *     "consortium": "consortium.json", "ledger": "ledger.db", "database": "node.db",
 *     "policy": "policy.json", "dataSources": { "accounts": { "type": "csv", "path": "accounts.csv" } },
 *     "logLevel": "info" }
 */
import { join } from 'node:path';
import { PARTY_NAME_PATTERN, parseAddress } from '@parley/interface';
import { z } from 'zod';
import { checkWith, readJsonFile } from './_configFile.js';

export const NODE_CONFIG_FILE = 'node.json';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const host = z.string().min(1, 'a host name or IP address');
const port = z.number().int().min(0).max(65535);
const relativePath = z.string().min(1, 'a path (relative to the node directory)');

const dataSource = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('csv'), path: relativePath }),
  z.strictObject({ type: z.literal('json'), path: relativePath }),
  z.strictObject({
    type: z.literal('postgres'),
    url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL'),
    query: z.string().min(1, 'an SQL query'),
  }),
]);

export const nodeConfigSchema = z.strictObject({
  version: z.literal(1),
  name: z
    .string()
    .regex(PARTY_NAME_PATTERN, '1 to 64 letters, digits, _ . - (starting with a letter or digit)'),
  listen: z.strictObject({ host, port }),
  address: z.string().refine((a) => {
    try {
      parseAddress(a);
      return true;
    } catch {
      return false;
    }
  }, 'host:port'),
  api: z.strictObject({ host, port, token: z.string().min(32, 'at least 32 characters') }),
  identity: z.strictObject({ key: relativePath, certificate: relativePath }),
  consortium: relativePath.default('consortium.json'),
  ledger: relativePath.default('ledger.db'),
  database: relativePath.default('node.db'),
  policy: relativePath.default('policy.json'),
  dataSources: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), dataSource).default({}),
  logLevel: z.enum(LOG_LEVELS).default('info'),
});

export type NodeConfig = z.infer<typeof nodeConfigSchema>;
export type DataSourceConfig = z.infer<typeof dataSource>;

/** Validates a parsed node.json; `file` is named in errors. */
export function parseNodeConfig(value: unknown, file: string): NodeConfig {
  return checkWith(nodeConfigSchema, value, file);
}

/** Reads and validates DIR/node.json. */
export async function loadNodeConfig(dir: string): Promise<NodeConfig> {
  const file = join(dir, NODE_CONFIG_FILE);
  return parseNodeConfig(await readJsonFile(file, 'not found (run `parley init` first)'), file);
}
