/** setTimeout's largest delay (about 24.8 days); a later deadline is checked again when it fires. */
const maxTimerMs = 2 ** 31 - 1;

export interface ClientStreamOptions {
  /** Events held for a client that reads slower than they arrive; the oldest is dropped past this. */
  capacity: number;
  /** Called for every event dropped because the queue was full. */
  onDrop: () => void;
  /** Called once, when the stream ends for any reason (client gone, completed, failed). */
  onRelease: () => void;
  /** When the stream must end with `expiryError` (the access token's expiry), in epoch ms; null: never. */
  expiresAtMs: number | null;
  expiryError: () => Error;
}

/**
 * One client's view of a subscription: a bounded queue that drops the oldest event when full, so a slow
 * client never holds up the upstream it shares with others. Implements `next`, `return` and `throw` itself:
 * `return()` releases the upstream at once, even while a `next()` is waiting (an `async function*` would only
 * notice at its next `yield`).
 */
export class ClientStream<T> implements AsyncIterableIterator<T> {
  readonly #options: ClientStreamOptions;
  readonly #queue: T[] = [];
  #waiter: { resolve: (result: IteratorResult<T, undefined>) => void; reject: (error: unknown) => void } | null = null;
  #ending: 'complete' | { error: unknown } | null = null;
  #released = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ClientStreamOptions) {
    this.#options = options;
    if (options.expiresAtMs !== null) this.#armExpiry(options.expiresAtMs);
  }

  get released(): boolean {
    return this.#released;
  }

  /** Queues an event (or hands it to a waiting `next()`). */
  push(value: T): void {
    if (this.#ending || this.#released) return;
    if (this.#waiter) {
      const { resolve } = this.#waiter;
      this.#waiter = null;
      resolve({ value, done: false });
      return;
    }
    if (this.#queue.length >= this.#options.capacity) {
      this.#queue.shift();
      this.#options.onDrop();
    }
    this.#queue.push(value);
  }

  /** Ends the stream normally once the queued events are read. */
  complete(): void {
    if (this.#ending || this.#released) return;
    this.#ending = 'complete';
    this.#settleWaiter();
  }

  /** Ends the stream with an error once the queued events are read; `next()` then rejects with it. */
  fail(error: unknown): void {
    if (this.#ending || this.#released) return;
    this.#ending = { error };
    this.#settleWaiter();
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    if (this.#queue.length > 0) return { value: this.#queue.shift()!, done: false };
    if (this.#released) return { value: undefined, done: true };
    if (this.#ending) return this.#finish();
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    this.#queue.length = 0;
    this.#release();
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.resolve({ value: undefined, done: true });
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<T, undefined>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #settleWaiter(): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    this.#waiter = null;
    this.#finish().then(waiter.resolve, waiter.reject);
  }

  async #finish(): Promise<IteratorResult<T, undefined>> {
    const ending = this.#ending;
    this.#release();
    if (ending && ending !== 'complete') throw ending.error;
    return { value: undefined, done: true };
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    clearTimeout(this.#timer);
    this.#options.onRelease();
  }

  #armExpiry(expiresAtMs: number): void {
    const delay = expiresAtMs - Date.now();
    if (delay <= 0) {
      this.fail(this.#options.expiryError());
      return;
    }
    this.#timer = setTimeout(() => this.#armExpiry(expiresAtMs), Math.min(delay, maxTimerMs));
    this.#timer.unref();
  }
}
