import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer, BaseContext, HTTPGraphQLRequest } from '@apollo/server';
import { KeySetUnavailableError, viewerFromHeader, type AccessTokenVerifier, type Viewer } from '@curbside/auth';
import { isClientError } from '@curbside/errors';
import { badRequestMessage, readBody, sendGraphQLError, toGraphQLRequest, writeGraphQLResponse } from './node-http.ts';

/** Who sent a request, as its verified `Authorization` header says. */
export interface HttpCaller {
  /** The header as sent, kept only when it verified (forwarded to subgraphs); null when anonymous. */
  authorization: string | null;
  viewer: Viewer | null;
}

export interface GraphQLEntryOptions<Context extends BaseContext> {
  apollo: ApolloServer<Context>;
  verifyAccessToken: AccessTokenVerifier;
  requestId: string;
  /** The context Apollo runs the operation with. */
  context: (caller: HttpCaller) => Context;
  /** Told when the token's key set cannot be fetched (the caller gets 503 SERVICE_UNAVAILABLE). */
  onKeySetUnavailable?: (error: KeySetUnavailableError) => void;
  /**
   * A step of the caller's own between decoding the request and Apollo (trusted documents, size limits, a
   * subscription it serves itself). It returns true when it answered the request.
   */
  intercept?: (request: HTTPGraphQLRequest, caller: HttpCaller) => Promise<boolean> | boolean;
}

/**
 * The one HTTP entry to GraphQL, for the gateway and every subgraph: the token is verified before the body is
 * read (a bad one costs nothing more: 401 UNAUTHENTICATED, 403 FORBIDDEN for a blocked account, 503 when keys
 * cannot be fetched), the body is read within its limit and decoded strictly (400 BAD_REQUEST), then Apollo
 * answers, streaming when the response is incremental. Every response carries `x-request-id`.
 */
export async function serveGraphQLOverHttp<Context extends BaseContext>(
  req: IncomingMessage,
  res: ServerResponse,
  options: GraphQLEntryOptions<Context>,
): Promise<void> {
  const headers = { 'x-request-id': options.requestId };
  const authorization = req.headers.authorization ?? null;
  let viewer: Viewer | null;
  try {
    viewer = await viewerFromHeader(authorization, options.verifyAccessToken);
  } catch (error) {
    if (error instanceof KeySetUnavailableError) {
      options.onKeySetUnavailable?.(error);
      sendGraphQLError(res, 'SERVICE_UNAVAILABLE', 'Cannot verify the access token right now; retry.', {}, headers);
      return;
    }
    if (isClientError(error) && error.extensions['code'] === 'FORBIDDEN') {
      sendGraphQLError(res, 'FORBIDDEN', error.message, {}, headers);
      return;
    }
    const message = isClientError(error) ? error.message : 'The access token is invalid.';
    sendGraphQLError(res, 'UNAUTHENTICATED', message, {}, { ...headers, 'www-authenticate': 'Bearer' });
    return;
  }
  const caller: HttpCaller = { authorization: viewer ? authorization : null, viewer };
  const rawBody = await readBody(req);
  let httpGraphQLRequest: HTTPGraphQLRequest;
  try {
    httpGraphQLRequest = toGraphQLRequest(req, rawBody);
  } catch (error) {
    sendGraphQLError(res, 'BAD_REQUEST', badRequestMessage(error), {}, headers);
    return;
  }
  if (options.intercept && (await options.intercept(httpGraphQLRequest, caller))) return;
  const response = await options.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest,
    context: async () => options.context(caller),
  });
  await writeGraphQLResponse(res, response, headers);
}
