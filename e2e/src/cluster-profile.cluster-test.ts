/**
 * That `pnpm test:cluster` tests what it says: its stacks run on the run's Redis Cluster, and what they keep there
 * spreads over its primaries (a hash tag per feature, per queue and per live-event key, not one for everything).
 */
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, graphql, registerUser, startStack, waitFor, type TestStack } from './index.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('the cluster profile', () => {
  it('runs each stack on the cluster, its keys spread over every primary', async () => {
    expect(stack.redis).toBeInstanceOf(Cluster);
    expect(stack.redisClusterNodes).toHaveLength(6);
    const owner = await registerUser(stack.gatewayUrl, 'cluster_profile_owner');
    for (let index = 0; index < 5; index++) {
      dataOf(
        await graphql(
          stack.gatewayUrl,
          'mutation ($name: String!) { createVendor(input: { name: $name, category: FOOD_TRUCK }) { id } }',
          { name: `Cluster Truck ${index}` },
          { token: owner.accessToken },
        ),
      );
    }
    const primaries = (stack.redis as Cluster).nodes('master');
    expect(primaries).toHaveLength(3);
    // Each queue's keys sit in its own slot: the jobs of the events above land on every primary.
    const keysPerPrimary = await waitFor('keys of this stack on every primary', async () => {
      const counts = await Promise.all(
        primaries.map(async (node) => {
          const [, keys] = await node.scan('0', 'MATCH', `${stack.redisKeyPrefix}*`, 'COUNT', 10_000);
          return keys.length;
        }),
      );
      return counts.every((count) => count > 0) ? counts : null;
    });
    expect(keysPerPrimary.every((count) => count > 0)).toBe(true);
  });
});
