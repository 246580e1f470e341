/** The knobs of `bench:workers` (BENCH_*, read once at load), its pacing, timeouts and targets. */
import type { EventQueueName } from '@curbside/events';
import { intFromEnv } from '../common/report.ts';

/** BENCH_RELAY_EVENTS: posts created one at a time for the relay latency (200). */
export const relayEvents = intFromEnv('BENCH_RELAY_EVENTS', 200);
/** BENCH_SEARCHABLE_POSTS: posts polled for until searchable and in the feed (100). */
export const visibilityPosts = intFromEnv('BENCH_SEARCHABLE_POSTS', 100);
/** BENCH_INDEX_BURST: posts of the indexing burst (2,000). */
export const burstPosts = intFromEnv('BENCH_INDEX_BURST', 2_000);
/** BENCH_INDEX_CONCURRENCY: burst requests in flight (16). */
export const burstConcurrency = intFromEnv('BENCH_INDEX_CONCURRENCY', 16);
/** BENCH_DRAIN_POSTS: posts queued while the search workers are paused, then drained by them alone (5,000). */
export const drainPosts = intFromEnv('BENCH_DRAIN_POSTS', 5_000);
/** How long the drained backlog may take to be queued, and then to be indexed, before the run fails: 120 s each. */
export const drainTimeoutMs = 120_000;
/** The target of the workers alone: at least 5,000 documents indexed per second. */
export const drainTargetPerSecond = 5_000;
/** Pause after each relay sample's mutation: 20 ms, so that every event meets an idle relay and idle workers. */
export const relaySpacingMs = 20;
/** Pause between two polls of search or feed: 10 ms. A poll's answer is late by up to this plus one request. */
export const pollIntervalMs = 10;
/** How long a post may take to be searchable (or in the feed) before it counts as a failure: 10 s. */
export const visibilityTimeoutMs = 10_000;
/** How long the index may take to hold a whole burst before the run fails: 120 s. */
export const burstTimeoutMs = 120_000;
/** Below this many documents left at the last API response, there is no backlog to time the workers alone on. */
export const leastBacklog = 50;
/** The targets: event to job under 100 ms at p95, event to searchable under 1 s. */
export const relayTargetP95Ms = 100;
export const searchableTargetP95Ms = 1_000;
/** Posts, searches and feed reads before anything is measured. */
export const warmUpPosts = 10;
/** The queue whose jobs index posts for search. */
export const searchQueueName = 'search.index' satisfies EventQueueName;
