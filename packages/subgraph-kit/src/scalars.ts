import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new GraphQLError(`DateTime expects an ISO-8601 string, but got ${JSON.stringify(value)}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
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
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime expects a string literal.');
    return parseDateTime(ast.value);
  },
});
