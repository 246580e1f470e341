import DataLoader from 'dataloader';
import type { BaseRequestContext, Connection } from '@curbside/subgraph-kit';
import { Comment, type CommentEntity, type PostRow } from './entities.ts';
import {
  loadCommentPages,
  loadPostPages,
  pageCacheKey,
  postColumns,
  toPostRow,
  type PageKey,
  type PostColumns,
} from './pages.ts';

export interface RequestContext extends BaseRequestContext {
  loaders: ReturnType<typeof createLoaders>;
}

/** Counts per post from one grouped query; posts with no row count 0. */
async function countsByPost(base: BaseRequestContext, table: 'post_like' | 'comment', postIds: readonly string[]) {
  const rows = await base.em.execute<{ post_id: string; n: number }[]>(
    `select post_id, count(*)::int as n from ${table} where post_id in (?) group by post_id`,
    [[...postIds]],
  );
  const byPost = new Map(rows.map((row) => [row.post_id, Number(row.n)]));
  return postIds.map((postId) => byPost.get(postId) ?? 0);
}

/** Per-request loaders: one SQL query per batch, results in key order, misses as null or empty. */
export function createLoaders(base: BaseRequestContext) {
  return {
    postById: new DataLoader<string, PostRow | null>(async (ids) => {
      const rows = await base.em.execute<PostColumns[]>(
        `select ${postColumns} from post p left join vendor_copy v on v.vendor_id = p.vendor_id where p.id in (?)`,
        [[...ids]],
      );
      const byId = new Map(rows.map((row) => [row.id, toPostRow(row)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    commentById: new DataLoader<string, CommentEntity | null>(async (ids) => {
      const rows = await base.em.find(Comment, { id: { $in: [...ids] } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    likeCountByPostId: new DataLoader<string, number>((postIds) => countsByPost(base, 'post_like', postIds)),
    commentCountByPostId: new DataLoader<string, number>((postIds) => countsByPost(base, 'comment', postIds)),
    /** Whether the viewer likes each post; anonymous viewers like nothing and cost no query. */
    viewerHasLikedByPostId: new DataLoader<string, boolean>(async (postIds) => {
      if (!base.viewer) return postIds.map(() => false);
      const rows = await base.em.execute<{ post_id: string }[]>(
        'select post_id from post_like where user_id = ? and post_id in (?)',
        [base.viewer.userId, [...postIds]],
      );
      const liked = new Set(rows.map((row) => row.post_id));
      return postIds.map((postId) => liked.has(postId));
    }),
    /** Attached media in the author's order; media the copy does not know as READY (deleted) are left out. */
    mediaIdsByPostId: new DataLoader<string, string[]>(async (postIds) => {
      const rows = await base.em.execute<{ post_id: string; media_id: string }[]>(
        `select pm.post_id, pm.media_id from post_media pm
         join media_copy m on m.media_id = pm.media_id and not m.deleted
         where pm.post_id in (?) order by pm.post_id, pm.position`,
        [[...postIds]],
      );
      const byPost = new Map<string, string[]>();
      for (const row of rows) byPost.set(row.post_id, [...(byPost.get(row.post_id) ?? []), row.media_id]);
      return postIds.map((postId) => byPost.get(postId) ?? []);
    }),
    postsByAuthor: new DataLoader<PageKey, Connection<PostRow>, string>(
      (keys) => loadPostPages(base.em, 'author_id', keys),
      { cacheKeyFn: pageCacheKey },
    ),
    postsByVendor: new DataLoader<PageKey, Connection<PostRow>, string>(
      (keys) => loadPostPages(base.em, 'vendor_id', keys),
      { cacheKeyFn: pageCacheKey },
    ),
    commentsByPost: new DataLoader<PageKey, Connection<CommentEntity>, string>(
      (keys) => loadCommentPages(base.em, keys),
      { cacheKeyFn: pageCacheKey },
    ),
  };
}

export function createContext(base: BaseRequestContext): RequestContext {
  return { ...base, loaders: createLoaders(base) };
}
