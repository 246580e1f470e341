import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventOfQueue } from '@curbside/events';
import type { DocumentType } from './entities.ts';

/** An event of the `search.index` queue, its payload typed by its name. */
export type SearchEvent = EventOfQueue<'search.index'>;

/** What one event does to the index. */
export type IndexChange =
  | {
      kind: 'write';
      type: DocumentType;
      id: string;
      ownerId: string;
      /** Null when the event does not carry it (a profile update has no username): the stored one stays. */
      handle: string | null;
      name: string | null;
      body: string;
    }
  | { kind: 'delete'; type: DocumentType; id: string; ownerId: string }
  | { kind: 'closeAccount'; ownerId: string };

/** What one event does to the index (pure: the event alone decides). */
export function changeOf(event: SearchEvent): IndexChange {
  switch (event.name) {
    case 'user.registered': {
      const { userId, username, displayName } = event.payload;
      return {
        kind: 'write',
        type: 'USER',
        id: userId,
        ownerId: userId,
        handle: username,
        name: displayName,
        body: '',
      };
    }
    case 'user.profile_updated': {
      const { userId, displayName, bio } = event.payload;
      return {
        kind: 'write',
        type: 'USER',
        id: userId,
        ownerId: userId,
        handle: null,
        name: displayName,
        body: bio ?? '',
      };
    }
    case 'user.deleted':
      return { kind: 'closeAccount', ownerId: event.payload.userId };
    case 'vendor.created':
    case 'vendor.updated': {
      const { vendorId, ownerId, name, description } = event.payload;
      return { kind: 'write', type: 'VENDOR', id: vendorId, ownerId, handle: null, name, body: description };
    }
    case 'vendor.deleted':
      return { kind: 'delete', type: 'VENDOR', id: event.payload.vendorId, ownerId: event.payload.ownerId };
    case 'post.created':
    case 'post.updated': {
      const { postId, authorId, body } = event.payload;
      return { kind: 'write', type: 'POST', id: postId, ownerId: authorId, handle: null, name: null, body };
    }
    case 'post.deleted':
      return { kind: 'delete', type: 'POST', id: event.payload.postId, ownerId: event.payload.authorId };
  }
}

/**
 * Writes one change, on `em`'s transaction. Idempotent and order-safe on its own: a write applies only when
 * its event is newer than the stored `version`; a tombstone is never written over; nothing of a closed
 * account is written.
 */
async function writeChange(em: EntityManager, change: IndexChange, occurredAt: Date): Promise<void> {
  switch (change.kind) {
    case 'write': {
      await em.execute(
        `insert into search_document (type, id, owner_id, handle, name, body, version)
         select ?, ?, ?, ?, ?, ?, ?
         where not exists (select 1 from search_closed_account where user_id = ?)
         on conflict (type, id) do update set owner_id = excluded.owner_id,
           handle = coalesce(excluded.handle, search_document.handle), name = excluded.name,
           body = excluded.body, version = excluded.version
         where search_document.deleted_at is null and search_document.version < excluded.version`,
        [change.type, change.id, change.ownerId, change.handle, change.name, change.body, occurredAt, change.ownerId],
      );
      // A username never changes, so the registration brings it even when a newer profile update arrived
      // first (and, being older, changed nothing above).
      if (change.handle !== null) {
        await em.execute(
          `update search_document set handle = ?
           where type = ? and id = ? and handle is null and deleted_at is null`,
          [change.handle, change.type, change.id],
        );
      }
      return;
    }
    case 'delete':
      // A tombstone keeps the id with its text cleared, so that a late create or update finds it deleted.
      await em.execute(
        `insert into search_document (type, id, owner_id, body, version, deleted_at)
         select ?, ?, ?, '', ?, ?
         where not exists (select 1 from search_closed_account where user_id = ?)
         on conflict (type, id) do update set handle = null, name = null, body = '', deleted_at = excluded.deleted_at
         where search_document.deleted_at is null`,
        [change.type, change.id, change.ownerId, occurredAt, occurredAt, change.ownerId],
      );
      return;
    case 'closeAccount':
      // The closed account itself is the tombstone of everything it owned.
      await em.execute(
        'insert into search_closed_account (user_id, closed_at) values (?, ?) on conflict (user_id) do nothing',
        [change.ownerId, occurredAt],
      );
      await em.execute('delete from search_document where owner_id = ?', [change.ownerId]);
      return;
  }
}

