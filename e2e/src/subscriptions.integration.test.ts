/**
 * Subgraph subscriptions over graphql-ws, straight to each subgraph's own port: mutations go through the
 * gateway, events come from the owning subgraph after Redis pub/sub.
 */
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countSubscribers } from '@curbside/redis';
import { manualClock } from '@curbside/async';
import {
  dataOf,
  graphql,
  queryRows,
  registerUser,
  startStack,
  waitFor,
  type SubgraphName,
  type TestStack,
  createVendorSeenByLocation,
  disposeLiveClients,
  liveClient,
  refusal,
  subscribe,
} from './index.ts';

let stack: TestStack;
let owner: Awaited<ReturnType<typeof registerUser>>;
let other: Awaited<ReturnType<typeof registerUser>>;
/** The location subgraph's clock: moved across its one-update-per-second window instead of sleeping. */
const clock = manualClock();

beforeAll(async () => {
  stack = await startStack({ clock });
  owner = await registerUser(stack.gatewayUrl, 'live_owner');
  other = await registerUser(stack.gatewayUrl, 'live_other');
});
afterEach(disposeLiveClients);
afterAll(async () => {
  await stack?.stop();
});

const client = (name: SubgraphName, token?: string, onClosed?: (code: number) => void) =>
  liveClient(stack.subgraphUrls[name], token, onClosed);

/** Subscriptions Redis holds to `channel` (sharded ones on a cluster). */
const numsub = (channel: string): Promise<number> => countSubscribers(stack.redis, channel);

const channel = (topic: Parameters<TestStack['pubsub']['channelOf']>[0], key: string) =>
  stack.pubsub.channelOf(topic, key);
const subscribed = (topic: Parameters<typeof channel>[0], key: string, count = 1) =>
  waitFor(`${count} SUBSCRIBE on ${topic}:${key}`, async () => (await numsub(channel(topic, key))) === count);

const createVendor = (name: string, token = owner.accessToken) => createVendorSeenByLocation(stack, name, token);

const moveVendor = (vendorId: string, point: { lat: number; lng: number }, token = owner.accessToken) =>
  graphql(
    stack.gatewayUrl,
    'mutation ($input: UpdateVendorLocationInput!) { updateVendorLocation(input: $input) { lat lng } }',
    { input: { vendorId, ...point, accuracyMeters: 4 } },
    { token },
  );

async function createPost(body: string): Promise<string> {
  return dataOf(
    await graphql(
      stack.gatewayUrl,
      'mutation ($input: CreatePostInput!) { createPost(input: $input) { id } }',
      { input: { body } },
      { token: owner.accessToken },
    ),
  ).createPost.id;
}

const lisbon = { lat: 38.7223, lng: -9.1393 };
const north = (meters: number) => ({ lat: lisbon.lat + meters / 111_320, lng: lisbon.lng });
const missingId = '00000000-0000-4000-8000-000000000000';

const VENDOR_LOCATION = `subscription ($vendorId: ID!) {
  vendorLocationUpdated(vendorId: $vendorId) { lat lng accuracyMeters updatedAt vendor { id } }
}`;

