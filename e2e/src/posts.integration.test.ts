import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueOptions } from '@curbside/event-bus';
import {
  dataOf,
  graphql,
  queryRows,
  registerAdmin,
  registerUser,
  startStack,
  waitFor,
  type Account,
  type GraphQLResponse,
  type SqlRecorder,
  type TestStack,
} from './index.ts';

let stack: TestStack;
let author: Account;
let other: Account;
let admin: Account;

beforeAll(async () => {
  stack = await startStack();
  author = await registerUser(stack.gatewayUrl, 'post_author');
  other = await registerUser(stack.gatewayUrl, 'post_other');
  admin = await registerAdmin(stack, 'post_admin');
});
afterAll(async () => {
  await stack?.stop();
});

const POST_FIELDS = `id body createdAt editedAt likeCount commentCount viewerHasLiked
  author { id } vendor { id } media { id }`;

const CREATE_POST = `mutation ($input: CreatePostInput!) { createPost(input: $input) { ${POST_FIELDS} } }`;

/** Media the post subgraph knows as READY and owned by `ownerId`: rows of its copy, written directly. */
async function readyMedia(ownerId: string, count = 1): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await queryRows(
    stack.databases.post,
    'insert into media_copy (media_id, owner_id, deleted, version) select id, $2, false, now() from unnest($1::uuid[]) as id',
    [ids, ownerId],
  );
  return ids;
}

/** A vendor the post subgraph knows, owned by `ownerId`: a row of its copy, written directly. */
async function vendorCopy(ownerId: string): Promise<string> {
  const id = randomUUID();
  await queryRows(
    stack.databases.post,
    'insert into vendor_copy (vendor_id, owner_id, deleted, version) values ($1, $2, false, now())',
    [id, ownerId],
  );
  return id;
}

function createPost(token: string | undefined, input: Record<string, unknown>) {
  return graphql(stack.gatewayUrl, CREATE_POST, { input }, { token });
}

async function newPost(account: Account = author, input: Record<string, unknown> = {}): Promise<string> {
  return dataOf(await createPost(account.accessToken, { body: 'Fresh bread today', ...input })).createPost.id;
}

async function getPost(id: string, token?: string) {
  return dataOf(
    await graphql(stack.gatewayUrl, `query ($id: ID!) { post(id: $id) { ${POST_FIELDS} } }`, { id }, { token }),
  ).post;
}

async function addComment(token: string | undefined, postId: string, body: string) {
  return graphql(
    stack.gatewayUrl,
    'mutation ($postId: ID!, $body: String!) { addComment(postId: $postId, body: $body) { id body createdAt author { id } post { id commentCount } } }',
    { postId, body },
    { token },
  );
}

async function newComment(account: Account, postId: string, body = 'Looks great'): Promise<string> {
  return dataOf(await addComment(account.accessToken, postId, body)).addComment.id;
}

function setLiked(token: string | undefined, postId: string, liked: boolean) {
  return graphql(
    stack.gatewayUrl,
    `mutation ($postId: ID!) { result: ${liked ? 'likePost' : 'unlikePost'}(postId: $postId) { id likeCount viewerHasLiked } }`,
    { postId },
    { token },
  );
}

/** Every row of the post database a mutation may write, and the recorded events: to prove a refused call wrote nothing. */
async function postSnapshot() {
  const db = stack.databases.post;
  return {
    posts: await queryRows(db, 'select * from post order by id'),
    media: await queryRows(db, 'select * from post_media order by post_id, position'),
    likes: await queryRows(db, 'select * from post_like order by post_id, user_id'),
    comments: await queryRows(db, 'select * from comment order by id'),
    // Not sent_at: the relay marks events sent in the background.
    events: await queryRows(db, 'select id, name, payload from outbox_event order by id'),
  };
}

/** Payloads of the events `name` recorded with `payload[key] = value`, oldest first. */
async function eventsOf(name: string, key: string, value: string): Promise<Record<string, any>[]> {
  const rows = await queryRows(
    stack.databases.post,
    'select payload from outbox_event where name = $1 and payload->>$2 = $3 order by occurred_at',
    [name, key, value],
  );
  return rows.map((row) => row['payload']);
}

const errorOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions ?? {};

/**
 * Statements per table sent while answering requests: the outbox relay sweeps `outbox_event` in the
 * background on its own schedule, so its statements say nothing about the request and are left out.
 */
function requestStatements(recorder: SqlRecorder): Record<string, number> {
  const { outbox_event: _relaySweeps, ...counts } = recorder.countByTable();
  return counts;
}

type Actor = 'anonymous' | 'another user' | 'author' | 'admin';
const accountOf = (actor: Actor): Account | undefined =>
  ({ anonymous: undefined, 'another user': other, author, admin })[actor];
const tokenOf = (actor: Actor) => accountOf(actor)?.accessToken;
type Outcome = 'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN';

