/**
 * Signed-in subscribers at scale: the viewers of an operation that selects no `@viewerDependent` field share
 * one upstream subscription (under the gateway's credential) and one hydration, each authorized at subscribe
 * time by the owning subgraph's own rule; what belongs to one viewer (token expiry, a suspended account, a
 * refusal) stays theirs. Operations selecting a `@viewerDependent` field keep an upstream per viewer, on the
 * same socket. Run with a gateway secret, as in production.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '@curbside/async';
import { gatewayCredentialHeader } from '@curbside/auth';
import {
  createVendorSeenByLocation,
  dataOf,
  disposeLiveClients,
  endCode,
  graphql,
  liveClient,
  openLiveClients,
  redisUrl,
  refusal,
  registerAdmin,
  registerUser,
  signAccessToken,
  startStack,
  subscribe,
  waitFor,
  type Account,
  type Live,
  type TestStack,
} from './index.ts';

let stack: TestStack;
let redis: Redis;
let owner: Account;
let admin: Account;
const clock = manualClock();
const gatewaySecret = randomBytes(32).toString('hex');

beforeAll(async () => {
  // Answers that hold for any viewer are reused for 10 s, not 1: a test waits longer than people subscribe.
  stack = await startStack({ clock, gatewaySecret, gateway: { subscriptionLimits: { authorizationReuseMs: 10_000 } } });
  redis = new Redis(redisUrl);
  owner = await registerUser(stack.gatewayUrl, 'shared_live_owner');
  admin = await registerAdmin(stack, 'shared_live_admin');
});
afterEach(async () => {
  await disposeLiveClients();
});
afterAll(async () => {
  await redis?.quit();
  await stack?.stop();
});

const VENDOR_LOCATION = `subscription ($vendorId: ID!) {
  vendorLocationUpdated(vendorId: $vendorId) { lat vendor { name owner { username } } }
}`;

const lisbon = { lat: 38.7223, lng: -9.1393 };
let lat = lisbon.lat;

/** Moves the vendor to a new latitude (the location subgraph's clock moved past its one update per second). */
async function moveVendor(vendorId: string): Promise<number> {
  clock.advance(1_000);
  lat += 0.0001;
  dataOf(
    await graphql(
      stack.gatewayUrl,
      'mutation ($input: UpdateVendorLocationInput!) { updateVendorLocation(input: $input) { lat } }',
      { input: { vendorId, lat, lng: lisbon.lng } },
      { token: owner.accessToken },
    ),
  );
  return lat;
}

