import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis, deleteKeysWithPrefix, redisTargetFromEnv } from '@curbside/redis';
import { bullConnection, closeBullConnection, queueOptions } from './connection.ts';
import { hasOverdueJob, watchForStall } from './stall-watch.ts';

// The run's Redis (the machine's server, or the cluster of `pnpm test:cluster`), under a prefix of this file's.
const target = redisTargetFromEnv(process.env);
const prefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:stall-${randomBytes(4).toString('hex')}:bull`;
const bus = { connection: bullConnection(target.url, target.clusterNodes), prefix };
const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const closable of opened.reverse()) await closable.close();
  await closeBullConnection(bus.connection);
  const redis = connectRedis(target, { connectionName: 'stall-watch-test-cleanup' });
  await deleteKeysWithPrefix(redis, prefix);
  await closeRedis(redis);
});

let queues = 0;
function makeQueue(): { queue: Queue; name: string } {
  const name = `stall-${++queues}`;
  const queue = new Queue(name, queueOptions(bus, name));
  opened.push(queue);
  return { queue, name };
}

describe('hasOverdueJob', () => {
  it('is false for an empty queue and a delayed job not yet due; a waiting job is overdue from when it was added', async () => {
    const { queue } = makeQueue();
    expect(await hasOverdueJob(queue, Date.now(), 1_000)).toBe(false);
    await queue.add('later', {}, { delay: 60_000 });
    expect(await hasOverdueJob(queue, Date.now(), 1_000)).toBe(false);
    const job = await queue.add('now', {});
    expect(await hasOverdueJob(queue, job.timestamp + 900, 1_000)).toBe(false);
    expect(await hasOverdueJob(queue, job.timestamp + 1_100, 1_000)).toBe(true);
  });

  it('counts a delayed job from when it became due, which no worker moved on', async () => {
    const { queue } = makeQueue();
    const job = await queue.add('soon', {}, { delay: 100 });
    // No worker: the job stays in the delayed set past its due time.
    expect(await queue.getDelayedCount()).toBe(1);
    expect(await hasOverdueJob(queue, job.timestamp + 100 + 900, 1_000)).toBe(false);
    expect(await hasOverdueJob(queue, job.timestamp + 100 + 1_100, 1_000)).toBe(true);
  });
});

describe('watchForStall', () => {
  const settings = { intervalMs: 50, maxWaitMs: 300 };

  it('tells of a worker with room for more that takes no job while one waits, once per maxWaitMs', async () => {
    const { queue, name } = makeQueue();
    // A worker that stopped fetching: paused before it took anything.
    const worker = new Worker(name, async () => undefined, { ...queueOptions(bus, name), autorun: false });
    opened.push(worker);
    const startedAt = Date.now();
    await queue.add('waits', {});
    const stalls: number[] = [];
    const stop = watchForStall(
      queue,
      { lastStartedAt: () => startedAt, canTakeMore: () => true },
      () => stalls.push(Date.now() - startedAt),
      settings,
    );
    await sleep(500);
    stop();
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toBeGreaterThan(settings.maxWaitMs);
    expect(await queue.getWaitingCount()).toBe(1);
  });

  it('tells of nothing while a worker takes the jobs, nor of one that is busy at its concurrency', async () => {
    const { queue, name } = makeQueue();
    let lastStartedAt = Date.now();
    const worker = new Worker(
      name,
      async () => {
        lastStartedAt = Date.now();
      },
      queueOptions(bus, name),
    );
    opened.push(worker);
    const stalls: number[] = [];
    const stop = watchForStall(
      queue,
      { lastStartedAt: () => lastStartedAt, canTakeMore: () => true },
      () => stalls.push(Date.now()),
      settings,
    );
    for (let index = 0; index < 10; index++) {
      await queue.add('taken', { index });
      await sleep(60);
    }
    stop();
    expect(stalls).toEqual([]);
    expect(await queue.getWaitingCount()).toBe(0);

    // A job waits and nothing starts, but the worker is full: busy, not stalled.
    const { queue: busyQueue } = makeQueue();
    await busyQueue.add('waits', {});
    const busyStalls: number[] = [];
    const stopBusy = watchForStall(
      busyQueue,
      { lastStartedAt: () => 0, canTakeMore: () => false },
      () => busyStalls.push(Date.now()),
      settings,
    );
    await sleep(500);
    stopBusy();
    expect(busyStalls).toEqual([]);
  });
});
