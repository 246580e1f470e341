/**
 * The workers deployable killed (kill -9) while it works through a backlog, then started again: every job
 * completes, none has its effect twice. The workers run as a real process here, on the stack's databases.
 */
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullConnection, bullPrefix, listDeadLetters, queueOptions } from '@curbside/event-bus';
import {
  disposeLiveClients,
  liveClient,
  queryRows,
  registerUser,
  setFollowingUser,
  startProcess,
  startStack,
  stopProcess,
  subscribe,
  waitFor,
  type Account,
  type ServiceProcess,
  type TestStack,
} from './index.ts';

const followers = 100;
let stack: TestStack;
let target: Account;
let workers: ServiceProcess | undefined;

beforeAll(async () => {
  stack = await startStack({ workers: false });
  target = await registerUser(stack.gatewayUrl, 'crash_target');
}, 60_000);
afterAll(async () => {
  await disposeLiveClients();
  if (workers) await stopProcess(workers, 'SIGKILL');
  await stack?.stop();
});

const databaseName = (url: string) => new URL(url).pathname.slice(1);

function startWorkers(): Promise<ServiceProcess> {
  const env: Record<string, string> = {
    POSTGRES_URL: new URL('/postgres', stack.databases.user).toString(),
    REDIS_URL: stack.redisUrl,
    REDIS_KEY_PREFIX: stack.redisKeyPrefix,
    MEDIA_DIR: stack.mediaDir,
  };
  for (const [name, url] of Object.entries(stack.databases)) env[`${name.toUpperCase()}_DATABASE`] = databaseName(url);
  return startProcess('workers/src/main.ts', env, /workers ready/);
}

const count = async (database: string, sql: string) => Number((await queryRows(database, sql, [target.id]))[0]!['n']);
const notifications = () =>
  count(
    stack.databases.user,
    "select count(*)::int as n from notification where recipient_id = $1 and kind = 'NEW_FOLLOWER'",
  );
const followCopies = () =>
  count(stack.databases.post, 'select count(*)::int as n from user_follow_copy where followee_id = $1 and following');

describe('the workers killed mid-backlog', () => {
  it('complete every job after a restart, none with its effect twice', async () => {
    // Live notifications, counted per follower: a job done twice would publish twice.
    const live = subscribe(
      liveClient(stack.gatewayUrl, target.accessToken),
      'subscription { notificationReceived { kind actor { id } } }',
      {},
    );
    const accounts = await Promise.all(
      Array.from({ length: followers }, (_, index) => registerUser(stack.gatewayUrl, `crash_follower_${index}`)),
    );
    await Promise.all(accounts.map((account) => setFollowingUser(stack, account.accessToken, target.id)));
    const bus = { connection: bullConnection(stack.redisUrl), prefix: bullPrefix(stack.redisKeyPrefix) };
    const queue = new Queue('user.notifications', queueOptions(bus, 'user.notifications'));
    await waitFor('the backlog queued', async () => (await queue.getWaitingCount()) >= followers, 30_000);

    workers = await startWorkers();
    await waitFor('the first effects', async () => (await notifications()) > 0, 20_000);
    await stopProcess(workers, 'SIGKILL');
    const doneBeforeKill = await notifications();
    expect(doneBeforeKill).toBeLessThan(followers);

    workers = await startWorkers();
    await waitFor('every notification', async () => (await notifications()) === followers, 60_000);
    await waitFor('every follow copy', async () => (await followCopies()) === followers, 60_000);
    await waitFor(
      'the queue drained',
      async () => (await queue.getCompletedCount()) >= followers && (await queue.getActiveCount()) === 0,
      30_000,
    );

    const perFollower = await queryRows(
      stack.databases.user,
      "select actor_id, count(*)::int as n from notification where recipient_id = $1 and kind = 'NEW_FOLLOWER' group by actor_id",
      [target.id],
    );
    expect(perFollower).toHaveLength(followers);
    expect(perFollower.every((row) => row['n'] === 1)).toBe(true);
    const livePerFollower = new Map<string, number>();
    for (const event of live.events) {
      const actor = event['data']?.notificationReceived?.actor?.id as string;
      livePerFollower.set(actor, (livePerFollower.get(actor) ?? 0) + 1);
    }
    expect([...livePerFollower.values()].every((times) => times === 1)).toBe(true);
    expect(await listDeadLetters(bus)).toEqual([]);
    await queue.close();
  }, 180_000);
});
