import { GraphQLScalarType, Kind } from 'graphql';
import { clientError } from '@curbside/errors';
import { quoted } from './input.ts';

/** Longer than any ISO-8601 date-time (`+275760-09-13T00:00:00.000+00:00` has 32 characters): 64. */
const maxDateTimeLength = 64;

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' && value.length <= maxDateTimeLength ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    const got = typeof value === 'string' ? quoted(value) : typeof value;
    throw clientError('BAD_USER_INPUT', `DateTime expects an ISO-8601 string, but got ${got}`);
  }
  return date;
}

/** `DateTime`: a JavaScript Date inside, an ISO-8601 UTC string on the wire. */
export const dateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An ISO-8601 date-time in UTC, such as 2026-11-21T18:41:00.000Z.',
  serialize(value) {
    const date = value instanceof Date ? value : parseDateTime(value);
    return date.toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw clientError('BAD_USER_INPUT', 'DateTime expects a string literal.');
    return parseDateTime(ast.value);
  },
});
