import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { ConnectionOptions } from 'bullmq';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { Redis } from '@curbside/redis';
import { gatewayCredentialHeader, type AccessTokenVerifier, type AccountBlocklist, type Viewer } from '@curbside/auth';
import { withServerSpan } from '@curbside/tracing';
import {
  clientFacingError,
  maskedError,
  requestIdPlugin,
  serveGraphQLOverHttp,
  BodyTooLargeError,
  closeServer,
  listen,
  requestIdOf,
  sendGraphQLError,
  sendJson,
  type HttpCaller,
} from '@curbside/http';
import type { Logger } from '@curbside/service';
import { makeAdminRoutes } from './admin.ts';
import { admissionPlugin, metricsPlugin } from './apollo-plugins.ts';
import { defaultAdmissionLimits, makeAdmission, type AdmissionLimits } from './admission.ts';
import { makeClientIp } from './client-ip.ts';
import type { GatewayContext } from './context.ts';
import { makeCorsPolicy } from './cors.ts';
import { mediaPathPrefix, proxyRequest } from './media-proxy.ts';
import { createGatewayMetrics } from './metrics.ts';
import { makeOperationsEndpoints } from './operations-endpoints.ts';
import { costDirectivesFromSdl, defaultOperationLimits, type OperationLimits } from './operation-limits.ts';
import {
  apqDocumentCache,
  makePersistedDocumentsStep,
  resolveDocument,
  type DocumentManifest,
  type PersistedDocumentsMode,
} from './persisted-documents.ts';
import { createQueueDashboard, type QueueDashboard } from './queue-dashboard.ts';
import { createRateLimiter, defaultRateLimits, type RateLimits } from './rate-limit.ts';
import { defaultSubgraphFetchPolicy, SubgraphSource, type SubgraphFetchPolicy } from './subgraph-source.ts';
import { supergraphId } from './supergraph-file.ts';
import { makeSubscriptionAdmission, type OperationPayload } from './subscriptions/admission.ts';
import { acceptsMultipartSubscription, streamMultipart } from './subscriptions/multipart.ts';
import {
  SubscriptionService,
  subscriptionEnded,
  type SubscriptionLimits,
  type SubscriptionStats,
} from './subscriptions/service.ts';
import { serveSubscriptionSockets, type OperationExecutor, type WebSocketLimits } from './subscriptions/websocket.ts';

/** graphql's CommonJS build, the one Apollo's schemas are made with (see subscriptions/websocket.ts). */
const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

export type { GatewayContext } from './context.ts';

export interface GatewayOptions {
  /** The supergraph SDL (any valid one, not only Curbside's). */
  supergraphSdl: string;
  /** Subgraph name to URL, overriding the supergraph's `@join__graph(url:)`. */
  subgraphUrls?: Record<string, string>;
  verifyAccessToken: AccessTokenVerifier;
  logger: Logger;
  /** Production: no Sandbox, no introspection, no cost in responses, metrics and readiness details private. */
  production: boolean;
  corsOrigins?: string[];
  /** Timeout of the readiness probe sent to each subgraph. Default 2 seconds. */
  readinessTimeoutMs?: number;
  /** What one operation may ask for (depth, aliases, cost...), over HTTP and WebSocket alike. */
  operationLimits?: Partial<OperationLimits>;
  /** Document size and subscription caps (per caller, per process), on every transport. */
  admissionLimits?: Partial<AdmissionLimits>;
  /**
   * On close, how long /ready answers 503 while requests are still served, before the gateway stops accepting
   * (the time a load balancer needs to notice). Default 0.
   */
  shutdownDelayMs?: number;
  /** On close, how long in-flight requests may take to finish before their connections are cut. Default 10 s. */
  drainTimeoutMs?: number;
  /** Timeout and circuit breaking of subgraph fetches. */
  subgraphFetchPolicy?: Partial<SubgraphFetchPolicy>;
  /** Redis for rate limits shared by every gateway; without it, no rate limits. */
  redis?: Redis;
  /**
   * Suspended and closed accounts (kept by the user subgraph): their open subscriptions end within about 2 s with
   * the error a new request of theirs gets. Default: none (they end when their token expires).
   */
  accountBlocklist?: AccountBlocklist;
  rateLimits?: Partial<RateLimits>;
  /**
   * Proxies in front of the gateway that append to `X-Forwarded-For`: the client is that many entries from the
   * right. `true` is one proxy. Default 0 (false): the socket's address.
   */
  trustProxy?: boolean | number;
  /** Trusted documents: off (default), allow (ids also accepted) or safelist (only they run). */
  persistedDocuments?: { mode: PersistedDocumentsMode; manifest: DocumentManifest | null };
  /** Characters of documents the APQ cache keeps (in this process). Default 16 Mi. */
  apqCacheSize?: number;
  /** The workers' queues (BullMQ connection and key prefix): served as a dashboard to admins at /admin/queues. */
  queues?: { connection: ConnectionOptions; prefix: string };
  /** Limits of subscriptions (queues, sockets, per-connection cap); defaults in subscriptions/. */
  subscriptionLimits?: Partial<SubscriptionLimits & WebSocketLimits>;
  /** Sent to every subgraph (`x-curbside-gateway`), which then answers only the gateway. Default: none. */
  gatewaySecret?: string;
  /**
   * The bearer token that reads /metrics and /ready's details in production (scrapers send
   * `Authorization: Bearer <token>`). Unset in production: /metrics answers 404 and /ready only its status.
   * Outside production both are open.
   */
  metricsToken?: string;
}

