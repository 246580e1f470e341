import type { GraphQLFormattedError } from 'graphql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { ZodError } from 'zod';
import { errorCodes } from '@curbside/errors';
import type { Logger } from '@curbside/service';

/** Codes Apollo Server itself uses for malformed requests; they describe the request, so they pass. */
const requestErrorCodes = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * The error a resolver threw, under graphql-js's wrapping. Followed by property, not `instanceof`: the
 * ESM and CommonJS builds of graphql can both be loaded, and their GraphQLError classes differ.
 */
function originalErrorOf(error: unknown): unknown {
  let current = error;
  while (current instanceof Error && 'originalError' in current && current.originalError instanceof Error) {
    current = current.originalError;
  }
  return current;
}

/**
 * The one place a subgraph turns thrown errors into what clients see: registered codes pass as they
 * are, database and validation failures are mapped to client codes, everything else is masked and
 * logged (the request id added by the server lets an operator find the log line).
 */
export function makeErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.['code'];
    const original = originalErrorOf(error);
    const { path, locations } = formatted;
    const where = { ...(path ? { path } : {}), ...(locations ? { locations } : {}) };
    if (
      typeof code === 'string' &&
      code !== 'INTERNAL_SERVER_ERROR' &&
      (code in errorCodes || requestErrorCodes.has(code))
    ) {
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      return { message: formatted.message, ...where, extensions };
    }
    if (original instanceof UniqueConstraintViolationException) {
      return { message: 'This conflicts with existing data.', ...where, extensions: { code: 'CONFLICT' } };
    }
    if (original instanceof ZodError) {
      const fields = Object.fromEntries(original.issues.map((issue) => [issue.path.join('.'), issue.message]));
      return { message: 'Invalid input.', ...where, extensions: { code: 'BAD_USER_INPUT', fields } };
    }
    logger.error({ err: original, path }, 'unexpected error in resolver');
    return { message: 'Internal server error.', ...where, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
