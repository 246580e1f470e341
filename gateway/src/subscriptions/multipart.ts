import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import type { ClientStream } from './client-stream.ts';
import { SubscriptionEndedError } from './service.ts';

/** True when the client accepts subscriptions as multipart HTTP (Apollo Client's HttpLink, Apollo Router's format). */
export function acceptsMultipartSubscription(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return /multipart\/mixed/i.test(accept) && /subscriptionSpec/i.test(accept);
}

const boundary = '\r\n--graphql';

function part(body: unknown): string {
  return `\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${JSON.stringify(body)}${boundary}`;
}

/** Resolves when `res` can take more (drain), or is gone (close). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export interface MultipartOptions {
  headers: Record<string, string>;
  /** An empty part is sent this often so proxies keep the response open. Default 5 s. */
  heartbeatMs?: number;
  formatError: (error: GraphQLFormattedError) => GraphQLFormattedError;
}

/**
 * Streams a subscription as `multipart/mixed;subscriptionSpec="1.0"`: every event is a part
 * `{"payload": <result>}`, each followed at once by the next boundary (a client holds a part until it sees the
 * boundary after it); an ending with errors is `{"payload": null, "errors": [...]}`; a client going away
 * releases the subscription.
 */
export async function streamMultipart(
  res: ServerResponse,
  stream: ClientStream<FormattedExecutionResult>,
  options: MultipartOptions,
): Promise<void> {
  if (res.destroyed) {
    // The client went away while its subscription was being admitted: `close` came before any listener
    // here, so nothing else would end the stream (nor give back its cap slots) until an event arrived.
    await stream.return();
    return;
  }
  res.writeHead(200, {
    ...options.headers,
    'content-type': 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"',
    'cache-control': 'no-cache, no-store',
  });
  res.flushHeaders();
  res.write(boundary);
  // A heartbeat only keeps an idle response open: one whose client is not reading needs none piled on.
  const heartbeat = setInterval(() => {
    if (!res.writableNeedDrain) res.write(part({}));
  }, options.heartbeatMs ?? 5_000);
  res.on('close', () => {
    clearInterval(heartbeat);
    void stream.return();
  });
  try {
    for await (const result of stream) {
      if (res.destroyed) break;
      // Backpressure: while the socket's buffer is full, the next event is not taken from the stream, so
      // events wait in the client's bounded queue (oldest dropped) rather than pile up in this buffer.
      if (!res.write(part({ payload: result }))) await drained(res);
    }
  } catch (error) {
    const errors =
      error instanceof SubscriptionEndedError
        ? error.errors.map(options.formatError)
        : [options.formatError({ message: 'Internal server error.' })];
    if (!res.destroyed) res.write(part({ payload: null, errors }));
  } finally {
    clearInterval(heartbeat);
    if (!res.destroyed) res.end('--\r\n');
  }
}
