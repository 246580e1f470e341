import type { ApolloServerPlugin } from '@apollo/server';
import type { PostgreSqlConnection } from '@mikro-orm/postgresql';
import type { Logger, ServiceMetrics } from '@curbside/service';
import type { Orm } from './orm.ts';

/** How often a subgraph counts its unsent outbox events: every 15 seconds (a scrape interval, not per scrape). */
export const outboxSampleIntervalMs = 15_000;
/** The most unsent events one sample counts: 100,000 (a larger backlog reads as this; the age is still right). */
export const outboxSampleBound = 100_000;

/**
 * One statement, read through the unsent rows' partial index (`outbox_event_unsent_idx`, by `occurred_at`), so
 * it costs at most `outboxSampleBound` index entries however many sent rows the table holds.
 */
const outboxSampleSql = `select count(*)::int as "unsent",
  coalesce(extract(epoch from now() - min("occurred_at")), 0)::float8 as "oldestSeconds"
  from (select "occurred_at" from "outbox_event" where "sent_at" is null order by "occurred_at" limit ${outboxSampleBound}) as "unsent"`;

/**
 * Samples a subgraph's outbox backlog into `curbside_outbox_unsent_events` and
 * `curbside_outbox_oldest_unsent_age_seconds`, now and every `intervalMs` (default `outboxSampleIntervalMs`).
 * A sample that fails is logged and the last values stay; `stop()` ends the sampling (idempotent).
 */
export function startOutboxSampler(options: {
  orm: Orm;
  subgraph: string;
  metrics: ServiceMetrics;
  logger: Logger;
  intervalMs?: number;
}): { stop(): Promise<void> } {
  const { orm, subgraph, metrics } = options;
  let running: Promise<void> = Promise.resolve();
  const sample = async () => {
    try {
      const [row] = await orm.em.fork().execute<{ unsent: number; oldestSeconds: number }[]>(outboxSampleSql);
      metrics.outboxUnsent.set({ subgraph }, row?.unsent ?? 0);
      metrics.outboxOldestUnsentSeconds.set({ subgraph }, row?.oldestSeconds ?? 0);
    } catch (error) {
      options.logger.warn({ err: error }, 'cannot sample the outbox backlog');
    }
  };
  running = sample();
  const timer = setInterval(() => {
    running = running.then(sample);
  }, options.intervalMs ?? outboxSampleIntervalMs);
  timer.unref();
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      clearInterval(timer);
      stopping ??= running;
      return stopping;
    },
  };
}

/** Reports the pool of `orm`'s connection under `database` (see `ServiceMetrics.watchPool`); returns the unwatch. */
export async function watchOrmPool(metrics: ServiceMetrics, database: string, orm: Orm): Promise<() => void> {
  const pool = await (orm.em.getConnection() as PostgreSqlConnection).getNativeClient();
  return metrics.watchPool(database, pool);
}

/**
 * Counts and times every GraphQL operation served over HTTP, by operation type (a document that did not parse or
 * validate counts as `unknown`) and outcome: `error` when the response carries errors.
 */
export function requestMetricsPlugin<Context extends object>(
  metrics: ServiceMetrics,
  subgraph: string,
): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operation, errors, response }) {
          const operationType = operation?.operation ?? 'unknown';
          const body = response.body;
          const failed =
            Boolean(errors?.length) || (body.kind === 'single' && Boolean(body.singleResult.errors?.length));
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.requestSeconds.observe({ subgraph, operation_type: operationType }, seconds);
          metrics.requests.inc({ subgraph, operation_type: operationType, outcome: failed ? 'error' : 'ok' });
        },
      };
    },
  };
}
