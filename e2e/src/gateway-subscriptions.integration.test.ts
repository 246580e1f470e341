/**
 * Federated subscriptions through the gateway: graphql-ws on the gateway's own port, the primary fetch sent
 * over graphql-ws to the owning subgraph, every event completed with other subgraphs' fields.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient, type Client } from 'graphql-ws';
import { resumableSubscriptions } from '@curbside/client';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countSubscribers } from '@curbside/redis';
import { manualClock } from '@curbside/async';
import {
  createPost,
  createVendorSeenByLocation,
  dataOf,
  disposeLiveClients,
  endCode,
  graphql,
  liveClient,
  refusal,
  registerUser,
  signAccessToken,
  startStack,
  startTcpProxy,
  subscribe,
  waitFor,
  withEventId,
  type Account,
  type Live,
  type TestStack,
  multipartParts,
} from './index.ts';

let stack: TestStack;
let owner: Account;
let other: Account;
/** The location subgraph's clock (see nextSecond). */
const clock = manualClock();

beforeAll(async () => {
  stack = await startStack({ clock });
  owner = await registerUser(stack.gatewayUrl, 'gw_live_owner');
  other = await registerUser(stack.gatewayUrl, 'gw_live_other');
});
afterEach(async () => {
  await disposeLiveClients();
  stack.failSubgraphRequests('user', false);
  stack.failSubgraphRequests('location', false);
});
afterAll(async () => {
  await stack?.stop();
});

const gatewayClient = (token?: string, onClosed?: (code: number) => void) =>
  liveClient(stack.gatewayUrl, token, onClosed);

async function numsub(topic: Parameters<TestStack['pubsub']['channelOf']>[0], key: string): Promise<number> {
  return countSubscribers(stack.redis, stack.pubsub.channelOf(topic, key));
}

const lisbon = { lat: 38.7223, lng: -9.1393 };
const north = (meters: number) => ({ lat: lisbon.lat + meters / 111_320, lng: lisbon.lng });
/** The location subgraph accepts one position per vendor per second: its clock is moved past each. */
const nextSecond = () => clock.advance(1_000);

const moveVendor = (vendorId: string, point: { lat: number; lng: number }, token = owner.accessToken) =>
  graphql(
    stack.gatewayUrl,
    'mutation ($input: UpdateVendorLocationInput!) { updateVendorLocation(input: $input) { lat } }',
    { input: { vendorId, ...point } },
    { token },
  );

const renameVendor = (vendorId: string, name: string, token = owner.accessToken) =>
  graphql(
    stack.gatewayUrl,
    'mutation ($id: ID!, $input: UpdateVendorInput!) { updateVendor(id: $id, input: $input) { id } }',
    { id: vendorId, input: { name } },
    { token },
  );

/** A PENDING_UPLOAD media of the token's user: its id. */
const createUpload = async (token: string): Promise<string> =>
  dataOf(
    await graphql(
      stack.gatewayUrl,
      'mutation ($input: CreateUploadInput!) { createUpload(input: $input) { media { id } } }',
      { input: { filename: 'a.png', contentType: 'image/png', byteSize: 10 } },
      { token },
    ),
  ).createUpload.media.id;

const VENDOR_LOCATION = `subscription ($vendorId: ID!) {
  vendorLocationUpdated(vendorId: $vendorId) { lat lng vendor { name isOpen owner { username } } }
}`;

const VENDOR_STATUS = `subscription ($vendorId: ID!) {
  vendorStatusChanged(vendorId: $vendorId) { name isOpen location { lat } owner { username } }
}`;

