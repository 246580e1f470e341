import type { EntityManager } from '@mikro-orm/postgresql';
import { checkPageSize, decodeCursor, toConnection, type Connection, type Cursor } from '@curbside/subgraph-kit';
import { Comment, type CommentEntity, type PostRow } from './entities.ts';

/**
 * The columns of a post as its fields show it. The vendor is hidden once the vendor copy says it was
 * deleted: the post stays, as a personal post of its author. Used with `post p left join vendor_copy v`.
 */
export const postColumns = `p.id, p.author_id, case when v.deleted then null else p.vendor_id end as vendor_id,
  p.body, p.created_at, p.edited_at`;

export interface PostColumns {
  id: string;
  author_id: string;
  vendor_id: string | null;
  body: string;
  created_at: Date | string;
  edited_at: Date | string | null;
}

export function toPostRow(row: PostColumns): PostRow {
  return {
    id: row.id,
    authorId: row.author_id,
    vendorId: row.vendor_id,
    body: row.body,
    createdAt: new Date(row.created_at),
    editedAt: row.edited_at === null ? null : new Date(row.edited_at),
  };
}

/** One page of a connection to load for one parent (a user, vendor or post): arguments checked, cursor decoded. */
export interface PageKey {
  parentId: string;
  first: number;
  after: Cursor | null;
}

/** Checks the arguments before they reach a loader, so a bad one fails only its own field. */
export function pageKey(parentId: string, args: { first: number; after?: string | null | undefined }): PageKey {
  const first = checkPageSize(args.first);
  return { parentId: parentId.toLowerCase(), first, after: args.after ? decodeCursor(args.after) : null };
}

export const pageCacheKey = ({ parentId, first, after }: PageKey) =>
  `${parentId}:${first}:${after ? `${after.createdAt.toISOString()}/${after.id}` : ''}`;

