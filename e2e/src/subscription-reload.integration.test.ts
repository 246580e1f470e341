/**
 * Subscriptions across a supergraph reload, with the gateway as a process on a supergraph file: under a steady
 * stream of events, subscribers over graphql-ws and multipart HTTP, anonymous and signed in, keep receiving
 * through a compatible change with no event lost and none repeated (counted per subscriber); a change that
 * removes a field one of them selects ends that one with SUBSCRIPTION_SCHEMA_RELOAD and no other; a change that
 * moves their upstream (a selected field becoming @viewerDependent: one upstream per viewer instead of one for
 * all) hands them over to the new upstreams with nothing lost or repeated either.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createVendorSeenByLocation,
  disposeLiveClients,
  endCode,
  liveClient,
  multipartParts,
  registerUser,
  startProcess,
  startStack,
  stopProcess,
  subscribe,
  waitFor,
  type Account,
  type ServiceProcess,
  type TestStack,
} from './index.ts';

const committedSupergraph = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));
const committed = readFileSync(committedSupergraph, 'utf8');
let stack: TestStack;
let owner: Account;
let folder: string;
const vendors: string[] = [];

beforeAll(async () => {
  stack = await startStack();
  owner = await registerUser(stack.gatewayUrl, 'reload_live_owner');
  folder = mkdtempSync(join(tmpdir(), 'curbside-subscription-reload-'));
  for (const name of ['Reload Ramen', 'Reload Rotis']) {
    vendors.push(await createVendorSeenByLocation(stack, name, owner.accessToken));
  }
});
afterEach(async () => {
  await disposeLiveClients();
});
afterAll(async () => {
  await stack?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** The committed supergraph with `VendorLocation`'s definition rewritten by `edit`. */
function withVendorLocation(sdl: string, edit: (block: string) => string): string {
  const start = sdl.indexOf('type VendorLocation\n');
  const end = sdl.indexOf('\n}\n', start) + 3;
  const changed = sdl.slice(0, start) + edit(sdl.slice(start, end)) + sdl.slice(end);
  expect(changed).not.toBe(sdl); // the change a test makes must be one
  return changed;
}
/** A compatible change: a field added elsewhere (on Query, owned by the vendor subgraph). */
const withFieldElsewhere = (sdl: string) => {
  const changed = sdl.replace(
    /(type Query\n(?: {2}@join__type\([^)]*\)\n)+\{\n)/,
    '$1  reloadProbe: String @join__field(graph: VENDOR)\n',
  );
  expect(changed).not.toBe(sdl);
  return changed;
};
const withoutAccuracy = (sdl: string) =>
  withVendorLocation(sdl, (block) => block.replace(/\n\n[^\n]*\n {2}accuracyMeters: Float/, ''));
const withViewerDependentLat = (sdl: string) =>
  withVendorLocation(sdl, (block) => block.replace('lat: Float!', 'lat: Float! @viewerDependent'));

async function startGateway(supergraphPath: string): Promise<ServiceProcess> {
  const subgraphUrls = Object.fromEntries(
    Object.entries(stack.subgraphUrls).map(([name, url]) => [`SUBGRAPH_URL_${name.toUpperCase()}`, url]),
  );
  return startProcess('gateway/src/main.ts', {
    ...subgraphUrls,
    SUPERGRAPH_PATH: supergraphPath,
    JWKS_URL: stack.jwksUrl,
    REDIS_URL: stack.redisUrl,
    REDIS_KEY_PREFIX: stack.redisKeyPrefix,
    RATE_LIMIT_ANONYMOUS_COST: String(Number.MAX_SAFE_INTEGER),
    RATE_LIMIT_USER_COST: String(Number.MAX_SAFE_INTEGER),
  });
}

const supergraphOf = async (gatewayUrl: string) =>
  ((await (await fetch(new URL('/ready', gatewayUrl))).json()) as { supergraph?: string }).supergraph;

