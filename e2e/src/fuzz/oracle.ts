/**
 * What a pass means for one response: no 5xx other than deliberate 503/504s, no internal detail (stack
 * frames, file paths, SQL, Node error names) unless the input itself carried it, every GraphQL error with a
 * registered `extensions.code`, and INTERNAL_SERVER_ERROR only masked.
 */
import { errorCodes } from '@curbside/errors';
import type { RawResponse, WsOutcome } from './transport.ts';

/**
 * `fail`: the product is wrong; `note`: worth a look (an unexpected failure that was masked as it should be);
 * `known`: a failure already reported and being fixed (see known-findings.ts).
 */
export type Severity = 'fail' | 'note' | 'known';

export interface Problem {
  category:
    | 'http-5xx'
    | 'no-response'
    | 'leak'
    | 'error-without-code'
    | 'unknown-code'
    | 'unmasked-internal'
    | 'masked-internal'
    | 'ws-internal-close'
    | 'crash'
    | 'memory'
    | 'resources';
  severity: Severity;
  detail: string;
}

/** Codes Apollo Server gives malformed requests; they reach clients by design (see @curbside/http). */
const apolloRequestCodes = [
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
];
const knownCodes = new Set<string>([...Object.keys(errorCodes), ...apolloRequestCodes]);

/** The masked message of INTERNAL_SERVER_ERROR (packages/http `maskedError`). */
export const maskedMessage = 'Internal server error.';

