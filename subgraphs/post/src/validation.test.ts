import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@curbside/auth';
import type { FieldProblems } from '@curbside/errors';
import { describe, expect, it } from 'vitest';
import { pageKey } from './pages.ts';
import { addComment, checkMediaIds, checkText, createPost, updatePost } from './posts.ts';

const megabyte = 1 << 20;
/** Generous: each check is linear, so a megabyte takes a few milliseconds. */
const budgetMs = 200;

/** What `run` resolved to or threw, failing when it took longer than `budgetMs`. */
async function quickly(run: () => unknown): Promise<unknown> {
  const started = performance.now();
  try {
    return await run();
  } catch (error) {
    return error;
  } finally {
    expect(performance.now() - started).toBeLessThan(budgetMs);
  }
}

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
      expect(await quickly(() => checkText(value, 'body', 5_000, found))).toBeUndefined();
      expect(found['body']).toMatch(/^expected 1 to 5,000 characters after trimming, got \d+$/);
      expect(await quickly(() => createPost(noDatabase, viewer, { body: value }))).toEqual(
        refused({ body: expect.any(String) }),
      );
      expect(await quickly(() => updatePost(noDatabase, viewer, postId, { body: value }))).toEqual(
        refused({ body: expect.any(String) }),
      );
      expect(await quickly(() => addComment(noDatabase, viewer, postId, value))).toEqual(
        refused({ body: expect.any(String) }),
      );
    }
    expect(problems).toEqual({});
  });

  it('refuses a huge media list by its length, and long ids quoted short', async () => {
    const many = Array.from({ length: 200_000 }, () => postId);
    const problems: FieldProblems = {};
    expect(await quickly(() => checkMediaIds(many, problems))).toBeUndefined();
    expect(problems['mediaIds']).toBe('expected at most 10 media, got 200000');
    expect(await quickly(() => updatePost(noDatabase, viewer, postId, { mediaIds: many }))).toEqual(
      refused({ mediaIds: 'expected at most 10 media, got 200000' }),
    );
    const malformed: FieldProblems = {};
    checkMediaIds(['a'.repeat(megabyte), 'a'.repeat(megabyte)], malformed);
    expect(malformed['mediaIds']!.length).toBeLessThan(200);
    const vendor = await quickly(() => createPost(noDatabase, viewer, { body: 'hi', vendorId: 'v'.repeat(megabyte) }));
    expect(vendor).toEqual(refused({ vendorId: expect.stringMatching(/^expected a UUID, got ".{40}"…$/) }));
  });

  it('refuses a megabyte-long cursor', async () => {
    for (const value of hostile) {
      expect(await quickly(() => pageKey(postId, { first: 10, after: value }))).toEqual(
        refused({ after: expect.any(String) }),
      );
    }
  });
});
