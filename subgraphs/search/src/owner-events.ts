import pg from 'pg';
import { eventQueues, parseEventOfQueue } from '@curbside/events';
import type { SearchEvent } from './indexing.ts';

interface OutboxRow {
  id: string;
  name: string;
  payload: unknown;
  occurred_at: Date;
}

/**
 * Every event the index is built from, read from the outboxes of the owners' databases (the user, vendor and
 * post subgraphs'), sent or not, oldest first. Each payload is validated again, with the defaults of its
 * current declaration (a `post.created` recorded before it carried `body` gets an empty one).
 */
export async function readOwnerEvents(ownerDatabaseUrls: string[]): Promise<SearchEvent[]> {
  const events: SearchEvent[] = [];
  for (const url of ownerDatabaseUrls) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<OutboxRow>(
        'select id, name, payload, occurred_at from outbox_event where name = any($1) order by occurred_at, id',
        [[...eventQueues['search.index'].events]],
      );
      for (const row of rows) {
        const envelope = {
          id: row.id,
          name: row.name,
          payload: row.payload,
          occurredAt: row.occurred_at.toISOString(),
        };
        try {
          events.push(parseEventOfQueue('search.index', envelope));
        } catch (error) {
          throw new Error(`${row.name} event ${row.id} in ${client.database} does not match its declaration`, {
            cause: error,
          });
        }
      }
    } finally {
      await client.end();
    }
  }
  // ISO-8601 in UTC sorts as time does.
  return events.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0));
}
