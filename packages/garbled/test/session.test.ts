/** The garbled protocol end to end in one process: known answers, random programs, errors on both sides. */
import {
  bristolProgram,
  CircuitBuilder,
  type Column,
  encodeInputs,
  evaluateProgram,
  int,
  type Program,
  readBristolFile,
  uint,
} from '@parley/circuit';
import { hasCode } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import {
  GarbledSession,
  inputBits,
  OtContextStore,
  prepareProgram,
  runGarbledLocally,
  Tag,
} from '../src/index.js';

const BRISTOL = `${process.env.PARLEY_SHARED_DATA ?? new URL('../../../../shared/data/', import.meta.url).pathname}/bristol`;
const K = 0x000102030405060708090a0b0c0d0e0fn;
const P = 0x00112233445566778899aabbccddeeffn;
const C = 0x69c4e0d86a7b0430d8cdb78070b4c55an;

const values = (c: Column | undefined) => (c ? Array.from({ length: c.length }, (_, i) => c[i]) : undefined);

describe('garbled 2PC', () => {
  it('AES-128 gives the FIPS-197 ciphertext with the key from either party', async () => {
    const aes = await readBristolFile(`${BRISTOL}/aes_128.txt`);
    const a = await runGarbledLocally(bristolProgram(aes), { party0: { '0': K }, party1: { '1': P } });
    expect(values(a.outputs.party0['0'])).toEqual([C]);
    expect(values(a.outputs.party1['0'])).toEqual([C]);
    // Key held by the evaluator, plaintext by the garbler.
    const swapped = bristolProgram(aes, { owners: { '0': 'party1', '1': 'party0' } });
    const b = await runGarbledLocally(swapped, { party1: { '0': K }, party0: { '1': P } });
    expect(values(b.outputs.party0['0'])).toEqual([C]);
    expect(a.andGates).toBe(6400);
  });

  it('adder64 and mult64 agree with BigInt', async () => {
    const add = bristolProgram(await readBristolFile(`${BRISTOL}/adder64.txt`));
    const mul = bristolProgram(await readBristolFile(`${BRISTOL}/mult64.txt`));
    const M = (1n << 64n) - 1n;
    for (const [x, y] of [
      [M, 2n],
      [0xfedcba9876543210n, 0x0123456789abcdefn],
      [12345678901234567n, 98765432109876543n],
    ]) {
      const r1 = await runGarbledLocally(add, { party0: { '0': x }, party1: { '1': y } });
      expect(values(r1.outputs.party1['0'])).toEqual([(x + y) & M]);
      const r2 = await runGarbledLocally(mul, { party0: { '0': x }, party1: { '1': y } });
      expect(values(r2.outputs.party0['0'])).toEqual([(x * y) & M]);
    }
  });

  it("the garbler's and the evaluator's edge inputs (0, all ones, single bits, patterns) give both parties the right sums", async () => {
    const add = bristolProgram(await readBristolFile(`${BRISTOL}/adder64.txt`));
    const M = (1n << 64n) - 1n;
    const edges = [0n, M, 1n, 1n << 63n, 0xffffffffn, 0x5555555555555555n, 0xaaaaaaaaaaaaaaaan];
    for (const [x, y] of [
      ...edges.map((e) => [e, 0n]),
      ...edges.map((e) => [0n, e]),
      [M, 1n],
      [1n << 63n, 1n << 63n],
    ]) {
      const r = await runGarbledLocally(add, { party0: { '0': x }, party1: { '1': y } });
      expect(values(r.outputs.party0['0']), `${x} + ${y} (garbler)`).toEqual([(x + y) & M]);
      expect(values(r.outputs.party1['0']), `${x} + ${y} (evaluator)`).toEqual([(x + y) & M]);
    }
  });

  it('IR programs with vectors, signed and fixed types, and per-party outputs match the plaintext evaluator', async () => {
    const b = new CircuitBuilder(['alice', 'bob']);
    const x = b.input('alice', 'x', int(16), 20);
    const y = b.input('bob', 'y', int(16), 20);
    const t = b.input('bob', 't', uint(8));
    b.output('sum', x.add(y).sum(), ['alice', 'bob']);
    b.output('max', x.max(y), ['alice']);
    b.output('sorted', x.sort(), ['bob']);
    b.output('above', x.mul(y).gt(100).cast(uint(8)).sum().add(t), ['bob']);
    const p: Program = b.build();
    const xs = Array.from({ length: 20 }, (_, i) => ((i * 7919) % 601) - 300);
    const ys = Array.from({ length: 20 }, (_, i) => ((i * 104729) % 401) - 200);
    const inputs = { alice: { x: xs }, bob: { y: ys, t: 9 } };
    const want = evaluateProgram(p, encodeInputs(p, inputs));
    const r = await runGarbledLocally(p, inputs);
    expect(Object.keys(r.outputs.alice).sort()).toEqual(['max', 'sum']);
    expect(Object.keys(r.outputs.bob).sort()).toEqual(['above', 'sorted', 'sum']);
    for (const [party, outs] of Object.entries(r.outputs)) {
      for (const [name, col] of Object.entries(outs))
        expect(values(col), `${party}.${name}`).toEqual(values(want[name]));
    }
  });
});

