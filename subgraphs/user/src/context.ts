import DataLoader from 'dataloader';
import type { BaseRequestContext } from '@curbside/subgraph-kit';
import { User, type UserEntity } from './entities.ts';

export interface RequestContext extends BaseRequestContext {
  loaders: ReturnType<typeof createLoaders>;
  /**
   * The user a session was started for in this request (register, login, refresh): the response's
   * `user` is then theirs to see in full, although the request itself carried no token.
   */
  sessionUserId: string | null;
}

/** Per-request loaders: one SQL query per batch, results in key order, misses as null. */
export function createLoaders(base: BaseRequestContext) {
  return {
    userById: new DataLoader<string, UserEntity | null>(async (ids) => {
      const rows = await base.em.find(User, { id: { $in: [...ids] } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}

export function createContext(base: BaseRequestContext): RequestContext {
  return { ...base, loaders: createLoaders(base), sessionUserId: null };
}
