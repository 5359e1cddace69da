import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidArgument } from '@parley/interface';

/** Path of a file in the shared data directory (../shared/data beside the project, or PARLEY_SHARED_DATA). */
export function sharedDataPath(relative: string): string {
  const roots = [
    process.env.PARLEY_SHARED_DATA,
    fileURLToPath(new URL('../../../shared/data/', import.meta.url)),
    fileURLToPath(new URL('../../shared/data/', import.meta.url)),
  ].filter((r): r is string => !!r);
  for (const root of roots) {
    const p = `${root.replace(/\/$/, '')}/${relative}`;
    if (existsSync(p)) return p;
  }
  throw new InvalidArgument(`shared data file ${relative} not found (looked in ${roots.join(', ')})`);
}
