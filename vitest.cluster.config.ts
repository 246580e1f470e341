import { randomBytes } from 'node:crypto';
import { defineConfig } from 'vitest/config';

/**
 * `pnpm test:cluster`: part of the integration suite again, on a Redis Cluster the run starts (3 primaries, 3
 * replicas; e2e/src/cluster-setup.ts) instead of the machine's Redis, and the failover test. Every Redis
 * connection of every stack is then a cluster one: keys, queues (a hash tag each), live events (sharded pub/sub).
 * A separate configuration, so that `pnpm test` does not start a cluster.
 */
process.env['CURBSIDE_TEST_RUN'] ??= randomBytes(4).toString('hex');

export default defineConfig({
  test: {
    reporters: ['default', './e2e/src/summary-reporter.ts'],
    name: 'cluster',
    // As in vitest.config.ts: files share a worker's module cache.
    isolate: false,
    include: [
      'e2e/src/*.cluster-test.ts',
      // Each feature's keys, scripts and transactions on their own.
      'packages/auth/src/blocklist.integration.test.ts',
      'packages/pubsub/src/pubsub.integration.test.ts',
      'subgraphs/location/src/geo-index.integration.test.ts',
      'subgraphs/location/src/update-window.integration.test.ts',
      'subgraphs/user/src/login-attempts.integration.test.ts',
      // Whole stacks: accounts, vendors, locations, posts, live subscriptions (resume included), the workers'
      // queues and rate limits.
      'e2e/src/accounts.integration.test.ts',
      'e2e/src/vendors.integration.test.ts',
      'e2e/src/locations.integration.test.ts',
      'e2e/src/posts.integration.test.ts',
      'e2e/src/subscriptions.integration.test.ts',
      'e2e/src/gateway-subscriptions.integration.test.ts',
      'e2e/src/consumers.integration.test.ts',
      'e2e/src/notifications.integration.test.ts',
      'e2e/src/gateway-rate-limits.integration.test.ts',
      'e2e/src/login-attempts.integration.test.ts',
    ],
    exclude: ['**/node_modules/**'],
    env: { CURBSIDE_TEST_RUN: process.env['CURBSIDE_TEST_RUN'], APOLLO_TELEMETRY_DISABLED: '1' },
    globalSetup: ['./e2e/src/cluster-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
