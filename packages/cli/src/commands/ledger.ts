/**
 * `parley ledger show|verify|receipt|verify-receipt`: read, verify and prove
 * a ledger replica. The ledger is a node directory (`--node DIR`: DIR/ledger.db
 * and DIR/consortium.json) or a database (`--db PATH|postgres://…` with
 * `--consortium FILE`). Verification exits 0 only when everything verifies,
 * 1 with a report naming the first bad sequence number otherwise.
 *
 * `verify` prints the fingerprint of the consortium it checked the heads
 * against. A consortium file taken from the node directory under audit is no
 * evidence (whoever rewrites the ledger can swap it too), so then it also
 * warns: pass `--consortium FILE` from a trusted copy, or compare the
 * fingerprint with one the other members hold. Every line of a problem is
 * printed through `safeText` (no terminal escape from a tampered store).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Consortium } from '@parley/interface';
import { InvalidArgument, NotFound, safeText } from '@parley/interface';
import {
  decodeEntry,
  entryToJSON,
  isPostgresUrl,
  Ledger,
  type LedgerReport,
  type LedgerStore,
  MAX_TIME_MS,
  nodeLedgerPaths,
  openLedgerStore,
  parseReceiptText,
  readConsortiumFile,
  type SignedTreeHead,
  treeHeadFromJSON,
  verifyLedger,
  verifyReceipt,
} from '@parley/ledger';
import type { Command } from 'commander';
import { readTextFile, writeTextFile } from '../files.js';

interface TargetFlags {
  node?: string;
  db?: string;
  consortium?: string;
  schema?: string;
}

interface Target {
  target: string;
  consortiumFile: string | undefined;
  /** The consortium file is the one beside the ledger in the node directory under audit. */
  consortiumInNode: boolean;
}

function resolveTarget(flags: TargetFlags, needConsortium: boolean): Target {
  if (flags.node !== undefined && flags.db !== undefined) {
    throw new InvalidArgument('give either --node DIR or --db PATH|postgres://…, not both', { field: 'db' });
  }
  // Like every command that acts on a node: the current directory when neither is given.
  const node = flags.node ?? (flags.db === undefined ? '.' : undefined);
  if (node !== undefined) {
    const paths = nodeLedgerPaths(node);
    if (!existsSync(paths.ledger)) {
      throw new NotFound(`${node} has no ledger (${paths.ledger} does not exist)`, {
        file: paths.ledger,
      });
    }
    const consortiumFile = flags.consortium ?? paths.consortium;
    return {
      target: paths.ledger,
      consortiumFile,
      consortiumInNode: resolve(consortiumFile) === resolve(paths.consortium),
    };
  }
  // Here --db was given (without it, the current directory is the node).
  const db = flags.db as string;
  if (needConsortium && flags.consortium === undefined) {
    throw new InvalidArgument('--db needs --consortium FILE to check the signatures', {
      field: 'consortium',
    });
  }
  if (!isPostgresUrl(db) && /^[a-z][a-z0-9+.-]+:/i.test(db)) {
    // Not repeated: a mistyped URL may hold a password.
    throw new InvalidArgument('--db looks like a URL but is not postgres://… or postgresql://…', {
      field: 'db',
    });
  }
  if (!isPostgresUrl(db) && !existsSync(db)) {
    throw new NotFound(`ledger database ${db} does not exist`, { file: db });
  }
  return { target: db, consortiumFile: flags.consortium, consortiumInNode: false };
}