/** Internal detail that must never reach a client. Each has a name for the finding. */
const leakPatterns: [string, RegExp][] = [
  // Every quantifier bounded or unambiguous: these run over whole response bodies.
  ['stack frame', /\n[ \t]{1,16}at \S|\bat (?:async )?[\w.$<>[\]]{1,200} \([^()\n]{1,300}:\d{1,7}:\d{1,7}\)/],
  ['file path', /(?:\/work\/|\/home\/|\/usr\/lib\/|\/tmp\/curbside|node_modules|file:\/\/|[A-Za-z]:\\\\)/],
  ['source location', /\.(?:ts|js|mjs|cjs):\d{1,7}(?::\d{1,7})?\b/],
  ['SQL', /\b(?:select\s[^"]{1,120}?\sfrom|insert\s{1,8}into|delete\s{1,8}from|update\s{1,8}\S{1,64}\s{1,8}set)\s/i],
  [
    'SQL error',
    /syntax error at or near|violates (?:unique|foreign key|not-null|check) constraint|duplicate key value|relation "[^"]+" does not exist|SQLSTATE|invalid input syntax for/i,
  ],
  ['ORM', /\bMikroORM\b|\bEntityManager\b|\bknex\b|DriverException/],
  [
    'JS error',
    /\b(?:TypeError|ReferenceError|RangeError|SyntaxError|AggregateError)\b|Cannot read propert|is not a function|is not iterable|Maximum call stack/,
  ],
  ['Node error', /\b(?:ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ERR_[A-Z_]{4,})\b/],
];

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Internal detail in `text` that `sent` did not itself contain (an input echoed back in a validation message is
 * the client's own text, not a leak).
 */
export function leaksIn(text: string, sent: string): Problem[] {
  const echo = `${sent}\n${safeDecode(sent)}\n${sent.replace(/\\(.)/g, '$1')}`;
  const problems: Problem[] = [];
  for (const [name, pattern] of leakPatterns) {
    const match = pattern.exec(text);
    if (!match) continue;
    const found = match[0].trim();
    if (echo.includes(found) || echo.toLowerCase().includes(found.toLowerCase())) continue;
    const at = match.index;
    problems.push({
      category: 'leak',
      severity: 'fail',
      detail: `${name}: ${JSON.stringify(text.slice(Math.max(0, at - 60), at + 100))}`,
    });
  }
  return problems;
}

/** Checks a list of GraphQL errors: each an object with a registered code, INTERNAL_SERVER_ERROR masked. */
export function checkGraphQLErrors(errors: unknown, where: string): Problem[] {
  if (!Array.isArray(errors)) return [];
  const problems: Problem[] = [];
  for (const error of errors) {
    const extensions = (error as { extensions?: Record<string, unknown> } | null)?.extensions;
    const message = String((error as { message?: unknown } | null)?.message);
    const code = extensions?.['code'];
    if (typeof code !== 'string') {
      problems.push({
        category: 'error-without-code',
        severity: 'fail',
        detail: `${where}: ${JSON.stringify(error).slice(0, 300)}`,
      });
      continue;
    }
    if (!knownCodes.has(code)) {
      problems.push({
        category: 'unknown-code',
        severity: 'fail',
        detail: `${where}: code ${code}: ${message.slice(0, 200)}`,
      });
    }
    if (extensions && ('stacktrace' in extensions || 'exception' in extensions)) {
      problems.push({
        category: 'leak',
        severity: 'fail',
        detail: `${where}: extensions carry a stacktrace/exception (${code})`,
      });
    }
    if (code === 'INTERNAL_SERVER_ERROR') {
      problems.push(
        message === maskedMessage
          ? {
              category: 'masked-internal',
              severity: 'note',
              detail: `${where}: path ${JSON.stringify((error as { path?: unknown }).path ?? null)}`,
            }
          : { category: 'unmasked-internal', severity: 'fail', detail: `${where}: ${message.slice(0, 300)}` },
      );
    }
  }
  return problems;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A deliberate 5xx: 503 with SERVICE_UNAVAILABLE (or /ready saying not ready), 504 with GATEWAY_TIMEOUT. */
function deliberate(status: number, body: unknown): boolean {
  const codes = Array.isArray((body as { errors?: unknown } | null)?.errors)
    ? (body as { errors: { extensions?: { code?: unknown } }[] }).errors.map((error) => error?.extensions?.code)
    : [(body as { code?: unknown } | null)?.code];
  if (status === 503) {
    return (
      codes.includes('SERVICE_UNAVAILABLE') ||
      codes.includes('SUBSCRIPTION_SCHEMA_RELOAD') ||
      (body as { ready?: unknown } | null)?.ready === false
    );
  }
  return status === 504 && codes.includes('GATEWAY_TIMEOUT');
}

/** Checks one HTTP response to a request whose bytes (as text) were `sent`. */
export function checkHttpResponse(response: RawResponse, sent: string, route: string): Problem[] {
  const text = response.body.toString('utf8');
  const contentType = response.headers['content-type'] ?? '';
  // A multipart stream's parts are JSON after their part headers: check each part's JSON on its own.
  const bodies = contentType.startsWith('multipart/mixed')
    ? text.split(/\r\n--[^\r\n]*\r\n/).map((part) => parseJson(part.slice(part.indexOf('\r\n\r\n') + 4)))
    : [parseJson(text)];
  const problems: Problem[] = [];
  if (response.status >= 500 && !deliberate(response.status, bodies[0])) {
    // The codes and messages, not the raw body: request ids and key order must not split one finding in many.
    const errors = (bodies[0] as { errors?: unknown } | undefined)?.errors;
    const summary = Array.isArray(errors)
      ? errors.map((error) => `${String(error?.extensions?.code)}: ${String(error?.message)}`).join('; ')
      : text;
    problems.push({
      category: 'http-5xx',
      severity: 'fail',
      detail: `${route}: HTTP ${response.status}: ${summary.slice(0, 300)}`,
    });
  }
  for (const body of bodies) {
    if (typeof body !== 'object' || body === null) continue;
    const payload = (body as { payload?: unknown }).payload ?? body;
    checkGraphQLErrors((payload as { errors?: unknown }).errors, `${route} HTTP ${response.status}`).forEach((p) =>
      problems.push(p),
    );
  }
  problems.push(...leaksIn(text, sent));
  return problems;
}

/** Close codes a graphql-ws server uses for a server-side failure rather than a refused client. */
const internalCloseCodes = new Set([1011, 4500]);

/** Checks what a graphql-ws session saw. */
export function checkWsOutcome(outcome: WsOutcome, sent: string): Problem[] {
  const problems: Problem[] = [];
  if (outcome.refusedStatus !== undefined && outcome.refusedStatus >= 500) {
    problems.push({
      category: 'http-5xx',
      severity: 'fail',
      detail: `ws upgrade: HTTP ${outcome.refusedStatus}: ${(outcome.refusedBody ?? '').slice(0, 300)}`,
    });
  }
  if (outcome.closeCode !== undefined && internalCloseCodes.has(outcome.closeCode)) {
    // graphql-ws itself answers a client sending a server-only message type (next, error, connection_ack) with
    // 4500 instead of the protocol's 4400: a library quirk, not a failure of ours.
    const serverOnlyType = /^Unexpected message of type \w+ received$/.test(outcome.closeReason ?? '');
    problems.push({
      category: 'ws-internal-close',
      severity: serverOnlyType ? 'note' : 'fail',
      detail: `closed ${outcome.closeCode}: ${outcome.closeReason ?? ''}`,
    });
  }
  for (const message of outcome.messages) {
    const parsed = parseJson(message) as { type?: unknown; payload?: unknown } | undefined;
    if (parsed?.type === 'next')
      checkGraphQLErrors((parsed.payload as { errors?: unknown } | null)?.errors, 'ws next').forEach((p) =>
        problems.push(p),
      );
    if (parsed?.type === 'error') checkGraphQLErrors(parsed.payload, 'ws error').forEach((p) => problems.push(p));
    problems.push(...leaksIn(message, sent));
  }
  problems.push(...leaksIn(`${outcome.closeReason ?? ''}\n${outcome.refusedBody ?? ''}`, sent));
  return problems;
}
