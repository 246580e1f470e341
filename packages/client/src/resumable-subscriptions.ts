/**
 * Subscriptions that lose no event across a reconnect, for any graphql-ws consumer (Apollo Client's
 * `GraphQLWsLink`, urql, plain graphql-ws):
 *
 *     new GraphQLWsLink(resumableSubscriptions(createClient({ url, connectionParams, retryAttempts: 10 })))
 *
 * Every event of a subscription on one object carries `extensions.eventId`; this keeps the last one in the
 * subscription's own payload as `extensions.lastEventId`. graphql-ws sends that same payload object again each
 * time it resubscribes after the socket dropped, so every resubscription is a resume: the gateway, whichever
 * replica answers, first sends the events published meanwhile, then live ones, none twice.
 *
 * A subscription the gateway ends asking for a new one (`SUBSCRIPTION_SCHEMA_RELOAD`, `SERVICE_UNAVAILABLE`) is
 * subscribed again the same way, after `retryWait`. When the missed events are no longer kept the subscription
 * ends with an error whose `extensions.code` is `SUBSCRIPTION_CANNOT_RESUME`: refetch what the screen shows,
 * then subscribe again.
 */
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import type { Client, Sink, SubscribePayload } from 'graphql-ws';
import { asksToResubscribe, backoff, defaultRetryAttempts, type ReconnectOptions } from './reconnect.ts';

export interface ResumableSubscriptionsOptions extends ReconnectOptions {
  /**
   * Asked when the gateway ends a subscription with other errors than those of `resubscribeCodes`: true to
   * subscribe again all the same (the kit's client says true to an expired token's UNAUTHENTICATED once it has a
   * fresh token, after restarting the socket so that `connection_init` carries it). Default: never.
   */
  resubscribeWhen?: (errors: readonly GraphQLFormattedError[]) => boolean | Promise<boolean>;
}

export function resumableSubscriptions(client: Client, options: ResumableSubscriptionsOptions = {}): Client {
  const { retryAttempts = defaultRetryAttempts, retryWait = backoff } = options;
  return {
    ...client,
    subscribe<Data = Record<string, unknown>, Extensions = unknown>(
      payload: SubscribePayload,
      sink: Sink<FormattedExecutionResult<Data, Extensions>>,
    ) {
      const resumable = { ...payload, extensions: { ...payload.extensions } };
      let unsubscribe = () => {};
      let stopped = false;
      let attempt = 0;
      const start = () => {
        unsubscribe = client.subscribe<Data, Extensions>(resumable, {
          next: (result) => {
            attempt = 0;
            const eventId = (result.extensions as { eventId?: unknown } | undefined)?.eventId;
            if (typeof eventId === 'string') resumable.extensions['lastEventId'] = eventId;
            sink.next(result);
          },
          error: (error) => {
            // The gateway ended the subscription asking for a new one (a schema reload): subscribe again, from
            // the last event, on the same socket.
            const again = async () =>
              asksToResubscribe(error) ||
              (Array.isArray(error) && options.resubscribeWhen !== undefined && (await options.resubscribeWhen(error)));
            void again().then(async (resubscribe) => {
              if (stopped || !resubscribe || attempt >= retryAttempts) return sink.error(error);
              attempt += 1;
              await retryWait(attempt);
              if (!stopped) start();
            });
          },
          complete: () => {
            if (!stopped) sink.complete();
          },
        });
      };
      start();
      return () => {
        stopped = true;
        unsubscribe();
      };
    },
  };
}