/** Runs a mutation that must be refused with `code`, and proves it changed no row and recorded no event. */
async function expectRefused(code: string, run: () => Promise<GraphQLResponse>): Promise<GraphQLResponse> {
  const before = await postSnapshot();
  const response = await run();
  expect(errorOf(response)['code']).toBe(code);
  expect(response.data?.[Object.keys(response.data ?? {})[0] ?? ''] ?? null).toBeNull();
  expect(await postSnapshot()).toEqual(before);
  return response;
}

describe('post authorization matrix', () => {
  it.each<[Actor, Outcome]>([
    ['anonymous', 'UNAUTHENTICATED'],
    ['another user', 'ok'],
    ['author', 'ok'],
    ['admin', 'ok'],
  ])('createPost as %s: %s (any signed-in user posts as themselves)', async (actor, expected) => {
    if (expected !== 'ok') {
      await expectRefused(expected, () => createPost(tokenOf(actor), { body: 'Hello' }));
      return;
    }
    const post = dataOf(await createPost(tokenOf(actor), { body: '  Hello  ' })).createPost;
    expect(post).toMatchObject({ body: 'Hello', author: { id: accountOf(actor)!.id }, vendor: null, editedAt: null });
    expect(await eventsOf('post.created', 'postId', post.id)).toEqual([
      { postId: post.id, authorId: accountOf(actor)!.id, vendorId: null, mediaIds: [], body: 'Hello' },
    ]);
  });

  it.each<[Actor, Outcome]>([
    ['anonymous', 'UNAUTHENTICATED'],
    ['another user', 'FORBIDDEN'],
    ['author', 'ok'],
    ['admin', 'FORBIDDEN'],
  ])('createPost as a vendor, by %s: %s (only the vendor owner)', async (actor, expected) => {
    const vendorId = await vendorCopy(author.id);
    if (expected !== 'ok') {
      await expectRefused(expected, () => createPost(tokenOf(actor), { body: 'Open now', vendorId }));
      return;
    }
    const post = dataOf(await createPost(tokenOf(actor), { body: 'Open now', vendorId })).createPost;
    expect(post).toMatchObject({ vendor: { id: vendorId }, author: { id: author.id } });
    expect(await eventsOf('post.created', 'postId', post.id)).toEqual([
      { postId: post.id, authorId: author.id, vendorId, mediaIds: [], body: 'Open now' },
    ]);
  });

  it.each<[Actor, Outcome]>([
    ['anonymous', 'UNAUTHENTICATED'],
    ['another user', 'FORBIDDEN'],
    ['author', 'ok'],
    ['admin', 'FORBIDDEN'],
  ])('updatePost as %s: %s (the author only)', async (actor, expected) => {
    const id = await newPost();
    const update = () =>
      graphql(
        stack.gatewayUrl,
        `mutation ($id: ID!) { updatePost(id: $id, input: { body: "Edited" }) { ${POST_FIELDS} } }`,
        { id },
        { token: tokenOf(actor) },
      );
    if (expected !== 'ok') {
      await expectRefused(expected, update);
      return;
    }
    const post = dataOf(await update()).updatePost;
    expect(post).toMatchObject({ id, body: 'Edited' });
    expect(Date.parse(post.editedAt)).toBeGreaterThanOrEqual(Date.parse(post.createdAt));
    expect(await eventsOf('post.updated', 'postId', id)).toEqual([{ postId: id, authorId: author.id, body: 'Edited' }]);
  });

  it.each<[Actor, Outcome]>([
    ['anonymous', 'UNAUTHENTICATED'],
    ['another user', 'FORBIDDEN'],
    ['author', 'ok'],
    ['admin', 'ok'],
  ])('deletePost as %s: %s (the author or an admin)', async (actor, expected) => {
    const id = await newPost(author, { mediaIds: await readyMedia(author.id, 2) });
    await newComment(other, id);
    dataOf(await setLiked(other.accessToken, id, true));
    const remove = () =>
      graphql(stack.gatewayUrl, 'mutation ($id: ID!) { deletePost(id: $id) }', { id }, { token: tokenOf(actor) });
    if (expected !== 'ok') {
      await expectRefused(expected, remove);
      expect(await getPost(id)).not.toBeNull();
      return;
    }
    expect(dataOf(await remove()).deletePost).toBe(id);
    expect(await getPost(id)).toBeNull();
    // Its media list, likes and comments go with it.
    for (const table of ['post_media', 'post_like', 'comment']) {
      expect(await queryRows(stack.databases.post, `select 1 from ${table} where post_id = $1`, [id])).toEqual([]);
    }
    expect(await eventsOf('post.deleted', 'postId', id)).toEqual([{ postId: id, authorId: author.id }]);
  });

  it.each<[Actor, Outcome]>([
    ['anonymous', 'UNAUTHENTICATED'],
    ['another user', 'ok'],
    ['author', 'ok'],
    ['admin', 'ok'],
  ])('likePost as %s: %s (any signed-in user)', async (actor, expected) => {
    const id = await newPost();
    if (expected !== 'ok') {
      await expectRefused(expected, () => setLiked(tokenOf(actor), id, true));
      return;
    }
    expect(dataOf(await setLiked(tokenOf(actor), id, true)).result).toEqual({
      id,
      likeCount: 1,
      viewerHasLiked: true,
    });
    expect(await eventsOf('post.liked', 'postId', id)).toEqual([
      { postId: id, userId: accountOf(actor)!.id, authorId: author.id },
    ]);
  });

  it.each<[Actor, Outcome]>([
    ['anonymous', 'UNAUTHENTICATED'],
    ['another user', 'ok'],
    ['author', 'ok'],
    ['admin', 'ok'],
  ])('unlikePost as %s: %s (any signed-in user, their own like)', async (actor, expected) => {
    const id = await newPost();
    dataOf(await setLiked(other.accessToken, id, true));
    if (expected !== 'ok') {
      await expectRefused(expected, () => setLiked(tokenOf(actor), id, false));
      return;
    }
    dataOf(await setLiked(tokenOf(actor), id, true));
    const likesBefore = actor === 'another user' ? 1 : 2;
    expect((await getPost(id)).likeCount).toBe(likesBefore);
    expect(dataOf(await setLiked(tokenOf(actor), id, false)).result).toEqual({
      id,
      likeCount: likesBefore - 1,
      viewerHasLiked: false,
    });
    expect(await eventsOf('post.unliked', 'postId', id)).toEqual([
      { postId: id, userId: accountOf(actor)!.id, authorId: author.id },
    ]);
  });

  it.each<[Actor, Outcome]>([
    ['anonymous', 'UNAUTHENTICATED'],
    ['another user', 'ok'],
    ['author', 'ok'],
    ['admin', 'ok'],
  ])('addComment as %s: %s (any signed-in user)', async (actor, expected) => {
    const postId = await newPost();
    if (expected !== 'ok') {
      await expectRefused(expected, () => addComment(tokenOf(actor), postId, 'Nice'));
      return;
    }
    const comment = dataOf(await addComment(tokenOf(actor), postId, ' Nice ')).addComment;
    expect(comment).toMatchObject({
      body: 'Nice',
      author: { id: accountOf(actor)!.id },
      post: { id: postId, commentCount: 1 },
    });
    expect(await eventsOf('comment.added', 'commentId', comment.id)).toEqual([
      { commentId: comment.id, postId, authorId: accountOf(actor)!.id, postAuthorId: author.id, participantIds: [] },
    ]);
  });

  describe('deleteComment', () => {
    let commenter: Account;
    let stranger: Account;
    beforeAll(async () => {
      commenter = await registerUser(stack.gatewayUrl, 'post_commenter');
      stranger = await registerUser(stack.gatewayUrl, 'post_stranger');
    });

    const remove = (token: string | undefined, id: string) =>
      graphql(stack.gatewayUrl, 'mutation ($id: ID!) { deleteComment(id: $id) }', { id }, { token });

    it.each<['anonymous' | 'a stranger' | 'the comment author' | 'the post author' | 'an admin', Outcome]>([
      ['anonymous', 'UNAUTHENTICATED'],
      ['a stranger', 'FORBIDDEN'],
      ['the comment author', 'ok'],
      ['the post author', 'ok'],
      ['an admin', 'ok'],
    ])('by %s: %s', async (who, expected) => {
      const postId = await newPost(author);
      const id = await newComment(commenter, postId);
      const token = {
        anonymous: undefined,
        'a stranger': stranger.accessToken,
        'the comment author': commenter.accessToken,
        'the post author': author.accessToken,
        'an admin': admin.accessToken,
      }[who];
      if (expected !== 'ok') {
        await expectRefused(expected, () => remove(token, id));
        expect((await getPost(postId)).commentCount).toBe(1);
        return;
      }
      expect(dataOf(await remove(token, id)).deleteComment).toBe(id);
      expect(await queryRows(stack.databases.post, 'select 1 from comment where id = $1', [id])).toEqual([]);
      expect((await getPost(postId)).commentCount).toBe(0);
      expect(await eventsOf('comment.deleted', 'commentId', id)).toEqual([
        { commentId: id, postId, authorId: commenter.id },
      ]);
    });

    it('answers NOT_FOUND for a comment that does not exist (or no longer does)', async () => {
      const id = await newComment(commenter, await newPost(author));
      dataOf(await remove(commenter.accessToken, id));
      await expectRefused('NOT_FOUND', () => remove(admin.accessToken, id));
      await expectRefused('BAD_USER_INPUT', () => remove(admin.accessToken, 'not-an-id'));
    });
  });
});

