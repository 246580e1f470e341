/**
 * Closing an account, end to end: `deleteAccount` records `user.deleted`, and each subgraph owning some of the
 * user's data removes it from its own database in the workers (vendor, post and media account-cleanup queues),
 * recording the events its own mutations would, so that the copies downstream (location, post) follow.
 */
import { readdir } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventHandler } from '@curbside/event-bus';
import { entities as mediaEntities, mediaWorkerModule, migrations as mediaMigrations } from '@curbside/media-subgraph';
import { entities as postEntities, migrations as postMigrations, postWorkerModule } from '@curbside/post-subgraph';
import { createLogger } from '@curbside/service';
import { openOrm, type Orm, type SubgraphWorkerModule } from '@curbside/subgraph-kit';
import {
  entities as vendorEntities,
  migrations as vendorMigrations,
  vendorWorkerModule,
} from '@curbside/vendor-subgraph';
import {
  createVendorSeenByLocation,
  dataOf,
  graphql,
  queryRows,
  registerUser,
  startStack,
  waitFor,
  type Account,
  type TestStack,
} from './index.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

type EventEnvelope = Parameters<EventHandler['handle']>[0];

const call = async (token: string, query: string, variables: Record<string, unknown> = {}) =>
  dataOf(await graphql(stack.gatewayUrl, query, variables, { token }));

/** Uploads a small PNG and waits until it is processed (READY); returns the media id. */
async function upload(account: Account, red: number): Promise<string> {
  const bytes = await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: red, g: 90, b: 30 } } })
    .png()
    .toBuffer();
  const { createUpload } = await call(
    account.accessToken,
    'mutation ($input: CreateUploadInput!) { createUpload(input: $input) { media { id } uploadUrl uploadHeaders } }',
    { input: { filename: 'photo.png', contentType: 'image/png', byteSize: bytes.length } },
  );
  const put = await fetch(createUpload.uploadUrl, { method: 'PUT', headers: createUpload.uploadHeaders, body: bytes });
  expect(put.status).toBe(202);
  const id: string = createUpload.media.id;
  await waitFor(`media ${id} to be READY`, async () => {
    const [row] = await queryRows(stack.databases.media, 'select status from media where id = $1', [id]);
    return row?.['status'] === 'READY';
  });
  return id;
}

/** createPost, retried while the post subgraph's copies of new media and vendors arrive by event. */
async function post(account: Account, body: string, extra: { mediaIds?: string[]; vendorId?: string } = {}) {
  return waitFor(`createPost "${body}"`, async () => {
    const response = await graphql(
      stack.gatewayUrl,
      'mutation ($input: CreatePostInput!) { createPost(input: $input) { id } }',
      { input: { body, ...extra } },
      { token: account.accessToken },
    );
    return (response.data?.['createPost'] as { id: string } | undefined)?.id;
  });
}

const like = (account: Account, postId: string) =>
  call(account.accessToken, 'mutation ($postId: ID!) { likePost(postId: $postId) { id } }', { postId });
const comment = async (account: Account, postId: string, body: string): Promise<string> =>
  (
    await call(
      account.accessToken,
      'mutation ($postId: ID!, $body: String!) { addComment(postId: $postId, body: $body) { id } }',
      {
        postId,
        body,
      },
    )
  ).addComment.id;

/** Rows of a database, as a table name → rows map, to show that a second run changes nothing. */
async function snapshot(databaseUrl: string, tables: string[]) {
  const result: Record<string, unknown[]> = {};
  for (const table of tables) result[table] = await queryRows(databaseUrl, `select * from ${table} order by 1, 2`);
  result['outbox_event'] = await queryRows(databaseUrl, 'select id, name, payload from outbox_event order by id');
  return result;
}

async function everySnapshot() {
  return {
    vendor: await snapshot(stack.databases.vendor, ['vendor', 'vendor_follow']),
    post: await snapshot(stack.databases.post, ['post', 'post_media', 'post_like', 'comment']),
    media: await snapshot(stack.databases.media, ['media']),
    files: (await readdir(stack.mediaDir)).sort(),
  };
}

/** Payloads of the events named `name` in a database's outbox whose payload has `key` = `value`. */
async function eventsOf(databaseUrl: string, name: string, key: string, value: string) {
  const rows = await queryRows(
    databaseUrl,
    'select payload from outbox_event where name = $1 and payload->>$2 = $3 order by occurred_at',
    [name, key, value],
  );
  return rows.map((row) => row['payload']);
}

