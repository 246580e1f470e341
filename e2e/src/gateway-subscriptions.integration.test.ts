/**
 * Federated subscriptions through the gateway: graphql-ws on the gateway's own port, the primary fetch sent
 * over graphql-ws to the owning subgraph, every event completed with other subgraphs' fields.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createVendorSeenByLocation,
  dataOf,
  disposeLiveClients,
  endCode,
  graphql,
  liveClient,
  redisUrl,
  refusal,
  registerUser,
  signAccessToken,
  startStack,
  subscribe,
  waitFor,
  type Account,
  type TestStack,
} from './index.ts';

let stack: TestStack;
let admin: Redis;
let owner: Account;
let other: Account;

beforeAll(async () => {
  stack = await startStack();
  admin = new Redis(redisUrl);
  owner = await registerUser(stack.gatewayUrl, 'gw_live_owner');
  other = await registerUser(stack.gatewayUrl, 'gw_live_other');
});
afterEach(async () => {
  await disposeLiveClients();
  stack.failSubgraphRequests('user', false);
  stack.failSubgraphRequests('location', false);
});
afterAll(async () => {
  await admin?.quit();
  await stack?.stop();
});

const gatewayClient = (token?: string, onClosed?: (code: number) => void) =>
  liveClient(stack.gatewayUrl, token, onClosed);

async function numsub(topic: Parameters<TestStack['pubsub']['channelOf']>[0], key: string): Promise<number> {
  const reply = (await admin.call('PUBSUB', 'NUMSUB', stack.pubsub.channelOf(topic, key))) as [string, number];
  return Number(reply[1]);
}

const lisbon = { lat: 38.7223, lng: -9.1393 };
const north = (meters: number) => ({ lat: lisbon.lat + meters / 111_320, lng: lisbon.lng });
/** The location subgraph accepts one position per vendor per second. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1_050));

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
    await nextSecond();
    dataOf(await moveVendor(vendorId, north(20)));
    expect((await second.next('second, alone'))['data'].vendorLocationUpdated.lat).toBe(north(20).lat);
    await first.expectQuiet(200);

    second.stop();
    await waitFor('the upstream released', async () => stack.gateway.subscriptionStats().upstreams === 0);
    expect(stack.gateway.subscriptionStats()).toMatchObject({ subscriptions: 0, hydrations: 0, upstreamSockets: 0 });
    await waitFor('the Redis channel released', async () => (await numsub('vendor.location', vendorId)) === 0);
  });
});
