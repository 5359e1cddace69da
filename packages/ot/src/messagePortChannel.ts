/**
 * An OtChannel over a worker_threads MessagePort: sender and receiver in two
 * threads (the benchmark runs them so, one per core). Each message's buffer is
 * transferred, not copied, when the message spans its whole ArrayBuffer.
 * `close(error)` posts an abort notice; the peer's receives then reject with
 * SessionClosed naming the error's code.
 */
import type { MessagePort } from 'node:worker_threads';
import { MalformedFrame, SessionClosed } from '@parley/interface';
import type { OtChannel } from './channel.js';

interface Abort {
  abort: string;
  message: string;
}

export function messagePortChannel(port: MessagePort): Required<OtChannel> & { detach(): void } {
  const queue: Uint8Array[] = [];
  const waiters: { resolve(b: Uint8Array): void; reject(e: Error): void }[] = [];
  let closed: Error | undefined;

  const shut = (error: Error) => {
    if (closed) return;
    closed = error;
    queue.length = 0;
    for (const w of waiters.splice(0)) w.reject(error);
  };
  const onMessage = (data: unknown) => {
    if (closed) return;
    if (data instanceof Uint8Array) {
      const w = waiters.shift();
      if (w) w.resolve(data);
      else queue.push(data);
    } else if (data && typeof data === 'object' && 'abort' in data) {
      const a = data as Abort;
      shut(new SessionClosed(`OT channel closed by peer (${a.abort}): ${a.message}`, { reason: a.abort }));
    } else {
      // Nothing else is sent on this channel: a waiting receive would wait for ever.
      const error = new MalformedFrame(
        'the OT channel received a message that is neither bytes nor an abort',
      );
      port.postMessage({ abort: error.code, message: error.message } satisfies Abort);
      shut(error);
    }
  };
  port.on('message', onMessage);

  return {
    send(bytes) {
      if (closed) throw closed;
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      if (whole && bytes.buffer instanceof ArrayBuffer) port.postMessage(bytes, [bytes.buffer]);
      else port.postMessage(bytes.slice());
    },
    recv() {
      const next = queue.shift();
      if (next) return Promise.resolve(next);
      if (closed) return Promise.reject(closed);
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    close(error) {
      if (closed) return;
      const code = 'code' in error && typeof error.code === 'string' ? error.code : 'ERROR';
      port.postMessage({ abort: code, message: error.message } satisfies Abort);
      shut(new SessionClosed(`OT channel closed (${code}): ${error.message}`, { reason: code }));
    },
    detach() {
      port.off('message', onMessage);
    },
  };
}
