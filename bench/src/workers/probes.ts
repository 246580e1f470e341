/**
 * Where `bench:workers` reads what the stack did, after the moments measured: the post outbox, the search index
 * and the queues of `post.created`; and the queries it polls the gateway with.
 */
import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import type pg from 'pg';
import type { EventQueueName } from '@curbside/events';
import { searchQueueName } from './config.ts';
import { jobTimes, postCreatedEvents, type JobTimes } from './event-timings.ts';

/** A search for one word among posts, and the first feed page: what the benchmark polls. */
export const SEARCH = `query ($query: String!) {
  search(query: $query, types: [POST], first: 5) { edges { node { node { ... on Post { id } } } } }
}`;
export const FEED = 'query { feed(first: 5) { edges { node { id } } } }';

/** Where the benchmark reads what the stack did: the post outbox, the search index and the queues of `post.created`. */
export interface Probes {
  postDatabase: pg.Pool;
  searchDatabase: pg.Pool;
  queues: Map<EventQueueName, Queue>;
}

/** A word no other post has (12 random letters, far from each other by trigrams too), so a search for it finds one post. */
export function uniqueWord(): string {
  return Array.from(randomBytes(12), (byte) => String.fromCharCode(97 + (byte % 26))).join('');
}

/** Posts in the search index. */
export async function indexedPosts(probes: Probes): Promise<number> {
  const { rows } = await probes.searchDatabase.query<{ count: string }>(
    "select count(*) from search_document where type = 'POST'",
  );
  return Number(rows[0]?.count ?? 0);
}

/** Outbox events the relay has not sent yet. */
export async function unrelayedEvents(probes: Probes): Promise<number> {
  const { rows } = await probes.postDatabase.query<{ count: string }>(
    'select count(*) from outbox_event where sent_at is null',
  );
  return Number(rows[0]?.count ?? 0);
}

/** The `search.index` queue. */
export const searchQueue = (probes: Probes): Queue => probes.queues.get(searchQueueName)!;

/** The events of `postIds` once the relay has moved them all, and their jobs' times in each of their queues. */
export async function timelines(probes: Probes, postIds: readonly string[]) {
  const { waitFor } = await import('@curbside/e2e');
  const events = await waitFor(
    `the relay of ${postIds.length} post.created events`,
    async () => {
      const found = await postCreatedEvents(probes.postDatabase, postIds);
      return found.size === postIds.length && [...found.values()].every((event) => event.relayed) ? found : null;
    },
    30_000,
  );
  const eventIds = [...events.values()].map((event) => event.eventId);
  const jobs = new Map<EventQueueName, Map<string, JobTimes>>();
  for (const [name, queue] of probes.queues) jobs.set(name, await jobTimes(queue, eventIds));
  return { events, jobs };
}
