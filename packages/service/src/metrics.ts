import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { z } from 'zod';
import { parseEnv } from './env.ts';

/** Who may read /metrics: in production only a caller with `Authorization: Bearer <token>`; else anyone. */
export interface MetricsAccess {
  production: boolean;
  /** Unset in production: /metrics answers 404. */
  token: string | undefined;
}

const accessSchema = z.object({
  NODE_ENV: z.string().default('development'),
  /**
   * In production, the bearer token that reads /metrics (every deployable) and the gateway's /ready details
   * (`Authorization: Bearer <token>`); unset, /metrics is not served in production. Outside production both are
   * open.
   */
  METRICS_TOKEN: z.string().min(16).optional(),
});

/** The metrics access of a subgraph or workers process, from NODE_ENV and METRICS_TOKEN; throws a ConfigError. */
export function loadMetricsAccess(source: NodeJS.ProcessEnv): MetricsAccess {
  const env = parseEnv(accessSchema, source);
  return { production: env.NODE_ENV === 'production', token: env.METRICS_TOKEN };
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Whether `req` may read /metrics under `access` (the token compared in constant time, hashed first). */
export function mayReadMetrics(access: MetricsAccess, req: IncomingMessage): boolean {
  if (!access.production) return true;
  if (!access.token) return false;
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(header.slice('Bearer '.length)), digest(access.token));
}

/** A pool whose use is reported: `pg`'s Pool (what MikroORM 7 connects through) has these counts. */
export interface ObservedPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Job counts of one queue by state, as BullMQ's `Queue.getJobCounts()` gives them. */
export type QueueCounts = () => Promise<Record<string, number>>;

/** The queue states reported as depth (the ones a backlog is made of, and the failed set). */
export const reportedQueueStates = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

/**
 * The metrics of a subgraph or the workers (the gateway has its own, see gateway/src/metrics.ts): one registry
 * per process (tests run several in one process, each with its own), with the process's own metrics (memory,
 * event loop lag) under `curbside_`. Every label is bounded: subgraph, operation type, outcome, database,
 * queue, Redis client name: fixed sets known in the code, never a value a client sends.
 */
export function createServiceMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'curbside_' });
  const registers = [registry];
  const pools = new Map<string, ObservedPool>();
  const queues = new Map<string, QueueCounts>();
  const metrics = {
    registry,
    requests: new Counter({
      name: 'curbside_subgraph_requests_total',
      help: 'GraphQL operations a subgraph executed, by operation type (query, mutation, subscription) and outcome (ok, error).',
      labelNames: ['subgraph', 'operation_type', 'outcome'] as const,
      registers,
    }),
    requestSeconds: new Histogram({
      name: 'curbside_subgraph_request_duration_seconds',
      help: 'Latency of the GraphQL operations a subgraph executed, by operation type.',
      labelNames: ['subgraph', 'operation_type'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
    poolConnections: new Gauge({
      name: 'curbside_db_pool_connections',
      help: 'Connections of each database pool, by state: used (lent out), idle, and waiting (callers waiting for one).',
      labelNames: ['database', 'state'] as const,
      registers,
      collect() {
        for (const [database, pool] of pools) {
          this.set({ database, state: 'used' }, pool.totalCount - pool.idleCount);
          this.set({ database, state: 'idle' }, pool.idleCount);
          this.set({ database, state: 'waiting' }, pool.waitingCount);
        }
      },
    }),
    outboxUnsent: new Gauge({
      name: 'curbside_outbox_unsent_events',
      help: "Events in a subgraph's outbox not yet handed to the queues (counted up to a bound, see outboxSampler), at the last sample.",
      labelNames: ['subgraph'] as const,
      registers,
    }),
    outboxOldestUnsentSeconds: new Gauge({
      name: 'curbside_outbox_oldest_unsent_age_seconds',
      help: "Age of the oldest event in a subgraph's outbox not yet handed to the queues (0: none), at the last sample.",
      labelNames: ['subgraph'] as const,
      registers,
    }),
    queueJobs: new Gauge({
      name: 'curbside_queue_jobs',
      help: 'Jobs in each queue the process consumes, by state (waiting, active, delayed, prioritized, failed).',
      labelNames: ['queue', 'state'] as const,
      registers,
      async collect() {
        await Promise.all(
          [...queues].map(async ([queue, counts]) => {
            const byState = await counts().catch(() => null);
            if (!byState) return; // Redis unreachable: the last values stay, and the Redis error counter moves
            for (const state of reportedQueueStates) this.set({ queue, state }, byState[state] ?? 0);
          }),
        );
      },
    }),
    jobSeconds: new Histogram({
      name: 'curbside_job_duration_seconds',
      help: 'Time a job took to run, by queue and outcome (completed, failed).',
      labelNames: ['queue', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    jobDelaySeconds: new Histogram({
      name: 'curbside_job_delay_seconds',
      help: 'Time from a job being queued (or due, when delayed) to a worker starting it, by queue.',
      labelNames: ['queue'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    jobFailures: new Counter({
      name: 'curbside_job_failures_total',
      help: 'Failed job attempts, by queue and whether the failure was final (no retry left, or a job that can never succeed).',
      labelNames: ['queue', 'final'] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: 'curbside_dead_letters_total',
      help: 'Jobs (or events of a batch job) copied to the dead-letter queue, by source queue.',
      labelNames: ['queue'] as const,
      registers,
    }),
    redisErrors: new Counter({
      name: 'curbside_redis_errors_total',
      help: 'Redis connection errors, by client (the process Redis, the live pub/sub, the queues).',
      labelNames: ['client'] as const,
      registers,
    }),
    /** Reports `pool`'s use under `database` (a name, never a URL) until `unwatch` is called. */
    watchPool(database: string, pool: ObservedPool): () => void {
      pools.set(database, pool);
      return () => {
        if (pools.get(database) === pool) pools.delete(database);
      };
    },
    /** Reports `queue`'s depth on each scrape (a few Redis calls per queue) until `unwatch` is called. */
    watchQueue(queue: string, counts: QueueCounts): () => void {
      queues.set(queue, counts);
      return () => {
        if (queues.get(queue) === counts) queues.delete(queue);
      };
    },
  };
  return metrics;
}

export type ServiceMetrics = ReturnType<typeof createServiceMetrics>;

/** What a process serves /metrics from, and who may read it. */
export interface MetricsEndpoint {
  metrics: ServiceMetrics;
  access: MetricsAccess;
}

/**
 * Answers GET /metrics with the registry's text. A caller `mayReadMetrics` refuses gets `refuse(res, tokenSet)`:
 * the caller's HTTP layer answers it in its error vocabulary (UNAUTHENTICATED when a token is set, else 404).
 */
export async function serveMetrics(
  endpoint: MetricsEndpoint,
  req: IncomingMessage,
  res: ServerResponse,
  refuse: (res: ServerResponse, tokenSet: boolean) => void,
): Promise<void> {
  req.resume();
  if (!mayReadMetrics(endpoint.access, req)) return refuse(res, Boolean(endpoint.access.token));
  const text = await endpoint.metrics.registry.metrics();
  res.writeHead(200, { 'content-type': endpoint.metrics.registry.contentType }).end(text);
}