describe('createPost and updatePost checks', () => {
  it('attaches the author’s READY media in the given order and records their ids', async () => {
    const mediaIds = await readyMedia(author.id, 3);
    const ordered = [mediaIds[2]!, mediaIds[0]!, mediaIds[1]!];
    const post = dataOf(await createPost(author.accessToken, { body: 'Three photos', mediaIds: ordered })).createPost;
    expect(post.media).toEqual(ordered.map((id) => ({ id })));
    expect((await eventsOf('post.created', 'postId', post.id))[0]).toMatchObject({ mediaIds: ordered });
    expect(
      await queryRows(stack.databases.post, 'select media_id from post_media where post_id = $1 order by position', [
        post.id,
      ]),
    ).toEqual(ordered.map((id) => ({ media_id: id })));
  });

  it('refuses another user’s media with BAD_USER_INPUT naming it, and writes nothing', async () => {
    const [mine] = await readyMedia(author.id);
    const [theirs] = await readyMedia(other.id);
    const response = await expectRefused('BAD_USER_INPUT', () =>
      createPost(author.accessToken, { body: 'Not mine', mediaIds: [mine, theirs] }),
    );
    expect(errorOf(response)['fields']['mediaIds']).toContain(theirs);
    expect(errorOf(response)['fields']['mediaIds']).toContain('another user');
    expect(errorOf(response)['fields']['mediaIds']).not.toContain(mine);
  });

  it('refuses media that is not READY (never reported uploaded) or deleted, naming each, and writes nothing', async () => {
    const pending = randomUUID();
    const [deleted] = await readyMedia(author.id);
    await queryRows(stack.databases.post, 'update media_copy set deleted = true where media_id = $1', [deleted]);
    const response = await expectRefused('BAD_USER_INPUT', () =>
      createPost(author.accessToken, { body: 'Too early', mediaIds: [pending, deleted] }),
    );
    expect(errorOf(response)['fields']['mediaIds']).toContain(pending);
    expect(errorOf(response)['fields']['mediaIds']).toContain(deleted);
    expect(errorOf(response)['fields']['mediaIds']).toContain('not READY');
  });

  it('refuses 11 media, and the same media twice, and writes nothing', async () => {
    const eleven = await readyMedia(author.id, 11);
    const tooMany = await expectRefused('BAD_USER_INPUT', () =>
      createPost(author.accessToken, { body: 'Album', mediaIds: eleven }),
    );
    expect(errorOf(tooMany)['fields']).toEqual({ mediaIds: 'expected at most 10 media, got 11' });
    const twice = await expectRefused('BAD_USER_INPUT', () =>
      createPost(author.accessToken, { body: 'Album', mediaIds: [eleven[0], eleven[1], eleven[0]] }),
    );
    expect(errorOf(twice)['fields']['mediaIds']).toContain(`${eleven[0]} more than once`);
    // Ten is the limit, not over it.
    expect(
      dataOf(await createPost(author.accessToken, { body: 'Album', mediaIds: eleven.slice(0, 10) })).createPost.media,
    ).toHaveLength(10);
  });

  it('refuses a body of 5,001 characters (or only spaces), accepts 5,000, and names every bad field at once', async () => {
    const long = await expectRefused('BAD_USER_INPUT', () =>
      createPost(author.accessToken, { body: 'x'.repeat(5_001) }),
    );
    expect(errorOf(long)['fields']).toEqual({ body: 'expected 1 to 5,000 characters after trimming, got 5001' });
    await expectRefused('BAD_USER_INPUT', () => createPost(author.accessToken, { body: '   ' }));
    const both = await expectRefused('BAD_USER_INPUT', () =>
      createPost(author.accessToken, { body: '', mediaIds: [randomUUID()], vendorId: 'nope' }),
    );
    expect(Object.keys(errorOf(both)['fields']).sort()).toEqual(['body', 'mediaIds', 'vendorId']);
    const post = dataOf(await createPost(author.accessToken, { body: 'y'.repeat(5_000) })).createPost;
    expect(post.body).toHaveLength(5_000);
  });

  it('refuses a vendor the author does not own (FORBIDDEN) or that does not exist or was deleted (NOT_FOUND)', async () => {
    const theirs = await vendorCopy(other.id);
    const forbidden = await expectRefused('FORBIDDEN', () =>
      createPost(author.accessToken, { body: 'As someone else', vendorId: theirs }),
    );
    expect(forbidden.errors?.[0]?.message).toContain('owner');
    await expectRefused('NOT_FOUND', () => createPost(author.accessToken, { body: 'Ghost', vendorId: randomUUID() }));
    const gone = await vendorCopy(author.id);
    await queryRows(stack.databases.post, 'update vendor_copy set deleted = true where vendor_id = $1', [gone]);
    await expectRefused('NOT_FOUND', () => createPost(author.accessToken, { body: 'Closed for good', vendorId: gone }));
  });

  it('updatePost replaces the body and media, sets editedAt, and checks like createPost', async () => {
    const [first, second] = await readyMedia(author.id, 2);
    const id = await newPost(author, { mediaIds: [first] });
    const update = (input: Record<string, unknown>) =>
      graphql(
        stack.gatewayUrl,
        `mutation ($id: ID!, $input: UpdatePostInput!) { updatePost(id: $id, input: $input) { ${POST_FIELDS} } }`,
        { id, input },
        { token: author.accessToken },
      );
    const [theirs] = await readyMedia(other.id);
    const refused = await expectRefused('BAD_USER_INPUT', () =>
      update({ body: 'z'.repeat(5_001), mediaIds: [theirs] }),
    );
    expect(Object.keys(errorOf(refused)['fields']).sort()).toEqual(['body', 'mediaIds']);
    await expectRefused('BAD_USER_INPUT', () => update({}));
    await expectRefused('BAD_USER_INPUT', () => update({ body: null }));

    const edited = dataOf(await update({ mediaIds: [second, first] })).updatePost;
    expect(edited).toMatchObject({ body: 'Fresh bread today', media: [{ id: second }, { id: first }] });
    expect(edited.editedAt).not.toBeNull();
    const cleared = dataOf(await update({ body: 'No photos', mediaIds: [] })).updatePost;
    expect(cleared).toMatchObject({ body: 'No photos', media: [] });
    expect(await eventsOf('post.updated', 'postId', id)).toHaveLength(2);
    await expectRefused('NOT_FOUND', () =>
      graphql(
        stack.gatewayUrl,
        'mutation ($id: ID!) { updatePost(id: $id, input: { body: "x" }) { id } }',
        { id: randomUUID() },
        { token: author.accessToken },
      ),
    );
  });
});

