import { deleteInBatches, startPruning } from '@curbside/event-bus';
import type { Logger } from '@curbside/service';
import type { Orm } from '@curbside/subgraph-kit';

/** How the position history is kept bounded: which rows are deleted, when, and how many per statement. */
export interface HistoryPruningSettings {
  /** How long a recorded position is kept (`locationHistory` shows no older one). */
  retentionMs: number;
  /** Rows deleted per statement, so that no statement holds many row locks, or runs, for long. */
  batchSize: number;
  /** Pause between two statements, leaving room for the positions being recorded meanwhile. */
  pauseMs: number;
  /** How often a pruning runs (each location replica runs its own); 0 never. */
  intervalMs: number;
}

/**
 * The defaults, as the outbox's (see `outboxPruningDefaults`): a moving vendor records up to one position a
 * second, 86,400 rows a day, so a pruning every minute deletes about 60 rows per moving vendor.
 */
export const historyPruningDefaults: HistoryPruningSettings = {
  retentionMs: 30 * 24 * 3600 * 1000, // 30 days
  batchSize: 1_000,
  pauseMs: 20, // 20 milliseconds
  intervalMs: 60_000, // 1 minute
};

/**
 * Deletes the positions recorded longer than `retentionMs` ago, `batchSize` per statement with `pauseMs` between
 * statements, until none is left; resolves with how many were deleted. Each statement deletes by primary key
 * what a short select on `vendor_location_history_created_idx` found, so its row locks last milliseconds; rows
 * another replica is pruning are skipped, not waited for. A vendor's current position is in `vendor_location`,
 * which this never touches.
 */
export async function pruneLocationHistory(
  orm: Orm,
  settings: Omit<HistoryPruningSettings, 'intervalMs'> & { signal?: AbortSignal | undefined },
): Promise<number> {
  const before = new Date(Date.now() - settings.retentionMs);
  const limit = Math.max(1, Math.floor(settings.batchSize));
  return deleteInBatches(
    async () =>
      (
        await orm.em.fork().execute<{ id: string }[]>(
          `delete from vendor_location_history where id in (
             select id from vendor_location_history where created_at < ? order by created_at limit ${limit}
             for update skip locked)
           returning id`,
          [before],
        )
      ).length,
    { ...settings, batchSize: limit },
  );
}

/** A pruning of the position history running every `intervalMs`. */
export interface HistoryPruning {
  /** Prunes now (besides the schedule); resolves with how many rows were deleted. */
  prune(): Promise<number>;
  /** Stops between two statements and waits for the one running; idempotent. */
  stop(): Promise<void>;
}

/** Prunes the position history every `intervalMs` (see pruneLocationHistory); a failure is logged and retried. */
export function startHistoryPruning(
  orm: Orm,
  options: Partial<HistoryPruningSettings> & { logger: Logger },
): HistoryPruning {
  const { logger, ...given } = options;
  const settings = { ...historyPruningDefaults, ...given };
  return startPruning({
    intervalMs: settings.intervalMs,
    logger,
    what: 'the vendor position history',
    prune: (signal) => pruneLocationHistory(orm, { ...settings, signal }),
  });
}
