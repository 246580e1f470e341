import type { FormattedExecutionResult } from 'graphql';
import { compareEventIds, eventIdOf, ResumingConsumer, type EventConsumer, type ReplayFetcher } from './resume.ts';

/**
 * The events a hydration taking over from another delivers while the old one finishes its own (see
 * `SubscriptionService.reload`): held, oldest dropped past `capacity` (counted by `onDrop`), for the clients
 * that move in at the old one's event boundary. The old one will have delivered every event it had received when
 * the takeover began (`after`), so once the first event held here is known, the gap between the two is replayed
 * at once (`gap`), while the subgraph still holds it: the old hydration may take seconds to finish when it is
 * behind, and a subgraph keeps a short history.
 */
export class HeldEvents implements EventConsumer {
  readonly held: FormattedExecutionResult[] = [];
  /** The replay of the events between `after` and the first one held; null until that one came (or no `after`). */
  gap: { after: string; events: Promise<FormattedExecutionResult[]> } | null = null;
  /** True once an event was dropped: the held events no longer follow on from the gap. */
  overflowed = false;
  readonly #capacity: number;
  readonly #onDrop: () => void;
  readonly #after: string | null;
  readonly #replay: ReplayFetcher;

  constructor(options: { capacity: number; onDrop: () => void; after: string | null; replay: ReplayFetcher }) {
    this.#capacity = options.capacity;
    this.#onDrop = options.onDrop;
    this.#after = options.after;
    this.#replay = options.replay;
  }

  push(result: FormattedExecutionResult): void {
    if (this.held.length === 0 && !this.overflowed && this.#after !== null) this.#replayGap(result);
    this.held.push(result);
    if (this.held.length <= this.#capacity) return;
    this.held.shift();
    this.overflowed = true;
    this.#onDrop();
  }

  // An ending reaches the moved clients from the new hydration itself, once they are its consumers.
  complete(): void {}
  fail(): void {}

  #replayGap(first: FormattedExecutionResult): void {
    const after = this.#after!;
    const firstId = eventIdOf(first);
    if (firstId === null) return;
    const events = compareEventIds(firstId, after) > 0 ? this.#replay({ after, before: firstId }) : Promise.resolve([]);
    // Read when the clients move in: until then a refusal must not go unhandled.
    events.catch(() => undefined);
    this.gap = { after, events };
  }
}

/**
 * What a client moving to a new hydration at the old one's boundary is given events through. It had every event
 * up to `after` (the last the old hydration delivered); the new one holds its own since it started (`held`), then
 * delivers live ones. Only the gap between is replayed: already on its way when it starts at `after` (see
 * `HeldEvents`), else up to the first event the new hydration holds, or delivers when it holds none yet. Never
 * the whole range up to the newest event, which a subgraph keeping a short history may no longer hold. Each
 * event reaches the client once and in order (see `ResumingConsumer`). `replay` gives a range's events, hydrated.
 */
export function takeOver(options: {
  target: EventConsumer;
  after: string;
  held: HeldEvents;
  replay: ReplayFetcher;
  capacity: number;
  onDrop: () => void;
}): EventConsumer {
  const { held } = options;
  const gap = held.gap && !held.overflowed && held.gap.after === options.after ? held.gap.events : null;
  let first = true;
  const consumer = new ResumingConsumer({
    target: options.target,
    after: options.after,
    // The replay up to the newest event a resuming client starts with is covered here by the gap and the held
    // and live events. Without the gap, the consumer replays it once it knows the first held or live event.
    replay: (range) => {
      if (first && range.before === null) {
        first = false;
        return gap ?? Promise.resolve([]);
      }
      return options.replay(range);
    },
    liveSeenEvents: gap !== null,
    capacity: options.capacity,
    onDrop: options.onDrop,
  });
  for (const result of held.held) consumer.push(result);
  return consumer;
}
