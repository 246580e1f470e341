// Why this file is long (about 700 lines): `SubscriptionService` is the one path a federated subscription takes
// from admission to the client's stream (plan, authorize, join or open the upstream, hydrate, resume from an
// event id, end on token expiry or a blocked account, carry over a supergraph reload). Planning, completing an
// event, upstreams, the authorization gate, the hand-over and the client stream are already parts of their own
// in this folder; what remains here is their sequencing.
import type { ServiceMap } from '@apollo/gateway';
import type { ExecutionResult, FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { accountBlockedError, watchAccountBlocks, type AccountBlocklist, type AccountWatch } from '@curbside/auth';
import { codedExtensions } from '@curbside/errors';
import { DeadlineSet, type Expiring } from '@curbside/async';
import type { Logger } from '@curbside/service';
import { ClientStream } from './client-stream.ts';
import { completeEvent } from './complete-event.ts';
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
import { HeldEvents, takeOver } from './handover.ts';
import { Replanner } from './replan.ts';
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

/**
 * How long a hydration a reload retired goes on serving its clients while waiting to come to the first event of
 * the one taking over (see `SubscriptionService.#handOver`), before they move at its next boundary instead.
 */
const handoverWaitMs = 5_000; // 5 seconds

/** How a subscription whose operation the new schema rejects ends on a supergraph reload. */
const schemaReloadEnded = () =>
  subscriptionEnded(
    'SUBSCRIPTION_SCHEMA_RELOAD',
    "The schema changed and no longer accepts this subscription's operation; update it and subscribe again.",
  );

/** A hydration, the upstream it listens to, the plan it completes events with, and the clients it serves. */
interface HydrationEntry {
  /** Its key among the hydrations (operation, variables, who it runs for, owning subgraph). */
  key: string;
  hydration: SharedHydration;
  upstream: UpstreamRequest;
  /** Replaced in place on a reload that leaves the upstream as it was (see `SubscriptionService.reload`). */
  plan: SubscriptionPlan;
  planner: SubscriptionPlanner;
  clients: Set<ClientSubscription>;
  /** Handed over to another at its next event boundary (a reload changed its upstream): nobody new joins it. */
  retired: boolean;
  /** Its upstream ended: its clients are ending too. */
  ended: boolean;
}

/** One client's subscription: its stream, what its hydration pushes its events to, and which hydration that is. */
interface ClientSubscription {
  request: SubscriptionRequest;
  /** `request.query` with the operation name: the plan's cache key. */
  operationKey: string;
  stream: ClientStream<FormattedExecutionResult>;
  /** In `entry.hydration.consumers`: the stream, or what stands in front of it (authorization, catch-up). */
  consumer: EventConsumer;
  entry: HydrationEntry;
}

/** How many active subscriptions a supergraph reload carried over to the new schema, and how many it ended. */
export interface SubscriptionReload {
  continued: number;
  ended: number;
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
 * subgraphs' fields by running the rest of the plan with the gateway's own executor (`completeEvent`).
 *
 * An operation that selects no `@viewerDependent` field gives every viewer the same events: all its viewers,
 * signed in or not, share one upstream (under the gateway's credential) and one hydration per operation and
 * variables. Each viewer is first authorized on their own by the owning subgraph's rule (`AuthorizationGate`);
 * what stays per viewer (token expiry, a blocked account, the queue of a slow client) lives in their stream.
 * An operation selecting a `@viewerDependent` field has an upstream per viewer, on the same few sockets.
 */
export class SubscriptionService {
  #planner: SubscriptionPlanner;
  /** Plans again on `#planner` the subscriptions a reload carries over (null until the first reload). */
  #replanner: Replanner | null = null;
  readonly #hub: UpstreamHub;
  /** Every client subscription open, whichever hydration serves it. */
  readonly #clients = new Set<ClientSubscription>();
  readonly #hydrations = new Map<string, HydrationEntry>();
  readonly #options: SubscriptionServiceOptions;
  readonly #limits: SubscriptionLimits;
  #subscriptions = 0;
  #droppedEvents = 0;
  #droppedHydrations = 0;
  #resumes = 0;
  #refusedResumes = 0;
  #reloadContinued = 0;
  #reloadEnded = 0;
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
   * Switches to another supergraph (already checked to be valid by the caller). Every active subscription is
   * planned again on it: one whose operation the new API schema rejects ends with SUBSCRIPTION_SCHEMA_RELOAD;
   * every other goes on with nothing missed and nothing repeated. Where its upstream subscription stays the same
   * (the usual case: the change is elsewhere, or only in the other subgraphs' fields), its hydration completes
   * the events still to come with the new plan, on the same upstream, the stream untouched. Where the upstream
   * changes (the owning subgraph's part of the operation, or who it runs for), its clients move, at the old
   * hydration's next event boundary, to the hydration of the new upstream, resuming from the last event the old
   * one delivered (a replay of what came between, as for a client that resumes; see `#handOver`).
   * Throws, changing nothing, when the supergraph cannot be planned on.
   */
  reload(supergraphSdl: string): SubscriptionReload {
    const planner = new SubscriptionPlanner(supergraphSdl);
    this.#planner = planner;
    this.#replanner = new Replanner(planner);
    const outcome: SubscriptionReload = { continued: 0, ended: 0 };
    // A hydration without clients yet was started by an earlier reload for clients still to move in: planned on
    // the schema before this one, it takes nobody else, and those clients go where this schema puts them.
    for (const entry of this.#hydrations.values()) {
      if (entry.clients.size > 0) continue;
      entry.retired = true;
      this.#hydrations.delete(entry.key);
    }
    const entries = new Set<HydrationEntry>();
    for (const client of this.#clients) if (!client.entry.ended) entries.add(client.entry);
    for (const entry of entries) {
      const clients = [...entry.clients];
      const [first] = clients;
      if (!first) continue;
      // Every client of a hydration has the same operation and variables: one answer for them all.
      const replanned = this.#replanner.replan({ ...first.request, operationKey: first.operationKey });
      if ('rejected' in replanned) {
        this.#options.logger.info(
          { requestId: first.request.requestId, reason: replanned.rejected, subscriptions: clients.length },
          'subscription ended by a supergraph reload: the new schema rejects its operation',
        );
        for (const client of clients) {
          this.#detach(client);
          client.stream.fail(schemaReloadEnded());
        }
        outcome.ended += clients.length;
        continue;
      }
      outcome.continued += clients.length;
      const { plan } = replanned;
      const unchanged =
        !entry.retired &&
        this.#hydrations.get(entry.key) === entry &&
        clients.every((client) => {
          const target = this.#targetOrNull(client.request, client.operationKey, plan);
          return target?.key === entry.key && upstreamKeyOf(target.upstream) === upstreamKeyOf(entry.upstream);
        });
      if (unchanged) {
        // Events whose hydration starts from now on are completed with the new plan; the upstream is the same.
        entry.plan = plan;
        entry.planner = planner;
      } else {
        this.#handOver(entry, plan, planner);
      }
    }
    this.#reloadContinued += outcome.continued;
    this.#reloadEnded += outcome.ended;
    return outcome;
  }

  /**
   * Moves `entry`'s clients to the hydrations the new plan gives them, started now on their new upstreams, their
   * events held meanwhile. The old hydration goes on serving its clients until it comes to the first event the
   * new one holds, and stops just before it (`stopBefore`): each client then has every event before it from the
   * old one and the rest from the new one, with no replay (both upstreams follow the same key, in order). When
   * the old one does not come to it within `handoverWaitMs` (its events are another set, or it is far behind),
   * the clients move at its next event boundary instead, and the events between the last it delivered and the
   * new one's first are replayed (see `takeOver`). A hydration that delivered no event with an id gives nothing
   * to resume from: its clients get the new one's events from its start.
   */
  #handOver(entry: HydrationEntry, plan: SubscriptionPlan, planner: SubscriptionPlanner): void {
    entry.retired = true;
    // Nobody new joins it: a client subscribing meanwhile starts on the new schema.
    if (this.#hydrations.get(entry.key) === entry) this.#hydrations.delete(entry.key);
    const moves = new Map<HydrationEntry, ClientSubscription[]>();
    for (const client of entry.clients) {
      let target: HydrationEntry;
      try {
        target = this.#entryFor(client.request, client.operationKey, plan, planner);
      } catch (error) {
        this.#options.logger.error({ err: error }, 'a subscription could not be planned after a supergraph reload');
        this.#detach(client);
        client.stream.fail(subscriptionEnded('INTERNAL_SERVER_ERROR', 'Internal server error.'));
        continue;
      }
      const clients = moves.get(target) ?? [];
      clients.push(client);
      moves.set(target, clients);
    }
    for (const [target, clients] of moves) {
      const held = new HeldEvents(this.#limits.maxPendingHydrations, () => this.#droppedEvents++);
      target.hydration.consumers.add(held);
      let moved = false;
      const move = (contiguous: boolean) => {
        if (moved) return;
        moved = true;
        cancelStop();
        clearTimeout(fallback);
        target.hydration.consumers.delete(held);
        try {
          this.#moveClients(entry, clients, target, held.held, contiguous);
        } catch (error) {
          this.#options.logger.error({ err: error }, 'subscriptions could not be moved after a supergraph reload');
          for (const client of clients) {
            this.#detach(client);
            client.stream.fail(subscriptionEnded('INTERNAL_SERVER_ERROR', 'Internal server error.'));
          }
        }
        // Started for clients that all left meanwhile, and joined by nobody else.
        if (target.clients.size === 0) this.#release(target);
      };
      const cancelStop = entry.hydration.stopBefore(
        () => held.firstId,
        () => move(true),
      );
      const fallback = setTimeout(() => entry.hydration.afterPending(() => move(false)), handoverWaitMs);
      fallback.unref();
    }
  }

  /**
   * Moves `from`'s `clients` (those still there) into `target`, after the events it holds for them (`held`);
   * `contiguous`: `from` stopped just before the first of them.
   */
  #moveClients(
    from: HydrationEntry,
    clients: ClientSubscription[],
    target: HydrationEntry,
    held: readonly FormattedExecutionResult[],
    contiguous: boolean,
  ): void {
    const after = from.hydration.lastEventId;
    for (const client of clients) {
      if (client.entry !== from || !from.clients.has(client)) continue; // gone meanwhile, or moved by a later reload
      this.#detach(client);
      const onDrop = () => this.#droppedEvents++;
      const capacity = this.#limits.queueCapacity;
      let consumer: EventConsumer;
      if (target.retired || target.ended) {
        // A later reload moved the new hydration on before this boundary came (or its upstream ended): the client
        // resumes where the current plan puts it, from the newest events kept.
        const replanned = this.#replanner!.replan({ ...client.request, operationKey: client.operationKey });
        if ('rejected' in replanned) {
          client.stream.fail(schemaReloadEnded());
          continue;
        }
        const current = this.#entryFor(client.request, client.operationKey, replanned.plan, this.#replanner!.planner);
        consumer = after
          ? new ResumingConsumer({
              target: client.consumer,
              after,
              replay: (range) => current.hydration.replay(range),
              liveSeenEvents: current.hydration.seenEvents,
              capacity,
              onDrop,
            })
          : client.consumer;
        this.#attach(client, current, consumer);
        continue;
      }
      if (after) {
        const replay = (range: { after: string; before: string | null }) => target.hydration.replay(range);
        consumer = takeOver({ target: client.consumer, after, held, contiguous, replay, capacity, onDrop });
      } else {
        consumer = client.consumer;
        for (const result of held) consumer.push(result);
      }
      this.#attach(client, target, consumer);
    }
  }

  /** Ends every active subscription with `error` and stops looking up accounts (the gateway is stopping). */
  endAll(error: SubscriptionEndedError): void {
    this.#accounts?.stop();
    for (const client of [...this.#clients]) client.stream.fail(error);
  }

  stats(): SubscriptionStats {
    const hub = this.#hub.stats();
    let sharedHydrations = 0;
    let sharedViewers = 0;
    for (const { clients, upstream } of this.#hydrations.values()) {
      if (upstream.credential.kind !== 'shared') continue;
      sharedHydrations++;
      sharedViewers += clients.size;
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
      reloadContinued: this.#reloadContinued,
      reloadEnded: this.#reloadEnded,
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
    for (const { clients, upstream } of this.#hydrations.values()) {
      if (upstream.credential.kind !== 'shared') continue;
      const key = upstreamKeyOf(upstream);
      const counted = viewersPerUpstream.get(key) ?? { subgraph: upstream.subgraph, viewers: 0 };
      counted.viewers += clients.size;
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
    const entry = this.#entryFor(request, operationKey, plan, planner);
    const shared = entry.hydration;
    let unwatchAccount: () => void = () => undefined;
    const stream: ClientStream<FormattedExecutionResult> = new ClientStream({
      capacity: this.#limits.queueCapacity,
      onDrop: () => this.#droppedEvents++,
      expiry: request.viewer ? { atMs: request.viewer.expiresAt * 1000, deadlines: this.#expiries } : null,
      expiryError: tokenExpired,
      onRelease: () => {
        this.#subscriptions--;
        this.#clients.delete(client);
        request.onRelease?.();
        unwatchAccount();
        this.#detach(client);
      },
    });
    // The shared upstream applies nobody's rule: this viewer's events wait for the subgraph's answer about them.
    const gate =
      entry.upstream.credential.kind === 'shared'
        ? new AuthorizationGate({
            target: stream,
            capacity: this.#limits.queueCapacity,
            onDrop: () => this.#droppedEvents++,
          })
        : null;
    const target = gate ?? stream;
    let consumer: EventConsumer = target;
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
    const client: ClientSubscription = { request, operationKey, stream, consumer, entry };
    this.#subscriptions++;
    this.#clients.add(client);
    this.#attach(client, entry, consumer);
    if (gate) this.#authorize(gate, entry.upstream, request);
    return stream;
  }

  /** `client` is served by `entry` from now on, its events pushed to `consumer`. */
  #attach(client: ClientSubscription, entry: HydrationEntry, consumer: EventConsumer): void {
    client.entry = entry;
    client.consumer = consumer;
    entry.clients.add(client);
    entry.hydration.consumers.add(consumer);
  }

  /** `client` leaves its hydration; the last client to leave one leaves its upstream. Idempotent. */
  #detach(client: ClientSubscription): void {
    const { entry } = client;
    if (!entry.clients.delete(client)) return;
    entry.hydration.consumers.delete(client.consumer);
    if (entry.clients.size === 0) this.#release(entry);
  }

  /** A hydration with no client left: nobody joins it any more, and it leaves its upstream. */
  #release(entry: HydrationEntry): void {
    if (this.#hydrations.get(entry.key) === entry) this.#hydrations.delete(entry.key);
    entry.hydration.leaveUpstream();
  }

  /** Who `request`'s upstream runs for, its hydration's key, and the upstream subscription, by `plan`. */
  #target(
    request: SubscriptionRequest,
    operationKey: string,
    plan: SubscriptionPlan,
  ): { key: string; upstream: UpstreamRequest } {
    const { primary } = plan;
    const subgraphUrl = this.#options.subgraphUrl(primary.serviceName);
    if (!subgraphUrl) throw new Error(`no URL for subgraph '${primary.serviceName}'`);
    const credential: UpstreamCredential = plan.viewerIndependent
      ? { kind: 'shared' }
      : { kind: 'viewer', authorization: request.authorization };
    const key = [
      operationKey,
      canonicalJson(request.variables),
      credential.kind === 'shared' ? 'shared' : `viewer:${request.authorization ?? ''}`,
      primary.serviceName,
    ].join('\n');
    const variables: Record<string, unknown> = {};
    for (const name of primary.variableUsages ?? []) {
      if (request.variables[name] !== undefined) variables[name] = request.variables[name];
    }
    const upstream: UpstreamRequest = {
      subgraph: primary.serviceName,
      url: subgraphUrl.replace(/^http/, 'ws'),
      credential,
      query: primary.operation,
      operationName: primary.operationName,
      variables,
    };
    return { key, upstream };
  }

  /** `#target`, or null where the new owning subgraph has no URL (the handover then fails those clients). */
  #targetOrNull(request: SubscriptionRequest, operationKey: string, plan: SubscriptionPlan) {
    try {
      return this.#target(request, operationKey, plan);
    } catch {
      return null;
    }
  }

  /** The hydration serving `request` by `plan`: the one open for its key, or a new one on its upstream. */
  #entryFor(
    request: SubscriptionRequest,
    operationKey: string,
    plan: SubscriptionPlan,
    planner: SubscriptionPlanner,
  ): HydrationEntry {
    const { key, upstream } = this.#target(request, operationKey, plan);
    return this.#hydrations.get(key) ?? this.#startHydration(key, plan, planner, request, upstream);
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
    upstream: UpstreamRequest,
  ): HydrationEntry {
    const { logger, formatError } = this.#options;
    const { credential } = upstream;
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
      // Read per event: a reload that keeps the upstream swaps the plan in place (see `reload`).
      const { plan, planner } = entry;
      try {
        const result = await completeEvent({
          plan,
          planner,
          serviceMap,
          variables: request.variables,
          operationName: request.operationName,
          context,
        });
        const errors = result.errors?.map((error) => formatError(ownedBy(error.toJSON(), plan.primary.serviceName)));
        return { data: result.data ?? null, ...(errors?.length ? { errors } : {}), ...idOf(event) };
      } catch (error) {
        logger.error({ err: error, requestId: request.requestId }, 'subscription event failed');
        return { data: null, errors: [formatError({ message: 'Internal server error.' })], ...idOf(event) };
      }
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
        entry.ended = true;
        if (this.#hydrations.get(key) === entry) this.#hydrations.delete(key);
      },
    });
    const entry: HydrationEntry = {
      key,
      hydration,
      upstream,
      plan,
      planner,
      clients: new Set(),
      retired: false,
      ended: false,
    };
    this.#hydrations.set(key, entry);
    hydration.leaveUpstream = this.#hub.join(upstream, hydration);
    return entry;
  }
}
