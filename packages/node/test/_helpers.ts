import type { ParleyError } from '@parley/interface';

/** The error `p` rejects with; fails the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<ParleyError> {
  try {
    await p;
  } catch (e) {
    return e as ParleyError;
  }
  throw new Error('expected a rejection');
}
