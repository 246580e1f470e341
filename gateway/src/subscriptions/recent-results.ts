/**
 * Results computed once and handed to everyone asking for the same key within `ttlMs` (a promise, so callers
 * arriving while it is computed wait for the same one). Entries leave in the order they came, when older than
 * `ttlMs` or past `maxEntries`.
 */
export class RecentResults<Result> {
  readonly #entries = new Map<string, { result: Promise<Result>; atMs: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(options: { ttlMs: number; maxEntries: number }) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  once(key: string, compute: () => Promise<Result>): Promise<Result> {
    const now = Date.now();
    const recent = this.#entries.get(key);
    if (recent && now - recent.atMs < this.#ttlMs) return recent.result;
    this.#entries.delete(key);
    for (const [oldKey, { atMs }] of this.#entries) {
      if (now - atMs < this.#ttlMs && this.#entries.size < this.#maxEntries) break;
      this.#entries.delete(oldKey);
    }
    const result = compute();
    this.#entries.set(key, { result, atMs: now });
    return result;
  }
}
