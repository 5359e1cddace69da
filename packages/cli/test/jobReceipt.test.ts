/**
 * `parley job receipt ID` checks that the receipt the node returns is for job
 * ID: a receipt that verifies proves something only about the job its entry
 * names. The node is replaced by a client that answers with a chosen receipt.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '@parley/interface';
import { Ledger, MemoryStore, nodeLedgerPaths, type ReceiptJSON } from '@parley/ledger';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeConsortium, makeEntry } from '../../ledger/test/helpers.js';
import { registerJobCommands } from '../src/commands/job.js';

/** What the fake node answers to GET /jobs/:id/receipt, whatever the id. */
const node = vi.hoisted(() => ({ receipt: undefined as unknown }));
vi.mock('@parley/sdk', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@parley/sdk')>()),
  connect: () => ({ job: () => ({ receipt: async () => node.receipt }) }),
}));

const dir = mkdtempSync(join(tmpdir(), 'parley-cli-job-receipt-'));
const receipts: ReceiptJSON[] = [];
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

beforeAll(async () => {
  const { consortium, signers } = makeConsortium(3);
  writeFileSync(nodeLedgerPaths(dir).consortium, JSON.stringify(consortium));
  const ledger = await Ledger.open(new MemoryStore(), consortium);
  await ledger.append([makeEntry(0), makeEntry(1)], signers);
  receipts.push(await ledger.receipt(0), await ledger.receipt(1));
});

/** Runs `parley job receipt ID --node DIR`; returns what it wrote, or the error it threw. */
async function jobReceipt(id: string, node = dir): Promise<{ out: string; error?: unknown }> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(console, 'error').mockImplementation(() => {});
  const program = new Command('parley').exitOverride();
  registerJobCommands(program);
  try {
    await program.parseAsync(['node', 'parley', 'job', 'receipt', id, '--node', node]);
    return { out };
  } catch (error) {
    return { out, error };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('parley job receipt', () => {
  it("prints the receipt of the job asked for when it verifies and its entry is that job's", async () => {
    node.receipt = receipts[1];
    const r = await jobReceipt('job-1');
    expect(r.error).toBeUndefined();
    expect(JSON.parse(r.out)).toEqual(receipts[1]);
  });

  it('refuses a valid receipt of another job, naming both (LedgerTampered)', async () => {
    node.receipt = receipts[0];
    const r = await jobReceipt('job-1');
    expect(r.out).toBe('');
    expect(hasCode(r.error, 'LEDGER_TAMPERED'), String(r.error)).toBe(true);
    expect((r.error as Error).message).toBe(
      'the node returned a receipt for job "job-0" (ledger entry 0) when asked for job job-1: it proves nothing about job job-1',
    );
  });

  it('refuses a receipt of another job also when there is no consortium file to verify it with', async () => {
    node.receipt = receipts[0];
    const bare = mkdtempSync(join(dir, 'no-consortium-'));
    const r = await jobReceipt('job-1', bare);
    expect(hasCode(r.error, 'LEDGER_TAMPERED'), String(r.error)).toBe(true);
    expect((r.error as Error).message).toMatch(/receipt for job "job-0" .* when asked for job job-1/);
    node.receipt = receipts[1];
    expect((await jobReceipt('job-1', bare)).error).toBeUndefined();
  });
});
