import { BoundedQueue } from '@curbside/async';

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
 * One local subscriber: a bounded queue (`BoundedQueue`, oldest dropped) filled by `push` and drained by `next`,
 * which also tracks the history id of the event it returned. `return()` releases the Redis subscription at once,
 * even while a `next()` is pending.
 */
export class BufferedSubscription<T> implements Subscription<T> {
  readonly #queue: BoundedQueue<{ value: T; id: string | null }>;
  #lastEventId: string | null = null;
  readonly ready: Promise<void>;

  /**
   * @param capacity events kept while nobody reads; the oldest is dropped beyond it
   * @param release called once, as soon as the subscription takes no more events (return, throw, end or fail)
   * @param ready the Redis subscription's confirmation
   * @param onDrop called for each dropped event (for a process-wide count)
   */
  constructor(capacity: number, release: () => void, ready: Promise<void>, onDrop: () => void = () => undefined) {
    this.#queue = new BoundedQueue({ capacity, onClose: release, onDrop });
    this.ready = ready;
  }

  get dropped(): number {
    return this.#queue.dropped;
  }

  get lastEventId(): string | null {
    return this.#lastEventId;
  }

  /** Delivers one event: to a pending `next()`, or into the buffer (dropping the oldest when full). */
  push(value: T, id: string | null = null): void {
    this.#queue.push({ value, id });
  }

  /** Ends the subscription once the buffered events are read (a finite stream, such as a replay). */
  end(): void {
    this.#queue.complete();
  }

  /** Ends the subscription with an error, delivered after the buffered events; later `next()` calls are done. */
  fail(error: unknown): void {
    this.#queue.fail(error);
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    const result = await this.#queue.next();
    if (result.done) return result;
    this.#lastEventId = result.value.id;
    return { value: result.value.value, done: false };
  }

  return(): Promise<IteratorResult<T, undefined>> {
    return this.#queue.return();
  }

  throw(error?: unknown): Promise<IteratorResult<T, undefined>> {
    return this.#queue.throw(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
