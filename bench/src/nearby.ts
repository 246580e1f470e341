/**
 * `pnpm bench:nearby`: seeds 100,000 vendors with positions around one city (straight into the vendor
 * and location databases: seeding through the API would take longer than the measurement), rebuilds the
 * geo index the way a restarted location subgraph does, then measures:
 * - vendorsNearby at the location subgraph, one request at a time (latency) and 8 at a time (throughput);
 * - the federated vendorsNearby query at the gateway;
 * - sustained location updates per second at the location subgraph.
 * Every response is checked. The stack runs in-process on its own databases, dropped at the end.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { readyUrl, runLoadClient, spawnTsx, terminate } from './common/processes.ts';
import { checkedData, intFromEnv, printTable, reportFailures, result, type OperationResult } from './common/report.ts';
import { prepareBenchRun } from './common/run.ts';
import { runConcurrent, type ConcurrentRun } from './common/stats.ts';

prepareBenchRun();

const { startStack, graphql, registerUser, queryRows, postgresUrl, testDatabasePrefix } = await import('@curbside/e2e');
const { dropDatabasesWithPrefix } = await import('@curbside/subgraph-kit');

const vendorCount = intFromEnv('BENCH_VENDORS', 100_000);
const searchRequests = intFromEnv('BENCH_SEARCH_REQUESTS', 2_000);
const gatewayRequests = intFromEnv('BENCH_GATEWAY_REQUESTS', 500);
const updateRequests = intFromEnv('BENCH_UPDATE_REQUESTS', 3_000);
/** Lisbon, and how far (degrees) the vendors spread around it: about 33 km north-south, 26 km east-west. */
const city = { lat: 38.7223, lng: -9.1393, spread: 0.15 };
const openShare = 0.3;

const randomPoint = () => ({
  lat: city.lat + (Math.random() * 2 - 1) * city.spread,
  lng: city.lng + (Math.random() * 2 - 1) * city.spread,
});

const NEARBY_AT_GATEWAY = `query ($lat: Float!, $lng: Float!) {
  vendorsNearby(lat: $lat, lng: $lng, radiusMeters: 2000, first: 20) {
    distanceMeters vendor { name isOpen owner { username followerCount } location { lat lng updatedAt } }
  }
}`;
const UPDATE = `mutation ($input: UpdateVendorLocationInput!) { updateVendorLocation(input: $input) { updatedAt } }`;

type Stack = Awaited<ReturnType<typeof startStack>>;

/** Inserts the vendors into both databases in chunks, with the same ids and owner. */
async function seed(stack: Stack, ownerId: string): Promise<string[]> {
  const ids: string[] = [];
  const chunk = 10_000;
  const now = new Date();
  for (let start = 0; start < vendorCount; start += chunk) {
    const size = Math.min(chunk, vendorCount - start);
    const rows = Array.from({ length: size }, (_, index) => ({
      id: randomUUID(),
      name: `Bench vendor ${start + index}`,
      open: Math.random() < openShare,
      ...randomPoint(),
    }));
    ids.push(...rows.map((row) => row.id));
    const column = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((row) => row[key]);
    await queryRows(
      stack.databases.vendor,
      `insert into vendor (id, owner_id, name, description, category, is_open, opened_at, created_at, updated_at)
       select id, $2, name, '', 'FOOD_TRUCK', open, case when open then $3::timestamptz end, $3, $3
       from unnest($1::uuid[], $4::text[], $5::boolean[]) as seed(id, name, open)`,
      [column('id'), ownerId, now, column('name'), column('open')],
    );
    await queryRows(
      stack.databases.location,
      `insert into vendor_copy (vendor_id, owner_id, is_open, deleted, version)
       select id, $2, open, false, $3 from unnest($1::uuid[], $4::boolean[]) as seed(id, open)`,
      [column('id'), ownerId, now, column('open')],
    );
    await queryRows(
      stack.databases.location,
      `insert into vendor_location (vendor_id, lat, lng, accuracy_meters, updated_at)
       select id, lat, lng, 10, $2 from unnest($1::uuid[], $3::float8[], $4::float8[]) as seed(id, lat, lng)`,
      [column('id'), now, column('lat'), column('lng')],
    );
  }
  return ids;
}

/**
 * The location subgraph as its own process on the stack's database and Redis namespace, so its figures
 * are not shared with the load generator and the other services' event loop.
 */