describe('federated subscriptions through the gateway', () => {
  it('delivers one event per update with fields from the location, vendor and user subgraphs', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Federated Tacos', owner.accessToken);
    const live = subscribe(gatewayClient(owner.accessToken), VENDOR_LOCATION, { vendorId });
    await waitFor('the upstream subscription', async () => (await numsub('vendor.location', vendorId)) === 1);

    dataOf(await moveVendor(vendorId, north(100)));
    const event = await live.next('the federated event');
    expect(event).toEqual({
      data: {
        vendorLocationUpdated: {
          lat: north(100).lat,
          lng: lisbon.lng,
          vendor: { name: 'Federated Tacos', isOpen: false, owner: { username: 'gw_live_owner' } },
        },
      },
      extensions: withEventId(),
    });
    await live.expectQuiet(300);
  });

  it('shares one upstream between identical subscriptions; the last to leave releases it and the Redis channel', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Shared Upstream', owner.accessToken);
    const first = subscribe(gatewayClient(owner.accessToken), VENDOR_LOCATION, { vendorId });
    const second = subscribe(gatewayClient(owner.accessToken), VENDOR_LOCATION, { vendorId });
    await waitFor('both subscriptions', async () => stack.gateway.subscriptionStats().subscriptions === 2);
    expect(stack.gateway.subscriptionStats()).toMatchObject({ upstreams: 1, upstreamSockets: 1, hydrations: 1 });
    await waitFor('the subgraph subscriber', async () => (await numsub('vendor.location', vendorId)) === 1);
    expect(stack.pubsub.stats().subscribers).toBe(1);

    dataOf(await moveVendor(vendorId, north(10)));
    expect((await first.next('first'))['data'].vendorLocationUpdated.lat).toBe(north(10).lat);
    expect((await second.next('second'))['data'].vendorLocationUpdated.lat).toBe(north(10).lat);

    first.stop();
    await waitFor('one subscription left', async () => stack.gateway.subscriptionStats().subscriptions === 1);
    expect(stack.gateway.subscriptionStats().upstreams).toBe(1);
    nextSecond();
    dataOf(await moveVendor(vendorId, north(20)));
    expect((await second.next('second, alone'))['data'].vendorLocationUpdated.lat).toBe(north(20).lat);
    await first.expectQuiet(200);

    second.stop();
    await waitFor('the upstream released', async () => stack.gateway.subscriptionStats().upstreams === 0);
    expect(stack.gateway.subscriptionStats()).toMatchObject({ subscriptions: 0, hydrations: 0, upstreamSockets: 0 });
    await waitFor('the Redis channel released', async () => (await numsub('vendor.location', vendorId)) === 0);
  });
});

describe('signed-in viewers of the same events', () => {
  /**
   * The owner and the other user subscribe with `query`; the vendor moves once. Their events, and the requests
   * the vendor subgraph got for that one event. Viewers of an operation selecting no @viewerDependent field
   * share one upstream (`upstreams`: 1), each authorized at the owning subgraph first; otherwise each has an
   * upstream of their own (2). A first move proves both are served before the one that is counted.
   */
  async function bothViewersSeeOneMove(query: string, vendorId: string, upstreams: number) {
    const ofOwner = subscribe(gatewayClient(owner.accessToken), query, { vendorId });
    const ofOther = subscribe(gatewayClient(other.accessToken), query, { vendorId });
    await waitFor('both subscriptions', async () => stack.gateway.subscriptionStats().subscriptions === 2);
    expect(stack.gateway.subscriptionStats().upstreams).toBe(upstreams);
    await waitFor('the subgraph subscribers', async () => stack.pubsub.stats().subscribers === upstreams);
    expect(await numsub('vendor.location', vendorId)).toBe(1);
    dataOf(await moveVendor(vendorId, north(4)));
    await Promise.all([ofOwner.next('owner, first move'), ofOther.next('other, first move')]);
    nextSecond();
    stack.resetCounters();
    dataOf(await moveVendor(vendorId, north(5)));
    const events = { owner: await ofOwner.next('owner'), other: await ofOther.next('other') };
    return { ...events, vendorRequests: stack.subgraphRequests.vendor };
  }

  it('get each event completed once for all of them when no selected field depends on the viewer', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Shared Satay', owner.accessToken);
    const seen = await bothViewersSeeOneMove(VENDOR_LOCATION, vendorId, 1);
    expect(seen.owner).toEqual(seen.other);
    expect(seen.owner['data'].vendorLocationUpdated.vendor).toEqual({
      name: 'Shared Satay',
      isOpen: false,
      owner: { username: 'gw_live_owner' },
    });
    expect(seen.vendorRequests).toBe(1);
  });

  it('get a field declared @viewerDependent completed for each of them, with their own value', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Own View Vadas', owner.accessToken);
    dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($vendorId: ID!) { followVendor(vendorId: $vendorId) { id } }',
        { vendorId },
        { token: other.accessToken },
      ),
    );
    const FOLLOWS = `subscription ($vendorId: ID!) { vendorLocationUpdated(vendorId: $vendorId) { vendor { name viewerFollows } } }`;
    const seen = await bothViewersSeeOneMove(FOLLOWS, vendorId, 2);
    expect(seen.owner['data'].vendorLocationUpdated.vendor).toEqual({ name: 'Own View Vadas', viewerFollows: false });
    expect(seen.other['data'].vendorLocationUpdated.vendor).toEqual({ name: 'Own View Vadas', viewerFollows: true });
    expect(seen.vendorRequests).toBe(2);
  });
  it('get an event executed once at the owning subgraph for all of them, or per viewer for a @viewerDependent field', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Once Only Oden', owner.accessToken);
    dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($vendorId: ID!) { followVendor(vendorId: $vendorId) { id } }',
        { vendorId },
        { token: other.accessToken },
      ),
    );
    const STATUS = 'subscription ($vendorId: ID!) { vendorStatusChanged(vendorId: $vendorId) { name isOpen } }';
    const FOLLOWS = 'subscription ($vendorId: ID!) { vendorStatusChanged(vendorId: $vendorId) { name viewerFollows } }';
    /** Statements on the vendor table for one rename, with these subscriptions open. */
    const vendorReadsOfOneRename = async (subscriptions: Live[], name: string) => {
      stack.sql.vendor.reset();
      dataOf(await renameVendor(vendorId, name));
      const events = await Promise.all(subscriptions.map((live, index) => live.next(`subscriber ${index}`)));
      return { events, reads: stack.sql.vendor.countByTable()['vendor'] ?? 0 };
    };

    const first = subscribe(gatewayClient(owner.accessToken), STATUS, { vendorId });
    await waitFor('the subgraph subscriber', async () => (await numsub('vendor.status', vendorId)) === 1);
    const alone = await vendorReadsOfOneRename([first], 'Once Only Oden I');
    const second = subscribe(gatewayClient(other.accessToken), STATUS, { vendorId });
    // One upstream for both: the second viewer is authorized at the vendor subgraph (its rule, once), then joins.
    await waitFor('both viewers', async () => stack.gateway.subscriptionStats().sharedViewers === 2);
    expect(stack.pubsub.stats().subscribers).toBe(1);
    await vendorReadsOfOneRename([first, second], 'Once Only Oden (both served)');
    const together = await vendorReadsOfOneRename([first, second], 'Once Only Oden II');
    expect(together.events.map((event) => event['data'].vendorStatusChanged)).toEqual([
      { name: 'Once Only Oden II', isOpen: false },
      { name: 'Once Only Oden II', isOpen: false },
    ]);
    expect(together.reads).toBe(alone.reads); // the second viewer costs the subgraph no read
    first.stop();
    second.stop();
    await waitFor('both released', async () => stack.pubsub.stats().subscribers === 0);

    const ofOwner = subscribe(gatewayClient(owner.accessToken), FOLLOWS, { vendorId });
    const ofOther = subscribe(gatewayClient(other.accessToken), FOLLOWS, { vendorId });
    await waitFor('both subscribed at the subgraph', async () => stack.pubsub.stats().subscribers === 2);
    const own = await vendorReadsOfOneRename([ofOwner, ofOther], 'Once Only Oden III');
    expect(own.events.map((event) => event['data'].vendorStatusChanged.viewerFollows)).toEqual([false, true]);
  });
});