describe('likes', () => {
  it('like and unlike are idempotent: one row and one event each way, counts and viewerHasLiked follow', async () => {
    const id = await newPost();
    const likes = () => queryRows(stack.databases.post, 'select user_id from post_like where post_id = $1', [id]);
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(dataOf(await setLiked(other.accessToken, id, true)).result).toEqual({
        id,
        likeCount: 1,
        viewerHasLiked: true,
      });
    }
    expect(await likes()).toEqual([{ user_id: other.id }]);
    expect(await eventsOf('post.liked', 'postId', id)).toHaveLength(1);
    dataOf(await setLiked(admin.accessToken, id, true));
    expect(await getPost(id, other.accessToken)).toMatchObject({ likeCount: 2, viewerHasLiked: true });
    expect(await getPost(id, author.accessToken)).toMatchObject({ likeCount: 2, viewerHasLiked: false });
    expect(await getPost(id)).toMatchObject({ likeCount: 2, viewerHasLiked: false });

    for (let attempt = 0; attempt < 2; attempt++) {
      expect(dataOf(await setLiked(other.accessToken, id, false)).result).toEqual({
        id,
        likeCount: 1,
        viewerHasLiked: false,
      });
    }
    expect(await likes()).toEqual([{ user_id: admin.id }]);
    expect(await eventsOf('post.unliked', 'postId', id)).toHaveLength(1);
    // Unliking a post never liked changes nothing either.
    const before = await postSnapshot();
    expect(dataOf(await setLiked(author.accessToken, id, false)).result.likeCount).toBe(1);
    expect(await postSnapshot()).toEqual(before);
  });

  it('answers NOT_FOUND for a post that does not exist, writing nothing', async () => {
    await expectRefused('NOT_FOUND', () => setLiked(other.accessToken, randomUUID(), true));
    await expectRefused('NOT_FOUND', () => setLiked(other.accessToken, randomUUID(), false));
    await expectRefused('BAD_USER_INPUT', () => setLiked(other.accessToken, 'nope', true));
  });
});

