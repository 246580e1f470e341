import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { sendCodedJson } from '@curbside/http';
import type { Logger } from '@curbside/service';

/** Paths under which the gateway serves media, by proxying to the origin of the subgraph named `media`. */
export const mediaPathPrefix = '/media/';

/**
 * The media subgraph's routes (its `uploadPathPrefix`, `filePathPrefix` and `thumbnailPathPrefix`) and the methods
 * each takes: only these are proxied. Any other path under /media/ is answered 404 here, and another method 405,
 * without a request to the subgraph (which would refuse it before reading its body, and a refusal racing a body
 * still being sent can reach the gateway as a reset connection rather than an answer).
 */
const mediaRoutes: [prefix: string, methods: readonly string[]][] = [
  ['/media/uploads/', ['PUT']],
  ['/media/files/', ['GET', 'HEAD']],
  ['/media/thumbnails/', ['GET', 'HEAD']],
];

/** The methods the media route of `path` takes; null when `path` is none of the media subgraph's routes. */
export const mediaRouteMethods = (path: string): readonly string[] | null =>
  mediaRoutes.find(([prefix]) => path.startsWith(prefix))?.[1] ?? null;

/** Headers about one connection, not the message: never forwarded by a proxy (RFC 9110, section 7.6.1). */
const hopByHopHeaders = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Methods whose requests Node's HTTP client sends without framing a body of unknown length (no chunked
 * encoding by default). A body piped into one of them would reach the upstream as raw bytes after the head,
 * which the upstream reads as a second request: one nobody checked (request smuggling). None of the media
 * routes takes a body on these methods, so such requests are refused.
 */
const bodilessMethods = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);

/** Whether the request announces a body (chunked, or a non-zero length). */
function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase());
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !hopByHopHeaders.has(name) && !named.includes(name)),
  );
}

export interface ProxyOptions {
  origin: URL;
  pathAndQuery: string;
  requestId: string;
  logger: Logger;
  /** Added to the upstream request (after the client's, so a client cannot set them). */
  upstreamHeaders?: Record<string, string>;
}

/**
 * Streams one request to `origin` (same path and query) and its response back, without buffering
 * either body: uploads are not held to the GraphQL body limit, the upstream enforces its own. An
 * upstream that cannot be reached answers 502; a client that goes away cancels the upstream request.
 * A body on a method that takes none is refused (400) before anything is sent upstream.
 */
export function proxyRequest(req: IncomingMessage, res: ServerResponse, options: ProxyOptions): void {
  const { origin, requestId } = options;
  if (bodilessMethods.has(req.method ?? 'GET') && hasBody(req)) {
    // The body is not read: the connection closes after the answer, so its bytes are never parsed as a request.
    sendCodedJson(res, 'BAD_REQUEST', `A ${req.method} request carries no body.`, {
      'x-request-id': requestId,
      connection: 'close',
    });
    return;
  }
  const send = origin.protocol === 'https:' ? httpsRequest : httpRequest;
  let answer: IncomingMessage | undefined;
  const upstream = send(
    {
      protocol: origin.protocol,
      hostname: origin.hostname,
      port: origin.port,
      method: req.method,
      path: options.pathAndQuery,
      headers: {
        ...endToEndHeaders(req.headers),
        host: origin.host,
        'x-request-id': requestId,
        ...options.upstreamHeaders,
      },
    },
    (response) => {
      answer = response;
      // Answered before the whole body arrived (a refused upload): what is left of the body will not be
      // read, so this connection cannot carry another request.
      const early = req.complete ? {} : { connection: 'close' };
      res.writeHead(response.statusCode ?? 502, {
        ...endToEndHeaders(response.headers),
        ...early,
        'x-request-id': requestId,
      });
      response.pipe(res);
      response.on('error', () => res.destroy());
    },
  );
  let failed = false;
  upstream.on('error', (error) => {
    // Only the first failure matters: a body still being piped into a dead request adds its own errors.
    // A complete answer stands even if the upstream then stopped reading the rest of the body.
    if (failed || answer?.complete) return;
    failed = true;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    options.logger.warn({ err: error, requestId, upstream: origin.origin }, 'media upstream unreachable');
    sendCodedJson(res, 'BAD_GATEWAY', 'The media service is unreachable; retry.', { 'x-request-id': requestId });
  });
  // The client went away before the whole answer was sent: stop the upstream work too (an upload in
  // progress is then refused there and leaves nothing behind).
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}