describe('who may subscribe', () => {
  const MEDIA =
    'subscription ($mediaId: ID!) { mediaStatusChanged(mediaId: $mediaId) { id status owner { username } } }';

  it("refuses another user's media at subscribe time (FORBIDDEN), and an anonymous socket (UNAUTHENTICATED)", async () => {
    const mediaId = await createUpload(owner.accessToken);
    expect(await refusal(gatewayClient(other.accessToken), MEDIA, { mediaId })).toBe('FORBIDDEN');
    expect(await refusal(gatewayClient(), MEDIA, { mediaId })).toBe('UNAUTHENTICATED');
    await waitFor('nothing held', async () => stack.gateway.subscriptionStats().upstreams === 0);
  });

  it('closes the socket with 4403 when connection_init carries a bad token, before any subgraph is called', async () => {
    let closedWith: number | undefined;
    stack.resetCounters();
    const live = subscribe(
      gatewayClient('not-a-token', (code) => (closedWith ??= code)),
      VENDOR_LOCATION,
      { vendorId: 'x' },
    );
    await waitFor('the socket to close', async () => closedWith);
    expect(closedWith).toBe(4403);
    expect(live.events).toEqual([]);
    expect(Object.values(stack.subgraphRequests).reduce((sum, count) => sum + count, 0)).toBe(0);
  });

  it('ends the stream with UNAUTHENTICATED when the access token expires', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Expiring Crepes', owner.accessToken);
    const shortLived = await signAccessToken(stack, owner.id, 2);
    const live = subscribe(gatewayClient(shortLived), VENDOR_LOCATION, { vendorId });
    await waitFor('the upstream subscription', async () => (await numsub('vendor.location', vendorId)) === 1);
    dataOf(await moveVendor(vendorId, north(5)));
    expect((await live.next('an event before expiry'))['data'].vendorLocationUpdated.lat).toBe(north(5).lat);

    const ended = await waitFor('the expiry', async () => live.ended, 5_000);
    expect(endCode(ended)).toBe('UNAUTHENTICATED');
    await waitFor('the upstream released', async () => stack.gateway.subscriptionStats().upstreams === 0);
  });
});

