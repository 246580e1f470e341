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
 * Refusals are not retried: an error the gateway sent (`SUBSCRIPTION_CANNOT_RESUME` when the missed events are
 * no longer kept: refetch, then subscribe again; `UNAUTHENTICATED`, `FORBIDDEN`, `NOT_FOUND`) and any HTTP 4xx
 * answer reach the subscriber as they are.
 */
import { ApolloLink } from '@apollo/client';
import { CombinedGraphQLErrors, CombinedProtocolErrors, ServerError, ServerParseError } from '@apollo/client/errors';
import { isSubscriptionOperation } from '@apollo/client/utilities';
import { Observable, type Subscription } from 'rxjs';

export interface ReconnectOptions {
  /**
   * How many times in a row to try again after a connection breaks (an event received resets the count).
   * Default 20: with the default backoff, over two minutes without a network.
   */
  retryAttempts?: number;
  /** Waits before attempt `attempt` (1 for the first retry). Default: `backoff`. */
  retryWait?: (attempt: number) => Promise<void>;
}

/** Default number of consecutive reconnection attempts: 20. */
export const defaultRetryAttempts = 20;

/**
 * Exponential backoff with jitter: about 250 ms before the first retry, doubling up to 10 seconds, each delay
 * drawn between half and all of that (so clients cut off together do not come back together).
 */
export function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(10_000, 250 * 2 ** Math.max(0, attempt - 1));
  return new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)));
}

/** Whether an error is the connection's (worth a retry) rather than an answer from the gateway. */
function isConnectionError(error: unknown): boolean {
  if (CombinedGraphQLErrors.is(error) || CombinedProtocolErrors.is(error) || ServerParseError.is(error)) return false;
  if (ServerError.is(error)) return error.statusCode >= 500; // a proxy's 502/503 while a replica restarts
  return true;
}

/** The link described above; subscriptions only, queries and mutations pass through untouched. */
export function resumableMultipartLink(options: ReconnectOptions = {}): ApolloLink {
  const { retryAttempts = defaultRetryAttempts, retryWait = backoff } = options;
  return new ApolloLink((operation, forward) => {
    if (!isSubscriptionOperation(operation.query)) return forward(operation);
    return new Observable((observer) => {
      let attempt = 0;
      let current: Subscription | undefined;
      let stopped = false;
      const start = () => {
        current = forward(operation).subscribe({
          next: (result) => {
            attempt = 0;
            const eventId = (result.extensions as { eventId?: unknown } | undefined)?.eventId;
            // Kept on the operation itself: the next attempt sends these extensions in its body.
            if (typeof eventId === 'string') operation.extensions['lastEventId'] = eventId;
            observer.next(result);
          },
          error: (error: unknown) => {
            if (stopped) return;
            if (!isConnectionError(error) || attempt >= retryAttempts) return observer.error(error);
            attempt += 1;
            void retryWait(attempt).then(() => {
              if (!stopped) start();
            });
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
