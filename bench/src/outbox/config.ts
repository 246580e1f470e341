/** The knobs of `bench:outbox` (BENCH_*, read once at load): the load, the compressed clock, the phases. */
import { intFromEnv } from '../common/report.ts';

/** BENCH_MOVING_VENDORS: vendors moving, each sending its position once a second (1,000). */
export const movingVendors = intFromEnv('BENCH_MOVING_VENDORS', 1_000);
/** BENCH_QUEUED_EVENTS: events some queue receives (vendor.updated) recorded per second beside them (50). */
export const queuedEventsPerSecond = intFromEnv('BENCH_QUEUED_EVENTS', 50);
/** BENCH_PHASE_SECONDS: how long each phase runs (40 s: three phases, 2 minutes in all). */
export const phaseSeconds = intFromEnv('BENCH_PHASE_SECONDS', 40);
/**
 * BENCH_RETENTION_SECONDS: the retention of sent rows, compressed (15 s stands for the default 7 days: a phase is
 * about 2.7 retentions long, what 19 days are to a deployment).
 */
export const retentionSeconds = intFromEnv('BENCH_RETENTION_SECONDS', 15);
/** BENCH_UNQUEUED_RETENTION_SECONDS: the retention of events no queue receives, compressed (3 s for 10 minutes). */
export const unqueuedRetentionSeconds = intFromEnv('BENCH_UNQUEUED_RETENTION_SECONDS', 3);
/** BENCH_PRUNE_INTERVAL_SECONDS: how often the relay prunes, compressed (3 s for 1 minute). */
export const pruneIntervalSeconds = intFromEnv('BENCH_PRUNE_INTERVAL_SECONDS', 3);
/** Rows are inserted in 10 slices a second, as many small commits (each wakes the relay, as mutations do). */
export const slicesPerSecond = 10;
/** The relay target: event to queued under 100 ms at p95 (the same as bench:workers'). */
export const relayTargetP95Ms = 100;
