/**
 * The feed through the gateway: the viewer's own posts and those of the users and vendors they follow, from
 * the post subgraph's copy of the follows (fed by the workers); keyset cursors; statements per page; the copy's
 * handler applied twice and out of order.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWorkerModule } from '@curbside/post-subgraph';
import type { EventEnvelope } from '@curbside/events';
import { createLogger } from '@curbside/service';
import { openOrm, type Orm } from '@curbside/subgraph-kit';
import {
  createPost,
  createVendorSeenByPost,
  dataOf,
  graphql,
  queryRows,
  registerUser,
  setFollowingUser,
  setFollowingVendor,
  startStack,
  waitFor,
  waitForFollowCopy,
  type Account,
  type GraphQLResponse,
  type SqlRecorder,
  type TestStack,
} from './index.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const FEED = `query ($first: Int!, $after: String) {
  feed(first: $first, after: $after) {
    edges { cursor node { id body author { username } vendor { name } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

function feed(token: string | undefined, first = 20, after?: string): Promise<GraphQLResponse> {
  return graphql(stack.gatewayUrl, FEED, { first, after }, { token });
}

async function feedIds(account: Account, first = 20, after?: string): Promise<string[]> {
  return dataOf(await feed(account.accessToken, first, after)).feed.edges.map(({ node }: any) => node.id);
}

const codeOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.['code'];

const follow = (follower: Account, followee: Account, following = true) =>
  setFollowingUser(stack, follower.accessToken, followee.id, following);

/** Percentile of samples (nearest rank). */
function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('feed', () => {
  it('is for signed-in viewers only; first is 1 to 100 and after a cursor of this connection', async () => {
    const viewer = await registerUser(stack.gatewayUrl, 'feed_rules');
    expect(codeOf(await feed(undefined))).toBe('UNAUTHENTICATED');
    for (const first of [0, 101, -1]) {
      const response = await feed(viewer.accessToken, first);
      expect(codeOf(response)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.extensions?.['fields']).toHaveProperty('first');
    }
    expect(codeOf(await feed(viewer.accessToken, 10, 'not-a-cursor'))).toBe('BAD_USER_INPUT');
    expect(dataOf(await feed(viewer.accessToken, 100)).feed).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, endCursor: null },
    });
  });

  it("lists the viewer's own posts and those of the users and vendors they follow, newest first", async () => {
    const viewer = await registerUser(stack.gatewayUrl, 'feed_viewer');
    const friend = await registerUser(stack.gatewayUrl, 'feed_friend');
    const owner = await registerUser(stack.gatewayUrl, 'feed_owner');
    const stranger = await registerUser(stack.gatewayUrl, 'feed_stranger');
    const vendorId = await createVendorSeenByPost(stack, owner.accessToken, 'Feed Tacos');

    const friendsOld = await createPost(stack, friend.accessToken, 'Posted before the follow');
    await createPost(stack, stranger.accessToken, 'Not followed');
    await createPost(stack, owner.accessToken, 'A personal post of the owner: the viewer follows the vendor only');
    const asVendor = await createPost(stack, owner.accessToken, 'Tacos at noon', vendorId);
    const own = await createPost(stack, viewer.accessToken, 'My own post');

    await follow(viewer, friend);
    await setFollowingVendor(stack, viewer.accessToken, vendorId);
    await waitForFollowCopy(stack, viewer.id, { userId: friend.id });
    await waitForFollowCopy(stack, viewer.id, { vendorId });
    const friendsNew = await createPost(stack, friend.accessToken, 'Posted after the follow');

    const { edges, pageInfo } = dataOf(await feed(viewer.accessToken)).feed;
    expect(edges.map(({ node }: any) => node)).toEqual([
      { id: friendsNew, body: 'Posted after the follow', author: { username: 'feed_friend' }, vendor: null },
      { id: own, body: 'My own post', author: { username: 'feed_viewer' }, vendor: null },
      { id: asVendor, body: 'Tacos at noon', author: { username: 'feed_owner' }, vendor: { name: 'Feed Tacos' } },
      { id: friendsOld, body: 'Posted before the follow', author: { username: 'feed_friend' }, vendor: null },
    ]);
    expect(pageInfo).toEqual({ hasNextPage: false, endCursor: edges[3].cursor });

    // A post reached both through its author and through its vendor is listed once.
    await follow(viewer, owner);
    await waitForFollowCopy(stack, viewer.id, { userId: owner.id });
    const ids = await feedIds(viewer);
    expect(ids.filter((id) => id === asVendor)).toHaveLength(1);
    expect(ids).toHaveLength(5);

    // Unfollowed sources leave the feed once the copy has the unfollow.
    await follow(viewer, friend, false);
    await follow(viewer, owner, false);
    await setFollowingVendor(stack, viewer.accessToken, vendorId, false);
    await waitForFollowCopy(stack, viewer.id, { userId: friend.id }, false);
    await waitForFollowCopy(stack, viewer.id, { userId: owner.id }, false);
    await waitForFollowCopy(stack, viewer.id, { vendorId }, false);
    expect(await feedIds(viewer)).toEqual([own]);
  });

  it('keeps cursors stable while new posts arrive: they appear on top, never inside the next pages', async () => {
    const reader = await registerUser(stack.gatewayUrl, 'feed_reader');
    const writer = await registerUser(stack.gatewayUrl, 'feed_writer');
    await follow(reader, writer);
    await waitForFollowCopy(stack, reader.id, { userId: writer.id });
    const older: string[] = [];
    for (let index = 1; index <= 5; index++)
      older.unshift(await createPost(stack, writer.accessToken, `Post ${index}`));

    const first = dataOf(await feed(reader.accessToken, 2)).feed;
    expect(first.edges.map(({ node }: any) => node.id)).toEqual(older.slice(0, 2));
    expect(first.pageInfo.hasNextPage).toBe(true);

    const newer = [
      await createPost(stack, writer.accessToken, 'Post 6'),
      await createPost(stack, writer.accessToken, 'Post 7'),
    ];
    const second = dataOf(await feed(reader.accessToken, 2, first.pageInfo.endCursor)).feed;
    expect(second.edges.map(({ node }: any) => node.id)).toEqual(older.slice(2, 4));
    const third = dataOf(await feed(reader.accessToken, 2, second.pageInfo.endCursor)).feed;
    expect(third.edges.map(({ node }: any) => node.id)).toEqual(older.slice(4));
    expect(third.pageInfo.hasNextPage).toBe(false);

    expect(await feedIds(reader, 3)).toEqual([newer[1], newer[0], older[0]]);
  });

  it("stops following a closed account's follows, both ways, once its closure arrives", async () => {
    const reader = await registerUser(stack.gatewayUrl, 'feed_close_reader');
    const leaving = await registerUser(stack.gatewayUrl, 'feed_close_leaving');
    await follow(reader, leaving);
    await follow(leaving, reader);
    await waitForFollowCopy(stack, reader.id, { userId: leaving.id });
    await waitForFollowCopy(stack, leaving.id, { userId: reader.id });
    await createPost(stack, leaving.accessToken, 'Goodbye');
    expect(await feedIds(reader)).toHaveLength(1);

    dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($password: String!) { deleteAccount(password: $password) }',
        { password: leaving.password },
        { token: leaving.accessToken },
      ),
    );
    await waitFor('the closure in the post copy', async () => {
      const rows = await queryRows(
        stack.databases.post,
        'select 1 from user_follow_copy where follower_id = $1 or followee_id = $1',
        [leaving.id],
      );
      return rows.length === 0;
    });
    expect(await feedIds(reader)).toEqual([]);
  });

  it('puts a new post in the feed at once, and a new follow within 1 s (p95)', async () => {
    const samples = 20;
    const reader = await registerUser(stack.gatewayUrl, 'feed_latency_reader');
    const writers: Account[] = [];
    const firstPosts: string[] = [];
    for (let index = 0; index < samples; index++) {
      const writer = await registerUser(stack.gatewayUrl, `feed_latency_writer_${index}`);
      writers.push(writer);
      firstPosts.push(await createPost(stack, writer.accessToken, `Before the follow ${index}`));
    }
    /** Milliseconds from `start` until the reader's feed (first page) shows `postId`, polling every 10 ms. */
    async function untilInFeed(postId: string, start: number): Promise<number> {
      for (;;) {
        if ((await feedIds(reader, 100)).includes(postId)) return Date.now() - start;
        if (Date.now() - start > 10_000) throw new Error(`post ${postId} never reached the feed`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    const followToFeed: number[] = [];
    const postToFeed: number[] = [];
    for (let index = 0; index < samples; index++) {
      const writer = writers[index]!;
      const followedAt = Date.now();
      await follow(reader, writer);
      followToFeed.push(await untilInFeed(firstPosts[index]!, followedAt));
      const postedAt = Date.now();
      const postId = await createPost(stack, writer.accessToken, `After the follow ${index}`);
      postToFeed.push(await untilInFeed(postId, postedAt));
    }
    const report = (samplesMs: number[]) => ({ p50: percentile(samplesMs, 50), p95: percentile(samplesMs, 95) });
    console.log(
      `feed latency over ${samples} samples (ms): follow -> in feed ${JSON.stringify(report(followToFeed))}; ` +
        `createPost -> in followers' feed ${JSON.stringify(report(postToFeed))}`,
    );
    expect(percentile(followToFeed, 95)).toBeLessThan(1_000);
    expect(percentile(postToFeed, 95)).toBeLessThan(1_000);
  });
});

describe('feed statements', () => {
  /** Statements per table sent while answering (the relay's background sweeps of outbox_event left out). */
  function requestStatements(recorder: SqlRecorder): Record<string, number> {
    const { outbox_event: _relaySweeps, ...counts } = recorder.countByTable();
    return counts;
  }

  /** Writes `count` posts of `authorIds` (round robin; as `vendorIds` on every other one) straight into the database. */
  async function seedPosts(authorIds: string[], vendorIds: string[], count: number, liker: string): Promise<void> {
    const posts = Array.from({ length: count }, (_, index) => ({
      id: randomUUID(),
      authorId: authorIds[index % authorIds.length]!,
      vendorId: index % 2 === 0 ? vendorIds[index % vendorIds.length]! : null,
      createdAt: new Date(Date.now() - index * 1_000),
    }));
    await queryRows(
      stack.databases.post,
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
    await queryRows(
      stack.databases.post,
      `insert into post_like (post_id, user_id, created_at) select id, $2, now() from unnest($1::uuid[]) as id`,
      [posts.filter((_, index) => index % 3 === 0).map((p) => p.id), liker],
    );
  }

  it('costs the same few statements, one per batch, for 10 and 50 posts', async () => {
    const results: Record<string, number>[] = [];
    for (const count of [10, 50]) {
      const reader = await registerUser(stack.gatewayUrl, `feed_count_reader_${count}`);
      const authors: Account[] = [];
      const vendorIds: string[] = [];
      for (let index = 0; index < 3; index++) {
        const author = await registerUser(stack.gatewayUrl, `feed_count_${count}_${index}`);
        authors.push(author);
        vendorIds.push(await createVendorSeenByPost(stack, author.accessToken, `Counted ${count} ${index}`));
        await follow(reader, author);
        await setFollowingVendor(stack, reader.accessToken, vendorIds[index]!);
      }
      for (const [index, author] of authors.entries()) {
        await waitForFollowCopy(stack, reader.id, { userId: author.id });
        await waitForFollowCopy(stack, reader.id, { vendorId: vendorIds[index]! });
      }
      await seedPosts(
        authors.map((author) => author.id),
        vendorIds,
        count,
        reader.id,
      );
      stack.resetCounters();
      const data = dataOf(
        await graphql(
          stack.gatewayUrl,
          `
            query ($first: Int!) {
              feed(first: $first) {
                edges {
                  node {
                    id
                    likeCount
                    commentCount
                    viewerHasLiked
                    media {
                      id
                    }
                    author {
                      username
                    }
                    vendor {
                      name
                    }
                  }
                }
              }
            }
          `,
          { first: count },
          { token: reader.accessToken },
        ),
      );
      const nodes = data.feed.edges.map(({ node }: any) => node);
      expect(nodes).toHaveLength(count);
      expect(nodes[0]).toMatchObject({ likeCount: 1, viewerHasLiked: true, vendor: { name: `Counted ${count} 0` } });
      expect(nodes[1]).toMatchObject({ likeCount: 0, viewerHasLiked: false, vendor: null });
      results.push(requestStatements(stack.sql.post));
    }
    // The page (read from the follow copies), like counts, the viewer's likes, comment counts, media lists.
    const expected = { user_follow_copy: 1, post_like: 2, comment: 1, post_media: 1 };
    expect(results).toEqual([expected, expected]);
  });
});

describe('the follow copy handler', () => {
  let orm: Orm;
  let handle: (event: EventEnvelope) => Promise<void>;

  beforeAll(async () => {
    orm = await openOrm({
      databaseUrl: stack.databases.post,
      entities: postWorkerModule.entities,
      migrations: postWorkerModule.migrations,
      migrationMode: 'await',
    });
    const [handler] = postWorkerModule.handlers({
      orm,
      logger: createLogger('feed-test', 'silent'),
      redis: stack.redis,
      pubsub: stack.pubsub,
      mediaStore: stack.mediaStore,
    });
    expect(handler?.queue).toBe('post.follow-copy');
    handle = handler!.handle as (event: EventEnvelope) => Promise<void>;
  });
  afterAll(async () => {
    await orm?.close();
  });

  const at = (seconds: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, seconds)).toISOString();
  const envelope = (name: EventEnvelope['name'], payload: Record<string, string>, occurredAt: string) =>
    ({ id: randomUUID(), name, payload, occurredAt }) as EventEnvelope;

  async function copies(userId: string) {
    return {
      users: await queryRows(
        stack.databases.post,
        `select follower_id, followee_id, following, version from user_follow_copy
         where follower_id = $1 or followee_id = $1 order by follower_id, followee_id`,
        [userId],
      ),
      vendors: await queryRows(
        stack.databases.post,
        'select user_id, vendor_id, following, version from vendor_follow_copy where user_id = $1 order by vendor_id',
        [userId],
      ),
    };
  }

  /** Handles `event` twice, as a redelivery would: the second time changes nothing. */
  async function handleTwice(event: EventEnvelope, userId: string): Promise<void> {
    await handle(event);
    const once = await copies(userId);
    await handle(event);
    expect(await copies(userId)).toEqual(once);
  }

  it('is idempotent: the same event handled twice changes nothing', async () => {
    const [followerId, followeeId, vendorId] = [randomUUID(), randomUUID(), randomUUID()];
    await handleTwice(envelope('user.followed', { followerId, followeeId }, at(1)), followerId);
    await handleTwice(envelope('vendor.followed', { userId: followerId, vendorId }, at(1)), followerId);
    expect(await copies(followerId)).toEqual({
      users: [{ follower_id: followerId, followee_id: followeeId, following: true, version: new Date(at(1)) }],
      vendors: [{ user_id: followerId, vendor_id: vendorId, following: true, version: new Date(at(1)) }],
    });
    await handleTwice(envelope('user.unfollowed', { followerId, followeeId }, at(2)), followerId);
    await handleTwice(envelope('vendor.unfollowed', { userId: followerId, vendorId }, at(2)), followerId);
    const { users, vendors } = await copies(followerId);
    expect([users[0]?.['following'], vendors[0]?.['following']]).toEqual([false, false]);
  });

  it('keeps the newest state: a follow delivered after a newer unfollow changes nothing', async () => {
    const [followerId, followeeId, vendorId] = [randomUUID(), randomUUID(), randomUUID()];
    await handle(envelope('user.unfollowed', { followerId, followeeId }, at(20)));
    await handle(envelope('user.followed', { followerId, followeeId }, at(10)));
    await handle(envelope('vendor.unfollowed', { userId: followerId, vendorId }, at(20)));
    await handle(envelope('vendor.followed', { userId: followerId, vendorId }, at(10)));
    let { users, vendors } = await copies(followerId);
    expect([users[0]?.['following'], vendors[0]?.['following']]).toEqual([false, false]);

    // The newer follow wins, whichever arrives first; on a tie, not following wins in both orders.
    await handle(envelope('user.followed', { followerId, followeeId }, at(30)));
    await handle(envelope('vendor.followed', { userId: followerId, vendorId }, at(30)));
    ({ users, vendors } = await copies(followerId));
    expect([users[0]?.['following'], vendors[0]?.['following']]).toEqual([true, true]);
    await handle(envelope('user.unfollowed', { followerId, followeeId }, at(30)));
    await handle(envelope('user.followed', { followerId, followeeId }, at(30)));
    expect((await copies(followerId)).users[0]?.['following']).toBe(false);
  });

  it('forgets every follow of a closed account, both ways, and ignores its follow events arriving later', async () => {
    const [closed, follower, followee, vendorId] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await handle(envelope('user.followed', { followerId: closed, followeeId: followee }, at(1)));
    await handle(envelope('user.followed', { followerId: follower, followeeId: closed }, at(1)));
    await handle(envelope('vendor.followed', { userId: closed, vendorId }, at(1)));
    await handleTwice(envelope('user.deleted', { userId: closed }, at(5)), closed);
    expect(await copies(closed)).toEqual({ users: [], vendors: [] });

    await handle(envelope('user.followed', { followerId: closed, followeeId: followee }, at(2)));
    await handle(envelope('user.followed', { followerId: follower, followeeId: closed }, at(3)));
    await handle(envelope('vendor.followed', { userId: closed, vendorId }, at(4)));
    expect(await copies(closed)).toEqual({ users: [], vendors: [] });
  });
});
