import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataOf,
  graphql,
  queryRows,
  registerUser,
  startStack,
  type SqlRecorder,
  type TestStack,
  registerAdmin,
} from './index.ts';

let stack: TestStack;
let owner: Awaited<ReturnType<typeof registerUser>>;
let other: Awaited<ReturnType<typeof registerUser>>;
let adminToken: string;

beforeAll(async () => {
  stack = await startStack();
  owner = await registerUser(stack.gatewayUrl, 'vendor_owner');
  other = await registerUser(stack.gatewayUrl, 'vendor_other');
  adminToken = (await registerAdmin(stack, 'vendor_admin')).accessToken;
});
afterAll(async () => {
  await stack?.stop();
});

async function createVendor(token: string, name: string, category = 'FOOD_TRUCK'): Promise<string> {
  const response = await graphql(
    stack.gatewayUrl,
    'mutation ($input: CreateVendorInput!) { createVendor(input: $input) { id } }',
    { input: { name, category, description: `About ${name}` } },
    { token },
  );
  return dataOf(response).createVendor.id;
}

/** Rows and events of the vendor database, to prove a refused call wrote nothing. */
async function vendorSnapshot() {
  return {
    vendors: await queryRows(
      stack.databases.vendor,
      'select id, name, description, category, is_open, opened_at, updated_at from vendor order by id',
    ),
    follows: await queryRows(
      stack.databases.vendor,
      'select vendor_id, user_id, created_at from vendor_follow order by vendor_id, user_id',
    ),
    events: (await queryRows(stack.databases.vendor, 'select count(*)::int as n from outbox_event'))[0]!['n'],
  };
}

/** Payloads of the events `name` recorded for one vendor, oldest first. */
async function eventsOf(name: string, vendorId: string): Promise<Record<string, any>[]> {
  const rows = await queryRows(
    stack.databases.vendor,
    "select payload from outbox_event where name = $1 and payload->>'vendorId' = $2 order by occurred_at",
    [name, vendorId],
  );
  return rows.map((row) => row['payload']);
}

const vendorFields = 'id isOpen openedAt updatedAt followerCount viewerFollows';

async function setOpen(token: string | undefined, id: string, open: boolean) {
  return graphql(
    stack.gatewayUrl,
    `mutation ($id: ID!) { result: ${open ? 'openVendor' : 'closeVendor'}(id: $id) { ${vendorFields} } }`,
    { id },
    { token },
  );
}

async function setFollowing(token: string | undefined, vendorId: string, follow: boolean) {
  return graphql(
    stack.gatewayUrl,
    `mutation ($vendorId: ID!) { result: ${follow ? 'followVendor' : 'unfollowVendor'}(vendorId: $vendorId) { ${vendorFields} } }`,
    { vendorId },
    { token },
  );
}

/**
 * Statements per table sent while answering requests: the outbox relay sweeps `outbox_event` in the
 * background on its own schedule, so its statements say nothing about the request and are left out.
 */
function requestStatements(recorder: SqlRecorder): Record<string, number> {
  const { outbox_event: _relaySweeps, ...counts } = recorder.countByTable();
  return counts;
}

const errorCode = (response: { errors?: { extensions?: Record<string, any> }[] }) =>
  response.errors?.[0]?.extensions?.['code'];

type Actor = 'anonymous' | 'another user' | 'owner' | 'admin';
const tokenOf = (actor: Actor) =>
  ({ anonymous: undefined, 'another user': other.accessToken, owner: owner.accessToken, admin: adminToken })[actor];