export interface Gateway {
  /** Binds the port (0: OS-chosen) and returns the GraphQL endpoint URL. */
  listen(port: number, host?: string): Promise<string>;
  /**
   * Switches to another supergraph without a restart; throws, keeping the current one, when it is invalid.
   * Active subscriptions end with SUBSCRIPTION_SCHEMA_RELOAD so clients resubscribe on the new schema.
   */
  reloadSupergraph(supergraphSdl: string): void;
  /** What the subscription machinery holds right now. */
  subscriptionStats(): SubscriptionStats & { connections: number };
  /** Stops accepting, closes WebSockets (1001), ends multipart subscriptions, drains, stops Apollo; idempotent. */
  close(): Promise<void>;
}

/**
 * The gateway process: Apollo Gateway on Apollo Server, behind a small HTTP layer. Read top to bottom:
 * subgraph sources, admission (limits, budgets, caps: one for every transport), Apollo with its plugins,
 * subscriptions, persisted documents, then the routes (GraphQL, media proxy, admin, operations endpoints)
 * and the lifecycle.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { logger } = options;
  const subgraphUrls = options.subgraphUrls ?? {};
  const resolvedSubgraphUrls = new Map<string, string>();
  const dataSources = new Map<string, SubgraphSource>();
  const metrics = createGatewayMetrics();
  const fetchPolicy: SubgraphFetchPolicy = { ...defaultSubgraphFetchPolicy, ...options.subgraphFetchPolicy };
  const credentialHeaders: Record<string, string> = options.gatewaySecret
    ? { [gatewayCredentialHeader]: options.gatewaySecret }
    : {};
  let updateSupergraph: ((supergraphSdl: string) => void) | undefined;
  let currentSupergraphId = supergraphId(options.supergraphSdl);
  const gateway = new ApolloGateway({
    // The function form hands us `update`, the way to switch supergraphs without a restart.
    supergraphSdl: async ({ update }) => {
      updateSupergraph = update;
      return { supergraphSdl: options.supergraphSdl };
    },
    buildService({ name, url }) {
      const target = subgraphUrls[name] ?? url;
      if (!target) throw new Error(`Subgraph '${name}' has no URL: set SUBGRAPH_URL_${name.toUpperCase()}`);
      resolvedSubgraphUrls.set(name, target);
      const dataSource = new SubgraphSource({
        name,
        url: target,
        policy: fetchPolicy,
        metrics,
        gatewaySecret: options.gatewaySecret,
      });
      dataSources.set(name, dataSource);
      return dataSource;
    },
  });

  const formatError = (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    const passed = clientFacingError(formatted);
    if (passed) return passed;
    logger.error({ error: formatted }, 'unexpected error');
    return maskedError(formatted);
  };

  const operationLimits: OperationLimits = { ...defaultOperationLimits, ...options.operationLimits };
  const admissionLimits: AdmissionLimits = {
    ...defaultAdmissionLimits,
    ...options.admissionLimits,
  };
  const clientIpOf = makeClientIp(Number(options.trustProxy ?? 0));
  let costDirectives = costDirectivesFromSdl(options.supergraphSdl);
  const admission = makeAdmission({
    operationLimits,
    costDirectives: () => costDirectives,
    limits: admissionLimits,
    rateLimits: { ...defaultRateLimits, ...options.rateLimits },
    rateLimiter: options.redis ? createRateLimiter(options.redis) : null,
    metrics,
    logger,
  });

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    csrfPrevention: true,
    parseOptions: { maxTokens: operationLimits.maxTokens },
    // Automatic persisted queries, bounded and in this process (see apqDocumentCache).
    persistedQueries: { cache: apqDocumentCache(options.apqCacheSize) },
    // "Did you mean ...?" suggestions map the schema for whoever probes it; only developers need them.
    hideSchemaDetailsFromClientErrors: options.production,
    // Signals belong to the entry file (runService), which stops everything in order; Apollo's own
    // handler would race it and leave our stop() waiting.
    stopOnTerminationSignals: false,
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    formatError,
    plugins: [
      options.production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
      requestIdPlugin<GatewayContext>(),
      metricsPlugin({ metrics, logger }),
      // After validation, before planning: an operation refused here reaches no subgraph.
      admissionPlugin({ admission, exposeCost: !options.production }),
    ],
  });
  await apollo.start();

  const subscriptions = new SubscriptionService({
    supergraphSdl: options.supergraphSdl,
    dataSources: () => Object.fromEntries(dataSources),
    subgraphUrl: (name) => resolvedSubgraphUrls.get(name),
    formatError,
    logger,
    limits: options.subscriptionLimits ?? {},
    accountBlocklist: options.accountBlocklist,
    gatewaySecret: options.gatewaySecret,
  });

  const documentsMode = options.persistedDocuments?.mode ?? 'off';
  const manifest = options.persistedDocuments?.manifest ?? null;
  const applyPersistedDocuments = makePersistedDocumentsStep(documentsMode, manifest);
  const admitSubscription = makeSubscriptionAdmission({
    admission,
    schema: () => subscriptions.schema,
    resolveDocument: (payload) => resolveDocument(payload, documentsMode, manifest),
    maxTokens: operationLimits.maxTokens,
    accountBlocklist: options.accountBlocklist,
  });

  /** A query or mutation sent over a socket: run by Apollo exactly as one sent over HTTP. */
  const executeOperation: OperationExecutor = async (operation) => {
    const { query, operationName, variables, authorization, viewer, requestId, clientIp } = operation;
    const response = await apollo.executeOperation(
      { query, variables, ...(operationName ? { operationName } : {}) },
      { contextValue: { requestId, authorization, viewer, clientIp } },
    );
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not served over sockets');
    return response.body.singleResult;
  };

  /** The status a refusal asks for (the first error's), 400 by default. */
  const statusOf = (errors: readonly GraphQLError[]) => {
    const status = (errors[0]?.extensions?.['http'] as { status?: unknown } | undefined)?.status;
    return typeof status === 'number' ? status : 400;
  };

  /**
   * A subscription sent over HTTP: streamed as multipart when the client accepts it, after the same admission
   * as over graphql-ws (these are not Apollo Server's to run: it would answer 500).
   */
  async function handleHttpSubscription(
    req: IncomingMessage,
    res: ServerResponse,
    payload: OperationPayload,
    caller: { authorization: string | null; viewer: Viewer | null; requestId: string },
  ): Promise<void> {
    const responseHeaders = { 'x-request-id': caller.requestId };
    const refuse = (errors: readonly GraphQLError[]) =>
      sendJson(
        res,
        statusOf(errors),
        { errors: errors.map((error) => formatError(error.toJSON())) },
        { ...responseHeaders, ...retryAfterOf(errors) },
      );
    if (!acceptsMultipartSubscription(req)) {
      return sendGraphQLError(
        res,
        'BAD_REQUEST',
        'Subscriptions are served over graphql-ws on this path, or over HTTP with ' +
          '`Accept: multipart/mixed;subscriptionSpec=1.0`.',
        {},
        responseHeaders,
      );
    }
    const admitted = await admitSubscription(payload, { ...caller, clientIp: clientIpOf(req) });
    if ('refused' in admitted) return refuse(admitted.refused);
    if (admitted.kind !== 'subscription') throw new Error('a subscription admitted as another operation');
    let stream;
    try {
      stream = subscriptions.subscribe(admitted.request);
    } catch (error) {
      admitted.request.onRelease?.();
      throw error;
    }
    await streamMultipart(res, stream, { headers: responseHeaders, formatError });
  }

  /**
   * The operation of a POST body when it is a subscription; null for anything else, which Apollo answers as
   * usual. Only a cheap look: the admission parses and checks it for real.
   */
  function subscriptionIn(body: unknown): OperationPayload | null {
    if (typeof body !== 'object' || body === null) return null;
    const { query, operationName } = body as Record<string, unknown>;
    // Cheap first: most requests are not subscriptions and are parsed by Apollo anyway.
    if (typeof query !== 'string' || !query.includes('subscription')) return null;
    if (admission.documentTooLarge(query)) return null; // Apollo's path refuses it (see handleGraphQL)
    let document;
    try {
      document = graphqlCjs.parse(query, { maxTokens: operationLimits.maxTokens });
    } catch {
      return null; // Apollo reports the syntax error (or the token limit) itself
    }
    const name = typeof operationName === 'string' ? operationName : undefined;
    const operation = graphqlCjs.getOperationAST(document, name);
    return operation?.operation === 'subscription' ? (body as OperationPayload) : null;
  }

  const queueDashboard: QueueDashboard | null = options.queues ? createQueueDashboard(options.queues) : null;
  const handleAdmin = makeAdminRoutes({
    verifyAccessToken: options.verifyAccessToken,
    production: options.production,
    queueDashboard,
  });
  const cors = makeCorsPolicy({ extraOrigins: options.corsOrigins ?? [], allowLocalhost: !options.production });
  let draining = false;
  const operationsEndpoints = makeOperationsEndpoints({
    metrics,
    production: options.production,
    token: options.metricsToken,
    readinessTimeoutMs: options.readinessTimeoutMs ?? 2_000,
    subgraphs: () => resolvedSubgraphUrls,
    probeHeaders: credentialHeaders,
    supergraphId: () => currentSupergraphId,
    draining: () => draining,
    gauges: () => ({ ...subscriptions.stats(), connections: sockets.connections() }),
  });

  /**
   * The gateway's steps between decoding a request and Apollo: trusted documents, the document size (before
   * Apollo parses it, or keeps it as an APQ registration), and subscriptions, which it serves itself.
   */
  async function beforeApollo(
    req: IncomingMessage,
    res: ServerResponse,
    request: HTTPGraphQLRequest,
    caller: HttpCaller,
    requestId: string,
  ): Promise<boolean> {
    const responseHeaders = { 'x-request-id': requestId };
    const documentRefusal = applyPersistedDocuments(request);
    if (documentRefusal) {
      // 400 whatever the code: a trusted document that is not there will not be there on a retry.
      sendGraphQLError(res, documentRefusal.code, documentRefusal.message, {}, responseHeaders, 400);
      return true;
    }
    const query = documentTextOf(request);
    const tooLarge = query === null ? null : admission.documentTooLarge(query);
    if (tooLarge) {
      sendJson(res, 400, { errors: [formatError(tooLarge.toJSON())] }, responseHeaders);
      return true;
    }
    const subscription = request.method === 'POST' ? subscriptionIn(request.body) : null;
    if (!subscription) return false;
    await handleHttpSubscription(req, res, subscription, { ...caller, requestId });
    return true;
  }

  const handleGraphQL = (req: IncomingMessage, res: ServerResponse, requestId: string) =>
    serveGraphQLOverHttp(req, res, {
      apollo,
      verifyAccessToken: options.verifyAccessToken,
      requestId,
      onKeySetUnavailable: (error) => logger.error({ err: error.cause, requestId }, 'cannot fetch the JWKS'),
      intercept: (request, caller) => beforeApollo(req, res, request, caller, requestId),
      context: (caller) => ({ ...caller, requestId, clientIp: clientIpOf(req) }),
    });

  /** Headers on every response: no MIME sniffing, no framing, no referrer leaks; HTTPS only in production. */
  const securityHeaders: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    ...(options.production ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };

  const server = createServer(async (req, res) => {
    const requestId = requestIdOf(req);
    for (const [name, value] of Object.entries(securityHeaders)) res.setHeader(name, value);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    try {
      if (cors.handle(req, res)) return;
      if (path === '/graphql' || path === '/') {
        return await withServerSpan(`${req.method} /graphql`, req.headers, () => handleGraphQL(req, res, requestId));
      }
      if (path.startsWith(mediaPathPrefix)) {
        // Resolved when the supergraph was loaded: a supergraph without a `media` subgraph has no media.
        const target = resolvedSubgraphUrls.get('media');
        if (!target) return sendJson(res, 404, { error: 'not found' }, { 'x-request-id': requestId });
        const { search } = new URL(req.url ?? '/', 'http://localhost');
        return proxyRequest(req, res, {
          origin: new URL(target),
          pathAndQuery: path + search,
          requestId,
          logger,
          upstreamHeaders: credentialHeaders,
        });
      }
      if (path.startsWith('/admin/')) return await handleAdmin(req, res, path, requestId);
      if (await operationsEndpoints.handle(req, res, path)) return;
      sendJson(res, 404, { error: 'not found' });
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        // 413, and the connection closes: the rest of the body is not read.
        sendGraphQLError(
          res,
          'BAD_REQUEST',
          error.message,
          {},
          { 'x-request-id': requestId, connection: 'close' },
          413,
        );
        return;
      }
      logger.error({ err: error, requestId }, 'request failed');
      if (!res.headersSent) sendGraphQLError(res, 'INTERNAL_SERVER_ERROR', 'Internal server error.', { requestId });
      else res.destroy();
    }
  });

  const sockets = serveSubscriptionSockets({
    server,
    path: '/graphql',
    service: subscriptions,
    verifyAccessToken: options.verifyAccessToken,
    executeOperation,
    formatError,
    logger,
    limits: options.subscriptionLimits ?? {},
    admit: admitSubscription,
    clientIpOf,
  });

  let closing: Promise<void> | undefined;
  const shutdownDelayMs = options.shutdownDelayMs ?? 0;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  return {
    reloadSupergraph(supergraphSdl) {
      if (!updateSupergraph) throw new Error('the gateway has not loaded its first supergraph yet');
      // Apollo first: it refuses an invalid supergraph and keeps the current one, and then so do we.
      updateSupergraph(supergraphSdl);
      subscriptions.reload(supergraphSdl);
      costDirectives = costDirectivesFromSdl(supergraphSdl);
      currentSupergraphId = supergraphId(supergraphSdl);
      logger.info('supergraph reloaded');
    },
    subscriptionStats: () => ({ ...subscriptions.stats(), connections: sockets.connections() }),
    async listen(port, host = '127.0.0.1') {
      const bound = await listen(server, port, host);
      return `http://${host.includes(':') ? `[${host}]` : host}:${bound}/graphql`;
    },
    close() {
      closing ??= (async () => {
        // Not ready first, still serving: a load balancer polling /ready stops sending new work here.
        draining = true;
        if (shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, shutdownDelayMs));
        // Then stop accepting; upgraded sockets and multipart streams keep the server open until they end.
        const drained = closeServer(server);
        await sockets.close();
        subscriptions.endAll(subscriptionEnded('SERVICE_UNAVAILABLE', 'The gateway is stopping; subscribe again.'));
        // In-flight requests get up to drainTimeoutMs to finish; whatever is left then is cut.
        const cut = setTimeout(() => server.closeAllConnections(), drainTimeoutMs);
        await drained;
        clearTimeout(cut);
        await queueDashboard?.close();
        await apollo.stop();
        for (const dataSource of dataSources.values()) dataSource.close();
      })();
      return closing;
    },
  };
}

/** The document text a request carries (a POST body's `query`, or GET's `?query=`); null when none. */
function documentTextOf(request: { method: string; body: unknown; search: string }): string | null {
  if (request.method === 'GET') return new URLSearchParams(request.search).get('query');
  const query = (request.body as { query?: unknown } | null | undefined)?.query;
  return typeof query === 'string' ? query : null;
}

/** A 429's `Retry-After`, from the refusal that asked for it. */
function retryAfterOf(errors: readonly GraphQLError[]): Record<string, string> {
  const retryAfterMs = errors[0]?.extensions?.['retryAfterMs'];
  return typeof retryAfterMs === 'number' ? { 'retry-after': String(Math.ceil(retryAfterMs / 1000)) } : {};
}
