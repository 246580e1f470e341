/** What a subscriber reads: an async iterator that can be released at any moment. */
export interface Subscription<T> extends AsyncIterableIterator<T> {
  /** Events dropped because this subscriber's buffer was full (the oldest go first). */
  readonly dropped: number;
  /** Resolves once Redis confirmed the subscription: events published from then on are delivered. */
  readonly ready: Promise<void>;
  /**
   * The history id of the event the last `next()` returned (see `PubSub.replay`): what a client that reconnects
   * resumes after. Null before the first event, and for pattern subscriptions, which cannot be replayed.
   */
  readonly lastEventId: string | null;
  next(): Promise<IteratorResult<T, undefined>>;
  /** Releases the subscription at once, even while a `next()` is pending (which then resolves done). */
  return(): Promise<IteratorResult<T, undefined>>;
  /** Releases the subscription and rejects with `error`. */
  throw(error?: unknown): Promise<IteratorResult<T, undefined>>;
}

/**
 * One local subscriber: a bounded buffer filled by `push` and drained by `next`. Written as a class and not
 * as an `async function*`: a generator cannot run `return()` while it is suspended in an `await`, so a
 * client leaving would keep the Redis subscription until the next event arrived.
 */
export class BufferedSubscription<T> implements Subscription<T> {
  #buffer: { value: T; id: string | null }[] = [];
  #lastEventId: string | null = null;
  #waiting: { resolve: (result: IteratorResult<T, undefined>) => void; reject: (error: unknown) => void } | null = null;
  #finished = false;
  #failure: { error: unknown } | null = null;
  #dropped = 0;
  readonly ready: Promise<void>;
  readonly #capacity: number;
  readonly #release: () => void;
  readonly #onDrop: () => void;

  /**
   * @param capacity events kept while nobody reads; the oldest is dropped beyond it
   * @param release called once, when the subscription ends (return, throw or fail)
   * @param ready the Redis subscription's confirmation
   * @param onDrop called for each dropped event (for a process-wide count)
   */
  constructor(capacity: number, release: () => void, ready: Promise<void>, onDrop: () => void = () => undefined) {
    this.#capacity = capacity;
    this.#release = release;
    this.ready = ready;
    this.#onDrop = onDrop;
  }

  get dropped(): number {
    return this.#dropped;
  }

  get lastEventId(): string | null {
    return this.#lastEventId;
  }

  /** Delivers one event: to a pending `next()`, or into the buffer (dropping the oldest when full). */
  push(value: T, id: string | null = null): void {
    if (this.#finished) return;
    if (this.#waiting) {
      const { resolve } = this.#waiting;
      this.#waiting = null;
      this.#lastEventId = id;
      resolve({ value, done: false });
      return;
    }
    this.#buffer.push({ value, id });
    if (this.#buffer.length > this.#capacity) {
      this.#buffer.shift();
      this.#dropped++;
      this.#onDrop();
    }
  }

  /** Ends the subscription once the buffered events are read (a finite stream, such as a replay). */
  end(): void {
    if (this.#finished) return;
    this.#finish();
    if (this.#waiting && this.#buffer.length === 0) {
      const { resolve } = this.#waiting;
      this.#waiting = null;
      resolve({ value: undefined, done: true });
    }
  }

  /** Ends the subscription with an error: a pending or the next `next()` rejects, later ones are done. */
  fail(error: unknown): void {
    if (this.#finished) return;
    this.#finish();
    if (this.#waiting) {
      const { reject } = this.#waiting;
      this.#waiting = null;
      reject(error);
    } else {
      this.#failure = { error };
    }
  }

  next(): Promise<IteratorResult<T, undefined>> {
    const buffered = this.#buffer.shift();
    if (buffered) {
      this.#lastEventId = buffered.id;
      return Promise.resolve({ value: buffered.value, done: false });
    }
    if (this.#failure) {
      const { error } = this.#failure;
      this.#failure = null;
      return Promise.reject(error);
    }
    if (this.#finished) return Promise.resolve({ value: undefined, done: true });
    if (this.#waiting) return Promise.reject(new Error('next() called again before the previous call settled'));
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.#buffer = [];
    this.#failure = null;
    if (!this.#finished) this.#finish();
    if (this.#waiting) {
      const { resolve } = this.#waiting;
      this.#waiting = null;
      resolve({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  async throw(error?: unknown): Promise<IteratorResult<T, undefined>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #finish(): void {
    this.#finished = true;
    this.#release();
  }
}
