import type { GraphQLFormattedError } from 'graphql';
import { DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { ZodError } from 'zod';
import { clientFacingError, maskedError, replacedError } from '@curbside/http';
import type { Logger } from '@curbside/service';

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

/** PostgreSQL's codes for text it cannot store: character_not_in_repertoire, untranslatable_character. */
const textRefusedCodes = new Set(['22021', '22P05']);

/**
 * The one place a subgraph turns thrown errors into what clients see: registered codes pass as they
 * are, database and validation failures are mapped to client codes, everything else is masked and
 * logged (the request id added by the server lets an operator find the log line).
 */
export function makeErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const passed = clientFacingError(formatted);
    if (passed) return passed;
    const original = originalErrorOf(error);
    if (original instanceof UniqueConstraintViolationException) {
      return replacedError(formatted, 'CONFLICT', 'This conflicts with existing data.');
    }
    // PostgreSQL's text cannot hold NUL (U+0000) or bytes its encoding lacks: the input, not the server, is wrong.
    if (original instanceof DriverException && textRefusedCodes.has(String(original.code))) {
      return replacedError(formatted, 'BAD_USER_INPUT', 'Text may not contain the NUL character (U+0000).');
    }
    if (original instanceof ZodError) {
      const fields = Object.fromEntries(original.issues.map((issue) => [issue.path.join('.'), issue.message]));
      return replacedError(formatted, 'BAD_USER_INPUT', 'Invalid input.', { fields });
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error in resolver');
    return maskedError(formatted);
  };
}
