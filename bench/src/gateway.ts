/**
 * `pnpm bench:gateway`: what Curbside's gateway costs next to a bare @apollo/gateway on the same subgraphs.
 *
 * The stack's subgraphs run in this process on fresh databases (dropped at the end), seeded through the API:
 * four owners with five vendors each (placed around Lisbon, some open), posts with photos, likes and comments.
 * Two gateways then run as processes of their own on those subgraphs:
 * - Curbside's, from its entry file as in production (NODE_ENV=production, every protection on: token
 *   verification, operation limits, rate limits in Redis, metrics, request logs, timeouts and circuit breaking),
 *   with its rate limits raised to 2^53-1 points a minute so that it charges every request but refuses none;
 * - a bare @apollo/gateway on @apollo/server (bare-apollo-gateway.ts).
 * A third process (gateway/client.ts) sends the same query mix to each: a vendors page with owners and
 * positions, a posts page with authors, vendors, photos and counts, and `me` with its vendors, each signed in.
 * Rounds alternate between the gateways (ABBA), every response is checked, and the gateways' own CPU time is
 * read from /proc, which is steadier than requests per second on a shared machine. The target: Curbside's
 * protection costs at most 10% of throughput (Curbside / bare ≥ 0.90).
 *
 * Environment: BENCH_ROUNDS (3), BENCH_GATEWAY_REQUESTS per gateway and round (3,000), BENCH_CONCURRENCY (16),
 * BENCH_WARMUP_REQUESTS per gateway before the first round (600).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoadClient } from './common/processes.ts';
import { intFromEnv, reportFailures } from './common/report.ts';
import { prepareBenchRun } from './common/run.ts';
import type { ConcurrentRun } from './common/stats.ts';
import { startGatewayProcess, type GatewayProcess } from './gateway/gateway-process.ts';
import { mixFor, ownerCount, postCount, vendorsPerOwner, type ClientPlan } from './gateway/mix.ts';
import { printReport, type Round } from './gateway/report.ts';
import { seed } from './gateway/seed.ts';

/** Runs the load client (gateway/client.ts) against one gateway and returns its run. */
const clientRun = (plan: ClientPlan): Promise<ConcurrentRun> =>
  runLoadClient(new URL('./gateway/client.ts', import.meta.url), [], JSON.stringify(plan));

async function main(): Promise<void> {
  prepareBenchRun();
  const { startStack, postgresUrl, testDatabasePrefix } = await import('@curbside/e2e');
  const { dropDatabasesWithPrefix } = await import('@curbside/subgraph-kit');

  const rounds = intFromEnv('BENCH_ROUNDS', 3);
  const requestsPerRound = intFromEnv('BENCH_GATEWAY_REQUESTS', 3_000);
  const concurrency = intFromEnv('BENCH_CONCURRENCY', 16);
  const warmupRequests = intFromEnv('BENCH_WARMUP_REQUESTS', 600);

  const unlimited = String(Number.MAX_SAFE_INTEGER);
  const stack = await startStack({ countSubgraphRequests: false });
  const logDir = await mkdtemp(join(tmpdir(), 'curbside-bench-gateway-'));
  const gateways: GatewayProcess[] = [];
  let failures = 0;
  try {
    const seedStart = performance.now();
    const { author, viewers } = await seed(stack);
    const seedMs = performance.now() - seedStart;
    const mix = mixFor(author, viewers);

    const subgraphUrlEnv = Object.fromEntries(
      Object.entries(stack.subgraphUrls).map(([name, url]) => [`SUBGRAPH_URL_${name.toUpperCase()}`, url]),
    );
    const curbside = await startGatewayProcess(
      'Curbside gateway',
      new URL('../../gateway/src/main.ts', import.meta.url),
      {
        ...subgraphUrlEnv,
        NODE_ENV: 'production',
        // Required in production; the in-process subgraphs have none, so they do not check it.
        GATEWAY_SECRET: randomBytes(32).toString('hex'),
        JWKS_URL: stack.jwksUrl,
        REDIS_URL: stack.redisUrl,
        REDIS_KEY_PREFIX: stack.redisKeyPrefix,
        RATE_LIMIT_USER_COST: unlimited,
        RATE_LIMIT_ANONYMOUS_COST: unlimited,
        RATE_LIMIT_AUTH_ATTEMPTS: unlimited,
        LOG_LEVEL: 'info',
      },
      logDir,
    );
    gateways.push(curbside);
    const bare = await startGatewayProcess(
      'bare @apollo/gateway',
      new URL('./bare-apollo-gateway.ts', import.meta.url),
      { ...subgraphUrlEnv, NODE_ENV: 'production' },
      logDir,
    );
    gateways.push(bare);

    const plan = (gateway: GatewayProcess, warmup: number, total: number): ClientPlan => ({
      url: gateway.url,
      warmup,
      total,
      concurrency,
      mix,
    });
    // JIT, plan caches and connection pools warm in both before anything is measured.
    for (const gateway of gateways) {
      const warm = await clientRun(plan(gateway, 0, warmupRequests));
      reportFailures(`${gateway.name} (warm-up)`, warm);
      failures += warm.failures;
    }

    const measured: Round[] = [];
    for (let round = 1; round <= rounds; round++) {
      // ABBA: whichever went second goes first next time, so a drift in the machine's load hits both alike.
      const order = round % 2 === 1 ? [curbside, bare] : [bare, curbside];
      for (const gateway of order) {
        const cpuBefore = gateway.cpuMs();
        const run = await clientRun(plan(gateway, 60, requestsPerRound));
        const cpuAfter = gateway.cpuMs();
        // The client's 60 warm requests run inside the CPU window too: count them.
        const cpuMsPerRequest =
          cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / (requestsPerRound + 60);
        measured.push({ gateway, round, run, cpuMsPerRequest, load: loadavg()[0]! });
        reportFailures(`${gateway.name}, round ${round}`, run);
        failures += run.failures;
      }
    }

    printReport(
      { seedMs, rounds, requestsPerRound, concurrency, ownerCount, vendorsPerOwner, postCount },
      gateways,
      measured,
      mix,
    );
  } finally {
    for (const gateway of gateways) await gateway.stop();
    await stack.stop();
    await dropDatabasesWithPrefix(postgresUrl, testDatabasePrefix());
    if (failures === 0) await rm(logDir, { recursive: true, force: true });
    else console.error(`gateway logs kept in ${logDir}`);
  }
  if (failures > 0) process.exitCode = 1;
}

await main();
