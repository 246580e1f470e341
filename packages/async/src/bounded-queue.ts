export interface BoundedQueueOptions {
  /**
   * Values held while nobody reads, so a slow reader never holds up its producer: past it the oldest is dropped.
   * No default: every queue states its bound. 0 holds nothing (a value is kept only for a reader already waiting).
   */
  capacity: number;
  /** Called for every value dropped because the queue was full (for a process-wide count). Default: none. */
  onDrop?: () => void;
  /**
   * Called once, as soon as the queue takes no more values (`complete`, `fail`, `return` or `throw`): what feeds
   * it can let go, even while the reader is still reading what is queued. Default: none.
   */
  onClose?: () => void;
  /**
   * Called once, when the reader is done: it has read the ending (after every queued value), or called `return`
   * or `throw`. Default: none.
   */
  onRelease?: () => void;
}

type Ending = { failed: false } | { failed: true; error: unknown };

/**
 * An async iterator fed by `push`: a bounded queue that drops the oldest value when full, read by one reader
 * at a time. Endings (`complete`, `fail`) are delivered after the values already queued.
 *
 * Written as a class and not as an `async function*`: a generator suspended in an `await` cannot run
 * `return()` until its next `yield`, so a reader that leaves would hold its producer (an upstream, a Redis
 * channel) until the next value arrived. Here `return()` releases at once, and a pending `next()` resolves done.
 */
export class BoundedQueue<T> implements AsyncIterableIterator<T, undefined> {
  readonly #capacity: number;
  readonly #onDrop: (() => void) | undefined;
  readonly #onClose: (() => void) | undefined;
  readonly #onRelease: (() => void) | undefined;
  #values: T[] = [];
  #waiter: { resolve: (result: IteratorResult<T, undefined>) => void; reject: (error: unknown) => void } | null = null;
  #ending: Ending | null = null;
  #closed = false;
  #released = false;
  #dropped = 0;

  constructor(options: BoundedQueueOptions) {
    const { capacity } = options;
    if (!(Number.isInteger(capacity) || capacity === Infinity) || capacity < 0) {
      throw new RangeError(`expects capacity to be a non-negative integer, but got ${capacity}`);
    }
    this.#capacity = capacity;
    this.#onDrop = options.onDrop;
    this.#onClose = options.onClose;
    this.#onRelease = options.onRelease;
  }

  /** Values dropped so far because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** True once the queue takes no more values (completed, failed, returned or thrown). */
  get closed(): boolean {
    return this.#closed;
  }

  /** True once the reader is done (see `onRelease`). */
  get released(): boolean {
    return this.#released;
  }

  /** Hands a value to the waiting `next()`, or queues it, dropping the oldest when full. Ignored once closed. */
  push(value: T): void {
    if (this.#closed) return;
    if (this.#waiter) {
      const { resolve } = this.#waiter;
      this.#waiter = null;
      resolve({ value, done: false });
      return;
    }
    this.#values.push(value);
    if (this.#values.length > this.#capacity) {
      this.#values.shift();
      this.#dropped++;
      this.#onDrop?.();
    }
  }

  /** Ends the queue normally: `next()` is done once the queued values are read. Ignored once closed. */
  complete(): void {
    this.#end({ failed: false });
  }

  /** Ends the queue with an error: once the queued values are read, `next()` rejects with it, then is done. */
  fail(error: unknown): void {
    this.#end({ failed: true, error });
  }

  /** The next value; rejects if another `next()` is still pending (one reader at a time). */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#values.length > 0) return Promise.resolve({ value: this.#values.shift()!, done: false });
    if (this.#released) return Promise.resolve({ value: undefined, done: true });
    if (this.#ending) return this.#readEnding();
    if (this.#waiter) return Promise.reject(new Error('next() called again before the previous call settled'));
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  /** Discards what is queued and releases at once; a pending `next()` resolves done. Idempotent. */
  return(): Promise<IteratorReturnResult<undefined>> {
    this.#values = [];
    this.#close();
    this.#release();
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.resolve({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Releases like `return()`, then rejects with `error`. */
  async throw(error?: unknown): Promise<IteratorReturnResult<undefined>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #end(ending: Ending): void {
    if (this.#closed) return;
    this.#ending = ending;
    this.#close();
    const waiter = this.#waiter;
    if (!waiter) return;
    // A reader waits only on an empty queue: the ending is what it reads.
    this.#waiter = null;
    this.#readEnding().then(waiter.resolve, waiter.reject);
  }

  #readEnding(): Promise<IteratorResult<T, undefined>> {
    const ending = this.#ending;
    this.#release();
    return ending?.failed ? Promise.reject(ending.error) : Promise.resolve({ value: undefined, done: true });
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose?.();
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#onRelease?.();
  }
}
