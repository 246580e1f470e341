import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, HeaderMap } from '@apollo/server';
import type { ConnectionOptions } from 'bullmq';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { createRequire } from 'node:module';
import type { FormattedExecutionResult, GraphQLError, GraphQLFormattedError, OperationDefinitionNode } from 'graphql';
import type { Redis } from '@curbside/redis';
import { KeySetUnavailableError, viewerFromHeader, type AccessTokenVerifier, type Viewer } from '@curbside/auth';
import { isClientError } from '@curbside/errors';
import { withServerSpan } from '@curbside/tracing';
import {
  clientFacingError,
  maskedError,
  requestIdPlugin,
  BodyTooLargeError,
  closeServer,
  listen,
  readBody,
  requestIdOf,
  sendGraphQLError,
  sendJson,
  toGraphQLRequest,
  writeGraphQLResponse,
} from '@curbside/http';
import type { Logger } from '@curbside/service';
import type { GatewayContext } from './context.ts';
import { makeCorsPolicy } from './cors.ts';
import {
  defaultOperationLimits,
  makeOperationMeasurer,
  measureOperation,
  operationLimitErrors,
  type OperationLimits,
} from './operation-limits.ts';
import { createGatewayMetrics } from './metrics.ts';
import { defaultSubgraphFetchPolicy, SubgraphSource, type SubgraphFetchPolicy } from './subgraph-source.ts';
import { createRateLimiter, defaultRateLimits, type Charge, type RateLimits } from './rate-limit.ts';
import { supergraphId } from './supergraph-file.ts';
import {
  redisDocumentCache,
  resolveDocument,
  type DocumentManifest,
  type PersistedDocumentsMode,
} from './persisted-documents.ts';
import { createQueueDashboard, queueDashboardPath, type QueueDashboard } from './queue-dashboard.ts';
import { acceptsMultipartSubscription, streamMultipart } from './subscriptions/multipart.ts';
import { lastEventIdOf } from './subscriptions/resume.ts';
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
  /** Production: no Sandbox, no introspection. */
  production: boolean;
  corsOrigins?: string[];
  /** Timeout of the readiness probe sent to each subgraph. Default 2 seconds. */
  readinessTimeoutMs?: number;
  /** What one operation may ask for (depth, aliases, cost...), over HTTP and WebSocket alike. */
  operationLimits?: Partial<OperationLimits>;
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
  rateLimits?: Partial<RateLimits>;
  /** Take the client address from `X-Forwarded-For` (behind a proxy that sets it); default false. */
  trustProxy?: boolean;
  /** Trusted documents: off (default), allow (ids also accepted) or safelist (only they run). */
  persistedDocuments?: { mode: PersistedDocumentsMode; manifest: DocumentManifest | null };
  /** The workers' queues (BullMQ connection and key prefix): served as a dashboard to admins at /admin/queues. */
  queues?: { connection: ConnectionOptions; prefix: string };
  /** Limits of subscriptions (queues, sockets, caps); defaults in subscriptions/. */
  subscriptionLimits?: Partial<SubscriptionLimits & WebSocketLimits>;
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

function subgraphProbeUrl(url: string): string {
  return url;
}

/** Paths proxied as they are to the origin of the subgraph named `media` (uploads and files). */
const mediaPathPrefix = '/media/';

/** Headers about one connection, not the message: never forwarded by a proxy (RFC 9110, section 7.6.1). */
const hopByHopHeaders = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase());
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !hopByHopHeaders.has(name) && !named.includes(name)),
  );
}

/**
 * Streams one request to `origin` (same path and query) and its response back, without buffering
 * either body: uploads are not held to the GraphQL body limit, the upstream enforces its own. An
 * upstream that cannot be reached answers 502; a client that goes away cancels the upstream request.
 */
function proxyRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: { origin: URL; pathAndQuery: string; requestId: string; logger: Logger },
): void {
  const { origin, requestId } = options;
  const send = origin.protocol === 'https:' ? httpsRequest : httpRequest;
  let answer: IncomingMessage | undefined;
  const upstream = send(
    {
      protocol: origin.protocol,
      hostname: origin.hostname,
      port: origin.port,
      method: req.method,
      path: options.pathAndQuery,
      headers: { ...endToEndHeaders(req.headers), host: origin.host, 'x-request-id': requestId },
    },
    (response) => {
      answer = response;
      // Answered before the whole body arrived (a refused upload): what is left of the body will not be
      // read, so this connection cannot carry another request.
      const early = req.complete ? {} : { connection: 'close' };
      res.writeHead(response.statusCode ?? 502, {
        ...endToEndHeaders(response.headers),
        ...early,
        'x-request-id': requestId,
      });
      response.pipe(res);
      response.on('error', () => res.destroy());
    },
  );
  let failed = false;
  upstream.on('error', (error) => {
    // Only the first failure matters: a body still being piped into a dead request adds its own errors.
    // A complete answer stands even if the upstream then stopped reading the rest of the body.
    if (failed || answer?.complete) return;
    failed = true;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    options.logger.warn({ err: error, requestId, upstream: origin.origin }, 'media upstream unreachable');
    sendJson(
      res,
      502,
      { error: 'The media service is unreachable; retry.', code: 'BAD_GATEWAY' },
      { 'x-request-id': requestId },
    );
  });
  // The client went away before the whole answer was sent: stop the upstream work too (an upload in
  // progress is then refused there and leaves nothing behind).
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

/**
 * The login and refreshSession fields of a mutation (aliases each count), and the accounts the login fields
 * name (lower-cased), each with its number of attempts.
 */
function authAttemptsIn(operation: OperationDefinitionNode, variables: Record<string, unknown>) {
  let count = 0;
  const accounts = new Map<string, number>();
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== 'Field') continue;
    const field = selection.name.value;
    if (field !== 'login' && field !== 'refreshSession') continue;
    count++;
    if (field !== 'login') continue;
    const input = selection.arguments?.find((argument) => argument.name.value === 'input')?.value;
    let account: unknown;
    if (input?.kind === 'Variable') account = (variables[input.name.value] as { login?: unknown } | undefined)?.login;
    if (input?.kind === 'ObjectValue') {
      const value = input.fields.find((entry) => entry.name.value === 'login')?.value;
      if (value?.kind === 'StringValue') account = value.value;
      if (value?.kind === 'Variable') account = variables[value.name.value];
    }
    if (typeof account === 'string') {
      const key = account.trim().toLowerCase();
      accounts.set(key, (accounts.get(key) ?? 0) + 1);
    }
  }
  return { count, accounts };
}

/** Errors that refuse a request before it runs (as opposed to errors while running it). */
const refusalCodes = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_LIMIT_EXCEEDED',
  'RATE_LIMITED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_ALLOWED',
]);

