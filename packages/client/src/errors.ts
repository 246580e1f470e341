/**
 * The Curbside error code (`extensions.code`, listed in docs/errors.md) of an error Apollo Client reports,
 * wherever it came from: errors in a result (`CombinedGraphQLErrors`), an error ending a multipart subscription
 * (`CombinedProtocolErrors`), or a refusal with an HTTP status (`ServerError`, whose JSON body holds the
 * errors: the gateway answers a refused request 4xx, as the GraphQL-over-HTTP specification asks).
 * Undefined when the error carries none (the network failed).
 */
import { CombinedGraphQLErrors, CombinedProtocolErrors, ServerError } from '@apollo/client/errors';

type Coded = { extensions?: { code?: unknown } | null | undefined };

const firstCode = (errors: readonly Coded[] | undefined): string | undefined => {
  const code = errors?.find((error) => typeof error.extensions?.code === 'string')?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
};

export function errorCodeOf(error: unknown): string | undefined {
  if (CombinedGraphQLErrors.is(error) || CombinedProtocolErrors.is(error)) return firstCode(error.errors);
  if (ServerError.is(error)) {
    try {
      return firstCode((JSON.parse(error.bodyText) as { errors?: Coded[] }).errors);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
