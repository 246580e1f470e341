/** setTimeout's largest delay (about 24.8 days); a later deadline is looked at again when the timer fires. */
const maxTimerMs = 2 ** 31 - 1;

/** Something that ends at a deadline: `expire()` is called once the clock (`Date.now()`) reaches it. */
export interface Expiring {
  expire(): void;
}

/**
 * The deadlines of many objects on one timer, armed for the earliest: items due at the same millisecond share
 * an entry (access tokens expire on whole seconds). Where each of thousands of signed-in subscriptions had a
 * timer of its own (`atDeadline`: a Timeout, two closures and their context, about 300 bytes each), an item
 * here costs a slot in a set. Unlike `atDeadline`, nothing is allocated per item but that slot, so `delete`
 * must be given the same deadline `add` was. The timer is unref'd: deadlines alone never keep the process alive.
 */
export class DeadlineSet<Item extends Expiring> {
  readonly #due = new Map<number, Set<Item>>();
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Number.POSITIVE_INFINITY;

  /** Expires `item` at `atMs` (epoch milliseconds): at once, synchronously, when that has already passed. */
  add(atMs: number, item: Item): void {
    if (atMs <= Date.now()) {
      item.expire();
      return;
    }
    let items = this.#due.get(atMs);
    if (!items) this.#due.set(atMs, (items = new Set()));
    items.add(item);
    if (atMs < this.#armedFor) this.#arm(atMs);
  }

  /** Forgets `item`'s deadline `atMs`; nothing when it has none there (expired already, or never added). */
  delete(atMs: number, item: Item): void {
    const items = this.#due.get(atMs);
    if (!items?.delete(item)) return;
    // The timer may stay armed for this deadline: it then finds nothing due and arms for the next one.
    if (items.size === 0) this.#due.delete(atMs);
  }

  /** Items waiting for their deadline. */
  get size(): number {
    let size = 0;
    for (const items of this.#due.values()) size += items.size;
    return size;
  }

  #arm(atMs: number): void {
    clearTimeout(this.#timer);
    this.#armedFor = atMs;
    this.#timer = setTimeout(() => this.#fire(), Math.min(Math.max(atMs - Date.now(), 0), maxTimerMs));
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = Date.now();
    const expired: Item[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [atMs, items] of this.#due) {
      if (atMs <= now) {
        this.#due.delete(atMs);
        for (const item of items) expired.push(item);
      } else if (atMs < next) next = atMs;
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
    for (const item of expired) item.expire();
  }
}