/** The gateway process: Apollo Gateway on Apollo Server, behind a small HTTP layer that verifies tokens first. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { logger } = options;
  const subgraphUrls = options.subgraphUrls ?? {};
  const resolvedSubgraphUrls = new Map<string, string>();
  const dataSources = new Map<string, SubgraphSource>();
  const metrics = createGatewayMetrics();
  const fetchPolicy: SubgraphFetchPolicy = { ...defaultSubgraphFetchPolicy, ...options.subgraphFetchPolicy };
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
      const dataSource = new SubgraphSource({ name, url: target, policy: fetchPolicy, metrics });
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
  /** The caller's address: the socket's, or the first X-Forwarded-For hop when a trusted proxy sets it. */
  const clientIpOf = (req: IncomingMessage): string => {
    const forwarded = options.trustProxy
      ? String(req.headers['x-forwarded-for'] ?? '')
          .split(',')[0]
          ?.trim()
      : '';
    return forwarded || req.socket.remoteAddress || 'unknown';
  };
  const measureCached = makeOperationMeasurer();
  const rateLimits: RateLimits = { ...defaultRateLimits, ...options.rateLimits };
  const rateLimiter = options.redis ? createRateLimiter(options.redis) : null;
  let lastUnavailableLog = 0;

  /**
   * Charges an operation to its caller's budgets: its cost to the user (or to the IP when anonymous), and each
   * login / refreshSession field (aliases included) to the IP and to the account it names. Returns the error
   * to refuse it with, or null. Without Redis the limits fail open: logged (once a minute) and counted.
   */
  async function chargeOperation(
    operation: OperationDefinitionNode,
    variables: Record<string, unknown>,
    cost: number,
    caller: { viewer: Viewer | null; clientIp: string },
  ): Promise<GraphQLError | null> {
    if (!rateLimiter) return null;
    const charges: Charge[] = caller.viewer
      ? [{ limit: 'user', key: `user:${caller.viewer.userId}`, amount: cost, max: rateLimits.userCostPerMinute }]
      : [{ limit: 'anonymous', key: `ip:${caller.clientIp}`, amount: cost, max: rateLimits.anonymousCostPerMinute }];
    if (operation.operation === 'mutation') {
      const attempts = authAttemptsIn(operation, variables);
      if (attempts.count > 0) {
        charges.push({
          limit: 'auth-ip',
          key: `auth:ip:${caller.clientIp}`,
          amount: attempts.count,
          max: rateLimits.authAttemptsPerIpPerMinute,
        });
        for (const [account, count] of attempts.accounts) {
          charges.push({
            limit: 'auth-account',
            key: `auth:account:${account}`,
            amount: count,
            max: rateLimits.authAttemptsPerAccountPerMinute,
          });
        }
      }
    }
    const decision = await rateLimiter.charge(charges);
    if ('unavailable' in decision) {
      metrics.rateLimitUnavailable.inc();
      if (Date.now() - lastUnavailableLog > 60_000) {
        lastUnavailableLog = Date.now();
        logger.warn('rate limits unavailable (Redis unreachable): requests pass unchecked');
      }
      return null;
    }
    if (decision.allowed) return null;
    metrics.rateLimited.inc({ limit: decision.limit });
    const retryAfterSeconds = Math.ceil(decision.retryAfterMs / 1000);
    return new graphqlCjs.GraphQLError(`Too many requests; retry in ${retryAfterSeconds} s.`, {
      extensions: {
        code: 'RATE_LIMITED',
        limit: decision.limit,
        retryAfterMs: decision.retryAfterMs,
        http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
      },
    });
  }

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    csrfPrevention: true,
    parseOptions: { maxTokens: operationLimits.maxTokens },
    // Automatic persisted queries, in Redis when there is one: every replica knows a hash another has seen.
    persistedQueries: options.redis ? { cache: redisDocumentCache(options.redis) } : {},
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
      {
        // Requests by operation and outcome, and their latency.
        async requestDidStart({ request, contextValue }) {
          const started = process.hrtime.bigint();
          return {
            async willSendResponse({ response, errors, operationName }) {
              // The name the document gives its operation, known once parsed; else what the request said.
              const operation = (operationName ?? request.operationName ?? 'anonymous').slice(0, 64);
              const body = response.body.kind === 'single' ? response.body.singleResult : null;
              const codes = (body?.errors ?? errors ?? []).map((error) => error.extensions?.['code']);
              const outcome =
                codes.length === 0
                  ? 'ok'
                  : body?.data === undefined || codes.some((code) => refusalCodes.has(String(code)))
                    ? 'refused'
                    : 'error';
              const seconds = Number(process.hrtime.bigint() - started) / 1e9;
              metrics.requests.inc({ operation, outcome });
              metrics.requestSeconds.observe({ operation }, seconds);
              // One line per request; never the variables, the document or the token.
              logger.info(
                {
                  requestId: contextValue.requestId,
                  operation,
                  clientName: request.http?.headers.get('apollographql-client-name') ?? null,
                  clientVersion: request.http?.headers.get('apollographql-client-version') ?? null,
                  userId: contextValue.viewer?.userId ?? null,
                  outcome,
                  errorCodes: codes.length > 0 ? [...new Set(codes)] : undefined,
                  durationMs: Math.round(seconds * 1000 * 10) / 10,
                },
                'graphql request',
              );
            },
          };
        },
      },
      {
        // After validation, before planning: an operation over the limits reaches no subgraph.
        async requestDidStart() {
          return {
            async didResolveOperation({ document, operation, schema, request, contextValue }) {
              if (!operation) return;
              const variables = request.variables ?? {};
              const measure = measureCached(document, operation, schema, variables);
              const [exceeded] = operationLimitErrors(measure, operationLimits);
              if (exceeded) throw exceeded;
              const limited = await chargeOperation(operation, variables, measure.cost, contextValue);
              if (limited) throw limited;
            },
          };
        },
      },
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
  });

  const documentsMode = options.persistedDocuments?.mode ?? 'off';
  const manifest = options.persistedDocuments?.manifest ?? null;

  /**
   * Puts the trusted document a request names in its body (POST), or refuses the request: in safelist mode,
   * anything that is not one of the manifest's documents. Returns the refusal, or null to go on.
   */
  function applyPersistedDocuments(request: { method: string; body: unknown; search: string }) {
    if (documentsMode === 'off') return null;
    let fields: { query?: unknown; documentId?: unknown; extensions?: unknown };
    if (request.method === 'GET') {
      const params = new URLSearchParams(request.search);
      let extensions: unknown;
      try {
        extensions = params.has('extensions') ? JSON.parse(params.get('extensions')!) : undefined;
      } catch {
        extensions = undefined;
      }
      fields = {
        ...(params.has('query') ? { query: params.get('query') } : {}),
        ...(params.has('documentId') ? { documentId: params.get('documentId') } : {}),
        extensions,
      };
    } else {
      if (typeof request.body !== 'object' || request.body === null) return null;
      fields = request.body as typeof fields;
    }
    const resolution = resolveDocument(fields, documentsMode, manifest);
    if (!resolution) return null;
    if ('refused' in resolution) return resolution.refused;
    if (request.method === 'GET') {
      return { code: 'BAD_REQUEST', message: 'Send trusted documents by id with POST.' };
    }
    const body = request.body as Record<string, unknown>;
    body['query'] = resolution.query;
    delete body['documentId'];
    return null;
  }

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

  /**
   * The operation of a POST body when it is a subscription (these are not Apollo Server's to run: it would
   * answer 500); null for anything else, which Apollo answers as usual.
   */
  function subscriptionIn(body: unknown) {
    if (typeof body !== 'object' || body === null) return null;
    const { query, operationName, variables, extensions } = body as Record<string, unknown>;
    // Cheap first: most requests are not subscriptions and are parsed by Apollo anyway.
    if (typeof query !== 'string' || !query.includes('subscription')) return null;
    let document;
    try {
      document = graphqlCjs.parse(query, { maxTokens: operationLimits.maxTokens });
    } catch {
      return null; // Apollo reports the syntax error (or the token limit) itself
    }
    const name = typeof operationName === 'string' ? operationName : undefined;
    const operation = graphqlCjs.getOperationAST(document, name);
    if (operation?.operation !== 'subscription') return null;
    const vars = typeof variables === 'object' && variables !== null ? (variables as Record<string, unknown>) : {};
    return { document, query, operationName: name, variables: vars, lastEventId: lastEventIdOf(extensions) };
  }

  async function handleHttpSubscription(
    req: IncomingMessage,
    res: ServerResponse,
    operation: NonNullable<ReturnType<typeof subscriptionIn>>,
    caller: { authorization: string | null; viewer: Viewer | null; requestId: string },
  ): Promise<void> {
    const responseHeaders = { 'x-request-id': caller.requestId };
    const sendErrors = (status: number, errors: GraphQLFormattedError[]) =>
      sendJson(res, status, { errors }, responseHeaders);
    if (!acceptsMultipartSubscription(req)) {
      return sendErrors(400, [
        {
          message:
            'Subscriptions are served over graphql-ws on this path, or over HTTP with ' +
            '`Accept: multipart/mixed;subscriptionSpec=1.0`.',
          extensions: { code: 'BAD_REQUEST' },
        },
      ]);
    }
    const validationErrors = graphqlCjs.validate(subscriptions.schema, operation.document);
    if (validationErrors.length > 0) {
      return sendErrors(
        400,
        validationErrors.map((error) => ({
          ...error.toJSON(),
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        })),
      );
    }
    const { variables, coerced } = coerceVariables(operation);
    if (coerced.length > 0) return sendErrors(400, coerced);
    const { lastEventId } = operation;
    if (lastEventId === 'invalid') {
      return sendErrors(400, [
        {
          message: 'extensions.lastEventId must be an eventId that an event carried.',
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ]);
    }
    const definition = graphqlCjs.getOperationAST(operation.document, operation.operationName)!;
    const exceeded = operationLimitErrors(
      measureOperation(operation.document, definition, subscriptions.schema, variables),
      operationLimits,
    );
    if (exceeded.length > 0)
      return sendErrors(
        400,
        exceeded.map((error) => formatError(error.toJSON())),
      );
    const stream = subscriptions.subscribe({ ...operation, variables, lastEventId, ...caller });
    await streamMultipart(res, stream, { headers: responseHeaders, formatError });
  }

  /** The operation's variables as the schema types them; errors (BAD_USER_INPUT) when they do not fit. */
  function coerceVariables(operation: NonNullable<ReturnType<typeof subscriptionIn>>) {
    const definition = graphqlCjs.getOperationAST(operation.document, operation.operationName)!;
    const result = graphqlCjs.getVariableValues(
      subscriptions.schema,
      definition.variableDefinitions ?? [],
      operation.variables,
    );
    if (result.errors) {
      return {
        variables: {},
        coerced: result.errors.map((error) => ({ message: error.message, extensions: { code: 'BAD_USER_INPUT' } })),
      };
    }
    return { variables: result.coerced, coerced: [] };
  }

  const queueDashboard: QueueDashboard | null = options.queues ? createQueueDashboard(options.queues) : null;

  /**
   * The admin pages: the caller's access token (header, or the cookie `POST /admin/session` sets for a
   * browser) must be an admin's. 401 without a valid token, 403 for anyone else.
   */
  async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, requestId: string) {
    const headers = { 'x-request-id': requestId };
    const cookieToken = /(?:^|;\s*)curbside_admin=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const authorization = req.headers.authorization ?? (cookieToken ? `Bearer ${cookieToken}` : undefined);
    let viewer: Viewer | null = null;
    try {
      viewer = await viewerFromHeader(authorization, options.verifyAccessToken);
    } catch {
      viewer = null;
    }
    if (!viewer) return sendJson(res, 401, { error: 'Sign in as an admin.', code: 'UNAUTHENTICATED' }, headers);
    if (viewer.role !== 'ADMIN') return sendJson(res, 403, { error: 'Admins only.', code: 'FORBIDDEN' }, headers);
    if (path === '/admin/session' && req.method === 'POST') {
      // For a browser: the dashboard's own requests carry no Authorization header, so the token rides in a
      // cookie that scripts cannot read and other sites cannot send.
      const maxAge = Math.max(0, viewer.expiresAt - Math.floor(Date.now() / 1000));
      const secure = options.production ? '; Secure' : '';
      res.setHeader(
        'set-cookie',
        `curbside_admin=${authorization!.slice('Bearer '.length)}; HttpOnly; SameSite=Strict; Path=/admin; Max-Age=${maxAge}${secure}`,
      );
      return sendJson(res, 200, { dashboard: queueDashboardPath }, headers);
    }
    if (queueDashboard && (path === queueDashboardPath || path.startsWith(`${queueDashboardPath}/`))) {
      return queueDashboard.handle(req, res);
    }
    sendJson(res, 404, { error: 'not found' }, headers);
  }

  const cors = makeCorsPolicy({ extraOrigins: options.corsOrigins ?? [], allowLocalhost: !options.production });
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 2_000;

  async function probeSubgraphs(): Promise<Record<string, boolean>> {
    const results = await Promise.all(
      [...resolvedSubgraphUrls].map(async ([name, url]) => {
        try {
          const response = await fetch(subgraphProbeUrl(url), {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"query":"{ __typename }"}',
            signal: AbortSignal.timeout(readinessTimeoutMs),
          });
          return [name, response.ok] as const;
        } catch {
          return [name, false] as const;
        }
      }),
    );
    return Object.fromEntries(results);
  }

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const responseHeaders = { 'x-request-id': requestId };
    const authorization = req.headers.authorization ?? null;
    let viewer: Viewer | null;
    try {
      // Verified before anything is planned or fetched: a bad token costs no subgraph call.
      viewer = await viewerFromHeader(authorization, options.verifyAccessToken);
    } catch (error) {
      if (error instanceof KeySetUnavailableError) {
        logger.error({ err: error.cause, requestId }, 'cannot fetch the JWKS');
        sendGraphQLError(
          res,
          'SERVICE_UNAVAILABLE',
          'Cannot verify the access token right now; retry.',
          {},
          responseHeaders,
        );
        return;
      }
      if (isClientError(error) && error.extensions['code'] === 'FORBIDDEN') {
        sendGraphQLError(res, 'FORBIDDEN', error.message, {}, responseHeaders);
        return;
      }
      const message = isClientError(error) ? error.message : 'The access token is invalid.';
      sendGraphQLError(res, 'UNAUTHENTICATED', message, {}, { ...responseHeaders, 'www-authenticate': 'Bearer' });
      return;
    }
    const rawBody = await readBody(req);
    let httpGraphQLRequest;
    try {
      httpGraphQLRequest = toGraphQLRequest(req, rawBody);
    } catch {
      sendJson(
        res,
        400,
        { errors: [{ message: 'The body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] },
        responseHeaders,
      );
      return;
    }
    const documentRefusal = applyPersistedDocuments(httpGraphQLRequest);
    if (documentRefusal) {
      return sendJson(
        res,
        400,
        { errors: [{ message: documentRefusal.message, extensions: { code: documentRefusal.code } }] },
        responseHeaders,
      );
    }
    const subscription = httpGraphQLRequest.method === 'POST' ? subscriptionIn(httpGraphQLRequest.body) : null;
    if (subscription) {
      const caller = { authorization: viewer ? authorization : null, viewer, requestId };
      return handleHttpSubscription(req, res, subscription, caller);
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: async () => ({
        requestId,
        authorization: viewer ? authorization : null,
        viewer,
        clientIp: clientIpOf(req),
      }),
    });
    await writeGraphQLResponse(res, response, responseHeaders);
  }

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
        return proxyRequest(req, res, { origin: new URL(target), pathAndQuery: path + search, requestId, logger });
      }
      if (path.startsWith('/admin/')) return await handleAdmin(req, res, path, requestId);
      if (path === '/health') return sendJson(res, 200, { status: 'ok' });
      if (path === '/metrics') {
        const stats = subscriptions.stats();
        metrics.webSocketConnections.set(sockets.connections());
        metrics.subscriptions.set(stats.subscriptions);
        metrics.droppedSubscriptionEvents.set(stats.droppedEvents);
        metrics.subscriptionResumes.set({ outcome: 'refused' }, stats.refusedResumes);
        metrics.subscriptionResumes.set({ outcome: 'resumed' }, stats.resumes - stats.refusedResumes);
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
        return;
      }
      if (path === '/ready') {
        if (draining) return sendJson(res, 503, { ready: false, draining: true });
        const subgraphs = await probeSubgraphs();
        const ready = Object.values(subgraphs).every(Boolean);
        return sendJson(res, ready ? 200 : 503, {
          ready,
          supergraphLoaded: true,
          supergraph: currentSupergraphId,
          subgraphs,
        });
      }
      sendJson(res, 404, { error: 'not found' });
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        // 413, and the connection closes: the rest of the body is not read.
        sendJson(
          res,
          413,
          { errors: [{ message: error.message, extensions: { code: 'BAD_REQUEST' } }] },
          { 'x-request-id': requestId, connection: 'close' },
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
    operationLimits,
    chargeOperation,
    clientIpOf,
    resolveDocument: (payload) => resolveDocument(payload, documentsMode, manifest),
  });

  let closing: Promise<void> | undefined;
  let draining = false;
  const shutdownDelayMs = options.shutdownDelayMs ?? 0;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  return {
    reloadSupergraph(supergraphSdl) {
      if (!updateSupergraph) throw new Error('the gateway has not loaded its first supergraph yet');
      // Apollo first: it refuses an invalid supergraph and keeps the current one, and then so do we.
      updateSupergraph(supergraphSdl);
      subscriptions.reload(supergraphSdl);
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
