import { fieldProblemsOf, outcomeWithinHangGuard } from '@curbside/fixtures';
import { describe, expect, it } from 'vitest';
import { changeOf, type SearchEvent } from './indexing.ts';
import {
  checkSearchArgs,
  decodeHitCursor,
  encodeHitCursor,
  maxQueryLength,
  maxSearchPageSize,
  searchPage,
  type HitCursor,
} from './search.ts';

const megabyte = 1 << 20;

const refused = (fields: Record<string, unknown>) =>
  expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', fields }) });

const hostile = ['a'.repeat(megabyte), `${' '.repeat(megabyte)}x`, `${'1.'.repeat(megabyte / 2)}5`];

describe('search input on hostile sizes', () => {
  it('refuses a megabyte-long query untrimmed, and still trims one that fits', async () => {
    expect(checkSearchArgs({ query: ` ${'a'.repeat(maxQueryLength)} `, first: 20 }).query).toBe(
      'a'.repeat(maxQueryLength),
    );
    for (const query of hostile) {
      expect(await outcomeWithinHangGuard(() => checkSearchArgs({ query, first: 20 }))).toEqual(
        refused({ query: `expected 1 to ${maxQueryLength} characters after trimming, got ${query.length}` }),
      );
    }
  });

  it('refuses a megabyte-long cursor, whatever it decodes to', async () => {
    const forged = Buffer.from(JSON.stringify(['1.5', 'VENDOR', '6f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11', ...hostile]));
    for (const after of [...hostile, forged.toString('base64url')]) {
      expect(await outcomeWithinHangGuard(() => checkSearchArgs({ query: 'tacos', first: 20, after }))).toEqual(
        refused({ after: 'expected a cursor returned by this connection' }),
      );
    }
  });
});

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('checkSearchArgs', () => {
  it('trims the query and searches every type when none is named', () => {
    expect(checkSearchArgs({ query: '  tacos ', first: 20 })).toEqual({
      query: 'tacos',
      types: ['USER', 'VENDOR', 'POST'],
      first: 20,
      after: null,
    });
  });

  it('names each type once, in the order given', () => {
    expect(checkSearchArgs({ query: 'x', types: ['POST', 'USER', 'POST'], first: 1 }).types).toEqual(['POST', 'USER']);
  });

  it('refuses every bad argument at once', () => {
    expect(fieldProblemsOf(() => checkSearchArgs({ query: '   ', types: [], first: 0, after: 'nonsense' }))).toEqual({
      query: 'expected 1 to 200 characters after trimming, got 0',
      types: 'expected at least one of USER, VENDOR, POST (leave it out to search everything)',
      first: 'expected an integer from 1 to 50, got 0',
      after: 'expected a cursor returned by this connection',
    });
  });

  it('takes a page of 1 to 50 hits, whole numbers only', () => {
    expect(checkSearchArgs({ query: 'x', first: maxSearchPageSize }).first).toBe(50);
    for (const first of [51, 1.5, Number.NaN]) {
      expect(fieldProblemsOf(() => checkSearchArgs({ query: 'x', first }))).toHaveProperty('first');
    }
  });

  it('decodes the cursor it was given', () => {
    const position: HitCursor = { score: '0.731', type: 'VENDOR', id: uuid(7) };
    expect(checkSearchArgs({ query: 'x', first: 5, after: encodeHitCursor(position) }).after).toEqual(position);
  });
});

describe('hit cursors', () => {
  it('round-trip a position exactly, score as the database rounded it', () => {
    const position: HitCursor = { score: '123456.000001', type: 'POST', id: uuid(1) };
    expect(decodeHitCursor(encodeHitCursor(position))).toEqual(position);
  });

  it('refuse anything this connection did not hand out', () => {
    const forged = [
      base64url(['1.5', 'VENDOR']), // too short
      base64url(['1.5', 'VENDOR', uuid(1), 'extra']),
      base64url({ score: '1.5', type: 'VENDOR', id: uuid(1) }), // not the array form
      base64url([1.5, 'VENDOR', uuid(1)]), // a number, not the exact text
      base64url(['1e5', 'VENDOR', uuid(1)]),
      base64url(['-1.5', 'VENDOR', uuid(1)]),
      base64url(['1234567.1', 'VENDOR', uuid(1)]), // more digits than the score column has
      base64url(['1.5', 'COMMENT', uuid(1)]), // not a document type
      base64url(['1.5', 'VENDOR', 'not-a-uuid']),
      'not base64 json at all',
      '',
    ];
    for (const cursor of forged) expect(decodeHitCursor(cursor), cursor).toBeNull();
  });
});

