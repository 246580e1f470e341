import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, graphql, queryRows, registerUser, startStack, type TestStack } from './index.ts';

let stack: TestStack;
let owner: Awaited<ReturnType<typeof registerUser>>;
let other: Awaited<ReturnType<typeof registerUser>>;
let adminToken: string;

beforeAll(async () => {
  stack = await startStack();
  owner = await registerUser(stack.gatewayUrl, 'vendor_owner');
  other = await registerUser(stack.gatewayUrl, 'vendor_other');
  const admin = await registerUser(stack.gatewayUrl, 'vendor_admin');
  await queryRows(stack.databases.user, "update app_user set role = 'ADMIN' where id = $1", [admin.id]);
  const login = await graphql(
    stack.gatewayUrl,
    'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
    { input: { login: admin.username, password: admin.password } },
  );
  adminToken = dataOf(login).login.accessToken;
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
      'select id, name, description, category, updated_at from vendor order by id',
    ),
    events: (await queryRows(stack.databases.vendor, 'select count(*)::int as n from outbox_event'))[0]!['n'],
  };
}

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
      expect(event!['payload']).toMatchObject({ name: 'Renamed', category: 'CAFE' });
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
      { payload: expect.objectContaining({ vendorId: id, ownerId: owner.id, name: 'Evented' }) },
    ]);
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
    for (const pageSize of [10, 50]) {
      stack.resetCounters();
      const response = await graphql(
        stack.gatewayUrl,
        `{ vendors(first: ${pageSize}) { edges { node { name owner { username vendors { name } } } } } }`,
      );
      const edges = dataOf(response).vendors.edges;
      expect(edges).toHaveLength(pageSize);
      for (const { node } of edges) {
        expect(node.owner.username).toMatch(/^bulk_owner_/);
        expect(node.owner.vendors).toHaveLength(5);
        expect(node.owner.vendors.map((vendor: { name: string }) => vendor.name)).toContain(node.name);
      }
      // The vendor subgraph resolves vendors and owner { vendors } in one fetch, the user subgraph the usernames.
      expect(stack.subgraphRequests).toEqual({ user: 1, vendor: 1 });
      expect(stack.sql.user.countByTable()).toEqual({ app_user: 1 });
      expect(stack.sql.vendor.countByTable()).toEqual({ vendor: 1 });
    }
  });
});
