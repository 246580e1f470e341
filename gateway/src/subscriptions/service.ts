import { executeQueryPlan, type ServiceMap } from '@apollo/gateway';
import type { DocumentNode, ExecutionResult, FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import {
  accountBlockedError,
  watchAccountBlocks,
  type AccountBlocklist,
  type AccountWatch,
  type Viewer,
} from '@curbside/auth';
import { codedExtensions, type ErrorCode } from '@curbside/errors';
import type { Logger } from '@curbside/service';
import { ClientStream } from './client-stream.ts';
import { RecentResults } from './recent-results.ts';
import { eventSourceName, SubscriptionPlanner, type SubscriptionPlan } from './planner.ts';
import { compareEventIds, eventIdOf, ResumingConsumer, SharedReplays, type EventConsumer } from './resume.ts';
import { canonicalJson, UpstreamHub, type UpstreamListener, type UpstreamRequest } from './upstreams.ts';

/** A validated subscription operation from a client (over graphql-ws or multipart HTTP). */
export interface SubscriptionRequest {
  document: DocumentNode;
  /** The document's text: with the operation name, it identifies the plan and the shared hydration. */
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  /** The verified `Authorization` header (null when anonymous). */
  authorization: string | null;
  viewer: Viewer | null;
  requestId: string;
  /**
   * The `extensions.eventId` of the last event the client received before it lost its connection (validated):
   * it gets the events since, then live ones. Null for a fresh subscription.
   */
  lastEventId?: string | null;
  /** Called once when this client's stream ends, for any reason (the admission's caps release its slot). */
  onRelease?: () => void;
}

/**
 * Ends a client's stream with these errors. graphql-ws reports the first in its `error` message (with the
 * same `extensions`); multipart HTTP sends them all.
 */
export class SubscriptionEndedError extends Error {
  readonly extensions: Record<string, unknown>;
  readonly errors: GraphQLFormattedError[];

  constructor(errors: GraphQLFormattedError[]) {
    super(errors[0]?.message ?? 'The subscription ended.');
    this.errors = errors;
    this.extensions = { ...errors[0]?.extensions };
  }
}

export const subscriptionEnded = (code: ErrorCode, message: string) =>
  new SubscriptionEndedError([{ message, extensions: { code } }]);

export interface SubscriptionLimits {
  /** Events held per client subscription before the oldest is dropped. */
  queueCapacity: number;
  /** Events waiting to be hydrated per shared hydration before new ones are dropped. */
  maxPendingHydrations: number;
}

export const defaultSubscriptionLimits: SubscriptionLimits = { queueCapacity: 100, maxPendingHydrations: 1_000 };

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

export interface SubscriptionStats {
  /** Client subscriptions open on this process. */
  subscriptions: number;
  /** Distinct (operation, variables, credentials) hydrations serving them. */
  hydrations: number;
  upstreams: number;
  upstreamSockets: number;
  /** Events dropped for slow clients since start. */
  droppedEvents: number;
  /** Events not hydrated because a hydration fell too far behind, since start. */
  droppedHydrations: number;
  /** Subscriptions that resumed with `lastEventId` since start, and those of them ended by a refused replay. */
  resumes: number;
  refusedResumes: number;
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
 * Clients identical in operation, variables and credentials share one hydration: each event is completed
 * with the other subgraphs' fields once, in order, and the result goes to all of them.
 */
class SharedHydration implements UpstreamListener {
  readonly consumers = new Set<EventConsumer>();
  leaveUpstream: () => void = () => undefined;
  /** Whether the upstream delivered an event since this hydration joined it (see `ResumingConsumer`). */
  seenEvents = false;
  /** The id of the last event delivered, if events carry ids. */
  #lastEventId: string | null = null;
  #catchUp: ResumingConsumer | null = null;
  readonly #fanOut: EventConsumer = {
    push: (result) => {
      const id = eventIdOf(result);
      if (id !== null) {
        // One hydration follows one key, whose ids only grow: an older one is a repeat (from a catch-up that a
        // second reconnection replaced), never news.
        if (this.#lastEventId !== null && compareEventIds(id, this.#lastEventId) <= 0) return;
        this.#lastEventId = id;
      }
      for (const consumer of this.consumers) consumer.push(result);
    },
    complete: () => {
      for (const consumer of this.consumers) consumer.complete();
    },
    fail: (error) => {
      for (const consumer of this.consumers) consumer.fail(error);
    },
  };
  /** Replayed events hydrated in the last seconds, by event id. */
  readonly #replayedRecently = new RecentResults<FormattedExecutionResult>({ ttlMs: 5_000, maxEntries: 1_000 });
  /** Clients resuming from the same event at about the same time share one replay. */
  readonly #replays = new SharedReplays<FormattedExecutionResult>((range) => this.#fetchReplay(range));
  #chain: Promise<void> = Promise.resolve();
  #pending = 0;

  readonly hydrate: (event: ExecutionResult) => Promise<FormattedExecutionResult>;
  readonly fetchReplay: (range: { after: string; before: string | null }) => Promise<ExecutionResult[]>;
  readonly limits: SubscriptionLimits;
  readonly onHydrationDropped: () => void;

  constructor(options: {
    hydrate: (event: ExecutionResult) => Promise<FormattedExecutionResult>;
    fetchReplay: (range: { after: string; before: string | null }) => Promise<ExecutionResult[]>;
    limits: SubscriptionLimits;
    onHydrationDropped: () => void;
  }) {
    this.hydrate = options.hydrate;
    this.fetchReplay = options.fetchReplay;
    this.limits = options.limits;
    this.onHydrationDropped = options.onHydrationDropped;
  }

  next(event: ExecutionResult): void {
    this.seenEvents = true;
    if (this.#pending >= this.limits.maxPendingHydrations) {
      this.onHydrationDropped();
      return;
    }
    this.#pending++;
    this.#chain = this.#chain.then(async () => {
      try {
        if (this.consumers.size === 0) return;
        this.#sink().push(await this.hydrate(event));
      } finally {
        this.#pending--;
      }
    });
  }

  /**
   * The events published while the subgraph socket was down reached no one: replay them before the next live
   * ones, as for a client that resumes (the last event delivered is the one to resume after).
   */
  reconnected(): void {
    this.#chain = this.#chain.then(() => {
      if (this.#lastEventId === null || this.consumers.size === 0) return;
      this.#catchUp = new ResumingConsumer({
        target: this.#fanOut,
        after: this.#lastEventId,
        replay: (range) => this.replay(range),
        liveSeenEvents: false,
        capacity: this.limits.queueCapacity,
        onDrop: this.onHydrationDropped,
      });
    });
  }

  /** Where hydrated events go: to every consumer, or through the catch-up after a reconnection. */
  #sink(): EventConsumer {
    return this.#catchUp && !this.#catchUp.live ? this.#catchUp : this.#fanOut;
  }

  /** The kept events in `range`, hydrated like live ones; rejects with the errors that end the client's stream. */
  replay(range: { after: string; before: string | null }): Promise<FormattedExecutionResult[]> {
    return this.#replays.get(range);
  }

  async #fetchReplay(range: { after: string; before: string | null }): Promise<FormattedExecutionResult[]> {
    let events: ExecutionResult[];
    try {
      events = await this.fetchReplay(range);
    } catch (errors) {
      throw new SubscriptionEndedError(errors as GraphQLFormattedError[]);
    }
    const results: FormattedExecutionResult[] = [];
    for (const event of events) results.push(await this.#hydrateReplayed(event));
    // A refusal at subscribe time (FORBIDDEN, SUBSCRIPTION_CANNOT_RESUME) comes as one result without data:
    // it ends the resuming client's stream rather than reaching it as an event.
    const refusal = results[0];
    if (refusal && refusal.data == null && refusal.errors?.length && eventIdOf(refusal) === null) {
      throw new SubscriptionEndedError([...refusal.errors]);
    }
    return results;
  }

  /**
   * Clients coming back together replay mostly the same events, in replays of their own when they asked at
   * different moments: each event is hydrated once for all of them, remembered for a few seconds.
   */
  #hydrateReplayed(event: ExecutionResult): Promise<FormattedExecutionResult> {
    const id = eventIdOf(event);
    return id === null ? this.hydrate(event) : this.#replayedRecently.once(id, () => this.hydrate(event));
  }

  error(errors: GraphQLFormattedError[]): void {
    // After the events already received, so none is lost to the ending.
    this.#chain = this.#chain.then(() => this.failAll(new SubscriptionEndedError(errors)));
  }

  complete(): void {
    this.#chain = this.#chain.then(() => this.#sink().complete());
  }

  failAll(error: SubscriptionEndedError): void {
    this.#fanOut.fail(error);
  }
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
