/**
 * Every kind of input the fuzzer sends, as fast-check arbitraries: schema-aware operations over HTTP, mutated
 * documents, raw HTTP requests (random bytes, broken framing, odd paths and headers) and graphql-ws sessions.
 * Inputs are plain data (replayable and printable); tokens appear as placeholders filled in when sent.
 */
import type { Arbitrary } from 'fast-check';
import type { GraphQLSchema } from 'graphql';
import { generateOperation, type KnownValues } from './documents.ts';
import { picking, type Pick } from './pick.ts';
import { hostileJsonText, hostileString } from './values.ts';

/** Placeholders for the run's access tokens, replaced when an input is sent. */
export const userTokenPlaceholder = '{{USER_TOKEN}}';
export const adminTokenPlaceholder = '{{ADMIN_TOKEN}}';

/** One HTTP request, framed as `framing` says (some framings are wrong on purpose). */
export interface HttpInput {
  method: string;
  /** Request target: a path with its query, or something stranger. */
  target: string;
  headers: [string, string][];
  body: string | Uint8Array;
  /**
   * `length`: a correct Content-Length; `chunked`: correct chunks; `short`/`long`: a Content-Length smaller or
   * larger than the body; `bad-chunks`: malformed chunk sizes; `none`: no framing header at all.
   */
  framing: 'length' | 'chunked' | 'short' | 'long' | 'bad-chunks' | 'none';
  /** A second request written on the same connection right after this one. */
  pipelined?: HttpInput;
}

/** One graphql-ws session: the subprotocol asked for, then each frame sent in order. */
export interface WsInput {
  protocol: string | null;
  frames: (string | Uint8Array)[];
}

export type FuzzInput =
  | { kind: 'document'; http: HttpInput }
  | { kind: 'mutated'; http: HttpInput }
  | { kind: 'raw'; http: HttpInput }
  | { kind: 'ws'; ws: WsInput };

export type FuzzKind = FuzzInput['kind'];

function authorization(pick: Pick): [string, string][] {
  const value = pick.weighted([
    [5, null],
    [3, `Bearer ${userTokenPlaceholder}`],
    [1, `Bearer ${adminTokenPlaceholder}`],
    [
      1,
      pick.one([
        'Bearer ',
        'Bearer garbage',
        'Basic dXNlcjpwYXNz',
        `Bearer ${'A'.repeat(pick.int(10, 9_000))}`,
        'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwicm9sZSI6IkFETUlOIn0.',
        `Bearer ${userTokenPlaceholder}x`,
        `bearer ${userTokenPlaceholder}`,
      ]),
    ],
  ]);
  return value === null ? [] : [['authorization', value]];
}

function postJson(pick: Pick, body: string, target = '/graphql'): HttpInput {
  const headers: [string, string][] = [
    [
      'content-type',
      pick.weighted([
        [9, 'application/json'],
        [1, pick.one(['application/json; charset=utf-8', 'application/graphql-response+json', 'text/json'])],
      ]),
    ],
    ...authorization(pick),
  ];
  if (pick.chance(0.1)) headers.push(['accept', 'multipart/mixed;subscriptionSpec=1.0, application/json']);
  return { method: 'POST', target, headers, body, framing: pick.chance(0.1) ? 'chunked' : 'length' };
}

function getQuery(pick: Pick, query: string, variablesJson: string, operationName?: string): HttpInput {
  const params = new URLSearchParams({ query });
  if (pick.chance(0.7)) params.set('variables', variablesJson);
  if (operationName) params.set('operationName', operationName);
  const headers: [string, string][] = [...authorization(pick)];
  if (pick.chance(0.9)) headers.push(['apollo-require-preflight', 'true']);
  return { method: 'GET', target: `/graphql?${params}`, headers, body: '', framing: 'none' };
}

function requestBody(query: string, variablesJson: string, operationName?: string): string {
  const name = operationName === undefined ? '' : `,"operationName":${JSON.stringify(operationName)}`;
  return `{"query":${JSON.stringify(query)},"variables":${variablesJson}${name}}`;
}

/** A schema-aware operation sent over HTTP (POST mostly, GET now and then). */
export function documentInput(schema: GraphQLSchema, known: KnownValues): Arbitrary<FuzzInput> {
  return picking((pick) => {
    const operation = generateOperation(pick, schema, known);
    const http = pick.chance(0.15)
      ? getQuery(pick, operation.query, operation.variablesJson, operation.operationName)
      : postJson(pick, requestBody(operation.query, operation.variablesJson, operation.operationName));
    return { kind: 'document', http };
  });
}