describe('vendor authorization matrix', () => {
  const matrix: [Actor, 'UNAUTHENTICATED' | 'FORBIDDEN' | 'ok'][] = [
    ['anonymous', 'UNAUTHENTICATED'],
    ['another user', 'FORBIDDEN'],
    ['owner', 'ok'],
    ['admin', 'ok'],
  ];

  it('createVendor: anonymous is UNAUTHENTICATED and writes nothing; any signed-in user may create', async () => {
    const before = await vendorSnapshot();
    const response = await graphql(
      stack.gatewayUrl,
      'mutation { createVendor(input: { name: "Nope", category: CAFE }) { id } }',
    );
    expect(response.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(await vendorSnapshot()).toEqual(before);
    expect(await createVendor(other.accessToken, 'Other Cafe', 'CAFE')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each(matrix)('updateVendor as %s: %s', async (actor, expected) => {
    const id = await createVendor(owner.accessToken, `Update target for ${actor}`);
    const before = await vendorSnapshot();
    const response = await graphql(
      stack.gatewayUrl,
      'mutation ($id: ID!) { updateVendor(id: $id, input: { name: "Renamed", category: CAFE }) { id name category updatedAt } }',
      { id },
      { token: tokenOf(actor) },
    );
    if (expected === 'ok') {
      expect(dataOf(response).updateVendor).toMatchObject({ id, name: 'Renamed', category: 'CAFE' });
      const [event] = await queryRows(
        stack.databases.vendor,
        "select payload from outbox_event where name = 'vendor.updated' and payload->>'vendorId' = $1",
        [id],
      );
      expect(event!['payload']).toMatchObject({ name: 'Renamed', category: 'CAFE', isOpen: false });
    } else {
      expect(response.errors?.[0]?.extensions?.['code']).toBe(expected);
      expect(await vendorSnapshot()).toEqual(before);
    }
  });

  it.each(matrix)('deleteVendor as %s: %s', async (actor, expected) => {
    const id = await createVendor(owner.accessToken, `Delete target for ${actor}`);
    const before = await vendorSnapshot();
    const response = await graphql(
      stack.gatewayUrl,
      'mutation ($id: ID!) { deleteVendor(id: $id) }',
      { id },
      { token: tokenOf(actor) },
    );
    if (expected === 'ok') {
      expect(dataOf(response).deleteVendor).toBe(id);
      expect(await queryRows(stack.databases.vendor, 'select 1 from vendor where id = $1', [id])).toHaveLength(0);
      expect(
        await queryRows(
          stack.databases.vendor,
          "select 1 from outbox_event where name = 'vendor.deleted' and payload->>'vendorId' = $1",
          [id],
        ),
      ).toHaveLength(1);
    } else {
      expect(response.errors?.[0]?.extensions?.['code']).toBe(expected);
      expect(await vendorSnapshot()).toEqual(before);
    }
  });

  it('answers NOT_FOUND for a vendor that does not exist, and BAD_USER_INPUT for a malformed id', async () => {
    const missing = await graphql(
      stack.gatewayUrl,
      'mutation { deleteVendor(id: "00000000-0000-4000-8000-000000000000") }',
      {},
      { token: owner.accessToken },
    );
    expect(missing.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    const malformed = await graphql(
      stack.gatewayUrl,
      'mutation { deleteVendor(id: "42") }',
      {},
      { token: owner.accessToken },
    );
    expect(malformed.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('validates names and descriptions, naming the field', async () => {
    const response = await graphql(
      stack.gatewayUrl,
      'mutation ($input: CreateVendorInput!) { createVendor(input: $input) { id } }',
      { input: { name: ' ', description: 'x'.repeat(2001), category: 'CAFE' } },
      { token: owner.accessToken },
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { name: expect.any(String), description: expect.any(String) },
    });
  });

  it('records vendor.created in the same transaction as the vendor', async () => {
    const id = await createVendor(owner.accessToken, 'Evented');
    const events = await queryRows(
      stack.databases.vendor,
      "select payload from outbox_event where name = 'vendor.created' and payload->>'vendorId' = $1",
      [id],
    );
    expect(events).toEqual([
      { payload: expect.objectContaining({ vendorId: id, ownerId: owner.id, name: 'Evented', isOpen: false }) },
    ]);
  });
});

describe('opening and closing vendors', () => {
  const matrix: [Actor, 'UNAUTHENTICATED' | 'FORBIDDEN' | 'ok'][] = [
    ['anonymous', 'UNAUTHENTICATED'],
    ['another user', 'FORBIDDEN'],
    ['owner', 'ok'],
    ['admin', 'ok'],
  ];

  it.each(matrix)('openVendor as %s: %s', async (actor, expected) => {
    const id = await createVendor(owner.accessToken, `Open target for ${actor}`);
    const before = await vendorSnapshot();
    const response = await setOpen(tokenOf(actor), id, true);
    if (expected === 'ok') {
      const vendor = dataOf(response).result;
      expect(vendor).toMatchObject({ id, isOpen: true, openedAt: expect.any(String) });
      const [row] = await queryRows(stack.databases.vendor, 'select is_open, opened_at from vendor where id = $1', [
        id,
      ]);
      expect(row).toEqual({ is_open: true, opened_at: new Date(vendor.openedAt) });
      expect(await eventsOf('vendor.opened', id)).toEqual([
        { vendorId: id, ownerId: owner.id, openedAt: vendor.openedAt },
      ]);
    } else {
      expect(errorCode(response)).toBe(expected);
      expect(await vendorSnapshot()).toEqual(before);
    }
  });

  it.each(matrix)('closeVendor as %s: %s', async (actor, expected) => {
    const id = await createVendor(owner.accessToken, `Close target for ${actor}`);
    dataOf(await setOpen(owner.accessToken, id, true));
    const before = await vendorSnapshot();
    const response = await setOpen(tokenOf(actor), id, false);
    if (expected === 'ok') {
      expect(dataOf(response).result).toMatchObject({ id, isOpen: false, openedAt: null });
      const [row] = await queryRows(stack.databases.vendor, 'select is_open, opened_at from vendor where id = $1', [
        id,
      ]);
      expect(row).toEqual({ is_open: false, opened_at: null });
      expect(await eventsOf('vendor.closed', id)).toEqual([
        { vendorId: id, ownerId: owner.id, closedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) },
      ]);
    } else {
      expect(errorCode(response)).toBe(expected);
      expect(await vendorSnapshot()).toEqual(before);
    }
  });

  it('opening an open vendor (or closing a closed one) changes nothing and records no event', async () => {
    const id = await createVendor(owner.accessToken, 'Opened twice');
    const first = dataOf(await setOpen(owner.accessToken, id, true)).result;
    const afterFirst = await vendorSnapshot();
    const second = dataOf(await setOpen(owner.accessToken, id, true)).result;
    expect(second).toEqual(first);
    expect(await vendorSnapshot()).toEqual(afterFirst);
    expect(await eventsOf('vendor.opened', id)).toHaveLength(1);

    dataOf(await setOpen(owner.accessToken, id, false));
    const afterClose = await vendorSnapshot();
    expect(dataOf(await setOpen(owner.accessToken, id, false)).result).toMatchObject({ isOpen: false });
    expect(await vendorSnapshot()).toEqual(afterClose);
    expect(await eventsOf('vendor.closed', id)).toHaveLength(1);
  });

  it('records the open state in later vendor.updated payloads, and answers NOT_FOUND for an unknown vendor', async () => {
    const id = await createVendor(owner.accessToken, 'Open then renamed');
    dataOf(await setOpen(owner.accessToken, id, true));
    dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($id: ID!) { updateVendor(id: $id, input: { name: "Renamed while open" }) { id } }',
        { id },
        { token: owner.accessToken },
      ),
    );
    expect(await eventsOf('vendor.updated', id)).toEqual([expect.objectContaining({ isOpen: true })]);
    const missing = await setOpen(adminToken, '00000000-0000-4000-8000-000000000000', true);
    expect(errorCode(missing)).toBe('NOT_FOUND');
  });
});

describe('following vendors', () => {
  it.each([true, false])('follow=%s as anonymous is UNAUTHENTICATED and writes nothing', async (follow) => {
    const id = await createVendor(owner.accessToken, `Anonymous follow target ${follow}`);
    dataOf(await setFollowing(other.accessToken, id, true));
    const before = await vendorSnapshot();
    expect(errorCode(await setFollowing(undefined, id, follow))).toBe('UNAUTHENTICATED');
    expect(await vendorSnapshot()).toEqual(before);
  });

  it('answers NOT_FOUND for an unknown vendor and BAD_USER_INPUT for a malformed id, writing nothing', async () => {
    const before = await vendorSnapshot();
    for (const follow of [true, false]) {
      const missing = await setFollowing(other.accessToken, '00000000-0000-4000-8000-000000000000', follow);
      expect(errorCode(missing)).toBe('NOT_FOUND');
      const malformed = await setFollowing(other.accessToken, 'nope', follow);
      expect(malformed.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: { vendorId: expect.any(String) },
      });
    }
    expect(await vendorSnapshot()).toEqual(before);
  });

  it('is idempotent: two follows make one row and one event, two unfollows remove it with one event', async () => {
    const follower = await registerUser(stack.gatewayUrl, 'idempotent_follower');
    const id = await createVendor(owner.accessToken, 'Followed twice');
    const followRows = () =>
      queryRows(stack.databases.vendor, 'select user_id from vendor_follow where vendor_id = $1', [id]);
    for (let attempt = 0; attempt < 2; attempt++) {
      const vendor = dataOf(await setFollowing(follower.accessToken, id, true)).result;
      expect(vendor).toMatchObject({ id, followerCount: 1, viewerFollows: true });
    }
    expect(await followRows()).toEqual([{ user_id: follower.id }]);
    expect(await eventsOf('vendor.followed', id)).toEqual([{ vendorId: id, userId: follower.id }]);

    for (let attempt = 0; attempt < 2; attempt++) {
      const vendor = dataOf(await setFollowing(follower.accessToken, id, false)).result;
      expect(vendor).toMatchObject({ id, followerCount: 0, viewerFollows: false });
    }
    expect(await followRows()).toEqual([]);
    expect(await eventsOf('vendor.unfollowed', id)).toEqual([{ vendorId: id, userId: follower.id }]);
  });

  it('stays idempotent under concurrent follows and unfollows of the same pair', async () => {
    const follower = await registerUser(stack.gatewayUrl, 'racing_follower');
    const id = await createVendor(owner.accessToken, 'Raced');
    const follows = await Promise.all(Array.from({ length: 5 }, () => setFollowing(follower.accessToken, id, true)));
    for (const response of follows) expect(dataOf(response).result.viewerFollows).toBe(true);
    expect(await eventsOf('vendor.followed', id)).toHaveLength(1);
    const unfollows = await Promise.all(Array.from({ length: 5 }, () => setFollowing(follower.accessToken, id, false)));
    for (const response of unfollows) expect(dataOf(response).result.viewerFollows).toBe(false);
    expect(await eventsOf('vendor.unfollowed', id)).toHaveLength(1);
  });

  it('counts followers for everyone and tells only a signed-in follower that they follow', async () => {
    const [first, second, stranger] = await Promise.all(
      ['count_follower_a', 'count_follower_b', 'count_stranger'].map((name) => registerUser(stack.gatewayUrl, name)),
    );
    const followed = await createVendor(owner.accessToken, 'Counted');
    const unfollowed = await createVendor(owner.accessToken, 'Not followed');
    dataOf(await setFollowing(first!.accessToken, followed, true));
    dataOf(await setFollowing(second!.accessToken, followed, true));
    const query = `query ($a: ID!, $b: ID!) {
      a: vendor(id: $a) { followerCount viewerFollows }
      b: vendor(id: $b) { followerCount viewerFollows }
    }`;
    const as = async (token: string | undefined) =>
      dataOf(await graphql(stack.gatewayUrl, query, { a: followed, b: unfollowed }, { token }));
    expect(await as(first!.accessToken)).toEqual({
      a: { followerCount: 2, viewerFollows: true },
      b: { followerCount: 0, viewerFollows: false },
    });
    expect(await as(stranger!.accessToken)).toEqual({
      a: { followerCount: 2, viewerFollows: false },
      b: { followerCount: 0, viewerFollows: false },
    });
    expect(await as(undefined)).toEqual({
      a: { followerCount: 2, viewerFollows: false },
      b: { followerCount: 0, viewerFollows: false },
    });
  });

  it('lists followedVendors newest follow first, keyset-paginated, and checks its arguments', async () => {
    const follower = await registerUser(stack.gatewayUrl, 'paging_follower');
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) ids.push(await createVendor(owner.accessToken, `Followed ${index}`));
    // Followed in another order than created: the list follows the follows, not the vendors.
    const followOrder = [ids[2]!, ids[0]!, ids[4]!, ids[1]!, ids[3]!];
    for (const id of followOrder) dataOf(await setFollowing(follower.accessToken, id, true));
    const query = `query ($id: ID!, $first: Int!, $after: String) {
      user(id: $id) { followedVendors(first: $first, after: $after) {
        edges { cursor node { id name } } pageInfo { hasNextPage endCursor }
      } }
    }`;
    const pageOf = async (first: number, after: string | null) =>
      dataOf(await graphql(stack.gatewayUrl, query, { id: follower.id, first, after })).user.followedVendors;
    const seen: string[] = [];
    const hasNext: boolean[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await pageOf(2, after);
      expect(page.edges.length).toBeLessThanOrEqual(2);
      seen.push(...page.edges.map((edge: any) => edge.node.id));
      hasNext.push(page.pageInfo.hasNextPage);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([...followOrder].reverse());
    expect(hasNext).toEqual([true, true, false]);

    dataOf(await setFollowing(follower.accessToken, ids[4]!, false));
    expect((await pageOf(100, null)).edges.map((edge: any) => edge.node.id)).toEqual([ids[3], ids[1], ids[0], ids[2]]);

    for (const [first, afterArgument, field] of [
      [0, null, 'first'],
      [101, null, 'first'],
      [2, 'bm90LWEtY3Vyc29y', 'after'],
    ] as const) {
      const response = await graphql(stack.gatewayUrl, query, { id: follower.id, first, after: afterArgument });
      expect(response.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: { [field]: expect.any(String) },
      });
    }
  });
});

describe('vendor filters', () => {
  it('openNow keeps only open (true) or only closed (false) vendors', async () => {
    const filterOwner = await registerUser(stack.gatewayUrl, 'open_filter_owner');
    const ids: string[] = [];
    for (let index = 0; index < 4; index++) ids.push(await createVendor(filterOwner.accessToken, `Stall ${index}`));
    for (const id of [ids[0]!, ids[2]!]) dataOf(await setOpen(filterOwner.accessToken, id, true));
    const query = `query ($ownerId: ID!, $openNow: Boolean) {
      vendors(first: 10, filter: { ownerId: $ownerId, openNow: $openNow }) { edges { node { id isOpen } } }
    }`;
    const idsWhere = async (openNow: boolean | null) =>
      dataOf(await graphql(stack.gatewayUrl, query, { ownerId: filterOwner.id, openNow })).vendors.edges.map(
        (edge: any) => edge.node.id,
      );
    expect(await idsWhere(true)).toEqual([ids[2], ids[0]]);
    expect(await idsWhere(false)).toEqual([ids[3], ids[1]]);
    expect(await idsWhere(null)).toEqual([...ids].reverse());
  });

  it('search matches name or description case-insensitively, with %, _ and \\ taken literally', async () => {
    const filterOwner = await registerUser(stack.gatewayUrl, 'search_filter_owner');
    const create = async (name: string, description = '') =>
      dataOf(
        await graphql(
          stack.gatewayUrl,
          'mutation ($input: CreateVendorInput!) { createVendor(input: $input) { id } }',
          { input: { name, description, category: 'CAFE' } },
          { token: filterOwner.accessToken },
        ),
      ).createVendor.id as string;
    const percent = await create('100% Tacos');
    const thousand = await create('1000 Tacos');
    const underscore = await create('Snake_Case Cafe');
    const lookalike = await create('SnakeXCase Cafe');
    const backslash = await create('Back\\slash Bar');
    const plain = await create('Backslash Bar');
    const described = await create('Plain Name', 'The best CHURROS in town');
    const query = `query ($ownerId: ID!, $search: String) {
      vendors(first: 20, filter: { ownerId: $ownerId, search: $search }) { edges { node { id } } }
    }`;
    const idsMatching = async (search: string) =>
      dataOf(await graphql(stack.gatewayUrl, query, { ownerId: filterOwner.id, search }))
        .vendors.edges.map((edge: any) => edge.node.id)
        .sort();
    const sorted = (...ids: string[]) => [...ids].sort();
    // As wildcards, '100%' would also match '1000 Tacos', 'e_c' 'SnakeXCase' and 'k\s' 'Backslash'.
    expect(await idsMatching('100%')).toEqual([percent]);
    expect(await idsMatching('  0% taCOS ')).toEqual([percent]);
    expect(await idsMatching('e_c')).toEqual([underscore]);
    expect(await idsMatching('k\\s')).toEqual([backslash]);
    expect(await idsMatching('tacos')).toEqual(sorted(percent, thousand));
    expect(await idsMatching('churros')).toEqual([described]);
    expect(await idsMatching('snake')).toEqual(sorted(underscore, lookalike));
    expect(await idsMatching('Bar')).toEqual(sorted(backslash, plain));
    expect(await idsMatching('x'.repeat(100))).toEqual([]);
    const tooLong = await graphql(stack.gatewayUrl, query, { ownerId: filterOwner.id, search: 'x'.repeat(101) });
    expect(tooLong.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { 'filter.search': expect.any(String) },
    });
  });

  it('keeps the single-statement lookahead for owner { vendors } with openNow and search', async () => {
    const filterOwner = await registerUser(stack.gatewayUrl, 'lookahead_filter_owner');
    const open = await createVendor(filterOwner.accessToken, 'Lookahead Open Grill');
    const closed = await createVendor(filterOwner.accessToken, 'Lookahead Closed Grill');
    await createVendor(filterOwner.accessToken, 'Lookahead Open Diner');
    dataOf(await setOpen(filterOwner.accessToken, open, true));
    stack.resetCounters();
    const response = await graphql(
      stack.gatewayUrl,
      `
        {
          vendors(first: 10, filter: { openNow: true, search: "lookahead open grill" }) {
            edges {
              node {
                id
                owner {
                  vendors {
                    id
                  }
                }
              }
            }
          }
        }
      `,
    );
    const edges = dataOf(response).vendors.edges;
    expect(edges.map((edge: any) => edge.node.id)).toEqual([open]);
    expect(edges[0].node.owner.vendors).toHaveLength(3);
    expect(edges[0].node.owner.vendors.map((vendor: { id: string }) => vendor.id)).toContain(closed);
    expect(requestStatements(stack.sql.vendor)).toEqual({ vendor: 1 });
  });
});

describe('vendors connection', () => {
  it('pages newest first with stable cursors, and filters by category and owner', async () => {
    const pager = await registerUser(stack.gatewayUrl, 'pager');
    const ids: string[] = [];
    for (let index = 0; index < 5; index++)
      ids.push(await createVendor(pager.accessToken, `Page ${index}`, index % 2 ? 'CAFE' : 'RESTAURANT'));
    const query = `query ($after: String, $ownerId: ID, $category: VendorCategory) {
      vendors(first: 2, after: $after, filter: { ownerId: $ownerId, category: $category }) {
        edges { cursor node { id } } pageInfo { hasNextPage endCursor }
      }
    }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = dataOf(await graphql(stack.gatewayUrl, query, { after, ownerId: pager.id })).vendors;
      seen.push(...page.edges.map((edge: any) => edge.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([...ids].reverse());
    const cafes = dataOf(await graphql(stack.gatewayUrl, query, { ownerId: pager.id, category: 'CAFE' })).vendors;
    expect(cafes.edges.map((edge: any) => edge.node.id)).toEqual([ids[3], ids[1]]);
  });

  it('refuses first above 100', async () => {
    const response = await graphql(stack.gatewayUrl, '{ vendors(first: 101) { edges { cursor } } }');
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { first: expect.any(String) },
    });
  });

  it('costs one SQL query per entity type per subgraph, whatever the page size', async () => {
    const owners = await Promise.all(
      Array.from({ length: 10 }, (_, index) => registerUser(stack.gatewayUrl, `bulk_owner_${index}`)),
    );
    for (const [index, bulkOwner] of owners.entries()) {
      for (let count = 0; count < 5; count++) await createVendor(bulkOwner.accessToken, `Bulk ${index}-${count}`);
    }
    // The viewer follows every vendor of the newest owner; another user follows one of them and one older vendor.
    const viewer = await registerUser(stack.gatewayUrl, 'bulk_viewer');
    const newest = await graphql(
      stack.gatewayUrl,
      'query ($ownerId: ID!) { vendors(first: 5, filter: { ownerId: $ownerId }) { edges { node { id name } } } }',
      { ownerId: owners[9]!.id },
    );
    const newestVendors: { id: string; name: string }[] = dataOf(newest).vendors.edges.map((edge: any) => edge.node);
    for (const { id } of newestVendors) dataOf(await setFollowing(viewer.accessToken, id, true));
    const oldest = dataOf(
      await graphql(
        stack.gatewayUrl,
        'query ($ownerId: ID!) { vendors(first: 1, filter: { ownerId: $ownerId }) { edges { node { id } } } }',
        { ownerId: owners[0]!.id },
      ),
    ).vendors.edges[0].node.id;
    for (const id of [newestVendors[0]!.id, oldest]) dataOf(await setFollowing(other.accessToken, id, true));
    const followersOf = (name: string) =>
      (name.startsWith('Bulk 9-') ? 1 : 0) + (name === newestVendors[0]!.name || name === 'Bulk 0-4' ? 1 : 0);

    for (const [pageSize, token] of [
      [10, viewer.accessToken],
      [50, viewer.accessToken],
      [10, undefined],
      [50, undefined],
    ] as const) {
      stack.resetCounters();
      const response = await graphql(
        stack.gatewayUrl,
        `{ vendors(first: ${pageSize}) { edges { node { name followerCount viewerFollows owner { username vendors { name } } } } } }`,
        {},
        { token },
      );
      const edges = dataOf(response).vendors.edges;
      expect(edges).toHaveLength(pageSize);
      for (const { node } of edges) {
        expect(node.owner.username).toMatch(/^bulk_owner_/);
        expect(node.owner.vendors).toHaveLength(5);
        expect(node.owner.vendors.map((vendor: { name: string }) => vendor.name)).toContain(node.name);
        expect(node.followerCount).toBe(followersOf(node.name));
        expect(node.viewerFollows).toBe(token !== undefined && node.name.startsWith('Bulk 9-'));
      }
      // The vendor subgraph resolves vendors and owner { vendors } in one fetch, the user subgraph the usernames;
      // follower counts take one batched statement, and the viewer's follows another (none when anonymous).
      expect(stack.subgraphRequests).toEqual({ user: 1, vendor: 1, location: 0, post: 0, media: 0, search: 0 });
      expect(requestStatements(stack.sql.user)).toEqual({ app_user: 1 });
      expect(requestStatements(stack.sql.vendor)).toEqual({ vendor: 1, vendor_follow: token ? 2 : 1 });
    }
  });
});
