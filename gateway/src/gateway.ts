// Why this file is long (about 430 lines): `createGateway` is the one place the parts (admission, Apollo with
// its executor, subscriptions, routes, lifecycle) are put together, in the order a request meets them.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GraphQLFormattedError } from 'graphql';
import { gatewayCredentialHeader } from '@curbside/auth';
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
  sendCodedJson,
  sendGraphQLError,
  sendJson,
  type HttpCaller,
} from '@curbside/http';
import { makeAdminRoutes } from './admin.ts';
import { admissionPlugin, metricsPlugin } from './apollo-plugins.ts';
import { defaultAdmissionLimits, makeAdmission, type AdmissionLimits } from './admission.ts';
import { makeClientIp } from './client-ip.ts';
import type { GatewayContext } from './context.ts';
import { makeCorsPolicy } from './cors.ts';
import { mediaPathPrefix, mediaRouteMethods, proxyRequest } from './media-proxy.ts';
import { createGatewayMetrics } from './metrics.ts';
import { makeOperationsEndpoints } from './operations-endpoints.ts';
import { costDirectivesFromSdl, defaultOperationLimits, type OperationLimits } from './operation-limits.ts';
import {
  apqDocumentCache,
  makePersistedDocumentsStep,
  parsedDocumentCache,
  resolveDocument,
} from './persisted-documents.ts';
import { createQueueDashboard, type QueueDashboard } from './queue-dashboard.ts';
import { shareInFlightOperations } from './in-flight-operations.ts';
import { curbsideGateway } from './executor/curbside-gateway.ts';
import { deferredDeliveryAccept, incrementalResults } from './executor/incremental.ts';
import { createRateLimiter, defaultRateLimits } from './rate-limit.ts';
import { defaultSubgraphFetchPolicy, SubgraphSource, type SubgraphFetchPolicy } from './subgraph-source.ts';
import { supergraphId } from './supergraph-file.ts';
import { makeSubscriptionAdmission } from './subscriptions/admission.ts';
import { makeHttpSubscriptions } from './subscriptions/over-http.ts';
import { SubscriptionService, subscriptionEnded } from './subscriptions/service.ts';
import { serveSubscriptionSockets, type OperationExecutor } from './subscriptions/websocket.ts';

import type { Gateway, GatewayOptions } from './gateway-options.ts';