describe('comments', () => {
  it('refuses a comment of 2,001 characters (or only spaces) and writes nothing; accepts 2,000', async () => {
    const postId = await newPost();
    const long = await expectRefused('BAD_USER_INPUT', () => addComment(other.accessToken, postId, 'c'.repeat(2_001)));
    expect(errorOf(long)['fields']).toEqual({ body: 'expected 1 to 2,000 characters after trimming, got 2001' });
    await expectRefused('BAD_USER_INPUT', () => addComment(other.accessToken, postId, '  '));
    await expectRefused('NOT_FOUND', () => addComment(other.accessToken, randomUUID(), 'Hello?'));
    expect(dataOf(await addComment(other.accessToken, postId, 'c'.repeat(2_000))).addComment.body).toHaveLength(2_000);
  });

  it('lists a post’s comments oldest first, page by page', async () => {
    const postId = await newPost();
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) ids.push(await newComment(index % 2 ? other : author, postId, `#${index}`));
    const page = async (after: string | null) =>
      dataOf(
        await graphql(
          stack.gatewayUrl,
          `
            query ($id: ID!, $after: String) {
              post(id: $id) {
                commentCount
                comments(first: 2, after: $after) {
                  edges {
                    cursor
                    node {
                      id
                      body
                      author {
                        id
                        username
                      }
                      post {
                        id
                      }
                    }
                  }
                  pageInfo {
                    hasNextPage
                    endCursor
                  }
                }
              }
            }
          `,
          { id: postId, after },
        ),
      ).post;
    const seen: string[] = [];
    let after: string | null = null;
    const hasNext: boolean[] = [];
    do {
      const post: any = await page(after);
      expect(post.commentCount).toBe(5);
      for (const { node } of post.comments.edges) {
        expect(node.post.id).toBe(postId);
        seen.push(node.id);
      }
      hasNext.push(post.comments.pageInfo.hasNextPage);
      after = post.comments.pageInfo.hasNextPage ? post.comments.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(ids);
    expect(hasNext).toEqual([true, true, false]);
    const bad = await graphql(stack.gatewayUrl, '{ post(id: "00000000-0000-0000-0000-000000000000") { id } }');
    expect(dataOf(bad).post).toBeNull();
  });
});

