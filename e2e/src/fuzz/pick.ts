/**
 * A thin imperative face on fast-check's `fc.gen()`: the fuzzer walks a schema and builds documents step by step,
 * which reads better as "pick a field, pick an argument" than as nested `chain`s. Every choice still comes from
 * fast-check's seeded generator, so a seed replays a run exactly.
 */
import fc, { type Arbitrary, type GeneratorValue } from 'fast-check';

export class Pick {
  readonly #g: GeneratorValue;

  constructor(g: GeneratorValue) {
    this.#g = g;
  }

  /** A value of any fast-check arbitrary. */
  from<T>(arbitrary: Arbitrary<T>): T {
    return this.#g(() => arbitrary);
  }

  /** An integer in [min, max], uniformly (fast-check's default bias towards small values would skew every choice). */
  int(min: number, max: number): number {
    return this.#g(() => fc.noBias(fc.integer({ min, max })));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.int(0, 9_999) < p * 10_000;
  }

  /** One of `items` (which must not be empty). */
  one<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  /** One of `choices`, each as likely as its weight. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((sum, [weight]) => sum + weight, 0);
    let roll = this.int(0, total - 1);
    for (const [weight, value] of choices) {
      if (roll < weight) return value;
      roll -= weight;
    }
    return choices[choices.length - 1]![1];
  }

  /** Up to `max` distinct items of `items`, at least `min` (when there are that many). */
  some<T>(items: readonly T[], min: number, max: number): T[] {
    const pool = [...items];
    const count = Math.min(pool.length, this.int(min, max));
    const chosen: T[] = [];
    for (let i = 0; i < count; i++) chosen.push(pool.splice(this.int(0, pool.length - 1), 1)[0]!);
    return chosen;
  }

  /** A string of `unit` (default: any Unicode grapheme) of `minLength` to `maxLength` units. */
  text(maxLength = 20, minLength = 0, unit: 'grapheme' | 'binary' | 'grapheme-ascii' = 'grapheme'): string {
    return this.#g(fc.string, { minLength, maxLength, unit });
  }

  /** A GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`). */
  name(): string {
    return this.#g(fc.stringMatching, /^[_A-Za-z][_0-9A-Za-z]{0,11}$/);
  }
}

/** Wraps a builder that takes a `Pick` into an arbitrary, so fast-check's seed and sampling drive it. */
export function picking<T>(build: (pick: Pick) => T): Arbitrary<T> {
  return fc.gen().map((g) => build(new Pick(g)));
}