export type { GatewayContext } from './context.ts';
export type { Gateway, GatewayOptions } from './gateway-options.ts';

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
    // Bounded like every cache a client's documents fill (Apollo's default is 30 MiB).
    experimental_approximateQueryPlanStoreMiB: 8,
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

  // Apollo builds the query planner with each supergraph it loads: loaded means able to plan (see /ready).
  let supergraphLoaded = false;
  gateway.onSchemaLoadOrUpdate(() => {
    supergraphLoaded = true;
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
    rateLimiter: options.redis ? createRateLimiter(options.redis, options.clock) : null,
    metrics,
    logger,
  });

  const executor = curbsideGateway(gateway, { dataSources, formatError });
  const apollo = new ApolloServer<GatewayContext>({
    gateway: options.shareInFlightOperations ? shareInFlightOperations(executor.gateway, metrics) : executor.gateway,
    csrfPrevention: true,
    parseOptions: { maxTokens: operationLimits.maxTokens },
    documentStore: parsedDocumentCache(8 * 1024 * 1024),
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
      ...executor.plugins,
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
    executionSchema: executor.apiSchema,
    resolveDocument: (payload) => resolveDocument(payload, documentsMode, manifest),
    maxTokens: operationLimits.maxTokens,
    accountBlocklist: options.accountBlocklist,
  });

  /**
   * A query or mutation sent over a socket: run by Apollo exactly as one sent over HTTP, from a client that
   * accepts incremental delivery (graphql-ws carries each payload of a deferred query as a message of its own).
   */
  const executeOperation: OperationExecutor = async (operation) => {
    const { query, operationName, variables, authorization, viewer, requestId, clientIp } = operation;
    const request = { query, variables, ...(operationName ? { operationName } : {}) };
    const response = await apollo.executeOperation(
      {
        ...request,
        http: {
          method: 'POST',
          headers: new HeaderMap([['accept', deferredDeliveryAccept]]),
          search: '',
          body: request,
        },
      },
      { contextValue: { requestId, authorization, viewer, clientIp } },
    );
    if (response.body.kind === 'single') return response.body.singleResult;
    return incrementalResults(response.body.initialResult, response.body.subsequentResults);
  };

  const httpSubscriptions = makeHttpSubscriptions({
    service: subscriptions,
    admit: admitSubscription,
    formatError,
    clientIpOf,
    documentRefusal: (query) => admission.documentRefusal(query),
    maxTokens: operationLimits.maxTokens,
  });

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
    supergraphLoaded: () => supergraphLoaded,
    draining: () => draining,
    gauges: () => ({ ...subscriptions.stats(), connections: sockets.connections() }),
    subgraphGauges: () => subscriptions.statsBySubgraph(),
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
    const refused = query === null ? null : admission.documentRefusal(query);
    if (refused) {
      sendJson(res, 400, { errors: [formatError(refused.toJSON())] }, responseHeaders);
      return true;
    }
    const handled = httpSubscriptions.classify(request.method === 'GET' ? getParams(request.search) : request.body);
    if (!handled) return false;
    if ('refused' in handled) {
      sendJson(res, 400, { errors: [formatError(handled.refused.toJSON())] }, responseHeaders);
      return true;
    }
    if (request.method !== 'POST') {
      sendGraphQLError(
        res,
        'BAD_REQUEST',
        'Subscriptions are sent with POST (multipart) or over graphql-ws, not with GET.',
        {},
        responseHeaders,
      );
      return true;
    }
    const subscription = handled.subscription;
    await httpSubscriptions.serve(req, res, subscription, { ...caller, requestId });
    return true;
  }

  const handleGraphQL = (req: IncomingMessage, res: ServerResponse, requestId: string) =>
    serveGraphQLOverHttp(req, res, {
      apollo,
      verifyAccessToken: options.verifyAccessToken,
      requestId,
      onKeySetUnavailable: (error) => logger.error({ err: error.cause, requestId }, 'cannot fetch the JWKS'),
      intercept: (request, caller) => beforeApollo(req, res, request, caller, requestId),
      context: (caller) => ({
        ...caller,
        requestId,
        clientIp: clientIpOf(req),
        onClientGone: (listener) =>
          res.once('close', () => {
            if (!res.writableFinished) listener();
          }),
      }),
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
        const methods = mediaRouteMethods(path);
        if (!target || !methods) {
          return sendCodedJson(res, 'NOT_FOUND', 'No such media path.', { 'x-request-id': requestId });
        }
        if (!methods.includes(req.method ?? 'GET')) {
          return sendCodedJson(res, 'METHOD_NOT_ALLOWED', `This media path takes ${methods.join(' and ')} only.`, {
            'x-request-id': requestId,
            allow: methods.join(', '),
            connection: 'close',
          });
        }
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
      const carried = subscriptions.reload(supergraphSdl);
      costDirectives = costDirectivesFromSdl(supergraphSdl);
      currentSupergraphId = supergraphId(supergraphSdl);
      logger.info(
        {
          supergraph: currentSupergraphId,
          subscriptionsContinued: carried.continued,
          subscriptionsEnded: carried.ended,
        },
        'supergraph reloaded',
      );
    },
    subscriptionStats: () => ({ ...subscriptions.stats(), connections: sockets.connections() }),
    subscriptionStatsBySubgraph: () => subscriptions.statsBySubgraph(),
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

/** A GET request's operation, as its query string gives it. */
function getParams(search: string): { query: string | null; operationName: string | null } {
  const params = new URLSearchParams(search);
  return { query: params.get('query'), operationName: params.get('operationName') };
}

/** The document text a request carries (a POST body's `query`, or GET's `?query=`); null when none. */
function documentTextOf(request: { method: string; body: unknown; search: string }): string | null {
  if (request.method === 'GET') return new URLSearchParams(request.search).get('query');
  const query = (request.body as { query?: unknown } | null | undefined)?.query;
  return typeof query === 'string' ? query : null;
}
