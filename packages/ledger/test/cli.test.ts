/**
 * `parley ledger …` run in-process on a node directory: the commands of
 * packages/cli/src/commands/ledger.ts over a fresh commander program, with
 * console output captured and exit status read from process.exitCode.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode, hasUnsafeText } from '@parley/interface';
import { consortiumFingerprint, encodeCanonical, Ledger, nodeLedgerPaths, SqliteStore } from '@parley/ledger';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerLedgerCommands } from '../../cli/src/commands/ledger.js';
import { reportError } from '../../cli/src/report.js';
import { makeConsortium, makeEntry } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-ledger-cli-'));
const node = join(dir, 'bankB');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

beforeAll(async () => {
  const { consortium, signers } = makeConsortium(3);
  mkdirSync(node);
  const paths = nodeLedgerPaths(node);
  expect(paths).toEqual({ ledger: join(node, 'ledger.db'), consortium: join(node, 'consortium.json') });
  writeFileSync(paths.consortium, JSON.stringify(consortium, null, 2));
  const ledger = await Ledger.open(SqliteStore.open(paths.ledger), consortium);
  for (let b = 0; b < 4; b++) await ledger.append([makeEntry(2 * b), makeEntry(2 * b + 1)], signers);
  await ledger.close();
});

/** Runs `parley ledger ARGS…`; returns the lines printed (standard output, error) and the exit status it set. */
async function parley(...args: string[]): Promise<{ out: string; err: string; status: number }> {
  const lines: string[] = [];
  const errors: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    lines.push(a.join(' '));
  });
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    errors.push(a.join(' '));
  });
  const program = new Command('parley').exitOverride();
  registerLedgerCommands(program);
  try {
    await program.parseAsync(['node', 'parley', 'ledger', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  const status = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = undefined;
  return { out: lines.join('\n'), err: errors.join('\n'), status };
}

async function parleyError(...args: string[]): Promise<unknown> {
  return parley(...args).then(
    () => expect.fail(`parley ledger ${args.join(' ')} succeeded`),
    (e: unknown) => e,
  );
}

describe('parley ledger', () => {
  it('shows, verifies, writes a receipt and verifies it with the consortium file alone', async () => {
    const show = await parley('show', '--node', node, '--from', '6');
    expect(show.out).toMatch(/8 entries; latest head size 8/);
    expect(show.out).toMatch(/^\s+7 .* job-7 +succeeded/m);
    expect(show.out).not.toMatch(/job-5/);
    expect(JSON.parse((await parley('show', '--node', node, '--json')).out).entries).toHaveLength(8);

    const verify = await parley('verify', '--node', node);
    expect(verify).toMatchObject({ status: 0 });
    expect(verify.out).toMatch(/^ledger OK .*8 entries, 4 co-signed tree heads/);
    // The same through --db and --consortium.
    const paths = nodeLedgerPaths(node);
    expect((await parley('verify', '--db', paths.ledger, '--consortium', paths.consortium)).status).toBe(0);

    const file = join(dir, 'r5.json');
    expect((await parley('receipt', '5', '--node', node, '-o', file)).out).toMatch(
      /receipt of entry 5 \(tree size 8\)/,
    );
    const ok = await parley('verify-receipt', file, '--consortium', paths.consortium);
    expect(ok.status).toBe(0);
    expect(ok.out).toMatch(/^receipt OK: entry 5 \(job job-5, succeeded\) is in the ledger of size 8/);

    const edited = readFileSync(file, 'utf8').replace('"job-5"', '"job-55"');
    writeFileSync(file, edited);
    const bad = await parley('verify-receipt', file, '--consortium', paths.consortium);
    expect(bad.status).toBe(1);
    expect(bad.out).toMatch(/receipt INVALID \(entry 5\):\n\s+entry 5: the readable entry does not match/);
  });

  it('exits 1 naming the first bad sequence number of a tampered replica', async () => {
    const copy = join(dir, 'bankC');
    mkdirSync(copy);
    for (const f of ['ledger.db', 'consortium.json'])
      writeFileSync(join(copy, f), readFileSync(join(node, f)));
    const anchor = join(dir, 'anchor.json');
    await parley('receipt', '0', '--node', copy, '-o', anchor);
    const db = new Database(join(copy, 'ledger.db'));
    db.prepare('delete from ledger_entries where seq = 3').run();
    db.close();
    const r = await parley('verify', '--node', copy, '--anchor', anchor);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/^ledger INVALID .*: first bad sequence number 3\n\s+entry 3: missing/);
    const j = JSON.parse((await parley('verify', '--node', copy, '--json')).out);
    expect(j).toMatchObject({ ok: false, firstBadSeq: 3 });
    expect(hasCode(await parleyError('receipt', '5', '--node', copy, '-o', anchor), 'LEDGER_TAMPERED')).toBe(
      true,
    );
  });

  it('refuses bad arguments and files with typed errors', async () => {
    const e1 = await parleyError('verify-receipt', '/dev/null', '--consortium', '/dev/null');
    expect(hasCode(e1, 'INVALID_INPUT')).toBe(true);
    expect((e1 as Error).message).toMatch(/receipt \/dev\/null: empty, not a JSON receipt/);
    const file = join(dir, 'r.json');
    await parley('receipt', '1', '--node', node, '-o', file);
    const e2 = await parleyError('verify-receipt', file, '--consortium', '/dev/null');
    expect((e2 as Error).message).toMatch(/consortium file \/dev\/null: not valid JSON/);
    // Without --node or --db the node is the current directory (the repository root here: no ledger).
    const e3 = await parleyError('verify');
    expect(hasCode(e3, 'NOT_FOUND')).toBe(true);
    expect((e3 as Error).message).toMatch(/^\. has no ledger/);
    expect(hasCode(await parleyError('verify', '--db', join(node, 'ledger.db')), 'INVALID_ARGUMENT')).toBe(
      true,
    );
    expect(hasCode(await parleyError('verify', '--node', join(dir, 'nowhere')), 'NOT_FOUND')).toBe(true);
    expect(hasCode(await parleyError('receipt', '99', '--node', node, '-o', file), 'NOT_FOUND')).toBe(true);
    expect(hasCode(await parleyError('receipt', '-1', '--node', node, '-o', file), 'INVALID_ARGUMENT')).toBe(
      true,
    );
    // An output in a directory that does not exist, or that is a directory; an anchor that is JSON null.
    const nowhere = join(dir, 'no-such-dir', 'r.json');
    const e4 = await parleyError('receipt', '1', '--node', node, '-o', nowhere);
    expect(hasCode(e4, 'NOT_FOUND')).toBe(true);
    expect((e4 as Error).message).toBe(`cannot write receipt file ${nowhere}: its directory does not exist`);
    const e5 = await parleyError('receipt', '1', '--node', node, '-o', dir);
    expect((e5 as Error).message).toBe(`receipt file ${dir} is a directory`);
    const nullAnchor = join(dir, 'null.json');
    writeFileSync(nullAnchor, 'null');
    const e6 = await parleyError('verify', '--node', node, '--anchor', nullAnchor);
    expect(e6).not.toBeInstanceOf(TypeError);
    expect((e6 as Error).message).toMatch(/anchor .*null\.json/);
    // A mistyped PostgreSQL URL is not a file name: refused without repeating it (it may hold a password).
    const typo = 'postgres:/user:s3cret@db.example/ledger';
    const e7 = await parleyError('verify', '--db', typo, '--consortium', join(node, 'consortium.json'));
    expect(hasCode(e7, 'INVALID_ARGUMENT')).toBe(true);
    expect((e7 as Error).message).not.toContain('s3cret');
  });

  it('shows a replica whose head timestamp was tampered with (show checks nothing, and does not crash)', async () => {
    const copy = join(dir, 'bankD');
    mkdirSync(copy);
    for (const f of ['ledger.db', 'consortium.json'])
      writeFileSync(join(copy, f), readFileSync(join(node, f)));
    const db = new Database(join(copy, 'ledger.db'));
    db.prepare('update tree_heads set timestamp = ? where size = 8').run(9e15);
    db.close();
    const show = await parley('show', '--node', copy);
    expect(show.out).toMatch(/\(not a time: 9000000000000000\)/);
    const verify = await parley('verify', '--node', copy);
    expect(verify.status).toBe(1);
  });

  it("prints the consortium fingerprint, and warns when the consortium file is the node directory's own", async () => {
    // An insider rewrites the ledger with new keys under the members' names and swaps consortium.json.
    const { consortium } = makeConsortium(3);
    const evil = makeConsortium(3, 50);
    const swapped = join(dir, 'swapped');
    mkdirSync(swapped);
    const paths = nodeLedgerPaths(swapped);
    writeFileSync(paths.consortium, JSON.stringify(evil.consortium));
    const ledger = await Ledger.open(SqliteStore.open(paths.ledger), evil.consortium);
    for (let b = 0; b < 2; b++) await ledger.append([makeEntry(2 * b), makeEntry(2 * b + 1)], evil.signers);
    await ledger.close();
    const evilFp = consortiumFingerprint(evil.consortium);
    const realFp = consortiumFingerprint(consortium);

    // Without --consortium the swapped file is all there is: OK, but with its fingerprint and a warning.
    const r = await parley('verify', '--node', swapped);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^ledger OK /);
    expect(r.out.split('\n')[1]).toBe(
      `consortium fingerprint ${evilFp} (bankA, bankB, bankC; from ${paths.consortium})`,
    );
    expect(r.err).toMatch(
      /^parley: warning: the consortium file .*swapped\/consortium\.json is the one in the node directory under audit/,
    );
    expect(r.err).toContain('pass --consortium FILE from a trusted copy');
    expect(r.err).toContain(`compare the fingerprint ${evilFp}`);
    // Naming that same file with --consortium is no better.
    expect((await parley('verify', '--node', swapped, '--consortium', paths.consortium)).err).toMatch(
      /warning/,
    );
    const j = JSON.parse((await parley('verify', '--node', swapped, '--json')).out);
    expect(j).toMatchObject({ ok: true, consortiumFingerprint: evilFp, consortiumFile: paths.consortium });
    expect(j.warning).toMatch(/pass --consortium FILE from a trusted copy/);

    // With a trusted copy of the consortium: INVALID, its fingerprint printed, no warning.
    const trusted = join(node, 'consortium.json');
    const t = await parley('verify', '--node', swapped, '--consortium', trusted);
    expect(t.status).toBe(1);
    expect(t.out).toMatch(
      /^ledger INVALID .*first bad sequence number 1\n\s+tree head of size 2: signature of bankA/,
    );
    expect(t.out.split('\n').at(-1)).toBe(
      `consortium fingerprint ${realFp} (bankA, bankB, bankC; from ${trusted})`,
    );
    expect(t.err).toBe('');
    const tj = JSON.parse((await parley('verify', '--node', swapped, '--consortium', trusted, '--json')).out);
    expect(tj).toMatchObject({ ok: false, consortiumFingerprint: realFp });
    expect(tj.warning).toBeUndefined();
  });

  it('prints no terminal escape from a tampered store or receipt', async () => {
    const SPOOF = '\x1b[1A\x1b[2K\rledger OK (sqlite:x): 8 entries\u009b8m';
    const copy = join(dir, 'escapes');
    mkdirSync(copy);
    for (const f of ['ledger.db', 'consortium.json'])
      writeFileSync(join(copy, f), readFileSync(join(node, f)));
    const receiptFile = join(dir, 'r-escape.json');
    await parley('receipt', '1', '--node', copy, '-o', receiptFile);
    const db = new Database(join(copy, 'ledger.db'));
    db.prepare('update ledger_entries set entry = ? where seq = 2').run(encodeCanonical({ [SPOOF]: 1 }));
    db.close();
    const v = await parley('verify', '--node', copy);
    expect(v.status).toBe(1);
    expect(v.out).toMatch(
      /entry 2: the bytes are not a valid entry \(ledger entry: entry has the key "\\u001b/,
    );
    expect(hasUnsafeText(v.out), JSON.stringify(v.out)).toBe(false);
    expect(hasUnsafeText((await parley('verify', '--node', copy, '--json')).out)).toBe(false);

    const receipt = JSON.parse(readFileSync(receiptFile, 'utf8'));
    receipt.entryBytes = Buffer.from(encodeCanonical({ [SPOOF]: 1 })).toString('hex');
    receipt.treeHead.signatures[SPOOF] = receipt.treeHead.signatures.bankA;
    writeFileSync(receiptFile, JSON.stringify(receipt));
    const consortiumFile = join(node, 'consortium.json');
    const r = await parley('verify-receipt', receiptFile, '--consortium', consortiumFile);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/^receipt INVALID:\n\s+entryBytes do not decode/);
    expect(hasUnsafeText(r.out), JSON.stringify(r.out)).toBe(false);
    const rj = await parley('verify-receipt', receiptFile, '--consortium', consortiumFile, '--json');
    expect(hasUnsafeText(rj.out)).toBe(false);
  });

  it('reports a damaged database file as a typed error of one line (exit 2), not a stack trace', async () => {
    const copy = join(dir, 'damaged');
    mkdirSync(copy);
    for (const f of ['ledger.db', 'consortium.json'])
      writeFileSync(join(copy, f), readFileSync(join(node, f)));
    const path = join(copy, 'ledger.db');
    const db = new Database(path);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const page = (
      db.prepare("select rootpage from sqlite_master where name = 'ledger_entries'").get() as {
        rootpage: number;
      }
    ).rootpage;
    db.close();
    const buf = readFileSync(path);
    buf.fill(0x41, (page - 1) * 4096, (page - 1) * 4096 + 64);
    writeFileSync(path, buf);
    const e = await parleyError('verify', '--node', copy);
    expect(hasCode(e, 'LEDGER_TAMPERED'), String(e)).toBe(true);
    const printed: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
      printed.push(a.join(' '));
    });
    expect(reportError(e)).toBe(2);
    expect(printed).toEqual([
      expect.stringMatching(/^parley: LEDGER_TAMPERED: ledger database is corrupt: .*damaged\/ledger\.db: /),
    ]);
    expect(printed[0]).not.toContain('\n');
  });
});