/** Writes `sdl` to the gateway's supergraph file and waits until the gateway serves it. */
async function reload(gateway: ServiceProcess, path: string, sdl: string): Promise<void> {
  const before = await supergraphOf(gateway.url);
  writeFileSync(path, sdl);
  await waitFor('the new supergraph served', async () => (await supergraphOf(gateway.url)) !== before, 10_000);
}

/**
 * Each event's sequence number travels in its latitude (a ten-thousandth of a degree per event), so every
 * delivery tells which event it is.
 */
const latitudeOf = (seq: number) => seq / 10_000;
const seqOf = (lat: number) => Math.round(lat * 10_000);

/** Publishes an event for every vendor every `periodMs` at the location subgraph's topic, until stopped. */
function startPublishing(periodMs = 25) {
  const published = new Map<string, number[]>(vendors.map((vendorId) => [vendorId, []]));
  let seq = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      seq++;
      await Promise.all(
        vendors.map(async (vendorId) => {
          await stack.pubsub.publish('vendor.location', vendorId, {
            vendorId,
            lat: latitudeOf(seq),
            lng: 0,
            accuracyMeters: null,
            updatedAt: new Date().toISOString(),
          });
          published.get(vendorId)!.push(seq);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, periodMs));
    }
  })();
  return {
    published,
    /** Stops, and returns the last sequence number published for every vendor. */
    async stop(): Promise<number> {
      running = false;
      await done;
      return seq;
    },
  };
}

/** One subscriber: what it received (sequence numbers, in order) and how it ended. */
interface Subscriber {
  name: string;
  vendorId: string;
  received: number[];
  ended: { code: unknown } | null;
  /** Malformed events: errors, or fields missing. */
  problems: string[];
}

const LOCATION = `subscription Moves($vendorId: ID!) {
  vendorLocationUpdated(vendorId: $vendorId) { lat vendor { name owner { username } } }
}`;
const LOCATION_WITH_ACCURACY = `subscription MovesWithAccuracy($vendorId: ID!) {
  vendorLocationUpdated(vendorId: $vendorId) { lat accuracyMeters vendor { name } }
}`;

function record(subscriber: Subscriber, payload: Record<string, any>): void {
  const event = payload['data']?.vendorLocationUpdated;
  if (payload['errors'] || typeof event?.lat !== 'number' || typeof event.vendor?.name !== 'string') {
    subscriber.problems.push(JSON.stringify(payload));
    return;
  }
  subscriber.received.push(seqOf(event.lat));
}

function overGraphqlWs(gatewayUrl: string, name: string, vendorId: string, token?: string, query = LOCATION) {
  const subscriber: Subscriber = { name, vendorId, received: [], ended: null, problems: [] };
  const live = subscribe(liveClient(gatewayUrl, token), query, { vendorId });
  const poll = setInterval(() => {
    for (const payload of live.events.splice(0)) record(subscriber, payload);
    if (live.ended && !subscriber.ended) subscriber.ended = { code: endCode(live.ended) ?? 'complete' };
  }, 5);
  return { subscriber, stop: () => (clearInterval(poll), live.stop()) };
}

function overMultipart(gatewayUrl: string, name: string, vendorId: string, token?: string, query = LOCATION) {
  const subscriber: Subscriber = { name, vendorId, received: [], ended: null, problems: [] };
  const aborted = new AbortController();
  void (async () => {
    try {
      const response = await fetch(gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'multipart/mixed;subscriptionSpec=1.0',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables: { vendorId } }),
        signal: aborted.signal,
      });
      for await (const part of multipartParts(response)) {
        if (!('payload' in part)) continue; // a heartbeat
        if (part['payload'] === null) {
          subscriber.ended = { code: part['errors']?.[0]?.extensions?.code };
          return;
        }
        record(subscriber, part['payload']);
      }
      subscriber.ended ??= { code: 'complete' };
    } catch (error) {
      if (!aborted.signal.aborted) subscriber.ended = { code: String(error) };
    }
  })();
  return { subscriber, stop: () => aborted.abort() };
}

