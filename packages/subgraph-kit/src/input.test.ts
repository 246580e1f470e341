import { outcomeWithinHangGuardSync } from '@curbside/fixtures';
import { describe, expect, it } from 'vitest';
import { bearerTokenOf } from '@curbside/auth';
import { historyIdPattern } from '@curbside/pubsub';
import { checkId, isUuid } from './guards.ts';
import { checkLength, checkLengths, quoted, trimmedLengthSlack } from './input.ts';
import { decodeCursor, encodeCursor } from './pagination.ts';
import { dateTimeScalar } from './scalars.ts';

const megabyte = 1 << 20;
/** Runs `check` on hostile input and returns what it threw (undefined when none), failing past the hang guard. */
function refusedQuickly(check: () => unknown): unknown {
  return outcomeWithinHangGuardSync(() => void check());
}

const badUserInput = (fields: Record<string, unknown>) =>
  expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', fields }) });

describe('checkLengths', () => {
  it('refuses every over-long field at once, naming each with its limit, without echoing it', () => {
    const error = refusedQuickly(() =>
      checkLengths({
        name: ['a'.repeat(megabyte), 100],
        bio: [' '.repeat(megabyte) + 'x', { max: 500, trimmed: true }],
        fine: ['short', 10],
        absent: [undefined, 10],
        cleared: [null, 10],
      }),
    );
    expect(error).toEqual(
      badUserInput({
        name: `expected at most 100 characters, got ${megabyte}`,
        bio: `expected at most 500 characters after trimming, got ${megabyte + 1}`,
      }),
    );
    expect((error as Error).message.length).toBeLessThan(300);
  });

  it('lets a trimmed field carry surrounding whitespace up to the slack, and no more', () => {
    const padded = ' '.repeat(trimmedLengthSlack / 2) + 'b'.repeat(500) + ' '.repeat(trimmedLengthSlack / 2);
    expect(() => checkLengths({ bio: [padded, { max: 500, trimmed: true }] })).not.toThrow();
    expect(() => checkLengths({ bio: [`${padded} `, { max: 500, trimmed: true }] })).toThrow(
      /bio: expected at most 500/,
    );
    expect(checkLength('name', 'x'.repeat(100), 100)).toBe('x'.repeat(100));
    expect(() => checkLength('name', 'x'.repeat(101), 100)).toThrow(badUserInput({ name: expect.any(String) }));
  });

  it('quotes at most a short prefix of what came', () => {
    expect(quoted('short')).toBe('"short"');
    expect(quoted('a'.repeat(megabyte))).toBe(`"${'a'.repeat(40)}"…`);
  });
});

describe('ids, cursors and the shared patterns on a megabyte of hostile input', () => {
  const hostile = [
    'a'.repeat(megabyte),
    ' '.repeat(megabyte) + 'x',
    '0'.repeat(megabyte),
    '12345678-1234-1234-1234-'.repeat(megabyte / 24),
    `${'1'.repeat(megabyte)}-`,
  ];

  it('refuses them as ids, quickly, quoting only a prefix', () => {
    for (const value of hostile) {
      expect(refusedQuickly(() => expect(isUuid(value)).toBe(false))).toBeUndefined();
      const error = refusedQuickly(() => checkId(value, 'vendorId'));
      expect(error).toEqual(badUserInput({ vendorId: expect.stringMatching(/^expected a UUID, got ".{40}"…$/) }));
    }
    expect(checkId('6F1C1C9E-8F0E-4C55-9D1A-2B8E8C3F0A11')).toBe('6f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11');
  });

  it('refuses them as cursors, before decoding them', () => {
    const forged = Buffer.from(
      JSON.stringify(['2026-11-21T10:00:00.000Z', '6f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11', 'x'.repeat(500)]),
    ).toString('base64url');
    for (const value of [...hostile, forged]) {
      expect(refusedQuickly(() => decodeCursor(value))).toEqual(badUserInput({ after: expect.any(String) }));
    }
    const cursor = { createdAt: new Date('2026-11-21T10:00:00.000Z'), id: '6f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it('refuses them as date-times, quoting only a prefix', () => {
    expect(dateTimeScalar.parseValue('2026-11-21T10:00:00.000Z')).toEqual(new Date('2026-11-21T10:00:00.000Z'));
    for (const value of [...hostile, `2026-11-21T10:00:00.000Z${' '.repeat(megabyte)}`]) {
      const error = refusedQuickly(() => dateTimeScalar.parseValue(value));
      expect((error as Error).message).toMatch(/^DateTime expects an ISO-8601 string, but got ".{40}"…$/);
    }
    expect(() => dateTimeScalar.parseValue({ a: 'x'.repeat(megabyte) })).toThrow(/but got object$/);
  });

  it('refuses them as bearer tokens and event ids', () => {
    for (const value of hostile) {
      expect(refusedQuickly(() => bearerTokenOf(`Bearer ${value}!`))).toEqual(
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
      );
      expect(refusedQuickly(() => expect(historyIdPattern.test(`${value}-`)).toBe(false))).toBeUndefined();
    }
  });
});