async function numsub(channel: string): Promise<number> {
  const reply = (await redis.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

/** Subscribers of the vendor's location channel, at the location subgraph. */
const locationSubscribers = (vendorId: string) => numsub(stack.pubsub.channelOf('vendor.location', vendorId));

/** The gateway's /metrics, as a scraper reads it. */
async function metrics(): Promise<string> {
  const response = await fetch(new URL('/metrics', stack.gatewayUrl));
  expect(response.status).toBe(200);
  return response.text();
}

/**
 * Moves the vendor until every stream got an event (a viewer's events wait for their authorization), then
 * until every stream got the last move's, and forgets them.
 */
async function moveUntilDelivered(vendorId: string, streams: Live[]): Promise<void> {
  await waitFor(
    'an event on every stream',
    async () => {
      await moveVendor(vendorId);
      return streams.every((stream) => stream.events.length > 0);
    },
    10_000,
  );
  const last = lat;
  await waitFor('the last move on every stream', async () =>
    streams.every((stream) => stream.events.some((event) => latOf(event) === last)),
  );
  for (const stream of streams) stream.events.length = 0;
}

const latOf = (event: Record<string, any>) => event['data'].vendorLocationUpdated.lat as number;

describe('viewers of an operation selecting no @viewerDependent field', () => {
  it('share one upstream and one hydration, and each gets every event; NUMSUB and the metrics show one upstream', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Shared Sardines', owner.accessToken);
    const viewers = [owner, admin, ...(await Promise.all([1, 2, 3].map((n) => registerUser(stack.gatewayUrl))))];
    const streams = viewers.map((viewer) =>
      subscribe(liveClient(stack.gatewayUrl, viewer.accessToken), VENDOR_LOCATION, { vendorId }),
    );
    await waitFor('every viewer subscribed', async () => stack.gateway.subscriptionStats().sharedViewers === 5);
    await waitFor('the subgraph subscriber', async () => (await locationSubscribers(vendorId)) === 1);
    expect(stack.gateway.subscriptionStats()).toMatchObject({
      subscriptions: 5,
      hydrations: 1,
      sharedHydrations: 1,
      upstreams: 1,
      upstreamSockets: 1,
    });
    expect(stack.gateway.subscriptionStatsBySubgraph()['location']).toEqual({
      sockets: 1,
      sharedUpstreams: 1,
      viewerUpstreams: 0,
      sharedViewers: 5,
      maxViewersPerSharedUpstream: 5,
    });
    const scraped = await metrics();
    expect(scraped).toContain('curbside_gateway_upstream_sockets{subgraph="location"} 1');
    expect(scraped).toContain('curbside_gateway_upstream_subscriptions{subgraph="location",sharing="shared"} 1');
    expect(scraped).toContain('curbside_gateway_upstream_subscriptions{subgraph="location",sharing="viewer"} 0');
    expect(scraped).toContain('curbside_gateway_shared_upstream_viewers{subgraph="location"} 5');
    expect(scraped).toContain('curbside_gateway_subscription_shared_hydrations 1');

    await moveUntilDelivered(vendorId, streams);
    const moves = [await moveVendor(vendorId), await moveVendor(vendorId), await moveVendor(vendorId)];
    for (const [index, stream] of streams.entries()) {
      const received = [];
      for (const _ of moves) received.push(latOf(await stream.next(`viewer ${index}`)));
      expect(received).toEqual(moves);
      expect(stream.ended).toBeNull();
    }
    await streams[0]!.expectQuiet(200); // each event once
    expect(await locationSubscribers(vendorId)).toBe(1);

    for (const stream of streams) stream.stop();
    await waitFor('the upstream released', async () => stack.gateway.subscriptionStats().upstreams === 0);
    expect(stack.gateway.subscriptionStats()).toMatchObject({ hydrations: 0, upstreamSockets: 0 });
    await waitFor('the channel released', async () => (await locationSubscribers(vendorId)) === 0);
  });

  it('cost the owning subgraph one authorization, not one per viewer, when its rule reads nothing of the viewer', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Once Asked Arancini', owner.accessToken);
    const others = await Promise.all([1, 2, 3].map(() => registerUser(stack.gatewayUrl)));
    const first = subscribe(liveClient(stack.gatewayUrl, owner.accessToken), VENDOR_LOCATION, { vendorId });
    await moveUntilDelivered(vendorId, [first]);
    stack.sql.location.reset();
    const streams = others.map((viewer) =>
      subscribe(liveClient(stack.gatewayUrl, viewer.accessToken), VENDOR_LOCATION, { vendorId }),
    );
    await waitFor(
      'the others authorized',
      async () =>
        stack.gateway.subscriptionStats().sharedViewers === 4 && stack.gateway.subscriptionStats().authorizing === 0,
    );
    // The vendor's copy is what the rule reads (NOT_FOUND for an unknown vendor): read by nobody for them.
    expect(stack.sql.location.countByTable()['vendor_copy'] ?? 0).toBe(0);
    const after = await moveVendor(vendorId);
    for (const stream of streams) expect(latOf(await stream.next('a later viewer'))).toBe(after);
  });

  it('resume many viewers at once, each with the events it missed, in order, then live ones', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Resumed Rissoles', owner.accessToken);
    // Signed-in users without accounts: 40 distinct viewers cost no registration.
    const tokens = await Promise.all(Array.from({ length: 40 }, () => signAccessToken(stack, randomUUID(), 600)));
    const before = tokens.map((token) => subscribe(liveClient(stack.gatewayUrl, token), VENDOR_LOCATION, { vendorId }));
    await moveUntilDelivered(vendorId, before);
    const last = await moveVendor(vendorId);
    const lastEventIds: string[] = [];
    for (const stream of before) {
      const event = await stream.next('the last event before leaving');
      expect(latOf(event)).toBe(last);
      lastEventIds.push(event['extensions'].eventId as string);
    }
    await disposeLiveClients(); // every connection lost
    // Bounds generous for a machine running other test files at once: 40 viewers leave and come back together.
    await waitFor('the upstream released', async () => stack.gateway.subscriptionStats().upstreams === 0, 30_000);
    const missed = [await moveVendor(vendorId), await moveVendor(vendorId)];

    const resumed = tokens.map((token, index) =>
      subscribe(
        liveClient(stack.gatewayUrl, token),
        VENDOR_LOCATION,
        { vendorId },
        { lastEventId: lastEventIds[index] },
      ),
    );
    await waitFor('every viewer back', async () => stack.gateway.subscriptionStats().sharedViewers === 40, 30_000);
    const live = await moveVendor(vendorId);
    for (const [index, stream] of resumed.entries()) {
      const received = [];
      for (const _ of [...missed, live]) received.push(latOf(await stream.next(`viewer ${index}`, 20_000)));
      expect(received).toEqual([...missed, live]);
    }
    expect(stack.gateway.subscriptionStats()).toMatchObject({ upstreams: 1, sharedHydrations: 1 });
  }, 90_000);

  it("end one viewer's stream when their token expires, and nobody else's", async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Expiring Empanadas', owner.accessToken);
    const member = await registerUser(stack.gatewayUrl, 'shared_live_expiring');
    const shortLived = await signAccessToken(stack, member.id, 4);
    const expiring = subscribe(liveClient(stack.gatewayUrl, shortLived), VENDOR_LOCATION, { vendorId });
    const staying = subscribe(liveClient(stack.gatewayUrl, owner.accessToken), VENDOR_LOCATION, { vendorId });
    await moveUntilDelivered(vendorId, [expiring, staying]);
    expect(stack.gateway.subscriptionStats().upstreams).toBe(1);

    expect(endCode(await waitFor('the expiry', async () => expiring.ended, 8_000))).toBe('UNAUTHENTICATED');
    expect(staying.ended).toBeNull();
    const after = await moveVendor(vendorId);
    expect(latOf(await staying.next('an event after the expiry'))).toBe(after);
    expect(stack.gateway.subscriptionStats()).toMatchObject({ subscriptions: 1, upstreams: 1 });
  });

  it("end a suspended account's stream within seconds, and nobody else's", async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Suspended Souvlaki', owner.accessToken);
    const member = await registerUser(stack.gatewayUrl, 'shared_live_suspended');
    const suspended = subscribe(liveClient(stack.gatewayUrl, member.accessToken), VENDOR_LOCATION, { vendorId });
    const staying = subscribe(liveClient(stack.gatewayUrl, owner.accessToken), VENDOR_LOCATION, { vendorId });
    await moveUntilDelivered(vendorId, [suspended, staying]);

    dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($userId: ID!) { suspendUser(userId: $userId, reason: "Spam") { id } }',
        { userId: member.id },
        { token: admin.accessToken },
      ),
    );
    expect(endCode(await waitFor('the suspension', async () => suspended.ended, 4_000))).toBe('FORBIDDEN');
    expect(staying.ended).toBeNull();
    const after = await moveVendor(vendorId);
    expect(latOf(await staying.next('an event after the suspension'))).toBe(after);
    expect(stack.gateway.subscriptionStats()).toMatchObject({ subscriptions: 1, upstreams: 1 });
  });

  it('refuse a viewer at subscribe time with FORBIDDEN and nothing else, while the owner on the same upstream gets events', async () => {
    const MEDIA = 'subscription ($mediaId: ID!) { mediaStatusChanged(mediaId: $mediaId) { id owner { username } } }';
    const mediaId = dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($input: CreateUploadInput!) { createUpload(input: $input) { media { id } } }',
        { input: { filename: 'a.png', contentType: 'image/png', byteSize: 10 } },
        { token: owner.accessToken },
      ),
    ).createUpload.media.id as string;
    const member = await registerUser(stack.gatewayUrl, 'shared_live_refused');
    const ofOwner = subscribe(liveClient(stack.gatewayUrl, owner.accessToken), MEDIA, { mediaId });
    const channel = stack.pubsub.channelOf('media.status', mediaId);
    await waitFor('the shared upstream', async () => (await numsub(channel)) === 1);

    const refused = subscribe(liveClient(stack.gatewayUrl, member.accessToken), MEDIA, { mediaId });
    const first = await refused.next('the refusal');
    expect(first['data'] ?? null).toBeNull();
    expect(first['errors'][0].extensions.code).toBe('FORBIDDEN');
    await refused.end('the end after the refusal');
    expect(await refusal(liveClient(stack.gatewayUrl), MEDIA, { mediaId })).toBe('UNAUTHENTICATED');

    // The owner (authorized) gets the event; the refused viewer, though subscribed on the same upstream for a
    // moment, got nothing of it.
    await waitFor(
      'the owner event',
      async () => {
        await stack.pubsub.publish('media.status', mediaId, { mediaId, ownerId: owner.id });
        return ofOwner.events.length > 0;
      },
      5_000,
    );
    expect(ofOwner.events[0]).toMatchObject({
      data: { mediaStatusChanged: { id: mediaId, owner: { username: 'shared_live_owner' } } },
    });
    expect(refused.events).toEqual([]);
    expect(stack.gateway.subscriptionStatsBySubgraph()['media']).toMatchObject({
      sharedUpstreams: 1,
      sharedViewers: 1,
    });
  });
});

