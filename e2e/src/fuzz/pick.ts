/**
 * A thin imperative face on fast-check's `fc.gen()`: the fuzzer walks a schema and builds documents step by step,
 * which reads better as "pick a field, pick an argument" than as nested `chain`s. Every choice still comes from
 * fast-check's seeded generator, so a seed replays a run exactly.
 */
import fc, { type Arbitrary, type GeneratorValue } from 'fast-check';

/*
 * fc.gen() caches the arbitrary each builder makes, per builder function and arguments, for the life of the
 * arbitrary: a fresh closure per call (or ever-new arguments) would grow that cache with every choice, which
 * is a leak in a fuzzer that runs for minutes. So every choice goes through one of these module-level builders
 * with a handful of distinct arguments.
 */
const uniform = () => fc.noBias(fc.integer({ min: 0, max: 2 ** 30 - 1 }));
const strings = (minLength: number, maxLength: number, unit: 'grapheme' | 'binary' | 'grapheme-ascii') =>
  fc.string({ minLength, maxLength, unit });
const graphqlNames = () => fc.stringMatching(/^[_A-Za-z][_0-9A-Za-z]{0,11}$/);
const bytes = (maxLength: number) => fc.uint8Array({ maxLength });
const doubles = () => fc.double({ noNaN: true, noDefaultInfinity: true });

export class Pick {
  readonly #g: GeneratorValue;

  constructor(g: GeneratorValue) {
    this.#g = g;
  }

  /** An integer in [min, max], uniformly (fast-check's default bias towards small values would skew every choice). */
  int(min: number, max: number): number {
    const span = max - min + 1;
    // Two draws for spans past 2^30 (the 32-bit ranges of Int arguments), within 2^52 so the sum stays exact.
    const draw = span > 2 ** 30 ? (this.#g(uniform) % 2 ** 22) * 2 ** 30 + this.#g(uniform) : this.#g(uniform);
    return min + (draw % span);
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
    return this.#g(strings, minLength, maxLength, unit);
  }

  /** A GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`). */
  name(): string {
    return this.#g(graphqlNames);
  }

  /** Random bytes, at most `maxLength` of them. */
  bytes(maxLength: number): Uint8Array {
    return this.#g(bytes, maxLength);
  }

  /** Any finite double (edge cases such as -0 and the smallest subnormal included). */
  double(): number {
    return this.#g(doubles);
  }
}

/** Wraps a builder that takes a `Pick` into an arbitrary, so fast-check's seed and sampling drive it. */
export function picking<T>(build: (pick: Pick) => T): Arbitrary<T> {
  return fc.gen().map((g) => build(new Pick(g)));
}
