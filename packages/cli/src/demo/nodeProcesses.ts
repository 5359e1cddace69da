/**
 * Party nodes as child processes of the CLI (`parley node start --node DIR`),
 * for `parley demo`: each node's JSON log lines go to DIR/node.log; a node
 * counts as up when it logs "node started". `stopAll` ends them with SIGTERM,
 * then SIGKILL after a grace period, and waits until every process is gone,
 * so nothing is left behind. The end-to-end tests run their nodes with it
 * too. Nodes run with the engines' V8 flags, as the `parley` bin does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { InternalError, Timeout } from '@parley/interface';
import { ENGINE_V8_FLAGS } from '@parley/node';

const CLI = fileURLToPath(new URL('../../bin/parley.js', import.meta.url));
const STOP_GRACE_MS = 5000;

export class NodeProcesses {
  private readonly children = new Map<string, ChildProcess>();

  /** Starts the node of `dir` under `name`; resolves with its API address (host:port) once it is up. */
  start(name: string, dir: string, timeoutMs = 30_000): Promise<string> {
    const child = spawn(process.execPath, [...ENGINE_V8_FLAGS, CLI, 'node', 'start', '--node', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.set(name, child);
    const log = createWriteStream(join(dir, 'node.log'), { flags: 'a' });
    child.stderr?.pipe(log, { end: false });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Timeout(`node ${name} did not start within ${timeoutMs} ms (see ${dir}/node.log)`)),
        timeoutMs,
      );
      createInterface({ input: child.stdout! }).on('line', (line) => {
        log.write(`${line}\n`);
        try {
          const entry = JSON.parse(line) as { msg?: string; api?: string };
          if (entry.msg === 'node started' && entry.api) {
            clearTimeout(timer);
            resolve(entry.api);
          }
        } catch {
          // not a log line; kept in node.log
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        log.end();
        reject(
          new InternalError(
            `node ${name} exited (${signal ?? `code ${code}`}); see ${join(dir, 'node.log')}`,
          ),
        );
      });
    });
  }

  /** Kills `name`'s node at once (SIGKILL) and waits until its process has exited. */
  async kill(name: string): Promise<void> {
    const child = this.children.get(name);
    this.children.delete(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Stops every node and waits until each process has exited. */
  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.children.values()].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
    this.children.clear();
  }
}
