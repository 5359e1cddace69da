/**
 * Reading the node's JSON files (node.json, policy.json, NAME.pub.json) and
 * checking them against their zod schemas: an error is a ConfigError naming
 * the file and the field, never quoting the file's text (node.json holds the
 * API token).
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '@parley/interface';
import type { z } from 'zod';

export async function readJsonFile(file: string, missing = 'not found'): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? missing : 'cannot be read';
    throw new ConfigError(`${file}: ${why}`, { file });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError(`${file} is not valid JSON`, { file });
  }
}

export function checkWith<S extends z.ZodType>(schema: S, value: unknown, file: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
  throw new ConfigError(`${file}: ${field}: ${issue.message}`, { file, field });
}