describe('failures', () => {
  it('delivers partial data with errors[].path when another subgraph fails, and goes on', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Partial Pies', owner.accessToken);
    const live = subscribe(gatewayClient(owner.accessToken), VENDOR_STATUS, { vendorId });
    await waitFor('the upstream subscription', async () => (await numsub('vendor.status', vendorId)) === 1);

    stack.failSubgraphRequests('location', true);
    dataOf(await renameVendor(vendorId, 'Partial Pies II'));
    const partial = await live.next('the partial event');
    expect(partial['data']).toEqual({
      vendorStatusChanged: {
        name: 'Partial Pies II',
        isOpen: false,
        location: null,
        owner: { username: 'gw_live_owner' },
      },
    });
    expect(partial['errors']).toEqual([
      {
        message: expect.stringMatching(/location service/),
        path: ['vendorStatusChanged'],
        extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'location' },
      },
    ]);
    expect(JSON.stringify(partial)).not.toMatch(/127\.0\.0\.1|ECONN|stack/);

    stack.failSubgraphRequests('location', false);
    dataOf(await renameVendor(vendorId, 'Partial Pies III'));
    const whole = await live.next('the next, whole event');
    expect(whole).toEqual({
      data: {
        vendorStatusChanged: {
          name: 'Partial Pies III',
          isOpen: false,
          location: null,
          owner: { username: 'gw_live_owner' },
        },
      },
      extensions: withEventId(),
    });
    expect(live.ended).toBeNull();
  });

  it('a client that stops reading does not delay another on the same upstream', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Slow Reader Soup', owner.accessToken);
    // A raw socket that subscribes and then stops reading: its kernel buffers fill, the gateway's queue
    // for it overflows (dropping its oldest events), and nobody else notices.
    const stalled = new WebSocket(stack.gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve) => stalled.once('open', resolve));
    stalled.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await new Promise((resolve) => stalled.once('message', resolve));
    stalled.send(
      JSON.stringify({ id: '1', type: 'subscribe', payload: { query: VENDOR_STATUS, variables: { vendorId } } }),
    );
    const live = subscribe(gatewayClient(), VENDOR_STATUS, { vendorId });
    await waitFor('both subscriptions', async () => stack.gateway.subscriptionStats().subscriptions === 2);
    (stalled as unknown as { _socket: { pause(): void } })._socket.pause();

    // Each rename's event reaches the live client while the stalled one reads nothing: were the stalled
    // client's sends awaited on the shared upstream, the live client would wait with it and `next` time out.
    for (let round = 0; round < 20; round++) {
      dataOf(await renameVendor(vendorId, `Slow Reader Soup ${round}`));
      const event = await live.next(`event ${round}`, 5_000);
      expect(event['data'].vendorStatusChanged.name).toBe(`Slow Reader Soup ${round}`);
    }
    stalled.terminate();
    await waitFor(
      'the stalled subscription released',
      async () => stack.gateway.subscriptionStats().subscriptions === 1,
    );
  });

  it('resubscribes after the owning subgraph restarts, delivers what was published meanwhile, and goes on', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Restart Ramen', owner.accessToken);
    const live = subscribe(gatewayClient(owner.accessToken), VENDOR_LOCATION, { vendorId });
    await waitFor('the upstream subscription', async () => (await numsub('vendor.location', vendorId)) === 1);
    dataOf(await moveVendor(vendorId, north(10)));
    expect((await live.next('an event before the restart'))['data'].vendorLocationUpdated.lat).toBe(north(10).lat);

    // While this location process is down, another replica of it publishes a move (same Redis, same topic).
    await stack.restartLocationSubgraph(async () => {
      await waitFor('the subscriber gone', async () => (await numsub('vendor.location', vendorId)) === 0);
      const updatedAt = new Date().toISOString();
      await stack.pubsub.publish('vendor.location', vendorId, {
        vendorId,
        ...north(20),
        accuracyMeters: null,
        updatedAt,
      });
    });
    const missed = await live.next('the move published while the subgraph was down', 10_000);
    expect(missed['data'].vendorLocationUpdated.lat).toBe(north(20).lat);
    await waitFor('the resubscription', async () => (await numsub('vendor.location', vendorId)) === 1, 10_000);
    nextSecond();
    dataOf(await moveVendor(vendorId, north(30)));
    expect((await live.next('an event after the restart'))['data'].vendorLocationUpdated.lat).toBe(north(30).lat);
    await live.expectQuiet(300);
    expect(live.ended).toBeNull();
  });
});

