/** Test harness: seeded sessions over the in-process channel pair, and typed-error expectations. */
import { randomBytes } from 'node:crypto';
import { fromHex, SeededPrg, sha256, toHex } from '@parley/crypto';
import { hasCode, ParleyError } from '@parley/interface';
import { expect } from 'vitest';
import {
  IknpReceiver,
  type IknpReceiverOptions,
  IknpSender,
  type IknpSenderOptions,
  type MemoryChannelOptions,
  type MemoryOtChannel,
  memoryChannelPair,
} from '../src/index.js';

/** A master seed for this test file (printed; PARLEY_TEST_SEED replays it) and a derivation of per-role seeds. */
export function testSeed(label: string): (role: string) => SeededPrg {
  const master = process.env.PARLEY_TEST_SEED ?? toHex(randomBytes(16));
  console.log(`${label}: seed ${master} (set PARLEY_TEST_SEED to replay)`);
  return (role) => new SeededPrg(sha256(fromHex(master), new TextEncoder().encode(role)).subarray(0, 16));
}

export interface Session {
  sender: IknpSender;
  receiver: IknpReceiver;
  /** Channel ends: a is the sender's, b the receiver's. */
  a: MemoryOtChannel;
  b: MemoryOtChannel;
}

export function session(
  prg: (role: string) => SeededPrg,
  options: {
    channel?: MemoryChannelOptions;
    sender?: IknpSenderOptions;
    receiver?: IknpReceiverOptions;
    tag?: string;
  } = {},
): Session {
  const [a, b] = memoryChannelPair(options.channel);
  const tag = options.tag ?? '';
  const sender = new IknpSender(a, { random: prg(`sender${tag}`), ...options.sender });
  const receiver = new IknpReceiver(b, { random: prg(`receiver${tag}`), ...options.receiver });
  return { sender, receiver, a, b };
}

/** Random choice bits (one byte each) from `prg`. */
export function choiceBits(prg: SeededPrg, n: number): Uint8Array {
  return prg.bytes(n).map((x) => x & 1);
}

/** Awaits `p`, which must reject with a ParleyError of code `code`; returns it. */
export async function rejectsWith(p: Promise<unknown>, code: string): Promise<ParleyError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a rejection with ${code}`).toBeInstanceOf(ParleyError);
  expect((caught as ParleyError).code).toBe(code);
  expect(hasCode(caught, code)).toBe(true);
  return caught as ParleyError;
}

/** -1 when a and b hold the same bytes, else the first differing index. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (
    a.length === b.length &&
    Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))
  ) {
    return -1;
  }
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** t_j expected from q_j: q_j ⊕ r_j·Δ. */
export function correlate(q: Uint8Array, choices: Uint8Array, delta: Uint8Array): Uint8Array {
  const out = q.slice();
  for (let j = 0; j < choices.length; j++) {
    if (choices[j]) for (let i = 0; i < 16; i++) out[16 * j + i] ^= delta[i];
  }
  return out;
}

/** m_{r_j} expected from the sender's pair. */
export function select(m0: Uint8Array, m1: Uint8Array, choices: Uint8Array): Uint8Array {
  const out = m0.slice();
  for (let j = 0; j < choices.length; j++) if (choices[j]) out.set(m1.subarray(16 * j, 16 * j + 16), 16 * j);
  return out;
}
