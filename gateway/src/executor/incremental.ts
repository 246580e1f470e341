import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';

/** One subsequent payload of `multipart/mixed; deferSpec=20220824`. */
export interface SubsequentPayload {
  hasNext: boolean;
  incremental?: {
    data: Record<string, unknown> | null;
    path: (string | number)[];
    label?: string;
    errors?: GraphQLFormattedError[];
  }[];
}

/** The `Accept` of a client that reads `@defer`red results as Apollo Client does. */
export const deferredDeliveryAccept = 'multipart/mixed; deferSpec=20220824, application/json';

/** True when the request accepts incremental delivery in the format Apollo Client reads (deferSpec=20220824). */
export function acceptsDeferredDelivery(accept: string | null | undefined): boolean {
  return !!accept && /multipart\/mixed/i.test(accept) && /deferSpec\s*=\s*"?20220824"?/i.test(accept);
}

/**
 * Subsequent payloads handed from the executor to the response: Apollo Server's gateway executor returns one
 * result, so the executor returns the initial payload and parks the rest here, keyed by the request's context.
 */
export class DeferredResponses {
  readonly #byContext = new WeakMap<object, AsyncIterable<SubsequentPayload>>();

  park(context: object, payloads: AsyncIterable<SubsequentPayload>): void {
    this.#byContext.set(context, payloads);
  }

  take(context: object): AsyncIterable<SubsequentPayload> | undefined {
    const payloads = this.#byContext.get(context);
    this.#byContext.delete(context);
    return payloads;
  }
}

/**
 * Turns a response whose executor parked subsequent payloads into an incremental one: Apollo Server then writes
 * it as `multipart/mixed; deferSpec=20220824` (the initial payload with `hasNext: true`, then each payload).
 */
export function deferredDeliveryPlugin<Context extends object>(
  responses: DeferredResponses,
): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async willSendResponse({ response }) {
          const payloads = responses.take(contextValue);
          if (!payloads || response.body.kind !== 'single') return;
          response.body = {
            kind: 'incremental',
            initialResult: { ...response.body.singleResult, hasNext: true },
            subsequentResults: payloads,
          };
        },
      };
    },
  };
}

/**
 * A queue of subsequent payloads: pushed as deferred blocks complete, read once by the response. It ends after
 * the payload pushed with `hasNext: false`, or at once when its reader returns (a client gone mid-stream): what
 * is queued is let go, later pushes are dropped, and `abandoned` tells the execution to fetch nothing more.
 */
export class PayloadQueue implements AsyncIterable<SubsequentPayload> {
  readonly #queued: SubsequentPayload[] = [];
  /** The reader's pending `next()`, while nothing is queued. */
  #waiting: ((result: IteratorResult<SubsequentPayload, undefined>) => void) | null = null;
  #ended = false;
  #abandoned = false;

  /** True once the reader went away before the last payload. */
  get abandoned(): boolean {
    return this.#abandoned;
  }

  /** The reader went away (an HTTP client closed its connection): as its `return()`, from outside. */
  abandon(): void {
    void this[Symbol.asyncIterator]().return?.();
  }

  push(payload: SubsequentPayload): void {
    if (this.#ended) return;
    const waiting = this.#waiting;
    if (!waiting) {
      this.#queued.push(payload);
      return;
    }
    this.#waiting = null;
    waiting(this.#handOut(payload));
  }

  // Not an `async function*`: its `return()` would wait for the next push while the generator awaits one, so
  // a socket closing mid-stream would hold on until the slowest deferred fetch answered.
  [Symbol.asyncIterator](): AsyncIterator<SubsequentPayload, undefined> {
    return {
      next: () => {
        if (this.#ended) return Promise.resolve(done);
        const payload = this.#queued.shift();
        if (payload) return Promise.resolve(this.#handOut(payload));
        return new Promise((resolve) => (this.#waiting = resolve));
      },
      return: () => {
        if (!this.#ended) {
          this.#ended = true;
          this.#abandoned = true;
          this.#queued.length = 0;
        }
        const waiting = this.#waiting;
        this.#waiting = null;
        waiting?.(done);
        return Promise.resolve(done);
      },
    };
  }

  #handOut(payload: SubsequentPayload): IteratorResult<SubsequentPayload, undefined> {
    if (!payload.hasNext) this.#ended = true;
    return { done: false, value: payload };
  }
}

const done: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** An incremental response as the successive results a message-based transport sends (graphql-ws `next`s). */
export interface IncrementalResults<Result> extends AsyncIterableIterator<Result, undefined> {
  /** Ends the results at once, even while one is awaited, and stops the execution behind them. */
  return(): Promise<IteratorReturnResult<undefined>>;
}

/**
 * The initial payload (`hasNext: true`), then each subsequent payload, as graphql-ws sends them (one `next`
 * message each) and Apollo Client's GraphQLWsLink hands them to its incremental handler. graphql-ws calls
 * `return()` on `complete` and when the socket closes: that returns the payloads' own iterator, so a
 * `PayloadQueue` behind it is abandoned (nothing parked, nothing more fetched).
 */
export function incrementalResults<Initial, Subsequent extends { hasNext: boolean }>(
  initial: Initial,
  subsequent: AsyncIterable<Subsequent>,
): IncrementalResults<Initial | Subsequent> {
  const rest = subsequent[Symbol.asyncIterator]();
  let initialSent = false;
  let ended = false;
  const results: IncrementalResults<Initial | Subsequent> = {
    [Symbol.asyncIterator]: () => results,
    async next() {
      if (ended) return done;
      if (!initialSent) {
        initialSent = true;
        return { done: false, value: initial };
      }
      const result = await rest.next();
      // Returned while this was waiting: the payload (if one came first) has no reader.
      if (ended || result.done) {
        ended = true;
        return done;
      }
      if (!result.value.hasNext) ended = true;
      return result;
    },
    async return() {
      if (!ended) {
        ended = true;
        await rest.return?.();
      }
      return done;
    },
  };
  return results;
}
