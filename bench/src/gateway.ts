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
 * A third process (this file with `--client`) sends the same query mix to each: a vendors page with owners and
 * positions, a posts page with authors, vendors, photos and counts, and `me` with its vendors, each signed in.
 * Rounds alternate between the gateways (ABBA), every response is checked, and the gateways' own CPU time is
 * read from /proc, which is steadier than requests per second on a shared machine. The target: Curbside's
 * protection costs at most 10% of throughput (Curbside / bare ≥ 0.90).
 *
 * Environment: BENCH_ROUNDS (3), BENCH_GATEWAY_REQUESTS per gateway and round (3,000), BENCH_CONCURRENCY (16),
 * BENCH_WARMUP_REQUESTS per gateway before the first round (600).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { Agent, request } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkedData,
  intFromEnv,
  printFacts,
  printTable,
  reportFailures,
  result,
  type OperationResult,
} from './common/report.ts';
import { createPostOnceCopied, uploadImage } from './common/seeding.ts';
import { runConcurrent, summarize, type ConcurrentRun } from './common/stats.ts';

type QueryKind = 'vendors page' | 'posts page' | 'me';

/** One request of the mix, with what its answer must contain. */
interface MixRequest {
  kind: QueryKind;
  query: string;
  variables: Record<string, unknown>;
  token: string;
  expect: { authorUsername?: string; vendorName?: string; viewerId?: string };
}

/** What the client process is given on its stdin. */
interface ClientPlan {
  url: string;
  warmup: number;
  total: number;
  concurrency: number;
  mix: MixRequest[];
}

const VENDORS_PAGE = `query VendorsPage {
  vendors(first: 20) {
    edges { node {
      id name category isOpen followerCount viewerFollows
      owner { username displayName }
      location { lat lng updatedAt }
    } }
  }
}`;

const POSTS_PAGE = `query PostsPage($authorId: ID!) {
  user(id: $authorId) {
    posts(first: 20) {
      edges { node {
        id body createdAt likeCount commentCount viewerHasLiked
        author { username displayName }
        vendor { name isOpen }
        media { url width height }
      } }
    }
  }
}`;

const ME = `query Me { me { id username email vendors { name isOpen } } }`;

const ownerCount = 4;
const vendorsPerOwner = 5;
const postCount = 30;
const imageCount = 4;
const lisbon = { lat: 38.7223, lng: -9.1393 };

// ---------------------------------------------------------------------------------------------------------------
// The client process: sends the mix to one gateway, checks every answer, prints the run as JSON.

/** Keep-alive sockets, one per concurrent request, as a real client or proxy pool holds them. */
const clientAgent = new Agent({ keepAlive: true, maxSockets: 256 });

function post(url: URL, body: string, token: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        agent: clientAgent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

interface Answer {
  vendors?: { edges: { node: { owner: { username: string }; location: { lat: number } | null } }[] };
  user?: {
    posts: {
      edges: { node: { author: { username: string }; vendor: { name: string } | null; media: { url: string }[] } }[];
    };
  };
  me?: { id: string; vendors: { name: string }[] } | null;
}

/** Throws unless the answer is complete and right for its request. */
function check(mixRequest: MixRequest, response: { status: number; text: string }): void {
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${response.text.slice(0, 300)}`);
  const body = JSON.parse(response.text) as { data?: Answer | null; errors?: unknown[] };
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors).slice(0, 300)}`);
  const data = body.data;
  if (!data) throw new Error('No data');
  const { expect } = mixRequest;
  if (mixRequest.kind === 'vendors page') {
    const edges = data.vendors?.edges ?? [];
    if (edges.length !== ownerCount * vendorsPerOwner) throw new Error(`expected 20 vendors, got ${edges.length}`);
    if (edges.some(({ node }) => !node.owner.username || !node.location)) {
      throw new Error(`a vendor without owner or position: ${response.text.slice(0, 300)}`);
    }
  } else if (mixRequest.kind === 'posts page') {
    const edges = data.user?.posts.edges ?? [];
    if (edges.length !== 20) throw new Error(`expected 20 posts, got ${edges.length}`);
    for (const { node } of edges) {
      if (
        node.author.username !== expect.authorUsername ||
        node.vendor?.name !== expect.vendorName ||
        node.media.length !== 2
      ) {
        throw new Error(`incomplete post: ${JSON.stringify(node).slice(0, 300)}`);
      }
    }
  } else if (!data.me || data.me.id !== expect.viewerId || data.me.vendors.length !== vendorsPerOwner) {
    throw new Error(`me answered ${JSON.stringify(data.me)} for ${expect.viewerId}`);
  }
}

