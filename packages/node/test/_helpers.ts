import type { Consortium, ParleyError } from '@parley/interface';
import type { Session, WsEndpoint } from '@parley/transport';

/** The error `p` rejects with; fails the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<ParleyError> {
  try {
    await p;
  } catch (e) {
    return e as ParleyError;
  }
  throw new Error('expected a rejection');
}

/** bankA and bankB with made-up keys, at 127.0.0.1 ports `firstPort` and the next (never dialled). */
export function twoBanks(firstPort: number): Consortium {
  return {
    parties: ['bankA', 'bankB'].map((name, i) => ({
      name,
      publicKey: `${i + 1}`.repeat(64),
      address: `127.0.0.1:${firstPort + i}`,
    })),
  };
}

/**
 * An endpoint whose sessions open at once and never take a message: a job
 * fails when it first sends. What its sessions are aborted with goes to `aborted`.
 */
export function silentEndpoint(aborted: ParleyError[]): WsEndpoint {
  return {
    async openSession(id: string): Promise<Session> {
      return {
        id,
        ended: new Promise(() => {}),
        abort: (e: ParleyError) => aborted.push(e),
        close: async () => {},
      } as unknown as Session;
    },
  } as unknown as WsEndpoint;
}