describe('User.posts and Vendor.posts', () => {
  it('lists a user’s posts newest first, page by page, and nobody else’s', async () => {
    const writer = await registerUser(stack.gatewayUrl, 'post_writer');
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      ids.push(await newPost(writer, { body: `Post ${index}` }));
      await newPost(other, { body: `Noise ${index}` });
    }
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const { user }: any = dataOf(
        await graphql(
          stack.gatewayUrl,
          `
            query ($id: ID!, $after: String) {
              user(id: $id) {
                posts(first: 2, after: $after) {
                  edges {
                    node {
                      id
                      author {
                        username
                      }
                    }
                  }
                  pageInfo {
                    hasNextPage
                    endCursor
                  }
                }
              }
            }
          `,
          { id: writer.id, after },
        ),
      );
      for (const { node } of user.posts.edges) {
        expect(node.author.username).toBe(writer.username);
        seen.push(node.id);
      }
      after = user.posts.pageInfo.hasNextPage ? user.posts.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual([...ids].reverse());
    const badCursor = await graphql(
      stack.gatewayUrl,
      'query ($id: ID!) { user(id: $id) { posts(after: "x") { edges { cursor } } } }',
      {
        id: writer.id,
      },
    );
    expect(errorOf(badCursor)['code']).toBe('BAD_USER_INPUT');
  });

  it('goes through the real event path: a vendor created at the vendor subgraph reaches the post copy, then Vendor.posts lists its posts', async () => {
    const owner = await registerUser(stack.gatewayUrl, 'post_vendor_owner');
    const vendorId: string = dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation { createVendor(input: { name: "Posting Pies", category: FOOD_TRUCK }) { id } }',
        {},
        { token: owner.accessToken },
      ),
    ).createVendor.id;
    await waitFor('the post subgraph’s copy of the vendor', async () => {
      const [copy] = await queryRows(
        stack.databases.post,
        'select owner_id, deleted from vendor_copy where vendor_id = $1',
        [vendorId],
      );
      return copy?.['owner_id'] === owner.id && copy['deleted'] === false;
    });
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) ids.push(await newPost(owner, { body: `Pie ${index}`, vendorId }));
    await newPost(owner, { body: 'Personal' });
    // Not the owner: FORBIDDEN, even though the vendor is real.
    await expectRefused('FORBIDDEN', () => createPost(other.accessToken, { body: 'Mine now', vendorId }));

    const vendorPosts = async (after: string | null = null) =>
      dataOf(
        await graphql(
          stack.gatewayUrl,
          `
            query ($id: ID!, $after: String) {
              vendor(id: $id) {
                name
                posts(first: 2, after: $after) {
                  edges {
                    node {
                      id
                      vendor {
                        id
                        name
                      }
                      author {
                        username
                      }
                    }
                  }
                  pageInfo {
                    hasNextPage
                    endCursor
                  }
                }
              }
            }
          `,
          { id: vendorId, after },
        ),
      ).vendor;
    const first = await vendorPosts();
    expect(first.posts.edges.map(({ node }: any) => node.id)).toEqual([ids[2], ids[1]]);
    expect(first.posts.edges[0].node).toMatchObject({
      vendor: { id: vendorId, name: 'Posting Pies' },
      author: { username: owner.username },
    });
    expect(first.posts.pageInfo.hasNextPage).toBe(true);
    const second = await vendorPosts(first.posts.pageInfo.endCursor);
    expect(second.posts.edges.map(({ node }: any) => node.id)).toEqual([ids[0]]);
    expect(second.posts.pageInfo.hasNextPage).toBe(false);

    // The deletion arrives as a tombstone: the posts stay (as the author's), without the vendor.
    dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($id: ID!) { deleteVendor(id: $id) }',
        { id: vendorId },
        { token: owner.accessToken },
      ),
    );
    await waitFor(
      'the vendor tombstone in the post copy',
      async () =>
        (
          await queryRows(stack.databases.post, 'select deleted from vendor_copy where vendor_id = $1', [vendorId])
        )[0]?.['deleted'] === true,
    );
    expect((await getPost(ids[0]!)).vendor).toBeNull();
    await expectRefused('NOT_FOUND', () => createPost(owner.accessToken, { body: 'Still here?', vendorId }));
  });
});

