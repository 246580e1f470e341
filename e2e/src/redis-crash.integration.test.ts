/**
 * Redis killed (kill -9) during a burst of mutations and started again: every committed mutation's event is
 * still processed. Mutations commit to PostgreSQL with their event in the outbox; the relays keep the rows
 * until Redis takes them, and Redis (AOF, fsync always) keeps what it acknowledged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  graphql,
  queryRows,
  registerUser,
  startPrivateRedis,
  startStack,
  waitFor,
  type Account,
  type PrivateRedis,
  type TestStack,
} from './index.ts';

let redis: PrivateRedis;
let stack: TestStack;
let owner: Account;

beforeAll(async () => {
  redis = await startPrivateRedis();
  stack = await startStack({ redisUrl: redis.url });
  owner = await registerUser(stack.gatewayUrl, 'crash_owner');
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await redis?.stop();
});

const createVendor = (name: string) =>
  graphql(
    stack.gatewayUrl,
    'mutation ($input: CreateVendorInput!) { createVendor(input: $input) { id } }',
    { input: { name, category: 'FOOD_TRUCK' } },
    { token: owner.accessToken },
  ).catch((error: unknown) => ({ errors: [{ message: String(error) }] }));

const idsIn = async (database: string, sql: string) =>
  new Set((await queryRows(database, sql, [owner.id])).map((row) => String(row['id'])));

describe('Redis crash during a burst of mutations', () => {
  it('loses no committed event: every vendor reaches the location and post copies and the search index after Redis returns', async () => {
    const burst: Promise<unknown>[] = [];
    let readyWhileDown: unknown;
    for (let index = 0; index < 60; index++) {
      burst.push(createVendor(`Crash Cart ${index}`));
      if (index === 20) {
        await redis.kill();
        // Subgraph readiness includes Redis: with it gone, the vendor subgraph says so.
        readyWhileDown = await fetch(new URL('/ready', stack.subgraphUrls.vendor)).then(async (response) => ({
          status: response.status,
          body: await response.json(),
        }));
      }
      if (index === 40) await redis.start();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await Promise.all(burst);

    expect(readyWhileDown).toEqual({
      status: 503,
      body: { ready: false, service: 'vendor', database: true, redis: false },
    });
    await waitFor(
      'the vendor subgraph ready again',
      async () => (await fetch(new URL('/ready', stack.subgraphUrls.vendor))).status === 200,
    );
    const committed = await idsIn(stack.databases.vendor, 'select id from vendor where owner_id = $1');
    expect(committed.size).toBeGreaterThan(40);
    await waitFor(
      'every committed vendor in the location copy',
      async () =>
        (await idsIn(stack.databases.location, 'select vendor_id as id from vendor_copy where owner_id = $1')).size ===
        committed.size,
      30_000,
    );
    await waitFor(
      'every committed vendor in the post copy',
      async () =>
        (await idsIn(stack.databases.post, 'select vendor_id as id from vendor_copy where owner_id = $1')).size ===
        committed.size,
      30_000,
    );
    const searchedVendors = () =>
      idsIn(
        stack.databases.search,
        "select id from search_document where type = 'VENDOR' and owner_id = $1 and deleted_at is null",
      );
    await waitFor(
      'every committed vendor in the search index',
      async () => (await searchedVendors()).size === committed.size,
      30_000,
    );
    expect(
      await idsIn(stack.databases.location, 'select vendor_id as id from vendor_copy where owner_id = $1'),
    ).toEqual(committed);
    expect(await searchedVendors()).toEqual(committed);
    const unsent = await queryRows(
      stack.databases.vendor,
      'select count(*)::int as n from outbox_event where sent_at is null',
    );
    expect(unsent[0]!['n']).toBe(0);
  }, 90_000);
});