/** Sorts after every real row (newest-first scans start here) and before every real row (oldest-first scans). */
const newestEnd = { createdAt: 'infinity', id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' };
const oldestEnd = { createdAt: '-infinity', id: '00000000-0000-0000-0000-000000000000' };

/**
 * The keys as rows of a `values` list: each key's page is then read by a lateral subquery from its
 * parent's index, so any number of parents costs one statement and reads only the rows it returns.
 */
function wantedPages(keys: readonly PageKey[], start: { createdAt: string; id: string }) {
  return {
    sql: `(values ${keys.map(() => '(?::int, ?::uuid, ?::timestamptz, ?::uuid, ?::int)').join(', ')})
      as wanted (key_index, parent_id, after_at, after_id, page_size)`,
    params: keys.flatMap((key, index) => [
      index,
      key.parentId,
      key.after?.createdAt.toISOString() ?? start.createdAt,
      key.after?.id ?? start.id,
      key.first + 1,
    ]),
  };
}

/** Splits rows tagged with their key's index into one connection per key, in key order. */
function toConnections<Node extends Cursor>(
  keys: readonly PageKey[],
  rows: { keyIndex: number; node: Node }[],
): Connection<Node>[] {
  const pages = keys.map(() => [] as Node[]);
  for (const { keyIndex, node } of rows) pages[keyIndex]!.push(node);
  return pages.map((nodes, index) => toConnection(nodes, keys[index]!.first));
}

/** Which posts a `posts` connection lists: those a user wrote, or those made as a vendor. */
export type PostOwnerColumn = 'author_id' | 'vendor_id';

/** Pages of posts, newest first, for many users (or vendors) in one SQL statement. Results are in key order. */
export async function loadPostPages(
  em: EntityManager,
  column: PostOwnerColumn,
  keys: readonly PageKey[],
): Promise<Connection<PostRow>[]> {
  const wanted = wantedPages(keys, newestEnd);
  const rows = await em.execute<(PostColumns & { key_index: number })[]>(
    `select page.* from ${wanted.sql}
     cross join lateral (
       select wanted.key_index, ${postColumns}
       from post p left join vendor_copy v on v.vendor_id = p.vendor_id
       where p.${column} = wanted.parent_id and (p.created_at, p.id) < (wanted.after_at, wanted.after_id)
       order by p.created_at desc, p.id desc
       limit wanted.page_size
     ) page
     order by page.key_index, page.created_at desc, page.id desc`,
    wanted.params,
  );
  return toConnections(
    keys,
    rows.map(({ key_index: keyIndex, ...row }) => ({ keyIndex: Number(keyIndex), node: toPostRow(row) })),
  );
}

/** Pages of comments, oldest first, for many posts in one SQL statement. Results are in key order. */
export async function loadCommentPages(
  em: EntityManager,
  keys: readonly PageKey[],
): Promise<Connection<CommentEntity>[]> {
  const wanted = wantedPages(keys, oldestEnd);
  const rows = await em.execute<(Record<string, unknown> & { key_index: number })[]>(
    `select page.* from ${wanted.sql}
     cross join lateral (
       select wanted.key_index, c.*
       from comment c
       where c.post_id = wanted.parent_id and (c.created_at, c.id) > (wanted.after_at, wanted.after_id)
       order by c.created_at, c.id
       limit wanted.page_size
     ) page
     order by page.key_index, page.created_at, page.id`,
    wanted.params,
  );
  return toConnections(
    keys,
    rows.map(({ key_index: keyIndex, ...row }) => ({ keyIndex: Number(keyIndex), node: em.map(Comment, row) })),
  );
}

/** One page of a viewer's feed: arguments checked, cursor decoded. */
export interface FeedKey {
  viewerId: string;
  first: number;
  after: Cursor | null;
}

/**
 * A page of the viewer's feed, newest first: the viewer's own posts, those of the users they follow and those
 * made as the vendors they follow (a deleted vendor's posts only through their author), from the follow copies.
 * Each source's newest posts after the cursor are read by a lateral subquery from that source's own index
 * (post_author_newest_idx, post_vendor_newest_idx), at most `first + 1` each; the candidates are merged (a post
 * reached through its author and its vendor counts once), sorted and cut. So a page costs one statement and
 * reads at most (sources × page size) index entries, however many posts the sources wrote before.
 */
export async function loadFeedPage(em: EntityManager, key: FeedKey): Promise<Connection<PostRow>> {
  const afterAt = key.after?.createdAt.toISOString() ?? newestEnd.createdAt;
  const afterId = key.after?.id ?? newestEnd.id;
  const perSource = key.first + 1;
  const rows = await em.execute<PostColumns[]>(
    `with authors as (
       select ?::uuid as author_id
       union
       select followee_id from user_follow_copy where follower_id = ? and following
     ),
     vendors as (
       select f.vendor_id from vendor_follow_copy f
       join vendor_copy vc on vc.vendor_id = f.vendor_id and not vc.deleted
       where f.user_id = ? and f.following
     ),
     candidates as (
       select page.id, page.created_at from authors cross join lateral (
         select p.id, p.created_at from post p
         where p.author_id = authors.author_id and (p.created_at, p.id) < (?::timestamptz, ?::uuid)
         order by p.created_at desc, p.id desc
         limit ?
       ) page
       union
       select page.id, page.created_at from vendors cross join lateral (
         select p.id, p.created_at from post p
         where p.vendor_id = vendors.vendor_id and (p.created_at, p.id) < (?::timestamptz, ?::uuid)
         order by p.created_at desc, p.id desc
         limit ?
       ) page
     ),
     feed as (select id, created_at from candidates order by created_at desc, id desc limit ?)
     select ${postColumns}
     from feed join post p on p.id = feed.id left join vendor_copy v on v.vendor_id = p.vendor_id
     order by p.created_at desc, p.id desc`,
    [key.viewerId, key.viewerId, key.viewerId, afterAt, afterId, perSource, afterAt, afterId, perSource, perSource],
  );
  return toConnection(rows.map(toPostRow), key.first);
}