describe('viewers of an operation selecting a @viewerDependent field', () => {
  it('get their own value each, on upstreams of their own multiplexed on one socket', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Own View Omelettes', owner.accessToken);
    const follower = await registerUser(stack.gatewayUrl, 'shared_live_follower');
    dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($vendorId: ID!) { followVendor(vendorId: $vendorId) { id } }',
        { vendorId },
        { token: follower.accessToken },
      ),
    );
    const FOLLOWS = `subscription ($vendorId: ID!) {
      vendorLocationUpdated(vendorId: $vendorId) { lat vendor { name viewerFollows } }
    }`;
    const ofOwner = subscribe(liveClient(stack.gatewayUrl, owner.accessToken), FOLLOWS, { vendorId });
    const ofFollower = subscribe(liveClient(stack.gatewayUrl, follower.accessToken), FOLLOWS, { vendorId });
    await waitFor('both upstreams', async () => stack.gateway.subscriptionStats().upstreams === 2);
    expect(stack.gateway.subscriptionStatsBySubgraph()['location']).toMatchObject({
      sockets: 1,
      sharedUpstreams: 0,
      viewerUpstreams: 2,
    });
    await waitFor('both subscribed at the subgraph', async () => stack.pubsub.stats().subscribers === 2);
    await moveVendor(vendorId);
    expect((await ofOwner.next('owner'))['data'].vendorLocationUpdated.vendor).toEqual({
      name: 'Own View Omelettes',
      viewerFollows: false,
    });
    expect((await ofFollower.next('follower'))['data'].vendorLocationUpdated.vendor).toEqual({
      name: 'Own View Omelettes',
      viewerFollows: true,
    });
  });
});