/**
 * Applies one event to the index: the `search.index` handler. Idempotent (the same event twice changes
 * nothing) and order-safe (an older event after a newer one changes nothing; nothing deleted comes back).
 */
export async function applySearchEvent(em: EntityManager, event: SearchEvent): Promise<void> {
  const change = changeOf(event);
  await em.transactional(async (tx) => {
    // Per owner, closing the account excludes every other change: a write that checked for a closure before
    // the closure committed would otherwise land after the closure's delete, and stay. Writes share the lock.
    const lock = change.kind === 'closeAccount' ? 'pg_advisory_xact_lock' : 'pg_advisory_xact_lock_shared';
    await tx.execute(`select ${lock}(hashtextextended(?, 0))`, [change.ownerId]);
    await writeChange(tx, change, new Date(event.occurredAt));
  });
}

/** Events oldest first (ISO-8601 in UTC sorts as time does), ties by id: the order the one-by-one handler's result follows. */
const byOccurrence = (a: SearchEvent, b: SearchEvent) =>
  a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** One document's writes of a batch, merged: the newest event's fields, and a username if any event brought one. */
interface MergedWrite {
  type: DocumentType;
  id: string;
  owner_id: string;
  handle: string | null;
  name: string | null;
  body: string;
  version: string;
}

/** One document's tombstone of a batch: the earliest deletion (a tombstone is never written over). */
interface MergedDelete {
  type: DocumentType;
  id: string;
  owner_id: string;
  version: string;
}

/**
 * What a batch of events does to the index, merged per document so that each document takes one row of each
 * multi-row statement (PostgreSQL refuses to upsert one row twice in a statement), with the result of applying
 * the events one by one in occurrence order: a closed account keeps nothing; a deleted document takes the writes
 * before its deletion (written first) and none after; the newest write wins, and a username (which never
 * changes) comes from whichever event carried it.
 */
function mergeBatch(events: readonly SearchEvent[]) {
  const closed = new Map<string, string>();
  const deletes = new Map<string, MergedDelete>();
  const writes = new Map<string, MergedWrite>();
  for (const event of [...events].sort(byOccurrence)) {
    const change = changeOf(event);
    if (change.kind === 'closeAccount') {
      if (!closed.has(change.ownerId)) closed.set(change.ownerId, event.occurredAt);
      continue;
    }
    const key = `${change.type}:${change.id}`;
    if (change.kind === 'delete') {
      if (!deletes.has(key))
        deletes.set(key, { type: change.type, id: change.id, owner_id: change.ownerId, version: event.occurredAt });
      continue;
    }
    // After its deletion, a document takes no write; before it, writes count (the tombstone keeps their version).
    if (deletes.has(key)) continue;
    const earlier = writes.get(key);
    writes.set(key, {
      type: change.type,
      id: change.id,
      owner_id: change.ownerId,
      handle: change.handle ?? earlier?.handle ?? null,
      name: change.name,
      body: change.body,
      version: event.occurredAt,
    });
  }
  const isOpen = (change: { owner_id: string }) => !closed.has(change.owner_id);
  // In key order, so that two batches running at once lock the rows they share in the same order.
  const byKey = (a: { type: string; id: string }, b: { type: string; id: string }) =>
    a.type < b.type ? -1 : a.type > b.type ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  return {
    closed: [...closed]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([user_id, closed_at]) => ({ user_id, closed_at })),
    deletes: [...deletes.values()].filter(isOpen).sort(byKey),
    writes: [...writes.values()].filter(isOpen).sort(byKey),
  };
}