async function withStore<T>(flags: TargetFlags, fn: (store: LedgerStore) => Promise<T>): Promise<T> {
  const { target } = resolveTarget(flags, false);
  const options: { readonly: boolean; schema?: string } = { readonly: true };
  if (flags.schema !== undefined) options.schema = flags.schema;
  const store = await openLedgerStore(target, options);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

interface ConsortiumSource {
  consortium: Consortium;
  file: string;
  inNode: boolean;
}

function consortiumSource(flags: TargetFlags): ConsortiumSource {
  const { consortiumFile, consortiumInNode } = resolveTarget(flags, true);
  if (consortiumFile === undefined)
    throw new InvalidArgument('--consortium FILE is required', { field: 'consortium' });
  return { consortium: readConsortiumFile(consortiumFile), file: consortiumFile, inNode: consortiumInNode };
}

function consortiumOf(flags: TargetFlags): Consortium {
  return consortiumSource(flags).consortium;
}

/** The warning `verify` gives when the consortium file came from the node directory it audits. */
function untrustedConsortiumWarning(file: string, fingerprint: string): string {
  return (
    `warning: the consortium file ${file} is the one in the node directory under audit, which whoever can ` +
    'rewrite the ledger can replace too (new keys under the same names would verify); pass --consortium FILE ' +
    `from a trusted copy, or compare the fingerprint ${fingerprint} with the one the other members hold`
  );
}

function parseSeq(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0 || !/^\d+$/.test(v)) {
    throw new InvalidArgument(`sequence number ${v}: expected a whole number >= 0`, { field: 'seq' });
  }
  return n;
}