describe('a subgraph asked by the gateway (extensions.gateway)', () => {
  /** A graphql-ws client of a subgraph itself, presenting the gateway credential as the gateway does. */
  function asTheGateway(subgraph: 'location' | 'media' = 'location') {
    const client = createClient({
      url: stack.subgraphUrls[subgraph].replace(/^http/, 'ws'),
      webSocketImpl: class extends WebSocket {
        constructor(address: string | URL, protocols?: string | string[]) {
          super(address, protocols, { headers: { [gatewayCredentialHeader]: gatewaySecret } });
        }
      },
      retryAttempts: 0,
    });
    openLiveClients.push(client);
    return client;
  }
  const LOCATION = 'subscription ($vendorId: ID!) { vendorLocationUpdated(vendorId: $vendorId) { lat } }';

  it("answers `authorize` with the field's own rule and no stream: nothing when allowed, the refusal when not", async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Authorized Arepas', owner.accessToken);
    const client = asTheGateway();
    const authorize = (variables: Record<string, unknown>, authorization: string | null) =>
      subscribe(client, LOCATION, variables, { gateway: { mode: 'authorize', authorization } });
    const allowed = authorize({ vendorId }, `Bearer ${owner.accessToken}`);
    expect(await allowed.end('the answer')).toEqual({});
    // The rule read nothing of the viewer: its answer holds for any signed-in viewer, and it says so.
    expect(allowed.events).toEqual([{ data: null, extensions: { authorizedForAnySignedInViewer: true } }]);
    const anonymous = authorize({ vendorId }, null);
    expect(await anonymous.end('the anonymous answer')).toEqual({});
    expect(anonymous.events).toEqual([]);
    const unknown = authorize({ vendorId: '00000000-0000-4000-8000-000000000000' }, null);
    expect((await unknown.next('the refusal'))['errors'][0].extensions.code).toBe('NOT_FOUND');
    const badToken = authorize({ vendorId }, 'Bearer not-a-token');
    expect(endCode(await badToken.end('the refusal'))).toBe('UNAUTHENTICATED');
    expect(await locationSubscribers(vendorId)).toBe(0); // asking opened no stream

    // The owner-only rule of a media reads who asks: its answer is the owner's alone.
    const mediaId = dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($input: CreateUploadInput!) { createUpload(input: $input) { media { id } } }',
        { input: { filename: 'a.png', contentType: 'image/png', byteSize: 10 } },
        { token: owner.accessToken },
      ),
    ).createUpload.media.id as string;
    const ofOwner = subscribe(
      asTheGateway('media'),
      'subscription ($mediaId: ID!) { mediaStatusChanged(mediaId: $mediaId) { id } }',
      { mediaId },
      { gateway: { mode: 'authorize', authorization: `Bearer ${owner.accessToken}` } },
    );
    expect(await ofOwner.end('the owner answer')).toEqual({});
    expect(ofOwner.events).toEqual([]);
  });

  it('runs `shared` only for operations selecting no @viewerDependent field, and refuses a malformed request', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Private Pupusas', owner.accessToken);
    const client = asTheGateway();
    const history = subscribe(
      client,
      'subscription ($vendorId: ID!) { vendorLocationUpdated(vendorId: $vendorId) { vendor { locationHistory { edges { node { lat } } } } } }',
      { vendorId },
      { gateway: { mode: 'shared' } },
    );
    expect((await history.next('the refusal'))['errors'][0].extensions.code).toBe('FORBIDDEN');
    const malformed = subscribe(client, LOCATION, { vendorId }, { gateway: { mode: 'shared', authorization: 'x' } });
    expect(endCode(await malformed.end('the refusal'))).toBe('BAD_USER_INPUT');
  });
});
