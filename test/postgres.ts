/**
 * The PostgreSQL server the tests use: .ci/services.sh starts it on
 * 127.0.0.1. Under CI it must be reachable (its tests fail otherwise);
 * elsewhere they are skipped with a warning when it is not.
 */
import pg from 'pg';

export const PG_URL = process.env.PARLEY_TEST_PG_URL ?? 'postgres://parley:parley@127.0.0.1:5432/parley_test';
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1' || process.env.PARLEY_CI === '1';

export async function postgresReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/** True when the PostgreSQL tests should run; warns (outside CI) when they are skipped. */
export async function usePostgres(what: string): Promise<boolean> {
  const up = await postgresReachable();
  if (!up && !IN_CI)
    console.warn(`PostgreSQL at ${PG_URL} is not reachable: skipping ${what} (run .ci/services.sh)`);
  return up || IN_CI;
}