describe('vendorLocationUpdated (location subgraph)', () => {
  it('delivers the position after updateVendorLocation, and nothing for a refused update', async () => {
    const vendorId = await createVendor('Live Tacos');
    const live = subscribe(client('location', owner.accessToken), VENDOR_LOCATION, { vendorId });
    await subscribed('vendor.location', vendorId);

    dataOf(await moveVendor(vendorId, north(100)));
    const event = await live.next('the location event');
    expect(event['errors']).toBeUndefined();
    expect(event['data'].vendorLocationUpdated).toMatchObject({
      lat: north(100).lat,
      lng: lisbon.lng,
      accuracyMeters: 4,
      vendor: { id: vendorId },
    });

    // Refused (another user's vendor; an invalid latitude): nothing committed, nothing published.
    expect((await moveVendor(vendorId, north(300), other.accessToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await moveVendor(vendorId, { lat: 95, lng: 0 })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    await live.expectQuiet();
  });

  it('is refused at subscribe time: NOT_FOUND for an unknown vendor, BAD_USER_INPUT for a malformed id', async () => {
    const on = client('location');
    expect(await refusal(on, VENDOR_LOCATION, { vendorId: missingId })).toBe('NOT_FOUND');
    expect(await refusal(on, VENDOR_LOCATION, { vendorId: 'nope' })).toBe('BAD_USER_INPUT');
  });

  it('unsubscribing releases the Redis channel; two identical subscriptions share one SUBSCRIBE', async () => {
    const vendorId = await createVendor('Shared Churros');
    const first = subscribe(client('location', owner.accessToken), VENDOR_LOCATION, { vendorId });
    const second = subscribe(client('location', other.accessToken), VENDOR_LOCATION, { vendorId });
    await waitFor('both local subscribers', async () => stack.pubsub.stats().subscribers === 2);
    expect(await numsub(channel('vendor.location', vendorId))).toBe(1);

    dataOf(await moveVendor(vendorId, north(50)));
    expect((await first.next('first'))['data'].vendorLocationUpdated.lat).toBe(north(50).lat);
    expect((await second.next('second'))['data'].vendorLocationUpdated.lat).toBe(north(50).lat);

    first.stop();
    await waitFor('one local subscriber left', async () => stack.pubsub.stats().subscribers === 1);
    expect(await numsub(channel('vendor.location', vendorId))).toBe(1);
    clock.advance(1_000); // one accepted update per vendor per second
    dataOf(await moveVendor(vendorId, north(60)));
    expect((await second.next('second, alone'))['data'].vendorLocationUpdated.lat).toBe(north(60).lat);

    second.stop();
    await subscribed('vendor.location', vendorId, 0);
    expect(stack.pubsub.stats()).toMatchObject({ channels: 0, subscribers: 0 });
  });
});

describe('vendorsNearbyUpdated (location subgraph)', () => {
  const NEARBY = `subscription ($lat: Float!, $lng: Float!, $radiusMeters: Float!) {
    vendorsNearbyUpdated(lat: $lat, lng: $lng, radiusMeters: $radiusMeters) { lat lng vendor { id } }
  }`;

  it('delivers only positions inside the circle, from any vendor', async () => {
    const [near, far, later] = await Promise.all([createVendor('Near'), createVendor('Far'), createVendor('Later')]);
    const live = subscribe(client('location'), NEARBY, { ...lisbon, radiusMeters: 1_000 });
    await waitFor('the nearby subscriber', async () => stack.pubsub.stats().patterns === 1);

    dataOf(await moveVendor(far, north(5_000)));
    dataOf(await moveVendor(near, north(400)));
    dataOf(await moveVendor(later, north(990)));
    const events = [await live.next('near'), await live.next('later')].map((e) => e['data'].vendorsNearbyUpdated);
    expect(events.map((e) => e.vendor.id).sort()).toEqual([near, later].sort());
    await live.expectQuiet();
    live.stop();
    await waitFor('the pattern released', async () => stack.pubsub.stats().patterns === 0);
  });

  it('validates the circle like vendorsNearby', async () => {
    const on = client('location');
    expect(await refusal(on, NEARBY, { ...lisbon, radiusMeters: 0 })).toBe('BAD_USER_INPUT');
    expect(await refusal(on, NEARBY, { lat: 91, lng: 0, radiusMeters: 10 })).toBe('BAD_USER_INPUT');
  });
});

describe('vendorStatusChanged (vendor subgraph)', () => {
  const STATUS = `subscription ($vendorId: ID!) { vendorStatusChanged(vendorId: $vendorId) { id name isOpen } }`;

  it('delivers the vendor as it is now after open and update; nothing for a refused close', async () => {
    const vendorId = await createVendor('Status Bakery');
    const live = subscribe(client('vendor'), STATUS, { vendorId });
    await subscribed('vendor.status', vendorId);

    const mutate = (query: string, token = owner.accessToken) =>
      graphql(stack.gatewayUrl, query, { id: vendorId }, { token });
    dataOf(await mutate('mutation ($id: ID!) { openVendor(id: $id) { id } }'));
    expect((await live.next('opened'))['data'].vendorStatusChanged).toEqual({
      id: vendorId,
      name: 'Status Bakery',
      isOpen: true,
    });
    dataOf(await mutate('mutation ($id: ID!) { updateVendor(id: $id, input: { name: "Renamed Bakery" }) { id } }'));
    expect((await live.next('edited'))['data'].vendorStatusChanged).toEqual({
      id: vendorId,
      name: 'Renamed Bakery',
      isOpen: true,
    });

    const refused = await mutate('mutation ($id: ID!) { closeVendor(id: $id) { id } }', other.accessToken);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await live.expectQuiet();

    dataOf(await mutate('mutation ($id: ID!) { deleteVendor(id: $id) }'));
    const gone = await live.next('deleted');
    expect(gone['errors']?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await waitFor('the stream to end', async () => live.ended);
    await subscribed('vendor.status', vendorId, 0);
  });

  it('is refused for an unknown vendor', async () => {
    expect(await refusal(client('vendor'), STATUS, { vendorId: missingId })).toBe('NOT_FOUND');
  });
});

describe('commentAdded and postUpdated (post subgraph)', () => {
  const COMMENTS = `subscription ($postId: ID!) { commentAdded(postId: $postId) { id body post { id } } }`;
  const UPDATES = `subscription ($postId: ID!) { postUpdated(postId: $postId) { id body likeCount commentCount } }`;

  it('delivers comments and current counts; a rolled-back comment publishes nothing', async () => {
    const postId = await createPost('Live post');
    const on = client('post', other.accessToken);
    const comments = subscribe(on, COMMENTS, { postId });
    const updates = subscribe(on, UPDATES, { postId });
    await subscribed('post.comment', postId);
    await subscribed('post.updated', postId);

    const added = dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($postId: ID!) { addComment(postId: $postId, body: "First!") { id } }',
        { postId },
        { token: other.accessToken },
      ),
    ).addComment.id;
    expect((await comments.next('the comment'))['data'].commentAdded).toEqual({
      id: added,
      body: 'First!',
      post: { id: postId },
    });
    expect((await updates.next('the count'))['data'].postUpdated).toMatchObject({ id: postId, commentCount: 1 });

    dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($postId: ID!) { likePost(postId: $postId) { id } }',
        { postId },
        { token: other.accessToken },
      ),
    );
    expect((await updates.next('the like'))['data'].postUpdated).toMatchObject({ likeCount: 1, commentCount: 1 });

    // A comment whose transaction fails at commit time (a constraint added for this test) rolls back.
    await queryRows(
      stack.databases.post,
      "alter table comment add constraint live_test_rollback check (body <> 'roll me back')",
    );
    try {
      const failed = await graphql(
        stack.gatewayUrl,
        'mutation ($postId: ID!) { addComment(postId: $postId, body: "roll me back") { id } }',
        { postId },
        { token: other.accessToken },
      );
      expect(failed.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      const [row] = await queryRows(stack.databases.post, 'select count(*)::int as n from comment where post_id = $1', [
        postId,
      ]);
      expect(row!['n']).toBe(1);
      await comments.expectQuiet();
      expect(updates.events).toEqual([]);
    } finally {
      await queryRows(stack.databases.post, 'alter table comment drop constraint live_test_rollback');
    }
  });

  it('is refused for an unknown or malformed post', async () => {
    const on = client('post');
    expect(await refusal(on, UPDATES, { postId: missingId })).toBe('NOT_FOUND');
    expect(await refusal(on, COMMENTS, { postId: '42' })).toBe('BAD_USER_INPUT');
  });
});

describe('mediaStatusChanged (media subgraph)', () => {
  const MEDIA = `subscription ($mediaId: ID!) {
    mediaStatusChanged(mediaId: $mediaId) { id status width height failureReason }
  }`;

  async function createUpload(bytes: Buffer) {
    return dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          mutation ($input: CreateUploadInput!) {
            createUpload(input: $input) {
              media {
                id
              }
              uploadUrl
              uploadHeaders
            }
          }
        `,
        { input: { filename: 'live.png', contentType: 'image/png', byteSize: bytes.length } },
        { token: owner.accessToken },
      ),
    ).createUpload as { media: { id: string }; uploadUrl: string; uploadHeaders: Record<string, string> };
  }

  it('tells the owner when the processed media is READY and when it is deleted', async () => {
    const bytes = await sharp({ create: { width: 3, height: 2, channels: 3, background: '#c05028' } })
      .png()
      .toBuffer();
    const ticket = await createUpload(bytes);
    const mediaId = ticket.media.id;
    const live = subscribe(client('media', owner.accessToken), MEDIA, { mediaId });
    await subscribed('media.status', mediaId);

    const put = await fetch(ticket.uploadUrl, { method: 'PUT', headers: ticket.uploadHeaders, body: bytes });
    expect(put.status).toBe(202); // accepted: PROCESSING until the workers' job finishes
    expect((await live.next('ready'))['data'].mediaStatusChanged).toEqual({
      id: mediaId,
      status: 'READY',
      width: 3,
      height: 2,
      failureReason: null,
    });

    const refused = await graphql(
      stack.gatewayUrl,
      'mutation ($id: ID!) { deleteMedia(id: $id) }',
      { id: mediaId },
      { token: other.accessToken },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await live.expectQuiet();

    dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($id: ID!) { deleteMedia(id: $id) }',
        { id: mediaId },
        { token: owner.accessToken },
      ),
    );
    expect((await live.next('deleted'))['errors']?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await waitFor('the stream to end', async () => live.ended);
    await subscribed('media.status', mediaId, 0);
  });

  it('tells the owner when processing failed, with the reason', async () => {
    const complete = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#c05028' } })
      .png()
      .toBuffer();
    const corrupt = complete.subarray(0, complete.length - 24); // the header reads, the pixels do not
    const ticket = await createUpload(corrupt);
    const mediaId = ticket.media.id;
    const live = subscribe(client('media', owner.accessToken), MEDIA, { mediaId });
    await subscribed('media.status', mediaId);
    const put = await fetch(ticket.uploadUrl, { method: 'PUT', headers: ticket.uploadHeaders, body: corrupt });
    expect(put.status).toBe(202);
    const failed = (await live.next('failed'))['data'].mediaStatusChanged;
    expect(failed).toMatchObject({ id: mediaId, status: 'FAILED', width: 40, height: 40 });
    expect(failed.failureReason).toMatch(/^The image could not be processed: /);
    await live.expectQuiet();
  });

  it('is owner only: FORBIDDEN for another user, UNAUTHENTICATED when anonymous; NOT_FOUND, BAD_USER_INPUT', async () => {
    const { media } = await createUpload(Buffer.alloc(10));
    expect(await refusal(client('media', other.accessToken), MEDIA, { mediaId: media.id })).toBe('FORBIDDEN');
    expect(await refusal(client('media'), MEDIA, { mediaId: media.id })).toBe('UNAUTHENTICATED');
    expect(await refusal(client('media', owner.accessToken), MEDIA, { mediaId: missingId })).toBe('NOT_FOUND');
    expect(await refusal(client('media', owner.accessToken), MEDIA, { mediaId: 'x' })).toBe('BAD_USER_INPUT');
    expect(stack.pubsub.stats().subscribers).toBe(0);
  });
});

describe('graphql-ws connection', () => {
  it('closes the socket with 4403 when connection_init carries a bad token', async () => {
    let closedWith: number | undefined;
    const on = client('location', 'not-a-token', (code) => (closedWith ??= code));
    const live = subscribe(on, VENDOR_LOCATION, { vendorId: missingId });
    await waitFor('the socket to close', async () => closedWith);
    expect(closedWith).toBe(4403);
    expect(live.events).toEqual([]);
  });
});
