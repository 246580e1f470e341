import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { encodeCursor } from '@curbside/subgraph-kit';
import { followPageKey, otherUserId } from './follows.ts';

const ana = '6f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11';
const bea = '7f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11';

/** The field problems of a BAD_USER_INPUT refusal; fails when `run` did not refuse. */
function problemsOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    expect(error.extensions['code']).toBe('BAD_USER_INPUT');
    return error.extensions['fields'];
  }
  throw new Error('expected a refusal');
}

describe('otherUserId', () => {
  it('takes another user, its id lower-cased', () => {
    expect(otherUserId({ userId: ana }, bea.toUpperCase())).toBe(bea);
  });

  it('refuses the viewer themselves, however the id is written', () => {
    const expected = { userId: 'expected another user than yourself' };
    expect(problemsOf(() => otherUserId({ userId: ana }, ana))).toEqual(expected);
    expect(problemsOf(() => otherUserId({ userId: ana }, ana.toUpperCase()))).toEqual(expected);
  });

  it('refuses what is not an id', () => {
    expect(problemsOf(() => otherUserId({ userId: ana }, 'ana'))).toHaveProperty('userId');
  });
});

describe('followPageKey', () => {
  it('checks the page size and decodes the cursor, the user id lower-cased', () => {
    const after = { createdAt: new Date('2026-12-01T10:00:00.000Z'), id: bea };
    expect(followPageKey(ana.toUpperCase(), { first: 20, after: encodeCursor(after) })).toEqual({
      userId: ana,
      first: 20,
      after,
    });
    expect(followPageKey(ana, { first: 1, after: null })).toEqual({ userId: ana, first: 1, after: null });
  });

  it('refuses a page size out of range and a cursor it did not make', () => {
    expect(problemsOf(() => followPageKey(ana, { first: 0 }))).toHaveProperty('first');
    expect(problemsOf(() => followPageKey(ana, { first: 10, after: 'forged' }))).toEqual({
      after: 'expected a cursor returned by this connection',
    });
  });
});
