/**
 * A suspended or closed account's open subscriptions end within seconds, over graphql-ws and multipart HTTP,
 * with the error a new request of that account gets: not 15 minutes later, when its access token expires.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '@curbside/async';
import {
  createVendorSeenByLocation,
  dataOf,
  disposeLiveClients,
  endCode,
  graphql,
  liveClient,
  openLiveClients,
  registerAdmin,
  registerUser,
  startStack,
  subscribe,
  waitFor,
  type Account,
  type Live,
  type TestStack,
  multipartParts,
} from './index.ts';

let stack: TestStack;
let owner: Account;
let admin: Account;
const openResponses: AbortController[] = [];
/** The location subgraph's clock (see nextSecond). */
const clock = manualClock();

beforeAll(async () => {
  stack = await startStack({ clock });
  owner = await registerUser(stack.gatewayUrl, 'block_live_owner');
  admin = await registerAdmin(stack, 'block_live_admin');
});
afterEach(async () => {
  await disposeLiveClients();
  for (const controller of openResponses.splice(0)) controller.abort();
});
afterAll(async () => {
  await stack?.stop();
});

const VENDOR_LOCATION = `subscription ($vendorId: ID!) {
  vendorLocationUpdated(vendorId: $vendorId) { lat vendor { name } }
}`;

const lisbon = { lat: 38.7223, lng: -9.1393 };
/** The location subgraph accepts one position per vendor per second: its clock is moved past each. */
const nextSecond = () => clock.advance(1_000);

/** A multipart HTTP subscription read in the background: its event payloads, and its ending errors. */
interface MultipartLive {
  events: Record<string, any>[];
  /** The errors of the final part (`payload: null`), or [] when it ended without; null while open. */
  ended: { message: string; extensions?: Record<string, unknown> }[] | null;
}

async function multipartSubscribe(token: string, query: string, variables: Record<string, unknown>) {
  const controller = new AbortController();
  openResponses.push(controller);
  const response = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'multipart/mixed;subscriptionSpec=1.0',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  const live: MultipartLive = { events: [], ended: null };
  void (async () => {
    try {
      for await (const part of multipartParts(response)) {
        const { payload, errors } = part as { payload?: Record<string, any> | null; errors?: MultipartLive['ended'] };
        if (payload) live.events.push(payload);
        else if (payload === null) live.ended = errors ?? [];
      }
    } catch {
      // Aborted by the test's cleanup.
    }
    live.ended ??= [];
  })();
  return live;
}

const moveVendor = (vendorId: string, lat: number) =>
  graphql(
    stack.gatewayUrl,
    'mutation ($input: UpdateVendorLocationInput!) { updateVendorLocation(input: $input) { lat } }',
    { input: { vendorId, lat, lng: lisbon.lng } },
    { token: owner.accessToken },
  );

/**
 * Moves the vendor once a second until every stream got an event: each signed-in subscriber has an upstream
 * socket of its own, and only an event proves that upstream is subscribed.
 */
async function moveUntilDelivered(vendorId: string, streams: { events: unknown[] }[]): Promise<void> {
  let lat = lisbon.lat;
  await waitFor(
    'an event on every stream',
    async () => {
      lat += 0.0001;
      dataOf(await moveVendor(vendorId, lat));
      nextSecond();
      return streams.every((stream) => stream.events.length > 0);
    },
    20_000,
  );
}

/**
 * A graphql-ws client that keeps its socket open with no subscription running (`liveClient`'s closes it once
 * the last one ends, and its next subscribe would be a new connection, verified afresh): so a subscribe after
 * the account was blocked goes through the open socket. `closes` lists the socket's close codes.
 */
function eagerSocket(token: string) {
  const closes: number[] = [];
  const client = createClient({
    url: stack.gatewayUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: 0,
    on: { closed: (event) => void closes.push((event as { code: number }).code) },
  });
  openLiveClients.push(client);
  return { client, closes };
}

/** The errors a graphql-ws stream ended with (graphql-ws sends the error list). */
const wsErrors = (live: Live) => live.ended?.error as { message: string; extensions?: Record<string, unknown> }[];

