/**
 * Suite `ot`: IKNP random and correlated OT throughput, base-OT setup time
 * and bytes per OT.
 *
 * `ot.random_ot_per_s` counts complete random OTs delivered to both sides per
 * second of wall-clock time, both sides' work included: the sender and the
 * receiver run in two worker threads (one per core) connected by a
 * MessageChannel (in-memory, buffers transferred), each calling
 * `random(batch, out)` in a loop into output buffers it reuses (as a consumer
 * of OTs would); the receiver may run at most two batches ahead.
 * The rate is measured from the moment both have finished their base OTs to
 * the moment both have their last batch. `..._single_thread` runs both sides
 * on one thread over an in-process channel.
 */
import {
  isMainThread,
  MessageChannel,
  type MessagePort,
  parentPort,
  Worker,
  workerData,
} from 'node:worker_threads';
import { IknpReceiver, IknpSender, memoryChannelPair, messagePortChannel } from '@parley/ot';
import type { BenchSuite } from '../harness.js';

type Role = 'sender' | 'receiver';
type Kind = 'random' | 'correlated';

interface RoleData {
  otBenchRole: Role;
  ot: MessagePort;
  flow: MessagePort;
  batchSize: number;
}

interface Go {
  kind: Kind;
  batches: number;
}

/** Worker body: one side of the OT session, driven by 'go' messages from the main thread. */
async function runRole({ otBenchRole: role, ot, flow, batchSize }: RoleData): Promise<void> {
  const port = parentPort as MessagePort;
  const channel = messagePortChannel(ot);
  const sender = role === 'sender' ? new IknpSender(channel) : undefined;
  const receiver = role === 'receiver' ? new IknpReceiver(channel) : undefined;
  // Inputs and output buffers prepared once, outside the timed runs; the
  // outputs are reused per batch, as a consumer of OTs would.
  const choices = new Uint8Array(batchSize);
  for (let j = 0; j < batchSize; j++) choices[j] = (j * 2654435761) >>> 31;
  const m0 = new Uint8Array(16 * batchSize);
  const m1 = new Uint8Array(16 * batchSize);
  const t0 = performance.now();
  await (sender ?? receiver)?.setup();
  port.postMessage({ ready: performance.now() - t0 });
  let acks = 0;
  let wake: (() => void) | undefined;
  flow.on('message', () => {
    acks++;
    wake?.();
  });
  port.on('message', async (go: Go | 'exit') => {
    if (go === 'exit') {
      channel.detach();
      flow.close();
      port.close();
      return;
    }
    const startAcks = acks;
    for (let b = 0; b < go.batches; b++) {
      if (sender) {
        if (go.kind === 'random') await sender.random(batchSize, { m0, m1 });
        else await sender.correlated(batchSize, m0);
        flow.postMessage(b);
      } else if (receiver) {
        // At most two batches ahead of the sender: bounded memory in the channel.
        while (acks - startAcks < b - 2) await new Promise<void>((resolve) => (wake = resolve));
        if (go.kind === 'random') await receiver.random(choices, m0);
        else await receiver.correlated(choices, m0);
      }
    }
    port.postMessage({ done: true });
  });
}

if (!isMainThread && (workerData as Partial<RoleData> | undefined)?.otBenchRole) {
  await runRole(workerData as RoleData);
}

class TwoWorkers {
  private readonly workers: Worker[] = [];
  setupMs = 0;

  async start(batchSize: number): Promise<void> {
    const ot = new MessageChannel();
    const flow = new MessageChannel();
    const roles: [Role, MessagePort, MessagePort][] = [
      ['sender', ot.port1, flow.port1],
      ['receiver', ot.port2, flow.port2],
    ];
    const ready = roles.map(([role, otPort, flowPort]) => {
      const w = new Worker(new URL(import.meta.url), {
        workerData: { otBenchRole: role, ot: otPort, flow: flowPort, batchSize },
        transferList: [otPort, flowPort],
      });
      this.workers.push(w);
      return new Promise<number>((resolve, reject) => {
        w.once('error', reject);
        w.once('message', (m: { ready: number }) => resolve(m.ready));
      });
    });
    this.setupMs = Math.max(...(await Promise.all(ready)));
  }

  /** Wall-clock ms for both sides to finish `batches` batches. */
  async run(go: Go): Promise<number> {
    const done = this.workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.once('error', reject);
          w.once('message', () => resolve());
        }),
    );
    const t0 = performance.now();
    for (const w of this.workers) w.postMessage(go);
    await Promise.all(done);
    return performance.now() - t0;
  }

  async stop(): Promise<void> {
    for (const w of this.workers) w.postMessage('exit');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const suite: BenchSuite = {
  name: 'ot',
  async run(ctx) {
    const batchSize = ctx.quick ? 1 << 20 : 1 << 21;
    const batches = ctx.quick ? 8 : 16;
    const reps = ctx.quick ? 5 : 9;

    const pair = new TwoWorkers();
    await pair.start(batchSize);
    try {
      ctx.record('ot.base_ot_setup_ms', 'ms', pair.setupMs);
      await pair.run({ kind: 'random', batches: 2 });
      for (const kind of ['random', 'correlated'] as const) {
        const rates: number[] = [];
        for (let r = 0; r < reps; r++) {
          const ms = await pair.run({ kind, batches });
          rates.push((batches * batchSize) / (ms / 1000));
        }
        ctx.record(`ot.${kind}_ot_per_s`, 'OT/s', median(rates), reps);
      }
    } finally {
      await pair.stop();
    }

    // Both sides on this thread, for reference.
    const [a, b] = memoryChannelPair();
    const sender = new IknpSender(a);
    const receiver = new IknpReceiver(b);
    await Promise.all([sender.setup(), receiver.setup()]);
    const choices = new Uint8Array(batchSize).map((_, j) => j & 1);
    const one = async () => {
      await Promise.all([sender.random(batchSize), receiver.random(choices)]);
    };
    await one();
    const times: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      await one();
      times.push(performance.now() - t0);
    }
    ctx.record('ot.random_ot_per_s_single_thread', 'OT/s', batchSize / (median(times) / 1000), reps);
    const bytesBefore = b.bytesSent;
    await one();
    ctx.record('ot.bytes_per_ot', 'B/OT', (b.bytesSent - bytesBefore) / batchSize);
  },
};
export default suite;
