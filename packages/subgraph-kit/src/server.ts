// Why this file is long (about 550 lines): it is the one HTTP and graphql-ws entry every subgraph serves through,
// and what makes it long is one state machine, the life of a connection: admission (size caps, the gateway
// credential, the viewer), subscriptions with replay, readiness, and the ordered drain on stop. Those parts read
// and close over the same server, socket set and Apollo instance; split into files they would pass that state
// around instead of sharing it. Helpers that need none of it (routes, replay parsing) are small functions above.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { createRequire } from 'node:module';
import type {
  DocumentNode,
  GraphQLError,
  ExecutionArgs,
  ExecutionResult,
  FormattedExecutionResult,
  GraphQLFormattedError,
  GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { MikroORM, EntityManager } from '@mikro-orm/postgresql';
import { serveMetrics, type Logger, type MetricsEndpoint } from '@curbside/service';
import {
  authorizedForAnySignedInViewer,
  gatewaySubscribeOf,
  KeySetUnavailableError,
  viewerFromHeader,
  type AccessTokenVerifier,
  type Viewer,
} from '@curbside/auth';
import {
  requestIdPlugin,
  selectsViewerDependentField,
  serveGraphQLOverHttp,
  viewerDependentDirective,
  BodyTooLargeError,
  closeServer,
  listen,
  requestIdOf,
  sendCodedJson,
  sendGraphQLError,
  sendJson,
} from '@curbside/http';
import { clientError, forbidden, unauthenticated } from '@curbside/errors';
import { historyIdPattern } from '@curbside/pubsub';
import { withServerSpan } from '@curbside/tracing';
import { makeErrorFormatter } from './errors.ts';
import { admitsCall, gatewayOnlyMessage, trustsAsGateway, type SubgraphAccess } from './gateway-access.ts';
import { LiveResults } from './live-results.ts';
import { requestMetricsPlugin } from './metrics.ts';
import type { LiveReplay, SubscribeMode } from './live.ts';

/**
 * graphql's CommonJS build: @apollo/subgraph (CommonJS) builds the schema with it, and graphql-js refuses a
 * schema from the other build ("from another module or realm"), so graphql-ws executes with this one.
 */
const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** A client that opened a socket and sent no `connection_init` within this long is closed (4408): 3 seconds. */
export const connectionInitWaitTimeout = 3_000;
/** On close, how long in-flight requests may take to finish before their connections are cut: 10 seconds. */
export const drainTimeoutMs = 10_000;
/** The largest WebSocket message accepted (`ws`'s own default is 100 MiB): 1 MiB. */
export const maxWebSocketMessageBytes = 1024 * 1024;

/** What a graphql-ws socket carries once `connection_init` was accepted. */
interface SocketState {
  viewer: Viewer | null;
  requestId: string;
  /** The socket's upgrade proved the gateway credential (or none is configured): see `trustsAsGateway`. */
  fromGateway: boolean;
}

/** Who one subscribe message runs for, decided in `onSubscribe` (see `GatewaySubscribe`). */
interface SubscribeAs {
  viewer: Viewer | null;
  mode: SubscribeMode;
}

/** What every subgraph resolver gets, before the subgraph adds its own loaders. */
export interface BaseRequestContext {
  /** A fork of the ORM's EntityManager for this request alone. */
  em: EntityManager;
  /** The caller proven by its access token; null when anonymous. */
  viewer: Viewer | null;
  requestId: string;
  logger: Logger;
  /** A subscription asked to replay history rather than follow live events (see `liveEvents`); else null. */
  replay: LiveReplay | null;
  /** How a subscription runs (`SubscribeMode`); `viewer` for queries and mutations. */
  subscribeMode: SubscribeMode;
}

/** A plain HTTP route beside /graphql (for example the JWKS document). */
export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface SubgraphServerOptions<Context extends BaseRequestContext> {
  name: string;
  schema: GraphQLSchema;
  orm: MikroORM;
  /**
   * The subgraph's Redis (events, pub/sub, blocklist): /ready answers 503 while it does not answer a PING.
   * Unset, only the database decides.
   */
  redis?: { ping(): Promise<unknown> };
  verifyAccessToken: AccessTokenVerifier;
  logger: Logger;
  /** Adds per-request state (DataLoaders) to the base context. */
  createContext: (base: BaseRequestContext) => Context;
  /**
   * Extra routes, for every method. A key is an exact path (`/.well-known/jwks.json`), or a prefix when it
   * ends in `/*` (`/media/files/*` serves `/media/files/<anything>`, not `/media/files` itself). An exact
   * path wins over a prefix, and a longer prefix over a shorter one.
   */
  routes?: Record<string, Route>;
  /**
   * The process's metrics: operations over HTTP are counted and timed into them, and /metrics serves them (in
   * production only with the metrics token). Default none: no /metrics.
   */
  metrics?: MetricsEndpoint | undefined;
}

export interface SubgraphServer {
  /**
   * Binds the port (0: OS-chosen; host default 127.0.0.1) and returns the GraphQL endpoint URL (also the
   * graphql-ws URL, as ws://). `access` says who may call it (default: anyone, see SubgraphAccess); it is
   * given here, with the address, because who can reach a port is a property of where it is bound.
   */
  listen(port: number, host?: string, access?: SubgraphAccess): Promise<string>;
  /**
   * Stops accepting, closes WebSockets (1001, so clients reconnect elsewhere), drains in-flight requests
   * and stops Apollo; idempotent.
   */
  close(): Promise<void>;
}

/** The same error as graphql's CommonJS build makes it. */
function asCommonJsError(error: GraphQLError): GraphQLError {
  return new graphqlCjs.GraphQLError(error.message, { extensions: error.extensions });
}

/**
 * `viewer` behind a proxy that notes any read of it (a property, its keys): a rule that reads nothing of it
 * decided without knowing who it is. Reading too much only costs the gateway a reuse of the answer.
 */
function watchReads(viewer: Viewer): { viewer: Viewer; read: () => boolean } {
  let read = false;
  const noted = <T>(value: T): T => ((read = true), value);
  const proxy = new Proxy(viewer, {
    get: (target, key, receiver) => noted(Reflect.get(target, key, receiver)),
    has: (target, key) => noted(Reflect.has(target, key)),
    ownKeys: (target) => noted(Reflect.ownKeys(target)),
    getOwnPropertyDescriptor: (target, key) => noted(Reflect.getOwnPropertyDescriptor(target, key)),
  });
  return { viewer: proxy, read: () => read };
}

/** A stream of one result. */
function oneResult(result: ExecutionResult): AsyncIterableIterator<ExecutionResult> {
  return (async function* () {
    yield result;
  })();
}

/** A finished stream: what an `authorize` subscription answers when the viewer may subscribe. */
function noResults(): AsyncIterableIterator<ExecutionResult> {
  return (async function* () {})();
}

/** The replay a subscribe message asks for in `extensions.replay`; null for none, 'invalid' when malformed. */
export function replayOf(extensions: Record<string, unknown> | null | undefined): LiveReplay | null | 'invalid' {
  const replay = extensions?.['replay'];
  if (replay === undefined || replay === null) return null;
  if (typeof replay !== 'object') return 'invalid';
  const { after, before = null } = replay as Record<string, unknown>;
  if (typeof after !== 'string' || !historyIdPattern.test(after)) return 'invalid';
  if (before !== null && (typeof before !== 'string' || !historyIdPattern.test(before))) return 'invalid';
  return { after, before };
}

/** The route serving `path`: an exact key first, then the longest `/*` prefix key that `path` extends. */
export function matchRoute(routes: Record<string, Route>, path: string): Route | undefined {
  const exact = Object.hasOwn(routes, path) ? routes[path] : undefined;
  if (exact) return exact;
  let best: { prefix: string; route: Route } | undefined;
  for (const [key, route] of Object.entries(routes)) {
    if (!key.endsWith('/*')) continue;
    const prefix = key.slice(0, -1); // keeps the trailing slash: '/media/files/*' -> '/media/files/'
    if (path.length > prefix.length && path.startsWith(prefix) && (!best || prefix.length > best.prefix.length)) {
      best = { prefix, route };
    }
  }
  return best?.route;
}

/** /metrics: refused as UNAUTHENTICATED without the token when one is set, else as not found. */
export function metricsRoute(endpoint: MetricsEndpoint): Route {
  return (req, res) =>
    serveMetrics(endpoint, req, res, (refused, tokenSet) =>
      tokenSet
        ? sendCodedJson(refused, 'UNAUTHENTICATED', 'Send the metrics token.')
        : sendJson(refused, 404, { error: 'not found' }),
    );
}

/** How long /ready waits for Redis's PING: 1 second (a client that lost Redis queues the command). */
const pingTimeoutMs = 1_000;

/** Whether `redis` answers a PING within `pingTimeoutMs`; true when there is none to ask. */
async function answersPing(redis: { ping(): Promise<unknown> } | undefined): Promise<boolean> {
  if (!redis) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), pingTimeoutMs);
  });
  try {
    return await Promise.race([
      redis.ping().then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Serves one subgraph's schema over HTTP (POST/GET /graphql, /health, /ready and extra routes) and over
 * graphql-ws (subprotocol graphql-transport-ws) on the same port and path, for subscriptions.
 */
export async function createSubgraphServer<Context extends BaseRequestContext>(
  options: SubgraphServerOptions<Context>,
): Promise<SubgraphServer> {
  const { orm, logger, verifyAccessToken } = options;
  const apollo = new ApolloServer<Context>({
    schema: options.schema,
    csrfPrevention: true,
    // A subgraph sees the few documents query plans send, so a small cache holds them all (Apollo's default
    // is 30 MiB per server).
    documentStore: new InMemoryLRUCache<DocumentNode>({
      maxSize: 4 * 1024 * 1024,
      sizeCalculation: InMemoryLRUCache.sizeCalculation,
    }),
    // Signals belong to the entry file (runService), which stops everything in order; Apollo's own
    // handler would race it and leave our stop() waiting.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: makeErrorFormatter(logger),
    // No usage reporting reads federated traces here, so building them would be wasted work per request.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      requestIdPlugin<Context>(),
      ...(options.metrics ? [requestMetricsPlugin<Context>(options.metrics.metrics, options.name)] : []),
    ],
  });
  await apollo.start();

  const routes: Record<string, Route> = {
    '/health': (_req, res) => sendJson(res, 200, { status: 'ok', service: options.name }),
    // Ready: the database and Redis answer (the schema is current: a process waiting for its migrations
    // answers on its start-up probe until then, see startStartupProbe). Which one failed is in the answer.
    '/ready': async (_req, res) => {
      const [database, redis] = await Promise.all([orm.checkConnection(), answersPing(options.redis)]);
      const ready = database.ok && redis;
      const failed = ready ? {} : { database: database.ok, redis };
      sendJson(res, ready ? 200 : 503, { ready, service: options.name, ...failed });
    },
    ...(options.metrics ? { '/metrics': metricsRoute(options.metrics) } : {}),
    ...options.routes,
  };

  const formatError = makeErrorFormatter(logger);
  const baseContext = (
    viewer: Viewer | null,
    requestId: string,
    replay: LiveReplay | null = null,
    subscribeMode: SubscribeMode = 'viewer',
  ): Context =>
    options.createContext({
      em: orm.em.fork(),
      viewer,
      requestId,
      logger: logger.child({ requestId }),
      replay,
      subscribeMode,
    });

  const handleGraphQL = (req: IncomingMessage, res: ServerResponse, requestId: string) =>
    serveGraphQLOverHttp(req, res, {
      apollo,
      verifyAccessToken,
      requestId,
      onKeySetUnavailable: (error) => logger.error({ err: error.cause, requestId }, 'cannot fetch the JWKS'),
      context: ({ viewer }) => baseContext(viewer, requestId),
    });

  let access: SubgraphAccess = {};
  const server = createServer(async (req, res) => {
    const requestId = requestIdOf(req);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!admitsCall(access, path, req.headers)) {
      // Refused before anything is read: an unread body (an upload) is not worth receiving, so the
      // connection closes rather than wait for it.
      sendGraphQLError(res, 'FORBIDDEN', gatewayOnlyMessage, {}, { 'x-request-id': requestId, connection: 'close' });
      return;
    }
    try {
      if (path === '/graphql') {
        return await withServerSpan(`${options.name} ${req.method} /graphql`, req.headers, () =>
          handleGraphQL(req, res, requestId),
        );
      }
      const route = matchRoute(routes, path);
      if (route) return await route(req, res);
      sendJson(res, 404, { error: 'not found' });
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendGraphQLError(res, 'BAD_REQUEST', error.message, {}, {}, 413);
        return;
      }
      logger.error({ err: error, requestId }, 'request failed');
      if (!res.headersSent) sendGraphQLError(res, 'INTERNAL_SERVER_ERROR', 'Internal server error.', { requestId });
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 65_000; // longer than the gateway's pooled-socket idle time, so it never reuses a closing socket

  /** Errors as over HTTP: registered codes pass, the rest is masked with the request id and logged. */
  function formatErrors(errors: readonly GraphQLError[], requestId: string): GraphQLFormattedError[] {
    return errors.map((error) => {
      const formatted = formatError(error.toJSON(), error);
      if (formatted.extensions?.['code'] !== 'INTERNAL_SERVER_ERROR') return formatted;
      return { ...formatted, extensions: { ...formatted.extensions, requestId } };
    });
  }

  /**
   * A subscription as graphql-js runs it (source stream, then one execution per event), except that each
   * event gets a context of its own: a fresh EntityManager fork and fresh loaders, so it reads current rows
   * rather than what an earlier event cached.
   */
  async function subscribe(args: ExecutionArgs): Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>> {
    const context = args.contextValue as Context;
    // The shared upstream executes events anonymously for all its viewers: only an operation whose fields are
    // the same for every viewer may run so (the gateway never asks otherwise; this keeps it true).
    if (context.subscribeMode === 'shared' && viewerIndependentKey(args) === null) {
      return {
        errors: [forbidden('This operation selects @viewerDependent fields: subscribe for each viewer instead.')],
      };
    }
    const stream = await graphqlCjs.createSourceEventStream(args);
    if (!(Symbol.asyncIterator in stream)) return stream;
    if (context.subscribeMode === 'authorize') {
      // The resolver's checks passed (a refusal is the result above): the viewer may subscribe. Nothing follows,
      // except a word that the answer holds for every signed-in viewer when the rule read nothing of this one.
      await stream[Symbol.asyncIterator]().return?.();
      const anyViewer = context.viewer !== null && viewerReads.get(context)?.() === false;
      return anyViewer
        ? oneResult({ data: null, extensions: { [authorizedForAnySignedInViewer]: true } })
        : noResults();
    }
    const source = stream[Symbol.asyncIterator]() as AsyncIterator<unknown> & { lastEventId?: string | null };
    const run = async (payload: unknown, viewer: Viewer | null) =>
      graphqlCjs.execute({ ...args, rootValue: payload, contextValue: baseContext(viewer, context.requestId) });
    // Access was checked above, for this viewer. When no selected field depends on the viewer, each event is
    // executed once, anonymously, for every subscription with the same operation and variables: one execution
    // per event, not one per subscriber, and nothing of one viewer can reach another.
    const operationKey = viewerIndependentKey(args);
    return new LiveResults({
      source,
      lastEventId: () => source.lastEventId ?? null,
      execute: (payload) => {
        if (operationKey === null || typeof payload !== 'object' || payload === null) {
          return run(payload, context.viewer);
        }
        let byOperation = sharedExecutions.get(payload);
        if (!byOperation) sharedExecutions.set(payload, (byOperation = new Map()));
        let result = byOperation.get(operationKey);
        if (!result) byOperation.set(operationKey, (result = run(payload, null)));
        return result;
      },
      expiresAtMs: context.viewer ? context.viewer.expiresAt * 1000 : null,
    });
  }

  /**
   * Executions of one event (a payload object, as every subscriber of its channel receives the same one) by
   * operation and variables; they go when the event does.
   */
  const sharedExecutions = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();
  const viewerIndependentOperations = new Map<string, boolean>();

  /** The key events of this operation are shared by, or null when it selects a `@viewerDependent` field. */
  function viewerIndependentKey(args: ExecutionArgs): string | null {
    const text = graphqlCjs.print(args.document);
    let independent = viewerIndependentOperations.get(text);
    if (independent === undefined) {
      independent = !selectsViewerDependentField(options.schema, args.document, (typeName, fieldName) => {
        const type = options.schema.getType(typeName);
        const field = type && 'getFields' in type ? type.getFields()[fieldName] : undefined;
        return Boolean(
          field?.astNode?.directives?.some((directive) => directive.name.value === viewerDependentDirective),
        );
      });
      // Subgraphs see the few documents gateways send; the bound only guards against a client talking directly.
      if (viewerIndependentOperations.size >= 1_000) viewerIndependentOperations.clear();
      viewerIndependentOperations.set(text, independent);
    }
    if (!independent) return null;
    return `${args.operationName ?? ''}\n${text}\n${JSON.stringify(args.variableValues ?? {})}`;
  }

  /** Whether the rule of an `authorize` subscription read its viewer, by the subscription's context. */
  const viewerReads = new WeakMap<object, () => boolean>();

  /** Who each subscribe message runs for, from `onSubscribe` to `context` (graphql-ws hands both the same payload). */
  const subscribedAs = new WeakMap<object, SubscribeAs>();

  /**
   * Who a subscribe message runs for: the socket's viewer, or the one the gateway names in `extensions.gateway`
   * (it multiplexes many viewers on one socket), or nobody for its shared upstream; else the errors refusing it.
   */
  async function subscribeAs(
    extra: Partial<SocketState>,
    extensions: Record<string, unknown> | null | undefined,
  ): Promise<SubscribeAs | GraphQLError[]> {
    const asked = gatewaySubscribeOf(extensions);
    if (asked === 'invalid') {
      return [
        clientError(
          'BAD_USER_INPUT',
          "extensions.gateway must be { mode: 'viewer' | 'authorize', authorization?: string } or { mode: 'shared' }.",
        ),
      ];
    }
    if (!asked) return { viewer: extra.viewer ?? null, mode: 'viewer' };
    if (asked.mode === 'shared') {
      return extra.fromGateway ? { viewer: null, mode: 'shared' } : [forbidden(gatewayOnlyMessage)];
    }
    try {
      return { viewer: await viewerFromHeader(asked.authorization ?? undefined, verifyAccessToken), mode: asked.mode };
    } catch (error) {
      if (error instanceof KeySetUnavailableError) {
        logger.error({ err: error.cause, requestId: extra.requestId }, 'cannot fetch the JWKS');
        return [clientError('SERVICE_UNAVAILABLE', 'Access tokens cannot be checked right now; retry.')];
      }
      return [unauthenticated('The access token was refused; sign in again and resubscribe.')];
    }
  }

  /** Why a subscribe message is refused before it runs, or nothing (it runs as `subscribedAs` then says). */
  async function refusalOf(
    extra: Partial<SocketState>,
    payload: { extensions?: Record<string, unknown> | null },
  ): Promise<GraphQLError[] | undefined> {
    const as = await subscribeAs(extra, payload.extensions);
    if (Array.isArray(as)) return as;
    const viewer = as.viewer;
    if (viewer && viewer.expiresAt * 1000 <= Date.now()) {
      return [unauthenticated('The access token has expired; sign in again and reconnect.')];
    }
    if (replayOf(payload.extensions) === 'invalid') {
      return [
        clientError(
          'BAD_USER_INPUT',
          'extensions.replay must be { after: <event id>, before?: <event id> | null }, as events carry them.',
        ),
      ];
    }
    subscribedAs.set(payload, as);
    return undefined;
  }

  const sockets = new WebSocketServer({
    server,
    path: '/graphql',
    maxPayload: maxWebSocketMessageBytes,
    // Refused at the upgrade (HTTP 403), before a socket or any graphql-ws state exists.
    verifyClient: ({ req }, done) => done(admitsCall(access, '/graphql', req.headers), 403, 'Forbidden'),
  });
  const graphqlWs = useServer<Record<string, unknown> | undefined, Partial<SocketState>>(
    {
      schema: options.schema,
      parse: graphqlCjs.parse,
      validate: graphqlCjs.validate,
      execute: graphqlCjs.execute,
      connectionInitWaitTimeout,
      // The token comes in connection_init, `{ authorization: "Bearer <token>" }`; without one the socket is
      // anonymous. A token that fails verification closes the socket with 4403.
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.['authorization'];
        if (authorization !== undefined && typeof authorization !== 'string') return false;
        ctx.extra.requestId = requestIdOf(ctx.extra.request);
        ctx.extra.fromGateway = trustsAsGateway(access, ctx.extra.request.headers);
        try {
          ctx.extra.viewer = await viewerFromHeader(authorization, verifyAccessToken);
        } catch (error) {
          logger.info({ err: error, requestId: ctx.extra.requestId }, 'graphql-ws connection refused');
          return false;
        }
        return true;
      },
      // graphql-ws takes only errors of the graphql build it checks against (`instanceof`): the CommonJS one.
      onSubscribe: async (ctx, _id, payload) => (await refusalOf(ctx.extra, payload))?.map(asCommonJsError),
      context: (ctx, id, payload) => {
        const as = subscribedAs.get(payload) ?? { viewer: ctx.extra.viewer ?? null, mode: 'viewer' };
        const replay = replayOf(payload.extensions);
        // Asked whether a signed-in viewer may subscribe, the rule gets a viewer that notes being read (see
        // `authorizedForAnySignedInViewer`).
        const watched = as.mode === 'authorize' && as.viewer ? watchReads(as.viewer) : null;
        const context = baseContext(
          watched?.viewer ?? as.viewer,
          `${ctx.extra.requestId}:${id}`,
          replay === 'invalid' || as.mode === 'authorize' ? null : replay,
          as.mode,
        );
        if (watched) viewerReads.set(context, watched.read);
        return context;
      },
      subscribe,
      onNext: (ctx, id, _payload, _args, result): FormattedExecutionResult | void => {
        if (!result.errors) return;
        return { ...result, errors: formatErrors(result.errors, `${ctx.extra.requestId}:${id}`) };
      },
      onError: (ctx, id, _payload, errors) => formatErrors(errors, `${ctx.extra.requestId}:${id}`),
    },
    sockets,
  );

  let closing: Promise<void> | undefined;
  return {
    async listen(port, host = '127.0.0.1', accessAtListen = {}) {
      access = accessAtListen;
      const bound = await listen(server, port, host);
      return `http://${host.includes(':') ? `[${host}]` : host}:${bound}/graphql`;
    },
    close() {
      closing ??= (async () => {
        // Stop accepting first; upgraded sockets keep the HTTP server open until they are closed (1001).
        const drained = closeServer(server);
        await graphqlWs.dispose();
        // In-flight requests get up to `drainTimeoutMs` to finish; a request whose client never finishes its body
        // (an upload that stalls) would otherwise hold the stop for ever.
        const cut = setTimeout(() => server.closeAllConnections(), drainTimeoutMs);
        await drained;
        clearTimeout(cut);
        await apollo.stop();
      })();
      return closing;
    },
  };
}
