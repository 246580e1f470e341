import { setTimeout as sleep } from 'node:timers/promises';
import type { MikroORM } from '@mikro-orm/postgresql';
import { domainEvents, queuesFor } from '@curbside/events';
import type { Logger } from '@curbside/service';

/** How a subgraph's outbox is kept bounded: which sent rows are deleted, when, and how many per statement. */
export interface OutboxPruningSettings {
  /** How long a sent row of an event some queue receives is kept (to inspect or replay it). */
  retentionMs: number;
  /**
   * How long a sent row of an event no queue receives is kept. Short: nothing will ever read it, but tests and
   * operators may look at what a mutation recorded right after it.
   */
  unqueuedRetentionMs: number;
  /** Rows deleted per statement, so that no statement holds many row locks, or runs, for long. */
  batchSize: number;
  /** Pause between two statements, leaving room for the relay and the subgraph's own writes. */
  pauseMs: number;
  /** How often a pruning runs (each relay runs its own); 0 never. */
  intervalMs: number;
}

export const outboxPruningDefaults: OutboxPruningSettings = {
  retentionMs: 7 * 24 * 3600 * 1000, // 7 days
  unqueuedRetentionMs: 10 * 60 * 1000, // 10 minutes
  batchSize: 1_000,
  pauseMs: 20, // 20 milliseconds
  intervalMs: 60_000, // 1 minute
};

/** Declared events no queue receives (`user.logged_in`, `comment.deleted`, ...): kept only briefly once sent. */
export const unqueuedEventNames: readonly string[] = Object.keys(domainEvents).filter(
  (name) => queuesFor(name).length === 0,
);

/**
 * Deletes the sent outbox rows past their retention (`retentionMs`; `unqueuedRetentionMs` for events no queue
 * receives), `batchSize` per statement with `pauseMs` between statements, until none is left; resolves with how
 * many were deleted. Unsent rows are never deleted. Each statement deletes by primary key what a short indexed
 * select found (`outbox_event_sent_idx`, `outbox_event_sent_name_idx`), so its row locks last milliseconds;
 * rows another relay is pruning are skipped, not waited for.
 */
export async function pruneSentOutbox(
  orm: MikroORM,
  settings: Omit<OutboxPruningSettings, 'intervalMs'> & { signal?: AbortSignal },
): Promise<number> {
  const now = Date.now();
  const limit = Math.max(1, Math.floor(settings.batchSize));
  const passes = [
    { where: 'sent_at is not null and sent_at < ?', params: [new Date(now - settings.retentionMs)] },
    {
      where: 'sent_at is not null and name in (?) and sent_at < ?',
      params: [unqueuedEventNames, new Date(now - settings.unqueuedRetentionMs)],
    },
  ];
  let deleted = 0;
  for (const pass of passes) {
    if (pass === passes[1] && unqueuedEventNames.length === 0) continue;
    deleted += await deleteInBatches(
      async () =>
        (
          await orm.em.fork().execute<{ id: string }[]>(
            `delete from outbox_event where id in (
               select id from outbox_event where ${pass.where} order by sent_at limit ${limit} for update skip locked)
             returning id`,
            pass.params,
          )
        ).length,
      { ...settings, batchSize: limit },
    );
  }
  return deleted;
}

/** A pruning running every `intervalMs`. */
export interface OutboxPruning {
  /** Prunes now (besides the schedule); resolves with how many rows were deleted. */
  prune(): Promise<number>;
  /** Stops between two statements and waits for the one running; idempotent. */
  stop(): Promise<void>;
}

/** Prunes the outbox of `orm`'s database every `intervalMs` (see pruneSentOutbox); a failure is logged and retried. */
export function startOutboxPruning(
  orm: MikroORM,
  options: Partial<OutboxPruningSettings> & { logger: Logger },
): OutboxPruning {
  const { logger, ...given } = options;
  const settings = { ...outboxPruningDefaults, ...given };
  return startPruning({
    intervalMs: settings.intervalMs,
    logger,
    what: 'sent outbox rows',
    prune: (signal) => pruneSentOutbox(orm, { ...settings, signal }),
  });
}

/**
 * Runs `deleteBatch` (one statement deleting at most `batchSize` rows, resolving with how many it deleted) until
 * a statement deletes fewer, with `pauseMs` between statements, so that no statement holds many row locks, or
 * runs, for long; stops between two statements once `signal` is aborted. Resolves with how many were deleted.
 */
export async function deleteInBatches(
  deleteBatch: () => Promise<number>,
  settings: { batchSize: number; pauseMs: number; signal?: AbortSignal | undefined },
): Promise<number> {
  let deleted = 0;
  while (!settings.signal?.aborted) {
    const batch = await deleteBatch();
    deleted += batch;
    if (batch < settings.batchSize) break;
    await sleep(settings.pauseMs, undefined, settings.signal ? { signal: settings.signal } : {}).catch(() => undefined);
  }
  return deleted;
}

/**
 * Runs `prune` every `intervalMs` (never when 0) until stopped: a failure is logged and retried at the next
 * interval. The outbox's pruning and the location history's share it.
 */
export function startPruning(options: {
  intervalMs: number;
  logger: Logger;
  /** What is pruned, for the log lines ("sent outbox rows"). */
  what: string;
  prune: (signal: AbortSignal) => Promise<number>;
}): OutboxPruning {
  const { logger, what } = options;
  const stopping = new AbortController();
  const prune = () => options.prune(stopping.signal);
  const loop = (async () => {
    if (options.intervalMs <= 0) return;
    while (!stopping.signal.aborted) {
      await sleep(options.intervalMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      if (stopping.signal.aborted) return;
      try {
        const deleted = await prune();
        if (deleted > 0) logger.debug({ deleted }, `pruned ${what}`);
      } catch (error) {
        logger.warn({ err: error }, `pruning ${what} failed; retrying at the next interval`);
      }
    }
  })();
  return {
    prune,
    stop() {
      stopping.abort();
      return loop;
    },
  };
}
