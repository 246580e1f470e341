/**
 * Demand control: the gateway estimates an operation's cost from the subgraphs' `@cost` and `@listSize` (lists
 * multiply what is selected under them by their page size or assumed size) and refuses, before any subgraph is
 * called, what would fetch far more than a page; natural pages fit the default budgets many times over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultOperationLimits, defaultRateLimits } from '@curbside/gateway';
import { dataOf, graphql, queryRows, registerUser, startStack, type Account, type TestStack } from './index.ts';

let stack: TestStack;
let owner: Account;

beforeAll(async () => {
  // The production budgets (the stack's default is unlimited, for tests that sign in and query a lot).
  stack = await startStack({ gateway: { rateLimits: defaultRateLimits }, maxVendorsPerOwner: 10 });
  owner = await registerUser(stack.gatewayUrl, 'cost_owner');
  for (const name of ['Cost Cart One', 'Cost Cart Two', 'Cost Cart Three']) {
    dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($input: CreateVendorInput!) { createVendor(input: $input) { id } }',
        { input: { name, category: 'FOOD_TRUCK' } },
        { token: owner.accessToken },
      ),
    );
  }
});
afterAll(async () => {
  await stack?.stop();
});

const subgraphCalls = () => Object.values(stack.subgraphRequests).reduce((sum, count) => sum + count, 0);

describe('operations refused for their cost', () => {
  it('refuses nested unpaginated lists (N⁴ vendors) with OPERATION_LIMIT_EXCEEDED, calling no subgraph', async () => {
    const query = `query ($id: ID!) { user(id: $id) { vendors { owner { vendors { owner { vendors { owner {
      vendors { id } } } } } } } } }`;
    stack.resetCounters();
    const response = await graphql(stack.gatewayUrl, query, { id: owner.id });
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'OPERATION_LIMIT_EXCEEDED',
      limit: 'cost',
      max: defaultOperationLimits.maxCost,
    });
    expect(response.errors?.[0]?.extensions?.['actual']).toBeGreaterThan(defaultOperationLimits.maxCost);
    expect(subgraphCalls()).toBe(0);
    // Two levels of the same lists are a natural question, and answered.
    const twoLevels = await graphql(
      stack.gatewayUrl,
      'query ($id: ID!) { user(id: $id) { vendors { owner { vendors { name } } } } }',
      {
        id: owner.id,
      },
    );
    expect(twoLevels.errors).toBeUndefined();
    expect(twoLevels.data?.['user']?.vendors).toHaveLength(3);
  });

  it("sizes a page left to the variable's default: 500 vendors refused, calling no subgraph", async () => {
    const query = `query ($n: Int = 500) {
      vendors(first: $n) { edges { node { name owner { username vendors { name } } } } }
    }`;
    stack.resetCounters();
    const response = await graphql(stack.gatewayUrl, query);
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'cost' });
    expect(subgraphCalls()).toBe(0);
    // The same document with a page size sent is measured again, not taken from the refusal.
    const sent = await graphql(stack.gatewayUrl, query, { n: 10 });
    expect(sent.errors).toBeUndefined();
    expect(sent.data?.['vendors']?.edges.length).toBeGreaterThanOrEqual(3);
  });
});

describe('natural pages under the default budgets', () => {
  it('answers an anonymous page of 50 vendors with their owners and vendors, many times over a minute', async () => {
    const page = '{ vendors(first: 50) { edges { node { owner { username vendors { name } } } } } }';
    for (let round = 0; round < 10; round++) {
      const response = await graphql(stack.gatewayUrl, page);
      expect(response.status).toBe(200);
      expect(response.errors).toBeUndefined();
      const owners = response.data?.['vendors']?.edges.map(
        (edge: { node: { owner: { username: string } } }) => edge.node.owner.username,
      );
      expect(owners).toContain('cost_owner');
    }
  });
});

describe('the assumed size of an unpaginated list holds', () => {
  it('lets an account run at most 10 vendors (User.vendors is assumed 10 long by the cost estimate)', async () => {
    const busy = await registerUser(stack.gatewayUrl, 'busy_owner');
    // Concurrently: the owner's creations are serialised, so no two can both pass the count.
    const attempts = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        graphql(
          stack.gatewayUrl,
          'mutation ($input: CreateVendorInput!) { createVendor(input: $input) { id } }',
          { input: { name: `Stall ${index}`, category: 'MARKET_STALL' } },
          { token: busy.accessToken },
        ),
      ),
    );
    const created = attempts.filter((response) => response.data?.createVendor);
    const refused = attempts.filter((response) => response.errors?.[0]?.extensions?.['code'] === 'CONFLICT');
    expect(created).toHaveLength(10);
    expect(refused).toHaveLength(2);
    const rows = await queryRows(stack.databases.vendor, 'select count(*)::int as n from vendor where owner_id = $1', [
      busy.id,
    ]);
    expect(rows[0]!['n']).toBe(10);
    const { user } = dataOf(
      await graphql(stack.gatewayUrl, 'query ($id: ID!) { user(id: $id) { vendors { id } } }', { id: busy.id }),
    );
    expect(user.vendors).toHaveLength(10);
  });
});
