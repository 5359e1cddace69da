/**
 * One node per node directory: `parley node start` takes the directory's lock
 * before it opens the job database or the ledger, and a second start on the
 * same directory is refused (ConfigError naming the directory and the running
 * node's pid) without touching anything of the node that runs.
 *
 * The lock is a lock of the operating system, not a file's existence: the
 * node holds a write transaction open on `node.lock` (a small SQLite
 * database) for as long as it runs, which SQLite holds as a POSIX lock on the
 * file (and, between connections of one process, in its own table). Another
 * start's BEGIN IMMEDIATE then fails at once with SQLITE_BUSY. The system
 * drops the lock when the process ends in any way, so a node that crashed or
 * was killed leaves no stale lock behind, and a pid reused since by another
 * process cannot keep the node from starting (the flaws of a pid file). The
 * holder's pid is kept in the file for the refusal's message only: a reader
 * can read it while the lock is held (the open transaction writes nothing).
 * The file is never deleted: a start that had opened it could otherwise lock
 * a file no one else sees.
 */
import { join } from 'node:path';
import { ConfigError, type ParleyError } from '@parley/interface';
import Database from 'better-sqlite3';

/** The lock file of a node directory (kept there; see above). */
export const NODE_LOCK_FILE = 'node.lock';

export interface NodeLock {
  /** Ends the lock (closes its connection); safe to call twice. */
  release(): void;
}

/** Takes the lock of node directory `dir`; throws ConfigError when a node runs there already. */
export function lockNodeDirectory(dir: string): NodeLock {
  const file = join(dir, NODE_LOCK_FILE);
  let db: Database.Database;
  try {
    // timeout 0: a held lock is an answer, not something to wait for.
    db = new Database(file, { timeout: 0 });
  } catch (e) {
    throw new ConfigError(`the lock file ${file} cannot be opened: ${(e as Error).message}`, { file });
  }
  try {
    if (!tryBegin(db)) throw inUse(dir, file, holderPid(db, false));
    // The pid is committed first (so that a refused start can read it), then the lock is taken again and
    // kept. Another start that slips in between commits its own pid and keeps the lock: this one is refused.
    db.exec('create table if not exists holder (pid integer not null)');
    db.exec('delete from holder');
    db.prepare('insert into holder (pid) values (?)').run(process.pid);
    db.exec('commit');
    if (!tryBegin(db)) throw inUse(dir, file, holderPid(db, true));
  } catch (e) {
    db.close();
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`the lock file ${file} cannot be used: ${(e as Error).message}`, { file });
  }
  return {
    release: () => {
      if (db.open) db.close();
    },
  };
}

/** Begins the write transaction that is the lock; false when another connection holds it. */
function tryBegin(db: Database.Database): boolean {
  try {
    db.exec('begin immediate');
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_BUSY') return false;
    throw e;
  }
}

/**
 * The pid the lock's holder wrote, if it can be read and that process lives
 * (a holder that has just taken the lock has not yet replaced the pid of the
 * node before it); `wroteMine`: this start wrote its own pid and then lost
 * the lock, so its own pid is not the holder's.
 */
function holderPid(db: Database.Database, wroteMine: boolean): number | undefined {
  let pid: unknown;
  try {
    pid = (db.prepare('select pid from holder').get() as { pid?: unknown } | undefined)?.pid;
  } catch {
    return undefined;
  }
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined;
  if (wroteMine && pid === process.pid) return undefined;
  return isAlive(pid) ? pid : undefined;
}

/** Whether process `pid` exists (signal 0 checks without sending; EPERM: it exists, as another user's). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function inUse(dir: string, file: string, pid: number | undefined): ParleyError {
  const who = pid === undefined ? 'another process' : `process ${pid}`;
  return new ConfigError(
    `the node directory ${dir} is in use by a running node (${who}; lock ${file}): stop it first`,
    { field: 'dir', file, ...(pid === undefined ? {} : { pid }) },
  );
}