const insertions = [
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  '"',
  '"""',
  '\\',
  '\\u',
  '$',
  '@',
  '...',
  ':',
  '!',
  '#',
  '\u0000',
  '\uFFFF',
  '\uD83D',
  '😀',
  '\u202E',
  '\n',
  '\t',
  ',',
  '=',
  'on',
  'fragment',
  'query',
  '&',
  '|',
];

/** `text` with 1 to 5 edits: characters deleted, duplicated or inserted, tokens swapped, numbers made huge. */
export function mutateText(pick: Pick, text: string): string {
  let result = text;
  for (let edits = pick.int(1, 5); edits > 0; edits--) {
    const at = pick.int(0, result.length);
    const span = pick.int(1, 12);
    result = pick.one([
      () => result.slice(0, at) + result.slice(at + span),
      () => result.slice(0, at) + result.slice(at, at + span).repeat(pick.int(2, 50)) + result.slice(at),
      () => result.slice(0, at) + pick.one(insertions).repeat(pick.int(1, 3)) + result.slice(at),
      () => result.slice(0, at) + pick.text(6) + result.slice(at),
      () => {
        const tokens = result.split(/(\s+)/);
        const i = pick.int(0, tokens.length - 1);
        const j = pick.int(0, tokens.length - 1);
        [tokens[i], tokens[j]] = [tokens[j]!, tokens[i]!];
        return tokens.join('');
      },
      () =>
        result.replace(
          /\d+(\.\d+)?/,
          pick.one(['1e999999', '99999999999999999999999', '-0', '0x10', '1.', '.5', '1e']),
        ),
      () => result.slice(0, at) + '"' + pick.text(10), // an unterminated string, and the rest cut
      () => {
        const levels = pick.int(50, 3_000);
        const [open, close] = pick.one([
          ['{ a ', '}'],
          ['[', ']'],
          ['(a: ', ')'],
          ['{ ... on Query ', '}'],
        ] as const);
        return (
          result.slice(0, at) + open.repeat(levels) + close.repeat(pick.chance(0.8) ? levels : 0) + result.slice(at)
        );
      },
      () => result.slice(0, at), // truncated
    ])();
  }
  return result;
}

/** A valid-ish operation mutated at the character and token level, over HTTP. */
export function mutatedInput(schema: GraphQLSchema, known: KnownValues): Arbitrary<FuzzInput> {
  return picking((pick) => {
    const operation = generateOperation(pick, schema, known);
    const query = mutateText(pick, operation.query);
    const variablesJson = pick.chance(0.2) ? mutateText(pick, operation.variablesJson) : operation.variablesJson;
    const http = pick.chance(0.15)
      ? getQuery(pick, query, variablesJson, operation.operationName)
      : postJson(
          pick,
          pick.chance(0.1)
            ? mutateText(pick, requestBody(query, variablesJson))
            : requestBody(query, variablesJson, operation.operationName),
        );
    return { kind: 'mutated', http };
  });
}

const paths = [
  '/graphql',
  '/',
  '/graphql/',
  '/GRAPHQL',
  '/media/',
  '/media/uploads/',
  '/media/files/',
  '/media/thumbnails/',
  '/media/../graphql',
  '/media/%2e%2e/%2e%2e/etc/passwd',
  '/media/..%2f..%2fetc%2fpasswd',
  '/admin/',
  '/admin/session',
  '/admin/queues',
  '/admin/queues/api/queues',
  '/metrics',
  '/ready',
  '/health',
  '*',
  'http://evil.example/graphql',
  '//graphql',
  '/%ZZ',
  '/%00',
];

const contentTypes = [
  'application/json',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'text/plain',
  'text/plain; charset=utf-8',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/graphql',
  'application/octet-stream',
  'image/png',
  ';;;',
  'application/json'.repeat(200),
];

const weirdQueryStrings = [
  '?query=%7B__typename%7D',
  '?query=%ZZ',
  '?query=%00',
  '?query=',
  '?query[]=a&query[]=b',
  '?query=a&query=b',
  '?variables=%7B%22__proto__%22%3A%7B%7D%7D&query=%7B__typename%7D',
  '?extensions=%7B%22persistedQuery%22%3A%7B%22version%22%3A1%2C%22sha256Hash%22%3A%22x%22%7D%7D',
  '?extensions=%7Bbroken',
  '?expires=99999999999999999999&signature=00',
  '?expires=-1&signature=' + 'f'.repeat(64),
  '?' + '&'.repeat(500),
  '?a=' + '%41'.repeat(3_000),
];