describe('supergraph reload', () => {
  const supergraphPath = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));

  it('keeps active subscriptions on their upstream; an invalid supergraph is refused and changes nothing', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Reload Rolls', owner.accessToken);
    const live = subscribe(gatewayClient(owner.accessToken), VENDOR_LOCATION, { vendorId });
    await waitFor('the upstream subscription', async () => (await numsub('vendor.location', vendorId)) === 1);

    expect(() => stack.gateway.reloadSupergraph('type Query { broken')).toThrow();
    dataOf(await moveVendor(vendorId, north(1)));
    expect((await live.next('still live after a refused reload'))['data']).toBeTruthy();

    const sdl = readFileSync(supergraphPath, 'utf8');
    const { upstreams, reloadContinued, reloadEnded } = stack.gateway.subscriptionStats();
    stack.gateway.reloadSupergraph(`${sdl}\n`);
    // Planned again on the new schema, to the same upstream subscription: it goes on where it was.
    expect(stack.gateway.subscriptionStats()).toMatchObject({
      upstreams,
      reloadContinued: reloadContinued + 1,
      reloadEnded,
    });
    nextSecond();
    dataOf(await moveVendor(vendorId, north(2)));
    expect((await live.next('an event on the new schema'))['data'].vendorLocationUpdated.lat).toBe(north(2).lat);
    expect(live.ended).toBeNull();
    expect(await numsub('vendor.location', vendorId)).toBe(1);
  });
});

describe('the socket', () => {
  const rawSocket = async () => {
    const socket = new WebSocket(stack.gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    return { socket, closed };
  };

  it('closes a socket that sends no connection_init within 3 s (4408)', async () => {
    const { closed } = await rawSocket();
    const started = Date.now();
    expect(await closed).toBe(4408);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('closes a socket that sends a message over the size limit (1009), not reading it whole', async () => {
    const { socket, closed } = await rawSocket();
    socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(300 * 1024) } }));
    expect(await closed).toBe(1009);
  });

  it('refuses subscriptions past the per-connection cap with SUBSCRIPTION_LIMIT_REACHED; the others stay', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Capped Kebab', owner.accessToken);
    const on = gatewayClient(owner.accessToken);
    const open = Array.from({ length: 100 }, () => subscribe(on, VENDOR_STATUS, { vendorId }));
    await waitFor('100 subscriptions', async () => stack.gateway.subscriptionStats().subscriptions === 100);
    const refused = subscribe(on, VENDOR_STATUS, { vendorId });
    expect(endCode(await refused.end('the refusal'))).toBe('SUBSCRIPTION_LIMIT_REACHED');
    expect(stack.gateway.subscriptionStats()).toMatchObject({ subscriptions: 100, upstreams: 1, hydrations: 1 });

    dataOf(await renameVendor(vendorId, 'Capped Kebab II'));
    for (const live of open) expect((await live.next('each'))['data'].vendorStatusChanged.name).toBe('Capped Kebab II');
  });

  it('runs queries and mutations like HTTP does', async () => {
    const on = gatewayClient(owner.accessToken);
    const result = await new Promise<Record<string, any>>((resolve, reject) => {
      on.subscribe({ query: '{ me { username } }' }, { next: resolve, error: reject, complete: () => undefined });
    });
    // Outside production the cost estimate comes along, as over HTTP.
    expect(result).toEqual({ data: { me: { username: 'gw_live_owner' } }, extensions: { cost: expect.anything() } });
  });

  it.each([
    [
      'an unknown field',
      'subscription { vendorLocationUpdated(vendorId: "x") { nope } }',
      {},
      'GRAPHQL_VALIDATION_FAILED',
    ],
    ['a syntax error', 'subscription {', {}, 'GRAPHQL_PARSE_FAILED'],
    ['a variable of the wrong type', VENDOR_LOCATION, { vendorId: { not: 'an id' } }, 'BAD_USER_INPUT'],
  ])(
    'refuses %s with a coded error, keeps the socket, and calls no subgraph',
    async (_case, query, variables, code) => {
      const closeCodes: number[] = [];
      const on = gatewayClient(undefined, (code) => closeCodes.push(code));
      stack.resetCounters();
      const ended = await subscribe(on, query, variables).end('the refusal');
      expect(endCode(ended)).toBe(code);
      expect(stack.gateway.subscriptionStats().upstreams).toBe(0);
      expect(Object.values(stack.subgraphRequests).reduce((sum, count) => sum + count, 0)).toBe(0);
      const result = await new Promise<Record<string, any>>((resolve, reject) => {
        on.subscribe({ query: '{ __typename }' }, { next: resolve, error: reject, complete: () => undefined });
      });
      expect(result['data']).toEqual({ __typename: 'Query' });
      // The client closes its idle socket itself (1000); the gateway never closed it for the bad operation.
      expect(closeCodes.filter((code) => code !== 1000)).toEqual([]);
    },
  );
});