describe('closing an account', () => {
  it("removes the user's vendors, posts, comments, likes, media and follows from every owning subgraph", async () => {
    const leaver = await registerUser(stack.gatewayUrl, 'cleanup_leaver');
    const friend = await registerUser(stack.gatewayUrl, 'cleanup_friend');
    const bystander = await registerUser(stack.gatewayUrl, 'cleanup_bystander');

    // The leaver's own things: two vendors (one open, with a position), media, posts, follows both ways.
    const truck = await createVendorSeenByLocation(stack, 'Leaver Tacos', leaver.accessToken);
    const stall = await createVendorSeenByLocation(stack, 'Leaver Stall', leaver.accessToken);
    await call(leaver.accessToken, 'mutation ($id: ID!) { openVendor(id: $id) { id } }', { id: truck });
    await call(
      leaver.accessToken,
      'mutation ($input: UpdateVendorLocationInput!) { updateVendorLocation(input: $input) { lat } }',
      { input: { vendorId: truck, lat: 38.72, lng: -9.14 } },
    );
    const [photo, spare] = [await upload(leaver, 200), await upload(leaver, 100)];
    const pending = (
      await call(
        leaver.accessToken,
        'mutation { createUpload(input: { filename: "later.png", contentType: "image/png", byteSize: 100 }) { media { id } } }',
      )
    ).createUpload.media.id;
    const leaverPost = await post(leaver, 'Tacos today', { mediaIds: [photo], vendorId: truck });
    const leaverPersonalPost = await post(leaver, 'Personal thoughts');

    // The others' things, which must stay: a vendor, a post with a photo, their comments and likes.
    const friendVendor = await createVendorSeenByLocation(stack, 'Friend Bakery', friend.accessToken);
    const friendPhoto = await upload(friend, 50);
    const friendPost = await post(friend, 'Fresh bread', { mediaIds: [friendPhoto] });

    // Between them: likes, comments, follows, in both directions.
    await like(leaver, friendPost);
    await like(bystander, friendPost);
    await like(leaver, leaverPost);
    await like(friend, leaverPost);
    const leaverComment = await comment(leaver, friendPost, 'Looks great');
    const bystanderComment = await comment(bystander, friendPost, 'Agreed');
    await comment(friend, leaverPost, 'Save me one');
    await comment(leaver, leaverPost, 'Sure');
    const followUser = 'mutation ($userId: ID!) { followUser(userId: $userId) { id } }';
    const followVendor = 'mutation ($vendorId: ID!) { followVendor(vendorId: $vendorId) { id } }';
    await call(leaver.accessToken, followUser, { userId: friend.id });
    await call(friend.accessToken, followUser, { userId: leaver.id });
    await call(leaver.accessToken, followVendor, { vendorId: friendVendor });
    await call(friend.accessToken, followVendor, { vendorId: truck });
    await call(bystander.accessToken, followVendor, { vendorId: friendVendor });

    const countsQuery = `query ($postId: ID!, $vendorId: ID!) {
      post(id: $postId) { likeCount commentCount comments { edges { node { id } } } }
      vendor(id: $vendorId) { followerCount }
    }`;
    const counts = async () => call(bystander.accessToken, countsQuery, { postId: friendPost, vendorId: friendVendor });
    expect(await counts()).toMatchObject({
      post: { likeCount: 2, commentCount: 2 },
      vendor: { followerCount: 2 },
    });
    const leaverFiles = async () =>
      (await readdir(stack.mediaDir)).filter((name) => [photo, spare, pending].some((id) => name.startsWith(id)));
    expect(await leaverFiles()).toHaveLength(4); // two images and their thumbnails

    await call(leaver.accessToken, 'mutation ($password: String!) { deleteAccount(password: $password) }', {
      password: leaver.password,
    });

    const leftOf = async () => ({
      vendors: await queryRows(stack.databases.vendor, 'select id from vendor where owner_id = $1', [leaver.id]),
      vendorFollows: await queryRows(
        stack.databases.vendor,
        'select * from vendor_follow where user_id = $1 or vendor_id in ($2, $3)',
        [leaver.id, truck, stall],
      ),
      positions: await queryRows(
        stack.databases.location,
        `select vendor_id from vendor_location where vendor_id in ($1, $2)
         union all select vendor_id from vendor_location_history where vendor_id in ($1, $2)`,
        [truck, stall],
      ),
      locationCopies: await queryRows(
        stack.databases.location,
        'select vendor_id from vendor_copy where owner_id = $1 and not deleted',
        [leaver.id],
      ),
      posts: await queryRows(stack.databases.post, 'select id from post where author_id = $1', [leaver.id]),
      postMedia: await queryRows(stack.databases.post, 'select * from post_media where media_id in ($1, $2)', [
        photo,
        spare,
      ]),
      likes: await queryRows(stack.databases.post, 'select * from post_like where user_id = $1', [leaver.id]),
      comments: await queryRows(stack.databases.post, 'select id from comment where author_id = $1', [leaver.id]),
      postCopies: await queryRows(
        stack.databases.post,
        `select media_id as id from media_copy where owner_id = $1 and not deleted
         union all select vendor_id from vendor_copy where owner_id = $1 and not deleted`,
        [leaver.id],
      ),
      media: await queryRows(stack.databases.media, 'select id from media where owner_id = $1', [leaver.id]),
      files: await leaverFiles(),
      follows: await queryRows(
        stack.databases.user,
        'select * from user_follow where $1 in (follower_id, followee_id)',
        [leaver.id],
      ),
      // The copies of who follows what, fed by the follow events recorded above.
      followCopies: [
        ...(await queryRows(
          stack.databases.post,
          `select follower_id from user_follow_copy where $1 in (follower_id, followee_id) and following
           union all select user_id from vendor_follow_copy
           where (user_id = $1 or vendor_id in ($2, $3)) and following`,
          [leaver.id, truck, stall],
        )),
        ...(await queryRows(
          stack.databases.user,
          'select user_id from vendor_follower_copy where (user_id = $1 or vendor_id in ($2, $3)) and following',
          [leaver.id, truck, stall],
        )),
      ],
    });
    const nothing = {
      vendors: [],
      vendorFollows: [],
      positions: [],
      locationCopies: [],
      posts: [],
      postMedia: [],
      likes: [],
      comments: [],
      postCopies: [],
      media: [],
      files: [],
      follows: [],
      followCopies: [],
    };
    const startedAt = Date.now();
    await waitFor('every subgraph to have removed the account', async () => {
      const left = await leftOf();
      return Object.values(left).every((rows) => rows.length === 0) ? left : null;
    });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(await leftOf()).toEqual(nothing);

    // The others' data is intact, and counts are right.
    expect(await counts()).toEqual({
      post: { likeCount: 1, commentCount: 1, comments: { edges: [{ node: { id: bystanderComment } }] } },
      vendor: { followerCount: 1 },
    });
    const friendView = await call(
      friend.accessToken,
      `query ($userId: ID!, $postId: ID!) {
        user(id: $userId) { followerCount followingCount }
        post(id: $postId) { body media { id url } }
      }`,
      { userId: friend.id, postId: friendPost },
    );
    expect(friendView.user).toEqual({ followerCount: 0, followingCount: 0 });
    expect(friendView.post.body).toBe('Fresh bread');
    expect(friendView.post.media).toHaveLength(1);
    expect((await fetch(friendView.post.media[0].url)).status).toBe(200);
    expect(await queryRows(stack.databases.vendor, 'select id from vendor where owner_id = $1', [friend.id])).toEqual([
      { id: friendVendor },
    ]);
    const bystanderFollow = await queryRows(
      stack.databases.vendor,
      'select user_id from vendor_follow where vendor_id = $1',
      [friendVendor],
    );
    expect(bystanderFollow).toEqual([{ user_id: bystander.id }]);

    // The leaver's things no longer resolve.
    const gone = await call(
      friend.accessToken,
      'query ($postId: ID!, $vendorId: ID!, $mediaId: ID!) { post(id: $postId) { id } vendor(id: $vendorId) { id } media(id: $mediaId) { id } }',
      { postId: leaverPost, vendorId: truck, mediaId: photo },
    );
    expect(gone).toEqual({ post: null, vendor: null, media: null });
    expect((await fetch(`${new URL(stack.gatewayUrl).origin}/media/files/${photo}`)).status).toBe(404);

    // Each removal was recorded once, as the owning mutation records it.
    const vendorDb = stack.databases.vendor;
    expect(await eventsOf(vendorDb, 'vendor.deleted', 'ownerId', leaver.id)).toHaveLength(2);
    expect(await eventsOf(vendorDb, 'vendor.unfollowed', 'userId', leaver.id)).toEqual([
      { vendorId: friendVendor, userId: leaver.id },
    ]);
    // The follows of its vendors too, so that the copies of who follows what drop them.
    expect(await eventsOf(vendorDb, 'vendor.unfollowed', 'vendorId', truck)).toEqual([
      { vendorId: truck, userId: friend.id },
    ]);
    const postDb = stack.databases.post;
    expect(
      (await eventsOf(postDb, 'post.deleted', 'authorId', leaver.id)).map((event) => event['postId']).sort(),
    ).toEqual([leaverPost, leaverPersonalPost].sort());
    // The like and comment on the leaver's own post went with the post; only those on others' posts are events.
    expect(await eventsOf(postDb, 'post.unliked', 'userId', leaver.id)).toEqual([
      { postId: friendPost, userId: leaver.id, authorId: friend.id },
    ]);
    expect(await eventsOf(postDb, 'comment.deleted', 'authorId', leaver.id)).toEqual([
      { commentId: leaverComment, postId: friendPost, authorId: leaver.id },
    ]);
    expect(
      (await eventsOf(stack.databases.media, 'media.deleted', 'ownerId', leaver.id))
        .map((event) => event['mediaId'])
        .sort(),
    ).toEqual([photo, spare, pending].sort());
  });

  it('is idempotent: the cleanup handlers run again change nothing and record nothing', async () => {
    const leaver = await registerUser(stack.gatewayUrl, 'cleanup_twice');
    const other = await registerUser(stack.gatewayUrl, 'cleanup_other');
    await createVendorSeenByLocation(stack, 'Twice Tacos', leaver.accessToken);
    const photo = await upload(leaver, 10);
    await like(leaver, await post(other, 'Still here'));
    await post(leaver, 'Going soon', { mediaIds: [photo] });
    await call(leaver.accessToken, 'mutation ($password: String!) { deleteAccount(password: $password) }', {
      password: leaver.password,
    });
    await waitFor('the cleanup to finish', async () => {
      const media = await queryRows(stack.databases.media, 'select 1 from media where owner_id = $1', [leaver.id]);
      const posts = await queryRows(stack.databases.post, 'select 1 from post where author_id = $1', [leaver.id]);
      const likes = await queryRows(stack.databases.post, 'select 1 from post_like where user_id = $1', [leaver.id]);
      const vendors = await queryRows(stack.databases.vendor, 'select 1 from vendor where owner_id = $1', [leaver.id]);
      return media.length + posts.length + likes.length + vendors.length === 0;
    });

    // The same user.deleted event, delivered again to each subgraph's handler (as a redelivery would).
    const [deleted] = await queryRows(
      stack.databases.user,
      "select id, name, payload, occurred_at from outbox_event where name = 'user.deleted' and payload->>'userId' = $1",
      [leaver.id],
    );
    const event = {
      id: deleted!['id'],
      name: 'user.deleted',
      payload: deleted!['payload'],
      occurredAt: deleted!['occurred_at'].toISOString(),
    } as EventEnvelope;
    const orms: Orm[] = [];
    try {
      const handlersFor = async (
        module: SubgraphWorkerModule,
        databaseUrl: string,
        entities: SubgraphWorkerModule['entities'],
        migrations: SubgraphWorkerModule['migrations'],
      ) => {
        const orm = await openOrm({ databaseUrl, entities, migrations, migrationMode: 'await' });
        orms.push(orm);
        return module.handlers({
          orm,
          logger: createLogger('cleanup-test', 'silent'),
          redis: stack.redis,
          pubsub: stack.pubsub,
          mediaStore: stack.mediaStore,
        });
      };
      const handlers = [
        ...(await handlersFor(vendorWorkerModule, stack.databases.vendor, vendorEntities, vendorMigrations)),
        ...(await handlersFor(postWorkerModule, stack.databases.post, postEntities, postMigrations)),
        ...(await handlersFor(mediaWorkerModule, stack.databases.media, mediaEntities, mediaMigrations)),
      ].filter((handler) => handler.queue.endsWith('.account-cleanup'));
      expect(handlers.map((handler) => handler.queue).sort()).toEqual([
        'media.account-cleanup',
        'post.account-cleanup',
        'vendor.account-cleanup',
      ]);
      const before = await everySnapshot();
      for (const handler of handlers) {
        await handler.handle(event as never);
        await handler.handle(event as never);
      }
      expect(await everySnapshot()).toEqual(before);
    } finally {
      await Promise.all(orms.map((orm) => orm.close()));
    }
  });
});
