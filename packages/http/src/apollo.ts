import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { isErrorCode } from '@curbside/errors';

const whereOf = ({ path, locations }: GraphQLFormattedError) => ({
  ...(path ? { path } : {}),
  ...(locations ? { locations } : {}),
});

/**
 * The error as a client may see it when its code is registered (Apollo's request codes are too),
 * without stack or internals; null when it must be masked.
 */
export function clientFacingError(formatted: GraphQLFormattedError): GraphQLFormattedError | null {
  const code = formatted.extensions?.['code'];
  if (!isErrorCode(code) || code === 'INTERNAL_SERVER_ERROR') return null;
  // `http` is Apollo's instruction for the response status, not something for the client.
  const { stacktrace: _stacktrace, exception: _exception, http: _http, ...extensions } = formatted.extensions ?? {};
  return { message: formatted.message, ...whereOf(formatted), extensions };
}

/** A client error with another code and message, at the same place in the response. */
export function replacedError(
  formatted: GraphQLFormattedError,
  code: string,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQLFormattedError {
  return { message, ...whereOf(formatted), extensions: { ...extensions, code } };
}

/** What a client sees of an unexpected error: no message, no stack; the request id is added by the plugin below. */
export const maskedError = (formatted: GraphQLFormattedError): GraphQLFormattedError =>
  replacedError(formatted, 'INTERNAL_SERVER_ERROR', 'Internal server error.');

/** Adds the request id to every masked error, so a client can quote it and an operator find the log line. */
export function requestIdPlugin<Context extends { requestId: string }>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          for (const error of response.body.singleResult.errors ?? []) {
            if (error.extensions?.['code'] === 'INTERNAL_SERVER_ERROR') {
              (error.extensions as Record<string, unknown>)['requestId'] = contextValue.requestId;
            }
          }
        },
      };
    },
  };
}
