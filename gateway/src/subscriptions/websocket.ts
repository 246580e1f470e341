import type { IncomingMessage, Server } from 'node:http';
import type {
  ExecutionArgs,
  ExecutionResult,
  FormattedExecutionResult,
  GraphQLError,
  GraphQLFormattedError,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { viewerFromHeader, type AccessTokenVerifier, type Viewer } from '@curbside/auth';
import { requestIdOf } from '@curbside/http';
import type { Logger } from '@curbside/service';
import type { IncrementalResults } from '../executor/incremental.ts';
import type { SubscriptionAdmission } from './admission.ts';
import { guardMessages } from './message-guard.ts';
import { SubscriptionEndedError, type SubscriptionRequest, type SubscriptionService } from './service.ts';

/** The deepest nesting of a message's JSON: far above any subscribe payload's variables. */
const maxMessageNesting = 64;

export interface WebSocketLimits {
  /** A socket that sends no `connection_init` within this long is closed (4408). */
  connectionInitWaitTimeoutMs: number;
  /** The largest message accepted (`ws`'s own default is 100 MiB); a larger one closes the socket (1009). */
  maxMessageBytes: number;
  /** Subscriptions open at once on one socket. */
  maxSubscriptionsPerConnection: number;
}

export const defaultWebSocketLimits: WebSocketLimits = {
  connectionInitWaitTimeoutMs: 3_000,
  maxMessageBytes: 256 * 1024,
  maxSubscriptionsPerConnection: 100,
};

/**
 * A query or mutation sent over the socket, run like one sent over HTTP: one result, or (a query with `@defer`
 * under the gateway's own executor) the initial payload then each deferred one, one `next` message each.
 */
export type OperationExecutor = (operation: {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  authorization: string | null;
  viewer: Viewer | null;
  requestId: string;
  clientIp: string;
}) => Promise<FormattedExecutionResult | IncrementalResults<object>>;

interface SocketState {
  authorization: string | null;
  viewer: Viewer | null;
  requestId: string;
  clientIp: string;
}

/** What each admitted operation on a socket carries to `subscribe` or `execute`. */
type OperationContext =
  | { kind: 'subscription'; request: SubscriptionRequest }
  | (SocketState & {
      kind: 'execution';
      query: string;
      operationName: string | undefined;
      variables: Record<string, unknown>;
    });

export interface SubscriptionSocketsOptions {
  server: Server;
  path: string;
  service: SubscriptionService;
  verifyAccessToken: AccessTokenVerifier;
  executeOperation: OperationExecutor;
  formatError: (error: GraphQLFormattedError) => GraphQLFormattedError;
  logger: Logger;
  limits?: Partial<WebSocketLimits>;
  /** The gateway's admission of every operation outside Apollo's HTTP pipeline (the same as multipart's). */
  admit: SubscriptionAdmission;
  clientIpOf: (request: IncomingMessage) => string;
}

export interface SubscriptionSockets {
  /** Open client sockets. */
  connections(): number;
  /** Closes every socket with 1001 (going away), so clients reconnect elsewhere. */
  close(): Promise<void>;
}

/**
 * graphql-ws (subprotocol graphql-transport-ws, as Apollo Sandbox and GraphQLWsLink speak it) on the gateway's
 * own port and path. The token comes in `connection_init` as `{ authorization: "Bearer <token>" }` and is
 * verified there: a bad one closes the socket with 4403. Every operation is admitted by `admit` (as multipart
 * subscriptions are); subscriptions then run federated through the SubscriptionService, and queries and
 * mutations run as over HTTP (a query with `@defer` as successive `next` messages).
 */
export function serveSubscriptionSockets(options: SubscriptionSocketsOptions): SubscriptionSockets {
  const { service, logger, formatError } = options;
  const limits = { ...defaultWebSocketLimits, ...options.limits };
  const sockets = new WebSocketServer({
    server: options.server,
    path: options.path,
    maxPayload: limits.maxMessageBytes,
  });
  // Before graphql-ws's own listener, so the messages it would choke on never reach it.
  sockets.on('connection', (socket) => guardMessages(socket, maxMessageNesting));
  const formatErrors = (errors: readonly GraphQLError[]) => errors.map((error) => formatError(error.toJSON()));

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
      // Admitted here rather than by graphql-ws, so every refusal carries a code (and a syntax error answers
      // that operation instead of closing the whole socket).
      onSubscribe: async (ctx, id, payload) => {
        const caller = {
          authorization: ctx.extra.authorization ?? null,
          viewer: ctx.extra.viewer ?? null,
          requestId: `${ctx.extra.requestId}:${id}`,
          clientIp: ctx.extra.clientIp ?? 'unknown',
        };
        // This operation's id is already among them.
        const open = Object.keys(ctx.subscriptions).length - 1;
        const admitted = await options.admit(payload, caller, { open, max: limits.maxSubscriptionsPerConnection });
        if ('refused' in admitted) return admitted.refused;
        const context: OperationContext =
          admitted.kind === 'subscription'
            ? admitted
            : {
                ...caller,
                kind: 'execution',
                query: admitted.query,
                operationName: admitted.operationName,
                variables: admitted.variables,
              };
        const variableValues = admitted.kind === 'subscription' ? admitted.request.variables : admitted.variables;
        const document = admitted.kind === 'subscription' ? admitted.request.document : admitted.document;
        const operationName =
          admitted.kind === 'subscription' ? admitted.request.operationName : admitted.operationName;
        return { schema: service.schema, document, operationName, variableValues, contextValue: context };
      },
      // Results are already in their client-facing (formatted) shape, hence the casts and `onNext`.
      subscribe: async (args: ExecutionArgs) => {
        const context = args.contextValue as OperationContext;
        if (context.kind !== 'subscription') throw new Error('a query or mutation admitted as a subscription');
        let stream;
        try {
          stream = service.subscribe(context.request);
        } catch (error) {
          context.request.onRelease?.(); // no stream to end: give its cap slots back now
          throw error;
        }
        return stream as unknown as AsyncGenerator<ExecutionResult>;
      },
      execute: async (args: ExecutionArgs) => {
        const context = args.contextValue as OperationContext;
        if (context.kind !== 'execution') throw new Error('a subscription admitted as a query or mutation');
        const { query, operationName, variables, authorization, viewer, requestId, clientIp } = context;
        // graphql-ws sends each result of a stream as a `next`, then `complete`; it calls the stream's `return()`
        // on the client's `complete` and when the socket closes, which stops what is still being fetched.
        const result = await options.executeOperation({
          query,
          operationName,
          variables,
          authorization,
          viewer,
          requestId,
          clientIp,
        });
        return result as unknown as ExecutionResult | AsyncGenerator<ExecutionResult>;
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