/**
 * What a subscriber lost and repeated: every event of its vendor published from the first one it received up to
 * the last one published should have arrived, once each, in order.
 */
function tally(subscriber: Subscriber, published: Map<string, number[]>) {
  const first = subscriber.received[0] ?? Number.POSITIVE_INFINITY;
  const expected = published.get(subscriber.vendorId)!.filter((seq) => seq >= first);
  const distinct = new Set(subscriber.received);
  return {
    name: subscriber.name,
    received: subscriber.received.length,
    lost: expected.filter((seq) => !distinct.has(seq)).length,
    repeated: subscriber.received.length - distinct.size,
    outOfOrder: subscriber.received.filter((seq, i) => i > 0 && seq <= subscriber.received[i - 1]!).length,
    problems: subscriber.problems.length,
  };
}

/** Four subscribers per vendor: over graphql-ws and multipart, anonymous and signed in. */
function subscribeAll(gatewayUrl: string) {
  const opened = vendors.flatMap((vendorId, v) => [
    overGraphqlWs(gatewayUrl, `ws anonymous ${v}`, vendorId),
    overGraphqlWs(gatewayUrl, `ws signed-in ${v}`, vendorId, owner.accessToken),
    overMultipart(gatewayUrl, `multipart anonymous ${v}`, vendorId),
    overMultipart(gatewayUrl, `multipart signed-in ${v}`, vendorId, owner.accessToken),
  ]);
  return { subscribers: opened.map(({ subscriber }) => subscriber), stopAll: () => opened.forEach((s) => s.stop()) };
}

/**
 * Runs one reload under load: the subscribers receive events for a while, the supergraph file changes, the events
 * go on for a while, then the last one published must reach every subscriber still open.
 */
async function underLoad(
  gatewayUrl: string,
  subscribers: Subscriber[],
  change: () => Promise<void>,
  open: (subscriber: Subscriber) => boolean = () => true,
) {
  const publishing = startPublishing();
  try {
    await waitFor(
      'every subscriber receiving',
      async () => subscribers.every((subscriber) => subscriber.received.length >= 3),
      15_000,
    );
    await change();
    // Events go on well past the reload: any subscriber left on a dead path would miss them.
    const reloadedAt = publishing.published.get(vendors[0]!)!.length;
    await waitFor(
      '40 more events after the reload',
      async () => publishing.published.get(vendors[0]!)!.length >= reloadedAt + 40,
      15_000,
    );
  } finally {
    const last = await publishing.stop();
    await waitFor(
      'the last event at every open subscriber',
      async () => subscribers.filter(open).every((subscriber) => subscriber.received.includes(last)),
      15_000,
    ).catch(() => undefined); // the tallies below say who lacks what
  }
  return publishing.published;
}

