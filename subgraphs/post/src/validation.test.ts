import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@curbside/auth';
import type { FieldProblems } from '@curbside/errors';
import { encodeCursor } from '@curbside/subgraph-kit';
import { outcomeWithinHangGuard } from '@curbside/fixtures';
import { describe, expect, it } from 'vitest';
import { pageCacheKey, pageKey, toPostRow } from './pages.ts';
import { addComment, checkMediaIds, checkText, createPost, mediaOwnershipProblem, updatePost } from './posts.ts';

const megabyte = 1 << 20;

/** Fails whatever touches it: these inputs must be refused before any query. */
const noDatabase = new Proxy({} as EntityManager, {
  get: (_target, key) => {
    throw new Error(`the database was used (${String(key)}) before the input was refused`);
  },
});

const viewer: Viewer = {
  userId: '6f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11',
  role: 'USER',
  sessionId: '7f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11',
  expiresAt: 0,
};
const postId = '8f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11';

const refused = (fields: Record<string, unknown>) =>
  expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', fields }) });

const hostile = ['a'.repeat(megabyte), `${' '.repeat(megabyte)}x`, `x${'\n '.repeat(megabyte / 2)}`];

describe('post input on hostile sizes', () => {
  it('refuses a megabyte-long body or comment untrimmed, and keeps trimming what fits', async () => {
    const problems: FieldProblems = {};
    expect(checkText(`  ${'y'.repeat(5_000)}  `, 'body', 5_000, problems)).toBe('y'.repeat(5_000));
    for (const value of hostile) {
      const found: FieldProblems = {};
      expect(await outcomeWithinHangGuard(() => checkText(value, 'body', 5_000, found))).toBeUndefined();
      expect(found['body']).toMatch(/^expected 1 to 5,000 characters after trimming, got \d+$/);
      expect(await outcomeWithinHangGuard(() => createPost(noDatabase, viewer, { body: value }))).toEqual(
        refused({ body: expect.any(String) }),
      );
      expect(await outcomeWithinHangGuard(() => updatePost(noDatabase, viewer, postId, { body: value }))).toEqual(
        refused({ body: expect.any(String) }),
      );
      expect(await outcomeWithinHangGuard(() => addComment(noDatabase, viewer, postId, value))).toEqual(
        refused({ body: expect.any(String) }),
      );
    }
    expect(problems).toEqual({});
  });

  it('refuses a huge media list by its length, and long ids quoted short', async () => {
    const many = Array.from({ length: 200_000 }, () => postId);
    const problems: FieldProblems = {};
    expect(await outcomeWithinHangGuard(() => checkMediaIds(many, problems))).toBeUndefined();
    expect(problems['mediaIds']).toBe('expected at most 10 media, got 200000');
    expect(await outcomeWithinHangGuard(() => updatePost(noDatabase, viewer, postId, { mediaIds: many }))).toEqual(
      refused({ mediaIds: 'expected at most 10 media, got 200000' }),
    );
    const malformed: FieldProblems = {};
    checkMediaIds(['a'.repeat(megabyte), 'a'.repeat(megabyte)], malformed);
    expect(malformed['mediaIds']!.length).toBeLessThan(200);
    const vendor = await outcomeWithinHangGuard(() =>
      createPost(noDatabase, viewer, { body: 'hi', vendorId: 'v'.repeat(megabyte) }),
    );
    expect(vendor).toEqual(refused({ vendorId: expect.stringMatching(/^expected a UUID, got ".{40}"…$/) }));
  });

  it('refuses a megabyte-long cursor', async () => {
    for (const value of hostile) {
      expect(await outcomeWithinHangGuard(() => pageKey(postId, { first: 10, after: value }))).toEqual(
        refused({ after: expect.any(String) }),
      );
    }
  });
});

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const author = uuid(100);

describe('checkText (post bodies and comments)', () => {
  it('trims, and takes 1 to max characters after trimming', () => {
    const problems: FieldProblems = {};
    expect(checkText('  hello  ', 'body', 5, problems)).toBe('hello');
    expect(checkText('x'.repeat(5), 'body', 5, problems)).toBe('xxxxx');
    expect(problems).toEqual({});
  });

  it('records a blank or too long text under its field, with the count after trimming', () => {
    const problems: FieldProblems = {};
    expect(checkText('   ', 'body', 5_000, problems)).toBeUndefined();
    expect(checkText(` ${'c'.repeat(2_001)} `, 'text', 2_000, problems)).toBeUndefined();
    expect(problems).toEqual({
      body: 'expected 1 to 5,000 characters after trimming, got 0',
      text: 'expected 1 to 2,000 characters after trimming, got 2001',
    });
  });
});

