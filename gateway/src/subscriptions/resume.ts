import type { FormattedExecutionResult } from 'graphql';

/**
 * An event id as subgraphs send them in `extensions.eventId` (a Redis stream id, `<milliseconds>-<sequence>`):
 * a client that reconnects sends the last one it received as `extensions.lastEventId`.
 */
const eventIdPattern = /^\d{1,15}-\d{1,15}$/;

/** The `lastEventId` a subscribe request carries in its extensions; null for none, 'invalid' when malformed. */
export function lastEventIdOf(extensions: unknown): string | null | 'invalid' {
  if (typeof extensions !== 'object' || extensions === null) return null;
  const id = (extensions as Record<string, unknown>)['lastEventId'];
  if (id === undefined || id === null) return null;
  return typeof id === 'string' && eventIdPattern.test(id) ? id : 'invalid';
}

/** The event id an upstream event or a hydrated result carries; null when it has none (not resumable). */
export function eventIdOf(result: { extensions?: Record<string, unknown> | undefined }): string | null {
  const id = result.extensions?.['eventId'];
  return typeof id === 'string' && eventIdPattern.test(id) ? id : null;
}

/** Orders two event ids (numerically: milliseconds, then sequence). */
export function compareEventIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

/** Where a client's events go: its stream, or a `ResumingConsumer` in front of it while it catches up. */
export interface EventConsumer {
  push(result: FormattedExecutionResult): void;
  complete(): void;
  fail(error: unknown): void;
}

/** Fetches and hydrates the events kept in (after, before), ids exclusive; `before` null: up to the newest. */
export type ReplayFetcher = (range: { after: string; before: string | null }) => Promise<FormattedExecutionResult[]>;

/**
 * A client that resubscribed with `lastEventId`: it gets the events it missed, then live ones, none twice and
 * none lost. It joins the shared live hydration at once, holding live events back, and replays what the
 * subgraph kept after `lastEventId`. Held live events already replayed are dropped. The live upstream may have
 * been subscribed at the subgraph only after that replay was read (a new upstream), so until it has proven
 * itself by delivering an event, the first live event is preceded by a second replay covering the time between.
 * Once live, an event at or before the last one delivered is still dropped (see `push`).
 */
export class ResumingConsumer implements EventConsumer {
  readonly #target: EventConsumer;
  readonly #replay: ReplayFetcher;
  readonly #capacity: number;
  readonly #onDrop: () => void;
  #held: FormattedExecutionResult[] = [];
  #last: string;
  #provenLive: boolean;
  #replayed = false;
  #draining = false;
  #live = false;
  #completed = false;
  #failed = false;

  /**
   * @param liveSeenEvents whether the live upstream had already delivered an event when this client joined
   * @param capacity live events held while catching up before the oldest is dropped (counted by `onDrop`)
   */
  constructor(options: {
    target: EventConsumer;
    after: string;
    replay: ReplayFetcher;
    liveSeenEvents: boolean;
    capacity: number;
    onDrop: () => void;
  }) {
    this.#target = options.target;
    this.#replay = options.replay;
    this.#last = options.after;
    this.#provenLive = options.liveSeenEvents;
    this.#capacity = options.capacity;
    this.#onDrop = options.onDrop;
    void this.#catchUp(options.replay({ after: options.after, before: null }), () => (this.#replayed = true));
  }

  /** True once caught up: events then go straight to the client. */
  get live(): boolean {
    return this.#live;
  }

