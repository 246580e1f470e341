import DataLoader from 'dataloader';
import { encodeCursor, type BaseRequestContext, type Connection } from '@curbside/subgraph-kit';
import { Media, type MediaEntity } from './entities.ts';
import { loadMediaPages, type MediaPageKey } from './media.ts';

export interface RequestContext extends BaseRequestContext {
  loaders: ReturnType<typeof createLoaders>;
}

/** Per-request loaders: one SQL query per batch, results in key order, misses as null. */
export function createLoaders(base: BaseRequestContext) {
  return {
    mediaById: new DataLoader<string, MediaEntity | null>(async (ids) => {
      const rows = await base.em.find(Media, { id: { $in: [...ids] } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    mediaPages: new DataLoader<MediaPageKey, Connection<MediaEntity>, string>((keys) => loadMediaPages(base.em, keys), {
      cacheKeyFn: ({ userId, first, after, readyOnly }) =>
        `${userId}:${first}:${after ? encodeCursor(after) : ''}:${readyOnly}`,
    }),
  };
}

export function createContext(base: BaseRequestContext): RequestContext {
  return { ...base, loaders: createLoaders(base) };
}
