import { GraphQLError } from 'graphql';

/**
 * Every client-facing error code, with what it means to a client. This is the one registry:
 * subgraphs and the gateway raise only these, and README's error table is checked against it.
 */
export const errorCodes = {
  UNAUTHENTICATED: { httpStatus: 401, description: 'No valid session: sign in, or refresh the access token.' },
  FORBIDDEN: { httpStatus: 403, description: 'Signed in, but not allowed to do this to this object.' },
  NOT_FOUND: { httpStatus: 404, description: 'The object does not exist, or is not visible to the viewer.' },
  BAD_USER_INPUT: {
    httpStatus: 400,
    description: 'An argument is invalid; `extensions.fields` maps each bad field to what was expected.',
  },
  OPERATION_LIMIT_EXCEEDED: {
    httpStatus: 400,
    description:
      'The operation is too deep, too costly or too large (`extensions.limit`, `max`, `actual` say which); nothing ran.',
  },
  PERSISTED_QUERY_NOT_ALLOWED: {
    httpStatus: 400,
    description: 'This gateway runs only its trusted documents (safelist): send one of them, by id.',
  },
  CONFLICT: { httpStatus: 409, description: 'The change clashes with existing data (a taken email or username).' },
  RATE_LIMITED: { httpStatus: 429, description: 'Too many requests; `extensions.retryAfterMs` says when to retry.' },
  SERVICE_UNAVAILABLE: {
    httpStatus: 503,
    description: 'A dependency needed to answer (such as the key set that verifies tokens) is unreachable; retry.',
  },
  GATEWAY_TIMEOUT: {
    httpStatus: 504,
    description: 'A subgraph did not answer in time: its fields are null, the rest of the response is there.',
  },
  SUBSCRIPTION_SCHEMA_RELOAD: {
    httpStatus: 503,
    description:
      "The gateway switched to a new schema that rejects this subscription's operation and ended it (subscriptions it accepts go on): update the operation, then subscribe again.",
  },
  SUBSCRIPTION_CANNOT_RESUME: {
    httpStatus: 410,
    description:
      'The events since `lastEventId` are no longer kept, or this subscription cannot resume: refetch, then subscribe again without it.',
  },
  SUBSCRIPTION_LIMIT_REACHED: {
    httpStatus: 429,
    description: 'Too many subscriptions open on this connection or gateway; close some, or retry shortly.',
  },
  BAD_REQUEST: {
    httpStatus: 400,
    description:
      'The request itself is malformed: a body that is not JSON or not UTF-8, a content type or method the path does not take, or a body where none belongs.',
  },
  GRAPHQL_PARSE_FAILED: {
    httpStatus: 400,
    description: 'The document is not GraphQL (or has more tokens than allowed); nothing ran.',
  },
  GRAPHQL_VALIDATION_FAILED: {
    httpStatus: 400,
    description: 'The document does not validate against the schema (an unknown field, a wrong argument); nothing ran.',
  },
  OPERATION_RESOLUTION_FAILURE: {
    httpStatus: 400,
    description: 'The document has several operations and `operationName` names none of them.',
  },
  PERSISTED_QUERY_NOT_FOUND: {
    httpStatus: 200,
    description:
      'APQ: this gateway does not know the hash; send the document with it once (HTTP 200, as APQ clients expect). A trusted-document id missing from the manifest gets it with HTTP 400.',
  },
  PERSISTED_QUERY_NOT_SUPPORTED: {
    httpStatus: 200,
    description: 'Automatic persisted queries are off here: send the document itself.',
  },
  BAD_GATEWAY: { httpStatus: 502, description: 'The media service behind `/media/*` could not be reached; retry.' },
  METHOD_NOT_ALLOWED: { httpStatus: 405, description: 'The path does not take this method; `Allow` says which do.' },
  SIGNATURE_INVALID: {
    httpStatus: 403,
    description:
      "The upload URL's signature does not match (or is missing or malformed): use the URL exactly as given.",
  },
  URL_EXPIRED: {
    httpStatus: 403,
    description: 'The upload URL is past its `expires`: ask for a new one with createUpload.',
  },
  ALREADY_UPLOADED: {
    httpStatus: 409,
    description: 'The upload URL was used successfully already, or another PUT with it is in progress.',
  },
  LENGTH_REQUIRED: { httpStatus: 411, description: 'An upload must send `Content-Length` (the declared byteSize).' },
  SIZE_MISMATCH: {
    httpStatus: 400,
    description: 'The upload is not the byteSize declared at createUpload (Content-Length or the bytes received).',
  },
  TYPE_MISMATCH: {
    httpStatus: 415,
    description: 'The Content-Type, or the type the bytes really are, is not the type declared at createUpload.',
  },
  INVALID_IMAGE: {
    httpStatus: 422,
    description:
      'The bytes start like the declared type but cannot be read as an image (or it is over 100 megapixels).',
  },
  INTERNAL_SERVER_ERROR: {
    httpStatus: 500,
    description: 'An unexpected failure; the message is masked and `extensions.requestId` identifies it in logs.',
  },
} as const;

