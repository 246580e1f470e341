/**
 * Metrics of the subgraphs and the workers, scraped from their /metrics as Prometheus would, on the real stack:
 * requests per subgraph and operation type move with the requests, database pools are reported, the outbox
 * backlog rises while no relay runs and falls once one does, queue depth, job latency, failures and dead letters
 * follow a failing job, and in production /metrics answers only the metrics token.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bullConnection,
  deadLetterQueueName,
  defineEventHandler,
  eventJobOptions,
  queueOptions,
  startOutboxRelay,
} from '@curbside/event-bus';
import { closeRedis, createRedis } from '@curbside/redis';
import { createLogger, createServiceMetrics } from '@curbside/service';
import {
  databaseUrl,
  ensureDatabase,
  makeLivePubSub,
  openOrm,
  recordEvent,
  startOutboxSampler,
} from '@curbside/subgraph-kit';
import { entities, migrations } from '@curbside/vendor-subgraph';
import { createWorkers, startWorkersProbe } from '@curbside/workers';
import { graphql, postgresUrl, redisUrl, registerUser, startStack, testDatabasePrefix, waitFor } from './index.ts';

const logger = createLogger('metrics-test', 'silent');
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** The value of one series in a Prometheus text exposition, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1], pair[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return undefined;
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(url, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

describe('subgraph metrics', () => {
  it('count and time operations by subgraph and type, and report the database pool and the outbox', async () => {
    const stack = await startStack({ workers: false });
    cleanups.push(() => stack.stop());
    const metricsUrl = stack.subgraphUrls.user.replace(/\/graphql$/, '/metrics');
    const series = { subgraph: 'user', operation_type: 'mutation', outcome: 'ok' };
    const before = sample(await scrape(metricsUrl), 'curbside_subgraph_requests_total', series) ?? 0;

    const user = await registerUser(stack.gatewayUrl);
    await graphql(stack.subgraphUrls.user, '{ nothingHere }');
    const text = await scrape(metricsUrl);
    expect(sample(text, 'curbside_subgraph_requests_total', series)).toBe(before + 1);
    expect(
      sample(text, 'curbside_subgraph_requests_total', {
        subgraph: 'user',
        operation_type: 'unknown',
        outcome: 'error',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'curbside_subgraph_request_duration_seconds_count', {
        subgraph: 'user',
        operation_type: 'mutation',
      }),
    ).toBeGreaterThanOrEqual(before + 1);
    expect(sample(text, 'curbside_db_pool_connections', { database: 'user', state: 'idle' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'curbside_db_pool_connections', { database: 'user', state: 'waiting' })).toBe(0);
    expect(sample(text, 'curbside_outbox_unsent_events', { subgraph: 'user' })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'curbside_outbox_oldest_unsent_age_seconds', { subgraph: 'user' })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'curbside_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(user.id).toBeTruthy();
  });

  it('see the outbox backlog rise while no relay runs, and fall once one does', async () => {
    const name = `${testDatabasePrefix()}outbox_metrics`;
    await ensureDatabase(postgresUrl, name);
    const url = databaseUrl(postgresUrl, name);
    const orm = await openOrm({ databaseUrl: url, entities, migrations });
    cleanups.push(() => orm.close());
    const metrics = createServiceMetrics();
    const sampler = startOutboxSampler({ orm, subgraph: 'vendor', metrics, logger, intervalMs: 50 });
    cleanups.push(() => sampler.stop());
    const backlog = async () => {
      const text = await metrics.registry.metrics();
      return {
        unsent: sample(text, 'curbside_outbox_unsent_events', { subgraph: 'vendor' }),
        oldest: sample(text, 'curbside_outbox_oldest_unsent_age_seconds', { subgraph: 'vendor' }),
      };
    };
    await waitFor('an empty outbox sampled', async () => (await backlog()).unsent === 0 || undefined);
    expect((await backlog()).oldest).toBe(0);

    const em = orm.em.fork();
    for (let index = 0; index < 3; index += 1) {
      recordEvent(em, 'vendor.opened', {
        vendorId: randomUUID(),
        ownerId: randomUUID(),
        openedAt: new Date().toISOString(),
      });
    }
    await em.flush();
    await waitFor('the backlog of three sampled', async () => (await backlog()).unsent === 3 || undefined);
    await waitFor('the oldest unsent event to age', async () => ((await backlog()).oldest ?? 0) > 0.1 || undefined);

    const prefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:metrics-relay:bull`;
    const connection = bullConnection(redisUrl);
    const relay = startOutboxRelay({ orm, connection, prefix, logger, databaseUrl: url });
    cleanups.push(async () => {
      await relay.stop();
      for (const queueName of ['location.vendor-copy', 'search.index', 'user.notifications']) {
        const queue = new Queue(queueName, queueOptions({ connection, prefix }, queueName));
        await queue.obliterate({ force: true }).catch(() => undefined);
        await queue.close();
      }
    });
    await waitFor('the backlog gone once the relay runs', async () => (await backlog()).unsent === 0 || undefined);
    expect((await backlog()).oldest).toBe(0);
  });
});

describe('workers metrics', () => {
  it('report queue depth, job latency, failures and dead letters, and answer only the token in production', async () => {
    const prefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:metrics-workers:bull`;
    const eventBus = { connection: bullConnection(redisUrl), prefix };
    const keyPrefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:metrics-workers:`;
    const redis = createRedis({ url: redisUrl, keyPrefix, connectionName: 'metrics-test' });
    const pubsub = makeLivePubSub({ url: redisUrl, keyPrefix, connectionName: 'metrics-test:live', logger });
    cleanups.push(async () => {
      await pubsub.close();
      await closeRedis(redis);
    });
    const metrics = createServiceMetrics();
    const workers = await createWorkers({
      databaseUrls: {},
      eventBus,
      redis,
      pubsub,
      logger,
      mediaStore: { kind: 'local', dir: tmpdir() }, // no module uses it
      modules: [],
      extraHandlers: [
        defineEventHandler({
          queue: 'media.process',
          async handle(event) {
            if (event.payload.byteSize === 13) throw new Error('unlucky image');
          },
        }),
      ],
      metrics,
    });
    const token = 'a-metrics-token-of-the-test';
    const probe = await startWorkersProbe({
      port: 0,
      host: '127.0.0.1',
      check: async () => ({ ready: true }),
      metrics: { metrics, access: { production: true, token } },
    });
    const queue = new Queue('media.process', queueOptions(eventBus, 'media.process'));
    cleanups.push(async () => {
      await workers.close();
      await probe.close();
      for (const name of ['media.process', deadLetterQueueName]) {
        const created = new Queue(name, queueOptions(eventBus, name));
        await created.obliterate({ force: true }).catch(() => undefined);
        await created.close();
      }
      await queue.close();
    });
    const metricsUrl = `http://127.0.0.1:${probe.port}/metrics`;
    expect((await fetch(metricsUrl)).status).toBe(401);
    expect((await fetch(metricsUrl, { headers: { authorization: 'Bearer wrong-token-of-16-chars' } })).status).toBe(
      401,
    );
    const read = () => scrape(metricsUrl, { authorization: `Bearer ${token}` });
    const enqueue = async (byteSize: number) => {
      const id = randomUUID();
      const payload = { mediaId: randomUUID(), ownerId: randomUUID(), contentType: 'image/png', byteSize };
      await queue.add(
        'media.received',
        { id, name: 'media.received', payload, occurredAt: new Date().toISOString() },
        { ...eventJobOptions, jobId: id, attempts: 1 },
      );
    };

    let text = await read();
    expect(sample(text, 'curbside_queue_jobs', { queue: 'media.process', state: 'waiting' })).toBe(0);
    expect(sample(text, 'curbside_queue_jobs', { queue: deadLetterQueueName, state: 'waiting' })).toBe(0);

    await enqueue(10);
    await enqueue(13);
    text = await waitFor('a completed and a dead-lettered job', async () => {
      const current = await read();
      const done = sample(current, 'curbside_job_duration_seconds_count', {
        queue: 'media.process',
        outcome: 'completed',
      });
      const dead = sample(current, 'curbside_dead_letters_total', { queue: 'media.process' });
      return done === 1 && dead === 1 ? current : undefined;
    });
    expect(sample(text, 'curbside_job_failures_total', { queue: 'media.process', final: 'true' })).toBe(1);
    expect(sample(text, 'curbside_job_duration_seconds_count', { queue: 'media.process', outcome: 'failed' })).toBe(1);
    expect(sample(text, 'curbside_job_delay_seconds_count', { queue: 'media.process' })).toBe(2);
    expect(sample(text, 'curbside_queue_jobs', { queue: 'media.process', state: 'failed' })).toBe(1);
    expect(sample(text, 'curbside_queue_jobs', { queue: deadLetterQueueName, state: 'waiting' })).toBe(1);
  });
});