describe('checkMediaIds', () => {
  it('lower-cases the ids and keeps their order', () => {
    const problems: FieldProblems = {};
    const upper = '6F1C1C9E-8F0E-4C55-9D1A-2B8E8C3F0A11';
    expect(checkMediaIds([uuid(2), upper], problems)).toEqual([uuid(2), upper.toLowerCase()]);
    expect(checkMediaIds([], problems)).toEqual([]);
    expect(problems).toEqual({});
  });

  it('takes at most 10 media', () => {
    const problems: FieldProblems = {};
    const ten = Array.from({ length: 10 }, (_, n) => uuid(n));
    expect(checkMediaIds(ten, problems)).toHaveLength(10);
    expect(checkMediaIds([...ten, uuid(10)], problems)).toBeUndefined();
    expect(problems).toEqual({ mediaIds: 'expected at most 10 media, got 11' });
  });

  it('refuses malformed ids and the same media twice, however it is written, in one message', () => {
    const problems: FieldProblems = {};
    expect(checkMediaIds(['nope', uuid(1), uuid(1).toUpperCase()], problems)).toBeUndefined();
    expect(problems).toEqual({
      mediaIds: `expected UUIDs, got "nope"; expected each media once, got ${uuid(1)} more than once`,
    });
  });
});

describe('mediaOwnershipProblem', () => {
  const own = (n: number) => ({ mediaId: uuid(n), ownerId: author, deleted: false });

  it("accepts the author's own media that the copy knows", () => {
    expect(mediaOwnershipProblem(author, [uuid(1), uuid(2)], [own(2), own(1)])).toBeNull();
    expect(mediaOwnershipProblem(author, [], [])).toBeNull();
  });

  it("names media unknown to the copy or deleted, and another user's, in the order given", () => {
    const copies = [own(1), { ...own(2), deleted: true }, { ...own(3), ownerId: uuid(200) }];
    expect(mediaOwnershipProblem(author, [uuid(4), uuid(3), uuid(2), uuid(1)], copies)).toBe(
      `expected your own READY media: media ${uuid(4)}, ${uuid(2)} not found or not READY; ` +
        `media ${uuid(3)} belong to another user`,
    );
  });

  it("counts a deleted media of another user as not READY, not as another user's", () => {
    const copies = [{ mediaId: uuid(5), ownerId: uuid(200), deleted: true }];
    expect(mediaOwnershipProblem(author, [uuid(5)], copies)).toBe(
      `expected your own READY media: media ${uuid(5)} not found or not READY`,
    );
  });
});

describe('page keys and cursors', () => {
  it('checks the page size, decodes the cursor and lower-cases the parent', () => {
    const after = { createdAt: new Date('2026-12-01T10:00:00.000Z'), id: uuid(7) };
    expect(pageKey(author.toUpperCase(), { first: 20, after: encodeCursor(after) })).toEqual({
      parentId: author,
      first: 20,
      after,
    });
    expect(pageKey(author, { first: 1 })).toEqual({ parentId: author, first: 1, after: null });
    expect(() => pageKey(author, { first: 0 })).toThrow();
    expect(() => pageKey(author, { first: 10, after: 'forged' })).toThrow();
  });

  it('gives one cache key per distinct page, and the same for the same page', () => {
    const after = { createdAt: new Date('2026-12-01T10:00:00.000Z'), id: uuid(7) };
    const keys = [
      pageCacheKey({ parentId: author, first: 20, after: null }),
      pageCacheKey({ parentId: author, first: 10, after: null }),
      pageCacheKey({ parentId: uuid(101), first: 20, after: null }),
      pageCacheKey({ parentId: author, first: 20, after }),
    ];
    expect(new Set(keys).size).toBe(4);
    expect(pageCacheKey({ parentId: author, first: 20, after: { ...after } })).toBe(keys[3]);
  });
});

describe('toPostRow', () => {
  it('reads a row as its fields show it, times as Dates', () => {
    expect(
      toPostRow({
        id: uuid(1),
        author_id: author,
        vendor_id: null,
        body: 'hi',
        created_at: '2026-12-01T10:00:00.000Z',
        edited_at: null,
      }),
    ).toEqual({
      id: uuid(1),
      authorId: author,
      vendorId: null,
      body: 'hi',
      createdAt: new Date('2026-12-01T10:00:00.000Z'),
      editedAt: null,
    });
  });
});