/** The body of a raw request: random bytes, broken or odd JSON, or GraphQL-shaped bodies made strange. */
function rawBody(pick: Pick): string | Uint8Array {
  return pick.weighted<() => string | Uint8Array>([
    [3, () => pick.bytes(4_096)],
    [2, () => requestBody('{ __typename }', '{}').slice(0, pick.int(0, 30))], // truncated JSON
    [
      2,
      () =>
        Buffer.concat([
          Buffer.from('{"query":"{ __typename }","variables":{"s":"'),
          Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]),
          Buffer.from('"}}'),
        ]),
    ], // invalid UTF-8
    [2, () => hostileJsonText(pick)],
    [1, () => `[${Array.from({ length: pick.int(0, 30) }, () => '{"query":"{ __typename }"}').join(',')}]`], // batched
    [
      1,
      () =>
        `{"query":"{ __typename }",${Array.from({ length: pick.int(1_000, 50_000) }, (_, i) => `"k${i}":0`).join(',')}}`,
    ],
    [1, () => `{"query":${JSON.stringify(hostileString(pick))}}`],
    [1, () => `{"query":{"__proto__":{"polluted":true}},"variables":"{}"}`],
    [1, () => `{"query":"{ __typename }","extensions":${hostileJsonText(pick)}}`],
    [
      1,
      () => `{"query":"{ __typename }","variables":${hostileJsonText(pick)},"operationName":${hostileJsonText(pick)}}`,
    ],
    [1, () => ''],
  ])();
}

/** `text` as UTF-8 bytes, percent-encoded (unlike `encodeURIComponent`, a lone surrogate does not throw). */
function percentEncoded(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9._~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

function rawHttp(pick: Pick, depth = 0): HttpInput {
  const method = pick.weighted([
    [5, 'POST'],
    [4, 'GET'],
    [1, pick.one(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'CONNECT', 'PROPFIND', 'GE T', 'get'])],
  ]);
  let target = pick.one(paths);
  if (target.endsWith('/') && pick.chance(0.5)) target += percentEncoded(hostileString(pick, 300));
  if (pick.chance(0.3)) target += pick.one(weirdQueryStrings);
  if (pick.chance(0.02)) target = '/' + 'a'.repeat(pick.int(10_000, 70_000));
  const headers: [string, string][] = [...authorization(pick)];
  if (pick.chance(0.8)) headers.push(['content-type', pick.one(contentTypes)]);
  if (pick.chance(0.3)) headers.push(['apollo-require-preflight', 'true']);
  if (pick.chance(0.1))
    headers.push([
      'accept',
      pick.one(['multipart/mixed;subscriptionSpec=1.0', 'text/html', '*/*;q=0', 'application/graphql-response+json']),
    ]);
  if (pick.chance(0.1)) headers.push(['x-request-id', pick.one(['../../x', 'a'.repeat(500), 'ok-id', '\u00ff'])]);
  if (pick.chance(0.1))
    headers.push(['cookie', `curbside_admin=${pick.one([adminTokenPlaceholder, 'x', ';;;', '=' + '%'.repeat(100)])}`]);
  if (pick.chance(0.1)) headers.push(['x-forwarded-for', pick.one(['1.2.3.4', '::1, 10.0.0.1', 'garbage', ''])]);
  if (pick.chance(0.05)) headers.push(['origin', pick.one(['http://evil.example', 'null', 'http://localhost:3000'])]);
  if (pick.chance(0.05)) {
    for (let i = pick.int(10, 1_500); i > 0; i--) headers.push([`x-h${i}`, 'v']); // many headers
  }
  if (pick.chance(0.05)) headers.push(['connection', 'keep-alive, transfer-encoding']);
  if (pick.chance(0.05)) headers.push(['expect', '100-continue']);
  let body = pick.chance(method === 'GET' ? 0.2 : 0.9) ? rawBody(pick) : '';
  if (pick.chance(0.01)) body = 'a'.repeat(2 * 1024 * 1024 + pick.int(1, 1_000)); // past the 2 MiB body limit
  const framing = pick.weighted([
    [5, 'length'],
    [2, 'chunked'],
    [1, 'short'],
    [1, 'long'],
    [1, 'bad-chunks'],
    [1, 'none'],
  ] as const);
  const input: HttpInput = { method, target, headers, body, framing };
  if (depth === 0 && pick.chance(0.05)) input.pipelined = rawHttp(pick, 1);
  return input;
}

/** A raw HTTP request to any path of the gateway. */
export function rawInput(): Arbitrary<FuzzInput> {
  return picking((pick) => ({ kind: 'raw', http: rawHttp(pick) }));
}