/**
 * Writes documents with one multi-row upsert (each `(type, id)` at most once): each applies only when newer than
 * the stored `version`, never over a tombstone, never for a closed account; a username fills a stored row that
 * has none (a username never changes, so a registration brings it even when a newer update was stored first).
 */
async function upsertDocuments(tx: EntityManager, writes: readonly MergedWrite[]): Promise<void> {
  await tx.execute(
    `insert into search_document (type, id, owner_id, handle, name, body, version)
     select w.type, w.id, w.owner_id, w.handle, w.name, w.body, w.version
     from jsonb_to_recordset(?::jsonb)
       as w(type text, id uuid, owner_id uuid, handle text, name text, body text, version timestamptz)
     where not exists (select 1 from search_closed_account where user_id = w.owner_id)
     on conflict (type, id) do update set owner_id = excluded.owner_id,
       handle = coalesce(excluded.handle, search_document.handle), name = excluded.name,
       body = excluded.body, version = excluded.version
     where search_document.deleted_at is null and search_document.version < excluded.version`,
    [JSON.stringify(writes)],
  );
  const handles = writes.filter((write) => write.handle !== null);
  if (handles.length === 0) return;
  await tx.execute(
    `update search_document d set handle = h.handle
     from jsonb_to_recordset(?::jsonb) as h(type text, id uuid, handle text)
     where d.type = h.type and d.id = h.id and d.handle is null and d.deleted_at is null`,
    [JSON.stringify(handles.map(({ type, id, handle }) => ({ type, id, handle })))],
  );
}

/**
 * Applies a batch of events to the index in one transaction and a few multi-row statements: the `search.index`
 * handler under a burst. Leaves the index as `applySearchEvent` applied to each event in occurrence order would
 * (see mergeBatch), idempotent and order-safe in the same ways: a write applies only when newer than the stored
 * `version`, a tombstone is never written over, nothing of a closed account is written. Owners are locked in
 * one order (shared, exclusive for a closure) and documents written in key order, so two batches running at once
 * wait for each other rather than deadlock (were they to, the batch that failed is handled one event at a time).
 */
export async function applySearchEvents(em: EntityManager, events: readonly SearchEvent[]): Promise<void> {
  if (events.length === 0) return;
  const { closed, deletes, writes } = mergeBatch(events);
  const closing = new Set(closed.map((account) => account.user_id));
  const owners = [...new Set([...closing, ...deletes.map((d) => d.owner_id), ...writes.map((w) => w.owner_id)])]
    .sort()
    .map((owner) => ({ owner, exclusive: closing.has(owner) }));
  await em.transactional(async (tx) => {
    // The ORDER BY in the subquery makes the locks be taken in owner order.
    await tx.execute(
      `select count(*) from (
         select owner, exclusive from jsonb_to_recordset(?::jsonb) as o(owner text, exclusive boolean) order by owner
       ) o
       where (case when o.exclusive then pg_advisory_xact_lock(hashtextextended(o.owner, 0))::text
                   else pg_advisory_xact_lock_shared(hashtextextended(o.owner, 0))::text end) is not null`,
      [JSON.stringify(owners)],
    );
    if (closed.length > 0) {
      await tx.execute(
        `insert into search_closed_account (user_id, closed_at)
         select user_id, closed_at from jsonb_to_recordset(?::jsonb) as c(user_id uuid, closed_at timestamptz)
         on conflict (user_id) do nothing`,
        [JSON.stringify(closed)],
      );
      await tx.execute('delete from search_document where owner_id in (?)', [[...closing]]);
    }
    if (writes.length > 0) await upsertDocuments(tx, writes);
    if (deletes.length > 0) {
      await tx.execute(
        `insert into search_document (type, id, owner_id, body, version, deleted_at)
         select d.type, d.id, d.owner_id, '', d.version, d.version
         from jsonb_to_recordset(?::jsonb) as d(type text, id uuid, owner_id uuid, version timestamptz)
         where not exists (select 1 from search_closed_account where user_id = d.owner_id)
         on conflict (type, id) do update set handle = null, name = null, body = '', deleted_at = excluded.deleted_at
         where search_document.deleted_at is null`,
        [JSON.stringify(deletes)],
      );
    }
  });
}