describe('the media copy, fed by media events', () => {
  let queue: Queue;
  beforeAll(() => {
    queue = new Queue('post.media-copy', queueOptions(stack.eventBus, 'post.media-copy'));
  });
  afterAll(async () => {
    await queue?.close();
  });

  /** Queues an event as the media subgraph's relay would (event id as job id), for the real consumer. */
  async function deliver(
    name: 'media.uploaded' | 'media.deleted',
    mediaId: string,
    occurredAt: Date,
    id = randomUUID(),
  ) {
    const payload =
      name === 'media.uploaded'
        ? { mediaId, ownerId: author.id, contentType: 'image/png', byteSize: 1_024, width: 64, height: 48 }
        : { mediaId, ownerId: author.id };
    await queue.add(name, { id, name, payload, occurredAt: occurredAt.toISOString() }, { jobId: id });
    return id;
  }
  const copyOf = async (mediaId: string) =>
    (
      await queryRows(stack.databases.post, 'select owner_id, deleted, version from media_copy where media_id = $1', [
        mediaId,
      ])
    )[0];

  it('makes uploaded media attachable; a deletion removes it from posts and a late or repeated upload cannot revive it', async () => {
    const mediaId = randomUUID();
    const uploadedAt = new Date(Date.now() - 60_000);
    const uploadEvent = await deliver('media.uploaded', mediaId, uploadedAt);
    await waitFor('the media copy', async () => (await copyOf(mediaId))?.['deleted'] === false);
    const [kept] = await readyMedia(author.id);
    const postId = await newPost(author, { mediaIds: [mediaId, kept] });
    expect((await getPost(postId)).media).toEqual([{ id: mediaId }, { id: kept }]);

    await deliver('media.deleted', mediaId, new Date(uploadedAt.getTime() + 1_000));
    await waitFor('the media tombstone', async () => (await copyOf(mediaId))?.['deleted'] === true);
    expect((await getPost(postId)).media).toEqual([{ id: kept }]);

    // An upload event delivered late (older) or again (same event id, then a new id at the same time) changes nothing.
    await deliver('media.uploaded', mediaId, uploadedAt);
    await deliver('media.uploaded', mediaId, uploadedAt, uploadEvent);
    const marker = randomUUID();
    await deliver('media.uploaded', marker, new Date());
    await waitFor('the later events to be consumed', async () => (await copyOf(marker)) !== undefined);
    expect(await copyOf(mediaId)).toMatchObject({ deleted: true });
    await expectRefused('BAD_USER_INPUT', () =>
      createPost(author.accessToken, { body: 'Revived?', mediaIds: [mediaId] }),
    );
  });

  it('keeps a tombstone when the deletion arrives before the upload', async () => {
    const mediaId = randomUUID();
    await deliver('media.deleted', mediaId, new Date());
    await waitFor('the media tombstone', async () => (await copyOf(mediaId))?.['deleted'] === true);
    await deliver('media.uploaded', mediaId, new Date(Date.now() - 5_000));
    const marker = randomUUID();
    await deliver('media.uploaded', marker, new Date());
    await waitFor('the later events to be consumed', async () => (await copyOf(marker)) !== undefined);
    expect(await copyOf(mediaId)).toMatchObject({ deleted: true });
  });
});

