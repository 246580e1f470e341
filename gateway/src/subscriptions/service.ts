// Why this file is long (about 440 lines): `SubscriptionService` is the one path a federated subscription takes
// from admission to the client's stream (plan, authorize, join or open the upstream, hydrate, resume from an
// event id, end on token expiry or a blocked account). Planning, upstreams, the authorization gate and the
// client stream are already parts of their own in this folder; what remains here is their sequencing.
import { executeQueryPlan, type ServiceMap } from '@apollo/gateway';
import type { ExecutionResult, FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { accountBlockedError, watchAccountBlocks, type AccountBlocklist, type AccountWatch } from '@curbside/auth';
import { codedExtensions } from '@curbside/errors';
import { DeadlineSet, type Expiring } from '@curbside/async';
import type { Logger } from '@curbside/service';
import { ClientStream } from './client-stream.ts';
import {
  SubscriptionEndedError,
  subscriptionEnded,
  defaultSubscriptionLimits,
  type SubscriptionLimits,
  type SubscriptionRequest,
  type SubscriptionStats,
  type SubgraphSubscriptionStats,
} from './contract.ts';
import { AuthorizationGate } from './authorization-gate.ts';
import { SharedHydration } from './hydration.ts';
import { eventSourceName, SubscriptionPlanner, type SubscriptionPlan } from './planner.ts';
import { eventIdOf, ResumingConsumer, type EventConsumer } from './resume.ts';
import {
  canonicalJson,
  upstreamKeyOf,
  UpstreamHub,
  type UpstreamCredential,
  type UpstreamRequest,
} from './upstreams.ts';

export {
  SubscriptionEndedError,
  subscriptionEnded,
  defaultSubscriptionLimits,
  type SubscriptionLimits,
  type SubscriptionRequest,
  type SubscriptionStats,
  type SubgraphSubscriptionStats,
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

/** The last events of a shared hydration kept for clients that resume from one of them (a network blip). */
const recentEventsPerSharedHydration = 8;

/** How a signed-in subscriber's stream ends when their access token expires. */
const tokenExpired = () =>
  subscriptionEnded('UNAUTHENTICATED', 'The access token has expired; sign in again and resubscribe.');

/** A hydration and the upstream it listens to. */
interface HydrationEntry {
  hydration: SharedHydration;
  upstream: UpstreamRequest;
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
 *
 * An operation that selects no `@viewerDependent` field gives every viewer the same events: all its viewers,
 * signed in or not, share one upstream (under the gateway's credential) and one hydration per operation and
 * variables. Each viewer is first authorized on their own by the owning subgraph's rule (`AuthorizationGate`);
 * what stays per viewer (token expiry, a blocked account, the queue of a slow client) lives in their stream.
 * An operation selecting a `@viewerDependent` field has an upstream per viewer, on the same few sockets.
 */
export class SubscriptionService {
  #planner: SubscriptionPlanner;
  readonly #hub: UpstreamHub;
  readonly #hydrations = new Map<string, HydrationEntry>();
  readonly #options: SubscriptionServiceOptions;
  readonly #limits: SubscriptionLimits;
  #subscriptions = 0;
  #droppedEvents = 0;
  #droppedHydrations = 0;
  #resumes = 0;
  #refusedResumes = 0;
  #authorizing = 0;
  /** When signed-in subscribers' tokens expire: one timer for them all (see `DeadlineSet`). */
  readonly #expiries = new DeadlineSet<Expiring>();
  /** The accounts of signed-in subscribers, looked up on the blocklist (null without one). */
  readonly #accounts: AccountWatch | null;

  constructor(options: SubscriptionServiceOptions) {
    this.#options = options;
    this.#limits = { ...defaultSubscriptionLimits, ...options.limits };
    this.#planner = new SubscriptionPlanner(options.supergraphSdl);
    this.#hub = new UpstreamHub({
      logger: options.logger,
      gatewaySecret: options.gatewaySecret,
      maxSocketsPerSubgraph: this.#limits.maxSocketsPerSubgraph,
      authorizationReuseMs: this.#limits.authorizationReuseMs,
    });
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
    const ended = subscriptionEnded(
      'SUBSCRIPTION_SCHEMA_RELOAD',
      'The schema changed; subscribe again to continue on the new schema.',
    );
    for (const { hydration } of [...this.#hydrations.values()]) hydration.failAll(ended);
    // Each leaves its upstream once its last client has gone; a client subscribing meanwhile starts afresh on
    // the new schema rather than joining one planned on the old.
    this.#hydrations.clear();
  }

  /** Ends every active subscription with `error` and stops looking up accounts (the gateway is stopping). */
  endAll(error: SubscriptionEndedError): void {
    this.#accounts?.stop();
    for (const { hydration } of [...this.#hydrations.values()]) hydration.failAll(error);
  }

  stats(): SubscriptionStats {
    const hub = this.#hub.stats();
    let sharedHydrations = 0;
    let sharedViewers = 0;
    for (const { hydration, upstream } of this.#hydrations.values()) {
      if (upstream.credential.kind !== 'shared') continue;
      sharedHydrations++;
      sharedViewers += hydration.consumers.size;
    }
    return {
      subscriptions: this.#subscriptions,
      hydrations: this.#hydrations.size,
      sharedHydrations,
      sharedViewers,
      authorizing: this.#authorizing,
      upstreams: hub.upstreams,
      upstreamSockets: hub.sockets,
      droppedEvents: this.#droppedEvents,
      droppedHydrations: this.#droppedHydrations,
      resumes: this.#resumes,
      refusedResumes: this.#refusedResumes,
    };
  }

  /** What this process holds towards each subgraph it has subscriptions with, by subgraph name. */
  statsBySubgraph(): Record<string, SubgraphSubscriptionStats> {
    const bySubgraph: Record<string, SubgraphSubscriptionStats> = {};
    for (const [subgraph, upstreams] of Object.entries(this.#hub.stats().bySubgraph)) {
      bySubgraph[subgraph] = { ...upstreams, sharedViewers: 0, maxViewersPerSharedUpstream: 0 };
    }
    // Operations that differ only in other subgraphs' fields share one upstream: viewers are counted per upstream.
    const viewersPerUpstream = new Map<string, { subgraph: string; viewers: number }>();
    for (const { hydration, upstream } of this.#hydrations.values()) {
      if (upstream.credential.kind !== 'shared') continue;
      const key = upstreamKeyOf(upstream);
      const counted = viewersPerUpstream.get(key) ?? { subgraph: upstream.subgraph, viewers: 0 };
      counted.viewers += hydration.consumers.size;
      viewersPerUpstream.set(key, counted);
    }
    for (const { subgraph, viewers } of viewersPerUpstream.values()) {
      const stats = (bySubgraph[subgraph] ??= {
        sockets: 0,
        sharedUpstreams: 0,
        viewerUpstreams: 0,
        sharedViewers: 0,
        maxViewersPerSharedUpstream: 0,
      });
      stats.sharedViewers += viewers;
      stats.maxViewersPerSharedUpstream = Math.max(stats.maxViewersPerSharedUpstream, viewers);
    }
    return bySubgraph;
  }

  /** Starts one client subscription; its events are already formatted for clients. */
  subscribe(request: SubscriptionRequest): ClientStream<FormattedExecutionResult> {
    const planner = this.#planner;
    const operationKey = `${request.operationName ?? ''}\n${request.query}`;
    const plan = planner.plan(request.document, request.operationName, operationKey);
    const { primary } = plan;
    const subgraphUrl = this.#options.subgraphUrl(primary.serviceName);
    if (!subgraphUrl) throw new Error(`no URL for subgraph '${primary.serviceName}'`);
    const credential: UpstreamCredential = plan.viewerIndependent
      ? { kind: 'shared' }
      : { kind: 'viewer', authorization: request.authorization };
    const hydrationKey = [
      operationKey,
      canonicalJson(request.variables),
      credential.kind === 'shared' ? 'shared' : `viewer:${request.authorization ?? ''}`,
      primary.serviceName,
    ].join('\n');
    const entry =
      this.#hydrations.get(hydrationKey) ??
      this.#startHydration(hydrationKey, plan, planner, request, subgraphUrl, credential);
    const shared = entry.hydration;
    let consumer: EventConsumer;
    let unwatchAccount: () => void = () => undefined;
    const stream: ClientStream<FormattedExecutionResult> = new ClientStream({
      capacity: this.#limits.queueCapacity,
      onDrop: () => this.#droppedEvents++,
      expiry: request.viewer ? { atMs: request.viewer.expiresAt * 1000, deadlines: this.#expiries } : null,
      expiryError: tokenExpired,
      onRelease: () => {
        this.#subscriptions--;
        request.onRelease?.();
        unwatchAccount();
        shared.consumers.delete(consumer);
        if (shared.consumers.size > 0) return;
        if (this.#hydrations.get(hydrationKey) === entry) this.#hydrations.delete(hydrationKey);
        shared.leaveUpstream();
      },
    });
    // The shared upstream applies nobody's rule: this viewer's events wait for the subgraph's answer about them.
    const gate =
      credential.kind === 'shared'
        ? new AuthorizationGate({
            target: stream,
            capacity: this.#limits.queueCapacity,
            onDrop: () => this.#droppedEvents++,
          })
        : null;
    const target = gate ?? stream;
    consumer = target;
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
        target,
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
    if (gate) this.#authorize(gate, entry.upstream, request);
    return stream;
  }

  /**
   * Asks the owning subgraph whether `request`'s viewer may subscribe (its own rule, as for a subscription of
   * their own; on resume too), then opens the gate or ends the stream with the refusal: for a new subscription
   * as a subgraph refuses one (a result without data, then the end), for a resuming one with those errors (as
   * a refused replay ends it).
   */
  #authorize(gate: AuthorizationGate, upstream: UpstreamRequest, request: SubscriptionRequest): void {
    const { formatError, logger } = this.#options;
    this.#authorizing++;
    this.#hub.authorize(upstream, request.authorization).then(
      (refusal) => {
        this.#authorizing--;
        if (!refusal) return gate.open();
        const errors = refusal.map((error) =>
          formatError({ ...error, extensions: { ...error.extensions, serviceName: upstream.subgraph } }),
        );
        gate.refuse((target) => {
          if (request.lastEventId) return target.fail(new SubscriptionEndedError(errors));
          target.push({ data: null, errors });
          target.complete();
        });
      },
      (error: unknown) => {
        this.#authorizing--;
        logger.error({ err: error, requestId: request.requestId }, 'subscription authorization failed');
        gate.refuse((target) => target.fail(subscriptionEnded('INTERNAL_SERVER_ERROR', 'Internal server error.')));
      },
    );
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
    credential: UpstreamCredential,
  ): HydrationEntry {
    const { logger, formatError } = this.#options;
    // Shared: no field of the operation depends on the viewer and the hydration serves every viewer, so the
    // other subgraphs' fields are fetched anonymously: nothing of one viewer can reach another.
    const context =
      credential.kind === 'shared'
        ? { requestId: request.requestId, authorization: null, viewer: null }
        : { requestId: request.requestId, authorization: request.authorization, viewer: request.viewer };
    const hydrate = async (event: ExecutionResult): Promise<FormattedExecutionResult> => {
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
    const variables: Record<string, unknown> = {};
    for (const name of plan.primary.variableUsages ?? []) {
      if (request.variables[name] !== undefined) variables[name] = request.variables[name];
    }
    const upstream: UpstreamRequest = {
      subgraph: plan.primary.serviceName,
      url: subgraphUrl.replace(/^http/, 'ws'),
      credential,
      query: plan.primary.operation,
      operationName: plan.primary.operationName,
      variables,
    };
    const hydration: SharedHydration = new SharedHydration({
      hydrate,
      fetchReplay: (range) => this.#hub.replay(upstream, range),
      limits: this.#limits,
      // Kept only where every viewer gets the same events: each is authorized apart, by the gate.
      recentEvents: credential.kind === 'shared' ? recentEventsPerSharedHydration : 0,
      onHydrationDropped: () => this.#droppedHydrations++,
      // An ended upstream takes nobody new: the next subscriber starts a fresh one.
      onEnded: () => {
        if (this.#hydrations.get(key) === entry) this.#hydrations.delete(key);
      },
    });
    const entry: HydrationEntry = { hydration, upstream };
    this.#hydrations.set(key, entry);
    hydration.leaveUpstream = this.#hub.join(upstream, hydration);
    return entry;
  }
}
