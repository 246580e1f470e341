import { describe, expect, it } from 'vitest';
import { checkSearchArgs, maxQueryLength } from './search.ts';

const megabyte = 1 << 20;
/** Generous: each check is linear, so a megabyte takes a few milliseconds. */
const budgetMs = 200;

/** What `run` returned or threw, failing when it took longer than `budgetMs`. */
function quickly(run: () => unknown): unknown {
  const started = performance.now();
  try {
    return run();
  } catch (error) {
    return error;
  } finally {
    expect(performance.now() - started).toBeLessThan(budgetMs);
  }
}

const refused = (fields: Record<string, unknown>) =>
  expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', fields }) });

const hostile = ['a'.repeat(megabyte), `${' '.repeat(megabyte)}x`, `${'1.'.repeat(megabyte / 2)}5`];

describe('search input on hostile sizes', () => {
  it('refuses a megabyte-long query untrimmed, and still trims one that fits', () => {
    expect(checkSearchArgs({ query: ` ${'a'.repeat(maxQueryLength)} `, first: 20 }).query).toBe(
      'a'.repeat(maxQueryLength),
    );
    for (const query of hostile) {
      expect(quickly(() => checkSearchArgs({ query, first: 20 }))).toEqual(
        refused({ query: `expected 1 to ${maxQueryLength} characters after trimming, got ${query.length}` }),
      );
    }
  });

  it('refuses a megabyte-long cursor, whatever it decodes to', () => {
    const forged = Buffer.from(JSON.stringify(['1.5', 'VENDOR', '6f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11', ...hostile]));
    for (const after of [...hostile, forged.toString('base64url')]) {
      expect(quickly(() => checkSearchArgs({ query: 'tacos', first: 20, after }))).toEqual(
        refused({ after: 'expected a cursor returned by this connection' }),
      );
    }
  });
});
