/**
 * A run on party nodes that this process sets up and starts itself, as the
 * examples and `parley demo` do. The node directories go in the directory
 * given (kept) or in a fresh temporary one, removed at the end unless kept.
 * The nodes are child processes (NodeProcesses). However the run ends (it
 * returns, it throws, or the process gets SIGINT or SIGTERM), the nodes are
 * stopped and a temporary directory is removed, once, by whoever asks first;
 * after a signal the process then exits with 128 + the signal's number. So no
 * node process and no temporary directory is left behind.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NodeProcesses } from './nodeProcesses.js';
import { type ProgressLines, progressLines, secondsSince } from './progressLines.js';

/** Exit statuses of a process ended by these signals (128 + the signal's number). */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

export interface LocalNodesOptions {
  /**
   * The program, one word, as its messages start: the line on a signal is
   * `NAME: SIGINT: stopping the nodes`, a temporary directory parley-NAME-….
   */
  name: string;
  /** Where the node directories go (kept); a fresh temporary directory when absent. */
  dir?: string;
  /** Keep the temporary directory. */
  keep?: boolean;
  /** Prints that the nodes stopped, and where a kept directory holds them (default: on standard output). */
  say?: ProgressLines;
}

export interface LocalNodes {
  /** The directory the node directories go in (absolute). */
  readonly dir: string;
  /** Whether `dir` stays after the run: it was given, or `keep` was asked for. */
  readonly kept: boolean;
  /** Starts the node of `nodeDir` under `name`; resolves with its API address (host:port) once it is up. */
  start(name: string, nodeDir: string): Promise<string>;
}

/** Runs `run` on nodes it sets up in `dir` and starts; stops them and cleans up however it ends. */
export async function onLocalNodes<T>(
  options: LocalNodesOptions,
  run: (nodes: LocalNodes) => Promise<T>,
): Promise<T> {
  const say = options.say ?? progressLines();
  const dir = options.dir ? resolve(options.dir) : await mkdtemp(join(tmpdir(), `parley-${options.name}-`));
  const kept = options.dir !== undefined || options.keep === true;
  const processes = new NodeProcesses();
  let started = false;
  let stopped: Promise<void> | undefined;
  /** Stops the nodes and removes a temporary directory; once, whoever asks first. */
  const cleanUp = (): Promise<void> => {
    stopped ??= (async () => {
      const t0 = performance.now();
      await processes.stopAll();
      if (started) say('nodes', `stopped in ${secondsSince(t0)}`);
      if (!kept) await rm(dir, { recursive: true, force: true });
      else if (started) say('', `node directories left in ${dir}`);
    })();
    return stopped;
  };
  // Ctrl-C or a kill while the nodes run: stop them before leaving, so no process is left behind.
  // The signal may come twice (from the terminal and from the example runner): act on the first.
  let interrupted = false;
  const onSignal = (signal: keyof typeof SIGNAL_EXIT) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${options.name}: ${signal}: stopping the nodes`);
    void cleanUp().finally(() => process.exit(SIGNAL_EXIT[signal]));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run({
      dir,
      kept,
      start: (name, nodeDir) => {
        started = true;
        return processes.start(name, nodeDir);
      },
    });
  } finally {
    await cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