describe('no N+1', () => {
  const POST_NODE = 'likeCount commentCount viewerHasLiked author { username } media { id }';

  /**
   * Writes `count` posts of `authorIds` (round robin, optionally as `vendorIds`) straight into the post
   * database, each with two media, likes by `likers` (the first liker on every other post) and a comment.
   */
  async function seedPosts(authorIds: string[], count: number, likers: string[], vendorIds?: string[]) {
    const db = stack.databases.post;
    const posts = Array.from({ length: count }, (_, index) => ({
      id: randomUUID(),
      authorId: authorIds[index % authorIds.length]!,
      vendorId: vendorIds ? vendorIds[index % vendorIds.length]! : null,
      createdAt: new Date(Date.now() - index * 1_000),
      media: [randomUUID(), randomUUID()],
    }));
    await queryRows(
      db,
      `insert into post (id, author_id, vendor_id, body, created_at)
       select id, author_id, vendor_id, 'Seeded', created_at
       from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[]) as t (id, author_id, vendor_id, created_at)`,
      [
        posts.map((p) => p.id),
        posts.map((p) => p.authorId),
        posts.map((p) => p.vendorId),
        posts.map((p) => p.createdAt),
      ],
    );
    const media = posts.flatMap((p) =>
      p.media.map((mediaId, position) => ({ postId: p.id, ownerId: p.authorId, mediaId, position })),
    );
    await queryRows(
      db,
      `insert into media_copy (media_id, owner_id, deleted, version) select media_id, owner_id, false, now()
       from unnest($1::uuid[], $2::uuid[]) as t (media_id, owner_id)`,
      [media.map((m) => m.mediaId), media.map((m) => m.ownerId)],
    );
    await queryRows(
      db,
      `insert into post_media (post_id, position, media_id) select * from unnest($1::uuid[], $2::smallint[], $3::uuid[])`,
      [media.map((m) => m.postId), media.map((m) => m.position), media.map((m) => m.mediaId)],
    );
    const likes = posts.flatMap((p, index) =>
      (index % 2 === 0 ? likers : likers.slice(1)).map((userId) => ({ postId: p.id, userId })),
    );
    await queryRows(
      db,
      `insert into post_like (post_id, user_id, created_at) select post_id, user_id, now()
       from unnest($1::uuid[], $2::uuid[]) as t (post_id, user_id)`,
      [likes.map((l) => l.postId), likes.map((l) => l.userId)],
    );
    await queryRows(
      db,
      `insert into comment (id, post_id, author_id, body, created_at)
       select gen_random_uuid(), post_id, $2, 'Seeded comment', now() from unnest($1::uuid[]) as post_id`,
      [posts.map((p) => p.id), likers[0]],
    );
    return posts;
  }

  async function measure(query: string, variables: Record<string, unknown>, token: string) {
    stack.resetCounters();
    const data = dataOf(await graphql(stack.gatewayUrl, query, variables, { token }));
    return { data, statements: requestStatements(stack.sql.post) };
  }

  /** One grouped statement per batch: the page, like counts, the viewer's likes, comment counts, media lists. */
  const expected = { post: 1, post_like: 2, comment: 1, post_media: 1 };

  it('User.posts: 10 and 50 posts cost the same few statements, one per batch', async () => {
    const liker = await registerUser(stack.gatewayUrl, 'post_count_liker');
    const results = [];
    for (const count of [10, 50]) {
      const writer = await registerUser(stack.gatewayUrl, `post_count_${count}`);
      await seedPosts([writer.id], count, [liker.id, other.id]);
      const { data, statements } = await measure(
        `query ($id: ID!, $first: Int!) { user(id: $id) { posts(first: $first) { edges { node { ${POST_NODE} } } } } }`,
        { id: writer.id, first: count },
        liker.accessToken,
      );
      const nodes = data.user.posts.edges.map(({ node }: any) => node);
      expect(nodes).toHaveLength(count);
      expect(nodes[0]).toMatchObject({
        likeCount: 2,
        commentCount: 1,
        viewerHasLiked: true,
        author: { username: writer.username },
      });
      expect(nodes[1]).toMatchObject({ likeCount: 1, commentCount: 1, viewerHasLiked: false });
      expect(nodes.every((node: any) => node.media.length === 2)).toBe(true);
      results.push(statements);
    }
    expect(results[0]).toEqual(expected);
    expect(results[1]).toEqual(expected);
  });

  it('Vendor.posts of several vendors and authors: 10 and 50 posts cost the same statements', async () => {
    const liker = await registerUser(stack.gatewayUrl, 'post_count_vliker');
    const results = [];
    for (const count of [10, 50]) {
      const tag = `Counted${count}`;
      const owners: Account[] = [];
      const vendorIds: string[] = [];
      for (let index = 0; index < 5; index++) {
        const owner = await registerUser(stack.gatewayUrl, `post_vowner_${count}_${index}`);
        owners.push(owner);
        vendorIds.push(
          dataOf(
            await graphql(
              stack.gatewayUrl,
              'mutation ($name: String!) { createVendor(input: { name: $name, category: CAFE }) { id } }',
              { name: `${tag} ${index}` },
              { token: owner.accessToken },
            ),
          ).createVendor.id,
        );
      }
      // Wait for the copies, so that the consumer's statements do not land inside the measurement.
      await waitFor(
        'the post copies of the vendors',
        async () =>
          (
            await queryRows(stack.databases.post, 'select 1 from vendor_copy where vendor_id = any($1::uuid[])', [
              vendorIds,
            ])
          ).length === vendorIds.length,
      );
      await seedPosts(
        owners.map((owner) => owner.id),
        count,
        [liker.id, other.id],
        vendorIds,
      );
      const { data, statements } = await measure(
        `query ($search: String!, $first: Int!) { vendors(first: 5, filter: { search: $search }) { edges { node { id
          posts(first: $first) { edges { node { ${POST_NODE} } } } } } } }`,
        { search: tag, first: count / 5 },
        liker.accessToken,
      );
      const vendors = data.vendors.edges.map(({ node }: any) => node);
      expect(vendors).toHaveLength(5);
      const authors = new Set<string>();
      let total = 0;
      for (const vendor of vendors) {
        total += vendor.posts.edges.length;
        for (const { node } of vendor.posts.edges) authors.add(node.author.username);
      }
      expect(total).toBe(count);
      expect(authors.size).toBe(5);
      results.push(statements);
    }
    expect(results[0]).toEqual(expected);
    expect(results[1]).toEqual(expected);
  });
});