/** Two sessions joined by a channel whose frames can be altered or dropped. */
function pair(
  p: Program,
  inputs: Record<string, Record<string, unknown>>,
  alter?: (from: string, frame: Uint8Array) => Uint8Array | undefined,
  specOf?: (party: string) => Program,
  otContexts?: Record<string, OtContextStore>,
) {
  const sessions = new Map<string, GarbledSession>();
  for (const party of p.parties) {
    const prepared = prepareProgram(specOf ? specOf(party) : p);
    sessions.set(
      party,
      new GarbledSession(
        prepared.spec,
        party,
        inputBits(prepared, party, inputs[party] ?? {}),
        (to, msg) => {
          const m = alter ? alter(party, msg) : msg;
          if (m) setImmediate(() => sessions.get(to)?.handleMessage(party, m));
        },
        { timeoutMs: 5000, otContexts: otContexts?.[party] },
      ),
    );
  }
  return [...sessions.values()].map((s) =>
    s.output().then(
      () => 'ok',
      (e) => e,
    ),
  );
}

describe('garbled 2PC errors', () => {
  const adder = async () => bristolProgram(await readBristolFile(`${BRISTOL}/adder64.txt`));
  const inputs = { party0: { '0': 5n }, party1: { '1': 7n } };

  it('a different circuit on the other side ends both with SetupMismatchError', async () => {
    const p = await adder();
    const other = bristolProgram(await readBristolFile(`${BRISTOL}/sub64.txt`));
    const results = await Promise.all(
      pair(p, inputs, undefined, (party) => (party === 'party1' ? other : p)),
    );
    for (const e of results) expect(hasCode(e, 'SETUP_MISMATCH'), String(e)).toBe(true);
  });

  it('truncated tables end both parties with a typed error', async () => {
    const p = await adder();
    const results = await Promise.all(
      pair(p, inputs, (_from, f) => (f[0] === Tag.TABLES ? f.subarray(0, f.length - 5) : f)),
    );
    for (const e of results) expect(hasCode(e, 'PROTOCOL_VIOLATION'), String(e)).toBe(true);
  });

  it('a corrupted table is detected at output decoding (InvalidOutputLabel), never returned as a value', async () => {
    const p = await adder();
    const results = await Promise.all(
      pair(p, inputs, (_from, f) => {
        if (f[0] !== Tag.TABLES) return f;
        // Flip a bit in both ciphertexts of every gate: the evaluator uses TG or TE of a gate
        // depending on random permute bits, so one flipped ciphertext alone may go unused.
        const g = f.slice();
        for (let i = 1; i < g.length; i += 16) g[i] ^= 0x40;
        return g;
      }),
    );
    for (const e of results) expect(hasCode(e, 'INVALID_OUTPUT_LABEL'), String(e)).toBe(true);
  });

  it('an input byte that is not a bit ends both parties naming its index, never its value', async () => {
    const p = await adder();
    const sessions = new Map<string, GarbledSession>();
    for (const party of p.parties) {
      const prepared = prepareProgram(p);
      const bits = inputBits(prepared, party, inputs[party as keyof typeof inputs]);
      // party1 is the evaluator: its bits go into the OT, checked before anything is sent.
      if (party === 'party1') for (const b of bits.values()) b[3] = 200;
      const send = (to: string, msg: Uint8Array) =>
        setImmediate(() => sessions.get(to)?.handleMessage(party, msg));
      sessions.set(party, new GarbledSession(prepared.spec, party, bits, send, { timeoutMs: 5000 }));
    }
    const results = await Promise.all(
      [...sessions.values()].map((s) =>
        s.output().then(
          () => 'ok',
          (e) => e,
        ),
      ),
    );
    for (const e of results) {
      expect(hasCode(e, 'INVALID_ARGUMENT'), String(e)).toBe(true);
      expect((e as Error).message).toMatch(/input bit 3 is not 0 or 1/);
      expect((e as Error).message).not.toMatch(/200/);
    }
  });

  it('a message of an unexpected kind ends both with ProtocolViolation', async () => {
    const p = await adder();
    const results = await Promise.all(
      pair(p, inputs, (_from, f) =>
        f[0] === Tag.GARBLER_INPUTS ? Uint8Array.of(Tag.OUTPUT_CHECKS, 1, 2) : f,
      ),
    );
    for (const e of results) expect(hasCode(e, 'PROTOCOL_VIOLATION'), String(e)).toBe(true);
  });
});