async function runClient(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const plan = JSON.parse(input) as ClientPlan;
  const url = new URL(plan.url);
  const send = async (i: number) => {
    const mixRequest = plan.mix[i % plan.mix.length]!;
    const body = JSON.stringify({ query: mixRequest.query, variables: mixRequest.variables });
    check(mixRequest, await post(url, body, mixRequest.token));
  };
  await runConcurrent(plan.warmup, plan.concurrency, send);
  const run = await runConcurrent(plan.total, plan.concurrency, send);
  process.stdout.write(JSON.stringify({ ...run, errors: run.errors.map((error) => String(error).slice(0, 400)) }));
  clientAgent.destroy();
}

// ---------------------------------------------------------------------------------------------------------------
// The benchmark: the stack, the seed, the two gateway processes and the rounds.

interface GatewayProcess {
  name: string;
  url: string;
  child: ChildProcess;
  logPath: string;
  /** User plus system CPU time the process has used so far, in milliseconds; null without /proc. */
  cpuMs(): number | null;
  stop(): Promise<void>;
}

/** A port free a moment ago, for a process that must be told its port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** utime + stime of a process from /proc/<pid>/stat, in milliseconds (USER_HZ is 100 on Linux). */
function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/**
 * Starts an entry file as its own Node process (this Node, with tsx) on a port of its own, its output in a log
 * file (so that reading it costs this process nothing), and waits until it answers a query.
 */
async function startGatewayProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  logDir: string,
): Promise<GatewayProcess> {
  const port = await freePort();
  const logPath = join(logDir, `${name.replace(/\W+/g, '-')}.log`);
  const log = createWriteStream(logPath);
  await new Promise((resolve) => log.once('open', resolve));
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(entry, import.meta.url))], {
    env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', log, log],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}; see ${logPath}`);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ __typename }"}',
      });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not answer within 60 s; see ${logPath}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    name,
    url,
    child,
    logPath,
    cpuMs: () => (child.pid === undefined ? null : processCpuMs(child.pid)),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
    },
  };
}

/** Runs this file with `--client` against one gateway and returns its run. */
async function clientRun(plan: ClientPlan): Promise<ConcurrentRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--client'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.stdin.end(JSON.stringify(plan));
  if ((await code) !== 0) throw new Error(`the load client exited with ${await code}`);
  return JSON.parse(output) as ConcurrentRun;
}

