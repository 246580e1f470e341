import type { FormattedExecutionResult } from 'graphql';
import { eventIdOf, ResumingConsumer, type EventConsumer, type ReplayFetcher } from './resume.ts';

/**
 * The events a hydration taking over from another delivers while the old one finishes its own (see
 * `SubscriptionService.reload`): held, oldest dropped past `capacity` (counted by `onDrop`), for the clients
 * that move in when the old one stops.
 */
export class HeldEvents implements EventConsumer {
  readonly held: FormattedExecutionResult[] = [];
  readonly #capacity: number;
  readonly #onDrop: () => void;

  constructor(capacity: number, onDrop: () => void) {
    this.#capacity = capacity;
    this.#onDrop = onDrop;
  }

  /** The id of the oldest event held; null while none (or it has none). */
  get firstId(): string | null {
    const first = this.held[0];
    return first ? eventIdOf(first) : null;
  }

  push(result: FormattedExecutionResult): void {
    this.held.push(result);
    if (this.held.length <= this.#capacity) return;
    this.held.shift();
    this.#onDrop();
  }

  // An ending reaches the moved clients from the new hydration itself, once they are its consumers.
  complete(): void {}
  fail(): void {}
}

/**
 * What a client moving to a new hydration is given events through. It had every event up to `after` from the
 * old hydration; the new one holds its own since it started (`held`), then delivers live ones. `contiguous`:
 * the old one stopped just before the first held event (see `SharedHydration.stopBefore`), so nothing lies
 * between and nothing is replayed. Otherwise (the old one stopped at a boundary of its own) the gap up to the
 * first held event, or the first delivered when none is held yet, is replayed: never the whole range up to the
 * newest event. Each event reaches the client once and in order (see `ResumingConsumer`). `replay` gives a
 * range's events, hydrated.
 */
export function takeOver(options: {
  target: EventConsumer;
  after: string;
  held: readonly FormattedExecutionResult[];
  contiguous: boolean;
  replay: ReplayFetcher;
  capacity: number;
  onDrop: () => void;
}): EventConsumer {
  let first = true;
  const consumer = new ResumingConsumer({
    target: options.target,
    after: options.after,
    // The replay up to the newest event a resuming client starts with is covered here by the held and live
    // events; the consumer replays the gap before the first of them unless it is told there is none.
    replay: (range) => {
      if (first && range.before === null) {
        first = false;
        return Promise.resolve([]);
      }
      return options.replay(range);
    },
    liveSeenEvents: options.contiguous,
    capacity: options.capacity,
    onDrop: options.onDrop,
  });
  for (const result of options.held) consumer.push(result);
  return consumer;
}