/** What the owners have now, as their export queries give it (see owner-exports.ts). */
export interface OwnerSnapshot {
  users: {
    id: string;
    username: string;
    displayName: string;
    bio: string | null;
    updatedAt: string;
    closedAt: string | null;
  }[];
  vendors: { id: string; ownerId: string; name: string; description: string; updatedAt: string }[];
  posts: { id: string; authorId: string; body: string; updatedAt: string }[];
}

/** Rows per statement of a rebuild: a few hundred kilobytes of JSON each. */
const rebuildChunk = 1_000;

/** The documents an owner snapshot holds, closed accounts left out. */
function documentsOf({ users, vendors, posts }: OwnerSnapshot): MergedWrite[] {
  return [
    ...users
      .filter((user) => user.closedAt === null)
      .map((user) => ({
        type: 'USER' as const,
        id: user.id,
        owner_id: user.id,
        handle: user.username,
        name: user.displayName,
        body: user.bio ?? '',
        version: user.updatedAt,
      })),
    ...vendors.map((vendor) => ({
      type: 'VENDOR' as const,
      id: vendor.id,
      owner_id: vendor.ownerId,
      handle: null,
      name: vendor.name,
      body: vendor.description,
      version: vendor.updatedAt,
    })),
    ...posts.map((post) => ({
      type: 'POST' as const,
      id: post.id,
      owner_id: post.authorId,
      handle: null,
      name: null,
      body: post.body,
      version: post.updatedAt,
    })),
  ];
}

/**
 * Replaces the index's live documents by the owners' current state, `readSnapshot` (their export queries), in one
 * transaction: searches go on reading the old index until it commits. Other writers (the workers) wait from the
 * start, and `readSnapshot` runs after that, so a change it does not see was made after it read, and its event
 * is applied on top of the new index once this commits (each document's version is its owner's last change
 * time, which that event's is later than). Tombstones and closed accounts are kept (a deletion is final, and the
 * owners no longer have the row); closed accounts the user subgraph reports are added. Returns how many
 * documents were written.
 */
export async function rebuildSearchIndex(
  em: EntityManager,
  readSnapshot: () => Promise<OwnerSnapshot>,
): Promise<number> {
  return em.transactional(async (tx) => {
    await tx.execute('lock table search_document, search_closed_account in exclusive mode');
    const snapshot = await readSnapshot();
    const closed = snapshot.users
      .filter((user) => user.closedAt !== null)
      .map((user) => ({ user_id: user.id, closed_at: user.closedAt }));
    for (let start = 0; start < closed.length; start += rebuildChunk) {
      await tx.execute(
        `insert into search_closed_account (user_id, closed_at)
         select user_id, closed_at from jsonb_to_recordset(?::jsonb) as c(user_id uuid, closed_at timestamptz)
         on conflict (user_id) do nothing`,
        [JSON.stringify(closed.slice(start, start + rebuildChunk))],
      );
    }
    await tx.execute('delete from search_document where deleted_at is null');
    await tx.execute('delete from search_document where owner_id in (select user_id from search_closed_account)');
    const documents = documentsOf(snapshot);
    // No advisory locks here: the table lock already excludes every other writer.
    for (let start = 0; start < documents.length; start += rebuildChunk)
      await upsertDocuments(tx, documents.slice(start, start + rebuildChunk));
    return documents.length;
  });
}
