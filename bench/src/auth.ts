/**
 * Throughput and latency of `login` (argon2id-bound) and `me` (token verification plus a two-subgraph
 * plan) at the gateway, on the whole stack booted in-process on fresh databases that are dropped at the
 * end. Every response is checked, so a fast run of errors can never pass for a fast run.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { GraphQLResponse } from '@curbside/e2e';
import { runConcurrent, summarize, type ConcurrentRun } from './stats.ts';

// The stack names its databases after the run id, so it must be set before the stack is loaded.
process.env['CURBSIDE_TEST_RUN'] ??= `bench${randomBytes(3).toString('hex')}`;
process.env['APOLLO_TELEMETRY_DISABLED'] = '1';

const { startStack, graphql, registerUser, postgresUrl, testDatabasePrefix } = await import('@curbside/e2e');
const { dropDatabasesWithPrefix } = await import('@curbside/subgraph-kit');

/** A positive integer from the environment, so a bad override fails loudly instead of measuring nothing. */
function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

const userCount = 20;
const meWarmup = 100;
const loginRequests = intFromEnv('BENCH_LOGIN_REQUESTS', 200);
const loginConcurrency = intFromEnv('BENCH_CONCURRENCY', 4);
const meRequests = intFromEnv('BENCH_ME_REQUESTS', 2000);
const meConcurrency = 8;

const loginMutation = 'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }';
const meQuery = '{ me { id username email vendors { name } } }';

interface BenchUser {
  id: string;
  username: string;
  email: string;
  password: string;
  accessToken: string;
}

/** Throws unless the response is a 200 with data and no errors; returns the data. */
function checkedData<Data>(response: GraphQLResponse<Data>): Data {
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${JSON.stringify(response.errors)}`);
  if (response.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  if (!response.data) throw new Error('No data');
  return response.data;
}

function pick<T>(items: readonly T[], i: number): T {
  const item = items[i % items.length];
  if (item === undefined) throw new Error('No users to rotate over');
  return item;
}

interface OperationResult {
  operation: string;
  requests: number;
  concurrency: number;
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  failures: number;
}

const round = (value: number): number => Math.round(value * 100) / 100;

function result(operation: string, concurrency: number, run: ConcurrentRun): OperationResult {
  const summary = summarize(run.latenciesMs);
  return {
    operation,
    requests: summary.count,
    concurrency,
    requestsPerSecond: round((summary.count / run.elapsedMs) * 1000),
    p50Ms: round(summary.p50),
    p90Ms: round(summary.p90),
    p99Ms: round(summary.p99),
    maxMs: round(summary.max),
    meanMs: round(summary.mean),
    failures: run.failures,
  };
}

function reportFailures(label: string, run: ConcurrentRun): void {
  if (run.failures === 0) return;
  console.error(`${label}: ${run.failures} failed request(s); first errors:`);
  for (const error of run.errors) console.error(`  ${error instanceof Error ? error.message : String(error)}`);
}

function printTable(results: readonly OperationResult[]): void {
  const header = ['operation', 'requests', 'concurrency', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'];
  const rows = results.map((r) => [
    r.operation,
    String(r.requests),
    String(r.concurrency),
    ...[r.requestsPerSecond, r.p50Ms, r.p90Ms, r.p99Ms, r.maxMs].map((figure) => figure.toFixed(1)),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

async function bench(gatewayUrl: string): Promise<{ results: OperationResult[]; failures: number }> {
  const users: BenchUser[] = [];
  const registration = await runConcurrent(userCount, loginConcurrency, async (i) => {
    const user = await registerUser(gatewayUrl, `bench_user_${i}`);
    users.push(user);
  });
  if (registration.failures > 0) {
    reportFailures('register', registration);
    throw new Error('Could not register the benchmark users');
  }

  const login = await runConcurrent(loginRequests, loginConcurrency, async (i) => {
    const user = pick(users, i);
    const response = await graphql<{ login: { accessToken: string } }>(gatewayUrl, loginMutation, {
      input: { login: user.username, password: user.password },
    });
    const token = checkedData(response).login.accessToken;
    if (typeof token !== 'string' || token.split('.').length !== 3) throw new Error('login returned no JWT');
  });

  const meOnce = async (i: number): Promise<void> => {
    const user = pick(users, i);
    const response = await graphql<{
      me: { id: string; username: string; email: string | null; vendors: { name: string }[] } | null;
    }>(gatewayUrl, meQuery, {}, { token: user.accessToken });
    const { me } = checkedData(response);
    if (!me || me.id !== user.id || me.username !== user.username || me.email !== user.email) {
      throw new Error(`me returned ${JSON.stringify(me)} for ${user.username}`);
    }
    if (!Array.isArray(me.vendors)) throw new Error('me.vendors is not a list');
  };
  const warmup = await runConcurrent(meWarmup, meConcurrency, meOnce);
  const me = await runConcurrent(meRequests, meConcurrency, meOnce);

  reportFailures('login', login);
  reportFailures('me (warm-up)', warmup);
  reportFailures('me', me);
  return {
    results: [result('login', loginConcurrency, login), result('me', meConcurrency, me)],
    failures: login.failures + warmup.failures + me.failures,
  };
}

const prefix = testDatabasePrefix();
let exitCode = 1;
try {
  const stack = await startStack({ countSubgraphRequests: false });
  try {
    const { results, failures } = await bench(stack.gatewayUrl);
    const date = new Date().toISOString();
    console.log(`Curbside auth benchmark: Node ${process.version}, ${availableParallelism()} CPUs, ${date}`);
    printTable(results);
    console.log(`RESULT ${JSON.stringify({ benchmark: 'auth', node: process.version, date, results })}`);
    if (failures > 0) console.error(`${failures} request(s) failed`);
    exitCode = failures > 0 ? 1 : 0;
  } finally {
    await stack.stop();
  }
} catch (error) {
  console.error(error);
} finally {
  await dropDatabasesWithPrefix(postgresUrl, prefix);
}
process.exitCode = exitCode;
