/**
 * Runs a garbled session between two parties in this process over real
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

export async function runGarbledOverLoopbackTls(
  program: Program,
  inputs: PlainInputs,
): Promise<LoopbackResult> {
  const parties = program.parties.slice(0, 2);
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
    const sessions = await Promise.all(endpoints.map((e) => e.openSession('circuit-run', [...parties])));
    const t0 = performance.now();
    const runs = parties.map((party, i) => {
      const job = garbledJob(program, party, inputs[party] ?? {});
      const s = GarbledSession.forJob(job, party, (to, bytes) => sessions[i].send(to, bytes));
      sessions[i].onMessage((from, bytes) => s.handleMessage(from, bytes));
      return s;
    });
    const outputs: Record<string, Record<string, Column>> = {};
    await Promise.all(
      runs.map(async (s, i) => {
        outputs[parties[i]] = outputColumns(program, await s.output());
      }),
    );
    const ms = performance.now() - t0;
    const bytes = runs.reduce((sum, s) => sum + s.stats().bytesSent, 0);
    await Promise.all(sessions.map((s) => s.close()));
    return { outputs, andGates: runs[0].stats().andGates, bytes, ms };
  } finally {
    await Promise.all(endpoints.map((e) => e.close()));
  }
}