async function startLocationProcess(stack: Stack): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawnTsx(new URL('../../subgraphs/location/src/main.ts', import.meta.url), [], {
    env: {
      ...process.env,
      PORT: '0',
      LOCATION_DATABASE: new URL(stack.databases.location).pathname.slice(1),
      REDIS_KEY_PREFIX: stack.redisKeyPrefix,
      JWKS_URL: stack.jwksUrl,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await readyUrl(child, {
    name: 'location subgraph',
    readyText: 'location subgraph ready',
    timeoutMessage: 'the location subgraph process did not start within 60 s',
  });
  return { url, stop: () => terminate(child) };
}

/** Runs `nearby-client.ts` in its own process against `url` and returns its run. */
const clientProcess = (url: string, total: number, concurrency: number): Promise<ConcurrentRun> =>
  runLoadClient(new URL('./nearby-client.ts', import.meta.url), [url, String(total), String(concurrency)]);

async function main(): Promise<void> {
  const stack = await startStack({ countSubgraphRequests: false });
  const results: OperationResult[] = [];
  let failures = 0;
  try {
    const owner = await registerUser(stack.gatewayUrl, 'bench_nearby_owner');
    const seedStart = performance.now();
    const ids = await seed(stack, owner.id);
    const seedMs = performance.now() - seedStart;

    // As after a Redis loss: the restarted location subgraph rebuilds its index from PostgreSQL.
    await stack.redis.del('{geo:vendors}:built'); // geoKeys.built of the location subgraph
    const rebuildStart = performance.now();
    await stack.restartLocationSubgraph();
    const rebuildMs = performance.now() - rebuildStart;

    const checkHits = (data: { vendorsNearby: { distanceMeters: number }[] }) => {
      const distances = data.vendorsNearby.map((hit) => hit.distanceMeters);
      if (distances.some((distance, index) => distance > 2000 || (index > 0 && distance < distances[index - 1]!))) {
        throw new Error(`vendorsNearby out of order or radius: ${distances.join(', ')}`);
      }
    };
    const searchAt = (url: string, query: string) => async () => {
      const data = checkedData(
        await graphql<{ vendorsNearby: { distanceMeters: number }[] }>(url, query, randomPoint()),
      );
      checkHits(data);
      // The city is dense enough that a 2 km circle is never empty: an empty answer means a broken index.
      if (data.vendorsNearby.length === 0) throw new Error('no vendor within 2 km of a point in the city');
    };

    const locationProcess = await startLocationProcess(stack);
    const locationUrl = locationProcess.url;
    const sequential = await clientProcess(locationUrl, searchRequests, 1);
    results.push(result('vendorsNearby @ location subgraph process', 1, sequential));
    const parallel = await clientProcess(locationUrl, searchRequests, 8);
    results.push(result('vendorsNearby @ location subgraph process', 8, parallel));

    await runConcurrent(50, 4, searchAt(stack.gatewayUrl, NEARBY_AT_GATEWAY));
    const viaGateway = await runConcurrent(gatewayRequests, 1, searchAt(stack.gatewayUrl, NEARBY_AT_GATEWAY));
    results.push(result('vendorsNearby @ gateway (federated)', 1, viaGateway));
    const viaGatewayParallel = await runConcurrent(gatewayRequests, 8, searchAt(stack.gatewayUrl, NEARBY_AT_GATEWAY));
    results.push(result('vendorsNearby @ gateway (federated)', 8, viaGatewayParallel));

    // Each update goes to another vendor, so the one-per-second limit of a vendor is never what is measured.
    const updates = await runConcurrent(updateRequests, 8, async (i) => {
      const input = { vendorId: ids[i % ids.length]!, ...randomPoint(), accuracyMeters: 5 };
      checkedData(await graphql(locationUrl, UPDATE, { input }, { token: owner.accessToken }));
    });
    results.push(result('updateVendorLocation @ location subgraph process', 8, updates));
    await locationProcess.stop();

    for (const [label, run] of [
      ['search c=1', sequential],
      ['search c=8', parallel],
      ['gateway c=1', viaGateway],
      ['gateway c=8', viaGatewayParallel],
      ['updates', updates],
    ] as const) {
      reportFailures(label, run);
      failures += run.failures;
    }
    const date = new Date().toISOString();
    console.log(
      `Curbside nearby benchmark: Node ${process.version}, ${availableParallelism()} CPUs, ${date}\n` +
        `${vendorCount} vendors seeded in ${(seedMs / 1000).toFixed(1)} s; geo index rebuilt at start in ${(rebuildMs / 1000).toFixed(2)} s\n` +
        'Location subgraph rows: the subgraph and its load generator each in a process of their own.\n' +
        'Gateway rows: every service and the load generator share one process (one core for JavaScript).',
    );
    printTable(results);
    console.log(`location updates sustained: ${results.at(-1)!.requestsPerSecond.toFixed(0)} per second`);
    console.log(
      `RESULT ${JSON.stringify({ benchmark: 'nearby', node: process.version, date, vendorCount, seedMs, rebuildMs, results })}`,
    );
  } finally {
    await stack.stop();
    await dropDatabasesWithPrefix(postgresUrl, testDatabasePrefix());
  }
  if (failures > 0) process.exitCode = 1;
}

await main();
