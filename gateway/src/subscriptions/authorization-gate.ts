import type { FormattedExecutionResult } from 'graphql';
import type { EventConsumer } from './resume.ts';

export interface AuthorizationGateOptions {
  /** Where events go once the viewer is authorized: the client's stream. */
  target: EventConsumer;
  /** Events held while the answer is on its way, before the oldest is dropped (counted by `onDrop`). */
  capacity: number;
  onDrop: () => void;
}

/**
 * One viewer's events held until the owning subgraph has said whether that viewer may subscribe. A viewer of
 * a shared upstream joins it at once, so that nothing published after they subscribed is lost while the
 * subgraph answers; the upstream runs under the gateway's credential and applies nobody's rule, so nothing
 * reaches the viewer before `open()`. On `refuse()` what was held is dropped and the refusal is all the viewer
 * gets. An ending of the upstream meanwhile (complete, or an error) waits for the answer too: a viewer who
 * may not subscribe learns that, not how the upstream ended.
 */
export class AuthorizationGate implements EventConsumer {
  readonly #options: AuthorizationGateOptions;
  #state: 'waiting' | 'open' | 'refused' = 'waiting';
  #held: FormattedExecutionResult[] = [];
  #ending: { failed: false } | { failed: true; error: unknown } | null = null;

  constructor(options: AuthorizationGateOptions) {
    this.#options = options;
  }

  push(result: FormattedExecutionResult): void {
    if (this.#state === 'open') return this.#options.target.push(result);
    if (this.#state === 'refused' || this.#ending) return;
    this.#held.push(result);
    if (this.#held.length > this.#options.capacity) {
      this.#held.shift();
      this.#options.onDrop();
    }
  }

  complete(): void {
    if (this.#state === 'open') return this.#options.target.complete();
    if (this.#state === 'waiting') this.#ending ??= { failed: false };
  }

  fail(error: unknown): void {
    if (this.#state === 'open') return this.#options.target.fail(error);
    if (this.#state === 'waiting') this.#ending ??= { failed: true, error };
  }

  /** The viewer may subscribe: what was held goes out, then everything as it comes. */
  open(): void {
    if (this.#state !== 'waiting') return;
    this.#state = 'open';
    const held = this.#held;
    this.#held = [];
    for (const result of held) this.#options.target.push(result);
    const ending = this.#ending;
    if (!ending) return;
    if (ending.failed) this.#options.target.fail(ending.error);
    else this.#options.target.complete();
  }

  /** The viewer may not subscribe: `end` gives the target the refusal; nothing held reaches it. */
  refuse(end: (target: EventConsumer) => void): void {
    if (this.#state !== 'waiting') return;
    this.#state = 'refused';
    this.#held = [];
    end(this.#options.target);
  }
}
