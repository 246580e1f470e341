import type { ExecutionResult } from 'graphql';
import { atDeadline } from '@curbside/async';
import { notFound, unauthenticated } from '@curbside/errors';

export interface LiveResultsOptions {
  /** The source event stream (from `createSourceEventStream`). */
  source: AsyncIterator<unknown>;
  /** Executes the operation for one event, with a context of its own. */
  execute: (payload: unknown) => Promise<ExecutionResult>;
  /** When the viewer's access token expires, in epoch milliseconds; null for an anonymous viewer. */
  expiresAtMs: number | null;
  /**
   * The history id of the event the source last returned, if it has one: sent as `extensions.eventId`, so a
   * subscriber that reconnects can resume after it.
   */
  lastEventId?: () => string | null;
}

const ends = Symbol('ends the subscription');

/**
 * NOT_FOUND for the entity a subscription follows, thrown by its `resolve`: the event is delivered with this
 * error and the stream then ends (no event can follow for a deleted entity). A plain NOT_FOUND does not end it.
 */
export function subscribedEntityGone(what: string): Error {
  return Object.assign(notFound(what), { [ends]: true });
}

/** True when the event's root field failed with `subscribedEntityGone`. */
function entityGone(result: ExecutionResult): boolean {
  return (result.errors ?? []).some((error) => (error.originalError as { [ends]?: true } | undefined)?.[ends]);
}

/**
 * The results of a subscription, one per source event, each executed on its own (so every event reads current
 * data with fresh loaders). `return()` releases the source at once, even while a `next()` awaits it. The stream
 * ends with an UNAUTHENTICATED error when the viewer's token expires, and after an event whose subscribed entity
 * is gone (`subscribedEntityGone`). It keeps no queue of its own: events wait in the source (a pubsub
 * subscription, whose `BoundedQueue` drops the oldest) and each is executed when it is read.
 */
export class LiveResults implements AsyncIterableIterator<ExecutionResult> {
  #done = false;
  #expired = false;
  #cancelExpiry: () => void = () => undefined;
  /** Wakes the pending `next()` on expiry; one at a time, so a long stream keeps no reaction per event. */
  #onExpiry: (() => void) | null = null;

  readonly #options: LiveResultsOptions;

  constructor(options: LiveResultsOptions) {
    this.#options = options;
    if (options.expiresAtMs !== null) {
      this.#cancelExpiry = atDeadline(options.expiresAtMs, () => {
        this.#expired = true;
        this.#onExpiry?.();
      });
    }
  }

  async next(): Promise<IteratorResult<ExecutionResult, undefined>> {
    if (this.#done) return { value: undefined, done: true };
    if (this.#expired) return this.#expire();
    const expiry = new Promise<'expired'>((resolve) => (this.#onExpiry = () => resolve('expired')));
    const event = await Promise.race([this.#options.source.next(), expiry]).finally(() => (this.#onExpiry = null));
    if (event === 'expired') return this.#expire();
    if (event.done || this.#done) {
      await this.return();
      return { value: undefined, done: true };
    }
    const eventId = this.#options.lastEventId?.() ?? null;
    const executed = await this.#options.execute(event.value);
    if (entityGone(executed)) await this.return();
    const result = eventId ? { ...executed, extensions: { ...executed.extensions, eventId } } : executed;
    return { value: result, done: false };
  }

  async return(): Promise<IteratorResult<ExecutionResult, undefined>> {
    if (!this.#done) {
      this.#done = true;
      this.#cancelExpiry();
      await this.#options.source.return?.();
    }
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<ExecutionResult, undefined>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async #expire(): Promise<never> {
    await this.return();
    throw unauthenticated('The access token has expired; sign in again and resubscribe.');
  }
}