describe('searchPage', () => {
  const rows: HitCursor[] = [
    { score: '0.900000', type: 'USER', id: uuid(1) },
    { score: '0.500000', type: 'POST', id: uuid(2) },
    { score: '0.500000', type: 'VENDOR', id: uuid(3) },
  ];

  it('keeps the ranking order, cuts to the page and says more follow when a row past it came', () => {
    const page = searchPage(rows, 2);
    expect(page.edges.map((edge) => edge.node)).toEqual([
      { score: 0.9, node: { __typename: 'User', nodeKey: uuid(1) } },
      { score: 0.5, node: { __typename: 'Post', nodeKey: uuid(2) } },
    ]);
    expect(page.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: page.edges[0]!.cursor,
      endCursor: page.edges[1]!.cursor,
    });
    // The next page starts after the last hit's exact position.
    expect(decodeHitCursor(page.pageInfo.endCursor!)).toEqual(rows[1]);
  });

  it('says nothing follows on the last page, and has no cursors when empty', () => {
    expect(searchPage(rows, 3).pageInfo.hasNextPage).toBe(false);
    expect(searchPage([], 3)).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });
});

describe('changeOf (what an event does to the index)', () => {
  const event = (name: string, payload: object): SearchEvent =>
    ({ id: 'e', name, payload, occurredAt: '2026-12-01T10:00:00.000Z' }) as SearchEvent;

  it('indexes a user by username and display name; a profile update keeps the stored username', () => {
    expect(changeOf(event('user.registered', { userId: uuid(1), username: 'ana', displayName: 'Ana' }))).toEqual({
      kind: 'write',
      type: 'USER',
      id: uuid(1),
      ownerId: uuid(1),
      handle: 'ana',
      name: 'Ana',
      body: '',
    });
    expect(changeOf(event('user.profile_updated', { userId: uuid(1), displayName: 'Ana B', bio: null }))).toMatchObject(
      { kind: 'write', handle: null, name: 'Ana B', body: '' },
    );
  });

  it('indexes vendors by name and description, posts by body, owned by their owner or author', () => {
    const vendor = { vendorId: uuid(2), ownerId: uuid(1), name: 'Taco', description: 'al pastor', category: 'food' };
    expect(changeOf(event('vendor.updated', { ...vendor, isOpen: true }))).toEqual({
      kind: 'write',
      type: 'VENDOR',
      id: uuid(2),
      ownerId: uuid(1),
      handle: null,
      name: 'Taco',
      body: 'al pastor',
    });
    expect(
      changeOf(event('post.created', { postId: uuid(3), authorId: uuid(1), vendorId: null, mediaIds: [], body: 'hi' })),
    ).toMatchObject({ kind: 'write', type: 'POST', id: uuid(3), ownerId: uuid(1), name: null, body: 'hi' });
  });

  it('deletes vendors and posts one by one, and a closed account as a whole', () => {
    expect(changeOf(event('vendor.deleted', { vendorId: uuid(2), ownerId: uuid(1) }))).toEqual({
      kind: 'delete',
      type: 'VENDOR',
      id: uuid(2),
      ownerId: uuid(1),
    });
    expect(changeOf(event('post.deleted', { postId: uuid(3), authorId: uuid(1) }))).toEqual({
      kind: 'delete',
      type: 'POST',
      id: uuid(3),
      ownerId: uuid(1),
    });
    expect(changeOf(event('user.deleted', { userId: uuid(1) }))).toEqual({ kind: 'closeAccount', ownerId: uuid(1) });
  });
});
