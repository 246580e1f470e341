import type { ExecutionResult, FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { mapConcurrently } from '@curbside/async';
import { SubscriptionEndedError, type SubscriptionLimits } from './contract.ts';
import { RecentResults } from './recent-results.ts';
import { compareEventIds, eventIdOf, ResumingConsumer, SharedReplays, type EventConsumer } from './resume.ts';
import type { UpstreamListener } from './upstreams.ts';

/** Replayed events of one replay hydrated at once, at most (their fetches share the gateway's pool per subgraph). */
const replayHydrationConcurrency = 8;

/**
 * Clients of one upstream share one hydration (for an operation selecting no `@viewerDependent` field, every
 * viewer of the same operation and variables): each event is completed with the other subgraphs' fields once,
 * in order, and the result goes to all of them.
 */
export class SharedHydration implements UpstreamListener {
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
  /** Called once when the upstream ended (completed or failed): no client may join this hydration any more. */
  readonly onEnded: () => void;

  constructor(options: {
    hydrate: (event: ExecutionResult) => Promise<FormattedExecutionResult>;
    fetchReplay: (range: { after: string; before: string | null }) => Promise<ExecutionResult[]>;
    limits: SubscriptionLimits;
    onHydrationDropped: () => void;
    onEnded?: () => void;
  }) {
    this.hydrate = options.hydrate;
    this.fetchReplay = options.fetchReplay;
    this.limits = options.limits;
    this.onHydrationDropped = options.onHydrationDropped;
    this.onEnded = options.onEnded ?? (() => undefined);
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
    // Hydrated a few at a time rather than one after another: a client catching up waits for its whole replay,
    // and each event's entity fetches are round trips to other subgraphs. Order is kept by position.
    const results = await mapConcurrently(events, replayHydrationConcurrency, (event) => this.#hydrateReplayed(event));
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
    this.onEnded();
    // After the events already received, so none is lost to the ending.
    this.#chain = this.#chain.then(() => this.failAll(new SubscriptionEndedError(errors)));
  }

  complete(): void {
    this.onEnded();
    this.#chain = this.#chain.then(() => this.#sink().complete());
  }

  failAll(error: SubscriptionEndedError): void {
    this.#fanOut.fail(error);
  }
}
