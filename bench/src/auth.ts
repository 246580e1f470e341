/**
 * Throughput and latency of `login` (argon2id-bound) and `me` (token verification plus a two-subgraph
 * plan) at the gateway, on the whole stack booted in-process on fresh databases that are dropped at the
 * end. Every response is checked, so a fast run of errors can never pass for a fast run.
 */
import { availableParallelism } from 'node:os';
import { checkedData, intFromEnv, printTable, reportFailures, result, type OperationResult } from './common/report.ts';
import { prepareBenchRun } from './common/run.ts';
import { runConcurrent } from './common/stats.ts';

// The stack names its databases after the run id, so it must be set before the stack is loaded.
prepareBenchRun();

const { startStack, graphql, registerUser, postgresUrl, testDatabasePrefix } = await import('@curbside/e2e');
const { dropDatabasesWithPrefix } = await import('@curbside/subgraph-kit');

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

function pick<T>(items: readonly T[], i: number): T {
  const item = items[i % items.length];
  if (item === undefined) throw new Error('No users to rotate over');
  return item;
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
