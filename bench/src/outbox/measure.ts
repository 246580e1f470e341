/**
 * One phase of `bench:outbox`: an outbox under a steady load of recorded events, its relay running (with or
 * without pruning), the table's size sampled every second and each queued event's relay latency read back from
 * its row (occurred_at, set by the insert, to sent_at, set by the relay).
 */
import pg from 'pg';
import type { ConnectionOptions } from 'bullmq';
import { startOutboxRelay, type OutboxPruningSettings } from '@curbside/event-bus';
import type { Orm } from '@curbside/subgraph-kit';
import { createLogger } from '@curbside/service';
import { sleep } from '../common/run.ts';
import { movingVendors, phaseSeconds, queuedEventsPerSecond, slicesPerSecond } from './config.ts';

export interface PhaseOptions {
  orm: Orm;
  databaseUrl: string;
  eventBus: { connection: ConnectionOptions; prefix: string };
  /** Pruning as the relay runs it; `intervalMs: 0` for none (the relay as it was before pruning). */
  pruning: Partial<OutboxPruningSettings>;
  /** Whether each moving vendor's position is recorded in the outbox, as the location subgraph did before. */
  recordPositions: boolean;
}

export interface PhaseRun {
  /** Rows in the table, once a second. */
  rows: number[];
  /** Rows not yet sent, once a second. */
  unsent: number[];
  /** Queued events: from the row's occurred_at to its sent_at. */
  relayMs: number[];
  /** Rows recorded during the phase. */
  recorded: number;
}

/**
 * Runs one phase for `phaseSeconds`: `movingVendors` positions (when recorded) and `queuedEventsPerSecond`
 * vendor.updated events a second, inserted in `slicesPerSecond` commits a second, with the relay running.
 */
export async function runPhase(options: PhaseOptions): Promise<PhaseRun> {
  const writer = new pg.Client({ connectionString: options.databaseUrl });
  const reader = new pg.Client({ connectionString: options.databaseUrl });
  await Promise.all([writer.connect(), reader.connect()]);
  await writer.query('truncate outbox_event');
  const relay = startOutboxRelay({
    orm: options.orm,
    databaseUrl: options.databaseUrl,
    ...options.eventBus,
    logger: createLogger('bench-outbox', 'warn'),
    pruning: options.pruning,
  });
  const run: PhaseRun = { rows: [], unsent: [], relayMs: [], recorded: 0 };
  const positionsPerSlice = options.recordPositions ? Math.round(movingVendors / slicesPerSecond) : 0;
  const queuedPerSlice = Math.max(1, Math.round(queuedEventsPerSecond / slicesPerSecond));
  let stopped = false;
  // The writers' commits, evenly spaced: each inserts one slice of positions and of queued events.
  const writing = (async () => {
    const start = performance.now();
    for (let slice = 0; !stopped; slice++) {
      await writer.query(
        `insert into outbox_event (id, name, payload, occurred_at)
         select gen_random_uuid(), 'vendor.location_updated',
           jsonb_build_object('vendorId', gen_random_uuid(), 'lat', 38.7, 'lng', -9.1, 'accuracyMeters', 5,
             'updatedAt', clock_timestamp()), clock_timestamp()
         from generate_series(1, $1)`,
        [positionsPerSlice],
      );
      await writer.query(
        `insert into outbox_event (id, name, payload, occurred_at)
         select gen_random_uuid(), 'vendor.updated',
           jsonb_build_object('vendorId', gen_random_uuid(), 'ownerId', gen_random_uuid(), 'name', 'Bench truck',
             'description', 'Moving along', 'category', 'FOOD_TRUCK', 'isOpen', true), clock_timestamp()
         from generate_series(1, $1)`,
        [queuedPerSlice],
      );
      run.recorded += positionsPerSlice + queuedPerSlice;
      await sleep(start + ((slice + 1) * 1000) / slicesPerSecond - performance.now());
    }
  })();
  let lastSentAt = new Date(0);
  const sampleStart = performance.now();
  for (let second = 1; second <= phaseSeconds; second++) {
    await sleep(sampleStart + second * 1000 - performance.now());
    const { rows } = await reader.query<{ rows: number; unsent: number }>(
      'select count(*)::int as rows, (count(*) filter (where sent_at is null))::int as unsent from outbox_event',
    );
    run.rows.push(rows[0]!.rows);
    run.unsent.push(rows[0]!.unsent);
    // Read well within the retention (pruning keeps the last seconds' rows): every queued event once.
    const sent = await reader.query<{ ms: number; sent_at: Date }>(
      `select extract(epoch from sent_at - occurred_at) * 1000 as ms, sent_at from outbox_event
       where name = 'vendor.updated' and sent_at > $1 order by sent_at`,
      [lastSentAt],
    );
    for (const row of sent.rows) run.relayMs.push(Number(row.ms));
    lastSentAt = sent.rows.at(-1)?.sent_at ?? lastSentAt;
  }
  stopped = true;
  await writing;
  await relay.stop();
  await Promise.all([writer.end(), reader.end()]);
  return run;
}
