import { executeQueryPlan, type ServiceMap } from '@apollo/gateway';
import type { ExecutionResult, FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { accountBlockedError, watchAccountBlocks, type AccountBlocklist, type AccountWatch } from '@curbside/auth';
import { codedExtensions } from '@curbside/errors';
import type { Logger } from '@curbside/service';
import { ClientStream } from './client-stream.ts';
import {
  SubscriptionEndedError,
  subscriptionEnded,
  defaultSubscriptionLimits,
  type SubscriptionLimits,
  type SubscriptionRequest,
  type SubscriptionStats,
} from './contract.ts';
import { SharedHydration } from './hydration.ts';
import { eventSourceName, SubscriptionPlanner, type SubscriptionPlan } from './planner.ts';
import { RecentResults } from './recent-results.ts';
import { eventIdOf, ResumingConsumer, type EventConsumer } from './resume.ts';
import { canonicalJson, UpstreamHub, type UpstreamRequest } from './upstreams.ts';

export {
  SubscriptionEndedError,
  subscriptionEnded,
  defaultSubscriptionLimits,
  type SubscriptionLimits,
  type SubscriptionRequest,
  type SubscriptionStats,
} from './contract.ts';

export interface SubscriptionServiceOptions {
  supergraphSdl: string;
  /** The data sources queries use, by subgraph name: entity fetches of events go through the same ones. */
  dataSources: () => ServiceMap;
  /** The HTTP URL of a subgraph (its graphql-ws endpoint is the same URL as ws://). */
  subgraphUrl: (name: string) => string | undefined;
  /** What a client may see of an error (codes kept, internals masked). */
  formatError: (error: GraphQLFormattedError) => GraphQLFormattedError;
  logger: Logger;
  limits?: Partial<SubscriptionLimits>;
  /**
   * Suspended and closed accounts: their open subscriptions end within about `accountCheckIntervalMs` with the
   * error a new request of theirs gets (FORBIDDEN when suspended, UNAUTHENTICATED when closed), rather than at
   * token expiry. Default: none (they end at token expiry).
   */
  accountBlocklist?: AccountBlocklist | undefined;
  /** Sent to subgraphs on every upstream socket, for subgraphs that answer only the gateway. Default: none. */
  gatewaySecret?: string | undefined;
  /** How often the accounts holding subscriptions are looked up on `accountBlocklist`. Default 2_000 (2 seconds). */
  accountCheckIntervalMs?: number;
}

/**
 * Runs a subscription's per-event plan for one event already in `serviceMap[eventSourceName]`: fetches the
 * other subgraphs' fields and shapes the result as the client asked (aliases, fragments, no extra keys).
 * `executeQueryPlan`'s request-context argument is Apollo Server's internal shape; it reads only the fields
 * given here (the tests of this folder run it against the pinned @apollo/gateway and fail if that changes).
 */
export function completeEvent(input: {
  plan: SubscriptionPlan;
  planner: SubscriptionPlanner;
  serviceMap: ServiceMap;
  variables: Record<string, unknown>;
  operationName: string | undefined;
  context: unknown;
  logger: Logger;
}): Promise<ExecutionResult> {
  const requestContext = {
    request: { variables: input.variables, operationName: input.operationName },
    context: input.context,
    logger: input.logger,
    metrics: {},
  } as unknown as Parameters<typeof executeQueryPlan>[2];
  return executeQueryPlan(
    input.plan.perEvent,
    input.serviceMap,
    requestContext,
    input.plan.operationContext,
    input.planner.supergraphSchema,
    input.planner.federatedApiSchema,
  );
}

/** The event's id, for clients to keep and send as `lastEventId` when they reconnect; nothing if it has none. */
function idOf(event: ExecutionResult): { extensions?: { eventId: string } } {
  const eventId = eventIdOf(event);
  return eventId ? { extensions: { eventId } } : {};
}

/** An error the event itself carried names the subgraph that sent it, not the plan's stand-in for it. */
function ownedBy(error: GraphQLFormattedError, subgraph: string): GraphQLFormattedError {
  if (error.extensions?.['serviceName'] !== eventSourceName) return error;
  return { ...error, extensions: { ...error.extensions, serviceName: subgraph } };
}

/**
 * Runs federated subscriptions: plans each with the query planner, forwards its primary fetch to the subgraph
 * owning the root field (shared upstreams, `UpstreamHub`), and completes every event with the other
 * subgraphs' fields by running the rest of the plan with the gateway's own `executeQueryPlan`.
 */
export class SubscriptionService {
  #planner: SubscriptionPlanner;
  readonly #hub: UpstreamHub;
  readonly #hydrations = new Map<string, SharedHydration>();
  readonly #options: SubscriptionServiceOptions;
  readonly #limits: SubscriptionLimits;
  #subscriptions = 0;
  #droppedEvents = 0;
  #droppedHydrations = 0;
  #resumes = 0;
  #refusedResumes = 0;
  /** Events completed in the last seconds, for viewer-independent operations: one completion per event. */
  readonly #completions = new RecentResults<FormattedExecutionResult>({ ttlMs: 5_000, maxEntries: 20_000 });
  /** Bumped by each schema reload, so no completion crosses from one schema to the next. */
  #generation = 0;
  /** The accounts of signed-in subscribers, looked up on the blocklist (null without one). */
  readonly #accounts: AccountWatch | null;

  constructor(options: SubscriptionServiceOptions) {
    this.#options = options;
    this.#limits = { ...defaultSubscriptionLimits, ...options.limits };
    this.#planner = new SubscriptionPlanner(options.supergraphSdl);
    this.#hub = new UpstreamHub({ logger: options.logger, gatewaySecret: options.gatewaySecret });
    this.#accounts = options.accountBlocklist
      ? watchAccountBlocks({
          blocklist: options.accountBlocklist,
          intervalMs: options.accountCheckIntervalMs ?? 2_000,
          // Once per outage: as for requests, the token alone decides meanwhile.
          onUnavailable: (error) =>
            options.logger.warn(
              { err: error },
              'account blocklist unreadable; subscriptions of blocked accounts end at token expiry until it is back',
            ),
        })
      : null;
  }

  /** The API schema clients' subscriptions are validated against (graphql's CommonJS build). */
  get schema() {
    return this.#planner.apiSchema;
  }

  /**
   * Switches to another supergraph (already checked to be valid by the caller) and ends every active
   * subscription with SUBSCRIPTION_SCHEMA_RELOAD, so clients resubscribe against the new schema.
   * Throws, changing nothing, when the supergraph cannot be planned on.
   */
  reload(supergraphSdl: string): void {
    this.#planner = new SubscriptionPlanner(supergraphSdl);
    this.#generation++;
    const ended = subscriptionEnded(
      'SUBSCRIPTION_SCHEMA_RELOAD',
      'The schema changed; subscribe again to continue on the new schema.',
    );
    for (const hydration of [...this.#hydrations.values()]) hydration.failAll(ended);
  }

  /** Ends every active subscription with `error` and stops looking up accounts (the gateway is stopping). */
  endAll(error: SubscriptionEndedError): void {
    this.#accounts?.stop();
    for (const hydration of [...this.#hydrations.values()]) hydration.failAll(error);
  }

  stats(): SubscriptionStats {
    const hub = this.#hub.stats();
    return {
      subscriptions: this.#subscriptions,
      hydrations: this.#hydrations.size,
      upstreams: hub.upstreams,
      upstreamSockets: hub.sockets,
      droppedEvents: this.#droppedEvents,
      droppedHydrations: this.#droppedHydrations,
      resumes: this.#resumes,
      refusedResumes: this.#refusedResumes,
    };
  }

  /** Starts one client subscription; its events are already formatted for clients. */
  subscribe(request: SubscriptionRequest): ClientStream<FormattedExecutionResult> {
    const planner = this.#planner;
    const operationKey = `${request.operationName ?? ''}\n${request.query}`;
    const plan = planner.plan(request.document, request.operationName, operationKey);
    const { primary } = plan;
    const subgraphUrl = this.#options.subgraphUrl(primary.serviceName);
    if (!subgraphUrl) throw new Error(`no URL for subgraph '${primary.serviceName}'`);
    const hydrationKey = [
      operationKey,
      canonicalJson(request.variables),
      request.authorization ?? '',
      primary.serviceName,
    ].join('\n');
    let hydration = this.#hydrations.get(hydrationKey);
    if (!hydration) hydration = this.#startHydration(hydrationKey, plan, planner, request, subgraphUrl);
    const shared = hydration;
    let consumer: EventConsumer;
    let unwatchAccount: () => void = () => undefined;
    const stream: ClientStream<FormattedExecutionResult> = new ClientStream({
      capacity: this.#limits.queueCapacity,
      onDrop: () => this.#droppedEvents++,
      expiresAtMs: request.viewer ? request.viewer.expiresAt * 1000 : null,
      expiryError: () =>
        subscriptionEnded('UNAUTHENTICATED', 'The access token has expired; sign in again and resubscribe.'),
      onRelease: () => {
        this.#subscriptions--;
        request.onRelease?.();
        unwatchAccount();
        shared.consumers.delete(consumer);
        if (shared.consumers.size > 0) return;
        if (this.#hydrations.get(hydrationKey) === shared) this.#hydrations.delete(hydrationKey);
        shared.leaveUpstream();
      },
    });
    consumer = stream;
    if (request.viewer && this.#accounts) {
      // Ended like an expired token is (this stream alone, after the events already queued for it).
      unwatchAccount = this.#accounts.watch(request.viewer.userId, (block) =>
        stream.fail(new SubscriptionEndedError([accountBlockedError(block).toJSON()])),
      );
    }
    if (request.lastEventId) {
      this.#resumes++;
      let refused = false;
      consumer = new ResumingConsumer({
        target: stream,
        after: request.lastEventId,
        replay: (range) =>
          shared.replay(range).catch((error: unknown) => {
            if (!refused) this.#refusedResumes++;
            refused = true;
            throw error;
          }),
        liveSeenEvents: shared.seenEvents,
        capacity: this.#limits.queueCapacity,
        onDrop: () => this.#droppedEvents++,
      });
    }
    this.#subscriptions++;
    shared.consumers.add(consumer);
    return stream;
  }

  /**
   * The query data sources, except that a fetch that fails outright (subgraph down, HTTP error) answers with
   * one SERVICE_UNAVAILABLE error per entity it was asked for, at that entity's `_entities` index: the planner
   * then places each at the entity's path, and the event goes out with the rest of its data.
   */
  #guardedDataSources(): ServiceMap {
    const guarded: ServiceMap = {};
    for (const [name, source] of Object.entries(this.#options.dataSources())) {
      guarded[name] = {
        process: async (request) => {
          try {
            return await source.process(request);
          } catch (error) {
            this.#options.logger.warn({ err: error, subgraph: name }, 'entity fetch for a subscription event failed');
            const message = `The ${name} service could not complete this event; its fields are missing.`;
            const extensions = codedExtensions('SERVICE_UNAVAILABLE');
            const representations = request.request.variables?.['representations'];
            if (!Array.isArray(representations)) return { errors: [{ message, extensions }] };
            return { errors: representations.map((_, index) => ({ message, path: ['_entities', index], extensions })) };
          }
        },
      };
    }
    return guarded;
  }

  #startHydration(
    key: string,
    plan: SubscriptionPlan,
    planner: SubscriptionPlanner,
    request: SubscriptionRequest,
    subgraphUrl: string,
  ): SharedHydration {
    const { logger, formatError } = this.#options;
    const viewerContext = {
      requestId: request.requestId,
      authorization: request.authorization,
      viewer: request.viewer,
    };
    const complete = async (
      event: ExecutionResult,
      context: typeof viewerContext,
    ): Promise<FormattedExecutionResult> => {
      const serviceMap: ServiceMap = {
        ...this.#guardedDataSources(),
        [eventSourceName]: { process: async () => event },
      };
      try {
        const result = await completeEvent({
          plan,
          planner,
          serviceMap,
          variables: request.variables,
          operationName: request.operationName,
          context,
          logger,
        });
        const errors = result.errors?.map((error) => formatError(ownedBy(error.toJSON(), plan.primary.serviceName)));
        return { data: result.data ?? null, ...(errors?.length ? { errors } : {}), ...idOf(event) };
      } catch (error) {
        logger.error({ err: error, requestId: request.requestId }, 'subscription event failed');
        return { data: null, errors: [formatError({ message: 'Internal server error.' })], ...idOf(event) };
      }
    };
    // No field of the operation depends on the viewer: the other subgraphs' fields are fetched anonymously, and
    // once for every viewer whose upstream sent the same event (the event itself may differ per viewer, so it is
    // part of the key). Anonymous, so sharing can never carry one viewer's data to another.
    const anonymous = { requestId: request.requestId, authorization: null, viewer: null };
    const sharedKey = `${this.#generation}\n${request.operationName ?? ''}\n${request.query}\n${canonicalJson(request.variables)}`;
    const hydrate = plan.viewerIndependent
      ? (event: ExecutionResult) =>
          this.#completions.once(`${sharedKey}\n${JSON.stringify(event)}`, () => complete(event, anonymous))
      : (event: ExecutionResult) => complete(event, viewerContext);
    const variables: Record<string, unknown> = {};
    for (const name of plan.primary.variableUsages ?? []) {
      if (request.variables[name] !== undefined) variables[name] = request.variables[name];
    }
    const upstream: UpstreamRequest = {
      subgraph: plan.primary.serviceName,
      url: subgraphUrl.replace(/^http/, 'ws'),
      authorization: request.authorization,
      query: plan.primary.operation,
      operationName: plan.primary.operationName,
      variables,
    };
    const hydration = new SharedHydration({
      hydrate,
      fetchReplay: (range) => this.#hub.replay(upstream, range),
      limits: this.#limits,
      onHydrationDropped: () => this.#droppedHydrations++,
    });
    this.#hydrations.set(key, hydration);
    hydration.leaveUpstream = this.#hub.join(upstream, hydration);
    return hydration;
  }
}