describe('multipart HTTP subscriptions', () => {
  const post = (body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.accessToken}`, ...headers },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });

  it('streams federated events as parts; a client going away releases the upstream', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Multipart Melts', owner.accessToken);
    const aborted = new AbortController();
    const response = await post(
      { query: VENDOR_LOCATION, variables: { vendorId } },
      { accept: 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0", application/json' },
      aborted.signal,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('multipart/mixed;boundary="graphql";subscriptionSpec="1.0"');
    const parts = multipartParts(response);
    await waitFor('the upstream subscription', async () => (await numsub('vendor.location', vendorId)) === 1);

    dataOf(await moveVendor(vendorId, north(40)));
    const { value: first } = await parts.next();
    expect(first).toEqual({
      payload: {
        data: {
          vendorLocationUpdated: {
            lat: north(40).lat,
            lng: lisbon.lng,
            vendor: { name: 'Multipart Melts', isOpen: false, owner: { username: 'gw_live_owner' } },
          },
        },
        extensions: withEventId(),
      },
    });

    aborted.abort();
    await waitFor('the upstream released', async () => stack.gateway.subscriptionStats().upstreams === 0);
    await waitFor('the Redis channel released', async () => (await numsub('vendor.location', vendorId)) === 0);
  });

  it('delivers a refusal as one part carrying the error, then ends', async () => {
    const response = await post(
      { query: VENDOR_LOCATION, variables: { vendorId: '00000000-0000-4000-8000-000000000000' } },
      { accept: 'multipart/mixed;subscriptionSpec=1.0' },
    );
    const received = [];
    for await (const part of multipartParts(response)) received.push(part);
    expect(received).toEqual([
      {
        payload: {
          data: null,
          errors: [expect.objectContaining({ extensions: { code: 'NOT_FOUND', serviceName: 'location' } })],
        },
      },
    ]);
  });

  it('answers 400 to a subscription over plain HTTP, and to an invalid one, calling no subgraph', async () => {
    stack.resetCounters();
    const plain = await post({ query: VENDOR_LOCATION, variables: { vendorId: 'x' } });
    expect(plain.status).toBe(400);
    expect(((await plain.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
    const invalid = await post(
      { query: 'subscription { vendorLocationUpdated(vendorId: "x") { nope } }' },
      { accept: 'multipart/mixed;subscriptionSpec=1.0' },
    );
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as any).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(Object.values(stack.subgraphRequests).reduce((sum, count) => sum + count, 0)).toBe(0);
  });
});

describe('resuming after a lost connection (extensions.lastEventId)', () => {
  const COMMENTS = `subscription ($postId: ID!) { commentAdded(postId: $postId) { body author { username } } }`;
  const addComment = (postId: string, body: string) =>
    graphql(
      stack.gatewayUrl,
      'mutation ($postId: ID!, $body: String!) { addComment(postId: $postId, body: $body) { id } }',
      { postId, body },
      { token: other.accessToken },
    );
  const comment = (body: string) => ({
    data: { commentAdded: { body, author: { username: 'gw_live_other' } } },
    extensions: withEventId(),
  });

  /** A subscriber that got `first` and then lost its connection: the id it resumes after. */
  async function lastEventIdAfter(postId: string, first: string): Promise<string> {
    const live = subscribe(gatewayClient(other.accessToken), COMMENTS, { postId });
    await waitFor('the upstream subscription', async () => (await numsub('post.comment', postId)) === 1);
    dataOf(await addComment(postId, first));
    const received = await live.next('the first comment');
    expect(received).toEqual(comment(first));
    live.stop();
    await waitFor('the connection gone', async () => (await numsub('post.comment', postId)) === 0);
    return received['extensions'].eventId;
  }

  it('delivers the events missed meanwhile, federated and in order, then live ones, none twice', async () => {
    const postId = await createPost(stack, owner.accessToken, 'Resume me');
    const lastEventId = await lastEventIdAfter(postId, 'one');
    dataOf(await addComment(postId, 'two'));
    dataOf(await addComment(postId, 'three'));

    const resumed = subscribe(gatewayClient(other.accessToken), COMMENTS, { postId }, { lastEventId });
    const missed = [await resumed.next('the first missed comment'), await resumed.next('the second missed comment')];
    expect(missed).toEqual([comment('two'), comment('three')]);
    const ids = [lastEventId, ...missed.map((event) => event['extensions'].eventId as string)];
    expect(new Set(ids).size).toBe(3);
    // A fresh subscriber next to it gets nothing of the past.
    const fresh = subscribe(gatewayClient(other.accessToken), COMMENTS, { postId });
    await resumed.expectQuiet(300);
    expect(fresh.events).toEqual([]);

    dataOf(await addComment(postId, 'four'));
    expect(await resumed.next('the live comment')).toEqual(comment('four'));
    expect(await fresh.next('the live comment, fresh')).toEqual(comment('four'));
    await resumed.expectQuiet(300);
  });

  it('resumes over multipart HTTP too', async () => {
    const postId = await createPost(stack, owner.accessToken, 'Resume over HTTP');
    const lastEventId = await lastEventIdAfter(postId, 'one');
    dataOf(await addComment(postId, 'two'));
    const aborted = new AbortController();
    const response = await fetch(stack.gatewayUrl, {
      signal: aborted.signal,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'multipart/mixed;subscriptionSpec="1.0", application/json',
        authorization: `Bearer ${other.accessToken}`,
      },
      body: JSON.stringify({ query: COMMENTS, variables: { postId }, extensions: { lastEventId } }),
    });
    expect(response.status).toBe(200);
    const parts = multipartParts(response);
    expect((await parts.next()).value).toEqual({ payload: comment('two') });
    aborted.abort();
    await waitFor('the subscription released', async () => stack.gateway.subscriptionStats().subscriptions === 0);
  });

  it('is authorized as a fresh subscription: another user cannot replay an owner-only feed', async () => {
    const mediaId = await createUpload(owner.accessToken);
    // The owner's media has history (as its processing would publish): nothing of it may reach another user.
    await stack.pubsub.publish('media.status', mediaId, { mediaId, ownerId: owner.id });
    const MEDIA = 'subscription ($mediaId: ID!) { mediaStatusChanged(mediaId: $mediaId) { id status } }';
    const before = `${Date.now() - 60_000}-0`; // within the kept window, before that history
    const replay = subscribe(gatewayClient(other.accessToken), MEDIA, { mediaId }, { lastEventId: before });
    expect(endCode(await replay.end('the refusal'))).toBe('FORBIDDEN');
    expect(replay.events).toEqual([]);
    // The owner, resuming from the same id, gets it.
    const own = subscribe(gatewayClient(owner.accessToken), MEDIA, { mediaId }, { lastEventId: before });
    expect((await own.next("the owner's replay"))['data']).toEqual({
      mediaStatusChanged: { id: mediaId, status: 'PENDING_UPLOAD' },
    });
  });

  it('refuses with SUBSCRIPTION_CANNOT_RESUME what is no longer kept, or cannot be resumed; BAD_USER_INPUT for a bad id', async () => {
    const postId = await createPost(stack, owner.accessToken, 'Too late');
    const before = stack.gateway.subscriptionStats();
    const tooOld = subscribe(gatewayClient(other.accessToken), COMMENTS, { postId }, { lastEventId: '1000-0' });
    const ended = await tooOld.end('the refusal');
    expect(endCode(ended)).toBe('SUBSCRIPTION_CANNOT_RESUME');
    expect(tooOld.events).toEqual([]);

    const NEARBY = `subscription { vendorsNearbyUpdated(lat: ${lisbon.lat}, lng: ${lisbon.lng}, radiusMeters: 500) { lat } }`;
    const nearby = subscribe(gatewayClient(other.accessToken), NEARBY, {}, { lastEventId: `${Date.now()}-0` });
    expect(endCode(await nearby.end('the refusal'))).toBe('SUBSCRIPTION_CANNOT_RESUME');

    const client = gatewayClient(other.accessToken);
    const malformed = subscribe(client, COMMENTS, { postId }, { lastEventId: 'latest' });
    expect(endCode(await malformed.end('the refusal'))).toBe('BAD_USER_INPUT');
    // The socket stays usable.
    const live = subscribe(client, COMMENTS, { postId });
    await waitFor('the upstream subscription', async () => (await numsub('post.comment', postId)) === 1);
    dataOf(await addComment(postId, 'still here'));
    expect(await live.next('the comment')).toEqual(comment('still here'));
    await waitFor('no replay left behind', async () => stack.gateway.subscriptionStats().subscriptions === 1);
    // Counted for operators (/metrics): two resumes, both refused; the malformed one never started.
    expect(stack.gateway.subscriptionStats()).toMatchObject({
      resumes: before.resumes + 2,
      refusedResumes: before.refusedResumes + 2,
    });
    const metrics = await (await fetch(new URL('/metrics', stack.gatewayUrl))).text();
    expect(metrics).toContain(`curbside_gateway_subscription_resumes{outcome="refused"} ${before.refusedResumes + 2}`);
  });
});

describe('Apollo Client', () => {
  const LOCATION = gql`
    subscription VendorMoves($vendorId: ID!) {
      vendorLocationUpdated(vendorId: $vendorId) {
        lat
        vendor {
          id
          name
          owner {
            id
            username
          }
        }
      }
    }
  `;

  async function receivesWith(link: ConstructorParameters<typeof ApolloClient>[0]['link'], vendorName: string) {
    const vendorId = await createVendorSeenByLocation(stack, vendorName, owner.accessToken);
    const client = new ApolloClient({ link, cache: new InMemoryCache() });
    const events: Record<string, any>[] = [];
    const subscription = client
      .subscribe({ query: LOCATION, variables: { vendorId } })
      .subscribe({ next: (result) => void events.push(result as Record<string, any>) });
    try {
      await waitFor('the upstream subscription', async () => (await numsub('vendor.location', vendorId)) === 1);
      dataOf(await moveVendor(vendorId, north(70)));
      const event = await waitFor('the event at Apollo Client', async () => events[0]);
      expect(event['data'].vendorLocationUpdated).toMatchObject({
        lat: north(70).lat,
        vendor: { id: vendorId, name: vendorName, owner: { id: owner.id, username: 'gw_live_owner' } },
      });
    } finally {
      subscription.unsubscribe();
      client.stop();
    }
    await waitFor('the upstream released', async () => (await numsub('vendor.location', vendorId)) === 0);
  }

  it('receives live events through GraphQLWsLink', async () => {
    const link = new GraphQLWsLink(liveClient(stack.gatewayUrl, owner.accessToken));
    await receivesWith(link, 'Apollo Ws Arepas');
  });

  it('receives live events through plain HttpLink (multipart subscriptions)', async () => {
    const link = new HttpLink({ uri: stack.gatewayUrl, headers: { authorization: `Bearer ${owner.accessToken}` } });
    await receivesWith(link, 'Apollo Http Halloumi');
  });

  it('loses no event across a dropped connection with resumableSubscriptions; plain GraphQLWsLink does', async () => {
    const postId = await createPost(stack, owner.accessToken, 'Apollo resumes');
    const line = await startTcpProxy(Number(new URL(stack.gatewayUrl).port));
    const sockets: Client[] = [];
    const socket = () => {
      const created = createClient({
        url: `ws://127.0.0.1:${line.port}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${other.accessToken}` },
        retryAttempts: 50,
        retryWait: () => new Promise((resolve) => setTimeout(resolve, 100)),
        // A reconnection tried while the line is still down fails with an error event, not a close event, and
        // graphql-ws by default gives up on those: a phone losing its network retries them like any other.
        shouldRetry: () => true,
      });
      sockets.push(created);
      return created;
    };
    const COMMENTS = gql`
      subscription Comments($postId: ID!) {
        commentAdded(postId: $postId) {
          body
        }
      }
    `;
    const received = { resuming: [] as string[], plain: [] as string[] };
    const clients = {
      resuming: new ApolloClient({
        link: new GraphQLWsLink(resumableSubscriptions(socket())),
        cache: new InMemoryCache(),
      }),
      plain: new ApolloClient({ link: new GraphQLWsLink(socket()), cache: new InMemoryCache() }),
    };
    const subscriptions = (['resuming', 'plain'] as const).map((name) =>
      clients[name]
        .subscribe({ query: COMMENTS, variables: { postId } })
        .subscribe({ next: (result) => void received[name].push((result.data as any).commentAdded.body) }),
    );
    const addComment = (body: string) =>
      graphql(
        stack.gatewayUrl,
        'mutation ($postId: ID!, $body: String!) { addComment(postId: $postId, body: $body) { id } }',
        { postId, body },
        { token: owner.accessToken },
      );
    try {
      await waitFor('both subscribed', async () => stack.gateway.subscriptionStats().subscriptions === 2);
      await waitFor('the upstream subscription', async () => (await numsub('post.comment', postId)) === 1);
      dataOf(await addComment('one'));
      await waitFor('the first comment', async () => received.resuming.length === 1 && received.plain.length === 1);

      line.cut();
      await waitFor('both connections gone', async () => stack.gateway.subscriptionStats().subscriptions === 0);
      dataOf(await addComment('two'));
      dataOf(await addComment('three'));
      line.restore();
      await waitFor('both resubscribed', async () => stack.gateway.subscriptionStats().subscriptions === 2, 10_000);
      dataOf(await addComment('four'));
      await waitFor(
        'the live comment',
        async () => received.resuming.at(-1) === 'four' && received.plain.at(-1) === 'four',
      );
      expect(received.resuming).toEqual(['one', 'two', 'three', 'four']);
      expect(received.plain).toEqual(['one', 'four']);
    } finally {
      for (const subscription of subscriptions) subscription.unsubscribe();
      for (const client of Object.values(clients)) client.stop();
      await Promise.all(sockets.map((created) => created.dispose()));
      await line.close();
    }
  });
});