async function main(): Promise<void> {
  process.env['CURBSIDE_TEST_RUN'] ??= `bench${randomBytes(3).toString('hex')}`;
  process.env['APOLLO_TELEMETRY_DISABLED'] = '1';
  const { startStack, graphql, registerUser, createVendorSeenByLocation, postgresUrl, testDatabasePrefix } =
    await import('@curbside/e2e');
  const { dropDatabasesWithPrefix } = await import('@curbside/subgraph-kit');
  type Stack = Awaited<ReturnType<typeof startStack>>;
  type Account = Awaited<ReturnType<typeof registerUser>>;

  const rounds = intFromEnv('BENCH_ROUNDS', 3);
  const requestsPerRound = intFromEnv('BENCH_GATEWAY_REQUESTS', 3_000);
  const concurrency = intFromEnv('BENCH_CONCURRENCY', 16);
  const warmupRequests = intFromEnv('BENCH_WARMUP_REQUESTS', 600);

  const asOwner = async <Data>(stack: Stack, owner: Account, query: string, variables: Record<string, unknown>) =>
    checkedData(await graphql<Data>(stack.gatewayUrl, query, variables, { token: owner.accessToken }));

  /** A vendor with a position, open when `open`; the location subgraph must know it before it can be placed. */
  async function seedVendor(stack: Stack, owner: Account, index: number, open: boolean): Promise<string> {
    const id = await createVendorSeenByLocation(stack, `Bench vendor ${index}`, owner.accessToken);
    await asOwner(
      stack,
      owner,
      'mutation ($input: UpdateVendorLocationInput!) { updateVendorLocation(input: $input) { updatedAt } }',
      {
        input: {
          vendorId: id,
          lat: lisbon.lat + ((index % 7) - 3) * 0.002,
          lng: lisbon.lng + ((index % 5) - 2) * 0.002,
        },
      },
    );
    if (open) await asOwner(stack, owner, 'mutation ($id: ID!) { openVendor(id: $id) { id } }', { id });
    return id;
  }

  async function seed(stack: Stack) {
    const owners = await Promise.all(
      Array.from({ length: ownerCount }, (_, index) => registerUser(stack.gatewayUrl, `bench_owner_${index}`)),
    );
    const vendorIds = await Promise.all(
      owners.map(async (owner, ownerIndex) => {
        const ids: string[] = [];
        for (let index = 0; index < vendorsPerOwner; index++) {
          const number = ownerIndex * vendorsPerOwner + index;
          ids.push(await seedVendor(stack, owner, number, number % 3 === 0));
        }
        return ids;
      }),
    );
    const author = owners[0]!;
    const mediaIds: string[] = [];
    for (let index = 0; index < imageCount; index++) mediaIds.push(await uploadImage(stack, author, index));
    for (let index = 0; index < postCount; index++) {
      const postId = await createPostOnceCopied(stack, author, {
        body: `Today's special #${index}: ${'tacos and salsa '.repeat(1 + (index % 5))}`,
        mediaIds: [mediaIds[index % imageCount]!, mediaIds[(index + 1) % imageCount]!],
        vendorId: vendorIds[0]![0]!,
      });
      for (const [readerIndex, reader] of owners.slice(1).entries()) {
        if ((index + readerIndex) % 2 === 0) {
          await asOwner(stack, reader, 'mutation ($id: ID!) { likePost(postId: $id) { id } }', { id: postId });
        }
        if ((index + readerIndex) % 3 === 0) {
          await asOwner(
            stack,
            reader,
            'mutation ($id: ID!, $body: String!) { addComment(postId: $id, body: $body) { id } }',
            {
              id: postId,
              body: `Looks great (${readerIndex})`,
            },
          );
        }
      }
    }
    // Fresh tokens (15 minutes) for the measurement, whatever the seeding took.
    const viewers = await Promise.all(
      owners.map(async (owner) => {
        const { login } = checkedData(
          await graphql<{ login: { accessToken: string } }>(
            stack.gatewayUrl,
            'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
            { input: { login: owner.username, password: owner.password } },
          ),
        );
        return { ...owner, accessToken: login.accessToken };
      }),
    );
    return { author, viewers };
  }

  const unlimited = String(Number.MAX_SAFE_INTEGER);
  const stack = await startStack({ countSubgraphRequests: false });
  const logDir = await mkdtemp(join(tmpdir(), 'curbside-bench-gateway-'));
  const gateways: GatewayProcess[] = [];
  let failures = 0;
  try {
    const seedStart = performance.now();
    const { author, viewers } = await seed(stack);
    const seedMs = performance.now() - seedStart;
    const mix: MixRequest[] = viewers.flatMap((viewer) => [
      { kind: 'vendors page', query: VENDORS_PAGE, variables: {}, token: viewer.accessToken, expect: {} },
      {
        kind: 'posts page',
        query: POSTS_PAGE,
        variables: { authorId: author.id },
        token: viewer.accessToken,
        expect: { authorUsername: author.username, vendorName: 'Bench vendor 0' },
      },
      { kind: 'me', query: ME, variables: {}, token: viewer.accessToken, expect: { viewerId: viewer.id } },
    ]);

    const subgraphUrlEnv = Object.fromEntries(
      Object.entries(stack.subgraphUrls).map(([name, url]) => [`SUBGRAPH_URL_${name.toUpperCase()}`, url]),
    );
    const curbside = await startGatewayProcess(
      'Curbside gateway',
      '../../gateway/src/main.ts',
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
      './bare-apollo-gateway.ts',
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

    interface Round {
      gateway: GatewayProcess;
      round: number;
      run: ConcurrentRun;
      cpuMsPerRequest: number | null;
      load: number;
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

    const median = (values: number[]) => {
      const sorted = values.toSorted((a, b) => a - b);
      const middle = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
    };
    const rows: OperationResult[] = measured.map(({ gateway, round, run }) =>
      result(`${gateway.name}, round ${round}`, concurrency, run),
    );
    const summaries = gateways.map((gateway) => {
      const own = measured.filter((entry) => entry.gateway === gateway);
      const pooled: ConcurrentRun = {
        latenciesMs: own.flatMap((entry) => entry.run.latenciesMs),
        elapsedMs: own.reduce((sum, entry) => sum + entry.run.elapsedMs, 0),
        failures: own.reduce((sum, entry) => sum + entry.run.failures, 0),
        errors: [],
      };
      const roundRates = own.map((entry) => result('', concurrency, entry.run).requestsPerSecond);
      const byKind = (['vendors page', 'posts page', 'me'] as const).map((kind) => {
        const latencies = own.flatMap((entry) =>
          entry.run.latenciesMs.filter((_, i) => mix[i % mix.length]!.kind === kind),
        );
        return { kind, ...summarize(latencies) };
      });
      const cpu = own.flatMap((entry) => (entry.cpuMsPerRequest === null ? [] : [entry.cpuMsPerRequest]));
      return {
        gateway,
        row: {
          ...result(`${gateway.name}: median of ${own.length}`, concurrency, pooled),
          requestsPerSecond: median(roundRates),
        },
        roundRates,
        byKind,
        cpuMsPerRequest: cpu.length > 0 ? median(cpu) : null,
      };
    });
    const [ours, theirs] = summaries as [(typeof summaries)[number], (typeof summaries)[number]];
    const throughputRatio = ours.row.requestsPerSecond / theirs.row.requestsPerSecond;
    const cpuRatio =
      ours.cpuMsPerRequest !== null && theirs.cpuMsPerRequest !== null
        ? theirs.cpuMsPerRequest / ours.cpuMsPerRequest
        : null;

    const date = new Date().toISOString();
    const loads = measured.map((entry) => entry.load.toFixed(2)).join(', ');
    console.log(
      `Curbside gateway benchmark: Node ${process.version}, ${availableParallelism()} CPUs, ${date}\n` +
        `Seeded ${ownerCount * vendorsPerOwner} vendors and ${postCount} posts with photos, likes and comments in ${(seedMs / 1000).toFixed(1)} s.\n` +
        `Mix: vendors page, posts page, me (signed in, equal shares); ${rounds} rounds of ${requestsPerRound} requests ` +
        `per gateway, ${concurrency} at a time, ABBA order.\n` +
        'Subgraphs in this process; each gateway and the load client in a process of its own. Load average ' +
        `(1 min) after each round: ${loads}.`,
    );
    printTable(rows);
    console.log('');
    printTable(summaries.map((summary) => summary.row));
    console.log('');
    const cpuFact = (summary: (typeof summaries)[number]) =>
      summary.cpuMsPerRequest === null ? 'unknown (no /proc)' : `${summary.cpuMsPerRequest.toFixed(2)} ms`;
    printFacts([
      ...summaries.flatMap((summary) =>
        summary.byKind.map(
          (kind) =>
            [
              `${summary.gateway.name}: ${kind.kind}`,
              `p50 ${kind.p50.toFixed(1)} ms, p99 ${kind.p99.toFixed(1)} ms (${kind.count} requests)`,
            ] as const,
        ),
      ),
      [`${ours.gateway.name} CPU per request`, cpuFact(ours)],
      [`${theirs.gateway.name} CPU per request`, cpuFact(theirs)],
      [
        'throughput, Curbside / bare',
        `${throughputRatio.toFixed(2)}× (target ≥ 0.90: ${throughputRatio >= 0.9 ? 'met' : 'MISSED'})`,
      ],
      ['CPU per request, bare / Curbside', cpuRatio === null ? 'unknown' : `${cpuRatio.toFixed(2)}×`],
    ]);
    console.log(
      `RESULT ${JSON.stringify({
        benchmark: 'gateway',
        node: process.version,
        date,
        concurrency,
        rounds: rows,
        summaries: summaries.map((summary) => ({
          gateway: summary.gateway.name,
          requestsPerSecond: summary.row.requestsPerSecond,
          roundRates: summary.roundRates,
          p50Ms: summary.row.p50Ms,
          p99Ms: summary.row.p99Ms,
          cpuMsPerRequest: summary.cpuMsPerRequest,
          byKind: summary.byKind,
        })),
        throughputRatio,
        cpuRatio,
        loadAverages: measured.map((entry) => entry.load),
      })}`,
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

if (process.argv.includes('--client')) await runClient();
else await main();
