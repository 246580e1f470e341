/**
 * Multipart HTTP subscriptions (`Accept: multipart/mixed;subscriptionSpec=1.0`, what Apollo Client's `HttpLink`
 * sends for a subscription) that survive a dropped connection without losing or repeating an event.
 *
 * Every event of a subscription on one object carries `extensions.eventId`. When the response breaks off (the
 * network went away, a gateway replica stopped) this link sends the subscription again, after a backoff, with
 * the last id it saw as `extensions.lastEventId`: the gateway, whichever replica answers, first sends the events
 * published meanwhile, then live ones, none twice. Place it before the HTTP link, and before the link that sets
 * the access token, so each attempt carries the current token.
 *
 * A stream the gateway ends asking to subscribe again (`SUBSCRIPTION_SCHEMA_RELOAD`, `SERVICE_UNAVAILABLE`) is
 * resumed the same way. Refusals are not retried: any other error the gateway sent (`SUBSCRIPTION_CANNOT_RESUME`
 * when the missed events are no longer kept: refetch, then subscribe again; `UNAUTHENTICATED`, `FORBIDDEN`,
 * `NOT_FOUND`) and any HTTP 4xx answer reach the subscriber as they are.
 */
import { ApolloLink } from '@apollo/client';
import {
  CombinedGraphQLErrors,
  CombinedProtocolErrors,
  PROTOCOL_ERRORS_SYMBOL,
  ServerError,
  ServerParseError,
} from '@apollo/client/errors';
import { isSubscriptionOperation } from '@apollo/client/utilities';
import type { GraphQLFormattedError } from 'graphql';
import { Observable, type Subscription } from 'rxjs';
import { asksToResubscribe, backoff, defaultRetryAttempts, type ReconnectOptions } from './reconnect.ts';

/** Whether an error is the connection's (worth a retry) rather than an answer from the gateway. */
function isConnectionError(error: unknown): boolean {
  if (CombinedGraphQLErrors.is(error) || CombinedProtocolErrors.is(error) || ServerParseError.is(error)) return false;
  if (ServerError.is(error)) return error.statusCode >= 500; // a proxy's 502/503 while a replica restarts
  return true;
}

export interface ResumableMultipartOptions extends ReconnectOptions {
  /**
   * Asked when the gateway ends a stream with other errors than those of `resubscribeCodes`, with the
   * operation as last sent: true to send it again all the same (the kit's client says true to an expired
   * token's UNAUTHENTICATED once it has a fresh token). Default: never.
   */
  resubscribeWhen?: (
    errors: readonly GraphQLFormattedError[],
    operation: ApolloLink.Operation,
  ) => boolean | Promise<boolean>;
}

/** The link described above; subscriptions only, queries and mutations pass through untouched. */
export function resumableMultipartLink(options: ResumableMultipartOptions = {}): ApolloLink {
  const { retryAttempts = defaultRetryAttempts, retryWait = backoff } = options;
  return new ApolloLink((operation, forward) => {
    if (!isSubscriptionOperation(operation.query)) return forward(operation);
    return new Observable((observer) => {
      let attempt = 0;
      let current: Subscription | undefined;
      let stopped = false;
      const retry = (error: unknown) => {
        if (attempt >= retryAttempts) return observer.error(error);
        attempt += 1;
        void retryWait(attempt).then(() => {
          if (!stopped) start();
        });
      };
      const start = () => {
        current = forward(operation).subscribe({
          next: (result) => {
            // The last part of a stream the gateway ended: its errors, which Apollo Client turns into the error.
            const ending = (result.extensions as Record<symbol, unknown> | undefined)?.[PROTOCOL_ERRORS_SYMBOL];
            if (CombinedProtocolErrors.is(ending)) {
              current?.unsubscribe();
              const again = async () =>
                asksToResubscribe(ending.errors) ||
                (options.resubscribeWhen !== undefined && (await options.resubscribeWhen(ending.errors, operation)));
              void again().then((resubscribe) => {
                if (stopped) return;
                if (resubscribe) return retry(ending);
                observer.next(result);
                observer.complete();
              });
              return;
            }
            attempt = 0;
            const eventId = (result.extensions as { eventId?: unknown } | undefined)?.eventId;
            // Kept on the operation itself: the next attempt sends these extensions in its body.
            if (typeof eventId === 'string') operation.extensions['lastEventId'] = eventId;
            observer.next(result);
          },
          error: (error: unknown) => {
            if (stopped) return;
            if (!isConnectionError(error)) return observer.error(error);
            retry(error);
          },
          complete: () => observer.complete(),
        });
      };
      start();
      return () => {
        stopped = true;
        current?.unsubscribe();
      };
    });
  });
}