  push(result: FormattedExecutionResult): void {
    if (this.#failed) return;
    // Live, ids are still checked: the replay may have read an event whose live hydration finishes only after
    // this client went live (a slow subgraph), and that event must not reach the client twice.
    if (this.#live) return this.#deliver([result]);
    this.#held.push(result);
    if (this.#held.length > this.#capacity) {
      this.#held.shift();
      this.#onDrop();
    }
    void this.#drain();
  }

  complete(): void {
    if (this.#live) return this.#target.complete();
    this.#completed = true;
    void this.#drain();
  }

  fail(error: unknown): void {
    this.#failed = true;
    this.#held = [];
    this.#target.fail(error);
  }

  async #catchUp(replay: Promise<FormattedExecutionResult[]>, then: () => void): Promise<void> {
    this.#draining = true;
    try {
      this.#deliver(await replay);
      then();
    } catch (error) {
      this.fail(error);
      return;
    } finally {
      this.#draining = false;
    }
    await this.#drain();
  }

  #deliver(results: FormattedExecutionResult[]): void {
    for (const result of results) {
      if (this.#failed) return;
      const id = eventIdOf(result);
      if (id !== null) {
        if (compareEventIds(id, this.#last) <= 0) continue;
        this.#last = id;
      }
      this.#target.push(result);
    }
  }

  /** Sends the held live events (after a gap replay when the upstream is unproven), then goes live. */
  async #drain(): Promise<void> {
    if (this.#draining || !this.#replayed || this.#live || this.#failed) return;
    const first = this.#held[0];
    const firstId = first ? eventIdOf(first) : null;
    if (firstId !== null && !this.#provenLive) {
      this.#provenLive = true;
      if (compareEventIds(firstId, this.#last) > 0) {
        return this.#catchUp(this.#replay({ after: this.#last, before: firstId }), () => undefined);
      }
    }
    const held = this.#held;
    this.#held = [];
    this.#deliver(held);
    if (this.#failed) return;
    this.#live = this.#provenLive;
    if (this.#completed) {
      this.#live = true;
      this.#target.complete();
    }
  }
}

/**
 * Replays shared between clients that resume from the same event at about the same time (a stopped replica's
 * clients all arrive at once). A replay up to a given event (`before` set) reads a fixed range, so any client
 * may share it while it runs. A replay up to the newest event is shared only by clients that joined before it
 * was sent: each of them was already receiving live events then, so whatever the replay's read missed reaches
 * them live. A client joining later would miss an event published between that read and its joining; it gets
 * a replay of its own. So a replay to the newest event waits for more clients while they keep coming: it is
 * sent once none came for `gatherMs`, or `maxGatherMs` after the first (a thousand clients reconnecting over a
 * few hundred milliseconds share a few replays per key, not one every `gatherMs`).
 */
export class SharedReplays<Result> {
  readonly #fetch: (range: { after: string; before: string | null }) => Promise<Result[]>;
  readonly #gatherMs: number;
  readonly #maxGatherMs: number;
  /** Replays to the newest event not yet sent, by the event they start after. */
  readonly #gathering = new Map<string, Gathering<Result>>();
  /** Replays of a fixed range, until they settle. */
  readonly #running = new Map<string, Promise<Result[]>>();

  /**
   * @param gatherMs how long a replay to the newest event waits for one more client before it is sent: a little
   * latency for far fewer replays when many clients come back together
   * @param maxGatherMs the longest a replay to the newest event waits for more clients, from the first
   */
  constructor(
    fetch: (range: { after: string; before: string | null }) => Promise<Result[]>,
    gatherMs = 25,
    maxGatherMs = 250,
  ) {
    this.#fetch = fetch;
    this.#gatherMs = gatherMs;
    this.#maxGatherMs = Math.max(maxGatherMs, gatherMs);
  }

  get(range: { after: string; before: string | null }): Promise<Result[]> {
    if (range.before === null) return this.#gather(range.after);
    const key = `${range.after}\n${range.before}`;
    let running = this.#running.get(key);
    if (!running) {
      running = this.#fetch(range).finally(() => this.#running.delete(key));
      this.#running.set(key, running);
    }
    return running;
  }

  #gather(after: string): Promise<Result[]> {
    const now = Date.now();
    const gathering = this.#gathering.get(after);
    if (gathering) {
      // One more client: the replay waits `gatherMs` from now, but never past the cap.
      clearTimeout(gathering.timer);
      gathering.timer = setTimeout(gathering.send, Math.min(this.#gatherMs, gathering.sendBy - now));
      return gathering.replay;
    }
    let send: () => void = () => undefined;
    const replay = new Promise<void>((resolve) => (send = resolve)).then(() => this.#fetch({ after, before: null }));
    const entry: Gathering<Result> = {
      replay,
      sendBy: now + this.#maxGatherMs,
      send: () => {
        // Deleted as it is sent: a client asking from now on gets a replay of its own.
        if (this.#gathering.get(after) === entry) this.#gathering.delete(after);
        send();
      },
      timer: undefined,
    };
    entry.timer = setTimeout(entry.send, this.#gatherMs);
    this.#gathering.set(after, entry);
    return replay;
  }
}

/** A replay to the newest event waiting for more clients (see `SharedReplays`). */
interface Gathering<Result> {
  replay: Promise<Result[]>;
  /** When it is sent at the latest (epoch ms). */
  sendBy: number;
  send: () => void;
  timer: NodeJS.Timeout | undefined;
}