export type ErrorCode = keyof typeof errorCodes;

/**
 * Every code a Curbside service closes a WebSocket with (the gateway's and the subgraphs' graphql-ws endpoints),
 * with what it means to a client and whether reconnecting can help. Most are graphql-ws's own (`CloseCode`);
 * 1001 and 1009 are the WebSocket protocol's. The error reference (docs/errors.md) is generated from it.
 */
export const closeCodes = {
  1001: {
    reason: 'Going away',
    description: 'The server is stopping (a deploy or scale-down): reconnect, to another replica, and resubscribe.',
    reconnect: true,
  },
  1009: {
    reason: 'Message too big',
    description:
      "A message over the server's limit (256 KiB at the gateway) was sent. Send smaller documents and variables.",
    reconnect: false,
  },
  4400: {
    reason: 'Bad request',
    description:
      'A message that is not valid graphql-transport-ws (not JSON, an unknown type, nested too deep, a field of the wrong type).',
    reconnect: false,
  },
  4401: {
    reason: 'Unauthorized',
    description: 'A `subscribe` was sent before the server acknowledged `connection_init`.',
    reconnect: false,
  },
  4403: {
    reason: 'Forbidden',
    description:
      '`connection_init` carried an `authorization` that is not accepted (an expired or malformed access token, or one of a suspended or closed account): refresh the token and reconnect, or send none to connect anonymously.',
    reconnect: true,
  },
  4406: {
    reason: 'Subprotocol not acceptable',
    description: 'The socket did not ask for the `graphql-transport-ws` subprotocol.',
    reconnect: false,
  },
  4408: {
    reason: 'Connection initialisation timeout',
    description: 'No `connection_init` arrived within 3 seconds of opening the socket.',
    reconnect: true,
  },
  4409: {
    reason: 'Subscriber already exists',
    description: 'A `subscribe` reused the id of an operation still running on this socket.',
    reconnect: false,
  },
  4429: {
    reason: 'Too many initialisation requests',
    description: '`connection_init` was sent more than once on one socket.',
    reconnect: false,
  },
  4500: {
    reason: 'Internal server error',
    description: 'The server failed unexpectedly while handling a message; reconnect (the failure is logged).',
    reconnect: true,
  },
} as const satisfies Record<number, { reason: string; description: string; reconnect: boolean }>;

export type CloseCode = keyof typeof closeCodes;

/** Whether `code` is one of the registry's. */
export const isErrorCode = (code: unknown): code is ErrorCode =>
  typeof code === 'string' && Object.hasOwn(errorCodes, code);

/** The `extensions` of an error with a registered code (and anything else it carries). */
export function codedExtensions(
  code: ErrorCode,
  extensions: Record<string, unknown> = {},
): Record<string, unknown> & { code: ErrorCode } {
  return { ...extensions, code };
}

/** The JSON body of a plain HTTP route's refusal (uploads, files, admin pages): `{ error, code }`. */
export const errorBody = (code: ErrorCode, message: string): { error: string; code: ErrorCode } => ({
  error: message,
  code,
});

/** Field name to a sentence saying what was expected, for `BAD_USER_INPUT`. */
export type FieldProblems = Record<string, string>;

/** Builds a client-facing error carrying a registered code. */
export function clientError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export const unauthenticated = (message = 'You must be signed in to do this.') =>
  clientError('UNAUTHENTICATED', message);
export const forbidden = (message = 'You are not allowed to do this.') => clientError('FORBIDDEN', message);
export const notFound = (what: string) => clientError('NOT_FOUND', `${what} was not found.`);
export const conflict = (message: string, fields: FieldProblems = {}) => clientError('CONFLICT', message, { fields });

/** One error naming every bad field at once, so a form can show them all. */
export function badUserInput(fields: FieldProblems): GraphQLError {
  const names = Object.keys(fields);
  const summary = names.map((name) => `${name}: ${fields[name]}`).join('; ');
  return clientError('BAD_USER_INPUT', `Invalid input. ${summary}`, { fields });
}

/**
 * True when the error carries one of the registered client codes (and may reach clients as it is).
 * Checked by shape, not `instanceof`: the ESM and CommonJS builds of graphql can both be loaded.
 */
export function isClientError(error: unknown): error is GraphQLError {
  if (!(error instanceof Error) || !('extensions' in error)) return false;
  const code = (error as GraphQLError).extensions?.['code'];
  return isErrorCode(code) && code !== 'INTERNAL_SERVER_ERROR';
}
