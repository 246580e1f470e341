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
 * the payload pushed with `hasNext: false`.
 */
export class PayloadQueue implements AsyncIterable<SubsequentPayload> {
  readonly #queued: SubsequentPayload[] = [];
  #wake: (() => void) | null = null;
  #ended = false;

  push(payload: SubsequentPayload): void {
    this.#queued.push(payload);
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SubsequentPayload> {
    while (!this.#ended) {
      const payload = this.#queued.shift();
      if (!payload) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = null;
        continue;
      }
      if (!payload.hasNext) this.#ended = true;
      yield payload;
    }
  }
}
