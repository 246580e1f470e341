/** Node HTTP and Apollo Server: bodies within limits, strict decoding, responses, listening and draining. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import { errorBody, errorCodes, type ErrorCode } from '@curbside/errors';

/** Largest request body read before answering 413: 2 MiB. */
export const defaultBodyLimitBytes = 2 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  readonly limitBytes: number;
  constructor(limitBytes: number) {
    super(`Request body exceeds ${limitBytes} bytes.`);
    this.limitBytes = limitBytes;
  }
}

/** Reads the whole request body, refusing past `limitBytes` without buffering the rest. */
export async function readBody(req: IncomingMessage, limitBytes = defaultBodyLimitBytes): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limitBytes) throw new BodyTooLargeError(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new BodyTooLargeError(limitBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The longest `x-request-id` taken from a caller: 128 characters. */
const maxRequestIdLength = 128;
const requestIdPattern = /^[A-Za-z0-9._:-]+$/;

/** The caller's `x-request-id` when it is a sane token (at most 128 characters), otherwise a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && given.length <= maxRequestIdLength && requestIdPattern.test(given)
    ? given
    : randomUUID();
}

/**
 * A request whose body or query string is not valid UTF-8. Decoding it anyway would replace the bad bytes with
 * U+FFFD, so a name stored from it would silently differ from what was sent: it is refused instead (HTTP 400,
 * code BAD_REQUEST, with this error's message).
 */
export class InvalidBodyEncodingError extends Error {
  constructor(part: 'body' | 'query string') {
    super(`The request ${part} is not valid UTF-8.`);
    this.name = 'InvalidBodyEncodingError';
  }
}

/** What a 400 BAD_REQUEST says when `toGraphQLRequest` threw `error`: the encoding problem, or bad JSON. */
export function badRequestMessage(error: unknown): string {
  return error instanceof InvalidBodyEncodingError ? error.message : 'The body is not valid JSON.';
}

/** Refuses what `TextDecoder` would otherwise patch over with U+FFFD; it also drops a leading byte order mark. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** `bytes` as UTF-8 text; throws `InvalidBodyEncodingError` when they are not valid UTF-8. Linear in their length. */
export function decodeUtf8(bytes: Uint8Array, part: 'body' | 'query string' = 'body'): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new InvalidBodyEncodingError(part);
  }
}

const hexDigit = (code: number) => (code >= 0x30 && code <= 0x39) || ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x66);

/**
 * Checks that a query string's percent-escapes spell valid UTF-8 (throws `InvalidBodyEncodingError` otherwise).
 * `URLSearchParams` (which Apollo reads `?query=` with) replaces an invalid sequence such as `%FF` with U+FFFD
 * rather than refusing it. A `%` not followed by two hex digits stays literal there, and here too; a raw
 * character outside ASCII cannot come from a client that encodes its URL, and is refused as well. One pass.
 */
export function checkQueryStringEncoding(search: string): void {
  const bytes = new Uint8Array(search.length);
  let length = 0;
  for (let index = 0; index < search.length; index++) {
    const code = search.charCodeAt(index);
    if (code > 0x7f) throw new InvalidBodyEncodingError('query string');
    if (code === 0x25 && hexDigit(search.charCodeAt(index + 1)) && hexDigit(search.charCodeAt(index + 2))) {
      bytes[length++] = Number.parseInt(search.slice(index + 1, index + 3), 16);
      index += 2;
    } else bytes[length++] = code;
  }
  decodeUtf8(bytes.subarray(0, length), 'query string');
}

/** Copies Node's request headers into Apollo's HeaderMap (lower-cased, multi-values joined). */
export function headerMapOf(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/**
 * Turns a Node request into Apollo's transport-neutral request. The body is parsed here only when it
 * is JSON; Apollo itself answers 400 for other content types (CSRF prevention relies on that). Throws
 * `InvalidBodyEncodingError` when the body or the query string is not valid UTF-8, and a `SyntaxError` when
 * the body is not JSON: the caller answers 400 BAD_REQUEST with `badRequestMessage(error)`.
 */
export function toGraphQLRequest(req: IncomingMessage, rawBody: Buffer): HTTPGraphQLRequest {
  const rawUrl = req.url ?? '/';
  const queryStart = rawUrl.indexOf('?');
  // Checked on the URL as received: `new URL` would percent-encode a raw non-ASCII character first.
  if (queryStart !== -1) checkQueryStringEncoding(rawUrl.slice(queryStart + 1));
  const url = new URL(rawUrl, 'http://localhost');
  const headers = headerMapOf(req);
  let body: unknown = undefined;
  if (rawBody.length > 0 && (headers.get('content-type') ?? '').includes('json')) {
    body = JSON.parse(decodeUtf8(rawBody));
  }
  return { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body };
}

/** Writes Apollo's response, streaming it when it is incremental (multipart). */
export async function writeGraphQLResponse(
  res: ServerResponse,
  response: HTTPGraphQLResponse,
  extraHeaders: Record<string, string> = {},
): Promise<void> {
  for (const [name, value] of response.headers) res.setHeader(name, value);
  for (const [name, value] of Object.entries(extraHeaders)) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    // Encoded once, here: given the string, Node measures its length in bytes and then encodes it on writing,
    // flattening it first (Apollo's body is the JSON plus a newline, two strings joined), all of it again for
    // each response of tens of kilobytes.
    const body = Buffer.from(response.body.string, 'utf8');
    res.setHeader('content-length', body.length);
    res.end(body);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** Sends a JSON body with the given status. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/**
 * A GraphQL-shaped error response (`{ errors: [...] }`) with the HTTP status registered for its code, or
 * `status` where the transport says more (413 for a body too large).
 */
export function sendGraphQLError(
  res: ServerResponse,
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  status: number = errorCodes[code].httpStatus,
): void {
  sendJson(res, status, { errors: [{ message, extensions: { ...extensions, code } }] }, headers);
}

/** A plain HTTP route's refusal, `{ error, code }`, with the HTTP status registered for its code. */
export function sendCodedJson(
  res: ServerResponse,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, errorCodes[code].httpStatus, errorBody(code, message), headers);
}

/** Listens on `port` (0 lets the OS choose) and resolves with the port actually bound. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Node's default queue of 511 unaccepted connections overflows when a stopped replica's clients all
    // reconnect here at once, and each overflowed one waits out a 1 s SYN retry; the kernel caps this at somaxconn.
    server.listen({ port, host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting connections, lets in-flight requests finish, and closes idle keep-alive sockets. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** Serves a JWKS document; verifiers may cache it for 5 minutes. */
export function sendJwks(res: ServerResponse, jwks: unknown): void {
  sendJson(res, 200, jwks, { 'cache-control': 'public, max-age=300' });
}