/** How long, from now, until every stream has ended. */
async function timeUntilEnded(streams: (Live | MultipartLive)[]): Promise<number> {
  const start = Date.now();
  await waitFor('every stream to end', async () => streams.every((stream) => stream.ended !== null), 10_000);
  return Date.now() - start;
}

describe("a blocked account's open subscriptions", () => {
  it('end with FORBIDDEN within seconds of a suspension, over graphql-ws and multipart; others go on', async () => {
    const member = await registerUser(stack.gatewayUrl, 'block_live_suspended');
    const vendorId = await createVendorSeenByLocation(stack, 'Suspension Subs', owner.accessToken);
    const socket = eagerSocket(member.accessToken);
    const overWs = subscribe(socket.client, VENDOR_LOCATION, { vendorId });
    const overHttp = await multipartSubscribe(member.accessToken, VENDOR_LOCATION, { vendorId });
    const bystander = subscribe(liveClient(stack.gatewayUrl, owner.accessToken), VENDOR_LOCATION, { vendorId });
    await moveUntilDelivered(vendorId, [overWs, overHttp, bystander]);
    expect(stack.gateway.subscriptionStats().subscriptions).toBe(3);

    dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($userId: ID!) { suspendUser(userId: $userId, reason: "Spam") { id } }',
        { userId: member.id },
        { token: admin.accessToken },
      ),
    );
    // The tokens are good for 15 minutes more: only the blocklist can end these streams this soon.
    expect(await timeUntilEnded([overWs, overHttp])).toBeLessThan(4_000);
    const suspended = [{ message: 'This account is suspended.', extensions: { code: 'FORBIDDEN' } }];
    expect(wsErrors(overWs)).toEqual(suspended);
    expect(overHttp.ended).toEqual(suspended);
    // The socket was verified before the suspension: a new subscription on it is refused all the same.
    const refused = subscribe(socket.client, VENDOR_LOCATION, { vendorId });
    expect(endCode(await refused.end('the refusal'))).toBe('FORBIDDEN');
    expect(socket.closes).toEqual([]);

    // The owner's subscription to the same vendor is untouched, and the member's upstream is gone.
    expect(bystander.ended).toBeNull();
    await waitFor('the member upstream released', async () => stack.gateway.subscriptionStats().upstreams === 1);
    bystander.events.length = 0;
    dataOf(await moveVendor(vendorId, lisbon.lat + 0.01));
    expect((await bystander.next('an event after the suspension'))['data'].vendorLocationUpdated.lat).toBe(
      lisbon.lat + 0.01,
    );
  });

  it('end with UNAUTHENTICATED within seconds of the account closing itself', async () => {
    const member = await registerUser(stack.gatewayUrl, 'block_live_closing');
    const vendorId = await createVendorSeenByLocation(stack, 'Closing Curry', owner.accessToken);
    const socket = eagerSocket(member.accessToken);
    const overWs = subscribe(socket.client, VENDOR_LOCATION, { vendorId });
    const overHttp = await multipartSubscribe(member.accessToken, VENDOR_LOCATION, { vendorId });
    await moveUntilDelivered(vendorId, [overWs, overHttp]);

    dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($password: String!) { deleteAccount(password: $password) }',
        { password: member.password },
        { token: member.accessToken },
      ),
    );
    expect(await timeUntilEnded([overWs, overHttp])).toBeLessThan(4_000);
    const closed = [{ message: 'This account has been closed.', extensions: { code: 'UNAUTHENTICATED' } }];
    expect(wsErrors(overWs)).toEqual(closed);
    expect(overHttp.ended).toEqual(closed);
    const refused = subscribe(socket.client, VENDOR_LOCATION, { vendorId });
    expect(endCode(await refused.end('the refusal'))).toBe('UNAUTHENTICATED');
    expect(socket.closes).toEqual([]);
    await waitFor('every upstream released', async () => stack.gateway.subscriptionStats().upstreams === 0);
  });
});
