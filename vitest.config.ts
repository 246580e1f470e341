import { randomBytes } from 'node:crypto';
import { defineConfig } from 'vitest/config';

/**
 * One id per test run: every database a run creates is named `curbside_t_<run>_...` and dropped by the
 * global teardown, so concurrent runs never see each other.
 */
process.env['CURBSIDE_TEST_RUN'] ??= randomBytes(4).toString('hex');
const env = { CURBSIDE_TEST_RUN: process.env['CURBSIDE_TEST_RUN'], APOLLO_TELEMETRY_DISABLED: '1' };
const exclude = ['**/node_modules/**'];
/** Integration profiles start entry files from `pnpm build`'s output, built by their global setup (processes.ts). */
const integrationEnv = { ...env, CURBSIDE_SPAWN_BUILT: '1' };
/**
 * Files share a worker's module cache (`isolate: false`): every integration file imports the whole stack
 * (Apollo's gateway and planner, MikroORM, BullMQ), and importing it afresh per file was a quarter of `pnpm test`
 * (about 85 s of 340). Safe because no module here keeps per-test state at module level (no singletons, see
 * STYLE.md) and tests that fake timers restore them in `afterEach`.
 */
const isolate = false;

export default defineConfig({
  test: {
    reporters: ['default', './e2e/src/summary-reporter.ts'],
    /**
     * Two files at a time (vitest's default is one fewer than the cores: one, here): an integration file spends
     * most of its time waiting on its stack's servers, PostgreSQL and Redis, not on a core. Every file has its own
     * databases, key prefix, queues and ports, so files never see each other's data. Three at a time was faster
     * still, but left too little headroom for the timing of the subscription tests on two cores.
     */
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'unit',
          isolate,
          include: ['**/src/**/*.test.ts'],
          exclude: [...exclude, '**/*.integration.test.ts'],
          env,
        },
      },
      {
        test: {
          name: 'integration',
          isolate,
          include: ['**/src/**/*.integration.test.ts'],
          exclude,
          env: integrationEnv,
          globalSetup: ['./e2e/src/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The accounts and posts journeys again, every stack behind a PgBouncer of its own in transaction
        // pooling (see `StackOptions.databasePooler`): a profile, as `pnpm test:cluster` is, that
        // `pnpm test:pgbouncer` runs (CI runs both after `pnpm test`).
        test: {
          name: 'pgbouncer',
          isolate,
          include: ['e2e/src/accounts.integration.test.ts', 'e2e/src/posts.integration.test.ts'],
          exclude,
          env: { ...integrationEnv, CURBSIDE_TEST_POOLER: 'pgbouncer' },
          globalSetup: ['./e2e/src/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
