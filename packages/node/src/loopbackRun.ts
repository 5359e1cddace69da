/**
 * Runs sessions of an engine among parties in this process over real
 * WebSocket connections with mutual TLS 1.3 on 127.0.0.1 (fresh identities,
 * OS-chosen ports): `parley circuit run --transport ws`.
 */
import type { Column, PlainInputs, Program } from '@parley/circuit';
import { GarbledSession, garbledJob, outputColumns } from '@parley/garbled';
import type { Consortium } from '@parley/interface';
import { createIdentity, WsEndpoint } from '@parley/transport';

export interface LoopbackResult {
  outputs: Record<string, Record<string, Column>>;
  andGates: number;
  bytes: number;
  ms: number;
}

/** What the loopback runner needs of an engine session (mpc-framework's EngineSession shape). */
export interface LoopbackSession<T> {
  handleMessage(from: string, bytes: Uint8Array): void;
  output(): Promise<T>;
}

/**
 * Runs one engine session per party in this process, each party with its own
 * fresh identity and TLS WebSocket endpoint on 127.0.0.1 (OS-chosen port),
 * all in one consortium. `start` makes a party's session given its `send`.
 * Resolves with each party's output and the time from the first session's
 * start to the last output (connection setup excluded).
 */
export async function runOverLoopbackTls<S extends LoopbackSession<unknown>>(
  parties: readonly string[],
  start: (party: string, send: (to: string, bytes: Uint8Array) => Promise<void>) => S,
): Promise<{ sessions: S[]; outputs: Array<Awaited<ReturnType<S['output']>>>; ms: number }> {
  const identities = await Promise.all(parties.map((p) => createIdentity(p)));
  const endpoints = await Promise.all(
    identities.map((identity) => WsEndpoint.listen({ identity, host: '127.0.0.1', port: 0 })),
  );
  try {
    const consortium: Consortium = {
      name: 'loopback',
      parties: identities.map((id, i) => ({
        name: id.name,
        publicKey: id.publicKeyHex,
        address: endpoints[i].address,
      })),
    };
    await Promise.all(endpoints.map((e) => e.join(consortium)));
    const links = await Promise.all(endpoints.map((e) => e.openSession('circuit-run', [...parties])));
    const t0 = performance.now();
    const sessions = parties.map((party, i) => {
      const s = start(party, (to, bytes) => links[i].send(to, bytes));
      links[i].onMessage((from, bytes) => s.handleMessage(from, bytes));
      return s;
    });
    const outputs = (await Promise.all(sessions.map((s) => s.output()))) as Array<
      Awaited<ReturnType<S['output']>>
    >;
    const ms = performance.now() - t0;
    await Promise.all(links.map((s) => s.close()));
    return { sessions, outputs, ms };
  } finally {
    await Promise.all(endpoints.map((e) => e.close()));
  }
}

export async function runGarbledOverLoopbackTls(
  program: Program,
  inputs: PlainInputs,
): Promise<LoopbackResult> {
  const parties = program.parties.slice(0, 2);
  const { sessions, outputs, ms } = await runOverLoopbackTls(parties, (party, send) =>
    GarbledSession.forJob(garbledJob(program, party, inputs[party] ?? {}), party, send),
  );
  const byParty: Record<string, Record<string, Column>> = {};
  parties.forEach((party, i) => {
    byParty[party] = outputColumns(program, outputs[i]);
  });
  const bytes = sessions.reduce((sum, s) => sum + s.stats().bytesSent, 0);
  return { outputs: byParty, andGates: sessions[0].stats().andGates, bytes, ms };
}
