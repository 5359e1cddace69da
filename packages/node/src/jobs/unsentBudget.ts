/**
 * Back-pressure across a worker thread's port. A worker posts its messages to
 * the main thread at once, and the main thread hands them to the transport one
 * after another; without a bound, a peer that stops reading would make the
 * node hold everything the worker goes on producing. The worker counts what
 * it posted (`add`), the main thread acknowledges what the transport took
 * (`sent`), and past `limit` bytes in between the worker's send waits.
 */

/** Bytes a worker may have posted that the main thread has not yet handed to the transport. */
export const MAX_UNSENT_BYTES = 16 * 1024 * 1024;

export class UnsentBudget {
  #unsent = 0;
  #waiters: Array<{ resolve(): void; reject(e: Error): void }> = [];
  #failure: Error | undefined;

  constructor(readonly limit = MAX_UNSENT_BYTES) {}

  /** The error `fail` was given, if any. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /**
   * Counts `bytes` just posted. Within the limit, returns nothing (go on);
   * past it, a promise that resolves when enough has been sent, or rejects
   * with the failure. The rejection is also handled here, since some callers
   * ignore the promise of a send.
   */
  add(bytes: number): undefined | Promise<void> {
    this.#unsent += bytes;
    if (this.#unsent <= this.limit) return undefined;
    const wait = this.#failure
      ? Promise.reject(this.#failure)
      : new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    wait.catch(() => {});
    return wait;
  }

  /** The main thread handed `bytes` to the transport. */
  sent(bytes: number): void {
    this.#unsent -= bytes;
    if (this.#unsent > this.limit) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.resolve();
  }

  /** No more sends will be taken: every waiting send rejects with `error` (the first one given). */
  fail(error: Error): void {
    this.#failure ??= error;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(this.#failure);
  }
}

/**
 * Main-thread side: forwards a worker's messages to `send` in order per
 * destination, each after the one before it has been taken, and calls
 * `acknowledge` with its size once it has (or has failed: the budget must
 * not stay spent).
 */
export class OrderedSends {
  readonly #chains = new Map<string, Promise<void>>();

  constructor(
    private readonly send: (to: string, bytes: Uint8Array) => Promise<void> | undefined | void,
    private readonly onError: (e: unknown) => void,
    private readonly acknowledge: (bytes: number) => void,
  ) {}

  push(to: string, bytes: Uint8Array): void {
    const previous = this.#chains.get(to) ?? Promise.resolve();
    this.#chains.set(
      to,
      previous
        .then(() => this.send(to, bytes))
        .catch((e: unknown) => this.onError(e))
        .finally(() => this.acknowledge(bytes.byteLength)),
    );
  }

  /** Settles when every message pushed so far has been taken (or has failed). */
  settled(): Promise<unknown> {
    return Promise.all(this.#chains.values());
  }
}