describe('OT extension kept across sessions', () => {
  const mul = () => readBristolFile(`${BRISTOL}/mult64.txt`).then((c) => bristolProgram(c));
  const M = (1n << 64n) - 1n;
  const run = (p: Program, x: bigint, y: bigint, stores: Record<string, OtContextStore>) =>
    runGarbledLocally(p, { party0: { '0': x }, party1: { '1': y } }, { otContexts: stores });

  it('later sessions with the same peer skip the base OTs and stay correct, in either role', async () => {
    const p = await mul();
    const stores = { party0: new OtContextStore(), party1: new OtContextStore() };
    const runs = [];
    for (let i = 0n; i < 4n; i++) {
      const x = 0xfedcba9876543210n + i;
      const y = 0x0123456789abcdefn * (i + 1n);
      const r = await run(p, x, y, stores);
      expect(values(r.outputs.party0['0'])).toEqual([(x * y) & M]);
      runs.push(r.resumedOt);
    }
    expect(runs).toEqual([false, true, true, true]);
    // The other party garbles: a context of its own role, set up once.
    const swapped = bristolProgram(await readBristolFile(`${BRISTOL}/mult64.txt`), {
      owners: { '0': 'party1', '1': 'party0' },
      parties: ['party1', 'party0'],
    });
    const a = await runGarbledLocally(
      swapped,
      { party1: { '0': 3n }, party0: { '1': 5n } },
      { otContexts: stores },
    );
    const b = await runGarbledLocally(
      swapped,
      { party1: { '0': 7n }, party0: { '1': 9n } },
      { otContexts: stores },
    );
    expect([a.resumedOt, b.resumedOt]).toEqual([false, true]);
    expect(values(b.outputs.party1['0'])).toEqual([63n]);
  });

  it('a party without the context, or a failed session, makes the next session start afresh', async () => {
    const p = await mul();
    const stores = { party0: new OtContextStore(), party1: new OtContextStore() };
    await run(p, 2n, 3n, stores);
    stores.party1.clear();
    const fresh = await run(p, 4n, 5n, stores);
    expect(fresh.resumedOt).toBe(false);
    expect(values(fresh.outputs.party0['0'])).toEqual([20n]);
    // A session that fails part-way (truncated tables) drops both contexts.
    const failed = await Promise.all(
      pair(
        p,
        { party0: { '0': 1n }, party1: { '1': 1n } },
        (_f, m) => (m[0] === Tag.TABLES ? m.subarray(0, 9) : m),
        undefined,
        stores,
      ),
    );
    for (const e of failed) expect(hasCode(e, 'PROTOCOL_VIOLATION'), String(e)).toBe(true);
    const after = await run(p, 6n, 7n, stores);
    expect(after.resumedOt).toBe(false);
    expect(values(after.outputs.party0['0'])).toEqual([42n]);
  });
});
