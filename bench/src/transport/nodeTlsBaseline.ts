/**
 * The floor under `transport.ws_tls.*`: the same bytes over a bare node:tls
 * stream (TLS 1.3, the transport's cipher list, the peer's Ed25519
 * certificate), with no WebSocket, no frames and no sessions. The receiver
 * runs in a worker thread, as the WebSocket bench's peer does; this thread
 * writes `count` messages of `size` bytes under back-pressure (waiting for
 * 'drain'), and the clock stops when the worker has read every byte.
 *
 * The figure is what node's TLS costs on this machine, so the WebSocket
 * figure can be read as a ratio against it (bench/README.md).
 */
import { once } from 'node:events';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createIdentity, TLS_CIPHERS } from '@parley/transport';

interface ReceiverData {
  parleyNodeTlsReceiver: true;
  privateKeyPem: string;
  certificatePem: string;
  bytes: number;
}

type FromReceiver = { port: number } | { received: number };

export interface TlsStreamFigure {
  /** 10^6 bytes per second of wall clock. */
  mbPerS: number;
  /** CPU time of this process (sender and receiver threads) per byte. */
  cpuNsPerByte: number;
}

/** Streams `count` × `size` bytes to a TLS receiver in a worker thread; one connection per call. */
export async function nodeTlsStream(size: number, count: number): Promise<TlsStreamFigure> {
  const identity = await createIdentity('tls-baseline');
  const data: ReceiverData = {
    parleyNodeTlsReceiver: true,
    privateKeyPem: identity.privateKeyPem,
    certificatePem: identity.certificatePem,
    bytes: size * count,
  };
  const worker = new Worker(new URL(import.meta.url), { workerData: data });
  try {
    const [ready] = (await once(worker, 'message')) as [FromReceiver];
    if (!('port' in ready)) throw new Error('node:tls baseline: the receiver sent no port');
    const socket = connect({
      host: '127.0.0.1',
      port: ready.port,
      minVersion: 'TLSv1.3',
      ciphers: TLS_CIPHERS,
      // The baseline measures the record layer; the certificate is this run's own.
      rejectUnauthorized: false,
    });
    await once(socket, 'secureConnect');
    const payload = Buffer.alloc(size, 0x5a);
    const done = once(worker, 'message');
    let finished = false;
    const cutOff = once(socket, 'close').then(() => {
      if (!finished) throw new Error('node:tls baseline: the connection closed before every byte arrived');
    });
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await writeAll(socket, payload, count);
    await Promise.race([done, cutOff]);
    finished = true;
    const seconds = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu);
    socket.destroy();
    const bytes = size * count;
    return { mbPerS: bytes / 1e6 / seconds, cpuNsPerByte: ((used.user + used.system) * 1000) / bytes };
  } finally {
    await worker.terminate();
  }
}

async function writeAll(socket: TLSSocket, payload: Buffer, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (!socket.write(payload)) await once(socket, 'drain');
  }
}

/** The receiver thread: accepts one connection and reports when it has read every byte. */
async function receiverMain(data: ReceiverData): Promise<void> {
  const server = createServer({
    key: data.privateKeyPem,
    cert: data.certificatePem,
    minVersion: 'TLSv1.3',
    ciphers: TLS_CIPHERS,
  });
  server.on('secureConnection', (socket) => {
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= data.bytes) parentPort!.postMessage({ received } satisfies FromReceiver);
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('node:tls baseline: no port');
  parentPort!.postMessage({ port: address.port } satisfies FromReceiver);
  parentPort!.unref();
}

if (!isMainThread && (workerData as ReceiverData | undefined)?.parleyNodeTlsReceiver) {
  await receiverMain(workerData as ReceiverData);
}
