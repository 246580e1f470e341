import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geoKeys } from '@curbside/location-subgraph';
import { manualClock } from '@curbside/async';
import {
  dataOf,
  graphql,
  queryRows,
  registerUser,
  startStack,
  waitFor,
  type TestStack,
  registerAdmin,
  createVendorSeenByLocation,
} from './index.ts';

let stack: TestStack;
let owner: Awaited<ReturnType<typeof registerUser>>;
let other: Awaited<ReturnType<typeof registerUser>>;
let adminToken: string;
/** The location subgraph's clock: moved across its one-update-per-second window instead of sleeping. */
const clock = manualClock();

/** A point in Lisbon, and offsets from it in meters. */
const center = { lat: 38.7223, lng: -9.1393 };
const metersPerDegreeLat = 111_320;
const offset = (northMeters: number, eastMeters: number) => ({
  lat: center.lat + northMeters / metersPerDegreeLat,
  lng: center.lng + eastMeters / (metersPerDegreeLat * Math.cos((center.lat * Math.PI) / 180)),
});

function haversineMeters(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = (degrees: number) => (degrees * Math.PI) / 180;
  const h =
    Math.sin(rad(b.lat - a.lat) / 2) ** 2 +
    Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lng - a.lng) / 2) ** 2;
  return 2 * 6_372_797.560856 * Math.asin(Math.sqrt(h));
}

beforeAll(async () => {
  stack = await startStack({ clock });
  owner = await registerUser(stack.gatewayUrl, 'loc_owner');
  other = await registerUser(stack.gatewayUrl, 'loc_other');
  adminToken = (await registerAdmin(stack, 'loc_admin')).accessToken;
});
afterAll(async () => {
  await stack?.stop();
});

/** Vendors used here must have reached the location subgraph's copy. */
const createVendor = (name: string, token = owner.accessToken) => createVendorSeenByLocation(stack, name, token);

const UPDATE = `mutation ($input: UpdateVendorLocationInput!) {
  updateVendorLocation(input: $input) { lat lng accuracyMeters updatedAt vendor { id name } }
}`;
const update = (
  vendorId: string,
  point: { lat: number; lng: number },
  token?: string,
  accuracyMeters: number | null = 5,
) => graphql(stack.gatewayUrl, UPDATE, { input: { vendorId, ...point, accuracyMeters } }, { token });

async function locationSnapshot() {
  return {
    positions: await queryRows(stack.databases.location, 'select * from vendor_location order by vendor_id'),
    history: (await queryRows(stack.databases.location, 'select count(*)::int as n from vendor_location_history'))[0]![
      'n'
    ],
    events: (await queryRows(stack.databases.location, 'select count(*)::int as n from outbox_event'))[0]!['n'],
  };
}

