/**
 * Subscriptions across real processes: five subgraph processes and two gateway processes that share nothing
 * but Redis (through the subgraphs). Every gateway delivers every event to its own clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createVendorSeenByLocation,
  dataOf,
  disposeLiveClients,
  graphql,
  liveClient,
  registerUser,
  startProcessStack,
  stopProcess,
  subscribe,
  waitFor,
  withEventId,
  type Account,
  type Live,
  type ProcessStack,
} from './index.ts';

let stack: ProcessStack;
let owner: Account;

beforeAll(async () => {
  stack = await startProcessStack({ gateways: 2 });
  owner = await registerUser(stack.gatewayUrl, 'replica_owner');
}, 60_000);
afterAll(async () => {
  await disposeLiveClients();
  await stack?.stop();
});

const VENDOR_LOCATION = `subscription ($vendorId: ID!) {
  vendorLocationUpdated(vendorId: $vendorId) { lat lng vendor { name isOpen owner { username } } }
}`;

const lisbon = { lat: 38.7223, lng: -9.1393 };
const north = (meters: number) => ({ lat: lisbon.lat + meters / 111_320, lng: lisbon.lng });

const moveVendor = (vendorId: string, meters: number) =>
  graphql(
    stack.gatewayUrl,
    'mutation ($input: UpdateVendorLocationInput!) { updateVendorLocation(input: $input) { lat } }',
    { input: { vendorId, ...north(meters) } },
    { token: owner.accessToken },
  );

/**
 * Moves the vendor once a second until every stream got an event: the subgraph sockets open asynchronously
 * and nothing outside the processes says when they are subscribed. Clears what arrived.
 */
async function untilAllSubscribed(vendorId: string, streams: Live[]) {
  let meters = 1_000;
  await waitFor(
    'every gateway to be subscribed upstream',
    async () => {
      await moveVendor(vendorId, meters++);
      await new Promise((resolve) => setTimeout(resolve, 1_050));
      return streams.every((stream) => stream.events.length > 0);
    },
    20_000,
  );
  for (const stream of streams) stream.events.length = 0;
}

describe('two gateway processes', () => {
  it('deliver one fully federated event per update to a client on each, and SIGTERM closes sockets with 1001', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Replica Ramen', owner.accessToken);
    const closedOnSecond: number[] = [];
    const [first, second] = stack.gateways;
    const onFirst = subscribe(liveClient(first!.url, owner.accessToken), VENDOR_LOCATION, { vendorId });
    const onSecond = subscribe(
      liveClient(second!.url, owner.accessToken, (code) => closedOnSecond.push(code)),
      VENDOR_LOCATION,
      { vendorId },
    );
    await untilAllSubscribed(vendorId, [onFirst, onSecond]);

    dataOf(await moveVendor(vendorId, 100));
    const expected = {
      data: {
        vendorLocationUpdated: {
          ...north(100),
          vendor: { name: 'Replica Ramen', isOpen: false, owner: { username: 'replica_owner' } },
        },
      },
      extensions: withEventId(),
    };
    expect(await onFirst.next('the event on the first gateway')).toEqual(expected);
    const lastOnSecond = await onSecond.next('the event on the second gateway');
    expect(lastOnSecond).toEqual(expected);
    await Promise.all([onFirst.expectQuiet(500), onSecond.expectQuiet(0)]);

    // The second gateway stops: its clients are told to go elsewhere (1001), the first one's carry on.
    expect(await stopProcess(second!)).toBe(0);
    await waitFor('the close code', async () => closedOnSecond.length > 0);
    expect(closedOnSecond[0]).toBe(1001);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    dataOf(await moveVendor(vendorId, 200));
    expect((await onFirst.next('the event after the other gateway stopped'))['data'].vendorLocationUpdated.lat).toBe(
      north(200).lat,
    );

    // The second gateway's client reconnects to the first with the last event it got: it receives the move it
    // missed while it had no connection (fully federated), then live ones, none twice.
    const resumed = subscribe(
      liveClient(first!.url, owner.accessToken),
      VENDOR_LOCATION,
      { vendorId },
      {
        lastEventId: lastOnSecond['extensions'].eventId,
      },
    );
    const missed = await resumed.next('the missed event, replayed');
    expect(missed).toEqual({
      data: { vendorLocationUpdated: { ...north(200), vendor: expected.data.vendorLocationUpdated.vendor } },
      extensions: withEventId(),
    });
    await resumed.expectQuiet(300);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    dataOf(await moveVendor(vendorId, 300));
    expect((await resumed.next('the next live event'))['data'].vendorLocationUpdated.lat).toBe(north(300).lat);
    expect((await onFirst.next('the same on the first client'))['data'].vendorLocationUpdated.lat).toBe(north(300).lat);
    await resumed.expectQuiet(300);
  });
});