function parseCount(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgument(`${v}: expected a whole number >= 1`);
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Heads to check the replica against: from receipts or tree head JSON files. */
function readAnchors(files: string[]): SignedTreeHead[] {
  return files.map((f) => {
    const json = parseReceiptText(readTextFile(f, 'anchor'), f);
    const head = json !== null && typeof json === 'object' && 'treeHead' in json ? json.treeHead : json;
    return treeHeadFromJSON(head, `anchor ${f}`);
  });
}

const short = (hex: string): string => `${hex.slice(0, 16)}…`;
/** A time as ISO 8601, or the raw value where a tampered store holds no valid time (`show` checks nothing). */
const when = (ms: number): string =>
  Number.isFinite(ms) && Math.abs(ms) <= MAX_TIME_MS ? new Date(ms).toISOString() : `(not a time: ${ms})`;

function printReport(r: LedgerReport, source: ConsortiumSource): void {
  const signers = source.consortium.parties.map((p) => p.name).join(', ');
  const checkedAgainst = `consortium fingerprint ${r.consortiumFingerprint} (${signers}; from ${source.file})`;
  if (r.ok) {
    const head = r.latestHead;
    console.log(
      `ledger OK (${r.store}): ${r.entries} entries, ${r.heads} co-signed tree heads` +
        (head ? `; latest head: size ${head.size}, root ${short(head.root)}, ${when(head.timestamp)}` : '') +
        `; every head signed by ${signers}`,
    );
    console.log(checkedAgainst);
    return;
  }
  console.log(`ledger INVALID (${r.store}): first bad sequence number ${r.firstBadSeq}`);
  // A problem may quote what a tampered store holds: printed without control characters.
  for (const p of r.problems) console.log(`  ${safeText(p.message)}`);
  if (r.moreProblems > 0) console.log(`  … and ${r.moreProblems} more problems`);
  console.log(checkedAgainst);
}

export function registerLedgerCommands(program: Command): void {
  const ledger = program
    .command('ledger')
    .description(
      'show, verify and prove the shared tamper-evident ledger (receipts verify with the consortium file alone)',
    );

  const targetOptions = (c: Command): Command =>
    c
      .option(
        '--node <dir>',
        'a node directory: DIR/ledger.db and DIR/consortium.json (default: the current directory)',
      )
      .option('--db <path|url>', 'a SQLite ledger file or a postgres:// URL')
      .option(
        '--consortium <file>',
        'the consortium file, from a copy you trust (default with --node: DIR/consortium.json, which verify warns about)',
      )
      .option('--schema <name>', 'PostgreSQL schema of the ledger tables (default parley_ledger)');

  targetOptions(ledger.command('show'))
    .description('list entries (nothing is verified: use verify)')
    .option('--from <seq>', 'first sequence number', parseSeq, 0)
    .option('--limit <n>', 'entries to list', parseCount, 50)
    .option('--json', 'print JSON')
    .action(async (flags: TargetFlags & { from: number; limit: number; json?: boolean }) => {
      await withStore(flags, async (store) => {
        const rows = await store.readEntries(flags.from, flags.limit);
        const head = await store.latestHead();
        const entries = rows.map((r) => {
          try {
            return entryToJSON(decodeEntry(r.bytes));
          } catch (e) {
            return { seq: r.seq, error: (e as Error).message };
          }
        });
        if (flags.json) {
          const h = head && {
            size: head.size,
            root: Buffer.from(head.root).toString('hex'),
            timestamp: head.timestamp,
          };
          console.log(JSON.stringify({ store: store.description, latestHead: h ?? null, entries }, null, 2));
          return;
        }
        console.log(
          `${store.description}: ${await store.nextSeq()} entries` +
            (head
              ? `; latest head size ${head.size}, root ${short(Buffer.from(head.root).toString('hex'))}, ${when(head.timestamp)}`
              : '; no tree head'),
        );
        for (const e of entries) {
          if ('error' in e) {
            console.log(`${String(e.seq).padStart(6)}  (unreadable: ${safeText(e.error)})`);
            continue;
          }
          const why = e.reason ? ` (${e.reason})` : '';
          console.log(
            `${String(e.seq).padStart(6)}  ${e.finishedAt}  ${e.jobId}  ${e.outcome}${why}  ` +
              `computation ${short(e.computationId)}  parties ${e.parties.join(',')}`,
          );
        }
      });
    });

  targetOptions(ledger.command('verify'))
    .description('re-derive every leaf and root and check every signature; exit 1 naming the first bad entry')
    .option('--anchor <file>', 'a receipt or tree head the ledger must agree with (repeatable)', collect, [])
    .option('--json', 'print the report as JSON')
    .action(async (flags: TargetFlags & { anchor: string[]; json?: boolean }) => {
      const source = consortiumSource(flags);
      const anchors = readAnchors(flags.anchor);
      const report = await withStore(flags, (store) => verifyLedger(store, source.consortium, { anchors }));
      const warning = source.inNode
        ? untrustedConsortiumWarning(source.file, report.consortiumFingerprint)
        : undefined;
      if (flags.json) {
        const out = { ...report, consortiumFile: source.file, ...(warning ? { warning } : {}) };
        console.log(JSON.stringify(out, null, 2));
      } else printReport(report, source);
      if (warning) console.error(`parley: ${warning}`);
      if (!report.ok) process.exitCode = 1;
    });

  targetOptions(ledger.command('receipt <seq>'))
    .description('write the receipt of an entry: the entry, its inclusion proof and the co-signed tree head')
    .requiredOption('-o, --output <file>', 'where to write the receipt JSON')
    .action(async (seqText: string, flags: TargetFlags & { output: string }) => {
      const seq = parseSeq(seqText);
      const consortium = consortiumOf(flags);
      const receipt = await withStore(flags, async (store) =>
        (await Ledger.open(store, consortium)).receipt(seq),
      );
      const check = verifyReceipt(receipt, consortium);
      if (!check.ok)
        throw new InvalidArgument(
          `the receipt of entry ${seq} does not verify: ${check.problems.join('; ')}`,
        );
      writeTextFile(flags.output, `${JSON.stringify(receipt, null, 2)}\n`, 'receipt file');
      console.log(`receipt of entry ${seq} (tree size ${receipt.treeHead.size}) written to ${flags.output}`);
    });

  ledger
    .command('verify-receipt <file>')
    .description('verify a receipt offline with nothing but the consortium file')
    .requiredOption('--consortium <file>', 'the consortium file')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, flags: { consortium: string; json?: boolean }) => {
      const receipt = parseReceiptText(readTextFile(file, 'receipt'), file);
      const consortium = readConsortiumFile(flags.consortium);
      const v = verifyReceipt(receipt, consortium);
      if (flags.json) {
        console.log(
          JSON.stringify(
            { ok: v.ok, seq: v.seq, treeSize: v.treeSize, problems: v.problems.map((p) => safeText(p)) },
            null,
            2,
          ),
        );
      } else if (v.ok) {
        const e = v.entry!;
        console.log(
          `receipt OK: entry ${e.seq} (job ${e.jobId}, ${e.outcome}) is in the ledger of size ${v.treeSize}, ` +
            `co-signed by ${consortium.parties.map((p) => p.name).join(', ')}`,
        );
      } else {
        console.log(`receipt INVALID${v.seq === undefined ? '' : ` (entry ${v.seq})`}:`);
        // A problem may quote what the receipt holds: printed without control characters.
        for (const p of v.problems) console.log(`  ${safeText(p)}`);
      }
      if (!v.ok) process.exitCode = 1;
    });
}
