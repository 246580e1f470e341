import type { ExecutionResult, FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { mapConcurrently } from '@curbside/async';
import { SubscriptionEndedError, type SubscriptionLimits } from './contract.ts';
import { RecentResults } from './recent-results.ts';
import { compareEventIds, eventIdOf, ResumingConsumer, SharedReplays, type EventConsumer } from './resume.ts';
import type { UpstreamListener } from './upstreams.ts';

/** How long a delivered event is kept for resuming clients at most (see `SharedHydration.replay`): one minute. */
const recentEventsMaxAgeMs = 60_000;

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
  /** Hand-overs waiting for the event they stop before (see `stopBefore`). */
  #cutovers: { before: () => string | null; step: () => void }[] = [];
  #catchUp: ResumingConsumer | null = null;
  readonly #fanOut: EventConsumer = {
    push: (result) => {
      const id = eventIdOf(result);
      if (id !== null) {
        // One hydration follows one key, whose ids only grow: an older one is a repeat (from a catch-up that a
        // second reconnection replaced), never news.
        if (this.#lastEventId !== null && compareEventIds(id, this.#lastEventId) <= 0) return;
        if (this.#cutovers.length > 0) this.#cutOver(id);
        this.#lastEventId = id;
      }
      this.#remember(id, result);
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
  /**
   * The last events delivered, oldest first, with no event between them missing (emptied on any gap: a dropped
   * hydration, a reconnection, an event without an id), and when each was delivered.
   */
  #recent: { id: string; result: FormattedExecutionResult; atMs: number }[] = [];
  readonly #recentEvents: number;

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
    /**
     * How many of the last events delivered to keep for clients that resume from one of them (see `replay`);
     * 0: none. Only for hydrations whose events are the same for every viewer (each viewer authorized apart).
     */
    recentEvents?: number;
  }) {
    this.#recentEvents = options.recentEvents ?? 0;
    this.hydrate = options.hydrate;
    this.fetchReplay = options.fetchReplay;
    this.limits = options.limits;
    this.onHydrationDropped = options.onHydrationDropped;
    this.onEnded = options.onEnded ?? (() => undefined);
  }

  next(event: ExecutionResult): void {
    this.seenEvents = true;
    if (this.#pending >= this.limits.maxPendingHydrations) {
      // Where this event would have been delivered, the kept events stop being without a gap.
      this.#chain = this.#chain.then(() => void (this.#recent = []));
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
      this.#recent = []; // what the socket missed comes back by a replay, after the events queued before it
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

  /** The id of the last event delivered to the consumers; null before the first (or when events carry none). */
  get lastEventId(): string | null {
    return this.#lastEventId;
  }

  /**
   * Runs `step` at the next event boundary: once every event received so far has been delivered (or dropped),
   * before any event received from now on. A supergraph reload hands a hydration's consumers over to another
   * there, so each of them has every event up to `lastEventId` from this one and nothing after it. `step` must
   * not throw: the events after it wait on it.
   */
  afterPending(step: () => void): void {
    this.#chain = this.#chain.then(step);
  }

  /**
   * Runs `step` just before this hydration delivers its first event at or after the id `before()` gives (null
   * while not known), before that event reaches any consumer: the clients `step` moves away have had every event
   * before it from here, and get the rest from the hydration taking over, whose first event that is. A subgraph
   * sends one key's events in order on every subscription, so this one had received every event before it.
   * `step` must not throw. Returns a way to cancel.
   */
  stopBefore(before: () => string | null, step: () => void): () => void {
    const cutover = { before, step };
    this.#cutovers.push(cutover);
    return () => {
      this.#cutovers = this.#cutovers.filter((waiting) => waiting !== cutover);
    };
  }

  #cutOver(id: string): void {
    for (const cutover of [...this.#cutovers]) {
      const before = cutover.before();
      if (before === null || compareEventIds(id, before) < 0) continue;
      this.#cutovers = this.#cutovers.filter((waiting) => waiting !== cutover);
      cutover.step();
    }
  }

  /** Where hydrated events go: to every consumer, or through the catch-up after a reconnection. */
  #sink(): EventConsumer {
    return this.#catchUp && !this.#catchUp.live ? this.#catchUp : this.#fanOut;
  }

  /**
   * The kept events in `range`, hydrated like live ones; rejects with the errors that end the client's stream.
   * A client resuming from one of the last events this hydration delivered gets the ones after it from memory,
   * at once: a thousand clients back from a network blip then cost the subgraph no replay at all. (Every event
   * after those is still to come live to a client joining now.)
   */
  replay(range: { after: string; before: string | null }): Promise<FormattedExecutionResult[]> {
    if (range.before === null) {
      const oldest = Date.now() - recentEventsMaxAgeMs;
      const index = this.#recent.findIndex((entry) => entry.id === range.after);
      if (index >= 0 && this.#recent[index]!.atMs >= oldest) {
        return Promise.resolve(this.#recent.slice(index + 1).map((entry) => entry.result));
      }
    }
    return this.#replays.get(range);
  }

  #remember(id: string | null, result: FormattedExecutionResult): void {
    if (this.#recentEvents === 0) return;
    if (id === null) {
      this.#recent = [];
      return;
    }
    this.#recent.push({ id, result, atMs: Date.now() });
    if (this.#recent.length > this.#recentEvents) this.#recent.shift();
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
