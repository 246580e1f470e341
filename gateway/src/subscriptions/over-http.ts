import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { Viewer } from '@curbside/auth';
import { sendGraphQLError, sendJson } from '@curbside/http';
import { refusal } from '../admission.ts';
import { hasConditionalRoot } from '../root-fields.ts';
import { conditionalRootMessage, type OperationPayload, type SubscriptionAdmission } from './admission.ts';
import { acceptsMultipartSubscription, streamMultipart } from './multipart.ts';
import type { SubscriptionService } from './service.ts';

/** graphql's CommonJS build: the one Apollo's schemas are made with (see websocket.ts). */
const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

export interface HttpSubscriptionsOptions {
  service: SubscriptionService;
  /** The same admission graphql-ws subscriptions pass through. */
  admit: SubscriptionAdmission;
  formatError: (error: GraphQLFormattedError) => GraphQLFormattedError;
  clientIpOf: (req: IncomingMessage) => string;
  /** Documents refused before parsing (size, nesting) are left to the caller, which refuses them. */
  documentRefusal: (query: string) => unknown;
  maxTokens: number;
}

/** The status a refusal asks for (the first error's `extensions.http.status`), 400 by default. */
function statusOf(errors: readonly GraphQLError[]): number {
  const status = (errors[0]?.extensions?.['http'] as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : 400;
}

/** A 429's `Retry-After`, from the refusal that asked for it. */
function retryAfterOf(errors: readonly GraphQLError[]): Record<string, string> {
  const retryAfterMs = errors[0]?.extensions?.['retryAfterMs'];
  return typeof retryAfterMs === 'number' ? { 'retry-after': String(Math.ceil(retryAfterMs / 1000)) } : {};
}

/**
 * Subscriptions sent as HTTP POSTs: streamed as multipart (`Accept: multipart/mixed;subscriptionSpec=1.0`, as
 * Apollo Client's HttpLink asks) after the same admission as over graphql-ws. They are not Apollo Server's to
 * run (it would answer 500), so the gateway picks them out before Apollo sees the request.
 */
export function makeHttpSubscriptions(options: HttpSubscriptionsOptions) {
  const { formatError } = options;
  return {
    /**
     * What the gateway does with a request body itself, before Apollo: `subscription` when it carries a
     * subscription to serve; `refused` when it holds a subscription whose root is conditional (graphql-js's
     * validation throws on those instead of reporting them, whichever operation the request runs); null for
     * anything else, which Apollo answers as usual. Only a cheap look: the admission checks it for real.
     */
    classify(body: unknown): { subscription: OperationPayload } | { refused: GraphQLError } | null {
      if (typeof body !== 'object' || body === null) return null;
      const { query, operationName } = body as Record<string, unknown>;
      // Cheap first: most requests are not subscriptions and are parsed by Apollo anyway.
      if (typeof query !== 'string' || !query.includes('subscription')) return null;
      if (options.documentRefusal(query)) return null;
      let document;
      try {
        document = graphqlCjs.parse(query, { maxTokens: options.maxTokens });
      } catch {
        return null; // Apollo reports the syntax error (or the token limit) itself
      }
      const conditional = document.definitions.some(
        (definition) =>
          definition.kind === 'OperationDefinition' &&
          definition.operation === 'subscription' &&
          hasConditionalRoot(document, definition),
      );
      if (conditional) return { refused: refusal('GRAPHQL_VALIDATION_FAILED', conditionalRootMessage) };
      const name = typeof operationName === 'string' ? operationName : undefined;
      const operation = graphqlCjs.getOperationAST(document, name);
      return operation?.operation === 'subscription' ? { subscription: body as OperationPayload } : null;
    },

    /** Admits the subscription and streams it, or answers the refusal with its status. */
    async serve(
      req: IncomingMessage,
      res: ServerResponse,
      payload: OperationPayload,
      caller: { authorization: string | null; viewer: Viewer | null; requestId: string },
    ): Promise<void> {
      const headers = { 'x-request-id': caller.requestId };
      if (!acceptsMultipartSubscription(req)) {
        return sendGraphQLError(
          res,
          'BAD_REQUEST',
          'Subscriptions are served over graphql-ws on this path, or over HTTP with ' +
            '`Accept: multipart/mixed;subscriptionSpec=1.0`.',
          {},
          headers,
        );
      }
      const admitted = await options.admit(payload, { ...caller, clientIp: options.clientIpOf(req) });
      if ('refused' in admitted) {
        const errors = admitted.refused;
        return sendJson(
          res,
          statusOf(errors),
          { errors: errors.map((error) => formatError(error.toJSON())) },
          { ...headers, ...retryAfterOf(errors) },
        );
      }
      if (admitted.kind !== 'subscription') throw new Error('a subscription admitted as another operation');
      let stream;
      try {
        stream = options.service.subscribe(admitted.request);
      } catch (error) {
        admitted.request.onRelease?.(); // no stream to end: give its cap slots back now
        throw error;
      }
      await streamMultipart(res, stream, { headers, formatError });
    },
  };
}
