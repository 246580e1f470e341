/** How the kit tries again after a lost connection, or after the gateway asked to subscribe again. */

export interface ReconnectOptions {
  /**
   * How many times in a row to try again (an event received resets the count). Default 20: with the default
   * backoff, over two minutes without a network.
   */
  retryAttempts?: number;
  /** Waits before attempt `attempt` (1 for the first retry). Default: `backoff`. */
  retryWait?: (attempt: number) => Promise<void>;
}

/** Default number of consecutive attempts: 20. */
export const defaultRetryAttempts = 20;

/**
 * Exponential backoff with jitter: about 250 ms before the first retry, doubling up to 10 seconds, each delay
 * drawn between half and all of that (so clients cut off together do not come back together).
 */
export function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(10_000, 250 * 2 ** Math.max(0, attempt - 1));
  return new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)));
}

/**
 * The codes with which the gateway ends a subscription and means "subscribe again" (docs/errors.md): the schema
 * changed (SUBSCRIPTION_SCHEMA_RELOAD), or the gateway is stopping or a subgraph stayed unreachable
 * (SERVICE_UNAVAILABLE). The kit subscribes again by itself, from the last event, as after a lost connection.
 */
export const resubscribeCodes: ReadonlySet<string> = new Set(['SUBSCRIPTION_SCHEMA_RELOAD', 'SERVICE_UNAVAILABLE']);

/** Whether every one of these errors has this code. */
export function allHaveCode(errors: unknown, code: string): boolean {
  return (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((error) => (error as { extensions?: { code?: unknown } })?.extensions?.code === code)
  );
}

/** Whether every one of these errors asks to subscribe again. */
export function asksToResubscribe(errors: unknown): boolean {
  return (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((error) =>
      resubscribeCodes.has((error as { extensions?: { code?: unknown } })?.extensions?.code as string),
    )
  );
}
