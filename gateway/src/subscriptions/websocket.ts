import type { IncomingMessage, Server } from 'node:http';
import { createRequire } from 'node:module';
import type {
  DocumentNode,
  GraphQLSchema,
  ExecutionArgs,
  ExecutionResult,
  FormattedExecutionResult,
  GraphQLError,
  GraphQLFormattedError,
  OperationDefinitionNode,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { viewerFromHeader, type AccessTokenVerifier, type Viewer } from '@curbside/auth';
import { requestIdOf } from '@curbside/http';
import type { Logger } from '@curbside/service';
import { measureOperation, operationLimitErrors, type OperationLimits } from '../operation-limits.ts';
import { lastEventIdOf } from './resume.ts';
import { SubscriptionEndedError, type SubscriptionService } from './service.ts';

/**
 * graphql's CommonJS build: the API schema is built by Apollo's federation packages (CommonJS), and graphql-js
 * refuses a schema from the other build, so sockets parse and validate with this one.
 */
const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

export interface WebSocketLimits {
  /** A socket that sends no `connection_init` within this long is closed (4408). */
  connectionInitWaitTimeoutMs: number;
  /** The largest message accepted (`ws`'s own default is 100 MiB); a larger one closes the socket (1009). */
  maxMessageBytes: number;
  /** Subscriptions open at once on one socket. */
  maxSubscriptionsPerConnection: number;
  /** Subscriptions open at once on this gateway process, over every transport. */
  maxSubscriptionsPerProcess: number;
}

export const defaultWebSocketLimits: WebSocketLimits = {
  connectionInitWaitTimeoutMs: 3_000,
  maxMessageBytes: 256 * 1024,
  maxSubscriptionsPerConnection: 100,
  maxSubscriptionsPerProcess: 20_000,
};

/** A query or mutation sent over the socket, run like one sent over HTTP. */
export type OperationExecutor = (operation: {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  authorization: string | null;
  viewer: Viewer | null;
  requestId: string;
  clientIp: string;
}) => Promise<FormattedExecutionResult>;

/** Charges an operation to the caller's rate limits; the error to refuse it with, or null. */
export type OperationCharger = (
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  cost: number,
  caller: { viewer: Viewer | null; clientIp: string },
) => Promise<GraphQLError | null>;

interface SocketState {
  authorization: string | null;
  viewer: Viewer | null;
  requestId: string;
  clientIp: string;
}

/** What each operation on a socket carries to `subscribe` and `execute`. */
interface OperationContext extends SocketState {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  lastEventId: string | null;
}

export interface SubscriptionSocketsOptions {
  server: Server;
  path: string;
  service: SubscriptionService;
  verifyAccessToken: AccessTokenVerifier;
  executeOperation: OperationExecutor;
  formatError: (error: GraphQLFormattedError) => GraphQLFormattedError;
  logger: Logger;
  limits?: Partial<WebSocketLimits>;
  /** The same limits as over HTTP. */
  operationLimits: OperationLimits;
  chargeOperation: OperationCharger;
  clientIpOf: (request: IncomingMessage) => string;
  /** Trusted documents: the document a subscribe message names, or why it may not run (null: as sent). */
  resolveDocument: (payload: {
    query: string;
    extensions?: Record<string, unknown> | null;
  }) => { query: string } | { refused: { code: string; message: string } } | null;
}

export interface SubscriptionSockets {
  /** Open client sockets. */
  connections(): number;
  /** Closes every socket with 1001 (going away), so clients reconnect elsewhere. */
  close(): Promise<void>;
}

const codedError = (message: string, code: string) => new graphqlCjs.GraphQLError(message, { extensions: { code } });
const limitReached = (message: string) => codedError(message, 'SUBSCRIPTION_LIMIT_REACHED');

/**
 * graphql-ws (subprotocol graphql-transport-ws, as Apollo Sandbox and GraphQLWsLink speak it) on the gateway's
 * own port and path. The token comes in `connection_init` as `{ authorization: "Bearer <token>" }` and is
 * verified there: a bad one closes the socket with 4403. Subscriptions run federated through the
 * SubscriptionService; queries and mutations sent over the socket run as over HTTP.
 */
export function serveSubscriptionSockets(options: SubscriptionSocketsOptions): SubscriptionSockets {
  const { service, logger, formatError } = options;
  const limits = { ...defaultWebSocketLimits, ...options.limits };
  const sockets = new WebSocketServer({
    server: options.server,
    path: options.path,
    maxPayload: limits.maxMessageBytes,
  });
  const formatErrors = (errors: readonly GraphQLError[]) => errors.map((error) => formatError(error.toJSON()));

  const validDocuments = new WeakMap<GraphQLSchema, Map<string, DocumentNode>>();
  const rememberDocument = (schema: GraphQLSchema, query: string, document: DocumentNode) => {
    let documents = validDocuments.get(schema);
    if (!documents) validDocuments.set(schema, (documents = new Map()));
    // A bounded cache: a client sending ever-new documents cannot grow it past this.
    if (documents.size >= 1_000) documents.delete(documents.keys().next().value!);
    documents.set(query, document);
  };

  const graphqlWs = useServer<Record<string, unknown> | undefined, Partial<SocketState>>(
    {
      schema: () => service.schema,
      connectionInitWaitTimeout: limits.connectionInitWaitTimeoutMs,
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.['authorization'] ?? null;
        if (authorization !== null && typeof authorization !== 'string') return false;
        ctx.extra.requestId = requestIdOf(ctx.extra.request);
        ctx.extra.clientIp = options.clientIpOf(ctx.extra.request);
        try {
          ctx.extra.viewer = await viewerFromHeader(authorization ?? undefined, options.verifyAccessToken);
        } catch (error) {
          logger.info({ err: error, requestId: ctx.extra.requestId }, 'graphql-ws connection refused');
          return false;
        }
        ctx.extra.authorization = ctx.extra.viewer ? authorization : null;
        return true;
      },
      // Parsed and validated here rather than by graphql-ws, so every refusal carries a code (and a syntax
      // error answers that operation instead of closing the whole socket).
      onSubscribe: async (ctx, id, payload) => {
        const viewer = ctx.extra.viewer ?? null;
        if (viewer && viewer.expiresAt * 1000 <= Date.now()) {
          return [codedError('The access token has expired; sign in again and reconnect.', 'UNAUTHENTICATED')];
        }
        // This operation's id is already among them.
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerConnection) {
          return [limitReached(`At most ${limits.maxSubscriptionsPerConnection} subscriptions per connection.`)];
        }
        const schema = service.schema;
        const resolution = options.resolveDocument(payload);
        if (resolution && 'refused' in resolution) {
          return [codedError(resolution.refused.message, resolution.refused.code)];
        }
        const query = resolution?.query ?? payload.query;
        // Clients subscribe with the same few documents over and over: each is parsed and validated once per
        // schema, and its AST is shared by every subscription that sends it.
        let document = validDocuments.get(schema)?.get(query);
        if (!document) {
          try {
            document = graphqlCjs.parse(query, { maxTokens: options.operationLimits.maxTokens });
          } catch (error) {
            return [codedError((error as Error).message, 'GRAPHQL_PARSE_FAILED')];
          }
          const invalid = graphqlCjs.validate(schema, document);
          if (invalid.length > 0) return invalid.map((error) => codedError(error.message, 'GRAPHQL_VALIDATION_FAILED'));
          rememberDocument(schema, query, document);
        }
        const operationName = payload.operationName ?? undefined;
        const operation = graphqlCjs.getOperationAST(document, operationName);
        if (!operation) return [codedError('Name the operation to run.', 'GRAPHQL_VALIDATION_FAILED')];
        const variables = payload.variables ?? {};
        const measure = measureOperation(document, operation, schema, variables);
        const exceeded = operationLimitErrors(measure, options.operationLimits);
        if (exceeded.length > 0) return exceeded;
        const clientIp = ctx.extra.clientIp ?? 'unknown';
        // Queries and mutations are charged by Apollo's pipeline when they run; subscriptions here.
        if (operation.operation === 'subscription') {
          const limited = await options.chargeOperation(operation, variables, measure.cost, { viewer, clientIp });
          if (limited) return [limited];
        }
        if (operation.operation === 'subscription') {
          if (service.stats().subscriptions >= limits.maxSubscriptionsPerProcess) {
            return [limitReached('This gateway holds as many subscriptions as it may; retry shortly.')];
          }
          const coerced = graphqlCjs.getVariableValues(schema, operation.variableDefinitions ?? [], variables);
          if (coerced.errors) return coerced.errors.map((error) => codedError(error.message, 'BAD_USER_INPUT'));
        }
        const lastEventId = lastEventIdOf(payload.extensions);
        if (lastEventId === 'invalid') {
          return [codedError('extensions.lastEventId must be an eventId that an event carried.', 'BAD_USER_INPUT')];
        }
        const context: OperationContext = {
          authorization: ctx.extra.authorization ?? null,
          viewer,
          requestId: `${ctx.extra.requestId}:${id}`,
          clientIp,
          query,
          operationName,
          variables,
          lastEventId,
        };
        return { schema, document, operationName, variableValues: variables, contextValue: context };
      },
      // Results are already in their client-facing (formatted) shape, hence the casts and `onNext`.
      subscribe: async (args: ExecutionArgs) => {
        const operation = args.contextValue as OperationContext;
        const stream = service.subscribe({ ...operation, document: args.document });
        return stream as unknown as AsyncGenerator<ExecutionResult>;
      },
      execute: async (args: ExecutionArgs) => {
        const { query, operationName, variables, authorization, viewer, requestId, clientIp } =
          args.contextValue as OperationContext;
        const result = await options.executeOperation({
          query,
          operationName,
          variables,
          authorization,
          viewer,
          requestId,
          clientIp,
        });
        return result as ExecutionResult;
      },
      onNext: (_ctx, _id, _payload, _args, result) => result as FormattedExecutionResult,
      onError: (_ctx, _id, _payload, errors) => {
        const ended = errors.map((error) => error.originalError);
        if (ended.length === 1 && ended[0] instanceof SubscriptionEndedError) return ended[0].errors.map(formatError);
        return formatErrors(errors);
      },
    },
    sockets,
  );

  return {
    connections: () => sockets.clients.size,
    // graphql-ws closes every socket with 1001 (going away), ending their subscriptions.
    close: async () => graphqlWs.dispose(),
  };
}
