import { BoundedQueue, type DeadlineSet, type Expiring } from '@curbside/async';

export interface ClientStreamOptions {
  /** Events held for a client that reads slower than they arrive; the oldest is dropped past this. */
  capacity: number;
  /** Called for every event dropped because the queue was full. */
  onDrop: () => void;
  /** Called once, when the stream ends for any reason (client gone, or it read the completion or failure). */
  onRelease: () => void;
  /**
   * When the stream must end with `expiryError` (the access token's expiry), in epoch ms, and the deadlines it
   * waits among (one set for every stream of the process, on one timer); null: never.
   */
  expiry: { atMs: number; deadlines: DeadlineSet<Expiring> } | null;
  expiryError: () => Error;
}

/**
 * One client's view of a subscription: a bounded queue that drops the oldest event when full, so a slow
 * client never holds up the upstream it shares with others, and that fails with `expiryError` (after the events
 * already queued) when the client's access token expires. `return()` releases the upstream at once, even while
 * a `next()` is waiting (see `BoundedQueue`).
 */
export class ClientStream<T> extends BoundedQueue<T> implements Expiring {
  readonly #expiryError: () => Error;

  constructor(options: ClientStreamOptions) {
    const { expiry } = options;
    let leaveDeadlines = () => undefined as void;
    super({
      capacity: options.capacity,
      onDrop: options.onDrop,
      onRelease: () => {
        leaveDeadlines();
        options.onRelease();
      },
    });
    this.#expiryError = options.expiryError;
    if (expiry) {
      expiry.deadlines.add(expiry.atMs, this);
      leaveDeadlines = () => expiry.deadlines.delete(expiry.atMs, this);
    }
  }

  /** The access token expired: the client reads what is queued, then the expiry error. */
  expire(): void {
    this.fail(this.#expiryError());
  }
}