describe('a supergraph reload under subscription load', () => {
  it('keeps every subscriber receiving through a compatible change: 0 lost, 0 repeated', async () => {
    const path = join(folder, 'compatible.graphql');
    copyFileSync(committedSupergraph, path);
    const gateway = await startGateway(path);
    const { subscribers, stopAll } = subscribeAll(gateway.url);
    try {
      const published = await underLoad(gateway.url, subscribers, () =>
        reload(gateway, path, withFieldElsewhere(committed)),
      );
      const tallies = subscribers.map((subscriber) => tally(subscriber, published));
      console.log('compatible change, per subscriber:', JSON.stringify(tallies));
      for (const counted of tallies) {
        expect(counted).toMatchObject({ lost: 0, repeated: 0, outOfOrder: 0, problems: 0 });
        expect(counted.received).toBeGreaterThan(40);
      }
      expect(subscribers.map((subscriber) => subscriber.ended)).toEqual(subscribers.map(() => null));
      const logged = await waitFor('the reload logged', async () =>
        gateway.output.find((line) => line.includes('supergraph reloaded')),
      );
      expect(JSON.parse(logged)).toMatchObject({ subscriptionsContinued: 8, subscriptionsEnded: 0 });
    } finally {
      stopAll();
      await stopProcess(gateway);
    }
  }, 90_000);

  it('ends only the subscription selecting a removed field, with SUBSCRIPTION_SCHEMA_RELOAD; the others go on', async () => {
    const path = join(folder, 'removal.graphql');
    copyFileSync(committedSupergraph, path);
    const gateway = await startGateway(path);
    const { subscribers, stopAll } = subscribeAll(gateway.url);
    const selecting = [
      overGraphqlWs(gateway.url, 'ws accuracy', vendors[0]!, undefined, LOCATION_WITH_ACCURACY),
      overMultipart(gateway.url, 'multipart accuracy', vendors[1]!, owner.accessToken, LOCATION_WITH_ACCURACY),
    ];
    const ending = selecting.map(({ subscriber }) => subscriber);
    try {
      const published = await underLoad(
        gateway.url,
        [...subscribers, ...ending],
        () => reload(gateway, path, withoutAccuracy(committed)),
        (subscriber) => !ending.includes(subscriber),
      );
      for (const subscriber of ending) {
        await waitFor(`${subscriber.name} ended`, async () => subscriber.ended);
        expect(subscriber.ended).toEqual({ code: 'SUBSCRIPTION_SCHEMA_RELOAD' });
        expect(subscriber.problems).toEqual([]);
      }
      const tallies = subscribers.map((subscriber) => tally(subscriber, published));
      console.log('field removed, per continuing subscriber:', JSON.stringify(tallies));
      for (const counted of tallies)
        expect(counted).toMatchObject({ lost: 0, repeated: 0, outOfOrder: 0, problems: 0 });
      expect(subscribers.map((subscriber) => subscriber.ended)).toEqual(subscribers.map(() => null));
      const logged = await waitFor('the reload logged', async () =>
        gateway.output.find((line) => line.includes('supergraph reloaded')),
      );
      expect(JSON.parse(logged)).toMatchObject({ subscriptionsContinued: 8, subscriptionsEnded: 2 });
    } finally {
      stopAll();
      selecting.forEach(({ stop }) => stop());
      await stopProcess(gateway);
    }
  }, 90_000);

  it('hands subscribers over to new upstreams when the change moves them (@viewerDependent): 0 lost, 0 repeated', async () => {
    const path = join(folder, 'viewer-dependent.graphql');
    copyFileSync(committedSupergraph, path);
    const gateway = await startGateway(path);
    const upstreams = async () => {
      const metrics = await (await fetch(new URL('/metrics', gateway.url))).text();
      const count = (sharing: string) =>
        Number(
          new RegExp(
            `curbside_gateway_upstream_subscriptions\\{subgraph="location",sharing="${sharing}"\\} (\\d+)`,
          ).exec(metrics)?.[1] ?? 0,
        );
      return { shared: count('shared'), viewer: count('viewer') };
    };
    const { subscribers, stopAll } = subscribeAll(gateway.url);
    try {
      let before = { shared: 0, viewer: 0 };
      const published = await underLoad(gateway.url, subscribers, async () => {
        before = await upstreams();
        await reload(gateway, path, withViewerDependentLat(committed));
      });
      const after = await upstreams();
      const tallies = subscribers.map((subscriber) => tally(subscriber, published));
      console.log('moved to new upstreams, per subscriber:', JSON.stringify(tallies));
      expect(subscribers.map((subscriber) => subscriber.ended)).toEqual(subscribers.map(() => null));
      // One shared upstream per vendor before; one per vendor and viewer (anonymous, the owner) after.
      expect(before).toEqual({ shared: 2, viewer: 0 });
      expect(after).toEqual({ shared: 0, viewer: 4 });
      for (const counted of tallies) {
        expect(counted).toMatchObject({ lost: 0, repeated: 0, outOfOrder: 0, problems: 0 });
        expect(counted.received).toBeGreaterThan(40);
      }
    } catch (error) {
      console.error(gateway.output.filter((line) => /"level":[456]\d/.test(line)).join('\n'));
      throw error;
    } finally {
      stopAll();
      await stopProcess(gateway);
    }
  }, 90_000);
});