describe('updateVendorLocation', () => {
  const matrix: [string, () => string | undefined, string][] = [
    ['anonymous', () => undefined, 'UNAUTHENTICATED'],
    ['another user', () => other.accessToken, 'FORBIDDEN'],
    ['the owner', () => owner.accessToken, 'ok'],
    ['an admin', () => adminToken, 'ok'],
  ];

  it.each(matrix)('as %s: %s', async (_actor, token, expected) => {
    const vendorId = await createVendor(`Matrix ${expected} ${Math.random()}`);
    const before = await locationSnapshot();
    const response = await update(vendorId, center, token());
    if (expected === 'ok') {
      expect(dataOf(response).updateVendorLocation).toMatchObject({
        ...center,
        accuracyMeters: 5,
        vendor: { id: vendorId },
      });
      // A position is published live and kept in the history, never recorded in the outbox (no queue wants it).
      const after = await locationSnapshot();
      expect(after.history).toBe(before.history + 1);
      expect(after.events).toBe(before.events);
    } else {
      expect(response.errors?.[0]?.extensions?.['code']).toBe(expected);
      expect(await locationSnapshot()).toEqual(before);
    }
  });

  it('refuses out-of-range coordinates and accuracy, naming each field, and writes nothing', async () => {
    const vendorId = await createVendor('Range check');
    const before = await locationSnapshot();
    const response = await graphql(
      stack.gatewayUrl,
      UPDATE,
      { input: { vendorId, lat: 90.5, lng: -180.01, accuracyMeters: -1 } },
      { token: owner.accessToken },
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { lat: expect.any(String), lng: expect.any(String), accuracyMeters: expect.any(String) },
    });
    expect(await locationSnapshot()).toEqual(before);
  });

  it('answers NOT_FOUND for an unknown vendor', async () => {
    const response = await update('00000000-0000-4000-8000-000000000000', center, owner.accessToken);
    expect(response.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
  });

  it('accepts at most one update per vendor per second, with retryAfterMs', async () => {
    const vendorId = await createVendor('Speedy');
    expect(dataOf(await update(vendorId, center, owner.accessToken)).updateVendorLocation).toBeTruthy();
    const limited = await update(vendorId, offset(10, 0), owner.accessToken);
    expect(limited.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    const retryAfterMs = limited.errors?.[0]?.extensions?.['retryAfterMs'] as number;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBe(1_000);
    // Another vendor is not held back by this one's limit.
    const otherVendor = await createVendor('Unrelated');
    expect(dataOf(await update(otherVendor, center, owner.accessToken)).updateVendorLocation).toBeTruthy();
    clock.advance(retryAfterMs - 1);
    expect((await update(vendorId, offset(10, 0), owner.accessToken)).errors?.[0]?.extensions?.['code']).toBe(
      'RATE_LIMITED',
    );
    clock.advance(1);
    expect(dataOf(await update(vendorId, offset(10, 0), owner.accessToken)).updateVendorLocation.lat).toBeCloseTo(
      offset(10, 0).lat,
      6,
    );
  });

  it('writes position, history and event together or not at all', async () => {
    const vendorId = await createVendor('All or nothing');
    dataOf(await update(vendorId, center, owner.accessToken));
    clock.advance(1_000);
    // Make the history insert fail at flush time, after the position upsert was sent.
    await queryRows(
      stack.databases.location,
      'alter table vendor_location_history add constraint test_no_far_north check (lat < 80)',
    );
    try {
      const before = await locationSnapshot();
      const failed = await update(vendorId, { lat: 85, lng: center.lng }, owner.accessToken);
      expect(failed.errors?.[0]?.extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
      expect(await locationSnapshot()).toEqual(before);
      // The failed write released its rate-limit slot: a good update goes through at once.
      expect(dataOf(await update(vendorId, offset(5, 0), owner.accessToken)).updateVendorLocation).toBeTruthy();
    } finally {
      await queryRows(
        stack.databases.location,
        'alter table vendor_location_history drop constraint test_no_far_north',
      );
    }
  });

  it('keeps a history that only the owner and admins may read, newest first', async () => {
    const vendorId = await createVendor('Wanderer');
    for (const north of [0, 100, 200]) {
      dataOf(await update(vendorId, offset(north, 0), owner.accessToken));
      clock.advance(1_000);
    }
    const query = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Vendor { locationHistory(first: 2) { edges { node { lat } } pageInfo { hasNextPage } } } } }`;
    const reps = [{ __typename: 'Vendor', id: vendorId }];
    const asOwner = dataOf(await graphql(stack.subgraphUrls.location, query, { reps }, { token: owner.accessToken }));
    const history = asOwner._entities[0].locationHistory;
    expect(history.edges.map((edge: { node: { lat: number } }) => edge.node.lat)).toEqual([
      offset(200, 0).lat,
      offset(100, 0).lat,
    ]);
    expect(history.pageInfo.hasNextPage).toBe(true);
    const asOther = await graphql(stack.subgraphUrls.location, query, { reps }, { token: other.accessToken });
    expect(asOther.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
  });
});

describe('vendorsNearby', () => {
  let near: string;
  let middle: string;
  let far: string;
  let outside: string;
  let nearbyOwner: Awaited<ReturnType<typeof registerUser>>;

  beforeAll(async () => {
    // A separate corner of the map, so other tests' vendors do not appear here.
    nearbyOwner = await registerUser(stack.gatewayUrl, 'nearby_owner');
    const base = { north: 50_000, east: 0 };
    const place = async (name: string, north: number, east: number) => {
      const id = await createVendor(name, nearbyOwner.accessToken);
      dataOf(await update(id, offset(base.north + north, base.east + east), nearbyOwner.accessToken));
      return id;
    };
    near = await place('Near', 100, 0);
    middle = await place('Middle', 0, 800);
    far = await place('Far', -1500, 0);
    outside = await place('Outside', 3000, 0);
  });

  const search = offset(50_000, 0);
  const NEARBY = `query ($lat: Float!, $lng: Float!, $radius: Float!, $openOnly: Boolean! = false, $first: Int! = 20) {
    vendorsNearby(lat: $lat, lng: $lng, radiusMeters: $radius, openOnly: $openOnly, first: $first) {
      distanceMeters vendor { id name location { lat lng updatedAt } }
    }
  }`;

  it('returns the vendors inside the radius, nearest first, with their distance', async () => {
    const result = dataOf(await graphql(stack.gatewayUrl, NEARBY, { ...search, radius: 2000 })).vendorsNearby;
    expect(result.map((hit: { vendor: { id: string } }) => hit.vendor.id)).toEqual([near, middle, far]);
    for (const hit of result) {
      const expected = haversineMeters(search, hit.vendor.location);
      expect(Math.abs(hit.distanceMeters - expected)).toBeLessThan(Math.max(1, expected * 0.005));
    }
    expect(result.map((hit: { vendor: { id: string } }) => hit.vendor.id)).not.toContain(outside);
  });

  it('honours first', async () => {
    const result = dataOf(await graphql(stack.gatewayUrl, NEARBY, { ...search, radius: 2000, first: 2 })).vendorsNearby;
    expect(result.map((hit: { vendor: { id: string } }) => hit.vendor.id)).toEqual([near, middle]);
  });

  it('refuses a bad radius, bad coordinates and first above 100', async () => {
    for (const [variables, field] of [
      [{ ...search, radius: 0 }, 'radiusMeters'],
      [{ ...search, radius: 50_001 }, 'radiusMeters'],
      [{ lat: -91, lng: 0, radius: 100 }, 'lat'],
      [{ lat: 0, lng: 181, radius: 100 }, 'lng'],
    ] as const) {
      const response = await graphql(stack.gatewayUrl, NEARBY, variables);
      expect(response.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: { [field]: expect.any(String) },
      });
    }
    const tooMany = await graphql(stack.gatewayUrl, NEARBY, { ...search, radius: 100, first: 101 });
    expect(tooMany.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  const ids = (hits: { vendor: { id: string } }[]) => hits.map((hit) => hit.vendor.id);
  const copyOf = async (vendorId: string) =>
    (
      await queryRows(stack.databases.location, 'select is_open, deleted from vendor_copy where vendor_id = $1', [
        vendorId,
      ])
    )[0];

  it('with openOnly, returns only vendors open now, following the vendor subgraph events', async () => {
    const setOpen = (vendorId: string, open: boolean) =>
      graphql(
        stack.gatewayUrl,
        `mutation ($id: ID!) { ${open ? 'openVendor' : 'closeVendor'}(id: $id) { id isOpen } }`,
        { id: vendorId },
        { token: nearbyOwner.accessToken },
      ).then(dataOf);
    expect(
      dataOf(await graphql(stack.gatewayUrl, NEARBY, { ...search, radius: 2000, openOnly: true })).vendorsNearby,
    ).toEqual([]);
    await setOpen(near, true);
    await setOpen(far, true);
    await waitFor(
      'the open state to reach the location subgraph',
      async () => (await copyOf(far))?.['is_open'] === true,
    );
    await waitFor('near to be open', async () => (await copyOf(near))?.['is_open'] === true);
    const open = dataOf(
      await graphql(stack.gatewayUrl, NEARBY, { ...search, radius: 2000, openOnly: true }),
    ).vendorsNearby;
    expect(ids(open)).toEqual([near, far]);
    await setOpen(near, false);
    await waitFor('near to be closed', async () => (await copyOf(near))?.['is_open'] === false);
    const stillOpen = dataOf(
      await graphql(stack.gatewayUrl, NEARBY, { ...search, radius: 2000, openOnly: true }),
    ).vendorsNearby;
    expect(ids(stillOpen)).toEqual([far]);
    // Without openOnly every vendor in the circle is still there.
    expect(ids(dataOf(await graphql(stack.gatewayUrl, NEARBY, { ...search, radius: 2000 })).vendorsNearby)).toEqual([
      near,
      middle,
      far,
    ]);
  });

  it('drops a deleted vendor, its position and its history once its deletion event arrived', async () => {
    const doomed = await createVendor('Doomed', nearbyOwner.accessToken);
    dataOf(await update(doomed, offset(50_000 + 50, 0), nearbyOwner.accessToken));
    expect(ids(dataOf(await graphql(stack.gatewayUrl, NEARBY, { ...search, radius: 2000 })).vendorsNearby)).toContain(
      doomed,
    );
    dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($id: ID!) { deleteVendor(id: $id) }',
        { id: doomed },
        { token: nearbyOwner.accessToken },
      ),
    );
    await waitFor(
      'the deletion to reach the location subgraph',
      async () => (await copyOf(doomed))?.['deleted'] === true,
    );
    // Its position and where it has been go with it.
    for (const table of ['vendor_location', 'vendor_location_history']) {
      expect(
        await queryRows(stack.databases.location, `select 1 from ${table} where vendor_id = $1`, [doomed]),
        table,
      ).toEqual([]);
    }
    expect(
      ids(dataOf(await graphql(stack.gatewayUrl, NEARBY, { ...search, radius: 2000 })).vendorsNearby),
    ).not.toContain(doomed);
    const refused = await update(doomed, offset(50_000, 0), nearbyOwner.accessToken);
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
  });

  it('returns the same vendors after Redis lost the index and the location subgraph restarted', async () => {
    const before = dataOf(await graphql(stack.gatewayUrl, NEARBY, { ...search, radius: 2000 })).vendorsNearby;
    // Only this stack's keys: other test files share the Redis server.
    await stack.redis.del(geoKeys.all, geoKeys.open, geoKeys.built);
    expect(dataOf(await graphql(stack.gatewayUrl, NEARBY, { ...search, radius: 2000 })).vendorsNearby).toEqual([]);
    await stack.restartLocationSubgraph();
    const after = dataOf(await graphql(stack.gatewayUrl, NEARBY, { ...search, radius: 2000 })).vendorsNearby;
    expect(after).toEqual(before);
  });
});

describe('the federated vendorsNearby query', () => {
  /**
   * Resolves once the user, vendor and location subgraphs have run no statement but outbox sweeps for 300 ms. The
   * set-up's follows and location updates have effects handled in the background (copies, counters), and under
   * load one of their statements could land in the window measured next and count against the query.
   */
  async function settled(): Promise<void> {
    const running = () =>
      (['user', 'vendor', 'location'] as const)
        .map((name) => stack.sql[name].statements.filter((sql) => !sql.includes('outbox_event')).length)
        .reduce((sum, count) => sum + count, 0);
    await waitFor(
      'the background work of the set-up to finish',
      async () => {
        const before = running();
        await new Promise((resolve) => setTimeout(resolve, 300));
        return running() === before;
      },
      20_000,
    );
  }

  it('is correct and costs one SQL query per entity type per subgraph, whatever the number of vendors', async () => {
    const owners = await Promise.all([0, 1, 2].map((index) => registerUser(stack.gatewayUrl, `fed_owner_${index}`)));
    const fan = await registerUser(stack.gatewayUrl, 'fed_fan');
    dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($id: ID!) { followUser(userId: $id) { id } }',
        { id: owners[0]!.id },
        { token: fan.accessToken },
      ),
    );
    const origin = { north: -50_000, east: 0 };
    const placed: { id: string; owner: string; north: number }[] = [];
    for (let index = 0; index < 12; index++) {
      const owner = owners[index % owners.length]!;
      const id = await createVendor(`Federated ${index}`, owner.accessToken);
      const north = origin.north + 50 * (index + 1);
      dataOf(await update(id, offset(north, origin.east), owner.accessToken));
      placed.push({ id, owner: owner.username, north });
    }
    const query = `query ($lat: Float!, $lng: Float!, $first: Int!) {
      vendorsNearby(lat: $lat, lng: $lng, radiusMeters: 2000, first: $first) {
        distanceMeters
        vendor { name isOpen owner { username followerCount } location { lat lng updatedAt } }
      }
    }`;
    const counts: Record<string, Record<string, number>>[] = [];
    for (const first of [4, 12]) {
      await settled();
      stack.resetCounters();
      const hits = dataOf(
        await graphql(stack.gatewayUrl, query, { ...offset(origin.north, origin.east), first }),
      ).vendorsNearby;
      expect(hits).toHaveLength(first);
      hits.forEach((hit: any, index: number) => {
        const expected = placed[index]!;
        expect(hit.vendor.name).toBe(`Federated ${index}`);
        expect(hit.vendor.isOpen).toBe(false);
        expect(hit.vendor.owner.username).toBe(expected.owner);
        expect(hit.vendor.owner.followerCount).toBe(expected.owner === owners[0]!.username ? 1 : 0);
        expect(hit.vendor.location.lat).toBeCloseTo(offset(expected.north, 0).lat, 6);
        expect(hit.distanceMeters).toBeCloseTo(50 * (index + 1), -1);
      });
      const perTable = (name: 'user' | 'vendor' | 'location') =>
        Object.fromEntries(
          Object.entries(stack.sql[name].countByTable()).filter(([table]) => table !== 'outbox_event'),
        );
      counts.push({ user: perTable('user'), vendor: perTable('vendor'), location: perTable('location') });
    }
    // The same statements for 4 vendors as for 12, and at most one per table in each subgraph.
    expect(counts[0]).toEqual(counts[1]);
    for (const subgraph of Object.values(counts[1]!))
      for (const statements of Object.values(subgraph)) expect(statements).toBe(1);
    expect(counts[1]).toMatchObject({ location: { vendor_location: 1 }, vendor: { vendor: 1 }, user: { app_user: 1 } });
  });
});
